"""Drop-ins for ``keras.initializers``: Keras's class names, constructor arguments, attributes, argument checks,
configs, seeding and ``get``/``serialize``/``deserialize``, each class a unifiedinit spec underneath.

``from unifiedinit.backends.keras import initializers`` where the code said ``from keras import initializers``::

    layers.Dense(64, kernel_initializer=initializers.HeNormal(seed=3))
    initializers.get("glorot_uniform")          # this module's GlorotUniform

Each class is a subclass of Keras's class of the same name (so ``isinstance(init, keras.initializers.VarianceScaling)``
holds, and an ``EinsumDense`` hands it its equation's ``input_axes`` / ``output_axes`` as it does Keras's own) and of
``SpecInitializer``: its arguments lower to a spec (``init.spec``, read from the attributes when used, as Keras reads
them), sampled by the same ``keras.random`` / ``keras.ops`` machinery as ``spec.to_keras()``. Keras's constructor
runs first, so a bad ``mode``, ``distribution``, ``scale`` or ``seed`` raises exactly Keras's exception; seeds behave
as Keras's (an int or None: the same values on every call; a ``keras.random.SeedGenerator``: new ones each call).

``get_config()`` holds Keras's keys (``seed``, ``mean``, ``stddev``, ``minval``, ``maxval``, ``scale``, ``mode``,
``distribution``, ``gain``, ``value``, ``input_axes``, ``output_axes``, as each Keras class has them) plus ``spec``,
the whole spec as a plain dict (a He, Glorot or Lecun drop-in whose ``scale``, ``mode`` or ``distribution`` was
changed after construction adds those keys too); Keras's keys decide what ``from_config`` builds, and a ``spec``
that disagrees with them is refused. Where a drop-in differs from Keras on purpose,
``unifiedinit.differences.DIFFERENCES`` says so (framework "keras"). ``STFT`` has no spec: it is Keras's own class,
here so that ``get("stft")`` answers as Keras's.
"""

# keras ships no type annotations for most of its API (keras.ops, keras.saving, keras.backend, its initializers):
# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false

from __future__ import annotations

import math
import numbers
from typing import Any, ClassVar, Sequence, cast

import keras
import numpy as np
from keras import ops

from ... import _validate as v
from ... import draws as D
from ... import specs as S
from ...layout import LAYOUTS, TensorInfo, check_shape
from ...samplers import draw as sampled
from ...serialize import from_dict
from .hooks import SpecInitializer
from .ops import KerasOps, Seeds

from keras import initializers as _K  # noqa: E402

__all__ = ["Initializer", "Constant", "Zeros", "Ones", "Identity", "IdentityInitializer", "RandomUniform",
           "RandomNormal", "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeUniform",
           "HeNormal", "LecunUniform", "LecunNormal", "Orthogonal", "OrthogonalInitializer", "STFT", "STFTInitializer",
           "constant", "zeros", "ones", "identity", "random_uniform", "random_normal", "truncated_normal",
           "variance_scaling", "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
           "lecun_normal", "orthogonal", "stft", "get", "serialize", "deserialize", "compute_fans",
           "KERAS_DISTRIBUTIONS"]

Initializer = _K.Initializer
"""Keras's own ``keras.initializers.Initializer`` (the same object, not a drop-in): the base class of every Keras
initializer and of every drop-in here.

It has no spec. Subclass it (or a drop-in) for an initializer of your own, as in Keras: implement
``__call__(shape, dtype=None)`` and, for saving, ``get_config()``. Its constructor takes no arguments.

Raises:
    NotImplementedError: an instance of the base class itself is called (a subclass implements ``__call__``).

Examples:
    >>> import keras
    >>> from unifiedinit.backends.keras import initializers
    >>> initializers.Initializer is keras.initializers.Initializer
    True
    >>> isinstance(initializers.HeNormal(), initializers.Initializer)
    True
    >>> initializers.Initializer().get_config()
    {}
"""

STFT = STFTInitializer = stft = _K.STFT
"""Keras's own ``keras.initializers.STFT`` (the same object, also named ``STFTInitializer`` and ``stft``): the
kernel of a short-time Fourier transform, for Keras's ``STFTSpectrogram`` layer.

There is no spec for it (it is not a law to draw from); it is here so that ``get("stft")``, ``deserialize`` and a
saved model answer as Keras's do. It is called as ``init(shape, dtype=None)`` with a shape ``(T, 1, F // 2 + 1)``:
``T`` the window's length, ``F`` the number of frequency bands. Its arguments, Keras's (it is Keras's class):

- ``side``: ``"real"`` or ``"imag"``: which part of the transform the kernel computes. Default ``"real"``.
- ``window``: the name of a window function of ``scipy.signal.windows`` (``"hann"``, ``"hamming"``...), an
  array-like of the window's values, or None for no window. Default ``"hann"``.
- ``scaling``: ``"density"`` (L2 normalization of the window), ``"spectrum"`` (L1) or None. Default ``"density"``.
- ``periodic``: whether the window function is treated as periodic (a bool). Default False.

Raises:
    ValueError: ``side`` is neither ``"real"`` nor ``"imag"``, ``window`` names no scipy window, or ``scaling`` is
        not one of its three values (at construction); the shape does not have three sizes (at the call).

Examples:
    >>> import keras
    >>> from unifiedinit.backends.keras import initializers
    >>> initializers.STFT is initializers.stft is keras.initializers.STFT
    True
    >>> type(initializers.get("stft")) is initializers.STFT
    True
    >>> x = keras.ops.convert_to_numpy(initializers.STFT("imag", "hamming")((16, 1, 9)))
    >>> x.shape, x.dtype.name
    ((16, 1, 9), 'float32')
"""

KERAS_DISTRIBUTIONS = {"truncated_normal": "truncated_normal", "untruncated_normal": "normal", "uniform": "uniform"}
"""Keras's ``VarianceScaling`` distribution -> unifiedinit's.

Keras's ``"truncated_normal"`` (which ``"normal"`` also means: Keras stores it as ``"truncated_normal"``) is truncated
at 2 sigma with the sample std corrected, as unifiedinit's is; Keras's ``"untruncated_normal"`` is unifiedinit's
``"normal"``; ``"uniform"`` is ``"uniform"`` in both.

Examples:
    >>> KERAS_DISTRIBUTIONS["untruncated_normal"]
    'normal'
    >>> sorted(KERAS_DISTRIBUTIONS)
    ['truncated_normal', 'uniform', 'untruncated_normal']
"""


