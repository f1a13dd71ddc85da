"""Real Keras architectures through unifiedinit's Keras backend, under whichever Keras backend this process runs
(written for the default tensorflow; also passes under KERAS_BACKEND=jax, more slowly).

Models: keras.applications MobileNetV3Small, ResNet50 and EfficientNetB0 (weights=None, 64x64 inputs, 10
classes), two MultiHeadAttention layers (one with attention_axes=(1, 2) on a 4-D input), EinsumDense layers with
three equations, DepthwiseConv2D and SeparableConv2D with depth_multiplier=2, LSTM, GRU, ConvLSTM2D, a subclassed
model holding its layers in attributes and a list, a Functional model (with a preprocessing Normalization layer)
and a Functional subclass. What the file proves:

1. every preset (keras, torch, flax, mxnet) applies to every model and leaves no parameter UNMATCHED;
2. ``presets.keras`` reproduces Keras's own default initialization variable by variable: each variable after
   ``presets.keras.apply(model, seed=0)`` follows the law of the same variable of a second, natively initialized
   build (constants equal exactly; orthogonal recurrent kernels orthonormal as Keras's are); the parameters the
   preset keeps (LSTM/ConvLSTM/GRU biases) are byte-identical to Keras's. EinsumDense/MultiHeadAttention kernels
   take Keras's fans from the einsum equation (a plan with the plain (..., in, out) fans is shown to fail the same
   comparison), DepthwiseConv2D/SeparableConv2D kernels Keras's own ``compute_fans`` of the stored kernel (a plan
   with the grouped convolution's fans fails). EfficientNetB0 is left out of this check: it is built with its own
   initializers, not Keras's defaults;
3. report rows (kind, role, layout, fans) are Keras's own numbers, computed here by Keras's ``compute_fans`` and
   its einsum analysis; frozen variables stay out of ``ui.param_groups``;
4. values do not depend on Keras's automatic layer names: the same architecture built twice in one process gets
   identical values (native and portable); keys come from attributes (subclassed models) or positions
   (Sequential/Functional models, a Functional subclass included);
5. a catch-all rule leaves BatchNormalization's moving statistics and Normalization's mean and variance alone;
   ``presets.keras`` resets them to 0 and 1;
6. a refused plan changes no variable.

False failures: every law comparison is ``compare.same_law`` (two-sample KS at 1e-6, constants exact); the file
makes about 150 of them, so a correct library fails a run by chance with probability under 2e-4. Every seed is
fixed (``keras.utils.set_random_seed`` before each build, ``seed=0`` for plans, the KS subsample), so a run is
repeatable. The checks that a wrong plan *is* rejected compare laws whose standard deviations differ by 40 % or
more on at least 6,400 values a side: KS misses such a difference with probability far below 1e-9.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

keras = pytest.importorskip("keras")
from keras import Variable  # noqa: E402
from keras import layers as L  # noqa: E402

import unifiedinit as ui  # noqa: E402

from .compare import EVERY_MODEL, same_law, unchanged  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:plan rule .* matched no parameter")

SEED = 1234


def variable(v: object) -> Variable:
    """``v``, a built layer's variable: Keras declares a layer's variables Optional (None until ``build``)."""
    assert isinstance(v, Variable), v
    return v


def numpy(var) -> np.ndarray:
    return np.array(keras.ops.convert_to_numpy(var))


def snapshot(model) -> dict[str, np.ndarray]:
    """{variable path: a copy of its values} for every weight (parameters and statistics) of ``model``."""
    out = {v.path: numpy(v) for v in model.weights}
    assert len(out) == len(model.weights), "variable paths are not unique"
    return out


def floating(model) -> set[str]:
    """The paths of the floating-point weights of ``model`` (what unifiedinit sees; Normalization's int "count"
    is not one)."""
    return {v.path for v in model.weights if keras.backend.is_float_dtype(v.dtype)}


def keras_fans(shape, input_axes=None, output_axes=None) -> str:
    """Keras's own fans of a kernel, as the report writes them."""
    from keras.src.initializers.random_initializers import compute_fans
    return "{}/{}".format(*compute_fans(tuple(shape), input_axes, output_axes))


def einsum_fans(layer, input_shape) -> str:
    """The fans Keras's EinsumDense.build gives its VarianceScaling kernel initializer (input_axes/output_axes from
    the equation, no receptive field)."""
    from keras.src.layers.core.einsum_dense import _analyze_einsum_string
    shape, _, _, input_axes, output_axes = _analyze_einsum_string(layer.equation, layer.bias_axes, input_shape,
                                                                  layer.partial_output_shape)
    assert tuple(shape) == tuple(layer.kernel.shape)
    return keras_fans(shape, input_axes, output_axes)


# ------------------------------------------------------------------------------------------------- models

