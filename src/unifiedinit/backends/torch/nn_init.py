"""Drop-in equivalents of ``torch.nn.init``, built from specs:
``from unifiedinit.backends.torch import kaiming_uniform_``.

Every function takes torch's arguments with torch's defaults, checks them in torch's order, and raises where torch
raises an exception that is an instance of torch's class (a class deriving from ours and torch's where our message
says more: ``except RuntimeError`` catches our ``ValueError`` for a negative std, as it catches torch's). Values are
drawn from the same law as torch's on every dtype torch fills (complex ones included) with torch's generator, in
place and without recording gradients; where torch returns a value without drawing (a zero-element tensor), so do
we, warning exactly where torch warns. The deprecated names without the underscore, ``calculate_gain`` and torch's
helpers (``_calculate_fan_in_and_fan_out``, ``_calculate_correct_fan``, ``_no_grad_uniform_``, ...) are here too.

Where we differ on purpose, ``unifiedinit.differences.DIFFERENCES`` says so (each function's docstring points at its
entries); ``tests/parity/test_torch_parity.py`` checks everything else against torch's own functions.
"""

from __future__ import annotations

import math
import numbers
import operator
import warnings
from typing import Any, Callable, cast

import torch

from ... import _validate as v
from ...gain import calculate_gain as _calculate_gain
from ...samplers import draw as _sampled
from ...specs import (Affine, Constant, Dirac, Eye, KaimingNormal, KaimingUniform, Normal, Ones, Orthogonal, Sparse,
                      Spec, TruncatedNormal, Uniform, XavierNormal, XavierUniform, Zeros)
from .hooks import check_generator, lower
from .ops import TorchOps

__all__ = ["uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_", "dirac_",
           "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "sparse_",
           "calculate_gain",
           # torch's deprecated names
           "uniform", "normal", "constant", "eye", "dirac", "xavier_uniform", "xavier_normal", "kaiming_uniform",
           "kaiming_normal", "orthogonal", "sparse",
           # torch's helpers that other code imports
           "_calculate_fan_in_and_fan_out", "_calculate_correct_fan", "_no_grad_uniform_", "_no_grad_normal_",
           "_no_grad_trunc_normal_", "_no_grad_fill_", "_no_grad_zero_"]

_REAL = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
_COMPLEX = {torch.complex64: torch.float32, torch.complex128: torch.float64}
_SQRT_HALF = math.sqrt(0.5)


# ------------------------------------------------------------------------------------------ torch's exception types

_MIXED: dict[tuple[type, ...], type] = {}


def _rebuild_error(bases: tuple[type, ...], args: tuple[Any, ...]) -> BaseException:
    return _mixed_class(bases)(*args)


def _reduce_error(self: BaseException) -> Any:
    return _rebuild_error, (type(self).__bases__, self.args)


def _mixed_class(bases: tuple[type, ...]) -> type:
    cls = _MIXED.get(bases)
    if cls is None:
        name = f"{bases[0].__name__}({', '.join(b.__name__ for b in bases[1:])})"
        cls = _MIXED[bases] = type(name, bases, {"__module__": __name__, "__reduce__": _reduce_error})
    return cls


def _also(err: BaseException, *kinds: type) -> BaseException:
    """``err`` with its message, made an instance of each of torch's exception classes ``kinds`` as well."""
    extra = tuple(k for k in kinds if not isinstance(err, k))
    if not extra:
        return err
    return _mixed_class((type(err),) + extra)(*err.args)


def _as_torch(call: Callable[[], Any]) -> Any:
    """``call()``, its ValueError a RuntimeError too: torch's kernels report a bad value (a reversed window, a
    negative std, a value the dtype cannot hold) as RuntimeError."""
    try:
        return call()
    except ValueError as err:
        raise _also(err, RuntimeError) from None


def _need_tensor(fn: str, tensor: Any) -> None:
    """torch reaches for a tensor method first and fails with AttributeError; ours says what it wanted."""
    if not isinstance(tensor, torch.Tensor):
        raise _also(TypeError(f"{fn}: parameter 'tensor' must be a torch.Tensor, got {type(tensor).__name__}"),
                    AttributeError)


def _number(fn: str, name: str, value: Any) -> float:
    """A real argument as torch reads it: bools count as 0/1, a one-element tensor as its value, non-finite values
    pass (each function decides about them); anything else is a TypeError, as torch's argument parser says."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not value.is_complex():
        return float(value)
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{fn}: parameter '{name}' must be a real number, got {value!r} of type {type(value).__name__}")
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf  # type: ignore[operator]  # a Real, checked above


def _random_kind(fn: str, tensor: torch.Tensor) -> str:
    """'real' or 'complex': the dtypes torch's random fills take (others are NotImplementedError in torch)."""
    if tensor.dtype in _REAL:
        return "real"
    if tensor.dtype in _COMPLEX:
        return "complex"
    dtype = str(tensor.dtype).replace("torch.", "")
    raise _also(TypeError(f"{fn}: parameter 'tensor' has dtype {dtype}, which cannot hold random values; allowed: "
                          f"float16, bfloat16, float32, float64, complex64, complex128"), NotImplementedError)


def _isinf(x: float) -> bool:
    """``math.isinf(x)``, traceable on a symbolic float (as ``_validate.finite``)."""
    return x == math.inf or x == -math.inf


def _check_std(fn: str, name: str, std: float) -> None:
    """torch's normal_ refuses a negative (or NaN) std with RuntimeError, even on a zero-element tensor."""
    if not std >= 0:
        raise _also(ValueError(f"{fn}: parameter '{name}' must be >= 0, got {std!r}"), RuntimeError)


def _check_bounds(fn: str, low: float, high: float, names: str = "'a' and 'b'") -> None:
    """torch's uniform_ refuses a reversed or non-finite window with RuntimeError, even on a zero-element tensor."""
    if not (v.finite(low) and v.finite(high)):
        raise _also(ValueError(f"{fn}: parameters {names} must give a finite window, got [{low!r}, {high!r}]"),
                    RuntimeError)
    if low > high:
        raise _also(ValueError(f"{fn}: parameters {names} must satisfy low <= high, got [{low!r}, {high!r}]"),
                    RuntimeError)


# ------------------------------------------------------------------------------------------------- writing values

def _write(tensor: torch.Tensor, spec: Spec, generator: torch.Generator | None = None,
           fans: tuple[int, int] | None = None) -> torch.Tensor:
    """Lower ``spec`` for ``tensor`` (every check before anything is written; fans given as torch computes them),
    then draw it into ``tensor`` in place with no gradient recorded. A meta tensor is checked and left as it is."""
    check_generator(generator)
    draw = _as_torch(lambda: lower(tensor, spec, None, fans))
    if not tensor.is_meta:
        with torch.no_grad():
            _sampled(TorchOps(generator, tensor.device, like=tensor), draw, tuple(tensor.shape), tensor.dtype,
                     out=tensor)
    return tensor


def _write_complex(tensor: torch.Tensor, spec: Spec, generator: torch.Generator | None = None,
                   fans: tuple[int, int] | None = None) -> torch.Tensor:
    """``spec`` drawn independently into the real and the imaginary part of a complex tensor (torch's uniform_ and
    normal_ on complex tensors; a normal spec is scaled by sqrt(1/2) before, as torch's complex normal_ is)."""
    check_generator(generator)
    with torch.no_grad():
        _write(torch.view_as_real(tensor), spec, generator, fans)
    return tensor


def _write_determined(tensor: torch.Tensor, spec: Spec) -> torch.Tensor:
    """A determined spec (constants, eye, dirac) on any dtype torch fills; a bool tensor receives the values
    through float32, as torch's fill_ converts them (non-zero is True)."""
    if tensor.dtype == torch.bool:
        tmp = _write(tensor.new_empty(tuple(tensor.shape), dtype=torch.float32), spec)
        if not tensor.is_meta:
            with torch.no_grad():
                tensor.copy_(tmp)
        return tensor
    return _write(tensor, spec)


def _dispatch(fn: Callable[..., Any], tensor: Any, **kwargs: Any) -> tuple[bool, Any]:
    """torch's ``__torch_function__`` protocol for the functions torch routes through it."""
    if torch.overrides.has_torch_function_variadic(tensor):
        return True, torch.overrides.handle_torch_function(fn, (tensor,), tensor=tensor, **kwargs)
    return False, None


