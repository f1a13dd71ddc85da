"""The counter stream (``portable="counter"``): Threefry by position, the same bits from NumPy, torch and JAX, any
block without the rest, and the exact laws."""

import math

import numpy as np
import pytest

import unifiedinit as ui
from unifiedinit import counter
from unifiedinit.backends.numpy import NumpyArith
from unifiedinit.reference import portable
from unifiedinit.verify import stats

SPECS = [ui.Normal(0.0, 0.02), ui.Uniform(-0.1, 0.3), ui.TruncatedNormal(std=0.02), ui.XavierUniform(),
         ui.KaimingNormal(), ui.LecunNormal(), ui.TruncatedNormal(0.0, 1.0, 2.5, 3.0),
         ui.TruncatedNormal(0.0, 1.0, -9.0, -8.5), ui.TruncatedNormal(1.0, 2.0, -30.0, 1.5),
         ui.Mixture([ui.Uniform(5, 10), ui.Zeros(), ui.Normal(-3.0, 0.5)], [0.25, 0.5, 0.25]),
         ui.LogUniform(1e-6, 3e4), ui.InverseSoftplus(ui.LogUniform(1e-3, 0.1), floor=0.002),
         ui.InverseSoftplus(ui.Uniform(-1.0, 40.0), floor=1e-9), ui.Log(ui.Uniform(0.01, 16.0)),
         ui.Log(ui.LogUniform(1e-30, 1e30))]


def test_threefry_is_jax_s_own_in_the_same_run():
    jax = pytest.importorskip("jax")
    from jax.extend.random import threefry_2x32  # the function jax.random draws its bits with
    rng = np.random.default_rng(3)
    k0, k1 = (int(w) for w in rng.integers(0, 2 ** 32, 2, dtype=np.uint64))
    key = (k0, k1)
    x0, x1 = (rng.integers(0, 2 ** 32, 1000, dtype=np.uint64).astype(np.uint32) for _ in range(2))
    ours = counter.threefry2x32(NumpyArith(), key, x0, x1)
    theirs = threefry_2x32(jax.numpy.asarray(np.array(key, np.uint32)), jax.numpy.asarray(np.stack([x0, x1])))
    assert np.array_equal(np.stack(ours), np.asarray(theirs))


def test_ndtri_is_the_normal_quantile_to_a_few_units_in_the_last_place():
    from scipy.special import ndtri
    p = np.concatenate([np.linspace(1e-6, 1 - 1e-6, 20001), np.logspace(-300, -1, 3000), 1 - np.logspace(-16, -1, 300)])
    ours, exact = counter.ndtri(NumpyArith(), p), ndtri(p)
    assert np.max(np.abs(ours - exact) / np.maximum(np.abs(exact), 1e-300)) < 1e-14
    assert counter._log(NumpyArith(), np.array([0.5, 1e-300, 0.3])) == pytest.approx(np.log([0.5, 1e-300, 0.3]),
                                                                                       rel=1e-15)


