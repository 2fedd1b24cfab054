"""What Alibaba Cloud Elastic Desktop Service takes (ecd 2020-09-30): each input and the request parameter it becomes.

Parameter names are those of alibabacloud_ecd20200930's CreateImageRequest and CopyImageRequest;
`logged` is where the simulator's request log shows each one. EDS images take no tags and
CreateImage no idempotency token, so what imageforge makes carries its identity as a marker
at the end of the description.
"""
from __future__ import annotations

from ..core.schema import Change
from ..core.service import OperationSpec, Param, Refusal, ServiceSpec, Sharing, Traits

LABEL = "Alibaba Cloud Elastic Desktop Service"
MARKED = "with imageforge's identity marker '[imageforge:<key>]' appended"
NO_TAGS = Refusal("tags", "images cannot carry tags (TagResources covers cloud computers only), and a tag that "
                  "is not applied would be ignored.",
                  "remove tags; put what they say in the name or the description (EDS images are found by their "
                  "description's identity marker), or tag the cloud computers themselves outside imageforge.")

SHARE = ("ModifyImagePermission.AddAccount.N / RemoveAccount.N, one account a call (DescribeImagePermission reads "
         "the set); same region, not encrypted")
SHARE_EXAMPLE = ["1000000000000002"]
SHARING = Sharing("account", r"[0-9]{16}", "a 16-digit Alibaba Cloud account id (UID), e.g. 1234567890123456", limit=50,
                  per_call=1, encrypted_fix="capture a cloud computer whose disks are not encrypted, or remove share_with "
                  "(EDS does not share encrypted images).")

CAPTURE = OperationSpec(
    inputs=(
        Param("name", "CreateImage.ImageName", example="golden-contract", logged="CreateImage:ImageName"),
        Param("description", f"CreateImage.Description, {MARKED}", "at most 218 characters: EDS takes 256 and the "
              "marker needs 38", example="contract row", logged="CreateImage:Description"),
        Param("source", "CreateImage.DesktopId / SnapshotId", example={"desktop": "ecd-hzimageforgewin01"},
              logged="CreateImage:DesktopId"),
        Param("scope", "CreateImage.DiskType", "'system' (the default: SYSTEM, computers made from the image get "
              "empty data disks) or 'system+data' (ALL)", example="system+data", logged="CreateImage:DiskType"),
        Param("clean_personal_data", "CreateImage.AutoCleanUserdata", "on unless false (adds about 20 minutes); "
              "not available for encrypted computers, nor for Linux computers with scope 'system+data'",
              example=False, logged="CreateImage:AutoCleanUserdata"),
        Param("share_with", SHARE, example=SHARE_EXAMPLE, logged="ModifyImagePermission:AddAccount.1"),
    ),
    source=(
        Param("desktop", "CreateImage.DesktopId", "a cloud computer (ecd-...), Running or Stopped",
              example="ecd-hzimageforgewin01", logged="CreateImage:DesktopId"),
        Param("snapshot", "CreateImage.SnapshotId", "a system-disk snapshot of a cloud computer (s-...)",
              example="s-hzimageforgesys01", logged="CreateImage:SnapshotId"),
        Param("data_snapshots", "CreateImage.DataSnapshotIds.N",
              "data-disk snapshots to include with source.snapshot (scope 'system+data')",
              example=["s-hzimageforgedat01"], logged="CreateImage:DataSnapshotIds.1"),
        Param("os_type", "(a fact about the source, checked against DescribeDesktops / DescribeSnapshots OsType)",
              "Windows or Linux: lets check refuse clean_personal_data for Linux with data disks"),
        Param("disk_type", "(a fact about source.snapshot, checked against DescribeSnapshots SourceDiskType)",
              "system or data: lets check refuse a data-disk snapshot as the source"),
        Param("encrypted", "(a fact about the source, checked against VolumeEncryptionEnabled)",
              "whether the cloud computer's disks are encrypted: lets check refuse clean_personal_data"),
        Param("os_state", "(checked against the cloud computer before CreateImage: Generalized needs a computer a "
              "GeneralizedVM generalized and that is still Stopped)", "what GeneralizedVM's `source` output states"),
    ),
    refusals=(
        NO_TAGS,
        Refusal("encrypted", "has no encryption setting in CreateImage: an image's disk encryption comes from its "
                "source cloud computer (DescribeImages reports it as VolumeEncryptionEnabled).",
                "remove encrypted; state the source computer's encryption as source.encrypted (true or false) so "
                "check can apply the rules that depend on it."),
        Refusal("sysprep", "prepares images itself (see clean_personal_data); CreateImage has no Sysprep step.",
                "remove sysprep.", accepts=False),
        Refusal("force_poweroff", "CreateImage takes no power-off flag: it captures a Running or Stopped computer.",
                "stop the cloud computer first if you want it stopped, and remove force_poweroff.", accepts=False),
        Refusal("architecture", "reads the architecture from the cloud computer; CreateImage takes none.",
                "remove architecture."),
        Refusal("source.instance", "captures cloud computers; ECS instances belong to ECS.",
                "use service='ecs' for source.instance, or give source.desktop (ecd-...)."),
        Refusal("source.snapshots", "takes one system-disk snapshot.",
                "give source.snapshot (s-...), and list data-disk snapshots in source.data_snapshots."),
        Refusal("source.data_disks", "cannot pick a cloud computer's disks.",
                "remove source.data_disks: scope 'system+data' captures every data disk of source.desktop, and "
                "source.data_snapshots adds data disks to source.snapshot."),
    ),
)

