"""Fault-campaign flows for ImageFamily: a new version, a retention that retires one, and a rollback."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from imageforge.providers.resources.image_family import ImageFamilyProvider
from tests.contract.cases import ServiceCase
from tests.engine import ProviderServer
from tests.faults.flows import Prior

CAPTURE_OWN = ("cloud", "service", "region", "source", "name", "description", "tags", "owner", "endpoint")


def family_inputs(case: ServiceCase, version: str, keep: int) -> dict[str, Any]:
    extra = {k: v for k, v in case.capture.items() if k not in CAPTURE_OWN}
    copied = case.copy("") if case.copy is not None else {}
    publish = {k: v for k, v in copied.items() if k not in (*CAPTURE_OWN, "image_id", "regions")}
    return {**{k: case.capture[k] for k in ("cloud", "service", "region", "source") if k in case.capture},
            "family": "golden-campaign", "version": version, "keep": keep, "regions": [case.regions[0]],
            "owner": "campaign/sim/family", **({"capture": extra} if extra else {}),
            **({"publish": publish} if publish else {})}


def _apply(server: ProviderServer, inputs: dict[str, Any], prior: Prior | None = None) -> tuple[str, dict[str, Any]]:
    """What `pulumi up` does: check (with the old state), then create, or diff and update."""
    provider = ImageFamilyProvider()
    olds = prior.state if prior is not None and prior.state is not None else None
    checked, failures = server.check(provider, inputs, olds=olds)
    if failures:
        raise AssertionError(f"check refused the campaign's inputs: {failures}")
    if olds is None:
        return server.create(checked)
    assert prior is not None
    verdict = server.diff(prior.id, olds, checked)
    assert verdict.kind == "update", verdict
    return prior.id, server.update(prior.id, olds, checked)


@dataclass
class Release:
    """`versions` exist before; the operation applies `version` with `keep`; `expected` new (or removed) images."""

    case: ServiceCase
    name: str
    versions: tuple[str, ...]
    version: str
    keep: int
    change: int

    def setup(self, server: ProviderServer) -> Prior:
        prior = Prior()
        for version in self.versions:
            ident, state = _apply(server, family_inputs(self.case, version, 2), prior)
            prior = Prior(state, ident, state)
        return prior

    def act(self, server: ProviderServer, prior: Prior) -> tuple[str, dict[str, Any]]:
        return _apply(server, family_inputs(self.case, self.version, self.keep), prior)

    def expected(self, prior: Prior) -> int:
        return self.change

    def owned(self, result: tuple[str, dict[str, Any]] | None, prior: Prior) -> list[tuple[str, dict[str, Any], Any]]:
        if result and result[0]:
            return [(result[0], result[1], ImageFamilyProvider())]
        return [(prior.id, prior.state, ImageFamilyProvider())] if prior.state is not None else []


def release_flows(case: ServiceCase) -> list[Release]:
    """Home region and one copy per version: a new version makes two images; retiring one removes two."""
    return [Release(case, "release-new", ("2026-10",), "2026-11", 2, 2),
            Release(case, "release-retire", ("2026-10", "2026-11"), "2026-11", 1, -2),
            Release(case, "release-rollback", ("2026-10", "2026-11"), "2026-10", 2, 0)]
