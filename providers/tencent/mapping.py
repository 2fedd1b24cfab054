"""Tencent CVM vocabulary: image states and error codes, mapped through tables with UNKNOWN defaults."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core import errors
from ..core.model import ImageInfo, ImageStatus

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
    "ResourceUnavailable.SnapshotCreating": errors.InvalidState,
    "InvalidImageName.Duplicate": errors.Conflict,
    "ImageQuotaLimitExceeded": errors.QuotaExceeded,
    "LimitExceeded.TagResourceQuota": errors.QuotaExceeded,
    "InvalidRegion.NotFound": errors.InvalidArgument,
    "InvalidRegion.Unavailable": errors.InvalidArgument,
    "UnsupportedRegion": errors.InvalidArgument,
    "InvalidFilter": errors.InvalidArgument,
    "UnknownParameter": errors.InvalidArgument,
    "FailedOperation.TagKeyReserved": errors.InvalidArgument,
    "UnsupportedOperation.EncryptedImagesNotSupported": errors.Unsupported,
    "UnsupportedOperation.SyncEncryptImageNotSupport": errors.Unsupported,
    "InvalidAction": errors.Unsupported,
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
    ("UnsupportedOperation", errors.Unsupported),
)


def error_class(code: str) -> type[errors.CloudError]:
    if code in ERRORS:
        return ERRORS[code]
    for prefix, cls in PREFIXES:
        if code.startswith(prefix):
            return cls
    if code.endswith(".NotFound"):
        return errors.NotFound
    return errors.CloudError


def to_error(code: str | None, message: str | None, request_id: str | None, operation: str) -> errors.CloudError:
    """The one place a TencentCloudSDKException becomes our typed error."""
    code = code or "Unknown"
    return error_class(code)(message or code, vendor=VENDOR, operation=operation, code=code, request_id=request_id or "")


def image_status(state: str, as_copy: bool = False) -> ImageStatus:
    return (COPY_STATUS if as_copy else IMAGE_STATUS).get(state, ImageStatus.UNKNOWN)


def image_info(raw: Mapping[str, Any], region: str, as_copy: bool = False) -> ImageInfo:
    """One DescribeImages `Image` (as a dict); `as_copy` reads it as a SyncImages destination."""
    state = str(raw.get("ImageState") or "")
    status = image_status(state, as_copy)
    sync = raw.get("SyncPercent")
    if as_copy and sync is not None:
        progress: float | None = float(sync)
    else:
        progress = 100.0 if status is ImageStatus.AVAILABLE else None
    tags = {str(t.get("Key", "")): str(t.get("Value", "")) for t in raw.get("Tags") or []}
    tags.pop(OWNS_SNAPSHOTS_TAG, None)
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
    return any(t.get("Key") == OWNS_SNAPSHOTS_TAG for t in raw.get("Tags") or [])
