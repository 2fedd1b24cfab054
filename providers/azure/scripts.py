"""Guest scripts for Run Command (RunShellScript / RunPowerShellScript) and the exit marker that makes them checkable.

Azure's action Run Command reports no exit code: a script that fails still ends "succeeded"
(Linux: "Enable succeeded" with [stdout] / [stderr]; Windows: StdOut / StdErr statuses). So every
script imageforge sends runs inside a wrapper that prints `IMAGEFORGE_EXIT_CODE=<n>` as its last
line of standard output, and the result is read from that marker; no marker means the script
did not finish.

The procedure follows "Generalize a VM before creating an image": Linux deprovisions with the
Azure agent (`waagent -deprovision+user -force`); Windows runs the guest's own Sysprep and
ImageState probe (core/guest.py), printing a Sysprep failure on standard error. Each generalize
script ends with the probe, so its exit code is 0 only once the guest itself reports it is
generalized.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..core.guest import LINUX, NOT_GENERALIZED, WINDOWS, image_state_probe, sysprep, tail
from ..core.model import CommandResult

COMMAND_ID = {LINUX: "RunShellScript", WINDOWS: "RunPowerShellScript"}
MARKER = "IMAGEFORGE_EXIT_CODE"
NO_MARKER = -1  # the script ended without printing the marker (killed, or its output was cut)
PROVISIONED = "/var/lib/waagent/provisioned"  # the agent's provisioning marker; deprovisioning removes /var/lib/waagent
HERE_END = "'@"
_MARKER_LINE = re.compile(rf"^{MARKER}=(-?\d+)\s*$", re.M)


def probe(os_type: str) -> list[str]:
    """Lines that exit 0 when the guest reports it is generalized, 3 when it does not."""
    if os_type == WINDOWS:
        return image_state_probe()
    return [
        f'if [ -e {PROVISIONED} ]; then echo "waagent=provisioned"; exit {NOT_GENERALIZED}; fi',
        'echo "waagent=deprovisioned"',
    ]


def generalize(os_type: str, keep_user: bool = False) -> list[str]:
    """The guest's own generalization, ending with the probe."""
    if os_type == WINDOWS:
        return [*sysprep(report="Write-Error"), *probe(WINDOWS)]
    mode = "-deprovision" if keep_user else "-deprovision+user"  # +user also deletes the last provisioned account
    return [f"sudo waagent {mode} -force || exit $?", *probe(LINUX)]


def guest_script(step: str, os_type: str, keep_user: bool) -> list[str]:
    if step == "generalize":
        return generalize(os_type, keep_user)
    if step == "probe":
        return probe(os_type)
    raise ValueError(f"no guest step {step!r}: use 'generalize' or 'probe'")


def wrapped(os_type: str, lines: Sequence[str]) -> list[str]:
    """The script as sent: the user's lines run as a child, then the marker with their exit code.

    Linux runs them in a subshell (an `exit` ends only the subshell); Windows writes them to a
    file and runs a child PowerShell with -File, whose exit code is its $LASTEXITCODE.
    """
    body = [str(line) for line in lines]
    if os_type == WINDOWS:
        return [
            "$imageforgeStep = Join-Path $env:TEMP ('imageforge-' + [guid]::NewGuid().ToString() + '.ps1')",
            "Set-Content -Path $imageforgeStep -Encoding UTF8 -Value @'",
            *body,
            HERE_END,
            "& powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File $imageforgeStep",
            "$imageforgeCode = $LASTEXITCODE",
            "Remove-Item -Path $imageforgeStep -Force -ErrorAction SilentlyContinue",
            f'Write-Output "{MARKER}=$imageforgeCode"',
        ]
    return ["(", *body, ")", f'echo "{MARKER}=$?"']


def result(os_type: str, output: Mapping[str, Any] | None) -> CommandResult:
    """A Run Command result read through the marker: Linux has one message, Windows StdOut and StdErr statuses."""
    values = list((output or {}).get("value") or [])
    if os_type == WINDOWS:
        stdout = "\n".join(str(v.get("message") or "") for v in values if "/stdout/" in str(v.get("code", "")).lower())
        stderr = "\n".join(str(v.get("message") or "") for v in values if "/stderr/" in str(v.get("code", "")).lower())
    else:
        message = "\n".join(str(v.get("message") or "") for v in values)
        _, _, rest = message.partition("[stdout]")
        stdout, _, stderr = rest.partition("[stderr]")
    found = _MARKER_LINE.findall(stdout)
    code = int(found[-1]) if found else NO_MARKER
    if not found:
        stderr = (stderr.rstrip() + "\n" if stderr.strip() else "") + "(the script ended without its exit marker)"
    return CommandResult(code, tail(_MARKER_LINE.sub("", stdout)), tail(stderr))
