"""The same small model in every framework: for ``unifiedinit defaults``, the preset tests and the notebooks.

Layers, by name: emb Embedding(200, 32) · conv Conv2d(8 -> 32, 3x3) · bn BatchNorm(32) · convt
ConvTranspose2d(32 -> 16, 3x3) · fc1 Dense(64 -> 128) · fc2 Dense(128 -> 10) · lstm LSTM(32 -> 24) · prelu PReLU.
Each framework's backend builds it (``unifiedinit.backends.<name>.zoo.build``) with the framework's own default
initialization, importing the framework only when called; ``values(framework, model)`` gives every parameter's
values grouped by (layer name, role), with the Params that describe them.
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from ..backends import FRAMEWORKS

if TYPE_CHECKING:
    from ..params import Param

#: the layers' names, as each framework's model names them
NAMES = ("emb", "conv", "bn", "convt", "fc1", "fc2", "lstm", "prelu")


def _builder(name: str) -> Callable[[], Any]:
    def build() -> Any:
        from ..backends import get_backend
        get_backend(name)  # a clear error when the framework is missing
        return importlib.import_module(f"unifiedinit.backends.{name}.zoo").build()
    return build


#: framework -> a function that builds the model with the framework's own defaults (ImportError when the framework
#: is missing)
BUILD = {name: _builder(name) for name in FRAMEWORKS}


def values(framework: str, model: Any) -> dict[tuple[str, str], tuple[np.ndarray, list[Param]]]:
    """{(layer name, role): (values of every parameter in that group, flattened and joined, [Params])}.

    Args:
        framework: the framework that built ``model`` (a name of ``unifiedinit.backends.FRAMEWORKS``).
        model: what ``BUILD[framework]()`` returned.

    Returns:
        A dict from (layer name, role) to the group's values (a 1-D NumPy array) and its ``Param`` records.

    Raises:
        ValueError: an unknown framework name.
        ImportError: the framework is not installed.

    Examples:
        >>> groups = values("torch", BUILD["torch"]())
        >>> x, params = groups[("fc1", "weight")]
        >>> x.shape, params[0].path, params[0].shape
        ((8192,), 'fc1/weight', (128, 64))
    """
    from ..backends import get_backend
    backend = get_backend(framework)
    groups: defaultdict[tuple[str, str], tuple[list[np.ndarray], list[Param]]] = defaultdict(lambda: ([], []))
    for p, handle in backend.walk(model):
        layer = next(part for part in p.path.split("/") if part in NAMES)
        groups[(layer, p.role)][0].append(backend.read(handle).ravel())
        groups[(layer, p.role)][1].append(p)
    return {k: (np.concatenate(v), ps) for k, (v, ps) in groups.items()}
