"""JAX/Flax backend: initializers with JAX's signature ``(key, shape, dtype=jnp.float32) -> Array``.

They work as ``kernel_init``, ``bias_init``, ``embedding_init`` and ``scale_init`` in ``flax.linen`` and
``flax.nnx``. Lowering runs in Python when the initializer is called (shapes are static under ``jit``), so
the traced computation holds only ``jax.random`` sampling with the key it was given: pure, traceable under
``jit``/``vmap``/``nnx.jit``, no host callbacks, no NumPy, and it shards like any JAX computation when
called inside ``jax.jit(..., out_shardings=...)``.

A Flax initializer sees only its tensor's shape, so a bias cannot know its layer's fans there;
``reinit`` re-initializes a linen parameter tree or an NNX module with that layer context.
"""

from __future__ import annotations

import zlib
from typing import Any, Mapping, Sequence

import jax
import jax.numpy as jnp

from .. import _validate as v
from .. import draws as D
from .. import sampling
from ..layout import Layout, LayoutLike, TensorInfo, get_layout
from ..portable import portable_option
from ..sampling import NumpyLikeOps
from ..specs import Spec

__all__ = ["FlaxInitializer", "initializer", "sample", "reinit"]

NATIVE_LAYOUT = "flax"


def _dtype_name(dtype: Any) -> str:
    return jnp.dtype(dtype).name


# ------------------------------------------------------------------------------------------ primitives

class JaxOps(NumpyLikeOps):
    """``unifiedinit.sampling.Ops`` with jax.random: one key, split for every random op, so a call is a pure
    function of its key (traceable under jit/vmap)."""

    xp = jnp

    def __init__(self, key: jax.Array) -> None:
        self.key = key

    def _next(self) -> jax.Array:
        self.key, sub = jax.random.split(self.key)
        return sub

    def work_dtype(self, dtype: Any) -> Any:
        dt = jnp.dtype(dtype)
        return jnp.dtype(jnp.float32) if dt.itemsize < 4 else dt

    def uniform(self, shape: tuple[int, ...], low: float, high: float, dt: Any) -> jax.Array:
        return jax.random.uniform(self._next(), shape, dt, low, high)

    def normal(self, shape: tuple[int, ...], mean: float, std: float, dt: Any) -> jax.Array:
        x = jax.random.normal(self._next(), shape, dt)
        x = x if std == 1.0 else x * std  # no full-size pass that changes nothing (eager mode pays for each)
        return x if mean == 0.0 else x + mean

    def truncated_normal(self, shape: tuple[int, ...], d: D.TruncatedNormal, dt: Any) -> jax.Array:
        a, b = (d.low - d.mean) / d.std, (d.high - d.mean) / d.std
        return d.mean + d.std * jax.random.truncated_normal(self._next(), a, b, shape, dt)

    def qr(self, m: jax.Array) -> tuple[jax.Array, jax.Array]:
        return jnp.linalg.qr(m)

    def from_numpy(self, a: Any, dt: Any) -> jax.Array:
        return jnp.asarray(a, dtype=dt)

    def cast(self, x: jax.Array, dtype: Any) -> jax.Array:
        return x.astype(dtype)


def draw_array(key: jax.Array, d: D.Draw, shape: tuple[int, ...], dtype: Any) -> jax.Array:
    """Sample one primitive with ``jax.random``."""
    return sampling.draw(JaxOps(key), d, shape, dtype)


# ---------------------------------------------------------------------------------------- the hook

def _layout(layout: LayoutLike | None, in_axis: Any, out_axis: Any, batch_axis: Any) -> Layout:
    if layout is not None:
        return get_layout(layout)
    if (in_axis, out_axis, batch_axis) == (-2, -1, ()):
        return get_layout("flax")
    as_tuple = lambda a: tuple(a) if isinstance(a, (tuple, list)) else (a,)  # noqa: E731
    return Layout(f"flax(in_axis={in_axis}, out_axis={out_axis}, batch_axis={batch_axis})",
                  as_tuple(out_axis), as_tuple(in_axis), as_tuple(batch_axis))