class Net(keras.Model):
    """Layers in attributes and in a list; no variable of its own (see test_root_variables_do_not_key_by_name)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.stem = L.Dense(128)
        self.blocks = [L.Dense(128, activation="relu"), L.LayerNormalization(), L.Dense(128)]
        self.rnn = L.GRU(64)
        self.head = L.Dense(10)

    def call(self, x):
        x = self.stem(x)
        for block in self.blocks:
            x = block(x)
        return self.head(self.rnn(x))


class Backbone(keras.Model):
    """A Functional subclass (keras_hub's backbones are built so): its layers are in no attribute."""

    def __init__(self, **kwargs):
        inputs = keras.Input((32,))
        x = L.Dense(128, activation="relu")(inputs)
        x = L.LayerNormalization()(x)
        super().__init__(inputs, L.Dense(10)(x), **kwargs)


def functional():
    inputs = keras.Input((12, 12, 16))
    x = L.Normalization()(inputs)
    x = L.Conv2D(64, 3, activation="relu")(x)
    x = L.BatchNormalization()(x)
    x = L.DepthwiseConv2D(3, depth_multiplier=2)(x)
    x = L.GlobalAveragePooling2D()(x)
    x = L.Dense(96, activation="relu")(x)
    x = L.LayerNormalization()(x)
    return keras.Model(inputs, L.Dense(10)(x))


def mha(axes=None):
    if axes is None:
        layer, x = L.MultiHeadAttention(num_heads=8, key_dim=32), keras.Input((10, 64))
    else:
        layer, x = L.MultiHeadAttention(num_heads=4, key_dim=32, attention_axes=axes), keras.Input((4, 5, 64))
    layer(x, x)
    return layer


def built(layer, input_shape):
    layer.build(input_shape)
    return layer


MODELS = {
    "MobileNetV3Small": lambda: keras.applications.MobileNetV3Small(input_shape=(64, 64, 3), weights=None,
                                                                    classes=10),
    "ResNet50": lambda: keras.applications.ResNet50(input_shape=(64, 64, 3), weights=None, classes=10),
    # with a preprocessing Normalization layer (non-trainable mean and variance); its convolutions and head are
    # built with explicit initializers (VarianceScaling 2.0 fan_out truncated normal...), not Keras's defaults
    "EfficientNetB0": lambda: keras.applications.EfficientNetB0(input_shape=(64, 64, 3), weights=None, classes=10),
    "MultiHeadAttention": mha,
    "MultiHeadAttention(axes=(1,2))": lambda: mha((1, 2)),
    "EinsumDense(abc,cde->abde)": lambda: built(L.EinsumDense("abc,cde->abde", (None, 8, 32), bias_axes="de"),
                                                (None, 3, 64)),
    "EinsumDense(ab,bcd->acd)": lambda: built(L.EinsumDense("ab,bcd->acd", (16, 32), bias_axes="cd"), (None, 64)),
    "EinsumDense(abc,dce->abde)": lambda: built(L.EinsumDense("abc,dce->abde", (None, 8, 32), bias_axes="e"),
                                                (None, 3, 64)),
    "DepthwiseConv2D": lambda: built(L.DepthwiseConv2D(5, depth_multiplier=2), (None, 16, 16, 128)),
    "SeparableConv2D": lambda: built(L.SeparableConv2D(32, 5, depth_multiplier=2), (None, 16, 16, 128)),
    "LSTM": lambda: built(L.LSTM(64), (None, 5, 32)),
    "GRU": lambda: built(L.GRU(64), (None, 5, 32)),
    "ConvLSTM2D": lambda: keras.Sequential([keras.Input((3, 10, 10, 8)), L.ConvLSTM2D(16, 3)]),
    "subclassed": lambda: _called(Net(), (2, 5, 16)),
    "Functional": functional,
}


def _called(model, shape):
    model(np.zeros(shape, "float32"))
    return model


def build(name):
    keras.utils.set_random_seed(SEED)
    return MODELS[name]()


@pytest.fixture(scope="module")
def models():
    """One build of each model, shared by the tests that do not compare values with a native build."""
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = build(name)
        return cache[name]
    return get


# ------------------------------------------------------------------------------- 1. every preset applies

@pytest.mark.parametrize("name", MODELS)
def test_every_preset_applies_and_matches_every_parameter(models, name):
    model = models(name)
    for preset_name, preset in ui.presets.PRESETS.items():
        report = preset.apply(model, seed=0)
        assert [p.path for p in report.unmatched] == [], f"{preset_name}: UNMATCHED"
        assert {e.param.path for e in report.entries} == floating(model)
        for v in model.weights:
            assert np.isfinite(numpy(v)).all(), f"{preset_name}: {v.path}"


# ----------------------------------------------------------- 2. presets.keras is Keras's own initialization

#: parameters whose Keras default is determined: the LSTM and ConvLSTM biases (zeros, the forget gate's block
#: ones: ``ui.Blocks``) and the GRU's zero bias, compared exactly
DETERMINED = {("LSTMCell", "bias"), ("ConvLSTMCell", "bias"), ("GRUCell", "bias")}


def orthonormal(m: np.ndarray) -> None:
    """Keras's Orthogonal: the kernel flattened to (prod(shape[:-1]), shape[-1]) has orthonormal rows or columns,
    whichever are fewer."""
    m = m.reshape(-1, m.shape[-1])
    gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    np.testing.assert_allclose(gram, np.eye(len(gram)), atol=1e-5)


#: models built with Keras's default initializers (EfficientNet chooses its own)
DEFAULT_INIT = [name for name in MODELS if name != "EfficientNetB0"]


@pytest.mark.parametrize("name", DEFAULT_INIT)
def test_keras_preset_reproduces_keras_default_init(name):
    native = build(name)
    ours = build(name)
    before = snapshot(ours)
    report = ui.presets.keras.apply(ours, seed=0)
    entries = {e.param.path: e for e in report.entries}
    assert not [path for path, e in entries.items() if e.spec is None]  # presets.keras keeps nothing
    assert len(native.weights) == len(ours.weights)
    changed = 0
    for theirs_var, ours_var in zip(native.weights, ours.weights):
        path = ours_var.path
        assert theirs_var.path.rsplit("/", 1)[-1] == path.rsplit("/", 1)[-1] and theirs_var.shape == ours_var.shape
        theirs, mine = numpy(theirs_var), numpy(ours_var)
        if path not in entries:  # an int variable (Normalization's count): no parameter, not touched
            assert path not in floating(ours) and mine.tobytes() == before[path].tobytes(), path
            continue
        if (entries[path].param.layer, entries[path].param.role) in DETERMINED:  # Keras's own values, exactly
            np.testing.assert_array_equal(mine, theirs, err_msg=path)
            continue
        changed += not np.array_equal(mine, before[path])
        same_law(mine, theirs, f"{name}: {path}")
        if entries[path].param.role == "recurrent_weight":  # Keras's orthogonal, not only its law
            orthonormal(theirs)
            orthonormal(mine)
    assert changed > 0  # the preset did draw (seed 0, not Keras's seeds)
    # the fans the preset's specs saw are Keras's compute_fans of each stored kernel, exactly (a KS on a small
    # kernel would not see a moderately wrong scale); EinsumDense kernels: test_report_rows_of_einsum_dense
    for row in report.rows():
        if row["role"] in ("weight", "recurrent_weight") and row["layer"] != "EinsumDense":
            assert row["fans"] == keras_fans(row["shape"]), row


def _kernels(report, layer):
    return [e.param for e in report.entries if e.param.layer == layer and e.param.role == "weight"]


@pytest.mark.parametrize("name", [n for n in MODELS if n.startswith(("EinsumDense", "MultiHeadAttention"))])
def test_einsum_kernels_take_fans_from_the_equation(name):
    """The comparison of test_keras_preset_reproduces_keras_default_init fails for fans of the plain
    (..., in, out) rule (receptive field = the leading axes), which Keras does not use for an EinsumDense."""
    native = {v.path.split("/", 1)[-1]: numpy(v) for v in build(name).weights}
    ours = build(name)
    plain = ui.presets.keras + ui.Plan().rule(ui.XavierUniform(), role="weight", layer="EinsumDense", layout="keras")
    report = plain.apply(ours, seed=0)
    kernels = {p.path: p for p in _kernels(report, "EinsumDense")}
    assert kernels and all(len(p.shape) == 3 for p in kernels.values())
    by_path = {v.path: v for v in ours.weights}
    for path in kernels:
        with pytest.raises(AssertionError, match="two-sample KS"):
            same_law(numpy(by_path[path]), native[path.split("/", 1)[-1]], path)


@pytest.mark.parametrize("name", ["DepthwiseConv2D", "SeparableConv2D"])
def test_depthwise_kernels_take_keras_own_fans(name):
    """Keras's glorot on a (k, k, in, multiplier) depthwise kernel uses compute_fans (fan_in = k*k*in), not the
    grouped convolution's fans (fan_in = k*k) that the other presets give the same layer: a plan with the latter
    fails the comparison."""
    native = numpy(build(name).weights[0])
    ours = build(name)
    grouped = ui.presets.keras + ui.Plan().rule(ui.XavierUniform(), kind="conv", role="weight", layer="*Conv2D",
                                                layout="keras_depthwise")
    report = grouped.apply(ours, seed=0)
    kernel = ours.weights[0]
    assert kernel.path.endswith(("/kernel", "/depthwise_kernel")) and kernel.shape == (5, 5, 128, 2)
    assert report.rows()[0]["fans"] == "25/6400"
    with pytest.raises(AssertionError, match="two-sample KS"):
        same_law(numpy(kernel), native, kernel.path)
    ui.presets.keras.apply(ours, seed=0)
    same_law(numpy(kernel), native, kernel.path)


def test_a_one_axis_einsum_kernel_takes_fans_from_the_equation():
    def make():
        keras.utils.set_random_seed(SEED)
        return built(L.EinsumDense("ab,b->ab", (20_000,)), (None, 20_000))
    native, ours = make(), make()
    ui.presets.keras.apply(ours, seed=0)
    same_law(numpy(ours.kernel), numpy(native.kernel), "kernel")


# ------------------------------------------------- 2b. presets.keras_applications is the builders' own init

#: one keras.applications builder of each family presets.keras_applications names, and one of its defaults; with
#: UNIFIEDINIT_EVERY_MODEL=1 every builder (compare.EVERY_MODEL)
APPLICATIONS = ([n for n in dir(keras.applications) if n[:1].isupper()] if EVERY_MODEL else
                ["EfficientNetB0", "EfficientNetV2B0", "NASNetMobile", "ConvNeXtTiny", "MobileNetV3Small"])


def application(name: str, seed: int):
    """keras.applications' ``name`` with no weights, at 75x75 (Inception's and Xception's least) and 10 classes."""
    keras.utils.set_random_seed(seed)
    return getattr(keras.applications, name)(input_shape=(75, 75, 3), weights=None, classes=10)


@pytest.mark.parametrize("name", APPLICATIONS)
def test_keras_applications_preset_reproduces_the_builders_own_init(name):
    """The builder under one seed is the reference; a second build under another, redrawn by the plan, has every
    floating variable of the reference's law (a constant exactly, a draw by the KS test at ALPHA)."""
    theirs, ours = application(name, SEED), application(name, SEED + 1)
    report = ui.presets.keras_applications(name).apply(ours, seed=0)
    assert not report.unmatched, [p.path for p in report.unmatched]
    compared = 0
    for native, mine in zip(theirs.weights, ours.weights):
        assert native.shape == mine.shape and native.name.split("_")[0] == mine.name.split("_")[0], mine.path
        if keras.backend.is_float_dtype(mine.dtype):
            same_law(numpy(mine), numpy(native), f"{name}: {mine.path}")
            compared += 1
    assert compared == len(report.entries) >= 32  # VGG16 has 32


def test_every_keras_application_is_a_family_of_the_preset():
    """A builder a new Keras adds fails here rather than being refused, or read as another's, quietly."""
    builders = [n for n in dir(keras.applications) if n[:1].isupper()]
    assert len(builders) >= 40
    for name in builders:
        assert ui.presets.keras_applications(name).name == "keras_applications"
    for family in ("efficientnet", "nasnet", "convnext"):  # each adds rules to Keras's defaults
        assert len(ui.presets.keras_applications(family).rules) > len(ui.presets.keras.rules)
    assert ui.presets.keras_applications("ResNet50").rules == ui.presets.keras_applications("defaults").rules


def test_an_efficientnet_plan_draws_only_the_builders_classifier_with_its_dense_law():
    """EfficientNet's DENSE_KERNEL_INITIALIZER is the builder's classifier's (``predictions``) alone: a head of
    one's own on a base built with include_top=False keeps Keras's Glorot-uniform (it was redrawn with the 1/3 law)."""
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, name="my_head"),
                              keras.layers.Dense(4, name="predictions")])
    specs = {e.param.path: e.spec for e in ui.presets.keras_applications("EfficientNetB0").apply(model, seed=0).entries}
    head = next(spec for path, spec in specs.items() if "my_head" in path and path.endswith("kernel"))
    classifier = next(spec for path, spec in specs.items() if "predictions" in path and path.endswith("kernel"))
    assert classifier == ui.VarianceScaling(1 / 3, "fan_out", "uniform")
    assert head == ui.XavierUniform()


