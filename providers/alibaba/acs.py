"""Alibaba RPC calls through aliyun-python-sdk-core: one client per region, errors mapped once."""
from __future__ import annotations

import json
from typing import Any

from ..core import credentials
from .auth import CREDENTIALS
from ..core.endpoints import load_sim_endpoints
from ..core.errors import ErrorTable
from ..core.model import Target

VENDOR = "alibaba"
_CLIENTS: dict[tuple[str, str, str, str], Any] = {}  # never pickled: module-level, per process


def _client(region: str, target: Target) -> Any:
    from aliyunsdkcore.client import AcsClient

    creds = credentials.resolve(CREDENTIALS, simulated=target.simulated, choice=target.credentials)
    key = (region, creds.get("access_key_id"), creds.get("access_key_secret"), creds.get("security_token"))
    client = _CLIENTS.get(key)
    if client is None:
        if creds.get("security_token"):
            from aliyunsdkcore.auth.credentials import StsTokenCredential

            cred = StsTokenCredential(creds.get("access_key_id"), creds.get("access_key_secret"), creds.get("security_token"))
            client = AcsClient(region_id=region, credential=cred, auto_retry=False, max_retry_time=0, timeout=30)
        else:
            client = AcsClient(creds.get("access_key_id"), creds.get("access_key_secret"), region,
                               auto_retry=False, max_retry_time=0, timeout=30)
        _CLIENTS[key] = client
    return client


def call(target: Target, region: str, request: Any, operation: str, table: ErrorTable,
         vendor: str = "alibaba-ecs") -> dict[str, Any]:
    """Send one RPC request to `region`; return the parsed reply or raise the error the vendor's table names."""
    from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException

    if target.simulated:
        request.set_endpoint(load_sim_endpoints().http_host)
        request.set_protocol_type("http")
    request.set_accept_format("json")
    try:
        body = _client(region, target).do_action_with_exception(request)
    except ServerException as exc:
        raise table.build(exc.get_error_msg() or "", code=exc.get_error_code() or "", status=exc.get_http_status() or 0,
                          vendor=vendor, operation=operation, request_id=exc.get_request_id() or "") from exc
    except ClientException as exc:
        raise table.build(exc.get_error_msg() or "", code=exc.get_error_code() or "SDK.ClientError", vendor=vendor,
                          operation=operation) from exc
    return json.loads(body)
