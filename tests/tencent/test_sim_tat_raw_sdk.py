"""TAT simulator fidelity, judged by the real tencentcloud-sdk-python-tat (not our adapter): every simulated action
parses into the SDK's models, every simulated error raises TencentCloudSDKException with TAT's own code."""
from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.cvm.v20170312 import models as cvm_models
from tencentcloud.tat.v20201028 import errorcodes, models

from imageforge.simulator import Simulator
from imageforge.simulator.tencent import instances
from imageforge.simulator.core.guest import SEALED
from imageforge.simulator.tencent.tat import TatModel

from .conftest import _profile
from .helpers import request

REGION = "ap-guangzhou"
LINUX, WINDOWS = "ins-gzlnx001", "ins-gzwin001"


@pytest.fixture
def tat(tc_sim: Simulator) -> Callable[[str], Any]:
    from tencentcloud.common import credential
    from tencentcloud.tat.v20201028 import tat_client

    def make(region: str = REGION) -> Any:
        return tat_client.TatClient(credential.Credential("AKIDSIMULATOR", "simulator-secret"), region,
                                    _profile(tc_sim))

    return make


def model(sim: Simulator) -> TatModel:
    return next(w for w in sim.wires if w.vendor == "tencent-tat").model  # type: ignore[attr-defined,no-any-return]


def b64(*lines: str) -> str:
    return base64.b64encode("\n".join(lines).encode()).decode()


def run(client: Any, instance: str = LINUX, *lines: str, **extra: Any) -> str:
    params = {"Content": b64(*(lines or ("echo hello",))), "InstanceIds": [instance], **extra}
    return str(client.RunCommand(request(models.RunCommandRequest, **params)).InvocationId)


def task(client: Any, invocation_id: str, hide: bool = False) -> Any:
    reply = client.DescribeInvocationTasks(request(models.DescribeInvocationTasksRequest, HideOutput=hide,
                                                   Filters=[{"Name": "invocation-id", "Values": [invocation_id]}]))
    assert reply.TotalCount == 1
    return reply.InvocationTaskSet[0]


def code_of(call: Callable[[], Any]) -> str:
    with pytest.raises(TencentCloudSDKException) as raised:
        call()
    assert raised.value.requestId
    return str(raised.value.code)


def test_a_command_runs_for_its_duration_and_reports_exit_code_and_base64_output(tc_sim: Simulator, tat: Any) -> None:
    client = tat()
    invocation = run(client, LINUX, "echo one", "echo two", "# sim: takes 30")
    reply = client.DescribeInvocations(request(models.DescribeInvocationsRequest, InvocationIds=[invocation]))
    assert reply.InvocationSet[0].InvocationStatus == "RUNNING" and reply.InvocationSet[0].CommandType == "SHELL"
    running = task(client, invocation)
    assert running.TaskStatus == "RUNNING" and running.TaskResult.Output == ""
    tc_sim.advance(31)
    done = task(client, invocation)
    assert done.TaskStatus == "SUCCESS" and done.TaskResult.ExitCode == 0 and done.TaskResult.Dropped == 0
    assert base64.b64decode(done.TaskResult.Output).decode() == "one\ntwo\n"
    assert done.CommandDocument.Content == b64("echo one", "echo two", "# sim: takes 30")
    assert task(client, invocation, hide=True).TaskResult.Output == ""  # HideOutput (its default is true)
    reply = client.DescribeInvocations(request(models.DescribeInvocationsRequest, InvocationIds=[invocation]))
    assert reply.InvocationSet[0].InvocationStatus == "SUCCESS"
    assert reply.InvocationSet[0].InvocationTaskBasicInfoSet[0].InstanceId == LINUX


def test_the_fail_marker_and_exit_set_the_exit_code_and_the_timeout_ends_a_long_command(tc_sim: Simulator,
                                                                                       tat: Any) -> None:
    client = tat()
    failed = run(client, LINUX, "echo before", "# sim: fail 5 licence server unreachable", "echo after")
    exited = run(client, LINUX, "exit 2")
    slow = run(client, LINUX, "# sim: takes 500", Timeout=100)
    tc_sim.advance(600)
    first = task(client, failed)
    assert first.TaskStatus == "FAILED" and first.TaskResult.ExitCode == 5
    assert base64.b64decode(first.TaskResult.Output).decode() == "before\nlicence server unreachable\n"
    assert task(client, exited).TaskResult.ExitCode == 2
    late = task(client, slow)
    assert late.TaskStatus == "TIMEOUT" and late.TaskResult.ExitCode is None and "timed out" in late.ErrorInfo


