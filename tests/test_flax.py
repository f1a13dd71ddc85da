"""JAX/Flax backend: every spec in linen and NNX layers against the exact laws, the same distributions as
jax.nn.initializers, tracing, dtypes, sharding, layer context, and the seeds' Flax patterns.

Each KS check is at level 1e-4 (a correct sampler fails it with probability 1e-4); keys are fixed.
"""

import math
import subprocess
import sys
import textwrap
import warnings
from typing import Any, cast

import numpy as np
import pytest

jax = pytest.importorskip("jax")
pytest.importorskip("flax")
import jax.numpy as jnp  # noqa: E402
from flax import linen as nn  # noqa: E402
from flax import nnx  # noqa: E402

import unifiedinit as ui  # noqa: E402
from unifiedinit import draws as D  # noqa: E402
from conftest import applies  # noqa: E402
from unifiedinit.verify import stats  # noqa: E402
from unifiedinit.backends import flax as F  # noqa: E402

ALPHA = 1e-4
JI = jax.nn.initializers


def linen_weight(layer, init):
    key = jax.random.key(0)
    if layer == "Dense":
        p = nn.Dense(256, kernel_init=init).init(key, jnp.ones((1, 300)))
        return p["params"]["kernel"]
    if layer == "Conv":
        return nn.Conv(64, (3, 3), kernel_init=init).init(key, jnp.ones((1, 8, 8, 32)))["params"]["kernel"]
    if layer == "ConvTranspose":
        return nn.ConvTranspose(32, (3, 3), kernel_init=init).init(key, jnp.ones((1, 8, 8, 64)))["params"]["kernel"]
    return nn.Embed(1000, 64, embedding_init=init).init(key, jnp.zeros((1,), jnp.int32))["params"]["embedding"]


def nnx_weight(layer, init):
    rngs = nnx.Rngs(0)
    if layer == "Dense":
        return nnx.Linear(300, 256, kernel_init=init, rngs=rngs).kernel[...]
    if layer == "Conv":
        return nnx.Conv(32, 64, (3, 3), kernel_init=init, rngs=rngs).kernel[...]
    if layer == "ConvTranspose":
        return nnx.ConvTranspose(64, 32, (3, 3), kernel_init=init, rngs=rngs).kernel[...]
    return nnx.Embed(1000, 64, embedding_init=init, rngs=rngs).embedding[...]


SHAPES = {"Dense": (300, 256), "Conv": (3, 3, 32, 64), "ConvTranspose": (3, 3, 64, 32), "Embed": (1000, 64)}



MATRIX = [(spec, layer, api) for spec in ui.examples() for layer in SHAPES for api in ("linen", "nnx")
          if applies(spec, SHAPES[layer], {"ConvTranspose": "flax_conv_transpose", "Embed": "flax_embedding"}.get(layer, "flax"))]


@pytest.mark.parametrize("spec,layer,api", MATRIX, ids=lambda x: x if isinstance(x, str) else repr(x))
def test_every_spec_in_linen_and_nnx_layers(spec, layer, api):
    got = np.asarray((linen_weight if api == "linen" else nnx_weight)(layer, spec.to_flax()))
    shape = SHAPES[layer]
    assert got.shape == shape
    ref = ui.sample(spec, shape, layout="flax", seed=1)
    if ui.lower(spec, shape, "flax").deterministic:
        np.testing.assert_array_equal(got, ref)
        return
    verdict = stats.check(got, spec, layout="flax")
    assert verdict, str(verdict)
    assert stats.ks_2samp(got, ref)[1] > ALPHA


def test_from_array_in_torch_layout_lands_transposed_in_a_dense_kernel():
    A = np.arange(12.0).reshape(3, 4)  # torch (out, in)
    kernel = nnx.Linear(4, 3, kernel_init=ui.FromArray(A, layout="torch").to_flax(), rngs=nnx.Rngs(0)).kernel[...]
    np.testing.assert_array_equal(np.asarray(kernel), A.T)


T2 = 0.87962566103423978
SAME_AS_JAX = [  # (our spec, JAX's initializer, shape)
    (ui.XavierUniform(), JI.glorot_uniform(), (3, 3, 32, 64)),
    (ui.VarianceScaling(2.0, "fan_in", "truncated_normal"), JI.he_normal(), (3, 3, 32, 64)),
    (ui.LecunNormal(), JI.lecun_normal(), (300, 256)),
    (ui.Orthogonal(1.3), JI.orthogonal(1.3), (300, 256)),
    (ui.Orthogonal(), JI.orthogonal(), (3, 3, 32, 64)),
    (ui.TruncatedNormal(0.0, 0.02, -0.04, 0.06), JI.truncated_normal(0.02, lower=-2.0, upper=3.0), (300, 256)),
    (ui.Normal(0.0, 0.05), JI.normal(0.05), (300, 256)),
    (ui.Uniform(0.0, 0.3), JI.uniform(0.3), (300, 256)),
    (ui.Constant(0.7), JI.constant(0.7), (30, 20)),
] + [(ui.VarianceScaling(1.7, mode, dist), JI.variance_scaling(1.7, mode, dist), (3, 3, 32, 64))
     for mode in ("fan_in", "fan_out", "fan_avg", "fan_geo_avg") for dist in ("uniform", "normal", "truncated_normal")]

KURTOSIS = {"uniform": 1.8, "normal": 3.0, "truncated_normal": 2.3655}


@pytest.mark.parametrize("spec,native,shape", SAME_AS_JAX, ids=lambda x: repr(x) if isinstance(x, ui.Spec) else "")
def test_same_distribution_as_jax_own_initializer(spec, native, shape):
    ours = np.asarray(spec.to_flax()(jax.random.key(1), shape), dtype=np.float64)
    theirs = np.asarray(native(jax.random.key(2), shape), dtype=np.float64)
    if isinstance(spec, ui.Constant):
        np.testing.assert_array_equal(ours, theirs)
        return
    assert stats.ks_2samp(ours, theirs)[1] > ALPHA
    lo, hi = theirs.min(), theirs.max()
    if isinstance(spec, ui.VarianceScaling):
        # bounds and kurtosis tell uniform, truncated and untruncated apart (SE of kurtosis <= 0.04 here)
        assert abs(stats.sample_kurtosis(ours) - KURTOSIS[spec.distribution]) < 0.2
        if spec.distribution != "normal":
            draw = ui.lower(spec, shape, "flax")
            assert isinstance(draw, (D.Uniform, D.TruncatedNormal)), draw
            assert draw.low <= ours.min() and ours.max() <= draw.high and draw.low <= lo and hi <= draw.high


@pytest.mark.parametrize("dtype", [jnp.float16, jnp.bfloat16, jnp.float32])
@pytest.mark.parametrize("spec", [ui.Uniform(-1, 1), ui.LecunNormal(), ui.Orthogonal(), ui.Sparse(0.2),
                                  ui.Mixture([ui.Normal(), ui.Zeros()], [0.5, 0.5])], ids=repr)
def test_dtypes_are_kept(spec, dtype):
    x = spec.to_flax()(jax.random.key(0), (200, 150), dtype)
    assert x.dtype == dtype
    verdict = stats.check(np.asarray(x.astype(jnp.float32)), spec, layout="flax")
    # KS at level ALPHA in float32; rounded to 8 or 11 mantissa bits the values move by half an ulp, which moves D
    # by under 0.002 here: D < 0.02 at n = 30,000 fails a correct sampler with probability about 1e-10
    low = dtype in (jnp.float16, jnp.bfloat16)
    assert verdict.ks is not None and verdict.p is not None and verdict.ks < 0.02 and (low or verdict.p > ALPHA), \
        str(verdict)


@pytest.mark.parametrize("spec", [s for s in ui.examples() if applies(s, (40, 30), "flax")], ids=repr)
def test_same_key_same_values_and_jit_equals_eager(spec):
    init = spec.to_flax()
    shape = (40, 30)
    a = init(jax.random.key(5), shape)
    b = init(jax.random.key(5), shape)
    c = jax.jit(init, static_argnums=(1, 2))(jax.random.key(5), shape, jnp.float32)
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    np.testing.assert_allclose(np.asarray(a), np.asarray(c), rtol=2e-6, atol=1e-7)


def test_vmap_over_keys_gives_independent_draws():
    init = ui.XavierNormal().to_flax()
    keys = jax.random.split(jax.random.key(0), 4)
    xs = jax.vmap(lambda k: init(k, (30, 20)))(keys)
    assert xs.shape == (4, 30, 20) and not np.allclose(xs[0], xs[1])


def test_nnx_jit_builds_a_model():
    @nnx.jit
    def make():
        return nnx.Linear(4, 8, kernel_init=ui.KaimingUniform().to_flax(), bias_init=ui.Ones().to_flax(),
                          rngs=nnx.Rngs(0))
    m = make()
    assert m.bias is not None and np.all(np.asarray(m.bias[...]) == 1.0)
    assert float(jnp.abs(m.kernel[...]).max()) <= math.sqrt(6 / 4)


def test_axis_overrides_as_in_variance_scaling():
    # a kernel stored (out, in): in_axis=-1, out_axis=-2 gives the fans JAX's variance_scaling gives
    shape = (256, 300)
    ours = np.asarray(ui.LecunUniform().to_flax(in_axis=-1, out_axis=-2)(jax.random.key(0), shape))
    # fan_in = 300 bounds it by 0.1 (fan_in = 256 would reach 0.108); P(max < 0.099) = 0.995^76800, nil
    assert 0.099 < np.abs(ours).max() <= math.sqrt(3 / 300)
    theirs = np.asarray(JI.variance_scaling(1.0, "fan_in", "uniform", in_axis=-1, out_axis=-2)(jax.random.key(1), shape))
    assert stats.ks_2samp(ours, theirs)[1] > ALPHA
    # a batch axis counts in no fan
    batched = ui.LecunUniform().to_flax(batch_axis=0)(jax.random.key(0), (8, 300, 256))
    assert float(jnp.abs(batched).max()) <= math.sqrt(3 / 300)


@pytest.mark.parametrize("bad", [
    lambda: ui.XavierUniform().to_flax()(jax.random.key(0), (5,)),
    lambda: ui.Eye().to_flax()(jax.random.key(0), (2, 2, 2)),
    lambda: ui.Normal().to_flax()(jax.random.key(0), (2, 2), jnp.int32),
])
def test_bad_shapes_and_dtypes_raise_before_tracing(bad):
    with pytest.raises((ValueError, TypeError)):
        bad()


def test_reinit_linen_tree_gives_torch_default_bias_from_the_layer():
    net = nn.Sequential([nn.Dense(5000), nn.relu, nn.Dense(10)])
    params = net.init(jax.random.key(0), jnp.ones((1, 50)))
    torch_default = ui.KaimingUniform(a=math.sqrt(5))
    new = F.reinit(params, jax.random.key(1), kernel=torch_default, bias=torch_default)
    b0 = np.asarray(new["params"]["layers_0"]["bias"])
    assert np.abs(b0).max() <= 1 / math.sqrt(50)  # fan_in of the first layer's kernel
    assert stats.check(b0, ui.Uniform(-1 / math.sqrt(50), 1 / math.sqrt(50)))
    assert np.abs(np.asarray(new["params"]["layers_2"]["bias"])).max() <= 1 / math.sqrt(5000)
    assert jax.tree.structure(new) == jax.tree.structure(params)
    np.testing.assert_array_equal(np.asarray(params["params"]["layers_0"]["bias"]), 0)  # the old tree is unchanged


def test_a_tree_leaf_without_shape_and_dtype_is_named_and_pythons_own_values_are_passed_over():
    import functools
    kernel = jax.ShapeDtypeStruct((4, 3), jnp.float32)
    for leaf, where in ((functools.partial(jnp.zeros, (3,)), "bias"),  # an initializer where its array belongs
                        (nn.initializers.zeros_init(), "bias"),  # Flax's own: a plain function (type in builtins)
                        (jax.nn.initializers.zeros, "bias"),
                        (nn.Partitioned(functools.partial(jnp.zeros, (3,)), names=(None,)), "bias")):  # a box of one
        tree = {"params": {"Dense_0": {"kernel": kernel, where: leaf}}}
        with pytest.raises(TypeError, match=r"the leaf 'params/Dense_0/bias' of the variables tree has no shape "
                                            r"and dtype: .* got (partial|function|Partitioned)"):
            ui.presets.flax.apply(tree, seed=0)
    # None (an empty subtree to JAX) before the first array, an int counter and the tuple a `sow` leaves: the tree
    # is still Flax's, those are not parameters and come back as they were, the kernel is drawn
    tree = {"cache": {"index": 0}, "params": {"Dense_0": {"bias": None, "kernel": kernel}},
            "intermediates": {"h": (jnp.ones(2),)}}
    out, report = ui.presets.flax.apply(tree, seed=0)
    assert out["cache"] == {"index": 0} and out["params"]["Dense_0"]["bias"] is None
    assert out["intermediates"]["h"] is tree["intermediates"]["h"]
    assert [e.param.path for e in report.entries] == ["Dense_0/kernel"]
    assert isinstance(out["params"]["Dense_0"]["kernel"], jax.Array)


def test_reinit_nnx_module_in_place_and_order_independent():
    class MLP(nnx.Module):
        def __init__(self, rngs):
            self.a = nnx.Linear(30, 20, rngs=rngs)
            self.b = nnx.Linear(20, 10, rngs=rngs)
            self.emb = nnx.Embed(100, 30, rngs=rngs)

    m1, m2 = MLP(nnx.Rngs(0)), MLP(nnx.Rngs(1))
    F.reinit(m1, jax.random.key(7), kernel=ui.XavierNormal(), bias=ui.Constant(0.1))
    F.reinit(m2, jax.random.key(7), kernel=ui.XavierNormal(), bias=ui.Constant(0.1))
    np.testing.assert_array_equal(np.asarray(m1.a.kernel[...]), np.asarray(m2.a.kernel[...]))
    assert m1.b.bias is not None and np.all(np.asarray(m1.b.bias[...]) == np.float32(0.1))
    before = np.asarray(m1.a.kernel[...]).copy()
    with pytest.raises(ValueError):
        F.reinit(m1, jax.random.key(8), kernel=ui.XavierNormal(), bias=ui.Eye())  # a bias cannot be an eye
    np.testing.assert_array_equal(np.asarray(m1.a.kernel[...]), before)  # nothing was written


