"""ImportedImage on Azure: a managed image whose OS disk is a fixed-VHD page blob, checked before any call."""
from __future__ import annotations

import struct
import uuid
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError
from imageforge.providers import ImportedImageProvider
from imageforge.providers.azure.rules import RULES
from imageforge.simulator.core.simulator import Simulator
from pulumi.runtime import rpc

from tests.engine import ProviderError, ProviderServer

from .conftest import RG, SUB, WESTEU, code_of, message_of, wire_of

VENDOR = "azure"
PUT = "Images_CreateOrUpdate"
MiB = 1 << 20


@pytest.fixture
def server(azure_server: ProviderServer, quiet_sim: Simulator) -> ProviderServer:
    return azure_server


def disk(path: Path, uefi: bool = False, size: int = 64 * MiB, footer: bool = True) -> Path:
    """An MBR disk (an active Linux partition, or an EFI System Partition and no BIOS boot path) as a fixed VHD."""
    parts = [(0xEF, 2048, 20480, False), (0x83, 22528, 108544, False)] if uefi else [(0x83, 2048, 129024, True)]
    with open(path, "wb") as f:
        f.truncate(size)
        mbr = bytearray(512)
        for i, (kind, start, count, active) in enumerate(parts):
            mbr[446 + 16 * i:462 + 16 * i] = struct.pack("<B3sB3sII", 0x80 if active else 0, b"\xfe\xff\xff", kind,
                                                         b"\xfe\xff\xff", start, count)
        mbr[510:512] = b"\x55\xaa"
        f.seek(0)
        f.write(mbr)
        if uefi:
            fat = bytearray(512)
            fat[0:3], fat[3:11], fat[11:13], fat[82:90], fat[510:512] = b"\xeb\x58\x90", b"MSDOS5.0", b"\x00\x02", b"FAT32   ", b"\x55\xaa"
            f.seek(2048 * 512)
            f.write(fat)
        superblock = bytearray(1024)
        superblock[56:58] = b"\x53\xef"
        f.seek(parts[-1][1] * 512 + 1024)
        f.write(superblock)
        if footer:  # the 512-byte fixed-disk footer (disk type 2) qemu-img writes with -O vpc -o subformat=fixed
            tail = bytearray(struct.pack(">8sIIQI4sI4sQQHBBII16sB", b"conectix", 2, 0x10000, 0xFFFF_FFFF_FFFF_FFFF, 0,
                                         b"qemu", 0x000A0000, b"Wi2k", size, size, 65535, 16, 255, 2, 0,
                                         uuid.uuid4().bytes, 0).ljust(512, b"\0"))
            tail[64:68] = struct.pack(">I", ~sum(tail) & 0xFFFF_FFFF)
            f.seek(size)
            f.write(tail)
    return path


def imp(name: str, file: Path | None = None, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"cloud": "azure", "region": WESTEU, "name": name, "os_type": "linux",
                            "object": {"bucket": "golden/vhds", "key": f"{name}/disk.vhd"},
                            "options": {"resource_group": RG}, "owner": f"proj/sim/{name}"}
    if file is not None:
        base["file"] = str(file)
    return {**base, **extra}


def image_names(sim: Simulator) -> set[str]:
    return {i.name for i in wire_of(sim).images.listing(SUB)}


# check: the file and the inputs, before any call ---------------------------------------------
def test_check_refuses_a_file_azure_would_refuse_without_a_call(server: ProviderServer, quiet_sim: Simulator,
                                                                tmp_path: Path) -> None:
    mark = quiet_sim.mark()
    _, failures = server.check(ImportedImageProvider(), imp("raw", disk(tmp_path / "disk.raw", footer=False)))
    assert [f for f, _ in failures] == ["file"]
    assert "[azure.format]" in failures[0][1] and "Fix:" in failures[0][1] and "subformat=fixed" in failures[0][1]
    _, failures = server.check(ImportedImageProvider(), imp("odd", disk(tmp_path / "odd.vhd", size=64 * MiB + 4096)))
    assert [f for f, _ in failures] == ["file"] and "[azure.size_alignment]" in failures[0][1]
    assert "qemu-img resize" in failures[0][1]
    _, failures = server.check(ImportedImageProvider(), imp("uefi", disk(tmp_path / "uefi.vhd", uefi=True), boot_mode="BIOS"))
    assert [f for f, _ in failures] == ["boot_mode"] and "boot_mode to 'UEFI'" in failures[0][1]
    assert quiet_sim.requests(VENDOR, since=mark) == []


