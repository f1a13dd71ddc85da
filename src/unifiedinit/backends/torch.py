"""PyTorch backend: in-place initialization with torch's own RNG, ``module.apply`` functions, and drop-in
equivalents of ``torch.nn.init``.

Sampling is native: torch's ``uniform_`` / ``normal_`` / ``rand`` with the given ``generator`` (or the
default one, so ``torch.manual_seed`` makes a run repeatable), on the tensor's own device and dtype, never
through NumPy. Every call lowers the spec (which validates the spec against the tensor) before it writes
anything, so a refused call leaves the tensor as it was. Meta tensors are validated and left as they are.
"""

from __future__ import annotations

import math
import re
import warnings
from typing import Any, Callable, Mapping

import torch
from torch import nn

from .. import _validate as v
from .. import draws as D
from ..gain import calculate_gain as _calculate_gain
from ..layout import LayoutLike, TensorInfo, get_layout
from ..params import looks_like_norm, norm_role, register_layer, registered_layer, tie
from ..portable import portable_option
from ..sampling import phi
from ..specs import (Constant, Dirac, Eye, KaimingNormal, KaimingUniform, Normal, Ones, Orthogonal, Sparse, Spec,
                     TruncatedNormal, Uniform, XavierNormal, XavierUniform, Zeros)

__all__ = ["init_", "initializer", "sample", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_",
           "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
           "orthogonal_", "sparse_", "calculate_gain"]

NATIVE_LAYOUT = "torch"

#: A large CPU tensor is drawn in parts of this many entries, part i from its own generator seeded by the i-th of
#: a row of seeds drawn from the caller's generator: the values depend on the tensor's size and the generator,
#: never on the number of threads, which only decides how many parts are drawn at once.
CHUNK = 1 << 20


def _dtype_name(t: torch.Tensor) -> str:
    return str(t.dtype).replace("torch.", "")


def _support(d: D.Draw, t: torch.Tensor) -> tuple[float, float] | None:
    from ..reference import support_in
    return support_in(d, _dtype_name(t)) if t.is_floating_point() else None


# ------------------------------------------------------------------------------------------ primitives

def _icdf(t: torch.Tensor, d: D.TruncatedNormal, g: torch.Generator | None, support: tuple[float, float]) -> None:
    """N(mean, std) cut to [low, high] by the inverse CDF, in one pass with no host sync: uniforms on the
    window's CDF interval through erfinv. float32 arithmetic where the window lies within 4 std of the mean (the
    CDF's float32 resolution is ample there); float64 for a window reaching further into a tail."""
    a, b = (d.low - d.mean) / d.std, (d.high - d.mean) / d.std
    work = torch.float64 if (t.dtype == torch.float64 or max(abs(a), abs(b)) > 4.0) else torch.float32
    x = t if t.dtype == work else torch.empty(t.shape, dtype=work, device=t.device)
    x.uniform_(2.0 * phi(a) - 1.0, 2.0 * phi(b) - 1.0, generator=g).erfinv_()
    x.mul_(d.std * math.sqrt(2.0)).add_(d.mean).clamp_(*support)
    if x is not t:
        t.copy_(x)


def _in_parts(t: torch.Tensor, fill: Callable[[torch.Tensor, torch.Generator | None], None],
              g: torch.Generator | None) -> None:
    """``fill(part, generator)`` over a large CPU tensor in fixed parts, in parallel (torch's CPU RNG runs on one
    core); anything else in one call. ``t`` is written through a detached view, so a parameter that requires grad
    is safe in the worker threads (grad mode is per thread)."""
    n = t.numel()
    if t.device.type != "cpu" or n <= CHUNK or torch.compiler.is_compiling():
        fill(t, g)
        return
    flat = t.detach().view(-1) if t.is_contiguous() else torch.empty(n, dtype=t.dtype)
    starts = range(0, n, CHUNK)
    seeds = torch.randint(0, 2 ** 62, (len(starts),), generator=g).tolist()

    def part(i: int) -> None:
        fill(flat[starts[i]:starts[i] + CHUNK], torch.Generator().manual_seed(int(seeds[i])))

    list(_pool().map(part, range(len(starts))))
    if not t.is_contiguous():
        t.detach().copy_(flat.view(t.shape))