# ---------------------------------------------------------------------------------------------------- elementwise

def _uniform(fn: str, tensor: torch.Tensor, a: Any, b: Any, generator: torch.Generator | None) -> torch.Tensor:
    _need_tensor(fn, tensor)
    low, high = _number(fn, "a", a), _number(fn, "b", b)
    check_generator(generator)
    kind = _random_kind(fn, tensor)
    _check_bounds(fn, low, high)
    spec = Constant(low) if low == high else _as_torch(lambda: Uniform(low, high))
    return (_write_complex if kind == "complex" else _write)(tensor, spec, generator)


def _normal(fn: str, tensor: torch.Tensor, mean: Any, std: Any, generator: torch.Generator | None) -> torch.Tensor:
    _need_tensor(fn, tensor)
    mu, sigma = _number(fn, "mean", mean), _number(fn, "std", std)
    check_generator(generator)
    _check_std(fn, "std", sigma)
    if tensor.numel() == 0:
        return tensor  # torch's normal_ checks only std on a zero-element tensor
    kind = _random_kind(fn, tensor)
    if kind == "complex":  # torch: N(mean, std^2 / 2) for each of the real and the imaginary part
        spec = Constant(mu) if sigma == 0 else _as_torch(lambda: Normal(mu, sigma * _SQRT_HALF))
        return _write_complex(tensor, spec, generator)
    spec = Constant(mu) if sigma == 0 else _as_torch(lambda: Normal(mu, sigma))
    return _write(tensor, spec, generator)


def uniform_(tensor: torch.Tensor, a: float = 0.0, b: float = 1.0,
             generator: torch.Generator | None = None) -> torch.Tensor:
    """``torch.nn.init.uniform_``: fill ``tensor`` with U(a, b) in place (``Uniform(a, b)``).

    ``a == b`` fills ``a``. Complex tensors: the real and the imaginary part each U(a, b), as torch. No gradient is
    recorded; a meta tensor is checked and left as it is; a tensor subclass with ``__torch_function__`` gets the
    call, as torch routes it. Errors are torch's classes: RuntimeError for a reversed or non-finite window,
    NotImplementedError for an integer or bool tensor (ours derive from those and from TypeError / ValueError).

    Differs from torch only as ``unifiedinit.differences.DIFFERENCES`` says for NaN or infinite arguments (refused
    before anything is written).

    Args:
        tensor: the tensor (or ``nn.Parameter``) to fill: float16, bfloat16, float32, float64, complex64 or
            complex128.
        a: the lower bound, a finite real number (a bool, or a one-element real tensor, reads as its value).
        b: the upper bound, a finite real number >= ``a``.
        generator: the ``torch.Generator`` to draw from; None: torch's default generator (``torch.manual_seed``).

    Returns:
        ``tensor``, filled.

    Raises:
        TypeError: ``tensor`` is not a ``torch.Tensor`` (an AttributeError too, as torch's error is); ``a`` or ``b``
            is not a real number; ``generator`` is not a ``torch.Generator`` or None; ``tensor`` has an integer or
            bool dtype (a NotImplementedError too).
        ValueError: ``a > b``, a NaN or infinite bound, or bounds the dtype cannot hold (a RuntimeError too).

    Examples:
        >>> import torch
        >>> from unifiedinit.backends.torch import uniform_
        >>> w = uniform_(torch.empty(3, 5), -0.1, 0.1, generator=torch.Generator().manual_seed(0))
        >>> w.shape, w.dtype, bool((w.abs() <= 0.1).all())
        (torch.Size([3, 5]), torch.float32, True)
        >>> again = uniform_(torch.empty(3, 5), -0.1, 0.1, generator=torch.Generator().manual_seed(0))
        >>> torch.equal(w, again)  # the same generator state, the same values
        True
        >>> uniform_(torch.empty(2), 0.5, 0.5).tolist()
        [0.5, 0.5]
    """
    handled, out = _dispatch(uniform_, tensor, a=a, b=b, generator=generator)
    return out if handled else _uniform("uniform_", tensor, a, b, generator)


def normal_(tensor: torch.Tensor, mean: float = 0.0, std: float = 1.0,
            generator: torch.Generator | None = None) -> torch.Tensor:
    """``torch.nn.init.normal_``: fill ``tensor`` with N(mean, std^2) in place (``Normal(mean, std)``).

    std 0 fills ``mean``. Complex tensors: real and imaginary parts each N(mean, std^2 / 2), as torch. A negative
    std is a RuntimeError, an integer tensor NotImplementedError, a zero-element tensor returned as it is, as torch.
    No gradient is recorded; a meta tensor is checked and left as it is; a tensor subclass with
    ``__torch_function__`` gets the call, as torch routes it.

    Differs from torch as ``unifiedinit.differences.DIFFERENCES`` says: NaN or infinite arguments are refused, and
    so is a std so large that the tensor's dtype cannot hold 40 standard deviations (float16: std > 1637).

    Args:
        tensor: the tensor (or ``nn.Parameter``) to fill: float16, bfloat16, float32, float64, complex64 or
            complex128.
        mean: the mean, a finite real number.
        std: the standard deviation, a finite real number >= 0.
        generator: the ``torch.Generator`` to draw from; None: torch's default generator (``torch.manual_seed``).

    Returns:
        ``tensor``, filled.

    Raises:
        TypeError: ``tensor`` is not a ``torch.Tensor`` (an AttributeError too, as torch's error is); ``mean`` or
            ``std`` is not a real number; ``generator`` is not a ``torch.Generator`` or None; ``tensor`` has an
            integer or bool dtype (a NotImplementedError too).
        ValueError: ``std < 0`` (even on a zero-element tensor), a NaN or infinite argument, or a std too large for
            the dtype (a RuntimeError too).

    Examples:
        >>> import torch
        >>> from unifiedinit.backends.torch import normal_
        >>> w = normal_(torch.empty(4, 3, dtype=torch.float64), 0.0, 0.02)
        >>> w.shape, w.dtype
        (torch.Size([4, 3]), torch.float64)
        >>> normal_(torch.empty(3), mean=0.25, std=0.0).tolist()  # std 0: the mean
        [0.25, 0.25, 0.25]
    """
    handled, out = _dispatch(normal_, tensor, mean=mean, std=std, generator=generator)
    return out if handled else _normal("normal_", tensor, mean, std, generator)


def _norm_cdf(x: float) -> float:
    return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0


def _trunc_normal(fn: str, tensor: torch.Tensor, mean: Any, std: Any, a: Any, b: Any,
                  generator: torch.Generator | None) -> torch.Tensor:
    _need_tensor(fn, tensor)
    if tensor.is_meta:
        return tensor  # torch: meta tensors have no storage, nothing is checked
    mu, sigma, low, high = (_number(fn, n, x) for n, x in (("mean", mean), ("std", std), ("a", a), ("b", b)))
    check_generator(generator)
    if sigma == 0:  # torch divides by std here: ZeroDivisionError; ours says which argument (see DIFFERENCES)
        raise _also(ValueError(f"{fn}: parameter 'std' must be > 0, got {sigma!r}"), RuntimeError, ZeroDivisionError)
    if sigma < 0:
        raise _also(ValueError(f"{fn}: parameter 'std' must be > 0, got {sigma!r} (see unifiedinit.differences: "
                               f"torch draws as with |std|)"), RuntimeError)
    # torch's sampler: a normal redrawn outside [a, b] when the window holds more than 30% of the mass, otherwise
    # uniform proposals on [a, b] (which need a finite, ordered window, and a real dtype)
    if tensor.dtype not in _REAL:
        if tensor.numel() == 0 and _window_mass(mu, sigma, low, high) > 0.3 and not tensor.is_complex():
            return tensor
        dtype = str(tensor.dtype).replace("torch.", "")
        raise _also(TypeError(f"{fn}: parameter 'tensor' has dtype {dtype}, which cannot hold a truncated normal; "
                              f"allowed: float16, bfloat16, float32, float64"), NotImplementedError)
    return _write(tensor, trunc_normal_spec(fn, mu, sigma, low, high), generator)


