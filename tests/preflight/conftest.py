"""Fixtures for the preflight tests: a session-wide corpus of disk images built with the real tools."""
from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# The helper modules sit beside this file; make them importable whatever pytest's import mode.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from preflight_tools import VARIANTS, build_sources, run  # noqa: E402


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    root = tmp_path_factory.mktemp("corpus")
    yield build_sources(root)


@pytest.fixture(scope="session")
def converted(corpus: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """Every source in every container variant, written by qemu-img convert."""
    root = tmp_path_factory.mktemp("converted")
    out = {}
    for source in ("mbr_bios", "gpt_hybrid"):
        for name, opts, fmt, _ in VARIANTS:
            ext = {"qcow2": "qcow2", "vhd": "vhd", "vhdx": "vhdx", "vmdk": "vmdk", "raw": "img"}[fmt]
            target = root / f"{source}.{name}.{ext}"
            run("qemu-img", "convert", "-f", "raw", *opts, str(corpus[source]), str(target))
            out[(source, name)] = target
    return out
