"""A Cloud Assistant invocation's result, as ECS (DescribeInvocationResults) and EDS (DescribeInvocations) report it.

EDS runs cloud computers' commands through the same Cloud Assistant, so both APIs answer with the same
InvocationStatus values, ErrorCodes, Base64 Output cut at 24 KB and Dropped; only the words naming the
machine and the way to bring its agent back differ.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core import errors, guest
from ..core.model import CommandResult

# InvocationStatus while the command has not ended; Success, Failed and Timeout carry a result.
INVOCATION_RUNNING = frozenset({"Pending", "Running", "Stopping", "Scheduled", ""})
# ErrorCodes that mean the agent never took the command.
AGENT_OFFLINE = frozenset({"ClientNotRunning", "ClientNotResponse", "ClientIsUpgrading", "ClientNeedUpgrade",
                           "DeliveryTimeout"})


@dataclass(frozen=True)
class Machine:
    """How one service names what runs the command, and what to do when its agent is offline."""

    noun: str  # "instance", "cloud computer"
    service: str  # who cuts the output and stops a command at its Timeout: "Cloud Assistant", "EDS"
    vendor: str
    operation: str
    offline_fix: str


def read_result(machine: Machine, vm_id: str, job_id: str, raw: Mapping[str, Any]) -> CommandResult | None:
    """None while the command runs; its ExitCode and Output once it ended; an error naming the machine if it never
    ran (agent offline, interrupted, not applicable)."""
    status = str(raw.get("InvocationStatus") or "")
    if status in INVOCATION_RUNNING:
        return None
    output = guest.decode_base64(raw.get("Output"))
    dropped = int(raw.get("Dropped") or 0)
    note = f"({machine.service} cut the output at 24 KB: {dropped} bytes dropped)" if dropped else ""
    code = str(raw.get("ErrorCode") or "")
    ended = f"invocation {job_id} ended {status}: {code or 'no code'} {raw.get('ErrorInfo') or ''}".rstrip()
    if code in AGENT_OFFLINE:
        raise errors.OperationFailed(
            f"agent offline: the Cloud Assistant agent of {machine.noun} {vm_id} did not take the command ({ended}). "
            f"{machine.offline_fix}", vendor=machine.vendor, operation=machine.operation, code=code,
            resource_id=vm_id)
    if status in ("Success", "Failed") and code != "ExecutionInterrupted":
        return CommandResult(int(raw.get("ExitCode") or 0) if status == "Success" else _exit(raw),
                             guest.tail(output), note)
    if status == "Timeout":
        return CommandResult(_exit(raw), guest.tail(output),
                             f"{machine.service} stopped the command at its Timeout ({code or 'ExecutionTimeout'}) "
                             f"{note}".strip())
    raise errors.OperationFailed(
        f"the command never ran to its end on {machine.noun} {vm_id} ({ended}); output: "
        f"{guest.tail(output) or '(empty)'}", vendor=machine.vendor, operation=machine.operation,
        code=code or status, resource_id=vm_id)


def _exit(raw: Mapping[str, Any]) -> int:
    """A failed command's ExitCode; -1 when none was given (the process was killed)."""
    value = raw.get("ExitCode")
    try:
        code = int(value) if value is not None else -1
    except (TypeError, ValueError):
        code = -1
    return code if code != 0 else -1
