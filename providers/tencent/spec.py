"""What Tencent Cloud CVM takes (API 2017-03-12): each input and option and the request parameter it becomes.

Parameter names are those of tencentcloud-sdk-python-cvm's CreateImage, SyncImages and ImportImage
requests; `logged` is where the simulator's request log shows each one.

Copies (ImageRegionSet). SyncImages takes no tags, so a copy is recognised by an intent. Before
SyncImages, the source image gets the tag `imageforge-sync.<the set's key>` whose value lists the
regions being synced; label_copy then tags each copy with imageforge-key and drops its region from
that record, and find_copies drops regions whose copies already carry the tag. An image in a
destination region is this set's copy when it carries imageforge-key = the set's key, or when
(1) the source's record lists that region, (2) it is called the copy name (the set's name, else
the source's), (3) it carries no imageforge-key of another resource, (4) it is not the source and
(5) it has the source's OS and architecture.
Why that holds: CVM image names are unique per region, SyncImages included (it answers
InvalidImageName.Duplicate). Every start looks the copy name up in each region first and refuses
a holder that is not this set's; it records only regions where the name was free, then calls
SyncImages at once; a region whose SyncImages was definitely refused leaves the record again. So
a recorded region's untagged image of that name appeared after the look-up. After SyncImages ran
(its reply lost, or the process died before tagging) it is the copy SyncImages made, which holds
the name: proven. Not proven: the record lists a region where our copy is not, and another actor
then creates an image of exactly that name, OS and architecture there. That needs the run to die
between the record and SyncImages (a moment), or the record of a refused sync to stay (the run
died before clearing it, or the clearing failed, which the error then says), or an untagged copy
of ours to be removed before it was tagged. Such an image would be adopted.
"""
from __future__ import annotations

from ..core.schema import Change, Choice, Either, Flag, Text, Whole
from ..core.service import OperationSpec, Param, Refusal, ServiceSpec, Sharing, Traits

LABEL = "Tencent Cloud CVM"
TAGS = "TagSpecification.0.Tags"
ENCRYPT_BY_COPY = ("make an encrypted copy in the image's own region: ImageRegionSet(encrypted=True, regions=[<this "
                   "region>], name=..., options={'kms_key_id': ...}) sends SyncImages with Encrypt and KmsKeyId")

SHARE = ("ModifyImageSharePermission.AccountIds with Permission SHARE / CANCEL (500 accounts an image, same region; "
         "DescribeImageSharePermission reads the set)")
SHARE_EXAMPLE = ["100000000002"]
SHARING = Sharing("account", r"[1-9][0-9]{4,14}", "a Tencent Cloud account id (the root account's uin, digits, e.g. "
                  "100000000002; not a QQ number)", limit=500, per_call=100,
                  encrypted_fix="share an image captured from unencrypted disks, or remove share_with "
                  "(UnsupportedOperation.EncryptedImagesNotSupported).")

CAPTURE = OperationSpec(
    inputs=(
        Param("name", "CreateImage.ImageName", example="golden-contract", logged="CreateImage:ImageName"),
        Param("description", "CreateImage.ImageDescription", example="contract row",
              logged="CreateImage:ImageDescription"),
        Param("tags", f"CreateImage.{TAGS}", example={"team": "web"}, logged=f"CreateImage:{TAGS}"),
        Param("source", "CreateImage.InstanceId / SnapshotIds", logged="CreateImage:InstanceId"),
        Param("scope", "CreateImage.DataDiskIds ('system+data' from an instance: its data disks, or source.data_disks)",
              example="system+data", logged="CreateImage:DataDiskIds"),
        Param("sysprep", "CreateImage.Sysprep (Windows instances)", example=True, logged="CreateImage:Sysprep"),
        Param("force_poweroff", "CreateImage.ForcePoweroff (instances)", example=True,
              logged="CreateImage:ForcePoweroff"),
        Param("share_with", SHARE, example=SHARE_EXAMPLE, logged="ModifyImageSharePermission:AccountIds"),
    ),
    source=(
        Param("instance", "CreateImage.InstanceId", "a CVM instance (ins-...)", example="ins-gzwin001",
              logged="CreateImage:InstanceId"),
        Param("snapshot", "CreateImage.SnapshotIds", "the system-disk snapshot (snap-...)", example="snap-gzsys001",
              logged="CreateImage:SnapshotIds"),
        Param("snapshots", "CreateImage.SnapshotIds", "snapshots, one of them a system disk's",
              example=["snap-gzsys001", "snap-gzdat001"], logged="CreateImage:SnapshotIds.1"),
        Param("data_snapshots", "CreateImage.SnapshotIds after the system disk's",
              "data-disk snapshots, with source.snapshot and scope 'system+data'", example=["snap-gzdat001"],
              logged="CreateImage:SnapshotIds.1"),
        Param("data_disks", "CreateImage.DataDiskIds", "the instance's data disks to include, with source.instance "
              "and scope 'system+data'", example=["disk-gzwind01"], logged="CreateImage:DataDiskIds"),
        Param("os_state", "(checked before CreateImage: Generalized needs the instance STOPPED since its guest was "
              "generalized, and takes no sysprep)", "what GeneralizedVM's `source` output states"),
    ),
    options=(
        Param("image_family", "CreateImage.ImageFamily", "the image family", Text(), example="web-golden",
              logged="CreateImage:ImageFamily"),
    ),
    refusals=(
        Refusal("clean_personal_data", "CreateImage has no personal-data cleanup (Elastic Desktop Service images do).",
                "clean the instance before the capture (Windows: sysprep=true) and remove clean_personal_data.",
                accepts=False),
        Refusal("encrypted", "CreateImage cannot encrypt an image (an image of encrypted disks is encrypted).",
                ENCRYPT_BY_COPY + ".", accepts=False),
        Refusal("architecture", "CreateImage takes no architecture: the image has its source's.",
                "remove architecture."),
        Refusal("source.desktop", "captures instances and snapshots; cloud computers belong to Alibaba Elastic "
                "Desktop Service.", "use cloud='alibaba', service='eds' for source.desktop."),
    ),
)

