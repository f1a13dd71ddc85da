"""``unifiedinit`` on the command line: ``unifiedinit compare|defaults|inspect [options]``."""

from __future__ import annotations

import sys
from typing import Sequence

COMMANDS = {"compare": "sample every spec in every framework and check it against its exact distribution",
            "defaults": "measure each framework's default initialization and check its preset",
            "inspect": "show what a plan would do to a model (MODULE:FACTORY), writing nothing"}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        print("usage: unifiedinit COMMAND [options]\n\ncommands:")
        for name, text in COMMANDS.items():
            print(f"  {name:<10} {text}")
        return 0 if not argv or argv[0] in ("-h", "--help") else 2
    if argv[0] == "compare":
        from .verify.compare import main as compare
        return compare(argv[1:])
    if argv[0] == "defaults":
        from .verify.defaults import main as defaults
        return defaults(argv[1:])
    if argv[0] == "inspect":
        from .verify.inspect_cli import main as inspect
        return inspect(argv[1:])
    return 2  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
