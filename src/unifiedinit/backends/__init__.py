"""Framework backends: one module per framework, loaded only when it is first used.

A backend samples the primitives of ``unifiedinit.draws`` with its framework's own RNG and wraps them in
the framework's own hook. ``get_backend(name)`` imports ``unifiedinit.backends.<name>`` on demand; a
framework that is missing gives an ImportError with the line that installs it, and one that is installed
but broken breaks only itself.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: framework -> (the modules it needs, the pip line that installs them)
FRAMEWORKS: dict[str, tuple[tuple[str, ...], str]] = {
    "torch": (("torch",), "pip install 'unifiedinit[torch]'"),
    "flax": (("jax", "flax"), "pip install 'unifiedinit[jax]'"),
    "keras": (("keras",), "pip install 'unifiedinit[keras]'"),
    "mxnet": (("mxnet",), "pip install 'unifiedinit[mxnet]' (MXNet 1.9.1; see the README for NumPy 2)"),
}


def available(name: str) -> bool:
    """Is ``name``'s framework installed? Looks at the installed packages without importing them."""
    import importlib.util
    if name not in FRAMEWORKS:
        raise ValueError(f"parameter 'name' must be one of {', '.join(map(repr, FRAMEWORKS))}; got {name!r}")
    return all(importlib.util.find_spec(m) is not None for m in FRAMEWORKS[name][0])


def get_backend(name: str) -> ModuleType:
    """The backend module for ``name``, imported now."""
    if name not in FRAMEWORKS:
        raise ValueError(f"parameter 'name' must be one of {', '.join(map(repr, FRAMEWORKS))}; got {name!r}")
    modules, install = FRAMEWORKS[name]
    if not available(name):
        missing = [m for m in modules if importlib.util.find_spec(m) is None]
        raise ImportError(f"the {name} backend needs {', '.join(missing)}, which is not installed: {install}")
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as err:
        if err.name == f"{__name__}.{name}":
            raise ImportError(f"unifiedinit has no {name} backend yet") from None
        raise
