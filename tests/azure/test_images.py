"""CustomImage and ImageRegionSet on Azure through the real provider server and the simulator."""
from __future__ import annotations

from typing import Any

import pytest

from imageforge.providers.azure.compute import ComputeAdapter
from imageforge.providers.azure.copies import REGION_TAG
from imageforge.providers.core.model import CopyRequest, Started, Target
from imageforge.providers.resources.custom_image import CustomImageProvider
from imageforge.providers.resources.generalized_vm import GeneralizedVMProvider
from imageforge.providers.resources.image_region_set import ImageRegionSetProvider
from imageforge.simulator.azure.gallery_records import GalleryVersion
from imageforge.simulator.core.simulator import Simulator
from tests.engine import ProviderError, ProviderServer

from .conftest import GALLERY, RG, SUB, WESTEU, fresh_vm, wire_of

VENDOR = "azure"
PATCH = "GalleryImageVersions_Update"


@pytest.fixture
def server(azure_server: ProviderServer, quiet_sim: Simulator) -> ProviderServer:
    return azure_server


def image(vm_id: str, name: str, **options: Any) -> dict[str, Any]:
    return {"cloud": "azure", "region": WESTEU, "name": name, "source": {"instance": vm_id}, "tags": {"team": "web"},
            "description": "web tier", "owner": f"proj/sim/{name}", "options": options}


def generalized(server: ProviderServer, sim: Simulator) -> dict[str, Any]:
    _, vm_id = fresh_vm(sim)
    _, outs = server.up(GeneralizedVMProvider(), {"cloud": "azure", "region": WESTEU, "vm": vm_id,
                                                  "owner": f"proj/sim/{vm_id.rsplit('/', 1)[-1]}"})
    return dict(outs["source"])


def version_record(sim: Simulator, version: str) -> GalleryVersion:
    found = wire_of(sim).gallery.versions.get(f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/"
                                              f"galleries/{GALLERY}/images/linux-generalized/versions/{version}")
    assert found is not None
    return found


def test_managed_image_from_a_vm_not_generalized_is_refused_before_the_put(server: ProviderServer,
                                                                           quiet_sim: Simulator) -> None:
    _, vm_id = fresh_vm(quiet_sim)
    mark = quiet_sim.mark()
    with pytest.raises(ProviderError) as refused:
        server.up(CustomImageProvider(), image(vm_id, "img-live"))
    assert "not generalized" in refused.value.details and "Generalize it first" in refused.value.details
    assert quiet_sim.requests(VENDOR, "Images_CreateOrUpdate", since=mark) == []
    _, failures = server.check(CustomImageProvider(), {**image(vm_id, "img-live"),
                                                       "source": {"instance": vm_id, "os_state": "Specialized"}})
    assert [f for f, _ in failures] == ["options.target"] and "generalize" in failures[0][1]


def test_managed_image_carries_tags_and_description_and_a_rerun_adopts_it(server: ProviderServer,
                                                                          quiet_sim: Simulator) -> None:
    source = generalized(server, quiet_sim)
    inputs = {**image(source["instance"], "img-golden"), "source": source}
    checked, _ = server.check(CustomImageProvider(), inputs)
    image_id, outs = server.create(checked)
    assert image_id.endswith(f"/resourceGroups/{RG}/providers/Microsoft.Compute/images/img-golden")
    assert (outs["status"], outs["vendor_status"], outs["image_tags"]) == ("available", "Succeeded", {"team": "web"})
    put = quiet_sim.requests(VENDOR, "Images_CreateOrUpdate")[-1].params["body"]
    assert put["tags"] == {"team": "web", "imageforge-key": checked["key"], "imageforge-description": "web tier"}
    mark = quiet_sim.mark()
    again_id, again = server.create(checked)  # an `up` that died after the PUT: found by its tag, not made twice
    assert again_id == image_id and again["status"] == "available"
    assert quiet_sim.requests(VENDOR, "Images_CreateOrUpdate", since=mark) == []
    verdict, updated = server.change(CustomImageProvider(), image_id, outs,
                                     {**inputs, "tags": {"team": "data"}, "description": "web tier, patched"})
    assert verdict.kind == "update" and updated["image_tags"] == {"team": "data"}
    assert server.read(image_id, updated)[1]["description"] == "web tier, patched"
    with pytest.raises(ProviderError) as renamed:  # Azure fixes a managed image's name
        server.change(CustomImageProvider(), image_id, updated, {**inputs, "name": "img-renamed"})
    assert "--replace" in renamed.value.details


