"""Azure Compute rules: every refusal names the field, the rule and the fix; unknown preview values pass."""
from __future__ import annotations

from typing import Any

import pytest
from pulumi.runtime import rpc

from imageforge.providers.azure.rules import REGIONS, RULES
from imageforge.providers.core import registry
from imageforge.simulator import Simulator
from tests.engine import ProviderServer

VM = "/subscriptions/00000000-0000-0000-0000-00000000000a/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/web"
VERSION = ("/subscriptions/00000000-0000-0000-0000-00000000000a/resourceGroups/rg/providers/Microsoft.Compute/"
           "galleries/g/images/linux/versions/1.0.0")
GALLERY = {"target": "gallery", "gallery": "imageforge_gallery", "gallery_image": "linux-generalized", "version": "1.0.0"}


def capture(**extra: Any) -> dict[str, Any]:
    return {"cloud": "azure", "service": "compute", "region": "westeurope", "name": "golden-web",
            "source": {"instance": VM}, **extra}


def fields(failures: list[Any]) -> list[str]:
    return [f.field for f in failures]


def test_registry_points_at_these_rules() -> None:
    assert registry.rules_for("azure", "compute") is RULES


@pytest.mark.parametrize("extra", [
    {},
    {"source": {"instance": "web"}, "options": {"resource_group": "rg"}},
    {"source": {"instance": "rg/web"}},
    {"options": {**GALLERY, "replicas": 2, "storage": "Standard_ZRS", "replication_mode": "Shallow"}},
    {"options": {**GALLERY, "os_state": "Specialized", "gallery_image": "linux-specialized"},
     "source": {"instance": VM, "os_state": "Specialized"}},
    {"options": {"hyper_v_generation": "V1"}, "region": "West Europe"},
])
def test_valid_captures_pass(extra: dict[str, Any]) -> None:
    assert RULES.validate_capture(capture(**extra)) == []


@pytest.mark.parametrize(("extra", "field", "words"), [
    ({"region": "westeuropa"}, "region", "Did you mean westeurope"),
    ({"name": "-golden"}, "name", "start with a letter or digit"),
    ({"name": "golden."}, "name", "must end with a letter, digit or '_'"),
    ({"name": "x" * 81}, "name", "1 to 80 characters"),
    ({"options": {**GALLERY}, "name": "x" * 257}, "name", "at most 256"),
    ({"description": "d" * 257}, "description", "keeps it in a tag"),
    ({"source": {"snapshot": "s-1"}}, "source.instance", "virtual machine"),
    ({"source": {"instance": "web"}}, "options.resource_group", "is required"),
    ({"source": {"instance": "/subscriptions/x/oops"}}, "source.instance", "not a VM resource id"),
    ({"options": {"subscription": "not-a-guid", "resource_group": "rg"}, "source": {"instance": "web"}},
     "options.subscription", "GUID"),
    ({"options": {"subscription": "11111111-2222-3333-4444-555555555555"}}, "options.subscription", "the id carries it"),
    ({"options": {"os_state": "Specialized"}}, "options.target", "only be captured to a Compute Gallery"),
    ({"source": {"instance": VM, "os_state": "Specialized"}}, "options.target", "generalize the VM first"),
    ({"options": {"version": "1.0.0"}}, "options.version", "target 'gallery'"),
    ({"options": {"target": "managed", "gallery": "g"}}, "options.gallery", "Compute Gallery image version only"),
    ({"options": {**GALLERY, "version": "1.0"}}, "options.version", "Major.Minor.Patch"),
    ({"options": {**GALLERY, "version": "1.0.2147483648"}}, "options.version", "32-bit"),
    ({"options": {**GALLERY, "gallery": "my-gallery"}}, "options.gallery", "letters, digits, '_' and '.'"),
    ({"options": {**GALLERY, "hyper_v_generation": "V2"}}, "options.hyper_v_generation", "image definition"),
    ({"options": {"gallery": "g", "version": "1.0.0"}}, "options.gallery_image", "is required"),
    ({"tags": {"a/b": "x"}}, "tags", "without < > % & \\ ? /"),
    ({"tags": {"imageforge-key": "x"}}, "tags", "keeps for its own tags"),
    ({"tags": {"k": "v" * 257}}, "tags", "256"),
    ({"tags": {f"k{n}": "v" for n in range(47)}}, "tags", "give at most 46"),
])
def test_each_capture_rule(extra: dict[str, Any], field: str, words: str) -> None:
    failures = RULES.validate_capture(capture(**extra))
    assert fields(failures) == [field]
    assert words in failures[0].reason


