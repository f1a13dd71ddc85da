"""Every public name is documented in the full Google form, and the examples in the package's docstrings run as
written (the core modules, and each installed framework's backend modules)."""

from __future__ import annotations

import ast
import doctest
import importlib
import importlib.util
import inspect
import pathlib
import pkgutil
import re
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

import unifiedinit as ui

#: the core modules, the verify subpackage's included (a backend's modules are BACKEND_MODULES)
CORE = sorted(m.name for m in pkgutil.walk_packages(ui.__path__, "unifiedinit.")
              if not any(part.startswith("_") for part in m.name.split("."))
              and not m.name.startswith("unifiedinit.backends."))
BACKENDS = ("torch", "flax", "keras", "mxnet", "equinox")
#: each backend package and those of its modules a user reads (found on disk: importing one imports its framework)
BACKEND_MODULES = [f"unifiedinit.backends.{backend}" + ("" if name == "__init__" else f".{name}")
                   for backend in BACKENDS for name in ("__init__", "hooks", "model", "initializers", "ops", "zoo")
                   if (pathlib.Path(ui.__path__[0]) / "backends" / backend / f"{name}.py").is_file()]
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules(path: pathlib.Path, prefix: str) -> Iterator[tuple[str, pathlib.Path]]:
    """(name, file) of every module and package of the package at ``path``, walked on disk (pkgutil, nothing
    imported: importing a backend's module imports its framework), less private ones and ``__main__``."""
    for m in pkgutil.iter_modules([str(path)]):
        if m.name.startswith("_"):
            continue
        if m.ispkg:
            yield prefix + m.name, path / m.name / "__init__.py"
            yield from _modules(path / m.name, f"{prefix}{m.name}.")
        else:
            yield prefix + m.name, path / f"{m.name}.py"


def _declares_all(file: pathlib.Path) -> bool:
    """Does the module assign ``__all__`` at its top level (read from its source, not imported)?"""
    tree = ast.parse(file.read_text(encoding="utf-8"))
    return any(isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign))
               and any(isinstance(t, ast.Name) and t.id == "__all__"
                       for t in (node.targets if isinstance(node, ast.Assign) else [node.target]))
               for node in tree.body)


#: every module of the package (core and each backend's) that declares its public names in an ``__all__``
PUBLIC_MODULES = ["unifiedinit"] * _declares_all(pathlib.Path(ui.__path__[0]) / "__init__.py") + sorted(
    name for name, file in _modules(pathlib.Path(ui.__path__[0]), "unifiedinit.") if _declares_all(file))


def _public(module: ModuleType) -> Iterator[tuple[str, Any]]:
    """(name, object) of every public function and class of ``module``: its ``__all__`` less modules and values,
    and less a framework's own objects passed through unchanged (Keras's ``Initializer``: documented by Keras)."""
    for name in getattr(module, "__all__", ()):
        obj = getattr(module, name)
        if inspect.ismodule(obj) or not (inspect.isclass(obj) or callable(obj)):
            continue
        if not str(getattr(obj, "__module__", "unifiedinit")).startswith("unifiedinit"):
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


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_every_public_name_of_each_module_has_the_full_docstring_form(name):
    """Every module with an ``__all__`` (the package, its core modules, each installed backend's modules): the
    names a module declares public are documented in full there, where its API reference page shows them."""
    parts = name.split(".")
    if len(parts) > 2 and parts[1] == "backends" and parts[2] in BACKENDS:
        _backend(parts[2])  # skipped where the framework is not installed
    incomplete = _incomplete(importlib.import_module(name))
    assert not incomplete, f"{len(incomplete)} public names: " + "; ".join(incomplete)


def test_the_walk_finds_the_modules_that_declare_their_public_names():
    assert {"unifiedinit", "unifiedinit.presets", "unifiedinit.recipes", "unifiedinit.vision", "unifiedinit.samplers",
            "unifiedinit.backends.torch", "unifiedinit.backends.equinox.ops"} <= set(PUBLIC_MODULES)
    assert "unifiedinit.specs" not in PUBLIC_MODULES  # no __all__: its names are the package's


# ------------------------------------------------------------------------------------------------ the examples

#: what an example needs that not every environment has (the numpy<1.24 one has MXNet only): a framework it
#: imports, names as a backend ("flax", backends.torch...), or says it needs (``# needs: matplotlib``)
_FRAMEWORK = r"(torch|jax|flax|keras|mxnet|equinox|tensorflow|matplotlib|scipy|transformers)"
_NEEDS = [re.compile(r"^\s*(?:>>>|\.\.\.) .*?\b(?:import|from)\s+(?:unifiedinit\.backends\.)?" + _FRAMEWORK + r"\b",
                     re.MULTILINE),
          re.compile(r"^\s*(?:>>>|\.\.\.) .*?(?:[\"']|backends\.)" + _FRAMEWORK + r"[\"'.:]", re.MULTILINE),
          re.compile(r"^\s*(?:>>>|\.\.\.) .*?# needs: " + _FRAMEWORK, re.MULTILINE)]


def _installed(name: str) -> bool:
    from unifiedinit.backends import available
    if name in BACKENDS:
        return available(name)
    return importlib.util.find_spec(name) is not None


def _run_examples(module: ModuleType) -> None:
    """Run every docstring example of ``module``; one that imports a framework this environment lacks is left out,
    and the test then says which (a skip with the names: never silently), after the others passed."""
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner(optionflags=OPTIONS)
    left_out = []
    for test in finder.find(module, module.__name__):
        needs = {m.group(1) for pattern in _NEEDS for m in pattern.finditer(test.docstring or "")}
        missing = sorted(n for n in needs if not _installed(n))
        if missing:
            left_out.append(f"{test.name} ({', '.join(missing)})")
            continue
        runner.run(test)
    assert runner.failures == 0, f"{runner.failures} failed examples in {module.__name__} (see the output above)"
    if left_out:
        pytest.skip(f"{runner.tries} examples ran and passed; left out for a framework not installed here: "
                    + "; ".join(left_out))


@pytest.mark.parametrize("name", CORE)
def test_the_docstring_examples_run(name):
    _run_examples(importlib.import_module(name))


@pytest.mark.parametrize("name", BACKEND_MODULES)
def test_the_docstring_examples_of_each_backend_run(name):
    _backend(name.split(".")[2])  # skipped where the framework is not installed
    _run_examples(importlib.import_module(name))

