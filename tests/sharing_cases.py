"""One sharing case per service that shares images: its inputs, its accounts, and how to read the wire.

`receiver_sees` reads, signed as the simulated receiving account with the vendor's SDK, the images
shared with it in a region (the vendor's own "shared with me" filter); `shared_with` reads the owner's
list of grants for one image.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from imageforge.simulator import Simulator
from imageforge.simulator.alibaba.signing import ACCOUNTS as ALI
from imageforge.simulator.tencent.signing import ACCOUNTS as TC
from tests.contract.cases.ecs import CASE as ECS
from tests.contract.cases.eds import CASE as EDS
from tests.contract.cases.huawei import CASE as IMS
from tests.contract.cases.tencent import CASE as CVM


@dataclass(frozen=True)
class ShareCase:
    name: str
    vendor: str
    action: str  # the sharing call in the request log
    delete_action: str
    capture: dict[str, Any]
    copy: Callable[[str], dict[str, Any]]
    copy_regions: tuple[str, str]
    accounts: tuple[str, str, str]  # the first is the simulated receiving account
    parse: Callable[[dict[str, Any]], tuple[str, list[str], list[str]]]  # params -> image, added, removed
    receiver_sees: Callable[[Simulator, str], set[str]]
    shared_with: Callable[[Simulator, str, str], set[str]]
    refused: tuple[tuple[list[str], str], ...]  # bad share_with -> words of the refusal
    limit: int
    numbered: Callable[[int], str]  # a well-formed id, n-th
    imports: dict[str, Any] | None = None  # ImportedImage inputs, where the service imports
    remove_action: str = ""  # the revoking call, where it is not `action` (parse reads its ids as added)
    regional: bool = False  # an id names a receiver in one region only (no set of regions shares one list)

    def __repr__(self) -> str:
        return self.name

    @property
    def region(self) -> str:
        return str(self.capture["region"])


# Alibaba ECS -----------------------------------------------------------------------
def _ali_call(sim: Simulator, request: Any, region: str, account: Any) -> dict[str, Any]:
    from aliyunsdkcore.client import AcsClient

    request.set_endpoint(sim.endpoints["http"].split("://", 1)[1])
    request.set_protocol_type("http")
    client = AcsClient(account.key_id, account.secret, region, auto_retry=False)
    return dict(json.loads(client.do_action_with_exception(request)))


def _ecs_receiver_sees(sim: Simulator, region: str) -> set[str]:
    from aliyunsdkecs.request.v20140526.DescribeImagesRequest import DescribeImagesRequest

    request = DescribeImagesRequest()
    request.set_ImageOwnerAlias("others")
    request.set_PageSize(100)
    return {i["ImageId"] for i in _ali_call(sim, request, region, ALI[1])["Images"]["Image"]}


def _ecs_shared_with(sim: Simulator, region: str, image_id: str) -> set[str]:
    from aliyunsdkecs.request.v20140526.DescribeImageSharePermissionRequest import DescribeImageSharePermissionRequest

    request = DescribeImageSharePermissionRequest()
    request.set_ImageId(image_id)
    request.set_PageSize(100)
    return {a["AliyunId"] for a in _ali_call(sim, request, region, ALI[0])["Accounts"]["Account"]}


def _ecs_parse(params: dict[str, Any]) -> tuple[str, list[str], list[str]]:
    def listed(prefix: str) -> list[str]:
        found = sorted((int(k.split(".")[1]), v) for k, v in params.items() if k.startswith(prefix + "."))
        return [str(v) for _, v in found]
    return str(params.get("ImageId", "")), listed("AddAccount"), listed("RemoveAccount")


ECS_CASE = ShareCase(
    name="alibaba-ecs", vendor="alibaba-ecs", action="ModifyImageSharePermission", delete_action="DeleteImage",
    capture={**ECS.capture, "name": "golden-share"},
    copy=lambda image_id: {**(ECS.copy or (lambda _: {}))(image_id), "name": "golden-share-copy"},
    copy_regions=("cn-shanghai", "ap-southeast-1"),
    accounts=(ALI[1].uid, "1234567890123456", "2234567890123456"),
    parse=_ecs_parse, receiver_sees=_ecs_receiver_sees, shared_with=_ecs_shared_with,
    refused=((["123456789012345"], "16-digit"), (["acs:ram::1234567890123456:root"], "16-digit")),
    limit=50, numbered=lambda n: f"{3000000000000000 + n}", imports={**ECS.imports, "name": "imported-share"},
)



# Alibaba EDS -----------------------------------------------------------------------
def _ecd(sim: Simulator, region: str, account: Any) -> Any:
    from alibabacloud_ecd20200930.client import Client
    from alibabacloud_tea_openapi.utils_models import Config

    host = sim.endpoints["http"].split("://", 1)[1]
    return Client(Config(access_key_id=account.key_id, access_key_secret=account.secret, region_id=region,
                         endpoint=host, protocol="http"))


def _eds_receiver_sees(sim: Simulator, region: str) -> set[str]:
    from alibabacloud_ecd20200930 import models

    body = _ecd(sim, region, ALI[1]).describe_images(models.DescribeImagesRequest(
        region_id=region, image_type="CUSTOM", max_results=100)).body
    return {i.image_id for i in body.images or []}


def _eds_shared_with(sim: Simulator, region: str, image_id: str) -> set[str]:
    from alibabacloud_ecd20200930 import models

    body = _ecd(sim, region, ALI[0]).describe_image_permission(models.DescribeImagePermissionRequest(
        region_id=region, image_id=image_id)).body
    return {str(u) for u in body.ali_uids or []}


EDS_CASE = ShareCase(
    name="alibaba-eds", vendor="alibaba-eds", action="ModifyImagePermission", delete_action="DeleteImages",
    capture={**EDS.capture, "name": "golden-share"},
    copy=lambda image_id: {**(EDS.copy or (lambda _: {}))(image_id), "name": "golden-share-copy"},
    copy_regions=("cn-shanghai", "ap-southeast-1"),
    accounts=(ALI[1].uid, "1234567890123456", "2234567890123456"),
    parse=_ecs_parse, receiver_sees=_eds_receiver_sees, shared_with=_eds_shared_with,
    refused=((["123456789012345"], "16-digit"),),
    limit=50, numbered=lambda n: f"{3000000000000000 + n}",
)


# Tencent CVM -----------------------------------------------------------------------
def _cvm(sim: Simulator, region: str, account: Any) -> Any:
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.common.retry import NoopRetryer
    from tencentcloud.cvm.v20170312 import cvm_client

    host = sim.endpoints["http"].split("://", 1)[1]
    http = HttpProfile(endpoint=host, protocol="http", reqTimeout=10)
    profile = ClientProfile(httpProfile=http, retryer=NoopRetryer())
    return cvm_client.CvmClient(credential.Credential(account.key_id, account.secret), region, profile)


def _cvm_receiver_sees(sim: Simulator, region: str) -> set[str]:
    from tencentcloud.cvm.v20170312 import models

    request = models.DescribeImagesRequest()
    shared = [{"Name": "image-type", "Values": ["SHARED_IMAGE"]}]
    request.from_json_string(json.dumps({"Filters": shared, "Limit": 100}))
    return {i.ImageId for i in _cvm(sim, region, TC[1]).DescribeImages(request).ImageSet or []}


def _cvm_shared_with(sim: Simulator, region: str, image_id: str) -> set[str]:
    from tencentcloud.cvm.v20170312 import models

    request = models.DescribeImageSharePermissionRequest()
    request.ImageId = image_id
    return {p.AccountId for p in _cvm(sim, region, TC[0]).DescribeImageSharePermission(request).SharePermissionSet}


def _cvm_parse(params: dict[str, Any]) -> tuple[str, list[str], list[str]]:
    ids = [str(a) for a in params.get("AccountIds") or []]
    share = params.get("Permission") == "SHARE"
    return str(params.get("ImageId", "")), ids if share else [], [] if share else ids


CVM_CASE = ShareCase(
    name="tencent-cvm", vendor="tencent-cvm", action="ModifyImageSharePermission", delete_action="DeleteImages",
    capture={**CVM.capture, "name": "golden-share"},
    copy=lambda image_id: {**(CVM.copy or (lambda _: {}))(image_id), "name": "golden-share-copy"},
    copy_regions=("ap-shanghai", "ap-beijing"),
    accounts=(TC[1].uid, "100000000123", "100000000456"),
    parse=_cvm_parse, receiver_sees=_cvm_receiver_sees, shared_with=_cvm_shared_with,
    refused=((["qq-12345"], "uin"), (["0123456"], "uin")),
    limit=500, numbered=lambda n: f"{200000000000 + n}", imports={**CVM.imports, "name": "imported-share"},
)

# Huawei Cloud IMS ------------------------------------------------------------------
def _ims(sim: Simulator, region: str, second: bool) -> Any:
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkims.v2 import ImsClient

    from imageforge.simulator.huawei.regions import PROJECTS, SECOND_PROJECTS
    from imageforge.simulator.huawei.signing import ACCOUNTS as HW

    account, project = (HW[1], SECOND_PROJECTS[region]) if second else (HW[0], PROJECTS[region])
    creds = BasicCredentials(account.key_id, account.secret, project)
    return ImsClient.new_builder().with_credentials(creds).with_endpoints([sim.endpoints["http"]]).build()


def _ims_receiver_sees(sim: Simulator, region: str) -> set[str]:
    """What the second account's project sees once it accepted every image waiting for its answer (IMS members
    accept a shared image in their own project before it is listed)."""
    from huaweicloudsdkims.v2 import (BatchUpdateMembersRequest, BatchUpdateMembersRequestBody, ListImagesRequest,
                                      ShowJobProgressRequest)

    from imageforge.simulator.huawei.regions import SECOND_PROJECTS

    ims = _ims(sim, region, second=True)
    pending = [i.id for i in ims.list_images(ListImagesRequest(imagetype="shared", member_status="pending")).images]
    if pending:
        body = BatchUpdateMembersRequestBody(images=pending, project_id=SECOND_PROJECTS[region], status="accepted")
        job_id = ims.batch_update_members(BatchUpdateMembersRequest(body=body)).job_id
        sim.advance(10)
        assert ims.show_job_progress(ShowJobProgressRequest(job_id=job_id)).status == "SUCCESS"
    return {i.id for i in ims.list_images(ListImagesRequest(imagetype="shared")).images}


def _ims_shared_with(sim: Simulator, region: str, image_id: str) -> set[str]:
    from huaweicloudsdkims.v2 import ListImageMembersRequest

    members = _ims(sim, region, second=False).list_image_members(ListImageMembersRequest(image_id=image_id)).members
    return {m.member_id for m in members}


def _ims_parse(params: dict[str, Any]) -> tuple[str, list[str], list[str]]:
    images = params.get("images") or [""]
    return str(images[0]), [str(p) for p in params.get("projects") or []], []


def _second_project(region: str) -> str:
    from imageforge.simulator.huawei.regions import SECOND_PROJECTS

    return SECOND_PROJECTS[region]


IMS_CASE = ShareCase(
    name="huawei-ims", vendor="huawei-ims", action="BatchAddMembers", remove_action="BatchDeleteMembers",
    delete_action="GlanceDeleteImage",
    capture={**IMS.capture, "name": "golden-share"},
    copy=lambda image_id: {**(IMS.copy or (lambda _: {}))(image_id), "name": "golden-share-copy"},
    copy_regions=("cn-east-3", "ap-southeast-1"),
    accounts=(_second_project("cn-north-4"), "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"),
    parse=_ims_parse, receiver_sees=_ims_receiver_sees, shared_with=_ims_shared_with,
    refused=((["not-a-project"], "32 lowercase hex"), (["0123456789ABCDEF0123456789ABCDEF"], "32 lowercase hex")),
    limit=256, numbered=lambda n: f"{n:032x}", imports={**(IMS.imports or {}), "name": "imported-share"},
    regional=True,
)

CASES = [ECS_CASE, EDS_CASE, CVM_CASE, IMS_CASE]
