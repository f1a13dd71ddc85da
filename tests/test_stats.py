"""The statistics toolkit: exact moments, KS with point masses, and a check that does fail on wrong samples."""

import math
from typing import Any

import numpy as np
import pytest
import scipy.stats as st

import unifiedinit as ui
from unifiedinit import draws as D
from unifiedinit.verify import stats
from conftest import needs


@pytest.mark.parametrize("draw,mean,var,kurt", [
    (D.Uniform(-1.0, 3.0), 1.0, 16 / 12, 1.8),
    (D.Normal(0.5, 2.0), 0.5, 4.0, 3.0),
    (D.TruncatedNormal(0.0, 1.0, -2.0, 2.0), 0.0, 0.87962566103423978 ** 2, 2.3655),
    (D.Affine(D.Uniform(0.0, 1.0), -2.0, 1.0), 0.0, 4 / 12, 1.8),
    (D.Mixture((D.Constant(0.0), D.Normal(0.0, 1.0)), (0.5, 0.5)), 0.0, 0.5, 6.0),
])
def test_exact_moments(draw, mean, var, kurt):
    law = stats.distribution(draw)
    assert law.mean == pytest.approx(mean, abs=1e-12)
    assert law.var == pytest.approx(var, rel=1e-9)
    assert law.kurtosis == pytest.approx(kurt, abs=1e-4)


def test_orthogonal_marginal_moments():
    law = stats.distribution(D.Orthogonal(2.0, 0), (10, 30))
    assert law.var == pytest.approx(4 / 30) and law.kurtosis == pytest.approx(3 * 30 / 32)


RANDOM = [s for s in ui.examples() if isinstance(s, (ui.Orthogonal, ui.Sparse)) or
          (s.elementwise and not isinstance(s, (ui.Constant, ui.Zeros, ui.Ones)))]


@pytest.mark.parametrize("spec", RANDOM, ids=repr)
def test_check_passes_reference_samples(spec):
    shape = (64, 32, 3, 3) if spec.elementwise else (60, 50)
    verdict = stats.check(ui.sample(spec, shape, seed=21), spec, layout="torch")
    assert verdict, str(verdict)
    assert str(verdict).startswith("PASS")


WRONG = [  # (the spec we claim, what was really sampled)
    (ui.KaimingNormal(), ui.VarianceScaling(2.0, "fan_in", "truncated_normal")),  # He normal: torch vs Keras
    (ui.XavierUniform(), ui.LecunUniform()),                                       # wrong fans
    (ui.TruncatedNormal(), ui.Normal()),                                           # no truncation
    (ui.Mixture([ui.Uniform(5, 10), ui.Zeros(), ui.Uniform(-10, -5)], [0.25, 0.5, 0.25]),
     ui.Mixture([ui.Uniform(5, 10), ui.Zeros(), ui.Uniform(-10, -5)], [0.3, 0.45, 0.25])),
    (ui.Orthogonal(), ui.Normal(0.0, 1 / math.sqrt(64 * 9))),
]


@pytest.mark.parametrize("claimed,real", WRONG, ids=lambda s: type(s).__name__)
def test_check_fails_samples_from_another_distribution(claimed, real):
    shape = (64, 32, 3, 3)
    verdict = stats.check(ui.sample(real, shape, seed=2), claimed, layout="torch")
    assert not verdict and str(verdict).startswith("FAIL")


def test_check_compares_determined_specs_exactly():
    assert stats.check(np.eye(4), ui.Eye())
    bad = np.eye(4)
    bad[0, 1] = 1e-7
    assert not stats.check(bad, ui.Eye())


def test_ks_with_atoms_matches_the_law_and_sees_a_wrong_mass():
    law = stats.distribution(D.Mixture((D.Constant(0.0), D.Normal(0.0, 1.0)), (0.3, 0.7)))
    rng = np.random.default_rng(0)
    n = 50000
    good = np.where(rng.random(n) < 0.3, 0.0, rng.normal(size=n))
    bad = np.where(rng.random(n) < 0.33, 0.0, rng.normal(size=n))
    assert stats.ks_1samp(good, law)[1] > stats.ALPHA
    assert stats.ks_1samp(bad, law)[1] < stats.ALPHA


def test_ks_1samp_agrees_with_scipy_for_a_continuous_law():
    x = np.random.default_rng(1).normal(size=2000)
    d, p = stats.ks_1samp(x, stats.distribution(D.Normal(0.0, 1.0)))
    ref = st.kstest(x, "norm")
    assert d == pytest.approx(ref.statistic, rel=1e-12) and p == pytest.approx(ref.pvalue, rel=1e-6)


def test_ks_2samp():
    rng = np.random.default_rng(2)
    assert stats.ks_2samp(rng.normal(size=5000), rng.normal(size=5000))[1] > stats.ALPHA
    assert stats.ks_2samp(rng.normal(size=5000), rng.uniform(-1.7, 1.7, size=5000))[1] < stats.ALPHA


def test_empty_samples_and_unlawful_draws_are_refused_by_name():
    with pytest.raises(ValueError, match="parameter 'a' is an empty sample"):
        stats.ks_2samp([], [1.0, 2.0])
    with pytest.raises(ValueError, match="parameter 'b' is an empty sample"):
        stats.ks_2samp([1.0, 2.0], np.zeros((0, 3)))
    # a determined draw has no law to test against, with or without a shape: compared exactly instead
    for draw in (D.Eye(1.0), D.Dirac(1, 0, 1), D.Array((1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0), (3, 3))):
        for shape in (None, (3, 3)):
            with pytest.raises(ValueError, match=f"{type(draw).__name__} is determined, not random"):
                stats.distribution(draw, shape)
    with pytest.raises(ValueError, match="own law"):
        stats.distribution(D.PerLayer((D.Normal(0.0, 1.0), D.Normal(0.0, 2.0))), (2, 3))
    with pytest.raises(TypeError, match="parameter 'draw'"):
        stats.distribution(ui.Normal(0.0, 1.0), (3, 3))  # pyright: ignore[reportArgumentType]  # a spec, not lowered
    # a Rows or Blocks draw of constants is still a law: a mixture of point masses
    law = stats.distribution(D.Rows(D.Constant(1.0), D.Constant(0.0), 0, 0), (4, 2))
    assert law.atoms == ((1.0, 0.75), (0.0, 0.25)) and law.mean == pytest.approx(0.75)


@pytest.mark.parametrize("scale,shift,atom", [(-2.0, 1.0, 0.0), (-3.0, 0.7, 0.1), (2.0, 1.0, 0.0)])
@pytest.mark.parametrize("dtype", ["bfloat16", "float32", "float64"])
def test_a_point_mass_mirrored_by_a_negative_scale_keeps_its_place_in_the_law(scale, shift, atom, dtype):
    # k < 0 gave the CDF 1 - F((x - t) / k), which leaves out a point mass exactly at x: a correct sample of a
    # mixture with zeros, scaled by -2, failed with p = 0. Each check fails a correct sample with probability 1e-4
    import unifiedinit as ui
    from unifiedinit.verify import stats
    if dtype == "bfloat16":
        pytest.importorskip("ml_dtypes")  # NumPy's bfloat16 (absent beside numpy<1.24)
    spec = ui.Affine(ui.Mixture([ui.Constant(atom), ui.Normal()], [0.5, 0.5]), scale, shift)
    assert stats.check(ui.sample(spec, (256, 256), dtype=dtype, seed=1), spec)
    other = ui.Affine(ui.Mixture([ui.Constant(atom), ui.Normal()], [0.6, 0.4]), scale, shift)  # another weight
    assert not stats.check(ui.sample(other, (256, 256), dtype=dtype, seed=1), spec)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_a_constant_moved_by_affine_is_compared_as_one_value_within_its_last_bit(dtype):
    # Affine(Constant(c), a, b) is one value: it was KS-tested as a law of std ~1e-8 and failed (p = 0) on a
    # correct sample, found by the property test once it stopped taking a sampler's own errors for refusals
    import unifiedinit as ui
    from unifiedinit.verify import stats
    if dtype == "bfloat16":
        pytest.importorskip("ml_dtypes")  # NumPy's bfloat16 (absent beside numpy<1.24)
    spec = ui.Affine(ui.Constant(0.0005475938084995345), 0.25, 0.5)
    x = ui.sample(spec, (4, 5), dtype=dtype)
    assert stats.check(x, spec)
    wrong = np.nextafter(np.asarray(x, np.float64), 1.0) + 1e-2  # well past the last bit of any of these dtypes
    assert not stats.check(wrong.astype(x.dtype), spec)


