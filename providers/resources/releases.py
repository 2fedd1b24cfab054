"""One version of an image family: its capture and copies made through CustomImage and ImageRegionSet, its
deprecation and its retirement, each safe to repeat after a crash (the identity keys find what a run made)."""
from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from ..core import registry
from ..core.errors import CloudError, NotFound, UserInputError
from ..core.families import FAMILY_TAG, VERSION_TAG, FamilyKeeper, cloud_time
from ..core.model import Identity
from ..core.validation import is_unknown
from ..core.protocol import ImageAdapter
from . import common
from .custom_image import CustomImageProvider
from .image_region_set import ImageRegionSetProvider, region_names

ADDRESSING = ("cloud", "service", "region", "endpoint", "timeouts", "credentials")
CHECKED_BY_FAMILY = frozenset({"cloud", "service", "region", "endpoint", "timeouts", "credentials", "owner", "key",
                               "source", "tags", "description", "regions"})


def image_name(family: str, version: str) -> str:
    return f"{family}-{version}"


def _name(family: Any, version: Any) -> Any:
    """The version's image name; in a preview where family or version is not known yet, not known either."""
    unknown = next((v for v in (family, version) if is_unknown(v)), None)
    return unknown if unknown is not None else image_name(str(family), str(version))


def capture_inputs(inputs: Mapping[str, Any], version: str) -> dict[str, Any]:
    """The CustomImage inputs of one version: its own name and owner, so each version has its own identity key;
    a service whose versions are objects of their own (the rules' `family_capture`) names them here."""
    return capture_fields(inputs, version)[0]


