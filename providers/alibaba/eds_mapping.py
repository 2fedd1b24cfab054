"""Alibaba EDS vocabulary: image and cloud-computer states and error codes, in tables with UNKNOWN defaults."""
from __future__ import annotations

from ..core import errors
from ..core.model import ImageStatus, Scope
from .codes import COMMON_ERRORS, percent

VENDOR = "alibaba-eds"

IMAGE_STATUS: dict[str, ImageStatus] = {
    "Creating": ImageStatus.CREATING,
    "Available": ImageStatus.AVAILABLE,
    "CreateFailed": ImageStatus.FAILED,
    "Deleting": ImageStatus.DELETING,
}
CREATING = "Creating"

# CreateImage.DiskType; no scope means the system disk, as on the EDS console.
DISK_TYPE: dict[Scope | None, str] = {None: "SYSTEM", Scope.SYSTEM: "SYSTEM", Scope.SYSTEM_AND_DATA: "ALL"}

# Cloud computer states in which CreateImage is accepted.
CAPTURABLE_DESKTOP = frozenset({"Running", "Stopped"})

# DescribeImages says only CreateFailed; the one cause the EDS guide names is a restart of the source computer.
CAPTURE_FAILED = ("EDS fails a capture when the source cloud computer is shut down or restarted while the image is "
                  "being created: keep it running and do not restart it until the capture ends, then run again")
COPY_FAILED = "the copy ended CreateFailed in its destination region"

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
    "MissingImageId": errors.InvalidArgument,
    "MissingDestinationImageName": errors.InvalidArgument,
    "MissingDestinationRegionId": errors.InvalidArgument,
    "InvalidAction.NotFound": errors.Unsupported,
    "ExceedMaxImageCount": errors.QuotaExceeded,
    "QuotaExceed.Image": errors.QuotaExceeded,
    "Forbidden": errors.AuthFailed,
    "MissingAuthorization": errors.AuthFailed,
    # guest commands and power (RunCommand, DescribeInvocations, StopDesktops, TagResources, DeleteDesktops)
    "InvalidInvokeId.NotFound": errors.NotFound,
    "InvalidCmdType.NotFound": errors.InvalidArgument,
    "CmdContent.ExceedLimit": errors.InvalidArgument,
    "InvalidParam.Timeout": errors.InvalidArgument,
    "InvalidResourceType.NotSupported": errors.InvalidArgument,
}

# DescribeDesktops DesktopStatus -> GeneralizedVM's power states; anything else reads as itself, lower-cased.
POWER_STATE: dict[str, str] = {"Pending": "starting", "Starting": "starting", "Running": "running",
                               "Stopping": "stopping", "Stopped": "stopped"}

TABLE = errors.ErrorTable(
    exact=ERRORS,
    prefixes=(("Throttling", errors.Throttled), ("SDK.", errors.ServiceUnavailable)),
    suffixes=((".NotFound", errors.NotFound),),
    statuses=errors.COMMON_STATUSES,
)


def power_state(raw: str) -> str:
    return POWER_STATE.get(raw, raw.lower() or "unknown")


def image_status(raw: str) -> ImageStatus:
    return IMAGE_STATUS.get(raw, ImageStatus.UNKNOWN)


progress = percent


def failure_reason(raw_status: str, copy: bool = False) -> str:
    """Why an image failed, as advice; empty unless it is CreateFailed."""
    if raw_status != "CreateFailed":
        return ""
    return COPY_FAILED if copy else CAPTURE_FAILED
