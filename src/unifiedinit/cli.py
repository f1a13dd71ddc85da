"""``unifiedinit`` on the command line: ``unifiedinit [--version] COMMAND [options]``.

Each command lives in its own module, which offers ``DESCRIPTION``, ``configure(parser)`` (its arguments) and
``execute(args) -> int``. Exit codes: 0 success, 1 a failed check or a problem the command reports in one line with
its fix (``Problem``), 2 a usage error (argparse's own).
"""

from __future__ import annotations

import argparse
import errno
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
        The names, in the order given, without spaces, each once (``torch,torch`` is ``torch``).

    Raises:
        Problem: no name at all (``","``), or one that is not allowed.

    Examples:
        >>> framework_names("torch, flax, torch", "--frameworks", ["torch", "flax", "keras"])
        ['torch', 'flax']
        >>> framework_names(",", "--frameworks", ["torch", "flax"])
        Traceback (most recent call last):
        unifiedinit.cli.Problem: --frameworks ',': no name in it; choose from torch, flax
    """
    chosen = list(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))  # each name once
    if not chosen:
        raise Problem(f"{option} {text!r}: no name in it; choose from {', '.join(allowed)}")
    unknown = [name for name in chosen if name not in allowed]
    if unknown:
        raise Problem(f"unknown framework {unknown[0]!r}; choose from {', '.join(allowed)}")
    return chosen


def need_scipy() -> None:
    """Refuse, in one line with its fix, a command that checks exact distributions where SciPy is not installed;
    call it before any output is made.

    Raises:
        Problem: SciPy is not installed.
    """
    import importlib.util
    if importlib.util.find_spec("scipy") is None:
        raise Problem("the exact distributions need SciPy: pip install 'unifiedinit[stats]'")


def check_output(path: str, option: str) -> str:
    """``path`` checked as an output file without making anything: not a folder, its folder writable (or makeable:
    the nearest folder above it that exists is writable), and every name in it short enough for the file system.

    Where its folder exists, the name itself is tried too (a file made and removed at once), so nothing is left.

    Args:
        path: the output file a command will write.
        option: the option that gave it (``"--json"``), for the message.

    Returns:
        ``path``, unchanged.

    Raises:
        Problem: ``path`` is a folder, a file stands where a folder must be, a folder is not writable, or a name
            is refused (too long).

    Examples:
        >>> import os, tempfile
        >>> top = tempfile.mkdtemp()
        >>> path = os.path.join(top, "new", "report.json")
        >>> check_output(path, "--json") == path
        True
        >>> os.listdir(top)  # nothing made
        []
    """
    folder = os.path.dirname(os.path.abspath(path))
    existing = folder
    while not os.path.lexists(existing):  # the nearest folder above that exists: the others would be made
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise Problem(f"{option} {path}: cannot make its folder ({existing} is not a folder); choose a writable "
                      "path")
    if existing != folder:
        if not os.access(existing, os.W_OK | os.X_OK):
            raise Problem(f"{option} {path}: cannot make its folder ({existing} is not writable); choose a "
                          "writable path")
        try:
            longest = os.pathconf(existing, "PC_NAME_MAX")
        except (OSError, ValueError):  # no such limit to ask for: the common one
            longest = 255
        if any(len(os.fsencode(name)) > longest for name in os.path.relpath(os.path.abspath(path), existing)
               .split(os.sep)):
            raise Problem(f"{option} {path}: cannot write there ({os.strerror(errno.ENAMETOOLONG)}); choose a "
                          "writable file path")
        return path
    if os.path.isdir(path) or not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise Problem(f"{option} {path}: cannot write there; choose a writable file path")
    _try_name(path, option)
    return path


def _try_name(path: str, option: str) -> None:
    """The name itself (too long, a character the file system refuses), in a folder that exists: made and
    removed."""
    if os.path.lexists(path):
        return
    try:
        open(path, "a").close()
    except OSError as err:
        raise Problem(f"{option} {path}: cannot write there ({err.strerror}); choose a writable file path") from None
    os.remove(path)


def outputs(*paths: tuple[str | None, str]) -> None:
    """Every output path checked before any folder is made (``check_output``), then their folders made and each
    name tried; a path refused then leaves nothing behind: the folders this call made are removed again.

    Call it once every other argument is accepted, with all the outputs together, so a refused command makes no
    folder.

    Args:
        paths: ``(path, option)`` pairs: an output file a command will write (None or ``""``: none) and the option
            that gave it (``"--json"``).

    Raises:
        Problem: a path that cannot be written (as ``check_output`` says), two paths that are one file (or one
            inside the other), or a folder that cannot be made.

    Examples:
        >>> import os, tempfile
        >>> top = tempfile.mkdtemp()
        >>> outputs((os.path.join(top, "new", "r.json"), "--json"), (os.path.join(top, "a" * 300), "--html"))
        Traceback (most recent call last):
        ...
        unifiedinit.cli.Problem: --html ...: cannot write there (File name too long); choose a writable file path
        >>> os.listdir(top)  # new/ was not made
        []
    """
    given = [(path, option) for path, option in paths if path]
    for i, (path, option) in enumerate(given):
        check_output(path, option)
        for other, other_option in given[:i]:  # one file written over another, or a file where a folder must be
            a, b = os.path.abspath(other), os.path.abspath(path)
            if a == b or b.startswith(a + os.sep) or a.startswith(b + os.sep):
                raise Problem(f"{other_option} {other} and {option} {path}: "
                              f"{'the same file' if a == b else 'one inside the other'}; choose separate files")
    made: list[str] = []  # the folders this call made, outermost first
    try:
        for path, option in given:
            folder = os.path.dirname(os.path.abspath(path))
            missing: list[str] = []
            while not os.path.lexists(folder):
                missing.insert(0, folder)
                folder = os.path.dirname(folder)
            for folder in missing:
                try:
                    os.mkdir(folder)
                except FileExistsError:  # made meanwhile by someone else: not ours to remove
                    continue
                except OSError as err:
                    raise Problem(f"{option} {path}: cannot make its folder ({err.strerror}); choose a writable "
                                  "path") from None
                made.append(folder)
            _try_name(path, option)
    except Problem:
        for folder in reversed(made):
            try:
                os.rmdir(folder)
            except OSError:  # something was put there meanwhile: left as it is
                pass
        raise


def writable(path: str, option: str) -> str:
    """``path`` checked before a long run: its folder can be made and written, and it is not a folder itself.

    The folder is made here (as the command would make it), so a bad path fails before the run, not after it; a
    path refused leaves no folder behind. For several outputs use ``outputs``, which checks them all before it
    makes any folder.

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
    outputs((path, option))
    return path


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
