"""Guest scripts for ECS Cloud Assistant, its limits, and how an invocation's result reads back.

Cloud Assistant reports each command's own exit code (`ExitCode`) and its output (`Output`,
Base64, cut at 24 KB with the size cut in `Dropped`), so no wrapper is needed. The type follows
the guest: RunShellScript on Linux, RunPowerShellScript on Windows, and RunBatScript for a Windows
script whose first line is `@echo off` (what a batch file starts with, and not valid PowerShell).

Generalization follows Alibaba's guidance of running Sysprep through Cloud Assistant, with one
change: Sysprep runs with /quit instead of /shutdown, because an instance that shuts down inside
the command never reports the command's end; the script then reads the guest's ImageState and
StopInstance stops the instance (the state /shutdown would leave). Linux cleans cloud-init's
state, the SSH host keys and the machine id. Each generalize script ends with the probe, so its
exit code is 0 only once the guest itself reports it is generalized.
"""
from __future__ import annotations

import base64
from collections.abc import Sequence

LINUX = "linux"
WINDOWS = "windows"
SHELL, POWERSHELL, BAT = "RunShellScript", "RunPowerShellScript", "RunBatScript"
# CommandContent: at most 18 KB once Base64-encoded (RunCommand / CreateCommand API reference; older pages said 16 KB)
CONTENT_MAX = 18 * 1024
TIMEOUT_RANGE = (10, 86400)  # RunCommand Timeout in seconds: at least 10, at most 24 hours
COMMAND_TIMEOUT = 3600  # what imageforge sends: Sysprep and long finalize scripts fit; the resource's deadline bounds it
OUTPUT_MAX = 24 * 1024  # Output is cut at 24 KB; Dropped says how much was cut
NOT_GENERALIZED = 3  # the probe's exit code when the guest is not generalized
IMAGE_STATE_KEY = r"HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Setup\State"
SEALED = "IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE"
SYSPREP = r"$env:windir\System32\Sysprep\Sysprep.exe"
SYSPREP_ARGS = ("/generalize", "/oobe", "/quiet", "/quit")
SYSPREP_LOG = r"C:\Windows\System32\Sysprep\Panther\setuperr.log"
PANTHER = r"C:\Windows\Panther"
MACHINE_ID = "/etc/machine-id"


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
        'echo "machine-id=empty"',
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
        "cloud-init clean --logs --seed || exit $?",
        "rm -f /etc/ssh/ssh_host_*",
        f"truncate -s 0 {MACHINE_ID}",
        "rm -f /var/lib/dbus/machine-id",
        "rm -f /root/.bash_history",
        "sync",
        *probe(LINUX),
    ]


def guest_script(step: str, os_type: str) -> list[str]:
    if step == "generalize":
        return generalize(os_type)
    if step == "probe":
        return probe(os_type)
    raise ValueError(f"no guest step {step!r}: use 'generalize' or 'probe'")


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


def decode_output(raw: object) -> str:
    """Output as DescribeInvocationResults returns it by default: Base64 text."""
    if not raw:
        return ""
    try:
        return base64.b64decode(str(raw), validate=False).decode("utf-8", errors="replace")
    except ValueError:
        return str(raw)


def tail(text: str, lines: int = 20) -> str:
    """The last lines of a command's output, for outputs and error messages."""
    kept = [line for line in text.splitlines() if line.strip()]
    return "\n".join(kept[-lines:])
