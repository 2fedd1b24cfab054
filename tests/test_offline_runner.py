"""The offline runner behaves as `pulumi up` / `pulumi destroy` do for protect, retain_on_delete, import_ and errors."""
from __future__ import annotations

from typing import Any

import pulumi
import pytest
from imageforge.providers.cli.main import main
from imageforge.simulator import Simulator, offline

SOURCE = {"instance": "i-bp1imageforgelnx01"}


def capture(name: str, **extra: Any) -> Any:
    from imageforge.providers import CustomImage

    return CustomImage(name, cloud="alibaba", region="cn-hangzhou", name=f"golden-{name}", source=SOURCE,
                       endpoint="sim", **extra)


def images(sim: Simulator) -> list[str]:
    return sorted(ident for vendor, _, ident in sim.inventory() if vendor == "alibaba-ecs")


def test_a_protected_resource_stops_destroy_before_anything_is_deleted(sim: Simulator) -> None:
    def program() -> None:
        capture("kept", opts=pulumi.ResourceOptions(protect=True))
        capture("loose")

    result = offline.run(program)
    made = images(sim)
    assert len(made) == 2
    with pytest.raises(offline.DeleteProtected) as caught:
        offline.destroy(result)
    urn = "urn:pulumi:sim::imageforge::pulumi-python:dynamic/imageforge:CustomImage::kept"
    assert str(caught.value) == (
        f'resource "{urn}" cannot be deleted\nbecause it is protected. To unprotect the resource, either remove the '
        "`protect` flag from the resource in your Pulumi program and run `pulumi up`, or use the command:\n"
        f"`pulumi state unprotect '{urn}'`")
    assert images(sim) == made  # nothing deleted, not even the unprotected one


def test_retain_on_delete_leaves_the_image_in_the_cloud_and_deletes_the_rest(sim: Simulator) -> None:
    def program() -> None:
        capture("kept", opts=pulumi.ResourceOptions(retain_on_delete=True))
        capture("loose")

    result = offline.run(program)
    kept = next(r for r in result.resources if r.name == "kept")
    offline.destroy(result)
    assert images(sim) == [kept.id]
    assert [r.name for r in result.retained] == ["kept"]


def test_protect_inherited_from_a_component_parent_is_honoured(sim: Simulator) -> None:
    def program() -> None:
        parent = pulumi.ComponentResource("test:index:Group", "group", opts=pulumi.ResourceOptions(protect=True))
        capture("child", opts=pulumi.ResourceOptions(parent=parent))

    result = offline.run(program)
    with pytest.raises(offline.DeleteProtected, match=r"test:index:Group\$pulumi-python:dynamic/imageforge:CustomImage"):
        offline.destroy(result)
    assert len(images(sim)) == 1


def test_check_failures_read_as_the_engine_prints_them_with_secrets_masked(sim: Simulator) -> None:
    def program() -> None:
        capture("bad", sysprep="yes", description=pulumi.Output.secret(7))

    mark = sim.mark()
    with pytest.raises(offline.CheckFailed) as caught:
        offline.run(program)
    lines = str(caught.value).splitlines()
    typ = "pulumi-python:dynamic/imageforge:CustomImage"
    assert f"{typ} resource 'bad's property 'sysprep' value {{yes}} has a problem: must be true or false" \
           " (a boolean, without quotes); got a string." in lines
    described = [line for line in lines if "'description'" in line]
    assert described == [(f"{typ} resource 'bad's property 'description' value {{[secret]}} has a problem: must be "
                         "a string; got a number.")]
    assert sim.requests(since=mark) == []


def test_import_is_refused_in_the_program_naming_the_option_and_the_way_out(sim: Simulator) -> None:
    def program() -> None:
        capture("adopted", opts=pulumi.ResourceOptions(import_="m-bp1existing"))

    mark = sim.mark()
    with pytest.raises(pulumi.RunError) as caught:
        offline.run(program)
    message = str(caught.value)
    assert "CustomImage 'adopted'" in message and "import_" in message and "m-bp1existing" in message
    assert "16175" in message and "ImageRegionSet" in message
    assert sim.requests(since=mark) == []


def test_the_demo_prints_diagnostics_instead_of_a_traceback(tmp_path, capsys) -> None:
    stack = tmp_path / "stack"
    stack.mkdir()
    (stack / "__main__.py").write_text(
        "from imageforge.providers import CustomImage\n"
        "CustomImage('bad', cloud='alibaba', region='cn-hangzhou', name='golden', endpoint='sim',\n"
        "            source={'instance': 'i-bp1imageforgelnx01'}, architecture='sparc')\n")
    (stack / "Pulumi.sim.yaml").write_text("config: {}\n")
    code = main(["demo", "--stack-dir", str(stack), "--home", str(tmp_path / "home")])
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" not in err
    assert err.startswith("Diagnostics:\n  pulumi-python:dynamic/imageforge:CustomImage (bad):\n    error: ")
    assert "property 'architecture' value {sparc} has a problem" in err


def test_inputs_as_args_create_the_same_image_and_a_misspelt_keyword_is_refused_by_check(sim: Simulator) -> None:
    from imageforge.providers import CustomImage
    from imageforge.providers.resources.args import CustomImageArgs

    def program() -> None:
        image = CustomImage("typed", CustomImageArgs(cloud="alibaba", region="cn-hangzhou", name="golden-typed",
                                                     source={"instance": "i-bp1imageforgelnx01"}, endpoint="sim"))
        pulumi.export("id", image.image_id)

    result = offline.run(program)
    assert result.outputs["id"] in images(sim)

    def misspelt() -> None:
        CustomImage("typo", cloud="alibaba", region="cn-hangzhou", name="golden-typo", endpoint="sim",  # type: ignore[call-overload]
                    source={"instance": "i-bp1imageforgelnx01"}, sysprepp=True)

    mark = sim.mark()
    with pytest.raises(offline.CheckFailed) as caught:
        offline.run(misspelt)
    assert [prop for prop, _ in caught.value.failures] == ["sysprepp"]
    assert sim.requests(since=mark) == []


@pytest.mark.parametrize("target,message", [
    ({"cloud": "alibaba", "region": "cn-hangzhou", "source": {"instance": "i-x"}, "region_list": ["a"]},
     "targets[0]: unknown key(s) region_list; a target takes "),
    ({"cloud": "alibaba", "source": {"instance": "i-x"}}, "targets[0]: region is required"),
    ("alibaba", "targets[0]: must be a map with cloud, region, source; got str"),
])
def test_a_release_target_mistake_is_one_clear_line(sim: Simulator, target: Any, message: str) -> None:
    from imageforge.components import ImageRelease

    def program() -> None:
        ImageRelease("rel", image_name="golden", endpoint="sim", targets=[target])

    with pytest.raises(pulumi.RunError) as caught:
        offline.run(program)
    assert str(caught.value).startswith("ImageRelease 'rel' " + message)
