"""``ui.presets.timm``: the initialization timm's constructors give their models.

timm 1.0.31 is in the test environment without its dependency torchvision, whose PyPI wheel is built for CUDA and
cannot be installed beside the CPU build of torch 2.13. timm's model constructors never call torchvision: it is
imported at ``import timm`` for data transforms and ``FrozenBatchNorm2d``. So ``timm_module()`` imports timm once
with a stand-in answering those imports, then removes the stand-in, and two checks run:

- timm's own models, built by ``timm.create_model(name)``, against the recipe on another copy of the same model,
  every parameter and running statistic (``test_torch_models.reproduces``: two-sample KS at ``compare.ALPHA``,
  constants exactly or, where the plan computes them, within 1e-6 relative): one or two models
  per family, the smallest of each. torchvision's ResNet recipe is checked against timm's ResNets the same way.
- each family on a small torch model with timm's module names, each parameter against the law that timm's source
  gives it, written here as numbers from the shapes (one-sample KS at ``compare.ALPHA`` against the exact CDF,
  constants exactly): the laws stated independently of timm's code and of the recipe.
"""

from __future__ import annotations

import math
from typing import Any, Callable, cast

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

import unifiedinit as ui  # noqa: E402
from unifiedinit.verify import stats  # noqa: E402

from .compare import ALPHA, has_laws  # noqa: E402
from .test_torch_models import constructor_laws, poison, reproduces  # noqa: E402


def timm_module():
    """timm, imported with a stand-in for any ``torchvision`` module it imports (removed again afterwards, so no
    other test sees a torchvision); skips when timm is not installed. A real torchvision is used where present."""
    import importlib.abc
    import importlib.machinery
    import importlib.util
    import sys
    import types

    if "timm" in sys.modules or importlib.util.find_spec("timm") is None:
        return pytest.importorskip("timm")
    if importlib.util.find_spec("torchvision") is not None:
        return pytest.importorskip("timm")

    class Anything(type):  # a class whose every attribute is a name: InterpolationMode.BICUBIC...
        def __getattr__(cls, name):
            if name.startswith("__"):
                raise AttributeError(name)
            return f"{cls.__name__}.{name}"

    class Stand(types.ModuleType):  # any name timm imports: a class it can subclass, call or compare with
        def __getattr__(self, name):
            if name.startswith("__"):
                raise AttributeError(name)
            return Anything(name, (), {"__init__": lambda self, *args, **kwargs: None})

    class Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
        def find_spec(self, fullname, path, target=None):
            if fullname.split(".")[0] == "torchvision":
                return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
            return None

        def create_module(self, spec):
            module = Stand(spec.name)
            module.__path__ = []
            return module

        def exec_module(self, module):
            pass

    finder = Finder()
    sys.meta_path.insert(0, finder)
    try:
        import timm
    finally:
        sys.meta_path.remove(finder)
        for name in [n for n in sys.modules if n.split(".")[0] == "torchvision"]:
            del sys.modules[name]
    return timm


TRUNC = ui.TruncatedNormal(0, 0.02, -2, 2)  # timm's trunc_normal_(std=.02): cut at +-2, absolute
TRUNC_TF = ui.TruncatedNormal(0, 0.02, -0.04, 0.04)  # timm's trunc_normal_tf_(std=.02): cut at +-2 sigma


def _he(fan):  # N(0, 2/fan)
    return ui.Normal(0, math.sqrt(2 / fan))


def _default(fan_in):  # torch's default for nn.Linear/nn.Conv2d: U(+-1/sqrt(fan_in)), weight and bias
    return ui.Uniform(-1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in))


class _ConvNormAct(nn.Module):
    def __init__(self, i, o, k, groups=1):
        super().__init__()
        self.conv, self.bn = nn.Conv2d(i, o, k, groups=groups, bias=False), nn.BatchNorm2d(o)


def _resnet(arch):
    """timm's ResNet.init_weights: kaiming_normal_(fan_out, relu) nn.Conv2d (not ECA's Conv1d, torch's default);
    zero_init_last zeroes the last bn."""
    def block(basic):
        b = nn.Module()
        b.conv1, b.bn1 = nn.Conv2d(64, 64, 3, bias=False), nn.BatchNorm2d(64)
        b.conv2, b.bn2 = nn.Conv2d(64, 64, 3, bias=False), nn.BatchNorm2d(64)
        if not basic:
            b.conv3, b.bn3 = nn.Conv2d(64, 64, 1, bias=False), nn.BatchNorm2d(64)
        b.se = nn.Module()
        b.se.fc1 = nn.Conv2d(64, 16, 1)
        b.se.conv = nn.Conv1d(8, 8, 5, bias=False)  # ECA's conv: Conv1d(1, 1, k), wider here for the KS test
        return b

    basic = arch == "resnet18"
    model = nn.Module()
    model.conv1, model.bn1 = nn.Conv2d(3, 64, 7, bias=False), nn.BatchNorm2d(64)
    model.layer1 = nn.Sequential(block(basic), block(basic))
    model.fc = nn.Linear(64, 100)
    laws = {"conv1.weight": _he(64 * 49), "layer1.0.conv2.weight": _he(64 * 9), "bn1.weight": ui.Constant(1.0),
            "layer1.0.bn1.weight": ui.Constant(1.0), "layer1.1.bn1.bias": ui.Constant(0.0),
            "layer1.1.se.fc1.weight": _he(16), "layer1.1.se.fc1.bias": _default(64),
            "layer1.0.se.conv.weight": _default(40), "fc.weight": _default(64), "fc.bias": _default(64)}
    last = "bn2" if basic else "bn3"
    laws |= {f"layer1.0.{last}.weight": ui.Constant(0.0), f"layer1.1.{last}.weight": ui.Constant(0.0)}
    if not basic:
        laws["layer1.0.bn2.weight"] = ui.Constant(1.0)
    return model, ui.presets.timm(arch), laws


def _sknet():
    """timm's SK-ResNet: ResNet.init_weights with zero_init_last=False (the model's own argument): every conv of the
    SelectiveKernel's paths and attention kaiming_normal_(fan_out, relu), every norm 1/0, the classifier torch's."""
    sk = nn.Module()
    sk.paths = nn.ModuleList([_ConvNormAct(64, 32, 3), _ConvNormAct(64, 32, 5)])
    sk.attn = nn.Module()
    sk.attn.fc_reduce, sk.attn.bn = nn.Conv2d(32, 16, 1, bias=False), nn.BatchNorm2d(16)
    sk.attn.fc_select = nn.Conv2d(16, 64, 1, bias=False)
    b = nn.Module()
    b.conv1, b.conv2 = sk, _ConvNormAct(64, 64, 3)
    model = nn.Module()
    model.layer1 = nn.Sequential(b)
    model.fc = nn.Linear(64, 100)
    k = "layer1.0.conv1."
    laws = {k + "paths.0.conv.weight": _he(9 * 32), k + "paths.1.conv.weight": _he(25 * 32),
            k + "paths.1.bn.weight": ui.Constant(1.0), k + "attn.fc_reduce.weight": _he(16),
            k + "attn.fc_select.weight": _he(64), "layer1.0.conv2.conv.weight": _he(9 * 64),
            "layer1.0.conv2.bn.weight": ui.Constant(1.0), "fc.weight": _default(64), "fc.bias": _default(64)}
    return model, ui.presets.timm("skresnet18"), laws


