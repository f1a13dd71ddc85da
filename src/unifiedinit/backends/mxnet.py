"""MXNet Gluon backend: a registered ``mx.init.Initializer`` that samples with MXNet's own RNG.

``spec.to_mxnet(layout="mxnet")`` works wherever MXNet takes an initializer: ``net.initialize(init,
force_reinit=True)``, one parameter's ``initialize(init=...)``, and ``Parameter(init=...)``. Values come
from ``mx.nd.random`` on the parameter's own context, so ``mx.random.seed`` makes them repeatable.

Which parameters get the spec follows MXNet's own initializers. Handed to ``net.initialize`` as the global
initializer, it sees every parameter that has no initializer of its own, by name: ``*weight`` gets the
spec; ``*bias``, ``*beta``, running/moving means and ``*min`` get 0; ``*gamma``, running/moving variances and
``*max`` get 1; any other name gets the spec (MXNet's own initializers raise there). Gluon's layers give
their biases, BatchNorm and PReLU parameters initializers of their own ('zeros', 'ones', ...), and those
win, as with MXNet's initializers. Handed to one parameter (``param.initialize(init=...)``,
``Parameter(init=...)``), the spec applies to that parameter whatever its name.

A parameter under 2-D (a custom block's vector ``weight``) has no fans: a fan-based spec then takes
Keras's rule for vectors, fan_in = fan_out = n (1 for a scalar), so it never fails there.

Layout: MXNet stores (out, in, *k) for Dense and Conv, (in, out/g, *k) for Conv*Transpose and (num, dim)
for Embedding. The default ``layout="mxnet"`` computes fans from storage position, exactly as MXNet's
Xavier does for every one of them; ``layout="mxnet_conv_transpose"`` gives a Conv*Transpose weight its
layer's fans (fan_in = in_channels x RF) and ``"mxnet_embedding"`` takes the vocabulary as the input.

NumPy 2: MXNet 1.9.1 reads NumPy aliases at import time that NumPy 2 removed (``np.PZERO``, ``np.NaN``,
``np.round_``, the financial functions...). ``import_mxnet()`` supplies exactly those while ``import mxnet``
runs and removes them again afterwards, so NumPy is left as it was; under ``numpy<1.24`` it is a plain
import. MXNet's C API also refuses NumPy scalars, so every number handed to it here is a Python number.
"""

from __future__ import annotations

import math
import re
import sys
import warnings
from types import ModuleType
from typing import Any

from .. import _validate as v
from .. import draws as D
from .. import sampling
from ..layout import LayoutLike, TensorInfo, get_layout, vector_fans
from ..params import looks_like_norm, norm_role, registered_layer, tie
from ..portable import portable_option
from ..sampling import Ops
from ..serialize import from_dict
from ..specs import Spec

__all__ = ["SpecInitializer", "initializer", "sample", "import_mxnet", "NUMPY2_ALIASES"]

NATIVE_LAYOUT = "mxnet"


def _removed_function(name: str) -> Any:
    def removed(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"numpy.{name} was removed from NumPy (see numpy-financial and the NumPy 2 "
                                  f"migration guide); MXNet's mx.np.{name} is not available under NumPy 2")
    removed.__name__ = name
    return removed


def _numpy2_aliases(np: ModuleType) -> dict[str, Any]:
    """The names MXNet 1.9.1 reads from NumPy while it imports, that NumPy 2 (or 1.24+) no longer has."""
    aliases: dict[str, Any] = {
        "PZERO": 0.0, "NZERO": -0.0, "PINF": math.inf, "NINF": -math.inf, "NAN": math.nan, "NaN": math.nan,
        "Inf": math.inf, "Infinity": math.inf, "infty": math.inf,
        "alltrue": np.all, "sometrue": np.any, "product": np.prod, "round_": np.round, "in1d": np.isin,
        "trapz": getattr(np, "trapezoid", None), "msort": lambda a: np.sort(a, axis=0),
    }
    for name in ("mirr", "npv", "pmt", "ppmt", "pv", "rate", "fv", "ipmt", "irr", "nper"):
        aliases[name] = _removed_function(name)
    return aliases


#: filled by import_mxnet: the aliases it supplied while importing MXNet (empty under numpy<1.24)
NUMPY2_ALIASES: dict[str, Any] = {}


