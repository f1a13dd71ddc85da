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
the whole spec as a plain dict; Keras's keys decide what ``from_config`` builds, and a ``spec`` that disagrees with
them is refused. Where a drop-in differs from Keras on purpose, ``unifiedinit.differences.DIFFERENCES`` says so
(framework "keras"). ``STFT`` has no spec: it is Keras's own class, here so that ``get("stft")`` answers as Keras's.
"""

# keras ships no type annotations for most of its API (keras.ops, keras.saving, keras.backend, its initializers):
# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false

from __future__ import annotations

import math
import numbers
from typing import Any, ClassVar, Sequence, cast

import keras
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
           "lecun_normal", "orthogonal", "stft", "get", "serialize", "deserialize", "compute_fans", "KERAS_DISTRIBUTIONS"]

Initializer = _K.Initializer
STFT = STFTInitializer = stft = _K.STFT

#: Keras's VarianceScaling distribution -> unifiedinit's (Keras's "truncated_normal", which "normal" also means, is
#: truncated at 2 sigma with the sample std corrected; "untruncated_normal" is unifiedinit's "normal")
KERAS_DISTRIBUTIONS = {"truncated_normal": "truncated_normal", "untruncated_normal": "normal", "uniform": "uniform"}


def compute_fans(shape: tuple[int, ...], input_axes: Sequence[int] | None = None,
                 output_axes: Sequence[int] | None = None) -> tuple[int, int]:
    """Keras's ``compute_fans``: the products of ``input_axes`` and ``output_axes`` when both are given (an
    EinsumDense kernel's), else (n, n) for a vector of n, (1, 1) for a scalar, and the last two axes times the
    receptive field otherwise."""
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
    if isinstance(gain, numbers.Real) and not isinstance(gain, bool) and gain <= 0 and math.isfinite(gain):
        return S.Zeros() if gain == 0 else S.Orthogonal(-float(gain))
    return S.Orthogonal(gain)  # type: ignore[arg-type]  # a non-number is refused by Orthogonal, in Keras's words


def _location_scale(kind: Any, mean: Any, stddev: Any) -> S.Spec:
    """Keras's mean + stddev x N(0, 1) (truncated to [-2, 2] for TruncatedNormal): a zero stddev writes the mean,
    a negative one draws the law of its absolute value (N(0, 1) and its truncation are symmetric)."""
    mean, stddev = _number(mean), _number(stddev)
    if isinstance(stddev, numbers.Real) and math.isfinite(stddev) and stddev <= 0:
        if stddev == 0:
            return S.Constant(mean)
        stddev = -stddev
    owner = "TruncatedNormal" if kind is S.TruncatedNormal else "RandomNormal"
    if kind is S.TruncatedNormal and isinstance(mean, numbers.Real) and isinstance(stddev, numbers.Real):
        m, s = float(mean), float(stddev)
        return v.renamed(owner, lambda: S.TruncatedNormal(m, s, m - 2.0 * s, m + 2.0 * s), {"std": "stddev"})
    given_mean, given_std = cast(Any, mean), cast(Any, stddev)  # any value: the spec refuses what is not a number
    return v.renamed(owner, lambda: kind(given_mean, given_std), {"std": "stddev"})


def _uniform(minval: Any, maxval: Any) -> S.Spec:
    """U[minval, maxval); equal bounds write that value. Reversed bounds are refused (Keras's backends disagree:
    TensorFlow and torch draw U(maxval, minval], JAX writes minval everywhere)."""
    minval, maxval = _number(minval), _number(maxval)
    if isinstance(minval, numbers.Real) and isinstance(maxval, numbers.Real) and minval == maxval and \
            math.isfinite(minval):
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
        shape = check_shape(tuple(shape) if not isinstance(shape, int) else shape)  # type: ignore[arg-type]
        self.check_shape(shape)
        if math.prod(shape) == 0:  # Keras gives an empty tensor, whatever the initializer
            return ops.zeros(shape, dtype=dtype)
        if dtype not in v.FLOAT_DTYPES:
            draw = self.spec.lower(self.tensor_info(shape))
            if isinstance(draw, D.Constant):  # Keras's own formula on integer and bool tensors
                if dtype != "bool":
                    v.representable(draw, dtype)
                return ops.cast(draw.value, dtype) * ops.ones(shape, dtype=dtype)
        draw = self.lower(shape, dtype)
        return sampled(KerasOps(self.seeds()), draw, shape, dtype)

    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = dict(self.keras_class.get_config(self))
        config["spec"] = self.spec.to_dict()
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        config = dict(config)
        spec = config.pop("spec", None)
        obj = cls.keras_class.from_config.__func__(cls, config)
        if spec is not None:
            saved = from_dict(spec)
            if saved != obj.spec:
                raise ValueError(f"{cls.__name__}.from_config: parameter 'spec' is {saved!r}, but Keras's arguments "
                                 f"in the same config give {obj.spec!r}; the arguments decide (remove 'spec' or make "
                                 f"it agree)")
        return obj

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={val!r}" for k, val in self.keras_class.get_config(self).items())
        return f"{type(self).__name__}({shown})"


# --------------------------------------------------------------------------------------------------- constants

@keras.saving.register_keras_serializable(package="unifiedinit")
class Constant(_DropIn, _K.Constant):
    """Keras's ``Constant(value)``: ``value`` in every entry (cast to the tensor's dtype, integer and bool included)."""
    keras_class = _K.Constant

    def __init__(self, value: Any = 0.0) -> None:
        _K.Constant.__init__(self, value)
        self.spec  # noqa: B018 - the checks Keras leaves to the first call

    def make_spec(self) -> S.Spec:
        return S.Constant(_number(self.value))


@keras.saving.register_keras_serializable(package="unifiedinit")
class Zeros(_DropIn, _K.Zeros):
    """Keras's ``Zeros()``."""
    keras_class = _K.Zeros

    def make_spec(self) -> S.Spec:
        return S.Zeros()


