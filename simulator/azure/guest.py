"""What a Run Command script does inside a simulated Azure VM: its output, its exit status, its lasting effects.

Like the real Run Command, nothing here reports the exit status to the caller (see result_document):
a script's status exists only inside the guest, where a wrapper may print it. The interpreter
understands what the generalization procedure sends: subshells `( ... )` and `$?`, a PowerShell
here-string run through `powershell -File` and `$LASTEXITCODE`, `echo` / `Write-Output` /
`Write-Error`, `exit`, `cmd || exit $?`, one-line `if` tests of a file or a variable, the Azure agent
(`waagent -deprovision[+user]`), the Panther folder, Sysprep, and the registry's ImageState.
Anything else succeeds silently. The statements every shell shares (patterns, variables, quoting)
are the simulator's one guest interpreter's (core/guest.py); what is Azure's own is here: the
wrapper's subshell and child script, standard error apart from standard output, the Azure agent,
and Sysprep refused on an encrypted disk.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..core.guest import ASSIGN, COMPLETE, ECHO, EXIT, PANTHER, PS_IF, SEALED, SYSPREP, expand, number, unquote

RUN_SHELL = "RunShellScript"
RUN_POWERSHELL = "RunPowerShellScript"
COMMANDS = {RUN_SHELL: "Linux", RUN_POWERSHELL: "Windows"}
PROVISIONED = "/var/lib/waagent/provisioned"

_WAAGENT = re.compile(r"(?:^|[\s;/])waagent\s+(-deprovision(?:\+user)?)(.*)$")
_SH_IF = re.compile(r"^\s*if\s+\[\s+(!\s+)?-e\s+(\S+)\s+\];\s*then\s+(.*?);?\s*fi\s*$")
_HERE_START = re.compile(r"@'\s*$")
_CHILD = re.compile(r"^\s*&\s*powershell(?:\.exe)?\b.*-file\b", re.I)


@dataclass
class Outcome:
    exit_code: int = 0
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    effects: dict[str, Any] = field(default_factory=dict)  # guest state once the command ends
    shutdown: bool = False  # the guest shuts itself down during the command (Sysprep /shutdown): no result returns
    sysprep: bool = False  # Sysprep ran (it takes minutes)


@dataclass
class Shell:
    """One run of a script: the guest state it reads, what it prints and changes, its variables."""

    os_type: str
    state: dict[str, Any]
    encrypted: bool
    user: str
    fail_child: bool = False  # an injected failure: the first wrapped child script fails
    out: Outcome = field(default_factory=Outcome)
    vars: dict[str, str] = field(default_factory=dict)
    status: int = 0

    def guest(self, name: str) -> Any:
        return self.out.effects.get(name, self.state.get(name))

    def run(self, lines: list[str]) -> int | None:
        """Run lines in order; the exit status when an `exit` ended them, else None."""
        i = 0
        while i < len(lines):
            line = lines[i].strip()
            i += 1
            if not line or line.startswith("#"):
                continue
            if line == "(":  # a subshell: an exit inside ends only the subshell
                depth, j = 1, i
                while j < len(lines) and depth:
                    depth += {"(": 1, ")": -1}.get(lines[j].strip(), 0)
                    j += 1
                self.status = self.child(lines[i:j - 1])
                i = j
                continue
            if _HERE_START.search(line):  # a here-string: the body of the child script
                j = i
                while j < len(lines) and lines[j].strip() != "'@":
                    j += 1
                self.vars["@script"] = "\n".join(lines[i:j])
                i = j + 1
                continue
            code = self.statement(line)
            if code is not None:
                return code
        return None

    def child(self, lines: list[str]) -> int:
        if self.fail_child:
            self.fail_child = False
            self.out.stderr.append("simulated failure of the script")
            return 1
        inner = Shell(self.os_type, self.state, self.encrypted, self.user, out=self.out)
        code = inner.run(lines)
        return inner.status if code is None else code

    def statement(self, line: str) -> int | None:
        line = line.strip()
        if (m := EXIT.match(line)) is not None:
            return self.number(m.group(1)) if m.group(1) else self.status
        if " || exit" in line:
            command, _, rest = line.partition(" || ")
            code = self.statement(command)
            if code is not None:
                return code
            return self.statement(rest) if self.status != 0 else None
        if (m := _SH_IF.match(line)) is not None:
            exists = not (m.group(2) == PROVISIONED and self.guest("deprovisioned"))
            return self.block(m.group(3)) if exists != bool(m.group(1)) else None
        if (m := PS_IF.match(line)) is not None:
            value = self.expand(m.group(1))
            holds = (value == m.group(3)) == (m.group(2).lower() == "eq")
            return self.block(m.group(4) if holds else (m.group(5) or ""))
        if _CHILD.match(line):
            self.vars["LASTEXITCODE"] = str(self.child(self.vars.pop("@script", "").splitlines()))
            return None
        if (m := ASSIGN.match(line)) is not None:
            self.vars[m.group(1)] = self.evaluate(m.group(1), m.group(2))
            return None
        if (m := ECHO.match(line)) is not None:
            (self.out.stderr if m.group(1).lower() == "write-error" else self.out.stdout).append(
                self.expand(unquote(m.group(2))))
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

    def evaluate(self, name: str, expr: str) -> str:
        if "ImageState" in expr:
            return str(self.guest("image_state") or COMPLETE)
        if SYSPREP.search(expr):
            self.vars[f"{name}.ExitCode"] = str(self.command(expr))
            return "process"
        return self.expand(unquote(expr.strip()))

    def command(self, line: str) -> int:
        if self.os_type == "Linux" and (m := _WAAGENT.search(line)) is not None:
            return self.waagent(m.group(1), m.group(2))
        if self.os_type == "Windows" and PANTHER.search(line):
            self.out.effects["panther_removed"] = True
            return 0
        if self.os_type == "Windows" and (m := SYSPREP.search(line)) is not None:
            return self.sysprep(m.group(1).lower())
        return 0

    def waagent(self, mode: str, rest: str) -> int:
        if "-force" not in rest:
            self.out.stdout.append("WARNING! The waagent service will be stopped.")
            self.out.stderr.append("Do you want to proceed (y/n)EOFError: EOF when reading a line")
            return 1
        self.out.stdout += ["WARNING! The waagent service will be stopped.",
                            "WARNING! Cached DHCP leases will be deleted.",
                            "WARNING! root password will be disabled. You will not be able to login as root.",
                            "WARNING! /etc/resolv.conf will be deleted."]
        if mode == "-deprovision+user":
            self.out.stdout.append(f"WARNING! {self.user} account and entire home directory will be deleted.")
        self.out.effects["deprovisioned"] = mode.lstrip("-")
        return 0

    def sysprep(self, args: str) -> int:
        self.out.sysprep = True
        if self.encrypted:
            self.out.stderr.append("Sysprep_Generalize_Bitlocker: Sysprep cannot run while BitLocker / Azure Disk "
                                   "Encryption is turned on for a drive; decrypt the drives and run Sysprep again.")
            return 1
        if "/generalize" not in args:
            return 0
        if not (self.guest("panther_removed")):
            self.out.stdout.append("Warning: C:\\Windows\\Panther still holds a previous Sysprep state.")
        self.out.effects.update(sysprepped=True, image_state=SEALED)
        self.out.shutdown = self.out.shutdown or "/shutdown" in args
        return 0

    def expand(self, text: str) -> str:
        return expand(text, self.vars, self.status)

    def number(self, text: str) -> int:
        return number(text, self.vars, self.status)


def run(os_type: str, script: list[str], vm_state: dict[str, Any], encrypted: bool, user: str,
        fail: bool = False) -> Outcome:
    """Run a Run Command script in the guest; `fail` makes its first wrapped child script (or the whole) fail."""
    wrapped = any(s.strip() == "(" or _HERE_START.search(s) for s in script)
    shell = Shell(os_type, vm_state, encrypted, user, fail_child=fail and wrapped)
    if fail and not shell.fail_child:
        shell.out.stderr.append("simulated failure of the script")
        shell.out.exit_code = 1
        return shell.out
    code = shell.run(script)
    shell.out.exit_code = shell.status if code is None else code
    return shell.out


def result_document(os_type: str, outcome: Outcome) -> dict[str, Any]:
    """The RunCommandResult body: it never carries the exit status, and always says succeeded."""
    stdout, stderr = "\n".join(outcome.stdout), "\n".join(outcome.stderr)
    if os_type == "Windows":
        return {"value": [
            {"code": "ComponentStatus/StdOut/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded",
             "message": stdout},
            {"code": "ComponentStatus/StdErr/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded",
             "message": stderr},
        ]}
    return {"value": [{"code": "ProvisioningState/succeeded", "level": "Info",
                       "displayStatus": "Provisioning succeeded",
                       "message": f"Enable succeeded: \n[stdout]\n{stdout}\n[stderr]\n{stderr}\n"}]}
