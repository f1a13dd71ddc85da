"""The spec catalog: what distribution, in words a user knows.

A spec is a frozen, hashable value, validated when it is constructed, whose ``repr`` evaluates back to an
equal spec. ``spec.lower(info)`` turns it into a primitive ``Draw`` for one tensor; that is the only place
where fans, gains and bounds are computed. Specs serialize to plain JSON-safe dicts by a registry of names.
"""

from __future__ import annotations

import math
import numbers
TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only: no runtime import of typing
    from typing import Any, Callable, ClassVar, Sequence, TypeVar

    #: any spec class: ``register`` gives back the class it was given, constructor and all, to a type checker
    S = TypeVar("S", bound="Spec")
    #: a compiled ``Scaled`` expression: the names' values -> the factor
    _Expr = Callable[[dict[str, float]], float]

from . import _validate as v
from ._record import Record
from . import draws as D
from .gain import calculate_gain, negative_slope
from .layout import Layout, LayoutLike, TensorInfo, get_layout, move

#: Keras/JAX VarianceScaling's truncated normal: the std of N(0, 1) truncated to [-2, 2], so that
#: sigma = sqrt(var) / TRUNC_STD_2 gives a sample whose std is sqrt(var).
TRUNC_STD_2 = 0.87962566103423978

MODES = ("fan_in", "fan_out", "fan_avg", "fan_geo_avg")
DISTRIBUTIONS = ("uniform", "normal", "truncated_normal")

_REGISTRY: dict[str, type["Spec"]] = {}


def register(cls: type[S]) -> type[S]:
    """Add a spec class to the registry that ``from_dict`` and ``from_expression`` read names from.

    A registered class is saved by its name (``spec.to_dict()``, ``spec.to_json()``), loaded back by it
    (``ui.from_dict``, ``ui.from_json``, MXNet's and Keras's saved initializers) and written by it in
    ``ui.from_expression`` text. Every catalog spec is registered; a spec of your own needs ``@ui.register`` to be
    saved and loaded. Registering the same class again changes nothing.
    A field of your class annotated with a spec (``base: ui.Spec``, ``parts: tuple[ui.Spec, ...]``) is loaded as
    one; its other lists are loaded as tuples.

    Args:
        cls: a subclass of ``ui.Spec``; its ``__name__`` is its registered name.

    Returns:
        The class itself, so ``register`` works as a class decorator (a type checker keeps its constructor).

    Raises:
        TypeError: ``cls`` is not a class, is ``ui.Spec`` itself, or is a class that does not subclass ``ui.Spec``
            (a spec instance, ``None``, ``int``).
        ValueError: another class is already registered under the same name, or ``cls`` has a field named
            ``type`` (the saved dict's key for the class's name).

    Examples:
        >>> import unifiedinit as ui
        >>> ui.register(ui.Normal) is ui.Normal  # already registered: the same class again is accepted
        True
        >>> class Normal(ui.Spec):
        ...     pass
        >>> ui.register(Normal)
        Traceback (most recent call last):
        ValueError: a spec named 'Normal' is already registered
    """
    _check_spec_class(cls)
    name = cls.__name__
    if "type" in cls._fields:  # to_dict writes the field over the class's name: it would load as another spec
        raise ValueError(f"register: parameter 'cls' ({name}) has a field named 'type', the key its saved dict "
                         f"({name}(...).to_dict()) keeps for the class's name {name!r}: name the field anything "
                         f"but 'type'")
    if name in _REGISTRY and _REGISTRY[name] is not cls or name in _ALIASES:
        raise ValueError(f"a spec named {name!r} is already registered")
    if not cls.__module__.startswith("unifiedinit.") and "_spec_fields" not in cls.__dict__:
        spec_fields = tuple(f for f in cls._fields if _names_spec(cls.__annotations__.get(f)))
        cls._spec_fields = spec_fields  # type: ignore[misc]
    _REGISTRY[name] = cls
    return cls


def _check_spec_class(cls: Any) -> None:
    """Refuse what ``register`` cannot register (TypeError): anything but a subclass of ``Spec``, and ``Spec``."""
    if isinstance(cls, type) and issubclass(cls, Spec) and cls is not Spec:
        return
    if cls is Spec:
        got = "Spec itself, which has no fields and is not constructed"
    elif isinstance(cls, Spec):
        got = f"the spec {v.shown(cls)}, an instance (register its class, {type(cls).__name__})"
    elif isinstance(cls, type):
        got = f"the class {v.shown(cls)}, which does not subclass Spec"
    else:
        got = f"{v.shown(cls)} of type {type(cls).__name__}"
    raise TypeError(f"register: parameter 'cls' must be a subclass of unifiedinit.Spec, got {got}")


def _names_spec(annotation: Any) -> bool:
    """Whether a field's annotation takes specs (``Spec``, ``ui.Spec | None``, ``tuple[Spec, ...]``, a spec class), so
    that ``from_dict`` loads its dicts as specs: a string annotation (``from __future__ import annotations``) by the
    names it holds, an object by the classes in it."""
    import re
    if isinstance(annotation, str):
        return any(word == "Spec" or word in _REGISTRY for word in re.findall(r"\w+", annotation))
    if isinstance(annotation, type):
        return issubclass(annotation, Spec)
    return any(_names_spec(a) for a in getattr(annotation, "__args__", ()))


#: the other names a catalog class is exported and read by (``ui.GlorotUniform`` is ``ui.XavierUniform``)
_ALIASES = {"GlorotUniform": "XavierUniform"}


def registered() -> dict[str, type["Spec"]]:
    """The registered spec classes by name."""
    return dict(_REGISTRY)


def readable() -> dict[str, type["Spec"]]:
    """Every name ``from_dict`` and ``from_expression`` read: the registered classes and their aliases."""
    return {**_REGISTRY, **{alias: _REGISTRY[name] for alias, name in _ALIASES.items() if name in _REGISTRY}}


class Spec(Record):
    """Base of every initializer spec: a frozen, hashable value that names one law.

    A spec is validated when it is constructed, compares and hashes by its type and fields, and its ``repr``
    evaluates back to an equal spec (``ui.from_expression``). ``spec.lower(info)`` turns it into the primitive
    draw for one tensor (``ui.lower`` for a shape); ``to_dict``/``to_json`` save it and ``ui.from_dict``/
    ``ui.from_json`` load it; ``to_torch``, ``to_flax``, ``to_keras``, ``to_mxnet`` and ``to_equinox`` make each
    framework's native initializer from it. A spec of your own subclasses ``Spec``, declares its fields as annotated
    class attributes (as a dataclass), defines ``lower`` and is added with ``ui.register``.

    ``Spec`` itself has no fields and is not constructed: every catalog class below is a spec.

    Examples:
        >>> import unifiedinit as ui
        >>> spec = ui.Normal(std=0.02)
        >>> isinstance(spec, ui.Spec), spec == ui.Normal(0.0, 0.02), hash(spec) == hash(ui.Normal(0.0, 0.02))
        (True, True, True)
        >>> spec.to_json()
        '{"type": "Normal", "mean": 0.0, "std": 0.02}'
        >>> ui.from_json(spec.to_json()) == spec
        True
    """

    #: True when the spec lowers to an elementwise draw (may be a component of Mixture/Affine).
    elementwise: ClassVar[bool] = True
    #: True when the spec needs fans (its tensor must have >= 2 dims, or layer fans must be given).
    fan_based: ClassVar[bool] = False
    #: True when its values follow the storage order of the axes (``S4DReal``'s last axis, a ``FromArray`` with
    #: layout=None: values given in the tensor's own layout), which no layout moves: portable values are then drawn
    #: as stored, never in torch's layout and moved.
    storage_order: ClassVar[bool] = False
    #: Fields that hold specs (a single spec or a tuple of specs).
    _spec_fields: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        if type(self) is Spec:  # it names no law: a plan using it failed with a bare NotImplementedError
            raise TypeError("Spec is the base of every spec and names no law: build one of the catalog "
                            "(ui.Normal(), ui.XavierUniform(), ...) or subclass it")

    def lower(self, info: TensorInfo) -> D.Draw:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def _parts(self) -> tuple[Spec, ...]:
        """The specs this one is made of (those its ``_spec_fields`` hold), none for a leaf."""
        out: list[Spec] = []
        for name in self._spec_fields:
            value: Spec | tuple[Spec, ...] = getattr(self, name)
            out.extend(value if isinstance(value, tuple) else (value,))
        return tuple(out)

    @property
    def uses_depth(self) -> bool:
        """Whether lowering reads the layer's depth (``l``, ``L``): a ``Scaled`` expression does, and so does a
        spec made of one. A plan lowers a spec that does not once for every layer of the same shape."""
        return any(part.uses_depth for part in self._parts())

    def to_dict(self) -> dict[str, Any]:
        """The spec as a plain JSON-safe dict, ``{"type": name, field: value, ...}``; ``ui.from_dict`` reads it."""
        out: dict[str, Any] = {"type": type(self).__name__}
        for name in self._fields:
            out[name] = _plain(getattr(self, name))
        return out

    def to_json(self) -> str:
        """The spec as a JSON string (``to_dict`` dumped); ``ui.from_json`` reads it (a spec whose text would be
        longer than ``from_json`` reads, 64 million characters, is refused with a ``ValueError``)."""
        from .serialize import dump_json
        return dump_json(self.to_dict())

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


def _parts_fan_based(spec: Spec) -> bool:
    """``fan_based`` of a composite spec (``Affine``, ``Mixture``, ``Rows``...): it needs fans when a part does."""
    return any(part.fan_based for part in spec._parts())  # pyright: ignore[reportPrivateUsage]


_PARTS_FAN_BASED = property(_parts_fan_based)


def _parts_storage_order(spec: Spec) -> bool:
    """``storage_order`` of a composite spec that may hold any spec (``Rows``' base, ``Blocks``' parts): drawn as
    stored when a part is (a ``FromArray`` with layout=None, ``S4DReal``), so that part keeps its axes."""
    return any(part.storage_order for part in spec._parts())  # pyright: ignore[reportPrivateUsage]


_PARTS_STORAGE_ORDER = property(_parts_storage_order)


def _plain(value: Any) -> Any:
    field: Spec | tuple[Any, ...] | Layout | str | float | None = value
    if isinstance(field, Spec):
        return field.to_dict()
    if isinstance(field, tuple):
        return [_plain(x) for x in field]
    if isinstance(field, Layout):
        return field.name
    return field


