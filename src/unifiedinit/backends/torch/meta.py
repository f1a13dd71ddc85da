"""Deferred torch initialization: build on meta with no default init, materialize each parameter once.

``empty_init()`` builds modules whose parameters live on the meta device (no memory, and the module's own
``reset_parameters`` runs on meta, where it computes nothing); buffers stay real, as accelerate's
``init_empty_weights(include_buffers=False)``. ``plan.apply(model, seed=..., device=...)`` then calls
``materialize`` once every check has passed: each meta parameter gets memory on ``device`` and is drawn once.
"""

from __future__ import annotations

import contextlib
import warnings
import weakref
from typing import Any, Generator, Iterator, cast

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
    # one Parameter object registered in several modules (a tie made from a local variable) gets one meta
    # twin: id -> (a weak reference to the object, its twin); the weak reference tells a reused id apart, and
    # holds no memory of the original alive while the block runs
    twins: dict[int, tuple[Any, nn.Parameter]] = {}

    def to_meta(module: nn.Module, name: str, param: nn.Parameter | None) -> None:
        register(module, name, param)
        if param is None or param.is_meta or isinstance(param, nn.parameter.UninitializedParameter):
            return  # a lazy module's parameter holds no memory until its first call, which builds it
        known = twins.get(id(param))
        if known is None or known[0]() is not param:
            known = twins[id(param)] = (weakref.ref(param), like(param, param.detach().to("meta")))
        module._parameters[name] = known[1]

    nn.Module.register_parameter = to_meta  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        nn.Module.register_parameter = register  # type: ignore[method-assign]


def like(param: nn.Parameter, data: torch.Tensor) -> nn.Parameter:
    """A parameter holding ``data`` that is what ``param`` is otherwise: its class (a Parameter subclass, built
    without calling its ``__new__``, whose arguments we cannot know), ``requires_grad`` and attributes (markers
    such as ``_no_weight_decay`` or ``sequence_parallel`` that optimizers and parallel wrappers read)."""
    return _rebuilt(type(param), data, param.requires_grad, vars(param))


def _rebuilt(kind: type[nn.Parameter], data: torch.Tensor, requires_grad: bool,
             attributes: dict[str, Any]) -> nn.Parameter:
    """A ``kind`` parameter (``nn.Parameter`` or a subclass) holding ``data``, with ``attributes``."""
    if kind is nn.Parameter and not attributes:
        return nn.Parameter(data, requires_grad=requires_grad)
    made: nn.Parameter = torch.Tensor._make_subclass(kind, data, requires_grad)
    vars(made).update(attributes)
    return made


def _what(t: torch.Tensor) -> tuple[bool, type, dict[str, Any]]:
    """(on meta, class, attributes) of a tensor, read before ``to_empty`` may swap another into it."""
    return t.is_meta, type(t), dict(vars(t))


def _keep_kind(kind: type, attributes: dict[str, Any], new: nn.Parameter) -> nn.Parameter:
    """``to_empty`` gives a meta parameter a plain ``nn.Parameter`` (or swaps one into it): a subclass (``kind``)
    gets its class back, and any parameter the ``attributes`` it had and the new one lacks (markers such as
    ``_no_weight_decay``; what the new one has, a DTensor's own state included, stays)."""
    if kind is not nn.Parameter and issubclass(kind, nn.Parameter) and type(new) is not kind:
        return _rebuilt(kind, new.detach(), new.requires_grad, attributes)
    for k, value in attributes.items():
        vars(new).setdefault(k, value)
    return new


#: the buffers a tracking ``_NormBase``'s ``reset_running_stats`` sets (a statistic of 0 and 1, a count of 0)
_RUNNING_STATS = ("running_mean", "running_var", "num_batches_tracked")


def named_modules(model: nn.Module) -> Iterator[tuple[str, nn.Module]]:
    """``model.named_modules(remove_duplicate=False)``, typed (torch leaves that method's return unannotated)."""
    yield from model.named_modules(remove_duplicate=False)


