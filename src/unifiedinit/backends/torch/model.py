"""torch models as parameter records: what each module's tensors are (kind, role, layout, fans), and the target
the apply loop writes through (in place, one generator re-seeded per parameter and device)."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import math
import numbers
import operator
import re
import sys
import warnings
from typing import Any, Callable, Iterable, Iterator, Mapping, NamedTuple, Sequence, cast

import torch
from torch import nn
from torch.nn import functional as F

from ... import draws as D
from ...layout import _fans_of, get_layout
from ...params import (LayerInfo, Param, _path_order, _split, framework_bases, layer_generation, looks_like_norm,
                       norm_role, register_layer, registered_layer, tie)
from ...samplers import in_place_writer, draw as sampled
from .ops import TorchOps


def owns(obj: Any) -> bool:
    """A torch module, or a state_dict (a dict whose leaves are torch tensors). Not a Keras layer: under
    ``KERAS_BACKEND=torch`` every Keras layer is also an ``nn.Module``, and it is Keras's (its variables, its
    layouts and names), not torch's."""
    if isinstance(obj, nn.Module):
        keras = sys.modules.get("keras")
        layer = getattr(getattr(keras, "layers", None), "Layer", None)
        return not (isinstance(layer, type) and isinstance(obj, layer))
    if isinstance(obj, Mapping) and obj:
        return all(isinstance(t, torch.Tensor) for t in cast("Mapping[Any, Any]", obj).values())
    return False


def _kind_table() -> tuple[tuple[type | tuple[type, ...], str], ...]:
    from torch.nn.modules.batchnorm import _NormBase
    from torch.nn.modules.conv import _ConvNd, _ConvTransposeNd
    norms = (_NormBase, nn.LayerNorm, nn.GroupNorm) + ((nn.RMSNorm,) if hasattr(nn, "RMSNorm") else ())
    return (((nn.Linear, nn.Bilinear), "dense"), (_ConvTransposeNd, "conv_transpose"), (_ConvNd, "conv"),
            ((nn.Embedding, nn.EmbeddingBag), "embedding"), (norms, "norm"),
            ((nn.RNNBase, nn.RNNCellBase), "recurrent"), (nn.PReLU, "prelu"), (nn.MultiheadAttention, "attention"))


_KINDS = _kind_table()

# Hugging Face's GPT-2 Conv1D (also GPT, ImageGPT, Decision Transformer): a dense layer whose weight is stored
# (in, out). Named by its dotted path, so nothing is imported.
register_layer("transformers.pytorch_utils.Conv1D", "dense", roles={"weight": "weight", "bias": "bias"},
               layouts={"weight": "in_out"})
# I-BERT's quantized layers (its own classes, which hold their float weights as nn.Linear and nn.Embedding do)
register_layer("transformers.models.ibert.quant_modules.QuantLinear", "dense",
               roles={"weight": "weight", "bias": "bias"})
register_layer("transformers.models.ibert.quant_modules.QuantEmbedding", "embedding", roles={"weight": "embedding"},
               layouts={"weight": "torch_embedding"})
# JetMoE's experts, older than transformers' @use_experts_implementation (``_experts``): (experts, out, in)
register_layer("transformers.models.jetmoe.modeling_jetmoe.JetMoeParallelExperts", "dense", stacked=1)
# and Llama 4's, (experts, in, out), LongCat-Flash's, Inkling's shared ones and Step 3.7's, (experts, out, in),
# which it does not decorate either
register_layer("transformers.models.llama4.modeling_llama4.Llama4TextExperts", "dense", stacked=1,
               roles={"gate_up_proj": "weight", "down_proj": "weight"},
               layouts={"gate_up_proj": "in_out", "down_proj": "in_out"})
register_layer("transformers.models.longcat_flash.modeling_longcat_flash.LongcatFlashExperts", "dense", stacked=1,
               roles={"gate_up_proj": "weight", "down_proj": "weight"})
register_layer("transformers.models.inkling.modeling_inkling.InklingSharedExperts", "dense", stacked=1,
               roles={"gate_proj": "weight", "up_proj": "weight", "down_proj": "weight"})
register_layer("transformers.models.step3p7.modeling_step3p7.Step3p7Experts", "dense", stacked=1,
               roles={"gate_up_proj": "weight", "down_proj": "weight"})
# timm's CondConv2d: a convolution per expert, each expert's (out, in/groups, kh, kw) kernel one row of an
# (experts, n) weight, its biases (experts, out); described and drawn through an (experts, out, in/groups, kh, kw)
# view, so each expert is a plain convolution (its fans, torch's default, timm's _init_weight_goog)
register_layer("timm.layers.cond_conv2d.CondConv2d", "conv", stacked=1, roles={"weight": "weight", "bias": "bias"},
               shapes={"weight": "weight_shape"})

# timm's EvoNorm and FilterResponseNorm: norms (weight 1, bias 0) with a third vector of their own, EvoNorm's
# activation ``v`` and FRN's threshold ``tau`` (role "other": a preset says their values by path). Subclasses (the
# S0a, S1a, S2a variants) inherit the entry.
for _name in ("EvoNorm2dB0", "EvoNorm2dB1", "EvoNorm2dB2", "EvoNorm2dS0", "EvoNorm2dS1", "EvoNorm2dS2"):
    register_layer(f"timm.layers.evo_norm.{_name}", "norm", roles={"weight": "scale", "bias": "shift", "v": "other"})
for _name in ("FilterResponseNormTlu2d", "FilterResponseNormAct2d"):
    register_layer(f"timm.layers.filter_response_norm.{_name}", "norm",
                   roles={"weight": "scale", "bias": "shift", "tau": "other"})


def _experts(module: nn.Module) -> LayerInfo | None:
    """The LayerInfo of Hugging Face's stacked experts (transformers 5's ``@use_experts_implementation`` classes:
    ``MixtralExperts``, ``GptOssExperts``...), recognised by the flags that decorator sets: a dense layer per
    expert, every expert's weight in one (experts, out, in) tensor ((experts, in, out) when ``is_transposed``) and
    its biases in (experts, out) ones, stacked along axis 0. None for any other module."""
    if not (isinstance(getattr(module, "is_transposed", None), bool) and hasattr(module, "is_concatenated")
            and hasattr(module, "has_gate")):
        return None
    own = {n: t.dim() for n, t in module._parameters.items() if t is not None}
    roles = {n: "weight" if d == 3 else "bias" for n, d in own.items() if d in (2, 3)}
    layout = "in_out" if getattr(module, "is_transposed") else "torch"
    return LayerInfo("dense", roles, {n: layout for n, r in roles.items() if r == "weight"}, stacked=1)


def _is_router(module: nn.Module) -> bool:
    """A mixture of experts' router as Hugging Face writes it (``MixtralTopKRouter``: ``F.linear(x, weight)``):
    a class named Router holding a (experts, hidden) weight and maybe an (experts,) bias, a dense layer; any other
    tensor it holds is a vector (Laguna's ``e_score_correction_bias``, Inkling's ``global_scale``: role "other")."""
    if "router" not in type(module).__name__.lower():
        return False
    own = {n: t.dim() for n, t in module._parameters.items() if t is not None}
    return own.get("weight") == 2 and all(d == 1 for n, d in own.items() if n != "weight")


def _kind(module: nn.Module, parent: nn.Module | None) -> tuple[str, Any]:
    """(kind, the registered LayerInfo or None) of a module."""
    info = registered_layer(type(module), views=True) or _experts(module)
    if info is not None:
        return info.kind, info
    if isinstance(parent, nn.MultiheadAttention):
        return "attention", None  # its out_proj Linear
    for classes, kind in _KINDS:
        if isinstance(module, classes):
            return kind, None
    own = {n: tuple(t.shape) for n, t in module._parameters.items() if t is not None}
    if looks_like_norm(type(module).__name__, own):
        return "norm", None
    return ("dense" if _is_router(module) else "other"), None


#: an RNN layer's weight_ih_l0, bias_hh_l1_reverse ...; a cell's (LSTMCell, GRUCell, RNNCell) weight_ih ...: layer 0
_RECURRENT = re.compile(r"(weight|bias)_(ih|hh|hr)(?:_l(\d+)(_reverse)?)?$")


def _role(kind: str, name: str, info: Any) -> tuple[str, str]:
    """(role, key sub-leaf) of parameter ``name`` in a module of ``kind``."""
    if info is not None and name in info.roles:
        return info.roles[name], ""
    if kind == "norm":
        return {"running_mean": "running_mean", "running_var": "running_var",
                "num_batches_tracked": "batches_tracked"}.get(name, norm_role(name)), ""
    if kind == "recurrent":
        m = _RECURRENT.match(name)
        if m is None:
            return "other", ""
        what, which, layer, reverse = m.groups()
        layer = layer or "0"
        role = {("weight", "ih"): "weight", ("weight", "hh"): "recurrent_weight", ("weight", "hr"): "weight",
                ("bias", "ih"): "bias", ("bias", "hh"): "recurrent_bias"}[(what, which)]
        sub = "/".join(filter(None, (f"l{layer}" if layer != "0" else "", "reverse" if reverse else "",
                                     "projection" if which == "hr" else "")))
        return role, sub
    if kind == "attention":
        return ("bias" if "bias" in name else "weight"), ""
    if kind == "embedding" and name == "weight":
        return "embedding", ""
    if kind == "prelu" and name == "weight":
        return "slope", ""
    return (name if name in ("weight", "bias") else "other"), ""


#: a lazy module's parameters and buffers before its first call: no shape, no memory
UNBUILT = (nn.parameter.UninitializedParameter, nn.parameter.UninitializedBuffer)

#: module class -> the layout its weight is stored in, with the layer's own fans
_LAYER_LAYOUTS: tuple[tuple[type, str], ...] = (
    (nn.Linear, "torch"),
    (nn.Bilinear, "torch_bilinear"),
    (nn.Conv1d, "torch"), (nn.Conv2d, "torch"), (nn.Conv3d, "torch"),
    (nn.ConvTranspose1d, "torch_conv_transpose"), (nn.ConvTranspose2d, "torch_conv_transpose"),
    (nn.ConvTranspose3d, "torch_conv_transpose"),
    (nn.Embedding, "torch_embedding"), (nn.EmbeddingBag, "torch_embedding"),
)


def layer_layout(module: nn.Module, fans: str = "layer") -> str | None:
    """The layout of ``module.weight`` (a registered layer's main weight, ``LayerInfo.main``) for the layers the
    backend understands, else None."""
    info = registered_layer(type(module), views=True)
    if info is not None and info.main("weight") in info.layouts:
        return info.layouts[info.main("weight")]
    for cls, layout in _LAYER_LAYOUTS:
        if isinstance(module, cls):
            return "torch" if fans == "torch" else layout
    return None