@pytest.mark.parametrize("extra, field, says", [
    ({"object": {"bucket": "golden", "key": "a.vhd"}}, "object.bucket", "'<storage account>/<container>'"),
    ({"object": {"key": "a.vhd"}}, "object", "{'bucket': '<storage account>/<container>'"),
    ({"object": {"bucket": "Golden/vhds", "key": "a.vhd"}}, "object.bucket", "3 to 24 lower-case"),
    ({"object": {"bucket": "golden/v", "key": "a.vhd"}}, "object.bucket", "container 'v'"),
    ({"object": {"bucket": "golden/vhds", "key": "a.qcow2"}}, "object.key", "must end with '.vhd'"),
    ({"options": {}}, "options.resource_group", "is required"),
    ({"options": {"resource_group": "rg."}}, "options.resource_group", "do not end with '.'"),
    ({"options": {"resource_group": RG, "blob_uri": "https://golden.blob.core.windows.net/vhds/x/disk.vhd?sv=2024&sig=x"}},
     "options.blob_uri", "without a SAS token"),
    ({"options": {"resource_group": RG, "blob_uri": "https://golden.blob.core.windows.net/vhds/other.vhd"}},
     "options.blob_uri", "point both at the same blob"),
    ({"format": "qcow2"}, "format", "qemu-img convert -O vpc -o subformat=fixed,force_size=on"),
    ({"os_type": "freebsd"}, "os_type", "'linux', 'windows'"),
    ({"architecture": "arm64"}, "architecture", "Compute Gallery"),
    ({"boot_mode": "legacy"}, "boot_mode", "BIOS or UEFI"),
    ({"boot_mode": "UEFI", "options": {"resource_group": RG, "hyper_v_generation": "V1"}}, "options.hyper_v_generation",
     "boot_mode UEFI needs V2"),
    ({"disk_size_gb": 0}, "disk_size_gb", "from 1 to 4095"),
    ({"disk_size_gb": 1, "inspection": {"virtual_size": 3 << 30, "boot_mode": "bios"}}, "disk_size_gb", "at least 3"),
    ({"inspection": {"virtual_size": 64 * MiB, "boot_mode": "uefi"}, "boot_mode": "BIOS"}, "boot_mode", "generation 2"),
    ({"inspection": {"virtual_size": 64 * MiB, "boot_mode": "uefi"}}, "boot_mode", "set boot_mode to 'UEFI'"),
    ({"inspection": {"virtual_size": 64 * MiB, "boot_mode": "uefi"}, "options": {"resource_group": RG, "hyper_v_generation": "V1"}},
     "options.hyper_v_generation", "only through UEFI"),
    ({"options": {"resource_group": RG, "storage_account_type": "UltraSSD_LRS"}}, "options.storage_account_type",
     "'Premium_LRS'"),
    ({"name": "bad-end-"}, "name", "must end with a letter, digit or '_'"),
])
def test_rules_name_the_rule_and_the_fix(extra: dict[str, Any], field: str, says: str) -> None:
    failures = RULES.validate_import({**imp("web", format="vhd"), **extra})
    assert [f.field for f in failures] == [field], failures
    assert says in failures[0].reason


def test_options_azure_does_not_take_are_refused_by_the_declaration(server: ProviderServer, quiet_sim: Simulator) -> None:
    mark = quiet_sim.mark()
    _, failures = server.check(ImportedImageProvider(), imp("web", format="vhd", options={"resource_group": RG,
                                                                                          "gallery": "g"}))
    assert [f for f, _ in failures] == ["options.gallery"] and "has no option 'gallery'" in failures[0][1]
    _, failures = server.check(ImportedImageProvider(), imp("web", format="vhd", platform="Ubuntu"))
    assert [f for f, _ in failures] == ["platform"] and "Fix: remove platform" in failures[0][1]
    _, failures = server.check(ImportedImageProvider(), imp("web", format="vhd", options={}))
    assert [f for f, _ in failures] == ["options.resource_group"]
    assert quiet_sim.requests(VENDOR, since=mark) == []


