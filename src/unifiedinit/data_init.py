"""Data-dependent initialization: LSUV (Mishkin & Matas 2016, "All you need is a good init").

``ui.lsuv(model, batch)``: every dense and conv weight is first made orthonormal, biases zero; then, layer by
layer in the order the forward pass reaches them, the weight is divided by the standard deviation of the
layer's output on ``batch`` until that deviation is within ``tol`` of ``target_std`` (at most ``max_iter``
forward passes per layer). The report records each layer's final gain (orthonormal times the product of the
divisions), so ``report.to_plan()`` replays the result as a plain plan (``Orthogonal(gain)`` per weight) with no
data: the same law, drawn again.

torch modules (forward hooks), Flax NNX modules (the outputs of ``nnx.Linear``/``nnx.Conv`` calls, recorded
while the batch runs) and built Keras models (a probe model over every Dense/Conv layer's output).
"""

from __future__ import annotations

import glob
import math
import warnings
from collections.abc import Callable, Generator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class LsuvReport:
    """``gains``: weight path -> its final gain over an orthonormal matrix; ``stds``: the output std each layer
    ended with; ``iterations``: forward passes per layer; ``layers``: the weight paths in forward order;
    ``unreplayable``: the layers whose gain lives where no plan reaches (an ``nnx.WeightNorm``'s scales, which
    are no parameters), which ``to_plan`` replays at gain 1 (and says so)."""

    gains: dict[str, float] = field(default_factory=dict[str, float])
    stds: dict[str, float] = field(default_factory=dict[str, float])
    iterations: dict[str, int] = field(default_factory=dict[str, int])
    layers: list[str] = field(default_factory=list[str])
    unreplayable: list[str] = field(default_factory=list[str])

    def to_plan(self, name: str = "lsuv") -> Any:
        """The result as a plan with no data: ``Orthogonal(gain)`` for each weight, zeros for its bias. Each
        layer is selected by its module path (``"3/*"``, dense or conv, by role), so the plan also replays the
        result on a port with the same module names in another framework (``kernel`` for ``weight``)."""
        from .plan import Plan
        from .specs import Orthogonal, Zeros
        if self.unreplayable:
            warnings.warn(f"LsuvReport.to_plan: the gain of {', '.join(self.unreplayable)} lives in an "
                          "nnx.WeightNorm's scales, which a plan does not reach: replayed at gain 1 (the kernel's "
                          "own scale is normalized away)", UserWarning, stacklevel=2)
        plan = Plan(name=name)
        for path in self.layers:
            where = f"{glob.escape(path.rsplit('/', 1)[0])}/*" if "/" in path else "*"
            for spec, role in ((Orthogonal(gain=self.gains[path]), "weight"), (Zeros(), "bias")):
                plan = plan.rule(spec, kind=("dense", "conv"), role=role, path=where)
        return plan


