"""unifiedinit: describe a weight initialization once, run it natively in PyTorch, JAX/Flax, Keras 3 and
MXNet Gluon, and check that every framework draws from the same distribution.

Importing this package imports no framework and not even NumPy: the reference sampler (``sample``) and
the statistics (``unifiedinit.verify.stats``) load NumPy and SciPy when first used, and each framework is imported
by its backend when that backend is first used.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only: no runtime import of typing
    from typing import Any

from .gain import calculate_gain
from .layout import LAYOUTS, Layout, TensorInfo, fans, get_layout, register_layout
from .serialize import from_dict, from_expression, from_json, to_dict
from .specs import (Affine, Bilinear, Blocks, Constant, DeltaOrthogonal, Dirac, Eye, FromArray, GlorotUniform, Hadamard, KaimingNormal, KaimingUniform,
                    LecunNormal, LecunUniform, Mixture, Normal, Ones, Orthogonal, Rows, Scaled, Sparse, Spec, TruncatedNormal,
                    Uniform, VarianceScaling, XavierNormal, XavierUniform, Zeros, examples, lower, register)

__version__ = "0.1.0"

__all__ = [
    "Affine", "Bilinear", "Blocks", "Constant", "DeltaOrthogonal", "Dirac", "Eye", "FromArray", "GlorotUniform", "Hadamard", "KaimingNormal", "KaimingUniform",
    "LAYOUTS", "Layout", "LecunNormal", "LecunUniform", "Mixture", "NO_DECAY", "Normal", "Ones", "Orthogonal", "Rows", "Scaled",
    "Param", "Plan", "Portable", "Report", "Rule", "Select", "Sparse", "Spec", "TensorInfo", "TruncatedNormal", "Uniform",
    "VarianceScaling", "XavierNormal", "XavierUniform", "Zeros", "calculate_gain", "examples", "fans", "from_dict",
    "from_expression", "from_jax", "from_json", "from_keras", "from_mxnet", "from_torch_fn",
    "fit", "get_layout", "init_missing", "inspect", "lower", "lsuv", "param_groups", "presets", "register", "register_layer",
    "register_layout", "sample",
    "to_dict",
]


def _register_with_loaded_frameworks() -> None:
    """Keras finds saved initializers, and ``mx.init.create`` dumped ones, by registered name: when Keras or
    MXNet is already imported, register ours now (importing nothing new), so a model saved with unifiedinit
    initializers loads after ``import unifiedinit``."""
    import importlib
    import sys

    from .backends import REGISTRY
    for framework in REGISTRY.values():
        if framework.registers and all(m in sys.modules for m in framework.modules):
            try:
                importlib.import_module(f".backends.{framework.name}", __name__)
            except Exception:  # an installed but broken framework must not break unifiedinit
                pass


_register_with_loaded_frameworks()


_LAZY = {"Plan": "plan", "Rule": "plan", "Select": "params", "Param": "params", "Report": "plan", "NO_DECAY": "plan",
         "param_groups": "plan", "Portable": "portable", "inspect": "apply", "register_layer": "params",
         "from_keras": "convert", "from_jax": "convert", "from_torch_fn": "convert", "from_mxnet": "convert",
         "init_missing": "checkpoint", "fit": "fitting", "lsuv": "data_init"}


def __getattr__(name: str) -> Any:
    import importlib
    if name == "sample":  # keeps NumPy out of `import unifiedinit`
        from .reference import sample
        return sample
    if name == "presets":  # loaded when first used, as plans and portable mode: a fast `import unifiedinit`
        return importlib.import_module(".presets", __name__)
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'unifiedinit' has no attribute {name!r}")
