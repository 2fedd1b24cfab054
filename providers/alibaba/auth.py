"""Where Alibaba Cloud credentials come from: the vendor's environment names, the Terraform/Pulumi aliases,
then the Alibaba Cloud credentials library's own chain (OIDC role, CLI and credentials-file profiles,
ECS instance RAM role, credentials URI); a resource's `credentials` names a profile and/or a RAM role.

The library's providers are kept per choice in this process: a RAM role is assumed once and renewed
by the library before it expires, not on every call.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..core.credentials import ChainFailed, CredentialField, CredentialSpec, as_keys, simulator_knows
from ..core.model import CredentialChoice
from ..core.redact import redact

KEYS = ("access_key_id", "access_key_secret", "security_token")
SIMULATOR = {"access_key_id": "SIMULATORACCESSKEY", "access_key_secret": "simulator-secret"}
SESSION_NAME = "imageforge"
CREDENTIALS = CredentialSpec(
    "alibaba",
    (
        CredentialField("access_key_id", ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALICLOUD_ACCESS_KEY")),
        CredentialField("access_key_secret", ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALICLOUD_SECRET_KEY")),
        CredentialField("security_token", ("ALIBABA_CLOUD_SECURITY_TOKEN", "ALICLOUD_SECURITY_TOKEN"), required=False),
    ),
    simulator=SIMULATOR,
    chain="imageforge.providers.alibaba.auth:chain",
    chain_sources="an OIDC role (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, "
                  "ALIBABA_CLOUD_OIDC_TOKEN_FILE), the CLI profile in ~/.aliyun/config.json (ALIBABA_CLOUD_PROFILE), "
                  "the profile in ~/.alibabacloud/credentials.ini (ALIBABA_CLOUD_CREDENTIALS_FILE), the ECS "
                  "instance's RAM role, or ALIBABA_CLOUD_CREDENTIALS_URI",
    choices=("profile", "role_arn", "role_session_name"),
    role_arn=r"acs:ram::\d+:role/[A-Za-z0-9.\-]{1,64}",
    role_example="'acs:ram::1234567890123456:role/image-publisher'",
)
_PROVIDERS: dict[tuple[CredentialChoice | None, bool, str], Any] = {}  # per process, never pickled
_LOCK = threading.Lock()


def chain(choice: CredentialChoice | None, simulated: bool) -> Mapping[str, str]:
    """The credentials the library's chain (or the chosen profile / role) gives now."""
    from alibabacloud_credentials.exceptions import CredentialException

    sts = _sts_host() if simulated else ""
    with _LOCK:
        key = (choice, simulated, sts)
        provider = _PROVIDERS.get(key)
        if provider is None:
            provider = _PROVIDERS[key] = _provider(choice, simulated, sts)
    try:
        found = provider.get_credentials()
    except (CredentialException, ValueError, OSError) as exc:
        raise ChainFailed([redact(str(exc))]) from None
    return as_keys({"access_key_id": found.get_access_key_id(), "access_key_secret": found.get_access_key_secret(),
                    "security_token": found.get_security_token()}, *KEYS)


def _provider(choice: CredentialChoice | None, simulated: bool, sts: str) -> Any:
    from alibabacloud_credentials.provider import (DefaultCredentialsProvider, RamRoleArnCredentialsProvider,
                                                   StaticAKCredentialsProvider)

    if choice is None:
        return DefaultCredentialsProvider()
    if choice.profile:
        base: Any = _Profile(choice.profile, simulated)
    elif simulated:
        base = StaticAKCredentialsProvider(access_key_id=SIMULATOR["access_key_id"],
                                           access_key_secret=SIMULATOR["access_key_secret"])
    else:
        base = DefaultCredentialsProvider()
    if not choice.role_arn:
        return base
    role = RamRoleArnCredentialsProvider(credentials_provider=base, role_arn=choice.role_arn,
                                         role_session_name=choice.role_session_name or SESSION_NAME,
                                         sts_endpoint=sts or None)
    if simulated:
        # The library always calls STS over HTTPS and takes no CA option: trust the simulator's own CA
        # for this one provider (never for a cloud profile).
        from ..core.endpoints import load_sim_endpoints

        role._runtime_options["ca"] = load_sim_endpoints().ca_file
    return role


def _sts_host() -> str:
    from ..core.endpoints import load_sim_endpoints

    https = load_sim_endpoints().https
    if not https:
        raise ChainFailed(["the simulator serves no HTTPS endpoint for STS (install imageforge[sim] for trustme)"])
    return https.split("://", 1)[-1].rstrip("/")


class _Profile:
    """A named profile from the CLI's ~/.aliyun/config.json, else from ~/.alibabacloud/credentials.ini
    (or ALIBABA_CLOUD_CREDENTIALS_FILE); both files are read where they are now, not where they were
    when the library was imported."""

    def __init__(self, name: str, simulated: bool) -> None:
        from alibabacloud_credentials.provider import CLIProfileCredentialsProvider, ProfileCredentialsProvider

        self.simulated = simulated
        home = Path(os.environ.get("HOME") or Path.home())
        ini = os.environ.get("ALIBABA_CLOUD_CREDENTIALS_FILE") or str(home / ".alibabacloud" / "credentials.ini")
        self.name = name
        self.sources = [(str(home / ".aliyun" / "config.json"),
                         CLIProfileCredentialsProvider(profile_name=name,
                                                       profile_file=str(home / ".aliyun" / "config.json"))),
                        (ini, ProfileCredentialsProvider(profile_name=name, profile_file=ini))]

    def get_credentials(self) -> Any:
        from alibabacloud_credentials.exceptions import CredentialException

        tried = []
        for path, provider in self.sources:
            if not Path(path).is_file():
                tried.append(f"{path} does not exist")
                continue
            try:
                found = provider.get_credentials()
            except (CredentialException, ValueError, KeyError) as exc:
                tried.append(f"{path}: {redact(str(exc))}")
                continue
            if self.simulated:
                simulator_knows("alibaba", found.get_access_key_id())
            return found
        raise ChainFailed([f"profile {self.name!r} was not found: " + "; ".join(tried) +
                           f" (add it with `aliyun configure --profile {self.name}`, or as [{self.name}] in "
                           f"{self.sources[1][0]})"])

    def get_provider_name(self) -> str:
        return f"profile:{self.name}"
