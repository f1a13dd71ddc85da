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

import fnmatch
import json
import warnings
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from . import _validate as v
from . import draws as D
from .layout import TensorInfo, vector_fans
from .specs import Spec

#: layer kinds, with each framework's classes mapped onto them by its backend
KINDS = ("dense", "conv", "conv_transpose", "embedding", "norm", "recurrent", "attention", "prelu", "other")
#: parameter roles within a layer
ROLES = ("weight", "bias", "embedding", "scale", "shift", "running_mean", "running_var", "recurrent_weight",
         "slope", "other")
#: words users bring from the frameworks, accepted in selectors
ALIASES = {"linear": "dense", "kernel": "weight", "gamma": "scale", "beta": "shift", "alpha": "slope",
           "moving_mean": "running_mean", "moving_variance": "running_var", "recurrent_kernel": "recurrent_weight"}
#: roles whose spec sees the tensor's own fans by default; the others see their layer's fans
WEIGHT_ROLES = ("weight", "embedding", "recurrent_weight")
FANS = ("tensor", "layer")


@dataclass(frozen=True)
class Param:
    """One parameter (or running statistic) of a model, described without its framework.

    ``layout`` gives the axis roles of the tensor as stored; ``layer_fans`` the (fan_in, fan_out) of its layer
    (of the layer's weight, in the layer's own convention; (hidden, hidden) for a recurrent layer), or None.
    """

    path: str
    kind: str
    role: str
    shape: tuple[int, ...]
    layout: str = "torch"
    layer_fans: tuple[int, int] | None = None
    layer: str = ""  # the framework's class name, for reports
    #: False while the framework does not know the shape yet (MXNet's deferred initialization): such a
    #: parameter is matched now and lowered by its backend once the shape is known
    known: bool = True
    #: the parameter's dtype name ("float32", ...), checked against its spec when the plan is resolved
    dtype: str = "float32"

    def info(self, fans: str | None = None) -> TensorInfo:
        """What lowering sees: the tensor's own fans or its layer's (``fans``, default by role)."""
        fans = fans or ("tensor" if self.role in WEIGHT_ROLES else "layer")
        if fans == "layer" and self.layer_fans is not None:
            return TensorInfo.make(self.shape, self.layout, self.layer_fans)
        if len(self.shape) < 2:  # a vector or scalar has no fans: Keras's rule
            return TensorInfo.make(self.shape, self.layout, vector_fans(self.shape))
        return TensorInfo.make(self.shape, self.layout)


