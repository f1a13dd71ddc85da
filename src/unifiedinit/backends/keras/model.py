"""Keras models as parameter records (keys from the attributes that hold each layer, a Sequential or Functional
model's layers by position, never Keras's automatic names; EinsumDense kernels read from their equation), and
the target the apply loop writes through (``variable.assign``)."""

# keras ships no type annotations for most of its API (keras.layers, keras.backend, keras.ops) nor its layers:
# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false

from __future__ import annotations

import contextlib
import random
import re
import warnings
from typing import TYPE_CHECKING, Any, Iterator, Sequence, cast

import keras
from keras import ops

from ... import draws as D
from ... import samplers
from ...layout import Layout, TensorInfo
from ...params import _path_order, framework_bases, looks_like_norm, norm_role, registered_layer, tie
from .ops import KerasOps, Seeds

if TYPE_CHECKING:
    from ...params import Param, Select


def owns(obj: Any) -> bool:
    """Whether ``obj`` is a Keras layer or model (``keras.layers.Layer``, which ``keras.Model`` is too).

    The backend registry asks each backend in turn; a built or unbuilt layer both count (``walk`` then refuses
    an unbuilt one).

    Args:
        obj: any object.

    Returns:
        True for a ``keras.layers.Layer`` (a Sequential, Functional or subclassed model included), else False.

    Raises:
        Nothing: any object gets an answer.

    Examples:
        >>> import keras
        >>> from unifiedinit.backends.keras import owns
        >>> owns(keras.layers.Dense(2)), owns(keras.Sequential()), owns(object())
        (True, True, False)
    """
    return isinstance(obj, keras.layers.Layer)


def _kind(layer: Any, parent: Any) -> tuple[str, str]:
    """(kind, layout of its kernel) of a Keras layer."""
    L = keras.layers
    info = registered_layer(type(layer))
    if info is not None:
        return info.kind, info.layouts.get(info.main("kernel"), "keras")
    attention = (L.MultiHeadAttention,) + ((L.GroupQueryAttention,) if hasattr(L, "GroupQueryAttention") else ())
    # an attention layer's projections are its own; any other child (a QK-norm's LayerNormalization) keeps its
    # kind, as Flax's walk reads a norm inside attention, so that presets and param_groups treat it as one
    if isinstance(layer, attention) or (isinstance(parent, attention) and isinstance(layer, (L.Dense, L.EinsumDense))):
        return "attention", "keras"
    # Normalization (preprocessing): its non-trainable "mean" and "variance" are statistics, like BatchNorm's
    norms = (L.BatchNormalization, L.LayerNormalization, L.GroupNormalization, L.Normalization) + \
        ((L.RMSNormalization,) if hasattr(L, "RMSNormalization") else ())
    for classes, kind, layout in (
            ((L.Conv1DTranspose, L.Conv2DTranspose, L.Conv3DTranspose), "conv_transpose", "keras_conv_transpose"),
            ((L.DepthwiseConv1D, L.DepthwiseConv2D), "conv", "keras_depthwise"),
            ((L.SeparableConv1D, L.SeparableConv2D), "conv", "keras"),
            ((L.Conv1D, L.Conv2D, L.Conv3D), "conv", "keras"), ((L.Dense, L.EinsumDense), "dense", "keras"),
            (L.Embedding, "embedding", "keras_embedding"), (norms, "norm", "keras"),
            (L.PReLU, "prelu", "keras"), ((L.LSTMCell, L.GRUCell, L.SimpleRNNCell), "recurrent", "keras")):
        if isinstance(layer, classes):
            return kind, layout
    if any(c.__name__ == "ConvLSTMCell" and c.__module__.startswith("keras") for c in type(layer).__mro__):
        return "recurrent", "keras"  # ConvLSTM1D/2D/3D's cell, not exported by keras.layers
    own = {v.path.rsplit("/", 1)[-1]: tuple(int(d) for d in v.shape) for v in _own(layer)}
    if looks_like_norm(type(layer).__name__, own):
        return "norm", "keras"
    return "other", "keras"