@pytest.mark.parametrize("arch,error,match", [
    (50, TypeError, "'arch' must be a string, got 50"),
    ("EfficientNetB9", ValueError, r"'arch' must be a family \(defaults, efficientnet, nasnet, convnext\).*"
                                   r"got 'EfficientNetB9'"),
    ("efficientnet_b0", ValueError, "got 'efficientnet_b0'")])  # timm's name: the builders' are Keras's
def test_keras_applications_refuses_a_name_it_does_not_know(arch, error, match):
    with pytest.raises(error, match=match):
        ui.presets.keras_applications(arch)


# ---------------------------------------------------------------------------------------- 3. report rows

def _rows(model, plan=None):
    return {r["path"]: r for r in ui.inspect(model, ui.presets.keras if plan is None else plan).rows()}


def _layer(model, cls):
    (found,) = [layer for layer in model.layers if type(layer) is cls]
    return found


def test_report_rows_of_dense_conv_depthwise_and_norm_layers(models):
    model = models("Functional")
    rows = _rows(model)
    torch_rows = _rows(model, ui.presets.torch)
    dense = model.layers[-1]
    conv, dw = _layer(model, L.Conv2D), _layer(model, L.DepthwiseConv2D)
    bn, ln = _layer(model, L.BatchNormalization), _layer(model, L.LayerNormalization)
    norm = _layer(model, L.Normalization)

    def check(var, kind, role, layout, fans=None):
        r = rows[var.path]
        assert (r["kind"], r["role"], r["shape"]) == (kind, role, list(var.shape)), r
        assert layout is None or r["layout"] == layout, r
        if fans is not None:
            assert r["fans"] == fans, r

    check(dense.kernel, "dense", "weight", "keras", keras_fans(dense.kernel.shape))
    check(dense.bias, "dense", "bias", "keras")
    check(conv.kernel, "conv", "weight", "keras", keras_fans(variable(conv.kernel).shape))
    assert rows[variable(conv.kernel).path]["fans"] == f"{3 * 3 * 16}/{3 * 3 * 64}"
    # a depthwise kernel is stored (k, k, in, multiplier) in the "keras_depthwise" layout, the grouped
    # convolution's fans (torch's own of the same layer's (in*mult, 1, k, k) weight), which presets.torch uses;
    # presets.keras's rule replaces it with "keras" (Keras's compute_fans of the stored kernel)
    check(dw.kernel, "conv", "weight", None, keras_fans(dw.kernel.shape))
    assert rows[dw.kernel.path]["fans"] == f"{3 * 3 * 64}/{3 * 3 * 2}"
    assert torch_rows[dw.kernel.path]["layout"] == "keras_depthwise"
    assert torch_rows[dw.kernel.path]["fans"] == f"{3 * 3}/{64 * 2 * 3 * 3}"
    check(bn.gamma, "norm", "scale", "keras")
    check(bn.beta, "norm", "shift", "keras")
    check(bn.moving_mean, "norm", "running_mean", "keras")
    check(bn.moving_variance, "norm", "running_var", "keras")
    check(ln.gamma, "norm", "scale", "keras")
    check(ln.beta, "norm", "shift", "keras")
    check(norm.adapt_mean, "norm", "running_mean", "keras")  # preprocessing statistics (initializers zeros, ones)
    check(norm.adapt_variance, "norm", "running_var", "keras")
    moving_mean, moving_variance = variable(bn.moving_mean), variable(bn.moving_variance)
    assert rows[moving_mean.path]["spec"] == "Zeros()" and rows[moving_variance.path]["spec"] == "Ones()"


