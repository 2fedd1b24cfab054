"""Record what a release leaves in a user's state, for the compatibility test of the next release.

Run with the release to record installed (its own checkout and virtual environment):

    python tests/compat/make_fixtures.py tests/compat/fixtures/<version>

It runs the sample stack and an ImportedImage against a fresh simulator, then writes `states.json`
(per resource: its type, id, the outputs the engine stores, `__provider` as the engine stores it)
and the simulator's `state.db` (the cloud those states describe, without its request log).
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path


def main(out: Path) -> None:
    from pulumi.dynamic.dynamic import serialize_provider
    from pulumi.runtime._serialization import _serialize

    from imageforge.providers import ImportedImage
    from imageforge.simulator import Simulator
    from imageforge.simulator.offline import run

    home = Path(tempfile.mkdtemp()) / "sim"
    os.environ["IMAGEFORGE_SIM_HOME"] = str(home)
    os.environ["IMAGEFORGE_PROGRESS_LOG"] = str(home / "progress.log")
    import imageforge.providers as installed

    root = Path(installed.__file__).resolve().parents[1]  # the checkout of the release being recorded
    import yaml

    config = {k: (json.dumps(v) if not isinstance(v, str) else v)
              for k, v in yaml.safe_load((root / "stacks" / "Pulumi.sim.yaml").read_text())["config"].items()}
    sim = Simulator(home, speed=0.0)
    sim.start()
    try:
        stack = run(root / "stacks" / "__main__.py", config)

        def imported() -> None:
            ImportedImage("web-import", cloud="alibaba", region="cn-hangzhou", name="web-imported", format="qcow2",
                          object={"bucket": "golden-images", "key": "web/disk.qcow2"}, endpoint="sim")

        extra = run(imported, {"imageforge:endpoint": "sim"})
        states = []
        for item in [*stack.resources, *extra.resources]:
            serialized, _ = _serialize(True, serialize_provider, item.provider)
            states.append({"type": item.typ, "name": item.name, "id": item.id,
                           "outputs": {**item.outputs, "__provider": serialized}})
    finally:
        sim.stop()
    out.mkdir(parents=True, exist_ok=True)
    (out / "states.json").write_text(json.dumps(states, indent=1, sort_keys=True, default=str))
    db = out / "state.db"
    shutil.copy(home / "state.db", db)
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM requests")
        conn.execute("DELETE FROM faults")
    conn = sqlite3.connect(db)
    conn.execute("VACUUM")
    conn.close()
    print(f"{len(states)} resources recorded in {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
