"""Verification tooling: exact laws and KS tests (``stats``), the comparison report (``compare``), each framework's
defaults measured (``defaults``), the same small model in every framework (``zoo``) and ``unifiedinit inspect``.
Nothing in the library proper imports from here."""
