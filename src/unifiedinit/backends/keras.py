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
from ..params import looks_like_norm, registered_layer, tie
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
        v.representable(draw, dtype)
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
    info = registered_layer(type(layer))
    if info is not None:
        return info.kind, info.layouts.get("kernel", "keras")
    if isinstance(parent, L.MultiHeadAttention) or isinstance(layer, L.MultiHeadAttention):
        return "attention", "keras"
    # Normalization (preprocessing): its non-trainable "mean" and "variance" are statistics, like BatchNorm's
    norms = (L.BatchNormalization, L.LayerNormalization, L.GroupNormalization, L.Normalization) + \
        ((L.RMSNormalization,) if hasattr(L, "RMSNormalization") else ())
    for classes, kind, layout in (
            ((L.Conv1DTranspose, L.Conv2DTranspose, L.Conv3DTranspose), "conv_transpose", "keras_conv_transpose"),
            ((L.DepthwiseConv1D, L.DepthwiseConv2D), "conv", "keras_depthwise"),
            ((L.SeparableConv1D, L.SeparableConv2D), "conv", "keras"),
            ((L.Conv1D, L.Conv2D, L.Conv3D), "conv", "keras"), ((L.Dense, L.EinsumDense), "dense", "keras"),
            (L.Embedding, "embedding", "keras_embedding"), (norms, "norm", "keras"),
            (L.PReLU, "prelu", "keras"), ((L.LSTMCell, L.GRUCell, L.SimpleRNNCell), "recurrent", "keras")):
        if isinstance(layer, classes):
            return kind, layout
    if any(c.__name__ == "ConvLSTMCell" and c.__module__.startswith("keras") for c in type(layer).__mro__):
        return "recurrent", "keras"  # ConvLSTM1D/2D/3D's cell, not exported by keras.layers
    own = {v.path.rsplit("/", 1)[-1]: tuple(int(d) for d in v.shape) for v in _own(layer)}
    if looks_like_norm(type(layer).__name__, own):
        return "norm", "keras"
    return "other", "keras"


_ROLES = {"kernel": "weight", "bias": "bias", "embeddings": "embedding", "gamma": "scale", "beta": "shift",
          "scale": "scale", "moving_mean": "running_mean", "moving_variance": "running_var", "alpha": "slope",
          "recurrent_kernel": "recurrent_weight", "depthwise_kernel": "weight", "pointwise_kernel": "weight"}


def einsum_layout(equation: str) -> Any:
    """The layout of an EinsumDense kernel, read from its equation as Keras reads it: the kernel's axes that appear
    in the output are output axes, the others input axes (Keras's VarianceScaling then takes fan_in and fan_out as
    their products, with no receptive field). The named ``multihead_qkv`` / ``multihead_out`` layouts where the
    axes are theirs."""
    from ..layout import LAYOUTS, Layout
    inputs, _, output = equation.replace(" ", "").partition("->")
    _, _, weight = inputs.partition(",")
    outs = tuple(i for i, c in enumerate(weight) if c in output)
    ins = tuple(i for i, c in enumerate(weight) if c not in output)
    for name in ("multihead_qkv", "multihead_out", "keras"):
        named = LAYOUTS[name]
        if len(weight) >= 2 and named.resolve(len(weight))[:2] == (outs, ins) and not named.resolve(len(weight))[2]:
            return name
    return Layout(f"einsum({equation})", outs, ins, min_ndim=1)


def _own(layer: Any) -> list:
    return list(layer._trainable_variables) + list(layer._non_trainable_variables)


_SKIP = ("_layers", "_tracked", "_tracker", "_inbound_nodes", "_outbound_nodes", "_operations", "_functional")


def _children(layer: Any) -> list[tuple[tuple[Any, ...], Any]]:
    """(key parts, sublayer) for each direct sublayer: the attribute that holds it (``query_dense`` for MHA's
    ``_query_dense``, ``blocks/2`` for a list), a Sequential or Functional model's layer by its position, an RNN's
    cell as the RNN itself."""
    kids = list(layer._flatten_layers(include_self=False, recursive=False))
    names: dict[int, tuple[Any, ...]] = {}
    attrs = [(a, x) for a, x in vars(layer).items() if not a.startswith("_")] + \
        [(a, x) for a, x in vars(layer).items() if a.startswith("_") and not a.startswith(("__", "_self_"))
         and a not in _SKIP]  # public attributes first (MHA keeps its sublayers in _query_dense ...)
    for attr, value in attrs:
        word = attr.lstrip("_")
        if isinstance(value, keras.layers.Layer):
            names.setdefault(id(value), (word,))
        elif isinstance(value, (list, tuple)):
            for i, x in enumerate(value):
                if isinstance(x, keras.layers.Layer):
                    names.setdefault(id(x), (word, i))
        elif isinstance(value, dict):
            for k, x in value.items():
                if isinstance(x, keras.layers.Layer):
                    names.setdefault(id(x), (word, str(k)))
    # a Functional subclass (``class Backbone(keras.Model)`` calling ``super().__init__(inputs, outputs)``)
    # holds its graph's layers in no attribute: by position, as a plain Functional model
    if isinstance(layer, keras.Sequential) or any(c.__name__ == "Functional" and c.__module__.startswith("keras")
                                                  for c in type(layer).__mro__):
        ordered = list(layer.layers)
        return [((ordered.index(k),) if k in ordered else names.get(id(k), (k.name,)), k) for k in kids]
    rnn = isinstance(layer, keras.layers.RNN)
    return [((() if rnn and names.get(id(k)) == ("cell",) else names.get(id(k), (k.name,))), k) for k in kids]


