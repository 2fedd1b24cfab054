"""The guest's own generalization, the same whichever cloud's agent carries it, and a probe that reads its result.

Every generalize script ends with the probe, so its exit code is 0 only once the guest itself
reports it is generalized, and a guest that is already generalized is recognised before
anything runs again.
- Windows: the Panther folder removed, then Sysprep `/oobe /generalize /quiet /quit /mode:vm`,
  then the registry's ImageState must read IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE. `/quit`, not
  `/shutdown`: a guest that powers off inside a command takes its agent with it and the command
  never reports its end; the adapter stops the VM through the cloud's API once the guest confirmed.
- Linux: cloud-init's state and logs cleaned (it runs again on the first boot of every VM made from
  the image), the SSH host keys removed (cloud-init makes new ones), /etc/machine-id emptied
  (systemd makes a new one at boot) and root's shell history removed. No account is removed. The
  probe reads the machine id and the host keys.
A cloud whose own agent has a deprovisioning command (the Azure agent) composes its Linux lines
itself and shares the Windows ones.
"""
from __future__ import annotations

import base64
from collections.abc import Sequence

LINUX = "linux"
WINDOWS = "windows"
NOT_GENERALIZED = 3  # the probe's exit code when the guest is not generalized
PANTHER = r"C:\Windows\Panther"
SYSPREP = r"$env:windir\System32\Sysprep\Sysprep.exe"
SYSPREP_ARGS = ("/oobe", "/generalize", "/quiet", "/quit", "/mode:vm")
SYSPREP_LOG = r"C:\Windows\System32\Sysprep\Panther\setuperr.log"
IMAGE_STATE_KEY = r"HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Setup\State"
SEALED = "IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE"
MACHINE_ID = "/etc/machine-id"
HOST_KEYS = "/etc/ssh/ssh_host_*_key"
STEPS = ("generalize", "probe")


def image_state_probe() -> list[str]:
    """Windows: exit 0 when ImageState says the guest is sealed for OOBE, else 3."""
    return [
        f"$state = (Get-ItemProperty -Path '{IMAGE_STATE_KEY}' -Name ImageState).ImageState",
        'Write-Output "ImageState=$state"',
        f"if ($state -eq '{SEALED}') {{ exit 0 }} else {{ exit {NOT_GENERALIZED} }}",
    ]


def sysprep(report: str = "Write-Output") -> list[str]:
    """Windows: Sysprep with /quit; a failure names its log (`report` is the cmdlet that prints it)."""
    args = ",".join(f"'{a}'" for a in SYSPREP_ARGS)
    return [
        "$ErrorActionPreference = 'Stop'",
        f"Remove-Item -Path '{PANTHER}' -Recurse -Force -ErrorAction SilentlyContinue",
        f'$sysprep = Start-Process -FilePath "{SYSPREP}" -ArgumentList {args} -Wait -PassThru',
        f'if ($sysprep.ExitCode -ne 0) {{ {report} "Sysprep exited $($sysprep.ExitCode): read {SYSPREP_LOG}"; '
        "exit $sysprep.ExitCode }",
    ]


def cloud_init_probe() -> list[str]:
    """Linux: exit 0 when the machine id is empty and no SSH host key is left, else 3."""
    return [
        f'if [ -s {MACHINE_ID} ]; then echo "machine-id=set"; exit {NOT_GENERALIZED}; fi',
        f'if ls {HOST_KEYS} >/dev/null 2>&1; then echo "ssh-host-keys=present"; exit {NOT_GENERALIZED}; fi',
        'echo "machine-id=empty ssh-host-keys=none"',
    ]


def cloud_init_clean() -> list[str]:
    """Linux: what makes the next boot a first boot."""
    return [
        "if command -v cloud-init >/dev/null 2>&1; then cloud-init clean --logs || exit $?; fi",
        "rm -f /etc/ssh/ssh_host_* || exit $?",
        f"truncate -s 0 {MACHINE_ID} || exit $?",
        "rm -f /var/lib/dbus/machine-id /root/.bash_history",
        "sync",
    ]


def probe(os_type: str) -> list[str]:
    """Lines that exit 0 when the guest reports it is generalized, 3 when it does not."""
    return image_state_probe() if os_type == WINDOWS else cloud_init_probe()


def generalize(os_type: str) -> list[str]:
    """The guest's own generalization, ending with the probe."""
    if os_type == WINDOWS:
        return [*sysprep(), *image_state_probe()]
    return [*cloud_init_clean(), *cloud_init_probe()]


def guest_script(step: str, os_type: str) -> list[str]:
    if step == "generalize":
        return generalize(os_type)
    if step == "probe":
        return probe(os_type)
    raise ValueError(f"no guest step {step!r}: use 'generalize' or 'probe'")


def as_lines(script: str | Sequence[str]) -> list[str]:
    """A finalize script given as one text block or as a list of lines."""
    if isinstance(script, str):
        return [line for line in script.splitlines() if line.strip()]
    return [str(line) for line in script]


def decode_base64(raw: object) -> str:
    """A command's output as agents return it: Base64 text (given back as is when it is not Base64)."""
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
