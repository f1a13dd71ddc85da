"""Keras 3 backend, under whichever Keras backend this process runs (KERAS_BACKEND; `make test` runs this file
under tensorflow, jax and torch): every spec in Dense/Conv2D/Conv2DTranspose/Embedding against the exact laws,
Keras's own initializers, seeding, serialization and the seeds' patterns.

Each KS check is at level 1e-4 (a correct sampler fails it with probability 1e-4); seeds are fixed.
"""

import json
import math
import subprocess
import sys
import textwrap
import warnings
from typing import Any, cast

import numpy as np
import pytest

keras = pytest.importorskip("keras")
from keras import layers  # noqa: E402

import unifiedinit as ui  # noqa: E402
from unifiedinit import draws as D  # noqa: E402
from conftest import applies  # noqa: E402
from unifiedinit.verify import stats  # noqa: E402
from unifiedinit.backends import keras as K  # noqa: E402

ALPHA = 1e-4


def numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x), dtype=np.float64)


def kernel_of(layer, init):
    if layer == "Dense":
        lay = layers.Dense(256, kernel_initializer=init)
        lay.build((None, 300))
    elif layer == "Conv2D":
        lay = layers.Conv2D(64, 3, kernel_initializer=init)
        lay.build((None, 8, 8, 32))
    elif layer == "Conv2DTranspose":
        lay = layers.Conv2DTranspose(32, 3, kernel_initializer=init)
        lay.build((None, 8, 8, 64))
    else:
        lay = layers.Embedding(1000, 64, embeddings_initializer=init)
        lay.build((None, 5))
        return numpy(lay.embeddings)
    return numpy(lay.kernel)


SHAPES = {"Dense": (300, 256), "Conv2D": (3, 3, 32, 64), "Conv2DTranspose": (3, 3, 32, 64), "Embedding": (1000, 64)}



LAYOUTS = {"Dense": "keras", "Conv2D": "keras", "Conv2DTranspose": "keras_conv_transpose", "Embedding": "keras_embedding"}
MATRIX = [(spec, layer) for spec in ui.examples() for layer in SHAPES if applies(spec, SHAPES[layer], LAYOUTS[layer])]


@pytest.mark.parametrize("spec,layer", MATRIX, ids=lambda x: x if isinstance(x, str) else repr(x))
def test_every_spec_on_every_layer(spec, layer):
    got = kernel_of(layer, spec.to_keras(seed=1))
    shape = SHAPES[layer]
    assert got.shape == shape
    ref = ui.sample(spec, shape, layout="keras", seed=1, dtype="float64")
    if ui.lower(spec, shape, "keras").deterministic:  # the exact values, rounded once to float32
        np.testing.assert_array_equal(got, ui.sample(spec, shape, layout="keras", dtype="float32"))
        return
    verdict = stats.check(got, spec, layout="keras")
    assert verdict, str(verdict)
    assert stats.ks_2samp(got, ref)[1] > ALPHA


def test_conv_transpose_with_the_layers_own_fans():
    # Conv2DTranspose(32) on 64 channels: kernel (3, 3, 32, 64) = (*k, out, in); the layer's fan_in is 64 x 9
    got = kernel_of("Conv2DTranspose", ui.LecunUniform().to_keras(seed=2, layout="keras_conv_transpose"))
    assert 0.99 * math.sqrt(3 / 576) < np.abs(got).max() <= math.sqrt(3 / 576)
    keras_own = kernel_of("Conv2DTranspose", ui.LecunUniform().to_keras(seed=2))  # Keras's compute_fans: 32 x 9
    assert math.sqrt(3 / 576) < np.abs(keras_own).max() <= math.sqrt(3 / 288)


def test_from_array_in_torch_layout_lands_transposed():
    A = np.arange(12.0).reshape(3, 4)
    dense = layers.Dense(3, kernel_initializer=ui.FromArray(A, layout="torch").to_keras())
    dense.build((None, 4))
    np.testing.assert_array_equal(numpy(dense.kernel), A.T)


KI = keras.initializers
SAME_AS_KERAS = [
    (ui.XavierUniform(), KI.GlorotUniform(seed=9), "uniform"),
    (ui.VarianceScaling(1.0, "fan_avg", "truncated_normal"), KI.GlorotNormal(seed=9), "trunc"),
    (ui.VarianceScaling(2.0, "fan_in", "truncated_normal"), KI.HeNormal(seed=9), "trunc"),
    (ui.KaimingUniform(), KI.HeUniform(seed=9), "uniform"),
    (ui.LecunNormal(), KI.LecunNormal(seed=9), "trunc"),
    (ui.LecunUniform(), KI.LecunUniform(seed=9), "uniform"),
    (ui.Orthogonal(1.2), KI.Orthogonal(1.2, seed=9), None),
    (ui.TruncatedNormal(0.1, 0.05, 0.0, 0.2), KI.TruncatedNormal(0.1, 0.05, seed=9), "trunc"),
    (ui.Normal(0.0, 0.05), KI.RandomNormal(seed=9), "normal"),
    (ui.Uniform(-0.05, 0.05), KI.RandomUniform(seed=9), "uniform"),
] + [(ui.VarianceScaling(1.7, mode, ours), KI.VarianceScaling(1.7, mode, theirs, seed=9),
      "trunc" if ours == "truncated_normal" else ours)
     for mode in ("fan_in", "fan_out", "fan_avg")
     for ours, theirs in (("uniform", "uniform"), ("normal", "untruncated_normal"), ("truncated_normal", "normal"))]

KURTOSIS = {"uniform": 1.8, "normal": 3.0, "trunc": 2.3655}


@pytest.mark.parametrize("spec,native,kind", SAME_AS_KERAS, ids=lambda x: repr(x) if isinstance(x, ui.Spec) else "")
def test_same_distribution_as_keras_own_initializer(spec, native, kind):
    shape = (3, 3, 32, 64)
    ours, theirs = numpy(spec.to_keras(seed=1)(shape)), numpy(native(shape))
    assert stats.ks_2samp(ours, theirs)[1] > ALPHA
    if kind is not None:  # SE of the kurtosis is <= 0.04 at n = 18432; the laws are >= 0.57 apart
        assert abs(stats.sample_kurtosis(ours) - KURTOSIS[kind]) < 0.2
        assert abs(stats.sample_kurtosis(theirs) - KURTOSIS[kind]) < 0.2
    if kind in ("uniform", "trunc"):
        draw = ui.lower(spec, shape, "keras")
        assert isinstance(draw, (D.Uniform, D.TruncatedNormal)), draw
        assert draw.low <= ours.min() and ours.max() <= draw.high


@pytest.mark.parametrize("name,spec", [("HeUniform", ui.VarianceScaling(2.0, "fan_in", "uniform")),
                                       ("LecunUniform", ui.LecunUniform())])
def test_bfloat16_uniform_initializers_draw_the_law_keras_draws_off(name, spec):
    # the DIFFERENCES row: Keras draws these in bfloat16 itself, off the exact law rounded once; ours is on it
    from parity.common import intended
    from unifiedinit.backends.keras import initializers as ours
    assert intended("keras", "RandomUniform and the uniform variance-scaling initializers (GlorotUniform, HeUniform, "
                    "LecunUniform) on bfloat16") is not None
    shape = (512, 1024)
    exact = ui.sample(spec, shape, layout="keras", dtype="bfloat16", seed=3).astype(np.float64).ravel()

    def drawn(module):
        x = getattr(module, name)(seed=0)(shape, dtype="bfloat16")
        return np.asarray(keras.ops.convert_to_numpy(keras.ops.cast(x, "float32")), np.float64).ravel()
    assert stats.ks_2samp(drawn(ours), exact)[1] > ALPHA
    assert stats.ks_2samp(drawn(keras.initializers), exact)[1] < ALPHA, "Keras draws the exact law now: update DIFFERENCES"


def test_private_sublayers_are_keyed_alike_on_every_backend():
    # the torch backend keeps sublayers in nn.Module's _modules under their attribute's name: MHA's _query_dense
    # was keyed "_query_dense" there and "query_dense" elsewhere, so its portable values followed the backend.
    # Keras's own layers lose the underscore on every backend; a user's layer keeps its names as written
    # (self._proj is "_proj", as torch and the other frameworks key it)
    class Block(layers.Layer):
        def __init__(self):
            super().__init__()
            self._proj = layers.Dense(8)
            self.blocks = [layers.Dense(8), layers.Dense(8)]

        def call(self, x):
            return self.blocks[1](self.blocks[0](self._proj(x)))
    inp = keras.Input((6, 16))
    model = keras.Model(inp, [layers.MultiHeadAttention(2, 4, name="mha")(inp, inp), Block()(inp)])
    keys = {e.param.key for e in ui.inspect(model, ui.presets.keras).entries if e.param.role == "weight"}
    assert keys == {"0/query_dense/weight", "0/key_dense/weight", "0/value_dense/weight", "0/output_dense/weight",
                    "1/_proj/weight", "1/blocks/0/weight", "1/blocks/1/weight"}, keys
    report = ui.Plan().rule(ui.Zeros(), path="*/query_dense/*").apply(model, seed=0)
    assert [e.param.path for e in report.entries] == ["mha/query/kernel", "mha/query/bias"]


