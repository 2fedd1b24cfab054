"""Several accounts in one stack: the `credentials` input names a profile or a role, the simulator keys state
by the access key that signed, and nothing secret reaches state.

The profiles live where the vendors' own tools keep them (`~/.alibabacloud/credentials.ini`,
`~/.tencentcloud/credentials`) under a temporary HOME; roles are assumed through each vendor's STS
in the simulator (Alibaba's over HTTPS, as the credentials library always calls it).
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from imageforge.providers import CustomImageProvider, ImageRegionSetProvider
from imageforge.simulator import Simulator
from imageforge.simulator.alibaba.signing import ACCOUNTS as ALIBABA_ACCOUNTS
from imageforge.simulator.tencent.signing import ACCOUNTS as TENCENT_ACCOUNTS

from tests.engine import ProviderError, ProviderServer

ALI_SECOND, TC_SECOND = ALIBABA_ACCOUNTS[1], TENCENT_ACCOUNTS[1]
ALI_ROLE = f"acs:ram::{ALI_SECOND.uid}:role/image-publisher"
TC_ROLE = f"qcs::cam::uin/{TC_SECOND.uid}:roleName/image-publisher"
ALI_CAPTURE = {"cloud": "alibaba", "region": "cn-hangzhou", "name": "golden-accounts",
               "source": {"snapshot": "s-bp1imageforgesys01"}, "owner": "proj/sim/ali"}
TC_CAPTURE = {"cloud": "tencent", "region": "ap-guangzhou", "name": "golden-accounts",
              "source": {"instance": "ins-gzwin001"}, "owner": "proj/sim/tc"}
SECRETS = ("simulator-secret", ALI_SECOND.secret, TC_SECOND.secret)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A HOME with one named profile per vendor, each holding the second simulated account's key."""
    home = tmp_path / "home"
    (home / ".alibabacloud").mkdir(parents=True)
    (home / ".alibabacloud" / "credentials.ini").write_text(
        f"[second]\ntype = access_key\naccess_key_id = {ALI_SECOND.key_id}\naccess_key_secret = {ALI_SECOND.secret}\n")
    (home / ".tencentcloud").mkdir()
    (home / ".tencentcloud" / "credentials").write_text(
        f"[default]\nsecret_id = AKIDNOTUSED\nsecret_key = not-used\n\n"
        f"[second]\nsecret_id = {TC_SECOND.key_id}\nsecret_key = {TC_SECOND.secret}\n")
    return home


@pytest.fixture
def accounts_server(sim: Simulator, home: Path, tmp_path: Path) -> Iterator[ProviderServer]:
    started = ProviderServer(env={"IMAGEFORGE_SIM_HOME": str(sim.home), "HOME": str(home),
                                  "IMAGEFORGE_PROGRESS_LOG": str(tmp_path / "progress.log"),
                                  "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"})
    started.configure({"imageforge:endpoint": "sim"})
    yield started
    started.close()


def _images(sim: Simulator, vendor: str, account: str) -> set[str]:
    rows = sim.store.execute("SELECT id, data FROM objects WHERE vendor=? AND account=? AND kind='image'",
                             (vendor, account))
    return {r[0] for r in rows if '"_deleted_at"' not in r[1]}


def _no_secret(state: dict[str, Any]) -> None:
    text = json.dumps(state)
    for secret in SECRETS:
        assert secret not in text
    assert "STS." not in text and "TmpSecret" not in text and "SecurityToken" not in text


def test_one_stack_publishes_into_two_alibaba_and_two_tencent_accounts(accounts_server: ProviderServer,
                                                                      sim: Simulator, tmp_path: Path) -> None:
    server = accounts_server
    made: dict[str, tuple[str, dict[str, Any]]] = {}
    made["ali-default"] = server.up(CustomImageProvider(), {**ALI_CAPTURE, "owner": "proj/sim/ali-default"})
    made["ali-profile"] = server.up(CustomImageProvider(), {**ALI_CAPTURE, "credentials": {"profile": "second"}})
    made["tc-default"] = server.up(CustomImageProvider(), {**TC_CAPTURE, "owner": "proj/sim/tc-default"})
    made["tc-role"] = server.up(CustomImageProvider(), {**TC_CAPTURE, "credentials": {"role_arn": TC_ROLE}})

    assert made["ali-default"][0] in _images(sim, "alibaba-ecs", "default")
    assert made["ali-profile"][0] in _images(sim, "alibaba-ecs", ALI_SECOND.uid)
    assert made["ali-profile"][0] not in _images(sim, "alibaba-ecs", "default")
    assert made["tc-default"][0] in _images(sim, "tencent-cvm", "default")
    assert made["tc-role"][0] in _images(sim, "tencent-cvm", TC_SECOND.uid)
    assert made["tc-role"][0] not in _images(sim, "tencent-cvm", "default")

    # copies into the second accounts: Alibaba through a RAM role, Tencent through its profile
    mark = sim.mark()
    ali_copy = server.up(ImageRegionSetProvider(), {
        "cloud": "alibaba", "region": "cn-hangzhou", "image_id": made["ali-profile"][0], "regions": ["cn-shanghai"],
        "credentials": {"role_arn": ALI_ROLE, "role_session_name": "release-2026-12"}, "owner": "proj/sim/ali-copy"})
    tc_copy = server.up(ImageRegionSetProvider(), {
        "cloud": "tencent", "region": "ap-guangzhou", "image_id": made["tc-role"][0], "regions": ["ap-shanghai"],
        "credentials": {"profile": "second"}, "owner": "proj/sim/tc-copy"})
    assert ali_copy[1]["image_ids"]["cn-shanghai"] in _images(sim, "alibaba-ecs", ALI_SECOND.uid)
    assert tc_copy[1]["image_ids"]["ap-shanghai"] in _images(sim, "tencent-cvm", TC_SECOND.uid)
    assumed = [r for r in sim.requests(since=mark) if r.action == "AssumeRole"]
    assert [r.vendor for r in assumed] == ["alibaba-sts"]
    assert assumed[0].params["RoleArn"] == ALI_ROLE and assumed[0].params["RoleSessionName"] == "release-2026-12"

    # state keeps the choice, never a key; refresh and delete reach the same account
    for _, outputs in [*made.values(), ali_copy, tc_copy]:
        _no_secret(outputs)
    assert made["ali-profile"][1]["credentials"] == {"profile": "second"}
    image_id, outputs = made["ali-profile"]
    read_id, read, _ = server.refresh(image_id, outputs, outputs)
    assert read_id == image_id and read["status"] == "available"
    default_view = {k: v for k, v in outputs.items() if k != "credentials"}
    gone_id, _, _ = server.refresh(image_id, default_view, default_view)
    assert gone_id == ""  # the default account has no such image
    server.delete(ali_copy[0], ali_copy[1])
    server.delete(image_id, outputs)
    assert _images(sim, "alibaba-ecs", ALI_SECOND.uid) == set()
    assert made["ali-default"][0] in _images(sim, "alibaba-ecs", "default")
    logs = (tmp_path / "progress.log").read_text() + server.close()  # what the user's terminal and log saw
    for secret in SECRETS:
        assert secret not in logs
    assert "STS." not in logs


