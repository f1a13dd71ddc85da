"""The Keras 3 backend: a serializable ``keras.initializers.Initializer`` (``spec.to_keras()``) that samples with
``keras.random`` and ``keras.ops`` under every Keras backend, and plans over built Keras models and layers.

One package, the same files as every backend: ``ops`` (the samplers' array operations), ``model`` (walking a
model into parameter records, writing a plan's values) and ``hooks`` (the Initializer class).
"""

from .hooks import SpecInitializer, array, init_array, initializer, sample, to_numpy  # noqa: F401
from . import initializers  # noqa: F401,E402  (Keras's initializer classes as specs; registers them with Keras)
from .model import einsum_layout, owns, param_groups, read, target, walk  # noqa: F401
from .ops import KerasOps, Seeds  # noqa: F401

NAME = "keras"
#: the layout of a Dense/Linear or Conv weight as this framework stores it
NATIVE_LAYOUT = "keras"
#: the canonical layout -> Keras's storage of the same layer
NATIVE_LAYOUTS = {"torch": "keras", "torch_conv_transpose": "keras_conv_transpose",
                  "torch_embedding": "keras_embedding"}

__all__ = ["SpecInitializer", "initializer", "sample", "KerasOps", "walk", "target", "param_groups", "owns"]
