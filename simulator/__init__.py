"""The embedded clouds: wire-level fakes of each vendor's API for offline runs and tests."""
from __future__ import annotations

from .core.simulator import Simulator

__all__ = ["Simulator"]