#: ``ReversibleEmbedding(tie_weights=False)``'s ``reverse_embeddings``, the output table (dim, num): an embedding
#: table stored transposed, the vocabulary its last axis (fan_in = num, fan_out = dim, as the "keras_embedding"
#: layout gives the (num, dim) table), drawn as torch's (num, dim) table transposed for portable values. Keras
#: draws it with the layer's ``embeddings_initializer``, as the ``embeddings``
REVERSE_EMBEDDING = Layout("keras_reverse_embedding", (0,), (1,), framework="keras", canonical="torch_embedding")

#: roles by a variable's name, whatever its layer's kind (a layer's own "embeddings" table is one, as keras_hub's
#: PositionEmbedding's; a tied head that tracks an Embedding's table leaves it to the embedding: ``params.tie``)
_ROLES = {"kernel": "weight", "bias": "bias", "embeddings": "embedding", "gamma": "scale", "beta": "shift",
          "scale": "scale", "moving_mean": "running_mean", "moving_variance": "running_var", "alpha": "slope",
          "recurrent_kernel": "recurrent_weight", "depthwise_kernel": "weight", "pointwise_kernel": "weight",
          # BatchNormalization(renorm=True): its moving and renorm statistics start at 0 (means) and 1 (stddevs)
          "moving_stddev": "running_var", "renorm_mean": "running_mean", "renorm_stddev": "running_var"}

#: variables that make what a layer computes rather than start a training, by the Keras class that holds them:
#: ``STFTSpectrogram``'s Fourier kernels (``keras.initializers.STFT``; trainable by default, yet no law to draw),
#: role "fixed", which no preset sets and a catch-all rule never writes (a subclass's too, by its Keras bases)
_FIXED = {"STFTSpectrogram": ("real_kernel", "imag_kernel")}


def einsum_layout(equation: str) -> str | Layout:
    """The layout of an EinsumDense kernel, read from its equation as Keras reads it: the kernel's axes that appear
    in the output are output axes, the others input axes (Keras's VarianceScaling then takes fan_in and fan_out as
    their products, with no receptive field). The named ``multihead_qkv`` / ``multihead_out`` layouts where the
    axes are theirs."""
    from ...layout import LAYOUTS
    inputs, _, output = equation.replace(" ", "").partition("->")
    _, _, weight = inputs.partition(",")
    outs = tuple(i for i, c in enumerate(weight) if c in output)
    ins = tuple(i for i, c in enumerate(weight) if c not in output)
    for name in ("multihead_qkv", "multihead_out", "keras"):
        if len(weight) < 2:
            break
        try:
            named_outs, named_ins, named_rf = LAYOUTS[name].resolve(len(weight))
        except ValueError:  # its axes do not fit a kernel of this rank (multihead_qkv's on a 2-D "cd" kernel)
            continue
        if (named_outs, named_ins) == (outs, ins) and not named_rf:
            return name
    return Layout(f"einsum({equation})", outs, ins, min_ndim=1)


def _own(layer: Any) -> list[Any]:
    """The variables a layer tracks itself, less those of its sublayers: a wrapper that tracks its layer's kernel
    (``SpectralNormalization``) leaves it to that layer, whose kind and role it has."""
    own = list(layer._trainable_variables) + list(layer._non_trainable_variables)
    if own:
        kids = list(layer._flatten_layers(include_self=False, recursive=False))
        if kids:
            theirs = {id(v) for kid in kids for v in kid.weights}
            own = [v for v in own if id(v) not in theirs]
    return own


_SKIP = ("_layers", "_tracked", "_tracker", "_inbound_nodes", "_outbound_nodes", "_operations", "_functional")


