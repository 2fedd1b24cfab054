"""What an adapter offers, named after our workflow; mypy proves each vendor conforms (providers/conformance.py).

Adapters make single calls and return at once: starting something returns a `Started` handle,
and the resource's one Waiter does every wait and owns every deadline. What differs between
services is declared in their `ServiceSpec.traits` and consulted before a method is called; a
method a service's traits never lead to is still implemented (it refuses with Unsupported).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from .model import (BaseImage, CaptureRequest, CommandResult, CopyRequest, Deferred, Identity, ImageInfo, ImportRequest,
                    JobStatus, LaunchRequest, Started, VmInfo)
from .errors import CloudError

CopyStart = Started | Deferred | CloudError  # per region: started, not yet, or refused


class ImageAdapter(Protocol):
    """Capture, describe, update and delete images in one region of one service."""

    def prepare_capture(self, request: CaptureRequest) -> list[str]:
        """Read the source and refuse what the cloud would refuse, before anything is made; return warnings."""
        ...

    def start_capture(self, request: CaptureRequest) -> Started:
        """One call that starts the capture; the identity (tag or marker) is in the request itself."""
        ...

    def follow_job(self, job_id: str) -> JobStatus:
        """One look at the job a start returned (services whose traits say `jobs`)."""
        ...

    def describe_images(self, image_ids: Sequence[str]) -> dict[str, ImageInfo]:
        """Describe several images in one call where the API allows; absent ids are gone."""
        ...

    def find_images(self, identity: Identity) -> list[ImageInfo]:
        """Every image carrying this identity, in any state: what an earlier run made."""
        ...

    def update_image(self, image_id: str, name: str | None, description: str | None,
                     tags: Mapping[str, str] | None) -> None: ...

    def delete_image(self, image_id: str) -> None:
        """Start the deletion; raise NotFound when it is already gone."""
        ...


class ImageImporter(ImageAdapter, Protocol):
    """Register an external disk-image file (already uploaded) as an image."""

    def prepare_import(self, request: ImportRequest) -> list[str]:
        """Refuse what the cloud would refuse (an OS the region does not import...), before the import."""
        ...

    def start_import(self, request: ImportRequest) -> Started: ...


class ImageCopier(Protocol):
    """Publish an image to other regions; every method addresses a region explicitly."""

    def start_copies(self, request: CopyRequest, regions: Sequence[str]) -> dict[str, CopyStart]:
        """Start copies to `regions` (one call for all where the API batches); never raises after one started."""
        ...

    def follow_copy_job(self, region: str, job_id: str) -> JobStatus: ...

    def label_copy(self, request: CopyRequest, region: str, image_id: str) -> None:
        """Set what the starting call could not carry (tags, description); nothing where it carried all."""
        ...

    def describe_copies(self, copies: Mapping[str, str]) -> dict[str, ImageInfo]:
        """region -> info for each region -> image id given; absent regions are gone."""
        ...

    def find_copies(self, request: CopyRequest, regions: Sequence[str], identity: Identity) -> dict[str, list[ImageInfo]]:
        """Copies of this identity an earlier run started, per region, in any state."""
        ...

    def update_copy(self, region: str, image_id: str, name: str | None, description: str | None,
                    tags: Mapping[str, str] | None) -> None: ...

    def reconfigure_copies(self, copies: Mapping[str, str], entries: Mapping[str, Mapping[str, Any]]) -> list[str]:
        """Change region settings in place (replica counts); return the regions changed."""
        ...

    def cancel_copy(self, region: str, image_id: str) -> None: ...

    def delete_copy(self, region: str, image_id: str) -> None: ...


class VmGeneralizer(Protocol):
    """Run the guest-side preparation, then mark a VM generalized (one way)."""

    def resolve_vm(self, vm: str, resource_group: str) -> str:
        """The VM's id from an id or a name in a resource group (no call)."""
        ...

    def get_vm(self, vm_id: str) -> VmInfo: ...

    def guest_script(self, step: str, os_type: str, keep_user: bool) -> list[str]:
        """The service's own lines for a step: "generalize" or "probe" (reads whether the guest is generalized)."""
        ...

    def start_command(self, vm_id: str, os_type: str, script: Sequence[str]) -> Started: ...

    def command_result(self, vm_id: str, os_type: str, job_id: str) -> CommandResult | None:
        """The command's result once it ended, else None."""
        ...

    def stop_vm(self, vm_id: str) -> None: ...

    def deallocate_vm(self, vm_id: str) -> None: ...

    def mark_generalized(self, vm_id: str) -> None: ...

    def tag_vm(self, vm_id: str, tags: Mapping[str, str]) -> None: ...

    def delete_vm(self, vm_id: str) -> None: ...


class VmBuilder(VmGeneralizer, Protocol):
    """Launch a temporary build VM from a base image and remove it with everything launched with it.

    The VM's own steps (commands, stop, mark) are the VmGeneralizer's; `get_vm` reports
    power_state "pending" while it boots, "running", "stopped"..., or "failed" (extra["reason"])
    when the cloud gave up launching it.
    """

    def resolve_base_image(self, region: str, base_image: str) -> BaseImage:
        """The base image by id or by exact name (public, marketplace, shared or this account's); NotFound names it."""
        ...

    def prepare_launch(self, request: LaunchRequest) -> list[str]:
        """Read what the launch names (network, instance type, zone) and refuse what the cloud would; return warnings."""
        ...

    def launch_vm(self, request: LaunchRequest) -> Started:
        """One call (idempotent by request.client_token where the API has one); Started.vm_id or .job_id."""
        ...

    def find_build_vms(self, region: str, identity: Identity) -> list[VmInfo]:
        """Every VM carrying this identity's tag, in any state but deleted: what an earlier run launched."""
        ...

    def agent_online(self, vm_id: str, os_type: str) -> bool:
        """Whether the guest agent the commands run through reports itself ready."""
        ...

    def remove_build_vm(self, vm_id: str) -> None:
        """Start deleting the VM and what was launched with it (disks, NICs, public IPs); NotFound when gone."""
        ...

    def find_build_leftovers(self, region: str, identity: Identity) -> list[str]:
        """Ids of objects launched with a build VM that outlived it (detached disks, NICs, public IPs)."""
        ...

    def remove_leftover(self, object_id: str) -> None:
        """Delete one object `find_build_leftovers` named; NotFound when gone."""
        ...


class ImageSharer(Protocol):
    """Share images with other accounts (projects, subscriptions); every method addresses a region explicitly."""

    def shared_with(self, region: str, image_id: str) -> set[str]:
        """The ids the image is shared with now, as the cloud reports them."""
        ...

    def share(self, region: str, image_id: str, add: Sequence[str], remove: Sequence[str]) -> Started | None:
        """Grant `add` and revoke `remove` (each at most the service's per-call count); one already in the
        wanted state is not an error. A service whose sharing `jobs` returns the job that makes the change."""
        ...


class MemberSharer(ImageSharer, Protocol):
    """A sharer whose grants are jobs and whose receivers answer (IMS members): the traits say `jobs`, `answers`."""

    def follow_share_job(self, region: str, job_id: str) -> JobStatus:
        """One look at the job a `share` returned."""
        ...

    def member_states(self, region: str, image_id: str) -> dict[str, str]:
        """Each receiver's answer, as the cloud words it (pending, accepted, rejected)."""
        ...
