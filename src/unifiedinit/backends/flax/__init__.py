"""The JAX/Flax backend: initializers with JAX's signature for linen and NNX (``spec.to_flax()``), ``reinit`` with
layer context, and plans over NNX modules, linen modules and linen variable trees.

One package, the same files as every backend: ``ops`` (the samplers' array operations on ``jax.random``),
``model`` (walking a model into parameter records, writing a plan's values) and ``hooks`` (the initializers).
"""

from .hooks import FanError as FanError, JaxAxes as JaxAxes, jax_axes as jax_axes, jax_fans as jax_fans
from .hooks import array as array, init_array as init_array, to_numpy as to_numpy  # the conformance suite's
from .hooks import FlaxInitializer, initializer, reinit, sample
from .model import _key_path as _key_path, read as read
from .model import held as held, owns, param_groups, target, walk
from .ops import JaxOps, draw_array as draw_array
from . import initializers as initializers  # jax.nn.initializers' drop-ins

NAME = "flax"
#: the layout of a Dense/Linear or Conv weight as this framework stores it
NATIVE_LAYOUT = "flax"
#: the canonical layout -> Flax's storage of the same layer
NATIVE_LAYOUTS = {"torch": "flax", "torch_conv_transpose": "flax_conv_transpose", "torch_embedding": "flax_embedding"}

__all__ = ["FlaxInitializer", "initializer", "sample", "reinit", "JaxOps", "walk", "target", "param_groups", "owns"]
