"""The sample stack and the components, run as a program under mocks with the real providers executing."""
from __future__ import annotations

from pathlib import Path

import pytest

from imageforge.providers.cli.demo_cmd import load_stack_config
from imageforge.simulator import Simulator, offline

ROOT = Path(__file__).resolve().parents[1]
STACKS = ROOT / "stacks"


def sim_config() -> dict[str, str]:
    return load_stack_config(STACKS / "Pulumi.sim.yaml")


def test_sample_stack_captures_and_publishes_then_destroys_cleanly(sim: Simulator) -> None:
    result = offline.run(STACKS / "__main__.py", sim_config())
    targets = result.outputs["targets"]
    ecs = targets["alibaba-ecs"]
    assert ecs["status"] == "available" and ecs["image_id"].startswith("m-")
    assert sorted(ecs["regions"]) == ["ap-southeast-1", "cn-beijing", "cn-hangzhou", "cn-shanghai"]
    assert {r.typ.rsplit(":", 1)[1] for r in result.resources} >= {"CustomImage", "ImageRegionSet"}
    for region, image_id in ecs["regions"].items():
        assert sim.store.get("alibaba-ecs", region, "image", image_id) is not None

    offline.destroy(result)
    for region in ecs["regions"]:
        assert sim.store.list("alibaba-ecs", region, "image") == []


@pytest.mark.parametrize("target,vendor,runs", [("alibaba-ecs", "alibaba-ecs", "RunCommand"),
                                                ("alibaba-eds", "alibaba-eds", "RunCommand"),
                                                ("tencent-cvm", "tencent-tat", "RunCommand"),
                                                ("huawei-ims", "huawei-coc", "ExecuteScript"),
                                                ("azure-gallery", "azure", "VirtualMachines_RunCommand")])
def test_sample_stack_runs_finalize_scripts_and_generalizes_before_each_capture(sim: Simulator, target: str,
                                                                                vendor: str, runs: str) -> None:
    """Every target with `generalize` runs the scripts in the guest and captures only a generalized VM."""
    result = offline.run(STACKS / "__main__.py", sim_config())
    gvms = [r for r in result.resources if r.typ.endswith(":GeneralizedVM") and r.name == f"golden-{target}-generalized"]
    assert len(gvms) == 1, [r.name for r in result.resources]
    outs = gvms[0].outputs
    assert outs["generalized"] is True and outs["power_state"] in ("stopped", "deallocated")
    steps = [c["step"] for c in outs["commands"]]
    assert steps[-2:] == ["finalize[0]", "generalize"] and outs["commands"][-2]["exit_code"] == 0
    assert "licences" in outs["commands"][-2]["stdout_tail"]
    assert len([r for r in sim.requests(vendor) if r.action == runs and outs["vm_id"] in str(r.params)]) == len(steps)
    assert result.outputs["targets"][target]["status"] == "available"
    offline.destroy(result)


def test_stack_reports_check_failures_before_any_call(sim: Simulator) -> None:
    config = sim_config()
    config["imageforge:imageName"] = "9" + "x" * 199  # too long for every cloud's names, whichever checks first
    config["imageforge:bakeImageName"] = config["imageforge:imageName"]
    mark, before = sim.mark(), sim.inventory()
    with pytest.raises(Exception) as caught:
        offline.run(STACKS / "__main__.py", config)
    assert "name" in str(caught.value) and "characters" in str(caught.value)
    # The GeneralizedVMs take no name: like the engine, the runner may start them while another resource's
    # check fails (only a preview would stop it first). No image is ever made, on any cloud.
    guest = {"alibaba-ecs": {"DescribeInstances", "DescribeCloudAssistantStatus", "DescribeInvocations", "RunCommand",
                             "DescribeInvocationResults", "TagResources", "StopInstance"},
             "alibaba-eds": {"DescribeDesktops", "RunCommand", "DescribeInvocations", "TagResources", "StopDesktops"},
             "tencent-cvm": {"DescribeInstances", "StopInstances", "TagResources", "GetCallerIdentity"},
             "tencent-tat": {"DescribeAutomationAgentStatus", "RunCommand", "DescribeInvocationTasks"},
             "huawei-ims": {"ShowServer", "BatchStopServers", "BatchCreateServerTags", "ShowJob", "ShowJobProgress"},
             "huawei-coc": {"ListResources", "ListScripts", "CreateScript", "ExecuteScript", "ListScriptJobs",
                            "GetScriptJobInfo", "GetScriptJobBatch", "DeleteScript"}}
    assert sorted({(r.vendor, r.action) for r in sim.requests(since=mark) if not r.vendor.startswith("azure")
                   and r.action not in guest.get(r.vendor, set())}) == []
    assert sim.inventory() == before