def _words(owner: str, name: str, value: Any, allowed: Sequence[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    items = (value,) if isinstance(value, str) else value
    if not isinstance(items, (tuple, list)) or not items:
        raise TypeError(f"{owner}: parameter '{name}' must be a word or a list of words from {', '.join(allowed)}; "
                        f"got {value!r}")
    out = []
    for item in items:
        word = ALIASES.get(item, item) if isinstance(item, str) else item
        v.choice(owner, name, word, allowed)
        out.append(word)
    return tuple(out)


@dataclass(frozen=True)
class Select:
    """Which parameters: layer ``kind`` (one or several of KINDS), ``role`` (of ROLES) and a glob on the
    ``path`` (fnmatch, case-sensitive, "/" between levels: ``"encoder/*"``); an empty field matches all."""

    kind: tuple[str, ...] = ()
    role: tuple[str, ...] = ()
    path: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", _words("Select", "kind", self.kind or None, KINDS))
        object.__setattr__(self, "role", _words("Select", "role", self.role or None, ROLES))
        if self.path is not None and not isinstance(self.path, str):
            raise TypeError(f"Select: parameter 'path' must be a glob string or None, got {self.path!r}")

    def matches(self, p: Param) -> bool:
        return ((not self.kind or p.kind in self.kind) and (not self.role or p.role in self.role)
                and (self.path is None or fnmatch.fnmatchcase(p.path, self.path)))

    def __str__(self) -> str:
        parts = [f"kind={'|'.join(self.kind)}" if self.kind else "", f"role={'|'.join(self.role)}" if self.role else "",
                 f"path={self.path}" if self.path is not None else ""]
        return " ".join(p for p in parts if p) or "every parameter"


@dataclass(frozen=True)
class Rule:
    """Parameters selected by ``select`` get ``spec`` (None: kept as they are). ``fans`` says whether the spec
    sees the tensor's own fans ("tensor", the default for weights) or its layer's ("layer", the default for
    biases and every other role, so a bias can be drawn from its layer's fan_in)."""

    spec: Spec | None
    select: Select = field(default_factory=Select)
    fans: str | None = None
    #: a rule of a catalogue (the presets) that need not match: no warning when it matches nothing
    quiet: bool = False

    def __post_init__(self) -> None:
        if self.spec is not None and not isinstance(self.spec, Spec):
            raise TypeError(f"Rule: parameter 'spec' must be a unifiedinit spec or None (keep), got {self.spec!r}")
        if not isinstance(self.select, Select):
            raise TypeError(f"Rule: parameter 'select' must be a unifiedinit.Select, got {self.select!r}")
        if self.fans is not None:
            v.choice("Rule", "fans", self.fans, FANS)

    def __str__(self) -> str:
        fans = f" (fans={self.fans})" if self.fans else ""
        return f"{self.select} -> {self.spec!r}{fans}" if self.spec is not None else f"{self.select} -> keep"

    def to_dict(self) -> dict[str, Any]:
        s = self.select
        out = {"spec": None if self.spec is None else self.spec.to_dict(), "kind": list(s.kind), "role": list(s.role),
               "path": s.path, "fans": self.fans}
        if self.quiet:
            out["quiet"] = True
        return out


@dataclass(frozen=True)
class Entry:
    """One parameter of a report: the rule (index into the plan) and spec that set it, and its draw (None when
    the rule keeps the parameter, or while its shape is not known yet)."""

    param: Param
    rule: int
    spec: Spec | None
    draw: D.Draw | None


@dataclass
class Report:
    """What a plan did to a model: ``entries`` (set or explicitly kept) and ``unmatched`` (no rule; kept)."""

    plan: "Plan"
    entries: list[Entry]
    unmatched: list[Param]
    unused: list[int]
    #: id(param) -> its canonical key (see ``canonical_keys``), the key of its portable values
    keys: dict[int, str] = field(default_factory=dict)

    def __str__(self) -> str:
        rows = [("path", "layer", "kind", "role", "shape", "rule", "spec")]
        for e in self.entries:
            p = e.param
            rows.append((p.path, p.layer, p.kind, p.role, str(p.shape), str(e.rule),
                         "keep" if e.spec is None else repr(e.spec)))
        for p in self.unmatched:
            rows.append((p.path, p.layer, p.kind, p.role, str(p.shape), "-", "UNMATCHED: kept as it was"))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
        for i in self.unused:
            lines.append(f"rule {i} matched no parameter: {self.plan.rules[i]}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        def row(p: Param) -> dict[str, Any]:
            return {"path": p.path, "layer": p.layer, "kind": p.kind, "role": p.role, "shape": list(p.shape)}
        return {"plan": self.plan.to_dict(),
                "entries": [dict(row(e.param), rule=e.rule, spec=None if e.spec is None else e.spec.to_dict())
                            for e in self.entries],
                "unmatched": [row(p) for p in self.unmatched], "unused_rules": list(self.unused)}


class Plan:
    """An ordered list of rules; the last rule that matches a parameter wins.

    >>> plan = (Plan(name="dcgan")
    ...         .rule(Normal(0, 0.02), kind=("conv", "conv_transpose"), role="weight")
    ...         .rule(Normal(1, 0.02), kind="norm", role="scale")
    ...         .rule(Zeros(), role=("bias", "shift")))
    """

    def __init__(self, rules: Iterable[Rule] = (), name: str = "") -> None:
        rules = tuple(rules)
        for i, r in enumerate(rules):
            if not isinstance(r, Rule):
                raise TypeError(f"Plan: parameter 'rules[{i}]' must be a unifiedinit.Rule, got {r!r}")
        if not isinstance(name, str):
            raise TypeError(f"Plan: parameter 'name' must be a string, got {name!r}")
        self.rules, self.name = rules, name

    def rule(self, spec: Spec | None, *, kind: Any = None, role: Any = None, path: str | None = None,
             fans: str | None = None, quiet: bool = False) -> "Plan":
        """A new plan with one more rule (which wins over the earlier ones where both match)."""
        return Plan(self.rules + (Rule(spec, Select(kind or (), role or (), path), fans, quiet),), self.name)

    def __add__(self, other: "Plan") -> "Plan":
        if not isinstance(other, Plan):
            return NotImplemented
        return Plan(self.rules + other.rules, f"{self.name}+{other.name}".strip("+"))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Plan) and (self.rules, self.name) == (other.rules, other.name)

    def __repr__(self) -> str:
        return f"Plan({list(self.rules)!r}, name={self.name!r})"

    def __str__(self) -> str:
        head = f"Plan {self.name!r}" if self.name else "Plan"
        return "\n".join([f"{head} (the last matching rule wins):"] + [f"  {i}: {r}" for i, r in enumerate(self.rules)])

    def match(self, p: Param) -> int | None:
        """The index of the rule that decides ``p`` (the last that matches), or None."""
        for i in range(len(self.rules) - 1, -1, -1):
            if self.rules[i].select.matches(p):
                return i
        return None

    def resolve(self, params: Sequence[Param], *, warn: bool = True, stacklevel: int = 2) -> Report:
        """Match and lower every parameter; raises (naming the parameter) before anything could be written."""
        entries, unmatched, used = [], [], set()
        for p in params:
            i = self.match(p)
            if i is None:
                unmatched.append(p)
                continue
            used.add(i)
            rule = self.rules[i]
            draw = None
            if rule.spec is not None and p.known:
                try:
                    draw = rule.spec.lower(p.info(rule.fans))
                    v.tensor_dtype(p.dtype, draw.deterministic)
                except (TypeError, ValueError) as err:
                    raise type(err)(f"plan rule {i} ({rule}) cannot initialize {p.path!r} "
                                    f"({p.layer}, shape {p.shape}): {err}") from None
            entries.append(Entry(p, i, rule.spec, draw))
        unused = [i for i in range(len(self.rules)) if i not in used]
        if warn:
            for i in (i for i in unused if not self.rules[i].quiet):
                warnings.warn(f"plan rule {i} matched no parameter: {self.rules[i]}", stacklevel=stacklevel)
        return Report(self, entries, unmatched, unused, canonical_keys(params))

    def apply(self, model: Any, *, seed: int | None = None, portable: bool = False, **options: Any) -> Any:
        """Initialize ``model`` (a torch nn.Module, a built Keras model, an MXNet Block, an NNX module, or a
        linen module with ``params=``) by this plan; see ``unifiedinit.backends.<framework>.apply_plan``.
        Returns the Report (for linen, ``(new_params, report)``).

        ``portable=True`` (with an int ``seed``) writes portable values: every parameter is keyed by its layer's
        position among the model's layers that hold parameters and its role ("<layer>/<role>/<n>", see
        ``canonical_keys``), so the same model built in any of the four frameworks gets the same weights."""
        from .backends import get_backend
        if portable:
            v.integer("Plan.apply", "seed", seed, minimum=0)
            return get_backend(framework_of(model)).apply_plan(self, model, seed=seed, portable=True, **options)
        return get_backend(framework_of(model)).apply_plan(self, model, seed=seed, **options)

    def portable_values(self, report: Report, entry: Entry, seed: int) -> Any:
        """The portable values (a NumPy array) of one entry of a report of this plan."""
        from .portable import Portable
        rule, p = self.rules[entry.rule], entry.param
        return Portable(seed, report.keys[id(p)]).values(rule.spec, p.shape, p.layout, p.dtype,
                                                           p.info(rule.fans).layer_fans)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "rules": [r.to_dict() for r in self.rules]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), allow_nan=False)

    @classmethod
    def from_dict(cls, data: Any) -> "Plan":
        from .serialize import from_dict
        if not isinstance(data, dict) or set(data) - {"name", "rules"} or not isinstance(data.get("rules"), list) \
                or not isinstance(data.get("name", ""), str):
            raise ValueError(f"cannot load plan: expected {{'name': str, 'rules': [...]}}, got {data!r:.200}")
        rules = []
        for i, r in enumerate(data["rules"]):
            where = f"plan.rules[{i}]"
            if not isinstance(r, dict) or set(r) - {"spec", "kind", "role", "path", "fans", "quiet"}:
                raise ValueError(f"cannot load plan: {where}: expected a dict with spec, kind, role, path, fans, quiet")
            spec = None if r.get("spec") is None else from_dict(r["spec"], _path=f"{where}.spec")
            for key in ("kind", "role"):
                if not isinstance(r.get(key) or [], list) or not all(isinstance(x, str) for x in r.get(key) or []):
                    raise ValueError(f"cannot load plan: {where}.{key}: expected a list of words, got {r[key]!r:.200}")
            if not isinstance(r.get("quiet", False), bool):
                raise ValueError(f"cannot load plan: {where}.quiet: expected true or false, got {r['quiet']!r:.200}")
            try:
                rules.append(Rule(spec, Select(tuple(r.get("kind") or ()), tuple(r.get("role") or ()), r.get("path")),
                                  r.get("fans"), r.get("quiet", False)))
            except (TypeError, ValueError) as err:
                raise ValueError(f"cannot load plan: {where}: {err}") from None
        return cls(rules, data.get("name", ""))

    @classmethod
    def from_json(cls, text: str) -> "Plan":
        """The plan a ``plan.to_json()`` string describes: only registered spec names and plain values load;
        anything else is refused with the path of the field (never imported, evaluated or unpickled)."""
        from .serialize import load_json
        return cls.from_dict(load_json(text, "plan"))


