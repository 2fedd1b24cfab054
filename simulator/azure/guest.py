"""What a script does inside a simulated VM: output, exit code and the lasting effects on the guest.

Only the commands the generalization procedure uses are understood (waagent, Panther removal,
Sysprep, echo / Write-Output, exit); anything else succeeds silently.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

RUN_SHELL = "RunShellScript"
RUN_POWERSHELL = "RunPowerShellScript"
COMMANDS = {RUN_SHELL: "Linux", RUN_POWERSHELL: "Windows"}

_WAAGENT = re.compile(r"(?:^|[\s;/])waagent\s+(-deprovision(?:\+user)?)(.*)$")
_EXIT = re.compile(r"^\s*exit\s+(-?\d+)\s*$", re.I)
_ECHO = re.compile(r"^\s*(?:echo|write-output|write-host)\s+(.*)$", re.I)
_PANTHER = re.compile(r"(remove-item|rmdir|rd|del)\b.*\\windows\\panther", re.I)
_SYSPREP = re.compile(r"sysprep(?:\.exe)?['\"]?\s*(.*)$", re.I)


@dataclass
class Outcome:
    exit_code: int = 0
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    effects: dict[str, Any] = field(default_factory=dict)  # guest state once the command ends
    shutdown: bool = False  # the guest shuts itself down after the command (Sysprep /shutdown)


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def run(os_type: str, script: list[str], vm_state: dict[str, Any], encrypted: bool, user: str) -> Outcome:
    out = Outcome()
    for raw in script:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if (m := _EXIT.match(line)) is not None:
            out.exit_code = int(m.group(1))
            break
        if (m := _ECHO.match(line)) is not None:
            out.stdout.append(_unquote(m.group(1)))
            continue
        if os_type == "Linux" and (m := _WAAGENT.search(line)) is not None:
            if not _waagent(out, m.group(1), m.group(2), user):
                break
            continue
        if os_type == "Windows" and _PANTHER.search(line):
            out.effects["panther_removed"] = True
            continue
        if os_type == "Windows" and (m := _SYSPREP.search(line)) is not None and "sysprep" in line.lower():
            if not _sysprep(out, m.group(1).lower(), encrypted, vm_state):
                break
    return out


def _waagent(out: Outcome, mode: str, rest: str, user: str) -> bool:
    if "-force" not in rest:
        out.stdout.append("WARNING! The waagent service will be stopped.")
        out.stderr.append("Do you want to proceed (y/n)EOFError: EOF when reading a line")
        out.exit_code = 1
        return False
    out.stdout += ["WARNING! The waagent service will be stopped.", "WARNING! Cached DHCP leases will be deleted.",
                   "WARNING! root password will be disabled. You will not be able to login as root.",
                   "WARNING! /etc/resolv.conf will be deleted."]
    if mode == "-deprovision+user":
        out.stdout.append(f"WARNING! {user} account and entire home directory will be deleted.")
    out.effects["deprovisioned"] = mode.lstrip("-")
    return True


def _sysprep(out: Outcome, args: str, encrypted: bool, vm_state: dict[str, Any]) -> bool:
    if encrypted:
        out.stderr.append("Sysprep_Generalize_Bitlocker: Sysprep cannot run while BitLocker / Azure Disk Encryption "
                          "is turned on for a drive; decrypt the drives and run Sysprep again.")
        out.exit_code = 1
        return False
    if "/generalize" not in args:
        out.stdout.append("Sysprep finished without /generalize: the machine is not generalized.")
        return True
    if not (vm_state.get("panther_removed") or out.effects.get("panther_removed")):
        out.stdout.append("Warning: C:\\Windows\\Panther still holds a previous Sysprep state.")
    out.effects["sysprepped"] = True
    out.shutdown = "/shutdown" in args
    return True


def result_document(os_type: str, outcome: Outcome) -> dict[str, Any]:
    """The RunCommandResult body: one status for Linux, StdOut and StdErr statuses for Windows."""
    stdout, stderr = "\n".join(outcome.stdout), "\n".join(outcome.stderr)
    if os_type == "Windows":
        return {"value": [
            {"code": "ComponentStatus/StdOut/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded",
             "message": stdout},
            {"code": "ComponentStatus/StdErr/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded",
             "message": stderr},
        ]}
    head = ("Enable succeeded: " if outcome.exit_code == 0 else
            f"Enable failed: failed to execute command: command terminated with exit status={outcome.exit_code}")
    return {"value": [{"code": "ProvisioningState/succeeded", "level": "Info",
                       "displayStatus": "Provisioning succeeded",
                       "message": f"{head}\n[stdout]\n{stdout}\n[stderr]\n{stderr}\n"}]}
