"""JAX/Flax's native idioms: initializers with JAX's signature ``(key, shape, dtype=jnp.float32) -> Array``.

They work as ``kernel_init``, ``bias_init``, ``embedding_init`` and ``scale_init`` in ``flax.linen`` and
``flax.nnx``. Lowering runs in Python when the initializer is called (shapes are static under ``jit``), so
the traced computation holds only ``jax.random`` sampling with the key it was given: pure, traceable under
``jit``/``vmap``/``nnx.jit``, no host callbacks, no NumPy, and it shards like any JAX computation when
called inside ``jax.jit(..., out_shardings=...)``.

A Flax initializer sees only its tensor's shape, so a bias cannot know its layer's fans there;
``reinit`` re-initializes a linen parameter tree or an NNX module with that layer context.
"""
# jax: jaxlib ships no type stubs (jnp.asarray's Device parameter), and jax.sharding.reshard is unannotated
# pyright: reportUnknownMemberType=false

from __future__ import annotations

import math
import numbers
from typing import Any, Mapping, Sequence

import jax
import jax.numpy as jnp

from ... import _validate as v
from ... import draws as D
from ...layout import Layout, LayoutLike, TensorInfo, check_shape, get_layout
from ...portable import portable_option
from ...specs import Spec
from .ops import array as array, to_numpy as to_numpy  # (the conformance suite's, re-exported)
from .ops import draw_array, is_sequence, seed_key


def dtype_name(dtype: Any) -> str:
    return jnp.dtype(dtype).name


class FanError(ValueError, ZeroDivisionError):
    """Fans of a tensor with a zero-size axis. JAX's ``_compute_fans`` divides by zero there
    (``ZeroDivisionError``); it is a ``ValueError`` too, as unifiedinit says of every shape it cannot scale."""


def _is_int(a: Any) -> bool:
    return isinstance(a, numbers.Integral) and not isinstance(a, bool)


def jax_fans(shape: Sequence[int], in_axis: Any = -2, out_axis: Any = -1, batch_axis: Any = ()) -> tuple[float, float]:
    """(fan_in, fan_out) exactly as ``jax.nn.initializers`` computes them (its ``_compute_fans``), floats included.

    The size of an axis argument is ``shape[axis]`` for an int and the product over a sequence (repeats counted);
    the receptive field is ``prod(shape) / in_size / out_size / batch_size``, and fan = size x receptive field. So
    any rank works once the axes are given (a vector with ``in_axis=out_axis=0`` has fans (n, n)), negative axes
    count from the end, an axis out of range raises ``IndexError`` (naming the argument), and axes that overlap
    divide by the overlap: Flax's ``default_embed_init``, ``variance_scaling(1.0, "fan_in", "normal",
    out_axis=0)`` on (num, features), has fan_in = features. Only the default ``in_axis=-2`` (an int) refuses a
    tensor under 2-D, with JAX's ``ValueError``; a zero-size tensor raises ``FanError`` (a ``ZeroDivisionError``,
    as JAX's division)."""
    shape = tuple(shape)
    if _is_int(in_axis) and in_axis == -2 and len(shape) <= 1:
        raise ValueError(f"Can't compute input and output sizes of a {len(shape)}-dimensional weights tensor with "
                         f"default in_axis. Must be at least 2D or specify in_axis explicitly.")

    def size(name: str, axes: Any) -> int:
        try:
            sizes: list[int] = [shape[axes]] if _is_int(axes) else [shape[a] for a in axes]
        except IndexError:  # JAX's own error type, with the argument named
            raise IndexError(f"parameter {name!r} is {axes!r}, an axis out of range for a tensor of shape {shape}; "
                             f"allowed: axes in [{-len(shape)}, {len(shape)})") from None
        return math.prod(sizes)

    in_size, out_size, batch_size = size("in_axis", in_axis), size("out_axis", out_axis), size("batch_axis", batch_axis)
    total = math.prod(shape)
    if 0 in (in_size, out_size, batch_size, total):
        raise FanError(f"a fan-based initializer cannot scale a tensor of shape {shape}: it has no entries, so its "
                       f"fans divide by zero (in_axis={in_axis!r}, out_axis={out_axis!r}, batch_axis={batch_axis!r})")
    receptive = total / in_size / out_size / batch_size
    return in_size * receptive, out_size * receptive


