"""What every resource provider shares: declared checks, plans, targets, waiters, identity keys and safe errors."""
from __future__ import annotations

import functools
import hashlib
import json
import traceback
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, TypeVar

from pulumi.dynamic import CheckFailure, CheckResult, ConfigureRequest, DiffResult, ResourceProvider

from ..core import credentials, progress, registry
from ..core.endpoints import default_profile, validate_profile
from ..core.errors import ImageforgeError, UnexpectedError, UserInputError
from ..core.model import CredentialChoice, Identity, Target
from ..core.plan import identity_inputs, plan
from ..core.redact import redact
from ..core.schema import ResourceSchema
from ..core.service import BUILD, CAPTURE, COPY, GENERALIZE, IMPORT, ServiceSpec, share_failures, support_failures
from ..core.simclock import clock_for
from ..core.timeouts import Timeouts
from ..core.validation import Failure, is_unknown
from ..core.waiting import Waiter

PROVIDER_KEY = "__provider"
F = TypeVar("F", bound=Callable[..., Any])


class VendorCause(Exception):
    """The vendor exception behind one of ours, kept in the chain with its message redacted."""


def safe_errors(name: str) -> Callable[[F], F]:
    """Every failure of an operation reaches the engine as our error naming the operation, redacted, never raw."""
    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(self: Any, *args: Any) -> Any:
            try:
                return fn(self, *args)
            except ImageforgeError as err:
                cause = err.__cause__
                if cause is not None and not isinstance(cause, (ImageforgeError, VendorCause)):
                    err.__cause__ = VendorCause(redact(f"{type(cause).__name__}: {cause}"))
                raise err.with_traceback(None)
            except Exception as exc:  # noqa: BLE001 - a raw KeyError or URLError must not reach the user
                where = traceback.extract_tb(exc.__traceback__)[-1]
                raise UnexpectedError(f"{getattr(self, 'kind', type(self).__name__)} {name} (at "
                                      f"{where.filename.rsplit('/', 1)[-1]}:{where.lineno})", exc) from None
        return inner  # type: ignore[return-value]
    return wrap


class ProviderBase(ResourceProvider):
    """check / diff from the declarations; holds no client, credential or Output, only stack config."""

    kind: ClassVar[str] = ""
    schema: ClassVar[ResourceSchema]
    defaults: ClassVar[Mapping[str, Any]] = {}
    default_endpoint: str | None = None

    def configure(self, req: ConfigureRequest) -> None:
        value = req.config.get("imageforge:endpoint")
        if value:
            self.default_endpoint = str(value)

    @safe_errors("check")
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs = {**{k: v for k, v in self.defaults.items() if news.get(k) is None}, **clean(news)}
        failures = self.schema.check(inputs)
        spec = resolve_service(self, inputs, failures)
        if spec is not None and not failures:  # every type is right: the service's own checks can read the values
            failures += support_failures(spec, self.schema.operation, inputs, self.schema.generic)
            failures += credential_failures(inputs)
            failures += share_failures(spec, inputs, encrypted_input(inputs))
            failures += self.check_own(olds, inputs, spec)
            refused = {f.field for f in failures}
            failures += [f for f in rule_failures(inputs, self.schema.operation) if f.field not in refused]
        if not failures and spec is not None and olds:
            failures += protected_replacement(self.kind, self.schema, spec, olds, inputs)
        if not failures and spec is not None:
            inputs["key"] = spec_key(inputs.get("owner", ""), identity_inputs(self.schema, spec, inputs))
        return CheckResult(inputs, [CheckFailure(f.field, f.reason) for f in failures])

    def check_own(self, olds: Mapping[str, Any], inputs: dict[str, Any], spec: ServiceSpec) -> list[Failure]:
        """What only this resource checks (its inputs may be completed here); nothing by default."""
        return []

    @safe_errors("diff")
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        found = plan(self.schema, service_of(news) or service_of(olds), olds, news)
        return DiffResult(changes=found.changes, replaces=list(found.replaces), stables=[],
                          delete_before_replace=found.delete_before_replace)


def encrypted_input(inputs: Mapping[str, Any]) -> bool:
    """Whether the images this resource makes are encrypted (the `encrypted` input or the source's fact)."""
    source = inputs.get("source")
    return inputs.get("encrypted") is True or (isinstance(source, Mapping) and source.get("encrypted") is True)


def credential_failures(inputs: Mapping[str, Any]) -> list[Failure]:
    """The `credentials` input against what the cloud's credential chain can take (profile, role...)."""
    value = inputs.get("credentials")
    cloud, service = str(inputs.get("cloud") or ""), str(inputs.get("service") or "") or None
    if value is None or is_unknown(value) or registry.entry(cloud, service) is None:
        return []
    return credentials.choice_failures(registry.credentials_for(cloud, service), value)


