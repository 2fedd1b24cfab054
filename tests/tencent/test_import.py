"""ImportedImage on Tencent Cloud CVM: the file and inputs are checked first, ImportImage's reply names no image."""
from __future__ import annotations

from pathlib import Path

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.cvm.v20170312 import models

from imageforge.providers import ImportedImageProvider
from imageforge.providers.core import errors
from imageforge.providers.core.endpoints import load_sim_endpoints
from imageforge.providers.core.model import Identity, ImportRequest, Target
from imageforge.providers.core.simclock import SimulatorClock
from imageforge.providers.core.waiting import Backoff, Waiter
from imageforge.providers.tencent import mapping
from imageforge.providers.tencent.cvm import CvmAdapter
from imageforge.providers.tencent.rules import RULES
from imageforge.simulator import Simulator
from imageforge.simulator.tencent.records import Image, Snapshot
from tests.engine import ProviderError, ProviderServer

from . import helpers
from .helpers import request, windows_disk

VENDOR = "tencent-cvm"
REGION = "ap-guangzhou"
BUCKET = "golden-1250000000"
URL = f"https://{BUCKET}.cos.{REGION}.myqcloud.com/win/ws2012.raw"


def import_inputs(file: Path | None, **extra: object) -> dict[str, object]:
    base: dict[str, object] = {"cloud": "tencent", "region": REGION, "name": "ws2012-golden", "os_type": "windows",
                               "options": {"os_version": "2012"}, "object": {"bucket": BUCKET, "key": "win/ws2012.raw"},
                               "owner": "proj/sim/ws2012"}
    if file is not None:
        base["file"] = str(file)
    return {**base, **extra}


def own_images(sim: Simulator) -> list[Image]:
    return helpers.own_images(sim, REGION)


def import_snapshots(sim: Simulator) -> list[Snapshot]:
    return helpers.made_snapshots(sim, REGION)


# through the provider server --------------------------------------------------------------
def test_check_refuses_a_gpt_uefi_file_and_bad_inputs_without_calls(server: ProviderServer, sim: Simulator,
                                                                     tmp_path: Path) -> None:
    mark = sim.mark()
    _, failures = server.check(ImportedImageProvider(), import_inputs(windows_disk(tmp_path / "uefi.raw", gpt_uefi=True)))
    assert [f for f, _ in failures] == ["file", "file"]
    assert "tencent.gpt" in failures[0][1] and "tencent.uefi" in failures[1][1] and "Fix:" in failures[1][1]
    _, failures = server.check(ImportedImageProvider(), import_inputs(
        None, format="vhdx", options={}, boot_mode="UEFI", object={"bucket": "golden", "key": "/win.vhdx"}))
    reasons = dict(failures)
    assert "Use Vhdx" in reasons["format"] and "EFI" in reasons["boot_mode"]
    assert "APPID" in reasons["object.bucket"] and "options.image_url" in reasons["object.bucket"]
    assert "'win.vhdx'" in reasons["object.key"] and "Windows Server 2012" in reasons["options"]
    _, failures = server.check(ImportedImageProvider(), import_inputs(
        None, format="raw", disk_size_gb=40, options={"os_version": "2012", "forc": True, "license_type": "OEM"}))
    reasons = dict(failures)
    assert "reads it from the file" in reasons["disk_size_gb"]
    assert "force" in reasons["options.forc"] and "'BYOL'" in reasons["options.license_type"]
    assert sim.requests(since=mark) == []


def test_import_reaches_normal_with_the_parameters_tencent_expects(server: ProviderServer, sim: Simulator,
                                                                   tmp_path: Path) -> None:
    checked, failures = server.check(ImportedImageProvider(), import_inputs(windows_disk(tmp_path / "ws2012.raw"),
                                                                            tags={"team": "desktop"}))
    assert failures == [] and checked["format"] == "raw"
    image_id, outs = server.create(checked)
    assert image_id.startswith("img-") and outs["image_id"] == image_id
    assert (outs["status"], outs["vendor_status"], outs["image_os_type"]) == ("available", "NORMAL", "windows")
    assert outs["image_tags"] == {"team": "desktop"} and outs["inspection"]["partition_table"] == "mbr"
    (call,) = sim.requests(VENDOR, "ImportImage")
    params = call.params
    assert params["ImageUrl"] == URL and params["ImageName"] == "ws2012-golden"
    assert (params["OsType"], params["OsVersion"], params["Architecture"]) == ("Windows Server 2012", "-", "x86_64")
    tags = {t["Key"]: t["Value"] for t in params["TagSpecification"][0]["Tags"]}
    assert tags["team"] == "desktop" and tags["imageforge-key"] == checked["key"]
    assert sim.requests(VENDOR, "DescribeImportImageOs")[0].seq < call.seq
    server.delete(image_id, outs)
    assert own_images(sim) == [] and import_snapshots(sim) == []
    assert "IMPORTING" in server.close()  # the wait reported the vendor state


