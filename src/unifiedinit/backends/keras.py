"""Keras 3 backend: a serializable ``keras.initializers.Initializer`` that samples with ``keras.random`` and
``keras.ops``, so it runs under every Keras backend (tensorflow, jax, torch).

Seeds behave as Keras's own initializers: an int seed (or none, which picks one int per instance) gives the
same values on every call; a ``keras.random.SeedGenerator`` advances. The class is registered as
``unifiedinit>SpecInitializer``; its config carries the whole spec as a plain dict, so ``model.save`` /
``keras.models.load_model`` and ``keras.initializers.get(config)`` work once this module is imported
(``import unifiedinit`` imports it by itself when Keras is already loaded).
"""

from __future__ import annotations

import random
from typing import Any, Iterator

import keras
from keras import ops

from .. import _validate as v
from .. import draws as D
from .. import sampling
from ..layout import LayoutLike, TensorInfo, get_layout
from ..portable import portable_option
from ..sampling import NumpyLikeOps
from ..serialize import from_dict
from ..specs import Spec

__all__ = ["SpecInitializer", "initializer", "sample"]

NATIVE_LAYOUT = "keras"


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

class KerasOps(NumpyLikeOps):
    """``unifiedinit.sampling.Ops`` with keras.random and keras.ops (every Keras backend)."""

    xp = ops

    def __init__(self, seeds: _Seeds) -> None:
        self.seeds = seeds

    def work_dtype(self, dtype: str) -> str:
        return "float32" if dtype in ("float16", "bfloat16") else dtype

    def uniform(self, shape: tuple[int, ...], low: float, high: float, dt: str) -> Any:
        return keras.random.uniform(shape, low, high, dtype=dt, seed=self.seeds())

    def normal(self, shape: tuple[int, ...], mean: float, std: float, dt: str) -> Any:
        return keras.random.normal(shape, mean, std, dtype=dt, seed=self.seeds())

    def erfinv(self, x: Any) -> Any:
        return ops.erfinv(x)

    def qr(self, m: Any) -> tuple[Any, Any]:
        return ops.qr(m, mode="reduced")

    def from_numpy(self, a: Any, dt: str) -> Any:
        return ops.convert_to_tensor(a, dtype=dt)

    def cast(self, x: Any, dtype: str) -> Any:
        return ops.cast(x, dtype)


def draw_tensor(d: D.Draw, shape: tuple[int, ...], dtype: str, seeds: _Seeds) -> Any:
    """Sample one primitive with keras.random / keras.ops."""
    return sampling.draw(KerasOps(seeds), d, shape, dtype)


# ----------------------------------------------------------------------------------------- the class

@keras.saving.register_keras_serializable(package="unifiedinit")
class SpecInitializer(keras.initializers.Initializer):
    """A unifiedinit spec as a Keras initializer.

    ``layout`` names the axis roles of the tensors it will initialize: "keras" (default: (*k, in, out),
    exactly Keras's ``compute_fans`` for every kernel, ConvTranspose and DepthwiseConv included),
    "keras_conv_transpose" for the fans of a Conv*Transpose layer ((*k, out, in): fan_in = the layer's input
    channels x RF), "keras_depthwise", "keras_embedding", or any ``unifiedinit.Layout``.
    """

    def __init__(self, spec: Spec | dict, seed: Any = None, layout: LayoutLike = "keras", portable: Any = None) -> None:
        if isinstance(spec, dict):
            spec = from_dict(spec)
        if not isinstance(spec, Spec):
            raise TypeError(f"parameter 'spec' must be a unifiedinit spec, got {spec!r}")
        self.spec = spec
        self.layout = get_layout(layout)
        self.portable = portable_option(portable)
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
        draw = self.lower(shape, dtype)
        if self.portable is not None:  # the portable values; Keras's seed is not used
            values = self.portable.values(self.spec, shape, self.layout, dtype)
            return ops.convert_to_tensor(values.astype("float32") if dtype == "bfloat16" else values, dtype=dtype)
        return draw_tensor(draw, shape, dtype, _Seeds(self.seed))

    def get_config(self) -> dict:
        config = {"spec": self.spec.to_dict(), "seed": keras.saving.serialize_keras_object(self._init_seed),
                  "layout": self.layout.name}
        if self.portable is not None:
            config["portable"] = self.portable.to_dict()
        return config

    @classmethod
    def from_config(cls, config: dict) -> "SpecInitializer":
        return cls(**config)

    def __repr__(self) -> str:
        return f"SpecInitializer({self.spec!r}, seed={self._init_seed!r}, layout={self.layout.name!r})"


def initializer(spec: Spec, seed: Any = None, layout: LayoutLike = "keras", portable: Any = None) -> SpecInitializer:
    """``spec.to_keras(seed, layout, portable)``."""
    if not isinstance(layout, str):
        raise TypeError(f"parameter 'layout' of to_keras must be a layout name (it is saved in the model's config), "
                        f"got {layout!r}")
    return SpecInitializer(spec, seed=seed, layout=layout, portable=portable)


# ------------------------------------------------------------------------------------------- plans