def _window_mass(mu: float, sigma: float, low: float, high: float) -> float:
    """The mass of N(mu, sigma^2) in [low, high], which decides torch's trunc_normal_ sampler."""
    return _norm_cdf((high - mu) / sigma) - _norm_cdf((low - mu) / sigma)


def trunc_normal_spec(fn: str, mu: float, sigma: float, low: float, high: float, *, cut: bool = True) -> Spec:
    """The spec of ``torch.nn.init.trunc_normal_(t, mu, sigma, low, high)`` with ``sigma > 0`` (the drop-in's and
    ``from_torch_fn``'s): ``a == b`` fills ``a``; (-inf, inf) is the normal; a window holding 30% of the mass or
    less must be finite and ordered (torch's uniform proposals); a bound past 40 std is cut there (the same law;
    ``cut=False``: an infinite bound only, a finite one kept as given).

    Raises:
        ValueError (a RuntimeError too, as torch's): a window torch refuses, or values the spec refuses, naming
            ``fn``."""
    if not _window_mass(mu, sigma, low, high) > 0.3:
        _check_bounds(fn, low, high)
    if low == high:
        return _as_torch(lambda: Constant(low))
    if _isinf(low) and _isinf(high) and low < high:
        return _as_torch(lambda: Normal(mu, sigma))
    # beyond 40 std the normal has no double-precision mass: the window is the same law, and its ends are what the
    # dtype is checked against
    reach = v.NORMAL_REACH * sigma
    if low < mu - reach < high and (cut or _isinf(low)):
        low = mu - reach
    if low < mu + reach < high and (cut or _isinf(high)):
        high = mu + reach
    return _as_torch(lambda: TruncatedNormal(mu, sigma, low, high))


def trunc_normal_(tensor: torch.Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator: torch.Generator | None = None) -> torch.Tensor:
    """``torch.nn.init.trunc_normal_``: N(mean, std^2) conditioned on [a, b] (absolute bounds), in place
    (``TruncatedNormal(mean, std, a, b)``).

    ``a == b`` fills ``a``; an infinite bound is allowed where torch allows it (the window holds more than 30% of
    the mass). Errors are torch's classes (RuntimeError for a reversed window, NotImplementedError for integer and
    complex tensors); meta tensors are returned unchecked, as torch. No gradient is recorded.

    Differs from torch as ``unifiedinit.differences.DIFFERENCES`` says: values by the inverse CDF in one pass (the
    same law; it compiles and vmaps, torch's rejection loop does not); std 0 and std < 0 are refused; no warning
    when the mean lies far from the window (the draw is exact there); a window more than 37 std from the mean is
    refused; NaN or infinite arguments are refused.

    Args:
        tensor: the tensor (or ``nn.Parameter``) to fill: float16, bfloat16, float32 or float64.
        mean: the mean of the normal before truncation, a finite real number.
        std: its standard deviation, a finite real number > 0.
        a: the lower bound of the window (an absolute value, not in std units).
        b: the upper bound, >= ``a``.
        generator: the ``torch.Generator`` to draw from; None: torch's default generator (``torch.manual_seed``).

    Returns:
        ``tensor``, filled.

    Raises:
        TypeError: ``tensor`` is not a ``torch.Tensor`` (an AttributeError too, as torch's error is); an argument is
            not a real number; ``generator`` is not a ``torch.Generator`` or None; ``tensor`` is not float16,
            bfloat16, float32 or float64 (a NotImplementedError too).
        ValueError: ``std == 0`` (a RuntimeError and a ZeroDivisionError too); ``std < 0``, ``a > b``, a NaN or
            infinite argument where torch would need a finite window, a window more than 37 std from the mean, or
            bounds the dtype cannot hold (a RuntimeError too).

    Examples:
        >>> import torch
        >>> from unifiedinit.backends.torch import trunc_normal_
        >>> w = trunc_normal_(torch.empty(64, 32), std=0.02, a=-0.04, b=0.04)
        >>> w.shape, bool(((w >= -0.04) & (w <= 0.04)).all())
        (torch.Size([64, 32]), True)
    """
    return _trunc_normal("trunc_normal_", tensor, mean, std, a, b, generator)


def _constant(fn: str, tensor: torch.Tensor, val: Any) -> torch.Tensor:
    _need_tensor(fn, tensor)
    plain = isinstance(val, numbers.Real) and not isinstance(val, (bool, torch.Tensor))
    # v.finite and _number's float: torch.compile makes a float argument symbolic once it changes (or with
    # dynamic=True), and neither math.isfinite nor a spec takes a SymFloat; an integer no float holds: torch's fill_
    if plain and v.finite(val) and (tensor.is_floating_point() or tensor.is_complex()):
        return _write(tensor, Constant(_number(fn, "val", val)))
    # what a spec does not hold (NaN, inf, complex, bool and tensor values) and integer and bool tensors (torch's
    # fill_ truncates, wraps a negative value into an unsigned dtype, refuses other overflows): torch's own fill
    with torch.no_grad():
        return tensor.fill_(cast(Any, val))


def constant_(tensor: torch.Tensor, val: float) -> torch.Tensor:
    """``torch.nn.init.constant_``: fill ``tensor`` with ``val`` in place (``Constant(val)``).

    On floating and complex tensors the value is checked against the dtype first (a value the dtype cannot hold is
    a RuntimeError, as torch). Integer and bool tensors, and NaN, infinite, complex and tensor values, are written
    by torch's own ``fill_``, exactly as torch (it truncates toward zero for an integer dtype). No gradient is
    recorded. No difference from torch.

    Args:
        tensor: the tensor (or ``nn.Parameter``) to fill, of any dtype.
        val: the value: a real number (complex numbers and one-element tensors go to torch's ``fill_``).

    Returns:
        ``tensor``, filled.

    Raises:
        TypeError: ``tensor`` is not a ``torch.Tensor`` (an AttributeError too, as torch's error is).
        ValueError: a floating tensor whose dtype cannot hold ``val`` (a RuntimeError too).
        RuntimeError: torch's ``fill_`` refuses the value for an integer dtype (it overflows).

    Examples:
        >>> import torch
        >>> from unifiedinit.backends.torch import constant_
        >>> constant_(torch.empty(2, 3), 0.5).tolist()
        [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]
        >>> constant_(torch.empty(3, dtype=torch.int64), 2.7).tolist()  # torch's fill_: truncated
        [2, 2, 2]
    """
    handled, out = _dispatch(constant_, tensor, val=val)
    return out if handled else _constant("constant_", tensor, val)


def ones_(tensor: torch.Tensor) -> torch.Tensor:
    """``torch.nn.init.ones_``: fill ``tensor`` with 1 in place (``Ones()``), on every dtype (bool: True).

    No gradient is recorded; a meta tensor is left as it is. No difference from torch.

    Args:
        tensor: the tensor (or ``nn.Parameter``) to fill, of any dtype.

    Returns:
        ``tensor``, filled.

    Raises:
        TypeError: ``tensor`` is not a ``torch.Tensor`` (an AttributeError too, as torch's error is).

    Examples:
        >>> import torch
        >>> from unifiedinit.backends.torch import ones_
        >>> ones_(torch.empty(2, 2)).tolist()
        [[1.0, 1.0], [1.0, 1.0]]
        >>> ones_(torch.empty(2, dtype=torch.bool)).tolist()
        [True, True]
    """
    _need_tensor("ones_", tensor)
    return _write_determined(tensor, Ones())


def zeros_(tensor: torch.Tensor) -> torch.Tensor:
    """``torch.nn.init.zeros_``: fill ``tensor`` with 0 in place (``Zeros()``), on every dtype (bool: False).

    No gradient is recorded; a meta tensor is left as it is. No difference from torch.

    Args:
        tensor: the tensor (or ``nn.Parameter``) to fill, of any dtype.

    Returns:
        ``tensor``, filled.

    Raises:
        TypeError: ``tensor`` is not a ``torch.Tensor`` (an AttributeError too, as torch's error is).

    Examples:
        >>> import torch
        >>> from unifiedinit.backends.torch import zeros_
        >>> zeros_(torch.empty(2, 3, dtype=torch.int32)).tolist()
        [[0, 0, 0], [0, 0, 0]]
    """
    _need_tensor("zeros_", tensor)
    return _write_determined(tensor, Zeros())


