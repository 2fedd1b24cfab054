"""Components that compose the resources: a pipeline per cloud and a multi-cloud release."""
from __future__ import annotations

from .pipeline import GoldenImagePipeline
from .release import ImageRelease

__all__ = ["GoldenImagePipeline", "ImageRelease"]
