"""The exact reference sampler against the exact distributions.

Every random spec is checked in two layouts (a torch Dense weight and a Keras conv kernel, plus a torch conv
kernel): the lowering must give the parameters written out here from DESIGN.md's formulas, and the samples
must pass a one-sample KS test against the exact CDF built here from SciPy. A correct sampler fails one KS
check with probability 1e-4 (PyTorch's own init tests use that level); seeds are fixed, so a run is
repeatable. Bounds and kurtosis tell truncated normals from untruncated ones.
"""

import math
from typing import Any

import numpy as np
import pytest
import scipy.stats as st

from conftest import needs
import unifiedinit as ui
from unifiedinit import draws as D
from unifiedinit.verify import stats

ALPHA = 1e-4
T2 = 0.87962566103423978  # std of N(0, 1) cut to [-2, 2]

CASES = [  # (layout, shape, fan_in, fan_out) with the fans written out by hand
    ("torch", (256, 300), 300, 256),
    ("torch", (64, 32, 3, 3), 288, 576),
    ("keras", (3, 3, 48, 64), 432, 576),
]


def expected_law(spec, fan_in, fan_out) -> tuple[Any, ...]:
    """(kind, params) of the law of one entry, from the formulas in DESIGN.md (independent of the library)."""
    avg, geo = (fan_in + fan_out) / 2, math.sqrt(fan_in * fan_out)
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": avg, "fan_geo_avg": geo}

    def vs(scale, mode, dist):
        var = scale / fan[mode]
        if dist == "uniform":
            return ("uniform", -math.sqrt(3 * var), math.sqrt(3 * var))
        if dist == "normal":
            return ("normal", 0.0, math.sqrt(var))
        s = math.sqrt(var) / T2
        return ("trunc", 0.0, s, -2 * s, 2 * s)

    name = type(spec).__name__
    if name == "Uniform":
        return ("uniform", spec.low, spec.high)
    if name == "Normal":
        return ("normal", spec.mean, spec.std)
    if name == "TruncatedNormal":
        return ("trunc", spec.mean, spec.std, spec.low, spec.high)
    if name == "VarianceScaling":
        return vs(spec.scale, spec.mode, spec.distribution)
    if name == "XavierUniform":
        a = spec.gain * math.sqrt(6 / (fan_in + fan_out))
        return ("uniform", -a, a)
    if name == "XavierNormal":
        return ("normal", 0.0, spec.gain * math.sqrt(2 / (fan_in + fan_out)))
    if name in ("KaimingUniform", "KaimingNormal"):
        gain = {"relu": math.sqrt(2), "leaky_relu": math.sqrt(2 / (1 + spec.a ** 2))}[spec.nonlinearity]
        std = gain / math.sqrt(fan[spec.mode])
        return ("uniform", -math.sqrt(3) * std, math.sqrt(3) * std) if name == "KaimingUniform" else ("normal", 0.0, std)
    if name == "LecunUniform":
        return ("uniform", -math.sqrt(3 / fan_in), math.sqrt(3 / fan_in))
    if name == "LecunNormal":
        return vs(1.0, "fan_in", "truncated_normal")
    if name == "Mixture":
        return ("mixture", [expected_law(c, fan_in, fan_out) for c in spec.components], spec.weights)
    if name == "Affine":
        return ("affine", expected_law(spec.base, fan_in, fan_out), spec.scale, spec.shift)
    if name == "LogUniform":
        return ("loguniform", spec.low, spec.high)
    if name == "InverseSoftplus":
        return ("isp", expected_law(spec.base, fan_in, fan_out), spec.floor)
    if name == "Log":
        return ("log", expected_law(spec.base, fan_in, fan_out))
    if name == "Scaled":  # the factor of the catalog's example, written out here
        factor = {"sqrt(w / fan_in)": lambda c: math.sqrt(c["w"] / fan_in)}[spec.factor](dict(spec.constants))
        return ("affine", expected_law(spec.base, fan_in, fan_out), factor, 0.0)
    raise KeyError(name)