def compute_fans(shape: tuple[int, ...], input_axes: Sequence[int] | None = None,
                 output_axes: Sequence[int] | None = None) -> tuple[int, int]:
    """Keras's ``compute_fans``: the ``(fan_in, fan_out)`` of a shape, which ``VarianceScaling`` and its named
    forms (Glorot, He, Lecun) scale by.

    The products of the sizes on ``input_axes`` and on ``output_axes`` when both are given (an ``EinsumDense``
    kernel's, from its equation); otherwise (n, n) for a vector of n, (1, 1) for a scalar, and for two axes or more
    the last two sizes times the receptive field (the product of the other sizes): Keras's ``(..., in, out)`` kernel
    layout. The drop-ins use at least 1 for each fan (an empty tensor gets no values anyway).

    Args:
        shape: the tensor's shape, a tuple of ints.
        input_axes: the axes whose sizes multiply to fan_in (any ints ``shape`` has, negative ones counted from the
            end), or None. Used only together with ``output_axes``.
        output_axes: the axes whose sizes multiply to fan_out, or None. Used only together with ``input_axes``.

    Returns:
        ``(fan_in, fan_out)``, two ints.

    Raises:
        IndexError: ``input_axes`` or ``output_axes`` holds an axis that ``shape`` does not have.

    Examples:
        >>> compute_fans((3, 3, 16, 32))  # a Conv2D kernel: 3 x 3 x 16 in, 3 x 3 x 32 out
        (144, 288)
        >>> compute_fans((7,)), compute_fans(())
        ((7, 7), (1, 1))
        >>> compute_fans((16, 8, 4), input_axes=[0], output_axes=[1, 2])  # EinsumDense "ab,bcd->acd"
        (16, 32)
        >>> compute_fans((16, 8, 4), input_axes=[0])  # one of the two alone: the last two axes decide
        (128, 64)
    """
    if input_axes is not None and output_axes is not None:
        return math.prod(shape[a] for a in input_axes), math.prod(shape[a] for a in output_axes)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


def _number(x: Any) -> Any:
    """A Keras argument as a number: Python and NumPy numbers as they are, a bool as 0 or 1 (Keras computes with
    it), a scalar tensor or array as its value; anything else unchanged, for the spec to refuse by name."""
    if isinstance(x, bool):
        return float(x)
    if isinstance(x, (numbers.Real, str)):
        return x
    if hasattr(x, "shape") and tuple(x.shape) == ():
        import numpy as np
        return float(np.asarray(ops.convert_to_numpy(x)))
    return x


def _orthogonal(gain: Any) -> S.Spec:
    """Keras's gain x a Haar matrix: -Q is Haar as Q is, so a negative gain is the law of its absolute value; a
    zero gain writes zeros."""
    gain = _number(gain)
    if isinstance(gain, numbers.Real) and not isinstance(gain, bool) and gain <= 0 and v.finite(gain):
        return S.Zeros() if gain == 0 else S.Orthogonal(-float(gain))
    return S.Orthogonal(gain)  # type: ignore[arg-type]  # a non-number is refused by Orthogonal, in Keras's words


def _location_scale(kind: Any, mean: Any, stddev: Any) -> S.Spec:
    """Keras's mean + stddev x N(0, 1) (truncated to [-2, 2] for TruncatedNormal): a zero stddev writes the mean,
    a negative one draws the law of its absolute value (N(0, 1) and its truncation are symmetric)."""
    mean, stddev = _number(mean), _number(stddev)
    if isinstance(stddev, numbers.Real) and v.finite(stddev) and stddev <= 0:
        if stddev == 0:
            return S.Constant(mean)
        stddev = -stddev
    owner = "TruncatedNormal" if kind is S.TruncatedNormal else "RandomNormal"
    if kind is S.TruncatedNormal and isinstance(mean, numbers.Real) and isinstance(stddev, numbers.Real):
        m, s = v.real(owner, "mean", mean), v.real(owner, "stddev", stddev)  # 10**400 by name, not OverflowError
        return v.renamed(owner, lambda: S.TruncatedNormal(m, s, m - 2.0 * s, m + 2.0 * s), {"std": "stddev"})
    given_mean, given_std = cast(Any, mean), cast(Any, stddev)  # any value: the spec refuses what is not a number
    return v.renamed(owner, lambda: kind(given_mean, given_std), {"std": "stddev"})


def _uniform(minval: Any, maxval: Any) -> S.Spec:
    """U[minval, maxval); equal bounds write that value. Reversed bounds are refused (Keras's backends disagree:
    TensorFlow and torch draw U(maxval, minval], JAX writes minval everywhere)."""
    minval, maxval = _number(minval), _number(maxval)
    if isinstance(minval, numbers.Real) and isinstance(maxval, numbers.Real) and minval == maxval and \
            v.finite(minval):
        return S.Constant(minval)
    if isinstance(minval, numbers.Real) and isinstance(maxval, numbers.Real) and minval > maxval:
        raise ValueError(f"RandomUniform: parameters 'minval' and 'maxval' must satisfy minval <= maxval, got "
                         f"minval={minval!r}, maxval={maxval!r}")
    low, high = cast(Any, minval), cast(Any, maxval)  # any value: Uniform refuses what is not a number
    return v.renamed("RandomUniform", lambda: S.Uniform(low, high), {"low": "minval", "high": "maxval"})


def _variance_scaling(scale: Any, mode: str, distribution: str) -> S.Spec:
    return S.VarianceScaling(_number(scale), mode, KERAS_DISTRIBUTIONS[distribution])


class _DropIn(SpecInitializer):
    """What every drop-in shares: the spec read from Keras's attributes, Keras's layout, Keras's config keys
    plus the spec."""

    #: the Keras class this one stands in for (its config, its from_config)
    keras_class: ClassVar[Any] = _K.Initializer
    layout = LAYOUTS["keras"]
    portable = None

    def __init__(self) -> None:  # Keras's Zeros and Ones take no arguments (each other class has its own)
        pass

    def make_spec(self) -> S.Spec:  # pragma: no cover - every class defines it
        raise NotImplementedError

    @property
    def spec(self) -> S.Spec:  # type: ignore[override]
        """The spec of the current arguments (attributes changed after construction count, as in Keras)."""
        return self.make_spec()

    def seeds(self) -> Seeds:
        return Seeds(getattr(self, "seed", 0))

    def check_shape(self, shape: tuple[int, ...]) -> None:
        """Keras's own shape checks, made before anything else (the empty-tensor shortcut included)."""

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        dtype = keras.backend.standardize_dtype(dtype)
        shape = check_shape(shape)  # names "shape" for what is no shape (None, a str), as tuple() did not
        self.check_shape(shape)
        if math.prod(shape) == 0:  # Keras gives an empty tensor, whatever the initializer
            return ops.zeros(shape, dtype=dtype)
        if dtype not in v.FLOAT_DTYPES:
            draw = self.spec.lower(self.tensor_info(shape))
            if isinstance(draw, D.Constant):  # Keras's own formula on integer and bool tensors
                if dtype != "bool":  # Keras's cast goes toward zero (3.7 -> 3): that number must fit
                    v.representable(D.Constant(float(math.trunc(draw.value))), dtype, "dtype")
                return ops.cast(draw.value, dtype) * ops.ones(shape, dtype=dtype)
            if isinstance(draw, D.Eye):  # gain x I in float32, cast as Keras casts it (toward zero; non-zero: True)
                if dtype != "bool":  # the gain as float32 holds it, cut toward zero, must fit
                    with np.errstate(over="ignore"):
                        held = float(np.float32(draw.gain))
                    v.representable(D.Eye(float(math.trunc(held)) if math.isfinite(held) else draw.gain), dtype,
                                     "dtype")
                return ops.cast(draw.gain * ops.eye(shape[0], shape[1], dtype="float32"), dtype)
        draw = self.lower(shape, dtype)
        return sampled(KerasOps(self.seeds()), draw, shape, dtype)

    def keras_config(self) -> dict[str, Any]:
        """The config's Keras keys: those of the Keras class this one stands in for."""
        return dict(self.keras_class.get_config(self))

    @classmethod
    def from_keras_config(cls, config: dict[str, Any]) -> Any:
        """The initializer a config's Keras keys (``keras_config``) describe, built as the Keras class builds it."""
        return cls.keras_class.from_config.__func__(cls, config)

    def get_config(self) -> dict[str, Any]:
        config = self.keras_config()
        config["spec"] = self.spec.to_dict()
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        config = dict(config)
        spec = config.pop("spec", None)
        obj = cls.from_keras_config(config)
        if spec is not None:
            saved = from_dict(spec)
            if saved != obj.spec:
                raise ValueError(f"{cls.__name__}.from_config: parameter 'spec' is {saved!r}, but Keras's arguments "
                                 f"in the same config give {obj.spec!r}; the arguments decide (remove 'spec' or make "
                                 f"it agree)")
        return obj

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={val!r}" for k, val in self.keras_config().items())
        return f"{type(self).__name__}({shown})"


