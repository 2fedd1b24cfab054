"""ComputeAdapter against the simulator: single calls only; the test's own Waiter does the waiting."""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from imageforge.providers.azure import client as azure_client
from imageforge.providers.azure import mapping, scripts
from imageforge.providers.azure.compute import ComputeAdapter
from imageforge.providers.azure.copies import LEGACY_SOURCE_TAG, REGION_TAG
from imageforge.providers.core import errors
from imageforge.providers.core.endpoints import load_sim_endpoints
from imageforge.providers.core.guest import SEALED
from imageforge.providers.core.model import (
    CaptureRequest,
    CommandResult,
    CopyRequest,
    Identity,
    ImageStatus,
    Source,
    Started,
    Target,
)
from imageforge.providers.core.simclock import SimulatorClock
from imageforge.providers.core.waiting import Backoff, Done, Pending, PollResult, Waiter
from imageforge.simulator.azure.model import run_command_log
from imageforge.simulator.core.simulator import Simulator

from .conftest import GALLERY, RG, SUB, WESTEU, fresh_vm, wire_of

KEY = "imageforge-key"


@pytest.fixture
def adapter(quiet_sim: Simulator) -> ComputeAdapter:
    return ComputeAdapter(Target("azure", "compute", WESTEU, "sim"))


@pytest.fixture
def wait(quiet_sim: Simulator) -> Waiter:
    return Waiter(clock=SimulatorClock(load_sim_endpoints()))


def until(wait: Waiter, what: str, check: Callable[[], Any]) -> Any:
    def poll() -> PollResult[Any]:
        value = check()
        return Done(value) if value else Pending(None, what)

    return wait.wait(what, poll, 7200.0)


def generalize(adapter: ComputeAdapter, wait: Waiter, vm_id: str) -> None:
    adapter.stop_vm(vm_id)
    until(wait, "stopped", lambda: adapter.get_vm(vm_id).power_state == "stopped")
    adapter.deallocate_vm(vm_id)
    until(wait, "deallocated", lambda: adapter.get_vm(vm_id).power_state == "deallocated")
    adapter.mark_generalized(vm_id)


def settled(adapter: ComputeAdapter, wait: Waiter, image_id: str) -> Any:
    return until(wait, "capture", lambda: (i := adapter.describe_images([image_id])[image_id]).status.settled and i)


def request(vm_id: str, name: str, **options: Any) -> CaptureRequest:
    return CaptureRequest(name=name, source=Source(instance=vm_id), tags={KEY: name}, description="made by a test",
                          options=options)


def command(adapter: ComputeAdapter, wait: Waiter, vm_id: str, os_type: str, lines: list[str]) -> CommandResult:
    started = adapter.start_command(vm_id, os_type, lines)
    return until(wait, "command", lambda: adapter.command_result(vm_id, os_type, started.job_id))


def test_get_vm_reads_power_os_and_encryption(adapter: ComputeAdapter) -> None:
    linux = adapter.get_vm(adapter.resolve_vm("golden-linux", RG))
    assert (linux.power_state, linux.os_type, linux.generalized, linux.encrypted) == ("running", "linux", False, False)
    assert linux.vm_id.endswith("/virtualMachines/golden-linux") and linux.extra["hyper_v_generation"] == "V2"
    assert adapter.get_vm(f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/virtualMachines/"
                          "golden-windows-encrypted").encrypted is True
    assert adapter.resolve_vm(f"{RG}/golden-linux", "") == linux.vm_id
    with pytest.raises(errors.NotFound):
        adapter.get_vm(f"{RG}/missing")
    with pytest.raises(errors.InvalidArgument):
        adapter.resolve_vm("bare-name-without-group", "")