# ---- a sample on a coarse grid of its dtype (bfloat16 holds N(1, 0.02^2) on about 40 numbers): tested against the
# law as the dtype holds it, rounded to nearest, not against the continuous CDF (which failed every such sample)

def _dtype(name):
    if name == "bfloat16":
        return np.dtype(pytest.importorskip("ml_dtypes").bfloat16)  # absent beside numpy<1.24
    return np.dtype(name)


@pytest.mark.parametrize("spec,dtype,shape", [
    (ui.Normal(1.0, 0.02), "bfloat16", (4096,)),         # DCGAN's BatchNorm scale
    (ui.Normal(1.0, 0.02), "bfloat16", (64, 1024)),
    (ui.Normal(1.0, 0.02), "float16", (64, 1024)),
    (ui.Uniform(1.0, 1.1), "bfloat16", (64, 1024)),      # values past 1.1 kept at 1.09375
    (ui.Uniform(1.0, 1.1), "float16", (256, 1024)),
    (ui.Mixture([ui.Uniform(1.0, 1.1), ui.Zeros()], [0.5, 0.5]), "bfloat16", (64, 1024)),  # each part kept on its own
    (ui.Normal(1000.0, 0.001), "float32", (256, 512)),   # float32's numbers there are 6.1e-5 apart
], ids=repr)
def test_check_passes_the_reference_sample_on_a_coarse_grid(spec, dtype, shape):
    _dtype(dtype)
    verdict = stats.check(ui.sample(spec, shape, dtype=dtype, seed=0), spec)
    assert verdict, str(verdict)


@pytest.mark.parametrize("spec,dtype", [(ui.Normal(1.0, 0.02), "bfloat16"), (ui.Normal(1000.0, 0.001), "float32")],
                         ids=repr)
def test_a_correct_coarse_grid_sample_fails_check_at_the_stated_rate(spec, dtype):
    _dtype(dtype)
    runs = 2000
    verdicts = [stats.check(ui.sample(spec, (1024,), dtype=dtype, seed=seed), spec) for seed in range(runs)]
    p = np.array([v.p for v in verdicts])
    # each failure count is binomial(runs, rate <= alpha) (D is discrete: at most alpha); each bound is passed by a
    # correct test with probability 1e-6
    assert sum(not v for v in verdicts) <= st.binom.ppf(1 - 1e-6, runs, stats.ALPHA)
    assert np.sum(p <= 0.05) <= st.binom.ppf(1 - 1e-6, runs, 0.05)
    # and the p-value is exact, not just a bound: SciPy's continuous one, valid but conservative here, fails the
    # bfloat16 samples at 0.05 35 times in 2000
    assert np.sum(p <= 0.05) >= st.binom.ppf(1e-6, runs, 0.05)


@pytest.mark.parametrize("dtype,high", [("float16", 1.0045), ("bfloat16", 1.03)])
def test_ks_1samp_p_on_a_coarse_grid_is_the_exact_law_of_d(dtype, high):
    # U[1, high) held by the dtype: a few numbers, the top one keeping the values that round past high; every
    # sample of n values, with its multinomial probability, gives the exact law of D to compare the p-values with
    import itertools
    dt, n = _dtype(dtype), 10
    grid = [np.array(1.0, dtype=dt)]
    while float(np.nextafter(grid[-1], np.array(2.0, dtype=dt))) < high:
        grid.append(np.nextafter(grid[-1], np.array(2.0, dtype=dt)))
    values = np.array([float(g) for g in grid])
    edges = np.concatenate([[1.0], (values[1:] + values[:-1]) / 2, [high]])
    assert float(np.array(high, dtype=dt)) > high  # high rounds up, out of [1, high): the top cell keeps it
    mass = np.diff(edges) / (high - 1.0)
    law = stats.distribution(D.Uniform(1.0, high))
    counts = [np.bincount(c, minlength=values.size) for c in itertools.combinations_with_replacement(
        range(values.size), n)]
    prob = np.array([st.multinomial.pmf(c, n, mass) for c in counts])
    assert prob.sum() == pytest.approx(1.0, abs=1e-12)
    d, p = np.array([stats.ks_1samp(np.repeat(values, c).astype(dt), law) for c in counts]).T
    exact = np.array([prob[d >= di - 1e-12].sum() for di in d])
    assert np.allclose(p, exact, rtol=1e-9, atol=1e-12)
    for alpha in sorted(set(p.tolist())) + [0.01, 0.05, 0.1]:  # so a correct sampler fails at most at alpha
        assert prob[p <= alpha].sum() <= alpha + 1e-12


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@pytest.mark.parametrize("real", [ui.Normal(1.0, 0.021), ui.Normal(1.0 + 2.0 ** -10, 0.02)], ids=repr)
def test_check_fails_another_law_on_the_same_coarse_grid(dtype, real):
    # a std 5% off, a mean a quarter of bfloat16's step below 1 (0.05 std) off: p < 1e-5 at every seed tried
    _dtype(dtype)
    claimed = ui.Normal(1.0, 0.02)
    verdict = stats.check(ui.sample(real, (64, 1024), dtype=dtype, seed=2), claimed)
    assert not verdict and str(verdict).startswith("FAIL")


# ks_2samp of a half-precision sample and a float32 one of the same law: each pair is correct, so each comparison
# fails with probability at most ALPHA = 1e-4; at least 2 failures in 20 has probability at most
# C(20, 2) ALPHA^2 = 1.9e-6 (the seeds are fixed: the outcome is the same on every run).


@needs("ml_dtypes")
def test_ks_2samp_rounds_float32_to_a_bfloat16_sample_with_few_values():
    spec = ui.Normal(1.0, 0.02)  # bfloat16 holds it on about 30 numbers: fewer than 64 distinct values
    rejected = {"bfloat16": 0, "bfloat16 read as float64": 0}
    for s in range(20):
        half = ui.sample(spec, (10_000,), seed=s, dtype="bfloat16")
        single = ui.sample(spec, (10_000,), seed=1000 + s, dtype="float32")
        assert np.unique(half.astype(np.float64)).size < 64
        rejected["bfloat16"] += stats.ks_2samp(half, single)[1] <= stats.ALPHA
        rejected["bfloat16 read as float64"] += stats.ks_2samp(single, half.astype(np.float64))[1] <= stats.ALPHA
    assert max(rejected.values()) <= 1, rejected
    # power kept: a law a quarter of a standard deviation off is still told apart, rounded alike
    half = ui.sample(spec, (10_000,), seed=0, dtype="bfloat16")
    off = ui.sample(ui.Normal(1.005, 0.02), (10_000,), seed=1, dtype="float32")
    assert stats.ks_2samp(half, off)[1] < stats.ALPHA and stats.ks_2samp(half.astype(np.float64), off)[1] < stats.ALPHA
    # point masses alone say nothing of their dtype: all ones (bfloat16 numbers) do not round N(1, 0.001^2)'s float32
    # values to bfloat16 (where nearly all would be 1.0)
    rng = np.random.default_rng(3)
    assert stats.ks_2samp(np.ones(1000), rng.normal(1.0, 0.001, 1000).astype(np.float32))[1] < stats.ALPHA


