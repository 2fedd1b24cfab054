"""Typed inputs and outputs of every resource, for editors and type checkers (mypy, pyright).

Generated from providers/resources/schemas.py by `imageforge docs --write`; a test keeps it equal.
`pulumi.Input[T]` takes a plain value, an Output or an awaitable. Values are still checked by the
resources' `check`, which names the field, the rule and the fix.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Required, TypedDict

import pulumi

__all__ = [
    "TimeoutsArgs",
    "SourceArgs",
    "CredentialsArgs",
    "RegionArgs",
    "StorageObjectArgs",
    "CustomImageArgs",
    "CustomImageOutputs",
    "ImageRegionSetArgs",
    "ImageRegionSetOutputs",
    "GeneralizedVMArgs",
    "GeneralizedVMOutputs",
    "ImportedImageArgs",
    "ImportedImageOutputs",
    "BakedImageArgs",
    "BakedImageOutputs",
]


class TimeoutsArgs(TypedDict, total=False):
    """Deadlines per operation: a duration such as "90m", "2h", "1h30m", or seconds."""

    create: pulumi.Input[str | int]
    update: pulumi.Input[str | int]
    delete: pulumi.Input[str | int]


class SourceArgs(TypedDict, total=False):
    """What to capture: an instance, a desktop, a snapshot or snapshots, and their settings."""

    instance: pulumi.Input[str]
    desktop: pulumi.Input[str]
    snapshot: pulumi.Input[str]
    snapshots: pulumi.Input[Sequence[pulumi.Input[str]]]
    data_snapshots: pulumi.Input[Sequence[pulumi.Input[str]]]
    data_disks: pulumi.Input[Sequence[pulumi.Input[str]]]
    os_state: pulumi.Input[str]
    os_type: pulumi.Input[str]
    disk_type: pulumi.Input[str]
    encrypted: pulumi.Input[bool]


class CredentialsArgs(TypedDict, total=False):
    """A profile and/or a role to assume for one resource's calls (never a secret)."""

    profile: pulumi.Input[str]
    role_arn: pulumi.Input[str]
    role_session_name: pulumi.Input[str]


class RegionArgs(TypedDict, total=False):
    """A destination region with its settings, where a service takes them (Azure replicas and storage type)."""

    region: Required[pulumi.Input[str]]
    replicas: pulumi.Input[int]
    storage: pulumi.Input[str]


class StorageObjectArgs(TypedDict, total=False):
    """Where the uploaded disk-image file is in the cloud's object storage."""

    bucket: Required[pulumi.Input[str]]
    key: Required[pulumi.Input[str]]


@dataclass(kw_only=True)
class CustomImageArgs:
    """The inputs of CustomImage, for `CustomImage(name, CustomImageArgs(...))`."""

    cloud: pulumi.Input[str]
    """The cloud: alibaba, tencent, huawei, azure."""
    region: pulumi.Input[str]
    """The region id."""
    name: pulumi.Input[str]
    """The image's name."""
    source: pulumi.Input[SourceArgs]
    """What the image is captured from."""
    service: pulumi.Input[str] | None = None
    """The cloud's service (its default when omitted: ecs, cvm, ims, compute)."""
    endpoint: pulumi.Input[str] | None = None
    """'cloud' (the vendor's API) or 'sim' (the embedded simulator); default from stack config imageforge:endpoint, then IMAGEFORGE_ENDPOINT."""
    timeouts: pulumi.Input[TimeoutsArgs] | None = None
    """Deadlines per operation, e.g. {'create': '90m', 'delete': '30m'}; every wait and retry stays inside them."""
    credentials: pulumi.Input[CredentialsArgs] | None = None
    """A profile and/or a role to assume for this resource's calls, never a secret (unset: the vendor's own credential chain); it must reach the account the image lives in."""
    description: pulumi.Input[str] | None = None
    """The image's description."""
    tags: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None
    """The image's tags."""
    scope: pulumi.Input[str] | None = None
    """System disk only, or system and data disks (unset: the service's own default)."""
    clean_personal_data: pulumi.Input[bool] | None = None
    """Remove users' personal data before capture."""
    sysprep: pulumi.Input[bool] | None = None
    """Run Sysprep while capturing a Windows image."""
    encrypted: pulumi.Input[bool] | None = None
    """Make the image encrypted."""
    architecture: pulumi.Input[str] | None = None
    """The guest's architecture."""
    force_poweroff: pulumi.Input[bool] | None = None
    """Power the instance off for the capture."""
    share_with: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None
    """The accounts (projects, subscriptions) every image this resource owns is shared with, exactly; adding or removing one touches only that one, and images are un-shared before they are deleted."""
    options: pulumi.Input[Mapping[str, Any]] | None = None
    """Cloud-specific settings; each service declares its keys and what a change of each does."""
    deletion_protection: pulumi.Input[bool] | None = None
    """Refuse `delete` while true."""


