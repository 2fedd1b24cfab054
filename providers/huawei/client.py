"""Huawei SDK clients per region and project, and the one place SDK exceptions become our errors.

One endpoint of the simulator serves every region, which it tells apart by project id; in the
cloud each region has its own endpoint and project. A region's project id comes from (in order)
the resource's `options.project_ids`, the simulator's published projects (simulated runs),
HUAWEICLOUD_SDK_PROJECT_ID / HW_PROJECT_ID for the main region, and otherwise the SDK's own IAM
lookup (KeystoneListProjects) for the region.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ..core import credentials
from .auth import CREDENTIALS
from ..core.endpoints import load_sim_endpoints
from ..core.errors import CloudError, InvalidArgument
from ..core.model import Target
from .mapping import TABLE, VENDOR as ERROR_VENDOR

VENDOR = "huawei"
T = TypeVar("T")
_PROJECT_IDS: dict[str, str] = {}  # region -> project id from options; per process, never pickled


def remember_projects(project_ids: object) -> None:
    """Keep `options.project_ids` for later calls in this process (describe and delete get no options)."""
    if isinstance(project_ids, Mapping):
        _PROJECT_IDS.update({str(k): str(v) for k, v in project_ids.items() if v})


def build_error(exc: Exception, operation: str, note: str = "") -> CloudError:
    """Our typed, redacted error for one SDK exception (built once, at the adapter boundary)."""
    from huaweicloudsdkcore.exceptions import exceptions as sdk

    if isinstance(exc, sdk.ServiceResponseException):
        code = str(exc.error_code or exc.status_code)
        return TABLE.build(str(exc.error_msg or code) + note, code=code, status=int(exc.status_code or 0),
                           vendor=ERROR_VENDOR, operation=operation, request_id=str(exc.request_id or ""))
    if isinstance(exc, sdk.ConnectionException):
        code = "SDK.ConnectionError"
    elif isinstance(exc, sdk.RequestTimeoutException):
        code = "SDK.Timeout"
    else:
        code = "SDK.ClientError"
    message = str(getattr(exc, "error_msg", "") or exc)
    return TABLE.build(message + note, code=code, vendor=ERROR_VENDOR, operation=operation)


class Clients:
    """Builds and caches one IMS and one ECS client per region for one adapter."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.last_request_id = ""
        self._ims: dict[str, Any] = {}
        self._ecs: dict[str, Any] = {}
        self._coc: dict[str, Any] = {}

    def project_id(self, region: str) -> str | None:
        if region in _PROJECT_IDS:
            return _PROJECT_IDS[region]
        if self.target.simulated:
            projects = self._simulated_projects()
            if region not in projects:
                raise InvalidArgument(f"region {region!r} is not simulated; simulated regions: "
                                      f"{', '.join(sorted(projects))}", vendor=ERROR_VENDOR, operation="project lookup")
            return str(projects[region])
        creds = credentials.resolve(CREDENTIALS)
        if region == self.target.region and creds.get("project_id"):
            return creds.get("project_id")
        return None  # the SDK asks IAM for the region's project

    def _simulated_projects(self) -> dict[str, str]:
        """The simulator's projects of the signing key's account (its second test account has its own)."""
        extra = load_sim_endpoints().extra
        by_key = extra.get("huawei_projects_by_key")
        if isinstance(by_key, Mapping):
            key = credentials.resolve(CREDENTIALS, simulated=True, choice=self.target.credentials).get("ak")
            if isinstance(by_key.get(key), Mapping):
                return {str(k): str(v) for k, v in by_key[key].items()}
        published = extra.get("huawei_projects")
        return {str(k): str(v) for k, v in published.items()} if isinstance(published, Mapping) else {}

    def ims(self, region: str) -> Any:
        if region not in self._ims:
            from huaweicloudsdkims.v2 import ImsClient
            from huaweicloudsdkims.v2.region.ims_region import ImsRegion

            self._ims[region] = self._build(ImsClient, ImsRegion, region)
        return self._ims[region]

    def ecs(self, region: str) -> Any:
        if region not in self._ecs:
            from huaweicloudsdkecs.v2 import EcsClient
            from huaweicloudsdkecs.v2.region.ecs_region import EcsRegion

            self._ecs[region] = self._build(EcsClient, EcsRegion, region)
        return self._ecs[region]

    def coc(self, region: str) -> Any:
        """COC serves every region from a few endpoints; the server's region rides in each request."""
        if region not in self._coc:
            from huaweicloudsdkcoc.v1 import CocClient
            from huaweicloudsdkcoc.v1.region.coc_region import CocRegion

            self._coc[region] = self._build(CocClient, _CocHome(CocRegion), region)
        return self._coc[region]

    def _build(self, client_cls: Any, region_cls: Any, region: str) -> Any:
        from huaweicloudsdkcore.auth.credentials import BasicCredentials
        from huaweicloudsdkcore.exceptions.exceptions import SdkException
        from huaweicloudsdkcore.http.http_config import HttpConfig
        from huaweicloudsdkcore.http.http_handler import HttpHandler

        creds = credentials.resolve(CREDENTIALS, simulated=self.target.simulated, choice=self.target.credentials)
        basic = BasicCredentials(creds.get("ak"), creds.get("sk"), self.project_id(region))
        if creds.get("security_token"):
            basic = basic.with_security_token(creds.get("security_token"))
        config = HttpConfig.get_default_config()
        config.timeout = (10, 60)
        config.retry_times = 0  # retry policy lives in our Waiter
        handler = HttpHandler().add_response_handler(self._note_request_id)
        builder = client_cls.new_builder().with_credentials(basic).with_http_config(config).with_http_handler(handler)
        if self.target.simulated:
            builder = builder.with_endpoints([load_sim_endpoints().http])
        else:
            try:
                builder = builder.with_region(region_cls.value_of(region))
            except KeyError:
                raise InvalidArgument(f"{region!r} is not a Huawei Cloud region this SDK knows",
                                      vendor=ERROR_VENDOR, operation="client") from None
        try:
            return builder.build()  # asks IAM only when no project id is known
        except SdkException as exc:
            note = (f" (finding the project of {region}: set options.project_ids {{'{region}': '<project id>'}}"
                    " or HUAWEICLOUD_SDK_PROJECT_ID)")
            raise build_error(exc, "IAM project lookup", note) from exc

    def _note_request_id(self, **kwargs: Any) -> None:
        response = kwargs.get("response")
        if response is not None:
            self.last_request_id = str(response.headers.get("X-Request-Id", "") or "")

    def call(self, operation: str, fn: Callable[[], T]) -> T:
        """Run one SDK call; raise its failure as one of our typed errors."""
        from huaweicloudsdkcore.exceptions.exceptions import SdkException

        try:
            return fn()
        except SdkException as exc:
            raise build_error(exc, operation) from exc


class _CocHome:
    """The COC endpoint for a region: its own where COC lists one, else cn-north-4 (Chinese mainland) or
    ap-southeast-3 (international), COC's two main endpoints (huaweicloudsdkcoc CocRegion)."""

    def __init__(self, region_cls: Any) -> None:
        self.region_cls = region_cls

    def value_of(self, region: str) -> Any:
        if region in self.region_cls.static_fields:
            return self.region_cls.value_of(region)
        return self.region_cls.value_of("cn-north-4" if region.startswith("cn-") else "ap-southeast-3")
