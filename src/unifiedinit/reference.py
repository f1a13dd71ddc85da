"""The exact reference sampler (NumPy): the oracle of the tests and the engine of portable mode.

Randomness is counter-based and keyed: ``numpy.random.Philox`` with a 128-bit key derived from
(seed, key), so the values for one parameter depend only on the seed and that parameter's key, never on
what was drawn before or on any global state. Every primitive is sampled exactly in float64 by the same
``unifiedinit.samplers`` as every framework (over ``unifiedinit.backends.numpy``) and rounded once to the
requested dtype, kept inside the primitive's support ([low, high) for uniforms, [low, high] for truncated
normals) after rounding.
"""

from __future__ import annotations

import hashlib
import math
import re
import sys
from typing import Any, Callable, Sequence, cast

import numpy as np

from . import _validate as v
from . import draws as D
from .layout import Layout, LayoutLike, TensorInfo
from .counter import STREAMS
from .specs import FromArray, Spec

DTYPES = ("float16", "bfloat16", "float32", "float64")
INTEGER_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


def dtype_name(dtype: object) -> str:
    """The name of a dtype given in any framework's form (``torch.float16``, ``jnp.bfloat16``, ``np.float32``,
    "float16"...): "float16", "bfloat16", "float8_e4m3fn", "int8"..."""
    name = getattr(dtype, "name", None)
    if not isinstance(name, str):
        try:  # a scalar type such as jnp.float16 or np.float32
            name = np.dtype(dtype).name if isinstance(dtype, type) else str(dtype)
        except TypeError:
            name = str(dtype)
    return name.replace("torch.", "")


def numpy_dtype(dtype: object, integers: bool = False) -> np.dtype:
    """float16 / float32 / float64, or bfloat16 through ml_dtypes (installed with JAX); with ``integers``, an
    integer dtype too (for determined values: a constant into a counter)."""
    if not isinstance(getattr(dtype, "name", None), str) and (dtype is None or isinstance(dtype, (bool, int, float))):
        raise TypeError(f"parameter 'dtype' must be a dtype or its name ({', '.join(DTYPES)}), got {dtype!r} of type "
                        f"{type(dtype).__name__}")
    name = dtype_name(dtype)
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
    whole = f"; or, for a determined spec, {', '.join(INTEGER_DTYPES)}" if integers else ""
    raise ValueError(f"parameter 'dtype' must be one of {', '.join(DTYPES)}{whole}; got {dtype!r}")


def philox_key(seed: int, key: str = "") -> np.ndarray:
    """The 128-bit Philox key (two uint64 words) for a seed and a parameter key."""
    seed = v.given_seed("", seed)
    key = v.key_text("", key)
    digest = hashlib.blake2b(f"unifiedinit/{seed}/{key}".encode(), digest_size=16).digest()
    return np.frombuffer(digest, dtype="<u8").copy()


def generator(seed: int, key: str = "") -> np.random.Generator:
    return np.random.Generator(np.random.Philox(key=philox_key(seed, key)))


def _bounds(draw: D.Draw) -> tuple[float, float, bool, bool] | None:
    """(low, high, low_is_open, high_is_open) of an elementwise draw whose support is one bounded interval
    (a uniform, a truncated normal, an affine map of either), else None."""
    if isinstance(draw, D.Uniform):
        return draw.low, draw.high, False, True
    if isinstance(draw, D.TruncatedNormal):
        return draw.low, draw.high, False, False
    if isinstance(draw, D.LogUniform):  # exp(log high - tiny) may round to high
        return draw.low, draw.high, False, False
    if isinstance(draw, D.InverseSoftplus):  # the values at the base's ends (a point mass at ``low``, from a floor
        # inside the base's range, is written after the clip, as constants are: rounded to nearest); a floor at or
        # above the base's top leaves the point mass alone, and nothing to clip
        base = _bounds(draw.base)
        return None if base is None or draw.floor >= base[1] else (draw.low, draw.high, False, False)
    if isinstance(draw, D.Log):  # increasing: its values at the base's ends
        return None if _bounds(draw.base) is None else (draw.low, draw.high, False, False)
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


def inverse_softplus(y: float) -> float:
    """log(e**y - 1) for a number y > 0 (``draws.InverseSoftplus``), by the counter stream's own functions: the
    same bits on any machine, and the same as the reference and portable values at y."""
    from .counter import ScalarArith
    from .counter import inverse_softplus as exact
    return float(exact(ScalarArith(), float(y)))


