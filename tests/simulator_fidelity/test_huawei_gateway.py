"""Huawei API Gateway in the simulator, judged by huaweicloudsdkcore: SDK-HMAC-SHA256 checks, APIGW and IMS envelopes."""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer
from huaweicloudsdkecs.v2 import EcsClient, ShowServerRequest
from huaweicloudsdkims.v2 import (CreateImageRequest, CreateImageRequestBody, ImsClient, ListImagesRequest,
                                  ListOsVersionsRequest, ShowJobProgressRequest)

from imageforge.simulator.core.simulator import Simulator
from imageforge.simulator.huawei.regions import server_id

AK, SK = "SIMULATORAK", "simulator-secret"
BJ4 = "cn-north-4"
LINUX = server_id(BJ4, "linux")


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    simulator = Simulator(tmp_path_factory.mktemp("huawei-gateway"), speed=0.0)
    simulator.start()
    yield simulator
    simulator.stop()


def project(sim: Simulator, region: str = BJ4) -> str:
    return str(sim.endpoints["huawei_projects"][region])


def ims(sim: Simulator, ak: str = AK, sk: str = SK) -> Any:
    creds = BasicCredentials(ak, sk, project(sim))
    return ImsClient.new_builder().with_credentials(creds).with_endpoints([sim.endpoints["http"]]).build()


def refusal(call: Any) -> ClientRequestException:
    with pytest.raises(ClientRequestException) as caught:
        call()
    return caught.value


def signed(sim: Simulator, method: str, path: str, query: list[tuple[str, Any]] | None = None, body: bytes = b"",
           sk: str = SK, date: datetime | None = None) -> SdkRequest:
    """A request signed by the SDK's own Signer, ready to be altered before it is sent."""
    host = sim.endpoints["http"].split("://", 1)[1]
    headers = {"Content-Type": "application/json", "X-Project-Id": project(sim)}
    if date is not None:
        headers["X-Sdk-Date"] = date.strftime("%Y%m%dT%H%M%SZ")
    request = SdkRequest(method=method, schema="http", host=host, resource_path=path, query_params=query or [],
                         header_params=headers, body=body)
    return Signer(BasicCredentials(AK, sk)).sign(request)


def send(sim: Simulator, request: SdkRequest, path: str = "", body: bytes | None = None) -> requests.Response:
    uri = path or request.uri
    return requests.request(request.method, sim.endpoints["http"] + uri, headers=request.header_params,
                            data=request.body if body is None else body, timeout=10)


def gateway_error(response: requests.Response) -> dict[str, Any]:
    """API Gateway's own envelope: error_code, error_msg, request_id (and the X-Request-Id header)."""
    body = response.json()
    assert set(body) == {"error_code", "error_msg", "request_id"}
    assert body["request_id"] == response.headers["X-Request-Id"]
    return dict(body)


# signatures through the SDK ------------------------------------------------------------------
def test_sdk_signed_calls_pass_with_the_documented_test_keys(sim: Simulator) -> None:
    """Query values with spaces, '+', '/', '~' and non-ASCII are canonicalised as the SDK signs them."""
    client = ims(sim)
    assert client.list_images(ListImagesRequest(imagetype="private")).images == []
    assert client.list_images(ListImagesRequest(imagetype="private", name="a b+c/d~é 镜像")).images == []
    ecs = EcsClient.new_builder().with_credentials(BasicCredentials(AK, SK, project(sim))).with_endpoints(
        [sim.endpoints["http"]]).build()
    assert ecs.show_server(ShowServerRequest(server_id=LINUX)).server.id == LINUX


def test_a_wrong_secret_key_is_apigw_0301_and_the_key_is_not_echoed(sim: Simulator) -> None:
    err = refusal(lambda: ims(sim, sk="not-the-secret").list_images(ListImagesRequest(imagetype="private")))
    assert (err.status_code, err.error_code) == (401, "APIGW.0301")
    assert err.error_msg.startswith("Incorrect IAM authentication information: verify aksk signature fail")
    assert err.request_id and "not-the-secret" not in err.error_msg and SK not in err.error_msg


def test_an_unknown_access_key_is_apigw_0301(sim: Simulator) -> None:
    err = refusal(lambda: ims(sim, ak="UNKNOWNAK12345").list_images(ListImagesRequest(imagetype="private")))
    assert (err.status_code, err.error_code) == (401, "APIGW.0301")
    assert "ak not exist" in err.error_msg and "UNKNOWNAK12345" not in err.error_msg


