"""What Alibaba ECS takes (API 2014-05-26): each input and option and the request parameter it becomes.

Parameter names are those of aliyun-python-sdk-ecs's CreateImage, CopyImage and ImportImage
requests; `logged` is where the simulator's request log shows each one.
"""
from __future__ import annotations

from ..core.schema import Change, Choice, Text
from ..core.service import OperationSpec, Param, Refusal, ServiceSpec, Sharing, Traits

LABEL = "Alibaba Cloud ECS"
_TAGS = "Tag.N.Key / Tag.N.Value"
SHARE = ("ModifyImageSharePermission.AddAccount.N / RemoveAccount.N (10 ids a call, 50 accounts an image; "
         "DescribeImageSharePermission reads the set)")
SHARE_EXAMPLE = ["1000000000000002"]
SHARING = Sharing("account", r"[0-9]{16}", "a 16-digit Alibaba Cloud account id (UID), e.g. 1234567890123456", limit=50,
                  per_call=10)
ENCRYPT_ELSEWHERE = ("publish an encrypted copy instead: ImageRegionSet(encrypted=True, options={'kms_key_id': ...}) "
                     "sends CopyImage with Encrypted and KMSKeyId")

CAPTURE = OperationSpec(
    inputs=(
        Param("name", "CreateImage.ImageName", example="golden-contract", logged="CreateImage:ImageName"),
        Param("description", "CreateImage.Description", example="contract row", logged="CreateImage:Description"),
        Param("tags", f"CreateImage.{_TAGS}", example={"team": "web"}, logged="CreateImage:Tag.1.Key"),
        Param("source", "CreateImage.InstanceId / SnapshotId", example={"snapshot": "s-bp1imageforgesys01"},
              logged="CreateImage:SnapshotId"),
        Param("scope", "(every disk of an instance; the system disk of a snapshot)", example="system",
              doc="'system+data' for an instance (CreateImage snapshots every disk), 'system' for a snapshot"),
        Param("architecture", "CreateImage.Architecture", "i386, x86_64 or arm64, for a snapshot source",
              example="arm64", logged="CreateImage:Architecture"),
        Param("share_with", SHARE, example=SHARE_EXAMPLE, logged="ModifyImageSharePermission:AddAccount.1"),
    ),
    source=(
        Param("instance", "CreateImage.InstanceId", "an ECS instance (every disk is captured)",
              example="i-bp1imageforgelnx01", logged="CreateImage:InstanceId"),
        Param("snapshot", "CreateImage.SnapshotId", "a system-disk snapshot", example="s-bp1imageforgesys01",
              logged="CreateImage:SnapshotId"),
        Param("os_state", "(checked against the instance before CreateImage: Generalized needs an instance a "
              "GeneralizedVM generalized and that is still Stopped)", "what GeneralizedVM's `source` output states"),
    ),
    options=(
        Param("image_family", "CreateImage.ImageFamily", "the image family (DescribeImageFromFamily finds its newest)",
              Text(max_len=128), example="web-golden", logged="CreateImage:ImageFamily"),
        Param("image_version", "CreateImage.ImageVersion", "a version label", Text(max_len=40), example="2026.11",
              logged="CreateImage:ImageVersion"),
        Param("resource_group_id", "CreateImage.ResourceGroupId", "the resource group the image joins", Text(),
              example="rg-aek2contract", logged="CreateImage:ResourceGroupId"),
        Param("boot_mode", "CreateImage.BootMode", "BIOS, UEFI or UEFI-Preferred",
              Choice(("BIOS", "UEFI", "UEFI-Preferred")), example="UEFI", logged="CreateImage:BootMode"),
        Param("detection_strategy", "CreateImage.DetectionStrategy", "image check: Standard or Advanced",
              Choice(("Standard", "Advanced")), Change.RECORD, example="Standard", logged="CreateImage:DetectionStrategy"),
    ),
    refusals=(
        Refusal("sysprep", "has no Sysprep step in CreateImage.", "run Sysprep in the guest before the capture and "
                "remove sysprep.", accepts=False),
        Refusal("encrypted", "CreateImage cannot encrypt an image.", ENCRYPT_ELSEWHERE + ".", accepts=False),
        Refusal("force_poweroff", "CreateImage takes no power-off flag (it snapshots the disks as they are).",
                "stop the instance before the capture for a consistent image, and remove force_poweroff.", accepts=False),
        Refusal("clean_personal_data", "does not clean personal data (Elastic Desktop Service images do).",
                "remove clean_personal_data, or use service='eds' for a cloud computer.", accepts=False),
        Refusal("source.desktop", "captures instances and snapshots; cloud computers belong to Elastic Desktop Service.",
                "use service='eds' for source.desktop."),
        Refusal("source.snapshots", "takes one system-disk snapshot.", "give source.snapshot, or capture the instance "
                "(source.instance) to include every disk."),
        Refusal("source.data_snapshots", "captures data disks with the instance (every disk of source.instance).",
                "capture source.instance to include its data disks."),
        Refusal("source.data_disks", "captures every disk of an instance; it cannot pick disks.",
                "remove source.data_disks: source.instance includes every disk."),
    ),
)