@pytest.mark.parametrize("extra", [
    {},
    {"os_type": "windows", "architecture": "x86_64", "boot_mode": "UEFI", "disk_size_gb": 128},
    {"options": {"resource_group": RG, "hyper_v_generation": "V2", "storage_account_type": "Premium_LRS",
                 "blob_uri": "https://golden.z21.blob.storage.azure.net/vhds/web/disk.vhd"},
     "inspection": {"virtual_size": 64 * MiB, "boot_mode": "uefi"}},
    {"object": rpc.UNKNOWN, "options": {"resource_group": rpc.UNKNOWN, "blob_uri": rpc.UNKNOWN}, "boot_mode": rpc.UNKNOWN},
    {"object": {"bucket": rpc.UNKNOWN, "key": "disk.vhd"}, "options": rpc.UNKNOWN},
])
def test_valid_and_unknown_inputs_pass(extra: dict[str, Any]) -> None:
    assert RULES.validate_import({**imp("web", format="vhd"), **extra}) == []


# the import through the provider server ------------------------------------------------------
def test_import_reaches_available_is_adopted_updated_and_deleted(server: ProviderServer, quiet_sim: Simulator,
                                                                  tmp_path: Path) -> None:
    mark = quiet_sim.mark()
    file = disk(tmp_path / "disk.vhd")
    checked, failures = server.check(ImportedImageProvider(), imp("imported-web", file))
    assert failures == [] and (checked["format"], checked["boot_mode"], checked["disk_size_gb"]) == ("vhd", "BIOS", 1)
    assert checked["inspection"]["virtual_size"] == 64 * MiB
    image_id, outs = server.create(checked)
    assert image_id == f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/images/imported-web"
    assert outs["status"] == "available" and outs["image_id"] == image_id
    puts = quiet_sim.requests(VENDOR, PUT, since=mark)
    assert len(puts) == 1
    body = puts[0].params["body"]
    assert body["properties"]["storageProfile"]["osDisk"] == {
        "osType": "Linux", "osState": "Generalized", "diskSizeGB": 1,
        "blobUri": "https://golden.blob.core.windows.net/vhds/imported-web/disk.vhd"}
    assert body["properties"]["hyperVGeneration"] == "V1" and body["tags"]["imageforge-key"] == checked["key"]
    image = wire_of(quiet_sim).images.document(wire_of(quiet_sim).images.get(_path(image_id)))
    assert image["properties"]["provisioningState"] == "Succeeded"

    again_id, again = server.create(checked)  # an interrupted `up` run again: found by its tag, not imported twice
    assert again_id == image_id and again["status"] == "available"
    assert len(quiet_sim.requests(VENDOR, PUT, since=mark)) == 1

    verdict, updated = server.change(ImportedImageProvider(), image_id, outs,
                                     imp("imported-web", tmp_path / "gone.vhd", tags={"team": "web"}))
    assert verdict.kind == "update" and updated["status"] == "available"
    assert wire_of(quiet_sim).images.get(_path(image_id)).tags["team"] == "web"
    moved, _ = server.check(ImportedImageProvider(), imp("imported-web", tmp_path / "gone.vhd",
                                                         object={"bucket": "golden/vhds", "key": "v2.vhd"}), olds=outs)
    assert server.diff(image_id, outs, moved).replaces == ["object"]
    server.delete(image_id, outs)
    assert "imported-web" not in image_names(quiet_sim)


