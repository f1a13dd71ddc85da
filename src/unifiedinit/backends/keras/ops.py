"""``unifiedinit.samplers`` over Keras 3: ``keras.random`` and ``keras.ops``, so it runs on every Keras backend."""

# keras ships no type annotations for most of its API (keras.ops, keras.random):
# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false

from __future__ import annotations

import hashlib
import numbers
from typing import Any, cast

import keras
from keras import ops

from ...samplers import NumpyLikeOps


def op_seed(seed: int, count: int) -> int:
    """The 31-bit Keras seed of random op ``count`` of a call made with the int ``seed``: the top 31 bits of
    ``blake2b("unifiedinit/keras-op/<seed>/<count>")``, so each (seed, op) pair has its own stream and no two seeds
    share their ops' seeds (Keras's int seeds hold 31 bits on every backend).

    Args:
        seed: any int (negative, or 64-bit and past).
        count: the op's position in the call: 1, 2, ...

    Returns:
        An int in [0, 2**31).

    Examples:
        >>> 0 <= op_seed(1, 1) < 2 ** 31, op_seed(1, 1) == op_seed(1, 1), op_seed(1, 1) == op_seed(2 ** 31, 1)
        (True, True, False)
    """
    digest = hashlib.blake2b(f"unifiedinit/keras-op/{seed}/{count}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 33


class Seeds:
    """A fresh seed for every random op of one call: an int seed gives op k the 31-bit seed ``op_seed(seed, k)``
    (the same values on every call), a SeedGenerator is handed on (it advances).

    Args:
        seed: an int (any; True counts as 1) or a ``keras.random.SeedGenerator``; nothing is checked until a call.

    Raises:
        ValueError: when called, for a float seed (Keras takes an int or a SeedGenerator).
        TypeError: when called, for a seed that is neither a number nor a SeedGenerator (None, a string).

    Examples:
        >>> seeds = Seeds(7)
        >>> seeds() == op_seed(7, 1), seeds() == op_seed(7, 2)
        (True, True)
    """

    def __init__(self, seed: Any) -> None:
        self.seed, self.count = seed, 0

    def __call__(self) -> Any:
        if isinstance(self.seed, keras.random.SeedGenerator):
            return self.seed
        if not isinstance(self.seed, numbers.Integral):
            kind = ValueError if isinstance(self.seed, numbers.Real) else TypeError
            raise kind(f"parameter 'seed' must be an int or a keras.random.SeedGenerator, got {self.seed!r}")
        self.count += 1
        return op_seed(int(self.seed), self.count)


class KerasOps(NumpyLikeOps):
    """Draws with keras.random and keras.ops (every Keras backend), a fresh seed for every random op.

    The ``unifiedinit.samplers.Ops`` of Keras: ``unifiedinit.samplers.draw(KerasOps(seeds), draw, shape, dtype)``
    builds every primitive from these operations (the NumPy-like ones from ``keras.ops``). Arrays are immutable,
    so ``out`` is never used; float16, bfloat16 and float8 values are computed in float32 and cast once.

    Args:
        seeds: the ``Seeds`` of one call: an int seed gives each random op its own seed (the same values on every
            call), a ``keras.random.SeedGenerator`` is handed to each op (new values on every call).

    Raises:
        TypeError: from the first random op, when ``seeds`` is not a ``Seeds`` (not callable) or its seed is
            neither a number nor a ``SeedGenerator`` (None, a string): the constructor checks nothing.
        ValueError: from the first random op, when the seed is a float (Keras takes an int or a SeedGenerator).

    Examples:
        >>> import keras
        >>> import numpy as np
        >>> import unifiedinit as ui
        >>> from unifiedinit.backends.keras import KerasOps
        >>> from unifiedinit.backends.keras.ops import Seeds
        >>> from unifiedinit.samplers import draw
        >>> x = draw(KerasOps(Seeds(3)), ui.lower(ui.Orthogonal(), (3, 3), "keras"), (3, 3), "float32")
        >>> tuple(x.shape), keras.backend.standardize_dtype(x.dtype)
        ((3, 3), 'float32')
        >>> m = keras.ops.convert_to_numpy(x)
        >>> bool(np.allclose(m.T @ m, np.eye(3), atol=1e-5))
        True
        >>> a = KerasOps(Seeds(3)).normal((4,), 0.0, 1.0, "float32")
        >>> bool(keras.ops.all(a == KerasOps(Seeds(3)).normal((4,), 0.0, 1.0, "float32")))  # an int seed
        True
        >>> KerasOps(Seeds(0)).work_dtype("bfloat16")
        'float32'
    """

    xp = ops

    def __init__(self, seeds: Seeds) -> None:
        self.seeds = seeds

    def work_dtype(self, dtype: str) -> str:
        # float16, bfloat16 and the small floats (float8...): drawn in float32 and rounded once
        return "float32" if dtype in ("float16", "bfloat16") or dtype.startswith(("float8_", "float6_", "float4_")) \
            else dtype

    def uniform(self, shape: tuple[int, ...], low: float, high: float, dt: str, out: Any = None) -> Any:
        if dt != "float64" or (low, high) == (0.0, 1.0):
            return keras.random.uniform(shape, low, high, dtype=dt, seed=self.seeds())
        # tensorflow makes a float64 draw's minval and maxval float32 constants first (U(1e6, 1e6 + 1e-3) was
        # 1e6 everywhere, 1e39 refused by TF's own message): U[0, 1) in float64, moved in double precision
        return self.uniform_by_unit(shape, low, high, dt)

    def clip(self, x: Any, low: float, high: float) -> Any:
        # bounds as tensors of x's dtype: Keras's torch backend makes Python numbers float32 tensors, so a float64
        # value was clipped to 0.10000000149 for 0.1, and to inf for a bound past float32's range
        dtype = keras.backend.standardize_dtype(x.dtype)
        return ops.clip(x, ops.convert_to_tensor(low, dtype=dtype), ops.convert_to_tensor(high, dtype=dtype))

    def normal(self, shape: tuple[int, ...], mean: float, std: float, dt: str, out: Any = None) -> Any:
        return keras.random.normal(shape, mean, std, dtype=dt, seed=self.seeds())

    def erfinv(self, x: Any) -> Any:
        return ops.erfinv(x)

    def qr(self, m: Any) -> tuple[Any, Any]:
        if keras.backend.backend() == "torch":  # on one CPU thread, as the torch backend's: else its last bits
            from ..torch.ops import qr_one_thread  # follow torch.set_num_threads
            return qr_one_thread(m)
        q, r = cast(Any, ops.qr(m, mode="reduced"))
        return q, r

    def from_numpy(self, a: Any, dt: str) -> Any:
        return ops.convert_to_tensor(a, dtype=dt)

    def cast(self, x: Any, dtype: str) -> Any:
        if dtype == "float16" and keras.backend.backend() == "torch":
            import torch
            from ..torch.ops import rounded  # torch rounds float64 to float16 twice, through float32
            return rounded(x, torch.float16)
        return ops.cast(x, dtype)