def capture_fields(inputs: Mapping[str, Any], version: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The capture inputs, and which of the family's inputs a capture field was made from (for check failures)."""
    spec = common.spec_of(inputs)
    tags = {str(k): str(v) for k, v in dict(inputs.get("tags") or {}).items()}
    if spec.traits.tags:
        tags.update({FAMILY_TAG: str(inputs["family"]), VERSION_TAG: version})
    capture = {**{k: inputs[k] for k in ADDRESSING if k in inputs}, **dict(inputs.get("capture") or {}),
               "name": _name(inputs["family"], version), "source": inputs.get("source"),
               "description": inputs.get("description"), "tags": tags or None,
               "owner": f"{inputs.get('owner', '')}@{version}"}
    hook = getattr(registry.rules_for(str(inputs["cloud"]), str(inputs["service"])), "family_capture", None)
    if hook is None:
        return capture, {}
    made, fields = hook(capture, str(inputs["family"]), version)
    return dict(made), dict(fields)


def publish_inputs(inputs: Mapping[str, Any], version: str, image_id: str) -> dict[str, Any]:
    captured = capture_inputs(inputs, version)
    return {**{k: inputs[k] for k in ADDRESSING if k in inputs}, **dict(inputs.get("publish") or {}),
            "image_id": image_id, "regions": list(inputs.get("regions") or []), "name": captured["name"],
            "description": captured["description"], "tags": captured["tags"], "owner": captured["owner"]}


def checked(provider: Any, props: Mapping[str, Any], default_endpoint: str | None) -> tuple[dict[str, Any], list[Any]]:
    """The props as the resource's own `check` completes them (defaults, identity key), with its failures."""
    provider.default_endpoint = default_endpoint
    result = provider.check({}, {k: v for k, v in props.items() if v is not None})
    return dict(result.inputs), list(result.failures or [])


def _must(provider: Any, props: Mapping[str, Any], default_endpoint: str | None) -> dict[str, Any]:
    inputs, failures = checked(provider, props, default_endpoint)
    if failures:
        first = failures[0]
        raise UserInputError(str(first.property), str(first.reason))
    return inputs


def checked_capture(inputs: Mapping[str, Any], version: str, default_endpoint: str | None) -> dict[str, Any]:
    """A version's capture inputs as CustomImage's `check` completes them (its identity key included)."""
    return _must(CustomImageProvider(), capture_inputs(inputs, version), default_endpoint)


def keeper(inputs: Mapping[str, Any]) -> FamilyKeeper | None:
    """The service's own family feature, when it has one."""
    adapter = registry.adapter_for(common.target(inputs), ImageAdapter)
    return adapter if isinstance(adapter, FamilyKeeper) else None


def publish(inputs: Mapping[str, Any], version: str, now: float, default_endpoint: str | None) -> dict[str, Any]:
    """Capture the version, copy it to the regions and put every image in the family.

    A failed copy removes the captured image too: nothing of a version the state does not record is left.
    """
    capture = checked_capture(inputs, version, default_endpoint)
    made = CustomImageProvider().create(capture)
    image_id, captured = str(made.id), dict(made.outs or {})
    copies: dict[str, str] = {}
    published: dict[str, Any] | None = None
    if region_names(inputs.get("regions")):
        try:
            props = _must(ImageRegionSetProvider(), publish_inputs(inputs, version, image_id), default_endpoint)
            result = ImageRegionSetProvider().create(props)
        except CloudError:
            CustomImageProvider().delete(image_id, captured)
            raise
        published = {"id": str(result.id), **dict(result.outs or {})}
        copies = {str(r): str(i) for r, i in dict(published.get("image_ids") or {}).items()}
    images = {str(inputs["region"]): image_id, **copies}
    join(inputs, images)
    return {"image_id": image_id, "images": images, "created": now, "created_at": created_at(captured, now),
            "retired_at": None, "deprecated": False,
            "capture": captured, "publish": published}


def created_at(captured: Mapping[str, Any], fallback: float) -> float:
    """When the cloud says the captured image was made (seconds since the epoch): what `max_age` measures."""
    found = cloud_time(str(captured.get("created") or ""))
    return fallback if found is None else found


def join(inputs: Mapping[str, Any], images: Mapping[str, str]) -> None:
    """Every image of the version in the cloud's family (repeated on a re-run: setting it again changes nothing)."""
    found = keeper(inputs)
    if found is None:
        return
    wait = common.waiter(inputs, f"ImageFamily {inputs['family']}")
    for region, image_id in images.items():
        wait.call(f"put {image_id} in family {inputs['family']}",
                  functools.partial(found.join_family, region, image_id, str(inputs["family"])))


def deprecate(inputs: Mapping[str, Any], record: dict[str, Any], deprecated: bool) -> bool:
    """Deprecate (or restore) every image of a version where the cloud can; False where it cannot."""
    found = keeper(inputs)
    if found is None:
        return False
    if bool(record.get("deprecated")) == deprecated:
        return True
    wait = common.waiter(inputs, f"ImageFamily {inputs['family']}")
    state = "deprecate" if deprecated else "restore"
    applied = []
    for region, image_id in dict(record.get("images") or {}).items():
        try:
            applied.append(wait.call(f"{state} {image_id} in {region}",
                                     functools.partial(found.set_deprecated, region, image_id, deprecated)))
        except NotFound:  # already deleted (a re-run after a crash in the middle of a retirement)
            applied.append(True)
    if not all(applied):
        return False
    record["deprecated"] = deprecated
    return True


def foreign(inputs: Mapping[str, Any], record: Mapping[str, Any]) -> str:
    """Why an image of this version must not be deleted by this stack ('' when it is the stack's own)."""
    capture = dict(record.get("capture") or {})
    spec = common.spec_of(inputs)
    if spec.traits.recognised_by not in ("tag", "description"):
        return ""
    ident = Identity(str(capture.get("key") or ""))
    adapter = registry.adapter_for(common.target(inputs), ImageAdapter)
    wait = common.waiter(inputs, f"ImageFamily {inputs['family']}")
    info = wait.call("describe", lambda: adapter.describe_images([str(record["image_id"])]).get(str(record["image_id"])))
    if info is None or not ident.key or ident.matches(info.tags, info.description):
        return ""
    return f"image {record['image_id']} does not carry this stack's identity: it was not made here"


def retire(inputs: Mapping[str, Any], record: Mapping[str, Any]) -> None:
    """Delete a version's copies, then its captured image (each step finds nothing left on a re-run)."""
    published = record.get("publish")
    if published:
        ImageRegionSetProvider().delete(str(published.get("id") or ""), dict(published))
    CustomImageProvider().delete(str(record["image_id"]), dict(record.get("capture") or {}))


def family_latest(inputs: Mapping[str, Any], members: Mapping[str, str]) -> dict[str, str]:
    """What the cloud's own family resolves to in each region (given one member there), where it has families."""
    found = keeper(inputs)
    if found is None:
        return {}
    wait = common.waiter(inputs, f"ImageFamily {inputs['family']}")
    return {r: wait.call(f"the family's latest in {r}",
                         functools.partial(found.family_latest, r, str(inputs["family"]), member))
            for r, member in members.items()}
