"""Huawei Cloud API Gateway's AK/SK check: SDK-HMAC-SHA256 signatures, verified against the simulator's test keys.

The canonical request is the one huaweicloudsdkcore's `Signer` builds, byte for byte:
METHOD, the path with every segment percent-encoded (`~` kept) and a trailing `/`, the sorted
query pairs, the signed headers as `name:value` lines, the signed header names, and the body's
SHA-256 (or `X-Sdk-Content-Sha256` when the client sent it). The string to sign is
`SDK-HMAC-SHA256\\n<X-Sdk-Date>\\n<hex SHA-256 of the canonical request>`, signed with HMAC-SHA256
under the secret key. API Gateway refuses a missing, unknown or wrong signature, or an
`X-Sdk-Date` more than 15 minutes from its own time, with `APIGW.0301` and 401 (API Gateway
error-code table; "Common Errors Related to IAM Authentication Information" in the API Request
Signing Guide). The date is compared with the wall clock: the SDK stamps wall-clock time, not
the simulated clock.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import time
from calendar import timegm
from collections.abc import Mapping
from urllib.parse import quote, unquote

from ..core.accounts import TestAccount
from ..core.wire import SimError, SimRequest

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_SKEW_SECONDS = 15 * 60
EMPTY_HASH = hashlib.sha256(b"").hexdigest()
# The simulator's documented test keys (the same pair the providers use in profile `sim`).
ACCOUNTS = (TestAccount("0a0000000000000000000000000000001", "SIMULATORAK", "simulator-secret"),
            TestAccount("0a0000000000000000000000000000002", "SIMULATORAK2", "simulator-secret-2"))
TEST_KEYS: Mapping[str, str] = {a.key_id: a.secret for a in ACCOUNTS}
AUTHORIZATION = re.compile(rf"^{ALGORITHM} Access=(?P<ak>[^,]*), SignedHeaders=(?P<signed>[^,]*), "
                           r"Signature=(?P<signature>[0-9a-f]*)$")
FAILED = "APIGW.0301"


def refused(detail: str) -> SimError:
    """API Gateway's authentication failure (the message names the cause, never a key)."""
    return SimError(FAILED, f"Incorrect IAM authentication information: {detail}", 401, gateway=True)


def verify(request: SimRequest, keys: Mapping[str, str] = TEST_KEYS) -> str:
    """The access key that signed `request`, or the APIGW.0301 refusal."""
    header = request.header("authorization")
    if not header:
        if request.header("x-auth-token"):
            raise refused("decrypt token fail")
        raise refused("x-auth-token not found")
    found = AUTHORIZATION.match(header)
    if found is None:
        raise refused("verify aksk signature fail, the Authorization header is not SDK-HMAC-SHA256")
    ak = found["ak"]
    secret = keys.get(ak)
    if secret is None:
        raise refused(f"Get secretKey failed,ak:{_mask(ak)},err:ak not exist")
    stamp = request.header("x-sdk-date")
    try:
        signed_at = timegm(time.strptime(stamp, DATE_FORMAT))
    except ValueError:
        raise refused("verify aksk signature fail, X-Sdk-Date is missing or not yyyyMMddTHHmmssZ") from None
    if abs(time.time() - signed_at) > MAX_SKEW_SECONDS:
        raise refused("verify aksk signature fail, X-Sdk-Date is more than 15 minutes from the server time")
    names = found["signed"].split(";")
    if "x-sdk-date" not in names:
        raise refused("verify aksk signature fail, X-Sdk-Date is not a signed header")
    expected = signature(secret, stamp, canonical_request(request, names))
    if not hmac.compare_digest(expected, found["signature"]):
        raise refused("verify aksk signature fail")
    return ak


def signature(secret: str, stamp: str, canonical: str) -> str:
    to_sign = f"{ALGORITHM}\n{stamp}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


def canonical_request(request: SimRequest, signed: list[str]) -> str:
    """The SDK's canonical request rebuilt from what arrived on the wire (a repeated query key keeps its
    last value: no call the simulator serves repeats one)."""
    segments = [_encode(part) for part in unquote(request.path).split("/")]
    uri = "/".join(segments)
    if not uri.endswith("/"):
        uri += "/"
    query = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(request.query.items()))
    lines = "".join(f"{name}:{_header(request, name)}\n" for name in signed)
    if not request.body:
        payload = EMPTY_HASH
    else:
        payload = request.header("x-sdk-content-sha256") or hashlib.sha256(request.body).hexdigest()
    return "\n".join((request.method.upper(), uri, query, lines, ";".join(signed), payload))


def _header(request: SimRequest, name: str) -> str:
    """A header as the client signed it: HTTP carries its UTF-8 bytes, read here as Latin-1."""
    value = request.header(name).strip()
    try:
        return value.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _encode(text: str) -> str:
    return quote(text, safe="~")


def _mask(ak: str) -> str:
    return ak[:3] + "*" * max(0, len(ak) - 3)
