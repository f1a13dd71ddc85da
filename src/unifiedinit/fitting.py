"""``ui.fit(model)``: the law each parameter of an existing model was drawn from, and a plan that draws it again.

For every floating-point parameter the values are tested against candidate laws: every framework preset's spec for
that parameter and the spec of every family recipe that can be built from the model alone, lowered with the
parameter's shape and fans: each with its defaults and, on a Hugging Face model, as it reads the model's own
``config`` (GPT-2's depth, the rules its family's ``model_type`` adds). ``fixup``, ``t_fixup``, ``mup``,
``deepnet``, ``torchvision``, ``timm``, ``keras_applications`` and ``gluon_model_zoo`` need arguments no model
gives, so they are not tried (pass them in ``candidates``). Then exact constants, and, when none of those passes,
a normal and a uniform fitted to the values (their moments or their range), one of which then wins: a candidate
that fails is not named. A candidate passes on its KS p-value (the row's ``p``); of those that pass, the one with
the largest p-value of KS and the variance test together wins, as ``stats.check`` holds the two (each at half the
level, so twice the smaller; KS alone where ``check`` tests no variance: bfloat16 values, an orthogonal matrix's
entries): on a 3x3 conv's 432 values KS cannot tell Flax's lecun_normal, cut at 2 sigma, from the uncut normal of
1.29 times its variance, the variance test can. Of equal p-values (over a million values those of every law they
do not come from underflow to 0) the one with the smaller KS statistic D wins; a value
outside a law's support rules that law out, below every other. A determined candidate (a table: ``S4DReal``,
``Sinusoidal``) is compared value by value instead, and wins with p = 1 when the values are its own, rounded to the
dtype. A tensor of one value
cannot be told from a constant, so its candidates' laws are tried first (a ``Linear(8, 1)``'s bias is torch's
uniform); it is its own constant only when none holds it. ``fit(model).to_plan()``
is one rule per parameter (a layer's tensor by its module's path and its role, with the winning candidate's
``fans``, ``layout`` and depth options, so it draws the law that was fitted), so "copy this model's
initialization into my port" is ``ui.fit(torch_model).to_plan().apply(flax_model, ...)`` where the two share their
module paths, whatever each framework calls the tensor (``weight``, ``kernel``), and
``fit(model).table()`` says what was found. A stacked tensor (``nnx.vmap``, ``nn.scan``, ``eqx.filter_vmap``) whose
candidate reads each layer's depth (``presets.torchtitan``'s 1/sqrt(2(l + 1))) is tested layer by layer, each layer
against its own law (Bonferroni over the layers); its row names the first and the last layer's laws, and
``to_plan`` draws each layer from its own law again.

Structured candidates are tested by their parts, as ``stats.structure`` splits them and checks their exact structure
(``stats.check`` tests them the same way): ``Rows`` (an embedding's padding row) by a KS test of its base law on the
other rows and an exact or KS check of its row; ``Blocks`` block by block; ``Orthogonal`` by checking that the
matrix's short side is orthonormal times the gain (W W^T = gain^2 I, within the dtype's rounding), then a KS test of
its entries against the exact law of one entry; ``DeltaOrthogonal`` by exact zeros off the centre tap and an
orthogonal matrix at it; ``Sparse`` by exactly ceil(sparsity * rows) zeros in every column and a KS test of the
other values. Their p-value is the smallest of their parts' times the number of parts (Bonferroni). A candidate
whose exact structure holds (the padding row is zero, the matrix is orthogonal) and that passes wins over one that
ignores that structure, whatever their p-values: an iid continuous law writes an exact zero row, or an orthogonal
matrix, with probability 0. A matrix orthogonal up to a gain no candidate has gets a fitted ``Orthogonal(gain)``
(stacked layers: each layer orthogonal at one shared gain, drawn again layer by layer).

Every KS test is ``stats.ks_1samp``'s, against the law as the dtype the values were written in holds it: a
bfloat16 sample of N(0, 0.02^2) lies on a coarse grid, which a test against the continuous CDF rejects once a
tensor holds a few million values (a Linear(2048, 4096): p = 1.8e-11); against the law rounded to bfloat16 it
passes.

A fitted normal or uniform takes its parameters from the same values it is tested on, so its p-value is
optimistic (Lilliefors); such rows are marked ``fitted``. An embedding whose padding row is exactly zero keeps it: the
law is fitted to the other rows, as ``Rows(law)``. A pretrained model's parameters follow no catalog law: they come
back as fitted laws with small p-values, which the table shows. A quantized layer's state (role "quantization": an
int8 kernel, its float scales) and a layer's fixed values (role "fixed": Keras's ``STFTSpectrogram`` Fourier
kernels) are not drawn, so they are not fitted and ``to_plan`` leaves them alone. A parameter that
holds no values (meta, abstract, a lazy module's or MXNet's deferred one) or holds NaN or inf is refused, named,
rather than left out of the rows (where a port would come back with it UNMATCHED). A zero-size parameter (a
``Linear(0, 3)``'s weight) holds no values either, but nothing is missing: it gets a row that says so (law
``EMPTY_LAW``, spec None, p NaN, from "empty"), and ``to_plan`` keeps it.
"""

