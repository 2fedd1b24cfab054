"""Every cloud rule, once triggered and once not, on DiskImage values built directly."""
from __future__ import annotations

from dataclasses import replace

import pytest

from imageforge.providers.preflight import CLOUDS, DiskImage, Finding, Issue, Partition, rules_for, verdict
from imageforge.providers.preflight.clouds import canonical

GiB = 1 << 30
ROOT = Partition(1, 1 << 20, 40 * GiB - (1 << 20), "0x83", "Linux", True, filesystem="ext4")
NTFS = Partition(1, 1 << 20, 40 * GiB - (1 << 20), "0x07", "NTFS/exFAT", True, filesystem="ntfs")
ESP = Partition(1, 1 << 20, 100 << 20, "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "EFI System", filesystem="fat32")


def image(**changes) -> DiskImage:
    """A healthy 40 GiB BIOS/MBR raw disk with an ext4 boot partition, changed as asked."""
    base = DiskImage(path="/images/disk.raw", format="raw", virtual_size=40 * GiB, file_size=40 * GiB,
                     partition_table="mbr", partitions=(ROOT,), boot_mode="bios", boot_modes=("bios",),
                     boot_partition=1)
    return replace(base, **changes)


def fixed_vhd(**changes) -> DiskImage:
    fields = {"path": "/images/disk.vhd", "format": "vhd", "subformat": "fixed", "file_size": 40 * GiB + 512}
    return image(**{**fields, **changes})


UEFI = {"partition_table": "gpt", "partitions": (ESP,), "boot_mode": "uefi", "boot_modes": ("uefi",)}
UNKNOWN_BOOT = {"boot_mode": "unknown", "boot_modes": ()}

# (cloud, rule, options, triggering image, similar image that does not trigger it)
CASES = [
    ("tencent", "tencent.format", {}, image(format="vhdx"), image(format="vmdk", subformat="streamOptimized")),
    ("tencent", "tencent.gpt", {}, image(partition_table="gpt"), image()),
    ("tencent", "tencent.uefi", {}, image(**UEFI), image(**{**UEFI, "boot_mode": "bios",
                                                            "boot_modes": ("bios", "uefi")})),
    ("tencent", "tencent.boot_mode_unknown", {}, image(**UNKNOWN_BOOT), image()),
    ("tencent", "tencent.windows_drivers", {}, image(partitions=(NTFS,)), image()),
    ("huawei", "huawei.encrypted", {}, image(format="qcow2", encrypted=True, encryption="luks"),
     image(format="qcow2")),
    ("huawei", "huawei.system_disk", {}, image(partitions=(), boot_partition=None), image()),
    ("huawei", "huawei.file_size", {}, image(file_size=128 * GiB + 1), image(file_size=128 * GiB)),
    ("huawei", "huawei.file_size", {"quick_import": True}, None, image(file_size=300 * GiB, virtual_size=300 * GiB)),
    ("huawei", "huawei.quick_import_format", {"quick_import": True}, image(format="qcow2"), image()),
    ("huawei", "huawei.quick_import_size", {"quick_import": True}, image(file_size=1024 * GiB + 1),
     image(file_size=1024 * GiB)),
    ("huawei", "huawei.virtual_size", {}, image(virtual_size=1024 * GiB + 1), image(virtual_size=1024 * GiB)),
    ("huawei", "huawei.min_disk", {}, image(virtual_size=20 * GiB), image(virtual_size=2048 * GiB)),
    ("huawei", "huawei.uefi", {}, image(**UEFI), image()),
    ("huawei", "huawei.boot_mode_unknown", {}, image(**UNKNOWN_BOOT), image()),
    ("azure", "azure.format", {}, image(), fixed_vhd()),
    ("azure", "azure.vhd_type", {}, fixed_vhd(subformat="dynamic"), fixed_vhd()),
    ("azure", "azure.size_alignment", {}, fixed_vhd(virtual_size=40 * GiB + 512), fixed_vhd()),
    ("azure", "azure.hyperv_generation", {}, fixed_vhd(**UEFI), fixed_vhd()),
    ("alibaba-ecs", "alibaba-ecs.format", {}, image(format="vhdx"), image(format="qcow2")),
    ("alibaba-ecs", "alibaba-ecs.boot_mode", {}, image(), image(**UNKNOWN_BOOT)),
    ("alibaba-ecs", "alibaba-ecs.boot_mode_unknown", {}, image(**UNKNOWN_BOOT), image(**UEFI)),
    ("alibaba-eds", "alibaba-eds.format", {}, image(format="vhdx"), image(format="vhd", subformat="dynamic")),
    ("alibaba-eds", "alibaba-eds.boot_mode", {}, image(**UEFI), image(**UNKNOWN_BOOT)),
    ("alibaba-eds", "alibaba-eds.boot_mode_unknown", {}, image(**UNKNOWN_BOOT), image()),
    ("alibaba-eds", "alibaba-eds.windows_only", {}, image(), image(partitions=(ESP, replace(NTFS, index=2)))),
]
COMMON = [
    ("common.encrypted", image(format="qcow2", encrypted=True, encryption="aes"), image(format="qcow2")),
    ("common.backing_file", image(format="qcow2", backing_file="base.qcow2"), image(format="qcow2")),
    ("common.external_files", image(format="vmdk", external_files=("disk-flat.vmdk",)), image(format="vmdk")),
    ("common.no_partition_table", image(partition_table="none", partitions=(), boot_partition=None), image()),
    ("common.boot_filesystem", image(partitions=(replace(ROOT, filesystem=None),)), image()),
    ("common.volume_encryption", image(partitions=(replace(NTFS, filesystem="bitlocker"),)),
     image(partitions=(NTFS,))),
]


def rule_ids(cloud: str, img: DiskImage, **options) -> list[str]:
    return [issue.rule for issue in rules_for(cloud, **options).evaluate(img)]


@pytest.mark.parametrize("cloud,rule,options,hit,miss", CASES, ids=[f"{c[1]}-{i}" for i, c in enumerate(CASES)])
def test_cloud_rule(cloud, rule, options, hit, miss):
    if hit is not None:
        issues = [i for i in rules_for(cloud, **options).evaluate(hit) if i.rule == rule]
        assert len(issues) == 1
        assert issues[0].cloud == cloud and issues[0].message and "{" not in issues[0].message
    assert rule not in rule_ids(cloud, miss, **options)


@pytest.mark.parametrize("rule,hit,miss", COMMON, ids=[c[0] for c in COMMON])
@pytest.mark.parametrize("cloud", CLOUDS)
def test_common_rule_applies_to_every_cloud(cloud, rule, hit, miss):
    replaced = {"huawei": {"common.encrypted": "huawei.encrypted",
                           "common.no_partition_table": "huawei.system_disk"}}.get(cloud, {})
    expected = replaced.get(rule, rule)
    assert rule_ids(cloud, hit).count(expected) == 1
    assert expected not in rule_ids(cloud, miss)
    if expected != rule:
        assert rule not in rule_ids(cloud, hit)  # stated once, by the cloud's own rule


def test_inspector_findings_become_issues_for_every_cloud():
    finding = Finding("error", "gpt_corrupt", "the GPT is damaged", "repair it")
    for cloud in CLOUDS:
        issues = rules_for(cloud).evaluate(image(findings=(finding,)))
        assert Issue(cloud, "error", "image.gpt_corrupt", "the GPT is damaged", "repair it") in issues
        assert not any(i.rule.startswith("image.") for i in rules_for(cloud).evaluate(image()))


def test_healthy_images_pass():
    for cloud in ("tencent", "huawei", "alibaba-ecs"):
        assert rules_for(cloud).verdict(image()) == "ok"
    assert rules_for("azure").verdict(fixed_vhd()) == "ok"
    assert rules_for("alibaba-eds").verdict(image(partitions=(NTFS,))) == "ok"


def test_verdict_ranks_errors_over_warnings_and_ignores_info():
    info = Issue("x", "info", "r", "m")
    warning = Issue("x", "warning", "r", "m")
    error = Issue("x", "error", "r", "m")
    assert verdict([]) == verdict([info]) == "ok"
    assert verdict([info, warning]) == "warning"
    assert verdict([warning, error, info]) == "error"


def test_fixes_are_exact_commands_for_this_file():
    (fmt,) = [i for i in rules_for("tencent").evaluate(image(path="/data/my disk.vhdx", format="vhdx"))
              if i.rule == "tencent.format"]
    assert fmt.fix == "qemu-img convert -p -f vhdx -O qcow2 '/data/my disk.vhdx' 'my disk.qcow2'"
    (size,) = [i for i in rules_for("azure").evaluate(fixed_vhd(virtual_size=40 * GiB + 512))
               if i.rule == "azure.size_alignment"]
    assert f"qemu-img resize -f raw disk-resize.raw {40 * GiB + (1 << 20)}" in size.fix
    assert "-o subformat=fixed,force_size=on" in size.fix
    (enc,) = [i for i in rules_for("tencent").evaluate(image(format="qcow2", encrypted=True, encryption="luks"))
              if i.rule == "common.encrypted"]
    assert "driver=qcow2,encrypt.key-secret=sec0,file.filename=/images/disk.raw" in enc.fix


def test_huawei_min_disk_is_at_least_40_gib():
    (small,) = [i for i in rules_for("huawei").evaluate(image(virtual_size=8 * GiB)) if i.rule == "huawei.min_disk"]
    (large,) = [i for i in rules_for("huawei").evaluate(image(virtual_size=100 * GiB + 1))
                if i.rule == "huawei.min_disk"]
    assert "min_disk >= 40 GiB" in small.message and "min_disk >= 101 GiB" in large.message
    assert rules_for("huawei").import_params(image(virtual_size=8 * GiB))["min_disk"] == 40


def test_import_params():
    assert rules_for("alibaba").import_params(image(**UEFI, format="qcow2")) == {
        "Format": "QCOW2", "BootMode": "UEFI", "DiskImageSize": 40}
    assert rules_for("alibaba-eds").import_params(image(**UNKNOWN_BOOT))["BootMode"] is None
    assert rules_for("azure").import_params(fixed_vhd(**UEFI)) == {"hyper_v_generation": "V2"}
    assert rules_for("huawei", quick_import=True).import_params(image())["quick_import"] is True


def test_cloud_names_and_aliases():
    assert rules_for("alibaba").cloud == "alibaba-ecs"
    assert canonical("Huawei") == "huawei"
    with pytest.raises(ValueError, match="unknown cloud 'gcp'"):
        rules_for("gcp")
    for cloud in CLOUDS:
        ids = [rule.id for rule in rules_for(cloud).rules]
        assert len(ids) == len(set(ids))
        assert all(rule.severity in ("error", "warning", "info") for rule in rules_for(cloud).rules)