@pytest.mark.parametrize("dtype,spec,other", [
    # bfloat16 keeps U[1, 1.1) at or below 1.09375, where 1.1 rounds to 1.1015625 (2.3% of float32's values)
    pytest.param("bfloat16", ui.Uniform(1.0, 1.1), ui.Uniform(1.0, 1.09), marks=needs("ml_dtypes")),
    # float16 keeps U[1, 1.0025) at or below 1.00195, where 1.0025 rounds to 1.00293 (2.4%)
    ("float16", ui.Uniform(1.0, 1.0025), ui.Uniform(1.0, 1.002)),
])
def test_ks_2samp_keeps_rounded_values_in_the_support_as_the_samplers_do(dtype, spec, other):
    n = 100_000
    law = stats.distribution(ui.lower(spec, (n,)))
    given = [law, ui.lower(spec, (n,)), spec]  # a Distribution, a draw, a spec (with shape=)
    rejected = 0
    for s in range(20):
        half = ui.sample(spec, (n,), seed=s, dtype=dtype)
        single = ui.sample(spec, (n,), seed=1000 + s, dtype="float32")
        rejected += stats.ks_2samp(single, half, law=given[s % 3], shape=(n,))[1] <= stats.ALPHA
    assert rejected <= 1
    # power kept: a narrower uniform is told apart
    half = ui.sample(spec, (n,), seed=0, dtype=dtype)
    narrower = ui.sample(other, (n,), seed=1, dtype="float32")
    assert stats.ks_2samp(half, narrower, law=law)[1] < stats.ALPHA


@needs("ml_dtypes")
def test_ks_2samp_keeps_each_part_of_a_mixture_in_its_own_window():
    from unifiedinit.reference import draw_array
    mix = D.Mixture((D.Uniform(1.0, 1.1), D.Uniform(1.0, 1.05)), (0.5, 0.5))  # 1.05 is inside the first's window
    n, rejected = 100_000, 0
    for s in range(20):
        half = draw_array(mix, (n,), np.random.default_rng(s), "bfloat16")
        single = draw_array(mix, (n,), np.random.default_rng(1000 + s), "float32")
        rejected += stats.ks_2samp(half, single, law=mix)[1] <= stats.ALPHA
    assert rejected <= 1
    other = D.Mixture((D.Uniform(1.0, 1.1), D.Uniform(1.0, 1.05)), (0.4, 0.6))
    single = draw_array(other, (n,), np.random.default_rng(7), "float32")
    assert stats.ks_2samp(draw_array(mix, (n,), np.random.default_rng(0), "bfloat16"), single, law=mix)[1] < stats.ALPHA


def test_ks_2samp_refuses_a_bad_law_by_name():
    with pytest.raises(TypeError, match="ks_2samp: parameter 'law' must be a Distribution"):
        stats.ks_2samp([1.0, 2.0], [1.0, 3.0], law="normal")  # pyright: ignore[reportArgumentType] - a name
    with pytest.raises(ValueError, match="ks_2samp: a spec as parameter 'law' .* needs the tensor's shape"):
        stats.ks_2samp([1.0, 2.0], [1.0, 3.0], law=ui.Uniform(0.0, 1.0))
    with pytest.raises(ValueError, match="depends on the shape: pass shape="):
        stats.ks_2samp([1.0, 2.0], [1.0, 3.0], law=D.Orthogonal(1.0, 0))


@pytest.mark.parametrize("alpha,error,words", [
    (0.0, ValueError, "in (0, 1)"),
    (-1.0, ValueError, "in (0, 1)"),  # passed any sample: p > -1 always
    (1.0, ValueError, "in (0, 1)"),
    (1.5, ValueError, "in (0, 1)"),
    (float("nan"), ValueError, "finite"),
    ("0.01", TypeError, "real number"),
    (None, TypeError, "real number"),
    (True, TypeError, "real number"),
])
def test_check_refuses_an_alpha_that_is_no_level_in_0_1_by_name(alpha, error, words):
    """alpha=-1.0 passed a sample plainly not N(0, 1), 1.5 and NaN were taken, a string or None raised Python's
    "'>' not supported"."""
    wrong = ui.sample(ui.Uniform(5, 10), (64, 64), seed=0)
    with pytest.raises(error) as info:
        stats.check(wrong, ui.Normal(), alpha=alpha)
    assert "check: parameter 'alpha'" in str(info.value) and words in str(info.value), str(info.value)


def test_check_takes_an_alpha_in_0_1_as_a_numpy_scalar_and_applies_it():
    x = ui.sample(ui.Normal(), (64, 64), seed=0)
    verdict = stats.check(x, ui.Normal(), alpha=_wrong(np.float32(0.25)))  # a NumPy scalar, typed float
    # the same p as the default level's; the verdict is p > alpha / 2 and the variance test's p > alpha / 2 (each
    # held to half the level given) (old: a numpy.bool from __bool__, a TypeError)
    assert verdict.p is not None and verdict.p == stats.check(x, ui.Normal()).p
    assert verdict.var_p is not None and verdict.alpha == pytest.approx(0.25)
    assert bool(verdict) is (verdict.p > 0.125 and verdict.var_p > 0.125)


def _wrong(value: Any) -> Any:
    """``value``, of the wrong kind on purpose: the type checker is told so."""
    return value


@pytest.mark.parametrize("call,error,words", [
    (lambda: stats.check(_wrong(None), ui.Normal()), TypeError, "check: parameter 'sample' must be an array of"),
    (lambda: stats.check(np.zeros((0, 4)), ui.Normal()), ValueError, "check: parameter 'sample' is an empty sample"),
    (lambda: stats.check(["a", "b"], ui.Normal()), TypeError, "check: parameter 'sample' must be an array of real"),
    (lambda: stats.check([[1.0], [1.0, 2.0]], ui.Normal()), TypeError, "check: parameter 'sample'"),
    (lambda: stats.check(np.ones((4, 4)), _wrong(None)), TypeError, "check: parameter 'spec' must be a spec"),
    (lambda: stats.check(np.ones((4, 4)), _wrong("normal")), TypeError, "check: parameter 'spec' must be a spec"),
    (lambda: stats.ks_1samp(np.ones(8), _wrong(ui.Normal())), TypeError,
     "ks_1samp: parameter 'law' must be a Distribution"),
    (lambda: stats.ks_1samp(np.ones(8), _wrong(D.Normal(0.0, 1.0))), TypeError, "'law' must be a Distribution"),
    (lambda: stats.ks_1samp(None, stats.distribution(D.Normal(0.0, 1.0))), TypeError, "parameter 'sample'"),
    (lambda: stats.ks_1samp([], stats.distribution(D.Normal(0.0, 1.0))), ValueError, "is an empty sample"),
    (lambda: stats.distribution(_wrong(None)), TypeError, "distribution: parameter 'draw' must be a draw"),
    (lambda: stats.distribution(D.Orthogonal(1.0, 0), _wrong("ab")), TypeError, "parameter 'shape'"),
])
def test_a_sample_spec_or_law_of_the_wrong_kind_is_refused_by_name(call, error, words):
    """check(None, spec) returned a Verdict of NaNs, an empty sample raised NumPy's "zero-size array to reduction
    operation minimum", spec=None an AttributeError, ks_1samp(x, a spec) "no attribute 'parts'", and
    distribution(None) asked for a shape."""
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value), str(info.value)


@needs("torch")
def test_check_reads_a_torch_tensor_that_requires_grad_as_its_values():
    """A tensor that requires grad raised torch's RuntimeError ("Can't call numpy() on Tensor that requires grad").
    torch's own xavier_uniform_ (drawn in the same run) gets the verdict of its values as NumPy holds them. The PASS
    fails a correct sample with probability 1e-4 (fixed generator)."""
    import torch
    g = torch.Generator().manual_seed(0)
    grad = torch.nn.init.xavier_uniform_(torch.empty(256, 128), generator=g).requires_grad_()
    verdict = stats.check(grad, ui.XavierUniform())
    assert verdict, str(verdict)
    plain = stats.check(grad.detach().numpy(), ui.XavierUniform())
    assert (verdict.p, verdict.ks) == (plain.p, plain.ks)
    assert stats.check(torch.zeros(4, 4, requires_grad=True), ui.Zeros())
    assert stats.check(torch.full((4, 4), 0.1, dtype=torch.float32), ui.Constant(0.1))


