"""imageforge: golden-image pipelines as Pulumi resources over Alibaba, Tencent, Azure and Huawei.

Importing this package loads no vendor SDK: each cloud's SDK loads when a resource first uses it.
"""
from __future__ import annotations

from .resources.custom_image import CustomImage, CustomImageProvider
from .resources.generalized_vm import GeneralizedVM, GeneralizedVMProvider
from .resources.image_region_set import ImageRegionSet, ImageRegionSetProvider

__all__ = [
    "CustomImage", "CustomImageProvider", "GeneralizedVM", "GeneralizedVMProvider",
    "ImageRegionSet", "ImageRegionSetProvider",
]
