"""ECS Cloud Assistant pieces that need no cloud: command types, content size, how a result reads back."""
from __future__ import annotations

import base64

import pytest

from imageforge.providers.alibaba import ecs_guest
from imageforge.providers.alibaba.assistant import read_result as read_any
from imageforge.providers.alibaba.ecs_vms import MACHINE
from imageforge.providers.core.model import CommandResult
from imageforge.providers.core.errors import OperationFailed


def read_result(vm: str, job: str, raw: dict[str, object]) -> CommandResult | None:
    return read_any(MACHINE, vm, job, raw)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_the_command_type_follows_the_guest_and_a_batch_first_line() -> None:
    assert ecs_guest.command_type("linux", ["@echo off"]) == "RunShellScript"
    assert ecs_guest.command_type("windows", ["Write-Output x"]) == "RunPowerShellScript"
    assert ecs_guest.command_type("windows", ["", "@ECHO OFF", "echo x"]) == "RunBatScript"
    assert base64.b64decode(ecs_guest.content(["@echo off", "echo x"], "windows")) == b"@echo off\r\necho x"


def test_content_size_is_the_base64_size_cloud_assistant_limits() -> None:
    assert ecs_guest.content_size("abc") == 4
    assert ecs_guest.content_size(["a", "b"]) == len(base64.b64encode(b"a\r\nb"))


def test_results_read_exit_code_output_and_cuts() -> None:
    assert read_result("i-1", "t-1", {"InvocationStatus": "Running"}) is None
    assert read_result("i-1", "t-1", {"InvocationStatus": "Pending"}) is None
    done = read_result("i-1", "t-1", {"InvocationStatus": "Success", "ExitCode": 0, "Output": b64("a\nb\n")})
    assert done is not None and (done.exit_code, done.stdout_tail) == (0, "a\nb")
    failed = read_result("i-1", "t-1", {"InvocationStatus": "Failed", "ExitCode": 4, "Output": b64("x"),
                                        "Dropped": 100, "ErrorCode": "ExitCodeNonzero"})
    assert failed is not None and failed.exit_code == 4 and "100 bytes dropped" in failed.stderr_tail
    late = read_result("i-1", "t-1", {"InvocationStatus": "Timeout", "ErrorCode": "ExecutionTimeout"})
    assert late is not None and late.exit_code == -1 and "Timeout" in late.stderr_tail


@pytest.mark.parametrize("status,code,says", [("Aborted", "ClientNotRunning", "agent offline"),
                                              ("Aborted", "InstanceNotRunning", "never ran"),
                                              ("Invalid", "CommandNotApplicable", "never ran")])
def test_a_command_that_never_ran_is_an_error_naming_the_instance(status: str, code: str, says: str) -> None:
    with pytest.raises(OperationFailed) as raised:
        read_result("i-bp1x", "t-1", {"InvocationStatus": status, "ErrorCode": code})
    assert says in str(raised.value) and "i-bp1x" in str(raised.value) and code in str(raised.value)
