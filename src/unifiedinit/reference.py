"""The exact reference sampler (NumPy): the oracle of the tests and the engine of portable mode.

Randomness is counter-based and keyed: ``numpy.random.Philox`` with a 128-bit key derived from
(seed, key), so the values for one parameter depend only on the seed and that parameter's key, never on
what was drawn before or on any global state. Every primitive is sampled exactly in float64 and rounded
once to the requested dtype, kept inside the primitive's support ([low, high) for uniforms, [low, high]
for truncated normals) after rounding.
"""

from __future__ import annotations

import hashlib
import math
from typing import Sequence

import numpy as np

from . import _validate as v
from . import draws as D
from .layout import LayoutLike, TensorInfo
from .specs import Spec

DTYPES = ("float16", "bfloat16", "float32", "float64")
INTEGER_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


def numpy_dtype(dtype: object, integers: bool = False) -> np.dtype:
    """float16 / float32 / float64, or bfloat16 through ml_dtypes (installed with JAX); with ``integers``, an
    integer dtype too (for determined values: a constant into a counter)."""
    name = getattr(dtype, "name", None)
    if not isinstance(name, str):
        try:  # a scalar type such as jnp.float16 or np.float32
            name = np.dtype(dtype).name if isinstance(dtype, type) else str(dtype)
        except TypeError:
            name = str(dtype)
    name = name.replace("torch.", "")
    if name == "bfloat16":
        try:
            import ml_dtypes
        except ImportError:  # pragma: no cover - ml_dtypes comes with jax
            raise ValueError("parameter 'dtype': bfloat16 needs the ml_dtypes package (pip install ml_dtypes)") from None
        return np.dtype(ml_dtypes.bfloat16)
    if name in ("float16", "float32", "float64"):
        return np.dtype(name)
    if integers and name in INTEGER_DTYPES:
        return np.dtype(name)
    raise ValueError(f"parameter 'dtype' must be one of {', '.join(DTYPES)}; got {dtype!r}")


def philox_key(seed: int, key: str = "") -> np.ndarray:
    """The 128-bit Philox key (two uint64 words) for a seed and a parameter key."""
    seed = v.integer("", "seed", seed, minimum=0)
    if not isinstance(key, str):
        raise TypeError(f"parameter 'key' must be a string, got {key!r}")
    digest = hashlib.blake2b(f"unifiedinit/{seed}/{key}".encode(), digest_size=16).digest()
    return np.frombuffer(digest, dtype="<u8").copy()


def generator(seed: int, key: str = "") -> np.random.Generator:
    return np.random.Generator(np.random.Philox(key=philox_key(seed, key)))


# --------------------------------------------------------------------------------- truncated normal

def _truncated_standard(rng: np.random.Generator, a: float, b: float, n: int) -> np.ndarray:
    """n exact draws from N(0, 1) conditioned on [a, b], by the cheapest exact rejection scheme for the
    window (Robert 1995): plain normals, a uniform proposal, or a shifted exponential in a tail."""
    if b <= 0:  # a window left of zero is the mirror of one right of it
        return -_truncated_standard(rng, -b, -a, n)
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


# ------------------------------------------------------------------------------------------ primitives

def _elementwise(draw: D.Draw, rng: np.random.Generator, n: int, dtype: object = "float64") -> np.ndarray:
    """n exact float64 draws, each bounded primitive kept in its support as ``dtype`` holds it."""
    if isinstance(draw, D.Uniform):
        return _clipped(rng.uniform(draw.low, draw.high, n), draw, dtype)
    if isinstance(draw, D.Normal):
        return rng.normal(draw.mean, draw.std, n)
    if isinstance(draw, D.TruncatedNormal):
        a, b = (draw.low - draw.mean) / draw.std, (draw.high - draw.mean) / draw.std
        return _clipped(draw.mean + draw.std * _truncated_standard(rng, a, b, n), draw, dtype)
    if isinstance(draw, D.Constant):
        return np.full(n, draw.value)
    if isinstance(draw, D.Affine):
        return _clipped(draw.scale * _elementwise(draw.base, rng, n) + draw.shift, draw, dtype)
    if isinstance(draw, D.Mixture):
        which = np.searchsorted(np.cumsum(draw.weights)[:-1], rng.random(n), side="right")
        out = np.empty(n)
        for i, comp in enumerate(draw.components):
            picked = which == i
            out[picked] = _elementwise(comp, rng, int(picked.sum()), dtype)
        return out
    raise TypeError(f"not an elementwise draw: {draw!r}")  # pragma: no cover


