"""Tencent Cloud API 3.0 clients (TC3-HMAC-SHA256) for one region, with the SDK's retries off and errors mapped once."""
from __future__ import annotations

import json
from typing import Any

from ..core import credentials
from .auth import CREDENTIALS
from ..core.endpoints import load_sim_endpoints
from ..core.errors import CloudError
from ..core.model import Target
from . import mapping

VENDOR = "tencent"
TIMEOUT = 30
_CLIENTS: dict[tuple[Any, ...], Any] = {}  # never pickled: module-level, per process


def endpoint(target: Target, service: str, region: str) -> str | None:
    """host[:port] to call, or None for the SDK's default `<service>.tencentcloudapi.com`."""
    if target.simulated:
        return load_sim_endpoints().http_host
    if region.endswith("-fsi"):  # finance zones answer only on their own domain
        return f"{service}.{region}.tencentcloudapi.com"
    return None  # routed to the region by the X-TC-Region header


def _profile(target: Target, service: str, region: str) -> Any:
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.common.retry import NoopRetryer

    http = HttpProfile(endpoint=endpoint(target, service, region), protocol="http" if target.simulated else "https",
                       reqTimeout=TIMEOUT)
    return ClientProfile(httpProfile=http, retryer=NoopRetryer())  # retry policy lives in the Waiter


def _credential(target: Target) -> tuple[Any, tuple[str, ...]]:
    from tencentcloud.common import credential

    creds = credentials.resolve(CREDENTIALS, simulated=target.simulated, choice=target.credentials)
    values = (creds.get("secret_id"), creds.get("secret_key"), creds.get("token"))
    return credential.Credential(values[0], values[1], values[2] or None), values


def cvm(target: Target, region: str) -> Any:
    """The CvmClient for `region` (credentials read now; the client is cached per process)."""
    from tencentcloud.cvm.v20170312 import cvm_client

    cred, values = _credential(target)
    key = ("cvm", region, endpoint(target, "cvm", region), *values)
    found = _CLIENTS.get(key)
    if found is None:
        found = _CLIENTS[key] = cvm_client.CvmClient(cred, region, _profile(target, "cvm", region))
    return found


def tat(target: Target, region: str) -> Any:
    """The TatClient (TencentCloud Automation Tools, API 2020-10-28, service `tat`) for `region`, cached."""
    from tencentcloud.tat.v20201028 import tat_client

    cred, values = _credential(target)
    key = ("tat", region, endpoint(target, "tat", region), *values)
    found = _CLIENTS.get(key)
    if found is None:
        found = _CLIENTS[key] = tat_client.TatClient(cred, region, _profile(target, "tat", region))
    return found


def call(target: Target, region: str, action: str, params: dict[str, Any]) -> dict[str, Any]:
    """One CVM API call: build `<action>Request` from `params`, send it, return the reply's `Response` as a dict."""
    from tencentcloud.cvm.v20170312 import models

    return _send(cvm(target, region), models, action, params)


def call_tat(target: Target, region: str, action: str, params: dict[str, Any]) -> dict[str, Any]:
    """One TAT API call (RunCommand, DescribeInvocationTasks, DescribeAutomationAgentStatus...), as `call` does."""
    from tencentcloud.tat.v20201028 import models

    return _send(tat(target, region), models, action, params)


def _send(sdk_client: Any, models: Any, action: str, params: dict[str, Any]) -> dict[str, Any]:
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

    request = getattr(models, f"{action}Request")()
    request.from_json_string(json.dumps(params))
    try:
        reply = getattr(sdk_client, action)(request)
    except TencentCloudSDKException as exc:
        raise _error(exc, action) from exc
    return json.loads(reply.to_json_string())


def call_common(target: Target, region: str, service: str, version: str, action: str, params: dict[str, Any]) -> dict[str, Any]:
    """A call to another Tencent Cloud product (tag, sts) through the SDK's CommonClient."""
    from tencentcloud.common.common_client import CommonClient
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

    cred, _ = _credential(target)
    client = CommonClient(service, version, cred, region, _profile(target, service, region))
    try:
        reply = client.call_json(action, params)
    except TencentCloudSDKException as exc:
        raise _error(exc, action) from exc
    return dict(reply.get("Response") or {})


def _error(exc: Any, action: str) -> CloudError:
    """The one place a TencentCloudSDKException becomes our typed, redacted error."""
    code = str(exc.code or "Unknown")
    return mapping.TABLE.build(str(exc.message or ""), code=code, vendor=mapping.VENDOR, operation=action,
                               request_id=str(exc.requestId or ""))
