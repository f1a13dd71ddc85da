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
from typing import Any, Sequence, cast


def load_factory(target: str) -> Any:
    """The function (or class) ``MODULE:FACTORY`` names, imported; the current directory is searched first.

    Args:
        target: ``"module:attribute"``; the attribute may be dotted (``mymodels:Zoo.build``).

    Returns:
        The callable.

    Raises:
        ValueError: ``target`` is not ``MODULE:FACTORY``, or what it names is not callable.
        ImportError: the module cannot be imported.
        SyntaxError: the module (or one it imports) is not valid Python.
        AttributeError: the module has no such attribute.

    Examples:
        >>> load_factory("collections:OrderedDict")
        <class 'collections.OrderedDict'>
        >>> load_factory("collections")
        Traceback (most recent call last):
        ...
        ValueError: expected MODULE:FACTORY (for example mymodels:build), got 'collections'
    """
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
    """The plan ``--plan`` names: a preset or seed pattern by its name, or a plan JSON file.

    Args:
        name: a name of ``unifiedinit.presets.PRESETS`` or ``SEED_PATTERNS`` (torch, keras, flax, dcgan, ...), a
            path to a plan JSON file, or None.

    Returns:
        The ``Plan``, or None for None (``inspect`` then shows the parameters without a plan).

    Raises:
        ValueError: neither a known name nor an existing file, or a file that is not a valid plan.

    Examples:
        >>> load_plan("torch").name, load_plan(None)
        ('torch', None)
    """
    from .. import presets
    from ..plan import Plan
    if name is None:
        return None
    known = dict(presets.PRESETS, **presets.SEED_PATTERNS)
    if name in known:
        return known[name]
    if os.path.isdir(name):
        raise ValueError(f"--plan {name}: a folder; give a plan JSON file or a preset ({', '.join(known)})")
    if os.path.exists(name):
        try:
            with open(name, "rb") as fh:
                return Plan.from_json(fh.read())
        except OSError as err:
            raise ValueError(f"--plan {name}: cannot read it ({err.strerror})") from None
    raise ValueError(f"--plan must be a preset ({', '.join(known)}) or a plan JSON file; got {name!r}")


DESCRIPTION = (__doc__ or "").split("\n\n")[0].split(": ", 1)[-1]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``unifiedinit inspect``'s arguments to ``parser``: ``factory``, ``--plan``, ``--json``, ``--strict`` and
    ``--wide``.

    Args:
        parser: the command's argument parser (``unifiedinit.cli`` gives its subparser).

    Examples:
        >>> import argparse
        >>> parser = argparse.ArgumentParser()
        >>> configure(parser)
        >>> args = parser.parse_args(["mymodels:build", "--plan", "torch"])
        >>> args.factory, args.plan, args.strict
        ('mymodels:build', 'torch', False)
    """
    parser.add_argument("factory", help="MODULE:FACTORY, a function that builds the model with no arguments")
    parser.add_argument("--plan", help="a preset's name (torch, keras, flax, mxnet, dcgan, ...) or a plan JSON file")
    parser.add_argument("--json", metavar="PATH", help="also write the report as JSON")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when a parameter is UNMATCHED or belongs to a torch lazy module not built yet")
    parser.add_argument("--wide", action="store_true", help="one table however wide (default: fit 100 columns)")


def execute(args: argparse.Namespace) -> int:
    """Run ``unifiedinit inspect`` with parsed options: build the model, print the plan's report, write the JSON.

    Args:
        args: the options ``configure`` defines, as ``argparse`` parsed them.

    Returns:
        The exit code: 0, or 1 with ``--strict`` when a parameter is UNMATCHED or belongs to a lazy module not built
        yet (which no rule sets: said on stderr, as ``plan.apply`` warns it, with or without ``--strict``).

    Raises:
        unifiedinit.cli.Problem: a factory or plan that cannot be loaded, a plan the model refuses (a rule that
            cannot initialize a parameter it matches, a linen module without its variables), or a ``--json`` path
            that cannot be written; its folder is made only once everything else is accepted.

    Examples:
        >>> import argparse, contextlib, io
        >>> parser = argparse.ArgumentParser()
        >>> configure(parser)
        >>> args = parser.parse_args(["unifiedinit.backends.torch.zoo:build", "--plan", "torch"])
        >>> with contextlib.redirect_stdout(io.StringIO()):  # the report
        ...     code = execute(args)
        >>> code
        0
    """
    from ..apply import inspected, lazy_message
    from ..cli import Problem, check_output, writable
    if args.json:  # a bad path is said before the model is built, without making its folder
        check_output(args.json, "--json")
    from inspect import signature

    from ..apply import backend_of
    try:
        plan = load_plan(args.plan)
        factory = load_factory(args.factory)
    except (ImportError, AttributeError, ValueError) as err:
        raise Problem(str(err)) from None
    except SyntaxError as err:  # its traceback would hide the one line that says where
        raise Problem(f"{args.factory}: {err.filename}, line {err.lineno}: {err.msg}") from None
    try:
        signature(factory).bind()
    except TypeError as err:
        raise Problem(f"{args.factory} must build the model with no arguments: {err}") from None
    except ValueError:  # a builtin without a signature: called as it is
        pass
    built = factory()
    options: dict[str, Any] = {}
    if isinstance(built, tuple):  # isinstance makes the Any a tuple of Unknown: the cast says Any
        pair = cast("tuple[Any, ...]", built)
        linen = any(c.__module__.startswith("flax.linen") for c in type(pair[0]).__mro__) if pair else False
        if len(pair) != 2 or not linen:
            raise Problem(f"{args.factory} built a tuple of {len(pair)} "
                          f"({', '.join(type(x).__name__ for x in pair[:4])}{', ...' if len(pair) > 4 else ''}); "
                          f"a factory returns one model, or a linen (module, variables) pair")
        built, options = pair[0], {"params": pair[1]}
    try:
        backend_of(built)
    except TypeError as err:
        raise Problem(f"{args.factory} built no model: {err}") from None
    try:
        report, lazy = inspected(built, plan, **options)
    except (TypeError, ValueError) as err:  # a rule the model refuses, a model the plan cannot read
        raise Problem(str(err)) from None
    if args.json:  # every argument accepted: only now its folder is made
        writable(args.json, "--json")
    print(report.table(10 ** 6 if args.wide else 100))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report.to_dict(), fh, indent=1)
    if lazy:  # in no row of the table: said after it, in ``plan.apply``'s words
        print(f"unifiedinit {lazy_message('inspect', lazy)}", file=sys.stderr)
    return 1 if args.strict and (report.unmatched or lazy) else 0


def main(argv: Sequence[str] | None = None) -> int:
    """``unifiedinit inspect ...`` (see ``unifiedinit.cli``).

    Args:
        argv: the command's arguments, without ``inspect``: ``MODULE:FACTORY`` and the options.

    Returns:
        The exit code: 0 success, 1 a problem was reported (or an UNMATCHED parameter with ``--strict``), 2 a usage
        error.

    Examples:
        >>> main(["nocolon"])  # the problem goes to stderr
        1
    """
    from ..cli import main as cli
    return cli(["inspect", *(argv or [])])