def test_uefi_windows_import_with_blob_uri_is_generation_2(server: ProviderServer, quiet_sim: Simulator,
                                                           tmp_path: Path) -> None:
    uri = "https://golden.z07.blob.storage.azure.net/vhds/imported-win/disk.vhd"
    options = {"resource_group": RG, "blob_uri": uri, "storage_account_type": "Premium_LRS"}
    checked, failures = server.check(ImportedImageProvider(), imp("imported-win", disk(tmp_path / "win.vhd", uefi=True),
                                                                  os_type="windows", options=options))
    assert failures == [] and checked["boot_mode"] == "UEFI"  # read from the file: an ESP and no BIOS boot path
    image_id, outs = server.create(checked)
    assert outs["status"] == "available" and outs["os_type"] == "windows"
    body = quiet_sim.requests(VENDOR, PUT)[-1].params["body"]
    assert body["properties"]["hyperVGeneration"] == "V2"
    assert body["properties"]["storageProfile"]["osDisk"] == {
        "osType": "Windows", "osState": "Generalized", "blobUri": uri, "storageAccountType": "Premium_LRS", "diskSizeGB": 1}
    server.delete(image_id, outs)
    assert "imported-win" not in image_names(quiet_sim)


def test_failed_import_leaves_no_image(server: ProviderServer, quiet_sim: Simulator, tmp_path: Path) -> None:
    quiet_sim.inject(VENDOR, PUT, "fail", code="InvalidVhd", message="The VHD footer is damaged.")
    with pytest.raises(ProviderError) as caught:
        server.up(ImportedImageProvider(), imp("imported-bad", disk(tmp_path / "bad.vhd")))
    assert "ended Failed" in caught.value.details and "retry the import" in caught.value.details
    assert "imported-bad" not in image_names(quiet_sim)


# the simulated wire, judged by the real SDK -------------------------------------------------------
def _path(image_id: str) -> Any:
    from imageforge.simulator.azure import arm

    return arm.parse(image_id)


def _blob_body(uri: str, **disk_extra: Any) -> dict[str, Any]:
    return {"location": WESTEU, "tags": {"imageforge-key": "k"}, "properties": {
        "hyperVGeneration": "V2", "storageProfile": {"osDisk": {"osType": "Linux", "osState": "Generalized",
                                                                "blobUri": uri, **disk_extra}}}}


def test_raw_sdk_creates_a_managed_image_from_a_blob(compute: Any, azsim: Simulator) -> None:
    uri = "https://golden.blob.core.windows.net/vhds/raw-sdk.vhd"
    started = azsim.ctx.now()
    image = compute.images.begin_create_or_update(RG, "raw-sdk-import", _blob_body(uri, diskSizeGB=40)).result()
    assert 15 * 60 <= azsim.ctx.now() - started <= 31 * 60 + 120  # each poll moved the clock a minute
    disk_ = image.properties.storage_profile.os_disk
    assert image.properties.provisioning_state == "Succeeded" and disk_.blob_uri == uri and disk_.disk_size_gb == 40
    assert disk_.os_state == "Generalized" and disk_.os_type == "Linux" and image.properties.hyper_v_generation == "V2"
    assert image.properties.source_virtual_machine is None
    assert "raw-sdk-import" in {i.name for i in compute.images.list_by_resource_group(RG) if i.tags.get("imageforge-key") == "k"}
    with pytest.raises(ResourceExistsError) as changed:
        compute.images.begin_create_or_update(RG, "raw-sdk-import", _blob_body(uri.replace("raw-sdk", "other")))
    assert code_of(changed.value) == "PropertyChangeNotAllowed"
    compute.images.begin_delete(RG, "raw-sdk-import").result()


@pytest.mark.parametrize("uri, disk_extra, says", [
    ("https://golden.file.core.windows.net/vhds/a.vhd", {}, "not a valid blob URI"),
    ("https://golden.blob.core.windows.net/vhds/a.qcow2", {}, "must end with '.vhd' extension"),
    ("https://golden.blob.core.windows.net/vhds/a.vhd", {"osType": None}, "'osDisk.osType' is missing"),
    ("https://golden.blob.core.windows.net/vhds/a.vhd", {"storageAccountType": "UltraSSD_LRS"}, "not supported for an OS disk"),
])
def test_raw_sdk_blob_refusals(compute: Any, uri: str, disk_extra: dict[str, Any], says: str) -> None:
    with pytest.raises(HttpResponseError) as refused:
        compute.images.begin_create_or_update(RG, "raw-sdk-refused", _blob_body(uri, **disk_extra))
    assert code_of(refused.value) == "InvalidParameter" and says in message_of(refused.value)