_POOL: list[Any] = []


def _pool() -> Any:
    from concurrent.futures import ThreadPoolExecutor
    if not _POOL:
        _POOL.append(ThreadPoolExecutor(max_workers=max(1, torch.get_num_threads()), thread_name_prefix="unifiedinit"))
    return _POOL[0]


def _elementwise(t: torch.Tensor, d: D.Draw, g: torch.Generator | None) -> None:
    support = _support(d, t)
    if isinstance(d, D.Uniform):
        # within the support as the dtype holds it: torch's uniform_ returns from <= x <= to in the tensor's dtype
        # (CPU computes in double and rounds once; CUDA maps an x equal to `to` back to `from`), so no value can
        # round past the window and no clamp pass is needed
        lo, hi = support if support is not None else (d.low, d.high)
        t.uniform_(lo, hi, generator=g)
    elif isinstance(d, D.Normal):
        t.normal_(d.mean, d.std, generator=g)
    elif isinstance(d, D.TruncatedNormal):
        _in_parts(t, lambda part, gen: _icdf(part, d, gen, support), g)
    elif isinstance(d, D.Constant):
        t.fill_(d.value)
    elif isinstance(d, D.Affine):
        _elementwise(t, d.base, g)
        t.mul_(d.scale).add_(d.shift)
        if support is not None:
            t.clamp_(*support)
    elif isinstance(d, D.Mixture):
        u = torch.rand(t.shape, generator=g, device=t.device, dtype=torch.float64)
        edges = [0.0]
        for w in d.weights:
            edges.append(edges[-1] + w)
        edges[-1] = math.inf  # the last component takes the rounding remainder
        for comp, lo, hi in zip(d.components, edges, edges[1:]):
            picked = (u >= lo) & (u < hi)
            part = t.new_empty(int(picked.sum()))
            _elementwise(part, comp, g)
            t[picked] = part
    else:  # pragma: no cover - lowering only makes the draws above
        raise TypeError(f"not an elementwise draw: {d!r}")


def _orthogonal(t: torch.Tensor, d: D.Orthogonal, g: torch.Generator | None) -> None:
    axis = d.out_axis % t.ndim
    rows = t.shape[axis]
    cols = t.numel() // rows
    work = torch.float32 if t.dtype in (torch.float16, torch.bfloat16) else t.dtype  # QR needs float32+
    flat = torch.empty((rows, cols), dtype=work, device=t.device).normal_(0, 1, generator=g)
    if rows < cols:
        flat.t_()
    q, r = torch.linalg.qr(flat)
    q *= torch.sign(torch.diagonal(r, 0))
    if rows < cols:
        q.t_()
    rest = [t.shape[i] for i in range(t.ndim) if i != axis]
    t.copy_(torch.movedim(q.reshape([rows] + rest), 0, axis).mul_(d.gain))


def _dirac(t: torch.Tensor, d: D.Dirac) -> None:
    t.zero_()
    per = t.shape[d.out_axis] // d.groups
    spatial = [i for i in range(t.ndim) if i not in (d.out_axis, d.in_axis)]
    for grp in range(d.groups):
        for k in range(min(per, t.shape[d.in_axis])):
            index = [0] * t.ndim
            index[d.out_axis], index[d.in_axis] = grp * per + k, k
            for i in spatial:
                index[i] = t.shape[i] // 2
            t[tuple(index)] = 1


def _sparse(t: torch.Tensor, d: D.Sparse, g: torch.Generator | None) -> None:
    w = t.movedim(d.out_axis, 0)  # (rows, cols) view, output axis first
    rows, cols = w.shape
    t.normal_(0, d.std, generator=g)
    zeros = math.ceil(d.sparsity * rows)
    if zeros:
        # a random permutation of the rows in every column (argsort of uniforms), as torch's randperm per column
        order = torch.rand((rows, cols), generator=g, device=t.device).argsort(dim=0)[:zeros]
        w.scatter_(0, order, 0)