def test_commands_return_at_once_and_the_marker_gives_the_exit_code(adapter: ComputeAdapter, wait: Waiter,
                                                                     quiet_sim: Simulator) -> None:
    _, linux = fresh_vm(quiet_sim)
    started = adapter.start_command(linux, "linux", ["echo one", "echo two"])
    assert isinstance(started, Started) and "/operations/" in started.job_id
    assert adapter.command_result(linux, "linux", started.job_id) is None  # one read: still running
    ok = until(wait, "command", lambda: adapter.command_result(linux, "linux", started.job_id))
    assert ok == CommandResult(0, "one\ntwo", "")
    bad = command(adapter, wait, linux, "linux", ["echo half", "exit 7"])
    assert (bad.exit_code, bad.stdout_tail) == (7, "half")
    sent = run_command_log(quiet_sim.store)[-1].script
    assert sent[0] == "(" and sent[-1] == 'echo "IMAGEFORGE_EXIT_CODE=$?"'  # the marker wrapper
    _, enc = fresh_vm(quiet_sim, "Windows", encrypted=True)
    refused = command(adapter, wait, enc, "windows", adapter.guest_script("generalize", "windows", False))
    assert refused.exit_code == 1 and "BitLocker" in refused.stderr_tail


def test_a_command_while_another_runs_is_conflict(adapter: ComputeAdapter, quiet_sim: Simulator) -> None:
    _, vm_id = fresh_vm(quiet_sim)
    adapter.start_command(vm_id, "linux", ["echo first"])
    with pytest.raises(errors.Conflict) as busy:
        adapter.start_command(vm_id, "linux", ["echo second"])
    assert busy.value.code == "Conflict" and not busy.value.retryable


def test_guest_scripts_are_azure_s_own(adapter: ComputeAdapter) -> None:
    assert adapter.guest_script("generalize", "linux", False)[0] == "sudo waagent -deprovision+user -force || exit $?"
    assert adapter.guest_script("generalize", "linux", True)[0] == "sudo waagent -deprovision -force || exit $?"
    windows = adapter.guest_script("generalize", "windows", False)
    sysprep = next(line for line in windows if "Sysprep.exe" in line)
    assert "'/quit'" in sysprep and "/shutdown" not in sysprep and "-Wait" in sysprep
    assert windows[-3:] == adapter.guest_script("probe", "windows", False) and SEALED in windows[-1]


def test_managed_image_needs_a_generalized_vm(adapter: ComputeAdapter, wait: Waiter, quiet_sim: Simulator) -> None:
    _, vm_id = fresh_vm(quiet_sim)
    mark = quiet_sim.mark()
    with pytest.raises(errors.InvalidState) as refused:
        adapter.prepare_capture(request(vm_id, "img-not-generalized"))
    assert "Generalize it first" in str(refused.value)
    assert quiet_sim.requests("azure", "Images_CreateOrUpdate", since=mark) == []  # refused before any PUT
    generalize(adapter, wait, vm_id)
    assert adapter.prepare_capture(request(vm_id, "img-generalized")) == []
    started = adapter.start_capture(request(vm_id, "img-generalized"))
    image_id = started.image_id
    assert image_id.endswith("/images/img-generalized") and started.request_id
    assert adapter.start_capture(request(vm_id, "img-generalized")).image_id == image_id  # PUT by name: idempotent
    assert adapter.prepare_capture(request(vm_id, "img-generalized")) == []  # ours: no conflict
    first = adapter.describe_images([image_id])[image_id]
    assert first.status is ImageStatus.CREATING and first.raw_status == "Creating"
    info = settled(adapter, wait, image_id)
    assert info.status is ImageStatus.AVAILABLE and info.os_type == "linux" and info.size_gb == 30
    assert info.description == "made by a test" and info.tags == {KEY: "img-generalized"}
    assert [i.image_id for i in adapter.find_images(Identity("img-generalized"))] == [image_id]
    with pytest.raises(errors.Conflict):  # the same name for another resource: refused, never overwritten
        adapter.prepare_capture(CaptureRequest(name="img-generalized", source=Source(instance=vm_id),
                                               tags={KEY: "someone-else"}))
    adapter.update_image(image_id, None, "new words", {"team": "web"})
    updated = adapter.describe_images([image_id])[image_id]
    assert updated.tags == {KEY: "img-generalized", "team": "web"} and updated.description == "new words"
    with pytest.raises(errors.InvalidArgument):
        adapter.update_image(image_id, "renamed", None, None)
    adapter.delete_image(image_id)
    until(wait, "gone", lambda: image_id not in adapter.describe_images([image_id]))
    with pytest.raises(errors.NotFound):
        adapter.delete_image(image_id)


