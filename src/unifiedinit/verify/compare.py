"""The comparison report: every spec of the catalog on a Dense and a Conv kernel, sampled natively by every
installed framework and by the exact reference, each sample checked against the exact distribution of the
spec's lowering, and each framework's sample against the reference's (two-sample KS).

Every backend offers ``sample(spec, shape, layout=, seed=)``, its native sampling returned as NumPy, in its
own storage layout; the report moves the values back to torch's layout, so one table compares them.
"""
# matplotlib: its stubs leave the **kwargs of Figure and Axes methods unannotated (fig.legend, ax.plot, ...)
# pyright: reportUnknownMemberType=false

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import textwrap
import time
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Sequence, TextIO, cast

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .stats import Verdict

from .._validate import representable
from ..layout import TensorInfo, get_layout, permutation
from ..specs import FromArray, Spec, examples

#: layer -> (shape in torch's layout, the torch layout that names its axes)
LAYERS: dict[str, tuple[tuple[int, ...], str]] = {
    "dense": ((256, 512), "torch"), "conv": ((64, 32, 3, 3), "torch"),
    "conv_transpose": ((64, 32, 3, 3), "torch_conv_transpose")}
DEFAULT_LAYERS = ("dense", "conv")

#: (spec, shape, layout, seed) -> the sample as NumPy; shape and layout are torch's (a native sampler moves its
#: values back from its framework's layout)
Sampler = Callable[[Spec, tuple[int, ...], str, int], np.ndarray]
#: layer name -> (shape in torch's layout, the torch layout that names its axes), as ``LAYERS``
Layers = dict[str, tuple[tuple[int, ...], str]]
#: sampler name -> its sample
Drawn = dict[str, np.ndarray]


def samplers(progress: TextIO | None = None, only: Sequence[str] | None = None) -> dict[str, Sampler]:
    """The reference and every framework backend that is installed (or those in ``only``); a missing one is
    reported and skipped.

    Args:
        progress: where a skipped framework is reported (a text stream); default ``sys.stderr``.
        only: the samplers to use: ``"reference"`` and framework names (``unifiedinit.backends.FRAMEWORKS``);
            default all of them. An unknown name is ignored.

    Returns:
        {name: Sampler}: the reference first, then the installed frameworks in registry order.

    Examples:
        >>> sorted(samplers(only=["reference"]))
        ['reference']
    """
    from ..backends import FRAMEWORKS, get_backend
    from ..reference import sample
    found: dict[str, Sampler] = {}
    if only is None or "reference" in only:
        found["reference"] = lambda spec, shape, layout, seed: sample(spec, shape, layout=layout, seed=seed)
    for name in FRAMEWORKS:
        if only is not None and name not in only:
            continue
        try:
            backend = get_backend(name)
        except ImportError as err:
            print(f"skipping {name}: {err}", file=sys.stderr if progress is None else progress)
            continue
        found[name] = _native_sampler(backend)
    return found


def _native_sampler(backend: ModuleType) -> Sampler:
    return lambda spec, shape, layout, seed: native(backend, spec, shape, seed, layout)


def native(backend: ModuleType, spec: Spec, shape: tuple[int, ...], seed: int, layout: str = "torch") -> np.ndarray:
    """Sample with ``backend`` in its own layout (a torch (out, in, kh, kw) kernel becomes Keras's and Flax's
    (kh, kw, in, out); a torch ConvTranspose weight Keras's (kh, kw, out, in)), then move the values back to
    torch's layout for the comparison. A spec that follows the storage order (``S4DReal``, ``MixedRoPE``) is
    sampled in ``shape`` as it is: no layout moves its axes.

    Args:
        backend: a backend package, as ``unifiedinit.backends.get_backend(name)`` returns it.
        spec: any catalog spec.
        shape: the weight's shape in ``layout`` (torch's axis order).
        seed: the framework's seed (an int >= 0).
        layout: a torch layout: ``"torch"``, ``"torch_conv_transpose"`` or ``"torch_embedding"``.

    Returns:
        A NumPy array of ``shape``, in ``layout``.

    Raises:
        TypeError, ValueError: the spec does not apply to the shape (as the backend's ``sample`` says).

    Examples:
        >>> from unifiedinit import Normal
        >>> from unifiedinit.backends import get_backend
        >>> x = native(get_backend("flax"), Normal(0, 0.02), (64, 32, 3, 3), seed=0)  # Flax keeps (3, 3, 32, 64)
        >>> x.shape, x.dtype.name
        ((64, 32, 3, 3), 'float32')
    """
    own: str = backend.NATIVE_LAYOUTS.get(layout, layout)  # "torch_conv_transpose" -> Keras's "keras_conv_transpose"
    if len(shape) < 2 or own == layout or spec.storage_order:  # a storage-ordered spec's axes are not a layer's
        return backend.sample(spec, shape, layout=layout, seed=seed)
    perm = permutation(get_layout(layout), get_layout(own), len(shape))
    x: np.ndarray = backend.sample(spec, tuple(shape[p] for p in perm), layout=own, seed=seed)
    return np.transpose(x, np.argsort(perm))