from __future__ import annotations

import glob
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

from .specs import Spec

if TYPE_CHECKING:
    from .plan import Rule

#: a candidate passes when its KS p-value exceeds this
ALPHA = 1e-4
#: the law of a zero-size parameter's row: it holds no values, so nothing is tested and its rule keeps it
EMPTY_LAW = "no values to fit (zero-size)"

#: the layer kinds whose tensors ``FitReport.to_plan`` selects by module path, kind and role
_LAYER_KINDS = ("dense", "conv", "norm", "embedding")
#: ... and their roles so selected (not "other", nor "quantization" (a quantized layer's scales and integer kernel),
#: nor "fixed")
_LAYER_ROLES = ("weight", "bias", "scale", "shift", "embedding")


@dataclass(frozen=True)
class FitRow:
    """One parameter: its path, kind and role, shape, the winning spec, the law's name, the KS p-value (1.0 for
    an exact constant), where the candidate came from ("presets.torch", "constant", "fitted", ...), and the
    candidate's rule (None for a constant or a fitted law): its ``fans``, ``layout``, ``stacked`` and depth
    options say how the spec saw the tensor, and ``to_plan`` keeps them. A zero-size parameter has no values to
    fit: spec None (its rule keeps it), law ``EMPTY_LAW``, p NaN (no test), source "empty"."""

    path: str
    kind: str
    role: str
    shape: tuple[int, ...]
    spec: Spec | None
    law: str
    p: float
    source: str
    rule: Rule | None = None


def _options(rule: Rule | None) -> dict[str, Any]:
    """The options of ``rule`` that say how its spec sees a tensor (``Plan.rule``'s keywords), for ``to_plan``."""
    if rule is None:
        return {}
    return {"fans": rule.fans, "layout": rule.layout, "stacked": rule.stacked, "depth": rule.depth,
            "num_layers": rule.num_layers, "first_layer": rule.first_layer}


@dataclass(frozen=True)
class FitReport:
    """What ``ui.fit`` found, one row per parameter."""

    rows: tuple[FitRow, ...]

    def to_plan(self, name: str = "fit") -> Any:
        """One rule per parameter, each with the winning spec. A dense, conv, norm or embedding layer's weight,
        bias, scale, shift or embedding is selected by its module's path, kind and role (``"encoder/fc/*"``,
        dense, weight), so a port that keeps the module names gets it whatever its framework calls the tensor
        (``kernel``, ``gamma``, ``embedding``); the rules of deeper modules come later and win. Any other
        parameter, or one whose module holds another of the same role, is selected by its full path. Each rule
        keeps the winning candidate's ``fans``, ``layout``, ``stacked`` and depth options, so it draws the law
        that was fitted (torch's LSTM and Bilinear weights read their layer's fans, Keras's depthwise kernels its
        own layout)."""
        from collections import Counter

        from .plan import Plan

        def module(r: FitRow) -> str | None:
            layer = "/" in r.path and r.kind in _LAYER_KINDS and r.role in _LAYER_ROLES
            return r.path.rsplit("/", 1)[0] if layer else None

        same = Counter((module(r), r.kind, r.role) for r in self.rows)
        by_module = [r for r in self.rows if module(r) is not None and same[module(r), r.kind, r.role] == 1]
        plan = Plan(name=name)
        for r in sorted(by_module, key=lambda r: r.path.count("/")):  # stable: the rows' order within a depth
            # a path is matched as it is written: "head[0]" holds no character class
            plan = plan.rule(r.spec, path=f"{glob.escape(module(r) or '')}/*", kind=r.kind, role=r.role,
                             **_options(r.rule))
        chosen = {r.path for r in by_module}
        for r in (r for r in self.rows if r.path not in chosen):
            plan = plan.rule(r.spec, path=glob.escape(r.path), role=r.role, **_options(r.rule))
        return plan

    def table(self, width: int = 100) -> str:
        """The fits as aligned columns, cut into slices of at most ``width`` characters (an integer >= 20).

        Raises:
            TypeError, ValueError: ``width`` is not an integer, or is below 20 (see ``plan.table_width``)."""
        from ._table import wrap_table
        from .plan import table_width
        width = table_width("FitReport.table", width)
        head = ("path", "role", "shape", "closest law", "p", "from")
        lines = [head] + [(r.path, r.role, str(r.shape), r.law, "-" if math.isnan(r.p) else f"{r.p:.3g}", r.source)
                          for r in self.rows]
        return wrap_table(lines, width)

    def __str__(self) -> str:
        return self.table()


