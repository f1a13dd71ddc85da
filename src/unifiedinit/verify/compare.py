"""The comparison report: every spec of the catalog on a Dense and a Conv kernel, sampled natively by every
installed framework and by the exact reference, each sample checked against the exact distribution of the
spec's lowering, and each framework's sample against the reference's (two-sample KS).

Every backend offers ``sample(spec, shape, layout=, seed=)``, its native sampling returned as NumPy, in its
own storage layout; the report moves the values back to torch's layout, so one table compares them.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from ..layout import TensorInfo, get_layout, permutation
from ..specs import FromArray, Spec, examples

#: layer -> (shape in torch's layout, the torch layout that names its axes)
LAYERS: dict[str, tuple[tuple[int, ...], str]] = {
    "dense": ((256, 512), "torch"), "conv": ((64, 32, 3, 3), "torch"),
    "conv_transpose": ((64, 32, 3, 3), "torch_conv_transpose")}
DEFAULT_LAYERS = ("dense", "conv")

Sampler = Callable[[Spec, tuple, str, int], np.ndarray]


def samplers(progress=None, only: Sequence[str] | None = None) -> dict[str, Sampler]:
    """The reference and every framework backend that is installed (or those in ``only``); a missing one is
    reported and skipped."""
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
        found[name] = lambda spec, shape, layout, seed, _b=backend: native(_b, spec, shape, seed, layout)
    return found


def native(backend, spec: Spec, shape: tuple[int, ...], seed: int, layout: str = "torch") -> np.ndarray:
    """Sample with ``backend`` in its own layout (a torch (out, in, kh, kw) kernel becomes Keras's and Flax's
    (kh, kw, in, out); a torch ConvTranspose weight Keras's (kh, kw, out, in)), then move the values back to
    torch's layout for the comparison."""
    own = backend.NATIVE_LAYOUTS.get(layout, layout)  # "torch_conv_transpose" -> Keras's "keras_conv_transpose"
    if len(shape) < 2 or own == layout:
        return backend.sample(spec, shape, layout=layout, seed=seed)
    perm = permutation(get_layout(layout), get_layout(own), len(shape))
    x = backend.sample(spec, tuple(shape[p] for p in perm), layout=own, seed=seed)
    return np.transpose(x, np.argsort(perm))


def applicable(spec: Spec, shape: tuple[int, ...], layout: str = "torch") -> tuple[int, ...] | None:
    """The shape to use for ``spec`` on a layer of ``shape`` in ``layout``, or None when the spec does not apply
    (its lowering refuses the tensor: eye on a kernel, dirac on a matrix, a delta-orthogonal kernel with more inputs
    than outputs). An array spec takes its own shape when it has the layer's rank."""
    if isinstance(spec, FromArray):
        return spec.shape if len(shape) == len(spec.shape) else None
    try:
        spec.lower(TensorInfo.make(shape, layout))
    except (TypeError, ValueError):
        return None
    return shape


@dataclass
class Row:
    spec: str
    framework: str
    layer: str
    shape: tuple[int, ...]
    fans: tuple[int, int]
    verdict: object  # stats.Verdict
    #: two-sample KS p-value against the reference's sample (None for the reference and determined specs)
    p_reference: float | None = None
    alpha: float = field(default=1e-4, repr=False)

    @property
    def ok(self) -> bool:
        return bool(self.verdict.ok) and (self.p_reference is None or self.p_reference > self.alpha)

    def as_json(self) -> dict:
        v = self.verdict
        return {"spec": self.spec, "framework": self.framework, "layer": self.layer, "shape": list(self.shape),
                "fan_in": self.fans[0], "fan_out": self.fans[1], "ok": self.ok, "law": v.law, "exact": v.exact,
                "expected_mean": v.expected_mean, "expected_std": v.expected_std,
                "support": list(v.support) if v.support else None, "mean": v.mean, "std": v.std,
                "min": v.minimum, "max": v.maximum, "ks": v.ks, "p": v.p, "p_vs_reference": self.p_reference,
                "reasons": list(v.reasons)}


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.4g}"


@dataclass
class Result:
    rows: list[Row]
    #: spec repr -> (layer, shape, layout, {framework: sample}) of the first layer the spec applies to
    samples: dict[str, tuple[str, tuple[int, ...], str, dict[str, np.ndarray]]]
    specs: list[Spec]
    frameworks: list[str]
    seconds: float
    seed: int = 0

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)