class FlaxInitializer:
    """What ``spec.to_flax()`` returns: ``init(key, shape, dtype=jnp.float32) -> jax.Array``.

    Fans follow Flax's layout (in at -2, out at -1, the rest receptive field) unless ``in_axis``,
    ``out_axis`` and ``batch_axis`` say otherwise (as in ``jax.nn.initializers.variance_scaling``) or a
    ``layout`` is named. ``layer_fans`` fixes the fans (for a bias that should scale with its layer).
    """

    def __init__(self, spec: Spec, *, in_axis: int | Sequence[int] = -2, out_axis: int | Sequence[int] = -1,
                 batch_axis: int | Sequence[int] = (), layout: LayoutLike | None = None,
                 layer_fans: tuple[int, int] | None = None, portable: Any = None) -> None:
        if not isinstance(spec, Spec):
            raise TypeError(f"parameter 'spec' must be a unifiedinit spec, got {spec!r}")
        self.spec = spec
        self.layout = _layout(layout, in_axis, out_axis, batch_axis)
        self.layer_fans = layer_fans
        self.portable = portable_option(portable)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.spec!r}, layout={self.layout.name!r})"

    def lower(self, shape: Sequence[int], dtype: Any = jnp.float32) -> D.Draw:
        """The draw for a tensor of ``shape``: every check happens here, before anything is sampled."""
        draw = self.spec.lower(TensorInfo.make(tuple(int(s) for s in shape), self.layout, self.layer_fans))
        v.tensor_dtype(_dtype_name(dtype), draw.deterministic)
        return draw

    def __call__(self, key: jax.Array, shape: Sequence[int], dtype: Any = jnp.float32) -> jax.Array:
        """With ``portable``, the JAX key is not used: the values are the portable ones (host-computed, so
        under jit they become a constant of the traced program)."""
        shape = tuple(int(s) for s in shape)
        draw = self.lower(shape, dtype)
        if self.portable is not None:
            return jnp.asarray(self.portable.values(self.spec, shape, self.layout, _dtype_name(dtype), self.layer_fans))
        return draw_array(key, draw, shape, dtype)


def initializer(spec: Spec, **options: Any) -> FlaxInitializer:
    """``spec.to_flax(**options)``."""
    return FlaxInitializer(spec, **options)


def sample(spec: Spec, shape: tuple[int, ...], *, layout: LayoutLike = "flax", seed: int = 0,
           dtype: str = "float32", layer_fans: tuple[int, int] | None = None) -> Any:
    """Sample natively with ``jax.random.key(seed)`` and return a NumPy array (for the report and tests)."""
    import numpy as np
    x = FlaxInitializer(spec, layout=layout, layer_fans=layer_fans)(jax.random.key(seed), shape, getattr(jnp, dtype))
    return np.asarray(x.astype(jnp.float32) if dtype == "bfloat16" else x)


# --------------------------------------------------------------------------------- layer context

def _path_key(key: jax.Array, path: str) -> jax.Array:
    return jax.random.fold_in(key, zlib.crc32(path.encode()))


