"""`imageforge demo`: the sample stack, offline, on the embedded simulator."""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    parser = sub.add_parser("demo", help="run the sample stack offline on the embedded simulator")
    parser.add_argument("--stack-dir", type=Path, default=None,
                        help="folder with __main__.py and Pulumi.<stack>.yaml (default: ./stacks, else the sample "
                             "stack installed with imageforge)")
    parser.add_argument("--stack", default="sim", help="stack config to use (default: sim)")
    parser.add_argument("--speed", type=float, default=0.0,
                        help="simulated seconds per real second; 0 (default) lets waits complete at once")
    parser.add_argument("--home", type=Path, default=None, help="simulator state folder (default: a temporary one)")
    parser.add_argument("--destroy", action="store_true", help="delete everything the run created at the end")
    parser.set_defaults(handler=run_demo)


def load_stack_config(path: Path) -> dict[str, Any]:
    import json

    import yaml

    raw = yaml.safe_load(path.read_text()) or {}
    return {k: (v if isinstance(v, str) else json.dumps(v)) for k, v in (raw.get("config") or {}).items()}


def sample_stack_dir() -> Path | None:
    """The sample stack installed with the package (imageforge.stacks), so `imageforge demo` runs anywhere."""
    import importlib.util

    spec = importlib.util.find_spec("imageforge.stacks")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    return Path(locations[0]) if locations else None


def default_stack_dir() -> Path:
    """./stacks when it holds a program (a checkout, or a project laid out like this one), else the sample stack."""
    here = Path("stacks")
    if (here / "__main__.py").is_file():
        return here
    return sample_stack_dir() or here


def run_demo(args: argparse.Namespace) -> int:
    from .project import find_project

    project = find_project(args.stack_dir if args.stack_dir is not None else default_stack_dir())
    program = project.program_dir / "__main__.py"
    config_file = project.config_dir / f"Pulumi.{args.stack}.yaml"
    if not program.exists() or not config_file.exists():
        print(f"cannot find {program} and {config_file}: pass --stack-dir with the folder of your program and its "
              f"Pulumi.{args.stack}.yaml", file=sys.stderr)
        return 2
    config = load_stack_config(config_file)
    home = args.home or Path(tempfile.mkdtemp(prefix="imageforge-sim-"))
    previous = os.environ.get("IMAGEFORGE_SIM_HOME")
    os.environ["IMAGEFORGE_SIM_HOME"] = str(home)  # where the providers find this simulator
    try:
        return _run(args, home, program, config, config_file, project.name)
    finally:
        if previous is None:
            os.environ.pop("IMAGEFORGE_SIM_HOME", None)
        else:
            os.environ["IMAGEFORGE_SIM_HOME"] = previous


def _run(args: argparse.Namespace, home: Path, program: Path, config: dict[str, Any], config_file: Path,
         project: str) -> int:
    from imageforge.simulator import Simulator, offline

    with Simulator(home, speed=args.speed):
        print(f"simulated clouds at {home}; running {program} (project {project}) with {config_file.name}")
        try:
            result = offline.run(program, config, project=project, stack=args.stack)
        except Exception as err:  # noqa: BLE001 - shown as `pulumi up` shows it, never as a traceback
            print(offline.diagnostics(err), file=sys.stderr)
            made = getattr(err, "partial_run", None)
            if made is not None and made.resources:
                print(f"created before the failure (still in the simulated clouds at {home}): "
                      + ", ".join(f"{r.name} {r.id}" for r in made.resources), file=sys.stderr)
            return 1
        warn_unused(config, result.config_read, project, config_file)
        print_targets(result.outputs.get("targets") or {})
        print_guest_steps([(r.name, r.outputs) for r in result.resources if r.typ.endswith(":GeneralizedVM")])
        baked = result.outputs.get("baked") or {}
        if baked:
            print("baked from base images on build VMs (each removed after its capture):")
            print_targets(baked)
            print_bakes([(r.name, r.outputs) for r in result.resources if r.typ.endswith(":BakedImage")])
        if args.destroy:
            try:
                offline.destroy(result)
            except Exception as err:  # noqa: BLE001
                print(offline.diagnostics(err), file=sys.stderr)
                return 1
            kept = f"; kept (retain_on_delete): {', '.join(r.name for r in result.retained)}" if result.retained else ""
            print(f"destroyed {len(result.resources) - len(result.retained)} resources{kept}")
    return 0


def warn_unused(config: dict[str, Any], read: set[str], project: str, config_file: Path) -> None:
    """Name every config key neither the program nor a provider read: a key set under another project's
    namespace is otherwise silently ignored."""
    for key in sorted(set(config) - read):
        namespace = key.split(":", 1)[0] if ":" in key else ""
        hint = (f"; this project is {project!r}, so `pulumi.Config()` reads {project}:<name>"
                if namespace not in (project, "imageforge") else "")
        print(f"warning: {config_file.name}: config key {key!r} was not read by the program or a provider{hint}",
              file=sys.stderr)


def short_id(image_id: str) -> str:
    """Azure ids are resource paths: show the part after the resource group."""
    if image_id.startswith("/subscriptions/"):
        parts = image_id.strip("/").split("/")
        return "/".join(parts[7::2]) if len(parts) > 7 else image_id
    return image_id


def print_guest_steps(vms: list[tuple[str, dict[str, Any]]]) -> None:
    """What ran in each guest before its capture: every step with its exit code, and the VM's state after."""
    for name, outs in sorted(vms):
        steps = ", ".join(f"{c.get('step')} (exit {c.get('exit_code')})" for c in outs.get("commands") or [])
        state = "generalized" if outs.get("generalized") else "not generalized"
        print(f"{name}: {steps or 'no guest step'}; {state}, {outs.get('power_state', 'unknown')}")


def print_bakes(bakes: list[tuple[str, dict[str, Any]]]) -> None:
    """Each bake: the base image it started from, the guest steps on its build VM, and that the VM is gone."""
    for name, outs in sorted(bakes):
        base = outs.get("base") or {}
        build = outs.get("build") or {}
        steps = ", ".join(f"{c.get('step')} (exit {c.get('exit_code')})" for c in build.get("commands") or [])
        removed = "removed" if build.get("removed") else "NOT removed"
        print(f"{name}: from {base.get('name') or '?'} ({short_id(str(base.get('image_id') or '?'))}) on "
              f"{build.get('instance_type')} build VM {short_id(str(build.get('vm_id') or '?'))}: {steps or 'no guest step'}; "
              f"build VM {removed}")


def print_targets(targets: dict[str, Any]) -> None:
    rows = [("target", "region", "image id", "status")]
    for label, target in sorted(targets.items()):
        for region, image_id in sorted(target["regions"].items(), key=lambda kv: kv[0] != target["region"]):
            rows.append((label, region, short_id(str(image_id)), target["status"]))
    widths = [max(len(str(r[i])) for r in rows) for i in range(4)]
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)))
