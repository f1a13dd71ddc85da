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
from jax.sharding import NamedSharding, PartitionSpec, SingleDeviceSharding

from ..._validate import jax_key
from ...layout import Layout, TensorInfo, get_layout, register_layout
from ...params import (Param, Select, Stack, framework_bases, innermost_stack, looks_like_norm, tie,
                       registered_layer, stacked_axes, stacked_norm)
from ..flax.ops import check_mesh, concrete, is_sequence, no_mesh, spread
from .ops import JaxTarget

#: an Equinox ConvTranspose weight (out, in/g, *k): its portable values are a torch ConvTranspose's, moved
register_layout(Layout("equinox_conv_transpose", (0,), (1,), framework="equinox", canonical="torch_conv_transpose",
                       flip=True))


def _grouped(layout: str, module: Any) -> str:
    """``layout``, or for a grouped ``ConvTranspose*`` in its own layout the layout of its groups
    ("equinox_conv_transpose_g4", which ``get_layout`` registers on first use): its (out, in/g, *k) weight holds
    the groups on the output axis where torch's (in, out/g, *k) holds them on the input axis, so values move to and
    from torch's group by group and compute torch's function (``Layout.groups``)."""
    groups: int = getattr(module, "groups", 1)
    if layout != "equinox_conv_transpose" or not isinstance(module, _NN.ConvTranspose) or groups <= 1:
        return layout
    return get_layout(f"{layout}_g{groups}").name


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
        return info.kind, info.layouts.get(info.main("weight"), "torch")  # its registered weight's layout
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
    the module once ``make_with_state`` ran, and none of its arrays is walked; nor is a field declared
    ``eqx.field(static=True)``, which is no leaf of the pytree."""
    arrays: dict[str, Any] = {}
    children: list[tuple[tuple[Any, ...], tuple[Any, ...], Any]] = []
    held: list[tuple[tuple[Any, ...], tuple[Any, ...], Any]] = []
    if isinstance(module, _NN.StateIndex):  # its initial state, one array or a tuple of them: state, no parameter
        return arrays, children, held
    normed = isinstance(module, cast(type, _NN.WeightNorm))  # (a generic class: its parameter unknown here)
    shared = _is_shared(module)
    for f in dataclasses.fields(module):
        if f.metadata.get("static", False):
            continue  # eqx.field(static=True): part of the treedef, no leaf (as Equinox flattens it), never trained
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


def _stack_of(module: Any, name: str, shape: Sequence[int], lead: tuple[int, ...] = ()) -> tuple[int, ...]:
    """The axes of array ``name`` (of ``shape``) of ``module`` that stack layers: the leading ``stacked`` axes its
    class was registered with (``ui.register_layer(..., stacked=N)``, as the torch and Keras walks read them), else
    those beyond the rank its class gives it (``eqx.filter_vmap``), else ``lead`` (a norm of the user's in a
    stack, ``_norm_axes``), so that fans are one layer's."""
    layer: object = module
    info = registered_layer(type(layer))
    if info is not None and info.stacked:
        return tuple(range(info.stacked))
    expected = _expected_ndim(module, name)
    return stacked_axes(tuple(shape), expected) if expected is not None else lead


def _layer_fans(module: Any, weight: Sequence[int], layout: Any) -> tuple[int, int]:
    """The (fan_in, fan_out) of one layer whose weight (one layer's) has shape ``weight`` in ``layout``: the
    weight's own fans, except a grouped ``ConvTranspose*``'s: each output reads (in/g) x RF inputs (Equinox's own
    bound) and each input reaches (out/g) x RF outputs (the fan_out torch's ConvTranspose reads off its (in, out/g,
    *k) weight: torch's own fan_in, its bound), so ``presets.torch`` draws an Equinox port's bias as torch does,
    ``presets.equinox`` as Equinox does. In its ungrouped layout its (out, in/g, *k) weight's fans are
    ((in/g) x RF, out x RF); in its grouped one (``equinox_conv_transpose_g{g}``) torch's storage's,
    (in x RF, (out/g) x RF)."""
    fan_in, fan_out = TensorInfo.make(tuple(weight), layout).fans
    groups: int = getattr(module, "groups", 1)
    if isinstance(module, _NN.ConvTranspose) and groups > 1:
        name = getattr(layout, "name", layout)
        if name == "equinox_conv_transpose":
            return fan_in, fan_out // groups
        if name == _grouped("equinox_conv_transpose", module):
            return fan_in // groups, fan_out
    return fan_in, fan_out


