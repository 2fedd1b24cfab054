"""TAT's side of guest scripts (TencentCloud Automation Tools): content, limits, and how its task results read back.

TAT's RunCommand takes the script as `Content`, always Base64, at most 64 KB once encoded, with a
`CommandType` (SHELL on Linux, POWERSHELL on Windows) and a `Timeout` in [1, 86400] seconds; a task
reports its own `ExitCode` and its output Base64-encoded in `TaskResult.Output`, cut at 24 KB
(`Dropped` counts the bytes cut). So no wrapper is needed: a script's exit code is the task's.
The generalization is the guest's own (core/guest.py). CreateImage's own `Sysprep` flag is not used
for an instance GeneralizedVM prepared: Sysprep already ran in the guest, where its result can be
read (the rules refuse sysprep with source.os_state Generalized).
"""
from __future__ import annotations

import base64
from collections.abc import Sequence

from ..core.guest import LINUX, WINDOWS, decode_base64, tail
from ..core.model import CommandResult
from ..core.validation import ScriptLimit

COMMAND_TYPE = {LINUX: "SHELL", WINDOWS: "POWERSHELL"}
AGENT_ENVIRONMENT = {LINUX: "Linux", WINDOWS: "Windows"}  # DescribeAutomationAgentStatus' Environment
CONTENT_MAX = 64 * 1024  # RunCommand.Content: "Base64 编码后的字符串长度不能超过 64KB"
OUTPUT_MAX = 24 * 1024  # TaskResult.Output: "最大长度24KB" (Dropped counts what was cut)
TIMEOUT_RANGE = (1, 86400)  # RunCommand.Timeout: "取值范围[1, 86400]", default 60
COMMAND_TIMEOUT = 3600  # every step may run an hour in the guest; the resource's own deadline bounds the wait
COMMAND_NAME = "imageforge-guest-step"  # up to 60 bytes of letters, digits, '_', '-', '.'
NO_EXIT_CODE = -1  # the task ended without an exit code of the script (timed out, never started...)
# TaskStatus values (DescribeInvocationTasks) of a task that has not ended yet.
RUNNING = ("PENDING", "DELIVERING", "DELIVER_DELAYED", "RUNNING", "CANCELLING")
WHY = {
    "TIMEOUT": "TAT stopped the command at its Timeout",
    "TASK_TIMEOUT": "the instance's TAT agent stopped answering (the guest shut down or lost its agent)",
    "DELIVER_FAILED": "TAT could not deliver the command to the instance's agent",
    "START_FAILED": "the agent could not start the command",
    "CANCELLED": "the command was cancelled before it started",
    "TERMINATED": "the command was cancelled while it ran",
}


def content(script: Sequence[str]) -> str:
    """RunCommand.Content: the lines joined, UTF-8, Base64."""
    return base64.b64encode("\n".join(str(line) for line in script).encode("utf-8")).decode("ascii")


def content_size(script: Sequence[str]) -> int:
    """The length of the Base64 Content, which TAT limits to 64 KB."""
    raw = len("\n".join(str(line) for line in script).encode("utf-8"))
    return 4 * ((raw + 2) // 3)


def result(task: dict[str, object]) -> CommandResult | None:
    """One DescribeInvocationTasks task: None while it runs, else its exit code and output tail."""
    status = str(task.get("TaskStatus") or "")
    if status in RUNNING or not status:
        return None
    raw = task.get("TaskResult")
    found = raw if isinstance(raw, dict) else {}
    output = decode_base64(str(found.get("Output") or ""))
    dropped = int(str(found.get("Dropped") or 0) or 0)
    notes = []
    if dropped:
        notes.append(f"(TAT cut {dropped} bytes of output: it keeps {OUTPUT_MAX // 1024} KB)")
    code = found.get("ExitCode")
    if status in ("SUCCESS", "FAILED") and isinstance(code, int):
        return CommandResult(code, tail(output), "\n".join(notes))
    reason = WHY.get(status, f"the task ended {status}")
    info = str(task.get("ErrorInfo") or "")
    notes.insert(0, f"{status}: {reason}" + (f" ({info})" if info else ""))
    return CommandResult(code if isinstance(code, int) and code != 0 else NO_EXIT_CODE, tail(output), "\n".join(notes))


SCRIPT_LIMIT = ScriptLimit(content_size, CONTENT_MAX, "is {size} bytes once Base64-encoded; TAT's RunCommand takes at "
                           "most {limit} (64 KB)", "split it into several scripts.")