def _tree(layer: Any, parts: tuple[Any, ...] = (), parent: Any = None, depth: int = 0) -> Any:
    yield layer, parts, parent
    if depth < 64:
        for sub, child in _children(layer):
            yield from _tree(child, parts + sub, layer, depth + 1)


def walk(model: Any) -> list[tuple[Any, Any]]:
    """Every floating-point variable of a built Keras model or layer as (unifiedinit.params.Param, variable); a
    variable shared by several layers once. Keys come from the attributes that hold each layer (a Sequential or
    Functional model's layers by position), never from Keras's automatic layer names."""
    from ..plan import Param
    if not isinstance(model, keras.layers.Layer):
        raise TypeError(f"parameter 'model' must be a Keras model or layer, got {type(model).__name__}")
    if not model.built:
        raise ValueError(f"the Keras model {model.name!r} is not built yet: call it on data or build() it first, "
                         f"so that its weights exist")
    found = []
    for layer, parts, parent in _tree(model):
        kind, layout = _kind(layer, parent)
        info = registered_layer(type(layer))
        kernel = getattr(layer, "kernel", None) if kind != "embedding" else getattr(layer, "embeddings", None)
        if isinstance(layer, keras.layers.EinsumDense):
            layout = einsum_layout(layer.equation)
        if isinstance(layer, (keras.layers.SeparableConv1D, keras.layers.SeparableConv2D)):
            kernel = layer.pointwise_kernel
        layer_fans = None
        if kind == "recurrent":
            hidden = getattr(layer, "units", None) or layer.filters  # a ConvLSTMCell has filters
            layer_fans = (hidden, hidden)
        elif kernel is not None and len(kernel.shape) >= 2 and all(int(d) for d in kernel.shape):
            layer_fans = TensorInfo.make(tuple(int(d) for d in kernel.shape), layout).fans
        for var in _own(layer):
            if not keras.backend.is_float_dtype(var.dtype):
                continue
            name = var.path.rsplit("/", 1)[-1]
            role = info.roles[name] if info is not None and name in info.roles else _ROLES.get(name, "other")
            if kind == "norm" and role == "bias":
                role = "shift"
            if kind == "norm" and name in ("mean", "variance"):  # keras.layers.Normalization's statistics
                role = "running_mean" if name == "mean" else "running_var"
            own_layout = (info.layouts.get(name) if info is not None else None) or \
                ("keras_depthwise" if name == "depthwise_kernel" else
                 "keras" if name == "pointwise_kernel" else layout if role in ("weight", "embedding") else "keras")
            shape = tuple(int(d) for d in var.shape)
            stacked = tuple(range(info.stacked)) if info is not None and info.stacked else ()
            found.append((Param(path=var.path, kind=kind, role=role, shape=shape,
                                dtype=keras.backend.standardize_dtype(var.dtype), layout=own_layout,
                                layer_fans=layer_fans, layer=type(layer).__name__, trainable=bool(var.trainable),
                                stacked=stacked, key_parts=parts), var))
    return tie(found)


class _Target:
    """Assigns a plan's values to a Keras model's variables."""

    def __init__(self, model: Any, *, seed: int | None = None) -> None:
        self.found = walk(model)

    def native(self, p: Any, var: Any, draw: D.Draw, stream: int | None) -> None:
        # Keras's int seeds hold 31 bits: each parameter's 64-bit stream is folded to them
        seed = random.randint(1, 10 ** 9) if stream is None else (stream ^ (stream >> 31)) % (2 ** 31 - 1)
        var.assign(sampling.draw(KerasOps(_Seeds(seed)), draw, p.shape, p.dtype, p.stacked))

    def host(self, p: Any, var: Any, values: Any) -> None:
        var.assign(ops.convert_to_tensor(values.astype("float32") if p.dtype == "bfloat16" else values, dtype=p.dtype))

    def result(self, report: Any) -> Any:
        return report


def target(model: Any, **options: Any) -> _Target:
    return _Target(model, **options)


def apply_plan(plan: Any, model: Any, **options: Any) -> Any:
    """``plan.apply(model, **options)`` (kept for callers of the earlier backend function)."""
    return plan.apply(model, **options)


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
