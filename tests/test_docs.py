"""The README's input tables are generated from the declarations: a rerun of `imageforge docs` must match."""
from __future__ import annotations

from pathlib import Path

from imageforge.providers.cli.docs_cmd import BEGIN, END, render

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_tables_match_the_declarations() -> None:
    text = README.read_text()
    assert BEGIN in text and END in text, "the README lacks the generated tables; paste `imageforge docs` output"
    block = text[text.index(BEGIN):text.index(END) + len(END)]
    assert block == render(), "the README's tables drifted from the declarations: replace them with `imageforge docs`"


def test_every_resource_and_service_is_in_the_tables() -> None:
    from imageforge.providers.core import registry
    from imageforge.providers.resources.schemas import SCHEMAS

    rendered = render()
    for kind in SCHEMAS:
        assert f"#### {kind}" in rendered
    for cloud, service in registry.SERVICES:
        assert f"`cloud={cloud!r}`, `service={service!r}`" in rendered
