"""Reusable input checks that return reasons naming the rule and the fix (no cloud calls)."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Failure:
    """One check failure: the input field and a reason that says the rule and the fix."""

    field: str
    reason: str


class ServiceRules(Protocol):
    """The pure rules of one cloud service, consulted by `check` once every input has the right type."""

    service_label: str
    regions: frozenset[str]

    def validate_capture(self, inputs: Mapping[str, Any]) -> list[Failure]: ...

    def validate_copy(self, inputs: Mapping[str, Any]) -> list[Failure]: ...

    def validate_import(self, inputs: Mapping[str, Any]) -> list[Failure]: ...

    def validate_generalize(self, inputs: Mapping[str, Any]) -> list[Failure]: ...

    def validate_build(self, inputs: Mapping[str, Any]) -> list[Failure]:
        """What a bake's own inputs must look like (instance type, network ids, disk size) without a call."""
        ...


class BaseRules:
    """No rule beyond the declarations: a service's rules override what it checks (the capability
    table keeps an operation a service lacks from reaching these)."""

    def validate_capture(self, inputs: Mapping[str, Any]) -> list[Failure]:
        return []

    def validate_copy(self, inputs: Mapping[str, Any]) -> list[Failure]:
        return []

    def validate_import(self, inputs: Mapping[str, Any]) -> list[Failure]:
        return []

    def validate_generalize(self, inputs: Mapping[str, Any]) -> list[Failure]:
        return []

    def validate_build(self, inputs: Mapping[str, Any]) -> list[Failure]:
        return []


def is_unknown(value: object) -> bool:
    """True for values Pulumi has not resolved yet (preview): those are passed, not failed."""
    from pulumi.output import Unknown
    from pulumi.runtime import rpc

    return isinstance(value, Unknown) or (isinstance(value, str) and value == rpc.UNKNOWN)


@dataclass(frozen=True)
class NameRule:
    """A vendor naming rule: length bounds, allowed characters, first character, forbidden prefixes."""

    label: str
    min_len: int
    max_len: int
    allowed: str  # regex character class body
    allowed_text: str
    first: str = "A-Za-z"
    first_text: str = "a letter"
    forbid_http: bool = True

    def check(self, field: str, value: object) -> Failure | None:
        if value is None or is_unknown(value):
            return None
        if not isinstance(value, str):
            return Failure(field, f"{self.label} must be a string, got {type(value).__name__}.")
        rules = (
            f"{self.label} must be {self.min_len} to {self.max_len} characters, start with {self.first_text}, "
            f"and contain only {self.allowed_text}"
        )
        if self.forbid_http and value.lower().startswith(("http://", "https://")):
            return Failure(field, f"{self.label} must not start with http:// or https:// (got {value!r}). Rule: {rules}.")
        if not self.min_len <= len(value) <= self.max_len:
            return Failure(field, f"{value!r} is {len(value)} characters. Rule: {rules}.")
        if self.first and not re.match(f"[{self.first}]", value):
            return Failure(field, f"{value!r} does not start with {self.first_text}. Rule: {rules}.")
        bad = sorted({c for c in value if not re.match(f"[{self.allowed}]", c)})
        if bad:
            return Failure(field, f"{value!r} contains {''.join(bad)!r}, which is not allowed. Rule: {rules}.")
        return None


def check_region(field: str, value: object, known: frozenset[str], label: str) -> Failure | None:
    if value is None or is_unknown(value) or not known:
        return None
    if value not in known:
        close = sorted(r for r in known if isinstance(value, str) and (value[:5] in r))[:5]
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        return Failure(field, f"{value!r} is not a {label} region.{hint} Known regions: {', '.join(sorted(known))}.")
    return None


def collect(*checks: Failure | None | Iterable[Failure]) -> list[Failure]:
    out: list[Failure] = []
    for item in checks:
        if item is None:
            continue
        if isinstance(item, Failure):
            out.append(item)
        else:
            out.extend(item)
    return out


Validator = Callable[[Mapping[str, Any]], list[Failure]]


@dataclass(frozen=True)
class ScriptLimit:
    """How one guest channel sizes a finalize script, and the most it takes (`check` refuses more)."""

    size_of: Callable[[list[str]], int]  # the size as the channel counts it (Base64 bytes, characters...)
    limit: int
    rule: str  # "{size}" and "{limit}" are filled in: "is {size} bytes once Base64-encoded; ... at most {limit}"
    fix: str
    empty: str = ""  # the reason an empty script is refused, where the channel runs no empty command


def script_failures(scripts: object, limits: ScriptLimit) -> list[Failure]:
    """Each known finalize script within its channel's limit; unknown ones (preview) are checked at `up`."""
    failures: list[Failure] = []
    for n, script in enumerate(scripts if isinstance(scripts, list) else []):
        if is_unknown(script) or not isinstance(script, (str, list)):
            continue
        if isinstance(script, list) and any(is_unknown(line) for line in script):
            continue
        lines = script.splitlines() if isinstance(script, str) else [str(line) for line in script]
        size = limits.size_of(lines)
        if size > limits.limit:
            failures.append(Failure(f"finalize_scripts[{n}]", limits.rule.format(size=size, limit=limits.limit) +
                                    f". Fix: {limits.fix}"))
        elif size == 0 and limits.empty:
            failures.append(Failure(f"finalize_scripts[{n}]", f"is empty: {limits.empty}. Fix: remove it."))
    return failures
