"""Each framework's default initialization as a ``Plan``, applicable to a model of any of the four frameworks.

``presets.torch.apply(flax_model, seed=0)`` gives a Flax model exactly torch's defaults, the fan_in-dependent
bias included; ``presets.keras``, ``presets.flax`` and ``presets.mxnet`` likewise. Each rule says where the
number comes from in the framework's source; the tests compare every preset, parameter by parameter, with the
framework's own initialization of the same model.

Torch's ConvTranspose default computes fan_in from storage axis 1 of its (in, out/g, *k) weight, which is the
*layer's* fan_out: the preset says so (``VarianceScaling(1/3, "fan_out", "uniform")`` with the layer's fans),
so it gives the same numbers in Keras and Flax, whose kernels store the axes the other way round.

Recurrent layers see their layer's fans as (hidden, hidden). Keras's LSTM bias (zeros with the forget gate's
block set to ones) is ``Blocks([Zeros(), Ones(), Zeros(), Zeros()])``: the gates are stacked in the same order
(i, f, c/g, o) in Keras, torch and MXNet; Flax's LSTMCell keeps one bias per gate, and its ``hf`` bias is ones. Attention: torch's MultiheadAttention stores one (3E, E) in_proj
weight, Keras and Flax separate (E, heads, dim) query/key/value kernels and a (heads, dim, E) output kernel whose
fans both take flattened to (input, output) features (the ``multihead_qkv`` / ``multihead_out`` layouts). Each
preset's attention rules reproduce its own framework; across frameworks the projections do not correspond one
to one (torch's Xavier on the stacked (3E, E) in_proj is not Keras's on each (E, E) projection).
Flax keeps one kernel per gate and makes each recurrent one orthogonal: ``presets.flax`` on a framework that
stacks the gates ((4H, H) in torch and MXNet, (H, 4H) in Keras) makes the stacked matrix orthogonal instead.
The other way round, ``presets.keras`` on a Flax LSTMCell scales each gate's kernel by that
kernel's own fans and makes each (H, H) recurrent kernel orthogonal, which is Flax's convention and not Keras's
gate-stacked (in, 4H) glorot and (H, 4H) orthogonal matrices.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from .plan import Plan
from .specs import (Blocks, Constant, KaimingNormal, KaimingUniform, LecunNormal, Normal, Ones, Orthogonal, Rows, Spec,
                    TruncatedNormal, Uniform, VarianceScaling, XavierNormal, XavierUniform, Zeros)

__all__ = ["torch", "keras", "flax", "mxnet", "equinox", "PRESETS", "dcgan", "he_conv", "xavier_linear", "first_and_second",
           "SEED_PATTERNS", "hf", "hf_model", "bert", "llama", "gpt2", "vit", "clip", "siglip", "t5", "torchtitan",
           "megatron", "deepnet", "rezero", "lstm_forget_bias", "fixup", "mup", "t_fixup", "olmo", "torchvision",
           "timm", "keras_applications", "gluon_model_zoo", "FAMILIES"]


#: the layer class a report gives Flax's ``ConvTranspose(transpose_kernel=True)``, whose kernel and fans are not
#: those of the default ``ConvTranspose``: the Flax walk writes it, ``presets.flax`` selects it
TRANSPOSED_KERNEL = "ConvTranspose(transpose_kernel=True)"


def _quiet(plan: Plan) -> Plan:
    """A preset covers every layer kind; a model rarely has them all, so its rules do not warn when unused."""
    return Plan([dataclasses.replace(r, quiet=True) for r in plan.rules], plan.name)


_LAYERS = ("dense", "conv", "conv_transpose")

# A rule for one framework layer class selects it by ``framework_layer=``, which matches only the framework's own
# classes a layer is or derives from (``Param.bases``): a user's subclass of ``nn.LSTM`` keeps the LSTM rule, a
# user's ``class MyLSTM(nn.Module)`` or ``class Attention(keras.layers.Layer)``, merely so named, does not get it.


def _norms(plan: Plan) -> Plan:
    """Every framework: norm scale 1 and shift 0, running mean 0 and variance 1, torch's batch counter 0."""
    return (plan.rule(Ones(), kind="norm", role=("scale", "running_var"))
                .rule(Zeros(), kind="norm", role=("shift", "running_mean", "batches_tracked")))