@needs("torch")
@needs("ml_dtypes")
def test_check_reads_a_bfloat16_torch_tensor_as_numpy_holds_bfloat16():
    """A bfloat16 tensor raised torch's "unsupported ScalarType BFloat16". torch's own xavier_uniform_ in bfloat16
    (drawn in the same run) gets the verdict of the ml_dtypes array of its values, the law as bfloat16 holds it. The
    PASS fails a correct sample with probability 1e-4 (fixed generator)."""
    import ml_dtypes
    import torch
    g = torch.Generator().manual_seed(0)
    half = torch.nn.init.xavier_uniform_(torch.empty(256, 128, dtype=torch.bfloat16), generator=g)
    same = half.float().numpy().astype(ml_dtypes.bfloat16)
    verdict = stats.check(half, ui.XavierUniform())
    assert verdict, str(verdict)
    plain = stats.check(same, ui.XavierUniform())
    assert (verdict.p, verdict.ks, verdict.n) == (plain.p, plain.ks, plain.n)
    assert not stats.check(half, ui.XavierNormal())
    # determined values are compared as the tensor's dtype holds them: 0.1 in bfloat16 is 0.10009765625
    assert stats.check(torch.full((4, 4), 0.1, dtype=torch.bfloat16, requires_grad=True), ui.Constant(0.1))
    assert not stats.check(torch.full((4, 4), 0.1, dtype=torch.bfloat16).float(), ui.Constant(0.1))  # as float32


# ---- the variance test beside KS: KS alone passed a normal sample whose std was 2% off at n = 76,800, where the
# sample std's standard error is 0.3% (the variance is tested exactly, chi-square, for a normal law; by a z-test with
# the law's 4th central moment for the others); each test is held to alpha / 2

def _scaled(spec, factor, seed=1):
    """A float32 sample of ``spec`` (256 x 300), its spread about the law's mean scaled by ``factor``."""
    x = ui.sample(spec, (256, 300), seed=seed, dtype="float32")
    mean = stats.distribution(ui.lower(spec, x.shape)).mean
    return ((x - mean) * factor + mean).astype(np.float32)


@pytest.mark.parametrize("spec,factor", [
    (ui.KaimingNormal(), 1.02),
    (ui.KaimingNormal(), 0.98),                                    # two-sided: a std too small too
    (ui.Normal(0.5, 2.0), 1.02),                                   # about a mean away from 0
    (ui.TruncatedNormal(), 0.98),                                  # the z-test (not normal), inside the support
    (ui.Mixture([ui.Zeros(), ui.Normal()], [0.3, 0.7]), 1.02),     # point masses: iid too
], ids=repr)
def test_check_fails_a_sample_whose_std_is_2_percent_off_by_its_variance(spec, factor):
    # each passed KS (p from 0.0016 to 0.22 > alpha); their variance is 6 to 10 standard errors off (critical 4.06)
    verdict = stats.check(_scaled(spec, factor), spec, layout="torch")
    assert not verdict and str(verdict).startswith("FAIL"), str(verdict)
    assert verdict.p is not None and verdict.p > stats.ALPHA / 2  # KS alone would pass it
    assert any(r.startswith("variance p=") and "<= alpha/2=5e-05" in r for r in verdict.reasons), verdict.reasons
    assert verdict.var_z is not None and abs(verdict.var_z) > 5 and (verdict.var_z > 0) is (factor > 1)


@pytest.mark.parametrize("spec", [
    ui.Normal(0.5, 2.0), ui.TruncatedNormal(), ui.Uniform(-1.0, 3.0), ui.XavierUniform(), ui.KaimingNormal(),
    ui.Mixture([ui.Uniform(5, 10), ui.Zeros(), ui.Uniform(-10, -5)], [0.25, 0.5, 0.25]),
    ui.Affine(ui.LogUniform(1e-3, 1.0), -2.0, 1.0),
], ids=repr)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_check_passes_correct_samples_with_the_variance_tested(spec, dtype):
    # a correct sample fails with probability at most alpha = 1e-4 (the z-test's up to its normal approximation);
    # the seeds are fixed, so the outcome is the same on every run
    verdict = stats.check(ui.sample(spec, (256, 300), seed=5, dtype=dtype), spec, layout="torch")
    assert verdict, str(verdict)
    assert verdict.var_p is not None and verdict.var_p > stats.ALPHA / 2 and verdict.alpha == stats.ALPHA
    assert "variance z=" in str(verdict) and "each at alpha/2=5e-05" in str(verdict)


@pytest.mark.parametrize("spec", [ui.Normal(), ui.Uniform(-1.0, 1.0)], ids=repr)
def test_a_correct_sample_fails_check_at_most_at_alpha_with_the_variance_tested(spec):
    # 200 correct samples of 2,000 values at alpha = 0.05: each fails with probability at most 0.05 (KS and the
    # variance test at 0.025 each; the uniform's z-test up to its normal approximation), so the count of failures is
    # at most Binomial(200, 0.05), and of variance failures Binomial(200, 0.025); each bound is passed by such a
    # count except with probability 1e-4 (the seeds are fixed: the outcome is the same on every run)
    runs, alpha = 200, 0.05
    verdicts = [stats.check(ui.sample(spec, (2000,), seed=s, dtype="float64"), spec, alpha=alpha) for s in range(runs)]
    var_p = np.array([np.nan if v.var_p is None else v.var_p for v in verdicts])
    assert not np.isnan(var_p).any()  # the variance was tested in every one
    assert sum(not v for v in verdicts) <= st.binom.ppf(1 - 1e-4, runs, alpha)
    assert np.sum(var_p <= alpha / 2) <= st.binom.ppf(1 - 1e-4, runs, alpha / 2)
    # and the variance p-value is a p-value, not a bound far from it: its failures at 0.5 are Binomial(200, 0.5)
    # (exact for the normal law's chi-square; 0.5 is not where the z-test's approximation is strained either)
    assert st.binom.ppf(1e-4, runs, 0.5) <= np.sum(var_p <= 0.5) <= st.binom.ppf(1 - 1e-4, runs, 0.5)


@pytest.mark.parametrize("spec,dtype,shape", [
    (ui.Orthogonal(), "float32", (256, 300)),               # entries not independent: rows of norm 1
    (ui.Normal(), "float16", (256, 300)),                   # rounded to a coarse grid
    (ui.Normal(1000.0, 0.001), "float32", (256, 512)),      # float32's numbers 6.1e-5 apart: rounding > the s.e.
], ids=repr)
def test_check_keeps_ks_alone_at_alpha_where_the_variance_is_not_tested(spec, dtype, shape):
    x = ui.sample(spec, shape, seed=3, dtype=dtype)
    verdict = stats.check(x, spec)
    assert verdict, str(verdict)  # a correct sample: fails with probability at most alpha = 1e-4 (fixed seed)
    assert verdict.var_p is None and verdict.var_z is None and "variance" not in str(verdict)
    # the whole alpha goes to KS: at an alpha with alpha / 2 < p < alpha the same sample fails, by KS alone
    assert verdict.p is not None and verdict.p < 1.0
    level = 1.5 * verdict.p if verdict.p <= 1 / 3 else (1.0 + verdict.p) / 2
    failed = stats.check(x, spec, alpha=level)
    assert not failed and failed.var_p is None and failed.reasons == (f"KS p={verdict.p:.3g} <= alpha={level:g}",)


def test_the_variance_z_test_waits_for_an_n_where_its_normal_approximation_holds():
    # a uniform law's sample variance is skewed: at alpha = 1e-4 (each test at 5e-5) the z-test needs n >= 1238, at
    # alpha = 0.05 n >= 32; a correct sample passes with probability at least 1 - alpha (fixed seed)
    spec = ui.Uniform(-1.0, 1.0)
    x = ui.sample(spec, (1000,), seed=3, dtype="float32")
    assert stats.check(x, spec).var_p is None
    assert stats.check(ui.sample(spec, (1238,), seed=3, dtype="float32"), spec).var_p is not None
    verdict = stats.check(x, spec, alpha=0.05)
    assert verdict.var_p is not None and verdict, str(verdict)
    # and a normal law, whose test is exact, is tested at any n of 4 or more
    assert stats.check(ui.sample(ui.Normal(), (4,), seed=3), ui.Normal()).var_p is not None
    assert stats.check(ui.sample(ui.Normal(), (3,), seed=3), ui.Normal()).var_p is None


# ---- the dtype a sample was written in is read off positive evidence only, and the moments are exact at any scale