COPY = OperationSpec(
    inputs=(
        Param("image_id", "CopyImage.ImageId", logged="CopyImage:ImageId"),
        Param("regions", "CopyImage.DestinationRegionId (one call per region)", logged="CopyImage:DestinationRegionId"),
        Param("name", "CopyImage.DestinationImageName", example="golden-copy", logged="CopyImage:DestinationImageName"),
        Param("description", "CopyImage.DestinationDescription", example="contract row",
              logged="CopyImage:DestinationDescription"),
        Param("tags", f"CopyImage.{_TAGS}", example={"team": "web"}, logged="CopyImage:Tag.1.Key"),
        Param("encrypted", "CopyImage.Encrypted", "encrypt the copies (with options.kms_key_id, or the default key)",
              example=True, logged="CopyImage:Encrypted"),
        Param("share_with", SHARE + ", on each copy", example=SHARE_EXAMPLE,
              logged="ModifyImageSharePermission:AddAccount.1"),
    ),
    options=(
        Param("kms_key_id", "CopyImage.KMSKeyId", "the KMS key that encrypts the copies (with encrypted)", Text(),
              example="key-hzz65contract", logged="CopyImage:KMSKeyId"),
        Param("resource_group_id", "CopyImage.ResourceGroupId", "the resource group the copies join", Text(),
              example="rg-aek2contract", logged="CopyImage:ResourceGroupId"),
    ),
)

IMPORT = OperationSpec(
    inputs=(
        Param("name", "ImportImage.ImageName", example="imported-contract", logged="ImportImage:ImageName"),
        Param("description", "ImportImage.Description", example="contract row", logged="ImportImage:Description"),
        Param("tags", f"ImportImage.{_TAGS}", example={"team": "web"}, logged="ImportImage:Tag.1.Key"),
        Param("object", "ImportImage.DiskDeviceMapping.1.OSSBucket / OSSObject",
              logged="ImportImage:DiskDeviceMapping.1.OSSBucket"),
        Param("format", "ImportImage.DiskDeviceMapping.1.Format", example="qcow2",
              logged="ImportImage:DiskDeviceMapping.1.Format"),
        Param("os_type", "ImportImage.OSType", "linux or windows", example="linux", logged="ImportImage:OSType"),
        Param("platform", "ImportImage.Platform", "the distribution, e.g. Ubuntu", example="Ubuntu",
              logged="ImportImage:Platform"),
        Param("architecture", "ImportImage.Architecture", "x86_64 or arm64", example="x86_64",
              logged="ImportImage:Architecture"),
        Param("boot_mode", "ImportImage.BootMode", "BIOS or UEFI", example="BIOS", logged="ImportImage:BootMode"),
        Param("disk_size_gb", "ImportImage.DiskDeviceMapping.1.DiskImageSize", example=40,
              logged="ImportImage:DiskDeviceMapping.1.DiskImageSize"),
        Param("share_with", SHARE, example=SHARE_EXAMPLE, logged="ModifyImageSharePermission:AddAccount.1"),
    ),
    options=(
        Param("license_type", "ImportImage.LicenseType", "Auto, Aliyun or BYOL", Choice(("Auto", "Aliyun", "BYOL")),
              example="BYOL", logged="ImportImage:LicenseType"),
        Param("detection_strategy", "ImportImage.DetectionStrategy", "image check: Standard or Advanced",
              Choice(("Standard", "Advanced")), Change.RECORD, example="Standard", logged="ImportImage:DetectionStrategy"),
        Param("resource_group_id", "ImportImage.ResourceGroupId", "the resource group the image joins", Text(),
              example="rg-aek2contract", logged="ImportImage:ResourceGroupId"),
        Param("role_name", "ImportImage.RoleName", "the RAM role ECS assumes to read the OSS object", Text(),
              Change.RECORD, example="AliyunECSImageImportDefaultRole", logged="ImportImage:RoleName"),
    ),
)

