"""MXNet Gluon backend: every spec on Dense/Conv2D/Conv2DTranspose/Embedding against the exact laws and the
reference, MXNet's own initializers, the registry round trip, Gluon's parameter conventions, training after
init, and the NumPy 2 import step. `make test` runs this file under NumPy 2 and again under numpy<1.24.

Each KS check is at level 1e-4 (a correct sampler fails it with probability 1e-4); seeds are fixed.
"""

import importlib.util
import json
import math
import os
import re
import subprocess
import sys
import warnings
from typing import Any

import numpy as np
import pytest

if importlib.util.find_spec("mxnet") is None:  # not importorskip: under NumPy 2 only the backend imports MXNet
    pytest.skip("mxnet is not installed", allow_module_level=True)

import unifiedinit as ui  # noqa: E402
from unifiedinit import draws as D  # noqa: E402
from conftest import applies  # noqa: E402
from unifiedinit.verify import stats  # noqa: E402
from unifiedinit.backends import mxnet as M  # noqa: E402

mx = M.mx  # a ModuleType: MXNet ships no types (read from its generated operator code they are wrong)
autograd, gluon, nd = mx.autograd, mx.gluon, mx.nd

ALPHA = 1e-4


def layer(kind, init=None):
    """A Gluon layer whose weight has the shape in SHAPES, initialized with ``init`` as the global initializer."""
    if kind == "Dense":
        lay = gluon.nn.Dense(256, in_units=300)
    elif kind == "Conv2D":
        lay = gluon.nn.Conv2D(64, 3, in_channels=32)
    elif kind == "Conv2DTranspose":
        lay = gluon.nn.Conv2DTranspose(32, 3, in_channels=64)
    else:
        lay = gluon.nn.Embedding(1000, 64)
    if init is not None:
        lay.initialize(init)
    return lay


def weight(lay):
    return lay.weight.data().asnumpy().astype(np.float64)


#: MXNet's storage: (out, in), (out, in, k, k), (in, out, k, k), (num, dim)
SHAPES = {"Dense": (256, 300), "Conv2D": (64, 32, 3, 3), "Conv2DTranspose": (64, 32, 3, 3), "Embedding": (1000, 64)}
LAYOUTS = {"Dense": "mxnet", "Conv2D": "mxnet", "Conv2DTranspose": "mxnet_conv_transpose", "Embedding": "mxnet_embedding"}
MATRIX = [(spec, kind) for spec in ui.examples() for kind in SHAPES if applies(spec, SHAPES[kind], LAYOUTS[kind])]


@pytest.mark.parametrize("spec,kind", MATRIX, ids=lambda x: x if isinstance(x, str) else repr(x))
def test_every_spec_on_every_layer(spec, kind):
    mx.random.seed(1)
    got = weight(layer(kind, spec.to_mxnet()))
    shape = SHAPES[kind]
    assert got.shape == shape
    ref = ui.sample(spec, shape, layout="mxnet", seed=1, dtype="float64")
    if ui.lower(spec, shape, "mxnet").deterministic:  # the exact values, rounded once to float32
        np.testing.assert_array_equal(got, ui.sample(spec, shape, layout="mxnet", dtype="float32"))
        return
    verdict = stats.check(got, spec, layout="mxnet")
    assert verdict, str(verdict)
    assert stats.ks_2samp(got, ref)[1] > ALPHA


def test_conv_transpose_and_embedding_layouts_give_the_layers_fans():
    # Conv2DTranspose(32) on 64 channels stores (64, 32, 3, 3) = (in, out, k, k); the layer's fan_in is 64 x 9
    mx.random.seed(2)
    got = weight(layer("Conv2DTranspose", ui.LecunUniform().to_mxnet(layout="mxnet_conv_transpose")))
    assert 0.99 * math.sqrt(3 / 576) < np.abs(got).max() <= math.sqrt(3 / 576)
    own = weight(layer("Conv2DTranspose", ui.LecunUniform().to_mxnet()))  # storage position: fan_in = 32 x 9
    assert math.sqrt(3 / 576) < np.abs(own).max() <= math.sqrt(3 / 288)
    emb = weight(layer("Embedding", ui.LecunUniform().to_mxnet(layout="mxnet_embedding")))  # fan_in = 1000
    assert 0.99 * math.sqrt(3 / 1000) < np.abs(emb).max() <= math.sqrt(3 / 1000)


XAVIER = [(rnd, factor, magnitude) for rnd in ("uniform", "gaussian") for factor in ("avg", "in", "out")
          for magnitude in (3.0, 2.34)]
MODE = {"avg": "fan_avg", "in": "fan_in", "out": "fan_out"}
KURTOSIS = {"uniform": 1.8, "normal": 3.0}


def same_as_mxnet(spec, native, shape=(64, 32, 3, 3)):
    mx.random.seed(5)
    ours = nd.zeros(shape)
    spec.to_mxnet()(mx.init.InitDesc("conv0_weight"), ours)
    theirs = nd.zeros(shape)
    native(mx.init.InitDesc("conv0_weight"), theirs)
    return ours.asnumpy().astype(np.float64), theirs.asnumpy().astype(np.float64)


@pytest.mark.parametrize("rnd,factor,magnitude", XAVIER)
def test_same_distribution_as_mxnet_xavier(rnd, factor, magnitude):
    # MXNet's magnitude is 3 x scale for uniform and the variance numerator for gaussian (untruncated)
    kind = "uniform" if rnd == "uniform" else "normal"
    scale = magnitude / 3 if kind == "uniform" else magnitude
    spec = ui.VarianceScaling(scale, MODE[factor], kind)
    ours, theirs = same_as_mxnet(spec, mx.init.Xavier(rnd, factor, magnitude))
    assert stats.ks_2samp(ours, theirs)[1] > ALPHA
    assert stats.check(theirs, spec, layout="mxnet")  # MXNet's own values follow the spec's exact law
    for x in (ours, theirs):  # SE of the kurtosis is <= 0.04 at n = 18432; the laws are 1.2 apart
        assert abs(stats.sample_kurtosis(x) - KURTOSIS[kind]) < 0.2


@pytest.mark.parametrize("factor", ["avg", "in", "out"])
@pytest.mark.parametrize("slope", [0.25, 0.0])
def test_same_distribution_as_mxnet_msraprelu(factor, slope):
    spec = ui.VarianceScaling(2 / (1 + slope ** 2), MODE[factor], "normal")
    ours, theirs = same_as_mxnet(spec, mx.init.MSRAPrelu(factor, slope))
    assert stats.ks_2samp(ours, theirs)[1] > ALPHA
    assert stats.check(theirs, spec, layout="mxnet")
    if factor != "avg":  # torch's kaiming_normal_ is the same law
        kaiming = ui.KaimingNormal(a=slope, mode=MODE[factor])
        a, b = ui.lower(kaiming, (64, 32, 3, 3), "mxnet"), ui.lower(spec, (64, 32, 3, 3), "mxnet")
        assert isinstance(a, D.Normal) and isinstance(b, D.Normal) and math.isclose(a.std, b.std, rel_tol=1e-12)


def _id(x) -> str:
    """A test id that is the same in every process: an MXNet initializer by its dumps(), not its address."""
    return x.dumps() if isinstance(x, mx.init.Initializer) else repr(x)


@pytest.mark.parametrize("spec,native", [
    (ui.Uniform(-0.07, 0.07), mx.init.Uniform()), (ui.Uniform(-0.3, 0.3), mx.init.Uniform(0.3)),
    (ui.Normal(0.0, 0.01), mx.init.Normal()), (ui.Normal(0.0, 0.4), mx.init.Normal(0.4)),
], ids=_id)
def test_same_distribution_as_mxnet_uniform_and_normal(spec, native):
    ours, theirs = same_as_mxnet(spec, native)
    assert stats.ks_2samp(ours, theirs)[1] > ALPHA
    assert stats.check(theirs, spec, layout="mxnet")


@pytest.mark.parametrize("spec,native", [(ui.Constant(0.3), mx.init.Constant(0.3)), (ui.Zeros(), mx.init.Zero()),
                                         (ui.Ones(), mx.init.One())], ids=_id)
def test_constants_equal_mxnet(spec, native):
    ours, theirs = same_as_mxnet(spec, native)
    np.testing.assert_array_equal(ours, theirs)


NUMPY2 = int(np.__version__.split(".")[0]) >= 2


@pytest.mark.parametrize("shape", [(20, 50), (50, 20), (16, 8, 3, 3)])
@pytest.mark.parametrize("whose", ["ours", pytest.param("mxnet's", marks=pytest.mark.skipif(
    NUMPY2, reason="MXNet's own Orthogonal hands np.prod's NumPy scalar to its C API, which NumPy 2 breaks; "
                   "`make test` checks it under numpy<1.24"))])
def test_orthogonal_has_mxnet_orthogonals_norm_property(shape, whose):
    # MXNet's Orthogonal is the SVD of a uniform matrix (not Haar): the property both share is that the
    # rows (or columns, whichever are fewer) are orthogonal with norm = scale
    w = nd.zeros(shape)
    (ui.Orthogonal(1.414).to_mxnet() if whose == "ours" else mx.init.Orthogonal())(mx.init.InitDesc("c_weight"), w)
    w = w.asnumpy().astype(np.float64)
    flat = w.reshape(shape[0], -1)
    gram = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
    np.testing.assert_allclose(gram, 1.414 ** 2 * np.eye(len(gram)), atol=1e-5)


def test_dumps_and_create_round_trip_every_spec():
    for spec in ui.examples():
        for layout in ("mxnet", "mxnet_conv_transpose"):
            init = spec.to_mxnet(layout=layout)
            again = mx.init.create(init.dumps())
            assert isinstance(again, M.SpecInitializer) and again == init
            assert again.spec == spec and again.layout.name == layout
    assert isinstance(mx.init.create("unifiedinit", spec={"type": "Zeros"}), M.SpecInitializer)



