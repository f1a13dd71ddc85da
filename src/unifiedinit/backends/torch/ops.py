"""``unifiedinit.samplers`` over torch: in place, with torch's own generator, on the tensor's device."""

from __future__ import annotations

import itertools
import math
from typing import Any, Callable, cast

import torch

from ... import draws as D
from ...counter import Arith
from ...samplers import Ops, in_tail, phi

#: A large CPU tensor is drawn in parts of this many entries, part i from its own generator seeded by the i-th of
#: a row of seeds drawn from the caller's generator: the values depend on the tensor's size and the generator,
#: never on the number of threads, which only decides how many parts are drawn at once.
CHUNK = 1 << 20


def _icdf(t: torch.Tensor, d: D.TruncatedNormal, g: torch.Generator | None, support: tuple[float, float]) -> None:
    """N(mean, std) cut to [low, high] by the inverse CDF, in one pass with no host sync. A window within ``TAIL``
    std of the mean on either side: uniforms on the window's CDF interval through erfinv, in float32 arithmetic
    where the window lies within 4 std of the mean (the CDF's float32 resolution is ample there), float64 for one
    reaching further into a tail. A window ``TAIL`` std or more out on one side: in float64, mirrored into the
    lower tail, uniforms on [Phi(a), Phi(b)] (small numbers, held with full relative precision down to 37 std)
    through ``torch.special.ndtri``, so that no window is too far out (erfinv's uniforms would sit next to 1, where
    a float holds a handful of numbers: 12 distinct values on [8, 9])."""
    a, b = (d.low - d.mean) / d.std, (d.high - d.mean) / d.std
    tail = in_tail(a, b)
    work = torch.float64 if (t.dtype == torch.float64 or tail or max(abs(a), abs(b)) > 4.0) else torch.float32
    # made like ``t``: under torch.func.vmap it is batched like it, so randomness="different" draws per member
    x = t if t.dtype == work else t.new_empty(t.shape, dtype=work)
    if tail:
        flip = a > 0.0  # a window above the mean: drawn as its mirror below
        lo, hi = phi(-b if flip else a), phi(-a if flip else b)
        _uniform_in_parts(x, lo, hi, g)
        # torch.special's functions are untyped (torch._C._special has no stubs)
        x.copy_(cast(torch.Tensor, torch.special.ndtri(x)))  # pyright: ignore[reportUnknownMemberType]
        x.mul_(-d.std if flip else d.std)
    else:
        lo, hi = 2.0 * phi(a) - 1.0, 2.0 * phi(b) - 1.0
        _uniform_in_parts(x, lo, hi, g)
        x.erfinv_().mul_(d.std * math.sqrt(2.0))
    if d.mean != 0.0:  # every fan-scaled truncated normal is centred: one pass over the tensor fewer
        x.add_(d.mean)
    x.clamp_(*support)
    if x is not t:
        t.copy_(x)


def _settle_vml() -> None:
    """torch's CPU ``erfinv`` runs MKL's VML. When its very first calls in a process come from two threads at once
    (an OpenMP team splitting one large tensor), one thread can be left on a low-accuracy kernel for the rest of the
    process: seen here in about 1 process in 16, half of a 6 M-entry tensor off by up to 5e-5 instead of 1e-7, which
    also made the values depend on the number of threads. One small call on one thread first (here, when this
    module is imported) settles it."""
    for dtype in (torch.float32, torch.float64):
        torch.zeros(8, dtype=dtype).erfinv_()


_settle_vml()


def _uniform_in_parts(t: torch.Tensor, low: float, high: float, g: torch.Generator | None) -> None:
    """``t.uniform_(low, high, generator=g)``, a large CPU tensor in fixed parts of ``CHUNK`` entries, in parallel
    (torch's CPU RNG runs on one core): part i from its own generator seeded by the i-th of a row of seeds drawn
    from ``g``, so the values never depend on the number of threads. Under ``torch.compile`` with torch's default
    generator the parts are drawn by the opaque op ``unifiedinit::uniform_in_parts_``, which runs this same code
    when the graph runs: the compiled values, and the default generator's state after them, are the eager ones
    (dynamo cannot trace the seeds' ``tolist`` or a new Generator; it refuses a given generator object, as it
    does for torch's own functions)."""
    n = t.numel()
    if t.device.type != "cpu" or n <= CHUNK:
        t.uniform_(low, high, generator=g)
    elif torch.compiler.is_compiling() and g is None and _uniform_in_parts_op is not None:
        _uniform_in_parts_op(t, low, high)
    else:
        _eager_parts(t, low, high, g)