torch = _quiet(_norms(
    Plan(name="torch")
    # Linear, Conv*: kaiming_uniform_(a=sqrt(5)) = U(+-1/sqrt(fan_in)); bias U(+-1/sqrt(fan_in)) of the weight
    .rule(KaimingUniform(a=math.sqrt(5)), kind=("dense", "conv"), role=("weight", "bias"))
    # nn.Bilinear (out, in1, in2): weight and bias U(+-1/sqrt(in1)), the layer's fans as its reset reads them
    .rule(KaimingUniform(a=math.sqrt(5)), kind="dense", role="weight", framework_layer="Bilinear", fans="layer")
    # ConvTranspose*: torch's fan_in of the (in, out/g, *k) weight is (out/g) x RF, the layer's fan_out
    .rule(VarianceScaling(1 / 3, "fan_out", "uniform"), kind="conv_transpose", role=("weight", "bias"), fans="layer")
    # nn.Embedding: N(0, 1), its padding_idx row zero (a layer without one: N(0, 1) everywhere)
    .rule(Rows(Normal(0.0, 1.0)), kind="embedding", role="embedding")
    .rule(Constant(0.25), kind="prelu", role="slope")                                  # nn.PReLU(init=0.25)
    # RNN/LSTM/GRU: every weight and bias U(+-1/sqrt(hidden))
    .rule(VarianceScaling(1 / 3, "fan_in", "uniform"), kind="recurrent", fans="layer")
    # MultiheadAttention: in_proj xavier_uniform_, biases 0, out_proj a Linear's default weight
    .rule(XavierUniform(), kind="attention", role="weight")
    .rule(Zeros(), kind="attention", role="bias")
    .rule(KaimingUniform(a=math.sqrt(5)), kind="attention", role="weight", path="*out_proj/weight")
    # add_bias_kv=True: bias_k and bias_v (1, 1, E) xavier_normal_, with the tensor's own fans (E and E)
    .rule(XavierNormal(), kind="attention", role="bias", path="*bias_[kv]", fans="tensor"))
    # after the norms' rules: the BatchNorm of a fused QAT layer (torch.ao.nn.intrinsic.qat ConvBn*d, ConvBnReLU*d,
    # LinearBn1d), which the torch walk names "BatchNorm2d in ConvBn2d": reset_bn_parameters draws its scale
    # U(0, 1) (its shift 0, its running statistics reset, as every norm's)
    .rule(Uniform(0.0, 1.0), kind="norm", role="scale", layer="* in ConvBn*")
    .rule(Uniform(0.0, 1.0), kind="norm", role="scale", layer="* in LinearBn1d"))

