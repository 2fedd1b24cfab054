"""ImageRelease: one image template published to several clouds, one pipeline per target."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pulumi

from .pipeline import GoldenImagePipeline

TARGET_KEYS = {"name", "cloud", "service", "region", "source", "regions", "capture", "publish", "generalize", "tags",
               "credentials", "build", "provision"}


class ImageRelease(pulumi.ComponentResource):
    """Publishes `image_name` to every target; `targets` outputs each target's image ids and status.

    With `family` and `version` instead, each target keeps versions of the family (see GoldenImagePipeline),
    and each target's summary adds `versions`: per region, the live versions.

    `tags` apply to every target; a target's own `tags` replace them (`tags: {}` on a service whose
    images take no tags, which `check` would otherwise refuse). A target's `credentials` (a profile
    and/or a role) publishes it into another account.
    """

    targets: pulumi.Output[dict]

    def __init__(self, name: str, *, targets: Sequence[Mapping[str, Any]], image_name: str | None = None,
                 description: str | None = None, tags: Mapping[str, str] | None = None,
                 endpoint: str | None = None, family: str | None = None, version: str | None = None,
                 keep: int | None = None, grace: str | None = None,
                 opts: pulumi.ResourceOptions | None = None, max_age: str | None = None) -> None:
        super().__init__("imageforge:components:ImageRelease", name, None, opts)
        results: dict[str, pulumi.Output[Any]] = {}
        for i, target in enumerate(targets):
            _check_target(name, i, target)
            label = str(target.get("name") or f"{target['cloud']}-{target['region']}")
            pipeline = GoldenImagePipeline(
                f"{name}-{label}", cloud=target["cloud"], service=target.get("service"), region=target["region"],
                source=target["source"], image_name=image_name, regions=target.get("regions") or (),
                description=description, tags=dict(target["tags"] if "tags" in target else tags or {}),
                capture=target.get("capture"),
                publish=target.get("publish"), generalize=target.get("generalize"), endpoint=endpoint,
                credentials=target.get("credentials"), build=target.get("build"),
                provision=target.get("provision"), family=family, version=version, keep=keep, grace=grace, max_age=max_age,
                opts=pulumi.ResourceOptions(parent=self))
            results[label] = pulumi.Output.all(pipeline.image_id, pipeline.images, pipeline.status,
                                               pipeline.versions, pipeline.base).apply(
                _summary(str(target["cloud"]), str(target["region"])))
        self.targets = pulumi.Output.from_input(results)
        self.register_outputs({"targets": self.targets})


REQUIRED_KEYS = ("cloud", "region", "source")


def _check_target(release: str, index: int, target: Any) -> None:
    """A mistake in a target stops the program with one clear line (pulumi.RunError prints no traceback)."""
    where = f"ImageRelease {release!r} targets[{index}]"
    if not isinstance(target, Mapping):
        raise pulumi.RunError(f"{where}: must be a map with {', '.join(REQUIRED_KEYS)}; got {type(target).__name__}")
    unknown = sorted(str(k) for k in set(target) - TARGET_KEYS)
    if unknown:
        raise pulumi.RunError(f"{where}: unknown key(s) {', '.join(unknown)}; a target takes "
                              f"{', '.join(sorted(TARGET_KEYS))}")
    missing = [k for k in REQUIRED_KEYS if target.get(k) is None]
    if missing:
        raise pulumi.RunError(f"{where}: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} required")


def _summary(cloud: str, region: str) -> Callable[[list[Any]], dict[str, Any]]:
    """Per-target status: the image in its home region plus every published copy."""
    def build(values: list[Any]) -> dict[str, Any]:
        image_id, images, status, versions, base = values
        out = {"cloud": cloud, "region": region, "image_id": image_id, "status": status,
               "regions": {region: image_id, **dict(images or {})}}
        if base:
            out["base"] = base  # the base image a bake started from: {image_id, name, os_type, owner}
        return {**out, "versions": versions} if versions else out
    return build