def test_a_float64_sample_collapsed_onto_one_value_is_judged_as_float64_not_as_a_narrower_dtype():
    # written_in took every float64 array that bfloat16 or float32 holds as written there: a float64 sampler that
    # wrote every value as the mean (all 1.0) passed N(1, 1e-6^2), which bfloat16 holds on 1.0 alone. Each PASS below
    # fails a correct sample with probability at most 1e-4 (fixed seeds)
    spec = ui.Normal(1.0, 1e-6)
    collapsed = np.full(4096, 1.0)
    assert stats.written_in(collapsed) == np.float64
    assert not stats.check(collapsed, spec)
    assert not stats.check(collapsed, ui.Normal(1.0, 1e-9))  # float32 holds it on 1.0 alone
    tight = ui.sample(ui.Normal(1.0, 1e-9), (4096,), seed=1, dtype="float64")
    assert stats.ks_2samp(collapsed, tight)[1] < stats.ALPHA  # no longer both rounded to float32
    # a real float32 sample read as float64 shows its dtype (neighbouring float32 numbers): tested as float32 holds it
    single = ui.sample(spec, (4096,), seed=0, dtype="float32").astype(np.float64)
    assert stats.written_in(single) == np.float32
    assert stats.check(single, spec)
    assert stats.ks_2samp(single, ui.sample(spec, (4096,), seed=1, dtype="float64"))[1] > stats.ALPHA
    # a float32 array that collapsed onto 1.0 is not taken as bfloat16 either
    assert stats.written_in(np.ones(16, np.float32)) == np.float32
    # point masses alone show their dtype where the law's atoms round there (0.1 and 0.3 as float32 holds them)
    mix = ui.Mixture([ui.Constant(0.1), ui.Constant(0.3)], [0.5, 0.5])
    atoms = ui.sample(mix, (64, 64), seed=0, dtype="float32").astype(np.float64)
    assert stats.written_in(atoms) == np.float64 and stats.written_in(atoms, [0.1, 0.3]) == np.float32
    assert stats.check(atoms, mix)


def test_a_law_of_huge_finite_values_has_its_moments_and_check_reads_its_sample():
    # U[-1e307, 1e307) raised OverflowError in distribution (raw moments b**k); its std is finite, its variance not
    spec = ui.Uniform(-1e307, 1e307)
    law = stats.distribution(ui.lower(spec, (64, 64)))
    assert law.mean == 0.0 and law.std == pytest.approx(1e307 / math.sqrt(3), rel=1e-14) and law.var == math.inf
    assert law.kurtosis == pytest.approx(1.8, rel=1e-14)
    assert law.raw == (0.0, math.inf, 0.0, math.inf)
    x = ui.sample(spec, (64, 64), seed=0, dtype="float64")
    verdict = stats.check(x, spec)  # fails a correct sample with probability 1e-4 (fixed seed)
    assert verdict and verdict.var_p is not None, str(verdict)
    assert verdict.std is not None and verdict.std == pytest.approx(law.std, rel=0.05)
    assert not stats.check(x * 0.95, spec)  # a std 5% too small: inside the support, told apart
    shifted = stats.distribution(D.Affine(D.Uniform(-1.0, 1.0), 1e307, 5e307))
    assert shifted.mean == 5e307 and shifted.std == pytest.approx(1e307 / math.sqrt(3), rel=1e-14)


def _symmetric_truncated_kurtosis(c: float) -> float:
    """N(0, 1) cut to [-c, c]: E[Z^2] = 1 - 2 c phi(c) / Z, E[Z^4] = 3 E[Z^2] - 2 c^3 phi(c) / Z (Z its mass)."""
    phi, mass = math.exp(-c * c / 2) / math.sqrt(2 * math.pi), math.erf(c / math.sqrt(2))
    m2 = 1 - 2 * c * phi / mass
    return (3 * m2 - 2 * c ** 3 * phi / mass) / m2 ** 2


@pytest.mark.parametrize("draw,var,kurt", [
    (D.Normal(1e6, 1.0), 1.0, 3.0),
    (D.Uniform(1e6, 1e6 + 1.0), 1 / 12, 1.8),
    (D.Affine(D.Uniform(0.0, 1.0), -1e-3, 1e8), 1e-6 / 12, 1.8),
    (D.Mixture((D.Normal(1e6, 1.0), D.Normal(1e6, 2.0)), (0.5, 0.5)), 2.5, 3 * (1 + 16) / 2 / 2.5 ** 2),
    (D.Mixture((D.Constant(1e6), D.Normal(1e6, 1.0)), (0.5, 0.5)), 0.5, 6.0),
    (D.TruncatedNormal(1e6, 1.0, 1e6 - 2.0, 1e6 + 2.0), 0.87962566103423978 ** 2, _symmetric_truncated_kurtosis(2.0)),
], ids=repr)
def test_the_variance_and_kurtosis_of_a_law_far_from_0_are_exact(draw, var, kurt):
    # both came from the raw moments: N(1e6, 1) had kurtosis 0, U[1e6, 1e6 + 1) variance 21 (253 / 12)
    law = stats.distribution(draw)
    assert law.var == pytest.approx(var, rel=1e-12) and law.kurtosis == pytest.approx(kurt, rel=1e-12)


@pytest.mark.parametrize("low,high", [(1e6, 1e6 + 1.0), (1.0, 1.0 + 1e-12), (1e-300, 1e300)])
def test_a_log_uniform_law_has_its_exact_moments_and_cdf_however_close_its_ends(low, high):
    # its moments came from raw ones (variance -1.2e+01 for [1e6, 1e6 + 1]) and its CDF from log(x) - log(low), which
    # holds 4 digits of a window 1e-12 wide; compared with mpmath at 100 digits
    mp = pytest.importorskip("mpmath")
    law = stats.distribution(D.LogUniform(low, high))
    xs = [low + (high - low) * f for f in (1e-3, 0.5)] if high < 2 * low else [1e-200, 1.0]
    with mp.workdps(100):  # the raw moments of [1, 1 + 1e-12] lose 48 digits to the 4th central one
        a, b = mp.mpf(low), mp.mpf(high)
        raw = [(b ** k - a ** k) / (k * mp.log(b / a)) for k in range(1, 5)]
        m2, m4 = raw[1] - raw[0] ** 2, raw[3] - 4 * raw[0] * raw[2] + 6 * raw[0] ** 2 * raw[1] - 3 * raw[0] ** 4
        var, kurt = float(m2), float(m4 / m2 ** 2)
        cdf = [float(mp.log(mp.mpf(x) / a) / mp.log(b / a)) for x in xs]
    assert law.var == pytest.approx(var, rel=1e-12) and law.kurtosis == pytest.approx(kurt, rel=1e-12)
    assert np.allclose(law.cdf(np.array(xs)), cdf, rtol=1e-12, atol=0.0)


def _exact_truncated(mean: float, std: float, low: float, high: float,
                     xs: list[float]) -> tuple[float, float, float, list[float]]:
    """Mean, std, kurtosis and CDF at ``xs`` of N(mean, std^2) cut to [low, high], by mpmath at 30 digits: in
    standard units about the window's point nearest 0, c, over t = z - c (density exp(-c t - t^2 / 2) up to a
    constant)."""
    mp = pytest.importorskip("mpmath")
    with mp.workdps(30):
        m, s = mp.mpf(mean), mp.mpf(std)
        a, b = (mp.mpf(low) - m) / s, (mp.mpf(high) - m) / s
        c = min(max(mp.mpf(0), a), b)
        lo, hi = max(a - c, mp.mpf(-60)), min(b - c, mp.mpf(60))

        def density(t: Any) -> Any:
            return mp.exp(-c * t - t * t / 2)

        mass = mp.quad(density, [lo, hi])
        mu = mp.quad(lambda t: t * density(t), [lo, hi]) / mass
        m2, m4 = (mp.quad(lambda t, k=k: (t - mu) ** k * density(t), [lo, mu, hi]) / mass for k in (2, 4))
        cdf = [float(mp.quad(density, [lo, (mp.mpf(x) - m) / s - c]) / mass) for x in xs]
        return float(m + s * (c + mu)), float(s * mp.sqrt(m2)), float(m4 / m2 ** 2), cdf