def run(specs: Sequence[Spec] | None = None, layers: dict[str, tuple[tuple[int, ...], str]] | Sequence[str] =
        DEFAULT_LAYERS, seed: int = 0, out=None, progress=None, frameworks: Sequence[str] | None = None) -> Result:
    from . import stats
    out = sys.stdout if out is None else out
    progress = sys.stderr if progress is None else progress
    specs = list(examples() if specs is None else specs)
    layers = {name: LAYERS[name] for name in layers} if not isinstance(layers, dict) else layers
    found = samplers(progress, frameworks)
    rows: list[Row] = []
    samples: dict = {}
    started = time.perf_counter()
    for i, spec in enumerate(specs, 1):
        print(f"[{i}/{len(specs)}] {spec!r} ({time.perf_counter() - started:.1f} s)", file=progress, flush=True)
        print(f"\n{spec!r}", file=out)
        print(f"  {'framework':<10} {'layer':<14} {'shape':<16} {'exp mean':>9} {'exp std':>9} {'support':>21} "
              f"{'mean':>9} {'std':>9} {'min':>9} {'max':>9} {'KS D':>7} {'p':>9} {'p vs ref':>9}  verdict",
              file=out)
        for layer, (layer_shape, layout) in layers.items():
            shape = applicable(spec, layer_shape, layout)
            if shape is None:
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
                sup = "-" if verdict.support is None else f"[{verdict.support[0]:.3g}, {verdict.support[1]:.3g}]"
                reasons = list(verdict.reasons) + ([] if p_ref is None or p_ref > stats.ALPHA else
                                                   [f"two-sample KS against the reference p={p_ref:.3g}"])
                print(f"  {name:<10} {layer:<14} {str(shape):<16} {_fmt(verdict.expected_mean):>9} "
                      f"{_fmt(verdict.expected_std):>9} {sup:>21} {_fmt(verdict.mean):>9} {_fmt(verdict.std):>9} "
                      f"{_fmt(verdict.minimum):>9} {_fmt(verdict.maximum):>9} {_fmt(verdict.ks):>7} "
                      f"{_fmt(verdict.p):>9} {_fmt(p_ref):>9}  {'PASS' if row.ok else 'FAIL'}"
                      + ("" if row.ok else f" ({'; '.join(reasons)})"), file=out)
    failed = [r for r in rows if not r.ok]
    seconds = time.perf_counter() - started
    print(f"\n{len(rows) - len(failed)} passed, {len(failed)} failed "
          f"({len(specs)} specs, samplers: {', '.join(found)}; {seconds:.1f} s)", file=out)
    return Result(rows, samples, specs, list(found), seconds, seed)


#: one colour per sampler: the reference black, each framework of the registry its own, in registry order
PALETTE = ("tab:red", "tab:blue", "tab:green", "tab:purple", "tab:orange", "tab:brown", "tab:pink", "tab:olive")


def color(name: str) -> str:
    from ..backends import FRAMEWORKS
    if name not in FRAMEWORKS:
        return "black"
    return PALETTE[FRAMEWORKS.index(name) % len(PALETTE)]