@pytest.mark.parametrize("name,input_shape", [("EinsumDense(abc,cde->abde)", (None, 3, 64)),
                                              ("EinsumDense(ab,bcd->acd)", (None, 64)),
                                              ("EinsumDense(abc,dce->abde)", (None, 3, 64))])
def test_report_rows_of_einsum_dense(models, name, input_shape):
    layer = models(name)
    rows = _rows(layer)
    kernel = rows[layer.kernel.path]
    assert (kernel["kind"], kernel["role"]) == ("dense", "weight")
    assert kernel["fans"] == einsum_fans(layer, input_shape)
    plain = keras_fans(layer.kernel.shape)  # what the (..., in, out) rule would say: not Keras's here
    assert kernel["fans"] != plain
    assert rows[layer.bias.path]["role"] == "bias"


@pytest.mark.parametrize("name,query_shape", [("MultiHeadAttention", (None, 10, 64)),
                                              ("MultiHeadAttention(axes=(1,2))", (None, 4, 5, 64))])
def test_report_rows_of_multi_head_attention(models, name, query_shape):
    layer = models(name)
    rows = _rows(layer)
    heads, dim = layer.num_heads, layer.key_dim
    query, output = layer.query_dense, layer.output_dense
    q, o = rows[query.kernel.path], rows[output.kernel.path]
    assert (q["kind"], q["role"], q["layout"]) == ("attention", "weight", "multihead_qkv")
    assert (o["kind"], o["role"], o["layout"]) == ("attention", "weight", "multihead_out")
    assert q["fans"] == einsum_fans(query, query_shape) == f"64/{heads * dim}"
    assert o["fans"] == einsum_fans(output, query_shape[:-1] + (heads, dim)) == f"{heads * dim}/64"
    assert (rows[query.bias.path]["role"], rows[output.bias.path]["role"]) == ("bias", "bias")
    assert query.equation == ("abc,cde->abde" if len(query_shape) == 3 else "abcd,def->abcef")
    assert {r["kind"] for r in rows.values()} == {"attention"}


