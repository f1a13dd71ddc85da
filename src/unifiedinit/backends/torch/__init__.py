"""The PyTorch backend: in-place initialization with torch's own RNG, ``module.apply`` functions, plans over
``nn.Module``s and state_dicts, and drop-in equivalents of ``torch.nn.init``.

One package, the same files as every backend: ``ops`` (the samplers' array operations, in place), ``model``
(walking a model into parameter records, writing a plan's values), ``hooks`` (``spec.to_torch()``, ``init_``),
``nn_init`` (the ``torch.nn.init`` drop-ins) and ``meta`` (``empty_init()``: build on meta, draw once).
"""

from .hooks import (TorchInitializer, array, init_, init_array, initializer, lower, sample, to_numpy,  # noqa: F401
                    write_numpy)
from .meta import empty_init  # noqa: F401
from .model import layer_layout, local_block, owns, param_groups, read, target, walk  # noqa: F401
from .nn_init import *  # noqa: F401,F403
from .nn_init import __all__ as _nn_init_all
from .ops import CHUNK, TorchOps  # noqa: F401

NAME = "torch"
#: the layout of a Dense/Linear or Conv weight as this framework stores it
NATIVE_LAYOUT = "torch"
#: torch's storage is the canonical layouts' own
NATIVE_LAYOUTS: dict[str, str] = {}

#: the public hooks and the ``torch.nn.init`` drop-ins (the plan interface is the backend protocol's)
__all__ = ["init_", "initializer", "sample", "empty_init", *_nn_init_all]
