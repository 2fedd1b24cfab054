"""A user's program type-checks under `mypy --strict` against the built wheel, outside this repository.

The wheel is built from a copy of the sources, installed into a scratch environment that sees the
installed dependencies (pulumi), and mypy runs from a folder with no configuration of ours. A second
program with mistakes proves the types are real: mypy must reject it, naming each mistake.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

GOOD = '''\
from __future__ import annotations

import pulumi
from imageforge.providers import CustomImage, ImageRegionSet
from imageforge.providers.resources.args import CustomImageArgs, SourceArgs, TimeoutsArgs

config = pulumi.Config()
source: SourceArgs = {"instance": config.require("instance")}
timeouts: TimeoutsArgs = {"create": "90m"}
image = CustomImage("web", CustomImageArgs(cloud="alibaba", region="cn-hangzhou", name="golden-web",
                                           source=source, tags={"team": "web"}, timeouts=timeouts))
copies = ImageRegionSet("web-copies", cloud="alibaba", region="cn-hangzhou", image_id=image.image_id,
                        regions=["cn-shanghai", {"region": "cn-beijing"}], endpoint=config.get("endpoint"))
upper: pulumi.Output[str] = image.image_id.apply(lambda value: value.upper())
size: pulumi.Output[int | None] = image.size_gb
ids: pulumi.Output[str] = copies.image_ids.apply(lambda found: ",".join(sorted(found.values())))
pulumi.export("image", upper)
pulumi.export("copies", ids)
pulumi.export("size", size)
'''

BAD = '''\
from __future__ import annotations

from imageforge.providers import CustomImage

CustomImage("web", cloud="alibaba", region="cn-hangzhou", name="golden-web", source={"instance": 42},
            sysprep="yes")
CustomImage("other", cloud="alibaba", region="cn-hangzhou", name="golden-web")
'''


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of this package installed alone into a scratch environment whose other packages are ours."""
    base = tmp_path_factory.mktemp("typing")
    src = base / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for name in ("providers", "components", "simulator", "stacks"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(base / "wheel"),
        str(src))
    wheel = next((base / "wheel").glob("imageforge-*.whl"))
    import zipfile

    shipped = set(zipfile.ZipFile(wheel).namelist())  # the sample stack travels with the package: `imageforge demo`
    assert {"imageforge/stacks/__main__.py", "imageforge/stacks/Pulumi.sim.yaml"} <= shipped
    env = base / "env"
    run(sys.executable, "-m", "venv", "--without-pip", str(env))
    site = Path(run(str(env / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"))
    run(sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel))
    (site / "installed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    assert (site / "imageforge" / "providers" / "py.typed").exists()
    return base


def run(*cmd: str, cwd: Path | None = None, check: bool = True) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return (proc.stdout + proc.stderr).strip()


def mypy(scratch: Path, program: str, name: str) -> tuple[int, str]:
    folder = scratch / name
    folder.mkdir()
    (folder / "__main__.py").write_text(program)
    proc = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--python-executable",
                           str(scratch / "env" / "bin" / "python"), "__main__.py"],
                          capture_output=True, text=True, cwd=folder, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def test_a_users_program_type_checks_strictly_against_the_installed_wheel(scratch: Path) -> None:
    code, out = mypy(scratch, GOOD, "good")
    assert code == 0, out


def test_mistakes_in_a_users_program_are_type_errors(scratch: Path) -> None:
    code, out = mypy(scratch, BAD, "bad")
    assert code == 1, out
    assert "Cannot find implementation or library stub" not in out
    assert '__main__.py:5: error: No overload variant of "CustomImage"' in out  # sysprep="yes", instance=42
    assert '__main__.py:7: error: No overload variant of "CustomImage"' in out  # the required source left out
    assert "Found 2 errors" in out
