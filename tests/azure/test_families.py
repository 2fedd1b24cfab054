"""Releases as Compute Gallery image versions: excludeFromLatest and endOfLifeDate, through the provider server."""
from __future__ import annotations

from typing import Any

from imageforge.providers.azure.spec import GENERALIZED_VM, RG
from imageforge.providers.resources.image_family import ImageFamilyProvider
from imageforge.simulator import Simulator
from tests.engine import ProviderServer

HOME, COPIES = "westeurope", ["eastus"]


def family(version: str, **extra: Any) -> dict[str, Any]:
    return {"cloud": "azure", "region": HOME, "family": "linux-generalized", "version": version,
            "source": {"instance": GENERALIZED_VM}, "regions": COPIES, "keep": 2, "owner": "proj/sim/web",
            "capture": {"options": {"gallery": "imageforge_gallery", "resource_group": RG}}, **extra}


def release(server: ProviderServer, state: dict[str, Any] | None, version: str) -> dict[str, Any]:
    if state is None:
        return server.up(ImageFamilyProvider(), family(version))[1]
    return server.change(ImageFamilyProvider(), state["key"], state, family(version))[1]


def test_versions_are_gallery_versions_retired_by_exclude_from_latest_then_deleted(
        server: ProviderServer, sim: Simulator) -> None:
    state = release(server, None, "2026.10.0")
    state = release(server, state, "2026.11.0")
    first = state["releases"]["2026.10.0"]["image_id"]
    assert first.endswith("/images/linux-generalized/versions/2026.10.0")
    mark = sim.mark()
    state = release(server, state, "2026.12.0")
    assert state["versions"] == {r: ["2026.11.0", "2026.12.0"] for r in (HOME, *COPIES)}
    steps = [(c.action, c.params) for c in sim.requests("azure", since=mark) if "2026.10.0" in str(c.params)]
    patched = [n for n, (a, p) in enumerate(steps) if a == "GalleryImageVersions_Update" and "excludeFromLatest" in str(p)]
    deleted = [n for n, (a, _) in enumerate(steps) if a == "GalleryImageVersions_Delete"]
    assert patched and deleted and patched[0] < deleted[0], steps
    assert state["family_latest"] == state["latest"]  # 'latest' is the highest version not excluded
    mark = sim.mark()
    state = release(server, state, "2026.11.0")  # rollback: 2026.12.0 is excluded from latest, nothing is captured
    assert [c.action for c in sim.requests("azure", since=mark) if c.action.endswith("CreateOrUpdate")] == []
    assert state["family_latest"] == state["latest"] == state["releases"]["2026.11.0"]["images"]


def test_an_azure_version_must_be_a_gallery_version_name(server: ProviderServer, sim: Simulator) -> None:
    mark = sim.mark()
    _, failures = server.check(ImageFamilyProvider(), family("2026-12"))
    assert "Major.Minor.Patch" in dict(failures)["version"]
    assert sim.requests(since=mark) == []


def test_exclude_from_latest_and_end_of_life_on_the_wire(compute: Any, azsim: Simulator) -> None:
    """The real azure-mgmt-compute reads both back; a PATCH that leaves them out keeps them."""
    from azure.core.exceptions import HttpResponseError

    from tests.azure.test_sim_raw_sdk import GALLERY, generalized_vm, version_body

    _, vm_id = generalized_vm(compute, azsim)
    versions = compute.gallery_image_versions
    versions.begin_create_or_update(RG, GALLERY, "linux-generalized", "3.0.0",
                                    version_body(vm_id, [{"name": HOME}]), polling=False)
    azsim.advance(3600)
    assert versions.get(RG, GALLERY, "linux-generalized", "3.0.0").properties.publishing_profile.exclude_from_latest \
        is False
    versions.begin_update(RG, GALLERY, "linux-generalized", "3.0.0", {"properties": {"publishingProfile": {
        "excludeFromLatest": True, "endOfLifeDate": "2027-01-31T00:00:00Z"}}}).result()
    versions.begin_update(RG, GALLERY, "linux-generalized", "3.0.0", {"tags": {"team": "web"}}).result()
    profile = versions.get(RG, GALLERY, "linux-generalized", "3.0.0").properties.publishing_profile
    assert profile.exclude_from_latest is True and profile.end_of_life_date.year == 2027
    try:
        versions.begin_update(RG, GALLERY, "linux-generalized", "3.0.0", {"properties": {"publishingProfile": {
            "endOfLifeDate": "next month"}}}).result()
    except HttpResponseError as err:
        assert err.error is not None and err.error.code == "InvalidParameter"
    else:
        raise AssertionError("a malformed endOfLifeDate was accepted")
    versions.begin_delete(RG, GALLERY, "linux-generalized", "3.0.0").result()
