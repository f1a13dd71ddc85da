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


def _numpy2_aliases(np: ModuleType) -> dict[str, Any]:
    """The names MXNet 1.9.1 reads from NumPy while it imports, that NumPy 2 (or 1.24+) no longer has."""
    aliases: dict[str, Any] = {
        "PZERO": 0.0, "NZERO": -0.0, "PINF": math.inf, "NINF": -math.inf, "NAN": math.nan, "NaN": math.nan,
        "Inf": math.inf, "Infinity": math.inf, "infty": math.inf,
        "alltrue": np.all, "sometrue": np.any, "product": np.prod, "round_": np.round, "in1d": np.isin,
        "trapz": getattr(np, "trapezoid", None), "msort": lambda a: np.sort(a, axis=0),
    }
    for name in ("mirr", "npv", "pmt", "ppmt", "pv", "rate", "fv", "ipmt", "irr", "nper"):
        aliases[name] = _removed_function(name)
    return aliases


#: filled by import_mxnet: the aliases it supplied while importing MXNet (empty under numpy<1.24)
NUMPY2_ALIASES: dict[str, Any] = {}


def import_mxnet() -> ModuleType:
    """``import mxnet``, with NumPy 2's removed aliases supplied during the import and removed afterwards."""
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
