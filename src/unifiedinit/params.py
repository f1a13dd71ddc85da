"""Parameter records: how every backend describes a model's parameters without its framework.

A backend walks a model into ``Param`` records (path, layer kind, role, shape, layout, layer fans, ...) paired
with a handle to the tensor. Everything that does not depend on the framework happens here, once:

- **tied weights**: a tensor reached under several paths (GPT-2's ``lm_head.weight is wte.weight``) is one
  parameter: an embedding owns it, else the shortest path, then the first in sorted order; the others are its
  ``aliases`` (``tie``);
- **stacked layers**: a kernel stacked by ``nn.scan``/``nn.vmap``/``nnx.vmap`` has leading layer axes that are
  neither in, out nor receptive field (``Param.stacked``); lowering sees one slice (``Param.info``);
- **canonical keys**: the key of a parameter's random stream and of its portable values comes from its path alone
  (``assign_keys``), never from the order of a walk, so a sorted JAX tree, an ``nnx.split``/``merge`` round trip
  or a model built twice gets the same values;
- **norms recognised by what they are** (``looks_like_norm``) and a user-extensible table of layer classes
  (``register_layer``).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any, Callable, Container, Iterable, Mapping, Sequence

from . import _validate as v
from ._record import Record
from .layout import TensorInfo, get_layout, vector_fans

#: layer kinds, with each framework's classes mapped onto them by its backend
KINDS = ("dense", "conv", "conv_transpose", "embedding", "norm", "recurrent", "attention", "prelu", "other")
#: parameter roles within a layer
ROLES = ("weight", "bias", "embedding", "scale", "shift", "running_mean", "running_var", "recurrent_weight",
         "recurrent_bias", "batches_tracked", "slope", "quantization", "fixed", "other")
#: state, not weights: running statistics, a quantized layer's stored kernel and scales, and "fixed" values that
#: define what a layer computes rather than start a training (Keras's ``STFTSpectrogram`` Fourier kernels), written
#: only by a rule that names their role (a catch-all rule never touches them)
STATISTICS = ("running_mean", "running_var", "batches_tracked", "quantization", "fixed")
#: words users bring from the frameworks, accepted in selectors
ALIASES = {"linear": "dense", "kernel": "weight", "gamma": "scale", "beta": "shift", "alpha": "slope",
           "moving_mean": "running_mean", "moving_variance": "running_var", "recurrent_kernel": "recurrent_weight",
           "num_batches_tracked": "batches_tracked"}
#: roles whose spec sees the tensor's own fans by default; the others see their layer's fans
WEIGHT_ROLES = ("weight", "embedding", "recurrent_weight")
FANS = ("tensor", "layer")


class Param(Record):
    """One parameter (or running statistic) of a model, described without its framework.

    A backend's walk makes one per tensor (``ui.inspect(model).params`` lists them); a plan's selectors read
    them and its specs are lowered with what they say. ``layout`` gives the axis roles of one layer's tensor as
    stored (for a stacked tensor: of one slice); ``layer_fans`` the (fan_in, fan_out) of its layer (of the layer's
    weight, in the layer's own convention; (hidden, hidden) for a recurrent layer), or None. ``stacked`` are the
    axes that stack layers (``nn.scan``, ``nnx.vmap``): every index along them is one layer, and a spec sees one
    slice. ``aliases`` are the other paths under which the same tensor is reachable (tied weights). ``key`` is the
    canonical key (see ``assign_keys``); backends leave it empty and the apply loop fills it.

    Args:
        path: where the tensor is in the model, levels joined by "/" (``"h/3/attn/c_attn/weight"``).
        kind: the kind of its layer, one of ``KINDS`` ("dense", "conv", "conv_transpose", "embedding", "norm",
            "recurrent", "attention", "prelu", "other").
        role: its role in that layer, one of ``ROLES`` ("weight", "bias", "embedding", "scale", "shift",
            "running_mean", "running_var", "recurrent_weight", "recurrent_bias", "batches_tracked", "slope",
            "quantization", "fixed", "other").
        shape: the tensor's shape as stored (stacked axes included), a tuple of ints.
        layout: the name of the layout it is stored in (``ui.LAYOUTS``: "torch" is (out, in, *receptive field),
            "keras" and "flax" (*receptive field, in, out), ...; default "torch").
        layer_fans: (fan_in, fan_out) of its layer, which a bias or a norm's scale can be drawn from, or None.
        layer: the framework's class name of its layer (``"Linear"``), for reports and ``Select(layer=...)``.
        bases: the names of the framework's classes the layer's class is or derives from, nearest first (the
            class itself first when it is the framework's own: torch's ``nn.LSTM`` has ``("LSTM", "RNNBase",
            "Module")``, a user's ``class Custom(nn.LSTM)`` the same, a user's ``class LSTM(nn.Module)`` only
            ``("Module",)``), which a ``Select(layer=...)`` glob matches too, so a subclass keeps its framework
            layer's rules, and which alone a ``Select(framework_layer=...)`` glob matches; a tuple of strings
            (default (), see ``framework_bases``).
        known: False while the framework does not know the shape yet (MXNet's deferred initialization): the
            parameter is matched now and lowered by its backend once the shape is known (default True).
        dtype: its dtype name ("float32", "bfloat16", "int64", ...), checked against its spec (default "float32").
        trainable: False for a frozen tensor, which ``param_groups`` leaves out (default True).
        stacked: the axes that stack layers, a tuple of axis indices (default (): nothing stacked).
        aliases: the other paths of the same tensor (tied weights), a tuple of strings.
        inferred: how the kind was found when not from the layer's class ("names": from the parameter names),
            or "" (shown in reports).
        key_parts: the path parts the canonical key is made of (ints: positions in a sequence of layers), or
            None: split from ``path``.
        key_leaf: a backend's sub-key of the leaf (a recurrent layer's "l1/reverse"), or "".
        stack_depth: how many leading parts of the key path belong to the stacked module, or None (filled by
            ``assign_keys``).
        key: the canonical key, "" until the apply loop fills it (``assign_keys``).
        padding_idx: an embedding's padding row (torch's ``padding_idx``), for specs that address it
            (``ui.Rows``), or None.
        depth: (l, L): its layer index in the first sequence of layers on its path (``h.3`` -> 3) and that
            sequence's length, or None off any sequence (filled by ``assign_keys``, read by ``ui.Scaled``).
        sequences: every sequence of layers on its path, outermost first, as (name, position, length) tuples
            (filled by ``assign_keys``, read by ``Rule(depth=...)``); a model that is itself a sequence (a top-level
            ``nn.Sequential``) gives its own the name "" (messages call it "the model itself").
        names: other paths a rule's path glob matches (a Keras variable's path through its layers' attributes,
            where ``path`` has Keras's automatic layer names), a tuple of strings.

    Raises:
        TypeError: a missing required field (``path``, ``kind``, ``role``, ``shape``), an unknown field, or more
            positional values than fields. The values themselves are not checked: a backend makes them.

    Examples:
        >>> import unifiedinit as ui
        >>> w = ui.Param(path="fc/weight", kind="dense", role="weight", shape=(8, 4))
        >>> w.info().fans  # the torch layout is (out, in)
        (4, 8)
        >>> b = ui.Param(path="fc/bias", kind="dense", role="bias", shape=(8,), layer_fans=(4, 8))
        >>> b.info().fans  # a bias sees its layer's fans
        (4, 8)
        >>> s = ui.Param("layers/mlp/kernel", "dense", "weight", (12, 4, 8), layout="flax", stacked=(0,))
        >>> s.slice_shape, s.layers, s.info().fans  # 12 stacked layers: a spec sees one (in, out) kernel
        ((4, 8), (12,), (4, 8))
    """

    path: str
    kind: str
    role: str
    shape: tuple[int, ...]
    layout: str = "torch"
    layer_fans: tuple[int, int] | None = None
    layer: str = ""  # the framework's class name, for reports and ``Select(layer=...)``
    #: the names of the framework's classes the layer's class is or derives from, nearest first, which a layer glob
    #: matches too and a framework_layer glob alone (``framework_bases``); not shown in reports, as ``names``
    bases: tuple[str, ...] = ()
    #: False while the framework does not know the shape yet (MXNet's deferred initialization): such a
    #: parameter is matched now and lowered by its backend once the shape is known
    known: bool = True
    #: the parameter's dtype name ("float32", ...), checked against its spec when the plan is resolved
    dtype: str = "float32"
    trainable: bool = True
    stacked: tuple[int, ...] = ()
    aliases: tuple[str, ...] = ()
    #: how the kind was found when not from the layer's class: "names" (a linen tree without its module, a torch
    #: state_dict without its module), shown in reports
    inferred: str = ""
    #: the path parts the key is made of (ints: positions in a sequence of layers) and a backend's sub-key of the
    #: leaf (a recurrent layer's "l1/reverse"); None: from ``path``
    key_parts: tuple[Any, ...] | None = None
    key_leaf: str = ""
    #: how many leading parts of the key path belong to the stacked module (filled by ``assign_keys``)
    stack_depth: int | None = None
    key: str = ""
    #: an embedding's padding row (torch's ``padding_idx``), for specs that address it (``ui.Rows``)
    padding_idx: int | None = None
    #: (l, L): the parameter's layer index in the first sequence of layers on its path (``h.3`` -> 3, counted
    #: among the positions that hold parameters) and that sequence's length; None off any sequence (filled by
    #: ``assign_keys``, read by ``ui.Scaled`` expressions)
    depth: tuple[int, int] | None = None
    #: every sequence of layers on the path, outermost first: (the sequence's name, the parameter's position in
    #: it, its length), so a rule can take its depth from another one (``Rule(depth="blocks")``); "" names the model
    #: itself (a top-level ``nn.Sequential``)
    sequences: tuple[tuple[str, int, int], ...] = ()
    #: other paths a rule's glob matches, not shown as the path: a Keras variable's path through the attributes
    #: that hold its layers (``blocks/0/c_proj/kernel``) where its own path has Keras's automatic layer names
    #: (``model/attn/dense_2/kernel``, counted in the process)
    names: tuple[str, ...] = ()

    @property
    def slice_shape(self) -> tuple[int, ...]:
        """The shape of one layer of a stacked tensor (the shape itself when nothing is stacked)."""
        return tuple(d for i, d in enumerate(self.shape) if i not in self.stacked)

    @property
    def layers(self) -> tuple[int, ...]:
        """The sizes of the stacked axes (empty when nothing is stacked)."""
        return tuple(self.shape[a] for a in self.stacked)

    def info(self, fans: str | None = None, layout: str | None = None) -> TensorInfo:
        """What lowering sees for one layer: the tensor's own fans or its layer's (``fans``, default by role), in
        the param's layout or ``layout``."""
        fans = fans or ("tensor" if self.role in WEIGHT_ROLES else "layer")
        shape, layout = self.slice_shape, layout or self.layout
        pad, depth = self.padding_idx, self.depth
        if fans == "layer" and self.layer_fans is not None:
            return TensorInfo.make(shape, layout, self.layer_fans, pad, depth)
        if len(shape) < get_layout(layout).min_ndim:  # a vector or scalar has no fans: Keras's rule
            return TensorInfo.make(shape, layout, vector_fans(shape), pad, depth)
        return TensorInfo.make(shape, layout, padding_idx=pad, depth=depth)

    def slices(self) -> list[tuple[int, ...]]:
        """Every index along the stacked axes, in row-major order ([()] when nothing is stacked)."""
        out: list[tuple[int, ...]] = [()]
        for n in self.layers:
            out = [i + (j,) for i in out for j in range(n)]
        return out

    def slice_key(self, index: tuple[int, ...]) -> str:
        """The canonical key of one layer of a stacked tensor: its index stands where an unstacked model has the
        layer's position (``layers/*/mlp/weight`` -> ``layers/3/mlp/weight``)."""
        key = self.key
        for i in index:
            key = key.replace("*", str(i), 1)
        return key


