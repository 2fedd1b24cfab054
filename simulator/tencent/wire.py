"""Tencent CVM on the wire, in the API 3.0 envelope every Tencent product shares (api3.py).

Handlers only read the vendor's parameters into typed model calls (params.py) and render the
model's records; the model keeps the state and the rules.

CVM 2017-03-12 image actions (ImportImage and DescribeImportImageOs in imports.py), StopInstances and
TerminateInstances (instances.py), RunInstances and DescribeZoneInstanceConfigInfos (launch.py), VPC's
DescribeSubnets and DescribeSecurityGroups (network.py, also 2017-03-12), plus what they lean on:
CBS DescribeSnapshots (also 2017-03-12), the Tag API's TagResources/UnTagResources and STS
GetCallerIdentity (both 2018-08-13).
"""
from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from ..core.accounts import SigningKey
from ..core.context import SimContext
from ..core.wire import Call, SimRequest
from . import instances, launch, network, params as read, signing
from .api3 import Api3Wire
from .families import CvmFamilies
from .imports import ImageImport, supported_os
from .model import CvmModel, check_image_id
from .records import Instance, fail
from .sharing import CvmSharing
from .sync import ImageSync

VERSION = "2017-03-12"  # CVM, and CBS for DescribeSnapshots
TAG_VERSION = "2018-08-13"  # Tag and STS

# Every parameter the SDK's request models can send, per action; anything else is UnknownParameter.
PARAMETERS: dict[str, frozenset[str]] = {
    "DescribeInstances": frozenset({"InstanceIds", "Filters", "Offset", "Limit"}),
    "StopInstances": frozenset({"InstanceIds", "ForceStop", "StopType", "StoppedMode"}),
    "TerminateInstances": frozenset({"InstanceIds", "ReleaseAddress", "ReleasePrepaidDataDisks"}),
    "DescribeSnapshots": frozenset({"SnapshotIds", "Filters", "Offset", "Limit", "Order", "OrderField"}),
    "CreateImage": frozenset({"ImageName", "InstanceId", "ImageDescription", "ForcePoweroff", "Sysprep",
                              "DataDiskIds", "SnapshotIds", "DryRun", "TagSpecification", "ImageFamily"}),
    "DescribeImages": frozenset({"ImageIds", "Filters", "Offset", "Limit", "InstanceType"}),
    "ImportImage": frozenset({"Architecture", "OsType", "OsVersion", "ImageUrl", "ImageName", "ImageDescription",
                              "DryRun", "Force", "TagSpecification", "LicenseType", "BootMode", "ImageFamily",
                              "ImportImageDataDiskList"}),
    "DescribeImportImageOs": frozenset(),
    "ModifyImageAttribute": frozenset({"ImageId", "ImageName", "ImageDescription", "ImageFamily", "ImageDeprecated"}),
    "DescribeImageFromFamily": frozenset({"ImageFamily"}),
    "SyncImages": frozenset({"ImageIds", "DestinationRegions", "DryRun", "ImageName", "ImageSetRequired",
                             "Encrypt", "KmsKeyId"}),
    "DeleteImages": frozenset({"ImageIds", "DeleteBindedSnap", "DryRun"}),
    "ModifyImageSharePermission": frozenset({"ImageId", "AccountIds", "Permission"}),
    "DescribeImageSharePermission": frozenset({"ImageId"}),
    "GetCallerIdentity": frozenset(),
    "AssumeRole": frozenset({"RoleArn", "RoleSessionName", "DurationSeconds", "Policy", "ExternalId", "Tags",
                             "SourceIdentity", "SerialNumber", "TokenCode"}),
    "TagResources": frozenset({"ResourceList", "Tags"}),
    "UnTagResources": frozenset({"ResourceList", "TagKeys"}),
    "RunInstances": frozenset({
        "ActionTimer", "CamRoleName", "ChcIds", "ClientToken", "CpuTopology", "DataDisks", "DedicatedClusterId",
        "DisableApiTermination", "DisasterRecoverGroupIds", "DryRun", "EnableJumboFrame", "EnhancedService", "HostName",
        "HpcClusterId", "ImageId", "InstanceChargePrepaid", "InstanceChargeType", "InstanceCount",
        "InstanceMarketOptions", "InstanceName", "InstanceType", "InternetAccessible", "LaunchTemplate", "LoginSettings",
        "Metadata", "MinCount", "NetworkInterfaces", "PartitionNumber", "Placement", "SecurityGroupIds", "SystemDisk",
        "TagSpecification", "UserData", "VirtualPrivateCloud"}),
    "DescribeZoneInstanceConfigInfos": frozenset({"Filters"}),
    "DescribeSubnets": frozenset({"SubnetIds", "Filters", "Offset", "Limit"}),  # VPC, also 2017-03-12
    "DescribeSecurityGroups": frozenset({"SecurityGroupIds", "Filters", "Offset", "Limit", "OrderField",
                                         "OrderDirection"}),
}
VERSIONS: dict[str, str] = {action: TAG_VERSION if action in ("GetCallerIdentity", "AssumeRole", "TagResources",
                                                                            "UnTagResources")
                            else VERSION for action in PARAMETERS}


