"""What Azure Compute takes: each input and option and the ARM request parameter it becomes, and its traits.

Parameter names are those of the Compute REST API (api-version 2026-04-01 / 2026-03-03) as
azure-mgmt-compute sends them; `logged` is where the simulator's request log shows each one
(`names` are the path's resource names below Microsoft.Compute, `body` the JSON body).
"""
from __future__ import annotations

from ..core.schema import Change, Choice, Text, Whole
from ..core.service import OperationSpec, Param, Refusal, ServiceSpec, Traits

LABEL = "Azure Compute"
SUB = "00000000-0000-0000-0000-00000000000a"  # the simulator's subscription
RG = "imageforge-rg"
GENERALIZED_VM = (f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/virtualMachines/"
                  "generalized-linux")
BUILD_VM = GENERALIZED_VM.replace(f"/{RG}/", "/imageforge-build-rg/")  # the same VM name in other resource groups
IMAGES_VM = GENERALIZED_VM.replace(f"/{RG}/", "/imageforge-images-rg/")
IMAGE_PUT = "Images_CreateOrUpdate"
VERSION_PUT = "GalleryImageVersions_CreateOrUpdate"
VERSION_PATCH = "GalleryImageVersions_Update"
PROFILE = "body.properties.publishingProfile"
ENCRYPTED = Refusal("encrypted", "always encrypts images and their replicas at rest (server-side encryption with "
                    "platform-managed keys); it cannot make them unencrypted.", "remove encrypted (or set it true).",
                    accepts=True)

NO_SHARING = Refusal(
    "share_with", "shares galleries, not images: direct sharing (the gallery's sharing profile, set when the gallery "
    "is created) opens every image of the gallery to the subscriptions or tenants listed, so one resource's images "
    "cannot be shared with a set of their own.",
    "remove share_with; share the gallery itself (az sig share add --subscription-ids ... --tenant-ids ..., a gallery "
    "created with sharing_profile permissions 'Groups'), or grant Reader on the image definition to the receivers.")

