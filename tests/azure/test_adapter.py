"""ComputeAdapter against the simulator: captures, gallery regions in place, generalization steps, error mapping."""
from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from imageforge.providers.azure import client as azure_client
from imageforge.providers.azure import mapping
from imageforge.providers.azure.compute import TRACK_SOURCE_TAG, ComputeAdapter
from imageforge.providers.core import errors
from imageforge.providers.core.endpoints import load_sim_endpoints
from imageforge.providers.core.model import CaptureRequest, CopyRequest, ImageStatus, Source, Target
from imageforge.providers.core.simclock import SimulatorClock
from imageforge.providers.core.waiting import Backoff, Done, Pending, Waiter
from imageforge.simulator.azure.model import run_command_log
from imageforge.simulator.core.simulator import Simulator

from .conftest import GALLERY, RG, SUB, WESTEU, fresh_vm


@pytest.fixture
def adapter(quiet_sim: Simulator) -> ComputeAdapter:
    waiter = Waiter(clock=SimulatorClock(load_sim_endpoints()))
    return ComputeAdapter(Target("azure", "compute", WESTEU, "sim"), waiter)


def until(adapter: ComputeAdapter, what: str, check: Any, timeout: float = 7200.0) -> Any:
    def poll() -> Pending | Done[Any]:
        value = check()
        return Done(value) if value else Pending(None, what)

    return adapter.waiter.wait(what, poll, timeout)


def generalize(adapter: ComputeAdapter, vm_id: str) -> None:
    adapter.stop_vm(vm_id)
    until(adapter, "stopped", lambda: adapter.get_vm(vm_id).power_state == "stopped")
    adapter.deallocate_vm(vm_id)
    until(adapter, "deallocated", lambda: adapter.get_vm(vm_id).power_state == "deallocated")
    adapter.mark_generalized(vm_id)


def settled(adapter: ComputeAdapter, image_id: str) -> Any:
    return until(adapter, "capture", lambda: (i := adapter.describe_images([image_id])[image_id]).status.settled and i)


def capture(adapter: ComputeAdapter, vm_id: str, name: str, **options: Any) -> str:
    return adapter.capture(CaptureRequest(name=name, source=Source(instance=vm_id), tags={"imageforge-key": name},
                                          options=options))


def test_get_vm_reads_power_os_and_encryption(adapter: ComputeAdapter) -> None:
    linux = adapter.get_vm(f"{RG}/golden-linux")
    assert (linux.power_state, linux.os_type, linux.generalized, linux.encrypted) == ("running", "linux", False, False)
    assert linux.vm_id.endswith("/virtualMachines/golden-linux") and linux.extra["hyper_v_generation"] == "V2"
    assert adapter.get_vm(f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/virtualMachines/"
                          "golden-windows-encrypted").encrypted is True
    with pytest.raises(errors.NotFound):
        adapter.get_vm(f"{RG}/missing")
    with pytest.raises(errors.InvalidArgument):
        adapter.get_vm("bare-name-without-group")


def test_run_command_returns_exit_code_and_output(adapter: ComputeAdapter, quiet_sim: Simulator) -> None:
    _, linux = fresh_vm(quiet_sim)
    ok = adapter.run_command(linux, "linux", ["echo one", "echo two"])
    assert ok.exit_code == 0 and ok.stdout_tail == "one\ntwo"
    bad = adapter.run_command(linux, "linux", ["echo half", "exit 7"])
    assert bad.exit_code == 7 and bad.stdout_tail == "half"
    _, enc = fresh_vm(quiet_sim, "Windows", encrypted=True)
    refused = adapter.run_command(enc, "windows", [r"C:\Windows\System32\Sysprep\sysprep.exe /generalize /oobe /shutdown"])
    assert refused.exit_code == 1 and "BitLocker" in refused.stderr_tail
    assert [r["exit_code"] for r in run_command_log(quiet_sim.store)][-3:] == [0, 7, 1]


