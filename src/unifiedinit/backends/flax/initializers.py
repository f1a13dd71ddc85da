"""Drop-ins for ``jax.nn.initializers``, built from unifiedinit specs.

``from unifiedinit.backends.flax import initializers`` where the code said ``from jax.nn import initializers``::

    nnx.Linear(300, 256, kernel_init=initializers.he_normal(), rngs=rngs)
    nn.Embed(1000, 64, embedding_init=initializers.variance_scaling(1.0, "fan_in", "normal", out_axis=0))

Every function has JAX's name, parameters and defaults (``xavier_*`` and ``kaiming_*`` are the same functions as
``glorot_*`` and ``he_*``, as in JAX) and returns JAX's initializer ``init(key, shape, dtype=<the factory's dtype>,
out_sharding=None) -> Array``: ``dtype=None`` is JAX's default float (float32; float64 under ``jax_enable_x64``),
the dtype asked for is the dtype returned (canonicalized as JAX does), and ``out_sharding`` is honoured as JAX
honours it (``orthogonal`` and ``delta_orthogonal`` refuse it with ``NotImplementedError``, as JAX's do). Shapes are
static: the initializers trace under ``jit``/``vmap`` and draw only with ``jax.random`` from the key they are given.
``init.spec`` is the unifiedinit spec of the values on a real dtype (None where a parameter is an array, multiplied
in as JAX multiplies it), ``init.layout`` the layout whose fans it reads.

Real dtypes: each law is a spec (``Uniform``, ``Normal``, ``TruncatedNormal`` with JAX's std-unit bounds made
absolute, ``VarianceScaling``, ``Orthogonal``, ``DeltaOrthogonal``, ``Constant``, ``Zeros``, ``Ones``) drawn by
``FlaxInitializer``. Fans are JAX's own numbers (``hooks.jax_fans``, JAX's ``_compute_fans``): any rank once the
axes are given, negative and tuple axes, batch axes, and overlapping axes divided as JAX divides them. Half
precision and float8 are drawn in float32 and rounded once (JAX draws them with the dtype's own bits).

Complex dtypes, as JAX defines them:

- ``normal`` and ``variance_scaling(..., "normal")``: real and imaginary parts each from the spec at half the
  variance (``Normal(0, stddev / sqrt 2)``, ``VarianceScaling(scale / 2, mode, "normal")``), as JAX's complex normal;
- ``variance_scaling(..., "uniform")``: uniform on the disk of radius sqrt(2 var) (JAX's ``_complex_uniform``):
  **drawn directly**, radius sqrt(u) with u from ``Uniform(0, 2)`` and phase from ``Uniform(0, 2 pi)``, times the
  std the ``VarianceScaling`` spec gives;
- ``variance_scaling(..., "truncated_normal")``: a complex standard normal with its modulus cut at 2, divided by
  0.95311164380491208 (JAX's ``_complex_truncated_normal``): **drawn directly**, radius sqrt(-log(1 - t)) with t
  from ``Uniform(0, 1 - e^-4)`` and phase from ``Uniform(0, 2 pi)``, times the spec's std;
- ``orthogonal`` and ``delta_orthogonal``: the ``Orthogonal`` / ``DeltaOrthogonal`` spec's draw in the complex dtype,
  a Haar-random (semi-)unitary matrix (QR of a complex Gaussian matrix, columns times the phases of diag(R));
- ``constant``, ``zeros``, ``ones``: ``Constant`` specs for the real and imaginary parts;
- ``uniform`` and ``truncated_normal``: ``ValueError``, as JAX.

Array-valued parameters are JAX's: ``constant(value)`` with an array broadcasts it to the shape (``Constant`` with an
array); a ``scale``/``stddev`` that is an array multiplies the unit law's values as JAX multiplies them (broadcasting,
so the result may grow as JAX's does); ``truncated_normal`` with array or infinite (one-sided) ``lower``/``upper`` is
**drawn directly** with ``jax.random.truncated_normal``, as JAX's is; a traced parameter (inside ``jit``) takes the
same array path.

Where a drop-in differs from JAX on purpose, ``unifiedinit.differences.DIFFERENCES`` says so (framework "jax"): bad
arguments (NaN, inf, a negative variance, an empty truncation window, a mode JAX does not know) are refused with the
exception class JAX would raise or a ``ValueError``, when the initializer is built; values a dtype cannot hold are
refused; QR runs in float32 for half precision.
"""
# jax: jaxlib ships no type stubs (the Device of jnp.asarray/zeros/full), and jax.sharding.reshard is unannotated
# pyright: reportUnknownMemberType=false

from __future__ import annotations

import math
from typing import Any, Callable, Protocol, Sequence, TypeGuard, cast

import jax
import jax.numpy as jnp
import numpy as np
from numpy.typing import NDArray

from ... import _validate as v
from ...layout import Layout, TensorInfo, check_shape, get_layout
from ...specs import (DISTRIBUTIONS, MODES, Constant, DeltaOrthogonal, Normal, Ones, Orthogonal, Spec,
                      TruncatedNormal, Uniform, VarianceScaling, Zeros)
from .hooks import FlaxInitializer, jax_axes, sample_draw

__all__ = ["variance_scaling", "glorot_uniform", "glorot_normal", "xavier_uniform", "xavier_normal", "he_uniform",
           "he_normal", "kaiming_uniform", "kaiming_normal", "lecun_uniform", "lecun_normal", "normal",
           "truncated_normal", "uniform", "orthogonal", "delta_orthogonal", "constant", "zeros", "ones"]

#: the std of a complex standard normal (E|z|^2 = 1) with its modulus cut at 2, as JAX's variance_scaling divides by
COMPLEX_TRUNC_STD_2 = 0.95311164380491208


class Initializer(Protocol):
    """What each factory here returns: JAX's initializer ``init(key, shape, dtype=<the factory's dtype>,
    out_sharding=None) -> Array`` (``jax.nn.initializers.Initializer``), with ``spec``, the unifiedinit spec of its
    values on a real dtype (None where an array parameter multiplies them), and ``layout``, the layout whose fans it
    reads (None where it reads none). A random one takes one JAX key, typed (``jax.random.key(0)``) or raw
    (``jax.random.PRNGKey(0)``), a traced one too; anything else (an int, None, a batch of keys) is refused naming
    'key' (``TypeError``; ``ValueError`` for a batch), where JAX's own message named its internals."""

    spec: Spec | None
    layout: Layout | None

    def __call__(self, key: jax.Array, shape: Sequence[int], dtype: Any = None,
                 out_sharding: Any = None) -> jax.Array: ...


# --------------------------------------------------------------------------------------------- helpers

def _dtype(dtype: Any) -> np.dtype:
    """JAX's dtype: None is the default float (float64 under x64), and a dtype JAX does not hold is canonicalized
    (float64 -> float32 without x64)."""
    return jnp.dtype(jax.dtypes.canonicalize_dtype(float if dtype is None else dtype))


