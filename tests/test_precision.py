"""Precision of the native samplers: truncated normals far in a tail, determined values rounded once, float64
tables under torch.compile, row masks in small floats, float8 drop-ins kept in their window.

Every KS test compares native samples with the exact truncated law (``scipy.stats.truncnorm``) at level 1e-4 (a
correct sampler fails one with probability 1e-4), with fixed seeds, so a run is repeatable.
"""

import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from scipy import special, stats

import unifiedinit as ui
from unifiedinit import draws as D
from unifiedinit import samplers
from unifiedinit.verify import stats as uistats
from unifiedinit.backends import FRAMEWORKS, available, get_backend
from unifiedinit.reference import numpy_dtype

ALPHA = 1e-4
NATIVE = [f for f in FRAMEWORKS if available(f)]
JAX = ("flax", "equinox")

#: standard windows: three far in a tail (the inverse CDF's uniforms next to +-1 held a handful of numbers), one at
#: the edge of the log-space path, the farthest a spec takes, and a usual one
WINDOWS = [(5.0, 6.0), (8.0, 9.0), (-9.0, -8.0), (-37.0, -36.0), (3.0, 3.5), (-2.0, 2.0)]


def _native(framework, spec, shape, dtype, seed=0):
    x = get_backend(framework).sample(spec, shape, layout="torch", seed=seed, dtype=dtype)
    return np.asarray(x, dtype=np.float64)


def _ks(x, a, b, mean=0.0, std=1.0):
    return stats.kstest(x.ravel(), stats.truncnorm(a, b, loc=mean, scale=std).cdf).pvalue


# ------------------------------------------------------------------------------------------- truncated normal

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("window", WINDOWS, ids=str)
@pytest.mark.parametrize("framework", NATIVE)
def test_native_truncated_normal_follows_the_exact_law_in_any_window(framework, window, dtype):
    """Each native sampler on a window far in a tail: one-sample KS against the exact truncated law, and every
    value in the window. (JAX's float64 without x64 is float32: the same code path; see the subprocess test.)"""
    a, b = window
    mean, std = 0.5, 2.0  # absolute bounds, so that the standardisation is exercised too
    spec = ui.TruncatedNormal(mean, std, mean + std * a, mean + std * b)
    x = _native(framework, spec, (64, 256), dtype, seed=3)
    assert np.all((x >= spec.low) & (x <= spec.high)), (x.min(), x.max())
    assert len(np.unique(x)) > x.size // 4  # not a handful of values piled up
    p = _ks(x, a, b, mean, std)
    assert p > ALPHA, f"{framework} {dtype} window {window}: KS p={p:.3g}"


class _Ends(samplers.Ops):
    """The shared inverse-CDF sampler (Keras's, MXNet's) with a float32 uniform that returns its window's ends and
    its middle: -1 and 1 for a window past float32's reach, which a float32 uniform draws once in about 2**23."""

    def uniform(self, shape, low, high, dt, out=None):
        return np.array([low, high, 0.5 * (low + high)], dtype=np.float32)

    def erfinv(self, x):
        return special.erfinv(x)

    def clip(self, x, low, high):
        return np.clip(x, np.float32(low), np.float32(high))


def test_a_uniform_of_exactly_one_is_kept_at_the_reach_not_at_the_windows_end():
    """torch's trunc_normal_(std=0.02) cuts at +-2, +-100 std: the inverse CDF's uniforms on [2 Phi(a) - 1,
    2 Phi(b) - 1] round to [-1, 1] in float32, and one of exactly -1 or 1 (about 1 in 2**23) gave erfinv's infinity,
    clipped to the window's end: -2.0 in Keras's, MXNet's, Flax's and Equinox's weights, where the exact law has no
    mass (P(|x| > 10 std) ~ 1e-23). Such a draw is kept at float32's reach (5.42 std), as next to it."""
    spec = D.TruncatedNormal(0.0, 0.02, -2.0, 2.0)
    reach = -0.02 * special.ndtri(2.0 ** -25)  # Phi(-z) = eps / 4: the quantile of the uniform next to -1
    x = _Ends().truncated_normal((3,), spec, "float32", (-2.0, 2.0))  # (on the old code -2.0 and 2.0)
    assert np.all(np.abs(x) <= reach * (1 + 1e-6)) and x[0] < -0.9 * reach and x[1] > 0.9 * reach, x
    if "flax" in NATIVE:  # JAX's own inverse CDF: seed 9 draws a uniform of exactly -1 in 2**20 (found by search)
        y = _native("flax", ui.TruncatedNormal(0.0, 0.02, -2.0, 2.0), (2 ** 20,), "float32", seed=9)
        assert np.abs(y).max() <= reach * (1 + 1e-6), np.sort(y)[:2]
        assert _ks(y, -100.0, 100.0, 0.0, 0.02) > ALPHA
    assert samplers.erfinv_reach("float32") == pytest.approx(reach / 0.02, rel=1e-12)
    # a window within 1.01 times the reach keeps its end, which the reach rounded to the final dtype could pass
    near = D.TruncatedNormal(0.0, 1.0, -5.45, 5.45)
    assert samplers.reached(near, "float32", (-5.45, 5.45)) == (-5.45, 5.45)