def test_a_subclass_of_a_keras_layer_keys_its_inherited_sublayers_as_the_layer_does():
    # a subclass of MultiHeadAttention inherits its _query_dense...: they were keyed "_query_dense" (the underscore
    # was stripped only for classes defined in keras itself), so a rule on "query_dense/*" missed them and their
    # portable values were not MultiHeadAttention's. A private attribute whose bare name holds another layer keeps
    # its underscore, so the two never share a key.
    class Gated(layers.MultiHeadAttention):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._gate, self.gate = layers.Dense(4), layers.Dense(4)

        def build(self, query_shape, value_shape, key_shape=None):
            super().build(query_shape, value_shape, key_shape)
            self._gate.build((None, 8))
            self.gate.build((None, 8))

    plain, gated = layers.MultiHeadAttention(2, 4), Gated(2, 4)
    for layer in (plain, gated):
        layer.build((None, 3, 8), (None, 3, 8))
    mine = {e.param.key for e in ui.inspect(gated, ui.presets.keras).entries}
    theirs = {e.param.key for e in ui.inspect(plain, ui.presets.keras).entries}
    assert mine == theirs | {"gate/weight", "gate/bias", "_gate/weight", "_gate/bias"}, mine ^ theirs
    for layer in (plain, gated):
        ui.presets.keras.apply(layer, seed=3, portable=True)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(gated._query_dense.kernel),
                                  keras.ops.convert_to_numpy(plain._query_dense.kernel))


def test_an_einsum_kernel_takes_the_equations_fans_only_through_variance_scaling():
    # the README's EinsumDense paragraph: Keras hands input_axes/output_axes to VarianceScaling instances only
    from unifiedinit.backends.keras import initializers as drop_ins

    def query_kernel(init):
        mha = layers.MultiHeadAttention(num_heads=4, key_dim=16, kernel_initializer=init)
        x = keras.ops.ones((1, 3, 48))
        mha(x, x)
        return np.asarray(keras.ops.convert_to_numpy(mha._query_dense.kernel), np.float64)  # (48, 4, 16)
    equation, last_two = math.sqrt(6 / (48 + 64)), math.sqrt(6 / (4 * 48 + 16 * 48))
    keras_own = query_kernel(keras.initializers.GlorotUniform(seed=1))
    assert stats.check(keras_own, ui.Uniform(-equation, equation))
    assert stats.check(query_kernel(drop_ins.GlorotUniform(seed=2)), ui.Uniform(-equation, equation))
    assert stats.check(query_kernel(ui.XavierUniform().to_keras(seed=3)), ui.Uniform(-last_two, last_two))


@pytest.mark.parametrize("shape", [(2.5, 3), (None, 3)])
def test_a_shape_that_is_no_shape_is_named(shape):
    # 2.5 was cut to 2 and None raised int()'s own TypeError; the drop-ins already named it
    with pytest.raises(TypeError, match="parameter 'shape' must be an integer"):
        ui.Normal().to_keras(seed=0)(shape)


def test_orthogonal_values_do_not_depend_on_torchs_thread_count():
    # under the torch backend Keras's QR is torch's, whose last bits follow torch.set_num_threads on a CPU
    if keras.backend.backend() != "torch":
        pytest.skip("the torch backend's QR (tensorflow's and JAX's do not depend on the thread count here)")
    import torch
    threads = torch.get_num_threads()
    drawn = []
    try:
        for n in (1, 2):
            torch.set_num_threads(n)
            drawn.append(keras.ops.convert_to_numpy(ui.Orthogonal().to_keras(seed=3)((256, 256))))
    finally:
        torch.set_num_threads(threads)
    np.testing.assert_array_equal(drawn[0], drawn[1])


def test_a_float16_constant_is_rounded_once_where_keras_rounds_it_twice():
    # the DIFFERENCES row: through float32 first on the tensorflow and torch backends, once on jax (and here)
    from parity.common import intended
    from unifiedinit.backends.keras import initializers as drop_ins
    assert intended("keras", "Constant(value) on float16, tensorflow and torch backends") is not None
    value = 1 + 2**-11 + 2**-30
    ours = keras.ops.convert_to_numpy(drop_ins.Constant(value)((2,), dtype="float16"))
    theirs = keras.ops.convert_to_numpy(keras.initializers.Constant(value)((2,), dtype="float16"))
    assert ours[0] == np.float16(value) == np.float16(1.0009765625)
    assert theirs[0] == (np.float16(value) if keras.backend.backend() == "jax" else np.float16(1.0)), \
        "Keras rounds float16 constants once now: update DIFFERENCES"


def test_identity_and_constant_equal_keras():
    np.testing.assert_array_equal(numpy(ui.Eye().to_keras()((4, 6))), numpy(KI.Identity()((4, 6))))
    np.testing.assert_array_equal(numpy(ui.Constant(0.3).to_keras()((4, 6))), numpy(KI.Constant(0.3)((4, 6))))


def test_seeding_as_keras():
    fixed = ui.LecunNormal().to_keras(seed=3)
    np.testing.assert_array_equal(numpy(fixed((20, 30))), numpy(fixed((20, 30))))
    unseeded = ui.LecunNormal().to_keras()
    np.testing.assert_array_equal(numpy(unseeded((20, 30))), numpy(unseeded((20, 30))))
    assert not np.array_equal(numpy(unseeded((20, 30))), numpy(ui.LecunNormal().to_keras()((20, 30))))
    advancing = ui.LecunNormal().to_keras(seed=keras.random.SeedGenerator(3))
    assert not np.array_equal(numpy(advancing((20, 30))), numpy(advancing((20, 30))))
    # several random ops in one call draw independent streams
    mix = numpy(ui.Mixture([ui.Normal(), ui.Normal(5.0, 1.0)], [0.5, 0.5]).to_keras(seed=0)((100, 100)))
    assert stats.check(mix, ui.Mixture([ui.Normal(), ui.Normal(5.0, 1.0)], [0.5, 0.5]))


@pytest.mark.parametrize("a,b", [(1, 2 ** 31), (5, 2 ** 31 + 4), (0, 2 ** 31 - 1), (3, 2 ** 64 - 1)])
def test_distinct_int_seeds_draw_distinct_values_as_kerass_own_do(a, b):
    """Seeds equal modulo 2**31 - 1 once drew the same values; Keras's own initializer tells them apart (where it
    takes the seed: below 2**32 on every backend)."""
    if b < 2 ** 32:
        own = [numpy(keras.initializers.RandomNormal(0.0, 1.0, seed=s)((4, 4))) for s in (a, b)]
        assert not np.array_equal(own[0], own[1])
    ours = [numpy(ui.Normal(0.0, 1.0).to_keras(seed=s)((4, 4))) for s in (a, b)]
    assert not np.array_equal(ours[0], ours[1])


def test_the_random_ops_of_one_seed_share_no_stream_with_another_seeds_ops():
    """Op k + 1 under seed s once reused op k's seed under s + 7919; each (seed, op) pair now has its own."""
    from unifiedinit.backends.keras.ops import KerasOps, Seeds
    for s in (0, 1, 2 ** 40):
        ops_s, ops_t = KerasOps(Seeds(s)), KerasOps(Seeds(s + 7919))
        first_s, second_s = (numpy(ops_s.normal((8,), 0.0, 1.0, "float32")) for _ in range(2))
        first_t = numpy(ops_t.normal((8,), 0.0, 1.0, "float32"))
        assert not np.array_equal(first_s, second_s) and not np.array_equal(second_s, first_t)
    from unifiedinit.backends.keras.ops import op_seed
    seeds = [op_seed(s, k) for s in (-1, 0, 1, 7920, 2 ** 31, 2 ** 64 - 1) for k in (1, 2, 3)]
    assert len(set(seeds)) == len(seeds) and all(0 <= x < 2 ** 31 for x in seeds)  # Keras's 31 bits


def test_to_keras_takes_a_numpy_integer_seed_and_refuses_one_out_of_range():
    # to_keras(seed=2**64) was taken (Keras's own initializer refuses it), and np.int64(1) refused
    def own(seed):
        return numpy(keras.initializers.RandomNormal(seed=seed)((2, 2)))

    try:  # Keras's own, in this Keras backend: refused (tensorflow, jax), or drawn as seed 0 (torch wraps it)
        assert np.array_equal(own(2 ** 64), own(0))
    except (ValueError, OverflowError):
        pass
    for seed in (2 ** 64, -1):
        with pytest.raises(ValueError, match=r"^parameter 'seed' must be an integer in \[0, 2\*\*64\), a "
                                             rf"keras\.random\.SeedGenerator or None, got {seed}$"):
            ui.Normal().to_keras(seed=seed)
    for seed in (1.5, True, "3"):
        with pytest.raises(TypeError, match=r"^parameter 'seed' must be an integer in \[0, 2\*\*64\), a keras"):
            ui.Normal().to_keras(seed=seed)
    init = ui.Normal().to_keras(seed=np.int64(5))
    config = init.get_config()
    assert type(config["seed"]) is int and json.loads(json.dumps(config))["seed"] == 5  # a JSON config
    np.testing.assert_array_equal(numpy(init((4, 3))), numpy(ui.Normal().to_keras(seed=5)((4, 3))))
    top = ui.Normal().to_keras(seed=np.uint64(2 ** 64 - 1))
    np.testing.assert_array_equal(numpy(top((4, 3))), numpy(ui.Normal().to_keras(seed=2 ** 64 - 1)((4, 3))))


