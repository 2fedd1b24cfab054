"""Endpoint profiles: `cloud` talks to the vendors, `sim` to the embedded simulator.

The profile name (never a URL with secrets) is an input and an output of every resource, so
`read` and `delete` in a later process reach the same place. The simulator publishes where it
listens in `endpoints.json` inside its home folder (`IMAGEFORGE_SIM_HOME`, default
`~/.imageforge/sim`), which `imageforge sim serve` and the embedded simulator both write.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UserInputError

PROFILES = ("cloud", "sim")
DEFAULT_PROFILE_ENV = "IMAGEFORGE_ENDPOINT"
SIM_HOME_ENV = "IMAGEFORGE_SIM_HOME"


def sim_home() -> Path:
    return Path(os.environ.get(SIM_HOME_ENV) or Path.home() / ".imageforge" / "sim")


@dataclass(frozen=True)
class SimEndpoints:
    """Where the simulator listens and how fast its clock runs."""

    http: str
    https: str = ""
    ca_file: str = ""
    speed: float = 1.0
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def http_host(self) -> str:
        """host:port, the form the Alibaba and Tencent SDKs take."""
        return self.http.split("://", 1)[-1].rstrip("/")


def load_sim_endpoints(home: Path | None = None) -> SimEndpoints:
    path = (home or sim_home()) / "endpoints.json"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise UserInputError(
            "endpoint",
            f"profile 'sim' needs a running simulator, but {path} does not exist.",
            "start one with `imageforge sim serve` (or set IMAGEFORGE_SIM_HOME to its folder), "
            "or use endpoint 'cloud'.",
        ) from None
    known = {k: data.pop(k) for k in ("http", "https", "ca_file", "speed") if k in data}
    return SimEndpoints(**known, extra=data)  # type: ignore[arg-type]


def default_profile() -> str:
    return os.environ.get(DEFAULT_PROFILE_ENV, "cloud")


def validate_profile(value: object) -> str | None:
    """The reason a profile name is wrong, or None."""
    if value not in PROFILES:
        return f"must be one of {', '.join(PROFILES)}; got {value!r}"
    return None
