"""Flax models as parameter records: NNX modules (kinds from the module objects, stacked axes from each class's
own rank), linen modules (their tree read by binding or by tracing a call) and bare linen variable trees (kinds
from names), and the target the apply loop writes through (an NNX module in place, a linen tree as a new tree)."""
# jax/flax: jaxlib ships no type stubs (jax.device_put's Device); jax.eval_shape and nnx.state are partly untyped
# pyright: reportUnknownMemberType=false

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Sequence, TypeGuard, cast

import jax
import jax.numpy as jnp

from ..._validate import is_mapping, jax_key, shown
from ...layout import LAYOUTS, Layout, LayoutLike, TensorInfo
from ...params import (STATISTICS, Param, Select, Stack, innermost_stack, looks_like_norm, norm_role, registered_layer,
                       framework_bases, stacked_axes, stacked_norm, tie)
from ...presets import TRANSPOSED_KERNEL
from .hooks import dtype_name as _dtype_name
from .ops import JaxTarget, check_mesh, concrete, context_mesh, is_sequence

if TYPE_CHECKING:
    from flax import nnx
    from flax.core.meta import AxisMetadata

#: where a linen leaf is: (collection, module path, name)
_Place = tuple[str, tuple[str, ...], str]


def _is_box(x: Any) -> TypeGuard[AxisMetadata[Any]]:
    """A Flax metadata box (``nn.Partitioned``, ``nn.LogicallyPartitioned``) around a linen leaf."""
    from flax.core import meta
    return isinstance(x, meta.AxisMetadata)


def _is_variable(x: Any) -> TypeGuard[nnx.Variable[Any]]:
    from flax import nnx
    return isinstance(x, nnx.Variable)


def owns(obj: Any) -> bool:
    """Is ``obj`` Flax's: an NNX or linen module, or a linen variables tree (a dict whose leaves are JAX or NumPy
    arrays, or Flax's boxed ones)?

    Args:
        obj: any object (``plan.apply`` asks every backend).

    Returns:
        True for an NNX module, a linen module or a linen variables or params tree; False for anything else.

    Raises:
        Nothing: any object gets an answer.

    Examples:
        >>> import jax.numpy as jnp
        >>> from flax import nnx
        >>> from unifiedinit.backends.flax import owns
        >>> owns(nnx.Linear(2, 3, rngs=nnx.Rngs(0))), owns({"params": {"kernel": jnp.zeros((2, 3))}}), owns([1, 2])
        (True, True, False)
    """
    from collections.abc import Mapping as AnyMapping
    if isinstance(obj, AnyMapping):
        from ...apply import leaf_root
        return leaf_root(obj) in ("jax", "jaxlib", "numpy", "flax")  # flax: a boxed leaf (nn.Partitioned)
    roots = {c.__module__.split(".")[0] for c in type(obj).__mro__}
    return "flax" in roots


#: Flax class names (NNX and linen; linen's automatic names are "<Class>_<n>") -> layer kind
_CLASS_KINDS = {
    "Linear": "dense", "Dense": "dense", "LinearGeneral": "dense", "DenseGeneral": "dense", "Einsum": "dense",
    "Conv": "conv", "ConvLocal": "conv", "ConvTranspose": "conv_transpose", "Embed": "embedding",
    "BatchNorm": "norm", "LayerNorm": "norm", "GroupNorm": "norm", "RMSNorm": "norm", "InstanceNorm": "norm",
    "WeightNorm": "norm", "SpectralNorm": "norm", "LoRA": "dense",
    "PReLU": "prelu", "LSTMCell": "recurrent", "OptimizedLSTMCell": "recurrent", "GRUCell": "recurrent",
    "SimpleCell": "recurrent", "MGUCell": "recurrent", "ConvLSTMCell": "recurrent",
    "MultiHeadAttention": "attention", "MultiHeadDotProductAttention": "attention", "SelfAttention": "attention"}
_CONTAINERS = ("recurrent", "attention")  # their sub-layers' parameters belong to them
_ROLES = {"kernel": "weight", "bias": "bias", "embedding": "embedding", "scale": "scale", "mean": "running_mean",
          "var": "running_var", "negative_slope": "slope"}
#: the rank each of a class's own parameters has in one layer (a larger rank means stacked layers in front)
_NDIM = {"Linear": {"kernel": 2, "bias": 1}, "Dense": {"kernel": 2, "bias": 1}, "Embed": {"embedding": 2},
         "PReLU": {"negative_slope": 0}, "LoRA": {"lora_a": 2, "lora_b": 2}}
_NORM_NDIM = {"scale": 1, "bias": 1, "mean": 1, "var": 1}
#: the rank of each projection's parameters in Flax's attention layers (MultiHeadDotProductAttention, NNX's
#: MultiHeadAttention): (in, heads, head_dim) and (heads, head_dim) in, (heads, head_dim, out) and (out,) out
_ATTENTION_NDIM = {"query": {"kernel": 3, "bias": 2}, "key": {"kernel": 3, "bias": 2},
                   "value": {"kernel": 3, "bias": 2}, "out": {"kernel": 3, "bias": 1}}


def _flax_class(obj: object) -> str:
    """The Flax layer class a module is, by name: the nearest class in its type's MRO that is Flax's own (defined
    in a ``flax.`` module) and a layer named in ``_CLASS_KINDS``, so a user's subclass of ``nnx.LinearGeneral`` is
    a ``LinearGeneral``; "" for a module of no Flax layer class, whatever its own name (a user's ``SelfAttention``
    holding a plain ``nnx.Linear`` is no Flax attention layer)."""
    return next((c.__name__ for c in type(obj).__mro__ if c.__module__.startswith("flax.") and
                 c.__name__ in _CLASS_KINDS), "")


def _expected_ndim(cls: str, obj: Any, name: str) -> int | None:
    """The rank of parameter ``name`` of one layer of class ``cls`` (``obj``: the module when known)."""
    if cls in _NDIM:
        return _NDIM[cls].get(name)
    if _CLASS_KINDS.get(cls) == "norm" and cls not in ("WeightNorm", "SpectralNorm"):
        axes = getattr(obj, "feature_axes", -1) if obj is not None else -1
        return (len(axes) if is_sequence(axes) else 1) if name in _NORM_NDIM else None
    if cls in ("Conv", "ConvTranspose") and obj is not None:
        size = getattr(obj, "kernel_size", None)
        k = len(size) if is_sequence(size) else 1
        return {"kernel": k + 2, "bias": 1}.get(name)
    if cls == "Einsum" and obj is not None:  # NNX's kernel_shape / bias_shape, linen's shape
        kernel = getattr(obj, "kernel_shape", None) or getattr(obj, "shape", None)
        bias = getattr(obj, "bias_shape", None)
        return {"kernel": len(kernel) if kernel else None, "bias": len(bias) if bias else None}.get(name)
    if cls in ("LinearGeneral", "DenseGeneral") and obj is not None:
        n_batch, n_in, n_out = _general_axes(obj)
        return {"kernel": n_batch + n_in + n_out, "bias": n_batch + n_out}.get(name)
    return None


def _general_axes(layer: Any) -> tuple[int, int, int]:
    """(batch, input, feature) axis counts of a linen ``DenseGeneral`` (``batch_dims``, ``axis``, ``features``)
    or an NNX ``LinearGeneral`` (``batch_axis``, ``in_features``, ``out_features``): its kernel is stored in
    that order."""
    def count(x: Any) -> int:
        return len(x) if is_sequence(x) else len(x) if is_mapping(x) else 1
    if hasattr(layer, "out_features"):
        return count(getattr(layer, "batch_axis", ())), count(layer.in_features), count(layer.out_features)
    return count(getattr(layer, "batch_dims", ())), count(getattr(layer, "axis", -1)), count(layer.features)


_LIST_NAME = re.compile(r"(.+)_([0-9]+)$")  # ASCII digits: a name like "layers_٣" is a name, as NNX keys it


def _key_part(part: Any) -> tuple[Any, ...]:
    """An NNX path part as key parts: positions in an ``nnx.List`` (or a list) become ints. Only ASCII decimal
    digits make a position: ``str.isdigit`` is true of "²", which ``int`` refuses, and "٣" is a name to NNX."""
    if isinstance(part, int):
        return (part,)
    return (int(part),) if _is_position(str(part)) else (str(part),)


def _is_position(text: str) -> bool:
    """Is ``text`` a list position as linen and NNX write one: ASCII decimal digits only."""
    return text.isascii() and text.isdecimal()


