"""ECS instances that change, and Cloud Assistant: power, tags, the guest, the agent, commands and invocations.

Seeded instances keep their DescribeInstances record; what changes is kept beside it as an
`InstanceState` (power as of the last StopInstance, a pending power change, tags, the guest's
state and pending guest changes, whether its Cloud Assistant agent runs). Nothing ticks: every
read computes the state at `now` from lifecycles.

The agent of an instance is offline when the instance was added with `agent=False`
(`EcsAssist.add_instance`, the seed flag tests use) or while it carries the tag
`imageforge-sim-agent=offline` (set with TagResources, so a raw SDK can switch it). A command sent
to such an instance stays Pending for DELIVERY_SECONDS, then ends Aborted with ErrorCode
ClientNotRunning, as Cloud Assistant reports it; DescribeCloudAssistantStatus says "false".
"""
from __future__ import annotations

import base64
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from ..core import guest as guest_model, ids
from ..core.context import SimContext
from ..core.lifecycle import Lifecycle, Phase
from ..core.wire import SimError
from .ecs_records import Instance

VENDOR = "alibaba-ecs"
STOP_SECONDS = 20.0
DELIVERY_SECONDS = 60.0  # a command the agent never takes is Aborted after a minute (InvocationStatus reference)
OUTPUT_MAX = 24 * 1024  # Output is cut at 24 KB; Dropped is the size cut
AGENT_TAG = "imageforge-sim-agent"
FRESH_GUEST = {k: v for k, v in guest_model.GuestState().record().items() if k != "family"}
TYPES = {"RunShellScript": False, "RunPowerShellScript": True, "RunBatScript": True}  # -> runs on Windows
ERROR_INFO = {
    "ClientNotRunning": "the aliyun service is not running on the instance",
    "InstanceNotRunning": "the instance is not running when create task",
    "CommandNotApplicable": "the command is not applicable",
    "ExecutionTimeout": "the command execution has been timeout",
    "ExecutionInterrupted": "the command execution has been interrupted",
    "ExitCodeNonzero": "the command execution exit code is not zero",
}


def iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


@dataclass
class InstanceState:
    """What changes on an instance; `power` and `guest` as of the last fold, the rest pending."""

    power: str = "Running"
    change: dict[str, Any] | None = None  # {"to": "Stopped", "lifecycle": {...}}: Stopping (or "via") until it ends
    tags: dict[str, str] = field(default_factory=dict)
    agent: bool = True
    agent_at: float = 0.0  # a launched instance's agent reports in only from this instant (ecs_launch.py)
    guest: dict[str, Any] = field(default_factory=dict)
    pending: list[dict[str, Any]] = field(default_factory=list)  # {"effects", "lifecycle"}: in effect once ended

    @classmethod
    def from_record(cls, r: Mapping[str, Any] | None) -> "InstanceState":
        return cls() if r is None else cls(**{k: v for k, v in r.items() if k in cls.__dataclass_fields__})

    def power_at(self, now: float) -> str:
        if self.change is None:
            return self.power
        lc = Lifecycle.of(self.change)
        if now < lc.started_at:
            return self.power
        return str(self.change["to"]) if lc.at(now).phase is Phase.DONE else str(self.change.get("via", "Stopping"))

    def guest_at(self, now: float) -> dict[str, Any]:
        out = {**FRESH_GUEST, **self.guest}
        for change in sorted(self.pending, key=lambda c: Lifecycle.of(c).started_at + Lifecycle.of(c).duration):
            if Lifecycle.of(change).at(now).phase is Phase.DONE:
                out.update(change["effects"])
        return out

    def agent_online(self, now: float) -> bool:
        return self.agent and self.tags.get(AGENT_TAG) != "offline" and self.power_at(now) == "Running" \
            and now >= self.agent_at


