"""Credentials resolved at call time: the vendor's environment names first, then the vendor's own chain.

Nothing here is stored on a provider object or written to outputs: adapters call `resolve()` for
each operation and keep the result only as long as the call. A resource's `credentials` input
(a CredentialChoice: a profile and/or a role to assume, never a secret) goes straight to the
vendor's chain (`CredentialSpec.chain`, loaded lazily from the vendor's folder), which caches
what it assumed until the vendor says it expires.
"""
from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import CredentialsMissing
from .model import CredentialChoice
from .validation import Failure

# chain(choice, simulated) -> values; raises ChainFailed naming what it tried.
Chain = Callable[[CredentialChoice | None, bool], Mapping[str, str]]


class ChainFailed(Exception):
    """The vendor's chain found nothing usable; `tried` says where it looked (never a secret)."""

    def __init__(self, tried: list[str]) -> None:
        super().__init__("; ".join(tried))
        self.tried = tried


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
    chain: str = ""  # "module:function" (a Chain) in the vendor's folder: its SDK's own credential chain
    chain_sources: str = ""  # the chain's other sources, in its order, for the missing-credentials message
    choices: tuple[str, ...] = ()  # the `credentials` keys this vendor takes (profile, role_arn...)
    role_arn: str = ""  # the pattern a role to assume must match
    role_example: str = ""
    refusal_fix: str = ""  # what to do instead when `credentials` names something this vendor cannot take

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


def choice_failures(spec: CredentialSpec, value: object) -> list[Failure]:
    """What is wrong with a resource's `credentials` input for this vendor (check runs this before any call)."""
    if not isinstance(value, Mapping):
        return []
    given = {str(k) for k, v in value.items() if v not in (None, "")}
    out: list[Failure] = []
    for key in sorted(given - set(spec.choices)):
        takes = ", ".join(spec.choices) if spec.choices else "nothing"
        out.append(Failure(f"credentials.{key}", f"{spec.vendor} credentials take {takes} here, so {key} would be "
                                                 f"ignored. Fix: {spec.refusal_fix or 'remove it.'}"))
    if given and not given & {"profile", "role_arn"} and not out:
        out.append(Failure("credentials", "names neither a profile nor a role_arn. Fix: set credentials.profile to "
                                          "a profile name, or credentials.role_arn to the role to assume."))
    arn = value.get("role_arn")
    if isinstance(arn, str) and arn and spec.role_arn and "role_arn" in spec.choices \
            and re.fullmatch(spec.role_arn, arn) is None:
        out.append(Failure("credentials.role_arn", f"must be a {spec.vendor} role ARN such as {spec.role_example}. "
                                                   "Fix: copy the role's ARN from the console."))
    return out


def _chain(spec: CredentialSpec) -> Chain:
    module, _, name = spec.chain.partition(":")
    found: Chain = getattr(importlib.import_module(module), name)
    return found


def resolve(spec: CredentialSpec, simulated: bool = False, environ: Mapping[str, str] | None = None,
            choice: CredentialChoice | None = None) -> Credentials:
    """Read the vendor's credentials now; raise CredentialsMissing naming each missing piece and every source.

    With no `choice`: the simulator's test keys on a simulated run (real keys never travel there),
    otherwise the environment names (the vendor's and the Terraform/Pulumi aliases), then the vendor's
    chain. With a choice: the vendor's chain for that profile or role (on a simulated run too: the
    profile then holds the simulator's keys, and roles are assumed from the simulator's STS).
    """
    vendor = spec.vendor
    if choice is not None:
        return _from_chain(spec, choice, simulated)
    if simulated:
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
    if not missing:
        return Credentials(vendor, values)
    if spec.chain and environ is None:  # the vendor's chain reads the real process environment and files
        try:
            return Credentials(vendor, dict(_chain(spec)(None, False)))
        except ChainFailed as failed:
            raise CredentialsMissing(vendor, missing, spec.hint, pieces, spec.chain_sources, failed.tried) from None
    raise CredentialsMissing(vendor, missing, spec.hint, pieces, spec.chain_sources)


def _from_chain(spec: CredentialSpec, choice: CredentialChoice, simulated: bool) -> Credentials:
    if not spec.chain:
        raise CredentialsMissing(spec.vendor, [], spec.hint, [], spec.chain_sources,
                                 [f"{spec.vendor} takes no named credentials ({choice.describe()})"])
    try:
        return Credentials(spec.vendor, dict(_chain(spec)(choice, simulated)))
    except ChainFailed as failed:
        raise CredentialsMissing(spec.vendor, [], spec.hint, [], "", failed.tried, choice.describe()) from None


def simulator_knows(vendor: str, key_id: str) -> None:
    """Refuse to send a key the simulator does not publish as one of its test keys: a profile named on a
    simulated run must hold a simulator key, so real keys never travel there."""
    from .endpoints import load_sim_endpoints

    known = load_sim_endpoints().extra.get(f"{vendor}_test_keys")
    if isinstance(known, list) and key_id not in known:
        raise ChainFailed([f"the profile holds a key the simulator does not know, and real keys are never sent to "
                           f"the simulator: for simulated runs put one of its test keys ({', '.join(map(str, known))}; "
                           "README: Credentials) in the profile"])


def as_keys(values: Mapping[str, Any], *names: str) -> dict[str, str]:
    """The first names' values as strings ('' for a missing one): what a chain returns."""
    return {name: str(values.get(name) or "") for name in names}