class JaxAxes(Layout):
    """Axis roles given as ``jax.nn.initializers.variance_scaling`` gives them (``in_axis``, ``out_axis``,
    ``batch_axis``: ints or sequences, negative allowed): fans are ``jax_fans``, JAX's own numbers for any rank,
    overlapping axes and repeats included. Structured specs (orthogonal, sparse...) read the axes as any layout's."""

    #: in_axis was one int (JAX refuses a tensor under 2-D only for the default int -2)
    int_in_axis: bool = True

    def fans(self, shape: Sequence[int]) -> tuple[float, float]:  # type: ignore[override]
        shape = check_shape(shape)
        return jax_fans(shape, self.in_axes[0] if self.int_in_axis and len(self.in_axes) == 1 else self.in_axes,
                        self.out_axes, self.batch_axes)

    _fans = fans  # type: ignore[assignment]  # JAX's fans may be fractional (batch axes)


def jax_axes(in_axis: Any = -2, out_axis: Any = -1, batch_axis: Any = ()) -> JaxAxes:
    """The layout of ``jax.nn.initializers``' ``in_axis``/``out_axis``/``batch_axis`` (any rank, JAX's fans)."""
    def as_tuple(a: Any) -> tuple[Any, ...]:
        return (a,) if _is_int(a) else tuple(a) if is_sequence(a) else (a,)
    for name, axes in (("in_axis", in_axis), ("out_axis", out_axis), ("batch_axis", batch_axis)):
        bad = next((a for a in as_tuple(axes) if not _is_int(a)), None)
        if bad is not None:  # said with the option's own name, not the Layout's field
            raise TypeError(f"parameter {name!r} must be an axis (an integer) or a sequence of them, got "
                            f"{v.shown(axes)} of type {type(bad).__name__}")
    return JaxAxes(f"flax(in_axis={in_axis!r}, out_axis={out_axis!r}, batch_axis={batch_axis!r})",
                   as_tuple(out_axis), as_tuple(in_axis), as_tuple(batch_axis), min_ndim=1, int_in_axis=_is_int(in_axis))


def _layout(layout: LayoutLike | None, in_axis: Any, out_axis: Any, batch_axis: Any) -> Layout:
    """The layout a hook's options name: ``layout`` itself; Flax's for JAX's default axes; else the axes as
    ``jax.nn.initializers`` reads them (``JaxAxes``: any rank, negative and tuple axes, overlaps as JAX counts them)."""
    if layout is not None:
        return get_layout(layout)
    if (in_axis, out_axis, batch_axis) == (-2, -1, ()):
        return get_layout("flax")
    return jax_axes(in_axis, out_axis, batch_axis)


def sample_draw(key: jax.Array, draw: D.Draw, shape: tuple[int, ...], dtype: Any) -> jax.Array:
    """``draw`` sampled with ``jax.random`` from ``key``, in ``dtype`` (complex ones too, for the structured draws
    JAX defines there). The shared samplers broadcast a vector against a matrix (the signs of diag(R) in
    orthogonal), so they run with rank promotion allowed: a user's ``jax_numpy_rank_promotion="raise"`` holds
    for the user's code, not for ours."""
    with jax.numpy_rank_promotion("allow"):
        return draw_array(key, draw, shape, dtype)


