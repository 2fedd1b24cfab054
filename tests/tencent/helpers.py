"""Small helpers shared by the Tencent tests."""
from __future__ import annotations

import binascii
import json
import struct
import uuid
from pathlib import Path
from typing import Any

from imageforge.simulator.tencent.model import VENDOR
from imageforge.simulator.tencent.records import COPY, Image, Snapshot


def request(model_cls: type, **params: Any) -> Any:
    """An SDK request model filled the way the SDK's own from_json_string does (nested models included)."""
    model = model_cls()
    model.from_json_string(json.dumps(params))
    return model


# the simulated cloud's own records, read the way its model reads them ----------------------
def stored_image(sim: Any, region: str, image_id: str) -> Image | None:
    found = sim.store.get(VENDOR, region, "image", image_id)
    return None if found is None else Image.from_record(found)


def own_images(sim: Any, region: str) -> list[Image]:
    """The account's images in a region (public images left out), as the simulator keeps them."""
    return [i for i in map(Image.from_record, sim.store.list(VENDOR, region, "image")) if i.own]


def copies_in(sim: Any, region: str) -> list[Image]:
    """The images SyncImages made in a region."""
    return [i for i in own_images(sim, region) if i.kind == COPY]


def made_snapshots(sim: Any, region: str) -> list[Snapshot]:
    """Snapshots a capture, an import or a sync made for its image (the seeds' own are left out)."""
    return [s for s in map(Snapshot.from_record, sim.store.list(VENDOR, region, "snapshot")) if s.owner_image]


SECTOR, MiB = 512, 1 << 20
ESP, MS_DATA = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7"


def _ntfs_boot() -> bytes:
    boot = bytearray(SECTOR)
    boot[0:11] = b"\xeb\x52\x90NTFS    "
    boot[11:13] = struct.pack("<H", SECTOR)
    boot[510:512] = b"\x55\xaa"
    return bytes(boot)


def _mbr(kind: int, start: int, count: int, active: bool) -> bytes:
    sector = bytearray(SECTOR)
    sector[446:462] = struct.pack("<B3sB3sII", 0x80 if active else 0, b"\xfe\xff\xff", kind, b"\xfe\xff\xff", start, count)
    sector[510:512] = b"\x55\xaa"
    return bytes(sector)


def _gpt_header(lba: int, backup: int, first: int, last: int, entries_lba: int, entries: bytes) -> bytes:
    head = bytearray(struct.pack("<8sIIIIQQQQ16sQIII", b"EFI PART", 0x10000, 92, 0, 0, lba, backup, first, last,
                                 uuid.uuid4().bytes_le, entries_lba, 128, 128, binascii.crc32(entries)))
    head[16:20] = struct.pack("<I", binascii.crc32(bytes(head)))
    return bytes(head).ljust(SECTOR, b"\0")


def windows_disk(path: Path, gpt_uefi: bool = False) -> Path:
    """A sparse 64 MiB raw Windows system disk: an active NTFS partition on MBR, or ESP + NTFS on GPT (UEFI)."""
    lbas = 64 * MiB // SECTOR
    writes: list[tuple[int, bytes]] = []
    if gpt_uefi:
        parts = [(ESP, 2048, 4095), (MS_DATA, 4096, 126975)]
        table = b"".join(uuid.UUID(kind).bytes_le + uuid.uuid4().bytes_le + struct.pack("<QQQ", first, last, 0) + bytes(72)
                         for kind, first, last in parts).ljust(128 * 128, b"\0")
        n = len(table) // SECTOR
        writes += [(0, _mbr(0xEE, 1, lbas - 1, False)), (SECTOR, _gpt_header(1, lbas - 1, 2 + n, lbas - 2 - n, 2, table)),
                   (2 * SECTOR, table), ((lbas - 1 - n) * SECTOR, table),
                   ((lbas - 1) * SECTOR, _gpt_header(lbas - 1, 1, 2 + n, lbas - 2 - n, lbas - 1 - n, table)),
                   (4096 * SECTOR, _ntfs_boot())]
    else:
        writes += [(0, _mbr(0x07, 2048, lbas - 2048, True)), (2048 * SECTOR, _ntfs_boot())]
    with open(path, "wb") as f:
        f.truncate(lbas * SECTOR)
        for offset, data in writes:
            f.seek(offset)
            f.write(data)
    return path


# requests sent without the SDK, signed as its TC3-HMAC-SHA256 signer signs them ------------------
def tc3_headers(host: str, action: str, body: str, *, version: str = "2017-03-12", region: str = "ap-guangzhou",
                service: str = "cvm", secret_id: str = "AKIDSIMULATOR", secret_key: str = "simulator-secret",
                timestamp: int | None = None) -> dict[str, str]:
    """Headers of a signed `POST /`: the canonical request is built here and signed with the SDK's own Sign."""
    import hashlib
    import time

    from tencentcloud.common.sign import Sign

    stamp = int(time.time()) if timestamp is None else timestamp
    date = time.strftime("%Y-%m-%d", time.gmtime(stamp))
    canonical = "\n".join(("POST", "/", "", f"content-type:application/json\nhost:{host}\n", "content-type;host",
                           hashlib.sha256(body.encode()).hexdigest()))
    to_sign = "\n".join(("TC3-HMAC-SHA256", str(stamp), f"{date}/{service}/tc3_request",
                         hashlib.sha256(canonical.encode()).hexdigest()))
    signature = Sign.sign_tc3(secret_key, date, service, to_sign)
    return {"Content-Type": "application/json", "Host": host, "X-TC-Action": action, "X-TC-Version": version,
            "X-TC-Region": region, "X-TC-Timestamp": str(stamp),
            "Authorization": f"TC3-HMAC-SHA256 Credential={secret_id}/{date}/{service}/tc3_request, "
                             f"SignedHeaders=content-type;host, Signature={signature}"}