def gallery_version(adapter: ComputeAdapter, wait: Waiter, quiet_sim: Simulator, version: str) -> str:
    _, vm_id = fresh_vm(quiet_sim)
    generalize(adapter, wait, vm_id)
    req = request(vm_id, "golden-web", gallery=GALLERY, gallery_image="linux-generalized", version=version)
    adapter.prepare_capture(req)
    version_id = adapter.start_capture(req).image_id
    assert settled(adapter, wait, version_id).status is ImageStatus.AVAILABLE
    return version_id


def test_gallery_version_regions_are_owned_copied_reconfigured_and_removed(adapter: ComputeAdapter, wait: Waiter,
                                                                            quiet_sim: Simulator) -> None:
    version_id = gallery_version(adapter, wait, quiet_sim, "3.0.0")
    info = adapter.describe_images([version_id])[version_id]
    assert info.name == "golden-web" and info.description == "made by a test"  # kept in tags
    entries = {"eastus": {"region": "eastus", "replicas": 2}, WESTEU: {"region": WESTEU, "replicas": 1}}
    copy = CopyRequest(version_id, WESTEU, tags={KEY: "set-a", "team": "web"}, name="golden-web", entries=entries)
    ident = Identity("set-a")
    assert adapter.find_copies(copy, ["eastus", WESTEU], ident) == {"eastus": [], WESTEU: []}
    started = adapter.start_copies(copy, ["eastus", WESTEU, "japaneast"])
    assert all(isinstance(s, Started) and s.image_id == version_id for s in started.values())
    copies = {r: version_id for r in started}
    early = adapter.describe_copies(copies)
    assert early["eastus"].status is ImageStatus.CREATING and early[WESTEU].status is ImageStatus.AVAILABLE
    found = adapter.find_copies(copy, ["eastus", "japaneast", "uksouth"], ident)
    assert [i.image_id for i in found["eastus"]] == [version_id] and found["uksouth"] == []
    assert adapter.find_copies(copy, ["eastus"], Identity("set-b")) == {"eastus": []}  # another set's regions
    taken = adapter.start_copies(CopyRequest(version_id, WESTEU, tags={KEY: "set-b"}), ["eastus"])["eastus"]
    assert isinstance(taken, errors.Conflict) and "another ImageRegionSet" in taken.message
    until(wait, "replicated", lambda: all(i.status is ImageStatus.AVAILABLE
                                          for i in adapter.describe_copies(copies).values()))
    raw = azure_client.compute_client(adapter.target).gallery_image_versions.get(RG, GALLERY, "linux-generalized", "3.0.0")
    assert raw.tags[REGION_TAG + "eastus"] == "set-a" and raw.tags["team"] == "web"
    assert raw.tags[KEY] == "golden-web"  # the CustomImage's identity stays: the set's key never replaces it
    assert adapter.reconfigure_copies(copies, {"eastus": {"region": "eastus", "replicas": 3}}) == ["eastus"]
    assert adapter.describe_copies(copies)["eastus"].status is ImageStatus.CREATING  # replicating again
    raw = azure_client.compute_client(adapter.target).gallery_image_versions.get(RG, GALLERY, "linux-generalized", "3.0.0")
    assert {t.name: t.regional_replica_count for t in raw.properties.publishing_profile.target_regions} == \
        {"East US": 3, "Japan East": 1, "West Europe": 1}
    with pytest.raises(errors.InvalidArgument):
        adapter.reconfigure_copies(copies, {"japaneast": {"region": "japaneast", "storage": "Premium_LRS"}})
    adapter.delete_copy("japaneast", version_id)
    adapter.delete_copy(WESTEU, version_id)  # the version keeps its own region; the set only releases it
    assert set(adapter.describe_copies(copies)) == {"eastus"}
    assert adapter.describe_images([version_id])[version_id].status is ImageStatus.AVAILABLE
    with pytest.raises(errors.NotFound):
        adapter.delete_copy("japaneast", version_id)