def _write(t: torch.Tensor, d: D.Draw, g: torch.Generator | None, stacked: tuple[int, ...] = ()) -> None:
    if stacked and not d.elementwise:  # one layer per index of the stacked axes
        import itertools
        view = t.movedim(stacked, tuple(range(len(stacked))))
        for index in itertools.product(*(range(n) for n in view.shape[:len(stacked)])):
            _write(view[index], d, g)  # a view of one layer
        return
    if d.elementwise:
        _elementwise(t, d, g)
    elif isinstance(d, D.Orthogonal):
        _orthogonal(t, d, g)
    elif isinstance(d, D.Eye):
        t.zero_()
        t.diagonal().fill_(1)
    elif isinstance(d, D.Dirac):
        _dirac(t, d)
    elif isinstance(d, D.Sparse):
        _sparse(t, d, g)
    elif isinstance(d, D.Array):
        t.copy_(torch.tensor(d.values, dtype=torch.float64).reshape(d.shape))
    else:  # pragma: no cover
        raise TypeError(f"unknown draw {d!r}")


# ---------------------------------------------------------------------------------------- public hooks

def _lower(tensor: Any, spec: Spec, layout: LayoutLike | None, layer_fans: tuple[int, int] | None) -> D.Draw:
    """Every check, before anything is written: the spec against this tensor's shape, layout and dtype."""
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"parameter 'tensor' must be a torch.Tensor, got {type(tensor).__name__}")
    if not isinstance(spec, Spec):
        raise TypeError(f"parameter 'spec' must be a unifiedinit spec, got {spec!r}")
    draw = spec.lower(TensorInfo.make(tuple(tensor.shape), "torch" if layout is None else layout, layer_fans))
    v.tensor_dtype(_dtype_name(tensor), draw.deterministic)
    v.representable(draw, _dtype_name(tensor))
    return draw


def _check_generator(generator: Any) -> None:
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"parameter 'generator' must be a torch.Generator or None, got {generator!r}")


def _fill(tensor: torch.Tensor, draw: D.Draw, generator: torch.Generator | None,
          stacked: tuple[int, ...] = ()) -> torch.Tensor:
    if not tensor.is_meta:
        with torch.no_grad():
            _write(tensor, draw, generator, stacked)
    return tensor


def init_(tensor: torch.Tensor, spec: Spec, *, layout: LayoutLike | None = None,
          generator: torch.Generator | None = None, layer_fans: tuple[int, int] | None = None,
          portable: Any = None) -> torch.Tensor:
    """Initialize ``tensor`` (a tensor or ``nn.Parameter``) in place from ``spec`` and return it.

    ``layout`` says which axes are out / in / receptive field (default "torch": (out, in, *k)); ``layer_fans``
    gives the layer's (fan_in, fan_out) when they are not the tensor's own (a bias). No gradient is recorded.
    Everything is checked before anything is written; a meta tensor is checked and left as it is.
    ``portable=unifiedinit.Portable(seed, key)`` writes the portable values instead of drawing with torch's RNG.
    """
    _check_generator(generator)
    portable = portable_option(portable)
    draw = _lower(tensor, spec, layout, layer_fans)
    if portable is None:
        return _fill(tensor, draw, generator)
    values = portable.values(spec, tuple(tensor.shape), "torch" if layout is None else layout, _dtype_name(tensor),
                             layer_fans)
    return write_numpy(tensor, values)


def write_numpy(tensor: torch.Tensor, values: Any) -> torch.Tensor:
    """Copy a NumPy array into ``tensor`` in place (bfloat16 travels as float32, which holds it exactly)."""
    if not tensor.is_meta:
        if values.dtype.name == "bfloat16":
            values = values.astype("float32")
        with torch.no_grad():
            tensor.copy_(torch.from_numpy(values).reshape(tensor.shape))
    return tensor