def test_output_over_24_kb_is_cut_and_counted_in_dropped(tc_sim: Simulator, tat: Any) -> None:
    client = tat()
    line = "x" * 1000
    invocation = run(client, LINUX, *([f"echo {line}"] * 30))
    tc_sim.advance(60)
    result = task(client, invocation).TaskResult
    assert len(base64.b64decode(result.Output)) == 24 * 1024 and result.Dropped == 30 * 1001 - 24 * 1024


def test_sysprep_seals_the_windows_guest_and_shutdown_stops_the_instance(tc_sim: Simulator, tat: Any,
                                                                         cvm: Any) -> None:
    client = tat()
    sysprep = ("$p = Start-Process -FilePath \"$env:windir\\System32\\Sysprep\\Sysprep.exe\" "
               "-ArgumentList '/oobe','/generalize','/shutdown' -Wait -PassThru")
    invocation = run(client, WINDOWS, sysprep, CommandType="POWERSHELL", Timeout=900)
    tc_sim.advance(400)
    assert model(tc_sim).guest_state(REGION, WINDOWS).image_state == SEALED
    state = cvm().DescribeInstances(request(cvm_models.DescribeInstancesRequest, InstanceIds=[WINDOWS]))
    assert state.InstanceSet[0].InstanceState == "STOPPED"
    assert task(client, invocation).TaskStatus == "RUNNING"  # the agent went down with the guest: no report
    tc_sim.advance(600)
    gone = task(client, invocation)
    assert gone.TaskStatus == "TASK_TIMEOUT" and gone.TaskResult.ExitCode is None
    agents = client.DescribeAutomationAgentStatus(request(models.DescribeAutomationAgentStatusRequest,
                                                          InstanceIds=[WINDOWS]))
    assert agents.AutomationAgentSet[0].AgentStatus == "Offline"
    assert code_of(lambda: run(client, WINDOWS, "echo x", CommandType="POWERSHELL")) == \
        errorcodes.RESOURCEUNAVAILABLE_INSTANCESTATENOTRUNNING


def test_agents_their_filters_and_an_offline_or_missing_agent(tc_sim: Simulator, tat: Any) -> None:
    client = tat()
    agents = client.DescribeAutomationAgentStatus(request(models.DescribeAutomationAgentStatusRequest,
                                                          InstanceIds=[LINUX, WINDOWS]))
    assert {(a.InstanceId, a.AgentStatus, a.Environment) for a in agents.AutomationAgentSet} == {
        (LINUX, "Online", "Linux"), (WINDOWS, "Online", "Windows")}
    model(tc_sim).set_agent(REGION, LINUX, "Offline")
    offline = client.DescribeAutomationAgentStatus(request(models.DescribeAutomationAgentStatusRequest, Filters=[
        {"Name": "agent-status", "Values": ["Offline"]}]))
    assert [a.InstanceId for a in offline.AutomationAgentSet] == [LINUX]
    assert code_of(lambda: run(client, LINUX)) == errorcodes.RESOURCEUNAVAILABLE_AGENTSTATUSNOTONLINE
    model(tc_sim).set_agent(REGION, LINUX, "NotInstalled")
    assert code_of(lambda: run(client, LINUX)) == errorcodes.RESOURCEUNAVAILABLE_AGENTNOTINSTALLED
    listed = client.DescribeAutomationAgentStatus(request(models.DescribeAutomationAgentStatusRequest,
                                                          InstanceIds=[LINUX]))
    assert listed.TotalCount == 0


def test_run_command_refusals_carry_tats_codes(tc_sim: Simulator, tat: Any) -> None:
    client = tat()
    assert code_of(lambda: run(client, LINUX, CommandType="POWERSHELL")) == \
        errorcodes.INVALIDPARAMETERVALUE_AGENTUNSUPPORTEDCOMMANDTYPE
    assert code_of(lambda: run(client, "ins-nothere1")) == errorcodes.RESOURCENOTFOUND_INSTANCENOTFOUND
    assert code_of(lambda: run(client, "i-bad")) == errorcodes.INVALIDPARAMETERVALUE_INVALIDINSTANCEID
    assert code_of(lambda: run(client, LINUX, Timeout=86401)) == errorcodes.INVALIDPARAMETERVALUE_RANGE
    big = base64.b64encode(b"x" * 50_000).decode()
    assert code_of(lambda: client.RunCommand(request(models.RunCommandRequest, Content=big, InstanceIds=[LINUX]))) \
        == errorcodes.INVALIDPARAMETERVALUE_TOOLONG
    assert code_of(lambda: client.RunCommand(request(models.RunCommandRequest, Content="not base64!",
                                                     InstanceIds=[LINUX]))) == \
        errorcodes.INVALIDPARAMETERVALUE_INVALIDCONTENT
    assert code_of(lambda: run(client, LINUX, CommandName="bad name!")) == \
        errorcodes.INVALIDPARAMETERVALUE_INVALIDCOMMANDNAME
    assert code_of(lambda: client.DescribeInvocations(request(models.DescribeInvocationsRequest,
                                                              InvocationIds=["inv-x"]))) == \
        errorcodes.INVALIDPARAMETERVALUE_INVALIDINVOCATIONID
    assert code_of(lambda: client.DescribeInvocationTasks(request(
        models.DescribeInvocationTasksRequest, Filters=[{"Name": "nope", "Values": ["x"]}]))) == \
        errorcodes.INVALIDPARAMETERVALUE_INVALIDFILTER
    assert code_of(lambda: client.DescribeInvocationTasks(request(
        models.DescribeInvocationTasksRequest, InvocationTaskIds=["invt-abcdefgh12"],
        Filters=[{"Name": "instance-id", "Values": [LINUX]}]))) == errorcodes.INVALIDPARAMETER_CONFLICTPARAMETER