keras = _quiet(_norms(
    Plan(name="keras")
    .rule(XavierUniform(), kind=_LAYERS, role="weight")                 # kernel_initializer="glorot_uniform"
    # DepthwiseConv / SeparableConv kernels (kh, kw, in, multiplier): Keras's compute_fans of the stored kernel
    # (fan_in = in x RF), not the grouped convolution's own (fan_in = RF) that the other presets use
    .rule(XavierUniform(), kind="conv", role="weight", framework_layer="Depthwise*", layout="keras")
    .rule(XavierUniform(), kind="conv", role="weight", framework_layer="Separable*", layout="keras")
    .rule(Zeros(), kind=_LAYERS, role="bias")                           # bias_initializer="zeros"
    .rule(Uniform(-0.05, 0.05), kind="embedding", role="embedding")     # Embedding: "uniform" = U(+-0.05)
    .rule(Zeros(), kind="prelu", role="slope")                          # PReLU: alpha "zeros"
    .rule(XavierUniform(), kind="recurrent", role="weight")             # LSTM/GRU kernel: glorot_uniform
    .rule(Orthogonal(), kind="recurrent", role="recurrent_weight")      # recurrent_kernel: orthogonal
    .rule(Zeros(), kind="recurrent", role="bias")                       # GRU, SimpleRNN: bias "zeros"
    # LSTM: unit_forget_bias=True, zeros with the forget gate's block ones (gates i, f, c, o; torch i, f, g, o)
    .rule(Blocks([Zeros(), Ones(), Zeros(), Zeros()]), kind="recurrent", role="bias", framework_layer="*LSTM*")
    .rule(Ones(), kind="recurrent", role="bias", path="*hf/bias")        # Flax's LSTMCell: one bias per gate
    # NNX's OptimizedLSTMCell: its one bias, in its hidden sub-layer (dense_h, a Linear), stacks i, f, g, o
    .rule(Blocks([Zeros(), Ones(), Zeros(), Zeros()]), kind="recurrent", role="bias", path="*dense_h/bias")
    .rule(Zeros(), kind="recurrent", role="recurrent_bias")             # one bias: a second one (torch's) is 0
    # Attention(use_scale=True, score_mode="concat"): scale and concat_score_weight ones; AdditiveAttention's
    # scale (dim,) glorot_uniform, a vector's fans (dim, dim)
    .rule(Ones(), framework_layer="Attention", path="*/scale")
    .rule(Ones(), framework_layer="Attention", path="*/concat_score_weight")
    .rule(XavierUniform(), framework_layer="AdditiveAttention", path="*/scale")
    # enable_lora(rank): lora_kernel_a / lora_embeddings_a he_uniform (compute_fans: fan_in = axis -2), *_b zeros
    .rule(KaimingUniform(), path="*/lora_*_a", fans="tensor", layout="keras")
    .rule(Zeros(), path="*/lora_*_b")
    # SpectralNormalization's power-iteration vector: initializers.TruncatedNormal(stddev=0.02), cut at 2 std
    .rule(TruncatedNormal(0.0, 0.02, -0.04, 0.04), framework_layer="SpectralNormalization", path="*/vector_u")
    # MultiHeadAttention's EinsumDense kernels: glorot_uniform with fans of the kernel flattened to
    # (input features, output features) (the "multihead_*" layouts); biases zeros
    .rule(XavierUniform(), kind="attention", role="weight")
    .rule(Zeros(), kind="attention", role="bias")))

flax = _quiet(_norms(
    Plan(name="flax")
    .rule(LecunNormal(), kind=_LAYERS, role="weight")                   # default_kernel_init: lecun_normal
    # ConvTranspose(transpose_kernel=True) keeps the forward convolution's kernel (*k, out, in), whose fan_in by
    # position (lecun_normal's in_axis=-2) is the layer's fan_out
    .rule(VarianceScaling(1.0, "fan_out", "truncated_normal"), kind="conv_transpose", role="weight",
          layer=TRANSPOSED_KERNEL)
    .rule(Zeros(), kind=_LAYERS, role="bias")                           # zeros_init
    # Embed: variance_scaling(1, "fan_in", "normal", out_axis=0): JAX's "normal" is untruncated; in and out axis
    # are both the vocabulary, so the fan is the features: N(0, 1/features)
    .rule(VarianceScaling(1.0, "fan_out", "normal"), kind="embedding", role="embedding")
    .rule(Constant(0.01), kind="prelu", role="slope")                   # PReLU negative_slope_init 0.01
    .rule(LecunNormal(), kind="recurrent", role="weight")               # LSTMCell input kernels: lecun_normal
    .rule(Orthogonal(), kind="recurrent", role="recurrent_weight")      # orthogonal, per gate kernel
    .rule(Zeros(), kind="recurrent", role=("bias", "recurrent_bias"))
    # ConvLSTMCell's hidden-to-hidden conv ("hh": no other cell has a sub-layer of that name) keeps Conv's default
    .rule(LecunNormal(), kind="recurrent", role="recurrent_weight", path="*hh/kernel")
    .rule(Ones(), kind="recurrent", role="bias", path="*if/bias")       # MGUCell's forget gate: ones_init
    # nnx.LoRA: lora_a he_uniform (fan_in: its input axis), lora_b zeros
    .rule(KaimingUniform(), framework_layer="LoRA", path="*lora_a", fans="tensor")
    .rule(Zeros(), framework_layer="LoRA", path="*lora_b")
    # MultiHeadAttention: lecun_normal on DenseGeneral kernels flattened to (in, out) features, zero biases
    .rule(LecunNormal(), kind="attention", role="weight")
    .rule(Zeros(), kind="attention", role="bias")))

