"""``unifiedinit defaults``: each framework's default initialization, measured from the installed frameworks.

For every framework, the small model of ``unifiedinit.verify.zoo`` (Embedding, Conv2d, BatchNorm, ConvTranspose2d,
two Dense, LSTM, PReLU) is built with the framework's own defaults. For every group of parameters (a layer
and a role) the values are tested against each candidate law, the specs the four presets give that parameter,
lowered with its shape and fans: the one with the largest KS p-value is the fit (a constant fits when every
value equals it). The last column says whether the framework's own preset reproduces it: ``yes`` when the
preset's law passes the KS test at 1e-4 (or writes the determined values exactly, each in its place), ``kept``
where the preset keeps the parameter because the default is not per-parameter (see ``unifiedinit.presets``), and
``unmatched`` where no rule of the preset matches it: the preset does not say that default, so it does not reproduce
it, and the command exits 1 as for a ``no``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import asdict, dataclass
from typing import Any, Sequence, TextIO

import numpy as np

from . import zoo
from ..params import Param
from ..plan import Rule
from ..presets import PRESETS


@dataclass
class Fit:
    """One line of ``unifiedinit defaults``: what a framework's default gives one group of parameters.

    Args:
        framework: the framework measured (a name of ``unifiedinit.backends.FRAMEWORKS``).
        layer: the zoo layer (one of ``unifiedinit.verify.zoo.NAMES``).
        kind: the layer's kind (``Param.kind``: "dense", "conv", "norm", ...).
        role: the parameter's role (``Param.role``: "weight", "bias", "scale", ...).
        shape: the parameter's shape, in the framework's layout.
        spec: the repr of the best-fitting candidate spec, None when none passes.
        law: the best candidate's exact law in words, or ``"no candidate fits"``.
        p: its KS p-value (1.0 for an exact constant, 0.0 when nothing fits).
        preset: whether the framework's own preset reproduces the default: "yes", "no", "kept" (the preset
            keeps the parameter: the default is not per-parameter) or "unmatched" (no rule of the preset matches
            a parameter of the group: not reproduced either).

    Examples:
        >>> fit = Fit("torch", "fc1", "dense", "weight", (128, 64), "XavierUniform(gain=1.0)", "U[-0.125, 0.125)",
        ...           0.73, "yes")
        >>> fit.preset, fit.p > 1e-4
        ('yes', True)
    """
    framework: str
    layer: str
    kind: str
    role: str
    shape: tuple[int, ...]
    spec: str | None        # the best-fitting candidate, None when none passes
    law: str
    p: float                # its KS p-value (1.0 for an exact constant)
    preset: str             # "yes", "no", "kept" or "unmatched"


def _score(values: np.ndarray, rules: Sequence[Rule | None], params: Sequence[Param]) -> tuple[float, str]:
    """How well a group's values fit a preset's rules for its parameters: a p-value and the law in words.

    A random law is the first parameter's, tested by KS on the whole group. A determined one (a constant, blocks
    of constants) gives 1.0 only where each parameter holds, in place, what its own rule determines, compared by
    ``stats.check`` in float32 (the parameters' dtype here): comparing the sets of values passed a Keras LSTM bias
    with its ones in the input gate's block instead of the forget gate's. A parameter of the group that the preset
    leaves unmatched or keeps, or gives a random law, fails that comparison.

    Args:
        values: the group's values, each parameter's flattened and joined in ``params``'s order (``zoo.values``).
        rules: the preset's rule for each parameter (None where no rule matches); the first one has a spec.
        params: the group's parameters.

    Returns:
        The p-value (1.0 or 0.0 for a determined law) and the law in words.
    """
    from . import stats
    # each rule's view of its parameter (Rule.info): its fans and its layout (presets.keras's depthwise kernels are
    # read in Keras's own layout, not the grouped one the walk gives them)
    lowered = [None if r is None or r.spec is None else r.spec.lower(r.info(p)) for r, p in zip(rules, params)]
    draw, shape = lowered[0], params[0].shape
    assert draw is not None, "the caller scores only a preset whose rule for the first parameter has a spec"
    if not draw.deterministic:
        law = stats.distribution(draw, shape)
        return stats.ks_1samp(values, law)[1], law.name
    from ..reference import draw_array
    parts = np.split(values.astype(np.float32), np.cumsum([math.prod(p.shape) for p in params])[:-1])
    same = all(d is not None and d.deterministic and bool(stats.check(x.reshape(p.shape), d, shape=p.shape))
               for x, d, p in zip(parts, lowered, params))
    want = np.unique(draw_array(draw, shape, None, "float32"))
    return (1.0 if same else 0.0), f"exactly {want.tolist()[:3]}"


def measure(frameworks: Sequence[str] | None = None, progress: TextIO | None = None) -> list[Fit]:
    """Build the zoo model in each framework with its own defaults and fit every group of parameters.

    Each group (a layer and a role) is tested against the specs the four presets give that parameter, lowered
    with its shape and fans; the largest KS p-value is the fit, and the framework's own preset is marked "yes"
    when its law passes at ``unifiedinit.verify.stats.ALPHA`` ("unmatched" when none of its rules matches a
    parameter of the group). A framework that is not installed is skipped.

    Args:
        frameworks: the frameworks to measure (names of ``unifiedinit.backends.FRAMEWORKS``); default all.
        progress: where progress and skipped frameworks are reported (a text stream); default ``sys.stderr``.

    Returns:
        One ``Fit`` per (framework, layer, role), in the zoo's order.

    Raises:
        ValueError: an unknown framework name.
        ImportError: SciPy is not installed (the exact laws need it).

    Examples:
        >>> import io
        >>> import torch
        >>> _ = torch.manual_seed(0)
        >>> fits = measure(["torch"], progress=io.StringIO())
        >>> fc1 = next(f for f in fits if (f.layer, f.role) == ("fc1", "weight"))
        >>> fc1.shape, fc1.law, fc1.preset
        ((128, 64), 'U[-0.125, 0.125)', 'yes')
    """
    from ..backends import available
    from .stats import ALPHA
    progress = sys.stderr if progress is None else progress
    fits: list[Fit] = []
    for framework in frameworks or zoo.FRAMEWORKS:
        if not available(framework):
            print(f"skipping {framework}: not installed", file=progress)
            continue
        print(f"measuring {framework}'s defaults", file=progress, flush=True)
        for (layer, role), (values, params) in zoo.values(framework, zoo.BUILD[framework]()).items():
            p0 = params[0]
            scored: dict[str, Any] = {}  # preset -> (spec, p, law), or None where it keeps or misses the parameter
            unmatched = False  # whether the framework's own preset has no rule for a parameter of the group
            for name, preset in PRESETS.items():
                rules = [None if i is None else preset.rules[i] for i in map(preset.match, params)]
                unmatched = unmatched or (name == framework and None in rules)
                rule = rules[0]
                if rule is None or rule.spec is None:
                    scored[name] = None
                    continue
                scored[name] = (rule.spec, *_score(values, rules, params))
            best = max((s for s in scored.values() if s is not None), key=lambda s: s[1], default=None)
            own = scored.get(framework)
            # a parameter no rule matches is left as the framework made it by chance, not kept on purpose: the
            # preset does not say the default, so it does not reproduce it
            verdict = "unmatched" if unmatched else "kept" if own is None else "yes" if own[1] > ALPHA else "no"
            if best is not None and best[1] > ALPHA:
                fits.append(Fit(framework, layer, p0.kind, role, p0.shape, repr(best[0]), best[2], best[1], verdict))
            else:
                fits.append(Fit(framework, layer, p0.kind, role, p0.shape, None, "no candidate fits",
                                best[1] if best else 0.0, verdict))
    return fits


def table(fits: Sequence[Fit], width: int = 100) -> str:
    """The fits as a text table: framework, layer, kind, role, shape, closest spec, p and own preset.

    Args:
        fits: what ``measure`` returned.
        width: the most columns the table may take; a wider one is cut into slices.

    Returns:
        The table, lines joined by newlines.

    Examples:
        >>> fit = Fit("torch", "fc1", "dense", "weight", (128, 64), "XavierUniform(gain=1.0)", "U[-0.125, 0.125)",
        ...           0.73, "yes")
        >>> print(table([fit]))
        framework  layer  kind   role    shape      closest spec                p  own preset
        torch      fc1    dense  weight  (128, 64)  XavierUniform(gain=1.0)  0.73  yes
    """
    from .._table import wrap_table
    rows = [("framework", "layer", "kind", "role", "shape", "closest spec", "p", "own preset")]
    for f in fits:
        rows.append((f.framework, f.layer, f.kind, f.role, str(f.shape), f.spec or f.law, f"{f.p:.3g}", f.preset))
    return wrap_table(rows, width, right=(6,))


DESCRIPTION = "Measure each installed framework's default initialization and check that its preset reproduces it."


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``unifiedinit defaults``'s options to ``parser``: ``--frameworks``, ``--json`` and ``--wide``.

    Args:
        parser: the command's argument parser (``unifiedinit.cli`` gives its subparser).

    Examples:
        >>> import argparse
        >>> parser = argparse.ArgumentParser()
        >>> configure(parser)
        >>> parser.parse_args(["--frameworks", "torch,flax"]).frameworks
        'torch,flax'
    """
    parser.add_argument("--frameworks", metavar="LIST", help=f"comma-separated: {','.join(zoo.FRAMEWORKS)}")
    parser.add_argument("--json", metavar="PATH", help="also write the table as JSON")
    parser.add_argument("--wide", action="store_true", help="one table however wide (default: fit 100 columns)")


def execute(args: argparse.Namespace) -> int:
    """Run ``unifiedinit defaults`` with parsed options: measure, print the table, write the JSON.

    Args:
        args: the options ``configure`` defines, as ``argparse`` parsed them.

    Returns:
        The exit code: 0 when every preset reproduces (or keeps) its framework's default, 1 when one does not
        (a parameter no rule of the preset matches included).

    Raises:
        unifiedinit.cli.Problem: an unknown framework, none of those asked for installed, SciPy missing, or a
            ``--json`` path that cannot be written.

    Examples:
        >>> import argparse, contextlib, io
        >>> import torch
        >>> _ = torch.manual_seed(0)
        >>> parser = argparse.ArgumentParser()
        >>> configure(parser)
        >>> with contextlib.redirect_stdout(io.StringIO()):  # the table
        ...     code = execute(parser.parse_args(["--frameworks", "torch"]))
        >>> code
        0
    """
    from ..backends import REGISTRY, available
    from ..cli import Problem, framework_names, need_scipy, writable
    frameworks = list(zoo.FRAMEWORKS)
    if args.frameworks is not None:  # given, even empty ('' names none: refused, not read as the default)
        frameworks = framework_names(args.frameworks, "--frameworks", zoo.FRAMEWORKS)
    missing = [f for f in frameworks if not available(f)]
    if len(missing) == len(frameworks):
        raise Problem(f"{'none of ' + ', '.join(missing) + ' is' if len(missing) > 1 else missing[0] + ' is not'} "
                      f"installed: {'; '.join(REGISTRY[f].install for f in missing)}")
    need_scipy()  # the exact laws: said in one line before the --json folder is made
    if args.json:
        writable(args.json, "--json")
    fits = measure(frameworks)
    print(table(fits, 10 ** 6 if args.wide else 100))
    bad = [f for f in fits if f.preset in ("no", "unmatched")]
    unmatched = sum(f.preset == "unmatched" for f in fits)
    print(f"\n{sum(f.preset == 'yes' for f in fits)} reproduced by their framework's preset, "
          f"{sum(f.preset == 'kept' for f in fits)} kept (not per-parameter), {len(bad)} not reproduced"
          + (f" ({unmatched} matched by no rule of the preset)" if unmatched else ""))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump([asdict(f) for f in fits], fh, indent=1)
    return 1 if bad else 0


def main(argv: Sequence[str] | None = None) -> int:
    """``unifiedinit defaults ...`` (see ``unifiedinit.cli``).

    Args:
        argv: the command's arguments, without ``defaults`` (default none: every installed framework).

    Returns:
        The exit code: 0 every default reproduced, 1 one is not or a problem was reported, 2 a usage error.

    Examples:
        >>> main(["--frameworks", "nothing"])  # the problem goes to stderr
        1
    """
    from ..cli import main as cli
    return cli(["defaults", *(argv or [])])