def canonical_keys(params: Sequence[Param]) -> dict[int, str]:
    """id(param) -> "<layer>/<role>/<n>": the layer's position among the layers that hold parameters, in model
    order (a parameter's layer is its path without the last part), its role, and its rank among that layer's
    parameters of the same role (an LSTM's two biases). The same model built in torch, Keras, MXNet or Flax
    gets the same keys, whatever the frameworks call its layers."""
    layers: dict[str, int] = {}
    seen: dict[tuple[int, str], int] = {}
    keys = {}
    for p in params:
        layer = layers.setdefault(p.path.rpartition("/")[0], len(layers))
        n = seen.get((layer, p.role), 0)
        seen[(layer, p.role)] = n + 1
        keys[id(p)] = f"{layer}/{p.role}/{n}"
    return keys


def framework_of(model: Any) -> str:
    """Which backend handles ``model``: by the package its class (or a base class) comes from."""
    from collections.abc import Mapping
    if isinstance(model, Mapping):
        return "flax"  # a linen variables / params tree
    for cls in type(model).__mro__:
        root = cls.__module__.split(".")[0]
        if root in ("torch", "keras", "mxnet"):
            return root
        if root == "flax":
            return "flax"
    raise TypeError(f"cannot tell which framework {type(model).__name__} belongs to: expected a torch nn.Module, "
                    f"a Keras model, an MXNet Block, a Flax NNX module or a linen module")


