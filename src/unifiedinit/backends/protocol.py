"""What a backend is: the interfaces every framework package implements, and nothing else.

A backend package (``unifiedinit.backends.<name>``) is a module that satisfies ``Backend``: it recognises its
framework's models (``owns``), walks a model into neutral parameter records (``walk``), gives the apply loop a
``Target`` that writes values into the model, supplies its array operations (``Ops``) to the samplers, and offers
its framework's native idiom (``initializer``: ``to_torch()``, a Flax ``kernel_init``, a Keras ``Initializer``, an
MXNet ``Initializer``, an Equinox layer function). Plain data flows between them: ``Param`` records, ``Draw``
primitives, NumPy arrays for portable values.
"""

from __future__ import annotations

from typing import Any, Mapping, Protocol, Sequence

from ..draws import Draw, TruncatedNormal
from ..params import Param, Select
from ..specs import Spec


class Target(Protocol):
    """Writes one plan's values into one model; built by ``Backend.target(model, seed=..., **options)``."""

    #: the model's parameter records with their handles, tied tensors merged
    found: list[tuple[Param, Any]]

    def native(self, p: Param, handle: Any, draw: Draw, stream: int | None) -> None:
        """Draw ``draw`` with the framework's RNG on the 64-bit ``stream`` (None: its global RNG) and write it."""

    def host(self, p: Param, handle: Any, values: Any) -> None:
        """Write ``values`` (a NumPy array in the parameter's layout and dtype: portable values)."""

    def result(self, report: Any) -> Any:
        """What ``plan.apply`` returns: the report, or (new model or tree, report) for immutable models."""

    # Optional, looked up by the apply loop where a target has them:
    #   prepare(report)                      once every check has passed, before any write (torch materializes
    #                                        meta parameters; JAX resolves every sharding, so a bad mesh raises)
    #   blocks(p, handle, draw, values)      portable values of a sharded tensor: ``values(index)`` gives one block
    #                                        (a DTensor's local shard, a JAX device's shard)
    #   whole(p, handle) -> bool             with ``blocks``: this parameter's values are asked for whole
    #                                        (``values(None)``), so the loop may compute them ahead, as it does
    #                                        for every ``host`` write (``unifiedinit.apply.Ahead``)


class Backend(Protocol):
    """A framework package (a module): the registry imports it only when the framework is used."""

    NAME: str
    #: the layout of a Dense/Linear or Conv weight as the framework stores it
    NATIVE_LAYOUT: str
    #: the canonical (torch) layout -> this framework's storage of the same layer, where they differ
    NATIVE_LAYOUTS: Mapping[str, str]

    def owns(self, obj: Any) -> bool:
        """Is ``obj`` a model (or tree) of this framework?"""
        ...

    def walk(self, model: Any, **options: Any) -> list[tuple[Param, Any]]:
        """Every parameter (and named running statistic) as (record, handle), a tied tensor once."""
        ...

    def held(self, model: Any, found: Sequence[tuple[Param, Any]], **options: Any) -> Mapping[str, str | None]:
        """``skip=``'s names of ``model``'s tensors besides its parameters' paths and aliases (``found`` is its
        walk): each to the path of the parameter it names (a Gluon Parameter's own name), or to None for a tensor
        no plan writes (a torch buffer, a Keras variable, a Flax leaf of another collection). Asked only when a
        name of ``skip=`` names no parameter."""
        ...

    def target(self, model: Any, *, seed: int | None = None, **options: Any) -> Target:
        """The writer the apply loop uses for ``model``."""
        ...

    def param_groups(self, model: Any, selects: Sequence[Select], weight_decay: float) -> Any:
        """What the framework's optimizer takes to keep weight decay off the selected parameters."""

    def initializer(self, spec: Spec, **options: Any) -> Any:
        """The framework's native hook for ``spec`` (what ``spec.to_<framework>()`` returns)."""

    def sample(self, spec: Spec, shape: tuple[int, ...], *, layout: Any = ..., seed: int = 0,
               dtype: str = "float32") -> Any:
        """Native samples of ``spec`` for one tensor, as a NumPy array (the report and the agreement tests)."""

    def array(self, values: Any, dtype: str) -> Any:
        """A framework array holding ``values`` (a NumPy array)."""

    def to_numpy(self, x: Any) -> Any:
        """A framework array as NumPy (bfloat16 as float32)."""

    def init_array(self, spec: Spec, x: Any, *, layout: Any = None, seed: int = 0, portable: Any = None) -> Any:
        """The native hook on one array stored in ``layout`` (default the framework's): ``x`` in place, or a new
        array."""


class Ops(Protocol):
    """The array operations ``unifiedinit.samplers`` builds every distribution from. ``dt`` is the framework's own
    dtype; ``out`` (only backends that write in place get one) is an array to draw into."""

    bounded_uniform: bool

    def work_dtype(self, dtype: Any) -> Any: ...
    def uniform(self, shape: tuple[int, ...], low: float, high: float, dt: Any, out: Any = None) -> Any: ...
    def normal(self, shape: tuple[int, ...], mean: float, std: float, dt: Any, out: Any = None) -> Any: ...
    def truncated_normal(self, shape: tuple[int, ...], d: TruncatedNormal, dt: Any, support: tuple[float, float],
                         out: Any = None) -> Any: ...
    def full(self, shape: tuple[int, ...], value: float, dt: Any, out: Any = None) -> Any: ...
    def erfinv(self, x: Any) -> Any: ...
    def log_ndtr(self, x: Any) -> Any: ...  # log Phi(x) for x <= -3 (default: samplers.Ops, from log and arithmetic)
    def arange(self, n: int) -> Any: ...  # 0..n-1 as integers where the arrays are (default: from_numpy)
    def exp(self, x: Any) -> Any: ...
    def expm1(self, x: Any) -> Any: ...
    def log(self, x: Any) -> Any: ...
    def inverse_softplus(self, x: Any) -> Any: ...
    def affine(self, x: Any, scale: float, shift: float) -> Any: ...
    def clip(self, x: Any, low: float, high: float) -> Any: ...
    def where(self, cond: Any, a: Any, b: Any) -> Any: ...
    def argsort0(self, x: Any) -> Any: ...
    def qr(self, m: Any) -> tuple[Any, Any]: ...
    def diagonal(self, m: Any) -> Any: ...
    def sign(self, x: Any) -> Any: ...
    def transpose(self, m: Any) -> Any: ...
    def reshape(self, x: Any, shape: tuple[int, ...]) -> Any: ...
    def moveaxis(self, x: Any, source: int, destination: int) -> Any: ...
    def concat(self, parts: list[Any], axis: int) -> Any: ...
    def stack(self, parts: list[Any]) -> Any: ...
    def permute(self, x: Any, axes: tuple[int, ...]) -> Any: ...
    def flip(self, x: Any, axes: tuple[int, ...]) -> Any: ...
    def broadcast_mul(self, a: Any, b: Any) -> Any: ...
    def fence(self, x: Any) -> Any: ...
    def from_numpy(self, a: Any, dt: Any) -> Any: ...
    # float64 values rounded once to ``final``, in the work dtype ``dt`` (default: samplers.Ops, on the host)
    def from_exact(self, a: Any, dt: Any, final: Any) -> Any: ...
    def cast(self, x: Any, dtype: Any) -> Any: ...
    def assign(self, out: Any, x: Any) -> Any: ...
    def layers(self, out: Any, axes: tuple[int, ...]) -> list[Any]: ...
