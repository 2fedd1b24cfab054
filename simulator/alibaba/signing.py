"""Alibaba Cloud request signatures, recomputed from the request as the POP gateway does.

RPC style (ECS through aliyun-python-sdk-core): HMAC-SHA1 over `METHOD&%2F&<encoded sorted parameters>`
with the key `secret + "&"`, the parameters being the query and form ones except `Signature`.
ACS3-HMAC-SHA256 (EDS through the Tea SDK): `Authorization: ACS3-HMAC-SHA256 Credential=<id>,
SignedHeaders=<names>,Signature=<hex>` over a canonical request of method, path, sorted query,
the signed headers and the body's SHA-256 (which must also equal `x-acs-content-sha256`).

Requests are signed with the simulator's documented test keys (TEST_KEYS); any other key id is
unknown to it, so real keys are refused before anything they sign is read. Timestamps are compared
with the host's clock (the SDKs stamp requests with it; the simulated clock jumps while waiters
sleep) and a nonce may be used once.
"""
from __future__ import annotations

import base64
import calendar
import hashlib
import hmac
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from urllib.parse import quote

from ..core.accounts import KeyRing, SigningKey, TestAccount, expired
from ..core.store import Store
from ..core.wire import SimError, SimRequest

# The simulator's accounts and their documented test keys (the first is what providers/alibaba/auth.py sends
# when no credentials are named); role assumption (sts_wire.py) issues temporary keys into any of them.
ACCOUNTS = (TestAccount("1000000000000001", "SIMULATORACCESSKEY", "simulator-secret"),
            TestAccount("1000000000000002", "SIMULATORACCESSKEY2", "simulator-secret-2"))
TEST_KEYS: Mapping[str, str] = {a.key_id: a.secret for a in ACCOUNTS}
ACS3 = "ACS3-HMAC-SHA256"
RPC_METHOD = "HMAC-SHA1"
WINDOW_SECONDS = 15 * 60  # the gateway's allowed skew between Timestamp / x-acs-date and its clock
NONCES_KEPT = 50_000


def _encode(value: str) -> str:
    """RFC 3986 percent-encoding as the gateway specifies: only A-Z a-z 0-9 - _ . ~ stay as they are."""
    return quote(value, safe="~", encoding="utf-8")


def incomplete(why: str) -> SimError:
    return SimError("IncompleteSignature", f"The request signature does not conform to Aliyun standards. {why}", 400)


def unknown_key() -> SimError:
    return SimError("InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404)


def mismatch(string_to_sign: str) -> SimError:
    """The gateway's own message: aliyun-python-sdk-core compares the string after ':' with its own and, when
    they are equal, reports a wrong secret as InvalidAccessKeySecret."""
    return SimError("SignatureDoesNotMatch", "Specified signature is not matched with our calculation. "
                                             f"server string to sign is:{string_to_sign}", 400)


class Nonces:
    """Signature nonces seen recently (in memory: a restarted simulator forgets them, as a long gap would)."""

    def __init__(self, kept: int = NONCES_KEPT) -> None:
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._kept = kept
        self._lock = threading.Lock()

    def use(self, key_id: str, nonce: str) -> None:
        with self._lock:
            if (key_id, nonce) in self._seen:
                raise SimError("SignatureNonceUsed", "Specified signature nonce was used already.", 400)
            self._seen[(key_id, nonce)] = None
            while len(self._seen) > self._kept:
                self._seen.popitem(last=False)


def _check_time(stamp: str, now: float) -> None:
    """ISO 8601 UTC (`2026-01-05T10:00:00Z`) within the gateway's window of the host clock."""
    try:
        at = calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ"))
    except ValueError:
        raise SimError("InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.",
                       400) from None
    if abs(now - at) > WINDOW_SECONDS:
        raise SimError("InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.", 400)


def _secret(key_id: str, keys: Mapping[str, str]) -> str:
    secret = keys.get(key_id)
    if secret is None:
        raise unknown_key()
    return secret


# RPC -------------------------------------------------------------------------------
def rpc_string_to_sign(method: str, params: Mapping[str, str]) -> str:
    canonical = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(params.items()) if k != "Signature")
    return f"{method.upper()}&{_encode('/')}&{_encode(canonical)}"


