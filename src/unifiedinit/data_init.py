"""Data-dependent initialization: LSUV (Mishkin & Matas 2016, "All you need is a good init").

``ui.lsuv(model, batch)``: every dense and conv weight is first made orthonormal, biases zero; then, layer by
layer in the order the forward pass reaches them, the weight is divided by the standard deviation of the
layer's output on ``batch`` (before a Keras layer's built-in activation) until that deviation is within ``tol`` of
``target_std`` (at most ``max_iter`` divisions per layer, each measured again; a layer left outside is named in a
warning). The report records each layer's final gain (orthonormal times the product of the
divisions), so ``report.to_plan()`` replays the result as a plain plan (``Orthogonal(gain)`` per weight) with no
data: the same law, drawn again.

The layers are exactly those the orthonormal step writes: the plan's walk of the model selects the dense and
conv weights and biases, and the layer that owns each (a torch module, an NNX module, a Keras layer, whatever
its class: GPT-2's ``Conv1D``, ``nnx.LinearGeneral``, Keras's ``SeparableConv2D``) is measured by its output:
torch modules by forward hooks, NNX modules by recording their calls while the batch runs (a subclass's call
through ``super().__call__`` is part of its one call, measured by its outermost output), built Keras models by a
probe model over those layers' outputs. A layer whose output cannot be measured on the batch (never
called, called more than once, or an output that is not one floating-point array) is refused before anything is
written; so is a quantized layer (a Keras layer with ``quantization_mode`` set, torch's ``torch.ao.nn.quantized``
modules), whose integer weight and scales neither an orthonormal start nor a gain reaches, and so is a model with
no dense or conv layer at all. The layers with weights of other kinds (a transposed conv, an attention's
projections, a recurrent layer) are left as they are, and named in a warning; so is a layer whose weight is another
layer's (tied weights), which is scaled with that layer, not separately.
"""

from __future__ import annotations

import glob
import math
import sys
import warnings
from collections.abc import Callable, Generator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

#: the layers LSUV sets and rescales: those whose weights the orthonormal step writes
_KINDS = ("dense", "conv")
#: the kinds of layers with weights that LSUV leaves as they are, each named in a warning: a transposed conv, an
#: attention's projections (torch's fused in-projection has no output of its own to measure), a recurrent layer
_UNSET = ("conv_transpose", "attention", "recurrent")


@dataclass
class LsuvReport:
    """``gains``: weight path -> its final gain over an orthonormal matrix; ``stds``: the output std each layer
    ended with (measured after its last rescaling); ``iterations``: forward passes per layer (rescalings + 1);
    ``layers``: the weight paths in forward order (one per layer: the weight whose scale LSUV set);
    ``unreplayable``: the layers whose gain lives where no plan reaches (an ``nnx.WeightNorm``'s scales, which are
    no parameters), which ``to_plan`` replays at gain 1 (and says so); ``others``: for a layer with several
    weights (a separable conv's depthwise kernel beside the pointwise one LSUV scales), its entry in ``layers`` ->
    the paths of its other weights, left orthonormal at gain 1; ``tied``: a layer whose weight is another layer's
    (tied weights: torch's ``net[2].weight = net[0].weight``), its path for that weight -> the path the weight is
    listed under, with whose layer it is scaled (not in ``layers``: no gain of its own reaches it; its bias is
    zeroed)."""

    gains: dict[str, float] = field(default_factory=dict[str, float])
    stds: dict[str, float] = field(default_factory=dict[str, float])
    iterations: dict[str, int] = field(default_factory=dict[str, int])
    layers: list[str] = field(default_factory=list[str])
    unreplayable: list[str] = field(default_factory=list[str])
    others: dict[str, list[str]] = field(default_factory=dict[str, list[str]])
    tied: dict[str, str] = field(default_factory=dict[str, str])

    def to_plan(self, name: str = "lsuv") -> Any:
        """The result as a plan with no data: ``Orthogonal(gain)`` for each weight, zeros for its bias. Each
        layer is selected by its module path (``"3/*"``, dense or conv, by role), so the plan also replays the
        result on a port with the same module names in another framework (``kernel`` for ``weight``); in a layer
        with several weights (``others``) the scaled one is selected by its own path and the others get gain 1; a
        tied layer's bias (``tied``) gets zeros, its weight the rule of the layer it is listed under. The rules are
        quiet: a layer without a bias (a rule that matches nothing) is no warning."""
        from .plan import Plan
        from .specs import Orthogonal, Zeros
        if self.unreplayable:
            warnings.warn(f"LsuvReport.to_plan: the gain of {', '.join(self.unreplayable)} lives in an "
                          "nnx.WeightNorm's scales, which a plan does not reach: replayed at gain 1 (the kernel's "
                          "own scale is normalized away)", UserWarning, stacklevel=2)
        plan = Plan(name=name)
        for path in self.tied:
            plan = plan.rule(Zeros(), kind=_KINDS, role="bias", path=_module_glob(path), quiet=True)
        for path in self.layers:
            where = _module_glob(path)
            gain = Orthogonal(gain=self.gains[path])
            if self.others.get(path):
                plan = plan.rule(Orthogonal(), kind=_KINDS, role="weight", path=where, quiet=True)
                plan = plan.rule(gain, kind=_KINDS, role="weight", path=glob.escape(path), quiet=True)
            else:
                plan = plan.rule(gain, kind=_KINDS, role="weight", path=where, quiet=True)
            plan = plan.rule(Zeros(), kind=_KINDS, role="bias", path=where, quiet=True)
        return plan


