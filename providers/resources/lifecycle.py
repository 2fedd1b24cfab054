"""The life of one image, the same on every service: recover what an earlier run left, start once, follow, settle, remove.

Every wait goes through the operation's one Waiter, so the user's `timeouts` bound all of it.
"""
from __future__ import annotations

from collections.abc import Callable

from ..core.errors import CloudError, InvalidState, NotFound, OperationFailed, ServiceUnavailable, Timeout
from ..core.model import Identity, ImageInfo, ImageStatus, JobStatus, Started
from ..core.protocol import ImageAdapter
from ..core.waiting import Done, Pending, PollResult, Waiter

LIVE = (ImageStatus.CREATING, ImageStatus.AVAILABLE)


def recover(adapter: ImageAdapter, wait: Waiter, ident: Identity) -> ImageInfo | None:
    """What an earlier run made for this identity: failed ones (and second copies) are deleted first, one live is adopted."""
    found = wait.call("find what an earlier run made", lambda: adapter.find_images(ident))
    live = sorted((i for i in found if i.status in LIVE), key=lambda i: i.status is not ImageStatus.AVAILABLE)
    for info in found:
        if info not in live[:1]:
            remove(adapter, wait, info.image_id, f"removal of {info.image_id} ({info.raw_status}) an earlier run left")
    return live[0] if live else None


def start(wait: Waiter, what: str, begin: Callable[[], Started], find: Callable[[], list[ImageInfo]]) -> Started:
    """Start once: when a start's reply may have been lost (a 5xx), look for the object before trying again."""
    def attempt() -> PollResult[Started]:
        try:
            return Done(begin())
        except ServiceUnavailable:
            live = [i for i in find() if i.status in LIVE]
            if live:
                return Done(Started(image_id=live[0].image_id))
            raise

    return wait.wait(what, attempt)


def resolve(adapter: ImageAdapter, wait: Waiter, started: Started, ident: Identity, what: str) -> str:
    """The new image's id: named in the reply, named later by its job, or (a reply naming nothing) found by identity.

    A job that fails raises OperationFailed with the job's reason; an image it had named is removed first.
    """
    if started.image_id:
        return started.image_id
    named: dict[str, str] = {}

    def poll() -> PollResult[str]:
        if started.job_id:
            status = adapter.follow_job(started.job_id)
            if status.image_id:
                named["image"] = status.image_id
            if status.state == JobStatus.FAILED:
                raise OperationFailed(f"job {started.job_id} failed: {status.reason or 'no reason given'}",
                                      code=status.code, resource_id=started.job_id, request_id=started.request_id)
            if status.image_id:
                return Done(status.image_id)
            if status.state == JobStatus.SUCCEEDED:
                raise OperationFailed(f"job {started.job_id} succeeded without naming an image",
                                      resource_id=started.job_id, request_id=started.request_id)
            return Pending(status.progress, f"job {started.job_id} {status.state}")
        live = [i for i in adapter.find_images(ident) if i.status in (*LIVE, ImageStatus.FAILED)]
        return Done(live[0].image_id) if live else Pending(None, "the cloud accepted the request: looking for the image")

    try:
        return wait.wait(what, poll)
    except OperationFailed:
        if named.get("image"):
            remove(adapter, wait, named["image"], f"removal of {named['image']} its failed job made")
        raise


def settle(adapter: ImageAdapter, wait: Waiter, image_id: str, what: str) -> ImageInfo:
    """Wait until the image is available or has failed."""
    def poll() -> PollResult[ImageInfo]:
        info = adapter.describe_images([image_id]).get(image_id)
        if info is None:
            raise NotFound(f"image {image_id} disappeared while it was being made", resource_id=image_id)
        if info.status in (ImageStatus.AVAILABLE, ImageStatus.FAILED):
            return Done(info)
        return Pending(info.progress, info.raw_status)

    return wait.wait(what, poll)


def remove(adapter: ImageAdapter, wait: Waiter, image_id: str, what: str) -> None:
    """Delete once the image has left Creating (and while the cloud refuses for a passing reason), then wait until gone."""
    deleted: dict[str, bool] = {}

    def poll() -> PollResult[bool]:
        info = adapter.describe_images([image_id]).get(image_id)
        if info is None or info.status is ImageStatus.DELETED:
            return Done(True)
        if info.status is ImageStatus.CREATING:
            return Pending(info.progress, "waiting for its creation to end before deleting it")
        if info.status is ImageStatus.DELETING and deleted:
            return Pending(None, "deleting")
        try:
            adapter.delete_image(image_id)  # again if an earlier delete's reply was lost
        except NotFound:
            return Done(True)
        except InvalidState as err:
            return Pending(None, f"waiting: {err.message}")
        deleted["sent"] = True
        return Pending(None, "deleting")

    wait.wait(what, poll)


def cleanup_failed(cause: CloudError, err: CloudError, left: dict[str, str]) -> CloudError:
    """The error for an operation whose clean-up failed too (both causes, every id left)."""
    from ..core.errors import CleanupFailed

    return CleanupFailed(cause, err, left, vendor=cause.vendor, operation=cause.operation, code=cause.code,
                         request_id=cause.request_id)


def adopt_hint(err: Timeout, image_id: str) -> Timeout:
    return Timeout(f"{err.message}. The image {image_id} carries this resource's identity: the next `pulumi up` "
                   "adopts it instead of making another", code=err.code, resource_id=image_id)
