"""VmGeneralizer on Alibaba EDS cloud computers: DescribeDesktops, ecd RunCommand / DescribeInvocations, StopDesktops.

The `vm` is a cloud computer id (ecd-...). EDS has no call that marks a cloud computer generalized
and no deallocation apart from stopping (the service's traits say so, and GeneralizedVM skips that
step): once the guest confirmed it is generalized and the computer stopped, `mark_generalized`
records it as the tag `imageforge-generalized=true` (ecd TagResources, ResourceType
ALIYUN::GWS::INSTANCE), and `get_vm` reads a computer as generalized while it carries that tag and
stays Stopped; starting it again runs the guest's first boot (OOBE), so it is no longer generalized.

ecd has no call that reports the Cloud Assistant agent's state (DescribeDesktops carries
AgentProviderList, the agents a computer supports, and ConnectionStatus, the end user's connection;
ECS's DescribeCloudAssistantStatus has no ecd counterpart): an agent that is offline shows in the
invocation's own result, InvokeDesktops.ErrorCode ClientNotRunning (or ClientNotResponse,
DeliveryTimeout...), which is reported as "agent offline" naming the computer. Every method but
`start_command` is one call.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..core import errors, guest
from ..core.model import CommandResult, Started, Target, VmInfo
from . import assistant, eds_client, eds_guest, eds_mapping as mapping

GENERALIZED_TAG = "imageforge-generalized"
RESOURCE_TYPE = "ALIYUN::GWS::INSTANCE"  # TagResources.ResourceType: a cloud computer (ecd API reference)
LINUX_FIX = ("prepare the guest by hand (cloud-init clean, remove the SSH host keys, empty /etc/machine-id), then set "
             "guest_prepared=true so only StopDesktops and the mark follow; or build the image on an ECS instance "
             "(service='ecs'), whose Cloud Assistant runs shell scripts.")


def _models() -> Any:
    from alibabacloud_ecd20200930 import models

    return models

MACHINE = assistant.Machine("cloud computer", "EDS", mapping.VENDOR, "RunCommand",
                            "Start the computer's Cloud Assistant service (or restart the computer), then run "
                            "`pulumi up` again")


class EdsVmOperations:
    """The VmGeneralizer half of the EDS adapter."""

    target: Target
    region: str

    def _ecd(self, operation: str, fn: Any) -> Any:
        return eds_client.call(self.target, self.region, operation, lambda c: fn(c).body)

    def resolve_vm(self, vm: str, resource_group: str) -> str:
        """A cloud computer is named by its id (ecd-...): names are not unique."""
        return vm

    def get_vm(self, vm_id: str) -> VmInfo:
        """https://www.alibabacloud.com/help/en/wuying-workspace/developer-reference/api-ecd-2020-09-30-describedesktops"""
        m = _models()
        try:
            body = self._ecd("DescribeDesktops", lambda c: c.describe_desktops(
                m.DescribeDesktopsRequest(region_id=self.region, desktop_id=[vm_id])))
        except errors.NotFound:  # a malformed id is refused rather than listed as absent
            body = None
        found = [d for d in (body.desktops if body else None) or [] if d.desktop_id == vm_id]
        if not found:
            raise errors.NotFound(f"cloud computer {vm_id} does not exist in {self.region}", vendor=mapping.VENDOR,
                                  operation="DescribeDesktops", code="InvalidDesktopId.NotFound", resource_id=vm_id)
        d = found[0]
        tags = {str(t.key or ""): str(t.value or "") for t in d.tags or []}
        status = str(d.desktop_status or "")
        return VmInfo(vm_id=vm_id, region=self.region, power_state=mapping.power_state(status),
                      os_type=str(d.os_type or "").lower(),
                      generalized=tags.get(GENERALIZED_TAG) == "true" and status == "Stopped",
                      name=str(d.desktop_name or vm_id),
                      extra={"tags": tags, "status": status, "platform": str(d.platform or ""),
                             "desktop_type": str(d.desktop_type or "")})

    def guest_script(self, step: str, os_type: str, keep_user: bool) -> list[str]:
        """The guest's own lines (Sysprep /quit, then the ImageState probe); Linux never reaches a command."""
        return guest.guest_script(step, os_type)

    def start_command(self, vm_id: str, os_type: str, script: Sequence[str]) -> Started:
        """DescribeInvocations (a command still running), then RunCommand; the job id is the InvokeId.

        A Linux cloud computer is refused before anything runs: ecd RunCommand takes PowerShell and batch
        scripts for Windows computers only. A command of an earlier run still running in the guest raises
        Conflict, which the resource waits out, so steps never overlap.
        https://www.alibabacloud.com/help/en/wuying-workspace/developer-reference/api-ecd-2020-09-30-runcommand
        """
        if os_type != guest.WINDOWS:
            raise errors.UserInputError("vm", f"cloud computer {vm_id} runs {os_type or 'an unknown OS'}: EDS RunCommand "
                                              "runs PowerShell or batch scripts on Windows cloud computers only, so "
                                              "imageforge cannot prepare its guest.", LINUX_FIX)
        m = _models()
        running = self._ecd("DescribeInvocations", lambda c: c.describe_invocations(m.DescribeInvocationsRequest(
            region_id=self.region, desktop_ids=[vm_id], invoke_status="Running", include_output=False,
            include_invoke_desktops=True, max_results=10)))
        for inv in running.invocations or []:
            if any(d.desktop_id == vm_id and str(d.invocation_status or "") in assistant.INVOCATION_RUNNING
                   for d in inv.invoke_desktops or []):
                raise errors.Conflict(f"invocation {inv.invoke_id} is still running on cloud computer {vm_id}",
                                      vendor=mapping.VENDOR, operation="RunCommand", resource_id=vm_id)
        req = m.RunCommandRequest(region_id=self.region, desktop_id=[vm_id], type=eds_guest.command_type(script),
                                  command_content=eds_guest.encoded(script), content_encoding="Base64",
                                  timeout=eds_guest.COMMAND_TIMEOUT)
        body = self._ecd("RunCommand", lambda c: c.run_command(req))
        return Started(request_id=str(body.request_id or ""), job_id=str(body.invoke_id))

    def command_result(self, vm_id: str, os_type: str, job_id: str) -> CommandResult | None:
        """One DescribeInvocations; the command's ExitCode and Output once it ended, else None.

        https://www.alibabacloud.com/help/en/wuying-workspace/developer-reference/api-ecd-2020-09-30-describeinvocations
        """
        m = _models()
        body = self._ecd("DescribeInvocations", lambda c: c.describe_invocations(m.DescribeInvocationsRequest(
            region_id=self.region, invoke_id=job_id, desktop_ids=[vm_id], include_output=True,
            include_invoke_desktops=True, content_encoding="Base64")))
        found = next((d for inv in body.invocations or [] if inv.invoke_id == job_id
                      for d in inv.invoke_desktops or [] if d.desktop_id == vm_id), None)
        if found is None:
            raise errors.NotFound(f"invocation {job_id} has no result for cloud computer {vm_id}", vendor=mapping.VENDOR,
                                  operation="DescribeInvocations", code="InvalidInvokeId.NotFound", resource_id=vm_id)
        return assistant.read_result(MACHINE, vm_id, job_id, found.to_map())

    def stop_vm(self, vm_id: str) -> None:
        """https://www.alibabacloud.com/help/en/wuying-workspace/developer-reference/api-ecd-2020-09-30-stopdesktops"""
        m = _models()
        self._ecd("StopDesktops", lambda c: c.stop_desktops(m.StopDesktopsRequest(region_id=self.region,
                                                                                  desktop_id=[vm_id])))

    def deallocate_vm(self, vm_id: str) -> None:
        """EDS has no deallocation apart from StopDesktops (its traits say so; GeneralizedVM never calls this)."""
        raise errors.Unsupported("EDS has no deallocate step: StopDesktops is the last power step",
                                 vendor=mapping.VENDOR, operation="deallocate", resource_id=vm_id)

    def mark_generalized(self, vm_id: str) -> None:
        """EDS has no 'mark generalized' call: the tag imageforge-generalized=true records the confirmed state."""
        self.tag_vm(vm_id, {GENERALIZED_TAG: "true"})

    def tag_vm(self, vm_id: str, tags: Mapping[str, str]) -> None:
        """https://www.alibabacloud.com/help/en/wuying-workspace/developer-reference/api-ecd-2020-09-30-tagresources"""
        m = _models()
        req = m.TagResourcesRequest(region_id=self.region, resource_type=RESOURCE_TYPE, resource_id=[vm_id],
                                    tag=[m.TagResourcesRequestTag(key=k, value=v) for k, v in sorted(tags.items())])
        self._ecd("TagResources", lambda c: c.tag_resources(req))

    def delete_vm(self, vm_id: str) -> None:
        """https://www.alibabacloud.com/help/en/wuying-workspace/developer-reference/api-ecd-2020-09-30-deletedesktops"""
        m = _models()
        self._ecd("DeleteDesktops", lambda c: c.delete_desktops(m.DeleteDesktopsRequest(region_id=self.region,
                                                                                      desktop_id=[vm_id])))

