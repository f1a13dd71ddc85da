"""``Ops`` over NumPy in float64, drawing from one ``numpy.random.Generator``: the exact reference."""

from __future__ import annotations

import functools
import math
import threading
from typing import Any

import numpy as np

from ... import draws as D
from ...counter import Arith
from ...samplers import NumpyLikeOps


_QR_LOCK = threading.Lock()


@functools.cache
def _blas_controller() -> Any:
    """threadpoolctl's view of the BLAS libraries loaded (NumPy's among them: it is imported by now)."""
    from threadpoolctl import ThreadpoolController
    return ThreadpoolController()


def truncated_standard(rng: np.random.Generator, a: float, b: float, n: int) -> np.ndarray:
    """``n`` exact draws from N(0, 1) conditioned on [a, b], by the cheapest exact rejection scheme for the window.

    Robert (1995): plain normals when the window is wide and holds 0, a uniform proposal on a narrow window, or a
    shifted exponential in a tail (a window left of zero is drawn as the mirror of one right of it). Only the
    rejected entries are redrawn, until none is left.

    Args:
        rng: the ``numpy.random.Generator`` to draw from.
        a: the lower bound, in standard units (may be ``-inf``).
        b: the upper bound, > ``a`` (may be ``inf``).
        n: how many values, an int >= 0.

    Returns:
        A float64 NumPy array of ``n`` values in [a, b].

    Examples:
        >>> import numpy as np
        >>> from unifiedinit.backends.numpy.ops import truncated_standard
        >>> z = truncated_standard(np.random.default_rng(0), 3.0, 4.0, 1000)
        >>> z.shape, z.dtype.name, bool(((z >= 3.0) & (z <= 4.0)).all())
        ((1000,), 'float64', True)
    """
    if b <= 0:  # a window left of zero is the mirror of one right of it
        return -truncated_standard(rng, -b, -a, n)
    alpha = 0.0  # the exponential proposal's rate (its scheme only)
    if a < 0:
        scheme = "normal" if b - a >= math.sqrt(2 * math.pi) else "uniform"
    else:
        root = math.sqrt(a * a + 4)
        alpha = (a + root) / 2
        uniform_better = b - a < 2 * math.sqrt(math.e) / (a + root) * math.exp((a * a - a * root) / 4)
        scheme = "uniform" if uniform_better else "exponential"
    rho0 = 0.0 if a < 0 else a * a  # the uniform proposal's log-acceptance is (rho0 - z^2) / 2
    out = np.empty(n)
    todo = np.arange(n)
    while todo.size:
        m = todo.size
        if scheme == "normal":
            z = rng.standard_normal(m)
            ok = (z >= a) & (z <= b)
        elif scheme == "uniform":
            z = rng.uniform(a, b, m)
            ok = rng.random(m) <= np.exp((rho0 - z * z) / 2)
        else:
            z = a + rng.exponential(1 / alpha, m)
            ok = (rng.random(m) <= np.exp(-((z - alpha) ** 2) / 2)) & (z <= b)
        out[todo[ok]] = z[ok]
        todo = todo[~ok]
    return out


class NumpyOps(NumpyLikeOps):
    """The samplers' array operations over NumPy in float64, drawing from one ``numpy.random.Generator``.

    The exact reference (``unifiedinit.sample``) and the definition of portable values: every primitive is drawn
    in float64 (truncated normals by ``truncated_standard``'s exact rejection, not by the inverse CDF), and values
    are rounded once, to the final dtype, by ``cast``.

    Args:
        rng: the ``numpy.random.Generator`` to draw from; None only for the determined draws (constants, eye,
            dirac, ...), which draw nothing.

    Raises:
        Nothing when built: ``rng`` is not checked here. A random draw with None (or anything that is not a
        Generator) raises AttributeError from the draw.

    Examples:
        >>> import numpy as np
        >>> from unifiedinit.backends.numpy import NumpyOps
        >>> ops = NumpyOps(np.random.default_rng(0))
        >>> x = ops.uniform((2, 3), -1.0, 1.0, None)
        >>> x.shape, x.dtype.name, ops.work_dtype("float16").name
        ((2, 3), 'float64', 'float64')
        >>> ops.cast(np.array([0.1, 0.2]), "float16").dtype.name
        'float16'
    """

    xp = np

    def __init__(self, rng: np.random.Generator | None) -> None:
        self.rng: Any = rng  # None only for the determined draws, which draw nothing

    def work_dtype(self, dtype: Any) -> Any:
        return np.dtype(np.float64)

    def uniform(self, shape: tuple[int, ...], low: float, high: float, dt: Any, out: Any = None) -> np.ndarray:
        return self.rng.uniform(low, high, shape)

    def normal(self, shape: tuple[int, ...], mean: float, std: float, dt: Any, out: Any = None) -> np.ndarray:
        # mean + std * z in two roundings, written out (NumPy's own normal computes the same on x86-64, where its C
        # code has no fused multiply-add; written out, no compiler can fuse it): reference.py draws large normals
        # piece by piece with the same two operations
        z = self.rng.standard_normal(shape)
        z *= std
        z += mean
        return z

    def truncated_normal(self, shape: tuple[int, ...], d: D.TruncatedNormal, dt: Any,
                         support: tuple[float, float], out: Any = None) -> np.ndarray:
        a, b = (d.low - d.mean) / d.std, (d.high - d.mean) / d.std
        z = truncated_standard(self.rng, a, b, math.prod(shape)).reshape(shape)
        return np.clip(d.mean + d.std * z, *support)

    def exp(self, x: Any) -> Any:  # the counter stream's own: the same bits on any machine, as NumPy's need not be
        from ...counter import exp
        return exp(NumpyArith(), x)

    def expm1(self, x: Any) -> Any:
        from ...counter import expm1
        return expm1(NumpyArith(), x)

    def inverse_softplus(self, x: Any) -> Any:
        from ...counter import inverse_softplus
        return inverse_softplus(NumpyArith(), x)

    def log(self, x: Any) -> Any:
        from ...counter import log
        return log(NumpyArith(), x)

    def erfinv(self, x: Any) -> Any:  # pragma: no cover - truncated_normal is exact here
        raise NotImplementedError("the reference draws truncated normals by exact rejection")

    def qr(self, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # LAPACK's blocked QR rounds differently with the BLAS thread count (a float64 (300, 300) Q changed between
        # 1 and 2 OpenBLAS threads): one thread, and one QR at a time, since the count is the library's, not the
        # calling thread's (a portable plan draws on several threads)
        with _QR_LOCK, _blas_controller().limit(limits=1, user_api="blas"):
            return np.linalg.qr(m)

    def from_numpy(self, a: Any, dt: Any) -> np.ndarray:
        return np.asarray(a, dtype=np.float64)

    def cast(self, x: np.ndarray, dtype: Any) -> np.ndarray:
        from ...reference import numpy_dtype
        return np.asarray(x).astype(numpy_dtype(dtype, integers=True))


class NumpyArith(Arith):
    """The counter stream's operations (``unifiedinit.counter``) over NumPy: words in uint32, positions in int64.
    The reference of ``stream="counter"``.

    Examples:
        >>> from unifiedinit.backends.numpy import NumpyArith
        >>> NumpyArith().arange(2, 5).tolist()
        [2, 3, 4]
    """

    xp = np
    word = np.uint32
    index = np.int64
    f64 = np.dtype(np.float64)
    threads = True
