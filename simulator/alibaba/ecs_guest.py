"""What a Cloud Assistant command does inside a simulated ECS instance: output, exit code, time and lasting effects.

A small interpreter for the lines imageforge and its users send: `echo` / `Write-Output` /
`Write-Host` / `Write-Error`, `exit N` (`exit /b N` in batch), `cmd || exit $?`, one-line
`if [ -s FILE ]; then ...; fi` and PowerShell `if ($x -eq 'v') { ... } else { ... }`, variables,
cloud-init clean, the SSH host keys, /etc/machine-id, the Panther folder, Sysprep and the
registry's ImageState. Anything else succeeds silently in a second.

Markers a script can carry to steer the simulation (a comment in every shell: `#`, `REM`, `::`):
- `# imageforge-sim: exit N`   the script prints "imageforge-sim: exit N" and exits N there;
- `# imageforge-sim: seconds N` the script takes N more seconds of simulated time.
Sysprep with /generalize seals the guest (ImageState IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE); with
/shutdown the guest then shuts itself down and the command never reports its end.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

COMPLETE = "IMAGE_STATE_COMPLETE"
SEALED = "IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE"
FRESH_GUEST: dict[str, Any] = {"machine_id": "set", "host_keys": True, "cloud_init": "used", "image_state": COMPLETE,
                               "panther_removed": False}
STEP_SECONDS = 1.0
SYSPREP_SECONDS = 240.0
CLOUD_INIT_SECONDS = 5.0

_MARKER = re.compile(r"^\s*(?:#|rem\b|::)\s*imageforge-sim:\s*(exit|seconds)\s+(-?\d+)\s*$", re.I)
_COMMENT = re.compile(r"^\s*(?:#|rem\b|::|@echo\s+off\s*$)", re.I)
_EXIT = re.compile(r"^\s*exit(?:\s+/b)?(?:\s+(\S+))?\s*$", re.I)
_ECHO = re.compile(r"^\s*(echo|write-output|write-host|write-error)\s+(.*)$", re.I)
_ASSIGN = re.compile(r"^\s*\$(\w+)\s*=\s*(.*)$")
_SH_IF = re.compile(r"^\s*if\s+\[\s+(!\s+)?-([se])\s+(\S+)\s+\];\s*then\s+(.*?);?\s*fi\s*$")
_PS_IF = re.compile(r"^\s*if\s*\(\s*(\$[\w.]+)\s+-(eq|ne)\s+'?([^')]*)'?\s*\)\s*\{(.*?)\}\s*(?:else\s*\{(.*?)\})?\s*$",
                    re.I)
_SYSPREP = re.compile(r"sysprep\.exe['\"]?\s*(.*)$", re.I)
_PANTHER = re.compile(r"(remove-item|rmdir|rd|del)\b.*\\windows\\panther", re.I)
_VAR = re.compile(r"\$\(?\$?([\w?]+(?:\.\w+)?)\)?")


@dataclass
class Outcome:
    exit_code: int = 0
    output: list[str] = field(default_factory=list)
    effects: dict[str, Any] = field(default_factory=dict)
    seconds: float = STEP_SECONDS
    shutdown: bool = False  # Sysprep /shutdown: the guest powers off and the command never reports


@dataclass
class Shell:
    """One run of a script over the guest state it reads; what it prints and changes."""

    windows: bool
    state: dict[str, Any]
    out: Outcome = field(default_factory=Outcome)
    vars: dict[str, str] = field(default_factory=dict)
    status: int = 0

    def guest(self, name: str) -> Any:
        return self.out.effects.get(name, self.state.get(name, FRESH_GUEST.get(name)))

    def run(self, lines: list[str]) -> int:
        for line in lines:
            code = self.statement(line)
            if code is not None or self.out.shutdown:
                return self.status if code is None else code
        return self.status

    def statement(self, line: str) -> int | None:
        if (m := _MARKER.match(line)) is not None:
            if m.group(1).lower() == "seconds":
                self.out.seconds += max(0, int(m.group(2)))
                return None
            self.out.output.append(f"imageforge-sim: exit {m.group(2)}")
            return int(m.group(2))
        if not line.strip() or _COMMENT.match(line):
            return None
        if (m := _EXIT.match(line)) is not None:
            return self.number(m.group(1)) if m.group(1) else self.status
        if " || exit" in line:
            command, _, rest = line.partition(" || ")
            code = self.statement(command)
            if code is not None:
                return code
            return self.statement(rest) if self.status != 0 else None
        if (m := _SH_IF.match(line)) is not None:
            holds = self.file_test(m.group(2), m.group(3)) != bool(m.group(1))
            return self.block(m.group(4)) if holds else None
        if (m := _PS_IF.match(line)) is not None:
            holds = (self.expand(m.group(1)) == m.group(3)) == (m.group(2).lower() == "eq")
            return self.block(m.group(4) if holds else (m.group(5) or ""))
        if (m := _ASSIGN.match(line)) is not None:
            self.vars[m.group(1)] = self.evaluate(m.group(1), m.group(2))
            return None
        if (m := _ECHO.match(line)) is not None:
            self.out.output.append(self.expand(_unquote(m.group(2))))
            self.status = 0
            return None
        self.status = self.command(line)
        return None

    def block(self, text: str) -> int | None:
        for part in (p for p in text.split(";") if p.strip()):
            code = self.statement(part.strip())
            if code is not None:
                return code
        return None

    def file_test(self, flag: str, path: str) -> bool:
        """`-s` (non-empty) and `-e` (exists) of the files generalization touches."""
        if path == "/etc/machine-id":
            return bool(self.guest("machine_id")) or flag == "e"
        if path.startswith("/etc/ssh/ssh_host_"):
            return bool(self.guest("host_keys"))
        return False

    def evaluate(self, name: str, expr: str) -> str:
        if "ImageState" in expr:
            return str(self.guest("image_state"))
        if _SYSPREP.search(expr):
            self.vars[f"{name}.ExitCode"] = str(self.command(expr))
            return "process"
        return self.expand(_unquote(expr.strip()))

    def command(self, line: str) -> int:
        text = line.strip()
        if not self.windows:
            if text.startswith("cloud-init clean"):
                self.out.effects["cloud_init"] = "clean"
                self.out.seconds += CLOUD_INIT_SECONDS
            elif re.match(r"rm\s+-f\s+/etc/ssh/ssh_host_\*", text):
                self.out.effects["host_keys"] = False
            elif re.match(r"(truncate\s+-s\s*0|:\s*>|cat\s+/dev/null\s*>)\s*/etc/machine-id", text):
                self.out.effects["machine_id"] = ""
            return 0
        if _PANTHER.search(text):
            self.out.effects["panther_removed"] = True
            return 0
        if (m := _SYSPREP.search(text)) is not None:
            return self.sysprep(m.group(1).lower())
        return 0

    def sysprep(self, args: str) -> int:
        self.out.seconds += SYSPREP_SECONDS
        if "/generalize" not in args:
            return 0
        if not self.guest("panther_removed"):
            self.out.output.append("Warning: C:\\Windows\\Panther still holds a previous Sysprep state.")
        self.out.effects["image_state"] = SEALED
        self.out.shutdown = "/shutdown" in args
        return 0

    def expand(self, text: str) -> str:
        def value(m: re.Match[str]) -> str:
            name = m.group(1)
            return str(self.status) if name == "?" else self.vars.get(name, m.group(0))

        return _VAR.sub(value, text)

    def number(self, text: str) -> int:
        try:
            return int(self.expand(text))
        except ValueError:
            return 1


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def run(windows: bool, script: str, guest: dict[str, Any], fail: bool = False) -> Outcome:
    """Run one command's text in the guest; `fail` (an injected fault) makes it exit 1 before it changes anything."""
    shell = Shell(windows, dict(guest))
    if fail:
        shell.out.output.append("simulated failure of the script")
        shell.out.exit_code = 1
        return shell.out
    shell.out.exit_code = shell.run(script.replace("\r\n", "\n").split("\n"))
    return shell.out
