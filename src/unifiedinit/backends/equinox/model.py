"""Equinox modules as parameter records, and the target the apply loop writes through.

Equinox modules are immutable pytrees (dataclasses): a walk follows their fields (submodules, tuples, lists, dicts
and other pytree nodes of them, arrays), and a plan returns a new module built with ``eqx.tree_at``. Layers by
class: ``Linear`` (weight (out, in)), ``Conv*`` (weight (out, in/g, *k), bias (out, 1, ...)), ``ConvTranspose*``
(weight (out, in/g, *k): the layer's own axes, not torch's (in, out/g, *k)), ``Embedding``,
``LayerNorm``/``RMSNorm``/``GroupNorm``/``BatchNorm`` (whose running statistics live in ``eqx.nn.State``, outside
the module), ``LSTMCell``/``GRUCell``, ``MultiheadAttention`` and ``PReLU``. A stacked model (``eqx.filter_vmap``
over a layer's constructor) has leading layer axes beyond the class's rank.
"""
# equinox/jax: PyTree (jaxtyping's, in eqx.tree_at/filter) is unknown to pyright; jaxlib ships no stubs
# pyright: reportUnknownMemberType=false

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Iterator, Sequence, cast

import equinox as eqx
import jax
import jax.numpy as jnp

from ..._validate import jax_key
from ...layout import Layout, TensorInfo, register_layout
from ...params import (Param, Select, Stack, innermost_stack, looks_like_norm, tie,
                       registered_layer, stacked_axes, stacked_norm)
from ..flax.ops import check_mesh, concrete, is_sequence
from .ops import JaxTarget

#: an Equinox ConvTranspose weight (out, in/g, *k): its portable values are a torch ConvTranspose's, moved
register_layout(Layout("equinox_conv_transpose", (0,), (1,), framework="equinox", canonical="torch_conv_transpose",
                       flip=True))

_NN = eqx.nn
#: class -> (kind, the layout of its weight)
_KINDS: tuple[tuple[Any, str, str], ...] = (
    (_NN.Linear, "dense", "torch"), (_NN.ConvTranspose, "conv_transpose", "equinox_conv_transpose"),
    (_NN.Conv, "conv", "torch"), (_NN.Embedding, "embedding", "torch_embedding"),
    ((_NN.LayerNorm, _NN.RMSNorm, _NN.GroupNorm, _NN.BatchNorm), "norm", "torch"),
    ((_NN.LSTMCell, _NN.GRUCell), "recurrent", "torch"), (_NN.MultiheadAttention, "attention", "torch"),
    (_NN.PReLU, "prelu", "torch"))
_ROLES = {"weight": "weight", "bias": "bias", "weight_ih": "weight", "weight_hh": "recurrent_weight",
          "bias_n": "recurrent_bias", "negative_slope": "slope"}
#: (class, field) -> a key leaf of its own: a GRUCell's ``bias_n`` (hidden,) is b_hn alone, the n gate's hidden bias,
#: where torch's ``bias_hh`` (3 x hidden) keyed ``recurrent_bias`` holds r, z and n: its own key ("recurrent_bias/n"),
#: so portable mode gives it no values of another tensor's (torch's r gate's)
_KEY_LEAVES: tuple[tuple[Any, str, str], ...] = ((_NN.GRUCell, "bias_n", "n"),)


def owns(obj: Any) -> bool:
    """Is ``obj`` an Equinox module (``eqx.Module``)?

    Args:
        obj: any object (``plan.apply`` asks every backend).

    Returns:
        True for an ``eqx.Module``, False for anything else (an array, a pytree of arrays).

    Raises:
        Nothing: any object gets an answer.

    Examples:
        >>> import jax
        >>> import equinox as eqx
        >>> from unifiedinit.backends.equinox import owns
        >>> owns(eqx.nn.Linear(2, 3, key=jax.random.key(0))), owns({"weight": 1})
        (True, False)
    """
    return isinstance(obj, eqx.Module)