def test_a_seed_that_is_no_int_is_refused_at_the_first_random_op():
    from unifiedinit.backends.keras.ops import KerasOps, Seeds
    with pytest.raises(ValueError, match="'seed'.*1.5"):
        KerasOps(Seeds(1.5)).normal((2,), 0.0, 1.0, "float32")
    with pytest.raises(TypeError, match="'seed'.*None"):
        KerasOps(Seeds(None)).normal((2,), 0.0, 1.0, "float32")


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
@pytest.mark.parametrize("spec", [ui.Uniform(-1, 1), ui.LecunNormal(), ui.Orthogonal(), ui.Sparse(0.2)], ids=repr)
def test_dtypes_are_kept(spec, dtype):
    if dtype == "float64" and keras.backend.backend() == "jax":
        import jax
        if not jax.config.read("jax_enable_x64"):
            pytest.skip("JAX makes float64 only with jax_enable_x64 (Keras's own initializers give float32 too)")
    x = spec.to_keras(seed=0)((200, 150), dtype)
    assert keras.backend.standardize_dtype(x.dtype) == dtype
    verdict = stats.check(numpy(x), spec, layout="keras")
    # KS at level ALPHA from float32 up; rounded to 8 or 11 mantissa bits the values move by half an ulp, which
    # moves D by under 0.002 here: D < 0.02 at n = 30,000 fails a correct sampler with probability about 1e-10
    low = dtype in ("float16", "bfloat16")
    assert verdict.ks is not None and verdict.p is not None and verdict.ks < 0.02 and (low or verdict.p > ALPHA), \
        str(verdict)


@pytest.mark.parametrize("spec", [ui.Uniform(1e6, 1e6 + 1e-3), ui.Uniform(0.1, 0.1 + 1e-12), ui.Uniform(1e39, 2e39),
                                  ui.TruncatedNormal(1e6, 1e-3, 1e6 - 1e-3, 1e6 + 1e-3)], ids=repr)
def test_a_float64_draw_keeps_a_window_float32_cannot_tell_apart(spec):
    """A float64 uniform's bounds went through float32 (tensorflow's random op makes them float32 constants; the
    torch backend's clip makes Python numbers float32 tensors): U(1e6, 1e6 + 1e-3) was 1e6 everywhere, U(0.1,
    0.1 + 1e-12) 0.10000000149 (above its high), U(1e39, 2e39) inf (torch) or refused by TF's own message. The
    values stay in the window and follow the reference's law (two-sample KS, 131,072 values a side, at 1e-6: a
    false failure about once in a million runs; fixed seeds)."""
    if keras.backend.backend() == "jax":
        import jax
        if not jax.config.read("jax_enable_x64"):
            pytest.skip("JAX makes float64 only with jax_enable_x64")
    x = keras.ops.convert_to_numpy(spec.to_keras(seed=0)((256, 512), "float64"))
    assert x.dtype == np.float64 and spec.low <= x.min() and x.max() <= spec.high
    reference = ui.sample(spec, (256, 512), layout="keras", seed=1, dtype="float64")
    assert stats.ks_2samp(x.ravel(), reference.ravel())[1] > 1e-6


@pytest.mark.parametrize("seed", [0, 2 ** 40])
def test_a_float64_uniform_is_the_samplers_one_map_of_a_unit_draw(seed):
    """Keras and MXNet each wrote their own float64 uniform (U[0, 1), then low + (high - low) u in double
    precision): both use ``samplers.Ops.uniform_by_unit`` now, not overridden, and the values are exactly that map
    of Keras's own U[0, 1) draw with the op's seed, computed here in NumPy float64 (two roundings)."""
    from unifiedinit.backends.keras.ops import KerasOps, Seeds, op_seed
    from unifiedinit.samplers import Ops
    if keras.backend.backend() == "jax":
        import jax
        if not jax.config.read("jax_enable_x64"):
            pytest.skip("JAX makes float64 only with jax_enable_x64")
    assert KerasOps.uniform_by_unit is Ops.uniform_by_unit
    for low, high in [(1e6, 1e6 + 1e-3), (-1e300, 1e300)]:
        x = keras.ops.convert_to_numpy(KerasOps(Seeds(seed)).uniform((64,), low, high, "float64"))
        u = keras.ops.convert_to_numpy(keras.random.uniform((64,), 0.0, 1.0, dtype="float64", seed=op_seed(seed, 1)))
        assert x.dtype == np.float64 and u.min() < 0.5 < u.max()
        np.testing.assert_array_equal(x, u * (high - low) + low)


@pytest.mark.parametrize("bad,error", [
    (lambda: ui.XavierUniform().to_keras()((0,)), ValueError),  # (5,) takes Keras's fans: (5, 5)
    (lambda: ui.XavierUniform().to_keras(layout="torch")((5,)), ValueError),
    (lambda: ui.Eye().to_keras()((2, 2, 2)), ValueError),
    (lambda: ui.Normal().to_keras()((2, 2), "int32"), TypeError),
    (lambda: ui.Normal().to_keras(seed="x"), TypeError),
])
def test_bad_input_is_refused(bad, error):
    with pytest.raises(error):
        bad()


def test_config_round_trip_and_initializers_get():
    spec = ui.Mixture([ui.Uniform(5, 10), ui.Zeros(), ui.Uniform(-10, -5)], [0.25, 0.5, 0.25])
    init = spec.to_keras(seed=4, layout="keras_conv_transpose")
    again = K.SpecInitializer.from_config(init.get_config())
    assert again.spec == spec and again.seed == 4 and again.layout.name == "keras_conv_transpose"
    config = keras.initializers.serialize(init)
    json.dumps(config)
    got = keras.initializers.get(config)
    assert isinstance(got, K.SpecInitializer) and got.spec == spec
    np.testing.assert_array_equal(numpy(got((10, 10))), numpy(init((10, 10))))
    misspelt = {("sed" if k == "seed" else k): x for k, x in init.get_config().items()}  # a hand-edited config
    with pytest.raises(ValueError, match=r"^SpecInitializer.from_config: parameter 'sed' is not a SpecInitializer "
                                         r"keyword; allowed: spec, seed, layout, portable \(as get_config\(\)"):
        K.SpecInitializer.from_config(misspelt)  # Python's bare "unexpected keyword argument" before


SAVE = textwrap.dedent("""
    import json, sys, keras, unifiedinit as ui
    model = keras.Sequential([keras.Input((4,)),
                              keras.layers.Dense(8, kernel_initializer=ui.XavierUniform().to_keras(seed=1),
                                                 bias_initializer=ui.Zeros().to_keras()),
                              keras.layers.Dense(1, kernel_initializer=ui.Constant(42).to_keras())])
    model.save(sys.argv[1])
    print(json.dumps(keras.saving.serialize_keras_object(model.get_config()), sort_keys=True))
""")
LOAD = textwrap.dedent("""
    import json, sys, keras, unifiedinit
    model = keras.models.load_model(sys.argv[1])  # no custom_objects
    print(json.dumps(keras.saving.serialize_keras_object(model.get_config()), sort_keys=True))
""")


def test_a_model_saves_and_loads_in_a_fresh_process_without_custom_objects(tmp_path):
    """Either import order: unifiedinit imported before Keras registers its classes when Keras's import ends.
    One file saved, loaded by two fresh processes (a process costs Keras's import)."""
    path = str(tmp_path / "m.keras")
    saved = subprocess.run([sys.executable, "-c", SAVE, path], capture_output=True, text=True, timeout=300)
    assert saved.returncode == 0, saved.stderr[-3000:]
    assert "unifiedinit>SpecInitializer" in saved.stdout
    for first in ("keras", "unifiedinit"):
        load = LOAD.replace("import json, sys, keras, unifiedinit", "import json, sys, unifiedinit, keras") \
            if first == "unifiedinit" else LOAD
        assert load.index(first) < load.index("keras" if first == "unifiedinit" else "unifiedinit")
        loaded = subprocess.run([sys.executable, "-c", load, path], capture_output=True, text=True, timeout=300)
        assert loaded.returncode == 0, (first, loaded.stderr[-3000:])
        assert loaded.stdout.strip().splitlines()[-1] == saved.stdout.strip().splitlines()[-1], first


def test_seed_patterns():
    x = np.ones((2, 4), dtype="float32")
    net = keras.Sequential([
        keras.Input((4,)),
        layers.Dense(4, activation="relu", kernel_initializer=ui.Normal(0, 0.01).to_keras(),
                     bias_initializer=ui.Zeros().to_keras()),
        layers.Dense(1, kernel_initializer=ui.Constant(42).to_keras())])
    assert tuple(net(x).shape) == (2, 1)
    assert np.all(numpy(net.layers[1].kernel) == 42) and np.all(numpy(net.layers[0].bias) == 0)
    weird = ui.Mixture([ui.Uniform(5, 10), ui.Zeros(), ui.Uniform(-10, -5)], [0.25, 0.5, 0.25])
    dense = layers.Dense(300, kernel_initializer=weird.to_keras(seed=3))
    dense.build((None, 400))
    w = numpy(dense.kernel)
    assert abs(float((w == 0).mean()) - 0.5) < 4.5 * math.sqrt(0.25 / w.size)  # false failure ~7e-6
    assert stats.check(w, weird)