def test_release_to_two_targets_reports_each(sim: Simulator) -> None:
    from imageforge.components import ImageRelease

    def program() -> None:
        import pulumi

        release = ImageRelease("multi", image_name="golden-multi", endpoint="sim", targets=[
            {"name": "hangzhou", "cloud": "alibaba", "region": "cn-hangzhou",
             "source": {"instance": "i-bp1imageforgelnx01"}, "regions": ["cn-beijing"]},
            {"name": "singapore", "cloud": "alibaba", "region": "ap-southeast-1",
             "source": {"snapshot": "s-t4nimageforgesys01"}},
        ])
        pulumi.export("targets", release.targets)

    result = offline.run(program)
    targets = result.outputs["targets"]
    assert set(targets) == {"hangzhou", "singapore"}
    assert sorted(targets["hangzhou"]["regions"]) == ["cn-beijing", "cn-hangzhou"]
    assert list(targets["singapore"]["regions"]) == ["ap-southeast-1"]
    assert all(t["status"] == "available" for t in targets.values())
    offline.destroy(result)


def test_stack_completes_under_throttling_without_duplicates(sim: Simulator) -> None:
    sim.inject("alibaba-ecs", "DescribeImages", "throttle", times=5)
    sim.inject("alibaba-ecs", "CopyImage", "throttle", times=2)
    result = offline.run(STACKS / "__main__.py", sim_config())
    regions = result.outputs["targets"]["alibaba-ecs"]["regions"]
    assert len(regions) == 4
    for region in regions:
        assert len(sim.store.list("alibaba-ecs", region, "image")) == 1
    throttled = [r for r in sim.requests("alibaba-ecs") if r.error == "Throttling.User"]
    assert len(throttled) == 7


def test_copy_failure_in_one_region_names_it_and_leaves_no_copy(sim: Simulator) -> None:
    sim.inject("alibaba-ecs", "CopyImage", "fail", region="ap-southeast-1")
    with pytest.raises(Exception) as caught:
        offline.run(STACKS / "__main__.py", sim_config())
    assert "ap-southeast-1" in str(caught.value)
    for region in ("cn-shanghai", "cn-beijing", "ap-southeast-1"):
        assert sim.store.list("alibaba-ecs", region, "image") == []
    offline.destroy(caught.value.partial_run)  # the captured source image
    assert sim.store.list("alibaba-ecs", "cn-hangzhou", "image") == []


def test_demo_command_prints_an_image_id_per_target_and_region(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from imageforge.providers.cli.main import main

    monkeypatch.setenv("IMAGEFORGE_PROGRESS_LOG", str(tmp_path / "progress.log"))
    monkeypatch.chdir(tmp_path)  # any folder: the sample stack installed with the package is the default
    assert main(["demo", "--home", str(tmp_path / "demo"), "--destroy"]) == 0
    out = capsys.readouterr().out
    assert "destroyed 15 resources" in out  # with the GeneralizedVMs of every target
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    table = [r for r in rows if len(r) == 4 and r[3] == "available"]
    targets = {r[0] for r in table}
    assert targets == {"alibaba-ecs", "alibaba-eds", "azure-gallery", "tencent-cvm", "huawei-ims"}
    assert len(table) == 19 and all(r[2] for r in table)
    guests = [line for line in out.splitlines() if line.startswith("golden-") and "-generalized:" in line]
    assert len(guests) == 5 and all("finalize[0] (exit 0), generalize (exit 0); generalized, " in line
                                    and line.endswith(("stopped", "deallocated")) for line in guests), guests
    assert (tmp_path / "progress.log").read_text().count("%") > 10