def sample(spec: Spec, shape: tuple[int, ...], *, layout: LayoutLike = "torch", seed: int = 0,
           dtype: str = "float32", layer_fans: tuple[int, int] | None = None) -> Any:
    """Sample ``spec`` natively with torch (seeded generator, CPU) and return a NumPy array: the hook the
    comparison report and the cross-framework tests use."""
    t = torch.empty(tuple(shape), dtype=getattr(torch, dtype))
    init_(t, spec, layout=layout, generator=torch.Generator().manual_seed(seed), layer_fans=layer_fans)
    return t.float().numpy() if dtype == "bfloat16" else t.numpy()


class TorchInitializer:
    """What ``spec.to_torch()`` returns: call it on a tensor or hand it to ``net.apply``.

    On a tensor or ``nn.Parameter``: initializes it in place (layout "torch" unless given) and returns it.

    On an ``nn.Module``: if it is a Linear, Bilinear, Conv1d/2d/3d, ConvTranspose1d/2d/3d or Embedding
    (lazy variants once materialized), its ``weight`` gets ``spec`` with that layer's layout and fans, and,
    only when a ``bias`` spec was given, its ``bias`` gets that spec with the layer's fans (so
    ``KaimingUniform(a=sqrt(5))`` gives torch's default bias bound 1/sqrt(fan_in)). Nothing else is touched:
    other modules, other parameters, and layers without a bias, or still lazy, are left as they are.
    ``net.apply(init)`` visits every submodule, so it initializes every such layer of the model.

    ``fans="layer"`` (default) takes fans from the layer: a ConvTranspose's fan_in is its input channels x
    RF and an Embedding's its vocabulary. ``fans="torch"`` uses torch.nn.init's own computation for every
    layer (dim 1 x RF is fan_in), as ``nn.init.xavier_uniform_(m.weight)`` would.
    """

    def __init__(self, spec: Spec, *, bias: Spec | None = None, layout: LayoutLike | None = None,
                 fans: str = "layer", generator: torch.Generator | None = None, portable: Any = None) -> None:
        if not isinstance(spec, Spec):
            raise TypeError(f"parameter 'spec' must be a unifiedinit spec, got {spec!r}")
        if bias is not None and not isinstance(bias, Spec):
            raise TypeError(f"parameter 'bias' must be a unifiedinit spec or None, got {bias!r}")
        v.choice("to_torch", "fans", fans, ("layer", "torch"))
        _check_generator(generator)
        self.spec, self.bias, self.layout, self.fans, self.generator = spec, bias, layout, fans, generator
        self.portable = portable_option(portable)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.spec!r}, bias={self.bias!r}, fans={self.fans!r})"

    def __call__(self, obj: Any) -> Any:
        if isinstance(obj, torch.Tensor):
            return init_(obj, self.spec, layout=self.layout, generator=self.generator, portable=self.portable)
        if not isinstance(obj, nn.Module):
            raise TypeError(f"a unifiedinit torch initializer takes a tensor or an nn.Module, got {type(obj).__name__}")
        if self.portable is not None:
            raise TypeError("a portable torch initializer takes a tensor (its key names one parameter); for a "
                            "whole model use ui.Plan(...).apply(model, seed=..., portable=True), which keys every "
                            "parameter by layer order and role")
        layout = layer_layout(obj, self.fans)
        weight = getattr(obj, "weight", None)
        if layout is None or not isinstance(weight, torch.Tensor) or isinstance(weight, nn.parameter.UninitializedParameter):
            return obj
        bias = getattr(obj, "bias", None) if self.bias is not None else None
        weight_draw = _lower(weight, self.spec, layout, None)
        bias_draw = None
        if isinstance(bias, torch.Tensor):  # checked too before the weight is written
            fans = TensorInfo.make(tuple(weight.shape), layout).fans if self.bias.fan_based else None
            bias_draw = _lower(bias, self.bias, "torch", fans)
        _fill(weight, weight_draw, self.generator)
        if bias_draw is not None:
            _fill(bias, bias_draw, self.generator)
        return obj


def initializer(spec: Spec, **options: Any) -> TorchInitializer:
    """``spec.to_torch(**options)``."""
    return TorchInitializer(spec, **options)


# ------------------------------------------------------------------------------------------- plans

