"""What each cloud service declares: the inputs and `options` it takes, the vendor parameter each becomes, its traits.

Generic code reads these declarations instead of branching on a vendor's name: `check` refuses an
input or option a service does not take (naming the way that does), `diff` takes the service's
replace rules, and the README's per-service tables are generated from them.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .schema import Change, Kind, given
from .validation import Failure, is_unknown

CAPTURE = "capture"
COPY = "copy"
GENERALIZE = "generalize"
IMPORT = "import"
BUILD = "build"
OPERATIONS = (CAPTURE, COPY, IMPORT, GENERALIZE, BUILD)



@dataclass(frozen=True)
class Param:
    """One input or option a service takes, and the vendor request parameter it becomes.

    `example` is a value the contract tests send; `logged` is where the simulator's request log
    shows it ("Action:Param.Path"), so every row of the README's table is proven by a test.
    """

    name: str
    vendor: str
    doc: str = ""
    kind: Kind | None = None  # options only: the value's type (inputs take the resource's declaration)
    change: Change = Change.REPLACE  # options only: what changing it does
    example: Any = None
    logged: str = ""
    required: bool = False  # options only


@dataclass(frozen=True)
class Refusal:
    """An input a service does not take: why, and the way that does what the user asked.

    `accepts` is the value that matches what the service always does (sysprep false on a cloud
    that never runs Sysprep): given that value the input is accepted, because it is true.
    """

    name: str
    why: str
    fix: str
    accepts: Any = None


@dataclass(frozen=True)
class OperationSpec:
    """One operation of a service: the inputs, `source` keys and `options` keys it takes."""

    inputs: tuple[Param, ...] = ()
    options: tuple[Param, ...] = ()
    source: tuple[Param, ...] = ()
    refusals: tuple[Refusal, ...] = ()
    network: tuple[Param, ...] = ()  # build only: the `network` keys a launch takes (`required` ones must be given)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.inputs if p.name == name), None)

    def option(self, name: str) -> Param | None:
        return next((p for p in self.options if p.name == name), None)

    def option_changes(self, change: Change) -> tuple[str, ...]:
        return tuple(p.name for p in self.options if p.change is change)


@dataclass(frozen=True)
class Traits:
    """How a service behaves where services differ; the generic resources consult these, never a name.

    - recognised_by: how a re-run with no state finds what an earlier run made: "tag" (the key is
      a tag set by the creating call itself) or "description" (the key is a marker in the
      description, on services whose images take no tags).
    - copies_recognised_by: the same for copies; "intent" means a marker on the source lists the
      regions a copy whose call takes no tag is being started in, and a copy of the requested name
      in such a region is ours (names are unique per region); the tag follows once the copy exists.
    - copy_slots: copies in flight per account; further regions wait queued and start as slots free.
    - copies_share_source_id: a copy is the source object replicated (a gallery version's region),
      not a new image.
    - source_region_copyable: the source's own region may be listed (a replica count there).
    - region_settings: keys a `regions` entry may carry besides `region`; a change of one listed in
      region_settings_replace replaces the set, of the others updates in place.
    - names_unique_per_region: a replacement under the same name deletes the old object first.
    - jobs: a start returns a job to follow until it names the new image.
    - tags: images carry tags (otherwise `tags` is refused).
    - vm_deallocate: a stopped VM keeps its compute until a separate deallocate call, which
      GeneralizedVM makes after the stop; False where stopping is the last power step.
    - vm_source: the capture `source` key that names a VM of this service (GeneralizedVM's `source` output).
    """

    recognised_by: str = "tag"
    copies_recognised_by: str = "tag"
    copies_cancellable: bool = True
    copies_share_source_id: bool = False
    copy_slots: int | None = None
    copy_batch: bool = False
    source_region_copyable: bool = False
    region_settings: tuple[str, ...] = ()
    region_settings_replace: tuple[str, ...] = ()
    names_unique_per_region: bool = False
    jobs: bool = False
    tags: bool = True
    vm_deallocate: bool = True
    vm_source: str = "instance"


@dataclass(frozen=True)
class Sharing:
    """How a service shares an image with other accounts: the id form it takes and the cloud's limits.

    `check` refuses, before any call, an id that does not match `pattern`, more than `limit` ids, and
    `encrypted` images where the cloud refuses to share them (`encrypted_fix` says what to do instead).
    """

    target: str  # what an id names: "account", "project"...
    pattern: str  # one id, matched whole
    form: str  # the pattern in words, for the error
    limit: int  # ids per image
    per_call: int  # ids per sharing call
    encrypted_fix: str = ""  # set when the cloud refuses to share an encrypted image: the way out
    jobs: bool = False  # each sharing call starts a job the resource follows to its end
    answers: bool = False  # receivers accept or reject: their answers are the `share_status` output


@dataclass(frozen=True)
class ServiceSpec:
    cloud: str
    service: str
    label: str
    traits: Traits = field(default_factory=Traits)
    sharing: Sharing | None = None
    capture: OperationSpec | None = None
    copy: OperationSpec | None = None
    imports: OperationSpec | None = None
    generalize: OperationSpec | None = None
    build: OperationSpec | None = None  # a temporary build VM from a base image (BakedImage)

    def operation(self, name: str) -> OperationSpec | None:
        return {CAPTURE: self.capture, COPY: self.copy, IMPORT: self.imports, GENERALIZE: self.generalize,
                BUILD: self.build}[name]

    @property
    def capabilities(self) -> frozenset[str]:
        return frozenset(op for op in OPERATIONS if self.operation(op) is not None)


def support_failures(spec: ServiceSpec, operation: str, inputs: Mapping[str, Any],
                     generic: frozenset[str]) -> list[Failure]:
    """Inputs, `source` keys and options this service does not take for this operation, each with the way that does.

    `generic` names the inputs imageforge itself acts on for every service (cloud, region, timeouts...).
    """
    op = spec.operation(operation)
    if op is None:
        return []
    out: list[Failure] = []
    taken = {p.name for p in op.inputs} | generic | {"options"}
    refusals = {r.name: r for r in op.refusals}
    for name, value in sorted(inputs.items()):
        if name in taken or not given(value) or is_unknown(value):
            continue
        refusal = refusals.get(name)
        if refusal is not None and refusal.accepts is not None and value == refusal.accepts:
            continue
        if refusal is not None:
            out.append(Failure(name, f"{spec.label} {refusal.why} Fix: {refusal.fix}"))
        else:
            out.append(Failure(name, f"{spec.label} does not take {name} for this resource; it would be ignored. "
                                     f"Fix: remove {name}."))
    return out + source_failures(spec, op, inputs.get("source")) + option_failures(spec, op, inputs.get("options"))


def source_failures(spec: ServiceSpec, op: OperationSpec, source: object) -> list[Failure]:
    """`source` keys the service does not take; a refusal named "source.<key>" gives the way that does."""
    if not op.source or source is None or is_unknown(source) or not isinstance(source, Mapping):
        return []
    known = {p.name for p in op.source}
    refusals = {r.name: r for r in op.refusals}
    out = []
    for key, value in sorted(source.items(), key=lambda kv: str(kv[0])):
        if key in known or not given(value):
            continue
        refusal = refusals.get(f"source.{key}")
        if refusal is not None:
            out.append(Failure(f"source.{key}", f"{spec.label} {refusal.why} Fix: {refusal.fix}"))
        else:
            out.append(Failure(f"source.{key}", f"{spec.label} does not take source.{key}; it takes "
                                                f"{', '.join('source.' + k for k in sorted(known))}. Fix: remove "
                                                f"source.{key}."))
    return out


def option_failures(spec: ServiceSpec, op: OperationSpec, options: object) -> list[Failure]:
    if options is None or is_unknown(options) or not isinstance(options, Mapping):
        return []
    out: list[Failure] = []
    known = {p.name: p for p in op.options}
    for key, value in sorted(options.items(), key=lambda kv: str(kv[0])):
        param = known.get(str(key))
        if param is None:
            listing = ", ".join(sorted(known)) if known else "none"
            out.append(Failure(f"options.{key}", f"{spec.label} has no option {key!r} here; its options are: {listing}."))
            continue
        if value is not None and param.kind is not None:
            out += param.kind.check(f"options.{key}", value)
    for param in op.options:
        if param.required and options.get(param.name) is None:
            out.append(Failure(f"options.{param.name}", f"is required on {spec.label}: {param.doc}"))
    return out


def share_failures(spec: ServiceSpec, inputs: Mapping[str, Any], encrypted: bool | None) -> list[Failure]:
    """`share_with` against the service's id form and limits, and the cloud's refusal to share encrypted images."""
    value = inputs.get("share_with")
    rules = spec.sharing
    if rules is None or not isinstance(value, (list, tuple)) or not value:
        return []
    import re

    out: list[Failure] = []
    for n, item in enumerate(value):
        if isinstance(item, str) and not is_unknown(item) and not re.fullmatch(rules.pattern, item):
            out.append(Failure(f"share_with[{n}]", f"{item!r} is not a {spec.label} {rules.target} id: it takes "
                                                   f"{rules.form}. Fix: give the receiving {rules.target}'s id."))
    if len(value) > rules.limit:
        out.append(Failure("share_with", f"{spec.label} shares an image with at most {rules.limit} {rules.target}s; "
                                         f"{len(value)} are listed. Fix: list at most {rules.limit}."))
    if encrypted and rules.encrypted_fix:
        out.append(Failure("share_with", f"{spec.label} does not share encrypted images. Fix: {rules.encrypted_fix}"))
    return out


def replace_options(spec: ServiceSpec, operation: str) -> tuple[str, ...]:
    """The option keys whose change makes a new object (part of the identity key)."""
    op = spec.operation(operation)
    return op.option_changes(Change.REPLACE) if op is not None else ()