def test_frozen_variables_are_not_in_param_groups():
    model = build("Functional")
    conv, ln = _layer(model, L.Conv2D), _layer(model, L.LayerNormalization)
    conv.trainable = ln.trainable = False
    rows = _rows(model)
    frozen = {v.path for v in conv.weights + ln.weights}
    assert {p for p, r in rows.items() if not r["trainable"]} == frozen | {
        v.path for v in model.weights if v.path.endswith(("moving_mean", "moving_variance", "/mean", "/variance"))}
    expected = set()
    for layer in model.layers:
        if not layer.trainable or not layer.trainable_weights:
            continue
        if isinstance(layer, (L.BatchNormalization, L.LayerNormalization)):
            expected |= {variable(layer.gamma).path, variable(layer.beta).path}
        else:
            expected.add(layer.bias.path)
    got = [v.path for v in ui.param_groups(model)]
    assert len(got) == len(set(got)) and set(got) == expected
    assert not frozen & set(got)


# ------------------------------------------------------------------------ 4. keys are not Keras's names

def sequential():
    return keras.Sequential([keras.Input((16,)), L.Dense(64, activation="relu"), L.Dropout(0.1), L.Dense(10)])


def functional_mha():
    x = keras.Input((10, 64))
    y = L.MultiHeadAttention(num_heads=4, key_dim=16)(x, x)
    y = L.LayerNormalization()(L.Add()([x, y]))
    return keras.Model(x, L.Dense(10)(y))


TWICE = {"Sequential": sequential, "Functional": functional, "Functional with MHA": functional_mha,
         "subclassed": lambda: _called(Net(), (2, 5, 16)), "Functional subclass": lambda: Backbone(),
         "LSTM in a Sequential": lambda: keras.Sequential([keras.Input((5, 8)), L.LSTM(32), L.Dense(4)])}


@pytest.mark.parametrize("portable", [False, True], ids=["native", "portable"])
@pytest.mark.parametrize("name", TWICE)
def test_the_same_architecture_built_twice_gets_the_same_values(name, portable):
    plan = ui.Plan().rule(ui.Normal(0.0, 1.0))
    a, b = TWICE[name](), TWICE[name]()
    ra, rb = plan.apply(a, seed=0, portable=portable), plan.apply(b, seed=0, portable=portable)
    assert {v.path for v in a.weights}.isdisjoint({v.path for v in b.weights})  # Keras named them apart
    assert [p.key for p in ra.params] == [p.key for p in rb.params]
    for va, vb in zip(a.weights, b.weights):
        np.testing.assert_array_equal(numpy(va), numpy(vb), err_msg=f"{va.path} vs {vb.path}")


def _names(model):
    return {layer.name for layer in model._flatten_layers(include_self=True, recursive=True)}


def test_keys_of_a_subclassed_model_come_from_its_attributes():
    model = _called(Net(), (2, 5, 16))
    keys = {r["key"] for r in _rows(model).values()}
    assert keys == {"stem/weight", "stem/bias", "blocks/0/weight", "blocks/0/bias", "blocks/1/scale",
                    "blocks/1/shift", "blocks/2/weight", "blocks/2/bias", "rnn/weight", "rnn/recurrent_weight",
                    "rnn/bias", "head/weight", "head/bias"}


