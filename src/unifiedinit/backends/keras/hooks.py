"""Keras 3's native idiom: a serializable ``keras.initializers.Initializer`` (``spec.to_keras()``).

Seeds behave as Keras's own initializers: an int seed (or none, which picks one int per instance) gives the
same values on every call; a ``keras.random.SeedGenerator`` advances. The class is registered as
``unifiedinit>SpecInitializer``; its config carries the whole spec as a plain dict, so ``model.save`` /
``keras.models.load_model`` and ``keras.initializers.get(config)`` work once this module is imported
(``import unifiedinit`` imports it by itself when Keras is already loaded). A layout travels in the config by its
name when it is registered under that name, and as its fields otherwise (a user's ``unifiedinit.Layout``, an
EinsumDense equation's), so it comes back from ``from_config`` and from a saved model.

``unifiedinit.backends.keras.initializers`` builds Keras's own initializer classes on this one.
"""

# keras ships no type annotations for most of its API (keras.ops, keras.saving, keras.backend, keras.random):
# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false

from __future__ import annotations

import math
import numbers
import random
from typing import Any, cast

import keras
from keras import ops

from ... import _validate as v
from ... import draws as D
from ...layout import LAYOUTS, Layout, LayoutLike, TensorInfo, check_shape, get_layout, vector_fans
from ...portable import portable_option
from ...samplers import draw as sampled
from ...serialize import from_dict
from ...specs import Spec
from .ops import KerasOps, Seeds


def layout_config(layout: Layout) -> Any:
    """A layout as a config holds it: its name when it is the layout registered under that name, else its fields
    as plain JSON values (``layout_from_config`` reads either)."""
    if LAYOUTS.get(layout.name) == layout:
        return layout.name
    return {name: list(cast("tuple[Any, ...]", value)) if isinstance(value, tuple) else value
            for name, value in zip(layout._fields, layout._values())}


def layout_from_config(value: Any) -> Layout:
    """The layout a config names (a registered name) or describes (a dict of ``Layout``'s fields)."""
    if isinstance(value, dict):
        fields = cast("dict[str, Any]", value)
        unknown = sorted(set(fields) - set(Layout._fields), key=str)
        if unknown:
            raise ValueError(f"parameter 'layout' describes a Layout with an unknown field {unknown[0]!r}; "
                             f"a Layout has {', '.join(Layout._fields)}")
        return Layout(**fields)
    return get_layout(value)


