"""TencentCloud Automation Tools (TAT) on the simulated CVM instances: agents, invocations, tasks and the guest.

An instance's agent is Online while the instance is RUNNING (a launched one's from
records.AGENT_SECONDS after it reads RUNNING) and Offline otherwise, unless a test
or the demo sets it (`TatModel.set_agent(region, instance_id, "Offline" | "NotInstalled" | "")`,
"" returning to the default). RunCommand refuses what TAT documents (agent not installed or not
online, instance not RUNNING, a command type the agent's OS does not run, Content over 64 KB,
Timeout outside [1, 86400]) and otherwise makes one invocation with one task per instance. The task
runs the script (guest.py) at once and for its duration on the simulated clock: RUNNING, then
SUCCESS (exit 0) or FAILED (its exit code), TIMEOUT past its Timeout, or TASK_TIMEOUT when the guest
powered itself off (the instance is STOPPED from then on). What the script changed in the guest
takes effect when the task ends. An injected `fail` fault on RunCommand makes the script exit 1.
"""
from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from ..core import guest, ids
from ..core.context import SimContext
from ..core.guest import GuestRecord
from ..core.lifecycle import Lifecycle, Phase
from . import instances
from .model import CvmModel, iso as iso_time
from .records import Instance, fail

VENDOR = "tencent-tat"
CONTENT_MAX = 64 * 1024
OUTPUT_MAX = 24 * 1024
TIMEOUT_MIN, TIMEOUT_MAX, TIMEOUT_DEFAULT = 1, 86400, 60
MAX_INSTANCES = 200
COMMAND_NAME = re.compile(r"^[\w\-.\u4e00-\u9fff]{1,60}$")
COMMAND_TYPES = {"linux": ("SHELL",), "windows": ("POWERSHELL", "BAT")}
ENVIRONMENT = {"linux": "Linux", "windows": "Windows"}
INSTANCE_ID = re.compile(r"^ins-[a-z0-9]{8}$")
INVOCATION_ID = re.compile(r"^inv-[a-z0-9]{8,10}$")
TASK_ID = re.compile(r"^invt-[a-z0-9]{8,10}$")
AGENT_VERSION = "1.1.9"


@dataclass
class Task:
    """One command on one instance: what ran, when, and how it ends (read from the clock)."""

    task_id: str
    invocation_id: str
    command_id: str
    command_name: str
    instance_id: str
    region: str
    content: str
    command_type: str
    timeout: int
    created: float
    seconds: float
    exit_code: int
    output: str  # the whole output, Base64
    shutdown: bool = False
    working_directory: str = ""
    username: str = ""

    def ends(self) -> float:
        return self.created + (self.timeout if self.shutdown or self.seconds > self.timeout else self.seconds)

    def status(self, now: float) -> str:
        if Lifecycle(self.created, self.ends() - self.created).at(now).phase is Phase.RUNNING:
            return "RUNNING"
        if self.shutdown:
            return "TASK_TIMEOUT"
        if self.seconds > self.timeout:
            return "TIMEOUT"
        return "SUCCESS" if self.exit_code == 0 else "FAILED"

    def view(self, now: float, hide_output: bool) -> dict[str, Any]:
        status = self.status(now)
        ended = status != "RUNNING"
        raw = base64.b64decode(self.output)
        kept, dropped = raw[:OUTPUT_MAX], max(0, len(raw) - OUTPUT_MAX)
        code = self.exit_code if status in ("SUCCESS", "FAILED") else (None if ended else 0)
        result = {"ExitCode": code, "Output": "" if hide_output or not ended else base64.b64encode(kept).decode(),
                  "ExecStartTime": iso_time(self.created), "ExecEndTime": iso_time(self.ends()) if ended else None,
                  "Dropped": dropped if ended else 0, "OutputUrl": "", "OutputUploadCOSErrorInfo": ""}
        info = {"TASK_TIMEOUT": "the agent stopped answering", "TIMEOUT": f"timed out after {self.timeout}s"}
        return {"InvocationId": self.invocation_id, "InvocationTaskId": self.task_id, "CommandId": self.command_id,
                "TaskStatus": status, "InstanceId": self.instance_id, "TaskResult": result,
                "StartTime": iso_time(self.created), "EndTime": iso_time(self.ends()) if ended else None,
                "CreatedTime": iso_time(self.created), "UpdatedTime": iso_time(min(now, self.ends())),
                "CommandDocument": {"Content": self.content, "CommandType": self.command_type, "Timeout": self.timeout,
                                    "WorkingDirectory": self.working_directory, "Username": self.username,
                                    "OutputCOSBucketUrl": "", "OutputCOSKeyPrefix": ""},
                "ErrorInfo": info.get(status, ""), "InvocationSource": "USER", "CommandName": self.command_name}

    def record(self) -> dict[str, Any]:
        return dict(self.__dict__)