def applicable(spec: Spec, shape: tuple[int, ...], layout: str = "torch",
               exact: bool = False) -> tuple[int, ...] | None:
    """The shape to use for ``spec`` on a layer of ``shape`` in ``layout``, or None when the spec does not apply
    (its lowering refuses the tensor: eye on a kernel, dirac on a matrix, a delta-orthogonal kernel with more inputs
    than outputs; ``S4DReal``, written by storage order, on any layer). An array spec takes its own shape when it
    has the layer's rank, unless ``exact``.

    Args:
        spec: any catalog spec.
        shape: the layer's weight shape in ``layout``.
        layout: a registered layout name (``unifiedinit.LAYOUTS``).
        exact: ``shape`` itself was asked for (``--shape``): an array spec of another shape does not apply.

    Returns:
        The shape to sample, or None when the spec does not apply.

    Examples:
        >>> from unifiedinit import Eye, FromArray, Normal
        >>> applicable(Normal(), (256, 512)), applicable(Eye(), (64, 32, 3, 3))
        ((256, 512), None)
        >>> applicable(FromArray([[1.0, 2.0]]), (3, 3)), applicable(FromArray([[1.0, 2.0]]), (3, 3), exact=True)
        ((1, 2), None)
    """
    if isinstance(spec, FromArray):
        return spec.shape if len(shape) == len(spec.shape) and (not exact or spec.shape == shape) else None
    return None if refusal(spec, shape, layout) else shape


def refusal(spec: Spec, shape: tuple[int, ...], layout: str = "torch") -> str | None:
    """Why ``spec`` cannot be sampled on a float32 layer of ``shape`` in ``layout`` for the report, or None.

    Args:
        spec: any catalog spec.
        shape: the layer's weight shape in ``layout``.
        layout: a registered layout name.

    Returns:
        The reason in words (the spec's own refusal, or its values past float32), or None when it applies.

    Examples:
        >>> from unifiedinit import Constant, Normal
        >>> refusal(Normal(), (256, 512)) is None, refusal(Constant(1e39), (4, 4))[:40]
        (True, "parameter 'tensor' has dtype float32, wh")
    """
    try:  # the spec's own refusal first: it says what is wrong with this shape
        draw = spec.lower(TensorInfo.make(shape, layout))
        representable(draw, "float32")  # the report samples float32
    except (TypeError, ValueError) as err:
        return str(err)
    if spec.storage_order:
        return ("it writes its values along the tensor's axes as stored (S4DReal's last axis, a FromArray's "
                "values without a layout), which no layer layout moves, so no layer of the report takes it; sample "
                "it with ui.sample")
    return None


def _picture_format(path: str) -> None:
    """Refuse, before the run, a picture file whose suffix matplotlib cannot write (``.txt``)."""
    import importlib.util

    from ..cli import Problem
    if importlib.util.find_spec("matplotlib") is None:
        return  # no picture at all: said after the run
    from matplotlib.backend_bases import FigureCanvasBase
    suffix = os.path.splitext(path)[1][1:].lower() or "png"  # no suffix: matplotlib writes a PNG
    formats = FigureCanvasBase.get_supported_filetypes()
    if suffix not in formats:
        raise Problem(f"--picture {path}: matplotlib writes no {suffix!r} files; choose one of "
                      f"{', '.join(sorted(formats))}")


def _picture_path(path: str) -> str:
    """The file matplotlib writes for ``path``: a name without a suffix, or one ending in dots (``c2.``), gets
    its dots dropped and ``.png`` added, as ``savefig`` does."""
    return path if os.path.splitext(path)[1][1:] else path.rstrip(".") + ".png"


def _json_value(x: Any) -> Any:
    """``x`` with every number that is not finite (an unbounded side of a support, a NaN) as None, so JSON null:
    RFC 8259 JSON has no Infinity or NaN."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _json_value(v) for k, v in cast(dict[str, Any], x).items()}
    if isinstance(x, (list, tuple)):
        return [_json_value(v) for v in cast(Sequence[Any], x)]
    return x


def _laid_out() -> list[Spec]:
    """The catalog's examples a layer can take: all but those that follow the storage order (``S4DReal``)."""
    return [s for s in examples() if not s.storage_order]