#: windows far narrower than the std (the law is U[low, high] to a relative 1e-8): at the mean, beside it, in a tail
NARROW = [(0.0, 1e20, 1.0, 2.0), (0.0, 1.0, 0.5, 0.5 + 1e-9), (0.0, 1.0, 10.0, 10.0 + 1e-10),
          (3.0, 1e30, -7.0, -6.0)]


@pytest.mark.parametrize("framework,window", [
    (f, w) for f in NATIVE + ["reference", "portable"] for w in NARROW
    if f not in JAX or np.float32(w[2]) < np.float32(w[3])], ids=str)  # JAX without x64 draws float64 as float32
def test_a_window_far_narrower_than_the_std_is_drawn_across_it(framework, window):
    """A truncated normal whose window is 1e-8 std wide or less: every sampler draws it across the window, KS
    against U[low, high] at ALPHA, where the inverse CDF's ends rounded to one number and put every value on the
    low end (torch, MXNet, Keras, portable)."""
    spec = ui.TruncatedNormal(*window)
    dtype = "float64"
    if framework == "reference":
        x = ui.reference.sample(spec, (64, 64), seed=3, dtype=dtype)
    elif framework == "portable":
        x = ui.Portable(3, "w").values(spec, (64, 64), "torch", dtype)
    else:
        x = _native(framework, spec, (64, 64), dtype, seed=3)
    x = np.asarray(x, dtype=np.float64)
    assert np.all((x >= spec.low) & (x <= spec.high)), (x.min(), x.max())
    assert len(np.unique(x)) > x.size // 4, np.unique(x)[:5]
    p = stats.kstest(x.ravel(), stats.uniform(spec.low, spec.high - spec.low).cdf).pvalue
    assert p > ALPHA, f"{framework} window {window}: KS p={p:.3g}"
    verdict = uistats.check(x, spec, shape=x.shape, alpha=ALPHA)
    assert verdict.ok, str(verdict)


@pytest.mark.skipif("flax" not in NATIVE, reason="JAX is not installed")
def test_jax_truncated_normal_in_float64_follows_the_exact_law():
    """With jax_enable_x64 (a process of its own: the flag is global), JAX's native float64 draws far in a tail."""
    code = textwrap.dedent(f"""
        import jax
        jax.config.update("jax_enable_x64", True)
        import numpy as np
        from scipy import stats
        import unifiedinit as ui
        from unifiedinit.backends import get_backend
        for a, b in {WINDOWS!r}:
            spec = ui.TruncatedNormal(0.0, 1.0, a, b)
            x = np.asarray(get_backend("flax").sample(spec, (64, 256), layout="torch", seed=3, dtype="float64"))
            assert x.dtype == np.float64, x.dtype
            assert np.all((x >= a) & (x <= b)), (a, b, x.min(), x.max())
            p = stats.kstest(x.ravel(), stats.truncnorm(a, b).cdf).pvalue
            assert p > {ALPHA!r}, (a, b, p)
        print("ok")
    """)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-3000:]