def test_managed_image_needs_a_generalized_vm(adapter: ComputeAdapter, quiet_sim: Simulator) -> None:
    _, vm_id = fresh_vm(quiet_sim)
    with pytest.raises(errors.InvalidState) as refused:
        capture(adapter, vm_id, "img-not-generalized")
    assert refused.value.code == "OperationNotAllowed" and "Generalize it first" in str(refused.value)
    generalize(adapter, vm_id)
    assert adapter.get_vm(vm_id).generalized is True
    image_id = capture(adapter, vm_id, "img-generalized")
    assert capture(adapter, vm_id, "img-generalized") == image_id  # a retried create adopts, never duplicates
    first = adapter.describe_images([image_id])[image_id]
    assert first.status is ImageStatus.CREATING and first.raw_status == "Creating"
    info = settled(adapter, image_id)
    assert info.status is ImageStatus.AVAILABLE and info.os_type == "linux" and info.size_gb == 30
    assert [i.image_id for i in adapter.find_images({"imageforge-key": "img-generalized"})] == [image_id]
    adapter.update_image(image_id, None, "ignored", {"team": "web"})
    assert adapter.describe_images([image_id])[image_id].tags == {"imageforge-key": "img-generalized", "team": "web"}
    with pytest.raises(errors.InvalidArgument):
        adapter.update_image(image_id, "renamed", None, None)
    adapter.delete_image(image_id)
    until(adapter, "gone", lambda: image_id not in adapter.describe_images([image_id]))
    with pytest.raises(errors.NotFound):
        adapter.delete_image(image_id)


def test_gallery_version_regions_change_in_place(adapter: ComputeAdapter, quiet_sim: Simulator) -> None:
    _, vm_id = fresh_vm(quiet_sim)
    generalize(adapter, vm_id)
    version_id = capture(adapter, vm_id, "ignored", target="gallery", resource_group=RG, gallery=GALLERY,
                         gallery_image="linux-generalized", version="3.0.0")
    assert version_id.endswith(f"/galleries/{GALLERY}/images/linux-generalized/versions/3.0.0")
    assert settled(adapter, version_id).status is ImageStatus.AVAILABLE
    targets = {"eastus": {"region": "eastus", "replicas": 2}, "japaneast": {"region": "japaneast"},
               WESTEU: {"region": WESTEU, "replicas": 1}}
    started = adapter.copy_image(CopyRequest(version_id, WESTEU, ("eastus", "japaneast", WESTEU), options={"targets": targets}))
    assert started == {r: version_id for r in ("eastus", "japaneast", WESTEU)}
    early = adapter.describe_copies(started)
    assert early["eastus"].status is ImageStatus.CREATING and early[WESTEU].status is ImageStatus.AVAILABLE
    until(adapter, "replicated", lambda: all(i.status is ImageStatus.AVAILABLE for i in adapter.describe_copies(started).values()))
    adapter.reconfigure_copies(started, {**targets, "eastus": {"region": "eastus", "replicas": 3}})
    raw = azure_client.compute_client(adapter.target).gallery_image_versions.get(RG, GALLERY, "linux-generalized", "3.0.0")
    assert {t.name: t.regional_replica_count for t in raw.properties.publishing_profile.target_regions} == \
        {"East US": 3, "Japan East": 1, "West Europe": 1}
    with pytest.raises(errors.InvalidArgument):
        adapter.reconfigure_copies(started, {"japaneast": {"region": "japaneast", "storage": "Premium_LRS"}})
    adapter.delete_copy("japaneast", version_id)
    adapter.delete_copy(WESTEU, version_id)  # the version's own region stays in Azure; the set just stops tracking it
    left = adapter.describe_copies(started)
    assert set(left) == {"eastus"}
    assert TRACK_SOURCE_TAG not in adapter.describe_images([version_id])[version_id].tags
    with pytest.raises(errors.NotFound):
        adapter.delete_copy("japaneast", version_id)


def test_specialized_vm_goes_to_a_specialized_definition_only(adapter: ComputeAdapter, quiet_sim: Simulator) -> None:
    _, vm_id = fresh_vm(quiet_sim)
    with pytest.raises(errors.InvalidState) as generalized_def:
        capture(adapter, vm_id, "x", target="gallery", resource_group=RG, gallery=GALLERY,
                gallery_image="linux-generalized", version="9.0.0")
    assert "not generalized" in str(generalized_def.value)
    version_id = capture(adapter, vm_id, "x", target="gallery", resource_group=RG, gallery=GALLERY,
                         gallery_image="linux-specialized", version="9.0.0")
    assert settled(adapter, version_id).status is ImageStatus.AVAILABLE
    with pytest.raises(errors.Unsupported):
        adapter.copy_image(CopyRequest(f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/images/i",
                                       WESTEU, ("eastus",)))


