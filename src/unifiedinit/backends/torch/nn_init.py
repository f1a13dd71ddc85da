"""Drop-in equivalents of ``torch.nn.init``, with torch's signatures, defaults and exception types, built from
specs: ``from unifiedinit.backends.torch import kaiming_uniform_``."""

from __future__ import annotations

import warnings
from typing import Any, Callable

import torch

from ...gain import calculate_gain as _calculate_gain
from ...specs import (Constant, Dirac, Eye, KaimingNormal, KaimingUniform, Normal, Ones, Orthogonal, Sparse,
                      TruncatedNormal, Uniform, XavierNormal, XavierUniform, Zeros)
from .hooks import init_

__all__ = ["uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_", "dirac_",
           "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "sparse_",
           "calculate_gain"]


def _torch_error(fn: Callable[[], Any]) -> Any:
    """torch reports a bad range or std as RuntimeError; the drop-ins keep that type, with our message."""
    try:
        return fn()
    except ValueError as err:
        raise RuntimeError(str(err)) from None


def _no_op_if_empty(tensor: torch.Tensor) -> bool:
    if isinstance(tensor, torch.Tensor) and tensor.numel() == 0:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return True
    return False


def _fans_or_error(tensor: torch.Tensor) -> None:
    if isinstance(tensor, torch.Tensor) and tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")


def uniform_(tensor: torch.Tensor, a: float = 0.0, b: float = 1.0,
             generator: torch.Generator | None = None) -> torch.Tensor:
    spec = Constant(a) if a == b else _torch_error(lambda: Uniform(a, b))
    return init_(tensor, spec, generator=generator)


def normal_(tensor: torch.Tensor, mean: float = 0.0, std: float = 1.0,
            generator: torch.Generator | None = None) -> torch.Tensor:
    spec = Constant(mean) if std == 0 else _torch_error(lambda: Normal(mean, std))
    return init_(tensor, spec, generator=generator)


def trunc_normal_(tensor: torch.Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator: torch.Generator | None = None) -> torch.Tensor:
    return init_(tensor, _torch_error(lambda: TruncatedNormal(mean, std, a, b)), generator=generator)


def constant_(tensor: torch.Tensor, val: float) -> torch.Tensor:
    return init_(tensor, Constant(val))


def ones_(tensor: torch.Tensor) -> torch.Tensor:
    return init_(tensor, Ones())


def zeros_(tensor: torch.Tensor) -> torch.Tensor:
    return init_(tensor, Zeros())


def eye_(tensor: torch.Tensor) -> torch.Tensor:
    if isinstance(tensor, torch.Tensor) and tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return init_(tensor, Eye())


def dirac_(tensor: torch.Tensor, groups: int = 1) -> torch.Tensor:
    if isinstance(tensor, torch.Tensor) and tensor.dim() not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    return init_(tensor, Dirac(groups))


def xavier_uniform_(tensor: torch.Tensor, gain: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
    _fans_or_error(tensor)
    if _no_op_if_empty(tensor):
        return tensor
    return init_(tensor, XavierUniform(gain), generator=generator)


def xavier_normal_(tensor: torch.Tensor, gain: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
    _fans_or_error(tensor)
    if _no_op_if_empty(tensor):
        return tensor
    return init_(tensor, XavierNormal(gain), generator=generator)


def _kaiming(cls: type, tensor: torch.Tensor, a: float, mode: str, nonlinearity: str,
             generator: torch.Generator | None) -> torch.Tensor:
    if _no_op_if_empty(tensor):
        return tensor
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of ['fan_in', 'fan_out']")
    _fans_or_error(tensor)
    return init_(tensor, cls(a, mode, nonlinearity), generator=generator)


def kaiming_uniform_(tensor: torch.Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator: torch.Generator | None = None) -> torch.Tensor:
    return _kaiming(KaimingUniform, tensor, a, mode, nonlinearity, generator)


def kaiming_normal_(tensor: torch.Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator: torch.Generator | None = None) -> torch.Tensor:
    return _kaiming(KaimingNormal, tensor, a, mode, nonlinearity, generator)


def orthogonal_(tensor: torch.Tensor, gain: float = 1, generator: torch.Generator | None = None) -> torch.Tensor:
    if isinstance(tensor, torch.Tensor) and tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if isinstance(tensor, torch.Tensor) and tensor.numel() == 0:
        return tensor  # torch: "no-op"
    return init_(tensor, Orthogonal(gain), generator=generator)


def sparse_(tensor: torch.Tensor, sparsity: float, std: float = 0.01,
            generator: torch.Generator | None = None) -> torch.Tensor:
    if isinstance(tensor, torch.Tensor) and tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return init_(tensor, Sparse(sparsity, std), generator=generator)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """torch.nn.init.calculate_gain (the same table, from unifiedinit.gain); bad input raises ValueError."""
    try:
        return _calculate_gain(nonlinearity, param)
    except TypeError as err:
        raise ValueError(str(err)) from None