class TatModel:
    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.cvm = CvmModel(ctx)

    # controls and state ------------------------------------------------------------
    def set_agent(self, region: str, instance_id: str, status: str) -> None:
        """Force an agent "Offline" or "NotInstalled" ("" returns to the default: Online while RUNNING)."""
        self.store.put(VENDOR, region, "agent", instance_id, {"status": status})

    def agent(self, region: str, inst: Instance) -> str:
        """Online, Offline or NotInstalled now."""
        found = self.store.get(VENDOR, region, "agent", inst.instance_id) or {}
        forced = str(found.get("status") or "")
        if forced:
            return forced
        now = self.ctx.now()
        return "Online" if inst.state_at(now) == "RUNNING" and inst.agent_started(now) else "Offline"

    def guest_record(self, region: str, inst: Instance) -> GuestRecord:
        return GuestRecord.from_record(self.store.get(VENDOR, region, "guest", inst.instance_id), inst.os.family)

    def guest_state(self, region: str, instance_id: str) -> guest.GuestState:
        """The guest now (tests and the fault campaign read it)."""
        inst = self.cvm.instance(region, instance_id)
        return self.guest_record(region, inst).at(self.ctx.now())

    # actions -----------------------------------------------------------------------
    def run_command(self, region: str, *, content: str, instance_ids: list[str], command_type: str, timeout: int | None,
                    name: str, working_directory: str, username: str) -> tuple[str, str]:
        """RunCommand: (CommandId, InvocationId) once every instance can take the command."""
        lines = _decoded(content)
        if not instance_ids:
            raise fail("MissingParameter", "The request is missing a required parameter `InstanceIds`.")
        if len(instance_ids) > MAX_INSTANCES:
            raise fail("InvalidParameterValue.LimitExceeded", f"At most {MAX_INSTANCES} InstanceIds are allowed.")
        kind = command_type or "SHELL"
        if kind not in ("SHELL", "POWERSHELL", "BAT"):
            raise fail("InvalidParameterValue", "CommandType must be SHELL, POWERSHELL or BAT.")
        seconds = TIMEOUT_DEFAULT if timeout is None else timeout
        if not TIMEOUT_MIN <= seconds <= TIMEOUT_MAX:
            raise fail("InvalidParameterValue.Range", f"Timeout must be within [{TIMEOUT_MIN}, {TIMEOUT_MAX}].")
        if name and not COMMAND_NAME.match(name) or len(name.encode()) > 60:
            raise fail("InvalidParameterValue.InvalidCommandName", "CommandName takes at most 60 bytes of letters, "
                       "digits, '_', '-' and '.'.")
        targets = [self._target(region, i, kind) for i in instance_ids]
        failing = self.ctx.take_failure(VENDOR, "RunCommand", region) is not None
        now = self.ctx.now()
        command_id = ids.prefixed(self.store, "tat.command", "cmd-", 8)
        invocation_id = ids.prefixed(self.store, "tat.invocation", "inv-", 10)
        task_ids = []
        for inst in targets:
            record = self.guest_record(region, inst)
            outcome = guest.run(record.at(now), lines, fail=failing)
            task = Task(ids.prefixed(self.store, "tat.task", "invt-", 10), invocation_id, command_id,
                        name or "tat-command", inst.instance_id, region, content, kind, seconds, now,
                        float(outcome.seconds or 0.0), outcome.exit_code, _encoded(outcome.output), outcome.shutdown,
                        working_directory, username)
            if outcome.effects and not (task.seconds > task.timeout and not outcome.shutdown):
                record.changes.append((now + task.seconds, outcome.effects))
                self.store.put(VENDOR, region, "guest", inst.instance_id, record.record())
            if outcome.shutdown:
                instances.shut_down(self.cvm, region, inst.instance_id, now + task.seconds)
            self.store.put(VENDOR, region, "task", task.task_id, task.record())
            task_ids.append(task.task_id)
        self.store.put(VENDOR, region, "invocation", invocation_id,
                       {"invocation_id": invocation_id, "command_id": command_id, "tasks": task_ids, "created": now})
        return command_id, invocation_id

    def _target(self, region: str, instance_id: str, kind: str) -> Instance:
        if not INSTANCE_ID.match(instance_id):
            raise fail("InvalidParameterValue.InvalidInstanceId", f"The instance id `{instance_id}` is invalid.")
        found = self.store.get("tencent-cvm", region, "instance", instance_id)
        inst = None if found is None else Instance.from_record(found)
        if inst is None or inst.gone(self.ctx.now()):
            raise fail("ResourceNotFound.InstanceNotFound", f"The instance `{instance_id}` does not exist.")
        agent = self.agent(region, inst)
        if agent == "NotInstalled":
            raise fail("ResourceUnavailable.AgentNotInstalled", f"The TAT agent is not installed on `{instance_id}`.")
        if inst.state_at(self.ctx.now()) != "RUNNING":
            raise fail("ResourceUnavailable.InstanceStateNotRunning", f"The instance `{instance_id}` is not RUNNING.")
        if agent != "Online":
            raise fail("ResourceUnavailable.AgentStatusNotOnline", f"The TAT agent of `{instance_id}` is not online.")
        if kind not in COMMAND_TYPES[inst.os.family]:
            raise fail("InvalidParameterValue.AgentUnsupportedCommandType",
                       f"The agent of `{instance_id}` ({ENVIRONMENT[inst.os.family]}) does not run {kind} commands.")
        return inst

    def tasks(self, region: str) -> list[Task]:
        """Every task in the region, newest first."""
        found = [Task(**r) for r in self.store.list(VENDOR, region, "task")]
        return sorted(found, key=lambda t: (t.created, t.task_id), reverse=True)

    def invocation_view(self, region: str, record: dict[str, Any]) -> dict[str, Any]:
        now = self.ctx.now()
        tasks = [Task(**r) for r in self.store.get_many(VENDOR, region, "task", record["tasks"])]
        statuses = [t.status(now) for t in tasks]
        first = tasks[0] if tasks else None
        return {"InvocationId": record["invocation_id"], "CommandId": record["command_id"],
                "CommandName": first.command_name if first else "", "InvocationStatus": _overall(statuses),
                "InvocationTaskBasicInfoSet": [{"InvocationTaskId": t.task_id, "TaskStatus": s,
                                                "InstanceId": t.instance_id} for t, s in zip(tasks, statuses)],
                "Description": "", "StartTime": iso_time(record["created"]),
                "EndTime": None if "RUNNING" in statuses or not tasks else iso_time(max(t.ends() for t in tasks)),
                "CreatedTime": iso_time(record["created"]), "UpdatedTime": iso_time(now), "Parameters": "{}",
                "DefaultParameters": "{}", "InstanceKind": "CVM", "Username": first.username if first else "",
                "InvocationSource": "USER", "CommandContent": first.content if first else "",
                "CommandType": first.command_type if first else "", "Timeout": first.timeout if first else 0,
                "WorkingDirectory": first.working_directory if first else "", "OutputCOSBucketUrl": "",
                "OutputCOSKeyPrefix": ""}

    def agent_view(self, region: str, inst: Instance) -> dict[str, Any]:
        status = self.agent(region, inst)
        online = status == "Online"
        return {"InstanceId": inst.instance_id, "Version": AGENT_VERSION,
                "LastHeartbeatTime": iso_time(self.ctx.now() if online else 0.0), "AgentStatus": status,
                "Environment": ENVIRONMENT[inst.os.family], "SupportFeatures": ["CMD_CANCEL"]}


def _overall(statuses: list[str]) -> str:
    if not statuses or any(s == "RUNNING" for s in statuses):
        return "RUNNING"
    if all(s == statuses[0] for s in statuses) and statuses[0] in ("SUCCESS", "TIMEOUT", "FAILED"):
        return statuses[0]
    return "PARTIAL_FAILED" if "SUCCESS" in statuses else "FAILED"


def _decoded(content: str) -> list[str]:
    if not content:
        raise fail("MissingParameter", "The request is missing a required parameter `Content`.")
    if len(content) > CONTENT_MAX:
        raise fail("InvalidParameterValue.TooLong", f"Content is {len(content)} bytes; at most {CONTENT_MAX} "
                                                    "(Base64-encoded) are allowed.")
    try:
        text = base64.b64decode(content, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise fail("InvalidParameterValue.InvalidContent", "Content must be Base64-encoded UTF-8 text.") from None
    return text.splitlines()


def _encoded(lines: list[str]) -> str:
    text = "".join(f"{line}\n" for line in lines)
    return base64.b64encode(text.encode("utf-8")).decode("ascii")