def _children(layer: Any) -> list[tuple[tuple[Any, ...], Any]]:
    """(key parts, sublayer) for each direct sublayer and each attribute that holds it: the attribute
    (``query_dense`` for MHA's ``_query_dense``, ``blocks/2`` for a list, a dict's decimal key as a position too),
    a Sequential or Functional model's layer by its position, an RNN's cell as the RNN itself. A sublayer held by
    two attributes (``self.a = self.b``) comes once for each, so that every path of its variables is known and
    ``params.tie`` picks their owner by the paths alone (the shortest, then the first in sorted order), as for
    torch's and Flax's modules, never by the order the attributes were assigned in."""
    kids = list(layer._flatten_layers(include_self=False, recursive=False))
    names: dict[int, list[tuple[Any, ...]]] = {}
    attrs = [(a, x) for a, x in vars(layer).items() if not a.startswith("_")] + \
        [(a, x) for a, x in vars(layer).items() if a.startswith("_") and not a.startswith(("__", "_self_"))
         and a not in _SKIP]  # public attributes first (MHA keeps its sublayers in _query_dense ...)

    def name(value: Any, parts: tuple[Any, ...], depth: int = 0) -> None:  # into nested lists and dicts too
        if isinstance(value, keras.layers.Layer):
            held = names.setdefault(id(value), [])
            if parts not in held:
                held.append(parts)
        elif isinstance(value, (list, tuple)) and depth < 8:
            for i, x in enumerate(cast("list[Any]", value)):
                name(x, parts + (i,), depth + 1)
        elif isinstance(value, dict) and depth < 8:
            for k, x in cast("dict[Any, Any]", value).items():
                # a decimal key is a position, ranked among the dict's (torch's ModuleDict, NNX's nnx.Dict)
                key: Any = int(k) if (isinstance(k, int) and not isinstance(k, bool)) or \
                    (isinstance(k, str) and k.isdecimal()) else str(k)
                name(x, parts + (key,), depth + 1)
        elif isinstance(value, (set, frozenset)) and depth < 8:  # Keras tracks sets too (TrackedSet): unordered
            held = [x for x in cast("set[Any]", value) if isinstance(x, keras.layers.Layer)]
            if len(held) > 1:  # no key would be stable but Keras's auto-numbered names, which change per build
                raise ValueError(f"Plan.apply: the attribute {'/'.join(map(str, parts))!r} of layer {layer.name!r} "
                                 f"holds {len(held)} layers in a set, which has no order, so they have no key that "
                                 "is the same in every build (only Keras's automatic names); allowed: a list, a "
                                 "tuple or a dict of layers, or a set of one")
            for x in held:
                name(x, parts + (0,), depth + 1)

    # Keras's own layers keep their sublayers under private names (MHA's _query_dense): read without the
    # underscore, as every backend names them, also in a user's subclass of such a layer, which inherits them
    # (a subclass of MultiHeadAttention keys query_dense as MultiHeadAttention does); a user's layer keeps its
    # names as written (self._proj is _proj, as torch, NNX, linen, MXNet and Equinox key it), and a private
    # attribute whose bare name holds another layer keeps its underscore, so two layers never share a key
    own = type(layer).__module__.startswith("keras.") or any(
        c.__module__.startswith("keras.src.layers.") and c is not keras.layers.Layer for c in type(layer).__mro__)
    modules = vars(layer).get("_modules")  # the torch backend's sublayers, by attribute
    held_by: dict[str, Any] = {**vars(layer), **(cast("dict[str, Any]", modules) if isinstance(modules, dict) else {})}

    def bare(attr: str, value: Any) -> str:
        stripped = attr.lstrip("_")
        return stripped if own and held_by.get(stripped, value) is value else attr

    for attr, value in attrs:
        if attr == "_modules" and isinstance(value, dict):  # the torch backend: nn.Module keeps sublayers here,
            # by the attribute's own name: named as the other backends name them (public ones first, a private
            # one without its underscore: MHA's _query_dense is query_dense on every backend)
            held = sorted(cast("dict[Any, Any]", value).items(), key=lambda kx: str(kx[0]).startswith("_"))
            for k, x in held:
                name(x, (bare(str(k), x),))
            continue
        name(value, (bare(attr, value),))
    # a Functional subclass (``class Backbone(keras.Model)`` calling ``super().__init__(inputs, outputs)``)
    # holds its graph's layers in no attribute: by position, as a plain Functional model
    if isinstance(layer, keras.Sequential) or any(c.__name__ == "Functional" and c.__module__.startswith("keras")
                                                  for c in type(layer).__mro__):
        ordered = list(layer.layers)
        return [(parts, k) for k in kids
                for parts in ([(ordered.index(k),)] if k in ordered else names.get(id(k), [(k.name,)]))]
    rnn = isinstance(layer, keras.layers.RNN)
    return [(() if rnn and parts == ("cell",) else parts, k) for k in kids for parts in names.get(id(k), [(k.name,)])]


