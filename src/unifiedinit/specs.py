"""The spec catalog: what distribution, in words a user knows.

A spec is a frozen, hashable value, validated when it is constructed, whose ``repr`` evaluates back to an
equal spec. ``spec.lower(info)`` turns it into a primitive ``Draw`` for one tensor; that is the only place
where fans, gains and bounds are computed. Specs serialize to plain JSON-safe dicts by a registry of names.
"""

from __future__ import annotations

import math
TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only: no runtime import of typing
    from typing import Any, ClassVar, Sequence, TypeVar

    #: any spec class: ``register`` gives back the class it was given, constructor and all, to a type checker
    S = TypeVar("S", bound="Spec")

from . import _validate as v
from ._record import Record
from . import draws as D
from .gain import calculate_gain
from .layout import Layout, LayoutLike, TensorInfo, get_layout, permutation

#: Keras/JAX VarianceScaling's truncated normal: the std of N(0, 1) truncated to [-2, 2], so that
#: sigma = sqrt(var) / TRUNC_STD_2 gives a sample whose std is sqrt(var).
TRUNC_STD_2 = 0.87962566103423978

MODES = ("fan_in", "fan_out", "fan_avg", "fan_geo_avg")
DISTRIBUTIONS = ("uniform", "normal", "truncated_normal")

_REGISTRY: dict[str, type["Spec"]] = {}


def register(cls: type[S]) -> type[S]:
    """Add a spec class to the registry that ``from_dict`` and ``from_expression`` read names from; returns the
    class itself, so it works as a decorator."""
    name = cls.__name__
    if name in _REGISTRY and _REGISTRY[name] is not cls:
        raise ValueError(f"a spec named {name!r} is already registered")
    _REGISTRY[name] = cls
    return cls


def registered() -> dict[str, type["Spec"]]:
    return dict(_REGISTRY)


class Spec(Record):
    """Base of every initializer spec."""

    #: True when the spec lowers to an elementwise draw (may be a component of Mixture/Affine).
    elementwise: ClassVar[bool] = True
    #: True when the spec needs fans (its tensor must have >= 2 dims, or layer fans must be given).
    fan_based: ClassVar[bool] = False
    #: Fields that hold specs (a single spec or a tuple of specs).
    _spec_fields: ClassVar[tuple[str, ...]] = ()

    def lower(self, info: TensorInfo) -> D.Draw:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    @property
    def uses_depth(self) -> bool:
        """Whether lowering reads the layer's depth (``l``, ``L``): a ``Scaled`` expression does, and so does a
        spec made of one. A plan lowers a spec that does not once for every layer of the same shape."""
        for name in self._spec_fields:
            value = getattr(self, name)
            if any(part.uses_depth for part in (value if isinstance(value, tuple) else (value,))):
                return True
        return False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": type(self).__name__}
        for name in self._fields:
            out[name] = _plain(getattr(self, name))
        return out

    def to_json(self) -> str:
        import json
        return json.dumps(self.to_dict(), allow_nan=False)

    def to_torch(self, *, bias: "Spec | None" = None, layout: LayoutLike | None = None, fans: str = "layer",
                 generator: Any = None, portable: Any = None) -> Any:
        """A torch initializer: call it on a tensor (in place) or pass it to ``net.apply``. Every hook takes
        ``portable=unifiedinit.Portable(seed, key)`` for the same values in every framework. See
        ``unifiedinit.backends.torch.TorchInitializer`` for exactly what it touches."""
        from .backends import get_backend
        return get_backend("torch").initializer(self, bias=bias, layout=layout, fans=fans, generator=generator,
                                                portable=portable)

    def to_flax(self, *, in_axis: Any = -2, out_axis: Any = -1, batch_axis: Any = (),
                layout: LayoutLike | None = None, layer_fans: Any = None, portable: Any = None) -> Any:
        """A JAX initializer ``(key, shape, dtype=jnp.float32) -> Array`` for Flax's ``kernel_init`` and
        friends; see ``unifiedinit.backends.flax.FlaxInitializer``."""
        from .backends import get_backend
        return get_backend("flax").initializer(self, in_axis=in_axis, out_axis=out_axis, batch_axis=batch_axis,
                                               layout=layout, layer_fans=layer_fans, portable=portable)

    def to_keras(self, seed: Any = None, *, layout: LayoutLike = "keras", portable: Any = None) -> Any:
        """A serializable ``keras.initializers.Initializer`` (seeded as Keras's own); see
        ``unifiedinit.backends.keras.SpecInitializer``. ``layout`` is a layout's name or a ``ui.Layout``, which is
        saved in the initializer's config."""
        from .backends import get_backend
        return get_backend("keras").initializer(self, seed=seed, layout=layout, portable=portable)

    def to_mxnet(self, *, layout: str = "mxnet", portable: Any = None) -> Any:
        """A registered ``mx.init.Initializer`` drawing from MXNet's RNG; see
        ``unifiedinit.backends.mxnet.SpecInitializer`` for which parameters it touches."""
        from .backends import get_backend
        return get_backend("mxnet").initializer(self, layout=layout, portable=portable)

    def to_equinox(self, *, bias: "Spec | None" = None, layout: LayoutLike | None = None, portable: Any = None) -> Any:
        """A function ``init(layer_or_array, key)`` that returns an Equinox layer (its weight, and its bias when
        ``bias`` is given) or array with new values; see ``unifiedinit.backends.equinox.EquinoxInitializer``."""
        from .backends import get_backend
        return get_backend("equinox").initializer(self, bias=bias, layout=layout, portable=portable)


