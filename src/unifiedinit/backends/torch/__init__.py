"""The PyTorch backend: in-place initialization with torch's own RNG, ``module.apply`` functions, plans over
``nn.Module``s and state_dicts, and drop-in equivalents of ``torch.nn.init``.

One package, the same files as every backend: ``ops`` (the samplers' array operations, in place), ``model``
(walking a model into parameter records, writing a plan's values), ``hooks`` (``spec.to_torch()``, ``init_``),
``nn_init`` (the ``torch.nn.init`` drop-ins) and ``meta`` (``empty_init()``: build on meta, draw once).
"""

from . import nn_init
from .hooks import init_, initializer, sample
from .meta import empty_init
from .nn_init import *  # noqa: F401,F403
# the apply loop's and the conformance suite's names (the backend protocol's and the other modules'), not in __all__
from .hooks import (TorchInitializer as TorchInitializer, array as array, init_array as init_array,  # noqa: F401
                    lower as lower, to_numpy as to_numpy, write_numpy as write_numpy)
from .model import (layer_layout as layer_layout, local_block as local_block, owns as owns,  # noqa: F401
                    param_groups as param_groups, positions as positions, read as read, target as target,
                    held as held, walk as walk)
from .ops import CHUNK as CHUNK, TorchOps as TorchOps  # noqa: F401

NAME = "torch"
#: the layout of a Dense/Linear or Conv weight as this framework stores it
NATIVE_LAYOUT = "torch"
#: torch's storage is the canonical layouts' own
NATIVE_LAYOUTS: dict[str, str] = {}

#: the public hooks and the ``torch.nn.init`` drop-ins (the plan interface is the backend protocol's)
__all__ = ["init_", "initializer", "sample", "empty_init"]
__all__ += nn_init.__all__
