"""Azure credentials and the Compute client: DefaultAzureCredential in the cloud, the simulator's own Entra ID in sim.

Clients are cached per (profile, subscription, endpoint, simulator CA) in a module dict that is
never pickled with a provider. The SDK's own retry policy is off (`retry_total=0`): the Waiter is
the one retry policy, and a 429's Retry-After reaches it through the mapped Throttled error.
"""
from __future__ import annotations

from typing import Any

from ..core import credentials
from .auth import CREDENTIALS
from ..core.endpoints import load_sim_endpoints
from ..core.model import Target

RESOURCE_MANAGER = "https://management.azure.com"
_CLIENTS: dict[tuple[str, str, str, str], Any] = {}


def subscription_id(target: Target) -> str:
    """AZURE_SUBSCRIPTION_ID or ARM_SUBSCRIPTION_ID (the simulator's fixed one in profile sim)."""
    return credentials.resolve(CREDENTIALS, simulated=target.simulated).get("subscription_id")


def credential(target: Target) -> Any:
    """Service principal from AZURE_* or ARM_* names, else DefaultAzureCredential (managed identity, CLI...).

    In the simulator the same ClientSecretCredential asks the simulator's token endpoint (its
    authority) with the simulator's test keys, so no call ever reaches Microsoft Entra ID.
    """
    creds = credentials.resolve(CREDENTIALS, simulated=target.simulated)
    tenant, client, secret = creds.get("tenant_id"), creds.get("client_id"), creds.get("client_secret")
    if target.simulated:
        from azure.identity import ClientSecretCredential

        endpoints = load_sim_endpoints()
        return ClientSecretCredential(tenant, client, secret, authority=endpoints.https,
                                      connection_verify=endpoints.ca_file, disable_instance_discovery=True)
    if tenant and client and secret:
        from azure.identity import ClientSecretCredential

        return ClientSecretCredential(tenant, client, secret)
    from azure.identity import DefaultAzureCredential

    # ARM_CLIENT_ID alone names a user-assigned managed identity, as it does for azurerm.
    return DefaultAzureCredential(managed_identity_client_id=client or None)


def compute_client(target: Target, subscription: str = "") -> Any:
    """A ComputeManagementClient for this target's profile and subscription (cached)."""
    sub = subscription or subscription_id(target)
    if target.simulated:
        endpoints = load_sim_endpoints()
        base_url, verify = endpoints.https, endpoints.ca_file
    else:
        base_url, verify = RESOURCE_MANAGER, ""
    # A simulator's CA file is its home's: another simulator that reuses the port is another cloud,
    # whose token endpoint signs with another key, so it gets its own client and credential.
    key = (target.profile, sub, base_url, verify)
    client = _CLIENTS.get(key)
    if client is None:
        from azure.mgmt.compute import ComputeManagementClient

        options: dict[str, Any] = {"retry_total": 0, "polling_interval": 0 if target.simulated else 15}
        if verify:
            options["connection_verify"] = verify
        client = ComputeManagementClient(credential(target), sub, base_url=base_url, **options)
        _CLIENTS[key] = client
    return client


def forget_clients() -> None:
    """Drop cached clients (a restarted simulator listens on new ports)."""
    _CLIENTS.clear()
