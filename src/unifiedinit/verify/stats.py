"""Exact distributions of the primitives, and the tests that compare samples with them.

``distribution(draw, shape)`` gives the exact marginal law of one entry: CDF, mean, variance, support,
kurtosis. For elementwise draws that is the draw itself; for the structured ones it is the law of a single
entry: an orthogonal matrix's entry is gain * s * sqrt(B), B ~ Beta(1/2, (n - 1)/2), n = max(rows, cols),
s a random sign; a sparse entry is 0 with probability ceil(sparsity * rows) / rows, else N(0, std^2).

Needs SciPy (``pip install 'unifiedinit[stats]'``); nothing else in unifiedinit does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from .. import draws as D
from ..layout import LayoutLike, TensorInfo
from ..specs import Spec


def _scipy():
    try:
        import scipy.special
        import scipy.stats
    except ImportError:  # pragma: no cover
        raise ImportError("unifiedinit.verify.stats needs SciPy: pip install 'unifiedinit[stats]'") from None
    return scipy


@dataclass(frozen=True)
class Distribution:
    """The exact law of one entry. ``raw`` holds E[X^k] for k = 1..4."""
    name: str
    cdf: Callable[[np.ndarray], Any] = field(repr=False)
    #: E[X], E[X^2], E[X^3], E[X^4]
    raw: tuple[float, ...]
    #: (lowest, highest) value
    support: tuple[float, ...]
    #: (value, probability) of every point mass
    atoms: tuple[tuple[float, float], ...] = ()

    @property
    def mean(self) -> float:
        return self.raw[0]

    @property
    def var(self) -> float:
        m1, m2 = self.raw[0], self.raw[1]
        return max(m2 - m1 * m1, 0.0)

    @property
    def std(self) -> float:
        return math.sqrt(self.var)

    @property
    def kurtosis(self) -> float | None:
        """Pearson kurtosis E[(X - mean)^4] / var^2 (normal 3, truncated at +-2 sigma 2.3655, uniform 1.8);
        None for a constant."""
        m1, m2, m3, m4 = self.raw
        var = self.var
        if var <= 1e-300:
            return None
        central4 = m4 - 4 * m1 * m3 + 6 * m1 * m1 * m2 - 3 * m1 ** 4
        return central4 / var ** 2

    @property
    def continuous(self) -> bool:
        return not self.atoms


def _normal_raw(mean: float, std: float) -> tuple[float, float, float, float]:
    m, s2 = mean, std * std
    return (m, m * m + s2, m ** 3 + 3 * m * s2, m ** 4 + 6 * m * m * s2 + 3 * s2 * s2)


def _affine_raw(raw: Sequence[float], scale: float, shift: float) -> tuple[float, float, float, float]:
    moments = (1.0,) + tuple(raw)
    out = []
    for k in range(1, 5):
        out.append(sum(math.comb(k, j) * scale ** j * moments[j] * shift ** (k - j) for j in range(k + 1)))
    return tuple(out)  # type: ignore[return-value]


def distribution(draw: D.Draw, shape: Sequence[int] | None = None) -> Distribution:
    """The exact marginal law of one entry of ``draw`` (``shape`` is needed for structured draws)."""
    sp = _scipy()
    if isinstance(draw, D.Uniform):
        a, b = draw.low, draw.high
        raw = tuple((b ** (k + 1) - a ** (k + 1)) / ((k + 1) * (b - a)) for k in range(1, 5))
        return Distribution(f"U[{a:.6g}, {b:.6g})", lambda x: np.clip((x - a) / (b - a), 0.0, 1.0), raw, (a, b))
    if isinstance(draw, D.Normal):
        m, s = draw.mean, draw.std
        return Distribution(f"N({m:.6g}, {s:.6g}^2)", lambda x: sp.special.ndtr((x - m) / s),
                            _normal_raw(m, s), (-math.inf, math.inf))
    if isinstance(draw, D.TruncatedNormal):
        m, s = draw.mean, draw.std
        a, b = (draw.low - m) / s, (draw.high - m) / s
        law = sp.stats.truncnorm(a, b, loc=m, scale=s)
        raw = tuple(float(law.moment(k)) for k in range(1, 5))
        return Distribution(f"N({m:.6g}, {s:.6g}^2) on [{draw.low:.6g}, {draw.high:.6g}]", law.cdf, raw,
                            (draw.low, draw.high))
    if isinstance(draw, D.Constant):
        c = draw.value
        return Distribution(f"{c:.6g}", lambda x: (np.asarray(x) >= c).astype(float), (c, c * c, c ** 3, c ** 4),
                            (c, c), ((c, 1.0),))
    if isinstance(draw, D.Affine):
        base = distribution(draw.base, shape)
        k, t = draw.scale, draw.shift
        cdf = (lambda x: base.cdf((x - t) / k)) if k > 0 else (lambda x: 1.0 - base.cdf((x - t) / k))
        ends = sorted((k * base.support[0] + t, k * base.support[1] + t))
        return Distribution(f"{k:.6g} * ({base.name}) + {t:.6g}", cdf, _affine_raw(base.raw, k, t), tuple(ends),
                            tuple((k * a + t, m) for a, m in base.atoms))
    if isinstance(draw, D.Mixture):
        parts = [distribution(c, shape) for c in draw.components]
        ws = draw.weights
        return Distribution(" | ".join(f"{w:.3g}: {p.name}" for w, p in zip(ws, parts)),
                            lambda x: sum(w * p.cdf(x) for w, p in zip(ws, parts)),
                            tuple(sum(w * p.raw[k] for w, p in zip(ws, parts)) for k in range(4)),
                            (min(p.support[0] for p in parts), max(p.support[1] for p in parts)),
                            tuple((a, w * m) for w, p in zip(ws, parts) for a, m in p.atoms))
    if shape is None:
        raise ValueError(f"the law of one entry of {type(draw).__name__} depends on the shape: pass shape=")
    shape = tuple(shape)
    if isinstance(draw, D.Orthogonal):
        rows = shape[draw.out_axis % len(shape)]
        n = max(rows, math.prod(shape) // rows)
        g = draw.gain
        if n == 1:
            return distribution(D.Mixture((D.Constant(-g), D.Constant(g)), (0.5, 0.5)))

        def cdf(x: np.ndarray) -> np.ndarray:
            x = np.asarray(x, dtype=np.float64)
            half = 0.5 * sp.special.betainc(0.5, (n - 1) / 2, np.clip((x / g) ** 2, 0.0, 1.0))
            return np.where(x >= 0, 0.5 + half, 0.5 - half)

        # E[x^2] = g^2 / n, E[x^4] = 3 g^4 / (n (n + 2)), odd moments 0
        return Distribution(f"orthogonal entry, n={n}, gain={g:.6g}", cdf,
                            (0.0, g * g / n, 0.0, 3 * g ** 4 / (n * (n + 2))), (-g, g))
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
                            tuple(w * m for m in centre.raw), centre.support, ((0.0, 1 - w),))
    if isinstance(draw, D.Blocks):
        block = tuple(n // len(draw.parts) if i == draw.axis else n for i, n in enumerate(shape))
        parts = [distribution(p, block) for p in draw.parts]
        w = 1.0 / len(parts)
        return Distribution(" | ".join(f"{w:.3g}: {p.name}" for p in parts),
                            lambda x: sum(w * p.cdf(x) for p in parts),
                            tuple(sum(w * p.raw[k] for p in parts) for k in range(4)),
                            (min(p.support[0] for p in parts), max(p.support[1] for p in parts)),
                            tuple((a, w * m) for p in parts for a, m in p.atoms))
    if isinstance(draw, D.Rows):
        w = 1.0 / shape[draw.axis]  # the share of entries in the row
        base, fill = distribution(draw.base, shape), distribution(draw.fill, shape)
        if w == 1.0:
            return fill
        return Distribution(f"{1 - w:.3g}: {base.name} | {w:.3g}: {fill.name}",
                            lambda x: (1 - w) * base.cdf(x) + w * fill.cdf(x),
                            tuple((1 - w) * a + w * b for a, b in zip(base.raw, fill.raw)),
                            (min(base.support[0], fill.support[0]), max(base.support[1], fill.support[1])),
                            tuple((a, (1 - w) * m) for a, m in base.atoms) + tuple((a, w * m) for a, m in fill.atoms))
    if isinstance(draw, D.Sparse):
        rows = shape[draw.out_axis % len(shape)]
        p0 = math.ceil(draw.sparsity * rows) / rows
        if p0 == 0:
            return distribution(D.Normal(0.0, draw.std))
        if p0 == 1:
            return distribution(D.Constant(0.0))
        return distribution(D.Mixture((D.Constant(0.0), D.Normal(0.0, draw.std)), (p0, 1 - p0)))
    raise ValueError(f"{type(draw).__name__} is determined, not random: compare it exactly "
                     f"(unifiedinit.reference.draw_array)")


# ---------------------------------------------------------------------------------------------- tests

def ks_1samp(sample: Any, law: Distribution) -> tuple[float, float]:
    """Kolmogorov-Smirnov statistic and p-value of ``sample`` against the exact CDF.

    D = sup |F_n - F| is taken on both sides of every distinct sample value, so laws with point masses
    (a mixture with zeros, sparse) are tested correctly; an atom is matched where it lands after rounding
    to the sample's dtype. The p-value is SciPy's exact distribution of D for a continuous law; with atoms
    it is conservative (a correct sampler fails less often than the p-value says).
    """
    sp = _scipy()
    x = np.asarray(sample)
    dtype = x.dtype if np.issubdtype(x.dtype, np.floating) or x.dtype.name == "bfloat16" else np.dtype(np.float64)
    values = np.sort(x.astype(np.float64).ravel())
    n = values.size
    if n == 0:
        raise ValueError("ks_1samp: the sample is empty")
    unique, first, counts = np.unique(values, return_index=True, return_counts=True)
    at, jump = unique.copy(), np.zeros(unique.size)
    for value, mass in law.atoms:
        hit = unique == float(np.asarray(value, dtype=dtype))
        at[hit], jump[hit] = value, jump[hit] + mass
    right = np.asarray(law.cdf(at), dtype=np.float64)
    left = right - jump
    d = max(float(np.max(np.abs((first + counts) / n - right))), float(np.max(np.abs(first / n - left))))
    return d, float(sp.stats.kstwo.sf(d, n))


def ks_2samp(a: Any, b: Any) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov statistic and p-value."""
    sp = _scipy()
    res: Any = sp.stats.ks_2samp(np.asarray(a, dtype=np.float64).ravel(), np.asarray(b, dtype=np.float64).ravel())
    return float(res.statistic), float(res.pvalue)


