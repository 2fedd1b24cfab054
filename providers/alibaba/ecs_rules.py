"""Alibaba ECS rules `check` enforces before any call (image names, descriptions, regions, sources)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.validation import BaseRules, Failure, NameRule, check_region, collect, is_unknown, script_failures
from .ecs_guest import SCRIPT_LIMIT
from .ecs_family import FAMILY_RULE, FamilyRule

REGIONS = frozenset({
    "cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-qingdao", "cn-zhangjiakou",
    "cn-huhehaote", "cn-wulanchabu", "cn-chengdu", "cn-guangzhou", "cn-hongkong", "ap-southeast-1",
    "ap-southeast-3", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ap-northeast-1",
    "ap-northeast-2", "ap-south-1", "us-west-1", "us-east-1", "eu-central-1", "eu-west-1", "me-east-1",
})
IMAGE_NAME = NameRule("an ECS image name", 2, 128, r"A-Za-z0-9._:\-\u4e00-\u9fff", "letters, digits, '.', '_', '-' and ':'",
                      first=r"A-Za-z\u4e00-\u9fff", first_text="a letter")
DESCRIPTION_MAX = 256
ARCHITECTURES = ("i386", "x86_64", "arm64")
INSTANCE_ID = re.compile(r"^i-[a-z0-9]{6,40}$")


def check_description(field: str, value: object) -> Failure | None:
    if value is None or is_unknown(value) or value == "":
        return None
    if not isinstance(value, str):
        return Failure(field, "must be a string.")
    if value.lower().startswith(("http://", "https://")):
        return Failure(field, "an ECS description must not start with http:// or https://. Fix: reword it.")
    if not 2 <= len(value) <= DESCRIPTION_MAX:
        return Failure(field, f"an ECS description must be 2 to {DESCRIPTION_MAX} characters (got {len(value)}).")
    return None


@dataclass(frozen=True)
class EcsRules(BaseRules):
    service_label: str = "Alibaba Cloud ECS"
    regions: frozenset[str] = REGIONS
    family_rule: FamilyRule = FAMILY_RULE

    def validate_capture(self, inputs: Mapping[str, Any]) -> list[Failure]:
        source = inputs.get("source") or {}
        failures = collect(
            IMAGE_NAME.check("name", inputs.get("name")),
            check_description("description", inputs.get("description")),
            check_region("region", inputs.get("region"), self.regions, "Alibaba Cloud ECS"),
        )
        if isinstance(source, Mapping) and not is_unknown(source):
            given = [k for k in ("instance", "snapshot") if source.get(k)]
            if len(given) != 1:
                failures.append(Failure("source", "give exactly one of source.instance (an ECS instance id, i-...) "
                                                  "or source.snapshot (a system-disk snapshot id, s-...)."))
            failures += self._scope(given, inputs.get("scope"), inputs.get("architecture"))
        return failures

    @staticmethod
    def _scope(given: list[str], scope: object, architecture: object) -> list[Failure]:
        """CreateImage snapshots every disk of an instance; a snapshot gives the system disk alone."""
        failures = []
        if given == ["instance"] and scope == "system":
            failures.append(Failure("scope", "ECS captures every disk of an instance (CreateImage snapshots each one), "
                                             "so scope 'system' would not hold. Fix: capture the system disk's "
                                             "snapshot (source.snapshot) for a system-disk image, or set scope "
                                             "'system+data'."))
        if given == ["snapshot"] and scope == "system+data":
            failures.append(Failure("scope", "a snapshot source gives the system disk only. Fix: capture the instance "
                                             "(source.instance) to include its data disks, or set scope 'system'."))
        if architecture is not None and not is_unknown(architecture):
            if given == ["instance"]:
                failures.append(Failure("architecture", "ECS reads the architecture from the instance; CreateImage "
                                                        "takes Architecture only for a snapshot source. Fix: remove "
                                                        "architecture."))
            elif architecture not in ARCHITECTURES:
                failures.append(Failure("architecture", f"CreateImage takes {', '.join(ARCHITECTURES)}; got "
                                                        f"{architecture!r}."))
        return failures

    def validate_import(self, inputs: Mapping[str, Any]) -> list[Failure]:
        """ImportImage takes an OSS object; OSType linux or windows; Architecture x86_64 or arm64."""
        failures = collect(
            IMAGE_NAME.check("name", inputs.get("name")),
            check_description("description", inputs.get("description")),
            check_region("region", inputs.get("region"), self.regions, "Alibaba Cloud ECS"),
        )
        source = inputs.get("object")
        if not is_unknown(source) and not (isinstance(source, Mapping) and source.get("bucket") and source.get("key")):
            failures.append(Failure("object", "give the uploaded file as {'bucket': '<OSS bucket>', 'key': '<object key>'}; "
                                              "the bucket must be in the image's region."))
        for field, allowed in (("os_type", ("linux", "windows")), ("architecture", ("x86_64", "arm64")),
                               ("boot_mode", ("BIOS", "UEFI"))):
            value = inputs.get(field)
            if value is not None and not is_unknown(value) and value not in allowed:
                failures.append(Failure(field, f"ECS ImportImage takes {' or '.join(allowed)}; got {value!r}."))
        return failures

    def validate_copy(self, inputs: Mapping[str, Any]) -> list[Failure]:
        failures = collect(
            check_region("region", inputs.get("region"), self.regions, "Alibaba Cloud ECS"),
            IMAGE_NAME.check("name", inputs.get("name")) if inputs.get("name") else None,
            check_description("description", inputs.get("description")),
        )
        regions = inputs.get("regions")
        if isinstance(regions, list):
            for i, region in enumerate(regions):
                failures += collect(check_region(f"regions[{i}]", region, self.regions, "Alibaba Cloud ECS"))
        options = inputs.get("options") or {}
        if inputs.get("share_with") and inputs.get("encrypted") is True and not options.get("kms_key_id"):
            failures.append(Failure("share_with", "Alibaba Cloud ECS does not share images encrypted with the service "
                                                  "key (encrypted without options.kms_key_id). Fix: give "
                                                  "options.kms_key_id (a customer master key), or remove share_with."))
        return failures


    def validate_generalize(self, inputs: Mapping[str, Any]) -> list[Failure]:
        """An instance id, and finalize scripts within Cloud Assistant's CommandContent limit."""
        failures = collect(check_region("region", inputs.get("region"), self.regions, "Alibaba Cloud ECS"))
        vm = inputs.get("vm")
        if isinstance(vm, str) and not is_unknown(vm) and not INSTANCE_ID.match(vm):
            failures.append(Failure("vm", f"{vm!r} is not an ECS instance id: give the id (i-..., as DescribeInstances "
                                          "shows it); instance names are not unique, so they do not address one." +
                                          (" A cloud computer (ecd-...) needs service='eds'." if vm.startswith("ecd-")
                                           else "")))
        failures += script_failures(inputs.get("finalize_scripts"), SCRIPT_LIMIT)
        return failures


RULES = EcsRules()