def _plain(value: Any) -> Any:
    if isinstance(value, Spec):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_plain(x) for x in value]
    if isinstance(value, Layout):
        return value.name
    return value


def _set(obj: Any, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


def lower(spec: Spec, shape: Sequence[int], layout: LayoutLike = "torch",
          layer_fans: Sequence[int] | None = None) -> D.Draw:
    """The primitive draw that ``spec`` makes for a tensor of ``shape`` stored in ``layout``."""
    if not isinstance(spec, Spec):
        raise TypeError(f"parameter 'spec' must be a unifiedinit spec, got {spec!r}")
    return spec.lower(TensorInfo.make(shape, layout, layer_fans))


# ---------------------------------------------------------------------------------------------- simple

@register
class Constant(Spec):
    """``value`` everywhere; or an array ``value`` broadcast to the tensor's shape (NumPy's rules, MXNet's
    ``Constant`` with an array), written in the tensor's own axis order."""
    value: Any

    @property
    def elementwise(self) -> bool:  # type: ignore[override]
        return not isinstance(self.value, tuple)  # an array is not one law per entry: not a mixture component

    def __post_init__(self) -> None:
        value = self.value
        if hasattr(value, "tolist") and not isinstance(value, (int, float)):
            value = value.tolist()
        if isinstance(value, (list, tuple)):
            value = _nested_tuple(value, "value", "Constant")
            if not value:
                raise TypeError("Constant: parameter 'value' must be a number or a non-empty array, got an empty one")
            _shape_of(value, "Constant")
            _set(self, "value", value)
            return
        _set(self, "value", v.real(type(self).__name__, "value", value))

    def lower(self, info: TensorInfo) -> D.Draw:
        if not isinstance(self.value, tuple):
            return D.Constant(self.value)
        import numpy as np
        values = np.asarray(_flatten(self.value), dtype=np.float64).reshape(_shape_of(self.value, "Constant"))
        try:
            full = np.broadcast_to(values, info.shape)
        except ValueError:
            raise ValueError(f"Constant: parameter 'value' has shape {values.shape}, which does not broadcast to the "
                             f"tensor's shape {info.shape}") from None
        return D.Array(tuple(full.ravel().tolist()), info.shape)


@register
class Zeros(Spec):
    """0 in every entry (torch's ``zeros_``, Keras's and Flax's ``zeros``); determined, so integer tensors take it.

    >>> Zeros().lower(TensorInfo.make((2, 3)))
    Constant(value=0.0)
    """

    def lower(self, info: TensorInfo) -> D.Draw:
        return D.Constant(0.0)


@register
class Ones(Spec):
    """1 in every entry (torch's ``ones_``; the scale of a norm layer in every framework's default).

    >>> Ones().lower(TensorInfo.make((4,)))
    Constant(value=1.0)
    """

    def lower(self, info: TensorInfo) -> D.Draw:
        return D.Constant(1.0)


@register
class Uniform(Spec):
    """U[low, high); torch's default [0, 1)."""
    low: float = 0.0
    high: float = 1.0

    def __post_init__(self) -> None:
        name = type(self).__name__
        _set(self, "low", v.real(name, "low", self.low))
        _set(self, "high", v.real(name, "high", self.high))
        v.ordered(name, "low", self.low, "high", self.high)

    def lower(self, info: TensorInfo) -> D.Draw:
        return D.Uniform(self.low, self.high)


@register
class Normal(Spec):
    """N(mean, std^2), untruncated."""
    mean: float = 0.0
    std: float = 1.0

    def __post_init__(self) -> None:
        name = type(self).__name__
        _set(self, "mean", v.real(name, "mean", self.mean))
        _set(self, "std", v.positive(name, "std", self.std))

    def lower(self, info: TensorInfo) -> D.Draw:
        return D.Normal(self.mean, self.std)


@register
class TruncatedNormal(Spec):
    """N(mean, std^2) cut to [low, high]: absolute bounds and no correction, as torch's trunc_normal_
    (std=1 on [-2, 2] samples with std 0.8796)."""
    mean: float = 0.0
    std: float = 1.0
    low: float = -2.0
    high: float = 2.0

    def __post_init__(self) -> None:
        name = type(self).__name__
        _set(self, "mean", v.real(name, "mean", self.mean))
        _set(self, "std", v.positive(name, "std", self.std))
        _set(self, "low", v.real(name, "low", self.low))
        _set(self, "high", v.real(name, "high", self.high))
        v.ordered(name, "low", self.low, "high", self.high)
        # A window so far out in the tail that it holds no double-precision probability cannot be sampled.
        if min(abs(self.low - self.mean), abs(self.high - self.mean)) / self.std > 37 and \
                (self.low - self.mean) * (self.high - self.mean) > 0:
            raise ValueError(f"{name}: the window [low, high] = [{self.low}, {self.high}] lies more than 37 std "
                             f"from mean={self.mean}; allowed: a window with non-negligible probability")

    def lower(self, info: TensorInfo) -> D.Draw:
        return D.TruncatedNormal(self.mean, self.std, self.low, self.high)


# ----------------------------------------------------------------------------------------- fan-based

def _fan(info: TensorInfo, mode: str) -> float:
    fan_in, fan_out = info.fans
    return {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2,
            "fan_geo_avg": math.sqrt(fan_in * fan_out)}[mode]


def _variance_scaled(scale: float, mode: str, distribution: str, info: TensorInfo) -> D.Draw:
    var = scale / _fan(info, mode)
    if distribution == "uniform":
        bound = math.sqrt(3.0 * var)
        return D.Uniform(-bound, bound)
    if distribution == "normal":
        return D.Normal(0.0, math.sqrt(var))
    sigma = math.sqrt(var) / TRUNC_STD_2
    return D.TruncatedNormal(0.0, sigma, -2.0 * sigma, 2.0 * sigma)


@register
class VarianceScaling(Spec):
    """Var = scale / fan, as jax.nn.initializers.variance_scaling and Keras's VarianceScaling.

    mode: fan_in | fan_out | fan_avg | fan_geo_avg. distribution: uniform (U[-sqrt(3 var), sqrt(3 var)]),
    normal (untruncated N(0, var)), truncated_normal (sigma = sqrt(var) / 0.8796..., cut at +-2 sigma, so the
    sample std is sqrt(var)). Keras's distribution="normal" is truncated: it is "truncated_normal" here.
    """
    fan_based: ClassVar[bool] = True
    scale: float = 1.0
    mode: str = "fan_in"
    distribution: str = "truncated_normal"

    def __post_init__(self) -> None:
        name = type(self).__name__
        _set(self, "scale", v.positive(name, "scale", self.scale))
        v.choice(name, "mode", self.mode, MODES)
        v.choice(name, "distribution", self.distribution, DISTRIBUTIONS)

    def lower(self, info: TensorInfo) -> D.Draw:
        return _variance_scaled(self.scale, self.mode, self.distribution, info)


@register
class XavierUniform(Spec):
    """torch xavier_uniform_: U[-a, a], a = gain * sqrt(6 / (fan_in + fan_out)) = VS(gain^2, fan_avg, uniform)."""
    fan_based: ClassVar[bool] = True
    gain: float = 1.0

    def __post_init__(self) -> None:
        _set(self, "gain", v.positive(type(self).__name__, "gain", self.gain))

    def lower(self, info: TensorInfo) -> D.Draw:
        return _variance_scaled(self.gain ** 2, "fan_avg", "uniform", info)


GlorotUniform = XavierUniform


@register
class XavierNormal(Spec):
    """torch xavier_normal_: untruncated N(0, gain^2 * 2 / (fan_in + fan_out)). Keras's GlorotNormal is
    truncated and is not this: it is VarianceScaling(1, "fan_avg", "truncated_normal")."""
    fan_based: ClassVar[bool] = True
    gain: float = 1.0

    def __post_init__(self) -> None:
        _set(self, "gain", v.positive(type(self).__name__, "gain", self.gain))

    def lower(self, info: TensorInfo) -> D.Draw:
        return _variance_scaled(self.gain ** 2, "fan_avg", "normal", info)


class _Kaiming(Spec):
    fan_based: ClassVar[bool] = True
    _distribution: ClassVar[str] = ""
    a: float = 0.0
    mode: str = "fan_in"
    nonlinearity: str = "leaky_relu"

    def __post_init__(self) -> None:
        name = type(self).__name__
        _set(self, "a", v.real(name, "a", self.a))
        v.choice(name, "mode", self.mode, ("fan_in", "fan_out"))
        calculate_gain(self.nonlinearity, self.a)  # validates the nonlinearity

    @property
    def scale(self) -> float:
        return calculate_gain(self.nonlinearity, self.a) ** 2

    def lower(self, info: TensorInfo) -> D.Draw:
        return _variance_scaled(self.scale, self.mode, self._distribution, info)


@register
class KaimingUniform(_Kaiming):
    """torch kaiming_uniform_: U[-b, b], b = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a).
    With the defaults (leaky_relu, a=0) gain = sqrt(2): Keras's HeUniform."""
    _distribution: ClassVar[str] = "uniform"


@register
class KaimingNormal(_Kaiming):
    """torch kaiming_normal_: untruncated N(0, gain^2 / fan). Keras's and JAX's he_normal are truncated and
    are not this: they are VarianceScaling(2, "fan_in", "truncated_normal")."""
    _distribution: ClassVar[str] = "normal"


@register
class LecunUniform(Spec):
    """VarianceScaling(1, fan_in, uniform): U[-sqrt(3 / fan_in), sqrt(3 / fan_in)]."""
    fan_based: ClassVar[bool] = True

    def lower(self, info: TensorInfo) -> D.Draw:
        return _variance_scaled(1.0, "fan_in", "uniform", info)


@register
class LecunNormal(Spec):
    """VarianceScaling(1, fan_in, truncated_normal), truncated as in JAX, Flax and Keras."""
    fan_based: ClassVar[bool] = True

    def lower(self, info: TensorInfo) -> D.Draw:
        return _variance_scaled(1.0, "fan_in", "truncated_normal", info)


# ---------------------------------------------------------------------------------------- structured

def _need_ndim(name: str, info: TensorInfo, allowed: Sequence[int], words: str) -> None:
    if len(info.shape) not in allowed:
        raise ValueError(f"{name}: needs a tensor with {words}, got shape {info.shape} "
                         f"({len(info.shape)} dimensions)")


def _axis(name: str, info: TensorInfo, which: str) -> int:
    """The layout's single ``which`` ("out" or "in") axis of the tensor, or a ValueError naming the spec."""
    outs, ins, _ = info.layout.resolve(len(info.shape))
    axes = outs if which == "out" else ins
    if len(axes) != 1:
        raise ValueError(f"{name}: layout {info.layout.name!r} has no single {which}put axis on a tensor of shape "
                         f"{info.shape}")
    return axes[0]


@register
class Orthogonal(Spec):
    """gain x a (semi-)orthogonal matrix: the output axis against all the others flattened, Haar-distributed
    (QR of a Gaussian matrix with the signs of diag(R)), as torch's orthogonal_ and JAX's orthogonal."""
    elementwise: ClassVar[bool] = False
    gain: float = 1.0

    def __post_init__(self) -> None:
        _set(self, "gain", v.positive(type(self).__name__, "gain", self.gain))

    def lower(self, info: TensorInfo) -> D.Draw:
        if len(info.shape) < 2:
            _need_ndim("Orthogonal", info, (), "at least 2 dimensions")
        if info.size == 0:
            raise ValueError(f"Orthogonal: cannot make an orthogonal matrix of shape {info.shape}: "
                             f"every dimension must be > 0")
        return D.Orthogonal(self.gain, info.layout.out_axis(len(info.shape)))


@register
class DeltaOrthogonal(Spec):
    """The orthogonal delta kernel (Xiao et al. 2018; JAX's ``delta_orthogonal``): a 3-, 4- or 5-D convolution
    kernel that is zero except at the centre of its spatial axes ((k - 1) // 2 on each), where it is ``gain`` x a
    Haar-random matrix with orthonormal columns (output channels x input channels; needs in <= out). With it a
    deep CNN starts as an orthogonal map of its input's centre pixel."""
    elementwise: ClassVar[bool] = False
    gain: float = 1.0

    def __post_init__(self) -> None:
        _set(self, "gain", v.positive(type(self).__name__, "gain", self.gain))

    def lower(self, info: TensorInfo) -> D.Draw:
        _need_ndim("DeltaOrthogonal", info, (3, 4, 5), "3, 4 or 5 dimensions (a convolution kernel)")
        out_axis, in_axis = _axis("DeltaOrthogonal", info, "out"), _axis("DeltaOrthogonal", info, "in")
        if info.shape[in_axis] > info.shape[out_axis]:
            raise ValueError(f"DeltaOrthogonal: needs input channels <= output channels (fan_in <= fan_out), got "
                             f"{info.shape[in_axis]} input and {info.shape[out_axis]} output channels in shape "
                             f"{info.shape}")
        if info.size == 0:
            raise ValueError(f"DeltaOrthogonal: cannot make an orthogonal matrix of shape {info.shape}: every "
                             f"dimension must be > 0")
        return D.DeltaOrthogonal(self.gain, out_axis, in_axis)


@register
class Hadamard(Spec):
    """ZerO initialization (Zhao et al. 2022, algorithm 1): only zeros, ones and Hadamard signs, no randomness.
    A dense weight with m outputs and n inputs is the partial identity when m <= n; when m > n it is ``gain`` x
    the first m rows and n columns of the orthonormal Sylvester-Hadamard matrix H_p / sqrt(p), p = 2^ceil(log2 m)
    (the ZerO authors' ``ZerO_Init_on_matrix``). A 3-, 4- or 5-D convolution kernel holds that matrix (output x
    input channels) at the centre of its spatial axes (k // 2, as torch's dirac_) and zeros elsewhere."""
    elementwise: ClassVar[bool] = False
    gain: float = 1.0

    def __post_init__(self) -> None:
        _set(self, "gain", v.real(type(self).__name__, "gain", self.gain))

    def lower(self, info: TensorInfo) -> D.Draw:
        _need_ndim("Hadamard", info, (2, 3, 4, 5), "2 dimensions (a dense weight) or 3 to 5 (a convolution kernel)")
        return D.Hadamard(self.gain, _axis("Hadamard", info, "out"), _axis("Hadamard", info, "in"))


@register
class Bilinear(Spec):
    """The bilinear upsampling kernel (MXNet's ``Bilinear``; FCN's deconvolution weights): for a kernel with spatial
    axes (..., kh, kw) in its layout, entry (y, x) is (1 - |x / f - c|)(1 - |y / f - c|) with f = ceil(kw / 2),
    c = (2f - 1 - f mod 2) / (2f), the same in every channel pair. Determined."""
    elementwise: ClassVar[bool] = False

    def lower(self, info: TensorInfo) -> D.Draw:
        _need_ndim("Bilinear", info, (4,), "exactly 4 dimensions (a 2-D convolution kernel)")
        _, _, rf = info.layout.resolve(4)
        if len(rf) != 2:
            raise ValueError(f"Bilinear: layout {info.layout.name!r} has no two spatial axes")
        kh, kw = info.shape[rf[0]], info.shape[rf[1]]
        f = math.ceil(kw / 2.0)
        c = (2 * f - 1 - f % 2) / (2.0 * f)
        import itertools
        values = []
        for index in itertools.product(*(range(n) for n in info.shape)):
            y, x = index[rf[0]], index[rf[1]]
            values.append((1 - abs(x / f - c)) * (1 - abs(y / f - c)))
        return D.Array(tuple(values), info.shape)


@register
class Eye(Spec):
    """``gain`` times the identity matrix (torch's eye_ with gain 1, Keras's Identity(gain)): 2-D tensors only, ones
    at [i, i] for i < min(shape)."""
    elementwise: ClassVar[bool] = False
    gain: float = 1.0

    def __post_init__(self) -> None:
        _set(self, "gain", v.real(type(self).__name__, "gain", self.gain))

    def lower(self, info: TensorInfo) -> D.Draw:
        _need_ndim("Eye", info, (2,), "exactly 2 dimensions")
        return D.Eye(self.gain)


@register
class Dirac(Spec):
    """Identity convolution (torch's dirac_): 3-, 4- or 5-D kernels, centre k // 2 on each spatial axis
    (JAX's delta_orthogonal centres at (k - 1) // 2, which differs for even k). ``groups`` must divide
    the output channels."""
    elementwise: ClassVar[bool] = False
    groups: int = 1

    def __post_init__(self) -> None:
        _set(self, "groups", v.integer("Dirac", "groups", self.groups, minimum=1))

    def lower(self, info: TensorInfo) -> D.Draw:
        _need_ndim("Dirac", info, (3, 4, 5), "3, 4 or 5 dimensions (a convolution kernel)")
        out_axis, in_axis = _axis("Dirac", info, "out"), _axis("Dirac", info, "in")
        if info.shape[out_axis] % self.groups:
            raise ValueError(f"Dirac: parameter 'groups' must divide the output channels "
                             f"({info.shape[out_axis]}), got groups={self.groups}")
        return D.Dirac(self.groups, out_axis, in_axis)


@register
class Sparse(Spec):
    """torch's sparse_: 2-D only; N(0, std^2) with ceil(sparsity x rows) zeros in every column, where rows
    run along the output axis."""
    elementwise: ClassVar[bool] = False
    sparsity: float
    std: float = 0.01

    def __post_init__(self) -> None:
        name = type(self).__name__
        s = v.real(name, "sparsity", self.sparsity)
        if not 0.0 <= s < 1.0:
            raise ValueError(f"{name}: parameter 'sparsity' must be in [0, 1), got {s!r}")
        _set(self, "sparsity", s)
        _set(self, "std", v.positive(name, "std", self.std))

    def lower(self, info: TensorInfo) -> D.Draw:
        _need_ndim("Sparse", info, (2,), "exactly 2 dimensions")
        return D.Sparse(self.sparsity, self.std, info.layout.out_axis(2))


def _nested_tuple(value: Any, where: str, owner: str = "FromArray") -> Any:
    """Nested tuples of floats (a float for a scalar)."""
    if hasattr(value, "tolist") and not isinstance(value, (list, tuple)):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return tuple(_nested_tuple(x, where, owner) for x in value)
    return v.real(owner, where, value)


def _shape_of(values: Any, owner: str = "FromArray") -> tuple[int, ...]:
    if isinstance(values, tuple):
        inner = {_shape_of(x, owner) for x in values}
        if len(inner) > 1:
            name = "values" if owner == "FromArray" else "value"
            raise ValueError(f"{owner}: parameter '{name}' must be a rectangular array; rows have shapes "
                             f"{sorted(inner)}")
        return (len(values),) + (inner.pop() if inner else ())
    return ()


def _flatten(values: Any) -> list[float]:
    if isinstance(values, tuple):
        return [x for item in values for x in _flatten(item)]
    return [values]


@register
class FromArray(Spec):
    """Given values. ``layout`` names the layout the values are written in (for example "torch": a torch
    Linear weight (out, in)); applied to a tensor of another layout they are moved there (a Keras Dense
    kernel (in, out) receives the transpose). With layout=None the values must already have the tensor's shape."""
    elementwise: ClassVar[bool] = False
    values: Any
    layout: str | None = None

    def __post_init__(self) -> None:
        values = _nested_tuple(self.values, "values")
        if not isinstance(values, tuple) or not values:
            raise TypeError(f"FromArray: parameter 'values' must be a non-empty array (nested lists or an "
                            f"ndarray), got {self.values!r}; use Constant for one value")
        _shape_of(values)  # refuses ragged rows
        _set(self, "values", values)
        if self.layout is not None:
            if not isinstance(self.layout, str):
                raise TypeError(f"FromArray: parameter 'layout' must be a layout name or None, got {self.layout!r}")
            get_layout(self.layout)

    @property
    def shape(self) -> tuple[int, ...]:
        return _shape_of(self.values)

    def lower(self, info: TensorInfo) -> D.Draw:
        shape = self.shape
        flat = _flatten(self.values)
        if self.layout is not None and get_layout(self.layout) != info.layout and len(shape) == len(info.shape) \
                and len(shape) >= 2:
            import numpy as np
            perm = permutation(get_layout(self.layout), info.layout, len(shape))
            arr = np.asarray(flat, dtype=np.float64).reshape(shape).transpose(perm)
            shape, flat = arr.shape, arr.ravel().tolist()
        if tuple(shape) != info.shape:
            raise ValueError(f"FromArray: parameter 'values' has shape {tuple(shape)} "
                             f"(in layout {self.layout or info.layout.name!r}) but the tensor has shape {info.shape}")
        return D.Array(tuple(flat), info.shape)


# ------------------------------------------------------------------------------------------- composed

@register
class Mixture(Spec):
    """Each entry independently from component i with probability weights[i].

    The seeds' custom initializer, w ~ U(5, 10) w.p. 1/4, 0 w.p. 1/2, U(-10, -5) w.p. 1/4::

        Mixture([Uniform(5, 10), Zeros(), Uniform(-10, -5)], [0.25, 0.5, 0.25])

    Components are elementwise specs (fan-based ones included: they see the same fans).
    """
    components: Sequence[Spec]  # stored as a tuple
    weights: Sequence[float]  # stored as a tuple
    _spec_fields: ClassVar[tuple[str, ...]] = ("components",)

    def __post_init__(self) -> None:
        comps, weights = self.components, self.weights
        if not isinstance(comps, (list, tuple)) or not comps:
            raise TypeError(f"Mixture: parameter 'components' must be a non-empty list of specs, got {comps!r}")
        for i, c in enumerate(comps):
            if not isinstance(c, Spec):
                raise TypeError(f"Mixture: parameter 'components[{i}]' must be a spec, got {c!r}")
            if not c.elementwise:
                raise ValueError(f"Mixture: parameter 'components[{i}]' must be an elementwise spec, got "
                                 f"{type(c).__name__} (orthogonal, eye, dirac, sparse and arrays cannot be mixed)")
        if not isinstance(weights, (list, tuple)) or len(weights) != len(comps):
            raise ValueError(f"Mixture: parameter 'weights' must be a list of {len(comps)} probabilities, one per "
                             f"component, got {weights!r}")
        ws = tuple(v.positive("Mixture", f"weights[{i}]", w) for i, w in enumerate(weights))
        if abs(math.fsum(ws) - 1.0) > 1e-6:
            raise ValueError(f"Mixture: parameter 'weights' must sum to 1, got {weights!r} (sum {math.fsum(ws)!r})")
        _set(self, "components", tuple(comps))
        _set(self, "weights", ws)

    @property
    def fan_based(self) -> bool:  # type: ignore[override]
        return any(c.fan_based for c in self.components)

    def lower(self, info: TensorInfo) -> D.Draw:
        return D.Mixture(tuple(c.lower(info) for c in self.components), tuple(self.weights))


@register
class Affine(Spec):
    """scale * x + shift with x from ``base`` (an elementwise spec)."""
    base: Spec
    scale: float = 1.0
    shift: float = 0.0
    _spec_fields: ClassVar[tuple[str, ...]] = ("base",)

    def __post_init__(self) -> None:
        if not isinstance(self.base, Spec):
            raise TypeError(f"Affine: parameter 'base' must be a spec, got {self.base!r}")
        if not self.base.elementwise:
            raise ValueError(f"Affine: parameter 'base' must be an elementwise spec, got {type(self.base).__name__}")
        scale = v.real("Affine", "scale", self.scale)
        if scale == 0:
            raise ValueError("Affine: parameter 'scale' must be non-zero (use Constant for a constant), got 0.0")
        _set(self, "scale", scale)
        _set(self, "shift", v.real("Affine", "shift", self.shift))

    @property
    def fan_based(self) -> bool:  # type: ignore[override]
        return self.base.fan_based

    def lower(self, info: TensorInfo) -> D.Draw:
        return D.Affine(self.base.lower(info), self.scale, self.shift)


@register
class Rows(Spec):
    """``base`` for the tensor, with one row drawn from ``fill`` instead: the entries at ``index`` along the
    layer's input axis (``along="in"``; ``"out"``: its output axis). An embedding's vocabulary is its input axis
    in every framework, and ``index="padding_idx"`` is the layer's padding row (torch's ``padding_idx``, which
    torch and Hugging Face zero): ``Rows(Normal(0, 0.02))`` is BERT's word embedding. Where the layer has no
    padding row, ``"padding_idx"`` leaves ``base`` as it is. ``fill`` is an elementwise spec (default Zeros)."""
    elementwise: ClassVar[bool] = False
    base: Spec
    fill: Spec = Zeros()
    index: Any = "padding_idx"
    along: str = "in"
    _spec_fields: ClassVar[tuple[str, ...]] = ("base", "fill")

    def __post_init__(self) -> None:
        for name in ("base", "fill"):
            if not isinstance(getattr(self, name), Spec):
                raise TypeError(f"Rows: parameter {name!r} must be a spec, got {getattr(self, name)!r}")
        if not self.fill.elementwise:
            raise ValueError(f"Rows: parameter 'fill' must be an elementwise spec, got {type(self.fill).__name__}")
        if self.index != "padding_idx":
            _set(self, "index", v.integer("Rows", "index", self.index))
        if self.along not in ("in", "out"):
            raise ValueError(f"Rows: parameter 'along' must be 'in' or 'out', got {self.along!r}")

    @property
    def fan_based(self) -> bool:  # type: ignore[override]
        return self.base.fan_based or self.fill.fan_based

    def lower(self, info: TensorInfo) -> D.Draw:
        base = self.base.lower(info)
        index = info.padding_idx if self.index == "padding_idx" else self.index
        if index is None:
            return base
        axis = _axis("Rows", info, self.along)
        n = info.shape[axis]
        if not -n <= index < n:
            raise ValueError(f"Rows: parameter 'index' must be a row of the {n} along the {self.along}put axis, "
                             f"got {index}")
        return D.Rows(base, self.fill.lower(info), axis, index % n)


@register
class Blocks(Spec):
    """The tensor cut into ``len(parts)`` equal blocks along the layer's output axis (``along="out"``; ``"in"``:
    its input axis; a vector: its only axis), block i from ``parts[i]``: the gates of a recurrent layer stacked
    as torch, Keras and MXNet stack them, the q, k and v of a fused projection. Each part sees its block as the
    tensor (its own fans), with the layer's fans where the block has none (a bias). Keras's LSTM bias is
    ``Blocks([Zeros(), Ones(), Zeros(), Zeros()])`` (gates i, f, c, o: the forget gate's block ones)."""
    elementwise: ClassVar[bool] = False
    parts: Sequence[Spec]  # stored as a tuple
    along: str = "out"
    _spec_fields: ClassVar[tuple[str, ...]] = ("parts",)

    def __post_init__(self) -> None:
        parts = self.parts
        if not isinstance(parts, (list, tuple)) or not parts:
            raise TypeError(f"Blocks: parameter 'parts' must be a non-empty list of specs, got {parts!r}")
        for i, p in enumerate(parts):
            if not isinstance(p, Spec):
                raise TypeError(f"Blocks: parameter 'parts[{i}]' must be a spec, got {p!r}")
        if self.along not in ("in", "out"):
            raise ValueError(f"Blocks: parameter 'along' must be 'in' or 'out', got {self.along!r}")
        _set(self, "parts", tuple(parts))

    @property
    def fan_based(self) -> bool:  # type: ignore[override]
        return any(p.fan_based for p in self.parts)

    def lower(self, info: TensorInfo) -> D.Draw:
        shape = info.shape
        axis = 0 if len(shape) == 1 else _axis("Blocks", info, self.along)
        k = len(self.parts)
        if shape[axis] % k:
            raise ValueError(f"Blocks: {k} parts must divide the {shape[axis]} entries along axis {axis} of a tensor "
                             f"of shape {shape}")
        block = tuple(n // k if i == axis else n for i, n in enumerate(shape))
        # a block of a weight has its own fans; a block of a vector (a bias) has none, so it takes its layer's
        part_info = TensorInfo.make(block, info.layout, info.layer_fans if len(shape) < info.layout.min_ndim else None,
                                    depth=info.depth)  # a part may read the layer's context (ui.Scaled)
        return D.Blocks(tuple(p.lower(part_info) for p in self.parts), axis)


#: what a ``Scaled`` expression may use besides numbers, its own constants and + - * / ** ( )
CONTEXT = {"l": "the layer index in its sequence of layers (0 for the first)", "L": "the number of layers",
           "fan_in": "the tensor's (or its layer's) fan_in", "fan_out": "the tensor's (or its layer's) fan_out"}
_FUNCTIONS = {"sqrt": math.sqrt, "log": math.log, "exp": math.exp, "min": min, "max": max}


def _parse(text: str, names: Sequence[str]) -> Any:
    """The checked syntax tree of a ``Scaled`` expression: numbers, the names given, + - * / **, unary -, and
    sqrt/log/exp/min/max calls; anything else is refused here (nothing is ever evaluated by Python's ``eval``)."""
    import ast
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as err:
        raise ValueError(f"Scaled: parameter 'factor' is not an expression: {text!r} ({err.msg})") from None
    allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub,
               ast.UAdd, ast.Load)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ValueError(f"Scaled: parameter 'factor' may hold numbers only, got {node.value!r} in {text!r}")
        elif isinstance(node, ast.Name):
            if node.id not in names and node.id not in _FUNCTIONS:
                raise ValueError(f"Scaled: unknown variable {node.id!r} in {text!r}; the context gives "
                                 f"{', '.join(sorted(CONTEXT))} and the constants give {', '.join(sorted(set(names) - set(CONTEXT))) or 'nothing'}")
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS or node.keywords:
                raise ValueError(f"Scaled: only {', '.join(_FUNCTIONS)} may be called in {text!r}")
        elif not isinstance(node, allowed):
            raise ValueError(f"Scaled: {type(node).__name__} is not allowed in {text!r}")
    return tree.body


def _closure(node: Any) -> Any:
    """A checked expression as nested closures over floats (built once, when the spec is built), so evaluating
    it for a parameter is plain arithmetic: no parsing while a plan runs or while torch compiles."""
    import ast
    import operator
    if isinstance(node, ast.Constant):
        value = float(node.value)  # type: ignore[arg-type]  # checked by _parse: a number
        return lambda env: value
    if isinstance(node, ast.Name):
        name = node.id
        return lambda env: env[name]
    if isinstance(node, ast.UnaryOp):
        operand = _closure(node.operand)
        return (lambda env: -operand(env)) if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Call):
        fn: Any = _FUNCTIONS[node.func.id]  # type: ignore[attr-defined]  # checked by _parse: a Name
        args = [_closure(a) for a in node.args]
        return lambda env: float(fn(*(a(env) for a in args)))
    ops = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.Pow: operator.pow}
    op, left, right = ops[type(node.op)], _closure(node.left), _closure(node.right)
    return lambda env: op(left(env), right(env))


