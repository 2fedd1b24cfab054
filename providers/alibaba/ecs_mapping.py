"""Alibaba ECS vocabulary: image states and error codes, mapped through tables with UNKNOWN defaults."""
from __future__ import annotations

from ..core import errors
from .codes import COMMON_ERRORS, percent
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
    **COMMON_ERRORS,
    "InvalidImageId.NotFound": errors.NotFound,
    "InvalidInstanceId.NotFound": errors.NotFound,
    "InvalidSnapshotId.NotFound": errors.NotFound,
    "InvalidRegionId.NotFound": errors.InvalidArgument,
    "IncorrectImageStatus": errors.InvalidState,
    "IncorrectInstanceStatus": errors.InvalidState,
    "ImageIsCopying": errors.InvalidState,
    "OperationDenied.ImageCopying": errors.InvalidState,  # DeleteImage while the image is copied (API reference)
    "ImageIsImporting": errors.InvalidState,
    "ImageCreatedNotFromCopy": errors.InvalidArgument,
    "InvalidImageName.Malformed": errors.InvalidArgument,
    "InvalidImageName.Duplicated": errors.Conflict,
    "InvalidDescription.Malformed": errors.InvalidArgument,
    "InvalidSnapshotId.NotSystemDisk": errors.InvalidArgument,
    "InvalidParameter.Conflict": errors.InvalidArgument,
    "MissingParameter": errors.InvalidArgument,
    "QuotaExceed.Image": errors.QuotaExceeded,
}


def image_status(raw: str) -> ImageStatus:
    return IMAGE_STATUS.get(raw, ImageStatus.UNKNOWN)


progress = percent


TABLE = errors.ErrorTable(
    exact=ERRORS,
    prefixes=(("Throttling", errors.Throttled), ("SDK.Http", errors.ServiceUnavailable),
              ("SDK.ServerUnreachable", errors.ServiceUnavailable)),
    suffixes=((".NotFound", errors.NotFound),),
    statuses=errors.COMMON_STATUSES,
)
