"""``ui.presets.torchvision``: the initialization torchvision's constructors give their models.

torchvision cannot be installed beside the CPU build of torch 2.13 (PyPI's wheel is built for CUDA and fails to
import: "operator torchvision::nms does not exist"), so it is not in the test environment. Two checks stand in:

- Hugging Face's ResNet runs torchvision's ResNet initialization in its ``_init_weights`` (He normal fan_out
  convolutions, norms 1/0, the classifier at torch's default): the recipe is compared with it in the same run,
  parameter by parameter (KS at ``compare.ALPHA`` = 1e-6, constants exactly).
- Every family on a small torch model with torchvision's module names, each parameter against the law that
  torchvision's constructor gives it, written here as numbers from the shapes (one-sample KS at ``ALPHA`` against
  the exact CDF: about 60 tests, so a correct recipe fails a run by chance with probability about 6e-5).

The recipe was also checked against torchvision 0.28's own constructors (23 builders, from ResNet-18 to MaxViT,
every tensor): see the README.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from torch import nn  # noqa: E402

import unifiedinit as ui  # noqa: E402
from unifiedinit.verify import stats  # noqa: E402

from .compare import ALPHA  # noqa: E402
from .test_torch_models import constructor_laws, reproduces  # noqa: E402

transformers.utils.logging.set_verbosity_error()


def _hf_resnet():
    config = transformers.ResNetConfig(embedding_size=16, hidden_sizes=[32, 64], depths=[2, 1], num_labels=10,
                                       layer_type="bottleneck")
    return transformers.ResNetForImageClassification(config)


def test_the_resnet_recipe_reproduces_hugging_faces_resnet_which_runs_torchvisions_init():
    assert reproduces(_hf_resnet, lambda _: ui.presets.torchvision("resnet"), "HF ResNet", statistics=True) > 50


# ----------------------------------------------------- each family on a model with torchvision's module names

def _normal_fan_out(w):  # kaiming_normal_(mode="fan_out", nonlinearity="relu")
    return ui.Normal(0, math.sqrt(2 / (w.shape[0] * math.prod(w.shape[2:]))))


def _default_linear(w):  # nn.Linear's reset_parameters: U(+-1/sqrt(in)) for the weight and the bias
    bound = 1 / math.sqrt(w.shape[1])
    return ui.Uniform(-bound, bound)


def _resnet():
    class BasicBlock(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.conv1, self.bn1 = nn.Conv2d(c, c, 3, bias=False), nn.BatchNorm2d(c)
            self.conv2, self.bn2 = nn.Conv2d(c, c, 3, bias=False), nn.BatchNorm2d(c)

    conv1, fc, block = nn.Conv2d(3, 32, 7, bias=False), nn.Linear(32, 100), BasicBlock(32)
    model = nn.Module()
    model.conv1, model.bn1 = conv1, nn.BatchNorm2d(32)
    model.layer1 = nn.Sequential(block, BasicBlock(32))
    model.fc = fc
    laws = {"conv1.weight": _normal_fan_out(conv1.weight), "layer1.1.conv1.weight": _normal_fan_out(block.conv1.weight),
            "bn1.weight": ui.Constant(1.0), "layer1.0.bn1.weight": ui.Constant(1.0),
            "layer1.1.bn2.weight": ui.Constant(0.0), "layer1.0.bn2.bias": ui.Constant(0.0),
            "fc.weight": _default_linear(fc.weight), "fc.bias": _default_linear(fc.weight)}
    return model, ui.presets.torchvision("resnet18", zero_init_residual=True), laws


def _vgg_like(arch):
    """VGG, RegNet, MobileNet, EfficientNet, MNASNet: He normal fan_out convolutions and a family's classifier."""
    first, second = nn.Conv2d(3, 64, 3), nn.Conv2d(64, 64, 1)
    model = nn.Module()
    model.features = nn.Sequential(first, nn.BatchNorm2d(64), second)
    model.classifier = nn.Sequential(nn.Dropout(), nn.Linear(64, 1000))
    w = first.weight
    head = {"vgg11": ui.Normal(0, 0.01), "regnet_y_400mf": ui.Normal(0, 0.01), "mobilenet_v2": ui.Normal(0, 0.01),
            "efficientnet_b0": ui.Uniform(-1 / math.sqrt(1000), 1 / math.sqrt(1000)),
            "mnasnet0_5": ui.Uniform(-math.sqrt(3 / 1000), math.sqrt(3 / 1000))}[arch]
    laws = {"features.0.weight": _normal_fan_out(w), "features.2.weight": _normal_fan_out(second.weight),
            "features.1.weight": ui.Constant(1.0), "classifier.1.weight": head, "classifier.1.bias": ui.Constant(0.0)}
    # RegNet sets no conv bias (its squeeze-excitation convs keep torch's default); the others zero it
    laws["features.0.bias"] = _default_linear(w.flatten(1)) if arch == "regnet_y_400mf" else ui.Constant(0.0)
    return model, ui.presets.torchvision(arch), laws


