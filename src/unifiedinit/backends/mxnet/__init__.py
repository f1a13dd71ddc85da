"""The MXNet Gluon backend: a registered ``mx.init.Initializer`` (``spec.to_mxnet()``) drawing from MXNet's RNG,
and plans over Gluon Blocks (deferred shapes included).

One package, the same files as every backend: ``ops`` (the samplers' array operations on ``mx.nd``), ``model``
(walking a Block into parameter records, writing a plan's values) and ``hooks`` (the Initializer class), plus
``numpy2``, which imports MXNet 1.9.1 under NumPy 2.
"""

from .numpy2 import NUMPY2_ALIASES, import_mxnet, mx  # noqa: F401  (first: MXNet is imported here)
from .hooks import SpecInitializer, initializer, sample  # noqa: F401,E402
# the conformance suite's and the apply loop's names (the backend protocol's), not listed in __all__
from .hooks import array as array, init_array as init_array, to_numpy as to_numpy  # noqa: F401,E402
from .model import held as held, owns, param_groups, read as read, target, walk  # noqa: F401,E402
from .ops import MXNetOps  # noqa: F401,E402

NAME = "mxnet"
#: the layout of a Dense/Linear or Conv weight as this framework stores it
NATIVE_LAYOUT = "mxnet"
#: MXNet's storage is torch's, under its own names
NATIVE_LAYOUTS = {"torch": "mxnet", "torch_conv_transpose": "mxnet_conv_transpose", "torch_embedding": "mxnet_embedding"}

__all__ = ["SpecInitializer", "initializer", "sample", "import_mxnet", "NUMPY2_ALIASES", "mx", "MXNetOps", "walk",
           "target", "param_groups", "owns"]