# --------------------------------------------------------------------------------------------------- constants

@keras.saving.register_keras_serializable(package="unifiedinit")
class Constant(_DropIn, _K.Constant):
    """Keras's ``Constant(value=0.0)``: ``value`` in every entry, cast to the tensor's dtype (integer and bool
    included, as Keras casts it).

    A drop-in for ``keras.initializers.Constant`` (a subclass of it) whose spec is ``unifiedinit.Constant(value)``, read
    from ``init.value`` at each call. Called as ``init(shape, dtype=None)`` (``dtype`` a Keras dtype name; None is
    ``keras.config.floatx()``). Where it differs from Keras's class (``unifiedinit.differences``, framework "keras"):
    ``value`` is checked at construction (Keras leaves it to the first call); a NaN or infinite value is refused, and so
    is a value the dtype cannot hold (Keras writes inf or wraps); ``get_config()`` adds ``spec``.

    Args:
        value: a finite real number (a Python or NumPy number; a bool counts as 0 or 1, a scalar tensor or array as
            its value), or an array of values broadcast against the shape as in Keras. Default 0.0.

    Raises:
        TypeError: ``value`` is not a number (at construction); a size of the shape is not an integer (at the call).
        ValueError: ``value`` is NaN or infinite (at construction); the dtype cannot hold ``value``
            (``Constant(300)`` on int8, ``Constant(1e300)`` on float32), or a size of the shape is negative (at the
            call).

    Examples:
        >>> import keras
        >>> from unifiedinit.backends.keras import initializers
        >>> init = initializers.Constant(0.5)
        >>> keras.ops.convert_to_numpy(init((2, 3))).tolist()
        [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]
        >>> keras.ops.convert_to_numpy(initializers.Constant(3.7)((3,), "int32")).tolist()  # cast as Keras casts
        [3, 3, 3]
        >>> init.get_config()
        {'value': 0.5, 'spec': {'type': 'Constant', 'value': 0.5}}
        >>> initializers.Constant.from_config(init.get_config()).get_config() == init.get_config()
        True
    """
    keras_class = _K.Constant

    def __init__(self, value: Any = 0.0) -> None:
        _K.Constant.__init__(self, value)
        self.spec  # noqa: B018 - the checks Keras leaves to the first call

    def make_spec(self) -> S.Spec:
        return S.Constant(_number(self.value))


@keras.saving.register_keras_serializable(package="unifiedinit")
class Zeros(_DropIn, _K.Zeros):
    """Keras's ``Zeros()``: 0 in every entry, in any dtype (integer and bool included).

    A drop-in for ``keras.initializers.Zeros`` (a subclass of it) whose spec is ``unifiedinit.Zeros()``; its constructor
    takes no arguments, as Keras's. Called as ``init(shape, dtype=None)`` (``dtype`` a Keras dtype name; None is
    ``keras.config.floatx()``). It differs from Keras's class only in ``get_config()``, which adds ``spec``, and in
    refusing a malformed shape with one error on every backend.

    Raises:
        TypeError: a size of the shape is not an integer (at the call).
        ValueError: a size of the shape is negative (at the call).

    Examples:
        >>> import keras
        >>> from unifiedinit.backends.keras import initializers
        >>> keras.ops.convert_to_numpy(initializers.Zeros()((2, 3))).tolist()
        [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
        >>> keras.ops.convert_to_numpy(initializers.Zeros()((2,), "bool")).tolist()
        [False, False]
        >>> initializers.Zeros().get_config()
        {'spec': {'type': 'Zeros'}}
        >>> type(initializers.Zeros.from_config(initializers.Zeros().get_config())) is initializers.Zeros
        True
    """
    keras_class = _K.Zeros

    def make_spec(self) -> S.Spec:
        return S.Zeros()


@keras.saving.register_keras_serializable(package="unifiedinit")
class Ones(_DropIn, _K.Ones):
    """Keras's ``Ones()``: 1 in every entry, in any dtype (integer and bool included).

    A drop-in for ``keras.initializers.Ones`` (a subclass of it) whose spec is ``unifiedinit.Ones()``; its constructor
    takes no arguments, as Keras's. Called as ``init(shape, dtype=None)`` (``dtype`` a Keras dtype name; None is
    ``keras.config.floatx()``). It differs from Keras's class only in ``get_config()``, which adds ``spec``, and in
    refusing a malformed shape with one error on every backend.

    Raises:
        TypeError: a size of the shape is not an integer (at the call).
        ValueError: a size of the shape is negative (at the call).

    Examples:
        >>> import keras
        >>> from unifiedinit.backends.keras import initializers
        >>> keras.ops.convert_to_numpy(initializers.Ones()((2, 3), "float16")).tolist()
        [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
        >>> keras.ops.convert_to_numpy(initializers.Ones()((3,), "int8")).tolist()
        [1, 1, 1]
        >>> initializers.Ones().get_config()
        {'spec': {'type': 'Ones'}}
        >>> type(initializers.Ones.from_config(initializers.Ones().get_config())) is initializers.Ones
        True
    """
    keras_class = _K.Ones

    def make_spec(self) -> S.Spec:
        return S.Ones()