def scipy_cdf(law):
    kind = law[0]
    if kind == "uniform":
        return st.uniform(loc=law[1], scale=law[2] - law[1]).cdf
    if kind == "normal":
        return st.norm(loc=law[1], scale=law[2]).cdf
    if kind == "trunc":
        m, s, lo, hi = law[1:]
        return st.truncnorm((lo - m) / s, (hi - m) / s, loc=m, scale=s).cdf
    if kind == "mixture":
        parts = [scipy_cdf(c) for c in law[1]]
        return lambda x: sum(w * f(x) for w, f in zip(law[2], parts))
    if kind == "affine":
        base, k, t = scipy_cdf(law[1]), law[2], law[3]
        return lambda x: base((x - t) / k)
    if kind == "loguniform":
        return st.loguniform(law[1], law[2]).cdf
    if kind == "isp":  # log(e^y - 1) of y = max(x, floor) is increasing: P(Y <= t) = P(max(x, floor) <= softplus(t))
        base, floor = scipy_cdf(law[1]), law[2]
        return lambda t: np.where(np.logaddexp(0.0, t) >= floor, base(np.logaddexp(0.0, t)), 0.0)
    if kind == "log":  # log x is increasing: P(Y <= t) = P(x <= e^t)
        return lambda t: scipy_cdf(law[1])(np.exp(t))
    raise KeyError(kind)


def draw_params(draw):
    if isinstance(draw, D.Uniform):
        return ("uniform", draw.low, draw.high)
    if isinstance(draw, D.Normal):
        return ("normal", draw.mean, draw.std)
    if isinstance(draw, D.TruncatedNormal):
        return ("trunc", draw.mean, draw.std, draw.low, draw.high)
    if isinstance(draw, D.Constant):
        return ("constant", draw.value)
    if isinstance(draw, D.Mixture):
        return ("mixture", [draw_params(c) for c in draw.components], draw.weights)
    if isinstance(draw, D.Affine):
        return ("affine", draw_params(draw.base), draw.scale, draw.shift)
    if isinstance(draw, D.LogUniform):
        return ("loguniform", draw.low, draw.high)
    if isinstance(draw, D.InverseSoftplus):
        return ("isp", draw_params(draw.base), draw.floor)
    if isinstance(draw, D.Log):
        return ("log", draw_params(draw.base))
    raise KeyError(draw)


def law_with_constants(spec, fan_in, fan_out):
    if type(spec).__name__ in ("Zeros", "Ones", "Constant"):
        return ("constant", {"Zeros": 0.0, "Ones": 1.0}.get(type(spec).__name__, getattr(spec, "value", None)))
    if type(spec).__name__ == "Mixture":
        return ("mixture", [law_with_constants(c, fan_in, fan_out) for c in spec.components], spec.weights)
    return expected_law(spec, fan_in, fan_out)


