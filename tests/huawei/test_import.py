"""ImportedImage on Huawei IMS: the rules, CreateImage from an OBS file through the provider server, the raw SDK."""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkims.v2 import CreateImageRequest, CreateImageRequestBody, ListImagesRequest, ShowJobRequest
from pulumi.runtime import rpc

from imageforge.providers import ImportedImageProvider
from imageforge.providers.core.model import ImportRequest
from imageforge.providers.huawei.importing import create_image_fields
from imageforge.providers.huawei.rules import RULES
from imageforge.simulator import Simulator
from imageforge.simulator.huawei.model import ImsModel
from imageforge.simulator.huawei.records import Image
from tests.engine import ProviderError, ProviderServer
from tests.test_imported_image import raw_disk

from .conftest import BJ4, VENDOR

OBJECT = {"bucket": "golden-images", "key": "web/disk.raw"}


def inputs(file: Path | None = None, **extra: Any) -> dict[str, Any]:
    base = {"cloud": "huawei", "region": BJ4, "name": "imported-web", "os_type": "linux", "object": dict(OBJECT),
            "owner": "proj/sim/imported"}
    if file is not None:
        base["file"] = str(file)
    return {**base, **extra}


def fields(failures: list[Any]) -> list[str]:
    return [f.field for f in failures]


def images(sim: Simulator) -> list[Image]:
    """The private images IMS lists in the region (a job that failed before naming one made none)."""
    return ImsModel(sim.ctx).images(BJ4, imagetype="private")


# rules ---------------------------------------------------------------------------------
def test_a_good_import_passes_and_unknowns_pass() -> None:
    assert RULES.validate_import(inputs(format="raw", disk_size_gb=60, boot_mode="BIOS", tags={"team": "web"})) == []
    assert RULES.validate_import(inputs(format="raw", os_type="windows",
                                        options={"os_version": "Windows Server 2019 Standard 64bit",
                                                 "quick_import": True, "is_config": True})) == []
    assert RULES.validate_import(inputs(format="raw", architecture="arm64", boot_mode="UEFI")) == []
    assert RULES.validate_import(inputs(object=rpc.UNKNOWN, options=rpc.UNKNOWN, disk_size_gb=rpc.UNKNOWN)) == []


@pytest.mark.parametrize("source, field, fragment", [
    ({"bucket": "obs://Golden", "key": "disk.raw"}, "object.bucket", "no 'obs://'"),
    ({"bucket": "golden..images", "key": "disk.raw"}, "object.bucket", "no '..'"),
    ({"bucket": "golden-images", "key": "/web/disk.raw"}, "object.key", "does not start with '/'"),
    ({"bucket": "golden-images", "key": "web/"}, "object.key", "names a folder"),
])
def test_object_is_an_obs_bucket_and_object_name(source: object, field: str, fragment: str) -> None:
    failures = RULES.validate_import(inputs(format="raw", object=source))
    assert fields(failures) == [field] and fragment in failures[0].reason
    assert "Standard storage class" in failures[0].reason


def test_disk_size_is_min_disk_of_at_most_1024_gb() -> None:
    failures = RULES.validate_import(inputs(format="raw", disk_size_gb=2048))
    assert fields(failures) == ["disk_size_gb"]
    assert "40-1024 GB" in failures[0].reason and "qemu-img resize --shrink" in failures[0].reason
    assert RULES.validate_import(inputs(format="raw", disk_size_gb=1)) == []  # raised to 40 by the adapter


def test_quick_import_takes_raw_only() -> None:
    failures = RULES.validate_import(inputs(format="qcow2", options={"quick_import": True}))
    assert fields(failures) == ["options.quick_import"]
    assert "RAW (with its bitmap file) or ZVHD2" in failures[0].reason
    assert "qemu-img convert -O raw" in failures[0].reason


@pytest.mark.parametrize("extra, field, fragment", [
    ({"os_type": "freebsd"}, "os_type", "'linux' or 'windows'"),
    ({"architecture": "mips"}, "architecture", "'x86' or 'arm'"),
    ({"boot_mode": "UEFI"}, "boot_mode", "BIOS boot, not UEFI"),
    ({"architecture": "arm", "boot_mode": "BIOS"}, "boot_mode", "boots arm images with UEFI"),
    ({"os_type": "windows", "options": {"os_version": "Ubuntu 22.04 server 64bit"}}, "options.os_version",
     "does not match"),
    ({"options": {"os_version": " "}}, "options.os_version", "ListOsVersions"),
    ({"options": {"project_ids": {BJ4: "nope"}}}, f"options.project_ids.{BJ4}", "32 lowercase hex"),
    ({"name": "bad/name"}, "name", "'/'"),
])
def test_each_rule_names_its_field_and_fix(extra: dict[str, Any], field: str, fragment: str) -> None:
    failures = RULES.validate_import(inputs(format="raw", **extra))
    assert fields(failures) == [field] and fragment in failures[0].reason