def test_a_signed_write_is_refused_before_it_takes_effect(sim: Simulator) -> None:
    mark = sim.mark()
    body = CreateImageRequestBody(name="never-made", instance_id=LINUX)
    err = refusal(lambda: ims(sim, sk="wrong").create_image(CreateImageRequest(body=body)))
    assert err.error_code == "APIGW.0301"
    assert not [i for i in ims(sim).list_images(ListImagesRequest(imagetype="private")).images if i.name == "never-made"]
    assert [r.error for r in sim.requests("huawei-ims", "CreateImage", since=mark)] == ["APIGW.0301"]


# signatures on the wire ------------------------------------------------------------------------
def test_the_sdk_signer_canonical_form_is_accepted_byte_for_byte(sim: Simulator) -> None:
    query = [("imagetype", "private"), ("name", "x y*z"), ("limit", 5)]
    response = send(sim, signed(sim, "GET", "/v2/cloudimages", query))
    assert response.status_code == 200 and response.json() == {"images": []}


def test_an_unsigned_request_is_apigw_0301(sim: Simulator) -> None:
    response = requests.get(sim.endpoints["http"] + "/v2/cloudimages?imagetype=private",
                            headers={"X-Project-Id": project(sim)}, timeout=10)
    assert response.status_code == 401
    assert gateway_error(response)["error_code"] == "APIGW.0301"


@pytest.mark.parametrize("change", ["query", "path", "body", "header"])
def test_a_request_changed_after_signing_is_apigw_0301(sim: Simulator, change: str) -> None:
    body = json.dumps({"name": "tampered", "instance_id": LINUX}).encode()
    request = signed(sim, "POST", "/v2/cloudimages/action", [("a", "1")], body)
    path, sent = "", body
    if change == "query":
        path = "/v2/cloudimages/action?a=2"
    elif change == "path":
        path = "/v2/cloudimages/action/?a=1"
    elif change == "body":
        sent = body.replace(b"tampered", b"tampere2")
    else:
        request.header_params["X-Project-Id"] = project(sim, "cn-east-3")
    response = send(sim, request, path, sent)
    assert response.status_code in (401, 404)
    assert gateway_error(response)["error_code"] in ("APIGW.0301", "APIGW.0101")
    if change != "path":  # a changed path may name no API at all
        assert response.status_code == 401


def test_a_stale_sdk_date_is_apigw_0301_and_a_recent_one_passes(sim: Simulator) -> None:
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    query = [("imagetype", "private")]
    stale = send(sim, signed(sim, "GET", "/v2/cloudimages", query, date=now - timedelta(minutes=20)))
    assert stale.status_code == 401 and "15 minutes" in gateway_error(stale)["error_msg"]
    recent = send(sim, signed(sim, "GET", "/v2/cloudimages", query, date=now - timedelta(minutes=5)))
    assert recent.status_code == 200


def test_a_token_instead_of_a_signature_is_apigw_0301(sim: Simulator) -> None:
    response = requests.get(sim.endpoints["http"] + "/v2/cloudimages",
                            headers={"X-Project-Id": project(sim), "X-Auth-Token": "MIIfake"}, timeout=10)
    assert response.status_code == 401 and "decrypt token fail" in gateway_error(response)["error_msg"]


# unknown APIs and envelopes ----------------------------------------------------------------
def test_an_api_the_simulator_does_not_serve_is_apigw_0101_through_the_sdk(sim: Simulator) -> None:
    err = refusal(lambda: ims(sim).list_os_versions(ListOsVersionsRequest()))
    assert (err.status_code, err.error_code) == (404, "APIGW.0101")
    assert err.error_msg.startswith("The API does not exist or has not been published in the environment")


def test_an_unknown_route_or_method_gets_the_gateway_envelope_not_the_simulators(sim: Simulator) -> None:
    for method, path in (("GET", "/v2/cloudimages/nothing/here"), ("PUT", "/v2/cloudimages")):
        response = send(sim, signed(sim, method, path))
        assert response.status_code == 404
        assert gateway_error(response)["error_code"] == "APIGW.0101"


def test_ims_refusals_use_the_ims_envelope(sim: Simulator) -> None:
    """IMS API reference, Error Codes: `{"error": {"message", "code"}}` with the IMG code."""
    response = send(sim, signed(sim, "GET", "/v1/cloudimages/job/" + "f" * 32))
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "IMG.0023", "message": "An exception occurred during task query."}}
    assert response.headers["X-Request-Id"]
    err = refusal(lambda: ims(sim).show_job_progress(ShowJobProgressRequest(job_id="f" * 32)))
    assert (err.status_code, err.error_code) == (400, "IMG.0023")
