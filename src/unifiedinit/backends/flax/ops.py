"""``unifiedinit.samplers`` over JAX: ``jax.random`` with one key, split for every random op, so a call is a pure
function of its key (traceable under ``jit``/``vmap``, no host callback, no NumPy). Equinox draws with it too."""
# jax: jaxlib ships no type stubs, so jnp.asarray and jax.jit (their Device parameter) are partly unknown
# pyright: reportUnknownMemberType=false

from __future__ import annotations

import contextlib
import functools
import math
import warnings

from typing import Any, Collection, TypeGuard, cast

import jax
import jax.numpy as jnp
import numpy as np

from ... import draws as D
from ...counter import Arith
from ...samplers import NumpyLikeOps, in_tail, reached


class JaxOps(NumpyLikeOps):
    """``unifiedinit.samplers``' array operations on ``jax.numpy`` and ``jax.random``, drawing from ``key``.

    The key is split for every random op (``self.key`` moves on, each op draws with a fresh sub-key), so a draw
    is a pure function of the first key: traceable under ``jit``/``vmap``, no host callback, no NumPy. Half
    precision is drawn in float32 (``work_dtype``) and rounded once. Truncated normals come from
    ``jax.random.truncated_normal``, except on a window 3 std or more out on one side, which the shared sampler
    inverts in log space with ``jax.scipy.special.log_ndtr`` (JAX's float32 uniforms on [erf(a), erf(b)] hold a
    handful of numbers there). Flax and Equinox both draw with it (``unifiedinit.backends.equinox.EquinoxOps`` is
    this class); ``unifiedinit.samplers.draw(JaxOps(key), draw, shape, dtype)`` samples any primitive draw.

    Args:
        key: a ``jax.random`` key (``jax.random.key(0)``, or a split of one); None where no random op is asked
            for (``unifiedinit.counter.CounterOps`` over it draws its own).

    Raises:
        TypeError: from the first random op, when ``key`` is not a ``jax.random`` key (JAX's error; the
            constructor does not check it).

    Examples:
        >>> import jax
        >>> import jax.numpy as jnp
        >>> from unifiedinit import draws, samplers
        >>> from unifiedinit.backends.flax import JaxOps
        >>> ops = JaxOps(jax.random.key(0))
        >>> x = ops.uniform((2, 3), -1.0, 1.0, jnp.float32)
        >>> x.shape, x.dtype, bool(((x >= -1) & (x < 1)).all())
        ((2, 3), dtype('float32'), True)
        >>> ops.work_dtype(jnp.bfloat16)
        dtype('float32')
        >>> samplers.draw(JaxOps(jax.random.key(0)), draws.Constant(2.0), (2, 2), jnp.float32).tolist()
        [[2.0, 2.0], [2.0, 2.0]]
    """

    xp = jnp

    def __init__(self, key: jax.Array | None) -> None:
        self.key: Any = key  # None: no random op is asked for (the counter stream draws its own)

    def _next(self) -> jax.Array:
        self.key, sub = cast(tuple[jax.Array, jax.Array], _split(self.key))
        return sub

    def work_dtype(self, dtype: Any) -> Any:
        dt = jnp.dtype(dtype)
        return jnp.dtype(jnp.float32) if dt.itemsize < 4 else dt

    def _random(self, fn: Any, shape: tuple[int, ...], dt: Any, *args: float, **kw: float) -> jax.Array:
        """``fn(key, *args, shape=shape, dtype=dt, **kw)``: the one place a ``jax.random`` function is called
        (``PlacedJaxOps`` makes the same call onto a sharding)."""
        return cast(jax.Array, fn(self._next(), *args, shape=shape, dtype=dt, **kw))

    def uniform(self, shape: tuple[int, ...], low: float, high: float, dt: Any, out: Any = None) -> jax.Array:
        return self._random(jax.random.uniform, shape, dt, minval=low, maxval=high)

    def normal(self, shape: tuple[int, ...], mean: float, std: float, dt: Any, out: Any = None) -> jax.Array:
        return self.affine(self._random(jax.random.normal, shape, dt), std, mean)

    def truncated_normal(self, shape: tuple[int, ...], d: D.TruncatedNormal, dt: Any,
                         support: tuple[float, float], out: Any = None) -> jax.Array:
        a, b = (d.low - d.mean) / d.std, (d.high - d.mean) / d.std
        if in_tail(a, b):  # jax.random.truncated_normal's erf-space uniforms hold a handful of numbers there
            return super().truncated_normal(shape, d, dt, support)  # in log space, with jax's log_ndtr
        # JAX's own inverse CDF: a uniform of exactly -1 or 1 (a window past float32's reach, +-100 std) comes out
        # at the window's end; kept at the reach instead (``reached``)
        z = self._random(jax.random.truncated_normal, shape, dt, a, b)
        return jnp.clip(self.affine(z, d.std, d.mean), *reached(d, dt, support))

    def erfinv(self, x: jax.Array) -> jax.Array:
        return jax.scipy.special.erfinv(x)

    def log_ndtr(self, x: jax.Array) -> jax.Array:
        return cast(jax.Array, jax.scipy.special.log_ndtr(x))

    def qr(self, m: jax.Array) -> tuple[jax.Array, jax.Array]:
        return jnp.linalg.qr(m)

    def from_numpy(self, a: Any, dt: Any) -> jax.Array:
        return jnp.asarray(a, dtype=dt)

    def cast(self, x: jax.Array, dtype: Any) -> jax.Array:
        """``x.astype(dtype)``, float64 to float16 rounded once, as NumPy rounds it: XLA converts through float32,
        rounding twice (1 + 2**-11 + 2**-40 becomes 1.0, not 1 + 2**-10), eagerly and under ``jit``. As torch's
        ``rounded``: float64 goes to float32 rounded to odd (cut toward zero, the last bit set where anything was
        cut), which keeps enough to round correctly to float16. Elementwise; traces under ``jit``."""
        if x.dtype != jnp.float64 or jnp.dtype(dtype) != jnp.float16:
            return x.astype(dtype)
        y = x.astype(jnp.float32)
        back = y.astype(jnp.float64)
        bits = jax.lax.bitcast_convert_type(y, jnp.int32)
        bits = bits - (jnp.abs(back) > jnp.abs(x)).astype(jnp.int32)  # one step toward zero where it rounded away
        bits = bits | (back != x).astype(jnp.int32)  # odd where inexact
        return jax.lax.bitcast_convert_type(bits, jnp.float32).astype(dtype)


