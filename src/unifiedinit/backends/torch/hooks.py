"""torch's native idioms: ``spec.to_torch()`` for a tensor or ``module.apply``, and ``init_`` on one tensor.

Sampling is native: torch's ``uniform_`` / ``normal_`` / ``erfinv_`` with the given ``generator`` (or the default
one, so ``torch.manual_seed`` makes a run repeatable), on the tensor's own device and dtype, in place, never
through NumPy. Every call lowers the spec (which validates it against the tensor) before it writes anything, so a
refused call leaves the tensor as it was. Meta tensors are validated and left as they are.
"""

from __future__ import annotations

import operator
import sys
from typing import Any, Callable

import torch
from torch import nn

from ... import _validate as v
from ... import draws as D
from ...counter import counter_key
from ...layout import LayoutLike, TensorInfo, fans_pair, get_layout
from ...params import Param
from ...portable import Portable, portable_option
from ...samplers import draw as sampled
from ...specs import Spec
from .model import (PRUNE, follow_norm, forget_cached, layer_records, paired_weight, refresh_hooked_norms,
                    refuse_overflowing_norm, tensor_at, transformed, writable)
from .ops import TorchArith, TorchOps


def dtype_name(t: torch.Tensor) -> str:
    """The name of ``t``'s dtype without the ``torch.`` prefix ("float32", "bfloat16", ...)."""
    return str(t.dtype).replace("torch.", "")


def lower(tensor: Any, spec: Spec, layout: LayoutLike | None, layer_fans: tuple[int, int] | None,
          info: TensorInfo | None = None) -> D.Draw:
    """Every check, before anything is written: the spec against this tensor's shape, layout and dtype (or
    against ``info``, what one layer of a stacked tensor is, and the tensor's dtype)."""
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"parameter 'tensor' must be a torch.Tensor, got {type(tensor).__name__}")
    if not isinstance(spec, Spec):
        raise TypeError(f"parameter 'spec' must be a unifiedinit spec, got {spec!r}")
    if info is None:
        # concrete ints: under torch.compile a dynamic size is a symbol, which the checks' float arithmetic
        # (math.isfinite) cannot take; operator.index specializes the graph on it (int() would keep it a symbol), as
        # torch's own init specializes on the sizes it reads
        shape = tuple(operator.index(s) for s in tensor.shape)
        fans = None if layer_fans is None else tuple(  # a pair first, each entry checked by TensorInfo.make
            operator.index(f) if isinstance(f, torch.SymInt) else f for f in fans_pair("", layer_fans))
        info = TensorInfo.make(shape, "torch" if layout is None else layout, fans)
    draw = spec.lower(info)
    v.tensor_dtype(dtype_name(tensor), draw.deterministic)
    v.representable(draw, dtype_name(tensor))
    writable(tensor, "tensor")
    return draw


def check_generator(generator: Any) -> None:
    """Refuse a ``generator`` that is neither a ``torch.Generator`` nor None (TypeError)."""
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


#: dtypes whose CPU tensors portable values are written into directly, through a NumPy view of their memory, and
#: the NumPy dtype of that view
_VIEWED = {torch.float16: "float16", torch.float32: "float32", torch.float64: "float64"}


def numpy_view(tensor: torch.Tensor) -> Any:
    """A NumPy view of a plain, contiguous CPU float tensor's memory, for portable values to be drawn straight into
    (no copy of the whole); None for anything else (a meta, accelerator, sharded or bfloat16 tensor), which gets
    its values through ``write_numpy``, and so does a tensor a ``torch.func`` transform wraps (``vmap``'s batched
    tensor: its memory is not its own to view).

    The view is made over the tensor's address (``data_ptr``), not by ``tensor.numpy()``: that marks the tensor's
    storage not resizable for good, and FSDP frees a parameter's memory by resizing its storage to 0 (FSDP2's
    reshard, FSDP1 leaving summon_full_params), which would then raise "Trying to resize storage that is not
    resizable". The view holds the tensor, so its memory outlives the view; it must not outlive a resize of the
    storage, which ``write_values`` ensures."""
    if type(tensor) not in (torch.Tensor, torch.nn.Parameter) or tensor.device.type != "cpu" or \
            tensor.dtype not in _VIEWED or not tensor.is_contiguous() or tensor.is_conj() or tensor.is_neg() or \
            transformed(tensor):
        return None
    import ctypes

    import numpy as np
    shape, dtype = tuple(tensor.shape), np.dtype(_VIEWED[tensor.dtype])
    if tensor.numel() == 0:  # no memory to view (its address may be 0): nothing is written into it
        return np.empty(shape, dtype)
    memory = (ctypes.c_byte * (tensor.numel() * tensor.element_size())).from_address(tensor.data_ptr())
    setattr(memory, "owner", tensor)  # the array holds ``memory``, which holds the tensor
    return np.frombuffer(memoryview(memory), dtype).reshape(shape)