@dataclass
class Row:
    """One line of the report: one sampler's sample of one spec on one layer, and its verdicts.

    Args:
        spec: the spec's ``repr``.
        framework: the sampler: ``"reference"`` or a framework name.
        layer: the layer's name: a key of ``LAYERS``, the shape given with ``--shape`` (``"64x32x3x3"``), or both
            (``"conv_transpose 64x32x3x3"``) when ``--layer`` and ``--shape`` are given together.
        shape: the weight's shape in torch's layout.
        fans: the weight's (fan_in, fan_out); (0, 0) under two dimensions.
        verdict: the sample checked against the exact law (``unifiedinit.verify.stats.check``).
        p_reference: the two-sample KS p-value against the reference's sample (None for the reference itself and
            for determined specs).
        alpha: the significance level both tests are held to, in (0, 1).

    Examples:
        >>> from unifiedinit import Normal, sample
        >>> from unifiedinit.verify import stats
        >>> x = sample(Normal(0, 0.02), (256, 512), seed=0)
        >>> row = Row("Normal(mean=0.0, std=0.02)", "reference", "dense", (256, 512), (512, 256),
        ...           stats.check(x, Normal(0, 0.02)))
        >>> row.ok, row.cells()[-1], row.as_json()["fan_in"], row.as_json()["support"]
        (True, 'PASS', 512, [None, None])
    """
    spec: str
    framework: str
    layer: str
    shape: tuple[int, ...]
    fans: tuple[int, int]
    verdict: "Verdict"
    #: two-sample KS p-value against the reference's sample (None for the reference and determined specs)
    p_reference: float | None = None
    alpha: float = field(default=1e-4, repr=False)

    @property
    def ok(self) -> bool:
        """The sample passes: its verdict is ok and its p-value against the reference (if any) is above alpha."""
        return bool(self.verdict.ok) and (self.p_reference is None or self.p_reference > self.alpha)

    def cells(self) -> tuple[str, ...]:
        """The row as the report's columns (``HEADER``), for the text table and the HTML report."""
        v = self.verdict
        sup = "-" if v.support is None else f"[{v.support[0]:.3g}, {v.support[1]:.3g}]"
        return (f"{self.framework} {self.layer}", str(self.shape), _fmt(v.expected_mean), _fmt(v.expected_std), sup,
                _fmt(v.mean), _fmt(v.std), _fmt(v.minimum), _fmt(v.maximum), _fmt(v.ks), _fmt(v.p),
                _fmt(self.p_reference), "PASS" if self.ok else "FAIL")

    def as_json(self) -> dict[str, Any]:
        """The row as plain JSON values (what ``--json`` writes).

        Returns:
            A dict: spec, framework, layer, shape, fans, verdicts, the expected and the measured moments, the
            p-values and the reasons for a failure. A number that is not finite is None (JSON null): ``support`` is
            ``[low, high]`` with None for an unbounded side (a normal's is ``[None, None]``), so the file is strict
            RFC 8259 JSON (no Infinity, no NaN).
        """
        v = self.verdict
        return _json_value({
                "spec": self.spec, "framework": self.framework, "layer": self.layer, "shape": list(self.shape),
                "fan_in": self.fans[0], "fan_out": self.fans[1], "ok": self.ok, "law": v.law, "exact": v.exact,
                "expected_mean": v.expected_mean, "expected_std": v.expected_std,
                "support": list(v.support) if v.support else None, "mean": v.mean, "std": v.std,
                "min": v.minimum, "max": v.maximum, "ks": v.ks, "p": v.p, "p_vs_reference": self.p_reference,
                "reasons": list(v.reasons)})


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.4g}"


@dataclass
class Result:
    """What ``run`` returns: every row, the samples the pictures are drawn from, and how the run was made.

    Args:
        rows: one ``Row`` per (spec, layer, sampler).
        samples: spec repr -> (layer, shape, layout, {sampler: sample}) of the first layer the spec applies to.
        specs: the specs, in the order they were run.
        frameworks: the samplers used (``"reference"`` and framework names).
        seconds: how long the run took.
        seed: the seed every sampler was given.
        skipped: (spec repr, layer, shape, why) for each shape asked for that a spec cannot take (``run``'s
            ``exact``), or each layer of a spec no layer takes, in the order they were met.

    Examples:
        >>> import io
        >>> from unifiedinit import Normal
        >>> result = run([Normal(0, 0.02)], ["dense"], frameworks=["reference"], out=io.StringIO(),
        ...              progress=io.StringIO())
        >>> result.ok, result.frameworks, list(result.samples)
        (True, ['reference'], ['Normal(mean=0.0, std=0.02)'])
    """
    rows: list[Row]
    #: spec repr -> (layer, shape, layout, {framework: sample}) of the first layer the spec applies to
    samples: dict[str, tuple[str, tuple[int, ...], str, Drawn]]
    specs: list[Spec]
    frameworks: list[str]
    seconds: float
    seed: int = 0
    #: (spec repr, layer, shape, why) of each shape asked for (``run(exact=True)``) that a spec cannot take, or of
    #: each layer of a spec that no layer takes
    skipped: list[tuple[str, str, tuple[int, ...], str]] = field(default_factory=lambda: [])

    @property
    def ok(self) -> bool:
        """Every row passes."""
        return all(r.ok for r in self.rows)


HEADER: tuple[str, ...] = ("sampler layer", "shape", "exp mean", "exp std", "support", "mean", "std", "min", "max",
                           "KS D", "p", "p vs ref", "verdict")


