"""What every Azure adapter method stands on: the client, error mapping, ids and single-step LROs."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..core import errors
from ..core.model import Target
from ..core.simclock import clock_for
from ..core.waiting import Waiter
from . import client as azure_client
from . import ids, mapping
from .lro import Started, start_operation

T = TypeVar("T")


class AzureBase:
    """The target region (an image's location), the waiter, and the calls every operation makes."""

    def __init__(self, target: Target, waiter: Waiter | None = None) -> None:
        self.target = target
        self.region = mapping.region(target.region)
        self.waiter = waiter or Waiter(clock=clock_for(target.profile))
        self.last_request_id = ""

    # plumbing --------------------------------------------------------------------
    @property
    def client(self) -> Any:
        return azure_client.compute_client(self.target)

    @property
    def subscription(self) -> str:
        return azure_client.subscription_id(self.target)

    def _call(self, operation: str, fn: Callable[[], T], resource_id: str = "") -> T:
        from azure.core.exceptions import AzureError

        try:
            return fn()
        except AzureError as exc:
            raise mapping.to_error(exc, operation, resource_id) from None

    def _start(self, operation: str, begin: Callable[..., Any], resource_id: str) -> Started:
        started = self._call(operation, lambda: start_operation(begin), resource_id)
        self.last_request_id = started.request_id
        return started

    def _ref(self, image_id: str) -> ids.Ref:
        ref = ids.parse(image_id)
        if ref is None or ref.kind not in ("image", "version"):
            raise errors.InvalidArgument(f"{image_id!r} is not an Azure managed image or gallery image version id",
                                         vendor=mapping.VENDOR, operation="image id")
        return ref

    def vm_ref(self, value: str, resource_group: str = "") -> ids.Ref:
        ref = ids.vm_ref(value, resource_group, self.subscription)
        if ref is None:
            raise errors.InvalidArgument(
                f"{value!r} does not name a VM: give its resource id, 'resource-group/name', or the name with "
                "options.resource_group", vendor=mapping.VENDOR, operation="vm id")
        return ref

    def _get_image(self, ref: ids.Ref) -> Any | None:
        try:
            return self._call("get image", lambda: self.client.images.get(ref.resource_group, ref.name), ref.id)
        except errors.NotFound:
            return None

    def _get_version(self, ref: ids.Ref, expand: str | None = None) -> Any | None:
        try:
            return self._call("get image version", lambda: self.client.gallery_image_versions.get(
                ref.resource_group, ref.gallery, ref.image, ref.name, expand=expand), ref.id)
        except errors.NotFound:
            return None

    def _patch(self, ref: ids.Ref, body: dict[str, Any], operation: str) -> Started:
        if ref.kind == "image":
            return self._start(operation, lambda **kw: self.client.images.begin_update(ref.resource_group, ref.name, body, **kw), ref.id)
        return self._start(operation, lambda **kw: self.client.gallery_image_versions.begin_update(
            ref.resource_group, ref.gallery, ref.image, ref.name, body, **kw), ref.id)



def _enum(value: Any) -> str:
    """SDK enums are str subclasses whose str() is the member name: use the wire value."""
    return str(getattr(value, "value", value) or "")