def _tree(layer: Any, parts: tuple[Any, ...] = (), parent: Any = None, depth: int = 0,
          above: frozenset[int] = frozenset()) -> Iterator[tuple[Any, tuple[Any, ...], Any]]:
    """Every layer under ``layer`` (itself first) with its key parts and its parent, once for each path that holds
    it (a shared layer under each of its holders); a layer that holds one of its own ancestors is not walked into
    again (``above``)."""
    yield layer, parts, parent
    if depth < 64:
        above = above | {id(layer)}
        for sub, child in _children(layer):
            if id(child) not in above:
                yield from _tree(child, parts + sub, layer, depth + 1, above)


#: the name Keras gives a weight added without one: "variable", then "variable_1", ... counted in the process
_UNNAMED = re.compile(r"variable(_\d+)?")


def walk(model: Any) -> list[tuple[Param, Any]]:
    """Every floating-point variable of a built Keras model or layer as (unifiedinit.params.Param, variable).

    A variable reached through several holders (a layer held by two attributes, or by two parent layers) comes
    once: keyed by the path through the attributes that owns it by ``unifiedinit.params.tie``'s rule (the
    shortest, then the first in sorted order, as torch's and Flax's tied modules), the other such paths its
    ``aliases``, which path globs and ``skip=`` match too. Keys come from the attributes that hold each layer (a
    Sequential or Functional model's layers by position), never from Keras's automatic layer names. Each record
    has the layer's kind ("dense", "conv", "conv_transpose", "embedding", "norm", "recurrent", "attention",
    "prelu", "other"; ``unifiedinit.register_layer`` decides for a registered class), the variable's role
    ("weight", "bias", "scale", "shift", "running_mean", ...), its layout as Keras stores it ("keras",
    "keras_conv_transpose", "keras_depthwise", "keras_embedding", an EinsumDense equation's own ``Layout``, or
    ``REVERSE_EMBEDDING`` for ``ReversibleEmbedding(tie_weights=False)``'s (dim, num) ``reverse_embeddings``,
    role "embedding", keyed ``.../embedding/reverse``) and the layer's fans. Integer and bool variables (a seed
    generator's state, counters) are left out, except a quantized layer's (an int8 kernel): those, and its other
    state (scales, zero points, int4's ``g_idx``: every variable but its bias, table and LoRA factors), have the
    role "quantization", so they are reported, no preset sets them and a catch-all rule never writes them; so are
    ``STFTSpectrogram``'s Fourier kernels, role "fixed": they make what the layer computes.

    Args:
        model: a built ``keras.layers.Layer`` or ``keras.Model``.

    Returns:
        A list of (``Param``, ``keras.Variable``), in the order of the layers' tree.

    Raises:
        TypeError: ``model`` is not a Keras layer or model.
        ValueError: ``model`` is not built yet (its variables do not exist).

    Examples:
        >>> import keras
        >>> from unifiedinit.backends.keras import walk
        >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="fc"),
        ...                           keras.layers.LayerNormalization(name="norm")], name="net")
        >>> for p, var in walk(model):
        ...     print(p.path, p.kind, p.role, p.shape, p.layout, p.layer_fans, p.key_parts)
        net/fc/kernel dense weight (4, 3) keras (4, 3) (0,)
        net/fc/bias dense bias (3,) keras (4, 3) (0,)
        net/norm/gamma norm scale (3,) keras None (1,)
        net/norm/beta norm shift (3,) keras None (1,)
    """
    from ...params import Param
    if not isinstance(model, keras.layers.Layer):
        raise TypeError(f"parameter 'model' must be a Keras model or layer, got {type(model).__name__}")
    if not model.built:
        raise ValueError(f"the Keras model {model.name!r} is not built yet: call it on data or build() it first, "
                         f"so that its weights exist")
    found: list[tuple[Param, Any]] = []
    for layer, parts, parent in _tree(model):
        layout: str | Layout  # a registered layout's name, or an EinsumDense equation's own Layout
        kind, layout = _kind(layer, parent)
        info = registered_layer(type(layer))
        own = _own(layer)
        main = info.main("kernel") if info is not None else "kernel"
        # a registered layer's main weight by its variable's name (its fans are the layer's, its bias's too)
        kernel = next((v for v in own if v.path.rsplit("/", 1)[-1] == main), None) if main != "kernel" else \
            getattr(layer, "kernel", None) if kind != "embedding" else getattr(layer, "embeddings", None)
        if isinstance(layer, keras.layers.EinsumDense):
            layout = einsum_layout(layer.equation)
        if isinstance(layer, (keras.layers.SeparableConv1D, keras.layers.SeparableConv2D)):
            kernel = layer.pointwise_kernel
        layer_fans = None
        if kind == "recurrent":
            # a ConvLSTMCell has filters; a registered cell of Keras's RNN API may say its size in state_size
            # alone (an int, or one per state: the first is the hidden state's)
            hidden = getattr(layer, "units", None) or getattr(layer, "filters", None) or \
                getattr(layer, "state_size", None)
            if isinstance(hidden, (list, tuple)) and hidden:
                hidden = cast("Sequence[Any]", hidden)[0]
            if isinstance(hidden, int) and not isinstance(hidden, bool) and hidden > 0:
                layer_fans = (hidden, hidden)
        elif kernel is not None:
            # one layer's fans: a registered layer's leading stacked axes are no part of any layer's kernel (as
            # torch's walk reads a stacked module's); kept local since no shared helper slices a shape so
            one = tuple(int(d) for d in kernel.shape)[info.stacked if info is not None else 0:]
            if len(one) >= 2 and all(one):
                layer_fans = TensorInfo.make(one, layout).fans
        # unnamed weights (add_weight without a name) are named variable, variable_1, ... by a counter of the
        # process: two builds of one model differ, so several in one layer are keyed by their order instead
        unnamed = [v for v in own if _UNNAMED.fullmatch(v.path.rsplit("/", 1)[-1])]
        quantized = bool(getattr(layer, "quantization_mode", None))
        bases = framework_bases(type(layer), "keras.")
        fixed = {name for base in bases for name in _FIXED.get(base, ())}

        def role_of(name: str, floating: bool) -> str:
            role = info.roles[name] if info is not None and name in info.roles else _ROLES.get(name, "other")
            if role == "other" and name in fixed:
                role = "fixed"
            if kind == "embedding" and name == "reverse_embeddings" and role == "other":
                role = "embedding"  # ReversibleEmbedding(tie_weights=False)'s output table: an embedding's, (dim, num)
            # a quantized layer's integer kernel and every float variable that is not its kernel, bias, table or
            # LoRA factor (scales, zero points, amax histories, int4's g_idx, AWQ's awq_scales) are its
            # quantization state, which no catch-all rule writes: a new mode's names need no list here
            if quantized and (not floating or (role == "other" and not name.startswith("lora_"))):
                role = "quantization"
            if kind == "norm" and role == "bias":
                role = "shift"
            if kind == "norm" and role == "other":  # a port's own names (LlamaRMSNorm's weight), read as torch's
                role = norm_role(name)
            if kind == "norm" and name in ("mean", "variance"):  # keras.layers.Normalization's statistics
                role = "running_mean" if name == "mean" else "running_var"
            return role

        roles = {id(v): role_of(v.path.rsplit("/", 1)[-1], keras.backend.is_float_dtype(v.dtype)) for v in own}
        # one unnamed weight is keyed by its role alone, unless another weight of the layer has that role too:
        # then its counted name would tell them apart, so it is keyed by its order as well
        ordered = len(unnamed) > 1 or (len(unnamed) == 1 and list(roles.values()).count(roles[id(unnamed[0])]) > 1)
        order = {id(v): str(i) for i, v in enumerate(unnamed)} if ordered else {}
        for var in own:
            floating = keras.backend.is_float_dtype(var.dtype)
            if not floating and not quantized:
                continue
            name = var.path.rsplit("/", 1)[-1]
            role = roles[id(var)]
            reverse = kind == "embedding" and name == "reverse_embeddings" and role == "embedding"
            own_layout = (info.layouts.get(name) if info is not None else None) or \
                ("keras_depthwise" if name == "depthwise_kernel" else "keras" if name == "pointwise_kernel" else
                 REVERSE_EMBEDDING if reverse else layout if role in ("weight", "embedding") else "keras")
            shape = tuple(int(d) for d in var.shape)
            stacked = tuple(range(info.stacked)) if info is not None and info.stacked else ()
            # the path through the layers' attributes, which globs match too: Keras's own names a layer by a
            # counter of the process (dense_7) unless it was named
            held = "/".join(map(str, parts + (order.get(id(var), name),)))
            found.append((Param(path=var.path, kind=kind, role=role, shape=shape,
                                dtype=keras.backend.standardize_dtype(var.dtype),
                                # Param.layout says str, but a Layout works (plan.py shows its name)
                                layout=own_layout,  # type: ignore[arg-type]  # an EinsumDense's own Layout
                                layer_fans=layer_fans, layer=type(layer).__name__, trainable=bool(var.trainable),
                                bases=bases,
                                stacked=stacked, key_parts=parts,
                                # the layer's second table: its own sub-key, so the first keeps its key
                                key_leaf=order.get(id(var), "reverse" if reverse else ""),
                                names=(held,) if held != var.path else ()), var))
    return tie(found)


