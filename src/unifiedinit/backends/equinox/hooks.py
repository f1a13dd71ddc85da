"""Equinox's native idiom. Equinox layers take no initializer arguments: a layer is built, then its arrays are
replaced (``eqx.tree_at``). ``spec.to_equinox()`` does that: ``init(layer, key)`` returns a new layer whose weight
(and bias, when a ``bias`` spec is given, with the layer's fans) come from the spec, and ``init(array, key)`` a new
array. Draws are ``jax.random`` with the key given, so they trace under ``jit``/``filter_jit``.
"""

from __future__ import annotations

from typing import Any, cast

import equinox as eqx
import jax
import jax.numpy as jnp

from ... import _validate as v
from ... import draws as D
from ...layout import LayoutLike, TensorInfo
from ...portable import portable_option
from ...samplers import draw as sampled
from ...specs import Spec
from .ops import EquinoxOps, array, to_numpy  # noqa: F401 (the conformance suite's, re-exported)


def lower(shape: tuple[int, ...], dtype: Any, spec: Spec, layout: LayoutLike,
          layer_fans: tuple[int, int] | None = None) -> D.Draw:
    """Every check, before anything is drawn."""
    name = jnp.dtype(dtype).name
    draw = spec.lower(TensorInfo.make(shape, layout, layer_fans))
    v.tensor_dtype(name, draw.deterministic)
    v.representable(draw, name)
    return draw


class EquinoxInitializer:
    """What ``spec.to_equinox()`` returns: ``init(layer_or_array, key) -> new layer or array``.

    On an array: new values of its shape and dtype, in ``layout`` (default "torch": Equinox stores weights
    (out, in, *k)). On a layer the library knows (``Linear``, ``Conv*``, ``ConvTranspose*``, ``Embedding``): its
    ``weight`` from ``spec`` with the layer's layout and fans, and its ``bias`` from ``bias`` (when given) with
    the layer's fans; the layer's other fields are kept. Anything else comes back unchanged.
    """

    def __init__(self, spec: Spec, *, bias: Spec | None = None, layout: LayoutLike | None = None,
                 portable: Any = None) -> None:
        if not isinstance(spec, Spec):
            raise TypeError(f"parameter 'spec' must be a unifiedinit spec, got {spec!r}")
        if bias is not None and not isinstance(bias, Spec):
            raise TypeError(f"parameter 'bias' must be a unifiedinit spec or None, got {bias!r}")
        self.spec, self.bias, self.layout = spec, bias, layout
        self.portable = portable_option(portable)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.spec!r}, bias={self.bias!r})"

    def _values(self, spec: Spec, x: Any, key: jax.Array, layout: LayoutLike, fans: Any = None) -> jax.Array:
        shape, dtype = tuple(x.shape), x.dtype
        draw = lower(shape, dtype, spec, layout, fans)
        if self.portable is not None:
            return jnp.asarray(self.portable.values(spec, shape, layout, jnp.dtype(dtype).name, fans), dtype=dtype)
        return sampled(EquinoxOps(key), draw, shape, dtype)

    def __call__(self, obj: Any, key: jax.Array) -> Any:
        if eqx.is_array(obj):
            return self._values(self.spec, obj, key, self.layout or "torch")
        if not isinstance(obj, eqx.Module):
            raise TypeError(f"a unifiedinit Equinox initializer takes an array or an Equinox module, got "
                            f"{type(obj).__name__}")
        from .model import _kind
        kind, layout = _kind(obj, None)
        weight: Any = getattr(obj, "weight", None)
        if kind not in ("dense", "conv", "conv_transpose", "embedding") or not eqx.is_array(weight):
            return obj
        where: Any = self.layout or layout
        wkey, bkey = jax.random.split(key)
        bias_spec = self.bias
        bias: Any = cast(Any, getattr(obj, "bias", None) if bias_spec is not None else None)
        fans = TensorInfo.make(tuple(weight.shape), where).fans \
            if bias is not None and bias_spec is not None and bias_spec.fan_based else None
        if eqx.is_array(bias) and bias_spec is not None:  # checked before anything is drawn
            lower(tuple(cast(Any, bias).shape), cast(Any, bias).dtype, bias_spec, "torch", fans)
        new_weight = self._values(self.spec, weight, wkey, where)
        if not eqx.is_array(bias) or bias_spec is None:
            return eqx.tree_at(lambda m: m.weight, obj, new_weight)
        new_bias = self._values(bias_spec, bias, bkey, "torch", fans)
        return eqx.tree_at(lambda m: (m.weight, m.bias), obj, (new_weight, new_bias))


def initializer(spec: Spec, **options: Any) -> EquinoxInitializer:
    """``spec.to_equinox(**options)``."""
    return EquinoxInitializer(spec, **options)


def sample(spec: Spec, shape: tuple[int, ...], *, layout: LayoutLike = "torch", seed: int = 0,
           dtype: str = "float32", layer_fans: tuple[int, int] | None = None) -> Any:
    """Sample natively with ``jax.random.key(seed)`` and return a NumPy array (for the report and tests)."""
    import numpy as np
    x = EquinoxInitializer(spec, layout=layout)._values(spec, jnp.zeros(shape, dtype), jax.random.key(seed), layout,
                                                        layer_fans)
    return np.asarray(x.astype(jnp.float32) if dtype == "bfloat16" else x)


# ------------------------------------------------------------------------- one array, for the conformance suite

def init_array(spec: Spec, x: jax.Array, *, layout: LayoutLike | None = None, seed: int = 0,
               portable: Any = None) -> jax.Array:
    """The native hook on one array stored in ``layout`` (default Equinox's, torch's): a new array."""
    return initializer(spec, layout=layout, portable=portable)(x, jax.random.key(seed))
