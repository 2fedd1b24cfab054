"""ARM and Entra ID in the simulator, judged by azure-identity and azure-mgmt-compute: tokens, api-versions, envelopes."""
from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError
from azure.identity import ClientSecretCredential
from azure.mgmt.compute import ComputeManagementClient

from imageforge.simulator.azure import entra
from imageforge.simulator.core.simulator import Simulator

SUB = "00000000-0000-0000-0000-00000000000a"
RG = "imageforge-rg"
ARM_SCOPE = "https://management.azure.com/.default"


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    simulator = Simulator(tmp_path_factory.mktemp("azure-auth"), speed=0.0)
    simulator.start()
    yield simulator
    simulator.stop()


def credential(sim: Simulator, tenant: str = "sim", client: str = "sim", secret: str = "sim") -> ClientSecretCredential:
    return ClientSecretCredential(tenant, client, secret, authority=sim.endpoints["https"],
                                  connection_verify=sim.endpoints["ca_file"], disable_instance_discovery=True)


class FixedToken:
    """A credential that hands ARM whatever token it is given."""

    def __init__(self, token: str) -> None:
        self.token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self.token, int(time.time()) + 3600)


def compute(sim: Simulator, cred: Any) -> ComputeManagementClient:
    return ComputeManagementClient(cred, SUB, base_url=sim.endpoints["https"],
                                   connection_verify=sim.endpoints["ca_file"], retry_total=0)


def arm(sim: Simulator, path: str, token: str | None = None, method: str = "GET") -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, sim.endpoints["https"] + path, headers=headers, verify=sim.endpoints["ca_file"],
                            timeout=10)


def token(sim: Simulator) -> str:
    return str(credential(sim).get_token(ARM_SCOPE).token)


def arm_error(response: requests.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])
    assert response.headers["x-ms-request-id"]
    return dict(body["error"])


# tokens ------------------------------------------------------------------------------------
def test_azure_identity_gets_a_token_from_the_simulator_and_arm_accepts_it(sim: Simulator) -> None:
    mark = sim.mark()
    names = [vm.name for vm in compute(sim, credential(sim)).virtual_machines.list(RG)]
    assert "golden-linux" in names
    assert [r.action for r in sim.requests("azure-entra", since=mark)] == ["OpenIdConfiguration", "Token"]
    assert all("client_secret" not in r.params for r in sim.requests("azure-entra"))


@pytest.mark.parametrize(("tenant", "client", "secret", "aadsts"), [
    ("sim", "sim", "wrong", "AADSTS7000215"),
    ("sim", "someone-else", "sim", "AADSTS700016"),
    ("another-tenant", "sim", "sim", "Unable to get authority configuration"),  # MSAL's words for AADSTS90002
])
def test_wrong_client_credentials_are_refused_by_the_token_endpoint(sim: Simulator, tenant: str, client: str,
                                                                    secret: str, aadsts: str) -> None:
    with pytest.raises(ClientAuthenticationError) as caught:
        credential(sim, tenant, client, secret).get_token(ARM_SCOPE)
    assert aadsts in str(caught.value) and "wrong" not in str(caught.value).replace("wrong issuer", "")


def test_an_unknown_tenant_has_no_openid_configuration(sim: Simulator) -> None:
    response = requests.get(sim.endpoints["https"] + "/another-tenant/v2.0/.well-known/openid-configuration",
                            verify=sim.endpoints["ca_file"], timeout=10)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_request" and body["error_codes"] == [90002]


def test_a_missing_authorization_header_is_authentication_failed(sim: Simulator) -> None:
    response = arm(sim, f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/virtualMachines"
                        "?api-version=2026-04-01")
    assert response.status_code == 401
    assert arm_error(response) == {"code": "AuthenticationFailed",
                                   "message": "Authentication failed. The 'Authorization' header is missing."}
    assert response.headers["WWW-Authenticate"].startswith("Bearer authorization_uri=")


def test_a_header_that_is_not_bearer_is_authentication_failed(sim: Simulator) -> None:
    response = requests.get(sim.endpoints["https"] + f"/subscriptions/{SUB}/providers/Microsoft.Compute/images"
                            "?api-version=2026-04-01", headers={"Authorization": "Basic c2ltOnNpbQ=="},
                            verify=sim.endpoints["ca_file"], timeout=10)
    assert response.status_code == 401 and arm_error(response)["code"] == "AuthenticationFailed"


@pytest.mark.parametrize("foreign", ["test-token", "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJl"])
def test_a_token_the_simulator_did_not_issue_is_invalid_authentication_token(sim: Simulator, foreign: str) -> None:
    with pytest.raises(ClientAuthenticationError) as caught:
        list(compute(sim, FixedToken(foreign)).virtual_machines.list(RG))
    assert caught.value.status_code == 401
    assert caught.value.error is not None and caught.value.error.code == "InvalidAuthenticationToken"