def test_failed_import_leaves_no_image(server: ProviderServer, sim: Simulator, tmp_path: Path) -> None:
    sim.inject(VENDOR, "ImportImage", "fail")
    with pytest.raises(ProviderError) as caught:
        server.up(ImportedImageProvider(), import_inputs(windows_disk(tmp_path / "ws2012.raw")))
    assert "IMPORTFAILED" in caught.value.details and "retry the import" in caught.value.details
    assert own_images(sim) == [] and import_snapshots(sim) == []


# the adapter ------------------------------------------------------------------------------
@pytest.fixture
def adapter(tc_sim: Simulator) -> CvmAdapter:
    return CvmAdapter(Target("tencent", "cvm", REGION, "sim"))


def test_linux_import_with_a_url_override_is_one_call_naming_no_image(tc_sim: Simulator, adapter: CvmAdapter) -> None:
    url = "https://mirror-1250000000.cos.ap-shanghai.myqcloud.com/centos/7.qcow2"
    req = ImportRequest(name="centos7", bucket=BUCKET, key="centos/7.qcow2", format="qcow2", platform="centos",
                        architecture="arm64", boot_mode="BIOS", tags={"imageforge-key": "k-1"},
                        options={"os_version": 7, "image_url": url, "license_type": "BYOL", "force": True,
                                 "image_family": "base"})
    assert adapter.prepare_import(req) == []
    mark = tc_sim.mark()
    started = adapter.start_import(req)
    assert [r.action for r in tc_sim.requests(since=mark)] == ["ImportImage"]  # no wait, no look-up
    assert started.image_id == "" and started.request_id  # the reply names no image
    params = tc_sim.requests(VENDOR, "ImportImage")[0].params
    assert params["ImageUrl"] == url and (params["OsType"], params["OsVersion"]) == ("CentOS", "7")
    assert (params["Architecture"], params["BootMode"], params["LicenseType"]) == ("arm_64", "Legacy BIOS", "BYOL")
    assert params["Force"] is True and params["ImageFamily"] == "base"
    (found,) = adapter.find_images(Identity("k-1"))
    assert found.name == "centos7" and found.raw_status == "IMPORTING"
    again = adapter.start_import(req)  # a start whose reply was lost meets its own image's name: adopted
    assert again.image_id == found.image_id
    with pytest.raises(errors.Conflict) as caught:
        adapter.start_import(ImportRequest(name="centos7", bucket=BUCKET, key="k", format="raw",
                                           tags={"imageforge-key": "k-2"}))
    assert found.image_id in caught.value.message and caught.value.operation == "ImportImage"
    assert len([r for r in tc_sim.requests(VENDOR, "ImportImage") if not r.error]) == 1


def test_prepare_import_refuses_what_the_region_does_not_import_before_any_import(tc_sim: Simulator,
                                                                                 adapter: CvmAdapter) -> None:
    with pytest.raises(errors.InvalidArgument) as refused:
        adapter.prepare_import(ImportRequest(name="u22", bucket=BUCKET, key="k", format="raw", platform="Ubuntu",
                                             options={"os_version": "22"}))
    assert refused.value.code == "InvalidImageOsVersion.Unsupported" and "10, 12, 14, 16" in refused.value.message
    with pytest.raises(errors.InvalidArgument) as nowhere:
        adapter.prepare_import(ImportRequest(name="nowhere", bucket="", key="", format="raw"))
    assert "options.image_url" in nowhere.value.message
    assert tc_sim.requests(VENDOR, "ImportImage") == []


def test_the_lifecycle_finds_an_import_by_its_tag_when_the_reply_names_none(tc_sim: Simulator, adapter: CvmAdapter) -> None:
    from imageforge.providers.resources import lifecycle

    wait = Waiter(clock=SimulatorClock(load_sim_endpoints()), backoff=Backoff(initial=30, cap=120)).bound(3600)
    req = ImportRequest(name="late", bucket=BUCKET, key="late.raw", format="raw", tags={"imageforge-key": "k-3"})
    started = lifecycle.start(wait, "start", lambda: adapter.start_import(req), lambda: adapter.find_images(Identity("k-3")))
    image_id = lifecycle.resolve(adapter, wait, started, Identity("k-3"), "the import")
    assert image_id == own_images(tc_sim)[0].image_id
    assert lifecycle.settle(adapter, wait, image_id, "import").raw_status == "NORMAL"


