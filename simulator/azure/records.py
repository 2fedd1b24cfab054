"""What every Azure record shares: how it is stored (by lower-cased ARM id) and read back, and its lifecycles.

Each kind of object is a dataclass with `to_record` / `from_record`; a `Table` keeps one kind in the
store under its ARM id (case-insensitive, in the object's own location, per subscription). Every
timed step (a capture, a replication, a deletion, a power change) is a shared `Lifecycle`, read
against the simulated clock whenever someone looks.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, Protocol, TypeVar

from ..core.context import SimContext
from ..core.lifecycle import Lifecycle, Phase
from . import arm

VENDOR = "azure"


class Record(Protocol):
    """A stored object: addressed by its ARM id, kept in the region of its location."""

    @property
    def id(self) -> str: ...

    @property
    def location(self) -> str: ...

    def to_record(self) -> dict[str, Any]: ...


R = TypeVar("R", bound=Record)


class Table(Generic[R]):
    """One kind of record in the store: ARM ids ignore case, and the subscription is the id's second segment."""

    def __init__(self, ctx: SimContext, kind: str, read: Callable[[Mapping[str, Any]], R]) -> None:
        self.ctx = ctx
        self.kind = kind
        self.read = read

    def get(self, rid: str, subscription: str | None = None) -> R | None:
        """The record with this id; a source named in a request body is looked up in the request's subscription."""
        account = arm.subscription_of(rid) if subscription is None else subscription
        found = self.ctx.store.find(VENDOR, self.kind, arm.key(rid), account=account)
        return self.read(found[1]) if found else None

    def put(self, record: R) -> None:
        self.ctx.store.put(VENDOR, record.location, self.kind, arm.key(record.id), record.to_record(),
                           account=arm.subscription_of(record.id))

    def all(self, subscription: str) -> list[R]:
        """Every record of this kind in the subscription, in the order they were first stored."""
        return [self.read(r) for r in self.ctx.store.list(VENDOR, None, self.kind, account=subscription)]

    def under(self, subscription: str, prefix: str) -> list[R]:
        """The records whose id starts with `prefix` (a resource group, or a parent resource and '/'), read
        as a range of the store's id index rather than the whole subscription."""
        found = self.ctx.store.list(VENDOR, None, self.kind, account=subscription, prefix=arm.key(prefix))
        return [r for r in map(self.read, found) if r.id.lower().startswith(prefix.lower())]


# lifecycles -------------------------------------------------------------------------------------------
def ends(lc: Lifecycle) -> float:
    """The simulated time the step ends (a failing one included)."""
    return lc.started_at + lc.duration


def finished(lc: Lifecycle, now: float) -> bool:
    """Whether the step is over, for steps that may start later (a replication after its capture)."""
    return now >= lc.started_at and lc.at(now).phase is not Phase.RUNNING


def lifecycle(data: Mapping[str, Any] | None) -> Lifecycle | None:
    """A lifecycle as `to_record` stored it (None stays None)."""
    if data is None:
        return None
    return Lifecycle(float(data["started_at"]), float(data["duration"]),
                     None if data.get("fails_at") is None else float(data["fails_at"]))


def stored(lc: Lifecycle | None) -> dict[str, Any] | None:
    return None if lc is None else lc.record()


def until(end: float, duration: float) -> Lifecycle:
    """Earlier versions stored only when a step ends (`_ready_at`, `_deleted_at`): the step that ended then."""
    return Lifecycle(end - duration, duration)


def between(start: float, end: float) -> Lifecycle:
    """Earlier versions stored a start and an end (`started_at` / `done_at`, `_created_at` / `_ready_at`)."""
    return Lifecycle(start, max(end - start, 0.0))


def gone(deleting: Lifecycle | None, now: float) -> bool:
    """A deletion removes the object when it ends; until then the object answers as Deleting."""
    return deleting is not None and finished(deleting, now)