def log(x: float) -> float:
    """log(x) for a number x > 0 (``draws.Log``), by the counter stream's own function: the same bits on any
    machine, and the same as the reference and portable values at x."""
    from .counter import ScalarArith
    from .counter import log as exact
    return float(exact(ScalarArith(), float(x)))


_MISSING: Any = object()


def support_in(draw: D.Draw, dtype: object) -> tuple[float, float] | None:
    """See ``_support_in``; remembered on the draw per dtype, as every layer of a model asks again (not while torch
    compiles: a traced function must not write to its inputs)."""
    cache: dict[object, tuple[float, float] | None] | None = draw.__dict__.get("_supports")
    if cache is not None:
        try:
            found = cache.get(dtype, _MISSING)
        except TypeError:  # an unhashable dtype object
            return _support_in(draw, dtype)
        if found is not _MISSING:
            return found
    found = _support_in(draw, dtype)
    if not _compiling():
        if cache is None:
            cache = draw.__dict__["_supports"] = {}
        cache[dtype] = found
    return found


def _support_in(draw: D.Draw, dtype: object) -> tuple[float, float] | None:
    """The support of a bounded elementwise draw as ``dtype`` can hold it: the smallest ``dtype`` number >= low and
    the largest <= high (> low, < high at an open end: a uniform's high). Every sampler keeps its values in
    these (clipping or drawing within them), so rounding never leaves the support (0.6 rounds up to 0.6001 in
    float16; -0.1 is -0.10000000149 in float32). None when the draw is unbounded."""
    bounds = _bounds(draw)
    if bounds is None:
        return None
    if str(dtype).endswith("bfloat16"):  # (torch.bfloat16, ml_dtypes' or its name) see _constant_support
        return _constant_support(*bounds, dtype)
    return _rounded_support(*bounds, dtype)


def _rounded_support(low: float, high: float, open_low: bool, open_high: bool, dtype: object) -> tuple[float, float]:
    dt = numpy_dtype(dtype)
    lo = np.array(low, dtype=dt)
    if float(lo) < low or (open_low and float(lo) <= low):
        lo = np.nextafter(lo, np.array(np.inf, dtype=dt))
    hi = np.array(high, dtype=dt)
    if float(hi) > high or (open_high and float(hi) >= high):
        hi = np.nextafter(hi, np.array(-np.inf, dtype=dt))
    return float(lo), float(hi)


def _constant_support(low: float, high: float, open_low: bool, open_high: bool, dtype: object) -> tuple[float, float]:
    """``_rounded_support`` for bfloat16, which torch.compile runs as it is and takes as a constant
    (``torch._dynamo.assume_constant_result``, marked without importing torch): traced, its NumPy would be torch
    ops, which have no bfloat16 NumPy dtype ("data type 'bfloat16' not understood"). The other dtypes are traced
    (their bounds may be symbolic numbers there, which no constant takes)."""
    return _rounded_support(low, high, open_low, open_high, dtype)


setattr(_constant_support, "_dynamo_marked_constant", True)


def _compiling() -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and bool(torch.compiler.is_compiling())


def draw_array(draw: D.Draw, shape: Sequence[int], rng: np.random.Generator | None,
               dtype: object = "float32") -> np.ndarray:
    """Sample one primitive exactly (``unifiedinit.samplers`` over NumPy in float64), rounded once to ``dtype``."""
    from .backends.numpy import NumpyOps
    from .samplers import draw as sampled
    shape = tuple(int(d) for d in shape)
    return np.asarray(sampled(NumpyOps(rng), draw, shape, numpy_dtype(dtype, integers=draw.deterministic)))