def materialize(model: nn.Module, found: list[tuple[Any, torch.Tensor]], set_paths: set[str],
                device: torch.device, keep: frozenset[str] = frozenset()
                ) -> tuple[list[tuple[Any, torch.Tensor]], list[str], list[str]]:
    """Give every meta parameter and buffer of ``model`` memory on ``device`` (tied ones stay tied; a Parameter
    subclass keeps its class, ``requires_grad`` and attributes).

    Raises before anything is allocated when a meta parameter is set by no rule (it would hold uninitialized
    memory), a parameter the walk does not take (an integer one) included. The parameters at the paths of
    ``keep`` (``skip=``: a checkpoint fills them) get memory and zeros, ready for ``load_state_dict``. Real
    buffers (``empty_init()`` keeps them) move to ``device`` with the model, keeping their values; one several
    modules share (a rotary table) stays one tensor. Buffers on meta are re-created by their module where torch
    defines how (``reset_running_stats``: BatchNorm's statistics 0 and 1, ``num_batches_tracked`` 0; a statistic
    of the same module that was real keeps its values) or set by a rule; the others (a norm's buffers besides
    those three included) are returned by name (and warned about), never left uninitialized silently. The records
    returned hold the tensors the model holds now.

    Returns (the records with their new tensors, the materialized parameter paths, the unset buffer paths).
    """
    # a flattened layer's record holds a view (register_layer(shapes=...)): the records hold the parameter itself
    # until it is new, and a view of the new one after
    views = [None if t._base is None else tuple(t.shape) for _, t in found]
    found[:] = [(p, t if t._base is None else model.get_parameter(p.path.replace("/", "."))) for p, t in found]

    def named(paths: Any) -> set[int]:  # the tensors at these paths, by any of their names (a tie's aliases)
        return {id(t) for p, t in found if p.path in paths or any(a in paths for a in p.aliases)}
    set_ids, kept = named(set_paths), named(keep)
    held = [(module, t, is_param, ".".join(filter(None, (prefix, name))).replace(".", "/"))
            for prefix, module in named_modules(model)
            for table, is_param in ((module._parameters, True), (module._buffers, False))
            for name, t in table.items() if t is not None and t.is_meta]
    kept |= {id(t) for _, t, is_param, path in held if is_param and path in keep}  # the walk's or not (integers)
    meta_buffers = {(id(module), path.rsplit("/", 1)[-1]) for module, _, is_param, path in held if not is_param}
    # each module that holds a meta tensor is moved with its own to_empty (FSDP2 and DTensor parameters follow
    # nn.Module._apply); the real tensors it also holds keep their values, and tied tensors stay one tensor
    seen: set[int] = set()
    metas: list[nn.Module] = []
    names: list[str] = []
    missing: list[str] = []
    buffers: list[tuple[str, nn.Module]] = []
    for module, t, is_param, path in held:
        if not metas or metas[-1] is not module:
            metas.append(module)
        if id(t) in seen:
            continue
        seen.add(id(t))
        if not is_param:
            buffers.append((path, module))
        elif id(t) in set_ids or id(t) in kept or path in set_paths:
            names.append(path)
        else:
            missing.append(path if t.is_floating_point() else f"{path} ({str(t.dtype).replace('torch.', '')}: "
                           "no rule can set it)")
    if missing:
        raise ValueError(f"Plan.apply(device={str(device)!r}): {len(missing)} meta parameter(s) are set by no rule "
                         f"and would hold uninitialized memory: {', '.join(missing[:8])}"
                         f"{' ...' if len(missing) > 8 else ''}; add a rule that sets them, name them in skip= for "
                         "a checkpoint to fill, or materialize them yourself (keeping a meta tensor keeps nothing)")
    done: set[int] = set()
    first: dict[int, torch.Tensor] = {}
    # a real tensor of a moved module (a rotary table several modules share): id -> (it, its new tensor); the
    # original is held so that its id is not reused while this runs
    again: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}
    for module in metas:
        if id(module) in done:
            continue
        done.add(id(module))
        before: dict[tuple[str, str], Any] = {("p", n): t for n, t in module._parameters.items() if t is not None}
        before.update({("b", n): t for n, t in module._buffers.items() if t is not None})
        # what each tensor is, read before to_empty: under torch's swap_tensors (every DTensor and FSDP2 parameter,
        # and all with torch.__future__.set_swap_module_params_on_conversion) the same object becomes the new one
        kinds = {k: _what(t) for k, t in before.items()}
        real = {k: t.detach().clone() for k, t in before.items() if not t.is_meta}
        module.to_empty(device=device, recurse=False)
        with torch.no_grad():
            for (which, n), values in real.items():
                slot: Any = module._parameters if which == "p" else module._buffers
                slot[n].copy_(values)
                t = before[(which, n)]
                known = again.get(id(t))
                if known is None or known[0] is not t:
                    again[id(t)] = (t, slot[n])
                elif slot[n] is not known[1]:  # shared with a module moved before: the same tensor again
                    slot[n] = known[1]
        for (which, n), t in before.items():
            was_meta, kind, attributes = kinds[(which, n)]
            if not was_meta:
                continue
            table: Any = module._parameters if which == "p" else module._buffers
            if id(t) in first:  # a tensor tied to one already materialized: the same tensor again
                table[n] = first[id(t)]
                continue
            if which == "p":
                table[n] = _keep_kind(kind, attributes, table[n])
                if id(t) in kept:
                    with torch.no_grad():
                        table[n].zero_()
            first[id(t)] = table[n]
    new = first
    if metas:  # the model lives on device now: so do the real buffers of modules that held no meta tensor (a
        # rotary table under empty_init()), as those of the modules moved above did
        moved: dict[int, torch.Tensor] = {}
        for _, module in named_modules(model):
            for table in (module._parameters, module._buffers):  # a real tensor shared with a moved module
                for n, b in list(table.items()):
                    known = again.get(id(b)) if b is not None else None
                    if known is not None and known[0] is b and known[1] is not b:
                        table[n] = known[1]
            for n, b in list(module._buffers.items()):
                if b is not None and not b.is_meta and b.device != torch.device(device) and \
                        type(b) is torch.Tensor:  # a DTensor buffer stays where its mesh puts it
                    module._buffers[n] = moved.setdefault(id(b), b.to(device))
    from torch.nn.modules.batchnorm import _NormBase
    unset: list[str] = []
    reset: set[int] = set()
    for path, module in buffers:
        # reset_running_stats defines the statistics only: a norm's other buffers (a subclass's own, a quantized
        # BatchNorm's scale and zero_point) are set by a rule or named as unset, as any other module's
        if isinstance(module, _NormBase) and module.track_running_stats and \
                path.rsplit("/", 1)[-1] in _RUNNING_STATS:
            if id(module) not in reset:  # its own reset sets the buffers that were on meta; a real one (loaded
                reset.add(id(module))  # statistics) keeps its values
                with torch.no_grad():
                    loaded = {n: b.clone() for n, b in module._buffers.items()
                              if b is not None and (id(module), n) not in meta_buffers}
                    module.reset_running_stats()
                    for n, values in loaded.items():
                        cast(torch.Tensor, module._buffers[n]).copy_(values)
        elif path not in set_paths:
            unset.append(path)
    if unset:
        warnings.warn(f"Plan.apply(device={str(device)!r}): {len(unset)} buffer(s) were on meta and nothing "
                      f"defines their values; they hold uninitialized memory: {', '.join(unset[:8])}"
                      f"{' ...' if len(unset) > 8 else ''} (build with unifiedinit.backends.torch.empty_init(), "
                      "which keeps buffers real)", UserWarning, stacklevel=4)

    def renew(t: torch.Tensor) -> torch.Tensor:  # a record's tensor after the moves (a norm's real statistics)
        known = again.get(id(t))
        return new.get(id(t), known[1] if known is not None and known[0] is t else t)

    renewed = [(p, renew(t)) for p, t in found]
    return [(p, t if shape is None else t.detach().view(shape)) for (p, t), shape in zip(renewed, views)], names, unset