def test_failed_capture_reports_failed(adapter: ComputeAdapter, quiet_sim: Simulator) -> None:
    _, vm_id = fresh_vm(quiet_sim)
    generalize(adapter, vm_id)
    quiet_sim.inject("azure", "Images_CreateOrUpdate", "fail")
    info = settled(adapter, capture(adapter, vm_id, "img-broken"))
    assert info.status is ImageStatus.FAILED and info.raw_status == "Failed"


def test_throttle_maps_to_throttled_and_the_waiter_waits_retry_after(adapter: ComputeAdapter, quiet_sim: Simulator) -> None:
    quiet_sim.inject("azure", "VirtualMachines_Get", "throttle")
    with pytest.raises(errors.Throttled) as throttled:
        adapter.get_vm(f"{RG}/golden-linux")
    assert throttled.value.retryable and throttled.value.retry_after == 2.0 and throttled.value.code == "TooManyRequests"
    quiet_sim.inject("azure", "VirtualMachines_Get", "throttle")
    mark = quiet_sim.mark()
    eager = Waiter(clock=SimulatorClock(load_sim_endpoints()), backoff=Backoff(initial=0.1, cap=0.1))
    vm = eager.call("get vm", lambda: adapter.get_vm(f"{RG}/golden-linux"))
    assert vm.name == "golden-linux"
    first, second = quiet_sim.requests("azure", "VirtualMachines_Get", since=mark)
    # the backoff alone would retry after 0.1 s; the 429's Retry-After: 2 sets the floor
    assert first.status == 429 and second.status == 200 and 2.0 <= second.at - first.at < 2.5


def test_error_table_and_status_fallback() -> None:
    assert mapping.error_class("OperationNotAllowed", 409) is errors.InvalidState
    assert mapping.error_class("OperationNotAllowed", 429) is errors.Throttled  # Compute throttles with this code too
    assert mapping.error_class("ResourceNotFound", 404) is errors.NotFound
    assert mapping.error_class("SomethingNew", 503) is errors.ServiceUnavailable
    assert mapping.error_class("SomethingNew", 403) is errors.AuthFailed
    assert mapping.error_class("SomethingNew", 418) is errors.CloudError
    assert mapping.image_status("Creating") is ImageStatus.CREATING and mapping.image_status("odd") is ImageStatus.UNKNOWN
    assert mapping.replication_status("Completed") is ImageStatus.AVAILABLE
    assert mapping.power_state([{"code": "PowerState/deallocated"}]) == "deallocated"
    assert mapping.power_state([]) == mapping.UNKNOWN_POWER
    assert mapping.region("West Europe") == "westeurope"


def test_credentials_accept_arm_names_and_never_call_aad_in_sim(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AZURE_SUBSCRIPTION_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ARM_SUBSCRIPTION_ID", "11111111-2222-3333-4444-555555555555")
    monkeypatch.setenv("ARM_TENANT_ID", "tenant")
    monkeypatch.setenv("ARM_CLIENT_ID", "client")
    monkeypatch.setenv("ARM_CLIENT_SECRET", "secret")
    cloud = Target("azure", "compute", WESTEU, "cloud")
    assert azure_client.subscription_id(cloud) == "11111111-2222-3333-4444-555555555555"
    assert type(azure_client.credential(cloud)).__name__ == "ClientSecretCredential"
    monkeypatch.delenv("ARM_CLIENT_SECRET")
    assert type(azure_client.credential(cloud)).__name__ == "DefaultAzureCredential"
    sim = Target("azure", "compute", WESTEU, "sim")
    assert azure_client.subscription_id(sim) == SUB
    assert azure_client.credential(sim).get_token("https://management.azure.com/.default").token


def test_client_has_sdk_retries_off(adapter: ComputeAdapter) -> None:
    client = azure_client.compute_client(adapter.target)
    assert client._config.retry_policy.total_retries == 0


def test_rules_and_mapping_load_no_azure_sdk() -> None:
    code = ("import sys, imageforge.providers, imageforge.providers.azure.rules, imageforge.providers.azure.mapping, "
            "imageforge.providers.azure.compute; print(sorted(m for m in sys.modules if m.startswith('azure')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