def test_layers_in_nested_lists_and_dicts_are_keyed_by_where_they_are_held():
    """Keys from the attributes and positions that hold each layer, nested containers included, never from
    Keras's automatic names: a model built twice gets the same values, and torch's twin the same keys."""
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.body = layers.Dense(8)  # under the torch backend held in nn.Module's _modules: keyed "body"
            self.stages = [[layers.Dense(8)], [layers.Dense(8)]]
            self.heads = {"main": [layers.Dense(2)]}

        def call(self, x):
            x = self.body(x)
            for stage in self.stages:
                for dense in stage:
                    x = dense(x)
            return self.heads["main"][0](x)

    def build():
        net = Net()
        net(np.ones((1, 8), dtype="float32"))
        return net

    first, second = build(), build()
    keys = [p.key for p in ui.presets.keras.apply(first, seed=0, portable=True).params]
    assert keys == [p.key for p in ui.presets.keras.apply(second, seed=0, portable=True).params]
    assert keys == ["body/weight", "body/bias", "stages/0/0/weight", "stages/0/0/bias", "stages/1/0/weight",
                    "stages/1/0/bias", "heads/main/0/weight", "heads/main/0/bias"]
    assert all(np.array_equal(numpy(a), numpy(b)) for a, b in zip(first.weights, second.weights))


def test_a_dicts_decimal_keys_are_positions_as_torchs_module_dict_ranks_them():
    """Layers held in a dict under layer numbers ("1", "3"): the keys are positions in a sequence of layers, ranked
    (blocks/0, blocks/1) as torch's ModuleDict (and NNX's nnx.Dict, Equinox's dict) give them, whatever the
    dict's order; they were kept as names, so portable values differed from torch's and Scaled "l + 1" was
    refused. A key that is not decimal stays a name."""
    torch = pytest.importorskip("torch")

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.blocks = {"3": layers.Dense(4), "1": layers.Dense(4)}
            self.heads = {"main": layers.Dense(4)}

        def call(self, x):
            return self.heads["main"](self.blocks["3"](self.blocks["1"](x)))

    class T(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = torch.nn.ModuleDict({"3": torch.nn.Linear(4, 4), "1": torch.nn.Linear(4, 4)})
            self.heads = torch.nn.ModuleDict({"main": torch.nn.Linear(4, 4)})

    net, t = Net(), T()
    net(np.ones((1, 4), dtype="float32"))
    plan = ui.Plan().rule(ui.Normal(0, 1), role="weight").rule(ui.Zeros(), role="bias")
    keys = sorted(p.key for p in plan.apply(net, seed=0, portable=True).params)
    assert keys == sorted(p.key for p in plan.apply(t, seed=0, portable=True).params)
    assert keys == ["blocks/0/bias", "blocks/0/weight", "blocks/1/bias", "blocks/1/weight", "heads/main/bias",
                    "heads/main/weight"]
    for kept, theirs in ((net.blocks["1"], t.blocks["1"]), (net.blocks["3"], t.blocks["3"]),
                         (net.heads["main"], t.heads["main"])):
        np.testing.assert_array_equal(numpy(kept.kernel).T, theirs.weight.detach().numpy())
    depth = ui.Plan().rule(ui.Scaled(ui.Constant(1.0), "l + 1"), role="weight").rule(ui.Zeros(), role="bias") \
        .rule(ui.Zeros(), path="heads/*")  # in no sequence: "l + 1" refuses it
    depth.apply(net, seed=0)
    depth.apply(t, seed=0)
    assert [float(numpy(net.blocks[k].kernel)[0, 0]) for k in ("1", "3")] == \
        [float(t.blocks[k].weight.detach()[0, 0]) for k in ("1", "3")] == [1.0, 2.0]


def test_a_layer_held_in_a_set_is_keyed_by_its_attribute_and_several_are_refused_before_any_write():
    """Keras tracks sets of layers too; a set has no order, so one layer there is keyed ``attr/0`` (a model built
    twice gets the same portable values, not keys from Keras's automatic names) and several are refused, naming
    the attribute, with every weight as it was."""
    class Net(keras.Model):
        def __init__(self, n):
            super().__init__()
            self.heads = {layers.Dense(3) for _ in range(n)}

        def call(self, x):
            return [h(x) for h in self.heads][0]

    def build(n):
        net = Net(n)
        net(np.ones((1, 4), dtype="float32"))
        return net

    first, second = build(1), build(1)
    keys = [p.key for p in ui.presets.keras.apply(first, seed=0, portable=True).params]
    assert keys == [p.key for p in ui.presets.keras.apply(second, seed=0, portable=True).params]
    assert keys == ["heads/0/weight", "heads/0/bias"]
    assert all(np.array_equal(numpy(a), numpy(b)) for a, b in zip(first.weights, second.weights))
    several = build(2)
    before = [numpy(w).copy() for w in several.weights]
    with pytest.raises(ValueError, match=r"'heads' of layer .* holds 2 layers in a set, which has no order"):
        ui.presets.keras.apply(several, seed=0, portable=True)
    assert all(np.array_equal(numpy(w), b) for w, b in zip(several.weights, before))


def test_unnamed_weights_of_one_layer_are_keyed_by_their_order_not_by_keras_counter():
    # add_weight without a name gives variable, variable_1, ... from a counter of the process: a second build
    # is variable_2, variable_3; keyed by their order in the layer, both builds get the same values
    class Two(layers.Layer):
        def build(self, shape):
            self.a = self.add_weight(shape=(4,), initializer="ones")
            self.b = self.add_weight(shape=(4,), initializer="zeros")

        def call(self, x):
            return x * self.a + self.b

    plan = ui.Plan().rule(ui.Normal(0.0, 1.0), kind="other")
    built = [keras.Sequential([keras.Input((4,)), Two()]) for _ in range(2)]
    keys = [[e.param.key for e in plan.apply(m, seed=0, portable=True).entries] for m in built]
    assert keys[0] == keys[1] == ["0/other/0", "0/other/1"]
    assert all(np.array_equal(numpy(a), numpy(b)) for a, b in zip(built[0].weights, built[1].weights))

    class NamedAndUnnamed(layers.Layer):  # one unnamed weight beside a named one of the same role
        def build(self, shape):
            self.a = self.add_weight(shape=(4,), initializer="ones", name="foo")
            self.b = self.add_weight(shape=(4,), initializer="zeros")

        def call(self, x):
            return x * self.a + self.b

    # the unnamed one was told apart by its counted name (0/other:variable, then 0/other:variable_3): other values
    built = [keras.Sequential([keras.Input((4,)), NamedAndUnnamed()]) for _ in range(2)]
    keys = [[e.param.key for e in plan.apply(m, seed=0, portable=True).entries] for m in built]
    assert keys[0] == keys[1] == ["0/other", "0/other/0"]
    assert all(np.array_equal(numpy(a), numpy(b)) for a, b in zip(built[0].weights, built[1].weights))


def test_a_wrapper_that_tracks_its_layers_kernel_leaves_it_to_that_layer():
    # SpectralNormalization tracks its Dense's kernel as its own too: the kernel is the Dense's weight (drawn by
    # the preset), and the wrapper's own power-iteration vector is its own, drawn as Keras draws it (its law:
    # tests/models/test_keras_models.py)
    model = keras.Sequential([keras.Input((8,)), layers.SpectralNormalization(layers.Dense(16))])
    report = ui.inspect(model, ui.presets.keras)
    kinds = {e.param.path.rsplit("/", 1)[-1]: (e.param.kind, e.param.role, e.param.layer) for e in report.entries}
    assert kinds == {"kernel": ("dense", "weight", "Dense"), "bias": ("dense", "bias", "Dense"),
                     "vector_u": ("other", "other", "SpectralNormalization")}
    assert not report.unmatched


def test_a_depthwise_convolution_computes_torchs_grouped_convolution_in_portable_mode():
    # Keras's (kh, kw, in, multiplier) kernel holds torch's (in x multiplier, 1, kh, kw) weight's entries: the
    # same portable plan gives the same layer (torch's Conv2d with one group per input channel)
    torch = pytest.importorskip("torch")
    plan = ui.Plan().rule(ui.KaimingUniform(a=5 ** 0.5), role=("weight", "bias"))
    x = np.random.default_rng(0).standard_normal((2, 6, 7, 4)).astype("float32")
    ours = keras.Sequential([keras.Input((6, 7, 4)), layers.DepthwiseConv2D(3, depth_multiplier=2)])
    theirs = torch.nn.Sequential(torch.nn.Conv2d(4, 8, 3, groups=4))
    plan.apply(ours, seed=4, portable=True)
    plan.apply(theirs, seed=4, portable=True)
    with torch.no_grad():
        want = theirs(torch.from_numpy(x.transpose(0, 3, 1, 2))).numpy().transpose(0, 2, 3, 1)
    np.testing.assert_allclose(numpy(ours(x)), want, rtol=1e-4, atol=1e-5)


def test_a_sublayer_that_was_never_built_is_named():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.body, self.aux_head, self.drop = layers.Dense(8), layers.Dense(3), layers.Dropout(0.1)

        def call(self, x):
            return self.body(x)

    net = Net()
    net(np.ones((1, 4), dtype="float32"))
    with pytest.warns(UserWarning, match=r"1 layer\(s\) are not built.*: aux_head;") as caught:
        ui.presets.keras.apply(net, seed=0)
    assert not any("drop" in str(w.message) for w in caught)  # a layer without weights is no loss


def test_first_and_second_never_reads_a_keras_automatic_name_as_a_position():
    """Its default globs are a Sequential's children "0" and "1". Keras's automatic names (``sequential_1/dense_2``)
    are no positions: before, ``*1/*`` matched ``sequential_1/`` and put 42 on the first layer, then the rules
    matched nothing. A glob now sees the path through the Sequential's positions (``1/kernel``) as well."""
    for _ in range(3):  # each build's automatic names differ
        net = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.Dense(1)])
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)  # both rules match
            report = ui.presets.first_and_second().apply(net, seed=0)
        assert [str(e.spec) for e in report.entries] == ["XavierUniform(gain=1.0)", "Constant(value=42.0)"]
        assert np.all(numpy(net.layers[1].kernel) == 42) and not np.any(numpy(net.layers[0].kernel) == 42)
    named = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="fc1"), layers.Dense(1, name="fc2")])
    ui.presets.first_and_second(first_path="*fc1/*", second_path="*fc2/*").apply(named, seed=0)
    assert np.all(numpy(named.layers[1].kernel) == 42) and not np.any(numpy(named.layers[0].kernel) == 42)


