"""``unifiedinit.samplers`` over MXNet: ``mx.nd`` on one context, drawing from MXNet's global RNG."""

from __future__ import annotations

from typing import Any

from ...samplers import Ops
from .numpy2 import mx


def _num(x: float) -> float:
    """A Python float MXNet's random and clip operators accept, for a float32 (or float16) draw: they read their
    numbers as float32 and refuse subnormal ones ("Out of range value"), so those below float32's smallest normal
    (1.2e-38) become 0, a change far below float32's resolution here. A float64 draw never comes here: its numbers
    go through MXNet's scalar operators, which keep double precision (``MXNetOps.affine``, ``MXNetOps.clip``)."""
    x = float(x)
    return 0.0 if abs(x) < _TINY32 else x


#: the smallest normal float32: MXNet's random and clip operators take no smaller number but 0
_TINY32 = 1.1754943508222875e-38


def _flushed(*xs: float) -> bool:
    """Whether ``_num`` would change one of ``xs`` (a nonzero number below float32's smallest normal): such a
    bound or scale goes through the scalar operators instead, which read doubles."""
    return any(x != 0 and abs(x) < _TINY32 for x in xs)


#: the smallest normal float64: MXNet's parameter parser refuses a smaller number but 0 ("Out of range value")
_TINY64 = 2.2250738585072014e-308


def _subnormal(*xs: float) -> bool:
    """Whether one of ``xs`` is a number MXNet's scalar operators refuse: a subnormal float64."""
    return any(x != 0 and abs(x) < _TINY64 for x in xs)


