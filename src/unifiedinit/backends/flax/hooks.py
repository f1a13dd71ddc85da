"""JAX/Flax's native idioms: initializers with JAX's signature ``(key, shape, dtype=jnp.float32) -> Array``.

They work as ``kernel_init``, ``bias_init``, ``embedding_init`` and ``scale_init`` in ``flax.linen`` and
``flax.nnx``. Lowering runs in Python when the initializer is called (shapes are static under ``jit``), so
the traced computation holds only ``jax.random`` sampling with the key it was given: pure, traceable under
``jit``/``vmap``/``nnx.jit``, no host callbacks, no NumPy, and it shards like any JAX computation when
called inside ``jax.jit(..., out_shardings=...)``.

A Flax initializer sees only its tensor's shape, so a bias cannot know its layer's fans there;
``reinit`` re-initializes a linen parameter tree or an NNX module with that layer context.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import jax
import jax.numpy as jnp

from ... import _validate as v
from ... import draws as D
from ...layout import Layout, LayoutLike, TensorInfo, get_layout
from ...portable import portable_option
from ...specs import Spec
from .ops import array, draw_array, to_numpy  # noqa: F401 (the conformance suite's, re-exported)


def dtype_name(dtype: Any) -> str:
    return jnp.dtype(dtype).name


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
                 layer_fans: tuple[int, int] | None = None, portable: Any = None) -> None:
        if not isinstance(spec, Spec):
            raise TypeError(f"parameter 'spec' must be a unifiedinit spec, got {spec!r}")
        self.spec = spec
        self.layout = _layout(layout, in_axis, out_axis, batch_axis)
        self.layer_fans = layer_fans
        self.portable = portable_option(portable)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.spec!r}, layout={self.layout.name!r})"

    def lower(self, shape: Sequence[int], dtype: Any = jnp.float32) -> D.Draw:
        """The draw for a tensor of ``shape``: every check happens here, before anything is sampled."""
        draw = self.spec.lower(TensorInfo.make(tuple(int(s) for s in shape), self.layout, self.layer_fans))
        v.tensor_dtype(dtype_name(dtype), draw.deterministic)
        v.representable(draw, dtype_name(dtype))
        return draw

    def __call__(self, key: jax.Array, shape: Sequence[int], dtype: Any = jnp.float32) -> jax.Array:
        """With ``portable``, the JAX key is not used: the values are the portable ones (host-computed, so
        under jit they become a constant of the traced program)."""
        shape = tuple(int(s) for s in shape)
        draw = self.lower(shape, dtype)
        if self.portable is not None:
            return jnp.asarray(self.portable.values(self.spec, shape, self.layout, dtype_name(dtype), self.layer_fans))
        return draw_array(key, draw, shape, dtype)


def initializer(spec: Spec, **options: Any) -> FlaxInitializer:
    """``spec.to_flax(**options)``."""
    return FlaxInitializer(spec, **options)


def sample(spec: Spec, shape: tuple[int, ...], *, layout: LayoutLike = "flax", seed: int = 0,
           dtype: str = "float32", layer_fans: tuple[int, int] | None = None) -> Any:
    """Sample natively with ``jax.random.key(seed)`` and return a NumPy array (for the report and tests)."""
    import numpy as np
    x = FlaxInitializer(spec, layout=layout, layer_fans=layer_fans)(jax.random.key(seed), shape, getattr(jnp, dtype))
    return np.asarray(x.astype(jnp.float32) if dtype == "bfloat16" else x)


def reinit(target: Any, key: jax.Array, *, kernel: Spec | None = None, bias: Spec | None = None) -> Any:
    """Re-initialize every Dense/Conv/ConvTranspose/Embed layer of a linen parameter tree (returns a new tree) or
    an NNX module (in place, returns it) with layer context: ``kernel`` for each layer's ``kernel``/``embedding``,
    in Flax's layout, and ``bias`` for its ``bias`` with the fans of that layer's kernel, so
    ``reinit(params, key, kernel=KaimingUniform(a=sqrt(5)), bias=KaimingUniform(a=sqrt(5)))`` gives a Flax
    model torch's default Linear/Conv initialization, bias included. A spec left as None leaves those
    parameters as they are. Each parameter's key is ``fold_in(key, crc32(path))``, so values do not depend on
    the order of layers. Everything is lowered before anything is drawn. (A two-rule ``unifiedinit.Plan``.)
    """
    if not isinstance(target, Mapping):
        from flax import nnx
        if not isinstance(target, nnx.Module):
            raise TypeError(f"parameter 'target' must be a linen parameter dict or an nnx.Module, got "
                            f"{type(target).__name__}")
    from ...plan import Plan
    layers = ("dense", "conv", "conv_transpose", "embedding")
    plan = Plan(name="reinit")
    if kernel is not None:
        plan = plan.rule(kernel, kind=layers, role=("weight", "embedding"), quiet=True)
    if bias is not None:
        plan = plan.rule(bias, kind=layers, role="bias", quiet=True)
    result = plan.apply(target, key=key)
    return result[0] if isinstance(target, Mapping) else target


# ------------------------------------------------------------------------- one array, for the conformance suite

def init_array(spec: Spec, x: jax.Array, *, layout: LayoutLike | None = None, seed: int = 0,
               portable: Any = None) -> jax.Array:
    """The native hook on one array's shape and dtype, stored in ``layout`` (default Flax's): a new array."""
    return initializer(spec, layout=layout, portable=portable)(jax.random.key(seed), x.shape, x.dtype)