def reinit(target: Any, key: jax.Array, *, kernel: Spec | None = None, bias: Spec | None = None) -> Any:
    """Re-initialize every Dense/Conv/ConvTranspose/Embed layer of a linen parameter tree (returns a new tree) or
    an NNX module (in place, returns it) with layer context: ``kernel`` for each layer's ``kernel``/``embedding``,
    in Flax's layout, and ``bias`` for its ``bias`` with the fans of that layer's kernel, so
    ``reinit(params, key, kernel=KaimingUniform(a=sqrt(5)), bias=KaimingUniform(a=sqrt(5)))`` gives a Flax
    model torch's default Linear/Conv initialization, bias included. A spec left as None leaves those
    parameters as they are. Each parameter's key is ``fold_in(key, crc32(path))``, so values do not depend on
    the order of layers. Everything is lowered before anything is drawn. (A two-rule ``unifiedinit.Plan``.)
    """
    if not isinstance(target, Mapping):
        from flax import nnx
        if not isinstance(target, nnx.Module):
            raise TypeError(f"parameter 'target' must be a linen parameter dict or an nnx.Module, got "
                            f"{type(target).__name__}")
    from ..plan import Plan
    layers = ("dense", "conv", "conv_transpose", "embedding")
    plan = Plan(name="reinit")
    if kernel is not None:
        plan = plan.rule(kernel, kind=layers, role=("weight", "embedding"), quiet=True)
    if bias is not None:
        plan = plan.rule(bias, kind=layers, role="bias", quiet=True)
    result = apply_plan(plan, target, key=key)
    return result[0] if isinstance(target, Mapping) else target


# ------------------------------------------------------------------------------------------- plans

#: Flax class names (NNX and linen; linen's automatic names are "<Class>_<n>") -> layer kind
_CLASS_KINDS = {
    "Linear": "dense", "Dense": "dense", "LinearGeneral": "dense", "DenseGeneral": "dense", "Einsum": "dense",
    "Conv": "conv", "ConvLocal": "conv", "ConvTranspose": "conv_transpose", "Embed": "embedding",
    "BatchNorm": "norm", "LayerNorm": "norm", "GroupNorm": "norm", "RMSNorm": "norm", "InstanceNorm": "norm",
    "PReLU": "prelu", "LSTMCell": "recurrent", "OptimizedLSTMCell": "recurrent", "GRUCell": "recurrent",
    "SimpleCell": "recurrent", "MGUCell": "recurrent", "ConvLSTMCell": "recurrent",
    "MultiHeadAttention": "attention", "MultiHeadDotProductAttention": "attention", "SelfAttention": "attention"}
_CONTAINERS = ("recurrent", "attention")  # their sub-layers' parameters belong to them
_ROLES = {"kernel": "weight", "bias": "bias", "embedding": "embedding", "scale": "scale", "mean": "running_mean",
          "var": "running_var", "negative_slope": "slope"}


def _class_of_name(name: str) -> str:
    head, _, tail = name.rpartition("_")
    return head if tail.isdigit() and head else name


def _describe(path: tuple[str, ...], classes: tuple[str, ...], name: str, shape: tuple[int, ...],
              layer: Mapping[str, Any], dtype: Any) -> Any:
    """A Flax parameter as a unifiedinit.plan.Param. ``classes``: the class of each module on ``path``;
    ``layer``: the arrays of its module by name (for its fans)."""
    from ..plan import Param
    kinds = [_CLASS_KINDS.get(c, "other") for c in classes]
    container = next((k for k in kinds if k in _CONTAINERS), None)
    kind = container or (kinds[-1] if kinds else "other")
    if kind == "other" and "kernel" in layer:  # a user's own module holding a kernel
        kind = "dense" if len(layer["kernel"]) == 2 else "conv"
    role = _ROLES.get(name, "other")
    if kind == "norm" and role == "bias":
        role = "shift"
    if kind == "recurrent" and role == "weight" and path and path[-1].startswith("h"):
        role = "recurrent_weight"  # LSTMCell's hi/hf/hg/ho, OptimizedLSTMCell's h, GRUCell's hr/hz/hn
    layout = {"embedding": "flax_embedding", "conv_transpose": "flax_conv_transpose"}.get(kind, "flax")
    if kind == "attention" and len(layer.get("kernel", ())) == 3:
        layout = "multihead_out" if path and path[-1] == "out" else "multihead_qkv"
    layer_fans = None
    if kind == "recurrent":
        hidden = shape[-1] if role != "bias" else shape[0]
        if classes and classes[-1] == "OptimizedLSTMCell" or (path and path[-1] in ("i", "h")):
            hidden //= 4  # OptimizedLSTMCell stacks the four gates
        layer_fans = (hidden, hidden)
    else:
        main = layer.get("kernel", layer.get("embedding"))
        if main is not None and len(main) >= 2:
            layer_fans = TensorInfo.make(tuple(main), layout).fans
    return Param(path="/".join(path + (name,)), kind=kind, role=role, shape=shape,
                 layout=layout if role in ("weight", "embedding") else "flax", layer_fans=layer_fans,
                 layer=classes[-1] if classes else "", dtype=_dtype_name(dtype))