class MXNetOps(Ops):
    """``unifiedinit.samplers``'s array operations on ``mx.nd``, on one context, drawing from MXNet's global RNG.

    ``mx.random.seed`` makes its draws repeatable. float16 and bfloat16 are drawn in float32 and rounded once;
    numbers handed to MXNet are Python floats (its parameter parser refuses NumPy scalars and subnormal numbers).
    MXNet's random and clip operators read their bounds, mean and scale as float32: a float64 draw is its standard
    law (uniform on [0, 1), N(0, 1)) moved by scalar operators, which keep double precision, and clipped against
    scalars the same way; a number MXNet cannot parse (a subnormal float64) is applied on the host. A QR is
    NumPy's on the host, on one BLAS thread (MXNet's own runs on its OpenMP threads and rounds differently with
    their number), so a seed gives the same orthogonal matrix whatever ``OMP_NUM_THREADS`` says.

    Args:
        ctx: the ``mx.Context`` the arrays are made on (``mx.cpu()``, ``mx.gpu(0)``, a parameter's ``context``).

    Raises:
        AttributeError: ``ctx`` is not an ``mx.Context`` (raised by MXNet at the first draw: nothing is checked
            when the ops are made).
        mxnet.base.MXNetError: a draw on a context this MXNet build does not have (``mx.gpu(0)`` on a CPU build).

    Examples:
        >>> from unifiedinit.backends.mxnet import MXNetOps, mx
        >>> ops = MXNetOps(mx.cpu())
        >>> ops.full((2, 2), 0.5, "float32").asnumpy().tolist()
        [[0.5, 0.5], [0.5, 0.5]]
        >>> ops.work_dtype("float16")
        'float32'
    """

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx

    def work_dtype(self, dtype: str) -> str:
        return "float32" if dtype in ("float16", "bfloat16") else dtype

    # with ``out`` (a parameter's own array, of the work dtype) MXNet draws into it: the same numbers, without a
    # new array and a copy
    def uniform(self, shape: tuple[int, ...], low: float, high: float, dt: str, out: Any = None) -> Any:
        if (dt != "float64" and not _flushed(low, high)) or (low, high) == (0.0, 1.0):
            return mx.nd.random.uniform(_num(low), _num(high), shape=shape, dtype=dt, ctx=self.ctx, out=out)
        # MXNet reads low and high as float32: U[0, 1) in float64, moved in double precision (a window wider than
        # float64's range is refused before any draw); so too a float32 window below float32's smallest normal,
        # which MXNet's uniform reads as [0, 0] (every value 0, outside the window)
        return self.uniform_by_unit(shape, low, high, dt, out)

    def normal(self, shape: tuple[int, ...], mean: float, std: float, dt: str, out: Any = None) -> Any:
        if dt != "float64" and not _flushed(std):
            return mx.nd.random.normal(_num(mean), _num(std), shape=shape, dtype=dt, ctx=self.ctx, out=out)
        # MXNet reads loc and scale as float32: N(0, 1) in float64, then mean + std z in two roundings (as the
        # NumPy reference computes it); so too a std below float32's smallest normal, which MXNet's normal refuses
        # only when the array is read ("scale parameter in gaussian has to be positive": it wrote nothing)
        z = mx.nd.random.normal(0.0, 1.0, shape=shape, dtype=dt, ctx=self.ctx, out=out)
        return self.affine_fresh(z, std, mean)

    def affine(self, x: Any, scale: float, shift: float) -> Any:
        return self._affine(x, float(scale), float(shift), in_place=False)

    def affine_fresh(self, x: Any, scale: float, shift: float) -> Any:
        return self._affine(x, float(scale), float(shift), in_place=True)

    def _affine(self, x: Any, scale: float, shift: float, *, in_place: bool) -> Any:
        """scale * x + shift in two roundings, with MXNet's scalar operators (double precision); in ``x`` itself
        when ``in_place`` (a fresh draw, or the array it was drawn into). A subnormal float64 ``scale`` or
        ``shift``, which MXNet's parser refuses, is applied on the host, in float64."""
        if _subnormal(scale, shift):
            import numpy as np
            a = np.asarray(x.asnumpy(), dtype=np.float64)
            a *= scale
            a += shift
            y = self.from_numpy(a, np.dtype(x.dtype).name)
            if not in_place:
                return y
            x[:] = y
            return x
        if not in_place:
            return super().affine(x, scale, shift)
        if scale != 1.0:
            x *= scale
        if shift != 0.0:
            x += shift
        return x

    def full(self, shape: tuple[int, ...], value: float, dt: str, out: Any = None) -> Any:
        if value != 0 and abs(value) < 1.1754943508222875e-38:  # subnormal: exactly, through the host
            import numpy as np
            return self.from_numpy(np.full(shape, value), dt)
        return mx.nd.full(shape, float(value), ctx=self.ctx, dtype=dt, out=out)

    def assign(self, out: Any, x: Any) -> Any:
        out[:] = self.cast(x, out.dtype)  # rounded once by ``cast``, as a draw without ``out`` returns it
        return out

    def erfinv(self, x: Any) -> Any:
        return mx.nd.erfinv(x)

    def exp(self, x: Any) -> Any:
        return mx.nd.exp(x)

    def expm1(self, x: Any) -> Any:
        return mx.nd.expm1(x)

    def log(self, x: Any) -> Any:
        return mx.nd.log(x)

    def where(self, cond: Any, a: Any, b: Any) -> Any:
        return mx.nd.where(cond, a, b)

    def argsort0(self, x: Any) -> Any:
        return mx.nd.argsort(x, axis=0, dtype="int32")

    def qr(self, m: Any) -> tuple[Any, Any]:
        # MXNet's own (gelqf, LQ) is blocked LAPACK on MXNet's OpenMP threads and rounds differently with their
        # number, which threadpoolctl cannot pin: NumPy's QR on the host instead, on one BLAS thread, one QR at a
        # time (the NumPy backend's), and back in the matrix's dtype and context
        import numpy as np
        from ..numpy.ops import NumpyOps
        dt = np.dtype(m.dtype).name
        q, r = NumpyOps(None).qr(m.asnumpy())
        return self.from_numpy(q, dt), self.from_numpy(r, dt)

    def diagonal(self, m: Any) -> Any:
        return mx.nd.diag(m)

    def sign(self, x: Any) -> Any:
        return mx.nd.sign(x)

    def transpose(self, m: Any) -> Any:
        return m.T

    def reshape(self, x: Any, shape: tuple[int, ...]) -> Any:
        return x.reshape(shape)

    def moveaxis(self, x: Any, source: int, destination: int) -> Any:
        axes = list(range(x.ndim))  # not mx.nd.moveaxis: it reads numpy.core, deprecated in NumPy 2
        axes.insert(destination % x.ndim, axes.pop(source % x.ndim))
        return x.transpose(axes)

    def from_numpy(self, a: Any, dt: str) -> Any:
        import numpy as np
        return mx.nd.from_numpy(np.ascontiguousarray(a, dtype=dt), zero_copy=False).as_in_context(self.ctx)

    def cast(self, x: Any, dtype: str) -> Any:
        return x.astype(dtype, copy=False)

    def clip(self, x: Any, low: float, high: float) -> Any:
        import numpy as np
        if np.dtype(x.dtype).name != "float64" and not _flushed(low, high):
            return mx.nd.clip(x, _num(low), _num(high))
        # mx.nd.clip reads its bounds as float32 (a float64 value past high by half a float32 step passed, a bound
        # below float32's smallest normal was 0): the scalar minimum and maximum keep double precision; a
        # subnormal float64 bound (refused by MXNet's parser) is applied on the host
        if _subnormal(low, high):
            return self.from_numpy(np.clip(x.asnumpy(), low, high), np.dtype(x.dtype).name)
        return mx.nd.maximum(mx.nd.minimum(x, float(high)), float(low))

    def stack(self, parts: list[Any]) -> Any:
        return mx.nd.stack(*parts)

    def concat(self, parts: list[Any], axis: int) -> Any:
        return mx.nd.concat(*parts, dim=axis)

    def permute(self, x: Any, axes: tuple[int, ...]) -> Any:
        return x.transpose(axes)

    def flip(self, x: Any, axes: tuple[int, ...]) -> Any:
        return mx.nd.flip(x, axis=axes)

    def broadcast_mul(self, a: Any, b: Any) -> Any:
        return mx.nd.broadcast_mul(a, b)
