"""ImportImage in the simulated CVM: a disk-image file in COS becomes a private image, IMPORTING for 15-30 minutes.

COS is not simulated: the object behind a well-formed COS URL is trusted to exist, but a URL that is not
a COS object URL is refused (InvalidParameter.InvalidParameterUrlError) and a `.vhdx` object, which the
import cannot read, is accepted and ends IMPORTFAILED, as a `fail` fault does. Like the real API (its
documented reply is only a RequestId), the reply names no ImageId: callers find the image by name or tag.
OsType and OsVersion are checked against the list DescribeImportImageOs answers (the documented one).
"""
from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import unquote, urlsplit

from ..core import ids
from ..core.lifecycle import Lifecycle
from .model import FAIL_AT, VENDOR, CvmModel, iso
from .records import IMPORT, Image, Os, Tags, fail

ARCHITECTURES = ("x86_64", "i386", "arm_64")
BOOT_MODES = ("Legacy BIOS", "UEFI")
LICENSE_TYPES = ("TencentCloud", "BYOL")
COS_DOMAINS = (".myqcloud.com", ".tencentcos.cn")
UNREADABLE = (".vhdx",)  # formats the import cannot read: accepted, then IMPORTFAILED
# DescribeImportImageOs as documented (https://cloud.tencent.com/document/api/213/15718).
LINUX_OS: dict[str, list[str]] = {
    "CentOS": ["5", "6", "7"], "Ubuntu": ["10", "12", "14", "16"], "Debian": ["6", "7", "8", "9"],
    "OpenSUSE": ["11", "12"], "SUSE": ["10", "11", "12", "13"], "CoreOS": ["7"], "FreeBSD": ["10"],
    "Redhat": ["5", "6", "7"], "Other Linux": ["-"],
}
WINDOWS_OS: dict[str, list[str]] = {
    "Windows Server 2008": ["-"], "Windows Server 2012": ["-"], "Windows Server 2016": ["-"]}
LISTED = ("CentOS", "Ubuntu", "Debian", "OpenSUSE", "SUSE", "CoreOS", "FreeBSD", "Other Linux")


def import_seconds(url: str) -> float:
    """Each file takes its own, repeatable time: 15 to 30 minutes."""
    return 900.0 + (hashlib.sha256(url.encode()).digest()[0] % 16) * 60.0


def supported_os() -> dict[str, Any]:
    """The DescribeImportImageOs reply body."""
    every = {**WINDOWS_OS, **LINUX_OS}
    return {
        "ImportImageOsListSupported": {"Linux": list(LISTED), "Windows": list(WINDOWS_OS)},
        "ImportImageOsVersionSet": [{"OsName": name, "OsVersions": versions, "Architecture": ["x86_64", "i386"]}
                                    for name, versions in every.items()],
    }


class ImageImport:
    def __init__(self, model: CvmModel) -> None:
        self.model = model

    def import_image(self, region: str, *, architecture: str, os_type: str, os_version: str, url: str, name: str,
                     description: str, boot_mode: str, license_type: str, family: str, force: bool, dry_run: bool,
                     data_disks: bool, tags: Tags) -> str:
        """ImportImage, refused or started; `data_disks`: the request lists ImportImageDataDiskList (not simulated)."""
        required = (("Architecture", architecture), ("OsType", os_type), ("OsVersion", os_version), ("ImageUrl", url),
                    ("ImageName", name))
        for key, value in required:
            if not value:
                raise fail("MissingParameter", f"The request is missing a required parameter `{key}`.")
        self.model.check_name(region, name)
        self.model.check_description(description)
        self.model.check_tags(tags)
        path = self._check_url(url)
        every = {**WINDOWS_OS, **LINUX_OS}
        if os_type not in every:
            raise fail("InvalidImageOsType.Unsupported", f"The operating system type `{os_type}` is not supported.")
        if os_version not in every[os_type]:
            raise fail("InvalidImageOsVersion.Unsupported",
                       f"The operating system version `{os_version}` of `{os_type}` is not supported.")
        if architecture not in ARCHITECTURES:
            raise fail("InvalidParameterValue", f"`Architecture` must be one of {', '.join(ARCHITECTURES)}.")
        boot_mode = boot_mode or "Legacy BIOS"
        if boot_mode not in BOOT_MODES:
            raise fail("InvalidParameterValue.InvalidBootMode", f"The boot mode `{boot_mode}` is not supported.")
        if license_type and license_type not in LICENSE_TYPES:
            raise fail("InvalidParameterValue", f"`LicenseType` must be one of {', '.join(LICENSE_TYPES)}.")
        if path.lower().endswith(".iso") and not force:
            raise fail("InvalidParameterValue.ISOMustImportByForce", "An ISO file must be imported with Force.")
        self.model.check_quota(region)
        if dry_run:
            raise fail("DryRunOperation", "The request would have succeeded, but DryRun was set.")
        if data_disks:
            raise fail("InvalidParameter", "ImportImageDataDiskList is not implemented by the simulator.")
        failing = self.model.ctx.take_failure(VENDOR, "ImportImage", region) is not None
        windows = os_type.startswith("Windows")
        os_ = Os("windows" if windows else "linux", "Windows" if windows else os_type,
                 os_type if os_version == "-" else f"{os_type} {os_version}")
        image = Image("", name, IMPORT, os_, 50 if windows else 20, "", description=description,
                      architecture=architecture, source="EXTERNAL_IMPORT", cloudinit=not windows, tags=list(tags),
                      license_type=license_type or "TencentCloud", family=family, image_url=url, boot_mode=boot_mode)
        return self._start(region, image, failing or path.lower().endswith(UNREADABLE))

    @staticmethod
    def _check_url(url: str) -> str:
        """The object's path in a COS URL; InvalidParameterUrlError for anything else."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not host.endswith(COS_DOMAINS) or parts.path in ("", "/"):
            raise fail("InvalidParameter.InvalidParameterUrlError",
                       f"The url `{url}` is not a COS object address: "
                       "use https://<bucket>.cos.<region>.myqcloud.com/<key>.")
        return unquote(parts.path)

    def _start(self, region: str, image: Image, failing: bool) -> str:
        """The image, IMPORTING for its file's time, and the system-disk snapshot it is made of."""
        model = self.model
        image.image_id = ids.prefixed(model.store, "cvm.image", "img-", 8)
        now = model.ctx.now()
        image.created = iso(now)
        image.lifecycle = Lifecycle.start(now, import_seconds(image.image_url), failing, FAIL_AT)
        image.snapshots = [model.own_snapshot(region, "SYSTEM_DISK", "", image.size, image.os, image.image_id,
                                              image.name, False)]
        model.put_image(region, image)
        return image.image_id
