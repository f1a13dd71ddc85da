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
from typing import Callable

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

import unifiedinit as ui  # noqa: E402
from unifiedinit.verify import stats  # noqa: E402

from .compare import ALPHA  # noqa: E402
from .test_torch_models import constructor_laws, reproduces  # noqa: E402


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
            "inception_v3": _inception_v3, "hrnet": _hrnet, "byobnet": _byobnet,
            "gernet": lambda: _byob_last("gernet_s", (0, 1), ()),
            "regnetz": lambda: _byob_last("regnetz_b16", (), ((0, 0), (1, 0), (2, 0))),
            "regnetz_d": lambda: _byob_last("regnetz_d8", (), ((1, 0), (2, 0))),
            "byobnet-last": lambda: _byob_last("resnet33ts", (), ()),
            "repvgg": lambda: _repvgg("repvgg_b1g4"), "mobileone": lambda: _repvgg("mobileone_s4")}


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
               "ghostnet_050", "efficientvit_b0", "gcresnext26ts", "gernet_s", "regnetz_b16", "repvgg_a0",
               "mobileone_s0", "botnet26t_256", "halonet26t", "lambda_resnet26t")

# larger models of a variant whose rule or block no model above checks (a LayerScale value; ECA's Conv1d, ResNet-RS's
# SE, GroupNorm, Res2Net's Bottle2neck, SK's Bottleneck, ResNetV2's GroupNorm), and BEiT's and EVA's (block 1's
# output layers scaled unlike block 0's), built with fewer blocks: the same constructor, given its own argument for
# the number of blocks
_ONE, _TWO = dict(layers=(1, 1, 1, 1)), dict(depth=2)
_DEPTHS = dict(depths=(1, 1, 1, 1))
_NARROW = _DEPTHS | dict(embed_dim=(32, 64, 96, 128))
_QUARTER, _HALF = dict(width_factor=0.25), dict(width_factor=0.5)
TIMM_SHALLOW = {"vit_base_patch14_reg1_tipsv2": _TWO, "vit_intern300m_patch14_448": _TWO,
                "ecaresnet26t": _ONE, "resnetrs50": _ONE, "resnet50_gn": _ONE, "res2net50_48w_2s": _ONE,
                "skresnet50": _ONE, "resnetv2_50d_gn": _ONE, "beit_base_patch16_224": _TWO,
                "beitv2_base_patch16_224": _TWO, "eva02_tiny_patch14_224": _TWO, "vit_tiny_patch16_dinov3_qkvb": _TWO,
                "vit_pe_lang_large_patch14_448": _TWO, "cait_xxs24_224": _TWO, "cait_s36_384": _TWO,
                # MaxViT, MaxxViT (ConvNeXt blocks, LayerScale), parallel MaxViT, the TF ports (RelPosBiasTf),
                # CoAtNet and CoAtNet with RelPosMlp: one block a stage (MaxxVit's depths), the tiny ones narrower too
                "maxvit_pico_rw_256": _DEPTHS, "maxxvit_rmlp_tiny_rw_256": _DEPTHS, "maxvit_tiny_pm_256": _NARROW,
                "maxvit_tiny_tf_224": _NARROW, "coatnet_pico_rw_224": _DEPTHS, "coatnet_rmlp_nano_rw_224": _DEPTHS,
                # Inception v3 with its auxiliary classifier (AuxLogits.fc's own stddev), 10 classes
                "inception_v3": dict(aux_logits=True, num_classes=10),
                # ByobNet a quarter or half as wide (its width_factor): CLIP's AttentionPool2d, RegNetZ-D (stage 0's
                # first block has a shortcut), resnet61q's EdgeBlock and conv2b_kxk, ECA, RepVGG's groups, MobileOne's
                # SE, LambdaLayer's pos_emb
                "resnet50_clip": _QUARTER, "regnetz_d8": _QUARTER, "resnet61q": _HALF, "eca_resnext26ts": _HALF,
                "repvgg_b1g4": _QUARTER, "mobileone_s4": _QUARTER, "lambda_resnet26rpt_256": _QUARTER}


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


