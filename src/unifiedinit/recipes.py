"""Model-family recipes: the initialization a family is trained with, as a plan for any framework.

Each function takes the hyper-parameters by the names the family's own configuration uses, or ``config=`` (a
Hugging Face config object or a dict with those names; keywords given explicitly win), and returns a
``Plan``. The rules select by layer kind, role and path globs, so the same plan applies to the family's model
in torch, Flax, Keras, MXNet or Equinox when the modules carry the family's names (``c_proj``, ``q``...), its
sequences of layers held as lists (``blocks/3/attn_out``) or stacked in one module (``nnx.vmap``, ``nn.scan``,
``eqx.filter_vmap``: ``blocks/attn_out``, each stacked layer with its own depth). A dict ``config`` with a
``model_type`` reads as the config object transformers builds from it (``_get``).

Sources (transformers 5, ``PreTrainedModel._init_weights`` and each model's override):

- ``hf``: Hugging Face's base recipe. Linear and Conv weights N(0, initializer_range) with zero biases,
  embeddings N(0, initializer_range) with the padding row zero, norms ones and zeros, LSTM weights Xavier-uniform
  with zero biases. BERT, Llama, Mistral, Qwen2 and most HF models use only this.
- ``gpt2``: the base recipe, and the residual projections (``c_proj`` of attention and MLP) scaled by
  1/sqrt(2 n_layer) (GPT-2 paper, Megatron-LM).
- ``vit``: the base recipe, position embeddings and the [CLS] token truncated N(0, initializer_range) cut at
  +-2 (torch's absolute bounds), the mask token zero.
- ``clip``, ``siglip``: the two-tower families' own overrides, which replace most of the base recipe: CLIP's
  projections scaled by width and depth with each tower's factor, SigLIP's Xavier attention and MLP and
  transformers' LeCun-normal elsewhere.
- ``torchtitan``: torchtitan's Llama 3. Token embeddings N(0, 1), every projection truncated N(0, 0.02^2), and
  the residual outputs (``wo``, ``w2``, ``w3``) scaled by 1/sqrt(2 (l + 1)) for block l (``depth_init``; else
  1/sqrt(2 L)). The output head is truncated N(0, 1/dim) cut at 3 sigma.
- ``megatron``: Megatron-LM. Every weight and embedding N(0, init_method_std^2), and the output layers of each
  block (attention ``linear_proj``/``dense``, MLP ``linear_fc2``/``dense_4h_to_h``) scaled by
  1/sqrt(2 num_layers).
- ``olmo``: AI2's OLMo (``olmo/model.py``, ``reset_parameters`` of ``OLMo``, ``OLMoBlock`` and
  ``OLMoSequentialBlock``) in its three ``init_fn`` schemes; see ``olmo``.
- ``t5``: Mesh TensorFlow's fan scaling with ``initializer_factor`` f. Every projection is N(0, f^2 / fan_in),
  and q is N(0, f^2 / (d_model d_kv)). The shared embedding and an untied head are N(0, f^2), the relative
  attention bias N(0, f^2 / d_model), and the norms f.
"""

from __future__ import annotations

import math
import sys
import warnings
from typing import Any, Callable, Sequence, cast

from . import _validate as v
from .params import Param
from .plan import Plan, Report
from .specs import (Affine, Blocks, Constant, FromArray, InverseSoftplus, KaimingNormal, KaimingUniform, Log,
                    LogUniform, Normal, Ones, Orthogonal, Rows, S4DReal, Scaled, Sinusoidal, TruncatedNormal, Uniform,
                    VarianceScaling, XavierNormal, XavierUniform, Zeros)

__all__ = ["hf", "hf_model", "bert", "llama", "gpt2", "vit", "clip", "siglip", "t5", "torchtitan", "megatron",
           "deepnet", "rezero", "lstm_forget_bias", "fixup", "mup", "t_fixup", "olmo"]

_LAYERS = ("dense", "conv", "conv_transpose")


#: the hyper-parameters that count layers or give a width: ints
_COUNTS = frozenset({"n_layer", "num_layers", "n_layers", "encoder_layers", "decoder_layers", "d_model", "d_kv"})


def _stacked(glob: str) -> tuple[str, ...]:
    """``glob``, whose first ``/*/`` stands for a layer's index in a sequence of layers (``*blocks/*/attn_out/*``:
    ``blocks/3/attn_out/weight``), and the glob of the same layers stacked in one module (``nnx.vmap``,
    ``nn.scan``, ``eqx.filter_vmap``), whose paths hold no index (``*blocks/attn_out/*``: ``blocks/attn_out/kernel``,
    each stacked layer with its own depth); ``glob`` alone when it has no ``/*/``."""
    return (glob, glob.replace("/*/", "/", 1)) if "/*/" in glob else (glob,)


def _rules(plan: Plan, spec: Any, glob: str, **select: Any) -> Plan:
    """``plan`` with a rule of ``spec`` (and ``select``'s other fields) for each glob of ``_stacked(glob)``."""
    for path in _stacked(glob):
        plan = plan.rule(spec, path=path, **select)
    return plan


def _a_model(obj: Any) -> bool:
    """Whether ``obj`` is a model rather than a config: it holds a ``config``, or its class is a torch, Flax,
    Equinox, Keras or Gluon module or layer (a port: none of its attributes is a hyper-parameter)."""
    roots = ("torch.", "flax.", "equinox.", "keras.", "mxnet.")
    return hasattr(obj, "config") or any(c.__name__ in ("Module", "Layer", "Block", "HybridBlock")
                                         and c.__module__.startswith(roots) for c in type(obj).__mro__)


def _read(fn: str, config: Any, **given: Any) -> dict[str, Any]:
    """The hyper-parameters: each given keyword, else the config's value of that name, else its default (the
    keyword's value when no config has it). ``given`` maps name -> (value or None, default)."""
    if config is not None and not isinstance(config, dict) and not hasattr(config, "__dict__"):
        raise TypeError(f"presets.{fn}: parameter 'config' must be a Hugging Face config or a dict, got {config!r}")
    if config is not None and not isinstance(config, dict) and _a_model(config):  # every value would be a default
        raise TypeError(f"presets.{fn}: parameter 'config' must be a Hugging Face config or a dict, got a model "
                        f"({type(config).__name__}): pass its config (config=model.config)")
    out: dict[str, Any] = {}
    for name, (value, default) in given.items():
        if value is None and config is not None:
            value = _get(config, name)
        value = default if value is None else value
        if name in _COUNTS:  # a count or a width: a whole number (one a float can hold: it is scaled by)
            value = _count(f"presets.{fn}", name, value)
        else:  # a NumPy scalar too (np.float32(0.02), as a config read from an array gives it)
            value = v.positive(f"presets.{fn}", name, value)
        out[name] = value
    return out


def _from(plan: Plan, recipe: Any, config: Any, **given: Any) -> Plan:
    """``plan``, which ``recipe`` built from the keywords ``given`` and ``config``; it remembers them, so that
    applying it to a Hugging Face model whose own configs would change it can say so (``config_unread``)."""
    plan._recipe = (recipe, given, len(plan.rules), config)  # pyright: ignore[reportPrivateUsage]
    return plan


def config_unread(plan: Plan, model: Any, params: Sequence[Param], report: Report, skip: Any,
                  stacklevel: int) -> None:
    """Warn when ``plan`` is a Hugging Face recipe (``hf``, ``gpt2``...), with the rules added to it after, and
    ``model``'s own configs would give some of its parameters another init: its ``config`` (with a ``model_type``)
    where the recipe was built without ``config=`` (a family's rules read from ``model_type``, a depth or an
    ``initializer_range`` are easy to miss), and the configs of its sub-models, which transformers initializes
    by their own (``hf_model``). The values would be wrong with nothing to say so. ``report`` is the plan's own
    resolution of ``params``. An ``hf`` plan warns too where the model's ``model_type`` (a port's: the config's)
    is one the checks never built (``_unchecked_family``)."""
    origin = plan._recipe  # pyright: ignore[reportPrivateUsage]
    model = _unwrapped(model)
    config = getattr(model, "config", None)
    kind = getattr(config, "model_type", None)
    if origin is None:
        return
    recipe, given, n, read = origin
    family, typ = None, kind
    if recipe is hf:  # the model's type, else (a port) that of the config the plan read
        typ = kind if isinstance(kind, str) or read is None else _get(read, "model_type")
        _unchecked_family("hf", typ, stacklevel + 1)
        # hf is transformers' base init: a family whose _init_weights departs from it (GPT-2's depth-scaled c_proj,
        # T5's per-matrix widths, ViT's truncated draws) is compared with its own recipe, config read or not
        family = _RECIPE_OF.get(typ) if isinstance(typ, str) and _RECIPE_OF.get(typ) != "hf" else None
    if family is None and (not isinstance(kind, str) or not kind):
        return
    subs = _sub_models(model)
    if read is not None and not subs and family is None:
        return
    try:
        if family is not None:  # the model's own config, else (a port) the one the plan read
            own = _recipe_of(config if isinstance(kind, str) and kind else read).rules
        else:
            own = plan.rules[:n] if read is not None else recipe(**given, config=config).rules
        inner = tuple(r for path, sub in subs for r in _within(_recipe_of(sub), path).rules)
    except (TypeError, ValueError):  # a config this recipe cannot read (t5's widths on another family's)
        return
    if own + inner == plan.rules[:n]:
        return
    other = Plan(own + inner + plan.rules[n:], plan.name).resolve(params, warn=False, dry_run=True, skip=skip)
    # what each parameter gets: the lowered draw where there is one (the same law said two ways is no change)
    ours = {e.param.path: (e.spec if e.draw is None else e.draw, e.spec) for e in report.entries}
    theirs = {e.param.path: (e.spec if e.draw is None else e.draw, e.spec) for e in other.entries}
    changed = [p.path for p in report.params if (ours.get(p.path) or (None,))[0] != (theirs.get(p.path) or (None,))[0]]
    if not changed:
        return
    first = changed[0]
    here, there = ("no rule" if first not in x else x[first][1] for x in (ours, theirs))
    name = f"presets.{recipe.__name__}"
    held = ", ".join(f"{path} ({sub.model_type})" for path, sub in subs[:3]) + (", ..." if len(subs) > 3 else "")
    if family is not None:
        said = (f"presets.hf is transformers' base init, and model_type {typ!r} has an init of its own (presets."
                f"{family}'s){', and sub-models initialized by their own configs' * bool(subs)}, which give "
                f"{len(changed)} of this model's parameters another init")
        # with sub-models, only hf_model gives each its own config's recipe
        advice = "Build it with presets.hf_model(model)" if subs else f"Build it with presets.{family}(config=...)"
        source = f"presets.{family}{' and the configs' * bool(subs)}"
    elif read is None and not subs:
        said = (f"{name}() was built without config=, and this model's own config (model_type {kind!r}) gives "
                f"{len(changed)} of its parameters another init")
        advice, source = "Pass config=model.config to follow it (keywords given still win)", "the config"
    else:
        said = (f"{name}({'' if read is None else 'config=...'}) reads {'no' if read is None else 'one'} config, and "
                f"this model ({kind!r}) holds sub-models that transformers initializes by their own configs ({held}): "
                f"they give {len(changed)} of its parameters another init")
        advice, source = "Build it with presets.hf_model(model)", "the configs"
    warnings.warn(f"{said}, e.g. {first!r}: {there} from {source}, {here} here. {advice}, or ignore this warning "
                  f"to keep the recipe's values", stacklevel=stacklevel)


#: the transformers model types outside the swept mappings whose init the recipes follow and the tests check
#: (besides ``_RECIPE_OF``'s): sub-models that ``hf_model`` gives their own config, PP-DocLayout V2 (RT-DETR's init),
#: UperNet (its backbone's own config, read by ``hf_model``), the encoder-decoder wrappers, whose encoder and
#: decoder ``hf_model`` reads by their own configs and whose projection between them is the base init's, and the
#: task models a later probe built: VitMatte, SuperGlue, VitPose (and its backbone), SpeechT5's HiFi-GAN,
#: PP-FormulaNet, SLANet and SLANeXt; the backbones HGNet-V2 and PP-LCNet V4 (with their learnable affine blocks),
#: Qwen2.5-Omni's BigVGAN vocoder
_HANDLED = frozenset({"lw_detr_vit", "rt_detr_resnet", "llama4_vision_model", "molmo2_vision", "clvp_encoder",
                      "clvp_decoder", "bridgetower_vision_model", "videoprism_text_model", "pp_doclayout_v2",
                      "upernet", "encoder-decoder", "vision-encoder-decoder", "vitmatte", "superglue", "vitpose",
                      "vitpose_backbone", "speecht5_hifigan", "pp_formulanet", "slanet", "slanext",
                      "hgnet_v2", "pp_lcnet_v4", "qwen2_5_omni_bigvgan"})

#: (transformers' model types, the types the sweeps built, those and the sub-models they hold), read once
_SWEPT: list[tuple[frozenset[str], frozenset[str], frozenset[str] | None]] = []


def _swept() -> tuple[frozenset[str], frozenset[str], frozenset[str] | None]:
    """transformers' model types and the ones the sweeps built: the base models (``MODEL_MAPPING_NAMES``: built
    through ``AutoModel``) and the causal LMs (``MODEL_FOR_CAUSAL_LM_MAPPING_NAMES``); the third, None until
    ``_held`` reads it, adds the sub-models those hold. All empty where transformers is not installed."""
    if not _SWEPT:
        try:
            from transformers.models.auto import configuration_auto, modeling_auto
        except ImportError:
            _SWEPT.append((frozenset(), frozenset(), frozenset()))
        else:
            configs: Any = configuration_auto  # its names are not exported: read as Any
            models: Any = modeling_auto
            names, base, causal = configs.CONFIG_MAPPING_NAMES, models.MODEL_MAPPING_NAMES, \
                models.MODEL_FOR_CAUSAL_LM_MAPPING_NAMES
            _SWEPT.append((frozenset(map(str, names)), frozenset(map(str, base)) | frozenset(map(str, causal)), None))
    return _SWEPT[0]


def _held() -> frozenset[str]:
    """The swept model types and those of the sub-models they hold, deeper ones too (their configs'
    ``sub_configs``: BLIP-2's vision model, SAM's mask decoder), which the sweeps built inside them. The first call
    imports every swept type's config class (seconds)."""
    known, swept, held = _swept()
    if held is None:
        from transformers.models.auto.configuration_auto import CONFIG_MAPPING
        seen, todo = set(swept), sorted(swept & known)
        while todo:
            try:
                cls: Any = CONFIG_MAPPING[todo.pop()]
            except (KeyError, ImportError, AttributeError):  # a name the mapping lists without a class
                continue
            subs: Any = getattr(cls, "sub_configs", None)
            for sub in (list(cast("dict[Any, Any]", subs).values()) if isinstance(subs, dict) else []):
                inner = getattr(sub, "model_type", None)
                if isinstance(inner, str) and inner and inner not in seen:
                    seen.add(inner)
                    todo.append(inner)
        held = frozenset(seen)
        _SWEPT[0] = (known, swept, held)
    return held


def _unchecked_family(fn: str, kind: Any, stacklevel: int) -> bool:
    """Warn, and say True, where ``kind`` is a transformers ``model_type`` whose own ``_init_weights`` no check
    compared with the plan of ``presets.fn``: not built by the sweeps (a base model of ``AutoModel``, a causal LM, or
    a sub-model one of those holds) and not a family the recipes name. Its init may depart from the base one with no
    tensor UNMATCHED (Pix2Struct's Mesh-TF init, EoMT's torch-default layers)."""
    if not isinstance(kind, str) or not kind or kind in _RECIPE_OF or kind in _HANDLED:
        return False
    known, swept, _ = _swept()
    if kind not in known or kind in swept or kind in _held():  # a user's own type, or one the sweeps built
        return False
    warnings.warn(f"presets.{fn}: transformers' model_type {kind!r} was not checked against this plan (the sweeps "
                  f"built the base models of AutoModel and the causal LMs, and the sub-models they hold): its own "
                  f"_init_weights may give some parameters another init with none UNMATCHED. Compare (ui.fit(model) "
                  f"on a model transformers built, or its values against this plan's report) or add rules for its "
                  f"layers, then ignore this warning", stacklevel=stacklevel)
    return True


def _quiet(plan: Plan, name: str) -> Plan:
    import dataclasses
    return Plan([dataclasses.replace(r, quiet=True) for r in plan.rules], name)


def _base(std: float, name: str) -> Plan:
    """The common part of Hugging Face's ``PreTrainedModel._init_weights`` (and of the recipes built on it)."""
    return (Plan(name=name)
            .rule(Normal(0.0, std), kind=_LAYERS + ("attention",), role="weight")
            .rule(Zeros(), role="bias")
            .rule(Rows(Normal(0.0, std)), kind="embedding", role="embedding")
            .rule(XavierUniform(), kind="recurrent", role=("weight", "recurrent_weight"))
            .rule(Zeros(), kind="recurrent", role=("bias", "recurrent_bias"))
            .rule(Ones(), kind="norm", role=("scale", "running_var"))
            .rule(Zeros(), kind="norm", role=("shift", "running_mean", "batches_tracked")))


#: the RMSNorm classes of the Gemma families, which compute x (1 + w) and whose _init_weights zero-fills w
#: (Gemma 3n's and Gemma 4's compute x w and start at ones)
_ONE_PLUS_NORMS = ("GemmaRMSNorm", "Gemma2RMSNorm", "Gemma3RMSNorm", "T5GemmaRMSNorm", "T5Gemma2RMSNorm",
                   "VaultGemmaRMSNorm", "RecurrentGemmaRMSNorm", "Qwen3NextRMSNorm", "Qwen3_5RMSNorm",
                   "Qwen3_5MoeRMSNorm", "Qwen4ExpTextRMSNorm", "MiniMaxM3VLRMSNorm", "MuseSparkTextCenteredRMSNorm",
                   "MuseSparkTextInputScaledRMSNorm", "Step3p7RMSNorm")


#: the vision families' overrides of the base init, by the class that holds each tensor (transformers 5): every
#: tensor of these classes is zeros (the tokens and position embeddings of DeiT, BEiT, Swin, DPT and YOLOS, their
#: relative position tables, ConvNeXt V2's GRN)
_ZERO_CLASSES = ("DeiTEmbeddings", "BeitEmbeddings", "Data2VecVisionEmbeddings", "SwinEmbeddings", "Swinv2Embeddings",
                 "BeitRelativePositionBias", "Data2VecVisionRelativePositionBias", "SwinRelativePositionBias",
                 "ConvNextV2GRN", "DPTViTEmbeddings", "DPTViTHybridEmbeddings", "YolosEmbeddings",
                 "InterpolateMidPositionEmbeddings", "ViTMSNEmbeddings", "DonutSwinEmbeddings",
                 "MaskFormerSwinEmbeddings", "ASTEmbeddings", "VivitEmbeddings", "InternVLVisionEmbeddings",
                 "QianfanOCRVisionEmbeddings")
#: torch's default for a Linear or conv layer (``kaiming_uniform_(a=sqrt(5))``, and U(+-1/sqrt(fan_in)) for its bias)
_TORCH_DEFAULT = VarianceScaling(1 / 3, "fan_in", "uniform")
#: and for a transposed conv, whose stored (in, out, k...) weight torch reads with fan_in = out k: the layer's fan_out
_TORCH_TRANSPOSED_DEFAULT = VarianceScaling(1 / 3, "fan_out", "uniform")


def _torch_trunc(s: float) -> TruncatedNormal:
    """torch's ``trunc_normal_(std=s)``: N(0, s^2) with its default cut at +-2, absolute (not +-2 s)."""
    return TruncatedNormal(0.0, s, -2.0, 2.0)


def _cut(s: float, c: float) -> TruncatedNormal:
    """N(0, s^2) cut at +-c s (``trunc_normal_(std=s, a=-c s, b=c s)``)."""
    return TruncatedNormal(0.0, s, -c * s, c * s)


#: the frozen position tables of the translation, summarization and time-series families (``create_weight``)
_SINUSOID_CLASSES = ("MarianSinusoidalPositionalEmbedding", "PegasusSinusoidalPositionalEmbedding",
                     "RoFormerSinusoidalPositionalEmbedding", "AutoformerSinusoidalPositionalEmbedding",
                     "InformerSinusoidalPositionalEmbedding", "TimeSeriesSinusoidalPositionalEmbedding")
#: layer scales set to a config value: (class, path glob, the config's name, its default in that family)
_LAYER_SCALES = (("Dinov2*LayerScale", "*lambda1", "layerscale_value", 1.0),
                 ("BeitLayer", "*lambda_[12]", "layer_scale_init_value", 0.1),
                 ("Data2VecVisionLayer", "*lambda_[12]", "layer_scale_init_value", 0.1),
                 ("ConvNextLayer", "*layer_scale_parameter", "layer_scale_init_value", 1e-6),
                 ("PoolFormerLayer", "*layer_scale_[12]", "layer_scale_init_value", 1e-5),
                 ("Inkling2VisionEncoderLayer", "*lambda_[12]", "layer_scale_init_value", 0.1),
                 ("DINOv3ViTLayerScale", "*lambda1", "layerscale_value", 1.0),
                 ("DINOv3ConvNextLayer", "*gamma", "layer_scale_init_value", 1e-6),
                 ("SwiftFormerEncoderBlock", "*layer_scale_[12]", "layer_scale_init_value", 1e-5),
                 ("MimiLayerScale", "*scale", "layer_scale_initial_scale", 0.01),
                 ("InternVLVisionLayer", "*lambda_[12]", "layer_scale_init_value", 0.1),
                 ("Step3p7VisionEncoderLayer", "*lambda_[12]", "layer_scale_init_value", 0.1),
                 ("QianfanOCRVisionLayer", "*lambda_[12]", "layer_scale_init_value", 0.1),
                 ("RadioLayerScale", "*lambda1", "layerscale_value", 1.0),
                 ("Sapiens2LayerScale", "*lambda1", "layerscale_value", 1.0),
                 ("PocketTTSAudioTokenizerLayerScale", "*scale", "layer_scale_initial_scale", 0.01),
                 ("LwDetrViTLayer", "*gamma_[12]", "cae_init_values", 0.1),
                 ("FocalNetLayer", "*gamma_[12]", "layerscale_value", 1e-4),
                 ("Tipsv2VisionLayerScale", "*lambda1", "layerscale_value", 1.0),
                 ("VibeVoiceAcousticTokenizerConvNext1dLayer", "*gamma", "layer_scale_init_value", 1e-6),
                 ("RfDetrDinov2LayerScale", "*lambda1", "layerscale_value", 1.0),
                 ("Sam3LiteTextRepMixer*", "*layer_scale", "layer_scale_init_value", 1e-5),
                 ("Qwen3OmniMoeCode2WavLayerScale", "*scale", "layer_scale_initial_scale", 0.01))


