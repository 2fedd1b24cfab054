"""ARM's api-version checks for the Microsoft.Compute types the simulator serves, with ARM's own error codes.

A request without `api-version` is `MissingApiVersionParameter`, one whose value is not a date
version `InvalidApiVersionParameter`, and a well-formed version the resource type was never
published with `NoRegisteredProviderFound` (all 400, as ARM answers them before the resource
provider sees the request). The versions are the published Microsoft.Compute ones, newest being
what azure-mgmt-compute 39 sends (2026-04-01 for virtual machines, images and operations,
2026-03-03 for the gallery family).
"""
from __future__ import annotations

import re

from ..core.wire import SimError

COMPUTE = ("2026-04-01", "2025-04-01", "2024-11-01", "2024-07-01", "2024-03-01", "2023-09-01", "2023-07-01",
           "2023-03-01", "2022-11-01", "2022-08-01", "2022-03-01", "2021-11-01", "2021-07-01", "2021-04-01",
           "2021-03-01", "2020-12-01", "2020-06-01", "2019-12-01", "2019-07-01", "2019-03-01", "2018-10-01",
           "2018-06-01", "2018-04-01", "2017-12-01", "2017-03-30", "2016-08-30", "2016-04-30-preview",
           "2016-03-30", "2015-06-15")
GALLERY = ("2026-03-03", "2025-03-03", "2024-03-03", "2023-07-03", "2022-08-03", "2022-03-03", "2022-01-03",
           "2021-10-01", "2021-07-01", "2020-09-30", "2019-12-01", "2019-07-01", "2019-03-01", "2018-06-01")
TYPE_NAMES = {"virtualmachines": "virtualMachines", "images": "images", "galleries": "galleries",
              "locations": "locations/operations"}
WELL_FORMED = re.compile(r"^\d{4}-\d{2}-\d{2}(-(preview|alpha|beta|privatepreview))?$")


def supported(types: tuple[str, ...]) -> tuple[str, ...]:
    return GALLERY if types[0] == "galleries" else COMPUTE


def type_name(types: tuple[str, ...]) -> str:
    """The ARM resource type as ARM spells it in its messages (`galleries/images/versions`)."""
    if types[0] == "galleries":
        return "/".join(("galleries", "images", "versions")[: len(types)])
    return TYPE_NAMES.get(types[0], types[0])


def check(version: str | None, types: tuple[str, ...], location: str) -> None:
    """ARM's refusal of this api-version for this resource type, if any."""
    if version is None:
        raise SimError("MissingApiVersionParameter",
                       "The api-version query parameter (?api-version=) is required for all requests.", 400)
    known = supported(types)
    if not WELL_FORMED.match(version):
        raise SimError("InvalidApiVersionParameter", f"The api-version '{version}' is invalid. The supported versions "
                       f"are '{','.join(known)}'.", 400)
    if version not in known:
        raise SimError("NoRegisteredProviderFound", f"No registered resource provider found for location "
                       f"'{location or 'global'}' and API version '{version}' for type '{type_name(types)}'. The "
                       f"supported api-versions are '{', '.join(known)}'.", 400)