@keras.saving.register_keras_serializable(package="unifiedinit")
class SpecInitializer(keras.initializers.Initializer):
    """A unifiedinit spec as a Keras initializer: what ``spec.to_keras(seed, layout=..., portable=...)`` returns.

    It draws with ``keras.random`` and ``keras.ops``, so it runs under every Keras backend (TensorFlow, JAX,
    torch), and it is serializable: its config holds the spec as a plain dict, the seed and the layout, so
    ``model.save`` / ``keras.models.load_model`` and ``keras.initializers.get(config)`` give it back (it is
    registered as ``unifiedinit>SpecInitializer``).

    ``layout`` names the axis roles of the tensors it will initialize: "keras" (default: (*k, in, out),
    exactly Keras's ``compute_fans`` for every kernel, ConvTranspose and DepthwiseConv included),
    "keras_conv_transpose" for the fans of a Conv*Transpose layer ((*k, out, in): fan_in = the layer's input
    channels x RF), "keras_depthwise", "keras_embedding", or any ``unifiedinit.Layout`` (saved with the config).
    A tensor under 2 dimensions (a Dense layer's bias) has fans in a Keras layout as ``compute_fans`` gives them:
    fan_in = fan_out = n for a vector of n entries, 1 for a scalar; in any other layout a fan-based spec refuses it.

    Calling it, ``init(shape, dtype=None)``, returns a new tensor of ``shape`` in ``dtype`` (default Keras's
    ``floatx()``); every check (the spec against the shape's fans, the dtype against the values) is made before
    anything is drawn.

    Args:
        spec: a unifiedinit spec (``ui.Normal(0.0, 0.02)``, ``ui.KaimingUniform()``, ...), or the plain dict of
            ``spec.to_dict()`` (as a saved config holds it).
        seed: as Keras's own initializers: an integer in [0, 2**64) (a NumPy integer too; the same values on
            every call), None (one int per instance, from Python's ``random``, which ``keras.utils.set_random_seed``
            seeds), a ``keras.random.SeedGenerator`` (it advances: new values on every call), or a SeedGenerator's
            serialized dict (from a saved config).
        layout: a registered layout name (``ui.LAYOUTS``: "keras", "keras_conv_transpose", "keras_depthwise",
            "keras_embedding", ...), a ``ui.Layout``, or a Layout's fields as a dict (from a saved config).
        portable: None (draw with Keras's RNG), or a ``ui.Portable(seed, key)`` (or its dict): write the portable
            values instead, the same numbers in every framework; ``seed`` is not used then.

    Raises:
        TypeError: ``spec`` is neither a spec nor a dict; ``seed`` is not an integer, a SeedGenerator, a dict or
            None (a bool, a float are refused); ``portable`` is not a Portable, a dict or None. When called: random
            values for an integer or bool dtype.
        ValueError: an integer ``seed`` outside [0, 2**64); a spec dict that names no registered spec; an unknown
            layout name, or a layout dict with a field a Layout does not have. When called: a shape the spec cannot
            fill (a fan-based spec on a tensor with a zero-size axis, or, in a layout other than Keras's, on one
            with fewer axes than the layout needs), or values the dtype cannot hold.

    Examples:
        >>> import keras
        >>> import unifiedinit as ui
        >>> from unifiedinit.backends.keras import SpecInitializer
        >>> init = ui.Constant(0.5).to_keras()
        >>> x = init((2, 3))
        >>> tuple(x.shape), keras.backend.standardize_dtype(x.dtype)
        ((2, 3), 'float32')
        >>> keras.ops.convert_to_numpy(x).tolist()
        [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]
        >>> init = SpecInitializer(ui.KaimingUniform(), seed=1)
        >>> init.get_config()["spec"]
        {'type': 'KaimingUniform', 'a': 0.0, 'mode': 'fan_in', 'nonlinearity': 'leaky_relu'}
        >>> again = keras.initializers.get(keras.saving.serialize_keras_object(init))
        >>> again
        SpecInitializer(KaimingUniform(a=0.0, mode='fan_in', nonlinearity='leaky_relu'), seed=1, layout='keras')
        >>> bool(keras.ops.all(init((64, 32)) == again((64, 32))))  # an int seed: the same values every call
        True
        >>> ui.XavierUniform().to_keras().tensor_info((5,)).fans  # a bias: Keras's compute_fans, (n, n)
        (5, 5)
    """

    def __init__(self, spec: Spec | dict[str, Any], seed: Any = None, layout: LayoutLike = "keras", portable: Any = None) -> None:
        if isinstance(spec, dict):
            spec = from_dict(spec)
        if not isinstance(spec, Spec):
            raise TypeError(f"parameter 'spec' must be a unifiedinit spec, got {spec!r}")
        self.spec = spec
        self.layout = layout_from_config(layout)
        self.portable = portable_option(portable)
        if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):  # a NumPy integer too, kept as an int
            seed = int(seed)
            if not 0 <= seed < 2 ** 64:  # unifiedinit's seeds (Keras's own refuses 2**64, or wraps it under torch)
                raise ValueError(f"parameter 'seed' must be an integer in [0, 2**64), a keras.random.SeedGenerator or "
                                 f"None, got {v.shown(seed)}")
        self._init_seed = seed
        if seed is None:  # as Keras: one int per instance, from Python's RNG (keras.utils.set_random_seed sets it)
            seed = random.randint(1, 10 ** 9)
        elif isinstance(seed, dict):
            seed = keras.saving.deserialize_keras_object(seed)
        elif isinstance(seed, bool) or not isinstance(seed, (int, keras.random.SeedGenerator)):
            raise TypeError(f"parameter 'seed' must be an integer in [0, 2**64), a keras.random.SeedGenerator or None, "
                            f"got {v.shown(seed)} of type {type(seed).__name__}")
        #: the int or ``keras.random.SeedGenerator`` each call draws with
        self.seed: Any = seed

    def tensor_info(self, shape: tuple[int, ...]) -> TensorInfo:
        """What lowering knows of a tensor of ``shape`` (its fans from the layout; see ``layer_fans``)."""
        return TensorInfo.make(shape, self.layout, self.layer_fans(shape))

    def layer_fans(self, shape: tuple[int, ...]) -> tuple[int, int] | None:
        """The fans of a tensor under 2 dimensions, which no layout defines, for a fan-based spec: in a Keras
        layout Keras's ``compute_fans`` rule (n for a vector of n entries, 1 for a scalar); None (the layout's own
        fans) for any other tensor. A fan-based spec is refused a zero-size vector (its fans are 0, as for any
        zero-size tensor), and a tensor under the layout's ``min_ndim`` in a layout not Keras's: this call takes
        no ``layer_fans``."""
        ndim = len(shape)
        if not self.spec.fan_based or ndim >= self.layout.min_ndim:
            return None
        if ndim < 2 and self.layout.framework == "keras":
            if math.prod(shape) == 0:
                raise ValueError(f"a fan-based initializer cannot scale a tensor of shape {shape}: its fans are "
                                 f"(fan_in=0, fan_out=0); every dimension must be > 0")
            return vector_fans(shape)
        try:  # the catalog's refusal (the same words in every backend), and what this call offers instead
            self.layout.resolve(ndim)
        except ValueError as err:
            raise ValueError(f"{err}; this initializer takes no layer_fans, but a Keras layout, such as 'keras', "
                             "gives a tensor under 2 dimensions Keras's compute_fans: fan_in = fan_out = its number "
                             "of entries") from None
        return None

    def seeds(self) -> Seeds:
        """The seed of each random op of one call."""
        return Seeds(self.seed)

    def lower(self, shape: tuple[int, ...], dtype: str) -> D.Draw:
        """Every check, before anything is drawn."""
        draw = self.spec.lower(self.tensor_info(shape))
        v.tensor_dtype(dtype, draw.deterministic, "dtype")  # the refusal names __call__'s 'dtype'
        v.representable(draw, dtype, "dtype")
        return draw

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        """A new tensor of ``shape`` (a sequence of ints) in ``dtype`` (a Keras dtype; default ``floatx()``)."""
        dtype = keras.backend.standardize_dtype(dtype or keras.backend.floatx())
        shape = check_shape(shape)  # names "shape" for what is no shape (None, a str), as tuple() did not
        draw = self.lower(shape, dtype)
        if self.portable is not None:  # the portable values; Keras's seed is not used
            values = self.portable.values(self.spec, shape, self.layout, dtype, self.layer_fans(shape))
            return ops.convert_to_tensor(values.astype("float32") if dtype == "bfloat16" else values, dtype=dtype)
        return sampled(KerasOps(self.seeds()), draw, shape, dtype)

    def get_config(self) -> dict[str, Any]:
        """``spec`` (the spec's plain dict), ``seed`` (as given: an int, None or a SeedGenerator's config),
        ``layout`` (its name, or its fields where it is not a registered layout) and ``portable`` when set."""
        config: dict[str, Any] = {"spec": self.spec.to_dict(), "seed": keras.saving.serialize_keras_object(self._init_seed),
                  "layout": layout_config(self.layout)}
        if self.portable is not None:
            config["portable"] = self.portable.to_dict()
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> SpecInitializer:
        """The initializer of a ``get_config()`` dict (a key it does not write is refused by name)."""
        v.keywords("SpecInitializer.from_config", "SpecInitializer", config, ("spec", "seed", "layout", "portable"),
                   "get_config()")
        return cls(**config)

    def __repr__(self) -> str:
        return f"SpecInitializer({self.spec!r}, seed={self._init_seed!r}, layout={self.layout.name!r})"


