"""`imageforge inspect FILE`: a disk image's format, sizes, partitions and boot mode, judged by each cloud's rules.

Exit codes: 0 no selected cloud has an error, 1 at least one has, 2 the file cannot be read as a disk image.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from imageforge.providers.preflight import CLOUDS, DiskImage, InspectError, Issue, canonical, inspect, rules_for
from imageforge.providers.preflight.model import verdict

EXIT_OK, EXIT_REFUSED, EXIT_UNREADABLE = 0, 1, 2


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "inspect",
        help="check a disk image file against each cloud's import rules, before uploading it",
        description="Read a disk image's headers and first guest sectors (never the whole file) and report "
                    "its format, sizes, partition table, boot mode and every cloud's objections. Exit code: "
                    "0 no selected cloud refuses it, 1 one does, 2 the file is not a readable disk image.",
    )
    parser.add_argument("file", help="the disk image (raw, qcow2, vhd, vhdx or vmdk; found by content)")
    parser.add_argument("--cloud", action="append", metavar="NAME", type=_cloud,
                        help=f"judge for this cloud only (repeatable or comma-separated): {', '.join(CLOUDS)}; "
                             "`alibaba` means alibaba-ecs. Default: all")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    parser.add_argument("--huawei-quick-import", action="store_true",
                        help="apply Huawei's quick-import limits (RAW/ZVHD2, up to 1 TiB) instead of 128 GiB")
    parser.set_defaults(handler=run)


def _cloud(value: str) -> list[str]:
    try:
        return [canonical(name) for name in value.split(",") if name.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    clouds = _selected(args.cloud)
    try:
        image = inspect(args.file)
    except InspectError as exc:
        if args.json:
            json.dump({"path": args.file, "error": exc.message}, out, indent=2)
            out.write("\n")
        else:
            err.write(f"imageforge inspect: {exc}\n")
        return EXIT_UNREADABLE
    report = build_report(image, clouds, quick_import=args.huawei_quick_import)
    if args.json:
        json.dump(report, out, indent=2)
        out.write("\n")
    else:
        out.write(render(image, report))
    return EXIT_REFUSED if "error" in report["verdicts"].values() else EXIT_OK


def _selected(groups: list[list[str]] | None) -> list[str]:
    if not groups:
        return list(CLOUDS)
    chosen: list[str] = []
    for name in (n for group in groups for n in group):
        if name not in chosen:
            chosen.append(name)
    return chosen


def build_report(image: DiskImage, clouds: list[str], *, quick_import: bool = False) -> dict[str, Any]:
    """The JSON document: the image's facts, every issue, a verdict and import parameters per cloud."""
    issues: list[Issue] = []
    verdicts: dict[str, str] = {}
    params: dict[str, Any] = {}
    for cloud in clouds:
        ruleset = rules_for(cloud, quick_import=quick_import)
        found = ruleset.evaluate(image)
        issues.extend(found)
        verdicts[cloud] = verdict(found)
        params[cloud] = ruleset.import_params(image)
    report: dict[str, Any] = image.to_dict()
    report.update(issues=[i.to_dict() for i in issues], verdicts=verdicts, import_params=params)
    return report


# -- human output ---------------------------------------------------------------------------------

def size(n: int) -> str:
    for unit, scale in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def table(rows: list[list[str]], indent: str = "  ") -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "".join(indent + "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() + "\n" for row in rows)


def render(image: DiskImage, report: dict[str, Any]) -> str:
    fmt = image.format + (f" ({image.subformat})" if image.subformat else "")
    if image.format == "qcow2" and image.format_version:
        fmt += f" v{image.format_version}"
    facts = [
        ["format", fmt],
        ["virtual size", f"{size(image.virtual_size)} ({image.virtual_size} bytes)"],
        ["file size", f"{size(image.file_size)} ({image.file_size} bytes)"],
        ["encrypted", image.encryption if image.encrypted and image.encryption else "no"],
        ["backing file", image.backing_file or "-"],
        ["partition table", image.partition_table],
        ["boot mode", image.boot_mode + (f" (also {', '.join(image.boot_modes[1:])})"
                                         if len(image.boot_modes) > 1 else "")],
        ["bytes read", f"{size(image.bytes_read)} ({image.bytes_read} bytes)"],
    ]
    text = f"{image.path}\n" + table(facts)
    if image.partitions:
        rows = [["#", "start", "size", "type", "boot", "file system"]]
        for p in image.partitions:
            kind = f"{p.type} {p.type_name}" if p.type.startswith("0x") else p.type_name
            rows.append([str(p.index), size(p.start), size(p.size), kind, "*" if p.bootable else "",
                         p.filesystem or "-"])
        text += "\n" + table(rows)
    rows = [["cloud", "verdict"]] + [[c, v] for c, v in report["verdicts"].items()]
    text += "\n" + table(rows)
    issues = [i for i in report["issues"] if i["severity"] != "info"] + \
             [i for i in report["issues"] if i["severity"] == "info"]
    if issues:
        text += "\n"
        for issue in issues:
            text += f"  {issue['severity'].upper():7}  {issue['cloud']:11}  {issue['rule']}: {issue['message']}\n"
            if issue["fix"]:
                text += f"  {'':7}  {'':11}  fix: {issue['fix']}\n"
    return text