def write_values(tensor: torch.Tensor, values: Callable[[Any], Any]) -> torch.Tensor:
    """Write host-computed values into ``tensor``: ``values(out)`` draws them straight into a NumPy view of its
    memory (``numpy_view``; then its version counter moves on, as after an in-place torch op, so autograd
    refuses a graph that saved the old values), or, given None, returns an array that ``write_numpy`` copies."""
    view = numpy_view(tensor)
    if view is None:
        return write_numpy(tensor, values(None))
    values(view)
    torch.autograd.graph.increment_version(tensor)
    return tensor


def write_numpy(tensor: torch.Tensor, values: Any) -> torch.Tensor:
    """Copy a NumPy array into ``tensor`` in place (bfloat16 travels as float32, which holds it exactly)."""
    if not tensor.is_meta:
        if values.dtype.name == "bfloat16":
            values = values.astype("float32")
        with torch.no_grad():
            # torch leaves from_numpy's parameter untyped
            tensor.copy_(torch.from_numpy(values).reshape(tensor.shape))  # pyright: ignore[reportUnknownMemberType]
    return tensor


def init_(tensor: torch.Tensor, spec: Spec, *, layout: LayoutLike | None = None,
          generator: torch.Generator | None = None, layer_fans: tuple[int, int] | None = None,
          portable: Any = None) -> torch.Tensor:
    """Initialize ``tensor`` (a tensor or ``nn.Parameter``) in place from ``spec`` and return it.

    ``layout`` says which axes are out / in / receptive field (default "torch": (out, in, *k)); ``layer_fans``
    gives the layer's (fan_in, fan_out) when they are not the tensor's own (a bias). Values are drawn natively
    with torch's RNG (``generator``, or the default one, so ``torch.manual_seed`` makes a run repeatable), on the
    tensor's own device and dtype. No gradient is recorded. Everything is checked before anything is written; a
    meta tensor is checked and left as it is. ``portable=unifiedinit.Portable(seed, key)`` writes the portable
    values instead of drawing with torch's RNG: the same numbers in every framework (with ``stream="counter"``,
    computed by torch on the tensor's device).

    Args:
        tensor: the ``torch.Tensor`` or ``nn.Parameter`` to fill (a floating dtype for a random spec; any dtype
            for a determined one such as ``Zeros`` or ``Eye``).
        spec: a unifiedinit spec (``ui.Normal(0.0, 0.02)``, ``ui.KaimingUniform()``, ...).
        layout: a registered layout name ("torch", "torch_conv_transpose", "torch_embedding", ...; see
            ``ui.LAYOUTS``) or a ``ui.Layout``; None: "torch".
        generator: the ``torch.Generator`` to draw from; None: torch's default generator.
        layer_fans: the layer's (fan_in, fan_out) for a fan-based spec on a tensor that has no fans of its own (a
            bias); None: the tensor's own fans from ``layout``.
        portable: None (draw with torch's RNG), or a ``ui.Portable(seed, key)`` (or its dict): write the portable
            values (``generator`` is not used then).

    Returns:
        ``tensor``, filled.

    Raises:
        TypeError: ``tensor`` is not a ``torch.Tensor``; ``spec`` is not a spec; ``generator`` is not a
            ``torch.Generator`` or None; ``portable`` is not a Portable, a dict or None; a random spec on an integer
            or bool tensor.
        ValueError: an unknown layout; a shape the spec cannot fill (a fan-based spec on a tensor with fewer axes
            than the layout needs and no ``layer_fans``); values the dtype cannot hold; a tensor torch cannot write
            one value per entry of (a sparse one; a view whose entries share memory, as ``expand()`` or an
            overlapping ``as_strided()`` makes).

    Examples:
        >>> import math
        >>> import torch
        >>> import unifiedinit as ui
        >>> from unifiedinit.backends.torch import init_
        >>> w = init_(torch.empty(64, 32), ui.KaimingUniform(), generator=torch.Generator().manual_seed(0))
        >>> w.shape, bool((w.abs() <= math.sqrt(2) * math.sqrt(3 / 32)).all())  # gain sqrt(2), fan_in 32
        (torch.Size([64, 32]), True)
        >>> init_(torch.empty(2, 3), ui.Constant(0.5)).tolist()
        [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]
        >>> from unifiedinit.reference import portable
        >>> w = init_(torch.empty(2, 3), ui.Normal(0.0, 0.02), portable=ui.Portable(seed=7, key="fc/weight"))
        >>> bool((w.numpy() == portable(ui.Normal(0.0, 0.02), (2, 3), seed=7, key="fc/weight")).all())
        True
    """
    check_generator(generator)
    return _init(tensor, spec, layout, generator, layer_fans, portable_option(portable), None)