def sample(spec: Spec, shape: Sequence[int], *, layout: LayoutLike = "torch", seed: int = 0,
           dtype: object = "float32", key: str = "", layer_fans: Sequence[int] | None = None,
           padding_idx: int | None = None, depth: Sequence[int] | None = None) -> np.ndarray:
    """Exact samples of ``spec`` for a tensor of ``shape`` stored in ``layout``, as a NumPy array.

    The reference sampler: float64 NumPy (Philox keyed by ``seed`` and ``key``), rounded once to ``dtype``. The same
    (spec, shape, layout, seed, key) always gives the same array; different keys give independent streams.

    Args:
        spec: any catalog spec.
        shape: the tensor's shape, in ``layout``'s axis order.
        layout: a layout name (``ui.LAYOUTS``) or Layout; it decides which axes are the fans.
        seed: an int in [0, 2**64).
        dtype: the result's dtype name ("float32", "bfloat16", "int8", ...).
        key: a stream name: different keys, independent values.
        layer_fans: the layer's (fan_in, fan_out) when they are not the tensor's own (a bias).
        padding_idx: an embedding's padding row, for ``ui.Rows``.
        depth: (layer index, number of layers), for ``ui.Scaled`` expressions of ``l`` and ``L``.

    Returns:
        A NumPy array of ``shape`` and ``dtype``.

    Raises:
        TypeError, ValueError: a spec that does not apply to the shape, a dtype that cannot hold its values, or an
            option of the wrong kind (``layer_fans`` or ``depth`` that is no pair); the message names the
            parameter, the value and what is allowed.

    >>> import unifiedinit as ui
    >>> x = ui.sample(ui.XavierUniform(), (256, 512), seed=0)
    >>> x.shape, x.dtype.name, bool(abs(x).max() <= (6 / 768) ** 0.5)
    ((256, 512), 'float32', True)
    """
    if not isinstance(spec, Spec):
        raise TypeError(f"parameter 'spec' must be a unifiedinit spec, got {spec!r}")
    return _sample(spec, shape, layout=layout, seed=seed, dtype=dtype, key=key, layer_fans=layer_fans,
                   padding_idx=padding_idx, depth=depth, owner="sample")


def _sample(spec: Spec, shape: Sequence[int], *, layout: LayoutLike, seed: int, dtype: object, key: str,
            layer_fans: Sequence[int] | None, padding_idx: int | None = None, depth: Sequence[int] | None = None,
            out: np.ndarray | None = None, owner: str = "") -> np.ndarray:
    """``sample``, written into ``out`` when given (checked by ``portable``): a large elementwise tensor is drawn
    straight into it, chunk by chunk. ``owner``: the function a refusal of the options names (``TensorInfo.make``
    checks them)."""
    numpy_dtype(dtype, integers=True)
    info = TensorInfo.make(shape, layout, layer_fans, padding_idx, depth, owner=owner)
    draw = spec.lower(info)
    dt = numpy_dtype(dtype, integers=draw.deterministic)
    v.representable(draw, dt.name)
    n = math.prod(info.shape)
    if draw.elementwise and n > CHUNK:
        if out is not None:
            _chunked(draw, n, seed, key, dt, out.reshape(-1))  # a view: out is C-contiguous
            return out
        return _chunked(draw, n, seed, key, dt).reshape(info.shape)
    return _into(out, draw_array(draw, info.shape, generator(seed, _stream_key(key)), dt))


def _into(out: np.ndarray | None, values: np.ndarray) -> np.ndarray:
    """``values``, or ``out`` holding them."""
    if out is None:
        return values
    out[...] = values
    return out


#: Elementwise tensors larger than this are drawn in chunks of this many entries, chunk i from its own stream
#: (key + "#i", ``_stream_key``), in parallel threads: the values still depend only on (spec, shape, seed, key).
CHUNK = 1 << 20


def _stream_key(key: str, chunk: int | None = None) -> str:
    """The text hashed for ``key``'s stream, or for chunk ``chunk`` of it (that text, "#" and the chunk's number).

    A chunk's text ends in "#" and digits, so a key ending so ("w#1") was another key's chunk (chunk 1 of "w"): two
    tensors held the same numbers. Such a key, or one ending in "#", is hashed with one more "#" at its end: no key's
    text then ends in "#" and digits, none is another's chunk, and the texts stay distinct. Every other key (every
    key a plan makes, which ends in its parameter's role) is hashed as it always was."""
    key = v.key_text("", key)  # a string, checked before it is read
    text = key + "#" if re.search(r"#\d*$", key) else key
    return text if chunk is None else f"{text}#{chunk}"


