"""Microsoft Entra ID for the simulator: the client-credentials token endpoint azure-identity calls, and ARM's token check.

azure-identity (through MSAL) reads `/{tenant}/v2.0/.well-known/openid-configuration`, then posts
`grant_type=client_credentials` to its `token_endpoint`. The simulator knows one app, the
documented test keys (tenant `sim`, client `sim`, secret `sim`), and issues JWTs signed with a
key kept in its store, so only tokens it issued pass ARM. Refusals are the OAuth2 envelope
`{"error","error_description","error_codes",...}` with Entra's AADSTS codes. ARM answers a
missing or malformed header `AuthenticationFailed`, a token it cannot validate
`InvalidAuthenticationToken`, an expired one `ExpiredAuthenticationToken`, another audience
`InvalidAuthenticationTokenAudience` and another tenant `InvalidAuthenticationTokenTenant`, all
401 with a `WWW-Authenticate: Bearer` challenge. Expiry is judged on the wall clock, the clock
azure-identity refreshes by.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
import weakref
from typing import Any
from urllib.parse import parse_qsl

from ..core import ids
from ..core.context import SimContext
from ..core.wire import Call, SimError, SimRequest, SimResponse

VENDOR = "azure-entra"
TENANT, CLIENT_ID, CLIENT_SECRET = "sim", "sim", "sim"
LIFETIME_SECONDS = 3599
ARM_AUDIENCES = ("https://management.azure.com", "https://management.azure.com/",
                 "https://management.core.windows.net", "https://management.core.windows.net/")
ROUTE = re.compile(r"^/(?P<tenant>[^/]+)/(?:(?P<config>v2\.0/\.well-known/openid-configuration)|"
                   r"(?P<token>oauth2/v2\.0/token))$")
CHALLENGE = 'Bearer authorization_uri="https://login.microsoftonline.com/{tenant}", error="invalid_token", ' \
            'error_description="{reason}"'


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_KEYS: weakref.WeakKeyDictionary[Any, bytes] = weakref.WeakKeyDictionary()  # store -> key, read once per store


def signing_key(ctx: SimContext) -> bytes:
    """The store's own token key: made once, so a simulator restarted on the same home keeps its tokens valid."""
    cached = _KEYS.get(ctx.store)
    if cached is not None:
        return cached
    with ctx.store.transaction():
        key = ctx.store.meta_get("azure.token_key")
        if key is None:
            key = secrets.token_hex(32)
            ctx.store.meta_set("azure.token_key", key)
    _KEYS[ctx.store] = key.encode()
    return _KEYS[ctx.store]


def issue(ctx: SimContext, tenant: str, client_id: str, audience: str, now: float | None = None) -> str:
    """A compact JWT (HS256) with the claims ARM reads."""
    issued = int(time.time() if now is None else now)
    header = {"typ": "JWT", "alg": "HS256", "kid": "imageforge-simulator"}
    claims = {"aud": audience, "iss": f"https://sts.windows.net/{tenant}/", "iat": issued, "nbf": issued,
              "exp": issued + LIFETIME_SECONDS, "appid": client_id, "tid": tenant, "sub": client_id,
              "oid": ids.uuid_like(ctx.store, "azure.principal"), "ver": "1.0"}
    head = _b64(json.dumps(header, separators=(",", ":")).encode())
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    mac = hmac.new(signing_key(ctx), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(mac)}"


def _refused(code: str, message: str, reason: str) -> SimError:
    return SimError(code, message, 401, challenge=CHALLENGE.format(tenant=TENANT, reason=reason))


def check_bearer(ctx: SimContext, request: SimRequest) -> None:
    """ARM's authentication of one request: a bearer token this simulator issued, for ARM, in its tenant."""
    header = request.header("authorization")
    if not header:
        raise _refused("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.",
                       "The authentication failed because of missing 'Authorization' header.")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _refused("AuthenticationFailed", "Authentication failed. The 'Authorization' header is provided in an "
                       "invalid format.", "The authentication failed because of the 'Authorization' header format.")
    claims = _claims(ctx, token.strip())
    if claims is None:
        raise _refused("InvalidAuthenticationToken", "The access token is invalid.",
                       "The access token is invalid.")
    now = time.time()
    if float(claims.get("exp", 0)) < now:
        expired = time.strftime("%m/%d/%Y %H:%M:%S", time.gmtime(float(claims.get("exp", 0))))
        current = time.strftime("%m/%d/%Y %H:%M:%S", time.gmtime(now))
        raise _refused("ExpiredAuthenticationToken", f"The access token expiry UTC time '{expired}' is earlier than "
                       f"current UTC time '{current}'.", "The access token has expired.")
    if claims.get("aud") not in ARM_AUDIENCES:
        raise _refused("InvalidAuthenticationTokenAudience", "The access token has been obtained for wrong audience "
                       f"or resource '{claims.get('aud')}'. It should exactly match with one of the allowed audiences "
                       f"{', '.join(repr(a) for a in ARM_AUDIENCES)}.", "The access token audience is invalid.")
    if claims.get("tid") != TENANT:
        raise _refused("InvalidAuthenticationTokenTenant", "The access token is from the wrong issuer "
                       f"'{claims.get('iss')}'. It must match the tenant 'https://sts.windows.net/{TENANT}/' "
                       "associated with this subscription.", "The access token is from the wrong issuer.")