class PlacedJaxOps(JaxOps):
    """``JaxOps`` whose arrays are made with ``sharding``: each ``jax.random`` call and each ``full`` is one jitted
    function whose ``out_shardings`` is the sharding (each device makes its own shard), and every operation after
    them runs eagerly on the sharded arrays, one at a time, as ``JaxOps`` runs it on one device. An elementwise
    draw so gets the bits it gets on one device (JAX's threefry, partitionable or not, gives the same bits whatever
    the sharding, and ``jax.random``'s functions are jitted either way), and a draw's numbers (a scale, a window) are
    arguments, not constants compiled in: a new one compiles nothing. For elementwise draws only: a draw that needs
    the whole tensor (orthogonal, sparse) would make its pieces sharded too.

    Args:
        key: a ``jax.random`` key, or None where no random op is asked for (a constant).
        sharding: a ``jax.sharding.Sharding`` for arrays of the draw's shape.

    Raises:
        TypeError: from the first random op, when ``key`` is not a ``jax.random`` key (JAX's error).

    Examples:
        >>> import jax
        >>> import jax.numpy as jnp
        >>> from jax.sharding import SingleDeviceSharding
        >>> from unifiedinit import draws, samplers
        >>> from unifiedinit.backends.flax.ops import JaxOps, PlacedJaxOps
        >>> on = SingleDeviceSharding(jax.devices()[0])
        >>> x = samplers.draw(PlacedJaxOps(jax.random.key(0), on), draws.Normal(0.0, 0.02), (4, 3), jnp.float32)
        >>> y = samplers.draw(JaxOps(jax.random.key(0)), draws.Normal(0.0, 0.02), (4, 3), jnp.float32)
        >>> x.sharding == on, bool((x == y).all())
        (True, True)
    """

    def __init__(self, key: jax.Array | None, sharding: Any) -> None:
        super().__init__(key)
        self.sharding = sharding

    def _random(self, fn: Any, shape: tuple[int, ...], dt: Any, *args: float, **kw: float) -> jax.Array:
        return cast(jax.Array, _placed(fn, shape, jnp.dtype(dt), self.sharding)(self._next(), *args, **kw))

    def full(self, shape: tuple[int, ...], value: float, dt: Any, out: Any = None) -> jax.Array:
        # the value as an argument in dt (rounded once, as jnp.full rounds it): one compile per shape, not per value
        return cast(jax.Array, _placed(_full, shape, jnp.dtype(dt), self.sharding)(np.asarray(value, dtype=dt)))


def _full(value: jax.Array, shape: tuple[int, ...], dtype: Any) -> jax.Array:
    return jnp.full(shape, value, dtype=dtype)


@functools.lru_cache(maxsize=256)
def _placed(fn: Any, shape: tuple[int, ...], dtype: Any, sharding: Any) -> Any:
    """``fn`` (a ``jax.random`` function, or ``_full``) for one shape and dtype, jitted onto ``sharding``, kept for
    the process; its numbers (key, bounds, value) are arguments."""
    return jax.jit(functools.partial(fn, shape=shape, dtype=dtype), out_shardings=sharding)


