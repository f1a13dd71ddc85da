"""Every public name is documented in the full Google form, and the examples in the package's docstrings run as
written (the core modules, and each installed framework's backend modules)."""

from __future__ import annotations

import doctest
import importlib
import inspect
import pathlib
import pkgutil
import re
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

import unifiedinit as ui

CORE = sorted("unifiedinit." + m.name for m in pkgutil.iter_modules(ui.__path__)
              if not m.name.startswith("_") and m.name != "__main__")
BACKENDS = ("torch", "flax", "keras", "mxnet", "equinox")
#: each backend package and those of its modules a user reads (found on disk: importing one imports its framework)
BACKEND_MODULES = [f"unifiedinit.backends.{backend}" + ("" if name == "__init__" else f".{name}")
                   for backend in BACKENDS for name in ("__init__", "hooks", "model", "initializers", "ops", "zoo")
                   if (pathlib.Path(ui.__path__[0]) / "backends" / backend / f"{name}.py").is_file()]
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _public(module: ModuleType) -> Iterator[tuple[str, Any]]:
    """(name, object) of every public function and class of ``module``: its ``__all__`` less modules and values."""
    for name in getattr(module, "__all__", ()):
        obj = getattr(module, name)
        if inspect.ismodule(obj) or not (inspect.isclass(obj) or callable(obj)):
            continue
        yield name, obj


def _undocumented(module: ModuleType) -> list[str]:
    return [name for name, obj in _public(module) if not (obj.__doc__ or "").strip()]


def _backend(backend: str) -> ModuleType:
    from unifiedinit.backends import available
    if not available(backend):
        pytest.skip(f"{backend} is not installed in this environment")
    return importlib.import_module(f"unifiedinit.backends.{backend}")


def test_every_public_name_of_the_package_has_a_docstring():
    assert _undocumented(ui) == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_public_name_of_each_backend_has_a_docstring(backend):
    assert _undocumented(_backend(backend)) == []


# ---------------------------------------------------------------------- the full form: Args, Returns, Raises, >>>

def _parameters(obj: Any) -> list[str]:
    """What a caller passes: a Record class's fields (spec classes, Layout...), else the signature's parameters
    (a class's ``__init__``'s, less ``self``)."""
    fields = getattr(obj, "_fields", None) if inspect.isclass(obj) else None
    if isinstance(fields, tuple):
        return list(fields)
    try:
        return [name for name in inspect.signature(obj).parameters if name not in ("self", "cls")]
    except (TypeError, ValueError):  # no signature to read (a builtin): nothing to require
        return []


def _returns(obj: Any) -> bool:
    """Does the function return something, by its return annotation (a string under ``from __future__ import
    annotations``)? A class does not: it is documented by its fields."""
    if inspect.isclass(obj):
        return False
    try:
        annotation = inspect.signature(obj).return_annotation
    except (TypeError, ValueError):
        return False
    return annotation not in (inspect.Signature.empty, None, "None", "NoReturn", "typing.NoReturn")


def _docstring(obj: Any) -> str:
    """The docstring, with a class's own ``__init__`` docstring (Google style allows the arguments there)."""
    parts = [obj.__doc__ or ""]
    init = vars(obj).get("__init__") if inspect.isclass(obj) else None
    if init is not None and init.__doc__:
        parts.append(init.__doc__)
    return "\n".join(inspect.cleandoc(p) for p in parts)


def _sections(doc: str) -> set[str]:
    """The Google-style section headers of a docstring: lines such as ``Args:`` alone on their line."""
    return set(re.findall(r"^\s*([A-Z][a-z]+):\s*$", doc, re.MULTILINE))


def _missing(obj: Any) -> list[str]:
    """What the docstring of ``obj`` lacks of the full form: ``Args:`` when it takes parameters (and ``Raises:``,
    the exceptions for bad input: only a callable that takes something can be given bad input), ``Returns:`` (or
    ``Yields:``) when it returns something, and an example (a ``>>>`` line)."""
    doc = _docstring(obj)
    sections = _sections(doc)
    missing = []
    if _parameters(obj):
        missing += [s for s in ("Args", "Raises") if s not in sections]
    if _returns(obj) and not sections & {"Returns", "Yields"}:
        missing.append("Returns")
    if not re.search(r"^\s*>>> ", doc, re.MULTILINE):
        missing.append("an example (>>>)")
    return missing


def _incomplete(module: ModuleType) -> list[str]:
    """``name: what its docstring lacks`` for every public name of ``module`` whose docstring is not complete."""
    return [f"{name}: {', '.join(missing)}" for name, obj in _public(module) if (missing := _missing(obj))]


def test_every_public_name_of_the_package_has_the_full_docstring_form():
    incomplete = _incomplete(ui)
    assert not incomplete, f"{len(incomplete)} public names: " + "; ".join(incomplete)


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_public_name_of_each_backend_has_the_full_docstring_form(backend):
    incomplete = _incomplete(_backend(backend))
    assert not incomplete, f"{len(incomplete)} public names: " + "; ".join(incomplete)


# ------------------------------------------------------------------------------------------------ the examples

@pytest.mark.parametrize("name", CORE)
def test_the_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=OPTIONS)
    assert result.failed == 0


@pytest.mark.parametrize("name", BACKEND_MODULES)
def test_the_docstring_examples_of_each_backend_run(name):
    _backend(name.split(".")[2])  # skipped where the framework is not installed
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=OPTIONS)
    assert result.failed == 0
