"""How a backend samples the primitives, written once.

A backend supplies an ``Ops``: a dozen array operations in its own framework, drawing from its own RNG
(uniform and normal draws, erfinv, where, argsort, QR, reshaping, conversion). ``draw(ops, d, shape, dtype)``
builds every primitive of ``unifiedinit.draws`` from them: mixtures and affine maps, truncated normals by
the inverse CDF on their window, orthogonal matrices (QR with the signs of diag(R)), sparse columns (a
random permutation of the rows in every column), and the final rounding into the support. The deterministic
structured draws (eye, dirac, arrays) are built by the NumPy reference and converted, so their index
arithmetic exists once.

Nothing here imports a framework; JAX's Ops keeps its key in Python state, so the traced computation stays
pure under ``jit``.
"""

from __future__ import annotations

import math
from typing import Any

from . import draws as D

__all__ = ["Ops", "NumpyLikeOps", "draw", "phi"]


def phi(x: float) -> float:
    """The standard normal CDF."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


class Ops:
    """The array operations a backend provides. ``dt`` is the backend's own dtype object or name."""

    def work_dtype(self, dtype: Any) -> Any:
        """The dtype random numbers are drawn in (float32 at least; rounded once to ``dtype`` at the end)."""
        raise NotImplementedError

    def uniform(self, shape: tuple[int, ...], low: float, high: float, dt: Any) -> Any:
        raise NotImplementedError

    def normal(self, shape: tuple[int, ...], mean: float, std: float, dt: Any) -> Any:
        raise NotImplementedError

    def truncated_normal(self, shape: tuple[int, ...], d: D.TruncatedNormal, dt: Any) -> Any:
        """Inverse CDF on the window, exact for any window; a backend with a native sampler overrides it."""
        lo, hi = phi((d.low - d.mean) / d.std), phi((d.high - d.mean) / d.std)
        u = self.uniform(shape, 2.0 * lo - 1.0, 2.0 * hi - 1.0, dt)
        return d.mean + d.std * math.sqrt(2.0) * self.erfinv(u)

    def erfinv(self, x: Any) -> Any:
        raise NotImplementedError

    def full(self, shape: tuple[int, ...], value: float, dt: Any) -> Any:
        raise NotImplementedError

    def where(self, cond: Any, a: Any, b: Any) -> Any:
        raise NotImplementedError

    def argsort0(self, x: Any) -> Any:
        """Argsort along axis 0."""
        raise NotImplementedError

    def qr(self, m: Any) -> tuple[Any, Any]:
        """Reduced QR of a tall matrix (rows >= cols)."""
        raise NotImplementedError

    def diagonal(self, m: Any) -> Any:
        raise NotImplementedError

    def sign(self, x: Any) -> Any:
        raise NotImplementedError

    def transpose(self, m: Any) -> Any:
        raise NotImplementedError

    def reshape(self, x: Any, shape: tuple[int, ...]) -> Any:
        raise NotImplementedError

    def moveaxis(self, x: Any, source: int, destination: int) -> Any:
        raise NotImplementedError

    def from_numpy(self, a: Any, dt: Any) -> Any:
        raise NotImplementedError

    def cast(self, x: Any, dtype: Any) -> Any:
        raise NotImplementedError

    def clip(self, x: Any, low: float, high: float) -> Any:
        raise NotImplementedError

    def stack(self, parts: list) -> Any:
        raise NotImplementedError


class NumpyLikeOps(Ops):
    """Ops whose array functions come from a NumPy-like namespace ``xp`` (``jax.numpy``, ``keras.ops``): the
    names and signatures they share with NumPy are bound once here."""

    xp: Any = None

    def full(self, shape: tuple[int, ...], value: float, dt: Any) -> Any:
        return self.xp.full(shape, value, dtype=dt)

    def where(self, cond: Any, a: Any, b: Any) -> Any:
        return self.xp.where(cond, a, b)

    def argsort0(self, x: Any) -> Any:
        return self.xp.argsort(x, axis=0)

    def diagonal(self, m: Any) -> Any:
        return self.xp.diagonal(m)

    def sign(self, x: Any) -> Any:
        return self.xp.sign(x)

    def transpose(self, m: Any) -> Any:
        return self.xp.transpose(m)

    def reshape(self, x: Any, shape: tuple[int, ...]) -> Any:
        return self.xp.reshape(x, shape)

    def moveaxis(self, x: Any, source: int, destination: int) -> Any:
        return self.xp.moveaxis(x, source, destination)

    def clip(self, x: Any, low: float, high: float) -> Any:
        return self.xp.clip(x, low, high)

    def stack(self, parts: list) -> Any:
        return self.xp.stack(parts)