class JaxArith(Arith):
    """The counter stream's operations (``unifiedinit.counter``) over ``jax.numpy``: words in uint32, positions in
    int64 and values in float64, so it runs with 64-bit types on (``x64()``); traceable under ``jit``.

    Args:
        zero: inside ``jit``, a uint64 0 passed in as an argument. XLA moves products past one another and fuses
            a product and the addition after it into one multiply-add, which rounds once where NumPy and torch
            round twice. ``fence`` XORs the product's bits with this zero, which no compiler can see through, so
            the product is rounded on its own. (A select on ``x == x``, a select on a boolean argument,
            ``optimization_barrier``, a bitcast pair and a multiplication by an argument 1.0 were all simplified
            or reassociated away: tests/test_counter.py would see it.) None (default) outside ``jit``, where every
            operation runs on its own.

    Examples:
        >>> from unifiedinit.backends.flax.ops import JaxArith, x64
        >>> with x64():
        ...     JaxArith().arange(2, 5).tolist()
        [2, 3, 4]
    """

    xp = jnp
    word = jnp.uint32
    index = jnp.int64
    f64 = jnp.dtype(jnp.float64)

    piece = None  # inside jit, XLA fuses every pass into one loop
    compact = False  # and needs shapes it knows when it compiles

    def __init__(self, zero: Any = None) -> None:
        self.zero = zero

    def fence(self, x: jax.Array) -> jax.Array:
        if self.zero is None:
            return x
        bits = jax.lax.bitcast_convert_type(x, jnp.uint64) ^ self.zero
        return jax.lax.bitcast_convert_type(bits, jnp.float64)


def x64() -> Any:
    """A context under which JAX keeps 64-bit types (the counter stream computes in float64 and int64)."""
    return jax.enable_x64(True)


def is_sequence(a: object) -> TypeGuard[tuple[Any, ...] | list[Any]]:
    """A tuple or a list (JAX's axis arguments, a module's list of submodules), its items of any type."""
    return isinstance(a, (tuple, list))


def stream_key(base: jax.Array, stream: int) -> jax.Array:
    """The JAX key of a parameter's 64-bit stream (``unifiedinit.apply.stream``): both 32-bit halves folded into
    ``base``.

    The same base and stream give the same key, so a parameter's native draw does not depend on which other
    parameters are drawn, nor in which order.

    Args:
        base: the ``jax.random`` key of the whole apply (``jax.random.key(seed)``, or the ``key=`` given).
        stream: the parameter's stream, an int in [0, 2**64).

    Returns:
        A ``jax.random`` key (a scalar key array).

    Raises:
        TypeError: ``base`` is not a JAX key, or ``stream`` is not an int (JAX's and Python's errors).
        OverflowError: ``stream`` is negative or >= 2**64.

    Examples:
        >>> import jax
        >>> from unifiedinit.backends.flax.ops import stream_key
        >>> base = jax.random.key(0)
        >>> key = stream_key(base, 2**40 + 3)
        >>> key.shape, bool((jax.random.key_data(key) == jax.random.key_data(stream_key(base, 2**40 + 3))).all())
        ((), True)
        >>> bool((jax.random.key_data(key) == jax.random.key_data(stream_key(base, 3))).all())
        False
    """
    if not 0 <= stream < 2 ** 64:
        raise OverflowError(f"stream_key: parameter 'stream' must be in [0, 2**64), got {stream!r}")
    # one jitted call instead of two eager fold_ins (about 50 us against 800 here, per parameter of a plan)
    return cast(jax.Array, _fold_stream(base, np.uint32(stream & 0xFFFFFFFF), np.uint32(stream >> 32)))


def seed_key(seed: int) -> jax.Array:
    """The ``jax.random`` key of an int seed in [0, 2**64): ``jax.random.key(seed)`` itself below 2**32.

    Past 2**32, JAX with 64-bit types off keeps only a seed's low 32 bits (2**32 + 5 draws as 5) and refuses
    2**63 and more; here the high half is folded into the low half's key, so every seed has its own key.

    Args:
        seed: an int in [0, 2**64).

    Returns:
        A ``jax.random`` key (a scalar key array).

    Raises:
        TypeError, ValueError: ``seed`` is not an int in [0, 2**64).

    Examples:
        >>> import jax
        >>> data = lambda key: jax.random.key_data(key).tolist()
        >>> data(seed_key(5)) == data(jax.random.key(5)), data(seed_key(2**32 + 5)) == data(seed_key(5))
        (True, False)
    """
    from ..._validate import given_seed
    seed = given_seed("seed_key", seed)
    key = jax.random.key(seed & 0xFFFFFFFF)
    return key if seed < 2 ** 32 else jax.random.fold_in(key, seed >> 32)


def _split_in_two(key: jax.Array) -> tuple[jax.Array, jax.Array]:
    first, second = jax.random.split(key)
    return first, second


#: ``jax.random.split`` and its unpacking in one compiled call: eagerly they are three dispatches (about 190 us
#: against 40 here, for every random op of a plan's draws); under a trace it is inlined
_split = jax.jit(_split_in_two)


def _fold_both(base: jax.Array, low: jax.Array, high: jax.Array) -> jax.Array:
    return jax.random.fold_in(jax.random.fold_in(base, low), high)


#: both folds of ``stream_key`` in one compiled call; the halves go in as uint32 arrays, as ``fold_in`` takes them
_fold_stream = jax.jit(_fold_both)