def _claims(ctx: SimContext, token: str) -> dict[str, Any] | None:
    """The token's claims if this simulator signed it, else None."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        mac = _unb64(parts[2])
        expected = hmac.new(signing_key(ctx), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(mac, expected):
            return None
        claims = json.loads(_unb64(parts[1]))
    except (ValueError, TypeError):
        return None
    return claims if isinstance(claims, dict) else None


class EntraWire:
    """The token endpoint; its own vendor, so ARM faults never touch token requests."""

    vendor = VENDOR
    throttle_code = "temporarily_unavailable"
    throttle_status = 429

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx

    def matches(self, request: SimRequest) -> bool:
        return ROUTE.match(request.path) is not None

    def identify(self, request: SimRequest) -> Call:
        found = ROUTE.match(request.path)
        tenant = found["tenant"] if found else ""
        action = "Token" if found and found["token"] else "OpenIdConfiguration"
        form = request.form() if action == "Token" else {}
        return Call(action, "", {"tenant": tenant, "client_id": form.get("client_id", ""),
                                 "scope": form.get("scope", "")})

    def handle(self, call: Call, request: SimRequest) -> SimResponse:
        tenant = str(call.params["tenant"])
        if tenant != TENANT:
            raise SimError("invalid_request", f"AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have "
                           "the correct tenant ID and are signing into the correct cloud.", 400, aadsts=90002)
        base = f"{'https' if request.tls else 'http'}://{request.header('host')}/{tenant}"
        if call.action == "OpenIdConfiguration":
            if request.method != "GET":
                raise SimError("invalid_request", "AADSTS900561: The endpoint only accepts GET requests.", 400,
                               aadsts=900561)
            return SimResponse.json(200, {
                "issuer": f"https://login.microsoftonline.com/{tenant}/v2.0",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize", "token_endpoint": f"{base}/oauth2/v2.0/token",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "tenant_region_scope": "EU", "jwks_uri": f"{base}/discovery/v2.0/keys"})
        return self._token(tenant, parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))

    def _token(self, tenant: str, pairs: list[tuple[str, str]]) -> SimResponse:
        form = dict(pairs)
        if form.get("grant_type") != "client_credentials":
            raise SimError("unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type "
                           f"'{form.get('grant_type', '')}' (the simulator serves client_credentials).", 400,
                           aadsts=70003)
        client = form.get("client_id", "")
        if client != CLIENT_ID:
            raise SimError("unauthorized_client", f"AADSTS700016: Application with identifier '{client}' was not "
                           f"found in the directory '{tenant}'.", 400, aadsts=700016)
        if not hmac.compare_digest(form.get("client_secret", ""), CLIENT_SECRET):
            raise SimError("invalid_client", "AADSTS7000215: Invalid client secret provided. Ensure the secret "
                           f"being sent in the request is the client secret value, not the client secret ID, for a "
                           f"secret added to app '{client}'.", 401, aadsts=7000215)
        scope = form.get("scope", "")
        if not scope.endswith("/.default") or " " in scope.strip():
            raise SimError("invalid_scope", f"AADSTS1002012: The provided value for scope {scope} is not valid. "
                           "Client credential flows must have a scope value with /.default suffixed to the resource "
                           "identifier (application ID URI).", 400, aadsts=1002012)
        audience = scope[: -len("/.default")]
        token = issue(self.ctx, tenant, client, audience)
        return SimResponse.json(200, {"token_type": "Bearer", "expires_in": LIFETIME_SECONDS,
                                      "ext_expires_in": LIFETIME_SECONDS, "access_token": token})

    def render_error(self, error: SimError, call: Call | None, request: SimRequest) -> SimResponse:
        """The OAuth2 error envelope Entra ID answers with."""
        trace = self.ctx.request_id().lower()
        body = {"error": error.code, "error_description": f"{error.message}\r\nTrace ID: {trace}",
                "error_codes": [int(error.extra.get("aadsts", 0))],
                "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()), "trace_id": trace,
                "correlation_id": ids.uuid_like(self.ctx.store, "azure.correlation")}
        return SimResponse.json(error.status, body)
