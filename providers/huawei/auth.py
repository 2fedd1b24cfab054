"""Where Huawei Cloud credentials come from: the SDK's environment names, the Terraform/Pulumi aliases, then the
SDK's CredentialProviderChain (OIDC agency, environment, ~/.huaweicloud/credentials, the ECS metadata agency,
the CCE pod identity)."""
from __future__ import annotations

from collections.abc import Mapping

from ..core.credentials import ChainFailed, CredentialField, CredentialSpec, as_keys
from ..core.model import CredentialChoice
from ..core.redact import redact

CREDENTIALS = CredentialSpec(
    "huawei",
    (
        CredentialField("ak", ("HUAWEICLOUD_SDK_AK", "HW_ACCESS_KEY")),
        CredentialField("sk", ("HUAWEICLOUD_SDK_SK", "HW_SECRET_KEY")),
        CredentialField("project_id", ("HUAWEICLOUD_SDK_PROJECT_ID", "HW_PROJECT_ID"), required=False),
        CredentialField("security_token", ("HUAWEICLOUD_SDK_SECURITY_TOKEN", "HW_SECURITY_TOKEN"), required=False),
    ),
    simulator={"ak": "SIMULATORAK", "sk": "simulator-secret"},
    chain="imageforge.providers.huawei.auth:chain",
    chain_sources="an OIDC agency (HUAWEICLOUD_OIDC_PROVIDER_URN, HUAWEICLOUD_OIDC_AGENCY_URN, "
                  "HUAWEICLOUD_OIDC_TOKEN_FILE), the [basic] section of ~/.huaweicloud/credentials "
                  "(HUAWEICLOUD_SDK_CREDENTIALS_FILE), the ECS instance's agency, or the CCE pod identity",
    refusal_fix="Huawei credentials come from the SDK's chain only: point HUAWEICLOUD_SDK_CREDENTIALS_FILE at the "
                "account's credentials file for this stack, and remove credentials.",
)


def chain(choice: CredentialChoice | None, simulated: bool) -> Mapping[str, str]:
    from huaweicloudsdkcore.auth.provider import CredentialProviderChain
    from huaweicloudsdkcore.exceptions.exceptions import SdkException

    try:
        found = CredentialProviderChain.get_basic_credential_provider_chain().get_credentials()
    except (SdkException, ValueError, OSError) as exc:
        raise ChainFailed([redact(str(exc))]) from None
    return as_keys({"ak": found.ak, "sk": found.sk, "project_id": found.project_id,
                    "security_token": found.security_token}, "ak", "sk", "project_id", "security_token")