@register
class Scaled(Spec):
    """``base`` with its values multiplied by ``factor``: an expression of the parameter's context (``l`` its
    layer index in its sequence of layers, ``L`` their number, ``fan_in``, ``fan_out``) and of ``constants``,
    evaluated for each parameter when the plan is applied. ``Scaled(Normal(0, 0.02), "1 / sqrt(2 * (l + 1))")`` is
    torchtitan's depth rule, ``Scaled(Normal(0, 0.02), "1 / sqrt(2 * L)")`` Megatron's output layers,
    ``Scaled(base, "sqrt(base / fan_in)", constants={"base": 256})`` a muP-style width rule. The expression is data
    (JSON, checked when built: numbers, + - * / **, sqrt/log/exp/min/max, the names above); ``l`` and ``L`` come
    from the path (``h.3`` -> l = 3) or a scanned stack's axis, unless the rule says where (``Rule.depth``,
    ``num_layers``, ``first_layer``); a parameter off any sequence of layers is refused, naming it."""
    base: Spec
    factor: str
    constants: Any = ()
    _spec_fields: ClassVar[tuple[str, ...]] = ("base",)

    def __post_init__(self) -> None:
        if not isinstance(self.base, Spec) or not self.base.elementwise:
            raise TypeError(f"Scaled: parameter 'base' must be an elementwise spec, got {self.base!r}")
        if not isinstance(self.factor, str):
            raise TypeError(f"Scaled: parameter 'factor' must be an expression string, got {self.factor!r}")
        constants = self.constants
        items = constants.items() if isinstance(constants, dict) else constants
        try:
            pairs = tuple(sorted((str(k), v.real("Scaled", f"constants[{k!r}]", x)) for k, x in items))
        except (TypeError, ValueError) as err:
            raise type(err)(f"Scaled: parameter 'constants' must map names to numbers: {err}") from None
        for name, _ in pairs:
            if not name.isidentifier() or name in CONTEXT or name in _FUNCTIONS:
                raise ValueError(f"Scaled: constant name {name!r} must be an identifier other than "
                                 f"{', '.join(list(CONTEXT) + list(_FUNCTIONS))}")
        _set(self, "constants", pairs)
        import ast
        tree = _parse(self.factor, list(CONTEXT) + [k for k, _ in pairs])
        # not fields: the compiled expression and the context names it reads
        self.__dict__["_evaluate"] = _closure(tree)
        self.__dict__["_uses"] = frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name))

    @property
    def fan_based(self) -> bool:  # type: ignore[override]
        return self.base.fan_based

    @property
    def uses_depth(self) -> bool:
        return bool(self.__dict__["_uses"] & {"l", "L"}) or self.base.uses_depth

    def value(self, info: TensorInfo) -> float:
        """The factor for one tensor."""
        used = self.__dict__["_uses"]
        values = dict(self.constants)
        if used & {"l", "L"}:
            if info.depth is None:
                raise ValueError(f"Scaled: {self.factor!r} uses the layer index, and this parameter is in no "
                                 "sequence of layers (its path has no position such as h.3)")
            values["l"], values["L"] = float(info.depth[0]), float(info.depth[1])
        if used & {"fan_in", "fan_out"}:
            values["fan_in"], values["fan_out"] = (float(f) for f in info.fans)
        try:
            factor = self.__dict__["_evaluate"](values)
        except (ArithmeticError, ValueError) as err:
            raise ValueError(f"Scaled: {self.factor!r} cannot be evaluated here ({err})") from None
        if not (isinstance(factor, float) and math.isfinite(factor) and factor > 0):
            raise ValueError(f"Scaled: {self.factor!r} must give a finite number > 0, gives {factor!r} here")
        return factor

    def lower(self, info: TensorInfo) -> D.Draw:
        return D.Affine(self.base.lower(info), self.value(info), 0.0)