@pytest.mark.parametrize("equation,output_shape,input_shape", [("abc,cd->abd", (None, 24), (5, 40)),
                                                               ("ab,bc->ac", (24,), (40,))])
def test_einsum_dense_with_a_2d_kernel_walks_with_keras_fans(equation, output_shape, input_shape):
    """The most common EinsumDense (a 2-D kernel) used to make the walk raise: the named multi-head layouts were
    resolved for a rank they do not fit. Its kernel is a Dense kernel: layout "keras", Keras's own fans."""
    from keras.src.initializers.random_initializers import compute_fans
    inp = keras.Input(input_shape)
    model = keras.Model(inp, layers.EinsumDense(equation, output_shape=output_shape)(inp))
    report = ui.inspect(model, ui.presets.keras)
    (entry,) = [e for e in report.entries if e.param.role == "weight"]
    assert entry.param.layout == "keras"
    assert entry.param.info().fans == compute_fans(entry.param.shape)
    ui.presets.keras.apply(model, seed=0)  # and the preset writes it
    assert np.all(np.isfinite(numpy(model.layers[-1].kernel)))


def test_a_keras_model_belongs_to_keras_under_every_keras_backend():
    """Under KERAS_BACKEND=torch a Keras layer is also a torch nn.Module; it is still Keras's (its variables, its
    layouts): the torch backend used to claim it, and a plan then walked Keras's internal parameter dict."""
    from unifiedinit.backends import backend_for
    inp = keras.Input((6,))
    model = keras.Model(inp, layers.Dense(3)(inp))
    assert backend_for(model).NAME == "keras"
    params = ui.inspect(model, ui.presets.keras).params  # paths carry Keras's auto-numbered layer names
    assert [(p.kind, p.role, p.shape) for p in params] == [("dense", "weight", (6, 3)), ("dense", "bias", (3,))]


def test_the_counter_stream_is_computed_by_the_keras_backend_and_is_numpy_s(monkeypatch):
    """portable="counter": under jax and torch the backend computes it (NumPy's reference is refused here), under
    tensorflow NumPy does; the values are the reference's everywhere."""
    import numpy as np

    import unifiedinit.reference as reference
    model = keras.Sequential([keras.Input((30,)), keras.layers.Dense(24, name="fc"),
                              keras.layers.LayerNormalization(name="n")])
    if keras.backend.backend() in ("jax", "torch"):
        def refused(*args, **kwargs):
            raise AssertionError("counter values were computed on the host")
        monkeypatch.setattr(reference, "_counter", refused)
    report = ui.presets.torch.apply(model, seed=4, portable="counter")
    monkeypatch.undo()
    from unifiedinit.apply import records
    handles = {p.path: h for p, h in records(model)[1]}
    checked = 0
    for e in report.entries:
        if e.spec is not None:
            got = keras.ops.convert_to_numpy(handles[e.param.path].value)
            assert np.array_equal(got, ui.presets.torch.portable_values(e, 4, stream="counter")), e.param.path
            checked += 1
    assert checked == 4
    # float16 from the float64 stream, rounded once: torch's own conversion rounds twice (through float32), which
    # put about 15 entries in 262,144 one ulp off under the torch backend
    half = keras.Sequential([keras.Input((512,)), keras.layers.Dense(512, name="fc", dtype="float16")])
    normal = ui.Plan().rule(ui.Normal(), role="weight")
    report = normal.apply(half, seed=4, portable="counter")
    kernel = half.layers[0].kernel
    assert keras.backend.standardize_dtype(kernel.dtype) == "float16"
    assert np.array_equal(keras.ops.convert_to_numpy(kernel.value),
                          normal.portable_values(report.entries[0], 4, stream="counter"))


# ------------------------------------------------------------- layers whose state is not a plain float kernel

def test_an_adapted_normalization_computes_with_what_the_preset_wrote():
    # adapt() leaves copies of mean and variance that the layer computes with (finalize_state): the preset's
    # 0 and 1 reach them, so the layer's output follows its variables under every backend
    norm = layers.Normalization()
    norm.adapt(np.random.default_rng(0).uniform(3, 8, (64, 4)).astype("float32"))
    x = np.full((1, 4), 2.0, "float32")
    assert not np.allclose(keras.ops.convert_to_numpy(norm(x)), x)
    ui.presets.keras.apply(norm, seed=0)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(norm(x)), x, rtol=1e-6)


def test_a_quantized_kernel_is_reported_and_a_rule_that_cannot_hold_it_is_refused_before_writing():
    dense = layers.Dense(8)
    dense.build((None, 4))
    dense.quantize("int8")
    report = ui.presets.keras.apply(dense, seed=0)
    assert {(p.path.rsplit("/", 1)[-1], p.dtype) for p in report.unmatched} == {("kernel", "int8"),
                                                                               ("kernel_scale", "float32")}
    before = [keras.ops.convert_to_numpy(v).copy() for v in dense.weights]
    with pytest.raises(TypeError, match="'dense.*kernel'.*int8, which cannot hold random values"):
        ui.Plan().rule(ui.Normal(0, 0.02), role="quantization").apply(dense, seed=0)
    for old, v in zip(before, dense.weights):
        np.testing.assert_array_equal(old, keras.ops.convert_to_numpy(v))
    # a catch-all rule leaves the quantized state alone, as it leaves running statistics: it zeroed the scales
    report = ui.Plan().rule(ui.Zeros()).apply(dense, seed=0)
    assert [p.path.rsplit("/", 1)[-1] for p in report.params if p.role == "quantization"] == ["kernel",
                                                                                              "kernel_scale"]
    for old, v in zip(before, dense.weights):
        if not v.path.endswith("bias"):
            np.testing.assert_array_equal(old, keras.ops.convert_to_numpy(v))


def test_group_query_attention_is_attention_and_renorm_statistics_are_statistics():
    gqa = layers.GroupQueryAttention(head_dim=8, num_query_heads=4, num_key_value_heads=2)
    x = np.ones((1, 3, 16), "float32")
    gqa(x, x)
    report = ui.presets.torch.apply(gqa, seed=0)  # torch's MultiheadAttention: zero biases, Xavier weights
    assert {e.param.kind for e in report.entries} == {"attention"}
    assert all(not keras.ops.convert_to_numpy(v).any() for v in gqa.weights if v.path.endswith("bias"))
    bn = layers.BatchNormalization(renorm=True)
    bn.build((None, 3))
    roles = {v.path.rsplit("/", 1)[-1]: p.role for p, v in ui.backends.keras.walk(bn)}
    assert roles["moving_stddev"] == roles["renorm_stddev"] == "running_var" and roles["renorm_mean"] == "running_mean"
    for v in bn.weights:  # trained statistics
        v.assign(np.full((3,), 3.0, "float32"))
    ui.Plan().rule(ui.Normal(0, 0.02)).apply(bn, seed=0)  # a catch-all never writes statistics
    values = {v.path.rsplit("/", 1)[-1]: keras.ops.convert_to_numpy(v) for v in bn.weights}
    assert all((values[n] == 3).all() for n in ("moving_stddev", "renorm_stddev", "renorm_mean"))
    ui.presets.keras.apply(bn, seed=1)  # Keras's own: stddevs 1, means 0
    values = {v.path.rsplit("/", 1)[-1]: keras.ops.convert_to_numpy(v) for v in bn.weights}
    assert (values["moving_stddev"] == 1).all() and (values["renorm_stddev"] == 1).all()
    assert (values["renorm_mean"] == 0).all()


