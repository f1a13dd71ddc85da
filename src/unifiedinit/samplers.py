"""Every distribution, written once, against a small array interface (``Ops``).

A backend supplies an ``Ops``: a dozen array operations in its own framework drawing from its own RNG
(``unifiedinit.backends.protocol.Ops`` says which). ``draw(ops, d, shape, dtype)`` builds every primitive of
``unifiedinit.draws`` from them:

- uniform, normal and constant draws, kept in their window as the final dtype holds it;
- truncated normals by the inverse CDF on their window (one pass, no host sync; a backend may offer an exact or
  faster op, as the NumPy reference does with Robert's rejection); a window 3 std or more out on one side is
  inverted in log space (``log_ndtr`` and Newton's method), so that its uniforms keep their full precision;
- mixtures by one uniform that picks a component per entry (``where``), affine maps;
- orthogonal matrices (QR of a Gaussian matrix with the signs of diag(R)), sparse columns (the rank of a uniform
  within its column is a random permutation of the rows);
- eye, dirac and arrays: determined, built once here with NumPy in float64 and rounded once to the final dtype
  (constants too: their value is rounded on the host, never through the work dtype);
- stacked layers: a structured draw per layer.

A backend that writes in place (torch) passes ``out``: elementwise primitives are drawn straight into it.
Nothing here imports a framework; JAX's Ops keeps its key in Python state, so a traced computation stays pure.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, Callable

from . import _validate as v
from . import draws as D
from .reference import dtype_name, support_in

__all__ = ["Ops", "NumpyLikeOps", "draw", "determined", "phi", "log_phi", "held", "narrow", "TAIL", "NARROW"]

#: a truncated normal whose window lies this many standard deviations or more from the mean on one side is drawn in
#: log space (``Ops.truncated_normal``): there the inverse CDF's uniforms on [2 Phi(a) - 1, 2 Phi(b) - 1] would sit
#: next to +-1, where a float holds only a handful of numbers
TAIL = 3.0

#: a truncated normal whose standard window [a, b] has (b - a) * max(|a|, |b|, 1) at or below this is drawn as the
#: uniform on [low, high] (``narrow``): N(0, 1)'s density varies across such a window by a relative 1e-8 or less,
#: while a float64 CDF (whose ends round by 1e-16) resolves the window only to about 1e-16 / (b - a), which this
#: threshold balances; far narrower windows collapse onto one end by the CDF
NARROW = 1e-8

#: log(sqrt(2 pi)): log phi(z) = -z**2 / 2 - HALF_LOG_2PI for the standard normal density phi
HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def phi(x: float) -> float:
    """The standard normal CDF, Phi(x) = P(Z <= x) for Z ~ N(0, 1), by ``math.erfc`` (accurate in both tails).

    Args:
        x: a real number (infinities give 0 and 1).

    Returns:
        A float in [0, 1].

    Raises:
        TypeError: ``x`` is not a real number.

    Examples:
        >>> from unifiedinit.samplers import phi
        >>> phi(0.0)
        0.5
        >>> round(phi(1.959964), 6), phi(float("-inf"))
        (0.975, 0.0)
    """
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


#: the spacing of each work dtype's numbers next to 1 (its machine epsilon): the inverse CDF's uniforms on (-1, 1)
#: come no closer to -1 or 1 than half of it without reaching them
_EPSILON = {"float16": 2.0 ** -10, "bfloat16": 2.0 ** -7, "float32": 2.0 ** -23, "float64": 2.0 ** -52}


def erfinv_reach(dt: Any) -> float:
    """How far, in std, the inverse CDF reaches from a uniform of the work dtype ``dt`` other than -1 and 1: z with
    Phi(-z) = eps / 4, the quantile of the uniform next to -1 (-1 + eps / 2). A uniform on a window's CDF interval
    that rounds to [-1, 1] (a window past this reach, such as torch's trunc_normal_'s +-2 at std 0.02, +-100 std)
    comes out exactly -1 or 1 about once in 2**23 float32 draws, and erfinv of it is infinite: ``reached`` keeps
    such a draw at the reach instead of at the window's end, where the law has no mass (a -100 std value in a
    weight moved its std by 7%).

    Args:
        dt: the work dtype, in any framework's form (unknown ones read as float32).

    Returns:
        The reach, a float (5.42 for float32, 8.29 for float64).

    Examples:
        >>> from unifiedinit.samplers import erfinv_reach, phi
        >>> round(erfinv_reach("float32"), 2), round(erfinv_reach("float64"), 2)
        (5.42, 8.29)
        >>> abs(phi(-erfinv_reach("float32")) / 2.0 ** -25 - 1) < 1e-12
        True
    """
    target = _EPSILON.get(dtype_name(dt), _EPSILON["float32"]) / 4.0
    low, high = 0.0, 40.0
    while True:  # bisection on Phi(-z), decreasing in z, to the last bit
        middle = 0.5 * (low + high)
        if middle in (low, high):
            return low if phi(-low) == target else high
        low, high = (middle, high) if phi(-middle) > target else (low, middle)


def reached(d: D.TruncatedNormal, dt: Any, support: tuple[float, float]) -> tuple[float, float]:
    """``support`` (the window as the final dtype holds it) narrowed to the inverse CDF's reach in ``dt``
    (``erfinv_reach``) on each side the window extends 1% or more past it: the clip that follows the inverse CDF
    then keeps an infinite quantile (a uniform of exactly -1 or 1) at the reach. A side within 1.01 times the reach
    keeps its end (the reach's value rounded to the final dtype could fall past an end that close to it)."""
    reach = erfinv_reach(dt) * d.std
    low = d.mean - reach if d.mean - 1.01 * reach > support[0] else support[0]
    high = d.mean + reach if d.mean + 1.01 * reach < support[1] else support[1]
    return low, high


def log_phi(x: float) -> float:
    """log Phi(x), the log of the standard normal CDF, accurate in the lower tail where Phi(x) itself underflows.

    By ``math.erfc`` above -20, and below by Laplace's continued fraction of the Mills ratio (60 terms: relative
    error below 1e-16 there).

    Args:
        x: a real number (-inf gives -inf).

    Returns:
        A float <= 0.

    Raises:
        TypeError: ``x`` is not a real number.

    Examples:
        >>> import math
        >>> from unifiedinit.samplers import log_phi
        >>> log_phi(0.0) == math.log(0.5)
        True
        >>> round(log_phi(-40.0), 6)  # Phi(-40) = 3.7e-350 underflows a float
        -804.608442
    """
    if x > -20.0:
        return math.log(phi(x))
    w = -x
    t = w
    for k in range(60, 0, -1):
        t = w + k / t
    return -math.log(t) - 0.5 * w * w - HALF_LOG_2PI


def _host_dtype(dtype: Any) -> Any:
    """The NumPy dtype of a floating ``dtype`` given in a backend's own form (``torch.float16``, ``jnp.bfloat16``,
    "float8_e4m3fn"...): NumPy's float16/32/64, ml_dtypes' bfloat16 and small floats; None for any other dtype
    (integers, bool), or a small float without ml_dtypes installed."""
    import numpy as np
    name = dtype_name(dtype)
    if name in ("float16", "float32", "float64"):
        return np.dtype(name)
    if name == "bfloat16" or name.startswith(("float8_", "float6_", "float4_")):
        try:
            import ml_dtypes
        except ImportError:  # pragma: no cover - ml_dtypes comes with JAX
            return None
        found = getattr(ml_dtypes, name, None)
        return None if found is None else np.dtype(found)
    return None


def held(value: float, dtype: Any) -> float:
    """``value`` rounded once to the floating ``dtype`` (to nearest, as NumPy and ml_dtypes round a float64 to it),
    as a Python float; unchanged for a dtype that is not floating (integers, bool).

    A constant written through a float32 work dtype is rounded twice (1 + 2**-11 + 2**-30 is 1.0 in float16 that
    way, 1.0009765625 rounded once): the samplers write ``held(value, final)`` instead, which the work dtype holds
    exactly. Under ``torch.compile`` the call is a constant (its arguments are).

    Args:
        value: a real number.
        dtype: a dtype in any backend's form (``torch.float16``, ``jnp.bfloat16``, ``"float16"``...).

    Returns:
        A float that ``dtype`` holds exactly.

    Raises:
        TypeError: ``value`` is not a real number.

    Examples:
        >>> from unifiedinit.samplers import held
        >>> held(1 + 2**-11 + 2**-30, "float16")
        1.0009765625
        >>> held(0.1, "float32"), held(2.5, "int32")
        (0.10000000149011612, 2.5)
    """
    import numpy as np
    host = _host_dtype(dtype)
    if host is None:
        return value
    return float(np.asarray(value, dtype=np.float64).astype(host).astype(np.float64))


setattr(held, "_dynamo_marked_constant", True)  # torch.compile calls it while tracing (as assume_constant_result)


def _rounded_once(a: Any, dtype: Any) -> Any:
    """A float64 NumPy array rounded once to the floating ``dtype`` on the host, back as float64 (which holds it
    exactly); unchanged for a dtype that is not floating."""
    import numpy as np
    host = _host_dtype(dtype)
    a = np.asarray(a, dtype=np.float64)
    return a if host is None else a.astype(host).astype(np.float64)


class Ops:
    """Defaults of the operations a backend may leave out (``unifiedinit.backends.protocol.Ops`` lists them all).

    A backend's ops class derives from this (or from ``NumpyLikeOps``) and defines the rest: ``uniform``,
    ``normal``, ``full``, ``where``, ``qr``, ``cast``... ``dt`` is the backend's own dtype object or name; ``out``,
    when a backend takes it, is an array to write into (torch). ``truncated_normal`` here is the inverse CDF on
    the window (one pass, no host sync), built on the backend's ``uniform``, ``erfinv`` and ``clip``. The class
    takes no arguments; ``bounded_uniform`` is True for a backend whose ``uniform`` never leaves [low, high] in its
    dtype (torch's ``uniform_``).

    Examples:
        >>> from unifiedinit.samplers import Ops
        >>> Ops().affine(3.0, 2.0, 1.0)  # scale * x + shift
        7.0
        >>> Ops().broadcast_mul(2.0, 4.0), Ops.bounded_uniform
        (8.0, False)
    """

    #: True when ``uniform(low, high)`` never returns a value outside [low, high] in its dtype, so that drawing
    #: within the window's ends as the dtype holds them needs no clip (torch's ``uniform_``)
    bounded_uniform = False

    # every backend defines these (the protocol); declared here for the defaults below that use them
    uniform: Any
    clip: Any
    erfinv: Any
    from_numpy: Any

    def truncated_normal(self, shape: tuple[int, ...], d: D.TruncatedNormal, dt: Any,
                         support: tuple[float, float], out: Any = None) -> Any:
        """N(mean, std) cut to [low, high] by the inverse CDF, exact for any window, kept in ``support``: uniforms
        on [2 Phi(a) - 1, 2 Phi(b) - 1] through erfinv (a uniform of exactly -1 or 1 kept at the dtype's reach,
        ``reached``), or for a window ``TAIL`` std or more out on one side the lower tail's inverse in log space
        (``_tail_normal``)."""
        a, b = (d.low - d.mean) / d.std, (d.high - d.mean) / d.std
        if in_tail(a, b):
            z, sign = _tail_normal(self, shape, a, b, dt)
            return self.clip(self.affine(z, sign * d.std, d.mean), *support)
        lo, hi = phi(a), phi(b)
        u = self.uniform(shape, 2.0 * lo - 1.0, 2.0 * hi - 1.0, dt, out)
        return self.clip(self.affine(self.erfinv(u), d.std * math.sqrt(2.0), d.mean), *reached(d, dt, support))

    def log_ndtr(self, x: Any) -> Any:
        """log Phi(x), elementwise, for x <= -``TAIL`` (all the samplers ask for): here from the backend's ``log``
        and arithmetic, by Laplace's continued fraction of the Mills ratio Phi(x) / phi(x) (40 terms: a relative
        error below 1e-14 for x <= -3). A backend with its own ``log_ndtr`` (torch, JAX) uses that."""
        w = -x
        t = w
        for k in range(40, 0, -1):
            t = w + k / t
        return -self.log(t) - w * w * 0.5 - HALF_LOG_2PI

    def arange(self, n: int) -> Any:
        """The integers 0, 1, ..., n - 1 where the ops put their arrays (here made on the host and copied: a
        backend with its own ``arange`` makes it on the device)."""
        import numpy as np
        return self.from_numpy(np.arange(n, dtype=np.int32), "int32")

    def from_exact(self, a: Any, dt: Any, final: Any) -> Any:
        """The float64 NumPy array ``a`` (determined values) rounded once to the final dtype ``final`` (on the
        host), as an array of the work dtype ``dt``, which holds every value of ``final`` exactly."""
        return self.from_numpy(a if dt == final else _rounded_once(a, final), dt)

    def affine(self, x: Any, scale: float, shift: float) -> Any:
        """scale * x + shift (a backend that writes in place may reuse ``x``)."""
        x = x if scale == 1.0 else x * scale  # no full-size pass that changes nothing
        return x if shift == 0.0 else x + shift

    def uniform_by_unit(self, shape: tuple[int, ...], low: float, high: float, dt: Any, out: Any = None) -> Any:
        """U[low, high) as low + (high - low) u: u from the backend's own ``uniform(shape, 0.0, 1.0, dt, out)``,
        moved by ``affine`` in the array's precision (two roundings, as the NumPy reference). For a backend whose
        uniform reads its bounds as float32 (tensorflow's float64 draw under Keras, MXNet's operators), which moved
        a float64 window (U(1e6, 1e6 + 1e-3) came out 1e6 everywhere) or refused one past float32's range. Its
        ``uniform`` must draw U[0, 1) itself, not come back here; the samplers clip the values to the window as the
        dtype holds it."""
        return self.affine_fresh(self.uniform(shape, 0.0, 1.0, dt, out), float(high) - float(low), float(low))

    def affine_fresh(self, x: Any, scale: float, shift: float) -> Any:
        """``affine`` of an array the backend has just drawn (or drawn into ``out``), which nothing else holds: a
        backend may write it in place (MXNet), no new array and no copy; here ``affine``."""
        return self.affine(x, scale, shift)

    def assign(self, out: Any, x: Any) -> Any:
        """Write ``x`` into ``out`` (backends with immutable arrays never get an ``out``)."""
        raise NotImplementedError

    def layers(self, out: Any, axes: tuple[int, ...]) -> list[Any]:
        """Views of ``out``, one per index along ``axes`` (backends with immutable arrays never get an ``out``)."""
        raise NotImplementedError

    def broadcast_mul(self, a: Any, b: Any) -> Any:
        """a * b with NumPy's broadcasting."""
        return a * b

    def fence(self, x: Any) -> Any:
        """``x``: a product that a sum follows goes through it, so that a stream that must give the same bits
        everywhere can stop a compiler fusing the two (``unifiedinit.counter.CounterOps``); nothing here."""
        return x

    def exp(self, x: Any) -> Any:
        """e**x, elementwise."""
        raise NotImplementedError

    def expm1(self, x: Any) -> Any:
        """e**x - 1, elementwise, without cancellation near 0."""
        raise NotImplementedError

    def log(self, x: Any) -> Any:
        """The natural logarithm, elementwise."""
        raise NotImplementedError

    def inverse_softplus(self, x: Any) -> Any:
        """log(e**x - 1) for x > 0, elementwise, as x + log(-expm1(-x)) (no overflow, no cancellation), with the
        backend's own ``expm1`` and ``log``."""
        return x + self.log(-self.expm1(-x))


class NumpyLikeOps(Ops):
    """Ops whose array functions come from a NumPy-like namespace ``xp``.

    The namespace (``numpy``, ``jax.numpy``, ``keras.ops``) is the class attribute ``xp``: the names and
    signatures it shares with NumPy (``full``, ``where``, ``clip``, ``stack``, ``concatenate``, ``transpose``...)
    are bound once here, and a backend adds only its random draws and casts (``unifiedinit.backends.numpy.NumpyOps``
    and the JAX backends' ``JaxOps`` derive from it). The class takes no arguments.

    Examples:
        >>> import numpy as np
        >>> from unifiedinit.samplers import NumpyLikeOps
        >>> class HostOps(NumpyLikeOps):
        ...     xp = np
        >>> HostOps().full((2,), 0.5, np.float32).tolist()
        [0.5, 0.5]
        >>> HostOps().permute(np.zeros((2, 3, 4)), (2, 0, 1)).shape
        (4, 2, 3)
    """

    xp: Any = None

    def full(self, shape: tuple[int, ...], value: float, dt: Any, out: Any = None) -> Any:
        return self.xp.full(shape, value, dtype=dt)

    def where(self, cond: Any, a: Any, b: Any) -> Any:
        return self.xp.where(cond, a, b)

    def argsort0(self, x: Any) -> Any:
        return self.xp.argsort(x, axis=0)

    def diagonal(self, m: Any) -> Any:
        return self.xp.diagonal(m)

    def sign(self, x: Any) -> Any:
        return self.xp.sign(x)

    def transpose(self, m: Any) -> Any:
        return self.xp.transpose(m)

    def reshape(self, x: Any, shape: tuple[int, ...]) -> Any:
        return self.xp.reshape(x, shape)

    def moveaxis(self, x: Any, source: int, destination: int) -> Any:
        return self.xp.moveaxis(x, source, destination)

    def clip(self, x: Any, low: float, high: float) -> Any:
        return self.xp.clip(x, low, high)

    def stack(self, parts: list[Any]) -> Any:
        return self.xp.stack(parts)

    def concat(self, parts: list[Any], axis: int) -> Any:
        return self.xp.concatenate(parts, axis=axis)

    def permute(self, x: Any, axes: tuple[int, ...]) -> Any:
        return self.xp.transpose(x, axes)

    def flip(self, x: Any, axes: tuple[int, ...]) -> Any:
        return self.xp.flip(x, axis=axes)

    def exp(self, x: Any) -> Any:
        return self.xp.exp(x)

    def expm1(self, x: Any) -> Any:
        return self.xp.expm1(x)

    def log(self, x: Any) -> Any:
        return self.xp.log(x)

    def arange(self, n: int) -> Any:
        return self.xp.arange(n)


def narrow(d: D.TruncatedNormal) -> bool:
    """Is ``d``'s window so narrow next to its std (``NARROW``) that its law is the uniform on [low, high] to a
    relative 1e-8, as every sampler draws it (and ``verify.stats`` checks it)?

    Args:
        d: a lowered truncated normal (``draws.TruncatedNormal``, its std > 0 and low < high).

    Returns:
        True when (b - a) * max(|a|, |b|, 1) <= ``NARROW`` for its standard window [a, b].

    Raises:
        AttributeError: ``d`` has no mean, std, low and high (it is no truncated normal).

    Examples:
        >>> from unifiedinit import draws as D
        >>> from unifiedinit.samplers import narrow
        >>> narrow(D.TruncatedNormal(0.0, 1e20, 1.0, 2.0)), narrow(D.TruncatedNormal(0.0, 1.0, -2.0, 2.0))
        (True, False)
    """
    a, b = (d.low - d.mean) / d.std, (d.high - d.mean) / d.std
    return (b - a) * max(abs(a), abs(b), 1.0) <= NARROW


def in_tail(a: float, b: float) -> bool:
    """Is the standard window [a, b] ``TAIL`` or more from 0 on one side (drawn by ``_tail_normal``)?"""
    return a >= TAIL or b <= -TAIL


def _tail_normal(ops: Any, shape: tuple[int, ...], a: float, b: float, dt: Any) -> tuple[Any, float]:
    """N(0, 1) cut to a window [a, b] ``TAIL`` or more from 0 on one side, exactly, in one pass with no host sync:
    (z, sign), the values being ``sign * z``.

    The window is taken in the lower tail (mirrored when it lies above 0), where probabilities are small numbers
    that a float holds with full relative precision, and inverted in log space, so that no window is too far out
    for float32: log Phi(z) = log Phi(b) + log(1 - c u), c = 1 - Phi(a) / Phi(b), for u uniform on [0, 1)
    (Phi(z) runs over [Phi(a), Phi(b)] uniformly). z starts at the asymptotic solution of log Phi(z) = L
    (z**2 + log z**2 - 2 log(1 - 1/z**2) = -2 L - log 2 pi) and takes three Newton steps on log Phi (``log_ndtr``:
    concave, so every step after the first approaches the root from below; the third leaves a relative change
    below 1e-15 for any window beyond 3 std), each kept in the window."""
    flip = a > 0.0  # a window above 0: drawn as its mirror below
    lo, hi = (-b, -a) if flip else (a, b)
    top, bottom = log_phi(hi), log_phi(lo)
    c = -math.expm1(bottom - top)  # 1 - Phi(lo) / Phi(hi), in (0, 1]
    u = ops.uniform(shape, 0.0, 1.0, dt)
    target = ops.log(ops.affine(u, -c, 1.0))  # log(1 - c u)
    # + log Phi(hi), within [log Phi(lo), log Phi(hi)] (a uniform that rounded up to 1 gave log 0 = -inf); a floor
    # 1000 below the top leaves out a probability below e**-1000 of the window's and keeps z**2 finite in float32
    target = ops.clip(ops.affine(target, 1.0, top), max(bottom, top - 1000.0), top)
    s = target * -2.0 - 2.0 * HALF_LOG_2PI  # z**2 + log z**2 - 2 log(1 - 1/z**2), asymptotically
    y = s - ops.log(s)
    for _ in range(2):
        y = s - ops.log(y) + ops.log(1.0 - 1.0 / y) * 2.0
    z = ops.clip(-ops.exp(ops.log(y) * 0.5), max(lo, -60.0), hi)  # -sqrt(y)
    for _ in range(3):
        f = ops.log_ndtr(z)
        # Newton on log Phi: its slope is phi(z) / Phi(z) = exp(-(log Phi(z) + z**2 / 2 + log sqrt(2 pi)))
        z = ops.clip(z + (target - f) * ops.exp(f + z * z * 0.5 + HALF_LOG_2PI), max(lo, -60.0), hi)
    return z, -1.0 if flip else 1.0


def in_place_writer(ops: Any, d: D.Draw, dtype: Any) -> Callable[[Any], Any] | None:
    """What ``draw(ops, d, out.shape, dtype, out=out)`` does, decided once for a plan that writes many tensors of
    one draw: a function of ``out`` that makes ``draw``'s own one call (``_one_call``). Only for the one-call laws
    drawn with no cast; None for anything else, which goes through ``draw``. tests/test_torch.py checks it
    against ``draw`` bit for bit."""
    call = _one_call(ops, d, dtype) if ops.work_dtype(dtype) == dtype else None
    if call is None:
        return None
    primitive, a, b = call
    direct = getattr(ops, "in_place", None)  # a backend that can make the same call on ``out`` more directly
    found = direct(primitive, a, b) if direct is not None else None
    return found if found is not None else (lambda out: primitive(out.shape, a, b, dtype, out))


def _one_call(ops: Any, d: D.Draw, final: Any, dt: Any = None) -> tuple[Callable[..., Any], float, float] | None:
    """The ops primitive and its two numbers when ``d`` is one call of it: a uniform within its window as
    ``final`` holds it, drawn in ``final`` itself (``dt``, the work dtype, None: the same) by a backend whose
    uniform stays in its bounds, or a normal; else None. A uniform drawn in a wider work dtype (torch's bfloat16
    in float32) is not one call: drawn on the narrowed window and then rounded, the mass between each end and the
    window's would spread over the inside instead of landing on the end (another law); it is clipped instead."""
    if isinstance(d, D.Uniform) and ops.bounded_uniform and (dt is None or dt == final):
        low, high = support_in(d, final) or (d.low, d.high)
        return ops.uniform, low, high
    if isinstance(d, D.Normal):
        return ops.normal, d.mean, d.std
    return None


def _elementwise(ops: Any, d: D.Draw, shape: tuple[int, ...], dt: Any, final: Any, out: Any = None) -> Any:
    """One elementwise primitive in the work dtype ``dt``, each bounded one kept in its window as ``final`` holds
    it (ends that ``final`` holds exactly, so the last rounding cannot leave the window)."""
    call = _one_call(ops, d, final, dt)
    if call is not None:
        primitive, a, b = call
        return primitive(shape, a, b, dt, out)
    support = support_in(d, final)
    if isinstance(d, D.Uniform):  # a backend whose uniform can round past its bounds: clipped
        x = ops.uniform(shape, d.low, d.high, dt, out)
        return x if support is None else ops.clip(x, *support)
    if isinstance(d, D.TruncatedNormal):
        if narrow(d):  # flat across its window to 1e-8, where the inverse CDF could not tell its ends apart
            return _elementwise(ops, D.Uniform(d.low, d.high), shape, dt, final, out)
        return ops.truncated_normal(shape, d, dt, support or (d.low, d.high), out)
    if isinstance(d, D.Constant):  # rounded once to the final dtype, which the work dtype holds exactly
        return ops.full(shape, _rounded_for(d.value, dt, final), dt, out)
    if isinstance(d, D.Affine):
        folded = _fold(d)
        if folded is not None:  # the same law in one pass: an affine map of a normal or uniform is one too
            return _elementwise(ops, folded, shape, dt, final, out)
        x = ops.affine(_elementwise(ops, d.base, shape, dt, dt, out), d.scale, d.shift)
        return x if support is None else ops.clip(x, *support)
    if isinstance(d, D.LogUniform):
        span = math.log(d.high) - math.log(d.low)
        if span <= 80.0:
            # low e**u = (m + m (e**u - 1)) 2**e with low = m 2**e, u in [0, span): expm1 has no float32 step near 1
            # on a narrow window, e**80 fits float32, and the power of two, exact, comes last (no subnormal on the
            # way, which XLA on a CPU would flush to 0)
            m, e = math.frexp(d.low)
            x = ops.affine(ops.affine(ops.expm1(ops.uniform(shape, 0.0, span, dt)), m, m), 2.0 ** e, 0.0)
        else:  # e**u, u in [log low, log high): a span wider than float32's range, float64 only
            x = ops.exp(ops.uniform(shape, math.log(d.low), math.log(d.high), dt))
        return ops.clip(x, *(support or (d.low, d.high)))
    if isinstance(d, D.InverseSoftplus):
        base = _elementwise(ops, d.base, shape, dt, dt)
        low, high = v.draw_range(d.base)
        below = base < d.floor if d.floor > low else None  # before the clip, which may write into base
        x = ops.inverse_softplus(ops.clip(base, d.floor, max(d.floor, high)))  # raised to the floor
        x = x if support is None else ops.clip(x, *support)
        if below is not None:  # the entries raised to it: the law's point mass, one number in every backend, written
            # as constants are (rounded once to nearest)
            x = ops.where(below, ops.full(shape, _rounded_for(d.low, dt, final), dt), x)
        return x
    if isinstance(d, D.Log):
        x = ops.log(_elementwise(ops, d.base, shape, dt, dt))
        return x if support is None else ops.clip(x, *support)
    if isinstance(d, D.Mixture):
        # one uniform picks a component per entry: component i where edge_i <= u < edge_(i+1) (later components
        # overwrite where u passed their edge)
        u = ops.uniform(shape, 0.0, 1.0, dt)
        x = _elementwise(ops, d.components[0], shape, dt, final)
        edge = 0.0
        for comp, w in zip(d.components[1:], d.weights[:-1]):
            edge += w
            x = ops.where(u >= edge, _elementwise(ops, comp, shape, dt, final), x)
        return x
    raise TypeError(f"not an elementwise draw: {d!r}")  # pragma: no cover


def _rounded_for(value: float, dt: Any, final: Any) -> float:
    """A constant's ``value`` to write in the work dtype ``dt``: as it is where ``dt`` is the final dtype or float64
    (which holds it exactly: the final cast rounds it once), else rounded once to ``final`` first (``held``)."""
    if dt == final or str(dt).endswith("float64"):
        return value
    return held(float(value), final)  # float(): a constant torch.compile can hand to held while tracing


def _fold(d: D.Affine) -> D.Draw | None:
    """``scale * x + shift`` as one draw of the base's family, where there is one: a normal for any scale, a
    uniform or truncated normal for a positive one (a negative one would swap which end a uniform leaves open), a
    constant (of a constant, or of an affine map of one) computed in float64 as the reference computes it (x * scale,
    then + shift), so that it is rounded once to the final dtype."""
    b, s, t = d.base, d.scale, d.shift
    if isinstance(b, D.Affine):
        b = _fold(b) or b
    if isinstance(b, D.Constant):
        value = b.value if s == 1.0 else b.value * s
        return D.Constant(value if t == 0.0 else value + t)
    if isinstance(b, D.Normal):
        return D.Normal(s * b.mean + t, abs(s) * b.std)
    if s > 0 and isinstance(b, D.Uniform):
        return D.Uniform(s * b.low + t, s * b.high + t)
    if s > 0 and isinstance(b, D.TruncatedNormal):
        return D.TruncatedNormal(s * b.mean + t, s * b.std, s * b.low + t, s * b.high + t)
    return None


def _orthogonal(ops: Any, d: D.Orthogonal, shape: tuple[int, ...], dt: Any) -> Any:
    group = d.rows(shape)
    rows = math.prod([shape[i] for i in group])
    cols = math.prod(shape) // rows
    q, r = ops.qr(ops.normal((max(rows, cols), min(rows, cols)), 0.0, 1.0, dt))
    q = q * ops.sign(ops.diagonal(r))
    if rows < cols:
        q = ops.transpose(q)
    rest = tuple(i for i in range(len(shape)) if i not in group)
    t = ops.reshape(q, tuple(shape[i] for i in group + rest))
    if len(group) == 1:
        return ops.affine(ops.moveaxis(t, 0, group[0]), d.gain, 0.0)
    order = [0] * len(shape)  # t is (*group, *rest): put each axis back where the tensor keeps it
    for source, target in enumerate(group + rest):
        order[target] = source
    return ops.affine(ops.permute(t, tuple(order)), d.gain, 0.0)


def _delta_orthogonal(ops: Any, d: D.DeltaOrthogonal, shape: tuple[int, ...], dt: Any) -> Any:
    """An (out, in) matrix with orthonormal columns at the centre of the spatial axes, zeros elsewhere."""
    import numpy as np
    out, inp = shape[d.out_axis], shape[d.in_axis]
    spatial = tuple(i for i in range(len(shape)) if i not in (d.out_axis, d.in_axis))
    kernel = tuple(shape[i] for i in spatial)
    centre = np.zeros(kernel)
    centre[tuple((k - 1) // 2 for k in kernel)] = 1.0
    q = _orthogonal(ops, D.Orthogonal(d.gain, 0), (out, inp), dt)  # (out, in), in <= out: orthonormal columns
    full = ops.broadcast_mul(ops.reshape(q, (out, inp) + (1,) * len(kernel)),
                             ops.from_numpy(centre.reshape((1, 1) + kernel), dt))
    # q * 0 is -0.0 where q < 0: off the centre every entry is +0.0, as JAX's delta_orthogonal writes it
    full = ops.where(full == 0.0, ops.full((out, inp) + kernel, 0.0, dt), full)
    order = [0] * len(shape)  # full is (out, in, *spatial): put each axis where the layout keeps it
    for source, target in enumerate((d.out_axis, d.in_axis) + spatial):
        order[target] = source
    return ops.permute(full, tuple(order))


def _sparse(ops: Any, d: D.Sparse, shape: tuple[int, ...], dt: Any) -> Any:
    w = ops.moveaxis(ops.normal(shape, 0.0, d.std, dt), d.out_axis, 0)
    rows_first = (shape[d.out_axis],) + tuple(s for i, s in enumerate(shape) if i != d.out_axis)
    zeros = math.ceil(d.sparsity * rows_first[0])
    # the rank of a uniform within its column is a uniformly random permutation of the rows
    rank = ops.argsort0(ops.argsort0(ops.uniform(rows_first, 0.0, 1.0, dt)))
    return ops.moveaxis(ops.where(rank < zeros, ops.full(rows_first, 0.0, dt), w), 0, d.out_axis)


def _mixed_rope(ops: Any, d: D.MixedRoPE, shape: tuple[int, ...], dt: Any) -> Any:
    """(cos t, sin t) of a uniform angle per group is the direction of a standard normal pair (x, y) / r, which
    needs no sine: r**-1 = exp(-log(r**2) / 2), with ops every backend (and the counter stream, bit for bit) has."""
    groups, half = shape[1:-1] + (1,), d.columns // 2
    x, y = ops.normal(groups, 0.0, 1.0, dt), ops.normal(groups, 0.0, 1.0, dt)
    inverse = ops.exp(ops.affine(ops.log(ops.fence(x * x) + ops.fence(y * y)), -0.5, 0.0))
    m = ops.from_numpy(d.magnitudes().reshape((1,) * (len(shape) - 2) + (half,)), dt)
    cos, sin = ops.broadcast_mul(x * inverse, m), ops.broadcast_mul(y * inverse, m)
    return ops.stack([ops.concat([cos, -sin], len(shape) - 2),  # not ops.affine: torch's works in place
                      ops.concat([sin, cos], len(shape) - 2)])


def _rows(ops: Any, d: D.Rows, shape: tuple[int, ...], dt: Any, final: Any) -> Any:
    """``base`` everywhere, then the slice at ``index`` along ``axis`` from ``fill`` (drawn elementwise, kept
    where a mask says: immutable arrays take the same path as torch's). The mask is made where the arrays are (an
    ``arange`` compared with the index, no copy from the host) and compared in the work dtype (float32 or wider)."""
    x = _structured(ops, d.base, shape, dt, final)
    fill = _elementwise(ops, d.fill, shape, dt, final)
    n = shape[d.axis]
    mask = ops.where(ops.arange(n) == d.index, ops.full((n,), 1.0, dt), ops.full((n,), 0.0, dt))
    mask = ops.reshape(mask, tuple(n if i == d.axis else 1 for i in range(len(shape))))
    return ops.where(ops.broadcast_mul(mask, ops.full(shape, 1.0, dt)) > 0.5, fill, x)


def _structured(ops: Any, d: D.Draw, shape: tuple[int, ...], dt: Any, final: Any) -> Any:
    """Any draw of one (unstacked) tensor in the work dtype."""
    if d.elementwise:
        return _elementwise(ops, d, shape, dt, final)
    if isinstance(d, D.Orthogonal):
        return _orthogonal(ops, d, shape, dt)
    if isinstance(d, D.Sparse):
        return _sparse(ops, d, shape, dt)
    if isinstance(d, D.DeltaOrthogonal):
        return _delta_orthogonal(ops, d, shape, dt)
    if isinstance(d, D.Rows):
        return _rows(ops, d, shape, dt, final)
    if isinstance(d, D.MixedRoPE):
        return _mixed_rope(ops, d, shape, dt)
    if isinstance(d, D.Blocks):
        block = tuple(n // len(d.parts) if i == d.axis else n for i, n in enumerate(shape))
        return ops.concat([_structured(ops, p, block, dt, final) for p in d.parts], d.axis)
    if d.deterministic:  # float64 values rounded once to the final dtype
        return ops.from_exact(determined(d, shape), dt, final)
    raise TypeError(f"unknown draw {d!r}")  # pragma: no cover


def determined(d: D.Draw, shape: tuple[int, ...]) -> Any:
    """The values of a determined draw (a constant, eye, dirac, Hadamard, sinusoids, S4D, array) as a float64
    NumPy array.

    Blocks of constants or determined draws and rows of a determined draw are built too, at any depth (a constant
    base of a ``Rows`` in a ``Blocks``); nothing is random, so no ops are needed.

    Args:
        d: a determined draw of ``unifiedinit.draws``: ``Constant``, ``Eye``, ``Dirac``, ``Hadamard``,
            ``Sinusoidal``, ``S4DReal``, ``Array``, or ``Blocks`` / ``Rows`` made of those.
        shape: the tensor's shape, a tuple of ints in the draw's axis order (2-D for ``Eye``).

    Returns:
        A float64 NumPy array of ``shape``.

    Raises:
        TypeError: ``d`` is not a determined draw (a random one, or a ``Blocks`` / ``Rows`` with a random part).

    Examples:
        >>> from unifiedinit import draws
        >>> from unifiedinit.samplers import determined
        >>> determined(draws.Eye(2.0), (2, 3)).tolist()
        [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
        >>> determined(draws.Dirac(1, 0, 1), (2, 2, 3)).tolist()  # identity convolution: 1 at the kernel's centre
        [[[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0], [0.0, 1.0, 0.0]]]
    """
    import numpy as np
    if isinstance(d, D.Constant):
        return np.full(shape, d.value, dtype=np.float64)
    if isinstance(d, D.Eye):
        return d.gain * np.eye(shape[0], shape[1])
    if isinstance(d, D.Dirac):
        out = np.zeros(shape)
        per_group = shape[d.out_axis] // d.groups
        spatial = [i for i in range(len(shape)) if i not in (d.out_axis, d.in_axis)]
        for g in range(d.groups):
            for k in range(min(per_group, shape[d.in_axis])):
                at = [0] * len(shape)
                at[d.out_axis], at[d.in_axis] = g * per_group + k, k
                for i in spatial:
                    at[i] = shape[i] // 2
                out[tuple(at)] = 1.0
        return out
    if isinstance(d, D.Hadamard):
        m, n = shape[d.out_axis], shape[d.in_axis]
        if m <= n:
            matrix = np.eye(m, n)
        else:
            order = 1 << (m - 1).bit_length()
            both = np.arange(m)[:, None] & np.arange(n)[None, :]
            parity = np.zeros_like(both)  # of the bits a and b share: Sylvester's H[a, b] = (-1)^parity
            for bit in range(order.bit_length()):
                parity ^= (both >> bit) & 1
            matrix = (1.0 - 2.0 * parity) / math.sqrt(order)
        out = np.zeros(shape)
        spatial = [i for i in range(len(shape)) if i not in (d.out_axis, d.in_axis)]
        centre_at: list[Any] = [slice(None)] * len(shape)
        for i in spatial:
            centre_at[i] = shape[i] // 2
        centre = out[tuple(centre_at)]  # a view: the (out, in) matrix at the kernel's centre, in axis order
        centre[...] = d.gain * (matrix if d.out_axis < d.in_axis else matrix.T)
        return out
    if isinstance(d, D.Sinusoidal):
        n, dim = shape[d.positions_axis], shape[1 - d.positions_axis]
        # float64 throughout: torch.compile traces NumPy as torch, where np.arange's int64 / an int is float32
        column = np.arange((dim + 1) // 2, dtype=np.float64)
        exponent = column / (dim // 2 - 1) if d.span else 2 * column / dim
        angle = np.arange(n, dtype=np.float64)[:, None] / np.power(d.max_timescale, exponent)
        sines, cosines = np.sin(angle), np.cos(angle[:, :dim // 2])
        if d.interleaved:
            table = np.empty((n, dim))
            table[:, 0::2], table[:, 1::2] = sines, cosines
        else:
            table = np.concatenate([sines, cosines], axis=1)
        return table if d.positions_axis == 0 else table.T
    if isinstance(d, D.S4DReal):
        states = np.arange(1, d.state + 1, dtype=np.float64)
        return np.broadcast_to(np.log(states) if d.log else -states, shape).copy()
    if isinstance(d, D.Array):
        return np.asarray(d.values, dtype=np.float64).reshape(d.shape)
    if isinstance(d, D.Blocks):
        block = tuple(n // len(d.parts) if i == d.axis else n for i, n in enumerate(shape))
        return np.concatenate([determined(p, block) for p in d.parts], axis=d.axis)
    if isinstance(d, D.Rows):
        out = determined(d.base, shape)
        row: list[Any] = [slice(None)] * len(shape)
        row[d.axis] = d.index
        out[tuple(row)] = determined(d.fill, shape)[tuple(row)]
        return out
    raise TypeError(f"not a determined draw: {d!r}")  # pragma: no cover


def draw(ops: Any, d: D.Draw, shape: tuple[int, ...], dtype: Any, stacked: tuple[int, ...] = (),
         out: Any = None) -> Any:
    """Sample the primitive ``d`` for a tensor of ``shape`` with ``ops``, in ``dtype``.

    The draw is computed in the ops' work dtype (float32 for half precision, say) and rounded once to ``dtype``,
    each bounded law kept in its window as ``dtype`` holds it. With ``out`` (a backend that writes in place) the
    values go into it, elementwise draws straight into it when no cast is needed. ``stacked`` axes hold one layer
    per index: an elementwise draw covers them at once, a structured one (orthogonal, sparse, eye...) is drawn per
    layer (``draws.PerLayer``: each layer its own draw).

    Args:
        ops: the backend's ``Ops`` (``unifiedinit.backends.numpy.NumpyOps``, the JAX backends' ``JaxOps``...),
            which holds the random state.
        d: a primitive draw of ``unifiedinit.draws`` (a spec lowered for the tensor, as ``Plan.resolve`` does).
        shape: the tensor's shape, a tuple of ints.
        dtype: the final dtype, in the backend's own form (``"float32"`` for NumPy, ``jnp.bfloat16``,
            ``torch.float16``...).
        stacked: the axes of ``shape`` that stack layers, a tuple of ints (default none).
        out: an array of ``shape`` and ``dtype`` to write into (backends that write in place), or None.

    Returns:
        The array of ``shape`` in ``dtype``: ``out`` itself when it is given.

    Raises:
        TypeError: ``d`` is not a draw of ``unifiedinit.draws`` (a spec must be lowered first). The backend's own
            errors (a shape or dtype it refuses) pass through.

    Examples:
        >>> import numpy as np
        >>> from unifiedinit import draws
        >>> from unifiedinit.backends.numpy import NumpyOps
        >>> from unifiedinit.samplers import draw
        >>> draw(NumpyOps(None), draws.Constant(0.5), (2, 2), "float32").tolist()
        [[0.5, 0.5], [0.5, 0.5]]
        >>> x = draw(NumpyOps(np.random.default_rng(0)), draws.Uniform(-1.0, 1.0), (2, 3), "float16")
        >>> x.shape, x.dtype.name, bool((abs(x) <= 1).all())
        ((2, 3), 'float16', True)
        >>> q = draw(NumpyOps(np.random.default_rng(0)), draws.Orthogonal(1.0, 0), (2, 3, 3), "float64", stacked=(0,))
        >>> q.shape, bool(np.allclose(q[1] @ q[1].T, np.eye(3)))
        ((2, 3, 3), True)
    """
    if not isinstance(d, D.Draw):
        raise TypeError(f"samplers.draw: parameter 'd' must be a draw of unifiedinit.draws (lower a spec first), "
                        f"got {d!r}")
    if stacked and not d.elementwise:
        one = tuple(n for i, n in enumerate(shape) if i not in stacked)
        layers = tuple(shape[a] for a in stacked)
        each = d.layers if isinstance(d, D.PerLayer) else (d,) * math.prod(layers)  # row-major, as ops.layers
        if out is not None:
            for view, layer in zip(ops.layers(out, stacked), each):
                draw(ops, layer, one, dtype, out=view)
            return out
        x = ops.reshape(ops.stack([draw(ops, layer, one, dtype) for layer in each]), layers + one)
        for i, a in enumerate(stacked):
            x = ops.moveaxis(x, i, a)
        return x
    dt = ops.work_dtype(dtype)
    target = out if out is not None and dt == dtype else None  # drawn straight into out when no cast is needed
    x = _elementwise(ops, d, shape, dt, dtype, target) if d.elementwise else _structured(ops, d, shape, dt, dtype)
    if out is None:
        return ops.cast(x, dtype)
    if x is not out:
        ops.assign(out, x)
    return out


def indices(shape: tuple[int, ...]) -> Any:
    """Every index of ``shape`` in row-major order."""
    return itertools.product(*(range(n) for n in shape))