def test_zero_init_last_false_keeps_the_last_norm_at_one():
    for arch, path in (("resnet50", "layer*/*/bn3/*"), ("regnetx_002", "s*/b*/conv3/bn/*")):
        assert ui.presets.timm(arch).rules[-1].select.path == path
        assert path not in {r.select.path for r in ui.presets.timm(arch, zero_init_last=False).rules}
    assert ui.presets.timm("resnet", zero_init_last=False).rules == ui.presets.timm("resnet50",
                                                                                   zero_init_last=False).rules


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
    ("xception65p", "defaults"), ("bat_resnext26ts", "byobnet"), ("eca_resnet33ts", "byobnet"),
    ("gcresnet50t", "byobnet"), ("resnet61q", "byobnet"), ("resnet50_mlp", "byobnet"), ("resnet50x64_clip", "byobnet"),
    ("resnet101_clip_gap", "byobnet"), ("halonet_h1", "byobnet"), ("lamhalobotnet50ts_256", "byobnet"),
    ("sehalonet33ts", "byobnet"), ("lambda_resnet26rpt_256", "byobnet"), ("gernet_l", "gernet"),
    ("regnetz_e8", "regnetz"), ("haloregnetz_b", "regnetz"), ("regnetz_d32", "regnetz_d"), ("repvgg_d2se", "repvgg"),
    ("repvgg_b3g4", "repvgg"), ("mobileone_s1", "mobileone")])
