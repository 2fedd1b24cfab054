"""Alibaba EDS against the simulator's cn-hangzhou seeds: a Windows cloud computer and its system-disk snapshot."""
from __future__ import annotations

from typing import Any

from . import ServiceCase


def _copy(image_id: str) -> dict[str, Any]:
    return {"cloud": "alibaba", "service": "eds", "region": "cn-hangzhou", "image_id": image_id,
            "regions": ["cn-shanghai"]}


CASE = ServiceCase(
    cloud="alibaba", service="eds", vendor="alibaba-eds",
    capture={"cloud": "alibaba", "service": "eds", "region": "cn-hangzhou", "name": "golden-contract",
             "source": {"desktop": "ecd-hzimageforgewin01"}},
    copy=_copy, regions=("cn-shanghai", "ap-southeast-1"),
    source_with={"data_snapshots": {"snapshot": "s-hzimageforgesys01"}},
    inputs_with={"data_snapshots": {"scope": "system+data"}},
)