def test_an_image_of_that_name_made_by_another_resource_is_never_overwritten(server: ProviderServer,
                                                                             quiet_sim: Simulator) -> None:
    source = generalized(server, quiet_sim)
    server.up(CustomImageProvider(), {**image(source["instance"], "img-shared"), "source": source})
    mark = quiet_sim.mark()
    with pytest.raises(ProviderError) as taken:
        server.up(CustomImageProvider(), {**image(source["instance"], "img-shared"), "source": source,
                                          "owner": "proj/sim/another"})
    assert "already exists and was not made by this resource" in taken.value.details
    assert quiet_sim.requests(VENDOR, "Images_CreateOrUpdate", since=mark) == []


def publish(version_id: str, regions: list[Any], **extra: Any) -> dict[str, Any]:
    return {"cloud": "azure", "region": WESTEU, "image_id": version_id, "regions": regions, "owner": "proj/sim/publish",
            **extra}


def captured_version(server: ProviderServer, sim: Simulator, version: str) -> tuple[str, dict[str, Any]]:
    source = generalized(server, sim)
    return server.up(CustomImageProvider(), {**image(source["instance"], "golden"), "source": source, "options": {
        "resource_group": RG, "gallery": GALLERY, "gallery_image": "linux-generalized", "version": version}})


def test_gallery_regions_are_copied_changed_in_place_and_removed(server: ProviderServer, quiet_sim: Simulator) -> None:
    version_id, version = captured_version(server, quiet_sim, "1.0.0")
    assert version["status"] == "available" and version["image_tags"] == {"team": "web"}
    three = [{"region": WESTEU, "replicas": 1}, {"region": "eastus", "replicas": 2}, {"region": "japaneast"}]
    inputs = publish(version_id, three, name="golden")
    mark = quiet_sim.mark()
    set_id, outs = server.up(ImageRegionSetProvider(), inputs)
    assert {r: (v["status"], v["progress"]) for r, v in outs["images"].items()} == \
        {WESTEU: ("available", 100), "eastus": ("available", 100), "japaneast": ("available", 100)}
    patches = quiet_sim.requests(VENDOR, PATCH, since=mark)
    assert len(patches) == 1  # every region, and its owner tag, in one PATCH
    assert {t: v for t, v in patches[0].params["body"]["tags"].items() if t.startswith(REGION_TAG)} == \
        {f"{REGION_TAG}{r}": outs["key"] for r in (WESTEU, "eastus", "japaneast")}
    four: list[dict[str, Any]] = [{"region": WESTEU, "replicas": 1}, {"region": "eastus", "replicas": 3},
                                  {"region": "japaneast"}, {"region": "uksouth"}]
    mark = quiet_sim.mark()
    verdict, grown = server.change(ImageRegionSetProvider(), set_id, outs, {**inputs, "regions": four})
    assert verdict.kind == "update" and verdict.replaces == []
    assert set(grown["images"]) == {WESTEU, "eastus", "japaneast", "uksouth"}
    assert all(v["status"] == "available" for v in grown["images"].values())
    assert not quiet_sim.requests(VENDOR, "GalleryImageVersions_Delete", since=mark)
    assert not quiet_sim.requests(VENDOR, "GalleryImageVersions_CreateOrUpdate", since=mark)
    targets = quiet_sim.requests(VENDOR, PATCH, since=mark)[-1].params["body"]
    assert {t["name"]: t["regionalReplicaCount"] for t in targets["properties"]["publishingProfile"]["targetRegions"]} == \
        {WESTEU: 1, "eastus": 3, "japaneast": 1, "uksouth": 1}
    standard = {**grown, "regions": [four[0], {**four[1], "storage": "Standard_LRS"}, *four[2:]]}
    premium = [four[0], {**four[1], "storage": "Premium_LRS"}, *four[2:]]
    checked, _ = server.check(ImageRegionSetProvider(), {**inputs, "regions": premium}, olds=standard)
    assert server.diff(set_id, standard, checked).replaces == ["regions"]  # a replica's storage cannot change in place
    mark = quiet_sim.mark()
    with pytest.raises(ProviderError) as in_place:  # from the default storage: refused at the call, nothing changed
        server.update(set_id, grown, checked)
    assert "cannot change a replica's storage type in place" in in_place.value.details
    assert quiet_sim.requests(VENDOR, PATCH, since=mark) == []
    verdict, shrunk = server.change(ImageRegionSetProvider(), set_id, grown, {**inputs, "regions": four[1:3]})
    assert verdict.kind == "update" and set(shrunk["images"]) == {"eastus", "japaneast"}
    assert set(version_record(quiet_sim, "1.0.0").regions) == {WESTEU, "eastus", "japaneast"}  # own region kept
    server.delete(set_id, shrunk)
    assert server.read(set_id, shrunk)[0] == ""
    assert set(version_record(quiet_sim, "1.0.0").regions) == {WESTEU}
    assert not [t for t in version_record(quiet_sim, "1.0.0").tags if t.startswith(REGION_TAG)]
    server.delete(version_id, version)
    assert server.read(version_id, version)[0] == ""