def _candidates(model: Any) -> list[tuple[str, Any]]:
    """The presets and every family recipe that can be built from the model alone: with its defaults, and, where
    it reads one, from the model's own Hugging Face config (its ``config`` with a ``model_type``: GPT-2's depth,
    the rules its family's ``model_type`` adds). A recipe that needs what no model says (``fixup``'s branches,
    ``mup``'s base width, ``timm``'s architecture, ``deepnet``'s layer counts) is not tried."""
    import inspect

    from . import presets
    out = [(f"presets.{name}", plan) for name, plan in presets.PRESETS.items()]
    config = getattr(model, "config", None)
    config = config if getattr(config, "model_type", None) else None
    for name, recipe in presets.FAMILIES.items():
        family = cast("Callable[..., Any]", recipe)  # mypy reads the table's values as bare functions
        takes = inspect.signature(family).parameters
        if any(q.default is q.empty and q.kind not in (q.VAR_POSITIONAL, q.VAR_KEYWORD) for q in takes.values()):
            continue  # an argument no model gives (timm's arch)
        for how in ({}, {"config": config}) if config is not None and "config" in takes else ({},):
            try:
                out.append((f"presets.{name}", family(**how)))
            except (TypeError, ValueError):  # a config it cannot read (t5's widths on another family), or defaults
                pass  # it refuses (deepnet needs a layer count)
    return out


def _ks(x: Any, law: Any, name: str, structured: bool = False, draw: Any = None) -> _Outcome:
    """One KS test of ``x`` (float64 values) against ``law`` as the dtype the values were written in holds it
    (``stats.ks_1samp``: in bfloat16 and float16 the law rounded to the dtype's numbers), named ``name``; it keeps
    the statistic D too, which breaks ties of p-values that underflow to 0. ``structured``: some exact structure
    of the candidate (orthogonality) was verified before this test. ``draw``: the elementwise draw ``law`` is the
    law of, whose sample variance ``stats.check`` tests too where it applies (an iid float32 or float64 sample):
    then the outcome keeps the two tests' p-value as ``check`` holds them (each at half the level), which ranks
    it."""
    from .verify import stats
    d, p = stats.ks_1samp(x, law)
    variance = None if draw is None else \
        stats.variance_test(x, draw, law, stats.written_in(x, [a for a, _ in law.atoms]), ALPHA)
    return _Outcome(p, 1, True, structured, name, d, None if variance is None else 2.0 * min(p, variance.p))


def _ruled_out(name: str) -> _Outcome:
    """The outcome of a candidate that the values rule out whatever a KS test would say (a value outside its law's
    support, a matrix that is not orthogonal): p = 0 and D infinite, so it ranks below every candidate they do not
    rule out, those whose p-value merely underflows to 0 included."""
    return _Outcome(0.0, 1, True, False, name, math.inf)


def _elementwise(draw: Any, x: Any, dtype: str) -> _Outcome | None:
    """``x`` (flat float64 values) against the elementwise ``draw``: its KS test, or ruled out when a value lies
    outside the law's support (past the dtype's rounding of its ends). None when no law is known for it."""
    from .verify import stats
    try:
        law = stats.distribution(draw)
    except (TypeError, ValueError):
        return None
    slack = stats.ROUNDING.get(dtype, 1e-6)
    low, high = law.support
    outside = x.min() < low - slack * abs(low) or x.max() > high + slack * abs(high)
    return _ruled_out(law.name) if outside else _ks(x, law, law.name, draw=draw)


def _name(draw: Any) -> str:
    """A determined draw in words: a constant's value, else the draw's class."""
    from . import draws as D
    return f"{draw.value:.6g}" if isinstance(draw, D.Constant) else type(draw).__name__


