"""The simulated ecd guest commands judged by the real `alibabacloud_ecd20200930`: RunCommand, DescribeInvocations,
StopDesktops, TagResources, DeleteDesktops; results, agent, power and errors as the SDK's models read them."""
from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from alibabacloud_ecd20200930 import models as m
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException

from imageforge.simulator.alibaba.ecs_assist import DELIVERY_SECONDS
from imageforge.simulator.alibaba.eds_guest import AGENT_TAG, EdsGuest
from imageforge.simulator.core.simulator import Simulator

from .conftest import HZ, LNX, WIN, shared

Ecd = Callable[[str], Any]
GWS = "ALIYUN::GWS::INSTANCE"


@pytest.fixture
def sim(module_sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> Simulator:
    return shared(module_sim, monkeypatch)


def eds(sim: Simulator) -> EdsGuest:
    return next(w for w in sim.wires if w.vendor == "alibaba-eds").guest  # type: ignore[attr-defined, no-any-return]


def run(client: Any, desktop: str, lines: list[str], type_: str = "RunPowerShellScript", **kw: Any) -> str:
    reply = client.run_command(m.RunCommandRequest(region_id=HZ, desktop_id=[desktop], type=type_,
                                                   command_content="\n".join(lines), **kw))
    assert reply.body.request_id and reply.body.invoke_id.startswith("t-")
    return str(reply.body.invoke_id)


def result(client: Any, invoke_id: str, **kw: Any) -> Any:
    body = client.describe_invocations(m.DescribeInvocationsRequest(region_id=HZ, invoke_id=invoke_id, **kw)).body
    assert len(body.invocations) == 1 and len(body.invocations[0].invoke_desktops) == 1
    return body.invocations[0]


def refused(call: Callable[[], Any]) -> tuple[str, int]:
    with pytest.raises(AlibabaCloudException) as err:
        call()
    return str(err.value.code), int(err.value.status_code or 0)


def test_run_command_reports_exit_code_and_output_once_it_ends(ecd: Ecd, sim: Simulator) -> None:
    client = ecd(HZ)
    desktop = eds(sim).add_desktop(HZ, "windows")
    invoke_id = run(client, desktop, ["Write-Output hello", "# sim: takes 30", "Write-Output world"], timeout=60)
    running = result(client, invoke_id)
    assert running.invocation_status == "Running" and running.invoke_desktops[0].exit_code is None
    sim.advance(40)
    done = result(client, invoke_id, include_output=True)
    entry = done.invoke_desktops[0]
    assert (done.invocation_status, entry.invocation_status, entry.exit_code, entry.dropped) == ("Success", "Success",
                                                                                                   0, 0)
    assert entry.output == "hello\nworld\n" and entry.desktop_id == desktop and entry.finish_time
    assert done.command_type == "RunPowerShellScript" and done.invoke_desktop_count == 1
    encoded = result(client, invoke_id, include_output=True, content_encoding="Base64").invoke_desktops[0]
    assert base64.b64decode(encoded.output).decode() == "hello\nworld\n"
    assert result(client, invoke_id, include_output=False).invoke_desktops[0].output is None


def test_base64_content_a_batch_script_and_a_failing_line(ecd: Ecd, sim: Simulator) -> None:
    client = ecd(HZ)
    desktop = eds(sim).add_desktop(HZ, "windows")
    script = "@echo off\r\necho activating\r\nREM sim: fail 7 activation refused\r\necho never"
    invoke_id = run(client, desktop, [base64.b64encode(script.encode()).decode()], "RunBatScript",
                    content_encoding="Base64")
    sim.advance(10)
    entry = result(client, invoke_id, include_output=True).invoke_desktops[0]
    assert (entry.invocation_status, entry.exit_code, entry.error_code) == ("Failed", 7, "ExitCodeNonzero")
    assert entry.output == "activating\nactivation refused\n"
    listed = client.describe_invocations(m.DescribeInvocationsRequest(region_id=HZ, desktop_ids=[desktop],
                                                                      invoke_status="Failed")).body.invocations
    assert [i.invoke_id for i in listed] == [invoke_id]


def test_a_command_past_its_timeout_is_killed_and_sysprep_seals_the_guest(ecd: Ecd, sim: Simulator) -> None:
    client = ecd(HZ)
    desktop = eds(sim).add_desktop(HZ, "windows")
    slow = run(client, desktop, ["# sim: takes 600", "Write-Output late"], timeout=30)
    sim.advance(31)
    entry = result(client, slow).invoke_desktops[0]
    assert (entry.invocation_status, entry.error_code) == ("Timeout", "ExecutionTimeout")
    sysprep = run(client, desktop, [r"& C:\Windows\System32\Sysprep\Sysprep.exe /generalize /oobe /quit"],
                  timeout=3600)
    sim.advance(400)
    assert result(client, sysprep).invoke_desktops[0].exit_code == 0
    assert eds(sim).guest(HZ, desktop)["image_state"] == "IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE"


def test_linux_computers_and_unknown_types_are_refused(ecd: Ecd, sim: Simulator) -> None:
    client = ecd(HZ)
    entry = result(client, run(client, LNX, ["Write-Output hi"])).invoke_desktops[0]
    assert (entry.invocation_status, entry.error_code) == ("Invalid", "CommandNotApplicable")
    assert refused(lambda: run(client, WIN, ["echo hi"], "RunShellScript")) == ("InvalidCmdType.NotFound", 400)
    big = base64.b64encode(b"x" * 12289).decode()  # 16388 characters once encoded
    assert refused(lambda: run(client, WIN, [big], content_encoding="Base64")) == ("CmdContent.ExceedLimit", 400)
    assert refused(lambda: run(client, "ecd-nosuchcomputer01", ["Write-Output hi"]))[0] == "InvalidDesktopId.NotFound"


def test_agent_offline_keeps_a_command_pending_then_aborts_it(ecd: Ecd, sim: Simulator) -> None:
    client = ecd(HZ)
    offline = eds(sim).add_desktop(HZ, "windows", agent=False)
    tagged = eds(sim).add_desktop(HZ, "windows")
    client.tag_resources(m.TagResourcesRequest(region_id=HZ, resource_type=GWS, resource_id=[tagged],
                                               tag=[m.TagResourcesRequestTag(key=AGENT_TAG, value="offline")]))
    for desktop in (offline, tagged):
        invoke_id = run(client, desktop, ["Write-Output hi"])
        assert result(client, invoke_id).invocation_status == "Pending"
        sim.advance(DELIVERY_SECONDS + 1)
        entry = result(client, invoke_id).invoke_desktops[0]
        assert (entry.invocation_status, entry.error_code) == ("Aborted", "ClientNotRunning")
        assert entry.error_info == "the aliyun service is not running on the instance"


def test_stop_tag_and_delete_show_in_describe_desktops(ecd: Ecd, sim: Simulator) -> None:
    client = ecd(HZ)
    desktop = eds(sim).add_desktop(HZ, "windows")

    def described() -> Any:
        found = client.describe_desktops(m.DescribeDesktopsRequest(region_id=HZ, desktop_id=[desktop])).body.desktops
        return found[0] if found else None

    client.tag_resources(m.TagResourcesRequest(region_id=HZ, resource_type=GWS, resource_id=[desktop],
                                               tag=[m.TagResourcesRequestTag(key="team", value="web")]))
    assert [(t.key, t.value) for t in described().tags] == [("team", "web")]
    assert refused(lambda: client.tag_resources(m.TagResourcesRequest(
        region_id=HZ, resource_type="instance", resource_id=[desktop],
        tag=[m.TagResourcesRequestTag(key="a", value="b")])))[0] == "InvalidResourceType.NotSupported"
    client.stop_desktops(m.StopDesktopsRequest(region_id=HZ, desktop_id=[desktop]))
    assert described().desktop_status == "Stopping"
    assert refused(lambda: client.stop_desktops(m.StopDesktopsRequest(region_id=HZ, desktop_id=[desktop])))[0] == \
        "IncorrectDesktopStatus"
    sim.advance(30)
    assert described().desktop_status == "Stopped"
    entry = result(client, run(client, desktop, ["Write-Output hi"])).invoke_desktops[0]
    assert (entry.invocation_status, entry.error_code) == ("Aborted", "InstanceNotRunning")
    client.delete_desktops(m.DeleteDesktopsRequest(region_id=HZ, desktop_id=[desktop]))
    assert described() is None
