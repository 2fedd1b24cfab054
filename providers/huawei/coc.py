"""Cloud Operations Center (COC) script execution: the script object, its limits, and how a result reads back.

COC is Huawei Cloud's supported way to run a script in an existing ECS guest; the ECS's UniAgent
carries it (https://support.huaweicloud.com/intl/en-us/api-coc/CreateScript.html, ExecuteScript.html).
User data is not an option: cloud-init runs it at first boot only, so it cannot prepare a running VM.
- A script is an object first: CreateScript (name of letters, digits, '_' and Chinese characters,
  type SHELL, PYTHON or BAT only, content at most 4096 characters), then ExecuteScript on the
  instance (`timeout` 5 < t < 1800 seconds, `execute_user`), which returns an execute_uuid.
- GetScriptJobBatch(execute_uuid, 1) gives the instance's `status` (READY, PROCESSING, FINISHED,
  ABNORMAL, CANCELED) and `message`, its log. COC reports no exit code: every script first sets an
  exit trap (sh) or ends with a line (cmd) that prints `imageforge-exit-code=<n>`, read back here.
- Windows has no PowerShell type: the PowerShell lines ride in a BAT as `powershell -EncodedCommand`
  (UTF-16LE, Base64), which makes them about 2.7 times longer against the 4096 characters.
The script's name is derived from the server and the content, so a re-run finds and reuses a script
an earlier run made; it is deleted once its result is read, and stale ones of the same server are
deleted before the next step starts.
"""
from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence

from ..core.guest import LINUX, WINDOWS, tail
from ..core.model import CommandResult
from ..core.validation import ScriptLimit

CONTENT_MAX = 4096  # AddScriptModel.content: COC takes at most 4096 characters
TIMEOUT = 1799  # ScriptExecuteParam.timeout: "5 < timeout < 1800" seconds
SCRIPT_TYPE = {LINUX: "SHELL", WINDOWS: "BAT"}  # AddScriptModel.type: SHELL, PYTHON or BAT
EXECUTE_USER = {LINUX: "root", WINDOWS: "Administrator"}
NAME_PREFIX = "imageforge_"
RUNNING = ("READY", "PROCESSING", "PAUSED")  # instance / job statuses that have not ended
NO_EXIT_CODE = -1
DUPLICATE_NAME = "COC.00040601"  # "Exist script with same name" (also COC's code for an invalid parameter)
MARK = "imageforge-exit-code="
_MARK = re.compile(r"imageforge-exit-code=(-?\d+)")
AGENT_ONLINE = "ONLINE"  # ListResources agent_state: ONLINE, OFFLINE, INSTALLING, FAILED, UNINSTALLED, null
WHY = {
    "CANCELED": "the COC job was cancelled",
    "ABNORMAL": "COC reports the execution abnormal",
}


def content(script: Sequence[str], os_type: str) -> str:
    """The script as COC runs it: sh with an exit trap, or cmd running the PowerShell lines encoded."""
    lines = [str(line) for line in script]
    if os_type == WINDOWS:
        encoded = base64.b64encode("\r\n".join(lines).encode("utf-16-le")).decode("ascii")
        return "\r\n".join([
            "@echo off",
            f"powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand {encoded}",
            "set rc=%ERRORLEVEL%",
            f"echo {MARK}%rc%",
            "exit /b %rc%",
        ])
    return "\n".join([f"trap 'echo \"{MARK}$?\"' EXIT", *lines])


def content_size(script: Sequence[str], os_type: str) -> int:
    return len(content(script, os_type))


def script_name(server_id: str, text: str) -> str:
    """`imageforge_<server id without dashes>_<8 hex of the content>`: 52 characters, COC's name alphabet."""
    return f"{server_prefix(server_id)}{hashlib.sha256(text.encode('utf-8')).hexdigest()[:8]}"


def server_prefix(server_id: str) -> str:
    return f"{NAME_PREFIX}{re.sub(r'[^0-9A-Za-z]', '', server_id)}_"


def result(status: str, message: str) -> CommandResult | None:
    """One instance of a COC job: None while it runs, else the exit code its marker printed and the log's tail."""
    status = status.upper()
    if status in RUNNING or not status:
        return None
    found = _MARK.findall(message or "")
    log = "\n".join(line for line in (message or "").splitlines() if not _MARK.search(line))
    if found:
        code = int(found[-1])
        if status == "FINISHED" or code != 0:
            return CommandResult(code, tail(log), "")
    reason = WHY.get(status, f"the execution ended {status}")
    return CommandResult(NO_EXIT_CODE, tail(log), f"{status}: {reason}; the script printed no exit code")


SCRIPT_LIMIT = ScriptLimit(lambda lines: content_size(lines, "linux"), CONTENT_MAX,
                           "is {size} characters as COC runs it; a COC script holds at most {limit} (on Windows, "
                           "PowerShell is carried encoded: about 1,500)", "split it into several scripts.")
