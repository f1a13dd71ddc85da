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
from typing import Any, Callable

import numpy as np

from ..backends import FRAMEWORKS

NAMES = ("emb", "conv", "bn", "convt", "fc1", "fc2", "lstm", "prelu")


def _builder(name: str) -> Callable[[], Any]:
    def build() -> Any:
        from ..backends import get_backend
        get_backend(name)  # a clear error when the framework is missing
        return importlib.import_module(f"unifiedinit.backends.{name}.zoo").build()
    return build


BUILD = {name: _builder(name) for name in FRAMEWORKS}


def values(framework: str, model: Any) -> dict:
    """{(layer name, role): (values of every parameter in that group, flattened and joined, [Params])}."""
    from ..backends import get_backend
    backend = get_backend(framework)
    groups: dict = defaultdict(lambda: ([], []))
    for p, handle in backend.walk(model):
        layer = next(part for part in p.path.split("/") if part in NAMES)
        groups[(layer, p.role)][0].append(backend.read(handle).ravel())
        groups[(layer, p.role)][1].append(p)
    return {k: (np.concatenate(v), ps) for k, (v, ps) in groups.items()}