def draw_array(key: jax.Array, d: D.Draw, shape: tuple[int, ...], dtype: Any,
               stacked: tuple[int, ...] = ()) -> jax.Array:
    """Sample one primitive with ``jax.random``."""
    from ...samplers import draw
    return draw(JaxOps(key), d, shape, dtype, stacked)


def spread(sharding: Any) -> bool:
    """A sharding that spreads an array over several devices (one device: nothing to place)."""
    return sharding is not None and len(getattr(sharding, "device_set", ())) > 1


def placement(shape: tuple[int, ...], sharding: Any, whole: bool, invariant: bool) -> dict[str, Any]:
    """One ``Report.placements`` entry for an array of ``shape`` with ``sharding`` (the JAX target's and Keras's
    under jax): a tensor held whole (on one device) is computed as one block and its values do not depend on any
    sharding; a spread one gives its ``PartitionSpec`` and mesh, what its path computed (``whole``: the whole
    tensor, then laid out) and whether its values are the unsharded ones (``invariant``)."""
    sharded = spread(sharding)
    return {
        "global_shape": list(shape), "local_shape": list(sharding.shard_shape(shape) if sharded else shape),
        "placement": str(getattr(sharding, "spec", sharding)) if sharded else "whole",
        "device": (str(dict(sharding.mesh.shape)) if hasattr(sharding, "mesh") else
                   f"{len(sharding.device_set)} devices") if sharded else
        str(next(iter(sharding.device_set))) if sharding is not None else "default",
        "computed": "whole" if sharded and whole else "block",
        "invariant": invariant or not sharded}


def concrete(sharding: Any, mesh: Any) -> Any:
    """A sharding on real devices: one on an abstract mesh (what ``nnx.eval_shape`` under ``jax.set_mesh`` gives)
    is put on ``mesh`` or the mesh in context."""
    from jax.sharding import AbstractMesh, NamedSharding
    if isinstance(sharding, NamedSharding) and isinstance(sharding.mesh, AbstractMesh):
        mesh = mesh or context_mesh()
        if mesh is None:
            raise ValueError(f"it is sharded on an abstract mesh ({sharding.mesh}); pass mesh= or apply the plan "
                             "under jax.set_mesh(mesh)")
        if dict(mesh.shape) != dict(sharding.mesh.shape):
            raise ValueError(f"the mesh {dict(mesh.shape)} does not match its abstract mesh "
                             f"{dict(sharding.mesh.shape)}")
        return NamedSharding(mesh, sharding.spec)
    return sharding


def context_mesh() -> Any:
    """The mesh ``jax.set_mesh`` (or ``with mesh:``) put in context, if any."""
    try:
        mesh = jax.sharding.get_mesh()
    except Exception:  # pragma: no cover - older JAX
        return None
    return None if mesh is None or getattr(mesh, "empty", True) else mesh


def own_mesh(sharding: Any) -> Any:
    """A context (for ``with``) under which a computation onto ``sharding`` runs: with no mesh in context where a
    mesh is in context (``jax.set_mesh``) and ``sharding`` spreads over another mesh (other axis types, shape or
    device order, or no mesh at all), else nothing changes. JAX refuses an operation on arrays whose mesh is not
    the one in context, and a jitted one whose ``out_shardings`` lies on other devices; with none in context, each
    runs on the arrays' own sharding, so a draw gives the values it gives with no mesh in context.

    Args:
        sharding: a ``jax.sharding.Sharding``, or None (the default device).

    Returns:
        A context manager: ``jax.set_mesh(None)``, or a ``contextlib.nullcontext``.

    Examples:
        >>> from unifiedinit.backends.flax.ops import own_mesh
        >>> with own_mesh(None):  # one device: nothing to change
        ...     pass
    """
    if not spread(sharding) or getattr(sharding, "mesh", None) == context_mesh():
        return contextlib.nullcontext()
    return no_mesh()


def no_mesh() -> Any:
    """A context (for ``with``) with no mesh in context: ``jax.set_mesh(None)`` where a mesh is in context
    (``jax.set_mesh``), else nothing changes. A computation on arrays of their own placement (one device, or
    another mesh) runs there, with the values it gives with no mesh in context (``own_mesh`` for a draw onto a
    sharding).

    Returns:
        A context manager: ``jax.set_mesh(None)``, or a ``contextlib.nullcontext``.

    Examples:
        >>> from unifiedinit.backends.flax.ops import no_mesh
        >>> with no_mesh():  # no mesh in context: nothing to change
        ...     pass
    """
    unset = getattr(jax, "set_mesh", None)
    if context_mesh() is None or unset is None:
        return contextlib.nullcontext()
    return unset(None)  # it swaps the mesh out as it is made, and back on leaving the with block


def _elsewhere(key: Any, sharding: Any) -> bool:
    """Whether ``key`` (a JAX key) is committed to a placement other than replicated on ``sharding``'s mesh: a
    jitted function onto ``sharding`` refuses an argument laid out on other devices (or in another order)."""
    if not getattr(key, "committed", False):
        return False
    if not isinstance(sharding, jax.sharding.NamedSharding):
        return True
    return bool(getattr(key, "sharding", None) != jax.sharding.NamedSharding(sharding.mesh,
                                                                             jax.sharding.PartitionSpec()))