def _init(tensor: torch.Tensor, spec: Spec, layout: LayoutLike | None, generator: torch.Generator | None,
          layer_fans: tuple[int, int] | None, portable: Portable | None, key: tuple[int, int] | None) -> torch.Tensor:
    """``init_`` with its options checked; ``key``: the counter stream's key of ``portable`` when already known
    (a ``TorchInitializer`` computes it once, so that ``torch.compile`` need not trace blake2b), else None."""
    draw = lower(tensor, spec, layout, layer_fans)
    if portable is None:
        return fill(tensor, draw, generator)
    chosen = "torch" if layout is None else layout
    if portable.stream == "counter" and not tensor.is_meta:  # computed by torch where the tensor lives
        from ...counter import values
        with torch.no_grad():
            x = values(TorchOps(None, tensor.device), TorchArith(tensor.device), spec, tuple(tensor.shape),
                       layout=chosen, key=key if key is not None else counter_key(portable.seed, portable.key),
                       dtype_name=dtype_name(tensor), dtype=tensor.dtype, layer_fans=layer_fans)
            tensor.copy_(x)
        return tensor
    if not torch.compiler.is_compiling():  # eager: nothing to keep out of a graph, and torch._dynamo not imported
        return _write_chunks(tensor, spec, chosen, layer_fans, portable)
    return _chunks_untraced(tensor, spec, chosen, layer_fans, portable)


def _write_chunks(tensor: torch.Tensor, spec: Spec, layout: LayoutLike, layer_fans: tuple[int, int] | None,
                  portable: Portable) -> torch.Tensor:
    """Write ``portable``'s "chunks" values, drawn by NumPy on the host (``write_values``). torch.compile runs it
    as it is, outside the graph (``torch.compiler.disable``): a graph break, and under ``fullgraph=True`` a refusal
    that names ``stream="counter"``, whose values torch's ops compute in the graph."""
    return write_values(tensor, lambda out: portable.values(spec, tuple(tensor.shape), layout, dtype_name(tensor),
                                                            layer_fans, out=out))


#: why ``_write_chunks`` is not traced, which torch.compile(fullgraph=True) shows when it refuses the call
_UNTRACED = ("portable values of stream 'chunks' are drawn by NumPy on the host, which torch.compile does not trace: "
             "make the hook with ui.Portable(seed, key, stream='counter'), computed by torch's ops in the graph, "
             "or call it outside the compiled function")
#: ``_write_chunks`` wrapped by torch.compiler.disable, made on first use: the wrapper imports torch._dynamo
#: (about 2 s), which an eager apply never needs
_UNTRACED_WRITE: list[Callable[..., torch.Tensor]] = []


def _chunks_untraced(tensor: torch.Tensor, spec: Spec, layout: LayoutLike, layer_fans: tuple[int, int] | None,
                     portable: Portable) -> torch.Tensor:
    """``_write_chunks`` kept out of the graph of a function torch.compile traces (only called there)."""
    if not _UNTRACED_WRITE:
        disable: Any = getattr(torch.compiler, "disable")  # (partly untyped in torch's stubs)
        try:
            _UNTRACED_WRITE.append(disable(_write_chunks, reason=_UNTRACED))
        except TypeError:  # torch < 2.7 takes no reason
            _UNTRACED_WRITE.append(disable(_write_chunks))
    return _UNTRACED_WRITE[0](tensor, spec, layout, layer_fans, portable)


