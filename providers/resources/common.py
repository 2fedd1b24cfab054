"""What every resource provider shares: settings, targets, waiters, keys, diffs and check plumbing."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from pulumi.dynamic import CheckFailure, ConfigureRequest, DiffResult, ResourceProvider

from ..core import progress, registry
from ..core.endpoints import default_profile, validate_profile
from ..core.errors import UserInputError
from ..core.model import Target
from ..core.timeouts import Timeouts
from ..core.validation import Failure, is_unknown
from ..core.simclock import clock_for
from ..core.waiting import Waiter

TAG_KEY = "imageforge-key"
PROVIDER_KEY = "__provider"


class ProviderBase(ResourceProvider):
    """Holds no client, credential or Output: only what `configure` reads from stack config."""

    default_endpoint: str | None = None

    def configure(self, req: ConfigureRequest) -> None:
        value = req.config.get("imageforge:endpoint")
        if value:
            self.default_endpoint = str(value)


def clean(props: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs without the engine's private keys and without unset (None) values."""
    return {k: v for k, v in props.items() if k != PROVIDER_KEY and v is not None}


def normalize_common(provider: ProviderBase, news: Mapping[str, Any]) -> tuple[dict[str, Any], list[Failure]]:
    """Defaults and checks shared by every resource: cloud, service, endpoint, timeouts."""
    inputs = clean(news)
    failures: list[Failure] = []
    cloud = inputs.get("cloud")
    if not is_unknown(cloud):
        if cloud not in registry.CLOUDS:
            failures.append(Failure("cloud", f"must be one of {', '.join(registry.CLOUDS)}; got {cloud!r}."))
        else:
            inputs.setdefault("service", registry.DEFAULT_SERVICE[cloud])
            if not is_unknown(inputs["service"]) and registry.entry(cloud, inputs["service"]) is None:
                failures.append(Failure("service", f"{cloud} offers {', '.join(registry.services_of(cloud))}; "
                                                   f"got {inputs['service']!r}."))
    if not inputs.get("endpoint"):
        inputs["endpoint"] = provider.default_endpoint or default_profile()
    reason = validate_profile(inputs["endpoint"]) if not is_unknown(inputs["endpoint"]) else None
    if reason:
        failures.append(Failure("endpoint", reason + " ('sim' is the embedded simulator)."))
    region = inputs.get("region")
    if not is_unknown(region) and (not isinstance(region, str) or not region):
        failures.append(Failure("region", "is required: the region id, for example cn-hangzhou."))
    return inputs, failures


def service_failures(inputs: dict[str, Any], capability: str, what: str, validate: str) -> list[Failure]:
    """The cloud service's own rules, once the shared checks passed; the spec key for adoption last."""
    cloud, service = inputs.get("cloud"), inputs.get("service")
    if is_unknown(cloud) or is_unknown(service):
        return []
    found = registry.entry(str(cloud), str(service))
    if found is None:
        return []
    if capability not in found.capabilities:
        return [Failure("service", f"{cloud}/{service} cannot {what}.")]
    return list(getattr(registry.rules_for(str(cloud), str(service)), validate)(inputs))


def with_key(inputs: dict[str, Any], replace_on: Iterable[str]) -> None:
    """Tag value naming the stack, the resource and everything that would replace it."""
    inputs["key"] = spec_key(inputs.get("owner", ""), {k: inputs.get(k) for k in replace_on})


def check_timeouts(inputs: Mapping[str, Any], defaults: Timeouts) -> list[Failure]:
    value = inputs.get("timeouts")
    if value is None or is_unknown(value):
        return []
    try:
        Timeouts.from_input(value, defaults)
    except (ValueError, TypeError) as exc:
        return [Failure("timeouts", str(exc))]
    return []


def timeouts(inputs: Mapping[str, Any], defaults: Timeouts) -> Timeouts:
    return Timeouts.from_input(inputs.get("timeouts"), defaults)


def to_check_failures(failures: Iterable[Failure]) -> list[CheckFailure]:
    return [CheckFailure(f.field, f.reason) for f in failures]


def target(inputs: Mapping[str, Any], region: str | None = None) -> Target:
    return Target(str(inputs["cloud"]), str(inputs["service"]), region or str(inputs["region"]),
                  str(inputs.get("endpoint") or "cloud"))


def waiter(inputs: Mapping[str, Any], label: str) -> Waiter:
    return Waiter(clock=clock_for(str(inputs.get("endpoint") or "cloud")), on_progress=progress.reporter(label))


def adapter(inputs: Mapping[str, Any], wait: Waiter, region: str | None = None) -> Any:
    return registry.adapter_for(target(inputs, region), waiter=wait)


def spec_key(*parts: Any) -> str:
    """A short, stable tag value naming what was asked for: adoption finds the object by it."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def diff(olds: Mapping[str, Any], news: Mapping[str, Any], replace_on: Iterable[str],
         update_on: Iterable[str]) -> DiffResult:
    """An explicit diff: never None, replacements named."""
    def changed(key: str) -> bool:
        return _norm(olds.get(key)) != _norm(news.get(key))

    replaces = [k for k in replace_on if changed(k)]
    updates = [k for k in update_on if changed(k)]
    return DiffResult(changes=bool(replaces or updates), replaces=replaces, stables=[],
                      delete_before_replace=False)


def _norm(value: Any) -> Any:
    if value in (None, "", {}, []):
        return None
    return json.loads(json.dumps(value, sort_keys=True, default=str))


def user_error(field: str, rule: str, fix: str = "") -> UserInputError:
    return UserInputError(field, rule, fix)