def _module_glob(path: str) -> str:
    """A glob on every parameter of the module that holds the weight at ``path`` (``"3/weight"`` -> ``"3/*"``)."""
    return f"{glob.escape(path.rsplit('/', 1)[0])}/*" if "/" in path else "*"


def _check(target_std: Any, tol: Any, max_iter: Any, seed: Any) -> tuple[float, float, int, int]:
    """``lsuv``'s numbers, checked before anything runs and returned as Python numbers (a NumPy scalar is a number
    too): ``target_std`` and ``tol`` finite reals > 0, ``max_iter`` an integer >= 1, ``seed`` an integer in
    [0, 2**64).

    Raises:
        TypeError: a value of the wrong kind (a string, a bool, None, a float ``max_iter`` or ``seed``).
        ValueError: a value out of its range (not finite, <= 0, ``max_iter`` < 1, ``seed`` outside [0, 2**64))."""
    from ._validate import given_seed, integer, positive
    return (positive("lsuv", "target_std", target_std), positive("lsuv", "tol", tol),
            integer("lsuv", "max_iter", max_iter, minimum=1), given_seed("lsuv", seed))


def lsuv(model: Any, batch: Any, *, target_std: float = 1.0, tol: float = 0.05, max_iter: int = 10,
         seed: int = 0) -> LsuvReport:
    """LSUV (Mishkin and Matas 2016) in place: orthonormal weights, then each layer rescaled on ``batch``.

    The layers are every layer with a dense or conv weight or bias, as a plan selects them (``kind=("dense",
    "conv")``): a torch ``nn.Linear`` or conv, a registered class such as GPT-2's ``Conv1D``, an NNX ``Linear``,
    ``LinearGeneral``, ``Einsum`` or ``Conv``, a Keras ``Dense``, ``EinsumDense`` or conv of any kind (a
    ``SeparableConv2D`` takes its gain in its pointwise kernel). Each is measured by its own output, before a Keras
    layer's built-in ``activation``. The forward passes run in the model's own mode and only measure: BatchNorm
    running statistics and random states are left as they were (torch's global generator and NNX's ``RngState``);
    every pass draws the same random numbers (a dropout's mask: torch's from ``seed``, NNX's from the model's own
    state). A layer still outside ``tol`` after ``max_iter`` rescalings is named in a UserWarning; so are the
    weights LSUV leaves as they are (a transposed conv's, an attention's, a recurrent layer's) and the layers whose
    weight is another layer's (tied weights: scaled with that layer, not separately; listed in ``report.tied``).

    Args:
        model: a torch module, a Flax NNX module, or a built Keras model with an Input.
        batch: one batch of inputs in the model's own array type, with at least one value.
        target_std: the std each dense/conv layer's output should reach.
        tol: stop a layer's iterations once its output std is within ``tol`` of the target.
        max_iter: at most this many rescalings per layer (each followed by a measuring pass).
        seed: the seed of the orthonormal start, and of torch's random draws in the forward passes (dropout): an
            integer in [0, 2**64) (a NumPy integer too).

    Returns:
        An ``LsuvReport``: each layer's gain, final std and iterations; ``.to_plan()`` replays the result as
        ``Orthogonal(gain)`` per weight, without data.

    Raises:
        TypeError: a ``target_std``, ``tol``, ``max_iter`` or ``seed`` of the wrong kind (a string, a bool, None, a
            float ``max_iter`` or ``seed``; NumPy scalars are numbers), before anything runs.
        ValueError: a ``target_std`` or ``tol`` that is not finite and > 0, a ``max_iter`` < 1, a ``seed`` outside
            [0, 2**64), or a ``batch`` with no values (shape (0, ...)) (before anything runs), a Keras model
            without an Input, a layer whose output on ``batch`` cannot be measured (a layer the forward pass never
            calls, calls more than once, or whose output is not one floating-point array; named, before anything is
            written), a model with no dense or conv layer with a weight of its own (a stack of transposed convs: its
            other weights named, before anything is written), a quantized dense or conv layer (a Keras layer with
            ``quantization_mode`` set, a torch ``torch.ao.nn.quantized`` module, dynamic, fused or reference: its
            weight is integers, or rounded to them, with scales of its own, which no orthonormal start or gain
            reaches; named, before anything is written), or a layer whose output on ``batch`` is not finite (NaN or
            inf) or has std 0 over more than one value (a batch of zeros). Whatever fails, the forward pass on
            ``batch`` included, every parameter and buffer is left as it was, and so is the weight an old-style torch
            weight or spectral norm (``torch.nn.utils.weight_norm``) computes from them.
        NotImplementedError: a framework other than torch, Flax NNX and Keras (a Flax Linen module or
            variables tree too).

    Examples:
        >>> import torch
        >>> import unifiedinit as ui
        >>> _ = torch.manual_seed(0)
        >>> model = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 4))
        >>> report = ui.lsuv(model, torch.randn(256, 16))
        >>> report.layers, all(abs(std - 1.0) < 0.05 for std in report.stds.values())
        (['0/weight', '2/weight'], True)
    """
    target_std, tol, max_iter, seed = _check(target_std, tol, max_iter, seed)
    _check_batch(batch)
    linen = sys.modules.get("flax.linen")
    if linen is not None and isinstance(model, linen.Module):  # before backend_of, whose advice is plan.apply's
        raise NotImplementedError("lsuv: torch, Flax NNX and Keras models for now, got a Flax Linen module")
    from .apply import backend_of
    name = backend_of(model).NAME
    if name == "torch":
        return _torch(model, batch, target_std, tol, max_iter, seed)
    if name == "flax":
        nnx = sys.modules.get("flax.nnx")
        if nnx is None or not isinstance(model, nnx.Module):
            raise NotImplementedError("lsuv: torch, Flax NNX and Keras models for now, got a Flax Linen "
                                      f"variables tree ({type(model).__name__}), not an nnx.Module")
        return _nnx(model, batch, target_std, tol, max_iter, seed)
    if name == "keras":
        return _keras(model, batch, target_std, tol, max_iter, seed)
    raise NotImplementedError(f"lsuv: torch, Flax NNX and Keras models for now, got a {name} model")


