"""Region ids the simulated Tencent Cloud CVM answers for, with the zones its seeds live in."""
from __future__ import annotations

CVM_REGIONS: tuple[str, ...] = (
    "ap-guangzhou", "ap-shanghai", "ap-nanjing", "ap-beijing", "ap-chengdu", "ap-chongqing",
    "ap-hongkong", "ap-singapore", "ap-jakarta", "ap-seoul", "ap-tokyo", "ap-bangkok",
    "na-siliconvalley", "na-ashburn", "eu-frankfurt", "sa-saopaulo",
)
# Finance zones are isolated from the public regions: custom images are not synced into them.
FINANCE_REGIONS: tuple[str, ...] = ("ap-shanghai-fsi", "ap-shenzhen-fsi", "ap-beijing-fsi")
ALL_REGIONS: tuple[str, ...] = CVM_REGIONS + FINANCE_REGIONS


def zone(region: str, n: int = 3) -> str:
    return f"{region}-{n}"