@keras.saving.register_keras_serializable(package="unifiedinit")
class Identity(_DropIn, _K.Identity):
    """Keras's ``Identity(gain=1.0)``: ``gain`` x the identity matrix (ones on the main diagonal of a rectangular
    matrix too), 2-D tensors only. Also named ``IdentityInitializer`` and ``identity``, as in Keras.

    A drop-in for ``keras.initializers.Identity`` (a subclass of it) whose spec is ``unifiedinit.Eye(gain)``. Called as
    ``init(shape, dtype=None)`` (``dtype`` a Keras dtype name; None is ``keras.config.floatx()``). Where it differs from
    Keras's class (``unifiedinit.differences``): its config keeps ``gain`` (Keras's is empty, so a reloaded Keras
    Identity has gain 1) and adds ``spec``; on an integer or bool dtype it writes ``gain`` x I in that dtype, the
    float32 matrix cast as Keras casts (``keras.ops.cast(gain * keras.ops.eye(n, m), dtype)``: toward zero, any
    non-zero gain True; Keras's class: TypeError on tensorflow, a float32 matrix on jax and torch); a NaN or infinite
    ``gain`` is refused, and so is a ``gain`` whose cast the dtype cannot hold.

    Args:
        gain: the diagonal's value, a finite real number (a bool counts as 0 or 1, a scalar tensor as its value).
            Default 1.0.

    Raises:
        TypeError: ``gain`` is not a number (at construction); a size of the shape is not an integer (at the call).
        ValueError: ``gain`` is NaN or infinite (at construction); the shape is not 2-D (Keras's message), the
            dtype cannot hold ``gain`` (``Identity(1e300)`` on float32, ``Identity(300)`` on int8, ``Identity(-1)``
            on uint8), or a size of the shape is negative (at the call).

    Examples:
        >>> import keras
        >>> from unifiedinit.backends.keras import initializers
        >>> init = initializers.Identity(2.0)
        >>> keras.ops.convert_to_numpy(init((2, 3))).tolist()
        [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
        >>> keras.ops.convert_to_numpy(init((2, 2), "int32")).tolist()
        [[2, 0], [0, 2]]
        >>> keras.ops.convert_to_numpy(initializers.Identity(2.5)((2, 2), "bool")).tolist()  # cast as Keras casts
        [[True, False], [False, True]]
        >>> init.get_config()
        {'gain': 2.0, 'spec': {'type': 'Eye', 'gain': 2.0}}
        >>> initializers.Identity.from_config(init.get_config()).gain
        2.0
    """
    keras_class = _K.Identity

    def __init__(self, gain: Any = 1.0) -> None:
        _K.Identity.__init__(self, gain)
        self.spec  # noqa: B018

    def check_shape(self, shape: tuple[int, ...]) -> None:
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices. "
                             f"Received: shape={shape} of rank {len(shape)}.")

    def make_spec(self) -> S.Spec:
        gain = _number(self.gain)
        return v.renamed("Identity", lambda: S.Eye(gain), {})  # a refusal names Keras's class, not our Eye

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain, "spec": self.spec.to_dict()}

    def __repr__(self) -> str:
        return f"Identity(gain={self.gain!r})"


# ------------------------------------------------------------------------------------------------------ random

@keras.saving.register_keras_serializable(package="unifiedinit")
class RandomUniform(_DropIn, _K.RandomUniform):
    """Keras's ``RandomUniform(minval=-0.05, maxval=0.05, seed=None)``: U[minval, maxval). Also named
    ``random_uniform`` (and ``"uniform"`` to ``get``), as in Keras.

    A drop-in for ``keras.initializers.RandomUniform`` (a subclass of it) whose spec is ``unifiedinit.Uniform(minval,
    maxval)`` (``unifiedinit.Constant(minval)`` when the bounds are equal), read from the attributes at each call, so
    that changing ``init.maxval`` counts, as in Keras. Called as ``init(shape, dtype=None)`` (``dtype`` a Keras dtype
    name; None is ``keras.config.floatx()``). Where it differs from Keras's class (``unifiedinit.differences``):
    ``minval > maxval`` is refused at construction (Keras's backends disagree on it: tensorflow and torch draw U(maxval,
    minval], jax writes minval), and so are NaN or infinite bounds; an integer or bool dtype is refused with a TypeError
    and a law the dtype cannot hold with a ValueError, before anything is drawn (Keras: each backend's own error, or
    inf); any int seed works on every backend; ``get_config()`` adds ``spec``.

    Args:
        minval: the lower bound, a finite real number (a scalar tensor or array counts as its value). Default -0.05.
        maxval: the upper bound, a finite real number, at least ``minval``. Default 0.05.
        seed: None (Keras's default: a seed picked once per instance from Python's RNG, so the same values on every
            call), any int (the same values on every call; negative and large ints, and True as 1, work on every
            backend) or a ``keras.random.SeedGenerator`` (new values on each call).

    Raises:
        TypeError: ``minval`` or ``maxval`` is not a number (at construction); the dtype is an integer or bool one,
            or a size of the shape is not an integer (at the call).
        ValueError: ``minval > maxval``, a bound is NaN or infinite, or ``seed`` is none of the above (Keras's
            message) (at construction); the dtype cannot hold the bounds (``RandomUniform(-1e5, 1e5)`` on float16),
            or a size of the shape is negative (at the call).

    Examples:
        >>> import keras
        >>> import numpy as np
        >>> from unifiedinit.backends.keras import initializers
        >>> init = initializers.RandomUniform(-1.0, 2.0, seed=1)
        >>> x = keras.ops.convert_to_numpy(init((40, 30)))
        >>> x.shape, x.dtype.name
        ((40, 30), 'float32')
        >>> bool(x.min() >= -1.0 and x.max() <= 2.0)
        True
        >>> init.spec
        Uniform(low=-1.0, high=2.0)
        >>> init.get_config()
        {'seed': 1, 'minval': -1.0, 'maxval': 2.0, 'spec': {'type': 'Uniform', 'low': -1.0, 'high': 2.0}}
        >>> again = initializers.RandomUniform.from_config(init.get_config())
        >>> np.array_equal(keras.ops.convert_to_numpy(again((40, 30))), x)  # an int seed: the same values
        True
        >>> initializers.RandomUniform(1.0, 0.0)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: RandomUniform: parameters 'minval' and 'maxval' must satisfy minval <= maxval, ...
    """
    keras_class = _K.RandomUniform

    def __init__(self, minval: Any = -0.05, maxval: Any = 0.05, seed: Any = None) -> None:
        _K.RandomUniform.__init__(self, minval, maxval, seed)
        self.spec  # noqa: B018

    def make_spec(self) -> S.Spec:
        return _uniform(self.minval, self.maxval)


