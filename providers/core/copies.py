"""Copies to many regions as one explicit per-region state machine, the same for every service.

    queued -> copying -> available
                     \\-> failed
    copying | available | failed -> cancelling | deleting -> gone

A region is queued until the service can start it (a free copy slot, a source ready to copy);
a queued region waiting for a slot starts in the poll that sees one of this operation's copies
end, not re-offered on every poll. Each copying region keeps its own schedule (core/schedule.py),
so a poll reads only the regions that are due; a job is read until it names the image, then the
image. A start whose reply may have been lost (a 5xx) is looked up by identity before it is
tried again, so a copy is never started twice. The board keeps every region's state between
polls, so a throttled or failed describe retries without losing track.
"""
from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .errors import CloudError, InvalidState, NotFound, OperationFailed, ServiceUnavailable, Timeout
from .model import TAG_KEY, CopyRequest, Deferred, Identity, ImageInfo, ImageStatus, JobStatus, Started
from .protocol import ImageCopier
from .schedule import MIN_GAP, REPORT_EVERY, Pace
from .service import Traits
from .waiting import Done, Pending, PollResult, Waiter

RETRY_DEFERRED = 300.0  # a region waiting for a slot is offered again after this long even if none of ours ended


class CopyState(str, enum.Enum):
    QUEUED = "queued"
    COPYING = "copying"
    AVAILABLE = "available"
    FAILED = "failed"
    CANCELLING = "cancelling"
    DELETING = "deleting"
    GONE = "gone"


@dataclass
class RegionCopy:
    """One region's copy: where it is in the state machine and what the cloud last said."""

    region: str
    state: CopyState = CopyState.QUEUED
    image_id: str = ""
    job_id: str = ""
    job_done: bool = False
    labelled: bool = False
    progress: float | None = None
    vendor_status: str = ""
    reason: str = ""
    code: str = ""
    uncertain: bool = False  # the last start may have reached the cloud: look it up before starting again
    adopted: bool = False  # an earlier run started it
    slot_wait: int | None = None  # copies in flight when it was told to wait for a slot
    retry_at: float | None = None  # a deferred start is offered again then (or when a slot frees)
    pace: Pace | None = None  # when to look at it next

    @property
    def handle(self) -> str:
        return self.image_id or (f"job {self.job_id}" if self.job_id else "")


class CopyFailed(OperationFailed):
    """One or more regions' copies failed; `regions` names them with the cloud's reasons."""