def _kind(layer: Any, parent: Any) -> tuple[str, str]:
    """(kind, layout of its kernel) of a Keras layer."""
    L = keras.layers
    if isinstance(parent, L.MultiHeadAttention) or isinstance(layer, L.MultiHeadAttention):
        return "attention", "keras"
    for classes, kind, layout in (
            ((L.Conv1DTranspose, L.Conv2DTranspose, L.Conv3DTranspose), "conv_transpose", "keras_conv_transpose"),
            ((L.DepthwiseConv1D, L.DepthwiseConv2D), "conv", "keras_depthwise"),
            ((L.Conv1D, L.Conv2D, L.Conv3D), "conv", "keras"), ((L.Dense, L.EinsumDense), "dense", "keras"),
            (L.Embedding, "embedding", "keras_embedding"),
            ((L.BatchNormalization, L.LayerNormalization, L.GroupNormalization), "norm", "keras"),
            (L.PReLU, "prelu", "keras"), ((L.LSTMCell, L.GRUCell, L.SimpleRNNCell), "recurrent", "keras")):
        if isinstance(layer, classes):
            return kind, layout
    return "other", "keras"


_ROLES = {"kernel": "weight", "bias": "bias", "embeddings": "embedding", "gamma": "scale", "beta": "shift",
          "moving_mean": "running_mean", "moving_variance": "running_var", "alpha": "slope",
          "recurrent_kernel": "recurrent_weight"}


def walk(model: Any) -> list[tuple[Any, Any]]:
    """Every floating-point variable of a built Keras model or layer as (unifiedinit.plan.Param, variable)."""
    from ..plan import Param
    if not isinstance(model, keras.layers.Layer):
        raise TypeError(f"parameter 'model' must be a Keras model or layer, got {type(model).__name__}")
    if not model.built:
        raise ValueError(f"the Keras model {model.name!r} is not built yet: call it on data or build() it first, "
                         f"so that its weights exist")
    found = []
    parents: dict[int, Any] = {}
    for layer in model._flatten_layers(include_self=True, recursive=True):
        for child in layer._flatten_layers(include_self=False, recursive=False):
            parents.setdefault(id(child), layer)
        kind, layout = _kind(layer, parents.get(id(layer)))
        own = list(layer._trainable_variables) + list(layer._non_trainable_variables)
        kernel = getattr(layer, "kernel", None) if kind != "embedding" else getattr(layer, "embeddings", None)
        if kind == "attention" and kernel is not None and len(kernel.shape) == 3:
            layout = "multihead_out" if layer.name == "attention_output" else "multihead_qkv"
        layer_fans = None
        if kind == "recurrent":
            layer_fans = (layer.units, layer.units)
        elif kernel is not None and len(kernel.shape) >= 2:
            layer_fans = TensorInfo.make(tuple(kernel.shape), layout).fans
        for var in own:
            if not keras.backend.is_float_dtype(var.dtype):
                continue
            name = var.path.rsplit("/", 1)[-1]
            role = _ROLES.get(name, "other")
            if kind == "norm" and role == "bias":
                role = "shift"
            found.append((Param(path=var.path, kind=kind, role=role, shape=tuple(int(d) for d in var.shape),
                                dtype=keras.backend.standardize_dtype(var.dtype),
                                layout=layout if role in ("weight", "embedding") else "keras",
                                layer_fans=layer_fans, layer=type(layer).__name__), var))
    return found


def apply_plan(plan: Any, model: Any, *, seed: int | None = None, portable: bool = False) -> Any:
    """Initialize a built Keras model by ``plan``: everything is matched and lowered first, then each variable
    is assigned values drawn with keras.random. With an int ``seed`` every variable gets its own seed from
    (seed, its path), so the values do not depend on the order of layers."""
    import zlib
    found = walk(model)
    report = plan.resolve([p for p, _ in found], stacklevel=4)
    variables = {id(p): var for p, var in found}
    for e in report.entries:
        if e.draw is None:
            continue
        var, dtype = variables[id(e.param)], e.param.dtype
        if portable:
            values = plan.portable_values(report, e, seed)
            var.assign(ops.convert_to_tensor(values.astype("float32") if dtype == "bfloat16" else values, dtype=dtype))
            continue
        own_seed = random.randint(1, 10 ** 9) if seed is None else zlib.crc32(f"{seed}/{e.param.path}".encode())
        var.assign(draw_tensor(e.draw, e.param.shape, dtype, _Seeds(own_seed)))
    return report


def sample(spec: Spec, shape: tuple[int, ...], *, layout: LayoutLike = "keras", seed: int = 0,
           dtype: str = "float32") -> Any:
    """Sample natively with keras.random (int seed) and return a NumPy array (for the report and tests)."""
    import numpy as np
    x = SpecInitializer(spec, seed=seed, layout=layout)(shape, dtype)
    return np.asarray(ops.convert_to_numpy(ops.cast(x, "float32") if dtype == "bfloat16" else x))


def param_groups(model: Any, selects: Any, weight_decay: float) -> list:
    """``unifiedinit.param_groups`` for Keras: the trainable variables to pass to
    ``optimizer.exclude_from_weight_decay(var_list=...)``."""
    from ..plan import excluded
    return [var for p, var in walk(model) if var.trainable and excluded(p, selects)]