def _kind(module: object, parent_kind: str | None, arrays: dict[str, Any] | None = None,
          stack: Callable[[], Stack] | None = None) -> tuple[str, str]:
    """(kind, the layout of its weight) of a module; ``arrays``: its own arrays (``_scan``), when known;
    ``stack``: the stack of the layers around it (``innermost_stack``), for a class of the user's."""
    info = registered_layer(type(module))
    if info is not None:
        return info.kind, info.layouts.get("weight", "torch")
    found = next(((kind, layout) for classes, kind, layout in _KINDS if isinstance(module, classes)), None)
    if found is None:
        own = _scan(module)[0] if arrays is None else arrays
        found = ("norm", "torch") if _norm_axes(module, own, stack) is not None else ("other", "torch")
    if parent_kind in ("attention", "recurrent") and found[0] != "norm":
        return parent_kind, "torch"  # MultiheadAttention's projections are its own; a QK-norm stays a norm
    return found


def _norm_axes(module: object, arrays: dict[str, Any], stack: Callable[[], Stack] | None) -> tuple[int, ...] | None:
    """A module of the user's is a norm when its arrays look like one layer's norm (``looks_like_norm``): as they
    are (its stacked axes: ()), or, in a stack (``eqx.filter_vmap``), once the axes of ``stack()`` (the stack of
    the layers around it) are taken off (``stacked_norm``; its stacked axes: those). None: no norm."""
    own = {name: tuple(x.shape) for name, x in arrays.items()}
    cls = type(module).__name__
    if looks_like_norm(cls, own):
        return ()
    around = stack() if stack is not None else ()
    return tuple(axis for axis, _ in around) if stacked_norm(cls, own, around) else None


#: a module's fields, read once: its floating-point arrays by field name; (key parts, path, submodule) for each
#: submodule; (key parts, path, array) for each array in a tuple, list, dict or other pytree node of a field
_Scan = tuple[dict[str, Any], list[tuple[tuple[Any, ...], tuple[Any, ...], Any]],
              list[tuple[tuple[Any, ...], tuple[Any, ...], Any]]]


def _scan(module: Any) -> _Scan:
    """What a module holds, in one pass over its fields (``_Scan``). Its arrays include abstract ones
    (``eqx.filter_eval_shape``'s ``jax.ShapeDtypeStruct``): a plan gives those their values. Submodules are
    found in a field, or in the tuples, lists and dicts there, however nested (an ``nn.Sequential``'s layers
    keyed by position alone, as torch's; a dict's by key, a decimal one as the position it spells, as torch's
    ``ModuleDict`` gives it), and in any other pytree node there (a ``jax.tree_util.register_dataclass``
    dataclass, Flax's ``FrozenDict``, a registered node of the user's: ``_node_items``). An array in such a
    container is no layer of the library's: kind and role "other" (reported, never guessed); a ``StateIndex``'s
    initial state (a BatchNorm's statistics, a user's running average: one array or a tuple of them) lives outside
    the module once ``make_with_state`` ran, and none of its arrays is walked."""
    arrays: dict[str, Any] = {}
    children: list[tuple[tuple[Any, ...], tuple[Any, ...], Any]] = []
    held: list[tuple[tuple[Any, ...], tuple[Any, ...], Any]] = []
    if isinstance(module, _NN.StateIndex):  # its initial state, one array or a tuple of them: state, no parameter
        return arrays, children, held
    normed = isinstance(module, cast(type, _NN.WeightNorm))  # (a generic class: its parameter unknown here)
    shared = _is_shared(module)
    for f in dataclasses.fields(module):
        x = _filled(module) if shared and f.name == "pytree" else getattr(module, f.name, None)
        if normed and f.name == "g":
            continue  # a weight norm's g follows its drawn weight (weight_norms_following), as torch's does
        if isinstance(x, eqx.Module):
            children.append(((f.name,), (f.name,), x))
        elif _inexact(x):
            arrays[f.name] = x
        elif is_sequence(x) or isinstance(x, dict) or _node_items(x) is not None:
            key: tuple[Any, ...] = () if isinstance(module, _NN.Sequential) and f.name == "layers" else (f.name,)
            for c in _held(x, key, (f.name,)):
                if isinstance(c[2], eqx.Module):
                    children.append(c)
                elif _inexact(c[2]):
                    held.append(c)
    return arrays, children, held