class CustomImageOutputs:
    """The outputs of CustomImage: its inputs as stored and what the cloud reported."""

    image_id: pulumi.Output[str]
    """The image's id."""
    status: pulumi.Output[str]
    """Creating, available, failed."""
    vendor_status: pulumi.Output[str]
    """The cloud's own state."""
    progress: pulumi.Output[float | None]
    """Percent."""
    size_gb: pulumi.Output[int | None]
    """The image's size."""
    image_os_type: pulumi.Output[str]
    """The OS the cloud reports."""
    image_platform: pulumi.Output[str]
    """The platform the cloud reports."""
    image_architecture: pulumi.Output[str]
    """The architecture the cloud reports."""
    created: pulumi.Output[str]
    """When the cloud made it."""
    image_tags: pulumi.Output[Mapping[str, str]]
    """The image's tags without imageforge's own."""
    warnings: pulumi.Output[Sequence[str]]
    """Facts the user should know, such as an earlier run's capture that was replaced."""
    share_status: pulumi.Output[Mapping[str, Mapping[str, str]] | None]
    """Region -> receiver -> its answer (pending, accepted, rejected), where receivers must accept."""
    cloud: pulumi.Output[str]
    """The cloud: alibaba, tencent, huawei, azure."""
    service: pulumi.Output[str | None]
    """The cloud's service (its default when omitted: ecs, cvm, ims, compute)."""
    region: pulumi.Output[str]
    """The region id."""
    endpoint: pulumi.Output[str | None]
    """'cloud' (the vendor's API) or 'sim' (the embedded simulator); default from stack config imageforge:endpoint, then IMAGEFORGE_ENDPOINT."""
    timeouts: pulumi.Output[Mapping[str, Any] | None]
    """Deadlines per operation, e.g. {'create': '90m', 'delete': '30m'}; every wait and retry stays inside them."""
    credentials: pulumi.Output[Mapping[str, Any] | None]
    """A profile and/or a role to assume for this resource's calls, never a secret (unset: the vendor's own credential chain); it must reach the account the image lives in."""
    name: pulumi.Output[str]
    """The image's name."""
    description: pulumi.Output[str | None]
    """The image's description."""
    tags: pulumi.Output[Mapping[str, str] | None]
    """The image's tags."""
    source: pulumi.Output[Mapping[str, Any]]
    """What the image is captured from."""
    scope: pulumi.Output[str | None]
    """System disk only, or system and data disks (unset: the service's own default)."""
    clean_personal_data: pulumi.Output[bool | None]
    """Remove users' personal data before capture."""
    sysprep: pulumi.Output[bool | None]
    """Run Sysprep while capturing a Windows image."""
    encrypted: pulumi.Output[bool | None]
    """Make the image encrypted."""
    architecture: pulumi.Output[str | None]
    """The guest's architecture."""
    force_poweroff: pulumi.Output[bool | None]
    """Power the instance off for the capture."""
    share_with: pulumi.Output[Sequence[str] | None]
    """The accounts (projects, subscriptions) every image this resource owns is shared with, exactly; adding or removing one touches only that one, and images are un-shared before they are deleted."""
    options: pulumi.Output[Mapping[str, Any] | None]
    """Cloud-specific settings; each service declares its keys and what a change of each does."""
    deletion_protection: pulumi.Output[bool | None]
    """Refuse `delete` while true."""
    key: pulumi.Output[str]
    """The identity a re-run finds this object by."""


