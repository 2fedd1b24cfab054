"""ImageFamily: the versions of one golden image, each captured and published once, retired by a policy.

A new `version` captures and publishes a new image; the earlier versions' images stay in every region until
retention (`keep`, then `grace`) removes them; setting `version` back to a live one adopts its images. The
import path of ImageFamilyProvider is public API: stacks pickle it by reference.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from ..core import registry
from ..core.errors import CloudError, Conflict, UserInputError
from ..core.families import FAMILY_TAG, VERSION_TAG, Retention, ordered, version_failure
from ..core.model import ImageStatus
from ..core.plan import plan
from ..core.protocol import ImageAdapter
from ..core.simclock import clock_for
from ..core.timeouts import parse_duration
from ..core.validation import Failure, NameRule, is_unknown
from . import common, family_scan, releases
from .custom_image import CustomImageProvider
from .family_schema import DEFAULT_KEEP, IMAGE_FAMILY
from .image_region_set import ImageRegionSetProvider, region_names

OUTPUT_KEYS = ("latest", "versions", "family_latest", "releases", "retiring", "next_retires", "warnings")
RELEASE_INPUTS = ("source", "regions", "description", "tags", "capture", "publish")
FAMILY_FORM = NameRule("an image family", 1, 128, r"A-Za-z0-9._:\-", "letters, digits, '.', '_', '-' and ':'",
                       first=r"A-Za-z0-9", first_text="a letter or digit")


def grace_seconds(value: Any) -> float:
    text = str(value or "0").strip()
    return 0.0 if text in ("0", "0s", "0m", "0h", "0d") else parse_duration(text)


def max_age_seconds(value: Any) -> float:
    """`max_age` in seconds; 0 when unset (retention by `keep` alone). A zero or malformed duration raises."""
    if value in (None, ""):
        return 0.0
    seconds = parse_duration(str(value).strip())
    if seconds <= 0:
        raise ValueError(f"max_age must be longer than 0 (got {value!r})")
    return seconds


def retention(inputs: Mapping[str, Any]) -> Retention:
    return Retention(int(inputs.get("keep") or DEFAULT_KEEP), max_age_seconds(inputs.get("max_age")))


def ages(records: Mapping[str, Any], now: float) -> dict[str, float]:
    """Each version's age from the cloud's creation time of its image (the local clock only for old records)."""
    return {v: now - float(r.get("created_at") or r.get("created") or now) for v, r in records.items()}


class ImageFamilyProvider(common.ProviderBase):
    """check / diff / create / read / update / delete for one family's versions."""

    kind = "ImageFamily"
    schema = IMAGE_FAMILY

    @common.safe_errors("check")
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs = common.clean(news)
        inputs.pop("released", None)
        failures = self.schema.check(inputs)
        spec = common.resolve_service(self, inputs, failures)
        if spec is not None and not failures:
            failures += common.credential_failures(inputs) + self._own(olds, inputs)
        if not failures and spec is not None:
            released = [str(v) for v in olds.get("released") or []]
            if _unknown(inputs["version"]) or _unknown(inputs.get("keep")):  # preview: an upstream output
                inputs["released"] = released
            elif inputs.get("max_age") not in (None, ""):  # ages are read in the `up`, which records what stays
                inputs["released"] = ordered([*released, str(inputs["version"])])
            else:
                keep = int(inputs.get("keep") or DEFAULT_KEEP)
                inputs["released"] = Retention(keep).kept([*released, str(inputs["version"])], str(inputs["version"]))
            inputs["key"] = common.spec_key(inputs.get("owner", ""), inputs["cloud"], inputs["service"],
                                            inputs["region"], inputs["family"])
        return CheckResult(inputs, [CheckFailure(f.field, f.reason) for f in failures])

    def _own(self, olds: Mapping[str, Any], inputs: dict[str, Any]) -> list[Failure]:
        """The family's form for the cloud, the version's order, the grace, and each version's own inputs."""
        rules = registry.rules_for(str(inputs["cloud"]), str(inputs["service"]))
        rule = getattr(rules, "family_rule", None) or FAMILY_FORM
        failures = [f for f in [rule.check("family", inputs["family"]),
                                None if _unknown(inputs["version"]) else
                                version_failure("version", inputs["version"], olds.get("released") or [])] if f]
        try:
            if not _unknown(inputs.get("grace")):
                grace_seconds(inputs.get("grace"))
        except ValueError as err:
            failures.append(Failure("grace", f"{err}. Fix: give '0' or a duration such as '7d' or '12h'."))
        try:
            if not _unknown(inputs.get("max_age")):
                max_age_seconds(inputs.get("max_age"))
        except ValueError as err:
            failures.append(Failure("max_age", f"max_age must be a positive duration ({err}). Fix: give a duration "
                                               "such as '90d' or '12h', or leave max_age unset to keep versions "
                                               "by `keep` alone."))
        taken = sorted(k for k in dict(inputs.get("tags") or {}) if k in (FAMILY_TAG, VERSION_TAG))
        if taken:
            failures.append(Failure("tags", f"{', '.join(taken)} is set on every version's images from family and "
                                            "version. Fix: remove it from tags."))
        if olds.get("version") == inputs["version"]:
            changed = [k for k in RELEASE_INPUTS if olds.get(k) != inputs.get(k) and not _unknown(inputs.get(k))]
            if changed:
                failures.append(Failure(changed[0], f"{', '.join(changed)} changed but version did not: a version's "
                                        "images are made once. Fix: give a new version to publish the change, or "
                                        "put the earlier value back."))
        if failures:
            return failures
        version: Any = inputs["version"] if _unknown(inputs["version"]) else str(inputs["version"])
        capture, made_from = releases.capture_fields(inputs, version)
        _, found = releases.checked(CustomImageProvider(), capture, self.default_endpoint)
        failures += [self._mapped(f, "capture", inputs, made_from) for f in found]
        if region_names(inputs.get("regions")):
            placeholder = "imageforge-placeholder"
            _, found = releases.checked(ImageRegionSetProvider(), releases.publish_inputs(inputs, version, placeholder),
                                        self.default_endpoint)
            failures += [self._mapped(f, "publish", inputs, {}) for f in found if f.property != "image_id"]
        return failures

    @staticmethod
    def _mapped(failure: CheckFailure, extra: str, inputs: Mapping[str, Any], made_from: Mapping[str, str]) -> Failure:
        field, reason = str(failure.property), str(failure.reason)
        if field in made_from:
            return Failure(made_from[field], reason)
        if field == "name":
            return Failure("family", f"the image name {releases.image_name(inputs['family'], inputs['version'])!r} "
                                     f"(family-version): {reason}")
        if field in releases.CHECKED_BY_FAMILY or field not in dict(inputs.get(extra) or {}):
            return Failure(field, reason)
        return Failure(f"{extra}.{field}", reason)

    @common.safe_errors("diff")
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        found = plan(self.schema, common.service_of(news) or common.service_of(olds), olds, news)
        pending = [item for item in olds.get("retiring") or [] if not item.get("foreign")]
        due = bool(pending) and any(float(item.get("due", 0)) <= _now(news) for item in pending)
        if not due and news.get("max_age") and not _unknown(news.get("max_age")) and not _unknown(news.get("keep")):
            records = {str(v): r for v, r in dict(olds.get("releases") or {}).items() if r.get("retired_at") is None}
            due = bool(retention(news).retired(records, str(news.get("version")), ages(records, _now(news))))
        return DiffResult(changes=found.changes or due, replaces=list(found.replaces), stables=[],
                          delete_before_replace=found.delete_before_replace)

    @common.safe_errors("create")
    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = common.clean(props)
        return CreateResult(str(inputs["key"]), self._release(inputs, {}, []))

    @common.safe_errors("update")
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = common.clean(news)
        inputs["key"] = olds.get("key", inputs.get("key"))
        return UpdateResult(self._release(inputs, dict(olds.get("releases") or {}), common.kept_warnings(olds)))

    def _release(self, inputs: dict[str, Any], known: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
        """Publish (or adopt) the version in use, hold newer ones back, then apply retention."""
        records = {str(v): dict(r) for v, r in known.items()}
        version, now = str(inputs["version"]), _now(inputs)
        notes = [w for w in warnings if not w.startswith(("retired version ", "version "))]
        complete, unfinished = family_scan.found_versions(inputs, {*records, version}, self.default_endpoint)
        for found, record in unfinished.items():
            family_scan.remove(inputs, record)  # a run that died making it; nothing of it is left
            notes.append(f"version {found} was left unfinished by an earlier run: its images were deleted")
        for found, record in complete.items():
            releases.join(inputs, record["images"])
            records[found] = record
            notes.append(f"version {found} was made by an earlier run that did not record it: it is recorded now")
        inputs["released"] = ordered([*(inputs.get("released") or []), *complete])
        if version not in records:
            records[version] = releases.publish(inputs, version, now, self.default_endpoint)
        records[version]["retired_at"] = None
        releases.deprecate(inputs, records[version], False)
        for newer in [v for v in records if v in inputs.get("released", []) and ordered([v, version])[0] == version
                      and v != version]:
            releases.deprecate(inputs, records[newer], True)  # a rollback: the family resolves to this version again
        grace = grace_seconds(inputs.get("grace"))
        live = {v: r for v, r in records.items() if r.get("retired_at") is None}
        retired = [v for v in records if v not in live and v != version]
        for old in ordered([*retired, *retention(inputs).retired(live, version, ages(live, now))]):
            record = records[old]
            record.pop("kept_because", None)
            reason = self._retire(inputs, record, now, grace)
            if reason is None:
                del records[old]
            elif reason:
                notes.append(f"retired version {old} was kept: {reason}")
                record["kept_because"] = reason
        inputs["released"] = [v for v in ordered(records) if records[v].get("retired_at") is None]
        return outputs(inputs, records, notes, grace)

    @staticmethod
    def _retire(inputs: Mapping[str, Any], record: dict[str, Any], now: float, grace: float) -> str | None:
        """Deprecate a retired version, then delete it once its grace is over: None once deleted, '' while it
        waits, or why it stays (the cloud refused: shared, in use, or not this stack's image)."""
        try:
            if record.get("retired_at") is None:
                record["retired_at"] = now
            reason = releases.foreign(inputs, record)
            if reason:
                record["foreign"] = True  # never deprecated or deleted by this stack, and no reason to try again
                return reason
            releases.deprecate(inputs, record, True)
            if now - float(record["retired_at"]) < grace:
                return ""
            releases.retire(inputs, record)
            return None
        except Conflict as err:  # a refusal for the image's use; anything else fails the `up`, which runs again
            return (f"{err.message}. The cloud refuses to deprecate or delete an image that is shared with other "
                    "accounts or used by instances: it stays, and each `up` tries again once that has ended")

    @common.safe_errors("read")
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        inputs = common.clean(props)
        records = {str(v): dict(r) for v, r in dict(props.get("releases") or {}).items()}
        adapter = registry.adapter_for(common.target(inputs), ImageAdapter)
        wait = common.waiter(inputs, f"{self.kind} {inputs.get('family', id_)}")
        ids = [str(r["image_id"]) for r in records.values()]
        infos = wait.call("describe", lambda: adapter.describe_images(ids)) if ids else {}
        live = {v: r for v, r in records.items()
                if (info := infos.get(str(r["image_id"]))) is not None and info.status is not ImageStatus.DELETED}
        if records and not live:
            return ReadResult("", {})
        outs = outputs(inputs, live, common.kept_warnings(props), grace_seconds(inputs.get("grace")))
        return ReadResult(id_, outs, {k: v for k, v in outs.items() if k not in OUTPUT_KEYS})

    @common.safe_errors("delete")
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        inputs = common.clean(props)
        if inputs.get("deletion_protection") is True:
            raise UserInputError("deletion_protection", f"the versions of family {inputs.get('family')} are protected "
                                 "from deletion.", "set deletion_protection to false, run `pulumi up`, then delete.")
        for version in ordered(dict(props.get("releases") or {})):
            releases.retire(inputs, dict(props["releases"][version]))


def _unknown(value: Any) -> bool:
    """A value that holds an output Pulumi has not resolved yet (a preview), anywhere inside it."""
    if isinstance(value, Mapping):
        return any(_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_unknown(v) for v in value)
    return is_unknown(value)


def _now(inputs: Mapping[str, Any]) -> float:
    return clock_for(str(inputs.get("endpoint") or "cloud")).now()


def outputs(inputs: Mapping[str, Any], records: Mapping[str, Any], warnings: list[str], grace: float) -> dict[str, Any]:
    """Per region the image in use and the live versions; what retention removes next; every version's record."""
    version = str(inputs["version"])
    current = dict(records.get(version, {}).get("images") or {})
    regions: dict[str, list[str]] = {}
    retiring = []
    for v in ordered(records):
        record = records[v]
        for region, image_id in dict(record.get("images") or {}).items():
            if record.get("retired_at") is None:
                regions.setdefault(region, []).append(v)
            else:
                retiring.append({"version": v, "region": region, "image_id": image_id, "action": "delete",
                                 "due": float(record["retired_at"]) + grace,
                                 "kept_because": str(record.get("kept_because") or ""),
                                 "foreign": bool(record.get("foreign"))})
    live = {v: records[v] for v in ordered(records) if records[v].get("retired_at") is None}
    rule, age = retention(inputs), ages(live, _now(inputs))  # a new version leaves room for keep - 1 others
    next_retires = [v for v in list(live)[:max(0, len(live) + 1 - rule.keep)]
                    if not (rule.max_age and age[v] < rule.max_age)]
    try:
        resolved = releases.family_latest(inputs, current) if current else {}
    except CloudError:
        resolved = {}
    return {**inputs, "latest": current, "versions": regions, "family_latest": resolved,
            "releases": {v: records[v] for v in ordered(records)}, "retiring": retiring,
            "next_retires": [v for v in next_retires if v != version], "warnings": warnings}


class ImageFamily(Resource, module="imageforge", name="ImageFamily"):
    """The versions of one golden image: captured, published to regions, deprecated and deleted by retention."""

    latest: pulumi.Output[dict]
    versions: pulumi.Output[dict]
    family_latest: pulumi.Output[dict]
    releases: pulumi.Output[dict]
    retiring: pulumi.Output[list]
    next_retires: pulumi.Output[list]
    warnings: pulumi.Output[list]

    def __init__(self, resource_name: str, *, cloud: pulumi.Input[str], region: pulumi.Input[str],
                 family: pulumi.Input[str], version: pulumi.Input[str], source: pulumi.Input[Mapping[str, Any]],
                 service: pulumi.Input[str] | None = None, endpoint: pulumi.Input[str] | None = None,
                 timeouts: pulumi.Input[Mapping[str, str]] | None = None,
                 credentials: pulumi.Input[Mapping[str, str]] | None = None,
                 regions: pulumi.Input[Sequence[Any]] | None = None, description: pulumi.Input[str] | None = None,
                 tags: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
                 capture: pulumi.Input[Mapping[str, Any]] | None = None,
                 publish: pulumi.Input[Mapping[str, Any]] | None = None, keep: pulumi.Input[int] | None = None,
                 grace: pulumi.Input[str] | None = None, max_age: pulumi.Input[str] | None = None,
                 deletion_protection: pulumi.Input[bool] | None = None,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        """Inputs as keywords; every one is checked by `check` before any cloud call."""
        given = {"cloud": cloud, "region": region, "family": family, "version": version, "source": source,
                 "service": service, "endpoint": endpoint, "timeouts": timeouts, "credentials": credentials,
                 "regions": regions, "description": description, "tags": tags, "capture": capture,
                 "publish": publish, "keep": keep, "grace": grace, "max_age": max_age,
                 "deletion_protection": deletion_protection}
        props = common.given_inputs("ImageFamily", resource_name, IMAGE_FAMILY, None, given)
        super().__init__(ImageFamilyProvider(), resource_name, {**dict.fromkeys((*OUTPUT_KEYS, "key")), **props},
                         common.resource_options("ImageFamily", resource_name, opts, {"releases": tags}))
