"""One typed error hierarchy for every cloud, classified from each vendor's table and built once at its adapter's boundary."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .redact import redact


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
    """No usable credential was found: each missing piece with the names that may hold it, then the vendor
    chain's other sources and what each of them said (never a value)."""

    def __init__(self, vendor: str, names: list[str], hint: str = "", missing: list[str] | None = None,
                 sources: str = "", tried: list[str] | None = None, chosen: str = "") -> None:
        self.vendor = vendor
        self.names = names  # per missing piece: the environment names that may hold it ("A or B")
        self.tried = list(tried or [])
        if chosen:
            message = f"{vendor}: the credentials named by {chosen} could not be used"
        else:
            pieces = missing or ["a credential"] * len(names)
            wanted = "; ".join(f"{piece} from {ways}" for piece, ways in zip(pieces, names))
            message = (f"{vendor}: credentials incomplete. Missing {'this' if len(names) == 1 else 'each of these'}, "
                       f"read from the environment: {wanted}")
        if sources:
            message += f". Or provide them through {sources}"
        if self.tried:
            message += ". Tried: " + "; ".join(t.rstrip(". ") for t in self.tried)
        super().__init__(message + (f". {hint[0].upper()}{hint[1:]}" if hint else "") + ".")


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
        self.message = redact(message)
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


class CleanupFailed(CloudError):
    """An operation failed and removing what it had made failed too: names both causes and every id left.

    Each id left carries the resource's identity, so the next `pulumi up` finds it and deletes it first.
    """

    def __init__(self, cause: BaseException, cleanup: BaseException, left: Mapping[str, str], **kwargs: object) -> None:
        self.cause = cause
        self.cleanup = cleanup
        self.left = dict(left)
        where = ", ".join(f"{region} {ident}" for region, ident in sorted(self.left.items())) or "none"
        super().__init__(
            f"{_text(cause)}. Removing what this operation made then failed too ({_text(cleanup)}); left in the "
            f"cloud: {where}. They carry this resource's identity: the next `pulumi up` deletes them first",
            **kwargs)  # type: ignore[arg-type]


def _text(err: BaseException) -> str:
    return err.message if isinstance(err, CloudError) else redact(f"{type(err).__name__}: {err}")


class UnexpectedError(ImageforgeError):
    """Something other than a cloud refusal went wrong inside an operation: named, redacted, never a raw exception."""

    def __init__(self, operation: str, err: BaseException) -> None:
        self.operation = operation
        super().__init__(redact(f"{operation} failed: {type(err).__name__}: {err}. This is a bug in imageforge or an "
                                "unreachable endpoint; nothing was reported done. Run `pulumi up` again after fixing "
                                "the cause (a re-run adopts what exists)"))


@dataclass(frozen=True)
class ErrorTable:
    """A vendor's error codes: exact codes, then code prefixes and suffixes, then the HTTP status.

    `throttle_statuses` win over every code (Azure answers some throttles with OperationNotAllowed).
    """

    exact: Mapping[str, type[CloudError]] = field(default_factory=dict)
    prefixes: tuple[tuple[str, type[CloudError]], ...] = ()
    suffixes: tuple[tuple[str, type[CloudError]], ...] = ()
    statuses: Mapping[int, type[CloudError]] = field(default_factory=dict)
    throttle_statuses: frozenset[int] = frozenset({429})

    def classify(self, code: str, status: int | None = None, throttled: bool = False) -> type[CloudError]:
        if throttled or (status is not None and status in self.throttle_statuses):
            return Throttled
        if code in self.exact:
            return self.exact[code]
        for prefix, cls in self.prefixes:
            if code.startswith(prefix):
                return cls
        for suffix, cls in self.suffixes:
            if code.endswith(suffix):
                return cls
        if status is not None and status >= 500:
            return ServiceUnavailable
        return self.statuses.get(status or 0, CloudError)

    def build(self, message: str, *, code: str = "", status: int | None = None, throttled: bool = False,
              **kwargs: object) -> CloudError:
        """The typed, redacted error for one vendor reply, built once."""
        cls = self.classify(code, status, throttled)
        return cls(message or code or f"HTTP {status}", code=code, **kwargs)  # type: ignore[arg-type]


COMMON_STATUSES: Mapping[int, type[CloudError]] = {401: AuthFailed, 403: AuthFailed, 404: NotFound, 409: Conflict,
                                                     429: Throttled}
