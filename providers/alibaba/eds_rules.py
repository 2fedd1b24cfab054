"""Alibaba EDS custom-image rules `check` enforces without a cloud call (from the EDS guide and the ecd API)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.model import MARKER_PREFIX, Identity
from ..core.validation import BaseRules, Failure, NameRule, check_region, collect, is_unknown, script_failures
from .eds_guest import SCRIPT_LIMIT

LABEL = "Alibaba Cloud Elastic Desktop Service"
REGIONS = frozenset({
    "cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-zhangjiakou", "cn-chengdu", "cn-hongkong",
    "ap-southeast-1", "ap-southeast-3", "ap-southeast-5", "ap-northeast-1", "ap-northeast-2",
    "eu-central-1", "us-west-1", "us-east-1",
})
IMAGE_NAME = NameRule("an EDS image name", 2, 128, r"A-Za-z0-9._:\-\u4e00-\u9fff",
                      "letters, digits, '.', '_', '-' and ':'", first=r"A-Za-z\u4e00-\u9fff", first_text="a letter")
DESCRIPTION_MAX = 256  # what EDS takes, marker included
MARKER_ROOM = len(Identity("0" * 24).mark("x")) - 1  # " [imageforge:<24 hex>]": 38 characters
USER_DESCRIPTION_MAX = DESCRIPTION_MAX - MARKER_ROOM
DESKTOP_ID = re.compile(r"^ecd-[a-z0-9]{6,40}$")
CLEANUP_FIX = ("set clean_personal_data: false explicitly (the image may then contain the users' personal data "
               "and login information)")


def check_description(field: str, value: object) -> Failure | None:
    """The user's part of the description: EDS takes 2 to 256 characters, and imageforge appends its 38-character
    identity marker (EDS images take no tags), so the user's part is at most 218; no http(s):// prefix."""
    if value is None or is_unknown(value) or value == "" or not isinstance(value, str):
        return None
    rule = (f"EDS takes descriptions of 2 to {DESCRIPTION_MAX} characters that do not start with http:// or "
            f"https://, and imageforge appends a {MARKER_ROOM}-character identity marker (EDS images take no tags; "
            f"the marker is how a re-run finds the image), so a description may have at most "
            f"{USER_DESCRIPTION_MAX} characters")
    if value.lower().startswith(("http://", "https://")):
        return Failure(field, f"{value[:40]!r} starts with a URL scheme. Rule: {rule}. Fix: reword it.")
    if len(value) > USER_DESCRIPTION_MAX:
        return Failure(field, f"the description is {len(value)} characters. Rule: {rule}. Fix: shorten it to "
                              f"{USER_DESCRIPTION_MAX} characters.")
    if f"[{MARKER_PREFIX}" in value:
        return Failure(field, f"'[{MARKER_PREFIX}' is reserved for imageforge's identity marker. Fix: reword it.")
    return None


def _flag(value: object) -> bool | None:
    """True/False when known; None when not given or unknown during preview."""
    if value is None or is_unknown(value):
        return None
    return bool(value)


def _lower(value: object) -> str:
    return value.lower() if isinstance(value, str) and not is_unknown(value) else ""