ROLE_ARN = re.compile(r"^qcs::cam::uin/(?P<uin>\d+):role(?:Name)?/(?P<role>[\w+=,.@-]{1,128})$")
SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,128}$")


class CvmWire(Api3Wire):
    parameters = PARAMETERS
    versions = VERSIONS

    def __init__(self, ctx: SimContext) -> None:
        super().__init__(ctx)
        self.model = CvmModel(ctx)
        self.sync = ImageSync(self.model)
        self.imports = ImageImport(self.model)
        self.families = CvmFamilies(self.model)
        self.sharing = CvmSharing(self.model, self.keys)
        self.actions = {
            "DescribeInstances": self.describe_instances,
            "StopInstances": self.stop_instances,
            "TerminateInstances": self.terminate_instances,
            "DescribeSnapshots": self.describe_snapshots,
            "CreateImage": self.create_image,
            "DescribeImages": self.describe_images,
            "ImportImage": self.import_image,
            "DescribeImportImageOs": self.describe_import_image_os,
            "ModifyImageAttribute": self.modify_image_attribute,
            "DescribeImageFromFamily": self.families.from_family,
            "SyncImages": self.sync_images,
            "DeleteImages": self.delete_images,
            "TagResources": self.tag_resources,
            "UnTagResources": self.untag_resources,
            "ModifyImageSharePermission": self.sharing.modify,
            "DescribeImageSharePermission": self.sharing.describe,
            "RunInstances": self.run_instances,
            "DescribeZoneInstanceConfigInfos": self.describe_zone_instance_config_infos,
            "DescribeSubnets": lambda region, p: network.describe_subnets(region, p, read.filters(p)),
            "DescribeSecurityGroups": lambda region, p: network.describe_security_groups(region, p, read.filters(p)),
        }

    def endpoint_extras(self) -> dict[str, Any]:
        """The long-term keys the simulator knows: the providers send no other key to it."""
        return {"tencent_test_keys": [a.key_id for a in signing.ACCOUNTS]}

    def gone(self, kind: str, region: str, ident: str, data: dict[str, Any]) -> bool:
        """Whether a stored object has ended (a terminated instance stays TERMINATING for a while, then is gone)."""
        return kind == "instance" and Instance.from_record(data).gone(self.model.ctx.now())

    def seed(self) -> None:
        self.model.seed()

    def check_region(self, region: str) -> None:
        self.model.check_region(region)

    def matches(self, request: SimRequest) -> bool:
        """Any API 3.0 request the TAT wire (listed before this one) did not take."""
        return bool(request.header("x-tc-action"))

    def dispatch(self, call: Call, params: dict[str, Any], key: SigningKey) -> dict[str, Any]:
        if call.action in WHO:  # answered from the signing key, not from the account's objects
            return WHO[call.action](self, key, params)
        return self.actions[call.action](call.region, params)

    # actions ---------------------------------------------------------------------
    def describe_instances(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        wanted, filters = read.strings(p, "InstanceIds"), read.filters(p)
        if wanted and filters:
            raise fail("InvalidParameter", "InstanceIds and Filters cannot be specified together.")
        items = self.model.instances(region, wanted, filters)
        return {"TotalCount": len(items), "InstanceSet": [self.model.instance_view(i) for i in read.page(items, p)]}

    def stop_instances(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        instances.stop_instances(self.model, region, read.strings(p, "InstanceIds"), read.text(p, "StopType"),
                                 read.text(p, "StoppedMode"))
        return {}

    def terminate_instances(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        instances.terminate_instances(self.model, region, read.strings(p, "InstanceIds"))
        return {}

    def run_instances(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        return {"InstanceIdSet": launch.run_instances(self.model, region, p, self.sharing.received_image)}

    def describe_zone_instance_config_infos(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        return launch.describe_zone_instance_config_infos(self.model, region, read.filters(p))

    def describe_snapshots(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        items = self.model.snapshots(region, read.strings(p, "SnapshotIds"), read.filters(p))
        return {"TotalCount": len(items), "SnapshotSet": [s.view() for s in read.page(items, p)]}

    def create_image(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        # ForcePoweroff is accepted and has nothing to act on: the simulated shutdown never fails.
        data_disks, snapshots = read.strings(p, "DataDiskIds"), read.strings(p, "SnapshotIds")
        return {"ImageId": self.model.create_image(
            region, name=read.text(p, "ImageName"), description=read.text(p, "ImageDescription"),
            instance_id=read.text(p, "InstanceId"), snapshot_ids=snapshots, data_disk_ids=data_disks,
            sysprep=read.flag(p, "Sysprep"), family=read.text(p, "ImageFamily"), tags=read.tag_specification(p),
            dry_run=read.flag(p, "DryRun"))}

    def describe_images(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        wanted, filters = read.strings(p, "ImageIds"), read.filters(p)
        if wanted and filters:
            raise fail("InvalidParameter.InvalidParameterCoexistImageIdsFilters",
                       "ImageIds and Filters cannot be specified together.")
        for image_id in wanted:
            check_image_id(image_id)
        kinds = {v for f in filters if f.name == "image-type" for v in f.values}
        if "SHARED_IMAGE" in kinds:  # shared with this account by others (sharing.py)
            shared = self.sharing.received(region)
            if kinds == {"SHARED_IMAGE"}:
                return {"TotalCount": len(shared), "ImageSet": read.page(shared, p)}
        items = self.model.images(region, wanted, filters)
        return {"TotalCount": len(items), "ImageSet": [self.model.image_view(i) for i in read.page(items, p)]}

    def import_image(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        self.imports.import_image(
            region, architecture=read.text(p, "Architecture"), os_type=read.text(p, "OsType"),
            os_version=read.text(p, "OsVersion"), url=read.text(p, "ImageUrl"), name=read.text(p, "ImageName"),
            description=read.text(p, "ImageDescription"), boot_mode=read.text(p, "BootMode"),
            license_type=read.text(p, "LicenseType"), family=read.text(p, "ImageFamily"), force=read.flag(p, "Force"),
            dry_run=read.flag(p, "DryRun"), data_disks=bool(p.get("ImportImageDataDiskList")),
            tags=read.tag_specification(p))
        return {}  # the documented reply carries only the RequestId: no ImageId

    def describe_import_image_os(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        return supported_os()

    def modify_image_attribute(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        image_id = read.text(p, "ImageId")
        if not image_id:
            raise fail("MissingParameter", "The request is missing a required parameter `ImageId`.")
        self.families.check(p)
        self.model.modify(region, image_id, name=read.optional_text(p, "ImageName"),
                          description=read.optional_text(p, "ImageDescription"))
        self.families.modify(region, image_id, p)  # ImageFamily and ImageDeprecated (families.py)
        return {}

    def sync_images(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        image_ids, destinations = read.strings(p, "ImageIds"), read.strings(p, "DestinationRegions")
        made = self.sync.sync_images(
            region, image_ids=image_ids, destinations=destinations, name=read.text(p, "ImageName"),
            encrypt=read.flag(p, "Encrypt"), kms_key_id=read.text(p, "KmsKeyId"), dry_run=read.flag(p, "DryRun"))
        if not read.flag(p, "ImageSetRequired"):
            return {"ImageSet": None}
        return {"ImageSet": [{"ImageId": c.image_id, "Region": c.region} for c in made]}

    def delete_images(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        self.sharing.refuse_delete(region, read.strings(p, "ImageIds"))
        self.model.delete_images(region, read.strings(p, "ImageIds"),
                                 delete_binded_snap=read.flag(p, "DeleteBindedSnap"), dry_run=read.flag(p, "DryRun"))
        return {}

    def get_caller_identity(self, key: SigningKey, p: dict[str, Any]) -> dict[str, Any]:
        uin = self.keys.uid_of(key.account)
        if key.temporary:
            return {"Arn": key.role, "AccountId": uin, "UserId": key.role.rsplit(":", 1)[-1], "PrincipalId": uin,
                    "Type": "CAMRole"}
        return {"Arn": f"qcs::cam::uin/{uin}:uin/{uin}", "AccountId": uin, "UserId": uin, "PrincipalId": uin,
                "Type": "RootAccount"}

    def assume_role(self, key: SigningKey, p: dict[str, Any]) -> dict[str, Any]:
        """Any role name in a simulated account exists and trusts every simulated account (no CAM policies)."""
        arn, session = str(p.get("RoleArn") or ""), str(p.get("RoleSessionName") or "")
        if not arn or not session:
            raise fail("MissingParameter", f"The request is missing a required parameter "
                                           f"`{'RoleArn' if not arn else 'RoleSessionName'}`.")
        found = ROLE_ARN.match(arn)
        if found is None:
            raise fail("InvalidParameter.ParamError", f"RoleArn `{arn}` is not qcs::cam::uin/<uin>:roleName/<name>.")
        if not self.keys.knows_uid(found["uin"]):
            raise fail("ResourceNotFound.RoleNotExist", f"The role `{arn}` does not exist.")
        if SESSION_NAME.match(session) is None:
            raise fail("InvalidParameter.ParamError", "RoleSessionName must be 2-128 characters of letters, digits "
                                                      "and _+=,.@-.")
        seconds = p.get("DurationSeconds", 7200)
        if not isinstance(seconds, int) or not 0 < seconds <= 43200:
            raise fail("InvalidParameter.ParamError", "DurationSeconds must be between 1 and 43200.")
        role = f"qcs::sts:{found['uin']}:assumed-role/{found['role']}/{session}"
        temporary = self.keys.issue(self.keys.account_name(found["uin"]), seconds, "AKID", role=role)
        return {"Credentials": {"Token": temporary.token, "TmpSecretId": temporary.key_id,
                                "TmpSecretKey": temporary.secret},
                "ExpiredTime": int(temporary.expires),
                "Expiration": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(temporary.expires))}

    def tag_resources(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        tags = read.tag_pairs(p)
        if not tags:
            raise fail("MissingParameter", "The request is missing a required parameter `Tags`.")
        return _failed(self.model.retag(read.strings(p, "ResourceList"), add=tags, drop=[]))

    def untag_resources(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        keys = read.strings(p, "TagKeys")
        if not keys:
            raise fail("MissingParameter", "The request is missing a required parameter `TagKeys`.")
        return _failed(self.model.retag(read.strings(p, "ResourceList"), add=[], drop=keys))


def _failed(refused: list[tuple[str, str]]) -> dict[str, Any]:
    """The Tag API answers success with the resources it could not tag listed in FailedResources."""
    return {"FailedResources": [{"Resource": name, "Code": "ResourceNotFound", "Message": why}
                                for name, why in refused]}


# The actions answered from the key that signed (STS), not from the account's objects.
WHO: dict[str, Callable[[CvmWire, SigningKey, dict[str, Any]], dict[str, Any]]] = {
    "GetCallerIdentity": CvmWire.get_caller_identity, "AssumeRole": CvmWire.assume_role}
