"""Simulator at scale: describe one image through each vendor's real SDK with 10,000 images in its region.

For every simulated service the script fills one region with IMAGES images through the model (timed),
then describes one image id through the vendor's own SDK, alternating calls against that full store
and against an empty one (so a busy machine slows both alike), DESCRIBES calls each, RUNS times. It
prints per service the fill time, the median latency of both, their ratio (goal <= 2x) and describes
per second with the full store, each as the median of the runs with the lowest and highest run; then
the same for Tencent's CreateImage (its name and quota checks read the region) against an empty region.

    python bench/bench_simulator.py [images] [describes]
"""
from __future__ import annotations

import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imageforge.simulator import Simulator

IMAGES = 10_000
DESCRIBES = 200
WARMUP = 20
CREATES = 25  # per run: 400 own images + 3 x 25 stays under the region's quota of 500
RUNS = 3
TEAMS = ("web", "data", "ops", "ml")  # tags on the filled images, so tag indexes hold many values


@dataclass(frozen=True)
class Service:
    """How one simulated service is filled, reached through its SDK and asked for one image."""

    name: str
    fill: Callable[[Simulator, int], str]  # fills the region with n images and returns the id to describe
    client: Callable[[Simulator], Any]
    describe: Callable[[Any, str], None]  # one describe of that id; fails unless exactly that image comes back


@contextmanager
def simulator() -> Iterator[Simulator]:
    with tempfile.TemporaryDirectory(prefix="imageforge-bench-sim-") as home, Simulator(Path(home), speed=0.0) as sim:
        yield sim


def one(found: list[Any], image_id: str, key: Callable[[Any], str]) -> None:
    if [key(i) for i in found] != [image_id]:
        raise SystemExit(f"describe of {image_id} answered {[key(i) for i in found]}")


# Alibaba ECS ------------------------------------------------------------------------------------
def ecs_fill(sim: Simulator, n: int) -> str:
    from imageforge.simulator.alibaba.ecs_model import EcsModel

    model = EcsModel(sim.ctx)
    for i in range(n):
        model.create_image("cn-hangzhou", instance="i-bp1imageforgelnx01", name=f"fill-{i:05d}",
                           tags={"team": TEAMS[i % len(TEAMS)], "n": str(i)})
    return model.create_image("cn-hangzhou", instance="i-bp1imageforgelnx01", name="bench-target",
                              tags={"team": "bench"})


def ecs_client(sim: Simulator) -> Any:
    from aliyunsdkcore.client import AcsClient

    return AcsClient("SIMULATORACCESSKEY", "simulator-secret", "cn-hangzhou", auto_retry=False), sim.endpoints["http"].split("://", 1)[1]


def ecs_describe(client: Any, image_id: str) -> None:
    import json

    from aliyunsdkecs.request.v20140526.DescribeImagesRequest import DescribeImagesRequest

    acs, host = client
    request = DescribeImagesRequest()
    request.set_endpoint(host)
    request.set_protocol_type("http")
    request.set_ImageId(image_id)
    request.set_Status("Creating,Available,CreateFailed")
    one(json.loads(acs.do_action_with_exception(request))["Images"]["Image"], image_id, lambda i: i["ImageId"])


# Alibaba EDS ------------------------------------------------------------------------------------
def eds_fill(sim: Simulator, n: int) -> str:
    from imageforge.simulator.alibaba.eds_model import EdsModel

    model = EdsModel(sim.ctx)

    def capture(name: str) -> str:
        return model.create_image("cn-hangzhou", name=name, description=None, desktop="ecd-hzimageforgewin01",
                                  snapshot="", data_snapshots=[], disk_type="", clean=False)

    for i in range(n):
        capture(f"fill-{i:05d}")
    return capture("bench-target")


def eds_client(sim: Simulator) -> Any:
    from alibabacloud_ecd20200930.client import Client
    from alibabacloud_tea_openapi.models import Config

    return Client(Config(access_key_id="SIMULATORACCESSKEY", access_key_secret="simulator-secret", region_id="cn-hangzhou",
                         endpoint=sim.endpoints["http"].split("://", 1)[1], protocol="http"))


def eds_describe(client: Any, image_id: str) -> None:
    from alibabacloud_ecd20200930 import models

    body = client.describe_images(models.DescribeImagesRequest(region_id="cn-hangzhou", image_id=[image_id])).body
    one(body.images, image_id, lambda i: i.image_id)


# Tencent CVM ------------------------------------------------------------------------------------
TENCENT_REGION = "ap-guangzhou"
TENCENT_OWN = 400  # the region's quota is 500 custom images: the rest of the fill is shared by other accounts


