"""Where Azure credentials come from: the subscription here, everything else through DefaultAzureCredential."""
from __future__ import annotations

from ..core.credentials import CredentialField, CredentialSpec

CREDENTIALS = CredentialSpec(
    "azure",
    (
        CredentialField("subscription_id", ("AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID")),
        CredentialField("tenant_id", ("AZURE_TENANT_ID", "ARM_TENANT_ID"), required=False),
        CredentialField("client_id", ("AZURE_CLIENT_ID", "ARM_CLIENT_ID"), required=False),
        CredentialField("client_secret", ("AZURE_CLIENT_SECRET", "ARM_CLIENT_SECRET"), required=False),
        CredentialField("client_certificate_password", ("AZURE_CLIENT_CERTIFICATE_PASSWORD",), required=False),
    ),
    hint="the other Azure credentials come from DefaultAzureCredential: environment, managed identity or Azure CLI",
    refusal_fix="Azure identities come from DefaultAzureCredential (environment, workload identity, managed "
                "identity, Azure CLI): sign in as the identity for this stack, and remove credentials.",
    simulator={"subscription_id": "00000000-0000-0000-0000-00000000000a", "tenant_id": "sim", "client_id": "sim",
               "client_secret": "sim"},
)
