"""Tencent CVM vocabulary: image states and error codes, mapped through tables with UNKNOWN defaults."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from ..core import errors
from ..core.model import ImageInfo, ImageStatus, ImportRequest

VENDOR = "tencent-cvm"
# Set on images captured from an instance: their bound snapshots were made by CreateImage and go with them.
OWNS_SNAPSHOTS_TAG = "imageforge-owns-snapshots"

# ImageState of an image in its own region. A source being synced elsewhere reads SYNCING but is usable.
IMAGE_STATUS: dict[str, ImageStatus] = {
    "CREATING": ImageStatus.CREATING,
    "NORMAL": ImageStatus.AVAILABLE,
    "CREATEFAILED": ImageStatus.FAILED,
    "SYNCING": ImageStatus.AVAILABLE,
    "USING": ImageStatus.AVAILABLE,
    "IMPORTING": ImageStatus.CREATING,
    "IMPORTFAILED": ImageStatus.FAILED,
    "EXPORTING": ImageStatus.AVAILABLE,
}
# ImageState of a SyncImages copy in its destination region: SYNCING means not there yet.
COPY_STATUS: dict[str, ImageStatus] = {**IMAGE_STATUS, "SYNCING": ImageStatus.CREATING}

ERRORS: dict[str, type[errors.CloudError]] = {
    "InvalidImageId.NotFound": errors.NotFound,
    "InvalidInstanceId.NotFound": errors.NotFound,
    "ResourceNotFound.InvalidInstanceIdNotFound": errors.NotFound,
    "InvalidParameter.SnapshotNotFound": errors.NotFound,
    "InvalidImageId.IncorrectState": errors.InvalidState,
    "InvalidImageId.InShared": errors.InvalidState,
    "FailedOperation.InvalidImageState": errors.InvalidState,
    "InvalidParameterValue.InvalidImageState": errors.InvalidState,
    "InvalidInstanceState": errors.InvalidState,
    "OperationDenied.InstanceOperationInProgress": errors.InvalidState,
    "MutexOperation.TaskRunning": errors.InvalidState,
    "ResourceUnavailable.SnapshotCreating": errors.InvalidState,
    "InvalidImageName.Duplicate": errors.Conflict,
    # ModifyImageSharePermission (API reference, error codes)
    "FailedOperation.AccountAlreadyExists": errors.Conflict,
    "InvalidAccountId.NotFound": errors.InvalidArgument,
    "InvalidAccountIs.YourSelf": errors.InvalidArgument,
    "OverQuota": errors.QuotaExceeded,
    "ImageQuotaLimitExceeded": errors.QuotaExceeded,
    "LimitExceeded.TagResourceQuota": errors.QuotaExceeded,
    "InvalidImageId.TooLarge": errors.InvalidArgument,
    "InvalidRegion.NotFound": errors.InvalidArgument,
    "InvalidRegion.Unavailable": errors.InvalidArgument,
    "UnsupportedRegion": errors.InvalidArgument,
    "InvalidFilter": errors.InvalidArgument,
    "UnknownParameter": errors.InvalidArgument,
    "FailedOperation.TagKeyReserved": errors.InvalidArgument,
    "InvalidImageOsType.Unsupported": errors.InvalidArgument,
    "InvalidImageOsVersion.Unsupported": errors.InvalidArgument,
    "InvalidParameter.InvalidParameterUrlError": errors.InvalidArgument,
    "RegionAbilityLimit.UnsupportedToImportImage": errors.Unsupported,
    "UnsupportedOperation.EncryptedImagesNotSupported": errors.Unsupported,
    "UnsupportedOperation.SyncEncryptImageNotSupport": errors.Unsupported,
    "InvalidAction": errors.Unsupported,
    # TAT (tencentcloud/tat/v20201028/errorcodes.py) and the instance states it and StopInstances refuse
    "ResourceUnavailable.AgentStatusNotOnline": errors.InvalidState,
    "ResourceUnavailable.AgentNotInstalled": errors.InvalidState,
    "ResourceUnavailable.InstanceStateNotRunning": errors.InvalidState,
    "ResourceUnavailable.CommandInExecuting": errors.Conflict,
    "ResourceNotFound.InstanceNotFound": errors.NotFound,
    "ResourceNotFound.InvocationNotFound": errors.NotFound,
    "InvalidParameterValue.AgentUnsupportedCommandType": errors.InvalidArgument,
    "FailedOperation.CVMError": errors.ServiceUnavailable,
    # RunInstances (tencentcloud/cvm/v20170312/errorcodes.py): no stock is the cloud's, not the input's
    "ResourceInsufficient.SpecifiedInstanceType": errors.OperationFailed,
    "ResourceInsufficient.ZoneSoldOutForSpecifiedInstance": errors.OperationFailed,
    "ResourceInsufficient.AvailabilityZoneSoldOut": errors.OperationFailed,
    "ResourcesSoldOut.SpecifiedInstanceType": errors.OperationFailed,
    "ResourcesSoldOut.AvailableZone": errors.OperationFailed,
    "ResourceNotFound.InvalidZoneInstanceType": errors.InvalidArgument,
    "InvalidInstanceType.Malformed": errors.InvalidArgument,
    "InvalidSecurityGroupId.NotFound": errors.InvalidArgument,
    "InvalidZone.MismatchRegion": errors.InvalidArgument,
    "LimitExceeded.InstanceQuota": errors.QuotaExceeded,
    "LimitExceeded.CvmInstanceQuota": errors.QuotaExceeded,
    "UnsupportedOperation.InstanceStatePending": errors.InvalidState,
    "RequestLimitExceeded": errors.Throttled,
    "InternalError": errors.ServiceUnavailable,
    "InternalServerError": errors.ServiceUnavailable,
    "ServerNetworkError": errors.ServiceUnavailable,  # the SDK's code for any non-200 reply
    "ClientNetworkError": errors.ServiceUnavailable,  # the SDK's code for a failed connection
}
# Families of codes, checked when the exact code is not in ERRORS (first match wins).
PREFIXES: tuple[tuple[str, type[errors.CloudError]], ...] = (
    ("RequestLimitExceeded", errors.Throttled),
    ("AuthFailure", errors.AuthFailed),
    ("UnauthorizedOperation", errors.AuthFailed),
    ("InternalError", errors.ServiceUnavailable),
    ("InvalidParameter", errors.InvalidArgument),
    ("MissingParameter", errors.InvalidArgument),
    ("InvalidFilterValue", errors.InvalidArgument),
    ("LimitExceeded", errors.QuotaExceeded),
    ("UnsupportedOperation.InstanceState", errors.InvalidState),
    ("UnsupportedOperation", errors.Unsupported),
)
TABLE = errors.ErrorTable(exact=ERRORS, prefixes=PREFIXES, suffixes=((".NotFound", errors.NotFound),))

# InstanceState (DescribeInstances) as the resources' power states.
POWER_STATES: dict[str, str] = {"RUNNING": "running", "STOPPING": "stopping", "STOPPED": "stopped",
                                "STARTING": "starting", "PENDING": "pending", "REBOOTING": "rebooting",
                                "SHUTDOWN": "shutdown", "TERMINATING": "deleting", "LAUNCH_FAILED": "failed"}
AGENT_OFFLINE = ("ResourceUnavailable.AgentStatusNotOnline", "ResourceUnavailable.AgentNotInstalled")


def power_state(state: str) -> str:
    return POWER_STATES.get(state, state.lower() or "unknown")


def os_family(os_name: str) -> str:
    """An instance's OsName ("Windows Server 2022 ...", "TencentOS Server ...") as windows or linux."""
    return "windows" if os_name.lower().startswith("windows") else "linux"


