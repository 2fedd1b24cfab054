"""Alibaba ECS (RPC, HMAC-SHA1) and EDS (ACS3-HMAC-SHA256) signatures and envelopes, through the real SDKs."""
from __future__ import annotations

import http.client
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.auth.composer import rpc_signature_composer
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest
from aliyunsdkecs.request.v20140526.DescribeImagesRequest import DescribeImagesRequest

from imageforge.simulator import Simulator
from imageforge.simulator.alibaba.signing import TEST_KEYS

KEY_ID, SECRET = next(iter(TEST_KEYS.items()))
HZ = "cn-hangzhou"


def host(sim: Simulator) -> str:
    return sim.endpoints["http"].split("://", 1)[1]


def ecs(sim: Simulator, request: Any, key_id: str = KEY_ID, secret: str = SECRET) -> dict[str, Any]:
    request.set_endpoint(host(sim))
    request.set_protocol_type("http")
    return json.loads(AcsClient(key_id, secret, HZ, auto_retry=False).do_action_with_exception(request))


def ecs_refused(sim: Simulator, request: Any, **keys: str) -> ServerException:
    with pytest.raises(ServerException) as caught:
        ecs(sim, request, **keys)
    return caught.value


def raw(sim: Simulator, method: str, target: str, headers: dict[str, str] | None = None,
        body: bytes = b"") -> tuple[int, dict[str, Any]]:
    address, port = host(sim).split(":")
    conn = http.client.HTTPConnection(address, int(port), timeout=10)
    conn.request(method, target, body, headers or {})
    reply = conn.getresponse()
    data = json.loads(reply.read())
    conn.close()
    return reply.status, data


def signed_url(params: dict[str, str], key_id: str = KEY_ID, secret: str = SECRET) -> str:
    """A request URL signed by aliyun-python-sdk-core's own RPC signer (not the simulator's code)."""
    url, _ = rpc_signature_composer.get_signed_url(dict(params), key_id, secret, "JSON", "POST", {})
    return url


ECS_CALL = {"Action": "DescribeImages", "Version": "2014-05-26", "RegionId": HZ}


# ECS: the SDK's signature is recomputed byte for byte ----------------------------------------
def test_the_sdk_signed_request_is_accepted_with_every_character_the_encoding_touches(sim: Simulator) -> None:
    request = DescribeImagesRequest()
    request.set_ImageName("a name+with*odd~chars/é&=")
    request.set_Tags([{"Key": "k 1", "Value": "v+2%"}])
    assert ecs(sim, request)["TotalCount"] == 0


def test_a_wrong_secret_is_reported_by_the_sdk_as_invalid_access_key_secret(sim: Simulator) -> None:
    """The gateway's message carries its string to sign; the SDK compares it with its own and, equal,
    names the wrong secret: so this also proves the canonical string matches the SDK's exactly."""
    err = ecs_refused(sim, DescribeImagesRequest(), secret="not-the-secret")
    assert (err.get_error_code(), err.get_http_status()) == ("InvalidAccessKeySecret", 400)


def test_an_unknown_access_key_is_not_found(sim: Simulator) -> None:
    err = ecs_refused(sim, DescribeImagesRequest(), key_id="LTAIunknownkey", secret=SECRET)
    assert (err.get_error_code(), err.get_http_status()) == ("InvalidAccessKeyId.NotFound", 404)


def test_an_unsigned_request_gets_incomplete_signature_in_the_ecs_envelope(sim: Simulator) -> None:
    status, body = raw(sim, "POST", "/?Action=DescribeImages&Version=2014-05-26&RegionId=cn-hangzhou")
    assert status == 400 and body["Code"] == "IncompleteSignature"
    assert set(body) == {"RequestId", "HostId", "Code", "Message", "Recommend"}


def test_a_parameter_changed_after_signing_does_not_match(sim: Simulator) -> None:
    url = signed_url(ECS_CALL).replace("RegionId=cn-hangzhou", "RegionId=cn-shanghai")
    status, body = raw(sim, "POST", url)
    assert (status, body["Code"]) == (400, "SignatureDoesNotMatch")
    assert "server string to sign is:POST&%2F&" in body["Message"]


def test_a_replayed_nonce_is_refused(sim: Simulator) -> None:
    url = signed_url(ECS_CALL)
    assert raw(sim, "POST", url)[0] == 200
    status, body = raw(sim, "POST", url)
    assert (status, body["Code"]) == (400, "SignatureNonceUsed")


def test_a_timestamp_beyond_fifteen_minutes_is_expired(sim: Simulator) -> None:
    stale = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 20 * 60))
    status, body = raw(sim, "POST", _resign_with(ECS_CALL, stale))
    assert (status, body["Code"]) == (400, "InvalidTimeStamp.Expired")


def _resign_with(params: dict[str, str], stamp: str) -> str:
    """The SDK signer always stamps now; sign with a chosen Timestamp using its helper module patched."""
    from aliyunsdkcore.utils import parameter_helper

    original = parameter_helper.get_iso_8061_date
    parameter_helper.get_iso_8061_date = lambda: stamp  # type: ignore[assignment]
    try:
        return signed_url(params)
    finally:
        parameter_helper.get_iso_8061_date = original  # type: ignore[assignment]


