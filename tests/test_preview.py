"""During preview, values not known yet are passed by every cloud's check, never failed."""
from __future__ import annotations

import pytest
from pulumi.runtime import rpc

from imageforge.providers import CustomImageProvider, GeneralizedVMProvider, ImageRegionSetProvider
from imageforge.providers.core.registry import SERVICES
from imageforge.simulator import Simulator
from tests.engine import ProviderServer

U = rpc.UNKNOWN


@pytest.mark.parametrize("cloud,service", sorted(SERVICES))
def test_check_passes_unknowns(server: ProviderServer, sim: Simulator, cloud: str, service: str) -> None:
    mark = sim.mark()
    image = {"cloud": cloud, "service": service, "region": U, "name": U, "description": U, "source": U,
             "tags": U, "options": U, "owner": "p/s/n"}
    _, failures = server.check(CustomImageProvider(), image)
    assert failures == []
    regions = {"cloud": cloud, "service": service, "region": U, "image_id": U, "regions": U, "options": U,
               "owner": "p/s/n"}
    _, failures = server.check(ImageRegionSetProvider(), regions)
    assert failures == []
    assert sim.requests(since=mark) == []


def test_generalized_vm_check_passes_unknowns(server: ProviderServer) -> None:
    _, failures = server.check(GeneralizedVMProvider(), {"cloud": "azure", "region": U, "vm": U, "finalize_scripts": U,
                                                         "owner": "p/s/n"})
    assert failures == []