def _kind_table() -> tuple:
    from torch.nn.modules.batchnorm import _NormBase
    from torch.nn.modules.conv import _ConvNd, _ConvTransposeNd
    norms = (_NormBase, nn.LayerNorm, nn.GroupNorm) + ((nn.RMSNorm,) if hasattr(nn, "RMSNorm") else ())
    return (((nn.Linear, nn.Bilinear), "dense"), (_ConvTransposeNd, "conv_transpose"), (_ConvNd, "conv"),
            ((nn.Embedding, nn.EmbeddingBag), "embedding"), (norms, "norm"),
            (nn.RNNBase, "recurrent"), (nn.PReLU, "prelu"), (nn.MultiheadAttention, "attention"))


_KINDS = _kind_table()

# Hugging Face's GPT-2 Conv1D (also GPT, ImageGPT, Decision Transformer): a dense layer whose weight is stored
# (in, out). Named by its dotted path, so nothing is imported.
register_layer("transformers.pytorch_utils.Conv1D", "dense", roles={"weight": "weight", "bias": "bias"},
               layouts={"weight": "in_out"})


def _kind(module: nn.Module, parent: nn.Module | None) -> tuple[str, Any]:
    """(kind, the registered LayerInfo or None) of a module."""
    info = registered_layer(type(module))
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
    return "other", None


_RECURRENT = re.compile(r"(weight|bias)_(ih|hh|hr)_l(\d+)(_reverse)?$")


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
    """The layout of ``module.weight`` for the layers the backend understands, else None."""
    info = registered_layer(type(module))
    if info is not None and "weight" in info.layouts:
        return info.layouts["weight"]
    for cls, layout in _LAYER_LAYOUTS:
        if isinstance(module, cls):
            return "torch" if fans == "torch" else layout
    return None


def _layer_fans(module: nn.Module, kind: str, layout: str) -> tuple[int, int] | None:
    if kind == "recurrent":
        return (module.hidden_size, module.hidden_size)
    weight = module._parameters.get("weight")
    if kind == "attention" and isinstance(module._parameters.get("in_proj_weight"), torch.Tensor):
        weight = module._parameters["in_proj_weight"]
    if isinstance(weight, torch.Tensor) and not isinstance(weight, nn.parameter.UninitializedParameter) \
            and weight.dim() >= 2 and all(weight.shape):
        return get_layout(layout).fans(tuple(weight.shape))
    return None


def _module_records(prefix: str, module: nn.Module, parent: nn.Module | None) -> list[tuple[Any, torch.Tensor]]:
    """The module's own parameters (and, for a norm, its running statistics) as (Param, tensor)."""
    from ..plan import Param
    kind, info = _kind(module, parent)
    layout = layer_layout(module) or "torch"
    layer_fans = _layer_fans(module, kind, layout)
    tensors = [(n, t, True) for n, t in module._parameters.items()]
    if kind == "norm":  # running statistics only; a non-persistent buffer is never written
        tensors += [(n, module._buffers[n], False) for n in ("running_mean", "running_var", "num_batches_tracked")
                    if module._buffers.get(n) is not None and n not in module._non_persistent_buffers_set]
    out = []
    for name, t, is_param in tensors:
        if t is None or isinstance(t, nn.parameter.UninitializedParameter):
            continue
        if is_param and not (t.is_floating_point() or t.is_complex()):
            continue
        role, sub = _role(kind, name, info)
        own_layout = (info.layouts.get(name) if info is not None else None) or \
            (layout if role in ("weight", "embedding") else "torch")
        stacked = tuple(range(info.stacked)) if info is not None and info.stacked else ()
        out.append((Param(path="/".join(filter(None, (prefix.replace(".", "/"), name))), kind=kind, role=role,
                          dtype=_dtype_name(t), shape=tuple(t.shape), layout=own_layout, layer_fans=layer_fans,
                          layer=type(module).__name__, trainable=is_param and t.requires_grad, stacked=stacked,
                          key_leaf=sub), t))
    return out