def cvm_fill(sim: Simulator, n: int) -> str:
    from imageforge.simulator.tencent.model import CvmModel
    from imageforge.simulator.tencent.records import CAPTURE, DONE, PUBLIC, Image
    from imageforge.simulator.tencent.seeds import LINUX

    model = CvmModel(sim.ctx)
    for i in range(n):
        own = i < TENCENT_OWN
        image_id = f"img-f{i:07d}"
        model.put_image(TENCENT_REGION, Image(
            image_id, f"fill-{i:05d}", CAPTURE if own else PUBLIC, LINUX, 20, "2026-01-05T08:00:00Z", DONE,
            image_type="PRIVATE_IMAGE" if own else "SHARED_IMAGE",
            creator="100000000001" if own else "100000000777", tags=[("team", TEAMS[i % len(TEAMS)])]))
    return str(model.create_image(TENCENT_REGION, name="bench-target", description="", instance_id="ins-gzlnx001",
                                  snapshot_ids=[], data_disk_ids=[], sysprep=False, family="", tags=[],
                                  dry_run=False))


def cvm_client(sim: Simulator) -> Any:
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.common.retry import NoopRetryer
    from tencentcloud.cvm.v20170312 import cvm_client

    host = sim.endpoints["http"].split("://", 1)[1]
    http = HttpProfile(endpoint=host, protocol="http", reqTimeout=10)
    profile = ClientProfile(httpProfile=http, retryer=NoopRetryer())
    return cvm_client.CvmClient(credential.Credential("AKIDSIMULATOR", "simulator-secret"), TENCENT_REGION, profile)


def cvm_describe(client: Any, image_id: str) -> None:
    from tencentcloud.cvm.v20170312 import models

    request = models.DescribeImagesRequest()
    request.ImageIds = [image_id]
    one(client.DescribeImages(request).ImageSet, image_id, lambda i: i.ImageId)


def cvm_create(client: Any, name: str) -> None:
    from tencentcloud.cvm.v20170312 import models

    request = models.CreateImageRequest()
    request.ImageName, request.InstanceId = name, "ins-gzlnx001"
    if not client.CreateImage(request).ImageId:
        raise SystemExit("CreateImage answered no ImageId")


# Huawei IMS -------------------------------------------------------------------------------------
def ims_fill(sim: Simulator, n: int) -> str:
    from imageforge.simulator.huawei.model import VENDOR, ImsModel

    model = ImsModel(sim.ctx)
    for i in range(n):
        image = model.new_image("cn-north-4", f"fill-{i:05d}", "", {"team": TEAMS[i % len(TEAMS)]}, os_type="Linux",
                                platform="CentOS", created=model.now())
        sim.store.put(VENDOR, "cn-north-4", "image", image.id, image.to_record())
    job_id = model.capture("cn-north-4", name="bench-target", instance_id="11111111-0000-4000-8000-000000000001")
    return model.job("cn-north-4", job_id).image_id


def ims_client(sim: Simulator) -> Any:
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkims.v2 import ImsClient

    creds = BasicCredentials("SIMULATORAK", "simulator-secret", sim.endpoints["huawei_projects"]["cn-north-4"])
    return ImsClient.new_builder().with_credentials(creds).with_endpoints([sim.endpoints["http"]]).build()


def ims_describe(client: Any, image_id: str) -> None:
    from huaweicloudsdkims.v2 import ListImagesRequest

    one(client.list_images(ListImagesRequest(imagetype="private", id=image_id)).images, image_id, lambda i: i.id)


# Azure ------------------------------------------------------------------------------------------
def azure_fill(sim: Simulator, n: int) -> str:
    from imageforge.simulator.azure import arm
    from imageforge.simulator.azure.images import ImageDisk, ManagedImage
    from imageforge.simulator.azure.model import LOCATION, RESOURCE_GROUP, SUBSCRIPTION
    from imageforge.simulator.core.lifecycle import Lifecycle

    wire = next(w for w in sim.wires if w.vendor == "azure")
    disk = ImageDisk("Linux", "Generalized", "ReadWrite", "Premium_LRS", 30)

    def put(name: str, team: str) -> None:
        rid = arm.resource_id(SUBSCRIPTION, RESOURCE_GROUP, f"images/{name}")
        wire.images.table.put(ManagedImage(rid, name, LOCATION, "V2", disk, Lifecycle(0.0, 0.0), {"team": team}))

    for i in range(n):
        put(f"fill-{i:05d}", TEAMS[i % len(TEAMS)])
    put("bench-target", "bench")
    return "bench-target"


def azure_client(sim: Simulator) -> Any:
    from azure.identity import ClientSecretCredential
    from azure.mgmt.compute import ComputeManagementClient

    from imageforge.simulator.azure.model import SUBSCRIPTION

    # the simulator's test keys, against its own Entra ID token endpoint (ARM takes only tokens it issued)
    token = ClientSecretCredential("sim", "sim", "sim", authority=sim.endpoints["https"],
                                   connection_verify=sim.endpoints["ca_file"], disable_instance_discovery=True)
    return ComputeManagementClient(token, SUBSCRIPTION, base_url=sim.endpoints["https"],
                                   connection_verify=sim.endpoints["ca_file"], retry_total=0)


def azure_describe(client: Any, name: str) -> None:
    from imageforge.simulator.azure.model import RESOURCE_GROUP

    one([client.images.get(RESOURCE_GROUP, name)], name, lambda i: i.name)