def _linen_key_parts(paths: Iterable[tuple[str, ...]], sequential: Iterable[tuple[str, ...]] = (),
                     members: Mapping[tuple[tuple[str, ...], str], tuple[Any, ...]] | None = None
                     ) -> dict[tuple[str, ...], tuple[Any, ...]]:
    """Key parts of linen module paths. Linen names the modules of a list ``layers_0``, ``layers_1``, ...: a
    name ``<base>_<i>`` becomes ``<base>/<i>`` when its siblings with that base are numbered 0..n-1 (a list, or
    linen's automatic ``Dense_0``...); a name like GPT-2's ``ln_1`` beside ``ln_2`` stays a name. ``members``:
    (parent path, name) -> (attribute, position) of the modules known from the module tree to sit in a list,
    tuple or decimal-keyed dict attribute (``_held``): those are split whatever their numbers, as torch's
    ``ModuleList`` and NNX's ``nnx.List`` give them (a parameterless layer leaves a gap: ``layers_0``,
    ``layers_2``); a member given no parts (an ``nn.RNN``'s ``cell``) is left out of the key. Under an
    ``nn.Sequential`` (the paths in ``sequential``: known from the module, not from a
    bare tree) its ``layers_<i>`` are the position ``<i>`` alone, as torch's and NNX's ``Sequential`` give them,
    whatever functions sit between them."""
    transparent = set(sequential)
    members = members or {}
    paths = list(paths)
    siblings: dict[tuple[str, ...], set[str]] = {}
    for path in paths:
        for i in range(len(path)):
            siblings.setdefault(path[:i], set()).add(path[i])
    split: dict[tuple[tuple[str, ...], str], tuple[Any, ...]] = {}
    for parent, names in siblings.items():
        runs: dict[str, set[int]] = {}
        for name in names:
            m = _LIST_NAME.fullmatch(name)
            if m:
                runs.setdefault(m.group(1), set()).add(int(m.group(2)))
        for name in names:
            m = _LIST_NAME.fullmatch(name)
            if m and parent in transparent and m.group(1) == "layers":
                # a Sequential's positions, activations included (ranked among those holding parameters later)
                split[(parent, name)] = (int(m.group(2)),)
            elif (parent, name) in members:
                split[(parent, name)] = members[(parent, name)]
            elif m and runs[m.group(1)] == set(range(len(runs[m.group(1)]))):
                split[(parent, name)] = (m.group(1), int(m.group(2)))
    return {path: tuple(x for i, part in enumerate(path) for x in split.get((path[:i], part), (part,)))
            for path in {p[:i] for p in paths for i in range(len(p) + 1)}}


@dataclass
class _Layer:
    """What is known of the module at one path: its class name, the module (when known) and, from a traced call
    (linen with ``inputs=``), the shapes its own variables have inside it (one layer, under ``nn.scan``)."""

    #: its own class's name (the report's layer, ``Select(layer=...)``'s), or the name a bare tree gives it
    cls: str
    obj: Any = None
    seen: dict[tuple[str, str], tuple[int, ...]] = field(default_factory=lambda: {})
    #: the submodules its attributes hold, by the name linen gives each -> their key parts (``_held``)
    held: dict[str, tuple[Any, ...]] = field(default_factory=lambda: {})
    #: of those, the ones whose variables live at another path (a module shared by two attributes) -> that path
    aliases: dict[str, tuple[str, ...]] = field(default_factory=lambda: {})
    #: the Flax layer class whose kind, ranks, fans and layout it has (``_flax_class``; by name where no module is
    #: known: linen's ``Dense_0``)
    flax: str = field(init=False, default="")

    def __post_init__(self) -> None:
        self.flax = _flax_class(self.obj) if self.obj is not None else self.cls


def _held(module: Any, path: tuple[str, ...]) -> tuple[dict[str, tuple[Any, ...]], dict[str, tuple[str, ...]]]:
    """The submodules a linen module at ``path`` (bound, its ``setup`` run) holds in its attributes, as
    (held, aliases). ``held``: the name linen gives each (``<attribute>``, or ``<attribute>_<key>`` in a list,
    tuple or dict attribute, ``<attribute>_<key>_<key>`` in one nested in another) -> its key parts, as torch and
    NNX key them: ``(attribute,)``, ``(attribute, position)`` (a decimal key a position), ``(attribute, 0,
    "fc")`` for ``blocks_0_fc``: so a plain attribute named ``fc_0`` is no list position, and a list with a gap a
    parameterless member leaves (``layers_0``, ``layers_2``) is still a list. ``aliases``: the names among those
    whose module's variables live at another path (``self.dec = self.enc``, a module handed to another as an
    attribute) -> that path: its variables are reached under both (tied)."""
    import flax.linen as nn
    held: dict[str, tuple[Any, ...]] = {}
    aliases: dict[str, tuple[str, ...]] = {}
    try:
        attributes = cast("dict[str, Any]", vars(module))
    except TypeError:
        return held, aliases

    def visit(name: str, parts: tuple[Any, ...], value: Any, above: frozenset[int]) -> None:
        """Record ``value`` if it is a module, else the modules in it (a container at any depth; ``above``: the
        ids of the containers it sits in, so that one holding itself is not visited forever)."""
        if isinstance(value, nn.Module):
            scope = value.scope
            where = tuple(str(x) for x in scope.path) if scope is not None else path + (str(value.name),)
            if where == path + (name,):
                held[name] = parts
            elif path[:len(where)] != where:  # not the module itself or one above it (a parent reference)
                held[name], aliases[name] = parts, where
            return
        ident = id(cast(object, value))
        if ident in above:
            return
        items: Iterable[tuple[Any, Any]] = value.items() if is_mapping(value) else \
            enumerate(cast("Sequence[Any]", value)) if isinstance(value, (list, tuple)) else ()
        for key, child in items:
            if isinstance(key, (int, str)) and not isinstance(key, bool):
                visit(f"{name}_{key}", parts + _key_part(key), child, above | {ident})

    for attribute, value in list(attributes.items()):
        if not attribute.startswith("_") and attribute not in ("parent", "scope"):
            visit(attribute, (attribute,), value, frozenset())
    return held, aliases


#: the prefixes linen's lifted transforms give the class they make of a module class (nn.vmap(nn.Dense) is a
#: ``VmapDense``, nn.remat(nn.scan(nn.Conv)) a ``CheckpointScanConv``): its layer is the class they wrap
_LIFTED = re.compile(r"(?:Vmap|Scan|Remat_scan|Checkpoint|Jit|Map_variables|Fold_rngs)+(.+)")


def _class_of_name(name: str) -> str:
    head, _, tail = name.rpartition("_")
    head = head if _is_position(tail) and head else name
    lifted = _LIFTED.fullmatch(head)
    return lifted.group(1) if head not in _CLASS_KINDS and lifted and lifted.group(1) in _CLASS_KINDS else head


def _stacked(shape: tuple[int, ...], seen: tuple[int, ...] | None, expected: int | None) -> tuple[int, ...]:
    """The stacked axes of a parameter: where its shape has axes the layer's own view (``seen``) lacks, else the
    leading axes beyond the class's rank. Where several choices fit (12 layers of 12 heads, a stack of 3 conv
    kernels of size 3), the first is taken: the leading axes, ``nn.scan``'s and ``nnx.vmap``'s default."""
    if seen is not None and len(seen) < len(shape):
        for axes in _axis_choices(len(shape), len(shape) - len(seen)):
            if tuple(d for i, d in enumerate(shape) if i not in axes) == tuple(seen):
                return axes
    return stacked_axes(shape, expected)


def _declared(obj: Any, name: str) -> tuple[int, ...] | None:
    """The shape one layer's parameter ``name`` has by the sizes an NNX module declares (``Linear``'s
    in/out_features, ``Embed``'s num_embeddings/features, ``Conv``'s, ``ConvTranspose``'s and ``Einsum``'s
    kernel_shape, ``LinearGeneral``'s batch_axis, in_features and out_features, a norm's num_features,
    ``LoRA``'s in/out_features and the rank its two factors share): where a stack is (``nnx.vmap(out_axes=1)``)."""
    def sizes(x: Any) -> tuple[int, ...] | None:
        out = tuple(x) if is_sequence(x) else (x,)
        return out if all(isinstance(d, int) and not isinstance(d, bool) for d in out) else None
    cls = _flax_class(obj)
    n_in, n_out = getattr(obj, "in_features", None), getattr(obj, "out_features", None)
    if cls == "Linear" and isinstance(n_in, int) and isinstance(n_out, int):
        return {"kernel": (n_in, n_out), "bias": (n_out,)}.get(name)
    # NNX's BatchNorm, LayerNorm, RMSNorm, GroupNorm (which keeps num_groups x group_size): (num_features,)
    groups, size = getattr(obj, "num_groups", None), getattr(obj, "group_size", None)
    norm = groups * size if isinstance(groups, int) and isinstance(size, int) else getattr(obj, "num_features", None)
    if _CLASS_KINDS.get(cls) == "norm" and name in _NORM_NDIM and isinstance(norm, int):
        return (norm,)
    if cls == "LoRA" and name in ("lora_a", "lora_b") and isinstance(n_in, int) and isinstance(n_out, int):
        return _lora_shapes(obj, n_in, n_out).get(name)
    rows, features = getattr(obj, "num_embeddings", None), getattr(obj, "features", None)
    if cls == "Embed" and name == "embedding" and isinstance(rows, int) and isinstance(features, int):
        return (rows, features)
    kernel = sizes(getattr(obj, "kernel_shape", None))
    if cls in ("Conv", "ConvTranspose") and kernel is not None and isinstance(n_out, int):
        return {"kernel": kernel, "bias": (n_out,)}.get(name)
    if cls == "Einsum" and kernel is not None:
        bias = getattr(obj, "bias_shape", None)
        return {"kernel": kernel, "bias": sizes(bias) if bias is not None else None}.get(name)
    batch: Any = getattr(obj, "batch_axis", None)
    ins, outs = sizes(n_in), sizes(n_out)
    if cls == "LinearGeneral" and is_mapping(batch) and ins is not None and outs is not None:
        stack = sizes(tuple(batch[k] for k in sorted(batch)))  # as LinearGeneral orders them
        if stack is not None:
            return {"kernel": stack + ins + outs, "bias": stack + outs}.get(name)
    return None