# --------------------------------------------------------------------------------------- seeds' patterns

def test_seed_pattern_sequential_xavier_then_42():
    x = jnp.ones((2, 4))
    net = nn.Sequential([nn.Dense(8, kernel_init=ui.XavierUniform().to_flax(), bias_init=ui.Zeros().to_flax()),
                         nn.relu,
                         nn.Dense(1, kernel_init=ui.Constant(42).to_flax(), bias_init=ui.Zeros().to_flax())])
    params = net.init(jax.random.key(0), x)["params"]
    assert np.all(np.asarray(params["layers_2"]["kernel"]) == 42)
    kernel = params["layers_0"]["kernel"]
    assert isinstance(kernel, jnp.ndarray) and float(jnp.abs(kernel).max()) <= math.sqrt(6 / 12)
    assert np.all(np.asarray(params["layers_0"]["bias"]) == 0)
    normal = nn.Sequential([nn.Dense(8, kernel_init=ui.Normal(0, 0.01).to_flax(), bias_init=ui.Zeros().to_flax())])
    out = normal.apply(normal.init(jax.random.key(0), x), x)
    assert isinstance(out, jnp.ndarray) and out.shape == (2, 8)


def test_seed_custom_mixture_in_flax():
    init = ui.Mixture([ui.Uniform(5, 10), ui.Zeros(), ui.Uniform(-10, -5)], [0.25, 0.5, 0.25]).to_flax()
    w = np.asarray(nn.Dense(300, kernel_init=init).init(jax.random.key(3), jnp.ones((1, 400)))["params"]["kernel"])
    assert abs(float((w == 0).mean()) - 0.5) < 4.5 * math.sqrt(0.25 / w.size)  # false failure ~7e-6
    nz = np.abs(w[w != 0])
    assert nz.min() >= 5 and nz.max() <= 10
    assert stats.check(w, ui.Mixture([ui.Uniform(5, 10), ui.Zeros(), ui.Uniform(-10, -5)], [0.25, 0.5, 0.25]))


def test_seeds_at_and_past_two_to_the_32_get_keys_of_their_own():
    # jax.random.key takes the low 32 bits; seed_key folds in the high half from 2**32 on (2**32 itself included)
    from unifiedinit.backends.flax.ops import seed_key
    seeds = [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1]
    keys = [tuple(np.asarray(jax.random.key_data(seed_key(s))).ravel().tolist()) for s in seeds]
    assert len(set(keys)) == len(seeds), dict(zip(seeds, keys))
    far, zero = (np.asarray(F.sample(ui.Normal(), (4,), seed=s)) for s in (2 ** 32, 0))
    assert not np.array_equal(far, zero)


SHARDED = textwrap.dedent("""
    import os
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=8"
    import jax, jax.numpy as jnp, numpy as np
    from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
    import unifiedinit as ui
    mesh = Mesh(np.array(jax.devices()).reshape(4, 2), ("a", "b"))
    sharding = NamedSharding(mesh, P("a", "b"))
    init = ui.LecunNormal().to_flax()
    make = jax.jit(lambda k: init(k, (1024, 512)), out_shardings=sharding)
    x = make(jax.random.key(0))
    assert len(jax.devices()) == 8 and x.sharding == sharding
    shards = x.addressable_shards
    assert len(shards) == 8 and all(s.data.shape == (256, 256) for s in shards)
    # the compiled program makes every shard on its device; no device holds the whole array
    text = make.lower(jax.random.key(0)).compile().as_text()
    assert "f32[1024,512]" not in text.split("ENTRY")[1], "a device materializes the whole array"
    eager = init(jax.random.key(0), (1024, 512))
    np.testing.assert_allclose(np.asarray(x), np.asarray(eager), rtol=2e-6, atol=1e-7)
    from unifiedinit.verify import stats
    assert stats.check(np.asarray(x), ui.LecunNormal(), layout="flax")
    print("ok")
""")


