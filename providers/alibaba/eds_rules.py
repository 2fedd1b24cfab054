"""Alibaba EDS custom-image rules `check` enforces without a cloud call (from the EDS console guide)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.validation import Failure, NameRule, check_region, collect, is_unknown

LABEL = "Alibaba Cloud Elastic Desktop Service"
REGIONS = frozenset({
    "cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-zhangjiakou", "cn-chengdu", "cn-hongkong",
    "ap-southeast-1", "ap-southeast-3", "ap-southeast-5", "ap-northeast-1", "ap-northeast-2",
    "eu-central-1", "us-west-1", "us-east-1",
})
IMAGE_NAME = NameRule("an EDS image name", 2, 128, r"A-Za-z0-9._:\-\u4e00-\u9fff",
                      "letters, digits, '.', '_', '-' and ':'", first=r"A-Za-z\u4e00-\u9fff", first_text="a letter")
DESCRIPTION_MIN, DESCRIPTION_MAX = 2, 256
SCOPES = ("system", "system+data")
SOURCE_KEYS = ("desktop", "snapshot")
FOREIGN_SOURCE_KEYS = {
    "instance": "ECS instances are captured with service='ecs'; EDS captures a cloud computer: use source.desktop (ecd-...)",
    "snapshots": "EDS takes one system-disk snapshot: use source.snapshot (s-...) and, for data disks, source.data_snapshots",
    "data_disks": "EDS includes data disks through scope='system+data' (cloud computer) or source.data_snapshots (snapshot)",
}
CLEANUP_FIX = ("set clean_personal_data: false explicitly (the image may then contain the users' personal data "
               "and login information)")


def check_description(field: str, value: object) -> Failure | None:
    """Optional (the name is used when omitted); 2 to 256 characters; no http(s):// prefix."""
    if value is None or is_unknown(value):
        return None
    if not isinstance(value, str):
        return Failure(field, f"an EDS image description must be a string, got {type(value).__name__}.")
    rule = f"an EDS image description must be {DESCRIPTION_MIN} to {DESCRIPTION_MAX} characters and must not start with http:// or https://"
    if value.lower().startswith(("http://", "https://")):
        return Failure(field, f"{value[:40]!r} starts with a URL scheme. Rule: {rule}. Fix: reword it, or omit it to use the name.")
    if not DESCRIPTION_MIN <= len(value) <= DESCRIPTION_MAX:
        return Failure(field, f"the description is {len(value)} characters. Rule: {rule}. Fix: shorten or lengthen it, "
                              "or omit it to use the image name.")
    return None


def _flag(value: object) -> bool | None:
    """True/False when known; None when not given or unknown during preview."""
    if value is None or is_unknown(value):
        return None
    return bool(value)


def _lower(value: object) -> str:
    return value.lower() if isinstance(value, str) and not is_unknown(value) else ""