@dataclass
class Invocation:
    """One command on one instance: what was sent and what it does, known when it starts."""

    invoke_id: str
    command_id: str
    instance_id: str
    region: str
    name: str
    type: str
    content: str  # Base64, as DescribeInvocations shows CommandContent
    timeout: int
    lifecycle: Lifecycle
    status: str  # the InvocationStatus once the lifecycle ends
    exit_code: int | None = None
    output: str = ""
    error_code: str = ""
    pending: bool = False  # Pending (never delivered) rather than Running while it lasts

    def to_record(self) -> dict[str, Any]:
        return {**asdict(self), "lifecycle": self.lifecycle.record()}

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> "Invocation":
        return cls(**{**r, "lifecycle": Lifecycle.of(r)})

    def status_at(self, now: float) -> str:
        if self.lifecycle.at(now).phase is Phase.RUNNING:
            return "Pending" if self.pending else "Running"
        return self.status

    def result(self, now: float, plain: bool = False) -> dict[str, Any]:
        """One InvocationResult (DescribeInvocationResults) / InvokeInstance (DescribeInvocations)."""
        status = self.status_at(now)
        ended = status not in ("Pending", "Running")
        text = self.output.encode()
        kept, dropped = text[:OUTPUT_MAX], max(0, len(text) - OUTPUT_MAX)
        output = kept.decode(errors="ignore") if plain else base64.b64encode(kept).decode()
        start = self.lifecycle.started_at
        out: dict[str, Any] = {
            "InstanceId": self.instance_id, "InvokeId": self.invoke_id, "CommandId": self.command_id,
            "InvocationStatus": status, "InvokeRecordStatus": _legacy(status), "Repeats": 1 if ended else 0,
            "StartTime": iso(start), "Output": output if ended else "", "Dropped": dropped if ended else 0,
            "ErrorCode": self.error_code if ended else "", "ErrorInfo": ERROR_INFO.get(self.error_code, "") if ended
            else "", "Username": "", "ContainerId": "", "ContainerName": "",
        }
        if ended:
            out["FinishedTime"] = iso(start + self.lifecycle.duration)
            if self.exit_code is not None:
                out["ExitCode"] = self.exit_code
        return out


def _legacy(status: str) -> str:
    """InvokeRecordStatus, the older per-instance state: Running, Finished, Failed or Stopped."""
    return {"Pending": "Running", "Running": "Running", "Success": "Finished",
            "Cancelled": "Stopped", "Terminated": "Stopped"}.get(status, "Failed")


