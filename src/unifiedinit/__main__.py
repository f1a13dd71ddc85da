"""``python -m unifiedinit``: the ``unifiedinit`` command line (``unifiedinit.cli.main``)."""
import sys

from .cli import main

sys.exit(main())