def run(specs: Sequence[Spec] | None = None, layers: Layers | Sequence[str] = DEFAULT_LAYERS, seed: int = 0,
        out: TextIO | None = None, progress: TextIO | None = None, frameworks: Sequence[str] | None = None,
        width: int = 100, exact: bool = False) -> Result:
    """Sample and check every spec on every layer with every sampler; print one table per spec (cut into slices
    of at most ``width`` columns) to ``out`` and progress to ``progress``.

    Each spec is sampled on every layer it applies to (``applicable``); each sample is checked against the exact
    law of the spec's lowering, and each framework's sample against the reference's (two-sample KS), at
    ``unifiedinit.verify.stats.ALPHA``. With ``exact`` the layers' shapes are those asked for (``--shape``): a
    spec that cannot take one (``Eye`` on a 4-d kernel, an array of another shape) is skipped on it, said in a
    line under its table and kept in ``Result.skipped``; so is a spec that no layer of the run takes (``Eye`` with
    only a conv layer). On the layers it does not take otherwise (``Eye`` on the default conv), it is left out.

    Args:
        specs: the specs to check; default the catalog's examples (``unifiedinit.examples()``) but those that
            follow the storage order (``S4DReal``), which no layer layout takes.
        layers: layer names (keys of ``LAYERS``: "dense", "conv", "conv_transpose") or a {name: (shape in torch's
            layout, layout)} dict; default dense and conv.
        seed: the seed every sampler gets (an int >= 0).
        out: where the tables go (a text stream); default ``sys.stdout``.
        progress: where progress and skipped frameworks go; default ``sys.stderr``.
        frameworks: the samplers: ``"reference"`` and framework names; default the reference and every installed
            framework.
        width: the most columns a table may take; a wider one is cut into slices.
        exact: the layers' shapes were asked for as they are (``applicable``'s ``exact``); skips are said.

    Returns:
        The ``Result``: its rows, the samples and ``ok`` when every row passes.

    Raises:
        KeyError: a layer name that is not in ``LAYERS``.
        ImportError: SciPy is not installed (the exact laws need it).

    Examples:
        >>> import io
        >>> from unifiedinit import Normal
        >>> result = run([Normal(0, 0.02)], ["dense"], frameworks=["reference"], out=io.StringIO(),
        ...              progress=io.StringIO())
        >>> result.ok, [(r.framework, r.layer, r.shape) for r in result.rows]
        (True, [('reference', 'dense', (256, 512))])
    """
    from .._table import wrap_table
    from . import stats
    out = sys.stdout if out is None else out
    progress = sys.stderr if progress is None else progress
    specs = list(_laid_out() if specs is None else specs)
    layers = {name: LAYERS[name] for name in layers} if not isinstance(layers, dict) else layers
    found = samplers(progress, frameworks)
    rows: list[Row] = []
    samples: dict[str, tuple[str, tuple[int, ...], str, Drawn]] = {}
    skipped: list[tuple[str, str, tuple[int, ...], str]] = []
    started = time.perf_counter()
    for i, spec in enumerate(specs, 1):
        print(f"[{i}/{len(specs)}] {spec!r} ({time.perf_counter() - started:.1f} s)", file=progress, flush=True)
        print("\n" + textwrap.fill(repr(spec), width, subsequent_indent="    ", break_long_words=True), file=out)
        table: list[tuple[str, ...]] = [HEADER]
        notes: list[str] = []  # said under the table: the shapes skipped, the failures
        shapes = {layer: applicable(spec, layer_shape, layout, exact) for layer, (layer_shape, layout)
                  in layers.items()}
        say = exact or all(shape is None for shape in shapes.values())  # a shape asked for, or no layer at all
        for layer, (layer_shape, layout) in layers.items():
            shape = shapes[layer]
            if shape is None:
                if say:  # said under the spec's table and kept; the other layers still run
                    why = refusal(spec, layer_shape, layout) or "it does not apply"
                    skipped.append((repr(spec), layer, layer_shape, why))
                    notes.append(textwrap.fill(f"skipped {layer}: {why}", width - 2, initial_indent="  ",
                                               subsequent_indent="    ", break_long_words=True))
                continue
            fans = TensorInfo.make(shape, layout).layout.fans(shape) if len(shape) >= 2 else (0, 0)
            drawn = {name: draw(spec, shape, layout, seed) for name, draw in found.items()}
            samples.setdefault(repr(spec), (layer, shape, layout, drawn))
            for name, x in drawn.items():
                verdict = stats.check(x, spec, shape=shape, layout=layout)
                p_ref = None
                if name != "reference" and "reference" in drawn and not verdict.exact:
                    p_ref = stats.ks_2samp(x, drawn["reference"])[1]
                row = Row(repr(spec), name, layer, shape, fans, verdict, p_ref, stats.ALPHA)
                rows.append(row)
                reasons = list(verdict.reasons) + ([] if p_ref is None or p_ref > stats.ALPHA else
                                                   [f"two-sample KS against the reference p={p_ref:.3g}"])
                table.append(row.cells())
                if not row.ok:
                    notes.append(f"  FAIL {name} {layer}: {'; '.join(reasons)}")
        if len(table) > 1:  # no table for a spec skipped on every shape asked for
            print("\n".join("  " + line if line else "" for line in
                            wrap_table(table, width - 2, right=range(2, 12)).splitlines()), file=out)
        for line in notes:
            print(line, file=out)
    failed = [r for r in rows if not r.ok]
    seconds = time.perf_counter() - started
    print(f"\n{len(rows) - len(failed)} passed, {len(failed)} failed{f', {len(skipped)} skipped' if skipped else ''} "
          f"({len(specs)} specs, samplers: {', '.join(found)}; {seconds:.1f} s)", file=out)
    return Result(rows, samples, specs, list(found), seconds, seed, skipped)


#: one colour per sampler: the reference black, each framework of the registry its own, in registry order
PALETTE = ("tab:red", "tab:blue", "tab:green", "tab:purple", "tab:orange", "tab:brown", "tab:pink", "tab:olive")


def color(name: str) -> str:
    """The colour a sampler is drawn in: black for the reference (or any other name), each framework its own.

    Args:
        name: a sampler name: ``"reference"`` or a framework name.

    Returns:
        A matplotlib colour name from ``PALETTE``, or ``"black"``.

    Examples:
        >>> color("reference"), color("torch")
        ('black', 'tab:red')
    """
    from ..backends import FRAMEWORKS
    if name not in FRAMEWORKS:
        return "black"
    return PALETTE[FRAMEWORKS.index(name) % len(PALETTE)]