def test_an_expired_token_is_expired_authentication_token(sim: Simulator) -> None:
    old = entra.issue(sim.ctx, "sim", "sim", "https://management.azure.com", now=time.time() - 7200)
    with pytest.raises(ClientAuthenticationError) as caught:
        compute(sim, FixedToken(old)).images.get(RG, "nothing")
    assert caught.value.error is not None and caught.value.error.code == "ExpiredAuthenticationToken"


def test_a_token_for_another_resource_is_the_wrong_audience(sim: Simulator) -> None:
    storage = credential(sim).get_token("https://storage.azure.com/.default").token
    with pytest.raises(ClientAuthenticationError) as caught:
        compute(sim, FixedToken(storage)).images.get(RG, "nothing")
    assert caught.value.error is not None and caught.value.error.code == "InvalidAuthenticationTokenAudience"


def test_a_token_of_another_tenant_is_refused(sim: Simulator) -> None:
    other = entra.issue(sim.ctx, "other-tenant", "sim", "https://management.azure.com")
    with pytest.raises(ClientAuthenticationError) as caught:
        compute(sim, FixedToken(other)).images.get(RG, "nothing")
    assert caught.value.error is not None and caught.value.error.code == "InvalidAuthenticationTokenTenant"


def test_a_refused_token_changes_nothing(sim: Simulator) -> None:
    mark = sim.mark()
    with pytest.raises(ClientAuthenticationError):
        compute(sim, FixedToken("test-token")).virtual_machines.begin_power_off(RG, "golden-linux").result()
    assert [(r.action, r.status) for r in sim.requests("azure", since=mark)] == [("VirtualMachines_PowerOff", 401)]
    view = compute(sim, credential(sim)).virtual_machines.instance_view(RG, "golden-linux")
    assert "PowerState/running" in [s.code for s in view.statuses or []]


# api-versions and unknown routes ----------------------------------------------------------------
def test_an_unpublished_api_version_is_no_registered_provider_found(sim: Simulator) -> None:
    client = compute(sim, credential(sim))
    with pytest.raises(HttpResponseError) as caught:
        client.virtual_machines.get(RG, "golden-linux", api_version="2099-01-01")
    assert caught.value.status_code == 400
    assert caught.value.error is not None and caught.value.error.code == "NoRegisteredProviderFound"
    assert "'2099-01-01'" in str(caught.value.error.message) and "2026-04-01" in str(caught.value.error.message)
    with pytest.raises(HttpResponseError) as caught:
        client.galleries.get(RG, "imageforge_gallery", api_version="2026-04-01")  # a VM version, not a gallery one
    assert caught.value.error is not None and caught.value.error.code == "NoRegisteredProviderFound"


def test_a_malformed_or_missing_api_version_is_refused_in_the_arm_envelope(sim: Simulator) -> None:
    base = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/virtualMachines/golden-linux"
    bad = arm(sim, base + "?api-version=latest", token(sim))
    assert bad.status_code == 400 and arm_error(bad)["code"] == "InvalidApiVersionParameter"
    missing = arm(sim, base, token(sim))
    assert missing.status_code == 400 and arm_error(missing)["code"] == "MissingApiVersionParameter"


def test_an_unknown_resource_type_is_invalid_resource_type_not_the_simulators_404(sim: Simulator) -> None:
    path = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/hostGroups/hg?api-version=2026-04-01"
    response = arm(sim, path, token(sim))
    assert response.status_code == 404 and arm_error(response)["code"] == "InvalidResourceType"


def test_a_resource_that_is_not_there_is_resource_not_found(sim: Simulator) -> None:
    with pytest.raises(ResourceNotFoundError) as caught:
        compute(sim, credential(sim)).images.get(RG, "no-such-image")
    assert caught.value.error is not None and caught.value.error.code == "ResourceNotFound"


def test_tokens_fetched_at_once_by_many_clients_all_pass(tmp_path: Any) -> None:
    """The first tokens of a fresh simulator, asked for concurrently, are all signed with the one key ARM checks."""
    from concurrent.futures import ThreadPoolExecutor

    with Simulator(tmp_path / "fresh", speed=0.0) as fresh:
        def first_call(_: int) -> list[str]:
            return [vm.name for vm in compute(fresh, credential(fresh)).virtual_machines.list(RG)]

        with ThreadPoolExecutor(8) as pool:
            listings = list(pool.map(first_call, range(8)))
        assert all("golden-linux" in names for names in listings)
        assert len([r for r in fresh.requests("azure-entra") if r.action == "Token"]) == 8
