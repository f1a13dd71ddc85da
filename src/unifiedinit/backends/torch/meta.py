"""Deferred torch initialization: build on meta with no default init, materialize each parameter once.

``empty_init()`` builds modules whose parameters live on the meta device (no memory, and the module's own
``reset_parameters`` runs on meta, where it computes nothing); buffers stay real, as accelerate's
``init_empty_weights(include_buffers=False)``. ``plan.apply(model, seed=..., device=...)`` then calls
``materialize`` once every check has passed: each meta parameter gets memory on ``device`` and is drawn once.
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Any, Generator, Iterator

import torch
from torch import nn


@contextlib.contextmanager
def empty_init() -> Generator[None, None, None]:
    """Build modules with their parameters on the meta device and no default initialization.

    Inside the block every parameter a module registers is moved to meta as it is registered (so the module's
    own ``reset_parameters`` runs on meta, where it costs nothing); buffers keep their real device and values
    (BatchNorm statistics, rotary tables), as accelerate's ``init_empty_weights(include_buffers=False)``.
    ``plan.apply(model, seed=..., device="cpu")`` then materializes each parameter on ``device`` and draws it
    once::

        with unifiedinit.backends.torch.empty_init():
            model = build_model()
        ui.presets.torch.apply(model, seed=0, device="cpu")

    The patch (of ``nn.Module.register_parameter``) is process-wide while the block runs and is undone when it
    ends, also on an exception. Parameter subclasses keep their class and attributes.

    Returns:
        A context manager (it yields None).

    Examples:
        >>> import torch
        >>> import unifiedinit as ui
        >>> from unifiedinit.backends.torch import empty_init
        >>> with empty_init():
        ...     net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
        >>> net[0].weight.is_meta, net[1].running_mean.is_meta  # parameters on meta, buffers real
        (True, False)
        >>> _ = ui.presets.torch.apply(net, seed=0, device="cpu")
        >>> net[0].weight.device, net[1].weight.tolist()
        (device(type='cpu'), [1.0, 1.0, 1.0])
    """
    register = nn.Module.register_parameter

    def to_meta(module: nn.Module, name: str, param: nn.Parameter | None) -> None:
        register(module, name, param)
        if param is not None and not param.is_meta:
            kwargs = dict(param.__dict__)
            moved = type(param)(param.to("meta"), **kwargs) if type(param) is not nn.Parameter else \
                nn.Parameter(param.to("meta"), requires_grad=param.requires_grad)
            module._parameters[name] = moved

    nn.Module.register_parameter = to_meta  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        nn.Module.register_parameter = register  # type: ignore[method-assign]


def named_modules(model: nn.Module) -> Iterator[tuple[str, nn.Module]]:
    """``model.named_modules(remove_duplicate=False)``, typed (torch leaves that method's return unannotated)."""
    yield from model.named_modules(remove_duplicate=False)


def materialize(model: nn.Module, found: list[tuple[Any, torch.Tensor]], set_paths: set[str],
                device: torch.device) -> tuple[list[tuple[Any, torch.Tensor]], list[str], list[str]]:
    """Give every meta parameter and buffer of ``model`` memory on ``device`` (tied ones stay tied).

    Raises before anything is allocated when a meta parameter is set by no rule (it would hold uninitialized
    memory). Buffers on meta are re-created by their module where torch defines how (``reset_running_stats``:
    BatchNorm's statistics 0 and 1, ``num_batches_tracked`` 0) or set by a rule; the others are returned by
    name (and warned about), never left uninitialized silently.

    Returns (the records with their new tensors, the materialized parameter paths, the unset buffer paths).
    """
    missing = [p.path for p, t in found if t.is_meta and isinstance(t, nn.Parameter) and p.path not in set_paths]
    if missing:
        raise ValueError(f"Plan.apply(device={str(device)!r}): {len(missing)} meta parameter(s) are set by no rule "
                         f"and would hold uninitialized memory: {', '.join(missing[:8])}"
                         f"{' ...' if len(missing) > 8 else ''}; add a rule that sets them (keeping a meta tensor keeps "
                         "nothing) or materialize them yourself")
    # each module that holds a meta tensor is moved with its own to_empty (FSDP2 and DTensor parameters follow
    # nn.Module._apply); the real tensors it also holds keep their values, and tied tensors stay one tensor
    seen: set[int] = set()
    metas: list[tuple[str, nn.Module]] = []
    names: list[str] = []
    buffers: list[tuple[str, nn.Module]] = []
    for prefix, module in named_modules(model):
        own = [(n, t, True) for n, t in module._parameters.items()] + \
            [(n, t, False) for n, t in module._buffers.items()]
        if not any(t is not None and t.is_meta for _, t, _ in own):
            continue
        metas.append((prefix, module))
        for name, t, is_param in own:
            if t is None or not t.is_meta:
                continue
            if id(t) in seen:
                continue
            seen.add(id(t))
            path = ".".join(filter(None, (prefix, name))).replace(".", "/")
            if is_param:
                names.append(path)
            else:
                buffers.append((path, module))
    done: set[int] = set()
    first: dict[int, torch.Tensor] = {}
    for prefix, module in metas:
        if id(module) in done:
            continue
        done.add(id(module))
        before: dict[tuple[str, str], Any] = {("p", n): t for n, t in module._parameters.items() if t is not None}
        before.update({("b", n): t for n, t in module._buffers.items() if t is not None})
        real = {k: t.detach().clone() for k, t in before.items() if not t.is_meta}
        module.to_empty(device=device, recurse=False)
        with torch.no_grad():
            for (which, n), values in real.items():
                target: Any = (module._parameters if which == "p" else module._buffers)[n]
                target.copy_(values)
        for (which, n), t in before.items():
            if t.is_meta:
                table: Any = module._parameters if which == "p" else module._buffers
                if id(t) in first:  # a tensor tied to one already materialized: the same tensor again
                    table[n] = first[id(t)]
                else:
                    first[id(t)] = table[n]
    new = first
    from torch.nn.modules.batchnorm import _NormBase
    unset: list[str] = []
    reset: set[int] = set()
    for path, module in buffers:
        if isinstance(module, _NormBase) and module.track_running_stats:
            if id(module) not in reset:
                module.reset_running_stats()
                reset.add(id(module))
        elif path not in set_paths:
            unset.append(path)
    if unset:
        warnings.warn(f"Plan.apply(device={str(device)!r}): {len(unset)} buffer(s) were on meta and nothing "
                      f"defines their values; they hold uninitialized memory: {', '.join(unset[:8])}"
                      f"{' ...' if len(unset) > 8 else ''} (build with unifiedinit.backends.torch.empty_init(), "
                      "which keeps buffers real)", UserWarning, stacklevel=4)
    return [(p, new.get(id(t), t)) for p, t in found], names, unset