def _lora_shapes(obj: Any, n_in: int, n_out: int) -> dict[str, tuple[int, ...]]:
    """One layer's shapes of an NNX ``LoRA``'s factors, (in, rank) and (rank, out), found in the stored ones: the
    stacked axes (the same in both, of the same sizes) whose removal leaves them (the leading ones first). LoRA
    keeps no rank of its own; {} where no choice fits."""
    a, b = (getattr(obj, name, None) for name in ("lora_a", "lora_b"))
    if not (_is_variable(a) and _is_variable(b) and _is_array(a.get_value()) and _is_array(b.get_value())):
        return {}
    sa, sb = tuple(a.get_value().shape), tuple(b.get_value().shape)
    if len(sa) != len(sb) or len(sa) < 2:
        return {}
    for axes in _axis_choices(len(sa), len(sa) - 2):
        one_a = tuple(d for i, d in enumerate(sa) if i not in axes)
        one_b = tuple(d for i, d in enumerate(sb) if i not in axes)
        if one_a[0] == n_in and one_b[1] == n_out and one_a[1] == one_b[0] and all(sa[i] == sb[i] for i in axes):
            return {"lora_a": one_a, "lora_b": one_b}
    return {}


def _stacked_by_bias(cls: str, own: Mapping[str, tuple[int, ...]]) -> tuple[int, ...] | None:
    """The stacked axes of a Flax ``Dense``'s (``Linear``'s), ``Conv``'s or ``ConvTranspose``'s kernel and bias
    (their shapes ``own``) read from its bias, which is (features,) in one layer: each axis more is a stack
    (``nn.scan``, ``nn.vmap``), at the same position in both (their ``variable_axes``: ``{"params": 1}`` too), of the
    same size, and the rest of the kernel is one layer's (in, features), (*k, in, features) ((*k, features, in) with
    ``transpose_kernel``); the stack may also sit at the kernel's end (``variable_axes={"params": -1}``). () for a
    one-axis bias; None where there is no bias, no reading fits, or several do (names cannot tell them apart: the
    walk guesses and warns)."""
    kernel, bias = own.get("kernel"), own.get("bias")
    if cls not in ("Dense", "Linear", "Conv", "ConvTranspose") or kernel is None or bias is None or not bias:
        return None
    found: list[tuple[int, ...]] = []
    for axes in _axis_choices(len(bias), len(bias) - 1):
        # the stack at the same place counted from the front (variable_axes 0, 1) or from the back (-1)
        for at in dict.fromkeys((axes, tuple(i + len(kernel) - len(bias) for i in axes))):
            one = tuple(d for i, d in enumerate(kernel) if i not in at)
            (features,) = (d for i, d in enumerate(bias) if i not in axes)
            if (len(one) == 2 if cls in ("Dense", "Linear") else len(one) >= 3) and \
                    all(0 <= k < len(kernel) and kernel[k] == bias[i] for k, i in zip(at, axes)) and \
                    features in one[-2 if cls == "ConvTranspose" else -1:]:
                found.append(at if at == axes else (-1,))  # (-1,): the kernel's stack is not where the bias's is
    readings = list(dict.fromkeys(found))
    return readings[0] if len(readings) == 1 and readings[0] != (-1,) else None  # several: names cannot tell


def _axis_choices(ndim: int, k: int) -> list[tuple[int, ...]]:
    import itertools
    return [tuple(c) for c in itertools.combinations(range(ndim), k)]


def _describe(path: tuple[str, ...], layers: Mapping[tuple[str, ...], _Layer], name: str, shape: tuple[int, ...],
              own: Mapping[str, tuple[int, ...]], dtype: Any, *, collection: str = "params", trainable: bool = True,
              key_parts: tuple[Any, ...] | None = None, stack: Callable[[], Stack] | None = None) -> Param:
    """A Flax parameter as a Param. ``own``: the shapes of the arrays of its module by name (its fans, and
    whether it is a norm). ``stack``: the stacked axes of the layers around its module (``nnx.vmap``), for a
    module whose class gives its arrays no rank: a user's norm is one by one layer's shapes."""
    chain = [layers.get(path[:i]) for i in range(len(path) + 1)]  # the root model first
    inferred = "names" if chain[-1] is None else ""
    classes = [c.flax if c is not None else _class_of_name(path[i - 1]) for i, c in enumerate(chain) if i or c]
    here = chain[-1] or _Layer(classes[-1] if classes else "")
    expected = _expected_ndim(here.flax, here.obj, name)
    if expected is None and here.obj is None and len(classes) > 1 and path[-1] in _ATTENTION_NDIM and \
            _CLASS_KINDS.get(classes[-2]) == "attention":
        # a projection of an attention layer known by its name only (a bare tree, an nn.scan'd block): Flax's
        # (in, heads, head_dim) / (heads, head_dim, out) kernels, so a stack in front is seen as one
        expected = _ATTENTION_NDIM[path[-1]].get(name)
    seen = here.seen.get((collection, name))
    if seen is None and here.obj is not None:
        seen = _declared(here.obj, name)
    # the bias's stack, where it fits what the layer sees (of the axes of one size the layer's view cannot tell,
    # nnx.vmap(out_axes=1) of three 3 x 3 convs, the one the bias has)
    by_bias = _stacked_by_bias(here.flax, own) if name in ("kernel", "bias") else None
    if by_bias is not None and seen is not None and \
            tuple(d for i, d in enumerate(shape) if i not in by_bias) != tuple(seen):
        by_bias = None
    layer: object = here.obj
    info = registered_layer(type(layer)) if layer is not None else None
    # a class registered with stacked=N: its N leading axes, as the torch, Keras and Equinox walks read them
    stacked = tuple(range(info.stacked)) if info is not None and info.stacked else \
        by_bias if by_bias is not None else _stacked(shape, seen, expected)

    def one(s: Sequence[int]) -> tuple[int, ...]:  # one layer's shape
        return tuple(d for i, d in enumerate(s) if i not in stacked)

    kinds = [_CLASS_KINDS.get(c, "other") for c in classes]
    container = next((k for k in kinds[:-1] if k in _CONTAINERS), None)
    if kinds and kinds[-1] == "norm":
        container = None  # a norm inside attention (normalize_qk's query_ln) is a norm, not a projection
    kind = container or (kinds[-1] if kinds else "other")
    if container is None and info is not None:
        kind = info.kind
    elif kind == "other" and looks_like_norm(here.cls, {k: one(v) for k, v in own.items()}):
        kind = "norm"
    elif kind == "other" and not stacked and stack is not None and stacked_norm(here.cls, own, stack()):
        kind, stacked = "norm", tuple(axis for axis, _ in stack())  # `one` reads these from here on
    elif kind == "other" and "kernel" in own:  # a user's own module holding a kernel
        kind = "dense" if len(one(own["kernel"])) == 2 else "conv"
    # linen's WeightNorm names its scale after the kernel it scales: 'Dense_0/kernel/scale'
    role = info.roles[name] if info is not None and name in info.roles else \
        _ROLES.get(name.rsplit("/", 1)[-1], "other")
    if kind == "norm" and role in ("bias", "other"):  # a user's norm's weight or gamma is its scale, as torch's
        role = "shift" if name in ("bias", "offset", "beta") else norm_role(name) if role == "other" else role
    sub = path[-1] if path else ""
    # the recurrent cell a parameter belongs to (the report's layer is its sub-layer: a Dense, Linear or Conv)
    cell = next((c for c in reversed(classes[:-1]) if _CLASS_KINDS.get(c) == "recurrent"), None) \
        if container == "recurrent" else None
    if kind == "recurrent" and role == "weight" and (sub.startswith("h") or sub == "dense_h"):
        role = "recurrent_weight"  # LSTMCell's hi/hf/hg/ho, OptimizedLSTMCell's h / dense_h, GRUCell's hr/hz/hn
    layout: LayoutLike = {"embedding": "flax_embedding", "conv_transpose": "flax_conv_transpose"}.get(kind, "flax")
    label = here.cls
    if kind == "conv_transpose" and getattr(layer, "transpose_kernel", False) is True:
        # the forward convolution's kernel (*k, out, in), which lax flips: Keras's storage, not torch's reversed;
        # Flax's own fans of it are by position (fan_in = out x RF), so presets.flax tells it by this label
        layout, label = "flax_conv_transpose_kernel", TRANSPOSED_KERNEL
    # the Flax classes its class derives from, which layer globs match too (not for the transposed kernel's label,
    # which a subclass shares with its Flax class)
    bases = framework_bases(type(layer), "flax.") if layer is not None and label == here.cls else ()
    main_name = "kernel" if "kernel" in own else "embedding"  # the parameter whose fans are the layer's
    if info is not None:  # a registered layer's: the one it names a weight (LayerInfo.main)
        main_name = info.main(main_name)
    # the layer's fans are its main parameter's, read in that parameter's registered layout (not the bias's own)
    main_layout: LayoutLike = info.layouts.get(main_name, layout) if info is not None else layout
    if info is not None and name in info.layouts:
        layout = info.layouts[name]
    if kind == "attention" and len(one(own.get("kernel", ()))) == 3:
        layout = main_layout = "multihead_out" if sub == "out" else "flax_multihead_qkv"
    elif layer is not None and here.flax in ("DenseGeneral", "LinearGeneral") and "kernel" in own:
        layout = _general_layout(layer, layout)  # the kernel's, whose fans its bias's rules read too
        main_layout = _general_layout(layer, main_layout)
    layer_fans = None
    if kind == "recurrent":
        width = one(shape)[-1] if role != "bias" else one(shape)[0]
        # the cell's module where known (its features), for the gates its sub-layer stacks
        owner = next((c.obj for c in reversed(chain[:-1]) if c is not None and c.flax == cell), None) \
            if cell is not None else None
        hidden = width // _gates(cell or (classes[-1] if classes else ""), sub, width, owner)
        layer_fans = (hidden, hidden)
    else:
        main = own.get(main_name)
        if main is not None and len(one(main)) >= 2 and all(one(main)):
            layer_fans = TensorInfo.make(one(main), main_layout).fans
    if key_parts is None:
        key_parts = tuple(x for part in path for x in _key_part(part))
    if cell is not None and len(classes) > 1 and classes[-2] == cell and sub in _STACKED_SUBS.get(cell, ()) and \
            key_parts and key_parts[-1] == sub:
        key_parts = key_parts[:-1]  # a cell's stacked sub-layer: keyed as the cell itself (_uncollapse)
    return Param(path="/".join(path + (name,)), kind=kind, role=role, shape=shape,
                 # Param.layout says str, but a Layout works (a DenseGeneral's own, as a Keras EinsumDense's)
                 layout=cast(str, layout) if role in ("weight", "embedding") else "flax", layer_fans=layer_fans,
                 layer=label, bases=bases, dtype=_dtype_name(dtype), trainable=trainable, stacked=stacked,
                 inferred=inferred, key_parts=key_parts, stack_depth=None)


