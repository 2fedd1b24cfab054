"""How an ImportRequest becomes IMS CreateImage fields for a file in OBS (pure Python, no SDK).

IMS registers an external system-disk file with CreateImage `image_url` "<bucket>:<object>"
(https://console-intl.huaweicloud.com/apiexplorer/#/openapi/IMS/doc?api=CreateImage). `min_disk` must be 40-1024
GB, so a smaller disk (the file's virtual size) is raised to 40. IMS takes no os_type: the OS comes
from `os_version`, which is `options.os_version` or a default per os_type. Quick import
(`is_quick_import`) takes RAW (or ZVHD2) files only.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..core.model import ImportRequest

MIN_DISK_GB = 40
MAX_DISK_GB = 1024
MAX_FILE_GB = 128  # without quick import
QUICK_IMPORT_FORMATS = ("raw",)  # and zvhd2, which imageforge does not produce
DEFAULT_OS_VERSION = {"linux": "Other Linux(64 bit)", "windows": "Windows Server 2022 Standard 64bit"}
# IMS `architecture` takes x86 or arm; the generic names are accepted too.
ARCHITECTURES = {"x86": "x86", "x86_64": "x86", "arm": "arm", "arm64": "arm", "aarch64": "arm"}
FIRMWARE = {"BIOS": "bios", "UEFI": "uefi"}
# OBS bucket names: 3-63 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit.
BUCKET = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
IP_ADDRESS = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
MAX_KEY = 1024


def bucket_problem(bucket: str) -> str:
    """Why `bucket` is not an OBS bucket name, or ""."""
    if not BUCKET.match(bucket):
        return ("an OBS bucket name is 3-63 characters of lowercase letters, digits, '-' and '.', starting and "
                "ending with a letter or digit (give the bare name, no 'obs://' and no path)")
    if ".." in bucket or ".-" in bucket or "-." in bucket or IP_ADDRESS.match(bucket):
        return "an OBS bucket name has no '..', '.-' or '-.' and is not an IP address"
    return ""


def key_problem(key: str) -> str:
    """Why `key` is not an object name IMS can read, or ""."""
    if not key:
        return "the object name is empty"
    if key.startswith("/"):
        return "an OBS object name does not start with '/' (give 'dir/disk.raw', not '/dir/disk.raw')"
    if key.endswith("/"):
        return "the object name ends with '/', which names a folder, not the image file"
    if len(key.encode()) > MAX_KEY:
        return f"an OBS object name is at most {MAX_KEY} bytes"
    return ""


def min_disk(disk_size_gb: int | None) -> int:
    """IMS `min_disk`: the system disk in GB, at least 40 (a smaller file disk still boots a 40 GB disk)."""
    return max(MIN_DISK_GB, int(disk_size_gb or 0))


def os_version(options: Mapping[str, object], os_type: str) -> str:
    given = options.get("os_version")
    if isinstance(given, str) and given.strip():
        return given.strip()
    return DEFAULT_OS_VERSION.get(os_type.lower(), DEFAULT_OS_VERSION["linux"])


def quick_import(options: Mapping[str, object]) -> bool:
    return options.get("quick_import") is True


def create_image_fields(request: ImportRequest) -> dict[str, Any]:
    """The CreateImageRequestBody keyword arguments for this import (tags are added by the adapter)."""
    options = request.options
    architecture = ARCHITECTURES.get(request.architecture.lower()) if request.architecture else None
    firmware = FIRMWARE.get(request.boot_mode.upper()) if request.boot_mode else None
    cmk = options.get("cmk_id")
    return {
        "name": request.name,
        "description": request.description or None,
        "image_url": f"{request.bucket}:{request.key}",
        "os_version": os_version(options, request.os_type),
        "min_disk": min_disk(request.disk_size_gb),
        "is_config": options.get("is_config") is True,
        "type": "ECS",
        "is_quick_import": True if quick_import(options) else None,
        "architecture": architecture,
        "hw_firmware_type": firmware,
        "cmk_id": cmk if isinstance(cmk, str) and cmk else None,
    }