def _beside(key: jax.Array, sharding: Any) -> jax.Array:
    """The same key where a jitted function onto ``sharding`` takes it: replicated on a ``NamedSharding``'s mesh
    (moved from device to device), else uncommitted on the default device (its two words through the host)."""
    if isinstance(sharding, jax.sharding.NamedSharding):
        return cast(jax.Array, jax.device_put(key, jax.sharding.NamedSharding(sharding.mesh,
                                                                              jax.sharding.PartitionSpec())))
    data = jnp.asarray(np.asarray(jax.random.key_data(key)))  # from the host: uncommitted
    return cast(jax.Array, jax.random.wrap_key_data(data, impl=jax.random.key_impl(key)))


def abstract_leaves(tree: Any, walked: Collection[int] = ()) -> list[str]:
    """The paths ("drop/rngs/count") of ``tree``'s abstract leaves (``jax.ShapeDtypeStruct``) that are no parameter
    the walk found (``walked``: the ids of those leaves), so no rule sets them: counters, RNG keys and integer
    statistics, and floats the walk does not take (an Equinox ``StateIndex``'s state: ``SpectralNorm``'s u and
    v)."""
    def name(k: Any) -> str:
        return str(getattr(k, "key", getattr(k, "name", getattr(k, "idx", k))))

    def abstract(x: Any) -> bool:
        return isinstance(x, jax.ShapeDtypeStruct)
    leaves = cast("list[tuple[Any, Any]]", jax.tree_util.tree_flatten_with_path(tree, is_leaf=abstract)[0])
    return ["/".join(map(name, path)) for path, x in leaves
            if isinstance(x, jax.ShapeDtypeStruct) and id(x) not in walked]


def check_mesh(mesh: Any) -> Any:
    """``plan.apply``'s ``mesh=`` for a JAX model: None or a ``jax.sharding.Mesh``."""
    if mesh is not None and not isinstance(mesh, jax.sharding.Mesh):
        raise TypeError(f"Plan.apply: parameter 'mesh' must be a jax.sharding.Mesh, got {mesh!r}")
    return mesh


def _check_fits(p: Any, sharding: Any) -> None:
    """A sharding that cannot lay out the parameter's shape (a spec longer than its rank, an axis that its mesh
    axes do not divide evenly, as JAX requires) is refused here, naming the parameter, before anything is drawn."""
    if not spread(sharding) or not hasattr(sharding, "shard_shape"):  # one device holds any shape
        return
    try:
        spec = getattr(sharding, "spec", ())
        if len(spec) > len(p.shape):  # shard_shape reads only as many entries as the shape has
            raise ValueError(f"its spec names {len(spec)} axes, more than the parameter's {len(p.shape)}")
        sharding.shard_shape(tuple(p.shape))
    except Exception as error:  # JAX's own ValueError subclasses, whose text says which axis
        raise ValueError(f"parameter {p.path!r} of shape {tuple(p.shape)} cannot be laid out by its sharding "
                         f"{getattr(sharding, 'spec', sharding)} on the mesh "
                         f"{dict(getattr(getattr(sharding, 'mesh', None), 'shape', {}))}: {error}") from None


