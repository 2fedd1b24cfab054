"""`imageforge docs`: the README's input tables, generated from the declarations so the docs cannot drift."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..core import registry
from ..core.schema import Change, Field, ResourceSchema
from ..core.service import OperationSpec, ServiceSpec, Traits
from ..resources.schemas import SCHEMAS

CHANGE_TEXT = {Change.REPLACE: "replace", Change.UPDATE: "update in place", Change.RECORD: "recorded, no cloud call"}
RESOURCE_OF = {"capture": "CustomImage", "copy": "ImageRegionSet", "import": "ImportedImage",
               "generalize": "GeneralizedVM", "build": "BakedImage"}
RECOGNISED = {
    "tag": "the `imageforge-key` tag, set by the creating call itself",
    "description": "the marker `[imageforge:<key>]` in the description (its images take no tags)",
    "intent": "a marker on the source image lists the regions being copied; a copy of the requested name there is "
              "ours (names are unique per region); the tag is added once the copy exists",
}
BEGIN, END = "<!-- generated: imageforge docs -->", "<!-- end generated -->"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def resource_table(schema: ResourceSchema) -> list[str]:
    lines = [f"#### {schema.kind}", "", "| input | type | required | on change | meaning |", "|---|---|---|---|---|"]
    for item in schema.fields:
        if not item.internal:
            lines.append(_row(item))
    internal = [f"`{f.name}` ({f.doc})" for f in schema.fields if f.internal]
    if internal:
        lines += ["", "Set by the resource itself and kept in state: " + "; ".join(internal) + "."]
    if schema.outputs:
        lines += ["", "Outputs: " + ", ".join(f"`{k}` ({v})" for k, v in schema.outputs.items()) + "."]
    return lines + [""]


def _row(item: Field) -> str:
    change = "per option (see the service tables)" if item.name == "options" else CHANGE_TEXT[item.change]
    return (f"| `{item.name}` | {_cell(item.kind.label)} | {'yes' if item.required else ''} | {change} | "
            f"{_cell(item.doc)} |")


def service_table(spec: ServiceSpec) -> list[str]:
    lines = [f"#### {spec.label} (`cloud={spec.cloud!r}`, `service={spec.service!r}`)", ""]
    lines.append(_traits(spec.traits))
    for name in ("capture", "copy", "import", "generalize", "build"):
        op = spec.operation(name)
        if op is not None:
            lines += ["", f"{RESOURCE_OF[name]}:", ""] + _operation(op, SCHEMAS[RESOURCE_OF[name]])
    return lines + [""]


def _traits(traits: Traits) -> str:
    parts = [f"Found again after a crash by {RECOGNISED[traits.recognised_by]}"]
    if traits.copies_recognised_by != traits.recognised_by:
        parts.append(f"copies by {RECOGNISED[traits.copies_recognised_by]}")
    if not traits.copies_cancellable:
        parts.append("a running copy cannot be cancelled: it is deleted once it ends")
    if traits.copy_slots is not None:
        parts.append(f"at most {traits.copy_slots} copies in flight per account: further regions wait queued")
    if traits.copy_batch:
        parts.append("one call starts the copies to every new region")
    if traits.names_unique_per_region:
        parts.append("names are unique per region: a replacement that keeps the name deletes the old image first")
    if traits.jobs:
        parts.append("every write is a job, followed until it names its image")
    return "; ".join(parts) + "."


def _operation(op: OperationSpec, schema: ResourceSchema) -> list[str]:
    lines = ["| input | vendor parameter | on change | note |", "|---|---|---|---|"]
    for param in op.inputs:
        declared = schema.get(param.name)
        change = CHANGE_TEXT[declared.change] if declared is not None else ""
        lines.append(f"| `{param.name}` | {_cell(param.vendor)} | {change} | {_cell(param.doc)} |")
    for param in op.source:
        lines.append(f"| `source.{param.name}` | {_cell(param.vendor)} | replace | {_cell(param.doc)} |")
    for param in op.network:
        lines.append(f"| `network.{param.name}` | {_cell(param.vendor)} | replace | {_cell(param.doc)}"
                     f"{' (required)' if param.required else ''} |")
    for param in op.options:
        lines.append(f"| `options.{param.name}` | {_cell(param.vendor)} | {CHANGE_TEXT[param.change]} | "
                     f"{_cell(param.doc)}{' (required)' if param.required else ''} |")
    for refusal in op.refusals:
        taken = f" (`{refusal.accepts!r}` is accepted: it is what the service does)" if refusal.accepts is not None else ""
        lines.append(f"| `{refusal.name}` | refused{taken} | | {_cell(refusal.why)} Fix: {_cell(refusal.fix)} |")
    return lines


def render() -> str:
    """Every resource's inputs, then every service's parameters, as the README shows them."""
    lines = [BEGIN, "", "### Inputs of each resource", ""]
    for schema in SCHEMAS.values():
        lines += resource_table(schema)
    lines += ["### What each service takes", "",
              "Any input or option not listed for a service is refused by `check` before any call.", ""]
    for cloud, service in registry.SERVICES:
        lines += service_table(registry.spec_for(cloud, service))
    return "\n".join(lines + [END])


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = sub.add_parser("docs", help="print every resource's inputs and every service's vendor parameters "
                                         "(the README's tables, from the declarations)")
    parser.add_argument("--write", metavar="REPO", type=Path, default=None,
                        help="instead of printing, rewrite the tables in REPO/README.md and the typed inputs in "
                             "REPO/providers/resources/args.py")
    parser.set_defaults(handler=run_docs)


def run_docs(args: argparse.Namespace) -> int:
    if args.write is None:
        print(render())
        return 0
    from .args_gen import render as render_args

    readme = args.write / "README.md"
    text = readme.read_text()
    if BEGIN not in text or END not in text:
        print(f"{readme} has no {BEGIN} ... {END} block to replace", file=sys.stderr)
        return 1
    readme.write_text(text[:text.index(BEGIN)] + render() + text[text.index(END) + len(END):])
    (args.write / "providers" / "resources" / "args.py").write_text(render_args())
    return 0
