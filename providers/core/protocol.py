"""What an adapter offers, named after our workflow; mypy checks each vendor against it.

A cloud that lacks a step does not raise NotImplementedError: the capability table in
`registry.py` says so and `check` tells the user before anything runs.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from .model import CaptureRequest, CommandResult, CopyRequest, ImageInfo, ImportRequest, VmInfo


class ImageAdapter(Protocol):
    """Capture, describe, update and delete images in one region of one service."""

    def capture(self, request: CaptureRequest) -> str:
        """Start creating an image; return its id as soon as the cloud assigns one."""
        ...

    def describe_images(self, image_ids: Sequence[str]) -> dict[str, ImageInfo]:
        """Describe several images in one call where the API allows; absent ids are gone."""
        ...

    def find_images(self, tags: Mapping[str, str]) -> list[ImageInfo]:
        """Images carrying all these tags, in any state (used to adopt after a retry)."""
        ...

    def update_image(self, image_id: str, name: str | None, description: str | None, tags: Mapping[str, str] | None) -> None: ...

    def delete_image(self, image_id: str) -> None:
        """Delete; raise NotFound when it is already gone."""
        ...


class ImageCopier(Protocol):
    """Publish an image to other regions."""

    def copy_image(self, request: CopyRequest) -> dict[str, str]:
        """Start copies; return region -> new image id."""
        ...

    def cancel_copy(self, region: str, image_id: str) -> None: ...

    def describe_copies(self, copies: Mapping[str, str]) -> dict[str, ImageInfo]:
        """region -> info for each region -> image id given; absent regions are gone."""
        ...

    def delete_copy(self, region: str, image_id: str) -> None: ...


class VmGeneralizer(Protocol):
    """Run the guest-side preparation, then mark a VM generalized (one way)."""

    def get_vm(self, vm_id: str) -> VmInfo: ...

    def run_command(self, vm_id: str, os_type: str, script: Sequence[str]) -> CommandResult: ...

    def stop_vm(self, vm_id: str) -> None: ...

    def mark_generalized(self, vm_id: str) -> None: ...

    def delete_vm(self, vm_id: str) -> None: ...


class ImageImporter(Protocol):
    """Register an external disk-image file (already uploaded) as an image."""

    def import_image(self, request: ImportRequest) -> str:
        """Start the import; return the new image's id."""
        ...
