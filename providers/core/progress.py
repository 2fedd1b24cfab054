"""Progress of long waits, where a user running `pulumi up` can see it.

The Pulumi engine does not show a dynamic provider's logs, so each line goes to standard error
and is appended to a progress log (`IMAGEFORGE_PROGRESS_LOG`, default
`~/.imageforge/progress.log`) that `tail -f` follows during an update.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

_LOCK = threading.Lock()


def log_path() -> Path:
    return Path(os.environ.get("IMAGEFORGE_PROGRESS_LOG") or Path.home() / ".imageforge" / "progress.log")


def reporter(label: str):  # type: ignore[no-untyped-def]
    """A Waiter `on_progress` callback that prefixes lines with the resource label."""

    last: dict[str, str] = {}

    def report(what: str, progress: float | None, detail: str) -> None:
        pct = "" if progress is None else f" {progress:.0f}%"
        line = f"{label}: {what}{pct}{(' - ' + detail) if detail else ''}"
        if last.get(what) == line:
            return
        last[what] = line
        write(line)

    return report


def write(line: str) -> None:
    stamped = time.strftime("%H:%M:%S ") + line
    with _LOCK:
        print(stamped, file=sys.stderr, flush=True)
        try:
            path = log_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a") as fh:
                fh.write(stamped + "\n")
        except OSError:
            pass  # progress is best effort; the outputs carry the final state