def walk(model: Any, *, module: nn.Module | None = None) -> list[tuple[Any, torch.Tensor]]:
    """Every floating-point parameter of ``model`` (an nn.Module or a state_dict), and the running statistics of
    its norms, as (unifiedinit.params.Param, tensor); a tensor shared by several modules (tied weights) once,
    under its first path, with the others as aliases."""
    from collections.abc import Mapping
    if isinstance(model, Mapping):
        return _walk_state_dict(model, module)
    if not isinstance(model, nn.Module):
        raise TypeError(f"parameter 'model' must be a torch nn.Module or state_dict, got {type(model).__name__}")
    parents = {id(child): m for m in model.modules() for child in m.children()}
    found = []
    for prefix, mod in model.named_modules(remove_duplicate=False):
        found += _module_records(prefix, mod, parents.get(id(mod)))
    return tie(found)


def _same_tensor(t: torch.Tensor) -> Any:
    """Which entries of a state_dict are one tensor: ``state_dict()`` detaches every entry into a new tensor
    object, so tied weights (GPT-2's ``lm_head.weight`` and ``transformer.wte.weight``) are told apart by ``id``
    but share their storage and view. A meta or empty tensor has no storage to compare: its object decides."""
    if t.is_meta or t.numel() == 0:
        return ("object", id(t))
    return (t.device, t.untyped_storage().data_ptr(), t.storage_offset(), tuple(t.shape), t.stride(), t.dtype)


def _walk_state_dict(state: Any, module: nn.Module | None) -> list[tuple[Any, torch.Tensor]]:
    """A state_dict's tensors, described from ``module`` (the model it came from) when given, else from their
    names and shapes (reported as such)."""
    from dataclasses import replace
    for name, t in state.items():
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"a torch state_dict holds tensors; {name!r} is a {type(t).__name__}")
    if module is not None:
        if not isinstance(module, nn.Module):
            raise TypeError(f"parameter 'module' must be the nn.Module the state_dict came from, got {module!r}")
        described = {p.path: p for p, _ in walk(module)}
        for p in list(described.values()):
            for alias in p.aliases:
                described[alias] = p
        out = []
        for name, t in state.items():
            path = name.replace(".", "/")
            if path in described:
                out.append((replace(described[path], path=path, aliases=()), t))
        return tie(out, _same_tensor)
    from ..plan import Param
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


class _Target:
    """Writes a plan's values into a torch model or state_dict, in place."""

    def __init__(self, model: Any, *, seed: int | None = None, generator: torch.Generator | None = None,
                 module: nn.Module | None = None) -> None:
        _check_generator(generator)
        if generator is not None and seed is not None:
            raise ValueError("Plan.apply: give seed= or generator=, not both")
        self.found = walk(model, module=module)
        self.generator = generator
        self.streams: dict[Any, torch.Generator] = {}

    def native(self, p: Any, t: torch.Tensor, draw: D.Draw, stream: int | None) -> None:
        if t.is_meta:
            return  # checked, and left for materialization
        g = self.generator
        if stream is not None:  # one generator per device, re-seeded for every parameter
            if t.device not in self.streams:
                self.streams[t.device] = torch.Generator(t.device)
            g = self.streams[t.device].manual_seed(stream)
        _fill(t, draw, g, p.stacked)

    def host(self, p: Any, t: torch.Tensor, values: Any) -> None:
        write_numpy(t, values)

    def result(self, report: Any) -> Any:
        return report


def target(model: Any, **options: Any) -> _Target:
    return _Target(model, **options)


def apply_plan(plan: Any, model: Any, **options: Any) -> Any:
    """``plan.apply(model, **options)`` (kept for callers of the earlier backend function)."""
    return plan.apply(model, **options)


# ------------------------------------------------------------------------------ drop-in torch.nn.init

def _torch_error(fn: Callable[[], Any]) -> Any:
    """torch reports a bad range or std as RuntimeError; the drop-ins keep that type, with our message."""
    try:
        return fn()
    except ValueError as err:
        raise RuntimeError(str(err)) from None


def _no_op_if_empty(tensor: torch.Tensor) -> bool:
    if isinstance(tensor, torch.Tensor) and tensor.numel() == 0:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return True
    return False


def _fans_or_error(tensor: torch.Tensor) -> None:
    if isinstance(tensor, torch.Tensor) and tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")