def initializer(spec: Spec, seed: Any = None, layout: LayoutLike = "keras", portable: Any = None) -> SpecInitializer:
    """``spec.to_keras(seed, layout, portable)``: ``spec`` as a serializable Keras initializer.

    ``layout`` is a layout name or a ``unifiedinit.Layout``; either is saved in the model's config.

    Args:
        spec: a unifiedinit spec (or its ``to_dict()`` dict).
        seed: an integer in [0, 2**64) (a NumPy integer too; the same values on every call), None (one int per
            initializer, from Python's ``random``) or a ``keras.random.SeedGenerator`` (new values on every call).
        layout: a registered layout name ("keras", "keras_conv_transpose", "keras_depthwise",
            "keras_embedding", ...) or a ``ui.Layout``: which axes of a tensor are its fans.
        portable: None, or a ``ui.Portable(seed, key)``: the portable values, the same in every framework.

    Returns:
        A ``SpecInitializer`` (a ``keras.initializers.Initializer``).

    Raises:
        TypeError: ``spec`` is not a spec, ``seed`` not an integer, a SeedGenerator or None, ``portable`` not a
            Portable or None.
        ValueError: an integer ``seed`` outside [0, 2**64); an unknown layout name.

    Examples:
        >>> import keras
        >>> import unifiedinit as ui
        >>> from unifiedinit.backends.keras import initializer
        >>> init = initializer(ui.Normal(0.0, 0.02), seed=0, layout="keras_embedding")
        >>> init
        SpecInitializer(Normal(mean=0.0, std=0.02), seed=0, layout='keras_embedding')
        >>> layer = keras.layers.Embedding(100, 8, embeddings_initializer=init)
        >>> layer.build((None, 4))
        >>> tuple(layer.embeddings.shape)
        (100, 8)
    """
    return SpecInitializer(spec, seed=seed, layout=layout, portable=portable)


