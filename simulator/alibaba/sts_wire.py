"""Alibaba Cloud STS 2015-04-01 on the wire: AssumeRole and GetCallerIdentity, RPC style.

AssumeRole issues a temporary key (`STS.` id, secret, SecurityToken) into the account the role ARN
names (`acs:ram::<account id>:role/<role name>`), if that is one of the simulator's accounts; every
role name in such an account exists and trusts every simulated account (the simulator has no RAM
policies). The key then signs ECS and EDS requests inside that account.
"""
from __future__ import annotations

import re
import time
from typing import Any

from ..core.context import SimContext
from ..core.wire import Call, SimError, SimRequest, SimResponse
from . import rpc, signing

VENDOR = "alibaba-sts"
VERSION = "2015-04-01"
ROLE_ARN = re.compile(r"^acs:ram::(?P<uid>\d+):role/(?P<role>[A-Za-z0-9.\-]{1,64})$", re.IGNORECASE)
SESSION_NAME = re.compile(r"^[A-Za-z0-9.@\-_]{2,64}$")
MIN_SECONDS, MAX_SECONDS = 900, 3600  # the role's default maximum session duration


class StsWire:
    vendor = VENDOR
    throttle_code = "Throttling.User"
    throttle_status = 400

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.nonces = signing.Nonces()
        self.keys = signing.ring(ctx.store)

    def endpoint_extras(self) -> dict[str, Any]:
        """The long-term keys the simulator knows: the providers send no other key to it."""
        return {"alibaba_test_keys": [a.key_id for a in signing.ACCOUNTS]}

    def matches(self, request: SimRequest) -> bool:
        return rpc.params(request).get("Version") == VERSION

    def identify(self, request: SimRequest) -> Call:
        p = rpc.params(request)
        return Call(p.get("Action", ""), p.get("RegionId", ""), p)

    def handle(self, call: Call, request: SimRequest) -> SimResponse:
        key_id = signing.verify_rpc(request, call.params, self.nonces, self.keys)
        key = signing.signer(self.keys, key_id, call.params.get("SecurityToken", ""))
        if call.action == "AssumeRole":
            return rpc.ok(self.ctx.request_id(), **self.assume_role(dict(call.params)))
        if call.action == "GetCallerIdentity":
            uid = self.keys.uid_of(key.account)
            arn = key.role or f"acs:ram::{uid}:root"
            return rpc.ok(self.ctx.request_id(), AccountId=uid, UserId=uid, Arn=arn,
                          IdentityType="AssumedRoleUser" if key.temporary else "Account")
        raise SimError("InvalidAction.NotFound", f"Specified api is not found, please check your url and method "
                                                 f"({call.action!r} is not implemented by the simulator).", 404)

    def render_error(self, error: SimError, call: Call | None, request: SimRequest) -> SimResponse:
        return rpc.error(error, self.ctx.request_id())

    def assume_role(self, p: dict[str, str]) -> dict[str, Any]:
        arn = p.get("RoleArn", "")
        if not arn:
            raise SimError("MissingRoleArn", "RoleArn is mandatory for this action.", 400)
        found = ROLE_ARN.match(arn)
        if found is None:
            raise SimError("InvalidParameter.RoleArn", "The parameter RoleArn is wrong.", 400)
        if not self.keys.knows_uid(found["uid"]):
            raise SimError("EntityNotExist.Role", f"The role not exists: {arn}.", 404)
        session = p.get("RoleSessionName", "")
        if not session:
            raise SimError("MissingRoleSessionName", "RoleSessionName is mandatory for this action.", 400)
        if SESSION_NAME.match(session) is None:
            raise SimError("InvalidParameter.RoleSessionName", "The parameter RoleSessionName is wrong.", 400)
        try:
            seconds = int(p.get("DurationSeconds") or MAX_SECONDS)
        except ValueError:
            seconds = -1
        if not MIN_SECONDS <= seconds <= MAX_SECONDS:
            raise SimError("InvalidParameter.DurationSeconds", f"The Min/Max value of DurationSeconds is "
                                                               f"{MIN_SECONDS}/{MAX_SECONDS} seconds.", 400)
        session_arn = f"acs:ram::{found['uid']}:assumed-role/{found['role']}/{session}"
        key = self.keys.issue(self.keys.account_name(found["uid"]), seconds, "STS.", role=session_arn)
        expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(key.expires))
        return {"AssumedRoleUser": {"Arn": session_arn, "AssumedRoleId": f"3{found['uid'][-8:]}:{session}"},
                "Credentials": {"AccessKeyId": key.key_id, "AccessKeySecret": key.secret,
                                "SecurityToken": key.token, "Expiration": expires}}