def test_presets_keras_gives_lora_factors_kerass_own_init():
    # enable_lora(rank): the a factor he_uniform (fan_in: its axis -2, as Keras's compute_fans), the b factor zeros
    from unifiedinit.verify import stats
    dense, embed = layers.Dense(300), layers.Embedding(500, 64)
    dense.build((None, 256))
    embed.build((None,))
    dense.enable_lora(200)
    embed.enable_lora(100)
    for layer, a, b in ((dense, "lora_kernel_a", "lora_kernel_b"), (embed, "lora_embeddings_a", "lora_embeddings_b")):
        own = keras.ops.convert_to_numpy(getattr(layer, a)).copy()  # what enable_lora drew: Keras's own init
        report = ui.presets.keras.apply(layer, seed=0)
        assert not report.unmatched
        ours = keras.ops.convert_to_numpy(getattr(layer, a))
        assert not np.array_equal(ours, own) and stats.ks_2samp(ours.ravel(), own.ravel())[1] > ALPHA, a
        assert stats.check(ours, ui.KaimingUniform(), layout="keras", alpha=ALPHA)  # and the law we say it is
        assert not keras.ops.convert_to_numpy(getattr(layer, b)).any()


def test_presets_keras_gives_the_attention_layers_scales_kerass_own_init():
    from unifiedinit.verify import stats
    q = np.ones((1, 3, 400), "float32")
    dot, concat, additive = (layers.Attention(use_scale=True), layers.Attention(score_mode="concat"),
                             layers.AdditiveAttention())
    for layer in (dot, concat, additive):
        layer([q, q])
        report = ui.presets.keras.apply(layer, seed=0)
        assert not report.unmatched, report.unmatched
    assert (keras.ops.convert_to_numpy(dot.scale) == 1).all()
    assert (keras.ops.convert_to_numpy(concat.concat_score_weight) == 1).all()
    # glorot_uniform on a (400,) vector: Keras's fans (400, 400), bound sqrt(6 / 800)
    assert stats.check(keras.ops.convert_to_numpy(additive.scale), ui.Uniform(-math.sqrt(6 / 800), math.sqrt(6 / 800)))


def test_fit_of_a_quantized_model_names_the_float_tensors_and_its_plan_applies():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(8)])
    model.layers[0].quantize("int8")
    report = ui.fit(model)
    # the int8 kernel and its scale are quantization state, not drawn from a law: not fitted, not redrawn
    assert {row.path.rsplit("/", 1)[-1] for row in report.rows} == {"bias"}
    scale = keras.ops.convert_to_numpy(model.layers[0].kernel_scale).copy()
    report.to_plan().apply(model, seed=0)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(model.layers[0].kernel_scale), scale)


def test_a_keras_port_of_a_norm_with_torch_names_gets_its_scale_and_shift_like_torch():
    """A hand-written Keras port of LlamaRMSNorm (``add_weight(name="weight")``), or of a norm with ``weight`` and
    ``offset``, is a norm whose weights are named as torch names them: before, Keras read them by its own names
    only (role "other"), so no recipe reached them, where torch's walk gives scale and shift."""
    torch = pytest.importorskip("torch")

    class LlamaRMSNorm(layers.Layer):
        def build(self, input_shape):
            self.weight = self.add_weight(shape=(input_shape[-1],), initializer="zeros", name="weight")

        def call(self, x):
            return x * self.weight

    class OffsetNorm(layers.Layer):
        def build(self, input_shape):
            self.weight = self.add_weight(shape=(input_shape[-1],), initializer="zeros", name="weight")
            self.offset = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="offset")

        def call(self, x):
            return x * self.weight + self.offset

    class TorchLlamaRMSNorm(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.zeros(8))

    class TorchOffsetNorm(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.zeros(8))
            self.offset = torch.nn.Parameter(torch.ones(8))

    for plan in (ui.presets.llama(), ui.presets.keras, ui.presets.torch):
        for port, twin in ((LlamaRMSNorm(), TorchLlamaRMSNorm()), (OffsetNorm(), TorchOffsetNorm())):
            port.build((None, 8))
            theirs = ui.inspect(twin, plan)
            report = plan.apply(port, seed=0)
            assert not report.unmatched and not theirs.unmatched, plan.name
            assert [(e.param.kind, e.param.role, e.spec) for e in report.entries] == \
                [(e.param.kind, e.param.role, e.spec) for e in theirs.entries], plan.name
            assert np.all(numpy(port.weight) == 1), plan.name
            if isinstance(port, OffsetNorm):
                assert not np.any(numpy(port.offset)), plan.name


def test_a_fan_based_spec_takes_kerass_own_fans_on_a_vector_and_a_scalar():
    # to_keras() refused a rank-0 or rank-1 tensor (a Dense bias) for a fan-based spec, advising layer_fans=, which
    # it does not take; Keras's own initializers take compute_fans' rule there: (n, n) for n entries, (1, 1) for a
    # scalar. Each KS check at level ALPHA, seeds fixed.
    from keras.src.initializers.random_initializers import compute_fans
    for layout in ("keras", "keras_conv_transpose", "keras_depthwise", "keras_embedding"):
        for shape in ((5,), (), (1,)):
            assert ui.XavierUniform().to_keras(layout=layout).tensor_info(shape).fans == compute_fans(shape)
    n = 20000
    ours = numpy(ui.XavierUniform().to_keras(seed=0)((n,)))
    bound = math.sqrt(6.0 / (n + n))  # Glorot's bound on fans (n, n)
    assert ours.shape == (n,) and np.all(np.abs(ours) <= bound)
    assert stats.check(ours, D.Uniform(-bound, bound), alpha=ALPHA)  # the exact law
    assert stats.ks_2samp(ours, numpy(keras.initializers.GlorotUniform(seed=1)((n,))))[1] > ALPHA
    he = numpy(ui.VarianceScaling(2.0, "fan_in", "truncated_normal").to_keras(seed=0)((n,)))
    assert stats.ks_2samp(he, numpy(keras.initializers.HeNormal(seed=1)((n,))))[1] > ALPHA  # Keras's, this run
    # the exact law of the spec on fans (n, n), given here rather than read from the tensor
    assert stats.check(he, ui.VarianceScaling(2.0, "fan_in", "truncated_normal"), layer_fans=(n, n), alpha=ALPHA)
    # a Dense bias, as Keras's GlorotUniform fills one; a scalar; the portable values on the same fans
    dense = layers.Dense(4, bias_initializer=ui.XavierUniform().to_keras(seed=0))
    dense.build((None, 3))
    assert np.all(np.abs(numpy(dense.bias)) <= math.sqrt(6.0 / 8)) and np.unique(numpy(dense.bias)).size == 4
    scalar = numpy(ui.XavierUniform().to_keras(seed=0)(()))
    assert scalar.shape == () and abs(float(scalar)) <= math.sqrt(3.0)
    portable = ui.Portable(3, "bias")
    got = numpy(ui.XavierUniform().to_keras(portable=portable)((5,)))
    assert np.array_equal(got, portable.values(ui.XavierUniform(), (5,), "keras", "float32", (5, 5)))


def test_a_fan_based_spec_still_refuses_a_zero_size_vector_and_a_vector_in_another_layout():
    with pytest.raises(ValueError, match=r"cannot scale a tensor of shape \(0,\): its fans are \(fan_in=0, "
                                         r"fan_out=0\); every dimension must be > 0"):
        ui.XavierUniform().to_keras()((0,))
    for layout in ("torch", ui.Layout("mine", (0,), (1,))):
        with pytest.raises(ValueError, match=r"layout '(torch|mine)': a fan-based initializer needs a tensor with at "
                                             r"least 2 dimensions, got 1 \(.*; this initializer takes no layer_fans, "
                                             r"but a Keras layout, such as 'keras', gives a tensor under 2 "
                                             r"dimensions Keras's compute_fans"):  # to_keras takes no layer_fans
            ui.XavierUniform().to_keras(layout=layout)((5,))
    assert numpy(ui.Constant(0.5).to_keras(layout="torch")((0,))).shape == (0,)  # no fans needed: no refusal
    with pytest.raises(ValueError, match="Orthogonal: needs a tensor with at least 2"):  # as Keras's Orthogonal
        ui.Orthogonal().to_keras()((5,))


def test_a_dtype_refusal_names_the_dtype_parameter_that_init_takes():
    # init(shape, dtype=None) has no parameter 'tensor', which the refusal named
    import inspect
    from unifiedinit.backends.keras import initializers as KI
    init = ui.Normal().to_keras(seed=0)
    assert list(inspect.signature(init.__call__).parameters) == ["shape", "dtype"]
    with pytest.raises(TypeError, match=r"^parameter 'dtype' asks for dtype int32, which cannot hold random values; "
                                        r"allowed: float16, bfloat16, float32, float64$"):
        init((3, 4), dtype="int32")
    with pytest.raises(ValueError, match=r"^parameter 'dtype' asks for dtype int8, which cannot hold the values of "
                                         r"Constant\(value=300\.0\)"):
        ui.Constant(300).to_keras()((2,), dtype="int8")
    # the drop-ins: through the hook, and through Keras's own cast of a constant or an identity to an integer
    with pytest.raises(TypeError, match=r"^parameter 'dtype' asks for dtype int32, which cannot hold random"):
        KI.RandomNormal(seed=0)((3, 4), dtype="int32")
    with pytest.raises(ValueError, match=r"^parameter 'dtype' asks for dtype int8, which cannot hold the values of "
                                         r"Constant\(value=300\.0\)"):
        KI.Constant(300.7)((2,), dtype="int8")
    with pytest.raises(ValueError, match=r"^parameter 'dtype' asks for dtype int8, which cannot hold the values of "
                                         r"Eye\(gain=300\.0\)"):
        KI.Identity(gain=300.0)((2, 2), dtype="int8")


