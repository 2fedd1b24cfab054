"""Each cloud's import rules as data, and `rules_for(cloud)`: the one way callers get a RuleSet."""
from __future__ import annotations

from typing import Any

from .model import DiskImage, GiB
from .rules import (
    COMMON, Options, Rule, RuleSet, boot_known, boot_unknown, combine, format_not_in, gib, has_table,
    uefi_only,
)

CLOUDS = ("alibaba-ecs", "alibaba-eds", "tencent", "huawei", "azure")
ALIASES = {"alibaba": "alibaba-ecs", "aliyun": "alibaba-ecs", "ecs": "alibaba-ecs", "eds": "alibaba-eds",
           "tencentcloud": "tencent", "huaweicloud": "huawei"}
ALIBABA_FORMATS = ("raw", "vhd", "qcow2", "vmdk")
HUAWEI_MAX_FILE = 128 * GiB
HUAWEI_QUICK_MAX_FILE = 1024 * GiB
HUAWEI_MAX_DISK = 1024 * GiB
BOOT_MODE_FIX = ("make sure the guest boots in BIOS mode: an MBR disk with an active partition and boot code, "
                 "or a GPT disk with a BIOS boot partition")


def _has_ntfs(image: DiskImage) -> bool:
    return any(p.filesystem == "ntfs" for p in image.partitions)


# Tencent CVM ImportImage: https://www.tencentcloud.com/document/product/213/33270 (RAW, VHD, QCOW2, VMDK);
# the Windows preparation guide refuses vhdx, GPT system disks and EFI boot.
TENCENT = (
    Rule("tencent.format", "error", format_not_in("qcow2", "vhd", "raw", "vmdk"),
         "Tencent Cloud imports qcow2, vhd, raw and vmdk files; {fmt} is refused (disk2vhd: untick 'Use Vhdx')",
         "{to_qcow2}"),
    Rule("tencent.gpt", "error", lambda i, _: i.partition_table == "gpt",
         "the system disk is partitioned with GPT, which Tencent Cloud's image import does not support",
         "export from a VM whose system disk uses MBR (Linux: `sgdisk --gpt-to-mbr` on a copy of the raw "
         "disk; Windows: rebuild on an MBR disk), or open a ticket with Tencent Cloud"),
    Rule("tencent.uefi", "error", uefi_only,
         "the image boots only through UEFI (an EFI System Partition, no BIOS boot path); Tencent Cloud's "
         "import supports BIOS boot only", BOOT_MODE_FIX),
    Rule("tencent.boot_mode_unknown", "warning", boot_unknown,
         "no active partition, boot code, BIOS boot partition or EFI System Partition found: cannot tell "
         "whether the image boots in BIOS mode, the only mode Tencent Cloud imports", BOOT_MODE_FIX),
    Rule("tencent.windows_drivers", "info", lambda i, _: _has_ntfs(i),
         "Windows guest: remove VMware Tools, Xen tools, VirtualBox Guest Additions and other low-level "
         "drivers, install cloudbase-init and the virtio drivers; after import the display is Cirrus VGA, "
         "the disk and the NIC virtio",
         "prepare the guest before export (see Tencent Cloud's Windows image import guide)"),
)


# Huawei IMS, external image file constraints: https://support.huaweicloud.com/usermanual-ims/ims_01_0204.html
# and quick import (ImportImageQuick): https://support.huaweicloud.com/api-ims/ims_03_0605.html
HUAWEI = (
    Rule("huawei.encrypted", "error", lambda i, _: i.encrypted,
         "the image is encrypted ({encryption}); Huawei IMS requires QCOW2 (and every) image file unencrypted",
         "decrypt it: {decrypt}", replaces=("common.encrypted",)),
    Rule("huawei.system_disk", "error", lambda i, _: not i.partitions and i.partition_table != "unknown",
         "the file must contain a system disk: a partition table with at least one partition "
         "(found: {partition_table})",
         "export the whole system disk (every partition and the table), not one volume",
         replaces=("common.no_partition_table",)),
    Rule("huawei.file_size", "error", lambda i, o: not o.quick_import and i.file_size > HUAWEI_MAX_FILE,
         "the file is {file_gib} GiB; Huawei IMS imports files up to 128 GiB (larger only by quick import, "
         "which takes RAW or ZVHD2)",
         "compress it if that brings it under 128 GiB: `qemu-img convert -c ...` to qcow2; or convert to RAW "
         "for quick import: {to_raw} (then generate its bitmap file and use --huawei-quick-import)"),
    Rule("huawei.quick_import_format", "error", lambda i, o: o.quick_import and i.format != "raw",
         "quick import takes only RAW or ZVHD2 files; this one is {fmt}", "{to_raw}"),
    Rule("huawei.quick_import_size", "error",
         lambda i, o: o.quick_import and i.file_size > HUAWEI_QUICK_MAX_FILE,
         "the file is {file_gib} GiB; Huawei quick import takes files up to 1 TiB",
         "shrink the guest's partitions and file systems, then `qemu-img resize --shrink`"),
    Rule("huawei.virtual_size", "error", lambda i, _: i.virtual_size > HUAWEI_MAX_DISK,
         "the disk is {virtual_gib} GiB; Huawei system disks are 40 to 1024 GiB",
         "shrink the guest's last partition and file system, then `qemu-img resize --shrink`"),
    Rule("huawei.min_disk", "info", lambda i, _: i.virtual_size <= HUAWEI_MAX_DISK,
         "register the image with min_disk >= {min_gib} GiB (the disk is {virtual_gib} GiB; Huawei system "
         "disks are 40 to 1024 GiB)"),
    Rule("huawei.uefi", "error", lambda i, o: uefi_only(i, o) and not o.arm,
         "the image boots only through UEFI; Huawei IMS requires BIOS boot for imported x86 files "
         "(Arm images boot through UEFI: declare the architecture as arm)",
         BOOT_MODE_FIX),
    Rule("huawei.boot_mode_unknown", "warning", boot_unknown,
         "cannot tell whether the image boots in BIOS mode, which Huawei IMS requires", BOOT_MODE_FIX),
)