def _is_placeholder(x: Any) -> bool:
    """Is ``x`` the placeholder ``eqx.nn.Shared`` leaves where a tied node was (its ``SharedNode``)?"""
    return type(x).__name__ == "SharedNode" and type(x).__module__.startswith("equinox")


def _is_shared(module: object) -> bool:
    """Is ``module`` an ``eqx.nn.Shared`` (a tie: one array, and placeholders where ``where`` points)?"""
    return isinstance(module, _NN.Shared)


def _filled(shared: Any) -> Any:
    """An ``eqx.nn.Shared``'s pytree as it computes (``shared()``): the tied arrays at their placeholders too, so
    the walk reads each placeholder's layer as the layer it is; its ``pytree`` (placeholders kept) where that
    cannot be computed (a ``get`` that cannot run here)."""
    try:
        return shared()
    except Exception:  # noqa: BLE001 - any failure of the user's get: read the pytree as it is
        return shared.pytree


def _part(entry: Any) -> Any:
    """One entry of a JAX key path as the walk's path part: a field's name (``GetAttrKey``), a position
    (``SequenceKey``), a dict key (``DictKey``), a node's own child index (``FlattenedIndexKey``: its flatten
    order, as a tuple's position), or the entry as a string (a key class of the user's)."""
    for attr in ("name", "idx", "key"):
        if hasattr(entry, attr):
            return getattr(entry, attr)
    return str(entry)


def _walk_path(tree: Any, path: Sequence[Any]) -> tuple[Any, ...]:
    """A JAX key path of ``tree`` (``tree_flatten_with_path``'s) as the walk's path (a handle's): a NamedTuple's
    fields, which JAX names (``GetAttrKey``), by position, as the walk keys a tuple's items; every other entry as
    ``_part`` reads it."""
    node, out = tree, list[Any]()
    for entry in path:
        part = _part(entry)
        fields: tuple[Any, ...] = getattr(node, "_fields", ()) if is_sequence(node) else ()
        if isinstance(part, str) and part in fields:
            part = fields.index(part)
        out.append(part)
        node = _child(node, part)
    return tuple(out)


def _node_items(value: Any) -> list[tuple[Any, Any]] | None:
    """(path part, child) for each child of a pytree node that is no Equinox module, array, tuple, list or dict (a
    ``jax.tree_util.register_dataclass`` dataclass: its fields by name; Flax's ``FrozenDict``: by key; a node of the
    user's: by its key path entries, ``_part``), one level down; None for anything else (a leaf: a function, a
    number). Keyed by the entries, never by the order of the children."""
    if isinstance(value, (eqx.Module, tuple, list, dict, jax.ShapeDtypeStruct)) or value is None or \
            eqx.is_array(value):
        return None

    def below(x: Any) -> bool:
        return x is not value
    try:
        children = cast("list[tuple[Any, Any]]", jax.tree_util.tree_flatten_with_path(
            value, is_leaf=below)[0])  # pyright: ignore[reportUnknownMemberType]
    except Exception:  # noqa: BLE001 - a node whose flatten fails here: no container the walk can read
        return None
    if any(len(path) != 1 for path, _ in children):
        return None  # a leaf: its one path is ()
    return [(_part(path[0]), x) for path, x in children]


def _shared_ties(shared: Any) -> tuple[list[tuple[tuple[Any, ...], tuple[Any, ...]]], list[tuple[Any, ...]]]:
    """An ``eqx.nn.Shared``'s ties, paths from the ``Shared`` (``("pytree", ...)``): (placeholder path, source
    path) for each array its ``get`` puts where its ``where`` left a placeholder, and the paths under a placeholder
    that hold no source's array (a ``get`` that transforms it, ``jnp.transpose``): no tensor of the model."""
    def flat(tree: Any) -> list[tuple[Any, Any]]:
        return cast("list[tuple[Any, Any]]",
                    jax.tree_util.tree_flatten_with_path(tree)[0])  # pyright: ignore[reportUnknownMemberType]
    leaves = flat(shared.pytree)
    holes = [_walk_path(shared.pytree, path) for path, leaf in leaves if _is_placeholder(leaf)]
    if not holes:
        return [], []
    sources: dict[int, tuple[Any, ...]] = {}
    for path, leaf in leaves:
        if _inexact(leaf):
            sources.setdefault(id(leaf), _walk_path(shared.pytree, path))
    ties: list[tuple[tuple[Any, ...], tuple[Any, ...]]] = []
    lost: list[tuple[Any, ...]] = []
    filled = _filled(shared)
    for path, leaf in flat(filled):
        at = _walk_path(filled, path)
        if any(at[:len(hole)] == hole for hole in holes):
            if id(leaf) in sources:
                ties.append((("pytree",) + at, ("pytree",) + sources[id(leaf)]))
            else:
                lost.append(("pytree",) + at)
    return ties, lost


