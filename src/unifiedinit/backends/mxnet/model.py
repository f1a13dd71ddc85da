"""Gluon Blocks as parameter records, and the target the apply loop writes through: every parameter is initialized
by MXNet itself (``Parameter.initialize(force_reinit=True)`` with a one-parameter initializer), so initialized
parameters keep their contexts and deferred ones are drawn at the first forward pass with their layer's fans."""

# MXNet ships no types (its classes and ``mx`` are untyped):
# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false

from __future__ import annotations

import contextlib
import json
import re
import weakref
from typing import TYPE_CHECKING, Any, NamedTuple, Sequence

from ... import draws as D
from ...layout import TensorInfo
from ...params import framework_bases, looks_like_norm, norm_role, registered_layer, tie
from ...samplers import draw as sampled
from .hooks import as_nd
from .hooks import dtype_name as _dtype_name
from .numpy2 import mx
from .ops import MXNetOps

if TYPE_CHECKING:
    from ...params import Param


def owns(obj: Any) -> bool:
    """Is ``obj`` an MXNet Gluon Block (a model this backend walks)?

    Args:
        obj: any object.

    Returns:
        True for an ``mx.gluon.Block`` (a HybridBlock, a layer, a Sequential, ...), else False.

    Raises:
        Nothing: every object gets an answer (False for anything that is not a Block).

    Examples:
        >>> from unifiedinit.backends.mxnet import mx, owns
        >>> owns(mx.gluon.nn.Dense(3, in_units=2)), owns({"weight": 1})
        (True, False)
    """
    return isinstance(obj, mx.gluon.Block)


def _kind(block: Any, own: dict[str, Any] | None = None) -> tuple[str, str]:
    """(kind, layout of its weight) of a Gluon block (``own``: its ``_own_params``, when known)."""
    nn = mx.gluon.nn
    info = registered_layer(type(block))
    if info is not None:
        return info.kind, info.layouts.get(info.main("weight"), "mxnet")
    if isinstance(block, _DEFORMABLE):  # its kernel (out, in/g, kh, kw) whatever its layout (only NCHW runs)
        return "conv", "mxnet"
    if isinstance(block, _CONV_CELLS):  # kernels (gates x hidden, in, *k), channels last (.., *k, in) under NHWC
        return "recurrent", "mxnet_channels_last" if str(block._conv_layout).endswith("C") else "mxnet"
    for classes, kind, layout in (
            ((nn.Conv1DTranspose, nn.Conv2DTranspose, nn.Conv3DTranspose), "conv_transpose", "mxnet_conv_transpose"),
            (nn.conv_layers._Conv, "conv", "mxnet"), (nn.Dense, "dense", "mxnet"),
            ((nn.Embedding,) + _SPARSE_EMBEDDING, "embedding", "mxnet_embedding"),
            ((getattr(nn.basic_layers, "_BatchNorm", nn.BatchNorm), nn.LayerNorm, nn.InstanceNorm, nn.GroupNorm),
             "norm", "mxnet"),  # _BatchNorm: BatchNorm and BatchNormReLU
            (nn.PReLU, "prelu", "mxnet"), (mx.gluon.rnn.rnn_layer._RNNLayer, "recurrent", "mxnet"),
            ((mx.gluon.rnn.LSTMCell, mx.gluon.rnn.GRUCell, mx.gluon.rnn.RNNCell) + _CONTRIB_CELLS, "recurrent",
             "mxnet")):
        if isinstance(block, classes):
            # layout="NHWC" (NWC, NDHWC) stores a kernel channels last: (out, *k, in/g), transposed (in, *k, out/g)
            channels_last = kind in ("conv", "conv_transpose") and str(block._kwargs.get("layout", "")).endswith("C")
            if channels_last:
                return kind, "mxnet_channels_last" if kind == "conv" else "mxnet_conv_transpose_channels_last"
            return kind, layout
    shapes = {name: _shape(param) for name, param in (own if own is not None else _own_params(block)).items()}
    if looks_like_norm(type(block).__name__, shapes):
        return "norm", "mxnet"
    return "other", "mxnet"


def _contrib(module: str, *names: str) -> Any:
    """The classes of these names in ``mx.gluon.contrib.<module>`` that this MXNet has (a tuple; typed Any, as
    MXNet's classes are, so an ``isinstance`` on them leaves the block's attributes readable)."""
    holder = getattr(getattr(mx.gluon, "contrib", None), module, None)
    return tuple(c for c in (getattr(holder, name, None) for name in names) if isinstance(c, type))