def agent_offline(code: str) -> bool:
    return code in AGENT_OFFLINE


# The record on a source image that a sync to some regions is under way (see spec.py, "Copies"):
# tag key imageforge-sync.<the set's key>, value the regions, comma-separated (Tag API: value 1-255 characters,
# "," allowed: https://www.tencentcloud.com/document/product/651/13354).
INTENT_PREFIX = "imageforge-sync."
INTENT_VALUE_MAX = 255


def intent_key(key: str) -> str:
    return f"{INTENT_PREFIX}{key}"


def intent_regions(raw: Mapping[str, Any], key: str) -> list[str]:
    """The regions the source image `raw` records a sync of this key to."""
    value = tags_of(raw).get(intent_key(key), "")
    return [r for r in value.split(",") if r]


def intent_value(regions: Iterable[str]) -> str:
    return ",".join(sorted(set(regions)))


def tags_of(raw: Mapping[str, Any]) -> dict[str, str]:
    return {str(t.get("Key", "")): str(t.get("Value", "")) for t in raw.get("Tags") or []}


def image_status(state: str, as_copy: bool = False) -> ImageStatus:
    return (COPY_STATUS if as_copy else IMAGE_STATUS).get(state, ImageStatus.UNKNOWN)


def image_info(raw: Mapping[str, Any], region: str, as_copy: bool = False) -> ImageInfo:
    """One DescribeImages `Image` (as a dict); `as_copy` reads it as a SyncImages destination.

    imageforge's bookkeeping tags (owns-snapshots, sync records) are not the user's: they are left out.
    """
    state = str(raw.get("ImageState") or "")
    status = image_status(state, as_copy)
    sync = raw.get("SyncPercent")
    if as_copy and sync is not None:
        progress: float | None = float(sync)
    else:
        progress = 100.0 if status is ImageStatus.AVAILABLE else None
    tags = {k: v for k, v in tags_of(raw).items() if k != OWNS_SNAPSHOTS_TAG and not k.startswith(INTENT_PREFIX)}
    failure = ""
    if state in ("CREATEFAILED", "IMPORTFAILED"):
        failure = f"the {'copy' if as_copy else 'image'} ended {state} in {region}"
    platform = str(raw.get("Platform") or "")
    return ImageInfo(
        image_id=str(raw.get("ImageId") or ""), region=region, status=status,
        name=str(raw.get("ImageName") or ""), description=str(raw.get("ImageDescription") or ""),
        progress=progress, raw_status=state,
        size_gb=int(raw["ImageSize"]) if isinstance(raw.get("ImageSize"), int) else None,
        os_type="windows" if platform.lower().startswith("windows") else ("linux" if platform else ""),
        platform=platform, architecture=str(raw.get("Architecture") or ""), created=str(raw.get("CreatedTime") or ""),
        tags=tags, failure=failure, copying=state == "SYNCING" and not as_copy,
    )


