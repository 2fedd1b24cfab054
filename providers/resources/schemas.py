"""The declared inputs of every resource: one place that `check`, `diff` and the README tables read."""
from __future__ import annotations

from ..core.registry import CLOUDS
from ..core.schema import (Change, Choice, Either, Field, Flag, ListOf, Options, Record, ResourceSchema, TagMap, Text,
                           Timeouts, Whole)
from ..core.service import BUILD, CAPTURE, COPY, GENERALIZE, IMPORT

R, U, K = Change.REPLACE, Change.UPDATE, Change.RECORD
ID = Text(label="an id string")
IDS = ListOf(ID, unique=True)
CREDENTIALS = Record({"profile": Text(), "role_arn": Text(), "role_session_name": Text()},
                     label="a map naming a profile and/or a role to assume",
                     example="{'profile': 'publisher', 'role_arn': 'acs:ram::1234567890123456:role/images'}")


def _addressing(default_cloud: bool = False) -> tuple[Field, ...]:
    """Where the object lives and how imageforge reaches it: the same on every resource."""
    return (
        Field("cloud", Choice(CLOUDS), R, "the cloud: " + ", ".join(CLOUDS), required=not default_cloud,
              example=repr(CLOUDS[0]), generic=True),
        Field("service", Text(), R, "the cloud's service (its default when omitted: ecs, cvm, ims, compute)",
              generic=True),
        Field("region", Text(), R, "the region id", required=True, example="'cn-hangzhou'", generic=True),
        Field("endpoint", Choice(("cloud", "sim")), R, "'cloud' (the vendor's API) or 'sim' (the embedded simulator); "
              "default from stack config imageforge:endpoint, then IMAGEFORGE_ENDPOINT", generic=True),
        Field("timeouts", Timeouts(), K, "deadlines per operation, e.g. {'create': '90m', 'delete': '30m'}; every "
              "wait and retry stays inside them", generic=True),
        Field("credentials", CREDENTIALS, K, "a profile and/or a role to assume for this resource's calls, never a "
              "secret (unset: the vendor's own credential chain); it must reach the account the image lives in",
              generic=True),
        Field("owner", Text(), K, "project/stack/resource name, set by the resource: part of the identity key",
              internal=True),
        Field("key", Text(), K, "digest of the owner and every replace-on input: the identity a re-run finds "
              "objects by", internal=True),
    )


def _naming() -> tuple[Field, ...]:
    return (
        Field("name", Text(), U, "the image's name", required=True, example="'golden-web-2026-11'"),
        Field("description", Text(min_len=0), U, "the image's description"),
        Field("tags", TagMap(), U, "the image's tags"),
    )


SHARE_WITH = Field("share_with", ListOf(Text(label="an account, project or subscription id"), unique=True), U,
                   "the accounts (projects, subscriptions) every image this resource owns is shared with, exactly; "
                   "adding or removing one touches only that one, and images are un-shared before they are deleted",
                   example="['1000000000000002']")
PROTECTION = Field("deletion_protection", Flag(), K, "refuse `delete` while true", generic=True)
OPTIONS = Field("options", Options(), R, "cloud-specific settings; each service declares its keys and what a "
                "change of each does")
SOURCE = Record({
    "instance": ID, "desktop": ID, "snapshot": ID, "snapshots": IDS, "data_snapshots": IDS, "data_disks": IDS,
    "os_state": Choice(("Generalized", "Specialized")), "os_type": Text(), "disk_type": Text(), "encrypted": Flag(),
}, label="a map naming what to capture", example="{'instance': 'i-...'}")
REGION_ENTRY = Either((Text(), Record({"region": Text(), "replicas": Whole(1, 100), "storage": Text()},
                                      required=("region",), example="{'region': 'westeurope', 'replicas': 2}")),
                      label="a region id, or a map {'region', 'replicas', 'storage'}")
IMAGE_OUTPUTS = {
    "image_id": "the image's id", "status": "creating, available, failed...", "vendor_status": "the cloud's own state",
    "progress": "percent", "size_gb": "the image's size", "image_os_type": "the OS the cloud reports",
    "image_platform": "the platform the cloud reports", "image_architecture": "the architecture the cloud reports",
    "created": "when the cloud made it", "image_tags": "the image's tags without imageforge's own",
    "warnings": "facts the user should know, such as an earlier run's capture that was replaced",
    "share_status": "region -> receiver -> its answer (pending, accepted, rejected), where receivers must accept",
}

CUSTOM_IMAGE = ResourceSchema("CustomImage", CAPTURE, (
    *_addressing(), *_naming(),
    Field("source", SOURCE, R, "what the image is captured from", required=True, example="{'instance': 'i-...'}"),
    Field("scope", Choice(("system", "system+data")), R, "system disk only, or system and data disks (unset: the "
          "service's own default)", same_as_unset="system"),
    Field("clean_personal_data", Flag(), R, "remove users' personal data before capture"),
    Field("sysprep", Flag(), R, "run Sysprep while capturing a Windows image"),
    Field("encrypted", Flag(), R, "make the image encrypted"),
    Field("architecture", Text(), R, "the guest's architecture"),
    Field("force_poweroff", Flag(), K, "power the instance off for the capture"),
    SHARE_WITH, OPTIONS, PROTECTION,
), IMAGE_OUTPUTS)

