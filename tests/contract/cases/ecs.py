"""Alibaba ECS against the simulator's cn-hangzhou seeds."""
from __future__ import annotations

from typing import Any

from . import ServiceCase


def _copy(image_id: str) -> dict[str, Any]:
    return {"cloud": "alibaba", "region": "cn-hangzhou", "image_id": image_id, "regions": ["cn-shanghai"]}


CASE = ServiceCase(
    cloud="alibaba", service="ecs", vendor="alibaba-ecs",
    capture={"cloud": "alibaba", "region": "cn-hangzhou", "name": "golden-contract",
             "source": {"snapshot": "s-bp1imageforgesys01"}},
    copy=_copy, regions=("cn-shanghai", "ap-southeast-1"),
    imports={"cloud": "alibaba", "region": "cn-hangzhou", "name": "imported-contract", "format": "qcow2",
             "object": {"bucket": "golden-images", "key": "web/disk.qcow2"}},
)