def _densenet():
    model = nn.Module()
    model.features = nn.Sequential(nn.Conv2d(3, 64, 7, bias=False), nn.BatchNorm2d(64))
    model.classifier = nn.Linear(64, 1000)
    laws = {"features.0.weight": ui.Normal(0, math.sqrt(2 / (3 * 49))), "features.1.weight": ui.Constant(1.0),
            "classifier.weight": _default_linear(model.classifier.weight), "classifier.bias": ui.Constant(0.0)}
    return model, ui.presets.torchvision("densenet121"), laws


def _convnext():
    class CNBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer_scale = nn.Parameter(torch.ones(96, 1, 1))
            self.block = nn.Sequential(nn.Conv2d(96, 96, 7, groups=96), nn.Linear(96, 384), nn.Linear(384, 96))

    model = nn.Module()
    model.features = nn.Sequential(nn.Conv2d(3, 96, 4), CNBlock())
    trunc = ui.TruncatedNormal(0, 0.02, -2, 2)
    laws = {"features.0.weight": trunc, "features.1.block.1.weight": trunc, "features.1.block.2.weight": trunc,
            "features.1.block.0.weight": trunc, "features.1.block.0.bias": ui.Constant(0.0),
            "features.1.block.1.bias": ui.Constant(0.0), "features.1.layer_scale": ui.Constant(1e-6)}
    return model, ui.presets.torchvision("convnext_tiny"), laws


def _squeezenet():
    model = nn.Module()
    model.features = nn.Sequential(nn.Conv2d(3, 96, 7))
    model.classifier = nn.Sequential(nn.Dropout(), nn.Conv2d(96, 1000, 1))
    bound = math.sqrt(6 / (3 * 49))  # kaiming_uniform_: fan_in, gain sqrt(2)
    laws = {"features.0.weight": ui.Uniform(-bound, bound), "features.0.bias": ui.Constant(0.0),
            "classifier.1.weight": ui.Normal(0, 0.01), "classifier.1.bias": ui.Constant(0.0)}
    return model, ui.presets.torchvision("squeezenet1_0"), laws


def _inception(arch):
    model = nn.Module()
    model.Conv2d_1a_3x3 = nn.Sequential()
    model.Conv2d_1a_3x3.conv = nn.Conv2d(3, 32, 3, bias=False)
    model.AuxLogits = nn.Module()
    model.AuxLogits.fc = nn.Linear(768, 100)
    model.fc = nn.Linear(2048, 100)
    s = 0.01 if arch == "googlenet" else 0.1
    laws = {"Conv2d_1a_3x3.conv.weight": ui.TruncatedNormal(0, s, -2, 2),
            "fc.weight": ui.TruncatedNormal(0, s, -2, 2), "fc.bias": _default_linear(model.fc.weight),
            "AuxLogits.fc.weight": ui.TruncatedNormal(0, s if arch == "googlenet" else 0.001, -2, 2)}
    return model, ui.presets.torchvision(arch), laws


def _vit():
    model = nn.Module()
    model.conv_proj = nn.Conv2d(3, 64, 4, stride=4)
    model.class_token = nn.Parameter(torch.ones(1, 1, 64))
    model.encoder = nn.Module()
    model.encoder.pos_embedding = nn.Parameter(torch.ones(1, 65, 64))
    layer = nn.Module()
    layer.self_attention = nn.MultiheadAttention(64, 4, batch_first=True)
    layer.mlp = nn.Sequential(nn.Linear(64, 256), nn.GELU(), nn.Dropout(), nn.Linear(256, 64))
    model.encoder.layers = nn.Sequential()
    model.encoder.layers.add_module("encoder_layer_0", layer)
    model.heads = nn.Sequential()
    model.heads.add_module("head", nn.Linear(64, 10))
    mlp = "encoder.layers.encoder_layer_0.mlp."
    laws = {"conv_proj.weight": ui.Normal(0, math.sqrt(1 / 48)), "conv_proj.bias": ui.Constant(0.0),
            "class_token": ui.Constant(0.0), "encoder.pos_embedding": ui.Normal(0, 0.02),
            mlp + "0.weight": ui.Uniform(-math.sqrt(6 / 320), math.sqrt(6 / 320)), mlp + "0.bias": ui.Normal(0, 1e-6),
            mlp + "3.weight": ui.Uniform(-math.sqrt(6 / 320), math.sqrt(6 / 320)),
            "encoder.layers.encoder_layer_0.self_attention.in_proj_weight": ui.Uniform(-math.sqrt(6 / 256),
                                                                                       math.sqrt(6 / 256)),
            "heads.head.weight": ui.Constant(0.0), "heads.head.bias": ui.Constant(0.0)}
    return model, ui.presets.torchvision("vit_b_16"), laws