def test_sharded_initialization_on_eight_host_devices():
    proc = subprocess.run([sys.executable, "-c", SHARDED], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stderr[-3000:]


def test_logical_names_need_a_mesh_only_where_the_rules_map_them_to_mesh_axes():
    dense = nn.Dense(8, kernel_init=nn.with_logical_partitioning(nn.initializers.lecun_normal(), ("embed", "mlp")))
    for rules, resolved in (((("embed", None), ("mlp", None)), True), ((("embed", "data"), ("mlp", None)), False)):
        with nn.logical_axis_rules(rules):
            abstract = jax.eval_shape(dense.init, jax.random.key(0), jnp.ones((2, 4)))
            if resolved:  # unsharded: the default device, no mesh needed
                out, _ = ui.presets.flax.apply(abstract, seed=0)
                assert isinstance(out["params"]["kernel"].value, jax.Array)
            else:
                with pytest.raises(ValueError, match=r"parameter 'kernel': its sharding names the mesh axes "
                                                     r"\('data', None\) and no mesh is given"):
                    ui.presets.flax.apply(abstract, seed=0)


@pytest.mark.parametrize("case", ["qkv", "out", "batch"])
def test_dense_general_kernels_take_flaxs_fans_of_the_flattened_matrix(case):
    """Flax draws a DenseGeneral / LinearGeneral kernel as the matrix (batch x inputs, features) and reshapes
    it: presets.flax draws what Flax does (before: the extra axes were read as a receptive field, and an
    attention projection came out half as large). Compared with Flax's own init in the same run (KS test at
    ALPHA: a false failure in 1e4 runs)."""
    linen_layer, nnx_layer, x, fans, layout = {
        "qkv": (nn.DenseGeneral((8, 32)), lambda r: nnx.LinearGeneral(256, (8, 32), rngs=r), jnp.ones((2, 256)),
                (256, 256), "flax_multihead_qkv"),
        "out": (nn.DenseGeneral(256, axis=(-2, -1)), lambda r: nnx.LinearGeneral((8, 32), 256, axis=(-2, -1), rngs=r),
                jnp.ones((2, 8, 32)), (256, 256), "multihead_out"),
        "batch": (nn.DenseGeneral(64, axis=-1, batch_dims=(0,)), None, jnp.ones((4, 2, 128)), (512, 64), None),
    }[case]
    variables = linen_layer.init(jax.random.key(1), x)
    theirs = np.asarray(variables["params"]["kernel"]).ravel()
    out, report = ui.presets.flax.apply(linen_layer, params=variables, inputs=x, seed=0)
    entry = next(e for e in report.entries if e.param.path == "kernel")
    assert entry.param.layer_fans == fans and (layout is None or entry.param.layout == layout), entry.param
    assert stats.ks_2samp(np.asarray(out["params"]["kernel"]).ravel(), theirs)[1] > ALPHA
    if nnx_layer is not None:
        own, ours = nnx_layer(nnx.Rngs(1)), nnx_layer(nnx.Rngs(2))
        ui.presets.flax.apply(ours, seed=0)
        assert stats.ks_2samp(np.asarray(ours.kernel.get_value()).ravel(),
                              np.asarray(own.kernel.get_value()).ravel())[1] > ALPHA


def test_a_boxed_scan_over_axis_1_is_read_from_the_module_tree():
    """nn.scan(variable_axes={"params": 1}) with partitioned kernels (MaxText's param_scan_axis): the stacked
    axis is the one the layer's own view lacks, boxes included (before: read as axis 0, each layer's fans and
    portable values wrong)."""
    class Block(nn.Module):
        @nn.compact
        def __call__(self, h, _=None):
            init = nn.with_logical_partitioning(nn.initializers.lecun_normal(), ("embed", "mlp"))
            return nn.Dense(64, kernel_init=init, name="wi")(h), None

    class Scanned(nn.Module):
        @nn.compact
        def __call__(self, h):
            scan = nn.scan(Block, variable_axes={"params": 1}, split_rngs={"params": True}, length=3,
                           metadata_params={nn.PARTITION_NAME: "layers"})
            return scan(name="layers")(h, None)[0]

    class Looped(nn.Module):
        @nn.compact
        def __call__(self, h):
            for i in range(3):
                h = Block(name=f"layers_{i}")(h)[0]
            return h

    x = jnp.ones((2, 64))
    scanned, looped = Scanned(), Looped()
    out, report = ui.presets.flax.apply(scanned, params=scanned.init(jax.random.key(0), x), inputs=x, seed=0,
                                        portable=True)
    entry = next(e for e in report.entries if e.param.path == "layers/wi/kernel")
    assert entry.param.stacked == (1,) and entry.param.layer_fans == (64, 64), entry.param
    ref, _ = ui.presets.flax.apply(looped, params=looped.init(jax.random.key(0), x), inputs=x, seed=0, portable=True)
    kernel = np.asarray(nn.meta.unbox(out["params"]["layers"]["wi"]["kernel"]))
    for i in range(3):
        assert np.array_equal(kernel[:, i], np.asarray(nn.meta.unbox(ref["params"][f"layers_{i}"]["wi"]["kernel"])))


def test_a_bare_tree_names_the_submodules_whose_kinds_it_can_only_guess():
    """A kernel of more than 2 axes under a name that is no Flax class may be a conv's, a DenseGeneral's or a
    stack's: said, with the way to read it exactly; a 2-D one is a dense layer's, and Flax's names are known."""
    tree = {"params": {"wi": {"kernel": jnp.zeros((8, 256, 256))}, "head": {"kernel": jnp.zeros((4, 2))},
                       "Conv_0": {"kernel": jnp.zeros((3, 3, 4, 8)), "bias": jnp.zeros(8)}}}  # one layer: its bias
    with pytest.warns(UserWarning, match=r"1 submodules of the variables tree .* \(wi\).* inputs=example_inputs"):
        ui.presets.flax.apply(tree, seed=0)


# ------------------------------------------------------ Flax's recurrent cells, state collections, LoRA, stacks

def _linen_cell(cell, x):
    rnn = nn.RNN(cell)
    return rnn, rnn.init(jax.random.key(0), x)


def test_presets_flax_gives_mgu_and_conv_lstm_cells_flaxs_own_init_and_every_cell_its_hidden_fans():
    # MGUCell's forget gate bias is ones; ConvLSTMCell's hidden-to-hidden conv keeps Conv's lecun_normal (not the
    # recurrent orthogonal); a cell's layer fans are (H, H) whatever its sub-layers stack: 4 gates in an
    # OptimizedLSTMCell and a ConvLSTMCell, 3 in NNX's GRUCell, 1 in a SimpleCell
    h = 8
    rnn, v = _linen_cell(nn.MGUCell(h), jnp.ones((1, 3, 5)))
    new, report = ui.presets.flax.apply(rnn, params=v, seed=0)
    np.testing.assert_array_equal(np.asarray(new["params"]["cell"]["if"]["bias"]), np.ones(h))
    rnn, v = _linen_cell(nn.ConvLSTMCell(h, (3, 3)), jnp.ones((1, 3, 6, 6, 4)))
    new, report = ui.presets.flax.apply(rnn, params=v, seed=0)
    hh = np.asarray(new["params"]["cell"]["hh"]["kernel"])  # (3, 3, 8, 32): lecun_normal, fan_in 3 * 3 * 8
    assert stats.check(hh, ui.LecunNormal(), layout="flax", alpha=ALPHA)
    fans = {e.param.path: e.param.layer_fans for e in report.entries}
    assert fans["cell/hh/kernel"] == fans["cell/ih/bias"] == (h, h)
    rngs = nnx.Rngs(0)
    for cell in (nnx.GRUCell(5, h, rngs=rngs), nnx.SimpleCell(5, h, rngs=rngs), nnx.OptimizedLSTMCell(5, h, rngs=rngs)):
        assert {p.layer_fans for p in ui.inspect(cell, ui.presets.torch).params} == {(h, h)}, type(cell).__name__
    _, v = _linen_cell(nn.SimpleCell(h), jnp.ones((1, 3, 5)))
    assert {p.layer_fans for p in ui.inspect(nn.RNN(nn.SimpleCell(h)), params=v).params} == {(h, h)}


@pytest.mark.parametrize("with_inputs", [True, False])
def test_presets_torch_gives_linens_optimized_lstm_cell_torchs_lstm_law(with_inputs):
    """linen's OptimizedLSTMCell keeps one (in, H) / (H, H) kernel per gate (ii...ho, as LSTMCell's): its layer
    fans are (H, H), so presets.torch draws U(+-1/sqrt(H)) as torch's nn.LSTM (before: each sub-layer read as
    four stacked gates, fans (H/4, H/4) and a bound twice torch's). Two-sample KS against torch's own nn.LSTM
    weights drawn in this run, at ALPHA; NNX's OptimizedLSTMCell (dense_i/dense_h, 4H wide) stays (H, H)."""
    torch = pytest.importorskip("torch")
    n_in, h = 48, 64
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(n_in, h)
    theirs = {"i": lstm.weight_ih_l0.detach().numpy(), "h": lstm.weight_hh_l0.detach().numpy()}
    x = jnp.ones((2, 7, n_in))
    for cell in (nn.LSTMCell(h), nn.OptimizedLSTMCell(h)):
        rnn, v = _linen_cell(cell, x)
        if with_inputs:
            new, report = ui.presets.torch.apply(rnn, params=v, seed=0, inputs=(x,))
        else:  # the cell's compact sub-layers (ii...ho) are known by their names: said
            with pytest.warns(UserWarning, match="known by their names only"):
                new, report = ui.presets.torch.apply(rnn, params=v, seed=0)
        name = type(cell).__name__
        assert {e.param.layer_fans for e in report.entries} == {(h, h)}, name
        params = new["params"]["cell"]
        for side in "ih":
            ours = np.concatenate([np.asarray(params[side + g]["kernel"]).ravel() for g in "ifgo"])
            assert np.abs(ours).max() <= 1 / math.sqrt(h), (name, side)
            p = stats.ks_2samp(ours, theirs[side].ravel())[1]
            assert p > ALPHA, f"{name} {side}: KS p = {p:.3g} against torch's nn.LSTM"
    cell = nnx.OptimizedLSTMCell(n_in, h, rngs=nnx.Rngs(0))
    assert {p.layer_fans for p in ui.inspect(cell, ui.presets.torch).params} == {(h, h)}


class _ConvBlock(nn.Module):
    transpose: bool = False
    use_bias: bool = True

    @nn.compact
    def __call__(self, x, _):
        conv = nn.ConvTranspose if self.transpose else nn.Conv
        return nn.relu(conv(16, (3, 3), use_bias=self.use_bias)(x)), None


class _ScannedConvs(nn.Module):
    transpose: bool = False
    use_bias: bool = True

    @nn.compact
    def __call__(self, x):
        scan = nn.scan(_ConvBlock, variable_axes={"params": 0}, split_rngs={"params": True}, length=6)
        return scan(self.transpose, self.use_bias, name="stack")(x, None)[0]


class _PlainConv(nn.Module):
    @nn.compact
    def __call__(self, x):
        return nn.Conv(16, (3, 3))(x)


@pytest.mark.parametrize("transpose", [False, True])
def test_a_scanned_conv_known_by_names_only_says_so_and_is_read_exactly_with_inputs(transpose):
    """An nn.scan of Conv (or ConvTranspose) layers in a compact __call__ has (6, 3, 3, 16, 16) kernels: without
    inputs= and without a bias, names cannot tell them from a 3-D conv's, so the warning names the submodule
    (before: Flax's class name silenced it, and the kernels were drawn with fans 864); with inputs= each layer's
    fans are 3 x 3 x 16 and the values follow Flax's own init (two-sample KS at ALPHA against Flax's init in this
    run). A Conv's bias, (features,) in one layer, says how many layers it holds: nothing to warn about."""
    x = jnp.ones((1, 8, 8, 16))
    model, unbiased = _ScannedConvs(transpose), _ScannedConvs(transpose, use_bias=False)
    v = model.init(jax.random.key(1), x)
    with pytest.warns(UserWarning, match=r"1 submodules .* \(stack/Conv(Transpose)?_0\).*stacked axes.*inputs="):
        ui.presets.flax.apply(unbiased, params=unbiased.init(jax.random.key(1), x), seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        ui.presets.flax.apply(model, params=v, seed=0)
        new, report = ui.presets.flax.apply(model, params=v, inputs=(x,), seed=0)
        ui.presets.flax.apply(_PlainConv(), params=_PlainConv().init(jax.random.key(0), x), seed=0)
    conv = "ConvTranspose_0" if transpose else "Conv_0"
    kernel = next(e.param for e in report.entries if e.param.path == f"stack/{conv}/kernel")
    assert kernel.stacked == (0,) and kernel.layer_fans == (144, 144), kernel
    native = model.init(jax.random.key(2), x)["params"]["stack"][conv]["kernel"]
    p = stats.ks_2samp(np.asarray(new["params"]["stack"][conv]["kernel"]).ravel(), np.asarray(native).ravel())[1]
    assert p > ALPHA, f"KS p = {p:.3g} against Flax's own init"


def test_a_catch_all_rule_never_writes_a_decoders_cache_or_a_spectral_norms_vectors():
    # state that is not a parameter is no record: a linen cache, SpectralNorm's u and sigma, an nnx.Cache
    x = jnp.ones((1, 4, 16))
    attn = nn.MultiHeadDotProductAttention(num_heads=2, decode=True)
    v = attn.init(jax.random.key(0), x)
    new, report = ui.Plan().rule(ui.Normal(0, 1.0)).apply(attn, params=v, seed=0, inputs=(x,))
    assert all(p.startswith("params/") or "/" in p for p in [e.param.path for e in report.entries])
    assert jax.tree.all(jax.tree.map(lambda a, b: bool((a == b).all()), new["cache"], v["cache"]))
    assert not report.unmatched

    class Spectral(nn.Module):
        @nn.compact
        def __call__(self, x):
            return nn.SpectralNorm(nn.Dense(8))(x, update_stats=True)

    v = Spectral().init(jax.random.key(0), jnp.ones((2, 6)))
    new, report = ui.Plan().rule(ui.Normal(0, 1.0)).apply(Spectral(), params=v, seed=0)
    assert sorted(e.param.path.rsplit("/", 1)[-1] for e in report.entries) == ["bias", "kernel"]
    assert jax.tree.all(jax.tree.map(lambda a, b: bool((a == b).all()), new["batch_stats"], v["batch_stats"]))
    cached = nnx.MultiHeadAttention(2, 16, decode=True, rngs=nnx.Rngs(0))
    cached.init_cache((1, 4, 16))
    key = cached.cached_key
    assert key is not None
    before = np.asarray(key.get_value()).copy()
    ui.Plan().rule(ui.Normal(0, 1.0)).apply(cached, seed=0)
    np.testing.assert_array_equal(np.asarray(key.get_value()), before)


def test_weight_norm_scales_lora_factors_and_stacks_along_a_declared_axis():
    class Normed(nn.Module):
        @nn.compact
        def __call__(self, x):
            return nn.WeightNorm(nn.Dense(5))(x)

    x = jnp.ones((2, 6))
    v = Normed().init(jax.random.key(0), x)
    assert not ui.inspect(Normed(), ui.presets.flax, params=v, inputs=(x,)).unmatched  # its scale: a norm's
    lora = nnx.LoRALinear(256, 300, lora_rank=200, rngs=nnx.Rngs(0))
    own = np.asarray(lora.lora.lora_a.get_value()).copy()  # Flax's own init of the a factor
    report = ui.presets.flax.apply(lora, seed=1)
    assert not report.unmatched
    values = {"/".join(map(str, path)): np.asarray(v.get_value()) for path, v in nnx.iter_graph(lora)
              if isinstance(v, nnx.Variable)}
    assert {e.param.path for e in report.entries} >= {"lora/lora_a", "lora/lora_b"}
    assert stats.ks_2samp(values["lora/lora_a"].ravel(), own.ravel())[1] > ALPHA  # Flax's own law, this run
    assert stats.check(values["lora/lora_a"], ui.KaimingUniform(), layout="flax", alpha=ALPHA)
    assert not values["lora/lora_b"].any()

    @nnx.vmap(in_axes=0, out_axes=1)
    def make(key):  # 3 Linear(64, 40) stacked along axis 1: kernels (64, 3, 40)
        return nnx.Linear(64, 40, rngs=nnx.Rngs(key))

    @nnx.vmap(in_axes=0, out_axes=0)
    def einsums(key):  # 4 Einsum kernels (3, 16, 8) stacked in front: fan_in 3 x 16 (lecun_normal's in_axis -2)
        return nnx.Einsum("bti,hid->bthd", (3, 16, 8), rngs=nnx.Rngs(key))

    def second(build):  # 3 layers stacked along axis 1, by their declared sizes: Conv's, Einsum's kernel_shape,
        return nnx.vmap(build, in_axes=0, out_axes=1)(jax.random.split(jax.random.key(2), 3))  # LinearGeneral's

    general = second(lambda key: nnx.LinearGeneral(64, (4, 16), rngs=nnx.Rngs(key)))  # fans of (64, 64), flattened
    for stack, law, per_layer in ((make(jax.random.split(jax.random.key(0), 3)), (1,), 64),
                                  (einsums(jax.random.split(jax.random.key(1), 4)), (0,), 3 * 16),
                                  (second(lambda key: nnx.Einsum("btd,dhk->bthk", (64, 4, 16), rngs=nnx.Rngs(key))),
                                   (1,), 64 * 4),
                                  (second(lambda key: nnx.Conv(8, 16, (5, 5), rngs=nnx.Rngs(key))), (1,), 5 * 5 * 8),
                                  (second(lambda key: nnx.Conv(8, 16, (7,), rngs=nnx.Rngs(key))), (1,), 7 * 8),
                                  (general, (1,), 64)):
        report = ui.presets.flax.apply(stack, seed=0)
        kernel = next(e.param for e in report.entries if e.param.path == "kernel")
        assert kernel.stacked == law and kernel.layer_fans[0] == per_layer, (kernel.stacked, kernel.layer_fans)
        values = np.moveaxis(np.asarray(stack.kernel.get_value()), law[0], 0)
        for one in values:
            one = one.reshape(64, 64) if stack is general else one
            assert stats.check(one, ui.LecunNormal(), layout="flax", alpha=ALPHA)


def test_user_modules_named_like_flaxs_and_a_registered_norms_batch_stats():
    class Linear(nnx.Module):  # a user's class named like Flax's, without in_features
        def __init__(self, rngs):
            self.kernel = nnx.Param(jnp.zeros((3, 4)))

    assert [p.path for p in ui.inspect(Linear(nnx.Rngs(0))).params] == ["kernel"]

    class MyNorm(nnx.Module):
        def __init__(self):
            self.g = nnx.Param(jnp.zeros((4,)))
            self.ra, self.rv = nnx.BatchStat(jnp.ones((4,))), nnx.BatchStat(jnp.zeros((4,)))

    ui.register_layer(MyNorm, "norm", roles={"g": "scale", "ra": "running_mean", "rv": "running_var"})
    try:
        norm = MyNorm()
        report = ui.presets.flax.apply(norm, seed=0)
        assert {e.param.path: e.param.role for e in report.entries} == {"g": "scale", "ra": "running_mean",
                                                                        "rv": "running_var"}
        assert (np.asarray(norm.rv.get_value()) == 1).all() and not np.asarray(norm.ra.get_value()).any()
    finally:
        ui.params.LAYERS.pop(MyNorm, None)


def _read_as(model, plan, **options):
    """A report's rows without the layer names and the classes they derive from (a subclass keeps its own, as
    torch's walk does, and adds its Flax class to its bases), and its unmatched."""
    report = ui.inspect(model, plan, **options)
    return [(e.param._replace(layer="", bases=()), repr(e.spec)) for e in report.entries], \
        [p.path for p in report.unmatched]


def test_a_subclass_of_a_flax_layer_is_read_as_that_layer_and_gets_flaxs_own_init():
    """A user's subclass of a Flax layer is that layer: kind, rank, fans, layout and the rule chosen under
    presets.flax and presets.torch are those of Flax's own class read in the same run (its report's layer keeps
    the user's class name, as torch's walk keeps it), NNX and linen; presets.flax draws it as Flax's own init does
    (two-sample KS against a fresh model's own values, each at ALPHA: six tests, the test fails by chance with
    probability under 6e-4). Before, kinds were looked up by the class's own name: the LinearGeneral subclass's
    (64, 4, 16) kernel was read as a conv's (fan_in 256, not 64), the Embed and BatchNorm subclasses were
    unmatched, the ConvTranspose one a conv, the attention one no attention."""
    class Proj(nnx.LinearGeneral):
        pass

    class TokenEmbed(nnx.Embed):
        pass

    class Norm(nnx.BatchNorm):
        pass

    class UpConv(nnx.ConvTranspose):
        pass

    class Attention(nnx.MultiHeadAttention):
        pass

    class LProj(nn.DenseGeneral):
        pass

    class LTokenEmbed(nn.Embed):
        pass

    class LUpConv(nn.ConvTranspose):
        pass

    class LAttention(nn.MultiHeadDotProductAttention):
        pass

    nnx_cases = [(Proj, nnx.LinearGeneral, lambda c, s: c(64, (4, 16), rngs=nnx.Rngs(s))),
                 (TokenEmbed, nnx.Embed, lambda c, s: c(1000, 16, rngs=nnx.Rngs(s))),
                 (Norm, nnx.BatchNorm, lambda c, s: c(16, rngs=nnx.Rngs(s))),
                 (UpConv, nnx.ConvTranspose, lambda c, s: c(64, 32, (3, 3), rngs=nnx.Rngs(s))),
                 (Attention, nnx.MultiHeadAttention,
                  lambda c, s: c(num_heads=4, in_features=32, decode=False, rngs=nnx.Rngs(s)))]
    for sub, base, make in nnx_cases:
        for plan in (ui.presets.flax, ui.presets.torch):
            ours = _read_as(make(sub, 0), plan)
            assert ours == _read_as(make(base, 0), plan) and not ours[1], (sub.__name__, plan.name, ours)
        own_layer = {p.layer for p in ui.inspect(make(sub, 0)).params if "/" not in p.path}  # attention: none
        assert own_layer == (set() if sub is Attention else {sub.__name__}), (sub.__name__, own_layer)
        if sub in (Proj, TokenEmbed, UpConv):
            model = make(sub, 0)
            ui.presets.flax.apply(model, seed=3)
            (name, drawn), = [(k, x) for k, x in nnx.to_flat_state(nnx.state(model, nnx.Param))
                              if k[-1] in ("kernel", "embedding")]
            own = next(x for k, x in nnx.to_flat_state(nnx.state(make(sub, 1), nnx.Param)) if k == name)
            p = stats.ks_2samp(np.ravel(drawn.get_value()), np.ravel(own.get_value()))[1]
            assert p > ALPHA, f"{sub.__name__}: KS p = {p:.3g} against Flax's own init"
    linen_cases = [(LProj, nn.DenseGeneral, lambda c: c((4, 16)), jnp.ones((1, 64))),
                   (LTokenEmbed, nn.Embed, lambda c: c(1000, 16), jnp.zeros((1,), jnp.int32)),
                   (LUpConv, nn.ConvTranspose, lambda c: c(32, (3, 3)), jnp.ones((1, 8, 8, 64))),
                   (LAttention, nn.MultiHeadDotProductAttention, lambda c: c(num_heads=4), jnp.ones((1, 5, 32)))]
    for sub, base, make, x in linen_cases:
        variables = make(base).init(jax.random.key(0), x)
        for options in ({"inputs": (x,)}, {}):
            for plan in (ui.presets.flax, ui.presets.torch):
                with warnings.catch_warnings():  # without inputs=, an attention's compact projections by name: said
                    warnings.simplefilter("ignore", UserWarning)
                    ours = _read_as(make(sub), plan, params=variables, **options)
                    assert ours == _read_as(make(base), plan, params=variables, **options) and not ours[1], \
                        (sub.__name__, plan.name, options, ours)
        if sub is not LAttention:
            new, _ = ui.presets.flax.apply(make(sub), params=variables, inputs=(x,), seed=3)
            name = "embedding" if sub is LTokenEmbed else "kernel"
            own = make(sub).init(jax.random.key(1), x)["params"][name]
            p = stats.ks_2samp(np.ravel(new["params"][name]), np.ravel(own))[1]
            assert p > ALPHA, f"{sub.__name__}: KS p = {p:.3g} against Flax's own init"


def test_a_users_module_named_like_a_flax_attention_holds_plain_layers_as_torchs_model_does():
    """A user's module whose class is named like a Flax attention layer (NNX ``SelfAttention``, linen
    ``MultiHeadAttention``) but derives from none holds plain layers: its Linear / Dense is kind "dense" and gets
    the rules torch's walk gives the same model written in torch in this run (presets.torch: torch's Linear
    default), and its values torch's own nn.Linear law (two-sample KS against a torch Linear's own init, weight
    and bias, each at ALPHA: four tests, the test fails by chance with probability under 4e-4). Before, the name made
    them kind "attention": Xavier weights and zero biases, and a kind="dense" rule matched nothing."""
    torch = pytest.importorskip("torch")
    d = 64

    class SelfAttention(nnx.Module):  # no nnx.MultiHeadAttention
        def __init__(self, rngs):
            self.qkv = nnx.Linear(d, 3 * d, rngs=rngs)

    class MultiHeadAttention(nn.Module):  # no linen attention layer
        @nn.compact
        def __call__(self, x):
            return nn.Dense(3 * d, name="qkv")(x)

    class TorchSelfAttention(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.qkv = torch.nn.Linear(d, 3 * d)

    torch.manual_seed(0)
    reference = TorchSelfAttention()  # torch's own init: the law presets.torch gives its Linear
    theirs = {"weight": reference.qkv.weight.detach().numpy(), "bias": reference.qkv.bias.detach().numpy()}
    expected = {(e.param.role, e.param.kind, repr(e.spec)) for e in ui.inspect(reference, ui.presets.torch).entries}
    x = jnp.ones((1, d))
    variables = MultiHeadAttention().init(jax.random.key(0), x)
    model = SelfAttention(nnx.Rngs(0))
    report = ui.presets.torch.apply(model, seed=0)
    state = nnx.to_pure_dict(nnx.state(model))["qkv"]
    drawn = {"nnx": (report, {"weight": state["kernel"], "bias": state["bias"]})}
    new, report = ui.presets.torch.apply(MultiHeadAttention(), params=variables, inputs=(x,), seed=0)
    drawn["linen"] = (report, {"weight": new["params"]["qkv"]["kernel"], "bias": new["params"]["qkv"]["bias"]})
    with pytest.warns(UserWarning, match="known by their names only"):  # no inputs=: the compact Dense by its name
        report = ui.inspect(MultiHeadAttention(), ui.presets.torch, params=variables)
    assert {(e.param.role, e.param.kind, repr(e.spec)) for e in report.entries} == expected
    for api, (report, values) in drawn.items():
        assert {(e.param.role, e.param.kind, repr(e.spec)) for e in report.entries} == expected, api
        assert {e.param.layer for e in report.entries} == {"Linear" if api == "nnx" else "Dense"}, api
        for role, x in values.items():
            p = stats.ks_2samp(np.ravel(np.asarray(x)), np.ravel(theirs[role]))[1]
            assert p > ALPHA, f"{api} {role}: KS p = {p:.3g} against torch's own nn.Linear"


def test_a_registered_layers_bias_takes_the_fans_of_its_kernel_in_the_kernels_registered_layout():
    """A registered layer whose kernel is stored (out, in) (layouts={"kernel": "torch"}): its bias's layer fans are
    the kernel's read in that layout, 64/8 as torch's Linear(64, 8) gives its bias; they were read in the bias's
    own (default) layout, 8/64, so KaimingUniform(a=sqrt(5)) drew the bias within 1/sqrt(8), not 1/sqrt(64)."""
    class OutIn(nnx.Module):
        def __init__(self):
            self.kernel, self.bias = nnx.Param(jnp.zeros((8, 64))), nnx.Param(jnp.zeros((8,)))

    class LOutIn(nn.Module):
        @nn.compact
        def __call__(self, x):
            kernel = self.param("kernel", nn.initializers.zeros, (8, 64))
            return x @ kernel.T + self.param("bias", nn.initializers.zeros, (8,))

    ui.register_layer(OutIn, "dense", layouts={"kernel": "torch"})
    ui.register_layer(LOutIn, "dense", layouts={"kernel": "torch"})
    try:
        x = jnp.ones((1, 64))
        variables = LOutIn().init(jax.random.key(0), x)
        for model, options in ((OutIn(), {}), (LOutIn(), {"params": variables, "inputs": (x,)}),
                               (LOutIn(), {"params": variables})):
            fans = {p.path: (p.layout, p.layer_fans) for p in ui.inspect(model, **options).params}
            assert fans == {"kernel": ("torch", (64, 8)), "bias": ("flax", (64, 8))}, (type(model), options, fans)
        torch = pytest.importorskip("torch")
        bias = next(p for p in ui.inspect(torch.nn.Linear(64, 8)).params if p.role == "bias")
        assert bias.layer_fans == (64, 8)  # torch's, in the same run
    finally:
        ui.params.LAYERS.pop(OutIn, None)
        ui.params.LAYERS.pop(LOutIn, None)


@pytest.mark.parametrize("with_inputs", [False, True])
def test_a_linen_list_with_a_parameterless_member_is_a_sequence_as_torchs_and_nnxs(with_inputs):
    """A list (or a dict keyed by numbers) of layers with a Dropout among them: linen names them layers_0, layers_2,
    layers_3, whose numbers are not 0..n-1; they were read as names (Scaled "l + 1" refused them, portable keys
    differed). Read from the module, they are positions ranked as torch's ModuleList and NNX's nnx.List rank them,
    and a lone block_3 (no list) stays a name, as there."""
    torch = pytest.importorskip("torch")

    class M(nn.Module):
        def setup(self):
            self.layers = [nn.Dense(4), nn.Dropout(0.1, deterministic=True), nn.Dense(4), nn.Dense(4)]
            self.blocks = {"3": nn.Dense(4), "1": nn.Dense(4)}
            self.block_3 = nn.Dense(4)

        def __call__(self, x):
            for layer in self.layers:
                x = layer(x)
            return self.block_3(self.blocks["3"](self.blocks["1"](x)))

    class T(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = torch.nn.ModuleList([torch.nn.Linear(4, 4), torch.nn.Dropout(0.1), torch.nn.Linear(4, 4),
                                               torch.nn.Linear(4, 4)])
            self.blocks = torch.nn.ModuleDict({"3": torch.nn.Linear(4, 4), "1": torch.nn.Linear(4, 4)})
            self.block_3 = torch.nn.Linear(4, 4)

    class N(nnx.Module):
        def __init__(self):
            rngs = nnx.Rngs(0)
            self.layers = nnx.List([nnx.Linear(4, 4, rngs=rngs), nnx.Dropout(0.1), nnx.Linear(4, 4, rngs=rngs),
                                    nnx.Linear(4, 4, rngs=rngs)])
            self.blocks = nnx.Dict({"3": nnx.Linear(4, 4, rngs=rngs), "1": nnx.Linear(4, 4, rngs=rngs)})
            self.block_3 = nnx.Linear(4, 4, rngs=rngs)

    x = jnp.ones((1, 4))
    variables = M().init(jax.random.key(0), x)
    options: dict[str, Any] = {"params": variables, "inputs": (x,)} if with_inputs else {"params": variables}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a linen module without inputs: known from setup
        keys = {p.path: p.key for p in ui.inspect(M(), **options).params}
    linen_paths = {"layers/0": "layers_0", "layers/2": "layers_2", "layers/3": "layers_3", "blocks/1": "blocks_1",
                   "blocks/3": "blocks_3", "block_3": "block_3"}
    t, n = T(), N()
    torch_keys = {p.path: p.key for p in ui.inspect(t).params}
    nnx_keys = {p.path: p.key for p in ui.inspect(n).params}
    for path, linen in linen_paths.items():
        for leaf, torch_leaf in (("kernel", "weight"), ("bias", "bias")):
            assert keys[f"{linen}/{leaf}"] == torch_keys[f"{path}/{torch_leaf}"] == nnx_keys[f"{path}/{leaf}"], \
                (path, leaf)
    assert keys["layers_2/kernel"] == "layers/1/weight" and keys["block_3/kernel"] == "block_3/weight"
    # the layer index of each in its sequence, and portable values, as torch's
    depth = ui.Plan().rule(ui.Scaled(ui.Constant(1.0), "l + 1"), role="weight").rule(ui.Zeros(), role="bias") \
        .rule(ui.Zeros(), path="block_3/*")  # in no sequence: "l + 1" refuses it, as torch's
    new, _ = depth.apply(M(), seed=0, **options)
    assert [float(new["params"][name]["kernel"][0, 0]) for name in ("layers_0", "layers_2", "layers_3")] == \
        [1.0, 2.0, 3.0]
    assert [float(new["params"][name]["kernel"][0, 0]) for name in ("blocks_1", "blocks_3")] == [1.0, 2.0]
    depth.apply(t, seed=0)
    assert [float(t.layers[i].weight.detach()[0, 0]) for i in (0, 2, 3)] == [1.0, 2.0, 3.0]
    assert [float(t.blocks[i].weight.detach()[0, 0]) for i in ("1", "3")] == [1.0, 2.0]
    plan = ui.Plan().rule(ui.Normal(0, 1), role="weight").rule(ui.Zeros(), role="bias")
    plan.apply(t, seed=0, portable=True)
    new, _ = plan.apply(M(), seed=0, portable=True, **options)
    for path, linen in linen_paths.items():
        module = t.get_submodule(path.replace("/", "."))
        np.testing.assert_array_equal(np.asarray(new["params"][linen]["kernel"]).T, module.weight.detach().numpy())


@pytest.mark.parametrize("with_inputs", [False, True])
@pytest.mark.parametrize("order", ["enc first", "dec first"])
def test_linen_shared_modules_and_numbered_attributes_are_keyed_as_torchs_and_nnxs(order, with_inputs):
    """A linen module held by two setup attributes keeps its variables under the name it was first assigned to, so
    it was keyed by assignment order (``self.enc = Dense(); self.dec = self.enc`` and the reverse gave other
    values), where torch and NNX reach it under both paths and give it one owner; a plain attribute named ``fc_0``
    was read as position 0 of a list ``fc`` (adding ``fc_1`` changed its values); a dict attribute's string key was
    part of the name (``heads_a``), where torch's ModuleDict and NNX's dict key it ``heads/a``. Read from the
    module, all three are keyed as torch and NNX key them, and portable values are torch's."""
    torch = pytest.importorskip("torch")
    enc_first = order == "enc first"

    class M(nn.Module):
        def setup(self):
            if enc_first:
                self.enc = nn.Dense(4)
                self.dec = self.enc
            else:
                self.dec = nn.Dense(4)
                self.enc = self.dec
            self.fc_0 = nn.Dense(4)
            self.heads = {"a": nn.Dense(4)}
            self.blocks = [nn.Dense(4), self.enc]  # the shared module in a list too

        def __call__(self, x):
            x = self.fc_0(self.dec(self.enc(x)))
            for block in self.blocks:
                x = block(x)
            return self.heads["a"](x)

    class T(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = torch.nn.Linear(4, 4)
            self.dec = self.enc
            self.fc_0 = torch.nn.Linear(4, 4)
            self.heads = torch.nn.ModuleDict({"a": torch.nn.Linear(4, 4)})
            self.blocks = torch.nn.ModuleList([torch.nn.Linear(4, 4), self.enc])

    class N(nnx.Module):
        def __init__(self):
            rngs = nnx.Rngs(0)
            self.dec = nnx.Linear(4, 4, rngs=rngs)
            self.enc = self.dec
            self.fc_0 = nnx.Linear(4, 4, rngs=rngs)
            self.heads = nnx.Dict({"a": nnx.Linear(4, 4, rngs=rngs)})
            self.blocks = nnx.List([nnx.Linear(4, 4, rngs=rngs), self.enc])

    x = jnp.ones((1, 4))
    variables = M().init(jax.random.key(0), x)
    home = "enc" if enc_first else "dec"  # where linen keeps the shared module's variables
    assert set(variables["params"]) == {home, "fc_0", "heads_a", "blocks_0"}
    options: dict[str, Any] = {"params": variables, "inputs": (x,)} if with_inputs else {"params": variables}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a linen module without inputs: known from setup
        params = ui.inspect(M(), **options).params
    keys = {p.path: (p.key, tuple(sorted(p.aliases))) for p in params}
    t, n = T(), N()
    torch_keys = {p.path.replace("weight", "kernel"): (p.key, tuple(sorted(a.replace("weight", "kernel")
                                                                          for a in p.aliases)))
                  for p in ui.inspect(t).params}
    nnx_keys = {p.path: (p.key, tuple(sorted(p.aliases))) for p in ui.inspect(n).params}
    assert torch_keys == nnx_keys
    to_torch = {"fc_0": "fc_0", "heads_a": "heads/a", "blocks_0": "blocks/0", "blocks_1": "blocks/1",
                "enc": "enc", "dec": "dec"}
    for leaf in ("kernel", "bias"):
        def torch_form(path: str) -> str:
            module, name = path.rsplit("/", 1)
            return f"{to_torch[module]}/{name}"
        linen = {torch_form(path): (key, tuple(sorted(map(torch_form, aliases))))
                 for path, (key, aliases) in keys.items() if path.endswith(leaf)}
        assert linen == {path: found for path, found in torch_keys.items() if path.endswith(leaf)}, leaf
    assert keys["dec/kernel"][1] == ("blocks_1/kernel", "enc/kernel")  # one record, owned as torch's is
    plan = ui.Plan().rule(ui.Normal(0, 1), role="weight").rule(ui.Uniform(-1, 1), role="bias")
    plan.apply(t, seed=0, portable=True)
    new, _ = plan.apply(M(), seed=0, portable=True, **options)
    for linen_name, path in to_torch.items():
        module = t.get_submodule(path.replace("/", "."))
        stored = new["params"][home if linen_name in ("enc", "dec", "blocks_1") else linen_name]
        np.testing.assert_array_equal(np.asarray(stored["kernel"]).T, module.weight.detach().numpy())
        np.testing.assert_array_equal(np.asarray(stored["bias"]), module.bias.detach().numpy())
    # skip= by either name of the shared module leaves it as it was
    kept, _ = plan.apply(M(), seed=0, portable=True, skip=["params/enc/kernel" if enc_first else "enc/kernel"],
                         **options)
    np.testing.assert_array_equal(kept["params"][home]["kernel"], variables["params"][home]["kernel"])


def test_linen_nested_containers_and_aliases_through_aliases_are_keyed_as_torchs():
    """A list of dicts, a list of lists and a dict of lists in setup: linen names their modules blocks_0_fc,
    stages_0_1, heads_a_0, which were read from the names (blocks_0_fc whole, stages_0/1), where torch's
    ModuleList/ModuleDict and NNX key them blocks/0/fc, stages/0/1, heads/a/0. A module shared inside a shared
    module (inner self.a = self.f, outer self.a = self.enc) was not reached through both (a/a), so another path
    owned it than torch's; a module handed to a holder that two attributes hold (p1, p2) lacked the p2 alias."""
    torch = pytest.importorskip("torch")
    tnn = torch.nn

    class TInner(tnn.Module):
        def __init__(self):
            super().__init__()
            self.f = tnn.Linear(4, 4)
            self.a = self.f

    class THolder(tnn.Module):
        def __init__(self, sh):
            super().__init__()
            self.sh = sh

    class T(tnn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = tnn.ModuleList([tnn.ModuleDict({"fc": tnn.Linear(4, 4)}) for _ in range(2)])
            self.stages = tnn.ModuleList([tnn.ModuleList([tnn.Linear(4, 4), tnn.Linear(4, 4)]) for _ in range(2)])
            self.heads = tnn.ModuleDict({"a": tnn.ModuleList([tnn.Linear(4, 4), tnn.Linear(4, 4)])})
            self.enc = TInner()
            self.a = self.enc
            self.sh = tnn.Linear(4, 4)
            self.p1 = THolder(self.sh)
            self.p2 = self.p1

    class LInner(nn.Module):
        def setup(self):
            self.f = nn.Dense(4)
            self.a = self.f

        def __call__(self, x):
            return self.a(self.f(x))

    class LHolder(nn.Module):
        sh: nn.Module

        def __call__(self, x):
            return self.sh(x)

    class L(nn.Module):
        def setup(self):
            self.blocks = [{"fc": nn.Dense(4)} for _ in range(2)]
            self.stages = [[nn.Dense(4), nn.Dense(4)] for _ in range(2)]
            self.heads = {"a": [nn.Dense(4), nn.Dense(4)]}
            self.enc = LInner()
            self.a = self.enc
            self.sh = nn.Dense(4)
            self.p1 = LHolder(self.sh)
            self.p2 = self.p1

        def __call__(self, x):
            for block in self.blocks:
                x = block["fc"](x)
            for stage in self.stages:
                for layer in stage:
                    x = layer(x)
            for layer in self.heads["a"]:
                x = layer(x)
            return self.p2(self.p1(self.sh(self.a(self.enc(x)))))

    def torch_form(path: str) -> str:
        return path.replace("kernel", "weight")

    t = T()
    want = {torch_form(p.path): (p.key, tuple(sorted(map(torch_form, p.aliases)))) for p in ui.inspect(t).params}
    x = jnp.ones((1, 4))
    variables = L().init(jax.random.key(0), x)
    plan = ui.Plan().rule(ui.Normal(0, 1), role="weight").rule(ui.Uniform(-1, 1), role="bias")
    plan.apply(t, seed=0, portable=True)
    torch_values = {p.key: t.get_parameter(p.path.replace("/", ".")).detach().numpy() for p in ui.inspect(t).params}
    for options in ({"params": variables, "inputs": (x,)}, {"params": variables}):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a linen module without inputs: known from setup
            params = ui.inspect(L(), **options).params
            new, _ = plan.apply(L(), seed=0, portable=True, **options)
        keys = sorted((p.key, tuple(sorted(map(torch_form, p.aliases)))) for p in params)
        assert keys == sorted(want.values()), options
        assert dict((p.key, p.aliases) for p in params)["a/a/weight"] == ("a/f/kernel", "enc/a/kernel", "enc/f/kernel")
        places = [place for _, place in F.walk(L(), **options)]
        assert [p.path for p in params] == [p.path for p, _ in F.walk(L(), **options)]
        for p, (collection, at, name) in zip(params, places):  # each value at its place in the tree: torch's
            value = new[collection]
            for part in (*at, name):
                value = value[part]
            expected = torch_values[p.key]
            np.testing.assert_array_equal(np.asarray(value), expected.T if p.role == "weight" else expected)


def test_small_floats_take_constants_within_their_range_as_ml_dtypes_counts_it():
    # JAX wrote NaN or inf for a constant a float8 dtype cannot hold (1000 in float8_e4m3fn, 1e6 in float8_e5m2)
    from unifiedinit import _validate as v
    key = jax.random.key(0)
    small = [name for name in v.DTYPE_RANGE if name.startswith("float") and name not in v.FLOAT_DTYPES]
    assert len(small) == 11
    for name in small:
        dtype = jnp.dtype(name)
        info = jnp.finfo(dtype)  # the range our table holds, read from ml_dtypes in the same run
        low = float(info.tiny) if name == "float8_e8m0fnu" else -float(info.max)  # e8m0: powers of two, no zero
        assert v.DTYPE_RANGE[name] == (low, float(info.max)), name
        if not name.startswith("float8"):
            continue  # XLA on a CPU makes no float6 or float4 arrays
        top = float(info.max)
        assert np.asarray(ui.Constant(top).to_flax()(key, (3,), dtype), np.float64).tolist() == [top] * 3
        for bad in (2 * top, -2 * top):
            with pytest.raises(ValueError, match=f"dtype {name}, which cannot hold"):
                ui.Constant(bad).to_flax()(key, (3,), dtype)
    with pytest.raises(ValueError, match=r"float8_e4m3fn, which cannot hold the values of Eye\(gain=1000.0\)"):
        ui.Eye(gain=1000.0).to_flax()(key, (2, 2), jnp.float8_e4m3fn)


def test_the_drop_in_constant_casts_as_jax_where_a_spec_takes_whole_numbers_only():
    key = jax.random.key(0)
    for value, dtype in ((2.7, jnp.int32), (-2.7, jnp.int8), (0.5, jnp.bool_), (jnp.array([1.5, -2.5]), jnp.int32)):
        ours = F.initializers.constant(value)(key, (2, 2), dtype)
        theirs = jax.nn.initializers.constant(value)(key, (2, 2), dtype)
        assert ours.dtype == theirs.dtype and np.array_equal(np.asarray(ours), np.asarray(theirs)), value
    with pytest.raises(ValueError, match="int32, which cannot hold the values of Constant.*2.7 is not a whole number"):
        ui.Constant(2.7).to_flax()(key, (2,), jnp.int32)
    with pytest.raises(ValueError, match="int8, which cannot hold"):  # the cast value must still fit
        F.initializers.constant(300.0)(key, (2,), jnp.int8)


@pytest.mark.parametrize("name,args,dtypes", [("zeros", None, (jnp.complex64, jnp.float32, jnp.int32)),
                                               ("ones", None, (jnp.complex64, jnp.bool_)),
                                               ("constant", (1.5 - 2j,), (jnp.complex64,)),
                                               ("constant", (0.5,), (jnp.complex64, jnp.float32))])
def test_the_drop_in_constants_take_any_key_as_jax_in_every_dtype(name, args, dtypes):
    """JAX's zeros, ones and constant take any key (they use none); the drop-ins did so for a real dtype only: a
    complex one split the key, and 0 or None raised JAX's "invalid PRNG key data". Compared with JAX's own in the
    same run, the caller's key never read."""
    ours = getattr(F.initializers, name) if args is None else getattr(F.initializers, name)(*args)
    theirs = getattr(JI, name) if args is None else getattr(JI, name)(*args)
    for key in (0, None, "no key", jax.random.key(1)):
        for dtype in dtypes:
            a, b = ours(key, (2, 3), dtype), theirs(key, (2, 3), dtype)
            assert a.dtype == b.dtype and np.array_equal(np.asarray(a), np.asarray(b)), (key, dtype)


def test_an_axis_out_of_range_is_named():
    key = jax.random.key(0)
    spec = ui.KaimingNormal()
    for init, name in ((spec.to_flax(in_axis=5), "in_axis"), (spec.to_flax(out_axis=-3), "out_axis"),
                       (spec.to_flax(batch_axis=(7,)), "batch_axis")):
        with pytest.raises(IndexError, match=rf"parameter '{name}' is .* shape \(4, 4\); allowed: axes in \[-2, 2\)"):
            init(key, (4, 4))
    with pytest.raises(IndexError):  # JAX's own error type for the same mistake
        jax.nn.initializers.he_normal(in_axis=5)(key, (4, 4))
    # an axis that is no integer, named by the option (it was the layout's field 'in_axes', inside its repr)
    with pytest.raises(TypeError, match=r"^parameter 'in_axis' must be an axis \(an integer\) or a sequence of them, "
                                        r"got 1.0 of type float$"):
        spec.to_flax(in_axis=1.0)  # pyright: ignore[reportArgumentType]  # a float on purpose
    with pytest.raises(TypeError, match=r"parameter 'out_axis' must be an axis .* got \(0, 'a'\) of type str"):
        spec.to_flax(out_axis=(0, "a"))  # pyright: ignore[reportArgumentType]  # a name on purpose


def test_a_complex_nnx_parameter_is_listed_and_a_random_rule_on_it_refused():
    # NNX's walk skipped complex parameters: not in the report, and a rule naming one only "matched no parameter"
    class Model(nnx.Module):
        def __init__(self):
            self.dense = nnx.Linear(2, 2, rngs=nnx.Rngs(0))
            self.phase = nnx.Param(jnp.ones((3,), jnp.complex64))

    model = Model()
    report = ui.presets.torch.apply(model, seed=0)
    assert [p.path for p in report.unmatched] == ["phase"]
    with pytest.raises(TypeError, match="cannot initialize 'phase' .* complex64, which cannot hold random values"):
        ui.Plan().rule(ui.Normal(), path="phase").apply(model, seed=0)
    assert np.array_equal(np.asarray(model.phase.get_value()), np.ones(3, np.complex64))


def _flax_matrix_error(kernel, n_rows):
    """max |G - I| for the Gram matrix of the short side of the matrix Flax draws a DenseGeneral / LinearGeneral
    kernel as: its first ``n_rows`` axes (batch x inputs) flattened against the others (features)."""
    k = np.asarray(kernel, np.float64)
    m = k.reshape(math.prod(k.shape[:n_rows]), -1)
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    return float(np.abs(gram - np.eye(len(gram))).max())


#: linen DenseGeneral layers (given their kernel_init), an input, and how many leading kernel axes are the rows of
#: the matrix Flax draws (batch x inputs)
GENERAL = {
    "2_in_2_out": (lambda init: nn.DenseGeneral((3, 4), axis=(-2, -1), kernel_init=init), (2, 5, 6), 2),
    "batch_dims": (lambda init: nn.DenseGeneral((3, 4), axis=-1, batch_dims=(0,), kernel_init=init), (2, 5, 6), 2),
    "1_in_2_out": (lambda init: nn.DenseGeneral((3, 4), kernel_init=init), (2, 5), 1),
    "1_in_3_out": (lambda init: nn.DenseGeneral((2, 3, 4), kernel_init=init), (2, 5), 1),
}


@pytest.mark.parametrize("portable", [False, True])
@pytest.mark.parametrize("case", sorted(GENERAL))
def test_orthogonal_makes_a_dense_general_kernel_orthogonal_as_the_matrix_flax_draws(case, portable):
    """Flax draws a DenseGeneral kernel as the matrix (batch x inputs, features) and reshapes it, so its own
    orthogonal() (checked here, in the same run) and ui.Orthogonal's are orthogonal as that matrix; a plan took the
    last axis against the rest (0.78 off). Portable values are those of the flat Dense kernel of the same key,
    reshaped: the same layer, its inputs flattened."""
    make, shape, n_rows = GENERAL[case]
    x = jnp.ones(shape)
    assert _flax_matrix_error(make(JI.orthogonal()).init(jax.random.key(0), x)["params"]["kernel"], n_rows) < 1e-5
    assert _flax_matrix_error(make(ui.Orthogonal().to_flax()).init(jax.random.key(0), x)["params"]["kernel"],
                              n_rows) < 1e-5
    layer = make(nn.initializers.lecun_normal())
    out, report = ui.Plan().rule(ui.Orthogonal(), role="weight").apply(layer, params=layer.init(jax.random.key(0), x),
                                                                       seed=0, portable=portable)
    kernel = np.asarray(out["params"]["kernel"])
    assert _flax_matrix_error(kernel, n_rows) < 1e-5, report.rows()[0]["layout"]
    if portable:
        flat = (math.prod(kernel.shape[:n_rows]), math.prod(kernel.shape[n_rows:]))
        dense = ui.Portable(0, report.rows()[0]["key"]).values(ui.Orthogonal(), flat, "flax", "float32")
        np.testing.assert_array_equal(kernel, dense.reshape(kernel.shape))


@pytest.mark.parametrize("portable", [False, True])
def test_orthogonal_makes_nnx_attention_and_linear_general_kernels_orthogonal_as_flax_draws_them(portable):
    """NNX MultiHeadAttention's (E, heads, head_dim) q/k/v kernels are the matrix (E, heads x head_dim) to Flax, its
    (heads, head_dim, E) output kernel (heads x head_dim, E); LinearGeneral's as DenseGeneral's. Flax's own
    orthogonal() is checked so in the same run; a plan took the q/k/v kernels' last axis against the rest."""
    def attention(init):
        return nnx.MultiHeadAttention(2, 6, qkv_features=8, out_features=6, kernel_init=init, rngs=nnx.Rngs(0),
                                      decode=False)

    def general(init):
        return nnx.LinearGeneral((5, 6), (3, 4), axis=(-2, -1), kernel_init=init, rngs=nnx.Rngs(0))
    rows = {"query": 1, "key": 1, "value": 1, "out": 2}
    own_attention, own_general = attention(JI.orthogonal()), general(JI.orthogonal())
    for sub, n_rows in rows.items():
        assert _flax_matrix_error(getattr(own_attention, sub).kernel.get_value(), n_rows) < 1e-5
    assert _flax_matrix_error(own_general.kernel.get_value(), 2) < 1e-5
    ours_attention, ours_general = attention(JI.lecun_normal()), general(JI.lecun_normal())
    plan = ui.Plan().rule(ui.Orthogonal(), role="weight")
    report = plan.apply(ours_attention, seed=0, portable=portable)
    plan.apply(ours_general, seed=0, portable=portable)
    for sub, n_rows in rows.items():
        assert _flax_matrix_error(getattr(ours_attention, sub).kernel.get_value(), n_rows) < 1e-5, sub
    assert _flax_matrix_error(ours_general.kernel.get_value(), 2) < 1e-5
    layouts = {r["path"]: r["layout"] for r in report.rows()}
    assert layouts["query/kernel"] == "flax_multihead_qkv" and layouts["out/kernel"] == "multihead_out"


def test_a_dtype_refusal_names_the_dtype_parameter_that_init_takes():
    # init(key, shape, dtype) has no parameter 'tensor', which the refusal named
    import inspect
    init = ui.Normal().to_flax()
    assert list(inspect.signature(init.__call__).parameters)[:3] == ["key", "shape", "dtype"]
    key = jax.random.key(0)
    with pytest.raises(TypeError, match=r"^parameter 'dtype' asks for dtype int32, which cannot hold random values; "
                                        r"allowed: float16, bfloat16, float32, float64$"):
        init(key, (3, 4), jnp.int32)
    with pytest.raises(ValueError, match=r"^parameter 'dtype' asks for dtype int8, which cannot hold the values of "
                                         r"Constant\(value=300\.0\)"):
        ui.Constant(300).to_flax()(key, (3, 4), jnp.int8)
    with pytest.raises(ValueError, match=r"^parameter 'dtype' asks for dtype int32, which cannot hold the values of "
                                         r"Constant\(value=2\.5\): 2\.5 is not a whole number"):
        ui.Constant(2.5).to_flax()(key, (2,), jnp.int32)
    from unifiedinit.backends.flax import initializers as fi  # the drop-ins' own checks: small floats, complex
    with pytest.raises(ValueError, match=r"^parameter 'dtype' asks for dtype float8_e4m3fn, which cannot hold the "
                                         r"values of Normal\(mean=0\.0, std=1000000\.0\)"):
        fi.normal(1e6)(key, (3,), jnp.float8_e4m3fn)
    with pytest.raises(ValueError, match=r"^parameter 'dtype' asks for dtype complex64, which cannot hold the "
                                         r"values of Orthogonal\(gain=1e\+300"):
        fi.orthogonal(scale=1e300)(key, (3, 3), jnp.complex64)


def test_params_and_inputs_are_refused_for_an_nnx_module_and_a_variables_tree():
    # before: a tree with params= walked the tree and rebuilt params= (its kernel (4, 3) in a tree whose kernel is
    # (8, 5)), an NNX module with params={} failed on an unpacking deep inside, and inputs= was silently ignored
    variables = nn.Dense(3).init(jax.random.key(0), jnp.ones((1, 4)))  # kernel (4, 3)
    other = {"params": {"kernel": jnp.zeros((8, 5)), "bias": jnp.zeros(5)}}
    layer = nnx.Linear(4, 3, rngs=nnx.Rngs(0))
    before = np.asarray(layer.kernel[...])
    plan = ui.presets.torch
    for model, kind in ((variables, r"a linen variables tree \(dict\)"), (layer, r"an NNX module \(Linear\)")):
        for option, value, shown in (("params", other, r"\{'params'.*"), ("params", {}, r"\{\}"),
                                     ("inputs", "junk", "'junk'"), ("inputs", (jnp.ones((1, 4)),), r"\(Array.*")):
            pattern = (rf"^parameter '{option}' applies to a linen module only \(.*\), but the model is {kind}, "
                       rf"which holds its own values; got {option}={shown}; allowed: {option}=None \(leave it out\)")
            options: dict[str, Any] = {option: value}
            with pytest.raises(TypeError, match=pattern):
                plan.apply(model, seed=0, **options)
            with pytest.raises(TypeError, match=pattern):  # inspect and fit read the model as apply does
                ui.inspect(model, plan, **options)
            with pytest.raises(TypeError, match=pattern):
                ui.fit(model, **options)
    np.testing.assert_array_equal(np.asarray(layer.kernel[...]), before)  # a refused call wrote nothing
    # None is leaving it out: both models are still read, the tree's own kernel is written
    out, report = plan.apply(variables, seed=0, params=None, inputs=None)
    assert out["params"]["kernel"].shape == (4, 3) and [e.param.path for e in report.entries] == ["kernel", "bias"]
    assert [e.param.path for e in plan.apply(layer, seed=0, params=None, inputs=None).entries] == ["kernel", "bias"]


def test_a_linen_modules_call_on_bad_inputs_is_named_with_the_modules_own_error_chained():
    # before: the module's own IndexError (or Flax's ScopeParamShapeError) escaped, naming no option
    variables = nn.Dense(3).init(jax.random.key(0), jnp.ones((1, 4)))
    for inputs, shown in (("x", "'x'"), (jnp.ones((1, 5)), r"Array\(.*")):  # no array; the wrong width
        with pytest.raises(Exception) as flax_own:  # Flax's own call on the same inputs, in this run
            nn.Dense(3).apply(variables, inputs)
        with pytest.raises(ValueError, match=rf"^parameter 'inputs': calling the linen module Dense on "
                                             rf"inputs={shown} with the variables of params= failed: "
                                             rf"{type(flax_own.value).__name__}: .*; allowed: example arguments of "
                                             rf"its __call__ \(one value, or a tuple of them\)") as ours:
            ui.presets.torch.apply(nn.Dense(3), seed=0, params=variables, inputs=inputs)
        assert type(ours.value.__cause__) is type(flax_own.value)
        assert str(ours.value.__cause__) == str(flax_own.value)
    # inputs it takes: read exactly as before
    _, report = ui.presets.torch.apply(nn.Dense(3), seed=0, params=variables, inputs=jnp.ones((1, 4)))
    assert [e.param.path for e in report.entries] == ["kernel", "bias"]


def test_a_linen_modules_params_must_be_a_dict_of_arrays_and_the_first_bad_leaf_is_named():
    # before: params=[1] raised Flax's ApplyScopeInvalidVariablesTypeError; a tree of Python lists gave a report of
    # no entries and no warning
    kernel, bias = jnp.ones((4, 3)), jnp.zeros(3)
    cases = [
        ([1], r"^parameter 'params' must be the linen module's variables, a dict, got list \[1\]; allowed: "),
        ({"params": {"kernel": [[1.0] * 3] * 4, "bias": [0.0] * 3}},
         r"^parameter 'params': the leaf 'params/kernel' is list \[\[1\.0.*, no array; allowed: a JAX or NumPy "
         r"array, a jax\.ShapeDtypeStruct or a Flax box of one"),
        ({"kernel": kernel, "bias": [0.0] * 3}, r"^parameter 'params': the leaf 'bias' is list"),  # a bare params tree
        ({"params": {"kernel": kernel, "bias": 0.0}}, r"^parameter 'params': the leaf 'params/bias' is float 0\.0"),
        ({"params": {"kernel": kernel, "bias": bias}, "batch_stats": 3},
         r"^parameter 'params': the collection 'batch_stats' of the variables dict is int 3, no dict of variables"),
        ({"params": {"Dense_0": {0: kernel}}}, r"^parameter 'params': the key 0 \(int\) at 'params/Dense_0' is no "
                                               r"string"),
    ]
    for params, pattern in cases:
        for inputs in (None, jnp.ones((1, 4))):
            with pytest.raises(TypeError, match=pattern):
                ui.presets.torch.apply(nn.Dense(3), seed=0, params=params, inputs=inputs)
    # what a variables tree may hold besides arrays is still taken: None (an empty subtree to JAX) among the
    # parameters, the tuple a `sow` leaves in another collection; those come back as they were
    tree = {"params": {"kernel": kernel, "bias": bias, "extra": None}, "intermediates": {"h": (jnp.ones(2),)}}
    for inputs in (None, jnp.ones((1, 4))):
        out, report = ui.presets.torch.apply(nn.Dense(3), seed=0, params=tree, inputs=inputs)
        assert [e.param.path for e in report.entries] == ["kernel", "bias"]
        assert out["params"]["extra"] is None and out["intermediates"]["h"] is tree["intermediates"]["h"]


def test_an_nnx_submodule_held_under_a_private_name_is_drawn_as_torchs_twin():
    """NNX walks every attribute that holds a module, `self._proj` too (nnx.state lists it); the walk skipped names
    starting with "_", so a plan left `_proj` as it was without a word (not even UNMATCHED)."""
    torch = pytest.importorskip("torch")

    class Net(nnx.Module):
        def __init__(self):
            self.head = nnx.Linear(4, 2, rngs=nnx.Rngs(0))
            self._proj = nnx.Linear(3, 4, rngs=nnx.Rngs(1))

    class Twin(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.head, self._proj = torch.nn.Linear(4, 2), torch.nn.Linear(3, 4)

    net, twin = Net(), Twin()
    report = ui.presets.torch.apply(net, seed=0, portable=True)
    ui.presets.torch.apply(twin, seed=0, portable=True)
    assert sorted(e.param.path for e in report.entries) == ["_proj/bias", "_proj/kernel", "head/bias", "head/kernel"]
    np.testing.assert_array_equal(np.asarray(net._proj.kernel.get_value()), twin._proj.weight.detach().numpy().T)
    np.testing.assert_array_equal(np.asarray(cast(Any, net._proj.bias).get_value()), twin._proj.bias.detach().numpy())


def test_a_bare_variables_tree_with_a_leaf_that_is_no_array_is_refused_by_its_path():
    """A bare linen variables tree with a nested list for a kernel: the list was passed over (left as it was, not
    reported, not even UNMATCHED) while the rest was drawn; its params= form was refused. Both are now."""
    tree = {"params": {"Dense_0": {"kernel": [[1.0, 2.0]], "bias": jnp.zeros(2)}}}
    plan = ui.Plan().rule(ui.Zeros())
    for call in (lambda: plan.apply(tree, seed=0), lambda: ui.inspect(tree)):
        with pytest.raises(TypeError, match=r"the leaf 'params/Dense_0/kernel' of the variables tree has no shape "
                                            r"and dtype: .* got list"):
            call()
    # another collection's Python values (a sow's tuples) are passed over, as before
    sown = {"params": {"Dense_0": {"kernel": jnp.ones((2, 2))}}, "intermediates": {"x": (jnp.ones(2),)}}
    assert [p.path for p in ui.inspect(sown).params] == ["Dense_0/kernel"]


def _param_paths(model: Any) -> list[str]:
    """The paths of every leaf of ``nnx.state(model, nnx.Param)``, as the walk writes them."""
    return sorted("/".join(map(str, path)) for path, _ in nnx.to_flat_state(nnx.state(model, nnx.Param)))


def test_nnx_layers_and_params_in_plain_containers_at_any_depth_are_walked_and_keyed_as_nnx_lists():
    """The NNX walk looked one container level deep, for modules only: a list of lists of layers (nnx.data, or a
    pytree=False module's), Params in a plain list or dict, and bridge.ToNNX's dicts of a linen block's variables
    were left as they were by every plan, without a word, and their biases were given weight decay."""
    from flax.nnx import bridge

    class Nested(nnx.Module):
        def __init__(self, rngs: nnx.Rngs):
            self.stages = nnx.data([[nnx.Linear(4, 4, rngs=rngs) for _ in range(2)] for _ in range(2)])
            self.w = nnx.data([nnx.Param(jnp.ones((3, 3))), {"a": nnx.Param(jnp.ones((3, 3)))}])

    class Flat(nnx.Module):  # the nnx.List / nnx.Dict form, whose keys the walk already gave
        def __init__(self, rngs: nnx.Rngs):
            self.stages = nnx.List([nnx.List([nnx.Linear(4, 4, rngs=rngs) for _ in range(2)]) for _ in range(2)])
            self.w = nnx.List([nnx.Param(jnp.ones((3, 3))), nnx.Dict({"a": nnx.Param(jnp.ones((3, 3)))})])

    class Plain(nnx.Module, pytree=False):
        def __init__(self, rngs: nnx.Rngs):
            self.stages = [[nnx.Linear(4, 4, rngs=rngs)], (nnx.Linear(4, 4, rngs=rngs),)]
            self.w = {"a": nnx.Param(jnp.ones((3, 3)))}
            self.stages[0][0].up = nnx.data([self])  # a module holding the one above it: walked once, not forever

    class Block(nn.Module):
        @nn.compact
        def __call__(self, x):
            return nn.Dense(3, name="out")(nn.Dense(5)(x))

    class Bridged(nnx.Module):
        def __init__(self, rngs: nnx.Rngs):
            self.enc = bridge.ToNNX(Block(), rngs=rngs)

    bridged = Bridged(nnx.Rngs(0))
    bridge.lazy_init(bridged.enc, jnp.ones((1, 2)))
    models = [Nested(nnx.Rngs(0)), Flat(nnx.Rngs(0)), Plain(nnx.Rngs(0)), bridged]
    for model in models:
        walked = [p for p, _ in F.walk(model)]
        assert sorted(p.path for p in walked) == _param_paths(model), type(model).__name__
        ui.Plan().rule(ui.Constant(7.0)).apply(model, seed=0)  # a rule for every path writes every Param
        assert all(np.all(np.asarray(x) == 7.0) for x in jax.tree_util.tree_leaves(nnx.state(model, nnx.Param)))
        mask = F.param_groups(model, [ui.Select(role=("bias",))], 0.1)
        decay = {"/".join(str(getattr(k, "key", k)) for k in path): bool(v)
                 for path, v in jax.tree_util.tree_flatten_with_path(mask)[0]}
        assert decay == {p.path: p.role != "bias" for p in walked}, type(model).__name__
    nested, flat = (sorted((p.key, p.kind, p.role, p.layer_fans) for p in ui.inspect(m).params) for m in models[:2])
    assert nested == flat
    # a ToNNX block's layers are known by their names (Dense_0; "out" holds a 2-D kernel), of their kernels' fans
    assert {(p.path, p.kind, p.role, p.layer_fans, p.inferred) for p in ui.inspect(bridged).params} == {
        ("enc/Dense_0/kernel", "dense", "weight", (2, 5), "names"),
        ("enc/Dense_0/bias", "dense", "bias", (2, 5), "names"),
        ("enc/out/kernel", "dense", "weight", (5, 3), "names"), ("enc/out/bias", "dense", "bias", (5, 3), "names")}


def test_keys_of_non_ascii_digits_are_names_not_positions():
    """A key of a non-ASCII digit ("²", which str.isdigit accepts) crashed the walk in int(); "٣", a decimal digit
    to int, was made position 3, where nnx.state keys it by the string."""
    class Heads(nnx.Module):
        def __init__(self, rngs: nnx.Rngs):
            self.heads = nnx.Dict({"²": nnx.Linear(2, 2, rngs=rngs), "٣": nnx.Linear(2, 2, rngs=rngs),
                                   "1": nnx.Linear(2, 2, rngs=rngs)})

    class LinenHeads(nn.Module):
        def setup(self):
            self.heads = {"²": nn.Dense(2), "٣": nn.Dense(2)}

        def __call__(self, x):
            return self.heads["²"](self.heads["٣"](x))

    model = Heads(nnx.Rngs(0))
    assert {p.key_parts for p in ui.inspect(model).params} == {("heads", 1), ("heads", "²"), ("heads", "٣")}
    x = jnp.ones((1, 2))
    variables = LinenHeads().init(jax.random.key(0), x)
    for options in ({"params": variables, "inputs": (x,)}, {"params": variables}):
        parts = {p.key_parts for p in ui.inspect(LinenHeads(), **options).params}
        assert parts == {("heads", "²"), ("heads", "٣")}, sorted(options)


def test_a_linen_layer_in_lists_nested_17_deep_is_keyed_and_drawn_as_nnxs():
    """Linen's reading of a setup's containers stopped 16 deep: a Dense in lists nested 17 deep was keyed by its
    linen name ('deep_0_..._0', 0) where NNX's twin in nnx.Lists is ('deep', 0, ..., 0), so its portable values
    differed from NNX's."""
    depth = 17

    def nest(x: Any, wrap: Any) -> Any:
        for _ in range(depth):
            x = wrap([x])
        return x

    def innermost(x: Any) -> Any:
        for _ in range(depth):
            x = x[0]
        return x

    class Deep(nn.Module):
        def setup(self):
            self.deep = nest(nn.Dense(4), list)

        def __call__(self, x):
            return innermost(self.deep)(x)

    class NDeep(nnx.Module):
        def __init__(self, rngs: nnx.Rngs):
            self.deep = nest(nnx.Linear(3, 4, rngs=rngs), nnx.List)

    x = jnp.ones((1, 3))
    variables = Deep().init(jax.random.key(0), x)
    twin = NDeep(nnx.Rngs(0))
    ui.presets.torch.apply(twin, seed=0, portable=True)
    want = {p.key: p.key_parts for p in ui.inspect(twin).params}
    assert want[f"deep/{'0/' * depth}weight"] == ("deep",) + (0,) * depth
    for options in ({"params": variables, "inputs": (x,)}, {"params": variables}):
        assert {p.key: p.key_parts for p in ui.inspect(Deep(), **options).params} == want, sorted(options)
        new, _ = ui.presets.torch.apply(Deep(), seed=0, portable=True, **options)
        layer = innermost(twin.deep)
        for name in ("kernel", "bias"):
            ours = new["params"]["deep_" + "_".join(["0"] * depth)][name]
            np.testing.assert_array_equal(np.asarray(ours), np.asarray(getattr(layer, name).get_value()))


def test_a_linen_module_shared_at_the_end_of_a_chain_70_deep_takes_the_rules_for_that_path():
    """A Dense shared between the root and the leaf of a chain of modules 70 deep: linen's alias paths longer than
    64 parts were not followed, so a rule for '**/last/kernel' missed it, where NNX's same model takes it."""
    depth = 70

    class Leaf(nn.Module):
        last: nn.Module

        def __call__(self, x):
            return self.last(x)

    class Chain(nn.Module):
        n: int
        shared: nn.Module

        def setup(self):
            self.sub = Chain(self.n - 1, self.shared) if self.n > 1 else Leaf(self.shared)

        def __call__(self, x):
            return self.sub(x)

    class Root(nn.Module):
        def setup(self):
            self.shared = nn.Dense(4)
            self.chain = Chain(depth, self.shared)

        def __call__(self, x):
            return self.chain(x)

    class NLeaf(nnx.Module):
        def __init__(self, last: nnx.Module):
            self.last = last

    class NChain(nnx.Module):
        def __init__(self, n: int, shared: nnx.Module):
            self.sub = NChain(n - 1, shared) if n > 1 else NLeaf(shared)

    class NRoot(nnx.Module):
        def __init__(self):
            self.shared = nnx.Linear(4, 4, rngs=nnx.Rngs(0))
            self.chain = NChain(depth, self.shared)

    plan = ui.Plan().rule(ui.Zeros(), path="**").rule(ui.Ones(), path="**/last/kernel")
    x = jnp.ones((1, 4))
    variables = Root().init(jax.random.key(0), x)
    twin = NRoot()
    plan.apply(twin, seed=0)
    assert np.all(np.asarray(twin.shared.kernel.get_value()) == 1.0)
    leaf = "chain/" + "sub/" * depth + "last/kernel"
    cases: list[dict[str, Any]] = [{"params": variables, "inputs": (x,)}, {"params": variables}]
    for options in cases:
        new, _ = plan.apply(Root(), seed=0, **options)
        assert np.all(np.asarray(new["params"]["shared"]["kernel"]) == 1.0), sorted(options)
        assert leaf in {a for p in ui.inspect(Root(), **options).params for a in p.aliases}, sorted(options)


class _Conv8(nn.Module):
    """A 3 x 3 conv of 8 features as an nn.scan body (carry, nothing out)."""
    use_bias: bool = True

    @nn.compact
    def __call__(self, x: Any, _: Any) -> Any:
        return nn.Conv(8, (3, 3), use_bias=self.use_bias)(x), None


def test_a_bare_tree_names_the_flax_layers_whose_kernel_rank_cannot_tell_one_layer_from_a_stack():
    """In a bare tree a DenseGeneral((4, 16))'s (64, 4, 16) kernel and an nn.scan'd Conv_0's (3, 3, 3, 32, 32)
    kernel (no bias) were read as one layer's (half Flax's std, a 3-D conv) without a word, where the module
    read without inputs= names them: now the bare tree's warning names them too; a Conv of a one-axis bias is
    one layer and is not named."""
    class Model(nn.Module):
        @nn.compact
        def __call__(self, x):
            x = nn.Conv(8, (1, 1))(x)
            scan = nn.scan(_Conv8, variable_axes={"params": 0}, split_rngs={"params": True}, length=3)
            x = scan(use_bias=False, name="s")(x, None)[0]
            return nn.DenseGeneral((4, 16), axis=(-3, -2, -1))(x)

    tree = jax.eval_shape(Model().init, jax.random.key(0), jnp.ones((1, 4, 4, 3)))
    with pytest.warns(UserWarning, match=r"2 submodules of the variables tree .* \(DenseGeneral_0, s/Conv_0\): .* "
                                         r"inputs=example_inputs"):
        ui.inspect(tree)


def test_a_to_linen_module_read_with_inputs_is_named_without_asking_for_the_inputs_already_given():
    """An NNX module inside linen (nnx.bridge.to_linen) is no linen module, so a traced call does not reach it:
    the warning still told the user to pass inputs=, which they had passed. It now says the call was traced and
    points to the NNX module itself; without inputs= it still asks for them."""
    from flax.nnx import bridge

    class Block(nnx.Module):
        def __init__(self, rngs: nnx.Rngs):
            self.b = nnx.LinearGeneral(8, (2, 4), rngs=rngs)

        def __call__(self, x):
            return self.b(x)

    class Outer(nn.Module):
        @nn.compact
        def __call__(self, x):
            return bridge.to_linen(Block)(x)

    x = jnp.ones((1, 8))
    variables = Outer().init(jax.random.key(0), x)
    for inputs in ((x,), None):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ui.inspect(Outer(), params=variables, inputs=inputs)
        messages = [str(w.message) for w in caught if "ToLinen_0/b" in str(w.message)]
        assert len(messages) == 1, messages
        assert ("Pass inputs=" in messages[0]) == (inputs is None), messages[0]
        assert ("although the call on inputs= was traced" in messages[0]) == (inputs is not None), messages[0]


@pytest.mark.parametrize("attribute", ["z_head", "lm_head"])
def test_a_table_a_head_holds_under_the_embeddings_own_name_is_the_embeddings(attribute):
    """An NNX head holding its embedding's table as ``self.embedding``: the embedding layer owns the tied table
    whatever the head's attribute sorts as, so ``presets.flax`` draws it as Flax's Embed does. With the head at
    ``lm_head`` (sorting first) the head, a layer of kind other that no rule matches, owned it, and the table kept
    its values without a word."""
    class Head(nnx.Module):
        def __init__(self, table: Any) -> None:
            self.embedding = table

    class LM(nnx.Module):
        def __init__(self) -> None:
            self.token_embedding = nnx.Embed(500, 32, rngs=nnx.Rngs(0))
            setattr(self, attribute, Head(self.token_embedding.embedding))

    model = LM()
    model.token_embedding.embedding.value = jnp.full((500, 32), 7.0)
    assert [(p.path, p.kind) for p, _ in F.walk(model)] == [("token_embedding/embedding", "embedding")]
    ui.presets.flax.apply(model, seed=0)
    # Flax's Embed: variance_scaling(1, "fan_in", "normal", out_axis=0) of a (500, 32) table, N(0, 1/32);
    # one check at ALPHA: a false alarm once in 10,000 runs
    table = np.asarray(model.token_embedding.embedding.value)
    assert stats.check(table, ui.Normal(0, 32 ** -0.5), alpha=ALPHA)


@pytest.mark.parametrize("axes", [{"in_axis": (-2,), "out_axis": (-1,)}, {"in_axis": [-2], "batch_axis": []},
                                  {"out_axis": [-1], "batch_axis": ()}, {"in_axis": (np.int64(-2),)}])
def test_from_jax_takes_jaxs_default_axes_written_as_sequences(axes):
    # JAX reads in_axis=(-2,) as in_axis=-2 (checked here: the same values, bit for bit); the old from_jax compared
    # the int default with the tuple and refused it as "no unifiedinit equivalent"
    default = JI.variance_scaling(2.0, "fan_in", "normal")
    written = JI.variance_scaling(2.0, "fan_in", "normal", **axes)
    shape = (3, 2, 4)  # small: JAX compiles its draw for each shape, and both tests share this one
    assert jnp.array_equal(default(jax.random.key(0), shape), written(jax.random.key(0), shape))
    assert ui.from_jax(written) == ui.from_jax(default) == ui.VarianceScaling(2.0, "fan_in", "normal")


def test_from_jax_still_refuses_a_sequence_of_axes_that_moves_the_fans():
    # in_axis=(-3, -2) leaves a receptive field of 1 rather than 3: JAX's fan_out of a (3, 2, 4) kernel is 4, not
    # 12, so from the same key it draws sqrt(3) times the default's values (checked here, exact to rounding)
    moved = JI.variance_scaling(2.0, "fan_out", "normal", in_axis=(-3, -2))
    default = JI.variance_scaling(2.0, "fan_out", "normal")
    shape = (3, 2, 4)
    np.testing.assert_allclose(moved(jax.random.key(0), shape), math.sqrt(3) * default(jax.random.key(0), shape),
                               rtol=1e-5)
    with pytest.raises(ValueError, match=r"^from_jax\(variance_scaling\): parameter 'in_axis' = \(-3, -2\) has no "
                                         r"unifiedinit equivalent"):
        ui.from_jax(moved)
    with pytest.raises(TypeError, match=r"^from_jax\(variance_scaling\): parameter 'out_axis' must be an axis"):
        ui.from_jax(JI.variance_scaling(1.0, "fan_in", "normal", out_axis="-1"))


@pytest.mark.parametrize("axis", [0, 1])
def test_a_vmapped_lora_gets_one_layers_fans_as_flaxs_own_init(axis):
    # nnx.LoRA gave its factors no rank: 8 stacked (64, 16) lora_a factors were one (8, 64, 16) tensor whose
    # fan_in was 8 x 64, so presets.flax drew std 0.0625 where Flax's he_uniform draws sqrt(2/64) = 0.177
    def stack(seed):
        keys = jax.random.split(jax.random.key(seed), 8)
        return nnx.vmap(lambda k: nnx.LoRA(64, 16, 32, rngs=nnx.Rngs(k)), in_axes=0, out_axes=axis)(keys)

    model, own = stack(0), np.asarray(stack(1).lora_a.get_value())
    report = ui.presets.flax.apply(model, seed=0)
    params = {e.param.path: e.param for e in report.entries}
    assert (params["lora_a"].stacked, params["lora_b"].stacked) == ((axis,), (axis,))
    assert params["lora_a"].slice_shape == (64, 16) and params["lora_b"].slice_shape == (16, 32)
    ours = np.asarray(model.lora_a.get_value())
    # one two-sample KS against Flax's own stack, this run, at ALPHA: a false alarm once in 10,000 runs
    assert stats.ks_2samp(ours.ravel(), own.ravel())[1] > ALPHA
    assert not np.asarray(model.lora_b.get_value()).any()


def test_nnx_norms_stacked_along_axis_1_are_keyed_per_layer_as_a_stack_along_axis_0():
    # Flax's own norms gave no declared shape: a (8, 3) LayerNorm scale from nnx.vmap(out_axes=1) was read as 8
    # layers of 3 (its leading axis), so portable values differed from the same stack built along axis 0
    class Block(nnx.Module):
        def __init__(self, key):
            rngs = nnx.Rngs(key)
            self.ln, self.rms = nnx.LayerNorm(8, rngs=rngs), nnx.RMSNorm(8, rngs=rngs)
            self.gn, self.bn = nnx.GroupNorm(8, num_groups=2, rngs=rngs), nnx.BatchNorm(8, rngs=rngs)

    keys = jax.random.split(jax.random.key(0), 3)
    plan = ui.Plan().rule(ui.Normal(1.0, 0.1), kind="norm", role=("scale", "shift"))
    values = {}
    for axis in (0, 1):
        model = nnx.vmap(Block, in_axes=0, out_axes=axis)(keys)
        report = plan.apply(model, seed=0, portable=True)
        assert {e.param.stacked for e in report.entries} == {(axis,)}
        assert {e.param.slice_shape for e in report.entries} == {(8,)}
        values[axis] = {path: np.moveaxis(np.asarray(x.get_value()), axis, 0) for path, x in nnx.iter_graph(model)
                        if isinstance(x, nnx.Param)}
    assert len(values[0]) == 7  # RMSNorm has no bias
    for path, x in values[0].items():
        np.testing.assert_array_equal(values[1][path], x, err_msg=str(path))


def test_a_to_nnx_bridges_stacked_linen_conv_is_named_as_guessed_as_in_a_bare_tree():
    # nnx.bridge.ToNNX holds a linen model's variables in plain dicts, read by names as a bare tree is: an nn.scan'd
    # Conv_0's (3, 3, 3, 8, 8) kernel (no bias) was read as one 3-D conv, fan_in 3 x 9 x 8 (Flax's own std
    # sqrt(3) times ours) without the word the bare tree's walk says; a Conv of a one-axis bias is not named
    class Model(nn.Module):
        @nn.compact
        def __call__(self, x):
            scan = nn.scan(_Conv8, variable_axes={"params": 0}, split_rngs={"params": True}, length=3)
            x = scan(use_bias=False, name="s")(x, None)[0]
            return nn.Dense(4)(nn.Conv(8, (1, 1))(x))

    bridged = nnx.bridge.ToNNX(Model(), rngs=nnx.Rngs(0))
    nnx.bridge.lazy_init(bridged, jnp.ones((1, 4, 4, 8)))
    with pytest.warns(UserWarning, match=r"^1 containers of ToNNX .*\(s/Conv_0\): .* inputs=example_inputs"):
        ui.inspect(bridged, ui.presets.flax)
    plain = nnx.bridge.ToNNX(nn.Conv(8, (3, 3)), rngs=nnx.Rngs(0))
    nnx.bridge.lazy_init(plain, jnp.ones((1, 4, 4, 8)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ui.inspect(plain, ui.presets.flax)


class _ScanBody(nn.Module):
    """A Dense of 64 features and a 3 x 3 Conv of 8 as an nn.scan body (carry, nothing out)."""
    @nn.compact
    def __call__(self, xs: Any, _: Any) -> Any:
        return (nn.Dense(64)(xs[0]), nn.Conv(8, (3, 3))(xs[1])), None


@pytest.mark.parametrize("axis", [0, 1])
def test_an_nn_scan_read_by_names_takes_its_stacked_axes_from_the_bias(axis):
    """Read by names (a bare tree, nnx.bridge.ToNNX's variables, a module without inputs=), an nn.scan'd Dense's
    (64, 4, 64) kernel under variable_axes={"params": 1} had its stack taken at axis 0 (fans 4 x 64: 4 times Flax's
    std) and an nn.scan'd Conv_0's (3, 3, 3, 8, 8) kernel was one 3-D conv (fans 216: 0.57 times Flax's std,
    with a warning). A Dense's or Conv's bias is (features,) in one layer: its other axes are the stack, at the
    same position in the kernel. Each route's values against Flax's own init (ToNNX's lazy_init) in this run
    (two-sample KS at ALPHA: a false failure once in 10**4 per comparison)."""
    class Model(nn.Module):
        @nn.compact
        def __call__(self, x, y):
            scan = nn.scan(_ScanBody, variable_axes={"params": axis}, split_rngs={"params": True}, length=4)
            return scan(name="s")((x, y), None)[0]

    x, y = jnp.ones((1, 64)), jnp.ones((1, 4, 4, 8))
    bridged = nnx.bridge.ToNNX(Model(), rngs=nnx.Rngs(0))
    nnx.bridge.lazy_init(bridged, x, y)
    native = {k: np.asarray(v["kernel"]).ravel() for k, v in nnx.to_pure_dict(nnx.state(bridged))["s"].items()}
    v = jax.eval_shape(Model().init, jax.random.key(0), x, y)  # the tree's shapes: drawn anew by every route
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # nothing is guessed
        tree, _ = ui.presets.flax.apply(v, seed=1)
        module, report = ui.presets.flax.apply(Model(), params=v, seed=2)
        ui.presets.flax.apply(bridged, seed=3)
    fans = {e.param.path: (e.param.stacked, e.param.layer_fans) for e in report.entries}
    assert fans["s/Dense_0/kernel"] == ((axis,), (64, 64)) and fans["s/Conv_0/kernel"] == ((axis,), (72, 72))
    for route, ours in (("tree", tree["params"]), ("module", module["params"]),
                        ("ToNNX", nnx.to_pure_dict(nnx.state(bridged)))):
        for layer in ("Dense_0", "Conv_0"):
            p = stats.ks_2samp(np.asarray(ours["s"][layer]["kernel"]).ravel(), native[layer])[1]
            assert p > ALPHA, f"{route} {layer}: KS p = {p:.3g} against Flax's own init"


def test_an_nn_vmap_ensemble_read_by_names_is_its_wrapped_layer():
    """nn.vmap(nn.Dense, variable_axes={"params": 1}) names its layers VmapDense_0 (linen's lifted class): read
    without inputs= or as a bare tree, that name was no Flax class, so its (16, 3, 32) kernel was guessed one
    layer of fans (16 x 3, 32) (0.57 times Flax's std, with a warning). The prefix of a lifted transform names the
    layer it wraps, whose bias (32, 3) gives the stack. Values against Flax's own init in this run (two-sample KS
    at ALPHA: a false failure once in 10**4 per comparison)."""
    class Ensemble(nn.Module):
        @nn.compact
        def __call__(self, x):
            dense = nn.vmap(nn.Dense, variable_axes={"params": 1}, split_rngs={"params": True},
                            in_axes=None,  # type: ignore[arg-type]  # typed int; None broadcasts
                            out_axes=0, axis_size=3)
            return dense(32)(x)

    x = jnp.ones((2, 16))
    v = Ensemble().init(jax.random.key(0), x)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # nothing is guessed
        tree, _ = ui.presets.flax.apply(v, seed=1)
        module, report = ui.presets.flax.apply(Ensemble(), params=v, seed=2)
    kernel = next(e.param for e in report.entries if e.param.path == "VmapDense_0/kernel")
    assert (kernel.kind, kernel.stacked, kernel.layer_fans) == ("dense", (1,), (16, 32)), kernel
    native = np.asarray(v["params"]["VmapDense_0"]["kernel"]).ravel()
    for route, ours in (("tree", tree), ("module", module)):
        p = stats.ks_2samp(np.asarray(ours["params"]["VmapDense_0"]["kernel"]).ravel(), native)[1]
        assert p > ALPHA, f"{route}: KS p = {p:.3g} against Flax's own init"


def test_an_nnx_vmap_on_axis_1_of_as_many_layers_as_kernel_rows_stacks_each_layer():
    """nnx.vmap(out_axes=1) of three 3 x 3 NNX Convs stores a (3, 3, 3, 4, 6) kernel: removing axis 0 or 1 leaves
    the shape the Conv declares, and the walk took axis 0, so each "layer" a rule drew was a slice across the
    three (per-layer Orthogonal: |W_i^T W_i - I| up to 0.3 for the real layers). The bias (6, 3) says the stack
    is axis 1. Each real layer's kernel, reshaped to (3 x 3 x 4, 6) as Flax's orthogonal draws it, must have
    orthonormal columns (float32: within 1e-5)."""
    @nnx.vmap(in_axes=0, out_axes=1)
    def create(key):
        return nnx.Conv(4, 6, (3, 3), rngs=nnx.Rngs(key))

    model = create(jax.random.split(jax.random.key(0), 3))
    report = ui.Plan().rule(ui.Orthogonal(), role="weight").apply(model, seed=0)
    assert {e.param.path: e.param.stacked for e in report.entries} == {"kernel": (1,)}
    kernel = np.asarray(model.kernel.get_value(), dtype=np.float64)
    for i in range(3):
        w = kernel[:, i].reshape(36, 6)
        np.testing.assert_allclose(w.T @ w, np.eye(6), atol=1e-5, err_msg=f"layer {i}")


def test_an_nnx_state_is_refused_before_anything_is_written():
    """An nnx.State (nnx.split's) is a Mapping, so it was read as a linen tree by its attribute names: presets.flax
    left an nnx.Embed's table and a BatchNorm as they were (only report.unmatched said so), guessed the rest, and
    its warning asked for a linen module's inputs=. It keeps no module classes: refused, naming the parameter and
    what is allowed, with every value as it was."""
    class Model(nnx.Module):
        def __init__(self, rngs: nnx.Rngs):
            self.emb = nnx.Embed(10, 4, rngs=rngs)
            self.bn = nnx.BatchNorm(4, rngs=rngs)

    _, state = nnx.split(Model(nnx.Rngs(0)))
    before = [np.asarray(x).copy() for x in jax.tree_util.tree_leaves(state)]
    with pytest.raises(TypeError, match=r"parameter 'model' is an nnx.State .*allowed: the NNX module"):
        ui.presets.flax.apply(state, seed=0)
    assert all(np.array_equal(np.asarray(x), b) for x, b in zip(jax.tree_util.tree_leaves(state), before))


def test_a_layer_registered_stacked_gets_one_layers_fans_under_nnx_vmap():
    # ui.register_layer(MyLin, "dense", stacked=1) on an NNX layer of one's own built under nnx.vmap: 5 layers of an
    # (8, 16) kernel, one layer's fans (8, 16) as the torch, Keras and Equinox walks read the registration; the Flax
    # walk ignored stacked=, giving the (5, 8, 16) stack's fans (40, 80) and LecunNormal a std sqrt(5) too small
    class MyLin(nnx.Module):
        def __init__(self, rngs):
            self.w = nnx.Param(jnp.zeros((8, 16)))
            self.b = nnx.Param(jnp.ones((16,)))

    class MyNorm(nnx.Module):  # a user's norm in the same block: its (5, 16) vectors are one layer's (16,) each
        def __init__(self):
            self.scale = nnx.Param(jnp.zeros((16,)))

    class Block(nnx.Module):
        def __init__(self, rngs):
            self.lin, self.norm = MyLin(rngs), MyNorm()

    ui.register_layer(MyLin, "dense", roles={"w": "weight", "b": "bias"}, stacked=1)
    try:
        block = nnx.vmap(lambda key: Block(nnx.Rngs(key)))(jax.random.split(jax.random.key(0), 5))
        found = {p.path: p for p in ui.inspect(block).params}
        assert (found["lin/w"].layer_fans, found["lin/w"].stacked) == ((8, 16), (0,)), found["lin/w"]
        assert (found["norm/scale"].kind, found["norm/scale"].stacked) == ("norm", (0,)), found["norm/scale"]
        ui.Plan().rule(ui.LecunNormal(), path="lin/w").rule(ui.Ones(), kind="norm").apply(block, seed=0)
        w = np.asarray(block.lin.w.get_value())
        # 640 values against LecunNormal's exact law on one (8, 16) kernel: a false failure 1 in 10^4 (ALPHA)
        assert stats.check(w.reshape(-1, 16), ui.LecunNormal(), layout="flax", layer_fans=(8, 16), alpha=ALPHA)
        assert (np.asarray(block.norm.scale.get_value()) == 1).all()
    finally:
        ui.params.LAYERS.pop(MyLin, None)


def test_a_bias_that_cannot_tell_where_a_dense_stack_is_leaves_the_reading_guessed_and_says_so():
    # nn.vmap(Dense(6), variable_axes={"params": -1}) on 6 inputs: kernel (6, 6, 3), bias (6, 3). Read by names the
    # bias fits a stack on the kernel's last axis and, as 6 == 6, one on its first: the stacked reading was taken
    # silently (XavierUniform up to 0.81 where Flax's one layer's bound is 0.71); several readings are a guess
    # (the documented leading axis), named in a warning, as before the bias was read
    class M(nn.Module):
        @nn.compact
        def __call__(self, x):
            dense = nn.vmap(nn.Dense, variable_axes={"params": -1}, split_rngs={"params": True},
                            in_axes=None,  # type: ignore[arg-type]  # typed int; None broadcasts
                            out_axes=0, axis_size=3)
            return dense(6)(x)

    variables = M().init(jax.random.key(0), jnp.ones((2, 6)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        [p] = [p for p, _ in F.walk(variables) if p.path.endswith("kernel")]
    assert p.kind == "dense" and any("VmapDense_0" in str(w.message) for w in caught)


def test_a_remat_scan_dense_read_by_names_is_a_dense_layer():
    # nn.remat_scan's lifted class is named Remat_scan<Layer>: read by names it was a conv of fans (18, 18)
    class M(nn.Module):
        @nn.compact
        def __call__(self, x):
            return nn.remat_scan(nn.Dense, lengths=(3,))(6)(x)

    variables = M().init(jax.random.key(0), jnp.ones((2, 6)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        [p] = [p for p, _ in F.walk(variables) if p.path.endswith("kernel")]
    assert (p.kind, p.stacked, p.info().fans) == ("dense", (0,), (6, 6))
