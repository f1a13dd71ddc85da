"""``unifiedinit.samplers`` over MXNet: ``mx.nd`` on one context, drawing from MXNet's global RNG."""

from __future__ import annotations

from typing import Any

from ...samplers import Ops
from .numpy2 import mx


def _num(x: float) -> float:
    """A Python float MXNet's parameter parser accepts: it refuses subnormal numbers ("Out of range value"), so
    those below float32's smallest normal (1.2e-38) become 0, a change far below any dtype's resolution here."""
    x = float(x)
    return 0.0 if abs(x) < 1.1754943508222875e-38 else x


class MXNetOps(Ops):
    """``unifiedinit.samplers``'s array operations on ``mx.nd``, on one context, drawing from MXNet's global RNG.

    ``mx.random.seed`` makes its draws repeatable. float16 and bfloat16 are drawn in float32 and rounded once;
    numbers handed to MXNet are Python floats (its parameter parser refuses NumPy scalars and subnormal numbers).

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
        return mx.nd.random.uniform(_num(low), _num(high), shape=shape, dtype=dt, ctx=self.ctx, out=out)

    def normal(self, shape: tuple[int, ...], mean: float, std: float, dt: str, out: Any = None) -> Any:
        return mx.nd.random.normal(_num(mean), _num(std), shape=shape, dtype=dt, ctx=self.ctx, out=out)

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
        # MXNet has LQ (gelqf) only: m.T = L Q gives m = Q.T L.T, with Q.T orthonormal columns and L.T upper
        q, lower = mx.nd.linalg.gelqf(m.T)
        return q.T, lower.T

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
        return mx.nd.clip(x, _num(low), _num(high))

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
