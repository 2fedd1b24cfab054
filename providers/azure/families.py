"""Azure Compute Gallery versions as a family: the image definition is the family, each version a release.

https://learn.microsoft.com/rest/api/compute/gallery-image-versions/update: `publishingProfile.excludeFromLatest`
keeps a version out of `latest` (a VM asking for version 'latest' gets the highest version not excluded), and
`endOfLifeDate` records when it goes. Version names are Major.Minor.Patch (32-bit integers).
"""
from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from . import ids, mapping
from .lro import Begun

def _key(name: str) -> tuple[int, ...]:
    return tuple(int(p) for p in name.split(".")) if all(p.isdigit() for p in name.split(".")) else ()


def family_capture(capture: Mapping[str, Any], family: str, version: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The capture of one version: a gallery image version `version` of the definition `family` (unless
    options.gallery_image names another); the option fields a check failure names, mapped to the family's."""
    options = dict(capture.get("options") or {})
    if not options.get("gallery"):
        return dict(capture), {}  # managed images: named <family>-<version>, family and version in tags
    options.setdefault("gallery_image", family)
    options["version"] = version
    return {**capture, "options": options}, {"options.version": "version", "options.gallery_image": "family"}


class AzureFamilies:
    """The family methods of the Compute adapter (it supplies the client, `_ref`, `_patch` and `_call`)."""

    def _ref(self, image_id: str) -> ids.Ref:
        raise NotImplementedError

    def _patch(self, ref: ids.Ref, body: dict[str, Any], operation: str) -> Begun:
        raise NotImplementedError

    def client_for(self, subscription: str) -> Any:
        raise NotImplementedError

    def _call(self, operation: str, fn: Any, resource_id: str = "") -> Any:
        raise NotImplementedError

    def join_family(self, region: str, image_id: str, family: str) -> None:
        """Nothing to do: a gallery image version is in its image definition from its creation."""

    def set_deprecated(self, region: str, image_id: str, deprecated: bool) -> bool:
        """excludeFromLatest, and endOfLifeDate now when deprecating; a managed image has neither (False)."""
        ref = self._ref(image_id)
        if ref.kind != "version":
            return False
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        profile: dict[str, Any] = {"excludeFromLatest": deprecated}
        if deprecated:
            profile["endOfLifeDate"] = now
        self._patch(ref, {"properties": {"publishingProfile": profile}}, "deprecate" if deprecated else "restore")
        return True

    def family_latest(self, region: str, family: str, member: str) -> str:
        """What 'latest' resolves to in `region`: the highest succeeded version not excluded and replicated there."""
        ref = self._ref(member)
        if ref.kind != "version":
            return ""
        client = self.client_for(ref.subscription)
        versions = self._call("list image versions", lambda: list(client.gallery_image_versions.list_by_gallery_image(
            ref.resource_group, ref.gallery, ref.image)), ref.id)
        wanted = mapping.region(region)
        best: tuple[tuple[int, ...], str] = ((), "")
        for version in versions:
            props = version.properties
            profile = props.publishing_profile if props is not None else None
            regions = {mapping.region(str(t.name)) for t in (profile.target_regions or [])} if profile else set()
            if profile is None or profile.exclude_from_latest or wanted not in regions:
                continue
            if mapping.enum_value(props.provisioning_state) != "Succeeded":
                continue
            key = _key(str(version.name))
            if key > best[0]:
                best = (key, str(version.id))
        return best[1]