def _nnx_stacks(modules: Sequence[tuple[tuple[str, ...], object]]) -> dict[tuple[str, ...], frozenset[Stack]]:
    """For each module path, the stacked axes (with their sizes; () for none) of the variables whose rank or shape
    their class gives (a ``Linear``'s, a ``LayerNorm``'s...) or whose stacked axes its registration gives
    (``ui.register_layer(..., stacked=N)``) in the module and its submodules."""
    out: dict[tuple[str, ...], set[Stack]] = {}
    for path, module in modules:
        cls, info = _flax_class(module), registered_layer(type(module))
        for name, var in vars(module).items():
            if not _is_variable(var) or not _is_array(var.get_value()):
                continue
            shape = tuple(var.get_value().shape)
            expected, seen = _expected_ndim(cls, module, name), _declared(module, name)
            if info is not None and info.stacked:  # a class registered with stacked=N: its N leading axes
                axes = tuple(range(min(info.stacked, len(shape))))
            elif expected is None and seen is None:
                continue
            else:
                axes = _stacked(shape, seen, expected)
            for i in range(len(path) + 1):
                out.setdefault(path[:i], set()).add(tuple((axis, shape[axis]) for axis in axes))
    return {path: frozenset(found) for path, found in out.items()}


#: the recurrent cells whose input and hidden sub-layers each stack all the gates, in torch's and Keras's order (NNX's
#: OptimizedLSTMCell i, f, g, o; GRUCell r, z, n; SimpleCell's one), by those sub-layers' names (NNX's dense_i and
#: dense_h, linen's i and h): their parameters are keyed as the cell's own (``weight``, ``recurrent_weight``,
#: ``bias``), as a torch cell's and a Keras RNN's, so portable mode gives them the torch cell's values. linen's
#: OptimizedLSTMCell, LSTMCell, GRUCell and MGUCell keep one kernel per gate (``ii``...``ho``), and a
#: ConvLSTMCell's ``ih``/``hh`` stack i, g, f, o: keyed by their sub-layers
_STACKED_SUBS = {"OptimizedLSTMCell": ("i", "h", "dense_i", "dense_h"), "SimpleCell": ("i", "h", "dense_i", "dense_h"),
                 "GRUCell": ("dense_i", "dense_h")}


def _uncollapse(found: list[tuple[Param, Any]]) -> list[tuple[Param, Any]]:
    """Where two parameters of a cell's stacked sub-layers, keyed as the cell's own, have one role (a cell whose
    input and hidden sub-layers both hold a bias), each keeps its sub-layer's name in its key instead."""
    def key(p: Param) -> tuple[Any, ...]:
        return tuple(p.key_parts or ()), p.role, p.key_leaf
    counts: dict[tuple[Any, ...], int] = {}
    for p, _ in found:
        counts[key(p)] = counts.get(key(p), 0) + 1
    out: list[tuple[Param, Any]] = []
    for p, handle in found:
        module = p.path.split("/")[-2] if p.path.count("/") else ""
        if counts[key(p)] > 1 and p.kind == "recurrent" and p.key_parts is not None and \
                module in ("i", "h", "dense_i", "dense_h") and p.key_parts[-1:] != (module,):
            p = p._replace(key_parts=tuple(p.key_parts) + (module,))
        out.append((p, handle))
    return out


#: the recurrent cells whose sub-layers each hold one gate's kernel (or, in SimpleCell, the only one)
_ONE_GATE = ("LSTMCell", "SimpleCell", "MGUCell", "GRUCell")


def _gates(cell: str, sub: str, width: int, module: Any = None) -> int:
    """How many gates one sub-layer of a recurrent ``cell`` stacks along its output axis (``width`` wide):
    its width over the cell's hidden size where the cell's ``module`` gives one (linen's ``features``, NNX's
    ``hidden_features``). Else by names: four in NNX's OptimizedLSTMCell (``dense_i``/``dense_h``), in a linen
    one whose sub-layers are stacked (``i``/``h``) and in a ConvLSTMCell's ``ih``/``hh``, three in NNX's GRUCell
    (``dense_i``/``dense_h``: r, z, n), one in linen's OptimizedLSTMCell (per-gate ``ii``...``ho``, as
    LSTMCell's), GRUCell, LSTMCell, SimpleCell and MGUCell; a cell known only by names is read as an
    OptimizedLSTMCell where its names are."""
    features = getattr(module, "hidden_features", getattr(module, "features", None)) if module is not None \
        else None
    if isinstance(features, int) and not isinstance(features, bool) and 0 < features <= width and \
            width % features == 0:
        return width // features
    stacked = sub in ("i", "h", "dense_i", "dense_h")
    if cell == "ConvLSTMCell":
        return 4
    if cell == "OptimizedLSTMCell":
        return 4 if stacked else 1
    if cell == "GRUCell" and sub in ("dense_i", "dense_h"):
        return 3
    if cell in _ONE_GATE:
        return 1
    return 4 if stacked else 1


def _general_layout(layer: Any, default: LayoutLike) -> LayoutLike:
    """The layout of a linen ``DenseGeneral`` or NNX ``LinearGeneral`` kernel (batch axes, input axes, features):
    Flax draws it as the matrix (batch x inputs, features) and reshapes it, so its fans are those of that matrix,
    with no receptive field, and ``Orthogonal`` makes that matrix orthogonal (a grouped layout). The named layout
    where the axes are one's (``flax`` for a plain matrix, ``flax_multihead_qkv`` and ``multihead_out`` for the
    projections), else a grouped ``Layout`` of its own."""
    if not hasattr(layer, "out_features") and not hasattr(layer, "features"):
        return default
    n_batch, n_in, n_out = _general_axes(layer)
    ins, outs = tuple(range(n_batch + n_in)), tuple(range(n_batch + n_in, n_batch + n_in + n_out))
    ndim = n_batch + n_in + n_out
    for name in ("flax", "flax_multihead_qkv", "multihead_out"):
        try:
            if LAYOUTS[name].resolve(ndim) == (outs, ins, ()):
                return name
        except ValueError:  # its axes do not fit a kernel of this rank
            continue
    return Layout(f"flax_general({n_batch}, {n_in}, {n_out})", outs, ins, min_ndim=ndim, grouped=True)


def _is_array(x: Any) -> bool:
    return hasattr(x, "shape") and hasattr(x, "dtype")


def _unbox(x: Any) -> Any:
    """The array (or ``jax.ShapeDtypeStruct``) inside a Flax metadata box (``nn.Partitioned``,
    ``nn.LogicallyPartitioned``), or ``x`` itself."""
    if not _is_box(x):
        return x
    try:  # without the sharding constraint a partitioned box applies under a mesh (an abstract leaf has none)
        return x.unbox(apply_constraint=False)  # type: ignore[call-arg]  # Partitioned's own option
    except TypeError:  # pragma: no cover - a box without the option
        return x.unbox()


def leaf_sharding(x: Any, mesh: Any = None) -> Any:
    """Where a linen leaf's values must live: the sharding of an array or of a ``jax.ShapeDtypeStruct``, else the
    one a Flax box names (``nn.with_partitioning``) on its own mesh, ``mesh`` or the mesh set by
    ``jax.set_mesh``; None when nothing says."""
    if _is_box(x):
        inner = getattr(_unbox(x), "sharding", None)
        if inner is not None:
            return concrete(inner, mesh)
        if not hasattr(x, "get_sharding"):
            return None
        names = getattr(x, "names", None)
        if hasattr(x, "rules"):  # nn.with_logical_partitioning: mapped by the box's rules or the context's
            return _named(names, cast(Any, x).rules, True, getattr(x, "mesh", None) or mesh)
        if _named(names, None, False, getattr(x, "mesh", None) or mesh) is None:
            return None
        return cast(Any, x).get_sharding(getattr(x, "mesh", None) or mesh or context_mesh())
    found = getattr(x, "sharding", None)
    if found is None and isinstance(x, jax.ShapeDtypeStruct) and context_mesh() is not None:
        # under jax.set_mesh: replicated on the mesh, as Flax's own init and nnx.eval_shape give it
        from jax.sharding import NamedSharding, PartitionSpec
        return NamedSharding(context_mesh(), PartitionSpec())
    return concrete(found, mesh)


