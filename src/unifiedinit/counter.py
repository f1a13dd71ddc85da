"""The counter stream: portable values that any device computes for any block of a tensor, bit for bit.

``Portable(seed, key, stream="counter")`` (``plan.apply(..., portable="counter")``) defines every value as a
function of (seed, key, the entry's position) alone, so that the framework computes it with its own array
operations where the tensor lives (torch on CPU or CUDA, JAX inside one jitted function on each device's shard),
and a shard computes exactly its own entries and nothing else. The default portable stream (``"chunks"``: NumPy's
Philox and ziggurat, chunk by chunk on the host) is faster on a CPU, but a ziggurat's rejections make an entry's
value depend on the entries before it, so a device cannot compute it in parallel.

The definition, written once here over a small integer and float interface (``Arith``) that NumPy, torch and JAX
implement with their own operations:

- **Bits.** Threefry-2x32 with 20 rounds (Salmon et al. 2011, the generator of ``jax.random``), keyed by the first
  8 bytes of ``blake2b("unifiedinit-counter/<seed>/<key>")``. The counter of entry ``p`` (its row-major position
  in torch's layout of the tensor) in the ``c``-th uniform a draw asks for is ``(p mod 2**32, p // 2**32 +
  c * 2**16)``; a mixture's choice and each of its components are separate calls.
- **A uniform in (0, 1).** ``u = (2k + 1) / 2**53`` with ``k`` the top 26 bits of each word (52 bits): never 0 or 1,
  and symmetric (``1 - u`` is a value ``u`` takes, exactly).
- **Laws.** Uniform(low, high): ``low + (high - low) * u``. Normal: ``mean + std * ndtri(u)``. Truncated normal:
  ``ndtri`` of ``u`` mapped onto the window's probabilities, mirrored so the window's far tail is never computed
  as a difference of numbers near 1. ``ndtri`` is Wichura's AS 241 (relative error about 1e-16) with a logarithm
  and a square root of our own (an atanh series and Newton steps, after ``frexp``). Log-uniform: ``exp`` of the
  uniform on [log low, log high], our own (a Taylor polynomial after reducing by log 2, then exact powers of two);
  the inverse softplus y + log(1 - e**-y) with that ``exp`` and logarithm (a series below y = 0.35).
- **Exactness.** Only integer operations and float64 ``+ - * /``, ``floor`` and ``frexp`` are used, each of
  which IEEE 754 rounds correctly (or is exact), in a fixed order, each a separate operation: no ``log``, ``exp``,
  ``sqrt`` or ``erfinv`` of a library, whose last bit differs between NumPy, torch's vectorised kernels (torch's CPU
  ``sqrt`` in one float64 in a hundred), XLA and CUDA. Values are rounded once from float64 to the parameter's
  dtype. Inside ``jit`` XLA would fuse a product and the next sum into one multiply-add and fold constants
  across sums; ``Arith.fence`` stops it (``JaxArith``). tests/test_counter.py checks NumPy, torch (eager, and
  captured by ``torch.compile``) and jitted JAX bit for bit on this machine's CPU, and CUDA when one is present.

Draws that need the whole tensor (orthogonal, sparse) ask for their uniforms and normals on their own shapes;
they are computed whole and each shard keeps its block, as in the default stream.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any, Sequence

from . import _validate as v
from . import draws as D

__all__ = ["Arith", "CounterOps", "STREAMS", "ScalarArith", "counter_key", "positions", "threefry2x32", "uniform",
           "ndtri", "exp", "expm1", "log", "inverse_softplus", "values"]

#: the portable streams: "chunks" (the default: NumPy's Philox on the host, 2**20 entries a chunk) and "counter"
STREAMS = ("chunks", "counter")

_M32 = 0xFFFFFFFF
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = 0x1BD11BDA


def counter_key(seed: int, key: str = "") -> tuple[int, int]:
    """The Threefry key (two 32-bit words) of a parameter: the first 8 bytes of
    ``blake2b("unifiedinit-counter/<seed>/<key>")``, little-endian.

    Args:
        seed: an int in [0, 2**64).
        key: the parameter's canonical key (a string).

    Returns:
        Two ints in [0, 2**32).

    Raises:
        TypeError: ``seed`` is not an integer, or ``key`` no string.
        ValueError: ``seed`` outside [0, 2**64), or ``key`` holds a lone surrogate (no UTF-8 text).

    Examples:
        >>> from unifiedinit.counter import counter_key
        >>> k = counter_key(0, "0/weight/0")
        >>> len(k), all(0 <= w < 2 ** 32 for w in k), k == counter_key(0, "0/weight/1")
        (2, True, False)
    """
    seed = v.given_seed("", seed)
    key = v.key_text("", key)
    digest = hashlib.blake2b(f"unifiedinit-counter/{seed}/{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest[:4], "little"), int.from_bytes(digest[4:], "little")


class Arith:
    """The operations the counter stream needs, NumPy-like: ``xp`` is the namespace (``numpy``, ``jax.numpy``),
    ``word`` the dtype 32-bit words are held in (``uint32``) and ``index`` the dtype of positions (``int64``).

    Examples:
        >>> import numpy as np
        >>> from unifiedinit.counter import Arith
        >>> class HostArith(Arith):
        ...     xp, word, index, f64 = np, np.uint32, np.int64, np.dtype(np.float64)
        >>> int(HostArith().shr(HostArith().const(2 ** 31), 31)), HostArith().piece
        (1, 65536)

    A framework whose unsigned 32-bit integers lack arithmetic (torch) holds words in int32: sums and left shifts
    wrap the same (two's complement), and ``shr`` and ``const`` make the right shift logical and the constants
    fit. The class takes no arguments; a backend derives from it (``unifiedinit.backends.numpy.NumpyArith``, the
    torch and JAX backends' own).
    """

    xp: Any = None
    word: Any = None
    index: Any = None
    f64: Any = None
    #: an elementwise draw is computed this many entries at a time (each of its hundred-odd passes then runs in a
    #: core's cache), or whole (None: a compiler fuses the passes, as XLA does inside ``jit``)
    piece: int | None = 1 << 16

    #: True where arrays may be cut by a mask (a host: no sync to wait for, no shape to compile for): ``ndtri``'s
    #: tail branch is then computed for the entries that take it only (a normal's 15 %); the values are the same
    compact = True

    #: True where pieces may be computed on several threads at once (NumPy: its loops release the GIL); each
    #: piece is a function of its positions, so the values do not depend on how many threads run
    threads = False

    def concat(self, parts: list[Any]) -> Any:
        """1-D arrays joined end to end."""
        return self.xp.concatenate(parts)

    def take(self, x: Any, mask: Any) -> Any:
        """The entries of ``x`` where ``mask`` holds, as a 1-D array (only where ``compact``)."""
        return x[mask]

    def put(self, x: Any, mask: Any, values: Any) -> Any:
        """A copy of ``x`` with ``values`` where ``mask`` holds (only where ``compact``)."""
        y = x.copy()
        y[mask] = values
        return y

    def arange(self, start: int, stop: int) -> Any:
        """``start, ..., stop - 1`` as positions (``index`` dtype) on the device values are computed on."""
        return self.xp.arange(start, stop, dtype=self.index)

    def to_words(self, x: Any) -> Any:
        """Positions (each below 2**32 after the caller's shift and mask) as words."""
        return x.astype(self.word)

    def const(self, c: int) -> Any:
        """A word constant (0 <= c < 2**32) the words' arithmetic keeps to 32 bits: a uint32 scalar here."""
        return self.word(c)

    def shr(self, x: Any, n: int) -> Any:
        """Words shifted right by ``n`` (0 < n < 32), filling with zeros."""
        return x >> n

    def to_float(self, x: Any) -> Any:
        """Words (or positions) as exact float64 values."""
        return x.astype(self.f64)

    def reshape(self, x: Any, shape: tuple[int, ...]) -> Any:
        return self.xp.reshape(x, shape)

    def frexp(self, x: Any) -> tuple[Any, Any]:
        """(mantissa in [0.5, 1), exponent) with x = mantissa * 2**exponent, exactly."""
        m, e = self.xp.frexp(x)
        return m, self.to_float(e)

    def floor(self, x: Any) -> Any:
        return self.xp.floor(x)

    def fence(self, x: Any) -> Any:
        """``x``, computed on its own: a product that an addition follows goes through it, and so does a sum that
        meets another constant, so that no compiler fuses a multiply-add or folds two constants together (XLA does
        both inside ``jit``; eager NumPy and torch do neither)."""
        return x

    def where(self, cond: Any, a: Any, b: Any) -> Any:
        return self.xp.where(cond, a, b)


class ScalarArith(Arith):
    """The float part of ``Arith`` over Python floats (IEEE double, as NumPy's float64): ``exp``, ``_log`` and
    ``inverse_softplus`` of one number, with the bits the arrays get, in plain Python (a spec's constants, computed
    where torch compiles a hook: no NumPy call in its graph).

    Examples:
        >>> import numpy as np
        >>> from unifiedinit.backends.numpy import NumpyArith
        >>> from unifiedinit.counter import ScalarArith, inverse_softplus
        >>> bool(inverse_softplus(ScalarArith(), 0.3) == inverse_softplus(NumpyArith(), np.array([0.3]))[0])
        True
    """

    def frexp(self, x: Any) -> tuple[Any, Any]:
        m, e = math.frexp(float(x))
        return m, float(e)

    def floor(self, x: Any) -> Any:
        return float(math.floor(float(x)))

    def where(self, cond: Any, a: Any, b: Any) -> Any:
        return a if cond else b


def _rotl(arith: Arith, x: Any, r: int) -> Any:
    return (x << r) | arith.shr(x, 32 - r)


def threefry2x32(arith: Arith, key: tuple[Any, Any], x0: Any, x1: Any) -> tuple[Any, Any]:
    """Threefry-2x32, 20 rounds, of the counters (x0, x1) (words) under ``key``: two words per entry, as
    ``jax.random``'s ``threefry_2x32`` computes them (tests/test_counter.py checks it against JAX in the same run).

    Args:
        arith: the backend's ``Arith``.
        key: two ints in [0, 2**32), or two word scalars of the backend (JAX's, inside ``jit``).
        x0: the counters' first words, an array of ``arith.word``.
        x1: their second words, of the same shape.

    Returns:
        The two output words, arrays of that shape.

    Raises:
        TypeError, ValueError: the backend's own, for arrays it cannot combine.

    Examples:
        >>> import numpy as np
        >>> from unifiedinit.backends.numpy import NumpyArith
        >>> from unifiedinit.counter import threefry2x32
        >>> y0, y1 = threefry2x32(NumpyArith(), (0, 0), np.zeros(1, np.uint32), np.zeros(1, np.uint32))
        >>> hex(int(y0[0])), hex(int(y1[0]))  # the Random123 known answer for key 0, counter 0
        ('0x6b200159', '0x99ba4efe')
    """
    k0 = key[0] if isinstance(key[0], int) else None  # JAX passes its own scalars into jit
    if k0 is not None:
        ks = (arith.const(key[0]), arith.const(key[1]), arith.const(key[0] ^ key[1] ^ _PARITY))
    else:
        ks = (key[0], key[1], key[0] ^ key[1] ^ arith.const(_PARITY))
    x0 = x0 + ks[0]
    x1 = x1 + ks[1]
    for group in range(5):
        for r in _ROTATIONS[group % 2]:
            x0 = x0 + x1
            x1 = _rotl(arith, x1, r) ^ x0
        x0 = x0 + ks[(group + 1) % 3]
        x1 = x1 + ks[(group + 2) % 3] + arith.const(group + 1)
    return x0, x1


def positions(arith: Arith, shape: Sequence[int], block: Sequence[tuple[int, int]] | None = None) -> Any:
    """The row-major positions in ``shape`` of the entries of ``block``, in the block's own row-major order: built
    on the device from one ``arange`` per axis.

    Args:
        arith: the backend's ``Arith``.
        shape: the whole tensor's shape.
        block: a (start, stop) per axis, or None (the whole).

    Returns:
        A flat array of ``arith.index``.

    Raises:
        ValueError: ``block`` has not one pair per axis.

    Examples:
        >>> from unifiedinit.backends.numpy import NumpyArith
        >>> from unifiedinit.counter import positions
        >>> positions(NumpyArith(), (3, 4), ((1, 3), (2, 4))).tolist()
        [6, 7, 10, 11]
    """
    shape = tuple(int(n) for n in shape)
    block = tuple(block) if block is not None else tuple((0, n) for n in shape)
    if len(block) != len(shape):
        raise ValueError(f"positions: parameter 'block' must have one (start, stop) per axis of {shape}, got {block}")
    if not shape:
        return arith.arange(0, 1)
    pos: Any = None
    stride = 1
    for axis in range(len(shape) - 1, -1, -1):
        start, stop = block[axis]
        along = arith.arange(start, stop) * stride if stride != 1 else arith.arange(start, stop)
        if pos is None:
            pos = along
        else:
            pos = arith.reshape(along, (-1, 1)) + arith.reshape(pos, (1, -1))
            pos = arith.reshape(pos, (-1,))
        stride *= shape[axis]
    return pos


def uniform(arith: Arith, key: tuple[Any, Any], pos: Any, call: int) -> Any:
    """The ``call``-th uniform in (0, 1) of the entries at flat positions ``pos``: ``(2k + 1) / 2**53`` with ``k``
    the top 26 bits of both Threefry words.

    Args:
        arith: the backend's ``Arith``.
        key: the parameter's Threefry key (``counter_key``).
        pos: flat positions (``arith.index``), each below 2**48.
        call: which uniform of the draw (0, 1, ...: a mixture's choice and each component), below 2**16.

    Returns:
        A float64 array of ``pos``'s shape, in (0, 1).

    Raises:
        TypeError, ValueError: the backend's own, for a ``pos`` it cannot compute with.

    Examples:
        >>> import numpy as np
        >>> from unifiedinit.backends.numpy import NumpyArith
        >>> from unifiedinit.counter import uniform
        >>> u = uniform(NumpyArith(), (1, 2), np.arange(5), 0)
        >>> again = uniform(NumpyArith(), (1, 2), np.arange(5), 0)
        >>> u.dtype.name, bool(((u > 0) & (u < 1)).all()), bool((u == again).all())
        ('float64', True, True)
    """
    lo = arith.to_words(pos & _M32)
    hi = arith.to_words((pos >> 32) + call * 65536)
    w0, w1 = threefry2x32(arith, key, lo, hi)
    k = arith.to_float(arith.shr(w0, 6)) * float(1 << 26) + arith.to_float(arith.shr(w1, 6))  # exact: < 2**52
    return (k + k + 1.0) * 2.0 ** -53


# Wichura's AS 241 (PPND16): the central region |p - 1/2| <= 0.425, then r = sqrt(-log(min(p, 1 - p))) - 1.6
# up to r = 5, and r - 5 beyond; numerator and denominator coefficients from the constant term up.
_A = (3.3871328727963666080, 133.14166789178437745, 1971.5909503065514427, 13731.693765509461125,
      45921.953931549871457, 67265.770927008700853, 33430.575583588128105, 2509.0809287301226727)
_B = (1.0, 42.313330701600911252, 687.18700749205790830, 5394.1960214247511077, 21213.794301586595867,
      39307.895800092710610, 28729.085735721942674, 5226.4952788528545610)
_C = (1.42343711074968357734, 4.63033784615654529590, 5.76949722146069140550, 3.64784832476320460504,
      1.27045825245236838258, 0.241780725177450611770, 0.0227238449892691845833, 7.74545014278341407640e-4)
_D = (1.0, 2.05319162663775882187, 1.67638483018380384940, 0.689767334985100004550, 0.148103976427480074590,
      0.0151986665636164571966, 5.47593808499534494600e-4, 1.05075007164441684324e-9)
_E = (6.65790464350110377720, 5.46378491116411436990, 1.78482653991729133580, 0.296560571828504891230,
      0.0265321895265761230930, 1.24266094738807843860e-3, 2.71155556874348757815e-5, 2.01033439929228813265e-7)
_F = (1.0, 0.599832206555887937690, 0.136929880922735805310, 0.0148753612908506148525, 7.86869131145613259100e-4,
      1.84631831751005468180e-5, 1.42151175831644588870e-7, 2.04426310338993978564e-15)

# log(m) = 2 atanh(s), s = (m - 1) / (m + 1), m in [sqrt(1/2), sqrt(2)): |s| <= 0.1716, so ten terms of
# s * (2 + 2 s^2 / 3 + 2 s^4 / 5 + ...) leave less than 2**-55 of the sum
_ATANH = tuple(2.0 / (2 * k + 1) for k in range(10))
_LN2_HI = math.ldexp(math.floor(math.ldexp(math.log(2.0), 32)), -32)  # 32 bits: e * _LN2_HI is exact
_LN2_LO = math.log(2.0) - _LN2_HI


def _horner(arith: Arith, x: Any, coefficients: Sequence[float]) -> Any:
    # in place where arrays allow it (NumPy, torch: no new array per step); JAX's immutable arrays rebind instead
    acc = arith.fence(x * coefficients[-1])
    acc += coefficients[-2]
    for c in reversed(coefficients[:-2]):
        acc *= x
        acc = arith.fence(acc)
        acc += c
    return acc


def _log(arith: Arith, x: Any) -> Any:
    """log(x) for x > 0 (float64) by ``frexp`` and an atanh series: a few units in the last place, the same bits
    on every backend."""
    m, e = arith.frexp(x)  # m in [0.5, 1)
    low = m < math.sqrt(0.5)
    m = arith.where(low, m + m, m)
    e = arith.where(low, e - 1.0, e)
    f = m - 1.0  # exact (Sterbenz)
    s = f / (f + 2.0)
    series = arith.fence(s * _horner(arith, s * s, _ATANH))
    return arith.fence(e * _LN2_HI) + (arith.fence(e * _LN2_LO) + series)


def log(arith: Arith, x: Any) -> Any:
    """log(x) (float64) for x > 0, the same bits on every backend (``_log``, which the normals use too).

    Args:
        arith: the backend's ``Arith`` (``ScalarArith`` for one Python float).
        x: a float64 array (or a Python float) of numbers > 0.

    Returns:
        log(x), of x's shape, within a few ulps.

    Raises:
        TypeError, ValueError: the backend's own, for an ``x`` it cannot compute with.

    Examples:
        >>> import numpy as np
        >>> from unifiedinit.backends.numpy import NumpyArith
        >>> from unifiedinit.counter import log
        >>> x = np.array([1e-300, 0.01, 0.5, 1.0, 7.0, 16.0, 1e300])
        >>> bool(np.allclose(log(NumpyArith(), x), np.log(x), rtol=1e-15, atol=1e-300))
        True
    """
    return _log(arith, x)


def _sqrt(arith: Arith, x: Any) -> Any:
    """sqrt(x) for x in [0.5, 1024] (``ndtri``'s tail variable -log(p), clamped to it), within an ulp and the same
    bits everywhere: ``frexp``, an even exponent, and four Newton steps from (1 + m) / 2 (6 % off at worst, then
    2e-3, 2e-6, 2e-12, below an ulp). A library's sqrt will not do: torch's CPU kernel is not correctly rounded
    (one float64 in a hundred differs from NumPy's)."""
    x = arith.where(x < 0.5, 0.5, x)
    x = arith.where(x > 1024.0, 1024.0, x)
    m, e = arith.frexp(x)  # m in [0.5, 1), e in [0, 11]
    half = e * 0.5
    odd = arith.floor(half) != half
    m = arith.where(odd, m + m, m)  # x = m * 4**h, m in [0.5, 2)
    h = half - arith.where(odd, 0.5, 0.0)
    y = (m + 1.0) * 0.5
    for _ in range(4):
        y = (y + m / y) * 0.5
    scale = arith.where(h == 1.0, 2.0, 1.0)
    for k in range(2, 6):
        scale = arith.where(h == float(k), float(2 ** k), scale)
    return y * scale


# e**r = sum r**k / k! for |r| <= log(2) / 2: the terms after the 13th leave less than 2**-57 of the sum
_EXP = tuple(1.0 / math.factorial(k) for k in range(14))
# 1 - e**-y = y * sum (-y)**k / (k + 1)! for |y| < _SERIES (no cancellation, unlike 1 - e**-y itself)
_ONE_MINUS_EXP = tuple((-1.0) ** k / math.factorial(k + 1) for k in range(14))
_SERIES = 0.35
# log 2 - _LN2_HI to 17 digits (from 50-digit arithmetic); ``_LN2_LO`` is that of log 2 rounded to float64, which
# ``_log`` keeps (its values define the counter stream's normals), but which would cost ``exp`` 1e-14 at |x| = 700
_LN2_LO_EXP = 1.9082149292705877e-10


def exp(arith: Arith, x: Any) -> Any:
    """e**x (float64) for any x, the same bits on every backend: x = k log 2 + r with |r| <= log(2) / 2, a
    Taylor polynomial for e**r, then 2**k by the bits of k (each an exact multiplication by a power of two, but in
    the subnormal range).
    Within an ulp; x is held to [-745, 709], so it gives 4.9e-324 (the smallest subnormal) at and below -745 and
    8.2e307 above 709.

    Args:
        arith: the backend's ``Arith`` (``ScalarArith`` for one Python float).
        x: a float64 array (or a Python float).

    Returns:
        e**x, of x's shape.

    Raises:
        TypeError, ValueError: the backend's own, for an ``x`` it cannot compute with.

    Examples:
        >>> import math, numpy as np
        >>> from unifiedinit.backends.numpy import NumpyArith
        >>> from unifiedinit.counter import exp
        >>> x = np.array([-700.0, -1.5, 0.0, 1e-9, 2.5, 700.0])
        >>> bool(np.allclose(exp(NumpyArith(), x), np.exp(x), rtol=1e-15, atol=0.0))
        True
    """
    x = arith.where(x < -745.0, -745.0, x)
    x = arith.where(x > 709.0, 709.0, x)
    k = arith.floor(arith.fence(x * (1.0 / math.log(2.0))) + 0.5)  # |k| <= 1075
    r = (x - arith.fence(k * _LN2_HI)) - arith.fence(k * _LN2_LO_EXP)  # k * _LN2_HI is exact
    y = _horner(arith, r, _EXP)
    # y * 2**k by the bits of k >= 0 (at most 1023), then of -k (at most 1075), each from the lowest: every product
    # is exact unless it underflows, and one not taken never overflows (y < 2**(2 * 2**j) before bit j)
    for sign, n, bits in ((1.0, arith.where(k > 0.0, k, 0.0), 10), (-1.0, arith.where(k < 0.0, -k, 0.0), 11)):
        for j in range(bits):
            half = arith.floor(n * 0.5)
            y = arith.where((n - half) - half == 1.0, arith.fence(y * 2.0 ** (sign * 2 ** j)), y)
            n = half
    return y


def _one_minus_exp(arith: Arith, y: Any) -> Any:
    """1 - e**-y for any y: by its series for |y| < 0.35 (where 1 - e**-y would cancel), else by ``exp``."""
    near = abs(y) < _SERIES
    s = arith.where(near, y, _SERIES)  # the series where it is used (no overflow for a large y)
    small = arith.fence(s * _horner(arith, s, _ONE_MINUS_EXP))
    return arith.where(near, small, 1.0 - exp(arith, -y))


def expm1(arith: Arith, x: Any) -> Any:
    """e**x - 1 (float64) for any x, the same bits on every backend, without cancellation near 0: -(1 - e**-y)
    at y = -x, a series for |x| < 0.35 and ``exp`` beyond.

    Args:
        arith: the backend's ``Arith`` (``ScalarArith`` for one Python float).
        x: a float64 array (or a Python float).

    Returns:
        e**x - 1, of x's shape.

    Raises:
        TypeError, ValueError: the backend's own, for an ``x`` it cannot compute with.

    Examples:
        >>> import numpy as np
        >>> from unifiedinit.backends.numpy import NumpyArith
        >>> from unifiedinit.counter import expm1
        >>> x = np.array([-3.0, -1e-9, 0.0, 1e-12, 0.2, 5.0])
        >>> bool(np.allclose(expm1(NumpyArith(), x), np.expm1(x), rtol=1e-15, atol=0.0))
        True
    """
    return -_one_minus_exp(arith, -x)


def inverse_softplus(arith: Arith, y: Any) -> Any:
    """log(e**y - 1) = y + log(1 - e**-y) (float64) for y > 0, the same bits on every backend: 1 - e**-y by its
    series below 0.35 (where it would cancel), else by ``exp``; the logarithm by ``_log``. Within a few ulps of the
    exact value (1 - e**-y cancels to 0.3 just above 0.35); near y = log 2, where the result crosses 0, within a
    few ulps of y.

    Args:
        arith: the backend's ``Arith`` (``ScalarArith`` for one Python float).
        y: a float64 array (or a Python float) of numbers > 0.

    Returns:
        log(e**y - 1), of y's shape.

    Raises:
        TypeError, ValueError: the backend's own, for a ``y`` it cannot compute with.

    Examples:
        >>> import numpy as np
        >>> from unifiedinit.backends.numpy import NumpyArith
        >>> from unifiedinit.counter import inverse_softplus
        >>> y = np.array([1e-4, 0.01, 0.3, 0.5, 3.0, 40.0])
        >>> bool(np.allclose(inverse_softplus(NumpyArith(), y), np.log(np.expm1(y)), rtol=1e-14, atol=0.0))
        True
    """
    return y + _log(arith, _one_minus_exp(arith, y))


def ndtri(arith: Arith, p: Any) -> Any:
    """The standard normal quantile of p in (0, 1) (float64), by AS 241 with ``_log`` and ``_sqrt``.

    Args:
        arith: the backend's ``Arith``.
        p: a float64 array of probabilities in (0, 1).

    Returns:
        A float64 array of p's shape.

    Raises:
        TypeError, ValueError: the backend's own, for a ``p`` it cannot compute with.

    Examples:
        >>> import numpy as np
        >>> from unifiedinit.backends.numpy import NumpyArith
        >>> from unifiedinit.counter import ndtri
        >>> z = ndtri(NumpyArith(), np.array([0.025, 0.5, 0.975, 1e-300]))
        >>> [round(float(x), 6) for x in z]
        [-1.959964, 0.0, 1.959964, -37.047096]
    """
    p = arith.fence(p)  # XLA would fold p's own last constant into p - 0.5 and 1 - p
    q = p - 0.5
    r = 0.180625 - arith.fence(q * q)
    central = arith.fence(q * _horner(arith, r, _A)) / _horner(arith, r, _B)
    if not arith.compact:
        return arith.where(abs(q) <= 0.425, central, _ndtri_tail(arith, p, q))
    outside = abs(q) > 0.425
    return arith.put(central, outside, _ndtri_tail(arith, arith.take(p, outside), arith.take(q, outside)))


def _ndtri_tail(arith: Arith, p: Any, q: Any) -> Any:
    """AS 241 outside the central region, from r = sqrt(-log(min(p, 1 - p)))."""
    tail = arith.where(q < 0.0, p, 1.0 - p)  # 1 - p is exact for p >= 1/2
    t = _sqrt(arith, -_log(arith, tail))
    near = _horner(arith, t - 1.6, _C) / _horner(arith, t - 1.6, _D)
    far = _horner(arith, t - 5.0, _E) / _horner(arith, t - 5.0, _F)
    z = arith.where(t <= 5.0, near, far)
    return arith.where(q < 0.0, -z, z)


class CounterOps:
    """The samplers' ``Ops`` for the counter stream: ``uniform``, ``normal`` and ``truncated_normal`` come from
    Threefry by position (``uniform``, ``ndtri``), everything else from the backend's own ``base`` ops; the work
    dtype is float64.

    ``shape`` and ``block`` say which entries an elementwise draw of that shape covers: the block (a (start, stop)
    per axis) of a tensor of ``shape`` in torch's layout, its positions built by ``arith`` on the device. A call on
    any other shape (an orthogonal draw's Gaussian matrix) covers that whole shape. Each call is the next stream
    (``call``), in the order the samplers make them.

    Args:
        base: the backend's ops (``NumpyOps(None)``, ``TorchOps(None, device)``, ``JaxOps``...): non-random
            operations and casts.
        arith: the backend's ``Arith``.
        key: the parameter's Threefry key, ``counter_key(seed, key)``: two ints, or two uint32 scalars of the
            backend (JAX passes them into ``jit`` as arguments, so one compiled function serves every parameter of
            a shape, and nothing random is folded into a constant at compile time).
        shape: the tensor's shape in torch's layout.
        block: the block drawn, or None for the whole tensor.
        at: flat positions to draw instead (a piece of the block: ``draw_block`` cuts a large one), or None.

    Raises:
        Nothing when built: the backend's own errors come from the draws.

    Examples:
        >>> from unifiedinit import draws
        >>> from unifiedinit.backends.numpy import NumpyArith, NumpyOps
        >>> from unifiedinit.counter import CounterOps, counter_key
        >>> from unifiedinit.samplers import draw
        >>> ops = CounterOps(NumpyOps(None), NumpyArith(), counter_key(0, "w"), (4, 3), ((1, 3), (0, 3)))
        >>> draw(ops, draws.Normal(0.0, 0.02), ops.drawn, "float32").shape
        (2, 3)
    """

    bounded_uniform = False

    def __init__(self, base: Any, arith: Arith, key: tuple[Any, Any], shape: Sequence[int],
                 block: Sequence[tuple[int, int]] | None = None, at: Any = None) -> None:
        self.base, self.arith, self.key = base, arith, key
        self.shape = tuple(int(n) for n in shape)
        self.block = None if block is None else tuple((int(a), int(b)) for a, b in block)
        self.drawn = self.shape if block is None else tuple(b - a for a, b in self.block or ())
        self.calls = 0
        self._positions: Any = at
        if at is not None:  # given positions (a piece of a block): drawn as a flat array of them
            self.drawn = tuple(at.shape)

    def __getattr__(self, name: str) -> Any:  # every non-random operation: the backend's own
        return getattr(self.base, name)

    def work_dtype(self, dtype: Any) -> Any:
        return self.arith.f64

    def _uniform01(self, shape: tuple[int, ...]) -> Any:
        call, self.calls = self.calls, self.calls + 1
        if shape == self.drawn:
            if self._positions is None:
                self._positions = positions(self.arith, self.shape, self.block)
            pos = self._positions
        else:  # a draw that asks for another shape (orthogonal, sparse) is computed whole
            pos = positions(self.arith, shape)
        return self.arith.reshape(uniform(self.arith, self.key, pos, call), shape)

    def uniform(self, shape: tuple[int, ...], low: float, high: float, dt: Any, out: Any = None) -> Any:
        return self.affine(self._uniform01(tuple(shape)), high - low, low)

    def normal(self, shape: tuple[int, ...], mean: float, std: float, dt: Any, out: Any = None) -> Any:
        return self.affine(ndtri(self.arith, self._uniform01(tuple(shape))), std, mean)

    def affine(self, x: Any, scale: float, shift: float) -> Any:
        """scale * x + shift, in two roundings on every backend (``Arith.fence``)."""
        fence = self.arith.fence  # before and after: no product is moved into another or into the sum
        x = x if scale == 1.0 else fence(fence(x) * scale)
        return x if shift == 0.0 else x + shift

    def truncated_normal(self, shape: tuple[int, ...], d: D.TruncatedNormal, dt: Any,
                         support: tuple[float, float], out: Any = None) -> Any:
        from .samplers import phi
        a, b = (d.low - d.mean) / d.std, (d.high - d.mean) / d.std
        flip = a + b > 0.0  # drawn on the mirrored window, so that its far end's probability is small
        if flip:
            a, b = -b, -a
        pa, pb = phi(a), phi(b)
        z = ndtri(self.arith, self.affine(self._uniform01(tuple(shape)), pb - pa, pa))
        return self.base.clip(self.affine(z, -d.std if flip else d.std, d.mean), *support)

    def fence(self, x: Any) -> Any:
        return self.arith.fence(x)

    def exp(self, x: Any) -> Any:
        return exp(self.arith, x)

    def expm1(self, x: Any) -> Any:
        return expm1(self.arith, x)

    def inverse_softplus(self, x: Any) -> Any:
        return inverse_softplus(self.arith, x)

    def log(self, x: Any) -> Any:
        return log(self.arith, x)

    def erfinv(self, x: Any) -> Any:  # pragma: no cover - truncated_normal above never asks for it
        raise NotImplementedError("the counter stream draws truncated normals by ndtri")


def draw_block(base: Any, arith: Arith, draw: D.Draw, shape: Sequence[int], block: Sequence[tuple[int, int]] | None,
               key: tuple[Any, Any], dtype: Any) -> Any:
    """The counter stream's values of ``draw`` (a lowered spec) for ``block`` (a (start, stop) per axis, or None:
    the whole) of a tensor of ``shape`` in torch's layout, in ``dtype`` (the backend's own), for the Threefry
    ``key`` (``counter_key``), computed by ``base`` and ``arith`` where they put arrays. An elementwise draw
    computes the block's entries only (in pieces of ``arith.piece``); any other draw is computed whole and cut."""
    from .samplers import draw as sampled
    shape = tuple(int(n) for n in shape)
    if draw.elementwise:  # each entry on its own: the block's positions, a piece at a time
        ops = CounterOps(base, arith, key, shape, block)
        n = math.prod(ops.drawn)
        if arith.piece is None or n <= arith.piece:
            return sampled(ops, draw, ops.drawn, dtype)
        at, piece = positions(arith, shape, block), arith.piece
        starts = range(0, n, piece)
        parts: list[Any] = [None] * len(starts)

        def compute(j: int) -> None:
            i = starts[j]
            parts[j] = sampled(CounterOps(base, arith, key, shape, block, at[i:i + piece]), draw,
                               (min(piece, n - i),), dtype)

        if arith.threads:
            from .reference import _in_threads  # pyright: ignore[reportPrivateUsage]
            _in_threads(compute, range(len(starts)))
        else:
            for j in range(len(starts)):
                compute(j)
        return arith.reshape(arith.concat(parts), ops.drawn)
    whole = sampled(CounterOps(base, arith, key, shape), draw, shape, dtype)
    return whole if block is None else whole[tuple(slice(a, b) for a, b in block)]


def values(base: Any, arith: Arith, spec: Any, shape: Sequence[int], *, layout: Any, key: tuple[Any, Any],
           dtype_name: str, dtype: Any, block: Sequence[tuple[int, int]] | None = None,
           layer_fans: Sequence[int] | None = None, padding_idx: int | None = None,
           depth: Sequence[int] | None = None) -> Any:
    """The counter stream's values of ``spec`` for a tensor of ``shape`` stored in ``layout`` (or its ``block``), in
    that layout: drawn in torch's counterpart of the layout (positions count in it) and moved, as the default
    stream's are (``unifiedinit.reference.portable``).

    Args:
        base: the backend's ops, which hold the arrays where they are computed (``TorchOps(None, device)``).
        arith: the backend's ``Arith``.
        spec: a unifiedinit spec.
        shape: the tensor's shape, in ``layout``'s order.
        layout: a layout name or Layout.
        key: the Threefry key (``counter_key(seed, key)``), or the backend's own two scalars.
        dtype_name: the dtype's name ("float32", ...), checked against the spec (a constant it cannot hold).
        dtype: the same dtype, the backend's own.
        block: a (start, stop) per axis of ``shape``, or None (the whole).
        layer_fans: the layer's (fan_in, fan_out) when they are not the tensor's own (a bias), or None.
        padding_idx: an embedding's padding row, for ``ui.Rows``, or None.
        depth: (layer index, number of layers), for ``ui.Scaled``, or None.

    Returns:
        The backend's array of the block's shape (``shape`` when whole) in ``dtype``.

    Raises:
        TypeError, ValueError: a spec that does not apply to the shape, or a dtype that cannot hold its values.

    Examples:
        >>> import unifiedinit as ui
        >>> from unifiedinit.backends.numpy import NumpyArith, NumpyOps
        >>> from unifiedinit.counter import counter_key, values
        >>> from unifiedinit.reference import portable
        >>> x = values(NumpyOps(None), NumpyArith(), ui.XavierUniform(), (3, 5), layout="keras",
        ...            key=counter_key(4, "fc"), dtype_name="float32", dtype="float32")
        >>> bool((x == portable(ui.XavierUniform(), (3, 5), layout="keras", seed=4, key="fc", stream="counter")).all())
        True
    """
    from .layout import TensorInfo, drawn_back, drawn_shape, get_layout
    from .reference import drawn_block, drawn_in, numpy_dtype
    target = get_layout(layout)
    info = TensorInfo.make(shape, target, layer_fans)
    where, moved, flips = drawn_in(target, len(info.shape), spec)  # as the chunks stream: in torch's layout
    perm = moved or tuple(range(len(info.shape)))
    drawn = drawn_shape(target, where, info.shape, perm)
    draw = spec.lower(TensorInfo.make(drawn, where, info.layer_fans, padding_idx, depth))
    v.representable(draw, numpy_dtype(dtype_name, integers=draw.deterministic).name)
    grouped = target.groups > 1 and moved is not None  # a block of it is no block of the drawn tensor: cut
    x = draw_block(base, arith, draw, drawn, None if block is None or grouped else
                   drawn_block(block, perm, flips, drawn), key, dtype)
    if moved is None:
        return x
    x = drawn_back(x, target, where, drawn, perm, flips, base.reshape, base.permute, base.flip)
    return x[tuple(slice(a, b) for a, b in block)] if grouped and block is not None else x


def signature_values(signature: tuple[Any, ...], index: Any, base: Any, arith: Arith, dtype: Any,
                     key: tuple[Any, Any]) -> Any:
    """``values`` of one plan entry's ``signature`` (``unifiedinit.apply.CounterJob``: spec, layout, shape, dtype
    name, layer fans, padding index, depth), or of its block ``index``."""
    from .reference import block_of
    spec, layout, shape, dtype_name, fans, padding_idx, depth = signature
    return values(base, arith, spec, shape, layout=layout, key=key, dtype_name=dtype_name, dtype=dtype,
                  block=None if index is None else block_of(shape, index), layer_fans=fans,
                  padding_idx=padding_idx, depth=depth)