IMAGE_REGION_SET = ResourceSchema("ImageRegionSet", COPY, (
    *_addressing(),
    Field("image_id", ID, R, "the image to publish (a CustomImage's image_id)", required=True),
    Field("regions", ListOf(REGION_ENTRY, min_items=1), U, "the destination regions; adding or removing one touches "
          "only that region", required=True, example="['cn-shanghai', 'cn-beijing']"),
    Field("name", Text(), U, "the copies' name"),
    Field("description", Text(min_len=0), U, "the copies' description"),
    Field("tags", TagMap(), U, "the copies' tags"),
    Field("encrypted", Flag(), R, "make the copies encrypted"),
    SHARE_WITH, OPTIONS, PROTECTION,
), {"images": "region -> {image_id, status, vendor_status, progress}", "image_ids": "region -> image id",
    "share_status": "region -> receiver -> its answer (pending, accepted, rejected), where receivers must accept"})

GENERALIZED_VM = ResourceSchema("GeneralizedVM", GENERALIZE, (
    *_addressing(default_cloud=True),
    Field("vm", ID, R, "the VM's resource id, or its name with resource_group", required=True),
    Field("resource_group", Text(), R, "the VM's resource group when vm is a name"),
    Field("keep_user", Flag(), R, "keep the provisioned user account (waagent -deprovision instead of +user)"),
    Field("finalize_scripts", ListOf(Either((Text(), ListOf(Text(min_len=0))), label="a script: a text or a list of "
                                                                                      "lines")), R,
          "scripts run in the guest, in order, before the generalization"),
    Field("guest_prepared", Flag(), R, "the guest was already deprovisioned by hand: only stop and mark it"),
    Field("delete_vm", Flag(), K, "delete the VM when this resource is deleted"),
), {"vm_id": "the VM's id", "generalized": "true once generalized", "power_state": "the VM's power state",
    "source": "a CustomImage source for this VM", "commands": "each guest step's exit code and output tail",
    "warnings": "what the user should know"})

IMPORTED_IMAGE = ResourceSchema("ImportedImage", IMPORT, (
    *_addressing(), *_naming(),
    Field("object", Record({"bucket": Text(), "key": Text()}, required=("bucket", "key"),
                           example="{'bucket': 'golden-images', 'key': 'web/disk.qcow2'}"), R,
          "the uploaded file in the cloud's object storage"),
    Field("file", Text(), K, "a local copy of the file, checked with the preflight rules before the import",
          generic=True),
    Field("format", Choice(("raw", "qcow2", "vhd", "vmdk", "vhdx")), R, "the file's format (read from file)"),
    Field("os_type", Text(), R, "linux or windows"),
    Field("platform", Text(), R, "the OS distribution or release"),
    Field("architecture", Text(), R, "the guest's architecture"),
    Field("boot_mode", Text(), R, "BIOS or UEFI (read from file)"),
    Field("disk_size_gb", Whole(1, 65536), R, "the system disk size in GiB (read from file)"),
    Field("inspection", Options(), K, "what the preflight read from file", internal=True),
    SHARE_WITH, OPTIONS, PROTECTION,
), {**IMAGE_OUTPUTS, "inspection": "format, size, boot mode, partition table, preflight warnings and guidance"})

SCRIPTS = ListOf(Either((Text(), ListOf(Text(min_len=0))), label="a script: a text or a list of lines"))

BAKED_IMAGE = ResourceSchema("BakedImage", BUILD, (
    *_addressing(), *_naming(),
    Field("base_image", Text(), R, "the image the build VM starts from: an id, or an exact name (public, marketplace, "
          "shared or the account's own)", required=True, example="'ubuntu_22_04_x64_20G_alibase_20240101.vhd'",
          generic=True),
    Field("instance_type", Text(), R, "the build VM's instance type (size, flavor)", required=True,
          example="'ecs.g7.large'", generic=True),
    Field("network", Options(label="a map of network ids"), R, "where the build VM runs: each service declares its "
          "keys (vSwitch or subnet, VPC, security group, zone)", required=True,
          example="{'vswitch_id': 'vsw-...', 'security_group_id': 'sg-...'}", generic=True),
    Field("disk_size_gb", Whole(1, 65536), R, "the build VM's system disk in GiB (unset: the base image's size)"),
    Field("resource_group", Text(), R, "the resource group the build VM, its NIC and the image are made in"),
    Field("provision", SCRIPTS, R, "scripts run in the build VM's guest, in order, before the generalization",
          generic=True),
    Field("keep_user", Flag(), R, "keep the provisioned user account when generalizing"),
    SHARE_WITH, OPTIONS, PROTECTION,
), {**IMAGE_OUTPUTS,
    "base": "the base image the build VM started from: {image_id, name, os_type, owner}",
    "build": "the build VM: {vm_id, vm_name, instance_type, commands (each guest step's exit code and output "
             "tail), removed}"})

SCHEMAS = {s.kind: s for s in (CUSTOM_IMAGE, IMAGE_REGION_SET, GENERALIZED_VM, IMPORTED_IMAGE, BAKED_IMAGE)}
