"""Argument checks shared by every spec, layout and backend.

Every message has the same shape: who complains, which parameter, the value it got, and what is allowed,
so the same mistake reads the same whichever framework it is made in.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Iterable


def _where(owner: str, name: str) -> str:
    return f"{owner}: parameter '{name}'" if owner else f"parameter '{name}'"


def real(owner: str, name: str, value: Any) -> float:
    """A finite real number (bools and strings are refused), returned as a Python float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{_where(owner, name)} must be a real number, got {value!r} of type {type(value).__name__}")
    try:
        out = float(value)
    except OverflowError:
        out = math.inf
    if not math.isfinite(out):
        raise ValueError(f"{_where(owner, name)} must be a finite number, got {value!r}")
    return out


def positive(owner: str, name: str, value: Any) -> float:
    out = real(owner, name, value)
    if out <= 0:
        raise ValueError(f"{_where(owner, name)} must be > 0, got {out!r}")
    return out


def non_negative(owner: str, name: str, value: Any) -> float:
    out = real(owner, name, value)
    if out < 0:
        raise ValueError(f"{_where(owner, name)} must be >= 0, got {out!r}")
    return out


def integer(owner: str, name: str, value: Any, *, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{_where(owner, name)} must be an integer, got {value!r} of type {type(value).__name__}")
    out = int(value)
    if minimum is not None and out < minimum:
        raise ValueError(f"{_where(owner, name)} must be an integer >= {minimum}, got {out!r}")
    return out


def choice(owner: str, name: str, value: Any, allowed: Iterable[str]) -> str:
    allowed = tuple(allowed)
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{_where(owner, name)} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value


def ordered(owner: str, low_name: str, low: float, high_name: str, high: float) -> None:
    if not low < high:
        raise ValueError(f"{owner}: parameters '{low_name}' and '{high_name}' must satisfy {low_name} < {high_name}, "
                         f"got {low_name}={low!r}, {high_name}={high!r}")


FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")


def tensor_dtype(dtype_name: str, deterministic: bool) -> None:
    """Random draws need a floating dtype; determined ones (constants, eye, dirac, arrays) fit any number dtype."""
    if dtype_name in FLOAT_DTYPES or (deterministic and dtype_name not in ("bool",)):
        return
    allowed = ", ".join(FLOAT_DTYPES)
    raise TypeError(f"parameter 'tensor' has dtype {dtype_name}, which cannot hold "
                    f"{'this initializer' if deterministic else 'random values'}; allowed: {allowed}")