def _is_array(x: Any) -> bool:
    return hasattr(x, "shape") and hasattr(x, "dtype")


def _walk_tree(tree: Mapping[str, Any], collections: Mapping[str, Any] | None = None) -> list[tuple[Any, tuple]]:
    """A linen variables tree ({"params": ..., "batch_stats": ...}) or a bare params tree, as
    [(Param, (collection, path, name))]; kinds from linen's automatic names ("Dense_0") or the arrays."""
    roots = dict(tree) if "params" in tree and isinstance(tree["params"], Mapping) else {"params": tree}
    found = []

    def visit(collection: str, node: Mapping[str, Any], path: tuple[str, ...]) -> None:
        arrays = {k: x for k, x in node.items() if _is_array(x)}
        if arrays:
            params_layer = _subtree(roots.get("params", {}), path)
            shapes = {k: tuple(x.shape) for k, x in {**params_layer, **arrays}.items() if _is_array(x)}
            classes = tuple(_class_of_name(p) for p in path)
            for name, x in arrays.items():
                if jnp.issubdtype(x.dtype, jnp.floating):
                    found.append((_describe(path, classes, name, tuple(x.shape), shapes, x.dtype),
                                  (collection, path, name)))
        for k, sub in node.items():
            if isinstance(sub, Mapping):
                visit(collection, sub, path + (str(k),))

    for collection, node in roots.items():
        if isinstance(node, Mapping):
            visit(collection, node, ())
    return found


def _subtree(tree: Mapping[str, Any], path: tuple[str, ...]) -> Mapping[str, Any]:
    for k in path:
        tree = tree.get(k, {}) if isinstance(tree, Mapping) else {}
    return tree if isinstance(tree, Mapping) else {}


def walk(model: Any) -> list[tuple[Any, Any]]:
    """Every floating-point parameter / batch statistic of an NNX module (as (Param, nnx.Variable)) or of a linen
    variables or params tree (as (Param, (collection, path, name)))."""
    if isinstance(model, Mapping):
        return _walk_tree(model)
    from flax import nnx
    if not isinstance(model, nnx.Module):
        raise TypeError(f"parameter 'model' must be an NNX module or a linen params tree, got {type(model).__name__}")
    classes_at: dict[tuple, str] = {}
    modules = list(_modules_in_order(model, nnx))
    for path, module in modules:
        classes_at[tuple(map(str, path))] = type(module).__name__
    found = []
    for path, module in modules:
        path = tuple(map(str, path))
        variables = {k: x for k, x in vars(module).items() if isinstance(x, nnx.Variable) and _is_array(x.get_value())}
        shapes = {k: tuple(x.get_value().shape) for k, x in variables.items()}
        classes = tuple(classes_at.get(path[:i], "") for i in range(len(path) + 1))  # the root model first
        for name, var in variables.items():
            if jnp.issubdtype(var.get_value().dtype, jnp.floating):
                found.append((_describe(path, classes, name, shapes[name], shapes, var.get_value().dtype), var))
    return found


def _modules_in_order(module: Any, nnx: Any, path: tuple = ()) -> Any:
    """(path, module) for an NNX module and its submodules in the order they were assigned (nnx.iter_modules
    sorts by name): portable keys count layers in model order, as torch, Keras and MXNet do."""
    yield path, module
    for name, value in vars(module).items():
        if name.startswith("_"):
            continue
        items = (value.items() if isinstance(value, dict) else enumerate(value)
                 if isinstance(value, (list, tuple)) else [(None, value)])
        for sub, item in items:
            if isinstance(item, nnx.Module):
                yield from _modules_in_order(item, nnx, path + ((name,) if sub is None else (name, sub)))


