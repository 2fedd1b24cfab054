"""CVM instance operations beyond reads: StopInstances, TerminateInstances, instance tags, and a test control to add one.

A stop takes STOP_SECONDS (STOPPING, then STOPPED); the guest's TAT agent goes Offline with it
(tat.py). TerminateInstances shows TERMINATING for TERMINATE_SECONDS, then the instance is gone; it
refuses a launch still PENDING (UnsupportedOperation.InstanceStatePending).
"""
from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from ..core import ids
from ..core.lifecycle import Lifecycle, Phase
from . import seeds
from .records import Disk, Instance, Tags, fail
from .signing import current_uin
from .regions import zone

if TYPE_CHECKING:
    from .model import CvmModel

STOP_SECONDS = 30.0
TERMINATE_SECONDS = 60.0
STOP_TYPES = ("SOFT", "HARD", "SOFT_FIRST")
STOPPED_MODES = ("KEEP_CHARGING", "STOP_CHARGING")
MAX_IDS = 100


def _busy(model: CvmModel, inst: Instance) -> None:
    if inst.operation_phase(model.ctx.now()) is Phase.RUNNING:
        raise fail("OperationDenied.InstanceOperationInProgress",
                   f"The instance `{inst.instance_id}` is busy with {inst.latest_operation}; retry when it ends.")


def stop_instances(model: CvmModel, region: str, instance_ids: list[str], stop_type: str, stopped_mode: str) -> None:
    """StopInstances: every instance must be RUNNING (UnsupportedOperation.InstanceState<STATE> otherwise)."""
    if not instance_ids:
        raise fail("MissingParameter", "The request is missing a required parameter `InstanceIds`.")
    if len(instance_ids) > MAX_IDS:
        raise fail("InvalidParameterValue.LimitExceeded", f"At most {MAX_IDS} InstanceIds are allowed.")
    if stop_type and stop_type not in STOP_TYPES:
        raise fail("InvalidParameterValue", f"StopType must be one of {', '.join(STOP_TYPES)}.")
    if stopped_mode and stopped_mode not in STOPPED_MODES:
        raise fail("InvalidParameterValue", f"StoppedMode must be one of {', '.join(STOPPED_MODES)}.")
    now = model.ctx.now()
    found = [model.instance(region, i) for i in instance_ids]
    for inst in found:
        state = inst.state_at(now)
        if state != "RUNNING":
            raise fail(f"UnsupportedOperation.InstanceState{state.title().replace('_', '')}",
                       f"The instance `{inst.instance_id}` is {state}: StopInstances stops RUNNING instances only.")
        _busy(model, inst)
    for inst in found:
        inst.state, inst.stop = "RUNNING", Lifecycle.start(now, STOP_SECONDS)
        model.put_instance(region, inst)


def shut_down(model: CvmModel, region: str, instance_id: str, at: float) -> None:
    """The guest powers itself off at `at` (Sysprep /shutdown, shutdown -h): STOPPED from then on."""
    inst = model.instance(region, instance_id)
    inst.stop = Lifecycle.start(at, 0.0)
    model.put_instance(region, inst)


def terminate_instances(model: CvmModel, region: str, instance_ids: list[str]) -> None:
    if not instance_ids:
        raise fail("MissingParameter", "The request is missing a required parameter `InstanceIds`.")
    if len(instance_ids) > MAX_IDS:
        raise fail("InvalidParameterValue.LimitExceeded", f"At most {MAX_IDS} InstanceIds are allowed.")
    found = [model.instance(region, i) for i in instance_ids]
    for inst in found:
        if inst.terminating is not None:
            raise fail("UnsupportedOperation.InstanceStateTerminating",
                       f"The instance `{inst.instance_id}` is TERMINATING.")
        if inst.state_at(model.ctx.now()) == "PENDING":
            raise fail("UnsupportedOperation.InstanceStatePending",
                       f"The instance `{inst.instance_id}` is PENDING: terminate it once it is RUNNING or LAUNCH_FAILED.")
        _busy(model, inst)
    for inst in found:
        inst.terminating = Lifecycle.start(model.ctx.now(), TERMINATE_SECONDS)
        model.put_instance(region, inst)


def retag_instance(model: CvmModel, region: str, instance_id: str, uin: str, add: Tags, drop: list[str]) -> bool:
    """The Tag API on qcs::cvm:<region>:uin/<uin>:instance/<id>; False for an instance not of this account."""
    found = model.store.get("tencent-cvm", region, "instance", instance_id)
    inst = None if found is None else Instance.from_record(found)
    if inst is None or inst.gone(model.ctx.now()) or uin != current_uin():
        return False
    tags = dict(inst.tags)
    tags.update(add)
    for key in drop:
        tags.pop(key, None)
    inst.tags = list(tags.items())
    model.put_instance(region, inst)
    return True


def add_instance(model: CvmModel, region: str, family: str = "linux", name: str = "") -> Instance:
    """A new RUNNING instance (tests and the demo): each one-way generalization gets its own."""
    instance_id = ids.prefixed(model.store, "cvm.instance", "ins-", 8)
    os_ = seeds.os_of(family)
    short = instance_id[4:]
    inst = Instance(instance_id, name or f"build-{family}-{short}", zone(region), os_, seeds.PUBLIC_IMAGE[family],
                    Disk(f"disk-{short}", 50), [], ["10.0.1.%d" % (model.store.counter("cvm.ip") % 250 + 2)],
                    str(uuid.uuid5(uuid.NAMESPACE_URL, instance_id)),
                    "Administrator" if family == "windows" else "root", 3389 if family == "windows" else 22)
    model.put_instance(region, inst)
    return inst