def test_a_legacy_tracked_source_region_still_reads_and_releases(adapter: ComputeAdapter, wait: Waiter,
                                                                  quiet_sim: Simulator) -> None:
    """State from the previous release: the own region tracked by `imageforge-source-region`, no owner tags."""
    version_id = gallery_version(adapter, wait, quiet_sim, "3.1.0")
    client = azure_client.compute_client(adapter.target)
    client.gallery_image_versions.begin_update(RG, GALLERY, "linux-generalized", "3.1.0", {
        "tags": {LEGACY_SOURCE_TAG: "tracked"}}).result()
    assert set(adapter.describe_copies({WESTEU: version_id})) == {WESTEU}
    adapter.delete_copy(WESTEU, version_id)
    assert adapter.describe_copies({WESTEU: version_id}) == {}


def test_a_failed_region_of_ours_is_removed_then_copied_again(adapter: ComputeAdapter, wait: Waiter,
                                                               quiet_sim: Simulator) -> None:
    """An earlier run died while cleaning up a failed region: the same target list again would never replicate it."""
    version_id = gallery_version(adapter, wait, quiet_sim, "3.2.0")
    copy = CopyRequest(version_id, WESTEU, tags={KEY: "set-f"})
    quiet_sim.inject("azure", "GalleryImageVersions_Update", "fail", region="eastus")
    adapter.start_copies(copy, ["eastus"])
    until(wait, "failed", lambda: adapter.describe_copies({"eastus": version_id})["eastus"].status is ImageStatus.FAILED)
    mark = quiet_sim.mark()
    assert isinstance(adapter.start_copies(copy, ["eastus"])["eastus"], Started)
    first, second = (r.params["body"]["properties"]["publishingProfile"]["targetRegions"]
                     for r in quiet_sim.requests("azure", "GalleryImageVersions_Update", since=mark))
    assert [t["name"] for t in first] == [WESTEU] and sorted(t["name"] for t in second) == ["eastus", WESTEU]
    until(wait, "replicated", lambda: adapter.describe_copies({"eastus": version_id})["eastus"].status
          is ImageStatus.AVAILABLE)


def test_copies_of_a_managed_image_are_unsupported(adapter: ComputeAdapter) -> None:
    managed = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/images/i"
    with pytest.raises(errors.Unsupported):
        adapter.start_copies(CopyRequest(managed, WESTEU), ["eastus"])


def test_specialized_vm_goes_to_a_specialized_definition_only(adapter: ComputeAdapter, wait: Waiter,
                                                               quiet_sim: Simulator) -> None:
    _, vm_id = fresh_vm(quiet_sim)
    with pytest.raises(errors.InvalidState) as generalized_def:
        adapter.prepare_capture(request(vm_id, "x", gallery=GALLERY, gallery_image="linux-generalized", version="9.0.0"))
    assert "not generalized" in str(generalized_def.value)
    req = request(vm_id, "x", gallery=GALLERY, gallery_image="linux-specialized", version="9.0.0")
    assert adapter.prepare_capture(req) == []
    assert settled(adapter, wait, adapter.start_capture(req).image_id).status is ImageStatus.AVAILABLE


def test_failed_capture_reports_failed(adapter: ComputeAdapter, wait: Waiter, quiet_sim: Simulator) -> None:
    _, vm_id = fresh_vm(quiet_sim)
    generalize(adapter, wait, vm_id)
    quiet_sim.inject("azure", "Images_CreateOrUpdate", "fail")
    info = settled(adapter, wait, adapter.start_capture(request(vm_id, "img-broken")).image_id)
    assert info.status is ImageStatus.FAILED and info.raw_status == "Failed"


def test_throttle_maps_to_throttled_and_the_waiter_waits_retry_after(adapter: ComputeAdapter, quiet_sim: Simulator) -> None:
    vm_id = adapter.resolve_vm("golden-linux", RG)
    quiet_sim.inject("azure", "VirtualMachines_Get", "throttle")
    with pytest.raises(errors.Throttled) as throttled:
        adapter.get_vm(vm_id)
    assert throttled.value.retryable and throttled.value.retry_after == 2.0 and throttled.value.code == "TooManyRequests"
    quiet_sim.inject("azure", "VirtualMachines_Get", "throttle")
    mark = quiet_sim.mark()
    eager = Waiter(clock=SimulatorClock(load_sim_endpoints()), backoff=Backoff(initial=0.1, cap=0.1))
    assert eager.call("get vm", lambda: adapter.get_vm(vm_id)).name == "golden-linux"
    first, second = quiet_sim.requests("azure", "VirtualMachines_Get", since=mark)
    # the backoff alone would retry after 0.1 s; the 429's Retry-After: 2 sets the floor
    assert first.status == 429 and second.status == 200 and 2.0 <= second.at - first.at < 2.5