def protected_replacement(kind: str, schema: ResourceSchema, spec: ServiceSpec, olds: Mapping[str, Any],
                          inputs: Mapping[str, Any]) -> list[Failure]:
    """A change that replaces a protected object would create the new one and then fail deleting the old one
    on every later `up` (the engine deletes it with its old, protected state): refuse it before anything runs."""
    if olds.get("deletion_protection") is not True:
        return []
    replaces = plan(schema, spec, olds, inputs).replaces
    if not replaces:
        return []
    return [Failure("deletion_protection", f"changing {', '.join(replaces)} replaces this {kind}, and the existing "
                                           "one is protected from deletion. Fix: set deletion_protection to false and "
                                           "run `pulumi up` first, then make this change.")]


def looked_up(provider: ProviderBase, props: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs of a `get` (where to look, nothing else), completed as `check` would complete them."""
    inputs = clean(props)
    failures = [failure for name in ("cloud", "service", "region", "endpoint", "credentials") if name in inputs
                for failure in _field_of(provider.schema, name).kind.check(name, inputs[name])]
    if "region" not in inputs:
        failures.append(Failure("region", "is required: the region the image is in."))
    spec = resolve_service(provider, inputs, failures) if not failures else None
    failures += credential_failures(inputs) if spec is not None else []
    if failures or spec is None:
        first = failures[0] if failures else Failure("cloud", f"must be one of {', '.join(registry.CLOUDS)}.")
        raise UserInputError(first.field, first.reason)
    return inputs


def _field_of(schema: ResourceSchema, name: str) -> Any:
    found = schema.get(name)
    assert found is not None, name  # every resource declares the addressing inputs
    return found


def clean(props: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs without the engine's private keys and without unset (None) values."""
    return {k: v for k, v in props.items() if k != PROVIDER_KEY and v is not None}


def resolve_service(provider: ProviderBase, inputs: dict[str, Any], failures: list[Failure]) -> ServiceSpec | None:
    """Default the service and the endpoint; the service's declaration once cloud and service are known and valid."""
    cloud = inputs.get("cloud")
    if is_unknown(cloud) or cloud not in registry.CLOUDS:
        return None
    inputs.setdefault("service", registry.DEFAULT_SERVICE[cloud])
    service = inputs["service"]
    if not inputs.get("endpoint"):
        inputs["endpoint"] = provider.default_endpoint or default_profile()
    endpoint = inputs["endpoint"]
    if not is_unknown(endpoint) and validate_profile(endpoint) and not any(f.field == "endpoint" for f in failures):
        failures.append(Failure("endpoint", f"{validate_profile(endpoint)} ('sim' is the embedded simulator)."))
    if is_unknown(service):
        return None
    if registry.entry(cloud, str(service)) is None:
        failures.append(Failure("service", f"{cloud} offers {', '.join(registry.services_of(cloud))}; got {service!r}."))
        return None
    spec = registry.spec_for(cloud, str(service))
    operation = provider.schema.operation
    if operation not in spec.capabilities:
        able = [f"{c}/{s}" for (c, s) in registry.SERVICES if operation in registry.spec_for(c, s).capabilities]
        failures.append(Failure("service" if inputs.get("service") else "cloud",
                                f"{spec.label} cannot {VERBS[operation]}; {provider.kind} works on {', '.join(able)}."))
        return None
    return spec


VERBS = {CAPTURE: "capture images", COPY: "copy images across regions", IMPORT: "import disk images",
         GENERALIZE: "generalize a VM", BUILD: "bake images from a base image"}


def rule_failures(inputs: Mapping[str, Any], operation: str) -> list[Failure]:
    """The service's own rules (names, regions, combinations), once every type is right."""
    rules = registry.rules_for(str(inputs["cloud"]), str(inputs["service"]))
    if operation == BUILD:
        return build_rule_failures(rules, inputs)
    validate = {CAPTURE: rules.validate_capture, COPY: rules.validate_copy, IMPORT: rules.validate_import,
                GENERALIZE: rules.validate_generalize}[operation]
    return list(validate(inputs))


def build_rule_failures(rules: Any, inputs: Mapping[str, Any]) -> list[Failure]:
    """A bake names an image as a capture does and runs scripts as a generalization does: the same rules apply.

    The capture's source and the generalization's VM are the build VM, which the bake launches itself, so
    only the naming rules and the script rules are kept (`finalize_scripts` reported as `provision`).
    """
    naming = {k: v for k, v in inputs.items() if k in ("cloud", "service", "region", "name", "description", "tags")}
    out = [f for f in rules.validate_capture(naming) if not f.field.startswith(("source", "scope"))]
    scripts = inputs.get("provision")
    if scripts:
        guest = {**naming, "finalize_scripts": scripts}
        out += [Failure("provision" + f.field[len("finalize_scripts"):], f.reason)
                for f in rules.validate_generalize(guest) if f.field.startswith("finalize_scripts")]
    return out + list(rules.validate_build(inputs))


def service_of(inputs: Mapping[str, Any]) -> ServiceSpec | None:
    cloud, service = inputs.get("cloud"), inputs.get("service")
    if not isinstance(cloud, str) or is_unknown(service) or registry.entry(cloud, service) is None:
        return None
    return registry.spec_for(cloud, service)


def spec_of(inputs: Mapping[str, Any]) -> ServiceSpec:
    return registry.spec_for(str(inputs["cloud"]), str(inputs["service"]))


def timeouts(inputs: Mapping[str, Any], defaults: Timeouts) -> Timeouts:
    return Timeouts.from_input(inputs.get("timeouts"), defaults)


def target(inputs: Mapping[str, Any], region: str | None = None) -> Target:
    return Target(str(inputs["cloud"]), str(inputs["service"]), region or str(inputs["region"]),
                  str(inputs.get("endpoint") or "cloud"), CredentialChoice.of(inputs.get("credentials")))


def waiter(inputs: Mapping[str, Any], label: str, timeout: float | None = None) -> Waiter:
    """The operation's one waiter; `timeout` starts its deadline (the user's timeouts for this operation)."""
    wait = Waiter(clock=clock_for(str(inputs.get("endpoint") or "cloud")), on_progress=progress.reporter(label))
    return wait.bound(timeout) if timeout is not None else wait


def identity(inputs: Mapping[str, Any], name: str = "") -> Identity:
    return Identity(str(inputs.get("key") or ""), name or str(inputs.get("name") or ""))


def spec_key(*parts: Any) -> str:
    """A short, stable digest naming what was asked for: a re-run finds the object by it."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def user_error(field: str, rule: str, fix: str = "") -> UserInputError:
    return UserInputError(field, rule, fix)


def kept_warnings(props: Mapping[str, Any]) -> list[str]:
    return [str(w) for w in props.get("warnings") or []]


def merged_tags(user: Mapping[str, Any] | None, ident: Identity, carry: bool) -> dict[str, str]:
    """The user's tags plus the identity tag where the service's objects take tags."""
    return {**{str(k): str(v) for k, v in dict(user or {}).items()}, **(ident.tags if carry else {})}


def described(description: str, ident: Identity, carry: bool) -> str:
    """The description, carrying the identity marker where the service finds objects by description."""
    return ident.mark(description) if carry else description


def resource_options(kind: str, resource_name: str, opts: Any, derived: Mapping[str, Any] | None = None) -> Any:
    """The options a resource registers with: `import_` refused in the program, derived outputs kept secret.

    The engine reads an import without the resource's serialized provider (pulumi/pulumi issue 16175),
    so the provider server would fail with a KeyError; refusing here names the option and the way out.
    """
    import pulumi

    imported = getattr(opts, "import_", None) if opts is not None else None
    if imported:
        raise pulumi.RunError(
            f"{kind} {resource_name!r}: `import_` ({imported!r}) cannot be used: the Pulumi engine reads an import "
            "without a dynamic resource's provider (pulumi/pulumi issue 16175), so the import would fail. Remove "
            "`import_`; an image made outside the stack can still be used where an image id is taken (for "
            "example ImageRegionSet's `image_id` copies it to more regions) without being managed here.")
    return secret_derived(opts, derived or {})


def secret_derived(opts: Any, derived: Mapping[str, Any]) -> Any:
    """Resource options that mark outputs secret when the input they are derived from may be a secret.

    The engine keeps an output secret only when an input of the same name was; `image_tags` (from
    `tags`) and `commands` (from `finalize_scripts`) carry another name. Whether an Output is secret is
    known only later, so any input given as an Output marks its derived output secret.
    """
    import pulumi

    def maybe_secret(value: Any) -> bool:
        if isinstance(value, pulumi.Output):
            return True
        if isinstance(value, Mapping):
            return any(maybe_secret(v) for v in value.values())
        if isinstance(value, (list, tuple)):
            return any(maybe_secret(v) for v in value)
        return False

    marked = sorted(name for name, source in derived.items() if maybe_secret(source))
    if not marked:
        return opts
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=marked))


def names(items: Iterable[str]) -> str:
    return ", ".join(sorted(items))


def given_inputs(kind: str, resource_name: str, schema: Any, args: Any, keywords: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs as given, from an `...Args` object or from keywords: every declared input present (None when
    not given), any other keyword kept, so that `check` names it instead of Python raising a TypeError, and the
    owner the identity key is made from."""
    import dataclasses

    import pulumi

    if args is not None and keywords:
        raise pulumi.RunError(f"{kind} {resource_name!r}: give the inputs either as {kind}Args or as keywords, not "
                              f"both (keywords given: {', '.join(sorted(keywords))})")
    if args is None:
        values = dict(keywords)
    elif dataclasses.is_dataclass(args) and not isinstance(args, type):
        values = {f.name: getattr(args, f.name) for f in dataclasses.fields(args)}
    elif isinstance(args, Mapping):
        values = dict(args)
    else:
        raise pulumi.RunError(f"{kind} {resource_name!r}: the second argument must be a {kind}Args; got "
                              f"{type(args).__name__}")
    return {**{f.name: None for f in schema.fields if not f.internal}, **values, "owner": owner_of(resource_name)}


def owner_of(resource_name: str) -> str:
    """project/stack/resource: part of the identity key, so two stacks never claim each other's objects."""
    import pulumi

    return f"{pulumi.get_project()}/{pulumi.get_stack()}/{resource_name}"
