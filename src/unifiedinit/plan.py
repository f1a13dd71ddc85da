"""Whole-model plans: ordered rules that say which spec each parameter of a model gets.

A framework backend walks a model and describes every parameter neutrally as a ``Param``: its path, the
kind of layer it belongs to (``KINDS``), its role in that layer (``ROLES``), its shape and layout, and the
fans of its layer. A ``Rule`` selects parameters by kind, role and a glob on the path, and names a spec (or
``None``: keep the parameter as it is). In a ``Plan`` the **last** rule that matches a parameter wins, so a
plan is refined by appending: ``presets.torch + Plan().rule(ui.Zeros(), role="bias")``.

``plan.resolve(params)`` lowers every matched parameter before anything is written, so a plan that cannot
apply (a spec that does not fit a shape) fails with nothing changed; ``plan.apply(model, seed=...)`` does
that and then has the framework's backend write the values, and returns a ``Report``: every parameter with
the rule and spec that set it, and every parameter no rule matched (kept as it was, listed, never silently
skipped). A rule that matches nothing gives a warning naming it.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence, TypeGuard, cast

from . import _validate as v
from . import draws as D
from .params import (ALIASES as ALIASES, FANS, KINDS as KINDS, ROLES as ROLES, STATISTICS as STATISTICS,  # re-exported
                     WEIGHT_ROLES as WEIGHT_ROLES, Param, Select, assign_keys)
from .specs import FromArray, Spec


@dataclass(frozen=True)
class Rule:
    """Parameters selected by ``select`` get ``spec`` (None: kept as they are). ``fans`` says whether the spec
    sees the tensor's own fans ("tensor", the default for weights) or its layer's ("layer", the default for
    biases and every other role, so a bias can be drawn from its layer's fan_in). ``layout`` names a layout
    that replaces the parameter's own for this rule's fans (``"keras"``: Keras's ``compute_fans`` of the stored
    kernel). ``stacked`` declares that the first ``stacked`` axes of the selected tensors stack layers (a
    framework transform the backend cannot see), so the spec sees one layer.

    The layer index ``l`` and number of layers ``L`` a ``ui.Scaled`` expression reads come, by default, from the
    first sequence of layers on the path (``h.3``, ``layers_3``), else from the stacked axes of a scanned or
    vmapped stack (each layer gets its own l). ``depth`` overrides where: a sequence's name on the path
    (``"blocks"`` in timm's ``stages.2.blocks.5``) or ``"stack"``; ``num_layers`` replaces L and ``first_layer`` is
    added to l (a pipeline stage that holds layers 8..15 of 32: ``first_layer=8, num_layers=32``). These options
    matter only to a spec that reads the depth (``Spec.uses_depth``: a ``ui.Scaled`` with ``l`` or ``L``): for
    such a spec every selected parameter's depth is checked before anything is written (a ``depth`` that names no
    sequence on its path, an ``l`` not below ``L``), whatever the order of the model's layers; any other spec
    ignores them.

    ``Plan.rule(spec, ...)`` makes a rule from keywords and appends it; a ``Rule`` is what a plan holds.

    Args:
        spec: the unifiedinit spec the selected parameters get (``ui.Normal(std=0.02)``), or None: keep them as
            they are (listed as "keep" in the report).
        select: the ``Select`` that says which parameters (default: every parameter but the running statistics).
        fans: "tensor" (the tensor's own fans) or "layer" (its layer's fans), or None: by role ("tensor" for
            weights, embeddings and recurrent weights, "layer" for the others).
        quiet: True for a rule of a catalogue (the presets) that need not match: no warning when it matches
            nothing (default False); a NumPy bool counts as the bool it holds, stored as a Python bool.
        layout: a registered layout name (``ui.LAYOUTS``) that replaces the parameter's own for the fans, or
            None: the parameter's layout.
        stacked: how many leading axes of the selected tensors stack layers, an int >= 0, or None: as the
            backend found them.
        depth: where ``l`` and ``L`` of a ``ui.Scaled`` expression come from: the name of a sequence of layers on
            the path (``"blocks"``) or "stack" (the stacked axes), or None: the first sequence on the path.
        num_layers: the number of layers ``L``, an int >= 1 that replaces the one found, or None.
        first_layer: added to each layer index ``l``, an int >= 0 (default 0).

    Raises:
        TypeError: ``spec`` is neither a spec nor None, ``select`` is not a ``Select``, ``layout`` or ``depth`` is
            not a (non-empty) string or None, ``quiet`` is not a bool, or ``stacked``, ``num_layers`` or
            ``first_layer`` is not an integer.
        ValueError: ``fans`` is not "tensor" or "layer", ``layout`` is not a registered layout, ``stacked`` or
            ``first_layer`` is < 0, or ``num_layers`` < 1.

    Examples:
        >>> import unifiedinit as ui
        >>> rule = ui.Rule(ui.Zeros(), ui.Select(role="bias"))
        >>> print(rule)
        role=bias -> Zeros()
        >>> ui.Plan().rule(ui.Zeros(), role="bias").rules == (rule,)
        True
        >>> print(ui.Rule(None, ui.Select(path="head/*"), fans="layer"))
        path=head/* -> keep (fans=layer)
    """

    spec: Spec | None
    select: Select = field(default_factory=Select)
    fans: str | None = None
    #: a rule of a catalogue (the presets) that need not match: no warning when it matches nothing
    quiet: bool = False
    layout: str | None = None
    stacked: int | None = None
    depth: str | None = None
    num_layers: int | None = None
    first_layer: int = 0

    def __post_init__(self) -> None:
        if self.spec is not None and not isinstance(self.spec, Spec):
            raise TypeError(f"Rule: parameter 'spec' must be a unifiedinit spec or None (keep), "
                            f"got {v.shown(self.spec)}")
        if not isinstance(self.select, Select):
            raise TypeError(f"Rule: parameter 'select' must be a unifiedinit.Select, got {v.shown(self.select)}")
        if self.fans is not None:
            object.__setattr__(self, "fans", v.choice("Rule", "fans", self.fans, FANS))
        if self.layout is not None:
            from .layout import get_layout
            if not isinstance(self.layout, str):
                raise TypeError(f"Rule: parameter 'layout' must be a layout name or None, got {self.layout!r}")
            get_layout(self.layout)
            object.__setattr__(self, "layout", str(self.layout))  # a numpy.str_ too: its repr would not read back
        if self.stacked is not None:
            object.__setattr__(self, "stacked", v.integer("Rule", "stacked", self.stacked, minimum=0))
        quiet = v.scalar(self.quiet)  # a NumPy bool (np.bool_(True), a 0-d bool array) counts as the bool it holds
        if not isinstance(quiet, bool):
            raise TypeError(f"Rule: parameter 'quiet' must be True or False, got {v.shown(self.quiet)} of type "
                            f"{type(self.quiet).__name__}")
        object.__setattr__(self, "quiet", quiet)
        if self.depth is not None and (not isinstance(self.depth, str) or not self.depth):
            raise TypeError(f"Rule: parameter 'depth' must be a sequence's name on the path or 'stack', "
                            f"got {self.depth!r}")
        if self.depth is not None:
            object.__setattr__(self, "depth", str(self.depth))  # a numpy.str_ too: its repr would not read back
        if self.num_layers is not None:
            object.__setattr__(self, "num_layers", v.integer("Rule", "num_layers", self.num_layers, minimum=1))
        object.__setattr__(self, "first_layer", v.integer("Rule", "first_layer", self.first_layer, minimum=0))

    def __str__(self) -> str:
        """The rule in words: ``select -> spec (options)``. A spec whose repr is longer than 300 characters (an
        array's values: a ``FromArray``, an array ``Constant``) is shown by the ends of its repr and the repr's
        length, so that a message naming the rule stays short; ``repr(rule)`` is whole."""
        extra = "".join(f" ({k}={getattr(self, k)})" for k in ("fans", "layout", "stacked", "depth", "num_layers")
                        if getattr(self, k) is not None)
        extra += f" (first_layer={self.first_layer})" if self.first_layer else ""
        if self.spec is None:
            return f"{self.select} -> keep{extra}"
        spec = repr(self.spec)
        if len(spec) > _SHOWN:
            spec = f"{spec[:_SHOWN // 2 - 20]}...{spec[-(_SHOWN // 2 - 20):]} ({len(spec)} characters)"
        return f"{self.select} -> {spec}{extra}"

    @property
    def reads_depth(self) -> bool:
        """Whether this rule's spec reads the layer's depth (``Spec.uses_depth``), so that its ``depth``,
        ``num_layers`` and ``first_layer`` matter (a rule that keeps its parameters reads nothing)."""
        return self.spec is not None and self.spec.uses_depth

    def per_layer(self, p: Param) -> bool:
        """Whether each stacked layer of ``p`` has its own depth (so may lower to its own draw)."""
        return bool(p.stacked) and (self.depth == "stack" or (self.depth is None and p.depth is None))

    def depth_of(self, p: Param, layer: int | None = None) -> tuple[int, int] | None:
        """(l, L) of ``p`` under this rule (``layer``: the flat index of one stacked layer, for ``per_layer``).

        Raises:
            ValueError: ``depth`` names no sequence of layers on ``p``'s path, or the layer index (``first_layer``
                added) is not below the number of layers."""
        if self.per_layer(p):
            if layer is None:
                return None
            found: tuple[int, int] | None = (layer, math.prod(p.layers))
        elif self.depth is None or self.depth == "stack":
            found = p.depth
        else:
            hits = [(l, n) for name, l, n in p.sequences if name == self.depth]
            if not hits:
                names = ", ".join(repr(name) if name else "the model itself"
                                  for name, _, _ in p.sequences) or "none"
                raise ValueError(f"depth={self.depth!r} names no sequence of layers on the path of {p.path!r} "
                                 f"(its sequences: {names})")
            found = hits[0]
        if found is None or (self.num_layers is None and not self.first_layer):
            return found
        l, n = found[0] + self.first_layer, self.num_layers or found[1]
        if l >= n:
            raise ValueError(f"layer index {l} (first_layer={self.first_layer}) of {p.path!r} is not below the "
                             f"number of layers {n}")
        return l, n

    def info(self, p: Param, layer: int | None = None) -> Any:
        """What this rule's spec sees of ``p`` (one layer of it, in the rule's layout and fans; ``layer``: which
        stacked layer, where each has its own depth). The rule's depth options are read only where its spec reads
        the depth (``reads_depth``)."""
        info = p.info(self.fans, self.layout)
        if not self.reads_depth:
            return info
        depth = self.depth_of(p, layer)
        return info if depth == info.depth else info._replace(depth=depth)

    def to_dict(self, *, strict: bool = True) -> dict[str, Any]:
        """The rule as a plain JSON-safe dict (``Plan.from_dict`` reads it back).

        Args:
            strict: refuse a ``select`` of a class of one's own (True, the default: a saved plan); False writes
                Select's fields and the class's name under ``"select_class"`` (a report's record of what ran).

        Raises:
            TypeError: ``strict`` and the rule's ``select`` is of a class of one's own derived from ``Select``,
                whose matching a dict of ``Select``'s fields would not hold."""
        s = self.select
        own = type(s) not in (Select, _FromNames)
        if own and strict:
            raise TypeError(f"Rule.to_dict: the rule's select is a {type(s).__name__}, a class derived from "
                            f"unifiedinit.Select whose own matching a saved rule would not hold (it saves Select's "
                            f"fields only); allowed: a unifiedinit.Select")
        out: dict[str, Any] = {"spec": None if self.spec is None else self.spec.to_dict(), "kind": list(s.kind),
                               "role": list(s.role), "path": s.path, "fans": self.fans}
        if isinstance(s, _FromNames):  # NO_DECAY's last selector: only parameters whose layer was read from names
            out["inferred"] = "names"
        if own:  # a report's record only: Plan.from_dict refuses the field
            out["select_class"] = type(s).__qualname__
        for key in ("layer", "framework_layer"):
            if getattr(s, key) is not None:
                out[key] = getattr(s, key)
        for key in ("layout", "stacked", "depth", "num_layers"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.first_layer:
            out["first_layer"] = self.first_layer
        if self.quiet:
            out["quiet"] = True
        return out


def _lower(rule: Rule, p: Param) -> D.Draw:
    """The draw of one layer of ``p``; where each stacked layer has its own depth and a spec reads it, a
    ``PerLayer`` draw with one per layer (row-major over the stacked axes)."""
    spec = rule.spec
    assert spec is not None
    if not rule.per_layer(p) or not spec.uses_depth:
        return spec.lower(rule.info(p))
    draws = tuple(spec.lower(rule.info(p, j)) for j in range(math.prod(p.layers)))
    return draws[0] if all(d == draws[0] for d in draws) else D.PerLayer(draws)


@dataclass(frozen=True, init=False)
class Entry:
    """One parameter of a report: the rule (index into the plan) and spec that set it, and its draw (None when
    the rule keeps the parameter, or while its shape is not known yet)."""

    param: Param
    rule: int
    spec: Spec | None
    draw: D.Draw | None

    def __init__(self, param: Param, rule: int, spec: Spec | None, draw: D.Draw | None) -> None:
        # a plan makes one per parameter: filled directly, not through the frozen class's __setattr__
        values = self.__dict__
        values["param"], values["rule"], values["spec"], values["draw"] = param, rule, spec, draw


#: the most characters of a spec's repr that ``str(rule)`` (and so a message naming the rule) shows whole
_SHOWN = 300


#: the size a deferred parameter's unknown axes take while its rule is checked (``_check_deferred``): large, so
#: a fan-based law is narrow and a value its dtype cannot hold is the spec's own
_DEFERRED_SIZE = 1024

#: the other sizes a deferred parameter's unknown axes are tried at when its rule fails at ``_DEFERRED_SIZE``
#: (besides the sizes of its known axes, for a rule that needs two axes alike, and the lcm of its ``Blocks``' part
#: counts): the smallest, one that any number of blocks up to 16 divides (lcm(1..16)) and a very large one; a rule
#: that fails at every one of them fails whatever the sizes (``Blocks`` that do not divide a known axis, a ``Rows``
#: index past it, a depth it refuses)
_OTHER_SIZES = (1, 720720, 2 ** 40)


def _refused(err: Exception, rule: Rule, i: int, p: Param, shape: str = "") -> Exception:
    """``err`` again, naming the rule and the parameter (``shape``: how to say its shape)."""
    return type(err)(f"plan rule {i} ({rule}) cannot initialize {p.path!r} ({p.layer}, shape "
                     f"{shape or p.shape}): {err}")


def _checked(draw: D.Draw, p: Param) -> D.Draw:
    """``draw`` for ``p``'s dtype: an integer tensor takes only a determined spec, and the values must fit."""
    v.tensor_dtype(p.dtype, draw.deterministic)
    v.representable(draw, p.dtype)
    return draw


def _lowered(rule: Rule, i: int, p: Param) -> D.Draw:
    """The rule's draw for ``p``, its dtype checked; an error names the rule and the parameter."""
    try:
        return _checked(_lower(rule, p), p)
    except (TypeError, ValueError) as err:
        raise _refused(err, rule, i, p) from None


def _check_deferred(rule: Rule, i: int, p: Param) -> None:
    """Refuse now what would fail at the first forward pass whatever the sizes, for a parameter whose shape is not
    known yet (MXNet's deferred initialization: its unknown axes are 0). The rule is lowered with those axes (and
    a bias's missing layer fans) set to 1024: a tensor of the wrong number of dimensions (``Eye`` on a conv
    kernel) or a dtype that cannot hold the values (``Constant(1e300)`` in float32) is refused, naming the
    parameter. A ``FromArray`` is lowered again with the unknown axes the sizes its values give them: values of
    another number of dimensions, or of another size along an axis already known, are refused; values that fit
    wait for the first forward pass (where the layer's input sets the unknown axes), their dtype checked now. Any
    other failure is tried again with the unknown axes at the sizes of the known ones and at ``_OTHER_SIZES``: a
    rule that fails at all of them fails whatever the sizes (``Blocks`` that do not divide a known axis, a
    ``Rows`` index past it, a depth its ``Scaled`` factor refuses) and is refused now; one that lowers at some size
    may be the real sizes' failure: it waits for the first forward pass, where the backend names the parameter."""
    q = _sized(p, _DEFERRED_SIZE)
    said = f"{p.shape}, its axes of size 0 unknown until the first forward pass; checked as {q.shape}"
    if rule.reads_depth:  # the layer's depth does not wait for the sizes
        try:
            for j in range(math.prod(q.layers)) if rule.per_layer(q) else (None,):
                rule.depth_of(q, j)
        except ValueError as err:
            raise _refused(err, rule, i, q, said) from None
    try:
        draw = _lower(rule, q)
    except v.RankError as err:
        raise _refused(err, rule, i, q, said) from None
    except (TypeError, ValueError) as err:
        if not isinstance(rule.spec, FromArray):
            counts = _block_counts(rule.spec) if rule.spec is not None else set[int]()
            lcm = {math.lcm(*counts)} if counts else set[int]()  # any number of those blocks divides it
            sizes = sorted({d for d in p.shape if d > 0} | set(_OTHER_SIZES) | lcm)
            if _lowers_at_some_size(rule, p, sizes):
                return
            tried = ", ".join(str(n) for n in sorted({_DEFERRED_SIZE, *sizes}))
            raise _refused(err, rule, i, q, f"{said}; it fails with them at every size tried: {tried}") from None
        fitted = _array_sizes(rule, rule.spec, p, q)
        if fitted is None:  # values of another number of dimensions: no size fits them
            raise _refused(err, rule, i, q, said) from None
        q = fitted
        said = f"{p.shape}, its axes of size 0 unknown until the first forward pass; checked as {q.shape}, the " \
               f"sizes the values give them"
        try:
            draw = _lower(rule, q)
        except (TypeError, ValueError) as unfit:  # an axis already known that the values do not have
            raise _refused(unfit, rule, i, q, said) from None
    try:
        _checked(draw, q)
    except (TypeError, ValueError) as err:
        raise _refused(err, rule, i, q, said) from None


def _sized(p: Param, n: int) -> Param:
    """``p``, a parameter whose shape is not known yet, with its unknown axes (size 0) set to ``n``, and its layer's
    fans, where a vector does not have them yet, to (n, n)."""
    shape = tuple(n if d == 0 else d for d in p.shape)
    fans = p.layer_fans if p.layer_fans is not None or len(p.slice_shape) >= 2 else (n, n)
    return p._replace(shape=shape, layer_fans=fans)


def _block_counts(spec: Spec) -> set[int]:
    """The numbers of parts of every ``Blocks`` in ``spec``, at any depth (a field holding a spec or specs)."""
    from .specs import Blocks
    counts = {len(spec.parts)} if isinstance(spec, Blocks) else set[int]()
    for name in spec._fields:
        value: Any = getattr(spec, name)
        for x in cast("tuple[Any, ...]", value) if isinstance(value, tuple) else (value,):
            if isinstance(x, Spec):
                counts |= _block_counts(x)
    return counts


def _lowers_at_some_size(rule: Rule, p: Param, sizes: Iterable[int]) -> bool:
    """Whether ``rule`` lowers for ``p`` (a deferred parameter) with its unknown axes set to one of ``sizes``."""
    for n in sizes:
        try:
            _lower(rule, _sized(p, n))
        except (TypeError, ValueError):
            continue
        return True
    return False


def _array_sizes(rule: Rule, spec: FromArray, p: Param, q: Param) -> Param | None:
    """``q`` (``p`` checked with its unknown axes set to 1024) with those axes the sizes ``spec``'s values take
    in the tensor's layout instead; None for values of another number of dimensions."""
    import numpy as np
    from .layout import move
    info = rule.info(q)
    sizes = spec.shape
    if len(sizes) != len(info.shape):
        return None
    if spec.layout is not None:  # the values' axes in the tensor's layout (a zero-stride view: nothing is copied)
        sizes = move(np.broadcast_to(np.float64(0.0), sizes), spec.layout, info.layout).shape
    axes = [k for k in range(len(p.shape)) if k not in p.stacked]  # one layer's axes, as the spec sees them
    shape = list(q.shape)
    for j, k in enumerate(axes):
        if p.shape[k] == 0:
            shape[k] = int(sizes[j])
    return q._replace(shape=tuple(shape))


def _fans_text(p: Param, rule: Rule | None) -> str:
    """The fans a rule's spec sees of ``p``, "in/out"; "-" where they are not known (a shape not known yet: even a
    deferred bias's own shape would give fans that are not its layer's) or the parameter has none."""
    if not p.known:
        return "-"
    try:
        info = p.info(rule.fans if rule else None, rule.layout if rule else None)
        return "{}/{}".format(*info.fans)
    except (TypeError, ValueError):
        return "-"


#: the narrowest table ``Report.table`` and ``FitReport.table`` write: a path and one column beside it
MIN_TABLE_WIDTH = 20


def table_width(owner: str, width: Any) -> int:
    """A table's ``width``: an integer >= MIN_TABLE_WIDTH (a NumPy integer or 0-d array counts as its integer), as
    a Python int.

    Raises:
        TypeError: ``width`` is not an integer (None, a float, a bool).
        ValueError: ``width`` is below MIN_TABLE_WIDTH."""
    import numbers
    number = v.scalar(width)
    need = (f"{owner}: parameter 'width' must be an integer >= {MIN_TABLE_WIDTH} (the characters per line; 10**6 "
            f"shows every column whole)")
    if isinstance(number, bool) or not isinstance(number, numbers.Integral):
        raise TypeError(f"{need}, got {v.shown(width)} of type {type(width).__name__}")
    if number < MIN_TABLE_WIDTH:
        raise ValueError(f"{need}, got {v.shown(width)}")
    return int(number)


@dataclass
class Report:
    """What a plan did to a model: ``entries`` (set or explicitly kept) and ``unmatched`` (no rule; kept).

    Every parameter carries its canonical ``key``, its ``aliases`` (tied weights: set once, listed once) and
    its ``stacked`` axes. ``Plan.resolve``, ``Plan.apply`` and ``ui.inspect`` make reports; ``str(report)`` is a
    table of every parameter, ``report.rows()`` the same as dicts and ``report.to_dict()`` what JSON saves.

    Args:
        plan: the ``Plan`` that was applied.
        entries: one ``Entry`` per parameter a rule decided (set, or kept by a rule whose spec is None): the
            parameter, the rule's index in the plan, its spec and the draw (None while the shape is unknown).
        unmatched: the parameters no rule matched, kept as they were.
        unused: the indices of the rules that matched no parameter.
        dry_run: True when nothing was written (``ui.inspect``; default False).
        placements: path -> where the parameter's values live, for the parameters a backend placed (torch, JAX,
            Keras under jax: ``global_shape``, ``local_shape``, ``placement``, ``device``, ``computed``, ``invariant``).
        materialized: the paths of meta parameters given memory by ``plan.apply(..., device=)``.
        unset_buffers: the paths of meta buffers nothing could set.
        skipped: the parameters left to a checkpoint (``plan.apply(..., skip=...)``), kept and not drawn.

    Raises:
        TypeError: a missing or unknown argument; the values are not checked (a plan makes its reports).

    Examples:
        >>> import unifiedinit as ui
        >>> params = [ui.Param("fc/weight", "dense", "weight", (3, 4)),
        ...           ui.Param("fc/bias", "dense", "bias", (3,), layer_fans=(4, 3))]
        >>> report = ui.Plan().rule(ui.Zeros(), role="bias").resolve(params)
        >>> [(e.param.key, e.spec) for e in report.entries], [p.path for p in report.unmatched]
        ([('fc/bias', Zeros())], ['fc/weight'])
        >>> report.rows()[0]["fans"], report.dry_run
        ('4/3', False)
    """

    plan: "Plan"
    entries: list[Entry]
    unmatched: list[Param]
    unused: list[int]
    #: True when nothing was written (``ui.inspect``)
    dry_run: bool = False
    #: path -> where the parameter's values live, for the parameters a backend placed (torch, JAX, Keras under jax):
    #: ``global_shape``, ``local_shape`` (this process's part), ``placement`` ("whole", a DTensor's placements or a
    #: ``PartitionSpec``), ``device``
    #: (a device or a mesh), ``computed`` ("block": only this part was computed; "whole": a structured draw
    #: computed whole and cut) and ``invariant`` (True when the values do not depend on the sharding: portable
    #: mode, or a tensor held whole)
    placements: Mapping[str, dict[str, Any]] = field(default_factory=dict[str, dict[str, Any]])
    #: meta parameters given memory by ``plan.apply(..., device=)``, and meta buffers nothing could set
    materialized: tuple[str, ...] = ()
    unset_buffers: tuple[str, ...] = ()
    #: parameters left to a checkpoint (``plan.apply(..., skip=...)``, ``ui.init_missing``): kept, not drawn
    skipped: list[Param] = field(default_factory=list[Param])

    @property
    def keys(self) -> dict[int, str]:
        """id(param) -> its canonical key (kept for code written against the earlier report)."""
        return {id(p): p.key for p in self.params}

    @property
    def params(self) -> list[Param]:
        return [e.param for e in self.entries] + list(self.unmatched) + list(self.skipped)

    def rows(self) -> list[dict[str, Any]]:
        """One dict per parameter: what ``str(report)`` prints and ``to_dict`` saves."""
        out: list[dict[str, Any]] = []
        skipped = {id(p) for p in self.skipped}
        for p, e in [(e.param, e) for e in self.entries] + [(p, None) for p in self.unmatched + self.skipped]:
            rule = self.plan.rules[e.rule] if e is not None else None
            spec = "FROM CHECKPOINT: kept" if id(p) in skipped else "UNMATCHED: kept as it was" if e is None \
                else "keep" if e.spec is None else repr(e.spec)
            out.append({"path": p.path, "layer": p.layer + (f" (from {p.inferred})" if p.inferred else ""),
                        "kind": p.kind, "role": p.role, "shape": list(p.shape),
                        "layout": (rule.layout if rule is not None and rule.layout else
                                   getattr(p.layout, "name", p.layout)),
                        "fans": _fans_text(p, rule), "stacked": list(p.stacked), "aliases": list(p.aliases),
                        "trainable": p.trainable, "dtype": p.dtype, "key": p.key,
                        "rule": None if e is None else e.rule, "spec": spec})
            if p.path in self.placements:
                out[-1]["placement"] = dict(self.placements[p.path])
        return out

    def __str__(self) -> str:
        return self.table()

    def table(self, width: int = 100) -> str:
        """Every parameter, its rule and spec, as aligned columns cut into slices of at most ``width`` characters
        (each repeating the path), then the unused rules. ``width``: an integer >= ``MIN_TABLE_WIDTH`` (20).

        Raises:
            TypeError, ValueError: ``width`` is not an integer, or is below 20 (see ``table_width``)."""
        width = table_width("Report.table", width)
        head: tuple[str, ...] = ("path", "layer", "kind", "role", "shape", "layout", "fans", "rule", "spec")
        rows: list[tuple[str, ...]] = [head]
        for r in self.rows():
            shape = str(tuple(r["shape"])) + (f" stacked {r['stacked']}" if r["stacked"] else "")
            where = r.get("placement")
            if where is not None and where["placement"] != "whole":
                shape += f" local {tuple(where['local_shape'])} {where['placement']}"
            rows.append((r["path"] + "".join(f" = {a}" for a in r["aliases"]), r["layer"], r["kind"], r["role"],
                         shape, r["layout"], r["fans"], "-" if r["rule"] is None else str(r["rule"]), r["spec"]))
        from ._table import wrap_table
        lines = [wrap_table(rows, width)]
        for i in self.unused:
            if not self.plan.rules[i].quiet:
                lines.append(f"rule {i} matched no parameter: {self.plan.rules[i]}")
        if self.dry_run:
            lines.append("(inspect: nothing was written)")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        rows = self.rows()
        n = len(self.entries)
        for r, e in zip(rows, self.entries):
            r["spec"] = None if e.spec is None else e.spec.to_dict()
        for r in rows[n:]:
            del r["spec"], r["rule"]
        m = n + len(self.unmatched)
        # the plan that ran, a rule of a Select class of one's own included (named, as no saved plan can hold it)
        plan = {"name": self.plan.name, "rules": [r.to_dict(strict=False) for r in self.plan.rules]}
        return {"plan": plan, "entries": rows[:n], "unmatched": rows[n:m], "skipped": rows[m:],
                "unused_rules": list(self.unused)}


def _params_of(params: Any, owner: str) -> list[Param]:
    """``params`` as a list of ``Param`` records; anything else is refused naming ``owner``'s parameter 'params'."""
    if isinstance(params, Param) or isinstance(params, (str, bytes)) or v.is_mapping(params) or \
            not isinstance(params, Iterable):
        raise TypeError(f"{owner}: parameter 'params' must be a sequence of unifiedinit.Param records, got "
                        f"{v.shown(params)} of type {type(params).__name__}")
    out = list(cast("Iterable[Any]", params))
    for i, p in enumerate(out):
        if not isinstance(p, Param):
            raise TypeError(f"{owner}: parameter 'params[{i}]' must be a unifiedinit.Param, got {v.shown(p)} of type "
                            f"{type(p).__name__}")
    return out


def _is_dict(x: Any) -> TypeGuard[dict[str, Any]]:
    """``isinstance(x, dict)``, for a loaded value: its keys are checked against the allowed names next."""
    return isinstance(x, dict)


class Plan:
    """An ordered list of rules; the last rule that matches a parameter wins.

    A plan is refined by appending: ``plan.rule(...)`` and ``plan + other`` make new plans (a plan is never
    changed in place). ``plan.apply(model, seed=...)`` initializes a model of any supported framework,
    ``plan.resolve(params)`` and ``ui.inspect(model, plan)`` say what it would do, ``plan.to_json()`` and
    ``Plan.from_json`` save and load it.

    Args:
        rules: the ``Rule`` objects, in order (an iterable; default: none).
        name: the plan's name, a string shown in reports and saved in JSON (default "").

    Raises:
        TypeError: ``rules`` that is not an iterable of rules (None, a single ``Rule``, a string, a mapping), an
            item of it that is not a ``Rule``, or a ``name`` that is not a string.

    Examples:
        >>> from unifiedinit import Normal, Zeros
        >>> plan = (Plan(name="dcgan")
        ...         .rule(Normal(0, 0.02), kind=("conv", "conv_transpose"), role="weight")
        ...         .rule(Normal(1, 0.02), kind="norm", role="scale")
        ...         .rule(Zeros(), role=("bias", "shift")))
        >>> len(plan.rules), plan.rules[-1].spec
        (3, Zeros())
    """

    def __init__(self, rules: Iterable[Rule] = (), name: str = "") -> None:
        if isinstance(rules, Rule):
            raise TypeError(f"Plan: parameter 'rules' must be an iterable of unifiedinit.Rule objects, got one Rule "
                            f"({v.shown(str(rules), 200)}); allowed: a list of them, Plan([rule])")
        if isinstance(rules, (str, bytes)) or v.is_mapping(rules) or not isinstance(rules, Iterable):
            raise TypeError(f"Plan: parameter 'rules' must be an iterable of unifiedinit.Rule objects, got "
                            f"{v.shown(rules)} of type {type(rules).__name__}")
        rules = tuple(cast("Iterable[Any]", rules))
        for i, r in enumerate(rules):
            if not isinstance(r, Rule):
                raise TypeError(f"Plan: parameter 'rules[{i}]' must be a unifiedinit.Rule, got {v.shown(r)}")
        if not isinstance(name, str):
            raise TypeError(f"Plan: parameter 'name' must be a string, got {name!r}")
        self.rules, self.name = rules, str(name)  # a numpy.str_ too: its repr would not read back
        # a Hugging Face recipe: (the recipe, its keywords, how many rules it made, the config it read or None), so
        # that applying the plan to a model whose own configs change those rules can say so (recipes.config_unread)
        self._recipe: tuple[Any, dict[str, Any], int, Any] | None = None

    def _derived(self, rules: tuple[Rule, ...], name: str) -> "Plan":
        """A plan that appends to this one's rules: it keeps the recipe it came from. Its rules are checked already
        (this plan's, another plan's, a Rule made here), so ``__init__``'s checks are not run again: a recipe
        chaining n ``.rule()`` calls checked n**2 / 2 rules (a Hugging Face recipe's 500 took most of its time)."""
        out = Plan.__new__(Plan)
        out.rules, out.name, out._recipe = rules, name, self._recipe
        return out

    def rule(self, spec: Spec | None, *, kind: Any = None, role: Any = None, path: str | None = None,
             layer: str | None = None, fans: str | None = None, layout: str | None = None,
             stacked: int | None = None, quiet: bool = False, depth: str | None = None,
             num_layers: int | None = None, first_layer: int = 0, framework_layer: str | None = None) -> "Plan":
        """A new plan with one more rule (which wins over the earlier ones where both match); the arguments are
        ``Select``'s and ``Rule``'s."""
        select = Select(() if kind is None else kind, () if role is None else role, path, layer, framework_layer)
        rule = Rule(spec, select, fans, quiet, layout, stacked, depth, num_layers, first_layer)
        return self._derived(self.rules + (rule,), self.name)

    def __add__(self, other: "Plan") -> "Plan":
        if not isinstance(other, Plan):
            return NotImplemented
        return self._derived(self.rules + other.rules, f"{self.name}+{other.name}".strip("+"))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Plan) and (self.rules, self.name) == (other.rules, other.name)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Plan({list(self.rules)!r}, name={self.name!r})"

    def __str__(self) -> str:
        head = f"Plan {self.name!r}" if self.name else "Plan"
        return "\n".join([f"{head} (the last matching rule wins):"] + [f"  {i}: {r}" for i, r in enumerate(self.rules)])

    def match(self, p: Param) -> int | None:
        """The index of the rule that decides ``p`` (the last that matches), or None.

        Raises:
            TypeError: ``p`` is not a ``Param``."""
        if not isinstance(p, Param):
            raise TypeError(f"Plan.match: parameter 'p' must be a unifiedinit.Param, got {v.shown(p)} of type "
                            f"{type(p).__name__}")
        for i in range(len(self.rules) - 1, -1, -1):
            if self.rules[i].select.matches(p):
                return i
        return None

    def resolve(self, params: Sequence[Param], *, warn: bool = True, stacklevel: int = 2,
                dry_run: bool = False, skip: Any = frozenset(), held: Sequence[str | tuple[Any, ...]] = ()) -> Report:
        """Match and lower every parameter, and check that every value fits its dtype; raises (naming the rule and
        the parameter) before anything could be written. Parameters come back with their canonical keys. A
        parameter that ``skip`` names is left to a checkpoint: kept, and listed as such.

        Args:
            params: the ``Param`` records of a model (a backend's walk, or made by hand).
            warn: warn about each rule that matches no parameter (default True; a rule whose parameters are all
                skipped did match).
            stacklevel: the warnings' stack level, counted from the caller (default 2).
            dry_run: mark the report as one where nothing is written (``ui.inspect``; default False).
            skip: the parameters a checkpoint provides, as ``Plan.apply`` takes them: a state_dict or any mapping
                (its keys; a nested one, its leaves' "/"-joined paths) or an iterable of names. Each name is a
                parameter's path, one of its aliases or other names (a Keras attribute path), as given, else
                with its dots read as "/" (torch's ``"h.0.attn.weight"`` is ``"h/0/attn/weight"``; a path that
                holds a dot, ``"head.v2/kernel"``, is meant as it is, even where the dotted reading names another
                parameter). Here, with no model, a name must name one of ``params``. None or empty: none.
            held: the module paths ("pos/1", or key parts ``("pos", 1)``) of layers holding tensors that no record
                of ``params`` describes (a torch lazy layer not built yet, a layer of persistent buffers only);
                each counts as a position in its sequence for the keys, ``l`` and ``L`` (``Plan.apply`` and
                ``ui.inspect`` find them; default none).

        Returns:
            The ``Report``.

        Raises:
            TypeError: ``params`` is not a sequence of ``Param`` records (None, a single one, a number in it).
            TypeError: ``skip`` is a single string or holds something that is not one; ``held`` is no list or
                tuple of paths.
            ValueError: a name of ``skip`` names no parameter (the message lists them).
            TypeError, ValueError: a rule cannot initialize a parameter (the message names both).

        Examples:
            >>> import unifiedinit as ui
            >>> params = [ui.Param("0/weight", "dense", "weight", (3, 4)),
            ...           ui.Param("10/weight", "dense", "weight", (3, 4))]
            >>> report = ui.Plan().rule(ui.Zeros()).resolve(params, skip=["10.weight"])
            >>> [p.path for p in report.skipped], [e.param.path for e in report.entries]
            (['10/weight'], ['0/weight'])
        """
        from .apply import skip_matched, skip_names
        params = _params_of(params, "Plan.resolve")
        paths = skip_matched(skip_names(skip, "Plan.resolve"), params, owner="Plan.resolve")[0]
        given: Any = held  # a user's value: checked here
        items: list[Any] = list(cast("list[Any] | tuple[Any, ...]", given)) if isinstance(given, (list, tuple)) else []
        if not isinstance(given, (list, tuple)) or not all(isinstance(h, (str, tuple)) for h in items):
            raise TypeError(f"Plan.resolve: parameter 'held' must be a list or tuple of module paths (such as "
                            f"['pos/1']), got {v.shown(given)}")
        return self._resolve(params, warn=warn, stacklevel=stacklevel + 1, dry_run=dry_run, skip=paths,
                             held=tuple(items))

    def _stacked_as_declared(self, p: Param, i: int | None) -> Param:
        """``p`` with the leading axes that rule ``i`` (the one that matched it) declares stacked
        (``stacked=``), refused where the tensor has fewer axes; ``p`` as walked where no rule matched or the
        rule declares nothing."""
        declared = None if i is None else self.rules[i].stacked
        if i is None or declared is None:
            return p
        if declared > len(p.shape):
            raise _refused(ValueError(f"parameter 'stacked' is {declared}, more axes than the tensor has; "
                                      f"allowed: 0..{len(p.shape)}"), self.rules[i], i, p)
        return p._replace(stacked=tuple(range(declared)))

    def _resolve(self, params: Sequence[Param], *, warn: bool = True, stacklevel: int = 2, dry_run: bool = False,
                 skip: Any = frozenset(), fresh: bool = False, held: Sequence[str | tuple[Any, ...]] = ()
                 ) -> Report:
        """``resolve``; ``fresh``: the records were made for this call by a backend's walk (the apply loop), so
        their keys are filled in place (``assign_keys``); ``held``: module paths of layers holding tensors no record
        describes, positions in their sequences all the same (``assign_keys``)."""
        matched: list[Param] = []
        rule_of: list[int | None] = []  # beside matched: the index of the rule that decides each
        # a selector reads kind, role, layer class and path. For one (kind, role), only the rules that can match
        # it say whether the class matters, and for one (kind, role, class) only those that can match it say
        # whether the path does (a rule for one family's class never makes every path count); where neither
        # matters, every parameter of the pair matches alike, and a model of many layers is matched once per pair
        reads: dict[tuple[str, str, str], tuple[list[Select], bool]] = {}
        paths: dict[tuple[Any, ...], bool] = {}
        decided: dict[tuple[Any, ...], int | None] = {}
        # a Select of one's own class matches by its own code, which may read anything of a parameter (whether it is
        # trainable, its shape): its rules decide each parameter alone
        own = any(type(r.select) not in (Select, _FromNames) for r in self.rules)
        for p in params:
            pair = (p.kind, p.role, p.inferred)  # NO_DECAY's _FromNames reads how the kind was found
            found = reads.get(pair)
            if found is None:
                can = [r.select for r in self.rules if (not r.select.kind or p.kind in r.select.kind)
                       and (not r.select.role or p.role in r.select.role)]
                found = reads[pair] = (can, any(c.reads_layer for c in can))
            layer = (p.layer, p.bases) if found[1] else None  # a layer glob reads the class and its bases
            by_path = paths.get((pair, layer))
            if by_path is None:
                by_path = paths[(pair, layer)] = any(c.path is not None and c.matches_layer(p) for c in found[0])
            what: tuple[Any, ...] = (pair, layer, (p.path, p.aliases, p.names) if by_path else None) \
                if by_path or found[1] else pair
            i = -1 if own else decided.get(what, -1)
            if i == -1:
                i = decided[what] = self.match(p)
            matched.append(self._stacked_as_declared(p, i))
            rule_of.append(i)
        keyed = assign_keys(matched, fresh=fresh, held=held)
        entries: list[Entry]
        unmatched: list[Param]
        used: set[int]
        skipped: list[Param]
        entries, unmatched, used, skipped = [], [], set(), []
        lowered: dict[tuple[Any, ...], D.Draw] = {}  # a model repeats its layers: lower each (rule, tensor) once
        deferred: set[tuple[Any, ...]] = set()  # the same for the deferred ones' checks
        # a rule whose spec reads the depth lowers each parameter with its own sequences (the depth comes from them
        # and the rule's options are checked against them); any other spec ignores the depth (Rule.info)
        depth_read = [r.reads_depth for r in self.rules]
        for p, i in zip(keyed, rule_of):
            if skip and (p.path in skip or any(a in skip for a in p.aliases)):
                skipped.append(p)
                if i is not None:  # the rule matched it: a checkpoint provides it
                    used.add(i)
                continue
            if i is None:
                unmatched.append(p)
                continue
            used.add(i)
            rule = self.rules[i]
            draw = None
            if rule.spec is not None and p.known:
                what = (i, p.role, p.slice_shape if p.stacked else p.shape, p.layout, p.layer_fans, p.dtype,
                        p.padding_idx, (p.sequences, p.layers if rule.per_layer(p) else ()) if depth_read[i] else ())
                draw = lowered.get(what)
                if draw is None:
                    draw = lowered[what] = _lowered(rule, i, p)
            elif rule.spec is not None:
                what = (i, p.role, p.shape, p.layout, p.layer_fans, p.dtype, p.sequences if depth_read[i] else ())
                if what not in deferred:
                    _check_deferred(rule, i, p)
                    deferred.add(what)
            entries.append(Entry(p, i, rule.spec, draw))
        unused = [i for i in range(len(self.rules)) if i not in used]
        if warn:
            for i in (i for i in unused if not self.rules[i].quiet):
                warnings.warn(f"plan rule {i} matched no parameter: {self.rules[i]}", stacklevel=stacklevel)
        report = Report(self, entries, unmatched, unused, dry_run)
        report.skipped = skipped
        return report

    def apply(self, model: Any, *, seed: Any = None, portable: bool | str = False, **options: Any) -> Any:
        """Initialize ``model`` by this plan.

        Everything is matched, lowered and checked before the first write, so a refused plan leaves every tensor
        as it was.

        Args:
            model: a torch nn.Module or state_dict, a built Keras model or layer, an MXNet Block, a Flax NNX
                module, an Equinox module, or a linen module with ``params=`` (or a linen variables tree); abstract
                and sharded trees, meta and DTensor models too (README: "Large models").
            seed: an int in [0, 2**64); every parameter draws from its own stream keyed by (seed, its canonical
                key), so values do not depend on the order of layers or on what else the plan initializes. None:
                the framework's global generator (JAX has none and needs a seed).
            portable: write the portable values instead: the same numbers in every framework (needs a seed).
                True is the default stream ("chunks", drawn on the host); "counter" is the stream torch and JAX
                compute on the tensor's device, each shard only its own entries (``unifiedinit.counter``).
            **options: ``generator=`` (torch), ``key=``, ``params=``/``inputs=``, ``mesh=`` (Flax),
                ``module=`` (a torch state_dict's module), ``device=`` (torch meta parameters), ``skip=`` (what a
                checkpoint provides, kept as it is: a state_dict or any mapping, its keys, a nested one (a Flax
                variables dict, an ``nnx.State``) its leaves' "/"-joined paths, or an iterable of names; each name
                a parameter's path as the report lists it, one of its aliases or other names (a Keras attribute
                path), a Gluon Parameter's own name (``collect_params()``'s ``dense0_weight``), as given, else with its
                dots read as "/" (torch's names), else, for a linen tree, without a leading collection
                (``params/Dense_0/kernel``); the first reading that names something decides, so
                ``"head.v2/kernel"`` is the path with the dot. A name may also be another tensor the model holds,
                which no plan writes: a torch buffer or extra state, a Keras variable, a Flax leaf of another
                collection).

        Returns:
            The ``Report`` (for a linen tree or an Equinox module, ``(new_tree, report)``).

        Raises:
            TypeError, ValueError: a bad option, a model of no supported framework, or a rule that cannot
                initialize a parameter (the message names the rule and the parameter); nothing was written.
            ValueError: a name of ``skip=`` names no tensor of the model (a typo, the model's name in front,
                ``"layers[1].weight"``): the message lists them and an existing path; nothing was written.

        Example (torch)::

            report = ui.presets.torch.apply(model, seed=0)          # torch's defaults, repeatable
            report = ui.presets.gpt2(config=cfg).apply(model, seed=0, portable=True)
        """
        from .apply import apply
        return apply(self, model, seed=seed, portable=portable, stacklevel=2, **options)

    def portable_values(self, entry: Entry, seed: int, index: Any = None, out: Any = None,
                        stream: str = "chunks") -> Any:
        """The portable values (a NumPy array in the parameter's own layout) of one entry of a report of this plan:
        one slice per stacked layer, each keyed as that layer of an unstacked model. ``index`` (a (start, stop) or
        slice per axis) asks for one block of them only, as a shard needs: the same numbers as the block of the
        whole, computed without the rest where the spec allows (``unifiedinit.reference.portable``). ``out`` (a
        C-contiguous NumPy array of the result's shape and dtype, a CPU tensor's memory) receives them: an
        unstacked one is drawn straight into it. ``stream`` is the portable stream ("chunks" or "counter",
        ``unifiedinit.counter``).

        Args:
            entry: an ``Entry`` of a report of this plan (``report.entries``), or of a plan whose rule of that index
                has the same spec (``plan + more`` keeps the indices of ``plan``'s rules).
            seed: the seed the values are keyed by, an int in [0, 2**64).
            index: one block only, a (start, stop) or slice per axis of the parameter, or None: the whole tensor.
            out: a C-contiguous NumPy array of the result's shape and dtype that receives the values, or None.
            stream: the portable stream, "chunks" (default) or "counter".

        Returns:
            The values, a NumPy array of the parameter's shape (of the block's, with ``index``) and dtype (``out``
            where given).

        Raises:
            TypeError: ``entry`` is not an ``Entry``.
            ValueError: ``entry`` is of another plan (its rule index is not one of this plan's rules, or this plan's
                rule of that index has another spec), or its rule keeps the parameter (no values); what
                ``unifiedinit.reference.portable`` refuses (a bad seed, index, out or stream).

        Examples:
            >>> import unifiedinit as ui
            >>> plan = ui.Plan().rule(ui.Normal(std=0.02))
            >>> entry = plan.resolve([ui.Param("fc/weight", "dense", "weight", (3, 4))]).entries[0]
            >>> plan.portable_values(entry, seed=0).shape
            (3, 4)
        """
        import numpy as np

        from .reference import _into, block_of, numpy_dtype, portable  # pyright: ignore[reportPrivateUsage]
        rule = self._rule_of(entry)
        p = entry.param
        if rule.spec is None:
            raise ValueError(f"parameter {p.path!r} is kept by its rule: it has no portable values")
        layout = rule.layout or p.layout
        block = None if index is None else block_of(p.shape, index)
        inner = None if block is None else tuple(b for i, b in enumerate(block) if i not in p.stacked)
        layers = [(k, s) for k, s in enumerate(p.slices())
                  if block is None or all(block[a][0] <= j < block[a][1] for a, j in zip(p.stacked, s))]
        try:  # checked by resolve for every parameter already; a record made elsewhere is refused as resolve would
            info = rule.info(p)
            depths = [rule.depth_of(p, k) if rule.reads_depth else None for k, _ in layers]
        except (TypeError, ValueError) as err:
            raise _refused(err, rule, entry.rule, p) from None
        parts = [portable(rule.spec, p.slice_shape, layout=layout, seed=seed, key=p.slice_key(s), dtype=p.dtype,
                          layer_fans=info.layer_fans, index=inner, padding_idx=info.padding_idx,
                          depth=depth, out=None if p.stacked else out, stream=stream)
                 for (_, s), depth in zip(layers, depths)]
        if not p.stacked:
            return parts[0]
        sizes = p.layers if block is None else tuple(block[a][1] - block[a][0] for a in p.stacked)
        rest = p.slice_shape if inner is None else tuple(b - a for a, b in inner)
        stacked = np.stack(parts).reshape(sizes + rest) if parts else \
            np.empty(sizes + rest, dtype=numpy_dtype(p.dtype, integers=True))  # a block with no layer in it
        return _into(out, np.moveaxis(stacked, tuple(range(len(p.stacked))), p.stacked))

    def _rule_of(self, entry: Any) -> Rule:
        """The rule of this plan that decided ``entry`` (``portable_values``'s), refusing an entry of another plan."""
        if not isinstance(entry, Entry):
            raise TypeError(f"Plan.portable_values: parameter 'entry' must be an entry of a report of this plan "
                            f"(report.entries[i]), got {v.shown(entry)} of type {type(entry).__name__}")
        i: Any = entry.rule
        n = len(self.rules)
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < n:
            raise ValueError(f"Plan.portable_values: parameter 'entry' ({entry.param.path!r}) names rule {i!r}, "
                             f"which this plan does not have (it has {n} rule{'' if n == 1 else 's'}): an entry of a "
                             f"report of another plan; allowed: an entry of a report of this plan")
        rule = self.rules[i]
        if rule.spec is not entry.spec and rule.spec != entry.spec:
            said = "keep" if entry.spec is None else v.shown(entry.spec, _SHOWN)
            raise ValueError(f"Plan.portable_values: parameter 'entry' ({entry.param.path!r}) was set by rule {i} "
                             f"with spec {said}, but this plan's rule {i} is {rule}: an entry of a report of "
                             f"another plan; allowed: an entry of a report of this plan")
        return rule

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "rules": [r.to_dict() for r in self.rules]}

    def to_json(self) -> str:
        """The plan as a JSON string (``to_dict`` dumped); ``Plan.from_json`` reads it (a plan whose text would be
        longer than ``from_json`` reads, 64 million characters, is refused with a ``ValueError``)."""
        from .serialize import dump_json
        return dump_json(self.to_dict(), "plan")

    @classmethod
    def from_dict(cls, data: Any) -> "Plan":
        from .serialize import from_dict
        # one check per field, each naming its path (as the rules' and the specs' are named); the shape of a plan
        # ends each message, and a value is shown cut to 200 characters, never whole
        shape = "expected {'name': str, 'rules': [...]}"
        if not _is_dict(data):
            raise ValueError(f"cannot load plan: plan: a dict is needed, got {type(data).__name__} {data!r:.200}; "
                             f"{shape}")
        unknown = sorted(set(data) - {"name", "rules"}, key=str)  # a YAML key may be a number
        if unknown:
            more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
            raise ValueError(f"cannot load plan: plan.{str(unknown[0]):.100}: unknown field{more}; allowed: name, "
                             f"rules; {shape}")
        if "rules" not in data:
            raise ValueError(f"cannot load plan: plan.rules: missing (a list of rules, [] for none); {shape}")
        top: Any = data["rules"]
        if not isinstance(top, list):
            raise ValueError(f"cannot load plan: plan.rules: a list of rules is needed, got {type(top).__name__} "
                             f"{top!r:.200}; {shape}")
        top = data.get("name", "")
        if not isinstance(top, str):
            raise ValueError(f"cannot load plan: plan.name: a string is needed, got {type(top).__name__} "
                             f"{top!r:.200}; {shape}")
        fields = ("spec", "kind", "role", "path", "layer", "fans", "layout", "stacked", "quiet", "depth", "num_layers",
                  "first_layer", "framework_layer", "inferred")
        rules: list[Rule] = []
        for i, r in enumerate(data["rules"]):
            where = f"plan.rules[{i}]"
            if not _is_dict(r) or set(r) - set(fields):
                extra = sorted(set(r) - set(fields), key=str) if _is_dict(r) else []  # a YAML key may be a number
                raise ValueError(f"cannot load plan: {where}{f'.{extra[0]}' if extra else ''}: expected a dict with "
                                 f"{', '.join(fields)}")
            if "spec" not in r:  # a rule that keeps its parameters says so: "spec": null
                raise ValueError(f"cannot load plan: {where}.spec: missing (a spec, or null to keep the parameters "
                                 f"as they are)")
            spec = None if r["spec"] is None else from_dict(r["spec"], _path=f"{where}.spec")
            words: dict[str, tuple[str, ...]] = {}
            for key in ("kind", "role"):
                given: Any = r.get(key)  # null or [] is every kind (role); "", false or 0 is no list: refused
                if given is not None and not (isinstance(given, list) and
                                              all(isinstance(x, str) for x in cast("list[Any]", given))):
                    raise ValueError(f"cannot load plan: {where}.{key}: expected a list of words, got {given!r:.200}")
                words[key] = tuple(cast("list[str]", given or []))
            for key in ("fans", "layout"):
                if r.get(key) is not None and not isinstance(r[key], str):
                    raise ValueError(f"cannot load plan: {where}.{key}: expected a string or null, got {r[key]!r:.200}")
            if r.get("stacked") is not None and (type(r["stacked"]) is not int or r["stacked"] < 0):
                # what a Rule takes, so every plan that saves loads (a count past a tensor's rank is refused there)
                raise ValueError(f"cannot load plan: {where}.stacked: expected an integer >= 0 or null, "
                                 f"got {r['stacked']!r:.200}")
            for key in ("num_layers", "first_layer"):
                if r.get(key) is not None and type(r[key]) is not int:
                    raise ValueError(f"cannot load plan: {where}.{key}: expected an integer, got {r[key]!r:.200}")
            if r.get("depth") is not None and not isinstance(r["depth"], str):
                raise ValueError(f"cannot load plan: {where}.depth: expected a string or null, got {r['depth']!r:.200}")
            if r.get("inferred") not in (None, "names"):
                raise ValueError(f"cannot load plan: {where}.inferred: expected \"names\" (only parameters whose layer "
                                 f"was read from their names) or null, got {r['inferred']!r:.200}")
            if not isinstance(r.get("quiet", False), bool):
                raise ValueError(f"cannot load plan: {where}.quiet: expected true or false, got {r['quiet']!r:.200}")
            try:
                select = (_FromNames if r.get("inferred") else Select)(words["kind"], words["role"], r.get("path"),
                                                                      r.get("layer"), r.get("framework_layer"))
                rules.append(Rule(spec, select, r.get("fans"), r.get("quiet", False), r.get("layout"), r.get("stacked"),
                                  r.get("depth"), r.get("num_layers"), r.get("first_layer") or 0))
            except (TypeError, ValueError) as err:
                import re
                named = re.search(r"parameter '(\w+)'", str(err))  # the field refused, as serialize.from_dict finds it
                field = named.group(1) if named and named.group(1) in r else None
                raise ValueError(f"cannot load plan: {where}{f'.{field}' if field else ''}: {err}") from None
        return cls(rules, data.get("name", ""))

    @classmethod
    def from_json(cls, text: str | bytes) -> "Plan":
        """The plan a ``plan.to_json()`` string describes: only registered spec names and plain values load;
        anything else is refused with the path of the field or the position in the text (never imported,
        evaluated or unpickled)."""
        from .serialize import load_json
        return cls.from_dict(load_json(text, "plan"))


@dataclass(frozen=True)
class _FromNames(Select):
    """A ``Select`` of the parameters whose layer was read from names alone (``Param.inferred == "names"``: a
    bare linen params tree), which the fields match too."""

    def matches(self, p: Param) -> bool:
        return p.inferred == "names" and super().matches(p)

    def __str__(self) -> str:
        return f"{super().__str__()} (layer read from names)"


#: no weight decay: norm and PReLU parameters (the seeds' separate_bn_prelu_params), and every bias (BERT, timm):
#: a bias role, or a name that ends in "bias" / "biases" (DeBERTa's and BEiT's q_bias, v_bias; LeViT's
#: attention_biases; an MXNet SymbolBlock's dense0_bias), as Hugging Face's Trainer and timm leave them out; and,
#: in a bare linen tree, a scale, shift or slope of a module whose name is no Flax class (nn.Sequential's
#: layers_1, GPT-2's ln_f): a norm's or a PReLU's, read from its parameters' names
NO_DECAY = (Select(kind=("norm", "prelu")), Select(role=("bias", "recurrent_bias")), Select(path="*[Bb]ias"),
            Select(path="*[Bb]iases"), _FromNames(kind=("other",), role=("scale", "shift", "slope")))


def param_groups(model: Any, no_decay: Select | Sequence[Select] = NO_DECAY, *, weight_decay: float = 1e-2) -> Any:
    """Split a model's trainable parameters for weight decay: those any selector in ``no_decay`` matches get
    none. Frozen parameters (torch ``requires_grad=False``, Keras ``trainable=False``, MXNet ``grad_req="null"``,
    NNX variables that are not ``nnx.Param``) and running statistics are left out, and a tied tensor appears
    once. What comes back is what the framework's optimizer takes:

    - torch: ``[{"params": [...], "weight_decay": weight_decay}, {"params": [...], "weight_decay": 0.0}]``;
    - Flax (linen params tree or NNX module): an optax mask, a pytree of bools shaped like the params
      (``nnx.state(model, nnx.Param)`` for NNX), True where decay applies (``optax.adamw(..., mask=mask)``);
    - Keras: the list of variables to exclude (``optimizer.exclude_from_weight_decay(var_list=...)``);
    - MXNet: sets ``wd_mult = 0`` on the excluded Parameters and returns them;
    - Equinox: an optax mask shaped like ``eqx.filter(model, eqx.is_array)``, True where decay applies.

    Args:
        model: a model of any supported framework (a torch nn.Module, a linen params tree or an NNX module, a
            built Keras model, an MXNet Block, an Equinox module). For torch, the module itself: a state_dict or
            a mapping of names to tensors says neither which layer holds a tensor nor which Parameters an
            optimizer updates.
        no_decay: the ``Select`` objects whose parameters get no weight decay, or one ``Select`` (default
            ``NO_DECAY``: norm and PReLU parameters, and every bias: a bias role or a name ending in "bias" or
            "biases", as DeBERTa's and timm's attention ``q_bias`` / ``v_bias``, which Hugging Face's Trainer and
            timm leave out too; in a bare linen tree, whose kinds are read from names, also a scale or slope of a
            module of no Flax class name (``ln_f``, nn.Sequential's ``layers_1``); ``()``: every parameter decays).
        weight_decay: the weight decay of the other parameters, a finite real number >= 0 (default 1e-2; torch
            only: the other frameworks take it in their optimizer). A NumPy scalar or a 0-d array counts as its
            number; a negative value, which torch's optimizers refuse as their default but not in a group, is
            refused here.

    Returns:
        What the framework's optimizer takes, as listed above (for torch, two parameter groups: with decay, then
        without).

    Raises:
        TypeError: a ``no_decay`` that is neither a ``Select`` nor a sequence of them (None, a string), an item of
            it that is not a ``Select``, a ``weight_decay`` that is not a real number, a model of no supported
            framework, or a torch model given as a state_dict or a mapping rather than its nn.Module.
        ValueError: a ``weight_decay`` that is not finite, or is negative.

    Examples:
        >>> import torch
        >>> import unifiedinit as ui
        >>> model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.LayerNorm(8))
        >>> groups = ui.param_groups(model)  # the Linear's weight decays; its bias and the norm do not
        >>> [len(g["params"]) for g in groups], [g["weight_decay"] for g in groups]
        ([1, 3], [0.01, 0.0])
        >>> optimizer = torch.optim.AdamW(groups, lr=1e-3)
    """
    if isinstance(no_decay, Select):
        selects: tuple[Any, ...] = (no_decay,)
    elif isinstance(no_decay, (str, bytes)) or v.is_mapping(no_decay) or not isinstance(no_decay, Iterable):
        raise TypeError(f"param_groups: parameter 'no_decay' must be a unifiedinit.Select or a sequence of them "
                        f"(() for decay everywhere), got {no_decay!r:.200}")
    else:
        selects = tuple(cast("Iterable[Any]", no_decay))
    for i, s in enumerate(selects):
        if not isinstance(s, Select):
            raise TypeError(f"param_groups: parameter 'no_decay[{i}]' must be a unifiedinit.Select, got {s!r}")
    weight_decay = v.non_negative("param_groups", "weight_decay", weight_decay)  # torch's optimizers refuse < 0
    from .apply import backend_of
    return backend_of(model).param_groups(model, selects, weight_decay)


def excluded(p: Param, selects: Sequence[Select]) -> bool:
    return any(s.matches(p) for s in selects)