def _named(names: Any, rules: Any, logical: bool, mesh: Any) -> Any:
    """The sharding that a Flax box's or an NNX variable's sharding names give on ``mesh`` or the mesh in
    context; logical names (``with_logical_partitioning``) are mapped by ``rules`` or those of
    ``nn.logical_axis_rules`` first. None when no name is a mesh axis and there is no mesh; a name with no mesh to
    resolve it on raises."""
    from jax.sharding import NamedSharding, PartitionSpec
    if logical:
        from flax.linen.spmd import logical_to_mesh_axes
        names = logical_to_mesh_axes(tuple(names or ()), rules)
    axes = tuple(names or ())
    used = [n for entry in axes for n in (entry if isinstance(entry, tuple) else (entry,)) if n is not None]
    twice = sorted({n for n in used if used.count(n) > 1}, key=str)
    if twice:  # JAX's own refusal (DuplicateSpecError) is no ValueError and names no parameter
        raise ValueError(f"its sharding names the mesh axis {twice[0]!r} more than once {axes}; allowed: each mesh "
                         "axis for at most one dimension")
    mesh = mesh or context_mesh()
    if mesh is None:
        if any(n is not None for n in axes):
            raise ValueError(f"its sharding names the mesh axes {axes} and no mesh is given: pass mesh= or apply the "
                             "plan under jax.set_mesh(mesh)")
        return None
    return NamedSharding(mesh, PartitionSpec(*axes))


def _roots(tree: Mapping[str, Any]) -> dict[str, Any]:
    return dict(tree) if "params" in tree and is_mapping(tree["params"]) else {"params": tree}


def _walk_tree(tree: Mapping[str, Any], layers: Mapping[tuple[str, ...], _Layer] | None = None
               ) -> list[tuple[Param, _Place]]:
    """A linen variables tree ({"params": ..., "batch_stats": ...}) or a bare params tree, as
    [(Param, (collection, path, name))]; kinds from ``layers`` (the module tree), else from linen's names."""
    roots = _roots(tree)
    layers = layers or {}
    places: list[tuple[str, tuple[str, ...], str, Any, dict[str, tuple[int, ...]]]] = []

    def visit(collection: str, node: Mapping[str, Any], path: tuple[str, ...]) -> None:
        for k, x in node.items():  # a library's object that is no array is a mistake (an initializer, a function
            # included, an empty box), and so is any value but None among the parameters (a nested list, passed
            # over, was left as it was and not even reported); elsewhere Python's own values (numbers, the tuples
            # a `sow` leaves) are no parameters: passed over
            library = type(x).__module__ != "builtins" or callable(x)
            if (library or (collection == "params" and x is not None)) and not is_mapping(x) and \
                    not _is_array(_unbox(x)):
                raise TypeError(f"the leaf {'/'.join((collection,) + path + (str(k),))!r} of the variables tree "
                                f"has no shape and dtype: a leaf must be an array, a jax.ShapeDtypeStruct (as "
                                f"jax.eval_shape gives) or a Flax box of one (convert a nested list with "
                                f"jnp.asarray); got {type(x).__name__}")
        arrays = {k: _unbox(x) for k, x in node.items() if _is_array(_unbox(x))}
        if arrays:
            params_layer = {k: _unbox(x) for k, x in _subtree(roots.get("params", {}), path).items()}
            own = {k: tuple(x.shape) for k, x in {**params_layer, **arrays}.items() if _is_array(x)}
            for name, x in arrays.items():
                # every parameter (a whole-number one is refused by a rule that draws, not skipped); of the other
                # collections the floating-point state only (a norm's statistics)
                if jnp.issubdtype(x.dtype, jnp.inexact) or collection == "params":
                    places.append((collection, path, name, x, own))
        for k, sub in node.items():
            if is_mapping(sub):
                visit(collection, sub, path + (str(k),))

    for collection, node in roots.items():
        if is_mapping(node):
            visit(collection, node, ())
    members: dict[tuple[tuple[str, ...], str], tuple[Any, ...]] = \
        {(at, name): found for at, layer in layers.items() for name, found in layer.held.items()}
    from flax import linen
    for at, layer in layers.items():  # nn.RNN's cell is the RNN's layer itself: keyed as the RNN, as nnx.RNN's
        if isinstance(layer.obj, linen.RNN):
            members[(at, "cell")] = ()
    # a module an attribute shares with another (self.dec = self.enc) has its variables at one path: each is
    # reached under the other path too, as torch's and NNX's shared modules are, and tied below
    # (an alias of a module that itself holds one, or is held by one, reaches paths through both: repeated until
    # no new path is reached, however long; a path through one module twice, from modules that hold each other,
    # is a cycle and not followed)
    # (a path it is reached by, its place) -> the places of the modules the path passes through, the root first
    reached: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[tuple[str, ...], ...]] = \
        {(path, path): tuple(path[:i] for i in range(len(path) + 1)) for _, path, _, _, _ in places}
    new = dict(reached)
    while new:
        new = {(to, home): trail for at, layer in layers.items() for name, where in layer.aliases.items()
               for (path, home), passed in new.items() if path[:len(where)] == where
               for to, trail in [(at + (name,) + path[len(where):],
                                  tuple(at[:i] for i in range(len(at) + 1)) + passed[len(where):])]
               if len(set(trail)) == len(trail) and (to, home) not in reached}
        reached.update(new)
    parts = _linen_key_parts((path for path, _ in reached),
                             [at for at, layer in layers.items() if layer.cls == "Sequential"], members)
    homes: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for path, home in reached:
        homes.setdefault(home, []).append(path)
    found = [(_describe(path, layers, name, tuple(x.shape), own, x.dtype, collection=collection,
                        trainable=collection == "params", key_parts=parts[via])._replace(path="/".join(via + (name,))),
              (collection, path, name))
             for collection, path, name, x, own in places for via in homes[path]]
    # a buffer is never written (a decoder's cache, a spectral norm's u and sigma...), a norm's running statistics
    # by a rule naming their role: the other collections' arrays are no parameters
    kept = _uncollapse([(p, at) for p, at in found if at[0] == "params" or p.role in STATISTICS])
    # a shared module's owner is chosen by the key (linen's blocks_1 is torch's blocks/1), as torch's and NNX's
    return tie(kept, identity=_same_place,
               where=lambda p: "/".join(map(str, p.key_parts or ())) + "/" + p.path.rsplit("/", 1)[-1])


def _same_place(place: _Place) -> _Place:
    """A linen parameter's identity for ``tie``: its place (collection, path, name) in the tree."""
    return place


def _subtree(tree: Mapping[str, Any], path: tuple[str, ...]) -> Mapping[str, Any]:
    for k in path:
        tree = tree.get(k, {}) if is_mapping(tree) else {}
    return tree if is_mapping(tree) else {}


def _linen_layers(module: Any, variables: Mapping[str, Any], inputs: Any) -> dict[tuple[str, ...], _Layer]:
    """The module tree of a linen model, by path: from a traced call on ``inputs`` (every submodule, and what
    each sees of its own variables: one layer inside ``nn.scan``), else by binding ``variables`` and running the
    modules' ``setup`` (submodules defined in ``setup``; compact ones are known by their names only)."""
    import flax.linen as nn
    layers: dict[tuple[str, ...], _Layer] = {(): _Layer(type(module).__name__, module)}
    tree = variables if "params" in variables and is_mapping(variables["params"]) else {"params": variables}
    bound_at: dict[tuple[str, ...], Any] = {}  # each path's bound module: its list attributes are read from it
    if inputs is not None:
        args = cast("tuple[Any, ...]", inputs) if isinstance(inputs, tuple) else (inputs,)

        def record(next_fun: Any, a: Any, kw: Any, context: Any) -> Any:
            mod = context.module
            path = tuple(mod.scope.path) if mod.scope is not None else ()
            bound_at.setdefault(path, mod)
            if path not in layers or path == ():
                seen: dict[tuple[str, str], tuple[int, ...]] = {}
                for collection, col in mod.variables.items():
                    for name, x in col.items():
                        if _is_array(_unbox(x)):  # boxed too (nn.with_partitioning): its stacked axis is read
                            seen[(collection, name)] = tuple(_unbox(x).shape)
                layers.setdefault(path, _Layer(type(mod).__name__, mod, seen))
                if path == () and not layers[()].seen:
                    layers[()].seen = seen
            return next_fun(*a, **kw)

        def run(v: Mapping[str, Any]) -> Any:
            return module.apply(v, *args, mutable=True, rngs={"dropout": jax.random.key(0)})

        try:
            with nn.intercept_methods(record):  # without a decoder's cache, which would make the call one decode step
                jax.eval_shape(run, {k: x for k, x in tree.items() if k != "cache"})
        except Exception as err:  # noqa: BLE001 - the module's own error (any type), chained: it names no option
            raise ValueError(f"parameter 'inputs': calling the linen module {type(module).__name__} on "
                             f"inputs={shown(inputs)} with the variables of params= failed: {type(err).__name__}: "
                             f"{err}; allowed: example arguments of its __call__ (one value, or a tuple of them) "
                             f"that it takes with those variables, or inputs=None (leave it out) to read the module "
                             f"by binding its variables") from err
        for path, mod in bound_at.items():  # every called module's setup has run
            if path in layers:
                layers[path].held, layers[path].aliases = _held(mod, path)
        return layers
    try:
        bound = module.bind(tree)
    except Exception as err:  # noqa: BLE001 - Flax's own error (any type), chained: it names no option
        raise ValueError(f"parameter 'params': binding the variables of params= to the linen module "
                         f"{type(module).__name__} failed: {type(err).__name__}: {err}; allowed: the variables "
                         f"module.init(key, x) gives for this module") from err

    def visit(m: Any, path: tuple[str, ...]) -> None:
        try:
            m._try_setup()
        except Exception:  # noqa: BLE001 - a setup that needs more than its variables: known by names below
            return
        layers[path].held, layers[path].aliases = _held(m, path)
        for name, child in list(m._state.children.items()):
            if isinstance(child, nn.Module):
                layers.setdefault(path + (name,), _Layer(type(child).__name__, child))
                visit(child, path + (name,))

    visit(bound, ())
    return layers


