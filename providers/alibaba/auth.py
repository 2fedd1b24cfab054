"""Where Alibaba Cloud credentials come from: the vendor's environment names, then the Terraform/Pulumi aliases."""
from __future__ import annotations

from ..core.credentials import CredentialField, CredentialSpec

CREDENTIALS = CredentialSpec(
    "alibaba",
    (
        CredentialField("access_key_id", ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALICLOUD_ACCESS_KEY")),
        CredentialField("access_key_secret", ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALICLOUD_SECRET_KEY")),
        CredentialField("security_token", ("ALIBABA_CLOUD_SECURITY_TOKEN", "ALICLOUD_SECURITY_TOKEN"), required=False),
    ),
    simulator={"access_key_id": "SIMULATORACCESSKEY", "access_key_secret": "simulator-secret"},
)
