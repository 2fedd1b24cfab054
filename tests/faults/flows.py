"""The engine's step sequences the fault campaign drives, one flow per resource operation.

Each flow sets up what must exist before (without faults), then acts the way `pulumi up` or
`pulumi destroy` calls the provider, and says what the cloud must hold once it succeeded.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from imageforge.providers import CustomImageProvider, ImageRegionSetProvider, ImportedImageProvider
from tests.contract.cases import ServiceCase
from tests.engine import ProviderServer


@dataclass
class Prior:
    """What existed before the operation: the engine's state for it, and the objects setup made."""

    state: dict[str, Any] | None = None
    id: str = ""
    inputs: dict[str, Any] | None = None


class Flow(Protocol):
    name: str

    def setup(self, server: ProviderServer) -> Prior: ...

    def act(self, server: ProviderServer, prior: Prior) -> tuple[str, dict[str, Any]]: ...

    def expected(self, prior: Prior) -> int:
        """How many new images or copies the cloud holds once the operation succeeded."""
        ...

    def owned(self, result: tuple[str, dict[str, Any]] | None, prior: Prior) -> list[tuple[str, dict[str, Any], Any]]:
        """(id, state, provider) of every resource to destroy at the end, newest first."""
        ...


def _checked(server: ProviderServer, provider: Any, inputs: dict[str, Any], olds: dict[str, Any] | None = None) -> dict[str, Any]:
    checked, failures = server.check(provider, inputs, olds=olds)
    if failures:
        raise AssertionError(f"check refused the campaign's inputs: {failures}")
    return checked


def _owner(name: str) -> str:
    return f"campaign/sim/{name}"


@dataclass
class Capture:
    case: ServiceCase
    name: str = "capture"

    def inputs(self) -> dict[str, Any]:
        return {**self.case.capture, "owner": _owner("image")}

    def setup(self, server: ProviderServer) -> Prior:
        return Prior()

    def act(self, server: ProviderServer, prior: Prior) -> tuple[str, dict[str, Any]]:
        return server.create(_checked(server, CustomImageProvider(), self.inputs()))

    def expected(self, prior: Prior) -> int:
        return 1

    def owned(self, result: tuple[str, dict[str, Any]] | None, prior: Prior) -> list[tuple[str, dict[str, Any], Any]]:
        return [(result[0], result[1], CustomImageProvider())] if result else []


@dataclass
class Import:
    case: ServiceCase
    name: str = "import"

    def setup(self, server: ProviderServer) -> Prior:
        return Prior()

    def act(self, server: ProviderServer, prior: Prior) -> tuple[str, dict[str, Any]]:
        return server.create(_checked(server, ImportedImageProvider(), {**self.case.imports, "owner": _owner("import")}))

    def expected(self, prior: Prior) -> int:
        return 1

    def owned(self, result: tuple[str, dict[str, Any]] | None, prior: Prior) -> list[tuple[str, dict[str, Any], Any]]:
        return [(result[0], result[1], ImportedImageProvider())] if result else []


@dataclass
class DeleteImage:
    case: ServiceCase
    name: str = "delete-image"

    def setup(self, server: ProviderServer) -> Prior:
        image_id, state = Capture(self.case).act(server, Prior())
        return Prior(state, image_id)

    def act(self, server: ProviderServer, prior: Prior) -> tuple[str, dict[str, Any]]:
        assert prior.state is not None
        server.delete(prior.id, prior.state)
        return "", {}

    def expected(self, prior: Prior) -> int:
        return -1  # one image fewer

    def owned(self, result: tuple[str, dict[str, Any]] | None, prior: Prior) -> list[tuple[str, dict[str, Any], Any]]:
        return [] if result else [(prior.id, prior.state or {}, CustomImageProvider())]


@dataclass
class Copies:
    """ImageRegionSet: create with every region, or update from `before` to `after` regions, or delete."""

    case: ServiceCase
    name: str
    before: tuple[str, ...]
    after: tuple[str, ...] | None  # None: delete the set

    def _inputs(self, source: dict[str, Any], regions: tuple[str, ...]) -> dict[str, Any]:
        assert self.case.copy is not None
        return {**self.case.copy(source["image_id"]), "regions": list(regions), "owner": _owner("regions")}

    def setup(self, server: ProviderServer) -> Prior:
        image_id, source = Capture(self.case).act(server, Prior())
        prior = Prior(inputs=source, id=image_id)
        if self.before:
            set_id, state = server.create(_checked(server, ImageRegionSetProvider(), self._inputs(source, self.before)))
            return Prior(state, set_id, source)
        return prior

    def act(self, server: ProviderServer, prior: Prior) -> tuple[str, dict[str, Any]]:
        assert prior.inputs is not None
        provider = ImageRegionSetProvider()
        if prior.state is None:
            return server.create(_checked(server, provider, self._inputs(prior.inputs, self.after or ())))
        if self.after is None:
            server.delete(prior.id, prior.state)
            return "", {}
        news = _checked(server, provider, self._inputs(prior.inputs, self.after), olds=prior.state)
        verdict = server.diff(prior.id, prior.state, news)
        assert verdict.kind == "update", verdict
        return prior.id, server.update(prior.id, prior.state, news)

    def expected(self, prior: Prior) -> int:
        return len(self.after or ()) - len(self.before)

    def owned(self, result: tuple[str, dict[str, Any]] | None, prior: Prior) -> list[tuple[str, dict[str, Any], Any]]:
        assert prior.inputs is not None
        source = (prior.inputs["image_id"], prior.inputs, CustomImageProvider())
        if result and result[0]:
            return [(result[0], result[1], ImageRegionSetProvider()), source]
        if result is None and prior.state is not None:
            return [(prior.id, prior.state, ImageRegionSetProvider()), source]
        return [source]


