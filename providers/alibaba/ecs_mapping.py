"""Alibaba ECS vocabulary: image states and error codes, mapped through tables with UNKNOWN defaults."""
from __future__ import annotations

from ..core import errors
from ..core.model import ImageStatus

IMAGE_STATUS: dict[str, ImageStatus] = {
    "Creating": ImageStatus.CREATING,
    "Waiting": ImageStatus.CREATING,
    "Available": ImageStatus.AVAILABLE,
    "CreateFailed": ImageStatus.FAILED,
    "UnAvailable": ImageStatus.FAILED,
    "Deprecated": ImageStatus.AVAILABLE,
}
ALL_STATUSES = "Creating,Waiting,Available,UnAvailable,CreateFailed,Deprecated"

ERRORS: dict[str, type[errors.CloudError]] = {
    "InvalidImageId.NotFound": errors.NotFound,
    "InvalidInstanceId.NotFound": errors.NotFound,
    "InvalidSnapshotId.NotFound": errors.NotFound,
    "InvalidRegionId.NotFound": errors.InvalidArgument,
    "IncorrectImageStatus": errors.InvalidState,
    "IncorrectInstanceStatus": errors.InvalidState,
    "ImageIsCopying": errors.InvalidState,
    "ImageCreatedNotFromCopy": errors.InvalidArgument,
    "InvalidImageName.Malformed": errors.InvalidArgument,
    "InvalidImageName.Duplicated": errors.Conflict,
    "InvalidDescription.Malformed": errors.InvalidArgument,
    "InvalidSnapshotId.NotSystemDisk": errors.InvalidArgument,
    "InvalidParameter.Conflict": errors.InvalidArgument,
    "MissingParameter": errors.InvalidArgument,
    "QuotaExceed.Image": errors.QuotaExceeded,
    "Forbidden.RAM": errors.AuthFailed,
    "InvalidAccessKeyId.NotFound": errors.AuthFailed,
    "SignatureDoesNotMatch": errors.AuthFailed,
    "Throttling": errors.Throttled,
    "Throttling.User": errors.Throttled,
    "Throttling.Api": errors.Throttled,
    "ServiceUnavailable": errors.ServiceUnavailable,
    "InternalError": errors.ServiceUnavailable,
}


def image_status(raw: str) -> ImageStatus:
    return IMAGE_STATUS.get(raw, ImageStatus.UNKNOWN)


def progress(raw: object) -> float | None:
    """ECS reports "57%"; anything unreadable is unknown rather than zero."""
    try:
        return float(str(raw).rstrip("%"))
    except ValueError:
        return None


def error_class(code: str, http_status: int) -> type[errors.CloudError]:
    if code in ERRORS:
        return ERRORS[code]
    if code.startswith("Throttling"):
        return errors.Throttled
    if http_status >= 500 or code.startswith("SDK.Http") or code == "SDK.ServerUnreachable":
        return errors.ServiceUnavailable
    if http_status == 404:
        return errors.NotFound
    return errors.CloudError