#: gluon.contrib's recurrent cells: LSTMPCell (an LSTM cell with a projection, h2r_weight)
_CONTRIB_CELLS = _contrib("rnn", "LSTMPCell")
#: gluon.contrib's convolutional cells (Conv1D/2D/3D RNN, LSTM, GRU): i2h_weight/bias a cell's weight and bias,
#: h2h_weight/bias its recurrent ones, as the other cells; the layer's fans (hidden channels, hidden channels)
_CONV_CELLS = _contrib("rnn", *(f"Conv{d}D{cell}Cell" for d in (1, 2, 3) for cell in ("RNN", "LSTM", "GRU")))
#: gluon.contrib.nn.SparseEmbedding: an Embedding whose (input_dim, output_dim) table is row-sparse
_SPARSE_EMBEDDING = _contrib("nn", "SparseEmbedding")
#: gluon.contrib.cnn's deformable convolutions: a convolution (deformable_conv_weight (out, in/g, kh, kw) and
#: deformable_conv_bias) and the convolution giving its offsets (offset_weight, offset_bias), which Gluon starts
#: at zeros (its offset_*_initializer defaults, as the paper does: the layer starts as the plain convolution). The
#: offsets are no layer weight a preset draws: kind and role "other", kept by a rule that names a kind or a role
_DEFORMABLE = _contrib("cnn", "DeformableConvolution", "ModulatedDeformableConvolution")
#: a deformable convolution's parameters: (kind, role, the parameter whose shape gives its layer's fans)
_DEFORMABLE_PARAMS = {"deformable_conv_weight": ("conv", "weight", "deformable_conv_weight"),
                      "deformable_conv_bias": ("conv", "bias", "deformable_conv_weight"),
                      "offset_weight": ("other", "other", "offset_weight"),
                      "offset_bias": ("other", "other", "offset_weight")}


def _own_params(block: Any) -> dict[str, Any]:
    """A block's own Parameters by name: those assigned to its attributes (``_reg_params``, in registration order),
    then those its ParameterDict made under the block's prefix without an attribute (``self.params.get("weight",
    shape=...)``, MXNet 1.x's idiom for a Parameter looked up in ``forward``), in the dict's order, named without
    the prefix ("params/weight" where an attribute already has that name). A Parameter that is both appears once,
    under its attribute's name. (Entries another dict put there, by ``ParameterDict.update``, are not the block's
    own: ``walk`` lists them last, where no block holds them.)"""
    own: dict[str, Any] = dict(block._reg_params)
    seen = {id(param) for param in own.values()}
    prefix = str(block.prefix)
    for full, param in block._params.items():
        full = str(full)
        if id(param) in seen or not full.startswith(prefix) or len(full) == len(prefix):
            continue
        seen.add(id(param))
        name = full[len(prefix):]
        own[name if name not in own else f"params/{name}"] = param
    return own


def _shape(param: Any) -> tuple[int, ...]:
    """A parameter's shape: MXNet's, else its data's (a ``SymbolBlock.imports`` leaves ``shape`` None)."""
    shape = param.shape  # a property that asks MXNet's NumPy mode: read once
    if shape is None:
        return tuple(int(d) for d in param._data[0].shape) if param._data else ()
    return tuple(max(int(d), 0) for d in shape)  # an unknown axis: 0 (NumPy mode says -1)


def _graph_shapes(block: Any) -> dict[str, tuple[int, ...]]:
    """The shapes a SymbolBlock's graph gives its parameters (``SymbolBlock.imports``, or a symbol of layers without
    input sizes) before the input's shape is known, by name: MXNet's partial inference, its unknown axes 0, () where
    even the number of axes waits for the input ({} for a block that is no SymbolBlock)."""
    graph = getattr(block, "_cached_graph", None) if isinstance(block, mx.gluon.SymbolBlock) else None
    if not graph:
        return {}
    out = graph[1]
    try:
        args, _, aux = out.infer_shape_partial()
    except mx.base.MXNetError:  # a graph MXNet cannot infer without its input: the first forward pass will
        return {}
    return {str(name): () if shape is None else tuple(max(int(d), 0) for d in shape)
            for name, shape in zip(out.list_arguments() + out.list_auxiliary_states(), list(args) + list(aux))}