def eye_(tensor: torch.Tensor) -> torch.Tensor:
    """``torch.nn.init.eye_``: the identity matrix in a 2-D tensor, in place (``Eye()``), on every dtype.

    A non-square tensor gets ones on its main diagonal and zeros elsewhere, as ``torch.eye(rows, cols)``. No
    gradient is recorded; a meta tensor is left as it is. Differs from torch only in working under
    ``torch.func.vmap`` (see ``unifiedinit.differences.DIFFERENCES``).

    Args:
        tensor: a 2-D tensor (or ``nn.Parameter``), of any dtype.

    Returns:
        ``tensor``, filled.

    Raises:
        TypeError: ``tensor`` is not a ``torch.Tensor`` (an AttributeError too, as torch's error is).
        ValueError: ``tensor`` does not have 2 dimensions, as torch.

    Examples:
        >>> import torch
        >>> from unifiedinit.backends.torch import eye_
        >>> eye_(torch.empty(2, 3)).tolist()
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    _need_tensor("eye_", tensor)
    if tensor.dim() != 2:
        raise ValueError(f"eye_: only tensors with 2 dimensions are supported, got shape {tuple(tensor.shape)}")
    return _write_determined(tensor, Eye())


def _groups(groups: Any) -> Any:
    """``dirac_``'s ``groups`` as torch's arithmetic and ``range(groups)`` read it: a bool as 0 or 1, a value with
    ``__index__`` (an integer tensor or NumPy array of one element) as its int, a floating one-element tensor as
    its float (refused after the divisibility check, as torch's ``range`` refuses it); other numbers as they are.
    A tensor of several (or no) elements, a complex or a meta tensor is refused here, with torch's class too."""
    if isinstance(groups, bool):
        return int(groups)
    if isinstance(groups, torch.Tensor):
        what = None
        if groups.is_meta:
            what, kind = "a meta tensor", RuntimeError
        elif groups.numel() != 1:
            what, kind = f"a tensor of {groups.numel()} elements", RuntimeError
        elif groups.is_complex():
            what, kind = "a complex tensor", NotImplementedError
        else:
            return float(groups) if groups.is_floating_point() else operator.index(groups)
        raise _also(TypeError(f"dirac_: parameter 'groups' must be an integer (an int, or an integer tensor of one "
                              f"element), got {what} of shape {tuple(groups.shape)} and dtype "
                              f"{str(groups.dtype).replace('torch.', '')}"), kind)
    if isinstance(groups, numbers.Real):
        return groups
    try:
        return operator.index(groups)
    except TypeError:
        return groups  # a floating NumPy array, a string...: torch's arithmetic, then range()'s TypeError


def dirac_(tensor: torch.Tensor, groups: int = 1) -> torch.Tensor:
    """``torch.nn.init.dirac_``: the identity convolution in a 3-, 4- or 5-D kernel, in place (``Dirac(groups)``).

    Each of ``groups`` groups of output channels gets its own identity: output channel i of a group reads input
    channel i at the kernel's centre (index k // 2 on each spatial axis); every other entry is 0. No gradient is
    recorded; a meta tensor is checked and left as it is. ``groups`` may be anything torch's ``range(groups)``
    takes: an int, a bool, or an integer (or bool) tensor or NumPy array of one element. torch's errors: ValueError
    for the rank or for groups that do not divide dim 0, ZeroDivisionError for groups=0 (RuntimeError for a tensor
    0), TypeError for a float (a floating tensor included).

    Differs from torch as ``unifiedinit.differences.DIFFERENCES`` says: a negative ``groups`` is refused (torch
    zeroes the tensor); a uint8 tensor, or an int8 one with a dimension, is read as its value (torch indexes with
    it: a mask, or an IndexError after zeroing).

    Args:
        tensor: a kernel (out_channels, in_channels / groups, *k) with 1, 2 or 3 spatial axes, of any dtype.
        groups: the number of groups of output channels, an integer >= 1 that divides dim 0 (a bool reads as 0/1,
            an integer tensor or array of one element as its value).

    Returns:
        ``tensor``, filled.

    Raises:
        TypeError: ``tensor`` is not a ``torch.Tensor`` (an AttributeError too, as torch's error is); ``groups`` is
            not an integer (a float, a floating tensor); ``groups`` is a tensor of several or no elements, or a meta
            tensor (a RuntimeError too, as torch's), or a complex tensor (a NotImplementedError too).
        ValueError: ``tensor`` does not have 3, 4 or 5 dimensions; ``groups`` does not divide dim 0 or is
            negative; ``groups == 0`` (a ZeroDivisionError too, as torch's; and a RuntimeError for a tensor 0).

    Examples:
        >>> import torch
        >>> from unifiedinit.backends.torch import dirac_
        >>> dirac_(torch.empty(2, 2, 3)).tolist()
        [[[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0], [0.0, 1.0, 0.0]]]
        >>> dirac_(torch.empty(2, 1, 3), groups=2).tolist()
        [[[0.0, 1.0, 0.0]], [[0.0, 1.0, 0.0]]]
        >>> dirac_(torch.empty(2, 1, 3), groups=torch.tensor(2)).tolist()  # as torch's range() reads it
        [[[0.0, 1.0, 0.0]], [[0.0, 1.0, 0.0]]]
    """
    _need_tensor("dirac_", tensor)
    if tensor.dim() not in (3, 4, 5):
        raise ValueError(f"dirac_: only tensors with 3, 4, or 5 dimensions are supported, got shape "
                         f"{tuple(tensor.shape)}")
    given = groups
    groups = _groups(given)
    out_channels = tensor.shape[0]
    if isinstance(groups, numbers.Real) and groups == 0:  # torch: ZeroDivisionError (RuntimeError for a tensor)
        raise _also(ValueError(f"dirac_: parameter 'groups' must be an integer >= 1, got {given!r}"),
                    ZeroDivisionError, *((RuntimeError,) if isinstance(given, torch.Tensor) else ()))
    if out_channels % groups != 0:  # a non-number is torch's TypeError here
        raise ValueError(f"dirac_: parameter 'groups' must divide dim 0 of the tensor ({out_channels}), got "
                         f"groups={given!r}")
    if not isinstance(groups, numbers.Integral):  # torch's range(groups): TypeError
        raise TypeError(f"dirac_: parameter 'groups' must be an integer (an int, or an integer tensor or array of one "
                        f"element), got {given!r} of type {type(given).__name__}")
    if tensor.is_meta:
        return tensor
    if isinstance(groups, numbers.Real) and groups < 0:
        raise ValueError(f"dirac_: parameter 'groups' must be an integer >= 1, got {groups!r} (see "
                         f"unifiedinit.differences: torch zeroes the tensor)")
    return _write_determined(tensor, Dirac(groups))


# ----------------------------------------------------------------------------------------------------- fan-based

def _calculate_fan_in_and_fan_out(tensor: torch.Tensor) -> tuple[int, int]:
    """torch's ``_calculate_fan_in_and_fan_out``: (dim 1 x receptive field, dim 0 x receptive field).

    The receptive field is the product of dims 2 onwards (1 for a matrix): torch's (out, in, *k) reading of every
    weight, a ConvTranspose's included. No difference from torch.

    Args:
        tensor: a tensor with at least 2 dimensions.

    Returns:
        (fan_in, fan_out), two ints.

    Raises:
        TypeError: ``tensor`` is not a ``torch.Tensor`` (an AttributeError too, as torch's error is).
        ValueError: ``tensor`` has fewer than 2 dimensions, as torch.

    Examples:
        >>> import torch
        >>> from unifiedinit.backends.torch import _calculate_fan_in_and_fan_out
        >>> _calculate_fan_in_and_fan_out(torch.empty(16, 8, 3, 3))
        (72, 144)
    """
    _need_tensor("_calculate_fan_in_and_fan_out", tensor)
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
                         f"(got shape {tuple(tensor.shape)})")
    # ints, as eager torch reads them: under torch.compile operator.index specializes the graph on a dynamic size
    # (a symbol would reach checks whose float arithmetic torch.compile cannot trace)
    sizes = tuple(operator.index(size) for size in tensor.shape)
    receptive = 1
    for size in sizes[2:]:
        receptive *= size
    return sizes[1] * receptive, sizes[0] * receptive


