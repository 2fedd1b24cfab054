"""CVM image families: the simulator judged by the real SDK, and monthly releases through the provider server."""
from __future__ import annotations

from typing import Any

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.cvm.v20170312 import models

from imageforge.providers.resources.image_family import ImageFamilyProvider
from imageforge.simulator import Simulator
from tests.engine import ProviderServer

from .helpers import request
from .test_sim_raw_sdk import ready_image

VENDOR = "tencent-cvm"
HOME, COPIES = "ap-guangzhou", ["ap-shanghai"]


def modify(client: Any, image_id: str, **values: Any) -> None:
    client.ModifyImageAttribute(request(models.ModifyImageAttributeRequest, ImageId=image_id, **values))


def latest(client: Any, family: str) -> str:
    image = client.DescribeImageFromFamily(request(models.DescribeImageFromFamilyRequest, ImageFamily=family)).Image
    return str(image.ImageId) if image is not None else ""


def test_family_and_deprecation_on_the_wire(cvm: Any, tc_sim: Simulator) -> None:
    client = cvm("ap-guangzhou")
    first = ready_image(tc_sim, client, ImageName="golden-web-2026-11", ImageFamily="golden-web")
    second = ready_image(tc_sim, client, ImageName="golden-web-2026-12")
    assert latest(client, "golden-web") == first
    modify(client, second, ImageFamily="golden-web")
    assert latest(client, "golden-web") == second
    modify(client, second, ImageDeprecated=True)
    assert latest(client, "golden-web") == first
    shown = client.DescribeImages(request(models.DescribeImagesRequest, ImageIds=[second])).ImageSet[0]
    assert shown.ImageDeprecated is True and shown.ImageState == "NORMAL" and shown.ImageFamily == "golden-web"
    modify(client, first, ImageDeprecated=True)
    assert latest(client, "golden-web") == ""  # Image is null when the family has no available image
    with pytest.raises(TencentCloudSDKException) as caught:
        modify(client, first, ImageFamily="golden web")
    assert caught.value.code == "InvalidParameterValue.InvalidImageFamily"


def release(server: ProviderServer, state: dict[str, Any] | None, version: str) -> dict[str, Any]:
    inputs = {"cloud": "tencent", "region": HOME, "family": "golden-web", "version": version,
              "source": {"instance": "ins-gzlnx001"}, "capture": {"force_poweroff": True}, "regions": COPIES,
              "keep": 2, "owner": "proj/sim/web"}
    if state is None:
        return server.up(ImageFamilyProvider(), inputs)[1]
    return server.change(ImageFamilyProvider(), state["key"], state, inputs)[1]


def test_three_releases_keep_two_and_roll_back(server: ProviderServer, sim: Simulator) -> None:
    state = release(server, None, "2026-10")
    state = release(server, state, "2026-11")
    oldest = dict(state["releases"]["2026-10"]["images"])
    mark = sim.mark()
    state = release(server, state, "2026-12")
    assert state["versions"] == {r: ["2026-11", "2026-12"] for r in (HOME, *COPIES)}
    calls = sim.requests(VENDOR, since=mark)
    for region, image_id in oldest.items():
        deprecated = [i for i, c in enumerate(calls) if c.action == "ModifyImageAttribute"
                      and c.params.get("ImageId") == image_id and c.params.get("ImageDeprecated") is True]
        deleted = [i for i, c in enumerate(calls) if c.action == "DeleteImages" and image_id in c.params.get("ImageIds", [])]
        assert deprecated and deleted and deprecated[0] < deleted[0], region
        assert sim.store.get(VENDOR, region, "image", image_id) is None
    assert state["family_latest"] == state["latest"]
    mark = sim.mark()
    state = release(server, state, "2026-11")
    assert [c.action for c in sim.requests(VENDOR, since=mark) if c.action in ("CreateImage", "SyncImages")] == []
    assert state["family_latest"] == state["latest"] == state["releases"]["2026-11"]["images"]
