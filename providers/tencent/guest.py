"""Guest scripts for TencentCloud Automation Tools (TAT) and how its task results read back.

TAT's RunCommand takes the script as `Content`, always Base64, at most 64 KB once encoded, with a
`CommandType` (SHELL on Linux, POWERSHELL on Windows) and a `Timeout` in [1, 86400] seconds; a task
reports its own `ExitCode` and its output Base64-encoded in `TaskResult.Output`, cut at 24 KB
(`Dropped` counts the bytes cut). So no wrapper is needed: a script's exit code is the task's.

Generalization, each script ending with the probe so that it exits 0 only when the guest itself
reports it is generalized:
- Windows: the Panther folder removed, then Sysprep `/oobe /generalize /quiet /quit /mode:vm`, then
  the registry's ImageState must read IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE. `/quit`, not
  `/shutdown`: a guest that powers off inside a TAT task takes its agent with it and the task never
  reports (TASK_TIMEOUT); the instance is stopped through StopInstances once the guest confirmed.
  CreateImage's own `Sysprep` flag is not used for such an instance: Sysprep already ran in the
  guest, where its result can be read (rules refuse sysprep with source.os_state Generalized).
- Linux: cloud-init's state and logs cleaned (`cloud-init clean --logs`, so it runs again on the
  first boot of every instance made from the image), the SSH host keys removed (cloud-init makes
  new ones), /etc/machine-id emptied (systemd makes a new one at boot) and root's shell history
  removed. No account is removed (keep_user is always true here). The probe reads the machine-id
  and the host keys.
"""
from __future__ import annotations

import base64
from collections.abc import Sequence

from ..core.model import CommandResult

LINUX = "linux"
WINDOWS = "windows"
COMMAND_TYPE = {LINUX: "SHELL", WINDOWS: "POWERSHELL"}
AGENT_ENVIRONMENT = {LINUX: "Linux", WINDOWS: "Windows"}  # DescribeAutomationAgentStatus' Environment
CONTENT_MAX = 64 * 1024  # RunCommand.Content: "Base64 编码后的字符串长度不能超过 64KB"
OUTPUT_MAX = 24 * 1024  # TaskResult.Output: "最大长度24KB" (Dropped counts what was cut)
TIMEOUT_RANGE = (1, 86400)  # RunCommand.Timeout: "取值范围[1, 86400]", default 60
COMMAND_TIMEOUT = 3600  # every step may run an hour in the guest; the resource's own deadline bounds the wait
COMMAND_NAME = "imageforge-guest-step"  # up to 60 bytes of letters, digits, '_', '-', '.'
NOT_GENERALIZED = 3  # the probe's exit code when the guest is not generalized
NO_EXIT_CODE = -1  # the task ended without an exit code of the script (timed out, never started...)
PANTHER = r"C:\Windows\Panther"
SYSPREP = r"$env:windir\System32\Sysprep\Sysprep.exe"
SYSPREP_ARGS = ("/oobe", "/generalize", "/quiet", "/quit", "/mode:vm")
SYSPREP_LOG = r"C:\Windows\System32\Sysprep\Panther\setuperr.log"
IMAGE_STATE_KEY = r"HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Setup\State"
SEALED = "IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE"
MACHINE_ID = "/etc/machine-id"
HOST_KEYS = "/etc/ssh/ssh_host_*_key"
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


def probe(os_type: str) -> list[str]:
    """Lines that exit 0 when the guest reports it is generalized, 3 when it does not."""
    if os_type == WINDOWS:
        return [
            f"$state = (Get-ItemProperty -Path '{IMAGE_STATE_KEY}' -Name ImageState).ImageState",
            'Write-Output "ImageState=$state"',
            f"if ($state -eq '{SEALED}') {{ exit 0 }} else {{ exit {NOT_GENERALIZED} }}",
        ]
    return [
        f'if [ -s {MACHINE_ID} ]; then echo "machine-id=set"; exit {NOT_GENERALIZED}; fi',
        f'if ls {HOST_KEYS} >/dev/null 2>&1; then echo "ssh-host-keys=present"; exit {NOT_GENERALIZED}; fi',
        'echo "machine-id=empty ssh-host-keys=none"',
    ]


def generalize(os_type: str) -> list[str]:
    """The guest's own generalization, ending with the probe."""
    if os_type == WINDOWS:
        args = ",".join(f"'{a}'" for a in SYSPREP_ARGS)
        return [
            "$ErrorActionPreference = 'Stop'",
            f"Remove-Item -Path '{PANTHER}' -Recurse -Force -ErrorAction SilentlyContinue",
            f'$sysprep = Start-Process -FilePath "{SYSPREP}" -ArgumentList {args} -Wait -PassThru',
            f'if ($sysprep.ExitCode -ne 0) {{ Write-Output "Sysprep exited $($sysprep.ExitCode): read {SYSPREP_LOG}"; '
            "exit $sysprep.ExitCode }",
            *probe(WINDOWS),
        ]
    return [
        "if command -v cloud-init >/dev/null 2>&1; then cloud-init clean --logs || exit $?; fi",
        "rm -f /etc/ssh/ssh_host_* || exit $?",
        f"truncate -s 0 {MACHINE_ID} || exit $?",
        "rm -f /var/lib/dbus/machine-id /root/.bash_history",
        "sync",
        *probe(LINUX),
    ]


def guest_script(step: str, os_type: str) -> list[str]:
    if step == "generalize":
        return generalize(os_type)
    if step == "probe":
        return probe(os_type)
    raise ValueError(f"no guest step {step!r}: use 'generalize' or 'probe'")


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
    output = _decode(str(found.get("Output") or ""))
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


def _decode(text: str) -> str:
    try:
        return base64.b64decode(text).decode("utf-8", "replace")
    except ValueError:
        return text


def tail(text: str, lines: int = 20) -> str:
    """The last lines of a script's output, for outputs and error messages."""
    kept = [line for line in text.splitlines() if line.strip()]
    return "\n".join(kept[-lines:])
