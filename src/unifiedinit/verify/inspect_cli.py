"""``unifiedinit inspect MODULE:FACTORY``: what a plan would do to a model, without writing anything.

``FACTORY`` is a function (or class) in an importable module (the current directory is searched first) that
builds the model with no arguments: ``unifiedinit inspect mymodels:build_gpt --plan torch``. For a linen model
it may return ``(module, variables)``. ``--plan`` is a preset's name or a plan JSON file.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from typing import Any, Sequence


def load_factory(target: str) -> Any:
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"expected MODULE:FACTORY (for example mymodels:build), got {target!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    module = importlib.import_module(module_name)
    factory: Any = module
    for part in attr.split("."):
        factory = getattr(factory, part)
    if not callable(factory):
        raise ValueError(f"{target} is not callable")
    return factory


def load_plan(name: str | None) -> Any:
    from .. import presets
    from ..plan import Plan
    if name is None:
        return None
    known = dict(presets.PRESETS, **presets.SEED_PATTERNS)
    if name in known:
        return known[name]
    if os.path.exists(name):
        with open(name, "rb") as fh:
            return Plan.from_json(fh.read())
    raise ValueError(f"--plan must be a preset ({', '.join(known)}) or a plan JSON file; got {name!r}")


DESCRIPTION = (__doc__ or "").split("\n\n")[0].split(": ", 1)[-1]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("factory", help="MODULE:FACTORY, a function that builds the model with no arguments")
    parser.add_argument("--plan", help="a preset's name (torch, keras, flax, mxnet, dcgan, ...) or a plan JSON file")
    parser.add_argument("--json", metavar="PATH", help="also write the report as JSON")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a parameter is UNMATCHED")
    parser.add_argument("--wide", action="store_true", help="one table however wide (default: fit 100 columns)")


def execute(args: Any) -> int:
    from ..apply import inspect
    from ..cli import Problem, writable
    if args.json:
        writable(args.json, "--json")
    try:
        plan = load_plan(args.plan)
        built = load_factory(args.factory)()
    except (ImportError, AttributeError, ValueError) as err:
        raise Problem(str(err)) from None
    options = {}
    if isinstance(built, tuple) and len(built) == 2:  # a linen (module, variables) pair
        built, options = built[0], {"params": built[1]}
    report = inspect(built, plan, **options)
    print(report.table(10 ** 6 if args.wide else 100))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report.to_dict(), fh, indent=1)
    return 1 if args.strict and report.unmatched else 0


def main(argv: Sequence[str] | None = None) -> int:
    """``unifiedinit inspect ...`` (see ``unifiedinit.cli``)."""
    from ..cli import main as cli
    return cli(["inspect", *(argv or [])])
