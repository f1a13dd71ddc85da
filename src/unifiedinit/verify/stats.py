"""Exact distributions of the primitives, and the tests that compare samples with them.

``distribution(draw, shape)`` gives the exact marginal law of one entry: CDF, mean, variance, support,
kurtosis. For elementwise draws that is the draw itself; for the structured ones it is the law of a single
entry: an orthogonal matrix's entry is gain * s * sqrt(B), B ~ Beta(1/2, (n - 1)/2), n = max(rows, cols),
s a random sign; a sparse entry is 0 with probability ceil(sparsity * rows) / rows, else N(0, std^2). That law alone
passes tensors whose structure is wrong (two blocks swapped, a Gaussian matrix for an orthogonal one), so ``check``
tests a structured draw's tensor part by part as ``structure`` splits it, each part against its own law, with the
exact structure checked (orthonormal rows, the zeros of a sparse or delta-orthogonal tensor). ``check``
reads a ``MixedRoPE`` tensor by its angles, one per group (``rope_angles``): its entries share them. A sample is
tested against the law as its dtype holds it: each value rounded to nearest in the dtype it was written in; an iid
float32 or float64 sample's variance is tested too, each test at half the level.

Needs SciPy (``pip install 'unifiedinit[stats]'``); nothing else in unifiedinit does.
"""

from __future__ import annotations

import importlib
import math
import sys
from dataclasses import dataclass, field, replace
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from .. import _validate as v
from .. import draws as D
from ..layout import LayoutLike, TensorInfo, check_shape
from ..samplers import narrow
from ..specs import Spec


class _SciPy(NamedTuple):
    """The SciPy modules used here. SciPy ships no type information (no ``py.typed``): its values are ``Any``."""
    special: Any
    stats: Any
    integrate: Any


def _scipy() -> _SciPy:
    try:
        import scipy.integrate
        import scipy.special
        import scipy.stats
    except ImportError:  # pragma: no cover
        raise ImportError("unifiedinit.verify.stats needs SciPy: pip install 'unifiedinit[stats]'") from None
    return _SciPy(scipy.special, scipy.stats, scipy.integrate)


class Moments(NamedTuple):
    """A law's mean, standard deviation and standardized central moments, each kept on its own: exact for a law
    far from 0 (N(1e6, 1), whose raw moments lose its variance in the shift to the mean) and for one of huge values
    (U[-1e307, 1e307), whose E[X^2] is past a float's range but whose std is not).

    Attributes:
        mean: E[X].
        std: the standard deviation (0 for a single value; inf only where it is past a float's range).
        central: E[((X - mean) / std)^k] for k = 2..6 (the first is 1; all 0 for a single value); NaN where not
            known (the 5th and 6th of a structured draw's entry, of a log or an inverse softplus).
    """
    mean: float
    std: float
    central: tuple[float, float, float, float, float]


#: the standardized central moments E[Z^k], k = 2..6, of N(0, 1) and of U[-sqrt 3, sqrt 3)
_NORMAL_MOMENTS = (1.0, 0.0, 3.0, 0.0, 15.0)
_UNIFORM_MOMENTS = (1.0, 0.0, 9 / 5, 0.0, 27 / 7)

#: the moments of a single value, and of a law whose spread is past a float's range
_POINT = Moments(0.0, 0.0, (0.0, 0.0, 0.0, 0.0, 0.0))
_UNKNOWN = (1.0, math.nan, math.nan, math.nan, math.nan)


@dataclass(frozen=True)
class Distribution:
    """The exact law of one entry. ``moments`` holds its mean, std and standardized central moments.

    Built by ``distribution``; its properties give the moments the report shows.

    Args:
        name: the law in words, such as ``"N(0, 0.02^2)"`` or ``"U[-1, 1)"``.
        cdf: the cumulative distribution function, applied elementwise to a NumPy array (right-continuous: at an
            atom it includes the atom's mass).
        moments: the mean, the std and E[((X - mean) / std)^k], k = 2..6 (``Moments``).
        support: (lowest, highest) value; infinite for a normal.
        atoms: (value, probability) of every point mass; empty for a continuous law.
        kept_in: for a bounded elementwise law, a function of a dtype giving the (lowest, highest) numbers of it
            that the samplers keep the values in after rounding them to it (``unifiedinit.reference.support_in``:
            bfloat16 rounds U[1, 1.1)'s values near 1.1 up to 1.1015625, kept at 1.09375); None for any other law.
        parts: (weight, law) of each part of a mixture, blocks or rows, each sampled (and kept in its window) on
            its own; empty for one law.

    Examples:
        >>> from unifiedinit import TensorInfo, Uniform
        >>> law = distribution(Uniform(-1, 1).lower(TensorInfo.make((256, 512))))
        >>> law.name, law.mean, law.support, law.continuous
        ('U[-1, 1)', 0.0, (-1.0, 1.0), True)
        >>> round(law.var, 6), round(law.kurtosis, 6)
        (0.333333, 1.8)
    """
    name: str
    cdf: Callable[[np.ndarray], Any] = field(repr=False)
    #: the mean, std and standardized central moments
    moments: Moments
    #: (lowest, highest) value
    support: tuple[float, ...]
    #: (value, probability) of every point mass
    atoms: tuple[tuple[float, float], ...] = ()
    #: dtype -> the (lowest, highest) numbers of it that the samplers keep rounded values in
    kept_in: Callable[[Any], tuple[float, float] | None] | None = field(default=None, repr=False)
    #: (weight, law) of each part sampled on its own
    parts: tuple[tuple[float, Distribution], ...] = field(default=(), repr=False)

    @property
    def mean(self) -> float:
        """E[X]."""
        return self.moments.mean

    @property
    def var(self) -> float:
        """The variance E[(X - mean)^2] (inf where it is past a float's range: U[-1e307, 1e307))."""
        return self.moments.std * self.moments.std

    @property
    def std(self) -> float:
        """The standard deviation, sqrt(var) (finite where var is not: 5.8e306 for U[-1e307, 1e307))."""
        return self.moments.std

    @property
    def kurtosis(self) -> float | None:
        """Pearson kurtosis E[(X - mean)^4] / var^2 (normal 3, truncated at +-2 sigma 2.3655, uniform 1.8);
        None for a single value."""
        return self.moments.central[2] if self.moments.std > 0.0 else None

    @property
    def raw(self) -> tuple[float, float, float, float]:
        """The raw moments E[X^k], k = 1..4, from the central ones (inf where past a float's range)."""
        m, s = self.moments.mean, self.moments.std
        c = (1.0, 0.0, *self.moments.central)
        out: list[float] = []
        for k in range(1, 5):  # products, not **, which raises OverflowError; a zero factor makes a zero term
            terms = [math.comb(k, j) * _power(m, k - j) * _power(s, j) * c[j] for j in range(k + 1)
                     if c[j] != 0.0 and (m != 0.0 or j == k) and (s != 0.0 or j == 0)]
            out.append(math.fsum(terms) if all(map(math.isfinite, terms)) else sum(terms))
        return out[0], out[1], out[2], out[3]

    @property
    def continuous(self) -> bool:
        """True when the law has no point mass."""
        return not self.atoms


def _power(x: float, k: int) -> float:
    """x**k by products: inf past a float's range (``**`` raises OverflowError there)."""
    out = 1.0
    for _ in range(k):
        out *= x
    return out


def _standardized(mean: float, spread: float, central: Sequence[float]) -> Moments:
    """``Moments`` from E[((X - mean) / spread)^k], k = 2..6, in any unit ``spread``: rescaled to the std."""
    c2 = central[0]
    if c2 == 0.0 or spread == 0.0:
        return _POINT._replace(mean=mean)
    if not (c2 > 0.0 and spread < math.inf):  # past a float's range (or not known)
        return Moments(mean, math.inf, _UNKNOWN)
    c = [ck / c2 ** ((k + 2) / 2) for k, ck in enumerate(central)]
    return Moments(mean, spread * math.sqrt(c2), (1.0, c[1], c[2], c[3], c[4]))


def _affine_moments(base: Moments, scale: float, shift: float) -> Moments:
    """The moments of scale * X + shift: the odd central ones change sign with the scale."""
    sign = -1.0 if scale < 0 else 1.0
    c = base.central
    return _standardized(scale * base.mean + shift, abs(scale) * base.std, (c[0], sign * c[1], c[2], sign * c[3], c[4]))


def _mixture_moments(weights: Sequence[float], parts: Sequence[Moments]) -> Moments:
    """The moments of a mixture: E[(X - mean)^k] = sum_i w_i sum_r C(k, r) (mean_i - mean)^(k - r) E[(X_i - mean_i)^r],
    in a unit no smaller than any part's std or distance from the mean (no power of a ratio overflows)."""
    mean = math.fsum(w * p.mean for w, p in zip(weights, parts))
    unit = max(max(p.std, abs(p.mean - mean)) for p in parts)
    if not unit < math.inf:
        return Moments(mean, math.inf, _UNKNOWN)
    if unit == 0.0:
        return _POINT._replace(mean=mean)
    central: list[float] = []
    for k in range(2, 7):
        central.append(math.fsum(
            w * math.comb(k, r) * ((p.mean - mean) / unit) ** (k - r) * (p.std / unit) ** r * c
            for w, p in zip(weights, parts) for r, c in zip(range(k + 1), (1.0, 0.0, *p.central)) if c != 0.0))
    return _standardized(mean, unit, central)


def _quad(f: Callable[[float], float], lo: float, hi: float, tolerance: float) -> float:
    """The integral of ``f`` over [lo, hi] by SciPy's adaptive quadrature, to a relative 1e-12 or an absolute
    ``tolerance`` (0: relative only)."""
    return float(_scipy().integrate.quad(f, lo, hi, limit=200, epsabs=tolerance, epsrel=1e-12)[0])


def _quad_moments(value: Callable[[float], float], weight: Callable[[float], float], lo: float,
                  hi: float) -> Moments:
    """The moments of value(T), T of density proportional to ``weight`` on [lo, hi], by quadrature about the
    mean (no raw moment is shifted: each central one is the integral of (value - mean)^k itself)."""
    width = hi - lo

    def at(u: float) -> tuple[float, float]:  # over [0, 1]: the same relative accuracy at any width
        t = lo + width * u
        return value(t), weight(t)

    def integral(f: Callable[[float, float], float], tolerance: float) -> float:
        return _quad(lambda u: f(*at(u)), 0.0, 1.0, tolerance)

    mass = integral(lambda y, w: w, 0.0)
    reach = max(abs(value(lo)), abs(value(hi)))
    mean = integral(lambda y, w: y * w, 1e-14 * reach * mass) / mass
    std = math.sqrt(integral(lambda y, w: (y - mean) ** 2 * w, 0.0) / mass)
    if std == 0.0:
        return _POINT._replace(mean=mean)
    def power(k: int) -> Callable[[float, float], float]:  # the k-th standardized power, weighted
        return lambda y, w: ((y - mean) / std) ** k * w

    c = [integral(power(k), 1e-13 * mass) / mass for k in range(3, 7)]
    return Moments(mean, std, (1.0, c[0], c[1], c[2], c[3]))


def _truncated_moments(a: float, b: float) -> Moments:
    """The moments of N(0, 1) cut to [a, b] (a window not ``narrow``). Taken about c, the window's point nearest 0:
    z = c + t, t of density exp(-c t - t^2 / 2) (at most 1 on the window) up to where it falls below e^-745, so
    a window far out in a tail ([30, 31]: mean 30.03, std 0.033) keeps its moments, which its raw ones
    (E[Z^4] ~ 30^4) would lose in the shift to its mean."""
    c = min(max(0.0, a), b)
    reach = 1490.0 / (abs(c) + math.sqrt(c * c + 1490.0))  # c |t| + t^2 / 2 = 745
    t = _quad_moments(lambda t: t, lambda t: math.exp(-c * t - t * t / 2), max(a - c, -reach), min(b - c, reach))
    return t._replace(mean=c + t.mean)