def _tied(found: list[tuple[Param, Any]], ties: Sequence[tuple[tuple[Any, ...], tuple[Any, ...]]],
          lost: Sequence[tuple[Any, ...]]) -> list[tuple[Param, Any]]:
    """One record per tensor an ``eqx.nn.Shared`` ties: its placeholders are the source's tensor to ``params.tie``
    (which chooses the owner: never which side is ``get``), and the record keeps the source's handle (the array
    the module holds). Records under a placeholder that hold no source's array (``lost``) are dropped: the module
    holds no tensor there."""
    handles = {handle[0]: handle for _, handle in found}
    source_of = {hole: source for hole, source in ties if hole in handles and source in handles}
    gone = set(lost)

    def source(handle: tuple[Any, ...]) -> tuple[Any, ...]:
        path: tuple[Any, ...] = handle[0]
        return source_of.get(path, path)
    records = tie([record for record in found if record[1][0] not in gone], identity=source)
    return [(p, handles[source(handle)]) for p, handle in records]


def _inexact(x: Any) -> bool:
    return eqx.is_inexact_array(x) or (isinstance(x, jax.ShapeDtypeStruct) and jnp.issubdtype(x.dtype, jnp.inexact))


def _expected_ndim(module: Any, name: str) -> int | None:
    """The rank of one layer's parameter ``name`` (a larger rank means stacked layers in front)."""
    if isinstance(module, _NN.Linear):
        return {"weight": 2, "bias": 1}.get(name)
    if isinstance(module, (_NN.Conv, _NN.ConvTranspose)):
        return {"weight": module.num_spatial_dims + 2, "bias": module.num_spatial_dims + 1}.get(name)
    if isinstance(module, _NN.Embedding):
        return {"weight": 2}.get(name)
    if isinstance(module, (_NN.LSTMCell, _NN.GRUCell)):
        return {"weight_ih": 2, "weight_hh": 2, "bias": 1, "bias_n": 1}.get(name)
    if isinstance(module, (_NN.GroupNorm, _NN.BatchNorm)):
        return 1
    if isinstance(module, (_NN.LayerNorm, _NN.RMSNorm)):
        return len(module.shape)
    return None


def _declared_weight(module: Any) -> tuple[int, ...] | None:
    """The shape of one layer's weight from what a ``Linear``, ``Conv*`` or ``ConvTranspose*`` declares, for a
    layer whose weight is no array here (``eqx.nn.Shared`` puts a placeholder where a tied weight was): its bias
    still has the layer's fans."""
    if isinstance(module, _NN.Linear):
        return tuple(1 if d == "scalar" else int(d) for d in (module.out_features, module.in_features))
    if isinstance(module, (_NN.Conv, _NN.ConvTranspose)):
        return (module.out_channels, module.in_channels // module.groups) + tuple(module.kernel_size)
    return None


def _held(value: Any, key: tuple[Any, ...], path: tuple[Any, ...], depth: int = 0
          ) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...], Any]]:
    """(key parts, path, item) for each item of a tuple, a list, a dict or another pytree node (``_node_items``),
    however nested."""
    if depth >= 16:
        return
    items = enumerate(value) if is_sequence(value) else cast("dict[Any, Any]", value).items() \
        if isinstance(value, dict) else _node_items(value)
    if items is None:
        yield key, path, value
        return
    for k, x in items:
        part = int(k) if isinstance(k, str) and k.isdecimal() else k
        yield from _held(x, key + (part,), path + (k,), depth + 1)


