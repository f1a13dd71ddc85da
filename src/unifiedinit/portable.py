"""Portable mode: the same seed gives the same weights, bit for bit, in every framework.

``Portable(seed, key)`` handed to a hook (``spec.to_torch(portable=...)``, ``to_flax``, ``to_keras``,
``to_mxnet``) or ``plan.apply(model, seed=..., portable=True)`` replaces the framework's RNG by the exact
reference sampler: counter-based Philox keyed by (seed, key), so a parameter's values depend on nothing but
the spec, the seed and its key, not on the order of initialization, the device or sharding. Values are drawn
in torch's counterpart of the tensor's layout and then moved to the framework's own (a Keras Dense kernel is
the transpose of the torch Linear weight), in float64 and rounded once to the parameter's dtype.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from . import _validate as v


@dataclass(frozen=True)
class Portable:
    """Portable values for one parameter: the same (seed, key) gives the same values in every framework.

    Handed to a hook (``spec.to_torch(portable=...)``, ``to_flax``, ``to_keras``, ``to_mxnet``, ``to_equinox``), it
    replaces the framework's RNG by the reference sampler keyed by (seed, key); ``plan.apply(model, seed=...,
    portable=True)`` makes one for every parameter.

    Args:
        seed: an int in [0, 2**64) (default 0).
        key: the parameter's canonical name, a string (default ""): plans use "<layer index>/<role>/<n>"; by hand,
            any string, the same in every framework.
        stream: "chunks" (default: NumPy's Philox on the host, the fastest on a CPU) or "counter" (each entry a
            function of its position: torch and JAX compute it on the tensor's device, a shard only its own
            entries; ``unifiedinit.counter``). The two give different values.

    Raises:
        TypeError: ``seed`` is not an integer, or ``key`` is not a string.
        ValueError: ``seed`` outside [0, 2**64), or ``stream`` is not "chunks" or "counter".

    Examples:
        >>> import numpy as np
        >>> import unifiedinit as ui
        >>> portable = ui.Portable(seed=0, key="0/weight/0")
        >>> torch_weight = portable.values(ui.Normal(std=0.02), (4, 3), "torch")  # a Linear(3, 4) weight
        >>> keras_kernel = portable.values(ui.Normal(std=0.02), (3, 4), "keras")  # the same layer in Keras
        >>> torch_weight.dtype.name, bool(np.array_equal(torch_weight.T, keras_kernel))
        ('float32', True)
    """

    seed: int = 0
    key: str = ""
    stream: str = "chunks"

    def __post_init__(self) -> None:
        from .counter import STREAMS
        object.__setattr__(self, "seed", v.given_seed("Portable", self.seed))
        v.key_text("Portable", self.key)
        v.choice("Portable", "stream", self.stream, STREAMS)

    def values(self, spec: Any, shape: Sequence[int], layout: Any, dtype: Any = "float32",
               layer_fans: Sequence[int] | None = None, out: Any = None) -> Any:
        """The NumPy array of portable values for a tensor of ``shape`` stored in ``layout``; written into ``out``
        (a C-contiguous NumPy array of that shape and dtype) when given (``unifiedinit.reference.portable``)."""
        from .reference import portable
        return portable(spec, shape, layout=layout, seed=self.seed, key=self.key, dtype=dtype, layer_fans=layer_fans,
                        out=out, stream=self.stream)

    def to_dict(self) -> dict[str, Any]:
        """``{"seed": seed, "key": key}`` (and ``"stream"`` when it is not the default): what a saved initializer's
        config holds (``Portable(**d)`` reads it)."""
        d: dict[str, Any] = {"seed": self.seed, "key": self.key}
        if self.stream != "chunks":
            d["stream"] = self.stream
        return d


def portable_option(value: Any) -> Portable | None:
    """A hook's ``portable=`` argument: None, a Portable, or a dict from a saved config (``Portable.to_dict()``'s
    keys: seed, key, stream; any other is refused by name)."""
    given: Portable | dict[str, Any] | None = value  # a user's value: checked here
    if given is None or isinstance(given, Portable):
        return given
    if isinstance(given, dict):
        from dataclasses import fields
        v.keywords("Portable", "Portable", given, [f.name for f in fields(Portable)], "Portable.to_dict()")
        return Portable(**given)
    raise TypeError(f"parameter 'portable' must be a unifiedinit.Portable(seed, key) or None, got {value!r}")