@keras.saving.register_keras_serializable(package="unifiedinit")
class Ones(_DropIn, _K.Ones):
    """Keras's ``Ones()``."""
    keras_class = _K.Ones

    def make_spec(self) -> S.Spec:
        return S.Ones()


@keras.saving.register_keras_serializable(package="unifiedinit")
class Identity(_DropIn, _K.Identity):
    """Keras's ``Identity(gain)``: ``gain`` x the identity matrix, 2-D tensors only. Its config keeps ``gain``
    (Keras's own config is empty, so a reloaded Keras Identity has gain 1)."""
    keras_class = _K.Identity

    def __init__(self, gain: Any = 1.0) -> None:
        _K.Identity.__init__(self, gain)
        self.spec  # noqa: B018

    def check_shape(self, shape: tuple[int, ...]) -> None:
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices. "
                             f"Received: shape={shape} of rank {len(shape)}.")

    def make_spec(self) -> S.Spec:
        return S.Eye(_number(self.gain))

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain, "spec": self.spec.to_dict()}

    def __repr__(self) -> str:
        return f"Identity(gain={self.gain!r})"


# ------------------------------------------------------------------------------------------------------ random

@keras.saving.register_keras_serializable(package="unifiedinit")
class RandomUniform(_DropIn, _K.RandomUniform):
    """Keras's ``RandomUniform(minval=-0.05, maxval=0.05, seed=None)``: U[minval, maxval)."""
    keras_class = _K.RandomUniform

    def __init__(self, minval: Any = -0.05, maxval: Any = 0.05, seed: Any = None) -> None:
        _K.RandomUniform.__init__(self, minval, maxval, seed)
        self.spec  # noqa: B018

    def make_spec(self) -> S.Spec:
        return _uniform(self.minval, self.maxval)


@keras.saving.register_keras_serializable(package="unifiedinit")
class RandomNormal(_DropIn, _K.RandomNormal):
    """Keras's ``RandomNormal(mean=0.0, stddev=0.05, seed=None)``: N(mean, stddev^2), untruncated."""
    keras_class = _K.RandomNormal

    def __init__(self, mean: Any = 0.0, stddev: Any = 0.05, seed: Any = None) -> None:
        _K.RandomNormal.__init__(self, mean, stddev, seed)
        self.spec  # noqa: B018

    def make_spec(self) -> S.Spec:
        return _location_scale(S.Normal, self.mean, self.stddev)


