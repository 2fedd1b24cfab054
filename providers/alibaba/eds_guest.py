"""ecd RunCommand's side of guest scripts: the command types it takes, the content encoding, its limits.

EDS runs guest commands through the Cloud Assistant agent of a cloud computer, but its own API (ecd
2020-09-30) takes fewer types than ECS: RunPowerShellScript and RunBatScript only, on Windows cloud
computers only ("Runs a PowerShell or Bat script on one or more cloud computers that run Windows",
https://www.alibabacloud.com/help/en/wuying-workspace/developer-reference/api-ecd-2020-09-30-runcommand).
Limits from alibabacloud_ecd20200930's models (5.5.0): RunCommandRequest.CommandContent at most
16 KB once Base64-encoded; RunCommandRequest.Timeout in seconds, default 300 (no range given);
DescribeInvocations InvokeDesktops.Output cut at 24 KB, with the size cut in Dropped.
"""
from __future__ import annotations

from collections.abc import Sequence

from ..core.guest import WINDOWS
from ..core.validation import ScriptLimit
from .ecs_guest import BAT, POWERSHELL, content, content_size

__all__ = ["BAT", "POWERSHELL", "CONTENT_MAX", "COMMAND_TIMEOUT", "OUTPUT_MAX", "command_type", "content",
           "content_size"]

CONTENT_MAX = 16 * 1024  # RunCommandRequest.CommandContent: "The Base64-encoded script content cannot exceed 16 KB"
COMMAND_TIMEOUT = 3600  # what imageforge sends (the API reference's example): Sysprep fits; the resource's deadline bounds it
OUTPUT_MAX = 24 * 1024  # InvokeDesktops.Output is cut at 24 KB; Dropped says how much was cut


def command_type(lines: Sequence[str]) -> str:
    """RunBatScript for a script whose first line is `@echo off`, else RunPowerShellScript."""
    first = next((str(line).strip() for line in lines if str(line).strip()), "")
    return BAT if first.lower() == "@echo off" else POWERSHELL


def encoded(lines: Sequence[str]) -> str:
    """The script as CommandContent with ContentEncoding=Base64 (CRLF line ends for a batch script)."""
    return content(lines, WINDOWS)


SCRIPT_LIMIT = ScriptLimit(content_size, CONTENT_MAX, "is {size} bytes once Base64-encoded; EDS RunCommand's "
                           "CommandContent takes at most {limit} (16 KB)",
                           "split it into several finalize scripts, or fetch a larger script from OSS inside the guest.",
                           empty="EDS runs no empty command")
