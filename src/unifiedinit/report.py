"""The comparison report: every spec of the catalog on a Dense and a Conv kernel, sampled by every
available sampler, each sample checked against the exact distribution of the spec's lowering.

Every backend offers ``sample(spec, shape, layout=, seed=)``, its native sampling returned as NumPy;
the report runs the reference and every installed backend side by side.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from .layout import TensorInfo
from .specs import Dirac, Eye, FromArray, Sparse, Spec, examples

#: layer -> (shape in torch's layout, fan-based description)
LAYERS: dict[str, tuple[int, ...]] = {"dense": (256, 512), "conv": (64, 32, 3, 3)}

Sampler = Callable[[Spec, tuple, int], np.ndarray]


def samplers(progress=None) -> dict[str, Sampler]:
    """The reference and every framework backend that is installed; a missing one is reported and skipped."""
    from .backends import FRAMEWORKS, get_backend
    from .reference import sample
    found: dict[str, Sampler] = {"reference": lambda spec, shape, seed: sample(spec, shape, layout="torch", seed=seed)}
    for name in FRAMEWORKS:
        try:
            backend = get_backend(name)
        except ImportError as err:
            print(f"skipping {name}: {err}", file=sys.stderr if progress is None else progress)
            continue
        found[name] = lambda spec, shape, seed, _b=backend: native(_b, spec, shape, seed)
    return found


def native(backend, spec: Spec, shape: tuple[int, ...], seed: int) -> np.ndarray:
    """Sample with ``backend`` in its own layout (a torch (out, in, kh, kw) kernel becomes Keras's and Flax's
    (kh, kw, in, out)), then move the values back to torch's layout for the comparison."""
    from .layout import get_layout, permutation
    if len(shape) < 2 or backend.NATIVE_LAYOUT == "torch":
        return backend.sample(spec, shape, layout="torch", seed=seed)
    perm = permutation(get_layout("torch"), get_layout(backend.NATIVE_LAYOUT), len(shape))
    x = backend.sample(spec, tuple(shape[p] for p in perm), layout=backend.NATIVE_LAYOUT, seed=seed)
    return np.transpose(x, np.argsort(perm))


def applicable(spec: Spec, shape: tuple[int, ...]) -> tuple[int, ...] | None:
    """The shape to use for ``spec`` on a layer of ``shape``, or None when the spec does not apply."""
    if isinstance(spec, (Eye, Sparse)):
        return shape if len(shape) == 2 else None
    if isinstance(spec, Dirac):
        return shape if len(shape) in (3, 4, 5) else None
    if isinstance(spec, FromArray):
        return spec.shape if len(shape) == len(spec.shape) else None
    return shape


@dataclass
class Row:
    spec: str
    framework: str
    layer: str
    shape: tuple[int, ...]
    fans: tuple[int, int]
    verdict: object  # stats.Verdict

    def as_json(self) -> dict:
        v = self.verdict
        return {"spec": self.spec, "framework": self.framework, "layer": self.layer, "shape": list(self.shape),
                "fan_in": self.fans[0], "fan_out": self.fans[1], "ok": bool(v.ok), "law": v.law, "exact": v.exact,
                "expected_mean": v.expected_mean, "expected_std": v.expected_std,
                "support": list(v.support) if v.support else None, "mean": v.mean, "std": v.std,
                "min": v.minimum, "max": v.maximum, "ks": v.ks, "p": v.p, "reasons": list(v.reasons)}


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.4g}"


def run(specs: Sequence[Spec] | None = None, layers: Sequence[str] = tuple(LAYERS), seed: int = 0,
        out=None, progress=None) -> list[Row]:
    from . import stats
    out = sys.stdout if out is None else out
    progress = sys.stderr if progress is None else progress
    specs = list(examples() if specs is None else specs)
    found = samplers(progress)
    rows: list[Row] = []
    started = time.perf_counter()
    for i, spec in enumerate(specs, 1):
        print(f"[{i}/{len(specs)}] {spec!r}", file=progress, flush=True)
        print(f"\n{spec!r}", file=out)
        print(f"  {'framework':<10} {'layer':<6} {'shape':<16} {'exp mean':>9} {'exp std':>9} {'support':>21} "
              f"{'mean':>9} {'std':>9} {'min':>9} {'max':>9} {'KS D':>7} {'p':>9}  verdict", file=out)
        for layer in layers:
            shape = applicable(spec, LAYERS[layer])
            if shape is None:
                continue
            fans = TensorInfo.make(shape, "torch").layout.fans(shape) if len(shape) >= 2 else (0, 0)
            for name, draw in found.items():
                verdict = stats.check(draw(spec, shape, seed), spec, shape=shape, layout="torch")
                rows.append(Row(repr(spec), name, layer, shape, fans, verdict))
                sup = "-" if verdict.support is None else f"[{verdict.support[0]:.3g}, {verdict.support[1]:.3g}]"
                print(f"  {name:<10} {layer:<6} {str(shape):<16} {_fmt(verdict.expected_mean):>9} "
                      f"{_fmt(verdict.expected_std):>9} {sup:>21} {_fmt(verdict.mean):>9} {_fmt(verdict.std):>9} "
                      f"{_fmt(verdict.minimum):>9} {_fmt(verdict.maximum):>9} {_fmt(verdict.ks):>7} "
                      f"{_fmt(verdict.p):>9}  {'PASS' if verdict.ok else 'FAIL'}"
                      + ("" if verdict.ok else f" ({'; '.join(verdict.reasons)})"), file=out)
    failed = [r for r in rows if not r.verdict.ok]
    print(f"\n{len(rows) - len(failed)} passed, {len(failed)} failed "
          f"({len(specs)} specs, samplers: {', '.join(found)}; {time.perf_counter() - started:.1f} s)", file=out)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    import argparse
    from .specs import registered
    parser = argparse.ArgumentParser(prog="unifiedinit compare",
                                     description="Sample every spec and check it against its exact distribution.")
    parser.add_argument("--spec", action="append", metavar="NAME",
                        help=f"only this spec class (repeatable): {', '.join(registered())}")
    parser.add_argument("--layer", action="append", choices=list(LAYERS), help="only this layer (repeatable)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", metavar="PATH", help="also write machine-readable results here")
    args = parser.parse_args(argv)
    specs = examples()
    if args.spec:
        unknown = sorted(set(args.spec) - set(registered()))
        if unknown:
            parser.error(f"unknown spec {unknown[0]!r}; choose from {', '.join(registered())}")
        specs = [s for s in specs if type(s).__name__ in args.spec]
    rows = run(specs, args.layer or tuple(LAYERS), args.seed)
    if args.json:
        with open(args.json, "w") as f:
            json.dump([r.as_json() for r in rows], f, indent=1)
    return 0 if all(r.verdict.ok for r in rows) else 1