def _set(obj: Any, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


def _elementwise(owner: str, name: str, value: Any) -> None:
    """``value`` must be a spec that draws every entry alike (not Orthogonal, Eye, Dirac, Sparse, an array...)."""
    if not isinstance(value, Spec):
        raise TypeError(f"{owner}: parameter {name!r} must be a spec, got {value!r}")
    if not value.elementwise:
        raise ValueError(f"{owner}: parameter {name!r} must be an elementwise spec, got {type(value).__name__}")


def lower(spec: Spec, shape: Sequence[int], layout: LayoutLike = "torch",
          layer_fans: Sequence[int] | None = None) -> D.Draw:
    """The primitive draw that ``spec`` makes for a tensor of ``shape`` stored in ``layout``.

    Lowering is the one place where fans, gains and bounds are computed: ``lower`` shows the exact law a spec means
    for one tensor, the law every framework's initializer then draws from.

    Args:
        spec: any catalog spec.
        shape: the tensor's shape, in ``layout``'s axis order.
        layout: a layout name (``ui.LAYOUTS``: "torch", "keras", "flax", ...) or a ``ui.Layout``; it decides which
            axes are the fans.
        layer_fans: the layer's (fan_in, fan_out) when they are not the tensor's own (a bias), else None.

    Returns:
        The draw (``unifiedinit.draws``): a frozen record such as ``Uniform(low, high)``, ``Normal(mean, std)`` or
        ``Orthogonal(gain, out_axis)``.

    Raises:
        TypeError: ``spec`` is not a spec, or ``shape`` is not a sequence of integers >= 0.
        ValueError: an unknown layout, ``layer_fans`` that are not two integers >= 1, or a spec that does not apply
            to the shape (a fan-based spec on a vector without ``layer_fans``, an orthogonal matrix of a vector...).

    Examples:
        >>> import unifiedinit as ui
        >>> ui.lower(ui.KaimingUniform(a=5 ** 0.5), (128, 64))  # torch's default nn.Linear(64, 128) weight
        Uniform(low=-0.125, high=0.125)
        >>> ui.lower(ui.LecunUniform(), (3, 3, 16, 32), layout="keras")  # fan_in = 3 * 3 * 16
        Uniform(low=-0.14433756729740643, high=0.14433756729740643)
    """
    if not isinstance(spec, Spec):
        raise TypeError(f"parameter 'spec' must be a unifiedinit spec, got {spec!r}")
    return spec.lower(TensorInfo.make(shape, layout, layer_fans))


# ---------------------------------------------------------------------------------------------- simple

@register
class Constant(Spec):
    """A constant: ``value`` in every entry, or an array ``value`` broadcast to the tensor's shape.

    A number is torch's ``constant_``, Keras's ``Constant`` and JAX's ``constant``. An array is broadcast by NumPy's
    rules (MXNet's ``Constant`` with an array), written in the tensor's own axis order, portable values included.
    Determined (no randomness), so integer tensors take it. A number is elementwise (a component of ``Mixture``,
    the base of ``Affine``); an array is not.

    Args:
        value: a finite real number (not a bool), or a non-empty rectangular array of finite numbers (nested lists
            or tuples, an ndarray, a tensor), stored as nested tuples of floats.

    Raises:
        TypeError: ``value`` is not a number or an array of numbers, or is an empty array.
        ValueError: a value that is not finite, or an array with ragged rows; when lowered, an array that does not
            broadcast to the tensor's shape.

    Examples:
        >>> import unifiedinit as ui
        >>> ui.Constant(0.5)
        Constant(value=0.5)
        >>> ui.sample(ui.Constant([1.0, 2.0]), (2, 2)).tolist()  # broadcast along the last axis
        [[1.0, 2.0], [1.0, 2.0]]
    """
    value: Any

    @property
    def elementwise(self) -> bool:  # type: ignore[override]
        return not isinstance(self.value, tuple)  # an array is not one law per entry: not a mixture component

    @property
    def storage_order(self) -> bool:  # type: ignore[override]
        """An array is broadcast along the tensor's own axes, as stored: portable values are written as native
        ones are, never drawn in torch's layout and moved back (a number is the same either way)."""
        return isinstance(self.value, tuple)

    def __post_init__(self) -> None:
        value = self.value
        # isinstance first: torch.compile traces it on a symbolic float (a changing constant_ argument), not hasattr
        if not isinstance(value, (int, float)) and hasattr(value, "tolist"):
            value = value.tolist()
        if isinstance(value, (list, tuple)):
            value = _nested_tuple(value, "value", "Constant")
            if 0 in _shape_of(value, "Constant"):  # [] or [[]]: an axis of no entries
                raise TypeError(f"Constant: parameter 'value' must be a number or a non-empty array, got an empty one "
                                f"(shape {_shape_of(value, 'Constant')})")
            _set(self, "value", value)
            return
        _set(self, "value", _exact_real(type(self).__name__, "value", value))

    def lower(self, info: TensorInfo) -> D.Draw:
        if self.elementwise:  # a number
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

    ``Zeros`` has no fields: the usual spec of a bias and of a norm layer's shift.

    Examples:
        >>> import unifiedinit as ui
        >>> ui.Zeros().lower(ui.TensorInfo.make((2, 3)))
        Constant(value=0.0)
        >>> ui.sample(ui.Zeros(), (3,), dtype="int32").tolist()
        [0, 0, 0]
    """

    def lower(self, info: TensorInfo) -> D.Draw:
        return D.Constant(0.0)


@register
class Ones(Spec):
    """1 in every entry (torch's ``ones_``; the scale of a norm layer in every framework's default).

    ``Ones`` has no fields; determined, so integer tensors take it.

    Examples:
        >>> import unifiedinit as ui
        >>> ui.Ones().lower(ui.TensorInfo.make((4,)))
        Constant(value=1.0)
        >>> ui.sample(ui.Ones(), (2, 2)).tolist()
        [[1.0, 1.0], [1.0, 1.0]]
    """

    def lower(self, info: TensorInfo) -> D.Draw:
        return D.Constant(1.0)


@register
class Uniform(Spec):
    """U[low, high): each entry uniform on the half-open interval; the defaults are torch's ``uniform_``, [0, 1).

    Keras's ``RandomUniform(minval, maxval)`` is U[minval, maxval); JAX's ``uniform(scale)`` is U[0, scale).

    Args:
        low: the lower bound, a finite real number (default 0.0).
        high: the upper bound, a finite real number > ``low`` (default 1.0).

    Raises:
        TypeError: a bound that is not a real number (a bool, a string).
        ValueError: a bound that is not finite, or ``low >= high`` (use ``Constant`` for a single value).

    Examples:
        >>> import unifiedinit as ui
        >>> ui.Uniform(-0.1, 0.1)
        Uniform(low=-0.1, high=0.1)
        >>> x = ui.sample(ui.Uniform(-0.1, 0.1), (64, 32), seed=0)
        >>> x.shape, x.dtype.name, bool(abs(x).max() <= 0.1)
        ((64, 32), 'float32', True)
    """
    low: float = 0.0
    high: float = 1.0

    def __post_init__(self) -> None:
        name = type(self).__name__
        _set(self, "low", v.real(name, "low", self.low))
        _set(self, "high", v.real(name, "high", self.high))
        v.ordered(name, "low", self.low, "high", self.high)

    def lower(self, info: TensorInfo) -> D.Draw:
        return D.Uniform(self.low, self.high)


#: the smallest normal float64
_NORMAL_FLOAT64 = 2.2250738585072014e-308


@register
class LogUniform(Spec):
    """Log-uniform on [low, high]: exp of U[log low, log high), so that each decade between the bounds is equally
    likely (the reciprocal distribution). Mamba draws its time steps Δ so (see ``InverseSoftplus``).

    Computed in the work dtype as low + low (e**u - 1), u uniform on [0, log(high / low)) (``expm1`` has no coarse
    steps near 1 on a narrow window; beyond 80 natural-log units, e**u on [log low, log high)), and kept in
    [low, high] as the tensor's dtype holds them. The reference and the portable values compute it in float64 with
    the counter stream's own exponential: the same bits in every framework.

    Args:
        low: the lower bound, a real number >= 2.2250738585072014e-308, float64's smallest normal number (default
            0.001, Mamba's ``dt_min``).
        high: the upper bound, a finite real number > ``low`` (default 0.1, Mamba's ``dt_max``).

    Raises:
        TypeError: a bound that is not a real number.
        ValueError: a bound that is not finite, ``low`` below float64's smallest normal number (0 included), or
            ``low >= high``.

    Examples:
        >>> import numpy as np
        >>> import unifiedinit as ui
        >>> x = ui.sample(ui.LogUniform(1e-3, 1e-1), (10000,), seed=0, dtype="float64")
        >>> bool(x.min() >= 1e-3 and x.max() <= 1e-1), round(float((x < 1e-2).mean()), 2)  # one decade in two
        (True, 0.5)
    """
    low: float = 0.001
    high: float = 0.1

    def __post_init__(self) -> None:
        _set(self, "low", v.positive("LogUniform", "low", self.low))
        _set(self, "high", v.real("LogUniform", "high", self.high))
        if self.low < _NORMAL_FLOAT64:
            raise ValueError(f"LogUniform: parameter 'low' must be >= {_NORMAL_FLOAT64!r} (float64's smallest normal "
                             f"number: XLA on a CPU flushes smaller ones to 0), got {self.low!r}")
        v.ordered("LogUniform", "low", self.low, "high", self.high)

    def lower(self, info: TensorInfo) -> D.Draw:
        return D.LogUniform(self.low, self.high)


@register
class Normal(Spec):
    """N(mean, std^2), untruncated: torch's ``normal_``, Keras's ``RandomNormal``, JAX's ``normal(stddev)``.

    The usual transformer init is ``Normal(std=0.02)`` (GPT-2, BERT: ``initializer_range``).

    Args:
        mean: the mean, a finite real number (default 0.0).
        std: the standard deviation, a finite real number > 0 (default 1.0; use ``Constant(mean)`` for std 0).

    Raises:
        TypeError: a parameter that is not a real number (a bool, a string).
        ValueError: a parameter that is not finite, or ``std <= 0``.

    Examples:
        >>> import unifiedinit as ui
        >>> ui.Normal(std=0.02)
        Normal(mean=0.0, std=0.02)
        >>> x = ui.sample(ui.Normal(std=0.02), (768, 768), seed=0)
        >>> x.shape, x.dtype.name
        ((768, 768), 'float32')
    """
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
    """N(mean, std^2) cut to [low, high]: absolute bounds and no correction, as torch's ``trunc_normal_``.

    ``std`` is the std of the normal before the cut, so the sample's own std is smaller (std=1 on [-2, 2] samples
    with std 0.8796). Keras's ``TruncatedNormal(mean, stddev)`` is ``TruncatedNormal(mean, stddev, mean - 2 stddev,
    mean + 2 stddev)``; the truncated normals of ``VarianceScaling`` correct the std instead.

    Args:
        mean: the mean of the normal, a finite real number (default 0.0).
        std: the std of the normal before the cut, a finite real number > 0 (default 1.0).
        low: the lower bound, absolute (not in std units), a finite real number (default -2.0).
        high: the upper bound, absolute, a finite real number > ``low`` (default 2.0).

    Raises:
        TypeError: a parameter that is not a real number.
        ValueError: a parameter that is not finite, ``std <= 0``, ``low >= high``, or a window [low, high] more than
            37 std from the mean on one side (it holds no double-precision probability).

    Examples:
        >>> import unifiedinit as ui
        >>> spec = ui.TruncatedNormal(std=0.02, low=-0.04, high=0.04)
        >>> spec
        TruncatedNormal(mean=0.0, std=0.02, low=-0.04, high=0.04)
        >>> bool(abs(ui.sample(spec, (256, 256), seed=0)).max() <= 0.04)
        True
    """
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
    """Var = scale / fan, as ``jax.nn.initializers.variance_scaling`` and Keras's ``VarianceScaling``.

    The family that every fan-based initializer belongs to: Glorot/Xavier is (1, fan_avg), He/Kaiming (2, fan_in),
    LeCun (1, fan_in). fan is read from the tensor's layout (``ui.fans``), or from ``layer_fans`` for a tensor
    under 2-D. distribution: uniform (U[-sqrt(3 var), sqrt(3 var)]), normal (untruncated N(0, var)),
    truncated_normal (sigma = sqrt(var) / 0.8796..., cut at +-2 sigma, so the sample std is sqrt(var)). Keras's
    distribution="normal" is truncated: it is "truncated_normal" here (Keras's "untruncated_normal" is "normal").

    Args:
        scale: the variance's numerator, a finite real number > 0 (default 1.0).
        mode: which fan divides it: "fan_in" (default), "fan_out", "fan_avg" ((fan_in + fan_out) / 2) or
            "fan_geo_avg" (sqrt(fan_in x fan_out)).
        distribution: "truncated_normal" (default), "normal" or "uniform".

    Raises:
        TypeError: ``scale`` is not a real number.
        ValueError: ``scale`` not finite or <= 0, an unknown ``mode`` or ``distribution``; when lowered, a tensor
            under 2-D without layer fans, or a zero fan.

    Examples:
        >>> import unifiedinit as ui
        >>> he = ui.VarianceScaling(2.0, "fan_in", "normal")
        >>> he
        VarianceScaling(scale=2.0, mode='fan_in', distribution='normal')
        >>> ui.lower(he, (128, 64))  # torch layout (out, in): fan_in = 64, std = sqrt(2 / 64)
        Normal(mean=0.0, std=0.1767766952966369)
    """
    fan_based: ClassVar[bool] = True
    scale: float = 1.0
    mode: str = "fan_in"
    distribution: str = "truncated_normal"

    def __post_init__(self) -> None:
        name = type(self).__name__
        _set(self, "scale", v.positive(name, "scale", self.scale))
        _set(self, "mode", v.choice(name, "mode", self.mode, MODES))
        _set(self, "distribution", v.choice(name, "distribution", self.distribution, DISTRIBUTIONS))

    def lower(self, info: TensorInfo) -> D.Draw:
        return _variance_scaled(self.scale, self.mode, self.distribution, info)


#: the smallest Xavier gain: gain x sqrt(3 / fan) stays a normal float64 number for every fan (at most 2**63 - 1)
_SMALLEST_GAIN = 1e-150


def _xavier_gain(owner: str, gain: Any) -> float:
    """A Xavier gain: > 0, and not so small that the bound or std, gain x sqrt(k / fan_avg), nears float64's
    subnormal numbers (tiny gains once lowered to std 0: all zeros). No upper limit: the gain multiplies the square
    root and is never squared, so a gain is refused only where the bound it gives is not finite (``_xavier``)."""
    out = v.positive(owner, "gain", gain)
    if out < _SMALLEST_GAIN:
        raise ValueError(f"{owner}: parameter 'gain' must be >= {_SMALLEST_GAIN!r} (below that the bound or std, "
                         f"gain x sqrt(k / fan_avg), nears float64's subnormal numbers and 0, where every value "
                         f"would be 0), got {out!r}")
    return out


def _xavier(owner: str, gain: float, distribution: str, info: TensorInfo) -> D.Draw:
    """torch's Xavier law: the bound (uniform) or std (normal) of gain 1, times ``gain``. The gain multiplies the
    square root as torch's formula does and is never squared, so a gain of 1e160 lowers where gain ** 2 would
    overflow; gain 1 is exactly ``VarianceScaling(1, "fan_avg")``'s draw."""
    base = _variance_scaled(1.0, "fan_avg", distribution, info)
    if gain == 1.0:
        return base
    if isinstance(base, D.Uniform):
        width, bound = "bound", gain * base.high
        drawn: D.Draw = D.Uniform(-bound, bound)
    else:
        assert isinstance(base, D.Normal)
        width, bound = "std", gain * base.std
        drawn = D.Normal(0.0, bound)
    if not v.finite(bound):
        fan_in, fan_out = info.fans
        raise ValueError(f"{owner}: parameter 'gain' ({gain!r}) gives the {width} {bound!r} for fans "
                         f"(fan_in={fan_in}, fan_out={fan_out}); allowed: a gain whose {width}, "
                         f"gain x {'sqrt(6' if width == 'bound' else 'sqrt(2'} / (fan_in + fan_out)), is a finite "
                         f"float64")
    return drawn


@register
class XavierUniform(Spec):
    """torch's ``xavier_uniform_``: U[-a, a], a = gain * sqrt(6 / (fan_in + fan_out)) = VS(gain^2, fan_avg, uniform).

    Keras's and JAX's ``glorot_uniform`` with gain 1; ``ui.GlorotUniform`` is this same class under their name.

    Args:
        gain: the multiplier of the bound, a finite real number >= 1e-150 (default 1.0; ``ui.calculate_gain`` gives
            torch's recommended gain per nonlinearity). It multiplies the bound, as in torch, and is never squared.

    Raises:
        TypeError: ``gain`` is not a real number.
        ValueError: ``gain`` not finite or under 1e-150; when lowered, a tensor under 2-D without layer fans, or a
            bound that is not a finite float64 (a gain past about 1e308).

    Examples:
        >>> import unifiedinit as ui
        >>> ui.GlorotUniform is ui.XavierUniform
        True
        >>> ui.lower(ui.XavierUniform(), (128, 64))  # a = sqrt(6 / (64 + 128))
        Uniform(low=-0.1767766952966369, high=0.1767766952966369)
    """
    fan_based: ClassVar[bool] = True
    gain: float = 1.0

    def __post_init__(self) -> None:
        _set(self, "gain", _xavier_gain(type(self).__name__, self.gain))

    def lower(self, info: TensorInfo) -> D.Draw:
        return _xavier(type(self).__name__, self.gain, "uniform", info)


GlorotUniform = XavierUniform


@register
class XavierNormal(Spec):
    """torch's ``xavier_normal_``: untruncated N(0, gain^2 * 2 / (fan_in + fan_out)).

    Keras's GlorotNormal is truncated and is not this: it is ``VarianceScaling(1, "fan_avg", "truncated_normal")``.

    Args:
        gain: the multiplier of the std, a finite real number >= 1e-150 (default 1.0). It multiplies the std, as in
            torch, and is never squared.

    Raises:
        TypeError: ``gain`` is not a real number.
        ValueError: ``gain`` not finite or under 1e-150; when lowered, a tensor under 2-D without layer fans, or a
            std that is not a finite float64 (a gain past about 1e308).

    Examples:
        >>> import unifiedinit as ui
        >>> ui.lower(ui.XavierNormal(), (128, 64))  # std = sqrt(2 / (64 + 128))
        Normal(mean=0.0, std=0.10206207261596575)
    """
    fan_based: ClassVar[bool] = True
    gain: float = 1.0

    def __post_init__(self) -> None:
        _set(self, "gain", _xavier_gain(type(self).__name__, self.gain))

    def lower(self, info: TensorInfo) -> D.Draw:
        return _xavier(type(self).__name__, self.gain, "normal", info)


class _Kaiming(Spec):
    fan_based: ClassVar[bool] = True
    _distribution: ClassVar[str] = ""
    a: float = 0.0
    mode: str = "fan_in"
    nonlinearity: str = "leaky_relu"

    def __post_init__(self) -> None:
        name = type(self).__name__
        _set(self, "a", negative_slope(name, "a", self.a))
        _set(self, "mode", v.choice(name, "mode", self.mode, ("fan_in", "fan_out")))
        v.renamed(name, lambda: calculate_gain(self.nonlinearity, self.a), {})  # validates the nonlinearity
        _set(self, "nonlinearity", str(self.nonlinearity))  # a numpy.str_ too: its repr would not read back

    @property
    def scale(self) -> float:
        return calculate_gain(self.nonlinearity, self.a) ** 2

    def lower(self, info: TensorInfo) -> D.Draw:
        return _variance_scaled(self.scale, self.mode, self._distribution, info)


@register
class KaimingUniform(_Kaiming):
    """torch's ``kaiming_uniform_``: U[-b, b], b = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a).

    With the defaults (leaky_relu, a=0) gain = sqrt(2): Keras's HeUniform. ``KaimingUniform(a=math.sqrt(5))`` is the
    weight of torch's default ``nn.Linear`` and ``nn.Conv*d``: U[-1/sqrt(fan_in), 1/sqrt(fan_in)].

    Args:
        a: the negative slope of the rectifier after the layer, a real number, |a| <= 1e150 (default 0.0); read
            only for ``nonlinearity="leaky_relu"``.
        mode: "fan_in" (default: preserves the forward pass's variance) or "fan_out" (the backward pass's).
        nonlinearity: a name ``ui.calculate_gain`` knows: "linear", "conv1d", "conv2d", "conv3d",
            "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid", "tanh", "relu", "leaky_relu"
            (default) or "selu".

    Raises:
        TypeError: ``a`` is not a real number.
        ValueError: ``a`` not finite or past 1e150, an unknown ``mode`` or ``nonlinearity``; when lowered, a
            tensor under 2-D without layer fans.

    Examples:
        >>> import math
        >>> import unifiedinit as ui
        >>> ui.lower(ui.KaimingUniform(a=math.sqrt(5)), (128, 64))  # torch's nn.Linear(64, 128).weight
        Uniform(low=-0.125, high=0.125)
    """
    _distribution: ClassVar[str] = "uniform"


@register
class KaimingNormal(_Kaiming):
    """torch's ``kaiming_normal_``: untruncated N(0, gain^2 / fan), gain = calculate_gain(nonlinearity, a).

    Keras's and JAX's he_normal are truncated and are not this: they are
    ``VarianceScaling(2, "fan_in", "truncated_normal")``.

    Args:
        a: the negative slope of the rectifier after the layer, a real number, |a| <= 1e150 (default 0.0); read
            only for ``nonlinearity="leaky_relu"``.
        mode: "fan_in" (default) or "fan_out".
        nonlinearity: a name ``ui.calculate_gain`` knows ("relu", "leaky_relu" (default), "tanh", "linear", ...).

    Raises:
        TypeError: ``a`` is not a real number.
        ValueError: ``a`` not finite or past 1e150, an unknown ``mode`` or ``nonlinearity``; when lowered, a
            tensor under 2-D without layer fans.

    Examples:
        >>> import unifiedinit as ui
        >>> spec = ui.KaimingNormal(mode="fan_out", nonlinearity="relu")
        >>> ui.lower(spec, (128, 64, 3, 3))  # a torch Conv2d weight: fan_out = 128 * 3 * 3, std = sqrt(2 / 1152)
        Normal(mean=0.0, std=0.04166666666666667)
    """
    _distribution: ClassVar[str] = "normal"


@register
class LecunUniform(Spec):
    """LeCun uniform, ``VarianceScaling(1, "fan_in", "uniform")``: U[-sqrt(3 / fan_in), sqrt(3 / fan_in)].

    Keras's ``LecunUniform`` and JAX's ``lecun_uniform``. ``LecunUniform`` has no fields.

    Raises:
        ValueError: when lowered, a tensor under 2-D without layer fans.

    Examples:
        >>> import unifiedinit as ui
        >>> ui.lower(ui.LecunUniform(), (128, 48))  # fan_in = 48
        Uniform(low=-0.25, high=0.25)
    """
    fan_based: ClassVar[bool] = True

    def lower(self, info: TensorInfo) -> D.Draw:
        return _variance_scaled(1.0, "fan_in", "uniform", info)


@register
class LecunNormal(Spec):
    """LeCun normal, ``VarianceScaling(1, "fan_in", "truncated_normal")``, truncated as in JAX, Flax and Keras.

    The sample's std is 1 / sqrt(fan_in): the normal is cut at +-2 sigma with sigma = 1 / (0.8796 sqrt(fan_in)).
    The default kernel init of Flax's ``Dense`` and ``Conv``. ``LecunNormal`` has no fields.

    Raises:
        ValueError: when lowered, a tensor under 2-D without layer fans.

    Examples:
        >>> import unifiedinit as ui
        >>> x = ui.sample(ui.LecunNormal(), (512, 256), seed=0)  # fan_in = 256: std 1 / 16
        >>> round(float(x.std()), 3)
        0.062
    """
    fan_based: ClassVar[bool] = True

    def lower(self, info: TensorInfo) -> D.Draw:
        return _variance_scaled(1.0, "fan_in", "truncated_normal", info)


# ---------------------------------------------------------------------------------------- structured

def _need_ndim(name: str, info: TensorInfo, allowed: Sequence[int], words: str) -> None:
    if len(info.shape) not in allowed:
        raise v.RankError(f"{name}: needs a tensor with {words}, got shape {info.shape} "
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
    """gain x a (semi-)orthogonal matrix, Haar-distributed, as torch's ``orthogonal_`` and JAX's ``orthogonal``.

    The matrix is the layout's output axis against all the other axes flattened (the last output axis where there
    are several, as Keras and JAX take the last axis); in a Flax ``DenseGeneral`` / ``LinearGeneral`` kernel
    (``Layout.grouped``) it is all the output axes against all the input axes, the matrix (batch x inputs,
    features) that Flax draws and reshapes. It is drawn as the QR of a Gaussian
    matrix with the signs of diag(R), so it is uniform over the orthogonal matrices (Haar). Its rows are
    orthonormal when there are fewer outputs than inputs, its columns otherwise. Not elementwise: it cannot be a
    component of ``Mixture`` or the base of ``Affine``.

    Args:
        gain: the matrix's multiplier, a finite real number > 0 (default 1.0).

    Raises:
        TypeError: ``gain`` is not a real number.
        ValueError: ``gain`` not finite or <= 0; when lowered, a tensor under 2-D or with a zero dimension.

    Examples:
        >>> import numpy as np
        >>> import unifiedinit as ui
        >>> w = ui.sample(ui.Orthogonal(), (4, 8), seed=0)  # torch layout: 4 outputs, orthonormal rows
        >>> bool(np.allclose(w @ w.T, np.eye(4), atol=1e-6))
        True
    """
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
        rows = info.layout.matrix_rows(len(info.shape))
        return D.Orthogonal(self.gain, rows[0]) if len(rows) == 1 else D.Orthogonal(self.gain, rows[0], len(rows))


@register
class DeltaOrthogonal(Spec):
    """The orthogonal delta kernel (Xiao et al. 2018; JAX's ``delta_orthogonal``) of a convolution.

    A 3-, 4- or 5-D convolution kernel that is zero except at the centre of its spatial axes ((k - 1) // 2 on
    each), where it is ``gain`` x a Haar-random matrix with orthonormal columns (output channels x input channels;
    needs in <= out). With it a deep CNN starts as an orthogonal map of its input's centre pixel.

    Args:
        gain: the matrix's multiplier, a finite real number > 0 (default 1.0).

    Raises:
        TypeError: ``gain`` is not a real number.
        ValueError: ``gain`` not finite or <= 0; when lowered, a tensor that is not 3-, 4- or 5-D, more input than
            output channels, or a zero dimension.

    Examples:
        >>> import numpy as np
        >>> import unifiedinit as ui
        >>> k = ui.sample(ui.DeltaOrthogonal(), (8, 4, 3, 3), seed=0)  # a torch Conv2d(4, 8, 3) weight
        >>> np.argwhere(abs(k).sum(axis=(0, 1)) > 0).tolist()  # only the centre tap is non-zero
        [[1, 1]]
        >>> bool(np.allclose(k[:, :, 1, 1].T @ k[:, :, 1, 1], np.eye(4), atol=1e-6))
        True
    """
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
    input channels) at the centre of its spatial axes (k // 2, as torch's dirac_) and zeros elsewhere.

    Args:
        gain: the Hadamard block's multiplier, a finite real number (default 1.0).

    Raises:
        TypeError: ``gain`` is not a real number.
        ValueError: ``gain`` not finite; when lowered, a tensor that is not 2- to 5-D.

    Examples:
        >>> import unifiedinit as ui
        >>> ui.sample(ui.Hadamard(), (2, 3)).tolist()  # m <= n: the partial identity
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
        >>> ui.sample(ui.Hadamard(), (4, 2)).tolist()  # m > n: H_4 / 2, its first 2 columns
        [[0.5, 0.5], [0.5, -0.5], [0.5, 0.5], [0.5, -0.5]]
    """
    elementwise: ClassVar[bool] = False
    gain: float = 1.0

    def __post_init__(self) -> None:
        _set(self, "gain", v.real(type(self).__name__, "gain", self.gain))

    def lower(self, info: TensorInfo) -> D.Draw:
        _need_ndim("Hadamard", info, (2, 3, 4, 5), "2 dimensions (a dense weight) or 3 to 5 (a convolution kernel)")
        return D.Hadamard(self.gain, _axis("Hadamard", info, "out"), _axis("Hadamard", info, "in"))


@register
class Bilinear(Spec):
    """The bilinear upsampling kernel (MXNet's ``Bilinear``; FCN's deconvolution weights) of a 2-D convolution.

    For a kernel with spatial axes (..., kh, kw) in its layout, entry (y, x) is (1 - |x / f - c|)(1 - |y / f - c|)
    with f = ceil(kw / 2), c = (2f - 1 - f mod 2) / (2f), the same in every channel pair. Determined.
    ``Bilinear`` has no fields.

    Raises:
        ValueError: when lowered, a tensor that is not 4-D, or a layout without two spatial axes.

    Examples:
        >>> import unifiedinit as ui
        >>> k = ui.sample(ui.Bilinear(), (1, 1, 4, 4))  # a 2x upsampling kernel
        >>> k[0, 0, 0].tolist(), k[0, 0, 1].tolist()
        ([0.0625, 0.1875, 0.1875, 0.0625], [0.1875, 0.5625, 0.5625, 0.1875])
    """
    elementwise: ClassVar[bool] = False

    def lower(self, info: TensorInfo) -> D.Draw:
        _need_ndim("Bilinear", info, (4,), "exactly 4 dimensions (a 2-D convolution kernel)")
        _, _, rf = info.layout.resolve(4)
        if len(rf) != 2:
            raise ValueError(f"Bilinear: layout {info.layout.name!r} has no two spatial axes")
        kw = info.shape[rf[1]]
        f = math.ceil(kw / 2.0)
        c = (2 * f - 1 - f % 2) / (2.0 * f)
        import itertools
        values: list[float] = []
        for index in itertools.product(*(range(n) for n in info.shape)):
            y, x = index[rf[0]], index[rf[1]]
            values.append((1 - abs(x / f - c)) * (1 - abs(y / f - c)))
        return D.Array(tuple(values), info.shape)


@register
class Eye(Spec):
    """``gain`` times the identity matrix (torch's ``eye_`` with gain 1, Keras's ``Identity(gain)``).

    2-D tensors only: ``gain`` at [i, i] for i < min(shape), zeros elsewhere. Determined.

    Args:
        gain: the diagonal's value, a finite real number (default 1.0).

    Raises:
        TypeError: ``gain`` is not a real number.
        ValueError: ``gain`` not finite; when lowered, a tensor that is not 2-D.

    Examples:
        >>> import unifiedinit as ui
        >>> ui.sample(ui.Eye(2.0), (2, 3)).tolist()
        [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
    """
    elementwise: ClassVar[bool] = False
    gain: float = 1.0

    def __post_init__(self) -> None:
        _set(self, "gain", v.real(type(self).__name__, "gain", self.gain))

    def lower(self, info: TensorInfo) -> D.Draw:
        _need_ndim("Eye", info, (2,), "exactly 2 dimensions")
        return D.Eye(self.gain)


@register
class Dirac(Spec):
    """Identity convolution (torch's ``dirac_``): the kernel that passes its input through, for 3-, 4- or 5-D kernels.

    Output channel i (within each group) is 1 at input channel i and the centre k // 2 of each spatial axis, zero
    elsewhere (JAX's delta_orthogonal centres at (k - 1) // 2, which differs for even k). Determined.

    Args:
        groups: the convolution's groups, an int >= 1 (default 1) that divides the output channels.

    Raises:
        TypeError: ``groups`` is not an integer.
        ValueError: ``groups`` < 1; when lowered, a tensor that is not 3-, 4- or 5-D, or ``groups`` that does not
            divide its output channels.

    Examples:
        >>> import unifiedinit as ui
        >>> k = ui.sample(ui.Dirac(), (2, 2, 3))  # a torch Conv1d(2, 2, 3) weight
        >>> k[:, :, 1].tolist(), float(abs(k).sum())  # the identity at the centre tap, and nothing else
        ([[1.0, 0.0], [0.0, 1.0]], 2.0)
    """
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
    """torch's ``sparse_``: N(0, std^2) with ceil(sparsity x rows) zeros in every column (2-D tensors only).

    Rows run along the layout's output axis: in each column (one input), a random ceil(sparsity x rows) of the
    entries are zero (Martens 2010).

    Args:
        sparsity: the fraction of each column set to zero, a real number in [0, 1).
        std: the std of the non-zero entries, a finite real number > 0 (default 0.01).

    Raises:
        TypeError: a parameter that is not a real number.
        ValueError: ``sparsity`` outside [0, 1), ``std`` not finite or <= 0; when lowered, a tensor that is not 2-D.

    Examples:
        >>> import unifiedinit as ui
        >>> w = ui.sample(ui.Sparse(0.5, std=0.01), (4, 3), seed=0)
        >>> (w == 0).sum(axis=0).tolist()  # ceil(0.5 x 4) zeros in every column
        [2, 2, 2]
    """
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


def _nested_tuple(value: Any, where: str, owner: str = "FromArray") -> tuple[Any, ...] | float:
    """Nested tuples of floats (a float for a scalar)."""
    items: Sequence[Any] | float = value
    tolist = None if isinstance(items, (list, tuple)) else getattr(items, "tolist", None)  # an ndarray, a tensor
    if tolist is not None:
        items = tolist()
    if isinstance(items, (list, tuple)):
        return tuple(_nested_tuple(x, where, owner) for x in items)
    if type(items) is float and math.isfinite(items):  # what _exact_real gives back unchanged: a table's entries,
        return items                                   # thousands a recipe, need not pay for its checks
    return _exact_real(owner, where, items)


def _exact_real(owner: str, name: str, value: Any) -> float:
    """``_validate.real``, refusing a whole number that float64 cannot hold exactly (2**53 + 1): a value written as
    it is (a constant, an array's entry) would be another number in an int64 parameter, silently."""
    out = v.real(owner, name, value)
    number = v.scalar(value)
    if isinstance(number, numbers.Integral) and not isinstance(number, bool) and int(out) != int(number):
        raise ValueError(f"{owner}: parameter '{name}' must be a number float64 holds exactly, got the whole number "
                         f"{v.shown(number)}, which it holds as {int(out)}; allowed: a whole number it holds "
                         f"exactly (any up to 2**53 in magnitude), or a float")
    return out


def _shape_of(values: tuple[Any, ...] | float, owner: str = "FromArray") -> tuple[int, ...]:
    if isinstance(values, tuple):
        inner = {_shape_of(x, owner) for x in values}
        if len(inner) > 1:
            name = "values" if owner == "FromArray" else "value"
            raise ValueError(f"{owner}: parameter '{name}' must be a rectangular array; rows have shapes "
                             f"{sorted(inner)}")
        return (len(values),) + (inner.pop() if inner else ())
    return ()


def _flatten(values: tuple[Any, ...] | float) -> list[float]:
    if isinstance(values, tuple):
        return [x for item in values for x in _flatten(item)]
    return [values]


@register
class FromArray(Spec):
    """Given values: an array written once, moved to each framework's layout.

    ``layout`` names the layout the values are written in (for example "torch": a torch Linear weight (out, in));
    applied to a tensor of another layout they are moved there (a Keras Dense kernel (in, out) receives the
    transpose; a Flax ``ConvTranspose`` kernel receives a torch ``ConvTranspose`` weight's reversed in space, which
    computes the same function: ``unifiedinit.layout.move``). With layout=None the values must already have the
    tensor's shape, and every tensor receives them as given, portable values included: with ``layout`` named, one
    array gives the same model in every framework; with None, each framework's tensor holds the array itself.
    Determined.

    Args:
        values: a non-empty rectangular array of finite numbers (nested lists or tuples, an ndarray, a tensor),
            stored as nested tuples of floats.
        layout: the name of a registered layout the values are written in (``ui.LAYOUTS``), or None (default):
            the tensor's own.

    Raises:
        TypeError: ``values`` is not a non-empty array of numbers (one number: use ``Constant``), or ``layout`` is
            not a string or None.
        ValueError: values that are not finite, ragged rows, an unknown ``layout``; when lowered, values whose
            shape (moved to the tensor's layout) is not the tensor's.

    Examples:
        >>> import unifiedinit as ui
        >>> spec = ui.FromArray([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], layout="torch")  # a Linear(3, 2) weight
        >>> ui.sample(spec, (3, 2), layout="keras").tolist()  # the Keras Dense(2) kernel on 3 inputs
        [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]
    """
    elementwise: ClassVar[bool] = False
    values: Any
    layout: str | None = None

    def _as_stored(self) -> bool:
        """``storage_order``: with layout=None the values are the tensor's own, as stored, so portable mode writes
        them as given (as native mode does), never read in torch's layout and moved back."""
        return self.layout is None

    storage_order = property(_as_stored)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        values = _nested_tuple(self.values, "values")
        if not isinstance(values, tuple) or 0 in _shape_of(values):  # refuses ragged rows, and [] or [[]]
            raise TypeError(f"FromArray: parameter 'values' must be a non-empty array (nested lists or an "
                            f"ndarray), got {v.shown(self.values)}; use Constant for one value")
        _set(self, "values", values)
        if self.layout is not None:
            if not isinstance(self.layout, str):
                raise TypeError(f"FromArray: parameter 'layout' must be a layout name or None, got {self.layout!r}")
            get_layout(self.layout)
            _set(self, "layout", str(self.layout))  # a numpy.str_ too: its repr would not read back

    @property
    def shape(self) -> tuple[int, ...]:
        return _shape_of(self.values)

    def lower(self, info: TensorInfo) -> D.Draw:
        shape = self.shape
        flat = _flatten(self.values)
        if self.layout is not None and get_layout(self.layout) != info.layout and len(shape) == len(info.shape) \
                and len(shape) >= 2:
            import numpy as np
            arr = move(np.asarray(flat, dtype=np.float64).reshape(shape), self.layout, info.layout)
            shape, flat = arr.shape, arr.ravel().tolist()
        if tuple(shape) != info.shape:
            raise ValueError(f"FromArray: parameter 'values' has shape {tuple(shape)} "
                             f"(in layout {self.layout or info.layout.name!r}) but the tensor has shape {info.shape}")
        return D.Array(tuple(flat), info.shape)


@register
class Sinusoidal(Spec):
    """A Transformer's sinusoidal position table (Vaswani et al. 2017), for a (positions, dim) embedding.

    Row p holds sin(p w_i) and cos(p w_i) at ceil(dim / 2) frequencies w_i falling geometrically from 1. The
    positions are the layout's input axis and dim its output axis: an embedding's rows, stored (num, dim) in every
    framework; a dense weight gets the same layer-wise table in every framework's storage order (a torch Linear
    (out, in) holds its transpose). Two choices, which the models that use these tables make differently:

    - ``frequencies``: ``"span"`` (default), w_i = max_timescale^(-i / (dim/2 - 1)), dim/2 of them from 1 down to
      exactly 1 / max_timescale (tensor2tensor's ``get_timing_signal_1d``, fairseq, Whisper's encoder);
      ``"paper"``, w_i = max_timescale^(-2i / dim), the paper's formula (DistilBERT, Marian, Pegasus, RoFormer).
    - ``interleaved``: False (default), the sines in the first ceil(dim / 2) columns and the cosines after them
      (Whisper, Marian, Pegasus, RoFormer); True, sin(p w_i) at column 2i and cos(p w_i) at 2i + 1 (the paper,
      DistilBERT).

    Computed in float64 and rounded once to the tensor's dtype. Determined.

    Args:
        interleaved: the column order, a bool (default False: sines, then cosines).
        max_timescale: the longest wavelength over 2 pi, a finite number > 1 (default 10000).
        frequencies: "span" (default) or "paper", as above.

    Raises:
        TypeError: ``interleaved`` is not a bool, or ``max_timescale`` not a real number.
        ValueError: ``max_timescale`` not finite or <= 1, ``frequencies`` not "span" or "paper"; when lowered, a
            tensor that is not 2-D or whose layout has no single input and output axis, or ("span") an odd dim or
            one under 4.

    Examples:
        >>> import unifiedinit as ui
        >>> paper = ui.Sinusoidal(interleaved=True, frequencies="paper")  # DistilBERT's table
        >>> table = ui.sample(paper, (3, 4), layout="torch_embedding", dtype="float64")
        >>> table[1].round(4).tolist()  # position 1: sin 1, cos 1, sin 0.01, cos 0.01
        [0.8415, 0.5403, 0.01, 1.0]
    """
    elementwise: ClassVar[bool] = False
    interleaved: bool = False
    max_timescale: float = 10000.0
    frequencies: str = "span"

    def __post_init__(self) -> None:
        if not isinstance(self.interleaved, bool):
            raise TypeError(f"Sinusoidal: parameter 'interleaved' must be a bool, got {self.interleaved!r}")
        scale = v.real("Sinusoidal", "max_timescale", self.max_timescale)
        if scale <= 1:
            raise ValueError(f"Sinusoidal: parameter 'max_timescale' must be > 1, got {scale!r}")
        _set(self, "max_timescale", scale)
        _set(self, "frequencies", v.choice("Sinusoidal", "frequencies", self.frequencies, ("span", "paper")))

    def lower(self, info: TensorInfo) -> D.Draw:
        _need_ndim("Sinusoidal", info, (2,), "exactly 2 dimensions (positions, dim)")
        rows = _axis("Sinusoidal", info, "in")  # an embedding's (num, dim): the positions are its input axis
        dim = info.shape[1 - rows]
        if self.frequencies == "span" and (dim % 2 or dim < 4):
            raise ValueError(f"Sinusoidal: frequencies='span' needs an even dim of at least 4, got shape "
                             f"{info.shape}; frequencies='paper' takes any dim")
        return D.Sinusoidal(self.interleaved, self.max_timescale, self.frequencies == "span", rows)


@register
class S4DReal(Spec):
    """The S4D-Real state matrix of a diagonal state-space model (Gu et al. 2022), as Mamba stores it.

    Entry n along the tensor's last axis is A_n = -(n + 1), the same for every other index (Mamba's
    ``A = arange(1, N + 1)`` expanded over the inner channels); ``log=True`` (default) stores log(n + 1), Mamba's
    and Jamba's ``A_log`` parameter (the model uses A = -exp(A_log)). The axis is the last one as stored, in every
    framework and layout: a state-space model keeps its (channels, state) ``A_log`` in that order in torch and in
    its JAX and Keras ports; so it is not in the comparison report, whose layers move values between layouts.
    Computed in float64 and rounded once to the tensor's dtype, a float dtype. Determined.

    Args:
        log: store log(n + 1) (default True) or A_n = -(n + 1) itself (False), a bool.

    Raises:
        TypeError: ``log`` is not a bool.
        ValueError: when lowered, a tensor with no axis (a scalar).

    Examples:
        >>> import unifiedinit as ui
        >>> ui.sample(ui.S4DReal(log=False), (2, 4)).tolist()  # (inner channels, state size)
        [[-1.0, -2.0, -3.0, -4.0], [-1.0, -2.0, -3.0, -4.0]]
    """
    elementwise: ClassVar[bool] = False
    storage_order: ClassVar[bool] = True
    log: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.log, bool):
            raise TypeError(f"S4DReal: parameter 'log' must be a bool, got {self.log!r}")

    def lower(self, info: TensorInfo) -> D.Draw:
        if not info.shape:
            raise v.RankError(f"S4DReal: needs a tensor with at least 1 dimension (its last is the state), got shape "
                              f"{info.shape}")
        return D.S4DReal(self.log, info.shape[-1])


@register
class MixedRoPE(Spec):
    """The learnable frequencies of RoPE-Mixed (Heo et al. 2024, naver-ai/rope-vit; timm's ``RotaryEmbeddingMixed``),
    a (2, depth, heads, head_dim / 2) tensor: its x and y frequencies, rotated by one random angle per block and head.

    Each group (every index but the first and last axes: a block and a head) draws one angle t ~ U[0, 2 pi). With
    magnitudes m_k = temperature^(-4k / head_dim), k < head_dim / 4, and head_dim / 2 the last axis, entry [0, g]
    is (m cos t, m cos(t + pi/2)) and [1, g] is (m sin t, m sin(t + pi/2)): the halves of the last axis over k,
    as timm's ``init_random_2d_freqs``. The direction (cos t, sin t) is drawn as that of a standard normal pair,
    which has exactly the law of a uniform angle, so no backend needs a sine; each entry's law is an arcsine law
    on [-m_k, m_k]. The axes are those of the tensor as stored, in every framework and layout (the tensor is no
    layer's kernel), so it is not in the comparison report. Computed in the work dtype and rounded once. Random,
    not elementwise: it cannot be a component of ``Mixture`` or the base of ``Affine``.

    Args:
        temperature: the frequencies' base, a finite number > 0 (default 10, the rope-vit ViTs').

    Raises:
        TypeError: ``temperature`` is not a real number.
        ValueError: ``temperature`` not finite or <= 0; when lowered, a tensor with fewer than 2 axes, a first axis
            other than 2, or an odd last axis.

    Examples:
        >>> import numpy as np
        >>> import unifiedinit as ui
        >>> f = ui.sample(ui.MixedRoPE(), (2, 12, 6, 32), seed=0, dtype="float64")  # ViT-S/16: 12 blocks, 6 heads
        >>> m = 10.0 ** (-np.arange(16) / 16)  # head_dim 64: m_k = 10^(-4k / 64)
        >>> bool(np.allclose(np.hypot(f[0, ..., :16], f[1, ..., :16]), m))  # each group's (cos t, sin t) times m
        True
        >>> bool((f[1, ..., 16:] == f[0, ..., :16]).all()), bool((f[0, ..., 16:] == -f[1, ..., :16]).all())
        (True, True)
    """
    elementwise: ClassVar[bool] = False
    storage_order: ClassVar[bool] = True
    temperature: float = 10.0

    def __post_init__(self) -> None:
        _set(self, "temperature", v.positive("MixedRoPE", "temperature", self.temperature))

    def lower(self, info: TensorInfo) -> D.Draw:
        shape = info.shape
        if len(shape) < 2 or shape[0] != 2 or shape[-1] % 2:
            raise v.RankError(f"MixedRoPE: needs a tensor (2, ..., n) with an even n (x and y frequencies, the groups, "
                              f"cosines then sines), got shape {shape}")
        return D.MixedRoPE(self.temperature, shape[-1])


# ------------------------------------------------------------------------------------------- composed

@register
class Mixture(Spec):
    """Each entry independently from component i with probability weights[i].

    The seeds' custom initializer, w ~ U(5, 10) w.p. 1/4, 0 w.p. 1/2, U(-10, -5) w.p. 1/4::

        Mixture([Uniform(5, 10), Zeros(), Uniform(-10, -5)], [0.25, 0.5, 0.25])

    Components are elementwise specs (fan-based ones included: they see the same fans).

    Args:
        components: a non-empty list of elementwise specs (not ``Orthogonal``, ``Eye``, ``Dirac``, ``Sparse``,
            arrays...), stored as a tuple.
        weights: one probability per component, each a finite real number > 0, summing to 1 (within 1e-6);
            stored as a tuple.

    Raises:
        TypeError: ``components`` is not a non-empty list of specs, or a weight is not a real number.
        ValueError: a component that is not elementwise, ``weights`` of another length than ``components``, a weight
            that is not finite or <= 0, or weights that do not sum to 1.

    Examples:
        >>> import unifiedinit as ui
        >>> spec = ui.Mixture([ui.Uniform(5, 10), ui.Zeros(), ui.Uniform(-10, -5)], [0.25, 0.5, 0.25])
        >>> x = ui.sample(spec, (10000,), seed=0)
        >>> bool(((x == 0) | ((abs(x) >= 5) & (abs(x) <= 10))).all()), round(float((x == 0).mean()), 2)
        (True, 0.5)
    """
    components: Sequence[Spec]  # stored as a tuple
    weights: Sequence[float]  # stored as a tuple
    _spec_fields: ClassVar[tuple[str, ...]] = ("components",)

    def __post_init__(self) -> None:
        comps = self.components
        weights: Sequence[float] = self.weights
        array: Any = weights
        if not isinstance(comps, (list, tuple)) or not comps:
            raise TypeError(f"Mixture: parameter 'components' must be a non-empty list of specs, got {comps!r}")
        for i, c in enumerate(comps):
            if not isinstance(c, Spec):
                raise TypeError(f"Mixture: parameter 'components[{i}]' must be a spec, got {c!r}")
            if not c.elementwise:
                raise ValueError(f"Mixture: parameter 'components[{i}]' must be an elementwise spec, got "
                                 f"{type(c).__name__} (orthogonal, eye, dirac, sparse and arrays cannot be mixed)")
        if getattr(array, "ndim", None) == 1 and hasattr(array, "tolist"):  # a 1-d array of probabilities
            weights = array.tolist()
        if not isinstance(weights, (list, tuple)) or len(weights) != len(comps):
            raise ValueError(f"Mixture: parameter 'weights' must be a list of {len(comps)} probabilities, one per "
                             f"component, got {weights!r}")
        ws = tuple(v.positive("Mixture", f"weights[{i}]", w) for i, w in enumerate(weights))
        if abs(math.fsum(ws) - 1.0) > 1e-6:
            raise ValueError(f"Mixture: parameter 'weights' must sum to 1, got {weights!r} (sum {math.fsum(ws)!r})")
        _set(self, "components", tuple(comps))
        _set(self, "weights", ws)

    fan_based = _PARTS_FAN_BASED  # type: ignore[assignment]

    def lower(self, info: TensorInfo) -> D.Draw:
        return D.Mixture(tuple(c.lower(info) for c in self.components), tuple(self.weights))


@register
class Affine(Spec):
    """scale * x + shift with x from ``base`` (an elementwise spec).

    Moves and stretches any elementwise law: a uniform on another interval, a fan-based law around a non-zero
    mean, a law with its sign flipped (a negative ``scale``).

    Args:
        base: an elementwise spec (not ``Orthogonal``, ``Eye``, ``Dirac``, ``Sparse``, arrays...).
        scale: the multiplier, a finite real number other than 0 (default 1.0; use ``Constant`` for a constant).
        shift: the offset, a finite real number (default 0.0).

    Raises:
        TypeError: ``base`` is not a spec, or ``scale`` or ``shift`` is not a real number.
        ValueError: ``base`` is not elementwise, ``scale`` is 0, or a number is not finite.

    Examples:
        >>> import unifiedinit as ui
        >>> spec = ui.Affine(ui.Uniform(), scale=2.0, shift=-1.0)  # U[-1, 1)
        >>> x = ui.sample(spec, (1000,), seed=0)
        >>> bool(x.min() >= -1.0 and x.max() < 1.0)
        True
    """
    base: Spec
    scale: float = 1.0
    shift: float = 0.0
    _spec_fields: ClassVar[tuple[str, ...]] = ("base",)

    def __post_init__(self) -> None:
        _elementwise("Affine", "base", self.base)
        scale = v.real("Affine", "scale", self.scale)
        if scale == 0:
            raise ValueError("Affine: parameter 'scale' must be non-zero (use Constant for a constant), got 0.0")
        _set(self, "scale", scale)
        _set(self, "shift", v.real("Affine", "shift", self.shift))

    fan_based = _PARTS_FAN_BASED  # type: ignore[assignment]

    def lower(self, info: TensorInfo) -> D.Draw:
        return D.Affine(self.base.lower(info), self.scale, self.shift)


@register
class InverseSoftplus(Spec):
    """log(e**y - 1), the inverse of softplus, of y = max(x, floor) with x from ``base`` (an elementwise spec).

    A bias that a model passes through softplus starts so at the value y: Mamba's time-step bias (``dt_proj.bias``,
    Mamba-2's ``dt_bias``) is ``InverseSoftplus(LogUniform(dt_min, dt_max), floor=dt_init_floor)``, so that
    softplus(bias) is a time step Δ, log-uniform on [dt_min, dt_max] and at least the floor. Computed as
    y + log(-expm1(-y)), which neither overflows nor cancels, in the work dtype (float64, with the counter stream's
    own functions, for the reference and portable values), and kept in [isp(lowest y), isp(highest y)] as the
    tensor's dtype holds them. Where the floor is above the base's lowest value, the entries raised to it are one
    number, the lowering's isp(floor), written as a constant is (rounded to nearest).

    Args:
        base: an elementwise spec (not ``Orthogonal``, ``Eye``, ``Dirac``, ``Sparse``, arrays...).
        floor: every x below it is raised to it, a finite real number >= 0 (default 0.0: none). With 0, the base's
            values must all be > 0 (a ``LogUniform``, a uniform above 0); with a floor > 0, any base will do.

    Raises:
        TypeError: ``base`` is not a spec, or ``floor`` is not a real number.
        ValueError: ``base`` is not elementwise, ``floor`` is negative or not finite, or ``floor`` is 0 and the
            base can give a value <= 0 (when it is lowered: a fan-based base's range depends on the tensor).

    Examples:
        >>> import numpy as np
        >>> import unifiedinit as ui
        >>> spec = ui.InverseSoftplus(ui.LogUniform(0.001, 0.1), floor=1e-4)  # Mamba's dt_proj.bias
        >>> b = ui.sample(spec, (1000,), seed=0, dtype="float64")
        >>> dt = np.log1p(np.exp(b))  # softplus: the time steps
        >>> bool(dt.min() >= 0.001 - 1e-12 and dt.max() <= 0.1 + 1e-12)
        True
    """
    base: Spec
    floor: float = 0.0
    _spec_fields: ClassVar[tuple[str, ...]] = ("base",)

    def __post_init__(self) -> None:
        _elementwise("InverseSoftplus", "base", self.base)
        floor = v.real("InverseSoftplus", "floor", self.floor)
        if floor < 0:
            raise ValueError(f"InverseSoftplus: parameter 'floor' must be >= 0, got {floor!r}")
        _set(self, "floor", floor)

    fan_based = _PARTS_FAN_BASED  # type: ignore[assignment]

    def lower(self, info: TensorInfo) -> D.Draw:
        from .reference import inverse_softplus
        base = self.base.lower(info)
        low, high = v.draw_range(base)
        if self.floor == 0 and low <= 0:
            raise ValueError(f"InverseSoftplus: parameter 'floor' must be > 0 when the base can give values <= 0 "
                             f"(softplus is never <= 0): {self.base!r} reaches {low:.6g} here")
        return D.InverseSoftplus(base, self.floor, inverse_softplus(max(low, self.floor)),
                                 inverse_softplus(max(high, self.floor)))


@register
class Log(Spec):
    """log(x), the natural logarithm, of x from ``base``, an elementwise spec whose values are all > 0.

    A parameter that a model passes through exp starts so at log x: the gated delta nets of Qwen3-Next and Qwen3.5
    hold ``A_log``, ``Log(Uniform(0.01, 16))``, so that their decay rate exp(``A_log``) is uniform on [0.01, 16).
    Computed in the work dtype (float64, with the counter stream's own log, for the reference and portable values:
    the same bits on any machine), and kept in [log(lowest x), log(highest x)] as the tensor's dtype holds them.

    Args:
        base: an elementwise spec (not ``Orthogonal``, ``Eye``, ``Dirac``, ``Sparse``, arrays...) whose values are
            all > 0 (a uniform above 0, a ``LogUniform``, a constant > 0).

    Raises:
        TypeError: ``base`` is not a spec.
        ValueError: ``base`` is not elementwise, or (when it is lowered: a fan-based base's range depends on the
            tensor) it can give a value <= 0.

    Examples:
        >>> import numpy as np
        >>> import unifiedinit as ui
        >>> spec = ui.Log(ui.Uniform(0.01, 16.0))  # Qwen3-Next's A_log
        >>> a = np.exp(ui.sample(spec, (1000,), seed=0, dtype="float64"))
        >>> bool(a.min() >= 0.01 - 1e-12 and a.max() <= 16.0 + 1e-12)
        True
    """
    base: Spec
    _spec_fields: ClassVar[tuple[str, ...]] = ("base",)

    def __post_init__(self) -> None:
        _elementwise("Log", "base", self.base)

    fan_based = _PARTS_FAN_BASED  # type: ignore[assignment]

    def lower(self, info: TensorInfo) -> D.Draw:
        from .reference import log
        base = self.base.lower(info)
        low, high = v.draw_range(base)
        if low <= 0:
            raise ValueError(f"Log: parameter 'base' must give values > 0 only (the logarithm of 0 or less is not a "
                             f"number): {self.base!r} reaches {low:.6g} here")
        return D.Log(base, log(low), log(high))


@register
class Rows(Spec):
    """``base`` for the tensor, with one row drawn from ``fill`` instead.

    The row is the entries at ``index`` along the layer's input axis (``along="in"``; ``"out"``: its output axis).
    An embedding's vocabulary is its input axis in every framework, and ``index="padding_idx"`` is the layer's
    padding row (torch's ``padding_idx``, which torch and Hugging Face zero): ``Rows(Normal(0, 0.02))`` is BERT's
    word embedding. Where the layer has no padding row, ``"padding_idx"`` leaves ``base`` as it is.

    Args:
        base: the spec of the tensor (any spec).
        fill: the spec of the row, an elementwise spec (default ``Zeros()``).
        index: the row: "padding_idx" (default: the layer's padding row, if it has one) or an int, negative ones
            counted from the end.
        along: "in" (default: the layout's input axis) or "out" (its output axis).

    Raises:
        TypeError: ``base`` or ``fill`` is not a spec, or ``index`` is neither "padding_idx" nor an integer.
        ValueError: ``fill`` is not elementwise, or ``along`` is neither "in" nor "out"; when lowered, an ``index``
            outside the axis, or a layout without a single such axis.

    Examples:
        >>> import unifiedinit as ui
        >>> spec = ui.Rows(ui.Ones(), index=0)  # row 0 zero (the default fill), the rest from Ones
        >>> ui.sample(spec, (3, 2), layout="torch_embedding").tolist()  # (vocabulary, dim): row 0 is a token
        [[0.0, 0.0], [1.0, 1.0], [1.0, 1.0]]
    """
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
        if not (isinstance(self.index, str) and self.index == "padding_idx"):  # (an array compares elementwise)
            index = v.scalar(self.index)  # a 0-d integer array: the integer it holds
            if isinstance(index, bool) or not isinstance(index, numbers.Integral):
                raise TypeError(f"Rows: parameter 'index' must be \"padding_idx\" or an integer, got "
                                f"{v.shown(self.index)} of type {type(self.index).__name__}")
            _set(self, "index", int(index))
        else:
            _set(self, "index", "padding_idx")  # a numpy.str_ too: its repr would not read back
        _set(self, "along", v.choice("Rows", "along", self.along, ("in", "out")))

    fan_based = _PARTS_FAN_BASED  # type: ignore[assignment]
    storage_order = _PARTS_STORAGE_ORDER  # type: ignore[assignment]

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
    """The tensor cut into ``len(parts)`` equal blocks, block i drawn from ``parts[i]``.

    The blocks run along the layer's output axis (``along="out"``; ``"in"``: its input axis; a vector: its only
    axis): the gates of a recurrent layer stacked as torch, Keras and MXNet stack them, the q, k and v of a fused
    projection. Each part sees its block as the tensor (its own fans), with the layer's fans where the block has
    none (a bias). Keras's LSTM bias is ``Blocks([Zeros(), Ones(), Zeros(), Zeros()])`` (gates i, f, c, o: the
    forget gate's block ones).

    Args:
        parts: a non-empty list of specs, one per block (stored as a tuple); their number must divide the axis.
        along: "out" (default: the layout's output axis) or "in" (its input axis); a vector is cut along its
            only axis either way.

    Raises:
        TypeError: ``parts`` is not a non-empty list of specs.
        ValueError: ``along`` is neither "in" nor "out"; when lowered, a number of parts that does not divide the
            axis.

    Examples:
        >>> import unifiedinit as ui
        >>> lstm_bias = ui.Blocks([ui.Zeros(), ui.Ones(), ui.Zeros(), ui.Zeros()])
        >>> ui.sample(lstm_bias, (8,)).tolist()  # hidden size 2: the forget gate's block is ones
        [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    """
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
        _set(self, "along", v.choice("Blocks", "along", self.along, ("in", "out")))
        _set(self, "parts", tuple(parts))

    fan_based = _PARTS_FAN_BASED  # type: ignore[assignment]
    storage_order = _PARTS_STORAGE_ORDER  # type: ignore[assignment]

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
#: how many arguments each function takes (log's second is its base)
_ARITY = {"sqrt": (1, 1), "log": (1, 2), "exp": (1, 1), "min": (2, 99), "max": (2, 99)}


def _parse(text: str, names: Sequence[str]) -> Any:
    """The checked syntax tree of a ``Scaled`` expression: numbers, the names given, + - * / **, unary -, and
    sqrt/log/exp/min/max calls; anything else is refused here (nothing is ever evaluated by Python's ``eval``)."""
    import ast
    if len(text) > MAX_FACTOR_CHARS:
        raise ValueError(f"Scaled: parameter 'factor' is too long: {v.shown(text)}; allowed: at most "
                         f"{MAX_FACTOR_CHARS} characters")
    if not text.isascii():  # Python's parser reads "ℓ" as l and "ｗ" as w (NFKC): not what the text says
        odd = next(c for c in text if not c.isascii())
        raise ValueError(f"Scaled: parameter 'factor' holds the non-ASCII character {odd!r} in {v.shown(text)}; "
                         f"allowed: ASCII only (numbers, + - * / **, parentheses, ASCII names)")
    too_deep = ValueError(f"Scaled: parameter 'factor' is nested too deeply: {v.shown(text)}; allowed: operators, "
                          f"calls and signs at most {MAX_FACTOR_DEPTH} deep within each other")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as err:
        raise ValueError(f"Scaled: parameter 'factor' is not an expression: {text!r} ({err.msg})") from None
    except (RecursionError, MemoryError):
        raise too_deep from None
    stack: list[tuple[Any, int]] = [(tree.body, 1)]
    while stack:  # the depth, without recursion
        node, depth = stack.pop()
        if depth > MAX_FACTOR_DEPTH:
            raise too_deep
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr))
    allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub,
               ast.UAdd, ast.Load)
    # a function's name may only be called: "sqrt + 1" would otherwise be taken here and fail when evaluated
    callees = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ValueError(f"Scaled: parameter 'factor' may hold numbers only, got {node.value!r} in {text!r}")
            try:
                finite = math.isfinite(float(node.value))  # 1e999 is parsed as inf, 10**400 overflows float()
            except OverflowError:
                finite = False
            if not finite:
                literal = node.value if isinstance(node.value, int) else ast.get_source_segment(text, node)
                raise ValueError(f"Scaled: parameter 'factor' holds a number past float64's range "
                                 f"({v.shown(literal)}) in {v.shown(text)}")
        elif isinstance(node, ast.Name):
            if id(node) in callees:  # checked with its call
                continue
            if node.id in _FUNCTIONS:
                raise ValueError(f"Scaled: parameter 'factor' uses the function {node.id!r} as a value in "
                                 f"{v.shown(text)}; allowed: {', '.join(_FUNCTIONS)} only as calls, such as "
                                 f"{node.id}(...)")
            if node.id not in names:
                given = ', '.join(sorted(set(names) - set(CONTEXT))) or 'nothing'
                raise ValueError(f"Scaled: unknown variable {node.id!r} in {text!r}; the context gives "
                                 f"{', '.join(sorted(CONTEXT))} and the constants give {given}")
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS or node.keywords:
                raise ValueError(f"Scaled: only {', '.join(_FUNCTIONS)} may be called in {text!r}")
            low, high = _ARITY[node.func.id]
            if not low <= len(node.args) <= high:
                takes = "1 argument" if high == 1 else "1 or 2 arguments" if high == 2 else f"{low} or more arguments"
                raise ValueError(f"Scaled: {node.func.id}() takes {takes}, got {len(node.args)} in {text!r}")
        elif not isinstance(node, allowed):
            raise ValueError(f"Scaled: {type(node).__name__} is not allowed in {text!r}")
    return tree.body


def _closure(node: Any) -> _Expr:
    """A checked expression as nested closures over floats (built once, when the spec is built), so evaluating
    it for a parameter is plain arithmetic: no parsing while a plan runs or while torch compiles."""
    import ast
    if isinstance(node, ast.Constant):
        value = float(node.value)  # type: ignore[arg-type]  # checked by _parse: a number
        return lambda env: value
    if isinstance(node, ast.Name):
        name = node.id
        return lambda env: env[name]
    if isinstance(node, ast.UnaryOp):
        operand = _closure(node.operand)
        if isinstance(node.op, ast.USub):
            return lambda env: -operand(env)
        return operand
    if isinstance(node, ast.Call):
        fn: Any = _FUNCTIONS[node.func.id]  # type: ignore[attr-defined]  # checked by _parse: a Name
        args = [_closure(a) for a in node.args]
        return lambda env: float(fn(*(a(env) for a in args)))
    ops: dict[type[ast.operator], Callable[[float, float], float]] = {
        ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
        ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a ** b}
    op, left, right = ops[type(node.op)], _closure(node.left), _closure(node.right)
    return lambda env: op(left(env), right(env))


def _constants(given: Any) -> tuple[tuple[str, float], ...]:
    """``Scaled``'s constants, checked: a mapping (or (name, value) pairs) of ASCII identifiers other than the context
    names and the functions, each once, to finite numbers; returned as pairs sorted by name."""
    allowed = ("allowed: a mapping of names to numbers, {'w': 64.0}, or (name, value) pairs, a name an ASCII "
               f"identifier other than {', '.join(list(CONTEXT) + list(_FUNCTIONS))}")
    constants: dict[Any, Any] | tuple[Any, ...] | list[Any] | float | str | None = given  # checked here
    if v.is_mapping(constants):
        items: list[Any] = list(constants.items())
    elif isinstance(constants, (tuple, list)):
        items = list(constants)
    else:
        raise TypeError(f"Scaled: parameter 'constants' must map names to numbers, got {v.shown(given)} of type "
                        f"{type(given).__name__}; {allowed}")
    pairs: list[tuple[str, float]] = []
    for item in items:
        pair: tuple[Any, ...] | list[Any] | float | str | None = item  # checked here
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(f"Scaled: parameter 'constants' must map names to numbers, got {v.shown(given)} (an "
                            f"entry {v.shown(item)} is no (name, value) pair); {allowed}")
        name, x = pair[0], pair[1]
        if not isinstance(name, str) or not name.isascii() or not name.isidentifier() or name in CONTEXT \
                or name in _FUNCTIONS:
            # not ASCII: Python's parser reads identifiers NFKC-normalised ("ℓ" is l, "ｗ" is w), the names here not
            raise ValueError(f"Scaled: parameter 'constants' has the name {v.shown(name)}; {allowed}")
        try:
            pairs.append((str(name), v.real("Scaled", f"constants[{name!r}]", x)))
        except (TypeError, ValueError) as err:
            raise type(err)(f"Scaled: parameter 'constants' must map names to numbers: {err}") from None
    names = [name for name, _ in pairs]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ValueError(f"Scaled: parameter 'constants' names {twice[0]!r} more than once; allowed: each name once")
    return tuple(sorted(pairs))


#: the longest ``Scaled`` factor, in characters, and its deepest nesting (operators, calls and signs within each
#: other): far past any rule's, and safe for Python's parser and for the evaluation, which both recurse
MAX_FACTOR_CHARS = 1000
MAX_FACTOR_DEPTH = 100


@register
class Scaled(Spec):
    """``base`` with its values multiplied by ``factor``, an expression of the parameter's place in the model.

    ``factor`` is an expression of the parameter's context (``l`` its layer index in its sequence of layers, ``L``
    their number, ``fan_in``, ``fan_out``) and of ``constants``, evaluated for each parameter when the plan is
    applied. ``Scaled(Normal(0, 0.02), "1 / sqrt(2 * (l + 1))")`` is torchtitan's depth rule,
    ``Scaled(Normal(0, 0.02), "1 / sqrt(2 * L)")`` Megatron's output layers,
    ``Scaled(base, "sqrt(base / fan_in)", constants={"base": 256})`` a muP-style width rule. The expression is data
    (JSON, checked when built: numbers, + - * / **, sqrt/log/exp/min/max, the names above); ``l`` and ``L`` come
    from the path (``h.3`` -> l = 3) or a scanned stack's axis, unless the rule says where (``Rule.depth``,
    ``num_layers``, ``first_layer``); a parameter off any sequence of layers is refused, naming it.

    Args:
        base: an elementwise spec.
        factor: the expression, a string: numbers, + - * / ** and parentheses, calls of sqrt, log, exp, min and
            max, the context names ``l``, ``L``, ``fan_in``, ``fan_out`` and the names of ``constants``; ASCII text
            of at most 1,000 characters, its operators, calls and signs nested at most 100 deep.
        constants: names -> finite numbers, a dict or (name, value) pairs (default none); stored as sorted pairs.
            A name is an ASCII identifier other than the context names and the functions.

    Raises:
        TypeError: ``base`` is not an elementwise spec, ``factor`` is not a string, ``constants`` is not a mapping
            or (name, value) pairs, or a constant is not a number.
        ValueError: ``factor`` is not an expression or uses anything else than the above, is longer than 1,000
            characters, nested deeper than 100 levels or not ASCII; a constant that is not finite, or a name that
            is not an ASCII identifier, is reserved or given twice; when lowered, an expression of ``l``/``L`` for
            a parameter in no sequence of layers, or a factor that is not a finite number > 0.

    Examples:
        >>> import unifiedinit as ui
        >>> spec = ui.Scaled(ui.Normal(0, 0.02), "1 / sqrt(2 * L)")
        >>> info = ui.TensorInfo.make((768, 768), depth=(3, 12))  # layer 3 of 12
        >>> spec.value(info)  # 1 / sqrt(24)
        0.20412414523193154
        >>> ui.Scaled(ui.Normal(0, 0.02), "sqrt(w / fan_in)", {"w": 64}).value(ui.TensorInfo.make((256, 256)))
        0.5
    """
    base: Spec
    factor: str
    constants: Any = ()
    _spec_fields: ClassVar[tuple[str, ...]] = ("base",)

    def __post_init__(self) -> None:
        if not isinstance(self.base, Spec) or not self.base.elementwise:
            raise TypeError(f"Scaled: parameter 'base' must be an elementwise spec, got {self.base!r}")
        if not isinstance(self.factor, str):
            raise TypeError(f"Scaled: parameter 'factor' must be an expression string, got {self.factor!r}")
        _set(self, "factor", str(self.factor))  # a numpy.str_ too: its repr would not read back
        pairs = _constants(self.constants)
        _set(self, "constants", pairs)
        import ast
        tree = _parse(self.factor, list(CONTEXT) + [k for k, _ in pairs])
        # not fields: the compiled expression and the context names it reads
        self.__dict__["_evaluate"] = _closure(tree)
        self.__dict__["_uses"] = frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name))

    fan_based = _PARTS_FAN_BASED  # type: ignore[assignment]

    @property
    def uses_depth(self) -> bool:
        return bool(self.__dict__["_uses"] & {"l", "L"}) or self.base.uses_depth

    def value(self, info: TensorInfo) -> float:
        """The factor for one tensor: ``factor`` evaluated with its context (``info.depth``, ``info.fans``)."""
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
        except (ArithmeticError, ValueError, TypeError) as err:  # log(0), 10.0 ** 400, (-1) ** 0.5 into sqrt
            raise ValueError(f"Scaled: {self.factor!r} cannot be evaluated here ({err})") from None
        if not (isinstance(factor, float) and math.isfinite(factor) and factor > 0):
            raise ValueError(f"Scaled: {self.factor!r} must give a finite number > 0, gives {factor!r} here")
        return factor

    def lower(self, info: TensorInfo) -> D.Draw:
        return D.Affine(self.base.lower(info), self.value(info), 0.0)