def uniform_(tensor: torch.Tensor, a: float = 0.0, b: float = 1.0,
             generator: torch.Generator | None = None) -> torch.Tensor:
    spec = Constant(a) if a == b else _torch_error(lambda: Uniform(a, b))
    return init_(tensor, spec, generator=generator)


def normal_(tensor: torch.Tensor, mean: float = 0.0, std: float = 1.0,
            generator: torch.Generator | None = None) -> torch.Tensor:
    spec = Constant(mean) if std == 0 else _torch_error(lambda: Normal(mean, std))
    return init_(tensor, spec, generator=generator)


def trunc_normal_(tensor: torch.Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator: torch.Generator | None = None) -> torch.Tensor:
    return init_(tensor, _torch_error(lambda: TruncatedNormal(mean, std, a, b)), generator=generator)


def constant_(tensor: torch.Tensor, val: float) -> torch.Tensor:
    return init_(tensor, Constant(val))


def ones_(tensor: torch.Tensor) -> torch.Tensor:
    return init_(tensor, Ones())


def zeros_(tensor: torch.Tensor) -> torch.Tensor:
    return init_(tensor, Zeros())


def eye_(tensor: torch.Tensor) -> torch.Tensor:
    if isinstance(tensor, torch.Tensor) and tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return init_(tensor, Eye())


def dirac_(tensor: torch.Tensor, groups: int = 1) -> torch.Tensor:
    if isinstance(tensor, torch.Tensor) and tensor.dim() not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    return init_(tensor, Dirac(groups))


def xavier_uniform_(tensor: torch.Tensor, gain: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
    _fans_or_error(tensor)
    if _no_op_if_empty(tensor):
        return tensor
    return init_(tensor, XavierUniform(gain), generator=generator)


def xavier_normal_(tensor: torch.Tensor, gain: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
    _fans_or_error(tensor)
    if _no_op_if_empty(tensor):
        return tensor
    return init_(tensor, XavierNormal(gain), generator=generator)


def _kaiming(cls: type, tensor: torch.Tensor, a: float, mode: str, nonlinearity: str,
             generator: torch.Generator | None) -> torch.Tensor:
    if _no_op_if_empty(tensor):
        return tensor
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of ['fan_in', 'fan_out']")
    _fans_or_error(tensor)
    return init_(tensor, cls(a, mode, nonlinearity), generator=generator)


def kaiming_uniform_(tensor: torch.Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator: torch.Generator | None = None) -> torch.Tensor:
    return _kaiming(KaimingUniform, tensor, a, mode, nonlinearity, generator)


def kaiming_normal_(tensor: torch.Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator: torch.Generator | None = None) -> torch.Tensor:
    return _kaiming(KaimingNormal, tensor, a, mode, nonlinearity, generator)


def orthogonal_(tensor: torch.Tensor, gain: float = 1, generator: torch.Generator | None = None) -> torch.Tensor:
    if isinstance(tensor, torch.Tensor) and tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if isinstance(tensor, torch.Tensor) and tensor.numel() == 0:
        return tensor  # torch: "no-op"
    return init_(tensor, Orthogonal(gain), generator=generator)


def sparse_(tensor: torch.Tensor, sparsity: float, std: float = 0.01,
            generator: torch.Generator | None = None) -> torch.Tensor:
    if isinstance(tensor, torch.Tensor) and tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return init_(tensor, Sparse(sparsity, std), generator=generator)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """torch.nn.init.calculate_gain (the same table, from unifiedinit.gain); bad input raises ValueError."""
    try:
        return _calculate_gain(nonlinearity, param)
    except TypeError as err:
        raise ValueError(str(err)) from None


def param_groups(model: nn.Module, selects: Any, weight_decay: float) -> list[dict]:
    """``unifiedinit.param_groups`` for torch: two optimizer param groups (decay, no decay), trainable
    parameters only, a tied tensor once."""
    from ..plan import excluded
    decay, no_decay = [], []
    for p, t in walk(model):
        if p.trainable and isinstance(t, nn.Parameter):
            (no_decay if excluded(p, selects) else decay).append(t)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
