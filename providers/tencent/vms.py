"""VmGeneralizer on Tencent CVM: DescribeInstances, TAT guest commands, StopInstances, the Tag API, TerminateInstances.

CVM has no call that marks an instance generalized, and no deallocation apart from stopping
(the service's traits say `vm_deallocate=False`, and GeneralizedVM skips that step): once the
guest confirmed it is generalized and the instance stopped, `mark_generalized` records it as the
tag `imageforge-generalized=true` (the Tag API), and `get_vm` reads an instance as generalized
while it carries that tag and stays STOPPED; starting it again runs the guest's first boot, so it
is no longer generalized.

Before every command the instance's TAT agent is read (DescribeAutomationAgentStatus): an agent
that is not Online fails at once, naming the instance ("agent offline"), instead of a command
that could never be delivered. TAT runs commands side by side, so a step of an earlier run still
running in the guest (its TaskStatus not ended) is a Conflict the resource waits out, which keeps
the steps in order across crashes. Each method is one or a few single calls; nothing waits here.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..core import errors, guest as guest_lines
from ..core.model import CommandResult, Started, VmInfo
from . import client, guest, mapping
from .base import CvmBase

GENERALIZED_TAG = "imageforge-generalized"
INSTANCE_ID = re.compile(r"^ins-[a-z0-9]{8}$")
PAGE = 100


class CvmVmOperations(CvmBase):
    """The VmGeneralizer half of the CVM adapter."""

    def _tat(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        return client.call_tat(self.target, self.region, action, params)

    def resolve_vm(self, vm: str, resource_group: str) -> str:
        """The instance id as given (no call): CVM addresses instances by id only."""
        if not INSTANCE_ID.match(vm):
            raise errors.InvalidArgument(f"{vm!r} is not a CVM instance id (ins- and 8 letters or digits)",
                                         vendor=mapping.VENDOR, operation="instance id")
        return vm

    def _raw_instance(self, vm_id: str) -> dict[str, Any]:
        """https://cloud.tencent.com/document/api/213/15728 (DescribeInstances by id)."""
        reply = self._call("DescribeInstances", {"InstanceIds": [vm_id]})
        found = [i for i in reply.get("InstanceSet") or [] if i.get("InstanceId") == vm_id]
        if not found:
            raise errors.NotFound(f"instance {vm_id} does not exist in {self.region}", vendor=mapping.VENDOR,
                                  operation="DescribeInstances", code="InvalidInstanceId.NotFound",
                                  request_id=str(reply.get("RequestId") or ""), resource_id=vm_id)
        return found[0]

    def get_vm(self, vm_id: str) -> VmInfo:
        """The instance's state, OS family and tags; generalized while tagged imageforge-generalized=true, STOPPED."""
        return vm_info(self._raw_instance(vm_id), self.region)

    def guest_script(self, step: str, os_type: str, keep_user: bool) -> list[str]:
        """CVM's lines for "generalize" (Sysprep /quit or the Linux cleanup, then the probe) and "probe"."""
        return guest_lines.guest_script(step, os_type)

    def start_command(self, vm_id: str, os_type: str, script: Sequence[str]) -> Started:
        """https://cloud.tencent.com/document/api/1340/52676 (RunCommand), after the agent and the running steps.

        The job id is the InvocationId (inv-...).
        """
        family = os_type.lower()
        size = guest.content_size(script)
        if size > guest.CONTENT_MAX:
            raise errors.InvalidArgument(f"the script is {size} bytes once Base64-encoded; TAT's RunCommand takes at most "
                                         f"{guest.CONTENT_MAX} (64 KB). Fix: split it into several finalize scripts",
                                         vendor=mapping.VENDOR, operation="RunCommand", resource_id=vm_id)
        self._agent_online(vm_id, family)
        running = self._running_steps(vm_id)
        if running:
            raise errors.Conflict(f"{running[0]} of an earlier run is still running in {vm_id}", vendor=mapping.VENDOR,
                                  operation="RunCommand", code="ResourceUnavailable.CommandInExecuting",
                                  resource_id=vm_id)
        params = {"Content": guest.content(script), "InstanceIds": [vm_id], "CommandType": guest.COMMAND_TYPE[family],
                  "CommandName": guest.COMMAND_NAME, "Timeout": guest.COMMAND_TIMEOUT, "SaveCommand": False}
        try:
            reply = self._tat("RunCommand", params)
        except errors.InvalidState as err:
            raise _offline(vm_id, err.code, err.message) if mapping.agent_offline(err.code) else err
        return Started(job_id=str(reply.get("InvocationId") or ""), request_id=str(reply.get("RequestId") or ""))

    def _agent_online(self, vm_id: str, family: str) -> None:
        """https://cloud.tencent.com/document/api/1340/52682 (DescribeAutomationAgentStatus)."""
        reply = self._tat("DescribeAutomationAgentStatus", {"InstanceIds": [vm_id]})
        agents = [a for a in reply.get("AutomationAgentSet") or [] if a.get("InstanceId") == vm_id]
        if not agents:
            raise _offline(vm_id, "ResourceUnavailable.AgentNotInstalled", "no TAT agent is installed")
        agent = agents[0]
        if agent.get("AgentStatus") != "Online":
            heartbeat = str(agent.get("LastHeartbeatTime") or "never")
            raise _offline(vm_id, "ResourceUnavailable.AgentStatusNotOnline",
                           f"its agent is {agent.get('AgentStatus') or 'not online'} (last heartbeat {heartbeat})")
        environment = str(agent.get("Environment") or "")
        if environment and environment != guest.AGENT_ENVIRONMENT.get(family, environment):
            raise errors.InvalidArgument(f"instance {vm_id} runs a {environment} agent, which does not take "
                                         f"{guest.COMMAND_TYPE[family]} commands", vendor=mapping.VENDOR,
                                         operation="RunCommand", code="InvalidParameterValue.AgentUnsupportedCommandType",
                                         resource_id=vm_id)

    def _running_steps(self, vm_id: str) -> list[str]:
        """https://cloud.tencent.com/document/api/1340/61060 (DescribeInvocationTasks by instance-id, all pages)."""
        out: list[str] = []
        offset = 0
        while True:
            reply = self._tat("DescribeInvocationTasks", {
                "Filters": [{"Name": "instance-id", "Values": [vm_id]}], "Offset": offset, "Limit": PAGE,
                "HideOutput": True})
            tasks = reply.get("InvocationTaskSet") or []
            out += [str(t.get("InvocationId")) for t in tasks
                    if t.get("CommandName") == guest.COMMAND_NAME and t.get("TaskStatus") in guest.RUNNING]
            offset += len(tasks)
            if not tasks or offset >= int(reply.get("TotalCount") or 0):
                return out

    def command_result(self, vm_id: str, os_type: str, job_id: str) -> CommandResult | None:
        """One DescribeInvocationTasks of the invocation: None until the instance's task ended.

        While it runs, the agent is read too: an agent gone offline (a guest that powered itself off)
        ends the step at once instead of waiting out TAT's Timeout for its TASK_TIMEOUT.
        """
        reply = self._tat("DescribeInvocationTasks", {
            "Filters": [{"Name": "invocation-id", "Values": [job_id]}], "Limit": PAGE, "HideOutput": False})
        tasks = [t for t in reply.get("InvocationTaskSet") or [] if t.get("InstanceId") == vm_id]
        found = guest.result(tasks[0]) if tasks else None
        if found is not None or not tasks:
            return found
        agents = self._tat("DescribeAutomationAgentStatus", {"InstanceIds": [vm_id]}).get("AutomationAgentSet") or []
        if any(a.get("InstanceId") == vm_id and a.get("AgentStatus") == "Online" for a in agents):
            return None
        # the agent went away mid-step (the guest shut down): TAT would wait out the Timeout for TASK_TIMEOUT
        return CommandResult(guest.NO_EXIT_CODE, "", "agent offline: the TAT agent of instance "
                             f"{vm_id} went offline while the step ran (the guest shut down or lost its agent); "
                             "the step reported no exit code")

    def stop_vm(self, vm_id: str) -> None:
        """https://cloud.tencent.com/document/api/213/15743 (StopInstances, SOFT_FIRST: a hard stop if the soft fails)."""
        self._call("StopInstances", {"InstanceIds": [vm_id], "StopType": "SOFT_FIRST", "StoppedMode": "KEEP_CHARGING"})

    def deallocate_vm(self, vm_id: str) -> None:
        """CVM has no deallocation apart from StopInstances (its traits say so; GeneralizedVM never calls this)."""
        raise errors.Unsupported("CVM has no deallocate step: StopInstances is the last power step",
                                 vendor=mapping.VENDOR, operation="deallocate", resource_id=vm_id)

    def mark_generalized(self, vm_id: str) -> None:
        """CVM has no 'mark generalized' call: the tag imageforge-generalized=true records the confirmed state."""
        self.tag_vm(vm_id, {GENERALIZED_TAG: "true"})

    def tag_vm(self, vm_id: str, tags: Mapping[str, str]) -> None:
        """https://www.tencentcloud.com/document/api/651/46533 (TagResources on qcs::cvm:<region>:uin/<uin>:instance/<id>)."""
        resource = [f"qcs::cvm:{self.region}:uin/{self._account(self.region)}:instance/{vm_id}"]
        reply = self._common(self.region, "tag", "TagResources", {
            "ResourceList": resource, "Tags": [{"TagKey": k, "TagValue": v} for k, v in sorted(tags.items())]})
        failed = reply.get("FailedResources") or []
        if failed:
            raise errors.OperationFailed(f"TagResources refused {vm_id}: {failed[0].get('Message', '')}",
                                         vendor=mapping.VENDOR, operation="TagResources",
                                         code=str(failed[0].get("Code", "")), resource_id=vm_id)

    def delete_vm(self, vm_id: str) -> None:
        """https://cloud.tencent.com/document/api/213/15723 (TerminateInstances)."""
        self._call("TerminateInstances", {"InstanceIds": [vm_id]})