def test_the_equinox_preset_draws_a_separable_convs_depthwise_kernel_as_equinoxs_depthwise_conv():
    """Equinox's twin of a separable conv is a depthwise Conv2d(C, C*m, k, groups=C), U(+-1/sqrt(kh*kw)), then a
    pointwise Conv2d(C*m, out, 1), U(+-1/sqrt(C*m)). The preset drew the depthwise kernel with the layer's fans,
    the pointwise kernel's (U(+-1/sqrt(24)) here, about a third of Equinox's bound on Xception's 3x3 kernels)."""
    layer = layers.SeparableConv2D(6, 3, depth_multiplier=3)
    layer.build((None, 16, 16, 8))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ui.presets.equinox.apply(layer, seed=0)
    depthwise = np.asarray(keras.ops.convert_to_numpy(layer.depthwise_kernel), np.float64)
    pointwise = np.asarray(keras.ops.convert_to_numpy(layer.pointwise_kernel), np.float64)
    for values, bound in ((depthwise, 1 / 3), (pointwise, 1 / math.sqrt(24))):
        assert np.abs(values).max() <= bound
        assert stats.check(values.ravel(), ui.Uniform(-bound, bound), alpha=ALPHA)  # fails w.p. ALPHA each
    jax = pytest.importorskip("jax")
    eqx = pytest.importorskip("equinox")
    twins = [eqx.nn.Conv2d(8, 24, 3, groups=8, key=k).weight for k in jax.random.split(jax.random.key(0), 8)]
    assert stats.ks_2samp(depthwise.ravel(), np.concatenate([np.ravel(t) for t in twins]))[1] > ALPHA


def test_a_users_layer_under_a_private_name_is_keyed_as_torchs_twin():
    """A user's `self._proj` was keyed `proj` (the underscore stripped, as for MHA's own `_query_dense`): its
    portable values were not torch's `_proj`, and a layer holding `proj` and `_proj` was refused as two tensors of
    one key. Keras's own layers keep their stripped names."""
    torch = pytest.importorskip("torch")

    class Net(layers.Layer):
        def __init__(self):
            super().__init__()
            self._proj, self.proj = layers.Dense(4), layers.Dense(4)

        def build(self, input_shape):
            self._proj.build(input_shape)
            self.proj.build(input_shape)

    class Twin(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self._proj, self.proj = torch.nn.Linear(3, 4), torch.nn.Linear(3, 4)

    net, twin = Net(), Twin()
    net.build((None, 3))
    report = ui.presets.torch.apply(net, seed=0, portable=True)
    ui.presets.torch.apply(twin, seed=0, portable=True)
    assert sorted(e.param.key for e in report.entries) == ["_proj/bias", "_proj/weight", "proj/bias", "proj/weight"]
    for mine, theirs in ((net._proj, twin._proj), (net.proj, twin.proj)):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(mine.kernel), theirs.weight.detach().numpy().T)
    attention = layers.MultiHeadAttention(2, 4)
    attention.build((None, 3, 8), (None, 3, 8))
    assert "query_dense/weight" in {e.param.key for e in ui.inspect(attention, ui.presets.torch).entries}