mxnet = _quiet(_norms(
    Plan(name="mxnet")
    # Gluon: weights take the global initializer, whose default is Uniform(0.07); biases "zeros" (Gluon has no
    # attention layer: a model's attention projections are Dense layers there)
    .rule(Uniform(-0.07, 0.07), kind=_LAYERS + ("embedding", "recurrent", "attention"),
          role=("weight", "embedding", "recurrent_weight"))
    .rule(Zeros(), kind=_LAYERS + ("recurrent", "attention"), role=("bias", "recurrent_bias"))
    .rule(Constant(0.25), kind="prelu", role="slope")))                 # PReLU alpha Constant(0.25)

equinox = _quiet(_norms(
    Plan(name="equinox")
    # Linear, Conv*, ConvTranspose*: weight and bias U(+-1/sqrt(fan_in)) with the layer's own fan_in (in/g x RF)
    # for all three (eqx.nn._conv: lim = 1 / sqrt(grouped_in_channels * prod(kernel_size))), unlike torch's
    # ConvTranspose, which takes its storage's
    .rule(VarianceScaling(1 / 3, "fan_in", "uniform"), kind=_LAYERS, role=("weight", "bias"), fans="layer")
    # a Linear's or Conv's weight: its own fan_in, the same as its layer's, except in a layer of two weights: a
    # separable conv's depthwise kernel (kh x kw) is Equinox's depthwise Conv(groups=C), not the pointwise one
    .rule(VarianceScaling(1 / 3, "fan_in", "uniform"), kind=("dense", "conv"), role="weight",
          framework_layer="Separable*")
    .rule(Normal(0.0, 1.0), kind="embedding", role="embedding")                       # Embedding: N(0, 1)
    .rule(Constant(0.25), kind="prelu", role="slope")                                  # PReLU(init_alpha=0.25)
    # LSTMCell, GRUCell: every weight and bias U(+-1/sqrt(hidden))
    .rule(VarianceScaling(1 / 3, "fan_in", "uniform"), kind="recurrent", fans="layer")
    # MultiheadAttention: four Linear layers with their defaults, each weight its own fan_in (a key projection of
    # kdim inputs: kdim), the biases the layer's (embed_dim)
    .rule(VarianceScaling(1 / 3, "fan_in", "uniform"), kind="attention", role="weight")
    .rule(VarianceScaling(1 / 3, "fan_in", "uniform"), kind="attention", role="bias", fans="layer")))

PRESETS = {"torch": torch, "keras": keras, "flax": flax, "mxnet": mxnet, "equinox": equinox}

# ------------------------------------------------------------------------------- the seeds' whole-model patterns

#: the norms the seeds' patterns set: those whose class name holds 'BatchNorm', as the seeds'
#: ``classname.find('BatchNorm')`` (torch's, Flax's, MXNet's and Equinox's BatchNorm, Keras's BatchNormalization,
#: SyncBatchNorm); a LayerNorm or GroupNorm is left as it is
_BATCH_NORM = "*BatchNorm*"

#: DCGAN's weights_init: Conv (and ConvTranspose: the seed matches 'Conv' in the class name) weights N(0, 0.02),
#: BatchNorm weights N(1, 0.02) and biases 0; a convolution's bias is left as it is, as the seed leaves it
dcgan = (Plan(name="dcgan")
         .rule(Normal(0.0, 0.02), kind=("conv", "conv_transpose"), role="weight")
         .rule(Normal(1.0, 0.02), kind="norm", role="scale", layer=_BATCH_NORM)
         .rule(Zeros(), kind="norm", role="shift", layer=_BATCH_NORM))

#: Conv and ConvTranspose weights N(0, sqrt(2 / n)), n = k x k x out_channels (He, fan_out; for a grouped
#: ConvTranspose the fan_out of its stored weight, k x k x out_channels / groups), their biases 0; BatchNorm
#: 1 / 0; Linear N(0, 0.01) with bias ones
he_conv = (Plan(name="he_conv")
           .rule(KaimingNormal(mode="fan_out", nonlinearity="relu"), kind=("conv", "conv_transpose"), role="weight")
           .rule(Zeros(), kind=("conv", "conv_transpose"), role="bias")
           .rule(Ones(), kind="norm", role="scale", layer=_BATCH_NORM)
           .rule(Zeros(), kind="norm", role="shift", layer=_BATCH_NORM)
           .rule(Normal(0.0, 0.01), kind="dense", role="weight")
           .rule(Ones(), kind="dense", role="bias"))

