"""Cloud Assistant and instance actions on the ECS wire: parameters in, the API reference's reply shapes out.

RunCommand, CreateCommand, InvokeCommand, DescribeInvocations, DescribeInvocationResults,
DescribeCloudAssistantStatus, StopInstance and DeleteInstance; ecs_wire.py routes them here.
"""
from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from ..core.wire import SimError
from . import rpc
from .ecs_assist import EcsAssist, Invocation, check_content, check_timeout, iso

Handler = Callable[[str, dict[str, str]], dict[str, Any]]


class AssistWire:
    def __init__(self, assist: EcsAssist) -> None:
        self.assist = assist

    def handlers(self) -> dict[str, Handler]:
        return {
            "RunCommand": self.run_command, "CreateCommand": self.create_command, "InvokeCommand": self.invoke_command,
            "DescribeInvocations": self.describe_invocations,
            "DescribeInvocationResults": self.describe_invocation_results,
            "DescribeCloudAssistantStatus": self.describe_status, "StopInstance": self.stop_instance,
            "DeleteInstance": self.delete_instance,
        }

    def run_command(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        """RunCommand: CommandContent is PlainText unless ContentEncoding says Base64 (API reference)."""
        content = check_content(p.get("CommandContent", ""), p.get("ContentEncoding") or "PlainText")
        command_id = self.assist.create_command(region, name=p.get("Name") or "imageforge-run", type_=p.get("Type", ""),
                                                content=content, timeout=check_timeout(p.get("Timeout")))
        return {"CommandId": command_id, "InvokeId": self.assist.invoke(region, command_id, _instances(p))}

    def create_command(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        """CreateCommand: CommandContent is Base64 unless ContentEncoding says PlainText."""
        if not p.get("Name"):
            raise SimError("MissingParameter", "Name is mandatory for this action.", 400)
        content = check_content(p.get("CommandContent", ""), p.get("ContentEncoding") or "Base64")
        return {"CommandId": self.assist.create_command(region, name=p["Name"], type_=p.get("Type", ""),
                                                        content=content, timeout=check_timeout(p.get("Timeout")))}

    def invoke_command(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        if p.get("Timeout"):
            raise SimError("InvalidParameter", "The simulator takes Timeout on CreateCommand only.", 400)
        return {"InvokeId": self.assist.invoke(region, p.get("CommandId", ""), _instances(p))}

    def describe_invocations(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        """Invocations.Invocation[] grouped by InvokeId, each with InvokeInstances.InvokeInstance[]."""
        found = self.assist.invocations(region, invoke_id=p.get("InvokeId", ""), instance_id=p.get("InstanceId", ""),
                                        command_id=p.get("CommandId", ""), status=p.get("InvokeStatus", ""))
        if p.get("RepeatMode") not in (None, "", "Once"):
            found = []  # the simulator runs every command once
        groups: dict[str, list[Invocation]] = {}
        for inv in found:
            groups.setdefault(inv.invoke_id, []).append(inv)
        chunk, number, size = rpc.page(list(groups.values()), p)
        now = self.assist.ctx.now()
        plain = (p.get("ContentEncoding") or "").lower() == "plaintext"
        include = rpc.boolean(p.get("IncludeOutput"))
        return {"TotalCount": len(groups), "PageNumber": number, "PageSize": size,
                "Invocations": {"Invocation": [_invocation(g, now, plain, include) for g in chunk]}}

    def describe_invocation_results(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        found = self.assist.invocations(region, invoke_id=p.get("InvokeId", ""), instance_id=p.get("InstanceId", ""),
                                        command_id=p.get("CommandId", ""), status=p.get("InvokeRecordStatus", ""))
        if p.get("InvokeId") and not found and not self.assist.invocations(region, invoke_id=p["InvokeId"]):
            raise SimError("InvalidInvokeId.NotFound", "The specified invoke ID does not exist.", 404)
        chunk, number, size = rpc.page(found, p)
        now = self.assist.ctx.now()
        plain = (p.get("ContentEncoding") or "").lower() == "plaintext"
        return {"Invocation": {"TotalCount": len(found), "PageNumber": number, "PageSize": size,
                               "InvocationResults": {"InvocationResult": [i.result(now, plain) for i in chunk]}}}

    def describe_status(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        found = self.assist.status(region, rpc.indexed(p, "InstanceId"))
        chunk, number, size = rpc.page(found, p, default_size=10, max_size=50)
        return {"TotalCount": len(found), "PageNumber": number, "PageSize": size,
                "InstanceCloudAssistantStatusSet": {"InstanceCloudAssistantStatus": chunk}}

    def stop_instance(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        self.assist.stop(region, p.get("InstanceId", ""))
        return {}

    def delete_instance(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        self.assist.delete(region, p.get("InstanceId", ""), rpc.boolean(p.get("Force")))
        return {}


def _instances(p: dict[str, str]) -> list[str]:
    return rpc.indexed(p, "InstanceId")


def _invocation(group: list[Invocation], now: float, plain: bool, include: bool) -> dict[str, Any]:
    first = group[0]
    states = [i.status_at(now) for i in group]
    overall = next((s for s in ("Pending", "Running") if s in states),
                   "Success" if all(s == "Success" for s in states) else
                   "Failed" if not any(s == "Success" for s in states) else "PartialFailed")
    instances = []
    for inv in group:
        item = inv.result(now, plain)
        if not include:
            item.pop("Output", None)
        item["InstanceInvokeStatus"] = item["InvokeRecordStatus"]
        instances.append(item)
    content = first.content if not plain else base64.b64decode(first.content).decode(errors="replace")
    return {"InvokeId": first.invoke_id, "CommandId": first.command_id, "CommandName": first.name,
            "CommandType": first.type, "CommandContent": content, "Timeout": first.timeout, "RepeatMode": "Once",
            "Timed": False, "Frequency": "", "CreationTime": iso(first.lifecycle.started_at),
            "InvocationStatus": overall, "InvokeStatus": "Running" if overall in ("Pending", "Running") else
            "Finished" if overall == "Success" else "Failed",
            "InvokeInstances": {"InvokeInstance": instances}}

