"""The simulated COC and ECS server calls judged by the real huaweicloudsdkcoc and huaweicloudsdkecs."""
from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from huaweicloudsdkcoc.v1 import (AddScriptModel, CocClient, CreateScriptRequest, DeleteScriptRequest,
                                  ExecuteInstancesBatchInfo, ExecuteResourceInstance, ExecuteScriptRequest,
                                  GetScriptJobBatchRequest, GetScriptJobInfoRequest, ListResourcesRequest,
                                  ListScriptJobsRequest, ListScriptsRequest, ScriptExecuteModel, ScriptExecuteParam,
                                  ScriptPropertiesModel)
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkecs.v2 import (BatchAddServerTag, BatchCreateServerTagsRequest, BatchCreateServerTagsRequestBody,
                                  BatchStopServersOption, BatchStopServersRequest, BatchStopServersRequestBody,
                                  ServerId, ShowServerRequest)

from imageforge.simulator.core.guest import SEALED
from imageforge.simulator.core.simulator import Simulator
from imageforge.simulator.huawei import servers
from imageforge.simulator.huawei.coc import CocModel

from .conftest import BJ4, shared

COC = "huawei-coc"


@pytest.fixture
def sim(module_sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> Simulator:
    return shared(module_sim, monkeypatch)


@pytest.fixture
def coc(sim: Simulator) -> Any:
    creds = BasicCredentials("SIMULATORAK", "simulator-secret", sim.endpoints["huawei_projects"][BJ4])
    return CocClient.new_builder().with_credentials(creds).with_endpoints([sim.endpoints["http"]]).build()


def model(sim: Simulator) -> CocModel:
    return next(w for w in sim.wires if w.vendor == COC).model  # type: ignore[attr-defined,no-any-return]


def fresh(sim: Simulator, family: str = "linux") -> str:
    return servers.add_server(model(sim).ims, BJ4, family).id


def script(coc: Any, name: str, content: str, kind: str = "SHELL") -> str:
    body = AddScriptModel(name=name, type=kind, content=content, description="test",
                          properties=ScriptPropertiesModel(risk_level="LOW", version="1.0.0"))
    return str(coc.create_script(CreateScriptRequest(body=body)).data)


def execute(coc: Any, script_uuid: str, vm: str, timeout: int = 300) -> str:
    body = ScriptExecuteModel(execute_param=ScriptExecuteParam(timeout=timeout, execute_user="root", success_rate=100.0),
                              execute_batches=[ExecuteInstancesBatchInfo(batch_index=1, rotation_strategy="CONTINUE",
                                                                         target_instances=[ExecuteResourceInstance(
                                                                             resource_id=vm, region_id=BJ4)])])
    return str(coc.execute_script(ExecuteScriptRequest(script_uuid=script_uuid, body=body)).data)


def instance(coc: Any, execute_uuid: str) -> Any:
    found = coc.get_script_job_batch(GetScriptJobBatchRequest(execute_uuid=execute_uuid, batch_index=1)).data
    assert found.batch_index == 1 and found.total_instances == 1
    return found.execute_instances[0]


def test_a_script_runs_in_the_guest_and_its_log_and_status_read_back(sim: Simulator, coc: Any) -> None:
    vm = fresh(sim)
    uuid_ = script(coc, "sdk_echo", "trap 'echo \"code=$?\"' EXIT\necho hello\n# sim: fail 3 broke")
    assert uuid_.startswith("SC")
    job = execute(coc, uuid_, vm)
    assert job.startswith("SCRIPT")
    assert instance(coc, job).status == "PROCESSING"
    info = coc.get_script_job_info(GetScriptJobInfoRequest(execute_uuid=job)).data
    assert info.status == "PROCESSING" and info.properties.script_uuid == uuid_
    assert info.properties.script_name == "sdk_echo"
    processing = coc.list_script_jobs(ListScriptJobsRequest(status="PROCESSING")).data.data
    assert job in [j.execute_uuid for j in processing]
    sim.clock.advance(60)
    done = instance(coc, job)
    assert done.status == "ABNORMAL" and done.message.splitlines() == ["hello", "broke", "code=3"]
    assert done.target_instance.resource_id == vm
    assert coc.get_script_job_info(GetScriptJobInfoRequest(execute_uuid=job)).data.status == "ABNORMAL"


def test_windows_bat_carries_encoded_powershell_and_sysprep_seals_the_guest(sim: Simulator, coc: Any) -> None:
    vm = fresh(sim, "windows")
    ps = "Start-Process -FilePath Sysprep.exe -ArgumentList '/generalize','/quit' -Wait\nWrite-Output sealed"
    encoded = base64.b64encode(ps.encode("utf-16-le")).decode()
    bat = f"@echo off\npowershell -NoProfile -EncodedCommand {encoded}\nset rc=%ERRORLEVEL%\necho rc=%rc%\nexit /b %rc%"
    job = execute(coc, script(coc, "sdk_sysprep", bat, "BAT"), vm, timeout=1799)
    sim.clock.advance(400)
    done = instance(coc, job)
    assert done.status == "FINISHED" and done.message.splitlines()[-2:] == ["sealed", "rc=0"]
    assert model(sim).guest_state(BJ4, vm).image_state == SEALED


def test_an_offline_uniagent_shows_in_list_resources_and_fails_the_instance(sim: Simulator, coc: Any) -> None:
    vm = fresh(sim)
    found = coc.list_resources(ListResourcesRequest(provider="ecs", type="cloudservers", resource_id_list=[vm])).data
    assert [(r.resource_id, r.agent_state) for r in found] == [(vm, "ONLINE")]
    servers.set_agent(model(sim).ims, BJ4, vm, "OFFLINE")
    found = coc.list_resources(ListResourcesRequest(provider="ecs", type="cloudservers", resource_id_list=[vm])).data
    assert found[0].agent_state == "OFFLINE"
    done = instance(coc, execute(coc, script(coc, "sdk_offline", "echo never"), vm))
    assert done.status == "ABNORMAL" and "OFFLINE" in done.message
    servers.set_agent(model(sim).ims, BJ4, vm, "NONE")
    found = coc.list_resources(ListResourcesRequest(provider="ecs", type="cloudservers", resource_id_list=[vm])).data
    assert found[0].agent_state is None


def test_scripts_list_by_name_refuse_duplicates_and_limits_and_delete(sim: Simulator, coc: Any) -> None:
    uuid_ = script(coc, "sdk_listed_one", "echo 1")
    listed = coc.list_scripts(ListScriptsRequest(name_like="sdk_listed")).data
    assert [(s.name, s.script_uuid, s.type) for s in listed.data] == [("sdk_listed_one", uuid_, "SHELL")]
    for name, content, kind in (("sdk_listed_one", "echo 2", "SHELL"), ("bad-name", "echo", "SHELL"),
                                ("sdk_big", "x" * 4097, "SHELL"), ("sdk_ps", "echo", "POWERSHELL")):
        with pytest.raises(ClientRequestException) as refused:
            script(coc, name, content, kind)
        assert refused.value.status_code == 400 and refused.value.error_code == "COC.00040601"
    with pytest.raises(ClientRequestException) as late:
        execute(coc, uuid_, fresh(sim), timeout=1800)
    assert "5 < timeout < 1800" in late.value.error_msg
    coc.delete_script(DeleteScriptRequest(script_uuid=uuid_))
    assert coc.list_scripts(ListScriptsRequest(name_like="sdk_listed")).data.data == []
    with pytest.raises(ClientRequestException) as gone:
        coc.delete_script(DeleteScriptRequest(script_uuid=uuid_))
    assert gone.value.status_code == 404


def test_ecs_stop_and_tags_read_back_through_show_server(sim: Simulator, clients: Callable[..., Any]) -> None:
    ecs = clients(BJ4, "ecs")
    vm = fresh(sim)
    body = BatchCreateServerTagsRequestBody(action="create", tags=[BatchAddServerTag(key="team", value="web")])
    ecs.batch_create_server_tags(BatchCreateServerTagsRequest(server_id=vm, body=body))
    stop = BatchStopServersRequestBody(os_stop=BatchStopServersOption(servers=[ServerId(id=vm)], type="SOFT"))
    assert ecs.batch_stop_servers(BatchStopServersRequest(body=stop)).job_id
    shown = ecs.show_server(ShowServerRequest(server_id=vm)).server
    assert shown.status == "ACTIVE" and shown.os_ext_st_stask_state == "powering-off" and shown.tags == ["team=web"]
    sim.clock.advance(servers.STOP_SECONDS / 2)
    assert ecs.batch_stop_servers(BatchStopServersRequest(body=stop)).job_id  # a job; the stop already under way
    sim.clock.advance(servers.STOP_SECONDS / 2)
    shown = ecs.show_server(ShowServerRequest(server_id=vm)).server
    assert shown.status == "SHUTOFF" and shown.metadata["os_type"] == "Linux"
    assert servers.agent(model(sim).ims, BJ4, vm) == "OFFLINE"