# Azure: upload a fixed VHD whose size is a whole number of MiB
# https://learn.microsoft.com/en-us/azure/virtual-machines/linux/create-upload-generic
AZURE = (
    Rule("azure.format", "error", format_not_in("vhd"),
         "Azure imports fixed VHD files only; {fmt} is refused", "{to_fixed_vhd}"),
    Rule("azure.vhd_type", "error", lambda i, _: i.format == "vhd" and i.subformat != "fixed",
         "this is a {subformat} VHD; Azure imports fixed VHD files only", "{to_fixed_vhd}"),
    Rule("azure.size_alignment", "error", lambda i, _: i.virtual_size % (1024 * 1024) != 0,
         "the virtual size ({virtual_size} bytes) is not a whole number of MiB, which Azure requires",
         "{to_fixed_vhd}"),
    Rule("azure.hyperv_generation", "info", uefi_only,
         "the image boots through UEFI: create the image and VMs as Hyper-V generation 2 "
         "(hyperVGeneration V2)"),
)


# Alibaba ECS ImportImage, DiskDeviceMapping.N.Format: RAW, VHD, QCOW2 (and VMDK)
# https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-importimage
def _alibaba(cloud: str, api: str, extra: tuple[Rule, ...] = ()) -> tuple[Rule, ...]:
    return (
        Rule(f"{cloud}.format", "error", format_not_in(*ALIBABA_FORMATS),
             f"{api} takes RAW, VHD, QCOW2 and VMDK files; {{fmt}} is refused", "{to_qcow2}"),
        Rule(f"{cloud}.boot_mode", "info", boot_known,
             f"pass BootMode={{boot_mode_upper}} to {api} (the image boots with {{boot_modes}})"),
        Rule(f"{cloud}.boot_mode_unknown", "warning", boot_unknown,
             f"cannot tell the boot mode: pass BootMode (BIOS or UEFI) to {api} explicitly",
             "check the guest: Windows `bcdedit /enum {{current}}` (a path with efi means UEFI), Linux "
             "`[ -d /sys/firmware/efi ]`"),
        *extra,
    )


ALIBABA_ECS = _alibaba("alibaba-ecs", "ECS ImportImage")
# The EDS SDK's UploadImage (ecd 2020-09-30) documents no format list; EDS images are imported
# through ECS images, so the ECS list applies. https://www.alibabacloud.com/help/doc-detail/436977.html
ALIBABA_EDS = _alibaba("alibaba-eds", "EDS UploadImage (via ECS image import)", (
    Rule("alibaba-eds.windows_only", "warning", lambda i, _: has_table(i, _) and bool(i.partitions)
         and not _has_ntfs(i),
         "EDS UploadImage takes Windows images only, and no partition holds NTFS",
         "import Linux images through ECS ImportImage instead, or check that this is the Windows disk"),
))


def _alibaba_params(image: DiskImage, _: Options) -> dict[str, Any]:
    mode = image.boot_mode.upper() if image.boot_mode != "unknown" else None
    return {"Format": image.format.upper(), "BootMode": mode, "DiskImageSize": gib(image.virtual_size)}


def _eds_params(image: DiskImage, _: Options) -> dict[str, Any]:
    mode = image.boot_mode.upper() if image.boot_mode != "unknown" else None
    return {"BootMode": mode, "SystemDiskSize": gib(image.virtual_size)}


def _huawei_params(image: DiskImage, options: Options) -> dict[str, Any]:
    return {"min_disk": max(40, gib(image.virtual_size)), "quick_import": options.quick_import}


def _azure_params(image: DiskImage, _: Options) -> dict[str, Any]:
    return {"hyper_v_generation": "V2" if image.boot_modes == ("uefi",) else "V1"}


def _tencent_params(image: DiskImage, _: Options) -> dict[str, Any]:
    return {"format": image.format}


_TABLES = {
    "alibaba-ecs": (ALIBABA_ECS, _alibaba_params),
    "alibaba-eds": (ALIBABA_EDS, _eds_params),
    "tencent": (TENCENT, _tencent_params),
    "huawei": (HUAWEI, _huawei_params),
    "azure": (AZURE, _azure_params),
}


def canonical(cloud: str) -> str:
    """The cloud's canonical name (`alibaba` means `alibaba-ecs`); ValueError for an unknown one."""
    name = ALIASES.get(cloud.strip().lower(), cloud.strip().lower())
    if name not in _TABLES:
        raise ValueError(f"unknown cloud {cloud!r}; choose from {', '.join(CLOUDS)} (or alibaba)")
    return name


def rules_for(cloud: str, *, quick_import: bool = False, arm: bool = False) -> RuleSet:
    """The RuleSet for one cloud. `quick_import` applies Huawei's quick-import limits instead of the usual ones;
    `arm` says the guest is an Arm one, which boots through UEFI."""
    name = canonical(cloud)
    own, params = _TABLES[name]
    return RuleSet(name, combine(COMMON, own), Options(quick_import=quick_import, arm=arm), params)
