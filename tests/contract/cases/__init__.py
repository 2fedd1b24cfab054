"""One case per service: inputs that work on the simulator, from which the contract tests vary one thing at a time."""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from imageforge.simulator import Simulator


@dataclass(frozen=True)
class VmCase:
    """What the GeneralizedVM flows need from a service that generalizes: a fresh running VM, and what the cloud holds.

    `make(sim, os_type, name)` adds a running VM ("Linux" or "Windows") and returns its id;
    `state(sim, vm_id)` says (marked generalized by the cloud or imageforge, guest really prepared);
    `os_types` are the guests the campaign generalizes (EDS runs commands on Windows computers only).
    """

    inputs: dict[str, Any]
    make: Callable[[Simulator, str, str], str]
    state: Callable[[Simulator, str], tuple[bool, bool]]
    os_types: tuple[str, ...] = ("Linux", "Windows")  # the guests the service's agent runs commands in


@dataclass(frozen=True)
class ServiceCase:
    """Base inputs per operation for one service, valid against the simulator's seeds.

    `copy` receives the id of an image the `capture` inputs made (in `region`). `separate` names
    declaration rows that cannot ride in the same request as the others (tested one at a time).
    """

    cloud: str
    service: str
    vendor: str  # the simulator's vendor name in the request log
    capture: dict[str, Any] = field(default_factory=dict)
    copy: Callable[[str], dict[str, Any]] | None = None
    imports: dict[str, Any] = field(default_factory=dict)
    separate: frozenset[str] = frozenset()
    setup: Callable[[Simulator], None] | None = None
    regions: tuple[str, ...] = ()  # two or more destination regions for the fault campaign's copies
    source_with: dict[str, dict[str, Any]] = field(default_factory=dict)  # a source row's companion keys
    inputs_with: dict[str, dict[str, Any]] = field(default_factory=dict)  # an input or option row's companions
    vm: VmCase | None = None  # services that generalize VMs
    build: dict[str, Any] = field(default_factory=dict)  # BakedImage inputs on the simulator (services that bake)


def all_cases() -> dict[tuple[str, str], ServiceCase]:
    found: dict[tuple[str, str], ServiceCase] = {}
    for module in pkgutil.iter_modules(__path__):
        case = getattr(importlib.import_module(f"{__name__}.{module.name}"), "CASE", None)
        if isinstance(case, ServiceCase):
            found[(case.cloud, case.service)] = case
    return found