@dataclass(kw_only=True)
class ImageRegionSetArgs:
    """The inputs of ImageRegionSet, for `ImageRegionSet(name, ImageRegionSetArgs(...))`."""

    cloud: pulumi.Input[str]
    """The cloud: alibaba, tencent, huawei, azure."""
    region: pulumi.Input[str]
    """The region id."""
    image_id: pulumi.Input[str]
    """The image to publish (a CustomImage's image_id)."""
    regions: pulumi.Input[Sequence[pulumi.Input[str | RegionArgs]]]
    """The destination regions; adding or removing one touches only that region."""
    service: pulumi.Input[str] | None = None
    """The cloud's service (its default when omitted: ecs, cvm, ims, compute)."""
    endpoint: pulumi.Input[str] | None = None
    """'cloud' (the vendor's API) or 'sim' (the embedded simulator); default from stack config imageforge:endpoint, then IMAGEFORGE_ENDPOINT."""
    timeouts: pulumi.Input[TimeoutsArgs] | None = None
    """Deadlines per operation, e.g. {'create': '90m', 'delete': '30m'}; every wait and retry stays inside them."""
    credentials: pulumi.Input[CredentialsArgs] | None = None
    """A profile and/or a role to assume for this resource's calls, never a secret (unset: the vendor's own credential chain); it must reach the account the image lives in."""
    name: pulumi.Input[str] | None = None
    """The copies' name."""
    description: pulumi.Input[str] | None = None
    """The copies' description."""
    tags: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None
    """The copies' tags."""
    encrypted: pulumi.Input[bool] | None = None
    """Make the copies encrypted."""
    share_with: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None
    """The accounts (projects, subscriptions) every image this resource owns is shared with, exactly; adding or removing one touches only that one, and images are un-shared before they are deleted."""
    options: pulumi.Input[Mapping[str, Any]] | None = None
    """Cloud-specific settings; each service declares its keys and what a change of each does."""
    deletion_protection: pulumi.Input[bool] | None = None
    """Refuse `delete` while true."""


class ImageRegionSetOutputs:
    """The outputs of ImageRegionSet: its inputs as stored and what the cloud reported."""

    images: pulumi.Output[Mapping[str, Mapping[str, Any]]]
    """Region -> {image_id, status, vendor_status, progress}."""
    image_ids: pulumi.Output[Mapping[str, str]]
    """Region -> image id."""
    share_status: pulumi.Output[Mapping[str, Mapping[str, str]] | None]
    """Region -> receiver -> its answer (pending, accepted, rejected), where receivers must accept."""
    cloud: pulumi.Output[str]
    """The cloud: alibaba, tencent, huawei, azure."""
    service: pulumi.Output[str | None]
    """The cloud's service (its default when omitted: ecs, cvm, ims, compute)."""
    region: pulumi.Output[str]
    """The region id."""
    endpoint: pulumi.Output[str | None]
    """'cloud' (the vendor's API) or 'sim' (the embedded simulator); default from stack config imageforge:endpoint, then IMAGEFORGE_ENDPOINT."""
    timeouts: pulumi.Output[Mapping[str, Any] | None]
    """Deadlines per operation, e.g. {'create': '90m', 'delete': '30m'}; every wait and retry stays inside them."""
    credentials: pulumi.Output[Mapping[str, Any] | None]
    """A profile and/or a role to assume for this resource's calls, never a secret (unset: the vendor's own credential chain); it must reach the account the image lives in."""
    image_id: pulumi.Output[str]
    """The image to publish (a CustomImage's image_id)."""
    regions: pulumi.Output[Sequence[str | Mapping[str, Any]]]
    """The destination regions; adding or removing one touches only that region."""
    name: pulumi.Output[str | None]
    """The copies' name."""
    description: pulumi.Output[str | None]
    """The copies' description."""
    tags: pulumi.Output[Mapping[str, str] | None]
    """The copies' tags."""
    encrypted: pulumi.Output[bool | None]
    """Make the copies encrypted."""
    share_with: pulumi.Output[Sequence[str] | None]
    """The accounts (projects, subscriptions) every image this resource owns is shared with, exactly; adding or removing one touches only that one, and images are un-shared before they are deleted."""
    options: pulumi.Output[Mapping[str, Any] | None]
    """Cloud-specific settings; each service declares its keys and what a change of each does."""
    deletion_protection: pulumi.Output[bool | None]
    """Refuse `delete` while true."""
    key: pulumi.Output[str]
    """The identity a re-run finds this object by."""