#: a graph's layer ops: (kind, its weight's layout, the roles of its inputs after the data, in order)
_GRAPH_OPS = {"FullyConnected": ("dense", "mxnet", ("weight", "bias")),
              "Convolution": ("conv", "mxnet", ("weight", "bias")),
              "Deconvolution": ("conv_transpose", "mxnet_conv_transpose", ("weight", "bias")),
              "Embedding": ("embedding", "mxnet_embedding", ("embedding",)),
              "LeakyReLU": ("prelu", "mxnet", ("slope",)),  # act_type "prelu" only: its gamma, Gluon's alpha
              "RNN": ("recurrent", "mxnet", ("recurrent",)),  # every weight and bias, concatenated: by their names
              **{op: ("norm", "mxnet", ("scale", "shift", "running_mean", "running_var"))
                 for op in ("BatchNorm", "_contrib_BatchNormWithReLU", "_contrib_SyncBatchNorm", "LayerNorm",
                            "InstanceNorm", "GroupNorm")}}
#: ops a parameter goes through on its way to its layer's (a fused RNN's reshape and concatenation, AMP's casts)
_GRAPH_PASSING = ("Reshape", "_rnn_param_concat", "amp_cast", "Cast")


class _GraphLayer(NamedTuple):
    """What a SymbolBlock's graph makes of one parameter: its layer's kind, its role and layout, the name of the
    parameter whose shape gives the layer's fans, its key sub-leaf, a recurrent layer's hidden size, the groups of
    a transposed convolution."""
    kind: str
    role: str
    layout: str
    main: str
    sub: str
    hidden: int
    groups: int


#: a SymbolBlock's graph layers (``_graph_layers``), computed once per graph
_GRAPH_LAYERS: weakref.WeakKeyDictionary[Any, tuple[Any, dict[str, _GraphLayer]]] = weakref.WeakKeyDictionary()


def _graph_layers(block: Any) -> dict[str, _GraphLayer]:
    """What a SymbolBlock's graph makes of its parameters (``_GraphLayer``), by name, read from the op each one
    feeds (FullyConnected, Convolution, Deconvolution, Embedding, a norm, PReLU, RNN); {} for any other block. A
    parameter two layers share takes the first one's; one no layer op takes is left out (the walk's "other")."""
    graph = getattr(block, "_cached_graph", None) if isinstance(block, mx.gluon.SymbolBlock) else None
    if not graph:
        return {}
    cached = _GRAPH_LAYERS.get(block)
    if cached is not None and cached[0] is graph:
        return cached[1]
    nodes = json.loads(graph[1].tojson())["nodes"]

    def sources(index: int) -> list[str]:  # the parameters (graph variables) node ``index`` passes on
        node = nodes[index]
        if node["op"] == "null":
            return [str(node["name"])]
        return [n for i in node["inputs"] for n in sources(i[0])] if node["op"] in _GRAPH_PASSING else []

    layers: dict[str, _GraphLayer] = {}
    for node in nodes:
        op, attrs = node["op"], node.get("attrs", {})
        if op not in _GRAPH_OPS or (op == "LeakyReLU" and attrs.get("act_type") != "prelu"):
            continue
        kind, layout, roles = _GRAPH_OPS[op]
        if str(attrs.get("layout", "")).endswith("C") and kind in ("conv", "conv_transpose"):  # NHWC, NWC, NDHWC
            layout = "mxnet_channels_last" if kind == "conv" else "mxnet_conv_transpose_channels_last"
        named = [sources(i[0]) for i in node["inputs"][1:1 + len(roles)]]
        main = named[0][0] if named and len(named[0]) == 1 else ""
        for role, names in zip(roles, named):
            for name in names:
                sub, hidden = "", 0
                if kind == "recurrent":
                    found = _RECURRENT.search(name)
                    role, sub = _role(kind, name[found.start():], None) if found else ("other", "")
                    hidden = int(attrs.get("state_size", 0))
                groups = int(attrs.get("num_group", 1)) if kind == "conv_transpose" else 1
                layers.setdefault(name, _GraphLayer(kind, role, layout, main, sub, hidden, groups))
    _GRAPH_LAYERS[block] = (graph, layers)
    return layers


_ROLES = {"weight": "weight", "bias": "bias", "gamma": "scale", "beta": "shift", "running_mean": "running_mean",
          "running_var": "running_var", "alpha": "slope"}