COPY = OperationSpec(
    inputs=(
        Param("image_id", "CopyImage.ImageId", logged="CopyImage:ImageId"),
        Param("regions", "CopyImage.DestinationRegionId (one call per region)", logged="CopyImage:DestinationRegionId"),
        Param("name", "CopyImage.DestinationImageName", "the copies' name; the source image's name when omitted "
              "(EDS requires one)", example="golden-copy", logged="CopyImage:DestinationImageName"),
        Param("description", f"CopyImage.DestinationDescription, {MARKED}", "at most 218 characters",
              example="contract row", logged="CopyImage:DestinationDescription"),
        Param("share_with", SHARE + ", on each copy", example=SHARE_EXAMPLE, logged="ModifyImagePermission:AddAccount.1"),
    ),
    refusals=(
        NO_TAGS,
        Refusal("encrypted", "has no encryption setting in CopyImage, so imageforge cannot make the copies encrypted.",
                "remove encrypted; an image's disk encryption comes from the cloud computer it was captured from "
                "(DescribeImages reports it as VolumeEncryptionEnabled)."),
    ),
)

GENERALIZE = OperationSpec(
    inputs=(
        Param("vm", "DescribeDesktops.DesktopId / RunCommand.DesktopId.1 / StopDesktops.DesktopId.1 (a Windows cloud "
              "computer id, ecd-...)"),
        Param("finalize_scripts", "one ecd RunCommand each, in order (Type RunPowerShellScript, or RunBatScript for "
              "a script starting '@echo off'; CommandContent Base64 at most 16 KB; Timeout 3600 s); the first "
              "non-zero ExitCode stops everything. Windows cloud computers only: RunCommand runs no shell scripts"),
        Param("guest_prepared", "(no guest command: StopDesktops and the imageforge-generalized tag only; the way "
              "for a Linux cloud computer prepared by hand)"),
        Param("delete_vm", "(recorded: DeleteDesktops when the resource is deleted)", change=Change.RECORD),
    ),
    refusals=(
        Refusal("resource_group", "names cloud computers by id (ecd-...): resource groups do not address them.",
                "give the cloud computer id as vm and remove resource_group."),
        Refusal("keep_user", "removes no account when it generalizes (Sysprep keeps local accounts).",
                "remove keep_user.", accepts=True),
    ),
)

SPEC = ServiceSpec("alibaba", "eds", LABEL,
                   Traits(recognised_by="description", copies_recognised_by="description", copies_cancellable=True,
                          tags=False, vm_deallocate=False, vm_source="desktop"),
                   sharing=SHARING, capture=CAPTURE, copy=COPY, generalize=GENERALIZE)
