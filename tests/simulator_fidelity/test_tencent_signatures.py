"""Tencent Cloud API 3.0 (TC3-HMAC-SHA256) signatures, envelopes and indexed checks, through tencentcloud-sdk-python."""
from __future__ import annotations

import http.client
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from tencentcloud.common import credential
from tencentcloud.common.common_client import CommonClient
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.cvm.v20170312 import cvm_client, models

from imageforge.simulator import Simulator
from imageforge.simulator.tencent.model import IMAGE_QUOTA, VENDOR
from imageforge.simulator.tencent.signing import TEST_KEYS
from imageforge.simulator.tencent.wire import PARAMETERS
from tests.tencent.helpers import tc3_headers

ROOT = Path(__file__).resolve().parents[2]
SECRET_ID, SECRET_KEY = next(iter(TEST_KEYS.items()))
GZ = "ap-guangzhou"
INSTANCE = "ins-gzlnx001"


def host(sim: Simulator) -> str:
    return sim.endpoints["http"].split("://", 1)[1]


def profile(sim: Simulator) -> ClientProfile:
    return ClientProfile(httpProfile=HttpProfile(endpoint=host(sim), protocol="http"))


def cvm(sim: Simulator, secret_id: str = SECRET_ID, secret_key: str = SECRET_KEY) -> Any:
    return cvm_client.CvmClient(credential.Credential(secret_id, secret_key), GZ, profile(sim))


def code_of(call: Any) -> str:
    with pytest.raises(TencentCloudSDKException) as caught:
        call()
    return str(caught.value.code)


def send(sim: Simulator, payload: str, headers: dict[str, str]) -> dict[str, Any]:
    address, port = host(sim).split(":")
    conn = http.client.HTTPConnection(address, int(port), timeout=10)
    conn.request("POST", "/", payload, headers)
    reply = conn.getresponse()
    assert reply.status == 200 and reply.getheader("Content-Type") == "application/json"
    data = json.loads(reply.read())
    conn.close()
    return dict(data["Response"])


# the SDK's signature ------------------------------------------------------------------------
def test_the_sdk_signed_request_is_accepted(sim: Simulator) -> None:
    request = models.DescribeImagesRequest()
    request.from_json_string(json.dumps({"Filters": [{"Name": "image-name", "Values": ["a b+c/é*~"]}]}))
    assert cvm(sim).DescribeImages(request).TotalCount == 0


def test_a_wrong_secret_and_an_unknown_secret_id_through_the_sdk(sim: Simulator) -> None:
    assert code_of(lambda: cvm(sim, secret_key="wrong").DescribeImages(models.DescribeImagesRequest())) == \
        "AuthFailure.SignatureFailure"
    assert code_of(lambda: cvm(sim, secret_id="AKIDunknown").DescribeImages(models.DescribeImagesRequest())) == \
        "AuthFailure.SecretIdNotFound"


def test_signature_refusals_are_http_200_envelopes(sim: Simulator) -> None:
    payload = json.dumps({"Limit": 1})
    good = tc3_headers(host(sim), "DescribeImages", payload)
    assert "Error" not in send(sim, payload, good)
    stale = tc3_headers(host(sim), "DescribeImages", payload, timestamp=int(time.time()) - 600)
    assert send(sim, payload, stale)["Error"]["Code"] == "AuthFailure.SignatureExpire"
    tampered = send(sim, json.dumps({"Limit": 2}), good)  # the body changed after signing
    assert tampered["Error"]["Code"] == "AuthFailure.SignatureFailure" and tampered["RequestId"]
    malformed = {**good, "Authorization": "TC3-HMAC-SHA256 Credential=AKIDSIMULATOR, Signature=00"}
    assert send(sim, payload, malformed)["Error"]["Code"] == "AuthFailure.InvalidAuthorization"
    wrong_date = dict(good, Authorization=re.sub(r"/\d{4}-\d{2}-\d{2}/", "/2001-01-01/", good["Authorization"]))
    assert send(sim, payload, wrong_date)["Error"]["Code"] == "AuthFailure.SignatureFailure"
    unsigned = {k: v for k, v in good.items() if k != "Authorization"}
    assert send(sim, payload, unsigned)["Error"]["Code"] == "AuthFailure.SignatureFailure"


def test_refused_requests_change_nothing(sim: Simulator) -> None:
    mark = sim.mark()
    request = models.CreateImageRequest()
    request.from_json_string(json.dumps({"ImageName": "never-made", "InstanceId": INSTANCE}))
    assert code_of(lambda: cvm(sim, secret_key="wrong").CreateImage(request)) == "AuthFailure.SignatureFailure"
    assert [(r.action, r.error) for r in sim.requests(VENDOR, since=mark)] == \
        [("CreateImage", "AuthFailure.SignatureFailure")]
    assert [r for r in sim.store.list(VENDOR, GZ, "image") if r.get("name") == "never-made"] == []


# envelopes for unknown actions and versions ---------------------------------------------------
def test_unknown_action_and_version_are_answered_in_the_tencent_envelope(sim: Simulator) -> None:
    def common(version: str) -> CommonClient:
        return CommonClient("cvm", version, credential.Credential(SECRET_ID, SECRET_KEY), GZ, profile(sim))

    assert code_of(lambda: common("2017-03-12").call_json("DescribeNothing", {})) == "InvalidAction"
    assert code_of(lambda: common("2099-01-01").call_json("DescribeImages", {})) == "NoSuchVersion"
    assert code_of(lambda: common("2018-08-13").call_json("DescribeImages", {})) == "InvalidAction"


def test_every_action_the_adapters_send_is_implemented() -> None:
    text = "".join(p.read_text() for p in (ROOT / "providers/tencent").glob("*.py"))
    sent = set(re.findall(r'_call\(\s*"(\w+)"', text)) | set(re.findall(r'_common\([^,]+,\s*"\w+",\s*"(\w+)"', text))
    assert {"CreateImage", "SyncImages", "DeleteImages", "DescribeImages"} <= sent
    assert sent <= set(PARAMETERS)


# name uniqueness and quota read through the store's indexes ---------------------------------
def _create(sim: Simulator, name: str) -> Any:
    request = models.CreateImageRequest()
    request.from_json_string(json.dumps({"ImageName": name, "InstanceId": INSTANCE}))
    return cvm(sim).CreateImage(request)


def test_names_stored_by_an_earlier_version_still_count_for_uniqueness(sim: Simulator) -> None:
    sim.store.put(VENDOR, GZ, "image", "img-old00001", {"ImageId": "img-old00001", "ImageName": "legacy",
                                                         "kind": "capture", "Platform": "TencentOS"})
    assert code_of(lambda: _create(sim, "legacy")) == "InvalidImageName.Duplicate"
    public = sim.store.list(VENDOR, GZ, "image")[0]  # a public image's name is not the account's
    assert _create(sim, str(public["name"])).ImageId.startswith("img-")


def test_the_custom_image_quota_counts_own_images_only(sim: Simulator) -> None:
    made = _create(sim, "quota-0").ImageId
    record = sim.store.get(VENDOR, GZ, "image", made)
    assert record is not None
    with sim.store.transaction():
        for n in range(1, IMAGE_QUOTA):
            image_id = f"img-q{n:07d}"
            sim.store.put(VENDOR, GZ, "image", image_id, {**record, "image_id": image_id, "name": f"quota-{n}",
                                                          "snapshots": []})
    sim.advance(3600)  # the instance is free again once its capture ended
    assert code_of(lambda: _create(sim, "one-too-many")) == "ImageQuotaLimitExceeded"