def test_error_table_and_status_fallback() -> None:
    table = mapping.TABLE
    assert table.classify("OperationNotAllowed", 409) is errors.InvalidState
    assert table.classify("OperationNotAllowed", 429) is errors.Throttled  # Compute throttles with this code too
    assert table.classify("Conflict", 409) is errors.Conflict
    assert table.classify("ResourceNotFound", 404) is errors.NotFound
    assert table.classify("SomethingNew", 503) is errors.ServiceUnavailable
    assert table.classify("SomethingNew", 403) is errors.AuthFailed
    assert table.classify("SomethingNew", 418) is errors.CloudError
    failed = mapping.operation_error("InternalExecutionError", "disk copy failed", "capture")
    assert isinstance(failed, errors.OperationFailed) and failed.code == "InternalExecutionError"
    assert isinstance(mapping.operation_error("SomethingNew", "", "capture"), errors.OperationFailed)
    assert mapping.image_status("Creating") is ImageStatus.CREATING and mapping.image_status("odd") is ImageStatus.UNKNOWN
    assert mapping.replication_status("Completed") is ImageStatus.AVAILABLE
    assert mapping.power_state([{"code": "PowerState/deallocated"}]) == "deallocated"
    assert mapping.power_state([]) == mapping.UNKNOWN_POWER
    assert mapping.region("West Europe") == "westeurope"


def test_marker_parsing_trusts_only_the_marker() -> None:
    linux = {"value": [{"code": "ProvisioningState/succeeded",
                        "message": "Enable succeeded: \n[stdout]\nhello\nIMAGEFORGE_EXIT_CODE=3\n[stderr]\nboom\n"}]}
    assert scripts.result("linux", linux) == CommandResult(3, "hello", "boom")
    cut = {"value": [{"code": "ProvisioningState/succeeded", "message": "Enable succeeded: \n[stdout]\nhello\n[stderr]\n"}]}
    lost = scripts.result("linux", cut)
    assert lost.exit_code == scripts.NO_MARKER and "without its exit marker" in lost.stderr_tail
    windows = {"value": [{"code": "ComponentStatus/StdOut/succeeded", "message": "x\nIMAGEFORGE_EXIT_CODE=0"},
                         {"code": "ComponentStatus/StdErr/succeeded", "message": "a warning"}]}
    assert scripts.result("windows", windows) == CommandResult(0, "x", "a warning")


def test_credentials_accept_arm_names_and_never_call_aad_in_sim(quiet_sim: Simulator,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
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
    mark = quiet_sim.mark()
    assert azure_client.credential(sim).get_token("https://management.azure.com/.default").token
    assert [r.action for r in quiet_sim.requests("azure-entra", since=mark)] == ["OpenIdConfiguration", "Token"]


def test_client_has_sdk_retries_off(adapter: ComputeAdapter) -> None:
    client = azure_client.compute_client(adapter.target)
    assert client._config.retry_policy.total_retries == 0


def test_inventory_counts_images_and_version_regions(quiet_sim: Simulator) -> None:
    seeded = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/galleries/{GALLERY}/images/" \
             "linux-generalized/versions/0.1.0"
    assert ("azure", WESTEU, seeded) in quiet_sim.inventory()
    assert wire_of(quiet_sim).inventory() >= {(WESTEU, seeded)}


def test_rules_and_mapping_load_no_azure_sdk() -> None:
    code = ("import sys, imageforge.providers, imageforge.providers.azure.rules, imageforge.providers.azure.mapping, "
            "imageforge.providers.azure.spec, imageforge.providers.azure.compute; "
            "print(sorted(m for m in sys.modules if m.startswith('azure')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