def _check_batch(batch: Any) -> None:
    """Refuse a batch (or an array in a tuple, list or dict of them) with no values: its outputs have no std."""
    arrays: list[Any] = ([*batch.values()] if isinstance(batch, dict) else [*batch] if isinstance(batch, (list, tuple))
                         else [batch])
    for array in arrays:
        shape = getattr(array, "shape", None)
        if shape is not None and any(int(d) == 0 for d in shape):
            raise ValueError(f"lsuv: parameter 'batch' must hold at least one value (an array with no axis of "
                             f"length 0), got an array of shape {tuple(int(d) for d in shape)}")


@contextmanager
def _undone_on_error(undo: Callable[[], None]) -> Generator[None, None, None]:
    """Run the block; if it raises, call ``undo`` (which puts back what was kept before the block) and re-raise."""
    try:
        yield
    except BaseException:
        undo()
        raise


def _measured(measured: tuple[float, int], path: str) -> float:
    """The std of a layer's output from (std, number of values), refused when it cannot set a scale: not finite,
    or 0 over more than one value (every value the same: a batch of zeros); one value has std 0 and stops there."""
    std, size = measured
    if not math.isfinite(std):
        raise ValueError(f"lsuv: the output of layer {path!r} on the batch has std {std} (NaN or inf values in "
                         "it): nothing was changed")
    if std == 0.0 and size > 1:
        raise ValueError(f"lsuv: the output of layer {path!r} on the batch has std 0 over its {size} values "
                         "(every value the same, as on a batch of zeros), so no scale divides it to the target: "
                         "nothing was changed")
    return std


def _std(values: Any) -> tuple[float, int]:
    """(the population std, no n - 1, of a float64 numpy array, number of values): numpy's pairwise sums in one
    thread, so the std (and the gains from it) does not depend on the thread count; one value has std 0."""
    import numpy as np
    return float(np.std(values)), int(values.size)


def _plan() -> Any:
    """The orthonormal start: every dense and conv weight orthonormal, its bias zero. Quiet: a model without
    biases (or without convs) is no warning."""
    from .plan import Plan
    from .specs import Orthogonal, Zeros
    return (Plan(name="lsuv").rule(Orthogonal(), kind=_KINDS, role="weight", quiet=True)
            .rule(Zeros(), kind=_KINDS, role="bias", quiet=True))