@pytest.mark.parametrize("mean,std,low,high", [
    (0.0, 1.0, 30.0, 31.0),               # far in the upper tail: Phi rounds to 1 there
    (0.0, 1.0, -37.0, -36.9),             # the farthest a spec takes, in the lower tail
    (0.0, 1.0, -40.0, -39.0),             # as a draw, beyond what a spec takes
    (0.0, 1.0, 1000.0, 1000.001),         # a draw, 1000 std out
    (1e6, 1.0, 1e6 + 30.0, 1e6 + 30.001),
    (0.0, 1e300, 2e301, 1.2e302),         # E[X^k] past a float's range: OverflowError
    (0.0, 1e300, -1e300, 1e300),
    (1e300, 1e300, -1e308, 1e308),
], ids=repr)
def test_a_truncated_normal_far_out_or_of_huge_values_has_its_exact_law(mean, std, low, high):
    # SciPy's truncnorm moments: kurtosis 8.886 for [30, 31] (exact 8.9475), negative at [-60, -59], std 0.0025 for
    # a window 0.001 wide, OverflowError for std 1e300; compared with mpmath at 30 digits
    law = stats.distribution(D.TruncatedNormal(mean, std, low, high))
    a, b = (low - mean) / std, (high - mean) / std
    points = [-0.5, 0.0, 0.5, 0.9] if a < 0 < b else [a + min(b - a, 1.0) * f for f in (1e-4, 0.01, 0.3, 0.7)]
    xs = [mean + std * z for z in points]
    exact_mean, exact_std, exact_kurt, exact_cdf = _exact_truncated(mean, std, low, high, xs)
    assert law.mean == pytest.approx(exact_mean, rel=1e-14, abs=1e-10 * exact_std)
    assert law.std == pytest.approx(exact_std, rel=1e-9) and law.kurtosis == pytest.approx(exact_kurt, rel=1e-9)
    got = law.cdf(np.array(xs))
    assert np.allclose(got, exact_cdf, rtol=1e-9, atol=1e-14), (got, exact_cdf)
    assert law.cdf(np.array([low, high])).tolist() == [0.0, 1.0]


@pytest.mark.parametrize("spec,dtype", [
    (ui.TruncatedNormal(0.0, 1.0, 30.0, 31.0), "float32"),
    (ui.TruncatedNormal(0.0, 1.0, -37.0, -36.9), "float64"),
    (ui.TruncatedNormal(1e6, 1.0, 1e6 + 30.0, 1e6 + 30.001), "float64"),
    (ui.TruncatedNormal(0.0, 1e300, 2e301, 1.2e302), "float64"),
], ids=repr)
def test_check_passes_a_far_out_truncated_normal_and_fails_a_wider_window(spec, dtype):
    # the PASS fails a correct sample with probability at most 1e-4 (fixed seed); the claimed window reaching 0.01 std
    # further toward the mean holds 18% (20 std out) or more of its mass there, where no value lies
    x = ui.sample(spec, (64, 64), seed=0, dtype=dtype)
    verdict = stats.check(x, spec)
    assert verdict, str(verdict)
    # the report's stds, the sample's and the law's, agree (the law's was NaN for std 1e300, the sample's inf): the
    # sample std's standard error is below 3% here (kurtosis 9 at most), 10% is past 3 of them
    assert verdict.std == pytest.approx(verdict.expected_std, rel=0.1), str(verdict)
    s, wide = spec.std, spec.std / 100
    wider = ui.TruncatedNormal(spec.mean, s, spec.low - wide, spec.high) if spec.low > spec.mean else \
        ui.TruncatedNormal(spec.mean, s, spec.low, spec.high + wide)
    assert not stats.check(x, wider)


# ---------------------------------------------------------------------------------------------- structured draws

_LSTM_BIAS = ui.Blocks([ui.Uniform(-0.1, 0.1), ui.Normal(1, 0.1), ui.Uniform(-0.1, 0.1), ui.Uniform(-0.1, 0.1)])


def _swapped(x: np.ndarray, size: int) -> np.ndarray:
    """``x`` with its first two blocks of ``size`` rows swapped."""
    return np.concatenate([x[size:2 * size], x[:size], x[2 * size:]])


def _gaussian() -> np.ndarray:
    """A Gaussian (256, 512) matrix with the variance of an orthogonal one's entries: its entries pass KS against
    the orthogonal entry law (p = 0.81), its rows are not orthonormal (G G^T - I reaches 0.18)."""
    return np.random.default_rng(0).normal(0, 512 ** -0.5, (256, 512)).astype(np.float32)


def _moved_centre() -> np.ndarray:
    """A DeltaOrthogonal kernel whose orthogonal matrix sits at the corner tap instead of the centre."""
    d = ui.sample(ui.DeltaOrthogonal(), (64, 32, 3, 3), seed=0)
    moved = np.zeros_like(d)
    moved[:, :, 0, 0] = d[:, :, 1, 1]
    return moved


def _shuffled_zeros() -> np.ndarray:
    """A Sparse(0.5) sample with its values shuffled: the same count of zeros in all, 104 to 155 per column
    instead of exactly 128."""
    s = ui.sample(ui.Sparse(0.5, 0.01), (256, 512), seed=0)
    flat = s.ravel().copy()
    np.random.default_rng(0).shuffle(flat)
    return flat.reshape(s.shape)


def _moved_row() -> np.ndarray:
    """A Rows sample whose constant row is written at index 0 instead of index 2."""
    x = ui.sample(ui.Rows(ui.Normal(0, 1), ui.Constant(7.0), index=2), (50, 40), seed=4)
    return x[:, [2, 1, 0] + list(range(3, 40))]


@pytest.mark.parametrize("make,spec,words", [
    (lambda: _swapped(ui.sample(_LSTM_BIAS, (1024, 64), seed=1), 256), _LSTM_BIAS,
     "block 1 of 4 along axis 0: KS p="),
    (lambda: _swapped(ui.sample(ui.Blocks([ui.Normal(0, 1), ui.Normal(5, 1)]), (256, 512), seed=0), 128),
     ui.Blocks([ui.Normal(0, 1), ui.Normal(5, 1)]), "block 2 of 2 along axis 0: KS p="),
    (_gaussian, ui.Orthogonal(), "the rows are not orthonormal at gain 1"),
    (_moved_centre, ui.DeltaOrthogonal(), "values off the centre tap (1, 1) are not 0"),
    (_shuffled_zeros, ui.Sparse(0.5, 0.01), "zeros, the sampler writes exactly 128 in each"),
    (_moved_row, ui.Rows(ui.Normal(0, 1), ui.Constant(7.0), index=2), "index 2 of axis 1: values differ"),
], ids=["lstm-blocks-swapped", "blocks-halves-swapped", "gaussian-as-orthogonal", "delta-centre-moved",
        "sparse-zeros-shuffled", "rows-row-moved"])
def test_check_fails_a_tensor_whose_structure_is_wrong_though_its_entries_follow_the_entry_law(make, spec, words):
    # each tensor's entries, pooled, follow the law of one entry (the check before the structure was tested passed
    # every one); the structure is off by far more than chance allows: the swapped blocks' KS p-values are below
    # 1e-300, and a correct sampler never breaks an exact structure (orthonormal rows within the dtype's rounding,
    # zeros where it writes them, a determined row)
    verdict = stats.check(make(), spec, layout="torch")
    assert not verdict, str(verdict)
    assert any(words in r for r in verdict.reasons), verdict.reasons