def _nnx_modules(module: object, nnx: Any, path: tuple[Any, ...] = (), parts: tuple[Any, ...] = (),
                 ancestors: frozenset[int] = frozenset()
                 ) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...], object | None, dict[str, nnx.Variable[Any]]]]:
    """(path, key parts, module, its variables by name) for an NNX module and its submodules, in assignment order; a
    module reachable twice (shared) is yielded under both paths (its variables are tied). Plain containers (lists,
    tuples and dicts: ``nnx.data``'s, a ``pytree=False`` module's, ``bridge.ToNNX``'s dict of a linen submodule's
    variables) are walked at any depth, as ``nnx.state`` walks them: the variables one holds are yielded with its
    path and no module (the layer is then known by its name, ``Dense_0``). ``ancestors``: the ids of the modules and
    containers above, so that one holding itself is not walked forever."""
    variables = {name: x for name, x in vars(module).items() if _is_variable(x)}
    yield path, parts, module, variables
    transparent = type(module).__name__ == "Sequential"  # nnx.Sequential's layers list: positions, as torch's
    # nnx.RNN's cell is the RNN's layer itself, keyed as the RNN (as a Keras RNN's cell is, and as torch's cell
    # is its RNN's layer 0), so an RNN of a stacked-gate cell gets the torch cell's values
    rnn = getattr(nnx, "RNN", None)
    scanned = isinstance(rnn, type) and isinstance(module, rnn)
    above = ancestors | {id(module)}

    def held(value: Any, here: tuple[Any, ...], above: frozenset[int]
             ) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...], object | None, dict[str, nnx.Variable[Any]]]]:
        key = tuple(x for p in here for x in _key_part(p))
        if isinstance(value, nnx.Module):
            if (transparent and key[:1] == ("layers",)) or (scanned and key == ("cell",)):
                key = key[1:]
            if id(value) not in above:
                yield from _nnx_modules(value, nnx, path + here, parts + key, above)
            return
        ident = id(cast(object, value))
        items: list[tuple[Any, Any]] = list(cast("dict[Any, Any]", value).items()) if isinstance(value, dict) else \
            list(enumerate(cast("Sequence[Any]", value))) if is_sequence(value) else []
        if not items or ident in above:
            return
        found = {str(k): x for k, x in items if _is_variable(x)}
        if found:
            yield path + here, parts + key, None, found
        for k, x in items:
            if not _is_variable(x):
                yield from held(x, here + (k,), above | {ident})

    for name, value in vars(module).items():
        # NNX's own bookkeeping holds no submodule; a module's own variables are yielded with it
        if not (name.startswith("_object__") or name.startswith("_pytree__") or _is_variable(value)):
            yield from held(value, (name,), above)


def _walk_nnx(model: Any) -> list[tuple[Param, Any]]:
    from flax import nnx
    modules = list(_nnx_modules(model, nnx))
    layers = {tuple(map(str, path)): _Layer(type(m).__name__, m) for path, _, m, _ in modules if m is not None}
    found: list[tuple[Param, Any]] = []
    known: list[dict[tuple[str, ...], frozenset[Stack]]] = []  # read once, when a module of the user's asks

    def around(path: tuple[str, ...]) -> Stack:
        if not known:
            known.append(_nnx_stacks([(tuple(map(str, at)), m) for at, _, m, _ in modules if m is not None]))
        return innermost_stack(known[0].get(path[:i], frozenset()) for i in range(len(path), -1, -1))

    named: list[tuple[Param, _Place]] = []  # the parameters a container holds (ToNNX's): known by names only
    for at, parts, module, held in modules:
        path = tuple(map(str, at))
        variables = {k: x for k, x in held.items() if _is_array(x.get_value())}
        own = {k: tuple(x.get_value().shape) for k, x in variables.items()}
        for name, var in variables.items():
            # every nnx.Param (a whole-number one is refused by a rule that draws, not skipped); of the other
            # variables (an Rngs' keys and counts) the floating-point ones
            if jnp.issubdtype(var.get_value().dtype, jnp.inexact) or isinstance(var, nnx.Param):
                p = _describe(path, layers, name, own[name], own, var.get_value().dtype,
                              collection="batch_stats" if isinstance(var, nnx.BatchStat) else "params",
                              trainable=isinstance(var, nnx.Param), key_parts=parts,
                              stack=functools.partial(around, path))
                # state that is no parameter (a cache, a spectral norm's u and sigma), as linen's other
                # collections: only a norm's running statistics
                if not isinstance(var, (nnx.BatchStat, nnx.Cache, nnx.Intermediate)) or p.role in STATISTICS:
                    found.append((p, var))
                    if module is None and isinstance(var, nnx.Param):
                        named.append((p, ("params", path, name)))
    guessed = _names_guessed(named)
    if guessed:
        import warnings
        warnings.warn(f"{len(guessed)} containers of {type(model).__name__} (the linen variables an "
                      f"nnx.bridge.ToNNX holds) have kernels of more than 2 axes under names that are no Flax "
                      f"class, or of a rank that does not tell one Flax layer from a stack of them "
                      f"({', '.join(guessed[:4])}{', ...' if len(guessed) > 4 else ''}): their kinds, fans and "
                      "stacked axes are guessed from names and shapes. Apply the plan to the linen module itself to "
                      "read them exactly: plan.apply(module, params=variables, inputs=example_inputs).", stacklevel=7)
    return tie(_uncollapse(found))


def walk(model: Any, *, params: Mapping[str, Any] | None = None, inputs: Any = None) -> list[tuple[Param, Any]]:
    """Every parameter (a whole-number one too) / floating-point batch statistic of an NNX module (as (Param,
    nnx.Variable)) or of a linen variables or params tree (as (Param, (collection, path, name))). A linen module
    with ``params=`` is read as a module tree: with ``inputs=`` (example arguments of its ``__call__``) every
    submodule is known exactly, ``nn.scan``'s stacked axes included; without, the submodules its ``setup``
    defines, the others by name (with a warning when some are known by name only).

    A bare tree's layer kinds come from linen's names (``Dense_0``, ``Conv_1``...); a variable reachable twice
    (shared NNX modules) is one record whose ``aliases`` name its other paths.

    Args:
        model: an ``nnx.Module``, a linen variables tree (``{"params": ..., "batch_stats": ...}``) or params tree,
            or a linen ``nn.Module`` (with ``params=``).
        params: a linen module's variables or params tree: a dict whose leaves are arrays (or
            ``jax.ShapeDtypeStruct``, or Flax boxes of them), as ``module.init`` gives (required with a linen
            module, refused otherwise: an NNX module and a variables tree hold their own values).
        inputs: example arguments of a linen module's ``__call__`` (one value, or a tuple of them), or None
            (refused, unless None, for an NNX module and a variables tree: they need no call to be read).

    Returns:
        A list of (``unifiedinit.Param``, handle): the handle is the ``nnx.Variable`` for NNX, the place
        (collection, module path, name) for linen.

    Raises:
        TypeError: ``model`` is none of those (an ``nnx.State``, whose names are no classes, included); a linen
            module comes without ``params``, or with ``params`` that is no dict, or a dict with a key that is no
            string or a leaf that is no array (the first one named by its path); ``params`` or ``inputs`` is given
            (not None) with an NNX module or a variables tree.
        ValueError: the linen module's call on ``inputs`` (with ``params``'s variables) fails: its error, chained,
            names the module and ``inputs``.

    Examples:
        >>> import jax
        >>> import jax.numpy as jnp
        >>> import flax.linen as nn
        >>> from flax import nnx
        >>> from unifiedinit.backends.flax import walk
        >>> [(p.path, p.kind, p.role, p.shape, p.layer_fans) for p, _ in walk(nnx.Linear(4, 3, rngs=nnx.Rngs(0)))]
        [('kernel', 'dense', 'weight', (4, 3), (4, 3)), ('bias', 'dense', 'bias', (3,), (4, 3))]
        >>> variables = nn.Dense(3).init(jax.random.key(0), jnp.ones((1, 4)))
        >>> [(p.path, handle) for p, handle in walk(variables)]
        [('kernel', ('params', (), 'kernel')), ('bias', ('params', (), 'bias'))]
    """
    found: list[tuple[Param, Any]]
    _check_reading_options(model, params, inputs)
    from flax import nnx
    if isinstance(model, nnx.State):  # a Mapping, but of an NNX module's attribute names, not linen's class names
        raise TypeError(f"parameter 'model' is an nnx.State ({len(jax.tree_util.tree_leaves(model))} variables): it "
                        f"keeps no module classes, so its layers' kinds and fans are unknown (read as a linen tree "
                        f"by names, an Embed or a BatchNorm under its attribute name was left as it was); allowed: "
                        f"the NNX module, model = nnx.merge(graphdef, state) (then nnx.split(model) again), or a "
                        f"linen variables tree")
    if is_mapping(model):
        found = _walk_tree(model)
        guessed = _names_guessed(found)
        if guessed:
            import warnings
            warnings.warn(f"{len(guessed)} submodules of the variables tree have kernels of more than 2 axes under "
                          f"names that are no Flax class, or of a rank that does not tell one Flax layer from a "
                          f"stack of them ({', '.join(guessed[:4])}{', ...' if len(guessed) > 4 else ''}): their "
                          "kinds, fans and stacked axes are guessed from names and shapes. Pass the module to read "
                          "them exactly: plan.apply(module, params=tree, inputs=example_inputs).", stacklevel=6)
        return found
    import flax.linen as nn
    if isinstance(model, nn.Module):
        if params is None:
            raise TypeError("a linen module holds no parameters: pass its variables, plan.apply(module, params="
                            "variables, seed=...), or the variables tree alone")
        _check_params(params)
        layers = _linen_layers(model, params, inputs)
        found = _walk_tree(params, layers)
        # known by name only: a module of no Flax class, or of one whose kernel's rank is no layer's alone (a
        # Conv's (6, 3, 3, 16, 16) may be a 3-D conv or six 2-D ones under nn.scan: names cannot tell)
        ranked = _rank_guessed(found)
        guessed = sorted({"/".join(at) for p, (_, at, _) in found if p.inferred and
                          (_class_of_name(at[-1] if at else "") not in _CLASS_KINDS or at in ranked)})
        if guessed:
            import warnings
            # with inputs= the traced call reached every linen module: the rest are no linen modules (an NNX
            # module inside nnx.bridge.to_linen) or are read from names by their rank, and more inputs cannot help
            why, advice = ("are known by their names only although the call on inputs= was traced", "Apply the "
                           "plan to such a layer's own module (an NNX module before nnx.bridge.to_linen wraps it) "
                           "to read it exactly.") if inputs is not None else \
                ("are defined inside a compact __call__ and known by their names only", "Pass inputs=(example "
                 "arguments of __call__) to read the module tree exactly.")
            warnings.warn(f"{len(guessed)} submodules of {type(model).__name__} {why} ({', '.join(guessed[:4])}"
                          f"{', ...' if len(guessed) > 4 else ''}): their kinds, fans and stacked axes (nn.scan, "
                          f"nn.vmap) are guessed from names and shapes. {advice}", stacklevel=6)
        return found
    if not isinstance(model, nnx.Module):
        raise TypeError(f"parameter 'model' must be an NNX module, a linen module with params=, or a linen "
                        f"variables tree, got {type(model).__name__}")
    return _walk_nnx(model)