@dataclass(frozen=True)
class _Outcome:
    """A candidate's test on a tensor: the smallest p-value of its random parts and how many there were (the
    p-value is Bonferroni's, their minimum times their number), whether its determined parts hold exactly, whether
    some structure was verified exactly (a determined part, orthogonality), the law's name, and the largest KS
    statistic D of its random parts (0 when it has none; infinite when the values rule the law out). ``q``: the
    smallest p-value of its random parts with their variance tests too, as ``stats.check`` holds them: a part whose
    variance was tested gives twice the smaller of its two p-values (each test at half the part's level); None when
    no variance was tested (``p``)."""

    p: float
    tests: int
    held: bool
    structured: bool
    name: str
    d: float
    q: float | None = None

    def _bonferroni(self, p: float) -> float:
        if not self.held:
            return 0.0
        return min(1.0, p * self.tests) if self.tests else 1.0

    @property
    def pvalue(self) -> float:
        """The KS p-value (Bonferroni's over the random parts): what a row reports, and what passes."""
        return self._bonferroni(self.p)

    @property
    def combined(self) -> float:
        """The p-value of KS and the variance tests together, as ``stats.check`` holds them (Bonferroni's over the
        parts, each part's variance test and KS at half its level): what ranks the candidates that pass. KS alone
        cannot tell N(0, s^2) cut at 2 s from the uncut N(0, (s / 0.8796)^2) on a few hundred values; the variance
        can."""
        return self._bonferroni(self.p if self.q is None else self.q)

    @property
    def distance(self) -> float:
        """D, or infinite when a determined part does not hold: a law the values rule out is the farthest."""
        return self.d if self.held else math.inf


def _combine(parts: list[_Outcome], name: str) -> _Outcome:
    held = all(o.held for o in parts)
    return _Outcome(min((o.p for o in parts if o.tests), default=1.0), sum(o.tests for o in parts), held,
                    held and any(o.structured for o in parts), name, max((o.d for o in parts), default=0.0),
                    min((o.p if o.q is None else o.q for o in parts if o.tests), default=1.0))


def _part(part: Any, dtype: str) -> _Outcome | None:
    """One part of a structured candidate's tensor (``stats.Part``): ruled out where its exact structure is broken
    (a determined part that is not held, as before: held False), else its KS test; None where no law is known."""
    from . import draws as D
    from .verify import stats
    name = f"orthogonal, gain={part.draw.gain:.6g}" if isinstance(part.draw, D.Orthogonal) else _name(part.draw)
    if part.draw.deterministic:
        return _Outcome(1.0, 0, part.broken is None, part.structured, name, 0.0)
    if part.broken is not None:
        return _ruled_out(name)
    if part.draw.elementwise:
        outcome = _elementwise(part.draw, part.values.ravel(), dtype)
        return None if outcome is None else replace(outcome, structured=part.structured)
    try:
        law = stats.distribution(part.draw, part.shape)
    except (TypeError, ValueError):
        return None
    return _ks(part.values.ravel(), law, name, structured=part.structured)


def _structured(draw: Any, x: Any, dtype: str) -> _Outcome | None:
    """``x`` (float64, shaped as the draw was lowered for) against ``draw`` part by part, as ``stats.structure``
    splits it and checks its exact structure (see the module doc); None for a draw it cannot test."""
    from . import draws as D
    from .verify import stats
    if draw.elementwise and not draw.deterministic:
        return _elementwise(draw, x.ravel(), dtype)
    try:
        parts = [_part(part, dtype) for part in stats.structure(draw, x, dtype)]
    except (TypeError, ValueError):
        return None
    done = [o for o in parts if o is not None]
    if len(done) < len(parts) or not done:
        return None
    if isinstance(draw, D.Blocks):
        return _combine(done, f"blocks along axis {draw.axis % x.ndim}: " + " | ".join(o.name for o in done))
    if isinstance(draw, D.Rows):
        base = "; ".join(o.name for o in done[:-1])
        return _combine(done, f"{base}; index {draw.index} of axis {draw.axis % x.ndim}: {done[-1].name}")
    return _combine(done, done[0].name) if len(done) > 1 else done[0]


def _test(rule: Any, spec: Spec, p: Any, x: Any, done: dict[Any, _Outcome | None] | None = None
          ) -> _Outcome | None:
    """``x`` (a parameter's values, flat float64) against the law ``rule`` draws ``p`` from; None when the spec
    refuses the parameter or its draw cannot be tested. An elementwise draw that every layer of a stacked tensor
    shares is tested on all its values at once; a structured one, or one whose spec reads each stacked layer's
    own depth (``presets.torchtitan``'s 1/sqrt(2(l+1)) over an ``eqx.filter_vmap`` stack, where the layers' laws
    differ), layer by layer, each with its own lowering (Bonferroni over the layers). A rule that declares stacked
    axes (``stacked=``) sees the tensor as ``Plan.resolve`` gives it to the rule. ``done``: the outcomes of the
    elementwise draws already tested on ``x``, by draw; several candidates' specs often lower to one draw (torch's
    default and ``VarianceScaling(1/3, "fan_in", "uniform")``), tested once."""
    if rule.stacked is not None:
        if rule.stacked > len(p.shape):
            return None
        p = p._replace(stacked=tuple(range(rule.stacked)))
    per_layer = spec.uses_depth and rule.per_layer(p)  # each stacked layer lowers to its own draw, as apply's
    try:
        draw = spec.lower(rule.info(p, 0 if per_layer else None))  # layer 0's: the tensor has no depth of its own
    except (TypeError, ValueError):
        return None
    if draw.elementwise and not per_layer:
        if done is None:
            return _elementwise(draw, x, p.dtype)
        if draw not in done:
            done[draw] = _elementwise(draw, x, p.dtype)
        return done[draw]
    values = x.reshape(p.shape)
    if not p.stacked:
        return _structured(draw, values, p.dtype)
    layers: list[_Outcome] = []
    for k, index in enumerate(p.slices()):
        at: list[Any] = [slice(None)] * values.ndim
        for axis, i in zip(p.stacked, index):
            at[axis] = i
        try:
            one = draw if k == 0 or not per_layer else spec.lower(rule.info(p, k))
        except (TypeError, ValueError):
            return None
        part = _structured(one, values[tuple(at)], p.dtype)
        if part is None:
            return None
        layers.append(part)
    last = len(layers) - 1  # layers of their own depths have their own laws: the row names the first and the last
    same = all(o.name == layers[0].name for o in layers)
    return _combine(layers, layers[0].name if same else f"layer 0: {layers[0].name} ... layer {last}: "
                    f"{layers[last].name}")


