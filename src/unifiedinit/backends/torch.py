"""PyTorch backend: in-place initialization with torch's own RNG, ``module.apply`` functions, and drop-in
equivalents of ``torch.nn.init``.

Sampling is native: torch's ``uniform_`` / ``normal_`` / ``rand`` with the given ``generator`` (or the
default one, so ``torch.manual_seed`` makes a run repeatable), on the tensor's own device and dtype, never
through NumPy. Every call lowers the spec (which validates the spec against the tensor) before it writes
anything, so a refused call leaves the tensor as it was. Meta tensors are validated and left as they are.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Callable

import torch
from torch import nn

from .. import _validate as v
from .. import draws as D
from ..gain import calculate_gain as _calculate_gain
from ..layout import LayoutLike, TensorInfo, get_layout
from ..portable import portable_option
from ..sampling import phi
from ..specs import (Constant, Dirac, Eye, KaimingNormal, KaimingUniform, Normal, Ones, Orthogonal, Sparse, Spec,
                     TruncatedNormal, Uniform, XavierNormal, XavierUniform, Zeros)

__all__ = ["init_", "initializer", "sample", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_",
           "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
           "orthogonal_", "sparse_", "calculate_gain"]

NATIVE_LAYOUT = "torch"

#: Rejection sampling of truncated normals works through the tensor in chunks of this many entries, so
#: its temporary (a boolean mask) stays small whatever the tensor's size.
CHUNK = 1 << 22


def _dtype_name(t: torch.Tensor) -> str:
    return str(t.dtype).replace("torch.", "")


# ------------------------------------------------------------------------------------------ primitives

def _truncated_normal(t: torch.Tensor, d: D.TruncatedNormal, g: torch.Generator | None) -> None:
    a, b = (d.low - d.mean) / d.std, (d.high - d.mean) / d.std
    if phi(b) - phi(a) < 0.5 or not t.is_contiguous():
        # a narrow or far window: inverse CDF (as torch.nn.init.trunc_normal_), in float64 for the tails
        lo, hi = phi(a), phi(b)
        work = torch.empty(t.shape, dtype=torch.float64, device=t.device)
        work.uniform_(2 * lo - 1, 2 * hi - 1, generator=g).erfinv_().mul_(d.std * math.sqrt(2.0)).add_(d.mean)
        t.copy_(work.clamp_(d.low, d.high))
        return
    # the usual window (+-2 sigma keeps 95 %): draw normals, replace the few outside by accepted redraws
    flat = t.view(-1)
    parts = _parts(flat)
    if len(parts) == 1:
        _redraw_outside(flat, d, g)
        return
    # a large CPU tensor: torch's normal_ runs on one core, so the parts are drawn in parallel, each from its own
    # generator seeded from the caller's (or the default) generator: repeatable under torch.manual_seed
    seeds = torch.randint(0, 2 ** 62, (len(parts),), generator=g).tolist()
    gens = [torch.Generator().manual_seed(int(seed)) for seed in seeds]
    list(_pool(len(parts)).map(lambda i: _redraw_outside(parts[i], d, gens[i]), range(len(parts))))


#: CPU tensors of at least this many entries are split over torch's intra-op threads
PARALLEL_MIN = 1 << 20
_POOLS: dict[int, Any] = {}


def _parts(flat: torch.Tensor) -> list[torch.Tensor]:
    threads = torch.get_num_threads()
    if flat.device.type != "cpu" or threads < 2 or flat.numel() < PARALLEL_MIN:
        return [flat]
    step = -(-flat.numel() // threads)
    return [flat[i:i + step] for i in range(0, flat.numel(), step)]


def _pool(n: int) -> Any:
    from concurrent.futures import ThreadPoolExecutor
    if n not in _POOLS:
        _POOLS[n] = ThreadPoolExecutor(max_workers=n, thread_name_prefix="unifiedinit")
    return _POOLS[n]


def _redraw_outside(flat: torch.Tensor, d: D.TruncatedNormal, g: torch.Generator | None) -> None:
    """Fill ``flat`` with N(mean, std) and replace the entries outside [low, high] by accepted redraws."""
    flat.normal_(d.mean, d.std, generator=g)
    for start in range(0, flat.numel(), CHUNK):
        chunk = flat[start:start + CHUNK]
        outside = (chunk < d.low) | (chunk > d.high)
        missing = int(torch.count_nonzero(outside))
        if missing:
            chunk.masked_scatter_(outside, _accepted(chunk, missing, d, g))


def _accepted(like: torch.Tensor, count: int, d: D.TruncatedNormal, g: torch.Generator | None) -> torch.Tensor:
    """``count`` independent draws of N(mean, std) kept inside [low, high] (rejection on a small vector)."""
    parts, have = [], 0
    while have < count:
        fresh = like.new_empty(2 * (count - have) + 16).normal_(d.mean, d.std, generator=g)
        fresh = fresh[(fresh >= d.low) & (fresh <= d.high)]
        parts.append(fresh)
        have += fresh.numel()
    return torch.cat(parts)[:count]


def _elementwise(t: torch.Tensor, d: D.Draw, g: torch.Generator | None) -> None:
    if isinstance(d, D.Uniform):
        t.uniform_(d.low, d.high, generator=g)
    elif isinstance(d, D.Normal):
        t.normal_(d.mean, d.std, generator=g)
    elif isinstance(d, D.TruncatedNormal):
        _truncated_normal(t, d, g)
    elif isinstance(d, D.Constant):
        t.fill_(d.value)
    elif isinstance(d, D.Affine):
        _elementwise(t, d.base, g)
        t.mul_(d.scale).add_(d.shift)
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


def _write(t: torch.Tensor, d: D.Draw, g: torch.Generator | None) -> None:
    if d.elementwise:
        _elementwise(t, d, g)
        if isinstance(d, (D.Uniform, D.TruncatedNormal)) and t.dtype in (torch.float16, torch.bfloat16):
            from ..reference import support_in  # rounding to half precision must not leave the support
            t.clamp_(*support_in(d, _dtype_name(t)))
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
    return draw


def _check_generator(generator: Any) -> None:
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"parameter 'generator' must be a torch.Generator or None, got {generator!r}")


def _fill(tensor: torch.Tensor, draw: D.Draw, generator: torch.Generator | None) -> torch.Tensor:
    if not tensor.is_meta:
        with torch.no_grad():
            _write(tensor, draw, generator)
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


#: module class -> the layout its weight is stored in, with the layer's own fans
_LAYER_LAYOUTS: tuple[tuple[type, str], ...] = (
    (nn.Linear, "torch"),
    (nn.Bilinear, "torch_bilinear"),
    (nn.Conv1d, "torch"), (nn.Conv2d, "torch"), (nn.Conv3d, "torch"),
    (nn.ConvTranspose1d, "torch_conv_transpose"), (nn.ConvTranspose2d, "torch_conv_transpose"),
    (nn.ConvTranspose3d, "torch_conv_transpose"),
    (nn.Embedding, "torch_embedding"),
)


def layer_layout(module: nn.Module, fans: str = "layer") -> str | None:
    """The layout of ``module.weight`` for the layers the backend understands, else None."""
    for cls, layout in _LAYER_LAYOUTS:
        if isinstance(module, cls):
            return "torch" if fans == "torch" else layout
    return None


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
    return (((nn.Linear, nn.Bilinear), "dense"), (_ConvTransposeNd, "conv_transpose"), (_ConvNd, "conv"),
            ((nn.Embedding, nn.EmbeddingBag), "embedding"), ((_NormBase, nn.LayerNorm, nn.GroupNorm), "norm"),
            (nn.RNNBase, "recurrent"), (nn.PReLU, "prelu"))


_KINDS = _kind_table()


def _kind(module: nn.Module, parent: nn.Module | None) -> str:
    if isinstance(parent, nn.MultiheadAttention) or isinstance(module, nn.MultiheadAttention):
        return "attention"  # its out_proj Linear included
    for classes, kind in _KINDS:
        if isinstance(module, classes):
            return kind
    return "other"


_ROLES = {"norm": {"weight": "scale", "bias": "shift"}, "embedding": {"weight": "embedding"},
          "prelu": {"weight": "slope"}}


def _role(kind: str, name: str) -> str:
    if name in ("running_mean", "running_var"):
        return name
    if kind == "recurrent":
        return "recurrent_weight" if name.startswith("weight_hh") else "bias" if name.startswith("bias") else "weight"
    if kind == "attention":
        return "bias" if "bias" in name else "weight"
    return _ROLES.get(kind, {}).get(name, name if name in ("weight", "bias") else "other")


def walk(model: nn.Module) -> list[tuple[Any, torch.Tensor]]:
    """Every floating-point parameter and running statistic of ``model`` as (unifiedinit.plan.Param, tensor)."""
    from ..plan import Param
    if not isinstance(model, nn.Module):
        raise TypeError(f"parameter 'model' must be a torch nn.Module, got {type(model).__name__}")
    parents = {id(child): m for m in model.modules() for child in m.children()}
    found = []
    for prefix, module in model.named_modules():
        kind = _kind(module, parents.get(id(module)))
        layout = layer_layout(module) or "torch"
        weight = getattr(module, "weight", None)
        layer_fans = None
        if kind == "recurrent":
            layer_fans = (module.hidden_size, module.hidden_size)
        elif isinstance(weight, torch.Tensor) and not isinstance(weight, nn.parameter.UninitializedParameter) \
                and weight.dim() >= 2:
            layer_fans = get_layout(layout).fans(tuple(weight.shape))
        elif kind == "attention" and isinstance(getattr(module, "in_proj_weight", None), torch.Tensor):
            layer_fans = get_layout("torch").fans(tuple(module.in_proj_weight.shape))
        # the module's own tensors (what named_parameters/named_buffers(recurse=False) give, without their cost)
        tensors = list(module._parameters.items()) + list(module._buffers.items())
        for name, t in tensors:
            if t is None or not t.is_floating_point() or isinstance(t, nn.parameter.UninitializedParameter):
                continue
            role = _role(kind, name)
            found.append((Param(path="/".join(filter(None, (prefix.replace(".", "/"), name))), kind=kind, role=role,
                                dtype=_dtype_name(t),
                                shape=tuple(t.shape), layout=layout if role in ("weight", "embedding") else "torch",
                                layer_fans=layer_fans, layer=type(module).__name__), t))
    return found


def apply_plan(plan: Any, model: nn.Module, *, seed: int | None = None,
               generator: torch.Generator | None = None, portable: bool = False) -> Any:
    """Initialize ``model`` by ``plan``: everything is matched and lowered first, then written in place with
    torch's RNG (a generator seeded with ``seed`` per device, or ``generator``, or torch's default), or with
    the portable values (``portable=True``)."""
    _check_generator(generator)
    found = walk(model)
    report = plan.resolve([p for p, _ in found], stacklevel=4)
    tensors = {id(p): t for p, t in found}
    generators: dict[Any, torch.Generator] = {}
    for e in report.entries:
        if e.draw is None:
            continue
        t = tensors[id(e.param)]
        if portable:
            write_numpy(t, plan.portable_values(report, e, seed))
            continue
        g = generator
        if g is None and seed is not None:
            if t.device not in generators:
                generators[t.device] = torch.Generator(t.device).manual_seed(int(seed))
            g = generators[t.device]
        _fill(t, e.draw, g)
    return report


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
    """``unifiedinit.param_groups`` for torch: two optimizer param groups (decay, no decay)."""
    from ..plan import excluded
    trainable = {id(t) for t in model.parameters()}
    decay, no_decay = [], []
    for p, t in walk(model):
        if id(t) in trainable:
            (no_decay if excluded(p, selects) else decay).append(t)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