class JaxTarget:
    """What every JAX framework's target shares (Flax, Equinox): native draws with ``jax.random`` on the key of the
    parameter's stream folded into ``self.base``, and portable values as JAX arrays; ``_put`` stores each.

    A parameter whose sharding spreads it over several devices (a sharded array, or an abstract
    ``jax.ShapeDtypeStruct`` leaf with ``.sharding``; ``sharding(p, handle)`` says) is drawn natively as on one
    device, op by op, with its random numbers made in that sharding (``PlacedJaxOps``), so each device draws its
    own shard and the values are the unsharded ones bit for bit (a draw that needs the whole tensor, orthogonal
    or sparse, is computed whole and laid out); portable values go through ``jax.make_array_from_callback``, each
    device getting exactly its block of the whole tensor's values. Neither puts an elementwise draw's whole tensor
    on one device. The class takes no arguments; a subclass sets ``base``, ``found`` and ``_put``.

    Examples:
        >>> from unifiedinit.backends.flax.ops import JaxTarget
        >>> JaxTarget().sharding(None, None) is None  # by default a parameter goes to the default device
        True
    """

    base: jax.Array

    def _put(self, p: Any, handle: Any, x: jax.Array) -> None:  # pragma: no cover - every target defines it
        raise NotImplementedError

    def sharding(self, p: Any, handle: Any) -> Any:
        """The sharding the parameter's values must have (None: the default device)."""
        return None

    def prepare(self, report: Any, skip: frozenset[str] = frozenset()) -> None:
        """Before anything is written: every parameter's sharding is found once and kept; an abstract mesh with no
        concrete one to put it on, a sharding that cannot lay out its parameter, and an abstract parameter that no
        rule sets raise here, leaving the model as it was (a parameter ``skip`` names stays as it is, abstract or
        not: the caller fills it)."""
        handles: dict[str, Any] = {p.path: h for p, h in self.found}  # type: ignore[attr-defined]  # by each subclass
        self.shardings: dict[str, Any] = {}
        for e in report.entries:
            if e.spec is not None:
                try:
                    self.shardings[e.param.path] = self.sharding(e.param, handles[e.param.path])
                except ValueError as error:  # a mesh or a box that names no place, said with the parameter
                    raise ValueError(f"Plan.apply: parameter {e.param.path!r}: {error}") from None
        for e in report.entries:
            _check_fits(e.param, self.shardings.get(e.param.path))
        kept = [e.param for e in report.entries if e.spec is None] + list(report.unmatched)
        empty = [p.path for p in kept if isinstance(self.current(handles[p.path]), jax.ShapeDtypeStruct)]
        if empty:
            raise ValueError(f"Plan.apply: {len(empty)} abstract parameter(s) (jax.ShapeDtypeStruct, as eval_shape "
                             f"gives) are set by no rule and would come back without values: {', '.join(empty[:8])}"
                             f"{' ...' if len(empty) > 8 else ''}; add a rule that sets them (keeping an abstract "
                             "leaf keeps nothing) or give them values yourself")
        # only an abstract model (eval_shape's) can hold abstract leaves: a concrete one is not walked again
        abstract = any(isinstance(self.current(handles[path]), jax.ShapeDtypeStruct) for path in handles)
        walked = {id(self.current(handle)) for handle in handles.values()} if abstract else set[int]()
        unset = [q for q in abstract_leaves(self.everything(), walked) if q not in skip] if abstract else []
        if unset:  # as torch's meta buffers that nothing defines: named, never left without values silently
            report.unset_buffers = tuple(unset)
            warnings.warn(f"Plan.apply: {len(unset)} abstract leaf(s) are no parameter, so no rule sets them, and "
                          f"come back without values: {', '.join(unset[:8])}{' ...' if len(unset) > 8 else ''} "
                          "(counters, RNG keys, state such as an Equinox SpectralNorm's u and v: give them values "
                          "yourself, or build the model concretely)", UserWarning, stacklevel=4)
        self.placements: dict[str, dict[str, Any]] = {}

    def current(self, handle: Any) -> Any:
        """What the parameter of ``handle`` holds now (an array, or an abstract ``jax.ShapeDtypeStruct``)."""
        return None

    def everything(self) -> Any:
        """The model's whole pytree (its non-float leaves included: counters, RNG keys), or None."""
        return None

    def _sharding_of(self, p: Any, handle: Any) -> Any:
        """The sharding ``prepare`` found for ``p`` (looked up again for a call outside the apply loop)."""
        known = getattr(self, "shardings", {})
        return known[p.path] if p.path in known else self.sharding(p, handle)

    def _land(self, p: Any, handle: Any, x: jax.Array, draw: D.Draw | None, whole: bool = False,
              invariant: bool = True) -> None:
        """``x`` put where the parameter lives (an array on one device other than the default is drawn on the
        default and moved there once), said in the report (``draw``: None for values computed ahead, whose
        placement the report leaves out; ``whole``: a spread tensor was computed whole and cut; ``invariant``: a
        spread tensor's values are the unsharded ones) and stored (``_put``)."""
        sharding = self._sharding_of(p, handle)
        if sharding is not None and getattr(x, "sharding", None) != sharding:
            x = jax.device_put(x, sharding)
        if draw is not None:
            self._place(p, x, whole, invariant)
        self._put(p, handle, x)

    def _place(self, p: Any, x: jax.Array, whole: bool, invariant: bool) -> None:
        """Where the values went, for the report (``Report.placements``, ``placement``)."""
        if not hasattr(self, "placements"):
            self.placements = {}
        self.placements[p.path] = placement(tuple(p.shape), getattr(x, "sharding", None), whole, invariant)

    def native(self, p: Any, handle: Any, draw: D.Draw, stream: int | None) -> None:
        """The parameter's native draw (``jax.random`` on its stream's key) where it lives; a spread parameter
        whose mesh is not the one in context (``jax.set_mesh``: other axis types, shape or device order) is drawn
        as with no mesh in context (``own_mesh``), so its values are those the same plan gives without it."""
        with own_mesh(self._sharding_of(p, handle)):
            self._native(p, handle, draw, stream)

    def _native(self, p: Any, handle: Any, draw: D.Draw, stream: int | None) -> None:
        from ...apply import stream as derive
        from ...samplers import draw as sampled
        dtype, sharding = jnp.dtype(p.dtype), self._sharding_of(p, handle)
        base = self.base
        if spread(sharding) and _elsewhere(base, sharding):
            # a key made under another mesh in context (or put on other devices) lies on its devices, which a
            # jitted draw onto this sharding refuses: the same key, replicated on this mesh (_beside)
            base = _beside(base, sharding)
        # a constant draws nothing: no key to make (a Flax ResNet-50 has more norm tensors than random ones)
        key = None if draw.deterministic else stream_key(base, stream if stream is not None else derive(0, p.key))
        x: Any
        # with either threefry (jax_threefry_partitionable on or off) a sharded jax.random call has the bits of the
        # unsharded one (a sharding never changes a jitted program's values; the older threefry only costs more
        # communication), so a spread draw is sharding-invariant wherever the rest of it runs as on one device
        whole, invariant = spread(sharding) and not draw.elementwise, True
        if spread(sharding) and draw.elementwise:
            # drawn as on one device, op by op, its random numbers (and constants) made sharded: each device draws
            # its own shard, the bits the unsharded draw has (a jitted draw would fuse a product and the addition
            # after it into one rounding, an ulp off), and a draw's numbers compile nothing new (PlacedJaxOps)
            x = sampled(PlacedJaxOps(key, sharding), draw, p.shape, dtype, p.stacked)
        elif spread(sharding) and sharding.is_fully_addressable:
            # a draw that needs the whole tensor (orthogonal's QR, sparse columns) is computed whole once and laid
            # out, each device receiving its block: XLA's partitioned QR over 8 CPU devices took 8.5 s against
            # 0.1 s for a (1024, 1024) one, and need not give the unsharded values
            x = jax.device_put(sampled(JaxOps(key), draw, p.shape, dtype, p.stacked), sharding)
        elif spread(sharding):
            # one jitted program computing it whole: XLA may fuse and round it its own way, so its values need
            # not be the eager unsharded ones
            x = cast(jax.Array, _native_fn(draw, p.shape, dtype.name, p.stacked, sharding)(key))
            invariant = False
        else:
            x = sampled(JaxOps(key), draw, p.shape, dtype, p.stacked)
        self._land(p, handle, x, draw, whole, invariant)

    def host(self, p: Any, handle: Any, values: Any) -> None:
        self._land(p, handle, jnp.asarray(values, dtype=p.dtype), None)

    def counter(self, p: Any, handle: Any, draw: D.Draw, job: Any) -> None:
        """The counter stream's values where the parameter lives (``counter_array``): spread, an elementwise
        draw's shards are each computed on their own device (``_counter_fn``), whatever the tensor's size and
        whichever mesh is in context."""
        self._land(p, handle, counter_array(job, self._sharding_of(p, handle)), draw, not draw.elementwise)

    def whole(self, p: Any, handle: Any) -> bool:
        """Whether ``blocks`` takes this parameter's portable values whole (it is not spread over devices): the
        apply loop computes those ahead, on worker threads."""
        return not spread(self._sharding_of(p, handle))

    def blocks(self, p: Any, handle: Any, draw: D.Draw, values: Any) -> None:
        from ...reference import CHUNK
        sharding = self._sharding_of(p, handle)
        x: Any
        if spread(sharding):
            # JAX asks once per device: a block that several devices hold (a replicated axis) is computed once,
            # and a tensor computed whole (a structured draw, or one of at most one chunk) once in all
            computed = not draw.elementwise or math.prod(p.shape) <= CHUNK
            whole = np.asarray(values(None)) if computed else None
            made: dict[tuple[Any, ...], Any] = {}

            def block(index: Any) -> Any:
                at = tuple((s.start, s.stop, s.step) for s in index)
                if at not in made:
                    made[at] = whole[index] if whole is not None else values(index)
                return made[at]
            x = jax.make_array_from_callback(tuple(p.shape), sharding, block)
        else:
            computed, x = False, jnp.asarray(values(None), dtype=p.dtype)
        self._land(p, handle, x, draw, computed)