def _shape(shape: Any) -> tuple[int, ...]:
    """JAX's shape: an int is a vector's; sizes must be non-negative integers (ValueError / TypeError naming 'shape')."""
    return tuple(int(d) for d in check_shape(shape))


def _real_dtype(dtype: np.dtype) -> np.dtype:
    return np.real(np.zeros((), dtype)).dtype


def _is_float(dtype: np.dtype) -> bool:
    return bool(jnp.issubdtype(dtype, jnp.floating))


def _is_complex(dtype: np.dtype) -> bool:
    return bool(jnp.issubdtype(dtype, jnp.complexfloating))


def _need_float(dtype: np.dtype, fn: str) -> None:
    """JAX's check in ``random.uniform`` / ``random.truncated_normal``: a ValueError for any other dtype."""
    if not _is_float(dtype):
        raise ValueError(f"dtype argument to `{fn}` must be a float dtype, got {dtype}")


def _need_inexact(dtype: np.dtype) -> None:
    """JAX's check in ``random.normal`` (which orthogonal draws with too)."""
    if not (_is_float(dtype) or _is_complex(dtype)):
        raise ValueError(f"dtype argument to `normal` must be a float or complex dtype, got {dtype}")


def _concrete(value: Any) -> np.ndarray | None:
    """``value`` as a NumPy array, or None when it is traced (inside ``jit``): then JAX's arithmetic takes it."""
    try:
        return np.asarray(value)
    except (jax.errors.TracerArrayConversionError, jax.errors.ConcretizationTypeError):
        return None


def _param(owner: str, name: str, value: Any, *, infinite: bool = False) -> Any:
    """A scale-like argument: a real number as a finite Python float (``infinite``: +-inf too); an array (a list,
    NumPy or JAX array, kept to multiply in as JAX does) of finite numbers; a traced value as it is. Anything else
    (a string, None) is refused by name with ``TypeError``, NaN and inf with ``ValueError``."""
    if isinstance(value, bool):
        value = float(value)
    if not isinstance(value, (int, float)):
        arr = _concrete(value)
        if arr is None:
            return value  # traced
        if arr.dtype == np.bool_:
            arr = arr.astype(np.float64)
        if arr.dtype.kind not in "iufc":
            raise TypeError(f"{owner}: parameter '{name}' must be a real number or an array, got {value!r} of type "
                            f"{type(value).__name__}")
        if arr.ndim or arr.dtype.kind == "c":
            if not np.all(~np.isnan(arr) if infinite else np.isfinite(arr)):
                raise ValueError(f"{owner}: parameter '{name}' must hold finite numbers, got {value!r}")
            return arr
        value = arr.item()
    if infinite and isinstance(value, float) and math.isinf(value):
        return value
    return v.real(owner, name, value)


def _is_number(p: Any) -> TypeGuard[float]:
    return isinstance(p, float)


def _is_ndarray(p: Any) -> TypeGuard[NDArray[Any]]:
    return isinstance(p, np.ndarray)


def _times(x: jax.Array, m: Any, dtype: np.dtype) -> jax.Array:
    """JAX's ``x * jnp.array(m, dtype)`` (broadcasting as JAX does)."""
    return x if m is None else x * jnp.asarray(m, dtype)


def _finish(x: jax.Array, out_sharding: Any) -> jax.Array:
    return x if out_sharding is None else jax.sharding.reshard(x, out_sharding)


class _Law:
    """A spec in a layout, drawn natively in any real dtype (a Constant also in integer and bool dtypes)."""

    def __init__(self, spec: Spec, layout: Any = "flax") -> None:
        self.spec = spec
        self.hook = FlaxInitializer(spec, layout=get_layout(layout))

    def lower(self, shape: tuple[int, ...]) -> Any:
        return self.spec.lower(TensorInfo.make(shape, self.hook.layout))

    def __call__(self, key: jax.Array, shape: tuple[int, ...], dtype: np.dtype) -> jax.Array:
        if dtype == np.bool_:  # a constant: JAX's cast of the number (nonzero is True)
            return self.hook(key, shape, jnp.float32).astype(dtype)
        if dtype.kind in "iu" and isinstance(self.spec, Constant):  # JAX's cast: toward zero (2.7 -> 2), where a
            value = self.spec.value                                    # spec takes whole numbers only
            whole = Constant(np.trunc(np.asarray(value, np.float64)) if isinstance(value, tuple) else math.trunc(value))
            return _Law(whole, self.hook.layout).hook(key, shape, dtype)
        if not _is_float(dtype) or dtype.name in v.FLOAT_DTYPES:
            return self.hook(key, shape, dtype)
        # float8 and other small floats: drawn in float32 and rounded once, refusing values the dtype cannot hold
        draw = self.hook.lower(shape, jnp.float32)
        lo, hi = v.draw_range(draw)
        big = float(cast(Any, jnp.finfo(dtype)).max)  # jnp.finfo's type is partly unknown (ml_dtypes' finfo)
        if lo < -big or hi > big:
            raise ValueError(f"parameter 'dtype' asks for dtype {dtype}, which cannot hold the values of {draw!r}: "
                             f"they span [{lo:.6g}, {hi:.6g}]; allowed: values within [{-big:.6g}, {big:.6g}]")
        ends = _small_support(draw, dtype)
        x = self.hook(key, shape, jnp.float32)
        # kept within the window's ends as the small float holds them, so that rounding cannot leave the window
        # (0.49999997 of U[0, 0.5) rounds to 0.5 in float8_e4m3fn), as every sampler does for float16
        return (x if ends is None else jnp.clip(x, *ends)).astype(dtype)

    def complex(self, key: jax.Array, shape: tuple[int, ...], dtype: np.dtype, imag: "_Law | None" = None) -> jax.Array:
        """This law for the real part and ``imag``'s (default this one's) for the imaginary part, independent."""
        real = _real_dtype(dtype)
        k_re, k_im = jax.random.split(key)
        return jax.lax.complex(self(k_re, shape, real), (imag or self)(k_im, shape, real)).astype(dtype)


def _small_support(draw: Any, dtype: np.dtype) -> tuple[float, float] | None:
    """A bounded draw's support as the small float ``dtype`` (float8...) holds it: its smallest number in the
    window's float32 support (``reference.support_in``: above an open low end) and its largest, found among every
    value the dtype has (at most 256). None for an unbounded draw.

    Raises:
        ValueError: ``dtype`` holds no number in the window (float8_e4m3fn none in U[0.51, 0.52)).
    """
    from ...reference import support_in
    window = support_in(draw, jnp.float32)
    if window is None:
        return None
    codes = np.arange(1 << (8 * dtype.itemsize), dtype=np.uint64).astype(f"u{dtype.itemsize}")
    values = np.unique(codes.view(dtype).astype(np.float64))
    values = values[np.isfinite(values) & (values >= window[0]) & (values <= window[1])]
    if values.size == 0:
        raise ValueError(f"parameter 'dtype' is {dtype}, which holds no number in the window of {draw!r} "
                         f"([{window[0]:.6g}, {window[1]:.6g}]); allowed: a window that holds one of its numbers")
    return float(values[0]), float(values[-1])


