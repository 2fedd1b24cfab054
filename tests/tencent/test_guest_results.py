"""How TAT task results read back (providers/tencent/guest.py), without a cloud: statuses, Base64 output, Dropped."""
from __future__ import annotations

import base64

from imageforge.providers.tencent import guest


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_running_tasks_have_no_result_and_ended_ones_their_exit_code_and_tail() -> None:
    for status in guest.RUNNING:
        assert guest.result({"TaskStatus": status}) is None
    done = guest.result({"TaskStatus": "FAILED", "TaskResult": {"ExitCode": 4, "Output": b64("a\n\nb\n")}})
    assert done is not None and (done.exit_code, done.stdout_tail, done.stderr_tail) == (4, "a\nb", "")
    lines = "".join(f"line {n}\n" for n in range(30))
    tail = guest.result({"TaskStatus": "SUCCESS", "TaskResult": {"ExitCode": 0, "Output": b64(lines), "Dropped": 9}})
    assert tail is not None and tail.stdout_tail.splitlines()[0] == "line 10" and "cut 9 bytes" in tail.stderr_tail


def test_tasks_that_ended_without_an_exit_code_say_why() -> None:
    timed = guest.result({"TaskStatus": "TIMEOUT", "TaskResult": {"ExitCode": None, "Output": ""},
                          "ErrorInfo": "timed out after 3600s"})
    assert timed is not None and timed.exit_code == guest.NO_EXIT_CODE
    assert timed.stderr_tail == "TIMEOUT: TAT stopped the command at its Timeout (timed out after 3600s)"
    lost = guest.result({"TaskStatus": "TASK_TIMEOUT", "TaskResult": {"ExitCode": 0}})
    assert lost is not None and lost.exit_code == guest.NO_EXIT_CODE and "agent stopped answering" in lost.stderr_tail


def test_content_is_base64_and_its_size_is_what_tat_limits() -> None:
    script = ["echo é", "exit 0"]
    assert base64.b64decode(guest.content(script)).decode() == "echo é\nexit 0"
    assert guest.content_size(script) == len(guest.content(script))
    assert guest.content_size(["x" * 49_152]) == guest.CONTENT_MAX