#: an array on one accelerator with at most this many entries takes NumPy's values (the same bits) and is copied to
#: its device: each new signature's compile costs about half a second, NumPy about 0.05 s for 2^20 entries. A
#: larger one, or one spread over devices, is computed on the device(s).
HOST_ENTRIES = 1 << 20


def _platforms(sharding: Any) -> set[str]:
    """The platforms ("cpu", "gpu", "tpu") of the devices an array of ``sharding`` lives on (None: the default)."""
    on = cast(Any, sharding.device_set if sharding is not None else jax.devices()[:1])
    return {d.platform for d in on}


def counter_array(job: Any, sharding: Any) -> jax.Array:
    """A parameter's counter-stream values (``unifiedinit.apply.CounterJob``) as a JAX array with ``sharding``
    (None: the default device). Spread over devices, or on an accelerator with more than ``HOST_ENTRIES``
    entries: by one jitted function whose ``out_shardings`` is the parameter's sharding (XLA partitions the
    positions, so each device computes its own shard and nothing else; one compiled function per (signature,
    sharding), the key passed in: ``_counter_fn``). On one CPU device, or a small array on one accelerator, NumPy
    computes the same bits with no compile (each new shape would cost about half a second; a Flax ResNet-50's
    first plan took 33 s that way on a CPU, against about 3 s); the target puts it on the array's device. A mesh
    in context (``jax.set_mesh``) other than the sharding's changes nothing (``own_mesh``)."""
    if not spread(sharding) and (_platforms(sharding) == {"cpu"} or math.prod(job.signature[2]) <= HOST_ENTRIES):
        from ...backends.numpy import NumpyArith, NumpyOps
        from ...reference import numpy_dtype
        values = job.values(None, NumpyOps(None), NumpyArith(), numpy_dtype(job.signature[3], integers=True))
        return jnp.asarray(values, dtype=job.signature[3])  # the target puts it on the parameter's device
    fn = _counter_fn(job.signature, sharding)
    with x64(), own_mesh(sharding):  # a mesh in context that is not the sharding's: as with none (own_mesh)
        return cast(jax.Array, fn((jnp.uint32(job.key[0]), jnp.uint32(job.key[1])), jnp.uint64(0)))


