"""GoldenImagePipeline: base image -> build VM -> provision -> generalize -> capture -> publish, as one component.

The source is either a base image (`source={"base_image": ...}` with `build`: a BakedImage bakes it on a
temporary build VM, removed after the capture) or a VM someone prepared (`source={"instance": ...}`).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from imageforge.providers import BakedImage, CustomImage, GeneralizedVM, ImageFamily, ImageRegionSet

BUILD_KEYS = ("instance_type", "network", "disk_size_gb", "resource_group", "options")


class GoldenImagePipeline(pulumi.ComponentResource):
    """One golden image on one cloud: captured from `source` in `region`, published to `regions`.

    With `source={"base_image": ...}`, `build` says where the temporary build VM runs ({instance_type, network,
    disk_size_gb, resource_group, options}) and `provision` lists the scripts run in it before the
    generalization (`generalize` may set keep_user); the outputs `base` name the base image each image came from.

    With `generalize` set (a cloud whose service generalizes VMs), a GeneralizedVM runs the guest preparation
    first on `source.instance` (or `source.desktop`, a cloud computer) and the capture depends on it.

    With `family` and `version` (instead of `image_name`) the pipeline keeps versions (an ImageFamily): a
    new version captures and publishes a new image named `<family>-<version>`, the earlier ones stay until
    retention (`keep`, `max_age`, `grace`) retires them, and a version set back to a live one adopts its images.
    `versions` gives per region the live versions, `retiring` what the next `up` retires.
    """

    image_id: pulumi.Output[str]
    images: pulumi.Output[dict]
    versions: pulumi.Output[dict]
    retiring: pulumi.Output[list]
    base: pulumi.Output[dict]

    def __init__(self, name: str, *, cloud: str, region: str, source: Mapping[str, Any], image_name: str | None = None,
                 regions: Sequence[Any] = (), service: str | None = None, description: str | None = None,
                 tags: Mapping[str, str] | None = None, capture: Mapping[str, Any] | None = None,
                 publish: Mapping[str, Any] | None = None, generalize: Mapping[str, Any] | None = None,
                 endpoint: str | None = None, credentials: Mapping[str, str] | None = None,
                 family: str | None = None, version: str | None = None, keep: int | None = None,
                 grace: str | None = None, opts: pulumi.ResourceOptions | None = None,
                 max_age: str | None = None, build: Mapping[str, Any] | None = None,
                 provision: Sequence[Any] | None = None) -> None:
        super().__init__("imageforge:components:GoldenImagePipeline", name, None, opts)
        _check_naming(name, image_name, family, version, keep, grace, max_age)
        baking = _check_build(name, source, build, provision, generalize, family)
        account: dict[str, Any] = {"credentials": dict(credentials)} if credentials else {}
        child = pulumi.ResourceOptions(parent=self)
        self.base = pulumi.Output.from_input({})
        if baking:
            baked = BakedImage(f"{name}-baked", cloud=cloud, service=service, region=region, name=str(image_name),
                               base_image=source["base_image"], description=description, tags=dict(tags or {}),
                               provision=list(provision or []) or None, endpoint=endpoint, opts=child, **account,
                               **{k: v for k, v in dict(build or {}).items()},
                               **{k: v for k, v in dict(generalize or {}).items()})
            self.versions = pulumi.Output.from_input({})
            self.retiring = pulumi.Output.from_input([])
            self.base = baked.base
            self._publish(name, baked.image_id, baked.status, cloud, service, region, regions, image_name, description,
                          tags, endpoint, account, child, publish)
            return
        capture_source: Any = dict(source)
        if generalize is not None:
            vm = source.get("instance") or source.get("desktop")  # a VM, or an EDS cloud computer
            prepared = GeneralizedVM(f"{name}-generalized", cloud=cloud, service=service, region=region, vm=vm,
                                     endpoint=endpoint, **account, **dict(generalize), opts=child)
            capture_source = prepared.source  # carries the VM's os_state, so check sees it is generalized
        if family is not None:
            kept = ImageFamily(f"{name}-family", cloud=cloud, service=service, region=region, family=family,
                               version=str(version), source=capture_source, regions=list(regions) or None,
                               description=description, tags=dict(tags) if tags else None, capture=capture,
                               publish=publish, keep=keep, grace=grace, max_age=max_age, endpoint=endpoint,
                               credentials=dict(credentials) if credentials else None, opts=child)
            self.image_id = kept.latest.apply(lambda latest: str((latest or {}).get(region) or ""))
            self.images = kept.latest.apply(lambda latest: {r: i for r, i in (latest or {}).items() if r != region})
            self.status = kept.latest.apply(lambda latest: "available" if latest else "unknown")
            self.versions, self.retiring = kept.versions, kept.retiring
            self.register_outputs({"image_id": self.image_id, "images": self.images, "status": self.status,
                                   "versions": self.versions, "retiring": self.retiring})
            return
        self.versions = pulumi.Output.from_input({})
        self.retiring = pulumi.Output.from_input([])
        image = CustomImage(f"{name}-image", cloud=cloud, service=service, region=region, name=str(image_name),
                            description=description, tags=dict(tags or {}), source=capture_source,
                            endpoint=endpoint, opts=child, **account, **dict(capture or {}))
        self._publish(name, image.image_id, image.status, cloud, service, region, regions, image_name, description,
                      tags, endpoint, account, child, publish)

    def _publish(self, name: str, image_id: pulumi.Output[str], status: pulumi.Output[str], cloud: str,
                 service: str | None, region: str, regions: Sequence[Any], image_name: str | None,
                 description: str | None, tags: Mapping[str, str] | None, endpoint: str | None,
                 account: Mapping[str, Any], child: pulumi.ResourceOptions, publish: Mapping[str, Any] | None) -> None:
        """The image in its home region, then an ImageRegionSet copying it to `regions`."""
        self.image_id, self.status = image_id, status
        if regions:
            published = ImageRegionSet(f"{name}-regions", cloud=cloud, service=service, region=region,
                                       image_id=image_id, regions=list(regions), name=image_name,
                                       description=description, tags=dict(tags or {}), endpoint=endpoint,
                                       opts=child, **account, **dict(publish or {}))
            self.images = published.image_ids
        else:
            self.images = pulumi.Output.from_input({})
        self.register_outputs({"image_id": self.image_id, "images": self.images, "status": self.status,
                               "base": self.base})


def _check_build(name: str, source: Mapping[str, Any], build: Mapping[str, Any] | None,
                 provision: Sequence[Any] | None, generalize: Mapping[str, Any] | None, family: str | None) -> bool:
    """Whether this pipeline bakes from a base image; a mix-up of the two kinds of source stops with one line."""
    where = f"GoldenImagePipeline {name!r}"
    if not isinstance(source, Mapping):
        raise pulumi.RunError(f"{where}: source must be a map such as {{'base_image': ...}} or {{'instance': ...}}")
    if "base_image" not in source:
        given = [k for k, v in (("build", build), ("provision", provision)) if v is not None]
        if given:
            raise pulumi.RunError(f"{where}: {', '.join(given)} apply to a bake from a base image; set "
                                  "source={'base_image': ...} or remove them")
        return False
    extra = sorted(set(source) - {"base_image"})
    if extra:
        raise pulumi.RunError(f"{where}: source.base_image starts a bake on a new build VM; remove source."
                              f"{', source.'.join(extra)}")
    if family is not None:
        raise pulumi.RunError(f"{where}: a family of versions captures from a prepared VM; a bake from "
                              "source.base_image makes one image: use image_name (a new name per bake)")
    if not isinstance(build, Mapping) or not build.get("instance_type") or not build.get("network"):
        raise pulumi.RunError(f"{where}: a bake from source.base_image needs build={{'instance_type': ..., "
                              "'network': {...}}} (where the temporary build VM runs)")
    unknown = sorted(set(build) - set(BUILD_KEYS))
    if unknown:
        raise pulumi.RunError(f"{where}: build takes {', '.join(BUILD_KEYS)}; unknown: {', '.join(unknown)}")
    if generalize is not None and set(generalize) - {"keep_user"}:
        raise pulumi.RunError(f"{where}: a bake's generalize takes keep_user only (the build VM is provisioned by "
                              "`provision`); remove " + ", ".join(sorted(set(generalize) - {"keep_user"})))
    return True


def _check_naming(name: str, image_name: str | None, family: str | None, version: str | None, keep: int | None,
                  grace: str | None, max_age: str | None = None) -> None:
    """Either one image (`image_name`) or a family of versions (`family` and `version`), never both."""
    where = f"GoldenImagePipeline {name!r}"
    if family is None:
        extra = [k for k, v in (("version", version), ("keep", keep), ("grace", grace),
                                         ("max_age", max_age)) if v is not None]
        if extra:
            raise pulumi.RunError(f"{where}: {', '.join(extra)} apply to a family of versions; give `family` too, "
                                  "or remove them")
        if not image_name:
            raise pulumi.RunError(f"{where}: give `image_name` for one image, or `family` and `version` for versions")
        return
    if image_name is not None:
        raise pulumi.RunError(f"{where}: give either `image_name` (one image) or `family` and `version` (versions, "
                              f"each named <family>-<version>), not both")
    if version is None:
        raise pulumi.RunError(f"{where}: `family` needs `version`, for example version='2026-12'")
