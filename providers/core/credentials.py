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
    vendor: str
    fields: tuple[CredentialField, ...]
    hint: str = ""


@dataclass(frozen=True, repr=False)
class Credentials:
    """Resolved values; repr never shows them."""

    vendor: str
    values: Mapping[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def __repr__(self) -> str:
        return f"Credentials(vendor={self.vendor!r}, fields={sorted(self.values)})"


ALIBABA = CredentialSpec(
    "alibaba",
    (
        CredentialField("access_key_id", ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALICLOUD_ACCESS_KEY")),
        CredentialField("access_key_secret", ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALICLOUD_SECRET_KEY")),
        CredentialField("security_token", ("ALIBABA_CLOUD_SECURITY_TOKEN", "ALICLOUD_SECURITY_TOKEN"), required=False),
    ),
)
TENCENT = CredentialSpec(
    "tencent",
    (
        CredentialField("secret_id", ("TENCENTCLOUD_SECRET_ID",)),
        CredentialField("secret_key", ("TENCENTCLOUD_SECRET_KEY",)),
        CredentialField("token", ("TENCENTCLOUD_SESSION_TOKEN", "TENCENTCLOUD_SECURITY_TOKEN"), required=False),
    ),
)
HUAWEI = CredentialSpec(
    "huawei",
    (
        CredentialField("ak", ("HUAWEICLOUD_SDK_AK", "HW_ACCESS_KEY")),
        CredentialField("sk", ("HUAWEICLOUD_SDK_SK", "HW_SECRET_KEY")),
        CredentialField("project_id", ("HUAWEICLOUD_SDK_PROJECT_ID", "HW_PROJECT_ID"), required=False),
        CredentialField("security_token", ("HUAWEICLOUD_SDK_SECURITY_TOKEN", "HW_SECURITY_TOKEN"), required=False),
    ),
)
AZURE = CredentialSpec(
    "azure",
    (
        CredentialField("subscription_id", ("AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID")),
        CredentialField("tenant_id", ("AZURE_TENANT_ID", "ARM_TENANT_ID"), required=False),
        CredentialField("client_id", ("AZURE_CLIENT_ID", "ARM_CLIENT_ID"), required=False),
        CredentialField("client_secret", ("AZURE_CLIENT_SECRET", "ARM_CLIENT_SECRET"), required=False),
    ),
    hint="the other Azure credentials come from DefaultAzureCredential: environment, managed identity or Azure CLI",
)
SPECS: dict[str, CredentialSpec] = {s.vendor: s for s in (ALIBABA, TENCENT, HUAWEI, AZURE)}

# The simulator accepts any signature; these let a first run work with no account at all.
SIMULATOR_VALUES: dict[str, dict[str, str]] = {
    "alibaba": {"access_key_id": "SIMULATORACCESSKEY", "access_key_secret": "simulator-secret"},
    "tencent": {"secret_id": "AKIDSIMULATOR", "secret_key": "simulator-secret"},
    "huawei": {"ak": "SIMULATORAK", "sk": "simulator-secret"},
    "azure": {"subscription_id": "00000000-0000-0000-0000-00000000000a", "tenant_id": "sim", "client_id": "sim", "client_secret": "sim"},
}


def resolve(vendor: str, simulated: bool = False, environ: Mapping[str, str] | None = None) -> Credentials:
    """Read the vendor's credentials now; raise CredentialsMissing naming every accepted variable."""
    spec = SPECS[vendor]
    if simulated:  # real keys never travel to the simulator
        return Credentials(vendor, dict(SIMULATOR_VALUES[vendor]))
    env = os.environ if environ is None else environ
    values: dict[str, str] = {}
    missing: list[str] = []
    for item in spec.fields:
        found = next((env[n] for n in item.env if env.get(n)), "")
        if found:
            values[item.name] = found
        elif item.required:
            missing.append(" or ".join(item.env))
    if missing:
        raise CredentialsMissing(vendor, missing, spec.hint)
    return Credentials(vendor, values)