@keras.saving.register_keras_serializable(package="unifiedinit")
class RandomNormal(_DropIn, _K.RandomNormal):
    """Keras's ``RandomNormal(mean=0.0, stddev=0.05, seed=None)``: N(mean, stddev^2), untruncated. Also named
    ``random_normal`` (and ``"normal"`` to ``get``), as in Keras.

    A drop-in for ``keras.initializers.RandomNormal`` (a subclass of it) whose spec is ``unifiedinit.Normal(mean,
    stddev)``, read from the attributes at each call, as Keras reads them: a zero ``stddev`` writes ``mean``
    (``unifiedinit.Constant(mean)``), a negative one draws the law of its absolute value. Called as ``init(shape,
    dtype=None)`` (``dtype`` a Keras dtype name; None is ``keras.config.floatx()``). Where it differs from Keras's class
    (``unifiedinit.differences``): a negative ``stddev`` works on every backend (Keras's torch backend raises); NaN or
    infinite arguments are refused at construction; an integer or bool dtype is refused with a TypeError and a law the
    dtype cannot hold with a ValueError, before anything is drawn (Keras: each backend's own error, or inf); any int
    seed works on every backend; ``get_config()`` adds ``spec``.

    Args:
        mean: the mean, a finite real number (a scalar tensor or array counts as its value). Default 0.0.
        stddev: the standard deviation, a finite real number (0 writes ``mean``; a negative one counts as its
            absolute value). Default 0.05.
        seed: None (Keras's default: a seed picked once per instance from Python's RNG, so the same values on every
            call), any int (the same values on every call; negative and large ints, and True as 1, work on every
            backend) or a ``keras.random.SeedGenerator`` (new values on each call).

    Raises:
        TypeError: ``mean`` or ``stddev`` is not a number (at construction); the dtype is an integer or bool one, or
            a size of the shape is not an integer (at the call).
        ValueError: ``mean`` or ``stddev`` is NaN or infinite, or ``seed`` is none of the above (Keras's message)
            (at construction); the dtype cannot hold the law (``RandomNormal(0.0, 1e300)`` on float32), or a size of
            the shape is negative (at the call).

    Examples:
        >>> import keras
        >>> import numpy as np
        >>> from unifiedinit.backends.keras import initializers
        >>> init = initializers.RandomNormal(0.0, 0.05, seed=1)
        >>> x = keras.ops.convert_to_numpy(init((40, 30)))
        >>> x.shape, x.dtype.name
        ((40, 30), 'float32')
        >>> np.array_equal(keras.ops.convert_to_numpy(init((40, 30))), x)  # an int seed: the same on every call
        True
        >>> init.spec
        Normal(mean=0.0, std=0.05)
        >>> init.get_config()
        {'seed': 1, 'mean': 0.0, 'stddev': 0.05, 'spec': {'type': 'Normal', 'mean': 0.0, 'std': 0.05}}
        >>> keras.ops.convert_to_numpy(initializers.RandomNormal(1.5, 0.0)((2, 2))).tolist()  # stddev 0: the mean
        [[1.5, 1.5], [1.5, 1.5]]
    """
    keras_class = _K.RandomNormal

    def __init__(self, mean: Any = 0.0, stddev: Any = 0.05, seed: Any = None) -> None:
        _K.RandomNormal.__init__(self, mean, stddev, seed)
        self.spec  # noqa: B018

    def make_spec(self) -> S.Spec:
        return _location_scale(S.Normal, self.mean, self.stddev)


@keras.saving.register_keras_serializable(package="unifiedinit")
class TruncatedNormal(_DropIn, _K.TruncatedNormal):
    """Keras's ``TruncatedNormal(mean=0.0, stddev=0.05, seed=None)``: N(mean, stddev^2) cut to mean +- 2 stddev (no
    std correction). Also named ``truncated_normal``, as in Keras.

    A drop-in for ``keras.initializers.TruncatedNormal`` (a subclass of it) whose spec is
    ``unifiedinit.TruncatedNormal(mean, stddev, mean - 2 stddev, mean + 2 stddev)``, read from the attributes at each
    call: a zero ``stddev`` writes ``mean``, a negative one draws the law of its absolute value (the truncated law is
    symmetric). Called as ``init(shape, dtype=None)`` (``dtype`` a Keras dtype name; None is ``keras.config.floatx()``).
    Where it differs from Keras's class (``unifiedinit.differences``): NaN or infinite arguments are refused at
    construction; an integer or bool dtype is refused with a TypeError and a law the dtype cannot hold with a
    ValueError, before anything is drawn (Keras: each backend's own error, or inf); any int seed works on every backend;
    ``get_config()`` adds ``spec``.

    Args:
        mean: the mean (the centre of the interval), a finite real number (a scalar tensor or array counts as its
            value). Default 0.0.
        stddev: the standard deviation before truncation, a finite real number (0 writes ``mean``; a negative one
            counts as its absolute value). Default 0.05.
        seed: None (Keras's default: a seed picked once per instance from Python's RNG, so the same values on every
            call), any int (the same values on every call; negative and large ints, and True as 1, work on every
            backend) or a ``keras.random.SeedGenerator`` (new values on each call).

    Raises:
        TypeError: ``mean`` or ``stddev`` is not a number (at construction); the dtype is an integer or bool one, or
            a size of the shape is not an integer (at the call).
        ValueError: ``mean`` or ``stddev`` is NaN or infinite, or ``seed`` is none of the above (Keras's message)
            (at construction); the dtype cannot hold the law, or a size of the shape is negative (at the call).

    Examples:
        >>> import keras
        >>> import numpy as np
        >>> from unifiedinit.backends.keras import initializers
        >>> init = initializers.TruncatedNormal(0.5, 0.1, seed=1)
        >>> x = keras.ops.convert_to_numpy(init((40, 30)))
        >>> x.shape, x.dtype.name
        ((40, 30), 'float32')
        >>> bool(np.abs(x - 0.5).max() <= 2 * 0.1 * (1 + 1e-6))  # within mean +- 2 stddev
        True
        >>> init.spec
        TruncatedNormal(mean=0.5, std=0.1, low=0.3, high=0.7)
        >>> again = initializers.TruncatedNormal.from_config(init.get_config())
        >>> again.get_config() == init.get_config()
        True
    """
    keras_class = _K.TruncatedNormal

    def __init__(self, mean: Any = 0.0, stddev: Any = 0.05, seed: Any = None) -> None:
        _K.TruncatedNormal.__init__(self, mean, stddev, seed)
        self.spec  # noqa: B018

    def make_spec(self) -> S.Spec:
        return _location_scale(S.TruncatedNormal, self.mean, self.stddev)