def _selected(plan: Any, records: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """The (Param, handle) records the orthonormal plan writes, in the walk's order."""
    return [(p, h) for p, h in records if plan.match(p) is not None]


@dataclass
class _Layer:
    """One layer LSUV rescales: ``owner`` (the module or layer whose output is measured), ``name`` (its entry in
    the report: the weight it scales), ``scale`` (multiplies what scales that weight by a factor; None where the
    layer computes its weight's scale itself), ``others`` (its other weights' paths), ``unreplayable`` (its gain
    lives where no plan reaches)."""

    owner: Any
    name: str
    scale: Callable[[float], None] | None
    others: list[str] = field(default_factory=list[str])
    unreplayable: bool = False


def _refuse(unmeasured: list[str]) -> None:
    """Refuse the layers whose output cannot be measured, before anything is written (the caller puts back what
    the forward pass moved)."""
    if unmeasured:
        raise ValueError(f"lsuv: the output of {len(unmeasured)} dense/conv layer(s) cannot be measured on the "
                         f"batch, so they cannot be rescaled: {'; '.join(unmeasured[:8])}"
                         f"{' ...' if len(unmeasured) > 8 else ''}. Nothing was changed")


def _refuse_quantized(quantized: list[str]) -> None:
    """Refuse the quantized dense/conv layers before anything is written: their weight is stored as integers (or
    rounded to an integer grid) with scales of their own, which neither an orthonormal matrix nor a gain reaches."""
    if quantized:
        raise ValueError(f"lsuv: {len(quantized)} dense/conv layer(s) are quantized, so no orthonormal weight or "
                         "gain can be written to them (their weight is held as integers, or rounded to an integer "
                         f"grid, with scales of their own): {'; '.join(quantized[:8])}"
                         f"{' ...' if len(quantized) > 8 else ''}. Run lsuv on the float model before quantizing "
                         "it. Nothing was changed")


def _tied(records: list[tuple[Any, Any]], selected: list[tuple[Any, Any]],
          module_at: Callable[[str, Any, Any], Any], walk: Callable[[Any], list[tuple[Any, Any]]]
          ) -> dict[int, tuple[str, str]]:
    """The layers whose weight is another layer's tensor (tied weights), as id(module) -> (the weight's path in
    that module, the path the walk lists the tensor under): a module that holds an alias of a record and no weight
    the orthonormal plan writes, where the plan writes the tensor (a dense or conv weight) or the module's bias, or
    the module is a dense or conv layer (a language model's bias-free head tied to its embedding), as the
    backend's ``walk`` of the module alone sees its own tensors (a registered class is one by its registered kind).
    ``module_at(path, record, handle)`` is the module holding the tensor at ``path`` (one of the record's paths),
    or None where none is found (a module reached under two paths is one module: no tie)."""
    chosen = {p.path for p, _ in selected}
    weighted = {id(module_at(p.path, p, h)) for p, h in selected if p.role == "weight"}
    biased = {id(module_at(p.path, p, h)) for p, h in selected if p.role != "weight"}
    found: dict[int, tuple[str, str]] = {}
    for p, h in records:
        owner = module_at(p.path, p, h) if p.aliases else None
        for alias in p.aliases:
            module = module_at(alias, p, h)
            if module is None or module is owner or id(module) in weighted:
                continue
            if (p.path in chosen and p.role == "weight") or id(module) in biased or \
                    any(q.kind in _KINDS and "/" not in q.path for q, _ in walk(module)):
                found[id(module)] = (alias, p.path)
    return found


def _left_out(model: Any, records: list[tuple[Any, Any]], layers: list[_Layer], tied: dict[str, str]) -> None:
    """Say what LSUV leaves as it is, before anything is written: a model without a dense or conv layer of its own
    is refused (an empty report would say nothing); the layers whose weight is another layer's (``tied``) and the
    weights of layers of the kinds in ``_UNSET`` are named in warnings."""
    unset = [f"{p.path} ({p.kind})" for p, _ in records
             if p.kind in _UNSET and p.role in ("weight", "recurrent_weight")]
    listed = f"{', '.join(unset[:8])}{' ...' if len(unset) > 8 else ''}"
    if not layers:
        raise ValueError(f"lsuv: parameter 'model' must hold at least one dense or conv layer with a weight of its "
                         f"own (what LSUV makes orthonormal and rescales), got a {type(model).__name__} with none"
                         f"{f'; its weights of kinds LSUV leaves as they are: {listed}' if unset else ''}. "
                         "Nothing was changed")
    if tied:
        shown = [f"{alias} (shares {path})" for alias, path in tied.items()]
        warnings.warn(f"lsuv: {len(tied)} layer(s) share their weight with another layer (tied weights), so no gain "
                      "of their own reaches them: each weight is scaled with the layer it is shared with, not "
                      "separately (left as it is where that layer is no dense or conv layer); a bias of their own is "
                      f"zeroed: {', '.join(shown[:8])}{' ...' if len(shown) > 8 else ''}", UserWarning, stacklevel=5)
    if unset:
        warnings.warn(f"lsuv: {len(unset)} weight(s) of layers of kinds LSUV does not set are left as they are (it "
                      f"makes dense and conv layers orthonormal and rescales them, not {', '.join(_UNSET[:-1])} or "
                      f"{_UNSET[-1]} layers): {listed}", UserWarning, stacklevel=5)


def _discovered_then_rescaled(forward: Callable[[], Any], layers: list[_Layer], seen: dict[int, Any],
                              unmeasured: Callable[[Any, bool], str], order: list[int], orthonormal: Callable[[], Any],
                              measure: Callable[[_Layer], tuple[float, int]],
                              goal: tuple[float, float, int]) -> LsuvReport:
    """torch's and NNX's sequence, whose forward hooks record each layer's output in ``seen`` and its owner in
    ``order`` (once per call): one forward pass finds the forward order and what each layer returns, a layer whose
    output cannot be measured (a layer called more than once has no single output, as Keras says of a layer with
    several nodes) is refused before anything is written, then the orthonormal plan and the rescaling in forward
    order."""
    forward()
    calls = {owner: order.count(owner) for owner in order}

    def why_not(layer: _Layer) -> str:
        if calls.get(id(layer.owner), 0) > 1:
            return (f"it has no single output: the forward pass on the batch calls it {calls[id(layer.owner)]} "
                    "times")
        return unmeasured(seen.get(id(layer.owner)), id(layer.owner) in seen)
    why = [(layer.name, why_not(layer)) for layer in layers]
    _refuse([f"{name} ({reason})" for name, reason in why if reason])
    position = {owner: i for i, owner in enumerate(order)}
    orthonormal()
    return _rescale(sorted(layers, key=lambda layer: position[id(layer.owner)]), measure, *goal)


def _rescale(layers: list[_Layer], measure: Callable[[_Layer], tuple[float, int]], target: float, tol: float,
             max_iter: int) -> LsuvReport:
    """The LSUV loop, the same in every framework: each layer in turn, divided by its output's std until that std
    is within ``tol`` of ``target`` (or 0 over one value, or the layer fixes its own scale), at most ``max_iter``
    times, each division measured again; a non-finite std, or 0 over several values, is refused. A layer left
    outside ``tol`` after ``max_iter`` divisions is named in a warning."""
    report = LsuvReport()
    fixed: list[str] = []
    missed: list[str] = []
    for layer in layers:
        gain, steps = 1.0, 1
        std = _measured(measure(layer), layer.name)
        while not (abs(std - target) < tol or std == 0.0 or layer.scale is None) and steps <= max_iter:
            layer.scale(target / std)
            gain *= target / std
            std, steps = _measured(measure(layer), layer.name), steps + 1
        if layer.scale is not None and not (abs(std - target) < tol or std == 0.0):
            missed.append(f"{layer.name} (std {std:.6g})")
        if layer.scale is None:
            fixed.append(layer.name)
        elif layer.unreplayable:
            report.unreplayable.append(layer.name)
        report.gains[layer.name], report.stds[layer.name], report.iterations[layer.name] = gain, std, steps
        report.layers.append(layer.name)
        if layer.others:
            report.others[layer.name] = list(layer.others)
    _warn_fixed(fixed)
    if missed:
        warnings.warn(f"lsuv: {len(missed)} layer(s) did not reach std {target} within tol {tol} after max_iter="
                      f"{max_iter} rescalings (try a larger max_iter or tol): {', '.join(missed[:8])}"
                      f"{' ...' if len(missed) > 8 else ''}", UserWarning, stacklevel=4)
    return report


def _warn_fixed(fixed: list[str]) -> None:
    """Name the layers whose weight's scale the layer computes itself, which no gain reaches."""
    if fixed:
        warnings.warn(f"lsuv: {len(fixed)} layer(s) compute their weight's scale themselves (a spectral norm, an "
                      f"orthogonal or another parametrization), so no gain reaches them: left orthonormal, gain 1: "
                      f"{', '.join(fixed[:8])}{' ...' if len(fixed) > 8 else ''}", UserWarning, stacklevel=5)


def _torch_saved(model: Any, *, statistics_only: bool = False) -> Callable[[], None]:
    """A function that puts back the model's parameters and buffers as they are now; with ``statistics_only``, the
    running statistics of its batch and instance norms only (a spectral norm's power-iteration vectors follow the
    new weight and stay)."""
    import torch
    from torch.nn.modules.batchnorm import _NormBase
    if statistics_only:
        tensors = tuple(b for m in model.modules() if isinstance(m, _NormBase) for b in m.buffers(recurse=False))
    else:
        tensors = (*model.parameters(), *model.buffers())
    kept = [(t, t.detach().clone()) for t in tensors]

    def undo() -> None:
        with torch.no_grad():
            for t, value in kept:
                t.copy_(value)
    return undo


def _torch_owner(path: str, computed: bool) -> tuple[str, str]:
    """(the module's path, the tensor's name as the module uses it) of a record's ``path``: a tensor torch
    computes keeps its values in ``<module>/parametrizations/<name>/original[01]`` (a parametrization) or
    ``<module>/<name>_orig``/``<name>_v`` (the hook-based spectral and weight norms)."""
    parts = path.split("/")
    if computed and len(parts) >= 3 and parts[-3] == "parametrizations":
        return "/".join(parts[:-3]), parts[-2]
    if computed:
        for suffix in ("_orig", "_v"):
            if parts[-1].endswith(suffix):
                return "/".join(parts[:-1]), parts[-1][:-len(suffix)]
    return "/".join(parts[:-1]), parts[-1]


def _torch_layers(model: Any, plan: Any, tied: dict[str, str]) -> list[_Layer]:
    """One ``_Layer`` per module owning a tensor the orthonormal plan writes, in the walk's order. The tensor it
    scales is its last weight, or a weight norm's magnitude g (the direction's scale is normalized away); none
    under a spectral norm or another parametrization (the weight is then no record of kind dense or conv). A
    module whose weight is another module's (tied weights) is no layer of its own: ``tied`` receives it."""
    from .backends.torch.model import layer_records, tensor_at, walk
    norms: list[tuple[str, tuple[Any, ...]]] = []
    records = walk(model, norms=norms)
    normed = dict(norms)
    selected = _selected(plan, records)
    grouped: dict[str, list[tuple[Any, Any, str]]] = {}
    for p, t in selected:
        owner, attr = _torch_owner(p.path, p.path in normed)
        grouped.setdefault(owner, []).append((p, t, attr))
    sharing = _tied(records, selected, lambda path, p, t: model.get_submodule(
        _torch_owner(path, p.path in normed)[0].replace("/", ".")), lambda m: layer_records(m)[0])
    layers: list[_Layer] = []
    for owner, found in grouped.items():
        module = model.get_submodule(owner.replace("/", "."))
        weights = [(p, t, attr) for p, t, attr in found if p.role == "weight"]
        if not weights and id(module) in sharing:
            continue
        if not weights:  # a bias alone: the weight is computed (an orthogonal parametrization) and fixes its scale
            layers.append(_Layer(module, "/".join(filter(None, (owner, "weight"))), None))
            continue
        p, t, attr = weights[-1]
        what = normed.get(p.path)
        target = t if what is None else tensor_at(model, what[1]) if what[0] == "g" else None
        others = ["/".join(filter(None, (owner, a))) for _, _, a in weights[:-1]]
        layers.append(_Layer(module, "/".join(filter(None, (owner, attr))),
                             None if target is None else _torch_scale(target), others))
    _refuse_quantized(_torch_quantized(model, layers))
    tied.update(sharing.values())
    _left_out(model, records, layers, tied)
    return layers


def _torch_quantized(model: Any, layers: list[_Layer]) -> list[str]:
    """The quantized dense and conv modules of ``model``, each named with why: torch's packed ones
    (``torch.ao.nn.quantized``'s and its dynamic and fused kin's Linear and Conv, whose weight is no parameter, so
    no record shows them) and its reference ones among ``layers`` (a float weight its forward rounds to the
    integer grid of a fixed ``weight_scale``). The modules are only looked for where torch has imported them."""
    packed: Any = sys.modules.get("torch.ao.nn.quantized.modules.linear")
    conv: Any = sys.modules.get("torch.ao.nn.quantized.modules.conv")
    reference: Any = sys.modules.get("torch.ao.nn.quantized.reference.modules.utils")
    found: list[str] = []
    if packed is not None and conv is not None:
        for name, module in model.named_modules():
            if isinstance(module, (packed.Linear, conv._ConvNd)) and not isinstance(module, conv._ConvTransposeNd):
                found.append(f"{name.replace('.', '/') or '(the model itself)'} ({_torch_class(module)}: its "
                             "weight is packed as integers with a scale of its own)")
    if reference is not None:
        for layer in layers:
            if isinstance(layer.owner, reference.ReferenceQuantizedModule):
                found.append(f"{layer.name.rpartition('/')[0] or '(the model itself)'} ({_torch_class(layer.owner)}: "
                             "its forward rounds the weight to the integer grid of its fixed weight_scale)")
    return found


def _torch_class(module: Any) -> str:
    """A torch quantized module's class as its package exports it (``torch.ao.nn.quantized.dynamic.Linear``):
    the class name alone (``Linear``) would not say it is quantized."""
    return f"{type(module).__module__.split('.modules.')[0]}.{type(module).__qualname__}"


def _torch_scale(tensor: Any) -> Callable[[float], None]:
    """A function that multiplies ``tensor`` in place by a factor."""
    def scale(factor: float) -> None:
        tensor.mul_(factor)
    return scale


def _torch(model: Any, batch: Any, target: float, tol: float, max_iter: int, seed: int) -> LsuvReport:
    import torch
    from torch import nn

    from .backends.torch.model import refresh_hooked_norms
    plan = _plan()
    tied: dict[str, str] = {}
    layers = _torch_layers(model, plan, tied)
    order: list[int] = []  # the layers' owners, in forward order
    seen: dict[int, Any] = {}
    measured: list[Any] = [None]  # the owner the running pass measures; None in the pass that finds the layers

    def hook(module: nn.Module, inputs: Any, output: Any) -> None:
        order.append(id(module))
        if measured[0] is None:
            seen[id(module)] = output  # its type and dtype, which _torch_unmeasured checks
        elif module is measured[0]:
            # the std is taken now, while the tensor holds this layer's output: the next module may overwrite it in
            # place (nn.ReLU(inplace=True)), and a reference kept until the pass ends would measure what that wrote
            seen[id(module)] = _std(output.detach().to("cpu", torch.float64).numpy())

    owners = {id(layer.owner): layer.owner for layer in layers}
    handles = [m.register_forward_hook(hook) for m in owners.values()]

    def forward() -> None:
        # every pass draws the same random numbers (a dropout's mask) from ``seed``, on the CPU's generator and those
        # of the model's CUDA devices, which fork_rng below puts back (torch.manual_seed would reseed every device)
        random.default_generator.manual_seed(seed)
        for device in devices:
            torch.cuda.default_generators[device].manual_seed(seed)
        model(batch)

    def measure(layer: _Layer) -> tuple[float, int]:
        seen.clear()
        order.clear()
        measured[0] = layer.owner
        forward()
        return seen[id(layer.owner)]

    # the forward passes are measurements: a BatchNorm's running statistics (and its count) come back as they were,
    # and the global random state too (torch's on the CPU and the model's CUDA devices)
    keep_statistics = _torch_saved(model, statistics_only=True)
    random: Any = torch.random  # fork_rng is partly unannotated in torch
    devices: list[int] = sorted({torch.cuda.current_device() if t.device.index is None else t.device.index
                      for t in (*model.parameters(), *model.buffers()) if t.device.type == "cuda"})
    put_back = _torch_saved(model)

    def undo() -> None:
        put_back()
        refresh_hooked_norms(model)  # an old-style weight or spectral norm's computed weight, from the values put back

    try:
        with torch.no_grad(), random.fork_rng(devices=devices), _undone_on_error(undo):
            report = _discovered_then_rescaled(forward, layers, seen, _torch_unmeasured, order,
                                               lambda: plan.apply(model, seed=seed), measure, (target, tol, max_iter))
            keep_statistics()
    finally:
        for h in handles:
            h.remove()
    report.tied = tied
    return report


def _torch_unmeasured(output: Any, called: bool) -> str:
    """Why a module's output cannot be measured, or "" when it can."""
    import torch
    if not called:
        return "the forward pass on the batch never calls it"
    if not isinstance(output, torch.Tensor) or not output.is_floating_point():
        return f"it returns a {type(output).__name__}, not one floating-point tensor"
    return ""


def _nnx_layers(model: Any, plan: Any, tied: dict[str, str]) -> list[_Layer]:
    """One ``_Layer`` per NNX module owning a variable the orthonormal plan writes, in the walk's order; under
    ``nnx.WeightNorm`` its gain goes into the scale the wrapper keeps for its weight, under ``nnx.SpectralNorm``
    nowhere (the layer fixes its own scale). A module whose weight is another module's variable (tied weights) is
    no layer of its own: ``tied`` receives it."""
    from flax import nnx

    from .backends.flax.model import walk
    # id(variable) -> (path, module, attribute) of each module that holds it (two, for a tied weight)
    holders: dict[int, list[tuple[str, Any, str]]] = {}
    wrapped: dict[int, Any] = {}  # a layer under nnx.WeightNorm or nnx.SpectralNorm -> the wrapper
    for at, node in nnx.iter_graph(model):
        if isinstance(node, nnx.Module):
            held: dict[str, Any] = vars(node)
            for attr in held:
                if isinstance(held[attr], nnx.Variable):
                    holders.setdefault(id(held[attr]), []).append(("/".join(map(str, at)), node, attr))
        if isinstance(node, (nnx.WeightNorm, nnx.SpectralNorm)):
            wrapped[id(node.layer_instance)] = node

    def holder(path: str, var: Any) -> tuple[str, Any, str] | None:
        """The module holding ``var`` at ``path`` (one of its record's paths), or None."""
        return next((h for h in holders[id(var)] if h[0] == path.rpartition("/")[0]), None)

    records = walk(model)
    selected = _selected(plan, records)
    grouped: dict[int, list[tuple[Any, Any, str]]] = {}
    modules: dict[int, Any] = {}
    for p, var in selected:
        # the module at the record's own path: a tied variable's other holder is measured as no layer of its own
        _, module, attr = holder(p.path, var) or holders[id(var)][0]
        modules[id(module)] = module
        grouped.setdefault(id(module), []).append((p, var, attr))
    sharing = _tied(records, selected, lambda path, p, var: (holder(path, var) or (None, None, ""))[1], walk)
    layers: list[_Layer] = []
    for key, found in grouped.items():
        module, weights = modules[key], [(p, var, attr) for p, var, attr in found if p.role == "weight"]
        wrapper = wrapped.get(key)
        if not weights and key in sharing:
            continue
        if not weights:
            layers.append(_Layer(module, f"{found[0][0].path.rsplit('/', 1)[0]}/kernel", None))
            continue
        p, var, attr = weights[-1]
        layers.append(_Layer(module, p.path, _nnx_scale(var, attr, wrapper), [q.path for q, _, _ in weights[:-1]],
                             wrapper is not None))
    tied.update(sharing.values())
    _left_out(model, records, layers, tied)
    return layers


def _nnx_scale(var: Any, attr: str, wrapper: Any) -> Any:
    """A function that scales the weight ``var`` (held as ``attr``) a layer computes with by a factor: its
    values, or the scale ``nnx.WeightNorm`` keeps for it (the weight's own scale is normalized away on every
    call); None under an ``nnx.SpectralNorm`` or a WeightNorm without a scale for it."""
    from flax import nnx
    scales: Any = getattr(wrapper, "scales", None) if isinstance(wrapper, nnx.WeightNorm) else None
    if wrapper is not None and (not scales or (attr,) not in scales):
        return None

    def scale(factor: float) -> None:
        if wrapper is None:
            var.set_value(var.get_value() * factor)
        else:
            scales[(attr,)] = scales[(attr,)] * factor
    return scale


def _nnx_unmeasured(output: Any, called: bool) -> str:
    """Why an NNX module's recorded output cannot be measured, or "" when it can."""
    import jax
    import jax.numpy as jnp
    from jax.core import Tracer
    if not called:
        return "the forward pass on the batch never calls it, or calls it inside a transformation such as nnx.jit"
    if isinstance(output, Tracer):
        return "it runs under a JAX transformation (jit, vmap, scan), so its output holds no values"
    if not isinstance(output, jax.Array) or not jnp.issubdtype(output.dtype, jnp.inexact):
        return f"it returns a {type(output).__name__}, not one floating-point array"
    return ""


def _nnx(model: Any, batch: Any, target: float, tol: float, max_iter: int, seed: int) -> LsuvReport:
    import jax.numpy as jnp
    import numpy as np
    from flax import nnx
    plan = _plan()
    tied: dict[str, str] = {}
    layers = _nnx_layers(model, plan, tied)
    owners = {id(layer.owner) for layer in layers}
    order: list[int] = []
    seen: dict[int, Any] = {}
    # the owners' classes, patched below: their __call__ records the output of the owners
    classes: list[Any] = list({type(layer.owner): None for layer in layers})
    calls: dict[Any, Any] = {cls: cls.__call__ for cls in classes}  # as called now, inherited or not
    own: dict[Any, Any] = {cls: cls.__dict__.get("__call__") for cls in classes}  # what to put back
    running: dict[int, int] = {}  # id(module) -> how many of its calls are running now

    def recording(cls: Any) -> Any:
        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            # a subclass's __call__ that calls super().__call__ reaches its parent's patched __call__ with the same
            # module: that is part of the one call the model made, and the output recorded is the outermost one (the
            # layer's output as the model uses it, as torch's forward hooks see an overridden forward's), while the
            # module calling itself again through its own class is a second call (no single output)
            inner = cls is not type(self) and running.get(id(self), 0) > 0
            running[id(self)] = running.get(id(self), 0) + 1
            try:
                out = calls[cls](self, *args, **kwargs)
            finally:
                running[id(self)] -= 1
            if id(self) in owners and not inner:
                order.append(id(self))
                seen[id(self)] = out
            return out
        return call

    saved = nnx.clone(model)
    graph: Any = nnx  # nnx.update and nnx.state are partly untyped
    kept = nnx.Any(nnx.BatchStat, nnx.RngState)

    def undo() -> None:
        graph.update(model, graph.state(saved))

    def keep_state() -> None:
        """The forward passes are measurements: running statistics and random states (a dropout's count) come back
        as they were, so every pass draws the same random numbers and the model's next call those it would have."""
        graph.update(model, graph.state(saved, kept))

    def forward() -> None:
        keep_state()
        model(batch)

    def measure(layer: _Layer) -> tuple[float, int]:
        seen.clear()
        order.clear()
        forward()
        return _std(np.asarray(seen[id(layer.owner)].astype(jnp.float32), dtype=np.float64))

    for cls in classes:
        cls.__call__ = recording(cls)
    try:
        with _undone_on_error(undo):
            report = _discovered_then_rescaled(forward, layers, seen, _nnx_unmeasured, order,
                                               lambda: plan.apply(model, seed=seed), measure, (target, tol, max_iter))
            keep_state()
            report.tied = tied
    finally:
        for cls in classes:
            if own[cls] is None:
                delattr(cls, "__call__")
            else:
                cls.__call__ = own[cls]
    return report


def _keras_layers(model: Any, plan: Any) -> list[_Layer]:
    """One ``_Layer`` per Keras layer owning a variable the orthonormal plan writes (the innermost layer that
    tracks it), in the walk's order (a Sequential or functional model's: the forward order); a quantized dense or
    conv layer (``quantization_mode`` set) is refused."""
    from .backends.keras.model import walk
    owners: dict[int, Any] = {}
    for layer in model._flatten_layers(include_self=True):  # a layer before its sublayers: the innermost wins
        for var in (*layer._trainable_variables, *layer._non_trainable_variables):
            owners[id(var)] = layer
    records = walk(model)
    quantized: dict[int, str] = {}  # a quantized dense/conv layer (an int8 kernel, a float8 one's scales) -> why
    for p, var in records:
        layer = owners[id(var)]
        mode = getattr(layer, "quantization_mode", None)
        if p.kind in _KINDS and (mode or p.role == "quantization") and id(layer) not in quantized:
            quantized[id(layer)] = (f"{p.path.rsplit('/', 1)[0]} ({type(layer).__name__}, quantization_mode "
                                    f"{mode!r}: it computes with a kernel quantized by scales it keeps itself)")
    _refuse_quantized(list(quantized.values()))
    grouped: dict[int, list[tuple[Any, Any]]] = {}
    modules: dict[int, Any] = {}
    for p, var in _selected(plan, records):
        layer = owners[id(var)]
        modules[id(layer)] = layer
        grouped.setdefault(id(layer), []).append((p, var))
    layers: list[_Layer] = []
    for key, found in grouped.items():
        weights = [(p, var) for p, var in found if p.role == "weight"]
        if not weights:
            layers.append(_Layer(modules[key], f"{found[0][0].path.rsplit('/', 1)[0]}/kernel", None))
            continue
        p, var = weights[-1]

        def scale(factor: float, var: Any = var) -> None:
            var.assign(var * factor)
        layers.append(_Layer(modules[key], p.path, scale, [q.path for q, _ in weights[:-1]]))
    _left_out(model, records, layers, {})  # tied weights are not looked for: a built Keras layer takes no new one
    return layers


def _keras_output(layer: Any) -> tuple[Any, str]:
    """(the layer's symbolic output in the model's graph, "") or (None, why it has none to measure)."""
    import keras
    # keras.backend.is_float_dtype's parameter is unannotated in Keras
    is_float: Any = keras.backend.is_float_dtype  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    try:
        out = layer.output
    except (AttributeError, ValueError) as err:  # a sublayer of a layer, or a layer called more than once
        return None, f"it has no single output in the model's graph: {err}"
    if not isinstance(out, keras.KerasTensor) or not is_float(out.dtype):
        return None, f"it returns a {type(out).__name__}, not one floating-point tensor"
    return out, ""


def _keras_unconnected(inputs: Any, output: Any) -> str:
    """Why no model maps the model's inputs to ``output`` (an output in a nested model's own graph), or ""."""
    import keras
    try:
        keras.Model(inputs, output)
    except ValueError as err:
        return f"its output is not reached from the model's inputs: {err}"
    return ""


def _keras(model: Any, batch: Any, target: float, tol: float, max_iter: int, seed: int) -> LsuvReport:
    import keras
    import numpy as np
    if not getattr(model, "inputs", None):
        raise ValueError("lsuv: a Keras model must be built with an Input (a Sequential or functional model)")
    plan = _plan()
    layers = _keras_layers(model, plan)
    outputs = [_keras_output(layer.owner) for layer in layers]
    _refuse([f"{layer.name} ({why})" for layer, (_, why) in zip(layers, outputs) if why])
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    try:
        probe = keras.Model(inputs, [out for out, _ in outputs])
    except ValueError:  # an output in another graph (a layer of a nested model): name those layers
        _refuse([f"{layer.name} ({why})" for layer, (out, _) in zip(layers, outputs)
                 if (why := _keras_unconnected(inputs, out))])
        raise
    # keras.ops.convert_to_numpy's parameter is unannotated in Keras
    to_numpy: Any = keras.ops.convert_to_numpy  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    index = {id(layer): i for i, layer in enumerate(layers)}
    # keras.activations.linear's parameter is unannotated in Keras
    identity: Any = keras.activations.linear  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    kept = [(v, to_numpy(v)) for v in model.variables]

    def undo() -> None:
        for v, value in kept:
            v.assign(value)

    def measure(layer: _Layer) -> tuple[float, int]:
        # the layer's own output before its built-in activation (Dense(..., activation="relu")), as LSUV measures
        # a conv or inner product, and as torch's and NNX's layers (which have none) return it
        owner, activation = layer.owner, getattr(layer.owner, "activation", None)
        linear = activation is not None and activation is not identity
        try:
            if linear:
                owner.activation = identity
            return _std(np.asarray(to_numpy(probe(batch)[index[id(layer)]]), dtype=np.float64))
        finally:
            if linear:
                owner.activation = activation

    with _undone_on_error(undo):
        plan.apply(model, seed=seed)
        return _rescale(layers, measure, target, tol, max_iter)
