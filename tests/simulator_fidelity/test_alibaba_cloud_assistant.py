"""The simulated ECS Cloud Assistant judged by the real aliyun-python-sdk-ecs: commands, results, agent, power, errors."""
from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526 import (
    CreateCommandRequest, DescribeCloudAssistantStatusRequest, DescribeInstancesRequest, DescribeInvocationResultsRequest,
    DescribeInvocationsRequest, InvokeCommandRequest, RunCommandRequest, StopInstanceRequest, TagResourcesRequest,
)

from imageforge.simulator import Simulator
from imageforge.simulator.alibaba.ecs_assist import AGENT_TAG, DELIVERY_SECONDS, EcsAssist

REGION = "cn-hangzhou"


@pytest.fixture
def call(sim: Simulator) -> Any:
    host = sim.endpoints["http"].split("://", 1)[1]

    def send(request: Any) -> dict[str, Any]:
        request.set_endpoint(host)
        request.set_protocol_type("http")
        client = AcsClient("SIMULATORACCESSKEY", "simulator-secret", REGION, auto_retry=False)
        return json.loads(client.do_action_with_exception(request))

    return send


def assist(sim: Simulator) -> EcsAssist:
    return next(w for w in sim.wires if w.vendor == "alibaba-ecs").assist  # type: ignore[attr-defined, no-any-return]


def run(call: Any, instance: str, lines: list[str], type_: str = "RunShellScript", **extra: Any) -> dict[str, Any]:
    request = RunCommandRequest.RunCommandRequest()
    request.set_Type(type_)
    request.set_CommandContent("\n".join(lines))
    request.set_InstanceIds([instance])
    for key, value in extra.items():
        getattr(request, f"set_{key}")(value)
    return call(request)


def result(call: Any, invoke_id: str, **extra: Any) -> dict[str, Any]:
    request = DescribeInvocationResultsRequest.DescribeInvocationResultsRequest()
    request.set_InvokeId(invoke_id)
    for key, value in extra.items():
        getattr(request, f"set_{key}")(value)
    found = call(request)["Invocation"]["InvocationResults"]["InvocationResult"]
    assert len(found) == 1
    return found[0]  # type: ignore[no-any-return]


def test_run_command_reports_exit_code_and_base64_output_once_it_ends(call: Any, sim: Simulator) -> None:
    instance = assist(sim).add_instance(REGION, "linux").instance_id
    reply = run(call, instance, ["echo hello", "# sim: takes 30", "echo world"], Timeout=60)
    assert reply["InvokeId"].startswith("t-") and reply["CommandId"].startswith("c-")
    running = result(call, reply["InvokeId"])
    assert running["InvocationStatus"] == "Running" and "ExitCode" not in running
    sim.advance(40)
    done = result(call, reply["InvokeId"])
    assert done["InvocationStatus"] == "Success" and done["ExitCode"] == 0 and done["Dropped"] == 0
    assert base64.b64decode(done["Output"]).decode() == "hello\nworld\n"
    plain = result(call, reply["InvokeId"], ContentEncoding="PlainText")
    assert plain["Output"] == "hello\nworld\n"


def test_a_marker_line_fails_the_script_with_its_exit_code(call: Any, sim: Simulator) -> None:
    instance = assist(sim).add_instance(REGION, "windows").instance_id
    reply = run(call, instance, ["@echo off", "echo activating", "REM sim: fail 7 activation refused", "echo never"],
                "RunBatScript")
    sim.advance(5)
    done = result(call, reply["InvokeId"], ContentEncoding="PlainText")
    assert (done["InvocationStatus"], done["ExitCode"], done["ErrorCode"]) == ("Failed", 7, "ExitCodeNonzero")
    assert done["Output"] == "activating\nactivation refused\n"
    listed = DescribeInvocationsRequest.DescribeInvocationsRequest()
    listed.set_InvokeId(reply["InvokeId"])
    listed.set_IncludeOutput(True)
    invocation = call(listed)["Invocations"]["Invocation"][0]
    assert invocation["InvocationStatus"] == "Failed" and invocation["CommandType"] == "RunBatScript"
    assert invocation["InvokeInstances"]["InvokeInstance"][0]["ExitCode"] == 7


def test_a_command_past_its_timeout_is_killed(call: Any, sim: Simulator) -> None:
    instance = assist(sim).add_instance(REGION, "linux").instance_id
    reply = run(call, instance, ["# sim: takes 600", "echo late"], Timeout=30)
    sim.advance(31)
    done = result(call, reply["InvokeId"])
    assert (done["InvocationStatus"], done["ErrorCode"]) == ("Timeout", "ExecutionTimeout")