def _fitted_orthogonal(p: Any, x: Any) -> tuple[_Outcome, Spec] | None:
    """``Orthogonal(gain)`` with the gain the values have, when their matrix (as ``Orthogonal`` lowers for the
    parameter) is orthogonal up to that gain and its short side is at least 2 (one row is orthonormal at any
    gain); None otherwise. A stacked tensor (``nnx.vmap``, ``nn.scan``) is tested layer by layer: every layer's
    matrix must be orthogonal at one shared gain, which ``Plan.apply`` draws again layer by layer, and the KS
    p-value is the smallest of the layers' times their number (Bonferroni)."""
    import numpy as np

    from .specs import Orthogonal
    if len(p.slice_shape) < 2:
        return None
    try:
        draw: Any = Orthogonal().lower(p.info())
    except (TypeError, ValueError):
        return None
    values = x.reshape(p.shape)
    layers: list[Any] = []
    for index in p.slices():  # [()] when nothing is stacked: the tensor itself
        at: list[Any] = [slice(None)] * values.ndim
        for axis, i in zip(p.stacked, index):
            at[axis] = i
        layers.append(values[tuple(at)])
    rows = math.prod([p.slice_shape[i] for i in draw.rows(p.slice_shape)])
    short = min(rows, math.prod(p.slice_shape) // rows)
    if short < 2:
        return None
    gain = math.sqrt(float(np.mean([np.sum(layer * layer) / short for layer in layers])))  # the rows' mean norm^2
    if not gain > 0:
        return None
    spec = Orthogonal(gain)
    done = [_structured(spec.lower(p.info()), layer, p.dtype) for layer in layers]
    outcomes = [o for o in done if o is not None]
    if len(outcomes) < len(done) or not all(o.structured for o in outcomes):
        return None
    return _combine(outcomes, outcomes[0].name), spec


def _other_rows(p: Any, x: Any) -> Any:
    """The values of ``p`` (``x``: flat float64) off its padding row, flat, when it has one (``Param.padding_idx``,
    the row ``Rows`` addresses) and that row is exactly zero in every stacked layer; None otherwise."""
    import numpy as np

    from . import draws as D
    from .specs import Rows, Zeros
    if p.padding_idx is None:
        return None
    try:
        draw = Rows(Zeros()).lower(p.info())
    except (TypeError, ValueError):
        return None
    if not isinstance(draw, D.Rows):
        return None
    axis = [k for k in range(len(p.shape)) if k not in p.stacked][draw.axis % len(p.slice_shape)]
    values = x.reshape(p.shape)
    if values.shape[axis] < 2 or np.any(np.take(values, [draw.index], axis=axis) != 0):
        return None
    return np.delete(values, draw.index, axis=axis).ravel()


def _linen_leaf(model: Any, handle: Any) -> Any:
    """What a linen tree holds at ``handle`` (a linen walk's place), or None when ``handle`` is not one."""
    place: tuple[Any, ...] = handle  # read as a tuple only where it is one
    if isinstance(handle, tuple) and len(place) == 3 and isinstance(place[1], tuple):  # a linen tree's place
        collection, path, name = place
        node = model[collection] if collection in model and "params" in model else model
        for k in path:
            node = node[k]
        leaf = node[name]
        return getattr(leaf, "value", leaf)
    return None


def _read(backend: Any, model: Any, handle: Any) -> Any:
    import numpy as np
    leaf = _linen_leaf(model, handle)
    if leaf is not None:
        return np.asarray(leaf, dtype=np.float64)
    return np.asarray(backend.read(handle), dtype=np.float64)


def _abstract(x: Any) -> bool:
    """Is ``x`` a tensor that holds no values: a torch meta tensor, a ``jax.ShapeDtypeStruct``, an MXNet Parameter
    that was never initialized (no data, no deferred initialization)?"""
    if getattr(x, "is_meta", False) is True or type(x).__name__ == "ShapeDtypeStruct":
        return True
    return type(x).__module__.startswith("mxnet") and getattr(x, "_data", 0) is None  # deferred too


def _holds_no_values(model: Any, handle: Any) -> bool:
    """Does the parameter at ``handle`` (a walk's handle) hold no values: its tensor (a linen leaf, an NNX
    variable's value, an Equinox walk's array) is abstract?"""
    leaf = _linen_leaf(model, handle)
    if leaf is not None:
        return _abstract(leaf)
    looked: list[Any] = [handle]
    if isinstance(handle, tuple):  # an Equinox or MXNet walk's handle: its array is one of its parts
        looked += cast("tuple[Any, ...]", handle)
    for x in looked:
        if _abstract(x):
            return True
        get = getattr(cast(Any, type(x)), "get_value", None)  # an NNX variable
        if callable(get):
            try:
                if _abstract(get(x)):
                    return True
            except Exception:  # a variable whose value cannot be read is for the read to report
                pass
    return False


#: why a parameter holds no values, for ``fit``'s refusal, and what to do about it
_NO_VALUES = {
    "abstract": "meta tensors, abstract shapes or MXNet parameters not initialized yet (materialize and initialize "
                "them first: torch's module.to_empty(device=...) and an init; Gluon's net.initialize())",
    "deferred": "shapes not known yet (MXNet's deferred initialization: net.initialize(), then one forward pass)",
    "lazy": "a lazy module's tensors, not built yet (call the model once on data first)"}


def _refuse_no_values(empty: list[tuple[str, str]]) -> None:
    """Refuse the parameters (path, why: a key of ``_NO_VALUES``) that hold no values, named by why.

    Raises:
        ValueError: ``empty`` is not empty."""
    if not empty:
        return
    groups: dict[str, list[str]] = {}
    for path, why in empty:
        groups.setdefault(why, []).append(repr(path))
    said = "; ".join(f"{_NO_VALUES[why]}: {', '.join(paths[:8])}{' ...' if len(paths) > 8 else ''}"
                     for why, paths in groups.items())
    raise ValueError(f"fit: {len(empty)} parameter(s) of the model hold no values, so there is nothing to fit: "
                     f"{said}; allowed: a model whose parameters hold values")


def _refuse_not_finite(bad: list[tuple[str, int, int, int]]) -> None:
    """Refuse the parameters (path, NaN count, inf count, size) holding NaN or inf values, each named with them.

    Raises:
        ValueError: ``bad`` is not empty."""
    if not bad:
        return
    shown = [f"{path!r} ({nan} NaN and {inf} inf of its {size} values)" for path, nan, inf, size in bad[:8]]
    raise ValueError(f"fit: {len(bad)} parameter(s) of the model hold values that are not finite, which no law "
                     f"draws: {'; '.join(shown)}{' ...' if len(bad) > 8 else ''}; allowed: a model whose "
                     "floating-point parameters hold finite values (initialize or repair those first)")


def _check_module_option(backend: Any, model: Any, options: dict[str, Any]) -> None:
    """``module=`` says which torch module a state_dict came from: refused for a model that is no state_dict (an
    ``nn.Module`` describes itself) and for a value that is not an ``nn.Module``.

    Raises:
        TypeError: ``module=`` given (not None) with an ``nn.Module``, or not an ``nn.Module``."""
    from ._validate import shown
    module = options.get("module")
    if backend.NAME != "torch" or module is None:
        return
    import torch
    from .backends.torch.model import refuse_module_option
    refuse_module_option(model, module, "fit")
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"fit: parameter 'module' must be the nn.Module the state_dict came from, got "
                        f"{shown(module)} of type {type(module).__name__}")


