"""``mdplab list [--json]``: every registered theorem-reproduction scenario with its theorems and their
sources (:func:`scenarios.harness.registry.catalogue`)."""
from __future__ import annotations

import argparse

HELP = "theorem-reproduction scenarios"


def add_arguments(s: argparse.ArgumentParser) -> None:
    s.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    from scenarios.harness.registry import catalogue

    from ._output import print_json

    items = catalogue()
    if args.json:
        print_json(items)
        return 0
    for it in items:
        print(f"{it['name']}: {it['description']}")
        for th in it["theorems"]:
            print(f"    {th['name']}  ({th['source']})")
    return 0