@dataclass(kw_only=True)
class GeneralizedVMArgs:
    """The inputs of GeneralizedVM, for `GeneralizedVM(name, GeneralizedVMArgs(...))`."""

    region: pulumi.Input[str]
    """The region id."""
    vm: pulumi.Input[str]
    """The VM's resource id, or its name with resource_group."""
    cloud: pulumi.Input[str] | None = None
    """The cloud: alibaba, tencent, huawei, azure."""
    service: pulumi.Input[str] | None = None
    """The cloud's service (its default when omitted: ecs, cvm, ims, compute)."""
    endpoint: pulumi.Input[str] | None = None
    """'cloud' (the vendor's API) or 'sim' (the embedded simulator); default from stack config imageforge:endpoint, then IMAGEFORGE_ENDPOINT."""
    timeouts: pulumi.Input[TimeoutsArgs] | None = None
    """Deadlines per operation, e.g. {'create': '90m', 'delete': '30m'}; every wait and retry stays inside them."""
    credentials: pulumi.Input[CredentialsArgs] | None = None
    """A profile and/or a role to assume for this resource's calls, never a secret (unset: the vendor's own credential chain); it must reach the account the image lives in."""
    resource_group: pulumi.Input[str] | None = None
    """The VM's resource group when vm is a name."""
    keep_user: pulumi.Input[bool] | None = None
    """Keep the provisioned user account (waagent -deprovision instead of +user)."""
    finalize_scripts: pulumi.Input[Sequence[pulumi.Input[str | Sequence[pulumi.Input[str]]]]] | None = None
    """Scripts run in the guest, in order, before the generalization."""
    guest_prepared: pulumi.Input[bool] | None = None
    """The guest was already deprovisioned by hand: only stop and mark it."""
    delete_vm: pulumi.Input[bool] | None = None
    """Delete the VM when this resource is deleted."""


class GeneralizedVMOutputs:
    """The outputs of GeneralizedVM: its inputs as stored and what the cloud reported."""

    vm_id: pulumi.Output[str]
    """The VM's id."""
    generalized: pulumi.Output[bool]
    """True once generalized."""
    power_state: pulumi.Output[str]
    """The VM's power state."""
    source: pulumi.Output[Mapping[str, Any]]
    """A CustomImage source for this VM."""
    commands: pulumi.Output[Sequence[Mapping[str, Any]]]
    """Each guest step's exit code and output tail."""
    warnings: pulumi.Output[Sequence[str]]
    """What the user should know."""
    cloud: pulumi.Output[str | None]
    """The cloud: alibaba, tencent, huawei, azure."""
    service: pulumi.Output[str | None]
    """The cloud's service (its default when omitted: ecs, cvm, ims, compute)."""
    region: pulumi.Output[str]
    """The region id."""
    endpoint: pulumi.Output[str | None]
    """'cloud' (the vendor's API) or 'sim' (the embedded simulator); default from stack config imageforge:endpoint, then IMAGEFORGE_ENDPOINT."""
    timeouts: pulumi.Output[Mapping[str, Any] | None]
    """Deadlines per operation, e.g. {'create': '90m', 'delete': '30m'}; every wait and retry stays inside them."""
    credentials: pulumi.Output[Mapping[str, Any] | None]
    """A profile and/or a role to assume for this resource's calls, never a secret (unset: the vendor's own credential chain); it must reach the account the image lives in."""
    vm: pulumi.Output[str]
    """The VM's resource id, or its name with resource_group."""
    resource_group: pulumi.Output[str | None]
    """The VM's resource group when vm is a name."""
    keep_user: pulumi.Output[bool | None]
    """Keep the provisioned user account (waagent -deprovision instead of +user)."""
    finalize_scripts: pulumi.Output[Sequence[str | Sequence[str]] | None]
    """Scripts run in the guest, in order, before the generalization."""
    guest_prepared: pulumi.Output[bool | None]
    """The guest was already deprovisioned by hand: only stop and mark it."""
    delete_vm: pulumi.Output[bool | None]
    """Delete the VM when this resource is deleted."""
    key: pulumi.Output[str]
    """The identity a re-run finds this object by."""