class FlaxInitializer:
    """What ``spec.to_flax()`` returns: ``init(key, shape, dtype=jnp.float32) -> jax.Array``.

    A JAX initializer, for ``kernel_init``, ``bias_init``, ``embedding_init`` and ``scale_init`` in
    ``flax.linen`` and ``flax.nnx``. Fans follow Flax's layout (in at -2, out at -1, the rest receptive field)
    unless ``in_axis``, ``out_axis`` and ``batch_axis`` say otherwise (as in
    ``jax.nn.initializers.variance_scaling``) or a ``layout`` is named. ``layer_fans`` fixes the fans (for a bias
    that should scale with its layer). Every check runs when the initializer is called, before anything is drawn;
    the draw is ``jax.random`` with the key given, so it traces under ``jit``/``vmap``/``nnx.jit``.

    Args:
        spec: the unifiedinit spec of the values (``ui.KaimingUniform()``, ``ui.Normal(0.0, 0.02)``, ...).
        in_axis: the input axis, or a sequence of them, as ``jax.nn.initializers.variance_scaling`` takes it
            (negative counts from the end); default -2.
        out_axis: the output axis or axes; default -1.
        batch_axis: axes that hold independent matrices (their size divides the fans); default (): none.
        layout: a layout name (``ui.LAYOUTS``: "flax", "flax_conv_transpose", ...) or a ``ui.Layout`` whose fans
            the spec reads; it overrides the axes. None: Flax's layout for the default axes, else the axes as JAX
            reads them (any rank, JAX's own fans).
        layer_fans: (fan_in, fan_out) to scale with instead of the tensor's own fans, or None.
        portable: None to draw with ``jax.random``, or a ``ui.Portable(seed, key)`` (or its dict) for the values
            every framework gives (the JAX key is then not used).

    Raises:
        TypeError: ``spec`` is not a unifiedinit spec, or ``portable`` is not a Portable, its dict or None.
        ValueError: ``layout`` is not a registered layout name.

    Examples:
        >>> import jax
        >>> import unifiedinit as ui
        >>> from unifiedinit.backends.flax import FlaxInitializer
        >>> init = FlaxInitializer(ui.Constant(0.5))
        >>> init
        FlaxInitializer(Constant(value=0.5), layout='flax')
        >>> x = init(jax.random.key(0), (2, 3))
        >>> x.shape, x.dtype, x.tolist()
        ((2, 3), dtype('float32'), [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]])
        >>> FlaxInitializer(ui.KaimingUniform()).lower((6, 4))  # fan_in 6: bound sqrt(2) * sqrt(3 / 6)
        Uniform(low=-1.0, high=1.0)
        >>> FlaxInitializer(ui.KaimingUniform(), in_axis=0, out_axis=1).lower((6, 4))
        Uniform(low=-1.0, high=1.0)
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
        """The draw for a tensor of ``shape``: every check happens here, before anything is sampled.

        Args:
            shape: the tensor's shape, non-negative ints.
            dtype: the tensor's dtype, checked against the draw; default float32.

        Returns:
            The primitive draw (``unifiedinit.draws``: ``Uniform(low, high)``, ``Normal(mean, std)``, ...).

        Raises:
            TypeError: ``dtype`` cannot hold the draw (random values in an integer or bool dtype).
            ValueError: a shape the spec cannot take (a fan-based spec on a 1-D tensor without ``layer_fans``, a
                zero-size axis), or values the dtype cannot hold (``Constant(1e300)`` in float32).
        """
        draw = self.spec.lower(TensorInfo.make(tuple(int(s) for s in shape), self.layout, self.layer_fans))
        v.tensor_dtype(dtype_name(dtype), draw.deterministic, "dtype")  # the refusal names init's 'dtype'
        v.representable(draw, dtype_name(dtype), "dtype")
        return draw

    def __call__(self, key: jax.Array, shape: Sequence[int], dtype: Any = jnp.float32,
                 out_sharding: Any = None) -> jax.Array:
        """New values for a tensor of ``shape`` in ``dtype``, drawn with ``jax.random`` from ``key``.

        With ``portable``, the JAX key is not used: the values are the portable ones (host-computed, so
        under jit they become a constant of the traced program). ``out_sharding`` (a ``NamedSharding``, or a
        ``PartitionSpec`` under ``jax.set_mesh``) is the result's sharding, as in ``jax.nn.initializers``.

        Args:
            key: a ``jax.random`` key (``jax.random.key(0)`` or a split of one).
            shape: the tensor's shape, non-negative ints.
            dtype: a JAX dtype; a random spec needs a float one (float16, bfloat16, float32, float64), a
                deterministic one (constants, eye, ...) takes any. Default float32.
            out_sharding: the result's sharding, or None for the default placement.

        Returns:
            A new ``jax.Array`` of ``shape`` and ``dtype``.

        Raises:
            TypeError: ``key`` is not a JAX random key (an int, None), whatever the spec and with ``portable``
                too (as ``EquinoxInitializer``), ``shape`` is not a sequence of ints, or ``dtype`` cannot hold the
                values (as ``lower``).
            ValueError: a batch of keys, a negative size, or a shape or value range the spec cannot take (as
                ``lower``).
        """
        key = v.jax_key(type(self).__name__, key)  # always, as Equinox's: its type, shape and dtype (traced: passes)
        shape = tuple(int(s) for s in check_shape(shape))
        draw = self.lower(shape, dtype)
        if self.portable is not None:
            x = jnp.asarray(self.portable.values(self.spec, shape, self.layout, dtype_name(dtype), self.layer_fans))
        else:
            x = sample_draw(key, draw, shape, dtype)
        return x if out_sharding is None else jax.sharding.reshard(x, out_sharding)


def initializer(spec: Spec, **options: Any) -> FlaxInitializer:
    """``spec.to_flax(**options)``: the JAX initializer of ``spec``, for Flax's ``kernel_init`` and friends.

    Args:
        spec: the unifiedinit spec of the values.
        **options: ``FlaxInitializer``'s keyword arguments: ``in_axis``, ``out_axis``, ``batch_axis``, ``layout``,
            ``layer_fans``, ``portable``.

    Returns:
        A ``FlaxInitializer``: ``init(key, shape, dtype=jnp.float32) -> jax.Array``.

    Raises:
        TypeError: ``spec`` is not a spec, an option is not one of those, or ``portable`` is not a Portable.
        ValueError: ``layout`` is not a registered layout name.

    Examples:
        >>> import jax
        >>> from flax import nnx
        >>> import unifiedinit as ui
        >>> from unifiedinit.backends.flax import initializer
        >>> initializer(ui.Zeros())(jax.random.key(0), (2,)).tolist()
        [0.0, 0.0]
        >>> layer = nnx.Linear(3, 2, kernel_init=initializer(ui.Ones()), rngs=nnx.Rngs(0))
        >>> layer.kernel.get_value().tolist()
        [[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]
    """
    return FlaxInitializer(spec, **options)


def sample(spec: Spec, shape: tuple[int, ...], *, layout: LayoutLike = "flax", seed: int = 0,
           dtype: str = "float32", layer_fans: tuple[int, int] | None = None) -> Any:
    """Sample natively with ``seed_key(seed)`` and return a NumPy array (for the report and tests).

    Args:
        spec: the unifiedinit spec of the values.
        shape: the tensor's shape.
        layout: a layout name or ``ui.Layout`` saying where the tensor's axes are; default "flax" (..., in, out).
        seed: the seed of the ``jax.random`` key, an int in [0, 2**64) (``ops.seed_key``).
        dtype: a dtype name ``jax.numpy`` has ("float32", "bfloat16", "float64", ...).
        layer_fans: (fan_in, fan_out) to scale with instead of the tensor's own fans, or None.

    Returns:
        A NumPy array of ``shape``, in ``dtype`` (bfloat16 comes back as float32).

    Raises:
        TypeError: ``spec`` is not a spec, or ``dtype`` cannot hold the values (as ``FlaxInitializer.lower``).
        ValueError: an unknown layout or ``dtype`` name, or a shape the spec cannot take (as
            ``FlaxInitializer.lower``); ``dtype`` not a string is a TypeError.

    Examples:
        >>> import unifiedinit as ui
        >>> from unifiedinit.backends.flax import sample
        >>> x = sample(ui.Ones(), (2, 3))
        >>> type(x).__name__, x.shape, x.dtype
        ('ndarray', (2, 3), dtype('float32'))
        >>> sample(ui.Constant(2.0), (2,), dtype="bfloat16").tolist()
        [2.0, 2.0]
    """
    dtype = v.dtype_name("sample", "dtype", dtype)
    import numpy as np
    x = FlaxInitializer(spec, layout=layout, layer_fans=layer_fans)(seed_key(seed), shape, getattr(jnp, dtype))
    return np.asarray(x.astype(jnp.float32) if dtype == "bfloat16" else x)


def reinit(target: Any, key: jax.Array, *, kernel: Spec | None = None, bias: Spec | None = None) -> Any:
    """Re-initialize every Dense/Conv/ConvTranspose/Embed layer of a linen parameter tree (returns a new tree) or
    an NNX module (in place, returns it) with layer context: ``kernel`` for each layer's ``kernel``/``embedding``,
    in Flax's layout, and ``bias`` for its ``bias`` with the fans of that layer's kernel, so
    ``reinit(params, key, kernel=KaimingUniform(a=sqrt(5)), bias=KaimingUniform(a=sqrt(5)))`` gives a Flax
    model torch's default Linear/Conv initialization, bias included. A spec left as None leaves those
    parameters as they are. Each parameter's key is ``key`` with its 64-bit stream (a BLAKE2b hash of its
    canonical key, ``unifiedinit.apply.stream(0, key)``) folded in, so values do not depend on the order of
    layers. Everything is lowered before anything is drawn. (A two-rule ``unifiedinit.Plan``.)

    Args:
        target: a linen variables tree (``{"params": ...}``) or params tree, or an ``nnx.Module``.
        key: the ``jax.random`` key each parameter's key is folded from.
        kernel: the spec of each layer's ``kernel``/``embedding``, or None to leave them.
        bias: the spec of each layer's ``bias`` (with its kernel's fans), or None to leave them.

    Returns:
        For a linen tree, a new tree of the same structure (the one given is unchanged); for an NNX module, the
        module itself, changed in place.

    Raises:
        TypeError: ``target`` is neither a dict nor an ``nnx.Module`` (or is a dict no framework owns, such as an
            empty one); ``kernel`` or ``bias`` is not a spec; ``key`` is not a ``jax.random`` key.
        ValueError: a spec cannot initialize one of the parameters (nothing is changed then).

    Examples:
        >>> import jax
        >>> import jax.numpy as jnp
        >>> import flax.linen as nn
        >>> from flax import nnx
        >>> import unifiedinit as ui
        >>> from unifiedinit.backends.flax import reinit
        >>> params = nn.Dense(3).init(jax.random.key(0), jnp.ones((1, 4)))
        >>> new = reinit(params, jax.random.key(1), kernel=ui.Zeros(), bias=ui.Ones())
        >>> new["params"]["kernel"].shape, float(abs(new["params"]["kernel"]).sum()), new["params"]["bias"].tolist()
        ((4, 3), 0.0, [1.0, 1.0, 1.0])
        >>> layer = nnx.Linear(4, 3, rngs=nnx.Rngs(0))
        >>> reinit(layer, jax.random.key(0), bias=ui.Ones()) is layer
        True
        >>> layer.bias.get_value().tolist()
        [1.0, 1.0, 1.0]
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
    return initializer(spec, layout=layout, portable=portable)(seed_key(seed), x.shape, x.dtype)