def _check_candidates(candidates: Any) -> list[tuple[str, Any]]:
    """``fit``'s ``candidates``, checked: its (name, plan) pairs in the names' order.

    Raises:
        TypeError: ``candidates`` is neither None nor a dict of names (strings) to plans."""
    import reprlib
    from collections.abc import Mapping

    from .plan import Plan
    if candidates is None:
        return []
    allowed = "allowed: None or a dict of names (strings) to unifiedinit Plans, such as {'mine': ui.presets.torch}"
    if not isinstance(candidates, Mapping):
        raise TypeError(f"fit: parameter 'candidates' must be a dict, got {type(candidates).__name__} "
                        f"{reprlib.repr(candidates)}; {allowed}")
    pairs: list[tuple[Any, Any]] = list(cast("Mapping[Any, Any]", candidates).items())
    for name, plan in pairs:
        if not isinstance(name, str):
            raise TypeError(f"fit: parameter 'candidates' has the key {reprlib.repr(name)}, not a string; {allowed}")
        if not isinstance(plan, Plan):
            hint = " (a spec: make it a plan, ui.Plan().rule(spec, ...))" if isinstance(plan, Spec) else ""
            raise TypeError(f"fit: parameter 'candidates' maps {name!r} to {reprlib.repr(plan)}, not a Plan{hint}; "
                            f"{allowed}")
    return sorted(pairs, key=lambda pair: pair[0])  # ties go to the first: by name, not by the dict's order


