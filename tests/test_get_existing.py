"""`CustomImage.get` / `ImportedImage.get`: an image made outside the stack, read by id on every service.

The engine reads a `get` with the program's inputs as both state and inputs (so the serialized
provider travels with them); the outputs come from the cloud, and nothing is changed or deleted.
"""
from __future__ import annotations

from typing import Any

import pulumi
import pytest
from imageforge.providers import CustomImage, CustomImageProvider
from imageforge.simulator import Simulator, offline
from pulumi.dynamic.dynamic import serialize_provider

from tests.contract.cases import all_cases
from tests.engine import ProviderServer

CASES = all_cases()
READS = ("Describe", "Get", "List", "Show")  # each vendor's read actions, as the request log names them
READ_SUFFIXES = ("_Get", "_List", "_ListByResourceGroup")


@pytest.mark.parametrize("cloud,service", sorted(CASES), ids=lambda v: str(v))
def test_an_image_the_stack_does_not_know_is_read_by_id(server: ProviderServer, sim: Simulator, cloud: str,
                                                        service: str) -> None:
    case = CASES[(cloud, service)]
    if case.setup is not None:
        case.setup(sim)
    inputs = {**case.capture, "name": "made-elsewhere", "owner": "other/stack/elsewhere"}
    image_id, made = server.up(CustomImageProvider(), inputs)  # then the state that made it is gone
    props = {"__provider": serialize_provider(CustomImageProvider()), "cloud": cloud, "service": service,
             "region": case.capture["region"], "endpoint": None, "owner": "proj/sim/looked-up"}
    mark = sim.mark()
    read_id, outputs, _ = server.refresh(image_id, props, props)  # the engine's Read for a `get`
    assert read_id == image_id
    assert outputs["image_id"] == image_id and outputs["status"] == "available"
    assert outputs["name"] == "made-elsewhere"
    assert outputs["image_tags"] == made["image_tags"]
    actions = [r.action for r in sim.requests(since=mark)]
    assert actions and all(a.startswith(READS) or a.endswith(READ_SUFFIXES) for a in actions), actions


def test_a_get_in_a_program_reads_the_image_and_destroy_leaves_it(sim: Simulator) -> None:
    made: dict[str, Any] = {}

    def maker() -> None:
        image = CustomImage("elsewhere", cloud="alibaba", region="cn-hangzhou", name="made-elsewhere",
                            source={"instance": "i-bp1imageforgelnx01"}, tags={"team": "web"}, endpoint="sim")
        pulumi.export("id", image.image_id)

    made = offline.run(maker).outputs

    def program() -> None:
        found = CustomImage.get("found", made["id"], cloud="alibaba", region="cn-hangzhou", endpoint="sim")
        pulumi.export("name", found.name)
        pulumi.export("tags", found.image_tags)
        pulumi.export("status", found.status)

    result = offline.run(program)
    assert result.outputs == {"name": "made-elsewhere", "tags": {"team": "web"}, "status": "available"}
    assert result.resources == []  # read, not managed
    offline.destroy(result)
    assert made["id"] in {i for _, _, i in sim.inventory()}


def test_a_get_of_a_missing_image_fails_clearly(sim: Simulator) -> None:
    def program() -> None:
        CustomImage.get("missing", "m-doesnotexist000000", cloud="alibaba", region="cn-hangzhou", endpoint="sim")

    with pytest.raises(offline.LookupFailed, match="missing: resource 'm-doesnotexist000000' does not exist"):
        offline.run(program)