def _tree(module: Any, key: tuple[Any, ...] = (), path: tuple[Any, ...] = (), parent_kind: str | None = None,
          depth: int = 0, around: tuple[Any, ...] = (), memo: dict[int, frozenset[Stack]] | None = None
          ) -> Any:
    """(module, key parts, path, kind, layout, scan, stacked axes where its class gives no rank) for ``module``
    and each submodule, parents first; ``around``: the modules holding it, outermost first."""
    scan = _scan(module)
    around = around + (module,)
    known: dict[int, frozenset[Stack]] = {} if memo is None else memo

    def stack() -> Stack:
        return innermost_stack(_stacks(m, known) for m in reversed(around))

    kind, layout = _kind(module, parent_kind, scan[0], stack)
    layer: object = module
    lead = _norm_axes(layer, scan[0], stack) if kind == "norm" and registered_layer(type(layer)) is None else ()
    yield module, key, path, kind, layout, scan, lead or ()
    if depth < 64:
        for sub_key, sub_path, child in scan[1]:
            yield from _tree(child, key + sub_key, path + sub_path, kind, depth + 1, around, known)


def _stacks(module: Any, memo: dict[int, frozenset[Stack]], depth: int = 0) -> frozenset[Stack]:
    """The stacks (the leading axes beyond one layer's rank, with their sizes; () for none) of the arrays whose
    rank their class gives (a ``Linear``'s, a ``LayerNorm``'s...) in ``module`` and its submodules."""
    if id(module) in memo:
        return memo[id(module)]
    arrays, children, _ = _scan(module)
    found: set[Stack] = set()
    for name, x in arrays.items():
        n = _expected_ndim(module, name)
        shape: tuple[int, ...] = tuple(x.shape)
        if n is not None and len(shape) >= n:
            found.add(tuple(enumerate(shape[:len(shape) - n])))
    if depth < 64:
        for _, _, child in children:
            found |= _stacks(child, memo, depth + 1)
    memo[id(module)] = frozenset(found)
    return memo[id(module)]