#: running statistics by the end of their name, where a block holds a whole network's parameters under their
#: full names (a SymbolBlock's batchnorm0_running_var): a catch-all rule never writes them
_STATISTICS = (("running_mean", "running_mean"), ("running_var", "running_var"), ("moving_mean", "running_mean"),
               ("moving_var", "running_var"))
#: a fused layer's l0_i2h_weight, r1_h2h_bias ...; a cell's (LSTMCell, GRUCell, RNNCell) i2h_weight ...: layer 0
_RECURRENT = re.compile(r"(?:([lr])(\d+)_)?(i2h|h2h|h2r)_(weight|bias)$")


def _role(kind: str, name: str, info: Any) -> tuple[str, str]:
    """(role, key sub-leaf) of parameter ``name`` in a block of ``kind``."""
    if info is not None and name in info.roles:
        return info.roles[name], ""
    if kind == "recurrent":
        m = _RECURRENT.match(name)
        if m is None:
            return "other", ""
        direction, layer, which, what = m.groups()
        direction, layer = direction or "l", layer or "0"
        role = {("i2h", "weight"): "weight", ("h2h", "weight"): "recurrent_weight", ("h2r", "weight"): "weight",
                ("i2h", "bias"): "bias", ("h2h", "bias"): "recurrent_bias"}.get((which, what), "other")
        sub = "/".join(filter(None, (f"l{layer}" if layer != "0" else "", "reverse" if direction == "r" else "",
                                     "projection" if which == "h2r" else "")))
        return role, sub
    if kind == "embedding" and name == "weight":
        return "embedding", ""
    if kind == "norm" and name not in _ROLES:
        return norm_role(name), ""
    if name in _ROLES:
        return _ROLES[name], ""
    return next((r for suffix, r in _STATISTICS if name.endswith(suffix)), "other"), ""


