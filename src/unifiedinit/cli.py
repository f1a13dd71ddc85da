"""``unifiedinit`` on the command line: ``unifiedinit [--version] COMMAND [options]``.

Each command lives in its own module, which offers ``DESCRIPTION``, ``configure(parser)`` (its arguments) and
``execute(args) -> int``. Exit codes: 0 success, 1 a failed check or a problem the command reports in one line with
its fix (``Problem``), 2 a usage error (argparse's own).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Sequence

#: command -> (its module, one line for the command list)
COMMANDS: dict[str, tuple[str, str]] = {
    "compare": ("unifiedinit.verify.compare",
                "sample every spec in every framework and check it against its exact distribution"),
    "defaults": ("unifiedinit.verify.defaults",
                 "measure each framework's default initialization and check its preset"),
    "inspect": ("unifiedinit.verify.inspect_cli",
                "show what a plan would do to a model (MODULE:FACTORY), writing nothing"),
}


class Problem(Exception):
    """What stops a command, said in one line with its fix; ``main`` prints it and exits 1.

    A command raises it for bad input it finds itself (an unknown framework, an unwritable path), so the user sees
    one line, not a traceback.

    Args:
        message: one line: what is wrong and how to fix it.

    Examples:
        >>> import tempfile
        >>> writable(tempfile.mkdtemp(), "--json")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        unifiedinit.cli.Problem: --json ...: cannot write there; choose a writable file path
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)


def version() -> str:
    """The installed unifiedinit's version (what ``unifiedinit --version`` prints).

    Returns:
        The version string, from the package metadata (``"0+unknown"`` in a source tree never installed).

    Examples:
        >>> import unifiedinit
        >>> version() == unifiedinit.__version__
        True
    """
    import unifiedinit
    return str(unifiedinit.__version__)


def build_parser() -> argparse.ArgumentParser:
    """The ``unifiedinit`` argument parser: ``--version`` and one subcommand per entry of ``COMMANDS``.

    Each command's module is imported here (light: the frameworks load when a command runs) and gives its
    description, its arguments (``configure``) and the function that runs it (``execute``, set as ``args.execute``).

    Returns:
        The parser.

    Examples:
        >>> args = build_parser().parse_args(["compare", "--seed", "1"])
        >>> args.command, args.seed, args.execute.__module__
        ('compare', 1, 'unifiedinit.verify.compare')
    """
    parser = argparse.ArgumentParser(
        prog="unifiedinit", description="Describe a weight initialization once; check that every framework draws "
                                        "it from the same distribution.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name, (module_name, text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        command = commands.add_parser(name, help=text, description=module.DESCRIPTION)
        module.configure(command)
        command.set_defaults(execute=module.execute)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns its exit code (``--help``/``--version`` 0, usage errors 2).

    A ``Problem`` the command raises is printed to stderr as ``unifiedinit COMMAND: message`` and gives 1; other
    exceptions propagate.

    Args:
        argv: the command line without the program name, such as ``["compare", "--spec", "Normal"]``; default
            ``sys.argv[1:]``.

    Returns:
        The exit code: 0 success (or ``--help``/``--version``), 1 a failed check or a reported problem, 2 a usage
        error (argparse's message, or no COMMAND).

    Examples:
        >>> main(["--version"])  # doctest: +ELLIPSIS
        unifiedinit ...
        0
        >>> main([])  # no COMMAND: the usage goes to stderr
        2
    """
    parser = build_parser()
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    except SystemExit as done:  # --help, --version and usage errors: argparse has printed what to say
        return int(done.code or 0)
    if args.command is None:
        parser.print_usage(sys.stderr)
        print("unifiedinit: error: a COMMAND is required (see unifiedinit --help)", file=sys.stderr)
        return 2
    try:
        return int(args.execute(args))
    except Problem as problem:
        print(f"unifiedinit {args.command}: {problem}", file=sys.stderr)
        return 1


def framework_names(text: str, option: str, allowed: Sequence[str]) -> list[str]:
    """The comma-separated framework names of an option (``--frameworks``), each one of ``allowed``, at least one.

    Args:
        text: the option's value (``"torch, flax"``).
        option: the option, for the message.
        allowed: the names it takes.

    Returns:
        The names, in the order given, without spaces.

    Raises:
        Problem: no name at all (``","``), or one that is not allowed.

    Examples:
        >>> framework_names("torch, flax", "--frameworks", ["torch", "flax", "keras"])
        ['torch', 'flax']
        >>> framework_names(",", "--frameworks", ["torch", "flax"])
        Traceback (most recent call last):
        unifiedinit.cli.Problem: --frameworks ',': no name in it; choose from torch, flax
    """
    chosen = [name.strip() for name in text.split(",") if name.strip()]
    if not chosen:
        raise Problem(f"{option} {text!r}: no name in it; choose from {', '.join(allowed)}")
    unknown = [name for name in chosen if name not in allowed]
    if unknown:
        raise Problem(f"unknown framework {unknown[0]!r}; choose from {', '.join(allowed)}")
    return chosen


def writable(path: str, option: str) -> str:
    """``path`` checked before a long run: its folder can be made and written, and it is not a folder itself.

    The folder is made here (as the command would make it), so a bad path fails before the run, not after it.

    Args:
        path: the output file a command will write.
        option: the option that gave it (``"--json"``), for the message.

    Returns:
        ``path``, unchanged.

    Raises:
        Problem: the folder cannot be made, ``path`` is a folder, or it (or its folder) is not writable.

    Examples:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "out", "report.json")
        >>> writable(path, "--json") == path, os.path.isdir(os.path.dirname(path))
        (True, True)
    """
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as err:
        raise Problem(f"{option} {path}: cannot make its folder ({err.strerror}); choose a writable path") from None
    if os.path.isdir(path) or not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise Problem(f"{option} {path}: cannot write there; choose a writable file path")
    if not os.path.exists(path):  # the name itself (too long, a character the file system refuses): made and removed
        try:
            open(path, "a").close()
        except OSError as err:
            raise Problem(f"{option} {path}: cannot write there ({err.strerror}); choose a writable file "
                          "path") from None
        os.remove(path)
    return path


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