class _Target:
    """Assigns a plan's values to a Keras model's variables."""

    def __init__(self, model: Any, *, seed: int | None = None) -> None:
        self.found = walk(model)
        # under jax, where each written variable's values live (Report.placements), as the JAX target says it
        self.placements: dict[str, dict[str, Any]] | None = {} if keras.backend.backend() == "jax" else None
        self.normalizations: list[Any] = []  # their finalize_state runs once their statistics are written
        # a sublayer that was never called has no variables yet: no plan reaches it, and Keras's own initializer
        # draws it when it builds, so it is named (layers that hold no weights, such as Dropout, are not)
        # a layer held by several attributes comes once under each: named once, by the path that owns it
        found: dict[int, str] = {}
        for layer, parts, parent in _tree(model):
            if isinstance(layer, keras.layers.Normalization) and all(x is not layer for x in self.normalizations):
                self.normalizations.append(layer)
            if not layer.built and (_kind(layer, parent)[0] != "other" or registered_layer(type(layer))):
                path = "/".join(map(str, parts)) or layer.name
                if id(layer) not in found or _path_order(path) < _path_order(found[id(layer)]):
                    found[id(layer)] = path
        unbuilt = list(found.values())
        if unbuilt:
            warnings.warn(f"Plan.apply: {len(unbuilt)} layer(s) are not built, so their variables do not exist and "
                          f"no rule sets them: {', '.join(unbuilt[:8])}{' ...' if len(unbuilt) > 8 else ''}; "
                          "Keras's own initializers will draw them when they build (call the model on data that "
                          "reaches them first)", UserWarning, stacklevel=5)

    def native(self, p: Any, var: Any, draw: D.Draw, stream: int | None) -> None:
        # Keras's int seeds hold 31 bits: each random op's is hashed from the parameter's whole 64-bit stream
        seed = random.randint(1, 10 ** 9) if stream is None else stream
        # keras.random draws the whole tensor and assign lays it out: a spread variable was computed whole, and
        # its values are the unsharded ones (keras.random knows no layout). Under jax it draws with no mesh in
        # context (``no_mesh``): under jax.set_mesh its result would lie replicated on that mesh, which assign
        # keeps for a variable with no layout or a replicated one, so every variable keeps its own
        with self._no_mesh():
            var.assign(samplers.draw(KerasOps(Seeds(seed)), draw, p.shape, p.dtype, p.stacked))
        self._place(p, var, True)

    def _no_mesh(self) -> Any:
        """Under jax, a context with no mesh in context (``unifiedinit.backends.flax.ops.no_mesh``), else one that
        changes nothing."""
        if keras.backend.backend() != "jax":
            return contextlib.nullcontext()
        from ..flax.ops import no_mesh
        return no_mesh()

    def host(self, p: Any, var: Any, values: Any) -> None:
        var.assign(ops.convert_to_tensor(values.astype("float32") if p.dtype == "bfloat16" else values, dtype=p.dtype))
        self._place(p, var, True)  # computed whole on the host, then laid out by assign

    def _place(self, p: Any, var: Any, whole: bool) -> None:
        """Where ``var``'s values went, for the report (``Report.placements``, under jax only), as the JAX target
        says it (``placement``): a spread variable (a ``keras.distribution`` layout) says what its path computed
        (``whole``: the whole tensor, laid out by ``assign``). The values never depend on the layout (portable
        values; ``keras.random`` draws the unsharded tensor), so every one is invariant. Reads the variable's
        sharding only, never its values."""
        if self.placements is not None:
            from ..flax.ops import placement
            self.placements[p.path] = placement(tuple(p.shape), getattr(var.value, "sharding", None), whole, True)

    def counter(self, p: Any, var: Any, draw: D.Draw, job: Any) -> None:
        """The counter stream's values, computed by Keras's own backend where the variable lives: under jax as Flax
        does (``counter_array``: one jitted function with the variable's layout, each device its own shard), under
        torch by torch's ops on its device; under tensorflow NumPy computes them on the host
        (``unifiedinit.counter``)."""
        backend = keras.backend.backend()
        value = var.value
        if backend == "jax":
            from ..flax.ops import counter_array
            # spread, an elementwise draw's shards are each computed on their own device; a structured one whole
            var.assign(counter_array(job, getattr(value, "sharding", None)))
            self._place(p, var, not draw.elementwise)
        elif backend == "torch":
            from ..torch.ops import TorchArith, TorchOps
            device = value.device
            var.assign(job.values(None, TorchOps(None, device), TorchArith(device), value.dtype))
        else:
            from ...backends.numpy import NumpyArith, NumpyOps
            from ...reference import numpy_dtype
            self.host(p, var, job.values(None, NumpyOps(None), NumpyArith(), numpy_dtype(p.dtype)))

    def result(self, report: Any) -> Any:
        # an adapted Normalization computes with copies of its mean and variance made by finalize_state: refresh
        # them from what was written, so that the layer computes with its variables' values
        written = {e.param.path for e in report.entries if e.spec is not None}
        for layer in self.normalizations:
            if any(v.path in written for v in layer.weights):
                layer.finalize_state()
        if self.placements is not None:
            report.placements = self.placements
        return report