def test_tat_is_routed_apart_from_cvm_by_its_signature(tc_sim: Simulator, tat: Any, cvm: Any) -> None:
    """The same address serves both: a TAT action signed for cvm is CVM's unknown action, and the reverse."""
    mark = tc_sim.mark()
    run(tat())
    cvm().DescribeInstances(request(cvm_models.DescribeInstancesRequest, InstanceIds=[LINUX]))
    assert [(r.vendor, r.action) for r in tc_sim.requests(since=mark)] == [("tencent-tat", "RunCommand"),
                                                                           ("tencent-cvm", "DescribeInstances")]
    from tencentcloud.common import credential
    from tencentcloud.common.common_client import CommonClient

    as_cvm = CommonClient("cvm", "2020-10-28", credential.Credential("AKIDSIMULATOR", "simulator-secret"), REGION,
                          _profile(tc_sim))
    assert code_of(lambda: as_cvm.call_json("RunCommand", {"Content": b64("echo x"), "InstanceIds": [LINUX]})) \
        == "InvalidAction"
    as_tat = CommonClient("tat", "2017-03-12", credential.Credential("AKIDSIMULATOR", "simulator-secret"), REGION,
                          _profile(tc_sim))
    assert code_of(lambda: as_tat.call_json("DescribeInstances", {})) == "InvalidAction"
    assert [r.vendor for r in tc_sim.requests(since=mark)][-2:] == ["tencent-cvm", "tencent-tat"]


def test_tasks_by_instance_newest_first_and_new_instances(tc_sim: Simulator, tat: Any) -> None:
    client = tat()
    made = instances.add_instance(model(tc_sim).cvm, REGION, "linux").instance_id
    first, second = run(client, made, "echo 1"), run(client, made, "echo 2")
    reply = client.DescribeInvocationTasks(request(models.DescribeInvocationTasksRequest, Filters=[
        {"Name": "instance-id", "Values": [made]}]))
    assert [t.InvocationId for t in reply.InvocationTaskSet] == [second, first]
    assert all(t.TaskResult.Output == "" for t in reply.InvocationTaskSet)  # HideOutput defaults to true


def test_every_tat_action_the_adapter_sends_is_simulated() -> None:
    import re
    from pathlib import Path

    from imageforge.simulator.tencent.tat_wire import PARAMETERS

    text = (Path(__file__).resolve().parents[2] / "providers" / "tencent" / "vms.py").read_text()
    sent = set(re.findall(r'_tat\(\s*"(\w+)"', text))
    assert sent == {"RunCommand", "DescribeAutomationAgentStatus", "DescribeInvocationTasks"} and sent <= set(PARAMETERS)


def test_tat_runs_in_the_account_that_signed_like_cvm(tc_sim: Simulator) -> None:
    """A second account's command and its task are that account's: the first account does not see them."""
    from tencentcloud.common import credential
    from tencentcloud.tat.v20201028 import tat_client

    from imageforge.simulator.tencent.signing import ACCOUNTS

    def client(index: int) -> Any:
        account = ACCOUNTS[index]
        return tat_client.TatClient(credential.Credential(account.key_id, account.secret), REGION, _profile(tc_sim))

    second = run(client(1), LINUX, "echo from the second account")
    assert [i.InvocationId for i in client(1).DescribeInvocations(
        request(models.DescribeInvocationsRequest, InvocationIds=[second])).InvocationSet] == [second]
    assert client(0).DescribeInvocations(request(models.DescribeInvocationsRequest,
                                                 InvocationIds=[second])).InvocationSet == []
    tc_sim.advance(60)
    assert base64.b64decode(task(client(1), second, hide=False).TaskResult.Output) == b"from the second account\n"
