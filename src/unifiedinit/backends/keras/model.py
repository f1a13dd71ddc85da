"""Keras models as parameter records (keys from the attributes that hold each layer, a Sequential or Functional
model's layers by position, never Keras's automatic names; EinsumDense kernels read from their equation), and
the target the apply loop writes through (``variable.assign``)."""

from __future__ import annotations

import random
from typing import Any

import keras
from keras import ops

from ... import draws as D
from ... import samplers
from ...layout import TensorInfo
from ...params import looks_like_norm, registered_layer, tie
from .ops import KerasOps, Seeds


def owns(obj: Any) -> bool:
    """A Keras layer or model."""
    return isinstance(obj, keras.layers.Layer)


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
    from ...layout import LAYOUTS, Layout
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
    from ...params import Param
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
        var.assign(samplers.draw(KerasOps(Seeds(seed)), draw, p.shape, p.dtype, p.stacked))

    def host(self, p: Any, var: Any, values: Any) -> None:
        var.assign(ops.convert_to_tensor(values.astype("float32") if p.dtype == "bfloat16" else values, dtype=p.dtype))

    def result(self, report: Any) -> Any:
        return report


def target(model: Any, **options: Any) -> _Target:
    """The apply loop's writer for ``model`` (``unifiedinit.backends.protocol.Target``)."""
    return _Target(model, **options)


def param_groups(model: Any, selects: Any, weight_decay: float) -> list:
    """``unifiedinit.param_groups`` for Keras: the trainable variables to pass to
    ``optimizer.exclude_from_weight_decay(var_list=...)``."""
    from ...plan import excluded
    return [var for p, var in walk(model) if var.trainable and excluded(p, selects)]


def read(handle: Any) -> Any:
    """A variable's values as a float64 NumPy array."""
    import numpy as np
    return np.asarray(ops.convert_to_numpy(handle), dtype=np.float64)