def test_an_unknown_version_is_answered_by_ecs_in_its_envelope(sim: Simulator) -> None:
    request = CommonRequest(domain=host(sim), version="2099-01-01", action_name="DescribeImages")
    request.set_protocol_type("http")
    request.add_query_param("RegionId", HZ)
    err = ecs_refused(sim, request)
    assert (err.get_error_code(), err.get_http_status()) == ("InvalidVersion", 400)


def test_an_unknown_action_is_answered_by_ecs_in_its_envelope(sim: Simulator) -> None:
    request = CommonRequest(domain=host(sim), version="2014-05-26", action_name="DescribeNothing")
    request.set_protocol_type("http")
    request.add_query_param("RegionId", HZ)
    err = ecs_refused(sim, request)
    assert (err.get_error_code(), err.get_http_status()) == ("InvalidAction.NotFound", 404)


def test_refused_requests_change_nothing_and_are_logged_with_their_code(sim: Simulator) -> None:
    from aliyunsdkecs.request.v20140526.CreateImageRequest import CreateImageRequest

    mark = sim.mark()
    request = CreateImageRequest()
    request.set_InstanceId("i-bp1imageforgelnx01")
    request.set_ImageName("never-made")
    ecs_refused(sim, request, secret="wrong")
    assert not [i for i in sim.inventory() if i[0] == "alibaba-ecs"]
    assert [(r.action, r.error) for r in sim.requests("alibaba-ecs", since=mark)] == \
        [("CreateImage", "SignatureDoesNotMatch")]


# EDS: ACS3-HMAC-SHA256 -------------------------------------------------------------------
Ecd = Callable[..., Any]


@pytest.fixture
def ecd(sim: Simulator) -> Ecd:
    from alibabacloud_ecd20200930.client import Client
    from alibabacloud_tea_openapi.utils_models import Config

    def make(key_id: str = KEY_ID, secret: str = SECRET) -> Any:
        return Client(Config(access_key_id=key_id, access_key_secret=secret, region_id=HZ, endpoint=host(sim),
                             protocol="http", read_timeout=5000, connect_timeout=2000))

    return make


def ecd_refused(call: Callable[[], Any]) -> Any:
    from alibabacloud_tea_openapi.exceptions import ClientException

    with pytest.raises(ClientException) as caught:
        call()
    return caught.value


def test_eds_accepts_the_tea_sdk_signature_with_odd_characters(ecd: Ecd) -> None:
    from alibabacloud_ecd20200930 import models as m

    reply = ecd().describe_images(m.DescribeImagesRequest(region_id=HZ, image_name="x y+z/é*~&=", max_results=5))
    assert reply.body.images == []


def test_eds_wrong_secret_and_unknown_key_get_the_pop_codes(ecd: Ecd) -> None:
    from alibabacloud_ecd20200930 import models as m

    wrong = ecd_refused(lambda: ecd(secret="wrong").describe_images(m.DescribeImagesRequest(region_id=HZ)))
    assert (wrong.code, wrong.status_code) == ("SignatureDoesNotMatch", 400)
    unknown = ecd_refused(lambda: ecd(key_id="LTAIunknown").describe_images(m.DescribeImagesRequest(region_id=HZ)))
    assert (unknown.code, unknown.status_code) == ("InvalidAccessKeyId.NotFound", 404)


def test_eds_unsigned_and_malformed_authorization_are_incomplete(sim: Simulator) -> None:
    headers = {"x-acs-action": "DescribeImages", "x-acs-version": "2020-09-30"}
    status, body = raw(sim, "POST", "/?RegionId=cn-hangzhou", headers)
    assert (status, body["Code"], body["HostId"]) == (400, "IncompleteSignature", "ecd.aliyuncs.com")
    status, body = raw(sim, "POST", "/?RegionId=cn-hangzhou", {**headers, "Authorization": "ACS3-HMAC-SHA256 junk"})
    assert (status, body["Code"]) == (400, "IncompleteSignature")


def test_eds_unknown_version_and_action_in_the_pop_envelope(ecd: Ecd) -> None:
    from alibabacloud_tea_openapi import utils_models as om
    from darabonba.runtime import RuntimeOptions

    def call(action: str, version: str) -> Any:
        params = om.Params(action=action, version=version, protocol="HTTP", pathname="/", method="POST",
                           auth_type="AK", style="RPC", req_body_type="formData", body_type="json")
        return ecd().call_api(params, om.OpenApiRequest(query={"RegionId": HZ}), RuntimeOptions())

    version = ecd_refused(lambda: call("DescribeImages", "2099-01-01"))
    assert (version.code, version.status_code) == ("InvalidVersion", 400)
    action = ecd_refused(lambda: call("DescribeNothing", "2020-09-30"))
    assert (action.code, action.status_code) == ("InvalidAction.NotFound", 404)


def test_eds_accepts_an_rpc_signed_call_from_the_core_sdk(sim: Simulator) -> None:
    request = CommonRequest(domain=host(sim), version="2020-09-30", action_name="DescribeImages")
    request.set_protocol_type("http")
    request.add_query_param("RegionId", HZ)
    assert ecs(sim, request)["Images"]  # the seeded system image
    err = ecs_refused(sim, request, secret="wrong")  # CommonRequest keeps no string to sign: the code stays as sent
    assert (err.get_error_code(), err.get_http_status()) == ("SignatureDoesNotMatch", 400)
