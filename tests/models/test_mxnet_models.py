"""Gluon model-zoo networks (resnet18_v1, mobilenet_v2_1_0, built without pretrained weights).

What it proves: ``presets.mxnet`` reproduces Gluon's own initialization (``net.initialize()``: the global
Uniform(0.07) for weights, zeros/ones for biases, BatchNorm's gamma, beta and running statistics) parameter by
parameter (two-sample KS against a fresh network's values, constants exactly; tests/models/compare.py: each
comparison at 1e-6, the file by chance with probability under 1e-3); every preset applies; the report's
kinds, roles and fans are the layers'; a catch-all rule leaves the running statistics alone; a refused plan
changes nothing; the same seed gives the same network.
"""

import warnings

import numpy as np
import pytest

import unifiedinit as ui  # noqa: E402
from unifiedinit.backends import available  # noqa: E402

if not available("mxnet"):
    pytest.skip("mxnet is not installed", allow_module_level=True)
from unifiedinit.backends.mxnet import mx  # noqa: E402 - imports MXNet with NumPy 2's removed aliases supplied

from .compare import EVERY_MODEL, same_law, unchanged  # noqa: E402

MODELS = {"resnet18_v1": lambda: mx.gluon.model_zoo.vision.resnet18_v1(pretrained=False, classes=10),
          "mobilenet_v2": lambda: mx.gluon.model_zoo.vision.mobilenet_v2_1_0(pretrained=False, classes=10)}


def build(name, seed=0):
    mx.random.seed(seed)
    net = MODELS[name]()
    net.initialize()
    net(mx.nd.zeros((1, 3, 32, 32)))  # shapes known
    mx.nd.waitall()  # the deferred initialization is asynchronous: finished before any snapshot is taken
    return net


def values(net):
    return {name: p.data().asnumpy().copy() for name, p in net.collect_params().items()}


def by_structure(net):
    """Parameter values by their path in the network (names carry a per-instance prefix in Gluon 1.x)."""
    from unifiedinit.apply import records
    return {p.path: where[3].data().asnumpy().copy() for p, where in records(net)[1]}


@pytest.mark.parametrize("name", MODELS)
def test_presets_mxnet_reproduces_gluons_own_init(name):
    native = by_structure(build(name, 1))
    net = build(name, 2)
    report = ui.presets.mxnet.apply(net, seed=0)
    assert not report.unmatched
    ours = by_structure(net)
    assert ours.keys() == native.keys()
    for path in native:
        same_law(ours[path], native[path], path)


@pytest.mark.parametrize("name", MODELS)
def test_every_preset_applies_and_the_report_reads_the_layers(name):
    net = build(name)
    for preset in ui.presets.PRESETS.values():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert not preset.apply(net, seed=0).unmatched
    rows = {r["path"]: r for r in ui.inspect(net).rows()}
    first = rows["features/0/weight"]
    assert (first["kind"], first["role"], first["layout"]) == ("conv", "weight", "mxnet")
    out, inp, kh, kw = net.features[0].weight.shape
    assert first["fans"] == f"{inp * kh * kw}/{out * kh * kw}"
    stats = [r for r in rows.values() if r["role"] in ("running_mean", "running_var")]
    assert stats and all(r["kind"] == "norm" and not r["trainable"] for r in stats)
    last = net.output if isinstance(net.output, mx.gluon.nn.Dense) else net.output[-2]  # Dense, or mobilenet's 1x1 conv
    row = rows["output/weight" if last is net.output else f"output/{len(net.output) - 2}/weight"]
    assert row["kind"] in ("dense", "conv")
    shape = last.weight.shape
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    assert row["fans"] == f"{shape[1] * receptive}/{shape[0] * receptive}"


@pytest.mark.parametrize("name", MODELS)
def test_a_catch_all_rule_leaves_running_statistics_alone(name):
    net = build(name)
    before = values(net)
    ui.Plan().rule(ui.Normal(0, 0.02)).apply(net, seed=0)
    after = values(net)
    statistics = {k for k in before if k.endswith(("running_mean", "running_var"))}
    assert statistics and all(np.array_equal(before[k], after[k]) for k in statistics)
    assert all(not np.array_equal(before[k], after[k]) for k in before if k.endswith("weight"))


@pytest.mark.parametrize("name", MODELS)
def test_a_refused_plan_changes_nothing(name):
    net = build(name)
    before = values(net)
    for plan in (ui.Plan().rule(ui.Normal(0, 0.02)).rule(ui.Eye(), kind="conv", role="weight"),
                 ui.Plan().rule(ui.Zeros()).rule(ui.Constant(1e300), role=("bias", "shift"))):
        with pytest.raises(ValueError, match="cannot initialize"):
            plan.apply(net, seed=0)
    unchanged(before, values(net), set())


