"""imageforge: golden-image pipelines as Pulumi resources over Alibaba, Tencent, Azure and Huawei.

Importing this package loads no vendor SDK, and not even Pulumi until a resource is used:
`imageforge inspect` stays light, and each cloud's SDK loads when a resource first calls it.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "CustomImage": "resources.custom_image", "CustomImageProvider": "resources.custom_image",
    "GeneralizedVM": "resources.generalized_vm", "GeneralizedVMProvider": "resources.generalized_vm",
    "ImageRegionSet": "resources.image_region_set", "ImageRegionSetProvider": "resources.image_region_set",
    "ImportedImage": "resources.imported_image", "ImportedImageProvider": "resources.imported_image",
    "ImageFamily": "resources.image_family", "ImageFamilyProvider": "resources.image_family",
    "BakedImage": "resources.baked_image", "BakedImageProvider": "resources.baked_image",
}
__all__ = [
    "CustomImage", "CustomImageProvider", "GeneralizedVM", "GeneralizedVMProvider",
    "ImageRegionSet", "ImageRegionSetProvider", "ImportedImage", "ImportedImageProvider",
    "ImageFamily", "ImageFamilyProvider", "BakedImage", "BakedImageProvider",
]

if TYPE_CHECKING:
    from .resources.baked_image import BakedImage, BakedImageProvider
    from .resources.custom_image import CustomImage, CustomImageProvider
    from .resources.generalized_vm import GeneralizedVM, GeneralizedVMProvider
    from .resources.image_family import ImageFamily, ImageFamilyProvider
    from .resources.image_region_set import ImageRegionSet, ImageRegionSetProvider
    from .resources.imported_image import ImportedImage, ImportedImageProvider


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'imageforge.providers' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value
