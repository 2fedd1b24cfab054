"""Huawei IMS vocabulary: image and job states and error codes, mapped through tables with UNKNOWN defaults."""
from __future__ import annotations

import enum
from collections.abc import Iterable

from ..core import errors
from ..core.model import ImageStatus

IMAGE_STATUS: dict[str, ImageStatus] = {
    "queued": ImageStatus.CREATING,
    "saving": ImageStatus.CREATING,
    "active": ImageStatus.AVAILABLE,
    "killed": ImageStatus.FAILED,
    "deleted": ImageStatus.DELETED,
    "pending_delete": ImageStatus.DELETING,
}


class JobState(str, enum.Enum):
    """Where an IMS asynchronous job is (ShowJob `status`)."""

    RUNNING = "running"
    SUCCESS = "success"
    FAIL = "fail"
    UNKNOWN = "unknown"


JOB_STATUS: dict[str, JobState] = {
    "INIT": JobState.RUNNING,
    "RUNNING": JobState.RUNNING,
    "SUCCESS": JobState.SUCCESS,
    "FAIL": JobState.FAIL,
}

# Copy-slot refusal: IMS runs at most five cross-region copies per tenant; the sixth is refused.
COPY_SLOTS_FULL = "IMG.0060"
MAX_COPIES_IN_FLIGHT = 5

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
    "IMG.0010": errors.InvalidState,
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
    # the service itself
    "IMG.0014": errors.ServiceUnavailable,
    "IMG.0018": errors.ServiceUnavailable,
    "IMG.0061": errors.ServiceUnavailable,
}


def image_status(raw: str) -> ImageStatus:
    return IMAGE_STATUS.get(raw, ImageStatus.UNKNOWN)


def job_state(raw: str) -> JobState:
    return JOB_STATUS.get(raw, JobState.UNKNOWN)


def error_class(code: str, http_status: int) -> type[errors.CloudError]:
    """Table first; the HTTP status only decides for codes the table does not know."""
    if code in ERRORS:
        return ERRORS[code]
    if http_status == 429:
        return errors.Throttled
    if http_status >= 500:
        return errors.ServiceUnavailable
    if http_status == 404:
        return errors.NotFound
    if http_status in (401, 403):
        return errors.AuthFailed
    return errors.CloudError


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