def test_check_refuses_credentials_a_cloud_cannot_take_without_echoing_values(accounts_server: ProviderServer) -> None:
    server = accounts_server
    _, failures = server.check(CustomImageProvider(), {**ALI_CAPTURE, "credentials": {"role_arn": "admin"}})
    assert [f[0] for f in failures] == ["credentials.role_arn"]
    assert "acs:ram::" in failures[0][1]
    _, failures = server.check(CustomImageProvider(), {**ALI_CAPTURE, "credentials": {"access_key_secret": "s3cr3t"}})
    assert failures and all("s3cr3t" not in f[1] for f in failures)
    huawei = {"cloud": "huawei", "region": "cn-north-4", "name": "golden", "source": {"instance": "x"},
              "credentials": {"profile": "second"}}
    _, failures = server.check(CustomImageProvider(), huawei)
    assert [f[0] for f in failures] == ["credentials.profile"]
    assert "HUAWEICLOUD_SDK_CREDENTIALS_FILE" in failures[0][1]
    azure = {"cloud": "azure", "region": "westeurope", "name": "golden", "source": {"instance": "x"},
             "credentials": {"role_arn": "x"}}
    _, failures = server.check(CustomImageProvider(), azure)
    refused = dict(failures)
    assert "DefaultAzureCredential" in refused["credentials.role_arn"]


def test_a_missing_profile_fails_before_any_call_and_names_where_it_looked(accounts_server: ProviderServer,
                                                                        sim: Simulator, home: Path) -> None:
    mark = sim.mark()
    with pytest.raises(ProviderError) as caught:
        accounts_server.up(CustomImageProvider(), {**ALI_CAPTURE, "credentials": {"profile": "nobody"}})
    details = caught.value.details
    assert "profile 'nobody' was not found" in details and str(home / ".aliyun" / "config.json") in details
    assert "CredentialsMissing: alibaba: the credentials named by profile 'nobody' could not be used" in details
    assert "aliyun configure --profile nobody" in details
    assert [r for r in sim.requests(since=mark) if r.vendor.startswith("alibaba")] == []


def test_an_unknown_role_account_is_the_vendors_refusal(accounts_server: ProviderServer, sim: Simulator) -> None:
    with pytest.raises(ProviderError) as caught:
        accounts_server.up(CustomImageProvider(), {
            **TC_CAPTURE, "credentials": {"role_arn": "qcs::cam::uin/999999999999:roleName/nope"}})
    details = caught.value.details
    assert "CredentialsMissing: tencent: the credentials named by role 'qcs::cam::uin/999999999999:roleName/nope' " \
           "could not be used. Tried: ResourceNotFound.RoleNotExist" in details


def test_a_profile_with_a_real_key_is_never_sent_to_the_simulator(accounts_server: ProviderServer, sim: Simulator,
                                                                  home: Path) -> None:
    (home / ".tencentcloud" / "credentials").write_text(
        "[real]\nsecret_id = AKIDrealaccountkey0001\nsecret_key = real-secret-0001\n")
    mark = sim.mark()
    with pytest.raises(ProviderError) as caught:
        accounts_server.up(CustomImageProvider(), {**TC_CAPTURE, "credentials": {"profile": "real"}})
    details = caught.value.details
    assert "real keys are never sent to the simulator" in details and "AKIDSIMULATOR2" in details
    assert "real-secret-0001" not in details
    assert sim.requests(since=mark) == []


def test_an_alibaba_cli_profile_reaches_its_account(accounts_server: ProviderServer, sim: Simulator,
                                                    home: Path) -> None:
    (home / ".aliyun").mkdir()
    (home / ".aliyun" / "config.json").write_text(json.dumps({"current": "default", "profiles": [
        {"name": "cli-second", "mode": "AK", "access_key_id": ALI_SECOND.key_id,
         "access_key_secret": ALI_SECOND.secret, "region_id": "cn-hangzhou"}]}))
    image_id, outputs = accounts_server.up(CustomImageProvider(), {**ALI_CAPTURE,
                                                                   "credentials": {"profile": "cli-second"}})
    assert image_id in _images(sim, "alibaba-ecs", ALI_SECOND.uid)
    _no_secret(outputs)