# ------------------------------------------------------------------------------------------- examples

def examples() -> list[Spec]:
    """One instance of every registered spec, with non-default arguments where that shows more. Tests, the
    comparison report and the notebooks iterate over this list, and a test checks that it covers the registry."""
    return [
        Constant(0.5), Zeros(), Ones(), Uniform(-0.3, 0.7), Normal(0.1, 0.5),
        TruncatedNormal(0.0, 1.0, -2.0, 2.0),
        VarianceScaling(2.0, "fan_in", "truncated_normal"), VarianceScaling(1.0, "fan_avg", "uniform"),
        VarianceScaling(1.0, "fan_out", "normal"), VarianceScaling(0.5, "fan_geo_avg", "uniform"),
        XavierUniform(), XavierNormal(gain=2.0), KaimingUniform(a=math.sqrt(5)),
        KaimingNormal(mode="fan_out", nonlinearity="relu"), LecunUniform(), LecunNormal(),
        Orthogonal(gain=1.5), DeltaOrthogonal(gain=1.2), Eye(), Hadamard(), Bilinear(), Dirac(groups=1), Sparse(0.3, 0.02),
        FromArray([[1.0, 2.0], [3.0, 4.0]], layout="torch"),
        Mixture([Uniform(5, 10), Zeros(), Uniform(-10, -5)], [0.25, 0.5, 0.25]),
        Affine(LecunNormal(), scale=0.5, shift=1.0), Rows(Normal(0.0, 0.02), Constant(3.0), index=1),
        Blocks([Normal(0.0, 1.0), Ones()]), Scaled(Normal(0.0, 0.02), "sqrt(w / fan_in)", {"w": 64.0}),
    ]
