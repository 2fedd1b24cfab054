"""Azure's raw strings in one place: provisioning, power and replication states, the error table, converters."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core import errors
from ..core.model import ImageStatus

VENDOR = "azure"

# provisioningState of images and gallery image versions
PROVISIONING: dict[str, ImageStatus] = {
    "creating": ImageStatus.CREATING,
    "updating": ImageStatus.AVAILABLE,  # a version being re-replicated stays usable where it already is
    "migrating": ImageStatus.AVAILABLE,
    "succeeded": ImageStatus.AVAILABLE,
    "failed": ImageStatus.FAILED,
    "canceled": ImageStatus.FAILED,
    "deleting": ImageStatus.DELETING,
}
# replicationStatus.summary[].state, per target region
REPLICATION: dict[str, ImageStatus] = {
    "replicating": ImageStatus.CREATING,
    "completed": ImageStatus.AVAILABLE,
    "failed": ImageStatus.FAILED,
    "unknown": ImageStatus.UNKNOWN,
}
# instance view codes "PowerState/<state>"
POWER: dict[str, str] = {
    "running": "running", "starting": "starting", "stopping": "stopping", "stopped": "stopped",
    "deallocating": "deallocating", "deallocated": "deallocated",
}
STOPPED = frozenset({"stopped", "deallocated"})
# ImportRequest.boot_mode -> the managed image's hyperVGeneration: a UEFI-only guest boots on generation 2 only
GENERATION: dict[str, str] = {"BIOS": "V1", "UEFI": "V2"}
DEFAULT_GENERATION = "V1"  # what Azure assumes when hyperVGeneration is left out
BOOT_MODE_OF: dict[str, str] = {v: k for k, v in GENERATION.items()}
OS_TYPES: dict[str, str] = {"linux": "Linux", "windows": "Windows"}
UNKNOWN_POWER = "unknown"

# ARM error codes -> our error classes; an unknown code falls back on the HTTP status.
ERRORS: dict[str, type[errors.CloudError]] = {
    "ResourceNotFound": errors.NotFound,
    "NotFound": errors.NotFound,
    "ParentResourceNotFound": errors.NotFound,
    "ResourceGroupNotFound": errors.NotFound,
    "SubscriptionNotFound": errors.NotFound,
    "OperationNotAllowed": errors.InvalidState,
    "AnotherOperationInProgress": errors.InvalidState,
    "OperationPreempted": errors.InvalidState,
    "CannotDeleteResource": errors.InvalidState,
    # Run Command answers 409 Conflict "Run command extension execution is in progress"
    "Conflict": errors.Conflict,
    "PropertyChangeNotAllowed": errors.Conflict,
    "InvalidParameter": errors.InvalidArgument,
    "BadRequest": errors.InvalidArgument,
    "InvalidRequestContent": errors.InvalidArgument,
    "InvalidResourceType": errors.Unsupported,
    "LocationRequired": errors.InvalidArgument,
    "MissingApiVersionParameter": errors.InvalidArgument,
    "LocationNotAvailableForResourceType": errors.InvalidArgument,
    "AuthenticationFailed": errors.AuthFailed,
    "InvalidAuthenticationToken": errors.AuthFailed,
    "InvalidAuthenticationTokenTenant": errors.AuthFailed,
    "ExpiredAuthenticationToken": errors.AuthFailed,
    "AuthorizationFailed": errors.AuthFailed,
    "LinkedAuthorizationFailed": errors.AuthFailed,
    "QuotaExceeded": errors.QuotaExceeded,
    "OperationNotAllowedQuotaExceeded": errors.QuotaExceeded,
    "TooManyRequests": errors.Throttled,
    "SubscriptionRequestsThrottled": errors.Throttled,
    "InternalServerError": errors.ServiceUnavailable,
    "InternalError": errors.ServiceUnavailable,
    "ServiceUnavailable": errors.ServiceUnavailable,
    "GatewayTimeout": errors.ServiceUnavailable,
    "InternalExecutionError": errors.OperationFailed,
    "ReplicationFailed": errors.OperationFailed,
    "VMExtensionProvisioningError": errors.OperationFailed,
    "VMAgentStatusCommunicationError": errors.OperationFailed,
}
STATUSES: dict[int, type[errors.CloudError]] = {
    **errors.COMMON_STATUSES, 400: errors.InvalidArgument, 412: errors.Conflict,
}
# 429 wins over every code: Compute answers some throttles with OperationNotAllowed
TABLE = errors.ErrorTable(exact=ERRORS, statuses=STATUSES)
# codes of a long-running operation that ended Failed: the operation itself failed, not our request
OPERATION_FAILED = frozenset({errors.CloudError, errors.InvalidArgument})


def to_error(exc: Exception, operation: str, resource_id: str = "") -> errors.CloudError:
    """The one mapping of an azure-core / azure-identity exception onto our errors, at the adapter boundary."""
    from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ServiceRequestError

    if isinstance(exc, errors.CloudError):
        return exc
    if isinstance(exc, ServiceRequestError):
        return TABLE.build(f"could not reach Azure Resource Manager: {exc}", status=503, vendor=VENDOR,
                           operation=operation, resource_id=resource_id)
    response = getattr(exc, "response", None)
    status = getattr(exc, "status_code", None) or getattr(response, "status_code", None)
    err = getattr(exc, "error", None)
    code = str(getattr(err, "code", "") or "")
    message = str(getattr(err, "message", "") or getattr(exc, "message", "") or exc)
    headers: Mapping[str, str] = getattr(response, "headers", None) or {}
    request_id = str(headers.get("x-ms-request-id", "") or "")
    if isinstance(exc, ClientAuthenticationError) and not status:
        return errors.AuthFailed(f"Azure credentials were refused or unavailable: {message}", vendor=VENDOR,
                                 operation=operation, code=code)
    if not isinstance(exc, HttpResponseError):
        return TABLE.build(message, vendor=VENDOR, operation=operation, resource_id=resource_id)
    first = message.splitlines()[0] if message else f"HTTP {status}"
    throttled = TABLE.classify(code, status) is errors.Throttled
    return TABLE.build(first, code=code or str(status or ""), status=status, vendor=VENDOR, operation=operation,
                       request_id=request_id, resource_id=resource_id,
                       retry_after=retry_after(headers) if throttled else None)


def operation_error(code: str, message: str, operation: str, resource_id: str = "") -> errors.CloudError:
    """A long-running operation that ended Failed: its own error, typed (a bare code means the operation failed)."""
    cls = TABLE.classify(code)
    if cls in OPERATION_FAILED:
        return errors.OperationFailed(message or f"operation ended {code or 'Failed'}", vendor=VENDOR,
                                      operation=operation, code=code, resource_id=resource_id)
    return TABLE.build(message, code=code, vendor=VENDOR, operation=operation, resource_id=resource_id)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from a Retry-After header (Azure sends delta-seconds), or None."""
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def image_status(provisioning_state: str | None) -> ImageStatus:
    return PROVISIONING.get(str(provisioning_state or "").lower(), ImageStatus.UNKNOWN)


def replication_status(state: str | None) -> ImageStatus:
    return REPLICATION.get(str(state or "").lower(), ImageStatus.UNKNOWN)


def power_state(statuses: list[Any] | None) -> str:
    for status in statuses or []:
        code = str(_get(status, "code") or "")
        if code.startswith("PowerState/"):
            return POWER.get(code.split("/", 1)[1].lower(), UNKNOWN_POWER)
    return UNKNOWN_POWER


def is_generalized(statuses: list[Any] | None) -> bool:
    return any(str(_get(s, "code") or "").lower() == "osstate/generalized" for s in statuses or [])


def region(name: str | None) -> str:
    """ARM answers "West Europe" where requests said "westeurope": compare on the short form."""
    return str(name or "").replace(" ", "").lower()


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def hyper_v_generation(boot_mode: str, explicit: object = None) -> str:
    """options.hyper_v_generation when given, else the one the boot mode needs (V1 when unknown)."""
    if explicit:
        return str(explicit)
    return GENERATION.get(boot_mode.upper(), DEFAULT_GENERATION)


def enum_value(value: Any) -> str:
    """SDK enums are str subclasses whose str() is the member name: use the wire value."""
    return str(getattr(value, "value", value) or "")