def picture(result: Result, path: str, log: bool = False) -> str:
    """A grid of panels, one per spec: the exact law in grey (its density per bin; each point mass as a stem
    labelled with its probability) and each sampler's sample over it in that sampler's colour (a step line of
    the continuous part's density, a dot on each stem at the fraction of entries found on the atom). A determined
    spec is shown as its matrix. One legend names every entry of every panel once (the exact density, the exact
    atoms, each sampler). ``log``: a log-scale density axis, to compare the tails.

    Args:
        result: what ``run`` returned.
        path: the picture's file (PNG, or any format matplotlib writes by its extension); its folder is made. A
            name without a suffix, or ending in dots (``c2.``), is written as a PNG: ``c2.png``.
        log: a log-scale density axis.

    Returns:
        The file written: ``path``, or ``path`` with its trailing dots dropped and ``.png`` added when it has no
        suffix.

    Raises:
        ImportError: matplotlib is not installed (``pip install 'unifiedinit[report]'``).

    Examples:
        >>> import io, os, tempfile
        >>> from unifiedinit import Normal
        >>> result = run([Normal(0, 0.02)], ["dense"], frameworks=["reference"], out=io.StringIO(),
        ...              progress=io.StringIO())
        >>> path = picture(result, os.path.join(tempfile.mkdtemp(), "compare.png"))  # needs: matplotlib
        >>> os.path.basename(path), os.path.getsize(path) > 0
        ('compare.png', True)
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    items = list(result.samples.items())
    cols = 5
    rows = math.ceil(len(items) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False)
    for ax in axes.flat[len(items):]:
        ax.axis("off")
    for ax, (name, entry) in zip(axes.flat, items):
        spec = next(s for s in result.specs if repr(s) == name)
        panel(ax, spec, *entry, log=log)
    legend: dict[str, Any] = {}  # every panel's entries (their stems' twin axes too), each label once, in order
    for ax in fig.axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            legend.setdefault(label, handle)
    fig.legend(list(legend.values()), list(legend), loc="lower right", fontsize=8, ncol=len(legend))
    fig.suptitle(f"unifiedinit compare: each framework's sample over the exact law (seed {result.seed})",
                 fontsize=10)
    fig.tight_layout(rect=(0, 0.03, 1, 0.97))
    path = _picture_path(path)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def panel(ax: Axes, spec: Spec, layer: str, shape: tuple[int, ...], layout: str, drawn: Drawn,
          log: bool = False) -> None:
    """One spec's panel of ``picture`` on the matplotlib axes ``ax``.

    The arguments after ``spec`` are an entry of ``Result.samples``.

    Args:
        ax: the matplotlib ``Axes`` to draw on.
        spec: the spec the samples come from.
        layer: the layer's name, for the axis label.
        shape: the weight's shape in ``layout``.
        layout: the layout the spec is lowered for.
        drawn: {sampler name: its sample}.
        log: a log-scale density axis.

    Raises:
        ImportError: SciPy is not installed (random specs: the exact law needs it).

    Examples:
        >>> import io
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt
        >>> from unifiedinit import Normal
        >>> result = run([Normal(0, 0.02)], ["dense"], frameworks=["reference"], out=io.StringIO(),
        ...              progress=io.StringIO())
        >>> fig, ax = plt.subplots()
        >>> panel(ax, result.specs[0], *result.samples["Normal(mean=0.0, std=0.02)"])
        >>> ax.get_title(), ax.get_xlabel()
        ('Normal(0, 0.02)', 'dense (256, 512)')
        >>> plt.close(fig)
    """
    from . import stats
    draw = spec.lower(TensorInfo.make(shape, layout))
    ax.set_title(_label(spec), fontsize=7)
    ax.tick_params(labelsize=6)
    if draw.deterministic:
        first = np.asarray(next(iter(drawn.values())), dtype=np.float64)
        values, counts = np.unique(first, return_counts=True)
        if len(values) > 12:  # a kernel of many values (bilinear): its first 64 x 64 entries as an image
            matrix = first.reshape(shape[0], -1)[:64, :64]
            ax.imshow(matrix, cmap="gray_r", aspect="auto", vmin=min(0.0, matrix.min()), vmax=max(1.0, matrix.max()))
            ax.set_xlabel(f"determined: equal in {len(drawn)} samplers", fontsize=6)
            return
        atoms = [(float(a), c / first.size) for a, c in zip(values, counts)]  # its values, as point masses
        continuous, law = 0.0, None
    else:
        law = stats.distribution(draw, shape)
        atoms = [(float(a), float(m)) for a, m in law.atoms if m > 0]
        continuous = 1.0 - sum(m for _, m in atoms)
    if continuous <= 1e-12:  # only point masses (a constant, an eye): stems and each sampler's fractions
        span = (max(a for a, _ in atoms) - min(a for a, _ in atoms)) or 1.0
        ax.set_xlim(min(a for a, _ in atoms) - 0.2 * span, max(a for a, _ in atoms) + 0.2 * span)
        ax.set_ylim(0, 1.12)
        _stems(ax, atoms)
        for fw, x in drawn.items():
            sample = np.asarray(x, dtype=np.float64).ravel()
            ax.plot([a for a, _ in atoms], [np.isclose(sample, a, rtol=1e-6, atol=1e-12).mean() for a, _ in atoms],
                    "o", color=color(fw), ms=3, label=fw)
        ax.set_xlabel(f"{layer} {shape}: " + ("determined, " if draw.deterministic else "") +
                      "point masses only", fontsize=6)
        return
    assert law is not None  # a continuous part: the deterministic draws returned above
    lo, hi = law.support
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi - lo > 12 * law.std:  # normal tails, orthogonal
        lo, hi = max(lo, law.mean - 4.5 * law.std), min(hi, law.mean + 4.5 * law.std)
    pad = 0.03 * (hi - lo or 1.0)
    edges = np.linspace(lo - pad, hi + pad, 61)
    widths = np.diff(edges)
    exact = np.diff(law.cdf(edges)) / widths
    for a, m in atoms:  # the cdf's jumps are not density: the atoms are drawn as stems
        k = int(np.clip(np.searchsorted(edges, a, side="left") - 1, 0, len(widths) - 1))  # edges[k] < a <= edges[k+1]
        exact[k] = max(0.0, exact[k] - m / widths[k])
    ax.bar(edges[:-1], exact, width=widths, align="edge", color="0.85", label="exact")
    top = max(exact.max(), 1e-12)
    twin = None  # the atoms' axis: their probabilities, on the right of a panel that shows a density too
    if atoms:
        twin = ax.twinx()
        twin.set_ylim(0, 1.05)
        twin.tick_params(labelsize=6)
        _stems(twin, atoms)
    for fw, x in drawn.items():
        values = np.asarray(x, dtype=np.float64).ravel()
        on_atom = np.zeros(values.size, dtype=bool)
        for a, _ in atoms:
            hit = np.isclose(values, a, rtol=1e-6, atol=1e-12)
            on_atom |= hit
            (twin or ax).plot([a], [hit.mean()], "o", color=color(fw), ms=3)
        dens, _ = np.histogram(values[~on_atom], bins=edges, density=False)
        ax.stairs(dens / (values.size * widths), edges, color=color(fw), lw=0.8, label=fw)
    if log:
        ax.set_yscale("log")
        ax.set_ylim(max(top * 1e-5, 1e-300), top * 2)
    ax.set_xlabel(f"{layer} {shape}" + ("  (stems: point masses, right axis)" if atoms else ""), fontsize=6)


def _stems(ax: Axes, atoms: Sequence[tuple[float, float]]) -> None:
    """Each point mass (value, probability) as a grey stem of that height, labelled with its probability."""
    for i, (a, m) in enumerate(atoms):
        ax.vlines(a, 0, m, color="0.45", lw=2.5, label="exact atom" if i == 0 else "_nolegend_")
        ax.annotate(f"P={m:.3g}", (a, m), fontsize=6, ha="center", va="bottom")


def html(result: Result, path: str, log: bool = False, pictures: bool = True) -> str:
    """One self-contained HTML file (no links out): per spec its table of verdicts and, with matplotlib, its
    panel as an inline PNG, with the run's versions and seed, for a teacher to hand out.

    Args:
        result: what ``run`` returned.
        path: the HTML file to write; its folder is made.
        log: pictures with a log-scale density axis.
        pictures: include the pictures (they need matplotlib); False writes the tables only.

    Returns:
        ``path``.

    Raises:
        ImportError: ``pictures`` without matplotlib installed.

    Examples:
        >>> import io, os, tempfile
        >>> from unifiedinit import Normal
        >>> result = run([Normal(0, 0.02)], ["dense"], frameworks=["reference"], out=io.StringIO(),
        ...              progress=io.StringIO())
        >>> path = html(result, os.path.join(tempfile.mkdtemp(), "compare.html"), pictures=False)
        >>> with open(path, encoding="utf-8") as fh:
        ...     "<tr class='PASS'>" in fh.read()
        True
    """
    import base64
    import io
    import platform
    from html import escape

    from .. import __version__
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>unifiedinit compare</title>"
             "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:collapse;"
             "font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}td:first-child,"
             "th:first-child{text-align:left}.FAIL{background:#fcc}.PASS{background:#cfc}img{max-width:420px}"
             "</style></head><body>",
             f"<h1>unifiedinit compare</h1><p>unifiedinit {escape(__version__)}, Python "
             f"{escape(platform.python_version())}, samplers: {escape(', '.join(result.frameworks))}, seed "
             f"{result.seed}. Each sample is checked against the exact law of its spec (one-sample KS, exact moments "
             f"and support) and against the reference sampler (two-sample KS); {sum(r.ok for r in result.rows)} of "
             f"{len(result.rows)} pass.</p>"]
    for spec in result.specs:
        name = repr(spec)
        parts.append(f"<h2>{escape(_label(spec))}</h2><p><code>{escape(name)}</code></p>")
        if pictures and name in result.samples:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
            fig, ax = plt.subplots(figsize=(4.2, 2.8))
            panel(ax, spec, *result.samples[name], log=log)
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=6)
            fig.tight_layout()
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=90)
            plt.close(fig)
            parts.append(f"<img alt='{escape(name)}' src='data:image/png;base64,"
                         f"{base64.b64encode(buffer.getvalue()).decode()}'>")
        parts.append("<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in HEADER) + "</tr>")
        for r in (r for r in result.rows if r.spec == name):
            cells = r.cells()
            parts.append(f"<tr class='{cells[-1]}'>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(parts))
    return path


def _label(spec: Spec) -> str:
    """A short title: the class and its arguments' values."""
    args: list[str] = []
    for name in spec._fields:
        x = getattr(spec, name)
        args.append(type(x).__name__ if isinstance(x, Spec) else f"{x:.3g}" if isinstance(x, float) else
                    "[...]" if isinstance(x, tuple) else str(x))
    text = f"{type(spec).__name__}({', '.join(args)})"
    return text if len(text) <= 44 else text[:43] + "…"