@dataclass(frozen=True)
class EdsRules:
    service_label: str = LABEL
    regions: frozenset[str] = REGIONS

    def validate_capture(self, inputs: Mapping[str, Any]) -> list[Failure]:
        failures = collect(
            IMAGE_NAME.check("name", inputs.get("name")),
            check_description("description", inputs.get("description")),
            check_region("region", inputs.get("region"), self.regions, LABEL),
        )
        scope = inputs.get("scope")
        if scope is not None and not is_unknown(scope) and scope not in SCOPES:
            failures.append(Failure("scope", f"{scope!r} is not a scope. Fix: use 'system' (system disk only: computers "
                                             "made from the image get empty data disks) or 'system+data'."))
        if inputs.get("sysprep") is True:
            failures.append(Failure("sysprep", "EDS prepares the image itself (see clean_personal_data); "
                                               "there is no sysprep step. Fix: remove sysprep."))
        source = inputs.get("source")
        if isinstance(source, Mapping) and not is_unknown(source):
            failures += self._source(source, scope if scope in SCOPES else "system")
            failures += self._cleanup(inputs, source, scope)
        elif source is None:
            failures.append(Failure("source", "EDS images need source.desktop (a cloud computer, ecd-...) or "
                                              "source.snapshot (a system-disk snapshot, s-...)."))
        return failures

    def _source(self, source: Mapping[str, Any], scope: str) -> list[Failure]:
        failures = [Failure(f"source.{k}", f"{why}.") for k, why in FOREIGN_SOURCE_KEYS.items() if source.get(k)]
        given = [k for k in SOURCE_KEYS if source.get(k)]
        if len(given) != 1:
            failures.append(Failure("source", "give exactly one of source.desktop (a cloud computer id, ecd-...) or "
                                              "source.snapshot (a system-disk snapshot id, s-...)."))
            return failures
        disk_type = _lower(source.get("disk_type"))
        data = source.get("data_snapshots")
        if given == ["snapshot"] and disk_type == "data":
            failures.append(Failure("source.snapshot", f"{source['snapshot']} is a data-disk snapshot; EDS creates images "
                                                       "only from system-disk snapshots. Fix: use the system-disk snapshot "
                                                       "and list data-disk snapshots in source.data_snapshots."))
        if data and not is_unknown(data):
            if given == ["desktop"]:
                failures.append(Failure("source.data_snapshots", "data-disk snapshots go with source.snapshot; from a "
                                                                 "cloud computer, scope='system+data' captures its data disks. "
                                                                 "Fix: remove data_snapshots or capture from the snapshot."))
            elif scope != "system+data":
                failures.append(Failure("scope", "source.data_snapshots are only included with scope='system+data'. "
                                                 "Fix: set scope to 'system+data' or remove data_snapshots."))
        return failures

    def _cleanup(self, inputs: Mapping[str, Any], source: Mapping[str, Any], scope: object) -> list[Failure]:
        """Clean-personal-data is on unless explicitly false; two kinds of computer cannot use it."""
        clean = inputs.get("clean_personal_data")
        if clean is not None and not is_unknown(clean) and not isinstance(clean, bool):
            return [Failure("clean_personal_data", "must be true or false.")]
        if clean is False or is_unknown(clean):
            return []
        failures = []
        if _flag(source.get("encrypted")) or _flag(inputs.get("encrypted")):
            failures.append(Failure("clean_personal_data", "clean personal residual data is not available for an encrypted "
                                                           f"cloud computer. Fix: {CLEANUP_FIX}, or capture an unencrypted computer."))
        includes_data = scope == "system+data" or bool(source.get("data_snapshots"))
        if _lower(source.get("os_type")) == "linux" and includes_data:
            failures.append(Failure("clean_personal_data", "clean personal residual data is not available for a Linux cloud "
                                                           "computer when the scope is 'system+data'. Fix: use scope='system', "
                                                           f"or {CLEANUP_FIX}."))
        return failures

    def validate_copy(self, inputs: Mapping[str, Any]) -> list[Failure]:
        source_region = inputs.get("region")
        failures = collect(
            check_region("region", source_region, self.regions, LABEL),
            IMAGE_NAME.check("name", inputs.get("name")),
            check_description("description", inputs.get("description")),
        )
        regions = inputs.get("regions")
        if regions is None or is_unknown(regions):
            return failures
        if not isinstance(regions, list):
            return failures + [Failure("regions", "must be a list of EDS region ids, e.g. ['cn-shanghai', 'ap-southeast-1'].")]
        seen: set[str] = set()
        for i, region in enumerate(regions):
            field = f"regions[{i}]"
            if is_unknown(region):
                continue
            if not isinstance(region, str):
                failures.append(Failure(field, "EDS copies take plain region ids (no replica or storage settings)."))
                continue
            failures += collect(check_region(field, region, self.regions, LABEL))
            if region == source_region:
                failures.append(Failure(field, f"{region} is the source image's region; a copy's destination must differ. "
                                               "Fix: remove it from regions (the source image already serves it)."))
            if region in seen:
                failures.append(Failure(field, f"{region} is listed twice. Fix: list each region once."))
            seen.add(region)
        return failures


RULES = EdsRules()