def _declared_weight(module: Any) -> tuple[int, ...] | None:
    """The shape of one layer's weight from what a ``Linear``, ``Conv*`` or ``ConvTranspose*`` declares, for a
    layer whose weight is no array here (``eqx.nn.Shared`` puts a placeholder where a tied weight was): its bias
    still has the layer's fans."""
    if isinstance(module, _NN.Linear):
        return tuple(1 if d == "scalar" else int(d) for d in (module.out_features, module.in_features))
    if isinstance(module, (_NN.Conv, _NN.ConvTranspose)):
        return (module.out_channels, module.in_channels // module.groups) + tuple(module.kernel_size)
    return None


def _held(value: Any, key: tuple[Any, ...], path: tuple[Any, ...]
          ) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...], Any]]:
    """(key parts, path, item) for each item of a tuple, a list, a dict or another pytree node (``_node_items``),
    however nested: read from a list of what is left to read, not by recursion, so no depth stops it."""
    # (key parts, path, what is there, the containers holding it with their paths)
    todo: list[tuple[tuple[Any, ...], tuple[Any, ...], Any, tuple[tuple[Any, tuple[Any, ...]], ...]]] = [
        (key, path, value, ())]
    while todo:
        at_key, at, x, outer = todo.pop()
        items = enumerate(x) if is_sequence(x) else cast("dict[Any, Any]", x).items() \
            if isinstance(x, dict) else _node_items(x)
        if items is None:
            yield at_key, at, x
            continue
        _refuse_cycle(x, at, outer)
        inner: tuple[tuple[Any, tuple[Any, ...]], ...] = outer + ((cast(Any, x), at),)
        todo += reversed([(at_key + (int(k) if isinstance(k, str) and k.isdecimal() else k,), at + (k,), child, inner)
                          for k, child in items])


def _refuse_cycle(x: Any, path: tuple[Any, ...], outer: tuple[tuple[Any, tuple[Any, ...]], ...]) -> None:
    """Raises where ``x`` (at ``path``) is among the ``outer`` (object, path) pairs that hold it: a list or dict
    appended to after the module was built holds itself, which no pytree does, and a walk through it never
    ends."""
    holder = next((at for held, at in outer if held is x), None)
    if holder is not None:
        raise ValueError(f"walk: parameter 'model' holds a cycle: {'/'.join(map(str, path))!r} is "
                         f"{'/'.join(map(str, holder)) or 'the model itself'!r}, which holds it (a list or dict "
                         "changed after the module was built); allowed: a pytree, which holds no cycle (JAX cannot "
                         "flatten one either)")


def _tree(model: Any) -> Iterator[tuple[Any, tuple[Any, ...], tuple[Any, ...], str, str, _Scan, tuple[int, ...]]]:
    """(module, key parts, path, kind, layout, scan, stacked axes where its class gives no rank) for ``model``
    and each submodule, parents first, however deep: read from a list of what is left to read, not by recursion,
    so no depth stops it (a module at two paths is read at each)."""
    known: dict[int, frozenset[Stack]] = {}
    # (module, key parts, path, the kind of its parent, the modules holding it with their paths, outermost first)
    todo: list[tuple[Any, tuple[Any, ...], tuple[Any, ...], str | None, tuple[tuple[Any, tuple[Any, ...]], ...]]] = [
        (model, (), (), None, ())]
    while todo:
        module, key, path, parent_kind, outer = todo.pop()
        _refuse_cycle(module, path, outer)
        scan = _scan(module)
        around = outer + ((module, path),)

        def stack(around: tuple[tuple[Any, tuple[Any, ...]], ...] = around) -> Stack:
            return innermost_stack(_stacks(m, known) for m, _ in reversed(around))

        kind, layout = _kind(module, parent_kind, scan[0], stack)
        layer: object = module
        lead = _norm_axes(layer, scan[0], stack) if kind == "norm" and registered_layer(type(layer)) is None else ()
        yield module, key, path, kind, layout, scan, lead or ()
        todo += [(child, key + sub_key, path + sub_path, kind, around)
                 for sub_key, sub_path, child in reversed(scan[1])]


