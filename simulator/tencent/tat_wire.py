"""TencentCloud Automation Tools (TAT, API 2020-10-28) on the wire: `tat.tencentcloudapi.com`, TC3-signed for service `tat`.

The API 3.0 envelope, checks and account are api3.py's, as for CVM. The simulator serves every
product on one address, so a TAT request is told apart by the service its signature's credential
scope names (`.../tat/tc3_request`), as the real host name would; this wire is listed before CVM's.
Actions: RunCommand, DescribeInvocations, DescribeInvocationTasks, DescribeAutomationAgentStatus
(the model is tat.py).
"""
from __future__ import annotations

from typing import Any

from ..core.context import SimContext
from ..core.wire import SimRequest
from . import params as read
from .api3 import Api3Wire, credential_service
from .records import Instance, fail
from .tat import INSTANCE_ID, INVOCATION_ID, TASK_ID, VENDOR, TatModel

VERSION = "2020-10-28"
MAX_FILTERS, MAX_VALUES = 10, 5
PARAMETERS: dict[str, frozenset[str]] = {
    "RunCommand": frozenset({"Content", "InstanceIds", "CommandName", "Description", "CommandType", "WorkingDirectory",
                             "Timeout", "SaveCommand", "EnableParameter", "DefaultParameters", "DefaultParameterConfs",
                             "Parameters", "Tags", "Username", "OutputCOSBucketUrl", "OutputCOSKeyPrefix"}),
    "DescribeInvocations": frozenset({"InvocationIds", "Filters", "Limit", "Offset"}),
    "DescribeInvocationTasks": frozenset({"InvocationTaskIds", "Filters", "Limit", "Offset", "HideOutput"}),
    "DescribeAutomationAgentStatus": frozenset({"InstanceIds", "Filters", "Limit", "Offset"}),
}
FILTERS = {"DescribeInvocations": ("invocation-id", "command-id", "command-created-by", "instance-kind"),
           "DescribeInvocationTasks": ("invocation-task-id", "invocation-id", "instance-id", "command-id"),
           "DescribeAutomationAgentStatus": ("agent-status", "environment", "instance-id")}


