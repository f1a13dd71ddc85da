"""What the parity suites share: comparing ours with the framework's function in the same run.

Random functions are compared by a two-sample KS test at ``ALPHA`` (1e-6 each: a parity file makes at most a few
hundred comparisons, so a correct drop-in fails a run by chance with probability under 1e-3; seeds are fixed, so a
run is repeatable); determined ones exactly; errors by exception class.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from unifiedinit.differences import find

ALPHA = 1e-6


def same_law(ours, theirs, where: str = "") -> None:
    from unifiedinit.verify import stats
    a = np.asarray(ours, dtype=np.complex128 if np.iscomplexobj(ours) else np.float64).ravel()
    b = np.asarray(theirs, dtype=np.complex128 if np.iscomplexobj(theirs) else np.float64).ravel()
    assert a.shape == b.shape, f"{where}: {a.shape} against {b.shape}"
    if np.iscomplexobj(a) or np.iscomplexobj(b):
        same_law(a.real, b.real, where + " (real part)")
        same_law(a.imag, b.imag, where + " (imaginary part)")
        return
    if np.unique(b).size == 1:
        np.testing.assert_array_equal(a, b, err_msg=where)
        return
    p = stats.ks_2samp(a, b)[1]
    assert p > ALPHA, f"{where}: two-sample KS p = {p:.3g} (std {a.std():.4g} against {b.std():.4g})"


def same_error(ours, theirs, where: str = "") -> None:
    """Both raised, and ours is an instance of the framework's exception class."""
    assert theirs is not None, f"{where}: the framework did not raise"
    assert ours is not None, f"{where}: we did not raise where the framework raises {type(theirs).__name__}: {theirs}"
    assert isinstance(ours, type(theirs)), f"{where}: {type(ours).__name__} is not a {type(theirs).__name__}"


def outcome(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, Exception | None]:
    """(result, exception) of calling ``fn``: the result is whatever the framework returns (None when it raised)."""
    try:
        return fn(*args, **kwargs), None
    except Exception as err:  # noqa: BLE001 - the parity tests compare whatever comes out
        return None, err


def intended(framework: str, function: str):
    """The recorded intentional difference for ``function``, or None (then the behaviour must be the framework's)."""
    return find(framework, function)
