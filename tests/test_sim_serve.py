"""`imageforge sim serve` as its own process: endpoints published, state kept across restarts."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526 import CreateImageRequest, DescribeImagesRequest


def serve(home: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-m", "imageforge.providers.cli.main", "sim", "serve", "--home", str(home),
                                "--speed", "0"], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    first = process.stdout.readline()
    assert "serving" in first, first
    return process


def stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0


def ecs_call(home: Path, request: object) -> dict[str, object]:
    endpoints = json.loads((home / "endpoints.json").read_text())
    request.set_endpoint(endpoints["http"].split("://")[1])  # type: ignore[attr-defined]
    request.set_protocol_type("http")  # type: ignore[attr-defined]
    return json.loads(AcsClient("SIMULATORACCESSKEY", "simulator-secret", "cn-hangzhou", auto_retry=False).do_action_with_exception(request))


def test_serve_publishes_endpoints_and_keeps_state(tmp_path: Path) -> None:
    home = tmp_path / "sim"
    process = serve(home)
    try:
        create = CreateImageRequest.CreateImageRequest()
        create.set_InstanceId("i-bp1imageforgelnx01")
        create.set_ImageName("golden-serve")
        image_id = ecs_call(home, create)["ImageId"]
        endpoints = json.loads((home / "endpoints.json").read_text())
        advance = urllib.request.Request(endpoints["http"] + "/_sim/advance", data=b'{"seconds": 900}', method="POST")
        urllib.request.urlopen(advance, timeout=10).read()
        assert Path(endpoints["ca_file"]).exists()
    finally:
        stop(process)
    assert not (home / "endpoints.json").exists()

    process = serve(home)
    try:
        describe = DescribeImagesRequest.DescribeImagesRequest()
        describe.set_ImageId(str(image_id))
        images = ecs_call(home, describe)["Images"]["Image"]  # type: ignore[index]
        assert [i["ImageId"] for i in images] == [image_id] and images[0]["Status"] == "Available"
    finally:
        stop(process)