# ------------------------------------------------------------------------------------------- examples

def examples() -> list[Spec]:
    """One instance of every registered spec, with non-default arguments where that shows more.

    Tests, the comparison report and the notebooks iterate over this list, and a test checks that it covers the
    registry.

    Returns:
        A new list of specs, at least one of each catalog class.

    Examples:
        >>> import unifiedinit as ui
        >>> specs = ui.examples()
        >>> specs[0], all(isinstance(spec, ui.Spec) for spec in specs)
        (Constant(value=0.5), True)
    """
    return [
        Constant(0.5), Zeros(), Ones(), Uniform(-0.3, 0.7), Normal(0.1, 0.5),
        TruncatedNormal(0.0, 1.0, -2.0, 2.0),
        VarianceScaling(2.0, "fan_in", "truncated_normal"), VarianceScaling(1.0, "fan_avg", "uniform"),
        VarianceScaling(1.0, "fan_out", "normal"), VarianceScaling(0.5, "fan_geo_avg", "uniform"),
        XavierUniform(), XavierNormal(gain=2.0), KaimingUniform(a=math.sqrt(5)),
        KaimingNormal(mode="fan_out", nonlinearity="relu"), LecunUniform(), LecunNormal(),
        Orthogonal(gain=1.5), DeltaOrthogonal(gain=1.2), Eye(), Hadamard(), Bilinear(), Dirac(groups=1), Sparse(0.3, 0.02),
        FromArray([[1.0, 2.0], [3.0, 4.0]], layout="torch"), Sinusoidal(),
        Sinusoidal(interleaved=True, frequencies="paper"), S4DReal(), MixedRoPE(temperature=100.0),
        LogUniform(0.001, 0.1), InverseSoftplus(LogUniform(0.001, 0.1), floor=0.002), Log(Uniform(0.01, 16.0)),
        Mixture([Uniform(5, 10), Zeros(), Uniform(-10, -5)], [0.25, 0.5, 0.25]),
        Affine(LecunNormal(), scale=0.5, shift=1.0), Rows(Normal(0.0, 0.02), Constant(3.0), index=1),
        Blocks([Normal(0.0, 1.0), Ones()]), Scaled(Normal(0.0, 0.02), "sqrt(w / fan_in)", {"w": 64.0}),
    ]