def _initializer(init: Callable[..., jax.Array], doc: str, spec: Spec | None,
                 layout: Layout | None = None) -> Initializer:
    init.__name__ = init.__qualname__ = "init"
    init.__doc__ = doc
    init.spec = spec  # type: ignore[attr-defined]
    init.layout = layout  # type: ignore[attr-defined]
    init.__module__ = __name__
    return cast(Initializer, init)  # the function, with the two attributes the protocol adds


# ----------------------------------------------------------------------------------------------- constants

def _constant_value(value: Any) -> Any:
    """``constant``'s value: a number (real or complex), a numeric array, or a traced value; JAX refuses anything
    else (a list, None, a string) with TypeError, here when the initializer is built."""
    kind = type(value).__name__
    if isinstance(value, (list, tuple, str, bytes)) or value is None:
        raise TypeError(f"constant: parameter 'value' must be a number or an array (as jnp.full takes it), got "
                        f"{value!r} of type {kind}")
    arr = _concrete(value)
    if arr is None:
        return value  # traced
    if arr.dtype == np.bool_:
        arr = arr.astype(np.float64)
    if arr.dtype.kind not in "iufc":
        raise TypeError(f"constant: parameter 'value' must be a number or an array, got {value!r} of type "
                        f"{type(value).__name__}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"constant: parameter 'value' must be finite, got {value!r}")
    if arr.ndim == 0:
        return complex(arr.item()) if arr.dtype.kind == "c" else float(arr.item())
    return arr


def _constant_laws(value: float | complex | NDArray[Any]) -> tuple[_Law, _Law | None]:
    """(the law of the real part, of the imaginary part or None for a real value)."""
    if isinstance(value, complex) or (isinstance(value, np.ndarray) and value.dtype.kind == "c"):
        re, im = (np.real(value), np.imag(value)) if isinstance(value, np.ndarray) else (value.real, value.imag)
        return _Law(_constant_spec(re)), _Law(_constant_spec(im))
    return _Law(_constant_spec(value)), None


def _constant_spec(value: Any) -> Spec:
    if isinstance(value, np.ndarray):
        return Constant(value.astype(np.float64))
    value = float(value)
    return Zeros() if value == 0.0 else Ones() if value == 1.0 else Constant(value)


_ZEROS, _ONES = _Law(Zeros()), _Law(Ones())


def _fill(real: _Law, imag: _Law | None, shape: tuple[int, ...], dtype: np.dtype) -> jax.Array:
    """The constant ``real`` (+ i ``imag``) in ``dtype``. JAX's zeros, ones and constant take any key and use none, and
    so do these: the caller's key is never read (nor split, for a complex dtype); the laws, which draw nothing, get
    a key of their own, as the ``FlaxInitializer`` they run through checks the key it is given."""
    key = jax.random.key(0)
    if _is_complex(dtype):
        return real.complex(key, shape, dtype, imag or _ZEROS)
    if imag is not None:
        raise TypeError(f"constant: a complex value cannot fill an array of dtype {dtype} (JAX: float() argument "
                        f"must be a real number, not 'complex'); use the value's real part, or a complex dtype")
    return real(key, shape, dtype)


def zeros(key: jax.Array, shape: Sequence[int], dtype: Any = None, out_sharding: Any = None) -> jax.Array:
    """An array of zeros in ``dtype`` (JAX's default float when None): ``jax.nn.initializers.zeros``, the ``Zeros``
    spec. The key is not used. Any dtype JAX has (complex, integer, bool included); same values as JAX's.

    Args:
        key: a ``jax.random`` key (not used; JAX's signature).
        shape: the array's shape: non-negative ints, or one int for a vector.
        dtype: any JAX dtype; None: JAX's default float (float32, float64 under ``jax_enable_x64``).
        out_sharding: the result's sharding (a ``NamedSharding``, or a ``PartitionSpec`` under ``jax.set_mesh``),
            or None.

    Returns:
        A ``jax.Array`` of zeros of ``shape`` and ``dtype``.

    Raises:
        TypeError: ``shape`` is not a sequence of integers.
        ValueError: a negative size.

    Examples:
        >>> import jax
        >>> import jax.numpy as jnp
        >>> from unifiedinit.backends.flax import initializers
        >>> x = initializers.zeros(jax.random.key(0), (2, 3))
        >>> x.dtype, x.tolist()
        (dtype('float32'), [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
        >>> initializers.zeros(jax.random.key(0), 2, jnp.int32).tolist()
        [0, 0]
    """
    shape, dtype = _shape(shape), _dtype(dtype)
    return _finish(_fill(_ZEROS, None, shape, dtype), out_sharding)


def ones(key: jax.Array, shape: Sequence[int], dtype: Any = None, out_sharding: Any = None) -> jax.Array:
    """An array of ones in ``dtype`` (JAX's default float when None): ``jax.nn.initializers.ones``, the ``Ones``
    spec. The key is not used. Any dtype JAX has (complex: 1 + 0j); same values as JAX's.

    Args:
        key: a ``jax.random`` key (not used; JAX's signature).
        shape: the array's shape: non-negative ints, or one int for a vector.
        dtype: any JAX dtype; None: JAX's default float (float32, float64 under ``jax_enable_x64``).
        out_sharding: the result's sharding (a ``NamedSharding``, or a ``PartitionSpec`` under ``jax.set_mesh``),
            or None.

    Returns:
        A ``jax.Array`` of ones of ``shape`` and ``dtype``.

    Raises:
        TypeError: ``shape`` is not a sequence of integers.
        ValueError: a negative size.

    Examples:
        >>> import jax
        >>> import jax.numpy as jnp
        >>> from unifiedinit.backends.flax import initializers
        >>> x = initializers.ones(jax.random.key(0), (2, 3))
        >>> x.dtype, x.tolist()
        (dtype('float32'), [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]])
        >>> initializers.ones(jax.random.key(0), (2,), jnp.complex64).tolist()
        [(1+0j), (1+0j)]
    """
    shape, dtype = _shape(shape), _dtype(dtype)
    return _finish(_fill(_ONES, None, shape, dtype), out_sharding)


def constant(value: Any, dtype: Any = None) -> Initializer:
    """An initializer that fills arrays with ``value``: ``jax.nn.initializers.constant``, the ``Constant`` spec.

    ``value`` is a number, or an array broadcast to the shape as ``jnp.full`` broadcasts it (``Constant`` with an
    array; ``ValueError`` when it does not broadcast). A complex value fills a complex dtype (a ``Constant`` for each
    part) and is refused on a real one (``TypeError``). Integer and bool dtypes take the value as JAX casts it (2.7 ->
    2, nonzero -> True). Differs from JAX (see DIFFERENCES): a value that is NaN, inf, a list, None or a string is
    refused when the initializer is built (JAX writes NaN/inf, or raises TypeError when called); a value the dtype
    cannot hold (1e300 on float32, 300 on int8) is a ``ValueError`` (JAX writes inf or wraps); a complex array on a
    real dtype is a ``TypeError`` (JAX keeps its real part).

    Args:
        value: a real or complex number, or a numeric array (NumPy or JAX) that broadcasts to the shapes filled.
        dtype: the initializer's default dtype; None: JAX's default float.

    Returns:
        JAX's initializer (``Initializer``): ``init(key, shape, dtype=dtype, out_sharding=None) -> jax.Array``,
        with ``init.spec`` and ``init.layout``.

    Raises:
        TypeError: ``value`` is a list, None, a string or not numeric (when built); when called, a complex value
            on a real dtype.
        ValueError: ``value`` holds NaN or inf (when built); when called, an array that does not broadcast to the
            shape, or a value the dtype cannot hold.

    Examples:
        >>> import jax
        >>> import jax.numpy as jnp
        >>> from unifiedinit.backends.flax import initializers
        >>> init = initializers.constant(0.5)
        >>> init.spec
        Constant(value=0.5)
        >>> init(jax.random.key(0), (2, 2)).tolist()
        [[0.5, 0.5], [0.5, 0.5]]
        >>> initializers.constant(2.7)(jax.random.key(0), (3,), jnp.int32).tolist()
        [2, 2, 2]
        >>> initializers.constant(jnp.array([1.0, 2.0]))(jax.random.key(0), (2, 2)).tolist()
        [[1.0, 2.0], [1.0, 2.0]]
    """
    value = _constant_value(value)
    traced = not (isinstance(value, (float, complex)) or _is_ndarray(value))
    real: Any
    real, imag = (None, None) if traced else _constant_laws(value)

    def init(key: jax.Array, shape: Sequence[int], dtype: Any = dtype, out_sharding: Any = None) -> jax.Array:
        shape, dtype = _shape(shape), _dtype(dtype)
        if traced:
            return _finish(jnp.full(shape, value, dtype=dtype), out_sharding)
        return _finish(_fill(real, imag, shape, dtype), out_sharding)

    return _initializer(init, f"Fills an array with {value!r} (jax.nn.initializers.constant).",
                        None if traced or imag is not None else real.spec)


# ------------------------------------------------------------------------------------------- elementwise

def uniform(scale: Any = 1e-2, dtype: Any = None) -> Initializer:
    """An initializer with values uniform in [0, ``scale``): ``jax.nn.initializers.uniform``, the ``Uniform(0,
    scale)`` spec (a negative scale: ``Uniform(scale, 0)``, the law of JAX's U[0, 1) x scale; zero: zeros).

    Real float dtypes only, as JAX (``ValueError`` for complex, integer and bool). An array ``scale`` multiplies
    U[0, 1) values as JAX's does. Differs from JAX (see DIFFERENCES): a NaN/inf or non-number scale is refused when
    built; half precision is drawn in float32 and rounded once.

    Args:
        scale: the width of the interval: a real number (default 0.01), or an array that multiplies U[0, 1) values.
        dtype: the initializer's default dtype; None: JAX's default float.

    Returns:
        JAX's initializer (``Initializer``): ``init(key, shape, dtype=dtype, out_sharding=None) -> jax.Array``,
        with ``init.spec`` and ``init.layout``.

    Raises:
        TypeError: ``scale`` is not a number or numeric array (when built).
        ValueError: ``scale`` is NaN or inf (when built); when called, a dtype that is not a real float.

    Examples:
        >>> import jax
        >>> from unifiedinit.backends.flax import initializers
        >>> init = initializers.uniform(0.5)
        >>> init.spec
        Uniform(low=0.0, high=0.5)
        >>> x = init(jax.random.key(0), (2, 3))
        >>> x.shape, x.dtype, bool(((x >= 0) & (x < 0.5)).all())
        ((2, 3), dtype('float32'), True)
    """
    s = _param("uniform", "scale", scale)
    spec = (Zeros() if s == 0 else Uniform(min(s, 0.0), max(s, 0.0))) if _is_number(s) else Uniform(0.0, 1.0)
    law, mult = _Law(spec), None if _is_number(s) else s

    def init(key: jax.Array, shape: Sequence[int], dtype: Any = dtype, out_sharding: Any = None) -> jax.Array:
        key = v.jax_key("uniform", key)  # its type, shape and dtype: a traced key too
        shape, dtype = _shape(shape), _dtype(dtype)
        _need_float(dtype, "uniform")
        return _finish(_times(law(key, shape, dtype), mult, dtype), out_sharding)

    return _initializer(init, f"Values uniform in [0, {scale!r}) (jax.nn.initializers.uniform).",
                        spec if mult is None else None)


def normal(stddev: Any = 1e-2, dtype: Any = None) -> Initializer:
    """An initializer with values N(0, ``stddev``^2): ``jax.nn.initializers.normal``, the ``Normal(0, |stddev|)``
    spec (stddev 0: zeros).

    On a complex dtype the values are JAX's complex normal: real and imaginary parts independent, each
    ``Normal(0, |stddev| / sqrt 2)`` (E|z|^2 = stddev^2). Integer and bool dtypes: ``ValueError``, as JAX. An array
    ``stddev`` multiplies N(0, 1) values as JAX's does. Differs from JAX (see DIFFERENCES): a NaN/inf or non-number
    stddev is refused when built; a std whose 40 std pass the dtype's largest value (float16: stddev > 1637) is a
    ``ValueError``; half precision is drawn in float32 and rounded once.

    Args:
        stddev: the standard deviation: a real number (default 0.01; its sign does not matter), or an array that
            multiplies N(0, 1) values.
        dtype: the initializer's default dtype; None: JAX's default float.

    Returns:
        JAX's initializer (``Initializer``): ``init(key, shape, dtype=dtype, out_sharding=None) -> jax.Array``,
        with ``init.spec`` and ``init.layout``.

    Raises:
        TypeError: ``stddev`` is not a number or numeric array (when built).
        ValueError: ``stddev`` is NaN or inf (when built); when called, an integer or bool dtype, or a std the
            dtype cannot hold.

    Examples:
        >>> import jax
        >>> import jax.numpy as jnp
        >>> from unifiedinit.backends.flax import initializers
        >>> init = initializers.normal(0.02)
        >>> init.spec
        Normal(mean=0.0, std=0.02)
        >>> x = init(jax.random.key(0), (2, 3))
        >>> x.shape, x.dtype
        ((2, 3), dtype('float32'))
        >>> init(jax.random.key(0), (2,), jnp.complex64).dtype
        dtype('complex64')
    """
    s = _param("normal", "stddev", stddev)
    if _is_number(s):
        spec = Zeros() if s == 0 else Normal(0.0, abs(s))
        half = Zeros() if s == 0 else Normal(0.0, abs(s) / math.sqrt(2.0))
        mult = None
    else:
        spec, half, mult = Normal(0.0, 1.0), Normal(0.0, math.sqrt(0.5)), s
    law, half_law = _Law(spec), _Law(half)

    def init(key: jax.Array, shape: Sequence[int], dtype: Any = dtype, out_sharding: Any = None) -> jax.Array:
        key = v.jax_key("normal", key)  # its type, shape and dtype: a traced key too
        shape, dtype = _shape(shape), _dtype(dtype)
        _need_inexact(dtype)
        x = half_law.complex(key, shape, dtype) if _is_complex(dtype) else law(key, shape, dtype)
        return _finish(_times(x, mult, dtype), out_sharding)

    return _initializer(init, f"Values N(0, {stddev!r}^2) (jax.nn.initializers.normal).",
                        spec if mult is None else None)


def truncated_normal(stddev: Any = 1e-2, dtype: Any = None, lower: Any = -2.0, upper: Any = 2.0) -> Initializer:
    """An initializer with values ``stddev`` x N(0, 1) cut to [``lower``, ``upper``]: ``jax.nn.initializers.
    truncated_normal``, the ``TruncatedNormal(0, |stddev|, lower * stddev, upper * stddev)`` spec (JAX's bounds are
    in units of stddev, the spec's are absolute; no std correction, as JAX; stddev 0: zeros).

    Real float dtypes only (``ValueError`` otherwise), as JAX. An array ``stddev`` multiplies the standard draw;
    array or infinite (one-sided) ``lower``/``upper`` are drawn directly with ``jax.random.truncated_normal``, as
    JAX's are. Differs from JAX (see DIFFERENCES): ``lower >= upper``, a window more than 37 std from 0, a NaN
    argument, an infinite stddev and non-number arguments are refused when built; half precision is drawn in float32
    and rounded once.

    Args:
        stddev: the scale of the standard draw: a real number (default 0.01), or an array that multiplies it.
        dtype: the initializer's default dtype; None: JAX's default float.
        lower: the lower cut in units of ``stddev`` (default -2.0): a real number, -inf, or an array.
        upper: the upper cut in units of ``stddev`` (default 2.0): a real number, inf, or an array.

    Returns:
        JAX's initializer (``Initializer``): ``init(key, shape, dtype=dtype, out_sharding=None) -> jax.Array``,
        with ``init.spec`` and ``init.layout``.

    Raises:
        TypeError: an argument that is not a number or numeric array (when built).
        ValueError: a NaN argument, an infinite ``stddev``, ``lower >= upper`` or a window with no probability
            (when built); when called, a dtype that is not a real float.

    Examples:
        >>> import jax
        >>> from unifiedinit.backends.flax import initializers
        >>> init = initializers.truncated_normal(0.5)
        >>> init.spec
        TruncatedNormal(mean=0.0, std=0.5, low=-1.0, high=1.0)
        >>> x = init(jax.random.key(0), (2, 3))
        >>> x.shape, x.dtype, bool((abs(x) <= 1.0).all())
        ((2, 3), dtype('float32'), True)
    """
    s = _param("truncated_normal", "stddev", stddev)
    lo = _param("truncated_normal", "lower", lower, infinite=True)
    hi = _param("truncated_normal", "upper", upper, infinite=True)
    spec: Spec | None = None
    mult = None
    if _is_number(lo) and _is_number(hi):
        if not lo < hi:
            raise ValueError(f"truncated_normal: parameters 'lower' and 'upper' must satisfy lower < upper, got "
                             f"lower={lo!r}, upper={hi!r}")
        if math.isfinite(lo) and math.isfinite(hi):
            TruncatedNormal(0.0, 1.0, lo, hi)  # refuses a window that holds no probability, by name
            if _is_number(s):
                spec = Zeros() if s == 0 else TruncatedNormal(0.0, abs(s), *sorted((s * lo, s * hi)))
            else:
                spec, mult = TruncatedNormal(0.0, 1.0, lo, hi), s
    law = _Law(spec) if spec is not None else None

    def init(key: jax.Array, shape: Sequence[int], dtype: Any = dtype, out_sharding: Any = None) -> jax.Array:
        key = v.jax_key("truncated_normal", key)  # its type, shape and dtype: a traced key too
        shape, dtype = _shape(shape), _dtype(dtype)
        _need_float(dtype, "truncated_normal")
        if law is None:  # an array-valued or one-sided window: drawn directly, as JAX draws it
            x = jax.random.truncated_normal(key, jnp.asarray(lower, dtype), jnp.asarray(upper, dtype), shape, dtype)
            return _finish(x * jnp.asarray(stddev, dtype), out_sharding)
        return _finish(_times(law(key, shape, dtype), mult, dtype), out_sharding)

    return _initializer(init, f"Values {stddev!r} x N(0, 1) cut to [{lower!r}, {upper!r}] "
                        f"(jax.nn.initializers.truncated_normal).", spec if mult is None else None)


# -------------------------------------------------------------------------------------- variance scaling

def variance_scaling(scale: Any, mode: str, distribution: str, in_axis: int | Sequence[int] = -2,
                     out_axis: int | Sequence[int] = -1, batch_axis: int | Sequence[int] = (),
                     dtype: Any = None) -> Initializer:
    """An initializer with variance ``scale`` / n, n the fan ``mode`` names: ``jax.nn.initializers.
    variance_scaling``, the ``VarianceScaling(scale, mode, distribution)`` spec with JAX's fans.

    mode: "fan_in", "fan_out", "fan_avg" or "fan_geo_avg"; distribution: "truncated_normal" (N(0, 1) cut at +-2 and
    divided by its std 0.8796..., so the sample std is sqrt(scale / n)), "normal" (untruncated) or "uniform"
    (U[-sqrt(3 var), sqrt(3 var)]). Fans are JAX's ``_compute_fans`` exactly (``hooks.jax_fans``): ``in_axis``,
    ``out_axis`` and ``batch_axis`` are ints or sequences, negative allowed; any rank once the axes are given (the
    default in_axis=-2 refuses a tensor under 2-D with JAX's ``ValueError``); an axis out of range is an
    ``IndexError``; overlapping axes divide as JAX divides (Flax's ``default_embed_init``); a zero-size tensor is a
    ``ZeroDivisionError`` (``hooks.FanError``, a ``ValueError`` too). scale 0 gives zeros.

    Complex dtypes as JAX defines them (see the module docstring): "normal" from two ``VarianceScaling(scale / 2,
    ...)`` parts, "uniform" a uniform disk and "truncated_normal" a modulus-truncated complex normal, drawn directly
    with the spec's std. Integer and bool dtypes: ``ValueError``, as JAX. Differs from JAX (see DIFFERENCES): a
    mode or distribution JAX does not know, an axis that is not an integer, and a scale that is negative (JAX
    writes NaN), NaN/inf or not a number are refused when the initializer is built; half precision is drawn in
    float32 and rounded once.

    Args:
        scale: the variance scale: a real number >= 0, or an array whose square root multiplies the values.
        mode: "fan_in", "fan_out", "fan_avg" or "fan_geo_avg".
        distribution: "truncated_normal", "normal" or "uniform".
        in_axis: the input axis, or a sequence of them (negative counts from the end); default -2.
        out_axis: the output axis or axes; default -1.
        batch_axis: axes of independent matrices, whose size divides the fans; default () (none).
        dtype: the initializer's default dtype; None: JAX's default float.

    Returns:
        JAX's initializer (``Initializer``): ``init(key, shape, dtype=dtype, out_sharding=None) -> jax.Array``,
        with ``init.spec`` and ``init.layout``.

    Raises:
        TypeError: ``scale`` is not a number or numeric array, or an axis is not an integer (when built).
        ValueError: an unknown ``mode`` or ``distribution``, a negative, NaN or inf ``scale`` (when built); when
            called, a shape under 2-D with the default ``in_axis``, or an integer or bool dtype.
        IndexError: when called, an axis out of range.
        ZeroDivisionError: when called, a zero-size tensor (``hooks.FanError``, a ``ValueError`` too).

    Examples:
        >>> import jax
        >>> from unifiedinit.backends.flax import initializers
        >>> init = initializers.variance_scaling(2.0, "fan_in", "uniform")
        >>> init.spec
        VarianceScaling(scale=2.0, mode='fan_in', distribution='uniform')
        >>> init.layout.name
        'flax(in_axis=-2, out_axis=-1, batch_axis=())'
        >>> x = init(jax.random.key(0), (6, 4))  # fan_in 6: U(-sqrt(3 * 2 / 6), +...) = U(-1, 1)
        >>> x.shape, x.dtype, bool((abs(x) <= 1.0).all())
        ((6, 4), dtype('float32'), True)
        >>> embed_init = initializers.variance_scaling(1.0, "fan_in", "normal", out_axis=0)  # Flax's Embed default
        >>> embed_init(jax.random.key(0), (10, 4)).shape
        (10, 4)
    """
    if mode not in MODES:
        raise ValueError(f"invalid mode for variance scaling initializer: {mode}")
    if distribution not in DISTRIBUTIONS:
        raise ValueError(f"invalid distribution for variance scaling initializer: {distribution}")
    s = _param("variance_scaling", "scale", scale)
    if _is_number(s) and s < 0:
        raise ValueError(f"variance_scaling: parameter 'scale' must be >= 0 (a variance), got {s!r}")
    if not _is_number(s) and _is_ndarray(s) and np.any(s < 0):
        raise ValueError(f"variance_scaling: parameter 'scale' must be >= 0 (a variance), got {scale!r}")
    layout = jax_axes(in_axis, out_axis, batch_axis)
    zero = _is_number(s) and s == 0
    unit = float(s) if _is_number(s) and s > 0 else 1.0
    spec = VarianceScaling(unit, mode, distribution)
    law, zeros_law = _Law(spec, layout), _Law(Zeros())
    normal_parts = _Law(VarianceScaling(unit / 2.0, mode, "normal"), layout)
    std_of = VarianceScaling(unit, mode, "normal")
    mult = None if _is_number(s) else s
    disk_radius2, trunc_t = _Law(Uniform(0.0, 2.0)), _Law(Uniform(0.0, -math.expm1(-4.0)))
    phase = _Law(Uniform(0.0, 2.0 * math.pi))

    def init(key: jax.Array, shape: Sequence[int], dtype: Any = dtype, out_sharding: Any = None) -> jax.Array:
        key = v.jax_key("variance_scaling", key)  # its type, shape and dtype: a traced key too
        shape, dtype = _shape(shape), _dtype(dtype)
        info = TensorInfo.make(shape, layout)
        std = std_of.lower(info).std  # type: ignore[attr-defined]  # a Normal's draw; JAX's fans (and their errors) come first, as in JAX
        if distribution == "normal":
            _need_inexact(dtype)
        elif not _is_complex(dtype):
            _need_float(dtype, "uniform")  # JAX's complex branch draws uniforms: its error for integers and bools
        if zero:
            x = zeros_law.complex(key, shape, dtype) if _is_complex(dtype) else zeros_law(key, shape, dtype)
        elif not _is_complex(dtype):
            x = law(key, shape, dtype)
        elif distribution == "normal":
            x = normal_parts.complex(key, shape, dtype)
        else:
            real = _real_dtype(dtype)
            k_r, k_theta = jax.random.split(key)
            if distribution == "uniform":  # JAX's _complex_uniform: the disk of radius sqrt(2), E|z|^2 = 1
                r = jnp.sqrt(disk_radius2(k_r, shape, real))
            else:  # JAX's _complex_truncated_normal: |z|^2 ~ Exp(1) cut at 4, then the std correction
                r = jnp.sqrt(-jnp.log1p(-trunc_t(k_r, shape, real))) / COMPLEX_TRUNC_STD_2
            theta = phase(k_theta, shape, real)
            x = jax.lax.complex(r * jnp.cos(theta), r * jnp.sin(theta)).astype(dtype) * jnp.asarray(std, dtype)
        if mult is not None:
            x = x * jnp.sqrt(jnp.asarray(mult, dtype))
        return _finish(x, out_sharding)

    return _initializer(init, f"Variance {scale!r} / {mode}, {distribution} "
                        f"(jax.nn.initializers.variance_scaling).", Zeros() if zero else spec if mult is None else None,
                        layout)


_AXES_DOC = """

    ``in_axis``, ``out_axis`` and ``batch_axis`` name the axes as in ``variance_scaling`` (JAX's fans, any rank once
    given); ``dtype`` is the initializer's default dtype. Complex dtypes as JAX's (see ``variance_scaling``).
    Differences from JAX: those of ``variance_scaling`` (see DIFFERENCES).

    Args:
        in_axis: the input axis, or a sequence of them (negative counts from the end); default -2.
        out_axis: the output axis or axes; default -1.
        batch_axis: axes of independent matrices, whose size divides the fans; default () (none).
        dtype: the initializer's default dtype; None: JAX's default float.

    Returns:
        JAX's initializer (``Initializer``): ``init(key, shape, dtype=dtype, out_sharding=None) -> jax.Array``,
        with ``init.spec`` and ``init.layout``.

    Raises:
        TypeError: an axis is not an integer (when built).
        ValueError: when called, a shape under 2-D with the default ``in_axis``, or an integer or bool dtype.
        IndexError: when called, an axis out of range.
        ZeroDivisionError: when called, a zero-size tensor (``hooks.FanError``, a ``ValueError`` too).

    Examples:
        >>> import jax
        >>> from unifiedinit.backends.flax import initializers
        >>> init = initializers.{name}()
        >>> init.spec
        VarianceScaling(scale={scale}, mode='{mode}', distribution='{dist}')
        >>> x = init(jax.random.key(0), {shape})  # {note}
        >>> x.shape, x.dtype{check}
        ({shape}, dtype('float32'){checked})
    """


def _axes_doc(name: str, scale: float, mode: str, dist: str, shape: tuple[int, ...], note: str) -> str:
    """``_AXES_DOC`` with the example of ``name``: its spec, and for a uniform law its bound (1.0 for ``shape``)."""
    uniform = dist == "uniform"
    check, checked = (", bool((abs(x) <= 1.0).all())", ", True") if uniform else ("", "")
    return _AXES_DOC.format(name=name, scale=scale, mode=mode, dist=dist, shape=shape, note=note, check=check,
                            checked=checked)


def glorot_uniform(in_axis: int | Sequence[int] = -2, out_axis: int | Sequence[int] = -1,
                   batch_axis: int | Sequence[int] = (), dtype: Any = None) -> Initializer:
    return variance_scaling(1.0, "fan_avg", "uniform", in_axis=in_axis, out_axis=out_axis, batch_axis=batch_axis,
                            dtype=dtype)


def glorot_normal(in_axis: int | Sequence[int] = -2, out_axis: int | Sequence[int] = -1,
                  batch_axis: int | Sequence[int] = (), dtype: Any = None) -> Initializer:
    return variance_scaling(1.0, "fan_avg", "truncated_normal", in_axis=in_axis, out_axis=out_axis,
                            batch_axis=batch_axis, dtype=dtype)


def lecun_uniform(in_axis: int | Sequence[int] = -2, out_axis: int | Sequence[int] = -1,
                  batch_axis: int | Sequence[int] = (), dtype: Any = None) -> Initializer:
    return variance_scaling(1.0, "fan_in", "uniform", in_axis=in_axis, out_axis=out_axis, batch_axis=batch_axis,
                            dtype=dtype)


def lecun_normal(in_axis: int | Sequence[int] = -2, out_axis: int | Sequence[int] = -1,
                 batch_axis: int | Sequence[int] = (), dtype: Any = None) -> Initializer:
    return variance_scaling(1.0, "fan_in", "truncated_normal", in_axis=in_axis, out_axis=out_axis,
                            batch_axis=batch_axis, dtype=dtype)


def he_uniform(in_axis: int | Sequence[int] = -2, out_axis: int | Sequence[int] = -1,
               batch_axis: int | Sequence[int] = (), dtype: Any = None) -> Initializer:
    return variance_scaling(2.0, "fan_in", "uniform", in_axis=in_axis, out_axis=out_axis, batch_axis=batch_axis,
                            dtype=dtype)


def he_normal(in_axis: int | Sequence[int] = -2, out_axis: int | Sequence[int] = -1,
              batch_axis: int | Sequence[int] = (), dtype: Any = None) -> Initializer:
    return variance_scaling(2.0, "fan_in", "truncated_normal", in_axis=in_axis, out_axis=out_axis,
                            batch_axis=batch_axis, dtype=dtype)


glorot_uniform.__doc__ = ("Glorot (Xavier) uniform: ``variance_scaling(1.0, \"fan_avg\", \"uniform\")``, the "
                          "``XavierUniform()`` law, U[-sqrt(6 / (fan_in + fan_out)), +...]."
                          + _axes_doc("glorot_uniform", 1.0, "fan_avg", "uniform", (3, 3), "fan_avg 3: U(-1, 1)"))
glorot_normal.__doc__ = ("Glorot (Xavier) normal as JAX means it: ``variance_scaling(1.0, \"fan_avg\", "
                         "\"truncated_normal\")``, truncated at 2 sigma with the std corrected (not torch's untruncated "
                         "``XavierNormal``)."
                         + _axes_doc("glorot_normal", 1.0, "fan_avg", "truncated_normal", (3, 3), "std sqrt(1 / 3)"))
lecun_uniform.__doc__ = ("LeCun uniform: ``variance_scaling(1.0, \"fan_in\", \"uniform\")``, the ``LecunUniform()`` "
                         "law." + _axes_doc("lecun_uniform", 1.0, "fan_in", "uniform", (3, 2), "fan_in 3: U(-1, 1)"))
lecun_normal.__doc__ = ("LeCun normal: ``variance_scaling(1.0, \"fan_in\", \"truncated_normal\")``, the "
                        "``LecunNormal()`` law (Flax's default kernel initializer)."
                        + _axes_doc("lecun_normal", 1.0, "fan_in", "truncated_normal", (4, 3), "std sqrt(1 / 4)"))
he_uniform.__doc__ = ("He (Kaiming) uniform: ``variance_scaling(2.0, \"fan_in\", \"uniform\")``, the "
                      "``KaimingUniform()`` law (relu gain)."
                      + _axes_doc("he_uniform", 2.0, "fan_in", "uniform", (6, 4), "fan_in 6: U(-1, 1)"))
he_normal.__doc__ = ("He (Kaiming) normal as JAX means it: ``variance_scaling(2.0, \"fan_in\", \"truncated_normal\")``"
                     ", truncated at 2 sigma with the std corrected (not torch's untruncated ``KaimingNormal``)."
                     + _axes_doc("he_normal", 2.0, "fan_in", "truncated_normal", (8, 3), "std sqrt(2 / 8)"))

xavier_uniform = glorot_uniform
xavier_normal = glorot_normal
kaiming_uniform = he_uniform
kaiming_normal = he_normal


# ------------------------------------------------------------------------------------------ orthogonal

def _gain(owner: str, scale: Any) -> tuple[float, bool, Any]:
    """(the spec's gain, whether the values are zeros, an array multiplier or None) of an orthogonal ``scale``: -Q
    has the law of Q, so a negative scale is its absolute value."""
    s = _param(owner, "scale", scale)
    if _is_number(s):
        return (abs(s) if s != 0 else 1.0), s == 0, None
    return 1.0, False, s


def _structured(law: _Law, key: jax.Array, shape: tuple[int, ...], dtype: np.dtype) -> jax.Array:
    """A structured spec's draw in a real dtype (QR in float32 for half precision) or a complex one (unitary)."""
    if _is_complex(dtype):
        draw = law.lower(shape)
        v.representable(draw, np.dtype(dtype).name, "dtype")
        return sample_draw(key, draw, shape, dtype)
    return law(key, shape, dtype)


def orthogonal(scale: Any = 1.0, column_axis: int = -1, dtype: Any = None) -> Initializer:
    """An initializer with (semi-)orthogonal matrices: ``jax.nn.initializers.orthogonal``, the ``Orthogonal(scale)``
    spec with ``column_axis`` as its output axis.

    The tensor is read as a matrix with ``shape[column_axis]`` columns against every other axis flattened, and is
    ``scale`` x a Haar-random matrix with orthonormal rows or columns, whichever are fewer (the law of JAX's; a
    negative scale has the law of its absolute value, zero gives zeros). Complex dtypes: Haar-random (semi-)unitary.
    As JAX: a shape under 2-D is a ``ValueError``, a zero-size shape gives zeros, a ``column_axis`` out of range an
    ``IndexError``, integer and bool dtypes a ``ValueError``, ``out_sharding`` a ``NotImplementedError``. Differs from
    JAX (see DIFFERENCES): float16, bfloat16 and float8 work (QR in float32, rounded once; JAX has no QR there); a
    NaN/inf or non-number scale is refused when built.

    Args:
        scale: the gain: a real number (default 1.0), or an array that multiplies the matrix.
        column_axis: the axis of the columns (default -1, the output axis of Flax's layout).
        dtype: the initializer's default dtype; None: JAX's default float.

    Returns:
        JAX's initializer (``Initializer``): ``init(key, shape, dtype=dtype, out_sharding=None) -> jax.Array``,
        with ``init.spec`` and ``init.layout``.

    Raises:
        TypeError: ``scale`` is not a number or numeric array (when built).
        ValueError: ``scale`` is NaN or inf (when built); when called, a shape under 2-D, or an integer or bool
            dtype.
        IndexError: when called, a ``column_axis`` out of range.
        NotImplementedError: when called with an ``out_sharding``.

    Examples:
        >>> import jax
        >>> import jax.numpy as jnp
        >>> from unifiedinit.backends.flax import initializers
        >>> init = initializers.orthogonal()
        >>> init.spec
        Orthogonal(gain=1.0)
        >>> q = init(jax.random.key(0), (4, 3))  # 3 orthonormal columns
        >>> q.shape, q.dtype, bool(jnp.allclose(q.T @ q, jnp.eye(3), atol=1e-5))
        ((4, 3), dtype('float32'), True)
    """
    gain, zero, mult = _gain("orthogonal", scale)
    spec = Orthogonal(gain)
    layouts: dict[int, _Law] = {}

    def init(key: jax.Array, shape: Sequence[int], dtype: Any = dtype, out_sharding: Any = None) -> jax.Array:
        key = v.jax_key("orthogonal", key)  # its type, shape and dtype: a traced key too
        if out_sharding is not None:
            raise NotImplementedError("orthogonal: out_sharding is not supported (as in jax.nn.initializers)")
        shape, dtype = _shape(shape), _dtype(dtype)
        if len(shape) < 2:
            raise ValueError("orthogonal initializer requires at least a 2D shape")
        if math.prod(shape) == 0:
            return jnp.zeros(shape, dtype)
        shape[column_axis]  # noqa: B018 - JAX's IndexError (or TypeError) for an axis that is not there
        _need_inexact(dtype)
        axis = column_axis % len(shape)
        if axis not in layouts:
            layouts[axis] = _Law(spec, Layout(f"jax_orthogonal(column_axis={axis})", (axis,), (), min_ndim=2))
        if zero:
            return jnp.zeros(shape, dtype)
        return _times(_structured(layouts[axis], key, shape, dtype), mult, dtype)

    return _initializer(init, f"{scale!r} x a Haar-random (semi-)orthogonal matrix, columns on axis "
                        f"{column_axis} (jax.nn.initializers.orthogonal).", None if mult is not None or zero else spec)


def delta_orthogonal(scale: Any = 1.0, column_axis: int = -1, dtype: Any = None) -> Initializer:
    """An initializer for delta-orthogonal convolution kernels (Xiao et al. 2018): ``jax.nn.initializers.
    delta_orthogonal``, the ``DeltaOrthogonal(scale)`` spec in Flax's layout (..., in, out).

    A 3-, 4- or 5-D kernel, zero except at the centre ((k - 1) // 2) of its spatial axes, where it is ``scale`` x a
    Haar-random (in, out) matrix with orthonormal rows (the law of JAX's, whatever ``column_axis`` says; complex
    dtypes: unitary). As JAX: another rank, or in > out, is a ``ValueError``; a ``column_axis`` outside the last two
    axes an ``IndexError``; a zero-size spatial axis an ``IndexError`` and zero channels an empty array; integer and
    bool dtypes a ``ValueError``; ``out_sharding`` a ``NotImplementedError``. Differs from JAX (see DIFFERENCES):
    float16, bfloat16 and float8 work (QR in float32, rounded once); a NaN/inf or non-number scale is refused when
    built.

    Args:
        scale: the gain: a real number (default 1.0), or an array that multiplies the centre matrix.
        column_axis: JAX's argument, checked as JAX checks it (one of the last two axes); the law does not
            depend on it.
        dtype: the initializer's default dtype; None: JAX's default float.

    Returns:
        JAX's initializer (``Initializer``): ``init(key, shape, dtype=dtype, out_sharding=None) -> jax.Array``,
        with ``init.spec`` and ``init.layout``.

    Raises:
        TypeError: ``scale`` is not a number or numeric array (when built).
        ValueError: ``scale`` is NaN or inf (when built); when called, a rank other than 3, 4 or 5, in > out, or
            an integer or bool dtype.
        IndexError: when called, a ``column_axis`` outside the last two axes, or a zero-size spatial axis.
        NotImplementedError: when called with an ``out_sharding``.

    Examples:
        >>> import jax
        >>> import jax.numpy as jnp
        >>> from unifiedinit.backends.flax import initializers
        >>> init = initializers.delta_orthogonal()
        >>> init.spec
        DeltaOrthogonal(gain=1.0)
        >>> w = init(jax.random.key(0), (3, 3, 2, 2))  # a 3x3 kernel, 2 -> 2 channels
        >>> centre = w[1, 1]
        >>> bool(jnp.allclose(centre @ centre.T, jnp.eye(2), atol=1e-5)), float(abs(w).sum() - abs(centre).sum())
        (True, 0.0)
    """
    gain, zero, mult = _gain("delta_orthogonal", scale)
    law = _Law(DeltaOrthogonal(gain), "flax")

    def init(key: jax.Array, shape: Sequence[int], dtype: Any = dtype, out_sharding: Any = None) -> jax.Array:
        key = v.jax_key("delta_orthogonal", key)  # its type, shape and dtype: a traced key too
        if out_sharding is not None:
            raise NotImplementedError("delta_orthogonal: out_sharding is not supported (as in jax.nn.initializers)")
        shape, dtype = _shape(shape), _dtype(dtype)
        if len(shape) not in (3, 4, 5):
            raise ValueError("Delta orthogonal initializer requires a 3D, 4D or 5D shape.")
        if shape[-1] < shape[-2]:
            raise ValueError("`fan_in` must be less or equal than `fan_out`. ")
        matrix = shape[-2:]
        if 0 not in matrix:
            matrix[column_axis]  # noqa: B018 - JAX's IndexError for an axis outside the matrix
            _need_inexact(dtype)
        if 0 in shape[:-2]:
            raise IndexError(f"delta_orthogonal: the kernel of shape {shape} has a spatial axis of size 0, so it has no "
                             f"centre (JAX: index is out of bounds for axis 0 with size 0)")
        if 0 in matrix or zero:
            return jnp.zeros(shape, dtype)
        x = _structured(law, key, shape, dtype)
        if mult is not None:
            centre = tuple((k - 1) // 2 for k in shape[:-2])
            x = x.at[centre].set(x[centre] * jnp.asarray(mult, dtype))
        return x

    return _initializer(init, f"A delta-orthogonal kernel, {scale!r} x a Haar-random matrix at the "
                        f"centre (jax.nn.initializers.delta_orthogonal).", None if mult is not None or zero else
                        law.spec)