def _words(owner: str, name: str, value: Any, allowed: Sequence[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    items: Sequence[Any] = (value,) if isinstance(value, str) else value
    if not isinstance(items, (tuple, list)) or not items:
        raise TypeError(f"{owner}: parameter '{name}' must be a word or a list of words from {', '.join(allowed)}; "
                        f"got {value!r}")
    out: list[str] = []
    for item in items:
        word = ALIASES.get(item, item) if isinstance(item, str) else item
        out.append(v.choice(owner, name, word, allowed))  # a builtin str: a numpy.str_'s repr would not read back
    return tuple(dict.fromkeys(out))  # each word once, in the order given: ("dense", "linear") is ("dense",)


@dataclass(frozen=True)
class Select:
    """Which parameters a rule sets: those that match every field given.

    A layer ``kind`` (one or several of KINDS), ``role`` (of ROLES), a glob on the ``path``
    (fnmatch, case-sensitive, "/" between levels: ``"encoder/*"``) and a glob on the ``layer`` class name or the
    framework classes it derives from (``"*Depthwise*"``); an empty field matches all. Running statistics and a
    quantized layer's stored values (``STATISTICS``) are selected only by a selector that names their role: a
    catch-all rule never overwrites a BatchNorm's running mean or an int8 kernel's scale.
    ``Plan.rule(spec, kind=..., role=..., path=..., layer=...)`` makes one from its keywords.

    Args:
        kind: a layer kind or a tuple or list of them, from ``KINDS`` ("dense", "conv", "conv_transpose",
            "embedding", "norm", "recurrent", "attention", "prelu", "other"; "linear" is read as "dense");
            empty (the default): every kind. Each kind is kept once, in the order first given (``("dense",
            "linear")`` is ``("dense",)``), and so is each role.
        role: a role or a tuple or list of them, from ``ROLES`` ("weight", "bias", "embedding", "scale", "shift",
            "running_mean", "running_var", "recurrent_weight", "recurrent_bias", "batches_tracked", "slope",
            "quantization", "fixed", "other"; the frameworks' words "kernel", "gamma", "beta", "alpha",
            "moving_mean", "moving_variance", "recurrent_kernel", "num_batches_tracked" are accepted); empty (the
            default): every role but the running statistics, ``"quantization"`` and ``"fixed"``.
        path: a glob on the parameter's path or on any of its aliases or names (``"encoder/*"``, ``"*/bias"``),
            or None (the default): every path.
        layer: a glob on the layer's class name or on the name of any framework class it derives from
            (``Param.bases``: ``"LSTM"`` matches a user's subclass of ``nn.LSTM`` too; ``"*Depthwise*"``), or None
            (the default): every class.
        framework_layer: a glob on the names of the framework's own classes the layer's class is or derives from
            (``Param.bases``) and on nothing else: ``"*LSTM*"`` matches torch's ``nn.LSTM`` and a user's subclass
            of it, never a user's ``class MyLSTM(nn.Module)`` merely named so (the presets' rules for a framework
            layer are written so), or None (the default): every class.

    Raises:
        TypeError: ``kind`` or ``role`` that is neither a word nor a list of words, or ``path``, ``layer`` or
            ``framework_layer`` that is neither a string nor None.
        ValueError: a word that is not in ``KINDS`` / ``ROLES`` (nor one of the frameworks' words for one).

    Examples:
        >>> import unifiedinit as ui
        >>> select = ui.Select(kind="linear", role=("kernel", "bias"))
        >>> select
        Select(kind=('dense',), role=('weight', 'bias'), path=None, layer=None, framework_layer=None)
        >>> select.matches(ui.Param("fc/weight", "dense", "weight", (8, 4)))
        True
        >>> ui.Select(path="encoder/*").matches(ui.Param("decoder/fc/weight", "dense", "weight", (8, 4)))
        False
        >>> ui.Select().matches(ui.Param("bn/running_var", "norm", "running_var", (8,)))  # statistics: by name only
        False
    """

    kind: tuple[str, ...] = ()
    role: tuple[str, ...] = ()
    path: str | None = None
    layer: str | None = None
    framework_layer: str | None = None

    def __post_init__(self) -> None:
        # an empty tuple or list is the default, every kind or role; an empty string is no word (and no catch-all)
        for name, allowed in (("kind", KINDS), ("role", ROLES)):
            value = getattr(self, name)
            empty = isinstance(value, (tuple, list)) and not value
            object.__setattr__(self, name, _words("Select", name, None if empty else value, allowed))
        for name in ("path", "layer", "framework_layer"):
            if getattr(self, name) is not None and not isinstance(getattr(self, name), str):
                raise TypeError(f"Select: parameter '{name}' must be a glob string or None, got {getattr(self, name)!r}")
            if getattr(self, name) is not None:  # a numpy.str_ too: its repr would not read back
                object.__setattr__(self, name, str(getattr(self, name)))

    def matches(self, p: Param) -> bool:
        if p.role in STATISTICS and p.role not in self.role:
            return False
        return ((not self.kind or p.kind in self.kind) and (not self.role or p.role in self.role)
                and (self.path is None or fnmatch.fnmatchcase(p.path, self.path)
                     or any(fnmatch.fnmatchcase(a, self.path) for a in p.aliases + p.names))
                and self.matches_layer(p))

    def matches_layer(self, p: Param) -> bool:
        """Whether the ``layer`` glob (None: every class) matches the layer's class name or the name of a framework
        class it derives from (``Param.bases``): a user's subclass of ``nn.LSTM`` is an LSTM, as ``isinstance``
        says; and whether the ``framework_layer`` glob (None: every class) matches a framework class the layer is
        or derives from (``Param.bases`` only: a user's class merely named ``LSTM`` is none)."""
        # a layer the walk names in its context ("BatchNorm2d in ConvBn2d": torch's fused QAT norm) is matched by
        # its own class's name unless the glob names a context too (" in "), so "*Conv*" does not take the norm in
        layer = p.layer if self.layer is None or " in " in self.layer else p.layer.split(" in ", 1)[0]
        return (self.layer is None or fnmatch.fnmatchcase(layer, self.layer)
                or any(fnmatch.fnmatchcase(b, self.layer) for b in p.bases)) and \
            (self.framework_layer is None or any(fnmatch.fnmatchcase(b, self.framework_layer) for b in p.bases))

    @property
    def reads_layer(self) -> bool:
        """Whether this selector reads the layer's class (a ``layer`` or ``framework_layer`` glob)."""
        return self.layer is not None or self.framework_layer is not None

    def __str__(self) -> str:
        parts = [f"kind={'|'.join(self.kind)}" if self.kind else "", f"role={'|'.join(self.role)}" if self.role else "",
                 f"path={self.path}" if self.path is not None else "",
                 f"layer={self.layer}" if self.layer is not None else "",
                 f"framework_layer={self.framework_layer}" if self.framework_layer is not None else ""]
        return " ".join(p for p in parts if p) or "every parameter"


# ------------------------------------------------------------------------------------------ layer classes

@dataclass(frozen=True)
class LayerInfo:
    """What the library needs to know of a layer class it cannot recognise by itself: its ``kind``, the ``role``
    of each of its own parameters by name, the ``layout`` each is stored in (a layout name; the backend's default
    otherwise), how many leading axes of its parameters stack layers (``stacked``) and, for a parameter stored
    flattened, the layer attribute that holds one layer's shape of it (``shapes``)."""

    kind: str
    roles: Mapping[str, str] = field(default_factory=dict[str, str])
    layouts: Mapping[str, str] = field(default_factory=dict[str, str])
    stacked: int = 0
    shapes: Mapping[str, str] = field(default_factory=dict[str, str])

    def main(self, default: str) -> str:
        """The name of the parameter whose shape gives the layer's fans (which its bias's rules read too): the
        first one registered with the role "weight" or "embedding" (``roles={"w": "weight"}``), else the
        backend's own name for it (``default``: "weight", "kernel")."""
        return next((name for name, role in self.roles.items() if role in ("weight", "embedding")), default)


#: class (or "module.QualName") -> LayerInfo; consulted by every backend before its own tables
LAYERS: dict[Any, LayerInfo] = {}
#: class -> its LayerInfo or None, as looked up (cleared whenever LAYERS changes size)
_LOOKED_UP: dict[type, Any] = {}


def register_layer(cls: Any, kind: str, *, roles: Mapping[str, str] | None = None,
                   layouts: Mapping[str, str] | None = None, stacked: int = 0,
                   shapes: Mapping[str, str] | None = None) -> None:
    """Teach the library a layer class: ``register_layer(MyConv, "conv", roles={"w": "weight"},
    layouts={"w": "keras"})``.

    ``cls`` is the class or its dotted name ("transformers.pytorch_utils.Conv1D"), which needs no import;
    subclasses inherit the entry. Works for every framework: each backend consults the registered classes before
    its own tables, so the layer's parameters get this kind, these roles and layouts in every walk
    (``ui.inspect`` shows them). Registering a class again replaces its entry.

    Args:
        cls: the layer class, or its dotted "module.QualName" (a class that need not be imported).
        kind: the layer's kind, one of ``KINDS`` ("dense", "conv", "conv_transpose", "embedding", "norm",
            "recurrent", "attention", "prelu", "other"; "linear" is read as "dense").
        roles: the role of each of the layer's own parameters by name, each one of ``ROLES`` (the frameworks'
            words "kernel", "gamma", ... are accepted); a parameter not named gets the backend's default.
        layouts: the layout each parameter is stored in by name, each a registered layout name (``ui.LAYOUTS``);
            a parameter not named is in the backend's default layout.
        stacked: how many leading axes of the layer's parameters stack layers, an int >= 0 (default 0).
        shapes: for a parameter the layer stores flattened, the name of the layer's attribute that holds the shape
            one layer of it has (timm's ``CondConv2d`` keeps each expert's (out, in/groups, kh, kw) kernel as one
            row of an (experts, n) ``weight`` and says the kernel's shape in ``weight_shape``:
            ``shapes={"weight": "weight_shape"}``). The torch backend then describes and draws the parameter
            through a view of that shape (the stacked axes, then the attribute's), so fans, layouts and
            structured draws are one layer's; the attribute must hold a tuple of ints whose product is the
            flattened length. The torch backend draws so; the others refuse such a class (NotImplementedError)
            rather than drawing it with the fans of its stored shape.

    Raises:
        TypeError: ``cls`` is neither a class nor a dotted name, ``kind`` or a role is not a string, ``roles``,
            ``layouts`` or ``shapes`` is neither None nor a dict keyed by strings, ``stacked`` is not an integer,
            a ``layouts`` value is not a layout name, or a ``shapes`` value is not an attribute name.
        ValueError: a kind, role or layout name that is not known, or ``stacked < 0``.

    Examples:
        >>> import unifiedinit as ui
        >>> class MyScale:  # a framework's layer class that holds one per-feature vector "g"
        ...     pass
        >>> ui.register_layer(MyScale, "norm", roles={"g": "gamma"})
        >>> from unifiedinit.params import registered_layer
        >>> class MyOtherScale(MyScale):  # subclasses inherit the entry
        ...     pass
        >>> registered_layer(MyOtherScale)
        LayerInfo(kind='norm', roles={'g': 'scale'}, layouts={}, stacked=0, shapes={})
    """
    from .layout import Layout, get_layout
    if not (isinstance(cls, type) or (isinstance(cls, str) and "." in cls)):
        raise TypeError(f"register_layer: parameter 'cls' must be a class or a dotted 'module.Class' name, got "
                        f"{v.shown(cls)} of type {type(cls).__name__}")
    kind = _word("kind", kind, KINDS)
    roles = _by_name("roles", roles, "{'w': 'weight'}")
    layouts = _by_name("layouts", layouts, "{'w': 'keras'}")
    shapes = _by_name("shapes", shapes, "{'weight': 'weight_shape'}")
    for name, role in roles.items():
        roles[name] = _word(f"roles[{name!r}]", role, ROLES)
    for name, layout in layouts.items():
        if not isinstance(layout, (str, Layout)):
            raise TypeError(f"register_layer: parameter 'layouts[{name!r}]' must be a layout name (ui.LAYOUTS), got "
                            f"{v.shown(layout)} of type {type(layout).__name__}")
        get_layout(layout)
    stacked = v.integer("register_layer", "stacked", stacked, minimum=0)
    for name, attribute in shapes.items():
        if not (isinstance(attribute, str) and attribute.isidentifier()):
            raise TypeError(f"register_layer: parameter 'shapes[{name!r}]' must be the name of the layer's attribute "
                            f"that holds one layer's shape of {name!r}, got {v.shown(attribute)}")
    LAYERS[cls] = LayerInfo(kind, roles, layouts, stacked, shapes)
    _LOOKED_UP.clear()  # a class registered again (same size) must be looked up again
    _GENERATION[0] += 1


def _word(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    """``register_layer``'s ``name`` (a kind or a role): one of ``allowed``, or a framework's word for one
    (``ALIASES``: "linear", "kernel"), as the word it stands for; anything else is refused by name."""
    return v.choice("register_layer", name, ALIASES.get(value, value) if isinstance(value, str) else value, allowed)


def _by_name(name: str, value: Any, example: str) -> dict[str, Any]:
    """``register_layer``'s ``roles``, ``layouts`` or ``shapes``: None (none) or a mapping of the layer's own
    parameter names (strings) to what it says of each, as a new dict; anything else is refused by name with
    ``example``, before anything is registered."""
    if value is None:
        return {}
    if not v.is_mapping(value):
        raise TypeError(f"register_layer: parameter '{name}' must be a dict of the layer's parameter names to "
                        f"their {name}, such as {example}, or None; got {v.shown(value)} of type "
                        f"{type(value).__name__}")
    out = {**value}
    bad = next((key for key in out if not isinstance(key, str)), None)
    if bad is not None:
        raise TypeError(f"register_layer: parameter '{name}' must be keyed by the layer's parameter names "
                        f"(strings), such as {example}; got the key {v.shown(bad)} of type {type(bad).__name__}")
    return out


#: bumped by every ``register_layer``: the backends' per-class caches are keyed by it
_GENERATION = [0]


def layer_generation() -> int:
    """A number that changes whenever the table of layer classes may have changed (``register_layer``, or
    ``LAYERS`` edited by hand: its size is part of it), for caches of what a class is."""
    return _GENERATION[0] * 1_000_003 + len(LAYERS)


def registered_layer(cls: type, views: bool = False) -> LayerInfo | None:
    """The LayerInfo of ``cls`` or of its nearest registered base class, if any. A backend that cannot draw a
    flattened tensor through a view (``views`` False: every one but torch's) gets a NotImplementedError for a class
    registered with ``shapes``, rather than drawing it with the fans of its stored shape."""
    info = _registered(cls)
    if info is not None and info.shapes and not views:
        raise NotImplementedError(
            f"register_layer(shapes={dict(info.shapes)!r}) for {cls.__name__}: only the torch backend draws a "
            f"flattened tensor through a view of one layer's shape; register {cls.__name__} without shapes= to "
            "draw its tensors as stored")
    return info


def _registered(cls: type) -> LayerInfo | None:
    if len(_LOOKED_UP) > 4096 or _LOOKED_UP.get(type(None)) != len(LAYERS):  # LAYERS changed (or classes abound)
        _LOOKED_UP.clear()
        _LOOKED_UP[type(None)] = len(LAYERS)  # type: ignore[assignment]
    if cls in _LOOKED_UP:
        return _LOOKED_UP[cls]
    found = None
    for base in cls.__mro__:
        found = LAYERS.get(base) or LAYERS.get(f"{base.__module__}.{base.__qualname__}")
        if found is not None:
            break
    _LOOKED_UP[cls] = found
    return found


def framework_bases(cls: type, root: str) -> tuple[str, ...]:
    """``Param.bases`` of a layer of class ``cls``: the names of the classes it is or derives from (its MRO, itself
    first) that are the framework's own, defined in a module under ``root`` (``"torch."``, ``"keras."``), nearest
    first and each name once: a framework's own class is first, a user's class (merely named like one or not) is
    not there.

    Examples:
        >>> import collections
        >>> class Counts(collections.Counter[str]):
        ...     pass
        >>> framework_bases(Counts, "collections"), framework_bases(Counts, "torch.")
        (('Counter',), ())
        >>> framework_bases(collections.Counter, "collections")  # the framework's own class: itself first
        ('Counter',)
    """
    names = (c.__name__ for c in cls.__mro__ if c.__module__ == root.rstrip(".") or c.__module__.startswith(root))
    return tuple(dict.fromkeys(names))


NORM_SCALES = ("weight", "scale", "gamma", "g")
NORM_SHIFTS = ("bias", "shift", "beta", "offset", "b")


def looks_like_norm(class_name: str, own: Mapping[str, tuple[int, ...]]) -> bool:
    """A normalization layer by what it is: a class whose name says Norm, holding only a per-feature scale and
    maybe a shift (vectors of one length), like torch's RMSNorm, Llama's LlamaRMSNorm, T5's T5LayerNorm,
    ConvNext's ConvNextLayerNorm. (A LayerScale-like vector that is not a norm keeps kind "other".)"""
    if "norm" not in class_name.lower() or not own:
        return False
    shapes = set(own.values())
    if len(shapes) != 1 or len(next(iter(shapes))) != 1:
        return False
    names = set(own)
    return bool(names & set(NORM_SCALES)) and names <= set(NORM_SCALES) | set(NORM_SHIFTS)


def norm_role(name: str) -> str:
    return "scale" if name in NORM_SCALES else "shift" if name in NORM_SHIFTS else "other"


# ------------------------------------------------------------------------------------------ ties and keys

def _owns_before(p: Param, owner: Param, where: Callable[[Param], str] | None = None) -> bool:
    """Whether ``p`` rather than ``owner`` owns a tensor both reach: an embedding before any other layer (a tied
    output head is the embedding's), then the shorter path (T5's ``shared`` before the ``embed_tokens`` that
    hold it), then the path that sorts first, positions by number (``h/2`` before ``h/10``): never the order the
    framework registered them in, which a model's code may change freely and frameworks walk differently. Where
    both have one path (a Keras variable's, whichever layer holds it), the paths they were reached by
    (``_reached``) are compared. ``where(p)``, where given, is the path compared in place of ``p.path`` (linen's
    ``blocks_1`` is torch's ``blocks/1``)."""
    # an embedding layer's table first, then any table: a tied head may hold it under the embedding's own name
    # (an NNX head's ``self.embedding = embed.embedding``), so the role alone would leave the order to the paths
    def table(q: Param) -> int:  # 2: an embedding layer's table, 1: a table another layer holds, 0: no table
        return (q.role == "embedding") + (q.role == "embedding" and q.kind == "embedding")

    if table(p) != table(owner):
        return table(p) > table(owner)
    if where is not None:
        return _path_order(where(p)) < _path_order(where(owner))
    if p.path == owner.path:
        return _path_order(_reached(p)) < _path_order(_reached(owner))
    return _path_order(p.path) < _path_order(owner.path)


def _reached(p: Param) -> str:
    """The path a walk reached ``p`` by, where the framework gives a tensor one path whoever holds it: its first
    ``names`` entry where it has one (a Keras variable's path through the attributes that hold its layers), else
    its ``path``."""
    return p.names[0] if p.names else p.path


def _path_order(path: str) -> tuple[int, tuple[tuple[int, int, str], ...]]:
    """Shorter paths first, then by their parts, positions by number: a tied tensor's owner and aliases."""
    parts = path.split("/")
    return len(parts), tuple((0, int(s), "") if s.isdecimal() else (1, 0, s) for s in parts)


def tie(found: Iterable[tuple[Param, Any]], identity: Any = id, where: Callable[[Param], str] | None = None
        ) -> list[tuple[Param, Any]]:
    """One record per tensor: a tensor reached under several paths has one owner, with the other paths as its
    ``aliases``: an embedding owns a tensor it shares with another layer (a tied output head: the tensor is the
    embedding's, drawn as an embedding, as torch's ``head.weight = embed.weight`` leaves it), and otherwise the
    shortest path, then the one that sorts first, does (``_owns_before``), whatever order the framework walks
    them in (so its key, hence its values, do not change when a model's code registers its layers in another
    order). Where the framework gives the tensor one path whoever holds it (a Keras variable's ``path``: a layer
    held by two attributes, or by two parent layers), the paths compared are the ones the walk reached it by
    (each record's first ``names`` entry), and the others become the owner's aliases. The record stays where
    the tensor was first reached. ``identity(handle)`` says which handles are the same tensor; ``where(p)``, where
    given, is the path the owner is chosen by (``_owns_before``)."""
    # every record of each tensor first, then its owner and aliases once (a tensor a model reaches under
    # thousands of paths is sorted once, not once per path)
    groups: dict[Any, list[tuple[Param, Any]]] = {}
    for p, handle in found:
        groups.setdefault(identity(handle), []).append((p, handle))
    out: list[tuple[Param, Any]] = []
    for records in groups.values():
        if len(records) == 1:
            out.append(records[0])
            continue
        owner, handle = records[0]
        for p, h in records[1:]:
            if _owns_before(p, owner, where):
                owner, handle = p, h
        paths: set[str] = set()
        for p, _ in records:
            # one tensor of one path reached through two holders (Keras): the path it was reached by
            paths.update(p.aliases)
            paths.add(_reached(p) if p.path == owner.path else p.path)
        paths -= {owner.path, _reached(owner)}
        out.append((owner._replace(aliases=tuple(sorted(paths, key=_path_order))), handle))
    return out


def _split(prefix: str) -> tuple[Any, ...]:
    """A module path's parts: "h/3/attn" -> ("h", 3, "attn") (an int: a position in a sequence of layers)."""
    return tuple([int(s) if s.isdecimal() else s for s in prefix.split("/")]) if prefix else ()


def _stack_signatures(recs: Sequence[tuple[tuple[Any, ...], Param]]
                      ) -> dict[tuple[Any, ...], set[tuple[int, tuple[int, ...]]]]:
    """For every module prefix, the set of (stacked axes count, layer counts) of the parameters under it."""
    under: dict[tuple[Any, ...], set[tuple[int, tuple[int, ...]]]] = {}
    for parts, p in recs:
        for depth in range(len(parts) + 1):
            under.setdefault(parts[:depth], set()).add((len(p.stacked), p.layers))
    return under


def _children(modules: Iterable[tuple[Any, ...]]) -> dict[tuple[Any, ...], set[Any]]:
    """For every module prefix, the parts of the modules right below it that hold parameters in or under them."""
    below: dict[tuple[Any, ...], set[Any]] = {}
    for parts in modules:
        for depth in range(len(parts)):
            below.setdefault(parts[:depth], set()).add(parts[depth])
    return below


def _stack_depth(parts: tuple[Any, ...], p: Param,
                 under: Mapping[tuple[Any, ...], set[tuple[int, tuple[int, ...]]]],
                 below: Mapping[tuple[Any, ...], set[Any]], holds: Container[tuple[Any, ...]]) -> int:
    """The module that was stacked. The parameters' paths name only the modules, not which one the stack was
    made of, so it is read from their shape: first the shortest prefix of ``p``'s path under which every
    parameter is stacked the same way (``layers`` of ``layers/attn/q/kernel`` when all of ``layers/...`` have
    one leading layer axis), then down a chain of wrappers: while that module holds no parameters itself and
    has one module below it, named (``below``), which holds none itself either (``holds``: a layer such as a
    Linear) and is no sequence of layers (``layer/0``, ``layer/1``: T5's block), the stack is that one. So a
    wrapper of nothing but its stack (Hugging Face's ``encoder`` of ``encoder/layers/...``) is not taken for the
    stack, a stack of blocks of one Linear (``layers/fc``) is ``layers``, and T5's ``block/layer/0`` is
    ``block``. The model itself is never taken for it while its path names a module: a model that holds nothing
    but its stack (a pipeline stage of ``layers``) keys its layers ``layers/*/...``, as a model that also holds
    an unstacked head, and as the unstacked model's ``layers/0/...``.

    Where paths alone cannot tell, this reads: a wrapper holding nothing but a stacked bare layer
    (``encoder/proj`` a stacked Linear) as a stack of the wrappers (``encoder/*/proj``); a stacked block whose
    one module has several (``layers/mlp/{fc1,fc2}``) as a wrapper around a stack (``layers/mlp/*/fc1``); and
    a wrapper of a stack of sequences (``encoder/layers/0``) as a stack of the wrappers (``encoder/*/...``)."""
    same = {(len(p.stacked), p.layers)}
    depth = next((d for d in range(min(1, len(parts)), len(parts) + 1) if under[parts[:d]] == same), len(parts))
    while depth < len(parts) and parts[:depth] not in holds and len(below[parts[:depth]]) == 1:
        child = parts[:depth + 1]
        if isinstance(parts[depth], int) or child in holds or any(isinstance(x, int) for x in below.get(child, ())):
            break
        depth += 1
    return depth


def assign_keys(params: Sequence[Param], *, fresh: bool = False, held: Iterable[str | tuple[Any, ...]] = ()
                ) -> list[Param]:
    """The same params with ``key`` (and ``stack_depth``) filled: the path's module parts, where a position in
    a sequence of layers (an int part: torch's ``h.3``, a Keras Sequential's 3rd layer, linen's ``layers_3``)
    becomes its rank among the positions in that sequence that hold parameters (so torch's
    ``Sequential(Linear, ReLU, Linear)`` numbers its Linears 0 and 1, as Keras's fused activations do), then the
    role (and a backend's sub-key, and the parameter's own name where a layer holds two of one role). A stacked
    parameter's key holds ``*`` where its slice index goes: after the module that was stacked (``_stack_depth``:
    ``encoder/layers/*/fc`` as the unstacked ``encoder/layers/0/fc``). Nothing depends on the order of ``params``.

    ``fresh``: the records were made for this call and nothing else holds them yet (the apply loop's own walk):
    they are filled in place, as their constructor would have filled them, instead of copied. ``held``: the module
    paths ("pos/1", or their key parts, ``("pos", 1)``) of layers that hold tensors no record describes (a torch
    lazy layer not built yet, a layer of persistent buffers only): each counts as a position of its sequences, as
    the same layer does where the framework records it (Keras's non-trainable weight, an NNX Variable, an Equinox
    array), so that it moves no other layer's key, ``l`` or ``L``."""
    # a layer's tensors share their module's path: split it, rank its positions and join its words once
    # the path's module prefix (or the backend's key_parts) -> (index, param) of its tensors
    groups: dict[str | tuple[Any, ...], list[tuple[int, Param]]] = {}
    for n, p in enumerate(params):
        groups.setdefault(p.path.rpartition("/")[0] if p.key_parts is None else tuple(p.key_parts), []).append((n, p))
    modules: dict[tuple[Any, ...], list[tuple[int, Param]]] = {}
    for group, members in groups.items():
        modules.setdefault(group if isinstance(group, tuple) else _split(group), []).extend(members)
    positions: dict[tuple[Any, ...], set[int]] = {}
    for parts in [*modules, *(_split(path) if isinstance(path, str) else tuple(path) for path in held)]:
        for i, part in enumerate(parts):
            if isinstance(part, int):
                positions.setdefault(parts[:i], set()).add(part)
    rank = {prefix: {n: r for r, n in enumerate(sorted(ns))} for prefix, ns in positions.items()}
    stacks = any(p.stacked for p in params)
    under = _stack_signatures([(parts, p) for parts, members in modules.items() for _, p in members]) if stacks else {}
    below = _children(modules) if stacks else {}
    out: list[Param] = list(params)
    for parts, members in modules.items():
        words: list[str] = []
        found: list[tuple[str, int, int]] = []
        for i, part in enumerate(parts):
            if isinstance(part, int):
                ranks = rank[parts[:i]]
                words.append(str(ranks[part]))
                found.append((str(parts[i - 1]) if i else "", ranks[part], len(ranks)))
            else:
                words.append(str(part))
        sequences = tuple(found)
        depth = found[0][1:] if found else None
        module_words = "/".join(words) + "/" if words else ""
        leaves: list[str] = []
        for _, p in members:
            leaves.append(p.role + "/" + p.key_leaf if p.key_leaf else p.role)
        shared = {leaf for leaf in leaves if leaves.count(leaf) > 1} if len(set(leaves)) < len(leaves) else ()
        for (n, p), leaf in zip(members, leaves):
            if leaf in shared:  # two tensors of one role in one layer: the tensor's own name tells them apart
                leaf += ":" + p.path.rsplit("/", 1)[-1]
            joined, stack_depth = module_words, p.stack_depth
            if p.stacked:
                stack_depth = _stack_depth(parts, p, under, below, modules) if stack_depth is None else stack_depth
                joined = "".join(w + "/" for w in words[:stack_depth] + ["*"] * len(p.stacked) + words[stack_depth:])
            if fresh:
                values = p.__dict__
                values.pop("_hash", None)
                values["key"], values["stack_depth"], values["depth"], values["sequences"] = \
                    joined + leaf, stack_depth, depth, sequences
            else:
                out[n] = p._replace(key=joined + leaf, stack_depth=stack_depth, depth=depth, sequences=sequences)
    seen: dict[str, str] = {}
    for p in out:
        if p.key in seen:
            raise ValueError(f"parameters {seen[p.key]!r} and {p.path!r} have the same canonical key {p.key!r}; "
                             f"rename one of their layers")
        seen[p.key] = p.path
    return out


#: the stacked axes of a layer's arrays, each with its size, ``((axis, size), ...)``; () for a single layer
Stack = tuple[tuple[int, int], ...]


def stacked_norm(class_name: str, own: Mapping[str, tuple[int, ...]], stack: Stack) -> bool:
    """Whether a module of class ``class_name`` whose arrays have shapes ``own`` looks like one layer's norm
    (``looks_like_norm``) once the axes of ``stack`` are taken off each array, every one having the stack's sizes
    there: a user's norm built under ``nnx.vmap`` or ``eqx.filter_vmap``, whose class gives no rank."""
    if not stack or not own:
        return False
    axes = {axis for axis, _ in stack}
    if not all(len(s) > max(axes) and all(s[axis] == size for axis, size in stack) for s in own.values()):
        return False
    return looks_like_norm(class_name, {k: tuple(d for i, d in enumerate(s) if i not in axes) for k, s in own.items()})


def innermost_stack(levels: Iterable[frozenset[Stack]]) -> Stack:
    """The stack of the layers around a module, from what each enclosing level holds (``levels``: innermost
    first, each the stacks found among the layers whose rank their class gives, in it and below it): the first
    level holding any, where they all agree (a block built under ``nnx.vmap``/``eqx.filter_vmap``); () where none
    are known or they differ (a model holding stacked and single layers). Levels after the first found are not
    read, so a lazy iterable computes only what it needs."""
    for found in levels:
        if found:
            return next(iter(found)) if len(found) == 1 else ()
    return ()


def stacked_axes(shape: Sequence[int], expected_ndim: int | None) -> tuple[int, ...]:
    """Leading axes a layer's parameter has beyond the rank its class gives it (``nnx.vmap``/``nn.scan``
    stack layers on axis 0): ``(0,)`` for a (L, in, out) Dense kernel, () when the rank is as expected."""
    if expected_ndim is None or len(shape) <= expected_ndim:
        return ()
    return tuple(range(len(shape) - expected_ndim))