@pytest.mark.parametrize("text", ['["normal", {}]', '["msraprelu", {}]', '["msraprelu", {"factor_type": "in"}]',
                                  '["uniform", {}]', '["xavier", {}]'])
def test_from_mxnet_reads_a_left_out_keyword_as_mxnets_default(text):
    # a hand-written string that leaves keywords out must read as MXNet's own initializer built from it, whose
    # dumps() writes every keyword with MXNet's default (sigma 0.01, slope 0.25, scale 0.07, magnitude 3)
    assert ui.from_mxnet(text) == ui.from_mxnet(mx.init.create(text))

def test_repr_says_whether_the_values_are_portable():
    """MXNet's ``initialize(verbose=True)`` logs the initializer's repr: a portable one says so (it printed as the
    native one, though its dumps() differed)."""
    native, portable = ui.XavierUniform().to_mxnet(), ui.XavierUniform().to_mxnet(portable=ui.Portable(3, "k"))
    assert repr(native) == "SpecInitializer(XavierUniform(gain=1.0), layout='mxnet')"
    assert repr(portable) == ("SpecInitializer(XavierUniform(gain=1.0), layout='mxnet', "
                              "portable=Portable(seed=3, key='k', stream='chunks'))")


def test_registered_in_a_fresh_process_once_unifiedinit_sees_mxnet():
    code = ("import unifiedinit as ui; from unifiedinit.backends.mxnet import mx; "
            "print(type(mx.init.create('[\"specinitializer\", {\"spec\": {\"type\": \"Ones\"}}]')).__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "SpecInitializer"


def test_mx_random_seed_repeats_and_force_reinit_redraws():
    net = layer("Dense")
    mx.random.seed(7)
    net.initialize(ui.XavierUniform().to_mxnet())
    first = weight(net)
    with warnings.catch_warnings(record=True) as caught:  # without force_reinit MXNet keeps the values
        warnings.simplefilter("always")
        net.initialize(ui.XavierUniform().to_mxnet())
    assert any("force_reinit" in str(w.message) for w in caught)
    np.testing.assert_array_equal(weight(net), first)
    net.initialize(ui.XavierUniform().to_mxnet(), force_reinit=True)
    assert not np.array_equal(weight(net), first)
    mx.random.seed(7)
    net.initialize(ui.XavierUniform().to_mxnet(), force_reinit=True)
    np.testing.assert_array_equal(weight(net), first)


def mlp():
    net = gluon.nn.Sequential()
    net.add(gluon.nn.Dense(256, activation="relu"), gluon.nn.Dense(10))
    return net


def test_seed_patterns():
    X = nd.random.uniform(shape=(2, 20))
    net = mlp()
    net.initialize(init=ui.Normal(0, 0.01).to_mxnet())  # d2l: net.initialize(init=init.Normal(sigma=0.01))
    net(X)  # deferred init: shapes are known after the first forward
    w = net[0].weight.data().asnumpy()
    assert stats.check(w, ui.Normal(0, 0.01))
    assert np.all(net[0].bias.data().asnumpy() == 0)  # Dense's bias has its own 'zeros'
    net.initialize(init=ui.Constant(1).to_mxnet(), force_reinit=True)
    assert np.all(net[0].weight.data().asnumpy() == 1) and np.all(net[1].bias.data().asnumpy() == 0)
    net[0].weight.initialize(init=ui.XavierUniform().to_mxnet(), force_reinit=True)
    assert stats.check(net[0].weight.data().asnumpy(), ui.XavierUniform(), layout="mxnet")
    net[1].initialize(init=ui.Constant(42).to_mxnet(), force_reinit=True)
    assert np.all(net[1].weight.data().asnumpy() == 42) and np.all(net[1].bias.data().asnumpy() == 0)
    assert stats.check(net[0].weight.data().asnumpy(), ui.XavierUniform(), layout="mxnet")  # untouched
    # d2l's custom initializer: U(-10, 10) with |w| < 5 set to zero
    weird = ui.Mixture([ui.Uniform(5, 10), ui.Zeros(), ui.Uniform(-10, -5)], [0.25, 0.5, 0.25])
    net[0].initialize(init=weird.to_mxnet(), force_reinit=True)
    w = net[0].weight.data().asnumpy()
    assert abs(float((w == 0).mean()) - 0.5) < 4.5 * math.sqrt(0.25 / w.size)  # false failure ~7e-6
    assert stats.check(w, weird)


def test_parameter_init_and_per_parameter_init_apply_the_spec_whatever_the_name():
    p = gluon.Parameter("head_bias", shape=(30, 40), init=ui.Constant(3).to_mxnet())
    p.initialize()
    assert np.all(p.data().asnumpy() == 3)
    net = mlp()
    net.initialize(mx.init.Uniform())
    net(nd.ones((1, 5)))
    net[0].bias.initialize(init=ui.Constant(0.5).to_mxnet(), force_reinit=True)
    assert np.all(net[0].bias.data().asnumpy() == 0.5)


class Custom(gluon.Block):
    """A block with parameters that have no initializer of their own."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.weight = self.params.get("weight", shape=(10,))
            self.matrix_weight = self.params.get("matrix_weight", shape=(30, 40))
            self.bias = self.params.get("bias", shape=(10,))
            self.gamma = self.params.get("gamma", shape=(10,))
            self.beta = self.params.get("beta", shape=(10,))
            self.running_mean = self.params.get("running_mean", shape=(10,))
            self.running_var = self.params.get("running_var", shape=(10,))
            self.scale = self.params.get("scale", shape=(3,))


@pytest.mark.parametrize("given", ["object", "dumps"])
def test_global_init_follows_mxnet_conventions_and_never_fails_on_vectors(given):
    """The name rules hold for the initializer as an object and as its ``dumps()`` string (from which MXNet's
    ``create`` makes one object for the global and another for each parameter: bias, gamma and running_var were
    drawn from the spec then)."""
    block = Custom()
    mx.random.seed(3)
    init = ui.KaimingUniform().to_mxnet()
    block.initialize(init if given == "object" else init.dumps())
    get = lambda p: p.data().asnumpy()  # noqa: E731
    assert np.all(get(block.bias) == 0) and np.all(get(block.beta) == 0) and np.all(get(block.running_mean) == 0)
    assert np.all(get(block.gamma) == 1) and np.all(get(block.running_var) == 1)
    # a vector weight: fan_in = fan_out = n (Keras's rule), so the bound is sqrt(2) * sqrt(3 / 10)
    bound = math.sqrt(6 / 10)
    assert 0 < np.abs(get(block.weight)).max() <= bound and len(set(get(block.weight))) == 10
    assert np.abs(get(block.scale)).max() <= math.sqrt(6 / 3)  # a name MXNet has no rule for: the spec
    assert stats.check(get(block.matrix_weight), ui.KaimingUniform(), layout="mxnet")


@pytest.mark.parametrize("n", [16, 4096])
def test_a_portable_initializer_gives_a_vector_the_vector_fans_the_native_one_gives_it(n):
    """A fan-based spec on a 1-D parameter takes fans (n, n) (Keras's rule) in the native and the portable
    initializer alike: the portable one refused the vector after its checks had passed. Both follow the law
    U(-sqrt(6 / 2n), sqrt(6 / 2n)) (each check fails a correct sampler with probability at most ALPHA = 1e-4; 4096
    values tell a wrong bound apart), and the portable values are the reference's for those fans, bit for bit."""
    fans = (n, n)
    for portable in (None, ui.Portable(3, "v")):
        p = gluon.Parameter("v_weight", shape=(n,))
        mx.random.seed(0)
        p.initialize(init=ui.XavierUniform().to_mxnet(portable=portable))
        x = p.data().asnumpy()
        assert stats.check(x, ui.XavierUniform(), layout="mxnet", layer_fans=fans, alpha=ALPHA), portable
    want = ui.reference.portable(ui.XavierUniform(), (n,), layout="mxnet", seed=3, key="v", layer_fans=fans)
    assert np.array_equal(x, want)


def module_bias(var_init, global_init):
    """The bias MXNet's symbol API gives a variable with its own initializer, the Module initialized with another."""
    bias = mx.sym.var("fc_bias", init=var_init, shape=(2,))
    out = mx.sym.FullyConnected(mx.sym.var("data"), weight=mx.sym.var("fc_weight", shape=(2, 3)), bias=bias,
                                num_hidden=2)
    mod = mx.mod.Module(out, data_names=["data"], label_names=None)
    mod.bind(data_shapes=[("data", (1, 3))])
    mod.init_params(initializer=global_init)
    return mod.get_params()[0]["fc_bias"].asnumpy()


def gluon_bias(bias_init, global_init):
    """The bias Gluon gives a Dense layer with its own bias initializer, the net initialized with another."""
    net = gluon.nn.Dense(2, in_units=3, bias_initializer=bias_init)
    net.initialize(global_init)
    return net.bias.data().asnumpy()


def test_a_parameters_own_initializer_equal_to_the_global_one_is_still_its_own():
    """A parameter given its own initializer whose dumps() equals the global one's got the global's name rules (its
    bias 0, where MXNet's own Constant(5) writes 5): the symbol API hands a variable's own initializer over as its
    dumps() string, and Gluon a bias_initializer given as one. Compared with MXNet's Constant(5) in the same run. The
    very initializer the net is initialized with (object or string) still gets the name rules (the README says so:
    Gluon hands that parameter over as one with none of its own)."""
    ours, theirs = (lambda: ui.Constant(5.0).to_mxnet()), (lambda: mx.init.Constant(5.0))
    very = ours()
    cases = [("Module, equal objects", module_bias, lambda make: (make(), make())),
             ("Module, one object", module_bias, lambda make: (very, very) if make is ours else (make(),) * 2),
             ("Gluon, own dumps(), global object", gluon_bias, lambda make: (make().dumps(), make())),
             ("Gluon, own dumps(), global dumps()", gluon_bias, lambda make: (make().dumps(), make().dumps()))]
    for label, run, given in cases:
        got, native = run(*given(ours)), run(*given(theirs))
        np.testing.assert_array_equal(got, native, err_msg=label)
        np.testing.assert_array_equal(got, 5.0, err_msg=label)
    text = very.dumps()
    for label, same in (("one object", very), ("one string", text)):
        np.testing.assert_array_equal(gluon_bias(same, same), 0.0, err_msg=label)  # the name rules: a bias is 0
    np.testing.assert_array_equal(gluon_bias(None, text), 0.0)  # none of its own, the global as a string: the rules


def test_a_forward_backward_pass_and_a_trainer_step_run_after_init():
    net = gluon.nn.Sequential()
    net.add(gluon.nn.Conv2D(8, 3, activation="relu"), gluon.nn.BatchNorm(), gluon.nn.Flatten(), gluon.nn.Dense(10))
    net.initialize(ui.KaimingNormal(nonlinearity="relu").to_mxnet())
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    X, y = nd.random.normal(shape=(4, 3, 8, 8)), nd.array([1, 2, 3, 4])
    net(X)  # deferred initialization happens here
    assert stats.check(net[0].weight.data().asnumpy(), ui.KaimingNormal(nonlinearity="relu"), layout="mxnet")
    np.testing.assert_array_equal(net[1].gamma.data().asnumpy(), 1.0)  # BatchNorm's own initializers win
    np.testing.assert_array_equal(net[1].running_var.data().asnumpy(), 1.0)
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    before = net[0].weight.data().asnumpy().copy()
    with autograd.record():
        loss = loss_fn(net(X), y)
    loss.backward()
    trainer.step(4)
    after = net[0].weight.data().asnumpy()
    assert np.all(np.isfinite(after)) and not np.array_equal(before, after)
    assert np.all(np.isfinite(loss.asnumpy()))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("spec", [ui.Uniform(-1, 1), ui.LecunNormal(), ui.Orthogonal(), ui.Sparse(0.2)], ids=repr)
def test_dtypes_are_kept(spec, dtype):
    mx.random.seed(0)
    arr = nd.zeros((200, 150), dtype=dtype)
    spec.to_mxnet()(mx.init.InitDesc("w_weight"), arr)
    assert np.dtype(arr.dtype).name == dtype
    verdict = stats.check(arr.asnumpy().astype(np.float64), spec, layout="mxnet")
    # KS at level ALPHA from float32 up; rounded to 11 mantissa bits the values move by half an ulp, which moves D
    # by under 0.001 here: D < 0.02 at n = 30,000 fails a correct sampler with probability about 1e-10
    assert verdict.ks is not None and verdict.p is not None and verdict.ks < 0.02 and \
        (dtype == "float16" or verdict.p > ALPHA), str(verdict)


@pytest.mark.parametrize("make,error", [
    (lambda: ui.Eye().to_mxnet()(mx.init.InitDesc("c_weight"), nd.ones((2, 2, 2))), ValueError),
    (lambda: ui.Normal().to_mxnet()(mx.init.InitDesc("c_weight"), nd.ones((2, 2), dtype="int32")), TypeError),
    (lambda: ui.Normal().to_mxnet(layout=ui.get_layout("mxnet")), TypeError),  # pyright: ignore[reportArgumentType]
    (lambda: ui.Normal().to_mxnet(layout="caffe"), ValueError),
])
def test_bad_input_is_refused_before_anything_is_written(make, error):
    with pytest.raises(error):
        make()


def test_a_refused_parameter_keeps_its_values():
    arr = nd.full((2, 2, 2), 7.0)
    with pytest.raises(ValueError, match="Eye"):
        ui.Eye().to_mxnet()(mx.init.InitDesc("c_weight"), arr)
    assert np.all(arr.asnumpy() == 7.0)


def test_a_refusal_under_net_initialize_names_the_parameter_its_shape_and_the_spec():
    # Gluon hands the initializer only the array and its name: the message must say which parameter it refused
    from unifiedinit._validate import RankError
    net = gluon.nn.Sequential()
    net.add(gluon.nn.Dense(3, in_units=4), gluon.nn.Conv1D(2, 3, in_channels=2))
    conv = net[1].weight.name
    with pytest.raises(RankError, match=rf"^SpecInitializer: cannot initialize {conv} \(shape \(2, 2, 3\), layout "
                       r"'mxnet'\) with Eye\(gain=1\.0\): Eye: needs a tensor with exactly 2 dimensions"):
        net.initialize(ui.Eye().to_mxnet())
    with pytest.raises(TypeError, match=r"cannot initialize c_weight \(shape \(2, 2\), .*\) with Normal\(.*int32"):
        ui.Normal().to_mxnet()(mx.init.InitDesc("c_weight"), nd.ones((2, 2), dtype="int32"))


@pytest.mark.parametrize("shape", [(2.5, 3), (-1, 3), (2, "3"), None])
def test_sample_refuses_what_is_no_shape_as_the_other_backends_do(shape):
    # the shared validator's own refusal: int() truncated 2.5 and MXNet raised its own error for -1
    from unifiedinit.layout import check_shape
    with pytest.raises((TypeError, ValueError)) as expected:
        check_shape(shape)
    with pytest.raises(expected.type, match=f"^{re.escape(str(expected.value))}$"):
        M.sample(ui.Normal(), shape)


def test_sample_of_the_scalar_shape_is_a_0d_array_of_mxnets_draw():
    # exact: a determined spec gives the reference's value; a random one MXNet's first draw after the seed, which
    # a (1,) array holds too; the caller's shape mode is left as it was
    got = M.sample(ui.Constant(0.5), (), dtype="float64")
    assert got.shape == () and got.dtype == np.float64
    np.testing.assert_array_equal(got, ui.sample(ui.Constant(0.5), (), dtype="float64"))
    for spec in (ui.Normal(), ui.TruncatedNormal(), ui.Uniform(-1.0, 1.0)):
        x = M.sample(spec, (), seed=3)
        assert x.shape == () and x.dtype == np.float32
        np.testing.assert_array_equal(x, M.sample(spec, (1,), seed=3).reshape(()))
    assert not mx.util.is_np_shape()


def test_importing_the_backend_leaves_numpy_as_it_was():
    # submodules MXNet imports (numpy.testing, ...) appear as attributes: those are not changes to NumPy
    code = ("import types, numpy as np; names = lambda: {n for n, x in vars(np).items() "
            "if not isinstance(x, types.ModuleType)}; before = names(); import unifiedinit.backends.mxnet as M; "
            "print(sorted(names() ^ before), sorted(n for n in M.NUMPY2_ALIASES if hasattr(np, n)), "
            "int(np.__version__.split('.')[0]) >= 2, bool(M.NUMPY2_ALIASES))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    line = out.stdout.strip().splitlines()[-1]
    assert line.startswith("[] [] "), line  # nothing added to or removed from NumPy, no alias left behind
    assert line.endswith("True True") or line.endswith("False False"), line  # aliases exactly under NumPy 2


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("spec", [ui.Uniform(-0.1, 0.3), ui.TruncatedNormal(std=0.02), ui.Normal(0.0, 1.0),
                                  ui.Mixture([ui.Uniform(5, 10), ui.Zeros()], [0.5, 0.5]), ui.Constant(0.25)],
                         ids=repr)
def test_a_draw_into_a_parameters_array_has_the_bits_of_a_new_one(spec, dtype):
    # a plan draws into each parameter's own array (out=, no copy): the same numbers as a draw into a new array,
    # rounded once where the dtype is narrower than the work dtype
    from unifiedinit.layout import TensorInfo
    from unifiedinit.samplers import draw as sampled
    d = spec.lower(TensorInfo.make((64, 33), "torch"))
    mx.random.seed(3)
    new = sampled(M.MXNetOps(mx.cpu()), d, (64, 33), dtype)
    out = nd.zeros((64, 33), dtype=dtype)
    mx.random.seed(3)
    assert sampled(M.MXNetOps(mx.cpu()), d, (64, 33), dtype, out=out) is out
    np.testing.assert_array_equal(out.asnumpy(), new.asnumpy())


# ------------------------------------------------------------- Gluon states around the write (probed models)

def test_the_plan_leaves_mxnets_generator_to_the_users_seed_eager_and_deferred():
    # the plan reseeds MXNet's global generator for each draw; afterwards (and after a deferred parameter's draw
    # at the first forward pass) it goes on from the user's seed: two user seeds give two streams, one the same
    def after(user_seed, deferred):
        mx.random.seed(user_seed)
        net = gluon.nn.Dense(4) if deferred else gluon.nn.Dense(4, in_units=3)
        net.initialize()
        ui.presets.mxnet.apply(net, seed=0)
        net(nd.ones((1, 3)))
        return nd.random.uniform(shape=(3,)).asnumpy()

    for deferred in (False, True):
        assert not np.array_equal(after(1, deferred), after(2, deferred))
        np.testing.assert_array_equal(after(1, deferred), after(1, deferred))


def _on_kvstore(learning_rate):
    """A Dense on two CPU contexts whose Trainer updates on a local kvstore, and one training step of it."""
    ctx = [mx.cpu(0), mx.cpu(1)]
    net = gluon.nn.Dense(3, in_units=4)
    net.initialize(ctx=ctx)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": learning_rate}, kvstore="local",
                            update_on_kvstore=True)

    def step():
        with autograd.record():
            losses = [net(nd.ones((2, 4), ctx=c)).sum() for c in ctx]
        autograd.backward(losses)
        trainer.step(1)

    return net, trainer, step


def test_a_trainer_on_the_kvstore_does_not_undo_the_plan():
    # with update_on_kvstore the kvstore holds the weights: the write resets it, as Parameter.set_data does
    net, _, step = _on_kvstore(0.0)
    step()
    ui.Plan().rule(ui.Constant(5.0), role="weight").apply(net, seed=0)
    step()  # learning rate 0: the weight stays what the plan wrote
    assert all((d.asnumpy() == 5.0).all() for d in net.weight.list_data())


def test_numpy_mode_symbol_blocks_and_batchnorm_relu():
    # Gluon's NumPy mode (npx.set_np) holds mx.np arrays; a SymbolBlock loaded by imports has no shapes and
    # names its statistics batchnorm0_running_var (a catch-all rule leaves them); BatchNormReLU is a norm
    import os
    import tempfile
    net = gluon.nn.HybridSequential()
    net.add(gluon.nn.Dense(4, in_units=3), gluon.nn.BatchNorm(in_channels=4))
    net.initialize()
    net.hybridize()
    x = nd.ones((2, 3))
    net(x)
    with tempfile.TemporaryDirectory() as tmp:
        net.export(os.path.join(tmp, "net"))
        block = gluon.SymbolBlock.imports(os.path.join(tmp, "net-symbol.json"), ["data"],
                                          os.path.join(tmp, "net-0000.params"))
    roles = {p.path.rsplit("_", 1)[-1]: p.role for p in ui.inspect(block, ui.presets.mxnet).params}
    assert roles["mean"] == "running_mean" and roles["var"] == "running_var"
    before = {k: v.data().asnumpy().copy() for k, v in block.collect_params().items()}
    report = ui.Plan().rule(ui.Constant(0.5)).apply(block, seed=0)
    after = {k: v.data().asnumpy() for k, v in block.collect_params().items()}
    assert {k for k in before if not np.array_equal(before[k], after[k])} == {e.param.path for e in report.entries}
    assert not any("running" in e.param.path for e in report.entries) and len(report.entries) == 4
    relu = gluon.nn.BatchNormReLU(in_channels=4)
    relu.initialize()
    assert {p.kind for p in ui.inspect(relu, ui.presets.mxnet).params} == {"norm"}
    mx.npx.set_np()
    try:
        dense = gluon.nn.Dense(64, in_units=32)
        dense.initialize()
        ui.presets.mxnet.apply(dense, seed=0)
        ui.Plan().rule(ui.Constant(2.0), role="weight").apply(dense, seed=0, portable=True)
        assert (dense.weight.data().asnumpy() == 2.0).all()
        assert stats.check(dense.bias.data().asnumpy(), ui.Zeros())
    finally:
        mx.npx.reset_np()


def test_a_deferred_rule_that_fails_leaves_the_parameter_deferred_for_a_corrected_plan():
    net = gluon.nn.Dense(4)
    net.initialize()
    ui.Plan().rule(ui.FromArray(np.ones((4, 3))), role="weight").apply(net, seed=0)  # 3 inputs: 5 come
    for _ in range(2):  # each forward pass names the parameter, not MXNet's "has not been initialized"
        with pytest.raises(ValueError, match="cannot initialize 'weight'"):
            net(nd.ones((1, 5)))
    ui.Plan().rule(ui.Constant(3.0), role="weight").apply(net, seed=0)
    net(nd.ones((1, 5)))
    assert (net.weight.data().asnumpy() == 3.0).all()


def test_a_write_that_fails_inside_mxnet_leaves_the_parameter_as_it_was(monkeypatch):
    net = gluon.nn.Dense(4, in_units=3)
    net.initialize()
    before = net.weight.data().asnumpy().copy()

    def broken(*args, **kwargs):
        raise RuntimeError("a failure inside MXNet's initializer")

    monkeypatch.setattr(M.model, "sampled", broken)
    with pytest.raises(RuntimeError, match="inside MXNet"):
        ui.Plan().rule(ui.Normal(), role="weight").apply(net, seed=0)
    np.testing.assert_array_equal(net.weight.data().asnumpy(), before)


def test_numpy_mode_refuses_a_deferred_rank_error_at_apply_and_a_failed_write_returns_the_generator(monkeypatch):
    # NumPy mode marks unknown axes -1: the deferred check still sees them unknown; and MXNet's generator goes on
    # from the user's seed after a plan that failed part way, as after one that succeeded
    mx.npx.set_np()
    try:
        conv = gluon.nn.Conv2D(4, 3)
        conv.initialize()
        with pytest.raises(ValueError, match="'weight'"):
            ui.Plan().rule(ui.Eye(), role="weight").apply(conv, seed=0)
    finally:
        mx.npx.reset_np()
    calls = []

    def second_fails(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("a failure inside MXNet's initializer")
        return real(*args, **kwargs)

    real = M.model.sampled
    monkeypatch.setattr(M.model, "sampled", second_fails)

    def after(user_seed):
        calls.clear()
        mx.random.seed(user_seed)
        net = gluon.nn.Dense(4, in_units=3)
        net.initialize()
        with pytest.raises(RuntimeError):
            ui.Plan().rule(ui.Normal(), role=("weight", "bias")).apply(net, seed=0)
        return nd.random.uniform(shape=(3,)).asnumpy()

    assert not np.array_equal(after(1), after(2))


def test_a_trainer_on_a_distributed_kvstore_is_refused_before_any_write():
    net, trainer, step = _on_kvstore(0.1)
    step()

    class Dist:  # as a dist_sync kvstore reports itself (no cluster here)
        type = "dist_sync"

    trainer._kvstore = Dist()
    before = net.weight.list_data()[0].asnumpy().copy()
    with pytest.raises(ValueError, match="'weight' is updated on a distributed kvstore"):
        ui.Plan().rule(ui.Constant(5.0), role="weight").apply(net, seed=0)
    np.testing.assert_array_equal(net.weight.list_data()[0].asnumpy(), before)


def test_a_contrib_lstmp_cell_is_recurrent_and_gets_gluons_own_init():
    cell = gluon.contrib.rnn.LSTMPCell(64, 32, input_size=48)
    cell.initialize()
    report = ui.presets.mxnet.apply(cell, seed=0)
    assert not report.unmatched
    roles = {e.param.path: e.param.role for e in report.entries}
    assert roles == {"i2h_weight": "weight", "h2h_weight": "recurrent_weight", "h2r_weight": "weight",
                     "i2h_bias": "bias", "h2h_bias": "recurrent_bias"}
    params = {name.split("_", 1)[1]: p.data().asnumpy() for name, p in cell.collect_params().items()}
    for name in ("i2h_weight", "h2h_weight", "h2r_weight"):  # Gluon's global Uniform(0.07); biases 'zeros'
        assert stats.check(params[name], ui.Uniform(-0.07, 0.07), alpha=ALPHA), name
    assert not params["i2h_bias"].any() and not params["h2h_bias"].any()


@pytest.mark.parametrize("transposed", [False, True])
def test_a_channels_last_kernel_has_its_layers_fans_and_the_portable_values_of_its_torch_twin(transposed):
    """layout="NHWC" stores a Conv kernel (out, kh, kw, in/g) and a ConvTranspose kernel (in, kh, kw, out/g): read
    as NCHW, fan_out came from the wrong axes and portable values landed on the wrong entries."""
    cls = gluon.nn.Conv2DTranspose if transposed else gluon.nn.Conv2D

    class Net(gluon.Block):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            with self.name_scope():
                self.conv = cls(channels=6, kernel_size=(2, 3), in_channels=4, groups=2, layout="NHWC")

    net = Net()
    net.initialize()
    plan = ui.Plan().rule(ui.XavierUniform(), role="weight").rule(ui.Zeros(), role="bias")
    report = plan.apply(net, seed=0, portable=True)
    weight = next(e.param for e in report.entries if e.param.role == "weight")
    assert weight.layout == ("mxnet_conv_transpose_channels_last" if transposed else "mxnet_channels_last")
    # the fans torch's twin has: ConvTranspose2d(4, 6, (2, 3), groups=2) stored (4, 3, 2, 3), Conv2d (6, 2, 2, 3)
    torch_shape = (4, 3, 2, 3) if transposed else (6, 2, 2, 3)
    layout = "torch_conv_transpose" if transposed else "torch"
    assert ui.TensorInfo.make(torch_shape, layout).fans == ((24, 18) if transposed else (12, 36))
    # the layer's own: a grouped transposed convolution's outputs each see (in/g) x RF = 2 x 6 inputs (its weight's
    # fan_in counts all 4 inputs), as torch's walk gives the twin
    assert weight.layer_fans == ((12, 18) if transposed else (12, 36))
    values = np.transpose(net.conv.weight.data().asnumpy(), (0, 3, 1, 2))  # torch's (out|in, in/g|out/g, kh, kw)
    want = ui.Portable(seed=0, key="conv/weight").values(ui.XavierUniform(), torch_shape, ui.get_layout(layout),
                                                          "float32")  # a weight's rule reads its own fans
    assert values.shape == torch_shape and np.array_equal(values, np.asarray(want))


def test_orthogonal_values_do_not_depend_on_the_number_of_openmp_threads():
    """MXNet's own QR (gelqf) is blocked LAPACK over its OpenMP threads: the last bits of a seeded Orthogonal
    changed between OMP_NUM_THREADS=1 and 2 (threadpoolctl does not reach MXNet's OpenMP). The QR is NumPy's now,
    on one BLAS thread: the same bytes in two processes."""
    code = ("import hashlib, numpy as np, unifiedinit as ui; from unifiedinit.backends.mxnet import mx; "
            "net = mx.gluon.nn.Dense(256, in_units=512); net.initialize(); "
            "ui.Plan().rule(ui.Orthogonal(), role='weight').apply(net, seed=0); w = net.weight.data().asnumpy(); "
            "print(hashlib.sha256(w.tobytes()).hexdigest(), float(np.abs(w @ w.T - np.eye(256)).max()))")
    runs = []
    for threads in ("1", "2"):
        env = {**os.environ, "OMP_NUM_THREADS": threads}
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)
        assert out.returncode == 0, out.stderr[-2000:]
        digest, error = out.stdout.split()[-2:]
        assert float(error) < 1e-5  # orthonormal rows in float32: a real orthogonal matrix, not zeros
        runs.append(digest)
    assert runs[0] == runs[1]


#: float64 draws of narrow (or tiny) laws: MXNet's random and clip operators read their numbers as float32 (values
#: above 1.001, every value 0.10000000149, every value 0, a mean off by 1.5 std); 1e-310 is subnormal, which
#: MXNet's parser refuses (flushed to 0 before)
NARROW = [ui.Uniform(0.999, 1.001), ui.Uniform(0.1, 0.1 + 1e-9), ui.Uniform(1e-300, 2e-300), ui.Uniform(1e-310, 3e-310),
          ui.TruncatedNormal(0.3, 1e-9, 0.3 - 2e-9, 0.3 + 2e-9), ui.Normal(0.1, 1e-9), ui.Normal(-1e-300, 1e-301)]


@pytest.mark.parametrize("spec", NARROW, ids=repr)
def test_a_float64_draw_keeps_its_window_and_its_law(spec):
    net = gluon.nn.Dense(1000, in_units=1000, dtype="float64")
    net.initialize()
    report = ui.Plan().rule(spec, role="weight").apply(net, seed=0)  # MXNet's own draw (not portable)
    w = net.weight.data().asnumpy()
    assert w.dtype == np.float64
    if not isinstance(spec, ui.Normal):
        assert spec.low <= w.min() and w.max() <= spec.high
    # KS at level ALPHA against the exact law, n = 10**6 (a correct sampler fails it with probability 1e-4)
    assert stats.ks_1samp(w, stats.distribution(report.entries[0].draw))[1] > ALPHA


@pytest.mark.parametrize("mean", [0.3, -2.0])
def test_a_float32_normal_below_float32s_smallest_normal_std_is_its_mean(mean):
    """A std below float32's smallest normal (1.2e-38) was handed to MXNet's normal as 0, which it refuses only
    when the array is read ("scale parameter in gaussian has to be positive"): the call returned, the first read
    raised and the next gave uninitialised memory. Every value of N(mean, 1e-40) in float32 is the mean rounded
    (1e-40 is far below its spacing near the mean), as the reference gives."""
    net = gluon.nn.Dense(3, in_units=3)
    net.initialize(mx.init.Zero())
    spec = ui.Normal(mean, 1e-40)
    ui.Plan().rule(spec, role="weight").apply(net, seed=0)
    w = net.weight.data().asnumpy()
    expected = ui.sample(spec, (3, 3), seed=0)
    assert w.dtype == np.float32 and expected.dtype == np.float32
    np.testing.assert_array_equal(w, expected)
    np.testing.assert_array_equal(w, np.float32(mean))


@pytest.mark.parametrize("spec", [ui.Uniform(1e-40, 2e-40), ui.LogUniform(1e-40, 1e-39),
                                  ui.TruncatedNormal(0.0, 1e-40, -2e-40, 2e-40)], ids=repr)
def test_a_float32_window_below_float32s_smallest_normal_keeps_its_law(spec):
    """MXNet's uniform and clip read their bounds as float32 normals: a bound below 1.2e-38 was handed to them as
    0, so every value was 0 (outside the window). The window goes through the scalar operators now, as a float64
    one does: the values stay in it and follow the reference's law in float32 (two-sample KS, 131,072 values a
    side, at 1e-6: a false failure about once in a million runs; fixed seeds)."""
    p = gluon.Parameter("weight", shape=(256, 512), dtype="float32")
    mx.random.seed(0)
    p.initialize(init=spec.to_mxnet())
    w = p.data().asnumpy()
    reference = ui.sample(spec, (256, 512), seed=0, dtype="float32")
    assert w.dtype == np.float32 and spec.low <= w.min() and w.max() <= spec.high
    assert stats.ks_2samp(w.ravel(), reference.ravel())[1] > 1e-6


def test_a_float64_uniform_is_the_samplers_one_map_of_a_unit_draw():
    """MXNet and Keras each wrote their own float64 uniform (U[0, 1), then low + (high - low) u in double
    precision): both use ``samplers.Ops.uniform_by_unit`` now, not overridden, and the values are exactly that map
    of MXNet's own U[0, 1) draw from the same seed, computed here in NumPy float64 (two roundings), with ``out``
    or without. (Numbers MXNet's scalar parser reads exactly: it reads 2e300 as 1.9999999999999995e300.)"""
    from unifiedinit.samplers import Ops
    assert M.MXNetOps.uniform_by_unit is Ops.uniform_by_unit
    for seed, (low, high) in [(0, (1e6, 1e6 + 1e-3)), (3, (-2.5, 4.0))]:
        mx.random.seed(seed)
        u = nd.random.uniform(0.0, 1.0, shape=(64,), dtype="float64").asnumpy()
        assert u.dtype == np.float64 and u.min() < 0.5 < u.max()
        for out in (None, nd.zeros((64,), dtype="float64")):
            mx.random.seed(seed)
            x = M.MXNetOps(mx.cpu()).uniform((64,), low, high, "float64", out).asnumpy()
            np.testing.assert_array_equal(x, u * (high - low) + low)


def test_sample_in_float64_keeps_a_narrow_normal():
    x = M.sample(ui.Normal(0.1, 1e-9), (100_000,), seed=0, dtype="float64")
    assert x.dtype == np.float64
    assert stats.ks_1samp(x, stats.distribution(ui.lower(ui.Normal(0.1, 1e-9), (100_000,), "mxnet")))[1] > ALPHA


class Looked(gluon.Block):
    """MXNet 1.x's idiom: Parameters held in the block's ParameterDict and looked up in ``forward``, not assigned
    to attributes (``scale`` is both: listed once, under its attribute's name)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.params.get("weight", shape=(4, 3))
            self.params.get("offset", shape=(4,), init=mx.init.Zero())
            self.scale = self.params.get("gain", shape=(4,), init=mx.init.One())
            self.dense = gluon.nn.Dense(2, in_units=4)

    def forward(self, x):
        h = nd.dot(x, self.params.get("weight").data().T) + self.params.get("offset").data()
        return self.dense(h * self.scale.data())


def test_parameters_only_the_parameterdict_holds_are_written_and_listed():
    net = Looked()
    net.initialize()
    net(nd.ones((1, 3)))
    report = ui.Plan().rule(ui.Constant(0.5), path="*").apply(net, seed=0)
    assert [e.param.path for e in report.entries] == ["scale", "weight", "offset", "dense/weight", "dense/bias"]
    for name in ("weight", "offset", "gain"):
        assert (net.params.get(name).data().asnumpy() == 0.5).all(), name
    report = ui.Plan().rule(ui.Zeros(), path="dense/*").apply(net, seed=0)
    assert [p.path for p in report.unmatched] == ["scale", "weight", "offset"]
    assert [(p.role, p.shape) for p in report.unmatched] == [("other", (4,)), ("weight", (4, 3)), ("other", (4,))]


class Clash(gluon.Block):
    """A ParameterDict's "weight" beside an attribute of that name holding another Parameter, and two Parameters
    that ``ParameterDict.update`` brought from a Dense outside the model."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.weight = gluon.Parameter("kernel", shape=(2,))
            self.params.get("weight", shape=(3,))
            self.dense = gluon.nn.Dense(2, in_units=3)
        self.params.update(gluon.nn.Dense(2, in_units=2, prefix="outside_").collect_params())


def test_a_parameterdicts_name_taken_by_an_attribute_and_parameters_from_another_dict_are_listed():
    net = Clash()
    net.initialize()
    net.weight.initialize()  # not in the ParameterDict: net.initialize() does not see it
    report = ui.Plan().rule(ui.Constant(0.5), path="*").apply(net, seed=0)
    assert [e.param.path for e in report.entries] == ["weight", "params/weight", "dense/weight", "dense/bias",
                                                      "outside_weight", "outside_bias"]
    assert all((p.data().asnumpy() == 0.5).all() for p in net.collect_params().values())
    assert (net.weight.data().asnumpy() == 0.5).all()


class Counts(gluon.Block):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.table = self.params.get("table", shape=(3,), dtype="int32", init=mx.init.Zero())
            self.scale = self.params.get("scale", shape=(3,), init=mx.init.Zero())


@pytest.mark.parametrize("portable", [False, True])
def test_an_integer_parameter_is_a_parameter_like_any_other(portable):
    net = Counts()
    net.initialize()
    with pytest.raises(TypeError, match="'table'.*int32"):  # refused before anything is written
        ui.Plan().rule(ui.Normal(), path="*").apply(net, seed=0, portable=portable)
    assert (net.scale.data().asnumpy() == 0).all() and (net.table.data().asnumpy() == 0).all()
    report = ui.Plan().rule(ui.Constant(2), path="*").apply(net, seed=0, portable=portable)
    assert [e.param.path for e in report.entries] == ["table", "scale"]
    assert net.table.data().dtype == np.int32 and net.table.data().asnumpy().tolist() == [2, 2, 2]
    assert net.scale.data().asnumpy().tolist() == [2.0, 2.0, 2.0]
    report = ui.Plan().rule(ui.Ones(), path="scale").apply(net, seed=0, portable=portable)
    assert [(p.path, p.dtype) for p in report.unmatched] == [("table", "int32")]


@pytest.mark.parametrize("values", [np.zeros((3,)), np.zeros((6, 2)), np.zeros((5, 2, 2)), np.zeros((4, 5))],
                         ids=lambda a: str(a.shape))
def test_a_deferred_fromarray_no_size_can_fit_is_refused_before_anything_is_written(values):
    """1/weight is (5, 0) until the first forward pass: values of another rank, or whose first axis is not 5, fit
    no input width (they failed at the first forward pass, after 0/weight was written)."""
    net = gluon.nn.HybridSequential()
    net.add(gluon.nn.Dense(4, in_units=3), gluon.nn.Dense(5))
    net.initialize()
    before = net[0].weight.data().asnumpy().copy()
    with pytest.raises(ValueError, match=r"'1/weight' \(Dense, shape \(5, 0\)"):
        ui.Plan().rule(ui.Normal(), role="weight").rule(ui.FromArray(values), path="1/weight").apply(net, seed=0)
    np.testing.assert_array_equal(net[0].weight.data().asnumpy(), before)


@pytest.mark.parametrize("values,layout", [(np.arange(20.0).reshape(5, 4), None),
                                           (np.arange(20.0).reshape(4, 5), "keras")])  # Keras's (in, out)
def test_a_deferred_fromarray_that_fits_waits_for_the_first_forward_pass(values, layout):
    net = gluon.nn.HybridSequential()
    net.add(gluon.nn.Dense(4, in_units=3), gluon.nn.Dense(5))
    net.initialize()
    ui.Plan().rule(ui.FromArray(values, layout=layout), path="1/weight").apply(net, seed=0)
    net(nd.ones((2, 3)))
    want = values if layout is None else values.T
    np.testing.assert_array_equal(net[1].weight.data().asnumpy(), want.astype(np.float32))


@pytest.mark.parametrize("spec", [ui.Blocks([ui.Normal(), ui.Ones()]), ui.Rows(ui.Normal(), index=5, along="out"),
                                  ui.Scaled(ui.Normal(), "1/(0.5-l)")], ids=lambda s: type(s).__name__)
def test_a_deferred_rule_no_input_width_can_satisfy_is_refused_before_anything_is_written(spec):
    """1/weight is (5, 0) until the first forward pass: 2 blocks along its 5 outputs, row 5 of them, or a factor
    its depth (l = 1) makes negative fail whatever the input width (they failed at the first forward pass, after
    0/weight, which they fit, was written)."""
    net = gluon.nn.HybridSequential()
    net.add(gluon.nn.Dense(6, in_units=3), gluon.nn.Dense(5))
    net.initialize()
    before = net[0].weight.data().asnumpy().copy()
    with pytest.raises(ValueError, match=r"'1/weight' \(Dense, shape \(5, 0\).*every size tried"):
        ui.Plan().rule(spec, role="weight").apply(net, seed=0)
    np.testing.assert_array_equal(net[0].weight.data().asnumpy(), before)


def test_a_deferred_rule_that_fails_only_for_some_input_widths_waits_for_the_first_forward_pass():
    # 3 blocks along the input axis divide no power of two (the width the check tries first), but do divide 6
    net = gluon.nn.HybridSequential()
    net.add(gluon.nn.Dense(6, in_units=3), gluon.nn.Dense(5))
    net.initialize()
    ui.Plan().rule(ui.Blocks([ui.Normal(), ui.Ones(), ui.Zeros()], along="in"), role="weight").apply(net, seed=0)
    net(nd.ones((2, 3)))
    w = net[1].weight.data().asnumpy()
    assert w.shape == (5, 6) and (w[:, 2:4] == 1).all() and (w[:, 4:] == 0).all() and len(np.unique(w[:, :2])) == 10
    # 17 blocks divide none of the sizes tried first (1, 1024, 720720, 2**40): their own count is tried too
    net = gluon.nn.HybridSequential()
    net.add(gluon.nn.Dense(5))
    net.initialize()
    ui.Plan().rule(ui.Blocks([ui.Normal()] * 16 + [ui.Ones()], along="in"), role="weight").apply(net, seed=0)
    net(nd.ones((2, 34)))
    assert (net[0].weight.data().asnumpy()[:, 32:] == 1).all()


@pytest.mark.parametrize("dtype", ["bfloat16", "int16", "uint32"])
def test_sample_refuses_a_dtype_mxnet_cannot_hold_naming_it(dtype):
    with pytest.raises(ValueError, match=rf"'dtype'.*float32.*{dtype}"):  # not NumPy's TypeError or MXNet's error
        M.sample(ui.Normal(), (2, 2), dtype=dtype)


@pytest.mark.parametrize("name", ["DeformableConvolution", "ModulatedDeformableConvolution"])
def test_a_contrib_deformable_convolution_is_a_conv_and_its_offsets_keep_gluons_zeros(name):
    """gluon.contrib.cnn's deformable convolutions were read as kind "other", so no preset reached them. Their
    deformable_conv_weight is a conv kernel (32, 16, 3, 3), known at the first forward pass (Gluon leaves its
    in-channels 0 until then): presets.torch gives it and its bias torch's conv law U(+-1/sqrt(16 x 9)), the exact
    law at ALPHA and the bound itself. The offsets' convolution, which Gluon starts at zeros, is kind and role
    "other": no preset draws it. presets.mxnet gives what MXNet's own initialize gives: the kernel Gluon's global
    Uniform(0.07) (KS against MXNet's own values at ALPHA), its bias and the offsets zeros, exactly."""
    cls = getattr(gluon.contrib.cnn, name)
    x = nd.ones((1, 16, 6, 6))

    def build():
        block = cls(32, 3, in_channels=16)
        block.initialize()
        return block

    def values(block):
        return {n[len(block.prefix):]: p.data().asnumpy().astype(np.float64)
                for n, p in block.collect_params().items()}

    mx.random.seed(3)
    block = build()
    report = ui.presets.torch.apply(block, seed=0)  # before the first forward pass: the kernel waits for its shape
    found = {e.param.path: (e.param.kind, e.param.role) for e in report.entries}
    assert found == {"deformable_conv_weight": ("conv", "weight"), "deformable_conv_bias": ("conv", "bias")}
    assert {p.path: (p.kind, p.role) for p in report.unmatched} == {"offset_weight": ("other", "other"),
                                                                   "offset_bias": ("other", "other")}
    block(x)
    got, bound = values(block), 1 / math.sqrt(16 * 9)
    assert got["deformable_conv_weight"].shape == (32, 16, 3, 3)
    for param in ("deformable_conv_weight", "deformable_conv_bias"):
        assert stats.check(got[param], ui.Uniform(-bound, bound), alpha=ALPHA), param
        assert np.abs(got[param]).max() <= bound, param
    assert np.abs(got["deformable_conv_weight"]).max() > 0.99 * bound  # 4608 draws: below it w.p. 0.99**4608
    assert not got["offset_weight"].any() and not got["offset_bias"].any()  # Gluon's zeros, kept

    theirs = build()  # MXNet's own initialization
    theirs(x)
    ours = build()
    entries = {e.param.path: e for e in ui.presets.mxnet.apply(ours, seed=0).entries}
    assert not entries["deformable_conv_weight"].param.known  # drawn at the first forward pass, as MXNet's
    ours(x)
    theirs_values, ours_values = values(theirs), values(ours)
    assert stats.ks_2samp(ours_values["deformable_conv_weight"], theirs_values["deformable_conv_weight"])[1] > ALPHA
    assert stats.check(ours_values["deformable_conv_weight"], ui.Uniform(-0.07, 0.07), alpha=ALPHA)
    for param in ("deformable_conv_bias", "offset_weight", "offset_bias"):
        np.testing.assert_array_equal(ours_values[param], theirs_values[param])
        assert not ours_values[param].any(), param


CONV_CELLS = [(f"Conv{d}D{cell}Cell", d, gates) for d in (1, 2, 3) for cell, gates in (("RNN", 1), ("LSTM", 4),
                                                                                       ("GRU", 3))]


@pytest.mark.parametrize("name,dims,gates", CONV_CELLS, ids=[c[0] for c in CONV_CELLS])
def test_a_contrib_convolutional_cell_is_recurrent_and_presets_give_each_framework_its_own(name, dims, gates):
    """gluon.contrib.rnn's Conv1D/2D/3D RNN, LSTM and GRU cells were read as kind "other". Mapped as the other
    Gluon cells: i2h_weight/bias the cell's weight and bias, h2h_weight/bias its recurrent ones, the layer's fans
    (hidden channels, hidden channels). presets.torch gives all four torch's recurrent law U(+-1/sqrt(hidden))
    (exact law at ALPHA and its bound); presets.mxnet gives what MXNet's own initialize gives: the kernels
    Gluon's global Uniform(0.07) (KS against MXNet's own at ALPHA), the biases zeros, exactly."""
    cls = getattr(gluon.contrib.rnn, name)
    hidden, spatial = 16, (5,) * dims

    def build(layout=None):
        extra = {} if layout is None else {"conv_layout": layout}
        shape = (4,) + spatial if layout is None else spatial + (4,)
        cell = cls(shape, hidden, 3, 3, i2h_pad=1, **extra)
        cell.initialize()
        return cell

    def values(cell):
        return {n[len(cell.prefix):]: p.data().asnumpy().astype(np.float64) for n, p in cell.collect_params().items()}

    mx.random.seed(5)
    cell = build()
    report = ui.presets.torch.apply(cell, seed=0)
    assert not report.unmatched
    found = {e.param.path: (e.param.kind, e.param.role, e.param.layer_fans) for e in report.entries}
    assert found == {"i2h_weight": ("recurrent", "weight", (hidden, hidden)),
                     "h2h_weight": ("recurrent", "recurrent_weight", (hidden, hidden)),
                     "i2h_bias": ("recurrent", "bias", (hidden, hidden)),
                     "h2h_bias": ("recurrent", "recurrent_bias", (hidden, hidden))}
    got, bound = values(cell), 1 / math.sqrt(hidden)
    assert got["i2h_weight"].shape == (gates * hidden, 4) + (3,) * dims
    for param, x in got.items():
        assert stats.check(x, ui.Uniform(-bound, bound), alpha=ALPHA), param
        assert np.abs(x).max() <= bound, param
    assert np.abs(got["h2h_weight"]).max() > 0.9 * bound  # >= 16 x 16 x 3 draws: below it w.p. < 0.9**768

    theirs, ours = build(), build()
    ui.presets.mxnet.apply(ours, seed=0)
    theirs_values, ours_values = values(theirs), values(ours)
    for param in ("i2h_weight", "h2h_weight"):
        assert stats.ks_2samp(ours_values[param], theirs_values[param])[1] > ALPHA, param
        assert stats.check(ours_values[param], ui.Uniform(-0.07, 0.07), alpha=ALPHA), param
    for param in ("i2h_bias", "h2h_bias"):
        np.testing.assert_array_equal(ours_values[param], theirs_values[param])
        assert not ours_values[param].any(), param
    if dims == 2:  # channels last: both kernels (gates x hidden, kh, kw, in), their tensor fans read so
        last = {p.path: p for p, _ in M.walk(build("NHWC"))}
        assert last["i2h_weight"].layout == last["h2h_weight"].layout == "mxnet_channels_last"
        assert ui.TensorInfo.make(last["h2h_weight"].shape, "mxnet_channels_last").fans == \
            (hidden * 9, gates * hidden * 9)


def test_a_contrib_sparse_embedding_is_an_embedding():
    """gluon.contrib.nn.SparseEmbedding (a row-sparse table) was read as kind "other": it is an embedding, its
    table laid out and with the fans of an Embedding of the same size. presets.torch gives it N(0, 1) (exact law at
    ALPHA); presets.mxnet Gluon's global Uniform(0.07), as MXNet's own initialize (KS at ALPHA)."""
    def build():
        block = gluon.contrib.nn.SparseEmbedding(1000, 16)
        block.initialize()
        return block

    def table(block):  # a row-sparse Parameter is read through its Trainer (one for each Parameter)
        gluon.Trainer(block.collect_params(), "sgd")
        return block.weight.row_sparse_data(nd.arange(1000)).tostype("default").asnumpy().astype(np.float64)

    mx.random.seed(7)
    dense = gluon.nn.Embedding(1000, 16)
    dense.initialize()
    [(want, _)] = M.walk(dense)
    block = build()
    [(p, _)] = M.walk(block)
    assert (p.kind, p.role, p.layout, p.layer_fans) == ("embedding", "embedding", want.layout, want.layer_fans)
    report = ui.presets.torch.apply(block, seed=0)
    assert not report.unmatched
    assert stats.check(table(block), ui.Normal(0.0, 1.0), alpha=ALPHA)
    theirs, ours = build(), build()
    ui.presets.mxnet.apply(ours, seed=0)
    ours_values = table(ours)  # one Trainer per row-sparse Parameter: read once
    assert stats.ks_2samp(ours_values, table(theirs))[1] > ALPHA
    assert stats.check(ours_values, ui.Uniform(-0.07, 0.07), alpha=ALPHA)
    # ui.fit reads the whole table without a Trainer (data() refuses a row-sparse Parameter): 16,000 values of
    # Gluon's U(±0.07) are told from the normal candidates (a uniform fitted to the range is no candidate of its
    # own once a preset's law passes), and the values read are the table's
    fitted = build()
    row = ui.fit(fitted).rows[0]
    assert row.law == "U[-0.07, 0.07)" and row.source == "presets.mxnet", row
    np.testing.assert_array_equal(M.read(M.walk(fitted)[0][1]), table(fitted))


#: the initializers from_mxnet converts, by the names mx.init.create knows them by, and a value MXNet takes for each
#: keyword any of them takes (so that a string with one of these is refused only for its name)
CONVERTED = ("zero", "zeros", "one", "ones", "constant", "uniform", "normal", "xavier", "msraprelu", "bilinear")
KEYWORD_VALUES = {"value": 0.5, "scale": 0.5, "sigma": 0.5, "rnd_type": "gaussian", "factor_type": "in",
                  "magnitude": 2.0, "slope": 0.5}


def mxnet_refuses(text):
    """Whether MXNet's own mx.init.create refuses ``text``, and its message."""
    try:
        mx.init.create(text)
    except TypeError as err:  # Python's "__init__() got an unexpected keyword argument"
        return True, str(err)
    return False, ""


@pytest.mark.parametrize("text", ['["normal", {"sigam": 0.5}]', '["normal", {"mean": 1.0, "sigma": 0.1}]',
                                  '["uniform", {"scael": 2.0}]', '["xavier", {"rnd_type": "gaussian", "magnitud": 6}]',
                                  '["msraprelu", {"slop": 0.9}]', '["zero", {"value": 3}]', '["Normal", {"std": 1}]'])
def test_from_mxnet_refuses_a_keyword_mxnet_refuses(text):
    # the old from_mxnet read these with the keyword dropped: Normal(0, 0.01) for a misspelt sigma, scale 3 for a
    # misspelt magnitude; MXNet itself refuses each (checked here, in the same run)
    refused, message = mxnet_refuses(text)
    assert refused, text
    keyword = re.search(r"unexpected keyword argument '(\w+)'", message)
    assert keyword is not None, message
    with pytest.raises(ValueError, match=rf"^from_mxnet\(\w+\): parameter '{keyword.group(1)}' is not a \w+ keyword"):
        ui.from_mxnet(text)


@pytest.mark.parametrize("name", CONVERTED)
def test_from_mxnet_takes_the_keywords_mxnet_takes(name):
    # each keyword any converted initializer takes, given to each: from_mxnet refuses it exactly where MXNet's own
    # mx.init.create does, and reads it as MXNet's object built from the same string where it is taken
    import inspect
    required = {"value": KEYWORD_VALUES["value"]} if name == "constant" else {}
    taken = set(inspect.signature(type(mx.init.create(name, **required)).__init__).parameters) - {"self"}
    assert taken <= set(KEYWORD_VALUES), taken  # every keyword of MXNet 1.9.1's signature is tried
    for keyword in [*KEYWORD_VALUES, "sigam"]:
        text = json.dumps([name, {**required, keyword: KEYWORD_VALUES.get(keyword, 0.5)}])
        refused, _ = mxnet_refuses(text)
        assert refused == (keyword not in taken), text
        if refused:
            with pytest.raises(ValueError, match=rf"parameter '{keyword}' is not a \w+ keyword"):
                ui.from_mxnet(text)
        else:
            assert ui.from_mxnet(text) == ui.from_mxnet(mx.init.create(text)), text


@pytest.mark.parametrize("written,shown", [("Infinity", "inf"), ("1e999", "inf"), ("-Infinity", "-inf"),
                                           ("NaN", "nan")])
def test_from_mxnet_names_a_uniform_scale_that_is_not_finite_as_written(written, shown):
    # the old message showed the bound U(-scale, scale) refused first: "got -inf" for a scale of Infinity
    with pytest.raises(ValueError, match=rf"^from_mxnet\(uniform\): parameter 'scale' must be a finite number, got "
                                         rf"{shown}$"):
        ui.from_mxnet(f'["uniform", {{"scale": {written}}}]')


class _RecurrentNet(gluon.HybridBlock):
    """A dense layer, a fused recurrent layer and a head: ``save_parameters`` names the recurrent layer's
    parameters by its unfused cells ("rnn._unfused.0.i2h_weight"), which no path spells."""

    def __init__(self, cell, bidirectional, layers, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.enc = gluon.nn.Dense(3, in_units=2)
            self.rnn = cell(4, num_layers=layers, input_size=3, bidirectional=bidirectional)
            self.head = gluon.nn.Dense(2, in_units=8 if bidirectional else 4)


RECURRENT = [(gluon.rnn.LSTM, False, 1), (gluon.rnn.LSTM, True, 1), (gluon.rnn.LSTM, True, 2),
             (gluon.rnn.GRU, False, 2)]


@pytest.mark.parametrize("cell,bidirectional,layers", RECURRENT, ids=["lstm", "lstm-bidirectional",
                                                                      "lstm-bidirectional-2", "gru-2"])
def test_skip_takes_a_gluon_checkpoint_of_a_fused_recurrent_layer(tmp_path, cell, bidirectional, layers):
    # the old held() knew only Parameter.name ("rnn0_l0_i2h_weight"), so the checkpoint's unfused names were
    # refused; now they name their parameters: those are left bit-identical (as load_parameters wrote them) and
    # the head, which the checkpoint lacks, is drawn as the same plan and seed draw it with no skip= (same run)
    source = _RecurrentNet(cell, bidirectional, layers)
    source.initialize(mx.init.Uniform(3.0))
    source.save_parameters(str(tmp_path / "full.params"))
    checkpoint = {k: v for k, v in nd.load(str(tmp_path / "full.params")).items() if not k.startswith("head.")}
    assert any("._unfused." in k for k in checkpoint)  # MXNet's own format, not our paths
    nd.save(str(tmp_path / "part.params"), checkpoint)
    net, twin = _RecurrentNet(cell, bidirectional, layers), _RecurrentNet(cell, bidirectional, layers)
    net.initialize()
    twin.initialize()
    net.load_parameters(str(tmp_path / "part.params"), allow_missing=True)  # MXNet itself takes the file
    kept = {p.path: M.read(handle) for p, handle in M.walk(net) if not p.path.startswith("head/")}
    report = ui.presets.mxnet.apply(net, seed=0, skip=checkpoint)
    assert {p.path for p in report.skipped} == set(kept)
    after = {p.path: M.read(handle) for p, handle in M.walk(net)}
    assert all(np.array_equal(after[path], kept[path]) for path in kept)
    ui.presets.mxnet.apply(twin, seed=0)
    drawn = {p.path: M.read(handle) for p, handle in M.walk(twin) if p.path.startswith("head/")}
    assert drawn and all(np.array_equal(after[path], drawn[path]) for path in drawn)


def test_skip_still_refuses_a_gluon_checkpoint_name_the_model_lacks():
    # a second layer the model does not have: refused by name, nothing written
    net = _RecurrentNet(gluon.rnn.LSTM, False, 1)
    net.initialize()
    before = {p.path: M.read(handle) for p, handle in M.walk(net)}
    with pytest.raises(ValueError, match=r"^Plan\.apply: parameter 'skip' holds 1 name\(s\) .*'rnn\._unfused\.1\."):
        ui.presets.mxnet.apply(net, seed=0, skip=["rnn._unfused.0.i2h_weight", "rnn._unfused.1.i2h_weight"])
    assert all(np.array_equal(M.read(handle), before[p.path]) for p, handle in M.walk(net))


def test_a_grouped_conv_transpose_has_its_true_layer_fans_as_torch_and_equinox_read_them():
    """Gluon's Conv2DTranspose(12, 3, groups=4, in_channels=8) stores (in, out/g, kh, kw) as torch does: each output
    sees in/g x 9 = 18 inputs and each input reaches out/g x 9 = 27 outputs. presets.equinox draws U(+-1/sqrt(18))
    (Equinox's own bound for the layer), presets.torch U(+-1/sqrt(27)) (torch's): the walk read fan_in 72."""
    net = mx.gluon.nn.Conv2DTranspose(12, 3, groups=4, in_channels=8)
    net.initialize()
    for preset, bound in ((ui.presets.equinox, 1 / math.sqrt(18)), (ui.presets.torch, 1 / math.sqrt(27))):
        preset.apply(net, seed=0)
        for p, handle in M.walk(net):
            values = M.read(handle)
            assert p.layer_fans == (18, 27), p.path
            # 216 weights from U(+-bound) all under 0.9 bound: a chance of 0.9**216 < 2e-10; the bias (12) in bound
            assert np.abs(values).max() <= bound and (p.role == "bias" or np.abs(values).max() > 0.9 * bound)


def _deferred_symbol_block() -> Any:
    """A SymbolBlock of Conv2D(8, 3) and Dense(300) without input sizes: no parameter's shape is known before the
    first forward pass."""
    nn = mx.gluon.nn
    layers = nn.HybridSequential()
    layers.add(nn.Conv2D(8, 3), nn.Dense(300))
    data = mx.sym.var("data")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MXNet: "Cannot decide type for the following arguments" (data)
        return mx.gluon.SymbolBlock(layers(data), data)


def test_a_symbol_blocks_deferred_parameters_get_the_shapes_its_graph_gives_and_their_real_fans():
    """A SymbolBlock of layers without input sizes, initialized before its first forward pass: MXNet knows no
    parameter's shape yet, but its graph gives (8, 0, 3, 3) and (300, 0) (the input's axis unknown). The walk said
    shape () and known, and XavierUniform drew with a scalar's fans, U(+-sqrt(3)) = U(+-1.73) on the (300, 128)
    weight whose own bound is sqrt(6 / 428) = 0.118; now the rule waits for the shapes, as on any deferred block."""
    net = _deferred_symbol_block()
    net.initialize()
    shapes = {(p.shape, p.known) for p, _ in M.walk(net)}
    # the biases' shapes are known, their layers' fans (read from the graph's ops) are not: they wait too
    assert shapes == {((8, 0, 3, 3), False), ((8,), False), ((300, 0), False), ((300,), False)}, shapes
    ui.Plan().rule(ui.XavierUniform(), path="*weight").apply(net, seed=0)
    net(mx.nd.ones((2, 5, 6, 6)))
    weights = {tuple(p.shape): M.read(handle) for p, handle in M.walk(net) if p.path.endswith("weight")}
    assert set(weights) == {(8, 5, 3, 3), (300, 128)}
    for (out, inp, *k), values in weights.items():
        rf = math.prod(k)
        bound = math.sqrt(6 / (inp * rf + out * rf))  # MXNet's own Xavier(uniform, avg, 3) of this shape
        # 360 and 38400 draws all under 0.9 bound: a chance of 0.9**360 < 4e-17
        assert 0.9 * bound < np.abs(values).max() <= bound, (values.shape, np.abs(values).max(), bound)


def test_a_deferred_rule_that_reads_the_layers_depth_gets_it_at_the_first_forward_pass():
    """Four Dense layers in a HybridSequential, their input widths unknown until the first forward pass: a rule whose
    spec reads the layer's index (``Scaled(..., "l + 1")``) was checked with each layer's depth, but the draw at the
    forward pass rebuilt the record without it and failed ("this parameter is in no sequence of layers"); now each
    layer gets l + 1 as the same plan gives layers whose shapes are known."""
    rule = ui.Plan().rule(ui.Scaled(ui.Constant(1.0), "l + 1"), path="*weight")
    for width in (50, 0):  # known, then deferred
        net = mx.gluon.nn.HybridSequential()
        for _ in range(4):
            net.add(mx.gluon.nn.Dense(50, in_units=width))
        net.initialize()
        rule.apply(net, seed=0)
        net(mx.nd.ones((2, 50)))
        for l in range(4):
            np.testing.assert_array_equal(net[l].weight.data().asnumpy(), np.full((50, 50), l + 1.0, "float32"))


def _exported(net, shape, inputs=("data",)):
    """``net`` hybridized, run once, exported and loaded back by ``SymbolBlock.imports`` (with its parameters)."""
    import tempfile
    net.hybridize()
    net(*(nd.ones(s) for s in shape))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "net")
        net.export(path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return gluon.SymbolBlock.imports(path + "-symbol.json", list(inputs), path + "-0000.params")


def _laws_by_name(plan, net):
    """Each parameter's (kind, role, layer fans, layout, law) under ``plan``, by its Gluon name."""
    names = {p.path: str(handle[3].name) for p, handle in M.walk(net)}
    return {names[e.param.path]: (e.param.kind, e.param.role, e.param.layer_fans, e.param.layout, repr(e.draw))
            for e in ui.inspect(net, plan, seed=0).entries}


@pytest.mark.parametrize("name", ["resnet18_v1", "mobilenet0.25"])
def test_presets_on_an_exported_and_imported_model_zoo_net_give_the_original_nets_laws(name):
    """A SymbolBlock loaded by ``imports`` holds its parameters under their full names (conv0_weight,
    batchnorm0_gamma): the walk gave every one but the running statistics kind and role "other", so presets.mxnet
    (any preset) left all of them as they were, where Gluon's initialize() gives its defaults. Now the walk reads
    each parameter's kind, role and layer fans from the op its graph feeds it to, and every preset gives each
    parameter the law it gives the same parameter of the original Gluon net."""
    net = gluon.model_zoo.vision.get_model(name)
    net.initialize()
    block = _exported(net, [(1, 3, 32, 32)])
    for plan in (ui.presets.mxnet, ui.presets.torch):
        ours, theirs = _laws_by_name(plan, block), _laws_by_name(plan, net)
        assert len(theirs) == len(list(M.walk(net))) and ours == theirs, plan.name
    ui.presets.mxnet.apply(block, seed=0)
    for p, handle in M.walk(block):
        values = M.read(handle)
        if p.role in ("scale", "running_var", "shift", "running_mean", "bias"):
            assert (values == (1.0 if p.role in ("scale", "running_var") else 0.0)).all(), p.path
        else:  # U(+-0.07): 432 or more draws (the first conv's) all under 0.035: a chance of 0.5**432 < 1e-130
            assert p.role == "weight" and 0.035 < np.abs(values).max() <= 0.07, p.path


def test_an_imported_symbol_blocks_graph_gives_its_layers_kinds_layouts_and_recurrent_roles():
    """Grouped Conv2DTranspose, Dense, PReLU, LayerNorm and a fused bidirectional two-layer LSTM (its parameters
    reach the RNN op through Reshape and _rnn_param_concat), exported and imported, and a channels-last Conv2D's
    symbol in a SymbolBlock (MXNet's CPU cannot run it to export it): each parameter gets the kind, role, layout,
    layer fans and key sub-leaf the walk gives the original layer's."""
    nn = gluon.nn
    net = nn.HybridSequential()
    net.add(nn.Conv2DTranspose(6, 3, groups=2, in_channels=4), nn.Dense(5, in_units=600), nn.PReLU(),
            nn.LayerNorm(in_channels=5))
    last = nn.HybridSequential()
    last.add(nn.Conv2D(4, 3, layout="NHWC", in_channels=5))
    lstm = gluon.rnn.LSTM(7, num_layers=2, bidirectional=True, input_size=3)
    for original, shape, inputs in ((net, (1, 4, 8, 8), ("data",)), (last, None, ("data",)),
                                    (lstm, (2, 1, 3), ("data0", "data1", "data2"))):  # an LSTM's states: inputs
        original.initialize()
        if shape is None:
            data = mx.sym.var("data")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # MXNet: "Cannot decide type for the following arguments" (data)
                block = gluon.SymbolBlock(original(data), data)
            block.initialize()
        else:
            block = _exported(original, [shape], inputs)
        by_name = {str(h[3].name): (p.kind, p.role, p.layout, p.layer_fans, p.key_leaf) for p, h in M.walk(block)}
        want = {str(h[3].name): (p.kind, p.role, p.layout, p.layer_fans, p.key_leaf) for p, h in M.walk(original)}
        assert by_name == want and len(want) in (7, 2, 16), (by_name, want)


def test_a_symbol_blocks_deferred_bias_waits_for_its_layers_fans_from_the_graph():
    """A SymbolBlock of Conv2D(8, 3) and Dense(300) without input sizes: presets.torch draws each weight and bias
    from U(+-1/sqrt(fan_in)) once the first forward pass gives the input's (5, 6, 6) shape: fan_in 45 and 128, as
    torch's own Conv2d(5, 8, 3) and Linear(128, 300) (the walk gave these parameters kind "other": nothing set)."""
    net = _deferred_symbol_block()
    net.initialize(mx.init.Constant(5.0))
    ui.presets.torch.apply(net, seed=0)
    net(mx.nd.ones((2, 5, 6, 6)))
    found = [(p.path, M.read(handle)) for p, handle in M.walk(net)]  # Gluon's names: conv0_weight, conv0_bias ...
    assert [re.sub(r"\d", "", path) for path, _ in found] == ["conv_weight", "conv_bias", "dense_weight", "dense_bias"]
    for (path, values), fan_in in zip(found, (45, 45, 128, 128)):
        bound = 1 / math.sqrt(fan_in)
        # 360, 38400 and 300 draws all under 0.9 bound: a chance of 0.9**300 < 2e-13; the conv's 8 biases in bound
        assert np.abs(values).max() <= bound, path
        assert path.startswith("conv") and path.endswith("bias") or np.abs(values).max() > 0.9 * bound, path