@dataclass
class CopyBoard:
    """Every region of one copy operation and the transitions between their states."""

    copier: ImageCopier
    traits: Traits
    wait: Waiter
    request: CopyRequest
    identity: Identity
    copies: dict[str, RegionCopy] = field(default_factory=dict)
    stale: dict[str, list[str]] = field(default_factory=dict)  # ours but failed, or a second copy in one region
    retiring: list[RegionCopy] = field(default_factory=list)  # an adopted copy that failed, removed before a retry

    # adoption -----------------------------------------------------------------------
    def adopt(self, regions: Sequence[str]) -> None:
        """Take over what an earlier, interrupted run started; queue the rest; note what must go first."""
        found = self.wait.call("find earlier copies", lambda: self.copier.find_copies(
            self.request, list(regions), self.identity)) if regions else {}
        for region in regions:
            self.copies[region] = self._adopted(region, found.get(region, []))

    def _adopted(self, region: str, infos: Sequence[ImageInfo]) -> RegionCopy:
        live = sorted((i for i in infos if i.status in (ImageStatus.CREATING, ImageStatus.AVAILABLE)),
                      key=lambda i: i.status is not ImageStatus.AVAILABLE)
        extra = [i.image_id for i in infos if i not in live[:1] and i.image_id and i.image_id != self.request.source_image_id]
        if extra and not self.traits.copies_share_source_id:
            self.stale.setdefault(region, []).extend(extra)
        if not live:
            return RegionCopy(region)
        info = live[0]
        tagged = info.tags.get(TAG_KEY) == self.identity.key
        copy = RegionCopy(region, CopyState.COPYING, image_id=info.image_id, adopted=True,
                          labelled=tagged or not self.traits.tags or self.traits.copies_share_source_id,
                          pace=Pace.start(self.wait.clock.now(), info.progress))
        self._apply(copy, info)
        return copy

    def add(self, region: str, image_id: str, state: CopyState = CopyState.AVAILABLE) -> None:
        """A copy already known (from state), e.g. one being re-configured."""
        self.copies[region] = RegionCopy(region, state, image_id=image_id, labelled=True)

    # publishing ---------------------------------------------------------------------
    def publish(self, what: str) -> None:
        """Start every queued region and wait until all are available; raise CopyFailed naming failures."""
        if self.copies:
            self.wait.wait(what, self._publish_poll)

    def settle(self, what: str, regions: Iterable[str]) -> None:
        """Wait for regions whose settings changed in place to finish replicating again."""
        now = self.wait.clock.now()
        for region in regions:
            if region in self.copies:
                self.copies[region].state, self.copies[region].pace = CopyState.COPYING, Pace.start(now)
        self.publish(what)

    def _publish_poll(self) -> PollResult[bool]:
        now = self.wait.clock.now()
        self._retire()
        self._follow_jobs(now)
        self._label()
        self._describe(now)
        self._retry_adopted()
        self._start_queued()  # after the looks, so a slot freed by a copy seen ending is used at once
        self._label()
        failed = [c for c in self.copies.values() if c.state is CopyState.FAILED]
        if failed:
            raise CopyFailed("; ".join(f"the copy to {c.region} failed ({c.reason or c.vendor_status or 'no reason given'})"
                                       for c in failed), operation="copy", code=failed[0].code,
                             resource_id=failed[0].image_id)
        pending = [c for c in self.copies.values() if c.state not in (CopyState.AVAILABLE, CopyState.GONE)]
        if not pending and not self.retiring:
            return Done(True)
        progress = [c.progress or 0.0 for c in pending]
        detail = ", ".join(f"{c.region} {c.state.value}" + (f" {c.progress:.0f}%" if c.progress is not None else "")
                           for c in sorted(pending, key=lambda c: c.region))
        return Pending(min(progress), detail, max(progress), self._next_in())

    def _next_in(self) -> float:
        """Seconds until the earliest region is due (a look, or a deferred start offered again)."""
        now = self.wait.clock.now()
        wake = [now + REPORT_EVERY] + [now + MIN_GAP for _ in self.retiring[:1]]
        for copy in self.copies.values():
            if copy.state is CopyState.COPYING:
                wake.append(copy.pace.due if copy.pace else now)
            elif copy.state is CopyState.QUEUED and copy.retry_at is not None:
                wake.append(copy.retry_at)
        return max(min(wake) - now, 1.0)

    def _retry_adopted(self) -> None:
        """An earlier run's copy that failed is removed and this run copies once more (what the re-run asks for)."""
        for region, copy in list(self.copies.items()):
            if copy.state is CopyState.FAILED and copy.adopted:
                self.retiring.append(RegionCopy(region, CopyState.DELETING, image_id=copy.image_id))
                self.copies[region] = RegionCopy(region)

    def _retire(self) -> None:
        if self.retiring:
            for layer in _layers(self.retiring):
                infos = self.copier.describe_copies({c.region: c.image_id for c in layer})
                for copy in layer:
                    self._remove_step(copy, infos.get(copy.region))
            self.retiring = [c for c in self.retiring if c.state is not CopyState.GONE]

    def _in_flight(self) -> int:
        return sum(1 for c in self.copies.values() if c.state is CopyState.COPYING)

    def _startable(self) -> list[RegionCopy]:
        now = self.wait.clock.now()
        in_flight = self._in_flight()
        ready = []
        busy = {c.region for c in self.retiring}
        for copy in self.copies.values():
            if copy.state is not CopyState.QUEUED or copy.region in busy:
                continue
            freed = copy.slot_wait is not None and in_flight < copy.slot_wait
            if copy.retry_at is not None and now < copy.retry_at and not freed:
                continue
            ready.append(copy)
        if self.traits.copy_slots is not None:
            ready = ready[:max(0, self.traits.copy_slots - in_flight)]
        return ready

    def _start_queued(self) -> None:
        ready = self._startable()
        uncertain = [c.region for c in ready if c.uncertain]
        if uncertain:  # a lost reply may have started them: adopt instead of starting twice
            found = self.copier.find_copies(self.request, uncertain, self.identity)
            for region in uncertain:
                adopted = self._adopted(region, found.get(region, []))
                if adopted.state is not CopyState.QUEUED:
                    self.copies[region] = adopted
                else:
                    self.copies[region].uncertain = False
            ready = [self.copies[c.region] for c in ready if self.copies[c.region].state is CopyState.QUEUED]
        if not ready:
            return
        regions = [c.region for c in ready]
        try:
            outcomes = self.copier.start_copies(self.request, regions)
        except CloudError as err:
            if isinstance(err, ServiceUnavailable):
                for copy in ready:
                    copy.uncertain = True
            if err.retryable:
                raise
            outcomes = {region: err for region in regions}
        for copy in ready:
            self._started(copy, outcomes.get(copy.region))

    def _started(self, copy: RegionCopy, outcome: Started | Deferred | CloudError | None) -> None:
        now = self.wait.clock.now()
        if isinstance(outcome, Started):
            copy.state, copy.image_id, copy.job_id = CopyState.COPYING, outcome.image_id, outcome.job_id
            copy.uncertain, copy.slot_wait, copy.retry_at, copy.progress = False, None, None, 0.0
            copy.pace = Pace.start(now)
        elif isinstance(outcome, Deferred):
            copy.vendor_status = outcome.reason
            copy.slot_wait = self._in_flight() if outcome.until_slot else None
            copy.retry_at = now + (RETRY_DEFERRED if outcome.until_slot else 2 * MIN_GAP)
        elif isinstance(outcome, CloudError) and outcome.retryable:
            copy.uncertain = copy.uncertain or isinstance(outcome, ServiceUnavailable)
            copy.vendor_status = f"retrying after {outcome.code or type(outcome).__name__}"
            copy.retry_at = now + 2 * MIN_GAP
        elif isinstance(outcome, CloudError):
            copy.state, copy.reason, copy.code = CopyState.FAILED, f"it could not start: {outcome.message}", outcome.code
        else:
            copy.state, copy.reason = CopyState.FAILED, "the cloud did not say whether it started"

    def _due(self, copy: RegionCopy, now: float) -> bool:
        copy.pace = copy.pace or Pace(now, due=now)  # a region without a schedule is looked at now
        return copy.pace.is_due(now)

    def _follow_jobs(self, now: float) -> None:
        for copy in self.copies.values():
            if copy.state is CopyState.COPYING and copy.job_id and not copy.job_done and self._due(copy, now):
                self._job(copy, self.copier.follow_copy_job(copy.region, copy.job_id), now)

    def _job(self, copy: RegionCopy, status: JobStatus, now: float) -> None:
        copy.image_id = status.image_id or copy.image_id
        copy.progress = status.progress if status.progress is not None else copy.progress
        pace = copy.pace = copy.pace or Pace(now)
        pace.seen(now, status.progress)
        if status.state == JobStatus.FAILED:
            copy.state, copy.reason, copy.code = CopyState.FAILED, status.reason, status.code
        elif status.state == JobStatus.SUCCEEDED:
            copy.job_done, pace.due = True, now  # the image is read in this same poll
            if not copy.image_id:
                copy.state, copy.reason = CopyState.FAILED, f"job {copy.job_id} succeeded without naming an image"

    def _label(self) -> None:
        for copy in self.copies.values():
            if copy.state in (CopyState.COPYING, CopyState.AVAILABLE) and copy.image_id and not copy.labelled:
                try:
                    self.copier.label_copy(self.request, copy.region, copy.image_id)
                except CloudError as err:
                    if err.retryable:
                        raise
                    copy.state, copy.reason, copy.code = CopyState.FAILED, f"labelling it failed: {err.message}", err.code
                    continue
                copy.labelled = True

    def _describe(self, now: float) -> None:
        """Describe the due regions (all of them where one call reads every region: a shared source id)."""
        ready = [c for c in self.copies.values()
                 if c.state is CopyState.COPYING and c.image_id and (not c.job_id or c.job_done)]
        due = [c for c in ready if self._due(c, now)]
        if due and self.traits.copies_share_source_id:
            due = ready
        if not due:
            return
        watched = {c.region: c.image_id for c in due}
        infos = self.copier.describe_copies(watched)
        for region in watched:
            copy, info = self.copies[region], infos.get(region)
            if info is None:
                copy.state, copy.reason = CopyState.FAILED, f"the copy {copy.image_id} disappeared before it was ready"
                continue
            self._apply(copy, info)
            if copy.pace is not None:
                copy.pace.seen(now, info.progress)

    @staticmethod
    def _apply(copy: RegionCopy, info: ImageInfo) -> None:
        copy.vendor_status = info.raw_status
        if info.status is ImageStatus.AVAILABLE:
            copy.state, copy.progress = CopyState.AVAILABLE, 100.0
        elif info.status is ImageStatus.FAILED:
            copy.state, copy.reason = CopyState.FAILED, info.failure or info.raw_status
        else:
            copy.progress = info.progress if info.progress is not None else copy.progress

    # removal ------------------------------------------------------------------------
    def remove(self, what: str, regions: Iterable[str] | None = None) -> None:
        """Cancel or delete the given regions' copies (all by default) and wait until each is gone."""
        chosen = [self.copies[r] for r in (regions if regions is not None else list(self.copies)) if r in self.copies]
        chosen += self.retiring  # an earlier run's failed copy still on its way out
        for copy in chosen:
            if not copy.job_id and not copy.image_id:
                copy.state = CopyState.GONE  # never started
        targets = [c for c in chosen if c.state is not CopyState.GONE]
        if targets:
            self.wait.wait(what, lambda: self._removal_poll(targets))

    def remove_stale(self) -> None:
        """Delete the failed copies and second copies an earlier run left, before anything else."""
        if not self.stale:
            return
        board = CopyBoard(self.copier, self.traits, self.wait, self.request, self.identity)
        for region, ids in self.stale.items():
            for n, image_id in enumerate(ids):
                board.copies[f"{region}#{n}"] = RegionCopy(region, CopyState.DELETING, image_id=image_id)
        board.remove("removal of failed copies an earlier run left")
        self.stale.clear()

    def _removal_poll(self, targets: list[RegionCopy]) -> PollResult[bool]:
        for copy in targets:
            if copy.job_id and not copy.image_id and copy.state is not CopyState.GONE:
                status = self.copier.follow_copy_job(copy.region, copy.job_id)
                copy.image_id = status.image_id
                if not status.image_id and status.state != JobStatus.RUNNING:
                    copy.state = CopyState.GONE  # the job ended without making an image
        live = [c for c in targets if c.state is not CopyState.GONE and c.image_id]
        for layer in _layers(live):  # describe_copies takes one image per region
            infos = self.copier.describe_copies({c.region: c.image_id for c in layer})
            for copy in layer:
                self._remove_step(copy, infos.get(copy.region))
        left = [c for c in targets if c.state is not CopyState.GONE]
        if not left:
            return Done(True)
        return Pending(None, "removing " + ", ".join(f"{c.region} ({c.vendor_status or c.state.value})" for c in left))

    def _remove_step(self, copy: RegionCopy, info: ImageInfo | None) -> None:
        if info is None or (info.image_id and info.image_id != copy.image_id):
            copy.state = CopyState.GONE
            return
        copy.vendor_status = info.raw_status
        try:
            if info.status is ImageStatus.CREATING and copy.state is not CopyState.CANCELLING:
                if not self.traits.copies_cancellable:
                    copy.vendor_status = f"{info.raw_status}: the cloud cannot cancel a copy; deleted once it ends"
                    return
                self.copier.cancel_copy(copy.region, copy.image_id)
                copy.state = CopyState.CANCELLING
            elif info.status in (ImageStatus.AVAILABLE, ImageStatus.FAILED):
                self.copier.delete_copy(copy.region, copy.image_id)  # again if an earlier delete's reply was lost
                copy.state = CopyState.DELETING
        except NotFound:
            copy.state = CopyState.GONE
        except InvalidState as err:
            copy.vendor_status = f"waiting: {err.message}"

    def left(self) -> dict[str, str]:
        """Region -> id (or job) of every copy not known to be gone: what a failed clean-up names."""
        out = {c.region: c.handle for c in self.retiring if c.state is not CopyState.GONE and c.handle}
        out.update({c.region: c.handle for c in self.copies.values() if c.state is not CopyState.GONE and c.handle})
        return out

    # outputs ------------------------------------------------------------------------
    def images(self) -> dict[str, str]:
        return {r: c.image_id for r, c in self.copies.items() if c.image_id and c.state is not CopyState.GONE}


def _layers(copies: list[RegionCopy]) -> list[list[RegionCopy]]:
    """Split copies so no region appears twice in one group (stale duplicates share a region)."""
    layers: list[list[RegionCopy]] = []
    for copy in copies:
        for layer in layers:
            if all(c.region != copy.region for c in layer):
                layer.append(copy)
                break
        else:
            layers.append([copy])
    return layers


def timed_out(err: Timeout, board: CopyBoard) -> Timeout:
    """A copy wait's Timeout restated with the regions still copying."""
    busy = [f"{c.region} {c.progress or 0:.0f}%" for c in board.copies.values() if c.state is not CopyState.AVAILABLE]
    return Timeout(f"{err.message}. Still copying: {', '.join(busy) or 'none'}", code=err.code)


def per_region(copies: Mapping[str, str], describe: Callable[[str, list[str]], Mapping[str, ImageInfo]]
               ) -> dict[str, ImageInfo]:
    """describe_copies for a service that describes one region at a time: region -> info of the copies still there."""
    out: dict[str, ImageInfo] = {}
    for region, image_id in copies.items():
        found = describe(region, [image_id])
        if image_id in found:
            out[region] = found[image_id]
    return out