def _swin():
    attn = nn.Module()
    attn.qkv, attn.proj = nn.Linear(96, 288), nn.Linear(96, 96)
    attn.relative_position_bias_table = nn.Parameter(torch.ones(169, 3))
    attn.logit_scale = nn.Parameter(torch.ones(3, 1, 1))
    block = nn.Module()
    block.attn = attn
    model = nn.Module()
    model.features = nn.Sequential(nn.Conv2d(3, 96, 4, stride=4), nn.Sequential(block))
    trunc = ui.TruncatedNormal(0, 0.02, -2, 2)
    laws = {"features.1.0.attn.qkv.weight": trunc, "features.1.0.attn.qkv.bias": ui.Constant(0.0),
            "features.1.0.attn.relative_position_bias_table": trunc,
            "features.1.0.attn.logit_scale": ui.Constant(math.log(10.0)),
            "features.0.weight": ui.Uniform(-1 / math.sqrt(48), 1 / math.sqrt(48))}  # the patch embedding: torch's
    return model, ui.presets.torchvision("swin_v2_t"), laws


def _maxvit():
    model = nn.Module()
    model.stem = nn.Sequential(nn.Conv2d(3, 64, 3))
    model.classifier = nn.Sequential(nn.Linear(64, 1000))
    model.rel = nn.Module()
    model.rel.relative_position_bias_table = nn.Parameter(torch.ones(169, 64))
    laws = {"stem.0.weight": ui.Normal(0, 0.02), "stem.0.bias": ui.Constant(0.0),
            "classifier.0.weight": ui.Normal(0, 0.02), "rel.relative_position_bias_table": ui.TruncatedNormal(0, 0.02)}
    return model, ui.presets.torchvision("maxvit_t"), laws


FAMILIES = {"resnet": _resnet, "vgg": lambda: _vgg_like("vgg11"), "regnet": lambda: _vgg_like("regnet_y_400mf"),
            "mobilenet": lambda: _vgg_like("mobilenet_v2"), "efficientnet": lambda: _vgg_like("efficientnet_b0"),
            "mnasnet": lambda: _vgg_like("mnasnet0_5"), "densenet": _densenet, "convnext": _convnext,
            "squeezenet": _squeezenet, "googlenet": lambda: _inception("googlenet"),
            "inception_v3": lambda: _inception("inception_v3"), "vit": _vit, "swin": _swin, "maxvit": _maxvit}


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_gives_each_parameter_the_law_of_torchvisions_constructor(family):
    torch.manual_seed(0)
    constructor_laws(*FAMILIES[family](), family)


def test_a_ported_resnet_gets_torchvisions_law_in_keras_from_keras_fans():
    keras = pytest.importorskip("keras")
    model = keras.Sequential([keras.Input((16, 16, 8)), keras.layers.Conv2D(64, 3, name="conv1")])
    ui.presets.torchvision("resnet50").apply(model, seed=0)
    kernel = np.asarray(keras.ops.convert_to_numpy(model.layers[0].kernel))  # (3, 3, 8, 64): fan_out 3 * 3 * 64
    assert stats.check(kernel.ravel(), ui.Normal(0, math.sqrt(2 / 576)), alpha=ALPHA)


def _keras_port(keras, shape, tree):
    """A Keras model whose nested layers carry torchvision's module names: ``tree`` maps a name to a Keras layer
    or to a further tree, each applied in order, so a variable's path is torchvision's with Keras's tensor name."""
    class Node(keras.layers.Layer):
        def __init__(self, children, **kwargs):
            super().__init__(**kwargs)
            self.children = [Node(c, name=n) if isinstance(c, dict) else c for n, c in children.items()]

        def call(self, x):
            for child in self.children:
                x = child(x)
            return x

    x = inputs = keras.Input(shape)
    for child in Node(tree).children:
        x = child(x)
    return keras.Model(inputs, x)


def _ported(keras, arch, shape, tree, **kwargs):
    model = _keras_port(keras, shape, tree)
    report = ui.presets.torchvision(arch, **kwargs).apply(model, seed=0)
    assert not report.unmatched
    return {v.path: np.asarray(keras.ops.convert_to_numpy(v)).ravel() for v in model.weights}


