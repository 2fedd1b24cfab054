"""What Alibaba's services (ECS, EDS) share: account-wide error codes and their percent strings."""
from __future__ import annotations

from ..core import errors

COMMON_ERRORS: dict[str, type[errors.CloudError]] = {
    "Forbidden.RAM": errors.AuthFailed,
    "InvalidAccessKeyId.NotFound": errors.AuthFailed,
    "SignatureDoesNotMatch": errors.AuthFailed,
    "InvalidAccessKeySecret": errors.AuthFailed,  # aliyun-python-sdk-core's name for a SignatureDoesNotMatch it can explain
    "IncompleteSignature": errors.AuthFailed,
    "Throttling": errors.Throttled,
    "Throttling.User": errors.Throttled,
    "Throttling.Api": errors.Throttled,
    "ServiceUnavailable": errors.ServiceUnavailable,
    "InternalError": errors.ServiceUnavailable,
}


def percent(raw: object) -> float | None:
    """Alibaba reports progress as "57%"; anything unreadable is unknown rather than zero."""
    try:
        return float(str(raw).strip().rstrip("%"))
    except ValueError:
        return None
