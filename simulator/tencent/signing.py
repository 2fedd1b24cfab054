"""Tencent Cloud API 3.0 signature v3 (TC3-HMAC-SHA256), recomputed from the request as the API documents it.

`Authorization: TC3-HMAC-SHA256 Credential=<SecretId>/<date>/<service>/tc3_request, SignedHeaders=<names>,
Signature=<hex>`; the canonical request is method, path, query (GET only), the signed headers as
lower-case `name:value` lines, the signed names and the SHA-256 of the body; the signing key is
derived from "TC3" + SecretKey, the UTC date of X-TC-Timestamp, the service and "tc3_request".

Only the simulator's documented test key (TEST_KEYS) is known. X-TC-Timestamp must be within five
minutes of the host's clock: the SDK stamps requests with it, while the simulated clock jumps ahead
whenever a waiter sleeps.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Mapping
from urllib.parse import urlencode

from ..core.accounts import KeyRing, SigningKey, TestAccount, expired, uid_of
from ..core.store import Store, current_account
from ..core.wire import SimError, SimRequest
from .records import fail

# The simulator's accounts and their documented test keys (the first is what providers/tencent/auth.py sends
# when no credentials are named); AssumeRole issues temporary keys into any of them.
ACCOUNTS = (TestAccount("100000000001", "AKIDSIMULATOR", "simulator-secret"),
            TestAccount("100000000002", "AKIDSIMULATOR2", "simulator-secret-2"))
TEST_KEYS: Mapping[str, str] = {a.key_id: a.secret for a in ACCOUNTS}
ALGORITHM = "TC3-HMAC-SHA256"
WINDOW_SECONDS = 300
AUTHORIZATION = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<id>[^/\s]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[a-z0-9]+)/tc3_request,\s*"
    r"SignedHeaders=(?P<headers>[a-z0-9;-]+),\s*Signature=(?P<signature>[0-9a-f]{64})$")


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def canonical_request(request: SimRequest, signed: list[str]) -> str:
    query = urlencode(dict(request.query)) if request.method == "GET" else ""
    payload = b"" if request.method == "GET" else request.body
    if request.header("x-tc-content-sha256") == "UNSIGNED-PAYLOAD":
        payload = b"UNSIGNED-PAYLOAD"
    headers = "".join(f"{name}:{request.header(name).strip().lower()}\n" for name in signed)
    return "\n".join((request.method, request.path or "/", query, headers, ";".join(signed),
                      hashlib.sha256(payload).hexdigest()))


def string_to_sign(request: SimRequest, signed: list[str], date: str, service: str) -> str:
    digest = hashlib.sha256(canonical_request(request, signed).encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{request.header('x-tc-timestamp')}\n{date}/{service}/tc3_request\n{digest}"


def signature(secret_key: str, date: str, service: str, to_sign: str) -> str:
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode("utf-8"), date), service), "tc3_request")
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def verify(request: SimRequest, keys: Mapping[str, str] = TEST_KEYS, now: float | None = None) -> str:
    """Check a request's TC3 signature; return the SecretId that signed it (or raise the API's AuthFailure)."""
    auth = request.header("authorization").strip()
    if not auth:
        raise fail("AuthFailure.SignatureFailure", "The provided credentials could not be validated. "
                                                   "Please check your signature is correct.")
    match = AUTHORIZATION.match(auth)
    if match is None:
        raise fail("AuthFailure.InvalidAuthorization", "Authorization header must read `TC3-HMAC-SHA256 "
                   "Credential=<SecretId>/<date>/<service>/tc3_request, SignedHeaders=<headers>, Signature=<hex>`.")
    signed = match["headers"].split(";")
    if not {"content-type", "host"} <= set(signed) or signed != sorted(set(signed)):
        raise fail("AuthFailure.InvalidAuthorization", "SignedHeaders must list content-type and host, sorted.")
    stamp = request.header("x-tc-timestamp")
    if not stamp.isdigit():
        raise fail("MissingParameter", "The request is missing a required parameter `X-TC-Timestamp`.")
    if abs((time.time() if now is None else now) - int(stamp)) > WINDOW_SECONDS:
        raise fail("AuthFailure.SignatureExpire", "Signature expire. Timestamp and server time differ by more "
                                                  "than five minutes.")
    secret = keys.get(match["id"])
    if secret is None:
        raise fail("AuthFailure.SecretIdNotFound", "The SecretId is not found, please ensure that your SecretId is "
                                                   "correct.")
    if match["date"] != time.strftime("%Y-%m-%d", time.gmtime(int(stamp))):
        raise _mismatch()
    expected = signature(secret, match["date"], match["service"], string_to_sign(request, signed, match["date"],
                                                                                 match["service"]))
    if not hmac.compare_digest(expected, match["signature"]):
        raise _mismatch()
    return match["id"]


def _mismatch() -> SimError:
    return fail("AuthFailure.SignatureFailure", "The provided credentials could not be validated. "
                                                "Please check your signature is correct.")


# who signed ----------------------------------------------------------------------------
def ring(store: Store) -> KeyRing:
    return KeyRing(store, "tencent", ACCOUNTS)


def current_uin() -> str:
    """The uin of the account the request being handled signed as."""
    return uid_of(ACCOUNTS, current_account())


def signer(keys: KeyRing, secret_id: str, token: str) -> SigningKey:
    """The key that signed, its X-TC-Token checked: a temporary key needs its own token, in time."""
    key = keys.get_key(secret_id)
    if key.temporary and (not hmac.compare_digest(token, key.token) or expired(key)):
        raise fail("AuthFailure.TokenFailure", "Token verification failed: the token is missing, does not belong to "
                                               "the SecretId, or has expired.")
    if not key.temporary and token:
        raise fail("AuthFailure.TokenFailure", "Token verification failed: a long-term SecretId takes no token.")
    return key