def _layer_fans(module: nn.Module, kind: str, layout: str, weight: Any = None, main: str = "weight"
                ) -> tuple[int, int] | None:
    """The layer fans of ``module``'s tensors: its weight's (``weight``: the tensor holding a computed weight's
    values, ``_computed``; else the parameter named ``main``, a registered layer's ``LayerInfo.main``), a
    recurrent layer's (hidden, hidden); a grouped transposed convolution's outputs each see (in/g) x RF inputs
    (Equinox's own fan_in), where its (in, out/g, *k) weight counts all."""
    fans = _weight_fans(module, kind, layout, weight, main)
    groups = getattr(module, "groups", 1)
    if fans is not None and groups > 1 and isinstance(module, nn.modules.conv._ConvTransposeNd) and \
            layout == "torch_conv_transpose":
        return (fans[0] // groups, fans[1])
    return fans


def _weight_fans(module: nn.Module, kind: str, layout: str, weight: Any, main: str) -> tuple[int, int] | None:
    hidden = getattr(module, "hidden_size", None) if kind == "recurrent" else None
    if isinstance(hidden, numbers.Integral) and not isinstance(hidden, bool):  # torch's RNNs: (hidden, hidden)
        return (int(hidden), int(hidden))
    # a recurrent layer of one's own (register_layer(kind="recurrent")) without an integer hidden_size: its
    # weight's own fans, as any layer's
    weight = module._parameters.get(main) if weight is None else weight
    if weight is None and "parametrizations" in module._modules:  # orthogonal, a user's: the layer's sizes
        shape = _declared_shape(module)
        if shape is not None:
            return _fans_of(layout, shape) if 0 not in shape else None
        plist = getattr(module._modules["parametrizations"], "weight", None)  # else the original's shape
        weight = plist._parameters.get("original") if plist is not None else None
    if kind == "attention" and isinstance(module._parameters.get("in_proj_weight"), torch.Tensor):
        weight = module._parameters["in_proj_weight"]
    elif kind == "attention" and isinstance(module._parameters.get("q_proj_weight"), torch.Tensor):
        # kdim or vdim other than embed_dim: separate projections, the query's (E, E) read as the packed (3E, E)
        query = cast(torch.Tensor, module._parameters["q_proj_weight"])
        return _fans_of(layout, (3 * query.shape[0], query.shape[1])) if 0 not in query.shape else None
    if not isinstance(weight, torch.Tensor) or (type(weight) is not nn.Parameter and  # the common case, quickly
                                                 isinstance(weight, UNBUILT)):
        return None
    shape = tuple(weight.shape)
    if isinstance(module, nn.Bilinear) and len(shape) == 3:  # as its reset_parameters reads them: (in1, out)
        return (shape[1], shape[0]) if 0 not in shape else None
    return _fans_of(layout, shape) if len(shape) >= 2 and 0 not in shape else None


def _declared_shape(module: nn.Module) -> tuple[int, ...] | None:
    """The shape of a Linear's or a convolution's weight by the sizes the layer declares (a parametrization may
    keep its original in another shape)."""
    if isinstance(module, nn.Linear):
        return (module.out_features, module.in_features)
    if isinstance(module, nn.modules.conv._ConvNd):
        a, b = (module.in_channels, module.out_channels) if module.transposed else \
            (module.out_channels, module.in_channels)
        return (a, b // module.groups) + tuple(module.kernel_size)
    return None


def paired_weight(bias: str) -> str:
    """The name of the weight a bias goes with: ``gate_up_proj`` for ``gate_up_proj_bias``, else ``weight``."""
    return bias[:-len("_bias")] if bias.endswith("_bias") else "weight"


def _stacked_fans(module: nn.Module, info: Any, name: str, layout: str) -> tuple[int, int] | None:
    """The layer fans of tensor ``name`` of a layer stacked along its leading ``info.stacked`` axes: one layer's
    fans of the weight it goes with (``gate_up_proj`` for ``gate_up_proj_bias``, else the registered weight,
    ``LayerInfo.main``), of the shape ``info.shapes`` declares for it where it is stored flattened."""
    weight_name = name if info.roles.get(name) == "weight" and not name.endswith("_bias") else \
        paired_weight(name) if name.endswith("_bias") else info.main("weight")
    weight = module._parameters.get(weight_name)
    if not isinstance(weight, torch.Tensor):
        return None
    shape = (_declared_view(module, info, weight_name, weight) or tuple(weight.shape))[info.stacked:]
    if len(shape) < 2 or 0 in shape:
        return None
    return _fans_of(info.layouts.get(weight_name, layout), shape)


def _declared_view(module: nn.Module, info: LayerInfo | None, name: str, t: torch.Tensor) -> tuple[int, ...] | None:
    """The shape tensor ``name`` is described and drawn in when its layer stores it flattened
    (``register_layer(shapes=...)``): its stacked axes, then the shape one layer of it has, read from the layer's
    attribute (timm's CondConv2d: (experts,) + ``weight_shape``). None when nothing is declared for it.

    Raises:
        ValueError: the attribute is missing, is not a tuple of ints, or its product is not what one layer of the
            tensor holds."""
    if info is None or name not in info.shapes:
        return None
    attribute, stacked = info.shapes[name], info.stacked
    one: Any = getattr(module, attribute, None)
    stored = tuple(t.shape)
    sizes: list[Any] = list(cast("tuple[Any, ...]", one)) if isinstance(one, (tuple, list)) else []
    if sizes and all(isinstance(n, int) and n >= 0 for n in sizes):
        shape = stored[:stacked] + tuple(cast("list[int]", sizes))
        if len(stored) >= stacked and math.prod(shape) == math.prod(stored):
            return shape
    raise ValueError(f"register_layer(shapes={{{name!r}: {attribute!r}}}) for {type(module).__name__}: one layer of "
                     f"{name!r}, stored {stored} with {stacked} stacked axes, must have the shape the layer's "
                     f".{attribute} holds, a tuple of ints with as many values; it holds {one!r}")


def _view(t: torch.Tensor, shape: tuple[int, ...], path: str) -> torch.Tensor:
    """A flattened layer's tensor as the ``shape`` its layer declares: a view of a detached tensor, or a
    ValueError naming the parameter where a DTensor's sharding cuts inside one layer's rows."""
    try:
        return t.detach().view(shape)
    except RuntimeError as error:
        placements = ", ".join(map(repr, getattr(t, "placements", ())))
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ValueError(f"parameter {path!r} is stored {tuple(t.shape)} and drawn through a {shape} view "
                         f"(register_layer(shapes=...)), which its sharding ({placements}) does not allow: {reason} "
                         "Shard it along the stacked axis (Shard(0)) or redistribute it first") from None


#: (module class, what its parent changes (``_context``), LAYERS generation) -> (kind, info, layout, layer), for the
#: classes whose kind their class decides; a model repeats a few classes many times
_CLASS_FACTS: dict[tuple[type, str | None, int], tuple[str, Any, str, str]] = {}
#: (class facts key, tensor name) -> the fields its Param shares with that tensor of every module of the class
_TENSOR_FACTS: dict[tuple[Any, str], dict[str, Any]] = {}
_DTYPE_NAMES: dict[torch.dtype, str] = {}


#: the torch.ao.nn.intrinsic.qat modules of the fused QAT layers whose ``bn`` their ``reset_bn_parameters`` sets
#: (scale U(0, 1)), and those layers' base classes there: ConvBn1d/2d/3d, ConvBnReLU1d/2d/3d, LinearBn1d
_FUSED_BN = (("torch.ao.nn.intrinsic.qat.modules.conv_fused", "_ConvBnNd"),
             ("torch.ao.nn.intrinsic.qat.modules.linear_fused", "LinearBn1d"))


def _context(module: nn.Module, parent: nn.Module | None) -> str | None:
    """What a module's parent changes in its records: "attention" for a MultiheadAttention's out_proj (its kind),
    for the BatchNorm ``bn`` of a fused QAT layer the torch class of that layer (``Param.layer`` says
    "BatchNorm2d in ConvBn2d"), else None. The fused classes are looked up among the modules already imported:
    a model holding one has imported its module."""
    if parent is None:
        return None
    if isinstance(parent, nn.MultiheadAttention):
        return "attention"
    if parent._modules.get("bn") is module:
        for name, cls in _FUSED_BN:
            fused = getattr(sys.modules.get(name), cls, None)
            if isinstance(fused, type) and isinstance(parent, fused):
                return framework_bases(type(parent), "torch.")[0]
    return None


def _class_facts(module: nn.Module, parent: nn.Module | None) -> tuple[Any, str, Any, str, str]:
    """(cache key or None, kind, LayerInfo or None, weight layout, ``Param.layer``) of a module: looked up once per
    class and context (``_context``), except for a class recognised by its tensors (a norm by its shape,
    ``looks_like_norm``)."""
    key = (type(module), _context(module, parent), layer_generation())
    found = _CLASS_FACTS.get(key)
    if found is not None:
        return (key,) + found
    kind, info = _kind(module, parent)
    layout = layer_layout(module) or "torch"
    layer = _class_name(module) if key[1] in (None, "attention") else f"{_class_name(module)} in {key[1]}"
    if info is None and key[1] is None and not any(isinstance(module, classes) for classes, _ in _KINDS):
        return None, kind, info, layout, layer  # decided by its tensors (or "other"): asked again for every module
    if len(_CLASS_FACTS) > 4096:
        _CLASS_FACTS.clear()
        _TENSOR_FACTS.clear()
    _CLASS_FACTS[key] = (kind, info, layout, layer)
    return key, kind, info, layout, layer


def _tensor_facts(key: Any, kind: str, info: Any, layout: str, layer: str, module: nn.Module,
                  name: str) -> dict[str, Any]:
    """The fields of the Param of tensor ``name`` of ``module`` that its class decides (kind, role, layout, layer,
    stacked axes, key sub-leaf, and the defaults), remembered per class when ``key`` is given: the walk adds
    the path, shape, dtype, fans and trainability of each tensor. The walk looks in ``_TENSOR_FACTS`` first."""
    role, sub = _role(kind, name, info)
    own_layout = (info.layouts.get(name) if info is not None else None) or \
        (layout if role in ("weight", "embedding") else "torch")
    stacked = tuple(range(info.stacked)) if info is not None and info.stacked else ()
    found = {**Param._defaults, "kind": kind, "role": role, "layout": own_layout, "layer": layer,
             "bases": _class_bases(module), "stacked": stacked, "key_leaf": sub}
    if key is not None:
        _TENSOR_FACTS[(key, name)] = found
    return found


def _layer_class(module: nn.Module) -> type:
    """The layer's class for reports and ``Select(layer=...)``: a parametrized module's own (torch swaps in a
    ``ParametrizedLinear`` subclass of ``Linear``), so a rule naming the layer finds it normed or not."""
    cls = type(module)
    if cls.__name__.startswith("Parametrized") and "parametrizations" in module._modules and cls.__bases__:
        cls = cls.__bases__[0]
    return cls


def _class_name(module: nn.Module) -> str:
    """``Param.layer``: the name of the layer's class (``_layer_class``)."""
    return _layer_class(module).__name__


def _class_bases(module: nn.Module) -> tuple[str, ...]:
    """``Param.bases``: the torch classes the layer's class (``_layer_class``) derives from."""
    return framework_bases(_layer_class(module), "torch.")


def _dtype_name(t: torch.Tensor) -> str:
    name = _DTYPE_NAMES.get(t.dtype)
    if name is None:
        name = _DTYPE_NAMES[t.dtype] = str(t.dtype).replace("torch.", "")
    return name


_NONE: frozenset[str] = frozenset()  # a module without computed tensors (``_module_records``): made once


class _Computed(NamedTuple):
    """A tensor torch computes from others when the module runs (``module.weight`` under a parametrization or a
    weight norm): ``path``, relative to the module, of the parameter that holds its values as the layer sees them
    before the computation (``parametrizations/weight/original``, a weight norm's direction ``.../original1`` or
    ``weight_v``), that parameter, and what follows it once drawn (``_Target._renorm``), by paths relative to the
    module: a weight norm's magnitude ("g", its path, the norm's dim), a spectral norm's power-iteration vectors
    ("uv", u's path, v's path, the norm's dim, its eps, the power iterations its registration runs); () for a
    pruned tensor, whose mask stays as it is."""

    path: str
    tensor: torch.Tensor
    norm: tuple[Any, ...]
    hides: tuple[str, ...]  # the module's own parameters it stands for (the old weight_norm's weight_g, weight_v)


def _computed(module: nn.Module) -> dict[str, _Computed]:
    """The tensors of ``module`` that ``torch.nn.utils.parametrizations.spectral_norm`` and ``weight_norm`` (and
    the old hook-based ``torch.nn.utils.spectral_norm`` and ``weight_norm``) compute, by name: each is drawn as
    the layer's own tensor (a spectral-normed Linear's weight is a Linear's, then normed, as torch's own init gives
    it), and what the norm keeps follows it (``_Target._renorm``), so the layer starts from the drawn weight. A
    tensor ``torch.nn.utils.prune`` masks (``<name>_orig`` times the buffer ``<name>_mask``) is drawn as the layer's
    own too, in ``<name>_orig``; nothing follows it (its mask is kept: the pruned entries stay zero). Any other
    parametrization (``orthogonal``, a user's) keeps its originals in its own space: left to the walk, kind
    "other"."""
    out: dict[str, _Computed] = {}
    plists = module._modules.get("parametrizations")
    if plists is not None:
        for name, plist in plists._modules.items():
            params = plist._parameters if plist is not None else {}
            only = type(cast(Any, plist)[0]).__name__ if plist is not None and len(cast(Any, plist)) == 1 else ""
            at, norm = f"parametrizations/{name}/", cast(Any, plist)[0] if only else cast(Any, None)
            if only == "_SpectralNorm" and isinstance(params.get("original"), torch.Tensor):
                out[name] = _Computed(at + "original", cast(Any, params["original"]),
                                      ("uv", at + "0/_u", at + "0/_v", norm.dim, norm.eps, 15), ())
            elif only == "_WeightNorm" and isinstance(params.get("original1"), torch.Tensor):
                out[name] = _Computed(at + "original1", cast(Any, params["original1"]),
                                      ("g", at + "original0", norm.dim), ())
    hooks: dict[int, Any] = cast(Any, module)._forward_pre_hooks
    for hook in hooks.values():
        normed = getattr(hook, "name", None)
        if type(hook).__name__ == "SpectralNorm" and isinstance(normed, str):  # the old hook-based API
            orig = module._parameters.get(normed + "_orig")
            if isinstance(orig, torch.Tensor):  # its registration draws u and v and iterates no further
                out[normed] = _Computed(normed + "_orig", orig, ("uv", normed + "_u", normed + "_v",
                                                                 getattr(hook, "dim", 0), getattr(hook, "eps", 0.0),
                                                                 0),
                                        (normed + "_orig",))
        if type(hook).__name__ == "WeightNorm" and isinstance(normed, str):
            v = module._parameters.get(normed + "_v")
            if isinstance(v, torch.Tensor) and isinstance(module._parameters.get(normed + "_g"), torch.Tensor):
                out[normed] = _Computed(normed + "_v", v, ("g", normed + "_g", getattr(hook, "dim", 0)),
                                        (normed + "_g", normed + "_v"))
        pruned = _pruned_name(hook)
        orig = module._parameters.get(f"{pruned}_orig") if pruned is not None else None
        if pruned is not None and isinstance(orig, torch.Tensor):
            out[pruned] = _Computed(pruned + "_orig", orig, (), (pruned + "_orig",))
    return out


#: torch's pruning module: until it is imported no module of a model is pruned
PRUNE = "torch.nn.utils.prune"


def _pruned_name(hook: Any) -> str | None:
    """The name of the tensor a forward pre-hook of ``torch.nn.utils.prune`` masks (a pruning method, or the
    ``PruningContainer`` of several), else None. Nothing is imported: before torch's prune module is, no hook is
    one."""
    prune = sys.modules.get(PRUNE)
    name = getattr(hook, "_tensor_name", None)
    return name if prune is not None and isinstance(hook, prune.BasePruningMethod) and isinstance(name, str) else None


def _module_records(base: str, module: nn.Module, parent: nn.Module | None,
                    out: list[tuple[Any, torch.Tensor]], lazy: list[str] | None = None,
                    norms: list[tuple[str, tuple[Any, ...]]] | None = None) -> frozenset[str]:
    """The module's own parameters (and, for a norm, its running statistics) as (Param, tensor), appended to
    ``out``; ``base`` is the module's path with a trailing "/" ("" for the root). A lazy module's parameter, not
    built yet, is no record: its path goes to ``lazy``. A tensor torch computes (``_computed``) is recorded
    under its own name's role, at the path of the parameter holding its values, and where something follows it
    goes to ``norms`` as (that path, what follows it: ``_Computed.norm`` with paths from the model's root; a pruned
    tensor's mask follows nothing). Returns the names of the computed tensors recorded."""
    own = module._parameters
    computed = _computed(module) if "parametrizations" in module._modules or cast(Any, module)._forward_pre_hooks \
        else {}
    if not own and not module._buffers and not computed:
        return _NONE
    key, kind, info, layout, layer = _class_facts(module, parent)
    tensors: Any = own.items()
    if computed:
        hidden = {n for c in computed.values() for n in c.hides}
        tensors = [(n, t) for n, t in own.items() if n not in hidden] + [(n, c.tensor) for n, c in computed.items()]
    if kind == "norm":  # running statistics only; a non-persistent buffer is never written
        buffers = module._buffers
        tensors = list(tensors) + [(n, buffers[n]) for n in ("running_mean", "running_var", "num_batches_tracked")
                                   if buffers.get(n) is not None and n not in module._non_persistent_buffers_set]
    main = info.main("weight") if info is not None else "weight"
    layer_fans = _layer_fans(module, kind, layout, computed[main].tensor if main in computed else None,
                             main) if tensors else None
    for name, t in tensors:
        if t is None or (type(t) is not nn.Parameter and isinstance(t, UNBUILT)):
            if t is not None and lazy is not None:
                lazy.append(base + name)
            continue
        is_param = name in own or name in computed
        shared = _TENSOR_FACTS.get((key, name)) if key is not None else None
        if shared is None:
            shared = _tensor_facts(key, kind, info, layout, layer, module, name)
        values = shared.copy()  # the class's fields, then the tensor's own
        trainable = is_param and t.requires_grad
        view = _declared_view(module, info, name, t) if info is not None and info.shapes else None
        if view is not None:  # stored flattened: described and drawn through a view of one layer's shape, of a
            t = _view(t, view, base + name)  # detached tensor: nothing holds the parameter, which torch may swap
        values["path"], values["dtype"], values["shape"], values["layer_fans"], values["trainable"] = \
            base + name, _dtype_name(t), tuple(t.shape), layer_fans, trainable
        if values["stacked"]:
            values["layer_fans"] = _stacked_fans(module, info, name, layout)
        if values["role"] == "embedding":
            padding = getattr(module, "padding_idx", None)
            values["padding_idx"] = padding if isinstance(padding, int) else None
        c = computed.get(name) if computed else None
        if c is not None:  # keyed as the layer's own tensor, so an unparametrized model gets the same values
            values["path"], values["key_parts"] = base + c.path, _split(base[:-1])
            if norms is not None and c.norm:
                norms.append((base + c.path, c.norm[:1] + tuple(base + x if isinstance(x, str) else x
                                                                 for x in c.norm[1:])))
        out.append((Param._unchecked(values), t))
    return frozenset(computed) if computed else _NONE


#: the kinds of layer whose weights and biases ``spec.to_torch()`` draws when it is handed a module
HOOK_KINDS = frozenset({"dense", "conv", "conv_transpose", "embedding"})
#: the roles it draws there (a bias only when it is given a bias spec)
HOOK_ROLES = frozenset({"weight", "embedding", "bias"})


def layer_records(module: nn.Module) -> tuple[list[tuple[Param, torch.Tensor]], list[tuple[str, tuple[Any, ...]]]]:
    """The weights and biases of ``module`` as the plan walk records them, when it sees the module as a layer of
    a kind in ``HOOK_KINDS``: a torch layer, a registered class (GPT-2's Conv1D, timm's CondConv2d, a user's),
    Hugging Face's stacked experts. A flattened tensor comes as its view of one layer's shape, a stacked one with
    its stacked axes, a normed weight (weight or spectral norm) as the parameter that holds its values; with them
    the normed weights and what follows each (``_computed``). Nothing for any other module or one still lazy;
    paths are relative to the module."""
    found: list[tuple[Any, torch.Tensor]] = []
    norms: list[tuple[str, tuple[Any, ...]]] = []
    _module_records("", module, None, found, None, norms)
    kept = [(p, t) for p, t in found if p.kind in HOOK_KINDS and p.role in HOOK_ROLES]
    paths = {p.path for p, _ in kept}
    return kept, [(path, what) for path, what in norms if path in paths]


def refuse_module_option(model: Any, module: Any, owner: str) -> None:
    """``module=`` names the nn.Module a state_dict came from: given with an nn.Module ``model``, which describes
    itself, it would be ignored, so it is refused, naming ``owner``.

    Raises:
        TypeError: ``module`` is not None and ``model`` is an nn.Module."""
    if module is not None and isinstance(model, nn.Module):
        from ..._validate import shown
        raise TypeError(f"{owner}: parameter 'module' applies to a torch state_dict only (the nn.Module it came "
                        f"from), but the model is a {type(model).__name__}, which describes itself; got "
                        f"module={shown(module)}; allowed: module=None (leave it out) for an nn.Module")


def walk(model: Any, *, module: nn.Module | None = None, lazy: list[str] | None = None,
         norms: list[tuple[str, tuple[Any, ...]]] | None = None) -> list[tuple[Any, torch.Tensor]]:
    """Every parameter of ``model`` (an nn.Module or a state_dict; a whole-number one too, which a rule that draws
    refuses), and the running statistics of its norms, as (unifiedinit.params.Param, tensor); a tensor shared by
    several modules (tied weights) once, under its first path, with the others as aliases. ``lazy``, a list,
    receives the paths of a lazy module's parameters that are not built yet; ``norms``, a list, the normed weights
    (``_module_records``). ``module``: the nn.Module a state_dict came from, which describes its tensors; given
    with an nn.Module ``model`` (which describes itself) it is refused (TypeError), not ignored. A model inside
    wrappers (``_unwrapper``: DDP, ``torch.compile``, timm's ``features_only``) is keyed as the bare model, and
    each record holds the bare model's paths of its tensor in its ``names``, which rules' path globs match."""
    from collections.abc import Mapping
    if isinstance(model, Mapping):
        return _walk_state_dict(model, module, norms)
    if not isinstance(model, nn.Module):
        raise TypeError(f"parameter 'model' must be a torch nn.Module or state_dict, got {type(model).__name__}")
    refuse_module_option(model, module, "walk")
    found: list[tuple[Any, torch.Tensor]] = []
    _walk_modules(model, "", None, found, lazy, norms)
    unwrap = _unwrapper(model)
    if unwrap is None:
        return tie(found)
    out: list[tuple[Any, torch.Tensor]] = []
    # keyed as the bare model's, a tied tensor's owner chosen by the bare model's paths: the values do not depend
    # on the wrapper
    for p, t in tie(found, where=lambda q: unwrap(q.path)):
        parts = "/".join(map(str, p.key_parts)) if p.key_parts is not None else p.path.rpartition("/")[0]
        kept = unwrap(parts)
        # the bare model's paths too, so that a rule's path glob written for the bare model matches the wrapped one
        known = (p.path,) + p.aliases + p.names
        bare = tuple(dict.fromkeys(n for n in map(unwrap, (p.path,) + p.aliases) if n not in known))
        if kept != parts or bare:
            p = p._replace(key_parts=_split(kept) if kept != parts else p.key_parts, names=p.names + bare)
        out.append((p, t))
    return out


def _unwrapper(model: nn.Module) -> Callable[[str], str] | None:
    """The map from a "/"-joined path in ``model`` to the wrapped model's own (``torch.compile``'s, DDP's,
    DataParallel's and timm's feature wrappers' level around it, FSDP1's levels inside, the names timm's
    ``features_only`` wrappers give the children of the model's nn.Sequential children), so that keys and path
    rules do not depend on the wrappers; None where there is none."""
    wrapper, bare = _wrapper_parts(model)
    flat = _timm_flattened(bare)
    inner = _fsdp1_levels(model)
    if not wrapper and not inner and not flat:
        return None

    def unwrap(path: str) -> str:
        parts = path.split("/") if path else []
        if inner:
            parts = [part for i, part in enumerate(parts) if tuple(parts[:i + 1]) not in inner]
        if wrapper:
            if tuple(parts[:len(wrapper)]) != wrapper:
                return "/".join(parts)
            parts = parts[len(wrapper):]
        if parts and parts[0] in flat:
            parts[:1] = flat[parts[0]]
        return "/".join(parts)

    return unwrap


#: the modules that define torch's FSDP classes (FSDP1's wrapper, FSDP2's module; FSDP2 under
#: torch.distributed._composable in older torch): until one is imported no module of the model is an FSDP one
_FSDP_MODULES = ("torch.distributed.fsdp", "torch.distributed._composable.fsdp")
#: the FSDP classes by name: FSDP1's wrapper module, the class FSDP2's ``fully_shard`` mixes into a module
_FSDP_CLASSES = {"FullyShardedDataParallel": 1, "FSDPModule": 2}


def _fsdp(module: nn.Module) -> int:
    """1 for an FSDP1 module (``FullyShardedDataParallel``), 2 for one FSDP2's ``fully_shard`` made, else 0. Found by
    torch's class names in the module's classes: nothing of torch.distributed is imported (a build may lack it)."""
    for cls in type(module).__mro__:
        kind = _FSDP_CLASSES.get(cls.__name__)
        if kind is not None and cls.__module__.startswith("torch.distributed."):
            return kind
    return 0


def _fsdp_modules(model: Any) -> list[tuple[str, nn.Module, int]]:
    """The FSDP1 and FSDP2 modules of ``model`` (an nn.Module; nothing for a state_dict) in ``named_modules``'
    order, a module held twice under each name: (torch name, module, 1 or 2, ``_fsdp``). Nothing is looked at
    before torch's FSDP is imported."""
    if not isinstance(model, nn.Module) or not any(name in sys.modules for name in _FSDP_MODULES):
        return []
    from .meta import named_modules
    return [(name, module, kind) for name, module in named_modules(model) if (kind := _fsdp(module))]


def _fsdp1_levels(model: Any) -> frozenset[tuple[str, ...]]:
    """The path parts, ending with ``_fsdp_wrapped_module``, of the levels FSDP1 adds wherever it wraps a module:
    inside ``FullyShardedDataParallel.summon_full_params`` its layers are keyed as the unwrapped model's."""
    return frozenset((tuple(name.split(".")) if name else ()) + ("_fsdp_wrapped_module",)
                     for name, _, kind in _fsdp_modules(model) if kind == 1)


#: what to do instead of applying a plan to FSDP1's flattened shards
_FSDP1_ALLOWED = ("Allowed: shard the model with FSDP2 (torch.distributed.fsdp.fully_shard), whose shards a plan "
                  "writes one by one; apply the plan before wrapping the model in FSDP; or apply it inside "
                  "`with FullyShardedDataParallel.summon_full_params(model, writeback=True):`, where every "
                  "module holds its whole parameters")


def refuse_sharded_wrappers(model: Any, found: Sequence[tuple[Any, torch.Tensor]]) -> None:
    """Refuse, before anything is written, an FSDP model whose parameters are not the ones a plan can write: FSDP1
    (``FullyShardedDataParallel``) outside ``summon_full_params``, whose parameters are 1-D pieces of a flattened
    and sharded FlatParameter (a plan would draw each piece as a whole tensor, with 1-D fans, or find nothing to
    set), and a FlatParameter among ``found`` (a wrapped module or a mapping handed over without its wrapper); an
    FSDP2 module holding its unsharded parameters (after a forward with ``reshard_after_forward=False``), or with
    an unshard in flight, whose ``reshard()`` would throw the written values away.

    Raises:
        ValueError: naming the module or the parameter, and what to do."""
    for name, module, kind in _fsdp_modules(model):
        where = f"module {name!r}" if name else "the model"
        if kind == 1 and getattr(getattr(module, "training_state", None), "name", "") != "SUMMON_FULL_PARAMS":
            raise ValueError(f"Plan.apply: {where} is an FSDP1 FullyShardedDataParallel, whose parameters are "
                             "flattened and sharded into 1-D FlatParameter pieces: a plan cannot see its layers' "
                             f"shapes; nothing was written. {_FSDP1_ALLOWED}")
        said = _fsdp2_unsharded(module) if kind == 2 else None
        if said is not None:
            raise ValueError(f"Plan.apply: FSDP2 {where} ({type(module).__name__}) {said[0]}; nothing was written. "
                             f"Allowed: {said[1]}reshard() on each module fully_shard was applied to (reshard() is "
                             "not recursive: each module of model.modules() that is an FSDPModule), then apply the "
                             "plan")
    if not any(name in sys.modules for name in _FSDP_MODULES):
        return
    flat = [p.path for p, t in found if getattr(t, "_is_flat_param", False) is True]
    if flat:
        raise ValueError(f"Plan.apply: parameter {flat[0]!r} is an FSDP1 FlatParameter, the flattened and sharded "
                         "parameters of a FullyShardedDataParallel module's layers: a plan cannot see their shapes; "
                         f"nothing was written. {_FSDP1_ALLOWED}")


def _fsdp2_unsharded(module: nn.Module) -> tuple[str, str] | None:
    """Why an FSDP2 module's parameters are not its shards, read from its parameter groups' state, and what to do
    before its ``reshard()``: it holds its unsharded parameters, or an unshard is in flight
    (``unshard(async_op=True)`` not waited for, whose wait sets the values gathered before a write); None when its
    shards are what it holds."""
    get = getattr(module, "_get_fsdp_state", None)
    state = get() if callable(get) else None
    groups = getattr(state, "_fsdp_param_groups", None)
    if groups is None:  # older torch: one group at most
        one = getattr(state, "_fsdp_param_group", None)
        groups = [] if one is None else [one]
    for group in cast("list[Any]", groups):
        if getattr(group, "_all_gather_result", None) is not None:
            return ("has an unshard in flight (unshard(async_op=True)): waited for, it sets parameters that hold "
                    "the values gathered before any write",
                    "call wait() on the handle unshard() returned, then ")
        if getattr(group, "is_sharded", True) is False:
            return ("holds its unsharded parameters (after a forward with reshard_after_forward=False, or "
                    "unshard()): its reshard() sets its shards back and throws values written into these away",
                    "call ")
    return None


def unwrapped(model: nn.Module) -> nn.Module:
    """The model inside the wrappers around ``model`` that add a level of their own (``torch.compile``'s, DDP's,
    DataParallel's, timm's feature wrappers': ``_wrapper_parts``), whose names a plan's keys use; ``model`` itself
    where there is none."""
    return _wrapper_parts(model)[1]


def _wrapper_parts(model: nn.Module) -> tuple[tuple[str, ...], nn.Module]:
    """The path of the model inside the wrappers around it that add a level of their own: ``torch.compile``'s
    (``_orig_mod``), ``DistributedDataParallel``'s and ``DataParallel``'s (``module``), timm's ``FeatureGetterNet``'s
    (``model``) and a ``FeatureHookNet``'s that holds the whole model (``body``); and the module found there."""
    parts: list[str] = []
    while True:
        name = "_orig_mod" if type(model).__name__ == "OptimizedModule" else \
            "module" if isinstance(model, (nn.DataParallel, nn.parallel.DistributedDataParallel)) else \
            "model" if _timm_wrapper(model, "FeatureGetterNet") else "body" if _timm_hooks_body(model) else ""
        inner = model._modules.get(name) if name else None
        if inner is None:
            return tuple(parts), cast(nn.Module, model)
        parts.append(name)
        model = inner


#: the modules that define timm's feature wrappers (``timm.create_model(..., features_only=True)``), the second in
#: timm before 0.9: until one is imported no module of the model is one of them, and timm is never imported here
_TIMM_FEATURES = ("timm.models._features", "timm.models.features")


def _timm_wrapper(model: nn.Module, name: str) -> bool:
    """Whether ``model`` is an instance of timm's feature wrapper class ``name`` ("FeatureGetterNet", ...)."""
    for where in _TIMM_FEATURES:
        cls = getattr(sys.modules.get(where), name, None)
        if isinstance(cls, type) and isinstance(model, cls):
            return True
    return False


def _timm_feature_modules(model: nn.Module) -> list[str]:
    """The names, in the model timm wrapped, of the modules whose outputs timm's feature wrapper ``model`` returns
    (its ``feature_info`` at its ``out_indices``); none where it keeps no such record."""
    info: Any = getattr(model, "feature_info", None)
    try:
        names: Any = info.module_name() if info is not None else []
    except (AttributeError, IndexError, KeyError, TypeError):
        return []
    return [n for n in cast("list[Any]", names) if isinstance(n, str)] if isinstance(names, list) else []


def _timm_hooks_body(model: nn.Module) -> bool:
    """Whether ``model`` is timm's ``FeatureHookNet`` holding the whole model as ``body`` (``no_rewrite``), not the
    model's children (which may include a child ``body`` of its own): its hooks, on the modules it returns the
    outputs of, are then on modules found under ``body`` by their names in the model."""
    body = model._modules.get("body")
    if body is None or len(model._modules) != 1 or not _timm_wrapper(model, "FeatureHookNet"):
        return False
    collect = getattr(getattr(model, "hooks", None), "_collect_output_hook", None)  # what each hook is a partial of
    names = _timm_feature_modules(model)
    for name in names:
        try:
            hooked: Any = body.get_submodule(name)
        except AttributeError:
            return False
        hooks: list[Any] = [*hooked._forward_hooks.values(), *hooked._forward_pre_hooks.values()]
        if collect is None or collect not in [getattr(h, "func", None) for h in hooks]:
            return False
    return bool(names)


def _timm_flattened(model: nn.Module) -> dict[str, tuple[str, str]]:
    """The children of timm's ``FeatureDictNet``, ``FeatureListNet`` or rewritten ``FeatureHookNet`` ``model``
    that were the children of the model's nn.Sequential children, which timm's ``_module_list`` flattens into the
    wrapper as "<sequential>_<child>" ("stages.0" -> "stages_0"), each with its two names. The wrapper does not
    keep which children were flattened, but it names modules by their names in the model: its ``feature_info``
    the modules it returns, its ``pretrained_cfg`` the first convolution. One named "a.b..." with no child "a"
    but a child "a_b" was flattened from the nn.Sequential "a", and so were the children "a_<name>". A child
    whose name starts so for two such nn.Sequential ("a" and "a_b") is left as it is: which one held it is not
    known; nor can a child of an nn.Sequential that no such name is in be told from a module of the model with a
    "_" in its name, and it keeps the name the wrapper gives it. A module of the model named "a_<name>" beside
    the nn.Sequential "a" would be read as a's child."""
    if not (_timm_wrapper(model, "FeatureDictNet") or _timm_wrapper(model, "FeatureHookNet")):
        return {}
    children = model._modules
    cfg: Any = getattr(model, "pretrained_cfg", None)
    first: Any = cast("dict[str, Any]", cfg).get("first_conv") if isinstance(cfg, dict) else None
    firsts: list[Any] = [first] if isinstance(first, str) else list(cast("Sequence[Any]", first)) \
        if isinstance(first, (list, tuple)) else []
    heads: set[str] = set()
    for name in _timm_feature_modules(model) + [n for n in firsts if isinstance(n, str)]:
        head, _, rest = name.partition(".")
        if rest and head not in children and f"{head}_{rest.partition('.')[0]}" in children:
            heads.add(head)
    out: dict[str, tuple[str, str]] = {}
    for child in children:
        found = [h for h in heads if child.startswith(h + "_") and len(child) > len(h) + 1]
        if len(found) == 1:
            out[child] = (found[0], child[len(found[0]) + 1:])
    return out


def positions(model: Any, found: Sequence[tuple[Param, Any]], module: nn.Module | None = None
              ) -> tuple[tuple[Any, ...], ...]:
    """The module paths of layers of ``model`` (or of ``module``, a state_dict's) that hold tensors no record of
    ``found`` describes: a lazy layer not built yet, a layer of persistent buffers only (a fixed position table).
    Each counts as a position of its sequence in the keys (``assign_keys``'s ``held``), as Keras (a non-trainable
    weight), NNX (a Variable) and Equinox (an array) count the same layer, so that building a lazy layer or
    porting the model moves no other layer's key. As key parts (``params._split``'s), read through the wrappers
    around the model as its records' keys are (``_unwrapper``)."""
    from .meta import named_modules
    root: nn.Module | None = model if isinstance(model, nn.Module) else module
    if root is None:
        return ()
    under = {path.rsplit("/", k)[0] for p, _ in found for path in (p.path, *p.aliases)
             for k in range(1, path.count("/") + 1)}
    held: set[str] = set()
    for name, layer in named_modules(root):
        if name and (any(isinstance(t, UNBUILT) for t in layer._parameters.values()) or any(
                b is not None and n not in layer._non_persistent_buffers_set for n, b in layer._buffers.items())):
            held.add(name.replace(".", "/"))
    unwrap = _unwrapper(root) if root is model else None
    return tuple(_split(unwrap(path) if unwrap is not None else path) for path in sorted(held - under))


def _walk_modules(module: nn.Module, base: str, parent: nn.Module | None, found: list[tuple[Any, torch.Tensor]],
                  lazy: list[str] | None = None, norms: list[tuple[str, tuple[Any, ...]]] | None = None) -> None:
    """Every module's records into ``found``, in ``named_modules(remove_duplicate=False)``'s order (a module held
    twice comes twice), each module seen with its parent on that path; ``base``: its path and a trailing "/".
    The parametrizations of a tensor the module's records hold (``_computed``) are not walked again."""
    done = _module_records(base, module, parent, found, lazy, norms)
    for name, child in module._modules.items():
        if child is None:
            continue
        if done and name == "parametrizations":
            for sub, plist in child._modules.items():
                if plist is not None and sub not in done:
                    _walk_modules(plist, f"{base}{name}/{sub}/", child, found, lazy, norms)
            continue
        _walk_modules(child, base + name + "/", module, found, lazy, norms)


def _described(t: torch.Tensor) -> str:
    """A tensor's shape, dtype and (a DTensor's) placements, for a message."""
    placed = f", {', '.join(map(str, cast(Any, t).placements))}" if _dtensor(t) else ""
    return f"{tuple(t.shape)} {str(t.dtype).replace('torch.', '')}{placed}"


def refuse_shared_memory(found: Sequence[tuple[Param, torch.Tensor]]) -> None:
    """Refuse, before anything is written, two records whose tensors share memory without being one tensor: a
    Parameter made from another's view (``dec.weight = nn.Parameter(enc.weight.t())``, a tied autoencoder) would be
    written twice, the second draw overwriting the first while the report shows both. One tensor under two names
    (``dec.weight = enc.weight``) is one record already (``tie``); views of one buffer that share no entry (its
    columns as q, k and v) are fine. Read from shapes, strides and offsets only: no device memory is read."""
    spans: dict[tuple[Any, int], list[tuple[int, int, Param, torch.Tensor]]] = {}
    for p, t in found:
        if type(t) not in (torch.Tensor, nn.Parameter) or t.is_meta or t.numel() == 0:  # plain memory only
            continue
        size = t.element_size()
        start, end = _span(t)
        spans.setdefault((t.device, t.untyped_storage().data_ptr()), []).append((start * size, end * size, p, t))
    for group in spans.values():
        group.sort(key=lambda g: g[0])
        for i, (_, end, p, a) in enumerate(group):
            for start, _, q, b in group[i + 1:]:
                if start >= end:  # sorted by start: no later one reaches into ``a`` either
                    break
                if _share_entries(a, b):
                    raise ValueError(
                        f"parameters {p.path!r} and {q.path!r} share memory without being one tensor (one is made "
                        f"from a view of the other, such as nn.Parameter(w.t())): a plan would write it twice. Tie "
                        f"them as one Parameter (dec.weight = enc.weight), or skip one "
                        f"(skip=[{q.path.replace('/', '.')!r}])")


def _share_entries(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Do two views of one storage, whose byte ranges overlap, have an entry in common? Marked in a boolean mask of
    the range on the host, from their shapes, strides and offsets (another dtype each: taken as sharing)."""
    if a.dtype != b.dtype:
        return True
    (a_start, a_end), (b_start, b_end) = _span(a), _span(b)
    low = min(a_start, b_start)
    mask = torch.zeros(max(a_end, b_end) - low, dtype=torch.bool)
    mask.as_strided(tuple(a.shape), a.stride(), a_start - low).fill_(True)
    return bool(mask.as_strided(tuple(b.shape), b.stride(), b_start - low).any())


def _span(t: torch.Tensor) -> tuple[int, int]:
    """The entries of its storage a non-empty view reaches: [its offset, one past its farthest entry), as ints (a
    symbol under torch.compile specializes, as its shapes do)."""
    start = operator.index(t.storage_offset())
    return start, start + 1 + sum((operator.index(n) - 1) * abs(st) for n, st in zip(t.shape, t.stride()))


def _same_tensor(t: torch.Tensor) -> Any:
    """Which entries of a state_dict are one tensor: ``state_dict()`` detaches every entry into a new tensor
    object, so tied weights (GPT-2's ``lm_head.weight`` and ``transformer.wte.weight``) are told apart by ``id``
    but share their storage and view. A meta or empty tensor has no storage to compare: its object decides."""
    if t.is_meta or t.numel() == 0:
        return ("object", id(t))
    return (t.device, t.untyped_storage().data_ptr(), t.storage_offset(), tuple(t.shape), t.stride(), t.dtype)


def _walk_state_dict(state: Any, module: nn.Module | None, norms: list[tuple[str, tuple[Any, ...]]] | None = None
                     ) -> list[tuple[Any, torch.Tensor]]:
    """A state_dict's tensors, described from ``module`` (the model it came from) when given, else from their
    names and shapes (reported as such); ``norms`` as ``walk``'s, the module's normed weights whose tensors the
    state_dict holds. With ``module``, a tied tensor is one record keyed by the module's owner whichever of its
    names the dict holds (its path: the owner's name, else the first one the dict has; the dict's other names
    its aliases, the module's names the dict lacks its ``names``), so it gets the module's values."""
    for name, t in state.items():
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"a torch state_dict holds tensors; {name!r} is a {type(t).__name__}")
    if module is not None:
        if not isinstance(module, nn.Module):
            raise TypeError(f"parameter 'module' must be the nn.Module the state_dict came from, got {module!r}")
        found_norms: list[tuple[str, tuple[Any, ...]]] = []
        described = {p.path: p for p, _ in walk(module, norms=found_norms)}
        if norms is not None:
            keys = {name.replace(".", "/") for name in state}
            norms += [(v, what) for v, what in found_norms if {v, *(x for x in what[1:] if isinstance(x, str))} <= keys]
        for p in list(described.values()):
            for alias in p.aliases:
                described[alias] = p
        # each tensor of the module -> the state_dict's entries that name it (a tied one's names, each a tensor
        # of its own after a load, or only the alias: safetensors keeps one name of a tie)
        named: dict[str, list[tuple[str, torch.Tensor]]] = {}
        for name, t in state.items():
            path = name.replace(".", "/")
            if path in described:
                p = described[path]
                if p.shape != tuple(t.shape) and math.prod(p.shape) == t.numel():  # a flattened layer's: its view
                    t = t.view(p.shape)
                elif p.shape != tuple(t.shape):  # checked before anything is drawn, as load_state_dict checks it
                    raise ValueError(
                        f"a torch state_dict read with module=: size mismatch for {name!r}: the entry has shape "
                        f"{tuple(t.shape)}, the module's tensor there {p.shape}; nothing was written. Allowed: the "
                        "module's shape (or its number of entries, a flattened layer's); a stack of models' tensors "
                        "(torch.func.stack_module_state) is no state_dict of the module: apply the plan to each "
                        "model before stacking them")
                named.setdefault(p.path, []).append((path, t))
        out: list[tuple[Any, torch.Tensor]] = []
        for owner, entries in named.items():
            p = described[owner]
            present = sorted((path for path, _ in entries), key=_path_order)
            path = owner if owner in present else present[0]  # the module walk's owner, where the dict has it
            # keyed by the module's owner whatever name holds it, so a rule's path glob sees every name of the
            # module's tensor (the ones the dict lacks as ``names``): the module's values, under every name
            absent = tuple(n for n in (owner,) + p.aliases + p.names if n not in present)
            parts = p.key_parts if p.key_parts is not None or path == owner else _split(owner.rpartition("/")[0])
            out.append((p._replace(path=path, aliases=tuple(n for n in present if n != path), names=absent,
                                   key_parts=parts), dict(entries)[path]))
        return tie(out, _same_tensor)
    groups: dict[str, dict[str, torch.Tensor]] = {}
    for name, t in state.items():
        prefix, _, leaf = name.rpartition(".")
        groups.setdefault(prefix, {})[leaf] = t
    out = []
    for prefix, tensors in groups.items():
        kind, layout = _guess(prefix, tensors)
        weight = tensors.get("weight")
        fans = get_layout(layout).fans(tuple(weight.shape)) if isinstance(weight, torch.Tensor) and \
            weight.dim() >= 2 and all(weight.shape) else None
        for leaf, t in tensors.items():
            if not (t.is_floating_point() or (kind == "norm" and leaf == "num_batches_tracked")):
                continue
            role, _ = _role(kind, leaf, None)
            out.append((Param(path="/".join(filter(None, (prefix.replace(".", "/"), leaf))), kind=kind, role=role,
                              shape=tuple(t.shape), dtype=_dtype_name(t), layer_fans=fans, inferred="names",
                              layout=layout if role in ("weight", "embedding") else "torch",
                              layer=kind, trainable=leaf not in STATISTIC_NAMES), t))
    return tie(out, _same_tensor)


STATISTIC_NAMES = ("running_mean", "running_var", "num_batches_tracked")


def _guess(prefix: str, tensors: Mapping[str, torch.Tensor]) -> tuple[str, str]:
    """(kind, weight layout) of a state_dict's layer from its tensors' names and shapes."""
    weight = tensors.get("weight")
    name = prefix.rsplit(".", 1)[-1].lower()
    if set(tensors) & set(STATISTIC_NAMES) or (weight is not None and weight.dim() == 1 and
                                               any(w in name for w in ("norm", "ln", "bn"))):
        return "norm", "torch"
    if weight is None:
        return "other", "torch"
    if weight.dim() == 2 and any(w in name for w in ("emb", "wte", "wpe", "embed", "shared")):
        return "embedding", "torch_embedding"
    if weight.dim() == 2:
        return "dense", "torch"
    if weight.dim() in (3, 4, 5):
        return "conv", "torch"
    return "other", "torch"


_PLAIN = (torch.Tensor, nn.Parameter)


def _dtensor(t: Any) -> bool:
    """A DTensor (an FSDP2 or tensor-parallel parameter); torch.distributed is only looked at when loaded."""
    if type(t) in _PLAIN:
        return False
    module = sys.modules.get("torch.distributed.tensor")
    return module is not None and isinstance(t, module.DTensor)


#: unseeded native draws of tensors up to this many entries are batched: one draw per (draw, dtype, device) into
#: one buffer of at most BATCH entries, copied to the tensors with one ``torch._foreach_copy_``
SMALL, BATCH = 1 << 16, 1 << 22
#: the device types whose tensors are batched: an accelerator, where every draw is a kernel launch. On a CPU a
#: call costs about a microsecond and the buffer's extra pass costs more than that (500 x Linear(64, 64): 31 ms
#: batched, 26 ms drawn in place, benchmarks/bench.py --section small)
BATCHED = frozenset({"cuda", "xpu", "mps", "hpu", "mtia", "privateuseone"})

#: the counter stream computes a large tensor in pieces of about this many entries (its float64 working arrays,
#: a dozen alive at a time, stay near 100 MiB)
COUNTER_PIECE = 1 << 20

#: one written tensor, for ``Report.placements``: (Param, the tensor, its local tensor, portable, computed whole,
#: seeded: a native draw from ``seed=``, so a replicated shard draws what the unsharded tensor does)
_Placed = tuple[Any, torch.Tensor, torch.Tensor, bool, bool, bool]


#: the most entries whose memory offsets ``_overlaps`` lists and sorts, when neither torch nor the strides tell
#: (8 MiB of int64 offsets, a fraction of a second); a larger tensor of such a layout is refused as one that may
#: share memory
OFFSETS_LISTED = 1 << 20


def _overlaps(t: torch.Tensor) -> bool | None:
    """Whether two entries of ``t`` share memory: True, False, or None when it cannot be told cheaply.

    torch's own check (``torch._debug_has_internal_overlap``: 0 no, 1 yes, 2 too hard to tell) answers from the
    tensor's metadata: a dense layout (contiguous, transposed, channels_last) shares nothing, a zero stride over an
    axis of more than one entry shares. Where it cannot tell (a slice with a step, an ``as_strided`` view), the
    shape and strides decide: more entries than the offsets they span share (pigeonhole); strides that, sorted from
    the smallest, each pass every offset the axes before them reach share nothing (a slice with a step, so the
    usual layouts cost no more than that); any other layout ((2, 3) strides (4, 3) shares nothing, (3, 2) strides
    (2, 4) does) has its offsets listed and sorted, up to ``OFFSETS_LISTED`` entries. All of it reads metadata only:
    the tensor's values and device are never touched. None past that, and under ``torch.compile``, which traces
    neither torch's check nor a sort of symbolic sizes, where the pigeonhole test does not decide."""
    compiling = torch.compiler.is_compiling()
    if not compiling:
        verdict = int(getattr(torch, "_debug_has_internal_overlap")(t))
        if verdict != 2:
            return verdict == 1
    shape, strides = t.shape, t.stride()
    if any(stride == 0 and size > 1 for size, stride in zip(shape, strides)):
        return True
    if t.numel() > 1 + sum(stride * (size - 1) for size, stride in zip(shape, strides)):
        return True  # more entries than memory offsets between the first and the last
    if compiling:
        return None
    axes = sorted((stride, size) for size, stride in zip(shape, strides) if size > 1)
    reach = 0  # the largest offset the axes with smaller strides reach
    for stride, size in axes:
        if stride <= reach:
            break
        reach += stride * (size - 1)
    else:
        return False
    if t.numel() > OFFSETS_LISTED:
        return None
    import numpy as np
    offsets: Any = np.zeros(1, dtype=np.int64)
    for stride, size in axes:
        offsets = (offsets[:, None] + np.arange(size, dtype=np.int64) * stride).reshape(-1)
    offsets.sort()
    return bool((offsets[1:] == offsets[:-1]).any())


def transformed(tensor: torch.Tensor) -> bool:
    """Whether a ``torch.func`` transform wraps ``tensor`` (``vmap``'s batched tensor, ``grad``'s tracked one): its
    memory is hidden behind the wrapper, which has no storage to read or view."""
    functorch: Any = getattr(torch._C, "_functorch", None)
    return functorch is not None and bool(functorch.is_functorch_wrapped_tensor(tensor))


def refuse_transformed(tensor: torch.Tensor, name: str) -> None:
    """Refuse, before anything is written, a tensor a ``torch.func`` transform wraps: a batched tensor of ``vmap``
    (model ensembling: ``stack_module_state`` and ``functional_call`` under ``vmap``), a tracked one of ``grad``,
    ``jacrev``... A plan reads each tensor's memory (``refuse_shared_memory``), which torch does not show through
    such a wrapper ("Cannot access storage of BatchedTensorImpl"). Not looked at under torch.compile.

    Raises:
        ValueError: naming the parameter, the transform, and what to do instead."""
    if torch.compiler.is_compiling() or not transformed(tensor):
        return
    functorch: Any = getattr(torch._C, "_functorch")
    what = "a batched tensor of torch.func.vmap" if functorch.is_batchedtensor(tensor) else \
        "a tensor wrapped by a torch.func transform (grad, jacrev, jvp...)"
    raise ValueError(f"Plan.apply: parameter {name!r} is {what}: vmapped and transformed tensors are not supported "
                     "(a plan reads each tensor's memory, which the transform's wrapper hides); nothing was written. "
                     "Allowed: apply the plan outside the transform: to each model before "
                     "torch.func.stack_module_state (a seed each, seed=i), or to the module before calling it")


def writable(tensor: torch.Tensor, name: str, owner: str = "") -> None:
    """Refuse, before anything is written, a tensor torch would refuse to write half way through a model, or would
    write wrongly: a sparse one, an inference tensor outside ``torch.inference_mode()``, or one whose entries share
    memory (an ``expand``-ed view, an ``as_strided`` one whose entries overlap: one value would land in several
    entries, and an orthogonal draw would come out another matrix; ``_overlaps``)."""
    local: torch.Tensor = cast(Any, tensor).to_local() if _dtensor(tensor) else tensor
    if local.layout != torch.strided:
        raise ValueError(f"{owner}parameter {name!r} is a {local.layout} tensor: its stored entries are not one value "
                         "per position; allowed: a dense (strided) tensor (replace it by its .to_dense())")
    # (torch.compile traces no inference-mode query; a compiled graph refuses an inference tensor itself)
    if not torch.compiler.is_compiling() and local.is_inference() and not torch.is_inference_mode_enabled():
        raise ValueError(f"{owner}parameter {name!r} is an inference tensor (made under torch.inference_mode()), "
                         "which torch lets no one write outside that mode; allowed: apply the plan under "
                         "torch.inference_mode(), or replace the tensor by one made outside it")
    if local.is_meta or local.numel() < 2 or local.is_contiguous():
        return
    overlap = _overlaps(local)
    if overlap is False or (overlap is None and torch.compiler.is_compiling()):
        return
    layout = f"shape {tuple(local.shape)}, strides {local.stride()}"
    said = f"is a view whose entries share memory ({layout}, as expand() or as_strided() can make): it cannot " \
        "hold one value per entry" if overlap else \
        f"is a view whose entries may share memory ({layout}): neither torch nor its strides tell, and its " \
        f"{local.numel()} entries are more than the {OFFSETS_LISTED} checked one by one"
    raise ValueError(f"{owner}parameter {name!r} {said}; allowed: a tensor with its own memory per entry (replace it "
                     "by its .clone())")


def local_block(t: Any) -> tuple[torch.Tensor, tuple[tuple[int, int], ...]]:
    """The tensor this process holds of ``t`` and where it sits in the whole: (local tensor, (start, stop) per
    axis). A plain tensor is its own whole; a DTensor gives its local shard (uneven shards included)."""
    if not _dtensor(t):
        return t, tuple((0, n) for n in t.shape)
    from torch.distributed.tensor import Partial
    from torch.distributed.tensor._utils import compute_local_shape_and_global_offset
    if any(isinstance(q, Partial) for q in t.placements):
        raise ValueError(f"a DTensor with a Partial placement ({t.placements}) holds no values to initialize; "
                         "redistribute it to Shard or Replicate first")
    shape, offset = compute_local_shape_and_global_offset(t.shape, t.device_mesh, t.placements)
    with torch.no_grad():
        local = t.to_local()
    if tuple(local.shape) != tuple(shape):  # pragma: no cover - a DTensor whose local tensor is not its shard
        raise ValueError(f"a DTensor's local tensor has shape {tuple(local.shape)}, its placements "
                         f"{t.placements} on {t.device_mesh} give {tuple(shape)}")
    return local, tuple((o, o + n) for o, n in zip(offset, shape))


def block_stream(stream: int, block: tuple[tuple[int, int], ...], shape: tuple[int, ...]) -> int:
    """The native stream of one shard: the parameter's own when the shard is the whole tensor (a replicated
    parameter draws what an unsharded one does, the same on every rank), else one derived from the shard's
    place in the whole, so shards differ and each repeats on a fixed mesh."""
    from ...apply import stream as derive
    if all(a == 0 and b == n for (a, b), n in zip(block, shape)):
        return stream
    return derive(stream, "block/" + ",".join(f"{a}:{b}" for a, b in block))


def in_logical_order(t: torch.Tensor, fill: Callable[[torch.Tensor], Any]) -> None:
    """``fill`` writes ``t`` in its logical order: torch's in-place samplers fill memory in storage order, so a
    channels_last or transposed tensor would get other values than a contiguous one from one seed. A tensor that
    is not contiguous is filled through a contiguous buffer of its shape."""
    into = t if t.is_contiguous() else torch.empty(t.shape, dtype=t.dtype, device=t.device)
    fill(into)
    if into is not t:
        t.copy_(into)


def check_device(owner: str, device: Any) -> torch.device:
    """``device=`` (where meta parameters are materialized) as a ``torch.device`` this torch can allocate on.

    Raises:
        ValueError: no torch device, ``meta``, or a device this build or machine lacks ("cuda" on a CPU build, a
            backend whose module is not installed), named here rather than by torch's own bare errors."""
    from ... import _validate as v
    try:
        found = torch.device(device)
    except (RuntimeError, TypeError, ValueError) as e:  # ValueError: an index no int64 holds (10**400)
        raise ValueError(f"{owner}: parameter 'device' must be a torch device, got {v.shown(device)}") from e
    if found.type == "meta":
        raise ValueError(f"{owner}: parameter 'device' is where meta parameters are materialized; got 'meta'")
    try:  # a device this build or machine lacks is named here, not by torch
        torch.empty(0, device=found)
    except (RuntimeError, AssertionError, ImportError) as e:  # ImportError: "hpu" without its module
        raise ValueError(f"{owner}: parameter 'device' must be a device this torch can allocate on, got "
                         f"{str(found)!r}: {e}") from None
    return found


class _Target:
    """Writes a plan's values into a torch model or state_dict, in place; a DTensor shard by shard (each process
    writes only its local tensor); a meta parameter, given ``device=``, materialized there and drawn once."""

    def __init__(self, model: Any, *, seed: int | None = None, generator: torch.Generator | None = None,
                 module: nn.Module | None = None, device: Any = None, whole_limit: int = 2 ** 31) -> None:
        from ... import _validate as v
        from .hooks import check_generator
        check_generator(generator)
        if generator is not None and seed is not None:
            raise ValueError("Plan.apply: give seed= or generator=, not both")
        if device is not None:
            device = check_device("Plan.apply", device)
            if not isinstance(model, nn.Module):
                raise TypeError("Plan.apply: parameter 'device' materializes the meta parameters of an nn.Module; "
                                f"got a {type(model).__name__}")
        whole_limit = v.integer("Plan.apply", "whole_limit", whole_limit, minimum=0)  # a number of bytes
        refuse_module_option(model, module, "Plan.apply")
        self.model, self.device, self.whole_limit, self.seed = model, device, whole_limit, seed
        self.module = module  # a state_dict's module
        lazy: list[str] = []  # a lazy module's parameters exist after its first call: none to set yet
        self.norms: list[tuple[str, tuple[Any, ...]]] = []  # normed weights: what follows each once drawn
        self.found = walk(model, module=module, lazy=lazy, norms=self.norms)
        refuse_sharded_wrappers(model, self.found)  # FSDP1's flat shards, FSDP2 holding unsharded parameters
        #: a state_dict's entries for one tied tensor of its module that are tensors of their own (a loaded
        #: checkpoint's): (the record's path, the entry's name, its tensor), given the record's values once drawn
        self.copies: list[tuple[str, str, torch.Tensor]] = []
        if module is not None and isinstance(model, Mapping):
            state = cast("Mapping[str, torch.Tensor]", model)
            for p, t in self.found:
                for alias in p.aliases:
                    other = state[alias.replace("/", ".")]
                    if other.shape != t.shape and other.numel() == t.numel():  # a flattened layer's: its view
                        other = other.view(t.shape)
                    if _same_tensor(other) != _same_tensor(t):
                        self.copies.append((p.path, alias, other))
        if lazy:
            from ...apply import lazy_message, lazy_names
            warnings.warn(lazy_message("Plan.apply", lazy_names(lazy)), UserWarning, stacklevel=5)
        self.generator = generator
        self.streams: dict[Any, torch.Generator] = {}
        self.ops: dict[Any, TorchOps] = {}
        #: a DTensor shard's ops, one private generator per device: never the global one nor ``generator=``,
        #: which a shard's derived stream must not re-seed
        self.shard_ops: dict[Any, TorchOps] = {}
        self.materialized: list[str] = []
        self.unset_buffers: list[str] = []
        self.placed: list[_Placed] = []
        self.batches: dict[tuple[D.Draw, torch.dtype, torch.device], list[tuple[Any, torch.Tensor]]] = {}
        #: (id of a draw, dtype, device) -> (the draw, samplers' one-call writer for it or None: samplers.draw)
        self.writers: dict[tuple[int, torch.dtype, torch.device], tuple[D.Draw, Any, TorchOps]] = {}
        #: portable writes in flight (``blocks``), waited for when ``writing()`` ends
        self.pool: Any = None
        self.pending: list[Any] = []

    def _place(self, p: Any, t: torch.Tensor, local: torch.Tensor, *, portable: bool, whole: bool,
               seeded: bool = True) -> None:
        self.placed.append((p, t, local, portable, whole, seeded))

    def _placements(self) -> "_Placements":
        return _Placements(self.placed)

    @staticmethod
    def _placement(p: Any, t: Any, local: torch.Tensor, *, portable: bool, whole: bool,
                   seeded: bool = True) -> dict[str, Any]:
        sharded = _dtensor(t)
        return {
            "global_shape": list(p.shape), "local_shape": list(local.shape),
            "placement": ", ".join(map(str, t.placements)) if sharded else "whole",
            "device": str(t.device_mesh) if sharded else str(t.device),
            "computed": "whole" if whole and sharded else "block",
            # seeded, a structured draw is computed whole from the parameter's own stream on every rank (``native``),
            # and a replicated shard draws that stream too: the unsharded tensor's values. Unseeded, a shard draws
            # from torch.initial_seed()'s stream, an unsharded tensor from the generator's state: not the same values
            "invariant": portable or not sharded or (seeded and (whole or all(q.is_replicate() for q in t.placements)))}

    def prepare(self, report: Any, skip: frozenset[str] = frozenset()) -> None:
        """Before anything is written: with ``device=``, every meta parameter must be set by a rule or named by
        ``skip`` (else raise, nothing allocated); then each meta parameter and buffer is materialized on
        ``device`` (a skipped parameter with zeros, for its checkpoint). A tensor a rule sets whose entries share
        memory (an ``expand``-ed view), and two it sets that share memory without being one tensor
        (``refuse_shared_memory``), are refused first, and before them one of a ``torch.func`` transform
        (``refuse_transformed``)."""
        handles = {p.path: t for p, t in self.found}
        for e in report.entries:
            if e.draw is not None:
                refuse_transformed(handles[e.param.path], e.param.path)
                writable(handles[e.param.path], e.param.path, "Plan.apply: ")
                self._check_generator(e, handles[e.param.path])
        refuse_shared_memory([(e.param, handles[e.param.path]) for e in report.entries if e.draw is not None])
        self._check_whole(report, handles)
        self._check_norms(report)
        self._check_copies(report, handles)
        if self.device is None:
            meta = [e.param.path for e in report.entries if e.draw is not None and handles[e.param.path].is_meta]
            if meta:  # checked, and nothing to write to: said, rather than a report of values set that are not
                warnings.warn(f"Plan.apply: {len(meta)} parameter(s) are on the meta device, which holds no values: "
                              f"checked, not written ({', '.join(meta[:4])}{' ...' if len(meta) > 4 else ''}); "
                              "pass device= to materialize them there and draw them", UserWarning, stacklevel=4)
            return
        from .meta import materialize
        set_paths = {e.param.path for e in report.entries if e.spec is not None}
        # what follows a normed weight (a weight norm's g, a spectral norm's vectors) is set once it is drawn
        set_paths |= {x for path, what in self.norms if path in set_paths for x in what[1:] if isinstance(x, str)}
        self.found, self.materialized, self.unset_buffers = materialize(
            self.model, self.found, set_paths, self.device, keep=skip)

    def _check_copies(self, report: Any, handles: dict[str, torch.Tensor]) -> None:
        """Before anything is written, each entry of a state_dict that is a tied tensor's other name and a tensor
        of its own, where a rule writes the tensor: it must take the values as they are (the same shape and dtype
        as the name that is drawn, memory it can write, the same placements for a DTensor)."""
        if not self.copies:
            return
        written = {e.param.path for e in report.entries if e.spec is not None}
        for path, alias, other in self.copies:
            if path not in written:
                continue
            t, name = handles[path], alias.replace("/", ".")
            if other.shape != t.shape or other.dtype != t.dtype or _dtensor(other) != _dtensor(t) or \
                    (_dtensor(t) and tuple(cast(Any, other).placements) != tuple(cast(Any, t).placements)):
                raise ValueError(
                    f"Plan.apply: state_dict entries {path.replace('/', '.')!r} and {name!r} are one tied tensor of "
                    f"the module and differ ({_described(t)} and {_described(other)}): one tensor can hold one "
                    "value; allowed: entries of the same shape, dtype and placements, or one of the names only")
            writable(other, alias, "Plan.apply: ")

    def _check_generator(self, e: Any, t: torch.Tensor) -> None:
        """A ``generator=`` draws on its own device type only: torch would raise at the first draw elsewhere, after
        the parameters before it were written (a DTensor's shard draws with a generator of its own)."""
        g = self.generator
        if g is None or e.draw.deterministic or _dtensor(t):
            return
        device = torch.device(self.device if t.is_meta and self.device is not None else t.device)
        if device.type != g.device.type:
            raise ValueError(f"Plan.apply: parameter 'generator' is a {g.device.type} generator, but parameter "
                             f"{e.param.path!r} is drawn on {device}; give a torch.Generator({device.type!r}) or seed=")

    def _check_whole(self, report: Any, handles: dict[str, torch.Tensor]) -> None:
        """Before anything is written, the DTensors a rule sets: one with a Partial placement (a pending sum, no
        values of its own) is refused; a structured draw (orthogonal, sparse, ...) on a sharded parameter is
        computed whole on every rank (each keeps its block), and one whose whole tensor passes ``whole_limit``
        bytes (float64, as portable values are computed) is refused."""
        if sys.modules.get("torch.distributed.tensor") is None:
            return  # nothing can be a DTensor before torch.distributed.tensor is imported
        from torch.distributed.tensor import Partial

        for e in report.entries:
            t = handles[e.param.path]
            if e.draw is None or not _dtensor(t):
                continue
            placements: tuple[Any, ...] = tuple(cast(Any, t).placements)
            if any(isinstance(q, Partial) for q in placements):
                raise ValueError(f"Plan.apply: parameter {e.param.path!r} is a DTensor with a Partial placement "
                                 f"({', '.join(map(str, placements))}): it holds no values to initialize "
                                 "until it is reduced; redistribute it to Shard or Replicate first")
            size = 8 * t.numel()  # an elementwise draw computes a block (a small tensor whole: at most 8 MiB)
            if not e.draw.elementwise and size > self.whole_limit:
                raise ValueError(
                    f"Plan.apply: parameter {e.param.path!r} is sharded ({', '.join(map(str, placements))}) and "
                    f"{e.spec!r} needs the whole tensor ({size / 2 ** 30:.2f} GiB in float64) on every rank, more "
                    f"than whole_limit={self.whole_limit} bytes; use an elementwise spec for it or raise whole_limit")

    def _check_norms(self, report: Any) -> None:
        """Before anything is written, every tensor of the normed weights whose followers are set after the write
        (``_renorm``) is found (``tensor_at``), and where one of them is a DTensor: the follow-up computes from the
        whole weight, gathered on every rank (a weight past ``whole_limit`` bytes is refused), and writes each rank's
        block of the followers (one with a Partial placement, which holds no values, is refused), so it cannot fail
        once the parameters are written. A weight norm's magnitude its dtype may not hold is refused
        (``refuse_overflowing_norm``)."""
        if not self.norms and PRUNE not in sys.modules:
            return
        written = {e.param.path for e in report.entries if e.spec is not None}
        # every tensor of the norms is found now, not half way through (under torch.func.functional_call, the
        # tensors it swapped in)
        groups = [(path, [(x, self._at(x)) for x in (path,) + what[1:] if isinstance(x, str)])
                  for path, what in self.norms if path in written]
        draws = {e.param.path: e.draw for e in report.entries if e.draw is not None}
        for path, what in self.norms:
            if what[0] == "g" and path in written and path in draws:
                refuse_overflowing_norm(path, draws[path], self._at(path), what[2], what[1], self._at(what[1]))
        if sys.modules.get("torch.distributed.tensor") is None:
            return
        root = self.model if isinstance(self.model, nn.Module) else self.module
        if root is not None:  # the old hook-based norms' computed weights are refreshed whatever was written
            groups += [(paths[0], [(x, getattr(module, x.rsplit("/", 1)[-1])) for x in paths])
                       for (module, _, _), paths in _hooked_norms(root)]
        for path, tensors in groups:
            if not any(_dtensor(t) for _, t in tensors):
                continue
            weight = tensors[0][1]
            for name, t in tensors:
                placements: tuple[Any, ...] = tuple(cast(Any, t).placements) if _dtensor(t) else ()
                if any(type(q).__name__ == "Partial" for q in placements):
                    raise ValueError(f"Plan.apply: {name!r}, which follows the normed weight {path!r}, is a DTensor "
                                     f"with a Partial placement ({', '.join(map(str, placements))}): it holds no "
                                     "values to set until it is reduced; redistribute it to Shard or Replicate first")
            size = weight.numel() * weight.element_size()
            if _dtensor(weight) and size > self.whole_limit:
                raise ValueError(f"Plan.apply: the normed weight {path!r} is sharded and its norm is computed from "
                                 f"the whole tensor ({size / 2 ** 30:.2f} GiB), gathered on every rank, more than "
                                 f"whole_limit={self.whole_limit} bytes; raise whole_limit or redistribute it")

    def _ops(self, device: Any, stream: int | None, seed: bool = True) -> TorchOps:
        """The ops of ``device``: one generator per device, re-seeded for every parameter (``seed``: False for a
        constant, which draws nothing)."""
        ops = self.ops.get(device)
        if ops is None:
            g = self.generator if stream is None else torch.Generator(device)
            ops = self.ops[device] = TorchOps(g, device)
        if seed and stream is not None and ops.g is not None:
            ops.g.manual_seed(stream)
        return ops

    @contextlib.contextmanager
    def writing(self) -> Any:
        """The apply loop writes every parameter under one ``no_grad`` (a leaf that requires grad is written in
        place). Portable values are computed on the host, several tensors at a time (``blocks``); every one is
        written when this context ends, whether the loop ended or raised."""
        try:
            with torch.no_grad():
                yield
        finally:
            pending, self.pending = self.pending, []
            errors = [f.exception() for f in pending]  # waits for each
            if self.pool is not None:
                self.pool.shutdown()
                self.pool = None
            first = next((e for e in errors if e is not None), None)
            if first is not None and sys.exc_info()[1] is None:  # else the loop's own error goes on
                raise first

    def native(self, p: Any, t: torch.Tensor, draw: D.Draw, stream: int | None) -> None:
        if t.is_meta:
            return  # checked, and left for materialization
        if type(t) in _PLAIN or not _dtensor(t):  # the common case without a call
            device = t.device
            if stream is None and draw.elementwise and self.generator is None and device.type in BATCHED and \
                    t.numel() <= SMALL:
                # the global RNG, as torch's own init: small tensors of one draw are drawn together at the end
                self.batches.setdefault((draw, t.dtype, device), []).append((p, t))
                return
            if torch.is_grad_enabled():  # called outside the apply loop's ``writing()``
                with torch.no_grad():
                    return self.native(p, t, draw, stream)
            how = (id(draw), t.dtype, device)  # by identity: a draw's hash is a Python call
            found = self.writers.get(how)
            if found is None or found[0] is not draw:  # decided once per draw: a plan writes many tensors of one
                ops = self._ops(device, stream, not draw.deterministic)
                found = self.writers[how] = (draw, in_place_writer(ops, draw, t.dtype), ops)
            else:
                ops = found[2]
                # as _ops does, without looking the device up again; a constant draws nothing, so it is not seeded
                if stream is not None and ops.g is not None and not draw.deterministic:
                    ops.g.manual_seed(stream)
            write = found[1]
            in_logical_order(t, write if write is not None else
                             lambda into: sampled(ops, draw, tuple(t.shape), t.dtype, p.stacked, out=into))
            self.placed.append((p, t, t, False, False, True))
            return
        # a shard: seeded by its place in the whole (torch has no offset-based RNG on a CPU mesh); without a
        # seed, from torch.initial_seed() (or generator=''s), which the user sets alike on every rank. Drawn with
        # a private generator: the global one and the user's are neither used nor re-seeded
        local, block = local_block(t)
        seeded = stream is not None
        if stream is None:
            from ...apply import stream as derive
            base = self.generator.initial_seed() if self.generator is not None else torch.initial_seed()
            stream = derive(base % 2 ** 64, p.key)
        with torch.no_grad():
            if draw.elementwise:
                ops = self._shard_ops(local.device, block_stream(stream, block, p.shape))
                in_logical_order(local, lambda into: sampled(ops, draw, tuple(local.shape), local.dtype, p.stacked,
                                                             out=into))
            else:  # a structured draw needs the whole tensor: drawn alike on every rank, each keeps its block
                whole = sampled(self._shard_ops(local.device, stream), draw, tuple(p.shape), local.dtype, p.stacked)
                local.copy_(whole[tuple(slice(a, b) for a, b in block)])
        self._place(p, t, local, portable=False, whole=not draw.elementwise, seeded=seeded)

    def _shard_ops(self, device: Any, stream: int) -> TorchOps:
        """A DTensor shard's ops on ``device``, its private generator seeded with ``stream``."""
        ops = self.shard_ops.get(device)
        if ops is None:
            ops = self.shard_ops[device] = TorchOps(torch.Generator(device), device)
        cast(torch.Generator, ops.g).manual_seed(stream)
        return ops

    def host(self, p: Any, t: torch.Tensor, values: Any) -> None:
        from .hooks import write_numpy
        write_numpy(t, values)

    def blocks(self, p: Any, t: torch.Tensor, draw: D.Draw, values: Any) -> None:
        """Portable values: a DTensor's shard gets exactly its block of the whole tensor's values, drawn straight
        into its memory where NumPy can view it (a contiguous CPU float tensor)."""
        from .hooks import write_values
        if t.is_meta:
            return
        local, block = local_block(t)
        index = block if _dtensor(t) else None

        def write() -> None:  # NumPy draws without the GIL: tensors are drawn side by side
            write_values(local, lambda out: values(index, out))

        from ...reference import CHUNK, cores
        if self.pool is None:
            from concurrent.futures import ThreadPoolExecutor
            self.pool = ThreadPoolExecutor(max_workers=cores(), thread_name_prefix="unifiedinit-writes")
        self.pending.append(self.pool.submit(write))
        self._place(p, t, local, portable=True, whole=not (draw.elementwise and t.numel() > CHUNK))

    def counter(self, p: Any, t: torch.Tensor, draw: D.Draw, job: Any) -> None:
        """The counter stream's values, computed by torch where the tensor (or a DTensor's shard) lives: a shard
        computes only its own entries, in pieces of about ``COUNTER_PIECE`` entries (float64 working arrays), each
        copied into its rows."""
        from .ops import TorchArith, TorchOps
        if t.is_meta:
            return
        local, block = local_block(t)
        base, arith = TorchOps(None, local.device), TorchArith(local.device)
        if not draw.elementwise or local.dim() == 0 or local.numel() <= COUNTER_PIECE:
            local.copy_(job.values(block if _dtensor(t) else None, base, arith, local.dtype))
        else:
            rows = max(1, COUNTER_PIECE // (local.numel() // local.shape[0]))
            start = block[0][0]
            for r in range(0, local.shape[0], rows):
                piece = ((start + r, start + min(r + rows, local.shape[0])),) + tuple(block[1:])
                local[r:r + rows].copy_(job.values(piece, base, arith, local.dtype))
        self._place(p, t, local, portable=True, whole=not draw.elementwise)

    def _flush(self) -> None:
        """Draw every batch: one call per (draw, dtype, device) and buffer, one ``_foreach_copy_`` into the
        tensors (grouped by draw, in the model's order within a group: torch.manual_seed repeats it)."""
        for (draw, dtype, device), members in self.batches.items():
            ops = self._ops(device, None)
            start = 0
            while start < len(members):
                group: list[Any] = []
                size = 0
                while start < len(members) and (not group or size + members[start][1].numel() <= BATCH):
                    group.append(members[start])
                    size += members[start][1].numel()
                    start += 1
                with torch.no_grad():
                    buffer = sampled(ops, draw, (size,), dtype, out=torch.empty(size, dtype=dtype, device=device))
                    views = [v.view(t.shape) for v, (_, t) in zip(buffer.split([t.numel() for _, t in group]), group)]
                    getattr(torch, "_foreach_copy_")([t for _, t in group], views)  # one kernel launch for all
                for p, t in group:
                    self._place(p, t, t, portable=False, whole=False)
        self.batches.clear()

    def _at(self, path: str) -> torch.Tensor:
        """The parameter or buffer at ``path`` of the model (a module or a state_dict)."""
        if isinstance(self.model, nn.Module):
            return tensor_at(self.model, path)
        return self.model[path.replace("/", ".")]

    def _renorm(self, report: Any) -> None:
        """What follows each drawn weight that torch normalizes (``follow_norm``), then the old hook-based norms'
        and the pruned tensors' computed weights (``refresh_hooked_norms``)."""
        written = {e.param.path for e in report.entries if e.spec is not None}
        for path, what in self.norms:  # in the model's order, the same on every rank: a DTensor is gathered
            if path in written:
                weight = self._at(path)
                if weight.is_meta:  # checked, not written: nothing follows it yet
                    continue
                follow_norm(weight, what, self._at, _vector_generator(self.seed, self.generator, path, weight.device))
        root = self.model if isinstance(self.model, nn.Module) else self.module
        if root is not None:
            refresh_hooked_norms(root)

    def result(self, report: Any) -> Any:
        self._flush()
        if self.copies:  # a tied tensor's other names, tensors of their own: the values drawn under its path
            written = {e.param.path for e in report.entries if e.spec is not None}
            handles = {p.path: t for p, t in self.found}
            with torch.no_grad():
                for path, _, other in self.copies:
                    if path in written and not (other.is_meta or handles[path].is_meta):
                        other.copy_(handles[path])
        if self.norms or PRUNE in sys.modules:  # a pruned tensor's computed weight is refreshed too
            self._renorm(report)
        root = self.model if isinstance(self.model, nn.Module) else self.module
        if root is not None:
            forget_cached(root, itertools.chain((e.param.path for e in report.entries if e.spec is not None),
                                                (x for _, what in self.norms for x in what[1:] if isinstance(x, str))))
        report.placements = self._placements()
        report.materialized = tuple(self.materialized)
        report.unset_buffers = tuple(self.unset_buffers)
        return report


#: the path of a parametrized module's tensor ("a/b/parametrizations/weight/original"): the module's, the name
_PARAMETRIZED = re.compile(r"(?:(.*)/)?parametrizations/([^/]+)/")


def forget_cached(root: nn.Module, written: Iterable[str]) -> None:
    """Inside ``torch.nn.utils.parametrize.cached()`` torch keeps each parametrized tensor it has computed (a
    weight norm's or a spectral norm's ``weight``) until the block ends, so a layer would go on computing with the
    values from before a write: drop the kept tensors of the parametrizations whose originals or followers
    ``written`` names (paths from ``root``), so that their next use computes the drawn values."""
    parametrize = sys.modules.get("torch.nn.utils.parametrize")
    cache: Any = getattr(parametrize, "_cache", None)
    if not getattr(parametrize, "_cache_enabled", 0) or not isinstance(cache, dict) or not cache:
        return
    for path in written:
        found = _PARAMETRIZED.match(path)
        if found is not None:
            try:
                module = root.get_submodule((found.group(1) or "").replace("/", "."))
            except AttributeError:
                continue
            cast("dict[Any, Any]", cache).pop((id(module), found.group(2)), None)


def tensor_at(module: nn.Module, path: str) -> torch.Tensor:
    """The parameter or buffer of ``module`` at ``path`` ("a/b/weight"), as the module holds it now: under
    ``torch.func.functional_call`` the plain tensors it swapped in for the parameters (which ``get_parameter``
    refuses as no ``nn.Parameter``), else a tensor attribute of that name (AttributeError when there is none)."""
    prefix, _, name = path.replace("/", ".").rpartition(".")
    owner = module.get_submodule(prefix) if prefix else module
    for table in (owner._parameters, owner._buffers):
        found = table.get(name)
        if isinstance(found, torch.Tensor):
            return found
    found = getattr(owner, name, None)
    if isinstance(found, torch.Tensor):
        return found
    raise AttributeError(f"{type(owner).__name__} {prefix or '(the model)'!r} has no parameter or buffer {name!r}")


def _vector_generator(seed: int | None, generator: torch.Generator | None, path: str,
                      device: torch.device) -> torch.Generator | None:
    """The generator of a spectral norm's fresh vectors on ``device``: seeded from the plan's ``seed`` and the
    weight's path, so two layers and two seeds differ as fresh layers do; with ``seed`` None the plan's own stream,
    ``generator`` (None: torch's default one on ``device``) where it draws on ``device``, else a generator seeded
    by a number drawn from it (an integer read back from ``generator``'s device: only a generator on another
    device than the weight's pays that, never a plan's own device, so no host sync on an accelerator)."""
    if seed is None:
        if generator is None or generator.device == device:
            return generator
        seed = int(torch.randint(0, 2 ** 62, (1,), generator=generator, device=generator.device).item())
    else:
        seed = int.from_bytes(hashlib.blake2b(f"{seed}/{path}".encode(), digest_size=8).digest(), "little") >> 2
    return torch.Generator(device=device).manual_seed(seed)


def _whole(t: torch.Tensor) -> torch.Tensor:
    """``t`` as one plain tensor: a DTensor's ``full_tensor()`` (a collective: every rank calls it, in the same
    order), the unsharded tensor bit for bit; a plain tensor itself."""
    return cast(Any, t).full_tensor() if _dtensor(t) else t


def _put(t: torch.Tensor, values: torch.Tensor) -> None:
    """Write the whole tensor's ``values`` into ``t``: a DTensor gets its own block of them (``local_block``)."""
    if _dtensor(t):
        local, block = local_block(t)
        local.copy_(values[tuple(slice(a, b) for a, b in block)])
    else:
        t.copy_(values)


def follow_norm(weight: torch.Tensor, what: tuple[Any, ...], at: Any, generator: torch.Generator | None) -> None:
    """What follows a drawn ``weight`` that torch normalizes (``_computed``'s ``norm``, its tensors found by
    ``at(path)``), as registering the norm on a fresh layer sets it: a weight norm's magnitude g = ||v|| (over
    every axis but ``dim``), so the layer computes the drawn weight; a spectral norm's vectors u and v drawn anew
    (from ``generator``, None: torch's default one) and refined by the power iterations its registration runs
    (15; none in the old hook-based API), so its estimate of the largest singular value is the new weight's.
    A sharded weight (DTensor, FSDP2) is gathered whole first, a collective that every rank runs in the same order,
    so the values are the unsharded layer's bit for bit; a DTensor among g, u and v gets its block of them."""
    with torch.no_grad():
        if what[0] == "g":
            _, g_path, dim = what
            _put(at(g_path), torch.norm_except_dim(_whole(weight), 2, -1 if dim is None else dim))
        elif weight.dim() > 1:  # spectral: a vector needs no estimate
            _, u_path, v_path, dim, eps, iterations = what
            u_at, v_at = at(u_path), at(v_path)
            matrix = _whole(weight).movedim(dim, 0).flatten(1)
            u, v = (F.normalize(torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype),
                                dim=0, eps=eps) for x in (u_at, v_at))
            for _ in range(iterations):  # torch's _SpectralNorm._power_method
                u = F.normalize(torch.mv(matrix, v), dim=0, eps=eps).to(u_at.dtype)
                v = F.normalize(torch.mv(matrix.H, u), dim=0, eps=eps).to(v_at.dtype)
            _put(u_at, u)
            _put(v_at, v)


def refuse_overflowing_norm(path: str, draw: D.Draw, weight: torch.Tensor, dim: int | None, g_path: str,
                            g: torch.Tensor, owner: str = "Plan.apply: ") -> None:
    """Refuse, before anything is written, a weight norm whose magnitude g = ||v|| (``follow_norm``) its dtype (or
    the direction's, in which torch computes it) would not hold: past its largest number g is written as inf (the
    layer's weight NaN), though every drawn value fits. Each norm is over n values within the draw's range
    [-R, R] (``_validate.draw_range``: a normal to 40 standard deviations), so g^2 is at most n R^2 and, by
    Hoeffding's bound on n values of x^2 in [0, R^2], at most n E[x^2] + 5 sqrt(n) R^2 but with probability
    under exp(-50) (E[x^2] known for a uniform, normal or constant draw, else R^2): refused past the smaller
    bound. ``path``: the direction's (the drawn weight, ``weight``), ``g_path``: g's; ``owner`` starts the message.

    Raises:
        ValueError: naming g, its dtype, the weight and its draw, the bound and the largest magnitude allowed."""
    from ... import _validate as v
    limits = [(v.DTYPE_RANGE[name][1], name) for name in (_dtype_name(weight), _dtype_name(g))
              if name in v.FLOAT_DTYPES]
    if not limits or weight.numel() == 0:
        return
    top, name = min(limits)
    n = weight.numel() if dim is None or dim == -1 else weight.numel() // weight.shape[dim]
    lo, hi = v.draw_range(draw)
    r2 = max(lo * lo, hi * hi)
    square = r2  # E[x^2]
    if isinstance(draw, D.Uniform):
        square = (draw.low ** 2 + draw.low * draw.high + draw.high ** 2) / 3.0
    elif isinstance(draw, D.Normal):
        square = draw.mean ** 2 + draw.std ** 2
    bound = math.sqrt(min(n * r2, n * square + 5.0 * math.sqrt(n) * r2))
    if bound > top:
        # the range draw_range gives a normal (a sparse one's too), not a truncated normal, whose window is its own
        reach = f" (a normal counted to {v.NORMAL_REACH:g} standard deviations)" \
            if isinstance(draw, (D.Normal, D.Sparse)) else ""
        raise ValueError(f"{owner}parameter {g_path!r} is the magnitude g = ||v|| of the weight norm of {path!r} "
                         f"and {name} cannot hold it: {path!r} is drawn from {v.shown(draw, v.DRAW_SHOWN)}, values "
                         f"within [{lo:.6g}, {hi:.6g}]{reach}, so a norm over {n} of them may reach {bound:.6g}, more "
                         f"than {name}'s largest number {top:.6g}; nothing was written. Allowed: a draw of a smaller "
                         f"root mean square there, or the layer in a wider dtype (float32)")


def _hooked_norms(root: nn.Module) -> Iterator[tuple[tuple[nn.Module, Any, str], list[str]]]:
    """The old hook-based norms and the pruned tensors of ``root`` in its modules' order: ((module, hook, the
    computed weight's name), the paths from ``root`` of the parameter holding its values and of what it is computed
    with (a spectral norm's ``weight_orig``, u and v; a weight norm's ``weight_v`` and ``weight_g``; a pruned
    tensor's ``weight_orig`` and ``weight_mask``))."""
    from .meta import named_modules
    for prefix, module in named_modules(root):
        base = prefix.replace(".", "/") + "/" if prefix else ""
        for hook in list(cast(Any, module)._forward_pre_hooks.values()):
            pruned = _pruned_name(hook)
            if pruned is not None:
                yield (module, hook, pruned), [base + pruned + x for x in ("_orig", "_mask")]
                continue
            name = getattr(hook, "name", None)
            if not isinstance(name, str):
                continue
            if type(hook).__name__ == "SpectralNorm":
                yield (module, hook, name), [base + name + x for x in ("_orig", "_u", "_v")]
            elif type(hook).__name__ == "WeightNorm":
                yield (module, hook, name), [base + name + x for x in ("_v", "_g")]


def refresh_hooked_norms(root: nn.Module) -> None:
    """The old hook-based norms and torch's pruning keep the computed weight as a plain attribute until the next
    forward: set it in every module of ``root`` now, as their apply() does (a pruned tensor: ``<name>_orig`` times
    its mask). One holding a DTensor computes it from the whole tensors (gathered on every rank, in the modules'
    order), laid out as the parameter it is computed from."""
    with torch.no_grad():
        for (module, hook, name), paths in _hooked_norms(root):
            tensors = [getattr(module, path.rsplit("/", 1)[-1]) for path in paths]
            pruned = paths[-1].endswith("_mask")
            if not any(_dtensor(t) for t in tensors):
                if pruned:
                    setattr(module, name, hook.apply_mask(module))
                elif type(hook).__name__ == "WeightNorm":
                    setattr(module, name, hook.compute_weight(module))
                else:
                    setattr(module, name, hook.compute_weight(module, do_power_iteration=False))
                continue
            if any(t.is_meta for t in tensors):  # nothing to compute yet
                continue
            whole = [_whole(t) for t in tensors]
            if pruned:  # torch's BasePruningMethod.apply_mask
                value = whole[1].to(dtype=whole[0].dtype) * whole[0]
            elif type(hook).__name__ == "WeightNorm":  # torch's WeightNorm.compute_weight
                value = getattr(torch, "_weight_norm")(whole[0], whole[1], hook.dim)
            else:  # torch's SpectralNorm.compute_weight, without power iterations
                sigma = torch.dot(whole[1], torch.mv(hook.reshape_weight_to_matrix(whole[0]), whole[2]))
                value = whole[0] / sigma
            held = tensors[0]
            if _dtensor(held):
                from torch.distributed.tensor import DTensor
                local, block = local_block(held)
                value = DTensor.from_local(value[tuple(slice(a, b) for a, b in block)].to(local.device),
                                           held.device_mesh, held.placements,
                                           run_check=False, shape=held.shape, stride=held.stride())
            setattr(module, name, value)


class _Placements(Mapping[str, dict[str, Any]]):
    """Each written parameter's placement (``Report.placements``), worked out when it is read: a plan over many
    small tensors should not pay for a description nobody asks for."""

    def __init__(self, placed: list[_Placed]) -> None:
        self._placed = {entry[0].path: entry for entry in placed}
        self._made: dict[str, dict[str, Any]] = {}

    def __getitem__(self, path: str) -> dict[str, Any]:
        found = self._made.get(path)
        if found is None:
            p, t, local, portable, whole, seeded = self._placed[path]
            found = self._made[path] = _Target._placement(p, t, local, portable=portable, whole=whole, seeded=seeded)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._placed)

    def __len__(self) -> int:
        return len(self._placed)


def held(model: Any, found: Sequence[tuple[Param, Any]], **options: Any) -> dict[str, str | None]:
    """``skip=``'s other names of ``model``'s tensors (a state_dict's keys, "/"-joined): its buffers and extra
    states, and its parameters under every name (a tied one's second), none of them written by a plan."""
    del found, options
    if isinstance(model, Mapping):
        return {str(k).replace(".", "/"): None for k in cast("Mapping[Any, Any]", model)}
    module: Any = model
    out: list[str] = [n for n, _ in module.named_parameters(remove_duplicate=False)]
    out += [n for n, _ in module.named_buffers(remove_duplicate=False)]
    own = nn.Module.get_extra_state
    modules: list[tuple[str, Any]] = list(module.named_modules(remove_duplicate=False))
    out += [f"{n}._extra_state" if n else "_extra_state" for n, m in modules
            if getattr(m.__class__, "get_extra_state") is not own]
    return {n.replace(".", "/"): None for n in out}


def target(model: Any, **options: Any) -> _Target:
    """The apply loop's writer for ``model`` (``unifiedinit.backends.protocol.Target``)."""
    return _Target(model, **options)


def param_groups(model: object, selects: Any, weight_decay: float) -> list[dict[str, Any]]:
    """``unifiedinit.param_groups`` for torch: two optimizer param groups (decay, no decay) that hold every
    trainable parameter (``requires_grad``) of the model once, a tied tensor once.

    Each parameter is decided by ``selects`` as the walk records it. A weight norm's magnitude (``weight_g``,
    ``parametrizations.weight.original0``) is read as a norm's scale (kind "norm", role "scale", its layer's
    class), placed after its weight, so ``NO_DECAY`` keeps decay off it and ``()`` decays it; its direction is
    the layer's weight. A trainable parameter the walk records nowhere else is read as kind "other", role
    "other" at its torch name (dots as "/"), after the others in ``named_parameters`` order: the selectors
    decide it (``NO_DECAY`` leaves it decaying). Call it through ``ui.param_groups(model, ...)``, which checks
    its arguments.

    Args:
        model: an nn.Module, every lazy module built (called once on data).
        selects: a sequence of ``ui.Select``: the parameters to keep weight decay off.
        weight_decay: the decay of the first group.

    Returns:
        ``[{"params": [...], "weight_decay": weight_decay}, {"params": [...], "weight_decay": 0.0}]``.

    Raises:
        TypeError: a ``model`` that is not an nn.Module (a state_dict, ``dict(model.named_parameters())``): a
            state_dict holds detached tensors, not the Parameters an optimizer updates, and no mapping of names
            says which layer holds a tensor (a LayerNorm's weight would decay as a Linear's).
        ValueError: a trainable parameter of a lazy module (``nn.LazyLinear``, ...) is not built yet: its group
            is unknown, and torch builds it in place later, so it would never be trained; the message names them
            (run a forward pass on data first).

    Examples:
        >>> import torch
        >>> import unifiedinit as ui
        >>> from unifiedinit.backends.torch.model import param_groups
        >>> layer = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(4, 3))
        >>> decay, rest = param_groups(layer, ui.NO_DECAY, 0.01)
        >>> len(decay["params"]), len(rest["params"])  # the direction decays; the magnitude and the bias do not
        (1, 2)
    """
    from ...plan import excluded
    if not isinstance(model, nn.Module):
        raise TypeError(f"param_groups: parameter 'model' must be the torch nn.Module whose parameters the optimizer "
                        f"trains, got {type(model).__name__}; a state_dict or a mapping of names to tensors does "
                        "not say which layer holds a tensor, nor hold the Parameters an optimizer updates (pass the "
                        "model itself)")
    decay: list[Any] = []
    no_decay: list[Any] = []
    lazy: list[str] = []
    norms: list[tuple[str, tuple[Any, ...]]] = []
    found = walk(model, lazy=lazy, norms=norms)
    names: dict[int, list[str]] = {}  # every trainable parameter by identity: its torch names, first one first
    params: dict[int, nn.Parameter] = {}
    for name, param in model.named_parameters(remove_duplicate=False):
        if param.requires_grad and not isinstance(param, UNBUILT):
            names.setdefault(id(param), []).append(name)
            params[id(param)] = param
    unbuilt = list(dict.fromkeys(path.replace("/", ".") for path in lazy))
    unbuilt = [n for n in unbuilt if model.get_parameter(n).requires_grad] if unbuilt else []
    if unbuilt:
        raise ValueError(f"param_groups: {len(unbuilt)} trainable parameter(s) of lazy modules are not built "
                         f"yet: {', '.join(unbuilt[:8])}{' ...' if len(unbuilt) > 8 else ''}; their group is "
                         "unknown and an optimizer given the groups would never train them: call the model on "
                         "data once (a dry run) before param_groups")
    magnitude = {path: what[1] for path, what in norms if what[0] == "g"}  # a weight norm's direction -> its g
    seen: set[int] = set()

    def place(p: Any, t: Any) -> None:
        if id(t) not in seen:
            seen.add(id(t))
            (no_decay if excluded(p, selects) else decay).append(t)

    def other(t: nn.Parameter, kind: str, role: str, layer: str, bases: tuple[str, ...]) -> Param:
        path, *aliases = (n.replace(".", "/") for n in names[id(t)])
        return Param(path=path, kind=kind, role=role, shape=tuple(t.shape), layer=layer, bases=bases,
                     aliases=tuple(aliases), dtype=_dtype_name(t))

    for p, t in found:
        if t._base is not None:  # a flattened layer's view (register_layer(shapes=...)): the parameter itself
            t = model.get_parameter(p.path.replace("/", "."))
        if p.trainable and isinstance(t, nn.Parameter):
            place(p, t)
        g_path = magnitude.get(p.path)
        if g_path is not None:  # the weight norm's magnitude: a norm's scale, after its weight
            g = model.get_parameter(g_path.replace("/", "."))
            if id(g) in params:
                place(other(g, "norm", "scale", p.layer, p.bases), g)
    for i, left in params.items():  # anything else trainable (never dropped), as torch lists it
        if i not in seen:
            owner = names[i][0].rpartition(".")[0]
            module = model.get_submodule(owner)
            place(other(left, "other", "other", _class_name(module), _class_bases(module)), left)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def read(handle: torch.Tensor) -> Any:
    """A parameter's values as a float64 NumPy array."""
    return handle.detach().cpu().double().numpy()