def owns_snapshots(raw: Mapping[str, Any]) -> bool:
    return OWNS_SNAPSHOTS_TAG in tags_of(raw)


# ImportImage (https://cloud.tencent.com/document/api/213/15717) ------------------------------------------
# Architecture: "x86_64, i386, arm_64"; our generic arm64 (and aarch64) is Tencent's arm_64.
IMPORT_ARCHITECTURES: dict[str, str] = {"x86_64": "x86_64", "i386": "i386", "arm64": "arm_64", "arm_64": "arm_64",
                                        "aarch64": "arm_64"}
# BootMode: "Legacy BIOS" (the default) or "UEFI".
IMPORT_BOOT_MODES: dict[str, str] = {"BIOS": "Legacy BIOS", "Legacy BIOS": "Legacy BIOS", "UEFI": "UEFI"}
LICENSE_TYPES = ("TencentCloud", "BYOL")
OTHER_LINUX = "Other Linux"
ANY_VERSION = "-"  # the only OsVersion DescribeImportImageOs lists for the Windows editions and Other Linux
# OsType spellings DescribeImportImageOs documents (https://cloud.tencent.com/document/api/213/15718); a name
# not listed here is sent as given: the live list, which grows, is checked by the adapter before the import.
KNOWN_OS_TYPES: dict[str, str] = {name.lower(): name for name in (
    "CentOS", "Ubuntu", "Debian", "OpenSUSE", "SUSE", "CoreOS", "FreeBSD", "Redhat", OTHER_LINUX,
    "Windows Server 2008", "Windows Server 2012", "Windows Server 2016")}
COS_DOMAINS = (".myqcloud.com", ".tencentcos.cn")
# A COS bucket is `<name>-<APPID>`: lower-case letters, digits and hyphens, at most 60 characters with the APPID.
COS_BUCKET = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?-\d{5,}$")
COS_BUCKET_MAX = 60


@dataclass(frozen=True)
class ImportOs:
    """ImportImage's OsType and OsVersion, or the input to fix (`field`) and why (`problem`)."""

    os_type: str = ""
    os_version: str = ""
    field: str = ""
    problem: str = ""


def import_os(os_type: str, platform: str, os_version: str) -> ImportOs:
    """Our os_type (linux | windows), platform and options.os_version as Tencent's OsType and OsVersion.

    windows: OsType is `platform` when given (e.g. "Windows Server 2012"), else "Windows Server <os_version>"
    (os_version is the edition's year); OsVersion is "-". linux: OsType is `platform` (the distribution:
    CentOS, Ubuntu, ...) with OsVersion = os_version (e.g. "7"), or "Other Linux" with "-" without a platform.
    """
    family = (os_type or "linux").lower()
    platform = KNOWN_OS_TYPES.get(platform.strip().lower(), platform.strip())
    version = os_version.strip()
    if family not in ("linux", "windows"):
        return ImportOs(field="os_type", problem=f"must be linux or windows; got {os_type!r}. Tencent's own OsType "
                                                 "name (CentOS, Windows Server 2012, ...) goes in platform.")
    if platform and platform.lower().startswith("windows") != (family == "windows"):
        return ImportOs(field="platform", problem=f"{platform!r} is not a {family} OsType. Fix: set os_type to "
                                                  f"{'linux' if family == 'windows' else 'windows'} or correct platform.")
    if family == "windows":
        if not platform and not version:
            return ImportOs(field="options", problem="Tencent's ImportImage needs the Windows edition as OsType. Fix: set "
                                                     "options.os_version to the Windows Server year (2008, 2012, 2016...: "
                                                     "OsType 'Windows Server 2012'), or platform to the whole OsType.")
        name = platform or (version if version.lower().startswith("windows") else f"Windows Server {version}")
        return ImportOs(KNOWN_OS_TYPES.get(name.lower(), name), ANY_VERSION)
    if not platform:
        if version:
            return ImportOs(field="platform", problem=f"options.os_version {version!r} needs the distribution. Fix: set "
                                                      "platform to Tencent's OsType (CentOS, Ubuntu, Debian...), or "
                                                      "remove options.os_version to import as 'Other Linux'.")
        return ImportOs(OTHER_LINUX, ANY_VERSION)
    if platform == OTHER_LINUX:
        return ImportOs(platform, version or ANY_VERSION)
    if not version:
        return ImportOs(field="options", problem=f"Tencent imports {platform} with its OsVersion. Fix: set "
                                                 f"options.os_version (for example '7' for CentOS 7).")
    return ImportOs(platform, version)


