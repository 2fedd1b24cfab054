"""What Huawei Cloud IMS takes: each input and option and the request parameter it becomes.

Parameter names are those of huaweicloudsdkims's CreateImageRequestBody, CreateWholeImageRequestBody,
CopyImageCrossRegionRequestBody and BatchAddOrDeleteTagsRequestBody; `logged` is where the
simulator's request log shows each one (the JSON body, nested keys joined by ".").
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..core.schema import Change, Flag, Text
from ..core.service import OperationSpec, Param, Refusal, ServiceSpec, Sharing, Traits
from ..core.validation import Failure, is_unknown
from . import mapping
from .rules import REGIONS

LABEL = "Huawei Cloud IMS"
ONLY_ECS = "captures an ECS (source.instance); "


@dataclass(frozen=True)
class RegionMap:
    """A map of IMS region id -> a non-empty string (a project id, a project name or a vault id per region)."""

    label: str = "a map of IMS region ids to strings"

    def check(self, path: str, value: object) -> list[Failure]:
        if is_unknown(value):
            return []
        if not isinstance(value, Mapping):
            return [Failure(path, f"must be {self.label}, for example {{'cn-east-3': '...'}}; got {value!r}.")]
        strangers = sorted(str(k) for k in value if k not in REGIONS)
        out = [Failure(path, f"has {', '.join(map(repr, strangers))}, not IMS region ids; its keys are regions such "
                             "as 'cn-east-3'.")] if strangers else []
        return out + [Failure(f"{path}.{key}", f"must be a non-empty string; got {item!r}.")
                      for key, item in value.items()
                      if not is_unknown(item) and not (isinstance(item, str) and item.strip())]


PROJECT_IDS = Param("project_ids", "(the X-Project-Id each region's requests are signed with, not a request parameter)",
                    "region -> project id, where IAM should not be asked (32 hex characters each)", RegionMap(),
                    Change.RECORD)

SHARE = ("BatchAddMembers.projects / BatchDeleteMembers.projects (asynchronous jobs; ListImageMembers reads the "
         "members): projects in the image's own region, 256 an image (10 a full-ECS image); each member project "
         "accepts with BatchUpdateMembers in its own project, and share_status reports its answer")
SHARE_EXAMPLE = ["0123456789abcdef0123456789abcdef"]
SHARING = Sharing("project", r"[0-9a-f]{32}", "a Huawei Cloud project id in the image's region (32 lowercase hex "
                  "characters, from IAM 'My Credentials' > Projects; not an account name or a domain id)", limit=256,
                  per_call=256, encrypted_fix="share an image captured without encryption (no options.cmk_id), or "
                  "remove share_with: IMS does not share encrypted images.", jobs=True, answers=True)

CAPTURE = OperationSpec(
    inputs=(
        Param("source", "CreateImage.instance_id / CreateWholeImage.instance_id", logged="CreateImage:instance_id"),
        Param("name", "CreateImage.name / CreateWholeImage.name", example="golden-contract",
              logged="CreateWholeImage:name"),
        Param("description", "CreateImage.description / CreateWholeImage.description", "at most 1024 characters, "
              "no '<', '>' or line breaks", example="contract row", logged="CreateWholeImage:description"),
        Param("tags", "CreateImage.image_tags / CreateWholeImage.image_tags (with the imageforge-key tag)",
              example={"team": "web"}, logged="CreateWholeImage:image_tags.1.key"),
        Param("scope", "the action: CreateImage for 'system' (the default), CreateWholeImage for 'system+data' (a "
              "full-ECS image, with options.vault_id)", example="system+data", logged="CreateWholeImage:instance_id"),
        Param("encrypted", "CreateImage.cmk_id (the key given in options.cmk_id)",
              "encrypt the image with options.cmk_id (scope 'system')", example=True, logged="CreateImage:cmk_id"),
        Param("share_with", SHARE, example=SHARE_EXAMPLE, logged="BatchAddMembers:projects"),
    ),
    source=(
        Param("instance", "CreateImage.instance_id", "the ECS (server id) to capture",
              example="22222222-0000-4000-8000-000000000001", logged="CreateImage:instance_id"),
        Param("os_state", "(checked before CreateImage: Generalized needs the server SHUTOFF since its guest was "
              "generalized)", "what GeneralizedVM's `source` output states"),
    ),
    options=(
        Param("vault_id", "CreateWholeImage.vault_id", "the CBR vault of the server's backup (scope 'system+data')",
              Text(), example="44444444-0000-4000-8000-000000000001", logged="CreateWholeImage:vault_id"),
        Param("cmk_id", "CreateImage.cmk_id", "the KMS key that encrypts the image (scope 'system'); the image is "
              "encrypted with it", Text(), example="kms-contract-key", logged="CreateImage:cmk_id"),
        PROJECT_IDS,
    ),
    refusals=(
        Refusal("sysprep", "runs no Sysprep: it captures the disks as they are.", "generalize Windows in the guest "
                "(Cloudbase-Init and Sysprep) before the capture and remove sysprep.", accepts=False),
        Refusal("clean_personal_data", "does not clean personal data (Alibaba Elastic Desktop Service images do).",
                "remove users' data in the guest before the capture and remove clean_personal_data.", accepts=False),
        Refusal("force_poweroff", "takes no power-off flag: it captures a running or stopped ECS as it is.",
                "stop the ECS before the capture for a consistent image, and remove force_poweroff.", accepts=False),
        Refusal("architecture", "reads the architecture from the ECS; CreateImage takes it only for an imported file.",
                "remove architecture."),
        Refusal("source.desktop", ONLY_ECS + "cloud computers belong to Alibaba Elastic Desktop Service.",
                "give source.instance, the ECS's server id."),
        Refusal("source.snapshot", ONLY_ECS + "IMS makes no image from an EVS snapshot.",
                "give source.instance, the ECS the snapshot's disk belongs to."),
        Refusal("source.snapshots", ONLY_ECS + "IMS makes no image from EVS snapshots.",
                "give source.instance, and scope 'system+data' to include its data disks."),
        Refusal("source.data_snapshots", ONLY_ECS + "data disks come with scope 'system+data' (a full-ECS image).",
                "give source.instance and set scope 'system+data'."),
        Refusal("source.data_disks", ONLY_ECS + "it cannot pick data disks.",
                "give source.instance and set scope 'system+data' to include every disk."),
    ),
)

COPY = OperationSpec(
    inputs=(
        Param("image_id", "CopyImageCrossRegion image_id (path)", logged="CopyImageCrossRegion:id"),
        Param("regions", "CopyImageCrossRegion.region (one call per region)", logged="CopyImageCrossRegion:region"),
        Param("name", "CopyImageCrossRegion.name (default: the source image's name)", example="golden-copy",
              logged="CopyImageCrossRegion:name"),
        Param("description", "CopyImageCrossRegion.description (with the identity marker, 38 characters)",
              "at most 986 characters: IMS allows 1024 and imageforge appends its marker", example="contract row",
              logged="CopyImageCrossRegion:description"),
        Param("tags", "BatchAddOrDeleteTags.tags on each copy once its job names it (the call takes no tags)",
              example={"team": "web"}, logged="BatchAddOrDeleteTags:tags.1.key"),
        Param("share_with", SHARE + "; here on a set of one region, as a project id names a project of one region",
              example=SHARE_EXAMPLE, logged="BatchAddMembers:projects"),
    ),
    options=(
        Param("agency_name", "CopyImageCrossRegion.agency_name", "the IAM agency that lets IMS copy across regions "
              "(for example 'ims_admin_agency')", Text(), Change.RECORD, example="ims_admin_agency",
              logged="CopyImageCrossRegion:agency_name", required=True),
        Param("project_names", "CopyImageCrossRegion.project_name", "region -> the destination project's name "
              "(default: the region id, the name of its default project)", RegionMap(), Change.RECORD,
              example={"cn-east-3": "cn-east-3"}, logged="CopyImageCrossRegion:project_name"),
        Param("vault_ids", "(CopyImageCrossRegion.vault_id, sent only for a full-ECS source: proven in tests/huawei, "
              "as the contract's source is a system-disk image)", "region -> a CBR vault in that region, for a "
              "full-ECS image (scope 'system+data')", RegionMap(), example={"cn-east-3": "44444444-0000-4000-8000-"
              "000000000002"}),
        PROJECT_IDS,
    ),
    refusals=(
        Refusal("encrypted", "does not copy encrypted images across regions, nor encrypt a copy "
                "(CopyImageCrossRegion takes no key).", "publish an image captured without encryption and remove "
                "encrypted.", accepts=False),
    ),
)

IMPORT = OperationSpec(
    inputs=(
        Param("name", "CreateImage.name", example="imported-contract", logged="CreateImage:name"),
        Param("description", "CreateImage.description", example="contract row", logged="CreateImage:description"),
        Param("tags", "CreateImage.image_tags (with the imageforge-key tag)", example={"team": "web"},
              logged="CreateImage:image_tags.1.key"),
        Param("object", "CreateImage.image_url ('<bucket>:<object>')", logged="CreateImage:image_url"),
        Param("format", "(IMS reads the format from the file; checked: quick import takes raw)", example="raw"),
        Param("os_type", "(picks CreateImage.os_version when options.os_version is not given)", "linux or windows",
              example="linux"),
        Param("architecture", "CreateImage.architecture", "x86 or arm (x86_64, arm64 and aarch64 are read as those)",
              example="x86_64", logged="CreateImage:architecture"),
        Param("boot_mode", "CreateImage.hw_firmware_type", "BIOS or UEFI", example="BIOS",
              logged="CreateImage:hw_firmware_type"),
        Param("disk_size_gb", "CreateImage.min_disk (at least 40)", example=60, logged="CreateImage:min_disk"),
        Param("share_with", SHARE, example=SHARE_EXAMPLE, logged="BatchAddMembers:projects"),
    ),
    options=(
        Param("os_version", "CreateImage.os_version", "the OS as IMS lists it (ListOsVersions), e.g. "
              "'Ubuntu 22.04 server 64bit'", Text(max_len=255), example="CentOS 7.9 64bit",
              logged="CreateImage:os_version"),
        Param("quick_import", "CreateImage.is_quick_import", "IMS quick import of a RAW file (with its bitmap) or "
              "ZVHD2, up to 1 TB", Flag(), example=True, logged="CreateImage:is_quick_import"),
        Param("is_config", "CreateImage.is_config", "let IMS configure the guest's drivers and network after import",
              Flag(), example=True, logged="CreateImage:is_config"),
        Param("cmk_id", "CreateImage.cmk_id", "the KMS key that encrypts the image", Text(), example="kms-contract-key",
              logged="CreateImage:cmk_id"),
        PROJECT_IDS,
    ),
    refusals=(
        Refusal("platform", "takes no platform: it reads the OS from the OS version.",
                "remove platform and set options.os_version (for example 'Ubuntu 22.04 server 64bit')."),
    ),
)

# GeneralizedVM: guest scripts through Cloud Operations Center (COC) and the ECS's UniAgent, see coc.py.
RUN = ("COC script (CreateScript: SHELL on Linux, BAT carrying PowerShell on Windows, at most 4096 characters; "
       "ExecuteScript timeout 1799 s)")
GENERALIZE = OperationSpec(
    inputs=(
        Param("vm", "server_id of ShowServer / ExecuteScript target_instances.resource_id / BatchStopServers "
              "(an ECS server id)"),
        Param("finalize_scripts", f"one {RUN} each, in order, after ListResources says the UniAgent is ONLINE; the "
              "exit code printed by the script and the log of GetScriptJobBatch are the outputs, the first non-zero "
              "stops everything"),
        Param("guest_prepared", "(no guest command: BatchStopServers only)"),
        Param("delete_vm", "(recorded: DeleteServers when the resource is deleted)", change=Change.RECORD),
    ),
    refusals=(
        Refusal("keep_user", "removes no account: its Linux cleanup (cloud-init clean, SSH host keys, machine-id) and "
                "Sysprep keep every user.", "remove keep_user (or set it true).", accepts=True),
    ),
)

# BakedImage: a temporary ECS build server (build.py), the same COC channel, then CreateImage from it.
BUILD = OperationSpec(
    inputs=(
        Param("base_image", "CreateServers server.imageRef (an IMS image id, or an exact name found with ListImages "
              "among public, private, shared and Marketplace images)", example="CentOS 7.9 64bit",
              logged="CreateServers:server.imageRef"),
        Param("instance_type", "CreateServers server.flavorRef (checked first with ListFlavors: it must sell in the "
              "zone)", example="s6.large.2", logged="CreateServers:server.flavorRef"),
        Param("disk_size_gb", "CreateServers server.root_volume.size (from the image's min_disk to 1024 GB; default "
              "min_disk)", example=40, logged="CreateServers:server.root_volume.size"),
        Param("provision", f"(one {RUN} each, in order, once ListResources says the build server's UniAgent is "
              "ONLINE; the first non-zero exit code stops the build; each step's result is in the `build` output)"),
        Param("name", "CreateImage.name; the build server is named after it (CreateServers server.name)",
              example="baked-contract", logged="CreateServers:server.name"),
        Param("description", "CreateImage.description", example="contract row", logged="CreateImage:description"),
        Param("tags", "CreateServers server.server_tags (with the imageforge-key tag, at most 10) and "
              "CreateImage.image_tags", example={"team": "web"}, logged="CreateServers:server.server_tags.1.key"),
        Param("share_with", SHARE, example=SHARE_EXAMPLE, logged="BatchAddMembers:projects"),
    ),
    network=(
        Param("vpc_id", "CreateServers server.vpcid", "the VPC of the build server", example="55555555-0000-4000-8000-"
              "000000000001", logged="CreateServers:server.vpcid", required=True),
        Param("subnet_id", "CreateServers server.nics[0].subnet_id", "a subnet of that VPC (the server's one NIC; no "
              "EIP is attached)", example="66666666-0000-4000-8000-000000000001",
              logged="CreateServers:server.nics.0.subnet_id", required=True),
        Param("security_group_id", "CreateServers server.security_groups[0].id", "the security group of the NIC",
              example="77777777-0000-4000-8000-000000000001", logged="CreateServers:server.security_groups.0.id",
              required=True),
        Param("availability_zone", "CreateServers server.availability_zone", "the zone (default: ECS picks one)",
              example="cn-north-4a", logged="CreateServers:server.availability_zone"),
    ),
    options=(
        Param("volume_type", "CreateServers server.root_volume.volumetype", "the system disk's EVS type (default "
              "GPSSD; SATA, SAS, SSD, GPSSD, ESSD...)", Text(max_len=16), example="SSD",
              logged="CreateServers:server.root_volume.volumetype"),
        Param("user_data", "CreateServers server.user_data (Base64-encoded here)", "a first-boot script for "
              "cloud-init / Cloudbase-Init, at most 32 KB (for example one that installs the UniAgent when the base "
              "image has none)", Text(max_len=32768), example="#!/bin/sh\necho ready",
              logged="CreateServers:server.user_data"),
        PROJECT_IDS,
    ),
    refusals=(
        Refusal("keep_user", "removes no account: its Linux cleanup (cloud-init clean, SSH host keys, machine-id) and "
                "Sysprep keep every user.", "remove keep_user (or set it true).", accepts=True),
        Refusal("resource_group", "has no resource groups: a build server belongs to the project of the region.",
                "remove resource_group (options.project_ids picks the project)."),
    ),
)

SPEC = ServiceSpec("huawei", "ims", LABEL, Traits(
    recognised_by="tag", copies_recognised_by="description", copies_cancellable=False, copy_slots=mapping.COPY_SLOTS,
    jobs=True, tags=True,
    vm_deallocate=False,  # BatchStopServers is the last power step
), sharing=SHARING, capture=CAPTURE, copy=COPY, imports=IMPORT, generalize=GENERALIZE,
    build=BUILD)