def test_exp_expm1_and_inverse_softplus_are_within_a_few_units_in_the_last_place():
    """``counter.exp``, ``expm1`` and ``inverse_softplus`` use only IEEE operations (the same bits on every
    backend); checked against 40-digit arithmetic: exp within an ulp, expm1 and the inverse softplus within 4
    (1 - e**-y just above the series' end, y = 0.35, cancels to 0.3). It is near 0 at y = log 2, where
    y + log(1 - e**-y) cancels: its error is bounded there by units of y's last place."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-700.0, 700.0, 400), rng.uniform(-1.0, 1.0, 400), [0.0, -745.0, 709.0]])
    exact = np.array([float(mpmath.exp(mpmath.mpf(float(t)))) for t in x])
    assert np.all(np.abs(counter.exp(NumpyArith(), x) - exact) <= np.spacing(exact))
    y = np.concatenate([np.exp(rng.uniform(math.log(1e-8), math.log(1e3), 800)), [0.35, 1e-300]])
    exact = np.array([float(mpmath.log(mpmath.expm1(mpmath.mpf(float(t))))) for t in y])
    ours = counter.inverse_softplus(NumpyArith(), y)
    assert np.all(np.abs(ours - exact) <= 4 * np.maximum(np.spacing(np.abs(exact)), np.spacing(y)))
    x1 = np.concatenate([x, rng.uniform(-0.5, 0.5, 400), [1e-300, -1e-20]])
    exact = np.array([float(mpmath.expm1(mpmath.mpf(float(t)))) for t in x1])
    assert np.all(np.abs(counter.expm1(NumpyArith(), x1) - exact) <= 4 * np.spacing(np.abs(exact)))
    # one Python float (a spec's constant) gets the bits an array does
    assert [counter.inverse_softplus(counter.ScalarArith(), float(t)) for t in y] == ours.tolist()
    assert [counter.exp(counter.ScalarArith(), float(t)) for t in x] == counter.exp(NumpyArith(), x).tolist()


# Windows far in the positive tail, drawn on the mirrored window: unmirrored, Phi(8.5) and Phi(9) both round to 1
# and [8.5, 9] collapsed to 8.5. Unmirrored, [6, 30] keeps a law KS cannot tell apart at this size; it is here as
# the long window of the pair. Only the law is checked for them (the mirrored windows of SPECS check the bits).
FAR_TAILS = [ui.TruncatedNormal(mean=0.0, std=1.0, low=8.5, high=9.0),
             ui.TruncatedNormal(mean=0.0, std=1.0, low=6.0, high=30.0)]


@pytest.mark.parametrize("spec", SPECS + FAR_TAILS, ids=repr)
def test_counter_values_follow_the_exact_law(spec):
    # stats.check's tests fail by chance with probability ALPHA each (unifiedinit.verify.stats)
    x = portable(spec, (64, 32, 3, 3), seed=11, key="w", stream="counter")
    verdict = stats.check(x, spec, layout="torch")
    assert verdict, str(verdict)


EXAMPLES = [s for s in ui.examples() if isinstance(s, (ui.Orthogonal, ui.Sparse)) or
            (s.elementwise and not isinstance(s, (ui.Constant, ui.Zeros, ui.Ones)))]


@pytest.mark.parametrize("spec", EXAMPLES, ids=repr)
def test_every_random_example_spec_follows_its_law_in_the_counter_stream(spec):
    # as tests/test_stats.py checks the default stream: the same shapes and the same exact-law checks
    shape = (64, 32, 3, 3) if spec.elementwise else (60, 50)
    verdict = stats.check(portable(spec, shape, seed=21, key="x", stream="counter"), spec, layout="torch")
    assert verdict, str(verdict)


def test_an_ordinary_generator_test_sees_a_wrong_law_in_the_counter_stream():
    x = portable(ui.Normal(), (64, 32, 3, 3), seed=11, key="w", stream="counter")
    assert not stats.check(x, ui.TruncatedNormal(0.0, 1.0, -2.0, 2.0), layout="torch")


def test_any_block_is_the_block_of_the_whole_and_keys_and_seeds_are_independent():
    spec = ui.Mixture([ui.Normal(0.0, 1.0), ui.Uniform(-1.0, 1.0)], [0.5, 0.5])
    whole = portable(spec, (40, 30), seed=1, key="k", stream="counter")
    for index in [((3, 17), (0, 30)), ((0, 40), (5, 6)), ((39, 40), (29, 30)), ((10, 10), (0, 30))]:
        part = portable(spec, (40, 30), seed=1, key="k", stream="counter", index=index)
        assert np.array_equal(part, whole[tuple(slice(a, b) for a, b in index)])
    other_key = portable(spec, (40, 30), seed=1, key="j", stream="counter")
    other_seed = portable(spec, (40, 30), seed=2, key="k", stream="counter")
    assert not np.any(whole == other_key) or np.mean(whole == other_key) < 0.02  # ties: the mixture's discrete part
    assert np.mean(whole == other_seed) < 0.02
    chunks = portable(spec, (40, 30), seed=1, key="k")
    assert np.mean(whole == chunks) < 0.02  # another stream


def test_a_layout_moves_the_same_values():
    torch_w = portable(ui.XavierUniform(), (5, 3), layout="torch", seed=4, key="fc", stream="counter")
    keras_k = portable(ui.XavierUniform(), (3, 5), layout="keras", seed=4, key="fc", stream="counter")
    assert np.array_equal(torch_w.T, keras_k)
    block = portable(ui.XavierUniform(), (3, 5), layout="keras", seed=4, key="fc", stream="counter",
                        index=((1, 3), (0, 2)))
    assert np.array_equal(block, keras_k[1:3, 0:2])


def test_structured_draws_are_computed_whole_and_cut():
    whole = portable(ui.Orthogonal(), (6, 4), seed=0, key="q", stream="counter")
    assert np.allclose(whole.T @ whole, np.eye(4), atol=1e-6)
    assert np.array_equal(portable(ui.Orthogonal(), (6, 4), seed=0, key="q", stream="counter",
                                      index=((2, 5), (0, 4))), whole[2:5])


def test_pieces_on_threads_give_the_values_of_one_pass(monkeypatch):
    # a tensor of 5 pieces and a bit (65,536 entries each): on the cores' threads, on one, and in one piece
    from unifiedinit.backends.numpy import NumpyArith
    spec, shape = ui.Mixture([ui.Normal(0.0, 1.0), ui.Uniform(-1.0, 1.0)], [0.5, 0.5]), (331, 1009)
    threaded = portable(spec, shape, seed=3, key="t", stream="counter")
    assert NumpyArith.threads and threaded.size > 5 * (NumpyArith.piece or 0)
    monkeypatch.setattr(NumpyArith, "threads", False)
    assert np.array_equal(portable(spec, shape, seed=3, key="t", stream="counter"), threaded)
    monkeypatch.setattr(NumpyArith, "piece", None)
    assert np.array_equal(portable(spec, shape, seed=3, key="t", stream="counter"), threaded)
    block = ((100, 300), (1, 1009))  # a block of several pieces: its own positions, on threads again
    monkeypatch.setattr(NumpyArith, "threads", True)
    monkeypatch.setattr(NumpyArith, "piece", 1 << 14)
    assert np.array_equal(portable(spec, shape, seed=3, key="t", stream="counter", index=block),
                          threaded[100:300, 1:])


#: Threefry-2x32's rotation constants (Salmon et al. 2011, Random123's R_32x2), one per round, eight repeating
THREEFRY_ROTATIONS = (13, 15, 26, 6, 17, 29, 16, 24)


def _threefry2x32_py(key, counter_words):
    """Threefry-2x32 with 20 rounds in plain Python ints, written from the paper (not from unifiedinit.counter):
    the key schedule (k0, k1, k0 ^ k1 ^ 0x1BD11BDA) is injected before the first round and after every fourth,
    with the injection's number added to the second word."""
    mask = 2 ** 32 - 1
    ks = (key[0], key[1], key[0] ^ key[1] ^ 0x1BD11BDA)
    x0, x1 = (counter_words[0] + ks[0]) & mask, (counter_words[1] + ks[1]) & mask
    for i in range(20):
        r = THREEFRY_ROTATIONS[i % 8]
        x0 = (x0 + x1) & mask
        x1 = (((x1 << r) | (x1 >> (32 - r))) & mask) ^ x0
        if i % 4 == 3:
            s = (i + 1) // 4
            x0 = (x0 + ks[s % 3]) & mask
            x1 = (x1 + ks[(s + 1) % 3] + s) & mask
    return x0, x1