@dataclass(frozen=True)
class EdsRules(BaseRules):
    service_label: str = LABEL
    regions: frozenset[str] = REGIONS

    def validate_capture(self, inputs: Mapping[str, Any]) -> list[Failure]:
        failures = collect(
            IMAGE_NAME.check("name", inputs.get("name")),
            check_description("description", inputs.get("description")),
            check_region("region", inputs.get("region"), self.regions, LABEL),
        )
        source, scope = inputs.get("source"), inputs.get("scope")
        if isinstance(source, Mapping) and not is_unknown(source):
            failures += self._source(source, scope)
            failures += self._cleanup(inputs.get("clean_personal_data"), source, scope)
        return failures

    @staticmethod
    def _source(source: Mapping[str, Any], scope: object) -> list[Failure]:
        """One computer or one system-disk snapshot; data-disk snapshots go with a snapshot and scope 'system+data'."""
        given = [k for k in ("desktop", "snapshot") if source.get(k)]
        if len(given) != 1:
            return [Failure("source", "give exactly one of source.desktop (a cloud computer id, ecd-...) or "
                                      "source.snapshot (a system-disk snapshot id, s-...).")]
        failures = []
        disk_type = _lower(source.get("disk_type"))
        if disk_type and disk_type not in ("system", "data"):
            failures.append(Failure("source.disk_type", f"{source['disk_type']!r} is not a disk type. Fix: 'system' "
                                                        "or 'data' (what DescribeSnapshots says of the snapshot)."))
        if given == ["desktop"] and source.get("disk_type"):
            failures.append(Failure("source.disk_type", "describes a snapshot; a cloud computer has a system disk and "
                                                        "data disks. Fix: remove source.disk_type, and set scope to "
                                                        "say which disks the image holds."))
        if given == ["snapshot"] and disk_type == "data":
            failures.append(Failure("source.snapshot", f"{source['snapshot']} is a data-disk snapshot; EDS creates images "
                                                       "only from system-disk snapshots. Fix: use the system-disk snapshot "
                                                       "and list data-disk snapshots in source.data_snapshots."))
        data = source.get("data_snapshots")
        if data and not is_unknown(data):
            if given == ["desktop"]:
                failures.append(Failure("source.data_snapshots", "data-disk snapshots go with source.snapshot; from a "
                                                                 "cloud computer, scope='system+data' captures its data "
                                                                 "disks. Fix: remove data_snapshots or capture from "
                                                                 "the snapshot."))
            elif scope != "system+data" and not is_unknown(scope):
                failures.append(Failure("scope", "source.data_snapshots are included only with scope='system+data' "
                                                 "(CreateImage DiskType ALL). Fix: set scope to 'system+data' or remove "
                                                 "data_snapshots."))
        return failures

    @staticmethod
    def _cleanup(clean: object, source: Mapping[str, Any], scope: object) -> list[Failure]:
        """Clean-personal-data is on unless explicitly false; two kinds of computer cannot use it."""
        if clean is False or is_unknown(clean):
            return []
        failures = []
        if _flag(source.get("encrypted")):
            failures.append(Failure("clean_personal_data", "clean personal residual data is not available for an encrypted "
                                                           f"cloud computer. Fix: {CLEANUP_FIX}, or capture an unencrypted computer."))
        includes_data = scope == "system+data" or bool(source.get("data_snapshots"))
        if _lower(source.get("os_type")) == "linux" and includes_data:
            failures.append(Failure("clean_personal_data", "clean personal residual data is not available for a Linux cloud "
                                                           "computer when the scope is 'system+data'. Fix: use scope='system', "
                                                           f"or {CLEANUP_FIX}."))
        return failures

    def validate_copy(self, inputs: Mapping[str, Any]) -> list[Failure]:
        failures = collect(
            check_region("region", inputs.get("region"), self.regions, LABEL),
            IMAGE_NAME.check("name", inputs.get("name")),
            check_description("description", inputs.get("description")),
        )
        regions = inputs.get("regions")
        if isinstance(regions, list):
            for i, item in enumerate(regions):
                region = item.get("region") if isinstance(item, Mapping) else item
                if isinstance(region, str) and not is_unknown(region):
                    failures += collect(check_region(f"regions[{i}]", region, self.regions, LABEL))
        return failures

    def validate_generalize(self, inputs: Mapping[str, Any]) -> list[Failure]:
        """A cloud computer id, and finalize scripts within ecd RunCommand's CommandContent limit (16 KB Base64)."""
        failures = collect(check_region("region", inputs.get("region"), self.regions, LABEL))
        vm = inputs.get("vm")
        if isinstance(vm, str) and not is_unknown(vm) and not DESKTOP_ID.match(vm):
            failures.append(Failure("vm", f"{vm!r} is not a cloud computer id: give the id (ecd-..., as "
                                          "DescribeDesktops shows it); cloud computer names are not unique, so they "
                                          "do not address one." + (" An ECS instance (i-...) needs service='ecs'."
                                                                   if vm.startswith("i-") else "")))
        failures += script_failures(inputs.get("finalize_scripts"), SCRIPT_LIMIT)
        return failures


RULES = EdsRules()
