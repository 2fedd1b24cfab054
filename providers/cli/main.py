"""The `imageforge` command: one entry point, one module per sub-command."""
from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# sub-command name -> module exposing `register(subparsers)`; imported lazily so that
# `imageforge inspect` never pays for the simulator or the vendor SDKs.
SUBCOMMANDS: dict[str, str] = {
    "inspect": "imageforge.providers.cli.inspect_cmd",
    "sim": "imageforge.providers.cli.sim_cmd",
    "demo": "imageforge.providers.cli.demo_cmd",
    "docs": "imageforge.providers.cli.docs_cmd",
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="imageforge", description="Golden-image pipelines as Pulumi resources.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, module in SUBCOMMANDS.items():
        if only is not None and name != only:
            continue
        importlib.import_module(module).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    first = args_list[0] if args_list and args_list[0] in SUBCOMMANDS else None
    parser = build_parser(first)
    args = parser.parse_args(args_list)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
