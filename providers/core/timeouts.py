"""Parse per-operation timeouts given as inputs ("90s", "45m", "2h", "1h30m")."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_PART = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
_UNIT = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
OPERATIONS = ("create", "update", "delete")


def parse_duration(text: str | int | float) -> float:
    """Seconds in a duration; plain numbers are seconds. Raises ValueError with the accepted forms."""
    if isinstance(text, bool):
        raise ValueError(f"expected a duration like '30m', got {text!r}")
    if isinstance(text, (int, float)):
        if text <= 0:
            raise ValueError(f"a duration must be positive, got {text!r}")
        return float(text)
    cleaned = str(text).strip().lower().replace(" ", "")
    if cleaned.replace(".", "", 1).isdigit():
        return parse_duration(float(cleaned))
    pos, total = 0, 0.0
    for match in _PART.finditer(cleaned):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNIT[match.group(2)]
        pos = match.end()
    if pos != len(cleaned) or total <= 0:
        raise ValueError(f"cannot read {text!r} as a duration: use forms like '90s', '45m', '2h' or '1h30m'")
    return total


@dataclass(frozen=True)
class Timeouts:
    """Deadlines in seconds for create, update and delete."""

    create: float
    update: float
    delete: float

    @classmethod
    def from_input(cls, value: Mapping[str, object] | None, defaults: "Timeouts") -> "Timeouts":
        given = dict(value or {})
        unknown = sorted(set(given) - set(OPERATIONS))
        if unknown:
            raise ValueError(f"unknown timeout key(s) {unknown}: use {list(OPERATIONS)}")
        return cls(**{op: parse_duration(given[op]) if op in given else getattr(defaults, op) for op in OPERATIONS})  # type: ignore[arg-type]


CAPTURE_DEFAULTS = Timeouts(create=60 * 60.0, update=30 * 60.0, delete=60 * 60.0)
COPY_DEFAULTS = Timeouts(create=120 * 60.0, update=120 * 60.0, delete=60 * 60.0)
BUILD_DEFAULTS = Timeouts(create=180 * 60.0, update=30 * 60.0, delete=60 * 60.0)
GENERALIZE_DEFAULTS = Timeouts(create=60 * 60.0, update=60 * 60.0, delete=30 * 60.0)
IMPORT_DEFAULTS = Timeouts(create=180 * 60.0, update=30 * 60.0, delete=60 * 60.0)