@dataclass(kw_only=True)
class ImportedImageArgs:
    """The inputs of ImportedImage, for `ImportedImage(name, ImportedImageArgs(...))`."""

    cloud: pulumi.Input[str]
    """The cloud: alibaba, tencent, huawei, azure."""
    region: pulumi.Input[str]
    """The region id."""
    name: pulumi.Input[str]
    """The image's name."""
    service: pulumi.Input[str] | None = None
    """The cloud's service (its default when omitted: ecs, cvm, ims, compute)."""
    endpoint: pulumi.Input[str] | None = None
    """'cloud' (the vendor's API) or 'sim' (the embedded simulator); default from stack config imageforge:endpoint, then IMAGEFORGE_ENDPOINT."""
    timeouts: pulumi.Input[TimeoutsArgs] | None = None
    """Deadlines per operation, e.g. {'create': '90m', 'delete': '30m'}; every wait and retry stays inside them."""
    credentials: pulumi.Input[CredentialsArgs] | None = None
    """A profile and/or a role to assume for this resource's calls, never a secret (unset: the vendor's own credential chain); it must reach the account the image lives in."""
    description: pulumi.Input[str] | None = None
    """The image's description."""
    tags: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None
    """The image's tags."""
    object: pulumi.Input[StorageObjectArgs] | None = None
    """The uploaded file in the cloud's object storage."""
    file: pulumi.Input[str] | None = None
    """A local copy of the file, checked with the preflight rules before the import."""
    format: pulumi.Input[str] | None = None
    """The file's format (read from file)."""
    os_type: pulumi.Input[str] | None = None
    """Linux or windows."""
    platform: pulumi.Input[str] | None = None
    """The OS distribution or release."""
    architecture: pulumi.Input[str] | None = None
    """The guest's architecture."""
    boot_mode: pulumi.Input[str] | None = None
    """BIOS or UEFI (read from file)."""
    disk_size_gb: pulumi.Input[int] | None = None
    """The system disk size in GiB (read from file)."""
    share_with: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None
    """The accounts (projects, subscriptions) every image this resource owns is shared with, exactly; adding or removing one touches only that one, and images are un-shared before they are deleted."""
    options: pulumi.Input[Mapping[str, Any]] | None = None
    """Cloud-specific settings; each service declares its keys and what a change of each does."""
    deletion_protection: pulumi.Input[bool] | None = None
    """Refuse `delete` while true."""


