"""JAX/Flax backend: initializers with JAX's signature ``(key, shape, dtype=jnp.float32) -> Array``.

They work as ``kernel_init``, ``bias_init``, ``embedding_init`` and ``scale_init`` in ``flax.linen`` and
``flax.nnx``. Lowering runs in Python when the initializer is called (shapes are static under ``jit``), so
the traced computation holds only ``jax.random`` sampling with the key it was given: pure, traceable under
``jit``/``vmap``/``nnx.jit``, no host callbacks, no NumPy, and it shards like any JAX computation when
called inside ``jax.jit(..., out_shardings=...)``.

A Flax initializer sees only its tensor's shape, so a bias cannot know its layer's fans there;
``reinit`` re-initializes a linen parameter tree or an NNX module with that layer context.
"""

from __future__ import annotations

import zlib
from typing import Any, Mapping, Sequence

import jax
import jax.numpy as jnp

from .. import _validate as v
from .. import draws as D
from .. import sampling
from ..layout import Layout, LayoutLike, TensorInfo, get_layout
from ..sampling import Ops
from ..specs import Spec

__all__ = ["FlaxInitializer", "initializer", "sample", "reinit"]

NATIVE_LAYOUT = "flax"


def _dtype_name(dtype: Any) -> str:
    return jnp.dtype(dtype).name


# ------------------------------------------------------------------------------------------ primitives

class JaxOps(Ops):
    """``unifiedinit.sampling.Ops`` with jax.random: one key, split for every random op, so a call is a pure
    function of its key (traceable under jit/vmap)."""

    def __init__(self, key: jax.Array) -> None:
        self.key = key

    def _next(self) -> jax.Array:
        self.key, sub = jax.random.split(self.key)
        return sub

    def work_dtype(self, dtype: Any) -> Any:
        dt = jnp.dtype(dtype)
        return jnp.dtype(jnp.float32) if dt.itemsize < 4 else dt

    def uniform(self, shape: tuple[int, ...], low: float, high: float, dt: Any) -> jax.Array:
        return jax.random.uniform(self._next(), shape, dt, low, high)

    def normal(self, shape: tuple[int, ...], mean: float, std: float, dt: Any) -> jax.Array:
        return mean + std * jax.random.normal(self._next(), shape, dt)

    def truncated_normal(self, shape: tuple[int, ...], d: D.TruncatedNormal, dt: Any) -> jax.Array:
        a, b = (d.low - d.mean) / d.std, (d.high - d.mean) / d.std
        return d.mean + d.std * jax.random.truncated_normal(self._next(), a, b, shape, dt)

    def full(self, shape: tuple[int, ...], value: float, dt: Any) -> jax.Array:
        return jnp.full(shape, value, dt)

    where = staticmethod(jnp.where)
    sign = staticmethod(jnp.sign)
    diagonal = staticmethod(jnp.diagonal)
    moveaxis = staticmethod(jnp.moveaxis)
    reshape = staticmethod(jnp.reshape)
    transpose = staticmethod(jnp.transpose)
    clip = staticmethod(jnp.clip)

    def argsort0(self, x: jax.Array) -> jax.Array:
        return jnp.argsort(x, axis=0)

    def qr(self, m: jax.Array) -> tuple[jax.Array, jax.Array]:
        return jnp.linalg.qr(m)

    def from_numpy(self, a: Any, dt: Any) -> jax.Array:
        return jnp.asarray(a, dtype=dt)

    def cast(self, x: jax.Array, dtype: Any) -> jax.Array:
        return x.astype(dtype)


def draw_array(key: jax.Array, d: D.Draw, shape: tuple[int, ...], dtype: Any) -> jax.Array:
    """Sample one primitive with ``jax.random``."""
    return sampling.draw(JaxOps(key), d, shape, dtype)


# ---------------------------------------------------------------------------------------- the hook

def _layout(layout: LayoutLike | None, in_axis: Any, out_axis: Any, batch_axis: Any) -> Layout:
    if layout is not None:
        return get_layout(layout)
    if (in_axis, out_axis, batch_axis) == (-2, -1, ()):
        return get_layout("flax")
    as_tuple = lambda a: tuple(a) if isinstance(a, (tuple, list)) else (a,)  # noqa: E731
    return Layout(f"flax(in_axis={in_axis}, out_axis={out_axis}, batch_axis={batch_axis})",
                  as_tuple(out_axis), as_tuple(in_axis), as_tuple(batch_axis))


class FlaxInitializer:
    """What ``spec.to_flax()`` returns: ``init(key, shape, dtype=jnp.float32) -> jax.Array``.

    Fans follow Flax's layout (in at -2, out at -1, the rest receptive field) unless ``in_axis``,
    ``out_axis`` and ``batch_axis`` say otherwise (as in ``jax.nn.initializers.variance_scaling``) or a
    ``layout`` is named. ``layer_fans`` fixes the fans (for a bias that should scale with its layer).
    """

    def __init__(self, spec: Spec, *, in_axis: int | Sequence[int] = -2, out_axis: int | Sequence[int] = -1,
                 batch_axis: int | Sequence[int] = (), layout: LayoutLike | None = None,
                 layer_fans: tuple[int, int] | None = None) -> None:
        if not isinstance(spec, Spec):
            raise TypeError(f"parameter 'spec' must be a unifiedinit spec, got {spec!r}")
        self.spec = spec
        self.layout = _layout(layout, in_axis, out_axis, batch_axis)
        self.layer_fans = layer_fans

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.spec!r}, layout={self.layout.name!r})"

    def lower(self, shape: Sequence[int], dtype: Any = jnp.float32) -> D.Draw:
        """The draw for a tensor of ``shape``: every check happens here, before anything is sampled."""
        draw = self.spec.lower(TensorInfo.make(tuple(int(s) for s in shape), self.layout, self.layer_fans))
        v.tensor_dtype(_dtype_name(dtype), draw.deterministic)
        return draw

    def __call__(self, key: jax.Array, shape: Sequence[int], dtype: Any = jnp.float32) -> jax.Array:
        shape = tuple(int(s) for s in shape)
        return draw_array(key, self.lower(shape, dtype), shape, dtype)


