"""Where Huawei Cloud credentials come from: the SDK's environment names, then the Terraform/Pulumi aliases."""
from __future__ import annotations

from ..core.credentials import CredentialField, CredentialSpec

CREDENTIALS = CredentialSpec(
    "huawei",
    (
        CredentialField("ak", ("HUAWEICLOUD_SDK_AK", "HW_ACCESS_KEY")),
        CredentialField("sk", ("HUAWEICLOUD_SDK_SK", "HW_SECRET_KEY")),
        CredentialField("project_id", ("HUAWEICLOUD_SDK_PROJECT_ID", "HW_PROJECT_ID"), required=False),
        CredentialField("security_token", ("HUAWEICLOUD_SDK_SECURITY_TOKEN", "HW_SECURITY_TOKEN"), required=False),
    ),
    simulator={"ak": "SIMULATORAK", "sk": "simulator-secret"},
)
