"""VmGeneralizer on Alibaba ECS: DescribeInstances, Cloud Assistant (RunCommand, DescribeInvocationResults), StopInstance.

ECS has no call that marks an instance generalized, and no deallocation apart from stopping
(the service's traits say so, and GeneralizedVM skips that step): once the guest confirmed it is
generalized and the instance stopped, `mark_generalized` records it as the tag
`imageforge-generalized=true` (TagResources), and `get_vm` reads an instance as generalized while
it carries that tag and stays Stopped; starting it again runs the guest's first boot, so it is
no longer generalized. Every method but `start_command` is one call.
"""
from __future__ import annotations

import importlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from ..core import errors, guest
from ..core.model import CommandResult, Started, Target, VmInfo
from . import acs, assistant, ecs_guest, ecs_mapping as mapping

GENERALIZED_TAG = "imageforge-generalized"
VENDOR = "alibaba-ecs"


def _request(name: str, **values: Any) -> Any:
    """`aliyunsdkecs.request.v20140526.<name>Request` with req.set_<Name>(value) for every value given."""
    module = importlib.import_module(f"aliyunsdkecs.request.v20140526.{name}Request")
    req = getattr(module, f"{name}Request")()
    for key, value in values.items():
        if value not in (None, ""):
            getattr(req, f"set_{key}")(value)
    return req

MACHINE = assistant.Machine("instance", "Cloud Assistant", VENDOR, "Cloud Assistant",
                            "Start or install the agent (InstallCloudAssistant, or restart the aliyun service in the "
                            "guest), then run `pulumi up` again")


def vm_info(raw: Mapping[str, Any], region: str) -> VmInfo:
    """One DescribeInstances entry as a VmInfo: its tags, status and (for a launched one) zone in `extra`."""
    vm_id = str(raw.get("InstanceId", ""))
    tags = {t.get("TagKey", ""): t.get("TagValue", "") for t in (raw.get("Tags") or {}).get("Tag", [])}
    status = str(raw.get("Status", ""))
    return VmInfo(vm_id=vm_id, region=str(raw.get("RegionId", region)), power_state=mapping.power_state(status),
                  os_type=str(raw.get("OSType", "")).lower(),
                  generalized=tags.get(GENERALIZED_TAG) == "true" and status == "Stopped",
                  name=str(raw.get("InstanceName") or vm_id),
                  extra={"tags": tags, "status": status, "os_name": str(raw.get("OSName", "")),
                         "instance_type": str(raw.get("InstanceType", "")),
                         "stopped_mode": str(raw.get("StoppedMode", "")), "zone": str(raw.get("ZoneId", "")),
                         "image_id": str(raw.get("ImageId", ""))})