def held(model: Any, found: Sequence[tuple[Param, Any]]) -> dict[str, str | None]:
    """``skip=``'s other names of ``model``'s tensors: every variable's path (non-trainable ones, a seed
    generator's state), none of them a parameter the walk lists under another name."""
    del found
    return {str(x.path): None for x in getattr(model, "variables", ())}


def target(model: Any, **options: Any) -> _Target:
    """The apply loop's writer for ``model`` (``unifiedinit.backends.protocol.Target``).

    ``plan.apply(model, ...)`` builds it and writes through ``variable.assign``: ``native`` draws with
    ``keras.random`` (each op's 31-bit Keras seed hashed from a parameter's 64-bit stream; no stream: a random seed),
    ``host`` writes given NumPy values (portable values), ``result`` returns the report (Keras models change in
    place). Under Keras's jax backend the report's ``placements`` say where each written variable lives, as the
    JAX target says it (its ``PartitionSpec`` and mesh under ``keras.distribution``); under torch and tensorflow
    they are left empty.

    Args:
        model: a built Keras model or layer.
        **options: ``seed=`` (an int or None; each parameter's stream carries it already, so it is not read here).

    Returns:
        The target: ``found`` holds ``walk(model)``.

    Raises:
        TypeError: ``model`` is not a Keras layer or model, or an option other than ``seed``.
        ValueError: ``model`` is not built yet.

    Examples:
        >>> import keras
        >>> import numpy as np
        >>> import unifiedinit as ui
        >>> from unifiedinit.backends.keras import target
        >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="fc")], name="net")
        >>> writer = target(model)
        >>> p, var = writer.found[0]
        >>> p.path
        'net/fc/kernel'
        >>> writer.native(p, var, ui.lower(ui.Constant(0.25), p.shape, "keras"), stream=7)
        >>> keras.ops.convert_to_numpy(var)[0].tolist()
        [0.25, 0.25, 0.25]
        >>> writer.host(p, var, np.full(p.shape, 0.5, dtype="float32"))
        >>> float(keras.ops.convert_to_numpy(var).mean())
        0.5
    """
    return _Target(model, **options)


