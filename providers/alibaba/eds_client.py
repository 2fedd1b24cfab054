"""ecd 2020-09-30 clients (Tea SDK), one per region and credential, with errors mapped once."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..core import credentials
from .auth import CREDENTIALS
from ..core.endpoints import load_sim_endpoints
from ..core.model import Target
from . import eds_mapping as mapping

T = TypeVar("T")
VENDOR = "alibaba"
READ_TIMEOUT_MS = 30_000
CONNECT_TIMEOUT_MS = 10_000
_CLIENTS: dict[tuple[str, ...], Any] = {}  # never pickled: module-level, per process


def client(target: Target, region: str) -> Any:
    """A Tea client for `region`: the simulator's host for profile `sim`, else ecd.<region>.aliyuncs.com."""
    from alibabacloud_ecd20200930.client import Client
    from alibabacloud_tea_openapi.utils_models import Config

    creds = credentials.resolve(CREDENTIALS, simulated=target.simulated, choice=target.credentials)
    endpoint = load_sim_endpoints().http_host if target.simulated else ""
    key = (region, endpoint, creds.get("access_key_id"), creds.get("access_key_secret"), creds.get("security_token"))
    found = _CLIENTS.get(key)
    if found is None:
        config = Config(
            access_key_id=creds.get("access_key_id"), access_key_secret=creds.get("access_key_secret"),
            security_token=creds.get("security_token") or None, region_id=region,
            endpoint=endpoint or None, protocol="http" if endpoint else None,
            read_timeout=READ_TIMEOUT_MS, connect_timeout=CONNECT_TIMEOUT_MS,
        )  # no retry_options: the Tea SDK then makes exactly one attempt and our Waiter retries
        found = _CLIENTS[key] = Client(config)
    return found


def call(target: Target, region: str, operation: str, fn: Callable[[Any], T]) -> T:
    """Run `fn(client)` once; raise the error the EDS table names, with the vendor code and request id."""
    from alibabacloud_tea_openapi.exceptions import AlibabaCloudException, ThrottlingException
    from Tea.exceptions import TeaException

    try:
        return fn(client(target, region))
    except AlibabaCloudException as exc:
        request_id = "" if exc.request_id in (None, "None") else str(exc.request_id)
        wait = getattr(exc, "retry_after", None)
        raise mapping.TABLE.build(_message(exc), code=str(exc.code or ""), status=int(exc.status_code or 0),
                                  throttled=isinstance(exc, ThrottlingException), vendor=mapping.VENDOR,
                                  operation=operation, request_id=request_id,
                                  retry_after=float(wait) / 1000 if wait else None) from exc
    except (TeaException, OSError) as exc:  # connection refused, timeouts, unreadable replies
        raise mapping.TABLE.build(f"{type(exc).__name__}: {exc}", code="SDK.ServerUnreachable", vendor=mapping.VENDOR,
                                  operation=operation) from exc


def _message(exc: Any) -> str:
    """The vendor's own message (the SDK wraps it as "code: 400, <message> request id: <id>")."""
    data = exc.data if isinstance(exc.data, dict) else {}
    return str(data.get("Message") or data.get("message") or exc.message or exc.code)