def _counter_uniform_py(seed, key, position, call):
    """The counter stream's uniform as the module docstring defines it, in plain Python: the key is the first 8
    bytes of blake2b("unifiedinit-counter/<seed>/<key>") as two little-endian words; the counter of ``position`` in
    ``call`` is (position mod 2**32, position // 2**32 + call * 2**16); k is the top 26 bits of each output word
    (52 bits) and u = (2k + 1) / 2**53, exact in float64."""
    import hashlib
    digest = hashlib.blake2b(f"unifiedinit-counter/{seed}/{key}".encode(), digest_size=8).digest()
    words = (int.from_bytes(digest[:4], "little"), int.from_bytes(digest[4:], "little"))
    w0, w1 = _threefry2x32_py(words, (position % 2 ** 32, position // 2 ** 32 + call * 2 ** 16))
    k = (w0 >> 6) * 2 ** 26 + (w1 >> 6)
    return (2 * k + 1) / 2 ** 53


def test_the_pure_python_threefry_gives_random123_s_known_answers():
    # Random123's kat_vectors for threefry2x32 with 20 rounds: (key, counter) -> output; pins the test's own helper
    for key, ctr, out in [((0, 0), (0, 0), (0x6B200159, 0x99BA4EFE)),
                          ((0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF), (0x1CB996FC, 0xBB002BE7)),
                          ((0x13198A2E, 0x03707344), (0x243F6A88, 0x85A308D3), (0xC4923A9C, 0x483DF7A0))]:
        assert _threefry2x32_py(key, ctr) == out


@pytest.mark.parametrize("seed,key", [(0, "0/weight"), (7, "enc/\u00e9/bias"), (2 ** 64 - 1, "")])
def test_the_counter_stream_is_its_documented_definition(seed, key):
    """``counter.counter_key`` and ``counter.uniform`` against an independent plain-Python Threefry-2x32 and the
    documented mapping from its two words to a float64 uniform, for positions past 2**32 and several calls, exactly;
    the portable values of U(0, 1) and N(0, 1) in float64 are that uniform and scipy's ndtri of it (to 1e-14, the
    quantile's documented accuracy)."""
    from scipy.special import ndtri
    k = counter.counter_key(seed, key)
    at = [0, 1, 2, 2 ** 31 + 5, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 7, 2 ** 40 + 12345, 2 ** 48 - 1]
    for call in (0, 1, 3):
        got = counter.uniform(NumpyArith(), k, np.array(at, dtype=np.int64), call)
        want = [_counter_uniform_py(seed, key, p, call) for p in at]
        assert got.tolist() == want, call
    shape = (4, 6)
    want = np.array([_counter_uniform_py(seed, key, p, 0) for p in range(24)]).reshape(shape)
    u = portable(ui.Uniform(0.0, 1.0), shape, seed=seed, key=key, dtype="float64", stream="counter")
    np.testing.assert_array_equal(u, want)
    z = portable(ui.Normal(0.0, 1.0), shape, seed=seed, key=key, dtype="float64", stream="counter")
    np.testing.assert_allclose(z, ndtri(want), rtol=1e-14, atol=0.0)


def test_a_stream_that_does_not_exist_is_refused_by_name():
    with pytest.raises(ValueError, match=r"'stream' must be one of 'chunks', 'counter'; got 'philox'"):
        portable(ui.Normal(), (2, 2), stream="philox")
    with pytest.raises(ValueError, match="stream"):
        ui.Portable(seed=0, key="a", stream="gpu")


DTYPES = ["float32", "float64", "float16", "bfloat16"]


def _torch_tensor(spec, shape, dtype, block=None, device="cpu"):
    """The counter stream's values computed by torch on ``device``, left there."""
    import torch

    from unifiedinit.backends.torch.ops import TorchArith, TorchOps
    from unifiedinit.layout import TensorInfo
    draw = spec.lower(TensorInfo.make(shape, "torch"))
    return counter.draw_block(TorchOps(None, device), TorchArith(device), draw, shape, block,
                              counter.counter_key(5, "p"), getattr(torch, dtype))


def _torch_values(spec, shape, dtype, block=None, device="cpu"):
    x = _torch_tensor(spec, shape, dtype, block, device)
    return x.float().cpu().numpy() if dtype == "bfloat16" else x.cpu().numpy()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("spec", SPECS, ids=repr)
def test_torch_computes_the_reference_bits(spec, dtype):
    pytest.importorskip("torch")
    ref = portable(spec, (33, 17), seed=5, key="p", dtype=dtype, stream="counter")
    ref = ref.astype(np.float32) if dtype == "bfloat16" else ref
    assert np.array_equal(_torch_values(spec, (33, 17), dtype), ref)
    assert np.array_equal(_torch_values(spec, (33, 17), dtype, ((4, 20), (3, 17))), ref[4:20, 3:17])


def _float64_for_float16():
    """Float64 values whose float16 rounding a conversion through float32 gets wrong (rounding twice), and NumPy's
    float16 of them (rounded once)."""
    x = np.concatenate([np.random.default_rng(0).normal(size=1_000_000) * s for s in (1.0, 1e-6, 3e4)] +
                       [np.array([1 + 2 ** -11 + 2 ** -40, -(1 + 2 ** -11 + 2 ** -40), 0.0, -0.0, np.inf, -np.inf,
                                  65519.99, 65520.0, 1e-9, 4e38, -4e38])])
    with np.errstate(over="ignore"):  # 4e38 is inf in float16, as it should be
        return x, x.astype(np.float16)


def test_torch_rounds_float64_to_float16_once_as_numpy_does():
    # torch's float64 -> float16 goes through float32 and rounds twice: about 15 entries in 262,144 of a counter
    # stream's float16 tensor came out one ulp from NumPy's values
    torch = pytest.importorskip("torch")
    from unifiedinit.backends.torch.ops import rounded
    x, want = _float64_for_float16()
    assert np.count_nonzero(torch.from_numpy(x).to(torch.float16).numpy() != want) > 0  # torch's own: twice
    assert np.array_equal(rounded(torch.from_numpy(x), torch.float16).numpy(), want)
    assert torch.equal(rounded(torch.from_numpy(x), torch.bfloat16), torch.from_numpy(x).to(torch.bfloat16))
    ref = portable(ui.Normal(), (512, 512), seed=5, key="p", dtype="float16", stream="counter")
    assert np.array_equal(_torch_values(ui.Normal(), (512, 512), "float16"), ref)


def test_jax_rounds_float64_to_float16_once_as_numpy_does():
    # XLA's float64 -> float16 goes through float32 too, eagerly and under jit: about 60 entries in a million of a
    # counter stream's float16 tensor drawn by a jitted function (a sharded array's) came out one ulp from NumPy's
    pytest.importorskip("jax")
    import jax
    import jax.numpy as jnp

    from unifiedinit.backends.flax.ops import JaxOps, x64
    x, want = _float64_for_float16()
    with x64():
        a = jnp.asarray(x)
        assert np.count_nonzero(np.asarray(a.astype(jnp.float16)) != want) > 0  # XLA's own: twice
        assert np.array_equal(np.asarray(JaxOps(None).cast(a, jnp.float16)), want)
        assert np.array_equal(np.asarray(jax.jit(lambda v: JaxOps(None).cast(v, jnp.float16))(a)), want)
        assert np.array_equal(np.asarray(JaxOps(None).cast(a, jnp.bfloat16)), np.asarray(a.astype(jnp.bfloat16)))
    ref = portable(ui.Normal(), (512, 512), seed=5, key="p", dtype="float16", stream="counter")
    assert np.array_equal(_jax_values(ui.Normal(), (512, 512), "float16"), ref)


def _jax_values(spec, shape, dtype, jit=True):
    import jax
    import jax.numpy as jnp

    from unifiedinit.backends.flax.ops import JaxArith, JaxOps, x64
    from unifiedinit.layout import TensorInfo
    draw = spec.lower(TensorInfo.make(shape, "torch"))

    def f(key, zero=None):
        return counter.draw_block(JaxOps(None), JaxArith(zero), draw, shape, None, key, getattr(jnp, dtype))
    with x64():
        key = tuple(jnp.uint32(w) for w in counter.counter_key(5, "p"))
        x = jax.jit(f)(key, jnp.uint64(0)) if jit else f(key)
        return np.asarray(x.astype(jnp.float32) if dtype == "bfloat16" else x)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("spec", SPECS, ids=repr)
def test_jax_computes_the_reference_bits_inside_jit(spec, dtype):
    pytest.importorskip("jax")
    ref = portable(spec, (33, 17), seed=5, key="p", dtype=dtype, stream="counter")
    ref = ref.astype(np.float32) if dtype == "bfloat16" else ref
    assert np.array_equal(_jax_values(spec, (33, 17), dtype), ref)



def _no_host_values(monkeypatch):
    import unifiedinit.reference as reference

    def refused(*args, **kwargs):
        raise AssertionError("counter values were computed on the host")
    monkeypatch.setattr(reference, "_counter", refused)


def _written(plan, model, report, framework):
    """Each parameter's values as the model holds them, and as NumPy computes them (the reference)."""
    from unifiedinit.apply import records
    from unifiedinit.backends import get_backend
    handles = {p.path: h for p, h in records(model)[1]}
    for e in report.entries:
        if e.spec is not None:
            got = np.asarray(get_backend(framework).read(handles[e.param.path])).reshape(e.param.shape)
            yield e.param.path, got, plan.portable_values(e, 4, stream="counter")


def test_torch_and_jax_plans_compute_the_counter_stream_in_their_targets(monkeypatch):
    # torch with its own ops; NNX on this one CPU device with NumPy inside the target (no compile per shape): the
    # jitted path of a sharded or accelerator array is checked on 8 devices in tests/test_jax_sharded.py
    torch = pytest.importorskip("torch")
    nnx = pytest.importorskip("flax.nnx")
    model = torch.nn.Sequential(torch.nn.Linear(300, 200), torch.nn.LayerNorm(200), torch.nn.Embedding(40, 300))
    net = nnx.Sequential(nnx.Linear(300, 200, rngs=nnx.Rngs(0)), nnx.LayerNorm(200, rngs=nnx.Rngs(0)))
    _no_host_values(monkeypatch)
    torch_report = ui.presets.torch.apply(model, seed=4, portable="counter")
    flax_report = ui.presets.torch.apply(net, seed=4, portable="counter")  # torch's init, in Flax
    monkeypatch.undo()
    for plan, m, report, framework in ((ui.presets.torch, model, torch_report, "torch"),
                                       (ui.presets.torch, net, flax_report, "flax")):
        checked = 0
        for path, got, want in _written(plan, m, report, framework):
            assert np.array_equal(got, want), (framework, path)
            checked += 1
        assert checked >= 4


def test_on_one_accelerator_a_small_array_takes_numpys_values_and_a_large_one_is_computed_there(monkeypatch):
    # as on one GPU: the kernel above HOST_ENTRIES goes through the jitted function, the rest through NumPy (no
    # compile), copied to the device; every entry is the reference's either way
    nnx = pytest.importorskip("flax.nnx")
    from unifiedinit.backends.flax import ops as F
    monkeypatch.setattr(F, "_platforms", lambda sharding: {"gpu"})
    monkeypatch.setattr(F, "HOST_ENTRIES", 5000)
    compiled, real = [], F._counter_fn
    monkeypatch.setattr(F, "_counter_fn", lambda signature, sharding: compiled.append(signature[2])
                        or real(signature, sharding))
    net = nnx.Sequential(nnx.Linear(300, 200, rngs=nnx.Rngs(0)), nnx.Linear(200, 10, rngs=nnx.Rngs(0)))
    report = ui.presets.torch.apply(net, seed=4, portable="counter")
    monkeypatch.undo()
    assert compiled == [(300, 200)]
    checked = 0
    for path, got, want in _written(ui.presets.torch, net, report, "flax"):
        assert np.array_equal(got, want), path
        checked += 1
    assert checked == 4


def test_repeated_layers_share_a_signature_unless_the_spec_reads_their_depth():
    # one jitted function per signature on a mesh or an accelerator: depth is part of it only where it matters
    torch = pytest.importorskip("torch")
    from unifiedinit.apply import CounterJob
    from unifiedinit.backends.numpy import NumpyArith, NumpyOps
    model = torch.nn.Sequential(*[torch.nn.Linear(8, 8) for _ in range(3)])
    deep = ui.Scaled(ui.Normal(0, 0.02), "1 / sqrt(2 * (l + 1))")
    for spec, distinct in ((ui.Normal(0, 0.02), 1), (deep, 3)):
        plan = ui.Plan().rule(spec, role="weight").rule(ui.Zeros(), role="bias")
        report = plan.apply(model, seed=0, portable="counter")
        jobs = [CounterJob(plan, e, 0) for e in report.entries if e.param.role == "weight"]
        assert len({job.signature for job in jobs}) == distinct
        assert len({job.key for job in jobs}) == 3
        for job, e in zip(jobs, (e for e in report.entries if e.param.role == "weight")):
            got = job.values(None, NumpyOps(None), NumpyArith(), np.float32)
            assert np.array_equal(got, plan.portable_values(e, 0, stream="counter"))
            assert np.array_equal(got, model.state_dict()[e.param.path.replace("/", ".")].numpy())


def test_a_portable_option_that_is_no_stream_is_refused_before_anything_is_written():
    torch = pytest.importorskip("torch")
    model = torch.nn.Linear(3, 2)
    before = model.weight.detach().clone()
    with pytest.raises(ValueError, match=r"'portable' must be True, False, or a portable stream \('chunks', "
                                         r"'counter'\), got 'gpu'"):
        ui.presets.torch.apply(model, seed=0, portable="gpu")
    with pytest.raises(TypeError, match=r"'portable' must be True, False, or a portable stream .*got 1"):
        ui.presets.torch.apply(model, seed=0, portable=1)  # pyright: ignore[reportArgumentType]
    with pytest.raises(TypeError, match="seed"):
        ui.presets.torch.apply(model, portable="counter")  # portable values need a seed
    assert torch.equal(model.weight, before)


def test_the_device_path_compiles_whole_with_no_host_sync():
    # the accelerator's settings (no masked cut, no pieces) captured by torch.compile(fullgraph=True): a graph
    # break, a data-dependent shape or an .item() would fail here; CUDA then runs it with no sync (next test). The
    # "eager" backend runs the captured graph as it is, so the bits are the reference's too (inductor would fuse
    # and compile a C++ kernel for minutes, and its CPU code for frexp does not build in torch 2.13)
    torch = pytest.importorskip("torch")
    from unifiedinit.backends.torch.ops import TorchArith, TorchOps
    from unifiedinit.layout import TensorInfo
    arith = TorchArith("cpu")
    arith.compact, arith.piece = False, None
    specs = (ui.TruncatedNormal(std=0.02), ui.Normal(), ui.XavierUniform(),
             ui.InverseSoftplus(ui.LogUniform(1e-3, 0.1), floor=0.002))
    draws = [s.lower(TensorInfo.make((64, 48), "torch")) for s in specs]
    key = counter.counter_key(5, "p")
    for spec, draw in zip(specs, draws):
        def f(out):
            return out.copy_(counter.draw_block(TorchOps(None), arith, draw, (64, 48), None, key, torch.float32))
        got = torch.compile(f, fullgraph=True, backend="eager")(torch.empty(64, 48))
        assert np.array_equal(got.numpy(), portable(spec, (64, 48), seed=5, key="p", stream="counter"))


@pytest.mark.parametrize("spec", SPECS[:4], ids=repr)
def test_cuda_computes_the_reference_bits_with_no_sync(spec):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    ref = portable(spec, (333, 170), seed=5, key="p", stream="counter")
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:  # computed on the device with no sync; the copy to the host (which waits, as it must) comes after
        got = _torch_tensor(spec, (333, 170), "float32", device="cuda")
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert np.array_equal(got.cpu().numpy(), ref)


@pytest.mark.parametrize("spec", SPECS[:4], ids=repr)
def test_jax_on_a_gpu_computes_the_reference_bits_there(spec):
    # the jitted path on a real accelerator (elsewhere simulated, or on host devices): a kernel above HOST_ENTRIES
    # is computed on the GPU and stays there; the bits are NumPy's
    jax = pytest.importorskip("jax")
    nnx = pytest.importorskip("flax.nnx")
    gpus = [d for d in jax.devices() if d.platform == "gpu"]
    if not gpus:
        pytest.skip("no GPU for JAX")
    from unifiedinit.backends.flax import ops as F
    plan = ui.Plan().rule(spec, role="weight").rule(ui.Zeros(), role="bias")
    with jax.default_device(gpus[0]):
        net = nnx.Linear(1100, 1000, rngs=nnx.Rngs(0))
    assert 1100 * 1000 > F.HOST_ENTRIES
    report = plan.apply(net, seed=4, portable="counter")
    assert net.kernel[...].devices() == {gpus[0]}
    checked = 0
    for path, got, want in _written(plan, net, report, "flax"):
        assert np.array_equal(got, want), path
        checked += 1
    assert checked == 2
