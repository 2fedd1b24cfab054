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
    # Cloud Assistant and instances (RunCommand, DescribeInvocationResults, StopInstance, TagResources)
    "InvalidInstance.NotFound": errors.NotFound,
    "InvalidInstance.NotMatch": errors.InvalidArgument,
    "InvalidCmdType.NotFound": errors.InvalidArgument,
    "InvalidCmdId.NotFound": errors.NotFound,
    "InvalidInvokeId.NotFound": errors.NotFound,
    "InstanceIds.ExceedLimit": errors.InvalidArgument,
    "CmdCount.ExceedQuota": errors.QuotaExceeded,
    "CmdContent.ExceedLimit": errors.InvalidArgument,
    "InvalidParam.Timeout": errors.InvalidArgument,
    "InvalidResourceType.NotSupported": errors.InvalidArgument,
    # ModifyImageSharePermission and DeleteImage of a shared image (API reference, error codes)
    "InvalidAccount.NotFound": errors.InvalidArgument,
    "InvalidAccount.Forbbiden": errors.InvalidArgument,  # the caller's own account (ECS spells it so)
    "QuotaExceed.ShareImageUser": errors.QuotaExceeded,
    "OperationDeined.EncryptedSnapshot": errors.InvalidArgument,  # a service-key encrypted image (ECS spells it so)
    "ImageUseShared": errors.Conflict,  # DeleteImage of a shared image: un-share first; Force is never sent
    # DeleteImage without Force refuses an image shared with other accounts or used by instances (API reference)
    "ImageUsingByInstance": errors.Conflict,
    "InvalidImageFamily.Malformed": errors.InvalidArgument,
    # RunInstances, DeleteInstances, DeleteDisk, DeleteNetworkInterface (API reference, error codes)
    "OperationDenied.NoStock": errors.OperationFailed,
    "Zone.NotOnSale": errors.InvalidArgument,
    "QuotaExceed.ElasticQuota": errors.QuotaExceeded,
    "InvalidInstanceType.NotSupported": errors.InvalidArgument,
    "InvalidInstanceType.ValueNotSupported": errors.InvalidArgument,
    "InvalidVSwitchId.NotFound": errors.InvalidArgument,
    "InvalidSecurityGroupId.NotFound": errors.InvalidArgument,
    "InvalidParameter.Mismatch": errors.InvalidArgument,
    "InvalidSystemDiskSize.LessThanImageSize": errors.InvalidArgument,
    "InvalidSystemDiskSize.ValueNotSupported": errors.InvalidArgument,
    "IdempotentParameterMismatch": errors.Conflict,
    "IncorrectDiskStatus": errors.InvalidState,
    "InvalidOperation.InvalidEniState": errors.InvalidState,
}

# Instance Status (DescribeInstances) -> GeneralizedVM's power states; UNKNOWN for anything else.
POWER_STATE: dict[str, str] = {"Pending": "pending", "Starting": "starting", "Running": "running",
                               "Stopping": "stopping", "Stopped": "stopped"}


def power_state(raw: str) -> str:
    return POWER_STATE.get(raw, "unknown")


def image_status(raw: str) -> ImageStatus:
    return IMAGE_STATUS.get(raw, ImageStatus.UNKNOWN)


progress = percent


TABLE = errors.ErrorTable(
    exact=ERRORS,
    prefixes=(("Throttling", errors.Throttled), ("SDK.Http", errors.ServiceUnavailable),
              ("SDK.ServerUnreachable", errors.ServiceUnavailable), ("QuotaExceed.", errors.QuotaExceeded)),
    suffixes=((".NotFound", errors.NotFound),),
    statuses=errors.COMMON_STATUSES,
)