def _shape(text: str) -> tuple[int, ...]:
    fields = text.replace("x", ",").split(",")
    need = f"--shape must be two or more positive integers like 128,256 or 64,32,3,3; got {text!r}"
    if len(fields) > 1 and not all(d.strip() for d in fields):  # 3,,4 is no (3, 4): a size left out, not read
        raise ValueError(f"{need}, which has an empty field")
    try:
        shape = tuple(int(d) for d in fields)
    except ValueError:
        shape = ()
    if len(shape) < 2 or min(shape) < 1:
        raise ValueError(need)
    return shape


DESCRIPTION = ("Sample every spec in every installed framework and check each sample against the exact "
               "distribution and the reference.")


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``unifiedinit compare``'s options to ``parser``: ``--spec``, ``--layer``, ``--shape``, ``--frameworks``,
    ``--seed``, ``--json``, ``--picture``, ``--log``, ``--html`` and ``--wide``.

    Args:
        parser: the command's argument parser (``unifiedinit.cli`` gives its subparser).

    Examples:
        >>> import argparse
        >>> parser = argparse.ArgumentParser()
        >>> configure(parser)
        >>> args = parser.parse_args(["--spec", "Zeros", "--frameworks", "reference", "--seed", "3"])
        >>> args.spec, args.frameworks, args.seed, args.picture
        (['Zeros'], 'reference', 3, 'out/compare.png')
    """
    from ..backends import FRAMEWORKS
    from ..specs import registered
    parser.add_argument("--spec", action="append", metavar="SPEC",
                        help="only this spec (repeatable): a catalog name (its example), an expression such as "
                             "'Normal(std=0.02)' or 'Mixture([Uniform(5, 10), Zeros()], [0.5, 0.5])', or a JSON "
                             f"file; names: {', '.join(registered())}")
    parser.add_argument("--layer", action="append", choices=list(LAYERS),
                        help="only this layer (repeatable; default dense and conv)")
    parser.add_argument("--shape", action="append", metavar="DIMS",
                        help="a weight shape in torch's layout (out, in, *k), e.g. 128,256 (repeatable); with "
                             "--layer conv_transpose, torch's ConvTranspose layout (in, out, *k)")
    parser.add_argument("--frameworks", metavar="LIST",
                        help=f"comma-separated samplers: reference,{','.join(FRAMEWORKS)} (default: all installed)")
    parser.add_argument("--seed", type=int, default=0,
                        help="the seed of every sampler, an integer in [0, 2**64) (default 0)")
    parser.add_argument("--json", metavar="PATH", help="also write machine-readable results here")
    parser.add_argument("--picture", metavar="PATH", default=os.path.join("out", "compare.png"),
                        help="the histogram grid (default out/compare.png; '' for none)")
    parser.add_argument("--log", action="store_true", help="pictures: a log-scale density axis, to see the tails")
    parser.add_argument("--html", metavar="PATH", help="also write one self-contained HTML report (tables and "
                                                      "pictures) to hand out")
    parser.add_argument("--wide", action="store_true", help="tables however wide (default: fit 100 columns)")


def spec_arg(text: str) -> Spec:
    """A ``--spec`` value: a catalog name (the catalog's example of it), a JSON file, or an expression.

    Args:
        text: a registered spec name (``unifiedinit.specs.registered()``), a path to a spec JSON file (a name
            ending in ``.json`` or an existing file), or an expression such as ``"Normal(std=0.02)"``.

    Returns:
        The spec.

    Raises:
        ValueError: a file that cannot be read, or text that is not a spec (the message says why).

    Examples:
        >>> spec_arg("Normal(std=0.02)"), spec_arg("Eye")
        (Normal(mean=0.0, std=0.02), Eye(gain=1.0))
        >>> spec_arg("missing.json")
        Traceback (most recent call last):
        ...
        ValueError: cannot read spec file missing.json: No such file or directory
    """
    from ..serialize import from_expression, from_json
    from ..specs import registered
    if text in registered():
        return next(s for s in examples() if type(s).__name__ == text)
    if text.endswith(".json") or os.path.isfile(text):
        try:
            with open(text, "rb") as fh:
                return from_json(fh.read())
        except OSError as err:
            raise ValueError(f"cannot read spec file {text}: {err.strerror}") from None
    return from_expression(text)


def execute(args: argparse.Namespace) -> int:
    """Run ``unifiedinit compare`` with parsed options: check them, run, then write the JSON, picture and HTML.
    A spec given again with ``--spec`` (the same words, or others that make the same spec) runs once, where it was
    first given, and a note on stderr says so.

    Args:
        args: the options ``configure`` defines, as ``argparse`` parsed them.

    Returns:
        The exit code: 0 when every sample passes, 1 when one fails.

    Raises:
        unifiedinit.cli.Problem: an unknown or missing framework, a bad ``--spec`` or ``--shape``, a spec named
            with ``--spec`` that fits no layer asked for (or not every ``--shape``: an array spec of another shape;
            without ``--spec`` such a shape is skipped for that spec, and said), SciPy missing, or an output path
            that cannot be written (said before any output folder is made).

    Examples:
        >>> import argparse, contextlib, io
        >>> parser = argparse.ArgumentParser()
        >>> configure(parser)
        >>> args = parser.parse_args(["--spec", "Zeros", "--frameworks", "reference", "--picture", ""])
        >>> with contextlib.redirect_stdout(io.StringIO()):  # the tables
        ...     code = execute(args)
        >>> code
        0
    """
    import importlib.util

    from ..backends import FRAMEWORKS, REGISTRY, available
    from .._validate import seed as valid_seed
    from ..cli import Problem, framework_names, need_scipy, outputs
    try:
        valid_seed("compare", args.seed, required=True)
    except (TypeError, ValueError):
        raise Problem(f"--seed {args.seed}: a seed is an integer in [0, 2**64)") from None
    specs = _laid_out()
    if args.spec:
        try:
            given = [(text, spec_arg(text)) for text in args.spec]
        except ValueError as err:
            raise Problem(str(err)) from None
        first: dict[str, str] = {}  # spec repr -> the --spec that gave it first: each spec runs once (its rows once)
        specs = []
        for text, spec in given:
            if repr(spec) in first:
                print(f"unifiedinit compare: --spec {text!r} is {spec!r}, as --spec {first[repr(spec)]!r}: run once",
                      file=sys.stderr)
            else:
                first[repr(spec)] = text
                specs.append(spec)
    frameworks: list[str] | None = None
    if args.frameworks is not None:  # given, even empty ('' names none: refused, not read as the default)
        frameworks = framework_names(args.frameworks, "--frameworks", ["reference", *FRAMEWORKS])
        missing = [f for f in frameworks if f != "reference" and not available(f)]
        if missing:
            raise Problem(f"{missing[0]} is not installed: {REGISTRY[missing[0]].install}")
    need_scipy()
    layers: Layers = {name: LAYERS[name] for name in (args.layer or DEFAULT_LAYERS)}
    if args.shape:
        try:
            shapes = [_shape(s) for s in args.shape]
        except ValueError as err:
            raise Problem(str(err)) from None
        if args.layer:  # each shape in each layer's layout (conv_transpose: torch's (in, out, *k)), named by both
            layers = {f"{name} {'x'.join(map(str, s))}": (s, LAYERS[name][1]) for name in args.layer for s in shapes}
        else:
            layers = {"x".join(map(str, s)): (s, "torch") for s in shapes}
    for spec in specs if args.spec else []:  # a spec named must apply to what was asked for: an error, not an
        # empty table; the whole catalog (no --spec) runs each spec on the layers and shapes it can take, and
        # says which shapes asked for it skipped
        fits = [name for name, (shape, layout) in layers.items()
                if applicable(spec, shape, layout, exact=bool(args.shape)) is not None]
        if not fits or (args.shape and len(fits) < len(layers)):
            name, (shape, layout) = next((n, l) for n, l in layers.items() if n not in fits)
            raise Problem(f"{spec!r} cannot initialize a {name} weight of shape {shape}: "
                          f"{refusal(spec, shape, layout)}")
    if args.picture:  # before outputs() makes any folder
        _picture_format(args.picture)
    # every output checked before any folder is made: one refused leaves no folder of another behind; the picture
    # as given and as matplotlib writes it (c2, c2. give c2.png)
    written = _picture_path(args.picture) if args.picture else None
    outputs((args.json, "--json"), (args.picture, "--picture"), (args.html, "--html"),
            (written if written != args.picture else None, "--picture"))
    result = run(specs, layers, args.seed, frameworks=frameworks, width=10 ** 6 if args.wide else 100,
                 exact=bool(args.shape))
    if args.json:
        skipped = [{"spec": spec, "layer": layer, "shape": list(shape), "skipped": why}
                   for spec, layer, shape, why in result.skipped]
        text = json.dumps([r.as_json() for r in result.rows] + skipped, indent=1, allow_nan=False)  # strict, whole
        with open(args.json, "w") as f:
            f.write(text)
    pictures = bool(args.picture or args.html)
    if pictures and importlib.util.find_spec("matplotlib") is None:
        print("no picture: it needs matplotlib (pip install 'unifiedinit[report]')", file=sys.stderr)
        pictures = False
    if pictures and args.picture:
        print(f"picture: {picture(result, args.picture, log=args.log)}", file=sys.stderr)
    if args.html:
        print(f"html: {html(result, args.html, log=args.log, pictures=pictures)}", file=sys.stderr)
    return 0 if result.ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    """``unifiedinit compare ...`` (see ``unifiedinit.cli``).

    Args:
        argv: the command's arguments, without ``compare`` (default none: every spec, every installed framework).

    Returns:
        The exit code: 0 every sample passes, 1 one fails or a problem was reported, 2 a usage error.

    Examples:
        >>> import contextlib, io
        >>> with contextlib.redirect_stdout(io.StringIO()):  # the tables
        ...     code = main(["--spec", "Zeros", "--frameworks", "reference", "--picture", ""])
        >>> code
        0
    """
    from ..cli import main as cli
    return cli(["compare", *(argv or [])])
