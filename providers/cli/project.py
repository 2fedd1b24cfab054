"""Where `imageforge demo` finds a Pulumi project: its name (the config namespace), program and stack config."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml")
DEFAULT_NAME = "imageforge"


@dataclass(frozen=True)
class Project:
    """What the Pulumi CLI would read: `name` is the namespace `pulumi.Config()` uses in the program."""

    name: str
    program_dir: Path
    config_dir: Path
    project_file: Path | None


def find_project(stack_dir: Path) -> Project:
    """The project file in `stack_dir` or the nearest folder above it, as the CLI looks for it.

    `main` and `stackConfigDir` in that file say where the program and the stack config live; when
    no project file exists, `stack_dir` holds both and the namespace is imageforge's own.
    """
    import yaml

    start = stack_dir.resolve()
    for folder in (start, *start.parents):
        for file_name in PROJECT_FILES:
            path = folder / file_name
            if path.is_file():
                raw = yaml.safe_load(path.read_text()) or {}
                name = str(raw.get("name") or DEFAULT_NAME)
                main = folder / str(raw.get("main") or ".")
                program_dir = (main if main.is_dir() else main.parent).resolve()
                config_dir = (folder / str(raw.get("stackConfigDir") or ".")).resolve()
                if folder != start and program_dir != start:  # a project further up that runs another folder: the folder given wins
                    program_dir = config_dir = start
                return Project(name, program_dir, config_dir, path)
    return Project(DEFAULT_NAME, start, start, None)