def _chunk(draw: D.Draw, n: int, i: int, seed: int, key: str, dtype: np.dtype, out: np.ndarray | None = None,
           spare: list[np.ndarray] | None = None) -> np.ndarray:
    """Chunk ``i`` of an elementwise tensor of ``n`` entries (entries i * CHUNK ... up to n), from its own stream,
    written into ``out`` (its slice of the result) when given. A normal then goes through one float64 buffer of
    ``_PIECE`` entries taken from ``spare`` (and given back), a piece at a time: the same numbers as ``draw_array``,
    mean + std * z (as ``NumpyOps.normal``) rounded once, without a fresh 8 MiB array per chunk."""
    start = i * CHUNK
    size = min(start + CHUNK, n) - start
    rng = generator(seed, _stream_key(key, i))
    normal = _plain_normal(draw) if out is not None and dtype.kind == "f" else None
    if normal is None:
        return _into(out, draw_array(draw, (size,), rng, dtype))
    assert out is not None
    try:
        buffer = spare.pop() if spare else np.empty(_PIECE)
    except IndexError:  # another thread took the last one
        buffer = np.empty(_PIECE)
    try:
        for lo in range(0, size, _PIECE):  # consecutive calls continue one stream: the numbers of one call
            z = rng.standard_normal(out=buffer[:min(_PIECE, size - lo)])
            z *= normal[1]
            z += normal[0]  # as NumpyOps.normal: mean + std * z, two roundings
            out[lo:lo + z.size] = z
    finally:
        if spare is not None:
            spare.append(buffer)
    return out


#: a chunk's normals go through a float64 buffer of this many entries (512 KiB: it stays in a core's cache)
_PIECE = 1 << 16


def _plain_normal(draw: D.Draw) -> tuple[float, float] | None:
    """(mean, std) when ``draw`` is a normal, or an affine map of one (as the samplers fold it), else None."""
    from .samplers import _fold  # pyright: ignore[reportPrivateUsage]
    if isinstance(draw, D.Affine):
        draw = _fold(draw) or draw
    return (draw.mean, draw.std) if isinstance(draw, D.Normal) else None


def cores() -> int:
    """The number of cores this process may run on: its CPU affinity where the platform gives it (a container or
    ``taskset`` may allow fewer than the machine has), else the machine's count. Portable values are drawn on
    this many threads at most."""
    import os
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # no affinity on macOS and Windows
        return os.cpu_count() or 1


def _in_threads(fill: "Callable[[int], None]", items: Sequence[int]) -> None:
    from concurrent.futures import ThreadPoolExecutor
    if len(items) <= 1:
        for i in items:
            fill(i)
        return
    with ThreadPoolExecutor(max_workers=min(len(items), cores()), thread_name_prefix="unifiedinit-chunks") as pool:
        list(pool.map(fill, items))  # NumPy's generators release the GIL while they fill