def picture(result: Result, path: str) -> str:
    """A grid of histograms, one panel per spec: each framework's histogram (a step line) over the exact
    density (grey: the probability of each bin under the exact law, divided by its width)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import stats
    items = list(result.samples.items())
    cols = 5
    rows = math.ceil(len(items) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False)
    for ax in axes.flat[len(items):]:
        ax.axis("off")
    for ax, (name, (layer, shape, layout, drawn)) in zip(axes.flat, items):
        spec = next(s for s in result.specs if repr(s) == name)
        draw = spec.lower(TensorInfo.make(shape, layout))
        ax.set_title(_label(spec), fontsize=7)
        ax.tick_params(labelsize=6)
        if draw.deterministic:
            values = next(iter(drawn.values())).reshape(shape[0], -1)[:64, :64]
            ax.imshow(values, cmap="gray_r", aspect="auto", vmin=min(0.0, values.min()), vmax=max(1.0, values.max()))
            ax.set_xlabel(f"determined: equal in {len(drawn)} samplers", fontsize=6)
            continue
        law = stats.distribution(draw, shape)
        lo, hi = law.support
        if not (math.isfinite(lo) and math.isfinite(hi)) or hi - lo > 12 * law.std:  # normal tails, orthogonal
            lo, hi = max(lo, law.mean - 4.5 * law.std), min(hi, law.mean + 4.5 * law.std)
        pad = 0.03 * (hi - lo or 1.0)
        edges = np.linspace(lo - pad, hi + pad, 61)
        exact = np.diff(law.cdf(edges)) / np.diff(edges)
        ax.bar(edges[:-1], exact, width=np.diff(edges), align="edge", color="0.85", label="exact")
        for fw, x in drawn.items():
            dens, _ = np.histogram(np.asarray(x, dtype=np.float64).ravel(), bins=edges, density=False)
            ax.stairs(dens / (x.size * np.diff(edges)), edges, color=color(fw), lw=0.8, label=fw)
        ax.set_xlabel(f"{layer} {shape}", fontsize=6)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    for ax in axes.flat:
        h, lab = ax.get_legend_handles_labels()
        if len(h) > len(handles):
            handles, labels = h, lab
    fig.legend(handles, labels, loc="lower right", fontsize=8, ncol=len(labels))
    fig.suptitle(f"unifiedinit compare: each framework's sample over the exact density (seed {result.seed})",
                 fontsize=10)
    fig.tight_layout(rect=(0, 0.03, 1, 0.97))
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _label(spec: Spec) -> str:
    """A short title: the class and its arguments' values."""
    args = []
    for name in spec._fields:
        x = getattr(spec, name)
        args.append(type(x).__name__ if isinstance(x, Spec) else f"{x:.3g}" if isinstance(x, float) else
                    "[...]" if isinstance(x, tuple) else str(x))
    text = f"{type(spec).__name__}({', '.join(args)})"
    return text if len(text) <= 44 else text[:43] + "…"


def _shape(text: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(d) for d in text.replace("x", ",").split(",") if d.strip())
    except ValueError:
        shape = ()
    if len(shape) < 2 or min(shape) < 1:
        raise ValueError(f"--shape must be two or more positive integers like 128,256 or 64,32,3,3; got {text!r}")
    return shape


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    from ..backends import FRAMEWORKS
    from ..specs import registered
    parser = argparse.ArgumentParser(prog="unifiedinit compare",
                                     description="Sample every spec in every installed framework and check each "
                                                 "sample against the exact distribution and the reference.")
    parser.add_argument("--spec", action="append", metavar="NAME",
                        help=f"only this spec class (repeatable): {', '.join(registered())}")
    parser.add_argument("--layer", action="append", choices=list(LAYERS),
                        help="only this layer (repeatable; default dense and conv)")
    parser.add_argument("--shape", action="append", metavar="DIMS",
                        help="a weight shape in torch's layout (out, in, *k), e.g. 128,256 (repeatable)")
    parser.add_argument("--frameworks", metavar="LIST",
                        help=f"comma-separated samplers: reference,{','.join(FRAMEWORKS)} (default: all installed)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", metavar="PATH", help="also write machine-readable results here")
    parser.add_argument("--picture", metavar="PATH", default=os.path.join("out", "compare.png"),
                        help="the histogram grid (default out/compare.png; '' for none)")
    args = parser.parse_args(argv)
    specs = examples()
    if args.spec:
        unknown = sorted(set(args.spec) - set(registered()))
        if unknown:
            parser.error(f"unknown spec {unknown[0]!r}; choose from {', '.join(registered())}")
        specs = [s for s in specs if type(s).__name__ in args.spec]
    frameworks = None
    if args.frameworks:
        frameworks = [f.strip() for f in args.frameworks.split(",") if f.strip()]
        unknown = sorted(set(frameworks) - {"reference", *FRAMEWORKS})
        if unknown:
            parser.error(f"unknown framework {unknown[0]!r}; choose from reference, {', '.join(FRAMEWORKS)}")
    layers: dict = {name: LAYERS[name] for name in (args.layer or DEFAULT_LAYERS)}
    if args.shape:
        try:
            shapes = [_shape(s) for s in args.shape]
        except ValueError as err:
            parser.error(str(err))
        layers = {"x".join(map(str, s)): (s, "torch") for s in shapes}
    result = run(specs, layers, args.seed, frameworks=frameworks)
    if args.json:
        os.makedirs(os.path.dirname(args.json) or ".", exist_ok=True)
        with open(args.json, "w") as f:
            json.dump([r.as_json() for r in result.rows], f, indent=1)
    if args.picture:
        try:
            print(f"picture: {picture(result, args.picture)}", file=sys.stderr)
        except ImportError:
            print("no picture: it needs matplotlib (pip install matplotlib)", file=sys.stderr)
    return 0 if result.ok else 1
