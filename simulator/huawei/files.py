"""IMS CreateImage from an external file in OBS (`image_url`): the request's checks and the image it makes.

OBS is not simulated: an object is trusted to exist when its `<bucket>:<object>` address is well
formed. IMS refuses what it can tell from the request alone: a malformed address, `min_disk`
outside 40-1024 GB, an unknown `type`, `architecture` or `hw_firmware_type`, quick import without
`os_version` or of a file whose name says it is neither RAW nor ZVHD2. The request has no format
field, so the name's extension is all IMS (and the simulator) can go by before reading the file.
The error table has no specific codes for these, so they answer IMG.0001 (request format invalid).
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from ..core.wire import SimError
from .records import Image

IMPORT_SECONDS = {"Linux": 1200.0, "Windows": 1500.0}  # register + convert + check: 20-25 min
QUICK_IMPORT_SECONDS = 900.0  # quick import skips the conversion
PER_GB_SECONDS = 6.0  # bigger disks take longer, up to the cap
MAX_IMPORT_SECONDS = 1800.0
MIN_DISK, MAX_DISK = 40, 1024
IMAGE_TYPES = ("ECS", "BMS", "FusionCompute", "Ironic")
ARCHITECTURES = ("x86", "arm")
FIRMWARE = ("bios", "uefi")
NOT_QUICK = (".qcow2", ".vhd", ".vhdx", ".vmdk", ".qed", ".vdi", ".qcow", ".iso")
BUCKET = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
DEFAULT_OS_VERSION = "Other Linux(64 bit)"


@dataclass(frozen=True)
class FileImport:
    """What CreateImage with `image_url` asks for; empty text means the request left it out."""

    image_url: str
    min_disk: int | None
    image_type: str = ""
    architecture: str = ""
    firmware: str = ""
    quick: bool = False
    os_version: str = ""
    cmk_id: str = ""
    is_config: bool = False


def invalid(detail: str) -> SimError:
    return SimError("IMG.0001", f"The request message format is invalid: {detail}.", 400)


def bad_disk(value: object) -> SimError:
    """The refusal of a `min_disk` that is missing, not a whole number or out of range."""
    return invalid(f"min_disk must be {MIN_DISK} to {MAX_DISK} GB, got {value!r}")


def parse_url(url: str) -> tuple[str, str]:
    """`<bucket>:<object>` with a valid OBS bucket name and a non-empty object name."""
    bucket, sep, key = url.partition(":")
    if not sep or not BUCKET.match(bucket) or ".." in bucket or not key or key.startswith("/"):
        raise invalid(f"image_url {url!r} is not '<OBS bucket>:<object name>'")
    return bucket, key


def os_of(version: str) -> tuple[str, str]:
    """(os_type, platform) as IMS derives them from os_version."""
    if version.lower().startswith("windows"):
        return "Windows", "Windows"
    first = version.split()[0] if version.split() else "Other"
    return "Linux", first.split("(")[0] or "Other"


def file_image(image: Image, spec: FileImport) -> tuple[Image, float]:
    """`image` filled in from the file and the job's duration, or the SimError IMS answers at once."""
    bucket, key = parse_url(spec.image_url)
    disk = spec.min_disk
    if disk is None or not MIN_DISK <= disk <= MAX_DISK:
        raise bad_disk(disk)
    image_type = spec.image_type or "ECS"
    if image_type not in IMAGE_TYPES:
        raise invalid(f"type {image_type!r} is not one of {', '.join(IMAGE_TYPES)}")
    arch = spec.architecture or "x86"
    if arch not in ARCHITECTURES:
        raise invalid(f"architecture {arch!r} is not x86 or arm")
    firmware = spec.firmware or ("uefi" if arch == "arm" else "bios")
    if firmware not in FIRMWARE:
        raise invalid(f"hw_firmware_type {firmware!r} is not bios or uefi")
    if spec.quick and not spec.os_version:
        raise invalid("os_version is required for quick import")
    if spec.quick and key.lower().endswith(NOT_QUICK):
        raise SimError("IMG.0105", "The operation is not supported: quick import takes RAW or ZVHD2 image files.", 400)
    version = spec.os_version or DEFAULT_OS_VERSION
    os_type, platform = os_of(version)
    base = QUICK_IMPORT_SECONDS if spec.quick else IMPORT_SECONDS[os_type]
    filled = dataclasses.replace(
        image, os_type=os_type, os_version=version, platform=platform, min_disk=disk, cmk_id=spec.cmk_id,
        source=f"file,{bucket}:{key}", root_origin="file", architecture="arm" if arch == "arm" else "x86",
        firmware="uefi" if arch == "arm" else firmware, is_config=spec.is_config, quick_import=spec.quick)
    return filled, min(MAX_IMPORT_SECONDS, base + PER_GB_SECONDS * disk)