def test_sysprep_seals_the_guest_and_shutdown_stops_the_instance(call: Any, sim: Simulator) -> None:
    helper = assist(sim)
    instance = helper.add_instance(REGION, "windows").instance_id
    reply = run(call, instance, [r"C:\Windows\System32\Sysprep\Sysprep.exe /generalize /oobe /shutdown"],
                "RunPowerShellScript", Timeout=3600)
    sim.advance(600)
    done = result(call, reply["InvokeId"])
    assert (done["InvocationStatus"], done["ErrorCode"]) == ("Failed", "ExecutionInterrupted") and "ExitCode" not in done
    assert helper.guest(REGION, instance)["image_state"] == "IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE"
    described = DescribeInstancesRequest.DescribeInstancesRequest()
    described.set_InstanceIds(json.dumps([instance]))
    assert call(described)["Instances"]["Instance"][0]["Status"] == "Stopped"


def test_agent_offline_shows_in_status_and_aborts_commands(call: Any, sim: Simulator) -> None:
    helper = assist(sim)
    online = helper.add_instance(REGION, "linux").instance_id
    offline = helper.add_instance(REGION, "linux", agent=False).instance_id
    tagged = helper.add_instance(REGION, "linux").instance_id
    tag = TagResourcesRequest.TagResourcesRequest()
    tag.set_ResourceType("instance")
    tag.set_ResourceIds([tagged])
    tag.set_Tags([{"Key": AGENT_TAG, "Value": "offline"}])
    call(tag)
    status = DescribeCloudAssistantStatusRequest.DescribeCloudAssistantStatusRequest()
    status.set_InstanceIds([online, offline, tagged])
    found = call(status)["InstanceCloudAssistantStatusSet"]["InstanceCloudAssistantStatus"]
    assert {s["InstanceId"]: s["CloudAssistantStatus"] for s in found} == {online: "true", offline: "false",
                                                                          tagged: "false"}
    reply = run(call, offline, ["echo hi"])
    assert result(call, reply["InvokeId"])["InvocationStatus"] == "Pending"
    sim.advance(DELIVERY_SECONDS + 1)
    done = result(call, reply["InvokeId"])
    assert (done["InvocationStatus"], done["ErrorCode"]) == ("Aborted", "ClientNotRunning")
    assert done["ErrorInfo"] == "the aliyun service is not running on the instance"


def test_create_and_invoke_command(call: Any, sim: Simulator) -> None:
    instance = assist(sim).add_instance(REGION, "linux").instance_id
    create = CreateCommandRequest.CreateCommandRequest()
    create.set_Name("contract")
    create.set_Type("RunShellScript")
    create.set_CommandContent(base64.b64encode(b"echo from a saved command").decode())
    command_id = call(create)["CommandId"]
    invoke = InvokeCommandRequest.InvokeCommandRequest()
    invoke.set_CommandId(command_id)
    invoke.set_InstanceIds([instance])
    invoke_id = call(invoke)["InvokeId"]
    sim.advance(5)
    assert result(call, invoke_id, ContentEncoding="PlainText")["Output"] == "from a saved command\n"


def error_of(call: Any, request: Any) -> tuple[str, int]:
    with pytest.raises(ServerException) as raised:
        call(request)
    return raised.value.get_error_code(), raised.value.get_http_status()


def test_errors_carry_the_documented_codes(call: Any, sim: Simulator) -> None:
    request = RunCommandRequest.RunCommandRequest()
    request.set_Type("RunShellScript")
    request.set_CommandContent("echo hi")
    request.set_InstanceIds(["i-bp1nosuchinstance00"])
    assert error_of(call, request) == ("InvalidInstance.NotFound", 404)
    request = RunCommandRequest.RunCommandRequest()
    request.set_Type("RunPythonScript")
    request.set_CommandContent("print(1)")
    request.set_InstanceIds(["i-bp1imageforgelnx01"])
    assert error_of(call, request)[0] == "InvalidCmdType.NotFound"
    request = RunCommandRequest.RunCommandRequest()
    request.set_Type("RunShellScript")
    request.set_CommandContent("x" * 14000)
    request.set_InstanceIds(["i-bp1imageforgelnx01"])
    assert error_of(call, request)[0] == "CmdContent.ExceedLimit"
    request = RunCommandRequest.RunCommandRequest()
    request.set_Type("RunShellScript")
    request.set_CommandContent("echo hi")
    request.set_Timeout(5)
    request.set_InstanceIds(["i-bp1imageforgelnx01"])
    assert error_of(call, request)[0] == "InvalidParam.Timeout"
    results = DescribeInvocationResultsRequest.DescribeInvocationResultsRequest()
    results.set_InvokeId("t-nosuchinvocation")
    assert error_of(call, results) == ("InvalidInvokeId.NotFound", 404)
    stop = StopInstanceRequest.StopInstanceRequest()
    stop.set_InstanceId("i-bp1imageforgelnx01")
    call(stop)
    assert error_of(call, stop) == ("IncorrectInstanceStatus", 403)  # already stopping
    sim.advance(30)
    status = DescribeCloudAssistantStatusRequest.DescribeCloudAssistantStatusRequest()
    status.set_InstanceIds(["i-bp1imageforgelnx01"])
    found = call(status)["InstanceCloudAssistantStatusSet"]["InstanceCloudAssistantStatus"]
    assert found[0]["CloudAssistantStatus"] == "false"  # a stopped instance's agent does not answer