@keras.saving.register_keras_serializable(package="unifiedinit")
class VarianceScaling(_DropIn, _K.VarianceScaling):
    """Keras's ``VarianceScaling(scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
    input_axes=None, output_axes=None)``: a law of variance ``scale / n``, n the fan ``mode`` names. Also named
    ``variance_scaling``, as in Keras.

    The fans are Keras's ``compute_fans`` (vectors and scalars included, and an ``EinsumDense`` kernel's axes, which
    the layer passes in), at least 1 each. ``"truncated_normal"`` is truncated at 2 sigma with the sample std
    corrected to sqrt(scale / n); ``"untruncated_normal"`` is N(0, scale / n); ``"uniform"`` is U[-limit, limit],
    limit = sqrt(3 scale / n).

    A drop-in for ``keras.initializers.VarianceScaling`` (a subclass of it) whose spec is
    ``unifiedinit.VarianceScaling(scale, mode, distribution)`` (the distribution named as ``KERAS_DISTRIBUTIONS`` maps
    it), read from the attributes at each call. Called as ``init(shape, dtype=None)`` (``dtype`` a Keras dtype name;
    None is ``keras.config.floatx()``). Keras's constructor runs first, so bad arguments raise Keras's exceptions. Where
    it differs from Keras's class (``unifiedinit.differences``): a NaN or infinite ``scale`` is refused at construction;
    an integer or bool dtype is refused with a TypeError and a law the dtype cannot hold with a ValueError, before
    anything is drawn (Keras: each backend's own error, or inf); any int seed works on every backend; ``get_config()``
    adds ``spec``.

    Args:
        scale: a finite real number > 0 (a scalar tensor counts as its value). Default 1.0.
        mode: ``"fan_in"``, ``"fan_out"`` or ``"fan_avg"`` (their mean), lower case. Default ``"fan_in"``.
        distribution: ``"truncated_normal"`` (also spelt ``"normal"``, stored as ``"truncated_normal"``),
            ``"untruncated_normal"`` or ``"uniform"``, in any case (Keras lower-cases it). Default
            ``"truncated_normal"``.
        seed: None (Keras's default: a seed picked once per instance from Python's RNG, so the same values on every
            call), any int (the same values on every call; negative and large ints, and True as 1, work on every
            backend) or a ``keras.random.SeedGenerator`` (new values on each call).
        input_axes: the axes whose sizes multiply to fan_in (an ``EinsumDense`` passes its equation's), used only
            with ``output_axes``; None (default): ``compute_fans``'s layout.
        output_axes: the axes whose sizes multiply to fan_out, used only with ``input_axes``; None by default.

    Raises:
        ValueError: ``scale <= 0``, ``mode`` or ``distribution`` none of the above, or ``seed`` none of the above
            (Keras's messages), or a NaN or infinite ``scale`` (at construction); a size of the shape is negative
            (at the call).
        TypeError: ``scale`` is not a number (Keras's comparison, at construction); the dtype is an integer or bool
            one, or a size of the shape is not an integer (at the call).
        AttributeError: ``distribution`` is not a string (Keras calls its ``lower()``, at construction).
        IndexError: ``input_axes`` or ``output_axes`` holds an axis the shape does not have (at the call, as Keras).

    Examples:
        >>> import keras
        >>> import numpy as np
        >>> from unifiedinit.backends.keras import initializers
        >>> init = initializers.VarianceScaling(2.0, "fan_in", "uniform", seed=1)
        >>> x = keras.ops.convert_to_numpy(init((3, 3, 16, 32)))  # fan_in = 3 x 3 x 16 = 144
        >>> x.shape, x.dtype.name
        ((3, 3, 16, 32), 'float32')
        >>> bool(np.abs(x).max() <= (3 * 2.0 / 144) ** 0.5 * (1 + 1e-6))  # within sqrt(3 scale / fan_in)
        True
        >>> init.spec
        VarianceScaling(scale=2.0, mode='fan_in', distribution='uniform')
        >>> initializers.VarianceScaling(distribution="normal").distribution
        'truncated_normal'
        >>> einsum = initializers.VarianceScaling(input_axes=[0], output_axes=[1, 2])
        >>> einsum.tensor_info((16, 8, 4)).fans
        (16, 32)
        >>> again = initializers.VarianceScaling.from_config(init.get_config())
        >>> np.array_equal(keras.ops.convert_to_numpy(again((3, 3, 16, 32))), x)
        True
    """
    keras_class = _K.VarianceScaling
    #: a named form's (He, Glorot, Lecun) fixed arguments, which Keras's config of it leaves out; none here
    fixed: ClassVar[dict[str, Any]] = {}

    def __init__(self, scale: Any = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal",
                 seed: Any = None, input_axes: Any = None, output_axes: Any = None) -> None:
        _K.VarianceScaling.__init__(self, scale, mode, distribution, seed, input_axes, output_axes)
        self.spec  # noqa: B018

    def make_spec(self) -> S.Spec:
        return _variance_scaling(self.scale, self.mode, self.distribution)

    def keras_config(self) -> dict[str, Any]:
        """Keras's keys; a named form whose fixed arguments were changed after construction (``init.scale = 3.0``
        counts, as in Keras) adds them under ``VarianceScaling``'s keys, or its saved spec would disagree with the
        arguments its class fixes (an unchanged one keeps the keys Keras's class of that name loads)."""
        config = super().keras_config()
        if self.fixed and self.spec != _variance_scaling(**self.fixed):
            config.update(scale=_number(self.scale), mode=self.mode, distribution=self.distribution)
        return config

    @classmethod
    def from_keras_config(cls, config: dict[str, Any]) -> Any:
        """A named form with changed fixed arguments (``keras_config``) gets them back, checked as Keras's
        ``VarianceScaling`` checks its arguments."""
        config = dict(config)
        changed = {k: config.pop(k) for k in cls.fixed if k in config}
        obj = super().from_keras_config(config)
        if changed:  # seed=0: the check draws nothing, and takes no seed from Python's RNG
            checked = _K.VarianceScaling(**{**cls.fixed, **changed}, seed=0)
            obj.scale, obj.mode, obj.distribution = checked.scale, checked.mode, checked.distribution
        return obj

    def tensor_info(self, shape: tuple[int, ...]) -> TensorInfo:
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        return TensorInfo.make(shape, self.layout, (max(1, fan_in), max(1, fan_out)))


def _snake(name: str) -> str:
    """Keras's ``to_snake_case``: "HeNormal" -> "he_normal", "STFT" -> "stft"."""
    import re
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


