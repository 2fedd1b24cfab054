"""Credentials resolved at call time from each vendor's standard environment names.

Nothing here is stored on a provider object or written to outputs: adapters call
`resolve()` for each operation and keep the result only as long as the call.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import CredentialsMissing


@dataclass(frozen=True)
class CredentialField:
    """One credential value and the environment names it may come from, in priority order."""

    name: str
    env: tuple[str, ...]
    required: bool = True


@dataclass(frozen=True)
class CredentialSpec:
    """Where one vendor's credentials come from; each vendor folder declares its own (`auth.py`).

    `simulator` holds the values sent to the embedded simulator, so a first run needs no account
    and real keys never travel there.
    """

    vendor: str
    fields: tuple[CredentialField, ...]
    hint: str = ""
    simulator: Mapping[str, str] = field(default_factory=dict)

    @property
    def env_names(self) -> tuple[str, ...]:
        return tuple(name for item in self.fields for name in item.env)


@dataclass(frozen=True, repr=False)
class Credentials:
    """Resolved values; repr never shows them."""

    vendor: str
    values: Mapping[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def __repr__(self) -> str:
        return f"Credentials(vendor={self.vendor!r}, fields={sorted(self.values)})"


def resolve(spec: CredentialSpec, simulated: bool = False, environ: Mapping[str, str] | None = None) -> Credentials:
    """Read the vendor's credentials now; raise CredentialsMissing naming every accepted variable."""
    vendor = spec.vendor
    if simulated:  # real keys never travel to the simulator
        return Credentials(vendor, dict(spec.simulator))
    env = os.environ if environ is None else environ
    values: dict[str, str] = {}
    missing: list[str] = []
    pieces: list[str] = []
    for item in spec.fields:
        found = next((env[n] for n in item.env if env.get(n)), "")
        if found:
            values[item.name] = found
        elif item.required:
            missing.append(" or ".join(item.env))
            pieces.append(f"the {item.name.replace('_', ' ')}")
    if missing:
        raise CredentialsMissing(vendor, missing, spec.hint, pieces)
    return Credentials(vendor, values)
