"""`imageforge demo --stack-dir` reads the user's own project: its name is the config namespace; unread keys are named."""
from __future__ import annotations

from pathlib import Path

from imageforge.providers.cli.main import main
from imageforge.providers.cli.project import find_project

ROOT = Path(__file__).resolve().parents[1]

PROGRAM = """\
import pulumi
from imageforge.providers import CustomImage

config = pulumi.Config()
image = CustomImage("web", cloud="alibaba", region="cn-hangzhou", name=config.require("imageName"),
                    source={"instance": "i-bp1imageforgelnx01"}, endpoint="sim")
pulumi.export("targets", {"web": {"region": "cn-hangzhou", "status": image.status,
                                  "regions": {"cn-hangzhou": image.image_id}}})
"""


def user_project(tmp_path: Path, config: str) -> Path:
    project = tmp_path / "platform-images"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: platform-images\nruntime: python\n")
    (project / "__main__.py").write_text(PROGRAM)
    (project / "Pulumi.dev.yaml").write_text(config)
    return project


def test_the_project_name_is_the_config_namespace_and_unread_keys_are_named(tmp_path: Path, capsys) -> None:
    project = user_project(tmp_path, "config:\n  platform-images:imageName: golden-platform\n"
                                     "  platform-images:flavour: large\n  imageforge:imageName: ignored\n")
    code = main(["demo", "--stack-dir", str(project), "--stack", "dev", "--home", str(tmp_path / "home")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "(project platform-images)" in captured.out
    assert "web" in captured.out and "available" in captured.out
    warnings = [line for line in captured.err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 2
    assert any("'platform-images:flavour' was not read" in w for w in warnings)
    assert any("'imageforge:imageName' was not read" in w for w in warnings)


def test_a_key_under_another_namespace_is_explained(tmp_path: Path, capsys) -> None:
    project = user_project(tmp_path, "config:\n  platform-images:imageName: golden-platform\n  platfrom:imageName: x\n")
    assert main(["demo", "--stack-dir", str(project), "--stack", "dev", "--home", str(tmp_path / "home")]) == 0
    err = capsys.readouterr().err
    assert "'platfrom:imageName' was not read" in err
    assert "this project is 'platform-images', so `pulumi.Config()` reads platform-images:<name>" in err


def test_the_sample_project_is_found_from_its_program_folder() -> None:
    project = find_project(ROOT / "stacks")
    assert project.name == "imageforge"
    assert project.program_dir == project.config_dir == (ROOT / "stacks").resolve()
    assert project.project_file == ROOT / "Pulumi.yaml"
    from_root = find_project(ROOT)
    assert from_root.program_dir == (ROOT / "stacks").resolve() and from_root.config_dir == (ROOT / "stacks").resolve()


def test_a_folder_without_a_project_file_uses_imageforge_namespace(tmp_path: Path) -> None:
    lone = tmp_path / "lone"
    lone.mkdir()
    project = find_project(lone)
    assert (project.name, project.program_dir, project.project_file) == ("imageforge", lone.resolve(), None)
