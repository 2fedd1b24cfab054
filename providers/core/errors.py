"""One typed error hierarchy for every cloud, filled once at each adapter's boundary."""
from __future__ import annotations


class ImageforgeError(Exception):
    """Base of every error this package raises on purpose."""


class UserInputError(ImageforgeError):
    """Bad input found before any cloud call: names the field, the rule and the fix."""

    def __init__(self, field: str, rule: str, fix: str = "") -> None:
        self.field = field
        self.rule = rule
        self.fix = fix
        super().__init__(f"{field}: {rule}" + (f" Fix: {fix}" if fix else ""))


class CredentialsMissing(ImageforgeError):
    """No credential was found in any of the vendor's standard sources."""

    def __init__(self, vendor: str, names: list[str], hint: str = "") -> None:
        self.vendor = vendor
        self.names = names
        message = f"{vendor}: no credentials found. Set {' or '.join(names)} in the environment"
        super().__init__(message + (f" ({hint})" if hint else "") + ".")


class CloudError(ImageforgeError):
    """A cloud API refused or failed an operation.

    Carries what a user needs to report or adopt: the vendor, our operation, the vendor's
    own error code, its request id and whether retrying can help.
    """

    retryable_default = False

    def __init__(
        self,
        message: str,
        *,
        vendor: str = "",
        operation: str = "",
        code: str = "",
        request_id: str = "",
        retryable: bool | None = None,
        resource_id: str = "",
        retry_after: float | None = None,
    ) -> None:
        self.message = message
        self.retry_after = retry_after  # seconds the vendor asked us to wait (Retry-After)
        self.vendor = vendor
        self.operation = operation
        self.code = code
        self.request_id = request_id
        self.retryable = self.retryable_default if retryable is None else retryable
        self.resource_id = resource_id
        super().__init__(self._render())

    def _render(self) -> str:
        where = " ".join(p for p in (self.vendor, self.operation) if p)
        parts = [f"{where}: {self.message}" if where else self.message]
        if self.code:
            parts.append(f"code {self.code}")
        if self.request_id:
            parts.append(f"request id {self.request_id}")
        return " | ".join(parts)


class NotFound(CloudError):
    """The object does not exist (delete treats this as done)."""


class InvalidState(CloudError):
    """The object exists but is in a state that forbids the operation."""


class InvalidArgument(CloudError):
    """The cloud refused a parameter."""


class Throttled(CloudError):
    """Too many requests: back off and retry."""

    retryable_default = True


class ServiceUnavailable(CloudError):
    """A 5xx or network failure on the vendor side: retry."""

    retryable_default = True


class QuotaExceeded(CloudError):
    """An account quota is used up."""


class AuthFailed(CloudError):
    """The credentials were refused or lack permission."""


class Conflict(CloudError):
    """A name or token is already taken, or a concurrent change won."""


class OperationFailed(CloudError):
    """The cloud accepted the operation, then the operation itself failed."""


class Timeout(CloudError):
    """A wait ran past its deadline; the object may still be finishing in the cloud."""


class Unsupported(CloudError):
    """The cloud or service has no such capability."""
