"""Lazy lookup of each cloud's adapter and rules: nothing vendor-specific loads until used."""
from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from typing import Any

from .errors import Unsupported
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
    sdk: tuple[str, ...] = ()  # the vendor SDK modules the adapter needs (the package extra's)


_P = "imageforge.providers"
SERVICES: dict[tuple[str, str], ServiceEntry] = {
    (e.cloud, e.service): e
    for e in (
        ServiceEntry("alibaba", "ecs", f"{_P}.alibaba.ecs:EcsAdapter", f"{_P}.alibaba.ecs_rules:RULES",
                     frozenset({CAPTURE, COPY, IMPORT}), "alibaba-ecs", ("aliyunsdkcore", "aliyunsdkecs")),
        ServiceEntry("alibaba", "eds", f"{_P}.alibaba.eds:EdsAdapter", f"{_P}.alibaba.eds_rules:RULES",
                     frozenset({CAPTURE, COPY}), "alibaba-eds", ("alibabacloud_ecd20200930",)),
        ServiceEntry("tencent", "cvm", f"{_P}.tencent.cvm:CvmAdapter", f"{_P}.tencent.rules:RULES",
                     frozenset({CAPTURE, COPY, IMPORT}), "tencent", ("tencentcloud.cvm",)),
        ServiceEntry("huawei", "ims", f"{_P}.huawei.ims:ImsAdapter", f"{_P}.huawei.rules:RULES",
                     frozenset({CAPTURE, COPY, IMPORT}), "huawei", ("huaweicloudsdkims", "huaweicloudsdkecs")),
        ServiceEntry("azure", "compute", f"{_P}.azure.compute:ComputeAdapter", f"{_P}.azure.rules:RULES",
                     frozenset({CAPTURE, COPY, GENERALIZE, IMPORT}), "azure", ("azure.mgmt.compute", "azure.identity")),
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


def missing_sdk(found: ServiceEntry) -> list[str]:
    """The SDK modules of this service that are not installed (looked up, not imported)."""
    missing = []
    for module in found.sdk:
        try:
            present = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:  # a parent package is missing
            present = False
        if not present:
            missing.append(module)
    return missing


def adapter_for(target: Target, **kwargs: Any) -> Any:
    """Build the adapter for this target; its module imports the vendor SDK on first use."""
    found = entry(target.cloud, target.service)
    if found is None:
        raise KeyError(f"{target.cloud}/{target.service}")
    missing = missing_sdk(found)
    if missing:
        raise Unsupported(f"the {target.cloud} SDK is not installed ({', '.join(missing)} missing): "
                          f"pip install 'imageforge[{target.cloud}]'", vendor=target.cloud, operation="setup")
    return _load(found.adapter)(target, **kwargs)