_FIXED_DOC = """Keras's ``{name}(seed=None, input_axes=None, output_axes=None)``: ``VarianceScaling({scale}, {mode!r},
{distribution!r})`` in Keras's words, ``unifiedinit.VarianceScaling({scale}, {mode!r}, {ui_distribution!r})`` as a spec:
{law}, n = {n}. Also named ``{snake}``, as in Keras.

A drop-in for ``keras.initializers.{name}`` (a subclass of it, and of this module's ``VarianceScaling``, whose
fans, attributes and config it has: ``scale``, ``mode`` and ``distribution`` are fixed by the class; changed after
construction, as Keras lets them be, they count, and ``get_config()`` adds them under ``VarianceScaling``'s keys, so
that a saved model loads back the same law).
Called as ``init(shape, dtype=None)`` (``dtype`` a Keras dtype name; None is ``keras.config.floatx()``). Where it
differs from Keras's class (``unifiedinit.differences``): an integer or bool dtype is refused with a TypeError before
anything is drawn (Keras: each backend's own error; tensorflow writes integers); any int seed works on every
backend; ``get_config()`` adds ``spec``.

Args:
    seed: None (Keras's default: a seed picked once per instance from Python's RNG, so the same values on every
        call), any int (the same values on every call; negative and large ints, and True as 1, work on every
        backend) or a ``keras.random.SeedGenerator`` (new values on each call).
    input_axes: the axes whose sizes multiply to fan_in (an ``EinsumDense`` passes its equation's), used only with
        ``output_axes``; None (default): the layout of ``compute_fans``.
    output_axes: the axes whose sizes multiply to fan_out, used only with ``input_axes``; None by default.

Raises:
    ValueError: ``seed`` is not None, an int or a ``keras.random.SeedGenerator`` (Keras's message, at
        construction); a size of the shape is negative (at the call).
    TypeError: the dtype is an integer or bool one, or a size of the shape is not an integer (at the call).
    IndexError: ``input_axes`` or ``output_axes`` holds an axis the shape does not have (at the call, as Keras).

Examples:
    >>> import keras
    >>> import numpy as np
    >>> from unifiedinit.backends.keras import initializers
    >>> init = initializers.{name}(seed=1)
    >>> x = keras.ops.convert_to_numpy(init((30, 20)))  # fan_in = 30, fan_out = 20
    >>> x.shape, x.dtype.name
    ((30, 20), 'float32')
    >>> n = {n_example}
    >>> bool(np.abs(x).max() <= {bound} * (1 + 1e-6))  # {bound_words}
    True
    >>> init.spec
    {spec}
    >>> again = initializers.{name}.from_config(init.get_config())
    >>> type(again) is initializers.{name} and np.array_equal(keras.ops.convert_to_numpy(again((30, 20))), x)
    True
"""


def _fixed(name: str, keras_class: Any, scale: float, mode: str, distribution: str) -> type:
    def __init__(self: Any, seed: Any = None, input_axes: Any = None, output_axes: Any = None) -> None:
        keras_class.__init__(self, seed=seed, input_axes=input_axes, output_axes=output_axes)

    doc = _FIXED_DOC.format(
        name=name, snake=_snake(name), scale=scale, mode=mode, distribution=distribution,
        ui_distribution=KERAS_DISTRIBUTIONS[distribution],
        n={"fan_in": "fan_in", "fan_avg": "the mean of fan_in and fan_out"}[mode],
        law=("U[-limit, limit], limit = sqrt(3 x {scale} / n)" if distribution == "uniform" else
             "a normal truncated at 2 sigma, its sample std corrected to sqrt({scale} / n)").format(scale=scale),
        n_example={"fan_in": "30", "fan_avg": "(30 + 20) / 2"}[mode],
        bound=(f"(3 * {scale} / n) ** 0.5" if distribution == "uniform" else
               f"2 * ({scale} / n) ** 0.5 / 0.87962566103423978"),
        bound_words=("within sqrt(3 scale / n)" if distribution == "uniform" else
                     "the cut: 2 sigma of the normal before truncation"),
        spec=repr(S.VarianceScaling(scale, mode, KERAS_DISTRIBUTIONS[distribution])))
    cls = type(name, (VarianceScaling, keras_class), {"__init__": __init__, "keras_class": keras_class,
                                                       "fixed": {"scale": scale, "mode": mode,
                                                                 "distribution": distribution},
                                                       "__doc__": doc, "__module__": __name__,
                                                       "__qualname__": name})
    return keras.saving.register_keras_serializable(package="unifiedinit")(cls)


GlorotUniform = _fixed("GlorotUniform", _K.GlorotUniform, 1.0, "fan_avg", "uniform")
GlorotNormal = _fixed("GlorotNormal", _K.GlorotNormal, 1.0, "fan_avg", "truncated_normal")
HeUniform = _fixed("HeUniform", _K.HeUniform, 2.0, "fan_in", "uniform")
HeNormal = _fixed("HeNormal", _K.HeNormal, 2.0, "fan_in", "truncated_normal")
LecunUniform = _fixed("LecunUniform", _K.LecunUniform, 1.0, "fan_in", "uniform")
LecunNormal = _fixed("LecunNormal", _K.LecunNormal, 1.0, "fan_in", "truncated_normal")


@keras.saving.register_keras_serializable(package="unifiedinit")
class Orthogonal(_DropIn, _K.Orthogonal):
    """Keras's ``Orthogonal(gain=1.0, seed=None)``: ``gain`` x a Haar-random (semi-)orthogonal matrix, the last axis
    against all the others flattened. Also named ``OrthogonalInitializer`` and ``orthogonal``, as in Keras.

    A drop-in for ``keras.initializers.Orthogonal`` (a subclass of it) whose spec is ``unifiedinit.Orthogonal(gain)``,
    read from ``init.gain`` at each call: a zero ``gain`` writes zeros, a negative one draws the law of its absolute
    value (-Q is Haar as Q is). Called as ``init(shape, dtype=None)`` (``dtype`` a Keras dtype name; None is
    ``keras.config.floatx()``); the tensor must have two axes or more. Where it differs from Keras's class
    (``unifiedinit.differences``): on float16 and bfloat16 the QR runs in float32 and is rounded once (Keras: float16 on
    tensorflow only, an error otherwise); a NaN or infinite ``gain`` is refused at construction; an integer or bool
    dtype is refused with a TypeError and a law the dtype cannot hold with a ValueError, before anything is drawn
    (Keras: each backend's own error, or inf); any int seed works on every backend; ``get_config()`` adds ``spec``.

    Args:
        gain: the multiplier, a finite real number (a scalar tensor counts as its value). Default 1.0.
        seed: None (Keras's default: a seed picked once per instance from Python's RNG, so the same values on every
            call), any int (the same values on every call; negative and large ints, and True as 1, work on every
            backend) or a ``keras.random.SeedGenerator`` (new values on each call).

    Raises:
        TypeError: ``gain`` is not a number (at construction); the dtype is an integer or bool one, or a size of the
            shape is not an integer (at the call).
        ValueError: ``gain`` is NaN or infinite, or ``seed`` is none of the above (Keras's message) (at
            construction); the shape has fewer than two axes (Keras's message), or a size of it is negative (at the
            call).

    Examples:
        >>> import keras
        >>> import numpy as np
        >>> from unifiedinit.backends.keras import initializers
        >>> init = initializers.Orthogonal(gain=2.0, seed=1)
        >>> x = keras.ops.convert_to_numpy(init((5, 3))).astype("float64")
        >>> x.shape
        (5, 3)
        >>> bool(np.allclose(x.T @ x, 4.0 * np.eye(3), atol=1e-4))  # gain^2 x I on the smaller side
        True
        >>> init.get_config()
        {'seed': 1, 'gain': 2.0, 'spec': {'type': 'Orthogonal', 'gain': 2.0}}
        >>> keras.ops.convert_to_numpy(initializers.Orthogonal(gain=0.0)((2, 2))).tolist()
        [[0.0, 0.0], [0.0, 0.0]]
    """
    keras_class = _K.Orthogonal

    def __init__(self, gain: Any = 1.0, seed: Any = None) -> None:
        _K.Orthogonal.__init__(self, gain, seed)
        self.spec  # noqa: B018

    def check_shape(self, shape: tuple[int, ...]) -> None:
        if len(shape) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional. "
                             f"Received: shape={shape} of rank {len(shape)}.")

    def make_spec(self) -> S.Spec:
        return _orthogonal(self.gain)


