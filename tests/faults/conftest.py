"""The campaign's summary line, printed once at the end of the run: the figures CI shows."""
from __future__ import annotations

from typing import Any

from tests.faults.campaign import Tally

TOTAL = Tally()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TOTAL.scenarios:
        terminalreporter.write_line(f"fault campaign: {TOTAL.line()}")
