"""`share_with`: every image a resource owns shared with exactly the listed accounts, changed one id at a time.

The cloud's own list is read first and only the difference is sent, so adding or removing one
account touches only that account, and a re-run after a crash converges without repeating a grant.
An image is un-shared before it is deleted (clouds refuse, or would strand the receivers, otherwise).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from ..core import registry
from ..core.errors import NotFound, OperationFailed
from ..core.model import JobStatus, Started
from ..core.protocol import ImageSharer, MemberSharer
from ..core.service import ServiceSpec
from ..core.waiting import Done, Pending, PollResult, Waiter
from . import common


def managed(inputs: Mapping[str, Any], olds: Mapping[str, Any] | None = None) -> bool:
    """Whether this resource manages its images' shares: `share_with` is given now or was before."""
    return inputs.get("share_with") is not None or bool((olds or {}).get("share_with"))


def wanted(inputs: Mapping[str, Any]) -> list[str]:
    return [str(a) for a in inputs.get("share_with") or []]


def changed(olds: Mapping[str, Any], inputs: Mapping[str, Any]) -> bool:
    return sorted(wanted(olds)) != sorted(wanted(inputs)) and managed(inputs, olds)


def sharer(inputs: Mapping[str, Any]) -> ImageSharer:
    return registry.adapter_for(common.target(inputs), ImageSharer)


def converge(inputs: Mapping[str, Any], wait: Waiter, images: Mapping[str, str], accounts: Sequence[str]) -> None:
    """Make each region -> image shared with exactly `accounts`: read, then grant and revoke only the difference."""
    spec = common.spec_of(inputs)
    if spec.sharing is None:
        return
    adapter = sharer(inputs)
    for region, image_id in images.items():
        have = _current(adapter, wait, region, image_id)
        if have is None:
            continue
        add = [a for a in accounts if a not in have]
        remove = sorted(a for a in have if a not in accounts)
        _send(spec, adapter, wait, region, image_id, add, remove)


def drift(inputs: Mapping[str, Any], wait: Waiter, images: Mapping[str, str]) -> dict[str, Any]:
    """On a refresh: `share_with` as the cloud has it, where an image's grants changed out of band (the next
    `up` then puts them back); nothing when they match or this resource does not manage shares."""
    if inputs.get("share_with") is None or common.spec_of(inputs).sharing is None:
        return {}
    adapter = sharer(inputs)
    wanted_set = set(wanted(inputs))
    for region, image_id in images.items():
        have = _current(adapter, wait, region, image_id)
        if have is not None and have != wanted_set:
            return {"share_with": sorted(have)}
    return {}


def release(inputs: Mapping[str, Any], wait: Waiter, images: Mapping[str, str]) -> None:
    """Un-share images about to be deleted (every id the cloud lists), where this resource manages shares."""
    if managed(inputs):
        converge(inputs, wait, images, [])


def answers(inputs: Mapping[str, Any], wait: Waiter, images: Mapping[str, str]) -> dict[str, Any]:
    """The `share_status` output where receivers accept or reject (region -> receiver -> their answer, as the
    cloud words it); nothing on services where a grant needs no answer or this resource does not manage shares."""
    spec = common.spec_of(inputs)
    if not managed(inputs) or spec.sharing is None or not spec.sharing.answers:
        return {}
    adapter = registry.adapter_for(common.target(inputs), MemberSharer)
    out: dict[str, dict[str, str]] = {}
    for region, image_id in images.items():
        try:
            out[region] = wait.call(f"read the members of {image_id}",
                                    lambda r=region, i=image_id: adapter.member_states(r, i))  # type: ignore[misc]
        except NotFound:
            continue
    return {"share_status": out}


def _current(adapter: ImageSharer, wait: Waiter, region: str, image_id: str) -> set[str] | None:
    try:
        return wait.call(f"read the shares of {image_id}", lambda: adapter.shared_with(region, image_id))
    except NotFound:
        return None  # gone already: nothing left to share or un-share


def _send(spec: ServiceSpec, adapter: ImageSharer, wait: Waiter, region: str, image_id: str, add: list[str],
          remove: list[str]) -> None:
    step = spec.sharing.per_call if spec.sharing is not None else 1
    for start in range(0, len(remove), step):
        _one(spec, adapter, wait, region, image_id, [], remove[start:start + step])
    for start in range(0, len(add), step):
        _one(spec, adapter, wait, region, image_id, add[start:start + step], [])


def _one(spec: ServiceSpec, adapter: ImageSharer, wait: Waiter, region: str, image_id: str, add: list[str],
         remove: list[str]) -> None:
    what = f"share {image_id} with {', '.join(add)}" if add else f"un-share {image_id} from {', '.join(remove)}"
    started = wait.call(what, lambda: adapter.share(region, image_id, add, remove))
    if spec.sharing is not None and spec.sharing.jobs and isinstance(started, Started) and started.job_id:
        _follow(cast(MemberSharer, adapter), wait, region, started.job_id, what)  # `jobs`: a MemberSharer


def _follow(adapter: MemberSharer, wait: Waiter, region: str, job_id: str, what: str) -> None:
    """Wait for the job a sharing call started: the grant is done only once the cloud says so."""
    def poll() -> PollResult[bool]:
        status = adapter.follow_share_job(region, job_id)
        if status.state == JobStatus.SUCCEEDED:
            return Done(True)
        if status.state == JobStatus.FAILED:
            raise OperationFailed(f"{what}: job {job_id} failed: {status.reason or 'no reason given'}"
                                  + (f" ({status.code})" if status.code else "") + "; run `pulumi up` again to retry",
                                  code=status.code, operation="share")
        return Pending(status.progress, f"job {job_id} {status.state}")
    wait.wait(what, poll)