def _native_fn(draw: D.Draw, shape: tuple[int, ...], dtype: str, stacked: tuple[int, ...], sharding: Any) -> Any:
    """The jitted native draw of a (draw, shape, dtype, stacked) onto ``sharding``, a function of the key, kept
    for the process: for a draw that needs the whole tensor on devices this process cannot all address, computed
    whole on every device, each keeping its block, as a torch DTensor's is (an elementwise one is drawn eagerly
    by ``PlacedJaxOps``)."""
    try:
        return _native_jit(draw, shape, dtype, stacked, sharding)
    except TypeError:  # a draw holding an unhashable value (an array): compiled for this call only
        return _native_jit.__wrapped__(draw, shape, dtype, stacked, sharding)


@functools.lru_cache(maxsize=256)
def _native_jit(draw: D.Draw, shape: tuple[int, ...], dtype: str, stacked: tuple[int, ...], sharding: Any) -> Any:
    from ...samplers import draw as sampled
    whole = None if draw.elementwise or not isinstance(sharding, jax.sharding.NamedSharding) else \
        jax.sharding.NamedSharding(sharding.mesh, jax.sharding.PartitionSpec())

    def drawn(k: jax.Array | None) -> jax.Array:
        x = sampled(JaxOps(k), draw, shape, jnp.dtype(dtype), stacked)
        return x if whole is None else jax.lax.with_sharding_constraint(x, whole)
    return jax.jit(drawn, out_shardings=sharding)


@functools.lru_cache(maxsize=256)
def _counter_fn(signature: tuple[Any, ...], sharding: Any) -> Any:
    """The jitted counter-stream computation of one signature (``unifiedinit.apply.CounterJob``) onto
    ``sharding`` when it spreads over devices (else the default device, as the native draw), a function of
    (key words, a uint64 zero: ``JaxArith``)."""
    from ...counter import signature_values
    dtype = jnp.dtype(signature[3])

    def values(key: tuple[jax.Array, jax.Array], zero: jax.Array) -> jax.Array:
        return signature_values(signature, None, JaxOps(None), JaxArith(zero), dtype, key)

    return jax.jit(values, out_shardings=sharding if spread(sharding) else None)


def array(values: Any, dtype: str) -> Any:
    """A NumPy array of ``values`` in ``dtype``: JAX takes it wherever it takes an array, and it holds float64
    without ``jax_enable_x64`` (the conformance suite's way to give a backend values).

    Args:
        values: an array-like of numbers (a NumPy array, a nested list...).
        dtype: the dtype's name: "float16", "bfloat16", "float32", "float64", an integer dtype ("int32"...) or
            "bool".

    Returns:
        A NumPy array (``ml_dtypes.bfloat16`` for "bfloat16"), values converted as NumPy's ``astype`` does.

    Raises:
        ValueError: ``dtype`` is none of those names.

    Examples:
        >>> from unifiedinit.backends.flax.ops import array
        >>> array([1.5, 2.0], "float64").dtype.name, array([1.5], "bfloat16").dtype.name
        ('float64', 'bfloat16')
        >>> array([0, 2], "bool").tolist()
        [False, True]
    """
    from ...reference import numpy_dtype
    return np.asarray(values).astype(numpy_dtype(dtype, integers=True) if dtype != "bool" else bool)


def to_numpy(x: Any) -> Any:
    """A JAX (or NumPy) array as a NumPy array, bfloat16 widened to float32 (exactly) so NumPy can compute with it.

    Args:
        x: an array with a ``dtype`` (a ``jax.Array``, a NumPy array).

    Returns:
        A NumPy array of the same shape and values, in ``x``'s dtype (float32 for bfloat16).

    Raises:
        AttributeError: ``x`` is not an array (it has no ``dtype``).

    Examples:
        >>> import jax.numpy as jnp
        >>> from unifiedinit.backends.flax.ops import to_numpy
        >>> x = to_numpy(jnp.ones((2,), jnp.bfloat16))
        >>> type(x).__name__, x.dtype.name, x.tolist()
        ('ndarray', 'float32', [1.0, 1.0])
    """
    return np.asarray(x.astype(jnp.float32) if x.dtype == jnp.bfloat16 else x)