def param_groups(model: Any, selects: Sequence[Select], weight_decay: float) -> list[Any]:
    """``unifiedinit.param_groups`` for Keras: the trainable variables to pass to
    ``optimizer.exclude_from_weight_decay(var_list=...)``.

    Keras's optimizers take one ``weight_decay`` and a list of variables to leave out, so this returns that
    list (the variables ``selects`` match) rather than torch-style groups.

    Args:
        model: a built Keras model or layer.
        selects: the ``unifiedinit.Select`` filters of the parameters without weight decay (``ui.NO_DECAY``:
            norms, PReLU slopes and biases).
        weight_decay: the decay of the other parameters (the optimizer's own ``weight_decay`` holds it in Keras;
            not used here).

    Returns:
        The trainable ``keras.Variable`` objects that ``selects`` match, in ``walk`` order.

    Raises:
        TypeError: ``model`` is not a Keras layer or model.
        ValueError: ``model`` is not built yet.

    Examples:
        >>> import keras
        >>> import unifiedinit as ui
        >>> from unifiedinit.backends.keras import param_groups
        >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="fc"),
        ...                           keras.layers.LayerNormalization(name="norm")], name="net")
        >>> no_decay = param_groups(model, ui.NO_DECAY, 0.01)
        >>> [var.path for var in no_decay]
        ['net/fc/bias', 'net/norm/gamma', 'net/norm/beta']
        >>> optimizer = keras.optimizers.AdamW(weight_decay=0.01)
        >>> optimizer.exclude_from_weight_decay(var_list=no_decay)
    """
    from ...plan import excluded
    return [var for p, var in walk(model) if var.trainable and excluded(p, selects)]


def read(handle: Any) -> Any:
    """A variable's values as a float64 NumPy array."""
    import numpy as np
    return np.asarray(ops.convert_to_numpy(handle), dtype=np.float64)
