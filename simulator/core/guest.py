"""What a command does inside a simulated guest, whichever agent carries it: output, exit code, duration, effects.

The guest's state (GuestState) is what the generalization reads and changes: the Windows
registry's ImageState, /etc/machine-id, the SSH host keys, cloud-init's state, the Panther folder.
Each cloud's agent model (Cloud Assistant, TAT, COC...) decides how the outcome reports: its
statuses, its output limits, what happens past a Timeout.

Marker lines a script may carry (comments to a real shell: `#`, `REM` or `::`; documented for tests
and the demo):
  `# sim: fail <code> [message]`  the script prints the message and exits <code> at that line
  `# sim: takes <seconds>`        the command runs that long (default: 2 s plus 0.5 s per line,
                                  cloud-init clean 3 s and Sysprep 300 s more)
The interpreter understands what the generalization sends and plain scripts: echo / Write-Output /
Write-Host / Write-Error, `exit N` / `exit /b N` / `exit $?` / `exit $var.ExitCode`, `cmd || exit $?`,
one-line sh `if [ -s FILE ]` / `[ -e FILE ]` / `[ ! ... ]`, `if ls GLOB ...`, `if command -v NAME ...`
tests, one-line PowerShell `if ($v -eq 'x') { ... } else { ... }`, `$v = ...`, `cloud-init clean`,
removing the SSH host keys, emptying /etc/machine-id, removing the Panther folder, Sysprep through
Start-Process (`/quit` leaves the guest running; `/shutdown` powers it off, and the command never
reports its end), and `shutdown` / `poweroff` / `Stop-Computer`. `false` fails; anything else
succeeds silently.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

COMPLETE = "IMAGE_STATE_COMPLETE"
SEALED = "IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE"
BASE_SECONDS, LINE_SECONDS, SYSPREP_SECONDS = 2.0, 0.5, 300.0

_REMARK = r"^(?:#|rem\b|::)\s*"
_MARK_FAIL = re.compile(_REMARK + r"sim:\s*fail\s+(-?\d+)\s*(.*)$", re.I)
_MARK_TAKES = re.compile(_REMARK + r"sim:\s*takes\s+(\d+(?:\.\d+)?)\s*$", re.I)
_COMMENT = re.compile(r"^(?:#|rem\b|::|@echo\s+off\s*$)", re.I)
EXIT = re.compile(r"^exit(?:\s+/b)?(?:\s+(\S+))?\s*$", re.I)
PANTHER = re.compile(r"(remove-item|rmdir|rd|del)\b.*\\windows\\panther", re.I)
_MACHINE_ID = re.compile(r"^(truncate\s+-s\s*0|:\s*>|cat\s+/dev/null\s*>|>)\s*/etc/machine-id")
ECHO = re.compile(r"^(echo|write-output|write-host|write-error)\s+(.*)$", re.I)
ASSIGN = re.compile(r"^\$(\w+)\s*=\s*(.*)$")
_SH_IF = re.compile(r"^if\s+(.+?);\s*then\s+(.*?);?\s*fi$")
PS_IF = re.compile(r"^if\s*\(\s*(\$[\w.]+)\s+-(eq|ne)\s+'?([^')]*)'?\s*\)\s*\{(.*?)\}"
                   r"\s*(?:else\s*\{(.*?)\})?\s*$", re.I)
SYSPREP = re.compile(r"sysprep\.exe['\"]?\s*(.*)$", re.I)
_SHUTDOWN = re.compile(r"^(shutdown|poweroff|halt|stop-computer)\b", re.I)
VAR = re.compile(r"\$\(?\$?([\w?]+(?:\.\w+)?)\)?")


@dataclass(frozen=True)
class GuestState:
    """The guest as the scripts see it; `family` is linux or windows."""

    family: str = "linux"
    image_state: str = COMPLETE
    machine_id: str = "set"
    host_keys: bool = True
    cloud_init: str = "ran"
    panther_removed: bool = False

    @classmethod
    def from_record(cls, r: dict[str, Any]) -> "GuestState":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in r.items() if k in names})

    def record(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def generalized(self) -> bool:
        if self.family == "windows":
            return self.image_state == SEALED
        return not self.machine_id and not self.host_keys



@dataclass
class GuestRecord:
    """A guest as stored: its state as of `base`, plus changes that take effect at their time (when their
    command ends), so a guest read while a command runs is the guest before it."""

    base: GuestState
    changes: list[tuple[float, dict[str, Any]]] = field(default_factory=list)

    @classmethod
    def from_record(cls, found: Mapping[str, Any] | None, family: str) -> "GuestRecord":
        """The stored guest, or a fresh one of that OS family when none is stored yet."""
        if found is None:
            return cls(GuestState(family=family))
        return cls(GuestState.from_record(found["base"]), [(float(w), dict(e)) for w, e in found["changes"]])

    def record(self) -> dict[str, Any]:
        return {"base": self.base.record(), "changes": [[w, e] for w, e in self.changes]}

    def at(self, now: float) -> GuestState:
        state = self.base.record()
        for when, effects in sorted(self.changes, key=lambda c: c[0]):
            if when <= now:
                state.update(effects)
        return GuestState.from_record(state)

@dataclass
class Outcome:
    exit_code: int = 0
    output: list[str] = field(default_factory=list)
    effects: dict[str, Any] = field(default_factory=dict)
    seconds: float | None = None  # set by `# sim: takes`
    extra: float = 0.0  # what long steps (Sysprep) add
    shutdown: bool = False  # the guest powered itself off during the command


@dataclass
class Shell:
    state: GuestState
    out: Outcome = field(default_factory=Outcome)
    vars: dict[str, str] = field(default_factory=dict)
    status: int = 0

    def guest(self, name: str) -> Any:
        return self.out.effects.get(name, getattr(self.state, name))

    def run(self, lines: list[str]) -> int:
        for raw in lines:
            code = self.statement(raw.strip())
            if code is not None:
                return code
            if self.out.shutdown:
                return 0
        return self.status

    def statement(self, line: str) -> int | None:
        if not line:
            return None
        if (m := _MARK_FAIL.match(line)) is not None:
            if m.group(2):
                self.out.output.append(m.group(2))
            return int(m.group(1))
        if (m := _MARK_TAKES.match(line)) is not None:
            self.out.seconds = float(m.group(1))
            return None
        if _COMMENT.match(line):
            return None
        if (m := EXIT.match(line)) is not None:
            return self.number(m.group(1)) if m.group(1) else self.status
        if (m := _SH_IF.match(line)) is not None:
            return self.block(m.group(2), ";") if self.test(m.group(1)) else None
        if (m := PS_IF.match(line)) is not None:
            holds = (self.expand(m.group(1)) == m.group(3)) == (m.group(2).lower() == "eq")
            return self.block(m.group(4) if holds else (m.group(5) or ""), ";")
        if " || " in line:
            command, _, rest = line.partition(" || ")
            code = self.statement(command.strip())
            if code is not None:
                return code
            return self.statement(rest.strip()) if self.status != 0 else None
        if (m := ASSIGN.match(line)) is not None:
            self.vars[m.group(1)] = self.evaluate(m.group(1), m.group(2))
            return None
        if (m := ECHO.match(line)) is not None:
            self.out.output.append(self.expand(unquote(m.group(2))))
            self.status = 0
            return None
        self.status = self.command(line)
        return None

    def block(self, text: str, sep: str) -> int | None:
        for part in (p.strip() for p in text.split(sep)):
            code = self.statement(part)
            if code is not None:
                return code
        return None

    def test(self, condition: str) -> bool:
        """The sh tests the scripts use: a file's size, a glob's matches, a command's presence."""
        condition = condition.strip()
        if (m := re.match(r"^\[\s+(!\s+)?-([se])\s+(\S+)\s+\]$", condition)) is not None:
            return self.file_test(m.group(2), m.group(3)) != bool(m.group(1))
        if condition.startswith("ls "):
            return "ssh_host_" in condition and bool(self.guest("host_keys"))
        if condition.startswith("command -v "):
            return self.state.family == "linux" and "cloud-init" in condition
        return False

    def file_test(self, flag: str, path: str) -> bool:
        """`-s` (not empty) and `-e` (exists) of the files the generalization touches."""
        if path == "/etc/machine-id":
            return bool(self.guest("machine_id")) or flag == "e"
        if path.startswith("/etc/ssh/ssh_host_"):
            return bool(self.guest("host_keys"))
        return False

    def evaluate(self, name: str, expr: str) -> str:
        if "ImageState" in expr:
            return str(self.guest("image_state"))
        if SYSPREP.search(expr):
            self.vars[f"{name}.ExitCode"] = str(self.command(expr))
            return "process"
        return self.expand(unquote(expr.strip()))

    def command(self, line: str) -> int:
        windows = self.state.family == "windows"
        lower = line.lower()
        if lower in ("false", "/bin/false"):
            return 1
        if _SHUTDOWN.match(line) or (windows and "stop-computer" in lower):
            self.out.shutdown = True
            return 0
        if windows and (m := SYSPREP.search(line)) is not None:
            return self.sysprep(m.group(1).lower())
        if windows and PANTHER.search(line):
            self.out.effects["panther_removed"] = True
        elif not windows and lower.startswith("cloud-init clean"):
            self.out.effects["cloud_init"] = "clean"
            self.out.extra += 3.0
        elif not windows and lower.startswith("rm ") and "/etc/ssh/ssh_host_" in lower:
            self.out.effects["host_keys"] = False
        elif not windows and _MACHINE_ID.match(lower):
            self.out.effects["machine_id"] = ""
        elif not windows and "sysprep.exe" in lower:
            self.out.output.append(f"sh: {line.split()[0]}: command not found")
            return 127
        return 0

    def sysprep(self, args: str) -> int:
        self.out.extra += SYSPREP_SECONDS
        if "/generalize" in args:
            if not self.guest("panther_removed"):
                self.out.output.append("Warning: C:\\Windows\\Panther still holds a previous Sysprep state.")
            self.out.effects["image_state"] = SEALED
        self.out.shutdown = self.out.shutdown or "/shutdown" in args
        return 0

    def expand(self, text: str) -> str:
        return expand(text, self.vars, self.status)

    def number(self, text: str) -> int:
        return number(text, self.vars, self.status)


def expand(text: str, variables: dict[str, str], status: int) -> str:
    """`$name`, `$(name.Field)` and `$?` replaced by their values; unknown variables stay as written."""
    def value(m: re.Match[str]) -> str:
        name = m.group(1)
        return str(status) if name == "?" else variables.get(name, m.group(0))

    return VAR.sub(value, text)


def number(text: str, variables: dict[str, str], status: int) -> int:
    """An exit code as a script writes it (`exit $?`, `exit $p.ExitCode`); 1 when it is not a number."""
    try:
        return int(expand(text, variables, status))
    except ValueError:
        return 1


def unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def run(state: GuestState, lines: list[str], fail: bool = False) -> Outcome:
    """Run a script in the guest; `fail` (an injected fault) makes it exit 1 before its first line."""
    shell = Shell(state)
    if fail:
        shell.out.output.append("simulated failure of the script")
        shell.out.exit_code = 1
    else:
        shell.out.exit_code = shell.run(lines)
    if shell.out.seconds is None:
        shell.out.seconds = BASE_SECONDS + LINE_SECONDS * len([x for x in lines if x.strip()]) + shell.out.extra
    return shell.out
