"""Every public name is documented, and the examples in the package's docstrings run as written."""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil

import pytest

import unifiedinit as ui

CORE = sorted("unifiedinit." + m.name for m in pkgutil.iter_modules(ui.__path__)
              if not m.name.startswith("_") and m.name != "__main__")
BACKENDS = ("torch", "flax", "keras", "mxnet", "equinox")


def _undocumented(module) -> list[str]:
    out = []
    for name in getattr(module, "__all__", ()):
        obj = getattr(module, name)
        if inspect.ismodule(obj) or not (inspect.isclass(obj) or callable(obj)):
            continue
        if not (obj.__doc__ or "").strip():
            out.append(name)
    return out


def test_every_public_name_of_the_package_has_a_docstring():
    assert _undocumented(ui) == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_public_name_of_each_backend_has_a_docstring(backend):
    from unifiedinit.backends import available
    if not available(backend):
        pytest.skip(f"{backend} is not installed in this environment")
    module = importlib.import_module(f"unifiedinit.backends.{backend}")
    assert _undocumented(module) == []


@pytest.mark.parametrize("name", CORE)
def test_the_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
