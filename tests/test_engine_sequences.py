"""The engine's real call sequences through the provider server: replace, refresh, preview, ignore_changes, parallel steps."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime import rpc

from imageforge.providers import CustomImageProvider, ImageRegionSetProvider, ImportedImageProvider
from imageforge.simulator import Simulator
from tests.engine import ProviderError, ProviderServer
from tests.test_imported_image import raw_disk

VENDOR = "alibaba-ecs"


def image_inputs(**extra: Any) -> dict[str, Any]:
    return {"cloud": "alibaba", "region": "cn-hangzhou", "name": "golden-seq", "source": {"instance": "i-bp1imageforgelnx01"},
            "owner": "proj/sim/seq", **extra}


def test_replacement_checks_again_without_olds_and_deletes_the_old_image(server: ProviderServer, sim: Simulator) -> None:
    provider = CustomImageProvider()
    inputs = image_inputs()
    old_id, state = server.up(provider, inputs)
    verdict, new_id, outs = server.replace(provider, old_id, state, inputs,
                                           image_inputs(source={"snapshot": "s-bp1imageforgesys01"}))
    assert verdict.replaces == ["source"] and new_id != old_id and outs["status"] == "available"
    assert {i for _, _, i in sim.inventory()} >= {new_id} and old_id not in {i for _, _, i in sim.inventory()}


def test_an_imported_image_whose_file_is_gone_is_replaced_with_an_explicit_format(server: ProviderServer,
                                                                                  tmp_path: Path) -> None:
    disk = tmp_path / "disk.raw"
    raw_disk(disk)
    inputs = {"cloud": "alibaba", "region": "cn-hangzhou", "name": "web-imported", "file": str(disk),
              "object": {"bucket": "golden-images", "key": "web/disk.raw"}, "owner": "proj/sim/import"}
    provider = ImportedImageProvider()
    old_id, state = server.up(provider, inputs)
    disk.unlink()  # the README allows removing the file once imported
    changed = {**inputs, "os_type": "windows"}
    again, failures = server.check(provider, changed, olds={})  # the engine's second check: no olds
    assert [f for f, _ in failures] == ["file"] and "give format" in failures[0][1]
    verdict, new_id, outs = server.replace(provider, old_id, state, inputs, {**changed, "format": "raw"})
    assert verdict.replaces and outs["status"] == "available" and outs["inspection"]["checked"] is False


def test_refresh_stores_the_inputs_read_returns(server: ProviderServer, sim: Simulator) -> None:
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkecs.request.v20140526.ModifyImageAttributeRequest import ModifyImageAttributeRequest

    inputs = image_inputs()
    image_id, state = server.up(CustomImageProvider(), inputs)
    client = AcsClient("SIMULATORACCESSKEY", "simulator-secret", "cn-hangzhou")  # renamed outside Pulumi, raw SDK
    request = ModifyImageAttributeRequest()
    request.set_ImageId(image_id)
    request.set_ImageName("renamed-by-hand")
    request.set_endpoint(sim.endpoints["http"].removeprefix("http://"))
    request.set_protocol_type("http")
    client.do_action_with_exception(request)
    same_id, outputs, stored = server.refresh(image_id, state, inputs)
    assert same_id == image_id and outputs["name"] == "renamed-by-hand" and stored["name"] == "renamed-by-hand"
    checked, _ = server.check(CustomImageProvider(), inputs, olds=stored)
    assert server.diff(image_id, outputs, checked).kind == "update"  # the next up renames it back


def test_preview_with_an_unknown_upstream_id_shows_no_phantom_replacement(server: ProviderServer) -> None:
    image_id, _ = server.up(CustomImageProvider(), image_inputs())
    inputs = {"cloud": "alibaba", "region": "cn-hangzhou", "image_id": image_id, "regions": ["cn-shanghai"],
              "owner": "proj/sim/seq-regions"}
    set_id, state = server.up(ImageRegionSetProvider(), inputs)
    verdict = server.preview(ImageRegionSetProvider(), set_id, state, inputs, {**inputs, "image_id": rpc.UNKNOWN})
    assert verdict.kind != "replace", verdict


def test_ignore_changes_keeps_the_old_value_before_check(server: ProviderServer) -> None:
    inputs = image_inputs(tags={"team": "web"})
    image_id, state = server.up(CustomImageProvider(), inputs)
    verdict = server.preview(CustomImageProvider(), image_id, state, inputs, {**inputs, "tags": {"team": "ops"}},
                             ignore_changes=("tags",))
    assert verdict.kind == "none"


def test_more_parallel_steps_than_worker_threads_all_finish_once(server: ProviderServer, sim: Simulator) -> None:
    """The SDK's server runs four worker threads; the engine may send more steps at once."""
    before = sim.inventory()
    results: list[Any] = []
    errors: list[BaseException] = []

    def capture(n: int) -> None:
        try:
            results.append(server.up(CustomImageProvider(), image_inputs(name=f"golden-par-{n}",
                                                                         owner=f"proj/sim/par-{n}")))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=capture, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert not errors, errors
    assert len(results) == 6 and all(outs["status"] == "available" for _, outs in results)
    assert len(sim.inventory() - before) == 6


def test_an_import_read_carries_no_provider_so_the_program_refuses_import_first(server: ProviderServer) -> None:
    """The engine reads an import by id alone; the SDK's server then has no serialized provider to call
    (pulumi issue 16175). This is why the resources refuse `import_` in the program (tests/test_offline_runner.py);
    if this test starts failing, the SDK has changed and import can be supported."""
    with pytest.raises(ProviderError) as caught:
        server.import_read("m-bp1existing", urn="urn:pulumi:sim::imageforge::pulumi-python:dynamic/imageforge:CustomImage::x")
    assert "__provider" in caught.value.details