@pytest.mark.parametrize("extra, field, fragment", [
    ({"object": {"bucket": "golden-images"}}, "object.key", "required"),
    ({"object": "golden-images:web/disk.raw"}, "object", "{'bucket': 'golden-images', 'key': 'web/disk.qcow2'}"),
    ({"disk_size_gb": 0}, "disk_size_gb", "from 1 to 65536"),
    ({"platform": "Ubuntu"}, "platform", "options.os_version"),
    ({"options": {"quick_import": "yes"}}, "options.quick_import", "true or false"),
    ({"options": {"cmk_id": ""}}, "options.cmk_id", "must not be empty"),
    ({"options": {"project_ids": {"mars-1": "0" * 32}}}, "options.project_ids", "not IMS region ids"),
])
def test_the_declarations_refuse_shapes_and_inputs_ims_does_not_take(server: ProviderServer, sim: Simulator,
                                                                     extra: dict[str, Any], field: str,
                                                                     fragment: str) -> None:
    mark = sim.mark()
    _, failures = server.check(ImportedImageProvider(), inputs(format="raw", **extra))
    assert [f for f, _ in failures] == [field] and fragment in failures[0][1]
    assert sim.requests(since=mark) == []


def test_create_image_fields_map_the_request() -> None:
    request = ImportRequest(name="n", bucket="b-1", key="k.raw", format="raw", os_type="windows", boot_mode="BIOS",
                            disk_size_gb=3, architecture="x86_64", options={"quick_import": True, "cmk_id": "key-1"})
    body = create_image_fields(request)
    assert body["image_url"] == "b-1:k.raw" and body["min_disk"] == 40 and body["type"] == "ECS"
    assert body["os_version"] == "Windows Server 2022 Standard 64bit" and body["is_quick_import"] is True
    assert (body["architecture"], body["hw_firmware_type"], body["cmk_id"]) == ("x86", "bios", "key-1")
    plain = create_image_fields(ImportRequest(name="n", bucket="b-1", key="k", format="qcow2", disk_size_gb=300))
    assert plain["min_disk"] == 300 and plain["os_version"] == "Other Linux(64 bit)"
    assert plain["is_quick_import"] is None and plain["is_config"] is False and plain["architecture"] is None


# through the provider server -------------------------------------------------------------
def test_check_refuses_a_file_ims_would_refuse(server: ProviderServer, sim: Simulator, tmp_path: Path) -> None:
    mark = sim.mark()
    _, failures = server.check(ImportedImageProvider(), inputs(raw_disk(tmp_path / "bare.raw", partitioned=False)))
    assert [f for f, _ in failures] == ["file"]
    assert "huawei.system_disk" in failures[0][1] and "Fix:" in failures[0][1]
    _, failures = server.check(ImportedImageProvider(), inputs(raw_disk(tmp_path / "disk.raw"), disk_size_gb=2000))
    assert [f for f, _ in failures] == ["disk_size_gb"]
    assert sim.requests(since=mark) == []


def test_import_reaches_available_with_the_create_image_fields(server: ProviderServer, sim: Simulator,
                                                               tmp_path: Path) -> None:
    checked, failures = server.check(ImportedImageProvider(), inputs(raw_disk(tmp_path / "disk.raw"),
                                                                     tags={"team": "web"}))
    assert failures == [] and checked["format"] == "raw"
    image_id, outs = server.create(checked)
    assert outs["status"] == "available" and outs["image_id"] == image_id and outs["size_gb"] == 40
    assert outs["image_os_type"] == "linux" and outs["image_tags"]["team"] == "web"
    params = sim.requests(VENDOR, "CreateImage")[0].params
    assert params["image_url"] == "golden-images:web/disk.raw" and params["min_disk"] == 40
    assert params["os_version"] == "Other Linux(64 bit)" and params["type"] == "ECS" and params["is_config"] is False
    assert "instance_id" not in params and "is_quick_import" not in params
    assert {t["key"] for t in params["image_tags"]} == {"team", "imageforge-key"}
    record = sim.store.get(VENDOR, BJ4, "image", image_id)
    assert record is not None and record["root_origin"] == "file" and record["source"] == "file,golden-images:web/disk.raw"
    server.delete(image_id, outs)
    assert images(sim) == []


def test_windows_import_sends_its_os_version_and_disk(server: ProviderServer, sim: Simulator) -> None:
    image_id, outs = server.up(ImportedImageProvider(), inputs(
        format="raw", os_type="windows", disk_size_gb=60,
        options={"os_version": "Windows Server 2019 Standard 64bit", "quick_import": True}))
    assert outs["image_id"] == image_id and outs["size_gb"] == 60 and outs["image_os_type"] == "windows"
    params = sim.requests(VENDOR, "CreateImage")[0].params
    assert params["min_disk"] == 60 and params["is_quick_import"] is True
    assert params["os_version"] == "Windows Server 2019 Standard 64bit"