class ImportedImageOutputs:
    """The outputs of ImportedImage: its inputs as stored and what the cloud reported."""

    image_id: pulumi.Output[str]
    """The image's id."""
    status: pulumi.Output[str]
    """Creating, available, failed."""
    vendor_status: pulumi.Output[str]
    """The cloud's own state."""
    progress: pulumi.Output[float | None]
    """Percent."""
    size_gb: pulumi.Output[int | None]
    """The image's size."""
    image_os_type: pulumi.Output[str]
    """The OS the cloud reports."""
    image_platform: pulumi.Output[str]
    """The platform the cloud reports."""
    image_architecture: pulumi.Output[str]
    """The architecture the cloud reports."""
    created: pulumi.Output[str]
    """When the cloud made it."""
    image_tags: pulumi.Output[Mapping[str, str]]
    """The image's tags without imageforge's own."""
    warnings: pulumi.Output[Sequence[str]]
    """Facts the user should know, such as an earlier run's capture that was replaced."""
    share_status: pulumi.Output[Mapping[str, Mapping[str, str]] | None]
    """Region -> receiver -> its answer (pending, accepted, rejected), where receivers must accept."""
    inspection: pulumi.Output[Mapping[str, Any]]
    """Format, size, boot mode, partition table, preflight warnings and guidance."""
    cloud: pulumi.Output[str]
    """The cloud: alibaba, tencent, huawei, azure."""
    service: pulumi.Output[str | None]
    """The cloud's service (its default when omitted: ecs, cvm, ims, compute)."""
    region: pulumi.Output[str]
    """The region id."""
    endpoint: pulumi.Output[str | None]
    """'cloud' (the vendor's API) or 'sim' (the embedded simulator); default from stack config imageforge:endpoint, then IMAGEFORGE_ENDPOINT."""
    timeouts: pulumi.Output[Mapping[str, Any] | None]
    """Deadlines per operation, e.g. {'create': '90m', 'delete': '30m'}; every wait and retry stays inside them."""
    credentials: pulumi.Output[Mapping[str, Any] | None]
    """A profile and/or a role to assume for this resource's calls, never a secret (unset: the vendor's own credential chain); it must reach the account the image lives in."""
    name: pulumi.Output[str]
    """The image's name."""
    description: pulumi.Output[str | None]
    """The image's description."""
    tags: pulumi.Output[Mapping[str, str] | None]
    """The image's tags."""
    object: pulumi.Output[Mapping[str, Any] | None]
    """The uploaded file in the cloud's object storage."""
    file: pulumi.Output[str | None]
    """A local copy of the file, checked with the preflight rules before the import."""
    format: pulumi.Output[str | None]
    """The file's format (read from file)."""
    os_type: pulumi.Output[str | None]
    """Linux or windows."""
    platform: pulumi.Output[str | None]
    """The OS distribution or release."""
    architecture: pulumi.Output[str | None]
    """The guest's architecture."""
    boot_mode: pulumi.Output[str | None]
    """BIOS or UEFI (read from file)."""
    disk_size_gb: pulumi.Output[int | None]
    """The system disk size in GiB (read from file)."""
    share_with: pulumi.Output[Sequence[str] | None]
    """The accounts (projects, subscriptions) every image this resource owns is shared with, exactly; adding or removing one touches only that one, and images are un-shared before they are deleted."""
    options: pulumi.Output[Mapping[str, Any] | None]
    """Cloud-specific settings; each service declares its keys and what a change of each does."""
    deletion_protection: pulumi.Output[bool | None]
    """Refuse `delete` while true."""
    key: pulumi.Output[str]
    """The identity a re-run finds this object by."""


@dataclass(kw_only=True)
class BakedImageArgs:
    """The inputs of BakedImage, for `BakedImage(name, BakedImageArgs(...))`."""

    cloud: pulumi.Input[str]
    """The cloud: alibaba, tencent, huawei, azure."""
    region: pulumi.Input[str]
    """The region id."""
    name: pulumi.Input[str]
    """The image's name."""
    base_image: pulumi.Input[str]
    """The image the build VM starts from: an id, or an exact name (public, marketplace, shared or the account's own)."""
    instance_type: pulumi.Input[str]
    """The build VM's instance type (size, flavor)."""
    network: pulumi.Input[Mapping[str, Any]]
    """Where the build VM runs: each service declares its keys (vSwitch or subnet, VPC, security group, zone)."""
    service: pulumi.Input[str] | None = None
    """The cloud's service (its default when omitted: ecs, cvm, ims, compute)."""
    endpoint: pulumi.Input[str] | None = None
    """'cloud' (the vendor's API) or 'sim' (the embedded simulator); default from stack config imageforge:endpoint, then IMAGEFORGE_ENDPOINT."""
    timeouts: pulumi.Input[TimeoutsArgs] | None = None
    """Deadlines per operation, e.g. {'create': '90m', 'delete': '30m'}; every wait and retry stays inside them."""
    credentials: pulumi.Input[CredentialsArgs] | None = None
    """A profile and/or a role to assume for this resource's calls, never a secret (unset: the vendor's own credential chain); it must reach the account the image lives in."""
    description: pulumi.Input[str] | None = None
    """The image's description."""
    tags: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None
    """The image's tags."""
    disk_size_gb: pulumi.Input[int] | None = None
    """The build VM's system disk in GiB (unset: the base image's size)."""
    resource_group: pulumi.Input[str] | None = None
    """The resource group the build VM, its NIC and the image are made in."""
    provision: pulumi.Input[Sequence[pulumi.Input[str | Sequence[pulumi.Input[str]]]]] | None = None
    """Scripts run in the build VM's guest, in order, before the generalization."""
    keep_user: pulumi.Input[bool] | None = None
    """Keep the provisioned user account when generalizing."""
    share_with: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None
    """The accounts (projects, subscriptions) every image this resource owns is shared with, exactly; adding or removing one touches only that one, and images are un-shared before they are deleted."""
    options: pulumi.Input[Mapping[str, Any]] | None = None
    """Cloud-specific settings; each service declares its keys and what a change of each does."""
    deletion_protection: pulumi.Input[bool] | None = None
    """Refuse `delete` while true."""