def _chunked(draw: D.Draw, n: int, seed: int, key: str, dtype: np.dtype, out: np.ndarray | None = None
             ) -> np.ndarray:
    result = np.empty(n, dtype=dtype) if out is None else out
    spare: list[np.ndarray] = []  # float64 buffers, one per thread at most

    def fill(i: int) -> None:
        _chunk(draw, n, i, seed, key, dtype, result[i * CHUNK:(i + 1) * CHUNK], spare)

    _in_threads(fill, range(-(-n // CHUNK)))
    return result


def _block_positions(shape: tuple[int, ...], block: tuple[tuple[int, int], ...]) -> np.ndarray:
    """The row-major flat positions in ``shape`` of the entries of ``block`` (a (start, stop) per axis), in the
    block's own row-major order (so increasing)."""
    pos: np.ndarray = np.zeros((), dtype=np.int64)
    stride = 1
    for axis in range(len(shape) - 1, -1, -1):
        start, stop = block[axis]
        along = np.arange(start, stop, dtype=np.int64) * stride
        pos = np.add.outer(along, pos) if pos.ndim else along
        stride *= shape[axis]
    return pos.reshape(-1) if len(shape) else pos.reshape(1)


def _sample_block(spec: Spec, shape: tuple[int, ...], block: tuple[tuple[int, int], ...], *, layout: LayoutLike,
                  seed: int, dtype: object, key: str, layer_fans: Sequence[int] | None,
                  padding_idx: int | None = None, depth: Sequence[int] | None = None,
                  out: np.ndarray | None = None) -> np.ndarray:
    """``sample(spec, shape, ...)[block]``, drawing only the chunks the block touches (an elementwise tensor
    larger than CHUNK; anything else is drawn whole, then cut); written into ``out`` when given."""
    info = TensorInfo.make(shape, layout, layer_fans, padding_idx, depth)
    n = math.prod(info.shape)
    draw = spec.lower(info)
    cut = tuple(slice(a, b) for a, b in block)
    if not (draw.elementwise and n > CHUNK):
        return _into(out, np.ascontiguousarray(sample(spec, shape, layout=layout, seed=seed, dtype=dtype, key=key,
                                                      layer_fans=layer_fans, padding_idx=padding_idx,
                                                      depth=depth)[cut]))
    dt = numpy_dtype(dtype, integers=draw.deterministic)
    v.representable(draw, dt.name)
    shape_out = tuple(b - a for a, b in block)
    flat = np.empty(math.prod(shape_out), dtype=dt) if out is None else out.reshape(-1)
    span = _contiguous(info.shape, block)
    if span is not None:  # one run of positions (a Shard(0) block, or the whole): copied chunk by chunk
        start, stop = span
        first, last = start // CHUNK, (stop - 1) // CHUNK
        spare: list[np.ndarray] = []

        def copy(i: int) -> None:
            lo, hi = max(start, i * CHUNK), min(stop, (i + 1) * CHUNK)
            if (lo, hi) == (i * CHUNK, min(n, (i + 1) * CHUNK)):  # the whole chunk: drawn in place
                _chunk(draw, n, i, seed, key, dt, flat[lo - start:hi - start], spare)
            else:
                flat[lo - start:hi - start] = _chunk(draw, n, i, seed, key, dt)[lo - i * CHUNK:hi - i * CHUNK]

        _in_threads(copy, range(first, last + 1) if stop > start else range(0))
        return flat.reshape(shape_out) if out is None else out
    positions = _block_positions(info.shape, block)
    ids = positions // CHUNK  # increasing: the chunks the block touches, each once
    starts = np.flatnonzero(np.diff(ids)) + 1
    edges = np.concatenate(([0], starts, [ids.size]))
    chunks = ids[edges[:-1]]

    def fill(j: int) -> None:
        lo, hi = edges[j], edges[j + 1]
        flat[lo:hi] = _chunk(draw, n, int(chunks[j]), seed, key, dt)[positions[lo:hi] - int(chunks[j]) * CHUNK]

    _in_threads(fill, range(len(chunks)))
    return flat.reshape(shape_out) if out is None else out


def _contiguous(shape: tuple[int, ...], block: tuple[tuple[int, int], ...]) -> tuple[int, int] | None:
    """(first, end) flat positions when ``block`` is one contiguous run of ``shape``'s row-major order (every axis
    after the first partial one is whole, and the axes before it hold one index), else None."""
    if any(b == a for a, b in block):
        return 0, 0
    partial = [i for i, ((a, b), n) in enumerate(zip(block, shape)) if (a, b) != (0, n)]
    if not partial:
        return 0, math.prod(shape)
    k = partial[-1]
    if any(block[i][1] - block[i][0] != 1 for i in range(k)):
        return None
    stride = math.prod(shape[k + 1:])
    first = sum(block[i][0] * math.prod(shape[i + 1:]) for i in range(len(shape)))
    return first, first + (block[k][1] - block[k][0]) * stride


# ------------------------------------------------------------------------------------------- portable mode

def canonical_layout(layout: LayoutLike) -> "Layout":
    """See ``unifiedinit.layout.canonical_layout`` (kept here for code written against the reference)."""
    from .layout import canonical_layout
    return canonical_layout(layout)


def block_of(shape: Sequence[int], index: object = None) -> tuple[tuple[int, int], ...]:
    """A block of a tensor of ``shape`` as a (start, stop) per axis, from None (the whole tensor), a tuple of
    slices with step 1 (what ``jax.make_array_from_callback`` hands over) or of (start, stop) pairs."""
    shape = tuple(int(n) for n in shape)
    if index is None:
        return tuple((0, n) for n in shape)
    parts = cast("tuple[Any, ...]", index) if isinstance(index, tuple) else None  # each checked below
    if parts is None or len(parts) != len(shape):
        raise ValueError(f"parameter 'index' must give one slice per axis of the shape {shape}, got {index!r}")
    out: list[tuple[int, int]] = []
    for axis, (part, n) in enumerate(zip(parts, shape)):
        if isinstance(part, slice):
            start, stop, step = part.indices(n)
            if step != 1:
                raise ValueError(f"parameter 'index': axis {axis} has step {step}; a block takes step 1")
        else:
            start, stop = (int(e) for e in part)
        if not 0 <= start <= stop <= n:
            raise ValueError(f"parameter 'index': axis {axis} asks [{start}, {stop}) of {n} entries")
        out.append((start, stop))
    return tuple(out)


def portable(spec: Spec, shape: Sequence[int], *, layout: LayoutLike = "torch", seed: int = 0, key: str = "",
             dtype: object = "float32", layer_fans: Sequence[int] | None = None, index: object = None,
             padding_idx: int | None = None, depth: Sequence[int] | None = None,
             out: np.ndarray | None = None, stream: str = "chunks") -> np.ndarray:
    """Portable values: the same (spec, seed, key) gives the same weights in every framework, each in its own
    layout. They are drawn exactly as ``sample(spec, canonical_shape, layout=canonical, seed=seed, key=key)`` in
    torch's counterpart of ``layout`` (see ``canonical_layout``), then moved to ``layout``: a Keras Dense kernel
    is the transpose of the torch Linear weight, a Flax conv kernel the (kh, kw, in, out) permutation of torch's.
    A spec whose values follow the storage order (``Spec.storage_order``: ``S4DReal``, a ``FromArray`` with
    layout=None, whose values are the tensor's own) is drawn as stored instead, as ``sample`` draws it.

    ``index`` (a slice or (start, stop) per axis of ``shape``) asks for one block only, as a shard of a sharded
    tensor: the block of the whole tensor's values, bit for bit, whatever the block. An elementwise tensor of
    more than ``CHUNK`` entries draws only the chunks of 2^20 entries (in torch's layout) the block touches;
    anything else (a small tensor, orthogonal, sparse, ...) is drawn whole and cut.

    ``out`` (a C-contiguous, writable NumPy array of the result's shape and dtype, such as a CPU tensor's memory)
    receives the values and is returned: a large elementwise tensor in torch's layout is drawn straight into it,
    chunk by chunk, with no copy of the whole.

    ``stream="counter"`` gives the counter stream's values instead (``unifiedinit.counter``): each entry a function of
    its position, which torch and JAX also compute on the tensor's device."""
    from .layout import get_layout
    if not isinstance(spec, Spec):
        raise TypeError(f"parameter 'spec' must be a unifiedinit spec, got {spec!r}")
    stream = v.choice("portable", "stream", stream, STREAMS)
    target = get_layout(layout)
    info = TensorInfo.make(shape, target, layer_fans, padding_idx, depth, owner="portable")  # checked once, here
    layer_fans, padding_idx, depth = info.layer_fans, info.padding_idx, info.depth
    block = None if index is None else block_of(info.shape, index)
    if out is not None:
        _check_out(out, info.shape if block is None else tuple(b - a for a, b in block), dtype)
    if stream == "counter":  # counter.values takes its layout from drawn_in too
        return _into(out, _counter(spec, info, target, block, seed=seed, key=key, dtype=dtype,
                                   padding_idx=padding_idx, depth=depth))
    canonical, perm, flips = drawn_in(target, len(info.shape), spec)
    if perm is None:
        if block is None:
            return _sample(spec, info.shape, layout=target, seed=seed, dtype=dtype, key=key, layer_fans=layer_fans,
                           padding_idx=padding_idx, depth=depth, out=out)
        return _sample_block(spec, info.shape, block, layout=target, seed=seed, dtype=dtype, key=key,
                             layer_fans=layer_fans, padding_idx=padding_idx, depth=depth, out=out)
    from .layout import drawn_back, drawn_shape
    canonical_shape = drawn_shape(target, canonical, info.shape, perm)
    if target.groups > 1 and block is not None:  # a block of a grouped tensor is no block of the drawn one: cut
        whole = portable(spec, info.shape, layout=target, seed=seed, key=key, dtype=dtype, layer_fans=layer_fans,
                         padding_idx=padding_idx, depth=depth)
        return _into(out, whole[tuple(slice(a, b) for a, b in block)]) if out is not None else \
            np.ascontiguousarray(whole[tuple(slice(a, b) for a, b in block)])
    if block is None:
        x = sample(spec, canonical_shape, layout=canonical, seed=seed, dtype=dtype, key=key,
                   layer_fans=info.layer_fans, padding_idx=padding_idx, depth=depth)
    else:
        x = _sample_block(spec, canonical_shape, drawn_block(block, perm, flips, canonical_shape), layout=canonical,
                          seed=seed, dtype=dtype, key=key, layer_fans=info.layer_fans, padding_idx=padding_idx,
                          depth=depth)
    moved = drawn_back(x, target, canonical, canonical_shape, perm, flips, np.reshape, np.transpose, np.flip)
    return np.ascontiguousarray(moved) if out is None else _into(out, moved)


def drawn_in(target: Layout, ndim: int, spec: Any = None) -> tuple[Layout, tuple[int, ...] | None, tuple[int, ...]]:
    """The layout portable values of a tensor of ``ndim`` axes stored in ``target`` are drawn in (torch's
    counterpart, ``canonical_layout``), the permutation target -> it, and the axes of the drawn array to reverse
    before it is moved back (the receptive field, for a layout that flips its kernel against torch's:
    ``Layout.flip``); (``target``, None, ()) when they are drawn as stored (torch's own layout, fewer than two
    axes, or a ``spec`` whose values follow the storage order: ``Spec.storage_order``, such as ``S4DReal`` or a
    ``FromArray`` with layout=None, or a ``Rows`` or ``Blocks`` holding one). Both portable streams move values the
    same way."""
    from .layout import get_layout, permutation, reversed_axes, same_storage
    canonical = canonical_layout(target)
    given = spec.layout if isinstance(spec, FromArray) else None
    if canonical == target or ndim < 2 or getattr(spec, "storage_order", False) or \
            (given is not None and target.groups > 1 and same_storage(get_layout(given), target)):
        return target, None, ()  # (an array given in the grouped tensor's own storage is written as it is)
    return canonical, permutation(target, canonical, ndim), reversed_axes(target, canonical, ndim)


def drawn_block(block: Sequence[tuple[int, int]], perm: tuple[int, ...], flips: tuple[int, ...],
                drawn: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    """The block of the drawn array (``drawn_in``'s layout, of shape ``drawn``) that holds the stored tensor's
    ``block``: its ranges in the drawn axes order, a reversed axis's range mirrored."""
    out = [block[p] for p in perm]
    for a in flips:
        start, stop = out[a]
        out[a] = (drawn[a] - stop, drawn[a] - start)
    return tuple(out)


def _counter(spec: Spec, info: TensorInfo, target: Layout, block: tuple[tuple[int, int], ...] | None, *,
             seed: int, key: str, dtype: object, padding_idx: int | None, depth: Sequence[int] | None) -> np.ndarray:
    """``portable(..., stream="counter")``: NumPy's computation of the counter stream, the reference of the
    devices'. An integer dtype passes here and is refused by ``values`` unless the spec is determined."""
    from .backends.numpy import NumpyArith, NumpyOps
    from .counter import counter_key, values
    dt = numpy_dtype(dtype, integers=True)
    x = values(NumpyOps(None), NumpyArith(), spec, info.shape, layout=target, key=counter_key(seed, key),
               dtype_name=dt.name, dtype=dt, block=block, layer_fans=info.layer_fans, padding_idx=padding_idx,
               depth=depth)
    return np.ascontiguousarray(x)


def _check_out(out: object, shape: tuple[int, ...], dtype: object) -> None:
    """``portable``'s ``out``: a C-contiguous, writable NumPy array of ``shape`` and ``dtype``."""
    if not isinstance(out, np.ndarray):
        raise TypeError(f"parameter 'out' must be a NumPy array or None, got {type(out).__name__}")
    out = cast("np.ndarray[Any, np.dtype[Any]]", out)
    want = numpy_dtype(dtype, integers=True)
    if out.shape != shape or out.dtype != want or not out.flags.c_contiguous or not out.flags.writeable:
        raise ValueError(f"parameter 'out' must be a C-contiguous, writable {want.name} array of shape {shape}, got "
                         f"a{'' if out.flags.writeable else ' read-only'} {out.dtype.name} array of shape "
                         f"{out.shape}{'' if out.flags.c_contiguous else ' (not C-contiguous)'}")
