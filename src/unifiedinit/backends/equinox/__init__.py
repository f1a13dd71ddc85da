"""The Equinox backend: ``spec.to_equinox()`` (a function that returns a layer or array with new values), and plans
over Equinox modules, which are immutable: ``plan.apply(module, seed=0)`` returns ``(new_module, report)``.

One package, the same files as every backend: ``ops`` (the samplers' array operations: JAX's), ``model`` (walking
a module into parameter records, writing a plan's values with ``eqx.tree_at``) and ``hooks``.
"""

from .hooks import EquinoxInitializer, initializer, sample
from .hooks import array as array, init_array as init_array, to_numpy as to_numpy  # the conformance suite's
from .model import held as held, owns, param_groups, target, walk
from .model import read as read
from .ops import EquinoxOps

NAME = "equinox"
#: the layout of a Dense/Linear or Conv weight as this framework stores it
NATIVE_LAYOUT = "torch"
#: the canonical layout -> Equinox's storage of the same layer
NATIVE_LAYOUTS = {"torch_conv_transpose": "equinox_conv_transpose"}

__all__ = ["EquinoxInitializer", "initializer", "sample", "EquinoxOps", "walk", "target", "param_groups", "owns"]
