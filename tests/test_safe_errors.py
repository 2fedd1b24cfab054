"""Errors safe to show and refusals before damage, through the real provider server (issue: crash and fault safety)."""
from __future__ import annotations

from pathlib import Path

import pytest

from imageforge.providers import CustomImageProvider
from imageforge.simulator import Simulator
from tests.engine import ProviderError, ProviderServer

VENDOR = "alibaba-ecs"
TOKEN = "CAISsecurityTokenValue0123456789abcdef"
KEY_ID = "LTAI5tQwErTyUiOpAsDfGhJk"


def image_inputs(**extra: object) -> dict[str, object]:
    return {"cloud": "alibaba", "region": "cn-hangzhou", "name": "golden-safe", "source": {"instance": "i-bp1imageforgelnx01"},
            "owner": "proj/sim/safe", **extra}


def test_a_signature_error_echoing_the_string_to_sign_is_redacted(sim: Simulator, tmp_path: Path) -> None:
    log = tmp_path / "progress.log"
    server = ProviderServer(env={"IMAGEFORGE_SIM_HOME": str(sim.home), "IMAGEFORGE_PROGRESS_LOG": str(log),
                                 "ALIBABA_CLOUD_SECURITY_TOKEN": TOKEN})
    try:
        server.configure({"imageforge:endpoint": "sim"})
        echoed = (f"Specified signature is not matched with our calculation. server string to sign is:POST&%2F&"
                  f"AccessKeyId%3D{KEY_ID}%26Action%3DCreateImage%26SecurityToken%3D{TOKEN}")
        sim.inject(VENDOR, "CreateImage", "5xx", code="SignatureDoesNotMatch", message=echoed, status=400)
        with pytest.raises(ProviderError) as caught:
            server.up(CustomImageProvider(), image_inputs())
        details = caught.value.details
        assert "SignatureDoesNotMatch" in details and "CreateImage" in details
        assert TOKEN not in details and KEY_ID not in details and "[redacted]" in details
    finally:
        stderr = server.close()
    assert TOKEN not in stderr and TOKEN not in (log.read_text() if log.exists() else "")


def test_create_with_inputs_check_never_saw_names_the_operation_not_a_keyerror(server: ProviderServer) -> None:
    from tests.engine import serialized

    with pytest.raises(ProviderError) as caught:  # no cloud, no service: check never ran
        server.create({"region": "cn-hangzhou", "name": "x", "__provider": serialized(CustomImageProvider())})
    last = caught.value.details.strip().splitlines()[-1]
    assert last.startswith("imageforge.providers.core.errors.UnexpectedError: CustomImage create"), last
    assert "KeyError" in last  # named, inside our error, not raised raw


def test_a_change_that_replaces_a_protected_image_is_refused_before_anything_runs(server: ProviderServer,
                                                                                  sim: Simulator) -> None:
    provider = CustomImageProvider()
    _, state = server.up(provider, image_inputs(deletion_protection=True))
    mark = sim.mark()
    _, failures = server.check(provider, image_inputs(deletion_protection=False,
                                                      source={"snapshot": "s-bp1imageforgesys01"}), olds=state)
    assert [f for f, _ in failures] == ["deletion_protection"]
    assert "replaces" in failures[0][1] and "first" in failures[0][1]
    assert sim.requests(since=mark) == []


def test_a_stopped_simulator_is_a_clear_error(tmp_path: Path) -> None:
    home = tmp_path / "gone"
    sim = Simulator(home, speed=0.0)
    sim.start()
    server = ProviderServer(env={"IMAGEFORGE_SIM_HOME": str(home), "IMAGEFORGE_PROGRESS_LOG": str(tmp_path / "p")})
    try:
        server.configure({"imageforge:endpoint": "sim"})
        checked, _ = server.check(CustomImageProvider(), image_inputs())
        endpoints = (home / "endpoints.json").read_text()
        sim.stop()
        (home / "endpoints.json").write_text(endpoints)  # published, but nobody answers any more
        with pytest.raises(ProviderError) as caught:
            server.create(checked)
        last = caught.value.details.strip().splitlines()[-1]
        assert last.startswith("imageforge.providers.core.errors.ServiceUnavailable"), last
        assert "imageforge sim serve" in last
    finally:
        server.close()


def test_outputs_derived_from_a_secret_input_are_marked_secret() -> None:
    """image_tags (from tags) and commands (from finalize_scripts) carry another name than their input."""
    import pulumi

    from imageforge.providers.resources.common import secret_derived

    secret = pulumi.Output.secret({"cost-centre": "4711"})
    marked = secret_derived(None, {"image_tags": secret, "commands": ["echo plain"]})
    assert marked.additional_secret_outputs == ["image_tags"]
    nested = secret_derived(pulumi.ResourceOptions(protect=True), {"commands": [["echo", secret]]})
    assert nested.additional_secret_outputs == ["commands"] and nested.protect is True
    assert secret_derived(None, {"image_tags": {"team": "web"}}) is None