def _eager_parts(t: torch.Tensor, low: float, high: float, g: torch.Generator | None) -> None:
    """The parts of ``_uniform_in_parts``, drawn eagerly. ``t`` is written through a detached view, so a parameter
    that requires grad is safe in the worker threads (grad mode is per thread)."""
    if torch.compiler.is_compiling():  # a given generator under torch.compile: dynamo decides (it refuses one)
        t.uniform_(low, high, generator=g)
        return
    n = t.numel()
    flat = t.detach().view(-1) if t.is_contiguous() else torch.empty(n, dtype=t.dtype)
    starts = range(0, n, CHUNK)
    # Tensor.tolist is a bare list in torch's stubs
    seeds = cast("list[int]", torch.randint(0, 2 ** 62, (len(starts),), generator=g)
                 .tolist())  # pyright: ignore[reportUnknownMemberType]

    def part(i: int) -> None:
        flat[starts[i]:starts[i] + CHUNK].uniform_(low, high, generator=torch.Generator().manual_seed(int(seeds[i])))

    list(_pool().map(part, range(len(starts))))
    if not t.is_contiguous():
        t.detach().copy_(flat.view(t.shape))


#: ``_eager_parts`` with torch's default generator as one op that ``torch.compile`` keeps opaque (torch >= 2.4;
#: before it, None: a compiled draw is one ``uniform_``, its values not the eager ones)
_uniform_in_parts_op: Callable[[torch.Tensor, float, float], None] | None = None
if hasattr(torch.library, "custom_op"):
    @torch.library.custom_op("unifiedinit::uniform_in_parts_", mutates_args=("t",))
    def _parts_op(t: torch.Tensor, low: float, high: float) -> None:
        _eager_parts(t, low, high, None)

    @_parts_op.register_fake  # pyright: ignore[reportUnknownMemberType]
    def _(t: torch.Tensor, low: float, high: float) -> None:
        return None

    _uniform_in_parts_op = _parts_op


_POOL: list[Any] = []


def _pool() -> Any:
    from concurrent.futures import ThreadPoolExecutor
    if not _POOL:
        _POOL.append(ThreadPoolExecutor(max_workers=max(1, torch.get_num_threads()), thread_name_prefix="unifiedinit"))
    return _POOL[0]


def to_device(host: torch.Tensor, device: Any) -> torch.Tensor:
    """A CPU tensor (determined values made on the host) on ``device``. To a CUDA device it goes from pinned memory
    with ``non_blocking=True``: a plain copy from pageable memory waits for the device (a host sync, which
    ``torch.cuda.set_sync_debug_mode("error")`` refuses); torch's host allocator keeps the pinned buffer until the
    copy is done. Under ``torch.compile`` the copy is traced as it is."""
    target = torch.device(device) if device is not None else host.device
    if target.type == "cuda" and not torch.compiler.is_compiling():
        return host.pin_memory().to(device=target, non_blocking=True)
    return host.to(device=target)