def _check_reading_options(model: Any, params: Any, inputs: Any) -> None:
    """``params=`` and ``inputs=`` say how to read a linen module: refused (when not None) for an NNX module and a
    linen variables tree, which hold their own values and need no call to be read (a tree with ``params=`` was
    walked while another tree was rebuilt). Any other model is left to ``walk``'s own refusal."""
    import flax.linen as nn
    from flax import nnx
    if isinstance(model, nn.Module):
        return
    kind = "a linen variables tree" if is_mapping(model) else "an NNX module" if isinstance(model, nnx.Module) \
        else None
    if kind is None:
        return
    for name, value, what in (("params", params, "the module's variables tree"),
                              ("inputs", inputs, "example arguments of the module's __call__")):
        if value is not None:
            raise TypeError(f"parameter {name!r} applies to a linen module only ({what}), but the model is {kind} "
                            f"({type(model).__name__}), which holds its own values; got {name}={shown(value)}; "
                            f"allowed: {name}=None (leave it out), or plan.apply(linen_module, params=variables"
                            f"{', inputs=(x,)' if name == 'inputs' else ''}, seed=...)")


def _check_params(params: Any) -> None:
    """A linen module's ``params=``: a dict (a variables dict ``{"params": ..., "batch_stats": ...}`` or a bare
    params tree) with string keys, each collection a dict, and every leaf of its parameters an array, a
    ``jax.ShapeDtypeStruct`` or a Flax box of one (None, an empty subtree to JAX, is passed over, as in a
    variables tree); the other collections' Python values (the tuples a ``sow`` leaves) are left to the walk.

    Raises:
        TypeError: ``params`` is no dict, a collection is no dict, a key is no string, or a parameter's leaf is no
            array (a nested list, a number): the first one named by its path."""
    allowed = "allowed: the dict module.init(key, x) gives ({'params': {...}, ...}) or its 'params' tree"
    if not is_mapping(params):
        raise TypeError(f"parameter 'params' must be the linen module's variables, a dict, got "
                        f"{type(params).__name__} {shown(params)}; {allowed}")

    def check(node: Mapping[Any, Any], path: tuple[str, ...], strict: bool) -> None:
        for k, x in node.items():
            if not isinstance(k, str):
                raise TypeError(f"parameter 'params': the key {k!r} ({type(k).__name__}) at "
                                f"{'/'.join(path) or 'the root'!r} is no string; linen names every collection, "
                                f"module and variable by a string; {allowed}")
            at = path + (k,)
            if is_mapping(x):
                check(x, at, strict)
            elif strict and x is not None and not _is_array(_unbox(x)):
                raise TypeError(f"parameter 'params': the leaf {'/'.join(at)!r} is {type(x).__name__} "
                                f"{shown(x)}, no array; allowed: a JAX or NumPy array, a jax.ShapeDtypeStruct "
                                f"or a Flax box of one (convert a nested list with jnp.asarray)")

    if "params" in params and is_mapping(params["params"]):  # a variables dict: its collections
        for collection, node in params.items():
            if not isinstance(collection, str):
                raise TypeError(f"parameter 'params': the collection name {collection!r} "
                                f"({type(collection).__name__}) is no string; {allowed}")
            if not is_mapping(node):
                raise TypeError(f"parameter 'params': the collection {collection!r} of the variables dict is "
                                f"{type(node).__name__} {shown(node)}, no dict of variables; {allowed}")
            check(node, (collection,), collection == "params")
    else:
        check(params, (), True)


#: Flax classes whose kernel rank is not fixed, and the least rank one layer's kernel has: a larger one may be a
#: layer's own axes (a 2-D conv, a DenseGeneral's input axes) or stacked layers (nn.scan, nn.vmap)
_FREE_RANK = {"Conv": 3, "ConvTranspose": 3, "ConvLocal": 3, "DenseGeneral": 2, "Einsum": 1}


def _rank_unknown(cls: str, own: Mapping[str, tuple[int, ...]]) -> bool:
    """Whether names cannot tell a module of class ``cls`` with parameters of shapes ``own`` from a stack of them:
    its kernel has more axes than one layer's least, and (a Conv's, a ConvTranspose's) no bias says how many layers
    it holds (``_stacked_by_bias``)."""
    kernel = own.get("kernel")
    if cls in ("Dense", "Linear") and kernel is not None and len(kernel) > 2:  # a stack: by its bias, or guessed
        return _stacked_by_bias(cls, own) is None
    if cls not in _FREE_RANK or kernel is None or len(kernel) <= _FREE_RANK[cls]:
        return False
    return _stacked_by_bias(cls, own) is None


def _names_guessed(found: Sequence[tuple[Param, _Place]]) -> list[str]:
    """The module paths of parameters read by their names only (a bare linen tree's, the linen variables an
    ``nnx.bridge.ToNNX`` holds) whose kinds, fans and stacked axes are guessed: a 2-D kernel under an unknown name
    is a dense layer's; one of more axes may be a conv's, a DenseGeneral's or a stack's, which names cannot tell
    apart, and so may a Flax layer's whose rank is free (a DenseGeneral's (64, 4, 16) kernel, an nn.scan'd
    Conv_0's (3, 3, 3, 32, 32))."""
    return sorted({p.path.rsplit("/", 1)[0] for p, handle in found
                   if handle[0] == "params" and p.path.endswith("/kernel") and len(p.shape) > 2
                   and not any(_CLASS_KINDS.get(_class_of_name(part)) for part in p.path.split("/")[:-1])}
                  | {"/".join(at) for at in _rank_guessed(found)})


def _rank_guessed(found: Iterable[tuple[Param, _Place]]) -> set[tuple[str, ...]]:
    """The module paths of a linen walk's parameters whose Flax class (by name) leaves their kernel's rank
    ambiguous (``_rank_unknown``): their fans and stacked axes are guessed."""
    shapes: dict[tuple[str, ...], dict[str, tuple[int, ...]]] = {}
    for p, (collection, at, name) in found:
        if collection == "params":
            shapes.setdefault(at, {})[name] = p.shape
    return {at for at, own in shapes.items() if at and _rank_unknown(_class_of_name(at[-1]), own)}


class _Target(JaxTarget):
    """Writes a plan's values: into an NNX module in place (keeping each variable's sharding), or into a new
    linen tree."""

    def __init__(self, model: Any, *, seed: int | None = None, key: jax.Array | None = None,
                 params: Mapping[str, Any] | None = None, inputs: Any = None, mesh: Any = None) -> None:
        if key is None and seed is None:
            raise ValueError("JAX has no global random state: pass seed= (an int) or key= (a jax.random key)")
        if key is not None and seed is not None:
            raise ValueError("Plan.apply: give seed= or key=, not both")
        self.base = jax_key("Plan.apply", key) if key is not None else jax.random.key(0)
        self.tree: Mapping[str, Any] | None = params if params is not None else model if is_mapping(model) else None
        self.found = walk(model, params=params, inputs=inputs)
        self.new: dict[_Place, jax.Array] = {}
        self.model, self.mesh = model, check_mesh(mesh)

    def everything(self) -> Any:
        if self.tree is not None:
            return self.tree
        from flax import nnx
        return nnx.to_pure_dict(nnx.state(self.model))

    def _leaf(self, handle: Any) -> Any:
        """A linen tree's leaf at ``handle`` (collection, module path, name), boxed as the tree holds it."""
        assert self.tree is not None
        collection, path, name = handle
        node = _roots(self.tree)[collection]
        for k in path:
            node = node[k]
        return node[name]

    def current(self, handle: Any) -> Any:
        return handle.get_value() if self.tree is None else _unbox(self._leaf(handle))  # NNX: the variable's

    def sharding(self, p: Any, handle: Any) -> Any:
        if self.tree is None:  # NNX: the variable's value, or its sharding metadata on a mesh
            return _nnx_sharding(handle, self.mesh)
        return leaf_sharding(self._leaf(handle), self.mesh)

    def _put(self, p: Any, handle: Any, x: jax.Array) -> None:
        if self.tree is None:  # NNX: in place, one parameter at a time, so the old value is freed at once
            handle.set_value(x)
        else:
            self.new[handle] = x

    def result(self, report: Any) -> Any:
        report.placements = getattr(self, "placements", {})
        if self.tree is None:
            return report
        roots = _roots(self.tree)
        out = {c: _rebuild(node, c, (), self.new) if is_mapping(node) else node for c, node in roots.items()}
        wrapped = "params" in self.tree and is_mapping(self.tree["params"])
        return (out if wrapped else out["params"]), report