def fit(model: Any, *, candidates: dict[str, Any] | None = None, **options: Any) -> FitReport:
    """The closest catalog law of every floating-point parameter of ``model`` (see the module doc).

    Args:
        model: a built model of any supported framework (what ``plan.apply`` and ``ui.inspect`` take).
        candidates: more plans to try, a dict of names to ``Plan`` s (``{"mine": plan}``), besides the presets
            and the family recipes; a winner's ``source`` is its name. Tried in the names' order.
        **options: how to read the model, as ``plan.apply`` and ``ui.inspect`` take them: ``params=`` and
            ``inputs=`` for a linen module (``fit(module, params=variables, inputs=(x,))`` reads ``nn.scan``'s
            stacked layers exactly), ``module=`` for a torch state_dict (the ``nn.Module`` it came from; refused
            with an ``nn.Module``, which describes itself).

    Returns:
        A ``FitReport``: per floating-point parameter (not a quantized layer's scales) the closest law, its KS
        p-value and where it came from (a zero-size one: a row that says it has no values to fit, which the plan
        keeps); ``str()`` is a table, ``.to_plan()`` a plan that redraws every parameter
        from its law ("copy this model's init").

    Raises:
        TypeError: ``candidates`` is not a dict of names to plans, ``model`` belongs to no supported framework,
            an option its framework does not take (named with those it does), ``module=`` given with a torch
            ``nn.Module`` or not an ``nn.Module``, or what the framework's walk raises for the options (a linen
            module without ``params=``).
        ValueError: a floating-point parameter holds no values (a torch meta tensor or a lazy module's unbuilt
            one, a ``jax.ShapeDtypeStruct``, an MXNet parameter not initialized or whose shape is still deferred),
            refused before any value is read; or one holds NaN or inf values, refused before any is fitted. The
            message names each such parameter (the first 8) and why.

    Examples:
        ``plan = ui.fit(torch_model).to_plan()`` and then ``plan.apply(flax_port, seed=0)`` copies the
        initialization into a port; a torch layer at its defaults is found to be torch's own, an embedding with a
        padding row too (its row of zeros is part of the law):

        >>> import torch
        >>> import unifiedinit as ui
        >>> _ = torch.manual_seed(0)
        >>> report = ui.fit(torch.nn.Linear(64, 10))
        >>> [(row.path, row.law, row.source) for row in report.rows]
        [('weight', 'U[-0.125, 0.125)', 'presets.torch'), ('bias', 'U[-0.125, 0.125)', 'presets.torch')]
        >>> row = ui.fit(torch.nn.Embedding(100, 16, padding_idx=0)).rows[0]
        >>> row.law, row.source
        ('N(0, 1^2); index 0 of axis 0: 0', 'presets.torch')
    """
    import numpy as np

    from ._validate import FLOAT_DTYPES
    from .apply import backend_of, check_options
    from .plan import Plan
    from .specs import Constant, Normal, Rows, Uniform
    from .verify import stats
    mine = _check_candidates(candidates)
    backend = backend_of(model)
    check_options(backend, options, "fit", ("candidates",), reading=True)  # the options that say how to read it
    _check_module_option(backend, model, options)
    lazy: list[str] = []  # torch: a lazy module's tensors, not built yet, are no records; their paths come here
    found = backend.walk(model, **options, lazy=lazy) if backend.NAME == "torch" else backend.walk(model, **options)
    tree = options.get("params", model)  # a linen module's values are in its variables tree
    keyed = Plan().resolve([p for p, _ in found], warn=False, dry_run=True).params
    handles = {p.path: h for p, h in found}
    fittable = [p for p in keyed if p.dtype in FLOAT_DTYPES and p.role not in ("quantization", "fixed")]
    empty = [(p.path, "deferred" if not p.known else "abstract") for p in fittable
             if not p.known or _holds_no_values(tree, handles[p.path])]
    _refuse_no_values(empty + [(path, "lazy") for path in dict.fromkeys(lazy)])
    bad: list[tuple[str, int, int, int]] = []  # every parameter is read once first: no law fits NaN or inf
    for p in fittable:
        x = _read(backend, tree, handles[p.path])
        if not np.isfinite(x).all():
            bad.append((p.path, int(np.isnan(x).sum()), int(np.isinf(x).sum()), int(x.size)))
        del x
    _refuse_not_finite(bad)
    plans = _candidates(options.get("module", model)) + mine
    rows: list[FitRow] = []

    def rank(o: _Outcome) -> tuple[bool, bool, float, float]:
        # passing (KS), then passing with its exact structure, then the p-value of KS and the variance test together
        # (``stats.check``'s), then the smaller D: over a million values the p-values of every law they do not come
        # from underflow to 0, and D, which does not, orders those (a law the values rule out has an infinite D, so
        # it is never named while another is not ruled out)
        passes = o.pvalue > ALPHA
        return passes, passes and o.structured, o.combined, -o.distance

    for p in fittable:  # not a quantized layer's int8 kernel and scales nor fixed values: state, not drawn, no law
        x = _read(backend, tree, handles[p.path]).ravel()
        if x.size == 0:  # nothing to test and nothing to draw: a row that says so, whose rule keeps it
            rows.append(FitRow(p.path, p.kind, p.role, p.shape, None, EMPTY_LAW, math.nan, "empty"))
            continue
        best: tuple[_Outcome, Spec, str] | None = None
        won: Rule | None = None  # the winning candidate's rule
        constant = (_Outcome(1.0, 0, True, False, f"exactly {float(x[0]):.6g}", 0.0), Constant(float(x[0])),
                    "constant")
        if x.size > 1 and np.all(x == x[0]):
            best = constant
        else:
            # one value cannot be told from a constant: the candidates' laws are tried first, so a law that holds
            # it with a positive density (a Linear(8, 1)'s bias) or a preset's exact constant wins
            tried: set[tuple[Any, ...]] = set()
            done: dict[Any, _Outcome | None] = {}  # the elementwise draws tested on x, by draw
            for source, plan in plans:
                i = plan.match(p)
                rule = None if i is None else plan.rules[i]
                spec = None if rule is None else rule.spec
                if rule is None or spec is None:
                    continue
                how = (spec, rule.fans, rule.layout, rule.stacked, rule.depth, rule.num_layers, rule.first_layer)
                if how in tried:
                    continue
                tried.add(how)
                outcome = _test(rule, spec, p, x, done)
                if outcome is None:
                    continue
                if outcome.held and not outcome.tests:  # a table (S4DReal, Sinusoidal, Eye): its values exactly
                    best, won = (_Outcome(1.0, 0, True, True, repr(spec), 0.0), spec, source), rule
                    break
                if best is None or rank(outcome) > rank(best[0]):
                    best, won = (outcome, spec, source), rule
            if x.size == 1 and (best is None or best[0].pvalue <= ALPHA):  # no law holds it: its value
                best, won = constant, None
            elif best is None or best[0].pvalue <= ALPHA:
                # no candidate passes, so none is named, though its p-value (or its D, where every p-value
                # underflows to 0) may beat a fitted law's: the fitted laws compete among themselves, and the failed
                # candidate stays only where no law can be fitted to the values
                failed, best = best, None
                # an embedding's exact zero padding row is kept: the law is fitted to the other rows, in ``Rows``
                # as the presets give it, so ``to_plan`` writes the row's zeros again
                rest = _other_rows(p, x)
                y = x if rest is None else rest
                mean, std = float(y.mean()), float(y.std())
                low, high = float(y.min()), float(y.max())
                span = (high - low) / max(y.size - 1, 1)  # the range of n uniforms falls short by about this
                for base in (Normal(mean, std), Uniform(low - span, high + span)):
                    if rest is None:
                        fitted: Spec = base
                        law = stats.distribution(fitted.lower(p.info()), p.shape)
                        tested: _Outcome | None = _ks(x, law, law.name)
                    else:
                        fitted = Rows(base)
                        tested = _test(Plan().rule(fitted).rules[0], fitted, p, x)
                    if tested is not None and (best is None or rank(tested) > rank(best[0])):
                        best, won = (tested, fitted, "fitted"), None
                best = failed if best is None else best
            assert best is not None
            if best is not constant and not best[0].structured:  # orthogonal at a gain no candidate has
                orthogonal = _fitted_orthogonal(p, x)
                if orthogonal is not None and rank(orthogonal[0]) > rank(best[0]):
                    best, won = (orthogonal[0], orthogonal[1], "fitted"), None
        assert best is not None
        rows.append(FitRow(p.path, p.kind, p.role, p.shape, best[1], best[0].name, best[0].pvalue, best[2], won))
    return FitReport(tuple(rows))