GENERALIZE = OperationSpec(
    inputs=(
        Param("vm", "DescribeInstances.InstanceIds / RunCommand.InstanceId.1 / StopInstance.InstanceId (an instance "
              "id, i-...)"),
        Param("finalize_scripts", "one Cloud Assistant RunCommand each, in order (Type RunShellScript on Linux, "
              "RunPowerShellScript on Windows, RunBatScript for a script starting '@echo off'; CommandContent Base64 "
              "at most 18 KB; Timeout 3600 s); the first non-zero ExitCode stops everything"),
        Param("guest_prepared", "(no guest command: StopInstance and the imageforge-generalized tag only)"),
        Param("delete_vm", "(recorded: DeleteInstance when the resource is deleted)", change=Change.RECORD),
    ),
    refusals=(
        Refusal("resource_group", "names instances by id (i-...): resource groups do not address them.",
                "give the instance id as vm and remove resource_group."),
        Refusal("keep_user", "removes no account when it generalizes (cloud-init clean keeps the users; Sysprep keeps "
                "local accounts).", "remove keep_user.", accepts=True),
    ),
)

BUILD = OperationSpec(
    inputs=(
        Param("name", "CreateImage.ImageName (the build instance's RunInstances.InstanceName is derived from it)",
              example="baked-contract", logged="CreateImage:ImageName"),
        Param("description", "CreateImage.Description", example="contract row", logged="CreateImage:Description"),
        Param("tags", f"RunInstances.{_TAGS} (the instance, its disks and primary ENI) and CreateImage.{_TAGS}",
              example={"team": "web"}, logged="RunInstances:Tag.1.Key"),
        Param("base_image", "RunInstances.ImageId (an image id, or the exact name of an image of this account, shared "
              "with it or public: DescribeImages with ImageOwnerAlias self, others, system)",
              example="aliyun_3_x64_20G_alibase_20260101.vhd", logged="RunInstances:ImageId"),
        Param("instance_type", "RunInstances.InstanceType (checked with DescribeAvailableResource in the vSwitch's "
              "zone first)", example="ecs.g7.large", logged="RunInstances:InstanceType"),
        Param("disk_size_gb", "RunInstances.SystemDisk.Size (20-2048 GiB, at least the image's size; default the "
              "image's size)", example=40, logged="RunInstances:SystemDisk.Size"),
        Param("provision", "one Cloud Assistant RunCommand each, in order (Type RunShellScript on Linux, "
              "RunPowerShellScript on Windows, RunBatScript for a script starting '@echo off'; CommandContent Base64 "
              "at most 18 KB; Timeout 3600 s); the first non-zero ExitCode stops everything",
              example=["echo provisioned"], logged="RunCommand:CommandContent"),
        Param("share_with", SHARE, example=SHARE_EXAMPLE, logged="ModifyImageSharePermission:AddAccount.1"),
    ),
    network=(
        Param("vswitch_id", "RunInstances.VSwitchId", "the vSwitch (vsw-...) the build instance joins; it fixes the "
              "zone and the VPC", example="vsw-bp1imageforge01", logged="RunInstances:VSwitchId", required=True),
        Param("security_group_id", "RunInstances.SecurityGroupId", "a security group (sg-...) of the vSwitch's VPC; "
              "no inbound rule is needed (Cloud Assistant runs the commands)", example="sg-bp1imageforge01",
              logged="RunInstances:SecurityGroupId", required=True),
        Param("zone_id", "RunInstances.ZoneId", "the zone, which must be the vSwitch's (optional: the vSwitch fixes "
              "it)", example="cn-hangzhou-a", logged="RunInstances:ZoneId"),
    ),
    options=(
        Param("system_disk_category", "RunInstances.SystemDisk.Category", "the system disk's category (default "
              "cloud_essd)", Choice(("cloud_essd", "cloud_auto", "cloud_essd_entry", "cloud_ssd", "cloud_efficiency")),
              example="cloud_auto", logged="RunInstances:SystemDisk.Category"),
        Param("resource_group_id", "RunInstances.ResourceGroupId and CreateImage.ResourceGroupId", "the resource group "
              "the build instance and the image join", Text(), example="rg-aek2contract",
              logged="RunInstances:ResourceGroupId"),
    ),
    refusals=(
        Refusal("resource_group", "names instances and images by id: resource groups do not address them.",
                "remove resource_group; options.resource_group_id places the instance and the image in one."),
        Refusal("keep_user", "removes no account when it generalizes (cloud-init clean keeps the users; Sysprep keeps "
                "local accounts).", "remove keep_user.", accepts=True),
    ),
)

# CopyImage runs five copy tasks from a region at once; the rest wait in turn (API reference): the region set
# starts a sixth region when one of its copies ends, so each copy's progress measures the copy itself.
COPY_SLOTS = 5

SPEC = ServiceSpec("alibaba", "ecs", LABEL, Traits(recognised_by="tag", copies_recognised_by="tag",
                                                   copies_cancellable=True, copy_slots=COPY_SLOTS,
                                                   names_unique_per_region=True, vm_deallocate=False),
                   sharing=SHARING,
                   capture=CAPTURE, copy=COPY, imports=IMPORT, generalize=GENERALIZE,
                   build=BUILD)
