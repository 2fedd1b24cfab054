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


def test_the_typed_inputs_match_the_declarations() -> None:
    from imageforge.providers.cli.args_gen import render as render_args

    generated = Path(__file__).resolve().parents[1] / "providers" / "resources" / "args.py"
    assert generated.read_text() == render_args(), "args.py drifted from the schemas: run `imageforge docs --write .`"


def test_the_keyword_form_takes_exactly_the_declared_inputs() -> None:
    import inspect
    import typing

    from imageforge.providers import CustomImage, GeneralizedVM, ImageRegionSet, ImportedImage
    from imageforge.providers.resources.schemas import SCHEMAS

    for resource in (CustomImage, ImageRegionSet, GeneralizedVM, ImportedImage):
        schema = SCHEMAS[resource.__name__]
        by_args, by_keywords = typing.get_overloads(resource.__init__)
        params = inspect.signature(by_keywords).parameters
        declared = {f.name for f in schema.fields if not f.internal}
        assert set(params) - {"self", "resource_name", "opts"} == declared, resource.__name__
        required = {n for n, p in params.items() if p.default is inspect.Parameter.empty} - {"self", "resource_name"}
        assert required == {f.name for f in schema.fields if f.required and not f.internal}, resource.__name__
        assert list(inspect.signature(by_args).parameters) == ["self", "resource_name", "args", "opts"]