#: Linear weights xavier_uniform, biases 0
xavier_linear = (Plan(name="xavier_linear")
                 .rule(XavierUniform(), kind="dense", role="weight")
                 .rule(Zeros(), kind="dense", role="bias"))


def first_and_second(first: Any = XavierUniform(), second: Any = Constant(42.0), *, first_path: str = "0/*",
                     second_path: str = "1/*") -> Plan:
    """d2l's per-layer pattern: the first layer's weight Xavier, the second's the constant 42.

    Layers are chosen by path globs, by default the children "0" and "1" of a Sequential (torch, MXNet, Keras: a
    Keras glob also sees the path through the positions and attributes that hold a layer, ``1/kernel``, never
    reading Keras's automatic names, ``sequential_1/dense_2/kernel``, as positions); any spec can replace either
    default. Positions count every child, those without parameters too, as the seed's own ``net[0]`` and
    ``net[2]`` do: d2l's torch net ``Sequential(Linear, ReLU, Linear)`` takes ``second_path="2/*"``, its Keras
    net ``Sequential([Flatten, Dense, Dense])`` takes ``first_path="1/*", second_path="2/*"``, its MXNet net
    (two Dense, the activation inside the first) the defaults. Unlike the framework presets its rules are not
    quiet: a rule that matches nothing gives a warning.

    Args:
        first: the spec of the first layer's weight, a unifiedinit spec or None (keep it), default
            ``XavierUniform()``.
        second: the spec of the second layer's weight, a unifiedinit spec or None (keep it), default
            ``Constant(42.0)``.
        first_path: the path glob of the first layer's parameters, a string (default ``"0/*"``).
        second_path: the path glob of the second layer's parameters, a string (default ``"1/*"``).

    Returns:
        The ``Plan`` named "first_and_second", two rules on the role "weight".

    Raises:
        TypeError: ``first`` or ``second`` is neither a spec nor None, or a path is not a string.

    Examples:
        >>> import torch
        >>> import unifiedinit as ui
        >>> model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(3, 1))
        >>> [(e.param.path, e.spec) for e in ui.inspect(model, ui.presets.first_and_second()).entries]
        [('0/weight', XavierUniform(gain=1.0)), ('1/weight', Constant(value=42.0))]
        >>> print(ui.presets.first_and_second(second=ui.Zeros()).rules[1])
        role=weight path=1/* -> Zeros()
    """
    given: dict[str, Any] = {"first": first, "second": second}  # checked here, so that errors name these
    for name, spec in given.items():
        if spec is not None and not isinstance(spec, Spec):
            raise TypeError(f"presets.first_and_second: parameter {name!r} must be a unifiedinit spec or None (keep), "
                            f"got {spec!r}")
    for name, glob in (("first_path", first_path), ("second_path", second_path)):
        if not isinstance(glob, str):
            raise TypeError(f"presets.first_and_second: parameter {name!r} must be a glob string, got {glob!r}")
    return (Plan(name="first_and_second").rule(first, path=first_path, role="weight")
            .rule(second, path=second_path, role="weight"))


SEED_PATTERNS = {"dcgan": dcgan, "he_conv": he_conv, "xavier_linear": xavier_linear}

# ------------------------------------------------------------------------------------- model-family recipes

from .recipes import (bert, clip, deepnet, fixup, gpt2, hf, hf_model, llama, lstm_forget_bias, megatron,  # noqa: E402
                      mup, olmo, rezero, siglip, t5, t_fixup, torchtitan, vit)
from .vision import gluon_model_zoo, keras_applications, timm, torchvision  # noqa: E402

#: the family recipes by name (functions of the family's hyper-parameters or config, each returning a plan)
FAMILIES = {"hf": hf, "bert": bert, "llama": llama, "gpt2": gpt2, "vit": vit, "clip": clip, "siglip": siglip,
            "t5": t5, "torchtitan": torchtitan, "megatron": megatron, "deepnet": deepnet, "rezero": rezero,
            "lstm_forget_bias": lstm_forget_bias, "fixup": fixup, "mup": mup, "t_fixup": t_fixup, "olmo": olmo,
            "torchvision": torchvision, "timm": timm, "keras_applications": keras_applications,
            "gluon_model_zoo": gluon_model_zoo}