def import_mxnet() -> ModuleType:
    """``import mxnet``, with NumPy 2's removed aliases supplied during the import and removed afterwards."""
    if "mxnet" in sys.modules:
        return sys.modules["mxnet"]
    import numpy as np
    with warnings.catch_warnings():  # numpy<1.24 answers the financial names with a deprecation stub
        warnings.simplefilter("ignore")
        supplied = {name: value for name, value in _numpy2_aliases(np).items() if not hasattr(np, name)}
    for name, value in supplied.items():
        setattr(np, name, value)
    try:
        import mxnet
    finally:
        for name in supplied:
            if vars(np).get(name) is supplied[name]:
                delattr(np, name)
    NUMPY2_ALIASES.update(supplied)
    return mxnet


mx = import_mxnet()


# ------------------------------------------------------------------------------------------ primitives

def _num(x: float) -> float:
    """A Python float MXNet's parameter parser accepts: it refuses subnormal numbers ("Out of range value"), so
    those below float32's smallest normal (1.2e-38) become 0, a change far below any dtype's resolution here."""
    x = float(x)
    return 0.0 if abs(x) < 1.1754943508222875e-38 else x


class MXNetOps(Ops):
    """``unifiedinit.sampling.Ops`` with mx.nd on one context, drawing from MXNet's global RNG."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx

    def work_dtype(self, dtype: str) -> str:
        return "float32" if dtype in ("float16", "bfloat16") else dtype

    def uniform(self, shape: tuple[int, ...], low: float, high: float, dt: str) -> Any:
        return mx.nd.random.uniform(_num(low), _num(high), shape=shape, dtype=dt, ctx=self.ctx)

    def normal(self, shape: tuple[int, ...], mean: float, std: float, dt: str) -> Any:
        return mx.nd.random.normal(_num(mean), _num(std), shape=shape, dtype=dt, ctx=self.ctx)

    def full(self, shape: tuple[int, ...], value: float, dt: str) -> Any:
        if value != 0 and abs(value) < 1.1754943508222875e-38:  # subnormal: exactly, through the host
            import numpy as np
            return self.from_numpy(np.full(shape, value), dt)
        return mx.nd.full(shape, float(value), ctx=self.ctx, dtype=dt)

    def erfinv(self, x: Any) -> Any:
        return mx.nd.erfinv(x)

    def where(self, cond: Any, a: Any, b: Any) -> Any:
        return mx.nd.where(cond, a, b)

    def argsort0(self, x: Any) -> Any:
        return mx.nd.argsort(x, axis=0, dtype="int32")

    def qr(self, m: Any) -> tuple[Any, Any]:
        # MXNet has LQ (gelqf) only: m.T = L Q gives m = Q.T L.T, with Q.T orthonormal columns and L.T upper
        q, lower = mx.nd.linalg.gelqf(m.T)
        return q.T, lower.T

    def diagonal(self, m: Any) -> Any:
        return mx.nd.diag(m)

    def sign(self, x: Any) -> Any:
        return mx.nd.sign(x)

    def transpose(self, m: Any) -> Any:
        return m.T

    def reshape(self, x: Any, shape: tuple[int, ...]) -> Any:
        return x.reshape(shape)

    def moveaxis(self, x: Any, source: int, destination: int) -> Any:
        axes = list(range(x.ndim))  # not mx.nd.moveaxis: it reads numpy.core, deprecated in NumPy 2
        axes.insert(destination % x.ndim, axes.pop(source % x.ndim))
        return x.transpose(axes)

    def from_numpy(self, a: Any, dt: str) -> Any:
        import numpy as np
        return mx.nd.from_numpy(np.ascontiguousarray(a, dtype=dt), zero_copy=False).as_in_context(self.ctx)

    def cast(self, x: Any, dtype: str) -> Any:
        return x.astype(dtype, copy=False)

    def clip(self, x: Any, low: float, high: float) -> Any:
        return mx.nd.clip(x, _num(low), _num(high))

    def stack(self, parts: list) -> Any:
        return mx.nd.stack(*parts)


# ----------------------------------------------------------------------------------------- the class

#: MXNet's own name rules for the global initializer (Initializer.__call__, _legacy_init): suffix -> value
_ZERO_SUFFIXES = ("bias", "beta", "running_mean", "moving_mean", "moving_avg", "moving_inv_var", "min")
_ONE_SUFFIXES = ("gamma", "running_var", "moving_var", "max")


def _dtype_name(dtype: Any) -> str:
    import numpy as np
    return np.dtype(dtype).name


@mx.init.register
@mx.init.alias("unifiedinit")
class SpecInitializer(mx.init.Initializer):
    """A unifiedinit spec as an MXNet initializer (registered as "specinitializer" and "unifiedinit").

    ``dumps()`` gives ``["specinitializer", {"spec": {...}, "layout": "mxnet"}]`` and
    ``mx.init.create(dumps)`` rebuilds an equal initializer, spec included.
    """

    def __init__(self, spec: Spec | dict, layout: str = "mxnet", portable: Any = None) -> None:
        if isinstance(spec, dict):
            spec = from_dict(spec)
        if not isinstance(spec, Spec):
            raise TypeError(f"SpecInitializer: parameter 'spec' must be a unifiedinit spec, got {spec!r}")
        if not isinstance(layout, str):
            raise TypeError(f"SpecInitializer: parameter 'layout' must be a layout name (it is part of dumps()), "
                            f"got {layout!r}")
        self.layout = get_layout(layout)
        self.portable = portable_option(portable)
        kwargs = {"spec": spec.to_dict(), "layout": layout}
        if self.portable is not None:
            kwargs["portable"] = self.portable.to_dict()
        super().__init__(**kwargs)
        self.spec = spec

    def lower(self, shape: tuple[int, ...], dtype: str) -> D.Draw:
        """Every check, before anything is written."""
        layer_fans = vector_fans(shape) if len(shape) < 2 and self.spec.fan_based else None
        draw = self.spec.lower(TensorInfo.make(shape, self.layout, layer_fans))
        v.tensor_dtype(dtype, draw.deterministic)
        v.representable(draw, dtype)
        return draw

    def _apply(self, arr: Any) -> None:
        shape = tuple(int(s) for s in arr.shape)
        dtype = _dtype_name(arr.dtype)
        draw = self.lower(shape, dtype)
        if self.portable is not None:  # the portable values; MXNet's RNG is not used
            layer_fans = vector_fans(shape) if len(shape) < 2 and self.spec.fan_based else None
            arr[:] = mx.nd.array(self.portable.values(self.spec, shape, self.layout, dtype, layer_fans),
                                 ctx=arr.context, dtype=dtype)
            return
        arr[:] = sampling.draw(MXNetOps(arr.context), draw, shape, dtype)

    def _init_weight(self, desc: Any, arr: Any) -> None:
        # Gluon calls _init_weight for every parameter without an initializer of its own. When this is the
        # global initializer (net.initialize(init)), MXNet's name rules decide; when it was given to this one
        # parameter (param.initialize(init=...), Parameter(init=...)), the spec applies whatever the name.
        if getattr(desc, "global_init", None) is self:
            name = str(desc)
            if name.endswith(_ZERO_SUFFIXES):
                arr[:] = 0.0
                return
            if name.endswith(_ONE_SUFFIXES):
                arr[:] = 1.0
                return
        self._apply(arr)

    def _init_default(self, desc: Any, arr: Any) -> None:
        """A name MXNet has no rule for (its own initializers raise): the spec."""
        self._apply(arr)

    def __repr__(self) -> str:
        return f"SpecInitializer({self.spec!r}, layout={self.layout.name!r})"


# ------------------------------------------------------------------------------------------- plans

def _kind(block: Any) -> tuple[str, str]:
    """(kind, layout of its weight) of a Gluon block."""
    nn = mx.gluon.nn
    info = registered_layer(type(block))
    if info is not None:
        return info.kind, info.layouts.get("weight", "mxnet")
    for classes, kind, layout in (
            ((nn.Conv1DTranspose, nn.Conv2DTranspose, nn.Conv3DTranspose), "conv_transpose", "mxnet_conv_transpose"),
            (nn.conv_layers._Conv, "conv", "mxnet"), (nn.Dense, "dense", "mxnet"),
            (nn.Embedding, "embedding", "mxnet_embedding"),
            ((nn.BatchNorm, nn.LayerNorm, nn.InstanceNorm, nn.GroupNorm), "norm", "mxnet"),
            (nn.PReLU, "prelu", "mxnet"), (mx.gluon.rnn.rnn_layer._RNNLayer, "recurrent", "mxnet")):
        if isinstance(block, classes):
            return kind, layout
    own = {name: tuple(int(d) for d in param.shape) for name, param in block._reg_params.items()}
    if looks_like_norm(type(block).__name__, own):
        return "norm", "mxnet"
    return "other", "mxnet"


_ROLES = {"weight": "weight", "bias": "bias", "gamma": "scale", "beta": "shift", "running_mean": "running_mean",
          "running_var": "running_var", "alpha": "slope"}
_RECURRENT = re.compile(r"([lr])(\d+)_(i2h|h2h|h2r)_(weight|bias)$")


def _role(kind: str, name: str, info: Any) -> tuple[str, str]:
    """(role, key sub-leaf) of parameter ``name`` in a block of ``kind``."""
    if info is not None and name in info.roles:
        return info.roles[name], ""
    if kind == "recurrent":
        m = _RECURRENT.match(name)
        if m is None:
            return "other", ""
        direction, layer, which, what = m.groups()
        role = {("i2h", "weight"): "weight", ("h2h", "weight"): "recurrent_weight", ("h2r", "weight"): "weight",
                ("i2h", "bias"): "bias", ("h2h", "bias"): "recurrent_bias"}.get((which, what), "other")
        sub = "/".join(filter(None, (f"l{layer}" if layer != "0" else "", "reverse" if direction == "r" else "",
                                     "projection" if which == "h2r" else "")))
        return role, sub
    if kind == "embedding" and name == "weight":
        return "embedding", ""
    if kind == "norm" and name not in _ROLES:
        return norm_role(name), ""
    return _ROLES.get(name, "other"), ""


def _describe(block: Any, path: str, parts: tuple[Any, ...], name: str, param: Any) -> Any:
    """The neutral description of one Gluon parameter, with the shapes MXNet knows now."""
    from ..plan import Param
    kind, layout = _kind(block)
    info = registered_layer(type(block))
    role, sub = _role(kind, name, info)
    shape = tuple(int(d) for d in param.shape)
    known = all(d > 0 for d in shape)
    layer_fans = None
    weight = block._reg_params.get("weight")
    if kind == "recurrent":
        layer_fans = (block._hidden_size, block._hidden_size)
    elif weight is not None and len(weight.shape) >= 2:
        if all(int(d) > 0 for d in weight.shape):
            layer_fans = TensorInfo.make(tuple(int(d) for d in weight.shape), layout).fans
        else:  # the layer's fans are not known yet either: the bias waits for them too
            known = False
    own_layout = (info.layouts.get(name) if info is not None else None) or \
        (layout if role in ("weight", "embedding") else "mxnet")
    return Param(path=f"{path}/{name}" if path else name, kind=kind, role=role, shape=shape,
                 layout=own_layout, layer_fans=layer_fans, layer=type(block).__name__, known=known,
                 dtype=_dtype_name(param.dtype), trainable=param.grad_req != "null", key_parts=parts, key_leaf=sub)


def walk(model: Any) -> list[tuple[Any, Any]]:
    """Every floating-point parameter of a Gluon Block as (unifiedinit.params.Param, (block, path, name,
    Parameter)); a Parameter shared by several blocks once."""
    if not isinstance(model, mx.gluon.Block):
        raise TypeError(f"parameter 'model' must be an MXNet Gluon Block, got {type(model).__name__}")
    found = []

    def visit(block: Any, path: str, parts: tuple[Any, ...]) -> None:
        for name, param in block._reg_params.items():
            if _dtype_name(param.dtype).startswith("float"):
                found.append((_describe(block, path, parts, name, param), (block, path, name, param)))
        for child_name, child in block._children.items():
            child_name = str(child_name)
            part = int(child_name) if child_name.isdigit() else child_name
            visit(child, f"{path}/{child_name}" if path else child_name, parts + (part,))

    visit(model, "", ())
    return tie(found, identity=lambda where: id(where[3]))


class _PlanInitializer(mx.init.Initializer):
    """One parameter's value under a plan: its draw (on its own seeded stream), given values, or (deferred) the
    rule to lower once the shape is known, and then its draw or its portable values (``portable(param)``)."""

    def __init__(self, where: Any, *, draw: Any = None, stream: int | None = None, values: Any = None,
                 rule: Any = None, key: str = "", portable: Any = None) -> None:
        super().__init__()
        self.where, self.draw, self.stream, self.values = where, draw, stream, values
        self.rule, self.key, self.portable = rule, key, portable

    def _init_weight(self, desc: Any, arr: Any) -> None:
        import dataclasses
        dtype = _dtype_name(arr.dtype)
        shape = tuple(int(s) for s in arr.shape)
        values, draw = self.values, self.draw
        if self.rule is not None:  # deferred: MXNet knows the shapes now
            block, path, name, param = self.where
            p = dataclasses.replace(_describe(block, path, (), name, param), key=self.key)
            draw = self.rule.spec.lower(self.rule.info(p))
            v.tensor_dtype(dtype, draw.deterministic)
            v.representable(draw, dtype)
            if self.portable is not None:
                values = self.portable(p)
        if values is not None:
            arr[:] = mx.nd.array(values, ctx=arr.context, dtype=dtype)
            return
        if self.stream is not None:
            mx.random.seed(self.stream % (2 ** 31), ctx="all")
        arr[:] = sampling.draw(MXNetOps(arr.context), draw, shape, dtype)


class _Target:
    """Initializes a Gluon Block's parameters through MXNet (``Parameter.initialize(force_reinit=True)``), so
    initialized parameters keep their contexts and deferred ones are drawn at the first forward pass."""

    def __init__(self, model: Any, *, seed: int | None = None) -> None:
        self.found = walk(model)
        fresh = [p.path for p, (_, _, _, param) in self.found if param._data is None and not param._deferred_init]
        if fresh:
            raise ValueError(f"the Gluon block has parameters that were never initialized ({', '.join(fresh[:3])}"
                             f"{', ...' if len(fresh) > 3 else ''}): call net.initialize() first (MXNet's defaults, "
                             f"deferred shapes allowed), then apply the plan")

    def _init(self, p: Any, where: Any, init: Any) -> None:
        param = where[3]
        ctx = param.list_ctx() if param._data is not None else param._deferred_init[1]
        if p.known or not all(int(d) > 0 for d in param.shape):
            param.initialize(init=init, ctx=ctx, force_reinit=True)
        else:
            # its own shape is known but its layer's fans are not (the bias of a layer whose weight waits for
            # the first forward pass): make it wait too; Gluon finishes a block's parameters in order, weight first
            param._data = param._grad = None
            param._deferred_init = (init, ctx, mx.init.Uniform(), None)

    def native(self, p: Any, where: Any, draw: D.Draw, stream: int | None) -> None:
        self._init(p, where, _PlanInitializer(where, draw=draw, stream=stream))

    def host(self, p: Any, where: Any, values: Any) -> None:
        self._init(p, where, _PlanInitializer(where, values=values))

    def deferred(self, p: Any, where: Any, rule: Any, stream: int | None, portable: Any) -> None:
        self._init(p, where, _PlanInitializer(where, rule=rule, key=p.key, stream=stream, portable=portable))

    def result(self, report: Any) -> Any:
        return report


def target(model: Any, **options: Any) -> _Target:
    return _Target(model, **options)


def apply_plan(plan: Any, model: Any, **options: Any) -> Any:
    """``plan.apply(model, **options)`` (kept for callers of the earlier backend function)."""
    return plan.apply(model, **options)


def initializer(spec: Spec, layout: LayoutLike = "mxnet", portable: Any = None) -> SpecInitializer:
    """``spec.to_mxnet(layout, portable)``."""
    return SpecInitializer(spec, layout=layout, portable=portable)  # type: ignore[arg-type]


def sample(spec: Spec, shape: tuple[int, ...], *, layout: LayoutLike = "mxnet", seed: int = 0,
           dtype: str = "float32") -> Any:
    """Sample natively after ``mx.random.seed(seed)`` and return a NumPy array (for the report and tests)."""
    import numpy as np
    shape = tuple(int(s) for s in shape)
    if 0 in shape:  # MXNet's NDArrays read a 0 as "unknown" and cannot hold an empty tensor: nothing to draw
        SpecInitializer(spec, layout=layout).lower(shape, dtype)  # but the same checks as anywhere else
        return np.zeros(shape, dtype=dtype)
    mx.random.seed(int(seed))
    arr = mx.nd.zeros(shape, dtype=dtype)
    SpecInitializer(spec, layout=layout)._init_weight("weight", arr)
    return np.asarray(arr.asnumpy())


def param_groups(model: Any, selects: Any, weight_decay: float) -> list:
    """``unifiedinit.param_groups`` for MXNet: ``wd_mult = 0`` on the excluded trainable Parameters, which are
    returned (the Trainer's ``wd`` applies to the others)."""
    from ..plan import excluded
    out = []
    for p, (_, _, _, param) in walk(model):
        if param.grad_req != "null" and excluded(p, selects):
            param.wd_mult = 0.0
            out.append(param)
    return out
