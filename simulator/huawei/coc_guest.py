"""What the guest's shell makes of a COC script file before the shared interpreter (simulator/core/guest.py) runs it.

COC saves the script as a .sh (SHELL) or .bat (BAT) file and runs it through the UniAgent. Two
shell features carry a script's exit code back, since COC reports none, and are modelled here:
- sh: `trap '<command>' EXIT` runs <command> when the script exits, with `$?` its exit status;
- cmd: `powershell ... -EncodedCommand <Base64 of UTF-16LE>` runs those PowerShell lines and sets
  %ERRORLEVEL% to their exit code; `set NAME=%ERRORLEVEL%`, `echo` with %NAME% and `exit /b %NAME%`.
Every other line goes to the shared interpreter unchanged.
"""
from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable

from ..core import guest

_TRAP = re.compile(r"""^trap\s+(['"])(.*)\1\s+EXIT\s*$""")
_ENCODED = re.compile(r"^powershell(?:\.exe)?\b.*-EncodedCommand\s+(\S+)\s*$", re.I)
_SET = re.compile(r"^set\s+(\w+)=(.*)$", re.I)
_ECHO = re.compile(r"^echo\s+(.*)$", re.I)
_EXIT = re.compile(r"^exit\s+/b\s+(\S+)\s*$", re.I)


def run(state: guest.GuestState, script_type: str, text: str, fail: bool = False) -> guest.Outcome:
    lines = [line for line in text.splitlines() if line.strip()]
    if script_type == "BAT":
        return _batch(state, lines, fail)
    trap = _TRAP.match(lines[0].strip()) if lines else None
    outcome = guest.run(state, lines[1:] if trap else lines, fail=fail)
    if trap is not None and not outcome.shutdown:
        command = trap.group(2).strip()
        echoed = re.match(r"""^echo\s+(["']?)(.*)\1$""", command)
        if echoed:
            outcome.output.append(echoed.group(2).replace("$?", str(outcome.exit_code)))
    return outcome


def _batch(state: guest.GuestState, lines: list[str], fail: bool) -> guest.Outcome:
    """cmd: the encoded PowerShell runs in the guest; the cmd lines around it set and print its exit code."""
    result = guest.Outcome()
    errorlevel, variables, plain = 0, dict[str, str](), list[str]()
    seconds = 0.0
    for raw in lines:
        line = raw.strip()
        if line.lower() == "@echo off":
            continue
        if (m := _ENCODED.match(line)) is not None:
            try:
                inner = base64.b64decode(m.group(1), validate=True).decode("utf-16-le").splitlines()
            except (binascii.Error, ValueError):
                result.output.append("The command line is too long or not valid Base64.")
                result.exit_code = 1
                return result
            outcome = guest.run(state, inner, fail=fail)
            fail = False
            result.output += outcome.output
            result.effects.update(outcome.effects)
            seconds += float(outcome.seconds or 0.0)
            errorlevel = outcome.exit_code
            if outcome.shutdown:
                result.shutdown, result.seconds = True, seconds
                return result
            continue
        expand = _expander(errorlevel, variables)
        if (m := _SET.match(line)) is not None:
            variables[m.group(1).lower()] = expand(m.group(2))
        elif (m := _ECHO.match(line)) is not None:
            result.output.append(expand(m.group(1)))
        elif (m := _EXIT.match(line)) is not None:
            value = expand(m.group(1))
            result.exit_code = int(value) if value.lstrip("-").isdigit() else 1
            result.seconds = seconds or None
            return result
        else:
            plain.append(line)
    if plain:  # a plain batch file: the shared interpreter understands echo, REM and exit /b
        outcome = guest.run(state, plain, fail=fail)
        outcome.output = result.output + outcome.output
        return outcome
    result.exit_code = errorlevel
    result.seconds = seconds or None
    return result


def _expander(errorlevel: int, variables: dict[str, str]) -> Callable[[str], str]:
    def expand(text: str) -> str:
        def value(m: re.Match[str]) -> str:
            name = m.group(1).lower()
            return str(errorlevel) if name == "errorlevel" else variables.get(name, m.group(0))

        return re.sub(r"%(\w+)%", value, text)

    return expand