@pytest.mark.parametrize("name", ["Sequential", "Functional", "Functional with MHA", "Functional subclass"])
def test_keys_of_sequential_and_functional_models_are_positions(name):
    model = TWICE[name]()
    keys = [r["key"] for r in _rows(model).values()]
    names = _names(model)
    for key in keys:
        words = key.split("/")
        assert re.fullmatch(r"\d+", words[0]), key
        assert not set(words) & names, f"{key} holds a Keras layer name"
    layers_with_weights = [layer for layer in model.layers if layer.weights]
    assert {int(k.split("/")[0]) for k in keys} == set(range(len(layers_with_weights)))


@pytest.mark.parametrize("kind", ["bare Dense", "model's own weight"])
def test_root_variables_do_not_key_by_name(kind):
    class Scaled(Net):
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(16,), initializer="ones", name="scale")

        def call(self, x):
            return super().call(x * self.scale)

    def make():
        if kind == "bare Dense":
            return built(L.Dense(32), (None, 16))
        return _called(Scaled(), (2, 5, 16))
    plan = ui.Plan().rule(ui.Normal(0.0, 1.0))
    a, b = make(), make()
    ra, rb = plan.apply(a, seed=0), plan.apply(b, seed=0)
    assert [p.key for p in ra.params] == [p.key for p in rb.params]
    for va, vb in zip(a.weights, b.weights):
        np.testing.assert_array_equal(numpy(va), numpy(vb), err_msg=va.path)


# -------------------------------------------------------------- 5. statistics only by a rule naming them

def test_a_catch_all_rule_leaves_moving_statistics_alone_and_the_preset_resets_them():
    """BatchNormalization's moving mean and variance, and the Normalization (preprocessing) layer's."""
    model = build("Functional")
    bn, norm = _layer(model, L.BatchNormalization), _layer(model, L.Normalization)
    means = (variable(bn.moving_mean), variable(norm.adapt_mean))
    variances = (variable(bn.moving_variance), variable(norm.adapt_variance))
    rng = np.random.default_rng(0)
    for mean, variance in zip(means, variances):
        mean.assign(rng.normal(size=mean.shape).astype("float32"))
        variance.assign(rng.uniform(0.5, 2.0, size=variance.shape).astype("float32"))
    stats = {v.path for v in means + variances}
    before = snapshot(model)
    report = ui.Plan().rule(ui.Normal(0.0, 0.02)).apply(model, seed=0)
    after = snapshot(model)
    assert {p.path for p in report.unmatched} == stats
    assert {p.role for p in report.unmatched} == {"running_mean", "running_var"}
    params = floating(model) - stats
    unchanged(before, after, allowed=params)
    assert all(not np.array_equal(before[p], after[p]) for p in params)  # every parameter was drawn
    ui.presets.keras.apply(model, seed=0)
    for mean, variance in zip(means, variances):
        np.testing.assert_array_equal(numpy(mean), np.zeros(mean.shape))
        np.testing.assert_array_equal(numpy(variance), np.ones(variance.shape))


# ------------------------------------------------------------------------- 6. a refused plan changes nothing

REFUSED = {
    # 1e300 is not a float32: refused when the plan is resolved, before any write
    "unrepresentable constant": ("MobileNetV3Small", lambda: ui.Plan().rule(ui.Zeros()).rule(ui.Constant(1e300))),
    # the classifier, MobileNetV3's last 1x1 conv, walked after every other parameter the first rule draws
    "Eye on the last conv kernel": ("MobileNetV3Small",
                                    lambda: ui.Plan().rule(ui.Normal(0.0, 1.0)).rule(ui.Eye(), path="logits/kernel")),
    "Eye on a conv kernel": ("Functional", lambda: ui.Plan().rule(ui.Normal(0.0, 1.0))
                             .rule(ui.Eye(), kind="conv", role="weight", layer="DepthwiseConv2D")),
}


@pytest.mark.parametrize("case", REFUSED)
def test_a_refused_plan_changes_nothing(models, case):
    name, make = REFUSED[case]
    model = models(name)
    before = {v.path: numpy(v).tobytes() for v in model.weights}
    plan = make()
    assert ui.inspect(model, ui.Plan(plan.rules[:1])).entries  # the first rule alone applies
    with pytest.raises(ValueError):
        plan.apply(model, seed=0)
    after = {v.path: numpy(v).tobytes() for v in model.weights}
    assert after == before


# ------------------------------------------------------ 7. a layer held twice is keyed by the README's tie rule

