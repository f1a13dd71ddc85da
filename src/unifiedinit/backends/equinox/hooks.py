"""Equinox's native idiom. Equinox layers take no initializer arguments: a layer is built, then its arrays are
replaced (``eqx.tree_at``). ``spec.to_equinox()`` does that: ``init(layer, key)`` returns a new layer whose weight
(and bias, when a ``bias`` spec is given, with the layer's fans) come from the spec, and ``init(array, key)`` a new
array. Draws are ``jax.random`` with the key given, so they trace under ``jit``/``filter_jit``.
"""
# equinox/jax: eqx.tree_at's PyTree (jaxtyping's) is unknown to pyright; jaxlib ships no stubs (jnp.asarray)
# pyright: reportUnknownMemberType=false

from __future__ import annotations

from typing import Any, NoReturn, cast

import equinox as eqx
import jax
import jax.numpy as jnp

from ... import _validate as v
from ... import draws as D
from ...layout import LayoutLike, TensorInfo, get_layout
from ...portable import Portable, portable_option
from ...samplers import draw as sampled
from ...specs import Spec
from .ops import EquinoxOps, array as array, seed_key, to_numpy as to_numpy  # (the conformance suite's, re-exported)


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
    the layer's fans; the layer's other fields are kept. A layer whose weight is an ``eqx.nn.Shared`` placeholder
    (the tied array is drawn where it is held) keeps it, its bias drawn with the fans its class declares, as a
    plan draws it. An ``eqx.nn.WeightNorm`` gets its layer drawn so and its
    ``g`` set to the new weight's norm, as its constructor does, so it computes the drawn weight. A module
    that holds none of these comes back unchanged; one that holds some (an ``MLP``, a ``MultiheadAttention``, a
    model) is refused, naming them: Equinox has no ``module.apply`` to visit them, so map the initializer over
    the layers or apply a plan. A layer built under ``eqx.filter_vmap`` (leading axes of layers) is drawn one
    layer per index with one layer's fans. Equinox modules are immutable: the layer or array given is never
    changed. Every check runs before anything is drawn.

    Args:
        spec: the unifiedinit spec of the weight (or of the array).
        bias: the spec of a layer's bias (fan-based specs read the layer's fans), or None to keep the bias.
        layout: a layout name or ``ui.Layout`` for the weight or array, or None: "torch" for an array, the layer's
            own for a layer ("equinox_conv_transpose" for ``ConvTranspose*``, "torch_embedding" for ``Embedding``).
        portable: None to draw with ``jax.random``, or a ``ui.Portable(seed, key)`` (or its dict) for the values
            every framework gives (the JAX key is then not used).

    Raises:
        TypeError: ``spec`` or ``bias`` is not a unifiedinit spec, or ``portable`` is not a Portable, its dict
            or None.
        ValueError: ``layout`` is neither None, a ``ui.Layout`` nor a registered layout name (refused here, when
            the initializer is made, as ``to_torch``, ``to_keras``, ``to_flax`` and ``to_mxnet`` refuse it).

    Examples:
        >>> import jax
        >>> import jax.numpy as jnp
        >>> import equinox as eqx
        >>> import unifiedinit as ui
        >>> from unifiedinit.backends.equinox import EquinoxInitializer
        >>> init = EquinoxInitializer(ui.Constant(0.5), bias=ui.Zeros())
        >>> init
        EquinoxInitializer(Constant(value=0.5), bias=Zeros())
        >>> layer = init(eqx.nn.Linear(3, 2, key=jax.random.key(0)), jax.random.key(1))
        >>> layer.weight.tolist(), layer.bias.tolist()
        ([[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]], [0.0, 0.0])
        >>> x = init(jnp.zeros((2, 3), jnp.bfloat16), jax.random.key(0))
        >>> x.shape, x.dtype
        ((2, 3), dtype(bfloat16))
    """

    def __init__(self, spec: Spec, *, bias: Spec | None = None, layout: LayoutLike | None = None,
                 portable: Any = None) -> None:
        if not isinstance(spec, Spec):
            raise TypeError(f"parameter 'spec' must be a unifiedinit spec, got {spec!r}")
        if bias is not None and not isinstance(bias, Spec):
            raise TypeError(f"parameter 'bias' must be a unifiedinit spec or None, got {bias!r}")
        if layout is not None:
            get_layout(layout)  # an unknown name is refused now, not at the first call
        self.spec, self.bias, self.layout = spec, bias, layout
        self.portable = portable_option(portable)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.spec!r}, bias={self.bias!r})"

    def _values(self, spec: Spec, x: Any, key: jax.Array, layout: LayoutLike, fans: Any = None,
                stacked: tuple[int, ...] = ()) -> jax.Array:
        """New values for the array ``x``; ``stacked`` leading axes hold one layer each (lowered for one layer)."""
        shape, dtype = tuple(x.shape), x.dtype
        draw = lower(shape[len(stacked):], dtype, spec, layout, fans)
        if self.portable is not None:
            return jnp.asarray(self.portable.values(spec, shape, layout, jnp.dtype(dtype).name, fans), dtype=dtype)
        return sampled(EquinoxOps(key), draw, shape, dtype, stacked)

    def __call__(self, obj: Any, key: jax.Array) -> Any:
        """New values for ``obj``: a new array, or a new layer with a new weight (and bias).

        Args:
            obj: a JAX array, or an Equinox module (``Linear``, ``Conv*``, ``ConvTranspose*`` and ``Embedding``
                get new values; a module that holds none of them comes back as it is).
            key: one ``jax.random`` key, typed (``jax.random.key(0)``) or raw (``jax.random.PRNGKey(0)``); the
                weight and the bias draw from two splits of it.

        Returns:
            A new array of ``obj``'s shape and dtype, or a new module.

        Raises:
            TypeError: ``key`` is not a JAX random key (an int, None), ``obj`` is neither an array nor an Equinox
                module, or a module that holds layers it draws (a model: map the initializer over its layers), or
                its dtype cannot hold the values.
            ValueError: a batch of keys (``jax.random.split``'s: pass one of them), a shape or value range the spec
                cannot take (a fan-based spec on a 1-D array without the layer), or, with ``portable``, a layer
                whose bias is drawn too or that stacks layers (``eqx.filter_vmap``): one key names one parameter;
                or a bias to draw in a layer whose weight is an
                ``eqx.nn.Shared`` placeholder and whose class declares no weight shape (no fans to draw it with).
        """
        key = v.jax_key(type(self).__name__, key)  # its type, shape and dtype only: a traced key passes
        if eqx.is_array(obj):
            return self._values(self.spec, obj, key, self.layout or "torch")
        if not isinstance(obj, eqx.Module):
            raise TypeError(f"a unifiedinit Equinox initializer takes an array or an Equinox module, got "
                            f"{type(obj).__name__}")
        from .model import _kind, weight_norms_following
        if isinstance(obj, eqx.nn.WeightNorm):  # the layer it wraps, then its g = ||v||: it computes the draw
            normed = cast(Any, obj)
            layer = self(normed.layer, key)
            if layer is normed.layer:
                return normed
            new: Any = eqx.tree_at(_layer_of, normed, layer)
            follow = weight_norms_following(new, {("layer", normed.weight_name)})
            return eqx.tree_at(_g_of, new, follow[0][1]) if follow else new
        kind, layout = _kind(obj, None)
        weight: Any = getattr(obj, "weight", None)
        from .model import _is_placeholder
        if kind in _DRAWN and _is_placeholder(weight):  # an eqx.nn.Shared's tied weight: drawn where it is held
            return self._placeholder_bias(obj, key, self.layout or layout)
        if kind not in _DRAWN or not eqx.is_array(weight):
            inside = _layers_inside(obj)
            if inside:  # Equinox has no module.apply: a model handed whole would come back silently undrawn
                raise TypeError(
                    f"a unifiedinit Equinox initializer draws one layer or an array; {type(obj).__name__} holds "
                    f"layers ({', '.join(sorted(inside))}): map it over them, as jax.tree_util.tree_map(lambda m: "
                    "init(m, key) if isinstance(m, eqx.nn.Linear) else m, model, is_leaf=lambda m: isinstance(m, "
                    "eqx.nn.Linear)), or apply a plan: ui.Plan().rule(spec, kind='dense').apply(model, seed=0)")
            return obj
        from .model import _grouped, _layer_fans, _stack_of
        where: Any = self.layout or _grouped(layout, obj)
        wkey, bkey = jax.random.split(key)
        bias_spec = self.bias
        bias: Any = cast(Any, getattr(obj, "bias", None) if bias_spec is not None else None)
        # a layer built under eqx.filter_vmap (or registered with stacked=) holds one layer per index of its leading
        # axes: fans are one layer's
        stacked = _stack_of(obj, "weight", weight.shape)
        drawn_bias = eqx.is_array(bias) and bias_spec is not None
        if self.portable is not None and (stacked or drawn_bias):
            self._refuse_portable(self.portable, obj, f"stacks {weight.shape[0]} layers (eqx.filter_vmap)"
                                  if stacked else "has its bias drawn too, which would repeat the weight's values")
        fans = _layer_fans(obj, weight.shape[len(stacked):], where) \
            if bias is not None and bias_spec is not None and bias_spec.fan_based else None
        bias_stacked = _stack_of(obj, "bias", cast(Any, bias).shape) if drawn_bias else ()
        if drawn_bias:  # checked before anything is drawn
            lower(tuple(cast(Any, bias).shape[len(bias_stacked):]), cast(Any, bias).dtype, cast(Spec, bias_spec),
                  "torch", fans)
        new_weight = self._values(self.spec, weight, wkey, where, stacked=stacked)
        if not drawn_bias:
            return eqx.tree_at(_weight_of, obj, new_weight)
        new_bias = self._values(cast(Spec, bias_spec), bias, bkey, "torch", fans, bias_stacked)
        return eqx.tree_at(_weight_and_bias_of, obj, (new_weight, new_bias))

    @staticmethod
    def _refuse_portable(portable: Portable, obj: Any, why: str) -> NoReturn:
        """A portable initializer has one key, so it draws one parameter: refuse a layer that would repeat it."""
        raise ValueError(
            f"a portable Equinox initializer draws one parameter from its key ({portable.key!r}); this "
            f"{type(obj).__name__} {why}; allowed: an initializer per parameter, each with its own Portable key, "
            "or a plan, which keys every parameter and layer: ui.Plan().rule(spec, kind=...).apply(model, "
            "seed=..., portable=True)")

    def _placeholder_bias(self, obj: Any, key: jax.Array, where: LayoutLike) -> Any:
        """A layer whose weight is an ``eqx.nn.Shared`` placeholder (the tied array is held, and drawn, where
        ``get`` reads it): its bias from ``bias`` with the fans its class declares (``in_features``,
        ``out_channels``...), as a plan draws it; the placeholder is kept. No ``bias`` spec, or no bias: the
        layer as it is."""
        from .model import _declared_weight, _layer_fans, _stack_of
        bias: Any = getattr(obj, "bias", None)
        if self.bias is None or not eqx.is_array(bias):
            return obj
        declared = _declared_weight(obj)
        if declared is None:
            raise ValueError(
                f"a unifiedinit Equinox initializer cannot draw the bias of this {type(obj).__name__}: its weight is "
                "an eqx.nn.Shared placeholder and its class declares no weight shape to take the fans from; "
                "allowed: a plan (ui.Plan().rule(spec, role='bias').apply(model, seed=0)) or bias=None")
        stacked = _stack_of(obj, "bias", bias.shape)
        if self.portable is not None and stacked:
            self._refuse_portable(self.portable, obj, f"stacks {bias.shape[0]} layers (eqx.filter_vmap)")
        fans = _layer_fans(obj, declared, where) if self.bias.fan_based else None
        lower(tuple(bias.shape[len(stacked):]), bias.dtype, self.bias, "torch", fans)  # checked before the draw
        new_bias = self._values(self.bias, bias, jax.random.split(key)[1], "torch", fans, stacked)
        return eqx.tree_at(_bias_of, obj, new_bias)


#: the layer kinds an Equinox initializer draws
_DRAWN = ("dense", "conv", "conv_transpose", "embedding")


def _layers_inside(module: Any) -> set[str]:
    """The class names of the layers an initializer draws (or weight norms) anywhere inside ``module``."""
    from .model import _kind
    found: set[str] = set()
    subs = jax.tree_util.tree_leaves(module, is_leaf=lambda x: x is not module and isinstance(x, eqx.Module))
    for sub in subs:
        if not isinstance(sub, eqx.Module):
            continue
        if isinstance(sub, cast(type, eqx.nn.WeightNorm)) or _kind(sub, None)[0] in _DRAWN:
            found.add(type(sub).__name__)
        else:
            found |= _layers_inside(sub)
    return found


def _layer_of(normed: Any) -> Any:
    return normed.layer


def _g_of(normed: Any) -> Any:
    return normed.g


def _weight_of(layer: Any) -> Any:
    return layer.weight


def _bias_of(layer: Any) -> Any:
    return layer.bias


def _weight_and_bias_of(layer: Any) -> tuple[Any, Any]:
    return layer.weight, layer.bias


def initializer(spec: Spec, **options: Any) -> EquinoxInitializer:
    """``spec.to_equinox(**options)``: a function ``init(layer_or_array, key)`` that returns new values.

    Args:
        spec: the unifiedinit spec of the weight (or array).
        **options: ``EquinoxInitializer``'s keyword arguments: ``bias``, ``layout``, ``portable``.

    Returns:
        An ``EquinoxInitializer``.

    Raises:
        TypeError: ``spec`` or ``bias`` is not a spec, an option is not one of those, or ``portable`` is not a
            Portable.
        ValueError: ``layout`` is an unknown layout name (or neither a name nor a ``ui.Layout``).

    Examples:
        >>> import jax
        >>> import jax.numpy as jnp
        >>> import unifiedinit as ui
        >>> from unifiedinit.backends.equinox import initializer
        >>> initializer(ui.Ones())(jnp.zeros((2, 2)), jax.random.key(0)).tolist()
        [[1.0, 1.0], [1.0, 1.0]]
    """
    return EquinoxInitializer(spec, **options)


def sample(spec: Spec, shape: tuple[int, ...], *, layout: LayoutLike = "torch", seed: int = 0,
           dtype: str = "float32", layer_fans: tuple[int, int] | None = None) -> Any:
    """Sample natively with ``seed_key(seed)`` and return a NumPy array (for the report and tests).

    Args:
        spec: the unifiedinit spec of the values.
        shape: the tensor's shape.
        layout: a layout name or ``ui.Layout`` saying where the tensor's axes are; default "torch" (out, in, *k),
            as Equinox stores a weight.
        seed: the seed of the ``jax.random`` key, an int in [0, 2**64) (``ops.seed_key``).
        dtype: a dtype name JAX knows ("float32", "bfloat16", "float64", ...).
        layer_fans: (fan_in, fan_out) to scale with instead of the tensor's own fans, or None.

    Returns:
        A NumPy array of ``shape``, in ``dtype`` (bfloat16 comes back as float32).

    Raises:
        TypeError: ``spec`` is not a spec, ``dtype`` is not a dtype name, or it cannot hold the values (random
            values in an integer dtype).
        ValueError: an unknown layout or ``dtype`` name, or a shape or value range the spec cannot take.

    Examples:
        >>> import unifiedinit as ui
        >>> from unifiedinit.backends.equinox import sample
        >>> x = sample(ui.Ones(), (2, 3))
        >>> type(x).__name__, x.shape, x.dtype
        ('ndarray', (2, 3), dtype('float32'))
        >>> sample(ui.KaimingUniform(), (4, 6)).shape  # (out, in): fan_in 6
        (4, 6)
    """
    dtype = v.dtype_name("sample", "dtype", dtype)
    import numpy as np
    x = EquinoxInitializer(spec, layout=layout)._values(spec, jnp.zeros(shape, dtype), seed_key(seed), layout,
                                                        layer_fans)
    return np.asarray(x.astype(jnp.float32) if dtype == "bfloat16" else x)


# ------------------------------------------------------------------------- one array, for the conformance suite

def init_array(spec: Spec, x: jax.Array, *, layout: LayoutLike | None = None, seed: int = 0,
               portable: Any = None) -> jax.Array:
    """The native hook on one array stored in ``layout`` (default Equinox's, torch's): a new array."""
    return initializer(spec, layout=layout, portable=portable)(x, seed_key(seed))