COPY = OperationSpec(
    inputs=(
        Param("image_id", "SyncImages.ImageIds", logged="SyncImages:ImageIds"),
        Param("regions", "SyncImages.DestinationRegions (one call for every region started together)",
              logged="SyncImages:DestinationRegions"),
        Param("name", "SyncImages.ImageName (default: the source's name)", example="golden-copy",
              logged="SyncImages:ImageName"),
        Param("description", "ModifyImageAttribute.ImageDescription on each copy (SyncImages takes none)",
              example="contract row", logged="ModifyImageAttribute:ImageDescription"),
        Param("tags", "TagResources.Tags on each copy (SyncImages takes none)", example={"team": "web"},
              logged="TagResources:Tags"),
        Param("encrypted", "SyncImages.Encrypt", "an encrypted copy, made in the image's own region only",
              example=True, logged="SyncImages:Encrypt"),
        Param("share_with", SHARE + ", on each copy", example=SHARE_EXAMPLE,
              logged="ModifyImageSharePermission:AccountIds"),
    ),
    options=(
        Param("kms_key_id", "SyncImages.KmsKeyId", "the KMS key of an encrypted copy (default: the CBS key)", Text(),
              example="kms-contract1", logged="SyncImages:KmsKeyId"),
    ),
)

IMPORT = OperationSpec(
    inputs=(
        Param("name", "ImportImage.ImageName", example="imported-contract", logged="ImportImage:ImageName"),
        Param("description", "ImportImage.ImageDescription", example="contract row",
              logged="ImportImage:ImageDescription"),
        Param("tags", f"ImportImage.{TAGS}", example={"team": "web"}, logged=f"ImportImage:{TAGS}"),
        Param("object", "ImportImage.ImageUrl (https://<bucket>.cos.<region>.myqcloud.com/<key>)",
              logged="ImportImage:ImageUrl"),
        Param("format", "(Tencent reads the format from the file; checked to be raw, qcow2, vhd or vmdk)"),
        Param("os_type", "ImportImage.OsType (with platform and options.os_version)", example="linux",
              logged="ImportImage:OsType"),
        Param("platform", "ImportImage.OsType (the distribution or Windows edition)", example="CentOS",
              logged="ImportImage:OsType"),
        Param("architecture", "ImportImage.Architecture (arm64 is arm_64)", example="x86_64",
              logged="ImportImage:Architecture"),
        Param("boot_mode", "ImportImage.BootMode (BIOS is 'Legacy BIOS')", example="BIOS",
              logged="ImportImage:BootMode"),
        Param("share_with", SHARE, example=SHARE_EXAMPLE, logged="ModifyImageSharePermission:AccountIds"),
    ),
    options=(
        Param("os_version", "ImportImage.OsVersion", "the release: '7' for CentOS 7, the year for Windows Server",
              Either((Text(), Whole(0)), label="a version such as '7' or '2012'"), example="7",
              logged="ImportImage:OsVersion"),
        Param("image_url", "ImportImage.ImageUrl", "the object's own COS URL, sent instead of the one made from object",
              Text(), example="https://golden-1250000000.cos.ap-guangzhou.myqcloud.com/web/disk.qcow2",
              logged="ImportImage:ImageUrl"),
        Param("license_type", "ImportImage.LicenseType", "TencentCloud or BYOL", Choice(("TencentCloud", "BYOL")),
              example="BYOL", logged="ImportImage:LicenseType"),
        Param("force", "ImportImage.Force", "import even when Tencent's image checks fail", Flag(), Change.RECORD,
              example=True, logged="ImportImage:Force"),
        Param("image_family", "ImportImage.ImageFamily", "the image family", Text(), example="web-golden",
              logged="ImportImage:ImageFamily"),
    ),
    refusals=(
        Refusal("disk_size_gb", "ImportImage takes no disk size: Tencent reads it from the file.",
                "remove disk_size_gb."),
    ),
)