def apply_plan(plan: Any, model: Any, *, seed: int | None = None, key: jax.Array | None = None,
               params: Mapping[str, Any] | None = None, portable: bool = False) -> Any:
    """Initialize by ``plan`` with jax.random: an NNX module in place (returns the Report), or a linen
    variables/params tree, passed as ``model`` or as ``params=`` beside a linen module (returns
    ``(new_tree, report)``). Every parameter's key is ``fold_in(key, crc32(path))`` with ``key =
    jax.random.key(seed)``, so values do not depend on the order of layers. Everything is matched and lowered
    before anything is drawn."""
    if key is None:
        if seed is None:
            raise ValueError("JAX has no global random state: pass seed= (an int) or key= (a jax.random key)")
        key = jax.random.key(int(seed))
    tree = params if params is not None else model if isinstance(model, Mapping) else None
    found = walk(tree if tree is not None else model)
    report = plan.resolve([p for p, _ in found], stacklevel=4)  # every check, dtypes included
    where = {id(p): w for p, w in found}
    new = {}
    for e in report.entries:  # every check passed: drawing cannot refuse now
        if e.draw is not None:
            w, dtype = where[id(e.param)], e.param.dtype
            if portable:
                x = jnp.asarray(plan.portable_values(report, e, seed), dtype=dtype)
            else:
                x = draw_array(_path_key(key, e.param.path), e.draw, e.param.shape, jnp.dtype(dtype))
            if tree is None:
                w.set_value(x)  # NNX: in place, one parameter at a time, so the old value is freed at once
            else:
                new[id(e.param)] = x
    if tree is None:
        return report
    by_place = {where[i]: x for i, x in new.items()}
    wrapped = "params" in tree and isinstance(tree["params"], Mapping)
    roots = dict(tree) if wrapped else {"params": tree}
    out = {c: _rebuild(node, c, (), by_place) if isinstance(node, Mapping) else node for c, node in roots.items()}
    return (out if wrapped else out["params"]), report


def _rebuild(node: Mapping[str, Any], collection: str, path: tuple[str, ...], new: dict) -> dict:
    out = {}
    for k, x in node.items():
        if isinstance(x, Mapping):
            out[k] = _rebuild(x, collection, path + (str(k),), new)
        else:
            out[k] = new.get((collection, path, k), x)
    return out


def param_groups(model: Any, selects: Any, weight_decay: float) -> Any:
    """``unifiedinit.param_groups`` for Flax: an optax mask (True where decay applies) shaped like a linen
    params tree, or like ``nnx.state(model, nnx.Param)`` for an NNX module."""
    from ..plan import excluded
    if isinstance(model, Mapping):
        tree = model["params"] if "params" in model and isinstance(model["params"], Mapping) else model
        keep = {place[1] + (place[2],): not excluded(p, selects) for p, place in _walk_tree(tree)}
        return jax.tree_util.tree_map_with_path(lambda path, x: keep.get(_key_path(path), True), dict(tree))
    from flax import nnx
    keep = {tuple(p.path.split("/")): not excluded(p, selects) for p, var in walk(model) if isinstance(var, nnx.Param)}
    return jax.tree_util.tree_map_with_path(lambda path, x: keep.get(_key_path(path), True),
                                            nnx.state(model, nnx.Param))


def _key_path(path: Sequence[Any]) -> tuple[str, ...]:
    """A jax tree path as strings ('.value' of an NNX variable left out)."""
    out = []
    for k in path:
        name = getattr(k, "key", getattr(k, "name", getattr(k, "idx", k)))
        if str(name) not in ("value", "raw_value"):
            out.append(str(name))
    return tuple(out)