CAPTURE = OperationSpec(
    inputs=(
        Param("source", f"{IMAGE_PUT} properties.sourceVirtualMachine.id / {VERSION_PUT} "
              "properties.storageProfile.source.virtualMachineId", example={"instance": BUILD_VM},
              logged=f"{IMAGE_PUT}:body.properties.sourceVirtualMachine.id"),
        Param("name", f"{IMAGE_PUT} {{imageName}} (a managed image); tag imageforge-name on a gallery version, whose "
              "name is options.version", example="golden-contract-named",
              logged=f"{VERSION_PUT}:body.tags.imageforge-name"),
        Param("description", "tag imageforge-description (Azure images and versions have no description property)",
              example="contract row", logged=f"{VERSION_PUT}:body.tags.imageforge-description"),
        Param("tags", "body.tags (with the imageforge-key tag)", example={"team": "web"},
              logged=f"{VERSION_PUT}:body.tags.team"),
    ),
    source=(
        Param("instance", f"{IMAGE_PUT} properties.sourceVirtualMachine.id", "the VM's resource id, "
              "'resource-group/name', or its name with options.resource_group", example=IMAGES_VM,
              logged=f"{IMAGE_PUT}:body.properties.sourceVirtualMachine.id"),
        Param("os_state", "(checked against the VM before the PUT: Generalized needs a generalized VM, and a managed "
              "image needs one)", "what GeneralizedVM's `source` output states"),
    ),
    options=(
        Param("resource_group", "{resourceGroupName} of the image or version (default: the VM's)",
              "the resource group the image, or the gallery, is in", Text(), example=RG,
              logged=f"{VERSION_PUT}:resource_group"),
        Param("subscription", "{subscriptionId} of the VM and the image when source.instance is a name (default "
              "AZURE_SUBSCRIPTION_ID)", "a subscription id (GUID)", Text(), example=SUB,
              logged=f"{VERSION_PUT}:subscription"),
        Param("target", "which call: Images_CreateOrUpdate ('managed') or GalleryImageVersions_CreateOrUpdate "
              "('gallery'; the default when options.gallery is set)", "'managed' or 'gallery'",
              Choice(("managed", "gallery")), example="gallery", logged=f"{VERSION_PUT}:names.2"),
        Param("gallery", f"{VERSION_PUT} {{galleryName}}", "the Compute Gallery", Text(max_len=80),
              example="imageforge_gallery", logged=f"{VERSION_PUT}:names.0"),
        Param("gallery_image", f"{VERSION_PUT} {{galleryImageName}}", "the image definition", Text(max_len=80),
              example="linux-generalized", logged=f"{VERSION_PUT}:names.1"),
        Param("version", f"{VERSION_PUT} {{galleryImageVersionName}}", "Major.Minor.Patch, e.g. '1.0.0'", Text(),
              example="1.0.7", logged=f"{VERSION_PUT}:names.2"),
        Param("replicas", "publishingProfile.replicaCount and the own region's regionalReplicaCount",
              "replicas in the version's own region", Whole(1, 100), example=2,
              logged=f"{VERSION_PUT}:{PROFILE}.targetRegions.0.regionalReplicaCount"),
        Param("storage", "publishingProfile.storageAccountType (and the own region's)", "the replicas' storage type",
              Choice(("Standard_LRS", "Standard_ZRS", "Premium_LRS", "PremiumV2_LRS")), example="Standard_ZRS",
              logged=f"{VERSION_PUT}:{PROFILE}.storageAccountType"),
        Param("replication_mode", "publishingProfile.replicationMode", "Full or Shallow",
              Choice(("Full", "Shallow")), example="Shallow", logged=f"{VERSION_PUT}:{PROFILE}.replicationMode"),
        Param("os_state", "(checked against the image definition's osState before the PUT)",
              "Generalized or Specialized: what the image definition holds", Choice(("Generalized", "Specialized"))),
        Param("hyper_v_generation", f"{IMAGE_PUT} properties.hyperVGeneration (a managed image; a gallery image "
              "definition fixes its own)", "V1 or V2", Choice(("V1", "V2")), example="V2",
              logged=f"{IMAGE_PUT}:body.properties.hyperVGeneration"),
    ),
    refusals=(
        NO_SHARING,
        Refusal("scope", "captures a VM's OS disk and every data disk attached to it.", "remove scope (or set "
                "'system+data'); detach the data disks before the capture for an OS-disk-only image.",
                accepts="system+data"),
        Refusal("sysprep", "runs no Sysprep while capturing.", "generalize the VM first with a GeneralizedVM (it runs "
                "Sysprep / waagent in the guest), then remove sysprep.", accepts=False),
        Refusal("clean_personal_data", "cleans no personal data while capturing.", "generalize the VM first with a "
                "GeneralizedVM (waagent -deprovision+user removes the provisioned user), then remove "
                "clean_personal_data.", accepts=False),
        Refusal("force_poweroff", "takes no power-off flag: a managed image needs a VM deallocated and generalized.",
                "use a GeneralizedVM (it stops, deallocates and generalizes the VM), then remove force_poweroff.",
                accepts=False),
        Refusal("architecture", "takes the architecture from the VM (a gallery image definition fixes its own).",
                "remove architecture."),
        ENCRYPTED,
        Refusal("source.desktop", "captures virtual machines; cloud computers belong to Alibaba Elastic Desktop "
                "Service.", "give source.instance (a VM)."),
        Refusal("source.snapshot", "captures images from virtual machines here.", "create a VM from the snapshot's "
                "disk and give it as source.instance."),
        Refusal("source.snapshots", "captures images from virtual machines here.", "give source.instance (a VM)."),
        Refusal("source.data_snapshots", "captures a VM's data disks with it.", "remove source.data_snapshots: "
                "source.instance includes every attached data disk."),
        Refusal("source.data_disks", "captures every data disk attached to the VM; it cannot pick disks.",
                "detach the disks to leave out, then remove source.data_disks."),
    ),
)

COPY = OperationSpec(
    inputs=(
        Param("image_id", f"{VERSION_PATCH} {{galleryImageVersionName}} (a gallery image version id)",
              logged=f"{VERSION_PATCH}:names.2"),
        Param("regions", f"{VERSION_PATCH} properties.publishingProfile.targetRegions[] (name, regionalReplicaCount, "
              "storageAccountType) and the owner tag imageforge-region-<region>, in one PATCH",
              logged=f"{VERSION_PATCH}:{PROFILE}.targetRegions"),
        Param("name", "tag imageforge-name on the version (the copies are its regions and share its name)",
              example="golden-copy", logged=f"{VERSION_PATCH}:body.tags.imageforge-name"),
        Param("description", "tag imageforge-description on the version the copies share", example="contract row",
              logged=f"{VERSION_PATCH}:body.tags.imageforge-description"),
        Param("tags", "body.tags of the version the copies share (merged with its own)", example={"team": "web"},
              logged=f"{VERSION_PATCH}:body.tags.team"),
    ),
    refusals=(ENCRYPTED, NO_SHARING),
)

