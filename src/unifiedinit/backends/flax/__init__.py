"""The JAX/Flax backend: initializers with JAX's signature for linen and NNX (``spec.to_flax()``), ``reinit`` with
layer context, and plans over NNX modules, linen modules and linen variable trees.

One package, the same files as every backend: ``ops`` (the samplers' array operations on ``jax.random``),
``model`` (walking a model into parameter records, writing a plan's values) and ``hooks`` (the initializers).
"""

from .hooks import (FanError, FlaxInitializer, JaxAxes, array, init_array, initializer, jax_axes, jax_fans,  # noqa: F401
                    reinit, sample, to_numpy)
from .model import _key_path, owns, param_groups, read, target, walk  # noqa: F401
from .ops import JaxOps, draw_array  # noqa: F401
from . import initializers  # noqa: F401,E402 (jax.nn.initializers' drop-ins)

NAME = "flax"
#: the layout of a Dense/Linear or Conv weight as this framework stores it
NATIVE_LAYOUT = "flax"
#: the canonical layout -> Flax's storage of the same layer
NATIVE_LAYOUTS = {"torch": "flax", "torch_conv_transpose": "flax_conv_transpose", "torch_embedding": "flax_embedding"}

__all__ = ["FlaxInitializer", "initializer", "sample", "reinit", "JaxOps", "walk", "target", "param_groups", "owns"]