def initializer(spec: Spec, **options: Any) -> FlaxInitializer:
    """``spec.to_flax(**options)``."""
    return FlaxInitializer(spec, **options)


def sample(spec: Spec, shape: tuple[int, ...], *, layout: LayoutLike = "flax", seed: int = 0,
           dtype: str = "float32", layer_fans: tuple[int, int] | None = None) -> Any:
    """Sample natively with ``jax.random.key(seed)`` and return a NumPy array (for the report and tests)."""
    import numpy as np
    x = FlaxInitializer(spec, layout=layout, layer_fans=layer_fans)(jax.random.key(seed), shape, getattr(jnp, dtype))
    return np.asarray(x.astype(jnp.float32) if dtype == "bfloat16" else x)


# --------------------------------------------------------------------------------- layer context

#: a layer's weight name -> the layout its layer stores it in
_WEIGHTS = {"kernel": "flax", "embedding": "flax_embedding"}


def _path_key(key: jax.Array, path: str) -> jax.Array:
    return jax.random.fold_in(key, zlib.crc32(path.encode()))


def _layers_of_tree(tree: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Mapping[str, Any]]]:
    found = []
    if any(name in tree and hasattr(tree[name], "shape") for name in _WEIGHTS):
        found.append((prefix, tree))
    for name, sub in tree.items():
        if isinstance(sub, Mapping):
            found.extend(_layers_of_tree(sub, f"{prefix}/{name}" if prefix else name))
    return found


def reinit(target: Any, key: jax.Array, *, kernel: Spec | None = None, bias: Spec | None = None) -> Any:
    """Re-initialize every layer of a linen parameter tree (returns a new tree) or an NNX module (in place,
    returns it) with layer context: ``kernel`` for each layer's ``kernel``/``embedding``, in Flax's layout,
    and ``bias`` for its ``bias`` with the fans of that layer's kernel, so
    ``reinit(params, key, kernel=KaimingUniform(a=sqrt(5)), bias=KaimingUniform(a=sqrt(5)))`` gives a Flax
    model torch's default Linear/Conv initialization, bias included. A spec left as None leaves those
    parameters as they are. Each parameter's key is ``fold_in(key, crc32(path))``, so values do not depend on
    the order of layers. Everything is lowered before anything is drawn.
    """
    if isinstance(target, Mapping):
        layers = [(path, dict(layer)) for path, layer in _layers_of_tree(target)]
        get = lambda layer, name: layer.get(name)  # noqa: E731
    else:
        from flax import nnx
        if not isinstance(target, nnx.Module):
            raise TypeError(f"parameter 'target' must be a linen parameter dict or an nnx.Module, got "
                            f"{type(target).__name__}")
        layers = []
        for path, module in nnx.iter_modules(target) if hasattr(nnx, "iter_modules") else target.iter_modules():
            if any(isinstance(getattr(module, n, None), nnx.Variable) for n in _WEIGHTS):
                layers.append(("/".join(map(str, path)), module))
        get = lambda layer, name: getattr(layer, name, None)  # noqa: E731

    def value(x: Any) -> Any:
        return x.get_value() if hasattr(x, "get_value") else x

    plan = []  # (path, layer, name, initializer, shape, dtype, draw): all lowered before anything is drawn
    for path, layer in layers:
        for name, layout in _WEIGHTS.items():
            w = get(layer, name)
            if w is None:
                continue
            w = value(w)
            if kernel is not None:
                init = FlaxInitializer(kernel, layout=layout)
                plan.append((path, layer, name, init, w.shape, w.dtype, init.lower(w.shape, w.dtype)))
            b = get(layer, "bias")
            if bias is not None and b is not None:
                b = value(b)
                fans = TensorInfo.make(w.shape, layout).fans if bias.fan_based else None
                init = FlaxInitializer(bias, layer_fans=fans)
                plan.append((path, layer, "bias", init, b.shape, b.dtype, init.lower(b.shape, b.dtype)))
    new = {}
    for path, layer, name, init, shape, dtype, draw in plan:
        new[(path, name)] = draw_array(_path_key(key, f"{path}/{name}"), draw, tuple(shape), dtype)
    if isinstance(target, Mapping):
        return _replace(target, new)
    for path, layer, name, *_ in plan:
        getattr(layer, name).set_value(new[(path, name)])
    return target


def _replace(tree: Mapping[str, Any], new: dict, prefix: str = "") -> dict:
    out = {}
    for name, sub in tree.items():
        if isinstance(sub, Mapping):
            out[name] = _replace(sub, new, f"{prefix}/{name}" if prefix else name)
        else:
            out[name] = new.get((prefix, name), sub)
    return out