def _shared_pair(order: str):
    """One Dense (4 -> 3) held by the attributes ``a`` and ``b``, assigned in ``order``, in Keras, torch and NNX."""
    torch = pytest.importorskip("torch")
    nnx = pytest.importorskip("flax.nnx")

    class KerasNet(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            dense = L.Dense(3)
            for attr in order:
                setattr(self, attr, dense)

        def build(self, input_shape):
            self.a.build(input_shape)

        def call(self, x):
            return self.b(x)

    class TorchNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            linear = torch.nn.Linear(4, 3)
            for attr in order:
                setattr(self, attr, linear)

    class NNXNet(nnx.Module):
        def __init__(self):
            linear = nnx.Linear(4, 3, rngs=nnx.Rngs(0))
            for attr in order:
                setattr(self, attr, linear)

    k = KerasNet()
    k.build((None, 4))
    return k, TorchNet(), NNXNet()


SHARED_PLAN = ui.Plan().rule(ui.Normal(0.0, 1.0), role="weight").rule(ui.Uniform(-1.0, 1.0), role="bias")


@pytest.mark.parametrize("order", ["ba", "ab"], ids=["b assigned first", "a assigned first"])
def test_a_layer_held_by_two_attributes_is_keyed_as_torch_and_nnx_key_it(order):
    """The owner of a shared layer's tensors is the shortest path, then the first in sorted order (README, "Tied
    weights"), never the order the attributes were assigned in: ``a``, with ``b`` an alias, in all three
    frameworks, so the portable values are torch's and NNX's."""
    k, t, n = _shared_pair(order)
    rk, rt, rn = (SHARED_PLAN.apply(m, seed=0, portable=True) for m in (k, t, n))
    for report, kernel_name in ((rk, "kernel"), (rt, "weight"), (rn, "kernel")):  # NNX's names are Keras's
        assert {p.role: (p.key, p.aliases) for p in report.params} == \
            {"weight": ("a/weight", (f"b/{kernel_name}",)), "bias": ("a/bias", ("b/bias",))}, report.params
    kernel = numpy(k.a.kernel)
    np.testing.assert_array_equal(kernel, t.a.weight.detach().numpy().T)
    np.testing.assert_array_equal(kernel, np.asarray(n.a.kernel.get_value()))
    np.testing.assert_array_equal(numpy(k.a.bias), t.a.bias.detach().numpy())
    assert np.unique(kernel).size == kernel.size  # drawn, not a constant


@pytest.mark.parametrize("alias", ["a", "b"])
def test_a_path_glob_or_skip_on_either_attribute_of_a_shared_layer_reaches_it(alias):
    k, _, _ = _shared_pair("ba")
    report = ui.Plan().rule(ui.Ones(), path=f"{alias}/*", role="weight").apply(k, seed=0)
    assert [e.param.role for e in report.entries if e.spec is not None] == ["weight"]
    np.testing.assert_array_equal(numpy(k.a.kernel), np.ones((4, 3)))
    k.a.kernel.assign(np.full((4, 3), 0.5, "float32"))
    bias = numpy(k.a.bias)
    report = ui.Plan().rule(ui.Normal(0.0, 1.0)).apply(k, seed=0, skip=[f"{alias}/kernel"])
    assert [p.role for p in report.skipped] == ["weight"]
    np.testing.assert_array_equal(numpy(k.a.kernel), np.full((4, 3), 0.5))  # skipped: kept
    assert not np.array_equal(numpy(k.a.bias), bias)  # the other tensor was drawn


@pytest.mark.parametrize("order", ["first, second", "second, first"])
def test_a_layer_shared_by_two_parent_layers_is_keyed_by_the_first_path_and_reached_by_both(order):
    """A Dense held by two blocks, ``first/fc`` and ``second/fc``: keyed ``first/fc`` (as torch keys the same
    model, whichever block is assigned first), ``second/fc/kernel`` an alias a path glob reaches."""
    torch = pytest.importorskip("torch")

    class KerasBlock(keras.layers.Layer):
        def __init__(self, fc, **kwargs):
            super().__init__(**kwargs)
            self.fc = fc

        def build(self, input_shape):
            self.fc.build(input_shape)

        def call(self, x):
            return self.fc(x)

    class KerasNet(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            fc = L.Dense(4)
            for attr in order.split(", "):
                setattr(self, attr, KerasBlock(fc))

        def build(self, input_shape):
            self.second.build(input_shape)

        def call(self, x):
            return self.second(self.first(x))

    class TorchBlock(torch.nn.Module):
        def __init__(self, fc):
            super().__init__()
            self.fc = fc

    class TorchNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            fc = torch.nn.Linear(4, 4)
            for attr in order.split(", "):
                setattr(self, attr, TorchBlock(fc))

    k, t = KerasNet(), TorchNet()
    k.build((None, 4))
    rk, rt = SHARED_PLAN.apply(k, seed=0, portable=True), SHARED_PLAN.apply(t, seed=0, portable=True)
    assert [(p.key, p.aliases) for p in sorted(rk.params, key=lambda p: p.key)] == \
        [("first/fc/bias", ("second/fc/bias",)), ("first/fc/weight", ("second/fc/kernel",))]
    assert sorted(p.key for p in rt.params) == ["first/fc/bias", "first/fc/weight"]
    np.testing.assert_array_equal(numpy(k.first.fc.kernel), t.first.fc.weight.detach().numpy().T)
    np.testing.assert_array_equal(numpy(k.first.fc.bias), t.first.fc.bias.detach().numpy())
    report = ui.Plan().rule(ui.Ones(), path="second/*").apply(k, seed=0)
    assert len([e for e in report.entries if e.spec is not None]) == 2
    np.testing.assert_array_equal(numpy(k.first.fc.kernel), np.ones((4, 4)))
    np.testing.assert_array_equal(numpy(k.first.fc.bias), np.ones(4))


# ------------------------------------------------------ 8. ReversibleEmbedding's untied output table

def reversible(tie_weights=False):
    keras.utils.set_random_seed(SEED)
    return keras.Sequential([keras.Input((7,), dtype="int32"), L.ReversibleEmbedding(300, 32, tie_weights=tie_weights)])


@pytest.mark.skipif(not hasattr(L, "ReversibleEmbedding"), reason="keras.layers.ReversibleEmbedding: Keras >= 3.11")
def test_a_reversible_embedding_output_table_is_an_embedding_table_stored_transposed():
    """``ReversibleEmbedding(tie_weights=False)``'s ``reverse_embeddings`` (dim, num) is drawn by Keras with the
    layer's ``embeddings_initializer``: presets.keras gives it that law (KS against Keras's own draw in this run at
    ALPHA), with the fans of the table (num in, dim out), and a seeded plan is repeatable, native and portable; a
    portable draw is torch's (num, dim) table transposed; presets.torch and presets.flax draw it as their
    embedding tables (N(0, 1), N(0, 1/dim))."""
    from .compare import has_laws
    native, ours = reversible(), reversible()
    report = ui.presets.keras.apply(ours, seed=0)
    assert not report.unmatched, [p.path for p in report.unmatched]
    table, reverse = ours.layers[0].embeddings, ours.layers[0].reverse_embeddings
    rows = {r["path"]: r for r in report.rows()}
    row = rows[reverse.path]
    assert (row["kind"], row["role"], row["shape"], row["fans"]) == ("embedding", "embedding", [32, 300], "300/32")
    assert rows[table.path]["key"] == "0/embedding"  # the layer's first table keeps its key
    for mine, theirs in ((table, native.layers[0].embeddings), (reverse, native.layers[0].reverse_embeddings)):
        same_law(numpy(mine), numpy(theirs), mine.path)
    for portable in (False, True):
        a, b = reversible(), reversible()
        ra = ui.presets.keras.apply(a, seed=0, portable=portable)
        ui.presets.keras.apply(b, seed=0, portable=portable)
        np.testing.assert_array_equal(numpy(a.layers[0].reverse_embeddings), numpy(b.layers[0].reverse_embeddings))
        if portable:
            (p,) = [p for p in ra.params if p.path == a.layers[0].reverse_embeddings.path]
            drawn = ui.Portable(seed=0, key=p.key).values(ui.Uniform(-0.05, 0.05), (300, 32), "torch_embedding")
            np.testing.assert_array_equal(numpy(a.layers[0].reverse_embeddings), drawn.T)
    for preset, law in ((ui.presets.torch, ui.Normal(0.0, 1.0)), (ui.presets.flax, ui.Normal(0.0, 32 ** -0.5))):
        model = reversible()
        assert not preset.apply(model, seed=0).unmatched
        has_laws({"reverse": numpy(model.layers[0].reverse_embeddings)}, {"reverse": law}, preset.name)


def test_keras_preset_draws_a_spectral_normalizations_vector_as_keras_does():
    # SpectralNormalization's non-trainable vector_u is TruncatedNormal(stddev=0.02) (cut at 2 std) in Keras: the
    # preset draws it so (it was left UNMATCHED), compared with a native build's by the same same_law
    def model():
        keras.utils.set_random_seed(0)
        return keras.Sequential([keras.Input((8,)), L.SpectralNormalization(L.Dense(3000))])

    native, ours = model(), model()
    report = ui.presets.keras.apply(ours, seed=1)
    assert not report.unmatched
    mine, theirs = numpy(ours.layers[0].vector_u), numpy(native.layers[0].vector_u)
    assert not np.array_equal(mine, theirs)
    same_law(mine, theirs, "vector_u")
    # the cut, which KS barely sees (4.6 % of the mass lies beyond 2 std): both lie within 2 std = 0.04 and reach
    # past 1.9 std (1.25 % of the truncated law: all 3000 values of one side stay under it with chance 4e-17)
    for values in (mine, theirs):
        assert 0.038 < np.abs(values).max() <= 0.04 + 1e-7, np.abs(values).max()  # + float32 rounding


# --------------------------- 2c. presets.keras_applications on a Keras port that keeps EfficientNet's layer names

@pytest.mark.parametrize("builder,name,kernel_size,channels", [
    ("EfficientNetB0", "block3a_dwconv", 5, 144), ("EfficientNetV2B0", "block4a_dwconv2", 3, 192)])
def test_an_efficientnet_plan_gives_a_ports_grouped_depthwise_conv_the_builders_law(builder, name, kernel_size,
                                                                                     channels):
    """A port that writes the builder's DepthwiseConv2D as a Conv2D(groups=C) under the builder's name gets the law
    Keras draws the builder's own layer from: a DepthwiseConv2D with the builder module's CONV_KERNEL_INITIALIZER,
    built in the same run (KS at ALPHA = 1e-6 by ``same_law``: a correct library fails each case by chance with
    probability 1e-6). The grouped conv's own fan_out is C*k*k: the plan drew it with a std sqrt(C) >= 12 times too
    small, which KS rejects on 1,728 values a side with certainty."""
    from typing import Any, cast

    from keras.src.applications import efficientnet, efficientnet_v2
    module = efficientnet if builder == "EfficientNetB0" else efficientnet_v2
    # Keras types the argument as its default's str; it takes the builder's config dict as well
    initializer = cast(Any, module.CONV_KERNEL_INITIALIZER)
    keras.utils.set_random_seed(SEED)
    native = built(L.DepthwiseConv2D(kernel_size, use_bias=False, name=name, depthwise_initializer=initializer),
                   (None, 8, 8, channels))
    port = keras.Sequential([keras.Input((8, 8, channels)),
                             L.Conv2D(channels, kernel_size, groups=channels, use_bias=False, name=name)])
    report = ui.presets.keras_applications(builder).apply(port, seed=0)
    assert not report.unmatched
    same_law(numpy(port.layers[0].kernel), numpy(native.kernel), f"{builder}: {name}")
