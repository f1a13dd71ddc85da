"""What the real-model suite checks, parameter by parameter, written once for every framework.

Each model's parameters are compared with the same model initialized by its framework: two-sample
Kolmogorov-Smirnov on the values (at most ``SAMPLE`` of each, drawn with a fixed seed), constants exactly. A
suite makes a few hundred comparisons, so each runs at ``ALPHA`` = 1e-6: a correct initializer fails one with
probability 1e-6, the whole suite by chance with probability under 1e-3, and with the fixed seeds a run is
repeatable. At ``SAMPLE`` = 200,000 values a side the test rejects a law whose CDF is 0.009 off anywhere (a std
wrong by about 2 %, a truncated normal in place of a normal of the same variance).
"""

from __future__ import annotations

import os

import numpy as np

ALPHA = 1e-6
SAMPLE = 200_000
#: ``UNIFIEDINIT_EVERY_MODEL=1``: the zoo tests (keras.applications, Gluon's model zoo) take every model their
#: zoo lists, not one or two of each family (a long run, outside ``make test``)
EVERY_MODEL = os.environ.get("UNIFIEDINIT_EVERY_MODEL") == "1"


def sample(values, seed: int = 0) -> np.ndarray:
    flat = np.asarray(values, dtype=np.float64).ravel()
    if flat.size > SAMPLE:
        flat = np.random.default_rng(seed).choice(flat, SAMPLE, replace=False)
    return flat


def same_law(ours, theirs, where: str = "") -> None:
    """``ours`` and ``theirs`` come from the same law: equal when ``theirs`` is a constant, else a two-sample KS at
    ``ALPHA``."""
    from unifiedinit.verify import stats
    a, b = np.asarray(ours, dtype=np.float64).ravel(), np.asarray(theirs, dtype=np.float64).ravel()
    assert a.size == b.size, f"{where}: {a.size} values against {b.size}"
    if np.unique(b).size == 1:
        assert np.unique(a).tolist() == np.unique(b).tolist(), f"{where}: {np.unique(a)[:5]} instead of {b[0]}"
        return
    # theirs is drawn: ours a constant is wrong, however few the entries (a KS test on four cannot say so)
    assert np.unique(a).size > 1, f"{where}: the constant {a[0]} where the framework draws (std {b.std():.4g})"
    p = stats.ks_2samp(sample(a, 1), sample(b, 2))[1]
    assert p > ALPHA, f"{where}: two-sample KS p = {p:.3g} (std {a.std():.4g} against {b.std():.4g})"


def has_laws(values: dict, laws: dict, where: str = "") -> None:
    """Each ``laws`` name's array in ``values`` follows its law: a ``ui.Constant`` exactly, any other spec by a
    one-sample KS test at ``ALPHA`` against its exact CDF (a constructor's law written from the shapes)."""
    import unifiedinit as ui
    from unifiedinit.verify import stats
    for name, law in laws.items():
        x = np.asarray(values[name]).ravel()
        if isinstance(law, ui.Constant):
            assert (x == np.float32(law.value)).all(), (where, name, x[:3])
        else:
            verdict = stats.check(x, law, alpha=ALPHA)
            assert verdict, (where, name, str(verdict))


def unchanged(before: dict, after: dict, allowed: set) -> None:
    """Nothing but ``allowed`` names changed between two {name: array} snapshots (buffers, frozen tensors...)."""
    changed = {k for k in before if not np.array_equal(before[k], after[k], equal_nan=True)}
    assert changed <= allowed, f"changed but should not: {sorted(changed - allowed)[:10]}"