class EcsVmOperations:
    """The VmGeneralizer half of the ECS adapter."""

    target: Target
    region: str

    def _vm_call(self, request: Any, operation: str) -> dict[str, Any]:
        return acs.call(self.target, self.region, request, operation, mapping.TABLE)

    def resolve_vm(self, vm: str, resource_group: str) -> str:
        """An ECS instance is named by its id (i-...): instance names are not unique."""
        return vm

    def get_vm(self, vm_id: str) -> VmInfo:
        """https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describeinstances"""
        reply = self._vm_call(_request("DescribeInstances", InstanceIds=json.dumps([vm_id])), "DescribeInstances")
        found = [i for i in reply.get("Instances", {}).get("Instance", []) if i.get("InstanceId") == vm_id]
        if not found:
            raise errors.NotFound(f"instance {vm_id} does not exist in {self.region}", vendor=VENDOR,
                                  operation="DescribeInstances", code="InvalidInstanceId.NotFound", resource_id=vm_id)
        return vm_info(found[0], self.region)

    def guest_script(self, step: str, os_type: str, keep_user: bool) -> list[str]:
        """ECS's own lines for "generalize" (Sysprep /quit or cloud-init clean, then the probe) and "probe"."""
        return guest.guest_script(step, os_type)

    def start_command(self, vm_id: str, os_type: str, script: Sequence[str]) -> Started:
        """DescribeCloudAssistantStatus, DescribeInvocations, then RunCommand; the job id is the InvokeId.

        The agent is asked first, as the RunCommand reference advises: an offline agent is reported
        at once, naming the instance, rather than waited on. A command of an earlier run still
        running in the guest raises Conflict, which the resource waits out, so steps never overlap.
        https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-runcommand
        """
        self._require_agent(vm_id)
        running = self._vm_call(_request("DescribeInvocations", InstanceId=vm_id, InvokeStatus="Running",
                                         RepeatMode="Once", PageSize=10), "DescribeInvocations")
        busy = [str(i.get("InvokeId")) for i in running.get("Invocations", {}).get("Invocation", [])]
        if busy:
            raise errors.Conflict(f"invocation {busy[0]} is still running on instance {vm_id}", vendor=VENDOR,
                                  operation="RunCommand", resource_id=vm_id)
        req = _request("RunCommand", Type=ecs_guest.command_type(os_type, script),
                       CommandContent=ecs_guest.content(script, os_type), ContentEncoding="Base64",
                       Timeout=ecs_guest.COMMAND_TIMEOUT, Name="imageforge-guest-step", KeepCommand=False)
        req.set_InstanceIds([vm_id])
        reply = self._vm_call(req, "RunCommand")
        return Started(request_id=str(reply.get("RequestId", "")), job_id=str(reply["InvokeId"]))

    def _require_agent(self, vm_id: str) -> None:
        """https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describecloudassistantstatus"""
        req = _request("DescribeCloudAssistantStatus")
        req.set_InstanceIds([vm_id])
        reply = self._vm_call(req, "DescribeCloudAssistantStatus")
        found = reply.get("InstanceCloudAssistantStatusSet", {}).get("InstanceCloudAssistantStatus", [])
        status = next((str(s.get("CloudAssistantStatus")) for s in found if s.get("InstanceId") == vm_id), "false")
        if status != "true":
            raise errors.InvalidState(
                f"agent offline: the Cloud Assistant agent of instance {vm_id} is not running "
                "(DescribeCloudAssistantStatus says CloudAssistantStatus=false), so no command can run in its guest. "
                "Start or install the agent (InstallCloudAssistant, or restart the aliyun service in the guest), "
                "then run `pulumi up` again", vendor=VENDOR, operation="Cloud Assistant", code="ClientNotRunning",
                resource_id=vm_id)

    def command_result(self, vm_id: str, os_type: str, job_id: str) -> CommandResult | None:
        """One DescribeInvocationResults; the command's ExitCode and Output once it ended, else None.

        https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describeinvocationresults
        """
        reply = self._vm_call(_request("DescribeInvocationResults", InvokeId=job_id, InstanceId=vm_id),
                              "DescribeInvocationResults")
        results = reply.get("Invocation", {}).get("InvocationResults", {}).get("InvocationResult", [])
        found = next((r for r in results if r.get("InstanceId") == vm_id), None)
        if found is None:
            raise errors.NotFound(f"invocation {job_id} has no result for instance {vm_id}", vendor=VENDOR,
                                  operation="DescribeInvocationResults", code="InvalidInvokeId.NotFound",
                                  resource_id=vm_id)
        return assistant.read_result(MACHINE, vm_id, job_id, found)

    def stop_vm(self, vm_id: str) -> None:
        """https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-stopinstance"""
        self._vm_call(_request("StopInstance", InstanceId=vm_id, ForceStop=False), "StopInstance")

    def deallocate_vm(self, vm_id: str) -> None:
        """ECS has no deallocation apart from StopInstance (its traits say so; GeneralizedVM never calls this)."""
        raise errors.Unsupported("ECS has no deallocate step: StopInstance is the last power step", vendor=VENDOR,
                                 operation="deallocate", resource_id=vm_id)

    def mark_generalized(self, vm_id: str) -> None:
        """ECS has no 'mark generalized' call: the tag imageforge-generalized=true records the confirmed state."""
        self.tag_vm(vm_id, {GENERALIZED_TAG: "true"})

    def tag_vm(self, vm_id: str, tags: Mapping[str, str]) -> None:
        """https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-tagresources"""
        req = _request("TagResources", ResourceType="instance", ResourceIds=[vm_id])
        req.set_Tags([{"Key": k, "Value": v} for k, v in sorted(tags.items())])
        self._vm_call(req, "TagResources")

    def delete_vm(self, vm_id: str) -> None:
        """https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-deleteinstance"""
        self._vm_call(_request("DeleteInstance", InstanceId=vm_id, Force=True), "DeleteInstance")

