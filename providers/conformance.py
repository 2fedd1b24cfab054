"""Static proof, checked by mypy and never run, that each adapter implements the protocols its service declares.

`registry.adapter_for(target, Protocol)` casts to the protocol asked for; this module is what makes
that cast safe: every method the resources call is checked here for every adapter.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .alibaba.ecs import EcsAdapter
    from .alibaba.eds import EdsAdapter
    from .azure.compute import ComputeAdapter
    from .core.families import FamilyKeeper
    from .core.model import Target
    from .core.protocol import (ImageAdapter, ImageCopier, ImageImporter, ImageSharer, MemberSharer,
                                VmBuilder, VmGeneralizer)
    from .huawei.ims import ImsAdapter
    from .tencent.cvm import CvmAdapter

    def _conforms(target: Target) -> None:
        images: list[ImageAdapter] = [EcsAdapter(target), EdsAdapter(target), ComputeAdapter(target),
                                      CvmAdapter(target), ImsAdapter(target)]
        copiers: list[ImageCopier] = [EcsAdapter(target), EdsAdapter(target), ComputeAdapter(target),
                                      CvmAdapter(target), ImsAdapter(target)]
        generalizers: list[VmGeneralizer] = [ComputeAdapter(target), EcsAdapter(target), CvmAdapter(target),
                                              EdsAdapter(target), ImsAdapter(target)]
        importers: list[ImageImporter] = [EcsAdapter(target), ImsAdapter(target), ComputeAdapter(target),
                                          CvmAdapter(target)]
        sharers: list[ImageSharer] = [EcsAdapter(target), EdsAdapter(target), CvmAdapter(target)]
        members: list[MemberSharer] = [ImsAdapter(target)]
        families: list[FamilyKeeper] = [EcsAdapter(target), CvmAdapter(target), ComputeAdapter(target)]
        builders: list[VmBuilder] = [  # each cloud's adapter joins once it launches build VMs
            CvmAdapter(target),
            ImsAdapter(target),
            EcsAdapter(target),
        ]
        del builders, images, copiers, generalizers, importers, sharers, members, families