def test_the_same_seed_gives_the_same_network():
    a, b = build("resnet18_v1", 1), build("resnet18_v1", 2)
    for net in (a, b):
        ui.presets.torch.apply(net, seed=7)
    va, vb = by_structure(a), by_structure(b)
    assert all(np.array_equal(va[k], vb[k]) for k in va)
    ui.presets.torch.apply(b, seed=8)
    assert not np.array_equal(va["features/0/weight"], by_structure(b)["features/0/weight"])


# ----------------------------------------------------------- presets.gluon_model_zoo: VGG's own initializers

def zoo(name, seed):
    """``get_model(name)`` with 10 classes, initialized by ``net.initialize()`` under ``seed`` at 32x32 (DenseNet's,
    SqueezeNet's and AlexNet's fixed pooling want 224x224, Inception V3's 299x299)."""
    mx.random.seed(seed)
    net = mx.gluon.model_zoo.vision.get_model(name, classes=10)
    net.initialize()
    fixed = 224 if name.startswith(("densenet", "squeezenet", "alexnet")) else 32
    size = 299 if name.startswith("inception") else fixed
    net(mx.nd.zeros((1, 3, size, size)))
    mx.nd.waitall()
    return net


def _zoo_names():
    """``get_model``'s names of every network, read from its table (UNIFIEDINIT_EVERY_MODEL=1), else two."""
    if not EVERY_MODEL:
        return ["vgg11_bn", "mobilenet0.25"]
    import inspect
    import re
    return re.findall(r"'([\w.]+)': \w+,?", inspect.getsource(mx.gluon.model_zoo.vision.get_model))


@pytest.mark.parametrize("name", _zoo_names())
def test_gluon_model_zoo_preset_reproduces_the_networks_own_init(name):
    """VGG's layers carry their own initializers (He normal, fan_out, convs; N(0, 0.01^2) dense layers), which win
    over ``initialize()``'s global one; MobileNet keeps the global Uniform(0.07): each parameter of a network
    the plan redraws has the law of another build's, constants exactly."""
    native = by_structure(zoo(name, 1))
    net = zoo(name, 2)
    report = ui.presets.gluon_model_zoo(name).apply(net, seed=0)
    mx.nd.waitall()
    assert not report.unmatched
    ours = by_structure(net)
    assert ours.keys() == native.keys() and len(ours) >= 16  # AlexNet has 16
    for path in ours:
        same_law(ours[path], native[path], f"{name}: {path}")


def test_every_gluon_model_zoo_network_is_a_family_of_the_preset():
    """Each network function of ``mx.gluon.model_zoo.vision`` and ``get_model``'s dotted names: a network a new
    MXNet adds fails here rather than being read as another's quietly."""
    import inspect
    vision = mx.gluon.model_zoo.vision
    functions = [n for n, f in vars(vision).items() if inspect.isfunction(f) and not n.startswith("get_")]
    assert len(functions) >= 34
    for name in functions + ["squeezenet1.0", "inceptionv3", "mobilenet0.75", "mobilenetv2_0.25"]:
        assert ui.presets.gluon_model_zoo(name).name == "gluon_model_zoo", name
    assert ui.presets.gluon_model_zoo("vgg16_bn").rules == ui.presets.gluon_model_zoo("vgg").rules
    assert ui.presets.gluon_model_zoo("resnet50_v2").rules == ui.presets.gluon_model_zoo("defaults").rules
    with pytest.raises(ValueError, match=r"'arch' must be a family \(defaults, vgg\).* got 'vgg17'"):
        ui.presets.gluon_model_zoo("vgg17")
    with pytest.raises(TypeError, match="'arch' must be a string, got 16"):
        ui.presets.gluon_model_zoo(16)  # pyright: ignore[reportArgumentType]: bad input on purpose


def test_gluon_model_zoo_reads_a_name_in_any_case_as_get_model_does():
    """``get_model`` lower-cases the name it is given ('VGG16' builds VGG-16): the preset reads it so too."""
    for name, family in (("VGG16", "vgg"), ("ResNet18_v1", "defaults"), ("MobileNetV2_1.0", "defaults"),
                         ("VGG", "vgg")):
        if name != "VGG":
            assert mx.gluon.model_zoo.vision.get_model(name, pretrained=False) is not None
        assert ui.presets.gluon_model_zoo(name).rules == ui.presets.gluon_model_zoo(family).rules, name
    with pytest.raises(ValueError, match=r"got 'VGG17'"):
        ui.presets.gluon_model_zoo("VGG17")