@pytest.mark.parametrize("spec,shape,layout,dtype", [
    (_LSTM_BIAS, (1024, 64), "torch", "float32"),
    (ui.Blocks([ui.Normal(0, 1), ui.Normal(5, 1)]), (256, 512), "torch", "float64"),
    (ui.Blocks([ui.Orthogonal(), ui.Zeros(), ui.Sparse(0.3)]), (3 * 64, 96), "torch", "float32"),
    (ui.Rows(ui.Normal(0, 1), ui.Constant(7.0), index=2), (50, 40), "torch", "float32"),
    (ui.Orthogonal(), (256, 512), "torch", "float32"),
    (ui.Orthogonal(2.0), (300, 100), "torch", "float64"),                  # tall: the columns are orthonormal
    pytest.param(ui.Orthogonal(), (3, 3, 16, 32), "flax", "bfloat16",    # a kernel, rounded to bfloat16
                 marks=needs("ml_dtypes")),
    (ui.DeltaOrthogonal(), (64, 32, 3, 3), "torch", "float32"),
    (ui.DeltaOrthogonal(), (3, 5, 16, 32), "flax", "float32"),             # (k, k, in, out): centre (1, 2)
    (ui.Sparse(0.5, 0.01), (256, 512), "torch", "float32"),
    (ui.Sparse(0.1, 1e-6), (200, 300), "torch", "float16"),                # some normal values round to 0
], ids=repr)
def test_check_passes_correct_samples_of_structured_specs(spec, shape, layout, dtype):
    # a correct sample fails with probability at most alpha = 1e-4 (its parts share alpha, Bonferroni; a correct
    # sampler never breaks the exact structure); the seeds are fixed, so the outcome is the same on every run
    x = ui.sample(spec, shape, layout=layout, seed=7, dtype=dtype)
    verdict = stats.check(x, spec, layout=layout)
    assert verdict, str(verdict)


def test_structure_splits_blocks_and_rows_and_names_each_part():
    spec = ui.Blocks([ui.Rows(ui.Normal(0, 1), ui.Zeros(), index=1), ui.Orthogonal()], along="in")
    draw = ui.lower(spec, (8, 6), "torch")
    parts = stats.structure(draw, ui.sample(spec, (8, 6), seed=0), "float32")
    assert [p.where for p in parts] == [
        "block 1 of 2 along axis 1, the other indices of axis 1", "block 1 of 2 along axis 1, index 1 of axis 1",
        "block 2 of 2 along axis 1"]
    assert [p.values.shape for p in parts] == [(8, 2), (8, 1), (8, 3)]
    assert all(p.broken is None for p in parts) and [p.structured for p in parts] == [False, True, True]


def test_the_parts_of_a_structured_check_share_alpha():
    # Bonferroni over the parts: each of the four blocks is held to alpha / 4, its KS and variance tests to alpha / 8
    # each, so a correct sampler fails with probability at most alpha in all; the verdict's p is the smallest KS p
    # times 8, so that it is <= alpha exactly where some block's KS fails
    x = ui.sample(_LSTM_BIAS, (1024, 64), seed=1)
    blocks = np.split(x, 4)
    ps = [stats.ks_1samp(b, stats.distribution(ui.lower(s, b.shape)))[1]
          for b, s in zip(blocks, _LSTM_BIAS.parts)]
    verdict = stats.check(x, _LSTM_BIAS)
    assert verdict and verdict.var_p is None and verdict.p == pytest.approx(min(1.0, 8 * min(ps)), rel=1e-12)
    assert verdict.p is not None and verdict.p < 1.0  # with this seed: the level below is above it
    level = (1.0 + verdict.p) / 2
    failed = stats.check(x, _LSTM_BIAS, alpha=level)
    worst = int(np.argmin(ps)) + 1
    assert not failed and f"block {worst} of 4 along axis 0: KS p={min(ps):.3g} <= alpha/8={level / 8:g}" in \
        failed.reasons, failed.reasons


def test_check_tests_the_variance_of_a_sparse_tensors_normal_values():
    # its nonzero values are iid N(0, std^2): their std 2% too large is 5.6 standard errors off (n = 38,400), which
    # the mixture law's KS passed (p = 0.41); a correct sampler fails with probability at most alpha = 1e-4 (fixed seed)
    spec = ui.Sparse(0.5)
    x = ui.sample(spec, (256, 300), seed=3)
    assert stats.check(x, spec)
    verdict = stats.check(x * 1.02, spec)
    assert not verdict and verdict.var_p is None
    assert any(r.startswith("variance p=") and "<= alpha/2=5e-05" in r for r in verdict.reasons), verdict.reasons


def test_an_orthogonal_matrix_whose_entries_are_subnormal_in_float16_passes():
    # Orthogonal(1e-5) rounded to float16: its entries (about 4e-7) are subnormal there, rounded by an absolute
    # amount, which the structure check allows beside the relative rounding; a correct sample fails with
    # probability at most alpha = 1e-4 (the seed is fixed)
    x = ui.sample(ui.Orthogonal(1e-5), (512, 512), seed=3, dtype="float32").astype(np.float16)
    verdict = stats.check(x, ui.Orthogonal(1e-5))
    assert verdict, str(verdict)


@pytest.mark.parametrize("stretch,passes", [(1e-6, True), (5e-5, False)])
def test_check_allows_a_float32_orthogonal_matrix_its_rounding_and_no_more(stretch, passes):
    """A float32 orthogonal (256, 512) matrix may be off orthonormal by the entries' rounding plus 4 eps sqrt(512)
    (1.09e-5 in all), what a float32 QR is allowed: one row stretched by 1e-6 (W W^T off by 2e-6) passes, one
    stretched by 5e-5 (off by 1e-4) fails. An allowance ten times as wide passed both."""
    # the entries' KS test fails a correct sample with probability at most alpha = 1e-4, and stretching one row of
    # 256 moves no entry's law measurably; the seed is fixed, so the outcome is the same on every run
    x = ui.sample(ui.Orthogonal(), (256, 512), seed=0, dtype="float32")
    x[3] *= np.float32(1 + stretch)
    verdict = stats.check(x, ui.Orthogonal())
    assert bool(verdict) == passes, str(verdict)
    assert passes or any(r.startswith("the rows are not orthonormal at gain 1: ") for r in verdict.reasons), \
        verdict.reasons