def _calculate_correct_fan(tensor: torch.Tensor, mode: str) -> int:
    """torch's ``_calculate_correct_fan``: fan_in or fan_out of ``tensor``, as ``mode`` says.

    The fans are ``_calculate_fan_in_and_fan_out``'s. No difference from torch.

    Args:
        tensor: a tensor with at least 2 dimensions.
        mode: "fan_in" or "fan_out", in any letter case.

    Returns:
        The fan, an int.

    Raises:
        TypeError: ``tensor`` is not a ``torch.Tensor`` (an AttributeError too, as torch's error is).
        ValueError: another ``mode`` (a ``mode`` that is not a string is an AttributeError too, as torch's); a
            tensor with fewer than 2 dimensions.

    Examples:
        >>> import torch
        >>> from unifiedinit.backends.torch import _calculate_correct_fan
        >>> w = torch.empty(16, 8, 3, 3)
        >>> _calculate_correct_fan(w, "fan_in"), _calculate_correct_fan(w, "FAN_OUT")
        (72, 144)
    """
    if not isinstance(mode, str):
        raise _also(ValueError(f"Mode {mode!r} not supported, please use one of ['fan_in', 'fan_out']"),
                    AttributeError)
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of ['fan_in', 'fan_out']")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _xavier(fn: str, uniform: bool, tensor: torch.Tensor, gain: Any,
            generator: torch.Generator | None) -> torch.Tensor:
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    g = _number(fn, "gain", gain)
    check_generator(generator)
    if fan_in + fan_out == 0:
        raise _also(ValueError(f"{fn}: fan_in + fan_out is 0 for shape {tuple(tensor.shape)}"), ZeroDivisionError)
    if uniform:  # torch's uniform_(-bound, bound): the dtype, then the window, even on a zero-element tensor
        kind = _random_kind(fn, tensor)
        bound = g * math.sqrt(6.0 / (fan_in + fan_out))
        _check_bounds(fn, -bound, bound, "'gain' (the bound gain * sqrt(6 / (fan_in + fan_out)))")
        if tensor.numel() == 0:
            return tensor
    else:  # torch's normal_(0, std): the std, then (when there is something to draw) the dtype
        _check_std(fn, "gain", g)
        if tensor.numel() == 0:
            return tensor
        kind = _random_kind(fn, tensor)
    if g == 0:
        return (_write_complex if kind == "complex" else _write)(tensor, Zeros())
    spec = _as_torch(lambda: XavierUniform(g) if uniform else XavierNormal(g))
    if kind == "complex":
        return _write_complex(tensor, spec if uniform else Affine(spec, _SQRT_HALF), generator, (fan_in, fan_out))
    return _write(tensor, spec, generator, (fan_in, fan_out))