IMPORT = OperationSpec(
    inputs=(
        Param("name", f"{IMAGE_PUT} {{imageName}}", example="imported-rows", logged=f"{IMAGE_PUT}:names.0"),
        Param("description", "tag imageforge-description (Azure images have no description property)",
              example="contract row", logged=f"{IMAGE_PUT}:body.tags.imageforge-description"),
        Param("tags", "body.tags (with the imageforge-key tag)", example={"team": "web"},
              logged=f"{IMAGE_PUT}:body.tags.team"),
        Param("object", "properties.storageProfile.osDisk.blobUri (bucket '<account>/<container>', key the blob)",
              logged=f"{IMAGE_PUT}:body.properties.storageProfile.osDisk.blobUri"),
        Param("format", "(Azure reads fixed VHD page blobs only: 'vhd', checked)", example="vhd"),
        Param("os_type", "properties.storageProfile.osDisk.osType", "linux or windows", example="linux",
              logged=f"{IMAGE_PUT}:body.properties.storageProfile.osDisk.osType"),
        Param("architecture", "(a managed image holds an x64 guest: 'x86_64' or 'x64', checked)"),
        Param("boot_mode", "properties.hyperVGeneration (BIOS -> V1, UEFI -> V2)", example="UEFI",
              logged=f"{IMAGE_PUT}:body.properties.hyperVGeneration"),
        Param("disk_size_gb", "properties.storageProfile.osDisk.diskSizeGB", example=40,
              logged=f"{IMAGE_PUT}:body.properties.storageProfile.osDisk.diskSizeGB"),
    ),
    options=(
        Param("resource_group", f"{IMAGE_PUT} {{resourceGroupName}}", "the resource group the image is made in",
              Text(), required=True, example=RG, logged=f"{IMAGE_PUT}:resource_group"),
        Param("blob_uri", "properties.storageProfile.osDisk.blobUri (instead of the one built from object; same blob)",
              "the blob's URL, e.g. an Azure DNS zone endpoint", Text(),
              example="https://golden.blob.core.windows.net/vhds/contract/disk.vhd",
              logged=f"{IMAGE_PUT}:body.properties.storageProfile.osDisk.blobUri"),
        Param("hyper_v_generation", "properties.hyperVGeneration (must agree with boot_mode)", "V1 or V2",
              Choice(("V1", "V2")), example="V2", logged=f"{IMAGE_PUT}:body.properties.hyperVGeneration"),
        Param("storage_account_type", "properties.storageProfile.osDisk.storageAccountType", "the OS disk's storage",
              Text(), example="Premium_LRS", logged=f"{IMAGE_PUT}:body.properties.storageProfile.osDisk."
                                                   "storageAccountType"),
    ),
    refusals=(
        NO_SHARING,
        Refusal("platform", "takes no platform: a managed image records only its OS type.", "remove platform "
                "(os_type says linux or windows)."),
    ),
)

GENERALIZE = OperationSpec(
    inputs=(
        Param("vm", "{vmName} of VirtualMachines Get / RunCommand / PowerOff / Deallocate / Generalize (a resource id "
              "or a name)"),
        Param("resource_group", "{resourceGroupName} when vm is a name"),
        Param("keep_user", "Linux: Run Command RunShellScript `waagent -deprovision -force` instead of "
              "`-deprovision+user -force`; Windows: Sysprep keeps local accounts either way"),
        Param("finalize_scripts", "one Run Command each (RunShellScript / RunPowerShellScript), in order, wrapped to "
              "print their exit code; the first non-zero stops everything"),
        Param("guest_prepared", "(no guest command: VirtualMachines PowerOff, Deallocate, Generalize only)"),
        Param("delete_vm", "(recorded: VirtualMachines Delete when the resource is deleted)", change=Change.RECORD),
    ),
)

SPEC = ServiceSpec("azure", "compute", LABEL, Traits(
    recognised_by="tag", copies_recognised_by="tag", copies_cancellable=True, copies_share_source_id=True,
    copy_batch=True, source_region_copyable=True, region_settings=("replicas", "storage"),
    region_settings_replace=("storage",),
    names_unique_per_region=True, jobs=False, tags=True,
), capture=CAPTURE, copy=COPY, imports=IMPORT, generalize=GENERALIZE)
