"""The sample program: one golden image released to the clouds listed in stack config.

`Pulumi.sim.yaml` targets the embedded simulator; a stack file with `imageforge:endpoint: cloud`
and real instance ids targets the real clouds with the same program.
"""
from __future__ import annotations

import pulumi

from imageforge.components import ImageRelease

config = pulumi.Config("imageforge")
release = ImageRelease(
    config.get("release") or "golden",
    image_name=config.require("imageName"),
    description=config.get("description"),
    tags=config.get_object("tags") or {},
    targets=config.require_object("targets"),
    endpoint=config.get("endpoint") or "cloud",
)
pulumi.export("targets", release.targets)
