"""``ui.fit(model)``: the law each parameter of an existing model was drawn from, and a plan that draws it again.

For every floating-point parameter the values are tested against candidate laws: every framework preset's spec for
that parameter and every family recipe's (lowered with the parameter's shape and fans; ``hf`` and ``t5`` read a
Hugging Face model's own ``config``), exact constants, and, when
none of those passes, a normal and a uniform fitted to the values (their moments or their range). The candidate
with the largest KS p-value wins; a determined candidate (a table: ``S4DReal``, ``Sinusoidal``) is compared value
by value instead, and wins with p = 1 when the values are its own, rounded to the dtype. ``fit(model).to_plan()``
is one rule per parameter (a layer's tensor by its module's path and its role), so "copy this model's
initialization into my port" is ``ui.fit(torch_model).to_plan().apply(flax_model, ...)`` where the two share their
module paths, whatever each framework calls the tensor (``weight``, ``kernel``), and
``fit(model).table()`` says what was found.

A fitted normal or uniform takes its parameters from the same values it is tested on, so its p-value is
optimistic (Lilliefors); such rows are marked ``fitted``. A pretrained model's parameters follow no catalog
law: they come back as fitted laws with small p-values, which the table shows.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass
from typing import Any

from .specs import Spec

#: a candidate passes when its KS p-value exceeds this
ALPHA = 1e-4

#: the layer kinds whose tensors ``FitReport.to_plan`` selects by module path, kind and role
_LAYER_KINDS = ("dense", "conv", "norm", "embedding")
#: ... and their roles so selected (not "other": a quantized layer's scales, and its integer kernel, are "other")
_LAYER_ROLES = ("weight", "bias", "scale", "shift", "embedding")


@dataclass(frozen=True)
class FitRow:
    """One parameter: its path, kind and role, shape, the winning spec, the law's name, the KS p-value (1.0 for
    an exact constant), where the candidate came from ("presets.torch", "constant", "fitted", ...)."""

    path: str
    kind: str
    role: str
    shape: tuple[int, ...]
    spec: Spec
    law: str
    p: float
    source: str


@dataclass(frozen=True)
class FitReport:
    """What ``ui.fit`` found, one row per parameter."""

    rows: tuple[FitRow, ...]

    def to_plan(self, name: str = "fit") -> Any:
        """One rule per parameter, each with the winning spec. A dense, conv, norm or embedding layer's weight,
        bias, scale, shift or embedding is selected by its module's path, kind and role (``"encoder/fc/*"``,
        dense, weight), so a port that keeps the module names gets it whatever its framework calls the tensor
        (``kernel``, ``gamma``, ``embedding``); the rules of deeper modules come later and win. Any other
        parameter, or one whose module holds another of the same role, is selected by its full path."""
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
            plan = plan.rule(r.spec, path=f"{glob.escape(module(r) or '')}/*", kind=r.kind, role=r.role)
        chosen = {r.path for r in by_module}
        for r in (r for r in self.rows if r.path not in chosen):
            plan = plan.rule(r.spec, path=glob.escape(r.path), role=r.role)
        return plan

    def table(self, width: int = 100) -> str:
        """The fits as aligned columns, cut into slices of at most ``width`` characters."""
        from ._table import wrap_table
        head = ("path", "role", "shape", "closest law", "p", "from")
        lines = [head] + [(r.path, r.role, str(r.shape), r.law, f"{r.p:.3g}", r.source) for r in self.rows]
        return wrap_table(lines, width)

    def __str__(self) -> str:
        return self.table()


def _candidates(model: Any) -> list[tuple[str, Any]]:
    """The presets and the family recipes; ``hf`` and ``t5`` also as they read the model's own Hugging Face config
    (its ``config`` with a ``model_type``) where it has one, for the rules its family's ``model_type`` adds."""
    from . import presets
    out = [(f"presets.{name}", plan) for name, plan in presets.PRESETS.items()]
    config = getattr(model, "config", None)
    config = config if getattr(config, "model_type", None) else None
    for name in ("hf", "t5", "torchtitan"):
        family: Any = presets.FAMILIES[name]
        out.append((f"presets.{name}", family()))
        if config is not None and name != "torchtitan":
            try:
                out.append((f"presets.{name}", family(config=config)))
            except (TypeError, ValueError):  # a config the recipe cannot read (t5's widths on another family)
                pass
    return out


#: how far a stored value may lie from the exact one, relative, once rounded to the dtype
_ROUNDING = {"float16": 1e-3, "bfloat16": 8e-3, "float32": 1e-6, "float64": 1e-12}