def orthogonal_matrix(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    """Haar-random (rows x cols) matrix with orthonormal rows or columns, as torch: QR of a Gaussian
    matrix (of its transpose when rows < cols), columns multiplied by the signs of diag(R)."""
    flat = rng.standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    return q.T if rows < cols else q


def _structured(draw: D.Draw, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    if isinstance(draw, D.Orthogonal):
        axis = draw.out_axis % len(shape)
        rows = shape[axis]
        rest = [shape[i] for i in range(len(shape)) if i != axis]
        q = orthogonal_matrix(rng, rows, math.prod(rest))
        return np.moveaxis(draw.gain * q.reshape([rows] + rest), 0, axis)
    if isinstance(draw, D.Eye):
        return np.eye(*shape)
    if isinstance(draw, D.Dirac):
        out = np.zeros(shape)
        out_per_group = shape[draw.out_axis] // draw.groups
        spatial = [i for i in range(len(shape)) if i not in (draw.out_axis, draw.in_axis)]
        for g in range(draw.groups):
            for d in range(min(out_per_group, shape[draw.in_axis])):
                index = [0] * len(shape)
                index[draw.out_axis], index[draw.in_axis] = g * out_per_group + d, d
                for i in spatial:
                    index[i] = shape[i] // 2
                out[tuple(index)] = 1.0
        return out
    if isinstance(draw, D.Sparse):
        w = np.moveaxis(np.empty(shape), draw.out_axis, 0)  # (rows, cols) view in output-major order
        rows, cols = w.shape
        w[:] = rng.normal(0.0, draw.std, (rows, cols))
        zeros = math.ceil(draw.sparsity * rows)
        if zeros:
            order = np.argsort(rng.random((rows, cols)), axis=0)[:zeros]
            np.put_along_axis(w, order, 0.0, axis=0)
        return np.moveaxis(w, 0, draw.out_axis)
    if isinstance(draw, D.Array):
        return np.asarray(draw.values, dtype=np.float64).reshape(draw.shape)
    raise TypeError(f"unknown draw {draw!r}")  # pragma: no cover


def _bounds(draw: D.Draw) -> tuple[float, float, bool, bool] | None:
    """(low, high, low_is_open, high_is_open) of an elementwise draw whose support is one bounded interval
    (a uniform, a truncated normal, an affine map of either), else None."""
    if isinstance(draw, D.Uniform):
        return draw.low, draw.high, False, True
    if isinstance(draw, D.TruncatedNormal):
        return draw.low, draw.high, False, False
    if isinstance(draw, D.Affine):
        base = _bounds(draw.base)
        if base is None:
            return None
        low, high, open_low, open_high = base
        ends = (draw.scale * low + draw.shift, draw.scale * high + draw.shift)
        if draw.scale > 0:
            return ends[0], ends[1], open_low, open_high
        return ends[1], ends[0], open_high, open_low
    return None


def support_in(draw: D.Draw, dtype: object) -> tuple[float, float] | None:
    """The support of a bounded elementwise draw as ``dtype`` can hold it: the smallest ``dtype`` number >= low and
    the largest <= high (> low, < high at an open end: a uniform's high). Every sampler keeps its values in
    these (clipping or drawing within them), so rounding never leaves the support (0.6 rounds up to 0.6001 in
    float16; -0.1 is -0.10000000149 in float32). None when the draw is unbounded."""
    bounds = _bounds(draw)
    if bounds is None:
        return None
    dt = numpy_dtype(dtype)
    low, high, open_low, open_high = bounds
    lo = np.array(low, dtype=dt)
    if float(lo) < low or (open_low and float(lo) <= low):
        lo = np.nextafter(lo, np.array(np.inf, dtype=dt))
    hi = np.array(high, dtype=dt)
    if float(hi) > high or (open_high and float(hi) >= high):
        hi = np.nextafter(hi, np.array(-np.inf, dtype=dt))
    return float(lo), float(hi)


def _round_into(x: np.ndarray, draw: D.Draw, dtype: np.dtype) -> np.ndarray:
    """Round float64 values once to ``dtype``. Bounded primitives were clipped to their support in ``dtype``
    already (``_elementwise``), whose ends ``dtype`` holds exactly, so rounding cannot leave it."""
    return x.astype(dtype)


def _clipped(x: np.ndarray, draw: D.Draw, dtype: object) -> np.ndarray:
    support = support_in(draw, dtype)
    return x if support is None else np.clip(x, *support)


def draw_array(draw: D.Draw, shape: Sequence[int], rng: np.random.Generator, dtype: object = "float32") -> np.ndarray:
    """Sample one primitive exactly."""
    shape = tuple(int(d) for d in shape)
    dt = numpy_dtype(dtype, integers=draw.deterministic)
    if draw.elementwise:
        x = _elementwise(draw, rng, math.prod(shape), dt).reshape(shape)
    else:
        x = _structured(draw, shape, rng)
    return _round_into(x, draw, dt)


def sample(spec: Spec, shape: Sequence[int], *, layout: LayoutLike = "torch", seed: int = 0,
           dtype: object = "float32", key: str = "", layer_fans: Sequence[int] | None = None) -> np.ndarray:
    """Exact samples of ``spec`` for a tensor of ``shape`` stored in ``layout``, as a NumPy array.

    The same (spec, shape, layout, seed, key) always gives the same array; different keys give
    independent streams. ``layer_fans`` gives the fans of the layer when they are not the tensor's own.
    """
    if not isinstance(spec, Spec):
        raise TypeError(f"parameter 'spec' must be a unifiedinit spec, got {spec!r}")
    numpy_dtype(dtype, integers=True)
    info = TensorInfo.make(shape, layout, layer_fans)
    draw = spec.lower(info)
    dt = numpy_dtype(dtype, integers=draw.deterministic)
    v.representable(draw, dt.name)
    n = math.prod(info.shape)
    if draw.elementwise and n > CHUNK:
        return _round_into(_chunked(draw, n, seed, key, dt).reshape(info.shape), draw, dt)
    return draw_array(draw, info.shape, generator(seed, key), dt)


#: Elementwise tensors larger than this are drawn in chunks of this many entries, chunk i from its own stream
#: (key + "#i"), in parallel threads: the values still depend only on (spec, shape, seed, key).
CHUNK = 1 << 20


def _chunked(draw: D.Draw, n: int, seed: int, key: str, dtype: object) -> np.ndarray:
    import os
    from concurrent.futures import ThreadPoolExecutor
    out = np.empty(n)
    starts = range(0, n, CHUNK)

    def fill(i_start: tuple[int, int]) -> None:
        i, start = i_start
        stop = min(start + CHUNK, n)
        out[start:stop] = _elementwise(draw, generator(seed, f"{key}#{i}"), stop - start, dtype)

    with ThreadPoolExecutor(max_workers=min(len(starts), os.cpu_count() or 1)) as pool:
        list(pool.map(fill, enumerate(starts)))  # NumPy's generators release the GIL while they fill
    return out


# ------------------------------------------------------------------------------------------- portable mode

_FRAMEWORKS = ("torch", "mxnet", "keras", "flax")


def canonical_layout(layout: LayoutLike) -> "Layout":
    """The layout portable values are drawn in: torch's counterpart of ``layout`` (``"keras_conv_transpose"`` ->
    ``"torch_conv_transpose"``, ``"flax"`` -> ``"torch"``), or ``layout`` itself when torch has none."""
    from .layout import CANONICAL, LAYOUTS, get_layout
    layout = get_layout(layout)
    if layout.name in CANONICAL:
        return LAYOUTS[CANONICAL[layout.name]]
    head, _, tail = layout.name.partition("_")
    if head in _FRAMEWORKS:
        name = "torch" + ("_" + tail if tail else "")
        if name in LAYOUTS:
            return LAYOUTS[name]
    return layout


def portable(spec: Spec, shape: Sequence[int], *, layout: LayoutLike = "torch", seed: int = 0, key: str = "",
             dtype: object = "float32", layer_fans: Sequence[int] | None = None) -> np.ndarray:
    """Portable values: the same (spec, seed, key) gives the same weights in every framework, each in its own
    layout. They are drawn exactly as ``sample(spec, canonical_shape, layout=canonical, seed=seed, key=key)`` in
    torch's counterpart of ``layout`` (see ``canonical_layout``), then moved to ``layout``: a Keras Dense kernel
    is the transpose of the torch Linear weight, a Flax conv kernel the (kh, kw, in, out) permutation of torch's."""
    from .layout import get_layout, permutation
    target = get_layout(layout)
    info = TensorInfo.make(shape, target, layer_fans)
    canonical = canonical_layout(target)
    ndim = len(info.shape)
    if canonical == target or ndim < 2:
        return sample(spec, info.shape, layout=target, seed=seed, dtype=dtype, key=key, layer_fans=layer_fans)
    perm = permutation(target, canonical, ndim)  # target -> canonical
    canonical_shape = tuple(info.shape[p] for p in perm)
    x = sample(spec, canonical_shape, layout=canonical, seed=seed, dtype=dtype, key=key,
               layer_fans=info.layer_fans)
    return np.ascontiguousarray(np.transpose(x, np.argsort(perm)))