#: where the seeds keep weight decay off: norm and PReLU parameters, and every bias
NO_DECAY = (Select(kind=("norm", "prelu")), Select(role="bias"))


def param_groups(model: Any, no_decay: Sequence[Select] = NO_DECAY, *, weight_decay: float = 1e-2) -> Any:
    """Split a model's trainable parameters for weight decay: those any selector in ``no_decay`` matches get
    none. What comes back is what the framework's optimizer takes:

    - torch: ``[{"params": [...], "weight_decay": weight_decay}, {"params": [...], "weight_decay": 0.0}]``;
    - Flax (linen params tree or NNX module): an optax mask, a pytree of bools shaped like the params
      (``nnx.state(model, nnx.Param)`` for NNX), True where decay applies (``optax.adamw(..., mask=mask)``);
    - Keras: the list of variables to exclude (``optimizer.exclude_from_weight_decay(var_list=...)``);
    - MXNet: sets ``wd_mult = 0`` on the excluded Parameters and returns them.
    """
    selects = tuple(no_decay)
    for i, s in enumerate(selects):
        if not isinstance(s, Select):
            raise TypeError(f"param_groups: parameter 'no_decay[{i}]' must be a unifiedinit.Select, got {s!r}")
    weight_decay = v.real("param_groups", "weight_decay", weight_decay)
    from .backends import get_backend
    return get_backend(framework_of(model)).param_groups(model, selects, weight_decay)


def excluded(p: Param, selects: Sequence[Select]) -> bool:
    return any(s.matches(p) for s in selects)