def _truncated_cdf(a: float, b: float) -> Callable[[np.ndarray], np.ndarray]:
    """The CDF of N(0, 1) cut to [a, b], at standard values z. A window on one side of 0 is taken as [lo, hi] above
    it (mirrored from below): P(lo <= Z <= u) is 1 - Q(u) / Q(lo) over 1 - Q(hi) / Q(lo), Q(u) = P(Z > u), with
    log Q(u) - log Q(lo) = -(lo t + t^2 / 2) + log(erfcx(u / sqrt 2) / erfcx(lo / sqrt 2)), t = u - lo: no
    difference of two large logs (log Q(1000) is -500,000), so a window far out in a tail ([30, 31], [1000, 1000.001])
    keeps its CDF to full relative precision. A window across 0 takes Phi itself, whose values there are not small."""
    sp = _scipy()
    if a < 0.0 < b:
        pa, mass = float(sp.special.ndtr(a)), float(sp.special.ndtr(b) - sp.special.ndtr(a))

        def across(z: np.ndarray) -> np.ndarray:
            z = np.asarray(z, dtype=np.float64)
            return np.where(z >= b, 1.0, np.clip((sp.special.ndtr(np.clip(z, a, b)) - pa) / mass, 0.0, 1.0))

        return across
    mirrored = b <= 0.0
    lo, hi = (-b, -a) if mirrored else (a, b)
    root2 = math.sqrt(2.0)
    base = float(sp.special.erfcx(lo / root2))

    def gap(u: Any) -> Any:  # log Q(u) - log Q(lo), u >= lo
        t = u - lo
        return -(lo * t + t * t / 2) + np.log(sp.special.erfcx(u / root2) / base)

    whole = -math.expm1(float(gap(hi)))  # (Q(lo) - Q(hi)) / Q(lo)

    def cdf(z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=np.float64)
        u = np.clip(-z if mirrored else z, lo, hi)
        with np.errstate(invalid="ignore", over="ignore"):  # u = hi = inf: gap -inf
            inside = np.where(u >= hi, 1.0, np.where(u <= lo, 0.0, np.clip(-np.expm1(gap(u)) / whole, 0.0, 1.0)))
        return 1.0 - inside if mirrored else inside  # mirrored: P(Z <= z) = 1 - P(-Z < -z)

    return cdf


def _cdf_moments(cdf: Callable[[np.ndarray], Any], low: float, high: float) -> Moments:
    """The moments up to the 4th of a law on [low, high] from its CDF F (F(low) the mass at low), by quadrature
    about its mean m: E[(Y - m)^k] = integral over [m, high] of k (y - m)^(k - 1) (1 - F) less that over [low, m] of
    k (y - m)^(k - 1) F, each of the size of the spread (no raw moment is shifted); m itself from a first guess
    c (high less the integral of F) as c + integral over [c, high] of 1 - F less that over [low, c] of F."""
    def f(y: float) -> float:
        return float(cdf(np.array([y]))[0])

    def about(m: float, k: int, tolerance: float) -> float:  # E[(Y - m)^k]
        def h(y: float) -> float:
            return k * (y - m) ** (k - 1)
        return _quad(lambda y: h(y) * (1.0 - f(y)), m, high, tolerance) - _quad(lambda y: h(y) * f(y), low, m,
                                                                               tolerance)

    guess = min(max(high - _quad(f, low, high, 0.0), low), high)
    mean = guess + about(guess, 1, 0.0)
    var = about(mean, 2, 0.0)
    if not var > 0.0:
        return _POINT._replace(mean=mean)
    std = math.sqrt(var)
    c3, c4 = (about(mean, k, 1e-12 * std ** k) / std ** k for k in (3, 4))
    return Moments(mean, std, (1.0, c3, c4, math.nan, math.nan))


def _inverse_softplus(base: Distribution, draw: D.InverseSoftplus) -> Distribution:
    """The law of log(e**y - 1), y = max(x, floor): increasing, so P(Y <= t) = P(max(x, floor) <= softplus(t))."""
    from ..reference import inverse_softplus
    floor, low, high = draw.floor, draw.low, draw.high

    def cdf(t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=np.float64)
        y = np.maximum(np.logaddexp(0.0, t), floor)  # softplus(t), no overflow; at low (the floor's image), floor
        return np.where(t >= low, base.cdf(y), 0.0)

    atoms: dict[float, float] = {}
    for a, m in base.atoms:
        key = inverse_softplus(max(a, floor))
        atoms[key] = atoms.get(key, 0.0) + m
    held = float(base.cdf(np.array([floor]))[0]) - sum(m for a, m in base.atoms if a <= floor)
    if held > 0.0:  # the continuous mass below the floor, all at the floor
        atoms[low] = atoms.get(low, 0.0) + held
    return Distribution(f"isp(max({base.name}, {floor:.6g}))", cdf, _cdf_moments(cdf, low, high), (low, high),
                        tuple(sorted(atoms.items())))


def _log(base: Distribution, draw: D.Log) -> Distribution:
    """The law of log(x): increasing, so P(Y <= t) = P(x <= e**t)."""
    from ..reference import log

    def cdf(t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=np.float64)
        with np.errstate(over="ignore"):
            return np.where(t >= draw.low, base.cdf(np.exp(t)), 0.0)

    return Distribution(f"log({base.name})", cdf, _cdf_moments(cdf, draw.low, draw.high), (draw.low, draw.high),
                        tuple((log(a), m) for a, m in base.atoms))


def distribution(draw: D.Draw, shape: Sequence[int] | None = None) -> Distribution:
    """The exact marginal law of one entry of ``draw`` (``shape`` is needed for structured draws).

    Elementwise draws (uniform, normal, truncated normal, constant, their affine maps and mixtures) give their own
    law; structured ones give the law of a single entry of a tensor of ``shape``: an orthogonal entry, a sparse
    entry (zero or normal), a delta-orthogonal kernel's entry (mostly exact zeros), blocks and rows as mixtures (a
    determined part of them, an eye block, as point masses at its values, each weighed by how often it is written).

    Args:
        draw: a lowered draw, as ``spec.lower(TensorInfo.make(shape, layout))`` returns it.
        shape: the tensor's shape, in the layout the draw was lowered for; needed for structured draws (orthogonal,
            delta-orthogonal, blocks, rows, sparse), ignored by elementwise ones.

    Returns:
        The exact ``Distribution`` of one entry.

    Raises:
        ValueError: a structured draw without ``shape``, a determined draw (eye, dirac, hadamard, an array: compare
            those exactly with ``unifiedinit.reference.draw_array``), a stack's ``PerLayer`` draw (ask for one
            layer's), or a negative dimension in ``shape``.
        TypeError: ``draw`` is not a draw of ``unifiedinit.draws`` (a spec must be lowered first), or ``shape`` is
            not a sequence of integers.
        ImportError: SciPy is not installed.

    Examples:
        >>> from unifiedinit import Orthogonal, TensorInfo
        >>> draw = Orthogonal().lower(TensorInfo.make((256, 512)))
        >>> law = distribution(draw, (256, 512))
        >>> law.name, law.support, abs(law.std - 512 ** -0.5) < 1e-12
        ('orthogonal entry, n=512, gain=1', (-1.0, 1.0), True)
        >>> distribution(draw)
        Traceback (most recent call last):
        ...
        ValueError: the law of one entry of Orthogonal depends on the shape: pass shape=
    """
    from ..reference import support_in
    if not isinstance(draw, D.Draw):
        hint = " (a spec: lower it first, spec.lower(TensorInfo.make(shape)))" if isinstance(draw, Spec) else ""
        raise TypeError(f"distribution: parameter 'draw' must be a draw of unifiedinit.draws{hint}, got "
                        f"{v.shown(draw)} of type {type(draw).__name__}")
    if shape is not None:
        shape = check_shape(shape)
    law = _law(draw, shape)
    if support_in(draw, "float64") is None:
        return law

    def kept_in(dtype: Any) -> tuple[float, float] | None:
        return support_in(draw, dtype)

    return replace(law, kept_in=kept_in)


