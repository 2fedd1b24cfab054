"""Cloud Assistant's side of guest scripts: the command type, the content encoding, its limits.

Cloud Assistant reports each command's own exit code (`ExitCode`) and its output (`Output`,
Base64, cut at 24 KB with the size cut in `Dropped`), so no wrapper is needed. The type follows
the guest: RunShellScript on Linux, RunPowerShellScript on Windows, and RunBatScript for a Windows
script whose first line is `@echo off` (what a batch file starts with, and not valid PowerShell).
The generalization itself (Sysprep through Cloud Assistant, as Alibaba advises, with /quit so the
command reports its end; cloud-init's clean-up on Linux) is the guest's own, in core/guest.py.
"""
from __future__ import annotations

import base64
from collections.abc import Sequence

from ..core.guest import LINUX, WINDOWS
from ..core.validation import ScriptLimit

SHELL, POWERSHELL, BAT = "RunShellScript", "RunPowerShellScript", "RunBatScript"
# CommandContent: at most 18 KB once Base64-encoded (RunCommand / CreateCommand API reference; older pages said 16 KB)
CONTENT_MAX = 18 * 1024
TIMEOUT_RANGE = (10, 86400)  # RunCommand Timeout in seconds: at least 10, at most 24 hours
COMMAND_TIMEOUT = 3600  # what imageforge sends: Sysprep and long finalize scripts fit; the resource's deadline bounds it
OUTPUT_MAX = 24 * 1024  # Output is cut at 24 KB; Dropped says how much was cut


def command_type(os_type: str, lines: Sequence[str]) -> str:
    """RunShellScript on Linux; on Windows RunBatScript for a batch script, else RunPowerShellScript."""
    if os_type != WINDOWS:
        return SHELL
    first = next((str(line).strip() for line in lines if str(line).strip()), "")
    return BAT if first.lower() == "@echo off" else POWERSHELL


def content(lines: Sequence[str], os_type: str = LINUX) -> str:
    """The script as CommandContent with ContentEncoding=Base64 (CRLF line ends for a batch script)."""
    joiner = "\r\n" if command_type(os_type, lines) == BAT else "\n"
    return base64.b64encode(joiner.join(str(line) for line in lines).encode()).decode()


def content_size(script: str | Sequence[str]) -> int:
    """The Base64 size Cloud Assistant limits (the larger, CRLF, form: a script's type is known only with the VM)."""
    lines = script.splitlines() if isinstance(script, str) else [str(line) for line in script]
    return len(base64.b64encode("\r\n".join(lines).encode()))


SCRIPT_LIMIT = ScriptLimit(content_size, CONTENT_MAX, "is {size} bytes once Base64-encoded; Cloud Assistant's "
                           "CommandContent takes at most {limit} (18 KB)",
                           "split it into several finalize scripts, or fetch a larger script from OSS inside the guest.",
                           empty="Cloud Assistant runs no empty command")