def sample(spec: Spec, shape: tuple[int, ...], *, layout: LayoutLike = "keras", seed: int = 0,
           dtype: str = "float32") -> Any:
    """Sample natively with keras.random (int seed) and return a NumPy array (for the report and tests).

    Args:
        spec: a unifiedinit spec.
        shape: the tensor's shape, in ``layout``'s axis order.
        layout: a layout name or a ``ui.Layout`` (default "keras": (*k, in, out)).
        seed: an integer in [0, 2**64) (a NumPy integer too), as ``ui.sample`` takes it: the same seed, the same
            values (in one Keras backend; backends' RNGs differ).
        dtype: a float dtype name ("float32", "float16", "bfloat16", "float64"), or an integer or bool one for a
            deterministic spec.

    Returns:
        A NumPy array of ``shape``, in ``dtype`` (bfloat16 values as float32).

    Raises:
        TypeError: ``spec`` is not a spec, or random values for an integer or bool dtype; ``seed`` is not an
            integer (a bool, a float).
        ValueError: ``seed`` outside [0, 2**64); an unknown layout or ``dtype`` name, a shape the spec cannot fill,
            or values ``dtype`` cannot hold (``dtype`` not a string is a TypeError).

    Examples:
        >>> import unifiedinit as ui
        >>> from unifiedinit.backends.keras import sample
        >>> sample(ui.Eye(2.0), (2, 3)).tolist()
        [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
        >>> x = sample(ui.Normal(0.0, 0.02), (4, 3), seed=1)
        >>> x.shape, x.dtype.name
        ((4, 3), 'float32')
        >>> sample(ui.Ones(), (2,), dtype="bfloat16").dtype.name
        'float32'
    """
    seed = v.given_seed("sample", seed)
    dtype = v.dtype_name("sample", "dtype", dtype)
    import numpy as np
    x = SpecInitializer(spec, seed=seed, layout=layout)(shape, dtype)
    return np.asarray(ops.convert_to_numpy(ops.cast(x, "float32") if dtype == "bfloat16" else x))


# ------------------------------------------------------------------------- one array, for the conformance suite

def array(values: Any, dtype: str) -> Any:
    """A Keras tensor holding ``values`` (a NumPy array) in ``dtype``."""
    return ops.convert_to_tensor(values, dtype=dtype)


def to_numpy(x: Any) -> Any:
    """A Keras tensor as a NumPy array (bfloat16 as float32)."""
    import numpy as np
    return np.asarray(ops.convert_to_numpy(ops.cast(x, "float32") if keras.backend.standardize_dtype(x.dtype) ==
                                           "bfloat16" else x))


def init_array(spec: Spec, x: Any, *, layout: LayoutLike | None = None, seed: int = 0, portable: Any = None) -> Any:
    """The native hook on one array's shape and dtype, stored in ``layout`` (default Keras's): a new array."""
    init = SpecInitializer(spec, seed=seed, layout=layout or "keras", portable=portable)
    return init(tuple(x.shape), keras.backend.standardize_dtype(x.dtype))
