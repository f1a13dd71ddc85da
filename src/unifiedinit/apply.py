"""The one apply loop, the same for every framework and for portable mode.

::

    walk   the backend describes the model: (Param, handle) records, tied tensors merged (``params.tie``)
    match  the last matching rule of the plan decides each parameter; unmatched ones are listed, never guessed
    lower  each spec once, for one layer of the tensor (stacked axes apart), with its layer's fans
    check  dtype and representability of every value, for every parameter, before anything is written
    draw   native: the framework's RNG on a stream derived from (seed, canonical key); portable: the exact
           reference values of that key (the same numbers in every framework)
    write  the backend puts each value in place (or into a new tree), one parameter at a time

A backend offers ``walk(model, **options)`` and ``target(model, **options)``, whose object writes one
parameter (``native(param, handle, draw, stream)`` / ``host(param, handle, array)`` / ``deferred(...)`` for a
shape the framework does not know yet) and gives the call's result (``result(report)``).

Seeding, once for all frameworks: with an int ``seed``, parameter ``p`` draws from the stream
``stream(seed, p.key)`` (64 bits of BLAKE2b of the two), so its values depend on the seed and its canonical
key only. Without a seed, the framework's own global RNG draws in the model's order (torch's default
generator, MXNet's global seed, Keras's Python seed; JAX has none and needs one).
"""

from __future__ import annotations

import dataclasses
import hashlib
from types import ModuleType
from typing import Any

from . import _validate as v


def stream(seed: int, key: str) -> int:
    """The 64-bit stream id of the parameter with canonical ``key`` under ``seed``."""
    digest = hashlib.blake2b(f"unifiedinit/stream/{seed}/{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _leaf(tree: Any, depth: int = 0) -> Any:
    from collections.abc import Mapping
    if isinstance(tree, Mapping) and depth < 64:
        for value in tree.values():
            found = _leaf(value, depth + 1)
            if found is not None:
                return found
        return None
    return tree


def _root(obj: Any) -> str | None:
    for cls in type(obj).__mro__:
        root = cls.__module__.split(".")[0]
        if root in ("torch", "keras", "mxnet", "flax", "jax", "jaxlib"):
            return {"jax": "flax", "jaxlib": "flax"}.get(root, root)
    return None


def framework_of(model: Any) -> str:
    """Which backend handles ``model``: by the package its class (or a base class) comes from; a dict (a torch
    state_dict, a linen variables tree) by the type of its leaves."""
    from collections.abc import Mapping
    if isinstance(model, Mapping):
        leaf = _leaf(model)
        root = _root(leaf) if leaf is not None else None
        if root in ("torch", "flax"):
            return root
        if leaf is not None and type(leaf).__module__.split(".")[0] == "numpy":
            return "flax"  # a linen tree of NumPy arrays
        raise TypeError(f"cannot tell which framework a dict of {type(leaf).__name__} belongs to: expected a torch "
                        f"state_dict (torch tensors) or a linen variables tree (JAX arrays)")
    root = _root(model)
    if root is None:
        raise TypeError(f"cannot tell which framework {type(model).__name__} belongs to: expected a torch nn.Module "
                        f"or state_dict, a Keras model or layer, an MXNet Block, a Flax NNX module or a linen module")
    return root


def backend_of(model: Any) -> ModuleType:
    from .backends import get_backend
    return get_backend(framework_of(model))


def records(model: Any, **options: Any) -> tuple[ModuleType, list[tuple[Any, Any]]]:
    """The backend of ``model`` and its walk, tied tensors merged."""
    backend = backend_of(model)
    return backend, backend.walk(model, **options)


def apply(plan: Any, model: Any, *, seed: Any = None, portable: bool = False, stacklevel: int = 2,
          **options: Any) -> Any:
    """``plan.apply``: see the module docstring for the loop."""
    if not isinstance(portable, bool):
        raise TypeError(f"Plan.apply: parameter 'portable' must be True or False, got {portable!r}")
    seed = v.seed("Plan.apply", seed, required=portable)
    backend = backend_of(model)
    target = backend.target(model, seed=seed, **options)
    report = plan.resolve([p for p, _ in target.found], stacklevel=stacklevel + 2)
    handles = {p.path: h for p, h in target.found}
    for e in report.entries:
        if e.spec is None:
            continue
        p, handle = e.param, handles[e.param.path]
        if e.draw is None:  # the framework does not know the shape yet (MXNet's deferred initialization)
            values = (lambda q, e=e: plan.portable_values(dataclasses.replace(e, param=q), seed)) if portable else None
            target.deferred(p, handle, plan.rules[e.rule], None if seed is None else stream(seed, p.key), values)
        elif portable:
            target.host(p, handle, plan.portable_values(e, seed))
        else:
            target.native(p, handle, e.draw, None if seed is None else stream(seed, p.key))
    return target.result(report)


def inspect(model: Any, plan: Any = None, **options: Any) -> Any:
    """What ``plan.apply(model)`` would do, without writing anything: the Report of every parameter (path, layer
    class, kind, role, shape, layout, fans, stacked axes, aliases, canonical key) and the rule that would set
    it. With no plan, every parameter is listed as unmatched."""
    from .plan import Plan
    plan = Plan(name="inspect") if plan is None else plan
    if not isinstance(plan, Plan):
        raise TypeError(f"inspect: parameter 'plan' must be a unifiedinit.Plan or None, got {plan!r}")
    backend, found = records(model, **options)
    return plan.resolve([p for p, _ in found], warn=False, dry_run=True)
