"""The sample program with the Azure stack configuration, under mocks with the real providers and the simulator."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import imageforge.providers
from imageforge.providers.azure import scripts
from imageforge.providers.resources.generalized_vm import GeneralizedVM
from imageforge.simulator import Simulator, offline
from imageforge.simulator.azure.model import SUBSCRIPTION, run_command_log
from imageforge.simulator.azure.wire import AzureWire

PROGRAM = Path(__file__).resolve().parents[2] / "stacks" / "__main__.py"
# The Azure variant of the sample stack (what a Pulumi.<stack>.yaml holds under `config:`).
AZURE_STACK = """
imageforge:endpoint: sim
imageforge:release: golden
imageforge:imageName: golden-web-2026-11
imageforge:description: Web tier golden image
imageforge:tags:
  team: platform
imageforge:targets:
  - name: azure-gallery
    cloud: azure
    region: westeurope
    source:
      instance: /subscriptions/00000000-0000-0000-0000-00000000000a/resourceGroups/imageforge-rg/providers/Microsoft.Compute/virtualMachines/golden-linux
    generalize:
      finalize_scripts:
        - ["echo activate licences", "echo clean caches"]
    capture:
      options:
        target: gallery
        resource_group: imageforge-rg
        gallery: imageforge_gallery
        gallery_image: linux-generalized
        version: 1.0.0
    regions:
      - {region: westeurope, replicas: 1}
      - {region: eastus, replicas: 2}
      - {region: japaneast}
  - name: azure-managed
    cloud: azure
    region: westeurope
    source:
      instance: imageforge-rg/golden-windows
    generalize: {}
"""


def config() -> dict[str, str]:
    import json

    raw = yaml.safe_load(AZURE_STACK)
    return {k: (v if isinstance(v, str) else json.dumps(v)) for k, v in raw.items()}


def test_azure_stack_generalizes_captures_and_replicates(sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imageforge.providers, "GeneralizedVM", GeneralizedVM, raising=False)
    result = offline.run(PROGRAM, config())
    targets = result.outputs["targets"]
    gallery, managed = targets["azure-gallery"], targets["azure-managed"]
    assert gallery["status"] == "available" and gallery["image_id"].endswith("/linux-generalized/versions/1.0.0")
    assert sorted(gallery["regions"]) == ["eastus", "japaneast", "westeurope"]
    assert managed["status"] == "available" and managed["image_id"].endswith("/images/golden-web-2026-11")
    assert [r.typ.rsplit(":", 1)[1] for r in result.resources].count("GeneralizedVM") == 2
    runs = run_command_log(sim.store)
    linux = [r.script[r.script.index("(") + 1:r.script.index(")")] for r in runs if r.vm_name == "golden-linux"]
    assert linux == [scripts.probe("linux"), ["echo activate licences", "echo clean caches"], scripts.generalize("linux")]
    windows = [r.script for r in runs if r.vm_name == "golden-windows"]
    assert len(windows) == 2 and any("Sysprep.exe" in line and "'/quit'" in line for line in windows[-1])
    offline.destroy(result)
    wire = next(w for w in sim.wires if isinstance(w, AzureWire))
    made = [r for r in [*wire.gallery.versions.all(SUBSCRIPTION), *wire.images.table.all(SUBSCRIPTION)]
            if "imageforge-key" in r.tags]
    assert len(made) == 2 and all(r.deleting is not None for r in made)  # both deletions accepted and under way
