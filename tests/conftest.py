import importlib.util

import pytest


def needs(module: str):
    """Skip a test when an optional framework is not installed (CI installs all of them)."""
    return pytest.mark.skipif(importlib.util.find_spec(module) is None, reason=f"{module} is not installed")
