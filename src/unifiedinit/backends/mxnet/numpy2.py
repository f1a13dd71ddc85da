"""MXNet 1.9.1 under NumPy 2: MXNet reads NumPy aliases at import time that NumPy 2 removed (``np.PZERO``,
``np.NaN``, ``np.round_``, the financial functions...). ``import_mxnet()`` supplies exactly those while
``import mxnet`` runs and removes them again afterwards, so NumPy is left as it was; under ``numpy<1.24`` it is a
plain import. MXNet's C API also refuses NumPy scalars, so every number handed to it is a Python number."""

from __future__ import annotations

import math
import sys
import warnings
from types import ModuleType
from typing import Any


def _removed_function(name: str) -> Any:
    def removed(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"numpy.{name} was removed from NumPy (see numpy-financial and the NumPy 2 "
                                  f"migration guide); MXNet's mx.np.{name} is not available under NumPy 2")
    removed.__name__ = name
    return removed


def _msort(a: Any) -> Any:
    """NumPy's removed ``msort``: a sorted along its first axis."""
    import numpy as np
    return np.sort(a, axis=0)


def _numpy2_aliases(np: ModuleType) -> dict[str, Any]:
    """The names MXNet 1.9.1 reads from NumPy while it imports, that NumPy 2 (or 1.24+) no longer has."""
    aliases: dict[str, Any] = {
        "PZERO": 0.0, "NZERO": -0.0, "PINF": math.inf, "NINF": -math.inf, "NAN": math.nan, "NaN": math.nan,
        "Inf": math.inf, "Infinity": math.inf, "infty": math.inf,
        "alltrue": np.all, "sometrue": np.any, "product": np.prod, "round_": np.round, "in1d": np.isin,
        "trapz": getattr(np, "trapezoid", None), "msort": _msort,
    }
    for name in ("mirr", "npv", "pmt", "ppmt", "pv", "rate", "fv", "ipmt", "irr", "nper"):
        aliases[name] = _removed_function(name)
    return aliases


#: filled by import_mxnet: the aliases it supplied while importing MXNet (empty under numpy<1.24)
NUMPY2_ALIASES: dict[str, Any] = {}


def import_mxnet() -> ModuleType:
    """``import mxnet``, with NumPy 2's removed aliases supplied during the import and removed afterwards.

    MXNet 1.9.1 reads names at import time that NumPy 2 (or 1.24+) removed (``np.PZERO``, ``np.NaN``,
    ``np.round_``, the financial functions, ...). Only the names NumPy lacks are supplied, and each is removed
    again once the import is done (unless something replaced it meanwhile), so NumPy is left as it was; the names
    supplied are recorded in ``NUMPY2_ALIASES``. Under ``numpy<1.24`` it is a plain import. An MXNet already
    imported is returned as it is.

    Returns:
        The ``mxnet`` module.

    Raises:
        ImportError: MXNet is not installed (``pip install --no-deps mxnet==1.9.1`` beside NumPy 2; see the
            README), or its own import fails.

    Examples:
        >>> from unifiedinit.backends.mxnet import import_mxnet
        >>> mx = import_mxnet()
        >>> mx.__name__, import_mxnet() is mx
        ('mxnet', True)
    """
    if "mxnet" in sys.modules:
        return sys.modules["mxnet"]
    import numpy as np
    with warnings.catch_warnings():  # numpy<1.24 answers the financial names with a deprecation stub
        warnings.simplefilter("ignore")
        supplied = {name: value for name, value in _numpy2_aliases(np).items() if not hasattr(np, name)}
    for name, value in supplied.items():
        setattr(np, name, value)
    try:
        import mxnet
    finally:
        for name in supplied:
            if vars(np).get(name) is supplied[name]:
                delattr(np, name)
    NUMPY2_ALIASES.update(supplied)
    return mxnet


mx = import_mxnet()
