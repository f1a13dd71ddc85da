"""Keras 3 backend: a serializable ``keras.initializers.Initializer`` that samples with ``keras.random`` and
``keras.ops``, so it runs under every Keras backend (tensorflow, jax, torch).

Seeds behave as Keras's own initializers: an int seed (or none, which picks one int per instance) gives the
same values on every call; a ``keras.random.SeedGenerator`` advances. The class is registered as
``unifiedinit>SpecInitializer``; its config carries the whole spec as a plain dict, so ``model.save`` /
``keras.models.load_model`` and ``keras.initializers.get(config)`` work once this module is imported
(``import unifiedinit`` imports it by itself when Keras is already loaded).
"""

from __future__ import annotations

import math
import random
from typing import Any, Iterator

import keras
from keras import ops

from .. import _validate as v
from .. import draws as D
from ..layout import LayoutLike, TensorInfo, get_layout
from ..serialize import from_dict
from ..specs import Spec

__all__ = ["SpecInitializer", "initializer", "sample"]

NATIVE_LAYOUT = "keras"


def _phi(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _work_dtype(dtype: str) -> str:
    return "float32" if dtype in ("float16", "bfloat16") else dtype


class _Seeds:
    """A fresh seed for every random op of one call: int seeds are offset per op (the same values on every
    call), a SeedGenerator is handed on (it advances)."""

    def __init__(self, seed: Any) -> None:
        self.seed, self.count = seed, 0

    def __call__(self) -> Any:
        if isinstance(self.seed, keras.random.SeedGenerator):
            return self.seed
        self.count += 1
        return (self.seed + 7919 * self.count) % (2 ** 31 - 1)


# ------------------------------------------------------------------------------------------ primitives

def _elementwise(d: D.Draw, shape: tuple[int, ...], dt: str, seeds: _Seeds) -> Any:
    if isinstance(d, D.Uniform):
        return keras.random.uniform(shape, d.low, d.high, dtype=dt, seed=seeds())
    if isinstance(d, D.Normal):
        return keras.random.normal(shape, d.mean, d.std, dtype=dt, seed=seeds())
    if isinstance(d, D.TruncatedNormal):
        # inverse CDF on the window: exact for any window (keras.random.truncated_normal cuts at 2 sigma only)
        lo, hi = _phi((d.low - d.mean) / d.std), _phi((d.high - d.mean) / d.std)
        u = keras.random.uniform(shape, 2 * lo - 1, 2 * hi - 1, dtype=dt, seed=seeds())
        return ops.clip(d.mean + d.std * math.sqrt(2.0) * ops.erfinv(u), d.low, d.high)
    if isinstance(d, D.Constant):
        return ops.full(shape, d.value, dtype=dt)
    if isinstance(d, D.Affine):
        return d.scale * _elementwise(d.base, shape, dt, seeds) + d.shift
    if isinstance(d, D.Mixture):
        u = keras.random.uniform(shape, 0.0, 1.0, dtype="float32", seed=seeds())
        out = _elementwise(d.components[-1], shape, dt, seeds)  # the last takes the rounding remainder
        edge = 0.0
        for comp, w in zip(d.components[:-1], d.weights[:-1]):
            out = ops.where((u >= edge) & (u < edge + w), _elementwise(comp, shape, dt, seeds), out)
            edge += w
        return out
    raise TypeError(f"not an elementwise draw: {d!r}")  # pragma: no cover


def _orthogonal(d: D.Orthogonal, shape: tuple[int, ...], dt: str, seeds: _Seeds) -> Any:
    axis = d.out_axis % len(shape)
    rows = shape[axis]
    cols = math.prod(shape) // rows
    flat = keras.random.normal((max(rows, cols), min(rows, cols)), dtype=dt, seed=seeds())
    q, r = ops.qr(flat, mode="reduced")
    q = q * ops.sign(ops.diagonal(r))
    if rows < cols:
        q = ops.transpose(q)
    rest = [shape[i] for i in range(len(shape)) if i != axis]
    return d.gain * ops.moveaxis(ops.reshape(q, [rows] + rest), 0, axis)


def _dirac(d: D.Dirac, shape: tuple[int, ...], dt: str) -> Any:
    per = shape[d.out_axis] // d.groups
    indices = []
    for g in range(d.groups):
        for k in range(min(per, shape[d.in_axis])):
            index = [s // 2 for s in shape]
            index[d.out_axis], index[d.in_axis] = g * per + k, k
            indices.append(index)
    ones = ops.ones((len(indices),), dtype=dt)
    return ops.scatter(ops.convert_to_tensor(indices, dtype="int32"), ones, shape)


def _sparse(d: D.Sparse, shape: tuple[int, ...], dt: str, seeds: _Seeds) -> Any:
    w = ops.moveaxis(keras.random.normal(shape, 0.0, d.std, dtype=dt, seed=seeds()), d.out_axis, 0)
    zeros = math.ceil(d.sparsity * shape[d.out_axis])
    u = keras.random.uniform(tuple(w.shape), dtype="float32", seed=seeds())
    rank = ops.argsort(ops.argsort(u, axis=0), axis=0)  # a random permutation of the rows in every column
    return ops.moveaxis(ops.where(rank < zeros, ops.zeros_like(w), w), 0, d.out_axis)


def draw_tensor(d: D.Draw, shape: tuple[int, ...], dtype: str, seeds: _Seeds) -> Any:
    """Sample one primitive with keras.random / keras.ops."""
    dt = _work_dtype(dtype)
    if d.elementwise:
        x = _elementwise(d, shape, dt, seeds)
    elif isinstance(d, D.Orthogonal):
        x = _orthogonal(d, shape, dt, seeds)
    elif isinstance(d, D.Eye):
        x = ops.eye(shape[0], shape[1], dtype=dt)
    elif isinstance(d, D.Dirac):
        x = _dirac(d, shape, dt)
    elif isinstance(d, D.Sparse):
        x = _sparse(d, shape, dt, seeds)
    elif isinstance(d, D.Array):
        x = ops.reshape(ops.convert_to_tensor(list(d.values), dtype=dt), shape)
    else:  # pragma: no cover
        raise TypeError(f"unknown draw {d!r}")
    x = ops.cast(x, dtype)
    if isinstance(d, (D.Uniform, D.TruncatedNormal)):  # rounding must not leave the support
        x = ops.clip(x, d.low, d.high)
    return x


# ----------------------------------------------------------------------------------------- the class

@keras.saving.register_keras_serializable(package="unifiedinit")
class SpecInitializer(keras.initializers.Initializer):
    """A unifiedinit spec as a Keras initializer.

    ``layout`` names the axis roles of the tensors it will initialize: "keras" (default: (*k, in, out),
    exactly Keras's ``compute_fans`` for every kernel, ConvTranspose and DepthwiseConv included),
    "keras_conv_transpose" for the fans of a Conv*Transpose layer ((*k, out, in): fan_in = the layer's input
    channels x RF), "keras_depthwise", "keras_embedding", or any ``unifiedinit.Layout``.
    """

    def __init__(self, spec: Spec | dict, seed: Any = None, layout: LayoutLike = "keras") -> None:
        if isinstance(spec, dict):
            spec = from_dict(spec)
        if not isinstance(spec, Spec):
            raise TypeError(f"parameter 'spec' must be a unifiedinit spec, got {spec!r}")
        self.spec = spec
        self.layout = get_layout(layout)
        self._init_seed = seed
        if seed is None:  # as Keras: one int per instance, from Python's RNG (keras.utils.set_random_seed sets it)
            seed = random.randint(1, 10 ** 9)
        elif isinstance(seed, dict):
            seed = keras.saving.deserialize_keras_object(seed)
        elif isinstance(seed, bool) or not isinstance(seed, (int, keras.random.SeedGenerator)):
            raise TypeError(f"parameter 'seed' must be an int, a keras.random.SeedGenerator or None, got {seed!r}")
        self.seed = seed

    def lower(self, shape: tuple[int, ...], dtype: str) -> D.Draw:
        """Every check, before anything is drawn."""
        draw = self.spec.lower(TensorInfo.make(shape, self.layout))
        v.tensor_dtype(dtype, draw.deterministic)
        return draw

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        dtype = keras.backend.standardize_dtype(dtype or keras.backend.floatx())
        shape = tuple(int(s) for s in shape)
        return draw_tensor(self.lower(shape, dtype), shape, dtype, _Seeds(self.seed))

    def get_config(self) -> dict:
        return {"spec": self.spec.to_dict(), "seed": keras.saving.serialize_keras_object(self._init_seed),
                "layout": self.layout.name}

    @classmethod
    def from_config(cls, config: dict) -> "SpecInitializer":
        return cls(**config)

    def __repr__(self) -> str:
        return f"SpecInitializer({self.spec!r}, seed={self._init_seed!r}, layout={self.layout.name!r})"


def initializer(spec: Spec, seed: Any = None, layout: LayoutLike = "keras") -> SpecInitializer:
    """``spec.to_keras(seed, layout)``."""
    if not isinstance(layout, str):
        raise TypeError(f"parameter 'layout' of to_keras must be a layout name (it is saved in the model's config), "
                        f"got {layout!r}")
    return SpecInitializer(spec, seed=seed, layout=layout)


def sample(spec: Spec, shape: tuple[int, ...], *, layout: LayoutLike = "keras", seed: int = 0,
           dtype: str = "float32") -> Any:
    """Sample natively with keras.random (int seed) and return a NumPy array (for the report and tests)."""
    import numpy as np
    x = SpecInitializer(spec, seed=seed, layout=layout)(shape, dtype)
    return np.asarray(ops.convert_to_numpy(ops.cast(x, "float32") if dtype == "bfloat16" else x))
