"""One lazy lifecycle for every long simulated operation: its state is computed from timestamps when read.

Nothing ticks in the background (moto's ManagedState is the model): a capture, a copy or a job
records when it started, how long it takes and whether (and when) it fails; every read turns
that record and the simulated clock into a phase and a percentage. Vendor models keep the record
under one key and map the phase onto their own state names.
"""
from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

KEY = "lifecycle"
LISTENERS: list[Callable[["Lifecycle"], None]] = []  # benchmarks: told of every operation started in this process


class Phase(str, enum.Enum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class Reading:
    phase: Phase
    progress: int  # 0..100; a failed operation keeps the percentage it reached


@dataclass(frozen=True)
class Lifecycle:
    """`fails_at`: the fraction of `duration` at which the operation fails (None: it succeeds)."""

    started_at: float
    duration: float
    fails_at: float | None = None

    @classmethod
    def start(cls, now: float, duration: float, fail: bool = False, fails_at: float = 0.5) -> "Lifecycle":
        started = cls(now, max(duration, 0.0), fails_at if fail else None)
        for listener in LISTENERS:
            listener(started)
        return started

    def at(self, now: float) -> Reading:
        elapsed = max(0.0, now - self.started_at)
        if self.fails_at is not None and elapsed >= self.duration * self.fails_at:
            return Reading(Phase.FAILED, int(100 * self.fails_at))
        if self.duration <= 0 or elapsed >= self.duration:
            return Reading(Phase.DONE, 100)
        return Reading(Phase.RUNNING, max(0, min(99, int(100 * elapsed / self.duration))))

    def record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> "Lifecycle":
        """The lifecycle stored in a model's record under KEY (or in the flat keys earlier versions stored)."""
        if KEY not in record:
            return cls._legacy(record)
        data = record[KEY]
        return cls(float(data["started_at"]), float(data["duration"]),
                   None if data.get("fails_at") is None else float(data["fails_at"]))

    @classmethod
    def _legacy(cls, record: Mapping[str, Any]) -> "Lifecycle":
        """Records written before this helper existed: a start and a duration, or a start and an end time."""
        if "started_at" in record and "duration" in record:
            return cls(float(record["started_at"]), float(record["duration"]), 0.5 if record.get("fail") else None)
        if "started_at" in record:  # a start and an end time
            record = {**record, "begin": record["started_at"]}
        start = float(record.get("begin", record.get("created", 0.0)))
        end = float(record.get("end_at", record.get("done_at", start)))
        fail = record.get("fail_at")
        duration = max(end - start, 0.0)
        fails_at = None if fail is None else (min(1.0, max(0.0, (float(fail) - start) / duration)) if duration else 0.0)
        return cls(start, duration, fails_at)