#: what a family's _init_weights sets by class beyond the base init (transformers 5), tensors no kind covers or whose
#: law differs from their kind's: (class, path glob, law), the law a spec, "std" for N(0, std^2) or "=std" for the
#: constant std (Dory's gates and scales start at the config's initializer_range)
_EXTRAS: tuple[tuple[str, str, Any], ...] = (
    ("AfmoeSparseMoeBlock", "*expert_bias", Zeros()), ("BeamAttention", "*gate_bias", Zeros()),
    ("DogeAttention", "*/A", Zeros()), ("DogeDecoderLayer", "*_residual", Ones()),
    ("DoryAttention", "*/sqk", "=std"), ("DoryAttention", "*/s_gate", "=std"), ("DoryMLP", "*/suv_*", Ones()),
    ("DoryDecoderLayer", "*/lambda_[12]", "=std"), ("DoryLMHead", "*logit_scale", "=std"),
    ("FlintAttention", "*/sinks", "std"), ("MiMoV2FlashAttention", "*/sinks", "std"),
    ("GraniteSWAAttention", "*/sinks", Zeros()), ("GraniteMoeSWAAttention", "*/sinks", Zeros()),
    ("GPTNeoXJapaneseAttention", "*dense_bias", Zeros()), ("HrmTextModel", "*z_L_init", Zeros()),
    ("ZayaResidualScaling", "*_scale", Ones()), ("ZayaResidualScaling", "*_bias", Zeros()),
    ("ZayaModel", "*input_hidden_states_scale", Ones()), ("ZayaModel", "*input_hidden_states_bias", Zeros()),
    ("ZayaQKNorm", "*/temp", Zeros()), ("ZayaRouter", "*router_states_scale", Ones()),
    ("CpmAntSegmentPositionEmbedding", "*relative_attention_bias", "std"),
    ("Gemma3MultiModalProjector", "*mm_input_projection_weight", Zeros()),
    ("Gemma3nTextAltUp", "*correct_output_scale", Zeros()), ("Gemma3nAudioAttention", "*per_dim_scale", Zeros()),
    ("Gemma4AudioAttention", "*per_dim_scale", Zeros()),
    ("Gemma4VisionPatchEmbedder", "*position_embedding_table", Ones()),
    ("GotOcr2VisionAttention", "*/rel_pos_[hw]", Zeros()), ("GotOcr2VisionEncoder", "*pos_embed", Zeros()),
    ("*Router", "*e_score_correction_bias", Zeros()), ("InklingTopkRouter", "*global_scale", Ones()),
    ("InklingMLP", "*global_scale", Ones()), ("InklingRelativeLogits", "*/proj", "std"),
    # Inkling 2's and Inkling 2 Loop's (Inkling2Loop*: the same tensors, and its message residual's query zeros)
    ("Inkling2*RelativePositionBias", "*/proj", "std"), ("Inkling2*ScaledL2Clip", "*/scale", Ones()),
    ("Inkling2*DynamicShortConvolution", "*static_weight", Zeros()),
    ("Inkling2*BlockAttentionResidual", "*query", Zeros()), ("Inkling2LoopMessageAttentionResidual", "*query", Zeros()),
    ("Inkling2VisionEmbeddings", "*class_embedding", "std"),
    ("Inkling2VisionEmbeddings", "*cls_position_embedding", "std"),
    ("Phi4MultimodalImageEmbedding", "*_img_feature_extensor", Zeros()),
    ("Phi4MultimodalAudioGluPointWiseConv", "*/b[12]", Zeros()),
    ("DisentangledSelfAttention", "*/[qv]_bias", Zeros()), ("LevitAttention*", "*attention_biases", Zeros()),
    ("DonutSwinSelfAttention", "*relative_position_bias_table", Zeros()),
    ("MaskFormerSwinSelfAttention", "*relative_position_bias_table", Zeros()),
    ("UniSpeechSatForPreTraining", "*label_embeddings_concat", Zeros()),
    ("ParakeetEncoderAttention", "*/bias_[uv]", "std"), ("TimesFmAttention", "*scaling", Ones()),
    ("WavLMAttention", "*gru_rel_pos_const", Ones()),
    ("SwiftFormerConvEncoder", "*layer_scale", Ones()), ("SwiftFormerLocalRepresentation", "*layer_scale", Ones()),
    ("SwiftFormerEfficientAdditiveAttention", "*w_g", Normal(0.0, 1.0)),
    # DBRX's experts, flattened into (E ffn, hidden) parameters of a plain module: no kind holds them
    ("DbrxExpertGLU", "*/[wv][12]", "std"),
    # SAM 2's and EdgeTAM's Hiera tables and empty-memory token, SAM-HQ's SAM tables under its own classes
    ("Sam2HieraDetModel", "*pos_embed", Zeros()), ("Sam2HieraDetModel", "*pos_embed_window", Zeros()),
    ("Sam2Model", "*no_memory_embedding", Zeros()), ("EdgeTamModel", "*no_memory_embedding", Zeros()),
    ("SamHQVisionEncoder", "*pos_embed", Zeros()), ("SamHQVision*Attention", "*rel_pos_[hw]", Zeros()),
    # the SAM image encoders of PP-FormulaNet, SLANeXt, Unlimited OCR and DeepSeek-OCR 2: their tables zeros
    ("PPFormulaNetVisionModel", "*pos_embed", Zeros()), ("PPFormulaNetVisionAttention", "*rel_pos_[hw]", Zeros()),
    ("SLANeXtVisionEncoder", "*pos_embed", Zeros()), ("SLANeXtVisionAttention", "*rel_pos_[hw]", Zeros()),
    ("UnlimitedOcrSamVisionEncoder", "*pos_embed", Zeros()),
    ("UnlimitedOcrSamVision*Attention", "*rel_pos_[hw]", Zeros()),
    ("DeepseekOcr2SamVisionEncoder", "*pos_embed", Zeros()),
    ("DeepseekOcr2SamVision*Attention", "*rel_pos_[hw]", Zeros()),
    ("DeepseekVLHybridModel", "*high_res_vision_alpha", Zeros()),
    ("IdeficsVisionEmbeddings", "*class_embedding", Normal(0.0, 1.0)),
    ("IdeficsPerceiverResampler", "*latents", Normal(0.0, 1.0)),
    ("TvpModel", "*text_prompt", Normal(0.0, 1.0)), ("TvpFrame*Prompter", "*pad_*", Normal(0.0, 1.0)),
    ("PerceiverEmbeddings", "*latents", "std"), ("PerceiverTrainablePositionEncoding", "*position_embeddings", "std"),
    # GroupViT's constructor's zero tables, AIMv2's pooling token, Kosmos-2's N(0, 1) latent queries
    ("GroupViTVisionEmbeddings", "*position_embeddings", Zeros()), ("GroupViTStage", "*group_token", Zeros()),
    ("Aimv2AttentionPoolingHead", "*cls_token", "std"),
    ("Kosmos2ImageToTextProjection", "*latent_query", Normal(0.0, 1.0)),
    # Grounding DINO's and Deformable DETR's level embeddings N(0, 1), Grounding DINO's fusion scales 1e-4
    ("GroundingDinoModel", "*level_embed", Normal(0.0, 1.0)), ("DeformableDetrModel", "*level_embed", Normal(0.0, 1.0)),
    ("GroundingDinoFusionLayer", "*_param", Constant(1e-4)),
    ("MMGroundingDinoModel", "*level_embed", Normal(0.0, 1.0)),
    ("MMGroundingDinoFusionLayer", "*_param", Constant(1e-4)),
    ("MMGroundingDinoContrastiveEmbedding", "*bias", Constant(-math.log(99.0))),  # a prior probability of 0.01
    ("Kimi_K25VisionPositionEmbeddings", "*/position_embeddings", _torch_trunc(1.0)),
    # VITS's flows' affine layers, BridgeTower's link towers (their constructor's constants)
    ("VitsElementwiseAffine", "*/translate", Zeros()), ("VitsElementwiseAffine", "*/log_scale", Zeros()),
    ("BridgeTowerLinkTower", "*scaled_factor", Ones()), ("BridgeTowerLinkTower", "*beta", Constant(0.5)),
    # found by a third sweep: position biases, sinks, tokens, queries, scalings and codec scales of their own
    ("NemotronAsrStreamingEncoderAttention", "*/bias_[uv]", "std"), ("OpenAIPrivacyFilterAttention", "*/sinks", "std"),
    # PP-LCNet's and HGNet-V2's learnable affine blocks (use_learnable_affine_block): scale 1 (their constructor's,
    # which only PP-LCNet V3's _init_weights redraws), bias 0
    *[(f"{net}LearnableAffineBlock", "*/scale", Ones()) for net in ("PPLCNetV3", "PPLCNetV4", "HGNetV2")],
    ("MoonshineStreamingAsinhCompression", "*log_k", Constant(math.log(0.75))),
    ("MoonshineStreamingLayerNorm", "*gamma", Zeros()), ("GraniteSpeech*EncoderProjector", "*/query", Normal(0.0, 1.0)),
    ("Kosmos2_5ImageToTextProjection", "*latent_query", Normal(0.0, 1.0)),
    ("GradiumPhononTTSModel", "*bos_latent", Zeros()), ("TimesFm2_5Attention", "*scaling", Ones()),
    ("SegGptEmbeddings", "*", "std"), ("SegGptAttention", "*/rel_pos_[hw]", "std"),
    *[(model, path, Zeros()) for model in ("Sam2VideoModel", "Sam3TrackerVideoModel", "EdgeTamVideoModel")
      for path in ("*no_memory_embedding", "*no_memory_positional_encoding", "*memory_temporal_positional_encoding",
                   "*no_object_pointer", "*occlusion_spatial_embedding_parameter")],
    ("Sam2VideoMemoryFuserCXBlock", "*/scale", Zeros()), ("Sam3TrackerVideoMemoryFuserCXBlock", "*/scale", Zeros()),
    ("EdgeTamVideoMemoryFuserCXBlock", "*/scale", Zeros()),
    ("EdgeTamVideoPerceiverResampler", "*latents_[12]d", Normal(0.0, 1.0)),
    ("Sam3TrackerModel", "*no_memory_embedding", Zeros()), ("Sam3ViTEmbeddings", "*position_embeddings", "std"),
    ("SeamlessM4Tv2TextToUnitDecoder", "*/pos_emb_alpha*", Ones()),
    ("VJEPA2PredictorEmbeddings", "*mask_tokens", Zeros()), ("FocalNetEmbeddings", "*mask_token", Zeros()),
    ("SuperGlueForKeypointMatching", "*bin_score", Ones()),
    ("RfDetrForInstanceSegmentation", "*segmentation_bias", Zeros()),
    ("VibeVoiceModel", "*latent_scaling_factor", Ones()), ("VibeVoiceModel", "*latent_bias_factor", Zeros()),
    # DAC's (and PE-Audio's) Snake activations, CSM's codebook heads, PatchTST's [CLS] (0.02 whatever init_std),
    # Mistral Large 4's rotary alpha and softmax scalings, Muse Spark's residual gates
    ("Snake1d", "*alpha", Ones()), ("CsmCodebooksHead", "*weight", "std"),
    ("PatchTSTPositionalEncoding", "*cls_token", Normal(0.0, 0.02)),
    ("MistralLarge4TextRotaryEmbedding", "*/alpha", Zeros()), ("MistralLarge4TextSoftmaxScaling", "*/scale", Zeros()),
    ("MistralLarge4TextSoftmaxScaling", "*/bias", Ones()), ("MuseSparkResidualGate", "*/gate", "std"),
    # X-Codec 2's and NeuCodec's SnakeBeta activations (alpha and beta zeros), Pocket-TTS's BOS latent
    ("Xcodec2SnakeBeta", "*/alpha", Zeros()), ("Xcodec2SnakeBeta", "*/beta", Zeros()),
    ("NeuCodecSnakeBeta", "*/alpha", Zeros()), ("NeuCodecSnakeBeta", "*/beta", Zeros()),
    ("PocketTTSModel", "*bos_latent", Zeros()),
    # Qwen2.5-Omni's and Qwen3-Omni-MoE's vocoders: their SnakeBeta activations (zeros) and Code2Wav's ConvNeXt
    # blocks' gamma (1e-6), their constructor's, which no _init_weights redraws
    *[(f"{net}SnakeBeta", f"*/{name}", Zeros()) for net in ("Qwen2_5Omni", "Qwen3OmniMoe")
      for name in ("alpha", "beta")],
    ("Qwen3OmniMoeConvNeXtBlock", "*/gamma", Constant(1e-6)),
    # ESMFold's layer-mixing weights and its IPA's head weights: their constructor's zeros (EsmForProteinFolding's
    # _init_weights is ESM's, not EsmFoldPreTrainedModel's, which would set the head weights to softplus^-1(1))
    ("EsmForProteinFolding", "*esm_s_combine", Zeros()), ("EsmFoldInvariantPointAttention", "*/head_weights", Zeros()),
    # the Perception Encoder models' contrastive logit scales and biases: their constructor's zeros
    *[(model, f"*_logit_{name}", Zeros()) for model in ("PeAudioModel", "PeVideoModel", "PeAudioVideoModel")
      for name in ("scale", "bias")],
    # ViT-MAE's tokens and frozen tables and VideoMAE's mask token keep their constructor's zeros: ViT-MAE's
    # _init_weights zeros the decoder's, and its embeddings' sin-cos init returns early once the patch projection,
    # initialized first, is flagged done
    ("ViTMAEEmbeddings", "*cls_token", Zeros()), ("ViTMAEEmbeddings", "*position_embeddings", Zeros()),
    ("ViTMAEDecoder", "*mask_token", Zeros()), ("ViTMAEDecoder", "*decoder_pos_embed", Zeros()),
    ("VideoMAEForPreTraining", "*mask_token", Zeros()),
    # Evolla's aligner gates (zeros) and its protein resampler's latents
    ("EvollaSequenceAlignerCrossAttention", "*/gate_attention", Zeros()),
    ("EvollaSequenceAlignerCrossAttention", "*/gate_ffw", Zeros()),
    ("EvollaSequenceCompressorResampler", "*/latents", "std"),
    # T5Gemma 2's end-of-image embedding and multimodal projection
    ("T5Gemma2TextScaledWordEmbedding", "*eoi_embedding", Zeros()),
    ("T5Gemma2MultiModalProjector", "*mm_input_projection_weight", Zeros()),
    # SpeechT5's scaled position encodings (text and speech prenets): their scale alpha ones
    ("SpeechT5ScaledPositionalEncoding", "*/alpha", Ones()),
    # TAPAS's cell and column selection heads, raw vectors and scalar biases (zeros with the config's
    # init_cell_selection_weights_to_zero: _family_overrides)
    ("TapasForQuestionAnswering", "*output_weights", "std"), ("TapasForQuestionAnswering", "*output_bias", Zeros()))

#: the state-space mixers (transformers 5), by the class that holds A_log (S4D-Real) and D (ones), and how each
#: starts its time-step bias ``dt_bias``: drawn as Mamba draws it, ones, or (Mamba, Falcon-Mamba, Zamba, Jamba)
#: not held by the mixer
_MIXERS = {"MambaMixer": None, "FalconMambaMixer": None, "JambaMambaMixer": None, "ZambaMambaMixer": None,
           "Mamba2Mixer": "drawn", "Zamba2MambaMixer": "drawn", "NemotronHMamba2Mixer": "drawn",
           "BambaMixer": "ones", "FalconH1Mixer": "ones", "GraniteMoeHybridMambaLayer": "ones"}


#: the linear-attention layers (transformers 5) whose per-head decay rate exp(A_log) starts uniform on [low, 16), by
#: class: low, and whether their time-step bias ``dt_bias`` starts at ones (Qwen's gated delta nets) or is drawn as
#: Mamba draws it with its defaults (the forget gates from FLA: Kimi-Linear, Bailing, GLM-5-Next)
_DECAYS = {"Qwen3NextGatedDeltaNet": (0.01, "ones"), "Qwen3_5GatedDeltaNet": (0.01, "ones"),
           "Qwen3_5MoeGatedDeltaNet": (0.01, "ones"), "Qwen4ExpTextGatedDeltaNet": (0.01, "ones"),
           "LaraMiniGatedDeltaNet": (1.0, "ones"), "KimiLinearForgetGate": (1.0, "drawn"),
           "BailingHybridForgetGate": (1.0, "drawn"), "Glm5NextTextForgetGate": (1.0, "drawn")}


#: the config's names of Mamba's time-step law (low, high, floor), each read where the ones before it are absent
#: (Nemotron-H's older names first, as NemotronHConfig reads them), and OLMo Hybrid's
_MAMBA_STEP = (("mamba_dt_min", "time_step_min"), ("mamba_dt_max", "time_step_max"),
               ("mamba_dt_init_floor", "time_step_floor"))
_OLMO_STEP = (("linear_dt_min",), ("linear_dt_max",), ("linear_dt_init_floor",))


def _number(fn: str, config: Any, names: tuple[str, ...], default: float, check: Callable[..., float]) -> float:
    """The first of ``names`` the config sets (``default`` when none, or no config), checked by ``check``."""
    value = None
    for name in names:
        value = _get(config, name) if value is None and config is not None else value
    return check(f"presets.{fn}", names[-1], default if value is None else value)


def _time_step(fn: str, config: Any, names: tuple[tuple[str, ...], ...] = _MAMBA_STEP) -> InverseSoftplus:
    """Mamba's time-step bias: softplus(bias) = Δ log-uniform on [time_step_min, time_step_max] (0.001, 0.1),
    raised to time_step_floor (1e-4), under the config's ``names``."""
    low, high, floor = (_number(fn, config, n, d, v.positive) for n, d in zip(names, (0.001, 0.1, 1e-4)))
    if not low < high:
        raise ValueError(f"presets.{fn}: the config's {names[0][-1]} ({low!r}) must be < its {names[1][-1]} "
                         f"({high!r})")
    return InverseSoftplus(LogUniform(low, high), floor=floor)


def _count(owner: str, name: str, value: Any, minimum: int = 1) -> int:
    """A count or a width (of a config or a recipe's argument): an int >= ``minimum`` (default 1) and <= 2 ** 53, a
    number a float holds exactly (a plan scales by it; 10 ** 400 would be a bare OverflowError there)."""
    return v.integer(owner, name, value, minimum=minimum, maximum=2 ** 53)


def _olmo_decays(fn: str, config: Any) -> tuple[float, float]:
    """OLMo Hybrid's decay rates exp(A_log), uniform on [linear_a_log_min, linear_a_log_max) (0, 16)."""
    low = _number(fn, config, ("linear_a_log_min",), 0.0, v.non_negative)
    high = _number(fn, config, ("linear_a_log_max",), 16.0, v.positive)
    if not low < high:
        raise ValueError(f"presets.{fn}: the config's linear_a_log_min ({low!r}) must be < its linear_a_log_max "
                         f"({high!r})")
    return low, high


def _rank(fn: str, config: Any, name: str) -> int:
    """A time-step rank from the config: an int >= 1, or "auto" (or none: its default), ceil(hidden_size / 16) as
    the configs resolve it."""
    value = _get(config, name)
    if value is None or value == "auto":
        hidden = _get(config, "hidden_size")
        if not isinstance(hidden, int) or isinstance(hidden, bool):
            raise ValueError(f"presets.{fn}: the config's {name} is {value!r}, which means ceil(hidden_size / 16), "
                             f"and its hidden_size is {hidden!r}; allowed: an int >= 1")
        value = math.ceil(hidden / 16)
    return _count(f"presets.{fn}", name, value)


def _state_space(plan: Plan, std: float, fn: str, kind: Any, config: Any) -> Plan:
    """The state-space families' ``_init_weights`` (Mamba, Mamba-2, Falcon-Mamba, Zamba, Zamba 2, Jamba, Bamba,
    Falcon-H1, Granite 4 hybrids, Nemotron-H): by the mixer's class, A_log S4D-Real, D ones, the time-step bias
    drawn as Mamba draws it or ones, Zamba's raw projections; the linear-attention layers' decay rates and time
    steps (``_DECAYS``, OLMo Hybrid's from its config); by ``model_type``, the layers Mamba and Mamba-2
    draw with torch's default (conv1d, out_proj, divided by sqrt(L) with ``rescale_prenorm_residual``) and
    Mamba's ``dt_proj`` (its weight U(+-rank**-0.5 * time_step_scale) or that constant, its bias the time step)."""
    step = _time_step(fn, config)
    for cls, dt in _MIXERS.items():
        plan = plan.rule(S4DReal(), layer=cls, path="*/A_log").rule(Ones(), layer=cls, path="*/D")
        if dt is not None:
            plan = plan.rule(step if dt == "drawn" else Ones(), layer=cls, path="*/dt_bias")
    for cls, (low, dt) in _DECAYS.items():
        plan = plan.rule(Log(Uniform(low, 16.0)), layer=cls, path="*/A_log")
        plan = plan.rule(Ones() if dt == "ones" else _time_step(fn, None), layer=cls, path="*/dt_bias")
    said = config is not None and (("linear_lower_bound" in config) if isinstance(config, dict)
                                   else hasattr(config, "linear_lower_bound"))
    bound = _get(config, "linear_lower_bound") if said else -5.0  # None, said, lifts the bound
    if bound is not None:  # GLM-5-Next's gate, bounded by linear_lower_bound x sigmoid(...), starts its A_log at 0
        plan = plan.rule(Zeros(), layer="Glm5NextTextForgetGate", path="*/A_log")
    plan = plan.rule(_time_step(fn, config, _OLMO_STEP), layer="OlmoHybridGatedDeltaNet", path="*/dt_bias")
    low, high = _olmo_decays(fn, config)
    if low > 0:  # OLMo Hybrid's default, U(0, 16), can give log 0: left to the user
        plan = plan.rule(Log(Uniform(low, high)), layer="OlmoHybridGatedDeltaNet", path="*/A_log")
    plan = (plan.rule(step, layer="ZambaMambaMixer", path="*/dt_proj_bias")
            .rule(Normal(0.0, std), layer="ZambaMambaMixer", path="*/x_proj_weight"))
    if kind == "zamba":  # its time-step projection, U(+-rank**-0.5); without a config it is not matched
        bound = _rank(fn, config, "mamba_dt_rank") ** -0.5
        plan = plan.rule(Uniform(-bound, bound), layer="ZambaMambaMixer", path="*/dt_proj_weight")
    layers = None if config is None else _get(config, "num_hidden_layers")
    rescale = config is not None and bool(_get(config, "rescale_prenorm_residual")) and layers is not None
    out = _TORCH_DEFAULT  # torch's default, divided by sqrt(L) with rescale_prenorm_residual
    if rescale:
        out = VarianceScaling(1 / (3 * _count(f"presets.{fn}", "num_hidden_layers", layers)), "fan_in",
                              "uniform")
    if kind in ("mamba", "falcon_mamba", "mamba2"):
        plan = (plan.rule(_TORCH_DEFAULT, kind="conv", role="weight", path="*mixer/conv1d/*")
                .rule(out, kind="dense", role="weight", path="*mixer/out_proj/*"))
    if kind == "nemotron_h" and rescale:
        plan = plan.rule(out, kind="dense", role="weight", path="*mixer/out_proj/*")
    if kind in ("mamba", "falcon_mamba"):
        scale = _get(config, "time_step_scale")
        scale = 1.0 if scale is None else v.real(f"presets.{fn}", "time_step_scale", scale)
        if scale < 0:
            raise ValueError(f"presets.{fn}: parameter 'time_step_scale' must be >= 0, got {scale!r}")
        bound = _rank(fn, config, "time_step_rank") ** -0.5 * scale
        scheme = _get(config, "time_step_init_scheme") or "random"
        plan = plan.rule(step, kind="dense", role="bias", path="*mixer/dt_proj/*")
        if scheme in ("random", "constant"):  # any other name keeps the base init's normal; a scale of 0, zeros
            law = Uniform(-bound, bound) if scheme == "random" and bound > 0 else Constant(bound)
            plan = plan.rule(law, kind="dense", role="weight", path="*mixer/dt_proj/*")
    return plan