def _check(target_std: Any, tol: Any, max_iter: Any) -> None:
    for name, value in (("target_std", target_std), ("tol", tol)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            raise ValueError(f"lsuv: parameter {name!r} must be a number > 0, got {value!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, int) or max_iter < 1:
        raise ValueError(f"lsuv: parameter 'max_iter' must be an int >= 1, got {max_iter!r}")


def lsuv(model: Any, batch: Any, *, target_std: float = 1.0, tol: float = 0.05, max_iter: int = 10,
         seed: int = 0) -> LsuvReport:
    """LSUV (Mishkin and Matas 2016) in place: orthonormal weights, then each layer rescaled on ``batch``.

    The forward passes run in the model's own mode and only measure: BatchNorm running statistics are left as they
    were.

    Args:
        model: a torch module, a Flax NNX module, or a built Keras model with an Input.
        batch: one batch of inputs in the model's own array type.
        target_std: the std each Dense/Conv layer's output should reach.
        tol: stop a layer's iterations once its output std is within ``tol`` of the target.
        max_iter: at most this many rescalings per layer.
        seed: the seed of the orthonormal start.

    Returns:
        An ``LsuvReport``: each layer's gain, final std and iterations; ``.to_plan()`` replays the result as
        ``Orthogonal(gain)`` per weight, without data.

    Raises:
        ValueError: a bad ``target_std``, ``tol`` or ``max_iter`` (before anything is written), a Keras model
            without an Input, or a layer whose output on ``batch`` is not finite (NaN or inf). Whatever fails,
            the forward pass on ``batch`` included, every parameter and buffer is left as it was.
        NotImplementedError: a framework other than torch, Flax NNX and Keras.

    Examples:
        >>> import torch
        >>> import unifiedinit as ui
        >>> _ = torch.manual_seed(0)
        >>> model = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 4))
        >>> report = ui.lsuv(model, torch.randn(256, 16))
        >>> report.layers, all(abs(std - 1.0) < 0.05 for std in report.stds.values())
        (['0/weight', '2/weight'], True)
    """
    _check(target_std, tol, max_iter)
    from .apply import backend_of
    name = backend_of(model).NAME
    if name == "torch":
        return _torch(model, batch, target_std, tol, max_iter, seed)
    if name == "flax":
        return _nnx(model, batch, target_std, tol, max_iter, seed)
    if name == "keras":
        return _keras(model, batch, target_std, tol, max_iter, seed)
    raise NotImplementedError(f"lsuv: torch, Flax NNX and Keras models for now, got a {name} model")


@contextmanager
def _undone_on_error(undo: Callable[[], None]) -> Generator[None, None, None]:
    """Run the block; if it raises, call ``undo`` (which puts back what was kept before the block) and re-raise."""
    try:
        yield
    except BaseException:
        undo()
        raise


def _finite(std: float, path: str) -> float:
    if not math.isfinite(std):
        raise ValueError(f"lsuv: the output of layer {path!r} on the batch has std {std} (NaN or inf values in "
                         "it): nothing was changed")
    return std


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


def _orthonormal(model: Any, seed: int) -> None:
    from .plan import Plan
    from .specs import Orthogonal, Zeros
    (Plan(name="lsuv").rule(Orthogonal(), kind=("dense", "conv"), role="weight")
     .rule(Zeros(), kind=("dense", "conv"), role="bias")).apply(model, seed=seed)


def _torch(model: Any, batch: Any, target: float, tol: float, max_iter: int, seed: int) -> LsuvReport:
    import torch
    from torch import nn
    from torch.nn.modules.conv import _ConvNd
    names = {id(m): n for n, m in model.named_modules()}
    order: list[Any] = []  # the Linear and Conv layers, in forward order
    seen: dict[int, torch.Tensor] = {}

    def hook(module: nn.Module, inputs: Any, output: torch.Tensor) -> None:
        if id(module) not in seen:
            order.append(module)
        seen[id(module)] = output.detach()

    layers = [m for m in model.modules() if isinstance(m, (nn.Linear, _ConvNd))]
    handles = [m.register_forward_hook(hook) for m in layers]
    report = LsuvReport()
    fixed: list[str] = []
    # the forward passes are measurements: a BatchNorm's running statistics (and its count) come back as they were
    keep_statistics = _torch_saved(model, statistics_only=True)
    try:
        with torch.no_grad(), _undone_on_error(_torch_saved(model)):
            _orthonormal(model, seed)
            model(batch)  # the forward order
            for module in list(order):
                path = "/".join(filter(None, (names[id(module)].replace(".", "/"), "weight")))
                scaled = _torch_scale(module)
                gain, steps, std = 1.0, 0, 0.0
                for steps in range(1, max_iter + 1):
                    seen.clear()
                    model(batch)
                    # the population std (no n - 1), as the NNX and Keras paths: one output value has std 0
                    std = _finite(float(seen[id(module)].double().std(correction=0)), path)
                    if abs(std - target) < tol or std == 0.0 or scaled is None:
                        break
                    scaled.mul_(target / std)
                    gain *= target / std
                if scaled is None:
                    fixed.append(path)
                report.gains[path], report.stds[path], report.iterations[path] = gain, std, steps
                report.layers.append(path)
            keep_statistics()
    finally:
        for h in handles:
            h.remove()
    _warn_fixed(fixed)
    return report


def _warn_fixed(fixed: list[str]) -> None:
    """Name the layers whose weight's scale the layer computes itself, which no gain reaches."""
    if fixed:
        warnings.warn(f"lsuv: {len(fixed)} layer(s) compute their weight's scale themselves (a spectral norm, an "
                      f"orthogonal or another parametrization), so no gain reaches them: left orthonormal, gain 1: "
                      f"{', '.join(fixed[:8])}{' ...' if len(fixed) > 8 else ''}", UserWarning, stacklevel=4)


def _torch_scale(module: Any) -> Any:
    """The tensor whose scaling scales the weight ``module`` computes: the weight itself, or a weight norm's
    magnitude g (the direction's scale is normalized away); None where no tensor scales it (a spectral norm, an
    orthogonal or another parametrization)."""
    from .backends.torch.model import layer_records, tensor_at
    records, norms = layer_records(module)
    weight = next(((p, t) for p, t in records if p.role == "weight"), None)
    if weight is None:
        return None
    what = dict(norms).get(weight[0].path)
    if what is None:
        return weight[1]
    return tensor_at(module, what[1]) if what[0] == "g" else None


def _nnx(model: Any, batch: Any, target: float, tol: float, max_iter: int, seed: int) -> LsuvReport:
    import jax.numpy as jnp
    import numpy as np
    from flax import nnx
    paths: dict[int, str] = {}
    wrapped: dict[int, Any] = {}  # a layer under nnx.WeightNorm or nnx.SpectralNorm -> the wrapper
    for path, node in nnx.iter_graph(model):
        if isinstance(node, (nnx.Linear, nnx.Conv)):
            paths[id(node)] = "/".join(map(str, path))
        elif isinstance(node, (nnx.WeightNorm, nnx.SpectralNorm)):
            wrapped[id(node.layer_instance)] = node
    order: list[Any] = []
    seen: dict[int, Any] = {}
    classes: tuple[Any, ...] = (nnx.Linear, nnx.Conv)  # patched below: their __call__ records the output
    originals: dict[Any, Any] = {cls: cls.__call__ for cls in classes}

    def recording(cls: Any) -> Any:
        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            out = originals[cls](self, *args, **kwargs)
            if id(self) not in seen:
                order.append(self)
            seen[id(self)] = out
            return out
        return call

    report = LsuvReport()
    fixed: list[str] = []
    saved = nnx.clone(model)
    graph: Any = nnx  # nnx.update and nnx.state are partly untyped

    def undo() -> None:
        graph.update(model, graph.state(saved))

    def keep_batch_stats() -> None:  # the forward passes are measurements: running statistics come back as they were
        graph.update(model, graph.state(saved, nnx.BatchStat))

    for cls in classes:
        cls.__call__ = recording(cls)
    try:
        with _undone_on_error(undo):
            _orthonormal(model, seed)
            model(batch)
            for layer in list(order):
                name = "/".join(filter(None, (paths.get(id(layer), ""), "kernel")))
                scaled = _nnx_scale(layer, wrapped.get(id(layer)))
                gain, steps, std = 1.0, 0, 0.0
                for steps in range(1, max_iter + 1):
                    seen.clear()
                    model(batch)
                    std = _finite(float(np.asarray(jnp.std(seen[id(layer)].astype(jnp.float32)))), name)
                    if abs(std - target) < tol or std == 0.0 or scaled is None:
                        break
                    scaled(target / std)
                    gain *= target / std
                if scaled is None:
                    fixed.append(name)
                elif id(layer) in wrapped:
                    report.unreplayable.append(name)
                report.gains[name], report.stds[name], report.iterations[name] = gain, std, steps
                report.layers.append(name)
            keep_batch_stats()
    finally:
        for cls, call in originals.items():
            cls.__call__ = call
    _warn_fixed(fixed)
    return report


def _nnx_scale(layer: Any, wrapper: Any) -> Any:
    """A function that scales the kernel ``layer`` computes with by a factor: its kernel's values, or the scale
    ``nnx.WeightNorm`` keeps for it (the kernel's own scale is normalized away on every call); None under an
    ``nnx.SpectralNorm`` or a WeightNorm without a scale for it."""
    from flax import nnx
    kernel: Any = layer.kernel
    scales: Any = getattr(wrapper, "scales", None) if isinstance(wrapper, nnx.WeightNorm) else None
    if wrapper is not None and (not scales or ("kernel",) not in scales):
        return None

    def scale(factor: float) -> None:
        if wrapper is None:
            kernel.set_value(kernel.get_value() * factor)
        else:
            scales[("kernel",)] = scales[("kernel",)] * factor
    return scale


def _keras(model: Any, batch: Any, target: float, tol: float, max_iter: int, seed: int) -> LsuvReport:
    import keras
    import numpy as np
    if not getattr(model, "inputs", None):
        raise ValueError("lsuv: a Keras model must be built with an Input (a Sequential or functional model)")
    kinds = (keras.layers.Dense, keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D)
    layers: list[Any] = [layer for layer in model._flatten_layers(include_self=False) if isinstance(layer, kinds)]
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    probe = keras.Model(inputs, [layer.output for layer in layers])
    # keras.ops.convert_to_numpy's parameter is unannotated in Keras
    to_numpy: Any = keras.ops.convert_to_numpy  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    kept = [(v, to_numpy(v)) for v in model.variables]

    def undo() -> None:
        for v, value in kept:
            v.assign(value)

    report = LsuvReport()
    with _undone_on_error(undo):
        _orthonormal(model, seed)
        for i, layer in enumerate(layers):
            kernel: Any = layer.kernel
            path = kernel.path
            gain, steps, std = 1.0, 0, 0.0
            for steps in range(1, max_iter + 1):
                std = _finite(float(np.std(np.asarray(to_numpy(probe(batch)[i]), dtype=np.float64))), path)
                if abs(std - target) < tol or std == 0.0:
                    break
                kernel.assign(kernel * (target / std))
                gain *= target / std
            report.gains[path], report.stds[path], report.iterations[path] = gain, std, steps
            report.layers.append(path)
    return report