@pytest.mark.parametrize("shape", [(16, 8, 4, 4), (16, 8, 2)], ids=repr)
def test_check_looks_for_an_even_delta_orthogonal_kernels_matrix_where_the_sampler_writes_it(shape):
    """An even kernel has two middle taps: the sampler writes the matrix at (k - 1) // 2 on each spatial axis, and
    check looks there. A correct sample passes; the same matrix one tap further on (k // 2) fails. Looking at k // 2
    failed every correct sample of an even kernel and passed the moved one."""
    # the centre's KS test fails a correct sample with probability at most alpha = 1e-4 (a correct sampler never
    # breaks the exact structure); the seed is fixed, so the outcome is the same on every run
    x = ui.sample(ui.DeltaOrthogonal(), shape, seed=7)
    verdict = stats.check(x, ui.DeltaOrthogonal())
    assert verdict, str(verdict)
    moved = np.roll(x, 1, axis=tuple(range(2, x.ndim)))  # each spatial axis's tap (k - 1) // 2 to k // 2
    tap = tuple((k - 1) // 2 for k in shape[2:])
    verdict = stats.check(moved, ui.DeltaOrthogonal())
    assert not verdict and any(f"values off the centre tap {tap} are not 0" in r for r in verdict.reasons), \
        verdict.reasons


_EYE_AND_NORMAL = ui.Blocks([ui.Eye(), ui.Normal()])


@pytest.mark.parametrize("spec,words", [
    (ui.Blocks([ui.Rows(ui.Ones(), index=0), ui.Normal()]), "block 1 of 2 along axis 0"),
    (_EYE_AND_NORMAL, "block 1 of 2 along axis 0"),
    (ui.Blocks([ui.Hadamard(), ui.Normal()]), "block 1 of 2 along axis 0"),
    (ui.Blocks([ui.Rows(ui.Eye(), index=0), ui.Normal()]), "block 1 of 2 along axis 0"),
    (ui.Rows(ui.Eye(), ui.Normal(), index=0), "the other indices of axis 1"),
    # a row over blocks: the eye's block, less the row, is still compared exactly (its entry law alone, in a KS
    # test of its 1,984 values, passes one value moved: p = 0.18); the row along the blocks' axis lies in block 2
    (ui.Rows(_EYE_AND_NORMAL, ui.Normal(), index=0), "block 1 of 2 along axis 0, the other indices of axis 1"),
    (ui.Rows(ui.Blocks([ui.Eye(), ui.Normal()], along="in"), ui.Normal(), index=2),
     "block 1 of 2 along axis 1, the other indices of axis 1"),
    (ui.Rows(ui.Blocks([ui.Eye(), ui.Normal()], along="in"), ui.Normal(), index=40, along="out"),
     "block 1 of 2 along axis 1"),
], ids=repr)
def test_check_compares_a_determined_part_of_blocks_or_rows_exactly(spec, words):
    """A determined part of a Blocks or Rows (an eye, a Hadamard matrix, a row of ones) made check, and so
    ``unifiedinit compare``, crash ("Eye is determined, not random", "not a determined draw: Constant(value=1.0)").
    The part is compared with its values exactly, the random parts tested against their laws."""
    # a correct sample fails with probability at most alpha = 1e-4 (the random parts share alpha, Bonferroni; a
    # determined part never differs): the seed is fixed, so the outcome is the same on every run
    x = ui.sample(spec, (64, 32), seed=5)
    assert stats.check(x, spec), str(stats.check(x, spec))
    wrong = x.copy()
    wrong[1, 1] += 0.5  # in the determined part of every spec here, off its row
    verdict = stats.check(wrong, spec)
    assert not verdict and any(r.startswith(words) and r.endswith(": values differ from the determined ones")
                               for r in verdict.reasons), verdict.reasons


def test_a_determined_float32_part_is_allowed_a_few_roundings_and_no_more():
    """A determined float32 value may be 1e-6 relative (8.4 float32 eps) from the exact one, for a framework's own
    arithmetic: a constant block one ulp above float32(0.3) passes, one 4e-6 relative off 0.3 (40 ulps there) fails.
    An allowance of 1e-5 passed both."""
    # the normal block's KS and variance tests fail a correct sample with probability at most alpha = 1e-4 (a
    # determined part never differs); the seed is fixed, so the outcome is the same on every run
    spec = ui.Blocks([ui.Normal(0.0, 1.0), ui.Constant(0.3)])
    x = ui.sample(spec, (64, 32), seed=0, dtype="float32")
    x[32:] = np.nextafter(np.float32(0.3), np.float32(1.0))
    assert stats.check(x, spec), str(stats.check(x, spec))
    x[32:] = np.float32(0.3 * (1 + 4e-6))
    verdict = stats.check(x, spec)
    assert not verdict and "block 2 of 2 along axis 0: values differ from the determined ones" in verdict.reasons, \
        verdict.reasons


def test_the_law_of_blocks_or_rows_holding_a_determined_part_weighs_its_values():
    # one entry picked at random: from the eye's block with probability 1/2, where it is each of the eye's values in
    # proportion to how often the eye writes it (np.unique of the sampler's own eye), else N(0, 1)
    eye = ui.sample(ui.Eye(), (4, 4), dtype="float64")
    law = stats.distribution(ui.lower(_EYE_AND_NORMAL, (8, 4)), (8, 4))
    values, counts = np.unique(eye, return_counts=True)
    assert law.atoms == tuple((float(a), 0.5 * c / eye.size) for a, c in zip(values, counts))
    ones = float(np.mean(eye))  # the share of ones, and the eye's entries' mean (its values are 0 and 1)
    assert law.mean == pytest.approx(ones / 2, rel=1e-12)
    assert law.var == pytest.approx((ones + 1.0) / 2 - (ones / 2) ** 2, rel=1e-12)  # E[X^2] - E[X]^2
    m = law.mean  # E[(X - m)^4]: the eye's values' and N(0, 1)'s, E[(Z - m)^4] = 3 + 6 m^2 + m^4
    fourth = 0.5 * float(np.mean((eye - m) ** 4)) + 0.5 * (3 + 6 * m ** 2 + m ** 4)
    assert law.kurtosis == pytest.approx(fourth / law.var ** 2, rel=1e-12)
    assert law.cdf(np.array([-1.0, 0.0, 0.5, 1.0]))[1:] == pytest.approx(
        [0.5 * (1 - ones) + 0.25, 0.5 * (1 - ones) + 0.5 * st.norm.cdf(0.5), 0.5 + 0.5 * st.norm.cdf(1.0)])
    # off the row of Rows: the eye less its column 0 (3 ones among 12 values), the row N(0, 1)
    rest = np.delete(eye, 0, axis=1)
    law = stats.distribution(ui.lower(ui.Rows(ui.Eye(), ui.Normal(), index=0), (4, 4)), (4, 4))
    assert law.atoms == ((0.0, 0.75 * np.mean(rest == 0)), (1.0, 0.75 * np.mean(rest == 1)))


def test_determined_writes_a_constant_part_of_rows_in_blocks_as_the_sampler_does():
    """``samplers.determined`` refused a constant met below the top ("not a determined draw: Constant(value=1.0)"):
    the base of a Rows in a Blocks."""
    from unifiedinit.samplers import determined
    spec = ui.Blocks([ui.Rows(ui.Ones(), index=0), ui.Eye(), ui.Rows(ui.Constant(2.0), ui.Constant(-1.0), index=2)])
    values = determined(ui.lower(spec, (12, 4)), (12, 4))
    assert values.dtype == np.float64 and np.array_equal(values, ui.sample(spec, (12, 4), dtype="float64"))


# ---------------------------------------------------------------------------------------------- MixedRoPE


@pytest.mark.parametrize("move,passes", [(1e-15, True), (4e-14, False)])
def test_check_allows_a_mixed_rope_tensor_its_rounding_and_no_more(move, passes):
    """A MixedRoPE tensor may lie 16 eps of its dtype times the largest magnitude (1) from the one its angles make: a
    float64 sample with one frequency's cosines moved by 1e-15 relative (4.5 eps) passes, moved by 4e-14 (then 1.95e-14,
    88 eps, from the tensor its fitted angles make) fails. An allowance of 160 eps passed both."""
    # the angles' KS test fails a correct sample with probability at most alpha = 1e-4, and the moved values change
    # no angle measurably; the seed is fixed, so the outcome is the same on every run
    x = ui.sample(ui.MixedRoPE(), (2, 12, 6, 32), seed=0, dtype="float64")
    x[0, ..., 5] *= 1 + move
    verdict = stats.check(x, ui.MixedRoPE())
    assert bool(verdict) == passes, str(verdict)
    assert passes or any(r.startswith("the values are ") and "from those their angles make" in r
                         for r in verdict.reasons), verdict.reasons


def test_a_sparse_law_holds_as_many_zeros_per_column_as_torch_s_sparse_writes():
    torch = pytest.importorskip("torch")
    # sparsity x rows = 2.5: torch's sparse_ zeros ceil(2.5) = 3 entries of every column (2.5 rounded half to even
    # would be 2), so the exact law's point mass at 0 is 3 / 10 of the entries
    t = torch.empty(10, 40)
    torch.nn.init.sparse_(t, 0.25)
    per_column = set((t == 0).sum(dim=0).tolist())
    law = stats.distribution(ui.lower(ui.Sparse(0.25), (10, 40)), (10, 40))
    zero_mass = sum(m for a, m in law.atoms if a == 0.0)
    assert per_column == {3} and zero_mass == pytest.approx(3 / 10, abs=1e-15)


def test_the_variance_test_of_a_normal_sample_is_the_chi_square_test_of_its_unbiased_variance():
    # (n - 1) s^2 / sigma^2 with s^2 the ddof-1 variance is chi-square with n - 1 degrees of freedom: on 30 float64
    # values (rounding slack ~1e-15) the p-value is twice its smaller tail, computed here with SciPy alone
    x = np.random.default_rng(3).normal(0.0, 2.0, 30)
    draw = D.Normal(0.0, 2.0)
    got = stats.variance_test(x, draw, stats.distribution(draw), np.float64, 1e-4)
    assert got is not None
    s2 = float(np.var(x, ddof=1))
    q = (x.size - 1) * s2 / 4.0
    want = 2.0 * min(st.chi2.cdf(q, x.size - 1), st.chi2.sf(q, x.size - 1))
    assert got.sample == pytest.approx(s2, rel=1e-12) and got.law == 4.0
    assert got.p == pytest.approx(want, rel=1e-6)
