"""The guest-side generalization commands, run through Run Command (RunShellScript / RunPowerShellScript).

From the procedure in "Generalize a VM before creating an image": Linux deprovisions with the
Azure agent; Windows removes the Panther folder, then starts Sysprep with OOBE, Generalize and
Shutdown, so the VM stops itself when Sysprep is done.
"""
from __future__ import annotations

from collections.abc import Sequence

LINUX = "linux"
WINDOWS = "windows"
COMMAND_ID = {LINUX: "RunShellScript", WINDOWS: "RunPowerShellScript"}
SYSPREP_ARGS = ("/generalize", "/oobe", "/shutdown", "/mode:vm")
PANTHER = r"C:\Windows\Panther"


def deprovision_linux(keep_user: bool = False) -> list[str]:
    """`-deprovision+user` also deletes the last provisioned account; `-deprovision` keeps it."""
    mode = "-deprovision" if keep_user else "-deprovision+user"
    return [f"sudo waagent {mode} -force"]


def sysprep_windows() -> list[str]:
    """Panther first (a stale Sysprep state makes it fail), then Sysprep started without waiting:
    it shuts the VM down, which would cut a Run Command that waited for it."""
    args = ",".join(f"'{a}'" for a in SYSPREP_ARGS)
    return [
        "$ErrorActionPreference = 'Stop'",
        f"Remove-Item -Path '{PANTHER}' -Recurse -Force -ErrorAction SilentlyContinue",
        f"Start-Process -FilePath \"$env:windir\\System32\\Sysprep\\Sysprep.exe\" -ArgumentList {args}",
    ]


def generalize_script(os_type: str, keep_user: bool = False) -> list[str]:
    return sysprep_windows() if os_type == WINDOWS else deprovision_linux(keep_user)


def as_lines(script: str | Sequence[str]) -> list[str]:
    """A finalize script given as one text block or as a list of lines."""
    if isinstance(script, str):
        return [line for line in script.splitlines() if line.strip()]
    return [str(line) for line in script]


def tail(text: str, lines: int = 20) -> str:
    """The last lines of a script's output, for outputs and error messages."""
    kept = [line for line in text.splitlines() if line.strip()]
    return "\n".join(kept[-lines:])
