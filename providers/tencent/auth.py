"""Where Tencent Cloud credentials come from: the SDK's own environment names."""
from __future__ import annotations

from ..core.credentials import CredentialField, CredentialSpec

CREDENTIALS = CredentialSpec(
    "tencent",
    (
        CredentialField("secret_id", ("TENCENTCLOUD_SECRET_ID",)),
        CredentialField("secret_key", ("TENCENTCLOUD_SECRET_KEY",)),
        CredentialField("token", ("TENCENTCLOUD_SESSION_TOKEN", "TENCENTCLOUD_SECURITY_TOKEN"), required=False),
    ),
    simulator={"secret_id": "AKIDSIMULATOR", "secret_key": "simulator-secret"},
)