def sample_kurtosis(sample: Any) -> float:
    x = np.asarray(sample, dtype=np.float64).ravel()
    c = x - x.mean()
    return float(np.mean(c ** 4) / np.mean(c ** 2) ** 2)


#: Default significance: a correct sampler fails a check with probability 1e-4 (PyTorch's own init tests
#: accept p > 1e-4).
ALPHA = 1e-4


@dataclass(frozen=True)
class Verdict:
    """The outcome of ``check``: readable with ``str``, truthy when the sample passes."""
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
        return f"{head}: {body}" + "".join(f"; {r}" for r in self.reasons)


def check(sample: Any, spec: Spec | D.Draw, *, shape: Sequence[int] | None = None, layout: LayoutLike = "torch",
          layer_fans: Sequence[int] | None = None, alpha: float = ALPHA) -> Verdict:
    """Does ``sample`` (an array of one tensor's values) come from ``spec`` lowered for that tensor?

    Determined specs (constants, eye, dirac, arrays) are compared exactly. Random ones must lie in the
    support and pass a one-sample KS test against the exact CDF at level ``alpha`` (a correct sampler fails
    with probability ``alpha``).
    """
    x = np.asarray(sample)
    shape = tuple(x.shape) if shape is None else tuple(shape)
    draw = spec if isinstance(spec, D.Draw) else spec.lower(TensorInfo.make(shape, layout, layer_fans))
    values = np.asarray(x, dtype=np.float64)
    if draw.deterministic:
        from ..reference import draw_array
        # the determined values as the sample's dtype holds them (0.1 is not the same number in float32)
        dtype = x.dtype.name if x.dtype.kind == "f" or x.dtype.name == "bfloat16" else "float64"
        want = draw_array(draw, shape, np.random.default_rng(0), dtype).astype(np.float64)
        same = values.shape == want.shape and bool(np.array_equal(values.reshape(want.shape), want))
        return Verdict(same, type(draw).__name__, values.size, exact=True,
                       reasons=() if same else ("values differ from the determined ones",))
    law = distribution(draw, shape)
    reasons = []
    lo, hi = float(values.min()), float(values.max())
    inside = lo >= law.support[0] - 1e-12 * abs(law.support[0]) and hi <= law.support[1] + 1e-12 * abs(law.support[1])
    if not inside:
        reasons.append(f"values outside the support [{law.support[0]:.6g}, {law.support[1]:.6g}]")
    d, p = ks_1samp(values, law)
    if p <= alpha:
        reasons.append(f"KS p={p:.3g} <= alpha={alpha:g}")
    return Verdict(inside and p > alpha, law.name, values.size, law.mean, law.std, (law.support[0], law.support[1]),
                   float(values.mean()), float(values.std()), lo, hi, d, p, reasons=tuple(reasons))
