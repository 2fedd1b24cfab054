"""Huawei Cloud IMS rules that `check` enforces before any call (pure Python, no SDK)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..core.validation import Failure, NameRule, check_region, collect, is_unknown

# Regions with an IMS endpoint in huaweicloudsdkims 3.1.219 (ImsRegion).
REGIONS = frozenset({
    "af-south-1", "cn-north-4", "cn-north-1", "cn-east-2", "cn-east-3", "cn-south-1", "cn-southwest-2",
    "ap-southeast-2", "ap-southeast-1", "ap-southeast-3", "cn-north-2", "cn-south-2", "cn-north-9", "la-south-2",
    "sa-brazil-1", "la-north-2", "na-mexico-1", "ap-southeast-4", "cn-south-4", "tr-west-1", "me-east-1", "ae-ad-1",
    "cn-east-4", "eu-west-101", "cn-east-5", "eu-west-0", "my-kualalumpur-1", "af-north-1", "ru-moscow-1",
    "ap-southeast-5", "cn-north-12", "cn-north-11", "cn-southwest-3",
})
CHINESE = "\u4e00-\u9fff"
# IMS image names: 1-128 characters of letters, digits, Chinese, "-", ".", "_" and spaces; no space
# at either end (CreateWholeImageRequestBody.name, IMS error IMG.0075).
NAME = NameRule("IMS image name", 1, 128, f"A-Za-z0-9{CHINESE}._\\- ",
                "letters, digits, Chinese characters, '-', '.', '_' and spaces", first=f"A-Za-z0-9{CHINESE}._\\-",
                first_text="a letter, digit, Chinese character, '-', '.' or '_' (not a space)", forbid_http=False)
MAX_DESCRIPTION = 1024
MAX_COPY_GB = 128
MAX_TAGS = 9  # IMS allows 10 tags per image; imageforge adds one (imageforge-key)
PROJECT_ID = re.compile(r"^[0-9a-f]{32}$")
OTHER_SOURCES = ("desktop", "snapshot", "snapshots", "data_snapshots", "data_disks")


def _name(field: str, value: object) -> Failure | None:
    failure = NAME.check(field, value)
    if failure is None and isinstance(value, str) and value != value.rstrip():
        return Failure(field, f"{value!r} ends with a space. Rule: an IMS image name must not start or end with a space.")
    return failure


def _description(value: object) -> Failure | None:
    if value is None or is_unknown(value):
        return None
    if not isinstance(value, str):
        return Failure("description", f"must be a string, got {type(value).__name__}.")
    if len(value) > MAX_DESCRIPTION:
        return Failure("description", f"is {len(value)} characters; IMS allows at most {MAX_DESCRIPTION}. Shorten it.")
    bad = sorted({c for c in value if c in "<>\r\n"})
    if bad:
        return Failure("description", f"contains {''.join(bad)!r}; IMS descriptions may not contain '<', '>' or "
                                      "line breaks. Remove them.")
    return None


def _tags(value: object) -> list[Failure]:
    if not isinstance(value, Mapping):
        return []
    out = []
    if len(value) > MAX_TAGS:
        out.append(Failure("tags", f"has {len(value)} tags; an IMS image holds 10 and imageforge uses one, "
                                   f"so give at most {MAX_TAGS}."))
    for key, val in value.items():
        if is_unknown(key) or is_unknown(val):
            continue
        if not str(key) or len(str(key)) > 36 or len(str(val)) > 43:
            out.append(Failure("tags", f"tag {key!r}: IMS tag keys are 1-36 characters and values at most 43. Shorten it."))
    return out


def _options(inputs: Mapping[str, Any]) -> Mapping[str, Any]:
    options = inputs.get("options")
    return options if isinstance(options, Mapping) else {}


def _region_names(regions: object) -> list[object]:
    if not isinstance(regions, list):
        return []
    return [r.get("region") if isinstance(r, Mapping) else r for r in regions]


class ImsRules:
    service_label = "Huawei Cloud IMS"
    regions = REGIONS

    def validate_capture(self, inputs: Mapping[str, Any]) -> list[Failure]:
        options = _options(inputs)
        source = inputs.get("source")
        failures = collect(
            check_region("region", inputs.get("region"), self.regions, self.service_label),
            _name("name", inputs.get("name")),
            _description(inputs.get("description")),
            _tags(inputs.get("tags")),
        )
        if isinstance(source, Mapping) and not is_unknown(source):
            other = sorted(k for k, v in source.items() if v and k in OTHER_SOURCES)
            if other or not source.get("instance"):
                failures.append(Failure("source", "IMS captures from an ECS: give {'instance': '<server id>'} "
                                                  f"(got {sorted(source)}). Snapshots and desktops are not IMS sources."))
        if inputs.get("scope") == "system+data" and not options.get("vault_id") and not is_unknown(options.get("vault_id")):
            failures.append(Failure("options", "scope 'system+data' makes a full-ECS image, which IMS builds from a CBR "
                                               "backup: set options.vault_id to the CBR vault of the server."))
        if inputs.get("encrypted") is True and not options.get("cmk_id"):
            failures.append(Failure("encrypted", "an encrypted IMS image needs a KMS key: set options.cmk_id, or drop "
                                                 "encrypted. Note that encrypted images cannot be copied to other regions."))
        return failures

    def validate_copy(self, inputs: Mapping[str, Any]) -> list[Failure]:
        options = _options(inputs)
        source = inputs.get("region")
        failures = collect(
            check_region("region", source, self.regions, self.service_label),
            _name("name", inputs.get("name")) if inputs.get("name") else None,
            _description(inputs.get("description")),
            _tags(inputs.get("tags")),
        )
        for dest in _region_names(inputs.get("regions")):
            if is_unknown(dest):
                continue
            if dest == source:
                failures.append(Failure("regions", f"contains the source region {source!r}: an IMS cross-region copy must "
                                                   "go to another region. Remove it."))
            elif (found := check_region("regions", dest, self.regions, self.service_label)) is not None:
                failures.append(found)
        if inputs.get("encrypted") is True:
            failures.append(Failure("encrypted", "IMS cannot copy encrypted images to other regions. Publish an "
                                                 "unencrypted image (re-capture without a KMS key)."))
        size = options.get("size_gb")
        if isinstance(size, (int, float)) and not isinstance(size, bool) and size > MAX_COPY_GB:
            failures.append(Failure("options", f"size_gb is {size}: IMS copies images of at most {MAX_COPY_GB} GB across "
                                               "regions. Capture from a smaller system disk."))
        agency = options.get("agency_name")
        if not is_unknown(inputs.get("options")) and not is_unknown(agency) and not (isinstance(agency, str) and agency.strip()):
            failures.append(Failure("options", "agency_name is required: IMS copies across regions through an IAM agency "
                                               "that delegates IMS (for example 'ims_admin_agency'). Set options.agency_name."))
        project_ids = options.get("project_ids")
        if isinstance(project_ids, Mapping):
            for region, pid in project_ids.items():
                if not is_unknown(pid) and not (isinstance(pid, str) and PROJECT_ID.match(pid)):
                    failures.append(Failure("options", f"project_ids[{region!r}] = {pid!r} is not a project id "
                                                       "(32 lowercase hex characters, from IAM 'My Credentials')."))
        return failures


RULES = ImsRules()