def test_a_rerun_adopts_the_regions_an_interrupted_run_started(server: ProviderServer, quiet_sim: Simulator) -> None:
    version_id, _ = captured_version(server, quiet_sim, "1.1.0")
    checked, _ = server.check(ImageRegionSetProvider(), publish(version_id, ["eastus", "uksouth"]))
    adapter = ComputeAdapter(Target("azure", "compute", WESTEU, "sim"))
    earlier = adapter.start_copies(CopyRequest(version_id, WESTEU, tags={"imageforge-key": checked["key"]}), ["eastus"])
    assert isinstance(earlier["eastus"], Started)  # the earlier run's PATCH landed, then its process died
    mark = quiet_sim.mark()
    _, outs = server.create(checked)
    assert set(outs["images"]) == {"eastus", "uksouth"}
    added = [t["name"] for t in quiet_sim.requests(VENDOR, PATCH, since=mark)[0].params["body"]["properties"]
             ["publishingProfile"]["targetRegions"]]
    assert sorted(added) == ["eastus", "uksouth", WESTEU]  # eastus kept as it was, uksouth added once
    other = publish(version_id, ["eastus"], owner="proj/sim/another-set")
    with pytest.raises(ProviderError) as taken:
        server.up(ImageRegionSetProvider(), other)
    assert "belongs to another ImageRegionSet" in taken.value.details


def test_a_failed_region_is_named_and_no_region_of_the_operation_is_left(server: ProviderServer,
                                                                         quiet_sim: Simulator) -> None:
    version_id, _ = captured_version(server, quiet_sim, "1.2.0")
    quiet_sim.inject(VENDOR, PATCH, "fail", region="japaneast")
    with pytest.raises(ProviderError) as failed:
        server.up(ImageRegionSetProvider(), publish(version_id, ["eastus", "japaneast"]))
    assert "japaneast" in failed.value.details and "none is left behind" in failed.value.details
    record = version_record(quiet_sim, "1.2.0")
    assert set(record.regions) == {WESTEU} and not [t for t in record.tags if t.startswith(REGION_TAG)]


def test_copy_refusals_name_the_field(server: ProviderServer, quiet_sim: Simulator) -> None:
    managed = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/images/img"
    mark = quiet_sim.mark()
    _, failures = server.check(ImageRegionSetProvider(), publish(managed, ["eastus"]))
    assert [f for f, _ in failures] == ["image_id"] and "gallery" in failures[0][1]
    _, failures = server.check(ImageRegionSetProvider(), publish(managed.replace("images/img", f"galleries/{GALLERY}/"
                                                                                 "images/x/versions/1.0.0"),
                                                                 [{"region": "eastus", "storage": "Cold"}],
                                                                 encrypted=False))
    assert sorted(f for f, _ in failures) == ["encrypted", "regions[0].storage"]
    assert quiet_sim.requests(since=mark) == []
