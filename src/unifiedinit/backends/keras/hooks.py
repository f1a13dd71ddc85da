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

from __future__ import annotations

import random
from typing import Any

import keras
from keras import ops

from ... import _validate as v
from ... import draws as D
from ...layout import LAYOUTS, Layout, LayoutLike, TensorInfo, get_layout
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
    return {name: list(value) if isinstance(value, tuple) else value
            for name, value in zip(layout._fields, layout._values())}


def layout_from_config(value: Any) -> Layout:
    """The layout a config names (a registered name) or describes (a dict of ``Layout``'s fields)."""
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(Layout._fields), key=str)
        if unknown:
            raise ValueError(f"parameter 'layout' describes a Layout with an unknown field {unknown[0]!r}; "
                             f"a Layout has {', '.join(Layout._fields)}")
        return Layout(**value)
    return get_layout(value)


@keras.saving.register_keras_serializable(package="unifiedinit")
class SpecInitializer(keras.initializers.Initializer):
    """A unifiedinit spec as a Keras initializer.

    ``layout`` names the axis roles of the tensors it will initialize: "keras" (default: (*k, in, out),
    exactly Keras's ``compute_fans`` for every kernel, ConvTranspose and DepthwiseConv included),
    "keras_conv_transpose" for the fans of a Conv*Transpose layer ((*k, out, in): fan_in = the layer's input
    channels x RF), "keras_depthwise", "keras_embedding", or any ``unifiedinit.Layout`` (saved with the config).
    """

    def __init__(self, spec: Spec | dict, seed: Any = None, layout: LayoutLike = "keras", portable: Any = None) -> None:
        if isinstance(spec, dict):
            spec = from_dict(spec)
        if not isinstance(spec, Spec):
            raise TypeError(f"parameter 'spec' must be a unifiedinit spec, got {spec!r}")
        self.spec = spec
        self.layout = layout_from_config(layout)
        self.portable = portable_option(portable)
        self._init_seed = seed
        if seed is None:  # as Keras: one int per instance, from Python's RNG (keras.utils.set_random_seed sets it)
            seed = random.randint(1, 10 ** 9)
        elif isinstance(seed, dict):
            seed = keras.saving.deserialize_keras_object(seed)
        elif isinstance(seed, bool) or not isinstance(seed, (int, keras.random.SeedGenerator)):
            raise TypeError(f"parameter 'seed' must be an int, a keras.random.SeedGenerator or None, got {seed!r}")
        self.seed = seed

    def tensor_info(self, shape: tuple[int, ...]) -> TensorInfo:
        """What lowering knows of a tensor of ``shape`` (its fans from the layout)."""
        return TensorInfo.make(shape, self.layout)

    def seeds(self) -> Seeds:
        """The seed of each random op of one call."""
        return Seeds(self.seed)

    def lower(self, shape: tuple[int, ...], dtype: str) -> D.Draw:
        """Every check, before anything is drawn."""
        draw = self.spec.lower(self.tensor_info(shape))
        v.tensor_dtype(dtype, draw.deterministic)
        v.representable(draw, dtype)
        return draw

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        dtype = keras.backend.standardize_dtype(dtype or keras.backend.floatx())
        shape = tuple(int(s) for s in shape)
        draw = self.lower(shape, dtype)
        if self.portable is not None:  # the portable values; Keras's seed is not used
            values = self.portable.values(self.spec, shape, self.layout, dtype)
            return ops.convert_to_tensor(values.astype("float32") if dtype == "bfloat16" else values, dtype=dtype)
        return sampled(KerasOps(self.seeds()), draw, shape, dtype)

    def get_config(self) -> dict:
        config = {"spec": self.spec.to_dict(), "seed": keras.saving.serialize_keras_object(self._init_seed),
                  "layout": layout_config(self.layout)}
        if self.portable is not None:
            config["portable"] = self.portable.to_dict()
        return config

    @classmethod
    def from_config(cls, config: dict) -> "SpecInitializer":
        return cls(**config)

    def __repr__(self) -> str:
        return f"SpecInitializer({self.spec!r}, seed={self._init_seed!r}, layout={self.layout.name!r})"


def initializer(spec: Spec, seed: Any = None, layout: LayoutLike = "keras", portable: Any = None) -> SpecInitializer:
    """``spec.to_keras(seed, layout, portable)``: ``layout`` a layout name or a ``unifiedinit.Layout`` (either is
    saved in the model's config)."""
    return SpecInitializer(spec, seed=seed, layout=layout, portable=portable)


def sample(spec: Spec, shape: tuple[int, ...], *, layout: LayoutLike = "keras", seed: int = 0,
           dtype: str = "float32") -> Any:
    """Sample natively with keras.random (int seed) and return a NumPy array (for the report and tests)."""
    import numpy as np
    x = SpecInitializer(spec, seed=seed, layout=layout)(shape, dtype)
    return np.asarray(ops.convert_to_numpy(ops.cast(x, "float32") if dtype == "bfloat16" else x))


# ------------------------------------------------------------------------- one array, for the conformance suite

def array(values: Any, dtype: str) -> Any:
    return ops.convert_to_tensor(values, dtype=dtype)


def to_numpy(x: Any) -> Any:
    import numpy as np
    return np.asarray(ops.convert_to_numpy(ops.cast(x, "float32") if keras.backend.standardize_dtype(x.dtype) ==
                                           "bfloat16" else x))


def init_array(spec: Spec, x: Any, *, layout: LayoutLike | None = None, seed: int = 0, portable: Any = None) -> Any:
    """The native hook on one array's shape and dtype, stored in ``layout`` (default Keras's): a new array."""
    init = SpecInitializer(spec, seed=seed, layout=layout or "keras", portable=portable)
    return init(tuple(x.shape), keras.backend.standardize_dtype(x.dtype))