def _recurrent_gemma(plan: Plan, fn: str, config: Any) -> Plan:
    """RecurrentGemma's ``_init_weights`` (Griffin's), from its config: every Linear, Conv1d and embedding
    N(0, s / W) with s = ``w_init_variance_scale`` (0.01) and W = ``conv1d_width`` (4), biases and the padding row
    zeros; the attention's q, k, v and the recurrent block's x and y projections N(0, 1 / H); the attention's
    output N(0, f / H) and the recurrent block's N(0, f / ``lru_width``), f = ``final_w_init_variance_scale``
    (2 / ``num_hidden_layers``); the RG-LRU's gates N(0, s / (``lru_width`` // heads)), their biases zeros, and
    its recurrence parameter log(u**-0.5 - 1) with u uniform on [0.9^2, 0.999^2) (+1e-8), so that the base decay
    exp(-softplus(it)) is sqrt(u), in [0.9, 0.999): ``InverseSoftplus(Affine(Log(Uniform(...)), scale=-0.5))``."""
    def number(name: str, default: float) -> float:
        return _number(fn, config, (name,), default, v.positive)

    def integer(name: str, default: int) -> int:
        return int(_number(fn, config, (name,), default, _count))
    scale, hidden = number("w_init_variance_scale", 0.01), integer("hidden_size", 2560)
    lru, heads = integer("lru_width", hidden), integer("num_attention_heads", 10)
    final = number("final_w_init_variance_scale", 2 / integer("num_hidden_layers", 26))
    base = Normal(0.0, math.sqrt(scale / integer("conv1d_width", 4)))
    return (plan.rule(base, kind=("dense", "conv"), role="weight").rule(Zeros(), kind=("dense", "conv"), role="bias")
            .rule(Rows(base), kind="embedding", role="embedding")
            .rule(Normal(0.0, hidden ** -0.5), kind="dense", role="weight", path="*temporal_block/[qkv]_proj/*")
            .rule(Normal(0.0, hidden ** -0.5), kind="dense", role="weight", path="*temporal_block/linear_[xy]/*")
            .rule(Normal(0.0, math.sqrt(final / hidden)), kind="dense", role="weight",
                  path="*temporal_block/o_proj/*")
            .rule(Normal(0.0, math.sqrt(final / lru)), kind="dense", role="weight",
                  path="*temporal_block/linear_out/*")
            .rule(Normal(0.0, math.sqrt(scale / (lru // heads))), layer="RecurrentGemmaRglru", path="*_gate_weight")
            .rule(Zeros(), layer="RecurrentGemmaRglru", path="*_gate_bias")
            .rule(InverseSoftplus(Affine(Log(Uniform(0.9 ** 2 + 1e-8, 0.999 ** 2 + 1e-8)), scale=-0.5)),
                  layer="RecurrentGemmaRglru", path="*/recurrent_param"))


def _rounded(x: float, dtype: str) -> float:
    """``x`` rounded to nearest even in ``dtype`` ("float32", "float16", "bfloat16"; else ``x`` as it is)."""
    import numpy as np
    if dtype == "float16":
        return float(np.float16(x))
    if dtype not in ("float32", "bfloat16"):
        return x
    single = np.float32(x)
    if dtype == "float32":
        return float(single)
    bits = int(single.view(np.uint32))  # bfloat16: the upper half of the float32, rounded to nearest even
    return float(np.uint32((bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000).view(np.float32))


def _xielu(plan: Plan, config: Any) -> Plan:
    """xIELU's alphas (Apertus's activation), which its constructor sets to softplus^-1(0.8) and softplus^-1(0.8 -
    beta), beta 0.5, computing each step in the config's ``dtype`` (torch's float32 when it names none): 0.8
    rounded, then expm1, then log, each rounded (torch computes a float16 or bfloat16 op in float32 and rounds it),
    so that a bfloat16 model gets its 0.2041, not the 0.2031 of softplus^-1(0.8) rounded once."""
    dtype = None if config is None else _get(config, "dtype") or _get(config, "torch_dtype")
    dtype = "float32" if dtype is None else str(dtype).removeprefix("torch.")

    def inverse_softplus(y: float) -> float:
        return _rounded(math.log(_rounded(math.expm1(_rounded(y, dtype)), dtype)), dtype)
    return (plan.rule(Constant(inverse_softplus(0.8)), layer="XIELUActivation", path="*alpha_p")
            .rule(Constant(inverse_softplus(0.8 - 0.5)), layer="XIELUActivation", path="*alpha_n"))


def _hyper_connections(plan: Plan, std: float, fn: str, config: Any) -> Plan:
    """The families with hyper-connections (DeepSeek-V4, GLM-5-Next, HY-V4): each block's ``fn`` N(0, std^2)
    (GLM-5-Next's N(0, 0.02^2) whatever the config says), ``base`` zeros and ``scale`` ones; HY-V4's scales 0.01
    and the first half of ``base`` -log(hc_mult - 1) (the head's ``hc_base`` all of it), its attention sinks the
    config's ``learnable_sink_init``; DeepSeek-V4's attention sinks and compressors' position biases zeros,
    GLM-5-Next's indexer's compression table zeros and gate ones."""
    for prefix, cls, law in (("", "DeepseekV4HyperConnection", Normal(0.0, std)),
                             ("hc_", "DeepseekV4HyperHead", Normal(0.0, std)),
                             ("", "Glm5NextTextHyperConnection", Normal(0.0, 0.02))):
        plan = (plan.rule(law, layer=cls, path=f"*/{prefix}fn").rule(Zeros(), layer=cls, path=f"*/{prefix}base")
                .rule(Ones(), layer=cls, path=f"*/{prefix}scale"))
    plan = (plan.rule(Zeros(), layer="DeepseekV4Attention", path="*/sinks")
            .rule(Zeros(), layer="DeepseekV4*Compressor", path="*/position_bias")
            .rule(Zeros(), layer="DeepseekV4Indexer", path="*/position_bias")
            .rule(Zeros(), layer="Glm5NextTextIndexer", path="*/index_kpool_compress_ape")
            .rule(Ones(), layer="Glm5NextTextIndexer", path="*/index_kpool_compress_gate"))
    streams = _number(fn, config, ("hc_mult",), 4, _count)
    start = Constant(-math.log(max(streams - 1, 1)))
    sink = Constant(_number(fn, config, ("learnable_sink_init",), 0.0, v.real))
    for model in ("HYV4", "HYV4VL"):
        plan = (plan.rule(Normal(0.0, std), layer=f"{model}HyperConnection", path="*/fn")
                .rule(Constant(0.01), layer=f"{model}HyperConnection", path="*/scale")
                .rule(Blocks([start, Zeros()]), layer=f"{model}HyperConnection", path="*/base")
                .rule(Normal(0.0, std), layer=f"{model}HyperHead", path="*/hc_fn")
                .rule(Constant(0.01), layer=f"{model}HyperHead", path="*/hc_scale")
                .rule(start, layer=f"{model}HyperHead", path="*/hc_base")
                .rule(sink, layer=f"{model}Attention", path="*/sinks"))
    return plan


def _decoder_families(plan: Plan, std: float, fn: str, kind: Any, config: Any) -> Plan:
    """The decoders whose ``_init_weights`` reads more of the config than the std: DiffLlama's ``lambda_*``
    N(0, ``lambda_std_dev``^2) (0.1); where the ``model_type`` says so, nanochat's attention output
    N(0, std^2 / (2 ``num_hidden_layers``)), Youtu's embeddings N(0, ``embedding_initializer_range``^2) (2 std)
    and AFMoE's router gates zeros (an ``nn.Linear`` its router zero-fills), Llama 4's vision tower's class token
    and position table N(0, 1 / ``hidden_size``)."""
    spread = _number(fn, config, ("lambda_std_dev",), 0.1, v.positive)
    plan = plan.rule(Normal(0.0, spread), layer="DiffLlamaAttention", path="*/lambda_[qk][12]")
    if kind == "nanochat":
        depth = _number(fn, config, ("num_hidden_layers",), 12, _count)
        plan = plan.rule(Normal(0.0, std / math.sqrt(2 * depth)), kind="dense", role="weight",
                         path="*self_attn/o_proj/*")
    if kind == "youtu":
        plan = plan.rule(Rows(Normal(0.0, _number(fn, config, ("embedding_initializer_range",), 2 * std,
                                                  v.positive))), kind="embedding", role="embedding")
    if kind == "afmoe":
        plan = plan.rule(Zeros(), kind="dense", role="weight", path="*router/gate/*")
    if kind == "llama4_vision_model":  # hf_model gives Llama 4's vision tower its own config
        law = Normal(0.0, _number(fn, config, ("hidden_size",), 768, _count) ** -0.5)
        plan = (plan.rule(law, layer="Llama4VisionModel", path="*class_embedding")
                .rule(law, layer="Llama4VisionModel", path="*positional_embedding_vlm"))
    return plan


#: the patch time-series families' position tables, by model_type: the class holding ``position_enc``, the std of
#: its "random" draw (PatchTST's constructor's N(0, 1), PatchTSMixer's _init_weights' N(0, 0.1^2)), and the config's
#: defaults of context_length, patch_length, patch_stride and d_model, from which its "sincos" table's shape follows
#: (PatchTSMixer builds the module only with use_positional_encoding, and has no [CLS] token)
_PATCH_SERIES = {"patchtst": ("PatchTSTPositionalEncoding", 1.0, (32, 1, 1, 128)),
                 "patchtsmixer": ("PatchTSMixerPositionalEncoding", 0.1, (32, 8, 8, 8))}


def _codecs_and_series(plan: Plan, fn: str, kind: Any, config: Any) -> Plan:
    """Where the ``model_type`` says so: DAC's convolutions truncated N(0, 0.02^2) at +-2 and its transposed ones
    torch's default; EnCodec's convolutions He-normal with torch's default biases, torch's default weights under
    its default weight norm (the draws into the computed weights are lost); X-Codec's own convolutions He-normal
    with torch's default biases, its transposed ones torch's default, and the convolutions of the DAC encoder and
    decoder it keeps (their model is dropped, its init lost) truncated N(0, 0.02^2) at +-2 with biases 0 whatever
    the config's std; Pocket-TTS's loss-weighting MLP zeros (X-Codec 2's and NeuCodec's Snake alpha and beta,
    Pocket-TTS's BOS latent: ``_EXTRAS``); PatchTST's position table N(0, 1) ("random") or its "sincos" table
    (``_patchtst_table``), and PatchTSMixer's N(0, 0.1^2) or the same table (``_PATCH_SERIES``)."""
    if kind == "xcodec":  # its semantic model is a sub-model: hf_model gives it its own recipe
        plan = (plan.rule(KaimingNormal(), kind="conv", role="weight").rule(_TORCH_DEFAULT, kind="conv", role="bias")
                .rule(_TORCH_TRANSPOSED_DEFAULT, kind="conv_transpose", role=("weight", "bias")))
        for half in ("acoustic_encoder", "acoustic_decoder"):  # XcodecModel's own branch, which runs last
            plan = (plan.rule(_torch_trunc(0.02), kind="conv", role="weight", path=f"{half}/*")
                    .rule(Zeros(), kind="conv", role="bias", path=f"{half}/*"))
    if kind == "pocket_tts":  # PocketTTSFlowLossWeighting zero-fills every parameter it holds
        plan = plan.rule(Zeros(), path="*loss_weighting/*")
    if kind == "dac":
        plan = (plan.rule(_torch_trunc(0.02), kind="conv", role="weight")
                .rule(_TORCH_TRANSPOSED_DEFAULT, kind="conv_transpose", role=("weight", "bias")))
    if kind == "encodec":
        normed = _get(config, "norm_type") in (None, "weight_norm")
        plan = (plan.rule(_TORCH_DEFAULT if normed else KaimingNormal(), kind="conv", role="weight")
                .rule(_TORCH_DEFAULT, kind="conv", role="bias"))
        if normed:
            plan = plan.rule(_TORCH_TRANSPOSED_DEFAULT, kind="conv_transpose", role="weight")
    series = _PATCH_SERIES.get(kind) if isinstance(kind, str) else None
    if series is not None and _get(config, "positional_encoding_type") == "random":
        plan = plan.rule(Normal(0.0, series[1]), layer=series[0], path="*position_enc")
    elif series is not None:
        context, length, stride, width = (int(_number(fn, config, (k,), d, _count)) for k, d in zip(
            ("context_length", "patch_length", "patch_stride", "d_model"), series[2]))
        patches = (max(context, length) - length) // stride + 1 + bool(_get(config, "use_cls_token"))
        plan = plan.rule(FromArray(_patchtst_table(patches, width)), layer=series[0], path="*position_enc")
    return plan


def _offset_grid(heads: int, points: Sequence[int]) -> Any:
    """Deformable DETR's sampling-offset bias: head h's direction (cos, sin)(2 pi h / heads) divided by its larger
    absolute coordinate, times k = 1..n for the n points of each level in turn, (heads, sum of points, 2) flattened,
    in float64."""
    import numpy as np
    theta = np.arange(heads, dtype=np.float64) * (2.0 * math.pi / heads)
    unit = np.stack([np.cos(theta), np.sin(theta)], -1)
    unit /= np.abs(unit).max(-1, keepdims=True)
    scale = np.concatenate([np.arange(1, n + 1, dtype=np.float64) for n in points])
    return (unit[:, None, :] * scale[None, :, None]).ravel()


def _deformable(plan: Plan, where: str, heads: int, points: Sequence[int], projections: bool = True) -> Plan:
    """Deformable DETR's multi-scale deformable attention under the path glob ``where``: the sampling offsets'
    weight 0 and bias ``_offset_grid``, the attention weights 0, the value and output projections Xavier-uniform
    (``projections``)."""
    offsets = f"{where}/sampling_offsets/*"
    plan = _rules(_rules(_rules(plan, Zeros(), offsets, kind="dense", role="weight"),
                         FromArray(_offset_grid(heads, points)), offsets, kind="dense", role="bias"),
                  Zeros(), f"{where}/attention_weights/*", kind="dense")
    if projections:
        plan = _rules(_rules(plan, XavierUniform(), f"{where}/value_proj/*", kind="dense", role="weight"),
                      XavierUniform(), f"{where}/output_proj/*", kind="dense", role="weight")
    return plan


def _prior_bias(fn: str, config: Any) -> Constant:
    """A detector's class-head bias for focal loss, -log((1 - p) / p): p the config's
    ``initializer_bias_prior_prob``, else 1 / (``num_labels`` + 1) (RT-DETR's and DAB-DETR's ``_init_weights``)."""
    prior = _get(config, "initializer_bias_prior_prob")
    p = (1 / (_number(fn, config, ("num_labels",), 2, _count) + 1) if prior is None
         else v.positive(f"presets.{fn}", "initializer_bias_prior_prob", prior))
    return Constant(-math.log((1 - p) / p))


def _detection(plan: Plan, std: float, fn: str, kind: Any, config: Any) -> Plan:
    """The DETR-like detectors' ``_init_weights``, where the ``model_type`` says so: the deformable attention
    (``_deformable``) of RT-DETR (v2), D-FINE, DEIMv2, Grounding DINO and Deformable DETR; the class heads
    Xavier-uniform with the prior-probability bias -log((1 - p) / p), p ``initializer_bias_prior_prob`` else
    1 / (``num_labels`` + 1), the box heads' last layer 0, the denoising and query tables Xavier-uniform; RT-DETR's
    BatchNorm scales N(0, std^2); D-FINE's and DEIMv2's ``reg_scale`` and ``up`` from the config, gates and quality
    heads' last layer 0 (DEIMv2's SwiGLU Xavier-uniform); Grounding DINO's fusion projections Xavier-uniform;
    Conditional DETR's and DETR's mask head (Kaiming-uniform, a = 1; its attention map Xavier-uniform with gain
    ``init_xavier_std``); learned position embeddings U(0, 1) (DETR's and Table Transformer's too); DAB-DETR's
    class bias by the prior (``_prior_bias``) and box head's last layer 0 (its PReLUs: ``_vision_towers``);
    PP-DocLayoutV2's detector RT-DETR's (its
    reading-order model a sub-model with its own config), V3's and V4's too but for the box heads and tables, which
    keep the base init, V4's reading-order closure weight ``s2r_closure_weight_init``; LW-DETR's (and RF-DETR's)
    deformable cross-attention (one level per ``projector_scale_factors``), class biases -log 99 (a prior of 0.01
    whatever the config says) and box heads' last layer 0, its ViT backbone's (a sub-model) weights and position table
    truncated N(0, std^2) at +-2 (its layer scales: ``_LAYER_SCALES``)."""
    def count(name: str, default: int) -> int:
        return int(_number(fn, config, (name,), default, _count))
    kind = {"mm-grounding-dino": "grounding-dino", "pp_doclayout_v2": "rt_detr"}.get(kind, kind)  # the same inits
    documents = kind in ("pp_doclayout_v3", "pp_doclayout_v4")  # RT-DETR's but for the box heads and tables
    if kind in ("rt_detr", "rt_detr_v2", "d_fine", "deimv2") or documents:
        levels = count("decoder_n_levels" if kind == "rt_detr_v2" else "num_feature_levels", 3)
        given = _get(config, "decoder_n_points")  # D-FINE's may list one count per level
        points = ([_count(f"presets.{fn}", "decoder_n_points", n) for n in cast(Sequence[Any], given)]
                  if isinstance(given, (list, tuple)) else [count("decoder_n_points", 4)] * levels)
        bias, xavier = _prior_bias(fn, config), XavierUniform()
        plan = _deformable(plan, "*encoder_attn", count("decoder_attention_heads", 8), points,
                           projections=kind not in ("d_fine", "deimv2"))
        for head in ("*enc_score_head/*", "*decoder/class_embed/*"):  # V3's decoder head is the encoder's, tied
            plan = plan.rule(xavier, kind="dense", role="weight", path=head).rule(bias, kind="dense", role="bias",
                                                                                  path=head)
        if not documents:
            plan = (_rules(plan, Zeros(), "*decoder/bbox_embed/*/layers/2/*", kind="dense")
                    .rule(xavier, kind="embedding", path="*denoising_class_embed/*", fans="tensor", layout="torch")
                    .rule(xavier, kind="embedding", path="*weight_embedding/*", fans="tensor", layout="torch"))
        if kind in ("d_fine", "deimv2"):  # the decoder's fixed scalars, its gates and its quality heads' last layer 0
            last = count("lqe_layers", 2) - 1
            plan = (plan.rule(Constant(_number(fn, config, ("reg_scale",), 4.0, v.real)), path="*decoder/reg_scale")
                    .rule(Constant(_number(fn, config, ("up",), 0.5, v.real)), path="*decoder/up")
                    .rule(Zeros(), kind="dense", path="*/gateway/gate/*"))
            plan = _rules(plan, Zeros(), f"*/lqe_layers/*/reg_conf/layers/{last}/*", kind="dense")
        else:  # their own BatchNorm2d scales; a backbone sub-model keeps its own
            plan = plan.rule(Normal(0.0, std), kind="norm", role="scale", framework_layer="BatchNorm2d")
        if kind == "deimv2":  # its decoder's SwiGLU feed-forward
            plan = _rules(plan, xavier, "*decoder/layers/*/mlp/*_proj/*", kind="dense", role="weight")
    if kind == "pp_doclayout_v4":
        plan = plan.rule(Constant(_number(fn, config, ("s2r_closure_weight_init",), 0.0, v.real)),
                         layer="PPDocLayoutV4S2RFusion", path="*closure_weight")
    if kind == "lw_detr_vit":  # hf_model gives LW-DETR's backbone its own config
        plan = (plan.rule(_torch_trunc(std), kind=("dense", "conv"), role="weight")
                .rule(_torch_trunc(std), layer="LwDetrViTEmbeddings", path="*position_embeddings"))
    if kind in ("lw_detr", "rf_detr"):  # num_feature_levels is the count of projector_scale_factors
        levels = _get(config, "num_feature_levels")
        levels = _count(f"presets.{fn}", "num_feature_levels",
                        len(_get(config, "projector_scale_factors") or ()) if levels is None else levels, minimum=0)
        plan = (_deformable(plan, "*cross_attn", count("decoder_cross_attention_heads", 16),
                            [count("decoder_n_points", 4)] * levels)
                .rule(Constant(-math.log(99.0)), kind="dense", role="bias", path="*class_embed/*")
                .rule(Zeros(), kind="dense", path="*bbox_embed*/layers/2/*"))
    if kind in ("grounding-dino", "deformable_detr"):
        levels = count("num_feature_levels", 4)
        encoder = "*deformable_layer/self_attn" if kind == "grounding-dino" else "*encoder/layers/*/self_attn"
        for where, side in ((encoder, "encoder"), ("*decoder/layers/*/encoder_attn", "decoder")):
            heads, per_level = count(f"{side}_attention_heads", 8), count(f"{side}_n_points", 4)
            plan = _deformable(plan, where, heads, [per_level] * levels)
    if kind == "grounding-dino":
        plan = (plan.rule(XavierUniform(), kind="dense", role="weight", path="*fusion_layer/attn/*_proj/*")
                .rule(Zeros(), kind="dense", path="*reference_points_head/layers/1/*")
                .rule(Zeros(), kind="dense", path="*bbox_embed/layers/2/*")
                .rule(Zeros(), kind="dense", path="*bbox_embed/*/layers/2/*"))
    if kind == "deformable_detr":
        plan = plan.rule(XavierUniform(), kind="dense", role="weight", path="*reference_points/*")
    if kind in ("conditional_detr", "detr"):  # DetrForSegmentation's mask head and attention map
        gain = _number(fn, config, ("init_xavier_std",), 1.0, v.positive)
        plan = (plan.rule(VarianceScaling(1.0, "fan_in", "uniform"), kind="conv", role="weight", path="*mask_head/*")
                .rule(XavierUniform(gain=gain), kind="dense", role="weight", path="*bbox_attention/[qk]_proj/*"))
    if kind in ("grounding-dino", "deformable_detr", "conditional_detr", "detr", "table-transformer"):  # learned
        plan = plan.rule(Uniform(0.0, 1.0), kind="embedding", path="*position_embedding/*_embeddings/*")  # tables
    if kind == "dab-detr":  # its box head is tied as the decoder's bbox_embed; its PReLUs reset to torch's 0.25
        plan = (plan.rule(_prior_bias(fn, config), kind="dense", role="bias", path="*class_embed/*")
                .rule(Zeros(), kind="dense", path="*bbox_predictor/layers/2/*")
                .rule(Zeros(), kind="dense", path="*decoder/bbox_embed/layers/2/*"))
    return plan


def _segmentation(plan: Plan, fn: str, kind: Any, config: Any) -> Plan:
    """Where the ``model_type`` says so: MaskFormer's, Mask2Former's and OneFormer's own layers (their backbones are
    sub-models: ``hf_model``), with g = ``init_xavier_std``: MaskFormer's FPN convolutions, input projection and
    mask MLP Xavier-uniform (gain g); Mask2Former's and OneFormer's pixel decoder, a Deformable DETR encoder
    (``_deformable``, 3 levels of 4 points) with its level embedding (N(0, 1): Mask2Former; 0: OneFormer), their
    transformer decoder layers Xavier-uniform (gain g); Mask2Former's embeddings N(0, 1) and its mask MLP torch's
    default; OneFormer's MLP heads Xavier-uniform (gain g), its CLIP-like text encoder (tokens N(0, 0.02^2),
    positions N(0, 0.01^2), in-projections N(0, 1/W), out-projections and fc2 N(0, 1/(2 L W)), fc1 N(0, 1/(2 W));
    W ``text_encoder_width``, L ``text_encoder_num_layers``) and its loss's logit scale
    log(1 / ``contrastive_temperature``); Depth Pro's own convolutions He-normal (fan_out, a transposed one's as
    torch reads the stored tensor)."""
    if kind == "depth_pro":
        he = KaimingNormal(mode="fan_out", nonlinearity="relu")
        return (plan.rule(he, kind="conv", role="weight")
                .rule(he, kind="conv_transpose", role="weight", fans="tensor", layout="torch"))
    if kind not in ("maskformer", "mask2former", "oneformer"):
        return plan
    xavier = XavierUniform(_number(fn, config, ("init_xavier_std",), 1.0, v.positive))
    if kind == "maskformer":
        return (plan.rule(xavier, kind="conv", role="weight", path="*pixel_level_module/decoder/fpn/*")
                .rule(xavier, kind="conv", role="weight", path="*transformer_module/input_projection/*")
                .rule(xavier, kind="dense", role="weight", path="*mask_embedder/*"))
    heads = int(_number(fn, config, ("num_attention_heads",), 8, _count))
    decoder = "*transformer_module/decoder/"
    plan = (_deformable(plan, "*pixel_level_module/decoder/encoder/layers/*/self_attn", heads, [4] * 3)
            .rule(xavier, kind=("dense", "attention"), role="weight", path=decoder + "layers/*"))
    if kind == "mask2former":
        return (plan.rule(Normal(0.0, 1.0), kind="embedding", role="embedding")
                .rule(Normal(0.0, 1.0), layer="Mask2FormerPixelDecoder", path="*level_embed")
                .rule(xavier, kind="conv", role="weight", path="*transformer_module/input_projections/*")
                .rule(_TORCH_DEFAULT, kind="dense", path="*mask_predictor/mask_embedder/*"))
    width = _number(fn, config, ("text_encoder_width",), 256, _count)
    deep = Normal(0.0, (2 * _number(fn, config, ("text_encoder_num_layers",), 6, _count) * width) ** -0.5)
    text = "*text_encoder/transformer/layers/*/"
    plan = (plan.rule(Zeros(), layer="OneFormerPixelDecoder", path="*level_embed")
            .rule(xavier, kind=("dense", "attention"), role="weight", path=decoder + "query_transformer/*")
            .rule(xavier, kind="conv", role="weight", path=decoder + "query_input_projection/*"))
    for head in ("mask_embed", "task_mlp", "text_projector"):  # OneFormerMLPPredictionHead
        plan = plan.rule(xavier, kind="dense", role="weight", path=f"*/{head}/layers/*")
    temperature = _number(fn, config, ("contrastive_temperature",), 0.07, v.positive)
    plan = (plan.rule(Normal(0.0, 0.02), kind="embedding", path="*text_encoder/token_embedding/*")
            .rule(Normal(0.0, 0.01), layer="OneFormerTextEncoder", path="*positional_embedding"))
    plan = _rules(_rules(plan, Normal(0.0, width ** -0.5), text + "self_attn/in_proj_weight"),
                  deep, text + "self_attn/out_proj/weight")
    plan = _rules(_rules(plan, Normal(0.0, (2 * width) ** -0.5), text + "mlp/fc1/*", kind="dense", role="weight"),
                  deep, text + "mlp/fc2/*", kind="dense", role="weight")
    return plan.rule(Constant(math.log(1 / temperature)), layer="OneFormerLoss", path="*logit_scale")


def _speech_and_towers(plan: Plan, fn: str, kind: Any, config: Any) -> Plan:
    """Where the ``model_type`` says so: VITS's convolutions He-normal by torch's fans of the stored tensor with
    torch's default biases (its weight-normed ones torch's default: the draw into the computed weight is lost), its
    relative attention tables N(0, 1/head_dim); FastSpeech2-Conformer's linear layers N(0, 1/fan_in), convolutions
    He-normal, embeddings N(0, 1); and with f = ``initializer_factor``, each tower by its own config: CLAP's weights
    N(0, f^2 / (2 H L)) and embeddings N(0, (0.02 f)^2), its logit scales log(``logit_scale_init_value``); CLVP's
    weights and embeddings N(0, (0.02 f)^2), its mel conv N(0, f^2), its encoders' MLP and projection by their width
    and depth, its decoder's residual projections N(0, initializer_range^2 / (2 L)); BridgeTower's weights and
    embeddings N(0, (0.05 f)^2), its vision tower CLIP's laws by its width and depth."""
    if kind == "vits":
        plan = (plan.rule(KaimingNormal(), kind=("conv", "conv_transpose"), role="weight", fans="tensor",
                          layout="torch")
                .rule(_TORCH_DEFAULT, kind=("conv", "conv_transpose"), role="bias")
                .rule(_TORCH_DEFAULT, kind="conv", role="weight", path="*/parametrizations/*"))
        if _get(config, "window_size"):
            heads = _number(fn, config, ("num_attention_heads",), 2, _count)
            width = _number(fn, config, ("hidden_size",), 192, _count) // heads
            plan = plan.rule(Normal(0.0, width ** -0.5), layer="VitsAttention", path="*/emb_rel_[kv]")
    if kind == "fastspeech2_conformer":
        plan = (plan.rule(VarianceScaling(1.0, "fan_in", "normal"), kind="dense", role="weight")
                .rule(KaimingNormal(), kind="conv", role="weight", fans="tensor", layout="torch")
                .rule(_TORCH_DEFAULT, kind="conv", role="bias")
                .rule(Rows(Normal(0.0, 1.0)), kind="embedding", role="embedding"))
    family = kind.split("_")[0] if isinstance(kind, str) else None
    if family not in ("clap", "clvp", "bridgetower"):
        return plan
    f = _number(fn, config, ("initializer_factor",), 1.0, v.positive)
    width = _number(fn, config, ("hidden_size",), 768, _count)
    depth = _number(fn, config, ("num_hidden_layers",), 12, _count)
    base = Normal(0.0, {"clap": f / math.sqrt(2 * width * depth), "clvp": 0.02 * f, "bridgetower": 0.05 * f}[family])
    plan = (plan.rule(base, kind=("dense", "conv"), role="weight")  # the padding rows are drawn too
            .rule(Normal(0.0, 0.02 * f) if family == "clap" else base, kind="embedding", role="embedding"))
    if family == "clap":
        plan = plan.rule(Zeros(), layer="ClapAudioSelfAttention", path="*relative_position_bias_table")
    if kind == "clap":
        scale = _number(fn, config, ("logit_scale_init_value",), 1 / 0.07, v.positive)
        plan = plan.rule(Constant(math.log(scale)), layer="ClapModel", path="logit_scale_[at]")
    if family == "clvp":
        plan = plan.rule(Normal(0.0, f), kind="conv", role="weight", path="*conditioning_encoder/mel_conv/*")
    if kind in ("clvp", "bridgetower"):
        plan = plan.rule(Constant(_number(fn, config, ("logit_scale_init_value",), 2.6592, v.real)),
                         layer="ClvpModelForConditionalGeneration" if kind == "clvp"
                         else "BridgeTowerForContrastiveLearning", path="logit_scale")
    if kind == "clvp_encoder":
        plan = (plan.rule(Normal(0.0, f / math.sqrt(2 * width)), kind="dense", role="weight", path="*mlp/fc1/proj/*")
                .rule(Normal(0.0, f / math.sqrt(2 * width * depth)), kind="dense", role="weight", path="*mlp/fc2/*")
                .rule(Normal(0.0, f / math.sqrt(width)), kind="dense", role="weight", path="projection/*"))
    if kind == "clvp_decoder":  # GPT-2's residual projections
        spread = _number(fn, config, ("initializer_range",), 0.02, v.positive)
        plan = plan.rule(Normal(0.0, spread / math.sqrt(2 * depth)), kind="dense", role="weight", path="*mlp/c_proj/*")
    if kind == "bridgetower_vision_model":  # CLIP's laws by the tower's width and depth
        attn, out = Normal(0.0, f / math.sqrt(width)), Normal(0.0, f / math.sqrt(2 * width * depth))
        blocks = "*resblocks/*/"
        for spec, layer, where in ((attn, "attention", "attn/in_proj_weight"), (out, "attention", "attn/out_proj/*"),
                                   (Normal(0.0, f / math.sqrt(2 * width)), "dense", "mlp/c_fc/*"),
                                   (out, "dense", "mlp/c_proj/*")):
            plan = _rules(plan, spec, blocks + where, kind=layer, role="weight")
        plan = (plan.rule(attn, path="*embeddings/class_embedding")
                .rule(attn, kind="embedding", path="*embeddings/position_embedding/*"))
    return plan


def _patchtst_table(patches: int, width: int) -> Any:
    """PatchTST's "sincos" position table: the paper's sines and cosines interleaved, centred and divided by ten
    times its (unbiased) standard deviation, in float64."""
    import numpy as np
    angle = np.arange(patches, dtype=np.float64)[:, None] * np.exp(np.arange(0, width, 2) * -(math.log(1e4) / width))
    table = np.zeros((patches, width))
    table[:, 0::2], table[:, 1::2] = np.sin(angle), np.cos(angle[:, : width // 2])
    table -= table.mean()
    return table / (table.std(ddof=1) * 10)


def _rwkv(plan: Plan, fn: str, config: Any) -> Plan:
    """RWKV's (RWKV-4's) ``_init_weights``, from its config's widths H (``hidden_size``), A
    (``attention_hidden_size``, else H), I (``intermediate_size``, else 4 H), vocabulary V and depth L: each linear
    weight orthogonal with gain sqrt(out / in) where it has more outputs than inputs (else 1), halved for a (V, H)
    one (the head); the embeddings orthogonal with gain 1e-4 sqrt(max(V, H)); and in block l the tables RWKV-LM
    computes from r = l / (L - 1) and s = 1 - l / L: ``time_decay`` -5 + 8 (j / (A - 1))^(0.7 + 1.3 r), the
    time-mix vectors (k / H)^s (value: + 0.3 r; the attention's receptance (k / H)^(s / 2)), each a ``FromArray``
    of the torch shape; ``time_first`` ones (transformers writes ``ones_like`` of RWKV-LM's zigzag table)."""
    import numpy as np
    h = int(_number(fn, config, ("hidden_size",), 4096, _count))
    a = int(_number(fn, config, ("attention_hidden_size",), h, _count))
    i = int(_number(fn, config, ("intermediate_size",), 4 * h, _count))
    vocab = int(_number(fn, config, ("vocab_size",), 50277, _count))
    depth = int(_number(fn, config, ("num_hidden_layers",), 32, _count))

    def orthogonal(out: int, inp: int) -> Orthogonal:
        return Orthogonal((math.sqrt(out / inp) if out > inp else 1.0) * (0.5 if (out, inp) == (vocab, h) else 1.0))
    plan = (plan.rule(Orthogonal(1e-4 * math.sqrt(max(vocab, h))), kind="embedding", role="embedding")
            .rule(orthogonal(vocab, h), kind="dense", role="weight", path="head/*"))
    for name, out, inp in (("attention/[kvr]*", a, h), ("attention/output", h, a), ("feed_forward/key", i, h),
                           ("feed_forward/receptance", h, h), ("feed_forward/value", h, i)):
        plan = _rules(plan, orthogonal(out, inp), f"*blocks/*/{name}/*", kind="dense", role="weight")
    plan = _rules(plan, Ones(), "*blocks/*/attention/time_first")
    steps = np.arange(h, dtype=np.float64).reshape(1, 1, h) / h
    tables: dict[str, list[Any]] = {}
    for layer in range(depth):
        r, s = (layer / (depth - 1) if depth > 1 else 0.0), 1.0 - layer / depth
        decay = -5 + 8 * (np.arange(a, dtype=np.float64) / max(a - 1, 1)) ** (0.7 + 1.3 * r)
        for name, table in (("attention/time_decay", decay), ("attention/time_mix_key", steps ** s),
                            ("attention/time_mix_value", steps ** s + 0.3 * r),
                            ("attention/time_mix_receptance", steps ** (0.5 * s)),
                            ("feed_forward/time_mix_key", steps ** s),
                            ("feed_forward/time_mix_receptance", steps ** s)):
            plan = plan.rule(FromArray(table), path=f"*blocks/{layer}/{name}")
            tables.setdefault(name, []).append(table)
    # the blocks stacked in one module (nnx.vmap, nn.scan): one table per layer along the stacked axis, written whole
    for name, per_layer in tables.items():
        plan = plan.rule(FromArray(np.stack(per_layer)), path=f"*blocks/{name}", stacked=0)
    return plan


def _blt(plan: Plan, fn: str, config: Any) -> Plan:
    """BLT's ``_init_weights`` (the Byte Latent Transformer's), in the model and in each of its sub-models (the
    local encoder and decoder, the global transformer, the patcher: ``hf_model`` gives each its own config): every
    weight truncated at +-3 std, linear layers N(0, 1/fan_in), the attention projections (self and cross) and the
    embeddings (a padding row zero) N(0, 1/H), H the config's ``hidden_size`` (the model's: its encoder's)."""
    h = _get(config, "hidden_size") or _get(_get(config, "encoder_config"), "hidden_size") or 1024
    s = _count(f"presets.{fn}", "hidden_size", h) ** -0.5
    width = _cut(s, 3.0)
    plan = (plan.rule(Scaled(_cut(1.0, 3.0), "1 / sqrt(fan_in)"), kind="dense", role="weight")
            .rule(Rows(width), kind="embedding", role="embedding"))
    for where in ("*self_attn/[qkvo]_proj/*", "*cross_attn_layers/*/[qkvo]_proj/*"):
        plan = _rules(plan, width, where, kind="dense", role="weight")
    return plan


def _xlstm(plan: Plan, fn: str, config: Any) -> Plan:
    """xLSTM's ``_init_weights`` (NX-AI's small init and Wang's init, from GPT-NeoX), from its config's
    ``hidden_size`` H and ``num_hidden_layers`` L: the embeddings (every row) and linear weights N(0, 2 / (5 H)),
    ``out_proj`` N(0, (2 / (L sqrt(H)))^2), ``proj_down`` N(0, (2 / (L sqrt(fan_in)))^2); with ``weight_mode``
    "single" (the default) every layer whose path holds "gate" zero, the input gates' biases -10 and the forget
    gates' a ``FromArray`` of linspace(3, 6) over the heads. transformers' "fused" branch slices its biases so that
    it cannot run: those gates are left to the rules before."""
    import numpy as np
    h = _number(fn, config, ("hidden_size",), 4096, _count)
    depth = _number(fn, config, ("num_hidden_layers",), 32, _count)
    heads = int(_number(fn, config, ("num_heads",), 8, _count))
    small = Normal(0.0, math.sqrt(2 / (5 * h)))
    plan = (plan.rule(small, kind="embedding", role="embedding").rule(small, kind="dense", role="weight")
            .rule(Normal(0.0, 2 / depth / math.sqrt(h)), kind="dense", role="weight", path="*out_proj/*")
            .rule(VarianceScaling(4 / depth ** 2, "fan_in", "normal"), kind="dense", role="weight",
                  path="*proj_down/*"))
    if (_get(config, "weight_mode") or "single") == "single":
        plan = (plan.rule(Zeros(), kind="dense", role="weight", path="*gate*")
                .rule(Constant(-10.0), kind="dense", role="bias", path="*igate*")
                .rule(FromArray(np.linspace(3.0, 6.0, heads)), kind="dense", role="bias", path="*fgate*"))
    return plan


def _groupvit(plan: Plan, fn: str, config: Any) -> Plan:
    """GroupViT's vision tower, which is no sub-model: the top config's ``initializer_factor`` f, and CLIP's laws
    by the vision config's ``hidden_size`` E and ``num_hidden_layers`` L whatever the layer's own fans (its
    token-mixing MLPs too): q, k, v and ``fc2`` N(0, f^2 / (2 L E)), ``out_proj`` N(0, f^2 / E), ``fc1``
    N(0, f^2 / (2 E))."""
    vision = _tower(config, "vision_config")
    f = _number(fn, config, ("initializer_factor",), 1.0, v.positive)
    width = _number(fn, vision, ("hidden_size",), 384, _count)
    depth = _number(fn, vision, ("num_hidden_layers",), 12, _count)
    deep = Normal(0.0, f / math.sqrt(2 * depth * width))
    dense: dict[str, Any] = {"kind": "dense", "role": "weight"}
    return (plan.rule(deep, path="*vision_model/*attn/[qkv]_proj/*", **dense)
            .rule(Normal(0.0, f / math.sqrt(width)), path="*vision_model/*attn/out_proj/*", **dense)
            .rule(Normal(0.0, f / math.sqrt(2 * width)), path="*vision_model/*/fc1/*", **dense)
            .rule(deep, path="*vision_model/*/fc2/*", **dense))


def _modernbert(plan: Plan, std: float, fn: str, config: Any) -> Plan:
    """ModernBERT's and its decoder's ``_init_weights``: every weight truncated N(0, s^2) at +-c s, c the config's
    ``initializer_cutoff_factor`` (3), s = std for the embeddings and the input projections (the padding row
    included), std / sqrt(2 ``num_hidden_layers``) for the output projections ``Wo``, the head's dense layer and
    the decoder, ``hidden_size``^-0.5 for a classifier; biases zeros."""
    cut = _number(fn, config, ("initializer_cutoff_factor",), 3.0, v.positive)
    depth = _number(fn, config, ("num_hidden_layers",), 22, _count)
    out = _cut(std / math.sqrt(2 * depth), cut)
    return (plan.rule(_cut(std, cut), kind="dense", role="weight").rule(_cut(std, cut), kind="embedding")
            .rule(out, kind="dense", role="weight", path="*/Wo/*")
            .rule(out, kind="dense", role="weight", path="*head/dense/*")
            .rule(out, kind="dense", role="weight", path="*decoder/*")
            .rule(_cut(_number(fn, config, ("hidden_size",), 768, _count) ** -0.5, cut), kind="dense",
                  role="weight", path="*classifier/*"))


def _vision_towers(plan: Plan, std: float, fn: str, kind: Any, config: Any) -> Plan:
    """Where the ``model_type`` says so: VideoPrism's (its video and text towers are sub-models,
    "videoprism_vision_model" and "videoprism_text_model": ``hf_model`` gives each its own config) linear and
    Conv3d weights, spatial and temporal position tables and pooling query LeCun-normal as transformers writes it
    (``_HF_LECUN``, by torch's fans of the stored tensor), its LayerNorms' weights (it computes x (1 + w)) and its
    pooling head's ``per_dim_scale`` zeros, the text tower's token embeddings (every row) and [CLS]
    N(0, 1 / ``hidden_size``) (its sinusoidal position table is a buffer); Molmo 2's vision tower's position table
    N(0, std^2), by its own config; UVDoc's and DAB-DETR's PReLU slopes 0.25 (``nn.PReLU.reset_parameters``
    refills the constructor's ``init``, which ``ACT2FN["prelu"]`` leaves at torch's default); Emu3's VQ-VAE
    (``emu3_vqgan``): its Conv2d and Conv3d weights He-normal (fan_out), their biases and its linear layers torch's
    default, its codebook N(0, 1)."""
    if kind in ("videoprism", "videoprism_vision_model", "videoprism_text_model"):
        lecun = VarianceScaling(_HF_LECUN, "fan_in", "normal")
        plan = (plan.rule(lecun, kind=("dense", "conv"), role="weight")
                .rule(Zeros(), kind="norm", role="scale", layer="VideoPrismLayerNorm")
                .rule(lecun, layer="VideoPrismSpatialEmbeddings", path="*position_embeddings", fans="tensor",
                      layout="torch")
                .rule(lecun, layer="VideoPrismTemporalEmbeddings", path="*position_embeddings", fans="tensor",
                      layout="torch")
                .rule(lecun, layer="VideoPrismMultiheadAttentionPoolingHead", path="*pooling_attention_query",
                      fans="tensor", layout="torch")
                .rule(Zeros(), layer="VideoPrismMultiheadAttentionPoolingHead", path="*per_dim_scale"))
    if kind in ("videoprism", "videoprism_text_model"):  # the text tower's width (the top config's text_config's)
        text = _get(config, "text_config") if kind == "videoprism" else config
        law = Normal(0.0, _number(fn, text, ("hidden_size",), 768, _count) ** -0.5)
        plan = (plan.rule(law, kind="embedding", role="embedding", path="*embeddings/token_embedding/*")
                .rule(law, layer="VideoPrismTextEmbeddings", path="*cls_emb"))
    if kind == "molmo2_vision":  # hf_model gives Molmo 2's vision tower its own config
        plan = plan.rule(Normal(0.0, std), layer="Molmo2VisionModel", path="*positional_embedding")
    if kind in ("uvdoc", "dab-detr"):  # torch's PReLU default, init=0.25: a global PReLU rule would miss any other
        # init (DAB-DETR's ACT2FN["prelu"] activations, reset by its _init_weights)
        plan = plan.rule(Constant(0.25), kind="prelu", role="slope", framework_layer="PReLU")
    if kind == "emu3_vqgan":  # Emu3's VQ-VAE (a sub-model: hf_model gives it its own config)
        plan = (plan.rule(KaimingNormal(mode="fan_out", nonlinearity="relu"), kind="conv", role="weight")
                .rule(_TORCH_DEFAULT, kind="conv", role="bias").rule(_TORCH_DEFAULT, kind="dense")
                .rule(Rows(Normal(0.0, 1.0)), kind="embedding", role="embedding"))
    return plan


def _loops_and_transcribers(plan: Plan, fn: str, kind: Any, config: Any) -> Plan:
    """Where the ``model_type`` says so: NeoMME's token embeddings (and an untied masked-LM head) N(0, 1/R), R its
    ``embedding_rank``, its value embeddings, gated attention output projections and MLP down projections zeros,
    each layer's ``lambdas`` [1, 0] and each exclusive attention's ``alpha`` zeros; Nemotron 3 Diarization's
    silence embedding zeros and its sub-pixel upsampler started as nearest-neighbour upsampling: a (f C, C, 3)
    Conv1d weight zero but for its centre tap, the C x C identity stacked f times (C and f the head config's
    ``hidden_size`` and ``subsampling_factor``), a ``FromArray`` in float64, its bias zeros; Nemotron 3.5 Transcribe
    (``nemo_speechlm``) holds that model as a sub-model (``hf_model`` gives it its own config). Inkling 2 Loop's
    tensors (``inkling2_loop`` and its text model) are ``_EXTRAS`` rows, its relative position bias N(0, std^2) by
    the text config's ``initializer_range``, the std of the text model's own recipe."""
    if kind == "neomme":
        embed = Normal(0.0, _number(fn, config, ("embedding_rank",), 256, _count) ** -0.5)
        plan = (plan.rule(embed, kind="embedding", role="embedding", path="*embed_tokens/word_embeddings/*")
                .rule(embed, kind="dense", role="weight", path="lm_head/*")
                .rule(Zeros(), kind="embedding", role="embedding", path="*value_embeddings/*")
                .rule(Zeros(), kind="dense", role="weight", path="*/output_projection/o_proj/*")
                .rule(Zeros(), kind="dense", role="weight", path="*/mlp/down_proj/*")
                .rule(FromArray([1.0, 0.0]), layer="NeoMMEEncoderLayer", path="*/lambdas")
                .rule(Zeros(), layer="NeoMMEExclusiveSelfAttention", path="*/alpha"))
    if kind == "nemotron3_diarization":
        import numpy as np
        head = _get(config, "head_config")
        width = int(_number(fn, head, ("hidden_size",), 192, _count))
        taps = np.zeros((int(_number(fn, head, ("subsampling_factor",), 8, _count)) * width, width, 3))
        taps[:, :, 1] = np.tile(np.eye(width), (taps.shape[0] // width, 1))
        plan = (plan.rule(FromArray(taps, layout="torch"), kind="conv", role="weight", path="*upsampler/conv/*")
                .rule(Zeros(), layer="Nemotron3DiarizationForAudioFrameClassification", path="*silence_embeds"))
    return plan


def _family_overrides(plan: Plan, std: float, fn: str, config: Any) -> Plan:
    """What transformers' families add to the base init (``hf``'s docstring lists them). The rules select by class,
    so they change no other model; those that cannot (layers and norms of generic classes, the speech models,
    Whisper's and DistilBERT's position tables) are added only where the config's ``model_type`` names the
    family."""
    for cls in _ZERO_CLASSES:
        plan = plan.rule(Zeros(), layer=cls)
    plan = (plan.rule(_torch_trunc(std), layer="Dinov2*Embeddings")
            .rule(Zeros(), layer="Dinov2*Embeddings", path="*mask_token")
            .rule(Zeros(), layer="Dinov2*Embeddings", path="*register_tokens")
            .rule(_torch_trunc(std), layer="RfDetrDinov2Embeddings")
            .rule(Zeros(), layer="RfDetrDinov2Embeddings", path="*mask_token")
            .rule(Constant(math.log(10.0)), layer="Swinv2SelfAttention", path="*logit_scale")
            .rule(Constant(math.log(10.0)), layer="Swin2SRSelfAttention", path="*logit_scale")
            .rule(_torch_trunc(std), layer="DINOv3ViTEmbeddings")
            .rule(_torch_trunc(std), layer="RadioPatchEmbeddings")
            .rule(_torch_trunc(std), layer="PixioEmbeddings")
            .rule(Zeros(), layer="PixioEmbeddings", path="*mask_token")
            .rule(_torch_trunc(std), layer="Sapiens2Embeddings")
            .rule(Zeros(), layer="Sapiens2Embeddings", path="*mask_token")
            .rule(Zeros(), layer="DINOv3ViTEmbeddings", path="*mask_token")
            .rule(_torch_trunc(std), layer="IJepaEmbeddings")
            .rule(Zeros(), layer="IJepaEmbeddings", path="*mask_token")
            .rule(_torch_trunc(std), layer="Tipsv2VisionEmbeddings")
            .rule(Zeros(), layer="Tipsv2VisionEmbeddings", path="*mask_token")
            .rule(Zeros(), layer="Tipsv2VisionEmbeddings", path="*register_tokens")
            .rule(_torch_trunc(std), layer="CvtStage", path="*cls_token")
            .rule(_torch_trunc(std), layer="TimesformerEmbeddings")
            .rule(Zeros(), layer="TimesformerEmbeddings", path="*time_embeddings"))
    for cls, glob, key, default in _LAYER_SCALES:
        value = None if config is None else _get(config, key)
        plan = plan.rule(Constant(v.real(f"presets.{fn}", key, default if value is None else value)), layer=cls,
                         path=glob)
    plan = (plan.rule(_torch_trunc(std), layer="PvtPatchEmbeddings")
            .rule(Normal(0.0, std), layer="XLNetRelativeAttention")  # q, k, v, o, r and its biases, stored raw
            .rule(Normal(0.0, std), layer="XLNetModel", path="*mask_emb")
            .rule(Uniform(0.0, std), layer="FunnelRelMultiheadAttention"))
    for table in _SINUSOID_CLASSES:  # frozen embeddings holding the paper's frequencies, sines then cosines
        plan = plan.rule(Sinusoidal(frequencies="paper"), layer=table)
    plan = _multimodal(plan, std)
    kind = None if config is None else _get(config, "model_type")
    scale = None if config is None else _get(config, "logit_scale_init_value")
    if scale is not None:  # a two-tower model's logit scale, set by its constructor (FLAVA's _init_weights too)
        plan = plan.rule(Constant(v.real(f"presets.{fn}", "logit_scale_init_value", scale)), path="*logit_scale",
                         layer="*Model")
    # AIMv2's _init_weights sets its logit scale to log(1 / 0.07) whatever the config says
    plan = plan.rule(Constant(math.log(1 / 0.07)), path="*logit_scale", layer="Aimv2Model")
    temperature = None if config is None else _get(config, "temperature_init_value")
    if temperature is not None:  # ALIGN's temperature, set by its _init_weights to the config's value
        plan = plan.rule(Constant(v.real(f"presets.{fn}", "temperature_init_value", temperature)),
                         path="*temperature", layer="*Model")
    if kind == "align":  # its text projection Xavier-uniform
        plan = plan.rule(XavierUniform(), kind="dense", role="weight", path="*text_projection/*")
    if kind == "kosmos-2":  # the image-to-text projection (dense, cross-attention) by the text config's init_std
        spread = _number(fn, _get(config, "text_config"), ("init_std",), 0.02, v.positive)
        plan = plan.rule(Normal(0.0, spread), kind="dense", role="weight", path="*image_to_text_projection/*")
    if kind in ("groupvit", "groupvit_vision_model"):
        plan = _groupvit(plan, fn, config)
    if kind == "rwkv":
        plan = _rwkv(plan, fn, config)
    if kind == "xlstm":
        plan = _xlstm(plan, fn, config)
    if isinstance(kind, str) and kind.split("_")[0] == "blt":
        plan = _blt(plan, fn, config)
    plan = _xielu(_hyper_connections(_state_space(plan, std, fn, kind, config), std, fn, config), config)
    plan = _codecs_and_series(_decoder_families(plan, std, fn, kind, config), fn, kind, config)
    plan = _segmentation(_detection(plan, std, fn, kind, config), fn, kind, config)
    plan = _speech_and_towers(plan, fn, kind, config)
    plan = _vision_towers(plan, std, fn, kind, config)
    plan = _loops_and_transcribers(plan, fn, kind, config)
    text = None if config is None else _get(config, "text_config")
    width = None if text is None else _get(text, "hidden_size")
    if isinstance(width, int) and width > 0:  # the LLaVA-NeXT families' image newline: N(0, 1 / the text width)
        plan = plan.rule(Normal(0.0, width ** -0.5), path="*image_newline", layer="*Model")
        for model in ("UnlimitedOcrModel", "DeepseekOcr2Model"):  # and the OCR models' view separator
            plan = plan.rule(Normal(0.0, width ** -0.5), path="*view_separator", layer=model)
    vision = None if config is None else _get(config, "vision_config")
    merged = None if config is None else _get(config, "out_hidden_size") or _get(vision, "out_hidden_size")
    if isinstance(merged, int) and merged > 0:  # HY-V4-VL's patch merger's newline: N(0, 1 / its width)
        plan = plan.rule(Normal(0.0, merged ** -0.5), path="*/image_newline", layer="HYV4VLVisionPatchMerger")
    text = None if config is None else _get(config, "text_hidden_size")
    if kind == "hunyuan_vl_vision" and isinstance(text, int) and text > 0:  # HunYuan-VL's merger tokens (hf_model
        # gives its vision tower its own config): N(0, 1 / the text width)
        plan = plan.rule(Normal(0.0, text ** -0.5), layer="HunYuanVLVisionPatchMerger", path="*/image_*")
    if kind in ("sam", "sam_hq"):  # the shared image embedding's random Fourier features: N(0, scale^2), the
        vision = _get(config, "vision_config")  # vision config's scale
        fourier = 384 if vision is None else _get(vision, "scale") or (_get(vision, "hidden_size") or 768) // 2
        plan = plan.rule(Normal(0.0, v.positive(f"presets.{fn}", "vision_config.scale", fourier)),
                         layer="Sam*PositionalEmbedding")
    if kind in ("deepseek_vl_hybrid", "tvp"):  # their own Conv2d layers He-normal (fan_out); sub-models keep theirs
        plan = plan.rule(KaimingNormal(mode="fan_out", nonlinearity="relu"), kind="conv", role="weight",
                         layer="Conv2d")
    if kind == "perceiver":  # the multimodal pre- and decoders' padding and mask tokens, held in a ParameterDict
        plan = plan.rule(Normal(0.0, std), layer="ParameterDict")
    embed = None if config is None else _get(config, "embed_init_std")
    if kind in ("xlm", "flaubert") and embed is not None:  # XLM's and FlauBERT's embeddings by their own std
        plan = plan.rule(Rows(Normal(0.0, v.positive(f"presets.{fn}", "embed_init_std", embed))), kind="embedding",
                         role="embedding")
    if kind == "tapas" and _get(config, "init_cell_selection_weights_to_zero"):  # the selection heads start at 0
        plan = plan.rule(Zeros(), layer="TapasForQuestionAnswering", path="*output_weights")
    if kind in ("t5gemma", "t5gemma2"):  # the classification head's output layer N(0, std^2 / num_labels)
        plan = plan.rule(VarianceScaling(std * std, "fan_out", "normal"), kind="dense", role="weight",
                         path="*score/out_proj/*")
    if kind == "pe_audio_encoder":  # its class embedding N(0, std^2 / width)
        width = _number(fn, config, ("hidden_size",), 1024, _count)
        plan = plan.rule(Normal(0.0, std / math.sqrt(width)), layer="PeAudioEncoderPatchEmbedder",
                         path="*class_embedding")
    if kind in ("slanet", "slanext"):  # torch's default GRUCell (U(+-1/sqrt(its hidden)), as the layer's fans say),
        bound = _number(fn, config, ("hidden_size",), 256 if kind == "slanet" else 512, _count) ** -0.5
        plan = (plan.rule(VarianceScaling(1 / 3, "fan_in", "uniform"), kind="recurrent", layer="GRUCell",
                          fans="layer")  # and the structure head's layers U(+-1/sqrt(hidden_size))
                .rule(Uniform(-bound, bound), kind="dense", role=("weight", "bias"), path="*structure_generator/*"))
    if kind == "sam3_lite_text_text_model":  # its position table and output projection N(0, 1 / width)
        width = _number(fn, config, ("hidden_size",), 512, _count)
        plan = (plan.rule(Normal(0.0, width ** -0.5), layer="Sam3LiteTextTextPositionEmbedding")
                .rule(Normal(0.0, width ** -0.5), kind="dense", role="weight", path="*projection/*",
                      layer="Linear"))
    if kind == "unlimited_ocr_vision_encoder":  # its CLIP-like embeddings: the class embedding N(0, f^2 / width),
        f = _number(fn, config, ("initializer_factor",), 1.0, v.positive)  # the position table N(0, (f std)^2)
        plan = (plan.rule(VarianceScaling(f * f, "fan_in", "normal"), layer="UnlimitedOcrVisionEmbeddings",
                          path="*class_embedding")
                .rule(Normal(0.0, std * f), kind="embedding", role="embedding", layer="Embedding",
                      path="*embeddings/position_embedding/*"))
    if kind == "idefics":  # the gated cross-attention's alphas by alpha_initializer, N(0, 0) being zeros
        how = v.choice(f"presets.{fn}", "alpha_initializer", _get(config, "alpha_initializer") or "zeros",
                       ("zeros", "ones", "normal", "gaussian", "random"))
        spread = _number(fn, config, ("alphas_initializer_range",), 0.0, v.non_negative)
        law = Ones() if how == "ones" else Normal(0.0, spread) if how != "zeros" and spread > 0 else Zeros()
        plan = plan.rule(law, layer="IdeficsGatedCrossAttentionLayer", path="*/alpha_*")
    if kind in ("dinov2", "dinov2_with_registers", "rf_detr_dinov2", "pvt", "vitdet", "dinov3_vit", "ijepa", "cvt",
                "swin2sr", "timesformer", "mgp-str", "vitpose", "vitpose_backbone", "tipsv2_vision_model"):
        plan = plan.rule(_torch_trunc(std), kind=("dense", "conv"), role="weight")
    if kind == "vitpose_backbone":  # hf_model gives VitPose's backbone its own config
        plan = plan.rule(_torch_trunc(std), layer="VitPoseBackboneEmbeddings", path="*position_embeddings")
    if kind == "vitdet":  # its residual bottleneck blocks: convs He-normal (fan_out), the last norm zeros
        plan = (plan.rule(KaimingNormal(mode="fan_out", nonlinearity="relu"), kind="conv", role="weight",
                          path="*residual/conv[123]/*")
                .rule(Zeros(), kind="norm", role="scale", path="*residual/norm3/*"))
    if kind == "swiftformer":  # truncated N(0, 0.02^2) whatever the config's std
        plan = plan.rule(_torch_trunc(0.02), kind=("dense", "conv"), role="weight")
    if kind in ("mimi", "seamless_m4t", "seamless_m4t_v2", "mimi_encoder", "mimi_decoder", "pocket_tts_audio_tokenizer",
                "pocket_tts_audio_tokenizer_encoder", "pocket_tts_audio_tokenizer_decoder"):  # Wav2Vec2's
        # convolutions, transposed ones too
        plan = (plan.rule(KaimingNormal(), kind="conv", role="weight")
                .rule(_TORCH_DEFAULT, kind=("conv", "conv_transpose"), role="bias")  # U(+-1/sqrt(in k)) both
                .rule(KaimingNormal(), kind="conv_transpose", role="weight", fans="tensor", layout="torch"))
    if kind in ("seamless_m4t", "seamless_m4t_v2"):  # and its speech encoder's feature projection and position conv
        plan = _positional_conv(plan.rule(_TORCH_DEFAULT, kind="dense", path="*feature_projection/projection/*"))
    if kind == "pvt_v2":  # truncated linear weights, convolutions N(0, 2 / fan_out) with fan_out per group
        plan = (plan.rule(_torch_trunc(std), kind="dense", role="weight")
                .rule(KaimingNormal(mode="fan_out", nonlinearity="relu"), kind="conv", role="weight")
                # its MLP's depthwise conv: fan_out per group k^2, which is the weight's fan_in
                .rule(KaimingNormal(mode="fan_in", nonlinearity="relu"), kind="conv", role="weight",
                      path="*/dwconv/*"))
    if kind == "hiera":  # every weight truncated, biases the std, LayerNorm scales layer_norm_init
        cut = _torch_trunc(std)
        plan = (plan.rule(cut, kind=("dense", "conv"), role="weight").rule(Constant(std), kind=("dense", "conv"),
                                                                           role="bias")
                .rule(Constant(_number(fn, config, ("layer_norm_init",), 1.0, v.real)), kind="norm", role="scale",
                      layer="LayerNorm")
                .rule(Constant(std), kind="norm", role="shift", layer="LayerNorm")
                .rule(cut, layer="HieraEmbeddings", path="*position_embeddings")
                .rule(cut, layer="HieraDecoder", path="*mask_token")
                .rule(cut, layer="HieraDecoder", path="*decoder_position_embeddings"))
    if kind in ("mobilevit", "mobilevitv2", "efficientnet", "efficientloftr", "vitmatte"):
        plan = plan.rule(Normal(0.0, std), kind="norm", role="scale", framework_layer="BatchNorm2d")
    if kind in ("resnet", "regnet", "bit", "rt_detr_resnet"):  # torchvision's ResNet init: He-normal (fan_out)
        # convs, torch's linears
        plan = (plan.rule(KaimingNormal(mode="fan_out", nonlinearity="relu"), kind="conv", role="weight")
                .rule(_TORCH_DEFAULT, kind="dense", role=("weight", "bias")))
    if kind == "regnet":  # its _init_weights draws a conv's weight only: the squeeze-excitation biases keep torch's
        plan = plan.rule(_TORCH_DEFAULT, kind="conv", role="bias")
    if kind in _WAV2VEC2_CONVS + ("hubert", "sew", "sew-d"):
        plan = _speech(plan, kind, config)
    layers = None if config is None else _get(config, "num_hidden_layers")
    if kind in _WAV2VEC2_LIKE + ("hubert", "sew", "sew-d", "whisper") and isinstance(layers, int) and layers >= 0:
        plan = plan.rule(Constant(1 / (layers + 1)), path="*layer_weights")  # a weighted sum of the layers
    if kind == "funnel":  # Funnel's linear layers by their fans, its embeddings by initializer_std
        own = _get(config, "initializer_std")
        plan = (plan.rule(VarianceScaling(0.5, "fan_avg", "normal") if own is None else Normal(0.0, own),
                          kind="dense", role="weight")
                .rule(Rows(Normal(0.0, 1.0 if own is None else own)), kind="embedding", role="embedding"))
    if kind == "recurrent_gemma":
        plan = _recurrent_gemma(plan, fn, config)
    if kind in ("modernbert", "modernbert-decoder"):
        plan = _modernbert(plan, std, fn, config)
    if kind in ("modernvbert", "ultravbert"):  # their connector and heads cut at +-c s: s = std / sqrt(2 L) for the
        text = _get(config, "text_config")  # projection and the MLM head, std / sqrt(H) for a classifier (the text's)
        c = _number(fn, config, ("initializer_cutoff_factor",), 2.0, v.positive)
        deep = _cut(std / math.sqrt(2 * _number(fn, text, ("num_hidden_layers",), 22, _count)), c)
        plan = (plan.rule(deep, kind="dense", role="weight", path="*connector/modality_projection/*")
                .rule(deep, kind="dense", role="weight", path="lm_head/*")
                .rule(_cut(std / math.sqrt(_number(fn, text, ("hidden_size",), 768, _count)), c), kind="dense",
                      role="weight", path="classifier/*"))
    if kind == "reformer":  # its axial position embeddings
        axial = _get(config, "axial_norm_std")
        plan = plan.rule(Normal(0.0, v.positive("presets.hf", "axial_norm_std", 1.0 if axial is None else axial)),
                         path="*position_embeddings/weights/*")
    if kind == "fsmt":  # fairseq's tables: tensor2tensor's frequencies, sines then cosines, the padding row zero
        plan = plan.rule(Rows(Sinusoidal()), layer="SinusoidalPositionalEmbedding")
    if kind == "whisper":  # the encoder's frozen position table
        plan = plan.rule(Sinusoidal(), path="*encoder/embed_positions/*")
    # DistilBERT's, XLM's and FlauBERT's sinusoidal tables: the paper's sines and cosines interleaved, which
    # transformers copies over the embedding's draw (XLM's and FlauBERT's by embed_init_std, above)
    if (kind == "distilbert" and _get(config, "sinusoidal_pos_embds")
            or kind in ("xlm", "flaubert") and _get(config, "sinusoidal_embeddings")):
        plan = plan.rule(Sinusoidal(interleaved=True, frequencies="paper"), path="*position_embeddings/*")
    return plan


def _multimodal(plan: Plan, std: float) -> Plan:
    """The vision-language and detection families' own tensors, by class: BLIP's, BLIP-2's and InstructBLIP's
    vision class and position embeddings truncated N(0, std^2) (absolute cut at +-2), their query tokens zeros;
    GIT's vision class embedding N(0, std^2); Idefics2's perceiver latents ones and pooling probe N(0, 1); FLAVA's
    image tokens and position embeddings and its multimodal [CLS] zeros; Mllama's vision class embedding, gated
    position embedding and gated layers' gates N(0, std^2), its other gates zeros; SAM's absolute and relative
    position tables zeros; ViTDet's truncated position tables; ViLT's and LayoutLMv3's tokens and position tables
    zeros; Aria's projector queries and MGP-STR's tokens and position table truncated N(0, std^2) at +-2."""
    for cls in ("BlipVisionEmbeddings", "Blip2VisionEmbeddings", "InstructBlipVisionEmbeddings",
                "InstructBlipVideoVisionEmbeddings", "VitDetEmbeddings"):
        plan = plan.rule(_torch_trunc(std), layer=cls)
    return (plan.rule(Zeros(), path="*query_tokens", layer="*Blip*")
            .rule(Normal(0.0, std), layer="GitVisionEmbeddings", path="*class_embedding")
            .rule(Ones(), layer="Idefics2PerceiverResampler", path="*latents")
            .rule(Normal(0.0, 1.0), layer="Idefics2MultiheadAttentionPoolingHead", path="*probe")
            .rule(Zeros(), layer="FlavaImageEmbeddings")
            .rule(Zeros(), layer="FlavaMultimodalModel", path="*cls_token")
            .rule(Normal(0.0, std), layer="MllamaVisionModel", path="*class_embedding")
            .rule(Normal(0.0, std), layer="MllamaPrecomputedPositionEmbedding", path="*/embedding")
            .rule(Zeros(), path="*gate", layer="Mllama*Embedding")
            .rule(Normal(0.0, std), layer="MllamaVisionEncoderLayer", path="*gate_*")
            .rule(Zeros(), layer="MllamaCrossAttentionDecoderLayer", path="*cross_attn_*gate")
            .rule(Zeros(), layer="SamVisionEncoder", path="*pos_embed")
            .rule(Zeros(), layer="SamVision*Attention", path="*rel_pos_[hw]")
            .rule(_torch_trunc(std), layer="VitDetAttention", path="*rel_pos_[hw]")
            .rule(Zeros(), layer="ViltEmbeddings")  # its constructor's zeros, which no _init_weights redraws
            .rule(Zeros(), layer="LayoutLMv3Model", path="*cls_token")
            .rule(Zeros(), layer="LayoutLMv3Model", path="*pos_embed")
            .rule(_torch_trunc(std), layer="AriaProjector", path="*query")
            .rule(_torch_trunc(std), layer="MgpstrEmbeddings"))


def _positional_conv(plan: Plan) -> Plan:
    """A speech encoder's positional conv under a weight norm keeps torch's default (the normal draw transformers
    writes into its computed weight is lost), its bias 0."""
    return (plan.rule(_TORCH_DEFAULT, kind="conv", role="weight", path="*pos_conv_embed/conv/parametrizations/*")
            .rule(_TORCH_DEFAULT, kind="conv", role="weight", path="*pos_conv_embed/conv/weight_[gv]")
            .rule(Zeros(), kind="conv", role="bias", path="*pos_conv_embed/conv/*"))


#: the speech models whose _init_weights is Wav2Vec2's (transformers 5), by model_type
_WAV2VEC2_LIKE = ("wav2vec2", "unispeech", "unispeech-sat", "data2vec-audio", "wav2vec2-conformer", "wav2vec2-bert",
                  "wavlm")
#: and those whose convolutions, feature projection, positional conv and mask embedding are Wav2Vec2's, without its
#: quantizer, x-vector head or weighted layer sum: SpeechT5 (its scaled position encodings' alpha: ``_EXTRAS``)
_WAV2VEC2_CONVS = _WAV2VEC2_LIKE + ("speecht5",)


def _speech(plan: Plan, kind: str, config: Any) -> Plan:
    """Wav2Vec2's and HuBERT's ``_init_weights``: every Conv1d He-normal (fan_in), its bias torch's
    U(+-1/sqrt(fan_in)) (Wav2Vec2, its kin and SpeechT5, ``_WAV2VEC2_CONVS``) or 0 (HuBERT); the positional conv,
    where it sits under a weight norm, keeps torch's own default (the normal draw transformers writes into its
    computed weight is lost), its bias 0 (Data2Vec-Audio's stack of plain convs: He-normal, biases 0); the mask
    embedding U(0, 1). Wav2Vec2's kin and SpeechT5 also draw their feature projection U(+-1/sqrt(fan_in)), weight and
    bias; Wav2Vec2's kin their quantizer's projection N(0, 1) and codevectors U(0, 1) and an x-vector head's
    AM-softmax weight N(0, 1); Wav2Vec2 and its conformer keep torch's default in the pre-training heads
    ``project_hid`` and ``project_q``."""
    plan = (_positional_conv(plan.rule(KaimingNormal(), kind="conv", role="weight", layer="Conv1d")
                             .rule(_TORCH_DEFAULT if kind in _WAV2VEC2_CONVS else Zeros(), kind="conv",
                                   role="bias", layer="Conv1d"))
            .rule(Zeros(), kind="conv", role="bias", path="*pos_conv_embed/layers/*/conv/*")
            .rule(Zeros(), kind="conv", role="bias", path="*pos_conv_embed/layers/conv/*")
            .rule(Uniform(0.0, 1.0), path="*masked_spec_embed"))
    if kind in _WAV2VEC2_CONVS:
        plan = plan.rule(_TORCH_DEFAULT, kind="dense", path="*feature_projection/projection/*")
    if kind in _WAV2VEC2_LIKE:
        plan = (plan.rule(Normal(0.0, 1.0), kind="dense", role="weight", path="*quantizer/weight_proj/*")
                .rule(Uniform(0.0, 1.0), path="*quantizer/codevectors")
                .rule(Normal(0.0, 1.0), layer="AMSoftmaxLoss"))
    if kind in ("wav2vec2", "wav2vec2-conformer"):
        plan = (plan.rule(_TORCH_DEFAULT, kind="dense", path="project_hid/*")
                .rule(_TORCH_DEFAULT, kind="dense", path="project_q/*"))
    return plan


def _hf_base(std: float, name: str) -> Plan:
    """``_base`` with what transformers 5's ``_init_weights`` does module by module beyond it: ConvTranspose3d,
    Bilinear and EmbeddingBag (not in its list) keep torch's defaults; ``nn.MultiheadAttention`` is reset by its own
    ``_reset_parameters`` (in-projection Xavier-uniform); the ``weight`` of a module whose class name says LayerNorm
    or RMSNorm is ones whatever its shape (transformers tells a norm by its class name: Cohere's QK norms hold a
    (heads, head_dim) weight, which ``_base``'s norm kind, a per-feature vector, does not take; their biases are
    already zeros), and the Gemma families' (1 + w) RMSNorm weights are zeros. A mixture of experts' stacked experts
    and routers are dense layers (N(0, std), biases zero) in every family that uses them; GPT-OSS also draws its
    router's bias and its attention sinks N(0, std), and Ernie 4.5's expert statistics are zeros."""
    plan = (_base(std, name)
            # first, so that every family's own norm rule (the Gemma families', VideoPrism's, Hiera's...) wins; kind
            # "other" only: a Linear, conv or embedding comes first in transformers' elif chain
            .rule(Ones(), kind="other", role="weight", layer="*LayerNorm*")
            .rule(Ones(), kind="other", role="weight", layer="*RMSNorm*")
            .rule(_TORCH_TRANSPOSED_DEFAULT, kind="conv_transpose", role=("weight", "bias"),
                  framework_layer="ConvTranspose3d")
            # nn.Bilinear is no Linear and nn.EmbeddingBag no Embedding to its isinstance chain: torch's defaults
            .rule(KaimingUniform(a=math.sqrt(5)), kind="dense", role=("weight", "bias"), framework_layer="Bilinear",
                  fans="layer")
            .rule(Rows(Normal(0.0, 1.0)), kind="embedding", role="embedding", framework_layer="EmbeddingBag")
            .rule(XavierUniform(), kind="attention", role="weight", framework_layer="MultiheadAttention")
            .rule(XavierNormal(), kind="attention", role="bias", framework_layer="MultiheadAttention",
                  path="*bias_[kv]", fans="tensor")
            .rule(Normal(0.0, std), kind="dense", role="bias", layer="GptOssTopKRouter")
            .rule(Normal(0.0, std), kind="dense", role="bias", layer="OpenAIPrivacyFilterTopKRouter")
            .rule(Normal(0.0, std), path="*/sinks", layer="GptOssAttention")
            .rule(Zeros(), path="*/e_score_correction_bias", layer="Ernie4_5_*MoeStatics")
            # the conformers' relative-position biases (Wav2Vec2-Conformer, -BERT, SeamlessM4T, FastSpeech2)
            .rule(XavierUniform(), path="*/pos_bias_[uv]", fans="tensor", layout="torch")
            # transformers' Conv1D (GPT-2's layer, and its copies') draws N(0, 0.02^2) when built, whatever the
            # config says, and the base _init_weights does not list it: only GPT-2's own redraws it
            .rule(Normal(0.0, 0.02), kind="dense", role="weight", layer="Conv1D"))
    for layer, path, law in _EXTRAS:
        plan = plan.rule(Normal(0.0, std) if law == "std" else Constant(std) if law == "=std" else law, layer=layer,
                         path=path)
    for norm in _ONE_PLUS_NORMS:  # a norm's scale, or a weight of a shape no norm kind takes (as transformers)
        plan = plan.rule(Zeros(), kind=("norm", "other"), role=("scale", "weight"), layer=norm)
    return plan


def _base_std(fn: str, config: Any, initializer_range: float | None, initializer_factor: float | None = None) -> float:
    """The std of transformers' base ``_init_weights``: ``initializer_range`` where given, else the config's
    ``initializer_range`` (0 or None read as 0.02: transformers' ``initializer_range or 0.02``), else its
    ``init_std`` (OPT's name), else ``initializer_factor`` where given, else the config's (CLIP's and OWL-ViT's top
    configs have only that), else the ``initializer_range`` of its text config as ``get_text_config()`` finds it
    (the first of ``text_encoder``, ``decoder``, ``generator``, ``text_config`` it holds: a composite config
    without its own, HY-V4-VL's text tower says 0.006; ``EncoderDecoderModel``'s decoder), else 0.02."""
    named = config is not None and ("initializer_range" in config if isinstance(config, dict)
                                    else hasattr(config, "initializer_range"))
    if initializer_range is None and config is not None:
        if named:
            initializer_range = _get(config, "initializer_range") or 0.02  # transformers' `or 0.02`
        else:
            factor = _get(config, "initializer_factor") if initializer_factor is None else initializer_factor
            text = next((x for x in (_get(config, name) for name in _TEXT_CONFIGS) if x is not None), None)
            initializer_range = next((x for x in (_get(config, "init_std"), factor,
                                                  None if text is None else _get(text, "initializer_range"))
                                      if x is not None), None)
    return _read(fn, config, initializer_range=(initializer_range, 0.02))["initializer_range"]


#: where transformers' ``PretrainedConfig.get_text_config()`` looks for a composite config's text config, in order
_TEXT_CONFIGS = ("text_encoder", "decoder", "generator", "text_config")


def hf(initializer_range: float | None = None, *, config: Any = None) -> Plan:
    """Hugging Face's base initialization (``PreTrainedModel._init_weights``).

    Linear/Conv weights and embeddings N(0, initializer_range^2) (default 0.02), biases zero, an embedding's padding
    row zero, norms ones/zeros (the Gemma families' RMSNorm, which computes x (1 + w), zeros; as transformers, the
    ``weight`` of any module whose class name says LayerNorm or RMSNorm ones whatever its shape: Cohere's
    (heads, head_dim) QK norms), recurrent weights Xavier-uniform with zero biases (transformers does this for
    ``nn.LSTM`` and leaves GRU, RNN and cells at torch's default: add a rule for those),
    ``nn.MultiheadAttention``'s in-projection Xavier-uniform,
    ConvTranspose3d (which it does not list) torch's default, transformers' ``Conv1D`` (not listed either) the
    N(0, 0.02^2) it draws when built (OpenAI-GPT's; ``gpt2`` redraws GPT-2's); a mixture of experts' stacked
    experts and routers N(0, initializer_range^2), their biases zero (GPT-OSS's router bias and attention sinks
    N(0, initializer_range^2), as its own ``_init_weights``). BERT, Llama, Mistral, Qwen2, Mixtral, DeepSeek-V3 and
    most Hugging Face models use only this. The families that override it get their own rules (in every recipe built
    on this one), by class: DeiT's, BEiT's, Swin's (Donut's, MaskFormer's), ViT-MSN's, DPT's and YOLOS's tokens,
    position embeddings and relative position tables zeros; DINOv2's, DINOv3's, I-JEPA's, CvT's and PVT's tokens
    truncated N(0, initializer_range^2), DINOv2's mask and register tokens zeros; layer scales at the config's
    ``layerscale_value`` (DINOv2, DINOv3) or ``layer_scale_init_value`` (BEiT, ConvNeXt, DINOv3's, PoolFormer); Swin
    V2's and Swin2SR's logit scales log 10; DeBERTa's q and v biases and LeViT's attention biases zeros; ConvNeXt
    V2's GRN zeros; Marian's, Pegasus's, RoFormer's and the Time Series Transformer's position tables
    ``ui.Sinusoidal``; XLNet's relative attention and mask embedding N(0,
    initializer_range^2); Funnel's relative attention U(0, initializer_range); the state-space mixers' (Mamba,
    Mamba-2, Zamba, Zamba 2, Jamba, Bamba, Falcon-H1, Granite 4, Nemotron-H) ``A_log`` ``ui.S4DReal()``, ``D`` ones
    and time-step bias ``ui.InverseSoftplus(ui.LogUniform(time_step_min, time_step_max), floor=time_step_floor)``
    (or ones: Bamba, Falcon-H1, Granite 4), Zamba's raw projections; the linear-attention layers' decay rates
    ``A_log`` ``ui.Log(ui.Uniform(low, 16))`` (low 0.01: Qwen3-Next, Qwen3.5, Qwen4-Exp; 1: LaraMini, Kimi-Linear,
    Bailing, GLM-5-Next without ``linear_lower_bound``, which else starts it at 0; OLMo Hybrid's from
    ``linear_a_log_min`` and ``linear_a_log_max``, UNMATCHED while the low end is 0, its default: log 0 is not a
    number) and time-step biases ones (Qwen's, LaraMini's) or Mamba's law (the others; OLMo Hybrid's from
    ``linear_dt_min``, ``linear_dt_max`` and ``linear_dt_init_floor``), Qwen's (1 + w) RMSNorms zeros; the
    hyper-connections' mixing weights N(0, initializer_range^2) (GLM-5-Next's N(0, 0.02^2)), bases zeros and
    scales ones (HY-V4: 0.01, bases -log(hc_mult - 1) in their first half), DeepSeek-V4's attention sinks and
    compressor tables zeros, HY-V4's sinks ``learnable_sink_init``; RecurrentGemma's (Griffin's) init from its
    config's ``w_init_variance_scale``, ``conv1d_width``, widths and depth; the decoders' own tensors beyond the
    base init (``_EXTRAS``: AFMoE, Beam, Doge, Dory, Flint, MiMo-V2-Flash, Granite SWA, GPT-NeoX-Japanese, HRM, Zaya,
    CPM-Ant, Gemma 3, 3n and 4, GOT-OCR2, MiniMax-M3-VL, DBRX's flattened experts), DiffLlama's lambdas N(0,
    ``lambda_std_dev``^2); the vision-language models' tokens and tables (BLIP, BLIP-2, InstructBLIP, GIT, Idefics2,
    FLAVA, Mllama, SAM, ViTDet, Aria, MGP-STR: ``_multimodal``; SAM 2, EdgeTAM, SAM-HQ, DeepSeek-VL hybrid, IDEFICS,
    TVP, Perceiver, GroupViT, AIMv2, Kosmos-2, DAC's Snake alphas, CSM, PatchTST's [CLS], Mistral Large 4, Muse
    Spark, SpeechT5's position-encoding scales (ones), TAPAS's cell-selection heads (weights N(0,
    initializer_range^2), biases zeros), and the families a third sweep found: ``_EXTRAS``); a
    ``*Model``'s ``logit_scale`` the config's ``logit_scale_init_value`` (AIMv2's log(1 / 0.07) whatever it says),
    its ``temperature`` the config's
    ``temperature_init_value`` (ALIGN's) and ``image_newline`` N(0, 1/text_config.hidden_size) (LLaVA-NeXT;
    HY-V4-VL: 1/out_hidden_size) where it has one. Where the config's
    ``model_type`` says so: Mamba's ``dt_proj`` (its weight U(+-time_step_scale/sqrt(time_step_rank)), its bias the
    time step), Mamba's and Mamba-2's ``conv1d`` and ``out_proj`` torch's default (``out_proj`` / sqrt(L) with
    ``rescale_prenorm_residual``, and Nemotron-H's), Funnel's linear layers N(0, 1/(fan_in + fan_out)) and
    embeddings N(0, 1) (or ``initializer_std``), Reformer's axial position embeddings N(0, axial_norm_std^2),
    DINOv2's (RF-DETR's backbone's too), DINOv3's, I-JEPA's, CvT's, Swin2SR's, Hiera's and PVT's truncated linear
    and conv weights (PVT-v2's convolutions He-normal, fan_out per group; Hiera's biases and LayerNorm shifts the
    std), BiT's ResNet init,
    MobileViT's and EfficientNet's N(0, initializer_range^2) BatchNorm scales, ResNet's and RegNet's He-normal
    (fan_out) convolutions with torch's default linear layers (and RegNet's conv biases), Wav2Vec2's (and its kin's:
    UniSpeech, Data2Vec-Audio, the conformers, WavLM, SpeechT5), HuBERT's, SEW's and SEW-D's convolutions, mask
    embedding, quantizer and weighted layer sum (each of the L + 1 weights 1/(L + 1)), ViTDet's and MGP-STR's
    truncated linear and conv weights (ViTDet's residual blocks' convolutions He-normal, fan_out, their last norm
    zeros), SAM's and SAM-HQ's Fourier features N(0, (vision_config.scale)^2), DeepSeek-VL hybrid's and TVP's own
    Conv2d layers He-normal (fan_out),
    Perceiver's modality tokens (a ParameterDict) N(0, initializer_range^2), IDEFICS's gated cross-attention alphas by
    ``alpha_initializer`` (zeros, ones, or N(0, alphas_initializer_range^2)), ALIGN's text projection
    Xavier-uniform, Kosmos-2's image-to-text projection N(0, text_config.init_std^2), SLANet's and SLANeXt's GRUCell
    (torch's default) and structure generator U(+-1/sqrt(hidden_size)), Unlimited OCR's (and DeepSeek-OCR 2's)
    view separator N(0, 1/text width), Unlimited OCR's vision encoder's class embedding N(0, f^2/width) and
    position table N(0, (f std)^2), SAM 3 Lite's text encoder's position table and projection N(0, 1/width),
    GroupViT's vision tower (``_groupvit``), XLM's and FlauBERT's embeddings N(0, embed_init_std^2), PE-Audio's
    class embedding, the DETR-like detectors' (``_detection``: LW-DETR, RF-DETR and PP-DocLayout too) and the mask
    segmenters' and Depth Pro's (``_segmentation``), VideoPrism's LeCun-normal towers, Molmo 2's vision table,
    UVDoc's and DAB-DETR's PReLU (``_vision_towers``), NeoMME's and Nemotron 3 Diarization's
    (``_loops_and_transcribers``), the speech synthesizers' and audio/vision-text towers' (VITS,
    FastSpeech2-Conformer, CLAP, CLVP, BridgeTower: ``_speech_and_towers``), EfficientLoFTR's BatchNorm scales
    N(0, initializer_range^2), RT-DETR's ResNet backbone's ResNet init, BLT's truncated normals (``_blt``), RWKV's
    orthogonal weights and per-layer time tables (``_rwkv``), xLSTM's small init, Wang's output layers and gates
    (``_xlstm``), DAC's, EnCodec's, X-Codec's, Pocket-TTS's, PatchTST's and PatchTSMixer's (``_codecs_and_series``),
    HunYuan-VL's merger tokens N(0, 1/text_hidden_size), and the sinusoidal position tables of Whisper's encoder, of
    FSMT (the padding row zero), of DistilBERT with ``sinusoidal_pos_embds`` and of XLM and FlauBERT with
    ``sinusoidal_embeddings``, TAPAS's cell-selection weights zeros with ``init_cell_selection_weights_to_zero``,
    nanochat's attention output N(0, initializer_range^2 / (2 L)), Youtu's embeddings N(0,
    embedding_initializer_range^2), AFMoE's router gates zeros, ModernBERT's and its decoder's weights cut at
    +-``initializer_cutoff_factor`` std (output projections by 1/sqrt(2 L)), T5Gemma's and T5Gemma 2's classifier output
    N(0, initializer_range^2 / num_labels), TIPSv2's vision tower's truncated linear and conv weights (its tokens and
    layer scales as DINOv2's, by class, in every model; ViT-MAE's, VideoMAE's and Evolla's own tensors: ``_EXTRAS``). A
    model that holds sub-models (LLaVA, BLIP-2, SAM) is initialized by transformers with each sub-model's own config:
    ``hf_model(model)`` says so.

    Args:
        initializer_range: the std of the normal draws, a finite number > 0, or None: ``config``'s
            ``initializer_range``, else its ``init_std`` (OPT's name), else its ``initializer_factor``, else its
            ``text_config``'s, else 0.02 (as ``_init_weights`` reads them).
        config: a Hugging Face config object (read by attribute) or a dict with the family's names, read for
            each hyper-parameter not given as a keyword (a dict with a ``model_type``, as ``to_dict()`` gives it,
            as the object: Whisper's ``num_hidden_layers`` from its ``encoder_layers``); None (the default): every
            default applies. Applied to a Hugging Face model whose own config would change its values, that plan
            warns; it warns too where the model's ``model_type`` (else ``config``'s) is one that transformers
            knows but no check built (no ``AutoModel`` nor causal-LM entry, not held by one, no family's rules
            here: Pix2Struct, EoMT), whose own ``_init_weights`` may differ with no tensor UNMATCHED.

    Returns:
        The ``Plan`` named "hf".
        Its rules are quiet: one that matches nothing in a model gives no warning.

    Raises:
        TypeError: ``config`` is neither a dict nor an object with attributes, or its layer scale
            (``layerscale_value``, ``layer_scale_init_value``) or a time-step value is not a real number.
        ValueError: ``initializer_range`` (given or read from ``config``) is not a finite number > 0 (a string or a
            bool included), the layer scale is not finite, or the time steps are not numbers > 0 with
            ``time_step_min < time_step_max``.

    Examples:
        >>> import torch
        >>> import unifiedinit as ui
        >>> plan = ui.presets.hf(0.01)
        >>> str(plan).splitlines()[0]
        "Plan 'hf' (the last matching rule wins):"
        >>> model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.LayerNorm(8))
        >>> [(e.param.path, e.spec) for e in ui.inspect(model, plan).entries]
        [('0/weight', Normal(mean=0.0, std=0.01)), ('0/bias', Zeros()), ('1/weight', Ones()), ('1/bias', Zeros())]
        >>> ui.presets.hf(config={"initializer_range": 0.05}).rules[0].spec
        Normal(mean=0.0, std=0.05)
    """
    std = _base_std("hf", config, initializer_range)
    return _from(_quiet(_family_overrides(_hf_base(std, "hf"), std, "hf", config), "hf"), hf, config,
                 initializer_range=initializer_range)


def bert(initializer_range: float | None = None, *, config: Any = None) -> Plan:
    """BERT (and RoBERTa, ELECTRA...): Hugging Face's base recipe (``hf``) with std ``initializer_range``.

    Args:
        initializer_range: the std of the normal draws, a finite number > 0, or None: ``config``'s
            ``initializer_range`` (``BertConfig``'s name), else 0.02.
        config: a Hugging Face config object (read by attribute) or a dict with the family's names, read for
            each hyper-parameter not given as a keyword; None (the default): every default applies.
            Applied to a Hugging Face model whose own config would change its values, that plan warns.

    Returns:
        The ``Plan`` named "bert", the rules of ``hf``.
        Its rules are quiet: one that matches nothing in a model gives no warning.

    Raises:
        TypeError: ``config`` is neither a dict nor an object with attributes.
        ValueError: ``initializer_range`` (given or read from ``config``) is not a finite number > 0.

    Examples:
        >>> import unifiedinit as ui
        >>> class BertConfig:  # stands for transformers.BertConfig: only its attributes are read
        ...     initializer_range = 0.05
        >>> plan = ui.presets.bert(config=BertConfig())
        >>> str(plan).splitlines()[0]
        "Plan 'bert' (the last matching rule wins):"
        >>> plan.rules[0].spec
        Normal(mean=0.0, std=0.05)
        >>> ui.presets.bert(0.01, config=BertConfig()).rules[0].spec  # a keyword given wins over the config
        Normal(mean=0.0, std=0.01)
    """
    std = _read("bert", config, initializer_range=(initializer_range, 0.02))["initializer_range"]
    return _from(_quiet(_family_overrides(_hf_base(std, "bert"), std, "bert", config), "bert"), bert, config,
                 initializer_range=initializer_range)


def llama(initializer_range: float | None = None, *, config: Any = None) -> Plan:
    """Llama (Mistral, Qwen2...): Hugging Face's base recipe (``hf``); RMSNorm scales ones.

    Args:
        initializer_range: the std of the normal draws, a finite number > 0, or None: ``config``'s
            ``initializer_range`` (``LlamaConfig``'s name), else 0.02.
        config: a Hugging Face config object (read by attribute) or a dict with the family's names, read for
            each hyper-parameter not given as a keyword; None (the default): every default applies.
            Applied to a Hugging Face model whose own config would change its values, that plan warns.

    Returns:
        The ``Plan`` named "llama", the rules of ``hf``.
        Its rules are quiet: one that matches nothing in a model gives no warning.

    Raises:
        TypeError: ``config`` is neither a dict nor an object with attributes.
        ValueError: ``initializer_range`` (given or read from ``config``) is not a finite number > 0.

    Examples:
        >>> import torch
        >>> import unifiedinit as ui
        >>> plan = ui.presets.llama(config={"initializer_range": 0.02, "hidden_size": 8})
        >>> model = torch.nn.ModuleDict({"q_proj": torch.nn.Linear(8, 8, bias=False), "norm": torch.nn.LayerNorm(8)})
        >>> [(e.param.path, e.spec) for e in ui.inspect(model, plan).entries]
        [('q_proj/weight', Normal(mean=0.0, std=0.02)), ('norm/weight', Ones()), ('norm/bias', Zeros())]
    """
    std = _read("llama", config, initializer_range=(initializer_range, 0.02))["initializer_range"]
    return _from(_quiet(_family_overrides(_hf_base(std, "llama"), std, "llama", config), "llama"), llama, config,
                 initializer_range=initializer_range)


def gpt2(initializer_range: float | None = None, n_layer: int | None = None, *, config: Any = None) -> Plan:
    """GPT-2: the base recipe (``hf``), and the residual projections scaled (GPT-2 paper, Megatron-LM).

    The ``*c_proj*`` weights (the output projections of attention and MLP) are N(0, (initializer_range /
    sqrt(2 n_layer))^2); the rest is Hugging Face's base recipe with std ``initializer_range``, transformers'
    ``Conv1D`` layers included (GPT-2 redraws them). ImageGPT and the Decision Transformer (a ``config`` whose
    ``model_type`` says so) redraw only ``c_proj``: their other ``Conv1D`` weights keep N(0, 0.02^2), as ``hf``.

    Args:
        initializer_range: the std of the normal draws, a finite number > 0, or None: ``config``'s
            ``initializer_range``, else 0.02.
        n_layer: the number of transformer blocks, an int > 0, or None: ``config``'s ``n_layer``, else 12.
        config: a Hugging Face config object (read by attribute) or a dict with the family's names, read for
            each hyper-parameter not given as a keyword; None (the default): every default applies.
            Applied to a Hugging Face model whose own config would change its values, that plan warns.

    Returns:
        The ``Plan`` named "gpt2": the rules of ``hf`` and one for ``*c_proj*`` dense weights.
        Its rules are quiet: one that matches nothing in a model gives no warning.

    Raises:
        TypeError: ``config`` is neither a dict nor an object with attributes, or ``n_layer`` is not an integer.
        ValueError: ``initializer_range`` (given or read from ``config``) is not a finite number > 0, or ``n_layer``
            is < 1.

    Examples:
        >>> import torch
        >>> import unifiedinit as ui
        >>> mlp = torch.nn.ModuleDict({"c_fc": torch.nn.Linear(4, 8), "c_proj": torch.nn.Linear(8, 4)})
        >>> report = ui.inspect(mlp, ui.presets.gpt2(n_layer=2))
        >>> [(e.param.path, e.spec) for e in report.entries if e.param.role == "weight"]
        [('c_fc/weight', Normal(mean=0.0, std=0.02)), ('c_proj/weight', Normal(mean=0.0, std=0.01))]
    """
    h = _read("gpt2", config, initializer_range=(initializer_range, 0.02), n_layer=(n_layer, 12))
    std = h["initializer_range"]
    plan = _family_overrides(_hf_base(std, "gpt2"), std, "gpt2", config)
    if config is None or _get(config, "model_type") not in ("imagegpt", "decision_transformer"):
        # GPT-2 redraws its Conv1D layers; its copies in ImageGPT and the Decision Transformer redraw c_proj only
        plan = plan.rule(Normal(0.0, std), kind="dense", role="weight", layer="Conv1D")
    # a conv too: OpenAI's GPT-2, and ports of it, write c_fc and c_proj as 1 x 1 convolutions
    plan = plan.rule(Normal(0.0, std / math.sqrt(2 * h["n_layer"])), kind=("dense", "conv"), role="weight",
                     path="*c_proj*")
    return _from(_quiet(plan, "gpt2"), gpt2, config, initializer_range=initializer_range, n_layer=n_layer)


def vit(initializer_range: float | None = None, *, config: Any = None) -> Plan:
    """ViT: the base recipe (``hf``), with the position embeddings and tokens of its own.

    Position embeddings (``*position_embeddings*``) and the [CLS] token (``*cls_token*``) are truncated
    N(0, initializer_range^2) cut at -2 and 2 (absolute bounds, as torch's ``trunc_normal_``); the mask token
    (``*mask_token*``) is zero.

    Args:
        initializer_range: the std of the normal draws, a finite number > 0, or None: ``config``'s
            ``initializer_range``, else 0.02.
        config: a Hugging Face config object (read by attribute) or a dict with the family's names, read for
            each hyper-parameter not given as a keyword; None (the default): every default applies.
            Applied to a Hugging Face model whose own config would change its values, that plan warns.

    Returns:
        The ``Plan`` named "vit": the rules of ``hf`` and three path rules.
        Its rules are quiet: one that matches nothing in a model gives no warning.

    Raises:
        TypeError: ``config`` is neither a dict nor an object with attributes.
        ValueError: ``initializer_range`` (given or read from ``config``) is not a finite number > 0.

    Examples:
        >>> import unifiedinit as ui
        >>> plan = ui.presets.vit()
        >>> for rule in plan.rules:
        ...     if rule.select.path in ("*position_embeddings*", "*mask_token*"):
        ...         print(rule)
        path=*position_embeddings* -> TruncatedNormal(mean=0.0, std=0.02, low=-2.0, high=2.0)
        path=*mask_token* -> Zeros()
    """
    std = _read("vit", config, initializer_range=(initializer_range, 0.02))["initializer_range"]
    plan = (_hf_base(std, "vit")
            .rule(_torch_trunc(std), path="*position_embeddings*")
            .rule(_torch_trunc(std), path="*cls_token*")
            .rule(Zeros(), path="*mask_token*"))
    plan = _family_overrides(plan, std, "vit", config)
    if config is not None and _get(config, "model_type") in ("deit", "yolos", "swin"):
        # their embeddings' tensors are zeros (_ZERO_CLASSES, by class); on a port, which keeps the names only
        for name in ("cls_token", "distillation_token", "detection_tokens", "position_embeddings", "mask_token"):
            plan = plan.rule(Zeros(), path=f"*embeddings/{name}")
    return _from(_quiet(plan, "vit"), vit, config,
                 initializer_range=initializer_range)


#: transformers' ``lecun_normal_``: torch's ``trunc_normal_`` with std sqrt(1/fan_in) / 0.8796 and its default
#: absolute cut at +-2, which lies 2 x 0.8796 sqrt(fan_in) standard deviations out (10 at fan_in 32): in effect
#: an untruncated normal of variance 1 / (0.8796^2 fan_in), 1.29 times LeCun's
_HF_LECUN = 1 / 0.87962566103423978 ** 2


def _tower(config: Any, name: str) -> Any:
    """The sub-config ``name`` (``vision_config``) of a two-tower config, else the config itself (a tower's)."""
    if config is None:
        return None
    sub = _get(config, name)
    return config if sub is None else sub


def clip(initializer_factor: float | None = None, initializer_range: float | None = None,
         logit_scale_init_value: float | None = None, *, config: Any = None) -> Plan:
    """CLIP (and MetaCLIP 2, and the CLIP-likes): transformers' ``CLIPPreTrainedModel._init_weights``, OpenAI's init.

    ``hf_model`` uses it for the families whose ``_init_weights`` is CLIP's class for class: Chinese-CLIP and
    AltCLIP (their BERT and XLM-R text towers get ``hf`` with their own configs), OWL-ViT, OWLv2, X-CLIP, CLIPSeg,
    MLCD, GroupViT's text tower and Kosmos-2's vision tower.

    With f = ``initializer_factor`` and, in each tower, E its width (a layer's fan) and L its number of layers
    (read from the path, ``encoder/layers/3``, or a scanned stack's axis, as ``ui.Scaled`` does):

    - the text tower's token and position embeddings N(0, (0.02 f)^2) (no padding row);
    - the vision tower's patch embedding and position embedding N(0, (initializer_range f)^2), its
      ``class_embedding`` N(0, f^2 / E);
    - attention q, k, v N(0, f^2 / (2 L E)) and ``out_proj`` N(0, f^2 / E);
    - the MLP's ``fc1`` N(0, f^2 / (2 E)) and ``fc2`` N(0, f^2 / (2 L E));
    - ``text_projection``, ``visual_projection`` and an image classifier's ``classifier`` N(0, f^2 / fan_in);
    - biases 0, norms 1/0, ``logit_scale`` ``logit_scale_init_value`` (log(1 / 0.07));
    - X-CLIP's cross-frame ``message_attn`` as the attention, its ``prompts_visual_projection`` N(0, f^2 / E) (E
      its first axis, the vision width), ``mit/position_embedding`` N(0, f^2), ``prompts_generator/alpha``
      ``prompt_alpha`` (0.1);
    - CLIPSeg's decoder layers as the attention and MLP above with the top factor and L the vision tower's depth
      (they hold a copy of the vision config), MLCD's rotary ``class_pos_emb`` (1, head_dim / 2)
      N(0, f^2 / (head_dim / 2));
    - any other weight N(0, s^2), s transformers' base std: with ``config``, its ``initializer_range``, else f
      (CLIP's and OWL-ViT's top configs have no range: OWL-ViT's box and class heads are N(0, f^2)); without,
      ``initializer_range``.

    Args:
        initializer_factor: f, a finite number > 0, or None: ``config``'s, else 1.0.
        initializer_range: the vision embeddings' std before f, a finite number > 0, or None: the vision tower
            config's (``config.vision_config``, else ``config``), else 0.02.
        logit_scale_init_value: the logit scale's start, a finite number, or None: ``config``'s, else 2.6592.
        config: a Hugging Face config object (``CLIPConfig``, ``CLIPTextConfig``, ``CLIPVisionConfig``; read by
            attribute) or a dict with the family's names, read for each hyper-parameter not given as a keyword;
            None (the default): every default applies.
            Applied to a Hugging Face model whose own config would change its values, that plan warns.

    Returns:
        The ``Plan`` named "clip". Its rules are quiet: one that matches nothing in a model gives no warning.

    Raises:
        TypeError: ``config`` is neither a dict nor an object with attributes, or ``logit_scale_init_value`` or
            the config's ``prompt_alpha`` is not a real number.
        ValueError: ``initializer_factor`` or ``initializer_range`` is not a finite number > 0, or
            ``logit_scale_init_value`` or the config's ``prompt_alpha`` (X-CLIP's) is not a finite number.

    Examples:
        >>> import torch
        >>> import unifiedinit as ui
        >>> def layer():
        ...     return torch.nn.ModuleDict({"self_attn": torch.nn.ModuleDict({"q_proj": torch.nn.Linear(64, 64)})})
        >>> model = torch.nn.ModuleDict({"layers": torch.nn.ModuleList([layer(), layer()])})   # E = 64, L = 2
        >>> entry = ui.inspect(model, ui.presets.clip()).entries[0]
        >>> entry.param.path, entry.spec.factor  # its std: f / sqrt(2 L E)
        ('layers/0/self_attn/q_proj/weight', '1 / sqrt(2 * L * fan_in)')
        >>> entry.spec.value(entry.param.info())  # 1 / sqrt(2 * 2 * 64) for f = 1
        0.0625
    """
    vision = _tower(config, "vision_config")
    f = _read("clip", config, initializer_factor=(initializer_factor, 1.0))["initializer_factor"]
    r = _read("clip", vision, initializer_range=(initializer_range, 0.02))["initializer_range"]
    scale = logit_scale_init_value
    if scale is None and config is not None:
        scale = _get(config, "logit_scale_init_value")
    scale = v.real("presets.clip", "logit_scale_init_value", 2.6592 if scale is None else scale)
    alpha = v.real("presets.clip", "prompt_alpha", 0.1 if config is None or _get(config, "prompt_alpha") is None
                   else _get(config, "prompt_alpha"))
    dense: dict[str, Any] = {"kind": "dense", "role": "weight"}
    # a vision tower built alone (CLIPVisionModel) has no vision_model level on its paths
    alone = config is not None and _get(config, "vision_config") is None and _get(config, "image_size") is not None
    # what no rule below selects (OWL-ViT's box and class heads) gets the base init of the config (of f where it
    # has no initializer_range, as CLIP's and OWL-ViT's top configs)
    plan = _base(r if config is None else _base_std("clip", config, None, f), "clip")
    # each tower is a PreTrainedModel of its own, initialized with its own config's factor
    towers = [("", f)] + [(f"*{name}_model/", _read("clip", _tower(config, f"{name}_config"), initializer_factor=(
        initializer_factor, f))["initializer_factor"]) for name in ("text", "vision")]
    for prefix, g in towers:
        if prefix and g == f:
            continue
        plan = plan.rule(Normal(0.0, 0.02 * g), kind="embedding", role="embedding", path=f"{prefix}*")
        if "text" not in prefix:
            plan = plan.rule(Normal(0.0, r * g), kind=("embedding", "conv"), role=("embedding", "weight"),
                             path="*" if alone else "*vision_model/*")
        plan = (plan.rule(VarianceScaling(g * g, "fan_in", "normal"), path=f"{prefix}*class_embedding")
                .rule(Scaled(Normal(0.0, g), "1 / sqrt(2 * L * fan_in)"), path=f"{prefix}*self_attn/[qkv]_proj/*",
                      **dense)
                .rule(VarianceScaling(g * g, "fan_in", "normal"), path=f"{prefix}*self_attn/out_proj/*", **dense)
                .rule(VarianceScaling(g * g / 2, "fan_in", "normal"), path=f"{prefix}*mlp/fc1/*", **dense)
                .rule(Scaled(Normal(0.0, g), "1 / sqrt(2 * L * fan_out)"), path=f"{prefix}*mlp/fc2/*", **dense)
                # X-CLIP's cross-frame attention, CLIP's attention class under another name
                .rule(Scaled(Normal(0.0, g), "1 / sqrt(2 * L * fan_in)"), path=f"{prefix}*message_attn/[qkv]_proj/*",
                      **dense)
                .rule(VarianceScaling(g * g, "fan_in", "normal"), path=f"{prefix}*message_attn/out_proj/*", **dense))
    plan = (plan.rule(VarianceScaling(f * f, "fan_in", "normal"), path="*text_projection/*", **dense)
            .rule(VarianceScaling(f * f, "fan_in", "normal"), path="*visual_projection/*", **dense)
            .rule(VarianceScaling(f * f, "fan_in", "normal"), path="*classifier/*", **dense)
            .rule(Constant(scale), path="*logit_scale")
            # X-CLIP's video parts: the prompt projection (vision width x projection) N(0, f^2 / vision width), the
            # frame integration's position table N(0, f^2), the prompt generator's alpha its constructor's constant
            .rule(VarianceScaling(f * f, "fan_out", "normal"), path="prompts_visual_projection")
            .rule(Normal(0.0, f), path="mit/position_embedding")
            .rule(Constant(alpha), path="prompts_generator/alpha")
            # MLCD's rotary class position, (1, head_dim / 2): N(0, f^2 / (head_dim / 2)), torch's fan_in of it
            .rule(VarianceScaling(f * f, "fan_in", "normal"), layer="MLCDVisionModel", path="*class_pos_emb",
                  fans="tensor", layout="torch"))
    if config is not None and _get(config, "model_type") == "clipseg":
        # CLIPSeg's decoder: CLIP's attention and MLP at the top factor, L the vision tower's depth (its layers hold a
        # copy of the vision config), not the number of decoder layers its path would give
        depth = int(_number("clip", vision, ("num_hidden_layers",), 12, _count))
        plan = _rules(_rules(plan, Scaled(Normal(0.0, f), "1 / sqrt(2 * L * fan_in)"),
                             "*decoder/layers/*/self_attn/[qkv]_proj/*", num_layers=depth, **dense),
                      Scaled(Normal(0.0, f), "1 / sqrt(2 * L * fan_out)"), "*decoder/layers/*/mlp/fc2/*",
                      num_layers=depth, **dense)
    return _from(_quiet(plan, "clip"), clip, config, initializer_factor=initializer_factor,
                 initializer_range=initializer_range, logit_scale_init_value=logit_scale_init_value)


def siglip(initializer_factor: float | None = None, *, config: Any = None) -> Plan:
    """SigLIP and SigLIP 2: transformers' ``SiglipPreTrainedModel._init_weights``, big_vision's init.

    - Every other linear and conv weight (the patch embedding, the text ``head``, the pooling attention's
      ``out_proj``) LeCun-normal as transformers writes it: N(0, 1 / (0.8796^2 fan_in)) (its ``lecun_normal_``
      passes the truncated normal's std to torch's ``trunc_normal_``, whose cut stays at +-2 absolute, ten or
      more standard deviations out for any fan_in >= 32), biases 0;
    - attention q, k, v, out and the MLP's ``fc1``, ``fc2`` Xavier-uniform, the MLP's biases N(0, 1e-12);
    - embeddings (tokens, text and image positions) N(0, 1 / dim), Flax's ``default_embed_init``;
    - the pooling head's ``probe`` (1, 1, E) and its attention's in-projection Xavier-uniform (torch's fans of the
      stored tensor), that in-projection's bias 0;
    - norms 1/0, ``logit_scale`` and ``logit_bias`` 0, an image classifier's ``classifier``
      N(0, f^2 / fan_in) (f = ``initializer_factor``).
    - Phi-4 multimodal's vision tower (``model_type`` "phi4_multimodal_vision", ``hf_model`` gives it this recipe),
      SigLIP's copy: its attention, MLP, probe and pooling in-projection weights N(0, 1), as its code says.

    Args:
        initializer_factor: f, a finite number > 0, or None: ``config``'s, else 1.0.
        config: a Hugging Face config object (``SiglipConfig``, ``Siglip2Config`` or a tower's; read by
            attribute) or a dict with the family's names, read for each hyper-parameter not given as a keyword;
            None (the default): every default applies.
            Applied to a Hugging Face model whose own config would change its values, that plan warns.

    Returns:
        The ``Plan`` named "siglip". Its rules are quiet: one that matches nothing in a model gives no warning.

    Raises:
        TypeError: ``config`` is neither a dict nor an object with attributes.
        ValueError: ``initializer_factor`` is not a finite number > 0.

    Examples:
        >>> import torch
        >>> import unifiedinit as ui
        >>> mlp = torch.nn.ModuleDict({"fc1": torch.nn.Linear(4, 8), "fc2": torch.nn.Linear(8, 4)})
        >>> model = torch.nn.ModuleDict({"mlp": mlp, "head": torch.nn.Linear(4, 2)})
        >>> [(e.param.path, e.spec) for e in ui.inspect(model, ui.presets.siglip()).entries][:2]
        [('mlp/fc1/weight', XavierUniform(gain=1.0)), ('mlp/fc1/bias', Normal(mean=0.0, std=1e-06))]
    """
    f = _read("siglip", config, initializer_factor=(initializer_factor, 1.0))["initializer_factor"]
    plan = (_base(1.0, "siglip")
            .rule(VarianceScaling(_HF_LECUN, "fan_in", "normal"), kind=_LAYERS + ("attention",), role="weight")
            .rule(VarianceScaling(1.0, "fan_out", "normal"), kind="embedding", role="embedding")
            .rule(XavierUniform(), kind="dense", role="weight", path="*self_attn/*")
            .rule(XavierUniform(), kind="dense", role="weight", path="*mlp/fc[12]/*")
            .rule(Normal(0.0, 1e-6), kind="dense", role="bias", path="*mlp/fc[12]/*")
            .rule(XavierUniform(), path="*probe", fans="tensor", layout="torch")
            .rule(XavierUniform(), kind="attention", role="weight", framework_layer="MultiheadAttention")
            .rule(Zeros(), path="*logit_scale")
            .rule(Zeros(), path="*logit_bias")
            .rule(VarianceScaling(f * f, "fan_in", "normal"), path="*classifier/*", kind="dense", role="weight"))
    if config is not None and _get(config, "model_type") == "phi4_multimodal_vision":  # SigLIP's copy in Phi-4
        unit = Normal(0.0, 1.0)  # its _init_weights calls init.normal_ where SigLIP's calls xavier_uniform_
        plan = (plan.rule(unit, kind="dense", role="weight", path="*self_attn/*")
                .rule(unit, kind="dense", role="weight", path="*mlp/fc[12]/*").rule(unit, path="*probe")
                .rule(unit, kind="attention", role="weight", framework_layer="MultiheadAttention"))
    return _from(_quiet(plan, "siglip"), siglip, config, initializer_factor=initializer_factor)


def t5(initializer_factor: float | None = None, d_model: int | None = None, d_kv: int | None = None, *,
       config: Any = None) -> Plan:
    """T5: Mesh TensorFlow's fan scaling with ``initializer_factor`` f.

    Every projection is N(0, f^2 / fan_in) (k, v and wi: d_model; o: heads x d_kv; wo: d_ff), and q
    (``*/q/*``) N(0, f^2 / (d_model d_kv)). The shared embedding and an untied ``lm_head`` are N(0, f^2), the relative
    attention bias N(0, f^2 / d_model), the T5LayerNorm scales f, biases zero. Switch Transformers (the same init)
    redraws each expert's ``wo`` N(0, f^2 / d_model) and its router N(0, f^2); UDOP (the same init, ``hf_model``
    gives it this recipe) draws its patch embeddings' conv weights truncated N(0, f^2) at +-2 (torch's absolute
    cut).

    Args:
        initializer_factor: f, a finite number > 0, or None: ``config``'s ``initializer_factor``, else 1.
        d_model: the model width, an int > 0, or None: ``config``'s ``d_model``, else 512 (read only by the
            relative attention bias; the projections take their own fan_in).
        d_kv: the width of one attention head, an int > 0, or None: ``config``'s ``d_kv``, else 64.
        config: a Hugging Face config object (read by attribute) or a dict with the family's names, read for
            each hyper-parameter not given as a keyword; None (the default): every default applies.
            Applied to a Hugging Face model whose own config would change its values, that plan warns.

    Returns:
        The ``Plan`` named "t5".
        Its rules are quiet: one that matches nothing in a model gives no warning.

    Raises:
        TypeError: ``config`` is neither a dict nor an object with attributes, or ``d_model`` or ``d_kv`` is not an
            integer.
        ValueError: ``initializer_factor`` (given or read from ``config``) is not a finite number > 0, or ``d_model``
            or ``d_kv`` is < 1.

    Examples:
        >>> import torch
        >>> import unifiedinit as ui
        >>> heads = torch.nn.ModuleDict({"q": torch.nn.Linear(4, 4, bias=False),
        ...                              "k": torch.nn.Linear(4, 4, bias=False)})
        >>> report = ui.inspect(torch.nn.ModuleDict({"attn": heads}), ui.presets.t5(d_kv=4))
        >>> [(e.param.path, e.spec.scale) for e in report.entries]  # f^2 / (fan_in d_kv) for q, f^2 / fan_in for k
        [('attn/q/weight', 0.25), ('attn/k/weight', 1.0)]
    """
    h = _read("t5", config, initializer_factor=(initializer_factor, 1.0), d_model=(d_model, 512), d_kv=(d_kv, 64))
    f, dm, dkv = h["initializer_factor"], h["d_model"], h["d_kv"]
    plan = (Plan(name="t5")
            .rule(VarianceScaling(f * f, "fan_in", "normal"), kind="dense", role="weight")
            .rule(VarianceScaling(f * f / dkv, "fan_in", "normal"), kind="dense", role="weight", path="*/q/*")
            .rule(Normal(0.0, f), kind="dense", role="weight", path="*lm_head*")
            .rule(Normal(0.0, f), kind="dense", role="weight", path="*classifier/*")  # T5ForTokenClassification
            # Switch Transformers: the sparse MLP redraws each expert's wo by d_model (fan out), its router N(0, f^2)
            .rule(VarianceScaling(f * f, "fan_out", "normal"), kind="dense", role="weight", path="*/experts/*/wo/*")
            .rule(VarianceScaling(f * f, "fan_out", "normal"), kind="dense", role="weight", path="*/experts/wo/*")
            .rule(Normal(0.0, f), kind="dense", role="weight", path="*/router/classifier/*")
            # UDOP's patch embeddings: torch's trunc_normal_(std=f), cut at +-2 absolute
            .rule(_torch_trunc(f), kind="conv", role="weight")
            .rule(Zeros(), role="bias")
            .rule(Rows(Normal(0.0, f)), kind="embedding", role="embedding")
            .rule(Normal(0.0, f / math.sqrt(dm)), kind="embedding", role="embedding", path="*relative_attention_bias*")
            .rule(Constant(f), kind="norm", role="scale")
            .rule(Zeros(), kind="norm", role="shift"))
    return _from(_quiet(plan, "t5"), t5, config, initializer_factor=initializer_factor, d_model=d_model,
                 d_kv=d_kv)


#: the recipe of each model_type whose family's ``_init_weights`` departs from the base one beyond what ``hf``'s
#: class rules say (else ``hf``)
_RECIPE_OF = {**dict.fromkeys(("gpt2", "gpt_bigcode", "imagegpt", "decision_transformer"), "gpt2"),
              **dict.fromkeys(("t5", "mt5", "umt5", "longt5", "switch_transformers", "udop", "pop2piano"), "t5"),
              **dict.fromkeys(("vit", "deit", "swin", "yolos", "dinov2"), "vit"),
              # the CLIP-likes (their _init_weights is CLIP's, class for class); Chinese-CLIP's and AltCLIP's text
              # towers are BERT and XLM-R, left to hf
              **dict.fromkeys(("clip", "clip_text_model", "clip_vision_model", "metaclip_2", "metaclip_2_text_model",
                               "metaclip_2_vision_model", "chinese_clip", "chinese_clip_vision_model", "altclip",
                               "altclip_vision_model", "owlvit", "owlvit_text_model", "owlvit_vision_model", "owlv2",
                               "owlv2_text_model", "owlv2_vision_model", "xclip", "xclip_text_model",
                               "xclip_vision_model", "clipseg", "clipseg_text_model", "clipseg_vision_model",
                               "mlcd_vision_model", "groupvit_text_model", "kosmos_2_vision_model"), "clip"),
              **dict.fromkeys(("siglip", "siglip_text_model", "siglip_vision_model", "siglip2", "siglip2_text_model",
                               "siglip2_vision_model", "phi4_multimodal_vision"), "siglip")}


def _within(plan: Plan, prefix: str) -> Plan:
    """``plan``'s rules, each limited to the parameters under the module path ``prefix``."""
    import dataclasses
    import glob
    head = glob.escape(prefix) + "/"  # a glob that matches the prefix itself only
    return Plan([dataclasses.replace(r, select=dataclasses.replace(r.select, path=head + (r.select.path or "*")))
                 for r in plan.rules], plan.name)


def hf_model(model: Any) -> Plan:
    """transformers' own initialization of ``model``, a Hugging Face model, its sub-models included.

    transformers initializes every sub-model (a ``PreTrainedModel`` inside the model: LLaVA's CLIP vision tower
    and its language model, BLIP-2's vision model, Q-Former and language model, SAM's vision encoder) by that
    sub-model's own class with its own config: its own ``initializer_range`` (BLIP's, BLIP-2's and SAM's vision
    configs say 1e-10), its own family's rules (CLIP's inside LLaVA). ``hf(config=model.config)`` reads the top
    config only. This plan is the recipe of the model's own config (``hf``, or its family's: ``gpt2``, ``t5``,
    ``vit``, ``clip``, ``siglip`` by ``model_type``; ``gpt2`` for ImageGPT and the Decision Transformer too;
    ``clip`` for the CLIP-likes: Chinese-CLIP, AltCLIP, OWL-ViT, OWLv2, X-CLIP, CLIPSeg, MLCD, GroupViT's text and
    Kosmos-2's vision towers; ``t5`` for UDOP and Pop2Piano), then, for each sub-model whose
    config is not its parent's,
    the recipe of that config with its rules limited to the sub-model's path; a deeper sub-model's rules come
    later and win there. The rules select by path, so the plan applies as well to a port that keeps the model's
    module names. It warns where the model's ``model_type`` is one that transformers knows but no check built: no
    ``AutoModel`` nor causal-LM entry, not a sub-model one of those holds, no family's rules here (Pix2Struct,
    EoMT): its own ``_init_weights`` may differ from this plan with no tensor UNMATCHED.

    Args:
        model: a Hugging Face torch model: an ``nn.Module`` with a ``config`` that names its ``model_type``.

    Returns:
        The ``Plan`` named "hf_model"; its rules are quiet.

    Raises:
        TypeError: ``model`` is not a torch module with a Hugging Face config.
        ValueError: a config holds a value its recipe refuses (as ``hf`` raises).

    Examples:
        >>> import transformers
        >>> import unifiedinit as ui
        >>> config = transformers.Blip2Config(vision_config=dict(hidden_size=32, intermediate_size=64,
        ...     num_hidden_layers=1, num_attention_heads=2, image_size=16, patch_size=8),
        ...     qformer_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
        ...     encoder_hidden_size=32), text_config=dict(model_type="opt", hidden_size=32, ffn_dim=64,
        ...     num_hidden_layers=1, num_attention_heads=2, vocab_size=100, word_embed_proj_dim=32), num_query_tokens=4)
        >>> model = transformers.Blip2Model(config)
        >>> specs = {e.param.path: e.spec for e in ui.inspect(model, ui.presets.hf_model(model)).entries}
        >>> specs["vision_model/encoder/layers/0/mlp/fc1/weight"]  # BlipVisionConfig's own initializer_range
        Normal(mean=0.0, std=1e-10)
        >>> specs["qformer/encoder/layer/0/attention/attention/query/weight"]  # the Q-Former config's
        Normal(mean=0.0, std=0.02)
    """
    model = _unwrapped(model)
    config = _hf_config(model)
    if config is None:
        raise TypeError(f"presets.hf_model: parameter 'model' must be a Hugging Face torch model (an nn.Module "
                        f"whose config names its model_type), got {type(model).__name__}")
    plan = _recipe_of(config)
    for path, sub in _sub_models(model):
        plan = plan + _within(_recipe_of(sub), path)
    _unchecked_family("hf_model", config.model_type, 3)
    return _quiet(plan, "hf_model")


def _recipe_of(config: Any) -> Plan:
    """The recipe of a Hugging Face config: its family's where its ``model_type`` names one, else ``hf``."""
    families: dict[str, Callable[..., Plan]] = {"hf": hf, "gpt2": gpt2, "t5": t5, "vit": vit, "clip": clip,
                                               "siglip": siglip}
    return families[_RECIPE_OF.get(_get(config, "model_type"), "hf")](config=config)


def _unwrapped(model: Any) -> Any:
    """``model`` inside torch's wrappers (``torch.compile``'s, ``DataParallel``'s, DDP's), whose config and
    sub-models a plan's keys name, as the torch walk unwraps it; any other model as it is."""
    torch = sys.modules.get("torch")
    if torch is None or not isinstance(model, torch.nn.Module):
        return model
    from .backends.torch.model import unwrapped
    return unwrapped(model)


def _hf_config(model: Any) -> Any:
    """The config of a Hugging Face torch model (a module whose ``config`` names its ``model_type``), else None."""
    config = getattr(model, "config", None)
    if not callable(getattr(model, "named_modules", None)) or not isinstance(getattr(config, "model_type", None), str):
        return None
    return config


def _sub_models(model: Any) -> list[tuple[str, Any]]:
    """The sub-models of a Hugging Face torch model (the modules with an ``_init_weights`` and a config that names
    its ``model_type``), as (path, config), outer ones first, without those that share their parent's config (a
    head's own base model); none for a model of another kind."""
    config = _hf_config(model)
    # sub_configs: transformers' own list, empty where a config holds none (Llama's): no module walk there
    if config is None or getattr(config, "sub_configs", None) == {}:
        return []
    owners: dict[str, Any] = {"": config}  # module path -> the config of the sub-model that holds it
    found: list[tuple[str, Any]] = []
    modules: list[tuple[str, Any]] = list(model.named_modules())
    for name, module in modules:  # the class first: a torch module's own attribute lookup is slow where it misses
        cls: Any = module.__class__
        if not name or not callable(getattr(cls, "_init_weights", None)):
            continue
        sub = getattr(module, "config", None)
        if not isinstance(getattr(sub, "model_type", None), str):
            continue
        path = name.replace(".", "/")
        parent = max((p for p in owners if not p or path.startswith(p + "/")), key=len)
        if sub is not owners[parent]:
            owners[path] = sub
            found.append((path, sub))
    return found


def torchtitan(depth_init: bool = True) -> Plan:
    """torchtitan's Llama 3 (``Transformer.init_weights``).

    Token embeddings N(0, 1); ``wq``, ``wk``, ``wv``, ``w1`` truncated N(0, 0.02^2) (torch's absolute bounds +-2);
    the residual outputs ``wo``, ``w2``, ``w3`` the same scaled by 1/sqrt(2 (l + 1)) in block l
    (``depth_init=True``) or 1/sqrt(2 L) (L blocks); RMSNorm scales ones; the ``output`` head truncated
    N(0, 1/dim) cut at +-3 sigma (dim = its fan_in). Paths follow torchtitan's module names
    (``layers.<l>.attention.wo``, ``layers.<l>.feed_forward.w2``, ``output``).

    Args:
        depth_init: True (the default) to scale block l's residual outputs by 1/sqrt(2 (l + 1)), False to scale
            every block's by 1/sqrt(2 L).

    Returns:
        The ``Plan`` named "torchtitan".
        Its rules are quiet: one that matches nothing in a model gives no warning.

    Raises:
        TypeError: ``depth_init`` is not a bool.

    Examples:
        >>> import unifiedinit as ui
        >>> plan = ui.presets.torchtitan()
        >>> rule = plan.rules[-4]
        >>> rule.select.path, rule.spec.factor
        ('*attention/wo/*', '1 / sqrt(2 * (l + 1))')
        >>> ui.presets.torchtitan(depth_init=False).rules[-4].spec.factor
        '1 / sqrt(2 * L)'
    """
    if not isinstance(depth_init, bool):
        raise TypeError(f"presets.torchtitan: parameter 'depth_init' must be True or False, got {depth_init!r}")
    base = _torch_trunc(0.02)
    depth = "1 / sqrt(2 * (l + 1))" if depth_init else "1 / sqrt(2 * L)"
    plan = (_base(0.02, "torchtitan")
            .rule(base, kind="dense", role="weight")
            .rule(Normal(0.0, 1.0), kind="embedding", role="embedding")
            .rule(Scaled(base, depth), kind="dense", role="weight", path="*attention/wo/*")
            .rule(Scaled(base, depth), kind="dense", role="weight", path="*feed_forward/w2/*")
            .rule(Scaled(base, depth), kind="dense", role="weight", path="*feed_forward/w3/*")
            .rule(Scaled(_cut(1.0, 3.0), "1 / sqrt(fan_in)"), kind="dense", role="weight",
                  path="output/*"))
    return _quiet(plan, "torchtitan")


def megatron(init_method_std: float | None = None, num_layers: int | None = None, *, config: Any = None) -> Plan:
    """Megatron-LM (``init_method_normal`` / ``scaled_init_method_normal``).

    Every weight and embedding N(0, init_method_std^2) (default 0.02), biases zero, norms ones; the output layers
    of each block (attention ``linear_proj`` or ``dense``, MLP ``linear_fc2`` or ``dense_4h_to_h``)
    N(0, init_method_std^2 / (2 num_layers)). Without ``num_layers`` (neither given nor in ``config``) the number of
    blocks on the parameter's path is used (a ``ui.Scaled`` factor of ``L``).

    Args:
        init_method_std: the std of the normal draws, a finite number > 0, or None: ``config``'s
            ``init_method_std``, else 0.02.
        num_layers: the number of transformer blocks, an int > 0, or None: ``config``'s ``num_layers``, else the
            number of blocks found on each parameter's path.
        config: a Hugging Face config object (read by attribute) or a dict with the family's names, read for
            each hyper-parameter not given as a keyword; None (the default): every default applies.

    Returns:
        The ``Plan`` named "megatron".
        Its rules are quiet: one that matches nothing in a model gives no warning.

    Raises:
        TypeError: ``config`` is neither a dict nor an object with attributes, or ``num_layers`` is not an integer.
        ValueError: ``init_method_std`` (given or read from ``config``) is not a finite number > 0, or ``num_layers``
            is < 1.

    Examples:
        >>> import unifiedinit as ui
        >>> print(ui.presets.megatron(num_layers=8).rules[-4])
        kind=dense role=weight path=*linear_proj/* -> Normal(mean=0.0, std=0.005)
        >>> ui.presets.megatron().rules[-4].spec.factor  # no num_layers: L, counted on the path
        '1 / sqrt(2 * L)'
    """
    h = _read("megatron", config, init_method_std=(init_method_std, 0.02))
    std = h["init_method_std"]
    if num_layers is not None or (config is not None and _get(config, "num_layers") is not None):
        n = _read("megatron", config, num_layers=(num_layers, 1))["num_layers"]
        output: Any = Normal(0.0, std / math.sqrt(2 * n))
    else:
        output = Scaled(Normal(0.0, std), "1 / sqrt(2 * L)")
    plan = _base(std, "megatron")
    for path in ("*linear_proj/*", "*linear_fc2/*", "*attention/dense/*", "*dense_4h_to_h/*"):
        plan = plan.rule(output, kind="dense", role="weight", path=path)
    return _quiet(plan, "megatron")


OLMO_SCHEMES = ("mitchell", "normal", "full_megatron")


def olmo(init_fn: str | None = None, d_model: int | None = None, n_layers: int | None = None,
         init_std: float | None = None, init_cutoff_factor: float | None = None, emb_init_std: float | None = None,
         scale_emb_init: bool | None = None, *, config: Any = None) -> Plan:
    """AI2's OLMo (``olmo/model.py``), by its ``ModelConfig`` names.

    Every draw is N(0, std^2), cut at +-``init_cutoff_factor`` std when that is set (``init_normal``); biases zero,
    norms ones and zeros.

    - ``"mitchell"`` (the default): ``wte`` std ``emb_init_std`` or 1/sqrt(d_model); ``wpe``, the input projections
      ``att_proj``, ``ff_proj`` and the output head ``transformer.ff_out`` 1/sqrt(d_model); each block's
      ``attn_out`` and ``ff_out`` 1/sqrt(2 fan_in (l + 1)) in block l (fan_in: d_model and the MLP's hidden width);
      cut at +-3 std unless ``init_cutoff_factor`` says otherwise.
    - ``"normal"``: everything N(0, init_std^2) (``wte``: ``emb_init_std`` when set), cut only when
      ``init_cutoff_factor`` is set.
    - ``"full_megatron"``: input projections ``init_std``; block outputs init_std/sqrt(2 n_layers); ``wte``
      ``emb_init_std``, else init_std (x sqrt(d_model) with ``scale_emb_init``); ``wpe`` init_std; the head
      1/sqrt(d_model); cut at +-3 std unless ``init_cutoff_factor`` says otherwise.

    ``d_model`` defaults to each layer's own (a projection's fan_in, an embedding's width); without ``n_layers``
    the number of blocks on the path is used. Blocks are ``transformer.blocks.<l>`` (``block_group_size`` 1), or
    ``transformer.blocks`` stacked in one module (``nnx.vmap``, ``nn.scan``, ``eqx.filter_vmap``: each stacked
    block with its own l).
    Each hyper-parameter not given is read from ``config`` when it has it.

    Args:
        init_fn: the scheme, "mitchell", "normal" or "full_megatron" (or OLMo's ``InitFnType`` enum of one), or
            None: ``config``'s ``init_fn``, else "mitchell".
        d_model: the model width, an int > 0, or None: ``config``'s, else each layer's own.
        n_layers: the number of blocks, an int > 0, or None: ``config``'s, else the blocks found on the path
            (read by "full_megatron" only).
        init_std: the std of the "normal" and "full_megatron" schemes, a finite number > 0, or None: ``config``'s,
            else 0.02.
        init_cutoff_factor: the cut, in stds, a number > 0, or None: ``config``'s, else 3 (no cut for "normal").
        emb_init_std: the std of the token embedding ``wte``, a number > 0, or None: ``config``'s, else the
            scheme's.
        scale_emb_init: True to scale "full_megatron"'s ``wte`` std by sqrt(d_model), or None: ``config``'s, else
            False.
        config: a Hugging Face config object (read by attribute) or a dict with the family's names, read for
            each hyper-parameter not given as a keyword; None (the default): every default applies.

    Returns:
        The ``Plan`` named "olmo".
        Its rules are quiet: one that matches nothing in a model gives no warning.

    Raises:
        TypeError: ``config`` is neither a dict nor an object with attributes, ``scale_emb_init`` (given, or read
            from ``config`` when not None) is not a bool, or ``d_model`` or ``n_layers`` is not an integer.
        ValueError: ``init_fn`` is not one of the three schemes, or a number (given or read from ``config``) is not
            a finite number > 0 (``d_model`` and ``n_layers``: < 1).

    Examples:
        >>> import unifiedinit as ui
        >>> plan = ui.presets.olmo("normal", init_std=0.02)
        >>> print(plan.rules[4])
        kind=dense role=weight path=*blocks/*/attn_out/* -> Normal(mean=0.0, std=0.02)
        >>> ui.presets.olmo(config={"init_fn": "mitchell"}).rules[4].spec.factor
        '1 / sqrt(2 * fan_in * (l + 1))'
    """
    def get(name: str) -> Any:
        return None if config is None else _get(config, name)
    init_fn = init_fn if init_fn is not None else (get("init_fn") or "mitchell")
    init_fn = getattr(init_fn, "value", init_fn)  # OLMo's InitFnType is a str enum
    if init_fn not in OLMO_SCHEMES:
        raise ValueError(f"presets.olmo: parameter 'init_fn' must be one of {', '.join(OLMO_SCHEMES)}, got {init_fn!r}")
    h = _read("olmo", config, init_std=(init_std, 0.02))
    std = h["init_std"]
    cut = init_cutoff_factor if init_cutoff_factor is not None else get("init_cutoff_factor")
    if cut is None and init_fn != "normal":
        cut = 3.0
    if cut is not None:
        cut = _read("olmo", None, init_cutoff_factor=(cut, 3.0))["init_cutoff_factor"]
    emb = emb_init_std if emb_init_std is not None else get("emb_init_std")
    if emb is not None:
        emb = _read("olmo", None, emb_init_std=(emb, 1.0))["emb_init_std"]
    d = d_model if d_model is not None else get("d_model")
    if d is not None:
        d = _read("olmo", None, d_model=(d, 1))["d_model"]
    n = n_layers if n_layers is not None else get("n_layers")
    if n is not None:
        n = _read("olmo", None, n_layers=(n, 1))["n_layers"]
    read_scale = get("scale_emb_init") if scale_emb_init is None else None
    if scale_emb_init is not None and not isinstance(scale_emb_init, bool):
        raise TypeError(f"presets.olmo: parameter 'scale_emb_init' must be True or False, got {scale_emb_init!r}")
    if read_scale is not None and not isinstance(read_scale, bool):  # "no" or 1 is a typo, not True
        raise TypeError(f"presets.olmo: parameter config['scale_emb_init'] must be True, False or None, "
                        f"got {read_scale!r}")
    scale_emb = scale_emb_init if scale_emb_init is not None else bool(read_scale)

    def law(s: float | str) -> Any:
        """N(0, s^2), cut at +-cut s; ``s`` a number or a factor expression of the parameter's context."""
        unit = Normal(0.0, 1.0) if cut is None else TruncatedNormal(0.0, 1.0, -cut, cut)
        return Scaled(unit, s) if isinstance(s, str) else \
            (Normal(0.0, s) if cut is None else _cut(s, cut))

    # d_model: given, else each layer's own (a projection's fan_in, an embedding's width: its fan_out)
    inv_d: float | str = "1 / sqrt(fan_in)" if d is None else 1 / math.sqrt(d)
    inv_width: float | str = "1 / sqrt(fan_out)" if d is None else 1 / math.sqrt(d)
    wte: float | str
    out: float | str
    if init_fn == "mitchell":
        wte = emb if emb is not None else inv_width
        wpe, proj, head = inv_width, inv_d, inv_d
        out = "1 / sqrt(2 * fan_in * (l + 1))"
    elif init_fn == "normal":
        wte, wpe, proj, head, out = (emb if emb is not None else std), std, std, std, std
    else:
        wte = emb if emb is not None else \
            ((std * math.sqrt(d) if d is not None else f"{std!r} * sqrt(fan_out)") if scale_emb else std)
        wpe, proj, head = std, std, inv_d
        out = std / math.sqrt(2 * n) if n is not None else f"{std!r} / sqrt(2 * L)"
    plan = (Plan(name="olmo")
            .rule(law(proj), kind=_LAYERS, role="weight")
            .rule(Zeros(), role="bias")
            .rule(law(wte), kind="embedding", role="embedding", path="*wte/*")
            .rule(law(wpe), kind="embedding", role="embedding", path="*wpe/*")
            .rule(law(out), kind="dense", role="weight", path="*blocks/*/attn_out/*")
            .rule(law(out), kind="dense", role="weight", path="*blocks/attn_out/*")  # the blocks stacked (nnx.vmap)
            .rule(law(out), kind="dense", role="weight", path="*blocks/*/ff_out/*")
            .rule(law(out), kind="dense", role="weight", path="*blocks/ff_out/*")
            .rule(law(head), kind="dense", role="weight", path="*transformer/ff_out/*")
            .rule(Ones(), kind="norm", role="scale")
            .rule(Zeros(), kind="norm", role="shift"))
    return _quiet(plan, "olmo")


def _get(config: Any, name: str) -> Any:
    """``config``'s value of ``name``: a dict's entry or a config object's attribute, None when it has none.

    A dict with a ``model_type`` that transformers knows is read as the config object transformers builds from it
    (``to_dict()`` keeps a name only where the object stores it): a name the class computes (a ``property``:
    Nemotron-H's ``num_hidden_layers``, the length of its ``layers_block_type``; ``num_labels``, of ``id2label``)
    is computed from the entries, and a name it keeps under another (its ``attribute_map``: Whisper's
    ``num_hidden_layers``, its ``encoder_layers``) is read there. transformers is imported for such a dict only."""
    entries: dict[str, Any] = config  # read as a dict only where it is one
    if not isinstance(config, dict):
        return getattr(config, name, None)
    kind = entries.get("model_type")
    native = _native(kind) if isinstance(kind, str) and kind and name != "model_type" else None
    if native is None:
        return entries.get(name)
    aliases, getters = native
    view = _Entries(entries, aliases)
    getter = getters.get(name)
    if getter is not None:
        try:
            value = getter(view)
        except (AttributeError, TypeError, ValueError, KeyError, IndexError, ZeroDivisionError,
                NotImplementedError):  # an entry it reads is not there (a sub-config's, held as a dict)
            value = None
        if value is not None:
            return value
    return getattr(view, name, None)


class _Entries:
    """A dict config seen as the config object transformers builds from it: each entry an attribute, under its own
    name and under the other names the class's ``attribute_map`` gives it (an alias reads its target's entry, a
    target the entry of an alias, as the object stores an alias's value under its target)."""

    def __init__(self, entries: dict[str, Any], aliases: dict[str, str]) -> None:
        self._entries, self._aliases = entries, aliases

    def __getattr__(self, name: str) -> Any:
        target = self._aliases.get(name, name)
        for key in [name, target] + sorted(a for a, t in self._aliases.items() if t == target):
            if key in self._entries:
                return self._entries[key]
        raise AttributeError(name)


#: model_type -> its config class's (attribute_map, property getters), None where transformers has no such type
_NATIVE: dict[str, tuple[dict[str, str], dict[str, Callable[[Any], Any]]] | None] = {}


def _native(kind: str) -> tuple[dict[str, str], dict[str, Callable[[Any], Any]]] | None:
    """The ``attribute_map`` and the property getters of transformers' config class for the ``model_type``
    ``kind``, or None (transformers not installed, or no such type); transformers is imported on the first call."""
    if kind not in _NATIVE:
        try:
            from transformers.models.auto.configuration_auto import CONFIG_MAPPING
            cls: Any = CONFIG_MAPPING[kind]
        except (ImportError, KeyError):
            _NATIVE[kind] = None
            return None
        getters: dict[str, Callable[[Any], Any]] = {}
        mro: tuple[type, ...] = cls.__mro__
        for klass in reversed(mro):  # a subclass's attribute wins over its bases'
            attributes: dict[str, Any] = dict(vars(klass))
            for key, value in attributes.items():
                if isinstance(value, property) and value.fget is not None:
                    getters[key] = value.fget
                else:
                    getters.pop(key, None)
        aliases: Any = getattr(cls, "attribute_map", None)
        pairs: list[tuple[Any, Any]] = list(cast("dict[Any, Any]", aliases).items()) \
            if isinstance(aliases, dict) else []
        _NATIVE[kind] = ({str(k): str(a) for k, a in pairs}, getters)
    return _NATIVE[kind]


def _globs(fn: str, name: str, value: Any) -> tuple[str, ...]:
    """``value``, a tuple or list of path glob strings, as a tuple (a bare string would be read glob by character)."""
    entries: Any = value  # a user value: its items are checked here
    sequence = isinstance(value, (tuple, list))
    globs: tuple[Any, ...] = tuple(entries) if sequence else ()
    if not sequence or not all(isinstance(g, str) for g in globs):
        raise TypeError(f"presets.{fn}: parameter {name!r} must be a tuple of glob strings, got {value!r}")
    return globs


def deepnet(encoder_layers: int | None = None, decoder_layers: int | None = None, *,
            branch: tuple[str, ...] = ("*v_proj/*", "*out_proj/*", "*fc1/*", "*fc2/*"),
            unscaled: tuple[str, ...] = ("*q_proj/*", "*k_proj/*")) -> Plan:
    """DeepNet (Wang et al. 2022, DeepNorm): Xavier-normal with a depth-dependent gain beta.

    Xavier-normal with gain beta on the value and output projections and the feed-forward layers (``branch`` path
    globs, fairseq's names by default), gain 1 on the query and key projections (``unscaled``) and every other
    weight, biases zero, norms ones. An encoder of N layers: beta = (8N)^(-1/4); a decoder of M layers:
    beta = (8M)^(-1/4); both (an encoder-decoder): the encoder's beta 0.87 (N^4 M)^(-1/16), the decoder's
    (12M)^(-1/4), told apart by the paths ``*encoder*`` / ``*decoder*``. (DeepNorm's residual scale alpha is an
    architecture constant, not an initialization.)

    Args:
        encoder_layers: N, the number of encoder layers, an int > 0, or None: no encoder.
        decoder_layers: M, the number of decoder layers, an int > 0, or None: no decoder.
        branch: the path globs of the scaled layers, a tuple (or list) of strings (default fairseq's ``v_proj``,
            ``out_proj``, ``fc1``, ``fc2``).
        unscaled: the path globs of the layers kept at gain 1, a tuple (or list) of strings (default ``q_proj``,
            ``k_proj``).

    Returns:
        The ``Plan`` named "deepnet".
        Its rules are quiet: one that matches nothing in a model gives no warning.

    Raises:
        TypeError: ``branch`` or ``unscaled`` is not a tuple or list of strings, or a layer count is not an integer.
        ValueError: neither ``encoder_layers`` nor ``decoder_layers`` is given, or one is < 1.

    Examples:
        >>> import unifiedinit as ui
        >>> plan = ui.presets.deepnet(decoder_layers=2)  # beta = 16^(-1/4) = 0.5
        >>> print(plan.rules[4])
        kind=dense role=weight path=*v_proj/* -> XavierNormal(gain=0.5)
        >>> print(plan.rules[-1])
        kind=dense role=weight path=*k_proj/* -> XavierNormal(gain=1.0)
    """
    branch, unscaled = _globs("deepnet", "branch", branch), _globs("deepnet", "unscaled", unscaled)
    n = None if encoder_layers is None else _read("deepnet", None, encoder_layers=(encoder_layers, 1))["encoder_layers"]
    m = None if decoder_layers is None else _read("deepnet", None, decoder_layers=(decoder_layers, 1))["decoder_layers"]
    if n is None and m is None:
        raise ValueError("presets.deepnet: give encoder_layers, decoder_layers or both")
    plan = (Plan(name="deepnet").rule(XavierNormal(), kind=_LAYERS, role="weight").rule(Zeros(), role="bias")
            .rule(Ones(), kind="norm", role="scale").rule(Zeros(), kind="norm", role="shift"))
    if n is not None and m is not None:
        betas = {"*encoder*": 0.87 * (n ** 4 * m) ** (-1 / 16), "*decoder*": (12 * m) ** -0.25}
    else:
        layers = n if n is not None else m
        assert layers is not None  # checked above: one of them is given
        betas = {"*": (8 * layers) ** -0.25}
    for where, beta in betas.items():
        for glob in branch:
            plan = plan.rule(XavierNormal(gain=beta), kind="dense", role="weight", path=where + glob.lstrip("*")
                             if where != "*" else glob)
        for glob in unscaled:
            plan = plan.rule(XavierNormal(), kind="dense", role="weight", path=where + glob.lstrip("*")
                             if where != "*" else glob)
    return _quiet(plan, "deepnet")


def rezero(path: str = "*resweight*") -> Plan:
    """ReZero (Bachlechner et al. 2020): each residual branch's scalar gate starts at zero.

    The parameters at ``path`` (each block's gate) start at zero, so every block starts as the identity. The rest is
    left to the rules you add after (or before) it: ``presets.torch + presets.rezero()``. Unlike the family recipes
    its rule is not quiet: it warns when it matches nothing.

    Args:
        path: the path glob of the gates, a string (default ``"*resweight*"``, the official code's name).

    Returns:
        The ``Plan`` named "rezero", one rule.

    Raises:
        TypeError: ``path`` is not a string.

    Examples:
        >>> import unifiedinit as ui
        >>> print(ui.presets.rezero("*alpha"))
        Plan 'rezero' (the last matching rule wins):
          0: path=*alpha -> Zeros()
    """
    if not isinstance(path, str):
        raise TypeError(f"presets.rezero: parameter 'path' must be a glob string, got {path!r}")
    return Plan(name="rezero").rule(Zeros(), path=path)


def lstm_forget_bias(value: float = 1.0) -> Plan:
    """An LSTM's forget-gate bias set to ``value`` and its other gate biases to zero (Jozefowicz et al. 2015).

    The forget block of the stacked gates (i, f, g/c, o) in torch, Keras and MXNet (the input-hidden bias; a second,
    hidden-hidden bias is zero, so the sum is ``value``) and in NNX's OptimizedLSTMCell (its one bias, in
    ``dense_h``), the ``hf`` gate's bias in Flax's LSTMCell.

    Args:
        value: the forget gate's bias, a finite real number (default 1.0).

    Returns:
        The ``Plan`` named "lstm_forget_bias".
        Its rules are quiet: one that matches nothing in a model gives no warning.

    Raises:
        TypeError: ``value`` is not a real number.
        ValueError: ``value`` is not finite.

    Examples:
        >>> import torch
        >>> import unifiedinit as ui
        >>> report = ui.inspect(torch.nn.LSTM(2, 3), ui.presets.lstm_forget_bias(2.0))
        >>> [(e.param.path, e.spec) for e in report.entries]  # doctest: +NORMALIZE_WHITESPACE
        [('bias_ih_l0', Blocks(parts=(Zeros(), Constant(value=2.0), Zeros(), Zeros()), along='out')),
         ('bias_hh_l0', Zeros())]
    """
    from . import _validate as v
    value = v.real("presets.lstm_forget_bias", "value", value)
    forget = Constant(value)
    return _quiet(Plan(name="lstm_forget_bias")
                  .rule(Blocks([Zeros(), forget, Zeros(), Zeros()]), kind="recurrent", role="bias",
                        framework_layer="*LSTM*")
                  .rule(Zeros(), kind="recurrent", role="recurrent_bias", framework_layer="*LSTM*")
                  .rule(Blocks([Zeros(), forget, Zeros(), Zeros()]), kind="recurrent", role="bias",
                        path="*dense_h/bias")  # NNX's OptimizedLSTMCell: its one bias, gates i, f, g, o
                  .rule(forget, kind="recurrent", role="bias", path="*hf/bias")
                  .rule(Zeros(), kind="recurrent", role="bias", path="*h[igo]/bias"), "lstm_forget_bias")


def fixup(num_branches: int, m: int = 2, *, branch: str = "*layer*/conv*", last: str | None = None,
          classifier: str = "fc/*", multipliers: str = "*scale",
          biases: str | tuple[str, ...] = ("*bias[0-9]", "*bias[0-9][ab]")) -> Plan:
    """Fixup (Zhang, Dauphin and Ma 2019): a residual network trained without normalization.

    For a network of ``num_branches`` residual branches of ``m`` layers each. The classifier (weight and bias) and
    the last layer of every branch start at zero. The other layers inside a branch are He normal (fan_out:
    N(0, 2 / (out x k x k)), as the official code draws them) scaled by num_branches^(-1/(2m-2)): the basic block's
    conv1 (m = 2), the bottleneck's conv1 and conv2 (m = 3). Every other weight layer (the stem, the downsampling
    projections) is He normal, unscaled, as the paper's "standard method"; the official code draws its
    downsampling projections so but leaves its stem ``conv1`` at torch's default (kaiming_uniform, a = sqrt(5)),
    which this plan re-draws He normal. Other biases are 0, the scalar multipliers 1 and the scalar biases (added
    before and after each layer, and the net's own ``bias1``, ``bias2``) 0. The globs default to the official Fixup
    ResNet's names (hongyi-zhang/Fixup, CIFAR and ImageNet: ``layer1.0.conv1``, ``conv2``, ``conv3``, ``fc``,
    ``scale``, ``bias1a`` ... ``bias3b``, ``bias1``).

    Args:
        num_branches: L, the number of residual branches, an int >= 1.
        m: the number of weight layers in a branch, an int >= 2 (default 2; the official bottleneck has 3).
        branch: the path glob of the layers inside a branch, a string.
        last: the path glob of each branch's last layer (zero), a string, or None (the default): ``"*conv<m>/*"``,
            the official block's last layer (``conv2`` when m = 2, ``conv3`` when m = 3).
        classifier: the path glob of the classifier (zero weight and bias), a string.
        multipliers: the path glob of the scalar multipliers (one), a string.
        biases: the path glob (or a tuple or list of globs) of the scalar biases (zero), default
            ``("*bias[0-9]", "*bias[0-9][ab]")``: the official ``bias1``, ``bias2`` and ``bias1a`` ... ``bias3b``.

    Returns:
        The ``Plan`` named "fixup".
        Its rules are quiet: one that matches nothing in a model gives no warning.

    Raises:
        TypeError: ``num_branches`` or ``m`` is not an integer, a glob is not a string (``last``: nor None), or
            ``biases`` is neither a string nor a tuple or list of strings.
        ValueError: ``num_branches`` < 1 or ``m`` < 2, or either > 2 ** 53 (a number a float holds exactly).

    Examples:
        >>> import unifiedinit as ui
        >>> plan = ui.presets.fixup(16, m=3)  # 16^(-1/4) = 0.5
        >>> rule = plan.rules[2]
        >>> rule.select.path, rule.spec.scale
        ('*layer*/conv*', 0.5)
        >>> print(plan.rules[3])
        kind=conv|dense role=weight path=*conv3/* -> Zeros()
    """
    n = _count("presets.fixup", "num_branches", num_branches)
    m = _count("presets.fixup", "m", m, minimum=2)
    if last is None:
        last = f"*conv{m}/*"
    for name, glob in (("branch", branch), ("last", last), ("classifier", classifier), ("multipliers", multipliers)):
        if not isinstance(glob, str):
            raise TypeError(f"presets.fixup: parameter {name!r} must be a glob string, got {glob!r}")
    scalar_biases = (biases,) if isinstance(biases, str) else _globs("fixup", "biases", biases)
    he = KaimingNormal(mode="fan_out", nonlinearity="relu")
    plan = (Plan(name="fixup")
            .rule(he, kind=("conv", "dense"), role="weight")
            .rule(Zeros(), kind=("conv", "dense"), role="bias")
            .rule(Affine(he, scale=n ** (-1.0 / (2 * m - 2))), kind=("conv", "dense"), role="weight", path=branch)
            .rule(Zeros(), kind=("conv", "dense"), role="weight", path=last)
            .rule(Zeros(), kind="dense", path=classifier)
            .rule(Ones(), path=multipliers))
    for glob in scalar_biases:
        plan = plan.rule(Zeros(), path=glob)
    plan = plan.rule(Ones(), kind="norm", role="scale").rule(Zeros(), kind="norm", role="shift")
    return _quiet(plan, "fixup")


def mup(base_width: int, std: float = 0.02, *, readout: str = "*lm_head*", width: int | None = None,
        inputs: str | tuple[str, ...] = ()) -> Plan:
    """muP (Yang et al. 2021, Tensor Programs V, table 3): a model tuned at ``base_width``, widened.

    With ``width`` (the model's width), as the ``mup`` package draws it (``mup.init``): width_mult = width /
    base_width, and ``std`` is the std every weight had in the model tuned at ``base_width``. Hidden weights are
    N(0, std^2 / width_mult), the output (readout) layer at ``readout`` N(0, (std / width_mult)^2), and the input
    layers, whose fan_in does not grow with width (embeddings, and the weight layers at ``inputs``), stay
    N(0, std^2): at width = base_width every weight is N(0, std^2), whatever its shape.

    Without ``width`` (the older form), every weight layer's own fan_in stands for its width: hidden weights are
    N(0, std^2 base_width / fan_in), the readout N(0, (std base_width / fan_in)^2); embeddings and ``inputs``
    N(0, std^2). Here ``std`` is the std of a hidden layer whose fan_in is ``base_width``: one of another fan_in
    at the base width (an MLP's down-projection, fan_in 4 base_width; a 3x3 conv, fan_in 9 base_width) gets less,
    which the ``mup`` package would not give; pass ``width`` to follow it.

    Biases are zero and norms ones. (muP's multipliers on the output logits and the attention scale are the
    architecture's, not the initialization's.)

    Args:
        base_width: the width the init was tuned at, an int >= 1.
        std: the std tuned at ``base_width``, a finite number > 0 (default 0.02).
        readout: the path glob of the output layer, a string (default ``"*lm_head*"``).
        width: the model's width, an int >= 1, or None (the default): each layer's fan_in (see above).
        inputs: the path glob (or a tuple or list of globs) of the weight layers that take the model's input, kept
            at N(0, std^2) as embeddings are (default none: only embeddings).

    Returns:
        The ``Plan`` named "mup".
        Its rules are quiet: one that matches nothing in a model gives no warning.

    Raises:
        TypeError: ``base_width`` or ``width`` is not an integer, ``std`` not a real number, ``readout`` not a
            string, or ``inputs`` neither a string nor a tuple or list of strings.
        ValueError: ``base_width`` or ``width`` < 1 or > 2 ** 53, or ``std`` is not finite and > 0.

    Examples:
        >>> import torch
        >>> import unifiedinit as ui
        >>> model = torch.nn.ModuleDict({"fc": torch.nn.Linear(64, 64), "lm_head": torch.nn.Linear(64, 10)})
        >>> plan = ui.presets.mup(base_width=16)
        >>> [(e.param.path, e.spec.factor) for e in ui.inspect(model, plan).entries if e.param.role == "weight"]
        [('fc/weight', 'sqrt(base / fan_in)'), ('lm_head/weight', 'base / fan_in')]
        >>> plan = ui.presets.mup(base_width=16, std=0.02, width=64)  # width_mult 4
        >>> [(e.param.path, e.spec) for e in ui.inspect(model, plan).entries if e.param.role == "weight"]
        [('fc/weight', Normal(mean=0.0, std=0.01)), ('lm_head/weight', Normal(mean=0.0, std=0.005))]
    """
    from . import _validate as v
    base = _count("presets.mup", "base_width", base_width)
    std = v.positive("presets.mup", "std", std)
    if not isinstance(readout, str):
        raise TypeError(f"presets.mup: parameter 'readout' must be a glob string, got {readout!r}")
    wide = None if width is None else _count("presets.mup", "width", width)
    input_globs = (inputs,) if isinstance(inputs, str) else _globs("mup", "inputs", inputs)
    if wide is None:
        plan = (_base(std, "mup")
                .rule(Scaled(Normal(0.0, std), "sqrt(base / fan_in)", {"base": base}), kind=_LAYERS, role="weight")
                .rule(Scaled(Normal(0.0, std), "base / fan_in", {"base": base}), kind=_LAYERS, role="weight",
                      path=readout))
    else:
        mult = wide / base
        plan = (_base(std, "mup")
                .rule(Normal(0.0, std / math.sqrt(mult)), kind=_LAYERS, role="weight")
                .rule(Normal(0.0, std / mult), kind=_LAYERS, role="weight", path=readout))
    for glob in input_globs:
        plan = plan.rule(Normal(0.0, std), kind=_LAYERS, role="weight", path=glob)
    return _quiet(plan, "mup")


def t_fixup(num_layers: int, d_model: int, *,
            branch: tuple[str, ...] = ("*v_proj/*", "*out_proj/*", "*fc1/*", "*fc2/*"),
            unscaled: tuple[str, ...] = ("*q_proj/*", "*k_proj/*")) -> Plan:
    """T-Fixup (Huang et al. 2020, algorithm 1): a Transformer trained without layer norms.

    For a Transformer of ``num_layers`` encoder and decoder layers. Every weight is Xavier-uniform except the input
    embeddings, which are N(0, 1/d_model) scaled by (9N)^(-1/4). The value and output projections and the MLP weights
    (``branch`` path globs, fairseq's names by default) are scaled by 0.67 N^(-1/4) under ``*encoder*`` and by
    (9N)^(-1/4) under ``*decoder*`` (self and cross attention alike). The query and key projections (``unscaled``) keep
    plain Xavier. Biases are zero.

    Args:
        num_layers: N, the number of encoder (and of decoder) layers, an int >= 1.
        d_model: the embedding width, an int >= 1.
        branch: the path globs of the scaled layers, a tuple (or list) of strings (default fairseq's ``v_proj``,
            ``out_proj``, ``fc1``, ``fc2``).
        unscaled: the path globs of the layers kept at plain Xavier, a tuple (or list) of strings (default
            ``q_proj``, ``k_proj``).

    Returns:
        The ``Plan`` named "t_fixup".
        Its rules are quiet: one that matches nothing in a model gives no warning.

    Raises:
        TypeError: ``num_layers`` or ``d_model`` is not an integer, or ``branch`` or ``unscaled`` is not a tuple or
            list of strings.
        ValueError: ``num_layers`` or ``d_model`` < 1 or > 2 ** 53.

    Examples:
        >>> import unifiedinit as ui
        >>> plan = ui.presets.t_fixup(num_layers=9, d_model=16)  # (9N)^(-1/4) = 1/3
        >>> print(plan.rules[2])  # doctest: +NORMALIZE_WHITESPACE
        kind=embedding role=embedding -> Rows(base=Normal(mean=0.0, std=0.08333333333333333), fill=Zeros(),
         index='padding_idx', along='in')
        >>> plan.rules[11].select.path, round(plan.rules[11].spec.gain, 4)
        ('*decoder*v_proj/*', 0.3333)
    """
    n = _count("presets.t_fixup", "num_layers", num_layers)
    branch, unscaled = _globs("t_fixup", "branch", branch), _globs("t_fixup", "unscaled", unscaled)
    d = _count("presets.t_fixup", "d_model", d_model)
    decoder, encoder = (9 * n) ** -0.25, 0.67 * n ** -0.25
    plan = (Plan(name="t_fixup").rule(XavierUniform(), kind=_LAYERS + ("attention",), role="weight")
            .rule(Zeros(), role="bias")
            .rule(Rows(Normal(0.0, d ** -0.5 * decoder)), kind="embedding", role="embedding")
            .rule(Ones(), kind="norm", role="scale").rule(Zeros(), kind="norm", role="shift"))
    for where, gain in (("*encoder*", encoder), ("*decoder*", decoder)):
        for glob in branch:
            plan = plan.rule(XavierUniform(gain=gain), kind="dense", role="weight", path=where + glob.lstrip("*"))
        for glob in unscaled:
            plan = plan.rule(XavierUniform(), kind="dense", role="weight", path=where + glob.lstrip("*"))
    return _quiet(plan, "t_fixup")