@pytest.mark.parametrize("after", [None, 5.0])
def test_failed_import_leaves_no_image(server: ProviderServer, sim: Simulator, tmp_path: Path,
                                       after: float | None) -> None:
    """Half-way the job has named a (killed) image the resource deletes; failing in INIT (5 s) it never made one."""
    sim.inject(VENDOR, "CreateImage", "fail", message="The OBS object is unreadable.",
               **({"params": {"after": after}} if after else {}))
    with pytest.raises(ProviderError) as caught:
        server.up(ImportedImageProvider(), inputs(raw_disk(tmp_path / "disk.raw")))
    [job] = sim.store.list(VENDOR, BJ4, "job")
    if after is None:
        assert job["image_id"] in caught.value.details and "killed" in caught.value.details
        assert "retry the import" in caught.value.details
    else:
        assert job["job_id"] in caught.value.details and "IMG.0014" in caught.value.details
        assert "The OBS object is unreadable." in caught.value.details and not job["image_id"]
    assert images(sim) == []


# the simulator judged by the raw SDK --------------------------------------------------------
def test_raw_sdk_registers_an_obs_file_as_a_job(sim: Simulator, clients: Any) -> None:
    ims = clients(BJ4)
    body = CreateImageRequestBody(name="from-file", image_url="golden-images:win/disk.vhd", min_disk=80, is_config=True,
                                  os_version="Windows Server 2019 Standard 64bit", type="ECS")
    job_id = ims.create_image(CreateImageRequest(body=body)).job_id
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        sim.advance(60)
        running = ims.show_job(ShowJobRequest(job_id=job_id))
        assert running.status == "RUNNING" and running.job_type == "createImageByFile" and running.entities.image_id
        sim.advance(1800)
        done = ims.show_job(ShowJobRequest(job_id=job_id))
    assert done.status == "SUCCESS" and done.entities.image_id == running.entities.image_id
    image = ims.list_images(ListImagesRequest(imagetype="private", id=done.entities.image_id)).images[0]
    assert (image.status, image.min_disk, image.os_type, image.platform) == ("active", 80, "Windows", "Windows")
    assert image.os_version == "Windows Server 2019 Standard 64bit" and image.root_origin == "file"
    assert image.hw_firmware_type == "bios"


@pytest.mark.parametrize("fields_, code, fragment", [
    ({"image_url": "golden-images", "min_disk": 40}, "IMG.0001", "image_url"),
    ({"image_url": "Golden_Images:disk.raw", "min_disk": 40}, "IMG.0001", "image_url"),
    ({"image_url": "golden-images:disk.raw", "min_disk": 20}, "IMG.0001", "min_disk"),
    ({"image_url": "golden-images:disk.raw", "min_disk": 40, "is_quick_import": True}, "IMG.0001", "os_version"),
    ({"image_url": "golden-images:disk.qcow2", "min_disk": 40, "is_quick_import": True, "os_version": "CentOS 7.9 64bit"},
     "IMG.0105", "RAW or ZVHD2"),
])
def test_raw_sdk_sees_ims_refuse_a_malformed_file_request(sim: Simulator, clients: Any, fields_: dict[str, Any],
                                                          code: str, fragment: str) -> None:
    ims = clients(BJ4)
    with pytest.raises(ClientRequestException) as info:
        ims.create_image(CreateImageRequest(body=CreateImageRequestBody(name="bad-file", **fields_)))
    assert info.value.status_code == 400 and info.value.error_code == code and fragment in info.value.error_msg
    assert images(sim) == []


def test_the_files_disk_size_becomes_min_disk(server: ProviderServer, sim: Simulator, tmp_path: Path) -> None:
    disk = raw_disk(tmp_path / "big.raw")
    with open(disk, "r+b") as f:
        f.truncate(100 * 1024 ** 3)  # a sparse 100 GiB disk with the same partition table
    checked, failures = server.check(ImportedImageProvider(), inputs(disk))
    assert failures == [] and checked["disk_size_gb"] == 100 and checked["boot_mode"] == "BIOS"
    server.create(checked)
    assert sim.requests(VENDOR, "CreateImage")[0].params["min_disk"] == 100


def test_an_arm_image_may_boot_through_uefi(server: ProviderServer, sim: Simulator, tmp_path: Path) -> None:
    from tests.tencent.helpers import windows_disk

    disk = windows_disk(tmp_path / "uefi.raw", gpt_uefi=True)  # an ESP and no BIOS boot path
    _, failures = server.check(ImportedImageProvider(), inputs(disk))
    assert [f for f, _ in failures] == ["file"] and "huawei.uefi" in failures[0][1]
    checked, failures = server.check(ImportedImageProvider(), inputs(disk, architecture="arm"))
    assert failures == [] and checked["boot_mode"] == "UEFI"