def test_log_phi_and_the_default_log_ndtr_are_accurate_in_the_tail():
    """The host's log Phi (window ends) and the default ``Ops.log_ndtr`` (Keras, MXNet: a continued fraction) against
    SciPy's log_ndtr, down to the farthest z the tail sampler reaches."""
    from unifiedinit.samplers import NumpyLikeOps, log_phi

    class HostOps(NumpyLikeOps):
        xp = np

    z = -np.concatenate([np.linspace(3.0, 10.0, 71), np.linspace(10.0, 60.0, 101)])
    exact = special.log_ndtr(z)
    np.testing.assert_allclose(HostOps().log_ndtr(z), exact, rtol=1e-13)
    np.testing.assert_allclose([log_phi(float(t)) for t in z], exact, rtol=1e-14)
    assert log_phi(0.0) == math.log(0.5)
    assert math.isclose(log_phi(-40.0), float(special.log_ndtr(-40.0)), rel_tol=1e-14)


@pytest.mark.parametrize("window", [(-3.5, -3.0), (-10.0, -3.0)], ids=str)
def test_tail_normal_newton_steps_reach_the_exact_inverse_in_float64(window):
    """``samplers._tail_normal`` on fixed uniforms against the exact inverse of the same log-CDF target (SciPy's
    ``ndtri_exp``): its Newton steps must reach it to float64's precision. SciPy's ``log_ndtr`` stands in for the
    ops' one, so that only the inversion is measured; nothing here is random, so the check has no false alarms."""
    from unifiedinit.backends.numpy import NumpyOps
    from unifiedinit.samplers import _tail_normal  # pyright: ignore[reportPrivateUsage] - the step under test

    u = np.random.default_rng(0).random(10_000)

    class FixedOps(NumpyOps):
        def uniform(self, shape, low, high, dt, out=None):
            return u.copy()

        def log_ndtr(self, x):
            return special.log_ndtr(x)

    lo, hi = window
    z, sign = _tail_normal(FixedOps(None), u.shape, lo, hi, np.float64)
    top = float(special.log_ndtr(hi))
    c = -math.expm1(float(special.log_ndtr(lo)) - top)  # 1 - Phi(lo) / Phi(hi)
    exact = special.ndtri_exp(np.log1p(-c * u) + top)  # Phi(z) uniform on [Phi(lo), Phi(hi)]
    assert sign == 1.0
    np.testing.assert_allclose(z, exact, rtol=1e-12, atol=0)


# ------------------------------------------------------------------------------------------- determined values

V = 1 + 2 ** -11 + 2 ** -30  # float16 once: 1.0009765625; through float32: 1.0 (a tie, to even)
W = 1 + 2 ** -8 + 2 ** -30  # bfloat16's counterpart

DETERMINED = [
    (ui.Constant(V), (4, 6)), (ui.Constant(W), (4, 6)), (ui.Constant(-0.1), (3, 5)),
    (ui.Eye(gain=V), (4, 6)), (ui.FromArray([[V, 1.0, W], [1.0, V, 0.1]]), (2, 3)),
    (ui.Hadamard(gain=V), (8, 4)), (ui.Hadamard(gain=W), (8, 4, 3, 3)), (ui.Dirac(), (4, 4, 3, 3)),
    (ui.Bilinear(), (4, 4, 4, 4)), (ui.Sinusoidal(), (128, 256)),
    (ui.Sinusoidal(interleaved=True, frequencies="paper"), (128, 256)),
    (ui.Affine(ui.Constant(1.0), scale=V - 1, shift=1.0), (4, 4)),
    (ui.Affine(ui.Affine(ui.Ones(), scale=W - 1), shift=1.0), (4, 4)),
    (ui.Mixture([ui.Constant(V)], [1.0]), (4, 4)),
    (ui.Rows(ui.Constant(V), ui.Constant(W), index=1), (3, 4)),
    (ui.Blocks([ui.Constant(V), ui.Eye(gain=W)]), (8, 4)),
]


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("spec,shape", DETERMINED, ids=lambda x: repr(x) if isinstance(x, ui.Spec) else str(x))
@pytest.mark.parametrize("framework", NATIVE)
def test_determined_values_are_rounded_once_in_every_framework(framework, spec, shape, dtype):
    """The float64 values rounded once to the dtype (NumPy's astype for float16; ml_dtypes' for bfloat16, which
    the reference uses), never through float32 first."""
    if framework == "mxnet" and dtype == "bfloat16":
        pytest.skip("MXNet has no bfloat16 (its sample refuses it)")
    want = ui.sample(spec, shape, dtype="float64").astype(numpy_dtype(dtype)).astype(np.float64)
    np.testing.assert_array_equal(want, ui.sample(spec, shape, dtype=dtype).astype(np.float64))
    np.testing.assert_array_equal(_native(framework, spec, shape, dtype), want)