def _exactly(spec: Any, info: Any, p: Any, x: Any) -> str | None:
    """The law's name when ``x`` (a parameter's values, flattened) holds exactly what the determined ``spec`` writes
    there, rounded to the parameter's dtype; None when it does not, or the spec draws at random or refuses it."""
    import numpy as np

    from .samplers import determined
    if p.stacked:
        return None
    try:
        draw = spec.lower(info)
        if not draw.deterministic:
            return None
        want = determined(draw, tuple(p.shape)).ravel()
    except (TypeError, ValueError):
        return None
    tol = _ROUNDING.get(p.dtype, 1e-6)
    return repr(spec) if want.shape == x.shape and np.allclose(x, want, rtol=tol, atol=1e-12) else None


def _read(backend: Any, model: Any, handle: Any) -> Any:
    import numpy as np
    place: tuple[Any, ...] = handle  # read as a tuple only where it is one
    if isinstance(handle, tuple) and len(place) == 3 and isinstance(place[1], tuple):  # a linen tree's place
        collection, path, name = place
        node = model[collection] if collection in model and "params" in model else model
        for k in path:
            node = node[k]
        leaf = node[name]
        return np.asarray(getattr(leaf, "value", leaf), dtype=np.float64)
    return np.asarray(backend.read(handle), dtype=np.float64)


def fit(model: Any, *, candidates: dict[str, Any] | None = None) -> FitReport:
    """The closest catalog law of every floating-point parameter of ``model`` (see the module doc).

    Args:
        model: a built model of any supported framework.
        candidates: more plans to try, ``{name: plan}``, besides the presets and the family recipes.

    Returns:
        A ``FitReport``: per parameter the closest law, its KS p-value and where it came from; ``str()`` is a
        table, ``.to_plan()`` a plan that redraws every parameter from its law ("copy this model's init").

    Raises:
        TypeError: ``model`` belongs to no supported framework.

    Examples:
        ``plan = ui.fit(torch_model).to_plan()`` and then ``plan.apply(flax_port, seed=0)`` copies the
        initialization into a port; a torch layer at its defaults is found to be torch's own:

        >>> import torch
        >>> import unifiedinit as ui
        >>> _ = torch.manual_seed(0)
        >>> report = ui.fit(torch.nn.Linear(64, 10))
        >>> [(row.path, row.law, row.source) for row in report.rows]
        [('weight', 'U[-0.125, 0.125)', 'presets.torch'), ('bias', 'U[-0.125, 0.125)', 'presets.torch')]
    """
    import numpy as np

    from ._validate import FLOAT_DTYPES
    from .apply import records
    from .plan import Plan
    from .specs import Constant, Normal, Uniform
    from .verify import stats
    backend, found = records(model)
    plans = _candidates(model) + list((candidates or {}).items())
    keyed = Plan().resolve([p for p, _ in found], warn=False, dry_run=True).params
    handles = {p.path: h for p, h in found}
    rows: list[FitRow] = []
    for p in keyed:
        if not p.known or p.dtype not in FLOAT_DTYPES:  # a quantized int8 kernel has no law here
            continue
        x = _read(backend, model, handles[p.path]).ravel()
        if x.size == 0 or not np.isfinite(x).all():
            continue
        best: tuple[float, Spec, str, str] | None = None
        if np.all(x == x[0]):
            best = (1.0, Constant(float(x[0])), f"exactly {float(x[0]):.6g}", "constant")
        else:
            tried: set[Spec] = set()
            for source, plan in plans:
                i = plan.match(p)
                spec = None if i is None else plan.rules[i].spec
                if spec is None or spec in tried:
                    continue
                tried.add(spec)
                if not spec.elementwise:  # a table (S4DReal, Sinusoidal, Eye): the values themselves, or nothing
                    name = _exactly(spec, plan.rules[i].info(p), p, x)
                    if name is not None:
                        best = (1.0, spec, name, source)
                        break
                    continue
                try:
                    draw = spec.lower(plan.rules[i].info(p))
                    law = stats.distribution(draw, p.shape)
                except (TypeError, ValueError):
                    continue
                # a value outside the law's support (past the dtype's rounding of its ends) rules the law out
                slack = _ROUNDING.get(p.dtype, 1e-6)
                low, high = law.support
                outside = x.min() < low - slack * abs(low) or x.max() > high + slack * abs(high)
                pvalue = 0.0 if outside else stats.ks_1samp(x, law)[1]
                if best is None or pvalue > best[0]:
                    best = (pvalue, spec, law.name, source)
            if best is None or best[0] <= ALPHA:
                mean, std = float(x.mean()), float(x.std())
                low, high = float(x.min()), float(x.max())
                span = (high - low) / max(x.size - 1, 1)  # the range of n uniforms falls short by about this
                for spec in (Normal(mean, std), Uniform(low - span, high + span)):
                    law = stats.distribution(spec.lower(p.info()), p.shape)
                    pvalue = stats.ks_1samp(x, law)[1]
                    if best is None or pvalue > best[0]:
                        best = (pvalue, spec, law.name, "fitted")
        assert best is not None
        rows.append(FitRow(p.path, p.kind, p.role, p.shape, best[1], best[2], best[0], best[3]))
    return FitReport(tuple(rows))