def flows(case: ServiceCase) -> list[Flow]:
    out: list[Flow] = [Capture(case), DeleteImage(case)]
    if case.copy is not None and len(case.regions) >= 2:  # test_campaign checks every copying case names two
        a, b = case.regions[0], case.regions[1]
        out += [Copies(case, "copy-create", (), (a, b)), Copies(case, "copy-add", (a,), (a, b)),
                Copies(case, "copy-remove", (a, b), (a,)), Copies(case, "copy-delete", (a, b), None)]
    if case.imports:
        out.append(Import(case))
    return out


@dataclass
class Generalize:
    """GeneralizedVM on a fresh running VM: a success must mean the guest was really prepared (deprovision, Sysprep)."""

    sim: Any
    case: ServiceCase
    os_type: str
    name: str = ""
    count: int = 0

    def __post_init__(self) -> None:
        self.name = f"generalize-{self.os_type.lower()}"

    def setup(self, server: ProviderServer) -> Prior:
        assert self.case.vm is not None
        self.count += 1
        vm = self.case.vm.make(self.sim, self.os_type, f"campaign-{self.os_type.lower()}-{self.count}")
        inputs = {**self.case.vm.inputs, "vm": vm, "owner": _owner(f"vm-{self.count}"),
                  "finalize_scripts": [["echo clean caches"]]}
        return Prior(inputs=inputs, id=vm)

    def act(self, server: ProviderServer, prior: Prior) -> tuple[str, dict[str, Any]]:
        from imageforge.providers import GeneralizedVMProvider

        assert prior.inputs is not None
        return server.create(_checked(server, GeneralizedVMProvider(), prior.inputs))

    def expected(self, prior: Prior) -> int:
        return 0

    def owned(self, result: tuple[str, dict[str, Any]] | None, prior: Prior) -> list[tuple[str, dict[str, Any], Any]]:
        from imageforge.providers import GeneralizedVMProvider

        return [(result[0], result[1], GeneralizedVMProvider())] if result else []

    def verify(self, prior: Prior, succeeded: bool) -> list[str]:
        """Never generalized without the guest steps; after a success, generalized and prepared."""
        assert self.case.vm is not None
        marked, prepared = self.case.vm.state(self.sim, prior.id)
        problems = []
        if marked and not prepared:
            problems.append(f"VM {prior.id} marked generalized but its guest was never prepared")
        if succeeded and not marked:
            problems.append(f"reported generalized but VM {prior.id} is not")
        return problems


@dataclass
class Bake:
    """BakedImage from a base image: one image, and no build VM, disk or NIC left once it succeeded or was destroyed."""

    sim: Any
    case: ServiceCase
    name: str = "bake"

    def setup(self, server: ProviderServer) -> Prior:
        inputs = {**self.case.build, "owner": _owner("baked"), "provision": [["echo install the web tier"]]}
        return Prior(inputs=inputs)

    def act(self, server: ProviderServer, prior: Prior) -> tuple[str, dict[str, Any]]:
        from imageforge.providers import BakedImageProvider

        assert prior.inputs is not None
        return server.create(_checked(server, BakedImageProvider(), prior.inputs))

    def expected(self, prior: Prior) -> int:
        return 1

    def owned(self, result: tuple[str, dict[str, Any]] | None, prior: Prior) -> list[tuple[str, dict[str, Any], Any]]:
        from imageforge.providers import BakedImageProvider

        if result:
            return [(result[0], result[1], BakedImageProvider())]
        # a bake whose create failed is not in the engine's state: its image, if any, is found by the next up only
        return []

    def verify(self, prior: Prior, succeeded: bool) -> list[str]:
        """A bake reported done has removed its build VM and everything launched with it."""
        left = self.sim.build_objects()
        return [f"the bake reported success but left {sorted(left)}"] if succeeded and left else []

    def leftovers(self) -> set[Any]:
        return set(self.sim.build_objects())
