"""The registry of frameworks: the one place they are named.

Each framework is one package, ``unifiedinit.backends.<name>``, with the same files (``ops``, ``model``,
``hooks``) and the interface of ``unifiedinit.backends.protocol.Backend``. A backend is imported only when it is
used: ``get_backend(name)`` imports it on demand (a framework that is missing gives an ImportError with the line
that installs it; one that is installed but broken breaks only itself), and ``backend_for(obj)`` asks only the
backends whose framework the program has already imported, as einops does, so routing a model never imports a
framework.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from .._record import Record
TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only: no runtime import of typing
    from typing import Any


class Framework(Record):
    """A framework the library supports: its backend ``name``, the ``modules`` it needs, the line that installs
    them."""

    name: str
    modules: tuple[str, ...]
    install: str
    #: its backend registers names with the framework (Keras's serializable classes, ``mx.init.register``), so
    #: ``import unifiedinit`` imports it when the framework is already loaded
    registers: bool = False


#: every supported framework, in the order reports list them
REGISTRY: dict[str, Framework] = {f.name: f for f in (
    Framework("torch", ("torch",), "pip install 'unifiedinit[torch]'"),
    Framework("flax", ("jax", "flax"), "pip install 'unifiedinit[flax]'"),
    Framework("keras", ("keras",), "pip install 'unifiedinit[keras]'", registers=True),
    Framework("mxnet", ("mxnet",), "pip install 'unifiedinit[mxnet]' (MXNet 1.9.1; see the README for NumPy 2)",
              registers=True),
    Framework("equinox", ("jax", "equinox"), "pip install 'unifiedinit[equinox]'"),
)}
FRAMEWORKS: tuple[str, ...] = tuple(REGISTRY)


class AfterImport:
    """An import finder that does nothing but watch: once one of ``then``'s modules has been imported (by anyone,
    at any time), it imports the module named for it, here the backend that registers unifiedinit's classes
    with that framework. It never changes how the framework itself is found or loaded, and leaves
    ``sys.meta_path`` when it has nothing left to watch."""

    def __init__(self, then: dict[str, str]) -> None:
        self.then = dict(then)

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name not in self.then:
            return None
        follow = self.then.pop(name)
        if not self.then and self in sys.meta_path:
            sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)  # found by the finders after this one (it no longer watches name)
        except Exception:  # whatever goes wrong here must not change how the framework's own import goes
            return None
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        run = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            try:
                importlib.import_module(follow)
            except Exception:  # an installed but broken framework must not break the program importing it
                pass

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _known(name: str) -> Framework:
    if name not in REGISTRY:
        raise ValueError(f"parameter 'name' must be one of {', '.join(map(repr, REGISTRY))}; got {name!r}")
    return REGISTRY[name]


def available(name: str) -> bool:
    """Is ``name``'s framework installed? Looks at the installed packages without importing them.

    Args:
        name: a backend's name: "torch", "flax", "keras", "mxnet" or "equinox" (``FRAMEWORKS``).

    Returns:
        True when every module the framework needs can be found (an installed but broken framework counts).

    Raises:
        ValueError: an unknown ``name``.

    Examples:
        >>> from unifiedinit.backends import available
        >>> available("mxnet")  # installed in both of the test environments
        True
        >>> available("jax")
        Traceback (most recent call last):
        ...
        ValueError: parameter 'name' must be one of 'torch', 'flax', 'keras', 'mxnet', 'equinox'; got 'jax'
    """
    return all(importlib.util.find_spec(m) is not None for m in _known(name).modules)


def get_backend(name: str) -> ModuleType:
    """The backend package for ``name``, imported now (with its framework).

    Args:
        name: a backend's name: "torch", "flax", "keras", "mxnet" or "equinox" (``FRAMEWORKS``).

    Returns:
        The module ``unifiedinit.backends.<name>`` (it satisfies ``unifiedinit.backends.protocol.Backend``).

    Raises:
        ValueError: an unknown ``name``.
        ImportError: the framework is not installed (the message has the line that installs it), or its own
            import fails.

    Examples:
        >>> from unifiedinit.backends import get_backend
        >>> get_backend("mxnet").NAME  # MXNet: installed in both of the test environments
        'mxnet'
    """
    framework = _known(name)
    if not available(name):
        missing = [m for m in framework.modules if importlib.util.find_spec(m) is None]
        raise ImportError(f"the {name} backend needs {', '.join(missing)}, which is not installed: {framework.install}")
    return importlib.import_module(f"{__name__}.{name}")


def backend_for(obj: Any) -> ModuleType:
    """The backend whose framework ``obj`` (a model, a state_dict, a variables tree) belongs to.

    Only the backends whose framework is already imported are asked (``obj`` cannot belong to another), so this
    imports no framework, with one exception: a dict tree of JAX arrays (or ``jax.ShapeDtypeStruct``) while JAX is
    imported and Flax is not goes to the Flax backend, which reads such trees, and Flax is imported for it.

    Args:
        obj: a torch ``nn.Module`` or state_dict, a Keras model or layer, an MXNet Block, a Flax NNX or linen
            module (or a linen variables tree), or an Equinox module.

    Returns:
        The backend module that owns ``obj``.

    Raises:
        TypeError: no imported framework owns ``obj``.

    Examples:
        >>> import torch
        >>> from unifiedinit.backends import backend_for
        >>> backend_for(torch.nn.Linear(2, 3)).NAME
        'torch'
    """
    for framework in REGISTRY.values():
        if all(m in sys.modules for m in framework.modules):
            backend = get_backend(framework.name)
            if backend.owns(obj):
                return backend
    from .._validate import is_mapping
    if is_mapping(obj) and "jax" in sys.modules and "flax" not in sys.modules and available("flax"):
        from ..apply import leaf_root
        if leaf_root(obj) in ("jax", "jaxlib"):  # a tree of JAX arrays is what the Flax backend reads (linen's
            backend = get_backend("flax")        # variables), whether or not Flax made it
            if backend.owns(obj):
                return backend
    what = type(obj).__name__
    if isinstance(obj, dict) and obj:
        mapping: dict[Any, Any] = {**obj}  # its values typed (a narrowed Any is a dict of Unknown)
        what = f"dict of {type(next(iter(mapping.values()))).__name__}"
    raise TypeError(f"cannot tell which framework a {what} belongs to: expected a torch nn.Module or "
                    f"state_dict, a Keras model or layer, an MXNet Block, a Flax NNX or linen module (or a linen "
                    f"variables tree), or an Equinox module")