def test_unknown_preview_values_pass() -> None:
    unknown = rpc.UNKNOWN
    assert RULES.validate_capture(capture(region=unknown, name=unknown, source={"instance": unknown},
                                          options={**GALLERY, "version": unknown, "target": unknown})) == []
    assert RULES.validate_copy({"region": "westeurope", "image_id": unknown, "regions": [unknown, {"region": unknown}]}) == []
    assert RULES.validate_generalize({"region": "westeurope", "vm": unknown, "finalize_scripts": unknown}) == []


def test_copy_rules() -> None:
    ok = {"region": "westeurope", "image_id": VERSION,
          "regions": ["eastus", {"region": "westeurope", "replicas": 2, "storage": "Premium_LRS"}]}
    assert RULES.validate_copy(ok) == []
    managed = RULES.validate_copy({**ok, "image_id": VM.replace("virtualMachines/web", "images/web")})
    assert fields(managed) == ["image_id"] and "gallery" in managed[0].reason
    bad = RULES.validate_copy({**ok, "regions": ["mars", {"region": "mars"}, {"region": "uksouth", "storage": "Cold"}],
                               "name": "n" * 300})
    assert fields(bad) == ["name", "regions[0]", "regions[1].region", "regions[2].storage"]
    crowded = RULES.validate_copy({**ok, "regions": sorted(REGIONS)[:20], "tags": {f"k{n}": "v" for n in range(30)}})
    assert fields(crowded) == ["tags"] and "give at most 26" in crowded[0].reason


def test_generalize_rules() -> None:
    assert RULES.validate_generalize({"region": "westeurope", "vm": VM, "finalize_scripts": ["echo", ["a", "b"]]}) == []
    assert RULES.validate_generalize({"region": "westeurope", "vm": "web", "resource_group": "rg"}) == []
    assert fields(RULES.validate_generalize({"region": "westeurope", "vm": "web"})) == ["resource_group"]
    assert fields(RULES.validate_generalize({"region": "westeurope", "vm": VERSION})) == ["vm"]
    here = RULES.validate_generalize({"region": "westeurope", "vm": VM, "finalize_scripts": ["ok", "a\n'@ b"]})
    assert fields(here) == ["finalize_scripts[1]"]


def test_the_declaration_refuses_types_and_options_before_the_rules(server: ProviderServer, sim: Simulator) -> None:
    """What the generic layers now check (types, unknown options, inputs Azure does not take), named per field."""
    from imageforge.providers import CustomImageProvider, ImageRegionSetProvider

    mark = sim.mark()
    base = {**capture(), "owner": "p/s/n"}
    for options, field in (({"target": "disk"}, "options.target"), ({**GALLERY, "replicas": 0}, "options.replicas"),
                           ({**GALLERY, "storage": "Hot"}, "options.storage"), ({"colour": "blue"}, "options.colour"),
                           ({"hyper_v_generation": "V3"}, "options.hyper_v_generation")):
        _, failures = server.check(CustomImageProvider(), {**base, "options": options})
        assert field in [f for f, _ in failures], (options, failures)
    _, failures = server.check(CustomImageProvider(), {**base, "sysprep": True})
    assert [f for f, _ in failures] == ["sysprep"] and "GeneralizedVM" in failures[0][1]
    _, failures = server.check(CustomImageProvider(), {**base, "encrypted": True, "scope": "system+data"})
    assert failures == []  # true of Azure anyway: accepted
    _, failures = server.check(ImageRegionSetProvider(), {"cloud": "azure", "region": "westeurope", "image_id": VERSION,
                                                          "regions": [{"region": "eastus", "zone": 1}], "owner": "p/s/n"})
    assert [f for f, _ in failures] == ["regions[0]"]
    assert sim.requests(since=mark) == []
