"""What every Azure adapter method stands on: the client, one error boundary, ids and first-step-only LROs."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ..core import errors
from ..core.model import TAG_KEY, Target
from . import client as azure_client
from . import ids, mapping
from .lro import Begun, start_operation

T = TypeVar("T")
OURS = "imageforge-"  # tags imageforge keeps on an object whatever the user's tags say
NAME_TAG = "imageforge-name"  # the name of an object whose Azure name is fixed elsewhere (a gallery version)
DESCRIPTION_TAG = "imageforge-description"  # Azure images and versions have no description property


class AzureBase:
    """The target region (an image's location) and the calls every operation makes; holds no waiter."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.region = mapping.region(target.region)

    @property
    def client(self) -> Any:
        return azure_client.compute_client(self.target)

    def client_for(self, subscription: str) -> Any:
        """The client of another subscription (a resource id names its own)."""
        if not subscription or subscription == self.subscription:
            return self.client
        return azure_client.compute_client(self.target, subscription)

    @property
    def subscription(self) -> str:
        return azure_client.subscription_id(self.target)

    def _call(self, operation: str, fn: Callable[[], T], resource_id: str = "") -> T:
        """The adapter boundary: every SDK exception becomes our typed, redacted error here, once."""
        from azure.core.exceptions import AzureError

        try:
            return fn()
        except AzureError as exc:
            raise mapping.to_error(exc, operation, resource_id) from exc

    def _start(self, operation: str, begin: Callable[..., Any], resource_id: str) -> Begun:
        return self._call(operation, lambda: start_operation(begin), resource_id)

    def _ref(self, image_id: str) -> ids.Ref:
        ref = ids.parse(image_id)
        if ref is None or ref.kind not in ("image", "version"):
            raise errors.InvalidArgument(f"{image_id!r} is not an Azure managed image or gallery image version id",
                                         vendor=mapping.VENDOR, operation="image id")
        return ref

    def _get_image(self, ref: ids.Ref) -> Any | None:
        client = self.client_for(ref.subscription)
        try:
            return self._call("get image", lambda: client.images.get(ref.resource_group, ref.name), ref.id)
        except errors.NotFound:
            return None

    def _get_version(self, ref: ids.Ref, expand: str | None = None) -> Any | None:
        client = self.client_for(ref.subscription)
        try:
            return self._call("get image version", lambda: client.gallery_image_versions.get(
                ref.resource_group, ref.gallery, ref.image, ref.name, expand=expand), ref.id)
        except errors.NotFound:
            return None

    def _get(self, ref: ids.Ref, expand: str | None = None) -> Any | None:
        return self._get_image(ref) if ref.kind == "image" else self._get_version(ref, expand)

    def _patch(self, ref: ids.Ref, body: dict[str, Any], operation: str) -> Begun:
        client = self.client_for(ref.subscription)
        if ref.kind == "image":
            return self._start(operation, lambda **kw: client.images.begin_update(ref.resource_group, ref.name, body,
                                                                                   **kw), ref.id)
        return self._start(operation, lambda **kw: client.gallery_image_versions.begin_update(
            ref.resource_group, ref.gallery, ref.image, ref.name, body, **kw), ref.id)


def whole(value: object, default: int) -> int:
    """A count from inputs (numbers cross the engine as floats: 2.0)."""
    return int(float(str(value))) if value not in (None, "") else default


def labelled_tags(tags: Mapping[str, str], name: str | None, description: str | None) -> dict[str, str]:
    """Tags carrying a name and a description where Azure's object has no property for them."""
    out = dict(tags)
    if name:
        out[NAME_TAG] = name
    if description is not None:
        if description:
            out[DESCRIPTION_TAG] = description
        else:
            out.pop(DESCRIPTION_TAG, None)
    return out


def user_tags(tags: Mapping[str, str] | None) -> dict[str, str]:
    """The tags the user set: imageforge's own (name, description, ownership) left out, the identity kept."""
    return {k: v for k, v in dict(tags or {}).items() if not k.startswith(OURS) or k == TAG_KEY}


def kept_tags(tags: Mapping[str, str] | None) -> dict[str, str]:
    """imageforge's own tags, which a user's new tag set never removes."""
    return {k: v for k, v in dict(tags or {}).items() if k.startswith(OURS)}