SERVICES = (
    Service("alibaba-ecs", ecs_fill, ecs_client, ecs_describe),
    Service("alibaba-eds", eds_fill, eds_client, eds_describe),
    Service("tencent-cvm", cvm_fill, cvm_client, cvm_describe),
    Service("huawei-ims", ims_fill, ims_client, ims_describe),
    Service("azure", azure_fill, azure_client, azure_describe),
)


# measuring --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    empty: float  # median seconds per call against the empty store
    full: float  # median seconds per call against the full one
    rate: float  # calls per second against the full store

    @property
    def ratio(self) -> float:
        return self.full / self.empty


def filled(service_fill: Callable[[Simulator, int], str], sim: Simulator, images: int) -> tuple[str, float]:
    """Fill the region in one commit; the id to describe and the seconds the fill took."""
    started = time.perf_counter()
    with sim.store.transaction():
        target = service_fill(sim, images)
    seconds = time.perf_counter() - started
    sim.advance(7200)  # every capture done
    return target, seconds


def interleaved(empty: Callable[[], None], full: Callable[[], None], rounds: int) -> Run:
    """Alternate the two calls, so whatever else loads the machine weighs on both alike."""
    for _ in range(WARMUP):
        empty()
        full()
    samples: tuple[list[float], list[float]] = ([], [])
    for n in range(rounds):
        for which in ((0, 1) if n % 2 else (1, 0)):
            started = time.perf_counter()
            (empty, full)[which]()
            samples[which].append(time.perf_counter() - started)
    return Run(statistics.median(samples[0]), statistics.median(samples[1]), rounds / sum(samples[1]))


def spread(runs: list[Run], value: Callable[[Run], float], scale: float = 1.0, digits: int = 2) -> str:
    values = sorted(scale * value(r) for r in runs)
    return f"{statistics.median(values):.{digits}f} ({values[0]:.{digits}f}-{values[-1]:.{digits}f})"


def main() -> None:
    logging.getLogger("azure").setLevel(logging.WARNING)
    images = int(sys.argv[1]) if len(sys.argv) > 1 else IMAGES
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else DESCRIBES
    print(f"describe one image id through the vendor SDK with {images} images in the region against an empty store;")
    print(f"{RUNS} runs of {rounds} interleaved calls each: median of the runs' medians (lowest-highest run)")
    print(f"{'service':<13}{'fill s':>7}{'empty ms':>19}{'full ms':>19}{'ratio':>19}{'describes/s':>16}")
    worst = 0.0
    for service in SERVICES:
        with simulator() as empty_sim, simulator() as full_sim:
            empty_target, _ = filled(service.fill, empty_sim, 0)
            full_target, fill = filled(service.fill, full_sim, images)
            empty_client, full_client = service.client(empty_sim), service.client(full_sim)
            runs = [interleaved(lambda: service.describe(empty_client, empty_target),
                                lambda: service.describe(full_client, full_target), rounds) for _ in range(RUNS)]
        worst = max(worst, statistics.median(r.ratio for r in runs))
        print(f"{service.name:<13}{fill:>7.1f}{spread(runs, lambda r: r.empty, 1000):>19}"
              f"{spread(runs, lambda r: r.full, 1000):>19}{spread(runs, lambda r: r.ratio):>19}"
              f"{spread(runs, lambda r: r.rate, digits=0):>16}", flush=True)
    print(f"worst median ratio {worst:.2f}x (goal <= 2x)")
    with simulator() as empty_sim, simulator() as full_sim:
        filled(cvm_fill, empty_sim, 0)
        filled(cvm_fill, full_sim, images)
        clients = cvm_client(empty_sim), cvm_client(full_sim)
        names = iter(range(1_000_000))

        def create(which: int) -> Callable[[], None]:
            return lambda: cvm_create(clients[which], f"bench-create-{next(names):06d}")

        runs = []
        for _ in range(RUNS):
            run = interleaved_creates(create(0), create(1), (empty_sim, full_sim))
            runs.append(run)
    print(f"tencent-cvm CreateImage with {images} images ({min(images, TENCENT_OWN)} own) against an empty region, "
          f"{RUNS} runs of {CREATES}: empty {spread(runs, lambda r: r.empty, 1000)} ms, "
          f"full {spread(runs, lambda r: r.full, 1000)} ms, ratio {spread(runs, lambda r: r.ratio)}")


def interleaved_creates(empty: Callable[[], None], full: Callable[[], None], sims: tuple[Simulator, ...]) -> Run:
    """CreateImage on both stores in turn; the clock moves between rounds so the instance is free again."""
    samples: tuple[list[float], list[float]] = ([], [])
    for n in range(CREATES):
        for which in ((0, 1) if n % 2 else (1, 0)):
            started = time.perf_counter()
            (empty, full)[which]()
            samples[which].append(time.perf_counter() - started)
        for sim in sims:
            sim.advance(7200)
    return Run(statistics.median(samples[0]), statistics.median(samples[1]), CREATES / sum(samples[1]))


if __name__ == "__main__":
    main()
