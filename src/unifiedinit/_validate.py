"""Argument checks shared by every spec, layout and backend.

Every message has the same shape: who complains, which parameter, the value it got, and what is allowed,
so the same mistake reads the same whichever framework it is made in.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Mapping

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only: no runtime import of typing
    from typing import Any, Iterable, Sequence, SupportsFloat, TypeGuard


class RankError(ValueError):
    """A spec refused a tensor for its number of dimensions (``Eye`` on a convolution kernel): no size of its
    axes would do, so a tensor whose sizes are not known yet can be refused already."""


def is_mapping(x: Any) -> TypeGuard[Mapping[Any, Any]]:
    """``isinstance(x, Mapping)``, said to a type checker too (``isinstance`` on ``Any`` leaves a checker with
    unknown keys and values): a state_dict, a linen variables tree or one of its nodes, ``skip=``."""
    return isinstance(x, Mapping)


def where(owner: str, name: str) -> str:
    """How a refusal names what it is about: ``"owner: parameter 'name'"``, or ``"parameter 'name'"`` with no
    ``owner``."""
    return f"{owner}: parameter '{name}'" if owner else f"parameter '{name}'"


def keywords(owner: str, kind: str, given: Any, allowed: Sequence[str], source: str) -> None:
    """Refuse a keyword of a saved config (a ``dumps()`` string, a ``get_config()`` dict) that ``kind`` does not take
    (a misspelt ``layuot``, which would be dropped or fail as Python's bare "unexpected keyword argument"), naming
    it, those allowed and what writes them (``source``)."""
    unknown = sorted(set(given) - set(allowed), key=str)
    if unknown:
        raise ValueError(f"{owner}: parameter {shown(unknown[0])} is not a {kind} keyword; allowed: "
                         f"{', '.join(allowed)} (as {source} writes them)")


def shown(value: Any, limit: int = 60) -> str:
    """``repr(value)`` for a message, its middle left out past ``limit`` characters (a 400-digit integer, a draw
    that carries a 300 x 300 array): its ends and its length (``cut``)."""
    return cut(repr(value), limit)


def cut(text: str, limit: int = 60) -> str:
    """User text for a message (an expression, a key, a number as written): whole up to ``limit`` characters, else
    its ends with the middle left out, and its length. The one way a message shows a user's value (``shown`` cuts
    its repr).

    Examples:
        >>> cut("abc")
        'abc'
        >>> cut("x" * 100, 20)
        'xxxxxxxx...xxxxxxxx (100 characters)'
    """
    if len(text) <= limit:
        return text
    keep = max(1, (limit - 4) // 2)
    return f"{text[:keep]}...{text[-keep:]} ({len(text)} characters)"


#: a draw's repr in a message is shown whole up to this length (a mixture of a few laws), by its ends past it
DRAW_SHOWN = 160


def _drawn(d: Any) -> str:
    """A draw for a message: its repr, or its ends and length for one that carries an array (``FromArray``)."""
    return shown(d, DRAW_SHOWN)


def scalar(value: Any) -> Any:
    """``value``, or the Python number a 0-d array holds (a NumPy, JAX or torch scalar array: ``np.array(0.02)``,
    ``jnp.float32(0.02)``, ``torch.tensor(0.02)``), read by duck typing (``ndim == 0`` and ``.item()``), no framework
    imported. A number, a bool or anything else comes back as it is, and so does an array whose value cannot be read
    (a traced JAX value, a meta tensor), for the caller to refuse; a 0-d array of bools or complex numbers gives a
    bool or a complex number, refused as those are."""
    if isinstance(value, (numbers.Number, str, bytes)) or value is None:
        return value
    try:
        if getattr(value, "ndim", None) != 0:
            return value
        item: Any = value.item()
    except Exception:  # noqa: BLE001 - a tracer's or a meta tensor's .item(), a property that raises: no number
        return value
    return item if isinstance(item, numbers.Number) else value


def finite(x: SupportsFloat) -> bool:
    """``math.isfinite(x)`` for a float, written so that torch.compile traces it on a symbolic float too:
    ``dynamic=True`` makes every float a hook reads (a spec's fields, the bounds lowered from them) a symbol, which
    ``math.isfinite`` does not take ("torch.* op returned non-Tensor"). False for NaN, inf and -inf alike. ``float``
    first: a NumPy float32 would compare in float32, where the bound is inf. An integer no float holds (10**400)
    is not finite either."""
    try:
        return abs(float(x)) <= sys.float_info.max  # NaN compares False
    except OverflowError:
        return False


def _g(x: float) -> str:
    """``f"{x:.6g}"`` for a message, written so that torch.compile traces it on a symbolic float too: dynamo formats a
    symbol with ``%`` but fails inside on a format spec ("Unknown format code 'g'"), where eager raises the refusal."""
    return "%.6g" % x


def real(owner: str, name: str, value: Any) -> float:
    """A finite real number (bools and strings are refused), returned as a Python float. A NumPy scalar and a 0-d
    array (NumPy, JAX, torch) count as the number they hold (``scalar``)."""
    number = scalar(value)
    if isinstance(number, bool) or not isinstance(number, numbers.Real):
        raise TypeError(f"{where(owner, name)} must be a real number, got {shown(value)} of type "
                        f"{type(value).__name__}")
    try:
        out = float(number)
    except OverflowError:
        out = math.inf
    if not finite(out):
        raise ValueError(f"{where(owner, name)} must be a finite number, got {shown(value)}")
    return out


def key_text(owner: str, value: Any) -> str:
    """A portable key: a string that UTF-8 encodes (its bytes are hashed), so not one holding a lone surrogate
    (``"\\ud800"``, as a file name read with ``surrogateescape`` may hold), which Python's str allows."""
    if not isinstance(value, str):
        raise TypeError(f"{where(owner, 'key')} must be a string, got {shown(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        raise ValueError(f"{where(owner, 'key')} must be text that UTF-8 encodes (its bytes are hashed), got "
                         f"{shown(value)}, which holds the lone surrogate {value[err.start]!r} at position "
                         f"{err.start}; allowed: any string without unpaired surrogates") from None
    return value


def positive(owner: str, name: str, value: Any) -> float:
    out = real(owner, name, value)
    if out <= 0:
        raise ValueError(f"{where(owner, name)} must be > 0, got {out!r}")
    return out


def non_negative(owner: str, name: str, value: Any) -> float:
    out = real(owner, name, value)
    if out < 0:
        raise ValueError(f"{where(owner, name)} must be >= 0, got {out!r}")
    return out


def integer(owner: str, name: str, value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """An integer (bools, floats and strings are refused) within ``minimum`` and ``maximum``, returned as a Python
    int. A NumPy integer and a 0-d integer array (NumPy, JAX, torch) count as the integer they hold (``scalar``)."""
    number = scalar(value)
    if isinstance(number, bool) or not isinstance(number, numbers.Integral):
        raise TypeError(f"{where(owner, name)} must be an integer, got {shown(value)} of type "
                        f"{type(value).__name__}")
    out = int(number)
    if minimum is not None and out < minimum:
        raise ValueError(f"{where(owner, name)} must be an integer >= {minimum}, got {shown(out)}")
    if maximum is not None and out > maximum:
        raise ValueError(f"{where(owner, name)} must be an integer <= {maximum}, got {shown(out)}")
    return out


def choice(owner: str, name: str, value: Any, allowed: Iterable[str]) -> str:
    """One of the words ``allowed``: a value that is no string is a wrong kind of value (TypeError), a string
    that is none of them a wrong value (ValueError). Returned as a builtin ``str`` (a ``numpy.str_`` is one too, and
    would show as ``np.str_('fan_in')`` in a spec's repr)."""
    allowed = tuple(allowed)
    if not isinstance(value, str):
        raise TypeError(f"{where(owner, name)} must be one of {', '.join(map(repr, allowed))}; got {shown(value)} "
                        f"of type {type(value).__name__}")
    if value not in allowed:
        raise ValueError(f"{where(owner, name)} must be one of {', '.join(map(repr, allowed))}; got {shown(value)}")
    return str(value)


def ordered(owner: str, low_name: str, low: float, high_name: str, high: float) -> None:
    if not low < high:
        raise ValueError(f"{owner}: parameters '{low_name}' and '{high_name}' must satisfy {low_name} < {high_name}, "
                         f"got {low_name}={low!r}, {high_name}={high!r}")


FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")


def renamed(owner: str, build: Any, names: dict[str, str]) -> Any:
    """``build()`` (a spec constructor), its complaints in a framework's words: ``owner`` for the spec's name and the
    framework's parameter names (``names``: ours -> theirs) for the spec's, as the framework's own API would say."""
    try:
        return build()
    except (TypeError, ValueError) as err:
        message = str(err)
        for ours, theirs in names.items():
            message = message.replace(f"'{ours}'", f"'{theirs}'").replace(f"{ours}=", f"{theirs}=")
        raise type(err)(f"{owner}: {message.split(': ', 1)[-1]}") from None


def _holder(name: str, dtype_name: str) -> str:
    """Who is refused, for a message: the tensor a hook writes ("parameter 'tensor' has dtype int8"), or the dtype
    an initializer is called with, ``init(shape, dtype)`` ("parameter 'dtype' asks for dtype int8")."""
    if name == "dtype":
        return f"parameter 'dtype' asks for dtype {dtype_name}"
    return f"parameter '{name}' has dtype {dtype_name}"


def tensor_dtype(dtype_name: str, deterministic: bool, name: str = "tensor") -> None:
    """Random draws need a floating dtype; determined ones (constants, eye, dirac, arrays) fit any dtype, bool
    included (as torch's ``zeros_`` and Keras's ``Zeros`` fill a bool tensor). ``name``: the parameter a refusal
    names, "tensor" (a tensor written in place) or "dtype" (an initializer called with a shape and a dtype)."""
    if dtype_name in FLOAT_DTYPES or deterministic:
        return
    allowed = ", ".join(FLOAT_DTYPES)
    raise TypeError(f"{_holder(name, dtype_name)}, which cannot hold "
                    f"{'this initializer' if deterministic else 'random values'}; allowed: {allowed}")


#: the largest finite value of each dtype a parameter may have (integers: their range)
DTYPE_RANGE: dict[str, tuple[float, float]] = {
    "float16": (-65504.0, 65504.0), "bfloat16": (-3.3895313892515355e38, 3.3895313892515355e38),
    "float32": (-3.4028234663852886e38, 3.4028234663852886e38),
    "float64": (-1.7976931348623157e308, 1.7976931348623157e308),
    "int8": (-2 ** 7, 2 ** 7 - 1), "int16": (-2 ** 15, 2 ** 15 - 1), "int32": (-2 ** 31, 2 ** 31 - 1),
    "int64": (-2 ** 63, 2 ** 63 - 1), "uint8": (0, 2 ** 8 - 1), "uint16": (0, 2 ** 16 - 1),
    "uint32": (0, 2 ** 32 - 1), "uint64": (0, 2 ** 64 - 1), "bool": (0, 1),
    # the small floats take determined specs only (constants, eye, arrays): their finite range, from ml_dtypes'
    # finfo (e8m0 holds powers of two only, the smallest 2**-127: no zero, no negatives)
    "float8_e4m3fn": (-448.0, 448.0), "float8_e4m3fnuz": (-240.0, 240.0), "float8_e4m3": (-240.0, 240.0),
    "float8_e5m2": (-57344.0, 57344.0), "float8_e5m2fnuz": (-57344.0, 57344.0),
    "float8_e4m3b11fnuz": (-30.0, 30.0), "float8_e3m4": (-15.5, 15.5), "float8_e8m0fnu": (2.0 ** -127, 2.0 ** 127),
    "float6_e2m3fn": (-7.5, 7.5), "float6_e3m2fn": (-28.0, 28.0), "float4_e2m1fn": (-6.0, 6.0)}

#: a complex dtype holds two floats of its real counterpart: the range of each part is that dtype's
COMPLEX_PARTS: dict[str, str] = {"complex64": "float32", "complex128": "float64"}


def dtype_name(owner: str, name: str, value: Any) -> str:
    """A dtype given by its name, as the backends' ``sample`` take it: a float dtype, an integer one or "bool"
    (integer and bool ones only for a determined spec, which ``tensor_dtype`` checks)."""
    allowed = (*DTYPE_RANGE, "bool")
    if not isinstance(value, str):
        raise TypeError(f"{owner}: parameter '{name}' must be a dtype name ({', '.join(allowed)}), got {shown(value)}")
    if value not in allowed:
        raise ValueError(f"{owner}: parameter '{name}' must be one of {', '.join(allowed)}; got {shown(value)}")
    return str(value)


#: a normal draw is taken to reach this many standard deviations (the chance of more is below 1e-340)
NORMAL_REACH = 40.0


def draw_range(d: Any) -> tuple[float, float]:
    """Every value a draw can write lies in this interval (normals: within NORMAL_REACH standard deviations)."""
    from . import draws as D
    if isinstance(d, D.Constant):
        return d.value, d.value
    if isinstance(d, (D.Uniform, D.TruncatedNormal)):
        return d.low, d.high
    if isinstance(d, D.Normal):
        return d.mean - NORMAL_REACH * d.std, d.mean + NORMAL_REACH * d.std
    if isinstance(d, D.LogUniform):
        return d.low, d.high
    if isinstance(d, (D.InverseSoftplus, D.Log)):  # increasing: its values at the ends of the base's range (raised to
        return d.low, d.high                       # the floor)
    if isinstance(d, D.Affine):
        lo, hi = draw_range(d.base)
        ends = (d.scale * lo + d.shift, d.scale * hi + d.shift)
        return min(ends), max(ends)
    parts = _parts(d)
    if parts:
        ranges = [draw_range(c) for c in parts]
        return min(r[0] for r in ranges), max(r[1] for r in ranges)
    if isinstance(d, (D.Orthogonal, D.DeltaOrthogonal, D.Hadamard)):
        return -abs(d.gain), abs(d.gain)
    if isinstance(d, D.Sparse):
        return -NORMAL_REACH * d.std, NORMAL_REACH * d.std
    if isinstance(d, D.Array):
        return (min(d.values), max(d.values)) if d.values else (0.0, 0.0)
    if isinstance(d, D.Eye):
        return min(0.0, d.gain), max(0.0, d.gain)
    if isinstance(d, D.Sinusoidal):
        return -1.0, 1.0
    if isinstance(d, D.S4DReal):
        if d.state < 1:  # a tensor of no entries (its last axis 0): no value to hold
            return 0.0, 0.0
        return (0.0, math.log(d.state)) if d.log else (-float(d.state), -1.0)
    if isinstance(d, D.MixedRoPE):  # the largest magnitude: m_0 = 1, or the last one for a temperature below 1
        # in Python floats, not d.magnitudes(): torch.compile would trace NumPy here into a data-dependent guard
        top = max(1.0, d.temperature ** (-2.0 * (d.columns // 2 - 1) / d.columns))
        return -top, top
    return 0.0, 1.0  # dirac


def _parts(d: Any) -> tuple[Any, ...]:
    """The draws a composite draw is made of (a mixture's components, a Rows' base and fill, blocks, a stack's
    layers); () for any other draw."""
    from . import draws as D
    if isinstance(d, D.Mixture):
        return d.components
    if isinstance(d, D.Rows):
        return d.base, d.fill
    if isinstance(d, D.Blocks):
        return d.parts
    return d.layers if isinstance(d, D.PerLayer) else ()


def _windows(d: Any) -> list[Any]:
    """The uniforms and truncated normals whose sampler computes high - low in drawing ``d``: itself (or the one
    draw an affine map of one folds into), or such a part of a composite draw, at any depth."""
    from . import draws as D
    from .samplers import _fold  # pyright: ignore[reportPrivateUsage]
    x = (_fold(d) or d) if isinstance(d, D.Affine) else d
    if isinstance(x, (D.Uniform, D.TruncatedNormal)):
        return [x]
    return [w for part in _parts(x) for w in _windows(part)]  # through nested composites (blocks of blocks)


def representable(d: Any, dtype_name: str, name: str = "tensor") -> None:
    """Refuse a draw whose values would not be finite (or in range, for integers) in the parameter's dtype, before
    anything is written: ``Constant(1e300)`` or ``Normal(0, 1e300)`` on float32 would write inf (and on complex64,
    whose parts are float32, inf + 0j). ``name``: the parameter a refusal names, as ``tensor_dtype``'s."""
    from . import draws as D
    if dtype_name not in FLOAT_DTYPES and any(isinstance(x, (D.Sinusoidal, D.S4DReal)) for x in (d,) + _parts(d)):
        raise ValueError(f"{_holder(name, dtype_name)}, which cannot hold the values of {_drawn(d)}: "
                         f"real numbers; allowed: {', '.join(FLOAT_DTYPES)}")
    # a complex dtype: the range of its real and imaginary parts
    part_dtype = COMPLEX_PARTS.get(dtype_name, dtype_name)
    limits = DTYPE_RANGE.get(part_dtype)
    if limits is None:
        return
    if dtype_name.startswith(("int", "uint", "bool")):
        _integral(d, dtype_name, name)
    # a window wider than the float dtype's largest number (the small floats take determined draws only, written as
    # they are: no width): float32 and float64 compute high - low in the dtype; half precision is drawn in float32,
    # but torch's own uniform_ refuses such a window on a half-precision tensor, and so does every framework here.
    # Only a window's sampler computes a width: a normal's is mean + std z, whatever its 40 std reach spans
    lo, hi = draw_range(d)
    wide = next((w for w in _windows(d) if not finite(w.high - w.low) or w.high - w.low > limits[1]), None) \
        if part_dtype in FLOAT_DTYPES else None
    if lo < limits[0] or hi > limits[1] or wide is not None:
        reach = f" (a normal counts to {NORMAL_REACH:g} standard deviations)" if "Normal" in type(d).__name__ or \
            "Sparse" in type(d).__name__ else ""
        if wide is not None and lo >= limits[0] and hi <= limits[1]:  # in range, but a window too wide
            lo, hi, width = wide.low, wide.high, wide.high - wide.low
            top = _g(limits[1])
            why = (f": torch's own uniform_ refuses such a window on a {part_dtype} tensor (to - from must be at most "
                   f"{top}), and unifiedinit, which draws {part_dtype} in float32 or wider, refuses it in every "
                   f"framework alike"
                   if part_dtype in ("float16", "bfloat16") else
                   f", so high - low, which a sampler computes in {part_dtype}, overflows")
            raise ValueError(f"{_holder(name, dtype_name)}, which cannot hold the width of {_drawn(d)}: "
                             f"[{_g(lo)}, {_g(hi)}] is {_g(width)} wide, more than {part_dtype}'s largest "
                             f"number{why}; allowed: a width of at most {top}")
        raise ValueError(f"{_holder(name, dtype_name)}, which cannot hold the values of {_drawn(d)}: "
                         f"they span [{_g(lo)}, {_g(hi)}]{reach}; allowed: values within "
                         f"[{_g(limits[0])}, {_g(limits[1])}]")
    if dtype_name in FLOAT_DTYPES:
        _window_holds_a_number(d, dtype_name, name)
    from .samplers import _fold  # pyright: ignore[reportPrivateUsage]
    if isinstance(d, (D.InverseSoftplus, D.Log)) or (isinstance(d, D.Affine) and _fold(d) is None):
        # its base is drawn first, in the work dtype (an affine map of a normal or uniform is one draw): it must fit
        representable(d.base, "float32" if dtype_name in ("float16", "bfloat16") else dtype_name, name)
    for part in _parts(d):  # the same for one inside a mixture, rows, blocks or a stack
        if isinstance(part, (D.Affine, D.InverseSoftplus, D.Log, D.Mixture)):
            representable(part, dtype_name, name)


def _integral(d: Any, dtype_name: str, name: str) -> None:
    """An integer or bool parameter takes whole numbers only: ``Constant(0.5)`` would be cut to 0 (True in a bool),
    so it is refused with the value named. A Hadamard matrix's entries, ±gain/√n, are real numbers."""
    from . import draws as D
    parts = _parts(d)
    if parts:
        for part in parts:
            _integral(part, dtype_name, name)
        return
    values: tuple[float, ...] = ()
    if isinstance(d, D.Constant):
        values = (d.value,)
    elif isinstance(d, D.Eye):
        values = (d.gain,)
    elif isinstance(d, D.Array):
        values = d.values
    elif isinstance(d, D.Hadamard):
        raise ValueError(f"{_holder(name, dtype_name)}, which cannot hold the values of a Hadamard "
                         f"matrix (gain={d.gain!r} / sqrt(n)): real numbers; allowed: {', '.join(FLOAT_DTYPES)}")
    fraction = next((x for x in values if not float(x).is_integer()), None)
    if fraction is not None:
        raise ValueError(f"{_holder(name, dtype_name)}, which cannot hold the values of {_drawn(d)}: "
                         f"{fraction!r} is not a whole number; allowed: whole numbers (or a float dtype)")


def _window_holds_a_number(d: Any, dtype_name: str, name: str) -> None:
    """A bounded draw's window must hold at least one number of the dtype (float16 has none in [0.6, 0.60001))."""
    from .reference import support_in
    parts = _parts(d)
    if parts:
        for part in parts:
            _window_holds_a_number(part, dtype_name, name)
        return
    support = support_in(d, dtype_name)
    if support is not None and support[0] > support[1]:
        raise ValueError(f"{_holder(name, dtype_name)}, which holds no number in the window of "
                         f"{_drawn(d)}; allowed: a window that contains a {dtype_name} number")


def seed(owner: str, value: Any, *, required: bool = False) -> int | None:
    """A seed: an int in [0, 2**64) (None when ``required`` is False: the framework's own global RNG); a NumPy
    integer or a 0-d integer array counts as the integer it holds (``scalar``)."""
    if value is None and not required:
        return None
    number = scalar(value)
    if isinstance(number, bool) or not isinstance(number, numbers.Integral):
        raise TypeError(f"{where(owner, 'seed')} must be an integer in [0, 2**64){'' if required else ' or None'}, "
                        f"got {shown(value)} of type {type(value).__name__}")
    out = int(number)
    if not 0 <= out < 2 ** 64:
        raise ValueError(f"{where(owner, 'seed')} must be an integer in [0, 2**64), got {shown(out)}")
    return out


def given_seed(owner: str, value: Any) -> int:
    """A seed that must be given: an int in [0, 2**64), as ``Plan.apply`` takes it."""
    out = seed(owner, value, required=True)
    assert out is not None
    return out


def jax_key(owner: str, value: Any) -> Any:
    """A JAX random key, as ``key=`` takes it: one typed key (``jax.random.key(seed)``, of any implementation:
    shape ()) or one raw key (``jax.random.PRNGKey(seed)``: uint32, of the shape the default implementation gives,
    (2,) for threefry). A traced key (made or passed inside ``jax.jit``) passes too: only its type, shape and dtype
    are read, never its values. A batch of keys (``jax.random.split``'s) is refused, as anything else is."""
    import jax
    import jax.numpy as jnp
    import numpy as np
    raw = tuple(jax.eval_shape(lambda: jax.random.PRNGKey(0)).shape)  # pyright: ignore[reportUnknownMemberType]
    allowed = (f"allowed: one JAX random key, a typed one of shape () (jax.random.key(seed)) or a raw uint32 one of "
               f"shape {raw} (jax.random.PRNGKey(seed))")
    if not _array(value):
        raise TypeError(f"{where(owner, 'key')} must be a JAX random key, got {shown(value)} of type "
                        f"{type(value).__name__}; {allowed}")
    array: Any = value
    shape: tuple[int, ...] = tuple(array.shape)
    dtype: Any = array.dtype
    got = f"got an array of shape {shape} and dtype {dtype}"
    if jnp.issubdtype(dtype, jax.dtypes.prng_key):
        if shape != ():
            raise ValueError(f"{where(owner, 'key')} must be one key, {got} (several keys: pass one of them, "
                             f"keys[0]); {allowed}")
        return array
    if dtype != np.uint32:
        raise TypeError(f"{where(owner, 'key')} must be a JAX random key, {got}; {allowed}")
    if shape != raw:
        raise ValueError(f"{where(owner, 'key')} must be one raw key of shape {raw}, {got}; {allowed}")
    return array


def _array(value: Any) -> bool:
    """A JAX array (a traced one too) or a NumPy one."""
    import jax
    import numpy as np
    return isinstance(value, (jax.Array, np.ndarray))
