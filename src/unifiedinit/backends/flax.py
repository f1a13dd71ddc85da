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

import math
import zlib
from typing import Any, Mapping, Sequence

import jax
import jax.numpy as jnp

from .. import _validate as v
from .. import draws as D
from ..layout import Layout, LayoutLike, TensorInfo, get_layout
from ..specs import Spec

__all__ = ["FlaxInitializer", "initializer", "sample", "reinit"]

NATIVE_LAYOUT = "flax"


def _dtype_name(dtype: Any) -> str:
    return jnp.dtype(dtype).name


def _work_dtype(dtype: Any) -> Any:
    """Random numbers are drawn in float32 at least and rounded once to a narrower dtype."""
    return jnp.float32 if jnp.dtype(dtype).itemsize < 4 else dtype


# ------------------------------------------------------------------------------------------ primitives

def _elementwise(key: jax.Array, d: D.Draw, shape: tuple[int, ...], dt: Any) -> jax.Array:
    if isinstance(d, D.Uniform):
        return jax.random.uniform(key, shape, dt, d.low, d.high)
    if isinstance(d, D.Normal):
        return d.mean + d.std * jax.random.normal(key, shape, dt)
    if isinstance(d, D.TruncatedNormal):
        a, b = (d.low - d.mean) / d.std, (d.high - d.mean) / d.std
        z = jax.random.truncated_normal(key, a, b, shape, dt)
        return jnp.clip(d.mean + d.std * z, d.low, d.high)
    if isinstance(d, D.Constant):
        return jnp.full(shape, d.value, dt)
    if isinstance(d, D.Affine):
        return d.scale * _elementwise(key, d.base, shape, dt) + d.shift
    if isinstance(d, D.Mixture):
        keys = jax.random.split(key, len(d.components) + 1)
        u = jax.random.uniform(keys[0], shape, jnp.float32)
        out = _elementwise(keys[-1], d.components[-1], shape, dt)  # the last takes the rounding remainder
        edge = 0.0
        for k, comp, w in zip(keys[1:-1], d.components[:-1], d.weights[:-1]):
            picked = (u >= edge) & (u < edge + w)
            out = jnp.where(picked, _elementwise(k, comp, shape, dt), out)
            edge += w
        return out
    raise TypeError(f"not an elementwise draw: {d!r}")  # pragma: no cover


def _orthogonal(key: jax.Array, d: D.Orthogonal, shape: tuple[int, ...], dt: Any) -> jax.Array:
    axis = d.out_axis % len(shape)
    rows = shape[axis]
    cols = math.prod(shape) // rows
    flat = jax.random.normal(key, (max(rows, cols), min(rows, cols)), dt)
    q, r = jnp.linalg.qr(flat)
    q = q * jnp.sign(jnp.diagonal(r))
    if rows < cols:
        q = q.T
    rest = [shape[i] for i in range(len(shape)) if i != axis]
    return d.gain * jnp.moveaxis(q.reshape([rows] + rest), 0, axis)


def _dirac(d: D.Dirac, shape: tuple[int, ...], dt: Any) -> jax.Array:
    per = shape[d.out_axis] // d.groups
    ones = [(g * per + k, k) for g in range(d.groups) for k in range(min(per, shape[d.in_axis]))]
    index: list[Any] = [0] * len(shape)
    index[d.out_axis] = jnp.array([o for o, _ in ones], dtype=jnp.int32)
    index[d.in_axis] = jnp.array([i for _, i in ones], dtype=jnp.int32)
    for a in range(len(shape)):
        if a not in (d.out_axis, d.in_axis):
            index[a] = shape[a] // 2
    return jnp.zeros(shape, dt).at[tuple(index)].set(1)


def _sparse(key: jax.Array, d: D.Sparse, shape: tuple[int, ...], dt: Any) -> jax.Array:
    k_values, k_order = jax.random.split(key)
    w = jnp.moveaxis(d.std * jax.random.normal(k_values, shape, dt), d.out_axis, 0)
    zeros = math.ceil(d.sparsity * w.shape[0])
    # a random permutation of the rows in every column: the rank of a uniform among its column
    rank = jnp.argsort(jnp.argsort(jax.random.uniform(k_order, w.shape), axis=0), axis=0)
    return jnp.moveaxis(jnp.where(rank < zeros, jnp.zeros((), dt), w), 0, d.out_axis)


def draw_array(key: jax.Array, d: D.Draw, shape: tuple[int, ...], dtype: Any) -> jax.Array:
    """Sample one primitive with ``jax.random``."""
    dt = _work_dtype(dtype)
    if d.elementwise:
        x = _elementwise(key, d, shape, dt)
    elif isinstance(d, D.Orthogonal):
        x = _orthogonal(key, d, shape, dt)
    elif isinstance(d, D.Eye):
        x = jnp.eye(shape[0], shape[1], dtype=dt)
    elif isinstance(d, D.Dirac):
        x = _dirac(d, shape, dt)
    elif isinstance(d, D.Sparse):
        x = _sparse(key, d, shape, dt)
    elif isinstance(d, D.Array):
        x = jnp.asarray(d.values, dtype=dt).reshape(shape)
    else:  # pragma: no cover
        raise TypeError(f"unknown draw {d!r}")
    x = x.astype(dtype)
    if isinstance(d, (D.Uniform, D.TruncatedNormal)):  # rounding must not leave the support
        x = jnp.clip(x, d.low, d.high)
    return x


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