class _TiedHead(layers.Layer):
    """A GPT-2-style output head: logits = h @ table.T, with the embedding's own table."""

    def __init__(self, table: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.table = table

    def call(self, h: Any) -> Any:
        return keras.ops.matmul(h, keras.ops.transpose(self.table))


@pytest.mark.parametrize("head", ["lm_head", "z_head"])
def test_a_tied_heads_table_is_the_embeddings_whatever_the_heads_attribute_sorts_as(head):
    """The head tracks the table as its own `embeddings`: that name gave it the role embedding too, so the owner
    fell to path order and a head at `lm_head` (sorting before `token_embedding`) owned the table as kind other,
    which presets left at its old values without a warning. The embedding owns it, as README says."""
    model = keras.Model()
    model.token_embedding = layers.Embedding(500, 32)
    model.token_embedding.build((None, 4))
    setattr(model, head, _TiedHead(model.token_embedding.embeddings))
    getattr(model, head).build((None, 32))
    model.built = True
    table: Any = model.token_embedding.embeddings  # Keras types it as an optional tensor
    table.assign(np.full((500, 32), 7.0, "float32"))  # trained values, to be reset
    (p, _), = ui.backends.keras.walk(model)
    assert (p.kind, p.role, p.names, p.aliases) == ("embedding", "embedding", ("token_embedding/embeddings",),
                                                    (f"{head}/embeddings",))
    report = ui.presets.keras.apply(model, seed=0)
    assert not report.unmatched
    # Keras's own "uniform": U(+-0.05); a correct draw fails this KS and variance check with probability <= 1e-4
    assert stats.check(numpy(model.token_embedding.embeddings), ui.Uniform(-0.05, 0.05), alpha=ALPHA)


class _PositionEmbedding(layers.Layer):
    """A learned position table as keras_hub's PositionEmbedding holds it: a plain layer's own ``embeddings``."""

    def build(self, input_shape: Any) -> None:
        self.embeddings = self.add_weight(name="embeddings", shape=(16, 8))


def test_a_plain_layers_own_embeddings_table_keeps_the_embedding_role():
    """A table a plain layer holds as its own ``embeddings`` (keras_hub's PositionEmbedding) is an embedding by its
    name, so ``role="embedding"`` rules and its key read it as one, as before a tied head's table was left to the
    embedding layer by ownership rather than by role."""
    layer = _PositionEmbedding()
    layer.build((None, 4))
    (p, _), = ui.backends.keras.walk(layer)
    assert p.role == "embedding"
    assert not ui.inspect(layer, ui.Plan().rule(ui.Zeros(), role="embedding")).unmatched


class _QKNormAttention(layers.MultiHeadAttention):
    """MultiHeadAttention with a QK-norm: a LayerNormalization of its own beside its projections."""

    def build(self, query_shape: Any, value_shape: Any, key_shape: Any = None) -> None:
        super().build(query_shape, value_shape, key_shape)
        self.q_norm = layers.LayerNormalization()
        self.q_norm.build((None, self._key_dim))


def test_a_norm_inside_an_attention_layer_is_a_norm_and_its_projections_are_the_attentions():
    """Every child of an attention layer was kind attention: presets skipped a QK-norm's gamma and beta (kept at
    their old values, no warning) and param_groups decayed them. A norm held by attention is a norm, as Flax's."""
    mha = _QKNormAttention(4, 16)
    x = np.zeros((2, 5, 48), "float32")
    mha(x, x)
    for var in cast("list[Any]", [mha.q_norm.gamma, mha.q_norm.beta]):  # Keras types them as optional tensors
        var.assign(np.full((16,), 7.0, "float32"))  # trained values, to be reset
    kinds = {str(p.key_parts[-1]).lstrip("_"): p.kind for p, _ in ui.backends.keras.walk(mha)}
    assert kinds == {"query_dense": "attention", "key_dense": "attention", "value_dense": "attention",
                     "output_dense": "attention", "q_norm": "norm"}
    report = ui.presets.keras.apply(mha, seed=0)
    assert not report.unmatched
    assert (numpy(mha.q_norm.gamma) == 1).all() and (numpy(mha.q_norm.beta) == 0).all()  # Keras's own: ones, zeros
    no_decay = {id(v) for v in ui.param_groups(mha)}
    assert id(mha.q_norm.gamma) in no_decay and id(mha.q_norm.beta) in no_decay
    assert id(mha._query_dense.kernel) not in no_decay


class _StackedExperts(layers.Layer):
    """Four Dense(100 -> 300) stacked: kernel (4, 100, 300), bias (4, 300)."""

    def build(self, input_shape: Any) -> None:
        self.w = self.add_weight(shape=(4, 100, 300), name="w")
        self.b = self.add_weight(shape=(4, 300), name="b")


def test_a_registered_stacked_layer_has_one_layers_fans():
    """The fans came from the whole stacked kernel (the stack axis read as a receptive field): (400, 1200) where
    one Dense(100 -> 300) has (100, 300), so a rule on layer fans drew the bias U(+-0.05) for torch's U(+-0.1)."""
    ui.register_layer(_StackedExperts, "dense", roles={"w": "weight", "b": "bias"}, stacked=1)
    experts, dense = _StackedExperts(), layers.Dense(300)
    experts.build(None)
    dense.build((None, 100))
    one_layer = {p.layer_fans for p, _ in ui.backends.keras.walk(dense)}
    assert {p.layer_fans for p, _ in ui.backends.keras.walk(experts)} == one_layer == {(100, 300)}
    ui.presets.torch.apply(experts, seed=0)
    # torch's Linear bias U(+-1/sqrt(fan_in)); a correct draw fails this KS and variance check w.p. <= 1e-4
    assert stats.check(numpy(experts.b), ui.Uniform(-0.1, 0.1), alpha=ALPHA)


@pytest.mark.parametrize("make", [lambda: layers.Dense(16), lambda: layers.Embedding(300, 16)],
                         ids=["Dense", "Embedding"])
def test_an_int4_layers_group_index_is_quantization_state_that_a_catch_all_rule_leaves(make):
    """int4's float32 `g_idx` (each input row's group) had the role other: a catch-all Zeros() rewrote it and the
    layer's output moved. Every variable of a quantized layer but its bias and LoRA factors is its state."""
    layer = make()
    layer.build((None, 256) if isinstance(layer, layers.Dense) else (None, 4))
    layer.quantize("int4")
    roles = {v.path.rsplit("/", 1)[-1]: p.role for p, v in ui.backends.keras.walk(layer)}
    assert "g_idx" in roles and {r for n, r in roles.items() if n != "bias"} == {"quantization"}
    x = np.random.default_rng(0).normal(size=(4, 256)).astype("float32") if isinstance(layer, layers.Dense) else \
        np.arange(8, dtype="int32").reshape(2, 4)
    before = [numpy(v).copy() for v in layer.weights]
    out = numpy(layer(x))
    with warnings.catch_warnings():  # the Embedding has nothing else, so its rule matches nothing, as it should
        warnings.simplefilter("ignore", UserWarning)
        ui.Plan().rule(ui.Zeros()).apply(layer, seed=0)  # a Dense's bias is already 0: nothing may change
    for old, var in zip(before, layer.weights):
        np.testing.assert_array_equal(old, numpy(var))
    np.testing.assert_array_equal(out, numpy(layer(x)))


def test_lora_factors_of_a_quantized_layer_stay_rules_to_write():
    """The quantized layer's float variables are its state, except the LoRA factors trained on top of it."""
    dense = layers.Dense(8)
    dense.build((None, 4))
    dense.quantize("int8")
    dense.enable_lora(2)
    roles = {v.path.rsplit("/", 1)[-1]: p.role for p, v in ui.backends.keras.walk(dense)}
    assert roles["lora_kernel_a"] == roles["lora_kernel_b"] == "other"
    assert {p.path.rsplit("/", 1)[-1] for p in ui.presets.keras.apply(dense, seed=0).unmatched} == \
        {"kernel", "kernel_scale"}


class _StateSizeCell(layers.Layer):
    """A cell of Keras's RNN API: its size is in `state_size` alone (no `units`, no `filters`)."""

    def __init__(self, state_size: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.state_size = state_size

    def build(self, input_shape: Any) -> None:
        self.kernel = self.add_weight(shape=(input_shape[-1], 32), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(32, 32), name="recurrent_kernel")


@pytest.mark.parametrize("state_size", [32, [32, 32]], ids=["int", "per-state"])
def test_a_registered_cell_without_units_takes_its_size_from_state_size(state_size):
    """`getattr(layer, "units", None) or layer.filters` raised AttributeError 'filters' in every walk."""
    ui.register_layer(_StateSizeCell, "recurrent", roles={"kernel": "weight", "recurrent_kernel": "recurrent_weight"})
    cell, lstm = _StateSizeCell(state_size), layers.LSTMCell(32)
    cell.build((None, 8))
    lstm.build((None, 8))
    fans = {p.layer_fans for p, _ in ui.backends.keras.walk(cell)}
    assert fans == {p.layer_fans for p, _ in ui.backends.keras.walk(lstm)} == {(32, 32)}  # Keras's own cell
    assert not ui.presets.keras.apply(cell, seed=0).unmatched


@pytest.mark.parametrize("make", [lambda: ui.Normal().to_keras(seed=0),
                                  lambda: ui.backends.keras.initializers.GlorotUniform(seed=0)],
                         ids=["to_keras", "drop-in"])
@pytest.mark.parametrize("shape", [None, "ab"])
def test_a_shape_that_is_no_sequence_is_named(make, shape):
    # None raised tuple()'s "'NoneType' object is not iterable"; a str was read one character per axis
    with pytest.raises(TypeError, match=r"parameter 'shape' must be a sequence of integers, got (None|'ab')"):
        make()(shape)


@pytest.mark.parametrize("name", ["GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform",
                                  "LecunNormal"])
def test_a_named_drop_in_changed_after_construction_saves_and_loads_back_as_the_same_law(name, tmp_path):
    """A He/Glorot/Lecun drop-in whose scale, mode or distribution was changed after construction (which counts, as
    in Keras) saved a config its own from_config refused: model.save worked and load_model failed with
    "parameter 'spec' is ... scale=3.0, but Keras's arguments in the same config give scale=2.0"."""
    from unifiedinit.backends.keras import initializers as drop_ins
    init = getattr(drop_ins, name)(seed=1)
    init.scale, init.mode, init.distribution = 3.0, "fan_out", "untruncated_normal"
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, kernel_initializer=init)])
    path = str(tmp_path / "m.keras")
    model.save(path)
    again = keras.models.load_model(path).layers[0].kernel_initializer
    assert type(again) is type(init)
    assert again.spec == init.spec == ui.VarianceScaling(3.0, "fan_out", "normal")
    np.testing.assert_array_equal(numpy(again((30, 20))), numpy(init((30, 20))))
    # a config's changed arguments are checked as Keras's VarianceScaling checks them
    with pytest.raises(ValueError, match="Argument `scale` must be positive float"):
        type(init).from_config(dict(init.get_config(), scale=-1.0, spec=None))
    # an unchanged one saves Keras's own keys, which Keras's class of that name loads once 'spec' is dropped
    plain = getattr(drop_ins, name)(seed=1).get_config()
    assert {k: x for k, x in plain.items() if k != "spec"} == getattr(keras.initializers, name)(seed=1).get_config()


def test_stft_spectrogram_kernels_are_fixed_state_a_catch_all_rule_leaves():
    """STFTSpectrogram's Fourier kernels (keras.initializers.STFT) had the role other: a catch-all
    Normal(0, 0.02) rule overwrote them and the layer's mean |output| went from 0.5 to 2.1. They have the role
    "fixed": kept by catch-all rules and the presets, written only by a rule that names the role (which a saved
    plan keeps), a subclass's too."""
    if not hasattr(layers, "STFTSpectrogram"):
        pytest.skip("this Keras has no STFTSpectrogram")

    class Mine(layers.STFTSpectrogram):
        pass

    for cls in (layers.STFTSpectrogram, Mine):
        stft = cls(frame_length=32, frame_step=8, fft_length=32)
        model = keras.Sequential([keras.Input((256, 1)), stft, layers.Dense(2)])
        assert {p.path.rsplit("/", 1)[-1]: p.role for p, _ in K.walk(stft)} == \
            {"real_kernel": "fixed", "imag_kernel": "fixed"}
        x = np.random.default_rng(0).normal(size=(2, 256, 1)).astype("float32")
        out = numpy(stft(x))
        for plan in (ui.Plan().rule(ui.Normal(0, 0.02)), ui.presets.keras, ui.presets.torch):
            report = plan.apply(model, seed=0)
            assert {p.role for p in report.unmatched} == {"fixed"}
            np.testing.assert_array_equal(out, numpy(stft(x)))
        # Keras's own kernels, bit for bit: the framework's initializer, called as the layer calls it
        for side in ("real", "imag"):
            theirs = keras.initializers.STFT(side, "hann", "density", False)((32, 1, 17))
            np.testing.assert_array_equal(numpy(getattr(stft, f"{side}_kernel")), numpy(theirs))
    # a rule that names the role writes them, after a save and load too
    plan = ui.Plan.from_json(ui.Plan().rule(ui.Zeros(), role="fixed").to_json())
    assert plan.apply(model, seed=0).entries
    assert not numpy(stft.real_kernel).any() and not numpy(stft.imag_kernel).any()
    assert ui.Select(role=("fixed",)).matches(ui.Param("s/real_kernel", "other", "fixed", (32, 1, 17), layout="keras"))
    assert not ui.Select().matches(ui.Param("s/real_kernel", "other", "fixed", (32, 1, 17), layout="keras"))


def test_fit_leaves_stft_spectrogram_fixed_kernels_out_of_its_rows_and_plan():
    """ui.fit fitted a law to STFTSpectrogram's Fourier kernels (role "fixed") and to_plan wrote a rule for them,
    so applying the fitted plan replaced the layer's transform with random draws. They are state, as a quantized
    layer's are: no row, no rule, and the fitted plan leaves the layer computing what it did."""
    if not hasattr(layers, "STFTSpectrogram"):
        pytest.skip("this Keras has no STFTSpectrogram")
    stft = layers.STFTSpectrogram(frame_length=32, frame_step=8, fft_length=32)
    model = keras.Sequential([keras.Input((256, 1)), stft, layers.Dense(4)])
    fitted = ui.fit(model)
    assert not [r.path for r in fitted.rows if r.role == "fixed"]
    x = np.random.default_rng(0).normal(size=(2, 256, 1)).astype("float32")
    out = numpy(stft(x))
    fitted.to_plan().apply(model, seed=3)
    np.testing.assert_array_equal(out, numpy(stft(x)))