def _resnetv2():
    """timm's resnetv2 _init_weights: kaiming_normal_(fan_out, relu) convs (StdConv2d too), conv biases 0, the 1x1
    conv classifier head.fc and any linear N(0, 0.01^2) with bias 0, norms 1/0; zero_init_last=False (timm's)."""
    b = nn.Module()
    b.norm1, b.conv1 = nn.BatchNorm2d(64), nn.Conv2d(64, 64, 1, bias=False)
    b.norm2, b.conv2 = nn.GroupNorm(32, 64), nn.Conv2d(64, 64, 3, bias=False)
    b.norm3, b.conv3 = nn.BatchNorm2d(64), nn.Conv2d(64, 256, 1, bias=False)
    model = nn.Module()
    model.stem = nn.Module()
    model.stem.conv = nn.Conv2d(3, 64, 7, bias=False)
    model.stages = nn.Sequential(nn.Module())
    model.stages[0].blocks = nn.Sequential(b)
    model.head = nn.Module()
    model.head.fc = nn.Conv2d(256, 1000, 1)
    model.head.pre_logits = nn.Linear(256, 256)
    k = "stages.0.blocks.0."
    laws = {"stem.conv.weight": _he(49 * 64), k + "conv1.weight": _he(64), k + "conv2.weight": _he(9 * 64),
            k + "conv3.weight": _he(256), k + "norm2.weight": ui.Constant(1.0), k + "norm3.weight": ui.Constant(1.0),
            "head.fc.weight": ui.Normal(0, 0.01), "head.fc.bias": ui.Constant(0.0),
            "head.pre_logits.weight": ui.Normal(0, 0.01), "head.pre_logits.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("resnetv2_50x1_bit"), laws


def _densenet():
    """timm's DenseNet: kaiming_normal_ convs (fan_in, relu), norms 1/0, the classifier's weight torch's, bias 0."""
    layer = nn.Module()
    layer.norm1, layer.conv1 = nn.BatchNorm2d(64), nn.Conv2d(64, 128, 1, bias=False)
    layer.norm2, layer.conv2 = nn.BatchNorm2d(128), nn.Conv2d(128, 32, 3, bias=False)
    model = nn.Module()
    model.features = nn.Module()
    model.features.conv0, model.features.norm0 = nn.Conv2d(3, 64, 7, bias=False), nn.BatchNorm2d(64)
    model.features.denseblock1 = nn.Module()
    model.features.denseblock1.denselayer1 = layer
    model.classifier = nn.Linear(64, 1000)
    k = "features.denseblock1.denselayer1."
    laws = {"features.conv0.weight": _he(147), "features.norm0.weight": ui.Constant(1.0),
            k + "conv1.weight": _he(64), k + "conv2.weight": _he(9 * 128), k + "norm2.bias": ui.Constant(0.0),
            "classifier.weight": _default(64), "classifier.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("densenet121"), laws


def _hrnet():
    """timm's HRNet init_weights (and DLA's and legacy_xception's loops): every Conv2d N(0, 2/(k*k*out)) (DLA's
    1x1-conv classifier too), its bias torch's default, BatchNorm 1/0, a Linear torch's default; nothing zeroed."""
    model = nn.Module()
    model.conv1, model.bn1 = nn.Conv2d(3, 64, 3), nn.BatchNorm2d(64)
    model.layer1 = nn.Sequential(nn.Module())
    model.layer1[0].conv3, model.layer1[0].bn3 = nn.Conv2d(64, 256, 1, bias=False), nn.BatchNorm2d(256)
    model.classifier = nn.Linear(256, 1000)
    laws = {"conv1.weight": _he(9 * 64), "conv1.bias": _default(27), "bn1.weight": ui.Constant(1.0),
            "layer1.0.conv3.weight": _he(256), "layer1.0.bn3.weight": ui.Constant(1.0),
            "classifier.weight": _default(256), "classifier.bias": _default(256)}
    return model, ui.presets.timm("hrnet_w18_small"), laws


def _regnet():
    """timm's regnet _init_weights: N(0, 2/(k*k*out/groups)) convs (the grouped conv2: in = out), biases 0,
    linear N(0, 0.01^2); zero_init_last zeroes conv3.bn."""
    b = nn.Module()
    b.conv1, b.conv2 = _ConvNormAct(32, 48, 1), _ConvNormAct(48, 48, 3, groups=6)  # group width 8
    b.se = nn.Module()
    b.se.fc1 = nn.Conv2d(48, 8, 1)
    b.conv3 = _ConvNormAct(48, 32, 1)
    model = nn.Module()
    model.stem = _ConvNormAct(3, 32, 3)
    model.s1 = nn.Sequential()
    model.s1.add_module("b1", b)
    model.head = nn.Module()
    model.head.fc = nn.Linear(32, 1000)
    laws = {"stem.conv.weight": _he(9 * 32), "s1.b1.conv1.conv.weight": _he(48),
            "s1.b1.conv2.conv.weight": _he(9 * 48 // 6), "s1.b1.se.fc1.weight": _he(8),
            "s1.b1.se.fc1.bias": ui.Constant(0.0), "s1.b1.conv3.bn.weight": ui.Constant(0.0),
            "s1.b1.conv2.bn.weight": ui.Constant(1.0), "head.fc.weight": ui.Normal(0, 0.01),
            "head.fc.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("regnety_002"), laws


def _efficientnet():
    """timm's _init_weight_goog: N(0, 2/(k*k*out/groups)) convs (depthwise conv_dw and MixNet's split conv_dw/0,
    conv_dw/1...: k*k), biases 0; linear U(+-1/sqrt(out)), biases 0; BN 1/0."""
    blk = nn.Module()
    blk.conv_pw, blk.bn1 = nn.Conv2d(16, 96, 1, bias=False), nn.BatchNorm2d(96)
    blk.conv_dw = nn.Conv2d(96, 96, 5, groups=96, bias=False)
    blk.se = nn.Module()
    blk.se.conv_reduce = nn.Conv2d(96, 4, 1)
    mix = nn.Module()  # MixNet's InvertedResidual: MixedConv2d pointwise (groups 1) and depthwise children
    mix.conv_pw = nn.ModuleList([nn.Conv2d(8, 48, 1, bias=False), nn.Conv2d(8, 48, 1, bias=False)])
    mix.conv_dw = nn.ModuleList([nn.Conv2d(32, 32, 3, groups=32, bias=False),
                                 nn.Conv2d(64, 64, 7, groups=64, bias=False)])
    edge = nn.Module()  # EfficientNetV2's EdgeResidual: a full conv_exp
    edge.conv_exp = nn.Conv2d(16, 64, 3, bias=False)
    model = nn.Module()
    model.conv_stem = nn.Conv2d(3, 16, 3, bias=False)
    model.blocks = nn.Sequential(nn.Sequential(blk, mix, edge))
    model.conv_head = nn.Conv2d(16, 64, 1)
    model.classifier = nn.Linear(64, 1000)
    b = "blocks.0."
    laws = {"conv_stem.weight": _he(9 * 16), b + "0.conv_pw.weight": _he(96), b + "0.conv_dw.weight": _he(25),
            b + "0.bn1.weight": ui.Constant(1.0), b + "0.se.conv_reduce.weight": _he(4),
            b + "0.se.conv_reduce.bias": ui.Constant(0.0), b + "1.conv_pw.1.weight": _he(48),
            b + "1.conv_dw.0.weight": _he(9), b + "1.conv_dw.1.weight": _he(49), b + "2.conv_exp.weight": _he(9 * 64),
            "conv_head.bias": ui.Constant(0.0), "classifier.weight": _default(1000),
            "classifier.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("mixnet_s"), laws


def _convnext():
    """timm's convnext _init_weights: trunc_normal_(.02) convs and linears, biases 0; gamma ls_init_value 1e-6."""
    blk = nn.Module()
    blk.conv_dw, blk.norm = nn.Conv2d(40, 40, 7, groups=40), nn.LayerNorm(40)
    blk.mlp = nn.Module()
    blk.mlp.fc1 = nn.Linear(40, 160)
    blk.gamma = nn.Parameter(torch.ones(40))
    model = nn.Module()
    model.stem = nn.Sequential(nn.Conv2d(3, 40, 4, stride=4))
    model.stages = nn.Sequential(nn.Module())
    model.stages[0].blocks = nn.Sequential(blk)
    model.head = nn.Module()
    model.head.fc = nn.Linear(40, 1000)
    b = "stages.0.blocks.0."
    laws = {"stem.0.weight": TRUNC, "stem.0.bias": ui.Constant(0.0), b + "conv_dw.weight": TRUNC,
            b + "mlp.fc1.weight": TRUNC, b + "mlp.fc1.bias": ui.Constant(0.0), b + "gamma": ui.Constant(1e-6),
            b + "norm.weight": ui.Constant(1.0), "head.fc.weight": TRUNC, "head.fc.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("convnext_atto"), laws


def _vit():
    """timm's ViT init_weights('') and init_weights_vit_timm: pos_embed trunc_normal_(.02), cls and register
    tokens N(0, 1e-12), linears trunc_normal_(.02) with biases 0, the patch embedding torch's default."""
    blk = nn.Module()
    blk.attn = nn.Module()
    blk.attn.qkv = nn.Linear(64, 192)
    blk.mlp = nn.Module()
    blk.mlp.fc2 = nn.Linear(256, 64)
    model = nn.Module()
    model.patch_embed = nn.Module()
    model.patch_embed.proj = nn.Conv2d(3, 64, 4, stride=4)
    model.cls_token = nn.Parameter(torch.ones(1, 1, 64))
    model.reg_token = nn.Parameter(torch.ones(1, 4, 64))
    model.pos_embed = nn.Parameter(torch.ones(1, 65, 64))
    model.blocks = nn.Sequential(blk)
    model.head = nn.Linear(64, 1000)
    laws = {"patch_embed.proj.weight": _default(48), "patch_embed.proj.bias": _default(48),
            "cls_token": ui.Normal(0, 1e-6), "reg_token": ui.Normal(0, 1e-6), "pos_embed": TRUNC,
            "blocks.0.attn.qkv.weight": TRUNC, "blocks.0.attn.qkv.bias": ui.Constant(0.0),
            "blocks.0.mlp.fc2.weight": TRUNC, "head.weight": TRUNC, "head.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("vit_tiny_patch16_224"), laws


def _swin():
    """timm's Swin: init_weights_vit_timm (linears trunc_normal_(.02), biases 0), relative_position_bias_table
    trunc_normal_(.02), the patch embedding torch's default."""
    attn = nn.Module()
    attn.qkv, attn.proj = nn.Linear(96, 288), nn.Linear(96, 96)
    attn.relative_position_bias_table = nn.Parameter(torch.ones(169, 3))
    blk = nn.Module()
    blk.attn = attn
    model = nn.Module()
    model.patch_embed = nn.Module()
    model.patch_embed.proj = nn.Conv2d(3, 96, 4, stride=4)
    model.layers = nn.Sequential(nn.Module())
    model.layers[0].blocks = nn.Sequential(blk)
    a = "layers.0.blocks.0.attn."
    laws = {"patch_embed.proj.weight": _default(48), a + "qkv.weight": TRUNC, a + "qkv.bias": ui.Constant(0.0),
            a + "proj.weight": TRUNC, a + "relative_position_bias_table": TRUNC}
    return model, ui.presets.timm("swin_tiny_patch4_window7_224"), laws


def _convnextv2():
    """timm's ConvNeXt V2: ConvNeXt's _init_weights (the 1x1 convs of conv_mlp trunc_normal_(.02), biases 0), no
    gamma (ls_init_value None), the GlobalResponseNorm's weight and bias zeros from its constructor."""
    blk = nn.Module()
    blk.conv_dw = nn.Conv2d(40, 40, 7, groups=40)
    blk.mlp = nn.Module()
    blk.mlp.fc1, blk.mlp.fc2 = nn.Conv2d(40, 160, 1), nn.Conv2d(160, 40, 1)
    blk.mlp.grn = nn.Module()
    blk.mlp.grn.weight, blk.mlp.grn.bias = nn.Parameter(torch.ones(160)), nn.Parameter(torch.ones(160))
    model = nn.Module()
    model.stages = nn.Sequential(nn.Module())
    model.stages[0].blocks = nn.Sequential(blk)
    b = "stages.0.blocks.0."
    laws = {b + "conv_dw.weight": TRUNC, b + "mlp.fc1.weight": TRUNC, b + "mlp.fc2.bias": ui.Constant(0.0),
            b + "mlp.grn.weight": ui.Constant(0.0), b + "mlp.grn.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("convnextv2_atto"), laws


def _vit_layer_scale(arch, value):
    """timm's ViT with init_values: each block's LayerScale gamma the constant, never redrawn (init_weights runs
    with needs_reset=False); a distilled DeiT's dist_token trunc_normal_(.02), its head_dist a linear layer."""
    blk = nn.Module()
    blk.attn = nn.Module()
    blk.attn.qkv = nn.Linear(64, 192)
    model = nn.Module()
    model.dist_token = nn.Parameter(torch.ones(1, 1, 64))
    model.blocks = nn.Sequential(blk)
    model.head_dist = nn.Linear(64, 1000)
    laws = {"blocks.0.attn.qkv.weight": TRUNC, "dist_token": TRUNC, "head_dist.weight": TRUNC,
            "head_dist.bias": ui.Constant(0.0)}
    if value is not None:
        blk.ls1, blk.ls2 = nn.Module(), nn.Module()
        blk.ls1.gamma, blk.ls2.gamma = nn.Parameter(torch.ones(64)), nn.Parameter(torch.ones(64))
        laws |= {"blocks.0.ls1.gamma": ui.Constant(value), "blocks.0.ls2.gamma": ui.Constant(value)}
    return model, ui.presets.timm(arch), laws


def _swinv2():
    """timm's Swin V2: linears trunc_normal_(.02) with biases 0 (cpb_mlp too), logit_scale log(10), q_bias and
    v_bias 0, each block's norm1 and norm2 0/0 (_init_respostnorm), other norms 1/0."""
    attn = nn.Module()
    attn.logit_scale = nn.Parameter(torch.ones(3, 1, 1))
    attn.cpb_mlp = nn.Sequential(nn.Linear(2, 512), nn.ReLU(), nn.Linear(512, 3, bias=False))
    attn.qkv = nn.Linear(96, 288, bias=False)
    attn.q_bias, attn.v_bias = nn.Parameter(torch.ones(96)), nn.Parameter(torch.ones(96))
    blk = nn.Module()
    blk.attn, blk.norm1, blk.norm2 = attn, nn.LayerNorm(96), nn.LayerNorm(96)
    model = nn.Module()
    model.patch_embed = nn.Module()
    model.patch_embed.proj, model.patch_embed.norm = nn.Conv2d(3, 96, 4, stride=4), nn.LayerNorm(96)
    model.layers = nn.Sequential(nn.Module())
    model.layers[0].blocks = nn.Sequential(blk)
    model.layers[0].downsample = nn.Module()
    model.layers[0].downsample.norm = nn.LayerNorm(96)
    b, a = "layers.0.blocks.0.", "layers.0.blocks.0.attn."
    laws = {"patch_embed.proj.weight": _default(48), "patch_embed.norm.weight": ui.Constant(1.0),
            a + "logit_scale": ui.Constant(math.log(10)), a + "cpb_mlp.0.weight": TRUNC,
            a + "cpb_mlp.0.bias": ui.Constant(0.0), a + "cpb_mlp.2.weight": TRUNC, a + "qkv.weight": TRUNC,
            a + "q_bias": ui.Constant(0.0), a + "v_bias": ui.Constant(0.0), b + "norm1.weight": ui.Constant(0.0),
            b + "norm1.bias": ui.Constant(0.0), b + "norm2.weight": ui.Constant(0.0),
            "layers.0.downsample.norm.weight": ui.Constant(1.0)}
    return model, ui.presets.timm("swinv2_tiny_window8_256"), laws


def _beit(arch, value):
    """timm's BEiT and EVA _init_weights: linears trunc_normal_(.02) with biases 0, pos_embed, cls_token and
    reg_token trunc_normal_(.02), q_bias, v_bias and relative_position_bias_table zeros (their constructors'),
    fix_init_weight: block l's attn.proj and mlp.fc2 weights divided by sqrt(2 (l + 1)), the head weight
    trunc_normal_(.02) times head_init_scale 0.001, gamma_1/gamma_2 init_values; EVA-02's SwiGLU MLP (fc1_g, fc1_x,
    a norm, fc2) has linears like any other."""
    def block():
        b = nn.Module()
        b.attn = nn.Module()
        b.attn.qkv, b.attn.proj = nn.Linear(64, 192, bias=False), nn.Linear(64, 64)
        b.attn.q_bias, b.attn.v_bias = nn.Parameter(torch.ones(64)), nn.Parameter(torch.ones(64))
        b.attn.relative_position_bias_table = nn.Parameter(torch.ones(66, 4))
        b.norm1, b.mlp = nn.LayerNorm(64), nn.Module()
        if value is None:  # EVA-02
            b.mlp.fc1_g, b.mlp.fc1_x, b.mlp.norm = nn.Linear(64, 160), nn.Linear(64, 160), nn.LayerNorm(160)
            b.mlp.fc2 = nn.Linear(160, 64)
        else:
            b.mlp.fc1, b.mlp.fc2 = nn.Linear(64, 256), nn.Linear(256, 64)
            b.gamma_1, b.gamma_2 = nn.Parameter(torch.ones(64)), nn.Parameter(torch.ones(64))
        return b

    def over(s):  # trunc_normal_(.02) divided by s: N(0, (0.02/s)^2) cut at +-2/s
        return ui.TruncatedNormal(0, 0.02 / s, -2 / s, 2 / s)

    model = nn.Module()
    model.patch_embed = nn.Module()
    model.patch_embed.proj = nn.Conv2d(3, 64, 4, stride=4)
    model.cls_token, model.reg_token = nn.Parameter(torch.ones(1, 1, 64)), nn.Parameter(torch.ones(1, 4, 64))
    model.pos_embed = nn.Parameter(torch.ones(1, 65, 64))
    model.rel_pos_bias = nn.Module()
    model.rel_pos_bias.relative_position_bias_table = nn.Parameter(torch.ones(66, 4))
    model.blocks = nn.Sequential(block(), block(), block())
    model.head = nn.Linear(64, 1000)
    laws = {"patch_embed.proj.weight": _default(48), "cls_token": TRUNC, "reg_token": TRUNC, "pos_embed": TRUNC,
            "rel_pos_bias.relative_position_bias_table": ui.Constant(0.0), "head.weight": over(1000),
            "head.bias": ui.Constant(0.0)}
    for i, s in enumerate((math.sqrt(2), 2, math.sqrt(6))):
        b = f"blocks.{i}."
        laws |= {b + "attn.qkv.weight": TRUNC, b + "attn.q_bias": ui.Constant(0.0),
                 b + "attn.v_bias": ui.Constant(0.0), b + "attn.relative_position_bias_table": ui.Constant(0.0),
                 b + "attn.proj.weight": over(s), b + "attn.proj.bias": ui.Constant(0.0), b + "mlp.fc2.weight": over(s),
                 b + "mlp.fc2.bias": ui.Constant(0.0), b + "norm1.weight": ui.Constant(1.0)}
        if value is None:
            laws |= {b + "mlp.fc1_g.weight": TRUNC, b + "mlp.fc1_x.bias": ui.Constant(0.0),
                     b + "mlp.norm.weight": ui.Constant(1.0)}
        else:
            laws |= {b + "mlp.fc1.weight": TRUNC, b + "gamma_1": ui.Constant(value), b + "gamma_2": ui.Constant(value)}
    return model, ui.presets.timm(arch), laws


def _xavier(fan_in: int, fan_out: int) -> ui.Uniform:  # torch's xavier_uniform_: U(+-sqrt(6/(fan_in + fan_out)))
    return ui.Uniform(-math.sqrt(6 / (fan_in + fan_out)), math.sqrt(6 / (fan_in + fan_out)))


def _mixer(arch: str, value: float | None):
    """timm's mlp_mixer _init_weights (flax=False, nlhb=False): the stem conv lecun_normal_ (N(0, 1/fan_in)
    truncated at +-2 sigma, sigma = 1/(0.8796 sqrt(fan_in))), bias 0; linears xavier_uniform_, their biases
    N(0, 1e-12) under an 'mlp' module (the MLP-Mixer's, ResMLP's mlp_channels, gMLP's) and 0 elsewhere (ResMLP's
    linear_tokens); the head 0/0; gMLP's gate.proj N(0, 1e-12) with bias 1; ResMLP's Affine alpha 1, beta 0 and
    ls1/ls2 init_values."""
    def mlp(i: int, h: int, o: int, gate: int | None = None):
        m = nn.Module()
        m.fc1, m.fc2 = nn.Linear(i, h), nn.Linear(h if gate is None else h // 2, o)
        if gate is not None:
            m.gate = nn.Module()
            m.gate.norm, m.gate.proj = nn.LayerNorm(h // 2), nn.Linear(gate, gate)
        return m

    def affine(dim: int):
        a = nn.Module()
        a.alpha, a.beta = nn.Parameter(torch.ones(1, 1, dim) * 3), nn.Parameter(torch.ones(1, 1, dim))
        return a

    mixer, res, gmlp = nn.Module(), nn.Module(), nn.Module()
    mixer.norm1, mixer.mlp_tokens, mixer.mlp_channels = nn.LayerNorm(64), mlp(16, 8, 16), mlp(64, 256, 64)
    res.norm1, res.linear_tokens, res.mlp_channels = affine(64), nn.Linear(16, 16), mlp(64, 256, 64)
    gmlp.norm, gmlp.mlp_channels = nn.LayerNorm(64), mlp(64, 384, 64, gate=16)
    model = nn.Module()
    model.stem = nn.Module()
    model.stem.proj = nn.Conv2d(3, 64, 4, stride=4)
    model.blocks = nn.Sequential(mixer, res, gmlp)
    model.norm, model.head = affine(64), nn.Linear(64, 1000)
    sigma = 1 / (0.87962566103423978 * math.sqrt(48))
    laws = {"stem.proj.weight": ui.TruncatedNormal(0, sigma, -2 * sigma, 2 * sigma), "stem.proj.bias": ui.Constant(0.0),
            "blocks.0.norm1.weight": ui.Constant(1.0), "blocks.0.mlp_tokens.fc1.weight": _xavier(16, 8),
            "blocks.0.mlp_tokens.fc1.bias": ui.Normal(0, 1e-6), "blocks.0.mlp_channels.fc2.weight": _xavier(256, 64),
            "blocks.0.mlp_channels.fc2.bias": ui.Normal(0, 1e-6), "blocks.1.norm1.alpha": ui.Constant(1.0),
            "blocks.1.norm1.beta": ui.Constant(0.0), "blocks.1.linear_tokens.weight": _xavier(16, 16),
            "blocks.1.linear_tokens.bias": ui.Constant(0.0), "blocks.1.mlp_channels.fc1.weight": _xavier(64, 256),
            "blocks.1.mlp_channels.fc1.bias": ui.Normal(0, 1e-6), "blocks.2.mlp_channels.fc1.weight": _xavier(64, 384),
            "blocks.2.mlp_channels.gate.norm.weight": ui.Constant(1.0),
            "blocks.2.mlp_channels.gate.proj.weight": ui.Normal(0, 1e-6),
            "blocks.2.mlp_channels.gate.proj.bias": ui.Constant(1.0),
            "blocks.2.mlp_channels.fc2.weight": _xavier(192, 64),
            "norm.alpha": ui.Constant(1.0), "norm.beta": ui.Constant(0.0), "head.weight": ui.Constant(0.0),
            "head.bias": ui.Constant(0.0)}
    if value is not None:
        res.ls1, res.ls2 = nn.Parameter(torch.ones(64)), nn.Parameter(torch.ones(64))
        laws |= {"blocks.1.ls1": ui.Constant(value), "blocks.1.ls2": ui.Constant(value)}
    return model, ui.presets.timm(arch), laws


def _cait(arch: str, value: float | None):
    """timm's CaiT: pos_embed and cls_token trunc_normal_(.02), then _init_weights: linears trunc_normal_(.02)
    (the talking heads' proj_l and proj_w, the class attention's q, k, v too), biases 0, LayerNorms 1/0; each
    block's and each class-attention block's gamma_1/gamma_2 init_values; the patch embedding torch's default."""
    def block(names: tuple[str, ...]):
        b = nn.Module()
        b.norm1, b.attn = nn.LayerNorm(64), nn.Module()
        for n in names:
            setattr(b.attn, n, nn.Linear(64, 64))
        if "qkv" in names:  # TalkingHeadAttn's head-mixing linears
            b.attn.proj_l, b.attn.proj_w = nn.Linear(4, 4), nn.Linear(4, 4)
        if value is not None:
            b.gamma_1, b.gamma_2 = nn.Parameter(torch.ones(64)), nn.Parameter(torch.ones(64))
        return b

    model = nn.Module()
    model.patch_embed = nn.Module()
    model.patch_embed.proj = nn.Conv2d(3, 64, 4, stride=4)
    model.cls_token, model.pos_embed = nn.Parameter(torch.ones(1, 1, 64)), nn.Parameter(torch.ones(1, 64, 64))
    model.blocks = nn.Sequential(block(("qkv", "proj")))
    model.blocks_token_only = nn.ModuleList([block(("q", "k", "v", "proj"))])
    model.head = nn.Linear(64, 1000)
    laws = {"patch_embed.proj.weight": _default(48), "patch_embed.proj.bias": _default(48), "cls_token": TRUNC,
            "pos_embed": TRUNC, "blocks.0.norm1.weight": ui.Constant(1.0), "blocks.0.attn.qkv.weight": TRUNC,
            "blocks.0.attn.qkv.bias": ui.Constant(0.0), "blocks.0.attn.proj_l.weight": TRUNC,
            "blocks.0.attn.proj_w.bias": ui.Constant(0.0), "blocks_token_only.0.attn.q.weight": TRUNC,
            "blocks_token_only.0.attn.v.bias": ui.Constant(0.0), "blocks_token_only.0.attn.proj.weight": TRUNC,
            "head.weight": TRUNC, "head.bias": ui.Constant(0.0)}
    if value is not None:
        laws |= {f"{b}.0.gamma_{i}": ui.Constant(value) for b in ("blocks", "blocks_token_only") for i in (1, 2)}
    return model, ui.presets.timm(arch), laws


def _mbconv():
    """MaxxVit's MbConvBlock under _init_conv ('vit_eff'): N(0, 2/(k*k*out/groups)) convs (the depthwise conv2_kxk:
    k*k), biases 0, the shortcut's 1x1 expand too; norms 1/0."""
    b = nn.Module()
    b.shortcut = nn.Module()
    b.shortcut.expand = nn.Conv2d(16, 32, 1)
    b.pre_norm, b.conv1_1x1 = nn.BatchNorm2d(16), nn.Conv2d(16, 128, 1, bias=False)
    b.conv2_kxk = nn.Conv2d(128, 128, 3, groups=128, bias=False)
    b.se = nn.Module()
    b.se.fc1, b.se.fc2 = nn.Conv2d(128, 8, 1), nn.Conv2d(8, 128, 1)
    b.conv3_1x1 = nn.Conv2d(128, 32, 1)
    laws = {"shortcut.expand.weight": _he(32), "shortcut.expand.bias": ui.Constant(0.0),
            "pre_norm.weight": ui.Constant(1.0), "conv1_1x1.weight": _he(128), "conv2_kxk.weight": _he(9),
            "se.fc1.weight": _he(8), "se.fc1.bias": ui.Constant(0.0), "se.fc2.weight": _he(128),
            "conv3_1x1.weight": _he(32), "conv3_1x1.bias": ui.Constant(0.0)}
    return b, laws


def _maxxvit_head(model: nn.Module, width: int) -> dict[str, ui.Spec]:
    """MaxxVit's stem under _init_conv; its NormMlpClassifierHead has no init_weights: torch's defaults."""
    model.stem = nn.Module()
    model.stem.conv1, model.stem.norm1 = nn.Conv2d(3, 16, 3), nn.BatchNorm2d(16)
    model.head = nn.Module()
    model.head.pre_logits = nn.Module()
    model.head.pre_logits.fc, model.head.fc = nn.Linear(width, width), nn.Linear(width, 1000)
    return {"stem.conv1.weight": _he(9 * 16), "stem.conv1.bias": ui.Constant(0.0),
            "stem.norm1.weight": ui.Constant(1.0), "head.pre_logits.fc.weight": _default(width),
            "head.pre_logits.fc.bias": _default(width), "head.fc.weight": _default(width),
            "head.fc.bias": _default(width)}


def _maxvit(arch: str, table: ui.Spec):
    """timm's MaxViT and MaxxViT ('vit_eff'): each block's conv (MbConvBlock; MaxxViT's ConvNeXtBlock: depthwise
    conv_dw k*k, k*k*2 where it opens a stage and doubles the width, 1x1-conv MLP, ls gamma 1e-6) under _init_conv,
    its attn_block and attn_grid under _init_transformer: Xavier-uniform linears, biases 0, N(0, 1e-12) where 'mlp'
    is in the name (RelPosMlp's too), LayerScale 1e-6; RelPosBias's table trunc_normal_(.02), RelPosBiasTf's
    normal_(std=.02)."""
    mb, mb_laws = _mbconv()
    nx = nn.Module()  # ConvNeXtBlock
    nx.conv_dw, nx.norm = nn.Conv2d(32, 32, 7, groups=32), nn.LayerNorm(32)
    nx.mlp = nn.Module()
    nx.mlp.fc1, nx.mlp.fc2 = nn.Conv2d(32, 128, 1), nn.Conv2d(128, 32, 1)
    nx.ls = nn.Module()
    nx.ls.gamma = nn.Parameter(torch.ones(32))
    attn = nn.Module()  # PartitionAttentionCl
    attn.norm1, attn.attn = nn.LayerNorm(32), nn.Module()
    attn.attn.qkv, attn.attn.proj, attn.attn.rel_pos = nn.Linear(32, 96), nn.Linear(32, 32), nn.Module()
    attn.attn.rel_pos.relative_position_bias_table = nn.Parameter(torch.ones(225, 4))
    attn.attn.rel_pos.mlp = nn.Module()
    attn.attn.rel_pos.mlp.fc1 = nn.Linear(2, 512)  # RelPosMlp's: 'mlp' in its name
    attn.ls1, attn.mlp = nn.Module(), nn.Module()
    attn.ls1.gamma = nn.Parameter(torch.ones(32))
    attn.mlp.fc1, attn.mlp.fc2 = nn.Linear(32, 128), nn.Linear(128, 32)
    down = nn.Module()  # a ConvNeXtBlock opening stage 1: conv_dw 32 -> 64, groups 32
    down.conv_dw = nn.Conv2d(32, 64, 7, groups=32)
    blocks = [nn.Module(), nn.Module(), nn.Module()]
    blocks[0].conv, blocks[0].attn_block = mb, attn
    blocks[1].conv, blocks[2].conv = nx, down
    model = nn.Module()
    model.stages = nn.Sequential(nn.Module(), nn.Module())
    model.stages[0].blocks = nn.Sequential(*blocks[:2])
    model.stages[1].blocks = nn.Sequential(blocks[2])
    laws = _maxxvit_head(model, 32) | {"stages.0.blocks.0.conv." + k: v for k, v in mb_laws.items()}
    b, a = "stages.0.blocks.1.conv.", "stages.0.blocks.0.attn_block."
    laws |= {b + "conv_dw.weight": _he(49), b + "conv_dw.bias": ui.Constant(0.0), b + "mlp.fc1.weight": _he(128),
             b + "mlp.fc2.weight": _he(32), b + "mlp.fc2.bias": ui.Constant(0.0),
             b + "ls.gamma": ui.Constant(1e-6), b + "norm.weight": ui.Constant(1.0),
             a + "attn.qkv.weight": _xavier(32, 96), a + "attn.qkv.bias": ui.Constant(0.0),
             a + "attn.proj.weight": _xavier(32, 32), a + "attn.rel_pos.relative_position_bias_table": table,
             a + "attn.rel_pos.mlp.fc1.weight": _xavier(2, 512), a + "attn.rel_pos.mlp.fc1.bias": ui.Normal(0, 1e-6),
             a + "ls1.gamma": ui.Constant(1e-6), a + "mlp.fc1.weight": _xavier(32, 128),
             a + "mlp.fc1.bias": ui.Normal(0, 1e-6), a + "mlp.fc2.bias": ui.Normal(0, 1e-6),
             "stages.1.blocks.0.conv.conv_dw.weight": _he(49 * 64 // 32)}
    return model, ui.presets.timm(arch), laws


def _coatnet():
    """timm's CoAtNet ('vit_eff'): stages 0 and 1 MbConvBlocks under _init_conv, stages 2 and 3 TransformerBlock2d
    under _init_transformer: Xavier-uniform 1x1 convs (the shortcut's expand too, fans k*k*in, k*k*out), biases 0,
    N(0, 1e-12) for the MLP's; RelPosBias's table trunc_normal_(.02), LayerScale 1e-6 (coatnet_3_rw...)."""
    mb, mb_laws = _mbconv()
    t = nn.Module()  # TransformerBlock2d
    t.shortcut = nn.Module()
    t.shortcut.expand = nn.Conv2d(32, 64, 1)
    t.attn = nn.Module()
    t.attn.qkv, t.attn.proj, t.attn.rel_pos = nn.Conv2d(64, 192, 1), nn.Conv2d(64, 64, 1), nn.Module()
    t.attn.rel_pos.relative_position_bias_table = nn.Parameter(torch.ones(729, 4))
    t.ls1, t.mlp = nn.Module(), nn.Module()
    t.ls1.gamma = nn.Parameter(torch.ones(64))
    t.mlp.fc1, t.mlp.fc2 = nn.Conv2d(64, 256, 1), nn.Conv2d(256, 64, 1)
    model = nn.Module()
    model.stages = nn.Sequential(*(nn.Module() for _ in range(3)))
    model.stages[1].blocks, model.stages[2].blocks = nn.Sequential(mb), nn.Sequential(t)
    laws = _maxxvit_head(model, 64) | {"stages.1.blocks.0." + k: v for k, v in mb_laws.items()}
    b = "stages.2.blocks.0."
    laws |= {b + "shortcut.expand.weight": _xavier(32, 64), b + "shortcut.expand.bias": ui.Constant(0.0),
             b + "attn.qkv.weight": _xavier(64, 192), b + "attn.qkv.bias": ui.Constant(0.0),
             b + "attn.proj.weight": _xavier(64, 64), b + "attn.rel_pos.relative_position_bias_table": TRUNC,
             b + "ls1.gamma": ui.Constant(1e-6), b + "mlp.fc1.weight": _xavier(64, 256),
             b + "mlp.fc1.bias": ui.Normal(0, 1e-6), b + "mlp.fc2.weight": _xavier(256, 64)}
    return model, ui.presets.timm("coatnet_3_rw_224"), laws


def _inception_v3():
    """timm's Inception v3: trunc_normal_ at each layer's stddev, 0.1 (convs and linears), AuxLogits.fc's 0.001
    (AuxLogits.conv1's 0.01 is set on its ConvNormAct, not its conv: 0.1); the classifier's bias torch's default."""
    model = nn.Module()
    model.Conv2d_1a_3x3 = _ConvNormAct(3, 32, 3)
    model.Mixed_5b = nn.Module()
    model.Mixed_5b.branch5x5_2 = _ConvNormAct(48, 64, 5)
    model.AuxLogits = nn.Module()
    model.AuxLogits.conv1, model.AuxLogits.fc = _ConvNormAct(16, 64, 5), nn.Linear(64, 1000)
    model.fc = nn.Linear(64, 1000)
    t = ui.TruncatedNormal(0, 0.1, -2, 2)
    laws = {"Conv2d_1a_3x3.conv.weight": t, "Conv2d_1a_3x3.bn.weight": ui.Constant(1.0),
            "Mixed_5b.branch5x5_2.conv.weight": t, "AuxLogits.conv1.conv.weight": t,
            "AuxLogits.fc.weight": ui.TruncatedNormal(0, 0.001, -2, 2), "AuxLogits.fc.bias": _default(64),
            "fc.weight": t, "fc.bias": _default(64)}
    return model, ui.presets.timm("inception_v3"), laws


class _StdConv(nn.Conv2d):  # ScaledStdConv2d: a Conv2d with a per-channel gain (gain_init)
    def __init__(self, i, o, k, groups=1, bias=True):
        super().__init__(i, o, k, groups=groups, bias=bias)
        self.gain = nn.Parameter(torch.ones(o, 1, 1, 1))


def _lecun(fan_in):  # N(0, 1/fan_in): kaiming_normal_(fan_in, 'linear')
    return ui.Normal(0, math.sqrt(1 / fan_in))


def _nfnet(arch):
    """timm's NormFreeNet loop: every Conv2d (ScaledStdConv2d, the SE's 1x1 convs) N(0, 1/(k*k*in/groups)), bias 0;
    the Linear with 'fc' in its name N(0, 0.01^2), bias 0; ECA's Conv1d torch's default; each conv's gain 1 but
    conv3's 0 (gain_init), or with skipinit (dm_nfnet) conv3's 1 and the block's skipinit_gain 0."""
    skipinit = arch.startswith("dm_")
    b = nn.Module()
    b.conv1, b.conv2 = _StdConv(128, 64, 1), _StdConv(64, 64, 3, groups=8)
    b.attn = nn.Module()
    b.attn.fc1 = nn.Conv2d(64, 16, 1)
    b.conv3 = _StdConv(64, 256, 1)
    b.attn_last = nn.Module()
    b.attn_last.conv = nn.Conv1d(8, 8, 5, bias=False)  # ECA's conv: Conv1d(1, 1, k), wider here for the KS test
    if skipinit:
        b.skipinit_gain = nn.Parameter(torch.tensor(1.0))
    model = nn.Module()
    model.stem = nn.Module()
    model.stem.conv1 = _StdConv(3, 16, 3)
    model.stages = nn.Sequential(nn.Sequential(b))
    model.head = nn.Module()
    model.head.fc = nn.Linear(256, 1000)
    k = "stages.0.0."
    laws = {"stem.conv1.weight": _lecun(27), "stem.conv1.bias": ui.Constant(0.0), "stem.conv1.gain": ui.Constant(1.0),
            k + "conv1.weight": _lecun(128), k + "conv1.gain": ui.Constant(1.0), k + "conv2.weight": _lecun(72),
            k + "conv2.bias": ui.Constant(0.0), k + "attn.fc1.weight": _lecun(64),
            k + "attn.fc1.bias": ui.Constant(0.0),
            k + "conv3.weight": _lecun(64), k + "conv3.gain": ui.Constant(1.0 if skipinit else 0.0),
            k + "attn_last.conv.weight": _default(40), "head.fc.weight": ui.Normal(0, 0.01),
            "head.fc.bias": ui.Constant(0.0)}
    if skipinit:
        laws[k + "skipinit_gain"] = ui.Constant(0.0)
    return model, ui.presets.timm(arch), laws


def _cspnet(arch):
    """timm's cspnet _init_weights: Conv2d N(0, 2/(k*k*out)), bias 0; Linear N(0, 0.01^2), bias 0; then each block's
    zero_init_last (timm's default True): a BottleneckBlock's conv3.bn scale 0, a DarkBlock's (EdgeBlock's) conv2.bn."""
    dark = arch != "cspresnet50"
    b = nn.Module()
    b.conv1 = _ConvNormAct(64, 32, 1)
    b.attn = nn.Module()  # an SEModule
    b.attn.fc1 = nn.Conv2d(32, 16, 1)
    b.conv2 = _ConvNormAct(32, 64 if dark else 32, 3)
    if not dark:
        b.conv3 = _ConvNormAct(32, 64, 1)
    stage = nn.Module()
    stage.conv_down, stage.blocks = _ConvNormAct(32, 64, 3), nn.Sequential(b)
    model = nn.Module()
    model.stem = nn.Module()
    model.stem.conv1 = _ConvNormAct(3, 32, 7)
    model.stages = nn.Sequential(stage)
    model.head = nn.Module()
    model.head.fc = nn.Linear(64, 1000)
    k = "stages.0.blocks.0."
    laws = {"stem.conv1.conv.weight": _he(49 * 32), "stem.conv1.bn.weight": ui.Constant(1.0),
            "stages.0.conv_down.conv.weight": _he(9 * 64), k + "conv1.conv.weight": _he(32),
            k + "conv1.bn.weight": ui.Constant(1.0), k + "attn.fc1.weight": _he(16),
            k + "attn.fc1.bias": ui.Constant(0.0),
            k + "conv2.bn.weight": ui.Constant(0.0 if dark else 1.0), "head.fc.weight": ui.Normal(0, 0.01),
            "head.fc.bias": ui.Constant(0.0)}
    laws |= {k + "conv2.conv.weight": _he(9 * 64)} if dark else {k + "conv2.conv.weight": _he(9 * 32),
                                                                  k + "conv3.conv.weight": _he(64),
                                                                  k + "conv3.bn.weight": ui.Constant(0.0)}
    return model, ui.presets.timm(arch), laws


def _tresnet(arch):
    """timm's TResNet: every Conv2d kaiming_normal_(fan_out, leaky_relu with slope 0): N(0, 2/(k*k*out)), its bias
    (the SE's) torch's default; the Linear N(0, 0.01^2), its bias torch's default; each BasicBlock's conv2.bn and
    each Bottleneck's conv3.bn scale 0 (TResNet-M/L/XL: BasicBlocks in layer1 and layer2; v2: Bottlenecks only)."""
    def block(bottleneck):
        b = nn.Module()
        b.conv1, b.conv2 = _ConvNormAct(64, 64, 1 if bottleneck else 3), _ConvNormAct(64, 64, 3)
        b.se = nn.Module()
        b.se.fc1, b.se.fc2 = nn.Conv2d(64, 64, 1), nn.Conv2d(64, 64, 1)
        if bottleneck:
            b.conv3 = _ConvNormAct(64, 256, 1)
        return b

    v2 = arch == "tresnet_v2_l"
    model = nn.Module()
    model.body = nn.Module()
    model.body.conv1 = _ConvNormAct(48, 64, 3)
    model.body.layer1, model.body.layer3 = nn.Sequential(block(v2)), nn.Sequential(block(True))
    model.head = nn.Module()
    model.head.fc = nn.Linear(256, 1000)
    laws = {"body.conv1.conv.weight": _he(9 * 64), "body.conv1.bn.weight": ui.Constant(1.0),
            "body.layer1.0.conv1.conv.weight": _he(64 if v2 else 9 * 64), "body.layer1.0.conv2.conv.weight": _he(576),
            "body.layer1.0.conv2.bn.weight": ui.Constant(1.0 if v2 else 0.0), "body.layer1.0.se.fc1.weight": _he(64),
            "body.layer1.0.se.fc1.bias": _default(64), "body.layer3.0.conv2.bn.weight": ui.Constant(1.0),
            "body.layer3.0.conv3.conv.weight": _he(256), "body.layer3.0.conv3.bn.weight": ui.Constant(0.0),
            "head.fc.weight": ui.Normal(0, 0.01), "head.fc.bias": _default(256)}
    if v2:
        laws["body.layer1.0.conv3.bn.weight"] = ui.Constant(0.0)
    return model, ui.presets.timm(arch), laws


def _vovnet():
    """timm's VovNet loop: every Conv2d N(0, 2/(k*k*out)) (torch's fan_out, the depthwise conv_dw's too), its bias
    (the ESE's fc) torch's default; ECA's Conv1d torch's default; the Linear's bias 0, its weight torch's default."""
    def block(attn):
        b = nn.Module()
        b.conv_mid = nn.Sequential(nn.Module())
        b.conv_mid[0].conv_dw, b.conv_mid[0].conv_pw = nn.Conv2d(64, 64, 3, groups=64, bias=False), nn.Conv2d(64, 64, 1)
        b.conv_mid[0].bn = nn.BatchNorm2d(64)
        b.conv_concat, b.attn = _ConvNormAct(128, 112, 1), attn
        return b

    ese, eca = nn.Module(), nn.Module()
    ese.fc, eca.conv = nn.Conv2d(112, 112, 1), nn.Conv1d(8, 8, 5, bias=False)  # ECA's Conv1d(1, 1, k), wider
    model = nn.Module()
    model.stem = nn.Sequential(_ConvNormAct(3, 64, 3))
    model.stages = nn.Sequential(nn.Module())
    model.stages[0].blocks = nn.Sequential(block(ese), block(eca))
    model.head = nn.Module()
    model.head.fc = nn.Linear(512, 1000)
    k = "stages.0.blocks."
    laws = {"stem.0.conv.weight": _he(9 * 64), "stem.0.bn.weight": ui.Constant(1.0),
            k + "0.conv_mid.0.conv_dw.weight": _he(9 * 64), k + "0.conv_mid.0.conv_pw.weight": _he(64),
            k + "0.conv_mid.0.conv_pw.bias": _default(64), k + "1.conv_concat.conv.weight": _he(112),
            k + "0.attn.fc.weight": _he(112), k + "0.attn.fc.bias": _default(112),
            k + "1.attn.conv.weight": _default(40),
            "head.fc.weight": _default(512), "head.fc.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("ese_vovnet19b_dw"), laws


def _vgg():
    """timm's VGG _initialize_weights: ResNetV2's laws: Conv2d kaiming_normal_(fan_out, relu) with bias 0 (the
    ConvMlp pre_logits' 7x7 fc1 and 1x1 fc2 too), BatchNorm 1/0, the Linear classifier N(0, 0.01^2), bias 0."""
    model = nn.Module()
    model.features = nn.Sequential(nn.Conv2d(3, 64, 3), nn.BatchNorm2d(64))
    model.pre_logits = nn.Module()
    model.pre_logits.fc1, model.pre_logits.fc2 = nn.Conv2d(64, 256, 7), nn.Conv2d(256, 512, 1)
    model.head = nn.Module()
    model.head.fc = nn.Linear(512, 1000)
    laws = {"features.0.weight": _he(9 * 64), "features.0.bias": ui.Constant(0.0),
            "features.1.weight": ui.Constant(1.0), "pre_logits.fc1.weight": _he(49 * 256),
            "pre_logits.fc1.bias": ui.Constant(0.0), "pre_logits.fc2.weight": _he(512),
            "head.fc.weight": ui.Normal(0, 0.01), "head.fc.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("vgg11_bn"), laws


def _hgnet():
    """timm's PP-HGNet (V1, V2) constructor loop: Conv2d kaiming_normal_(fan_out, relu), its bias torch's default
    (the ESE conv's), BatchNorm 1/0, the Linear's bias 0 and weight torch's; each LearnableAffineBlock 1/0."""
    def conv_bn_act(i, o, k):
        m = _ConvNormAct(i, o, k)
        m.lab = nn.Module()
        m.lab.scale, m.lab.bias = nn.Parameter(torch.ones(1)), nn.Parameter(torch.ones(1))
        return m

    blk = nn.Module()
    blk.layers = nn.Sequential(conv_bn_act(32, 32, 3))
    blk.ese = nn.Module()
    blk.ese.conv = nn.Conv2d(64, 64, 1)
    model = nn.Module()
    model.stem = nn.Module()
    model.stem.stem1 = conv_bn_act(3, 16, 3)
    model.stages = nn.Sequential(nn.Module())
    model.stages[0].blocks = nn.Sequential(blk)
    model.head = nn.Module()
    model.head.last_conv = nn.Sequential(nn.Conv2d(64, 64, 1, bias=False), nn.ReLU(), nn.Module())
    lab = model.head.last_conv[2]
    lab.scale, lab.bias = nn.Parameter(torch.ones(1)), nn.Parameter(torch.ones(1))
    model.head.fc = nn.Linear(64, 1000)
    b = "stages.0.blocks.0."
    laws = {"head.last_conv.0.weight": _he(64), "head.last_conv.2.scale": ui.Constant(1.0),
            "head.last_conv.2.bias": ui.Constant(0.0), "stem.stem1.conv.weight": _he(9 * 16),
            "stem.stem1.bn.weight": ui.Constant(1.0),
            "stem.stem1.lab.scale": ui.Constant(1.0), "stem.stem1.lab.bias": ui.Constant(0.0),
            b + "layers.0.conv.weight": _he(9 * 32), b + "layers.0.lab.bias": ui.Constant(0.0),
            b + "ese.conv.weight": _he(64), b + "ese.conv.bias": _default(64), "head.fc.weight": _default(64),
            "head.fc.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("hgnetv2_b0"), laws


def _repvit():
    """timm's RepViT: torch's defaults but ConvNorm's bn_weight_init (0 for each RepVitMlp's conv2: the blocks'
    channel_mixer and the downsample's ffn; 1 elsewhere, the stem's conv2 too) and NormLinear's trunc_normal_(.02)
    with bias 0; the squeeze-excitation convs torch's default."""
    def mlp():
        m = nn.Module()
        m.conv1, m.conv2 = _ConvNormAct(48, 96, 1), _ConvNormAct(96, 48, 1)
        return m

    blk = nn.Module()
    blk.token_mixer = _ConvNormAct(48, 48, 3, groups=48)
    blk.se = nn.Module()
    blk.se.fc1 = nn.Conv2d(48, 12, 1)
    blk.channel_mixer = mlp()
    down = nn.Module()
    down.ffn = mlp()
    model = nn.Module()
    model.stem = nn.Module()
    model.stem.conv1, model.stem.conv2 = _ConvNormAct(3, 24, 3), _ConvNormAct(24, 48, 3)
    model.stages = nn.Sequential(nn.Module())
    model.stages[0].downsample, model.stages[0].blocks = down, nn.Sequential(blk)
    model.head = nn.Module()
    model.head.head = nn.Module()
    model.head.head.bn, model.head.head.l = nn.BatchNorm1d(48), nn.Linear(48, 1000)
    b = "stages.0.blocks.0."
    laws = {"stem.conv2.conv.weight": _default(9 * 24), "stem.conv2.bn.weight": ui.Constant(1.0),
            b + "token_mixer.conv.weight": _default(9), b + "token_mixer.bn.weight": ui.Constant(1.0),
            b + "se.fc1.weight": _default(48), b + "se.fc1.bias": _default(48),
            b + "channel_mixer.conv1.bn.weight": ui.Constant(1.0),
            b + "channel_mixer.conv2.bn.weight": ui.Constant(0.0), b + "channel_mixer.conv2.bn.bias": ui.Constant(0.0),
            "stages.0.downsample.ffn.conv2.bn.weight": ui.Constant(0.0),
            "stages.0.downsample.ffn.conv1.bn.weight": ui.Constant(1.0), "head.head.bn.weight": ui.Constant(1.0),
            "head.head.l.weight": TRUNC, "head.head.l.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("repvit_m0_9"), laws


def _starnet():
    """timm's StarNet _init_weights: Conv2d and Linear trunc_normal_(.02), only the Linear's bias 0 (the convs'
    keep torch's default), BatchNorm 1/0."""
    blk = nn.Module()
    blk.dwconv = nn.Module()
    blk.dwconv.conv, blk.dwconv.bn = nn.Conv2d(32, 32, 7, groups=32), nn.BatchNorm2d(32)
    blk.f1 = nn.Module()
    blk.f1.conv = nn.Conv2d(32, 128, 1)
    model = nn.Module()
    model.stem = nn.Sequential(nn.Module())
    model.stem[0].conv = nn.Conv2d(3, 32, 3)
    model.stages = nn.Sequential(nn.Sequential(blk))
    model.head = nn.Linear(32, 1000)
    b = "stages.0.0."
    laws = {"stem.0.conv.weight": TRUNC, "stem.0.conv.bias": _default(27), b + "dwconv.conv.weight": TRUNC,
            b + "dwconv.conv.bias": _default(49), b + "dwconv.bn.weight": ui.Constant(1.0),
            b + "f1.conv.weight": TRUNC, b + "f1.conv.bias": _default(32), "head.weight": TRUNC,
            "head.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("starnet_s050"), laws


def _edgenext():
    """timm's EdgeNeXt _init_weights: Conv2d and Linear trunc_normal_tf_(.02): N(0, 0.02^2) cut at +-2 sigma,
    biases 0 (head_init_scale 1); each block's gamma and gamma_xca 1e-6 (ls_init_value), XCA's temperature 1."""
    tf = TRUNC_TF
    conv = nn.Module()
    conv.conv_dw, conv.norm = nn.Conv2d(48, 48, 3, groups=48), nn.LayerNorm(48)
    conv.mlp = nn.Module()
    conv.mlp.fc1 = nn.Linear(48, 192)
    conv.gamma = nn.Parameter(torch.ones(48))
    xca = nn.Module()
    xca.xca = nn.Module()
    xca.xca.qkv, xca.xca.temperature = nn.Linear(48, 144), nn.Parameter(torch.zeros(4, 1, 1))
    xca.gamma_xca, xca.gamma = nn.Parameter(torch.ones(48)), nn.Parameter(torch.ones(48))
    model = nn.Module()
    model.stem = nn.Sequential(nn.Conv2d(3, 48, 4, stride=4))
    model.stages = nn.Sequential(nn.Module())
    model.stages[0].blocks = nn.Sequential(conv, xca)
    model.head = nn.Module()
    model.head.fc = nn.Linear(48, 1000)
    b = "stages.0.blocks."
    laws = {"stem.0.weight": tf, "stem.0.bias": ui.Constant(0.0), b + "0.conv_dw.weight": tf,
            b + "0.conv_dw.bias": ui.Constant(0.0), b + "0.mlp.fc1.weight": tf, b + "0.gamma": ui.Constant(1e-6),
            b + "1.xca.qkv.weight": tf, b + "1.xca.temperature": ui.Constant(1.0),
            b + "1.gamma_xca": ui.Constant(1e-6), b + "1.gamma": ui.Constant(1e-6), "head.fc.weight": tf,
            "head.fc.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("edgenext_xx_small"), laws


def _metaformer(arch, layer_scale):
    """timm's MetaFormer _init_weights (PoolFormer V1 and V2, ConvFormer, CAFormer): ConvNeXt's, Conv2d and Linear
    trunc_normal_(.02), biases 0; StarReLU's scale 1 and bias 0; res_scale 1 (stages 2 and 3 of all but PoolFormer
    V1); PoolFormer V1's layer_scale its layer_scale_init_values (1e-5 S12, S24; 1e-6 S36, M36, M48)."""
    def scale():
        m = nn.Module()
        m.scale = nn.Parameter(torch.zeros(64))
        return m

    def star():
        m = nn.Module()
        m.scale, m.bias = nn.Parameter(torch.zeros(1)), nn.Parameter(torch.ones(1))
        return m

    blk = nn.Module()
    blk.norm1 = nn.GroupNorm(1, 64)
    blk.token_mixer = nn.Module()
    blk.token_mixer.pwconv1, blk.token_mixer.act1 = nn.Linear(64, 128), star()
    blk.token_mixer.dwconv = nn.Conv2d(128, 128, 7, groups=128)
    blk.mlp = nn.Module()
    blk.mlp.fc1, blk.mlp.act = nn.Linear(64, 256), star()
    if layer_scale:
        blk.layer_scale1, blk.layer_scale2 = scale(), scale()
    else:
        blk.res_scale1, blk.res_scale2 = scale(), scale()
    model = nn.Module()
    model.stem = nn.Module()
    model.stem.conv = nn.Conv2d(3, 64, 7, stride=4)
    model.stages = nn.Sequential(nn.Module())
    model.stages[0].blocks = nn.Sequential(blk)
    model.head = nn.Module()
    model.head.fc = nn.Linear(64, 1000)
    b = "stages.0.blocks.0."
    laws = {"stem.conv.weight": TRUNC, "stem.conv.bias": ui.Constant(0.0), b + "norm1.weight": ui.Constant(1.0),
            b + "token_mixer.pwconv1.weight": TRUNC, b + "token_mixer.pwconv1.bias": ui.Constant(0.0),
            b + "token_mixer.act1.scale": ui.Constant(1.0), b + "token_mixer.act1.bias": ui.Constant(0.0),
            b + "token_mixer.dwconv.weight": TRUNC, b + "mlp.fc1.weight": TRUNC, b + "mlp.act.scale": ui.Constant(1.0),
            b + "mlp.act.bias": ui.Constant(0.0), "head.fc.weight": TRUNC, "head.fc.bias": ui.Constant(0.0)}
    if layer_scale:
        laws |= {b + "layer_scale1.scale": ui.Constant(layer_scale), b + "layer_scale2.scale": ui.Constant(layer_scale)}
    else:
        laws |= {b + "res_scale1.scale": ui.Constant(1.0), b + "res_scale2.scale": ui.Constant(1.0)}
    return model, ui.presets.timm(arch), laws


def _mambaout():
    """timm's MambaOut _init_weights: ConvNeXt's laws; the _rw models' LayerScale gamma timm's LayerScale default
    1e-5 (ls_init_value, 1e-6 in their configs, only says there is one)."""
    blk = nn.Module()
    blk.norm, blk.fc1 = nn.LayerNorm(64), nn.Linear(64, 340)
    blk.conv = nn.Conv2d(64, 64, 7, groups=64)
    blk.ls = nn.Module()
    blk.ls.gamma = nn.Parameter(torch.ones(64))
    model = nn.Module()
    model.stages = nn.Sequential(nn.Module())
    model.stages[0].blocks = nn.Sequential(blk)
    b = "stages.0.blocks.0."
    laws = {b + "norm.weight": ui.Constant(1.0), b + "fc1.weight": TRUNC, b + "fc1.bias": ui.Constant(0.0),
            b + "conv.weight": TRUNC, b + "conv.bias": ui.Constant(0.0), b + "ls.gamma": ui.Constant(1e-5)}
    return model, ui.presets.timm("mambaout_small_rw"), laws


def _rdnet():
    """timm's RDNet _init_weights: DenseNet's laws: Conv2d kaiming_normal_ (fan_in, relu), its bias torch's
    default, norms 1/0, the Linear's bias 0 and weight torch's (head_init_scale 1); each block's gamma 1e-6."""
    blk = nn.Module()
    blk.layers = nn.Sequential(nn.Module())
    blk.layers[0].conv_dw = nn.Conv2d(64, 64, 7, groups=64)
    blk.layers[0].norm = nn.LayerNorm(64)
    blk.gamma = nn.Parameter(torch.ones(32))
    model = nn.Module()
    model.stem = nn.Sequential(nn.Conv2d(3, 64, 4, stride=4))
    stage = nn.Module()
    stage.dense_block0 = blk
    model.dense_stages = nn.Sequential(nn.Sequential(stage))
    model.head = nn.Module()
    model.head.fc = nn.Linear(64, 1000)
    b = "dense_stages.0.0.dense_block0."
    laws = {"stem.0.weight": _he(48), "stem.0.bias": _default(48), b + "layers.0.conv_dw.weight": _he(49),
            b + "layers.0.conv_dw.bias": _default(49), b + "layers.0.norm.weight": ui.Constant(1.0),
            b + "gamma": ui.Constant(1e-6), "head.fc.weight": _default(64), "head.fc.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("rdnet_tiny"), laws


def _xcit(arch: str, value: float | None):
    """timm's XCiT (and CrossViT's, VOLO's, CoaT's, DaViT's) _init_weights: linears trunc_normal_(.02), biases 0;
    the tokens trunc_normal_(.02) (XCiT's and VOLO's cls_token and pos_embed, CrossViT's cls_token_i and
    pos_embed_i, CoaT's cls_token1-4); XCA's temperature ones, XCiT's gamma1-gamma3 its eta; every conv (the
    patch embedding's, the Fourier encoding's projection, the depthwise LPI convs) and BatchNorm torch's default."""
    blk = nn.Module()  # XCABlock
    blk.attn = nn.Module()
    blk.attn.qkv, blk.attn.temperature = nn.Linear(64, 192), nn.Parameter(torch.zeros(4, 1, 1))
    blk.local_mp = nn.Module()
    blk.local_mp.conv1, blk.local_mp.bn = nn.Conv2d(64, 64, 3, groups=64), nn.BatchNorm2d(64)
    blk.mlp = nn.Module()
    blk.mlp.fc2 = nn.Linear(256, 64)
    model = nn.Module()
    model.cls_token, model.cls_token_1, model.cls_token2 = (nn.Parameter(torch.ones(1, 1, 64)) for _ in range(3))
    model.pos_embed_1 = nn.Parameter(torch.ones(1, 197, 64))
    model.patch_embed = nn.Module()
    model.patch_embed.proj = nn.Sequential(nn.Conv2d(3, 16, 3), nn.BatchNorm2d(16))
    model.pos_embed = nn.Module()  # XCiT's PositionalEncodingFourier: a module, its conv torch's default
    model.pos_embed.token_projection = nn.Conv2d(32, 64, 1)
    model.blocks = nn.Sequential(blk)
    model.head = nn.Linear(64, 1000)
    laws = {"cls_token": TRUNC, "cls_token_1": TRUNC, "cls_token2": TRUNC, "pos_embed_1": TRUNC,
            "patch_embed.proj.0.weight": _default(27), "patch_embed.proj.1.weight": ui.Constant(1.0),
            "pos_embed.token_projection.weight": _default(32), "pos_embed.token_projection.bias": _default(32),
            "blocks.0.attn.qkv.weight": TRUNC, "blocks.0.attn.qkv.bias": ui.Constant(0.0),
            "blocks.0.attn.temperature": ui.Constant(1.0), "blocks.0.local_mp.conv1.weight": _default(9),
            "blocks.0.local_mp.conv1.bias": _default(9), "blocks.0.local_mp.bn.weight": ui.Constant(1.0),
            "blocks.0.mlp.fc2.weight": TRUNC, "head.weight": TRUNC, "head.bias": ui.Constant(0.0)}
    if value is not None:
        blk.gamma1, blk.gamma2, blk.gamma3 = (nn.Parameter(torch.ones(64)) for _ in range(3))
        cls = nn.Module()  # ClassAttentionBlock
        cls.gamma1, cls.gamma2 = nn.Parameter(torch.ones(64)), nn.Parameter(torch.ones(64))
        model.cls_attn_blocks = nn.Sequential(cls)
        laws |= {f"blocks.0.gamma{i}": ui.Constant(value) for i in (1, 2, 3)}
        laws |= {f"cls_attn_blocks.0.gamma{i}": ui.Constant(value) for i in (1, 2)}
    return model, ui.presets.timm(arch), laws


def _pvt_v2():
    """timm's PVT v2 and Twins _init_weights: linears trunc_normal_(.02), biases 0; every Conv2d N(0, 2/fan_out)
    with timm's fan_out k*k*out/groups (the depthwise mlp.dwconv and Twins' PosConv: k*k), biases 0; norms 1/0."""
    blk = nn.Module()
    blk.attn = nn.Module()
    blk.attn.q, blk.attn.sr, blk.attn.norm = nn.Linear(32, 32), nn.Conv2d(32, 32, 8), nn.LayerNorm(32)
    blk.mlp = nn.Module()
    blk.mlp.fc1, blk.mlp.dwconv = nn.Linear(32, 256), nn.Conv2d(256, 256, 3, groups=256)
    model = nn.Module()
    model.patch_embed = nn.Module()
    model.patch_embed.proj = nn.Conv2d(3, 32, 7)
    model.stages = nn.Sequential(nn.Module())
    model.stages[0].blocks = nn.Sequential(blk)
    model.pos_block = nn.Sequential(nn.Module())
    model.pos_block[0].proj = nn.Sequential(nn.Conv2d(32, 32, 3, groups=32))
    model.head = nn.Linear(32, 1000)
    b = "stages.0.blocks.0."
    laws = {"patch_embed.proj.weight": _he(49 * 32), "patch_embed.proj.bias": ui.Constant(0.0),
            b + "attn.q.weight": TRUNC, b + "attn.q.bias": ui.Constant(0.0), b + "attn.sr.weight": _he(64 * 32),
            b + "attn.sr.bias": ui.Constant(0.0), b + "attn.norm.weight": ui.Constant(1.0),
            b + "mlp.fc1.weight": TRUNC, b + "mlp.dwconv.weight": _he(9), b + "mlp.dwconv.bias": ui.Constant(0.0),
            "pos_block.0.proj.0.weight": _he(9), "pos_block.0.proj.0.bias": ui.Constant(0.0),
            "head.weight": TRUNC, "head.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("pvt_v2_b0"), laws


def _pit():
    """timm's PiT: pos_embed and cls_token trunc_normal_(.02), _init_weights sets LayerNorms 1/0 only: every
    linear and conv (the grouped pooling conv, in < out) keeps torch's default."""
    blk = nn.Module()
    blk.norm1, blk.attn = nn.LayerNorm(64), nn.Module()
    blk.attn.qkv = nn.Linear(64, 192)
    pool = nn.Module()
    pool.conv, pool.fc = nn.Conv2d(64, 128, 3, groups=64), nn.Linear(64, 128)
    model = nn.Module()
    model.pos_embed, model.cls_token = nn.Parameter(torch.ones(1, 64, 27, 27)), nn.Parameter(torch.ones(1, 2, 64))
    model.transformers = nn.Sequential(nn.Module(), nn.Module())
    model.transformers[0].blocks = nn.Sequential(blk)
    model.transformers[1].pool = pool
    model.head = nn.Linear(64, 1000)
    laws = {"pos_embed": TRUNC, "cls_token": TRUNC, "transformers.0.blocks.0.norm1.weight": ui.Constant(1.0),
            "transformers.0.blocks.0.attn.qkv.weight": _default(64),
            "transformers.0.blocks.0.attn.qkv.bias": _default(64), "transformers.1.pool.conv.weight": _default(9),
            "transformers.1.pool.fc.weight": _default(64), "head.weight": _default(64), "head.bias": _default(64)}
    return model, ui.presets.timm("pit_ti_distilled_224"), laws


def _levit():
    """timm's LeViT: no model-wide init; ConvNorm's and LinearNorm's layers torch's default, their BatchNorm's
    weight bn_weight_init (0 for Attention's proj.ln and each MLP's ln2, 1 elsewhere: AttentionDownsample's proj);
    attention_biases zeros; the NormLinear heads (head, head_dist) trunc_normal_(.02), bias 0."""
    def linear_norm(i, o):
        m = nn.Module()
        m.linear, m.bn = nn.Linear(i, o, bias=False), nn.BatchNorm1d(o)
        return m

    blk = nn.Module()
    blk.attn = nn.Module()
    blk.attn.attention_biases, blk.attn.qkv = nn.Parameter(torch.ones(4, 196)), linear_norm(64, 128)
    blk.attn.proj = nn.Sequential()
    blk.attn.proj.ln = linear_norm(64, 64)
    blk.mlp = nn.Module()
    blk.mlp.ln1, blk.mlp.ln2 = linear_norm(64, 128), linear_norm(128, 64)
    down = nn.Module()
    down.attn_downsample = nn.Module()
    down.attn_downsample.proj = nn.Sequential()
    down.attn_downsample.proj.ln = linear_norm(64, 128)
    down.mlp = nn.Module()
    down.mlp.ln2 = linear_norm(256, 128)
    model = nn.Module()
    model.stem = nn.Module()
    model.stem.conv1 = nn.Module()
    model.stem.conv1.linear, model.stem.conv1.bn = nn.Conv2d(3, 16, 3, bias=False), nn.BatchNorm2d(16)
    model.stages = nn.Sequential(nn.Module(), nn.Module())
    model.stages[0].blocks = nn.Sequential(blk)
    model.stages[1].downsample = down
    model.head, model.head_dist = nn.Module(), nn.Module()
    for head in (model.head, model.head_dist):
        head.bn, head.linear = nn.BatchNorm1d(64), nn.Linear(64, 1000)
    b, d = "stages.0.blocks.0.", "stages.1.downsample."
    laws = {"stem.conv1.linear.weight": _default(27), "stem.conv1.bn.weight": ui.Constant(1.0),
            b + "attn.attention_biases": ui.Constant(0.0), b + "attn.qkv.linear.weight": _default(64),
            b + "attn.qkv.bn.weight": ui.Constant(1.0), b + "attn.proj.ln.linear.weight": _default(64),
            b + "attn.proj.ln.bn.weight": ui.Constant(0.0), b + "attn.proj.ln.bn.bias": ui.Constant(0.0),
            b + "mlp.ln1.bn.weight": ui.Constant(1.0), b + "mlp.ln2.bn.weight": ui.Constant(0.0),
            d + "attn_downsample.proj.ln.bn.weight": ui.Constant(1.0), d + "mlp.ln2.bn.weight": ui.Constant(0.0),
            "head.bn.weight": ui.Constant(1.0), "head.linear.weight": TRUNC, "head.linear.bias": ui.Constant(0.0),
            "head_dist.linear.weight": TRUNC, "head_dist.linear.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("levit_128s"), laws


def _focalnet():
    """timm's FocalNet _init_weights (head_init_scale 1): convs and linears trunc_normal_(.02), biases 0, as
    ConvNeXt; the large ones' LayerScale2d gamma layerscale_value 1e-4."""
    blk = nn.Module()
    blk.modulation = nn.Module()
    blk.modulation.f = nn.Conv2d(96, 195, 1)
    blk.modulation.focal_layers = nn.Sequential(nn.Sequential(nn.Conv2d(96, 96, 3, groups=96, bias=False)))
    blk.ls1 = nn.Module()
    blk.ls1.gamma = nn.Parameter(torch.ones(96))
    model = nn.Module()
    model.stem = nn.Module()
    model.stem.proj = nn.Conv2d(3, 96, 4)
    model.layers = nn.Sequential(nn.Module())
    model.layers[0].blocks = nn.Sequential(blk)
    model.head = nn.Module()
    model.head.fc = nn.Linear(96, 1000)
    b = "layers.0.blocks.0."
    laws = {"stem.proj.weight": TRUNC, "stem.proj.bias": ui.Constant(0.0), b + "modulation.f.weight": TRUNC,
            b + "modulation.f.bias": ui.Constant(0.0), b + "modulation.focal_layers.0.0.weight": TRUNC,
            b + "ls1.gamma": ui.Constant(1e-4), "head.fc.weight": TRUNC, "head.fc.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("focalnet_large_fl3"), laws


def _linear_block(names: tuple[str, ...], width: int = 64, **extra: nn.Module) -> nn.Module:
    """A module with a Linear(width, width) for each name (a dotted name nests: 'attn.qkv'), and ``extra``."""
    b = nn.Module()
    for n in names:
        *outer, leaf = n.split(".")
        m = b
        for o in outer:
            if not hasattr(m, o):
                setattr(m, o, nn.Module())
            m = getattr(m, o)
        setattr(m, leaf, nn.Linear(width, width))
    for n, m in extra.items():
        setattr(b, n, m)
    return b


def _gamma(*shape: int) -> nn.Module:  # a LayerScale: its 'gamma'
    m = nn.Module()
    m.gamma = nn.Parameter(torch.ones(*shape))
    return m


def _fastvit():
    """timm's FastViT: FastVit._init_weights draws every nn.Linear trunc_normal_(.02), bias 0; ConvMlp's own
    _init_weights its convs (the depthwise conv.conv, fc1, fc2) the same; LayerScale2d gamma 1e-5
    (layer_scale_init_value); the reparameterizable convs, stem and norms keep torch's defaults."""
    mixer = nn.Module()
    mixer.mixer = nn.Module()
    mixer.mixer.conv_kxk = nn.Sequential(_ConvNormAct(64, 64, 3, groups=64))
    mixer.layer_scale = _gamma(64, 1, 1)
    mlp = nn.Module()
    mlp.conv = _ConvNormAct(64, 64, 7, groups=64)
    mlp.fc1, mlp.fc2 = nn.Conv2d(64, 192, 1), nn.Conv2d(192, 64, 1)
    rep = nn.Module()
    rep.token_mixer, rep.mlp, rep.layer_scale = mixer, mlp, _gamma(64, 1, 1)
    attn = nn.Module()
    attn.token_mixer = _linear_block(("qkv", "proj"))
    attn.layer_scale_1, attn.layer_scale_2 = _gamma(64, 1, 1), _gamma(64, 1, 1)
    model = nn.Module()
    model.stages = nn.Sequential(nn.Module(), nn.Module())
    model.stages[0].blocks, model.stages[1].blocks = nn.Sequential(rep), nn.Sequential(attn)
    model.head = nn.Module()
    model.head.fc = nn.Linear(64, 1000)
    b, a = "stages.0.blocks.0.", "stages.1.blocks.0."
    laws = {b + "token_mixer.mixer.conv_kxk.0.conv.weight": _default(9),
            b + "token_mixer.mixer.conv_kxk.0.bn.weight": ui.Constant(1.0),
            b + "token_mixer.layer_scale.gamma": ui.Constant(1e-5), b + "mlp.conv.conv.weight": TRUNC,
            b + "mlp.conv.bn.weight": ui.Constant(1.0), b + "mlp.fc1.weight": TRUNC,
            b + "mlp.fc1.bias": ui.Constant(0.0), b + "mlp.fc2.weight": TRUNC, b + "mlp.fc2.bias": ui.Constant(0.0),
            b + "layer_scale.gamma": ui.Constant(1e-5), a + "token_mixer.qkv.weight": TRUNC,
            a + "token_mixer.proj.bias": ui.Constant(0.0), a + "layer_scale_1.gamma": ui.Constant(1e-5),
            a + "layer_scale_2.gamma": ui.Constant(1e-5), "head.fc.weight": TRUNC, "head.fc.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("fastvit_sa12"), laws


def _hiera(arch: str):
    """timm's Hiera: init_weight_vit ('hiera'): every Linear and Conv weight trunc_normal_(.02), Linear biases 0.02
    (init_bias), conv biases torch's default; abswin's init_weight_jax: Xavier-uniform linears, biases 0 or
    N(0, 1e-12) under 'mlp', LeCun-normal convs (truncated at +-2 sigma) with biases 0, LayerScale 1e-5; both:
    pos_embed (and pos_embed_win) trunc_normal_(.02), head.fc 0/0 (zeroed, times head_init_scale), then
    fix_init_weight divides block l's attn.proj and mlp.fc2 weights by sqrt(2 (l + 1))."""
    jax = "abswin" in arch

    def block():
        b = _linear_block(("attn.qkv", "attn.proj", "mlp.fc1", "mlp.fc2"), norm1=nn.LayerNorm(64))
        if jax:
            b.ls1, b.ls2 = _gamma(64), _gamma(64)
        return b

    model = nn.Module()
    model.pos_embed, model.pos_embed_win = nn.Parameter(torch.ones(1, 64, 16, 16)), nn.Parameter(torch.ones(1, 64, 8))
    model.patch_embed = nn.Module()
    model.patch_embed.proj = nn.Conv2d(3, 64, 7, stride=4)
    model.blocks = nn.Sequential(block(), block(), block())
    model.blocks[1].proj = nn.Linear(64, 64)  # a stage's first block: proj to its width
    model.head = nn.Module()
    model.head.norm, model.head.fc = nn.LayerNorm(64), nn.Linear(64, 1000)
    if jax:
        sigma = 1 / (0.87962566103423978 * math.sqrt(3 * 49))
        conv, conv_bias = ui.TruncatedNormal(0, sigma, -2 * sigma, 2 * sigma), ui.Constant(0.0)
        weight, bias, mlp_bias = _xavier(64, 64), ui.Constant(0.0), ui.Normal(0, 1e-6)
        over = lambda s: ui.Uniform(-math.sqrt(6 / 128) / s, math.sqrt(6 / 128) / s)  # noqa: E731
    else:
        conv, conv_bias, weight, bias, mlp_bias = TRUNC, _default(3 * 49), TRUNC, ui.Constant(0.02), ui.Constant(0.02)
        over = lambda s: ui.TruncatedNormal(0, 0.02 / s, -2 / s, 2 / s)  # noqa: E731
    laws = {"pos_embed": TRUNC, "pos_embed_win": TRUNC, "patch_embed.proj.weight": conv,
            "patch_embed.proj.bias": conv_bias, "blocks.1.proj.weight": weight, "blocks.1.proj.bias": bias,
            "head.norm.weight": ui.Constant(1.0), "head.fc.weight": ui.Constant(0.0), "head.fc.bias": ui.Constant(0.0)}
    for i, s in enumerate((math.sqrt(2), 2, math.sqrt(6))):
        b = f"blocks.{i}."
        laws |= {b + "attn.qkv.weight": weight, b + "attn.qkv.bias": bias, b + "attn.proj.weight": over(s),
                 b + "attn.proj.bias": bias, b + "mlp.fc1.weight": weight, b + "mlp.fc1.bias": mlp_bias,
                 b + "mlp.fc2.weight": over(s), b + "mlp.fc2.bias": mlp_bias, b + "norm1.weight": ui.Constant(1.0)}
        if jax:
            laws |= {b + "ls1.gamma": ui.Constant(1e-5), b + "ls2.gamma": ui.Constant(1e-5)}
    return model, ui.presets.timm(arch), laws


def _mvitv2():
    """timm's MViTv2: trunc_normal_tf_(.02) (N(0, 0.02^2) cut at +-2 sigma, +-0.04) linears, pos_embed, cls_token
    and each attention's rel_pos_h/rel_pos_w; biases 0; the pooling convs and the patch embedding torch's default."""
    tf = TRUNC_TF
    attn = _linear_block(("qkv", "proj"), pool_q=nn.Conv2d(64, 64, 3, groups=64, bias=False), norm_q=nn.LayerNorm(8))
    attn.rel_pos_h, attn.rel_pos_w = nn.Parameter(torch.ones(111, 64)), nn.Parameter(torch.ones(111, 64))
    model = nn.Module()
    model.cls_token, model.pos_embed = nn.Parameter(torch.ones(1, 1, 64)), nn.Parameter(torch.ones(1, 50, 64))
    model.patch_embed = nn.Module()
    model.patch_embed.proj = nn.Conv2d(3, 64, 7, stride=4)
    model.stages = nn.Sequential(nn.Module())
    model.stages[0].blocks = nn.Sequential(_linear_block(("mlp.fc1",), attn=attn))
    model.head = nn.Module()
    model.head.fc = nn.Linear(64, 1000)
    a = "stages.0.blocks.0.attn."
    laws = {"cls_token": tf, "pos_embed": tf, "patch_embed.proj.weight": _default(147), a + "rel_pos_h": tf,
            a + "rel_pos_w": tf, a + "qkv.weight": tf, a + "qkv.bias": ui.Constant(0.0), a + "proj.weight": tf,
            a + "pool_q.weight": _default(9), a + "norm_q.weight": ui.Constant(1.0),
            "stages.0.blocks.0.mlp.fc1.weight": tf, "head.fc.weight": tf, "head.fc.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("mvitv2_tiny"), laws


def _nest():
    """timm's NesT: _init_nest_weights draws every Linear and Conv2d trunc_normal_(.02), biases 0 (the head's
    head_bias 0); each level's pos_embed trunc_normal_(.02)."""
    model = nn.Module()
    model.patch_embed = nn.Module()
    model.patch_embed.proj = nn.Conv2d(3, 64, 4, stride=4)
    model.levels = nn.Sequential(nn.Module(), nn.Module())
    model.levels[0].pos_embed = nn.Parameter(torch.ones(1, 16, 16, 64))
    model.levels[0].transformer_encoder = nn.Sequential(_linear_block(("attn.qkv", "mlp.fc2"), norm1=nn.LayerNorm(64)))
    model.levels[1].pool = nn.Module()
    model.levels[1].pool.conv, model.levels[1].pool.norm = nn.Conv2d(64, 128, 3), nn.LayerNorm(128)
    model.head = nn.Linear(128, 1000)
    e = "levels.0.transformer_encoder.0."
    laws = {"patch_embed.proj.weight": TRUNC, "patch_embed.proj.bias": ui.Constant(0.0), "levels.0.pos_embed": TRUNC,
            e + "attn.qkv.weight": TRUNC, e + "attn.qkv.bias": ui.Constant(0.0), e + "mlp.fc2.weight": TRUNC,
            e + "norm1.weight": ui.Constant(1.0), "levels.1.pool.conv.weight": TRUNC,
            "levels.1.pool.conv.bias": ui.Constant(0.0), "head.weight": TRUNC, "head.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("nest_tiny"), laws


def _swiftformer():
    """timm's SwiftFormer: _initialize_weights draws every Linear and Conv2d trunc_normal_(.02), biases 0;
    EfficientAdditiveAttention's w_g torch.randn (N(0, 1)); the conv encoders' and local representation's
    LayerScale2d 1, the attention block's layer_scale_1/layer_scale_2 1e-5."""
    conv = nn.Module()
    conv.dwconv, conv.norm = nn.Conv2d(64, 64, 3, groups=64), nn.BatchNorm2d(64)
    conv.pwconv1, conv.layer_scale = nn.Conv2d(64, 256, 1), _gamma(64, 1, 1)
    enc = nn.Module()
    enc.attn = _linear_block(("to_query", "final"))
    enc.attn.w_g = nn.Parameter(torch.ones(256, 1))
    enc.layer_scale_1, enc.layer_scale_2 = _gamma(64, 1, 1), _gamma(64, 1, 1)
    model = nn.Module()
    model.stem = nn.Sequential(nn.Conv2d(3, 64, 3))
    model.stages = nn.Sequential(nn.Module())
    model.stages[0].blocks = nn.Sequential(conv, enc)
    model.head = nn.Linear(64, 1000)
    b, e = "stages.0.blocks.0.", "stages.0.blocks.1."
    laws = {"stem.0.weight": TRUNC, "stem.0.bias": ui.Constant(0.0), b + "dwconv.weight": TRUNC,
            b + "dwconv.bias": ui.Constant(0.0), b + "norm.weight": ui.Constant(1.0), b + "pwconv1.weight": TRUNC,
            b + "layer_scale.gamma": ui.Constant(1.0), e + "attn.to_query.weight": TRUNC,
            e + "attn.final.bias": ui.Constant(0.0), e + "attn.w_g": ui.Normal(0, 1),
            e + "layer_scale_1.gamma": ui.Constant(1e-5), e + "layer_scale_2.gamma": ui.Constant(1e-5),
            "head.weight": TRUNC, "head.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("swiftformer_xs"), laws


def _tnt():
    """timm's TNT: cls_token, patch_pos and pixel_pos trunc_normal_(.02); _init_weights: linears trunc_normal_(.02),
    biases 0, LayerNorms 1/0; the pixel embedding's conv torch's default."""
    model = nn.Module()
    model.cls_token, model.patch_pos = nn.Parameter(torch.ones(1, 1, 64)), nn.Parameter(torch.ones(1, 197, 64))
    model.pixel_pos = nn.Parameter(torch.ones(1, 24, 4, 4))
    model.pixel_embed = nn.Module()
    model.pixel_embed.proj = nn.Conv2d(3, 24, 7)
    model.proj, model.norm1_proj = nn.Linear(64, 64), nn.LayerNorm(64)
    model.blocks = nn.Sequential(_linear_block(("attn_in.v", "mlp.fc1"), norm_in=nn.LayerNorm(64)))
    model.head = nn.Linear(64, 1000)
    laws = {"cls_token": TRUNC, "patch_pos": TRUNC, "pixel_pos": TRUNC, "pixel_embed.proj.weight": _default(147),
            "pixel_embed.proj.bias": _default(147), "proj.weight": TRUNC, "proj.bias": ui.Constant(0.0),
            "norm1_proj.weight": ui.Constant(1.0), "blocks.0.attn_in.v.weight": TRUNC,
            "blocks.0.mlp.fc1.bias": ui.Constant(0.0), "blocks.0.norm_in.bias": ui.Constant(0.0),
            "head.weight": TRUNC, "head.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("tnt_s_patch16_224"), laws


def _visformer():
    """timm's Visformer (conv_init=True in both models): convs kaiming_normal_(fan_out, relu): N(0, 2/(k*k*out)),
    torch's fan_out, the grouped mlp.conv2 too; biases 0; linears trunc_normal_(.02), biases 0; pos_embed1-3
    trunc_normal_(.02)."""
    model = nn.Module()
    model.pos_embed1 = nn.Parameter(torch.ones(1, 96, 28, 28))
    model.stem = nn.Sequential(nn.Conv2d(3, 16, 7, bias=False), nn.BatchNorm2d(16))
    model.patch_embed1 = nn.Module()
    model.patch_embed1.proj = nn.Conv2d(16, 96, 4, stride=4)
    model.stage1 = nn.Sequential(nn.Module())
    model.stage1[0].mlp = nn.Module()
    model.stage1[0].mlp.conv2 = nn.Conv2d(192, 192, 3, groups=8, bias=False)
    model.head = nn.Linear(96, 1000)
    laws = {"pos_embed1": TRUNC, "stem.0.weight": _he(49 * 16), "stem.1.weight": ui.Constant(1.0),
            "patch_embed1.proj.weight": _he(16 * 96), "patch_embed1.proj.bias": ui.Constant(0.0),
            "stage1.0.mlp.conv2.weight": _he(9 * 192), "head.weight": TRUNC, "head.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("visformer_tiny"), laws


def _gcvit():
    """timm's GC ViT (weight_init=''): no init of its own, torch's layer defaults, but each RelPosBias's table
    trunc_normal_(.02) (its reset_parameters) and GC ViT-S's and B's LayerScale gamma 1e-5 (layer_scale)."""
    attn = _linear_block(("qkv",))
    attn.rel_pos = nn.Module()
    attn.rel_pos.relative_position_bias_table = nn.Parameter(torch.ones(169, 4))
    model = nn.Module()
    model.stem = nn.Module()
    model.stem.conv1 = nn.Conv2d(3, 64, 3)
    model.stages = nn.Sequential(nn.Module())
    model.stages[0].blocks = nn.Sequential(nn.Module())
    model.stages[0].blocks[0].attn, model.stages[0].blocks[0].norm1 = attn, nn.LayerNorm(64)
    model.stages[0].blocks[0].ls1 = _gamma(64)
    a = "stages.0.blocks.0."
    laws = {"stem.conv1.weight": _default(27), "stem.conv1.bias": _default(27), a + "attn.qkv.weight": _default(64),
            a + "attn.qkv.bias": _default(64), a + "attn.rel_pos.relative_position_bias_table": TRUNC,
            a + "norm1.weight": ui.Constant(1.0), a + "ls1.gamma": ui.Constant(1e-5)}
    return model, ui.presets.timm("gcvit_xxtiny"), laws


def _efficientformer():
    """timm's EfficientFormer V1 and V2 and TinyViT: _init_weights draws each Linear trunc_normal_(.02), bias 0
    (the heads, head_dist too); attention_biases 0; LayerScale ls1/ls2 gamma 1e-5 (layer_scale_init_value); convs
    and norms torch's defaults but TinyViT's MBConv conv3.bn weight 0 (bn_weight_init); its PatchMerging's 1."""
    def conv_bn(i: int, o: int):
        return _ConvNormAct(i, o, 1)

    mb = nn.Module()
    mb.conv1, mb.conv3 = conv_bn(64, 256), conv_bn(256, 64)
    former = nn.Module()
    former.token_mixer = _linear_block(("qkv", "proj"))
    former.token_mixer.attention_biases = nn.Parameter(torch.ones(8, 49))
    former.ls1, former.ls2 = _gamma(64), _gamma(64)
    model = nn.Module()
    model.stem = nn.Module()
    model.stem.conv1 = nn.Conv2d(3, 64, 3)
    model.stages = nn.Sequential(nn.Module(), nn.Module())
    model.stages[0].blocks = nn.Sequential(mb)
    model.stages[1].downsample = nn.Module()
    model.stages[1].downsample.conv3 = conv_bn(64, 64)
    model.stages[1].blocks = nn.Sequential(former)
    model.head, model.head_dist = nn.Linear(64, 1000), nn.Linear(64, 1000)
    m, f = "stages.0.blocks.0.", "stages.1.blocks.0."
    laws = {"stem.conv1.weight": _default(27), m + "conv1.conv.weight": _default(64),
            m + "conv1.bn.weight": ui.Constant(1.0), m + "conv3.conv.weight": _default(256),
            m + "conv3.bn.weight": ui.Constant(0.0), m + "conv3.bn.bias": ui.Constant(0.0),
            "stages.1.downsample.conv3.bn.weight": ui.Constant(1.0), f + "token_mixer.qkv.weight": TRUNC,
            f + "token_mixer.proj.bias": ui.Constant(0.0), f + "token_mixer.attention_biases": ui.Constant(0.0),
            f + "ls1.gamma": ui.Constant(1e-5), f + "ls2.gamma": ui.Constant(1e-5), "head.weight": TRUNC,
            "head_dist.weight": TRUNC, "head_dist.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("tiny_vit_5m_224"), laws


def _vit_relpos(arch: str):
    """timm's ViT-RelPos (weight_init='reset': nothing redrawn): torch's layer defaults (the RelPosMlp's too),
    cls_token N(0, 1e-12), a RelPosBias's table trunc_normal_(.02); the pre-norm blocks' ls1/ls2 gamma 1e-6, the
    res-post-norm blocks' (_rpn) norm1/norm2 weight 1e-6 (init_values)."""
    rpn = "rpn" in arch
    rel_pos = _linear_block(("mlp.fc1",), width=2)
    rel_pos.relative_position_bias_table = nn.Parameter(torch.ones(729, 4))
    blk = _linear_block(("mlp.fc1",), attn=_linear_block(("qkv",), rel_pos=rel_pos), norm1=nn.LayerNorm(64))
    if not rpn:
        blk.ls1, blk.ls2 = _gamma(64), _gamma(64)
    model = nn.Module()
    model.cls_token = nn.Parameter(torch.ones(1, 1, 64))
    model.blocks = nn.Sequential(blk)
    model.head = nn.Linear(64, 1000)
    b = "blocks.0."
    laws = {"cls_token": ui.Normal(0, 1e-6), b + "attn.qkv.weight": _default(64), b + "mlp.fc1.bias": _default(64),
            b + "attn.rel_pos.mlp.fc1.weight": _default(2), b + "attn.rel_pos.relative_position_bias_table": TRUNC,
            b + "norm1.weight": ui.Constant(1e-6 if rpn else 1.0), b + "norm1.bias": ui.Constant(0.0),
            "head.weight": _default(64)}
    if not rpn:
        laws |= {b + "ls1.gamma": ui.Constant(1e-6), b + "ls2.gamma": ui.Constant(1e-6)}
    return model, ui.presets.timm(arch), laws


def _swinv2_cr():
    """timm's other Swin V2 (swin_transformer_v2_cr, weight_init='reset': nothing redrawn): torch's layer defaults,
    logit_scale log 10, each block's norm1/norm2 weight init_values 0 (its res-post-norm), the extra norm3 1."""
    blk = nn.Module()
    blk.attn = _linear_block(("qkv",))
    blk.attn.logit_scale = nn.Parameter(torch.ones(4))
    blk.norm1, blk.norm2, blk.norm3 = nn.LayerNorm(64), nn.LayerNorm(64), nn.LayerNorm(64)
    model = nn.Module()
    model.stages = nn.Sequential(nn.Module())
    model.stages[0].blocks = nn.Sequential(blk)
    b = "stages.0.blocks.0."
    laws = {b + "attn.qkv.weight": _default(64), b + "attn.logit_scale": ui.Constant(math.log(10)),
            b + "norm1.weight": ui.Constant(0.0), b + "norm2.weight": ui.Constant(0.0),
            b + "norm2.bias": ui.Constant(0.0), b + "norm3.weight": ui.Constant(1.0)}
    return model, ui.presets.timm("swinv2_cr_tiny_224"), laws


def _convit():
    """timm's ConViT: cls_token and pos_embed trunc_normal_(.02); _init_weights: linears trunc_normal_(.02), biases
    0, LayerNorms 1/0; then each GPSA's local_init: v the identity, pos_proj a fixed weight
    (test_convits_gpsa_starts_local), gating_param 1."""
    gpsa = _linear_block(("qk", "v", "proj"))
    gpsa.pos_proj, gpsa.gating_param = nn.Linear(3, 4), nn.Parameter(torch.ones(4) * 3)
    model = nn.Module()
    model.cls_token, model.pos_embed = nn.Parameter(torch.ones(1, 1, 64)), nn.Parameter(torch.ones(1, 196, 64))
    model.blocks = nn.Sequential(nn.Module(), nn.Module())
    model.blocks[0].attn, model.blocks[0].norm1 = gpsa, nn.LayerNorm(64)
    model.blocks[1].attn = _linear_block(("qkv", "proj"))
    model.head = nn.Linear(64, 1000)
    laws = {"cls_token": TRUNC, "pos_embed": TRUNC, "blocks.0.attn.qk.weight": TRUNC,
            "blocks.0.attn.proj.bias": ui.Constant(0.0), "blocks.0.attn.pos_proj.bias": ui.Constant(0.0),
            "blocks.0.attn.gating_param": ui.Constant(1.0), "blocks.0.norm1.weight": ui.Constant(1.0),
            "blocks.1.attn.qkv.weight": TRUNC, "head.weight": TRUNC, "head.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("convit_tiny"), laws


def _fan_in(fan):  # trunc_normal_(std=fan ** -0.5): cut at +-2, absolute
    return ui.TruncatedNormal(0, fan ** -0.5, -2, 2)


def _byobnet():
    """ByobNet._init_weights: every Conv2d N(0, 2/(k*k*out/groups)), bias 0, Linear N(0, 0.01^2), bias 0; then each
    block's init_weights: its last norm (conv3_1x1.bn) zeroed, GlobalContext's conv_attn He normal fan_in and its
    mlp_add.fc2 zeroed; the self-attention layers' q, kv, qkv trunc_normal_(std=in ** -0.5), their relative
    position tables (2 size - 1, dim_head) std dim_head ** -0.5, LambdaLayer's Conv3d std dim_qk ** -0.5 (its bias
    torch's default) and pos_emb 0.02; AttentionPool2d's q, k, v and pos_embed std in ** -0.5. ECA's Conv1d keeps
    torch's default."""
    def block(i, o):
        b = nn.Module()
        b.conv1_1x1, b.conv2_kxk = _ConvNormAct(i, 32, 1), _ConvNormAct(32, 32, 3, groups=4)
        b.conv2b_kxk = _ConvNormAct(32, 32, 3, groups=4)  # resnet51q/61q's second grouped conv
        b.conv3_1x1, b.shortcut = _ConvNormAct(32, o, 1), _ConvNormAct(i, o, 1)
        return b
    model = nn.Module()
    model.stem = _ConvNormAct(3, 16, 3)
    first, second = block(16, 64), block(64, 64)
    model.stages = nn.Sequential(nn.Sequential(first, second))
    gc, eca, attn = nn.Module(), nn.Module(), nn.Module()
    gc.conv_attn, gc.mlp_add = nn.Conv2d(512, 1, 1), nn.Module()  # wider: 512 draws against fan_out 1's
    gc.mlp_add.fc1, gc.mlp_add.fc2 = nn.Conv2d(32, 8, 1), nn.Conv2d(8, 32, 1)
    eca.conv = nn.Conv1d(8, 8, 5, bias=False)  # ECA's conv: Conv1d(1, 1, k), wider here for the KS test
    attn.qkv, attn.q, attn.kv = nn.Conv2d(64, 96, 1, bias=False), nn.Conv2d(64, 32, 1), nn.Conv2d(64, 64, 1)
    attn.pos_embed = nn.Module()
    attn.pos_embed.height_rel = nn.Parameter(torch.empty(15, 16))
    attn.conv_lambda, attn.pos_emb = nn.Conv3d(1, 16, (9, 9, 1)), nn.Parameter(torch.empty(31, 31, 16))
    first.attn, second.attn, second.self_attn = gc, eca, attn
    model.head = nn.Module()
    model.head.q, model.head.proj = nn.Linear(64, 64), nn.Linear(64, 10)
    model.head.pos_embed = nn.Parameter(torch.empty(5, 64))
    laws = {"stem.conv.weight": _he(9 * 16), "stem.bn.weight": ui.Constant(1.0),
            "stages.0.0.conv1_1x1.conv.weight": _he(32), "stages.0.0.conv2_kxk.conv.weight": _he(9 * 32 // 4),
            "stages.0.1.conv2b_kxk.conv.weight": _he(9 * 32 // 4),
            "stages.0.0.conv2_kxk.bn.weight": ui.Constant(1.0), "stages.0.0.conv3_1x1.bn.weight": ui.Constant(0.0),
            "stages.0.1.conv3_1x1.bn.weight": ui.Constant(0.0), "stages.0.0.shortcut.conv.weight": _he(64),
            "stages.0.0.shortcut.bn.weight": ui.Constant(1.0), "stages.0.0.attn.conv_attn.weight": _he(512),
            "stages.0.0.attn.conv_attn.bias": ui.Constant(0.0), "stages.0.0.attn.mlp_add.fc1.weight": _he(8),
            "stages.0.0.attn.mlp_add.fc2.weight": ui.Constant(0.0),
            "stages.0.0.attn.mlp_add.fc2.bias": ui.Constant(0.0),
            "stages.0.1.attn.conv.weight": _default(40), "stages.0.1.self_attn.qkv.weight": _fan_in(64),
            "stages.0.1.self_attn.q.weight": _fan_in(64), "stages.0.1.self_attn.kv.weight": _fan_in(64),
            "stages.0.1.self_attn.q.bias": ui.Constant(0.0), "stages.0.1.self_attn.pos_embed.height_rel": _fan_in(16),
            "stages.0.1.self_attn.conv_lambda.weight": _fan_in(16),
            "stages.0.1.self_attn.conv_lambda.bias": _default(81), "stages.0.1.self_attn.pos_emb": TRUNC,
            "head.q.weight": _fan_in(64), "head.q.bias": ui.Constant(0.0), "head.pos_embed": _fan_in(64),
            "head.proj.weight": ui.Normal(0, 0.01), "head.proj.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("halonet26t"), laws


def _byob_last(name, basic, first):
    """Which norm each block's init_weights zeroes: a BasicBlock's conv2_kxk.bn (GENet's stages 0 and 1), a
    bottleneck's conv3_1x1.bn, not where the block has no shortcut (RegNetZ's first block of a stage, ``first``)."""
    def block(kxk):
        b = nn.Module()
        b.conv2_kxk = _ConvNormAct(16, 16, 3)
        if not kxk:
            b.conv3_1x1 = _ConvNormAct(16, 16, 1)
        return b
    model = nn.Module()
    model.stages = nn.Sequential(*(nn.Sequential(block(s in basic), block(s in basic)) for s in range(3)))
    laws: dict[str, ui.Spec] = {}
    for s in range(3):
        for i in range(2):
            kept = (s, i) in first
            key = f"stages.{s}.{i}.conv2_kxk.bn.weight"
            laws[key] = ui.Constant(0.0 if s in basic else 1.0)
            if s not in basic:
                laws[f"stages.{s}.{i}.conv3_1x1.bn.weight"] = ui.Constant(1.0 if kept else 0.0)
    return model, ui.presets.timm(name), laws


def _repvgg(name):
    """RepVGG (and MobileOne): ByobNet._init_weights, the grouped convs N(0, 2/(k*k*out/groups)); RepVggBlock's
    init_weights draws each of its BatchNorms N(0.1, 0.1^2), bias N(0, 0.1^2); MobileOne's keep 1/0."""
    def block(i, o, k, groups):
        b = nn.Module()
        b.conv_kxk, b.conv_1x1 = _ConvNormAct(i, o, k, groups), _ConvNormAct(i, o, 1, groups)
        b.identity = nn.BatchNorm2d(o)
        return b
    model = nn.Module()
    repvgg = name.startswith("repvgg")
    w = 256 if repvgg else 64  # RepVGG's BatchNorms wide enough for a KS test to tell N(0, 0.1^2) from N(0, 0.2^2)
    if repvgg:  # a stage's first block changes the width, ungrouped; the grouped ones (g4) in = out
        blocks = [block(16, w, 3, 1), block(w, w, 3, 4)]
        conv = {"0.conv_kxk": _he(9 * w), "0.conv_1x1": _he(w), "1.conv_kxk": _he(9 * w // 4),
                "1.conv_1x1": _he(w // 4)}
    else:  # depthwise (even) and pointwise (odd) blocks
        blocks = [block(16, 16, 3, 16), block(16, 64, 1, 1), block(64, 64, 3, 64), block(64, 64, 1, 1)]
        conv = {"0.conv_kxk": _he(9), "0.conv_1x1": _he(1), "1.conv_kxk": _he(64), "2.conv_kxk": _he(9),
                "3.conv_1x1": _he(64)}
    se = 1 if repvgg else 2  # MobileOne's SE in a depthwise block: its fc1 is no depthwise conv
    blocks[se].attn = attn = nn.Module()
    attn.fc1 = nn.Conv2d(w, 16, 1)
    model.stages = nn.Sequential(nn.Sequential(*blocks))
    model.head = nn.Module()
    model.head.fc = nn.Linear(w, 1000)
    laws = {f"stages.0.{k}.conv.weight": v for k, v in conv.items()}
    laws |= {f"stages.0.{se}.attn.fc1.weight": _he(16), f"stages.0.{se}.attn.fc1.bias": ui.Constant(0.0),
             "head.fc.weight": ui.Normal(0, 0.01), "head.fc.bias": ui.Constant(0.0)}
    for k in ("0.conv_kxk.bn", "1.conv_1x1.bn", "1.identity"):
        laws[f"stages.0.{k}.weight"] = ui.Normal(0.1, 0.1) if repvgg else ui.Constant(1.0)
        laws[f"stages.0.{k}.bias"] = ui.Normal(0, 0.1) if repvgg else ui.Constant(0.0)
    return model, ui.presets.timm(name), laws


def _vit_layers():
    """timm's ViT layers with their own init (test_vit3: LayerScale 1e-5): AttentionPoolLatent's latent
    trunc_normal_tf_(std=latent_dim ** -0.5), cut at +-2 sigma (64 wide: N(0, 1/8^2) cut at +-1/4), its linears
    ViT's; SwiGLU's gate fc1_g N(0, 1e-12), bias 1 (fc1_x ViT's); DiffAttention's lambda_q1... N(0, 0.1^2);
    ParallelScalingBlock's mlp_bias 0 and its ls; ParallelThingsBlock's attns/ffns ls."""
    model = nn.Module()
    model.attn_pool = _linear_block(("q", "proj", "mlp.fc1"))
    model.attn_pool.latent = nn.Parameter(torch.ones(1, 1, 64))
    diff = _linear_block(("attn.qkv", "mlp.fc1_g", "mlp.fc1_x"), ls1=_gamma(64), ls2=_gamma(64))
    for n in ("lambda_q1", "lambda_k1", "lambda_q2", "lambda_k2"):
        setattr(diff.attn, n, nn.Parameter(torch.ones(256)))
    parallel = _linear_block(("in_proj", "attn_out_proj"), ls=_gamma(64))
    parallel.mlp_bias, parallel.lambda_q1 = nn.Parameter(torch.ones(256)), nn.Parameter(torch.ones(256))
    things = nn.Module()
    things.attns = nn.Sequential(_linear_block(("attn.qkv",), ls=_gamma(64)))
    things.ffns = nn.Sequential(_linear_block(("mlp.fc1",), ls=_gamma(64)))
    model.blocks = nn.Sequential(diff, parallel, things)
    cut = 2 / 8
    laws = {"attn_pool.latent": ui.TruncatedNormal(0, 1 / 8, -cut, cut), "attn_pool.q.weight": TRUNC,
            "attn_pool.mlp.fc1.bias": ui.Constant(0.0), "blocks.0.mlp.fc1_g.weight": ui.Normal(0, 1e-6),
            "blocks.0.mlp.fc1_g.bias": ui.Constant(1.0), "blocks.0.mlp.fc1_x.weight": TRUNC,
            "blocks.0.mlp.fc1_x.bias": ui.Constant(0.0), "blocks.1.mlp_bias": ui.Constant(0.0),
            "blocks.1.in_proj.weight": TRUNC, "blocks.1.lambda_q1": ui.Normal(0, 0.1)}
    laws |= {f"blocks.0.attn.{n}": ui.Normal(0, 0.1) for n in ("lambda_q1", "lambda_k1", "lambda_q2", "lambda_k2")}
    laws |= {k: ui.Constant(1e-5) for k in ("blocks.0.ls1.gamma", "blocks.0.ls2.gamma", "blocks.1.ls.gamma",
                                             "blocks.2.attns.0.ls.gamma", "blocks.2.ffns.0.ls.gamma")}
    return model, ui.presets.timm("test_vit3"), laws


def _vit_rpn():
    """ResPostBlock (vit_base_patch16_rpn_224): ViT's linears, each block's norm1/norm2 weight init_values 1e-5
    (ResPostBlock.init_weights), bias 0; the final norm 1/0."""
    model = nn.Module()
    model.blocks = nn.Sequential(_linear_block(("attn.qkv", "mlp.fc2"), norm1=nn.LayerNorm(64), norm2=nn.LayerNorm(64)))
    model.norm = nn.LayerNorm(64)
    laws = {"blocks.0.attn.qkv.weight": TRUNC, "blocks.0.mlp.fc2.bias": ui.Constant(0.0),
            "blocks.0.norm1.weight": ui.Constant(1e-5), "blocks.0.norm2.weight": ui.Constant(1e-5),
            "blocks.0.norm1.bias": ui.Constant(0.0), "norm.weight": ui.Constant(1.0)}
    return model, ui.presets.timm("vit_base_patch16_rpn_224"), laws


def _glu(arch: str) -> nn.Module:  # a block whose GluMlp (fc1 64 -> 512, the gate its last 256 rows) is 'mlp' or ViT's
    mlp = nn.Module()
    mlp.fc1, mlp.fc2 = nn.Linear(64, 512), nn.Linear(256, 64)
    block = nn.Module()
    setattr(block, "mlp_channels" if arch.startswith("gmixer") else "mlp", mlp)
    model = nn.Module()
    model.blocks = nn.Sequential(block)
    return model


def _vit_glu():
    """DINOv2-g's SwiGLUPacked (a GluMlp) with LayerScale 1e-5: ViT's fc2 and gamma (fc1's halves: below)."""
    model = _glu("vit_giant_patch14_dinov2")
    model.get_submodule("blocks.0").ls1 = _gamma(64)
    laws = {"blocks.0.mlp.fc2.weight": TRUNC, "blocks.0.mlp.fc2.bias": ui.Constant(0.0),
            "blocks.0.ls1.gamma": ui.Constant(1e-5)}
    return model, ui.presets.timm("vit_giant_patch14_dinov2"), laws


def _gmixer():
    """The GLU Mixer: the Mixer's laws, fc2 Xavier uniform with its bias N(0, 1e-12) under 'mlp' (fc1's halves:
    below)."""
    model = _glu("gmixer_12_224")
    model.head = nn.Linear(64, 1000)
    laws = {"blocks.0.mlp_channels.fc2.weight": _xavier(256, 64), "blocks.0.mlp_channels.fc2.bias": ui.Normal(0, 1e-6),
            "head.weight": ui.Constant(0.0)}
    return model, ui.presets.timm("gmixer_12_224"), laws


@pytest.mark.parametrize("arch", ["vit_giant_patch14_dinov2", "vit_giant_patch14_reg1_tipsv2", "gmixer_24_224"])
def test_a_glu_mlps_gate_rows_are_redrawn_apart_from_the_rest_of_fc1(arch):
    """GluMlp.init_weights, after the model's init: fc1's second half of rows (the gate) N(0, 1e-12), its bias 1;
    the first half keeps the model's law, ViT's trunc_normal_(.02) with bias 0 or the Mixer's Xavier uniform at the
    whole fc1's bound sqrt(6 / (64 + 512)) with its bias N(0, 1e-12)."""
    model = _glu(arch)
    torch.manual_seed(0)
    poison(model)
    ui.presets.timm(arch).apply(model, seed=0)
    fc1 = model.get_submodule("blocks.0.mlp_channels.fc1" if arch.startswith("gmixer") else "blocks.0.mlp.fc1")
    w, b = (fc1.get_parameter(n).detach().numpy() for n in ("weight", "bias"))
    mixer = arch.startswith("gmixer")
    has_laws({"weight[:256]": w[:256], "weight[256:]": w[256:], "bias[:256]": b[:256], "bias[256:]": b[256:]},
             {"weight[:256]": _xavier(64, 512) if mixer else TRUNC, "weight[256:]": ui.Normal(0, 1e-6),
              "bias[:256]": ui.Normal(0, 1e-6) if mixer else ui.Constant(0.0), "bias[256:]": ui.Constant(1.0)}, arch)


def _vit_hybrid(arch: str):
    """timm's hybrid ViTs: init_weights_vit_timm over the whole model (linears trunc_normal_(.02), biases 0;
    pos_embed trunc_normal_(.02), cls_token N(0, 1e-12)); the patch embedding's proj torch's default. It calls a
    ResNetV2 backbone's init_weights() at its default zero_init_last=True: convs He normal fan_out, each
    Bottleneck's norm3 scale 0; a features_only ResNet backbone keeps ResNet's own init: convs He normal fan_out,
    each Bottleneck's bn3 scale 0."""
    resnet = "resnet" in arch
    stem, norm, last, blocks = ("conv1", "bn1", "bn3", "layer1.0.") if resnet else (
        "stem.conv", "stem.norm", "norm3", "stages.0.blocks.0.")
    blk = nn.Module()
    for i, (o, k) in enumerate(((32, 1), (32, 3), (128, 1)), 1):
        setattr(blk, f"conv{i}", nn.Conv2d(64 if i == 1 else 32, o, k, bias=False))
        setattr(blk, f"bn{i}" if resnet else f"norm{i}", nn.BatchNorm2d(o) if resnet else nn.GroupNorm(32, o))
    backbone = nn.Module()
    if resnet:
        backbone.conv1, backbone.bn1, backbone.layer1 = nn.Conv2d(3, 64, 7, bias=False), nn.BatchNorm2d(64), \
            nn.Sequential(blk)
    else:
        backbone.stem, backbone.stages = nn.Module(), nn.Sequential(nn.Module())
        backbone.stem.conv, backbone.stem.norm = nn.Conv2d(3, 64, 7, bias=False), nn.GroupNorm(32, 64)
        backbone.stages[0].blocks = nn.Sequential(blk)
    model = nn.Module()
    model.patch_embed = nn.Module()
    model.patch_embed.backbone, model.patch_embed.proj = backbone, nn.Conv2d(128, 64, 1)
    model.cls_token, model.pos_embed = nn.Parameter(torch.ones(1, 1, 64)), nn.Parameter(torch.ones(1, 50, 64))
    model.blocks = nn.Sequential(_linear_block(("attn.qkv", "mlp.fc2"), norm1=nn.LayerNorm(64)))
    model.head = nn.Linear(64, 1000)
    b, s = "patch_embed.backbone.", "patch_embed.backbone." + blocks
    n = "bn" if resnet else "norm"
    laws = {b + stem + ".weight": _he(64 * 49), b + norm + ".weight": ui.Constant(1.0), s + "conv1.weight": _he(32),
            s + "conv2.weight": _he(9 * 32), s + "conv3.weight": _he(128), s + n + "1.weight": ui.Constant(1.0),
            s + n + "2.weight": ui.Constant(1.0), s + last + ".weight": ui.Constant(0.0),
            s + last + ".bias": ui.Constant(0.0), "patch_embed.proj.weight": _default(128),
            "patch_embed.proj.bias": _default(128), "cls_token": ui.Normal(0, 1e-6), "pos_embed": TRUNC,
            "blocks.0.attn.qkv.weight": TRUNC, "blocks.0.attn.qkv.bias": ui.Constant(0.0),
            "blocks.0.mlp.fc2.weight": TRUNC, "blocks.0.norm1.weight": ui.Constant(1.0), "head.weight": TRUNC,
            "head.bias": ui.Constant(0.0)}
    return model, ui.presets.timm(arch), laws


def _samvit():
    """timm's SAM ViT (VisionTransformerSAM) draws nothing: torch's defaults for every layer, the neck's convs
    too; pos_embed and each attention's rel_pos_h/rel_pos_w their torch.zeros."""
    attn = _linear_block(("qkv", "proj"))
    attn.rel_pos_h, attn.rel_pos_w = nn.Parameter(torch.ones(27, 16)), nn.Parameter(torch.ones(27, 16))
    model = nn.Module()
    model.patch_embed = nn.Module()
    model.patch_embed.proj = nn.Conv2d(3, 64, 4, stride=4)
    model.pos_embed = nn.Parameter(torch.ones(1, 8, 8, 64))
    model.blocks = nn.Sequential(_linear_block(("mlp.fc1",), attn=attn, norm1=nn.LayerNorm(64)))
    model.neck = nn.Sequential(nn.Conv2d(64, 32, 1, bias=False), nn.LayerNorm(32), nn.Conv2d(32, 32, 3, bias=False))
    model.head = nn.Module()
    model.head.fc = nn.Linear(32, 1000)
    laws = {"patch_embed.proj.weight": _default(48), "patch_embed.proj.bias": _default(48),
            "pos_embed": ui.Constant(0.0), "blocks.0.attn.qkv.weight": _default(64),
            "blocks.0.attn.qkv.bias": _default(64), "blocks.0.attn.rel_pos_h": ui.Constant(0.0),
            "blocks.0.attn.rel_pos_w": ui.Constant(0.0), "blocks.0.mlp.fc1.weight": _default(64),
            "blocks.0.norm1.weight": ui.Constant(1.0), "neck.0.weight": _default(64), "neck.1.weight": ui.Constant(1.0),
            "neck.2.weight": _default(288), "head.fc.weight": _default(32), "head.fc.bias": _default(32)}
    return model, ui.presets.timm("samvit_base_patch16"), laws


def _vitamin():
    """timm's ViTamin: init_weights_vit_timm over the ViT (linears, GeGluMlp's w0/w1/w2 too, trunc_normal_(.02),
    biases 0; pos_embed trunc_normal_(.02)); its MbConv backbone's Stem (_init_conv in __init__) and each
    MbConvLNBlock (its init_weights, which the ViT init calls) N(0, 2/fan_out), timm's fan_out k*k*out/groups,
    biases 0; the StridedConv pool's proj torch's default."""
    stem = nn.Module()
    stem.conv1, stem.norm1, stem.conv2 = nn.Conv2d(3, 32, 3), nn.GroupNorm(1, 32), nn.Conv2d(32, 32, 3)
    blk = nn.Module()
    blk.shortcut = nn.Module()
    blk.shortcut.expand = nn.Conv2d(32, 64, 1)
    blk.pre_norm, blk.conv1_1x1 = nn.GroupNorm(1, 32), nn.Conv2d(32, 256, 1)
    blk.conv2_kxk, blk.conv3_1x1 = nn.Conv2d(256, 256, 3, groups=256), nn.Conv2d(256, 64, 1)
    backbone = nn.Module()
    backbone.stem, backbone.stages = stem, nn.Sequential(nn.Sequential(blk))
    backbone.pool = nn.Module()
    backbone.pool.proj, backbone.pool.norm = nn.Conv2d(64, 96, 3), nn.GroupNorm(1, 64)
    model = nn.Module()
    model.patch_embed = nn.Module()
    model.patch_embed.backbone = backbone
    model.pos_embed = nn.Parameter(torch.ones(1, 49, 96))
    model.blocks = nn.Sequential(_linear_block(("attn.qkv", "mlp.w0", "mlp.w2"), width=96))
    model.head = nn.Linear(96, 1000)
    b, s = "patch_embed.backbone.", "patch_embed.backbone.stages.0.0."
    laws = {b + "stem.conv1.weight": _he(9 * 32), b + "stem.conv1.bias": ui.Constant(0.0),
            b + "stem.norm1.weight": ui.Constant(1.0), b + "stem.conv2.weight": _he(9 * 32),
            s + "shortcut.expand.weight": _he(64), s + "shortcut.expand.bias": ui.Constant(0.0),
            s + "pre_norm.weight": ui.Constant(1.0), s + "conv1_1x1.weight": _he(256),
            s + "conv1_1x1.bias": ui.Constant(0.0), s + "conv2_kxk.weight": _he(9),
            s + "conv2_kxk.bias": ui.Constant(0.0),
            s + "conv3_1x1.weight": _he(64), b + "pool.proj.weight": _default(576), b + "pool.proj.bias": _default(576),
            b + "pool.norm.weight": ui.Constant(1.0), "pos_embed": TRUNC, "blocks.0.attn.qkv.weight": TRUNC,
            "blocks.0.mlp.w0.weight": TRUNC, "blocks.0.mlp.w0.bias": ui.Constant(0.0), "blocks.0.mlp.w2.weight": TRUNC,
            "head.weight": TRUNC, "head.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("vitamin_small_224"), laws


def _resnet_test():
    """timm's test_resnet: ResNet.init_weights (convs He normal fan_out), BasicBlocks in layer1, layer2 and layer4
    (bn2 zeroed) and a Bottleneck in layer3 (bn3 zeroed, its bn2 1)."""
    def block(basic):
        b = nn.Module()
        b.conv1, b.bn1 = nn.Conv2d(32, 32, 3, bias=False), nn.BatchNorm2d(32)
        b.conv2, b.bn2 = nn.Conv2d(32, 32, 3, bias=False), nn.BatchNorm2d(32)
        if not basic:
            b.conv3, b.bn3 = nn.Conv2d(32, 64, 1, bias=False), nn.BatchNorm2d(64)
        return b
    model = nn.Module()
    for i in range(1, 5):
        setattr(model, f"layer{i}", nn.Sequential(block(i != 3)))
    model.fc = nn.Linear(64, 10)
    laws = {f"layer{i}.0.bn2.weight": ui.Constant(0.0 if i != 3 else 1.0) for i in range(1, 5)}
    laws |= {"layer3.0.bn3.weight": ui.Constant(0.0), "layer3.0.conv3.weight": _he(64), "layer1.0.conv1.weight":
             _he(9 * 32), "layer1.0.bn1.weight": ui.Constant(1.0), "fc.weight": _default(64), "fc.bias": _default(64)}
    return model, ui.presets.timm("test_resnet"), laws


def _maxvit_normal():
    """timm's MaxxVit with weight_init='normal': each block's init_weights and the stem's draw every Conv2d and
    Linear N(0, 0.02^2), biases 0; RelPosBias's table trunc_normal_(.02); the head torch's default."""
    block = nn.Module()
    block.conv = nn.Module()
    block.conv.conv1_1x1, block.conv.conv2_kxk = nn.Conv2d(64, 256, 1), nn.Conv2d(256, 256, 3, groups=256)
    block.attn_block = _linear_block(("attn.qkv", "mlp.fc1"))
    rel_pos = nn.Module()
    rel_pos.relative_position_bias_table = nn.Parameter(torch.ones(225, 4))
    block.attn_block.get_submodule("attn").rel_pos = rel_pos
    model = nn.Module()
    model.stem = nn.Module()
    model.stem.conv1 = nn.Conv2d(3, 64, 3)
    model.stages = nn.Sequential(nn.Module())
    model.stages[0].blocks = nn.Sequential(block)
    model.head = nn.Module()
    model.head.fc = nn.Linear(64, 1000)
    b, n = "stages.0.blocks.0.", ui.Normal(0, 0.02)
    laws = {"stem.conv1.weight": n, "stem.conv1.bias": ui.Constant(0.0), b + "conv.conv1_1x1.weight": n,
            b + "conv.conv1_1x1.bias": ui.Constant(0.0), b + "conv.conv2_kxk.weight": n,
            b + "attn_block.attn.qkv.weight": n, b + "attn_block.attn.qkv.bias": ui.Constant(0.0),
            b + "attn_block.mlp.fc1.weight": n, b + "attn_block.mlp.fc1.bias": ui.Constant(0.0),
            b + "attn_block.attn.rel_pos.relative_position_bias_table": TRUNC, "head.fc.weight": _default(64),
            "head.fc.bias": _default(64)}
    return model, ui.presets.timm("maxxvit_rmlp_nano_rw_256"), laws


def _hieradet():
    """timm's HieraDet (SAM2's Hiera): Hiera's init_weight_vit and fix_init_weight, and hieradet_small's
    ls1/ls2 gamma 1e-5 (init_values)."""
    model, _, laws = _hiera("hiera_tiny_224")
    for i, b in enumerate(model.get_submodule("blocks").children()):
        b.ls1, b.ls2 = _gamma(64), _gamma(64)
        laws |= {f"blocks.{i}.ls1.gamma": ui.Constant(1e-5), f"blocks.{i}.ls2.gamma": ui.Constant(1e-5)}
    return model, ui.presets.timm("hieradet_small"), laws


def _mobilenetv4():
    """MobileNetV4 (and V5): _init_weight_goog, N(0, 2/(k*k*out/groups)) convs (the UniversalInvertedResidual's
    depthwise dw_start, dw_mid, dw_end: k*k), biases 0, linear U(+-1/sqrt(out)), BN 1/0; then
    MultiQueryAttention2d.init_weights: its query, key, value, output proj and the key's and value's depthwise
    down_conv Xavier uniform (torch's fans: k*k in, k*k*out); LayerScale2d gamma 1e-5 (the hybrids')."""
    er, uir, mqa = nn.Module(), nn.Module(), nn.Module()
    er.conv_exp, er.bn1 = nn.Conv2d(16, 64, 3, bias=False), nn.BatchNorm2d(64)  # FusedIB: a full conv
    uir.dw_start, uir.pw_exp = _ConvNormAct(32, 32, 3, groups=32), _ConvNormAct(32, 128, 1)
    uir.dw_mid, uir.pw_proj = _ConvNormAct(128, 128, 5, groups=128), _ConvNormAct(128, 32, 1)
    uir.dw_end, uir.layer_scale = _ConvNormAct(32, 32, 3, groups=32), nn.Module()
    uir.layer_scale.gamma = nn.Parameter(torch.ones(32))
    mqa.norm, mqa.attn, mqa.layer_scale = nn.BatchNorm2d(64), nn.Module(), nn.Module()
    mqa.attn.query = nn.Sequential()
    mqa.attn.query.add_module("proj", nn.Conv2d(64, 128, 1, bias=False))
    for kv in ("key", "value"):
        seq = nn.Sequential()
        seq.add_module("down_conv", nn.Conv2d(64, 64, 3, groups=64, bias=False))
        seq.add_module("norm", nn.BatchNorm2d(64))
        seq.add_module("proj", nn.Conv2d(64, 32, 1, bias=False))
        setattr(mqa.attn, kv, seq)
    mqa.attn.output = nn.Sequential()
    mqa.attn.output.add_module("proj", nn.Conv2d(128, 64, 1, bias=False))
    mqa.layer_scale.gamma = nn.Parameter(torch.ones(64))
    model = nn.Module()
    model.conv_stem = nn.Conv2d(3, 16, 3, bias=False)
    model.blocks = nn.Sequential(nn.Sequential(er), nn.Sequential(uir, mqa))
    model.conv_head, model.classifier = nn.Conv2d(64, 256, 1, bias=False), nn.Linear(256, 1000)
    laws = {"conv_stem.weight": _he(9 * 16), "blocks.0.0.conv_exp.weight": _he(9 * 64),
            "blocks.0.0.bn1.weight": ui.Constant(1.0), "blocks.1.0.dw_start.conv.weight": _he(9),
            "blocks.1.0.pw_exp.conv.weight": _he(128), "blocks.1.0.dw_mid.conv.weight": _he(25),
            "blocks.1.0.pw_proj.conv.weight": _he(32), "blocks.1.0.dw_end.conv.weight": _he(9),
            "blocks.1.0.dw_end.bn.bias": ui.Constant(0.0), "blocks.1.0.layer_scale.gamma": ui.Constant(1e-5),
            "blocks.1.1.attn.query.proj.weight": _xavier(64, 128), "blocks.1.1.attn.key.proj.weight": _xavier(64, 32),
            "blocks.1.1.attn.key.down_conv.weight": _xavier(9, 576),
            "blocks.1.1.attn.value.down_conv.weight": _xavier(9, 576),
            "blocks.1.1.attn.value.norm.weight": ui.Constant(1.0), "blocks.1.1.attn.value.proj.weight": _xavier(64, 32),
            "blocks.1.1.attn.output.proj.weight": _xavier(128, 64), "blocks.1.1.layer_scale.gamma": ui.Constant(1e-5),
            "conv_head.weight": _he(256), "classifier.weight": _default(1000), "classifier.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("mobilenetv4_hybrid_medium"), laws


def _mobilenet_edgetpu_v2():
    """MobileNet-EdgeTPU V2: _init_weight_goog, whose fan_out k*k*out/groups for the grouped conv_exp of blocks 1.1,
    2.1 and 2.3 (out = 4 in) is 4 times torch's fan_in; the full conv_exp and the depthwise conv_dw as
    EfficientNet's."""
    def edge(i, groups):
        b = nn.Module()
        b.conv_exp, b.bn1 = nn.Conv2d(i, 4 * i, 3, groups=groups, bias=False), nn.BatchNorm2d(4 * i)
        return b
    ir = nn.Module()
    ir.conv_pw, ir.conv_dw = nn.Conv2d(48, 192, 1, bias=False), nn.Conv2d(192, 192, 3, groups=192, bias=False)
    cn, model = nn.Module(), nn.Module()
    cn.conv = nn.Conv2d(32, 16, 1, bias=False)
    model.conv_stem = nn.Conv2d(3, 32, 3, bias=False)
    model.blocks = nn.Sequential(nn.Sequential(cn), nn.Sequential(edge(32, 1), edge(32, 2)),
                                 nn.Sequential(edge(48, 1), edge(48, 3), edge(48, 1), edge(48, 3)), nn.Sequential(ir))
    model.classifier = nn.Linear(192, 1000)
    laws = {"conv_stem.weight": _he(9 * 32), "blocks.0.0.conv.weight": _he(16),
            "blocks.1.0.conv_exp.weight": _he(9 * 128),
            "blocks.1.1.conv_exp.weight": _he(9 * 128 // 2), "blocks.2.0.conv_exp.weight": _he(9 * 192),
            "blocks.2.1.conv_exp.weight": _he(9 * 192 // 3), "blocks.2.2.conv_exp.weight": _he(9 * 192),
            "blocks.2.3.conv_exp.weight": _he(9 * 192 // 3), "blocks.2.3.bn1.weight": ui.Constant(1.0),
            "blocks.3.0.conv_pw.weight": _he(192), "blocks.3.0.conv_dw.weight": _he(9),
            "classifier.weight": _default(1000), "classifier.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("mobilenet_edgetpu_v2_xs"), laws


def _lcnetv2():
    """PP-LCNetV2: the constructor's loop, every Conv2d He normal with torch's fan_out k*k*out (the depthwise ones
    too), biases 0 (the SE's); BN 1/0; the Linear classifier's bias 0, its weight torch's default."""
    blk = nn.Module()
    blk.dw_conv_list = nn.ModuleList([_ConvNormAct(48, 48, 5, groups=48), _ConvNormAct(48, 48, 3, groups=48)])
    blk.se = nn.Module()
    blk.se.fc1, blk.se.fc2 = nn.Conv2d(48, 12, 1), nn.Conv2d(12, 48, 1)
    blk.pw_conv = nn.Sequential(_ConvNormAct(48, 96, 1))
    model = nn.Module()
    model.stem = nn.Sequential(_ConvNormAct(3, 48, 3))
    model.stages = nn.Sequential(nn.Sequential(blk))
    model.conv_head, model.classifier = nn.Conv2d(96, 256, 1, bias=False), nn.Linear(256, 1000)
    b = "stages.0.0."
    laws = {"stem.0.conv.weight": _he(9 * 48), "stem.0.bn.weight": ui.Constant(1.0),
            b + "dw_conv_list.0.conv.weight": _he(25 * 48), b + "dw_conv_list.1.conv.weight": _he(9 * 48),
            b + "se.fc1.weight": _he(12), b + "se.fc1.bias": ui.Constant(0.0), b + "se.fc2.weight": _he(48),
            b + "se.fc2.bias": ui.Constant(0.0), b + "pw_conv.0.conv.weight": _he(96), "conv_head.weight": _he(256),
            "classifier.weight": _default(256), "classifier.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("lcnetv2_small"), laws


def _attn_pool(model, dim, width=4096):  # AttentionPoolLatent: latent trunc_normal_tf_(std=width ** -0.5), linears
    model.attn_pool = pool = nn.Module()  # 4096 wide: a KS test tells its law from twice it
    pool.latent = nn.Parameter(torch.ones(1, 1, width))
    pool.q, pool.kv, pool.proj, pool.norm = nn.Linear(width, dim), nn.Linear(dim, 2 * dim), nn.Linear(dim, dim), \
        nn.LayerNorm(dim)
    pool.mlp = nn.Module()
    pool.mlp.fc1, pool.mlp.fc2 = nn.Linear(dim, 4 * dim), nn.Linear(4 * dim, dim)
    s = width ** -0.5
    return {"attn_pool.latent": ui.TruncatedNormal(0, s, -2 * s, 2 * s), "attn_pool.q.weight": TRUNC,
            "attn_pool.kv.bias": ui.Constant(0.0), "attn_pool.mlp.fc2.weight": TRUNC,
            "attn_pool.mlp.fc2.bias": ui.Constant(0.0), "attn_pool.norm.weight": ui.Constant(1.0)}


def _vit_blocks(model, dim, n):  # a ViT's blocks: block l's attn.proj and mlp.fc2 trunc_normal_(.02) / sqrt(2 (l + 1))
    model.blocks = nn.Sequential(*(nn.Module() for _ in range(n)))
    laws = {}
    for i, b in enumerate(model.blocks):
        b.norm1, b.attn, b.mlp = nn.LayerNorm(dim), nn.Module(), nn.Module()
        b.attn.qkv, b.attn.proj = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)
        b.mlp.fc1, b.mlp.fc2 = nn.Linear(dim, 4 * dim), nn.Linear(4 * dim, dim)
        s = math.sqrt(2 * (i + 1))
        laws |= {f"blocks.{i}.attn.qkv.weight": TRUNC, f"blocks.{i}.attn.qkv.bias": ui.Constant(0.0),
                 f"blocks.{i}.attn.proj.weight": ui.TruncatedNormal(0, 0.02 / s, -2 / s, 2 / s),
                 f"blocks.{i}.mlp.fc2.weight": ui.TruncatedNormal(0, 0.02 / s, -2 / s, 2 / s),
                 f"blocks.{i}.mlp.fc1.weight": TRUNC, f"blocks.{i}.norm1.weight": ui.Constant(1.0)}
    return laws


def _pe_core():
    """eva.py's PE-core: EVA's init (BEiT's laws, no LayerScale) and an AttentionPoolLatent ('map' pooling)."""
    model = nn.Module()
    model.patch_embed = nn.Module()
    model.patch_embed.proj = nn.Conv2d(3, 64, 4, stride=4, bias=False)
    model.cls_token, model.pos_embed = nn.Parameter(torch.ones(1, 1, 64)), nn.Parameter(torch.ones(1, 17, 64))
    laws = _vit_blocks(model, 64, 2) | _attn_pool(model, 64)
    model.head = nn.Linear(64, 512)
    laws |= {"patch_embed.proj.weight": _default(48), "cls_token": TRUNC, "pos_embed": TRUNC,
             "head.weight": ui.TruncatedNormal(0, 0.00002, -0.002, 0.002), "head.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("vit_pe_core_tiny_patch16_384"), laws


def _naflexvit(name, value, pool):
    """NaFlexViT: init_weights_vit_timm (linears trunc_normal_(.02), biases 0), fix_init_weight (block l's attn.proj
    and mlp.fc2 / sqrt(2 (l + 1))), NaFlexEmbeds' cls/reg tokens N(0, 1e-12) and position tables N(0, .02^2) (a
    factorized pair or one grid), LayerScale init_values, AttentionPoolLatent's latent; no head scaling."""
    model = nn.Module()
    model.embeds = e = nn.Module()
    e.proj = nn.Linear(48, 64)
    e.cls_token, e.reg_token = nn.Parameter(torch.ones(1, 1, 64)), nn.Parameter(torch.ones(1, 4, 64))
    e.pos_embed_y, e.pos_embed_x = nn.Parameter(torch.ones(1, 8, 64)), nn.Parameter(torch.ones(1, 6, 64))
    laws = _vit_blocks(model, 64, 2)
    if value is not None:
        for i in range(2):
            b = model.get_submodule(f"blocks.{i}")
            b.ls1, b.ls2 = nn.Module(), nn.Module()
            b.ls1.gamma, b.ls2.gamma = nn.Parameter(torch.ones(64)), nn.Parameter(torch.ones(64))
            laws |= {f"blocks.{i}.ls1.gamma": ui.Constant(value), f"blocks.{i}.ls2.gamma": ui.Constant(value)}
    if pool:
        laws |= _attn_pool(model, 64)
    model.head = nn.Linear(64, 1000)
    laws |= {"embeds.proj.weight": TRUNC, "embeds.proj.bias": ui.Constant(0.0), "embeds.cls_token": ui.Normal(0, 1e-6),
             "embeds.reg_token": ui.Normal(0, 1e-6), "embeds.pos_embed_y": ui.Normal(0, 0.02),
             "embeds.pos_embed_x": ui.Normal(0, 0.02), "head.weight": TRUNC, "head.bias": ui.Constant(0.0)}
    return model, ui.presets.timm(name), laws


def _qwen3_vit(name):
    """Qwen3-VL's and DeepSeek's vision encoders and classifiers: every linear (blocks, merger or aligner, the
    classifier's head) trunc_normal_(.02), biases 0, the encoder's pos_embed the same; the patch conv torch's."""
    model = nn.Module()
    model.encoder = enc = nn.Module()
    enc.patch_embed = nn.Module()
    enc.patch_embed.proj = nn.Conv2d(3, 64, 4, stride=4)
    enc.pos_embed = nn.Parameter(torch.ones(1, 16, 64))
    enc.blocks = nn.Sequential(nn.Module())
    enc.blocks[0].attn, enc.blocks[0].norm1 = nn.Module(), nn.LayerNorm(64)
    enc.blocks[0].attn.qkv, enc.blocks[0].attn.proj = nn.Linear(64, 192), nn.Linear(64, 64)
    enc.merger = nn.Module()
    enc.merger.norm, enc.merger.fc1, enc.merger.fc2 = nn.LayerNorm(64), nn.Linear(256, 256), nn.Linear(256, 32)
    model.head = nn.Linear(32, 1000)
    laws = {"encoder.patch_embed.proj.weight": _default(48), "encoder.patch_embed.proj.bias": _default(48),
            "encoder.pos_embed": TRUNC, "encoder.blocks.0.attn.qkv.weight": TRUNC,
            "encoder.blocks.0.attn.proj.weight": TRUNC, "encoder.blocks.0.attn.proj.bias": ui.Constant(0.0),
            "encoder.blocks.0.norm1.weight": ui.Constant(1.0), "encoder.merger.fc1.weight": TRUNC,
            "encoder.merger.fc2.bias": ui.Constant(0.0), "head.weight": TRUNC, "head.bias": ui.Constant(0.0)}
    return model, ui.presets.timm(name), laws


def _gemma4_vit():
    """Gemma 4's vision encoder: init_weights_gemma4_vit, every linear trunc_normal_tf_(.02) (Gemma4ClippableLinear's
    inner nn.Linear), the patch embedding's position_embedding_table the same; the classifier's head, built after
    the encoder's init, torch's default weight and a zeroed bias."""
    model = nn.Module()
    model.encoder = enc = nn.Module()
    enc.patch_embed = nn.Module()
    enc.patch_embed.input_proj = nn.Linear(48, 64, bias=False)
    enc.patch_embed.position_embedding_table = nn.Parameter(torch.ones(2, 32, 64))
    enc.blocks = nn.Sequential(nn.Module())
    blk = enc.blocks[0]
    blk.attn, blk.mlp, blk.input_layernorm = nn.Module(), nn.Module(), nn.LayerNorm(64)
    blk.attn.q_proj, blk.mlp.down_proj = nn.Module(), nn.Module()
    blk.attn.q_proj.linear, blk.mlp.down_proj.linear = nn.Linear(64, 64, bias=False), nn.Linear(1024, 256, bias=False)
    model.head = nn.Linear(64, 1000)
    laws = {"encoder.patch_embed.input_proj.weight": TRUNC_TF, "encoder.patch_embed.position_embedding_table": TRUNC_TF,
            "encoder.blocks.0.attn.q_proj.linear.weight": TRUNC_TF, "encoder.blocks.0.mlp.down_proj.linear.weight":
            TRUNC_TF, "encoder.blocks.0.input_layernorm.weight": ui.Constant(1.0), "head.weight": _default(64),
            "head.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("gemma4_vit_167m"), laws


def _conv_norm(i, o, k=1, groups=1, conv="conv"):  # EfficientViT (MSRA)'s ConvNorm, SHViT's Conv2dNorm ("c")
    m = nn.Module()
    m.add_module(conv, nn.Conv2d(i, o, k, groups=groups, bias=False))
    m.bn = nn.BatchNorm2d(o)
    return m


def _residual(m: nn.Module) -> nn.Module:  # ResidualDrop, SHViT's Residual: the wrapped module is 'm'
    r = nn.Module()
    r.m = m
    return r


def _efficientvit_msra(arch: str):
    """EfficientViT (MSRA) and SHViT: no model-wide init; each ConvNorm's conv torch's default, its BatchNorm's
    weight bn_weight_init: 0 after each FFN's pw2 (the blocks' and the downsamples'), the attention's proj and each
    residual depthwise conv (dw0, dw1; SHViT's conv), 1 elsewhere (the downsample's residual depthwise conv);
    EfficientViT's attention_biases zeros; the NormLinear head trunc_normal_(.02), bias 0."""
    msra = arch.startswith("efficientvit")
    conv = "conv" if msra else "c"

    def ffn(dim):
        f = nn.Module()
        f.pw1, f.pw2 = _conv_norm(dim, 2 * dim, conv=conv), _conv_norm(2 * dim, dim, conv=conv)
        return f

    blk, attn = nn.Module(), nn.Module()
    attn.qkv = _conv_norm(64, 96, conv=conv)
    attn.proj = nn.Sequential(nn.ReLU(), _conv_norm(128, 64, conv=conv))
    if msra:
        attn.attention_biases = nn.Parameter(torch.ones(4, 49))
        blk.dw0, blk.ffn0 = _residual(_conv_norm(64, 64, 3, 64)), _residual(ffn(64))
        mixer_m = nn.Module()
        mixer_m.attn = attn
        blk.mixer = _residual(mixer_m)
        blk.dw1, blk.ffn1 = _residual(_conv_norm(64, 64, 3, 64)), _residual(ffn(64))
        mixer, last = "mixer.m.attn.", "dw1.m"
    else:
        blk.conv, blk.mixer, blk.ffn = _residual(_conv_norm(64, 64, 3, 64, "c")), _residual(attn), _residual(ffn(64))
        mixer, last = "mixer.m.", "conv.m"
    down = nn.Sequential(_residual(_conv_norm(64, 64, 3, 64, conv)), _residual(ffn(64)))
    model = nn.Module()
    model.stages = nn.Sequential(nn.Module(), nn.Module())
    model.stages[0].blocks = nn.Sequential(blk)
    model.stages[1].downsample = down
    model.head = nn.Module()
    head = "linear" if msra else "l"
    model.head.bn = nn.BatchNorm1d(64)
    model.head.add_module(head, nn.Linear(64, 1000))
    b, d = "stages.0.blocks.0.", "stages.1.downsample."
    laws = {b + f"{mixer}qkv.{conv}.weight": _default(64), b + f"{mixer}qkv.bn.weight": ui.Constant(1.0),
            b + f"{mixer}proj.1.{conv}.weight": _default(128), b + f"{mixer}proj.1.bn.weight": ui.Constant(0.0),
            b + f"{mixer}proj.1.bn.bias": ui.Constant(0.0), b + f"{last}.{conv}.weight": _default(9),
            b + f"{last}.bn.weight": ui.Constant(0.0), d + f"0.m.{conv}.weight": _default(9),
            d + "0.m.bn.weight": ui.Constant(1.0), d + "1.m.pw1.bn.weight": ui.Constant(1.0),
            d + "1.m.pw2.bn.weight": ui.Constant(0.0), d + f"1.m.pw2.{conv}.weight": _default(128),
            "head.bn.weight": ui.Constant(1.0), f"head.{head}.weight": TRUNC, f"head.{head}.bias": ui.Constant(0.0)}
    if msra:
        laws |= {b + "dw0.m.bn.weight": ui.Constant(0.0), b + "ffn0.m.pw2.bn.weight": ui.Constant(0.0),
                 b + "ffn1.m.pw1.bn.weight": ui.Constant(1.0), b + "ffn1.m.pw2.bn.weight": ui.Constant(0.0),
                 b + f"{mixer}attention_biases": ui.Constant(0.0)}
    else:
        laws |= {b + "ffn.m.pw2.bn.weight": ui.Constant(0.0), b + "ffn.m.pw1.bn.weight": ui.Constant(1.0)}
    return model, ui.presets.timm(arch), laws


def _efficientvim():
    """EfficientViM's init_weights: the heads' fusion weights (weights, weights_dist) 1; nn.Linear (the heads)
    trunc_normal_(.02), bias 0; every BatchNorm reset to 1/0 (its bn_weight_init 0 undone); convs (Conv1d, Conv2d)
    torch's default; each block's alpha 1e-4; HSMSSD's A U(1, 16) (a_init_range), D 1."""
    def conv_layer(i, o, k, groups=1, d=2):
        m = nn.Module()
        m.conv = (nn.Conv2d if d == 2 else nn.Conv1d)(i, o, k, groups=groups, bias=False)
        m.norm = nn.BatchNorm2d(o)
        return m

    blk = nn.Module()
    blk.alpha = nn.Parameter(torch.ones(4, 64))
    blk.dwconv1, blk.mixer = conv_layer(64, 64, 3, 64), nn.Module()
    blk.mixer.A, blk.mixer.D = nn.Parameter(torch.empty(256)), nn.Parameter(torch.empty(1))
    blk.mixer.BCdt_proj = conv_layer(64, 768, 1, d=1)
    model = nn.Module()
    model.stages = nn.Sequential(nn.Module())
    model.stages[0].blocks = nn.Sequential(blk)
    model.weights, model.weights_dist = nn.Parameter(torch.empty(4)), nn.Parameter(torch.empty(4))
    model.heads, model.heads_dist = nn.ModuleList([nn.Linear(64, 1000)]), nn.ModuleList([nn.Linear(64, 1000)])
    b = "stages.0.blocks.0."
    laws = {"weights": ui.Constant(1.0), "weights_dist": ui.Constant(1.0), b + "alpha": ui.Constant(1e-4),
            b + "dwconv1.conv.weight": _default(9), b + "dwconv1.norm.weight": ui.Constant(1.0),
            b + "mixer.A": ui.Uniform(1, 16), b + "mixer.D": ui.Constant(1.0),
            b + "mixer.BCdt_proj.conv.weight": _default(64), "heads.0.weight": TRUNC, "heads.0.bias": ui.Constant(0.0),
            "heads_dist.0.weight": TRUNC, "heads_dist.0.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("efficientvim_m1"), laws


def _csatv2():
    """CSATv2's _init_weights: nn.Conv2d and nn.Linear trunc_normal_(.02), biases 0; each block's
    GlobalResponseNorm weight and bias 0 (its constructor's); LayerNorm 1/0."""
    blk = nn.Module()
    blk.dwconv, blk.norm = nn.Conv2d(64, 64, 7, groups=64), nn.LayerNorm(64)
    blk.pwconv1, blk.grn = nn.Linear(64, 256), nn.Module()
    blk.grn.weight, blk.grn.bias = nn.Parameter(torch.ones(256)), nn.Parameter(torch.ones(256))
    model = nn.Module()
    model.stages = nn.Sequential(nn.Sequential(blk))
    model.head = nn.Module()
    model.head.fc = nn.Linear(64, 1000)
    laws = {"stages.0.0.dwconv.weight": TRUNC, "stages.0.0.dwconv.bias": ui.Constant(0.0),
            "stages.0.0.norm.weight": ui.Constant(1.0), "stages.0.0.pwconv1.weight": TRUNC,
            "stages.0.0.pwconv1.bias": ui.Constant(0.0), "stages.0.0.grn.weight": ui.Constant(0.0),
            "stages.0.0.grn.bias": ui.Constant(0.0), "head.fc.weight": TRUNC, "head.fc.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("csatv2"), laws


def _regnetv():
    """regnet.py's RegNetV (PreBottleneck: bare convs after each norm) and RegNetZ: _init_weights' N(0, 2/fan_out),
    timm's fan_out k*k*out/groups (the grouped conv2: in = out), biases 0, linear N(0, 0.01^2); nothing zeroed
    (PreBottleneck's zero_init_last does nothing, RegNetZ is built with zero_init_last=False)."""
    pre, z = nn.Module(), nn.Module()
    pre.norm1, pre.conv1, pre.norm2 = nn.BatchNorm2d(32), nn.Conv2d(32, 48, 1, bias=False), nn.BatchNorm2d(48)
    pre.conv2, pre.norm3 = nn.Conv2d(48, 48, 3, groups=6, bias=False), nn.BatchNorm2d(48)
    pre.se = nn.Module()
    pre.se.fc1 = nn.Conv2d(48, 8, 1)
    pre.conv3 = nn.Conv2d(48, 32, 1, bias=False)
    z.conv1, z.conv2, z.conv3 = _ConvNormAct(32, 128, 1), _ConvNormAct(128, 128, 3, groups=16), _ConvNormAct(128, 32, 1)
    model = nn.Module()
    model.stem = _ConvNormAct(3, 32, 3)
    model.s1 = nn.Sequential()
    model.s1.add_module("b1", pre)
    model.s1.add_module("b2", z)
    model.head = nn.Module()
    model.head.fc = nn.Linear(32, 1000)
    laws = {"stem.conv.weight": _he(9 * 32), "s1.b1.norm1.weight": ui.Constant(1.0), "s1.b1.conv1.weight": _he(48),
            "s1.b1.conv2.weight": _he(9 * 48 // 6), "s1.b1.se.fc1.weight": _he(8),
            "s1.b1.se.fc1.bias": ui.Constant(0.0),
            "s1.b1.norm3.weight": ui.Constant(1.0), "s1.b1.conv3.weight": _he(32),
            "s1.b2.conv1.conv.weight": _he(128), "s1.b2.conv2.conv.weight": _he(9 * 128 // 16),
            "s1.b2.conv3.conv.weight": _he(32), "s1.b2.conv3.bn.weight": ui.Constant(1.0),
            "head.fc.weight": ui.Normal(0, 0.01), "head.fc.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("regnetv_040"), laws


def _sequencer():
    """Sequencer2D, read as MLP-Mixer: its _init_weights draws the stem conv lecun_normal_, bias 0, linear layers
    xavier_uniform_, biases N(0, 1e-12) under 'mlp' (mlp_channels) and 0 elsewhere (rnn_tokens.fc), the head 0/0,
    and each LSTM's every weight and bias U(+-1/sqrt(hidden)): torch's LSTM default, drawn again."""
    blk = nn.Module()
    blk.norm1, blk.rnn_tokens = nn.LayerNorm(64), nn.Module()
    blk.rnn_tokens.rnn_v = nn.LSTM(64, 16, batch_first=True, bidirectional=True)
    blk.rnn_tokens.fc = nn.Linear(128, 64)
    blk.mlp_channels = nn.Module()
    blk.mlp_channels.fc1 = nn.Linear(64, 192)
    model = nn.Module()
    model.stem = nn.Module()
    model.stem.proj = nn.Conv2d(3, 64, 7, stride=7)
    model.stages = nn.Sequential(nn.Module())
    model.stages[0].blocks = nn.Sequential(blk)
    model.head = nn.Module()
    model.head.fc = nn.Linear(64, 1000)
    sigma = 1 / (0.87962566103423978 * math.sqrt(147))
    lstm = ui.Uniform(-0.25, 0.25)  # 1/sqrt(16)
    b = "stages.0.blocks.0."
    laws = {"stem.proj.weight": ui.TruncatedNormal(0, sigma, -2 * sigma, 2 * sigma), "stem.proj.bias": ui.Constant(0.0),
            b + "norm1.weight": ui.Constant(1.0), b + "rnn_tokens.rnn_v.weight_ih_l0": lstm,
            b + "rnn_tokens.rnn_v.weight_hh_l0_reverse": lstm, b + "rnn_tokens.rnn_v.bias_ih_l0": lstm,
            b + "rnn_tokens.rnn_v.bias_hh_l0_reverse": lstm, b + "rnn_tokens.fc.weight": _xavier(128, 64),
            b + "rnn_tokens.fc.bias": ui.Constant(0.0), b + "mlp_channels.fc1.weight": _xavier(64, 192),
            b + "mlp_channels.fc1.bias": ui.Normal(0, 1e-6), "head.fc.weight": ui.Constant(0.0),
            "head.fc.bias": ui.Constant(0.0)}
    return model, ui.presets.timm("sequencer2d_s"), laws


Family = Callable[[], tuple[nn.Module, ui.Plan, dict[str, ui.Spec]]]  # a stand-in, its plan, its laws by name
FAMILIES: dict[str, Family] = {
            "resnet-basic": lambda: _resnet("resnet18"), "resnet-bottleneck": lambda: _resnet("resnet50"),
            "sknet": _sknet, "resnetv2": _resnetv2, "densenet": _densenet, "regnet": _regnet,
            "efficientnet": _efficientnet, "convnext": _convnext, "convnextv2": _convnextv2,
            "vit": _vit, "deit3": lambda: _vit_layer_scale("deit3_small_patch16_224", 1e-6),
            "vit-reg": lambda: _vit_layer_scale("vit_wee_patch16_reg1_gap_256", 1e-5),
            "tipsv2": lambda: _vit_layer_scale("vit_base_patch14_reg1_tipsv2", 1.0),
            "intern": lambda: _vit_layer_scale("vit_intern300m_patch14_448", 0.1),
            "deit-distilled": lambda: _vit_layer_scale("deit_tiny_distilled_patch16_224", None),
            "beit": lambda: _beit("beit_base_patch16_224", 0.1),
            "beitv2": lambda: _beit("beitv2_base_patch16_224", 1e-5),
            "eva02": lambda: _beit("eva02_tiny_patch14_224", None), "swin": _swin, "swinv2": _swinv2,
            "mixer": lambda: _mixer("gmlp_s16_224", None), "resmlp": lambda: _mixer("resmlp_24_224", 1e-5),
            "cait": lambda: _cait("cait_s36_384", 1e-6), "cait-family": lambda: _cait("cait", None),
            "maxvit": lambda: _maxvit("maxxvit_rmlp_tiny_rw_256", TRUNC),
            "maxvit-tf": lambda: _maxvit("maxvit_tiny_tf_224", ui.Normal(0, 0.02)), "coatnet": _coatnet,
            "inception_v3": _inception_v3, "hrnet": _hrnet, "nfnet": lambda: _nfnet("eca_nfnet_l0"),
            "dm_nfnet": lambda: _nfnet("dm_nfnet_f0"), "cspnet": lambda: _cspnet("cspresnet50"),
            "darknet": lambda: _cspnet("cs3darknet_s"), "tresnet": lambda: _tresnet("tresnet_m"),
            "tresnet_v2": lambda: _tresnet("tresnet_v2_l"), "vovnet": _vovnet, "vgg": _vgg, "hgnet": _hgnet,
            "repvit": _repvit, "starnet": _starnet, "edgenext": _edgenext,
            "poolformer": lambda: _metaformer("poolformer_s36", 1e-6),
            "caformer": lambda: _metaformer("caformer_s18", None), "mambaout": _mambaout, "rdnet": _rdnet,
            "xcit": lambda: _xcit("xcit_tiny_24_p16_224", 1e-5),
            "xcit-family": lambda: _xcit("crossvit_tiny_240", None),
            "pvt_v2": _pvt_v2, "pit": _pit, "levit": _levit, "focalnet": _focalnet, "fastvit": _fastvit,
            "hiera": lambda: _hiera("hiera_tiny_224"), "hiera-abswin": lambda: _hiera("hiera_small_abswin_256"),
            "mvitv2": _mvitv2, "nest": _nest, "swiftformer": _swiftformer, "tnt": _tnt, "visformer": _visformer,
            "gcvit": _gcvit, "efficientformer": _efficientformer,
            "vit_relpos": lambda: _vit_relpos("vit_relpos_small_patch16_224"),
            "vit_relpos_rpn": lambda: _vit_relpos("vit_relpos_small_patch16_rpn_224"), "swinv2_cr": _swinv2_cr,
            "convit": _convit, "byobnet": _byobnet,
            "gernet": lambda: _byob_last("gernet_s", (0, 1), ()),
            "regnetz": lambda: _byob_last("regnetz_b16", (), ((0, 0), (1, 0), (2, 0))),
            "regnetz_d": lambda: _byob_last("regnetz_d8", (), ((1, 0), (2, 0))),
            "byobnet-last": lambda: _byob_last("resnet33ts", (), ()),
            "repvgg": lambda: _repvgg("repvgg_b1g4"), "mobileone": lambda: _repvgg("mobileone_s4"),
            "vit-layers": _vit_layers, "vit_rpn": _vit_rpn, "vit_glu": _vit_glu, "gmixer": _gmixer,
            "vit_hybrid": lambda: _vit_hybrid("vit_small_r26_s32_224"),
            "vit_hybrid-resnet": lambda: _vit_hybrid("vit_small_resnet26d_224"), "samvit": _samvit,
            "vitamin": _vitamin, "hieradet": _hieradet, "resnet_test": _resnet_test,
            "maxvit_normal": _maxvit_normal,
            "mobilenetv4": _mobilenetv4, "mobilenet_edgetpu_v2": _mobilenet_edgetpu_v2, "lcnetv2": _lcnetv2,
            "pe_core": _pe_core, "sapiens2": lambda: _beit("vit_base_patch16_sapiens2", 1.0),
            "naflexvit": lambda: _naflexvit("naflexvit_base_patch16_map", 1e-5, True),
            "naflexvit-family": lambda: _naflexvit("naflexvit", None, False),
            "qwen3_vit": lambda: _qwen3_vit("qwen3_vit_88m_merge"),
            "deepseek_vit": lambda: _qwen3_vit("deepseek_vit_412m"),
            "gemma4_vit": _gemma4_vit,
            "efficientvit_msra": lambda: _efficientvit_msra("efficientvit_m0"),
            "shvit": lambda: _efficientvit_msra("shvit_s1"), "efficientvim": _efficientvim, "csatv2": _csatv2,
            "regnetv": _regnetv, "sequencer": _sequencer}


# the smallest model of each family (and of each block: BasicBlock, Bottleneck, grouped SE Bottleneck, BlurPool,
# ResNeSt's split attention, SK's selective kernels, ResNetV2's pre-activation; of each EfficientNet builder: grouped
# conv_dw with GroupNorm, tf_ padding, Lite, V2's EdgeResidual, MixNet's MixedConv2d...)
TIMM_MODELS = ("resnet18", "resnet26d", "seresnext26d_32x4d", "resnetblur18", "resnest14d", "skresnet18",
               "resnetv2_18", "resnetv2_50x1_bit", "densenet121", "regnetx_002", "regnety_002", "efficientnet_b0",
               "efficientnet_b0_g8_gn", "tf_efficientnet_b0", "efficientnet_lite0", "tf_efficientnetv2_b0",
               "mixnet_s", "tf_mixnet_s", "mobilenetv2_035", "mnasnet_small", "semnasnet_050", "spnasnet_100",
               "fbnetc_100", "tinynet_e", "lcnet_035", "mobilenetv3_small_100", "mobilenetv3_rw",
               "tf_mobilenetv3_small_minimal_100", "convnext_atto", "convnextv2_atto", "vit_tiny_patch16_224",
               "deit_tiny_distilled_patch16_224", "deit3_small_patch16_224", "vit_wee_patch16_reg1_gap_256",
               "vit_xsmall_patch16_clip_224", "swin_tiny_patch4_window7_224", "swinv2_tiny_window8_256",
               "mixer_s32_224", "resmlp_12_224", "gmlp_ti16_224", "hrnet_w18_small", "dla46_c", "rexnet_100",
               "ghostnet_050", "efficientvit_b0", "test_nfnet", "cspresnet50", "darknet17", "cspnext_tiny",
               "ese_vovnet19b_slim_dw", "eca_vovnet39b", "selecsls42", "dpn48b", "repghostnet_050", "hardcorenas_a",
               "hgnet_tiny", "hgnetv2_b0", "repvit_m0_9", "starnet_s050", "edgenext_xx_small", "mambaout_femto",
               "poolformer_s12", "levit_128s", "levit_conv_128s", "pvt_v2_b0", "pit_ti_distilled_224",
               "gcresnext26ts", "gernet_s", "regnetz_b16", "repvgg_a0",
               "mobileone_s0", "botnet26t_256", "halonet26t", "lambda_resnet26t",
               "mobilevit_xxs", "mobilevitv2_050", "legacy_seresnet18", "swin_s3_tiny_224", "regnetx_004_tv",
               "gc_efficientnetv2_rw_t", "test_vit", "test_vit2", "test_vit3", "test_vit4", "ecaresnet50d_pruned",
               "vit_small_patch16_rope_mixed_224",
               "efficientnet_b1_pruned", "test_resnet", "mobilenetv4_conv_small", "mobilenetv4_hybrid_medium",
               "mobilenet_edgetpu_v2_xs", "lcnetv2_small", "convnext_zepto_rms",
               "cpubone_nano", "lowformer_b0", "efficientvit_m0", "shvit_s1",
               "efficientvim_m1_dist", "csatv2", "regnetz_005", "regnetv_040", "test_maxvit", "test_coatnet",
               "test_efficientnet_evos", "regnetz_b16_evos", "test_byobnet", "efficientnet_cc_b0_4e")

# larger models of a variant whose rule or block no model above checks (a LayerScale value; ECA's Conv1d, ResNet-RS's
# SE, GroupNorm, Res2Net's Bottle2neck, SK's Bottleneck, ResNetV2's GroupNorm), and BEiT's and EVA's (block 1's
# output layers scaled unlike block 0's), built with fewer blocks: the same constructor, given its own argument for
# the number of blocks
_ONE, _TWO = dict(layers=(1, 1, 1, 1)), dict(depth=2)
_DEPTHS = dict(depths=(1, 1, 1, 1))
_NARROW = _DEPTHS | dict(embed_dim=(32, 64, 96, 128))
_QUARTER, _HALF = dict(width_factor=0.25), dict(width_factor=0.5)
TIMM_SHALLOW = {"vit_base_patch14_reg1_tipsv2": _TWO, "vit_intern300m_patch14_448": _TWO,
                "vit_base_patch16_rope_mixed_ape_224": _TWO,
                "ecaresnet26t": _ONE, "resnetrs50": _ONE, "resnet50_gn": _ONE, "res2net50_48w_2s": _ONE,
                "skresnet50": _ONE, "resnetv2_50d_gn": _ONE, "beit_base_patch16_224": _TWO,
                "beitv2_base_patch16_224": _TWO, "eva02_tiny_patch14_224": _TWO, "vit_tiny_patch16_dinov3_qkvb": _TWO,
                "vit_pe_lang_large_patch14_448": _TWO, "cait_xxs24_224": _TWO, "cait_s36_384": _TWO,
                # MaxViT, MaxxViT (ConvNeXt blocks, LayerScale), parallel MaxViT, the TF ports (RelPosBiasTf),
                # CoAtNet and CoAtNet with RelPosMlp: one block a stage (MaxxVit's depths), the tiny ones narrower too
                "maxvit_pico_rw_256": _DEPTHS, "maxxvit_rmlp_tiny_rw_256": _DEPTHS, "maxvit_tiny_pm_256": _NARROW,
                "maxvit_tiny_tf_224": _NARROW, "coatnet_pico_rw_224": _DEPTHS, "coatnet_rmlp_nano_rw_224": _DEPTHS,
                # CoAtNeXt: weight_init='normal' where an init_weights reaches, its ConvNeXt blocks torch's defaults
                "coatnext_nano_rw_224": _DEPTHS,
                # CoAtNet whose stages 2 and 3 open with a conv block: two blocks there, a conv and a transformer one
                "coatnet_nano_cc_224": dict(depths=(1, 1, 2, 2)),
                # Inception v3 with its auxiliary classifier (AuxLogits.fc's own stddev), 10 classes
                "inception_v3": dict(aux_logits=True, num_classes=10),
                # NFNet with skipinit (dm_), ECA after conv3 (attn_last), NF-RegNet's SE; TResNet M (BasicBlocks in
                # layer1 and layer2) and V2 (Bottlenecks only): one block a stage
                "dm_nfnet_f0": _DEPTHS, "nf_ecaresnet26": _DEPTHS, "nf_regnet_b0": _DEPTHS,
                "tresnet_m": dict(layers=[1, 1, 1, 1]), "tresnet_v2_l": dict(layers=[1, 1, 1, 1]),
                # VGG with a narrower pre_logits (mlp_ratio: 256 hidden channels); FasterNet, InceptionNeXt (gamma),
                # MambaOut with LayerScale and RDNet (gamma): one block a stage
                "vgg11_bn": dict(mlp_ratio=0.0625, num_classes=10), "fasternet_t0": _DEPTHS,
                "inception_next_atto": _DEPTHS, "mambaout_small_rw": _DEPTHS,
                "rdnet_tiny": dict(num_blocks_list=[1] * 7),
                # XCiT (eta 1, the class-attention blocks, LPI's depthwise convs), Twins (PosConv), DaViT, CoaT
                # (serial and parallel blocks); VOLO's, CrossViT's and FocalNet's registered functions fix the depth
                # (a full one takes a minute here): their laws are the stand-ins' and the sweep's
                "xcit_nano_12_p16_224": _TWO, "twins_svt_small": _DEPTHS, "davit_tiny": _DEPTHS,
                "coat_tiny": dict(serial_depths=(1, 1, 1, 1), parallel_depth=1),
                # FastViT's RepMixer and attention stages, Hiera (block l's output layers scaled) and its abswin
                # (jax init, LayerScale), TNT, Visformer, TinyViT, EfficientFormer V1 and V2, SwiftFormer, ViT-RelPos
                # with pre-norm and res-post-norm blocks, swinv2_cr, ConViT (one GPSA block, one MHSA block)
                "fastvit_t8": dict(layers=(1, 1, 1, 1)), "fastvit_sa12": dict(layers=(1, 1, 1, 1)),
                "hiera_tiny_224": dict(stages=(1, 1, 1, 1)), "hiera_small_abswin_256": dict(stages=(1, 1, 1, 1)),
                "tnt_s_patch16_224": _TWO, "visformer_tiny": dict(depth=(1, 1, 1)), "tiny_vit_5m_224": _DEPTHS,
                "efficientformer_l1": dict(depths=(1, 1, 1, 2), num_vit=1),
                "efficientformerv2_s0": dict(depths=(1, 1, 2, 2)), "swiftformer_xs": dict(layers=(1, 1, 1, 1)),
                "vit_relpos_small_patch16_224": _TWO, "vit_relpos_small_patch16_rpn_224": _TWO,
                "swinv2_cr_tiny_224": _DEPTHS, "convit_tiny": dict(depth=2, local_up_to_layer=1),
                # ByobNet a quarter or half as wide (its width_factor): CLIP's AttentionPool2d, RegNetZ-D (stage 0's
                # first block has a shortcut), resnet61q's EdgeBlock and conv2b_kxk, ECA, RepVGG's groups, MobileOne's
                # SE, LambdaLayer's pos_emb
                "resnet50_clip": _QUARTER, "regnetz_d8": _QUARTER, "resnet61q": _HALF, "eca_resnext26ts": _HALF,
                "repvgg_b1g4": _QUARTER, "mobileone_s4": _QUARTER, "lambda_resnet26rpt_256": _QUARTER,
                # ViTs with other blocks: ParallelThingsBlock, ResPostBlock, ParallelScalingBlock (mlp_bias; ls),
                # DiffParallelScalingBlock, DiffAttention, AIMv2's SwiGLU and RMS norms, DINOv2-g's SwiGLUPacked
                # (these two narrower)
                "vit_small_patch16_18x2_224": _TWO, "vit_base_patch16_rpn_224": _TWO, "vit_base_patch16_xp_224": _TWO,
                "vit_pwee_patch16_reg1_gap_256": _TWO, "vit_dpwee_patch16_reg1_gap_256": _TWO,
                "vit_dwee_patch16_reg1_gap_256": _TWO,
                "aimv2_large_patch14_224": dict(depth=3, embed_dim=256, num_heads=4),  # no biases: three blocks
                "vit_giant_patch14_dinov2": dict(depth=2, embed_dim=384, num_heads=6),
                # hybrid ViTs on a ResNetV2 (norm3 zeroed by the ViT init) and a ResNet backbone, on a bare stem;
                # SAM's ViT (rel_pos tables, neck), ViTamin (MbConv backbone, GeGLU MLP), SAM2's HieraDet with and
                # without LayerScale: two blocks, or one a stage
                "vit_small_r26_s32_224": _TWO, "vit_small_resnet26d_224": _TWO, "vit_tiny_r_s16_p8_224": _TWO,
                "samvit_base_patch16_224": _TWO, "vitamin_small_224": _TWO,
                "sam2_hiera_tiny": dict(stages=(1, 1, 1, 1), global_att_blocks=(2,)),
                "hieradet_small": dict(stages=(1, 1, 1, 1), global_att_blocks=(2,)),
                # MaxxViT's weight_init='normal' (MBConv and ConvNeXt conv blocks, RelPosMlp): one block a stage
                "maxxvit_rmlp_nano_rw_256": _DEPTHS, "maxxvitv2_nano_rw_256": _DEPTHS,
                # MobileNetV5 (RmsNorm2d, the multi-scale fusion adapter) a quarter as wide; ConvNeXt with RmsNorm2d
                "mobilenetv5_base": dict(channel_multiplier=0.25), "convnext_atto_rms": _DEPTHS,
                # PE-core's attention pool, Sapiens2 (gamma_1 only; block 1 grouped-query), NaFlexViT with its pool
                # and LayerScale, with a factorized position table; Qwen3-VL's merger, DeepSeek's aligner, Gemma 4
                "vit_pe_core_tiny_patch16_384": _TWO, "vit_base_patch16_sapiens2": dict(depth=2, num_kv_heads=(12, 6)),
                "naflexvit_base_patch16_map": _TWO, "naflexvit_base_patch16_parfac_gap": _TWO,
                "qwen3_vit_88m_merge": _TWO, "deepseek_vit_412m_align": _TWO, "gemma4_vit_167m": _TWO,
                # iFormer (one attention group a stage; iformer_h's gamma 1e-6), NextViT, Sequencer's LSTMs:
                # fewer blocks
                "iformer_t": dict(depths=(1, 1, 3, 3), attn_groups=(0, 0, 1, 1)),
                "iformer_h": dict(depths=(1, 1, 3, 3), attn_groups=(0, 0, 1, 1)),
                "nextvit_small": dict(depths=(1, 1, 5, 1)),
                "sequencer2d_s": dict(layers=(1, 1, 1, 1)),
                # EvoNorm (B0 with v and a running_var, S0a) and FilterResponseNorm (tau) in their families' models
                "resnetv2_50d_evos": _ONE, "resnetv2_50d_frn": _ONE}


def _timm_class(module: str, cls: str, **kwargs):  # a model's class built directly: its builder fixes the depths
    return lambda timm: getattr(getattr(timm.models, module), cls)(**kwargs)


# NesT, GC ViT (and GC ViT-S's LayerScale) and MViTv2 (with its class token), whose builders take no depths: their
# classes, with the model's arguments and one block a level or stage
TIMM_CLASSES = {"nest_tiny": _timm_class("nest", "Nest", embed_dims=(96, 192, 384), num_heads=(3, 6, 12),
                                         depths=(1, 1, 1)),
                "gcvit_xxtiny": _timm_class("gcvit", "GlobalContextVit", depths=(1, 1, 1, 1), num_heads=(2, 4, 8, 16)),
                "gcvit_small": _timm_class("gcvit", "GlobalContextVit", depths=(1, 1, 1, 1), num_heads=(3, 6, 12, 24),
                                           embed_dim=96, mlp_ratio=2, layer_scale=1e-5),
                "mvitv2_small_cls": lambda timm: timm.models.mvitv2.MultiScaleVit(timm.models.mvitv2.MultiScaleVitCfg(
                    depths=(1, 1, 1, 1), use_cls_token=True)),
                # the GLU Mixer, whose builder fixes num_blocks: two blocks
                "gmixer_12_224": lambda timm: timm.models.mlp_mixer.MlpMixer(
                    patch_size=16, num_blocks=2, embed_dim=384, mlp_ratio=(1.0, 4.0), mlp_layer=timm.layers.GluMlp,
                    act_layer=nn.SiLU)}


@pytest.fixture(scope="module")
def timm():
    return timm_module()


@pytest.mark.parametrize("name", TIMM_MODELS)
def test_the_recipe_reproduces_timms_own_model(timm, name):
    assert reproduces(lambda: timm.create_model(name), lambda _: ui.presets.timm(name), name, statistics=True) > 20


@pytest.mark.parametrize("name", TIMM_SHALLOW)
def test_the_recipe_reproduces_timms_own_model_with_fewer_blocks(timm, name):
    build = lambda: timm.create_model(name, **TIMM_SHALLOW[name])  # noqa: E731
    assert reproduces(build, lambda _: ui.presets.timm(name), name, statistics=True) > 20


@pytest.mark.parametrize("name", TIMM_CLASSES)
def test_the_recipe_reproduces_timms_own_model_class_with_fewer_blocks(timm, name):
    assert reproduces(lambda: TIMM_CLASSES[name](timm), lambda _: ui.presets.timm(name), name, statistics=True) > 20


# features_only builds: the model in timm's feature wrapper, which renames its modules: FeatureListNet flattens each
# nn.Sequential child of the model into its own children ("stages.0" -> "stages_0"), FeatureGetterNet holds the model
# as "model"; the family rules name the model's own paths. Fewer stages (out_indices: timm leaves out the modules
# after the last one returned) or blocks, to be quick: MobileOne's depthwise convs, RegNetZ's and CSPResNet's zeroed
# last norms (stage 1, where RegNetZ's first blocks keep 1), BEiT's depth-scaled output layers of block 1
TIMM_FEATURES = {"mobileone_s0": dict(out_indices=(0, 1)), "regnetz_b16": dict(out_indices=(0, 1, 2)),
                 "cspresnet50": dict(out_indices=(0, 1)),
                 "beit_base_patch16_224": dict(depth=2, out_indices=2, embed_dim=96, num_heads=3)}


@pytest.mark.parametrize("name", TIMM_FEATURES)
def test_the_recipe_reproduces_timms_own_features_only_model(timm, name):
    # timm's own init of the same build under another seed, tensor by tensor (``reproduces``): constants exactly,
    # draws by a two-sample KS test at compare.ALPHA (1e-6: a correct recipe fails one tensor's with that chance)
    build = lambda: timm.create_model(name, features_only=True, **TIMM_FEATURES[name])  # noqa: E731
    assert reproduces(build, lambda _: ui.presets.timm(name), name, statistics=True) > 20


# and timm's FeatureHookNet: holding the whole model as "body" (PiT), or flattening it as FeatureListNet does
TIMM_HOOKED = {"pit_ti_224": dict(depth=(1, 1, 1)), "xception41p": dict(out_indices=(0, 1))}


@pytest.mark.parametrize("name", TIMM_FEATURES | TIMM_HOOKED)
def test_a_features_only_model_is_keyed_and_drawn_as_the_model_it_wraps(timm, name):
    """Each parameter of the features_only model has the model's own path among its ``names``, and the model's
    key: the seed gives it the model's portable values (the wrapper leaves out the modules after the last one it
    returns: the others are the same)."""
    given = (TIMM_FEATURES | TIMM_HOOKED)[name]
    kwargs = {k: v for k, v in given.items() if k != "out_indices"}
    features, model = timm.create_model(name, features_only=True, **given), timm.create_model(name, **kwargs)
    report = ui.presets.timm(name).apply(features, seed=5, portable=True)
    keys = {e.param.path: e.param.key for e in ui.presets.timm(name).apply(model, seed=5, portable=True).entries}
    own = dict(model.named_parameters()) | dict(model.named_buffers())
    ours = dict(features.named_parameters()) | dict(features.named_buffers())
    for e in report.entries:
        [path] = [n for n in e.param.names if n in keys] or [e.param.path]
        assert e.param.key == keys[path], path
        assert torch.equal(ours[e.param.path.replace("/", ".")], own[path.replace("/", ".")]), path


def test_convits_gpsa_starts_local():
    """ConViT's GPSA.local_init: v the identity; pos_proj's row for head h1 + 2 h2 (ConViT-Ti: 4 heads, a 2x2 grid
    centred at 0.5) is (2 (h2 - 0.5), 2 (h1 - 0.5), -1) times locality_strength 1."""
    model, plan, _ = _convit()
    poison(model)
    plan.apply(model, seed=0)
    weights = {k: v.detach().numpy() for k, v in model.named_parameters()}
    np.testing.assert_array_equal(weights["blocks.0.attn.v.weight"], np.eye(64))
    np.testing.assert_array_equal(weights["blocks.0.attn.pos_proj.weight"],
                                  [[-1, -1, -1], [-1, 1, -1], [1, -1, -1], [1, 1, -1]])


@pytest.mark.parametrize("name", ["resnet18", "resnet50"])
def test_torchvisions_resnet_recipe_with_zero_init_residual_is_timms_resnet(timm, name):
    plan = ui.presets.torchvision(name, zero_init_residual=True)
    assert reproduces(lambda: timm.create_model(name), lambda _: plan, name, statistics=True) > 50


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_gives_each_parameter_the_law_of_timms_constructor(family):
    torch.manual_seed(0)
    constructor_laws(*FAMILIES[family](), family)


def test_a_ported_efficientnet_block_gets_timms_laws_in_keras_whose_tensors_are_kernels():
    """The rules select timm's module paths whatever the framework calls the tensor: a Keras port's
    ``conv_dw/kernel`` gets the depthwise law N(0, 2/(k*k)) and its pointwise conv N(0, 2/out), from Keras's own
    (kh, kw, in, multiplier) and (kh, kw, in, out) layouts."""
    keras = pytest.importorskip("keras")

    class Block(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.conv_dw = keras.layers.DepthwiseConv2D(3, use_bias=False, name="conv_dw")
            self.conv_pw = keras.layers.Conv2D(96, 1, use_bias=False, name="conv_pw")

        def call(self, x):
            return self.conv_pw(self.conv_dw(x))

    block = Block(name="blocks_0_0")
    inputs = keras.Input((8, 8, 64))
    model = keras.Model(inputs, block(inputs))
    report = ui.presets.timm("efficientnet_b0").apply(model, seed=0)
    assert not report.unmatched
    dw = np.asarray(keras.ops.convert_to_numpy(block.conv_dw.kernel))  # (3, 3, 64, 1): in = out, groups 64
    pw = np.asarray(keras.ops.convert_to_numpy(block.conv_pw.kernel))  # (1, 1, 64, 96)
    assert stats.check(dw.ravel(), ui.Normal(0, math.sqrt(2 / 9)), alpha=ALPHA)
    assert stats.check(pw.ravel(), ui.Normal(0, math.sqrt(2 / 96)), alpha=ALPHA)


def test_a_condconv_layer_is_a_convolution_per_expert(timm):
    """timm's CondConv2d keeps each expert's (out, in/groups, kh, kw) kernel as one row of an (experts, n) weight.
    The torch backend describes and draws it through an (experts, out, in/groups, kh, kw) view: each expert is one
    convolution to every spec (its fans, torch's default, a structured draw), and the parameter keeps its shape and
    storage, on the meta route and in a state_dict too."""
    from timm.layers.cond_conv2d import CondConv2d

    def build():
        return CondConv2d(32, 64, 3, groups=2, bias=True, num_experts=4)

    layer: Any = build()
    weight = layer.weight
    rows = {e.param.path: e.param for e in ui.inspect(layer, ui.presets.torch).entries}
    assert rows["weight"].kind == "conv" and rows["weight"].shape == (4, 64, 16, 3, 3)
    assert rows["weight"].info().fans == (16 * 9, 64 * 9) and rows["bias"].layer_fans == (16 * 9, 64 * 9)
    # torch's default on each expert is CondConv2d's own reset_parameters: kaiming_uniform_(a=sqrt(5)) and
    # U(+-1/sqrt(fan_in)) per expert, compared with a fresh layer in this run
    assert reproduces(build, lambda _: ui.presets.torch, "CondConv2d") == 2
    orthogonal = ui.Plan(name="orthogonal").rule(ui.Orthogonal(), kind="conv", role="weight")
    report = orthogonal.apply(layer, seed=0)
    assert layer.weight is weight and tuple(weight.shape) == (4, 64 * 16 * 9)
    assert report.placements["weight"]["global_shape"] == [4, 64, 16, 3, 3]
    # the report holds no view of the parameter: torch can still swap it (FSDP2, module.to with swap_tensors)
    torch.utils.swap_tensors(weight, nn.Parameter(weight.detach().clone()))
    decay, no_decay = ui.param_groups(layer)  # the optimizer gets the parameters themselves
    assert decay["params"][0] is layer.weight and no_decay["params"][0] is layer.bias
    for expert in weight.detach().double().view(4, 64, -1):  # 64 orthonormal rows of 144 entries each
        np.testing.assert_allclose((expert @ expert.T).numpy(), np.eye(64), atol=1e-5)
    hooked: Any = build()  # and layer.apply(spec.to_torch()) the same: each expert a convolution
    hooked.apply(ui.Orthogonal().to_torch(bias=ui.Zeros()))
    for expert in hooked.weight.detach().double().view(4, 64, -1):
        np.testing.assert_allclose((expert @ expert.T).numpy(), np.eye(64), atol=1e-5)
    assert not hooked.bias.detach().any()
    eager: Any = build()
    ui.presets.torch.apply(eager, seed=7)
    with ui.backends.torch.empty_init():
        deferred: Any = build()
    assert deferred.weight.is_meta
    ui.presets.torch.apply(deferred, seed=7, device="cpu")
    assert isinstance(deferred.weight, nn.Parameter) and torch.equal(deferred.weight, eager.weight)
    state = {k: torch.full_like(t, math.nan) for k, t in build().state_dict().items()}
    ui.presets.torch.apply(state, seed=7, module=build())
    assert torch.equal(state["weight"], eager.weight.detach()) and torch.equal(state["bias"], eager.bias.detach())


def test_a_flattened_layers_declared_shape_must_fit_its_tensor(timm):
    """``register_layer(shapes=...)`` names an attribute holding one layer's shape: one that does not hold as many
    values as the tensor's layer is refused before anything is written, naming the layer, the tensor and the
    attribute; an attribute name that is not a name is refused when the class is registered."""
    from timm.layers.cond_conv2d import CondConv2d
    layer: Any = CondConv2d(8, 16, 3, num_experts=2)
    before = layer.weight.detach().clone()
    layer.weight_shape = (16, 8, 3, 2)
    with pytest.raises(ValueError, match=r"shapes=\{'weight': 'weight_shape'\}\) for CondConv2d: .*stored \(2, 1152\) "
                       r"with 1 stacked axes.*it holds \(16, 8, 3, 2\)"):
        ui.presets.torch.apply(layer, seed=0)
    assert torch.equal(layer.weight, before)

    class Flat(nn.Module):
        pass

    with pytest.raises(TypeError, match=r"'shapes\['w'\]' must be the name of the layer's attribute .* got 3"):
        ui.register_layer(Flat, "conv", shapes=cast(Any, {"w": 3}))
    assert Flat not in ui.params.LAYERS


def test_zero_init_last_false_keeps_the_last_norm_at_one():
    for arch, path in (("resnet50", "layer*/*/bn3/*"), ("regnetx_002", "s*/b*/conv3/bn/*"),
                       ("cspresnet50", "stages/*/blocks/*/conv3/bn/*"), ("darknet53", "stages/*/blocks/*/conv2/bn/*")):
        assert ui.presets.timm(arch).rules[-1].select.path == path
        assert path not in {r.select.path for r in ui.presets.timm(arch, zero_init_last=False).rules}
    assert ui.presets.timm("resnet", zero_init_last=False).rules == ui.presets.timm("resnet50",
                                                                                   zero_init_last=False).rules


@pytest.mark.parametrize("name", ["resnet18", "darknet17", "gernet_s", "regnetz_b16", "test_resnet",
                                  "test_byobnet"])
def test_zero_init_last_false_is_timms_own_zero_init_last_false(timm, name):
    """timm's constructors take zero_init_last too: with False no block's last norm is zeroed, and the plan agrees
    with the model timm builds that way, norm by norm (RegNetZ's first blocks, which keep 1 either way, too)."""
    build = lambda: timm.create_model(name, zero_init_last=False)  # noqa: E731
    assert reproduces(build, lambda _: ui.presets.timm(name, zero_init_last=False), name, statistics=True) > 20


@pytest.mark.parametrize("name,family", [
    ("resnet10t", "resnet18"), ("seresnet34", "resnet18"), ("resnet34d", "resnet18"), ("resnet101d", "resnet50"),
    ("resnext50_32x4d", "resnet50"), ("seresnext101d_32x8d", "resnet50"), ("wide_resnet101_2", "resnet50"),
    ("resnetaa34d", "resnet18"), ("resnetblur18", "resnet18"), ("ecaresnet50t", "resnet50"),
    ("ecaresnetlight", "resnet50"), ("ecaresnext26t_32x4d", "resnet50"), ("resnetrs420", "resnet50"),
    ("resnetblur101d", "resnet50"), ("seresnetaa50d", "resnet50"), ("seresnextaa201d_32x8d", "resnet50"),
    ("senet154", "resnet50"), ("resnet50_gn", "resnet50"), ("res2net101d", "resnet50"),
    ("res2net50_26w_8s", "resnet50"), ("res2next50", "resnet50"), ("resnest269e", "resnet50"),
    ("resnest50d_4s2x40d", "resnet50"), ("skresnet18", "sknet"), ("skresnext50_32x4d", "sknet"),
    ("resnetv2_18d", "resnetv2"), ("resnetv2_50d_gn", "resnetv2"), ("resnetv2_152x4_bit.goog_in21k", "resnetv2"),
    ("densenet264d", "densenet"), ("densenetblur121d", "densenet"), ("regnety_016", "regnet"),
    ("regnetx_320", "regnet"), ("efficientnet_b7", "efficientnet"),
    ("mobilenetv3_small_050", "efficientnet"), ("tf_efficientnet_b3.ns_jft_in1k", "efficientnet"),
    ("tf_efficientnet_b7_ap", "efficientnet"), ("efficientnet_lite4", "efficientnet"),
    ("tf_efficientnet_lite2", "efficientnet"), ("efficientnetv2_rw_t", "efficientnet"),
    ("tf_efficientnetv2_xl", "efficientnet"), ("efficientnet_es", "efficientnet"), ("mixnet_xxl", "efficientnet"),
    ("tf_mixnet_l", "efficientnet"), ("mobilenetv2_120d", "efficientnet"), ("mnasnet_100", "efficientnet"),
    ("semnasnet_140", "efficientnet"), ("spnasnet_100", "efficientnet"), ("fbnetc_100", "efficientnet"),
    ("lcnet_150", "efficientnet"), ("tinynet_a", "efficientnet"), ("mobilenetv3_rw", "efficientnet"),
    ("tf_mobilenetv3_large_minimal_100", "efficientnet"), ("mobilenetv1_100h", "efficientnet"),
    ("efficientnet_b3_g8_gn", "efficientnet"), ("efficientnet_el_pruned", "efficientnet"),
    ("efficientnet_b0_g16_evos", "efficientnet"),  # BatchNorm in 1.0.31: its EvoNorm is commented out
    ("tf_efficientnet_l2_ns_475", "efficientnet"), ("mnasnet_a1", "efficientnet"),  # timm's deprecated names
    ("convnext_xxlarge", "convnext"), ("convnextv2_huge", "convnext"),
    ("convnextv2_atto.fcmae_ft_in1k", "convnext"), ("deit_base_patch16_384", "vit"),
    ("vit_large_patch14_224.augreg_in21k", "vit"), ("deit_base_distilled_patch16_384", "vit"),
    ("vit_large_patch14_clip_quickgelu_336", "vit"), ("vit_base_patch16_plus_clip_240", "vit"),
    ("vit_so400m_patch14_siglip_gap_384", "vit"), ("vit_base_patch16_reg4_gap_256", "vit"),
    ("vit_huge_patch14_gap_224", "vit"), ("flexivit_large", "vit"), ("vit_gigantic_patch14_224", "vit"),
    ("deit3_huge_patch14_224", "deit3_small_patch16_224"), ("vit_medium_patch16_gap_256", "deit3_small_patch16_224"),
    ("vit_base_patch16_plus_240", "vit_wee_patch16_reg1_gap_256"),
    ("vit_large_patch14_reg4_dinov2.lvd142m", "vit_wee_patch16_reg1_gap_256"),
    ("vit_mediumd_patch16_reg4_gap_384", "vit_wee_patch16_reg1_gap_256"),
    ("vit_so400m_patch14_reg1_tipsv2", "vit_base_patch14_reg1_tipsv2"),
    ("beit_base_patch16_384", "beit_base_patch16_224"), ("beit_large_patch16_512", "beitv2_base_patch16_224"),
    ("beitv2_large_patch16_224.in1k_ft_in22k", "beitv2_base_patch16_224"), ("eva02_large_patch14_448", "beit"),
    ("eva02_small_patch14_336", "beit"), ("eva02_base_patch16_clip_224", "beit"), ("eva_giant_patch14_560", "beit"),
    ("eva_giant_patch14_clip_224", "beit"), ("vit_pe_spatial_tiny_patch16_512", "beit"),
    ("vit_base_patch16_rope_ape_224", "beitv2_base_patch16_224"), ("vit_7b_patch16_dinov3", "beitv2_base_patch16_224"),
    ("vit_betwixt_patch16_rope_reg4_gap_256", "beitv2_base_patch16_224"),
    ("vit_large_patch16_rope_mixed_ape_224", "beitv2_base_patch16_224"),
    ("vit_giant_patch16_lingbot", "beitv2_base_patch16_224"),
    ("vit_pe_spatial_gigantic_patch14_448", "vit_pe_lang_large_patch14_448"), ("swin_base_patch4_window12_384", "swin"),
    ("swinv2_large_window12to24_192to384", "swinv2"),
    ("swinv2_tiny_window8_256", "swinv2"), ("mixer_l16_224.goog_in21k", "mixer"), ("mixer_b32_224", "mixer"),
    ("gmlp_b16_224", "mixer"), ("resmlp_36_224", "resmlp_big_24_224"),
    ("resmlp_big_24_224.fb_in22k_ft_in1k", "resmlp_big_24_224"), ("cait_xxs36_384", "cait_s24_224"),
    ("cait_xs24_384.fb_dist_in1k", "cait_s24_224"), ("cait_m48_448", "cait_s36_384"),
    ("maxvit_rmlp_base_rw_384", "maxvit"), ("maxvit_tiny_pm_256", "maxvit"),
    ("maxxvit_rmlp_small_rw_256", "maxvit"), ("maxxvitv2_rmlp_large_rw_224.sw_in12k", "maxvit"),
    ("maxvit_xlarge_tf_512.in21k_ft_in1k", "maxvit_tiny_tf_224"), ("coatnet_rmlp_1_rw2_224", "coatnet"),
    ("coatnet_bn_0_rw_224", "coatnet"), ("coatnet_5_224", "coatnet"), ("tf_inception_v3", "inception_v3"),
    ("adv_inception_v3", "inception_v3"), ("gluon_inception_v3", "inception_v3"),
    ("inception_v3.tv_in1k", "inception_v3"), ("hrnet_w64", "hrnet"), ("hrnet_w18_small_v2", "hrnet"),
    ("legacy_xception", "hrnet"), ("dla102x2", "hrnet"), ("dla60_res2next", "hrnet"), ("rexnetr_300", "efficientnet"),
    ("ghostnetv3_160", "defaults"), ("convmixer_1536_20", "defaults"), ("efficientvit_l3", "defaults"),
    ("xception65p", "defaults"), ("cspnext_x", "defaults"), ("selecsls60b", "hrnet"), ("selecsls84", "hrnet"),
    ("nfnet_f7", "nfnet"), ("eca_nfnet_l3", "nfnet"), ("nf_regnet_b5", "nfnet"), ("nf_seresnet101", "nfnet"),
    ("nf_ecaresnet50", "nfnet"), ("nfnet_l0", "nfnet"), ("dm_nfnet_f6", "dm_nfnet_f0"), ("cspresnext50", "cspnet"),
    ("cspresnet50w", "cspnet"), ("cs3sedarknet_xdw", "cspnet"), ("cspdarknet53", "darknet"),
    ("sedarknet21", "darknet"), ("darknetaa53", "darknet"), ("cs3darknet_focus_x", "darknet"),
    ("cs3sedarknet_l", "darknet"), ("cs3se_edgenet_x", "darknet"), ("tresnet_xl", "tresnet"),
    ("tresnet_m.miil_in21k", "tresnet"), ("vovnet57a", "vovnet"), ("ese_vovnet99b", "vovnet"),
    ("eca_vovnet39b", "vovnet"), ("dpn131", "defaults"), ("dpn68b", "defaults"), ("inception_v4", "defaults"),
    ("inception_resnet_v2", "defaults"), ("ens_adv_inception_resnet_v2", "defaults"), ("nasnetalarge", "defaults"),
    ("pnasnet5large", "defaults"), ("repghostnet_200", "defaults"), ("vgg19", "resnetv2"),
    ("vgg16_bn.tv_in1k", "resnetv2"), ("hardcorenas_f", "efficientnet"), ("fasternet_l", "convnext"),
    ("inception_next_base", "convnext"), ("mambaout_kobe", "convnext"), ("mambaout_base", "convnext"),
    ("mambaout_base_plus_rw.sw_e150_in12k", "mambaout_small_rw"), ("test_mambaout", "mambaout_small_rw"),
    ("rdnet_large", "rdnet_tiny"), ("hgnet_base", "hgnet"), ("hgnetv2_b6", "hgnet"), ("repvit_m2_3", "repvit"),
    ("repvit_m1_0.dist_450e_in1k", "repvit"), ("starnet_s4", "starnet"), ("starnet_s150", "starnet"),
    ("edgenext_small_rw", "edgenext"), ("edgenext_base", "edgenext"), ("poolformerv2_m48", "metaformer"),
    ("convformer_b36", "metaformer"), ("caformer_s18", "metaformer"), ("poolformer_s24", "poolformer_s12"),
    ("poolformer_m48", "poolformer_s36"), ("xcit_large_24_p8_384", "xcit_tiny_24_p16_224"),
    ("xcit_small_12_p8_384", "xcit_nano_12_p16_224"), ("davit_huge_fl", "xcit"), ("crossvit_18_dagger_408", "xcit"),
    ("volo_d5_512", "xcit"), ("coat_lite_medium_384", "xcit"), ("twins_svt_large", "pvt_v2"),
    ("pvt_v2_b2_li", "pvt_v2"), ("pit_b_distilled_224", "pit"), ("levit_conv_512_s8", "levit"),
    ("focalnet_base_lrf", "convnext"), ("focalnet_xlarge_fl4", "focalnet_large_fl3"), ("fastvit_mci4", "fastvit"),
    ("fastvit_ma36", "fastvit"),
    ("hiera_huge_224", "hiera"), ("hiera_base_abswin_256", "hiera_small_abswin_256"), ("mvitv2_huge_cls", "mvitv2"),
    ("nest_base_jx", "nest"), ("tnt_s_legacy_patch16_224", "tnt"), ("visformer_small", "visformer"),
    ("gcvit_base", "gcvit"), ("efficientformer_l7", "efficientformer"), ("efficientformerv2_l", "efficientformer"),
    ("tiny_vit_21m_512", "efficientformer"), ("swiftformer_l3", "swiftformer"),
    ("vit_srelpos_medium_patch16_224", "vit_relpos"), ("vit_relpos_base_patch16_clsgap_224", "vit_relpos"),
    ("test_vit_relpos", "vit_relpos"), ("vit_relpos_base_patch32_plus_rpn_256", "vit_relpos_rpn"),
    ("swinv2_cr_giant_384", "swinv2_cr"), ("swinv2_cr_small_ns_256", "swinv2_cr"),
    ("bat_resnext26ts", "byobnet"), ("eca_resnet33ts", "byobnet"),
    ("gcresnet50t", "byobnet"), ("resnet61q", "byobnet"), ("resnet50_mlp", "byobnet"), ("resnet50x64_clip", "byobnet"),
    ("resnet101_clip_gap", "byobnet"), ("halonet_h1", "byobnet"), ("lamhalobotnet50ts_256", "byobnet"),
    ("sehalonet33ts", "byobnet"), ("lambda_resnet26rpt_256", "byobnet"), ("gernet_l", "gernet"),
    ("regnetz_e8", "regnetz"), ("haloregnetz_b", "regnetz"), ("regnetz_d32", "regnetz_d"), ("repvgg_d2se", "repvgg"),
    ("repvgg_b3g4", "repvgg"), ("mobileone_s1", "mobileone"),
    ("mobilevit_s", "regnetz"), ("mobilevitv2_200", "regnetz"), ("mobilevit_xxs", "regnetz_d"),
    ("legacy_senet154", "hrnet"), ("legacy_seresnext101_32x4d", "hrnet"), ("legacy_seresnet152", "hrnet"),
    ("regnety_080_tv", "regnet"), ("regnety_040_sgn", "regnet"), ("swin_s3_base_224", "swin"),
    ("test_convnext3", "convnext"), ("test_efficientnet_ln", "efficientnet"),
    ("vit_so400m_patch14_siglip_384", "vit"), ("vit_giantopt_patch16_siglip_256", "vit"),
    ("vit_base_patch32_siglip_256.v2_webli", "vit"), ("vit_so150m_patch16_reg4_map_256", "vit"),
    ("aimv2_3b_patch14_448", "vit"), ("vit_huge_patch14_xp_224", "vit"), ("test_vit", "vit"),
    ("vit_base_patch16_18x2_224", "vit_wee_patch16_reg1_gap_256"), ("test_vit4", "vit_wee_patch16_reg1_gap_256"),
    ("vit_dlittle_patch16_reg1_gap_256", "vit_wee_patch16_reg1_gap_256"),
    ("vit_giant_patch14_reg4_dinov2", "vit_giant_patch14_dinov2"), ("vit_base_patch16_rpn_224", "vit_rpn"),
    ("gmixer_24_224", "gmixer"),
    ("vit_large_r50_s32_384", "vit_hybrid"), ("vit_base_resnet50d_224", "vit_hybrid"), ("vit_base_mci_224", "vit"),
    ("vit_tiny_r_s16_p8_384", "vit"), ("samvit_huge_patch16", "samvit"), ("vitamin_xlarge_384", "vitamin"),
    ("sam2_hiera_large", "hiera"), ("ecaresnet101d_pruned", "defaults"), ("efficientnet_b3_pruned", "defaults"),
    ("mobilenetv4_conv_aa_large", "mobilenetv4"), ("mobilenetv4_hybrid_large_075", "mobilenetv4"),
    ("mobilenetv5_300m_enc", "mobilenetv4"), ("mobilenet_edgetpu_v2_l", "mobilenet_edgetpu_v2"),
    ("lcnetv2_large", "lcnetv2"), ("convnext_zepto_rms_ols", "convnext"),
    ("vit_pe_core_gigantic_patch14_448", "beit"), ("vit_pe_core_base_patch16_224", "beit"),
    ("naflexvit_so400m_patch16_siglip", "naflexvit"), ("naflexvit_huge_patch16_radio_v4", "naflexvit"),
    ("naflexvit_giant_patch16_radio_v3", "naflexvit"), ("qwen3_vit_416m_enc", "qwen3_vit"),
    ("deepseek_vit_412m_enc", "qwen3_vit"), ("gemma4_vit_570m_enc", "gemma4_vit"),
    ("cpubone_b2pt5_dwnorm", "defaults"), ("cpubone_b1_bfrobust", "defaults"), ("iformer_l2_distilled", "convnext"),
    ("nextvit_large", "convnext"), ("lowformer_e3", "xcit"), ("sequencer2d_l", "mixer"),
    ("efficientvit_m5", "efficientvit_msra"), ("shvit_s4", "shvit"), ("efficientvim_m4_dist", "efficientvim"),
    ("csatv2_21m", "csatv2"), ("regnetv_064", "regnetv"), ("regnetz_040_h", "regnetv"), ("regnetz_040h", "regnetv"),
    ("test_maxvit", "maxvit"), ("test_coatnet", "coatnet"), ("resnetv2_50d_frn", "resnetv2"),
    ("ese_vovnet39b_evos", "vovnet"), ("regnetz_c16_evos", "regnetz"), ("regnetz_d8_evos", "regnetz_d"),
    ("coatnext_nano_rw_224", "coatnext"), ("efficientnet_cc_b0_8e", "efficientnet"),
    ("tf_efficientnet_cc_b1_8e", "efficientnet")])
def test_a_models_name_gives_its_familys_plan(name, family):
    assert ui.presets.timm(name).rules == ui.presets.timm(family).rules


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(arch="vit"), None, None),
    (dict(arch="resnet", zero_init_last=False), None, None),
    (dict(arch="resnet"), ValueError, "arch='resnet' needs zero_init_last=False"),
    (dict(arch="swinv2"), None, None), (dict(arch="sknet"), None, None), (dict(arch="resnetv2"), None, None),
    (dict(arch="densenet"), None, None), (dict(arch="mixer"), None, None), (dict(arch="cait"), None, None),
    (dict(arch="maxvit"), None, None), (dict(arch="coatnet"), None, None), (dict(arch="inception_v3"), None, None),
    (dict(arch="hrnet"), None, None), (dict(arch="defaults"), None, None),
    (dict(arch="nfnet"), None, None), (dict(arch="cspnet"), None, None), (dict(arch="darknet"), None, None),
    (dict(arch="tresnet"), None, None), (dict(arch="vovnet"), None, None), (dict(arch="hgnet"), None, None),
    (dict(arch="repvit"), None, None), (dict(arch="starnet"), None, None), (dict(arch="edgenext"), None, None),
    (dict(arch="metaformer"), None, None), (dict(arch="xcit"), None, None),
    (dict(arch="pvt_v2"), None, None), (dict(arch="pit"), None, None), (dict(arch="levit"), None, None),
    (dict(arch="fastvit"), None, None), (dict(arch="hiera"), None, None), (dict(arch="mvitv2"), None, None),
    (dict(arch="nest"), None, None), (dict(arch="tnt"), None, None), (dict(arch="visformer"), None, None),
    (dict(arch="gcvit"), None, None), (dict(arch="efficientformer"), None, None),
    (dict(arch="swiftformer"), None, None), (dict(arch="vit_relpos"), None, None),
    (dict(arch="vit_relpos_rpn"), None, None), (dict(arch="swinv2_cr"), None, None),
    (dict(arch="byobnet"), None, None),
    (dict(arch="gernet"), None, None), (dict(arch="regnetz"), None, None), (dict(arch="regnetz_d"), None, None),
    (dict(arch="repvgg"), None, None), (dict(arch="mobileone"), None, None),
    (dict(arch="vit_base_patch16_unknown_224"), ValueError, r"'arch' must be a family \(resnet, sknet, .*swinv2.*\)"),
    (dict(arch="vit_glu"), None, None), (dict(arch="vit_rpn"), None, None), (dict(arch="gmixer"), None, None),
    (dict(arch="efficientvit_msra"), None, None), (dict(arch="shvit"), None, None),
    (dict(arch="efficientvim"), None, None), (dict(arch="csatv2"), None, None), (dict(arch="regnetv"), None, None),
    (dict(arch="coatnext"), None, None),
    (dict(arch="efficientnet_cc_b0_4e"), None, None), (dict(arch="tf_efficientnet_cc_b0_8e"), None, None),
    (dict(arch="vit_small_patch16_rope_mixed_224"), None, None),
    # ConViT's pos_proj holds one fixed row per head: the model's name says how many
    (dict(arch="convit"), ValueError, "arch='convit' needs a ConViT model's name"),
    (dict(arch=50), TypeError, "'arch' must be a string, got 50"),
    (dict(arch="resnet50", zero_init_last=1), TypeError, "'zero_init_last' must be True or False, got 1")])
def test_bad_arguments_are_refused_by_name(kwargs, error, match):
    if error is None:
        assert ui.presets.timm(**kwargs).name == "timm"
        return
    with pytest.raises(error, match=match):
        ui.presets.timm(**kwargs)


def test_mixed_rope_is_timms_init_random_2d_freqs_in_the_same_run():
    """Against timm's own function (two builds of 1,200 angles each): the magnitudes within float32 rounding, and
    the angles of the two by a two-sample KS test at ALPHA."""
    timm_module()
    from timm.layers.pos_embed_sincos import init_random_2d_freqs
    torch.manual_seed(0)
    theirs = init_random_2d_freqs(64, 100, 12, temperature=100.0).numpy()  # head_dim 64, 100 blocks, 12 heads
    ours = ui.sample(ui.MixedRoPE(temperature=100.0), theirs.shape, seed=1)
    draw = ui.lower(ui.MixedRoPE(temperature=100.0), theirs.shape)
    (a, off), (b, their_off) = stats.rope_angles(ours, draw), stats.rope_angles(theirs, draw)
    assert off < 1e-6 and their_off < 1e-6
    np.testing.assert_allclose(np.hypot(ours[0], ours[1]), np.hypot(theirs[0], theirs[1]), rtol=1e-6)
    assert stats.ks_2samp(a, b)[1] > ALPHA
    assert stats.check(theirs, ui.MixedRoPE(temperature=100.0), alpha=ALPHA)


#: every timm 1.0.31 name presets.timm refuses, and why: none (the rest of timm.list_models() is taken)
TIMM_REFUSED: dict[str, str] = {}


def test_every_timm_name_is_taken_or_refused_by_name():
    """A name a regex misses, or one timm adds, fails here rather than being refused quietly."""
    timm = timm_module()
    refused = set()
    for name in timm.list_models():
        try:
            ui.presets.timm(name)
        except ValueError:
            refused.add(name)
    assert refused == set(TIMM_REFUSED)


def test_every_family_the_tables_name_has_its_rules_and_every_rules_function_a_family():
    """Each family a model's name gives (``_TIMM_MODELS``, ``_TIMM_LAYER_SCALE``) or a user may pass
    (``TIMM_FAMILIES``) has the function that adds its constructor's rules, and no function is one none reaches."""
    from unifiedinit import vision
    named = ({f for _, f in vision._TIMM_MODELS} | {f for _, f, _ in vision._TIMM_LAYER_SCALE}
             | set(vision.TIMM_FAMILIES))
    assert named == set(vision._TIMM_RULES)
    assert set(vision._TIMM_LAYER_SCALE_PATHS) <= named


def test_the_models_that_keep_torchs_defaults_get_presets_torch_alone():
    """presets.torch's rules and nothing else but the two every timm plan has for timm's own norms' third vector
    (EvoNorm's v 1, FilterResponseNorm's tau 0), which match nothing in these models."""
    norms = ui.Plan().rule(ui.Ones(), kind="norm", path="*/v").rule(ui.Zeros(), kind="norm", path="*/tau")
    expected = [(r.spec, r.select) for r in ui.presets.torch.rules + norms.rules]
    for name in ("defaults", "ghostnet_100", "dpn68", "repghostnet_050"):
        assert [(r.spec, r.select) for r in ui.presets.timm(name).rules] == expected, name


def test_torch_layer_defaults_are_the_base():
    plan = ui.presets.timm("efficientnet_b0")
    assert plan.rules[:len(ui.presets.torch.rules)] == ui.presets.torch.rules
    assert ui.presets.timm("efficientnet_b0").rules == ui.presets.timm("mobilenetv3_large_100").rules