def walk(model: Any) -> list[tuple[Any, Any]]:
    """Every floating-point array of an Equinox module as (Param, (attribute path, array)), one per leaf.

    The walk follows the module's fields (submodules, arrays, and the tuples, lists, dicts and other pytree nodes
    that hold them: a registered dataclass's fields by name, a ``FrozenDict``'s items by key); the kind and layout of
    each layer come from its class (``Linear``: "dense", weight (out, in); ``Conv*``: "conv"; ``ConvTranspose*``:
    "conv_transpose", weight (out, in/g, *k), the "equinox_conv_transpose" layout; ``Embedding``; the norms;
    ``LSTMCell``/``GRUCell``; ``MultiheadAttention``; ``PReLU``), a layer registered with ``ui.register_layer``
    as registered; a class of the user's that holds a norm's per-feature vectors (``looks_like_norm``) is a norm,
    in a stacked block too (one layer's shapes, the stack read from the layers around it). A BatchNorm's running
    statistics live in ``eqx.nn.State``, outside the module, and no ``StateIndex``'s initial state is walked.
    One array object at two leaves is two parameters, as Equinox trains it (each drawn on its own key): only
    ``eqx.nn.Shared`` ties, leaving one array and a placeholder, so the tied weight is one parameter, owned as
    ``params.tie`` owns a tensor (an embedding first, then the shortest path, then the first sorted; never which
    side is ``get``), each placeholder's path an alias; its record is the owner's layer's (kind, role, layout, key),
    its handle the array the module holds. A placeholder whose ``get`` transforms the array (``jnp.transpose``)
    is no alias: the tie is then the array's record alone. A GRUCell's ``bias_n`` (b_hn, the n gate's alone) is
    keyed ``recurrent_bias/n``: no other framework's tensor has its values.

    Args:
        model: an Equinox module.

    Returns:
        A list of (``unifiedinit.Param``, handle), the handle being (the attribute path as a tuple of field names
        and positions, the array).

    Raises:
        TypeError: ``model`` is not an Equinox module.

    Examples:
        >>> import jax
        >>> import equinox as eqx
        >>> from unifiedinit.backends.equinox import walk
        >>> found = walk(eqx.nn.Linear(4, 3, key=jax.random.key(0)))
        >>> [(p.path, p.kind, p.role, p.shape, p.layer_fans) for p, _ in found]
        [('weight', 'dense', 'weight', (3, 4), (4, 3)), ('bias', 'dense', 'bias', (3,), (4, 3))]
        >>> [handle[0] for _, handle in found]
        [('weight',), ('bias',)]
        >>> [p.path for p, _ in walk(eqx.nn.MLP(2, 1, 4, 1, key=jax.random.key(0)))]
        ['layers/0/weight', 'layers/0/bias', 'layers/1/weight', 'layers/1/bias']
    """
    if not isinstance(model, eqx.Module):
        raise TypeError(f"parameter 'model' must be an Equinox module, got {type(model).__name__}")
    found: list[tuple[Param, tuple[tuple[Any, ...], Any]]] = []
    ties: list[tuple[tuple[Any, ...], tuple[Any, ...]]] = []
    lost: list[tuple[Any, ...]] = []
    for module, key, path, kind, layout, (arrays, _, held), lead in _tree(model):
        if _is_shared(module):
            tied, gone = _shared_ties(module)
            ties += [(path + hole, path + source) for hole, source in tied]
            lost += [path + p for p in gone]
        for sub_key, sub, x in held:  # arrays in a container field: reported, never guessed
            found.append((Param(path="/".join(map(str, path + sub)), kind="other", role="other", shape=tuple(x.shape),
                                layer=type(module).__name__, dtype=jnp.dtype(x.dtype).name,
                                key_parts=key + sub_key), (path + sub, x)))
        if not arrays:
            continue
        layer: object = module
        info = registered_layer(type(layer))
        for name, x in arrays.items():
            shape = tuple(x.shape)
            expected = _expected_ndim(module, name)
            stacked = stacked_axes(shape, expected) if expected is not None else lead
            one = tuple(d for i, d in enumerate(shape) if i not in stacked)
            role = info.roles[name] if info is not None and name in info.roles else _ROLES.get(name, "other")
            if kind == "norm" and role == "bias":
                role = "shift"
            elif kind == "norm" and role == "weight":
                role = "scale"
            elif kind == "embedding" and role == "weight":
                role = "embedding"
            weight = arrays.get("weight", arrays.get("weight_ih"))
            layer_fans = None
            if kind == "recurrent":
                hidden = module.hidden_size
                layer_fans = (hidden, hidden)
            else:
                w = _declared_weight(module) if weight is None else \
                    tuple(d for i, d in enumerate(weight.shape)
                          if i not in stacked_axes(tuple(weight.shape), _expected_ndim(module, "weight")))
                if w is not None and len(w) >= 2 and all(w):
                    layer_fans = TensorInfo.make(w, layout).fans
            own_layout = (info.layouts.get(name) if info is not None else None) or \
                (layout if role in ("weight", "embedding") else "torch")
            found.append((Param(path="/".join(map(str, path + (name,))), kind=kind, role=role, shape=shape,
                                layout=own_layout, layer_fans=layer_fans, layer=type(module).__name__,
                                dtype=jnp.dtype(x.dtype).name, stacked=stacked if len(one) else (), key_parts=key,
                                key_leaf=next((leaf for cls, field, leaf in _KEY_LEAVES
                                               if isinstance(module, cls) and field == name), "")),
                          (path + (name,), x)))

    # no tying by the array object: Equinox takes one array at two leaves for two copies that start equal and
    # train apart (its docs on eqx.nn.Shared), and copying the leaves (jax.tree.map, filter_jit, serialization)
    # keeps the model while losing the identity; eqx.nn.Shared ties by leaving one array and a placeholder
    return _tied(found, ties, lost) if ties or lost else list(found)


def read(handle: Any) -> Any:
    import numpy as np
    return np.asarray(handle[1])


def _child(node: Any, part: Any) -> Any:
    """The child ``part`` (a walk's path part) of ``node``: a module's field, a tuple's, list's or dict's item, or
    another pytree node's child by its key path entry (``_node_items``)."""
    items = None if isinstance(node, (eqx.Module, tuple, list, dict)) else _node_items(node)
    if items is not None:
        return dict(items)[part]
    if isinstance(part, str) and not isinstance(node, dict):
        return getattr(cast(object, node), part)
    return cast("Any", node)[part]