# ------------------------------------------------------------------------------------ Keras's names and aliases

IdentityInitializer = identity = Identity
OrthogonalInitializer = orthogonal = Orthogonal
constant, zeros, ones = Constant, Zeros, Ones
random_uniform, random_normal, truncated_normal = RandomUniform, RandomNormal, TruncatedNormal
variance_scaling = VarianceScaling
glorot_uniform, glorot_normal, he_uniform, he_normal = GlorotUniform, GlorotNormal, HeUniform, HeNormal
lecun_uniform, lecun_normal = LecunUniform, LecunNormal

_CLASSES = (Constant, Zeros, Ones, Identity, RandomUniform, RandomNormal, TruncatedNormal, VarianceScaling,
            GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal, Orthogonal)


#: every name ``get`` and ``deserialize`` know, as Keras's ALL_OBJECTS_DICT: class names, their snake_case, aliases
ALL_OBJECTS_DICT: dict[str, Any] = {"Initializer": Initializer, "STFT": STFT}
ALL_OBJECTS_DICT.update({cls.__name__: cls for cls in _CLASSES})
ALL_OBJECTS_DICT.update({_snake(name): cls for name, cls in list(ALL_OBJECTS_DICT.items())})
ALL_OBJECTS_DICT.update({"IdentityInitializer": Identity, "normal": RandomNormal, "one": Ones,
                         "STFTInitializer": STFT, "OrthogonalInitializer": Orthogonal, "uniform": RandomUniform,
                         "zero": Zeros})


def serialize(initializer: Any) -> dict[str, Any]:
    """Keras's ``serialize``: an initializer as a plain, JSON-ready dict that ``deserialize`` (this module's or
    Keras's) and ``get`` turn back into it.

    The dict holds ``module``, ``class_name``, ``config`` (``get_config()``'s, with ``spec`` for a drop-in) and
    ``registered_name`` (``"unifiedinit>HeNormal"`` for a drop-in, so that Keras finds the drop-in again; None for
    Keras's own classes). It is ``keras.saving.serialize_keras_object``: None and plain Python values come back as
    they are.

    Args:
        initializer: a drop-in, a ``SpecInitializer``, Keras's own initializer, or any object Keras can serialize.

    Returns:
        The config dict.

    Raises:
        TypeError: ``initializer`` has no ``get_config()`` (Keras's message).

    Examples:
        >>> from unifiedinit.backends.keras import initializers
        >>> config = serialize(initializers.HeNormal(seed=3))
        >>> config["class_name"], config["registered_name"], config["config"]["seed"]
        ('HeNormal', 'unifiedinit>HeNormal', 3)
        >>> type(deserialize(config)) is initializers.HeNormal
        True
    """
    return cast("dict[str, Any]", keras.saving.serialize_keras_object(initializer))


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """Keras's ``deserialize``, with this module's classes for Keras's names: a Keras initializer's config gives the
    drop-in of the same name.

    It is ``keras.saving.deserialize_keras_object`` with this module's names (``ALL_OBJECTS_DICT``: the class names,
    their snake_case and Keras's aliases) as the module objects. As in Keras, a string or a dict naming nothing known
    comes back as the name; ``get`` refuses it.

    Args:
        config: a dict as ``serialize`` (this module's or Keras's) gives, ``{"class_name": ..., "config": {...}}``
            at least, or a name (``"he_normal"``, ``"HeNormal"``, ``"zeros"``...).
        custom_objects: more names -> classes, searched first, as in Keras; None for none.

    Returns:
        The initializer.

    Raises:
        ValueError: the config's arguments are refused by the class (a bad ``seed``, ``mode``...), or its ``spec``
            disagrees with its arguments.
        TypeError: the config holds an argument the class does not take (Keras's message).

    Examples:
        >>> from unifiedinit.backends.keras import initializers
        >>> deserialize({"class_name": "HeNormal", "config": {"seed": 3}})
        HeNormal(seed=3, input_axes=None, output_axes=None)
        >>> type(deserialize("glorot_uniform")) is initializers.GlorotUniform
        True
        >>> import keras
        >>> type(deserialize(keras.initializers.serialize(keras.initializers.Ones()))) is initializers.Ones
        True
    """
    return keras.saving.deserialize_keras_object(config, module_objects=ALL_OBJECTS_DICT,
                                                 custom_objects=custom_objects)


def get(identifier: Any) -> Any:
    """Keras's ``get``: an initializer from whatever a layer's ``kernel_initializer=`` may be given, with this
    module's drop-ins for Keras's names.

    None gives None; a name (``"he_normal"``, ``"HeNormal"``, ``"zeros"``...) the drop-in built with its defaults; a
    config dict what ``deserialize`` builds; a class an instance of it; an instance or any other callable itself; a
    tensor or array Keras's initializer that writes its values (for that shape only).

    Args:
        identifier: None, a name, a config dict, a class, an initializer or callable, or a tensor or array.

    Returns:
        The initializer, or None for None.

    Raises:
        ValueError: ``identifier`` is none of the above, or names no initializer (Keras's message).
        KeyError: ``"constant"`` by name, as in Keras (a config without ``value``; ``get("zeros")`` or
            ``Constant()`` instead).

    Examples:
        >>> from unifiedinit.backends.keras import initializers
        >>> get("he_normal")
        HeNormal(seed=None, input_axes=None, output_axes=None)
        >>> type(get("uniform")) is initializers.RandomUniform and get(None) is None
        True
        >>> init = initializers.Zeros()
        >>> get(init) is init
        True
        >>> get("no_such_initializer")
        Traceback (most recent call last):
        ...
        ValueError: Could not interpret initializer identifier: no_such_initializer
    """
    import inspect

    import numpy as np
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = deserialize({"class_name": str(identifier), "config": {}})
    elif ops.is_tensor(identifier) or isinstance(identifier, (np.generic, np.ndarray)):
        return _K.get(identifier)
    else:
        obj = identifier
    if callable(obj):
        if inspect.isclass(obj):
            obj = obj()
        return obj
    raise ValueError(f"Could not interpret initializer identifier: {identifier}")
