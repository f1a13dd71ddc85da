"""The Keras 3 backend: a serializable ``keras.initializers.Initializer`` (``spec.to_keras()``) that samples with
``keras.random`` and ``keras.ops`` under every Keras backend, and plans over built Keras models and layers.

One package, the same files as every backend: ``ops`` (the samplers' array operations), ``model`` (walking a
model into parameter records, writing a plan's values) and ``hooks`` (the Initializer class).
"""

# the names of __all__, and (``x as x``) the rest of the backend protocol, which is not public API
from .hooks import SpecInitializer, initializer, sample
from .hooks import array as array, init_array as init_array, to_numpy as to_numpy
from . import initializers as initializers  # noqa: E402  (Keras's initializer classes as specs; registers them)
from .model import held as held, owns, param_groups, target, walk
from .model import einsum_layout as einsum_layout, read as read
from .ops import KerasOps
from .ops import Seeds as Seeds

NAME = "keras"
#: the layout of a Dense/Linear or Conv weight as this framework stores it
NATIVE_LAYOUT = "keras"
#: the canonical layout -> Keras's storage of the same layer
NATIVE_LAYOUTS = {"torch": "keras", "torch_conv_transpose": "keras_conv_transpose",
                  "torch_embedding": "keras_embedding"}

__all__ = ["SpecInitializer", "initializer", "sample", "KerasOps", "walk", "target", "param_groups", "owns"]