# pure rules -------------------------------------------------------------------------------
OS_CASES = [
    (("windows", "", "2012"), ("Windows Server 2012", "-", "")),
    (("windows", "windows server 2016", ""), ("Windows Server 2016", "-", "")),
    (("linux", "", ""), ("Other Linux", "-", "")),
    (("linux", "ubuntu", "16"), ("Ubuntu", "16", "")),
    (("linux", "Rocky Linux", "9"), ("Rocky Linux", "9", "")),  # not in our list: sent as given
    (("windows", "", ""), ("", "", "options")),
    (("linux", "CentOS", ""), ("", "", "options")),
    (("linux", "", "7"), ("", "", "platform")),
    (("linux", "Windows Server 2012", ""), ("", "", "platform")),
    (("bsd", "", ""), ("", "", "os_type")),
]


@pytest.mark.parametrize("given,expected", OS_CASES, ids=[" ".join(c[0]) for c in OS_CASES])
def test_os_type_platform_and_os_version_map_onto_ostype_and_osversion(given, expected) -> None:
    chosen = mapping.import_os(*given)
    assert (chosen.os_type, chosen.os_version, chosen.field) == expected
    assert bool(chosen.problem) == bool(expected[2])


def test_rules_accept_a_good_import_and_say_how_to_fix_a_bad_url() -> None:
    good = import_inputs(None, format="vhd", architecture="x86_64", boot_mode="BIOS", description="golden")
    assert RULES.validate_import(good) == []
    assert RULES.validate_import({**good, "object": {"bucket": "any", "key": "k"},
                                  "options": {"os_version": "2012", "image_url": URL}}) == []
    bad = {**good, "architecture": "ppc64", "object": {"bucket": "any", "key": "k"},
           "options": {"os_version": "2012", "image_url": "ftp://x/y", "forc": True}}
    reasons = {f.field: f.reason for f in RULES.validate_import(bad)}
    assert set(reasons) == {"architecture", "options.image_url"}  # an unknown option is the declarations' to refuse
    assert "myqcloud.com/<key>" in reasons["options.image_url"]
    assert "arm64" in reasons["architecture"]
    assert [f.field for f in RULES.validate_import({**good, "object": None})] == ["object"]
    assert RULES.validate_import({**good, "object": None, "options": {"os_version": "2012", "image_url": URL}}) == []


# raw SDK against the simulated ImportImage --------------------------------------------------
def test_raw_sdk_import_image_reply_has_no_image_id_and_errors_are_vendor_coded(tc_sim: Simulator, cvm) -> None:
    client = cvm(REGION)
    os_list = client.DescribeImportImageOs(models.DescribeImportImageOsRequest())
    assert "Windows Server 2012" in os_list.ImportImageOsListSupported.Windows
    assert {v.OsName: v.OsVersions for v in os_list.ImportImageOsVersionSet}["CentOS"] == ["5", "6", "7"]
    base = {"ImageName": "raw-import", "ImageUrl": URL, "OsType": "Windows Server 2012", "OsVersion": "-",
            "Architecture": "x86_64", "TagSpecification": [{"ResourceType": "image", "Tags": [{"Key": "a", "Value": "1"}]}]}
    reply = client.ImportImage(request(models.ImportImageRequest, **base))
    assert reply.ImageId is None and len(reply.RequestId) == 36
    found = client.DescribeImages(request(models.DescribeImagesRequest, Filters=[
        {"Name": "image-name", "Values": ["raw-import"]}])).ImageSet
    assert [(i.ImageState, i.ImageSource, i.Platform) for i in found] == [("IMPORTING", "EXTERNAL_IMPORT", "Windows")]
    for params, code in (({"ImageUrl": "https://example.com/win.raw"}, "InvalidParameter.InvalidParameterUrlError"),
                         ({"OsType": "Windows Server 2003"}, "InvalidImageOsType.Unsupported"),
                         ({"OsType": "CentOS", "OsVersion": "9"}, "InvalidImageOsVersion.Unsupported"),
                         ({"BootMode": "EFI"}, "InvalidParameterValue.InvalidBootMode"),
                         ({"ImageName": "raw-import"}, "InvalidImageName.Duplicate")):
        with pytest.raises(TencentCloudSDKException) as caught:
            client.ImportImage(request(models.ImportImageRequest, **{**base, "ImageName": "other", **params}))
        assert caught.value.code == code, caught.value
    vhdx = client.ImportImage(request(models.ImportImageRequest, **{**base, "ImageName": "vhdx",
                                                                    "ImageUrl": URL.replace(".raw", ".vhdx")}))
    assert vhdx.ImageId is None
    tc_sim.advance(1800)
    states = {i.ImageName: i.ImageState for i in client.DescribeImages(request(models.DescribeImagesRequest, Filters=[
        {"Name": "image-type", "Values": ["PRIVATE_IMAGE"]}])).ImageSet}
    assert states == {"raw-import": "NORMAL", "vhdx": "IMPORTFAILED"}