def sample(spec: Spec, shape: tuple[int, ...], *, layout: LayoutLike = "torch", seed: int = 0,
           dtype: str = "float32", layer_fans: tuple[int, int] | None = None) -> Any:
    """Sample ``spec`` natively with torch for one tensor of ``shape`` and return it as a NumPy array.

    The values are those of ``init_`` on a new CPU tensor of ``shape`` and ``dtype`` with a
    ``torch.Generator().manual_seed(seed)``: the hook the comparison report and the cross-framework tests use.
    bfloat16 values come back as float32 (which holds them exactly).

    Args:
        spec: a unifiedinit spec.
        shape: the tensor's shape, a tuple of ints.
        layout: a registered layout name or a ``ui.Layout`` (default "torch": (out, in, *k)).
        seed: the seed of the ``torch.Generator`` the values are drawn from, an integer in [0, 2**64) (a NumPy
            integer too), as ``ui.sample`` takes it.
        dtype: the name of a torch dtype: "float32" (default), "float64", "float16", "bfloat16", or an integer or
            bool dtype for a determined spec.
        layer_fans: the layer's (fan_in, fan_out) when the tensor has no fans of its own (a bias); None: its own.

    Returns:
        A NumPy array of ``shape`` (float32 for bfloat16, else ``dtype``).

    Raises:
        TypeError: ``spec`` is not a spec; a random spec with an integer or bool dtype; ``seed`` is not an integer
            (a bool, a float); ``dtype`` is not a string.
        ValueError: ``seed`` is outside [0, 2**64) (torch would take -1 as 2**64 - 1); an unknown layout or
            ``dtype`` name; a shape the spec cannot fill; values the dtype cannot hold.

    Examples:
        >>> import unifiedinit as ui
        >>> from unifiedinit.backends.torch import sample
        >>> sample(ui.Eye(), (2, 3)).tolist()
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
        >>> x = sample(ui.Normal(0.0, 0.02), (4, 3), seed=1, dtype="bfloat16")
        >>> x.shape, x.dtype.name
        ((4, 3), 'float32')
        >>> bool((x == sample(ui.Normal(0.0, 0.02), (4, 3), seed=1, dtype="bfloat16")).all())  # the same seed
        True
    """
    seed = v.given_seed("sample", seed)
    dtype = v.dtype_name("sample", "dtype", dtype)
    t = torch.empty(tuple(shape), dtype=getattr(torch, dtype))
    init_(t, spec, layout=layout, generator=torch.Generator().manual_seed(seed), layer_fans=layer_fans)
    return t.float().numpy() if dtype == "bfloat16" else t.numpy()