def vm_info(raw: Mapping[str, Any], region: str) -> VmInfo:
    """One DescribeInstances entry: "pending" while PENDING, "failed" with the reason once LAUNCH_FAILED."""
    state = str(raw.get("InstanceState") or "")
    tags = mapping.tags_of(raw)
    vm_id = str(raw.get("InstanceId") or "")
    extra: dict[str, object] = {"tags": tags, "instance_state": state, "os_name": str(raw.get("OsName") or "")}
    if state == "LAUNCH_FAILED":
        extra["reason"] = str(raw.get("LatestOperationErrorMsg") or "") or \
            "CVM gave up creating the instance (LAUNCH_FAILED): most often the zone ran out of the instance type"
    return VmInfo(vm_id=vm_id, region=region, power_state=mapping.power_state(state),
                  os_type=mapping.os_family(str(raw.get("OsName") or "")),
                  generalized=tags.get(GENERALIZED_TAG) == "true" and state == "STOPPED", encrypted=False,
                  name=str(raw.get("InstanceName") or vm_id), extra=extra)


def _offline(vm_id: str, code: str, why: str) -> errors.CloudError:
    return errors.InvalidState(f"agent offline: instance {vm_id} cannot take guest commands, {why}; nothing ran in "
                               "its guest. Fix: start the instance's TAT agent (or install it: "
                               "https://cloud.tencent.com/document/product/1340/51945) and run `pulumi up` again",
                               vendor=mapping.VENDOR, operation="RunCommand", code=code, resource_id=vm_id)
