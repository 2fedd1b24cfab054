"""Huawei IMS vocabulary: image and job states and error codes, mapped through tables with UNKNOWN defaults."""
from __future__ import annotations

from collections.abc import Iterable

from ..core import errors
from ..core.model import ImageStatus, JobStatus

VENDOR = "huawei-ims"

IMAGE_STATUS: dict[str, ImageStatus] = {
    "queued": ImageStatus.CREATING,
    "saving": ImageStatus.CREATING,
    "active": ImageStatus.AVAILABLE,
    "killed": ImageStatus.FAILED,
    "deleted": ImageStatus.DELETED,
    "pending_delete": ImageStatus.DELETING,
}

# ShowJobProgress `status`: INIT (not started yet), RUNNING, SUCCESS, FAIL.
JOB_STATUS: dict[str, str] = {
    "INIT": JobStatus.RUNNING,
    "RUNNING": JobStatus.RUNNING,
    "SUCCESS": JobStatus.SUCCEEDED,
    "FAIL": JobStatus.FAILED,
}

# IMS copies at most five images across regions per tenant at a time. The IMS error-code table's
# IMG.0060 reads "The number of tasks exceeds the flow control limit. Wait for a while and then
# try again": the refusal of a copy beyond the limit (the API reference names no other code).
COPY_SLOTS_FULL = "IMG.0060"
COPY_SLOTS = 5
MAX_COPY_GB = 128  # "private images to be replicated across regions cannot be larger than 128 GB"
SERVER_BUSY = "IMG.0010"  # "The ECS cannot be used to create an image because it has in-progress tasks."

ERRORS: dict[str, type[errors.CloudError]] = {
    # throttling: API Gateway (429, body kept on POST/PATCH), a GET's 429 arrives as code "429"
    "APIGW.0308": errors.Throttled,
    "429": errors.Throttled,
    COPY_SLOTS_FULL: errors.Throttled,
    # not found
    "IMG.0144": errors.NotFound,
    "IMG.0027": errors.NotFound,
    "IMG.0086": errors.NotFound,
    "IMG.0121": errors.NotFound,
    "IMG.0005": errors.NotFound,
    "IMG.0023": errors.NotFound,
    "Ecs.0114": errors.NotFound,
    "Ecs.0614": errors.NotFound,
    # state
    "IMG.0090": errors.InvalidState,
    "IMG.0046": errors.InvalidState,
    SERVER_BUSY: errors.InvalidState,
    "IMG.0008": errors.InvalidState,
    "IMG.0126": errors.InvalidState,
    "IMG.0136": errors.InvalidState,
    "IMG.0148": errors.InvalidState,
    # arguments
    "IMG.0001": errors.InvalidArgument,
    "IMG.0002": errors.InvalidArgument,
    "IMG.0003": errors.InvalidArgument,
    "IMG.0004": errors.InvalidArgument,
    "IMG.0007": errors.InvalidArgument,
    "IMG.0012": errors.InvalidArgument,
    "IMG.0013": errors.InvalidArgument,
    "IMG.0054": errors.InvalidArgument,
    "IMG.0059": errors.InvalidArgument,
    "IMG.0062": errors.InvalidArgument,
    "IMG.0066": errors.InvalidArgument,
    "IMG.0115": errors.InvalidArgument,
    "IMG.0145": errors.InvalidArgument,
    "IMG.0184": errors.InvalidArgument,
    "IMG.0212": errors.InvalidArgument,
    # capability
    "IMG.0105": errors.Unsupported,
    "IMG.0130": errors.Unsupported,
    "IMG.0197": errors.Unsupported,
    "APIGW.0101": errors.Unsupported,
    # ECS CreateServers (https://support.huaweicloud.com/intl/en-us/api-ecs/ecs_07_0002.html)
    "Ecs.0001": errors.QuotaExceeded,
    "Ecs.0021": errors.QuotaExceeded,
    "Ecs.0013": errors.QuotaExceeded,
    "Ecs.0319": errors.OperationFailed,
    "Ecs.0005": errors.InvalidArgument,
    "Ecs.0029": errors.InvalidArgument,
    "Ecs.0031": errors.NotFound,
    "Ecs.0038": errors.InvalidArgument,
    "Ecs.0064": errors.InvalidArgument,
    "Ecs.0043": errors.InvalidArgument,
    "Ecs.0011": errors.InvalidArgument,
    "Ecs.0905": errors.InvalidArgument,
    "Ecs.0906": errors.InvalidArgument,
    "Ecs.0907": errors.InvalidArgument,
    "Ecs.0908": errors.InvalidArgument,
    "Ecs.0914": errors.InvalidArgument,
    "Ecs.0915": errors.InvalidArgument,
    # conflicts and quotas
    "IMG.0009": errors.Conflict,
    "IMG.0015": errors.QuotaExceeded,
    "IMG.0088": errors.QuotaExceeded,
    "IMG.0116": errors.QuotaExceeded,
    # credentials and permissions
    "APIGW.0301": errors.AuthFailed,
    "APIGW.0302": errors.AuthFailed,
    "APIGW.0303": errors.AuthFailed,
    "IMG.0026": errors.AuthFailed,
    "IMG.0030": errors.AuthFailed,
    "IMG.0047": errors.AuthFailed,
    "IMG.0067": errors.AuthFailed,
    "IMG.0087": errors.AuthFailed,
    "IMG.0179": errors.AuthFailed,
    # the service itself, and the SDK's own transport failures
    "IMG.0014": errors.ServiceUnavailable,
    "IMG.0018": errors.ServiceUnavailable,
    "IMG.0061": errors.ServiceUnavailable,
    "SDK.ConnectionError": errors.ServiceUnavailable,
    "SDK.Timeout": errors.ServiceUnavailable,
}

TABLE = errors.ErrorTable(exact=ERRORS, statuses=errors.COMMON_STATUSES)


def image_status(raw: str) -> ImageStatus:
    return IMAGE_STATUS.get(raw, ImageStatus.UNKNOWN)


def job_state(raw: str) -> str:
    """Our job state for ShowJobProgress `status`; an unknown status is still running (IMS names four)."""
    return JOB_STATUS.get(raw, JobStatus.RUNNING)


def job_percent(raw: object) -> float | None:
    """`process_percent` is a fraction (0.42); ours is a percentage (42.0)."""
    try:
        return None if raw is None else round(float(str(raw)) * 100.0, 1)
    except ValueError:
        return None


def gigabytes(raw: object) -> int | None:
    """`min_disk` is the image's system disk size in GB; anything unreadable is unknown."""
    try:
        return int(str(raw))
    except ValueError:
        return None


def tags_of(raw: Iterable[object] | None) -> dict[str, str]:
    """IMS lists tags as "key.value" strings."""
    out: dict[str, str] = {}
    for item in raw or []:
        key, _, value = str(item).partition(".")
        out[key] = value
    return out
