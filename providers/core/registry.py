"""Lazy lookup of each cloud's adapter and rules: nothing vendor-specific loads until used."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from .model import Target

CAPTURE = "capture"
COPY = "copy"
GENERALIZE = "generalize"
IMPORT = "import"


@dataclass(frozen=True)
class ServiceEntry:
    """One cloud service: where its adapter and its pure rules live, and what it can do."""

    cloud: str
    service: str
    adapter: str  # "module:Class", imported only when an operation runs
    rules: str  # "module:OBJECT", pure Python, no vendor SDK
    capabilities: frozenset[str]
    preflight: str = ""  # the cloud name `imageforge inspect` checks disk images for


_P = "imageforge.providers"
SERVICES: dict[tuple[str, str], ServiceEntry] = {
    (e.cloud, e.service): e
    for e in (
        ServiceEntry("alibaba", "ecs", f"{_P}.alibaba.ecs:EcsAdapter", f"{_P}.alibaba.ecs_rules:RULES", frozenset({CAPTURE, COPY, IMPORT}),
                     "alibaba-ecs"),
        ServiceEntry("alibaba", "eds", f"{_P}.alibaba.eds:EdsAdapter", f"{_P}.alibaba.eds_rules:RULES", frozenset({CAPTURE, COPY}),
                     "alibaba-eds"),
        ServiceEntry("tencent", "cvm", f"{_P}.tencent.cvm:CvmAdapter", f"{_P}.tencent.rules:RULES", frozenset({CAPTURE, COPY, IMPORT}),
                     "tencent"),
        ServiceEntry("huawei", "ims", f"{_P}.huawei.ims:ImsAdapter", f"{_P}.huawei.rules:RULES", frozenset({CAPTURE, COPY, IMPORT}),
                     "huawei"),
        ServiceEntry("azure", "compute", f"{_P}.azure.compute:ComputeAdapter", f"{_P}.azure.rules:RULES",
                     frozenset({CAPTURE, COPY, GENERALIZE, IMPORT}), "azure"),
    )
}
DEFAULT_SERVICE: dict[str, str] = {"alibaba": "ecs", "tencent": "cvm", "huawei": "ims", "azure": "compute"}
CLOUDS: tuple[str, ...] = tuple(DEFAULT_SERVICE)


def entry(cloud: str, service: str | None) -> ServiceEntry | None:
    return SERVICES.get((cloud, service or DEFAULT_SERVICE.get(cloud, "")))


def services_of(cloud: str) -> list[str]:
    return [s for (c, s) in SERVICES if c == cloud]


def _load(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def rules_for(cloud: str, service: str | None) -> Any:
    """The service's pure validation rules (see core/validation.py for their shape)."""
    found = entry(cloud, service)
    if found is None:
        raise KeyError(f"{cloud}/{service}")
    return _load(found.rules)


def adapter_for(target: Target, **kwargs: Any) -> Any:
    """Build the adapter for this target; its module imports the vendor SDK on first use."""
    found = entry(target.cloud, target.service)
    if found is None:
        raise KeyError(f"{target.cloud}/{target.service}")
    return _load(found.adapter)(target, **kwargs)