def _nnx_sharding(var: Any, mesh: Any) -> Any:
    """Where an NNX variable's values must live: its value's sharding (a sharded array, or an abstract one from
    ``nnx.eval_shape``), else the one its ``nnx.with_partitioning`` metadata names on its mesh, ``mesh`` or the
    mesh in context."""
    value = var.get_value()
    found = getattr(value, "sharding", None)
    if found is not None:
        return concrete(found, mesh)
    meta = var.get_metadata()
    names = next((meta[k] for k in ("out_sharding", "sharding_names", "sharding") if meta.get(k) is not None), None)
    if not is_sequence(names):
        return None
    rules = meta.get("sharding_rules")
    return _named(names, rules, rules is not None, meta.get("mesh") or mesh)


def held(model: Any, found: Sequence[tuple[Param, Any]], *, params: Mapping[str, Any] | None = None,
         inputs: Any = None) -> dict[str, str | None]:
    """``skip=``'s other names of ``model``'s tensors: a linen tree's leaves with their collection in front
    ("params/Dense_0/kernel", as a variables dict or ``flatten_dict`` names them: the parameter of that path where
    the walk lists one, else None), or an NNX module's state's leaves."""
    del inputs
    from flax.traverse_util import flatten_dict  # pyright: ignore[reportUnknownVariableType]

    def leaves(tree: Any) -> list[tuple[Any, ...]]:
        return list(cast("dict[tuple[Any, ...], Any]", flatten_dict(dict(tree))))
    tree = model if is_mapping(model) else params
    if not is_mapping(tree):
        from flax import nnx
        state = nnx.to_pure_dict(nnx.state(model))  # pyright: ignore[reportUnknownMemberType]
        return {"/".join(map(str, k)): None for k in leaves(state)}
    # a shared module's leaf is its owner's parameter (listed under the path the owner reaches it by)
    paths = {at: p.path for p, _ in found for at in (*p.aliases, p.path)}
    grouped = is_mapping(tree.get("params"))  # a variables dict ({"params": ..., "batch_stats": ...}) or bare params
    out: dict[str, str | None] = {}
    for k in leaves(tree):
        name = "/".join(map(str, k))
        rest = "/".join(map(str, k[1:])) if grouped else name
        out[name if grouped else f"params/{name}"] = paths.get(rest)
        out.setdefault(rest, None)
    return out


def target(model: Any, **options: Any) -> _Target:
    """The apply loop's writer for ``model`` (``unifiedinit.backends.protocol.Target``): what ``plan.apply`` uses.

    It walks the model once (``found``), draws each parameter with ``jax.random`` on its stream's key folded
    into the base key, or writes portable values, keeping each parameter's sharding; it writes an NNX module in
    place and collects a linen tree's new leaves into a new tree (``result`` returns (new tree, report)).

    Args:
        model: what ``walk`` takes (an NNX module, a linen tree, or a linen module with ``params=``).
        **options: ``seed`` (an int) or ``key`` (a ``jax.random`` key), exactly one of them; ``params`` and
            ``inputs`` (as ``walk``); ``mesh``, a ``jax.sharding.Mesh`` for parameters sharded on an abstract mesh.

    Returns:
        The target: its ``found`` holds the (Param, handle) records of ``walk``.

    Raises:
        ValueError: neither ``seed`` nor ``key`` is given, or both are, or ``key`` is several keys (a
            ``jax.random.split`` batch) or a raw key of the wrong shape; or a linen module's call on ``inputs``
            fails (as ``walk``).
        TypeError: ``key`` is no JAX key (a string, an int, an int32 array), ``mesh`` is not a
            ``jax.sharding.Mesh``, an unknown option, or a ``model`` ``walk`` refuses (``params`` or ``inputs``
            with an NNX module or a variables tree, ``params`` that is no variables dict of arrays).

    Examples:
        >>> from flax import nnx
        >>> from unifiedinit.backends.flax import target
        >>> [p.path for p, _ in target(nnx.Linear(4, 3, rngs=nnx.Rngs(0)), seed=0).found]
        ['kernel', 'bias']
    """
    return _Target(model, **options)


def _rebuild(node: Mapping[str, Any], collection: str, path: tuple[str, ...], new: Mapping[_Place, jax.Array]
             ) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, x in node.items():
        if is_mapping(x):
            out[k] = _rebuild(x, collection, path + (str(k),), new)
        else:
            found = new.get((collection, path, k))
            if found is None:
                out[k] = x
            else:
                out[k] = x.replace_boxed(found) if _is_box(x) else found
    return out


def param_groups(model: Any, selects: Sequence[Select], weight_decay: float) -> Any:
    """``unifiedinit.param_groups`` for Flax: an optax mask (True where decay applies) shaped like a linen
    params tree, or like ``nnx.state(model, nnx.Param)`` for an NNX module.

    Pass it as ``optax.adamw(..., mask=mask)``. For an NNX module the mask is the pure state (``nnx.as_pure``:
    plain bools where the state holds ``nnx.Param`` variables, on a Flax that has it), so it fits both what
    ``nnx.Optimizer(model, tx, wrt=nnx.Param)`` hands optax (the pure arrays) and ``nnx.state(model, nnx.Param)``
    itself (a bool is a prefix of a variable). An NNX variable that is not an ``nnx.Param`` (a batch statistic)
    is left out of the state, so out of the mask; a leaf no record describes (an integer one) is True. A module
    reachable under several paths (shared) gets its record's decision under whichever path ``nnx.state`` files it.

    Args:
        model: a linen variables or params tree, or an ``nnx.Module``.
        selects: ``unifiedinit.Select`` rules: a parameter any of them matches gets no decay.
        weight_decay: the decay rate (unused here: optax takes the rate, the mask says where).

    Returns:
        A pytree of bools: a dict like the linen params tree (without its "params" root), or an ``nnx.State`` of
        bools.

    Raises:
        TypeError: ``model`` is neither a tree nor an NNX module.

    Examples:
        >>> import jax
        >>> import jax.numpy as jnp
        >>> import flax.linen as nn
        >>> from flax import nnx
        >>> import unifiedinit as ui
        >>> from unifiedinit.backends.flax import param_groups
        >>> variables = nn.Dense(3).init(jax.random.key(0), jnp.ones((1, 4)))
        >>> param_groups(variables, [ui.Select(role="bias")], 0.01)
        {'bias': False, 'kernel': True}
        >>> mask = param_groups(nnx.Linear(4, 3, rngs=nnx.Rngs(0)), [ui.Select(role="bias")], 0.01)
        >>> jax.tree_util.tree_leaves(mask)
        [False, True]
    """
    from ...plan import excluded
    keep: dict[tuple[str, ...], bool]

    def decide(path: Sequence[Any], x: Any) -> bool:
        return keep.get(_key_path(path), True)

    if is_mapping(model):
        tree = model["params"] if "params" in model and is_mapping(model["params"]) else model
        keep = {place[1] + (place[2],): not excluded(p, selects) for p, place in _walk_tree(tree)}
        return jax.tree_util.tree_map_with_path(decide, dict(tree))
    from flax import nnx
    # a shared module's variable is one record, under its owner's path, while nnx.state files it under any of its
    # paths: every one of them is looked up
    keep = {tuple(path.split("/")): not excluded(p, selects) for p, var in walk(model) if isinstance(var, nnx.Param)
            for path in (p.path,) + p.aliases}
    mask = jax.tree_util.tree_map_with_path(decide, nnx.state(model, nnx.Param))
    # Flax >= 0.12's nnx.Optimizer hands optax the pure arrays: a mask of Param(bool) variables would not fit them
    as_pure = getattr(nnx, "as_pure", None)
    return mask if as_pure is None else as_pure(mask)


def _key_path(path: Sequence[Any]) -> tuple[str, ...]:
    """A jax tree path as strings, an NNX variable's ``.value`` attribute left out (a module or dict key named
    ``value``, an attention's value projection, is kept)."""
    import jax
    out: list[str] = []
    for k in path:
        if isinstance(k, jax.tree_util.GetAttrKey) and k.name in ("value", "raw_value"):
            continue
        out.append(str(getattr(k, "key", getattr(k, "name", getattr(k, "idx", k)))))
    return tuple(out)


def read(handle: Any) -> Any:
    """An NNX variable's values as a float64 NumPy array."""
    import numpy as np
    return np.asarray(handle.get_value(), dtype=np.float64)