def approx_equal(a, b):
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(approx_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return a == pytest.approx(b, rel=1e-12, abs=1e-15)
    return a == b


RANDOM = [s for s in ui.examples() if s.elementwise and type(s).__name__ not in ("Constant", "Zeros", "Ones")]


@pytest.mark.parametrize("layout,shape,fan_in,fan_out", CASES, ids=lambda x: str(x))
@pytest.mark.parametrize("spec", RANDOM, ids=repr)
def test_lowering_gives_the_documented_parameters(spec, layout, shape, fan_in, fan_out):
    assert approx_equal(draw_params(ui.lower(spec, shape, layout)), law_with_constants(spec, fan_in, fan_out))


def _mixture_cdf_with_atoms(spec, fan_in, fan_out):
    # the seeds' mixture has an atom at 0: F = sum of weights x component CDFs, with the step at 0
    comps = []
    for c in spec.components:
        if type(c).__name__ == "Zeros":
            comps.append(lambda x: (np.asarray(x) >= 0).astype(float))
        else:
            comps.append(scipy_cdf(expected_law(c, fan_in, fan_out)))
    return lambda x: sum(w * f(x) for w, f in zip(spec.weights, comps))


@pytest.mark.parametrize("layout,shape,fan_in,fan_out", CASES, ids=lambda x: str(x))
@pytest.mark.parametrize("spec", RANDOM, ids=repr)
def test_samples_follow_the_exact_distribution(spec, layout, shape, fan_in, fan_out):
    x = ui.sample(spec, shape, layout=layout, seed=1234, dtype="float64")
    assert x.shape == shape and x.dtype == np.float64
    if type(spec).__name__ == "Mixture":
        # point mass at zero: its frequency, then KS on the continuous part
        zero = float(np.mean(x == 0.0))
        assert abs(zero - 0.5) < 4.5 * math.sqrt(0.25 / x.size)  # 4.5 sigma: false failure ~7e-6
        cdf = scipy_cdf(("mixture", [expected_law(c, fan_in, fan_out) for c in (spec.components[0], spec.components[2])],
                         (0.5, 0.5)))
        assert st.kstest(x[x != 0.0], cdf).pvalue > ALPHA
        return
    if type(spec).__name__ == "InverseSoftplus" and spec.floor > spec.base.low:
        # the draws below the floor, a point mass at log(e^floor - 1): its frequency, then KS on the rest (given it)
        law, at = expected_law(spec, fan_in, fan_out), math.log(math.expm1(spec.floor))
        mass = math.log(spec.floor / spec.base.low) / math.log(spec.base.high / spec.base.low)
        held = np.isclose(x, at, rtol=1e-14, atol=0.0)
        assert abs(held.mean() - mass) < 4.5 * math.sqrt(mass * (1 - mass) / x.size)  # false failure ~7e-6
        cdf = scipy_cdf(law)
        assert st.kstest(x[~held], lambda t: (cdf(t) - mass) / (1 - mass)).pvalue > ALPHA
        return
    assert st.kstest(x.ravel(), scipy_cdf(expected_law(spec, fan_in, fan_out))).pvalue > ALPHA


KURTOSIS = {"uniform": 1.8, "normal": 3.0, "trunc2": 2.3655}


@pytest.mark.parametrize("layout,shape,fan_in,fan_out", CASES[:2], ids=lambda x: str(x))
@pytest.mark.parametrize("spec", [s for s in RANDOM if type(s).__name__ not in (
    "Mixture", "Affine", "Scaled", "TruncatedNormal", "LogUniform", "InverseSoftplus", "Log")], ids=repr)
def test_bounds_and_kurtosis_tell_truncated_from_untruncated(spec, layout, shape, fan_in, fan_out):
    law = expected_law(spec, fan_in, fan_out)
    x = ui.sample(spec, shape, layout=layout, seed=99, dtype="float64").ravel()
    k = stats.sample_kurtosis(x)
    # standard error of the sample kurtosis is at most sqrt(24 / n) = 0.03 here; 0.15 is > 5 SE
    # (false failure < 1e-6), while the three laws are 0.57 or more apart
    if law[0] == "uniform":
        assert law[1] <= x.min() and x.max() < law[2]
        assert abs(k - KURTOSIS["uniform"]) < 0.15
    elif law[0] == "normal":
        assert np.abs(x).max() > 3 * law[2]  # P(no |x| > 3 sigma in 76800 draws) ~ e^-207
        assert abs(k - KURTOSIS["normal"]) < 0.15
    else:
        assert np.abs(x).max() <= 2 * law[2]
        assert abs(k - KURTOSIS["trunc2"]) < 0.15
        assert np.std(x) == pytest.approx(law[2] * T2, rel=0.02)  # the sample std is sqrt(var)


def test_truncated_normal_of_torch_is_uncorrected():
    x = ui.sample(ui.TruncatedNormal(), (400, 400), seed=3, dtype="float64")
    assert x.min() >= -2 and x.max() <= 2
    # N(0, 1) cut to [-2, 2], std not corrected to 1: its exact std is 0.87963. The sample std of n = 160,000 has
    # standard error std * sqrt((kurtosis - 1) / (4 n)) = 0.00128 (kurtosis 2.366), so 0.0065 is 5.06 SE: a
    # correct sampler fails by chance with probability ~4e-7 (normal approximation); a corrected one is 0.12 off
    assert np.std(x) == pytest.approx(st.truncnorm(-2.0, 2.0).std(), abs=0.0065)


@pytest.mark.parametrize("low,high", [(3.0, 3.5), (4.0, 9.0), (-8.0, -6.0), (0.0, 0.05), (-0.1, 0.1), (1.0, 30.0),
                                      (-1.0, 2.0)])
def test_truncated_normal_sampler_is_exact_in_every_window(low, high):
    spec = ui.TruncatedNormal(0.0, 1.0, low, high)
    x = ui.sample(spec, (20000,), seed=5, dtype="float64")
    assert x.min() >= low and x.max() <= high
    assert st.kstest(x, st.truncnorm(low, high).cdf).pvalue > ALPHA


DETERMINED = [
    (ui.Constant(0.5), (3, 4), "torch", np.full((3, 4), 0.5)),
    (ui.Zeros(), (2, 3, 3), "keras", np.zeros((2, 3, 3))),
    (ui.Ones(), (5, 2), "flax", np.ones((5, 2))),
    (ui.Eye(), (3, 5), "torch", np.array([[1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0]])),
    (ui.Eye(), (4, 2), "keras", np.array([[1, 0], [0, 1], [0, 0], [0, 0]])),
    (ui.FromArray([[1, 2, 3], [4, 5, 6]]), (2, 3), "torch", np.array([[1, 2, 3], [4, 5, 6]])),
    # values written in torch's (out, in) land transposed in a Keras (in, out) kernel
    (ui.FromArray([[1, 2, 3], [4, 5, 6]], layout="torch"), (3, 2), "keras", np.array([[1, 4], [2, 5], [3, 6]])),
]


@pytest.mark.parametrize("spec,shape,layout,want", DETERMINED, ids=lambda x: repr(x) if not isinstance(x, np.ndarray) else "")
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_determined_specs_are_exact(spec, shape, layout, want, dtype):
    x = ui.sample(spec, shape, layout=layout, dtype=dtype)
    assert x.dtype == np.dtype(dtype) and x.shape == shape
    np.testing.assert_array_equal(x, want.astype(dtype))


def torch_dirac(shape, groups):
    """torch.nn.init.dirac_, written out: 1 at [g * out_per_group + d, d, k // 2, ...]."""
    out = np.zeros(shape)
    per = shape[0] // groups
    for g in range(groups):
        for d in range(min(per, shape[1])):
            out[(g * per + d, d) + tuple(k // 2 for k in shape[2:])] = 1
    return out


@pytest.mark.parametrize("shape,groups", [((4, 4, 3), 1), ((6, 3, 3, 3), 2), ((8, 2, 2, 4), 4), ((4, 6, 3, 3, 3), 1)])
def test_dirac_in_torch_layout_and_moved_to_keras(shape, groups):
    want = torch_dirac(shape, groups)
    np.testing.assert_array_equal(ui.sample(ui.Dirac(groups), shape, layout="torch"), want)
    perm = tuple(range(2, len(shape))) + (1, 0)  # (out, in, *k) -> (*k, in, out)
    keras_shape = tuple(shape[p] for p in perm)
    np.testing.assert_array_equal(ui.sample(ui.Dirac(groups), keras_shape, layout="keras"), want.transpose(perm))


@pytest.mark.parametrize("layout,shape", [("torch", (40, 90)), ("torch", (90, 40)), ("torch", (16, 8, 3, 3)),
                                          ("keras", (3, 3, 8, 16)), ("flax", (50, 20))])
def test_orthogonal_is_orthogonal_and_its_entries_follow_the_haar_marginal(layout, shape):
    gain = 1.5
    x = ui.sample(ui.Orthogonal(gain), shape, layout=layout, seed=11, dtype="float64")
    out_axis = 0 if layout == "torch" else len(shape) - 1
    m = np.moveaxis(x, out_axis, 0).reshape(shape[out_axis], -1)
    small = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    np.testing.assert_allclose(small, gain ** 2 * np.eye(small.shape[0]), atol=1e-12)
    # one entry of a uniform unit vector in R^n: x^2 ~ Beta(1/2, (n - 1)/2)
    n = max(m.shape)
    sq = (x.ravel() / gain) ** 2
    assert st.kstest(sq, st.beta(0.5, (n - 1) / 2).cdf).pvalue > ALPHA


def test_orthogonal_many_draws_are_haar():
    # the first entry over many independent 6x6 draws: x^2 ~ Beta(1/2, 5/2) only if the sign fix is right
    firsts = [ui.sample(ui.Orthogonal(), (6, 6), seed=0, key=f"w{i}", dtype="float64")[0, 0] for i in range(3000)]
    assert st.kstest(np.square(firsts), st.beta(0.5, 2.5).cdf).pvalue > ALPHA
    assert abs(np.mean(np.sign(firsts))) < 4.5 / math.sqrt(3000)  # symmetric; false failure ~7e-6


@pytest.mark.parametrize("layout,shape", [("torch", (200, 300)), ("keras", (300, 200))])
def test_sparse_zero_count_per_column_and_normal_rest(layout, shape):
    spec = ui.Sparse(0.3, std=0.02)
    x = ui.sample(spec, shape, layout=layout, seed=8, dtype="float64")
    cols = x if layout == "torch" else x.T  # (rows = outputs, cols)
    assert ((cols == 0).sum(axis=0) == math.ceil(0.3 * 200)).all()
    assert st.kstest(x[x != 0], st.norm(scale=0.02).cdf).pvalue > ALPHA


@pytest.mark.parametrize("dtype", ["float16", pytest.param("bfloat16", marks=needs("ml_dtypes")), "float32"])
@pytest.mark.parametrize("spec", [ui.Uniform(0, 1), ui.TruncatedNormal(), ui.LecunNormal(), ui.XavierUniform()], ids=repr)
def test_low_precision_keeps_dtype_and_support(spec, dtype):
    x = ui.sample(spec, (300, 200), seed=4, dtype=dtype)
    assert x.dtype.name == dtype
    draw = ui.lower(spec, (300, 200))
    assert isinstance(draw, (D.Uniform, D.TruncatedNormal)), draw
    low, high = (draw.low, draw.high)
    x64 = x.astype(np.float64)
    assert x64.min() >= low
    assert x64.max() < high if isinstance(draw, D.Uniform) else x64.max() <= high
    # D is measured against the law as the dtype holds it (each value rounded to nearest): by the DKW inequality
    # (Massart's constant, any law) P(D > d) <= 2 exp(-2 n d^2), with n = 60,000 and d = 0.011 about 9.9e-7
    ks = stats.check(x, spec, layout="torch").ks
    assert ks is not None and ks < 0.011


def test_same_seed_and_key_give_the_same_values_and_keys_are_independent():
    a = ui.sample(ui.Normal(), (50, 40), seed=7, key="layer1.weight")
    b = ui.sample(ui.Normal(), (50, 40), seed=7, key="layer1.weight")
    c = ui.sample(ui.Normal(), (50, 40), seed=7, key="layer2.weight")
    d = ui.sample(ui.Normal(), (50, 40), seed=8, key="layer1.weight")
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c) and not np.array_equal(a, d)
    assert abs(np.corrcoef(a.ravel(), c.ravel())[0, 1]) < 4.5 / math.sqrt(a.size)  # false failure ~7e-6


def test_sampling_does_not_touch_numpy_global_state():
    np.random.seed(0)
    before = np.random.get_state(legacy=False)["state"]["key"].copy()  # the Mersenne Twister's key
    ui.sample(ui.Normal(), (10, 10), seed=1)
    np.testing.assert_array_equal(np.random.get_state(legacy=False)["state"]["key"], before)


@pytest.mark.parametrize("kwargs,error,word", [
    ({"dtype": "int32"}, ValueError, "'dtype'"), ({"seed": -1}, ValueError, "'seed'"),
    ({"seed": 1.5}, TypeError, "'seed'"), ({"key": 3}, TypeError, "'key'"), ({"layout": "nchw"}, ValueError, "'layout'"),
])
def test_sample_argument_errors(kwargs, error, word):
    with pytest.raises(error, match=word):
        ui.sample(ui.Normal(), (3, 3), **kwargs)


def test_sample_refuses_a_non_spec():
    with pytest.raises(TypeError, match="'spec'"):
        ui.sample("xavier", (3, 3))  # pyright: ignore[reportArgumentType] - the bad input under test


def test_sparse_zero_count_matches_torch_when_the_fraction_of_rows_is_not_whole():
    # 0.25 of 10 rows is 2.5: torch.nn.init.sparse_ zeroes ceil(2.5) = 3 entries of every column, and so must Sparse
    torch = pytest.importorskip("torch")
    theirs = torch.empty(10, 6)
    torch.nn.init.sparse_(theirs, 0.25, std=0.02)
    ours = ui.sample(ui.Sparse(0.25, std=0.02), (10, 6), layout="torch", seed=0, dtype="float64")
    assert (ours == 0).sum(axis=0).tolist() == (theirs == 0).sum(dim=0).tolist()


def test_a_window_that_holds_one_number_of_the_dtype_gives_that_number_everywhere():
    # float16's numbers in [1, 1.0005) are 1.0 alone (its step there is 2**-10): U[1, 1.0005) rounded once and kept in
    # its window is 1.0 everywhere, a window with one number is no empty window; torch's own uniform_ writes the same
    x = ui.sample(ui.Uniform(1.0, 1.0005), (256,), seed=0, dtype="float16")
    assert x.dtype == np.float16 and np.all(x == 1.0)
    y = ui.sample(ui.TruncatedNormal(1.0, 1.0, 1.0, 1.0005), (256,), seed=0, dtype="float16")
    assert np.all(y == 1.0)
    torch = pytest.importorskip("torch")
    t = torch.empty(256, dtype=torch.float16).uniform_(1.0, 1.0005)
    assert torch.equal(t, torch.ones(256, dtype=torch.float16))


@pytest.mark.parametrize("dtype", ["float16", pytest.param("bfloat16", marks=needs("ml_dtypes")), "float32"])
def test_an_affine_map_with_a_negative_scale_moves_a_uniforms_open_end_to_its_low_end(dtype):
    # -U[0, 1) is (-1, 0]: -1 is never a value. Drawn, mapped, kept in the support as the dtype holds it, then rounded:
    # a value in (-1, -1 + half a step) must not round to -1 (float16: 2**-12 of the values would, about 16 of
    # 65,536 here, bfloat16 2**-9). Deterministic: a kept support leaves no chance of -1, so no false failure
    x = ui.sample(ui.Affine(ui.Uniform(0.0, 1.0), scale=-1.0), (1 << 16,), seed=3, dtype=dtype).astype(np.float64)
    assert x.min() > -1.0 and x.max() <= 0.0
    y = ui.sample(ui.Affine(ui.Uniform(0.0, 1.0), scale=-2.0, shift=1.0), (1 << 16,), seed=4, dtype=dtype)
    assert y.astype(np.float64).min() > -1.0 and y.astype(np.float64).max() <= 1.0  # (-1, 1]