def _law(draw: D.Draw, shape: Sequence[int] | None) -> Distribution:
    """``distribution`` without ``kept_in``."""
    sp = _scipy()
    if isinstance(draw, D.Uniform):
        a, b = draw.low, draw.high  # halves first: no overflow for U[-1e308, 1e308)
        return Distribution(f"U[{a:.6g}, {b:.6g})", lambda x: np.clip((x - a) / (b - a), 0.0, 1.0),
                            _standardized(a / 2 + b / 2, (b / 2 - a / 2) / math.sqrt(3), _UNIFORM_MOMENTS), (a, b))
    if isinstance(draw, D.Normal):
        m, s = draw.mean, draw.std
        return Distribution(f"N({m:.6g}, {s:.6g}^2)", lambda x: sp.special.ndtr((x - m) / s),
                            Moments(m, s, _NORMAL_MOMENTS), (-math.inf, math.inf))
    if isinstance(draw, D.TruncatedNormal):
        m, s = draw.mean, draw.std
        name = f"N({m:.6g}, {s:.6g}^2) on [{draw.low:.6g}, {draw.high:.6g}]"
        if narrow(draw):  # drawn as the uniform it is to 1e-8 (a float64 CDF cannot tell such a window's ends apart)
            return replace(_law(D.Uniform(draw.low, draw.high), shape), name=name)
        a, b = (draw.low - m) / s, (draw.high - m) / s
        standard = _truncated_cdf(a, b)

        def truncated(x: np.ndarray) -> np.ndarray:
            with np.errstate(over="ignore", invalid="ignore"):  # x - m past a float's range: inf, kept at an end
                return standard((np.asarray(x, dtype=np.float64) - m) / s)

        return Distribution(name, truncated, _affine_moments(_truncated_moments(a, b), s, m), (draw.low, draw.high))
    if isinstance(draw, D.Constant):
        c = draw.value
        return Distribution(f"{c:.6g}", lambda x: (np.asarray(x) >= c).astype(float), _POINT._replace(mean=c),
                            (c, c), ((c, 1.0),))
    if isinstance(draw, D.LogUniform):
        a, b = draw.low, draw.high
        la, ratio = math.log(a), b / a
        close = ratio < 2.0  # log(x / a) as log1p((x - a) / a): x - a is exact, so U[1, 1 + 1e-12]'s CDF keeps 4 digits
        span = math.log1p((b - a) / a) if close else math.log(ratio) if ratio < math.inf else math.log(b) - la

        def log_uniform(x: np.ndarray) -> np.ndarray:
            x = np.maximum(np.asarray(x, dtype=np.float64), a)
            return np.clip((np.log1p((x - a) / a) if close else np.log(x) - la) / span, 0.0, 1.0)

        # X = b e^-v, v uniform on [0, span]: the moments of X / b - 1 = expm1(-v) (no cancellation near b)
        relative = _quad_moments(lambda v: math.expm1(-v), lambda v: 1.0, 0.0, span)
        return Distribution(f"logU[{a:.6g}, {b:.6g}]", log_uniform, _affine_moments(relative, b, b), (a, b))
    if isinstance(draw, D.InverseSoftplus):
        return _inverse_softplus(distribution(draw.base, shape), draw)
    if isinstance(draw, D.Log):
        return _log(distribution(draw.base, shape), draw)
    if isinstance(draw, D.Affine):
        base = distribution(draw.base, shape)
        k, t = draw.scale, draw.shift
        def flipped(x: Any) -> Any:
            # k < 0: the continuous part gives P(Y_c >= y) = (1 - M) - F_c(y), y = (x - t) / k, F_c the base's CDF
            # less its point masses (M in all); each point mass a counts where it lands, k a + t <= x (read off
            # 1 - F(y), a mass exactly at y would be left out)
            x = np.asarray(x, dtype=np.float64)
            y = (x - t) / k
            below = sum(np.where(y >= a, m, 0.0) for a, m in base.atoms)  # the masses base.cdf(y) holds
            landed = sum(np.where(x >= k * a + t, m, 0.0) for a, m in base.atoms)
            mass = sum(m for _, m in base.atoms)
            return (1.0 - mass) - (base.cdf(y) - below) + landed

        cdf = (lambda x: base.cdf((x - t) / k)) if k > 0 else flipped
        ends = sorted((k * base.support[0] + t, k * base.support[1] + t))
        return Distribution(f"{k:.6g} * ({base.name}) + {t:.6g}", cdf, _affine_moments(base.moments, k, t), tuple(ends),
                            tuple((k * a + t, m) for a, m in base.atoms))
    if isinstance(draw, D.Mixture):
        parts = [distribution(c, shape) for c in draw.components]
        ws = draw.weights
        return Distribution(" | ".join(f"{w:.3g}: {p.name}" for w, p in zip(ws, parts)),
                            lambda x: sum(w * p.cdf(x) for w, p in zip(ws, parts)),
                            _mixture_moments(ws, [p.moments for p in parts]),
                            (min(p.support[0] for p in parts), max(p.support[1] for p in parts)),
                            tuple((a, w * m) for w, p in zip(ws, parts) for a, m in p.atoms),
                            parts=tuple(zip(ws, parts)))
    if isinstance(draw, (D.Eye, D.Dirac, D.Hadamard, D.Sinusoidal, D.S4DReal, D.Array)):
        raise ValueError(f"{type(draw).__name__} is determined, not random: compare it exactly "
                         f"(unifiedinit.reference.draw_array)")
    if shape is None:
        raise ValueError(f"the law of one entry of {type(draw).__name__} depends on the shape: pass shape=")
    shape = tuple(shape)
    if isinstance(draw, D.Orthogonal):
        rows = math.prod([shape[i] for i in draw.rows(shape)])
        n = max(rows, math.prod(shape) // rows)
        g = draw.gain
        if n == 1:
            return distribution(D.Mixture((D.Constant(-g), D.Constant(g)), (0.5, 0.5)))

        def cdf(x: np.ndarray) -> np.ndarray:
            x = np.asarray(x, dtype=np.float64)
            half: np.ndarray = 0.5 * sp.special.betainc(0.5, (n - 1) / 2, np.clip((x / g) ** 2, 0.0, 1.0))
            return np.where(x >= 0, 0.5 + half, 0.5 - half)

        # E[x^2] = g^2 / n, E[x^4] = 3 g^4 / (n (n + 2)), E[x^6] = 15 g^6 / (n (n + 2) (n + 4)), odd moments 0
        return Distribution(f"orthogonal entry, n={n}, gain={g:.6g}", cdf, _standardized(
            0.0, abs(g) / math.sqrt(n), (1.0, 0.0, 3 * n / (n + 2), 0.0, 15 * n * n / ((n + 2) * (n + 4)))), (-g, g))
    if isinstance(draw, D.DeltaOrthogonal):
        # one entry in RF is an entry of an (out, in) orthogonal matrix, the others are exactly 0
        out, inp = shape[draw.out_axis], shape[draw.in_axis]
        rf = math.prod(shape) // (out * inp)
        centre = distribution(D.Orthogonal(draw.gain, 0), (out, inp))
        if rf == 1:
            return centre
        zero = distribution(D.Constant(0.0))
        w = 1.0 / rf
        return Distribution(f"{w:.3g}: {centre.name} | 0", lambda x: w * centre.cdf(x) + (1 - w) * zero.cdf(x),
                            _mixture_moments((w, 1 - w), (centre.moments, _POINT)), centre.support, ((0.0, 1 - w),))
    if isinstance(draw, D.Blocks):
        block = tuple(n // len(draw.parts) if i == draw.axis else n for i, n in enumerate(shape))
        parts = [_part_law(p, block) for p in draw.parts]
        w = 1.0 / len(parts)
        return Distribution(" | ".join(f"{w:.3g}: {p.name}" for p in parts),
                            lambda x: sum(w * p.cdf(x) for p in parts),
                            _mixture_moments([w] * len(parts), [p.moments for p in parts]),
                            (min(p.support[0] for p in parts), max(p.support[1] for p in parts)),
                            tuple((a, w * m) for p in parts for a, m in p.atoms), parts=tuple((w, p) for p in parts))
    if isinstance(draw, D.Rows):
        w = 1.0 / shape[draw.axis]  # the share of entries in the row
        base, fill = _part_law(draw.base, shape, draw), distribution(draw.fill, shape)
        if w == 1.0:
            return fill
        return Distribution(f"{1 - w:.3g}: {base.name} | {w:.3g}: {fill.name}",
                            lambda x: (1 - w) * base.cdf(x) + w * fill.cdf(x),
                            _mixture_moments((1 - w, w), (base.moments, fill.moments)),
                            (min(base.support[0], fill.support[0]), max(base.support[1], fill.support[1])),
                            tuple((a, (1 - w) * m) for a, m in base.atoms) + tuple((a, w * m) for a, m in fill.atoms),
                            parts=((1 - w, base), (w, fill)))
    if isinstance(draw, D.Sparse):
        rows = shape[draw.out_axis % len(shape)]
        p0 = math.ceil(draw.sparsity * rows) / rows
        if p0 == 0:
            return distribution(D.Normal(0.0, draw.std))
        if p0 == 1:
            return distribution(D.Constant(0.0))
        return distribution(D.Mixture((D.Constant(0.0), D.Normal(0.0, draw.std)), (p0, 1 - p0)))
    if isinstance(draw, D.MixedRoPE):  # m_k cos t and m_k sin t of a uniform t: arcsine laws on [-m_k, m_k]
        mags = draw.magnitudes()  # each k as often
        top = float(mags.max())
        r = mags / top  # E[(m cos t)^k] = m^k (1/2, 3/8, 5/16) for k = 2, 4, 6
        return Distribution(f"arcsine on [-m_k, m_k], m_k = {draw.temperature:.6g}^(-2k/{draw.columns})",
                            lambda x: np.mean([0.5 + np.arcsin(np.clip(np.asarray(x, dtype=np.float64) / mk, -1.0, 1.0))
                                               / math.pi for mk in mags], axis=0),
                            _standardized(0.0, top, (float(np.mean(r ** 2)) / 2, 0.0, 3 * float(np.mean(r ** 4)) / 8,
                                                     0.0, 5 * float(np.mean(r ** 6)) / 16)), (-top, top))
    if isinstance(draw, D.PerLayer):
        raise ValueError("PerLayer draws each layer of a stack from its own law: ask for one layer's "
                         "(distribution(draw.layers[i], shape of one layer))")
    raise TypeError(f"distribution: parameter 'draw' must be a draw of unifiedinit.draws, got {draw!r}")


def _part_law(part: D.Draw, shape: tuple[int, ...], rows: D.Rows | None = None) -> Distribution:
    """The law of one entry of a part of a ``Blocks`` (lowered for ``shape``), or of the base of ``rows`` off its
    row. A random part or a constant has its own law. A determined one (an eye, a Hadamard matrix, an array) has
    none of its own, but an entry picked at random from the values it writes there has one: a point mass at each
    value, in proportion to how often it is written. The whole tensor's law is a mixture of its parts' laws, so it
    needs this one too; ``structure`` compares the part's values themselves exactly."""
    if not part.deterministic or isinstance(part, D.Constant):
        return distribution(part, shape)
    values = _determined_values(part, shape)
    if rows is not None:
        values = np.delete(values, rows.index, axis=rows.axis)
    points, counts = np.unique(values, return_counts=True)
    mass = counts / values.size
    below = np.concatenate([[0.0], np.cumsum(mass)])

    def cdf(x: np.ndarray) -> np.ndarray:
        return np.minimum(below[np.searchsorted(points, np.asarray(x, dtype=np.float64), side="right")], 1.0)

    # the moments of point masses, in one pass over them (an array's block may hold a million distinct values), in
    # units of the farthest one from the mean as _mixture_moments takes them: no power of a ratio overflows
    mean = float(np.dot(mass, points))
    unit = float(np.max(np.abs(points - mean)))
    ratio = (points - mean) / (unit or 1.0)
    moments = _standardized(mean, unit, [float(np.dot(mass, ratio ** k)) for k in range(2, 7)])
    return Distribution(f"the values of {type(part).__name__}", cdf, moments, (float(points[0]), float(points[-1])),
                        tuple(zip(points.tolist(), mass.tolist())))


# ---------------------------------------------------------------------------------------------- tests

#: each float dtype's machine epsilon (the coarser dtype of two has the larger)
_EPS = {"float16": 2.0 ** -10, "bfloat16": 2.0 ** -7, "float32": 2.0 ** -23, "float64": 2.0 ** -52}


#: ``written_in`` takes a float32 or float64 array whose values a narrower dtype holds as written in it when it has
#: this many distinct values, or two neighbouring numbers of the dtype among them (a sample of point masses alone,
#: 0 and 1, or of one value a continuous law collapsed to, says nothing of the dtype it was written in)
_DISTINCT = 64


def _sample_array(owner: str, name: str, sample: Any) -> np.ndarray:
    """``sample`` as a NumPy array of real numbers, read from any framework's array: a torch tensor detached and
    moved to the CPU (one that requires grad too), its bfloat16 values as ml_dtypes' bfloat16 (float32 where that is
    not installed) and any other dtype NumPy has no counterpart of upcast to float32, exactly; a JAX, Keras or
    NumPy array (or a nested list) through ``np.asarray``, an MXNet NDArray through ``asnumpy``. The dtype is kept
    where NumPy has it: a sample is tested against its law as that dtype holds it. Refused by name: None, a value
    that is no array of numbers (strings, objects, complex numbers), an empty sample."""
    if sample is None:
        raise TypeError(f"{owner}: parameter {name!r} must be an array of numbers (NumPy, torch, JAX...), got None")
    torch = sys.modules.get("torch")
    x: Any = sample
    if torch is not None and isinstance(sample, torch.Tensor):
        t: Any = sample.detach().cpu()
        if t.dtype == torch.bfloat16:
            try:
                import ml_dtypes
                x = t.float().numpy().astype(ml_dtypes.bfloat16)
            except ImportError:  # pragma: no cover - installed with JAX
                x = t.float().numpy()
        elif t.dtype.is_floating_point and t.dtype not in (torch.float16, torch.float32, torch.float64):
            x = t.float().numpy()  # float8 and other dtypes NumPy has no counterpart of: exact in float32
        else:
            x = t.numpy()
    elif callable(getattr(sample, "asnumpy", None)):  # MXNet's NDArray
        x = sample.asnumpy()
    try:
        array = np.asarray(x)
    except (TypeError, ValueError):  # a ragged list, an object NumPy cannot read
        raise TypeError(f"{owner}: parameter {name!r} must be an array of numbers, got {v.shown(sample)} of type "
                        f"{type(sample).__name__}, which NumPy cannot read as one (a ragged list?)") from None
    if array.dtype.kind not in "biuf" and array.dtype.name != "bfloat16":
        raise TypeError(f"{owner}: parameter {name!r} must be an array of real numbers, got {v.shown(sample)} of "
                        f"type {type(sample).__name__} (dtype {array.dtype})")
    if array.size == 0:
        raise ValueError(f"{owner}: parameter {name!r} is an empty sample (shape {array.shape}): no values to test")
    return array


def written_in(x: Any, atoms: Sequence[float] = ()) -> Any:
    """The dtype ``x``'s values were written in: its own, or for a float32 or float64 array (a framework's
    bfloat16, float16 or float32 values read as a wider dtype) the narrowest of bfloat16, float16 and float32 below
    its own that holds every finite value exactly where the values show they were written in it: at least
    ``_DISTINCT`` (64) distinct values, two neighbouring numbers of it among them (a continuous law's values fill
    neighbouring cells of a coarse grid), or one of ``atoms`` (the law's point masses) as it rounds there and not
    as ``x``'s own dtype holds it (0.1 in float32). A continuous law's float64 values all fall on float32's grid by
    chance with probability 2^-29 each; values that collapsed onto one number or a few far apart (all 1.0, which
    float32 and bfloat16 hold too) show nothing of the kind, and are judged in their own dtype: a float64 sample
    of N(1, 1e-9^2) that is all 1.0 is not the float32 one, which a float64 sampler never writes.

    Args:
        x: an array (or anything ``np.asarray`` takes).
        atoms: the point masses of the law the values come from (``Distribution.atoms``' values), if known.

    Returns:
        A NumPy dtype (ml_dtypes' bfloat16 for bfloat16; float64 for integers and booleans).

    Examples:
        >>> import numpy as np
        >>> single = np.float32(np.random.default_rng(0).normal(size=100)).astype(np.float64)
        >>> written_in(single).name, written_in(np.array([0.1])).name
        ('float32', 'float64')
        >>> written_in(np.ones(1000)).name  # one value: nothing says it is float32's
        'float64'
        >>> written_in(np.float32([0.1, 0.0]).astype(np.float64), atoms=[0.1, 0.0]).name  # 0.1 as float32 holds it
        'float32'
    """
    x = np.asarray(x)
    if x.dtype.name not in ("float64", "float32"):
        return x.dtype if x.dtype.name == "bfloat16" or np.issubdtype(x.dtype, np.floating) else np.dtype(np.float64)
    finite = np.unique(x[np.isfinite(x)].astype(np.float64))
    tried: list[Any] = []
    try:
        import ml_dtypes
        tried.append(np.dtype(ml_dtypes.bfloat16))
    except ImportError:  # pragma: no cover - installed with JAX
        pass
    tried.append(np.dtype(np.float16))
    if x.dtype == np.float64:
        tried.append(np.dtype(np.float32))
    own = {float(np.asarray(a, dtype=x.dtype)) for a in atoms}  # the atoms as x's own dtype holds them
    with np.errstate(over="ignore"):
        for dt in tried:
            if finite.size == 0 or not np.array_equal(finite.astype(dt).astype(np.float64), finite):
                continue
            if finite.size >= _DISTINCT or bool(np.any(np.diff(_grid_place(finite, dt)) == 1)):
                return dt
            moved = [r for a in atoms if (r := float(np.asarray(a, dtype=dt))) not in own]  # 0.1 as float32 holds it
            if bool(np.isin(finite, moved).any()):
                return dt
    return x.dtype


#: ``ks_1samp``'s exact p-value for a sample on a coarse grid takes at most this many points where the statistic's
#: bounds change (past it the grid is fine next to the sample and SciPy's continuous p-value, a bound, is close)
_EXACT_POINTS = 4096

#: ... and at most this much work (points times the widest count range), so that a check stays well under a second
_EXACT_WORK = 20_000_000

#: ... and looks at most at this many of the dtype's numbers
_GRID_POINTS = 1 << 18

#: the grid is looked at only where the held CDF lies in [_TAIL, 1 - _TAIL]: the tails change the p-value by at
#: most 2 n _TAIL
_TAIL = 2.0 ** -50


def _grid_place(values: Any, dtype: Any) -> np.ndarray:
    """Each value's place on the dtype's ordered grid of numbers (both zeros 0, the smallest subnormals +-1), an
    int64 array: the dtype's bits read as sign and magnitude."""
    held = np.asarray(values).astype(dtype)
    width = held.dtype.itemsize * 8
    bits = held.view(f"u{held.dtype.itemsize}").astype(np.int64)
    magnitude = bits & ((1 << (width - 1)) - 1)
    return np.where(bits >> (width - 1) == 1, -magnitude, magnitude)


def _grid_value(place: Any, dtype: Any) -> np.ndarray:
    """The dtype's number at each place of ``_grid_place``, as float64."""
    k = np.asarray(place, dtype=np.int64)
    size = np.dtype(dtype).itemsize
    bits = np.abs(k) | np.where(k < 0, 1 << (8 * size - 1), 0)
    return bits.astype(f"u{size}").view(dtype).astype(np.float64)


def _cell_top(v: np.ndarray, dtype: Any) -> np.ndarray:
    """The upper end of the cell of reals that round to ``v`` (float64 values the dtype holds) in the dtype: the
    midpoint to the next number up; for the largest finite number, where rounding overflows to inf."""
    held = v.astype(dtype)
    inf = np.array(np.inf, dtype=dtype)
    up = np.nextafter(held, inf).astype(np.float64)
    big = np.nextafter(inf, np.array(0.0, dtype=dtype))
    below = float(np.nextafter(big, np.array(0.0, dtype=dtype)))
    edge = float(big) + (float(big) - below) / 2
    with np.errstate(invalid="ignore", over="ignore"):
        top = (v + up) / 2
    return np.where(v == float(big), edge, np.where(v == -np.inf, -edge, top))


def _held_cdf(law: Distribution, dtype: Any) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """P(Y <= v) and P(Y < v) at values ``v`` the dtype holds, for Y the value X ~ ``law`` is written as in
    ``dtype``: the law as the sample's dtype holds it. X is rounded to nearest (each of the dtype's numbers takes
    the mass of its cell; ties fall on midpoints, measure zero for a continuous part), kept in ``law.kept_in``
    (the mass rounded past its ends is at its ends), a point mass of ``law`` where it rounds to, and the parts
    of a mixture each on its own. In float64 the grid is the reals': Y = X."""
    if law.parts:
        held = [(w, _held_cdf(part, dtype)) for w, part in law.parts]

        def mixed(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            right, left = np.zeros(v.shape), np.zeros(v.shape)
            for w, cdf in held:
                r, l = cdf(v)
                right, left = right + w * r, left + w * l
            return np.clip(right, 0.0, 1.0), np.clip(left, 0.0, 1.0)

        return mixed
    atoms = [(float(a), float(np.asarray(a, dtype=dtype)), float(m)) for a, m in law.atoms]
    narrow = np.dtype(dtype) != np.float64
    ends = law.kept_in(dtype) if law.kept_in is not None else None
    total = 1.0 - sum(m for _, _, m in atoms)  # the continuous part's mass

    def continuous(t: np.ndarray) -> np.ndarray:  # F(t) less the point masses at or below t
        f = np.asarray(law.cdf(t), dtype=np.float64)
        for a, _, m in atoms:
            f = f - np.where(t >= a, m, 0.0)
        return f

    def cdf(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        top, bottom = (_cell_top(v, dtype), -_cell_top(-v, dtype)) if narrow else (v, v)
        right, left = continuous(top), continuous(bottom)
        if ends is not None:
            right = np.where(v < ends[0], 0.0, np.where(v >= ends[1], total, right))
            left = np.where(v <= ends[0], 0.0, np.where(v > ends[1], total, left))
        for _, at, m in atoms:
            right, left = right + np.where(v >= at, m, 0.0), left + np.where(v > at, m, 0.0)
        return np.clip(right, 0.0, 1.0), np.clip(left, 0.0, 1.0)

    return cdf


def _discrete_sf(d: float, n: int, cdf: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
                 dtype: Any) -> float | None:
    """P(D >= d) for n values of the law ``cdf`` gives on the dtype's grid, exactly (to 2 n _TAIL); None when the
    grid is too fine for it (past ``_EXACT_POINTS`` or ``_EXACT_WORK``).

    D = max over the grid's numbers v_i of |N_i / n - G_i|, N_i the count at or below v_i, G_i = P(Y <= v_i), so
    D < d says every N_i lies in (n (G_i - d), n (G_i + d)). The counts are multinomial: independent Poisson
    counts, cell by cell, conditioned on their sum being n. A walk over the counts keeps each N_i in its band
    (a band that is the last one's below, or the next one's above, is implied by it: such points are merged)."""
    sp = _scipy()

    def held(place: Any) -> np.ndarray:
        return cdf(_grid_value(place, dtype))[0]

    end = int(_grid_place(np.array(np.inf), dtype))

    def first(level: float, strict: bool) -> int:  # the first place whose G passes level: G(lo) does not, G(hi) does
        lo, hi = -end - 1, end
        while hi - lo > 1:  # a search by 256ths: two rounds for a 16-bit dtype, four for float32
            places = np.unique(np.linspace(lo, hi, 257).round().astype(np.int64))[1:-1]
            g = held(places)
            passing = g > level if strict else g >= level
            if not passing.any():
                lo = int(places[-1])
                continue
            at = int(np.argmax(passing))
            hi, lo = int(places[at]), int(places[at - 1]) if at > 0 else lo
        return hi

    start, stop = first(_TAIL, True), first(1.0 - _TAIL, False)
    if stop - start >= _GRID_POINTS:
        return None
    g = np.maximum.accumulate(held(np.arange(start, stop + 1)))
    shrunk = d * (1 - 1e-7)  # D == d itself must fall outside the bands, past the rounding of n (G +- d)
    lower = np.maximum(np.floor(n * (g - shrunk)) + 1, 0).astype(np.int64)
    upper = np.minimum(np.ceil(n * (g + shrunk)) - 1, n).astype(np.int64)
    keep = np.ones(g.size, dtype=bool)
    keep[1:] = lower[1:] > lower[:-1]
    keep[:-1] |= upper[:-1] < upper[1:]
    keep[-1] = True
    g, lower, upper = g[keep], lower[keep], upper[keep]
    widest = float(np.max(upper - lower)) + 24 * math.sqrt(n * float(np.max(np.diff(g, prepend=0.0)))) + 60
    if g.size > _EXACT_POINTS or g.size * widest > _EXACT_WORK:
        return None

    def poisson(lam: float, top: int) -> tuple[int, np.ndarray]:  # P(k), k = first..top, past which it is < 1e-30
        spread = 12 * math.sqrt(lam) + 30
        first_k = max(0, math.floor(lam - spread))
        k = np.arange(first_k, min(math.ceil(lam + spread), top) + 1, dtype=np.float64)
        return first_k, np.exp(sp.special.xlogy(k, lam) - lam - sp.special.gammaln(k + 1))  # SciPy's own pmf

    base, walk, before = 0, np.ones(1), 0.0  # walk[j]: P(N = base + j and every band so far)
    for gi, low, high in zip(g.tolist(), lower.tolist(), upper.tolist()):
        lam = n * (gi - before)
        if lam > 0:
            shift, pmf = poisson(lam, high - base)
            if pmf.size == 0:
                return 1.0
            if walk.size * pmf.size > 400_000:  # SciPy's signal module, only here (it takes 0.1 s to import)
                signal: Any = importlib.import_module("scipy.signal")
                walk = np.maximum(signal.fftconvolve(walk, pmf), 0.0)
            else:
                walk = np.convolve(walk, pmf)
            base += shift
        a, b = max(low, base), min(high, base + walk.size - 1)
        if a > b:
            return 1.0
        walk, base, before = walk[a - base:b - base + 1], a, gi
    rest = n * (1.0 - before)
    counts = np.arange(base, base + walk.size)
    last = np.asarray(sp.stats.poisson.pmf(n - counts, rest) if rest > 0 else (counts == n), dtype=np.float64)
    inside = float(np.dot(walk, last)) / float(sp.stats.poisson.pmf(n, n))
    return min(max(1.0 - inside, 0.0), 1.0)


def ks_1samp(sample: Any, law: Distribution) -> tuple[float, float]:
    """Kolmogorov-Smirnov statistic and p-value of ``sample`` against ``law`` as the sample's dtype holds it.

    The sample's values were rounded to the dtype they were written in (``written_in``): their law is that of X
    rounded to nearest, X ~ ``law``, a law on the dtype's numbers, each with the mass of the reals that round to
    it (a point mass of ``law`` is where it rounds to). D = sup |F_n - G| against that law's CDF G, taken on both
    sides of every distinct value. Where the grid is coarse next to the law and the sample (bfloat16 values of
    N(1, 0.02^2), float32 ones of N(1000, 0.001^2)), the p-value is the exact P(D >= d) of the discrete law;
    where it is fine (float32 of most laws, float64) it is SciPy's exact distribution of D for a continuous law,
    which for a law with point masses left (a sparse tensor's zeros) is conservative: a correct sampler fails
    less often than the p-value says, never more.

    Args:
        sample: an array of values (NumPy, or a framework's: a torch tensor, one that requires grad or of bfloat16
            too, a JAX array, or anything ``np.asarray`` takes); any shape, flattened.
        law: the exact law, a ``Distribution`` from ``distribution``.

    Returns:
        (D, p): the KS statistic and its p-value; a small p (below ``ALPHA``) says the sample does not come from
        ``law``.

    Raises:
        TypeError: ``law`` is not a ``Distribution`` (a spec or a draw: pass its ``distribution``), or ``sample``
            is not an array of real numbers.
        ValueError: the sample is empty.
        ImportError: SciPy is not installed.

    Examples:
        >>> import numpy as np
        >>> from unifiedinit import Normal, TensorInfo
        >>> law = distribution(Normal(0, 0.02).lower(TensorInfo.make((256, 512))))
        >>> rng = np.random.default_rng(0)
        >>> ks_1samp(rng.normal(0, 0.02, 10_000), law)[1] > ALPHA
        True
        >>> ks_1samp(rng.uniform(-0.02, 0.02, 10_000), law)[1] > ALPHA
        False
        >>> coarse = distribution(Normal(1000, 0.001).lower(TensorInfo.make((256, 512))))
        >>> x = rng.normal(1000, 0.001, 100_000).astype(np.float32)  # on float32's numbers 6.1e-5 apart
        >>> ks_1samp(x, coarse)[1] > ALPHA  # tested against the law as float32 holds it
        True
    """
    if not isinstance(law, Distribution):
        hint = ("; for a spec or a draw pass its law, stats.distribution(draw, shape) of the draw "
                "spec.lower(TensorInfo.make(shape)), or call stats.check(sample, spec)") \
            if isinstance(law, (Spec, D.Draw)) else ""
        raise TypeError(f"ks_1samp: parameter 'law' must be a Distribution (from stats.distribution), got "
                        f"{v.shown(law)} of type {type(law).__name__}{hint}")
    x = _sample_array("ks_1samp", "sample", sample)
    sp = _scipy()
    dtype = written_in(x, [a for a, _ in law.atoms])
    values = np.sort(x.astype(np.float64).ravel())
    n = values.size
    unique, first, counts = np.unique(values, return_index=True, return_counts=True)
    cdf = _held_cdf(law, dtype)
    right, left = cdf(unique)
    d = max(float(np.max(np.abs((first + counts) / n - right))), float(np.max(np.abs(first / n - left))))
    p = float(sp.stats.kstwo.sf(d, n))  # exact for a continuous law; a bound for a discrete one
    if np.dtype(dtype) != np.float64 and math.isfinite(d) and p > 0.0:
        exact = _discrete_sf(d, n, cdf, dtype)
        if exact is not None:
            p = min(p, exact)
    return d, p


def _kept_ends(law: Distribution, dtype: Any) -> list[tuple[float, float]]:
    """Each window (lowest, highest) the samplers keep a part of ``law`` in, in ``dtype`` (``kept_in``; a mixture's,
    blocks' or rows' parts each their own); none for an unbounded law."""
    if law.parts:
        return [ends for _, part in law.parts for ends in _kept_ends(part, dtype)]
    ends = law.kept_in(dtype) if law.kept_in is not None else None
    return [] if ends is None else [ends]


def _kept_merge(law: Distribution, dtype: Any) -> dict[float, float]:
    """The values (float64) of ``dtype`` that ``ks_2samp`` moves, each to the one it moves to, so that a sample
    rounded to ``dtype`` is kept as the samplers keep it. Rounding moves a value at most to the number next
    outside a window; a sampler keeps it at the window's end. Each end and the number next outside it are merged
    into one (the smallest of those linked, through ends that lie next to each other): both samples are mapped
    alike, so a part that already keeps its values in (the coarse sample) and one rounded just past its end (the
    finer one) agree, whichever part of a mixture a value came from."""
    linked: dict[float, float] = {}

    def root(v: float) -> float:
        while linked.get(v, v) != v:
            v = linked[v]
        return v

    for lo, hi in _kept_ends(law, dtype):
        below = float(np.nextafter(np.array(lo, dtype=dtype), np.array(-np.inf, dtype=dtype)))
        above = float(np.nextafter(np.array(hi, dtype=dtype), np.array(np.inf, dtype=dtype)))
        for a, b in ((below, float(lo)), (above, float(hi))):
            ra, rb = root(a), root(b)
            linked.setdefault(ra, ra)
            linked.setdefault(rb, rb)
            if ra != rb:
                linked[max(ra, rb)] = min(ra, rb)
    return {v: r for v in sorted(linked) if (r := root(v)) != v}


def _law_of(law: Distribution | D.Draw | Spec, shape: Sequence[int] | None, layout: LayoutLike) -> Distribution:
    """``ks_2samp``'s ``law=`` as a ``Distribution``: lowered for ``shape`` in ``layout`` (a spec), or its exact law."""
    if isinstance(law, Distribution):
        return law
    if isinstance(law, D.Draw):
        return distribution(law, shape)
    if isinstance(law, Spec):
        if shape is None:
            raise ValueError(f"ks_2samp: a spec as parameter 'law' ({law!r}) needs the tensor's shape: pass shape=")
        return distribution(law.lower(TensorInfo.make(tuple(shape), layout)), shape)
    raise TypeError(f"ks_2samp: parameter 'law' must be a Distribution (stats.distribution), a lowered draw or a "
                    f"spec, or None; got {law!r}")


def ks_2samp(a: Any, b: Any, *, law: Distribution | D.Draw | Spec | None = None,
             shape: Sequence[int] | None = None, layout: LayoutLike = "torch") -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov statistic and p-value (SciPy's ``ks_2samp``, two-sided).

    The report compares each framework's sample with the reference sampler's this way. Both samples are compared
    as the coarser of the dtypes they were written in holds them: a float32 sample's point mass at 0.1 is the
    float64 sample's one, rounded; a float32 sample of N(1, 0.02^2) is rounded to bfloat16 to meet a bfloat16
    one. The dtype is the array's own for bfloat16 and float16 (ml_dtypes' or NumPy's); a float32 or float64
    array is taken as written in bfloat16, float16 or float32 (``written_in``) when that dtype holds every value
    and the values are not point masses alone: at least 64 distinct values, two neighbouring numbers of that dtype
    among them (a continuous law on a coarse grid fills neighbouring cells; point masses such as 0 and 1 lie far
    apart and say nothing of their dtype), or a point mass of ``law`` as that dtype rounds it.

    The samplers keep a bounded law's values in its support as the dtype holds it (``Distribution.kept_in``):
    bfloat16 U[1, 1.1) is kept at or below 1.09375, where float32 values rounded to bfloat16 reach 1.1015625.
    Given the law both samples come from (``law=``), the rounded values are kept the same way (for a mixture,
    blocks or rows, each part's end is merged with the number just past it, in both samples). Without it they
    are not: a bounded law whose end falls between two of the coarser dtype's numbers can make a correct pair
    of a half-precision and a finer sample fail (U[1, 1.1): 2.3% of the rounded float32 values lie at
    1.1015625).

    Args:
        a: the first sample (a NumPy array, a framework's array as it is, as ``check`` takes it, or anything
            ``np.asarray`` takes; flattened, compared as float64).
        b: the second sample, of any size.
        law: the law both samples should come from, used only to keep the rounded values as the samplers keep
            them: a ``Distribution`` (``distribution(draw, shape)``), a lowered draw, or a spec (lowered for
            ``shape`` in ``layout``). None (the default): rounded values are not kept in.
        shape: the tensor's shape, for a spec or a structured draw as ``law``; ignored otherwise.
        layout: the layout a spec as ``law`` is lowered in (a name of ``unifiedinit.LAYOUTS`` or a Layout).

    Returns:
        (D, p): the largest distance between the two empirical CDFs and its p-value; a small p (below ``ALPHA``)
        says the samples come from different laws.

    Raises:
        ValueError: a sample is empty (no p-value exists; SciPy would return NaN); a spec as ``law`` without
            ``shape``, or a law ``distribution`` refuses (a structured draw without ``shape``, a determined one).
        TypeError: ``law`` is not a Distribution, draw, spec or None; a sample is not an array of real numbers.
        ImportError: SciPy is not installed.

    Examples:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> ks_2samp(rng.normal(size=1000), rng.normal(size=1000))[1] > ALPHA
        True
        >>> ks_2samp(rng.normal(size=1000), rng.normal(1.0, size=1000))[1] > ALPHA
        False
        >>> import unifiedinit as ui
        >>> spec = ui.Uniform(1.0, 1.0025)  # float16 keeps it at or below 1.00195; 1.0025 rounds to 1.00293
        >>> half = ui.sample(spec, (100_000,), seed=0, dtype="float16")
        >>> single = ui.sample(spec, (100_000,), seed=1, dtype="float32")
        >>> ks_2samp(half, single, law=spec, shape=(100_000,))[1] > ALPHA
        True
        >>> ks_2samp(half, single)[1] > ALPHA  # rounded, not kept in: 2.4% of them at 1.00293
        False
    """
    x, y = _sample_array("ks_2samp", "a", a), _sample_array("ks_2samp", "b", b)
    exact = None if law is None else _law_of(law, shape, layout)
    atoms = [] if exact is None else [a for a, _ in exact.atoms]
    coarse = max((written_in(x, atoms), written_in(y, atoms)), key=lambda dt: _EPS.get(np.dtype(dt).name, 0.0))
    x, y = x.astype(np.float64).ravel(), y.astype(np.float64).ravel()
    if coarse != np.float64:
        with np.errstate(over="ignore"):
            x, y = (s.astype(coarse).astype(np.float64) for s in (x, y))
    if exact is not None:
        for v, to in _kept_merge(exact, coarse).items():
            x, y = np.where(x == v, to, x), np.where(y == v, to, y)
    sp = _scipy()
    res: Any = sp.stats.ks_2samp(x, y)
    return float(res.statistic), float(res.pvalue)


def sample_kurtosis(sample: Any) -> float:
    """The sample's Pearson kurtosis, mean((x - mean)^4) / mean((x - mean)^2)^2, to compare with
    ``Distribution.kurtosis`` (normal 3, uniform 1.8).

    Args:
        sample: an array (or anything ``np.asarray`` takes) of values; any shape, flattened.

    Returns:
        The kurtosis as a float; NaN for a constant or empty sample (NumPy warns).

    Examples:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> round(sample_kurtosis(rng.uniform(size=100_000)), 1), round(sample_kurtosis(rng.normal(size=100_000)), 1)
        (1.8, 3.0)
    """
    x = np.asarray(sample, dtype=np.float64).ravel()
    c: np.ndarray = x - x.mean()
    return float(np.mean(c ** 4) / np.mean(c ** 2) ** 2)


#: Default significance: a correct sampler fails a check with probability (at most) 1e-4 (PyTorch's own init tests
#: accept p > 1e-4).
ALPHA = 1e-4


@dataclass(frozen=True)
class Verdict:
    """The outcome of ``check``: readable with ``str``, truthy when the sample passes.

    Args:
        ok: whether the sample passes (also ``bool(verdict)``).
        law: the exact law in words (``Distribution.name``), or the draw's class for a determined spec.
        n: the number of values checked.
        expected_mean: the law's mean (None for a determined spec, compared exactly).
        expected_std: the law's standard deviation (None for a determined spec).
        support: the law's (lowest, highest) value (None for a determined spec).
        mean: the sample's mean (None for a determined spec).
        std: the sample's standard deviation (None for a determined spec).
        minimum: the sample's lowest value (None for a determined spec).
        maximum: the sample's highest value (None for a determined spec).
        ks: the one-sample KS statistic D (None for a determined spec).
        p: its p-value (None for a determined spec).
        exact: True when the values were compared exactly (a determined spec).
        reasons: why the sample fails, one sentence each; empty when it passes.
        var_z: the sample variance's distance from the law's, in standard errors (s^2 / sigma^2 - 1) / se; None
            where the variance was not tested (see ``check``).
        var_p: the variance test's two-sided p-value; None where it was not tested.
        alpha: the level ``check`` was given: KS and the variance test are each held to alpha / 2 where both ran,
            KS alone to alpha otherwise (None for a determined spec).

    Examples:
        >>> from unifiedinit import Eye, sample
        >>> verdict = check(sample(Eye(), (4, 4)), Eye())
        >>> bool(verdict), verdict.exact, str(verdict)
        (True, True, 'PASS: exact values of Eye, n=16')
    """
    ok: bool
    law: str
    n: int
    expected_mean: float | None = None
    expected_std: float | None = None
    support: tuple[float, float] | None = None
    mean: float | None = None
    std: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    ks: float | None = None
    p: float | None = None
    exact: bool = False
    reasons: tuple[str, ...] = ()
    var_z: float | None = None
    var_p: float | None = None
    alpha: float | None = None

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        head = "PASS" if self.ok else "FAIL"
        if self.exact:
            body = f"exact values of {self.law}, n={self.n}"
        else:
            body = (f"{self.law}, n={self.n}: mean {self.mean:.4g} (expected {self.expected_mean:.4g}), "
                    f"std {self.std:.4g} (expected {self.expected_std:.4g}), range [{self.minimum:.4g}, "
                    f"{self.maximum:.4g}] within [{(self.support or (math.nan,) * 2)[0]:.4g}, "
                    f"{(self.support or (math.nan,) * 2)[1]:.4g}], "
                    f"KS D={self.ks:.4f} p={self.p:.3g}")
            if self.var_p is not None and self.var_z is not None and self.alpha is not None:
                body += (f", variance z={self.var_z:.3g} p={self.var_p:.3g} (KS and variance each at "
                         f"alpha/2={self.alpha / 2:.3g})")
        return f"{head}: {body}" + "".join(f"; {r}" for r in self.reasons)


def rope_angles(sample: Any, draw: D.Draw) -> tuple[np.ndarray, float]:
    """The independent part of a ``MixedRoPE`` tensor: each group's angle, and how far the tensor is from the one
    those angles and the draw's magnitudes make.

    A KS test on the entries themselves would be wrong: every group's 2n entries share one angle, so they are far
    from independent (a correct sample fails a one-sample KS test on them far more often than its level says).
    The angles are independent and uniform, and the rest is determined by them.

    Args:
        sample: the tensor's values, of shape (2, *groups, n) as the draw was lowered for.
        draw: the lowered ``MixedRoPE`` draw (its temperature and n).

    Returns:
        (the groups' angles atan2(sin t, cos t) in [0, 2 pi), flat, a float64 array; the largest absolute
        difference between the sample and the tensor those angles make, a float).

    Raises:
        TypeError: ``draw`` is not a ``MixedRoPE`` draw.
        ValueError: ``sample`` is not of shape (2, ..., n) with the draw's n.

    Examples:
        >>> import unifiedinit as ui
        >>> x = ui.sample(ui.MixedRoPE(), (2, 4, 3, 8), seed=0, dtype="float64")
        >>> angles, off = rope_angles(x, ui.lower(ui.MixedRoPE(), x.shape))
        >>> angles.shape, off < 1e-12
        ((12,), True)
    """
    if not isinstance(draw, D.MixedRoPE):
        raise TypeError(f"rope_angles: parameter 'draw' must be a MixedRoPE draw (ui.lower(ui.MixedRoPE(), shape)), "
                        f"got {draw!r}")
    x = np.asarray(sample, dtype=np.float64)
    if x.ndim < 2 or x.shape[0] != 2 or x.shape[-1] != draw.columns:
        raise ValueError(f"rope_angles: parameter 'sample' must have shape (2, ..., {draw.columns}), got {x.shape}")
    m = draw.magnitudes()
    angles = np.mod(np.arctan2(x[1, ..., 0], x[0, ..., 0]), 2 * math.pi)
    cos, sin = np.cos(angles)[..., None] * m, np.sin(angles)[..., None] * m
    made = np.stack([np.concatenate([cos, -sin], -1), np.concatenate([sin, cos], -1)])
    return angles.ravel(), float(np.abs(x - made).max())


def _transformed_constant(draw: D.Draw) -> bool:
    """A constant moved by an elementwise function (``Affine(Constant(c), a, b)``): one value, no law to test."""
    while isinstance(draw, (D.Affine, D.Log, D.InverseSoftplus)):
        draw = draw.base
    return isinstance(draw, D.Constant)


# ---------------------------------------------------------------------------------------------- the variance test

#: a float32 or float64 sample's values are taken as within this many ulps (``np.spacing``) of the exact ones: one
#: rounding to nearest is half of one, a sampler keeping a rounded value in the support moves it at most one, and a
#: float32 sampler's arithmetic (mean + std * z) rounds a few times more
_ULPS = 4

#: the variance z-test is used where the skewness of the sample variance moves each tail at its critical value by at
#: most this share of the tail (first Edgeworth term); for a normal law's chi-square that keeps the z-test's rate
#: within 1.7% of its level at every level from 1e-7 to 0.5 (a normal law takes the exact chi-square test instead;
#: simulated, a uniform law and a normal one half zeros at the smallest n allowed fail at their level within noise)
_SKEW_SHARE = 0.2


def _iid(draw: D.Draw) -> bool:
    """Are the entries of ``draw`` independent draws of one law whose moments up to the 6th are known exactly
    (``Distribution.moments``)? Uniform, normal, truncated normal, log-uniform and constant draws, their affine maps
    and mixtures; not a structured draw (its entries are not independent), nor a log or an inverse softplus (their
    moments only to the 4th, by quadrature)."""
    if isinstance(draw, D.Affine):
        return _iid(draw.base)
    if isinstance(draw, D.Mixture):
        return all(_iid(c) for c in draw.components)
    return isinstance(draw, (D.Uniform, D.Normal, D.TruncatedNormal, D.LogUniform, D.Constant))


def _normal_law(draw: D.Draw) -> bool:
    """The draw's law is a normal one (a normal draw, or an affine map of one): its sample variance is chi-square."""
    while isinstance(draw, D.Affine) and draw.scale != 0.0:
        draw = draw.base
    return isinstance(draw, D.Normal)


class VarianceTest(NamedTuple):
    """The outcome of ``variance_test``: z, the sample variance's distance from the law's in standard errors, its
    two-sided p-value, the sample variance (ddof 1) and the law's."""
    z: float
    p: float
    sample: float
    law: float


def variance_test(x: np.ndarray, draw: D.Draw, law: Distribution, dtype: Any,
                  level: float) -> VarianceTest | None:
    """The sample variance s^2 (ddof 1) of ``x``'s n values, written in ``dtype``, against the variance of
    ``draw``'s law ``law``, two-sided, for ``check`` at ``level``; None where it does not apply (decided by the law,
    n and the dtype, never by the values).

    Applies to an iid law (``_iid``: its moments up to the 6th are known), for a float32 or float64 sample.
    s^2 has mean sigma^2 and variance (mu4 - sigma^4 (n - 3) / (n - 1)) / n (mu4 the law's 4th central moment).
    A normal law takes the exact test: (n - 1) s^2 / sigma^2 is chi-square with n - 1 degrees of freedom, p twice its
    smaller tail. Any other law takes the z-test, p = P(|Z| >= z), where its normal approximation is good: the
    skewness of s^2 (from the law's cumulants up to the 6th, Fisher's k-statistics) moves each tail at the critical
    value by at most ``_SKEW_SHARE`` of it; a smaller n (n < 1238 for a uniform law at alpha = 1e-4) is left untested.

    The values are the exact ones rounded: each within ``_ULPS`` ulps d of it, which moves the sample's std by at
    most d; p is taken at the s^2 nearest to sigma^2 that this allows, so a correct sample fails with at most the
    rate it would unrounded. Where that allowance, at the values near the law's mean, would exceed half a standard
    error of s^2 (float32 N(1000, 0.001^2)), or the sample is float16 or bfloat16, the test is left out."""
    dtype = np.dtype(dtype)
    moments = law.moments
    if dtype.name not in ("float32", "float64") or not _iid(draw) or x.size < 4:
        return None
    c2, c3, c4, _, c6 = moments.central
    if not (c2 > 0.0 and math.isfinite(moments.mean) and 0.0 < moments.std < math.inf and math.isfinite(c6)):
        return None
    sigma = moments.std
    n = x.size
    # the law's cumulants, standardized (kappa2 = 1)
    k3, k4 = c3 / c2 ** 1.5, c4 / c2 ** 2 - 3.0
    k6 = c6 / c2 ** 3 - 15.0 * (k4 + 3.0) - 10.0 * k3 * k3 + 30.0
    var_s2 = k4 / n + 2.0 / (n - 1)  # of s^2 / sigma^2
    if not var_s2 > 0.0:
        return None
    se = math.sqrt(var_s2)
    relative = _ULPS * float(np.finfo(dtype).eps) * (abs(moments.mean) / sigma + 1.0)
    if relative * (2.0 + relative) > se / 2:
        return None
    normal = _normal_law(draw)
    sp = _scipy()
    if not normal:
        third = k6 / n ** 2 + 12 * k4 / (n * (n - 1)) + 4 * (n - 2) * k3 * k3 / (n * (n - 1) ** 2) + 8 / (n - 1) ** 2
        z_c = float(sp.special.ndtri(1.0 - level / 4))  # each tail of the test at level / 2 two-sided
        tail, density = level / 4, math.exp(-z_c * z_c / 2) / math.sqrt(2 * math.pi)
        if abs(third) / var_s2 ** 1.5 * abs(z_c * z_c - 1) * density / 6 > _SKEW_SHARE * tail:
            return None
    with np.errstate(over="ignore", invalid="ignore"):
        u = (x.astype(np.float64).ravel() - moments.mean) / sigma
        # the largest spacing is the largest magnitude's (rounding and np.spacing are monotone): one value, no
        # full-size copy (inf or NaN gives NaN, as it did per value)
        top = np.asarray(np.max(np.abs(x))).astype(dtype)
        d = _ULPS * float(np.spacing(top)) / sigma
        s2 = float(np.var(u, ddof=1))
    z = (s2 - 1.0) / se
    if not (math.isfinite(s2) and math.isfinite(d)):  # an infinite or NaN value: no finite law's sample
        return VarianceTest(z, 0.0, s2 * sigma * sigma, sigma * sigma)
    slack = d * (2.0 * math.sqrt(s2) + d)
    if normal:
        chi2 = sp.stats.chi2(n - 1)
        p = 2.0 * min(float(chi2.cdf((n - 1) * (s2 + slack))), float(chi2.sf((n - 1) * (s2 - slack))))
    else:
        p = float(sp.special.erfc(max(abs(s2 - 1.0) - slack, 0.0) / se / math.sqrt(2.0)))
    return VarianceTest(z, min(p, 1.0), s2 * sigma * sigma, sigma * sigma)


# ---------------------------------------------------------------------------------------------- the structure tests

#: how far a stored value of a determined part may lie from the exact one, relative, once rounded to the dtype (a
#: framework computes 1 / sqrt(p) or a sinusoid in its own arithmetic: a few of the dtype's roundings); shared with
#: ``unifiedinit.fit``, which allows the same slack at the ends of a law's support
ROUNDING = {"float16": 1e-3, "bfloat16": 8e-3, "float32": 1e-6, "float64": 1e-12}

#: more zeros in a ``Sparse`` column than the sampler writes break the structure where a correct sample holds such
#: extra zeros (normal values rounded to 0) with a probability below this; above it (float16, a small std) they are
#: read as such values
_STRAY_ZEROS = 1e-9

#: each float dtype's smallest positive (subnormal) number
_TINY = {"float16": 2.0 ** -24, "bfloat16": 2.0 ** -133, "float32": 2.0 ** -149, "float64": 2.0 ** -1074}


class Part(NamedTuple):
    """One part of a tensor as ``structure`` splits it along its draw's structure.

    Attributes:
        where: the part in words, as ``check``'s reasons name it ("block 2 of 4 along axis 0", "index 0 of axis 0",
            "the other indices of axis 0"; "" for the whole tensor).
        draw: the draw its values come from: an elementwise draw (iid values of its law), a determined one (already
            compared here: see ``broken``), or an ``Orthogonal`` (values of its entry law, not independent).
        shape: the shape ``draw`` is lowered for: ``distribution(draw, shape)`` is the values' law.
        values: the values to test against that law, in the sample's dtype (a view where it can be).
        broken: the exact structure the values break, in words; None where it holds or there is none.
        structured: some exact structure was verified (a determined part, orthonormality, the zeros).
    """
    where: str
    draw: D.Draw
    shape: tuple[int, ...]
    values: np.ndarray
    broken: str | None
    structured: bool


def _within(where: str, part: str) -> str:
    """A part of the part ``where``, in words."""
    return f"{where}, {part}" if where else part


def _off_by(values: np.ndarray, want: np.ndarray, dtype: str) -> str | None:
    """Why ``values`` are not the determined ``want`` rounded to the dtype (within ``ROUNDING``), or None."""
    if values.shape == want.shape and bool(np.allclose(values.astype(np.float64), want,
                                                       rtol=ROUNDING.get(dtype, 1e-6), atol=1e-12)):
        return None
    return "values differ from the determined ones"


def _determined_values(draw: D.Draw, shape: tuple[int, ...]) -> np.ndarray:
    """The values a determined draw (a constant too) writes in a tensor of ``shape``, as float64."""
    from ..samplers import determined
    return np.asarray(determined(draw, shape), dtype=np.float64)


def _short_side(x: Any, draw: D.Orthogonal) -> np.ndarray:
    """The matrix of the orthogonal draw ``draw`` (its row axes against the other axes flattened), as its short
    side: a (short, long) float64 array whose rows are orthonormal times the gain when the draw wrote it."""
    group = draw.rows(tuple(x.shape))
    rows = math.prod([x.shape[i] for i in group])
    m = np.moveaxis(np.asarray(x, dtype=np.float64), group, tuple(range(len(group)))).reshape(rows, -1)
    return m if m.shape[0] <= m.shape[1] else m.T


def _not_orthonormal(a: np.ndarray, gain: float, dtype: str) -> str | None:
    """Why a @ a.T is not gain^2 I (``a`` a (short, long) matrix) within the rounding of the dtype, or None.
    Rounding each entry moves an entry of a @ a.T by at most (2u + u^2) gain^2 (u the unit roundoff; Cauchy-Schwarz
    on rows of norm gain); a float32 QR adds about 0.4 eps sqrt(n) (measured up to 4096 x 4096 for torch and JAX),
    allowed 4 eps sqrt(n). A Gaussian matrix of the same scale is off by about 1 / sqrt(n) (0.09 at 4096 x 4096).
    The row norms are checked first, so a matrix that is not orthogonal costs one pass over its values. Entries
    small enough to be subnormal in the dtype (float16 at gain 1e-5) are rounded by up to half its smallest number
    instead, which moves an entry of a @ a.T by at most 2 sqrt(n) gain times that (Cauchy-Schwarz again)."""
    u = _EPS.get(dtype, _EPS["float32"]) / 2
    g2 = gain * gain
    tol = (2 * u + u * u + 4 * _EPS["float32"] * math.sqrt(a.shape[1])) * g2 + \
        _TINY.get(dtype, 0.0) * math.sqrt(a.shape[1]) * abs(gain)
    off = float(np.max(np.abs(np.einsum("ij,ij->i", a, a) - g2)))
    if off <= tol:
        gram = a @ a.T
        gram[np.diag_indices_from(gram)] -= g2
        off = float(np.max(np.abs(gram)))
    if off <= tol:  # a NaN is not
        return None
    side = "rows" if a.shape[0] < a.shape[1] or a.shape[0] == 1 else "columns"
    return (f"the {side} are not orthonormal at gain {gain:.6g}: W W^T - gain^2 I reaches {off:.3g} (the "
            f"{dtype} rounding allows {tol:.3g})")


def _sparse_part(draw: D.Sparse, x: np.ndarray, dtype: str, where: str) -> Part:
    """A ``Sparse`` tensor's structure, exactly ceil(sparsity * rows) zeros in every column, and its other values
    (iid N(0, std^2)). A correct sample holds more zeros only where normal values round to 0 in the dtype (float16
    of a small std): with a chance of any such below ``_STRAY_ZEROS`` every extra zero breaks the structure, else the
    extra zeros stay with the normal values, whose law as the dtype holds it has that point mass at 0."""
    axis = draw.out_axis % x.ndim
    columns = np.moveaxis(x, axis, 0).reshape(x.shape[axis], -1)
    want = math.ceil(draw.sparsity * x.shape[axis])
    zeros = np.count_nonzero(columns == 0, axis=0)
    others = columns[columns != 0]
    extra = int(zeros.sum()) - want * zeros.size
    # the chance that a normal value rounds to 0: |N(0, std^2)| below half the dtype's smallest positive number
    rounded = math.erf(_TINY.get(dtype, 0.0) / 2 / (draw.std * math.sqrt(2))) if draw.std > 0 else 1.0
    broken = None
    if int(zeros.min()) < want or (extra > 0 and (columns.size - want * zeros.size) * rounded < _STRAY_ZEROS):
        broken = (f"the columns hold {int(zeros.min())} to {int(zeros.max())} zeros, the sampler writes exactly "
                  f"{want} in each of them")
    values = np.concatenate([others, np.zeros(max(extra, 0), dtype=x.dtype)])
    return Part(where, D.Normal(0.0, draw.std), (values.size,), values, broken, broken is None)


def _delta_part(draw: D.DeltaOrthogonal, x: np.ndarray, dtype: str, where: str) -> Part:
    """A ``DeltaOrthogonal`` kernel's structure: exact zeros off the centre tap ((k - 1) // 2 on each spatial axis)
    and an (out, in) matrix with orthonormal columns times the gain at it, whose entries' law is tested."""
    out, inp = draw.out_axis % x.ndim, draw.in_axis % x.ndim
    at: list[Any] = [slice(None)] * x.ndim
    for i in range(x.ndim):
        if i not in (out, inp):
            at[i] = (x.shape[i] - 1) // 2
    centre = x[tuple(at)]
    centre = centre if out < inp else centre.T
    rest = np.array(x, copy=True)
    rest[tuple(at)] = 0
    stray = int(np.count_nonzero(rest))
    matrix = D.Orthogonal(draw.gain, 0)
    tap = tuple(a for a in at if not isinstance(a, slice))
    found = [f"{stray} values off the centre tap {tap} are not 0"] if stray else []
    found += [r for r in [_not_orthonormal(_short_side(centre, matrix), draw.gain, dtype)] if r]
    broken = "; ".join(found) or None
    return Part(_within(where, f"the centre tap {tap}"), matrix, tuple(centre.shape), centre, broken,
                broken is None)


def _rows_in_blocks(draw: D.Rows, blocks: D.Blocks, shape: tuple[int, ...]) -> D.Blocks:
    """``draw``, a row over ``blocks`` in a tensor of ``shape``, as the same tensor's blocks, each with its share of
    the row: a row along another axis cuts every block at the same index, one along the blocks' axis lies in a
    single block. Each block is then split on its own, so a determined block (an eye) is still compared exactly."""
    axis, k = blocks.axis % len(shape), len(blocks.parts)
    size = shape[axis] // k
    if draw.axis % len(shape) != axis:
        return D.Blocks(tuple(D.Rows(p, draw.fill, draw.axis, draw.index) for p in blocks.parts), blocks.axis)
    return D.Blocks(tuple(D.Rows(p, draw.fill, draw.axis, draw.index - i * size) if draw.index // size == i else p
                          for i, p in enumerate(blocks.parts)), blocks.axis)


def structure(draw: D.Draw, sample: Any, dtype: str, where: str = "") -> list[Part]:
    """``sample`` split along the structure of ``draw``: the parts whose values are each tested against their own
    law, with the exact structure each must have checked here. ``check`` and ``unifiedinit.fit`` test a structured
    draw's tensor this way; the law of one entry (``distribution``) would pass a tensor whose structure is wrong.

    ``Blocks`` are split block by block along their axis and ``Rows`` into the slice at their index and the rest
    (each split again by its own draw; a row over blocks as blocks that each hold their share of it); a determined
    part is compared with its values rounded to the dtype (``ROUNDING``); an ``Orthogonal`` matrix's short side must
    be orthonormal at the gain within the dtype's rounding (``_not_orthonormal``), its entries then tested against
    the entry law; a ``DeltaOrthogonal`` kernel must be exact zeros off its centre tap and an orthogonal matrix at
    it; a ``Sparse`` tensor must hold exactly ceil(sparsity * rows) zeros in every column, its other values N(0,
    std^2). A ``Rows`` whose base is structured and random, and not blocks (its structure is broken by the row), has
    the other indices tested against the base's entry law alone.

    Args:
        draw: the lowered draw, for a tensor of ``sample``'s shape.
        sample: the tensor's values, shaped (a NumPy array, in the dtype they were written in or a wider one).
        dtype: the name of the dtype the values were written in (``written_in``): it sets the rounding allowed.
        where: the part of a larger tensor ``sample`` is, in words ("" for a whole tensor).

    Returns:
        The parts, in order (a single part, the whole tensor, for an elementwise or determined draw).

    Raises:
        ValueError: a ``Blocks`` axis not split evenly by its parts, or a draw the sample's shape does not fit.

    Examples:
        >>> import unifiedinit as ui
        >>> x = ui.sample(ui.Blocks([ui.Normal(0, 1), ui.Ones()]), (4, 3), seed=0)
        >>> [(p.where, p.broken) for p in structure(ui.lower(ui.Blocks([ui.Normal(0, 1), ui.Ones()]), (4, 3)), x,
        ...                                            "float32")]
        [('block 1 of 2 along axis 0', None), ('block 2 of 2 along axis 0', None)]
    """
    x = np.asarray(sample)
    shape = tuple(x.shape)
    if draw.deterministic:
        broken = _off_by(x, _determined_values(draw, shape), dtype)
        return [Part(where, draw, shape, x, broken, broken is None and x.size > 0)]
    if draw.elementwise:
        return [Part(where, draw, shape, x, None, False)]
    if isinstance(draw, D.Blocks):
        axis, k = draw.axis % x.ndim, len(draw.parts)
        if shape[axis] % k:
            raise ValueError(f"structure: the sample's axis {axis} ({shape[axis]}) is not split evenly by the "
                             f"{k} blocks of {draw!r}")
        return [part for i, (one, block) in enumerate(zip(draw.parts, np.split(x, k, axis=axis)))
                for part in structure(one, block, dtype, _within(where, f"block {i + 1} of {k} along axis {axis}"))]
    if isinstance(draw, D.Rows) and isinstance(draw.base, D.Blocks):
        return structure(_rows_in_blocks(draw, draw.base, shape), x, dtype, where)
    if isinstance(draw, D.Rows):
        axis = draw.axis % x.ndim
        rest = np.delete(x, draw.index, axis=axis)
        others = _within(where, f"the other indices of axis {axis}")
        base: list[Part] = []
        if draw.base.deterministic:
            broken = _off_by(rest, np.delete(_determined_values(draw.base, shape), draw.index, axis=axis), dtype)
            base = [Part(others, draw.base, shape, rest, broken, broken is None)]
        elif draw.base.elementwise:
            base = structure(draw.base, rest, dtype, others) if rest.size else []
        elif rest.size:  # the row broke the base's structure: its entry law over the whole tensor
            base = [Part(others, draw.base, shape, rest, None, False)]
        row = np.take(x, [draw.index], axis=axis)
        return base + structure(draw.fill, row, dtype, _within(where, f"index {draw.index} of axis {axis}"))
    if isinstance(draw, D.Orthogonal):
        broken = _not_orthonormal(_short_side(x, draw), draw.gain, dtype)
        return [Part(where, draw, shape, x, broken, broken is None)]
    if isinstance(draw, D.DeltaOrthogonal):
        return [_delta_part(draw, x, dtype, where)]
    if isinstance(draw, D.Sparse):
        return [_sparse_part(draw, x, dtype, where)]
    return [Part(where, draw, shape, x, None, False)]  # MixedRoPE, PerLayer: the caller's own test or its refusal


def _law_test(x: np.ndarray, draw: D.Draw, law: Distribution, held: Any, alpha: float,
              parts: int) -> tuple[list[str], float, float, VarianceTest | None, int]:
    """One part of ``check`` (of ``parts`` sharing ``alpha``): the values ``x`` of ``draw``, written in ``held``,
    against its law ``law``: in the support, KS and, where it applies, the variance test (each at half the part's
    level). Returns the reasons it fails, KS's D and p, the variance test (None where it did not run) and the number
    of tests alpha is shared by (KS is held to alpha over it)."""
    reasons: list[str] = []
    lo, hi = float(np.min(x)), float(np.max(x))
    # a point mass at an end of the support is written as every constant is, rounded to nearest in the sample's
    # dtype: it may lie just outside (the ends of the continuous part are kept inside by the samplers)
    ends = [float(np.asarray(a, dtype=held)) for a, _ in law.atoms] if law.atoms else []
    floor, top = min([law.support[0], *ends]), max([law.support[1], *ends])
    inside = lo >= floor - 1e-12 * abs(floor) and hi <= top + 1e-12 * abs(top)
    if not inside:
        reasons.append(f"values outside the support [{law.support[0]:.6g}, {law.support[1]:.6g}]")
    variance = variance_test(x, draw, law, held, alpha / parts)
    share = parts if variance is None else 2 * parts  # Bonferroni: KS and the variance test share the part's level
    each, named = alpha / share, "alpha" if share == 1 else f"alpha/{share}"
    d, p = ks_1samp(np.asarray(x), law)  # in the sample's dtype, where its point masses lie (0.1 in float32)
    if not p > each:  # a NaN p fails too
        reasons.append(f"KS p={p:.3g} <= {named}={each:g}")
    if variance is not None and not variance.p > each:
        reasons.append(f"variance p={variance.p:.3g} <= {named}={each:g}: the sample's {variance.sample:.6g}, the "
                       f"law's {variance.law:.6g} (z={variance.z:.3g})")
    return reasons, d, p, variance, share


def check(sample: Any, spec: Spec | D.Draw, *, shape: Sequence[int] | None = None, layout: LayoutLike = "torch",
          layer_fans: Sequence[int] | None = None, alpha: float = ALPHA) -> Verdict:
    """Does ``sample`` (an array of one tensor's values) come from ``spec`` lowered for that tensor?

    Determined specs (constants, eye, dirac, arrays) are compared exactly. Random ones must lie in the
    support and pass a one-sample KS test (``ks_1samp``) against the exact law as the sample's dtype holds it
    (its values rounded to nearest in that dtype: bfloat16 holds N(1, 0.02^2) on about 40 numbers) at level
    ``alpha``: a correct sampler fails with probability at most ``alpha`` (less only by the discreteness of D, or
    where SciPy's continuous p-value is used: point masses on a fine grid).

    Where the values are iid from a law whose moments are known (an elementwise draw: uniform, normal, truncated
    normal, log-uniform, their affine maps and mixtures, point masses included) and the sample is float32 or
    float64, its variance is tested too, two-sided: against the exact chi-square law for a normal law, else by a
    z-test with the standard error from the law's 4th central moment, used where n is large enough for it
    (``variance_test``). KS alone misses a std 2% too large at n = 77,000, where the sample std's standard error
    is 0.3%. The two share ``alpha`` (Bonferroni): each is held to ``alpha / 2``, so a correct sampler fails with
    probability at most ``alpha`` (up to the z-test's normal approximation, within 1.7% of its level). KS alone is
    held to ``alpha`` where the variance is not tested: float16 and bfloat16 samples, a log or inverse softplus, an
    orthogonal matrix's entries (not independent), a MixedRoPE's angles.

    A structured draw's tensor is tested part by part (``structure``), since the law of one entry passes a wrong
    structure: ``Blocks`` block by block and ``Rows`` row and rest, each part against its own law as above (an
    elementwise part gets its variance test too); an ``Orthogonal`` matrix must have orthonormal rows (or columns,
    the short side) at the gain within the dtype's rounding, its entries then KS-tested against the entry law; a
    ``DeltaOrthogonal`` kernel must be exact zeros off its centre tap and orthogonal at it; a ``Sparse`` tensor must
    hold exactly ceil(sparsity * rows) zeros in every column, the other values KS- and variance-tested as N(0,
    std^2). The parts share ``alpha`` (Bonferroni: each is held to ``alpha / parts``), so a correct sampler still
    fails with probability at most ``alpha``; a broken structure fails whatever the tests say (a correct sampler
    never breaks it). For a structured draw the verdict's ``ks`` is the largest D of the parts, ``p`` the smallest
    p times the number of tests alpha is shared by (so p <= alpha where some part's KS fails), ``var_z`` and
    ``var_p`` None (a part's variance test fails in the reasons); each reason names its part ("block 2 of 4 along
    axis 0").

    Args:
        sample: the tensor's values, in ``layout``: a NumPy array, a framework's array as it is (a torch tensor,
            one that requires grad or of bfloat16 too, a JAX array), or anything ``np.asarray`` takes. Its values
            are tested as its dtype holds them.
        spec: the spec the values should come from (lowered here for the tensor), or an already lowered draw.
        shape: the tensor's shape in ``layout``; default the sample's own shape.
        layout: a layout name (``unifiedinit.LAYOUTS``) or Layout; it decides which axes are the fans.
        layer_fans: the layer's (fan_in, fan_out) when they are not the tensor's own (a bias).
        alpha: the significance level, a real number in (0, 1): a correct sampler fails with at most this
            probability.

    Returns:
        A ``Verdict``: truthy when the sample passes, ``str`` says why in one line (with the variance test's z and
        p next to KS's p where it ran).

    Raises:
        TypeError: ``alpha`` is not a real number, ``spec`` is neither a spec nor a draw, ``sample`` is not an
            array of real numbers (None, strings); or the spec does not apply to the shape (a bad layout).
        ValueError: ``alpha`` is not in (0, 1) (NaN included), the sample is empty, a structured spec's sample
            holds another number of values than ``shape``; or the spec does not apply to the shape (an eye on a
            4-D kernel).
        ImportError: SciPy is not installed (random specs only).

    Examples:
        >>> from unifiedinit import XavierNormal, XavierUniform, sample
        >>> x = sample(XavierUniform(), (256, 512), seed=0)
        >>> verdict = check(x, XavierUniform())
        >>> bool(verdict), verdict.p > ALPHA
        (True, True)
        >>> bool(check(x, XavierNormal()))  # the same values are not normal
        False
        >>> verdict.var_p is not None and verdict.var_p > ALPHA / 2  # the variance test ran, at alpha / 2
        True
        >>> bool(check(x * 1.02, XavierUniform()))  # a std 2% too large: KS alone passed it
        False
        >>> import numpy as np
        >>> from unifiedinit import Orthogonal
        >>> gaussian = np.random.default_rng(0).normal(0, 512 ** -0.5, (256, 512))  # its entries pass KS
        >>> print(check(gaussian, Orthogonal()).reasons[0][:46])
        the rows are not orthonormal at gain 1: W W^T
    """
    level = v.real("check", "alpha", alpha)
    if not 0.0 < level < 1.0:
        raise ValueError(f"check: parameter 'alpha' must be a significance level in (0, 1) (the chance that a "
                         f"correct sample fails; default {ALPHA:g}), got {level!r}")
    alpha = level
    if not isinstance(spec, (Spec, D.Draw)):
        raise TypeError(f"check: parameter 'spec' must be a spec (such as unifiedinit.XavierUniform()) or a lowered "
                        f"draw, got {v.shown(spec)} of type {type(spec).__name__}")
    x = _sample_array("check", "sample", sample)
    shape = tuple(x.shape) if shape is None else check_shape(shape)
    draw = spec if isinstance(spec, D.Draw) else spec.lower(TensorInfo.make(shape, layout, layer_fans))
    values = np.asarray(x, dtype=np.float64)
    if draw.deterministic or _transformed_constant(draw):
        from ..reference import draw_array
        # the determined values as the sample's dtype holds them (0.1 is not the same number in float32)
        dtype = x.dtype.name if x.dtype.kind == "f" or x.dtype.name == "bfloat16" else "float64"
        held = draw_array(draw, shape, np.random.default_rng(0), dtype)
        want = held.astype(np.float64)
        if draw.deterministic:
            same = values.shape == want.shape and bool(np.array_equal(values.reshape(want.shape), want))
        else:  # a constant moved by Affine/Log/InverseSoftplus: computed in the dtype, so within its last bit
            ulp = np.spacing(np.abs(held)).astype(np.float64) if dtype != "float64" else np.spacing(np.abs(want))
            same = values.shape == want.shape and bool(np.all(np.abs(values.reshape(want.shape) - want) <= ulp))
        return Verdict(same, type(draw).__name__, values.size, exact=True,
                       reasons=() if same else ("values differ from the determined ones",))
    if isinstance(draw, D.MixedRoPE):
        return _check_rope(x, draw, alpha)
    law = distribution(draw, shape)
    held = written_in(x, [a for a, _ in law.atoms])
    if draw.elementwise:
        parts = [Part("", draw, shape, x, None, False)]
    elif x.size != math.prod(shape):
        raise ValueError(f"check: parameter 'sample' holds {x.size} values, parameter 'shape' {shape} holds "
                         f"{math.prod(shape)}: they must be the same tensor")
    else:
        parts = structure(draw, x.reshape(shape), held.name)
    reasons = [f"{p.where}: {p.broken}" if p.where else p.broken for p in parts if p.broken is not None]
    tested = [p for p in parts if not p.draw.deterministic]
    ds: list[float] = []
    ps: list[float] = []
    variance: VarianceTest | None = None
    for part in tested:  # Bonferroni: the parts share alpha
        one = law if part.draw is draw else distribution(part.draw, part.shape)
        found, d, p, variance, share = _law_test(part.values, part.draw, one, held, alpha, len(tested))
        reasons += [f"{part.where}: {r}" if part.where else r for r in found]
        ds.append(d)
        ps.append(p if draw.elementwise else min(1.0, p * share))  # structured: p <= alpha where some KS fails
    d = max(ds, default=0.0)
    p = min(ps, default=1.0)
    if not draw.elementwise:  # a part's variance test is in the reasons only: the verdict's law is the whole one's
        variance = None
    lo, hi = float(values.min()), float(values.max())
    # in units of the largest magnitude: the mean and std of values near 1e307 do not overflow (U[-1e307, 1e307)'s
    # std is 5.8e306); an infinite or NaN value gives inf or NaN
    scale = max(abs(lo), abs(hi)) if math.isfinite(lo) and math.isfinite(hi) and max(abs(lo), abs(hi)) > 0 else 1.0
    with np.errstate(over="ignore", invalid="ignore"):
        mean, std = scale * float((values / scale).mean()), scale * float((values / scale).std())
    return Verdict(not reasons, law.name, values.size, law.mean, law.std, (law.support[0], law.support[1]),
                   mean, std, lo, hi, d, p, reasons=tuple(reasons), var_z=None if variance is None else variance.z,
                   var_p=None if variance is None else variance.p, alpha=alpha)


def _check_rope(x: np.ndarray, draw: D.MixedRoPE, alpha: float) -> Verdict:
    """``check`` of a MixedRoPE tensor: the tensor its angles make, within 16 ulps of its dtype at the largest
    magnitude (a float32 sampler's exp and log round a few times; a wrong structure is off by the magnitudes
    themselves), and the angles (one per group, independent) U[0, 2 pi) by a one-sample KS test."""
    angles, off = rope_angles(x, draw)
    law = distribution(D.Uniform(0.0, 2 * math.pi))
    top = float(draw.magnitudes().max())
    tolerance = 16 * _EPS.get(written_in(x).name, _EPS["float64"]) * top
    reasons = [] if off <= tolerance else [f"the values are {off:.3g} from those their angles make "
                                           f"(more than {tolerance:.3g})"]
    d, p = ks_1samp(angles, law)
    if not p > alpha:
        reasons.append(f"KS p={p:.3g} <= alpha={alpha:g} for the angles")
    return Verdict(not reasons, f"MixedRoPE's angle per group, {law.name}", angles.size, law.mean, law.std,
                   (law.support[0], law.support[1]), float(angles.mean()), float(angles.std()), float(angles.min()),
                   float(angles.max()), d, p, reasons=tuple(reasons))