def test_a_models_name_gives_its_familys_plan(name, family):
    assert ui.presets.timm(name).rules == ui.presets.timm(family).rules


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(arch="vit"), None, None),
    (dict(arch="resnet", zero_init_last=False), None, None),
    (dict(arch="resnet"), ValueError, "arch='resnet' needs zero_init_last=False"),
    (dict(arch="swinv2"), None, None), (dict(arch="sknet"), None, None), (dict(arch="resnetv2"), None, None),
    (dict(arch="densenet"), None, None), (dict(arch="mixer"), None, None), (dict(arch="cait"), None, None),
    (dict(arch="maxvit"), None, None), (dict(arch="coatnet"), None, None), (dict(arch="inception_v3"), None, None),
    (dict(arch="hrnet"), None, None), (dict(arch="defaults"), None, None), (dict(arch="byobnet"), None, None),
    (dict(arch="gernet"), None, None), (dict(arch="regnetz"), None, None), (dict(arch="regnetz_d"), None, None),
    (dict(arch="repvgg"), None, None), (dict(arch="mobileone"), None, None),
    (dict(arch="vit_base_patch16_siglip_224"), ValueError, r"'arch' must be a family \(resnet, sknet, .*swinv2.*\)"),
    # each built another way: SwiGLU's gate, attention pooling, ResPostBlock, parallel and differential blocks,
    # RMS norms, timm's other Swin V2 (swin_transformer_v2_cr)
    (dict(arch="vit_giant_patch14_dinov2"), ValueError, "got 'vit_giant_patch14_dinov2'"),
    (dict(arch="vit_giant_patch14_reg1_tipsv2"), ValueError, "got 'vit_giant_patch14_reg1_tipsv2'"),
    (dict(arch="vit_so150m_patch16_reg4_map_256"), ValueError, "got 'vit_so150m_patch16_reg4_map_256'"),
    (dict(arch="vit_base_patch16_rpn_224"), ValueError, "got 'vit_base_patch16_rpn_224'"),
    (dict(arch="vit_small_patch16_18x2_224"), ValueError, "got 'vit_small_patch16_18x2_224'"),
    (dict(arch="vit_pwee_patch16_reg1_gap_256"), ValueError, "got 'vit_pwee_patch16_reg1_gap_256'"),
    (dict(arch="vit_dwee_patch16_reg1_gap_256"), ValueError, "got 'vit_dwee_patch16_reg1_gap_256'"),
    (dict(arch="vit_base_patch16_xp_224"), ValueError, "got 'vit_base_patch16_xp_224'"),
    (dict(arch="aimv2_large_patch14_224"), ValueError, "got 'aimv2_large_patch14_224'"),
    (dict(arch="convnext_zepto_rms"), ValueError, "got 'convnext_zepto_rms'"),
    (dict(arch="swinv2_cr_tiny_224"), ValueError, "got 'swinv2_cr_tiny_224'"),
    (dict(arch="ecaresnet50d_pruned"), ValueError, "got 'ecaresnet50d_pruned'"),  # adapted: torch's defaults
    (dict(arch="test_resnet"), ValueError, "got 'test_resnet'"),  # BasicBlock and Bottleneck stages in one model
    (dict(arch="resnetv2_50d_evos"), ValueError, "got 'resnetv2_50d_evos'"),  # EvoNorm2dS0's own init
    (dict(arch="resnetv2_50d_frn"), ValueError, "got 'resnetv2_50d_frn'"),  # FilterResponseNormTlu2d's tau
    (dict(arch="efficientnet_cc_b0_4e"), ValueError, "got 'efficientnet_cc_b0_4e'"),  # CondConv2d experts
    (dict(arch="tf_efficientnet_cc_b0_8e"), ValueError, "got 'tf_efficientnet_cc_b0_8e'"),
    (dict(arch="mobilenet_edgetpu_v2_xs"), ValueError, "got 'mobilenet_edgetpu_v2_xs'"),  # grouped conv_exp, in<out
    (dict(arch="mobilenetv4_hybrid_medium"), ValueError, "got 'mobilenetv4_hybrid_medium'"),  # attention, layer scale
    (dict(arch="mobilenetv4_conv_small"), ValueError, "got 'mobilenetv4_conv_small'"),  # depthwise dw_start/conv
    (dict(arch="efficientnet_b1_pruned"), ValueError, "got 'efficientnet_b1_pruned'"),  # adapted: torch's defaults
    # eva.py's other models: a learnt rope/freqs (mixed RoPE), an attn_pool/latent ('map' pooling), grouped-query
    # RMS-norm blocks (Sapiens2)
    (dict(arch="vit_small_patch16_rope_mixed_224"), ValueError, "got 'vit_small_patch16_rope_mixed_224'"),
    (dict(arch="vit_pe_core_tiny_patch16_384"), ValueError, "got 'vit_pe_core_tiny_patch16_384'"),
    (dict(arch="vit_base_patch16_sapiens2"), ValueError, "got 'vit_base_patch16_sapiens2'"),
    # GluMlp's init_weights redraws half of fc1 (the gate's rows): no spec draws half a tensor
    (dict(arch="gmixer_12_224"), ValueError, "got 'gmixer_12_224'"),
    # MaxxVit's configs with weight_init='normal' (N(0, 0.02^2) everywhere), CoAtNet with C and T blocks in one stage
    (dict(arch="maxxvit_rmlp_nano_rw_256"), ValueError, "got 'maxxvit_rmlp_nano_rw_256'"),
    (dict(arch="maxxvitv2_nano_rw_256"), ValueError, "got 'maxxvitv2_nano_rw_256'"),
    (dict(arch="coatnext_nano_rw_224"), ValueError, "got 'coatnext_nano_rw_224'"),
    (dict(arch="coatnet_nano_cc_224"), ValueError, "got 'coatnet_nano_cc_224'"),
    # EfficientViT (MSRA) draws its attention_biases its own way
    (dict(arch="efficientvit_m0"), ValueError, "got 'efficientvit_m0'"),
    # RegNetZ with EvoNorm (its norms' own parameters); test_byobnet (EdgeBlock, DarkBlock and Bottleneck stages in
    # one model: which norm a block zeroes is no path's)
    (dict(arch="regnetz_b16_evos"), ValueError, "got 'regnetz_b16_evos'"),
    (dict(arch="regnetz_d8_evos"), ValueError, "got 'regnetz_d8_evos'"),
    (dict(arch="test_byobnet"), ValueError, "got 'test_byobnet'"),
    (dict(arch=50), TypeError, "'arch' must be a string, got 50"),
    (dict(arch="resnet50", zero_init_last=1), TypeError, "'zero_init_last' must be True or False, got 1")])
def test_bad_arguments_are_refused_by_name(kwargs, error, match):
    if error is None:
        assert ui.presets.timm(**kwargs).name == "timm"
        return
    with pytest.raises(error, match=match):
        ui.presets.timm(**kwargs)


def test_the_models_that_keep_torchs_defaults_get_presets_torch_alone():
    assert ui.presets.timm("defaults").rules == ui.presets.timm("ghostnet_100").rules == ui.presets.torch.rules


def test_torch_layer_defaults_are_the_base():
    plan = ui.presets.timm("efficientnet_b0")
    assert plan.rules[:len(ui.presets.torch.rules)] == ui.presets.torch.rules
    assert ui.presets.timm("efficientnet_b0").rules == ui.presets.timm("mobilenetv3_large_100").rules