def _stacks(module: Any, memo: dict[int, frozenset[Stack]]) -> frozenset[Stack]:
    """The stacks (the leading axes beyond one layer's rank, with their sizes; () for none) of the arrays whose
    rank their class gives (a ``Linear``'s, a ``LayerNorm``'s...) or whose stacked axes its registration gives
    (``ui.register_layer(..., stacked=N)``) in ``module`` and its submodules, however deep:
    each module's, once its submodules' are known (``memo``), from a list of what is left, not by recursion."""
    todo: list[tuple[Any, _Scan | None]] = [(module, None)]  # a module, and its scan once its children are queued
    queued: set[int] = set()  # the modules whose submodules are being read (a cycle is not followed)
    while todo:
        at, scan = todo.pop()
        if id(at) in memo:
            continue
        if scan is None:
            scan = _scan(at)
            queued.add(id(at))
            todo.append((at, scan))
            todo += [(child, None) for _, _, child in scan[1] if id(child) not in memo and id(child) not in queued]
            continue
        found: set[Stack] = set()
        layer: object = at
        info = registered_layer(type(layer))  # a class registered with stacked=N: its N leading axes (_stack_of)
        for name, x in scan[0].items():
            shape: tuple[int, ...] = tuple(x.shape)
            n = len(shape) - info.stacked if info is not None and info.stacked else _expected_ndim(at, name)
            if n is not None and 0 <= n <= len(shape):
                found.add(tuple(enumerate(shape[:len(shape) - n])))
        for _, _, child in scan[1]:
            found |= memo.get(id(child), frozenset())
        memo[id(at)] = frozenset(found)
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

    Fields declared ``eqx.field(static=True)`` are no leaves of the pytree, as Equinox flattens it: none is
    walked. Modules and containers are followed however deep they nest; one that holds itself (a list appended to
    after the module was built) is refused.

    Args:
        model: an Equinox module.

    Returns:
        A list of (``unifiedinit.Param``, handle), the handle being (the attribute path as a tuple of field names
        and positions, the array).

    Raises:
        TypeError: ``model`` is not an Equinox module.
        ValueError: ``model`` holds a cycle (a module or container that holds itself), which no pytree does.

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
        bases = framework_bases(type(cast(object, module)), "equinox.")  # Param.bases: its Equinox classes
        for sub_key, sub, x in held:  # arrays in a container field: reported, never guessed
            found.append((Param(path="/".join(map(str, path + sub)), kind="other", role="other", shape=tuple(x.shape),
                                layer=type(module).__name__, bases=bases, dtype=jnp.dtype(x.dtype).name,
                                key_parts=key + sub_key), (path + sub, x)))
        if not arrays:
            continue
        layer: object = module
        info = registered_layer(type(layer))
        main = info.main("weight") if info is not None else "weight"  # whose fans are the layer's (LayerInfo.main)
        for name, x in arrays.items():
            shape = tuple(x.shape)
            stacked = _stack_of(module, name, shape, lead)
            one = tuple(d for i, d in enumerate(shape) if i not in stacked)
            role = info.roles[name] if info is not None and name in info.roles else _ROLES.get(name, "other")
            if kind == "norm" and role == "bias":
                role = "shift"
            elif kind == "norm" and role == "weight":
                role = "scale"
            elif kind == "embedding" and role == "weight":
                role = "embedding"
            weight = arrays.get(main, arrays.get("weight_ih"))
            layer_fans = None
            if kind == "recurrent":
                hidden = module.hidden_size
                layer_fans = (hidden, hidden)
            else:
                w = _declared_weight(module) if weight is None else \
                    tuple(d for i, d in enumerate(weight.shape) if i not in _stack_of(module, main, weight.shape, lead))
                if w is not None and len(w) >= 2 and all(w):
                    layer_fans = _layer_fans(module, w, layout)
            own_layout = (info.layouts.get(name) if info is not None else None) or \
                (_grouped(layout, module) if role in ("weight", "embedding") else "torch")
            found.append((Param(path="/".join(map(str, path + (name,))), kind=kind, role=role, shape=shape,
                                layout=own_layout, layer_fans=layer_fans, layer=type(module).__name__, bases=bases,
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

    def prepare(self, report: Any, skip: frozenset[str] = frozenset()) -> None:
        """An abstract BatchNorm's state gets the values its constructor gives it (``_state_defaults``) before
        ``JaxTarget.prepare`` names every abstract leaf that is left (SpectralNorm's u and v, a user's state); a
        WeightNorm's ``g`` that follows a drawn weight (``weight_norms_following``) gets its value in ``result``,
        so it is not among them, and its sharding is checked here, before anything is written."""
        self.model = _state_defaults(self.model, self.mesh)
        handles = {p.path: h for p, h in self.found}
        written = {handles[e.param.path][0] for e in report.entries if e.spec is not None}
        filled = {"/".join(map(str, at)): g for at, _, g in _weight_norms(self.model, written)}
        super().prepare(report, skip | set(filled))
        for name, g in filled.items():
            try:
                concrete(getattr(g, "sharding", None), self.mesh)
            except ValueError as error:
                raise ValueError(f"Plan.apply: {name!r} (a WeightNorm's g, following its weight): {error}") from None

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
        follow = weight_norms_following(new, set(paths), self.mesh)  # a WeightNorm's g follows its drawn weight

        def norms(m: Any) -> list[Any]:
            return [_get(m, path) for path, _ in follow]

        if follow:
            new = eqx.tree_at(norms, new, [g for _, g in follow])
        return new, report


def _weight_norms(model: Any, written: set[tuple[Any, ...]]) -> list[tuple[tuple[Any, ...], Any, Any]]:
    """(the path of ``g``, the layer's weight, ``g``) for each ``eqx.nn.WeightNorm`` of ``model`` whose layer's
    weight is among the ``written`` attribute paths, of ``g``'s rank, and whose ``g`` is not: the ``g`` that
    ``weight_norms_following`` fills."""
    out: list[tuple[tuple[Any, ...], Any, Any]] = []
    for module, _, path, *_ in _tree(model):
        if not isinstance(module, eqx.nn.WeightNorm):
            continue
        at = path + ("layer", module.weight_name)
        if at not in written or path + ("g",) in written:
            continue
        v, g = _get(model, at), module.g
        if v.ndim == g.ndim:
            out.append((path + ("g",), v, g))
    return out


def weight_norms_following(model: Any, written: set[tuple[Any, ...]],
                           mesh: Any = None) -> list[tuple[tuple[Any, ...], Any]]:
    """For each ``eqx.nn.WeightNorm`` of ``model`` whose layer's weight is among the ``written`` attribute paths
    and whose ``g`` is not: (the path of ``g``, its new value ||v||, over every axis its ``g`` keeps as 1), as the
    constructor sets it, so the layer computes the drawn weight and not the drawn direction times the old norm. A
    stacked ``WeightNorm`` (``eqx.filter_vmap`` over its constructor) gets one norm per layer the same way. The
    norm is computed from the weight as one array (``_whole``) with no mesh in context (``no_mesh``), so it has
    the bits the unsharded weight gives on any mesh, and is put where ``g`` lives (an abstract mesh's ``g`` on
    ``mesh`` or the mesh in context)."""
    out: list[tuple[tuple[Any, ...], Any]] = []
    for at, v, g in _weight_norms(model, written):
        sharding = concrete(getattr(g, "sharding", None), mesh)
        axes = tuple(i for i, n in enumerate(g.shape) if n == 1)
        with no_mesh():
            whole = _whole(v)
            norm = jnp.sqrt(jnp.sum(jnp.square(whole.astype(jnp.promote_types(v.dtype, jnp.float32))), axis=axes,
                                    keepdims=True)).astype(g.dtype)
            out.append((at, norm if sharding is None else jax.device_put(norm, sharding)))
    return out


def _whole(x: jax.Array) -> jax.Array:
    """``x`` as one array: one spread over devices replicated on its mesh (else gathered on one of its devices),
    so that a reduction over it runs as on one device, never shard by shard with other rounding."""
    sharding: Any = x.sharding
    if not spread(sharding):
        return x
    if isinstance(sharding, NamedSharding):
        return jax.device_put(x, NamedSharding(sharding.mesh, PartitionSpec()))
    first = min(sharding.device_set, key=lambda d: d.id)
    return jax.device_put(x, SingleDeviceSharding(first))


def _state_defaults(model: Any, mesh: Any = None) -> Any:
    """``model`` with each abstract leaf (``jax.ShapeDtypeStruct``, as ``eqx.filter_eval_shape`` gives) of an
    ``eqx.nn.BatchNorm``'s state (its ``StateIndex``es: running mean and variance, the first-call flag or the batch
    counter) given the values its constructor gives the concrete layer, read from a BatchNorm built with the same
    size, axis name, mode and dtype (broadcast over the layers of a stack), as torch's ``reset_running_stats``
    gives a meta BatchNorm's; a leaf that names a sharding is put there (``mesh=`` or the mesh in context for an
    abstract mesh). Any other abstract leaf is left as it is: ``JaxTarget.prepare`` names it (a ``SpectralNorm``'s
    u and v come from a key of the constructor's, which no plan knows)."""
    paths: list[tuple[Any, ...]] = []
    values: list[Any] = []
    if not any(isinstance(x, jax.ShapeDtypeStruct) for x in jax.tree_util.tree_leaves(model)):
        return model  # a concrete model: no second walk
    for module, _, path, *_ in _tree(model):
        if not isinstance(module, _NN.BatchNorm):
            continue
        norm: Any = module
        states = {f.name: getattr(norm, f.name) for f in dataclasses.fields(norm)
                  if isinstance(getattr(norm, f.name, None), _NN.StateIndex)}
        leaves = {name: cast("list[tuple[Any, Any]]", jax.tree_util.tree_flatten_with_path(index.init)[0])
                  for name, index in states.items()}
        abstract = [x for flat in leaves.values() for _, x in flat if isinstance(x, jax.ShapeDtypeStruct)]
        if not abstract:
            continue
        dtype = next((x.dtype for x in abstract if jnp.issubdtype(x.dtype, jnp.floating)), None)
        built: Any = _NN.BatchNorm(norm.input_size, norm.axis_name, dtype=dtype,
                                   **({"mode": norm.mode} if hasattr(norm, "mode") else {}))
        for name, flat in leaves.items():
            index = getattr(built, name, None)
            fresh: list[Any] = jax.tree_util.tree_leaves(index.init) if isinstance(index, _NN.StateIndex) else []
            if len(fresh) != len(flat):
                continue  # a state this version's constructor does not build: named as unset
            for (at, x), value in zip(flat, fresh):
                if not isinstance(x, jax.ShapeDtypeStruct):
                    continue
                leaf = path + (name, "init") + _walk_path(states[name].init, at)
                try:
                    sharding = concrete(getattr(x, "sharding", None), mesh)
                except ValueError as error:
                    raise ValueError(f"Plan.apply: state {'/'.join(map(str, leaf))!r}: {error}") from None
                value = jnp.broadcast_to(jnp.asarray(value, x.dtype), x.shape)
                paths.append(leaf)
                values.append(value if sharding is None else jax.device_put(value, sharding))
    if not paths:
        return model

    def where(m: Any) -> list[Any]:
        return [_get(m, at) for at in paths]

    return eqx.tree_at(where, model, values)


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