def test_ported_models_get_torchvisions_named_laws_in_keras_whatever_keras_calls_the_tensor():
    """The rules that name a module (``layer*/*/bn3/*``, ``conv_proj/*``, ``heads/pre_logits/*``,
    ``classifier/1/*``, ``AuxLogits/fc/*``) select it by torchvision's module path and let the role say which
    tensor, so a Keras port's ``gamma``, ``kernel`` and ``bias`` get the laws torch's ``weight`` and ``bias``
    get. With globs ending in ``/weight`` each of these fell back to a torch default."""
    keras = pytest.importorskip("keras")
    L = keras.layers
    resnet = _ported(keras, "resnet50", (4, 4, 16), {"layer1": {"0": {
        "conv3": L.Conv2D(16, 1, use_bias=False, name="conv3"), "bn3": L.BatchNormalization(name="bn3")}}},
        zero_init_residual=True)
    assert np.all(resnet["layer1/0/bn3/gamma"] == 0) and np.all(resnet["layer1/0/bn3/moving_variance"] == 1)
    assert stats.check(resnet["layer1/0/conv3/kernel"], ui.Normal(0, math.sqrt(2 / 16)), alpha=ALPHA)
    vit = _ported(keras, "vit_b_16", (8, 8, 3), {"conv_proj": L.Conv2D(64, 4, strides=4, name="conv_proj"),
                                               "heads": {"pre_logits": L.Dense(32, name="pre_logits"),
                                                         "head": L.Dense(10, name="head")}})
    assert stats.check(vit["conv_proj/kernel"], ui.Normal(0, math.sqrt(1 / 48)), alpha=ALPHA)  # (4, 4, 3, 64)
    assert stats.check(vit["heads/pre_logits/kernel"], ui.Normal(0, math.sqrt(1 / 64)), alpha=ALPHA)
    assert all(np.all(vit[p] == 0) for p in ("conv_proj/bias", "heads/pre_logits/bias", "heads/head/kernel"))
    squeeze = _ported(keras, "squeezenet1_0", (4, 4, 64), {"classifier": {
        "0": L.Dropout(0.5, name="0"), "1": L.Conv2D(100, 1, name="1")}})
    assert stats.check(squeeze["classifier/1/kernel"], ui.Normal(0, 0.01), alpha=ALPHA)
    inception = _ported(keras, "inception_v3", (768,), {"AuxLogits": {"fc": L.Dense(100, name="fc")}})
    assert stats.check(inception["AuxLogits/fc/kernel"], ui.TruncatedNormal(0, 0.001, -2, 2), alpha=ALPHA)

@pytest.mark.parametrize("name,family", [
    ("resnet18", "resnet"), ("resnet152", "resnet"), ("resnext101_64x4d", "resnet"), ("wide_resnet50_2", "resnet"),
    ("vgg19_bn", "vgg"), ("mobilenet_v3_large", "mobilenet"), ("efficientnet_v2_m", "efficientnet"),
    ("efficientnet_b7", "efficientnet"), ("mnasnet1_3", "mnasnet"), ("densenet201", "densenet"),
    ("regnet_x_32gf", "regnet"), ("convnext_large", "convnext"), ("squeezenet1_1", "squeezenet"),
    ("vit_h_14", "vit"), ("swin_v2_b", "swin"), ("maxvit_t", "maxvit"), ("shufflenet_v2_x2_0", "shufflenet"),
    ("googlenet", "googlenet"), ("inception_v3", "inception_v3"), ("alexnet", "alexnet")])
def test_a_builders_name_gives_its_familys_plan(name, family):
    assert ui.presets.torchvision(name).rules == ui.presets.torchvision(family).rules


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(arch="resnet"), None, None),
    (dict(arch="resnet200x"), ValueError, "'arch' must be a family .* got 'resnet200x'"),
    (dict(arch=50), TypeError, "'arch' must be a string, got 50"),
    (dict(arch="resnet", zero_init_residual=True), ValueError, "needs a ResNet builder's name"),
    (dict(arch="vgg11", zero_init_residual=True), ValueError, "needs a ResNet builder's name"),
    (dict(arch="resnet50", zero_init_residual=1), TypeError, "'zero_init_residual' must be True or False")])
def test_bad_arguments_are_refused_by_name(kwargs, error, match):
    if error is None:
        assert ui.presets.torchvision(**kwargs).name == "torchvision"
        return
    with pytest.raises(error, match=match):
        ui.presets.torchvision(**kwargs)


def test_torch_layer_defaults_are_the_base_and_alexnet_is_only_them():
    assert ui.presets.torchvision("alexnet").rules == ui.presets.torch.rules
    plan = ui.presets.torchvision("resnet50", zero_init_residual=True)
    assert plan.rules[:len(ui.presets.torch.rules)] == ui.presets.torch.rules
    assert plan.rules[-1].select.path == "layer*/*/bn3/*"
    assert ui.presets.torchvision("resnet34", zero_init_residual=True).rules[-1].select.path == "layer*/*/bn2/*"
