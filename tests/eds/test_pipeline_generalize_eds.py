"""ImageRelease with an EDS target that generalizes its cloud computer first, run as a program under mocks."""
from __future__ import annotations

from imageforge.simulator import Simulator, offline
from imageforge.simulator.alibaba.eds_guest import EdsGuest
from imageforge.simulator.core.guest import SEALED

REGION = "cn-hangzhou"


def test_release_generalizes_the_cloud_computer_then_captures_it(sim: Simulator) -> None:
    from imageforge.components import ImageRelease

    guest: EdsGuest = next(w for w in sim.wires if w.vendor == "alibaba-eds").guest  # type: ignore[attr-defined]
    desktop = guest.add_desktop(REGION, "windows", "golden-build")

    def program() -> None:
        import pulumi

        release = ImageRelease("desk", image_name="golden-desk", endpoint="sim", targets=[
            {"name": "eds", "cloud": "alibaba", "service": "eds", "region": REGION, "source": {"desktop": desktop},
             "generalize": {"finalize_scripts": [["Write-Output office-activated"]]},
             "capture": {"clean_personal_data": False}},
        ])
        pulumi.export("targets", release.targets)

    result = offline.run(program)
    target = result.outputs["targets"]["eds"]
    assert target["status"] == "available" and target["image_id"]
    assert guest.guest(REGION, desktop)["image_state"] == SEALED and guest.power(REGION, desktop) == "Stopped"
    actions = [r.action for r in sim.requests("alibaba-eds") if r.action in ("RunCommand", "StopDesktops",
                                                                            "CreateImage")]
    assert actions == ["RunCommand"] * 3 + ["StopDesktops", "CreateImage"]  # probe, finalize, generalize
    assert sim.requests("alibaba-eds", "CreateImage")[0].params["DesktopId"] == desktop
    assert {r.typ.rsplit(":", 1)[1] for r in result.resources} >= {"GeneralizedVM", "CustomImage"}
    offline.destroy(result)
    assert guest.power(REGION, desktop) == "Stopped"  # delete leaves the generalized computer as it is
