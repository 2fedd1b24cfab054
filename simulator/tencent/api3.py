"""Tencent Cloud API 3.0 as every product speaks it: the envelope, the checks before any action, the account.

TC3-signed `POST /` with a JSON body and X-TC-* headers; answers in `{"Response": {...}}`, errors
included, with HTTP 200 (only an injected gateway failure keeps its 5xx) and a Content-Type of
exactly `application/json`: the SDK reads an error only then (with `; charset=utf-8` it would take
the error for a success). A product's wire (CVM, TAT) subclasses `Api3Wire` and keeps only its
actions; the request runs as the account whose key signed it, so one product sees the objects
another made for the same account.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..core.accounts import SigningKey
from ..core.context import SimContext
from ..core.wire import Call, SimError, SimRequest, SimResponse
from . import signing
from .model import VENDOR
from .records import fail

CONTENT_TYPE = "application/json"
MALFORMED = "__malformed_body__"
Handler = Callable[[str, dict[str, Any]], dict[str, Any]]


def credential_service(request: SimRequest) -> str:
    """The service the signature's credential scope names (`.../<service>/tc3_request`): what the host would say."""
    match = signing.AUTHORIZATION.match(request.header("authorization").strip())
    return match["service"] if match else ""


class Api3Wire:
    """The envelope and the checks every API 3.0 action goes through; subclasses declare their actions."""

    vendor = VENDOR
    throttle_code = "RequestLimitExceeded"
    throttle_status = 200
    actions: dict[str, Handler]
    parameters: Mapping[str, frozenset[str]]  # every parameter the SDK's request models can send, per action
    versions: Mapping[str, str]  # the API version of each action

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.keys = signing.ring(ctx.store)

    def seed(self) -> None:
        """What a new account starts with (the CVM wire seeds its catalog)."""

    def check_region(self, region: str) -> None:
        raise NotImplementedError

    def identify(self, request: SimRequest) -> Call:
        try:
            params = request.json() if request.body else {}
        except ValueError:
            params = None
        return Call(request.header("x-tc-action"), request.header("x-tc-region"),
                    params if isinstance(params, dict) else {MALFORMED: True})

    def handle(self, call: Call, request: SimRequest) -> SimResponse:
        key = signing.signer(self.keys, signing.verify(request, self.keys), request.header("x-tc-token"))
        with self.ctx.signed_in(VENDOR, key.account, self.seed):
            params = self.checked(call, request)
            payload = self.dispatch(call, params, key)
        return SimResponse.json(200, {"Response": {**payload, "RequestId": self.request_id()}}, CONTENT_TYPE)

    def checked(self, call: Call, request: SimRequest) -> dict[str, Any]:
        """The action's parameters once the action, version, body, parameter names and region are accepted."""
        version = request.header("x-tc-version")
        if call.action not in self.parameters:
            raise fail("InvalidAction", f"The action `{call.action}` is not found (not implemented by the simulator).")
        if version not in set(self.versions.values()):
            raise fail("NoSuchVersion", f"The API version `{version}` does not exist.")
        if version != self.versions[call.action]:
            raise fail("InvalidAction", f"The action `{call.action}` does not exist in version `{version}`.")
        params = dict(call.params)
        if params.pop(MALFORMED, False):
            raise fail("InvalidParameter", "The request body is not a JSON object.")
        unknown = sorted(set(params) - self.parameters[call.action])
        if unknown:
            raise fail("UnknownParameter", f"The parameter `{unknown[0]}` is not recognized.")
        if not call.region:
            raise fail("MissingParameter", "The request is missing a required parameter `Region`.")
        self.check_region(call.region)
        return params

    def dispatch(self, call: Call, params: dict[str, Any], key: SigningKey) -> dict[str, Any]:
        return self.actions[call.action](call.region, params)

    def render_error(self, error: SimError, call: Call | None, request: SimRequest) -> SimResponse:
        status = error.status if error.status >= 500 else 200
        body = {"Response": {"Error": {"Code": error.code, "Message": error.message}, "RequestId": self.request_id()}}
        return SimResponse.json(status, body, CONTENT_TYPE)

    def request_id(self) -> str:
        return self.ctx.request_id().lower()
