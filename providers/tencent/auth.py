"""Where Tencent Cloud credentials come from: the SDK's environment names, then its DefaultCredentialProvider
(environment, ~/.tencentcloud/credentials, the CVM role, the TKE OIDC role); a resource's `credentials`
names a profile (a section of that same file) and/or a CAM role to assume through STS.

Assumed roles are kept per choice in this process and renewed before they expire, not on every call.
"""
from __future__ import annotations

import configparser
import os
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..core.credentials import ChainFailed, CredentialField, CredentialSpec, as_keys, simulator_knows
from ..core.model import CredentialChoice
from ..core.redact import redact

KEYS = ("secret_id", "secret_key", "token")
SIMULATOR = {"secret_id": "AKIDSIMULATOR", "secret_key": "simulator-secret"}
SESSION_NAME = "imageforge"
STS_REGION = "ap-guangzhou"  # the SDK's own region for STS calls
CREDENTIALS = CredentialSpec(
    "tencent",
    (
        CredentialField("secret_id", ("TENCENTCLOUD_SECRET_ID",)),
        CredentialField("secret_key", ("TENCENTCLOUD_SECRET_KEY",)),
        CredentialField("token", ("TENCENTCLOUD_SESSION_TOKEN", "TENCENTCLOUD_SECURITY_TOKEN"), required=False),
    ),
    simulator=SIMULATOR,
    chain="imageforge.providers.tencent.auth:chain",
    chain_sources="the [default] profile in ~/.tencentcloud/credentials (or /etc/tencentcloud/credentials), the "
                  "CVM instance's role, or the TKE OIDC role (TKE_REGION, TKE_PROVIDER_ID, "
                  "TKE_WEB_IDENTITY_TOKEN_FILE, TKE_ROLE_ARN)",
    choices=("profile", "role_arn", "role_session_name"),
    role_arn=r"qcs::cam::uin/\d+:role(Name)?/[\w+=,.@-]{1,128}",
    role_example="'qcs::cam::uin/100000000001:roleName/image-publisher'",
)
_ROLES: dict[tuple[CredentialChoice, bool], _Assumed | _SdkRole] = {}  # per process, never pickled
_LOCK = threading.Lock()
RENEW_BEFORE = 300.0  # seconds before expiry an assumed role is renewed


def chain(choice: CredentialChoice | None, simulated: bool) -> Mapping[str, str]:
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

    try:
        if choice is None:
            from tencentcloud.common.credential import DefaultCredentialProvider

            return _values(DefaultCredentialProvider().get_credentials())
        if not choice.role_arn:
            return _profile(choice.profile, simulated)
        with _LOCK:
            assumed = _ROLES.get((choice, simulated))
            found = assumed.current() if assumed is not None else None
            if found is None:
                assumed = _ROLES[(choice, simulated)] = _assume(choice, simulated)
                found = assumed.current() or {}
        return found
    except TencentCloudSDKException as exc:
        raise ChainFailed([redact(f"{exc.get_code()}: {exc.get_message()}")]) from None
    except OSError as exc:  # the chain's last link (the TKE OIDC role) raises when its variables are unset
        raise ChainFailed([f"no environment keys, profile, CVM role or TKE OIDC role ({redact(str(exc))})"]) from None


class _Assumed:
    """Keys from the simulator's STS, dropped RENEW_BEFORE seconds before they expire."""

    def __init__(self, values: Mapping[str, str], expires: float) -> None:
        self.values = dict(values)
        self.expires = expires

    def current(self) -> dict[str, str] | None:
        return None if time.time() >= self.expires - RENEW_BEFORE else self.values


class _SdkRole:
    """The SDK's STSAssumeRoleCredential, which renews itself whenever its keys are read."""

    def __init__(self, role: Any) -> None:
        self.role = role

    def current(self) -> dict[str, str] | None:
        return _values(self.role)


def _assume(choice: CredentialChoice, simulated: bool) -> _Assumed | _SdkRole:
    """The role's temporary keys from STS AssumeRole, signed with the profile's (or the default) keys."""
    from tencentcloud.common import credential

    if choice.profile:
        base = _profile(choice.profile, simulated)
    elif simulated:
        base = dict(SIMULATOR)
    else:
        base = _values(credential.DefaultCredentialProvider().get_credentials())
    session = choice.role_session_name or SESSION_NAME
    if not simulated:
        return _SdkRole(credential.STSAssumeRoleCredential(base["secret_id"], base["secret_key"], choice.role_arn,
                                                          session))
    from tencentcloud.common.common_client import CommonClient
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile

    from ..core.endpoints import load_sim_endpoints

    http = HttpProfile(endpoint=load_sim_endpoints().http_host, protocol="http")
    client = CommonClient("sts", "2018-08-13", credential.Credential(base["secret_id"], base["secret_key"],
                                                                     base.get("token") or None),
                          STS_REGION, ClientProfile(httpProfile=http))
    reply = client.call_json("AssumeRole", {"RoleArn": choice.role_arn, "RoleSessionName": session})["Response"]
    keys = reply["Credentials"]
    return _Assumed(as_keys({"secret_id": keys["TmpSecretId"], "secret_key": keys["TmpSecretKey"],
                             "token": keys["Token"]}, *KEYS), float(reply["ExpiredTime"]))


def _profile(name: str, simulated: bool) -> dict[str, str]:
    """Section `[name]` of the file the SDK reads its [default] profile from."""
    home = Path(os.environ.get("HOME") or Path.home())
    files = [home / ".tencentcloud" / "credentials", Path("/etc/tencentcloud/credentials")]
    path = next((f for f in files if f.is_file()), None)
    if path is None:
        raise ChainFailed([f"profile {name!r}: neither {files[0]} nor {files[1]} exists"])
    parser = configparser.ConfigParser()
    try:
        parser.read(path)
    except configparser.Error:
        raise ChainFailed([f"profile {name!r}: {path} is not an INI file"]) from None
    if not parser.has_section(name):
        raise ChainFailed([f"profile {name!r} is not a section of {path} (sections: "
                           f"{', '.join(parser.sections()) or 'none'})"])
    section = parser[name]
    if not section.get("secret_id", "").strip() or not section.get("secret_key", "").strip():
        raise ChainFailed([f"profile {name!r} in {path} needs both secret_id and secret_key"])
    if simulated:
        simulator_knows("tencent", section["secret_id"].strip())
    return as_keys({"secret_id": section["secret_id"].strip(), "secret_key": section["secret_key"].strip(),
                    "token": section.get("token", "").strip()}, *KEYS)


def _values(found: Any) -> dict[str, str]:
    return as_keys({"secret_id": found.secret_id, "secret_key": found.secret_key,
                    "token": getattr(found, "token", None)}, *KEYS)
