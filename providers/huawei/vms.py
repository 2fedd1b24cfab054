"""VmGeneralizer on Huawei Cloud ECS: ShowServer, COC scripts through the UniAgent, BatchStopServers, server tags.

ECS has no call that marks a server generalized and no deallocation apart from stopping (the
service's traits say `vm_deallocate=False`): once the guest confirmed it is generalized and the
server is SHUTOFF, `mark_generalized` records the tag `imageforge-generalized=true`, and `get_vm`
reads a server as generalized while it carries that tag and stays SHUTOFF. IMS CreateImage then
captures the stopped server.

Before every script the server's UniAgent is read (COC ListResources, `agent_state`): an agent that
is not ONLINE fails at once ("agent offline") instead of a job that could never be delivered. A COC
job of an earlier run still running on the server is a Conflict the resource waits out, which keeps
the steps in order across crashes. Each method is one or a few single calls; nothing waits here.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..core import errors, guest as guest_lines
from ..core.model import CommandResult, Started, VmInfo
from . import coc, mapping
from .images import ImsImages

GENERALIZED_TAG = "imageforge-generalized"
SERVER_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
PAGE = 100
POWER = {"ACTIVE": "running", "SHUTOFF": "stopped", "BUILD": "pending", "REBOOT": "starting",
         "HARD_REBOOT": "starting", "DELETED": "deleted", "SOFT_DELETED": "deleted", "ERROR": "failed"}


class EcsVmOperations(ImsImages):
    """The VmGeneralizer half of the Huawei adapter."""

    def resolve_vm(self, vm: str, resource_group: str) -> str:
        """The server id as given (no call): ECS addresses servers by their UUID."""
        if not SERVER_ID.match(vm):
            raise errors.InvalidArgument(f"{vm!r} is not an ECS server id (a lower-case UUID)",
                                         vendor=mapping.VENDOR, operation="server id")
        return vm

    def _server(self, vm_id: str) -> Any:
        """https://support.huaweicloud.com/intl/en-us/api-ecs/ecs_02_0208.html (ShowServer)."""
        from huaweicloudsdkecs.v2 import ShowServerRequest

        ecs = self.clients.ecs(self.region)
        return self._call("ShowServer", lambda: ecs.show_server(ShowServerRequest(server_id=vm_id))).server

    def get_vm(self, vm_id: str) -> VmInfo:
        """State, OS (metadata.os_type) and tags ("key=value"); generalized while tagged so and SHUTOFF."""
        server = self._server(vm_id)
        status = str(server.status or "")
        task = str(getattr(server, "os_ext_st_stask_state", "") or "")
        power = POWER.get(status, status.lower())
        if status == "ACTIVE" and task == "powering-off":
            power = "stopping"
        tags = _tags(server.tags)
        metadata = dict(server.metadata or {})
        os_type = guest_lines.WINDOWS if str(metadata.get("os_type", "")).lower() == "windows" else guest_lines.LINUX
        extra: dict[str, object] = {"tags": tags, "status": status, "os_version": str(metadata.get("image_name", ""))}
        if status == "ERROR":  # ECS gave up on the server (ServerDetail.fault: no capacity after acceptance...)
            fault = server.fault if isinstance(server.fault, dict) else {}
            extra["reason"] = str(fault.get("message") or "ECS reports the server ERROR and gave no reason")
        return VmInfo(vm_id=vm_id, region=self.region, power_state=power, os_type=os_type,
                      generalized=tags.get(GENERALIZED_TAG) == "true" and status == "SHUTOFF", encrypted=False,
                      name=str(server.name or vm_id), extra=extra)

    def guest_script(self, step: str, os_type: str, keep_user: bool) -> list[str]:
        """The shared lines for "generalize" (Sysprep /quit or the Linux cleanup, then the probe) and "probe"."""
        return guest_lines.guest_script(step, os_type)

    def start_command(self, vm_id: str, os_type: str, script: Sequence[str]) -> Started:
        """https://support.huaweicloud.com/intl/en-us/api-coc/ExecuteScript.html after the agent, running jobs
        and the script object (CreateScript, reused by name). The job id is COC's execute_uuid."""
        from huaweicloudsdkcoc.v1 import (ExecuteInstancesBatchInfo, ExecuteResourceInstance, ExecuteScriptRequest,
                                          ScriptExecuteModel, ScriptExecuteParam)

        family = guest_lines.WINDOWS if os_type.lower() == guest_lines.WINDOWS else guest_lines.LINUX
        text = coc.content(script, family)
        if len(text) > coc.CONTENT_MAX:
            raise errors.InvalidArgument(f"the step is {len(text)} characters as COC runs it; a COC script holds at "
                                         f"most {coc.CONTENT_MAX}" + (" (PowerShell lines are carried UTF-16 and "
                                                                      "Base64-encoded)" if family == "windows" else "")
                                         + ". Fix: split it into several finalize scripts",
                                         vendor=mapping.VENDOR, operation="CreateScript", resource_id=vm_id)
        self._agent_online(vm_id)
        name = coc.script_name(vm_id, text)
        running = self._running(vm_id)
        if running:
            raise errors.Conflict(f"COC job {running[0]} of an earlier run is still running on {vm_id}",
                                  vendor=mapping.VENDOR, operation="ExecuteScript", resource_id=vm_id)
        script_uuid = self._script(vm_id, name, text, family)
        body = ScriptExecuteModel(
            execute_param=ScriptExecuteParam(timeout=coc.TIMEOUT, success_rate=100.0,
                                             execute_user=coc.EXECUTE_USER[family]),
            execute_batches=[ExecuteInstancesBatchInfo(batch_index=1, rotation_strategy="CONTINUE", target_instances=[
                ExecuteResourceInstance(resource_id=vm_id, region_id=self.region, provider="ECS", type="CLOUDSERVER")])])
        client = self.clients.coc(self.region)
        reply = self._call("ExecuteScript", lambda: client.execute_script(
            ExecuteScriptRequest(script_uuid=script_uuid, body=body)))
        return Started(job_id=str(reply.data or ""), request_id=self.clients.last_request_id)

    def _agent_online(self, vm_id: str) -> None:
        """https://support.huaweicloud.com/intl/en-us/api-coc/ListResources.html (agent_state of the ECS)."""
        state = self._agent(vm_id)
        if state != coc.AGENT_ONLINE:
            why = "no UniAgent is installed" if state in ("", "UNINSTALLED") else f"its UniAgent is {state}"
            raise errors.InvalidState(
                f"agent offline: ECS {vm_id} cannot take COC scripts, {why}; nothing ran in its guest. Fix: install "
                "or start the server's UniAgent (https://support.huaweicloud.com/intl/en-us/usermanual-coc/"
                "coc_01_0020.html) and run `pulumi up` again", vendor=mapping.VENDOR, operation="ExecuteScript",
                code=f"UniAgent.{state or 'NotInstalled'}", resource_id=vm_id)

    def _agent(self, vm_id: str) -> str:
        from huaweicloudsdkcoc.v1 import ListResourcesRequest

        client = self.clients.coc(self.region)
        reply = self._call("ListResources", lambda: client.list_resources(ListResourcesRequest(
            provider="ecs", type="cloudservers", resource_id_list=[vm_id], region_id=self.region, limit=PAGE)))
        found = [r for r in reply.data or [] if r.resource_id == vm_id]
        return str(found[0].agent_state or "") if found else ""

    def _scripts(self, vm_id: str) -> list[Any]:
        """https://support.huaweicloud.com/intl/en-us/api-coc/ListScripts.html (name_like, every page)."""
        from huaweicloudsdkcoc.v1 import ListScriptsRequest

        client = self.clients.coc(self.region)
        prefix = coc.server_prefix(vm_id)
        out: list[Any] = []
        marker = None
        while True:
            request = ListScriptsRequest(limit=PAGE, marker=marker, name_like=prefix)
            page = self._call("ListScripts", lambda: client.list_scripts(request)).data
            items = list(page.data or []) if page is not None else []
            out += [s for s in items if str(s.name or "").startswith(prefix)]
            if len(items) < PAGE:
                return out
            marker = items[-1].id

    def _running(self, vm_id: str) -> list[str]:
        """COC jobs still running one of this server's scripts (ListScriptJobs status PROCESSING)."""
        from huaweicloudsdkcoc.v1 import GetScriptJobInfoRequest, ListScriptJobsRequest

        client = self.clients.coc(self.region)
        reply = self._call("ListScriptJobs", lambda: client.list_script_jobs(
            ListScriptJobsRequest(status="PROCESSING", limit=PAGE)))
        out = []
        prefix = coc.server_prefix(vm_id)
        for job in (reply.data.data or []) if reply.data is not None else []:
            info = self._call("GetScriptJobInfo", lambda: client.get_script_job_info(
                GetScriptJobInfoRequest(execute_uuid=job.execute_uuid))).data
            props = getattr(info, "properties", None)
            if str(getattr(props, "script_name", "") or "").startswith(prefix):
                out.append(str(job.execute_uuid))
        return out

    def _script(self, vm_id: str, name: str, text: str, family: str) -> str:
        """This step's script: reused when an earlier run made it; stale scripts of the server deleted first."""
        from huaweicloudsdkcoc.v1 import AddScriptModel, CreateScriptRequest, ScriptPropertiesModel

        mine = ""
        for script in self._scripts(vm_id):
            if script.name == name and not mine:
                mine = str(script.script_uuid)
            else:
                self._delete_script(str(script.script_uuid))
        if mine:
            return mine
        client = self.clients.coc(self.region)
        body = AddScriptModel(name=name, type=coc.SCRIPT_TYPE[family], content=text,
                              description="imageforge GeneralizedVM guest step (deleted once it ran)",
                              properties=ScriptPropertiesModel(risk_level="HIGH", version="1.0.0"))
        try:
            return str(self._call("CreateScript", lambda: client.create_script(CreateScriptRequest(body=body))).data)
        except errors.CloudError as err:
            if err.code != coc.DUPLICATE_NAME:
                raise
            # made meanwhile (a reply that was lost, then retried): the script of this name is ours
            found = [str(s.script_uuid) for s in self._scripts(vm_id) if s.name == name]
            if not found:
                raise
            return found[0]

    def _delete_script(self, script_uuid: str) -> None:
        """https://support.huaweicloud.com/intl/en-us/api-coc/DeleteScript.html (already gone is fine)."""
        from huaweicloudsdkcoc.v1 import DeleteScriptRequest

        client = self.clients.coc(self.region)
        try:
            self._call("DeleteScript", lambda: client.delete_script(DeleteScriptRequest(script_uuid=script_uuid)))
        except errors.NotFound:
            pass

    def command_result(self, vm_id: str, os_type: str, job_id: str) -> CommandResult | None:
        """https://support.huaweicloud.com/intl/en-us/api-coc/GetScriptJobBatch.html (batch 1, this server).

        While it runs, the agent is read too: an agent gone offline ends the step at once. Once it
        ended, the step's script is deleted (COC keeps the job and its log).
        """
        from huaweicloudsdkcoc.v1 import GetScriptJobBatchRequest, GetScriptJobInfoRequest

        client = self.clients.coc(self.region)
        batch = self._call("GetScriptJobBatch", lambda: client.get_script_job_batch(
            GetScriptJobBatchRequest(execute_uuid=job_id, batch_index=1, limit=PAGE))).data
        found = [i for i in (batch.execute_instances or []) if i.target_instance is not None
                 and i.target_instance.resource_id == vm_id] if batch is not None else []
        done = coc.result(str(found[0].status or ""), str(found[0].message or "")) if found else None
        if done is None and self._agent(vm_id) == coc.AGENT_ONLINE:
            return None
        if done is None:
            done = CommandResult(coc.NO_EXIT_CODE, "", f"agent offline: the UniAgent of ECS {vm_id} went offline "
                                 "while the step ran (the guest shut down or lost its agent); no exit code")
        info = self._call("GetScriptJobInfo", lambda: client.get_script_job_info(
            GetScriptJobInfoRequest(execute_uuid=job_id))).data
        script_uuid = str(getattr(getattr(info, "properties", None), "script_uuid", "") or "")
        if script_uuid:
            self._delete_script(script_uuid)
        return done

    def stop_vm(self, vm_id: str) -> None:
        """https://support.huaweicloud.com/intl/en-us/api-ecs/ecs_02_0303.html (BatchStopServers, SOFT; a job)."""
        from huaweicloudsdkecs.v2 import (BatchStopServersOption, BatchStopServersRequest,
                                          BatchStopServersRequestBody, ServerId)

        ecs = self.clients.ecs(self.region)
        body = BatchStopServersRequestBody(os_stop=BatchStopServersOption(servers=[ServerId(id=vm_id)], type="SOFT"))
        self._call("BatchStopServers", lambda: ecs.batch_stop_servers(BatchStopServersRequest(body=body)))

    def deallocate_vm(self, vm_id: str) -> None:
        """ECS has no deallocation apart from BatchStopServers (its traits say so; GeneralizedVM never calls this)."""
        raise errors.Unsupported("ECS has no deallocate step: BatchStopServers is the last power step",
                                 vendor=mapping.VENDOR, operation="deallocate", resource_id=vm_id)

    def mark_generalized(self, vm_id: str) -> None:
        """ECS has no 'mark generalized' call: the tag imageforge-generalized=true records the confirmed state."""
        self.tag_vm(vm_id, {GENERALIZED_TAG: "true"})

    def tag_vm(self, vm_id: str, tags: Mapping[str, str]) -> None:
        """https://support.huaweicloud.com/intl/en-us/api-ecs/ecs_02_1002.html (BatchCreateServerTags, action create)."""
        from huaweicloudsdkecs.v2 import (BatchAddServerTag, BatchCreateServerTagsRequest,
                                          BatchCreateServerTagsRequestBody)

        ecs = self.clients.ecs(self.region)
        body = BatchCreateServerTagsRequestBody(action="create", tags=[
            BatchAddServerTag(key=k, value=v) for k, v in sorted(tags.items())])
        self._call("BatchCreateServerTags", lambda: ecs.batch_create_server_tags(
            BatchCreateServerTagsRequest(server_id=vm_id, body=body)))

    def delete_vm(self, vm_id: str) -> None:
        """https://support.huaweicloud.com/intl/en-us/api-ecs/ecs_02_0103.html (DeleteServers, with its volumes)."""
        from huaweicloudsdkecs.v2 import DeleteServersRequest, DeleteServersRequestBody, ServerId

        ecs = self.clients.ecs(self.region)
        body = DeleteServersRequestBody(servers=[ServerId(id=vm_id)], delete_volume=True, delete_publicip=False)
        self._call("DeleteServers", lambda: ecs.delete_servers(DeleteServersRequest(body=body)))


def _tags(raw: object) -> dict[str, str]:
    """ShowServer's tags: "key=value" strings."""
    out: dict[str, str] = {}
    for item in raw if isinstance(raw, list) else []:
        key, _, value = str(item).partition("=")
        out[key] = value
    return out