def cos_url(bucket: str, key: str, region: str) -> str:
    """The object's URL in COS: https://<bucket>.cos.<region>.myqcloud.com/<key>, the key URL-encoded."""
    return f"https://{bucket}.cos.{region}.myqcloud.com/{quote(key, safe='/-_.~')}"


def cos_url_problem(url: str) -> str:
    """Why `url` is not a COS object URL ImportImage can read, or ""."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host.endswith(COS_DOMAINS) or parts.path in ("", "/"):
        return (f"{url!r} is not a COS object URL. Fix: use the object's URL, "
                "https://<bucket>-<appid>.cos.<region>.myqcloud.com/<key>")
    return ""


def import_params(request: ImportRequest, region: str) -> dict[str, Any]:
    """ImportImage's parameters for `request` (see CvmAdapter.import_image); InvalidArgument for what it cannot take."""
    options = request.options
    chosen = import_os(request.os_type, request.platform, str(options.get("os_version") or ""))
    architecture = IMPORT_ARCHITECTURES.get(request.architecture or "x86_64")
    boot_mode = IMPORT_BOOT_MODES.get(request.boot_mode) if request.boot_mode else ""
    url = str(options.get("image_url") or "") or (cos_url(request.bucket, request.key, region)
                                                  if request.bucket and request.key else "")
    problems = [p for p in (
        "" if url else "object: give {'bucket', 'key'} of the file in COS, or options.image_url",
        f"{chosen.field}: {chosen.problem}" if chosen.problem else "",
        "" if architecture else f"architecture {request.architecture!r}: ImportImage takes x86_64, i386 or arm64",
        "" if boot_mode is not None else f"boot_mode {request.boot_mode!r}: ImportImage takes BIOS or UEFI",
    ) if p]
    if problems:
        raise errors.InvalidArgument("; ".join(problems), vendor=VENDOR, operation="ImportImage")
    params: dict[str, Any] = {"ImageUrl": url, "ImageName": request.name, "OsType": chosen.os_type,
                              "OsVersion": chosen.os_version, "Architecture": architecture}
    for key, value in (("ImageDescription", request.description), ("BootMode", boot_mode),
                       ("LicenseType", options.get("license_type")), ("ImageFamily", options.get("image_family"))):
        if value:
            params[key] = str(value)
    if options.get("force") is True:
        params["Force"] = True
    # the snapshot behind an imported image was made for it: DeleteImages removes it with the image
    tags = {**request.tags, OWNS_SNAPSHOTS_TAG: "true"}
    params["TagSpecification"] = [{"ResourceType": "image", "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}]
    return params


def supported_os(reply: Mapping[str, Any], os_type: str, os_version: str) -> tuple[str, str, str]:
    """Read a DescribeImportImageOs reply: (OsType as Tencent spells it, error code, problem) for the wanted pair."""
    listed = reply.get("ImportImageOsListSupported") or {}
    names = [str(n) for n in [*(listed.get("Linux") or []), *(listed.get("Windows") or [])]]
    versions = {str(v.get("OsName")).lower(): v for v in reply.get("ImportImageOsVersionSet") or []}
    spelled = {n.lower(): n for n in [*names, *(str(v.get("OsName")) for v in versions.values())]}
    if not spelled:
        return os_type, "", ""  # nothing listed: ImportImage decides
    if os_type.lower() not in spelled:
        return os_type, "InvalidImageOsType.Unsupported", (
            f"Tencent Cloud does not import OsType {os_type!r}; it imports {', '.join(names or spelled.values())}. Fix: set "
            "platform (a Linux distribution or Windows edition) or options.os_version (Windows Server year) to one of those")
    name = spelled[os_type.lower()]
    allowed = [str(v) for v in (versions.get(os_type.lower()) or {}).get("OsVersions") or []]
    if allowed and os_version not in allowed:
        return name, "InvalidImageOsVersion.Unsupported", (
            f"Tencent Cloud imports {name} in versions {', '.join(allowed)}, not {os_version!r}. "
            "Fix: set options.os_version to one of those")
    return name, "", ""