def rpc_signature(method: str, params: Mapping[str, str], secret: str) -> str:
    digest = hmac.new(f"{secret}&".encode(), rpc_string_to_sign(method, params).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def verify_rpc(request: SimRequest, params: Mapping[str, str], nonces: Nonces,
               keys: Mapping[str, str] = TEST_KEYS, now: float | None = None) -> str:
    """Check an RPC request's signature; return the access key id that signed it."""
    if not params.get("Signature"):
        raise incomplete("The parameter Signature is missing.")
    for name in ("AccessKeyId", "SignatureMethod", "SignatureNonce", "Timestamp"):
        if not params.get(name):
            raise incomplete(f"The parameter {name} is missing.")
    if params["SignatureMethod"] != RPC_METHOD or params.get("SignatureVersion", "1.0") != "1.0":
        raise incomplete(f"SignatureMethod must be {RPC_METHOD} and SignatureVersion 1.0.")
    secret = _secret(params["AccessKeyId"], keys)
    _check_time(params["Timestamp"], time.time() if now is None else now)
    expected = rpc_signature(request.method, params, secret)
    if not hmac.compare_digest(expected, params["Signature"]):
        raise mismatch(rpc_string_to_sign(request.method, params))
    nonces.use(params["AccessKeyId"], params["SignatureNonce"])
    return params["AccessKeyId"]


# ACS3 ------------------------------------------------------------------------------
AUTHORIZATION = re.compile(r"^(?P<algorithm>\S+)\s+Credential=(?P<key>[^,\s]+),\s*SignedHeaders=(?P<headers>[^,\s]+),"
                           r"\s*Signature=(?P<signature>[0-9a-fA-F]+)$")


def acs3_canonical_request(request: SimRequest, signed: list[str], payload_hash: str) -> str:
    query = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(request.query.items()))
    headers = "".join(f"{name}:{request.header(name).strip()}\n" for name in signed)
    return "\n".join((request.method, request.path or "/", query, headers, ";".join(signed), payload_hash))


def acs3_string_to_sign(request: SimRequest, signed: list[str], payload_hash: str) -> str:
    canonical = acs3_canonical_request(request, signed, payload_hash)
    return f"{ACS3}\n{hashlib.sha256(canonical.encode()).hexdigest()}"


def verify_acs3(request: SimRequest, nonces: Nonces, keys: Mapping[str, str] = TEST_KEYS,
                now: float | None = None) -> str:
    """Check an ACS3-HMAC-SHA256 request; return the access key id that signed it."""
    auth = request.header("authorization")
    if not auth:
        raise incomplete("The Authorization header is missing.")
    match = AUTHORIZATION.match(auth.strip())
    if match is None:
        raise incomplete("The Authorization header must read "
                         f"'{ACS3} Credential=<AccessKeyId>,SignedHeaders=<headers>,Signature=<signature>'.")
    if match["algorithm"] != ACS3:
        raise incomplete(f"The signature algorithm {match['algorithm']!r} is not supported; use {ACS3}.")
    signed = match["headers"].split(";")
    if signed != sorted(set(signed)) or any(h != h.lower() for h in signed):
        raise incomplete("SignedHeaders must be lower-case header names, sorted, each once.")
    needed = {"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"}
    if not needed <= set(signed) or any(not request.header(h) for h in needed):
        raise incomplete("host and every x-acs-* common header must be sent and signed.")
    secret = _secret(match["key"], keys)
    _check_time(request.header("x-acs-date"), time.time() if now is None else now)
    payload_hash = hashlib.sha256(request.body).hexdigest()  # a body changed on the way fails the signature
    string_to_sign = acs3_string_to_sign(request, signed, payload_hash)
    expected = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()
    if request.header("x-acs-content-sha256").lower() != payload_hash or \
            not hmac.compare_digest(expected, match["signature"].lower()):
        raise mismatch(string_to_sign)
    nonces.use(match["key"], request.header("x-acs-signature-nonce"))
    return match["key"]


# who signed ----------------------------------------------------------------------------
def ring(store: Store) -> KeyRing:
    """The Alibaba accounts' keys, shared by ECS, EDS and STS (a temporary key works on every service)."""
    return KeyRing(store, "alibaba", ACCOUNTS)


def signer(keys: KeyRing, key_id: str, token: str) -> SigningKey:
    """The key that signed, with its security token checked as the gateway does (after the signature)."""
    key = keys.key(key_id)
    if key is None:
        raise unknown_key()
    if key.temporary:
        if not token:
            raise SimError("MissingSecurityToken", "SecurityToken is mandatory for this action.", 400)
        if not hmac.compare_digest(token, key.token):
            raise SimError("InvalidSecurityToken.MismatchWithAccessKey",
                           "Specified SecurityToken mismatch with the AccessKey.", 400)
        if expired(key):
            raise SimError("InvalidSecurityToken.Expired", "Specified SecurityToken is expired.", 400)
    elif token:
        raise SimError("InvalidSecurityToken.MismatchWithAccessKey",
                       "Specified SecurityToken mismatch with the AccessKey.", 400)
    return key
