"""ImageRelease and GoldenImagePipeline with a family, run as a program under mocks with the real providers."""
from __future__ import annotations

import pytest

from imageforge.simulator import Simulator, offline


def test_release_with_a_family_reports_versions_per_region(sim: Simulator) -> None:
    from imageforge.components import ImageRelease

    def program() -> None:
        import pulumi

        release = ImageRelease("web", family="golden-web", version="2026-12", keep=2, max_age="30d", endpoint="sim", targets=[
            {"name": "hangzhou", "cloud": "alibaba", "region": "cn-hangzhou",
             "source": {"instance": "i-bp1imageforgelnx01"}, "regions": ["cn-beijing"]},
            {"name": "guangzhou", "cloud": "tencent", "region": "ap-guangzhou",
             "source": {"instance": "ins-gzlnx001"}, "capture": {"force_poweroff": True}},
        ])
        pulumi.export("targets", release.targets)

    result = offline.run(program)
    targets = result.outputs["targets"]
    hangzhou = targets["hangzhou"]
    assert hangzhou["versions"] == {"cn-hangzhou": ["2026-12"], "cn-beijing": ["2026-12"]}
    assert hangzhou["status"] == "available" and hangzhou["image_id"].startswith("m-")
    assert sorted(hangzhou["regions"]) == ["cn-beijing", "cn-hangzhou"]
    image = sim.store.get("alibaba-ecs", "cn-hangzhou", "image", hangzhou["image_id"])
    assert image is not None and image["name"] == "golden-web-2026-12" and image["family"] == "golden-web"
    assert targets["guangzhou"]["versions"] == {"ap-guangzhou": ["2026-12"]}
    assert {r.typ.rsplit(":", 1)[1] for r in result.resources} >= {"ImageFamily"}
    offline.destroy(result)
    assert sim.store.list("alibaba-ecs", "cn-hangzhou", "image") == []


@pytest.mark.parametrize("kwargs, says", [
    ({"image_name": "golden", "family": "golden-web", "version": "1"}, "not both"),
    ({"family": "golden-web"}, "needs `version`"),
    ({"image_name": "golden", "keep": 2}, "give `family` too"),
    ({"image_name": "golden", "max_age": "30d"}, "max_age apply to a family of versions"),
    ({}, "give `image_name`"),
])
def test_pipeline_naming_mistakes_stop_the_program_with_one_line(sim: Simulator, kwargs: dict, says: str) -> None:
    from imageforge.components import GoldenImagePipeline

    def program() -> None:
        GoldenImagePipeline("web", cloud="alibaba", region="cn-hangzhou", endpoint="sim",
                            source={"instance": "i-bp1imageforgelnx01"}, **kwargs)

    mark = sim.mark()
    with pytest.raises(Exception) as caught:
        offline.run(program)
    assert says in str(caught.value)
    assert sim.requests(since=mark) == []