def _clipped(ops: Ops, x: Any, d: D.Draw, final: Any) -> Any:
    """Keep a bounded primitive in its support as the final dtype holds it (ends that dtype holds exactly, so the
    final rounding cannot leave it)."""
    from .reference import support_in
    support = support_in(d, final)
    return x if support is None else ops.clip(x, *support)


def _elementwise(ops: Ops, d: D.Draw, shape: tuple[int, ...], dt: Any, final: Any) -> Any:
    if isinstance(d, D.Uniform):
        return _clipped(ops, ops.uniform(shape, d.low, d.high, dt), d, final)
    if isinstance(d, D.Normal):
        return ops.normal(shape, d.mean, d.std, dt)
    if isinstance(d, D.TruncatedNormal):
        return _clipped(ops, ops.truncated_normal(shape, d, dt), d, final)
    if isinstance(d, D.Constant):
        return ops.full(shape, d.value, dt)
    if isinstance(d, D.Affine):
        return _clipped(ops, d.scale * _elementwise(ops, d.base, shape, dt, dt) + d.shift, d, final)
    if isinstance(d, D.Mixture):
        # component i where edge_i <= u < edge_(i+1): later components overwrite where u passed their edge
        u = ops.uniform(shape, 0.0, 1.0, ops.work_dtype("float32"))
        out = _elementwise(ops, d.components[0], shape, dt, final)
        edge = 0.0
        for comp, w in zip(d.components[1:], d.weights[:-1]):
            edge += w
            out = ops.where(u >= edge, _elementwise(ops, comp, shape, dt, final), out)
        return out
    raise TypeError(f"not an elementwise draw: {d!r}")  # pragma: no cover


def _orthogonal(ops: Ops, d: D.Orthogonal, shape: tuple[int, ...], dt: Any) -> Any:
    axis = d.out_axis % len(shape)
    rows = shape[axis]
    cols = math.prod(shape) // rows
    q, r = ops.qr(ops.normal((max(rows, cols), min(rows, cols)), 0.0, 1.0, dt))
    q = q * ops.sign(ops.diagonal(r))
    if rows < cols:
        q = ops.transpose(q)
    rest = tuple(shape[i] for i in range(len(shape)) if i != axis)
    return d.gain * ops.moveaxis(ops.reshape(q, (rows,) + rest), 0, axis)


def _sparse(ops: Ops, d: D.Sparse, shape: tuple[int, ...], dt: Any) -> Any:
    w = ops.moveaxis(ops.normal(shape, 0.0, d.std, dt), d.out_axis, 0)
    rows_first = (shape[d.out_axis],) + tuple(s for i, s in enumerate(shape) if i != d.out_axis)
    zeros = math.ceil(d.sparsity * rows_first[0])
    # the rank of a uniform within its column is a uniformly random permutation of the rows
    rank = ops.argsort0(ops.argsort0(ops.uniform(rows_first, 0.0, 1.0, ops.work_dtype("float32"))))
    return ops.moveaxis(ops.where(rank < zeros, ops.full(rows_first, 0.0, dt), w), 0, d.out_axis)


def draw(ops: Ops, d: D.Draw, shape: tuple[int, ...], dtype: Any, stacked: tuple[int, ...] = ()) -> Any:
    """Sample the primitive ``d`` for a tensor of ``shape`` with ``ops``, in ``dtype``. ``stacked`` axes hold one
    layer per index: an elementwise draw covers them at once, a structured one (orthogonal, sparse, eye...) is
    drawn per layer and stacked."""
    if stacked and not d.elementwise:
        layers = tuple(shape[a] for a in stacked)
        one = tuple(n for i, n in enumerate(shape) if i not in stacked)
        parts = [draw(ops, d, one, dtype) for _ in range(math.prod(layers))]
        x = ops.reshape(ops.stack(parts), layers + one)
        for i, a in enumerate(stacked):
            x = ops.moveaxis(x, i, a)
        return x
    dt = ops.work_dtype(dtype)
    if d.elementwise:
        x = _elementwise(ops, d, shape, dt, dtype)
    elif isinstance(d, D.Orthogonal):
        x = _orthogonal(ops, d, shape, dt)
    elif isinstance(d, D.Sparse):
        x = _sparse(ops, d, shape, dt)
    elif d.deterministic:  # eye, dirac, array: exact values, built once by the reference
        from .reference import draw_array
        x = ops.from_numpy(draw_array(d, shape, None, "float64"), dt)
    else:  # pragma: no cover
        raise TypeError(f"unknown draw {d!r}")
    return ops.cast(x, dtype)
