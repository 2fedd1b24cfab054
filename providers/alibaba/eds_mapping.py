"""Alibaba EDS vocabulary: image states, failure reasons and error codes, in tables with UNKNOWN defaults."""
from __future__ import annotations

from ..core import errors
from .codes import COMMON_ERRORS, percent
from ..core.model import ImageStatus, Scope

VENDOR = "alibaba-eds"

IMAGE_STATUS: dict[str, ImageStatus] = {
    "Creating": ImageStatus.CREATING,
    "Available": ImageStatus.AVAILABLE,
    "CreateFailed": ImageStatus.FAILED,
    "Deleting": ImageStatus.DELETING,
}

DISK_TYPE: dict[Scope, str] = {Scope.SYSTEM: "SYSTEM", Scope.SYSTEM_AND_DATA: "ALL"}

# Cloud computer states in which CreateImage is accepted.
CAPTURABLE_DESKTOP = frozenset({"Running", "Stopped"})

# A failed capture's description starts with "CreateFailed: <Reason>: ..."; the reason picks the advice.
FAILURE_PREFIX = "CreateFailed:"
FAILURE_REASONS: dict[str, str] = {
    "DesktopRestarted": ("the source cloud computer was shut down or restarted while the image was being created. "
                         "Keep it running and do not restart it until the capture ends, then run again"),
}
FAILURE_DEFAULT = "the image ended CreateFailed"

ERRORS: dict[str, type[errors.CloudError]] = {
    **COMMON_ERRORS,
    "InvalidImageId.NotFound": errors.NotFound,
    "InvalidDesktopId.NotFound": errors.NotFound,
    "InvalidSnapshotId.NotFound": errors.NotFound,
    "InvalidRegionId.NotFound": errors.InvalidArgument,
    "IncorrectImageStatus": errors.InvalidState,
    "IncorrectDesktopStatus": errors.InvalidState,
    "ImageIsCopying": errors.InvalidState,
    "ImageCreatedNotFromCopy": errors.InvalidArgument,
    "InvalidImageType": errors.InvalidArgument,
    "InvalidImageName.Malformed": errors.InvalidArgument,
    "InvalidDescription.Malformed": errors.InvalidArgument,
    "InvalidSnapshotId.NotSystemDisk": errors.InvalidArgument,
    "InvalidSnapshotId.NotDataDisk": errors.InvalidArgument,
    "InvalidParameter.AutoCleanUserdata": errors.InvalidArgument,
    "InvalidParameter.DiskType": errors.InvalidArgument,
    "InvalidParameter.DestinationRegionId": errors.InvalidArgument,
    "InvalidParameter.Conflict": errors.InvalidArgument,
    "InvalidParameter": errors.InvalidArgument,
    "MissingParameter": errors.InvalidArgument,
    "MissingDestinationImageName": errors.InvalidArgument,
    "MissingDestinationRegionId": errors.InvalidArgument,
    "InvalidAction.NotFound": errors.Unsupported,
    "ExceedMaxImageCount": errors.QuotaExceeded,
    "QuotaExceed.Image": errors.QuotaExceeded,
    "Forbidden": errors.AuthFailed,
    "MissingAuthorization": errors.AuthFailed,
}


def image_status(raw: str) -> ImageStatus:
    return IMAGE_STATUS.get(raw, ImageStatus.UNKNOWN)


progress = percent


def failure_reason(raw_status: str, description: str) -> str:
    """Why a capture failed, as advice; empty unless the image is CreateFailed."""
    if raw_status != "CreateFailed":
        return ""
    if description.startswith(FAILURE_PREFIX):
        reason = description[len(FAILURE_PREFIX):].strip().split(":", 1)[0].strip()
        if reason in FAILURE_REASONS:
            return FAILURE_REASONS[reason]
    return FAILURE_DEFAULT


def error_class(code: str, http_status: int, throttled: bool = False) -> type[errors.CloudError]:
    """One table lookup; the status and the SDK's throttling flag decide only for unlisted codes."""
    if code in ERRORS:
        return ERRORS[code]
    if throttled or code.startswith("Throttling"):
        return errors.Throttled
    if http_status >= 500 or code.startswith("SDK."):
        return errors.ServiceUnavailable
    if http_status == 404:
        return errors.NotFound
    if http_status == 403:
        return errors.AuthFailed
    return errors.CloudError
