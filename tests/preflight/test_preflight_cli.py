"""`imageforge inspect`: tables, --json keys, cloud selection and exit codes 0/1/2."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from preflight_tools import run

from imageforge.providers.cli.main import main

KEYS = {"format", "virtual_size", "file_size", "encrypted", "backing_file", "partition_table", "boot_mode",
        "partitions", "issues", "verdicts"}


@pytest.fixture(scope="module")
def images(corpus, tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    out = {"mbr_qcow2": root / "mbr.qcow2", "uefi_vhdx": root / "uefi.vhdx", "fixed_vhd": root / "fixed.vhd"}
    run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", str(corpus["mbr_bios"]), str(out["mbr_qcow2"]))
    run("qemu-img", "convert", "-f", "raw", "-O", "vhdx", str(corpus["gpt_uefi"]), str(out["uefi_vhdx"]))
    run("qemu-img", "convert", "-f", "raw", "-O", "vpc", "-o", "subformat=fixed,force_size=on",
        str(corpus["mbr_bios"]), str(out["fixed_vhd"]))
    out["not_disk"] = root / "notes.txt"
    out["not_disk"].write_text("not a disk\n")
    return out


def inspect_json(capsys, *args: str) -> tuple[int, dict]:
    code = main(["inspect", *args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_json_has_the_documented_keys(images, capsys):
    code, doc = inspect_json(capsys, str(images["mbr_qcow2"]))
    assert KEYS <= doc.keys()
    assert doc["format"] == "qcow2" and doc["partition_table"] == "mbr" and doc["boot_mode"] == "bios"
    assert doc["partitions"][0] == {"index": 1, "start": 1 << 20, "size": 16 << 20, "type": "0x83",
                                    "type_name": "Linux", "bootable": True, "name": "", "filesystem": "ext4"}
    assert set(doc["verdicts"]) == {"alibaba-ecs", "alibaba-eds", "tencent", "huawei", "azure"}
    assert all(set(i) == {"cloud", "severity", "rule", "message", "fix"} for i in doc["issues"])
    assert doc["verdicts"]["azure"] == "error" and code == 1


def test_exit_0_when_the_selected_clouds_accept(images, capsys):
    code, doc = inspect_json(capsys, str(images["mbr_qcow2"]), "--cloud", "tencent", "--cloud", "alibaba")
    assert code == 0
    assert doc["verdicts"] == {"tencent": "ok", "alibaba-ecs": "ok"}
    assert {i["cloud"] for i in doc["issues"]} <= {"tencent", "alibaba-ecs"}


def test_exit_1_when_a_selected_cloud_refuses(images, capsys):
    code, doc = inspect_json(capsys, str(images["uefi_vhdx"]), "--cloud", "tencent,huawei")
    assert code == 1
    rules = {i["rule"] for i in doc["issues"] if i["severity"] == "error"}
    assert {"tencent.format", "tencent.gpt", "tencent.uefi", "huawei.uefi"} <= rules
    assert doc["boot_mode"] == "uefi" and doc["partition_table"] == "gpt"


def test_azure_accepts_a_fixed_vhd_with_whole_mib(images, capsys):
    code, doc = inspect_json(capsys, str(images["fixed_vhd"]), "--cloud", "azure")
    assert (code, doc["verdicts"]) == (0, {"azure": "ok"})


def test_exit_2_when_not_a_disk_image(images, capsys):
    code, doc = inspect_json(capsys, str(images["not_disk"]))
    assert code == 2 and "not a disk image" in doc["error"]
    assert main(["inspect", str(images["not_disk"])]) == 2
    assert "not a disk image" in capsys.readouterr().err


def test_huawei_quick_import_flag(corpus, capsys):
    code, doc = inspect_json(capsys, str(corpus["mbr_bios"]), "--cloud", "huawei", "--huawei-quick-import")
    assert doc["import_params"]["huawei"]["quick_import"] is True
    assert not any(i["rule"].startswith("huawei.quick_import") for i in doc["issues"])


def test_human_table(images, capsys):
    assert main(["inspect", str(images["uefi_vhdx"]), "--cloud", "tencent"]) == 1
    out = capsys.readouterr().out
    assert "format           vhdx (dynamic)" in out
    assert "partition table  gpt" in out
    assert "EFI System" in out and "fat16" in out
    assert re.search(r"^ +tencent +error$", out, re.M)
    assert "fix: qemu-img convert -p -f vhdx -O qcow2" in out


def test_unknown_cloud_is_a_usage_error(images, capsys):
    with pytest.raises(SystemExit) as info:
        main(["inspect", str(images["mbr_qcow2"]), "--cloud", "gcp"])
    assert info.value.code == 2
    assert "unknown cloud 'gcp'" in capsys.readouterr().err


def test_module_entry_point(images):
    proc = subprocess.run([sys.executable, "-m", "imageforge.providers.cli.main", "inspect",
                           str(images["mbr_qcow2"]), "--json", "--cloud", "huawei"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["verdicts"] == {"huawei": "ok"}