class TorchInitializer:
    """What ``spec.to_torch()`` returns: call it on a tensor or hand it to ``net.apply``.

    On a tensor or ``nn.Parameter``: initializes it in place (layout "torch" unless given) and returns it, as
    ``init_``.

    On an ``nn.Module``: if it is a Linear, Bilinear, Conv1d/2d/3d, ConvTranspose1d/2d/3d or Embedding
    (lazy variants once materialized), its ``weight`` gets ``spec`` with that layer's layout and fans, and,
    only when a ``bias`` spec was given, its ``bias`` gets that spec with the layer's fans (so
    ``KaimingUniform(a=sqrt(5))`` gives torch's default bias bound 1/sqrt(fan_in); a ConvTranspose's with
    ``fans="torch"`` too, as torch reads its fan_in from the output channels). The module is seen as a
    plan sees it (``layer_records``): a registered dense, conv or embedding class (``ui.register_layer``) and
    Hugging Face's stacked experts have their weights and biases drawn one layer at a time (a flattened one
    through its declared view), and a weight under a weight or spectral norm is drawn into the parameter that
    holds its values, with what the norm keeps following it, so the layer computes the drawn weight. Nothing
    else is touched: other modules, other parameters (a weight under another parametrization), and layers
    without a bias, or still lazy, are left as they are. ``net.apply(init)`` visits every submodule, so it
    initializes every such layer of the model. Every tensor is checked before any is written; the module is
    returned. Under ``torch.func.functional_call`` the tensors it swapped in are the ones found and written.

    ``fans="layer"`` (default) takes fans from the layer: a ConvTranspose's fan_in is its input channels x
    RF and an Embedding's its vocabulary. ``fans="torch"`` uses torch.nn.init's own computation for every
    layer (dim 1 x RF is fan_in), as ``nn.init.xavier_uniform_(m.weight)`` would.

    Args:
        spec: the spec of the weights (or of the tensor it is called on).
        bias: the spec of a layer's bias, with the layer's fans; None: biases are left as they are.
        layout: the layout of a tensor it is called on (a layout name or a ``ui.Layout``); None: "torch". A
            module's layers use their own layouts.
        fans: "layer" (each layer's own fans) or "torch" (torch.nn.init's computation).
        generator: the ``torch.Generator`` to draw from; None: torch's default generator.
        portable: None, or a ``ui.Portable(seed, key)`` (or its dict) to write portable values: then it takes a
            tensor only (the key names one parameter).

    Raises:
        TypeError: ``spec`` is not a spec, ``bias`` not a spec or None, ``generator`` not a ``torch.Generator`` or
            None, ``portable`` not a Portable, a dict or None. When called: on something other than a tensor or an
            ``nn.Module``, on a module with ``portable`` set, or as ``init_`` raises.
        ValueError: ``fans`` is not "layer" or "torch". When called: as ``init_`` raises (a shape or dtype the
            spec cannot fill, a view whose entries share memory). On a module, the message names the layer's
            tensor it refused and its spec ("to_torch: cannot initialize Linear.bias (shape (6,)) with bias=...").

    Examples:
        >>> import torch
        >>> import unifiedinit as ui
        >>> init = ui.Constant(0.5).to_torch(bias=ui.Zeros())
        >>> init
        TorchInitializer(Constant(value=0.5), bias=Zeros(), fans='layer')
        >>> net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
        >>> _ = net.apply(init)
        >>> net[2].weight.tolist(), net[2].bias.tolist()
        ([[0.5, 0.5]], [0.0])
        >>> init(torch.empty(3)).tolist()
        [0.5, 0.5, 0.5]
    """

    def __init__(self, spec: Spec, *, bias: Spec | None = None, layout: LayoutLike | None = None,
                 fans: str = "layer", generator: torch.Generator | None = None, portable: Any = None) -> None:
        if not isinstance(spec, Spec):
            raise TypeError(f"parameter 'spec' must be a unifiedinit spec, got {spec!r}")
        if bias is not None and not isinstance(bias, Spec):
            raise TypeError(f"parameter 'bias' must be a unifiedinit spec or None, got {bias!r}")
        v.choice("to_torch", "fans", fans, ("layer", "torch"))
        if layout is not None:
            get_layout(layout)  # an unknown name is refused now, not when the first tensor comes
        check_generator(generator)
        self.spec, self.bias, self.layout, self.fans, self.generator = spec, bias, layout, fans, generator
        self.portable = portable_option(portable)
        # the counter stream's key, computed once here: a hook called under torch.compile(fullgraph=True) has no
        # blake2b to trace
        self._key = counter_key(self.portable.seed, self.portable.key) \
            if self.portable is not None and self.portable.stream == "counter" else None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.spec!r}, bias={self.bias!r}, fans={self.fans!r})"

    def __call__(self, obj: Any) -> Any:
        if isinstance(obj, torch.Tensor):
            return _init(obj, self.spec, self.layout, self.generator, None, self.portable, self._key)
        if not isinstance(obj, nn.Module):
            raise TypeError(f"a unifiedinit torch initializer takes a tensor or an nn.Module, got {type(obj).__name__}")
        if self.portable is not None:
            raise TypeError("a portable torch initializer takes a tensor (its key names one parameter); for a "
                            "whole model use ui.Plan(...).apply(model, seed=..., portable=True), which keys every "
                            "parameter by its path")
        records, norms = layer_records(obj)
        weights = [p for p, _ in records if p.role != "bias"]
        drawn: list[tuple[torch.Tensor, D.Draw, tuple[int, ...]]] = []
        lowered: dict[str, D.Draw] = {}  # the weights' draws, by path
        for p, t in records:  # every tensor is checked before any is written
            try:
                if p.role != "bias":
                    info = p.info("tensor", "torch" if self.fans == "torch" else None)
                    drawn.append((t, lower(t, self.spec, None, None, info), p.stacked))
                    lowered[p.path] = drawn[-1][1]
                elif self.bias is not None:
                    fans = _torch_fans(p, weights) if self.fans == "torch" else None
                    info = p.info() if fans is None else TensorInfo.make(p.slice_shape, "torch", fans)
                    drawn.append((t, lower(t, self.bias, None, None, info), p.stacked))
            except (TypeError, ValueError) as err:  # which of the layer's tensors, and which spec
                which = f"bias={v.shown(self.bias, v.DRAW_SHOWN)}" if p.role == "bias" else \
                    v.shown(self.spec, v.DRAW_SHOWN)
                raise type(err)(f"to_torch: cannot initialize {p.layer}.{p.path.replace('/', '.')} (shape "
                                f"{tuple(t.shape)}) with {which}: {err}") from None
        # what follows each normed weight, found before anything is written (under torch.func.functional_call
        # the tensors it swapped in)
        held = {x: tensor_at(obj, x) for path, what in norms for x in (path,) + what[1:] if isinstance(x, str)}
        for path, what in norms:  # a magnitude g its dtype may not hold: refused before anything is written
            if what[0] == "g" and path in lowered:
                refuse_overflowing_norm(path, lowered[path], held[path], what[2], what[1], held[what[1]], "to_torch: ")
        for t, draw, stacked in drawn:
            fill(t, draw, self.generator, stacked)
        for path, what in norms:  # a normed weight: the layer computes the drawn one (a meta one has no values)
            weight = held[path]
            if not weight.is_meta:
                follow_norm(weight, what, held.__getitem__, self.generator)
        if (norms or PRUNE in sys.modules) and not any(t.is_meta for _, t in records):  # and a pruned weight
            refresh_hooked_norms(obj)
        forget_cached(obj, [p.path for p, _ in records] + list(held))
        return obj