def _describe(block: Any, path: str, parts: tuple[Any, ...], name: str, param: Any,
              own: dict[str, Any] | None = None, graph: dict[str, tuple[int, ...]] | None = None) -> Any:
    """The neutral description of one Gluon parameter, with the shapes MXNet knows now (``own``: the block's
    ``_own_params``, ``graph`` its ``_graph_shapes``, when known)."""
    from ...params import Param
    own = own if own is not None else _own_params(block)
    kind, layout = _kind(block, own)
    info = registered_layer(type(block))
    role, sub = _role(kind, name, info)
    main = info.main("weight") if info is not None else "weight"  # the parameter whose shape gives the layer's fans
    by_graph = _graph_layers(block).get(str(param.name))  # a SymbolBlock's: what the op it feeds makes of it
    if by_graph is not None:
        kind, role, layout, sub = by_graph.kind, by_graph.role, by_graph.layout, by_graph.sub
        main = next((key for key, q in own.items() if str(q.name) == by_graph.main), "")
    if info is None and isinstance(block, _DEFORMABLE) and name in _DEFORMABLE_PARAMS:
        kind, role, main = _DEFORMABLE_PARAMS[name]
        if main == "offset_weight":  # the offsets' convolution stores its kernel channels last under NHWC
            layout = "mxnet_channels_last" if str(block._kwargs_offset.get("layout", "")).endswith("C") else "mxnet"

    def shape_of(q: Any) -> tuple[int, ...]:  # a SymbolBlock's deferred one: what its graph says before the input
        nonlocal graph
        if q.shape is None and not q._data:
            graph = graph if graph is not None else _graph_shapes(block)
            return graph.get(str(q.name), ())
        return _shape(q)

    shape = shape_of(param)
    known = all(d > 0 for d in shape)
    if param.shape is None and not param._data:  # () here: not even the rank is known yet
        known = bool(shape) and known
    layer_fans = None
    weight = own.get(main)
    if kind == "recurrent":
        hidden = by_graph.hidden if by_graph is not None else \
            block._hidden_channels if isinstance(block, _CONV_CELLS) else block._hidden_size
        layer_fans = (hidden, hidden)
    elif weight is not None and len(weight_shape := shape if weight is param else shape_of(weight)) >= 2:
        if all(d > 0 for d in weight_shape):
            layer_fans = TensorInfo.make(weight_shape, layout).fans
            groups = by_graph.groups if by_graph is not None else \
                int(getattr(block, "_kwargs", {}).get("num_group", 1)) if kind == "conv_transpose" else 1
            if groups > 1:  # its (in, out/g, *k) weight: each output sees (in/g) x RF inputs, as torch's walk says
                layer_fans = (layer_fans[0] // groups, layer_fans[1])
        else:  # the layer's fans are not known yet either: the bias waits for them too
            known = False
    # a kernel in its layer's layout: a convolutional cell's h2h one as its i2h one (channels last under NHWC), a
    # deformable convolution's offset_weight too (its role "other")
    kernel = role in ("weight", "embedding", "recurrent_weight") or name == main != "weight"
    own_layout = (info.layouts.get(name) if info is not None else None) or (layout if kernel else "mxnet")
    return Param(path=f"{path}/{name}" if path else name, kind=kind, role=role, shape=shape,
                 layout=own_layout, layer_fans=layer_fans, layer=type(block).__name__, known=known,
                 bases=framework_bases(type(block), "mxnet."),
                 dtype=_dtype_name(param.dtype), trainable=param.grad_req != "null", key_parts=parts, key_leaf=sub)


def _parameter_identity(where: Any) -> int:
    """A handle's tensor: its Parameter (a Parameter shared by several blocks is one tensor)."""
    return id(where[3])


def walk(model: Any) -> list[tuple[Any, Any]]:
    """Every parameter of a Gluon Block, as (``unifiedinit.params.Param``, handle).

    The records say what each parameter is (its path, layer kind, role, shape, layout, the layer's fans and
    dtype); the handle is (block, path, name, Parameter). Integer (and bool) parameters are listed as any other:
    a plan sets them with a determined spec and refuses a random one. A block's parameters are those assigned to
    its attributes and those its ParameterDict made without an attribute (``self.params.get("weight",
    shape=...)``, MXNet 1.x's idiom), the latter named without the block's prefix ("params/weight" where an
    attribute has the name); a Parameter that ``ParameterDict.update`` put in a block's dict and no block holds
    comes last, under its full name. A Parameter shared by several blocks appears once, its other paths as the
    record's ``aliases``. A parameter whose shape MXNet does not know yet (deferred initialization) has
    ``known=False`` (a SymbolBlock's: the shape its graph gives before the input's, unknown axes 0). A
    SymbolBlock's parameters (``SymbolBlock.imports`` of an exported net: conv0_weight, batchnorm0_gamma) take
    their kind, role, layout and layer fans from the op its graph feeds each one to (FullyConnected, Convolution,
    Deconvolution, Embedding, the norms, PReLU, and RNN, whose weights reach it concatenated), as the original
    Gluon layers give them; one that feeds no such op is kind and role "other". Of
    ``gluon.contrib``: a deformable convolution's kernel and bias are a convolution's ("conv"), its offsets'
    convolution (which Gluon starts at zeros) kind and role "other"; the convolutional cells
    (``Conv2DLSTMCell``...) and ``LSTMPCell`` are recurrent cells; ``SparseEmbedding`` is an embedding.

    Args:
        model: an ``mx.gluon.Block``.

    Returns:
        A list of (Param, (block, path, name, Parameter)): each block's own parameters (its attributes' in
        registration order, then the rest of its ParameterDict in its order), then its children's, depth first;
        then those no block holds.

    Raises:
        TypeError: ``model`` is not a Gluon Block.

    Examples:
        >>> from unifiedinit.backends.mxnet import mx, walk
        >>> net = mx.gluon.nn.Dense(3, in_units=2)
        >>> [(p.path, p.kind, p.role, p.shape) for p, _ in walk(net)]
        [('weight', 'dense', 'weight', (3, 2)), ('bias', 'dense', 'bias', (3,))]
    """
    if not isinstance(model, mx.gluon.Block):
        raise TypeError(f"parameter 'model' must be an MXNet Gluon Block, got {type(model).__name__}")
    blocks: list[tuple[Any, str, tuple[Any, ...]]] = []

    def visit(block: Any, path: str, parts: tuple[Any, ...]) -> None:
        blocks.append((block, path, parts))
        for child_name, child in block._children.items():
            child_name = str(child_name)
            part = int(child_name) if child_name.isdigit() else child_name
            visit(child, f"{path}/{child_name}" if path else child_name, parts + (part,))

    visit(model, "", ())
    found: list[tuple[Any, Any]] = []
    for block, path, parts in blocks:
        own = _own_params(block)
        # a SymbolBlock's deferred shapes, once per block (its inference walks the whole graph)
        graph = _graph_shapes(block) if any(q.shape is None and not q._data for q in own.values()) else {}
        for name, param in own.items():  # integer ones too: a plan refuses a draw on them
            found.append((_describe(block, path, parts, name, param, own, graph), (block, path, name, param)))
    seen = {id(handle[3]) for _, handle in found}
    for block, path, parts in blocks:  # what ParameterDict.update put in a dict and no block holds: its full name
        for full, param in block._params.items():
            if id(param) not in seen:
                seen.add(id(param))
                found.append((_describe(block, path, parts, str(full), param), (block, path, str(full), param)))
    return tie(found, identity=_parameter_identity)


class _PlanInitializer(mx.init.Initializer):  # type: ignore[name-defined]  # mx from the NumPy 2 import step
    """One parameter's value under a plan: its draw (on its own seeded stream), given values, or (deferred) the
    rule to lower once the shape is known, and then its draw or its portable values (``portable(param)``); a
    deferred one's ``param`` is its record as the plan matched it (key, depth and sequences of layers included)."""

    def __init__(self, where: Any, resume: "_Resume", *, draw: Any = None, stream: int | None = None,
                 values: Any = None, rule: Any = None, param: Any = None, portable: Any = None) -> None:
        super().__init__()
        self.where, self.resume, self.draw, self.stream, self.values = where, resume, draw, stream, values
        self.rule, self.param, self.portable = rule, param, portable
        self.deferred_init: Any = ()  # a deferred parameter's MXNet state, set back when its rule fails

    def _init_weight(self, desc: Any, arr: Any) -> None:
        arr = as_nd(arr)
        dtype = _dtype_name(arr.dtype)
        shape = tuple(int(s) for s in arr.shape)
        values, draw = self.values, self.draw
        if self.rule is not None:  # deferred: MXNet knows the shapes now
            block, path, name, param = self.where
            now = _describe(block, path, (), name, param)  # the shape, the layer's fans and dtype it has now
            p = self.param._replace(shape=now.shape, layer_fans=now.layer_fans, known=now.known, dtype=now.dtype)
            from ...plan import _checked  # the plan's own dtype check, now that the shape is known
            try:
                draw = _checked(self.rule.spec.lower(self.rule.info(p)), p)
            except (TypeError, ValueError) as err:  # the plan was checked with the shape unknown: name it now
                param._deferred_init = self.deferred_init  # still deferred: a corrected plan can be applied
                raise type(err)(f"{self.rule} cannot initialize {p.path!r} ({type(block).__name__}, shape {shape}, "
                                f"known at this first forward pass): {err}") from None
            if self.portable is not None:
                values = self.portable(p)
        if values is not None:
            arr[:] = mx.nd.array(values, ctx=arr.context, dtype=dtype)
            return
        if self.stream is not None and not draw.deterministic:  # a reseed costs 0.15-0.5 ms in a plan: a draw's only
            self.resume.save()
            mx.random.seed(self.stream % (2 ** 31), ctx="all")
        sampled(MXNetOps(arr.context), draw, shape, dtype, out=arr)
        if self.rule is not None:  # deferred: drawn in the user's first forward pass, whose RNG goes on as theirs
            self.resume.restore()


class _Resume:
    """MXNet's global generator as the user left it: the plan reseeds it for each draw, so a seed drawn from it
    before the first reseed is set again once the plan is done (a deferred parameter: once it is drawn), and
    dropout and shuffles after ``apply`` still follow the user's ``mx.random.seed``."""

    def __init__(self) -> None:
        self.seed: int | None = None

    def save(self) -> None:
        if self.seed is None:
            self.seed = int(mx.nd.random.randint(0, 2 ** 31 - 1, shape=(1,)).asscalar())

    def restore(self) -> None:
        if self.seed is not None:
            mx.random.seed(self.seed, ctx="all")
            self.seed = None


class _Target:
    """Initializes a Gluon Block's parameters through MXNet (``Parameter.initialize(force_reinit=True)``), so
    initialized parameters keep their contexts and deferred ones are drawn at the first forward pass."""

    def __init__(self, model: Any, *, seed: int | None = None) -> None:
        self.found = walk(model)
        self.resume = _Resume()
        for p, (_, _, _, param) in self.found:  # a write resets the Trainer's kvstore, which a distributed one
            trainer = param._trainer              # refuses (as Parameter.set_data): say so before any write
            kvstore = getattr(trainer, "_kvstore", None)
            if getattr(trainer, "_kv_initialized", False) and getattr(trainer, "_update_on_kvstore", False) and \
                    "dist" in str(getattr(kvstore, "type", "")):
                raise ValueError(f"{p.path!r} is updated on a distributed kvstore by its Trainer, which MXNet cannot "
                                 "reset after a write: apply the plan before the Trainer's first step")
        fresh = [p.path for p, (_, _, _, param) in self.found if param._data is None and not param._deferred_init]
        if fresh:
            raise ValueError(f"the Gluon block has parameters that were never initialized ({', '.join(fresh[:3])}"
                             f"{', ...' if len(fresh) > 3 else ''}): call net.initialize() first (MXNet's defaults, "
                             f"deferred shapes allowed), then apply the plan")

    def _init(self, p: Any, where: Any, init: Any) -> None:
        param = where[3]
        ctx = param.list_ctx() if param._data is not None else param._deferred_init[1]
        shape = _shape(param) if param.shape is not None or param._data else p.shape  # a SymbolBlock's: its graph's
        saved_shape = param._shape
        if param.shape is None and (param._data or p.known):  # a SymbolBlock's: its data's or its graph's shape
            param.shape = shape
        if p.known or not all(d > 0 for d in shape):
            trainer = param._trainer
            on_kvstore = trainer is not None and getattr(trainer, "_kv_initialized", False) and \
                getattr(trainer, "_update_on_kvstore", False) and param not in trainer._params_to_init
            if on_kvstore:  # its pushes and pulls may still run on the arrays this write replaces (MXNet's engine
                mx.nd.waitall()  # is asynchronous): dropping them mid-flight crashed a later step with SIGFPE
            saved = param._data, param._grad, param._deferred_init
            try:
                param.initialize(init=init, ctx=ctx, force_reinit=True)
            except BaseException:  # initialize() dropped the arrays before drawing: the parameter keeps its own
                param._data, param._grad, param._deferred_init = saved
                param._shape = saved_shape
                raise
            if on_kvstore and trainer is not None:
                trainer._reset_kvstore()  # as Parameter.set_data: the kvstore's copy would undo the write
        else:
            # its own shape is known but its layer's fans are not (the bias of a layer whose weight waits for
            # the first forward pass): make it wait too; Gluon finishes a block's parameters in order, weight first
            param._data = param._grad = None
            param._deferred_init = (init, ctx, mx.init.Uniform(), None)

    def native(self, p: Any, where: Any, draw: D.Draw, stream: int | None) -> None:
        self._init(p, where, _PlanInitializer(where, self.resume, draw=draw, stream=stream))

    def host(self, p: Any, where: Any, values: Any) -> None:
        self._init(p, where, _PlanInitializer(where, self.resume, values=values))

    def deferred(self, p: Any, where: Any, rule: Any, stream: int | None, portable: Any) -> None:
        init = _PlanInitializer(where, _Resume(), rule=rule, param=p, stream=stream, portable=portable)
        self._init(p, where, init)
        init.deferred_init = where[3]._deferred_init

    @contextlib.contextmanager
    def writing(self) -> Any:
        """Every write of the plan; then MXNet's generator goes on from the user's seed, a failed write too."""
        try:
            yield
        finally:
            self.resume.restore()

    def result(self, report: Any) -> Any:
        return report


def target(model: Any, **options: Any) -> _Target:
    """The apply loop's writer for ``model`` (``unifiedinit.backends.protocol.Target``).

    Every parameter is initialized by MXNet itself (``Parameter.initialize(force_reinit=True)`` with a
    one-parameter initializer), so initialized parameters keep their contexts and deferred ones are drawn at the
    first forward pass, with their layer's fans.

    Args:
        model: an ``mx.gluon.Block`` whose parameters are initialized (or deferred: ``net.initialize()`` without
            input shapes).
        **options: ``seed`` (an int or None; MXNet's streams are seeded per parameter by the plan, so it is not
            used here).

    Returns:
        The target: ``found`` (``walk(model)``), ``native``, ``host``, ``deferred`` and ``result``.

    Raises:
        TypeError: ``model`` is not a Gluon Block; an unknown option.
        ValueError: a parameter was never initialized (call ``net.initialize()`` first).

    Examples:
        >>> import numpy as np
        >>> from unifiedinit.backends.mxnet import mx, target
        >>> net = mx.gluon.nn.Dense(3, in_units=2)
        >>> net.initialize()
        >>> t = target(net)
        >>> p, where = t.found[1]
        >>> p.path
        'bias'
        >>> t.host(p, where, np.full((3,), 0.5, dtype="float32"))
        >>> net.bias.data().asnumpy().tolist()
        [0.5, 0.5, 0.5]
    """
    return _Target(model, **options)


#: the Parameters ``param_groups`` set to ``wd_mult = 0``, with the wd_mult each had before: a later call that
#: does not exclude one gives it back
_ZEROED: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()


def param_groups(model: Any, selects: Any, weight_decay: float) -> list[Any]:
    """``unifiedinit.param_groups`` for MXNet: ``wd_mult = 0`` on the excluded trainable Parameters.

    The excluded Parameters (those a selector matches, with ``grad_req`` other than "null") are changed in place
    and returned; the Trainer's ``wd`` applies to the others. A Parameter an earlier call set to 0 that this call
    does not exclude gets back the ``wd_mult`` it had before (when it is still 0), so ``no_decay=()`` leaves every
    parameter decaying again; a ``wd_mult`` of your own is left as it is. Call it through
    ``ui.param_groups(net, ...)``, which checks its arguments.

    Args:
        model: an ``mx.gluon.Block``.
        selects: a sequence of ``ui.Select``: the parameters to keep weight decay off.
        weight_decay: the weight decay (MXNet's Trainer holds it: not used here).

    Returns:
        The list of the Parameters whose ``wd_mult`` is now 0.

    Raises:
        TypeError: ``model`` is not a Gluon Block.

    Examples:
        >>> import unifiedinit as ui
        >>> from unifiedinit.backends.mxnet import mx, param_groups
        >>> net = mx.gluon.nn.Dense(3, in_units=2)
        >>> excluded = param_groups(net, [ui.Select(role="bias")], 1e-2)
        >>> [param.name.endswith("bias") for param in excluded], net.bias.wd_mult, net.weight.wd_mult
        ([True], 0.0, 1.0)
        >>> param_groups(net, [], 1e-2), net.bias.wd_mult  # an earlier call's 0 given back
        ([], 1.0)
    """
    from ...plan import excluded
    decided = [(param, param.grad_req != "null" and excluded(p, selects)) for p, (_, _, _, param) in walk(model)]
    out: list[Any] = []
    for param, off in decided:  # decided first: nothing is written unless every parameter was
        if off:
            if param.wd_mult != 0.0:
                _ZEROED[param] = param.wd_mult
                param.wd_mult = 0.0
            out.append(param)
        elif param in _ZEROED:
            before = _ZEROED.pop(param)
            if param.wd_mult == 0.0:  # still the 0 set here
                param.wd_mult = before
    return out


def held(model: Any, found: Sequence[tuple[Param, Any]]) -> dict[str, str | None]:
    """``skip=``'s other names of ``model``'s tensors: each Parameter's own name (``collect_params()``'s keys,
    "dense0_weight") for its path, and the names ``save_parameters`` writes for it (``_collect_params_with_prefix``'s
    keys, matched by Parameter identity: a fused RNN layer's "rnn._unfused.0.i2h_weight", bidirectional
    "rnn._unfused.0.l_cell.i2h_weight", which no path spells). Automatic names, so only ``skip=`` reads them, never a
    rule's glob; a norm's running statistics are parameters of the walk already."""
    names: dict[str, str | None] = {str(handle[3].name): p.path for p, handle in found}
    paths = {_parameter_identity(handle): p.path for p, handle in found}
    for key, param in model._collect_params_with_prefix().items():
        if id(param) in paths:
            names.setdefault(str(key), paths[id(param)])
    return names


def read(handle: Any) -> Any:
    """A parameter's values as a float64 NumPy array (a row-sparse one's whole table: ``data()`` refuses it, and
    ``row_sparse_data()`` wants a Trainer)."""
    param = handle[3]
    if getattr(param, "_stype", "default") != "default":  # SparseEmbedding's table
        return param._data[0].tostype("default").asnumpy().astype("float64")
    return param.data().asnumpy().astype("float64")