@keras.saving.register_keras_serializable(package="unifiedinit")
class TruncatedNormal(_DropIn, _K.TruncatedNormal):
    """Keras's ``TruncatedNormal(mean=0.0, stddev=0.05, seed=None)``: N(mean, stddev^2) cut to mean +- 2 stddev (no
    std correction): ``unifiedinit.TruncatedNormal(mean, stddev, mean - 2 stddev, mean + 2 stddev)``."""
    keras_class = _K.TruncatedNormal

    def __init__(self, mean: Any = 0.0, stddev: Any = 0.05, seed: Any = None) -> None:
        _K.TruncatedNormal.__init__(self, mean, stddev, seed)
        self.spec  # noqa: B018

    def make_spec(self) -> S.Spec:
        return _location_scale(S.TruncatedNormal, self.mean, self.stddev)


@keras.saving.register_keras_serializable(package="unifiedinit")
class VarianceScaling(_DropIn, _K.VarianceScaling):
    """Keras's ``VarianceScaling(scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
    input_axes=None, output_axes=None)``, fans by Keras's ``compute_fans`` (vectors and scalars included, and an
    EinsumDense kernel's axes, which the layer passes in)."""
    keras_class = _K.VarianceScaling

    def __init__(self, scale: Any = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal",
                 seed: Any = None, input_axes: Any = None, output_axes: Any = None) -> None:
        _K.VarianceScaling.__init__(self, scale, mode, distribution, seed, input_axes, output_axes)
        self.spec  # noqa: B018

    def make_spec(self) -> S.Spec:
        return _variance_scaling(self.scale, self.mode, self.distribution)

    def tensor_info(self, shape: tuple[int, ...]) -> TensorInfo:
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        return TensorInfo.make(shape, self.layout, (max(1, fan_in), max(1, fan_out)))


def _fixed(name: str, keras_class: Any, scale: float, mode: str, distribution: str) -> type:
    def __init__(self: Any, seed: Any = None, input_axes: Any = None, output_axes: Any = None) -> None:
        keras_class.__init__(self, seed=seed, input_axes=input_axes, output_axes=output_axes)

    doc = (f"Keras's ``{name}(seed=None, input_axes=None, output_axes=None)``: "
           f"``VarianceScaling({scale}, {mode!r}, {distribution!r})`` in Keras's words, "
           f"``unifiedinit.VarianceScaling({scale}, {mode!r}, {KERAS_DISTRIBUTIONS[distribution]!r})``.")
    cls = type(name, (VarianceScaling, keras_class), {"__init__": __init__, "keras_class": keras_class,
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
    against all the others flattened."""
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


def _snake(name: str) -> str:
    """Keras's ``to_snake_case``: "HeNormal" -> "he_normal", "STFT" -> "stft"."""
    import re
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


#: every name ``get`` and ``deserialize`` know, as Keras's ALL_OBJECTS_DICT: class names, their snake_case, aliases
ALL_OBJECTS_DICT: dict[str, Any] = {"Initializer": Initializer, "STFT": STFT}
ALL_OBJECTS_DICT.update({cls.__name__: cls for cls in _CLASSES})
ALL_OBJECTS_DICT.update({_snake(name): cls for name, cls in list(ALL_OBJECTS_DICT.items())})
ALL_OBJECTS_DICT.update({"IdentityInitializer": Identity, "normal": RandomNormal, "one": Ones,
                         "STFTInitializer": STFT, "OrthogonalInitializer": Orthogonal, "uniform": RandomUniform,
                         "zero": Zeros})


def serialize(initializer: Any) -> dict[str, Any]:
    """Keras's ``serialize``: the initializer's config as a plain dict (ours carry their registered name)."""
    return cast("dict[str, Any]", keras.saving.serialize_keras_object(initializer))


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """Keras's ``deserialize``, with this module's classes for Keras's names: a Keras initializer's config gives the
    drop-in of the same name."""
    return keras.saving.deserialize_keras_object(config, module_objects=ALL_OBJECTS_DICT,
                                                 custom_objects=custom_objects)


def get(identifier: Any) -> Any:
    """Keras's ``get``: None; a name ("he_normal", "HeNormal", "zeros"...), a config dict, a class (instantiated)
    or an instance or callable (returned as it is), a tensor or array (its values, for that shape)."""
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