class EcsAssist:
    """Instance power and tags, and Cloud Assistant, over the shared store."""

    def __init__(self, ctx: SimContext, find: Any) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.find = find  # (region, instance id) -> Instance, raising InvalidInstanceId.NotFound

    # instances -------------------------------------------------------------------
    def add_instance(self, region: str, os_type: str, name: str = "", agent: bool = True) -> Instance:
        """A new running instance (tests and demos); `agent=False` seeds one whose Cloud Assistant agent is offline."""
        windows = os_type.lower() == "windows"
        instance = Instance(ids.prefixed(self.store, "ecs.instance", "i-", 20), name or f"build-{os_type.lower()}",
                            region, "Running", "windows" if windows else "linux",
                            "Windows Server 2022" if windows else "Alibaba Cloud Linux 3", 40)
        self.store.put(VENDOR, region, "instance", instance.instance_id, instance.to_record())
        self._put(region, instance.instance_id, InstanceState(agent=agent))
        return instance

    def state(self, region: str, instance_id: str) -> InstanceState:
        return InstanceState.from_record(self.store.get(VENDOR, region, "instance-state", instance_id))

    def _put(self, region: str, instance_id: str, state: InstanceState) -> None:
        self.store.put(VENDOR, region, "instance-state", instance_id, asdict(state))

    def view(self, instance: Instance, now: float) -> dict[str, Any]:
        """DescribeInstances' Instance: the seeded record with the status and tags of now."""
        st = self.state(instance.region, instance.instance_id)
        status = st.power_at(now)
        return {**instance.view(), "Status": status,
                "StoppedMode": "KeepCharging" if status == "Stopped" else "Not-applicable",
                "Tags": {"Tag": [{"TagKey": k, "TagValue": v} for k, v in sorted(st.tags.items())]}}

    def guest(self, region: str, instance_id: str) -> dict[str, Any]:
        """The guest's state now (tests read whether it was really generalized)."""
        return self.state(region, instance_id).guest_at(self.ctx.now())

    def tag(self, region: str, instance_id: str, tags: dict[str, str], remove: list[str] | None = None) -> None:
        self.find(region, instance_id)
        st = self.state(region, instance_id)
        st.tags = {k: v for k, v in {**st.tags, **tags}.items() if k not in (remove or [])}
        self._put(region, instance_id, st)

    def stop(self, region: str, instance_id: str) -> None:
        """StopInstance: Running -> Stopping -> Stopped; anything but Running is IncorrectInstanceStatus."""
        self.find(region, instance_id)
        now = self.ctx.now()
        st = self.state(region, instance_id)
        if st.power_at(now) != "Running":
            raise SimError("IncorrectInstanceStatus", "The current status of the resource does not support this "
                                                      "operation.", 403)
        st.power, st.change = "Running", {"to": "Stopped", "lifecycle": Lifecycle.start(now, STOP_SECONDS).record()}
        self._put(region, instance_id, st)

    def delete(self, region: str, instance_id: str, force: bool) -> None:
        self.find(region, instance_id)
        if not force and self.state(region, instance_id).power_at(self.ctx.now()) != "Stopped":
            raise SimError("IncorrectInstanceStatus", "The current status of the resource does not support this "
                                                      "operation.", 403)
        self.store.delete(VENDOR, region, "instance", instance_id)
        self.store.delete(VENDOR, region, "instance-state", instance_id)

    # Cloud Assistant -------------------------------------------------------------
    def status(self, region: str, instance_ids: list[str]) -> list[dict[str, Any]]:
        """DescribeCloudAssistantStatus: unknown instances are left out; CloudAssistantStatus is a string."""
        now = self.ctx.now()
        out = []
        for instance_id in instance_ids:
            found = self.store.get(VENDOR, region, "instance", instance_id)
            if found is None:
                continue
            online = self.state(region, instance_id).agent_online(now)
            out.append({"InstanceId": instance_id, "CloudAssistantStatus": "true" if online else "false",
                        "CloudAssistantVersion": "2.2.3.857" if online else "", "OSType": found["OSType"].capitalize(),
                        "LastHeartbeatTime": iso(now) if online else "", "SupportSessionManager": online,
                        "InvocationCount": len(self.invocations(region, instance_id=instance_id)),
                        "ActiveTaskCount": len(self.invocations(region, instance_id=instance_id, status="Running"))})
        return out

    def create_command(self, region: str, *, name: str, type_: str, content: str, timeout: int) -> str:
        _check_type(type_)
        command_id = ids.prefixed(self.store, "ecs.command", "c-", 20)
        self.store.put(VENDOR, region, "command", command_id,
                       {"CommandId": command_id, "Name": name, "Type": type_, "CommandContent": content,
                        "Timeout": timeout})
        return command_id

    def command(self, region: str, command_id: str) -> dict[str, Any]:
        found = self.store.get(VENDOR, region, "command", command_id)
        if found is None:
            raise SimError("InvalidCmdId.NotFound", "The specified command ID does not exist.", 404)
        return found

    def invoke(self, region: str, command_id: str, instance_ids: list[str]) -> str:
        """InvokeCommand / RunCommand: one invocation per instance under one InvokeId."""
        if not instance_ids:
            raise SimError("MissingParameter", "InstanceId.1 is mandatory for this action.", 400)
        if len(instance_ids) > 100:
            raise SimError("InstanceIds.ExceedLimit", "The number of instances exceeds the limit of 100.", 400)
        try:
            instances = [self.find(region, i) for i in instance_ids]
        except SimError as err:  # Cloud Assistant's own code for an unknown instance
            raise SimError("InvalidInstance.NotFound", "The specified instance does not exist.", 404) from err
        command = self.command(region, command_id)
        invoke_id = ids.prefixed(self.store, "ecs.invoke", "t-", 20)
        for instance in instances:
            self._start(region, invoke_id, command, instance)
        return invoke_id

    def _start(self, region: str, invoke_id: str, command: Mapping[str, Any], instance: Instance) -> None:
        now = self.ctx.now()
        st = self.state(region, instance.instance_id)
        windows = instance.os_type == "windows"
        inv = Invocation(invoke_id, str(command["CommandId"]), instance.instance_id, region, str(command["Name"]),
                         str(command["Type"]), str(command["CommandContent"]), int(command["Timeout"]),
                         Lifecycle.start(now, 0.0), "Aborted")
        if st.power_at(now) != "Running":
            inv.error_code = "InstanceNotRunning"
        elif not st.agent_online(now):
            inv.error_code, inv.pending, inv.lifecycle = "ClientNotRunning", True, Lifecycle.start(now, DELIVERY_SECONDS)
        elif TYPES[inv.type] != windows:
            inv.status, inv.error_code = "Invalid", "CommandNotApplicable"
        else:
            fail = self.ctx.take_failure(VENDOR, "RunCommand", region) is not None
            script = base64.b64decode(inv.content).decode("utf-8", errors="replace")
            state = guest_model.GuestState.from_record({**st.guest_at(now), "family": "windows" if windows else "linux"})
            outcome = guest_model.run(state, script.replace("\r\n", "\n").split("\n"), fail=fail)
            self._finish(inv, outcome, st, now)
            self._put(region, instance.instance_id, st)
        self.store.put(VENDOR, region, "invocation", f"{invoke_id}/{instance.instance_id}", inv.to_record())

    @staticmethod
    def _finish(inv: Invocation, outcome: guest_model.Outcome, st: InstanceState, now: float) -> None:
        """The invocation's end as Cloud Assistant reports it; the guest's changes take effect when it ends."""
        inv.output = "\n".join(outcome.output) + ("\n" if outcome.output else "")
        seconds = float(outcome.seconds or 0.0)
        if seconds > inv.timeout:  # the agent kills the process at its Timeout: no change lands
            inv.lifecycle, inv.status, inv.error_code, inv.exit_code = (Lifecycle.start(now, inv.timeout), "Timeout",
                                                                        "ExecutionTimeout", -1)
            return
        inv.lifecycle = Lifecycle.start(now, seconds)
        if outcome.effects:
            st.pending.append({"effects": dict(outcome.effects), "lifecycle": inv.lifecycle.record()})
        if outcome.shutdown:  # the guest powers off under the command: it never reports an exit code
            inv.status, inv.error_code = "Failed", "ExecutionInterrupted"
            st.power, st.change = "Running", {"to": "Stopped",
                                              "lifecycle": Lifecycle.start(now + seconds, STOP_SECONDS).record()}
            return
        inv.exit_code = outcome.exit_code
        inv.status = "Success" if outcome.exit_code == 0 else "Failed"
        inv.error_code = "" if outcome.exit_code == 0 else "ExitCodeNonzero"

    def invocations(self, region: str, *, invoke_id: str = "", instance_id: str = "", command_id: str = "",
                    status: str = "") -> list[Invocation]:
        """Per-instance invocations, oldest first; `status` filters on InvokeRecordStatus (Running, Finished...)."""
        now = self.ctx.now()
        found = [Invocation.from_record(r) for r in self.store.list(VENDOR, region, "invocation")]
        return sorted((i for i in found if (not invoke_id or i.invoke_id == invoke_id)
                       and (not instance_id or i.instance_id == instance_id)
                       and (not command_id or i.command_id == command_id)
                       and (not status or _legacy(i.status_at(now)) == status)),
                      key=lambda i: (i.lifecycle.started_at, i.invoke_id))


def _check_type(type_: str) -> None:
    if type_ not in TYPES:
        raise SimError("InvalidCmdType.NotFound", f"The specified command type {type_!r} does not exist.", 404)


def check_content(content: str, encoding: str) -> str:
    """CommandContent as stored (Base64); PlainText is encoded first. At most 18 KB once Base64-encoded."""
    if not content:
        raise SimError("MissingParameter", "CommandContent is mandatory for this action.", 400)
    if encoding.lower() == "plaintext":
        content = base64.b64encode(content.encode()).decode()
    else:
        try:
            base64.b64decode(content, validate=True)
        except ValueError as exc:
            raise SimError("InvalidParam.CommandContent", "The specified CommandContent is not Base64.", 400) from exc
    if len(content) > 18 * 1024:
        raise SimError("CmdContent.ExceedLimit", "The CommandContent exceeds 18 KB once Base64-encoded.", 400)
    return content


def check_timeout(value: str | None) -> int:
    try:
        timeout = int(value or 60)
    except ValueError:
        timeout = -1
    if not 10 <= timeout <= 86400:
        raise SimError("InvalidParam.Timeout", "The specified Timeout must be between 10 and 86400 seconds.", 400)
    return timeout