class TatWire(Api3Wire):
    vendor = VENDOR
    parameters = PARAMETERS
    versions = {action: VERSION for action in PARAMETERS}

    def __init__(self, ctx: SimContext) -> None:
        super().__init__(ctx)
        self.model = TatModel(ctx)
        self.actions = {
            "RunCommand": self.run_command, "DescribeInvocations": self.describe_invocations,
            "DescribeInvocationTasks": self.describe_invocation_tasks,
            "DescribeAutomationAgentStatus": self.describe_automation_agent_status}

    def matches(self, request: SimRequest) -> bool:
        return bool(request.header("x-tc-action")) and credential_service(request) == "tat"

    def seed(self) -> None:
        """A new account's instances are CVM's."""
        self.model.cvm.seed()

    def check_region(self, region: str) -> None:
        self.model.cvm.check_region(region)

    # actions -----------------------------------------------------------------------
    def run_command(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        if p.get("EnableParameter") or p.get("Parameters") or p.get("DefaultParameters"):
            raise fail("InvalidParameterValue.ParameterDisabled", "Custom parameters are not simulated.")
        timeout = p.get("Timeout")
        if timeout is not None and not isinstance(timeout, int):
            raise fail("InvalidParameterValue", "Timeout must be an integer.")
        command_id, invocation_id = self.model.run_command(
            region, content=read.text(p, "Content"), instance_ids=read.strings(p, "InstanceIds"),
            command_type=read.text(p, "CommandType"), timeout=timeout, name=read.text(p, "CommandName"),
            working_directory=read.text(p, "WorkingDirectory"), username=read.text(p, "Username"))
        return {"CommandId": command_id, "InvocationId": invocation_id}

    def describe_invocations(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        wanted, filters = read.strings(p, "InvocationIds"), _filters(p, "DescribeInvocations")
        _exclusive(wanted, filters, "InvocationIds")
        for invocation_id in wanted:
            _check(INVOCATION_ID, invocation_id, "InvalidParameterValue.InvalidInvocationId")
        records = sorted(self.ctx.store.list(VENDOR, region, "invocation"), key=lambda r: r["created"], reverse=True)
        keep = [r for r in records if (not wanted or r["invocation_id"] in wanted)
                and _passes(filters, {"invocation-id": r["invocation_id"], "command-id": r["command_id"],
                                      "command-created-by": "USER", "instance-kind": "CVM"})]
        return {"TotalCount": len(keep), "InvocationSet": [self.model.invocation_view(region, r)
                                                           for r in read.page(keep, p)]}

    def describe_invocation_tasks(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        wanted, filters = read.strings(p, "InvocationTaskIds"), _filters(p, "DescribeInvocationTasks")
        _exclusive(wanted, filters, "InvocationTaskIds")
        for task_id in wanted:
            _check(TASK_ID, task_id, "InvalidParameterValue.InvalidInvocationTaskId")
        hide = p.get("HideOutput") is not False  # true unless asked
        keep = [t for t in self.model.tasks(region) if (not wanted or t.task_id in wanted)
                and _passes(filters, {"invocation-task-id": t.task_id, "invocation-id": t.invocation_id,
                                      "instance-id": t.instance_id, "command-id": t.command_id})]
        now = self.ctx.now()
        return {"TotalCount": len(keep), "InvocationTaskSet": [t.view(now, hide) for t in read.page(keep, p)]}

    def describe_automation_agent_status(self, region: str, p: dict[str, Any]) -> dict[str, Any]:
        wanted, filters = read.strings(p, "InstanceIds"), _filters(p, "DescribeAutomationAgentStatus")
        _exclusive(wanted, filters, "InstanceIds")
        for instance_id in wanted:
            _check(INSTANCE_ID, instance_id, "InvalidParameterValue.InvalidInstanceId")
        found = self.model.cvm.instances(region, wanted, [])
        views = [self.model.agent_view(region, i) for i in found if self._installed(region, i)]
        keep = [v for v in views if _passes(filters, {"agent-status": v["AgentStatus"], "environment": v["Environment"],
                                                      "instance-id": v["InstanceId"]})]
        return {"TotalCount": len(keep), "AutomationAgentSet": read.page(keep, p)}

    def _installed(self, region: str, inst: Instance) -> bool:
        return self.model.agent(region, inst) != "NotInstalled"


def _filters(p: dict[str, Any], action: str) -> list[tuple[str, list[str]]]:
    raw = p.get("Filters") or []
    if not isinstance(raw, list) or len(raw) > MAX_FILTERS:
        raise fail("InvalidParameterValue.InvalidFilter", f"At most {MAX_FILTERS} Filters are allowed.")
    out = []
    for item in raw:
        name, values = (item or {}).get("Name"), (item or {}).get("Values") or []
        if name not in FILTERS[action] or not isinstance(values, list):
            raise fail("InvalidParameterValue.InvalidFilter", f"The filter `{name}` is not supported by {action}.")
        if len(values) > MAX_VALUES:
            raise fail("LimitExceeded.FilterValueExceeded", f"At most {MAX_VALUES} values per filter are allowed.")
        out.append((str(name), [str(v) for v in values]))
    return out


def _passes(filters: list[tuple[str, list[str]]], fields: dict[str, str]) -> bool:
    return all(fields.get(name) in values for name, values in filters)


def _exclusive(ids_: list[str], filters: list[tuple[str, list[str]]], name: str) -> None:
    if ids_ and filters:
        raise fail("InvalidParameter.ConflictParameter", f"{name} and Filters cannot be specified together.")


def _check(pattern: Any, value: str, code: str) -> None:
    if not pattern.match(value):
        raise fail(code, f"`{value}` is not a valid id.")
