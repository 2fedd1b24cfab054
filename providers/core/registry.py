"""Lazy lookup of each cloud's adapter and rules: nothing vendor-specific loads until used."""
from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from .errors import Unsupported
from .model import Target
from .service import BUILD, CAPTURE, COPY, GENERALIZE, IMPORT, ServiceSpec

__all__ = ["BUILD", "CAPTURE", "COPY", "GENERALIZE", "IMPORT", "SERVICES", "CLOUDS", "DEFAULT_SERVICE", "adapter_for",
           "spec_for", "rules_for", "credentials_for", "entry", "services_of"]
P = TypeVar("P")


@dataclass(frozen=True)
class ServiceEntry:
    """One cloud service: where its adapter and its pure rules live, and what it can do."""

    cloud: str
    service: str
    adapter: str  # "module:Class", imported only when an operation runs
    rules: str  # "module:OBJECT", pure Python, no vendor SDK
    spec: str  # "module:SPEC", the service's declaration (ServiceSpec), pure Python
    preflight: str = ""  # the cloud name `imageforge inspect` checks disk images for
    sdk: tuple[str, ...] = ()  # the vendor SDK modules the adapter needs (the package extra's)

    @property
    def credentials(self) -> str:
        """"module:CREDENTIALS": where the cloud's credentials come from (pure Python, no SDK)."""
        return f"{_P}.{self.cloud}.auth:CREDENTIALS"

    @property
    def capabilities(self) -> frozenset[str]:
        return spec_of(self).capabilities


_P = "imageforge.providers"
SERVICES: dict[tuple[str, str], ServiceEntry] = {
    (e.cloud, e.service): e
    for e in (
        ServiceEntry("alibaba", "ecs", f"{_P}.alibaba.ecs:EcsAdapter", f"{_P}.alibaba.ecs_rules:RULES",
                     f"{_P}.alibaba.ecs_spec:SPEC", "alibaba-ecs", ("aliyunsdkcore", "aliyunsdkecs")),
        ServiceEntry("alibaba", "eds", f"{_P}.alibaba.eds:EdsAdapter", f"{_P}.alibaba.eds_rules:RULES",
                     f"{_P}.alibaba.eds_spec:SPEC", "alibaba-eds", ("alibabacloud_ecd20200930",)),
        ServiceEntry("tencent", "cvm", f"{_P}.tencent.cvm:CvmAdapter", f"{_P}.tencent.rules:RULES",
                     f"{_P}.tencent.spec:SPEC", "tencent", ("tencentcloud.cvm", "tencentcloud.tat")),
        ServiceEntry("huawei", "ims", f"{_P}.huawei.ims:ImsAdapter", f"{_P}.huawei.rules:RULES",
                     f"{_P}.huawei.spec:SPEC", "huawei", ("huaweicloudsdkims", "huaweicloudsdkecs",
                                                                 "huaweicloudsdkcoc")),
        ServiceEntry("azure", "compute", f"{_P}.azure.compute:ComputeAdapter", f"{_P}.azure.rules:RULES",
                     f"{_P}.azure.spec:SPEC", "azure", ("azure.mgmt.compute", "azure.identity")),
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


def credentials_for(cloud: str, service: str | None) -> Any:
    """The cloud's CredentialSpec (pure Python: the vendor SDK loads only when credentials are resolved)."""
    found = entry(cloud, service)
    if found is None:
        raise KeyError(f"{cloud}/{service}")
    return _load(found.credentials)


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


def credential_env_names() -> tuple[str, ...]:
    """Every environment name any cloud reads credentials from (what redaction removes wherever it appears)."""
    names: dict[str, None] = {}
    for found in SERVICES.values():
        names.update(dict.fromkeys(_load(found.credentials).env_names))
    return tuple(names)


def spec_of(found: ServiceEntry) -> ServiceSpec:
    return cast(ServiceSpec, _load(found.spec))


def spec_for(cloud: str, service: str | None) -> ServiceSpec:
    """The service's declaration: inputs and options it takes, vendor parameters, traits."""
    found = entry(cloud, service)
    if found is None:
        raise KeyError(f"{cloud}/{service}")
    return spec_of(found)


def adapter_for(target: Target, protocol: type[P]) -> P:
    """The adapter for this target, typed as the protocol the caller uses; the vendor SDK loads on first use.

    mypy proves in providers/conformance.py that every adapter implements the protocols its
    service's capabilities name, so the cast is safe.
    """
    found = entry(target.cloud, target.service)
    if found is None:
        raise KeyError(f"{target.cloud}/{target.service}")
    missing = missing_sdk(found)
    if missing:
        raise Unsupported(f"the {target.cloud} SDK is not installed ({', '.join(missing)} missing): "
                          f"pip install 'imageforge[{target.cloud}]'", vendor=target.cloud, operation="setup")
    return cast(P, _load(found.adapter)(target))