class BakedImageOutputs:
    """The outputs of BakedImage: its inputs as stored and what the cloud reported."""

    image_id: pulumi.Output[str]
    """The image's id."""
    status: pulumi.Output[str]
    """Creating, available, failed."""
    vendor_status: pulumi.Output[str]
    """The cloud's own state."""
    progress: pulumi.Output[float | None]
    """Percent."""
    size_gb: pulumi.Output[int | None]
    """The image's size."""
    image_os_type: pulumi.Output[str]
    """The OS the cloud reports."""
    image_platform: pulumi.Output[str]
    """The platform the cloud reports."""
    image_architecture: pulumi.Output[str]
    """The architecture the cloud reports."""
    created: pulumi.Output[str]
    """When the cloud made it."""
    image_tags: pulumi.Output[Mapping[str, str]]
    """The image's tags without imageforge's own."""
    warnings: pulumi.Output[Sequence[str]]
    """Facts the user should know, such as an earlier run's capture that was replaced."""
    share_status: pulumi.Output[Mapping[str, Mapping[str, str]] | None]
    """Region -> receiver -> its answer (pending, accepted, rejected), where receivers must accept."""
    base: pulumi.Output[Mapping[str, str]]
    """The base image the build VM started from: {image_id, name, os_type, owner}."""
    build: pulumi.Output[Mapping[str, Any]]
    """The build VM: {vm_id, vm_name, instance_type, commands (each guest step's exit code and output tail), removed}."""
    cloud: pulumi.Output[str]
    """The cloud: alibaba, tencent, huawei, azure."""
    service: pulumi.Output[str | None]
    """The cloud's service (its default when omitted: ecs, cvm, ims, compute)."""
    region: pulumi.Output[str]
    """The region id."""
    endpoint: pulumi.Output[str | None]
    """'cloud' (the vendor's API) or 'sim' (the embedded simulator); default from stack config imageforge:endpoint, then IMAGEFORGE_ENDPOINT."""
    timeouts: pulumi.Output[Mapping[str, Any] | None]
    """Deadlines per operation, e.g. {'create': '90m', 'delete': '30m'}; every wait and retry stays inside them."""
    credentials: pulumi.Output[Mapping[str, Any] | None]
    """A profile and/or a role to assume for this resource's calls, never a secret (unset: the vendor's own credential chain); it must reach the account the image lives in."""
    name: pulumi.Output[str]
    """The image's name."""
    description: pulumi.Output[str | None]
    """The image's description."""
    tags: pulumi.Output[Mapping[str, str] | None]
    """The image's tags."""
    base_image: pulumi.Output[str]
    """The image the build VM starts from: an id, or an exact name (public, marketplace, shared or the account's own)."""
    instance_type: pulumi.Output[str]
    """The build VM's instance type (size, flavor)."""
    network: pulumi.Output[Mapping[str, Any]]
    """Where the build VM runs: each service declares its keys (vSwitch or subnet, VPC, security group, zone)."""
    disk_size_gb: pulumi.Output[int | None]
    """The build VM's system disk in GiB (unset: the base image's size)."""
    resource_group: pulumi.Output[str | None]
    """The resource group the build VM, its NIC and the image are made in."""
    provision: pulumi.Output[Sequence[str | Sequence[str]] | None]
    """Scripts run in the build VM's guest, in order, before the generalization."""
    keep_user: pulumi.Output[bool | None]
    """Keep the provisioned user account when generalizing."""
    share_with: pulumi.Output[Sequence[str] | None]
    """The accounts (projects, subscriptions) every image this resource owns is shared with, exactly; adding or removing one touches only that one, and images are un-shared before they are deleted."""
    options: pulumi.Output[Mapping[str, Any] | None]
    """Cloud-specific settings; each service declares its keys and what a change of each does."""
    deletion_protection: pulumi.Output[bool | None]
    """Refuse `delete` while true."""
    key: pulumi.Output[str]
    """The identity a re-run finds this object by."""