def _get(model: Any, path: tuple[Any, ...]) -> Any:
    """What ``path`` (a walk's handle: field names, then positions, dict keys and other nodes' keys) names in
    ``model``."""
    node: Any = model
    for part in path:
        node = _child(node, part)
    return node


class _Target(JaxTarget):
    """Collects a plan's values and builds the new module with one ``eqx.tree_at``."""

    def __init__(self, model: Any, *, seed: int | None = None, key: jax.Array | None = None,
                 mesh: Any = None) -> None:
        if key is None and seed is None:
            raise ValueError("JAX has no global random state: pass seed= (an int) or key= (a jax.random key)")
        if key is not None and seed is not None:
            raise ValueError("Plan.apply: give seed= or key=, not both")
        base = jax_key("Plan.apply", key) if key is not None else jax.random.key(0)
        self.model, self.base, self.mesh = model, base, check_mesh(mesh)
        self.found = walk(model)
        self.new: list[tuple[tuple[Any, ...], Any]] = []

    def current(self, handle: Any) -> Any:
        return handle[1]

    def everything(self) -> Any:
        return self.model

    def sharding(self, p: Any, handle: Any) -> Any:
        """The sharding of the array (or abstract ``jax.ShapeDtypeStruct``) the values replace: one spread over
        several devices is drawn there, each device its own shard, and checked against the shape first. One on an
        abstract mesh (``eqx.filter_eval_shape`` under ``jax.set_mesh``) is put on ``mesh=`` or the mesh in
        context."""
        return concrete(getattr(handle[1], "sharding", None), self.mesh)

    def _put(self, p: Any, handle: Any, x: jax.Array) -> None:
        self.new.append((handle[0], x))

    def result(self, report: Any) -> Any:
        report.placements = getattr(self, "placements", {})
        if not self.new:
            return self.model, report
        paths = [path for path, _ in self.new]

        def where(m: Any) -> list[Any]:
            return [_get(m, path) for path in paths]

        new = eqx.tree_at(where, self.model, [x for _, x in self.new])
        follow = weight_norms_following(new, set(paths))  # a WeightNorm's g follows its drawn weight

        def norms(m: Any) -> list[Any]:
            return [_get(m, path) for path, _ in follow]

        if follow:
            new = eqx.tree_at(norms, new, [g for _, g in follow])
        return new, report


def weight_norms_following(model: Any, written: set[tuple[Any, ...]]) -> list[tuple[tuple[Any, ...], Any]]:
    """For each ``eqx.nn.WeightNorm`` of ``model`` whose layer's weight is among the ``written`` attribute paths
    and whose ``g`` is not: (the path of ``g``, its new value ||v||, over every axis its ``g`` keeps as 1), as the
    constructor sets it, so the layer computes the drawn weight and not the drawn direction times the old norm. A
    stacked ``WeightNorm`` (``eqx.filter_vmap`` over its constructor) gets one norm per layer the same way."""
    out: list[tuple[tuple[Any, ...], Any]] = []
    for module, _, path, *_ in _tree(model):
        if not isinstance(module, eqx.nn.WeightNorm):
            continue
        at = path + ("layer", module.weight_name)
        if at not in written or path + ("g",) in written:
            continue
        v, g = _get(model, at), module.g
        if v.ndim != g.ndim:
            continue
        axes = tuple(i for i, n in enumerate(g.shape) if n == 1)
        norm = jnp.sqrt(jnp.sum(jnp.square(v.astype(jnp.promote_types(v.dtype, jnp.float32))), axis=axes,
                                keepdims=True))
        out.append((path + ("g",), norm.astype(g.dtype)))
    return out


