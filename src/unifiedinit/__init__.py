"""unifiedinit: describe a weight initialization once, run it natively in PyTorch, JAX/Flax, Keras 3 and
MXNet Gluon, and check that every framework draws from the same distribution.

Importing this package imports no framework and not even NumPy: the reference sampler (``sample``) and
the statistics (``unifiedinit.verify.stats``) load NumPy and SciPy when first used, and each framework is imported
by its backend when that backend is first used.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # for type checkers and IDEs: the names loaded lazily below (no runtime import)
    from typing import Any

    from . import presets
    from .apply import inspect
    from .checkpoint import init_missing
    from .convert import from_jax, from_keras, from_mxnet, from_torch_fn
    from .data_init import lsuv
    from .fitting import fit
    from .params import Param, Select, register_layer
    from .plan import NO_DECAY, Plan, Report, Rule, param_groups
    from .portable import Portable
    from .reference import sample

    __version__: str

from .gain import calculate_gain
from .layout import LAYOUTS, Layout, TensorInfo, fans, get_layout, register_layout
from .serialize import from_dict, from_expression, from_json, to_dict
from .specs import (Affine, Bilinear, Blocks, Constant, DeltaOrthogonal, Dirac, Eye, FromArray, GlorotUniform,
                    Hadamard, InverseSoftplus, KaimingNormal, KaimingUniform, LecunNormal, LecunUniform, Log,
                    LogUniform, MixedRoPE, Mixture, Normal, Ones, Orthogonal, Rows, S4DReal, Scaled, Sinusoidal, Sparse,
                    Spec, TruncatedNormal, Uniform, VarianceScaling, XavierNormal, XavierUniform, Zeros, examples,
                    lower, register)


__all__ = [
    "Affine", "Bilinear", "Blocks", "Constant", "DeltaOrthogonal", "Dirac", "Eye", "FromArray", "GlorotUniform",
    "Hadamard", "InverseSoftplus", "KaimingNormal", "KaimingUniform", "LAYOUTS", "Layout", "LecunNormal",
    "LecunUniform", "Log", "LogUniform", "MixedRoPE", "Mixture", "NO_DECAY", "Normal", "Ones", "Orthogonal", "Rows",
    "S4DReal", "Scaled",
    "Param", "Plan", "Portable", "Report", "Rule", "Select", "Sinusoidal", "Sparse", "Spec", "TensorInfo",
    "TruncatedNormal", "Uniform",
    "VarianceScaling", "XavierNormal", "XavierUniform", "Zeros", "calculate_gain", "examples", "fans", "from_dict",
    "from_expression", "from_jax", "from_json", "from_keras", "from_mxnet", "from_torch_fn",
    "fit", "get_layout", "init_missing", "inspect", "lower", "lsuv", "param_groups", "presets", "register", "register_layer",
    "register_layout", "sample",
    "to_dict",
]


def _register_with_frameworks() -> None:
    """Keras finds saved initializers, and ``mx.init.create`` dumped ones, by registered name. A framework that is
    already imported gets ours now (importing nothing new); one imported later gets them as soon as its own import
    ends (``backends.AfterImport``), so a saved model loads after ``import unifiedinit`` in either order."""
    import importlib
    import sys

    from .backends import REGISTRY, AfterImport
    later: dict[str, str] = {}  # the framework's last module -> our backend of it
    for framework in REGISTRY.values():
        if not framework.registers:
            continue
        backend = f"{__name__}.backends.{framework.name}"
        if all(m in sys.modules for m in framework.modules):
            try:
                importlib.import_module(backend)
            except Exception:  # an installed but broken framework must not break unifiedinit
                pass
        else:
            later[framework.modules[-1]] = backend
    if later and not any(isinstance(f, AfterImport) for f in sys.meta_path):
        sys.meta_path.insert(0, AfterImport(later))


_register_with_frameworks()


_LAZY = {"Plan": "plan", "Rule": "plan", "Select": "params", "Param": "params", "Report": "plan", "NO_DECAY": "plan",
         "param_groups": "plan", "Portable": "portable", "inspect": "apply", "register_layer": "params",
         "from_keras": "convert", "from_jax": "convert", "from_torch_fn": "convert", "from_mxnet": "convert",
         "init_missing": "checkpoint", "fit": "fitting", "lsuv": "data_init"}


def __getattr__(name: str) -> Any:
    import importlib
    if name == "__version__":  # one source, pyproject.toml, read from the installed metadata when asked
        from importlib.metadata import PackageNotFoundError, version
        try:
            return version("unifiedinit")
        except PackageNotFoundError:  # pragma: no cover - a source tree that was never installed
            return "0+unknown"
    if name == "sample":  # keeps NumPy out of `import unifiedinit`
        from .reference import sample
        return sample
    if name == "presets":  # loaded when first used, as plans and portable mode: a fast `import unifiedinit`
        return importlib.import_module(".presets", __name__)
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'unifiedinit' has no attribute {name!r}")