def test_a_value_between_float16_numbers_is_rounded_once():
    """The values above do tell one rounding from two: through float32 they become 1.0."""
    assert float(np.float16(V)) == 1.0009765625 and float(np.float16(np.float32(V))) == 1.0
    from unifiedinit.samplers import held
    assert held(V, "float16") == 1.0009765625 and held(2.5, "int32") == 2.5


@pytest.mark.skipif("flax" not in NATIVE, reason="JAX is not installed")
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_flax_constant_drop_in_equals_jax(dtype):
    import jax
    import jax.numpy as jnp

    from unifiedinit.backends.flax import initializers
    key = jax.random.key(0)
    for value in (V, W, -0.1, 1e-5):
        ours = initializers.constant(value)(key, (2, 3), jnp.dtype(dtype))
        theirs = jax.nn.initializers.constant(value)(key, (2, 3), jnp.dtype(dtype))
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(np.asarray(ours, np.float64), np.asarray(theirs, np.float64))


# ------------------------------------------------------------------------------------------- torch.compile

@pytest.mark.skipif("torch" not in NATIVE, reason="torch is not installed")
@pytest.mark.parametrize("spec", [ui.Sinusoidal(), ui.Sinusoidal(interleaved=True, frequencies="paper")], ids=repr)
def test_sinusoidal_table_compiled_equals_eager_in_float64(spec):
    import torch
    import torch._dynamo

    init = spec.to_torch()
    torch._dynamo.reset()
    compiled = torch.compile(lambda t: init(t), fullgraph=True, backend="eager")(
        torch.empty((2048, 512), dtype=torch.float64))
    eager = init(torch.empty((2048, 512), dtype=torch.float64))
    assert float((compiled - eager).abs().max()) <= 1e-12


@pytest.mark.skipif("torch" not in NATIVE, reason="torch is not installed")
def test_mixed_rope_magnitudes_compiled_are_float64():
    import torch
    import torch._dynamo

    d = D.MixedRoPE(temperature=10.0, columns=64)
    torch._dynamo.reset()
    compiled = torch.compile(lambda x: x + torch.from_numpy(d.magnitudes()), fullgraph=True, backend="eager")(
        torch.zeros(32, dtype=torch.float64))
    eager = torch.from_numpy(d.magnitudes())
    assert compiled.dtype == torch.float64
    assert float((compiled - eager).abs().max()) <= 1e-15


# ------------------------------------------------------------------------------------------- rows and float8

@pytest.mark.skipif("torch" not in NATIVE, reason="torch is not installed")
def test_work_dtype_of_small_floats_is_float32():
    import torch

    from unifiedinit.backends.torch.ops import TorchOps
    for dtype in (torch.float16, torch.bfloat16, torch.float8_e4m3fn, torch.float8_e5m2):
        assert TorchOps().work_dtype(dtype) == torch.float32
    assert TorchOps().work_dtype(torch.float64) == torch.float64 and TorchOps().work_dtype(torch.int8) == torch.int8
    if "keras" in NATIVE:
        from unifiedinit.backends.keras.ops import KerasOps, Seeds
        assert KerasOps(Seeds(0)).work_dtype("float8_e4m3fn") == "float32"
        assert KerasOps(Seeds(0)).work_dtype("float64") == "float64"


@pytest.mark.skipif("torch" not in NATIVE, reason="torch is not installed")
def test_rows_on_a_float8_embedding_in_a_plan():
    """Rows on float8 compared its mask in float8 (``gt_cpu`` has no Float8 kernel): the plan failed after writing
    the layers before it."""
    import torch

    linear, embedding = torch.nn.Linear(4, 3, bias=False), torch.nn.Embedding(5, 3, padding_idx=2)
    model = torch.nn.Sequential(linear, embedding).to(torch.float8_e4m3fn)
    plan = ui.Plan().rule(ui.Constant(0.5), kind="dense") \
        .rule(ui.Rows(ui.Ones(), ui.Constant(0.25), index="padding_idx"), kind="embedding")
    plan.apply(model, seed=0)
    assert linear.weight.dtype == embedding.weight.dtype == torch.float8_e4m3fn
    assert linear.weight.detach().float().unique().tolist() == [0.5]
    want = np.ones((5, 3))
    want[2] = 0.25
    np.testing.assert_array_equal(embedding.weight.detach().float().numpy(), want)


