"""torch's native idioms: ``spec.to_torch()`` for a tensor or ``module.apply``, and ``init_`` on one tensor.

Sampling is native: torch's ``uniform_`` / ``normal_`` / ``erfinv_`` with the given ``generator`` (or the default
one, so ``torch.manual_seed`` makes a run repeatable), on the tensor's own device and dtype, in place, never
through NumPy. Every call lowers the spec (which validates it against the tensor) before it writes anything, so a
refused call leaves the tensor as it was. Meta tensors are validated and left as they are.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ... import _validate as v
from ... import draws as D
from ...layout import LayoutLike, TensorInfo
from ...portable import portable_option
from ...samplers import draw as sampled
from ...specs import Spec
from .model import layer_layout
from .ops import TorchOps


def dtype_name(t: torch.Tensor) -> str:
    return str(t.dtype).replace("torch.", "")


def lower(tensor: Any, spec: Spec, layout: LayoutLike | None, layer_fans: tuple[int, int] | None) -> D.Draw:
    """Every check, before anything is written: the spec against this tensor's shape, layout and dtype."""
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"parameter 'tensor' must be a torch.Tensor, got {type(tensor).__name__}")
    if not isinstance(spec, Spec):
        raise TypeError(f"parameter 'spec' must be a unifiedinit spec, got {spec!r}")
    draw = spec.lower(TensorInfo.make(tuple(tensor.shape), "torch" if layout is None else layout, layer_fans))
    v.tensor_dtype(dtype_name(tensor), draw.deterministic)
    v.representable(draw, dtype_name(tensor))
    return draw


def check_generator(generator: Any) -> None:
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"parameter 'generator' must be a torch.Generator or None, got {generator!r}")


def fill(tensor: torch.Tensor, draw: D.Draw, generator: torch.Generator | None,
         stacked: tuple[int, ...] = ()) -> torch.Tensor:
    """Draw ``draw`` into ``tensor`` in place (no gradient recorded); a meta tensor is left as it is."""
    if not tensor.is_meta:
        with torch.no_grad():
            sampled(TorchOps(generator, tensor.device, like=tensor), draw, tuple(tensor.shape), tensor.dtype, stacked,
                    out=tensor)
    return tensor


def write_numpy(tensor: torch.Tensor, values: Any) -> torch.Tensor:
    """Copy a NumPy array into ``tensor`` in place (bfloat16 travels as float32, which holds it exactly)."""
    if not tensor.is_meta:
        if values.dtype.name == "bfloat16":
            values = values.astype("float32")
        with torch.no_grad():
            tensor.copy_(torch.from_numpy(values).reshape(tensor.shape))
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
    check_generator(generator)
    portable = portable_option(portable)
    draw = lower(tensor, spec, layout, layer_fans)
    if portable is None:
        return fill(tensor, draw, generator)
    values = portable.values(spec, tuple(tensor.shape), "torch" if layout is None else layout, dtype_name(tensor),
                             layer_fans)
    return write_numpy(tensor, values)


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
        check_generator(generator)
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
                            "parameter by its path")
        layout = layer_layout(obj, self.fans)
        weight = getattr(obj, "weight", None)
        if layout is None or not isinstance(weight, torch.Tensor) or isinstance(weight, nn.parameter.UninitializedParameter):
            return obj
        bias = getattr(obj, "bias", None) if self.bias is not None else None
        weight_draw = lower(weight, self.spec, layout, None)
        bias_draw = None
        if isinstance(bias, torch.Tensor) and self.bias is not None:  # checked too before the weight is written
            fans = TensorInfo.make(tuple(weight.shape), layout).fans if self.bias.fan_based else None
            bias_draw = lower(bias, self.bias, "torch", fans)
        fill(weight, weight_draw, self.generator)
        if bias_draw is not None:
            fill(bias, bias_draw, self.generator)  # type: ignore[arg-type]  # set when bias_draw is
        return obj


def initializer(spec: Spec, **options: Any) -> TorchInitializer:
    """``spec.to_torch(**options)``."""
    return TorchInitializer(spec, **options)


# ------------------------------------------------------------------------- one array, for the conformance suite

def array(values: Any, dtype: str) -> torch.Tensor:
    """A tensor of ``values`` (a NumPy array) in ``dtype``."""
    return torch.tensor(values, dtype=getattr(torch, dtype))


def to_numpy(x: torch.Tensor) -> Any:
    return x.detach().cpu().float().numpy() if x.dtype == torch.bfloat16 else x.detach().cpu().numpy()


def init_array(spec: Spec, x: torch.Tensor, *, layout: LayoutLike | None = None, seed: int = 0,
               portable: Any = None) -> torch.Tensor:
    """The native hook on one array stored in ``layout`` (default torch's): in place."""
    return init_(x, spec, layout=layout, generator=torch.Generator().manual_seed(seed), portable=portable)