def held(model: Any, found: Sequence[tuple[Param, Any]]) -> dict[str, str | None]:
    """``skip=``'s other names of ``model``'s tensors: the "/"-joined JAX key path of every array leaf, each to the
    path of the parameter the walk found there (``found``: a NamedTuple's field by name, ``pair/first/weight``,
    where the walk keys it by position, ``pair/0/weight``), or to None for a leaf that is no parameter (an integer
    array, a weight norm's ``g``). A leaf that holds no array (a function: an ``MLP``'s ``activation``, a
    ``Shared``'s ``where``) names no tensor; an ``eqx.nn.Shared``'s placeholder is its owner's alias (``walk``),
    which ``skip=`` takes as the owner's name."""
    params = {handle[0]: p.path for p, handle in found}
    leaves = cast("list[tuple[Any, Any]]",
                  jax.tree_util.tree_flatten_with_path(model)[0])  # pyright: ignore[reportUnknownMemberType]
    return {"/".join(str(_part(k)) for k in path): params.get(_walk_path(model, path)) for path, x in leaves
            if eqx.is_array(x) or isinstance(x, jax.ShapeDtypeStruct)}


def target(model: Any, **options: Any) -> _Target:
    """The apply loop's writer for ``model`` (``unifiedinit.backends.protocol.Target``): what ``plan.apply`` uses.

    It walks the module once (``found``), draws each parameter with ``jax.random`` on its stream's key folded
    into the base key, or takes portable values, keeping each array's sharding, and builds the new module with
    one ``eqx.tree_at`` (``result`` returns (new module, report); the module given is unchanged).

    Args:
        model: an Equinox module.
        **options: ``seed`` (an int) or ``key`` (a ``jax.random`` key), exactly one of them.

    Returns:
        The target: its ``found`` holds the (Param, handle) records of ``walk``.

    Raises:
        ValueError: neither ``seed`` nor ``key`` is given, or both are, or ``key`` is several keys (a
            ``jax.random.split`` batch) or a raw key of the wrong shape.
        TypeError: ``key`` is no JAX key (a string, an int, an int32 array), an unknown option, or ``model`` is
            not an Equinox module.

    Examples:
        >>> import jax
        >>> import equinox as eqx
        >>> from unifiedinit.backends.equinox import target
        >>> [p.path for p, _ in target(eqx.nn.Linear(4, 3, key=jax.random.key(0)), seed=0).found]
        ['weight', 'bias']
    """
    return _Target(model, **options)


def param_groups(model: Any, selects: Sequence[Select], weight_decay: float) -> Any:
    """``unifiedinit.param_groups`` for Equinox: an optax mask (True where decay applies) shaped like
    ``eqx.filter(model, eqx.is_array)``. Each array is decided as the walk found it (in a field, or in a tuple,
    list, dict or other pytree node of one), at each leaf that holds it; arrays that are not parameters (a
    ``StateIndex``'s initial state, an integer array) get False.

    Pass it as ``optax.adamw(..., mask=mask)`` for the module's arrays (``eqx.filter(model, eqx.is_array)``).

    Args:
        model: an Equinox module.
        selects: ``unifiedinit.Select`` rules: a parameter any of them matches gets no decay.
        weight_decay: the decay rate (unused here: optax takes the rate, the mask says where).

    Returns:
        A module of the same structure whose arrays are bools (``eqx.filter``'s other leaves are None).

    Raises:
        TypeError: ``model`` is not an Equinox module.

    Examples:
        >>> import jax
        >>> import equinox as eqx
        >>> import unifiedinit as ui
        >>> from unifiedinit.backends.equinox import param_groups
        >>> mask = param_groups(eqx.nn.Linear(4, 3, key=jax.random.key(0)), [ui.Select(role="bias")], 0.01)
        >>> mask.weight, mask.bias
        (True, False)
    """
    from ...plan import excluded
    # each leaf at the walk's own path (its handle: no tree path spelled again, as a dict's keys or a namedtuple's
    # fields would be), so one array object at two leaves is decided at each; an array the walk does not find
    # is no parameter (a StateIndex's values, an integer array): False
    decided = [(handle[0], p.trainable and not excluded(p, selects)) for p, handle in walk(model)
               if eqx.is_array(handle[1])]

    def nothing(_: Any) -> bool:
        return False

    mask = jax.tree_util.tree_map(nothing, eqx.filter(model, eqx.is_array))
    if not decided:
        return mask

    def where(m: Any) -> list[Any]:
        return [_get(m, path) for path, _ in decided]

    return eqx.tree_at(where, mask, [keep for _, keep in decided])