@pytest.mark.skipif("torch" not in NATIVE, reason="torch is not installed")
def test_a_torch_plan_copies_nothing_from_the_host(monkeypatch):
    """A padding row's mask is made on the device (an arange): a NumPy array copied to CUDA waits for it."""
    import torch

    from unifiedinit.backends.torch.ops import TorchOps
    calls = []
    real = TorchOps.from_numpy

    def counted(self, a, dt):
        calls.append(np.shape(a))
        return real(self, a, dt)

    monkeypatch.setattr(TorchOps, "from_numpy", counted)
    model = torch.nn.Embedding(100, 16, padding_idx=0)
    for seed in (None, 0):
        ui.presets.torch.apply(model, seed=seed)
        assert calls == []
        assert float(model.weight[0].abs().max()) == 0.0 and float(model.weight[1:].std()) > 0.5
    ui.Plan().rule(ui.Rows(ui.Normal(0.0, 1.0), ui.Constant(0.5), index="padding_idx"), kind="embedding") \
        .apply(model, seed=0)
    assert calls == [] and model.weight[0].tolist() == [0.5] * 16


# ------------------------------------------------------------------------------------------- flax float8 drop-ins

@pytest.mark.skipif("flax" not in NATIVE, reason="JAX is not installed")
def test_flax_float8_drop_ins_stay_in_their_window():
    import jax
    import jax.numpy as jnp

    from unifiedinit.backends.flax import initializers
    key = jax.random.key(1)
    f8 = jnp.float8_e4m3fn
    x = np.asarray(initializers.uniform(0.5)(key, (512, 512), f8).astype(jnp.float32))
    assert x.min() >= 0.0 and x.max() < 0.5
    assert x.max() == 0.46875  # the largest float8_e4m3fn number below 0.5: the window is kept, not shrunk
    limit = math.sqrt(6 / 8)
    for seed in range(20):
        x = np.asarray(initializers.glorot_uniform()(jax.random.key(seed), (3, 5), f8).astype(jnp.float32))
        assert np.abs(x).max() <= limit
    x = np.asarray(initializers.truncated_normal(1.0, lower=-1.5, upper=1.5)(key, (256, 256), f8)
                   .astype(jnp.float32))
    assert x.min() >= -1.5 and x.max() <= 1.5
    with pytest.raises(ValueError, match="holds no number in the window"):  # [0.51, 0.52]: 0.5 and 0.5625 only
        initializers.truncated_normal(0.1, lower=5.1, upper=5.2)(key, (4,), f8)


@pytest.mark.skipif("torch" not in NATIVE, reason="torch is not installed")
def test_torch_inverse_cdf_of_a_window_past_four_std_works_in_float64(monkeypatch):
    """Pins the float32 window of torch's inverse-CDF truncated normal (``backends.torch.ops._icdf``): a window that
    reaches past 4 std ([-6, 6]) is computed in float64 even on a float32 tensor. Deterministic: the uniforms are
    replaced by one fixed u = 2 Phi(4.9) - 1 (float64), whose exact image is 4.9; float64 work gives 4.9 to float32
    rounding (< 1e-6), float32 work rounds u next to 1 (spacing 6e-8) and lands about 1e-3 off."""
    import torch

    from unifiedinit.backends.torch import ops
    from unifiedinit.samplers import phi
    u = 2.0 * phi(4.9) - 1.0

    def fixed(t: torch.Tensor, low: float, high: float, g: object) -> None:
        assert low <= u <= high
        t.fill_(u)

    monkeypatch.setattr(ops, "_uniform_in_parts", fixed)
    t = torch.empty(8, dtype=torch.float32)
    ui.TruncatedNormal(0.0, 1.0, -6.0, 6.0).to_torch()(t)
    assert np.abs(t.numpy().astype(np.float64) - 4.9).max() < 1e-6, t.tolist()
