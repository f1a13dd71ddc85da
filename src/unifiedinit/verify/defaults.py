"""``unifiedinit defaults``: each framework's default initialization, measured from the installed frameworks.

For every framework, the small model of ``unifiedinit.verify.zoo`` (Embedding, Conv2d, BatchNorm, ConvTranspose2d,
two Dense, LSTM, PReLU) is built with the framework's own defaults. For every group of parameters (a layer
and a role) the values are tested against each candidate law, the specs the four presets give that parameter,
lowered with its shape and fans: the one with the largest KS p-value is the fit (a constant fits when every
value equals it). The last column says whether the framework's own preset reproduces it: ``yes`` when the
preset's law passes the KS test at 1e-4 (or matches the constant exactly), ``kept`` where the preset keeps the
parameter because the default is not per-parameter (see ``unifiedinit.presets``).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from typing import Any, Sequence

import numpy as np

from . import zoo
from ..presets import PRESETS


@dataclass
class Fit:
    framework: str
    layer: str
    kind: str
    role: str
    shape: tuple[int, ...]
    spec: str | None        # the best-fitting candidate, None when none passes
    law: str
    p: float                # its KS p-value (1.0 for an exact constant)
    preset: str             # "yes", "no" or "kept"


def _score(values: np.ndarray, draw: Any, shape: tuple[int, ...]) -> tuple[float, str]:
    from . import stats
    if draw.deterministic:
        from ..reference import draw_array
        want = np.unique(draw_array(draw, shape, None, "float32"))  # parameters are float32 here
        same = np.array_equal(np.unique(values.astype(np.float32)), want)
        return (1.0 if same else 0.0), f"exactly {want.tolist()[:3]}"
    law = stats.distribution(draw, shape)
    return stats.ks_1samp(values, law)[1], law.name


def measure(frameworks: Sequence[str] | None = None, progress: Any = None) -> list[Fit]:
    from ..backends import available
    from .stats import ALPHA
    progress = sys.stderr if progress is None else progress
    fits = []
    for framework in frameworks or zoo.FRAMEWORKS:
        if not available(framework):
            print(f"skipping {framework}: not installed", file=progress)
            continue
        print(f"measuring {framework}'s defaults", file=progress, flush=True)
        for (layer, role), (values, params) in zoo.values(framework, zoo.BUILD[framework]()).items():
            p0 = params[0]
            scored = {}
            for name, preset in PRESETS.items():
                i = preset.match(p0)
                rule = None if i is None else preset.rules[i]
                if rule is None or rule.spec is None:
                    scored[name] = None
                    continue
                draw = rule.spec.lower(p0.info(rule.fans))
                scored[name] = (rule.spec, *_score(values, draw, p0.shape))
            # (spec, p, law) per preset
            best = max((s for s in scored.values() if s is not None), key=lambda s: s[1], default=None)
            own = scored.get(framework)
            verdict = "kept" if own is None else "yes" if own[1] > ALPHA else "no"
            ok = best is not None and best[1] > ALPHA
            fits.append(Fit(framework, layer, p0.kind, role, p0.shape, repr(best[0]) if ok else None,
                            best[2] if ok else "no candidate fits", best[1] if best else 0.0, verdict))
    return fits


def table(fits: Sequence[Fit]) -> str:
    rows = [("framework", "layer", "kind", "role", "shape", "closest spec", "p", "own preset")]
    for f in fits:
        rows.append((f.framework, f.layer, f.kind, f.role, str(f.shape), f.spec or f.law, f"{f.p:.3g}", f.preset))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def main(argv: Sequence[str] | None = None) -> int:
    import argparse
    parser = argparse.ArgumentParser(prog="unifiedinit defaults",
                                     description="Measure each installed framework's default initialization and "
                                                 "check that its preset reproduces it.")
    parser.add_argument("--frameworks", metavar="LIST", help=f"comma-separated: {','.join(zoo.FRAMEWORKS)}")
    parser.add_argument("--json", metavar="PATH", help="also write the table as JSON")
    args = parser.parse_args(argv)
    frameworks = None
    if args.frameworks:
        frameworks = [f.strip() for f in args.frameworks.split(",") if f.strip()]
        unknown = sorted(set(frameworks) - set(zoo.FRAMEWORKS))
        if unknown:
            parser.error(f"unknown framework {unknown[0]!r}; choose from {', '.join(zoo.FRAMEWORKS)}")
    fits = measure(frameworks)
    print(table(fits))
    bad = [f for f in fits if f.preset == "no"]
    print(f"\n{sum(f.preset == 'yes' for f in fits)} reproduced by their framework's preset, "
          f"{sum(f.preset == 'kept' for f in fits)} kept (not per-parameter), {len(bad)} not reproduced")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump([asdict(f) for f in fits], fh, indent=1)
    return 1 if bad else 0
