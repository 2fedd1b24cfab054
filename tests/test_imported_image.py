"""ImportedImage on Alibaba ECS through the real provider server: the file is checked before any call."""
from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import pytest

from imageforge.providers import ImportedImageProvider
from imageforge.simulator import Simulator
from tests.engine import ProviderError, ProviderServer

VENDOR = "alibaba-ecs"
MiB = 1024 * 1024


def raw_disk(path: Path, partitioned: bool = True) -> Path:
    """A sparse 64 MiB raw disk; with an MBR whose active Linux partition holds an ext4 superblock."""
    with open(path, "wb") as f:
        f.truncate(64 * MiB)
        if partitioned:
            sector = bytearray(512)
            sector[446:462] = struct.pack("<B3sB3sII", 0x80, b"\xfe\xff\xff", 0x83, b"\xfe\xff\xff", 2048, 129024)
            sector[510:512] = b"\x55\xaa"
            f.seek(0)
            f.write(sector)
            superblock = bytearray(1024)
            superblock[56:58] = b"\x53\xef"
            f.seek(2048 * 512 + 1024)
            f.write(superblock)
    return path


def inputs(file: Path | None, **extra: Any) -> dict[str, Any]:
    base = {"cloud": "alibaba", "region": "cn-hangzhou", "name": "imported-web", "os_type": "linux",
            "object": {"bucket": "golden-images", "key": "web/disk.raw"}, "owner": "proj/sim/imported"}
    if file is not None:
        base["file"] = str(file)
    return {**base, **extra}


def test_check_refuses_a_file_the_cloud_would_refuse(server: ProviderServer, sim: Simulator, tmp_path: Path) -> None:
    mark = sim.mark()
    _, failures = server.check(ImportedImageProvider(), inputs(raw_disk(tmp_path / "bare.raw", partitioned=False)))
    assert [f for f, _ in failures] == ["file"]
    assert "no_partition_table" in failures[0][1] and "Fix:" in failures[0][1]
    _, failures = server.check(ImportedImageProvider(), inputs(raw_disk(tmp_path / "disk.raw"), format="qcow2"))
    assert [f for f, _ in failures] == ["format"] and "'raw'" in failures[0][1]
    _, failures = server.check(ImportedImageProvider(), inputs(tmp_path / "missing.raw"))
    assert [f for f, _ in failures] == ["file"] and "no such file" in failures[0][1]
    assert sim.requests(since=mark) == []


def test_clouds_without_import_say_so(server: ProviderServer) -> None:
    _, failures = server.check(ImportedImageProvider(), inputs(None, service="eds", format="raw"))
    assert [f for f, _ in failures] == ["service"]
    assert "Elastic Desktop Service cannot import disk images" in failures[0][1] and "alibaba/ecs" in failures[0][1]


def test_import_reaches_available_with_what_the_file_says(server: ProviderServer, sim: Simulator, tmp_path: Path) -> None:
    checked, failures = server.check(ImportedImageProvider(), inputs(raw_disk(tmp_path / "disk.raw")))
    assert failures == []
    assert (checked["format"], checked["boot_mode"], checked["disk_size_gb"]) == ("raw", "BIOS", 1)
    image_id, outs = server.create(checked)
    assert outs["status"] == "available" and outs["image_id"] == image_id
    assert outs["inspection"]["partition_table"] == "mbr"
    params = sim.requests(VENDOR, "ImportImage")[0].params
    assert params["DiskDeviceMapping.1.Format"] == "RAW" and params["DiskDeviceMapping.1.OSSBucket"] == "golden-images"
    assert params["BootMode"] == "BIOS" and params["OSType"] == "linux"

    moved, _ = server.check(ImportedImageProvider(), inputs(tmp_path / "elsewhere.raw"), olds=outs)
    verdict = server.diff(image_id, outs, moved)
    assert verdict.kind == "update" and verdict.replaces == []  # the file may leave once imported: recorded only
    mark = sim.mark()
    assert server.update(image_id, outs, moved)["file"] == str(tmp_path / "elsewhere.raw")
    assert sim.requests(since=mark) == []  # no cloud call
    other, _ = server.check(ImportedImageProvider(), inputs(tmp_path / "elsewhere.raw",
                                                            object={"bucket": "golden-images", "key": "v2.raw"}), olds=outs)
    assert server.diff(image_id, outs, other).replaces == ["object"]
    server.delete(image_id, outs)
    assert sim.store.list(VENDOR, "cn-hangzhou", "image") == []


def test_failed_import_leaves_no_image(server: ProviderServer, sim: Simulator, tmp_path: Path) -> None:
    sim.inject(VENDOR, "ImportImage", "fail")
    with pytest.raises(ProviderError) as caught:
        server.up(ImportedImageProvider(), inputs(raw_disk(tmp_path / "disk.raw")))
    assert "CreateFailed" in caught.value.details and "retry the import" in caught.value.details
    assert sim.store.list(VENDOR, "cn-hangzhou", "image") == []