# GeneralizedVM: guest commands through TencentCloud Automation Tools (TAT, API 2020-10-28), see guest.py.
RUN = "TAT RunCommand (Content Base64, at most 64 KB; CommandType SHELL on Linux, POWERSHELL on Windows; Timeout 3600)"
GENERALIZE = OperationSpec(
    inputs=(
        Param("vm", "InstanceId of DescribeInstances / TAT RunCommand / StopInstances (an instance id, ins-...)"),
        Param("finalize_scripts", f"one {RUN} each, in order, after DescribeAutomationAgentStatus says the agent is "
              "Online; the task's ExitCode and Output are the outputs, the first non-zero stops everything"),
        Param("guest_prepared", "(no guest command: StopInstances only)"),
        Param("delete_vm", "(recorded: TerminateInstances when the resource is deleted)", change=Change.RECORD),
    ),
    refusals=(
        Refusal("keep_user", "removes no account: its Linux cleanup (cloud-init clean, SSH host keys, machine-id) and "
                "Sysprep keep every user.", "remove keep_user (or set it true).", accepts=True),
    ),
)

# BakedImage: a temporary build instance (build.py), provisioned through TAT, captured, then terminated.
BUILD = OperationSpec(
    inputs=(
        Param("name", "CreateImage.ImageName (the build instance is RunInstances.InstanceName)",
              example="baked-contract", logged="CreateImage:ImageName"),
        Param("description", "CreateImage.ImageDescription", example="contract row",
              logged="CreateImage:ImageDescription"),
        Param("tags", f"CreateImage.{TAGS} (the build instance carries the launch's tags, imageforge-key among "
              "them, in RunInstances.TagSpecification.0.Tags with ResourceType instance)", example={"team": "web"},
              logged=f"CreateImage:{TAGS}"),
        Param("base_image", "RunInstances.ImageId (DescribeImages by id, or by exact ImageName among the account's "
              "PRIVATE_IMAGE, then SHARED_IMAGE, then PUBLIC_IMAGE images)", example="img-eb30mz89",
              logged="RunInstances:ImageId"),
        Param("instance_type", "RunInstances.InstanceType (checked with DescribeZoneInstanceConfigInfos: sold "
              "pay-as-you-go in network.zone, with stock)", example="S5.MEDIUM4", logged="RunInstances:InstanceType"),
        Param("disk_size_gb", "RunInstances.SystemDisk.DiskSize (at least the base image's ImageSize; default 50)",
              example=60, logged="RunInstances:SystemDisk.DiskSize"),
        Param("provision", f"(one {RUN} each, in order, once DescribeAutomationAgentStatus says the agent is "
              "Online; each step's exit code and output are in the `build` output)"),
        Param("share_with", SHARE, example=SHARE_EXAMPLE, logged="ModifyImageSharePermission:AccountIds"),
    ),
    network=(
        Param("zone", "RunInstances.Placement.Zone", "the availability zone of the build instance",
              example="ap-guangzhou-3", logged="RunInstances:Placement.Zone", required=True),
        Param("vpc_id", "RunInstances.VirtualPrivateCloud.VpcId", "the VPC (vpc-...) of the subnet",
              example="vpc-gzbuild1", logged="RunInstances:VirtualPrivateCloud.VpcId", required=True),
        Param("subnet_id", "RunInstances.VirtualPrivateCloud.SubnetId", "a subnet (subnet-...) in network.zone",
              example="subnet-gzbld003", logged="RunInstances:VirtualPrivateCloud.SubnetId", required=True),
        Param("security_group_ids", "RunInstances.SecurityGroupIds", "security groups (sg-...), comma-separated "
              "(default: the project's default group)", example="sg-gzbuild1", logged="RunInstances:SecurityGroupIds"),
    ),
    options=(
        Param("system_disk_type", "RunInstances.SystemDisk.DiskType", "the build instance's system disk type",
              Choice(("CLOUD_PREMIUM", "CLOUD_SSD", "CLOUD_BSSD", "CLOUD_HSSD")), example="CLOUD_SSD",
              logged="RunInstances:SystemDisk.DiskType"),
    ),
    refusals=(
        Refusal("keep_user", "removes no account: its Linux cleanup (cloud-init clean, SSH host keys, machine-id) and "
                "Sysprep keep every user.", "remove keep_user (or set it true).", accepts=True),
        Refusal("resource_group", "CVM has no resource groups (projects are not used here).",
                "remove resource_group."),
    ),
)

SPEC = ServiceSpec("tencent", "cvm", LABEL, Traits(
    recognised_by="tag", copies_recognised_by="intent", copies_cancellable=False, copy_batch=True,
    source_region_copyable=True,  # an encrypted copy is made in the source region (rules refuse it unencrypted)
    names_unique_per_region=True,
    vm_deallocate=False,  # StopInstances is the last power step (StoppedMode chooses whether billing stops)
), sharing=SHARING, capture=CAPTURE, copy=COPY, imports=IMPORT, generalize=GENERALIZE,
    build=BUILD)