def _torch_fans(bias: Param, weights: list[Param]) -> tuple[int, int] | None:
    """torch.nn.init's fans (dim 1 x RF is fan_in) of the weight ``bias`` goes with: ``gate_up_proj``'s for
    ``gate_up_proj_bias``, else ``weight``'s, else the layer's only weight's; None when there is none."""
    named = [w for w in weights if w.path == paired_weight(bias.path)]
    weight = named[0] if named else weights[0] if len(weights) == 1 else None
    if weight is None or len(weight.slice_shape) < 2 or 0 in weight.slice_shape:
        return None
    return TensorInfo.make(weight.slice_shape, "torch").fans


def initializer(spec: Spec, **options: Any) -> TorchInitializer:
    """``spec.to_torch(**options)``: a ``TorchInitializer`` for ``spec``.

    Args:
        spec: a unifiedinit spec.
        **options: ``TorchInitializer``'s keyword arguments: ``bias`` (a spec or None), ``layout`` (a layout name,
            a ``ui.Layout`` or None), ``fans`` ("layer" or "torch"), ``generator`` (a ``torch.Generator`` or None),
            ``portable`` (a ``ui.Portable``, its dict, or None).

    Returns:
        The ``TorchInitializer``: call it on a tensor, or hand it to ``net.apply``.

    Raises:
        TypeError: ``spec`` is not a spec; an unknown option, or an option of the wrong type (as
            ``TorchInitializer``).
        ValueError: ``fans`` is not "layer" or "torch".

    Examples:
        >>> import torch
        >>> import unifiedinit as ui
        >>> from unifiedinit.backends.torch import initializer
        >>> init = initializer(ui.XavierUniform(), fans="torch")
        >>> init
        TorchInitializer(XavierUniform(gain=1.0), bias=None, fans='torch')
        >>> init(torch.empty(3, 4)).shape
        torch.Size([3, 4])
    """
    return TorchInitializer(spec, **options)


# ------------------------------------------------------------------------- one array, for the conformance suite

def array(values: Any, dtype: str) -> torch.Tensor:
    """A tensor of ``values`` (a NumPy array) in ``dtype``."""
    return torch.tensor(values, dtype=getattr(torch, dtype))


def to_numpy(x: torch.Tensor) -> Any:
    """A tensor as a NumPy array on the host (bfloat16 as float32, which holds it exactly)."""
    return x.detach().cpu().float().numpy() if x.dtype == torch.bfloat16 else x.detach().cpu().numpy()


def init_array(spec: Spec, x: torch.Tensor, *, layout: LayoutLike | None = None, seed: int = 0,
               portable: Any = None) -> torch.Tensor:
    """The native hook on one array stored in ``layout`` (default torch's): in place."""
    return init_(x, spec, layout=layout, generator=torch.Generator().manual_seed(seed), portable=portable)