def xavier_uniform_(tensor: torch.Tensor, gain: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
    """``torch.nn.init.xavier_uniform_``: U(-b, b) in place, b = gain * sqrt(6 / (fan_in + fan_out)) with torch's fans
    (``XavierUniform(gain)``).

    The fans are ``_calculate_fan_in_and_fan_out``'s (dim 1 x RF, dim 0 x RF). Complex tensors: each part U(-b, b).
    A zero-element tensor is returned silently (fan_in + fan_out = 0 is torch's ZeroDivisionError); gain < 0 is a
    RuntimeError, gain 0 fills zeros, as torch. No gradient is recorded. No difference from torch.

    Args:
        tensor: the tensor (or ``nn.Parameter``) to fill, at least 2-D: float16, bfloat16, float32, float64,
            complex64 or complex128.
        gain: the scaling factor, a finite real number >= 0 (``calculate_gain(nonlinearity)``).
        generator: the ``torch.Generator`` to draw from; None: torch's default generator (``torch.manual_seed``).

    Returns:
        ``tensor``, filled.

    Raises:
        TypeError: ``tensor`` is not a ``torch.Tensor`` (an AttributeError too, as torch's error is); ``gain`` is
            not a real number; ``generator`` is not a ``torch.Generator`` or None; ``tensor`` has an integer or bool
            dtype (a NotImplementedError too).
        ValueError: ``tensor`` has fewer than 2 dimensions; fan_in + fan_out is 0 (a ZeroDivisionError too);
            ``gain < 0`` or a NaN or infinite gain (a RuntimeError too).

    Examples:
        >>> import math
        >>> import torch
        >>> from unifiedinit.backends.torch import xavier_uniform_
        >>> w = xavier_uniform_(torch.empty(30, 20))
        >>> w.shape, bool((w.abs() <= math.sqrt(6 / (20 + 30))).all())
        (torch.Size([30, 20]), True)
        >>> xavier_uniform_(torch.empty(2, 2), gain=0.0).tolist()
        [[0.0, 0.0], [0.0, 0.0]]
    """
    return _xavier("xavier_uniform_", True, tensor, gain, generator)


def xavier_normal_(tensor: torch.Tensor, gain: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
    """``torch.nn.init.xavier_normal_``: N(0, std^2) in place, std = gain * sqrt(2 / (fan_in + fan_out)) with torch's
    fans (``XavierNormal(gain)``).

    Complex tensors: each part N(0, std^2 / 2). Zero-element tensors, gain < 0 and gain 0 as torch (returned as
    they are, a RuntimeError, zeros). No gradient is recorded.

    Differs from torch as ``unifiedinit.differences.DIFFERENCES`` says: an infinite gain, or a std too large for
    the dtype to hold 40 standard deviations, is refused.

    Args:
        tensor: the tensor (or ``nn.Parameter``) to fill, at least 2-D: float16, bfloat16, float32, float64,
            complex64 or complex128.
        gain: the scaling factor, a finite real number >= 0 (``calculate_gain(nonlinearity)``).
        generator: the ``torch.Generator`` to draw from; None: torch's default generator (``torch.manual_seed``).

    Returns:
        ``tensor``, filled.

    Raises:
        TypeError: ``tensor`` is not a ``torch.Tensor`` (an AttributeError too, as torch's error is); ``gain`` is
            not a real number; ``generator`` is not a ``torch.Generator`` or None; ``tensor`` has an integer or bool
            dtype (a NotImplementedError too).
        ValueError: ``tensor`` has fewer than 2 dimensions; fan_in + fan_out is 0 (a ZeroDivisionError too);
            ``gain < 0``, a NaN or infinite gain, or a std too large for the dtype (a RuntimeError too).

    Examples:
        >>> import torch
        >>> from unifiedinit.backends.torch import xavier_normal_
        >>> w = xavier_normal_(torch.empty(30, 20, dtype=torch.bfloat16))
        >>> w.shape, w.dtype
        (torch.Size([30, 20]), torch.bfloat16)
    """
    return _xavier("xavier_normal_", False, tensor, gain, generator)


def _kaiming(fn: str, uniform: bool, tensor: torch.Tensor, a: Any, mode: Any, nonlinearity: Any,
             generator: torch.Generator | None) -> torch.Tensor:
    _need_tensor(fn, tensor)
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return tensor
    _calculate_correct_fan(tensor, mode)  # torch's checks, in torch's order
    gain = calculate_gain(nonlinearity, a)
    check_generator(generator)
    kind = _random_kind(fn, tensor)
    if not v.finite(gain):
        raise _also(ValueError(f"{fn}: parameter 'a' gives the gain {gain!r}; allowed: a finite negative slope"),
                    RuntimeError)
    if gain == 0:  # an infinite negative slope
        return (_write_complex if kind == "complex" else _write)(tensor, Zeros())
    fans = _calculate_fan_in_and_fan_out(tensor)
    if nonlinearity != "leaky_relu":
        slope = 0.0  # a is read only for leaky_relu
    else:  # None is calculate_gain's default slope, as torch reads it
        slope = 0.01 if a is None else _number(fn, "a", a)
    spec: Spec = _as_torch(lambda: (KaimingUniform if uniform else KaimingNormal)(slope, mode.lower(), nonlinearity))
    if kind == "complex":
        return _write_complex(tensor, spec if uniform else Affine(spec, _SQRT_HALF), generator, fans)
    return _write(tensor, spec, generator, fans)


def kaiming_uniform_(tensor: torch.Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator: torch.Generator | None = None) -> torch.Tensor:
    """``torch.nn.init.kaiming_uniform_``: U(-b, b) in place, b = gain * sqrt(3 / fan), gain =
    calculate_gain(nonlinearity, a), fan = torch's fan_in or fan_out (``KaimingUniform(a, mode, nonlinearity)``).

    ``mode`` in any letter case; complex tensors: each part U(-b, b). A tensor with a zero dimension is returned
    with torch's warning "Initializing zero-element tensors is a no-op". No gradient is recorded; a tensor
    subclass with ``__torch_function__`` gets the call, as torch routes it. No difference from torch.

    Args:
        tensor: the tensor (or ``nn.Parameter``) to fill, at least 2-D: float16, bfloat16, float32, float64,
            complex64 or complex128.
        a: the negative slope of the rectifier after this layer, read only for ``nonlinearity="leaky_relu"`` (a
            real number; torch's default 0 gives the gain sqrt(2); None is ``calculate_gain``'s default slope 0.01,
            as in torch).
        mode: "fan_in" (keeps the forward pass's variance) or "fan_out" (the backward pass's), any letter case.
        nonlinearity: a name ``calculate_gain`` knows: "leaky_relu" (default), "relu", "tanh", "sigmoid",
            "selu", "linear", "conv1d", ...
        generator: the ``torch.Generator`` to draw from; None: torch's default generator (``torch.manual_seed``).

    Returns:
        ``tensor``, filled (a tensor with a zero dimension: as it was, with torch's warning).

    Raises:
        TypeError: ``tensor`` is not a ``torch.Tensor`` (an AttributeError too, as torch's error is); ``a`` is not a
            real number; ``generator`` is not a ``torch.Generator`` or None; ``tensor`` has an integer or bool dtype
            (a NotImplementedError too).
        ValueError: ``tensor`` has fewer than 2 dimensions; ``mode`` is not "fan_in" or "fan_out" (not a string: an
            AttributeError too); ``nonlinearity`` is unknown, or its ``a`` is not None, an int or a float; a NaN
            slope (a RuntimeError too).

    Examples:
        >>> import math
        >>> import torch
        >>> from unifiedinit.backends.torch import kaiming_uniform_
        >>> w = kaiming_uniform_(torch.empty(128, 64), nonlinearity="relu")
        >>> w.shape, bool((w.abs() <= math.sqrt(2) * math.sqrt(3 / 64)).all())
        (torch.Size([128, 64]), True)
    """
    handled, out = _dispatch(kaiming_uniform_, tensor, a=a, mode=mode, nonlinearity=nonlinearity, generator=generator)
    return out if handled else _kaiming("kaiming_uniform_", True, tensor, a, mode, nonlinearity, generator)


def kaiming_normal_(tensor: torch.Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator: torch.Generator | None = None) -> torch.Tensor:
    """``torch.nn.init.kaiming_normal_``: N(0, std^2) in place, std = gain / sqrt(fan), gain =
    calculate_gain(nonlinearity, a), fan = torch's fan_in or fan_out (``KaimingNormal(a, mode, nonlinearity)``).

    Complex tensors: each part N(0, std^2 / 2); zero-element tensors as ``kaiming_uniform_``. No gradient is
    recorded. Differs from torch only where ``unifiedinit.differences.DIFFERENCES`` says a normal's std is too large
    for the tensor's dtype (refused).

    Args:
        tensor: the tensor (or ``nn.Parameter``) to fill, at least 2-D: float16, bfloat16, float32, float64,
            complex64 or complex128.
        a: the negative slope of the rectifier after this layer, read only for ``nonlinearity="leaky_relu"`` (a
            real number; torch's default 0 gives the gain sqrt(2); None is ``calculate_gain``'s default slope 0.01,
            as in torch).
        mode: "fan_in" (keeps the forward pass's variance) or "fan_out" (the backward pass's), any letter case.
        nonlinearity: a name ``calculate_gain`` knows: "leaky_relu" (default), "relu", "tanh", "sigmoid",
            "selu", "linear", "conv1d", ...
        generator: the ``torch.Generator`` to draw from; None: torch's default generator (``torch.manual_seed``).

    Returns:
        ``tensor``, filled (a tensor with a zero dimension: as it was, with torch's warning).

    Raises:
        TypeError: ``tensor`` is not a ``torch.Tensor`` (an AttributeError too, as torch's error is); ``a`` is not a
            real number; ``generator`` is not a ``torch.Generator`` or None; ``tensor`` has an integer or bool dtype
            (a NotImplementedError too).
        ValueError: ``tensor`` has fewer than 2 dimensions; ``mode`` is not "fan_in" or "fan_out" (not a string: an
            AttributeError too); ``nonlinearity`` is unknown, or its ``a`` is not None, an int or a float; a NaN
            slope (a RuntimeError too).

    Examples:
        >>> import torch
        >>> from unifiedinit.backends.torch import kaiming_normal_
        >>> w = kaiming_normal_(torch.empty(16, 8, 3, 3), mode="fan_out", nonlinearity="relu")
        >>> w.shape, w.dtype
        (torch.Size([16, 8, 3, 3]), torch.float32)
    """
    return _kaiming("kaiming_normal_", False, tensor, a, mode, nonlinearity, generator)


# ---------------------------------------------------------------------------------------------------- structured

def _unitary_(tensor: torch.Tensor, gain: float, generator: torch.Generator | None) -> torch.Tensor:
    """gain x a Haar-random (semi-)unitary matrix: QR of a complex Gaussian matrix, each column of Q times the
    phase of its diagonal entry of R (Mezzadri 2007), torch's orthogonal_ recipe with sgn where torch uses sign."""
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    with torch.no_grad():
        flat = tensor.new_empty((rows, cols)).normal_(0.0, 1.0, generator=generator)
        if rows < cols:
            flat = flat.t()
        linalg: Any = torch.linalg  # its functions are untyped
        q: torch.Tensor
        r: torch.Tensor
        q, r = linalg.qr(flat)
        q = q * torch.sgn(torch.diagonal(r))
        if rows < cols:
            q = q.t()
        tensor.copy_(q.reshape(tensor.shape)).mul_(gain)
    return tensor


def orthogonal_(tensor: torch.Tensor, gain: float = 1, generator: torch.Generator | None = None) -> torch.Tensor:
    """``torch.nn.init.orthogonal_``: gain x a Haar-random (semi-)orthogonal matrix, in place (``Orthogonal(gain)``).

    Dim 0 is set against the others flattened: the rows are orthonormal when there are fewer rows than columns,
    the columns otherwise. A negative gain gives the same law (-Q is Haar too), gain 0 zeros; at least 2
    dimensions (ValueError); zero-element and meta tensors are returned as they are, as torch. No gradient is
    recorded.

    Differs from torch as ``unifiedinit.differences.DIFFERENCES`` says: complex tensors get a Haar unitary matrix
    (torch fails on them), float16/bfloat16 are orthogonalized in float32, and a NaN or infinite gain is refused.

    Args:
        tensor: the tensor (or ``nn.Parameter``) to fill, at least 2-D: float16, bfloat16, float32, float64,
            complex64 or complex128.
        gain: the scaling factor, a finite real number.
        generator: the ``torch.Generator`` to draw from; None: torch's default generator (``torch.manual_seed``).

    Returns:
        ``tensor``, filled.

    Raises:
        TypeError: ``tensor`` is not a ``torch.Tensor`` (an AttributeError too, as torch's error is); ``gain`` is
            not a real number; ``generator`` is not a ``torch.Generator`` or None; ``tensor`` has an integer or bool
            dtype (a NotImplementedError too).
        ValueError: ``tensor`` has fewer than 2 dimensions; a NaN or infinite gain (a RuntimeError too).

    Examples:
        >>> import torch
        >>> from unifiedinit.backends.torch import orthogonal_
        >>> w = orthogonal_(torch.empty(3, 5, dtype=torch.float64))
        >>> torch.allclose(w @ w.T, torch.eye(3, dtype=torch.float64))  # orthonormal rows
        True
        >>> orthogonal_(torch.empty(2, 2), gain=0).tolist()
        [[0.0, 0.0], [0.0, 0.0]]
    """
    _need_tensor("orthogonal_", tensor)
    if tensor.dim() < 2:
        raise ValueError(f"orthogonal_: only tensors with 2 or more dimensions are supported, got shape "
                         f"{tuple(tensor.shape)}")
    if tensor.numel() == 0 or tensor.is_meta:
        return tensor
    g = _number("orthogonal_", "gain", gain)
    check_generator(generator)
    kind = _random_kind("orthogonal_", tensor)
    if not v.finite(g):
        raise _also(ValueError(f"orthogonal_: parameter 'gain' must be a finite number, got {g!r}"), RuntimeError)
    if kind == "complex":
        return _unitary_(tensor, g, generator)
    return _write(tensor, Zeros() if g == 0 else Orthogonal(abs(g)), generator)


def sparse_(tensor: torch.Tensor, sparsity: float, std: float = 0.01,
            generator: torch.Generator | None = None) -> torch.Tensor:
    """``torch.nn.init.sparse_``: a 2-D tensor of N(0, std^2) values with ceil(sparsity x rows) zeros in every column,
    at random rows, in place (``Sparse(sparsity, std)``).

    sparsity >= 1 or std 0 gives zeros; complex tensors: complex normal values, as torch; torch's errors
    (ValueError for the rank and a NaN sparsity, RuntimeError for std < 0). Meta and zero-element tensors are
    returned as they are. No gradient is recorded.

    Differs from torch as ``unifiedinit.differences.DIFFERENCES`` says: the zero rows come from ``generator`` too
    (torch draws them from the global RNG), a negative sparsity and an infinite std are refused.

    Args:
        tensor: a 2-D tensor (or ``nn.Parameter``) to fill: float16, bfloat16, float32, float64, complex64 or
            complex128.
        sparsity: the fraction of each column set to zero, a real number in [0, 1].
        std: the standard deviation of the non-zero values, a finite real number >= 0.
        generator: the ``torch.Generator`` to draw from (the values and the zero rows); None: torch's default
            generator.

    Returns:
        ``tensor``, filled.

    Raises:
        TypeError: ``tensor`` is not a ``torch.Tensor`` (an AttributeError too, as torch's error is); ``sparsity``
            or ``std`` is not a real number; ``generator`` is not a ``torch.Generator`` or None; ``tensor`` has an
            integer or bool dtype (a NotImplementedError too).
        ValueError: ``tensor`` is not 2-D; a NaN or negative sparsity; an infinite sparsity (an OverflowError too,
            as torch's); ``std < 0`` or an infinite std (a RuntimeError too).

    Examples:
        >>> import torch
        >>> from unifiedinit.backends.torch import sparse_
        >>> w = sparse_(torch.empty(4, 3), sparsity=0.5, std=0.01)
        >>> (w == 0).sum(dim=0).tolist()  # ceil(0.5 x 4) = 2 zeros in every column
        [2, 2, 2]
    """
    fn = "sparse_"
    _need_tensor(fn, tensor)
    if tensor.dim() != 2:
        raise ValueError(f"sparse_: only tensors with 2 dimensions are supported, got shape {tuple(tensor.shape)}")
    if tensor.is_meta:
        return tensor
    s, sigma = _number(fn, "sparsity", sparsity), _number(fn, "std", std)
    check_generator(generator)
    rows = operator.index(tensor.shape[0])  # an int under torch.compile too (``_calculate_fan_in_and_fan_out``)
    if s * rows != s * rows:  # NaN (math.isnan, which torch.compile cannot trace on a symbol)
        raise ValueError(f"sparse_: parameter 'sparsity' must be a number in [0, 1], got {s!r}")
    if _isinf(s):
        raise _also(ValueError(f"sparse_: parameter 'sparsity' must be a number in [0, 1], got {s!r}"), OverflowError)
    _check_std(fn, "std", sigma)
    if tensor.numel() == 0:
        return tensor
    kind = _random_kind(fn, tensor)
    if s < 0:
        raise ValueError(f"sparse_: parameter 'sparsity' must be a number in [0, 1], got {s!r} (see "
                         f"unifiedinit.differences)")
    if sigma == 0 or math.ceil(s * rows) >= rows:
        return (_write_complex if kind == "complex" else _write)(tensor, Zeros())
    spec = _as_torch(lambda: Sparse(s, sigma))
    if kind == "real":
        return _write(tensor, spec, generator)
    # complex: torch's complex normal_, then the zeros; the zero rows from a real draw of the same spec
    _write_complex(tensor, _as_torch(lambda: Normal(0.0, sigma * _SQRT_HALF)), generator)
    mask = _write(tensor.new_empty(tuple(tensor.shape), dtype=_COMPLEX[tensor.dtype]), Sparse(s, 1.0), generator)
    with torch.no_grad():
        tensor.masked_fill_(mask == 0, 0)
    return tensor


# ---------------------------------------------------------------------------------------------------------- gain

def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """``torch.nn.init.calculate_gain``: the recommended gain for a nonlinearity (the table of ``unifiedinit.gain``).

    linear, conv*, sigmoid 1; tanh 5/3; relu sqrt(2); selu 3/4; leaky_relu sqrt(2 / (1 + slope^2)), slope =
    ``param`` (default 0.01), read only for leaky_relu. No difference from torch in value (ours is always a float:
torch returns the int 1 for linear, conv* and sigmoid, and 1 == 1.0).

    Args:
        nonlinearity: "linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
            "conv_transpose3d", "sigmoid", "tanh", "relu", "leaky_relu" or "selu".
        param: leaky_relu's negative slope, an int or a float (not a bool); None: 0.01. Other nonlinearities
            ignore it.

    Returns:
        The gain, a float (NaN for a NaN slope, 0 for an infinite one, as torch's formula gives).

    Raises:
        ValueError: an unknown ``nonlinearity``; a leaky_relu ``param`` that is not an int or a float, as torch.

    Examples:
        >>> from unifiedinit.backends.torch import calculate_gain
        >>> calculate_gain("relu"), calculate_gain("tanh"), calculate_gain("linear")
        (1.4142135623730951, 1.6666666666666667, 1.0)
        >>> calculate_gain("leaky_relu", 0.2)
        1.3867504905630728
    """
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif (isinstance(param, int) and not isinstance(param, bool)) or isinstance(param, float):
            slope = param
        else:
            raise ValueError(f"calculate_gain: parameter 'param' (the negative slope) must be an int or a float, got "
                             f"{param!r} of type {type(param).__name__}")
        if not v.finite(slope):  # torch's formula: 0 for an infinite slope, NaN for NaN
            return math.sqrt(2.0 / (1 + slope ** 2))
        return _calculate_gain("leaky_relu", slope)
    try:
        return _calculate_gain(nonlinearity)
    except TypeError as err:
        raise ValueError(str(err)) from None


# ------------------------------------------------------------------------------------------------ torch's helpers

def _no_grad_uniform_(tensor: torch.Tensor, a: float, b: float,
                      generator: torch.Generator | None = None) -> torch.Tensor:
    """torch's ``_no_grad_uniform_``: ``uniform_`` without the ``__torch_function__`` dispatch.

    Differs from torch only as ``uniform_`` does.

    Args:
        tensor: the tensor to fill, as ``uniform_``'s.
        a: the lower bound, a finite real number.
        b: the upper bound, a finite real number >= ``a``.
        generator: the ``torch.Generator`` to draw from; None: torch's default generator.

    Returns:
        ``tensor``, filled.

    Raises:
        TypeError: ``tensor`` is not a ``torch.Tensor`` (an AttributeError too, as torch's error is); as
            ``uniform_``: a bound that is not a real number, ``generator`` is not a ``torch.Generator`` or None, an
            integer or bool tensor.
        ValueError: as ``uniform_``: a reversed, NaN or infinite window (a RuntimeError too).

    Examples:
        >>> import torch
        >>> from unifiedinit.backends.torch import _no_grad_uniform_
        >>> _no_grad_uniform_(torch.empty(2), 1.0, 1.0).tolist()
        [1.0, 1.0]
    """
    return _uniform("_no_grad_uniform_", tensor, a, b, generator)


def _no_grad_normal_(tensor: torch.Tensor, mean: float, std: float,
                     generator: torch.Generator | None = None) -> torch.Tensor:
    """torch's ``_no_grad_normal_``: ``normal_`` without the ``__torch_function__`` dispatch.

    Differs from torch only as ``normal_`` does.

    Args:
        tensor: the tensor to fill, as ``normal_``'s.
        mean: the mean, a finite real number.
        std: the standard deviation, a finite real number >= 0.
        generator: the ``torch.Generator`` to draw from; None: torch's default generator.

    Returns:
        ``tensor``, filled.

    Raises:
        TypeError: ``tensor`` is not a ``torch.Tensor`` (an AttributeError too, as torch's error is); as
            ``normal_``: an argument that is not a real number, ``generator`` is not a ``torch.Generator`` or None,
            an integer or bool tensor.
        ValueError: as ``normal_``: ``std < 0``, a NaN or infinite argument, a std too large for the dtype (a
            RuntimeError too).

    Examples:
        >>> import torch
        >>> from unifiedinit.backends.torch import _no_grad_normal_
        >>> _no_grad_normal_(torch.empty(2), 3.0, 0.0).tolist()
        [3.0, 3.0]
    """
    return _normal("_no_grad_normal_", tensor, mean, std, generator)


def _no_grad_trunc_normal_(tensor: torch.Tensor, mean: float, std: float, a: float, b: float,
                           generator: torch.Generator | None = None) -> torch.Tensor:
    """torch's ``_no_grad_trunc_normal_``: what ``trunc_normal_`` does (and differs as it does).

    Args:
        tensor: the tensor to fill, as ``trunc_normal_``'s.
        mean: the mean of the normal before truncation.
        std: its standard deviation, > 0.
        a: the lower bound of the window (an absolute value).
        b: the upper bound, >= ``a``.
        generator: the ``torch.Generator`` to draw from; None: torch's default generator.

    Returns:
        ``tensor``, filled.

    Raises:
        TypeError: ``tensor`` is not a ``torch.Tensor`` (an AttributeError too, as torch's error is); as
            ``trunc_normal_``: an argument that is not a real number, ``generator`` is not a ``torch.Generator`` or
            None, a tensor that is not float16, bfloat16, float32 or float64.
        ValueError: as ``trunc_normal_``: std 0 or negative, a reversed window, a window far from the mean, NaN or
            infinite arguments (a RuntimeError too).

    Examples:
        >>> import torch
        >>> from unifiedinit.backends.torch import _no_grad_trunc_normal_
        >>> w = _no_grad_trunc_normal_(torch.empty(100), 0.0, 1.0, -0.5, 0.5)
        >>> bool(((w >= -0.5) & (w <= 0.5)).all())
        True
    """
    return _trunc_normal("_no_grad_trunc_normal_", tensor, mean, std, a, b, generator)


def _no_grad_fill_(tensor: torch.Tensor, val: float) -> torch.Tensor:
    """torch's ``_no_grad_fill_``: ``constant_`` without the ``__torch_function__`` dispatch. No difference from torch.

    Args:
        tensor: the tensor to fill, of any dtype.
        val: the value, as ``constant_``'s.

    Returns:
        ``tensor``, filled.

    Raises:
        TypeError: ``tensor`` is not a ``torch.Tensor`` (an AttributeError too, as torch's error is).
        ValueError: a floating tensor whose dtype cannot hold ``val`` (a RuntimeError too).
        RuntimeError: torch's ``fill_`` refuses the value for an integer dtype.

    Examples:
        >>> import torch
        >>> from unifiedinit.backends.torch import _no_grad_fill_
        >>> _no_grad_fill_(torch.empty(2), -1.5).tolist()
        [-1.5, -1.5]
    """
    return _constant("_no_grad_fill_", tensor, val)


def _no_grad_zero_(tensor: torch.Tensor) -> torch.Tensor:
    """torch's ``_no_grad_zero_``: fill ``tensor`` with zeros in place, as ``zeros_`` (no difference).

    Args:
        tensor: the tensor to fill, of any dtype.

    Returns:
        ``tensor``, filled.

    Raises:
        TypeError: ``tensor`` is not a ``torch.Tensor`` (an AttributeError too, as torch's error is).

    Examples:
        >>> import torch
        >>> from unifiedinit.backends.torch import _no_grad_zero_
        >>> _no_grad_zero_(torch.ones(3)).tolist()
        [0.0, 0.0, 0.0]
    """
    _need_tensor("_no_grad_zero_", tensor)
    return _write_determined(tensor, Zeros())


# --------------------------------------------------------------------------------------- torch's deprecated names

def _deprecated(method: Callable[..., torch.Tensor], call: str, result: str) -> Callable[..., torch.Tensor]:
    """torch's deprecated name for ``method``; ``call`` (its arguments) and ``result`` (what ``t`` then shows) make
    the docstring's example."""
    new_name = method.__name__
    old_name = new_name[:-1]

    def deprecated_init(*args: Any, **kwargs: Any) -> torch.Tensor:
        warnings.warn(f"`nn.init.{old_name}` is now deprecated in favor of `nn.init.{new_name}`.", FutureWarning,
                      stacklevel=2)
        return method(*args, **kwargs)

    deprecated_init.__doc__ = f"""torch's deprecated ``nn.init.{old_name}``: warns, then calls ``{new_name}``.

    It warns as torch does (FutureWarning: "`nn.init.{old_name}` is now deprecated in favor of
    `nn.init.{new_name}`."), then returns ``{new_name}(*args, **kwargs)``. Differs from torch only as
    ``{new_name}`` does.

    Args:
        *args: ``{new_name}``'s positional arguments (the tensor first).
        **kwargs: ``{new_name}``'s keyword arguments.

    Returns:
        The tensor, filled by ``{new_name}``.

    Raises:
        TypeError: as ``{new_name}`` (a bad tensor, argument or dtype; torch's class as well).
        ValueError: as ``{new_name}`` (a bad value; torch's class as well).

    Examples:
        >>> import warnings
        >>> import torch
        >>> from unifiedinit.backends.torch import {old_name}
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     t = {old_name}({call})
        >>> caught[0].category.__name__
        'FutureWarning'
        >>> {result}
    """
    deprecated_init.__name__ = deprecated_init.__qualname__ = old_name
    return deprecated_init


_ZEROS_2X2 = "t.tolist()\n        [[0.0, 0.0], [0.0, 0.0]]"
_SHAPE_3X4 = "t.shape, t.dtype\n        (torch.Size([3, 4]), torch.float32)"
uniform = _deprecated(uniform_, "torch.empty(2), 0.5, 0.5", "t.tolist()\n        [0.5, 0.5]")
normal = _deprecated(normal_, "torch.empty(2), 1.0, 0.0", "t.tolist()\n        [1.0, 1.0]")
constant = _deprecated(constant_, "torch.empty(2), 0.25", "t.tolist()\n        [0.25, 0.25]")
eye = _deprecated(eye_, "torch.empty(2, 2)", "t.tolist()\n        [[1.0, 0.0], [0.0, 1.0]]")
dirac = _deprecated(dirac_, "torch.empty(1, 1, 3)", "t.tolist()\n        [[[0.0, 1.0, 0.0]]]")
xavier_uniform = _deprecated(xavier_uniform_, "torch.empty(2, 2), gain=0.0", _ZEROS_2X2)
xavier_normal = _deprecated(xavier_normal_, "torch.empty(2, 2), gain=0.0", _ZEROS_2X2)
kaiming_uniform = _deprecated(kaiming_uniform_, "torch.empty(3, 4)", _SHAPE_3X4)
kaiming_normal = _deprecated(kaiming_normal_, "torch.empty(3, 4)", _SHAPE_3X4)
orthogonal = _deprecated(orthogonal_, "torch.empty(2, 2), gain=0", _ZEROS_2X2)
sparse = _deprecated(sparse_, "torch.empty(3, 2), 1.0",
                     "t.tolist()  # sparsity 1: every row zero\n        [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]")
