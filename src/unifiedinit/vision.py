"""The vision model zoos' constructors as plans: ``torchvision``, ``timm``, ``keras_applications`` and
``gluon_model_zoo``.

torchvision's and timm's models start from torch's layer defaults (``presets.torch``) and then redraw some
layers in their constructor; keras.applications' builders and Gluon's VGG give some layers initializers of their
own. Each function here is the framework's defaults and the zoo's own rules for a family or a model's name; the
rules select by layer kind, role and path globs, so a plan also applies to a port of the model to another
framework that keeps the zoo's module names. Each family cites the function it reads (torchvision 0.28, timm
1.0.31, Keras 3.15, MXNet 1.9.1); the tests build the models and compare every tensor with the constructor's own
init.
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

from .plan import Plan
from .recipes import _TORCH_DEFAULT, _cut, _quiet, _torch_trunc
from .specs import (Blocks, Constant, Eye, FromArray, KaimingNormal, KaimingUniform, MixedRoPE, Normal, Ones,
                    Scaled, TruncatedNormal, Uniform, VarianceScaling, XavierUniform, Zeros)

__all__ = ["torchvision", "timm", "keras_applications", "gluon_model_zoo", "TORCHVISION_FAMILIES",
           "TIMM_FAMILIES", "KERAS_APPLICATIONS_FAMILIES", "GLUON_MODEL_ZOO_FAMILIES"]


def _family_of(fn: str, arch: object, families: tuple[str, ...], names: tuple[tuple[str, str], ...], which: str,
               fold: bool = False) -> str:
    """``arch``'s family for ``presets.<fn>``: itself where it is one of ``families``, else that of the first of
    ``names``' patterns that matches it whole (with ``fold``, in lower case, as Gluon's ``get_model`` reads a name);
    a TypeError or ValueError naming ``arch`` and what is allowed else (``which``: the zoo's names, with examples)."""
    import re
    if not isinstance(arch, str):
        raise TypeError(f"presets.{fn}: parameter 'arch' must be a string, got {arch!r}")
    name = arch.lower() if fold else arch
    family = name if name in families else next((f for pattern, f in names if re.fullmatch(pattern, name)), None)
    if family is None:
        raise ValueError(f"presets.{fn}: parameter 'arch' must be a family ({', '.join(families)}) or {which}, "
                         f"got {arch!r}")
    return family


def _inception(plan: Plan, s: float, aux: bool) -> Plan:
    """GoogLeNet's and Inception v3's constructor loop (torchvision's and timm's): convolution and linear weights
    ``trunc_normal_(std=s)``, with ``aux`` Inception v3's ``AuxLogits.fc`` at its ``stddev`` 0.001
    (``AuxLogits.conv1``'s 0.01 sits on its block, not its conv: 0.1 too)."""
    plan = plan.rule(_torch_trunc(s), kind=("conv", "dense"), role="weight")
    return plan.rule(_torch_trunc(0.001), kind="dense", role="weight", path="AuxLogits/fc/*") if aux else plan

# ------------------------------------------------------------------------------------------------ torchvision

#: a torchvision builder's name -> its family: the first pattern that matches the whole name
_TORCHVISION_BUILDERS = (
    (r"resnet\d+|resnext\d+_\w+|wide_resnet\d+_2", "resnet"), (r"vgg\d+(_bn)?", "vgg"),
    (r"mobilenet_v2|mobilenet_v3_(large|small)", "mobilenet"), (r"efficientnet_(b\d|v2_[sml])", "efficientnet"),
    (r"mnasnet\d_\d+", "mnasnet"), (r"densenet\d+", "densenet"), (r"regnet_[xy]_\w+", "regnet"),
    (r"convnext_(tiny|small|base|large)", "convnext"), (r"squeezenet1_[01]", "squeezenet"),
    (r"vit_[bhl]_\d+", "vit"), (r"swin_(v2_)?[tsb]", "swin"), (r"maxvit_t", "maxvit"),
    (r"shufflenet_v2_x\d_\d", "shufflenet"))

#: the families whose constructor leaves torch's layer defaults as they are
_TORCHVISION_DEFAULTS = ("alexnet", "shufflenet")

TORCHVISION_FAMILIES = ("resnet", "vgg", "mobilenet", "efficientnet", "mnasnet", "densenet", "regnet", "convnext",
                        "squeezenet", "googlenet", "inception_v3", "vit", "swin", "maxvit") + _TORCHVISION_DEFAULTS


def torchvision(arch: str, *, zero_init_residual: bool = False) -> Plan:
    """The initialization torchvision's constructor gives a model, for ``arch`` a family or a builder's name.

    torchvision's classification models (``torchvision/models/*.py``, 0.28) start from torch's layer defaults
    (``presets.torch``) and then redraw some layers in their constructor. This plan is those defaults and the
    constructor's rules, family by family:

    - ``resnet`` (ResNet, ResNeXt, Wide ResNet): convolutions He normal, fan_out; norms 1/0; the classifier keeps
      torch's default. ``zero_init_residual=True`` zeroes the last norm scale of each block (``bn3`` of a
      Bottleneck, ``bn2`` of a BasicBlock): pass the builder's name (``"resnet50"``), which says the block.
    - ``vgg``, ``regnet``: convolutions He normal, fan_out (VGG's biases 0; RegNet's squeeze-excitation biases
      keep torch's default); linear layers N(0, 0.01^2), biases 0.
    - ``mobilenet`` (V2, V3), ``efficientnet`` (B0-B7, V2), ``mnasnet``: convolutions He normal, fan_out, biases
      0; linear biases 0 and weights N(0, 0.01^2) (MobileNet), U(+-1/sqrt(fan_out)) (EfficientNet),
      U(+-sqrt(3/fan_out)) (MNASNet's Kaiming-uniform, fan_out, gain 1).
    - ``densenet``: convolutions He normal, fan_in; linear biases 0.
    - ``convnext``: convolutions and linear layers truncated N(0, 0.02^2) cut at +-2 (absolute, torch's
      ``trunc_normal_``), biases 0; each block's ``layer_scale`` 1e-6.
    - ``squeezenet``: convolutions He uniform, fan_in, the final one (``classifier.1``) N(0, 0.01^2); biases 0.
    - ``googlenet``, ``inception_v3``: convolutions and linear weights truncated N(0, s^2) cut at +-2, s = 0.01
      (GoogLeNet), 0.1 (Inception v3, and 0.001 for ``AuxLogits.fc``); linear biases keep torch's default.
    - ``vit``: the patch embedding ``conv_proj`` N(0, 1/fan_in) (torch's ``trunc_normal_`` at +-2, which is
      2 sqrt(fan_in) std away: no draw of a real patch size is cut), its bias 0; ``class_token`` 0,
      ``encoder.pos_embedding`` N(0, 0.02^2); the MLP blocks' weights Xavier-uniform and biases N(0, 1e-12);
      ``heads.pre_logits`` N(0, 1/fan_in) with bias 0 and ``heads.head`` 0; attention keeps
      ``nn.MultiheadAttention``'s own.
    - ``swin`` (V1, V2): linear layers truncated N(0, 0.02^2) cut at +-2, biases 0;
      ``relative_position_bias_table`` the same; V2's ``logit_scale`` log 10; the patch embedding keeps torch's
      default.
    - ``maxvit``: convolutions and linear layers N(0, 0.02^2), biases 0; ``relative_position_bias_table``
      truncated N(0, 0.02^2) cut at +-2.
    - ``alexnet``, ``shufflenet``: torch's layer defaults.

    Norm layers are 1/0 and running statistics 0/1 everywhere. The rules select by layer kind and by torchvision's
    module paths (``classifier/1/*``, ``heads/head/*``, ``layer*/*/bn3/*``...) with the role saying which tensor,
    so a port that keeps torchvision's module names gets the same laws in Keras, Flax, MXNet or Equinox, whatever
    it calls the tensor (``kernel``, ``gamma``...).

    Args:
        arch: a family above, or a torchvision builder's name (``"resnet50"``, ``"efficientnet_v2_s"``,
            ``"vit_b_16"``...), a string.
        zero_init_residual: True to zero each ResNet block's last norm scale, as torchvision's argument of that
            name (default False). Only for a ResNet builder's name.

    Returns:
        The ``Plan`` named "torchvision": ``presets.torch``'s rules and the family's.
        Its rules are quiet: one that matches nothing in a model gives no warning.

    Raises:
        TypeError: ``arch`` is not a string or ``zero_init_residual`` not a bool.
        ValueError: ``arch`` is no family or builder above, or ``zero_init_residual=True`` with anything but a
            ResNet builder's name.

    Examples:
        >>> import torch
        >>> import unifiedinit as ui
        >>> plan = ui.presets.torchvision("resnet50", zero_init_residual=True)
        >>> print(plan.rules[-1])
        kind=norm role=scale path=layer*/*/bn3/* -> Zeros()
        >>> model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.Flatten(), torch.nn.Linear(8, 2))
        >>> [(e.param.path, e.spec) for e in ui.inspect(model, ui.presets.torchvision("vgg11")).entries]
        ... # doctest: +NORMALIZE_WHITESPACE
        [('0/weight', KaimingNormal(a=0.0, mode='fan_out', nonlinearity='relu')), ('0/bias', Zeros()),
         ('2/weight', Normal(mean=0.0, std=0.01)), ('2/bias', Zeros())]
    """
    family = _family_of("torchvision", arch, TORCHVISION_FAMILIES, _TORCHVISION_BUILDERS,
                        "a torchvision builder's name such as 'resnet50'")
    if not isinstance(zero_init_residual, bool):
        raise TypeError(f"presets.torchvision: parameter 'zero_init_residual' must be True or False, "
                        f"got {zero_init_residual!r}")
    if zero_init_residual and (family != "resnet" or arch == "resnet"):
        raise ValueError(f"presets.torchvision: zero_init_residual=True needs a ResNet builder's name ('resnet18', "
                         f"'resnet50', 'resnext50_32x4d'...), which says the block's last norm, got arch={arch!r}")
    from . import presets
    plan = Plan(presets.torch.rules, "torchvision")
    he_out = KaimingNormal(mode="fan_out", nonlinearity="relu")
    trunc = _torch_trunc(0.02)
    conv, dense, layers = "conv", "dense", ("conv", "dense")
    if family in ("resnet", "vgg", "regnet", "mobilenet", "efficientnet", "mnasnet"):
        plan = plan.rule(he_out, kind=conv, role="weight")
    if family in ("vgg", "mobilenet", "efficientnet", "mnasnet"):
        plan = plan.rule(Zeros(), kind=layers, role="bias")
    if family in ("vgg", "regnet", "mobilenet"):
        plan = plan.rule(Normal(0.0, 0.01), kind=dense, role="weight").rule(Zeros(), kind=dense, role="bias")
    elif family == "efficientnet":
        plan = plan.rule(VarianceScaling(1 / 3, "fan_out", "uniform"), kind=dense, role="weight")
    elif family == "mnasnet":
        plan = plan.rule(VarianceScaling(1.0, "fan_out", "uniform"), kind=dense, role="weight")
    elif family == "densenet":
        plan = plan.rule(KaimingNormal(), kind=conv, role="weight").rule(Zeros(), kind=dense, role="bias")
    elif family == "convnext":
        plan = (plan.rule(trunc, kind=layers, role="weight").rule(Zeros(), kind=layers, role="bias")
                .rule(Constant(1e-6), path="*/layer_scale"))
    elif family == "squeezenet":
        plan = (plan.rule(KaimingUniform(), kind=conv, role="weight")
                .rule(Zeros(), kind=conv, role="bias")
                .rule(Normal(0.0, 0.01), kind=conv, role="weight", path="classifier/1/*"))
    elif family in ("googlenet", "inception_v3"):
        plan = _inception(plan, 0.01 if family == "googlenet" else 0.1, family == "inception_v3")
    elif family == "vit":
        lecun = VarianceScaling(1.0, "fan_in", "normal")
        plan = (plan.rule(lecun, kind=conv, role="weight", path="conv_proj/*")
                .rule(Zeros(), kind=conv, role="bias", path="conv_proj/*")
                .rule(Zeros(), path="class_token").rule(Normal(0.0, 0.02), path="encoder/pos_embedding")
                .rule(XavierUniform(), kind=dense, role="weight", path="*mlp/*")
                .rule(Normal(0.0, 1e-6), kind=dense, role="bias", path="*mlp/*")
                .rule(lecun, kind=dense, role="weight", path="heads/pre_logits/*")
                .rule(Zeros(), kind=dense, role="bias", path="heads/pre_logits/*")
                .rule(Zeros(), kind=dense, path="heads/head/*"))
    elif family == "swin":
        plan = (plan.rule(trunc, kind=dense, role="weight").rule(Zeros(), kind=dense, role="bias")
                .rule(trunc, path="*/relative_position_bias_table")
                .rule(Constant(math.log(10.0)), path="*/logit_scale"))
    elif family == "maxvit":
        plan = (plan.rule(Normal(0.0, 0.02), kind=layers, role="weight").rule(Zeros(), kind=layers, role="bias")
                .rule(trunc, path="*/relative_position_bias_table"))
    if zero_init_residual:
        last = "bn2" if arch in ("resnet18", "resnet34") else "bn3"
        plan = plan.rule(Zeros(), kind="norm", role="scale", path=f"layer*/*/{last}/*")
    return _quiet(plan, "torchvision")


# ------------------------------------------------------------------------------------------------------- timm

#: a timm model's name -> its family: the first pattern that matches the whole name (a ``.tag`` is dropped)
_TIMM_MODELS = (
    (r"(se)?resnet(10t|18d?|34d?)|resnetaa34d|resnetblur18", "resnet_basic"),
    (r"(se)?resnet\d+[cdst]?|(eca|se)?resnext(aa)?\d+[dt]?_\d+x\d+d|wide_resnet\d+_2|resnet50_gn|resnetrs\d+"
     r"|senet154|(se)?resnet(aa|blur)\d+d?|ecaresnet(\d+[dt]|light)|res2net(50|101)(d|_\d+w_\d+s)|res2next50"
     r"|resnest(14|26|50)d|resnest(101|200|269)e|resnest50d_\d+s\d+x\d+d", "resnet"),
    (r"skresnet(18|34|50d?)|skresnext50_32x4d", "sknet"),
    (r"resnetv2_\d+[dt]?|resnetv2_50d_gn|resnetv2_\d+x\d+_bit", "resnetv2"),
    (r"densenet(121|161|169|201|264d)|densenetblur121d", "densenet"),
    (r"regnet[xy]_\d+|regnet[xy]_\d+_tv|regnety_040_sgn", "regnet"),  # _tv: torchvision's configs, same init
    (r"(tf_)?efficientnet_(b\d|l2|lite\d|e[sml])|efficientnet_e[sl]_pruned"
     r"|efficientnet_(b[03]_(g8_)?gn|b0_g16_evos|x_b[35]|h_b5|blur_b0)"
     r"|efficientnetv2_(rw_[tsm]|s|m|l|xl)|tf_efficientnetv2_(s|m|l|xl|b[0-3])|mobilenetv1_\d+h?"
     r"|mobilenetv2_\d+d?|(se)?mnasnet_(\d+|small)|spnasnet_100|fbnetc_100|mixnet_(s|m|l|xl|xxl)|tf_mixnet_[sml]"
     r"|tinynet_[a-e]|mobilenet_edgetpu_100|lcnet_\d+|fbnetv3_[bdg]|mobilenetv3_rw|mobilenetv3_(large|small)_\d+d?"
     r"|tf_mobilenetv3_(large|small)(_minimal)?_\d+", "efficientnet"),
    (r"tf_efficientnet_(b\d_(ap|ns)|l2_ns(_475)?)|tf_efficientnetv2_(s|m|l|xl)_in21(ft1)?k|efficientnet_b[23]a"
     r"|mnasnet_[ab]1|mobilenetv3_large_100_miil(_in21k)?", "efficientnet"),  # timm's deprecated names for them
    (r"gc_efficientnetv2_rw_t|test_efficientnet(_gn|_ln)?", "efficientnet"),  # GlobalContext; timm's test nets
    (r"(tf_)?efficientnet_cc_(b0_[48]e|b1_8e)", "efficientnet"),  # CondConv: each expert a convolution
    (r"convnext_(atto|femto|pico|nano|tiny|small|base|large|xlarge|xxlarge)|convnext_(atto|femto|pico|nano)_ols"
     r"|convnext_tiny_hnf|convnext_large_mlp|convnextv2_(atto|femto|pico|nano|tiny|small|base|large|huge)"
     r"|test_convnext[23]?", "convnext"),
    (r"vit_(tiny|small|base|large|huge|giant|gigantic)_patch\d+_\d+|vit_base_patch16_224_miil"
     r"|deit_(tiny|small|base)(_distilled)?_patch16_\d+|flexivit_(small|base|large)|eva_large_patch14_\d+"
     r"|vit_(base|huge|giant)_patch\d+_gap_\d+|vit_(base|large|so400m|giantopt)_patch\d+_siglip_gap_\d+"
     r"|vit_(xsmall|medium|betwixt|base|large|huge|giant|gigantic)_patch\d+(_plus)?_clip(_quickgelu)?_\d+"
     r"|vit_base_patch16_reg4_gap_256|vit_so150m_patch16_reg4_gap_\d+"
     r"|vit_(huge|giant)_patch16_radio_v3|vit_(so400m|huge)_patch16_radio_v4"
     r"|beit3_(base|large)_patch16_224|beit3_giant_patch14_(224|336)", "vit"),
    (r"eva_giant_patch14_(224|336|560|clip_224)|eva02_(tiny|small|base|large)_patch14_(224|336|448)"
     r"|eva02_(base_patch16|large_patch14)_clip_(224|336)|eva02_enormous_patch14_clip_224"
     r"|vit_pe_spatial_(tiny|small|base)_patch16_512|vit_pe_spatial_large_patch14_448", "beit"),
    (r"maxvit_(pico|nano|tiny)_rw_\d+|maxvit_rmlp_(pico|nano|tiny|small|base)_rw_\d+|maxvit_tiny_pm_\d+"
     r"|maxxvit_rmlp_(tiny|small)_rw_\d+|maxxvitv2_rmlp_(base|large)_rw_\d+", "maxvit"),
    (r"maxvit_(tiny|small|base|large|xlarge)_tf_\d+", "maxvit_tf"),  # RelPosBiasTf: its table N(0, 0.02^2)
    (r"coatnet_(pico|nano|[0-3]|bn_0|rmlp_(nano|[0-3]))_rw_\d+|coatnet_rmlp_1_rw2_\d+|coatnet_[0-5]_\d+", "coatnet"),
    (r"(tf_|adv_|gluon_)?inception_v3", "inception_v3"),  # timm's deprecated names for its tagged weights
    (r"swin_(tiny|small|base|large)_patch4_window\d+_\d+|swin_s3_(tiny|small|base)_224", "swin"),  # S3: AutoFormerV2
    (r"swinv2_(tiny|small|base|large)_window\d+(to\d+)?_\d+(to\d+)?", "swinv2"),
    (r"mixer_[sbl](16|32)_224|gmlp_(ti|s|b)16_224", "mixer"),
    (r"rexnetr?_\d+", "efficientnet"),  # ReXNet's constructor calls efficientnet_init_weights
    (r"hrnet_w\d+(_small(_v2)?|_ssld)?|legacy_xception|dla(34|46x?_c|60x?_c|60x?|102x?2?|169)"
     r"|dla60_res2ne[xt]t?|legacy_senet154|legacy_seresnet(18|34|50|101|152)|legacy_seresnext(26|50|101)_32x4d",
     "hrnet"),  # legacy SENet's _weight_init: He normal fan_out convs, BatchNorm 1/0
    (r"ghostnet(v[23])?_\d+|convmixer_(768_32|1024_20_ks9_p14|1536_20)|efficientvit_[bl]\d|xception(41|65|71)p?",
     "defaults"),
    (r"cspnext_(tiny|s|m|l|x)", "defaults"), (r"selecsls(42|60)b?|selecsls84", "hrnet"),
    (r"nfnet_f[0-7]|nfnet_l0|eca_nfnet_l[0-3]|nf_regnet_b[0-5]|nf_(se|eca)?resnet(26|50|101)|test_nfnet", "nfnet"),
    (r"dm_nfnet_f[0-6]", "nfnet_skipinit"),  # skipinit: conv3's gain 1, the block's skipinit_gain 0
    (r"cspresnet50[dw]?|cspresnext50|cs3sedarknet_xdw", "cspnet"),  # BottleneckBlock: conv3.bn zeroed
    (r"cspdarknet53|(se)?darknet(17|21|53)|darknetaa53|cs3(se)?darknet(_focus)?_[smlx]|cs3(se_)?edgenet_x",
     "darknet"),  # DarkBlock, EdgeBlock: conv2.bn zeroed
    (r"tresnet_(m|l|xl)", "tresnet"), (r"tresnet_v2_l", "tresnet_v2"),  # v2: Bottleneck blocks only
    (r"(ese_)?vovnet(19b_slim_dw|19b_dw|19b_slim|39b|57b|99b)|vovnet(39|57)a|eca_vovnet39b", "vovnet"),
    (r"dpn(48b|68b?|92|98|107|131)|inception_v4|(ens_adv_)?inception_resnet_v2|nasnetalarge|pnasnet5large"
     r"|repghostnet_\d+", "defaults"),
    (r"vgg(11|13|16|19)(_bn)?", "resnetv2"),  # VGG's loop: ResNetV2's laws, a Linear classifier
    (r"hardcorenas_[a-f]", "efficientnet"),  # built by MobileNetV3, which runs efficientnet_init_weights
    (r"fasternet_(t[012]|[sml])|inception_next_(atto|tiny|small|base)|mambaout_(femto|kobe|tiny|small|base)",
     "convnext"),
    (r"hgnet_(tiny|small|base)|hgnetv2_b[0-6]", "hgnet"), (r"repvit_m(0_9|1(_[015])?|2(_3)?|3)", "repvit"),
    (r"starnet_s([1-4]|050|100|150)", "starnet"), (r"edgenext_(xx_small|x_small|small|base|small_rw)", "edgenext"),
    (r"poolformerv2_(s12|s24|s36|m36|m48)|(conv|ca)former_(s18|s36|m36|b36)", "metaformer"),
    (r"focalnet_(tiny|small|base)_[sl]rf", "convnext"),  # ConvNeXt's laws: truncated convs and linear layers
    (r"davit_(tiny|small|base|large|huge|giant)|davit_(base|huge)_fl|crossvit_(9|15|18)(_dagger)?_240"
     r"|crossvit_(15|18)_dagger_408|crossvit_(tiny|small|base)_240|volo_d[1-5]_(224|384|448|512)"
     r"|coat_(tiny|mini|small)|coat_lite_(tiny|mini|small|medium)|coat_lite_medium_384", "xcit"),
    (r"pvt_v2_b[0-5]|pvt_v2_b2_li|twins_(pcpvt|svt)_(small|base|large)", "pvt_v2"),
    (r"pit_(ti|xs|s|b)(_distilled)?_224", "pit"),
    (r"levit_(conv_)?(128s?|192|256d?|384(_s8)?|512(_s8|d)?)", "levit"),
    (r"fastvit_(t8|t12|s12|sa12|sa24|sa36|ma36|mci[0-4])", "fastvit"),
    (r"hiera_(tiny|small|base|base_plus|large|huge)_224", "hiera"),
    (r"hiera_(small|base)_abswin_256", "hiera_abswin"),  # weight_init='jax', init_values 1e-5
    (r"mvitv2_(tiny|small|base|large)|mvitv2_(small|base|large|huge)_cls", "mvitv2"),
    (r"nest_(tiny|small|base)(_jx)?", "nest"), (r"tnt_(s|b)_patch16_224|tnt_s_legacy_patch16_224", "tnt"),
    (r"visformer_(tiny|small)", "visformer"), (r"gcvit_(xxtiny|xtiny|tiny|small|base)", "gcvit"),
    (r"efficientformer_l[137]|efficientformerv2_(s[012]|l)|tiny_vit_(5m|11m|21m)_224|tiny_vit_21m_(384|512)",
     "efficientformer"),
    (r"swiftformer_(xs|s|l1|l3)", "swiftformer"), (r"convit_(tiny|small|base)", "convit"),
    (r"vit_relpos_(small|medium|base)_patch16_224|vit_relpos_(medium|base)_patch16_cls_224"
     r"|vit_relpos_base_patch16_clsgap_224|vit_relpos_base_patch16_plus_240|vit_srelpos_(small|medium)_patch16_224"
     r"|test_vit_relpos",
     "vit_relpos"),
    (r"vit_relpos_(small|medium|base)_patch16_rpn_224|vit_relpos_base_patch32_plus_rpn_256", "vit_relpos_rpn"),
    (r"swinv2_cr_(tiny|small|base|large|huge|giant)_(224|384)|swinv2_cr_(tiny|small|base)_ns_224"
     r"|swinv2_cr_small_ns_256", "swinv2_cr"),
    # byobnet.py and byoanet.py (ByobNet._init_weights): the block's last norm is zeroed but where a block has no
    # shortcut (regnetz's first blocks), GENet's BasicBlock stages, RepVGG's and MobileOne's own blocks
    (r"(se|eca_|gc|bat_)?resnext26ts|(se|eca_|gc)?resnet33ts|resnet32ts|gcresnet50t|gcresnext50ts|resnet[56]1q"
     r"|resnet50_mlp|resnet(50|101|50x4|50x16|50x64)_clip(_gap)?|botnet(26t|50ts)_256|eca_botnext26ts_256"
     r"|eca_halonext26ts|halonet(26t|50ts|_h1)|halo2botnet50ts_256|lambda_resnet(26rpt_256|26t|50ts)"
     r"|lamhalobotnet50ts_256|sebotnet33ts_256|sehalonet33ts", "byobnet"),
    (r"test_byobnet", "byobnet_test"),  # an EdgeBlock, a DarkBlock, a BasicBlock and a bottleneck stage
    (r"gernet_[lms]", "gernet"), (r"regnetz_(b16|c16|e8)|haloregnetz_b", "regnetz"),
    (r"regnetz_d(8|32)", "regnetz_d"), (r"repvgg_(a[0-2]|b[0-3]|b[1-3]g4|d2se)", "repvgg"),
    (r"mobileone_s[0-4]", "mobileone"),
    # MobileViT V1 and V2: ByobNets whose stages open with a block without shortcut, but for MobileViT-XXS's first
    # (its stem is as wide as stage 0): RegNetZ's rules
    (r"mobilevit_(xs|s)|mobilevitv2_(050|075|100|125|150|175|200)", "regnetz"), (r"mobilevit_xxs", "regnetz_d"),
    # vision_transformer.py's other ViTs: SigLIP's and SO150M's attention pooling ('map'), AIMv2 (SwiGLU, RMS norms),
    # the parallel-scaling _xp ViTs, timm's test_vit; ResPostBlock (_rpn); mlp_mixer.py's GLU Mixers (GluMlp)
    (r"vit_(base|large|so400m|giantopt)_patch\d+_siglip_\d+|vit_so150m_patch16_reg4_map_256|test_vit"
     r"|aimv2_(large|huge|1b|3b)_patch14_(224|336|448)|vit_(base_patch16|large_patch14|huge_patch14)_xp_224", "vit"),
    (r"vit_base_patch16_rpn_224", "vit_rpn"), (r"gmixer_(12|24)_224", "gmixer"),
    # vision_transformer_hybrid.py: ViTs on a conv backbone the ViT init runs over (init_weights_vit_timm calls a
    # module's init_weights: ResNetV2's, with its default zero_init_last=True); a bare stem or ConvStem has none
    (r"vit_tiny_r_s16_p8_(224|384)|vit_base_mci_224", "vit"),
    (r"vit_(small|base)_r26_s32_(224|384)|vit_base_r50_s16_(224|384)|vit_large_r50_s32_(224|384)"
     r"|vit_(small|base)_resnet26d_224|vit_small_resnet50d_s16_224|vit_base_resnet50d_224", "vit_hybrid"),
    (r"samvit_(base|large|huge)_patch16|samvit_base_patch16_224", "samvit"),  # no init: torch's defaults
    (r"vitamin_(small|base|large|large2)_224|vitamin_(large|large2|xlarge)_(256|336|384)", "vitamin"),
    (r"sam2_hiera_(tiny|small|base_plus|large)", "hiera"),  # HieraDet: Hiera's init_weight_vit, fix_init_weight
    # the pruned nets: adapt_model_from_file rebuilds every Conv2d, BatchNorm and Linear after the init, at torch's
    # defaults (ECA's Conv1d, copied, kept its own); test_resnet: BasicBlock stages 0, 1, 3, a Bottleneck stage 2
    (r"ecaresnet(50d|101d)_pruned|efficientnet_b[123]_pruned", "defaults"), (r"test_resnet", "resnet_test"),
    (r"maxxvit_rmlp_nano_rw_256|maxxvitv2_nano_rw_256", "maxvit_normal"),  # MaxxVit's weight_init='normal'
    (r"coatnext_nano_rw_224", "coatnext"),  # weight_init='normal' too, its ConvNeXt blocks without init_weights
    (r"coatnet_nano_cc_224", "coatnet_cc"),  # stages 2 and 3 open with a conv block, then transformer blocks
    (r"mobilenetv4_conv_(small(_035|_050)?|medium|large|aa_medium|aa_large|blur_medium)"
     r"|mobilenetv4_hybrid_(medium|large)(_075)?|mobilenetv5_(300m(_enc)?|base)", "mobilenetv4"),
    (r"mobilenet_edgetpu_v2_(xs|s|m|l)", "mobilenet_edgetpu_v2"), (r"lcnetv2_(small|base|large)", "lcnetv2"),
    (r"convnext_(atto|zepto)_rms|convnext_zepto_rms_ols", "convnext"),  # RmsNorm2d, SimpleNorm2d: weight 1
    # eva.py's PE-core (EVA's init and an attention pool's latent) and Sapiens2 (its LayerScale by name): BEiT's
    (r"vit_pe_core_(tiny_patch16_384|small_patch16_384|base_patch16_224|large_patch14_336|gigantic_patch14_448)"
     r"|vit_(base|large|huge|giant|5b)_patch16_sapiens2", "beit"),
    (r"naflexvit_base_patch16_(gap|par_gap|parfac_gap|map|siglip)|naflexvit_so150m2_patch16_reg1_(gap|map)"
     r"|naflexvit_so400m_patch16_siglip|naflexvit_(base|large|huge|giant)_patch16_radio_v3"
     r"|naflexvit_(so400m|huge)_patch16_radio_v4", "naflexvit"),
    (r"qwen3_vit_(88m|306m|416m)(_enc|_merge)?|deepseek_vit_412m(_align|_enc)?", "qwen3_vit"),
    (r"gemma4_vit_(167m|570m)(_enc)?", "gemma4_vit"),
    # CPUBone keeps torch's defaults; iFormer's and NextViT's init is ConvNeXt's, LowFormer's XCiT's (linear layers
    # only), Sequencer's MLP-Mixer's (its LSTMs keep torch's default, which its loop draws again)
    (r"cpubone_(nano|s0|t0|b3)|cpubone_(b0|b1|b2)_bfrobust|cpubone_(b1|b2pt5)_dwnorm", "defaults"),
    (r"iformer_(t|s|m|l|l2|h)|iformer_(m|l|l2)_distilled|nextvit_(small|base|large)", "convnext"),
    (r"lowformer_(b0|b1|b15|b2|b3|e1|e2|e3)", "xcit"), (r"sequencer2d_[sml]", "mixer"),
    (r"efficientvit_m[0-5]", "efficientvit_msra"), (r"shvit_s[1-4]", "shvit"),
    (r"efficientvim_m[1-4](_dist)?", "efficientvim"), (r"csatv2(_21m)?", "csatv2"),
    (r"regnetv_(040|064)|regnetz_(005|040|040_?h)", "regnetv"),  # regnet.py's RegNetV and RegNetZ (040h: deprecated)
    (r"test_maxvit", "maxvit"), (r"test_coatnet", "coatnet"),  # timm's test MaxxViTs: their families' blocks
    # with EvoNorm or FilterResponseNorm layers: their families' laws, the norms' v 1 and tau 0 (every family's)
    (r"resnetv2_50d_(evos|frn)", "resnetv2"), (r"ese_vovnet39b_evos", "vovnet"), (r"regnetz_(b16|c16)_evos", "regnetz"),
    (r"regnetz_d8_evos", "regnetz_d"), (r"test_efficientnet_evos", "efficientnet"))

#: timm's models with LayerScale (``init_values``): a name -> its family and each block's gamma, the first pattern
#: that matches the whole name (ViT's ``ls1``/``ls2``, BEiT's and EVA's ``gamma_1``/``gamma_2``)
_TIMM_LAYER_SCALE = (
    (r"deit3_(small|medium|base|large|huge)_patch1[46]_\d+|vit_(medium|betwixt)_patch16_gap_\d+", "vit", 1e-6),
    (r"vit_base_patch(16|32)_plus_\d+|vit_small_patch16_36x1_224|vit_(small|base|large)_patch14_(reg4_)?dinov2"
     r"|vit_(wee|little|medium|mediumd|betwixt)_patch16_reg[14]_gap_\d+|vit_so150m2_patch16_reg1_gap_\d+"
     r"|vit_(base|large)_patch16_radio_v3", "vit", 1e-5),
    (r"vit_(base|large|so400m)_patch14_reg1_tipsv2", "vit", 1.0), (r"vit_intern300m_patch14_448", "vit", 0.1),
    (r"beit_base_patch16_(224|384)", "beit", 0.1),
    (r"beit_large_patch16_(224|384|512)|beitv2_(base|large)_patch16_224"
     r"|vit_(small|base|large)_patch16_rope(_mixed)?(_ape)?_224"
     r"|vit_(medium|mediumd|base)_patch16_rope_reg1_gap_256|vit_betwixt_patch16_rope_reg4_gap_256"
     r"|vit_(tiny|small|small_plus|base|large|huge_plus|7b)_patch16_dinov3(_qkvb)?"
     r"|vit_(small|base|large|giant)_patch16_lingbot", "beit", 1e-5),
    (r"vit_pe_(lang_(large|gigantic)|spatial_gigantic)_patch14_448", "beit", 0.1),
    (r"resmlp_12_224", "mixer", 1e-4), (r"resmlp_24_224", "mixer", 1e-5), (r"resmlp_(36|big_24)_224", "mixer", 1e-6),
    (r"cait_(xxs(24|36)_(224|384)|xs24_384|s24_(224|384))", "cait", 1e-5),
    (r"cait_(s36_384|m36_384|m48_448)", "cait", 1e-6),
    # MambaOut's _rw and test models: timm's LayerScale at its default 1e-5 (the configs' ls_init_value only says
    # there is one); RDNet's ls_init_value; PoolFormer V1's layer_scale_init_values
    (r"mambaout_(small|base_(short|tall|wide|plus))_rw|test_mambaout", "convnext", 1e-5),
    (r"rdnet_(tiny|small|base|large)", "densenet", 1e-6),
    (r"poolformer_s(12|24)", "metaformer", 1e-5), (r"poolformer_(s36|m36|m48)", "metaformer", 1e-6),
    (r"xcit_(nano|tiny|small)_12_p(8|16)_(224|384)", "xcit", 1.0),  # eta
    (r"xcit_(tiny|small|medium|large)_24_p(8|16)_(224|384)", "xcit", 1e-5),
    (r"focalnet_(large|xlarge|huge)_fl[34]", "convnext", 1e-4),  # layerscale_value
    # ParallelThingsBlock's attns/*/ls, ffns/*/ls; the parallel and differential ViTs; timm's test ViTs 2-4
    (r"vit_(small|base)_patch16_18x2_224|vit_(pwee|dwee|dpwee|dlittle)_patch16_reg1_gap_256|test_vit[234]", "vit",
     1e-5),
    (r"vit_giant_patch14_(reg4_)?dinov2", "vit_glu", 1e-5), (r"vit_giant_patch14_reg1_tipsv2", "vit_glu", 1.0),
    (r"hieradet_small", "hiera", 1e-5),  # HieraDet's init_values
    (r"naflexvit_base_patch16_(gap|par_gap|parfac_gap|map|radio_v3)|naflexvit_so150m2_patch16_reg1_(gap|map)"
     r"|naflexvit_large_patch16_radio_v3", "naflexvit", 1e-5),
    (r"vit_(base|large|huge|giant|5b)_patch16_sapiens2", "beit", 1.0))  # gamma_1 only (attn_only_layer_scale)

#: where each family with LayerScale keeps it: ViT's ``ls1``/``ls2``, ResMLP's, BEiT's and EVA's ``gamma_1``/
#: ``gamma_2``, CaiT's in both of its stacks (``blocks``, ``blocks_token_only``), MambaOut's ``ls`` (family
#: ``convnext``, FocalNet's ``ls1``/``ls2`` too), RDNet's dense blocks' ``gamma`` (``densenet``), PoolFormer V1's
#: ``layer_scale1``/``layer_scale2``, XCiT's ``gamma1``-``gamma3`` (``blocks``, ``cls_attn_blocks``)
_TIMM_LAYER_SCALE_PATHS = {"vit": "blocks/*/ls*/gamma", "mixer": "blocks/*/ls[12]", "beit": "blocks/*/gamma_[12]",
                           "cait": "blocks*/*/gamma_[12]", "convnext": "*/blocks/*/ls*/gamma",
                           "densenet": "dense_stages/*/gamma", "metaformer": "stages/*/blocks/*/layer_scale[12]/scale",
                           "xcit": "*blocks/*/gamma[123]", "vit_glu": "blocks/*/ls[12]/gamma",
                           "hiera": "blocks/*/ls[12]/gamma",
                           "naflexvit": "blocks/*/ls[12]/gamma"}

TIMM_FAMILIES = ("resnet", "sknet", "resnetv2", "densenet", "regnet", "efficientnet", "convnext", "vit", "beit",
                 "swin", "swinv2", "mixer", "cait", "maxvit", "coatnet", "inception_v3", "hrnet", "defaults", "nfnet",
                 "cspnet", "darknet", "tresnet", "vovnet", "hgnet", "repvit", "starnet", "edgenext", "metaformer",
                 "xcit", "pvt_v2", "pit", "levit", "fastvit", "hiera", "mvitv2", "nest", "tnt", "visformer", "gcvit",
                 "efficientformer", "swiftformer", "vit_relpos", "vit_relpos_rpn", "swinv2_cr", "convit", "byobnet",
                 "gernet", "regnetz", "regnetz_d", "repvgg", "mobileone", "vit_glu", "vit_rpn", "gmixer", "vit_hybrid",
                 "samvit", "vitamin", "maxvit_normal", "coatnext", "mobilenetv4", "mobilenet_edgetpu_v2", "lcnetv2",
                 "naflexvit", "qwen3_vit", "gemma4_vit", "efficientvit_msra", "shvit", "efficientvim", "csatv2",
                 "regnetv")


def timm(arch: str, *, zero_init_last: bool = True) -> Plan:
    """The initialization timm's constructor gives a model, for ``arch`` a family or a timm model's name.

    timm's models (``timm/models/*.py``, 1.0.31, with ``timm.create_model(name)``'s defaults) start from torch's
    layer defaults (``presets.torch``) and then redraw some layers in their constructor. This plan is those
    defaults and the constructor's rules, family by family:

    - ``resnet`` (``ResNet.init_weights``: ResNet, ResNeXt, Wide ResNet, their SE, ECA, BlurPool, anti-aliased
      and GroupNorm variants, ResNet-RS, SENet-154; Res2Net, ResNeSt): 2-d convolutions He normal, fan_out (the
      squeeze-excitation, split-attention convs too); ECA's ``Conv1d`` (``se/conv``), the classifier and the conv
      biases keep torch's default; norms 1/0. ``zero_init_last=True`` (timm's default) zeroes each block's last
      norm scale (``bn2`` of a BasicBlock, ``bn3`` of a Bottleneck, Bottle2neck or ResNeSt block): pass the
      model's name (``"resnet50"``), which says the block.
    - ``sknet`` (SK-ResNet, SK-ResNeXt): ``resnet``'s convolutions (each selective-kernel path and attention conv),
      no zeroed norm: timm builds them with ``zero_init_last=False``.
    - ``resnetv2`` (pre-activation ResNet V2, ``d``/``t`` stems, GroupNorm, BiT with ``StdConv2d``:
      ``_init_weights``): convolutions He normal, fan_out, biases 0; the 1x1-conv classifier ``head.fc`` and
      linear layers N(0, 0.01^2), biases 0; norms 1/0; nothing zeroed (timm's ``zero_init_last=False``). VGG's
      ``_initialize_weights`` (``vgg11``... ``vgg19_bn``, the ``pre_logits`` 7x7 and 1x1 convs and a linear
      classifier) draws the same laws: its names are read as ``resnetv2``.
    - ``densenet`` (DenseNet 121-264, BlurPool ``densenetblur121d``; RDNet, whose ``_init_weights`` draws the same):
      convolutions He normal, fan_in, their biases torch's default; the classifier's bias 0, its weight torch's
      default; norms 1/0; RDNet's dense blocks' ``gamma`` its ``ls_init_value`` 1e-6 (by name only).
    - ``hrnet`` (HRNet's ``init_weights``; ``legacy_xception``, DLA, SelecSLS and the legacy SENets ``legacy_se*``
      draw the same): convolutions He normal, fan_out; norms 1/0; the rest torch's defaults; nothing zeroed.
    - ``vovnet`` (VoVNet, ESE-VoVNet, ECA-VoVNet): ``hrnet``'s convolutions (torch's fan_out, the depthwise
      ``conv_dw`` too; ECA's ``Conv1d`` keeps torch's default) and the classifier's bias 0.
    - ``tresnet`` (TResNet M, L, XL; V2-L by name): convolutions He normal, fan_out (``leaky_relu`` with slope 0),
      their biases (the SE's) torch's default; the classifier's weight N(0, 0.01^2), its bias torch's default; each
      BasicBlock's ``conv2.bn`` and Bottleneck's ``conv3.bn`` scale 0 (BasicBlocks in ``layer1`` and ``layer2``;
      V2 has Bottlenecks only).
    - ``cspnet`` (CSPResNet, CSPResNeXt, ``cs3sedarknet_xdw``: BottleneckBlock), ``darknet`` (DarkNet, CSPDarkNet,
      the ``cs3`` DarkNets and EdgeNets: DarkBlock, EdgeBlock; ``_init_weights``): convolutions He normal, fan_out,
      biases 0; linear layers N(0, 0.01^2), biases 0; ``zero_init_last=True`` (timm's default) zeroes each block's
      last norm scale, ``conv3.bn`` (``cspnet``) or ``conv2.bn`` (``darknet``).
    - ``nfnet`` (NFNet-F0-F7, ECA-NFNet-L0-L3, NFNet-L0, NF-RegNet, NF-ResNet, NF-SE- and NF-ECA-ResNet; the
      DeepMind ``dm_nfnet_f*`` by name): the constructor's loop draws every ``Conv2d`` (``ScaledStdConv2d``, the
      SE's 1x1 convs) N(0, 1/fan_in) (``kaiming_normal_``, ``linear``), biases 0, and the classifier ``head.fc``
      N(0, 0.01^2), bias 0; ECA's ``Conv1d`` keeps torch's default; each ``ScaledStdConv2d``'s ``gain`` 1 but a
      block's ``conv3.gain`` 0 (``gain_init``), or with ``dm_nfnet``'s skipinit ``conv3.gain`` 1 and the block's
      ``skipinit_gain`` 0.
    - ``defaults`` (GhostNet V1-V3, ConvMixer, EfficientViT (MIT) B and L, the aligned ``xception41``/``65``/``71``
      and their ``p`` variants, DPN, Inception v4, Inception-ResNet v2 (and its deprecated
      ``ens_adv_inception_resnet_v2``), NASNet-A Large, PNASNet-5 Large, RepGhostNet, CSPNeXt): their constructors keep
      torch's layer defaults, so this plan is ``presets.torch``'s rules only. ReXNet's constructor runs the
      EfficientNet init and HardCoRe-NAS is built by MobileNetV3's: ``rexnet_100``, ``hardcorenas_a``... are read
      as ``efficientnet``.
    - ``hgnet`` (PP-HGNet and PP-HGNetV2: the constructor's loop): convolutions He normal, fan_out, their biases
      torch's default; linear biases 0, weights torch's default; norms 1/0; V2's ``LearnableAffineBlock``
      ``lab.scale``/``lab.bias`` 1/0 (the head's is ``head.last_conv.2``).
    - ``repvit`` (RepViT: ``ConvNorm``'s ``bn_weight_init``, ``NormLinear``'s ``trunc_normal_``): torch's defaults
      but the norm scale 0 after each ``RepVitMlp``'s ``conv2`` (``channel_mixer.conv2.bn``, the downsample's
      ``ffn.conv2.bn``) and the classifiers' linear layers truncated N(0, 0.02^2) cut at +-2, biases 0.
    - ``starnet`` (StarNet: ``_init_weights``): convolutions and linear layers truncated N(0, 0.02^2) cut at +-2,
      linear biases 0, the convolutions' biases torch's default; norms 1/0.
    - ``edgenext`` (EdgeNeXt: ``_init_weights`` with ``trunc_normal_tf_``, ``head_init_scale`` 1): convolutions and
      linear layers N(0, 0.02^2) cut at +-2 sigma (+-0.04), biases 0; each block's ``gamma`` and ``gamma_xca``
      1e-6 (``ls_init_value``); the cross-covariance attention's ``temperature`` 1.
    - ``metaformer`` (PoolFormer V1 and V2, ConvFormer, CAFormer: ``_init_weights``): ConvNeXt's truncated
      N(0, 0.02^2) convolutions and linear layers, biases 0; each ``StarReLU``'s ``scale``/``bias`` 1/0; the
      ``res_scale1``/``res_scale2`` ``scale`` 1 (stages 2 and 3 of all but PoolFormer V1); PoolFormer V1's
      ``layer_scale1``/``layer_scale2`` ``scale`` its ``layer_scale_init_values`` (1e-5 S12 and S24, 1e-6 S36,
      M36 and M48, by name only).
    - ``regnet`` (RegNetX, RegNetY, their torchvision ``_tv`` configs, ``regnety_040_sgn``: ``_init_weights``;
      ``regnet.py``'s pre-activation RegNetV and its RegNetZ are ``regnetv``): convolutions N(0, 2/fan_out) with timm's
      fan_out k*k*out/groups, which for the grouped ``conv2`` (in = out) is torch's fan_in: He normal, fan_out, and
      fan_in for ``conv2``; their biases 0; linear layers N(0, 0.01^2), biases 0; ``zero_init_last=True`` zeroes each
      block's ``conv3.bn`` scale.
    - ``efficientnet`` (the ``_gen_*`` nets of ``efficientnet.py`` and ``mobilenetv3.py`` that ``_init_weight_goog``
      draws: EfficientNet B0-B8, L2, Lite, EdgeTPU-S/M/L, their ``tf_`` ports, the GroupNorm and grouped-conv B0/B3, X
      and H; EfficientNet V2; MixNet; MobileNet V1, V2, V3, EdgeTPU; MnasNet, SPNASNet, FBNet-C and V3, TinyNet, LCNet;
      ``gc_efficientnetv2_rw_t``, timm's test nets): convolutions the same He normal with timm's grouped fan_out, so
      fan_in for the depthwise or grouped ``conv_dw`` (in = out in all of them) and MixNet's split ``conv_dw/0``,
      ``conv_dw/1``..., biases 0; linear layers U(+-1/sqrt(fan_out)), biases 0; norms 1/0. The CondConv nets
      (``efficientnet_cc_b0_4e``, ``_b0_8e``, ``_b1_8e`` and their ``tf_`` ports) the same, each expert of a
      ``CondConv2d`` drawn as the convolution it is (the torch backend views its flattened (experts, n) weight as
      (experts, out, in/groups, kh, kw)), and each block's ``routing_fn`` U(+-1/sqrt(fan_in + fan_out)), bias 0.
      MobileNet-EdgeTPU V2, MobileNet V4 and the pruned B1-B3 below.
    - ``convnext`` (ConvNeXt V1, its ``_ols``, ``_hnf`` and ``_mlp`` variants, ``test_convnext*``, and V2:
      ``_init_weights``, ``head_init_scale`` 1): convolutions and linear layers truncated N(0, 0.02^2) cut at +-2,
      biases 0; each V1 block's ``gamma`` (``ls_init_value``) 1e-6; V2's ``mlp.grn`` weight and bias 0 (its
      constructor's; V2 has no ``gamma``). FasterNet, InceptionNeXt (``gamma`` 1e-6) and MambaOut draw the same in their
      ``_init_weights``; MambaOut's ``_rw`` models and ``test_mambaout`` have a ``ls.gamma`` at timm's ``LayerScale``
      default 1e-5 (their ``ls_init_value`` only says there is one; by name only).
    - ``vit`` (``init_weights`` with ``weight_init=''``, ``fix_init=False``, ``init_weights_vit_timm``: ViT,
      DeiT, distilled DeiT, DeiT III, CLIP and SigLIP ``_gap`` ViTs, FlexiViT, EVA-L, DINOv2, the register and
      ``_gap`` ViTs, TIPSv2, RADIO, InternViT-300M, BEiT-3), ``swin`` (Swin V1, Swin-S3), ``swinv2`` (Swin V2): linear
      layers truncated N(0, 0.02^2) cut at +-2, biases 0; ViT's ``pos_embed`` and ``dist_token`` the same, its
      ``cls_token`` and ``reg_token`` N(0, 1e-12), each block's LayerScale ``ls1``/``ls2`` ``gamma`` the
      model's ``init_values`` (1e-6 DeiT III and ``vit_medium``/``vit_betwixt`` ``_gap``, 1e-5 DINOv2 and the
      register ViTs, 1 TIPSv2, 0.1 InternViT: only a model's name says it, the family ``"vit"`` has none);
      Swin's ``relative_position_bias_table`` truncated N(0, 0.02^2) cut at +-2; Swin V2's ``logit_scale``
      log 10, ``q_bias`` and ``v_bias`` 0 and each block's ``norm1``/``norm2`` 0/0 (res-post-norm); the patch
      embedding keeps torch's default.
    - ``beit`` (BEiT, BEiT V2, and ``eva.py``'s EVA, EVA-02, RoPE, RoPE-Mixed, DINOv3, LingBot and PE-lang/spatial ViTs:
      ``_init_weights``, ``fix_init_weight``, ``head_init_scale`` 0.001):
      linear layers truncated N(0, 0.02^2) cut at +-2, biases 0, but each block's output layers ``attn.proj`` and
      ``mlp.fc2`` (EVA-02's SwiGLU too) divided by sqrt(2 (l + 1)) in block l (``blocks/<l>`` on the path, read
      by a ``ui.Scaled`` factor: std and cut divided alike) and the classifier ``head`` multiplied by 0.001;
      ``pos_embed``, ``cls_token`` and ``reg_token`` truncated N(0, 0.02^2); ``q_bias``, ``v_bias`` and the
      ``relative_position_bias_table`` 0; ``gamma_1``/``gamma_2`` the model's ``init_values`` (0.1 BEiT-B,
      PE-lang and PE-spatial-G, 1e-5 BEiT-L, BEiT V2, RoPE, DINOv3 and LingBot ViTs, by name only; EVA, EVA-02
      and the smaller PE-spatial have none); the patch embedding keeps torch's default; the RoPE-Mixed ViTs'
      ``rope.freqs`` ``ui.MixedRoPE()`` (``init_random_2d_freqs``: one uniform angle per block and head).
    - ``mixer`` (``mlp_mixer.py``'s MLP-Mixer, ResMLP and gMLP: ``_init_weights`` with ``flax=False``,
      ``nlhb=False``): the stem conv LeCun normal (timm's ``lecun_normal_``: truncated at +-2 sigma, std
      1/sqrt(fan_in)), bias 0; linear layers Xavier uniform, their biases N(0, 1e-12) under a module whose name holds
      ``mlp`` (``mlp_tokens``, ``mlp_channels``) and 0 elsewhere (ResMLP's ``linear_tokens``); the classifier ``head``
      0/0; gMLP's ``mlp_channels.gate.proj`` N(0, 1e-12), bias 1 (``SpatialGatingUnit.init_weights``); ResMLP's
      ``Affine`` ``alpha``/``beta`` 1/0 and ``ls1``/``ls2`` the model's ``init_values`` (1e-4 ResMLP-12, 1e-5
      ResMLP-24, 1e-6 ResMLP-36 and ResMLP-B-24, by name only). The GLU Mixers ``gmixer_*``: ``gmixer`` below.
    - ``cait`` (CaiT: ``_init_weights``): linear layers truncated N(0, 0.02^2) cut at +-2 (the talking heads'
      ``proj_l``/``proj_w`` and the class attention's ``q``, ``k``, ``v`` too), biases 0; ``pos_embed`` and
      ``cls_token`` the same; each block's and each class-attention block's (``blocks_token_only``)
      ``gamma_1``/``gamma_2`` the model's ``init_values`` (1e-5 XXS, XS and S24, 1e-6 S36, M36 and M48, by name
      only); the patch embedding keeps torch's default.
    - ``maxvit`` (MaxViT ``_rw``, ``_rmlp``, ``_pm``, MaxxViT and MaxxViT V2 ``_rmlp``, the ``_tf`` ports by name,
      ``test_maxvit``), ``coatnet`` (CoAtNet ``_rw``, ``_rmlp``, the paper's 0-5, ``test_coatnet``:
      ``MaxxVit._init_weights``, scheme ``vit_eff``): the stem's and each conv block's convolutions He normal with
      timm's fan_out k*k*out/groups (torch's fan_out;
      fan_in for the depthwise ``conv2_kxk`` and ``conv_dw``, and half that variance for the ``conv_dw`` of
      MaxxViT's ConvNeXt block opening stages 1-3, which doubles the width), biases 0; the attention blocks'
      convolutions and linear layers (``attn_block``, ``attn_grid``, a parallel block's ``attn``; CoAtNet's stages 2
      and 3) Xavier uniform, biases 0, but N(0, 1e-12) where ``mlp`` is on the path (the MLP, ``RelPosMlp``'s);
      ``relative_position_bias_table`` truncated N(0, 0.02^2) cut at +-2 (N(0, 0.02^2) for the ``_tf`` ports'
      ``RelPosBiasTf``); LayerScale ``gamma`` 1e-6; the classifier head keeps torch's default. The configs with
      ``weight_init='normal'`` are ``maxvit_normal`` and ``coatnext`` below. ``coatnet_nano_cc_224`` (by name):
      stages 2 and 3 open with a conv block (``blocks/0``), then transformer blocks, which the path says.
    - ``byobnet`` (``byobnet.py``'s and ``byoanet.py``'s ``ByobNet``: the ``ts``/``t`` ResNets and ResNeXts with
      SE, ECA, GlobalContext or BAT attention, ``resnet51q``/``61q``, ``resnet50_mlp``, the CLIP ResNets and their
      ``_gap`` heads, BoTNet, HaloNet, LambdaNet and their hybrids), ``gernet`` (GENet), ``regnetz`` (RegNetZ B16,
      C16, E8, ``haloregnetz_b``; MobileViT S and XS, MobileViT V2), ``regnetz_d`` (RegNetZ D8, D32; MobileViT
      XXS): ``_init_weights`` draws every ``Conv2d`` N(0, 2/(k*k*out/groups)), He normal, fan_out, and fan_in for
      the grouped ``conv2_kxk``/``conv2b_kxk`` and MobileViT's ``conv_kxk`` (in = out), biases 0; linear layers
      N(0, 0.01^2), biases 0; norms 1/0; ECA's ``Conv1d`` torch's default. Each block's ``init_weights``
      (``zero_init_last=True``) zeroes its last norm scale where it has a shortcut: ``conv3_1x1`` (bottleneck,
      self-attention, MobileViT's inverted residuals), ``conv2_1x1`` (EdgeBlock), ``conv2_kxk`` in GENet's
      BasicBlock stages 0 and 1; not in a stage's first block in RegNetZ and MobileViT (stage 0's too but in D8, D32
      and MobileViT-XXS, whose stem is as wide as stage 0), which has none. ``test_byobnet`` (by name: an EdgeBlock,
      a DarkBlock, a BasicBlock and a bottleneck stage): the DarkBlock's and BasicBlock's ``conv2_kxk`` widen
      (mid -> out), so He normal, fan_out, and they are the norms its ``zero_init_last`` zeroes in stages 1 and 2.
      GlobalContext's ``conv_attn`` He normal, fan_in, its ``mlp_add.fc2`` weight 0. The self-attention layers'
      ``qkv``, ``q``, ``kv`` and AttentionPool2d's ``q``, ``k``, ``v`` and ``pos_embed``: N(0, 1/fan_in); the
      relative tables ``pos_embed.height_rel``/``width_rel`` (2 size - 1, dim_head) N(0, 1/dim_head) (timm's
      ``trunc_normal_``, cut at +-2 absolute, 8 or more standard deviations out: drawn uncut); LambdaLayer's
      ``conv_lambda`` (a ``Conv3d``) truncated N(0, 0.25^2) (dim_qk 16), its bias torch's default, ``pos_emb``
      truncated N(0, 0.02^2).
    - ``repvgg`` (RepVGG A0-B3, the ``g4`` ones, D2-SE), ``mobileone`` (MobileOne S0-S4): the same convolution,
      linear and SE laws; fan_in for RepVGG's ``conv_kxk``/``conv_1x1`` but in a stage's first block (the only ones
      whose width changes: the grouped ones have in = out) and for MobileOne's depthwise blocks (even indices:
      ``stages/*/*[02468]/conv_*``). ``RepVggBlock.init_weights`` draws every BatchNorm's scale N(0.1, 0.1^2) and
      shift N(0, 0.1^2); MobileOne keeps 1/0. Nothing zeroed.
    - ``inception_v3`` (and the deprecated ``tf_``, ``adv_``, ``gluon_`` names of its weights): convolutions and
      linear weights truncated N(0, 0.1^2) cut at +-2, ``AuxLogits.fc`` (``aux_logits=True``) N(0, 0.001^2) cut
      the same; the classifier's bias keeps torch's default (torchvision's recipe, its conv paths aside).
    - ``xcit`` (``_init_weights`` of XCiT, CrossViT, VOLO, CoaT and CoaT-Lite, DaViT): linear layers truncated
      N(0, 0.02^2) cut at +-2, biases 0; the tokens the same (``cls_token``, ``pos_embed``, CrossViT's
      ``cls_token_0``/``pos_embed_0``..., CoaT's ``cls_token1``-``4``); XCA's ``temperature`` 1; XCiT's
      ``gamma1``/``gamma2``/``gamma3`` (its blocks' and class-attention blocks') the model's ``eta`` (1 for the
      12-block XCiTs, 1e-5 for the 24-block ones, by name only); every conv and BatchNorm (patch embeddings, XCiT's
      Fourier encoding and LPI, the position convs) keeps torch's default.
    - ``pvt_v2`` (PVT v2, Twins PCPVT and SVT: ``_init_weights``): linear layers truncated N(0, 0.02^2) cut at +-2,
      convolutions N(0, 2/fan_out) with timm's fan_out k*k*out/groups, so He normal fan_out and fan_in for the
      depthwise ``mlp.dwconv`` and Twins' ``pos_block`` (in = out = groups), biases 0; norms 1/0.
    - ``pit`` (PiT: ``_init_weights`` sets LayerNorms 1/0 only): ``pos_embed`` and ``cls_token`` truncated
      N(0, 0.02^2) cut at +-2, every linear and conv torch's default.
    - ``levit`` (LeViT and LeViT-conv: no model-wide init, ``init_weights(needs_reset=False)``): each layer's own,
      torch's defaults for the ``ConvNorm``/``LinearNorm`` layers, their BatchNorm scale ``bn_weight_init``: 0 for
      each ``Attention``'s ``proj.ln`` and each MLP's ``ln2``, 1 elsewhere; ``attention_biases`` 0; the
      ``NormLinear`` heads ``head`` and ``head_dist`` truncated N(0, 0.02^2), bias 0.
    - FocalNet's ``_init_weights`` (``head_init_scale`` 1) is ConvNeXt's: ``focalnet_tiny_srf``... are read as
      ``convnext``, the large ones with their ``ls1``/``ls2`` ``gamma`` at ``layerscale_value`` 1e-4.
    - ``fastvit`` (FastViT T, S, SA, MA and the MobileCLIP ``mci0``-``mci4``): linear layers truncated N(0, 0.02^2)
      cut at +-2, biases 0, and each ``ConvMlp``'s convolutions (``mlp.conv``, ``mlp.fc1``, ``mlp.fc2``) the same;
      every LayerScale2d ``gamma`` 1e-5; the reparameterizable convs, stem and norms keep torch's defaults.
    - ``hiera`` (Hiera T-H, ``init_weight_vit``, ``fix_init_weight``): linear and conv weights truncated N(0, 0.02^2)
      cut at +-2, linear biases 0.02 (conv biases torch's default), block l's ``attn.proj`` and ``mlp.fc2``
      divided by sqrt(2 (l + 1)), ``head.fc`` 0/0, ``pos_embed`` truncated; ``hiera_small_abswin_256`` and
      ``hiera_base_abswin_256`` (``weight_init='jax'``) have Xavier-uniform linear layers instead (biases 0,
      N(0, 1e-12) under ``mlp``), LeCun-normal convs with biases 0, the same depth scaling, ``pos_embed_win``
      truncated and LayerScale 1e-5: pass the model's name.
    - ``mvitv2`` (MViTv2 and its ``_cls`` variants): linear layers, ``cls_token``, ``pos_embed`` and each attention's
      ``rel_pos_h``/``rel_pos_w`` N(0, 0.02^2) cut at +-2 sigma (timm's ``trunc_normal_tf_``), biases 0; the
      pooling convs and patch embedding torch's default.
    - ``nest`` (NesT and its ``_jx`` variants), ``swiftformer`` (SwiftFormer): every linear and conv layer truncated
      N(0, 0.02^2) cut at +-2, biases 0; NesT's ``levels.*.pos_embed`` the same; SwiftFormer's ``w_g``
      N(0, 1) (``torch.randn``), its conv blocks' ``layer_scale`` 1 and attention blocks' ``layer_scale_1``/``_2``
      1e-5.
    - ``tnt`` (TNT): linear layers truncated N(0, 0.02^2) cut at +-2, biases 0, ``cls_token``, ``patch_pos`` and
      ``pixel_pos`` the same; the pixel embedding torch's default.
    - ``visformer`` (Visformer, ``conv_init=True``): convolutions He normal, fan_out (torch's: the grouped ones
      too), biases 0; linear layers truncated N(0, 0.02^2) cut at +-2, biases 0; ``pos_embed1``-``3`` truncated.
    - ``gcvit`` (GC ViT, ``weight_init=''``): torch's defaults but each ``relative_position_bias_table``, truncated
      N(0, 0.02^2) cut at +-2, and GC ViT-S's and B's ``ls1``/``ls2`` ``gamma`` 1e-5 (the smaller ones have none).
    - ``efficientformer`` (EfficientFormer V1 and V2, TinyViT): linear layers truncated N(0, 0.02^2) cut at +-2,
      biases 0 (both heads); ``attention_biases`` 0; ``ls1``/``ls2`` ``gamma`` 1e-5; convs and norms torch's
      defaults but the scale of TinyViT's MBConv ``conv3.bn``, 0.
    - ``vit_relpos`` (ViT-RelPos and ViT-SRelPos, ``weight_init='reset'``: nothing redrawn), ``vit_relpos_rpn``
      (its res-post-norm ``_rpn`` models): torch's defaults (the ``RelPosMlp`` too), ``cls_token`` N(0, 1e-12),
      a ``relative_position_bias_table`` truncated N(0, 0.02^2); ``ls1``/``ls2`` 1e-6, or, ``_rpn``, each block's
      ``norm1``/``norm2`` scale 1e-6.
    - ``swinv2_cr`` (timm's other Swin V2, ``swin_transformer_v2_cr``, ``weight_init='reset'``): torch's defaults,
      ``logit_scale`` log 10, each block's ``norm1``/``norm2`` scale 0 (res-post-norm, ``init_values`` 0).
    - ``convit`` (ConViT Ti, S, B: pass the model's name): linear layers truncated N(0, 0.02^2) cut at +-2, biases 0,
      ``cls_token`` and ``pos_embed`` the same; each GPSA block's ``local_init``: ``attn.v`` the identity,
      ``attn.pos_proj`` the fixed weight whose row h1 + k h2 (k = sqrt(heads)) is (2 (h2 - c), 2 (h1 - c), -1),
      c the grid's centre, and ``gating_param`` 1.
    - ``vision_transformer.py``'s other ViTs are ``vit`` with their layers' own init: SigLIP's and SO150M's
      attention pooling (``_siglip_``, ``_map``, ``test_vit3``: ``attn_pool.latent`` N(0, 1/dim) cut at +-2 sigma,
      ``trunc_normal_tf_``; its linear layers ViT's), AIMv2 (SwiGLU's gate ``mlp.fc1_g`` N(0, 1e-12), bias 1; RMS
      norms 1), the parallel ``_xp`` ViTs (``mlp_bias`` 0), the differential ViTs (``lambda_q1``... N(0, 0.1^2)),
      ``_18x2`` (ParallelThingsBlock: its ``attns``/``ffns`` ``ls`` ``gamma`` 1e-5) and ``test_vit``-``test_vit4``,
      LayerScale 1e-5 by name. ``vit_glu`` (DINOv2-g, TIPSv2-g: SwiGLUPacked, a ``GluMlp``): ``vit`` but the gate,
      ``mlp.fc1``'s second half of rows, N(0, 1e-12), its bias 1 (``Blocks``); LayerScale 1e-5 (DINOv2) or 1
      (TIPSv2) by name. ``vit_rpn`` (``vit_base_patch16_rpn_224``, ResPostBlock): ``vit`` and each block's
      ``norm1``/``norm2`` scale 1e-5. ``gmixer`` (GLU Mixers ``gmixer_12_224``, ``gmixer_24_224``): ``mixer``, then
      ``GluMlp.init_weights``: ``fc1``'s gate rows N(0, 1e-12), bias 1, its first half Xavier uniform at the whole
      ``fc1``'s bound sqrt(6 / (in + out)).
    - ``vit_hybrid`` (``vision_transformer_hybrid.py``'s ViTs on a ResNetV2 ``_r26``/``_r50`` or a ``features_only``
      ResNet-26D/50D backbone): ``vit``'s laws, the backbone's convolutions He normal, fan_out, and each of its
      bottlenecks' last norm scale 0 (ResNet's ``bn3``, its own init; ResNetV2's ``norm3``: the ViT init calls the
      backbone's ``init_weights()``, whose ``zero_init_last`` defaults to True where the constructor's is False);
      ``patch_embed.proj`` torch's default. ``vit_tiny_r_s16_p8`` (a bare ResNetV2 stem) and ``vit_base_mci_224``
      (a ``ConvStem``) have no ``init_weights``: their backbones keep torch's defaults, read as ``vit``.
    - ``samvit`` (``vision_transformer_sam.py``'s SAM image encoders): no init at all, torch's defaults (the neck's
      convs too), ``pos_embed`` and each attention's ``rel_pos_h``/``rel_pos_w`` 0 (their ``torch.zeros``).
    - ``vitamin`` (ViTamin): ``vit``'s laws over the ViT (GeGLU's ``w0``/``w1``/``w2`` too), no ``cls_token``; its
      MbConv backbone's ``Stem`` and ``MbConvLNBlock`` convolutions N(0, 2/fan_out) with timm's fan_out
      k*k*out/groups (fan_in for the depthwise ``conv2_kxk``), biases 0; the ``pool.proj`` conv torch's default.
    - SAM2's HieraDet (``sam2_hiera_*``) is Hiera's init (``init_weight_vit``, ``fix_init_weight``, ``head.fc`` 0,
      ``pos_embed_window`` truncated): read as ``hiera``; ``hieradet_small`` adds ``ls1``/``ls2`` ``gamma`` 1e-5
      (by name).
    - The pruned ``ecaresnet50d_pruned``, ``ecaresnet101d_pruned`` and ``efficientnet_b1_pruned``-``b3_pruned``:
      ``adapt_model_from_file`` rebuilds every ``Conv2d``, BatchNorm and ``Linear`` after the init, at torch's
      defaults (ECA's ``Conv1d``, copied, keeps its own): read as ``defaults``. ``test_resnet`` (by name: BasicBlock
      stages 0, 1 and 3, a Bottleneck stage 2): ``resnet``'s laws, its ``zero_init_last`` zeroing ``bn2`` in
      ``layer1``, ``layer2``, ``layer4`` and ``bn3`` in ``layer3``.
    - ``maxvit_normal`` (MaxxViT's ``weight_init='normal'`` configs ``maxxvit_rmlp_nano_rw_256``,
      ``maxxvitv2_nano_rw_256``): ``maxvit``'s rules, but every convolution and linear layer of the stem and the
      stages N(0, 0.02^2), biases 0 (``RelPosMlp``'s too); the bias tables, LayerScale and head as ``maxvit``.
    - ``coatnext`` (``coatnext_nano_rw_224``, ``weight_init='normal'`` too): only the stem and the transformer
      blocks of stages 2 and 3 have an ``init_weights`` for the scheme to reach, so they are N(0, 0.02^2), biases
      0; the ConvNeXt blocks of stages 0 and 1 keep torch's defaults, their ``ls.gamma`` 1e-5 (``init_values``);
      ``relative_position_bias_table`` truncated N(0, 0.02^2) cut at +-2; the head torch's default.
    - ``mobilenetv4`` (MobileNet V4 conv and hybrid, MobileNet V5 and its encoder ``mobilenetv5_300m_enc``:
      ``_init_weight_goog``, then ``MultiQueryAttention2d.init_weights``): ``efficientnet``'s laws, with the
      ``UniversalInvertedResidual``'s depthwise ``dw_start``, ``dw_mid`` and ``dw_end`` convs He normal, fan_in
      (timm's fan_out k*k*out/groups); the attention's ``query``, ``key``, ``value`` and ``output`` ``proj`` and the
      key's and value's depthwise ``down_conv`` Xavier uniform (torch's fans); each ``layer_scale`` ``gamma`` 1e-5
      (the hybrids' and V5's ``layer_scale_init_value``); V5's ``RmsNorm2d`` weights 1.
    - ``mobilenet_edgetpu_v2`` (MobileNet-EdgeTPU V2 XS, S, M, L): ``efficientnet``'s laws, but the grouped
      ``conv_exp`` of blocks 1.1, 2.1 and 2.3 has 4 times more outputs than inputs, so timm's fan_out k*k*out/groups
      is 4 times torch's fan_in: He normal, fan_in, with half its standard deviation.
    - ``lcnetv2`` (PP-LCNetV2: the constructor's loop): convolutions He normal with torch's fan_out (the depthwise
      ones too), biases 0 (the squeeze-excitation's); the classifier's bias 0, its weight torch's default; norms 1/0.
    - ConvNeXt's RMS-norm variants (``convnext_atto_rms``, ``convnext_zepto_rms``, ``convnext_zepto_rms_ols``) draw
      ``convnext``'s laws, their ``RmsNorm2d``/``SimpleNorm2d`` weights 1.
    - ``eva.py``'s PE-core (``vit_pe_core_*``) and Sapiens2 (``vit_*_patch16_sapiens2``) are read as ``beit``: EVA's
      init, PE-core's attention pool (``attn_pool``, linears like any other) with its ``attn_pool.latent`` N(0,
      1/fan_in) cut at +-2 sigma (``trunc_normal_tf_``, std latent_dim ** -0.5), Sapiens2's ``gamma_1`` 1 (its
      ``init_values``, on the attention branch only; its SwiGLU, RMS norms and grouped-query blocks draw nothing else).
    - ``naflexvit`` (NaFlexViT, its ``_map``, ``_siglip``, ``_par``/``_parfac`` and C-RADIO configs: ``init_weights``
      with ``init_weights_vit_timm``, ``fix_init=True``): linear layers truncated N(0, 0.02^2) cut at +-2 (the linear
      patch embedding and the head too), biases 0, block l's ``attn.proj`` and ``mlp.fc2`` divided by
      sqrt(2 (l + 1)); ``NaFlexEmbeds``' ``cls_token``/``reg_token`` N(0, 1e-12), ``pos_embed`` (or the factorized
      ``pos_embed_y``/``pos_embed_x``) N(0, 0.02^2); the attention pool's ``latent`` as PE-core's; ``ls1``/``ls2``
      1e-5 where the config has ``init_values`` (by name only).
    - ``qwen3_vit`` (Qwen3-VL's vision encoders ``qwen3_vit_*``, with the merger or classifier; DeepSeek's
      ``deepseek_vit_*``, with its aligner, draws the same): linear layers truncated N(0, 0.02^2) cut at +-2, biases
      0 (the classifier's ``head`` too), Qwen's ``pos_embed`` the same; the patch convolution torch's default.
    - ``gemma4_vit`` (Gemma 4's vision encoders and classifiers ``gemma4_vit_*``): linear layers N(0, 0.02^2) cut at
      +-2 sigma (``trunc_normal_tf_``; the clippable linears' inner ``linear``), biases 0, the patch embedding's
      ``position_embedding_table`` the same; the classifier's ``head``, built after the encoder's init, keeps
      torch's default weight, its bias 0.
    - ``efficientvit_msra`` (EfficientViT M0-M5, Microsoft's), ``shvit`` (SHViT S1-S4): no model-wide init, each
      layer's own: torch's defaults for the ``ConvNorm``/``Conv2dNorm`` convs, their BatchNorm scale
      ``bn_weight_init``: 0 after each FFN's ``pw2`` (the blocks' and the downsamples'), the attention's ``proj``
      and each residual depthwise conv (``dw0``/``dw1``; SHViT's ``conv``), 1 elsewhere; EfficientViT's
      ``attention_biases`` 0; the ``NormLinear`` head (``head.linear``, SHViT's ``head.l``) truncated N(0, 0.02^2)
      cut at +-2, bias 0.
    - ``efficientvim`` (EfficientViM M1-M4 and their ``_dist`` models): linear layers (the heads) truncated
      N(0, 0.02^2) cut at +-2, biases 0; every BatchNorm 1/0 (``init_weights`` resets them, undoing
      ``bn_weight_init``); the Conv1d and Conv2d layers torch's default; the heads' fusion ``weights`` and
      ``weights_dist`` 1; each block's ``alpha`` 1e-4; each HSM-SSD's ``A`` U(1, 16) and ``D`` 1.
    - ``csatv2`` (CSATv2, CSATv2-21M): ConvNeXt's truncated N(0, 0.02^2) convolutions and linear layers, biases 0,
      and each block's ``grn`` weight and bias 0.
    - ``regnetv`` (``regnet.py``'s pre-activation RegNetV 040/064 and its RegNetZ 005/040/040-H): ``regnet``'s laws,
      the grouped ``conv2`` at torch's fan_in whether a bare conv (RegNetV's ``PreBottleneck``) or a ``ConvNormAct``,
      and no norm zeroed (RegNetV's ``zero_init_last`` does nothing, RegNetZ is built with ``zero_init_last=False``).
    - CPUBone's constructor keeps torch's defaults (read as ``defaults``); iFormer's and NextViT's ``_init_weights``
      are ConvNeXt's (``convnext``: iFormer-H's ``gamma`` 1e-6), LowFormer's XCiT's (``xcit``: linear layers
      only) and Sequencer2D's MLP-Mixer's (``mixer``: its LSTMs U(+-1/sqrt(hidden)), torch's default): their names
      are read as those families.

    Norm layers are 1/0 and running statistics 0/1 everywhere (timm's EvoNorm and FilterResponseNorm too, their ``v`` 1
    and ``tau`` 0: ``*_evos`` and ``resnetv2_50d_frn`` read as their families). timm calls its ``trunc_normal_`` with an
    absolute cut at +-2, 100 standard deviations away: the law is N(0, 0.02^2) for any practical purpose, and this plan
    draws it cut at +-2 too. The rules select by layer kind and role and by timm's module paths, whatever a framework
    names the tensor (``*/conv2/conv/*``, ``*conv_dw*``, ``layer*/*/bn3/*``...), so a port that keeps timm's module
    names gets the same laws in Keras (``conv_dw/kernel``), Flax, MXNet or Equinox.

    Args:
        arch: a family above, or a timm model's name (``"resnet50"``, ``"efficientnet_b0"``, ``"mixnet_s"``,
            ``"vit_base_patch16_224"``, ``"deit3_small_patch16_224"``, ``"swinv2_tiny_window8_256"``..., a
            pretrained tag after a dot is dropped; timm's deprecated EfficientNet names such as
            ``"tf_efficientnet_b0_ns"`` are read as theirs), a string.
        zero_init_last: False for timm's ``zero_init_last=False`` (default True, timm's). Only ``resnet``,
            ``regnet``, ``cspnet``, ``darknet``, ``byobnet``, ``gernet``, ``regnetz`` and ``regnetz_d`` read it,
            and for ``"resnet"`` itself only False is accepted (the model's name says the block).

    Returns:
        The ``Plan`` named "timm": ``presets.torch``'s rules and the family's.
        Its rules are quiet: one that matches nothing in a model gives no warning.

    Raises:
        TypeError: ``arch`` is not a string or ``zero_init_last`` not a bool.
        ValueError: ``arch`` is no family or model name above, is ``"resnet"`` with ``zero_init_last=True``, or is
            ``"convit"`` (its model's name says the heads).

    Examples:
        >>> import torch
        >>> import unifiedinit as ui
        >>> print(ui.presets.timm("resnet50").rules[-1])
        kind=norm role=scale path=layer*/*/bn3/* -> Zeros()
        >>> model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.Flatten(), torch.nn.Linear(8, 2))
        >>> [(e.param.path, e.spec) for e in ui.inspect(model, ui.presets.timm("regnety_002")).entries]
        ... # doctest: +NORMALIZE_WHITESPACE
        [('0/weight', KaimingNormal(a=0.0, mode='fan_out', nonlinearity='relu')), ('0/bias', Zeros()),
         ('2/weight', Normal(mean=0.0, std=0.01)), ('2/bias', Zeros())]
    """
    import re
    if not isinstance(arch, str):
        raise TypeError(f"presets.timm: parameter 'arch' must be a string, got {arch!r}")
    if not isinstance(zero_init_last, bool):
        raise TypeError(f"presets.timm: parameter 'zero_init_last' must be True or False, got {zero_init_last!r}")
    name = arch.split(".", 1)[0]
    family, scale = next(((f, v) for pattern, f, v in _TIMM_LAYER_SCALE if re.fullmatch(pattern, name)), (None, None))
    family = family or (name if name in TIMM_FAMILIES else next(
        (f for pattern, f in _TIMM_MODELS if re.fullmatch(pattern, name)), None))
    if family is None:
        raise ValueError(f"presets.timm: parameter 'arch' must be a family ({', '.join(TIMM_FAMILIES)}) or a timm "
                         f"model's name such as 'resnet50' or 'vit_base_patch16_224', got {arch!r}")
    if family == "resnet" and name == "resnet" and zero_init_last:
        raise ValueError("presets.timm: arch='resnet' needs zero_init_last=False, or a ResNet model's name "
                         "('resnet18', 'resnet50', 'resnext50_32x4d'...), which says the block's last norm")
    if family == "convit" and name == "convit":
        raise ValueError("presets.timm: arch='convit' needs a ConViT model's name ('convit_tiny', 'convit_small', "
                         "'convit_base'), which says the heads its pos_proj's fixed weight has one row each")
    from . import presets
    # timm's own norms' third vector (their reset_parameters): EvoNorm's v 1, FilterResponseNorm's tau 0
    base = Plan(presets.torch.rules, "timm").rule(Ones(), kind="norm", path="*/v")
    base = base.rule(Zeros(), kind="norm", path="*/tau")
    plan = _TIMM_RULES[family](base, _Arch(family, name, zero_init_last))
    if scale is not None:  # the LayerScale a model's name gives (_TIMM_LAYER_SCALE), where its family keeps it
        plan = plan.rule(Constant(scale), path=_TIMM_LAYER_SCALE_PATHS[family])
    return _quiet(plan, "timm")


# the families' rules, each added to the base plan (presets.torch's, EvoNorm's v and FRN's tau) by timm()

class _Arch(NamedTuple):
    """What a family's rules may read: the family, the model's name without its tag, ``zero_init_last``."""
    family: str
    name: str
    zero_init_last: bool


_TimmRules = Callable[[Plan, _Arch], Plan]
#: family -> the function that adds its constructor's rules (every value of _TIMM_MODELS, _TIMM_LAYER_SCALE and
#: TIMM_FAMILIES has one: tests/models/test_timm.py)
_TIMM_RULES: dict[str, _TimmRules] = {}


def _timm_family(*families: str) -> Callable[[_TimmRules], _TimmRules]:
    def register(rules: _TimmRules) -> _TimmRules:
        _TIMM_RULES.update(dict.fromkeys(families, rules))
        return rules
    return register


_HE_OUT, _HE_IN = KaimingNormal(mode="fan_out", nonlinearity="relu"), KaimingNormal()
#: torch's trunc_normal_(std=.02) (cut at +-2, absolute) and timm's trunc_normal_tf_(std=.02) (cut at +-2 sigma)
_TRUNC, _TRUNC_TF = _torch_trunc(0.02), _cut(0.02, 2.0)
_LECUN = VarianceScaling(1.0, "fan_in", "truncated_normal")  # timm's lecun_normal_
#: AttentionPoolLatent's latent ('map'): trunc_normal_tf_(std=latent_dim ** -0.5), cut at +-2 sigma
_LATENT = Scaled(_cut(1.0, 2.0), "1 / sqrt(fan_in)")
#: block l's residual output layers divided by sqrt(2 (l + 1)) (fix_init_weight), l read from ``blocks/<l>``
_DEPTH = "1 / sqrt(2 * (l + 1))"
_CONV_DENSE = ("conv", "dense")


def _trunc_linear(plan: Plan, law: TruncatedNormal = _TRUNC) -> Plan:
    """Every nn.Linear weight ``law`` (trunc_normal_(std=.02)), its bias 0."""
    return plan.rule(law, kind="dense", role="weight").rule(Zeros(), kind="dense", role="bias")


def _trunc_layers(plan: Plan) -> Plan:
    """Every nn.Linear and nn.Conv2d weight trunc_normal_(std=.02), biases 0 (ConvNeXt's _init_weights)."""
    return plan.rule(_TRUNC, kind=_CONV_DENSE, role="weight").rule(Zeros(), kind=_CONV_DENSE, role="bias")


@_timm_family("defaults")
def _defaults(plan: Plan, arch: _Arch) -> Plan:
    """The constructor draws nothing: torch's layer defaults."""
    return plan


@_timm_family("hrnet")
def _hrnet(plan: Plan, arch: _Arch) -> Plan:
    """init_weights: every nn.Conv2d He normal, fan_out; BatchNorm 1/0; nothing zeroed."""
    return plan.rule(_HE_OUT, kind="conv", role="weight")


@_timm_family("resnet", "resnet_basic", "sknet")
def _resnet(plan: Plan, arch: _Arch) -> Plan:
    """init_weights redraws nn.Conv2d only: not ECA's Conv1d."""
    plan = plan.rule(_HE_OUT, kind="conv", role="weight").rule(_TORCH_DEFAULT, kind="conv", role="weight",
                                                               path="layer*/*/se/conv/*")
    if arch.zero_init_last and arch.family != "sknet":  # timm builds the SK-ResNets with zero_init_last=False
        last = "bn2" if arch.family == "resnet_basic" else "bn3"
        plan = plan.rule(Zeros(), kind="norm", role="scale", path=f"layer*/*/{last}/*")
    return plan


@_timm_family("resnet_test")
def _resnet_test(plan: Plan, arch: _Arch) -> Plan:
    """ResNet.init_weights; each block's last norm by its block: bn2, bn3 in layer3."""
    plan = plan.rule(_HE_OUT, kind="conv", role="weight")
    if arch.zero_init_last:
        plan = (plan.rule(Zeros(), kind="norm", role="scale", path="layer[124]/*/bn2/*")
                .rule(Zeros(), kind="norm", role="scale", path="layer3/*/bn3/*"))
    return plan


@_timm_family("regnet", "efficientnet")
def _regnet(plan: Plan, arch: _Arch) -> Plan:
    """regnet's _init_weights and efficientnet's _init_weight_goog: He normal with timm's fan_out k*k*out/groups."""
    grouped = "*/conv2/conv/*" if arch.family == "regnet" else "*conv_dw*"  # MixConv: conv_dw/0...
    plan = (plan.rule(_HE_OUT, kind="conv", role="weight").rule(Zeros(), kind=_CONV_DENSE, role="bias")
            .rule(_HE_IN, kind="conv", role="weight", path=grouped))
    if arch.family == "efficientnet":  # CondConv's routing_fn: U(+-1/sqrt(fan_in + fan_out))
        return (plan.rule(VarianceScaling(1 / 3, "fan_out", "uniform"), kind="dense", role="weight")
                .rule(VarianceScaling(1 / 6, "fan_avg", "uniform"), kind="dense", role="weight", path="*/routing_fn/*"))
    plan = plan.rule(Normal(0.0, 0.01), kind="dense", role="weight")
    if arch.zero_init_last:
        plan = plan.rule(Zeros(), kind="norm", role="scale", path="s*/b*/conv3/bn/*")
    return plan


@_timm_family("regnetv")
def _regnetv(plan: Plan, arch: _Arch) -> Plan:
    """regnet's _init_weights; RegNetV's PreBottleneck.zero_init_last is a no-op and RegNetZ (no shortcut) is built
    with zero_init_last=False: nothing zeroed; RegNetV's conv2 is a bare Conv2d."""
    return (plan.rule(_HE_OUT, kind="conv", role="weight").rule(Zeros(), kind=_CONV_DENSE, role="bias")
            .rule(_HE_IN, kind="conv", role="weight", path="s*/b*/conv2/*")  # grouped, in = out
            .rule(Normal(0.0, 0.01), kind="dense", role="weight"))


@_timm_family("resnetv2")
def _resnetv2(plan: Plan, arch: _Arch) -> Plan:
    """_init_weights; zero_init_last=False, timm's default for every ResNetV2."""
    return (plan.rule(_HE_OUT, kind="conv", role="weight").rule(Zeros(), kind=_CONV_DENSE, role="bias")
            .rule(Normal(0.0, 0.01), kind="dense", role="weight")
            .rule(Normal(0.0, 0.01), kind="conv", role="weight", path="head/fc/*"))  # its 1x1-conv classifier


@_timm_family("densenet")
def _densenet(plan: Plan, arch: _Arch) -> Plan:
    return plan.rule(_HE_IN, kind="conv", role="weight").rule(Zeros(), kind="dense", role="bias")


@_timm_family("convnext")
def _convnext(plan: Plan, arch: _Arch) -> Plan:
    return _trunc_layers(plan).rule(Constant(1e-6), path="*/gamma").rule(Zeros(), path="*/mlp/grn/*")


@_timm_family("csatv2")
def _csatv2(plan: Plan, arch: _Arch) -> Plan:
    """_init_weights: ConvNeXt's; each block's GlobalResponseNorm 0/0."""
    return _trunc_layers(plan).rule(Zeros(), path="stages/*/*/grn/*")


@_timm_family("mixer")
def _mixer(plan: Plan, arch: _Arch) -> Plan:
    """_init_weights (flax=False, nlhb=False), then the SpatialGatingUnit's init_weights."""
    return (plan.rule(_LECUN, kind="conv", role="weight")
            .rule(Zeros(), kind="conv", role="bias").rule(XavierUniform(), kind="dense", role="weight")
            .rule(Zeros(), kind="dense", role="bias").rule(Normal(0.0, 1e-6), kind="dense", role="bias", path="*mlp*")
            .rule(Zeros(), kind="dense", path="head/*").rule(Ones(), path="*/alpha").rule(Zeros(), path="*/beta")
            .rule(Normal(0.0, 1e-6), kind="dense", role="weight", path="blocks/*/mlp_channels/gate/proj/*")
            .rule(Ones(), kind="dense", role="bias", path="blocks/*/mlp_channels/gate/proj/*"))


@_timm_family("gmixer")
def _gmixer(plan: Plan, arch: _Arch) -> Plan:
    """The Mixer's _init_weights, then GluMlp.init_weights: fc1's gate rows N(0, 1e-12), bias 1."""
    # Xavier's bound on the first half is the whole fc1's, sqrt(6 / (fan_in + 2 fan_out)) with the half's fans
    xavier = Scaled(XavierUniform(), "sqrt((fan_in + fan_out) / (fan_in + 2 * fan_out))")
    return (_mixer(plan, arch)
            .rule(Blocks([xavier, Normal(0.0, 1e-6)]), kind="dense", role="weight", path="blocks/*/mlp_*/fc1/*")
            .rule(Blocks([Normal(0.0, 1e-6), Ones()]), kind="dense", role="bias", path="blocks/*/mlp_*/fc1/*"))


@_timm_family("inception_v3")
def _inception_v3(plan: Plan, arch: _Arch) -> Plan:
    """The constructor's loop: each layer's stddev, 0.1 but AuxLogits.fc's."""
    return _inception(plan, 0.1, True)


@_timm_family("maxvit", "maxvit_tf", "coatnet", "coatnet_cc")
def _maxvit(plan: Plan, arch: _Arch) -> Plan:
    """MaxxVit._init_weights, scheme 'vit_eff'."""
    # _init_conv: the stem's and conv blocks' convs; _init_transformer: the attention blocks' layers (CoAtNet's
    # stages 2 and 3), a bias N(0, 1e-12) where 'mlp' is in its name (the MLP, RelPosMlp's); the heads untouched
    attn = {"coatnet": "stages/[23]/*", "coatnet_cc": "stages/[23]/blocks/[1-9]*"}.get(arch.family,
                                                                                     "stages/*/blocks/*/attn*")
    table = Normal(0.0, 0.02) if arch.family == "maxvit_tf" else _TRUNC
    return (plan.rule(_HE_OUT, kind="conv", role="weight").rule(Zeros(), kind="conv", role="bias")
            .rule(_HE_IN, kind="conv", role="weight", path="*/conv2_kxk/*")  # depthwise, in = out
            .rule(_HE_IN, kind="conv", role="weight", path="*/conv_dw/*")
            # MaxxViT's ConvNeXt block opening stages 1-3: conv_dw in -> out = 2 in, groups = in: timm's fan_out
            # k*k*out/groups is twice torch's fan_in
            .rule(Scaled(_HE_IN, "sqrt(0.5)"), kind="conv", role="weight", path="stages/[123]/blocks/0/conv/conv_dw/*")
            .rule(XavierUniform(), kind=_CONV_DENSE, role="weight", path=attn)
            .rule(Zeros(), kind=_CONV_DENSE, role="bias", path=attn)
            .rule(Normal(0.0, 1e-6), kind=_CONV_DENSE, role="bias", path=attn + "mlp*")
            .rule(table, path="*/relative_position_bias_table")
            .rule(Constant(1e-6), path="*/ls*/gamma"))  # init_values: 1e-6 wherever these models have it


@_timm_family("maxvit_normal")
def _maxvit_normal(plan: Plan, arch: _Arch) -> Plan:
    """MaxxVit scheme 'normal': every block's and the stem's Conv2d and Linear N(0, 0.02^2), biases 0 (RelPosMlp's
    too); the tables, LayerScale and head as 'vit_eff' leaves them."""
    plan = _maxvit(plan, _Arch("maxvit", arch.name, arch.zero_init_last))
    for part in ("stem/*", "stages/*"):
        plan = (plan.rule(Normal(0.0, 0.02), kind=_CONV_DENSE, role="weight", path=part)
                .rule(Zeros(), kind=_CONV_DENSE, role="bias", path=part))
    return plan


@_timm_family("coatnext")
def _coatnext(plan: Plan, arch: _Arch) -> Plan:
    """MaxxVit scheme 'normal' where an init_weights reaches: the stem's convs and the transformer blocks' (stages 2
    and 3) Conv2d and Linear N(0, 0.02^2), biases 0; RelPosBias's own table. Its ConvNeXt blocks (stages 0 and 1)
    have no init_weights: torch's defaults and LayerScale2d's init_values 1e-5."""
    for part in ("stem/*", "stages/[23]/*"):
        plan = (plan.rule(Normal(0.0, 0.02), kind=_CONV_DENSE, role="weight", path=part)
                .rule(Zeros(), kind=_CONV_DENSE, role="bias", path=part))
    return (plan.rule(_TRUNC, path="*/relative_position_bias_table")
            .rule(Constant(1e-5), path="stages/*/blocks/*/ls/gamma"))


@_timm_family("nfnet", "nfnet_skipinit")
def _nfnet(plan: Plan, arch: _Arch) -> Plan:
    """NormFreeNet's loop: Conv2d (ScaledStdConv2d) and the fc Linear."""
    plan = (plan.rule(KaimingNormal(mode="fan_in", nonlinearity="linear"), kind="conv", role="weight")
            .rule(Zeros(), kind=_CONV_DENSE, role="bias").rule(Normal(0.0, 0.01), kind="dense", role="weight")
            .rule(_TORCH_DEFAULT, kind="conv", role="weight", path="stages/*/*/attn*/conv/*")  # ECA's Conv1d
            .rule(Ones(), path="*/gain").rule(Zeros(), path="stages/*/*/skipinit_gain"))
    if arch.family == "nfnet":  # without skipinit each block's conv3 starts with gain_init 0
        plan = plan.rule(Zeros(), path="stages/*/*/conv3/gain")
    return plan


@_timm_family("cspnet", "darknet")
def _cspnet(plan: Plan, arch: _Arch) -> Plan:
    """_init_weights (He normal fan_out Conv2d), then each block's zero_init_last (timm's default)."""
    plan = (plan.rule(_HE_OUT, kind="conv", role="weight").rule(Zeros(), kind="conv", role="bias")
            .rule(Normal(0.0, 0.01), kind="dense", role="weight").rule(Zeros(), kind="dense", role="bias"))
    if arch.zero_init_last:
        last = "conv3" if arch.family == "cspnet" else "conv2"
        plan = plan.rule(Zeros(), kind="norm", role="scale", path=f"stages/*/blocks/*/{last}/bn/*")
    return plan


@_timm_family("vovnet")
def _vovnet(plan: Plan, arch: _Arch) -> Plan:
    """He normal fan_out Conv2d; the classifier's bias 0; ECA's Conv1d keeps torch's default."""
    return (plan.rule(_HE_OUT, kind="conv", role="weight").rule(Zeros(), kind="dense", role="bias")
            .rule(_TORCH_DEFAULT, kind="conv", role="weight", path="stages/*/blocks/*/attn/conv/*"))


@_timm_family("tresnet", "tresnet_v2")
def _tresnet(plan: Plan, arch: _Arch) -> Plan:
    """He normal fan_out Conv2d; the Linear weight N(0, 0.01^2); each BasicBlock's conv2.bn and Bottleneck's
    conv3.bn scale 0."""
    plan = (plan.rule(_HE_OUT, kind="conv", role="weight").rule(Normal(0.0, 0.01), kind="dense", role="weight")
            .rule(Zeros(), kind="norm", role="scale", path="body/layer*/*/conv3/bn/*"))
    if arch.family == "tresnet":  # BasicBlocks in layer1 and layer2
        plan = plan.rule(Zeros(), kind="norm", role="scale", path="body/layer[12]/*/conv2/bn/*")
    return plan


@_timm_family("hgnet")
def _hgnet(plan: Plan, arch: _Arch) -> Plan:
    """The constructor's loop: Conv2d He normal fan_out, Linear biases 0; each lab 1/0."""
    return (plan.rule(_HE_OUT, kind="conv", role="weight").rule(Zeros(), kind="dense", role="bias")
            .rule(Ones(), path="*/lab/scale").rule(Zeros(), path="*/lab/bias")
            .rule(Ones(), path="head/last_conv/2/scale").rule(Zeros(), path="head/last_conv/2/bias"))  # the head's


@_timm_family("lcnetv2")
def _lcnetv2(plan: Plan, arch: _Arch) -> Plan:
    """The constructor's loop: Conv2d He normal fan_out (torch's), biases 0; Linear bias 0."""
    return plan.rule(_HE_OUT, kind="conv", role="weight").rule(Zeros(), kind=_CONV_DENSE, role="bias")


@_timm_family("repvit")
def _repvit(plan: Plan, arch: _Arch) -> Plan:
    """ConvNorm's bn_weight_init (0 on each RepVitMlp's conv2), NormLinear's trunc_normal_."""
    return (_trunc_linear(plan)
            .rule(Zeros(), kind="norm", role="scale", path="*/channel_mixer/conv2/bn/*")
            .rule(Zeros(), kind="norm", role="scale", path="*/ffn/conv2/bn/*"))


@_timm_family("starnet")
def _starnet(plan: Plan, arch: _Arch) -> Plan:
    """_init_weights: Conv2d and Linear trunc_normal_(.02), only the Linear biases 0."""
    return plan.rule(_TRUNC, kind=_CONV_DENSE, role="weight").rule(Zeros(), kind="dense", role="bias")


@_timm_family("edgenext")
def _edgenext(plan: Plan, arch: _Arch) -> Plan:
    """_init_weights: trunc_normal_tf_(.02), cut at +-2 sigma; LayerScale 1e-6."""
    return (plan.rule(_TRUNC_TF, kind=_CONV_DENSE, role="weight").rule(Zeros(), kind=_CONV_DENSE, role="bias")
            .rule(Constant(1e-6), path="stages/*/blocks/*/gamma*").rule(Ones(), path="*/xca/temperature"))


@_timm_family("metaformer")
def _metaformer(plan: Plan, arch: _Arch) -> Plan:
    """_init_weights: ConvNeXt's; StarReLU 1/0, res_scale 1 (LayerScale by name)."""
    return (_trunc_layers(plan)
            .rule(Ones(), path="*/act*/scale").rule(Zeros(), path="*/act*/bias")
            .rule(Ones(), path="stages/*/blocks/*/res_scale[12]/scale"))


@_timm_family("xcit")
def _xcit(plan: Plan, arch: _Arch) -> Plan:
    """_init_weights redraws nn.Linear only; the tokens trunc_normal_; convs torch's defaults."""
    return (_trunc_linear(plan)
            .rule(_TRUNC, path="cls_token*").rule(_TRUNC, path="pos_embed").rule(_TRUNC, path="pos_embed_[0-9]")
            .rule(Ones(), path="blocks/*/attn/temperature"))  # XCA's, torch.ones in __init__


@_timm_family("pvt_v2")
def _pvt_v2(plan: Plan, arch: _Arch) -> Plan:
    """_init_weights: Conv2d N(0, 2/fan_out), timm's fan_out k*k*out/groups."""
    return (plan.rule(_TRUNC, kind="dense", role="weight").rule(Zeros(), kind=_CONV_DENSE, role="bias")
            .rule(_HE_OUT, kind="conv", role="weight")
            .rule(_HE_IN, kind="conv", role="weight", path="*/mlp/dwconv/*")  # depthwise, in = out = groups
            .rule(_HE_IN, kind="conv", role="weight", path="pos_block/*"))  # Twins' PosConv, depthwise


@_timm_family("pit")
def _pit(plan: Plan, arch: _Arch) -> Plan:
    """_init_weights touches LayerNorm only (1/0): torch's defaults and the two tokens."""
    return plan.rule(_TRUNC, path="pos_embed").rule(_TRUNC, path="cls_token")


@_timm_family("levit")
def _levit(plan: Plan, arch: _Arch) -> Plan:
    """No model-wide init: each layer's own (NormLinear's head, bn_weight_init, zero biases)."""
    return (plan.rule(_TRUNC, kind="dense", role="weight", path="head*/linear/*")
            .rule(Zeros(), kind="dense", role="bias", path="head*/linear/*")
            .rule(Zeros(), path="*/attention_biases")
            .rule(Zeros(), kind="norm", role="scale", path="*/attn/proj/ln/bn/*")
            .rule(Zeros(), kind="norm", role="scale", path="*/mlp/ln2/bn/*"))


@_timm_family("fastvit")
def _fastvit(plan: Plan, arch: _Arch) -> Plan:
    """FastVit._init_weights: nn.Linear; ConvMlp._init_weights: its own convs."""
    return (_trunc_linear(plan)
            .rule(_TRUNC, kind="conv", role="weight", path="*/mlp/*")
            .rule(Zeros(), kind="conv", role="bias", path="*/mlp/*")
            .rule(Constant(1e-5), path="*/layer_scale*/gamma"))  # LayerScale2d, layer_scale_init_value


@_timm_family("hiera", "hiera_abswin")
def _hiera(plan: Plan, arch: _Arch) -> Plan:
    """init_weight_vit ('jax' for abswin), fix_init_weight, head 0."""
    if arch.family == "hiera":  # Linear and Conv weights trunc_normal_, Linear biases 0.02, conv biases untouched
        plan = (plan.rule(_TRUNC, kind=_CONV_DENSE, role="weight").rule(Constant(0.02), kind="dense", role="bias"))
        residual = Scaled(_TRUNC, _DEPTH)
    else:  # init_weight_jax: Xavier linears, biases 0 or N(0, 1e-12) in the MLP; LeCun normal convs, biases 0
        plan = (plan.rule(XavierUniform(), kind="dense", role="weight").rule(Zeros(), kind="dense", role="bias")
                .rule(Normal(0.0, 1e-6), kind="dense", role="bias", path="*mlp*")
                .rule(_LECUN, kind="conv", role="weight")
                .rule(Zeros(), kind="conv", role="bias").rule(Constant(1e-5), path="blocks/*/ls[12]/gamma"))
        residual = Scaled(XavierUniform(), _DEPTH)
    return (plan.rule(residual, kind="dense", role="weight", path="blocks/*/attn/proj/*")
            .rule(residual, kind="dense", role="weight", path="blocks/*/mlp/fc2/*")
            .rule(Zeros(), kind="dense", path="head/fc/*")  # zeroed weight and bias times head_init_scale
            .rule(_TRUNC, path="pos_embed*"))


@_timm_family("mvitv2")
def _mvitv2(plan: Plan, arch: _Arch) -> Plan:
    """trunc_normal_tf_: N(0, 0.02^2) cut at +-2 sigma."""
    return (_trunc_linear(plan, _TRUNC_TF)
            .rule(_TRUNC_TF, path="pos_embed").rule(_TRUNC_TF, path="cls_token")
            .rule(_TRUNC_TF, path="*/rel_pos_[hw]"))


@_timm_family("nest")
def _nest(plan: Plan, arch: _Arch) -> Plan:
    """Every nn.Linear and nn.Conv2d trunc_normal_(.02), biases 0; each level's pos_embed too."""
    return _trunc_layers(plan).rule(_TRUNC, path="levels/*/pos_embed")


@_timm_family("swiftformer")
def _swiftformer(plan: Plan, arch: _Arch) -> Plan:
    """Every nn.Linear and nn.Conv2d trunc_normal_(.02), biases 0; EfficientAdditiveAttention's w_g torch.randn;
    the conv blocks' LayerScale2d 1, the attention's 1e-5."""
    return (_trunc_layers(plan).rule(Normal(0.0, 1.0), path="*/w_g").rule(Ones(), path="*/layer_scale/gamma")
            .rule(Constant(1e-5), path="*/layer_scale_[12]/gamma"))


@_timm_family("tnt")
def _tnt(plan: Plan, arch: _Arch) -> Plan:
    return (_trunc_linear(plan)
            .rule(_TRUNC, path="cls_token").rule(_TRUNC, path="patch_pos").rule(_TRUNC, path="pixel_pos"))


@_timm_family("visformer")
def _visformer(plan: Plan, arch: _Arch) -> Plan:
    """conv_init=True in both models: kaiming_normal_(fan_out) convs."""
    return (plan.rule(_TRUNC, kind="dense", role="weight").rule(_HE_OUT, kind="conv", role="weight")
            .rule(Zeros(), kind=_CONV_DENSE, role="bias").rule(_TRUNC, path="pos_embed[123]"))


@_timm_family("gcvit")
def _gcvit(plan: Plan, arch: _Arch) -> Plan:
    """weight_init='': torch's defaults but RelPosBias's table; GC ViT-S and B's LayerScale."""
    return (plan.rule(_TRUNC, path="*/relative_position_bias_table")
            .rule(Constant(1e-5), path="stages/*/blocks/*/ls[12]/gamma"))


@_timm_family("efficientformer")
def _efficientformer(plan: Plan, arch: _Arch) -> Plan:
    """_init_weights: nn.Linear; attention_biases zeros; LayerScale 1e-5."""
    return (_trunc_linear(plan)
            .rule(Zeros(), path="*/attention_biases").rule(Constant(1e-5), path="*/ls[12]/gamma")
            .rule(Zeros(), kind="norm", role="scale", path="stages/*/blocks/*/conv3/bn/*"))  # TinyViT's MBConv


@_timm_family("vit_relpos", "vit_relpos_rpn")
def _vit_relpos(plan: Plan, arch: _Arch) -> Plan:
    """weight_init='reset': torch's defaults and the blocks' own."""
    plan = plan.rule(Normal(0.0, 1e-6), path="cls_token").rule(_TRUNC, path="*/relative_position_bias_table")
    if arch.family == "vit_relpos":
        return plan.rule(Constant(1e-6), path="blocks/*/ls[12]/gamma")
    # ResPostRelPosBlock: norm1/norm2 weights init_values
    return plan.rule(Constant(1e-6), kind="norm", role="scale", path="blocks/*/norm[12]/*")


@_timm_family("swinv2_cr")
def _swinv2_cr(plan: Plan, arch: _Arch) -> Plan:
    """weight_init='reset': torch's defaults, logit_scale log 10, block norms 0 (scale)."""
    return (plan.rule(Constant(math.log(10.0)), path="*/logit_scale")
            .rule(Zeros(), kind="norm", role="scale", path="stages/*/blocks/*/norm[12]/*"))


@_timm_family("convit")
def _convit(plan: Plan, arch: _Arch) -> Plan:
    """_init_weights, then each GPSA's local_init (locality_strength 1)."""
    k = {"convit_tiny": 2, "convit_small": 3, "convit_base": 4}[arch.name]  # sqrt(num_heads)
    c = (k - 1) / 2 if k % 2 == 0 else k // 2
    # head h1 + k h2 looks at offset (h1, h2) from the centre: pos_proj's row (2 (h2 - c), 2 (h1 - c), -1)
    local = FromArray([[2.0 * (h // k - c), 2.0 * (h % k - c), -1.0] for h in range(k * k)], layout="torch")
    return (_trunc_linear(plan)
            .rule(_TRUNC, path="cls_token").rule(_TRUNC, path="pos_embed")
            .rule(Eye(), kind="dense", role="weight", path="blocks/*/attn/v/*")  # GPSA's only: MHSA's is qkv
            .rule(local, kind="dense", role="weight", path="blocks/*/attn/pos_proj/*")
            .rule(Ones(), path="blocks/*/attn/gating_param"))


@_timm_family("byobnet", "gernet", "regnetz", "regnetz_d", "repvgg", "mobileone", "byobnet_test")
def _byobnet(plan: Plan, arch: _Arch) -> Plan:
    """ByobNet._init_weights."""
    # every Conv2d N(0, 2/(k*k*out/groups)): torch's fan_in where a grouped conv has in = out (a bottleneck's
    # conv2_kxk, conv2b_kxk; RepVGG's blocks but a stage's first; MobileOne's depthwise blocks, the even ones)
    fan_in = VarianceScaling(1.0, "fan_in", "normal")  # trunc_normal_(std=fan_in ** -0.5): cut >= 8 sigma away
    plan = (plan.rule(_HE_OUT, kind="conv", role="weight").rule(Zeros(), kind=_CONV_DENSE, role="bias")
            .rule(Normal(0.0, 0.01), kind="dense", role="weight"))
    if arch.family == "repvgg":  # RepVggBlock.init_weights: each of its BatchNorms N(0.1, 0.1^2) / N(0, 0.1^2)
        return (plan.rule(_HE_IN, kind="conv", role="weight", path="stages/*/*/conv_*/conv/*")
                .rule(_HE_OUT, kind="conv", role="weight", path="stages/*/0/conv_*/conv/*")
                .rule(Normal(0.1, 0.1), kind="norm", role="scale")
                .rule(Normal(0.0, 0.1), kind="norm", role="shift"))
    if arch.family == "mobileone":  # no zeroed norm
        return plan.rule(_HE_IN, kind="conv", role="weight", path="stages/*/*[02468]/conv_*")
    # the blocks: ECA's Conv1d keeps torch's default; GlobalContext's, the self-attention layers' and
    # AttentionPool2d's own reset; each block's last norm zeroed (conv3_1x1 bottleneck and self-attention,
    # conv2_1x1 EdgeBlock, conv2_kxk GENet's BasicBlock stages) where it has a shortcut
    plan = (plan.rule(_HE_IN, kind="conv", role="weight", path="*/conv2_kxk/conv/*")
            .rule(_HE_IN, kind="conv", role="weight", path="*/conv2b_kxk/conv/*")  # resnet51q/61q's second
            .rule(_HE_IN, kind="conv", role="weight", path="*/conv_kxk/conv/*")  # MobileViT's: in = out
            .rule(_TORCH_DEFAULT, kind="conv", role="weight", path="*/attn/conv/*")
            .rule(_HE_IN, kind="conv", role="weight", path="*/attn/conv_attn/*")
            .rule(Zeros(), kind="conv", role="weight", path="*/attn/mlp_add/fc2/*")
            .rule(fan_in, kind="conv", role="weight", path="*/self_attn/q*")  # qkv, q: fan_in = in
            .rule(fan_in, kind="conv", role="weight", path="*/self_attn/kv/*")  # HaloAttn's: q's fan_in
            .rule(fan_in, path="*/self_attn/pos_embed/*_rel")  # (2 size - 1, dim_head): dim_head ** -0.5
            .rule(_torch_trunc(0.25), kind="conv", role="weight", path="*/self_attn/conv_lambda/*")  # dim_qk 16
            .rule(_TORCH_DEFAULT, kind="conv", role="bias", path="*/self_attn/conv_lambda/*")
            .rule(_TRUNC, path="*/self_attn/pos_emb")
            .rule(fan_in, kind="dense", role="weight", path="head/[qkv]/*").rule(fan_in, path="head/pos_embed"))
    # test_byobnet's stages are an EdgeBlock, a DarkBlock, a BasicBlock and a bottleneck: the DarkBlock's and the
    # BasicBlock's conv2_kxk widen (mid -> out), so timm's fan_out is torch's, and they are their blocks' last
    kxk = {"gernet": "stages/[01]", "byobnet_test": "stages/[12]"}.get(arch.family)
    if arch.family == "byobnet_test":
        plan = plan.rule(_HE_OUT, kind="conv", role="weight", path="stages/[12]/*/conv2_kxk/conv/*")
    if not arch.zero_init_last:
        return plan
    plan = (plan.rule(Zeros(), kind="norm", role="scale", path="stages/*/*/conv3_1x1/bn/*")
            .rule(Zeros(), kind="norm", role="scale", path="stages/*/*/conv2_1x1/bn/*"))
    if kxk is not None:  # GENet's BasicBlock stages, test_byobnet's DarkBlock and BasicBlock
        return plan.rule(Zeros(), kind="norm", role="scale", path=f"{kxk}/*/conv2_kxk/bn/*")
    if arch.family in ("regnetz", "regnetz_d"):  # a stage's first block has no shortcut: its norm stays 1
        first = "stages/*/0" if arch.family == "regnetz" else "stages/[!0]/0"
        return plan.rule(Ones(), kind="norm", role="scale", path=f"{first}/conv3_1x1/bn/*")
    return plan


@_timm_family("vit", "swin")
def _vit(plan: Plan, arch: _Arch) -> Plan:
    """init_weights_vit_timm: every Linear trunc_normal_(.02), bias 0; ViT's tokens, Swin's table."""
    plan = _trunc_linear(plan)
    if arch.family == "swin":
        return plan.rule(_TRUNC, path="*/relative_position_bias_table")
    plan = (plan.rule(_TRUNC, path="pos_embed").rule(Normal(0.0, 1e-6), path="cls_token")
            .rule(Normal(0.0, 1e-6), path="reg_token").rule(_TRUNC, path="dist_token"))
    # the layers' own: AttentionPoolLatent's latent; SwiGLU's gate fc1_g N(0, 1e-12), bias 1; ParallelScalingBlock's
    # mlp_bias 0; DiffAttention's and DiffParallelScalingBlock's lambda_q1, lambda_k1, lambda_q2, lambda_k2
    # N(0, 0.1^2)
    return (plan.rule(_LATENT, path="attn_pool/latent")
            .rule(Normal(0.0, 1e-6), kind="dense", role="weight", path="blocks/*/mlp/fc1_g/*")
            .rule(Ones(), kind="dense", role="bias", path="blocks/*/mlp/fc1_g/*")
            .rule(Zeros(), path="blocks/*/mlp_bias").rule(Normal(0.0, 0.1), path="blocks/*lambda_[qk][12]"))


@_timm_family("vit_glu", "vit_rpn")
def _vit_glu(plan: Plan, arch: _Arch) -> Plan:
    """ViT's init_weights_vit_timm, then the MLP's or block's init_weights."""
    plan = _vit(plan, _Arch("vit", arch.name, arch.zero_init_last))
    if arch.family == "vit_glu":  # SwiGLUPacked, a GluMlp: fc1's second half of rows (the gate) N(0, 1e-12), bias 1
        return (plan.rule(Blocks([_TRUNC, Normal(0.0, 1e-6)]), kind="dense", role="weight", path="blocks/*/mlp/fc1/*")
                .rule(Blocks([Zeros(), Ones()]), kind="dense", role="bias", path="blocks/*/mlp/fc1/*"))
    # ResPostBlock.init_weights: norm1/norm2 weights init_values (1e-5)
    return plan.rule(Constant(1e-5), kind="norm", role="scale", path="blocks/*/norm[12]/*")


@_timm_family("vit_hybrid", "vitamin")
def _vit_hybrid(plan: Plan, arch: _Arch) -> Plan:
    """init_weights_vit_timm over the ViT and its backbone."""
    backbone = "patch_embed/backbone/*"
    plan = _vit(plan, _Arch("vit", arch.name, arch.zero_init_last)).rule(_HE_OUT, kind="conv", role="weight",
                                                                         path=backbone)
    if arch.family == "vit_hybrid":  # ResNetV2's init_weights again, zero_init_last=True; ResNet's own (features)
        return (plan.rule(Zeros(), kind="norm", role="scale", path=backbone + "/blocks/*/norm3/*")
                .rule(Zeros(), kind="norm", role="scale", path="patch_embed/backbone/layer*/*/bn3/*"))
    # the Stem's _init_conv and each MbConvLNBlock's init_weights: timm's fan_out k*k*out/groups, biases 0 (the
    # depthwise conv2_kxk: torch's fan_in); the StridedConv pool's proj keeps torch's default
    return (plan.rule(Zeros(), kind="conv", role="bias", path=backbone)
            .rule(_HE_IN, kind="conv", role="weight", path=backbone + "/conv2_kxk/*")
            .rule(_TORCH_DEFAULT, kind="conv", path="patch_embed/backbone/pool/*"))


@_timm_family("samvit")
def _samvit(plan: Plan, arch: _Arch) -> Plan:
    """VisionTransformerSAM draws nothing: torch's defaults, its zeros tables."""
    return plan.rule(Zeros(), path="pos_embed").rule(Zeros(), path="blocks/*/attn/rel_pos_[hw]")


@_timm_family("beit")
def _beit(plan: Plan, arch: _Arch) -> Plan:
    """BEiT's and EVA's _init_weights; fix_init_weight divides block l's output layers by sqrt(2 (l + 1)), l on the
    path."""
    residual = Scaled(_TRUNC, _DEPTH)
    return (_trunc_linear(plan)
            .rule(_TRUNC, path="pos_embed").rule(_TRUNC, path="cls_token").rule(_TRUNC, path="reg_token")
            .rule(Zeros(), path="*relative_position_bias_table").rule(Zeros(), path="blocks/*/attn/[qv]_bias")
            .rule(residual, kind="dense", role="weight", path="blocks/*/attn/proj/*")
            .rule(residual, kind="dense", role="weight", path="blocks/*/mlp/fc2/*")
            .rule(Scaled(_TRUNC, "0.001"), kind="dense", role="weight", path="head/*")  # head_init_scale
            .rule(_LATENT, path="attn_pool/latent")  # PE-core's AttentionPoolLatent
            .rule(MixedRoPE(), path="rope/freqs"))  # the RoPE-Mixed ViTs' RotaryEmbeddingMixed


@_timm_family("naflexvit")
def _naflexvit(plan: Plan, arch: _Arch) -> Plan:
    """init_weights_vit_timm, fix_init_weight; NaFlexEmbeds' own reset_parameters."""
    return (_trunc_linear(plan)
            .rule(Scaled(_TRUNC, _DEPTH), kind="dense", role="weight", path="blocks/*/attn/proj/*")
            .rule(Scaled(_TRUNC, _DEPTH), kind="dense", role="weight", path="blocks/*/mlp/fc2/*")
            .rule(Normal(0.0, 1e-6), path="embeds/cls_token").rule(Normal(0.0, 1e-6), path="embeds/reg_token")
            .rule(Normal(0.0, 0.02), path="embeds/pos_embed*")  # pos_embed, or pos_embed_y and pos_embed_x
            .rule(_LATENT, path="attn_pool/latent"))


@_timm_family("cait")
def _cait(plan: Plan, arch: _Arch) -> Plan:
    """CaiT's _init_weights: trunc_normal_ pos_embed and cls_token; both stacks' LayerScale by init_values."""
    return _trunc_linear(plan).rule(_TRUNC, path="pos_embed").rule(_TRUNC, path="cls_token")


@_timm_family("swinv2")
def _swinv2(plan: Plan, arch: _Arch) -> Plan:
    """init_weights_vit_timm; res-post-norm: each block's norms 0/0."""
    return (_trunc_linear(plan)
            .rule(Constant(math.log(10.0)), path="*/logit_scale")
            .rule(Zeros(), path="*/attn/[qv]_bias")
            .rule(Zeros(), kind="norm", path="layers/*/blocks/*/norm[12]/*"))


@_timm_family("qwen3_vit")
def _qwen3_vit(plan: Plan, arch: _Arch) -> Plan:
    """Qwen3-VL's and DeepSeek's encoders: _init_weights (the classifier's head too)."""
    return _trunc_linear(plan).rule(_TRUNC, path="*pos_embed")


@_timm_family("gemma4_vit")
def _gemma4_vit(plan: Plan, arch: _Arch) -> Plan:
    """init_weights_gemma4_vit: trunc_normal_tf_; the classifier's head built after it."""
    return (_trunc_linear(plan, _TRUNC_TF)
            .rule(_TRUNC_TF, path="*/position_embedding_table")
            .rule(_TORCH_DEFAULT, kind="dense", role="weight", path="head/*"))


@_timm_family("mobilenetv4", "mobilenet_edgetpu_v2")
def _mobilenetv4(plan: Plan, arch: _Arch) -> Plan:
    """efficientnet's _init_weight_goog, then more."""
    plan = _regnet(plan, _Arch("efficientnet", arch.name, arch.zero_init_last))
    if arch.family == "mobilenet_edgetpu_v2":  # the grouped conv_exp of blocks 1.1, 2.1, 2.3 has out = 4 in: timm's
        # fan_out k*k*out/groups is 4 times torch's fan_in
        return (plan.rule(Scaled(_HE_IN, "0.5"), kind="conv", role="weight", path="blocks/1/1/conv_exp/*")
                .rule(Scaled(_HE_IN, "0.5"), kind="conv", role="weight", path="blocks/2/[13]/conv_exp/*"))
    # the UniversalInvertedResidual's depthwise dw_start, dw_mid, dw_end (in = out = groups): timm's fan_out is
    # torch's fan_in; then MultiQueryAttention2d.init_weights (children first): Xavier
    return (plan.rule(_HE_IN, kind="conv", role="weight", path="*/dw_start/conv/*")
            .rule(_HE_IN, kind="conv", role="weight", path="*/dw_mid/conv/*")
            .rule(_HE_IN, kind="conv", role="weight", path="*/dw_end/conv/*")
            .rule(XavierUniform(), kind="conv", role="weight", path="*/attn/*/proj/*")  # query ... output
            .rule(XavierUniform(), kind="conv", role="weight", path="*/attn/*/down_conv/*")  # key's, value's
            .rule(Constant(1e-5), path="blocks/*/*/layer_scale/gamma"))  # the hybrids' layer_scale_init_value


@_timm_family("efficientvit_msra", "shvit")
def _efficientvit_msra(plan: Plan, arch: _Arch) -> Plan:
    """No model-wide init: ConvNorm's bn_weight_init, NormLinear's trunc_normal_; bn_weight_init 0 after each FFN's
    pw2, the attention's proj and each residual depthwise conv."""
    head = "head/linear/*" if arch.family == "efficientvit_msra" else "head/l/*"
    plan = (plan.rule(_TRUNC, kind="dense", role="weight", path=head)
            .rule(Zeros(), kind="dense", role="bias", path=head)
            .rule(Zeros(), kind="norm", role="scale", path="stages/*/pw2/bn/*"))
    if arch.family == "efficientvit_msra":  # CascadedGroupAttention's attention_biases zeros
        return (plan.rule(Zeros(), kind="norm", role="scale", path="stages/*/blocks/*/dw[01]/m/bn/*")
                .rule(Zeros(), kind="norm", role="scale", path="stages/*/blocks/*/mixer/m/attn/proj/1/bn/*")
                .rule(Zeros(), path="*/attention_biases"))
    return (plan.rule(Zeros(), kind="norm", role="scale", path="stages/*/blocks/*/conv/m/bn/*")
            .rule(Zeros(), kind="norm", role="scale", path="stages/*/blocks/*/mixer/m/proj/1/bn/*"))


@_timm_family("efficientvim")
def _efficientvim(plan: Plan, arch: _Arch) -> Plan:
    """init_weights: nn.Linear trunc_normal_, norms reset (bn_weight_init undone)."""
    return (_trunc_linear(plan)
            .rule(Ones(), path="weights").rule(Ones(), path="weights_dist")  # the heads' fusion weights
            .rule(Constant(1e-4), path="stages/*/blocks/*/alpha")  # the four LayerScales of a block
            .rule(Uniform(1.0, 16.0), path="stages/*/blocks/*/mixer/A")  # HSMSSD's a_init_range
            .rule(Ones(), path="stages/*/blocks/*/mixer/D"))


# ------------------------------------------------------------------------------------------ keras.applications

#: a keras.applications builder's name -> its family: the first pattern that matches the whole name
_KERAS_BUILDERS = (
    (r"EfficientNetB[0-7]|EfficientNetV2(B[0-3]|S|M|L)", "efficientnet"), (r"NASNet(Large|Mobile)", "nasnet"),
    (r"ConvNeXt(Tiny|Small|Base|Large|XLarge)", "convnext"),
    (r"DenseNet(121|169|201)|Inception(ResNetV2|V3)|MobileNet(V2|V3Small|V3Large)?|ResNet(50|101|152)(V2)?"
     r"|VGG(16|19)|Xception", "defaults"))

KERAS_APPLICATIONS_FAMILIES = ("defaults", "efficientnet", "nasnet", "convnext")

#: Keras's "he_normal", VarianceScaling(2.0, "fan_in", "truncated_normal"): NASNet's plain convs, and EfficientNet's
#: depthwise convs on a port (Keras's fan_out kh*kw of a DepthwiseConv2D is the grouped conv's own fan_in there)
_KERAS_HE_NORMAL = VarianceScaling(2.0, "fan_in", "truncated_normal")


def keras_applications(arch: str) -> Plan:
    """The initialization a ``keras.applications`` builder gives its model, for ``arch`` a family or a builder's name.

    keras.applications' models (Keras 3.15) are built from Keras layers that keep their default initializers
    (``presets.keras``) but where the builder passes its own. This plan is those defaults and the builder's own
    initializers, family by family:

    - ``defaults`` (DenseNet 121-201, Inception V3, Inception-ResNet V2, MobileNet V1, V2 and V3, ResNet and ResNet
      V2 50-152, VGG 16 and 19, Xception): the builders pass no initializer, so this plan is ``presets.keras``'s
      rules only (Glorot-uniform kernels, zero biases, norms 1/0).
    - ``efficientnet`` (EfficientNet B0-B7, EfficientNet V2 B0-B3, S, M and L): every ``Conv2D`` and
      ``DepthwiseConv2D`` kernel (the stem, each block's expansion, depthwise, squeeze-excitation and projection
      convs, the top conv) ``CONV_KERNEL_INITIALIZER``, VarianceScaling(2.0, "fan_out", "truncated_normal") with
      Keras's fans (a depthwise kernel's fan_out is kh*kw*depth_multiplier); the classifier ``predictions``
      ``DENSE_KERNEL_INITIALIZER``, VarianceScaling(1/3, "fan_out", "uniform"); biases 0, norms 1/0, the input
      ``Normalization`` layer's mean 0 and variance 1.
    - ``nasnet`` (NASNet Large and Mobile): the stem's and each cell's plain ``Conv2D`` (``stem_conv1``,
      ``adjust_conv_1_*``, ``adjust_conv_2_*``, ``adjust_conv_projection_*``, ``normal_conv_1_*``,
      ``reduction_conv_1_*``) ``"he_normal"``, VarianceScaling(2.0, "fan_in", "truncated_normal"); the separable
      convs and the classifier keep Keras's defaults.
    - ``convnext`` (ConvNeXt Tiny, Small, Base, Large, XLarge): Keras's defaults, and each block's ``LayerScale``
      ``gamma`` the builder's ``layer_scale_init_value`` 1e-6 (selected by its layer's name, ``*_layer_scale``:
      Keras numbers the variable itself).

    The rules select by layer kind and the builders' layer names, so the plan also applies to a port of the model
    that keeps those names. A layer of one's own on top of a builder's base (a new head) keeps Keras's defaults,
    but for EfficientNet's conv rules, which take every conv and depthwise kernel, as the builders give them all.
    A port holds a ``DepthwiseConv2D`` as a grouped conv (groups = in channels: torch's ``Conv2d(groups=C)``,
    Flax's ``feature_group_count=C``, Equinox's ``groups=C``), whose own fan_out is C*kh*kw, not Keras's kh*kw: the
    plan finds EfficientNet's by the builders' names (``*_dwconv``, V2's ``*_dwconv2``) and draws them with
    Keras's fans, which for the builders' depth_multiplier 1 are the grouped conv's own fan_in kh*kw; a depthwise
    conv of one's own on a port is drawn as any grouped conv, with its own fan_out. The other families' depthwise
    and separable kernels are Glorot-uniform, whose law depends on fan_in + fan_out alone, the same for Keras's
    layer and a grouped-conv port where depth_multiplier is 1 (MobileNet's ``depth_multiplier`` > 1 differs on a
    port).
    ``make test`` builds one model of each family (and, once, outside the suite, every
    builder) and compares each variable with the builder's own init.

    Args:
        arch: a family (``KERAS_APPLICATIONS_FAMILIES``) or a builder's name (``"EfficientNetB0"``,
            ``"NASNetMobile"``, ``"ConvNeXtTiny"``, ``"ResNet50"``...).

    Returns:
        The plan, named ``"keras_applications"``.

    Raises:
        TypeError: ``arch`` is not a string.
        ValueError: ``arch`` is neither a family nor a builder's name.

    Examples:
        >>> import unifiedinit as ui
        >>> plan = ui.presets.keras_applications("EfficientNetB0")
        >>> plan.rules[-1].spec
        VarianceScaling(scale=0.3333333333333333, mode='fan_out', distribution='uniform')
    """
    family = _family_of("keras_applications", arch, KERAS_APPLICATIONS_FAMILIES, _KERAS_BUILDERS,
                        "a keras.applications builder's name such as 'EfficientNetB0' or 'ResNet50'")
    from . import presets
    plan = Plan(presets.keras.rules, "keras_applications")
    if family == "efficientnet":  # efficientnet.py's and efficientnet_v2.py's CONV_ and DENSE_KERNEL_INITIALIZER
        # a DepthwiseConv2D's kernel takes Keras's fan_out kh*kw*depth_multiplier: on Keras, selected by its class;
        # on a port, where it is a grouped conv whose own fan_out is C*kh*kw, by the builders' names, and drawn
        # from its own fan_in kh*kw (in/groups = 1), which is Keras's fan_out as the builders' depth_multiplier is
        # 1 (as timm's efficientnet rule does for its conv_dw)
        conv = VarianceScaling(2.0, "fan_out", "truncated_normal")
        plan = (plan.rule(conv, kind="conv", role="weight")
                .rule(_KERAS_HE_NORMAL, kind="conv", role="weight", path="*_dwconv/*")
                .rule(_KERAS_HE_NORMAL, kind="conv", role="weight", path="*_dwconv2/*")
                .rule(conv, kind="conv", role="weight", framework_layer="Depthwise*", layout="keras")
                .rule(VarianceScaling(1 / 3, "fan_out", "uniform"), kind="dense", role="weight",
                      path="*predictions/*"))
    elif family == "nasnet":  # nasnet.py's kernel_initializer="he_normal" on its plain 1x1 (and stem) convs
        for name in ("stem_conv1", "adjust_conv_1_*", "adjust_conv_2_*", "adjust_conv_projection_*",
                     "normal_conv_1_*", "reduction_conv_1_*"):  # in a cell: its name first
            plan = plan.rule(_KERAS_HE_NORMAL, kind="conv", role="weight", path=f"*{name}/*")
    elif family == "convnext":  # convnext.py's LayerScale: add_weight(initializer=Constant(init_values))
        plan = plan.rule(Constant(1e-6), path="*_layer_scale/*")
    return _quiet(plan, "keras_applications")


# ---------------------------------------------------------------------------------------- Gluon's model zoo

#: a ``mx.gluon.model_zoo.vision`` model's name (``get_model``'s or its function's) -> its family
_GLUON_MODELS = (
    (r"vgg(11|13|16|19)(_bn)?", "vgg"),
    (r"resnet(18|34|50|101|152)_v[12]|alexnet|densenet(121|161|169|201)|squeezenet1[._][01]|inception_?v3"
     r"|mobilenet(_?v2_)?(1[._]0|0[._](75|5|25))", "defaults"))

GLUON_MODEL_ZOO_FAMILIES = ("defaults", "vgg")


def gluon_model_zoo(arch: str) -> Plan:
    """The initialization a Gluon model-zoo network gets from ``net.initialize()``, for ``arch`` a family or a name.

    MXNet 1.9's ``mx.gluon.model_zoo.vision`` builds its networks from Gluon layers that keep their defaults, which
    ``net.initialize()`` draws (``presets.mxnet``: the global Uniform(+-0.07) for weights, zero biases, BatchNorm
    1/0 and statistics 0/1), but VGG, whose layers carry initializers of their own that win over the global one:

    - ``defaults`` (ResNet V1 and V2 18-152, AlexNet, DenseNet 121-201, SqueezeNet 1.0 and 1.1, Inception V3,
      MobileNet 1.0-0.25, MobileNet V2 1.0-0.25): ``presets.mxnet``'s rules only.
    - ``vgg`` (VGG 11, 13, 16, 19, with and without BatchNorm): every ``Conv2D`` weight
      ``Xavier(rnd_type='gaussian', factor_type='out', magnitude=2)``, N(0, 2/fan_out) (He normal, fan_out);
      every ``Dense`` weight ``'normal'``, N(0, 0.01^2); biases ``'zeros'``.

    Args:
        arch: a family (``GLUON_MODEL_ZOO_FAMILIES``) or a model's name as ``get_model`` takes it, in any case
            (``"vgg16"``, ``"ResNet18_v1"``, ``"mobilenetv2_1.0"``...) or as its function is called
            (``"mobilenet_v2_1_0"``).

    Returns:
        The plan, named ``"gluon_model_zoo"``.

    Raises:
        TypeError: ``arch`` is not a string.
        ValueError: ``arch`` is neither a family nor a model-zoo name.

    Examples:
        >>> import unifiedinit as ui
        >>> print(ui.presets.gluon_model_zoo("vgg16").rules[-1])
        kind=dense role=weight -> Normal(mean=0.0, std=0.01)
    """
    family = _family_of("gluon_model_zoo", arch, GLUON_MODEL_ZOO_FAMILIES, _GLUON_MODELS,
                        "a Gluon model-zoo name such as 'vgg16' or 'resnet18_v1'", fold=True)
    from . import presets
    plan = Plan(presets.mxnet.rules, "gluon_model_zoo")
    if family == "vgg":  # vgg.py: Conv2D Xavier('gaussian', 'out', 2), Dense 'normal' (sigma 0.01); biases 'zeros',
        # as presets.mxnet's
        plan = (plan.rule(KaimingNormal(mode="fan_out", nonlinearity="relu"), kind="conv", role="weight")
                .rule(Normal(0.0, 0.01), kind="dense", role="weight"))
    return _quiet(plan, "gluon_model_zoo")