def qr_one_thread(m: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The reduced QR of ``m``, on a CPU on one thread: LAPACK's blocked QR rounds differently with the thread count
    (the last bits of a 64 x 64 Q differ between 1 and 2 threads), so a seed gives the same matrix whatever
    ``torch.set_num_threads`` says. An operator of its own (``unifiedinit::qr_one_thread``, torch >= 2.4), so that
    ``torch.compile`` puts the call in its graph as it is, pinning included (traced, ``torch.set_num_threads`` was
    left out and the QR ran on every thread). Keras's torch backend uses it too."""
    if _qr_op is None or not torch.compiler.is_compiling():
        return _qr_one_thread(m)
    return _qr_op(m)


def _qr_one_thread(m: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    threads = torch.get_num_threads() if m.device.type == "cpu" and not torch.compiler.is_compiling() else 1
    if threads > 1:
        torch.set_num_threads(1)
    try:  # torch.linalg's functions are untyped (torch._C._linalg has no stubs)
        q, r = cast("tuple[torch.Tensor, torch.Tensor]",
                    torch.linalg.qr(m))  # pyright: ignore[reportUnknownMemberType]
    finally:
        if threads > 1:
            torch.set_num_threads(threads)
    return q, r


#: ``_qr_one_thread`` as one op that ``torch.compile`` keeps opaque (torch >= 2.4; before it, None: a compiled QR
#: runs on torch's threads)
_qr_op: Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]] | None = None
if hasattr(torch.library, "custom_op"):
    @torch.library.custom_op("unifiedinit::qr_one_thread", mutates_args=())
    def _qr_one_thread_op(m: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        q, r = _qr_one_thread(m)
        return q.contiguous(), r.contiguous()  # the strides its fake says (LAPACK's Q is column-major)

    @_qr_one_thread_op.register_fake  # pyright: ignore[reportUnknownMemberType]
    def _(m: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        k = min(m.shape[-2], m.shape[-1])
        return m.new_empty((*m.shape[:-1], k)), m.new_empty((*m.shape[:-2], k, m.shape[-1]))

    _qr_op = _qr_one_thread_op


class TorchOps(Ops):
    """Draws with ``generator`` (None: torch's default) on ``device``; an ``out`` tensor is written in place
    (``uniform_``, ``normal_``, ``fill_``), so a parameter is initialized without a copy."""

    #: torch's ``uniform_`` returns from <= x <= to in the tensor's dtype (CPU computes in double and rounds
    #: once; CUDA maps an x equal to ``to`` back to ``from``): drawn within the window's ends as the dtype holds
    #: them, no value can round past the window and no clamp pass is needed
    bounded_uniform = True

    def __init__(self, generator: torch.Generator | None = None, device: Any = "cpu",
                 like: torch.Tensor | None = None) -> None:
        self.g, self.device, self.like = generator, torch.device(device), like

    def work_dtype(self, dtype: Any) -> Any:
        # float16, bfloat16 and the float8s: drawn in float32 and rounded once (float8 has no arithmetic of its own)
        return torch.float32 if dtype.is_floating_point and dtype.itemsize < 4 else dtype

    def _new(self, shape: tuple[int, ...], dt: Any, out: Any) -> torch.Tensor:
        """``out``, or a new tensor made like the one being filled: under ``torch.func.vmap`` it is batched like it,
        so ``randomness="different"`` gives every batch member its own draw."""
        if out is not None:
            return out
        if self.like is not None:
            return self.like.new_empty(shape, dtype=dt)
        return torch.empty(shape, dtype=dt, device=self.device)

    def in_place(self, primitive: Any, a: float, b: float) -> Callable[[torch.Tensor], torch.Tensor] | None:
        """``primitive(out.shape, a, b, dtype, out)`` for a given ``out`` (``samplers.in_place_writer``) as the
        tensor method it comes to, called with no frame in between (a plan writes many small tensors)."""
        g = self.g
        if primitive == self.uniform:  # bound methods: equal when the function and the instance are
            return lambda out: out.uniform_(a, b, generator=g)
        if primitive == self.normal:
            return lambda out: out.normal_(a, b, generator=g)
        return None

    def uniform(self, shape: tuple[int, ...], low: float, high: float, dt: Any, out: Any = None) -> torch.Tensor:
        return (out if out is not None else self._new(shape, dt, None)).uniform_(low, high, generator=self.g)

    def normal(self, shape: tuple[int, ...], mean: float, std: float, dt: Any, out: Any = None) -> torch.Tensor:
        return (out if out is not None else self._new(shape, dt, None)).normal_(mean, std, generator=self.g)

    def truncated_normal(self, shape: tuple[int, ...], d: D.TruncatedNormal, dt: Any,
                         support: tuple[float, float], out: Any = None) -> torch.Tensor:
        x = self._new(shape, dt, out)
        _icdf(x, d, self.g, support)
        return x

    def full(self, shape: tuple[int, ...], value: float, dt: Any, out: Any = None) -> torch.Tensor:
        return self._new(shape, dt, out).fill_(value)

    def erfinv(self, x: torch.Tensor) -> torch.Tensor:
        return torch.erfinv(x)

    def log_ndtr(self, x: torch.Tensor) -> torch.Tensor:
        return cast(torch.Tensor, torch.special.log_ndtr(x))  # pyright: ignore[reportUnknownMemberType]

    def arange(self, n: int) -> torch.Tensor:
        return torch.arange(n, device=self.device)  # on the device: no copy from the host (a sync on CUDA)

    def exp(self, x: torch.Tensor) -> torch.Tensor:
        return x.exp_()  # x is a fresh draw: in place

    def expm1(self, x: torch.Tensor) -> torch.Tensor:
        return x.expm1_()

    def log(self, x: torch.Tensor) -> torch.Tensor:
        return torch.log(x)

    def affine(self, x: torch.Tensor, scale: float, shift: float) -> torch.Tensor:
        return x.mul_(scale).add_(shift)  # x is a fresh draw or the target: in place

    def clip(self, x: torch.Tensor, low: float, high: float) -> torch.Tensor:
        return x.clamp_(low, high)

    def where(self, cond: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return torch.where(cond, a, b)

    def argsort0(self, x: torch.Tensor) -> torch.Tensor:
        return x.argsort(dim=0)

    def qr(self, m: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return qr_one_thread(m)

    def diagonal(self, m: torch.Tensor) -> torch.Tensor:
        return torch.diagonal(m)

    def sign(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sign(x)

    def transpose(self, m: torch.Tensor) -> torch.Tensor:
        return m.t()

    def reshape(self, x: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
        return x.reshape(shape)

    def moveaxis(self, x: torch.Tensor, source: int, destination: int) -> torch.Tensor:
        return torch.movedim(x, source, destination)

    def stack(self, parts: list[torch.Tensor]) -> torch.Tensor:
        return torch.stack(parts)

    def concat(self, parts: list[torch.Tensor], axis: int) -> torch.Tensor:
        return torch.cat(parts, dim=axis)

    def permute(self, x: torch.Tensor, axes: tuple[int, ...]) -> torch.Tensor:
        return x.permute(axes)

    def flip(self, x: torch.Tensor, axes: tuple[int, ...]) -> torch.Tensor:
        return torch.flip(x, axes)

    def from_numpy(self, a: Any, dt: Any) -> torch.Tensor:
        import numpy as np
        # torch leaves from_numpy's parameter untyped
        host = torch.from_numpy(np.ascontiguousarray(a))  # pyright: ignore[reportUnknownMemberType]
        return to_device(host, self.device).to(dtype=dt)

    def from_exact(self, a: Any, dt: Any, final: Any) -> torch.Tensor:
        """float64 values rounded once to ``final`` by ``rounded`` (torch's own float64 -> float16 conversion rounds
        twice), on the device: under torch.compile the NumPy before it is traced as torch, so no host rounding."""
        import numpy as np
        # torch leaves from_numpy's parameter untyped
        x = to_device(torch.from_numpy(np.ascontiguousarray(a, dtype=np.float64)),  # pyright: ignore
                      self.device)
        return (x if dt == final else rounded(x, final)).to(dt)

    def cast(self, x: torch.Tensor, dtype: Any) -> torch.Tensor:
        return rounded(x, dtype)

    def assign(self, out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return out.copy_(x)

    def layers(self, out: torch.Tensor, axes: tuple[int, ...]) -> list[torch.Tensor]:
        view = out.movedim(axes, tuple(range(len(axes))))
        return [view[index] for index in itertools.product(*(range(n) for n in view.shape[:len(axes)]))]


def rounded(x: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """``x.to(dtype)``, float64 to float16 rounded once, as NumPy rounds it (and ``JaxOps.cast``). torch converts through float32,
    rounding twice (1 + 2**-11 + 2**-40 became 1.0 in float16, not 1 + 2**-10): here float64 goes to float32
    rounded to odd (cut toward zero, the last bit set when anything was cut), which keeps enough to round correctly
    to the narrower type. Elementwise, no host sync. (bfloat16 is left to torch: ml_dtypes, which the NumPy
    reference uses, and JAX convert it through float32 as torch does, so the three agree.)"""
    if x.dtype != torch.float64 or dtype != torch.float16:
        return x.to(dtype)
    y = x.to(torch.float32)
    back = y.to(torch.float64)
    bits = y.view(torch.int32)
    # one step toward zero where float32 rounded away from it (sign and magnitude: the magnitude's bits less one)
    bits = bits - (back.abs() > x.abs()).to(torch.int32)
    bits = bits | (back != x).to(torch.int32)  # odd where inexact
    return bits.view(torch.float32).to(dtype)


class TorchArith(Arith):
    """The counter stream's operations (``unifiedinit.counter``) over torch on ``device``: words in int32 (torch's
    uint32 has no arithmetic), where sums and left shifts wrap as uint32's do; the right shift is made logical
    by a mask and constants are written as the int32 of the same bits.

    Examples:
        >>> from unifiedinit.backends.torch.ops import TorchArith
        >>> TorchArith("cpu").arange(2, 5).tolist()
        [2, 3, 4]
    """

    word = torch.int32
    index = torch.int64
    f64 = torch.float64

    def __init__(self, device: Any = "cpu") -> None:
        self.device = torch.device(device)
        if self.device.type != "cpu":  # an accelerator: each pass is a kernel launch, best made over many entries;
            self.piece = 1 << 24        # and a masked cut would wait for the device to count the entries
            self.compact = False

    def concat(self, parts: list[torch.Tensor]) -> torch.Tensor:
        return torch.cat(parts)

    def put(self, x: torch.Tensor, mask: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        y = x.clone()
        y[mask] = values
        return y

    def arange(self, start: int, stop: int) -> torch.Tensor:
        return torch.arange(start, stop, dtype=torch.int64, device=self.device)

    def to_words(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(torch.int32)  # values up to 2**32 - 1 wrap to the int32 of the same bits

    def const(self, c: int) -> int:
        return c - (1 << 32) if c >= 1 << 31 else c

    def shr(self, x: torch.Tensor, n: int) -> torch.Tensor:
        return (x >> n) & ((1 << (32 - n)) - 1)

    def to_float(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(torch.float64)

    def reshape(self, x: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
        return x.reshape(shape)

    def frexp(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        m, e = torch.frexp(x)
        return m, e.to(torch.float64)

    def floor(self, x: torch.Tensor) -> torch.Tensor:
        return torch.floor(x)

    def where(self, cond: torch.Tensor, a: Any, b: Any) -> torch.Tensor:
        return torch.where(cond, a, b)
