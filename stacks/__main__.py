"""The sample program: one golden image released to the clouds listed in stack config, and one baked.

`targets` capture prepared VMs; `bakeTargets` (optional) bake `bakeImageName` from base images on
temporary build VMs, released the same way.

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

bake_targets = config.get_object("bakeTargets")
if bake_targets:
    baked = ImageRelease(
        f"{config.get('release') or 'golden'}-baked",
        image_name=config.get("bakeImageName") or f"{config.require('imageName')}-baked",
        description=config.get("description"),
        tags=config.get_object("tags") or {},
        targets=bake_targets,
        endpoint=config.get("endpoint") or "cloud",
    )
    pulumi.export("baked", baked.targets)
