"""Which axes of a weight are its outputs, its inputs and its receptive field, and the fans that follow.

fan_in = (product of the input axes) x RF and fan_out = (product of the output axes) x RF, where RF is the
product of every axis that is neither. Axes are named by the *layer*, not by storage order: in a transposed
convolution the ``in`` axis holds the layer's input channels, wherever the framework stores them.

Transposed convolutions: torch, Keras and MXNet compute fans from storage position (their fan_in of a
ConvTranspose kernel is the layer's *output* channels x RF); Flax computes them from the layer's own input
channels. unifiedinit's ``*_conv_transpose`` layouts follow the layer (fan_in = in_channels x RF), so one
spec means the same layer-wise numbers in every framework. The torch-compatible fans are one name away:
the plain ``"torch"`` (or ``"mxnet"``) layout applied to a ConvTranspose weight is exactly torch's own
``_calculate_fan_in_and_fan_out``; the plain ``"keras"`` layout is Keras's ``compute_fans``.

Embeddings are (num_embeddings, dim) everywhere; ``*_embedding`` layouts treat the vocabulary as the input
(fan_in = num_embeddings), as Keras and Flax do; torch's own fans of an embedding (fan_in = dim) are the
plain ``"torch"`` layout.
"""

from __future__ import annotations

import itertools
import math
import numbers
import re

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only: no runtime import of typing
    from typing import Any, Sequence, Union

    import numpy as np

from . import _validate as v
from ._record import Record


def axes_of(owner: str, name: str, value: Any) -> tuple[int, ...]:
    """A Layout's axes field (or JAX's ``in_axis=``...) as a tuple of Python ints: a sequence of integers, or one
    integer (NumPy's ``axis=`` takes one as well), NumPy integers included."""
    one = v.scalar(value)
    if isinstance(one, numbers.Integral) and not isinstance(one, bool):
        return (int(one),)
    allowed = "an axis (an integer) or a sequence of them"
    if isinstance(value, (str, bytes)) or v.is_mapping(value) or not hasattr(value, "__iter__"):
        raise TypeError(f"{owner}: parameter {name!r} must be {allowed}, got {v.shown(value)} of type "
                        f"{type(value).__name__}")
    items: tuple[Any, ...] = tuple(value)
    out: list[int] = []
    for a in items:
        number = v.scalar(a)
        if isinstance(number, bool) or not isinstance(number, numbers.Integral):
            raise TypeError(f"{owner}: parameter {name!r} must be {allowed}, got {v.shown(value)}, which holds "
                            f"{v.shown(a)} of type {type(a).__name__}")
        out.append(int(number))
    return tuple(out)


def _tensor(ndim: int, shape: tuple[int, ...] | None) -> str:
    """The tensor a layout's refusal is about, in words: its shape when known, else its number of dimensions."""
    return f"a tensor of shape {v.shown(shape, 80)}" if shape is not None else f"a tensor with {ndim} dimensions"


class Layout(Record):
    """Axis roles of a weight tensor: which axes are its outputs, its inputs and its receptive field.

    Axes may be negative (counted from the end). ``out_axes`` and ``in_axes`` are tuples so that a depthwise kernel,
    whose output channels are spread over two axes, can say so. ``batch_axes`` (as jax.nn.initializers'
    ``batch_axis``) count in no fan. Every other axis is receptive field (RF): fan_in = (product of the input axes)
    x RF and fan_out = (product of the output axes) x RF. ``ui.LAYOUTS`` holds the registered ones by name; a
    storage of your own is a ``Layout`` given where a layout is asked for (``layout=``), or registered by name with
    ``ui.register_layout``.

    Args:
        name: the layout's name, a non-empty string (the key ``ui.register_layout`` files it under).
        out_axes: the axes of the layer's outputs, a sequence of integers or one integer (stored as a tuple of
            ints); on a tensor of ``ndim`` dimensions each must lie in [-ndim, ndim).
        in_axes: the axes of the layer's inputs, as ``out_axes``; none of them an output axis.
        batch_axes: axes that count in no fan, as ``out_axes`` (default none).
        min_ndim: the fewest dimensions a tensor needs for its fans, an integer >= 0 (default 2).
        framework: the framework whose storage this is ("torch", "keras", ...; default "": none).
        canonical: the name of the layout portable values are drawn in (torch's counterpart of this storage), or
            None (default): this layout itself.
        flip: True when the receptive-field axes run the other way from the canonical layout's: a transposed
            convolution that slides its kernel where torch's ``ConvTranspose`` slides the kernel flipped (Flax's
            ``ConvTranspose`` with ``transpose_kernel=False``, Equinox's), so that values move between the two
            reversed along those axes and compute the same function (default False).
        grouped: True when the layer's matrix is all its input axes against all its output axes, each group
            flattened in order, as Flax's ``DenseGeneral`` / ``LinearGeneral`` draw their kernel (the matrix
            (batch x inputs, features), then reshaped): ``Orthogonal`` makes that matrix orthogonal. The output axes
            must then be consecutive. False (default): its matrix is the last output axis against all the other
            axes, torch's, Keras's and JAX's own rule.
        groups: the layer's groups where this storage holds them on its output axis, (out, in/g, *k): g blocks of
            out/g outputs, each reading its own in/g inputs, while the canonical layout holds them on its input
            axis, torch ConvTranspose's (in, out/g, *k) (Equinox's grouped ``ConvTranspose``): values move group
            by group, so that they compute the canonical layer's function, and its tensor fans are the canonical
            storage's ((in x RF, out/g x RF), so a rule on tensor fans gives the layer torch's law). An integer >= 1
            (default 1: none); above 1 the layout and its canonical must each name one output axis and one input
            axis.

    Raises:
        TypeError: a field of the wrong kind: ``name``, ``framework`` or ``canonical`` not a string (``canonical``
            may be None), axes that are neither an integer nor a sequence of integers, ``min_ndim`` or ``groups``
            not an integer, ``flip`` or ``grouped`` not True or False.
        ValueError: an empty ``name`` or ``canonical``, a negative ``min_ndim``, ``groups`` under 1, or above 1
            with other than one output and one input axis; when fans are computed, a tensor
            under ``min_ndim`` dimensions, an axis the tensor does not have (each must lie in [-ndim, ndim)), axes
            that overlap on it, or fans past 2**63 - 1.

    Examples:
        >>> import unifiedinit as ui
        >>> conv1d = ui.Layout("gpt2_conv1d", out_axes=(-1,), in_axes=(-2,))  # a dense weight stored (in, out)
        >>> conv1d.fans((768, 2304))
        (768, 2304)
    """

    name: str
    out_axes: tuple[int, ...]
    in_axes: tuple[int, ...]
    batch_axes: tuple[int, ...] = ()
    min_ndim: int = 2
    #: the framework whose storage this is ("" for a layout of no framework: a user's, an einsum's)
    framework: str = ""
    #: the layout portable values are drawn in (torch's counterpart of this storage; None: this layout itself)
    canonical: str | None = None
    #: the receptive field runs reversed against the canonical layout's (a kernel slid unflipped where torch's
    #: ConvTranspose slides it flipped): values moved between them are reversed along those axes
    flip: bool = False
    #: the layer's matrix is all its input axes against all its output axes (Flax's DenseGeneral), not the last
    #: output axis against the rest: what Orthogonal makes orthogonal
    grouped: bool = False
    #: the layer's groups, held on the output axis here and on the input axis in the canonical layout (Equinox's
    #: grouped ConvTranspose against torch's): values move group by group; 1: none
    groups: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            kind = TypeError if not isinstance(self.name, str) else ValueError
            raise kind(f"Layout: parameter 'name' must be a non-empty string (the key ui.register_layout files it "
                        f"under), got {v.shown(self.name)} of type {type(self.name).__name__}")
        owner = f"Layout {self.name!r}"
        for name in ("out_axes", "in_axes", "batch_axes"):
            object.__setattr__(self, name, axes_of(owner, name, getattr(self, name)))
        object.__setattr__(self, "min_ndim", v.integer(owner, "min_ndim", self.min_ndim, minimum=0))
        if not isinstance(self.framework, str):
            raise TypeError(f"{owner}: parameter 'framework' must be a string (the framework whose storage this is, "
                            f"such as 'torch', or '' for none), got {v.shown(self.framework)} of type "
                            f"{type(self.framework).__name__}")
        if self.canonical is not None and (not isinstance(self.canonical, str) or not self.canonical):
            kind = TypeError if not isinstance(self.canonical, str) else ValueError
            raise kind(f"{owner}: parameter 'canonical' must be a layout's name (a non-empty string) or None, got "
                       f"{v.shown(self.canonical)} of type {type(self.canonical).__name__}")
        for name in ("flip", "grouped"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{owner}: parameter {name!r} must be True or False, got "
                                f"{v.shown(getattr(self, name))}")
        object.__setattr__(self, "groups", v.integer(owner, "groups", self.groups, minimum=1))
        if self.groups > 1 and (len(self.out_axes) != 1 or len(self.in_axes) != 1):
            raise ValueError(f"{owner}: parameter 'groups' ({self.groups}) needs one output axis and one input axis, "
                             f"got out_axes={self.out_axes}, in_axes={self.in_axes}")

    def resolve(self, ndim: int) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        """(out axes, in axes, receptive-field axes) as non-negative indices for a tensor of ``ndim`` dims
        (batch axes belong to none of them).

        Raises:
            ValueError: ``ndim`` is under ``min_ndim``, an axis is not one of the tensor's (each must lie in
                [-ndim, ndim)), or the out, in and batch axes overlap on it.
        """
        return self._resolve(ndim, None)

    def _resolve(self, ndim: int, shape: tuple[int, ...] | None
                 ) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        """``resolve``, its refusals naming ``shape`` when it is known."""
        if ndim < self.min_ndim:
            raise ValueError(f"layout {self.name!r}: a fan-based initializer needs a tensor with at least "
                             f"{self.min_ndim} dimensions, got {ndim} (fans are undefined for this tensor in this "
                             f"layout; give the layer's fans where the call takes them: layer_fans=)")
        # loops and lists, not generators: torch.compile(fullgraph=True) traces through this
        for name, axes in (("out_axes", self.out_axes), ("in_axes", self.in_axes), ("batch_axes", self.batch_axes)):
            for a in axes:
                if not -ndim <= a < ndim:
                    raise ValueError(f"layout {self.name!r}: {name} {axes} names axis {a}, which "
                                     f"{_tensor(ndim, shape)} does not have; allowed: axes in [{-ndim}, {ndim})")
        outs = tuple(sorted({a % ndim for a in self.out_axes}))
        ins = tuple(sorted({a % ndim for a in self.in_axes}))
        if set(outs) & set(ins):
            raise ValueError(f"layout {self.name!r}: out axes {self.out_axes} and in axes {self.in_axes} overlap "
                             f"for {_tensor(ndim, shape)}")
        batch = {a % ndim for a in self.batch_axes}
        if batch & (set(outs) | set(ins)):
            raise ValueError(f"layout {self.name!r}: batch axes {self.batch_axes} overlap the out or in axes "
                             f"({self.out_axes}, {self.in_axes}) for {_tensor(ndim, shape)}")
        rf = tuple(a for a in range(ndim) if a not in outs and a not in ins and a not in batch)
        return outs, ins, rf

    def fans(self, shape: Sequence[int]) -> tuple[int, int]:
        """(fan_in, fan_out) of a tensor of ``shape`` stored in this layout (see ``ui.fans``): each at most
        2**63 - 1, as the shape's number of entries (a larger one is refused with a ValueError)."""
        shape = check_shape(shape)
        entries = math.prod(shape)
        if entries > MAX_FAN:
            raise ValueError(f"layout {self.name!r}: parameter 'shape' must hold at most 2**63 - 1 entries (no tensor "
                             f"has more; its fans would overflow float64 in the formulas), got {_short(entries)} "
                             f"entries in a shape of {len(shape)} dimensions")
        try:
            found = _fans_of(self, shape)
        except TypeError:  # pragma: no cover - an unhashable field in a user's Layout
            found = self._fans(shape)
        if max(found) > MAX_FAN:  # a shape of no entries can still name a huge fan: (0, 2**70)
            raise ValueError(f"layout {self.name!r}: parameter 'shape' {v.shown(shape, 80)} gives fans "
                             f"({_short(found[0])}, {_short(found[1])}); allowed: fans of at most 2**63 - 1")
        return found

    def _fans(self, shape: tuple[int, ...]) -> tuple[int, int]:
        outs, ins, rf = self._resolve(len(shape), shape)
        # lists, not generators: torch.compile(fullgraph=True) traces through this
        receptive = math.prod([shape[a] for a in rf])
        fan_in = math.prod([shape[a] for a in ins]) * receptive
        fan_out = math.prod([shape[a] for a in outs]) * receptive
        if self.groups > 1:  # the canonical storage's fans, groups on the input axis (torch's (in, out/g, *k))
            if fan_out % (self.groups * receptive):
                raise ValueError(f"layout {self.name!r}: a tensor of shape {v.shown(shape, 80)} has "
                                 f"{fan_out // receptive} outputs, not a multiple of its {self.groups} groups")
            return fan_in * self.groups, fan_out // self.groups
        return fan_in, fan_out

    def out_axis(self, ndim: int) -> int:
        """The single axis that holds the output channels (used by sparse): the last output axis."""
        outs, _, _ = self.resolve(ndim)
        return outs[-1] if outs else 0

    def matrix_rows(self, ndim: int) -> tuple[int, ...]:
        """The axes (non-negative, consecutive, in order) that the rows of the layer's matrix run along, the
        other axes flattened being its columns: what ``Orthogonal`` makes orthogonal. Every output axis in a
        ``grouped`` layout (Flax's ``DenseGeneral``: the matrix (batch x inputs, features)), else the last
        output axis alone (``out_axis``)."""
        if not self.grouped:
            return (self.out_axis(ndim),)
        outs, _, _ = self.resolve(ndim)
        if not outs or outs != tuple(range(outs[0], outs[0] + len(outs))):
            raise ValueError(f"layout {self.name!r} is grouped, so its output axes must be consecutive; got "
                             f"{outs} on a tensor with {ndim} dimensions")
        return outs


#: (layout or its registered name, shape) -> fans: every layer of a model asks again for the same few
_FANS: dict[tuple[Layout | str, tuple[int, ...]], tuple[int, int]] = {}


def _fans_of(layout: Layout | str, shape: tuple[int, ...]) -> tuple[int, int]:
    """The fans of a checked ``shape`` (a tuple of ints >= 0, as a tensor's), remembered; a backend's walk passes
    the layout's name and skips ``get_layout`` and ``check_shape`` for every layer."""
    found = _FANS.get((layout, shape))
    if found is None:
        if len(_FANS) > 8192:
            _FANS.clear()
        found = _FANS[(layout, shape)] = (get_layout(layout) if isinstance(layout, str) else layout)._fans(shape)
    return found


def drawn_shape(target: Layout, canonical: Layout, shape: Sequence[int], perm: Sequence[int]) -> tuple[int, ...]:
    """The shape the values of a tensor of ``shape`` stored in ``target`` are drawn in, in ``canonical`` (its
    canonical layout; ``perm``: ``permutation(target, canonical, ndim)``): ``shape`` permuted, and for a grouped
    ``target`` (``Layout.groups``) its groups moved from the output axis to the input axis, as torch stores them
    (Equinox's ConvTranspose (out, in/g, *k) is drawn as torch's (in, out/g, *k)).

    Raises:
        ValueError: the output axis of a grouped ``target`` is not a multiple of its groups."""
    drawn = [int(shape[p]) for p in perm]
    if target.groups > 1 and canonical != target:  # drawn as stored (a storage-order spec): as it is
        (out,), (inp,), _ = canonical.resolve(len(drawn))
        if drawn[out] % target.groups:
            raise ValueError(f"layout {target.name!r}: a tensor of shape {v.shown(tuple(shape), 80)} has "
                             f"{drawn[out]} outputs, not a multiple of its {target.groups} groups")
        drawn[out], drawn[inp] = drawn[out] // target.groups, drawn[inp] * target.groups
    return tuple(drawn)


def regroup(x: Any, shape: Sequence[int], groups: int, source: int, dest: int, reshape: Any, permute: Any) -> Any:
    """``x`` (of ``shape``) whose axis ``source`` holds ``groups`` groups, outermost, with them held on axis
    ``dest`` instead (outermost there; axis ``source`` keeping one group's part): the values of a grouped layer
    moved between a storage that holds its groups on the input axis (torch's ConvTranspose (in, out/g, *k)) and
    one that holds them on the output axis (Equinox's (out, in/g, *k)), both already in one axis order.
    ``reshape(x, shape)`` and ``permute(x, axes)`` are the array library's (NumPy's, a backend's ops), so the
    portable streams regroup on any device."""
    dims = tuple(int(d) for d in shape)
    if dims[source] % groups:
        raise ValueError(f"cannot move the values of a layer of {groups} groups group by group: axis {source} of "
                         f"shape {dims} holds {dims[source]} entries, not a multiple of {groups}")
    split = dims[:source] + (groups, dims[source] // groups) + dims[source + 1:]
    axes = [a for a in range(len(split)) if a != source]
    axes.insert(axes.index(dest if dest < source else dest + 1), source)
    final = list(dims)
    final[source], final[dest] = final[source] // groups, final[dest] * groups
    return reshape(permute(reshape(x, split), tuple(axes)), tuple(final))


def drawn_back(x: Any, target: Layout, canonical: Layout, drawn: Sequence[int], perm: Sequence[int],
               flips: Sequence[int], reshape: Any, permute: Any, flip: Any) -> Any:
    """Values ``x`` drawn in ``canonical`` (of shape ``drawn``: ``drawn_shape``) moved to ``target``'s storage:
    reversed along ``flips`` (``reversed_axes``), regrouped for a grouped ``target`` (``Layout.groups``:
    ``regroup``), then put in ``target``'s axis order (``perm``: ``permutation(target, canonical, ndim)``).
    ``reshape``, ``permute`` and ``flip`` are the array library's."""
    if flips:
        x = flip(x, tuple(flips))
    if target.groups > 1:
        (out,), (inp,), _ = canonical.resolve(len(drawn))
        x = regroup(x, drawn, target.groups, inp, out, reshape, permute)
    return permute(x, tuple(sorted(range(len(perm)), key=list(perm).__getitem__)))


def same_storage(a: Layout, b: Layout) -> bool:
    """Whether ``a`` and ``b`` store a tensor alike but for their names and groups (``equinox_conv_transpose`` and
    ``equinox_conv_transpose_g2``): a tensor given in one is in the other, with the groups of the layer it is."""
    return a._replace(name=b.name, groups=b.groups) == b


def _L(name: str, out_axes: Sequence[int], in_axes: Sequence[int], framework: str = "",
       canonical: str | None = None, flip: bool = False, grouped: bool = False) -> Layout:
    return Layout(name, tuple(out_axes), tuple(in_axes), framework=framework, canonical=canonical, flip=flip,
                  grouped=grouped)


def permutation(src: "Layout", dst: "Layout", ndim: int) -> tuple[int, ...]:
    """Axes order that turns an array stored in ``src`` into the same weights stored in ``dst``:
    ``numpy.transpose(a, permutation(src, dst, a.ndim))``. Output axes go to output axes, input axes to
    input axes, and the receptive-field axes keep their order (torch (out, in, kh, kw) -> keras (kh, kw, in, out))."""
    s_out, s_in, s_rf = src.resolve(ndim)
    d_out, d_in, d_rf = dst.resolve(ndim)
    if (len(s_out), len(s_in)) != (len(d_out), len(d_in)):
        raise ValueError(f"cannot move weights from layout {src.name!r} to {dst.name!r}: they name different "
                         f"numbers of output/input axes")
    perm = [0] * ndim
    for group_dst, group_src in ((d_out, s_out), (d_in, s_in), (d_rf, s_rf)):
        for a_dst, a_src in zip(group_dst, group_src):
            perm[a_dst] = a_src
    return tuple(perm)


def reversed_axes(src: "Layout", dst: "Layout", ndim: int) -> tuple[int, ...]:
    """The axes (of ``dst``) along which weights moved from ``src`` to ``dst`` run reversed: ``dst``'s
    receptive-field axes when one of the two layouts flips its kernel against torch's (``Layout.flip``) and the
    other does not, else none."""
    return dst.resolve(ndim)[2] if src.flip != dst.flip else ()


def move(a: "np.ndarray", src: LayoutLike, dst: LayoutLike) -> "np.ndarray":
    """The weights of the NumPy array ``a`` stored in layout ``src``, stored in ``dst``: ``permutation``'s axes
    order, then reversed along the receptive field where one layout flips its kernel against the other
    (``Layout.flip``: a Flax ``ConvTranspose`` kernel is a torch ``ConvTranspose`` weight's, reversed in space).
    Between a grouped layout (``Layout.groups``: Equinox's grouped ConvTranspose) and any other, the values go
    through the grouped one's canonical layout, group by group (``regroup``). An array under two axes is returned
    as it is.

    Examples:
        >>> import numpy as np
        >>> from unifiedinit.layout import move
        >>> w = np.arange(2 * 3 * 2).reshape(2, 3, 2)               # torch ConvTranspose1d(2, 3, 2): (in, out, k)
        >>> move(w, "torch_conv_transpose", "flax_conv_transpose")[:, 0, 0]  # Flax (k, in, out), k reversed
        array([1, 0])
    """
    import numpy as np
    src, dst = get_layout(src), get_layout(dst)
    if a.ndim < 2 or (src.groups != dst.groups and same_storage(src, dst)):  # one storage, the tensor's own groups
        return a
    if src.groups != dst.groups:  # through the grouped one's canonical layout, group by group
        grouped = src if src.groups > 1 else dst
        canonical = canonical_layout(grouped)
        if grouped is src:  # to the canonical layout: the inverse of drawn_back
            perm = permutation(src, canonical, a.ndim)
            (out,), (inp,), _ = canonical.resolve(a.ndim)
            x = regroup(np.transpose(a, perm), tuple(a.shape[p] for p in perm), src.groups, out, inp, np.reshape,
                        np.transpose)
            flips = reversed_axes(src, canonical, a.ndim)
            return move(np.flip(x, flips) if flips else x, canonical, dst)
        x = move(a, src, canonical)
        return drawn_back(x, dst, canonical, x.shape, permutation(dst, canonical, a.ndim),
                          reversed_axes(dst, canonical, a.ndim), np.reshape, np.transpose, np.flip)
    moved = np.transpose(a, permutation(src, dst, a.ndim))
    flips = reversed_axes(src, dst, a.ndim)
    return np.flip(moved, flips) if flips else moved


LAYOUTS: dict[str, Layout] = {layout.name: layout for layout in (
    # storage (out, in, *k): Linear, Conv, and whatever torch's own fan computation sees
    _L("torch", [0], [1], "torch"),
    _L("mxnet", [0], [1], "mxnet", "torch"),
    # storage (*k, in, out): Dense, Conv
    _L("keras", [-1], [-2], "keras", "torch"),
    _L("flax", [-1], [-2], "flax", "torch"),
    # transposed convolutions, fans of the layer (in = the layer's input channels)
    _L("torch_conv_transpose", [1], [0], "torch"),                                   # (in, out/g, *k)
    _L("mxnet_conv_transpose", [1], [0], "mxnet", "torch_conv_transpose"),           # (in, out/g, *k)
    # MXNet's channels-last convolutions (layout="NHWC", "NDHWC"): Conv (out, *k, in/g), ConvTranspose (in, *k, out/g)
    _L("mxnet_channels_last", [0], [-1], "mxnet", "torch"),
    _L("mxnet_conv_transpose_channels_last", [-1], [0], "mxnet", "torch_conv_transpose"),
    _L("keras_conv_transpose", [-2], [-1], "keras", "torch_conv_transpose"),         # (*k, out, in)
    # Flax's ConvTranspose slides its kernel unflipped (transpose_kernel=False, its default): torch's, reversed
    _L("flax_conv_transpose", [-1], [-2], "flax", "torch_conv_transpose", flip=True),  # (*k, in, out)
    # Flax's ConvTranspose(transpose_kernel=True): the forward convolution's kernel, flipped by lax, as Keras's
    _L("flax_conv_transpose_kernel", [-2], [-1], "flax", "torch_conv_transpose"),    # (*k, out, in)
    # a dense weight stored (in, out) where its framework usually stores (out, in): Hugging Face's GPT-2 Conv1D
    _L("in_out", [-1], [-2], "", "torch"),
    # torch Bilinear (out, in1, in2): both inputs are the input, fan_in = in1 x in2
    _L("torch_bilinear", [0], [1, 2], "torch"),
    # embeddings (num, dim): the vocabulary is the input
    _L("torch_embedding", [1], [0], "torch"),
    _L("mxnet_embedding", [1], [0], "mxnet", "torch_embedding"),
    _L("keras_embedding", [1], [0], "keras", "torch_embedding"),
    _L("flax_embedding", [1], [0], "flax", "torch_embedding"),
    # Keras DepthwiseConv2D (*k, in, multiplier): every output channel sees one input channel x RF, so
    # fan_in = RF and fan_out = in x multiplier x RF, the numbers torch gives the same layer stored as a
    # grouped conv (in x multiplier, 1, *k). torch, MXNet and Flax store grouped kernels with in/groups on
    # the in axis, so their plain layouts already give these fans; Keras's own compute_fans (fan_in =
    # in x RF) is the plain "keras" layout.
    _L("keras_depthwise", [-2, -1], [], "keras", "torch_depthwise"),
    # its torch counterpart: a grouped conv with one input channel per group, (in x multiplier, 1, *k), seen as
    # (in, multiplier, *k), the same entries in the same order: portable values line up with torch's layer
    _L("torch_depthwise", [0, 1], [], "torch"),
    # multi-head attention projections, Keras's and Flax's (E, heads, head_dim) query/key/value kernels and
    # (heads, head_dim, E) output kernel: both frameworks take fans of the kernel flattened to
    # (input features, output features)
    _L("multihead_qkv", [1, 2], [0]),
    _L("multihead_out", [2], [0, 1]),
    # Flax's (E, heads, head_dim) query/key/value kernel: Flax draws it as the matrix (E, heads x head_dim) and
    # reshapes it, so its Orthogonal groups both output axes (Keras's Orthogonal, on multihead_qkv, takes
    # (E x heads, head_dim): the last axis against the rest); fans and every elementwise draw as multihead_qkv's
    _L("flax_multihead_qkv", [1, 2], [0], "flax", grouped=True),
)}

if TYPE_CHECKING:
    LayoutLike = Union[str, Layout]
else:  # used in annotations only, which are strings at run time
    LayoutLike = "str | Layout"


def canonical_layout(layout: LayoutLike) -> Layout:
    """The layout portable values are drawn in: torch's counterpart of ``layout`` (``"keras_conv_transpose"`` ->
    ``"torch_conv_transpose"``, ``"flax"`` -> ``"torch"``, ``"in_out"`` -> ``"torch"``), as each layout declares it;
    ``layout`` itself when it has none. A ``canonical`` that names no registered layout is a ValueError."""
    layout = get_layout(layout)
    if layout.canonical is None:
        return layout
    found = LAYOUTS.get(layout.canonical)
    if found is None:
        raise ValueError(f"layout {layout.name!r} has canonical={layout.canonical!r}, which is not a registered "
                         f"layout; allowed: {', '.join(map(repr, LAYOUTS))}")
    return found


def register_layout(layout: Layout) -> Layout:
    """Make ``layout`` known by its name, for ``Rule(layout=...)``, ``FromArray(layout=...)`` and the hooks'
    ``layout=``.

    A user's storage, or a backend's. A name is registered once, for the rest of the process; the same definition
    again is accepted.

    Args:
        layout: a ``ui.Layout``; its ``canonical``, when given, must name a registered layout.

    Returns:
        ``layout`` itself.

    Raises:
        TypeError: ``layout`` is not a ``ui.Layout``.
        ValueError: a different layout is registered under the same name, or ``canonical`` names no registered
            layout.

    Examples:
        >>> import unifiedinit as ui
        >>> torch_layout = ui.get_layout("torch")
        >>> ui.register_layout(torch_layout) is torch_layout  # the same definition again: accepted
        True
        >>> ui.register_layout(ui.Layout("torch", out_axes=(1,), in_axes=(0,)))
        Traceback (most recent call last):
        ValueError: register_layout: a different layout named 'torch' is already registered
    """
    if not isinstance(layout, Layout):
        raise TypeError(f"register_layout: parameter 'layout' must be a unifiedinit.Layout, got {layout!r}")
    if layout.name in LAYOUTS and LAYOUTS[layout.name] != layout:
        raise ValueError(f"register_layout: a different layout named {layout.name!r} is already registered")
    if layout.canonical is not None and layout.canonical not in LAYOUTS:
        raise ValueError(f"register_layout: parameter 'layout' has canonical={layout.canonical!r}, which is not a "
                         f"registered layout; allowed: {', '.join(map(repr, LAYOUTS))}")
    LAYOUTS[layout.name] = layout
    return layout


def get_layout(layout: LayoutLike) -> Layout:
    """The ``Layout`` a name stands for (a ``Layout`` is returned as it is).

    Args:
        layout: a registered layout name (``ui.LAYOUTS``: "torch", "keras", "flax_conv_transpose", ...) or a Layout.

    Returns:
        The registered ``Layout`` of that name, or ``layout`` itself. A registered name followed by ``_g<k>``
        (k > 1) is that layout holding a grouped layer's k groups on its output axis (``Layout.groups``; the
        registered layout must have a canonical layout other than itself): ``"equinox_conv_transpose_g4"``.

    Raises:
        ValueError: an unknown name, or a value that is neither a name nor a Layout; the message lists the
            registered names.

    Examples:
        >>> import unifiedinit as ui
        >>> keras = ui.get_layout("keras")
        >>> keras.name, keras.out_axes, keras.in_axes
        ('keras', (-1,), (-2,))
    """
    if isinstance(layout, Layout):
        return layout
    if isinstance(layout, str) and layout in LAYOUTS:
        return LAYOUTS[layout]
    grouped = re.fullmatch(r"(.+)_g([1-9][0-9]*)", layout) if isinstance(layout, str) else None
    base = LAYOUTS.get(grouped[1]) if grouped is not None else None
    if grouped is not None and base is not None and base.groups == 1 and int(grouped[2]) > 1 and \
            canonical_layout(base) != base:  # "equinox_conv_transpose_g4": the registered layout with its groups
        return register_layout(base._replace(name=layout, groups=int(grouped[2])))
    raise ValueError(f"parameter 'layout' must be a Layout or one of {', '.join(map(repr, LAYOUTS))}; got {layout!r}")


def check_shape(shape: Sequence[int]) -> tuple[int, ...]:
    """A tensor shape as a tuple of non-negative Python ints (NumPy integers are converted)."""
    # isinstance first: it tells a type checker the tuple's items (type() alone does not)
    if isinstance(shape, tuple) and type(shape) is tuple and all(type(d) is int and d >= 0 for d in shape):
        return shape  # the common case, checked without the general path
    if isinstance(shape, (int, str)) or not hasattr(shape, "__iter__"):
        if isinstance(shape, int) and not isinstance(shape, bool):
            shape = (shape,)
        else:
            raise TypeError(f"parameter 'shape' must be a sequence of integers, got {shape!r}")
    return tuple(v.integer("", "shape", d, minimum=0) for d in shape)


def vector_fans(shape: Sequence[int]) -> tuple[int, int]:
    """Fans of a tensor under 2-D, which no layout defines: Keras's rule, fan_in = fan_out = n for a vector of n
    entries and 1 for a scalar. Used where a fan-based spec must not fail on a vector (MXNet's global
    initializer, plans)."""
    n = 1
    for d in check_shape(shape):
        n *= d
    return (max(1, n), max(1, n))


def fans(shape: Sequence[int], layout: LayoutLike = "torch") -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of ``shape`` stored in ``layout``.

    fan_in = (product of the input axes) x RF and fan_out = (product of the output axes) x RF, where RF is the
    product of the receptive-field axes (see ``ui.Layout``). The same layer gives the same fans in every
    framework's layout.

    Args:
        shape: the weight's shape, a sequence of integers >= 0 in ``layout``'s axis order.
        layout: a layout name (``ui.LAYOUTS``; default "torch") or a ``ui.Layout``.

    Returns:
        The pair (fan_in, fan_out) of ints.

    Raises:
        TypeError: ``shape`` is not a sequence of integers.
        ValueError: an unknown layout, a negative dimension, fewer dimensions than the layout needs (a vector
            has no fans of its own: pass its layer's), an axis of the layout that the shape does not have, or a
            shape of more than 2**63 - 1 entries or fans (no tensor has more).

    Examples:
        >>> import unifiedinit as ui
        >>> ui.fans((64, 3, 3, 3), "torch"), ui.fans((3, 3, 3, 64), "keras")  # Conv2d(3, 64, 3), both ways
        ((27, 576), (27, 576))
    """
    return get_layout(layout).fans(shape)


#: the largest fan, and the most entries a described tensor may hold: int64's largest, past any tensor's size
MAX_FAN = 2 ** 63 - 1


def _short(n: int) -> str:
    """An integer as it reads in a message: its digits, or for a huge one its size (about 10**400)."""
    return str(n) if n < 10 ** 30 else f"about 10**{len(str(n)) - 1}"


#: what ``layer_fans`` and ``depth`` hold, in a refusal's words
_FANS_PAIR = "(fan_in, fan_out), such as (64, 32)"
_DEPTH_PAIR = "(layer index, number of layers), such as (0, 12)"


def _pair(owner: str, name: str, value: Any, allowed: str) -> tuple[Any, Any]:
    """``value`` (``layer_fans``, ``depth``) as its two entries, unchecked: a sequence of two (a list, a tuple, an
    array; an iterator is read once). A bare number, a string, a dict, a set (no order) or an iterable of another
    length is refused by name with what is ``allowed``, before anything is drawn."""
    items: tuple[Any, ...] | None = None
    given: Any = value  # any object: what it is decides
    if not isinstance(given, (str, bytes, set, frozenset)) and not v.is_mapping(given):
        try:
            items = tuple(itertools.islice(iter(given), 3))  # at most three: a huge range is not read whole
        except TypeError:  # not iterable: a number, a 0-d array
            items = None
    if items is None:
        raise TypeError(f"{v.where(owner, name)} must be a pair of integers {allowed}, or None; got {v.shown(value)} "
                        f"of type {type(value).__name__}")
    if len(items) != 2:
        raise ValueError(f"{v.where(owner, name)} must be a pair of integers {allowed}, or None; got "
                         f"{v.shown(value)}, which holds {'more than two' if len(items) > 2 else len(items)} "
                         f"entr{'y' if len(items) == 1 else 'ies'}")
    return items[0], items[1]


def fans_pair(owner: str, value: Any) -> tuple[Any, Any]:
    """A ``layer_fans`` argument as its two entries, unchecked (``_pair``: a pair is refused by name where it is no
    sequence of two), for a caller that converts them itself before ``TensorInfo.make`` checks them."""
    return _pair(owner, "layer_fans", value, _FANS_PAIR)


class TensorInfo(Record):
    """What lowering knows about the tensor being initialized: ``spec.lower(info)`` reads it.

    ``layer_fans`` are the (fan_in, fan_out) of the layer the tensor belongs to, when they are not the
    tensor's own: a bias has no fans of its own, but torch's default bias bound is 1/sqrt(fan_in of the weight).
    Build one with ``TensorInfo.make``, which checks and converts its arguments; plans and backends build them for
    every parameter.

    Args:
        shape: the tensor's shape, a tuple of ints >= 0 in ``layout``'s axis order.
        layout: the ``ui.Layout`` the tensor is stored in.
        layer_fans: the layer's (fan_in, fan_out), or None (default): the tensor's own fans.
        padding_idx: the padding row of an embedding whose layer has one (torch's ``padding_idx``), else None.
        depth: (layer index, number of layers) of the tensor's layer in its sequence of layers, else None.

    Raises:
        TypeError, ValueError: from ``make``: a shape that is not integers >= 0 or holds more than 2**63 - 1
            entries, an unknown layout, ``layer_fans`` that are not two integers in [1, 2**63 - 1], a negative
            ``padding_idx``, or ``depth`` that is not (index, count) with 0 <= index < count.

    Examples:
        >>> import unifiedinit as ui
        >>> weight = ui.TensorInfo.make((64, 3, 3, 3))  # a torch Conv2d(3, 64, 3) weight
        >>> weight.fans, weight.size
        ((27, 576), 1728)
        >>> ui.TensorInfo.make((64,), layer_fans=weight.fans).fans  # its bias: the layer's fans
        (27, 576)
    """

    shape: tuple[int, ...]
    layout: Layout
    layer_fans: tuple[int, int] | None = None
    #: the padding row of an embedding whose layer has one (torch's ``padding_idx``), else None
    padding_idx: int | None = None
    #: (layer index, number of layers) of the tensor's layer in its sequence of layers, else None
    depth: tuple[int, int] | None = None

    @classmethod
    def make(cls, shape: Sequence[int], layout: LayoutLike = "torch",
             layer_fans: Sequence[int] | None = None, padding_idx: int | None = None,
             depth: Sequence[int] | None = None, *, owner: str = "") -> "TensorInfo":
        """A checked ``TensorInfo``: ``shape`` as ints (at most 2**63 - 1 entries), ``layout`` by name or Layout
        (default "torch"), the optional ``layer_fans`` pair (each in [1, 2**63 - 1]), ``padding_idx`` and ``depth``
        (layer index, number of layers) as ints. ``layer_fans`` and ``depth`` are sequences of two integers (a
        list, a tuple, an array); anything else (a bare int, a string, a dict, a set) is refused by name, with
        ``owner`` (the function the user called, such as "sample"; default none) leading a refusal of them or of
        ``padding_idx``.

        Raises:
            TypeError: ``layer_fans`` or ``depth`` that is no sequence of integers, or a ``padding_idx`` that is no
                integer; from ``check_shape``, a shape that is no sequence of integers.
            ValueError: a pair of another length, a fan under 1 or past 2**63 - 1, ``depth`` whose index is not
                below its number of layers, a negative ``padding_idx``, a negative size, or a shape of more than
                2**63 - 1 entries; an unknown layout.

        Examples:
            >>> import unifiedinit as ui
            >>> ui.TensorInfo.make((8,), layer_fans=[4, 8], depth=(0, 12)).fans
            (4, 8)
            >>> ui.TensorInfo.make((8,), layer_fans=4)
            Traceback (most recent call last):
            TypeError: parameter 'layer_fans' must be a pair of integers (fan_in, fan_out), ... got 4 of type int
        """
        lf: tuple[int, int] | None = None
        if layer_fans is not None:
            fan_in, fan_out = (v.integer(owner, "layer_fans", f, minimum=1)
                               for f in _pair(owner, "layer_fans", layer_fans, _FANS_PAIR))
            if max(fan_in, fan_out) > MAX_FAN:
                raise ValueError(f"{v.where(owner, 'layer_fans')} must be two integers in [1, 2**63 - 1] (no tensor "
                                 f"has more entries; a larger fan overflows float64 in the formulas), got "
                                 f"{_short(fan_in)}, {_short(fan_out)}")
            lf = (fan_in, fan_out)
        if padding_idx is not None:
            padding_idx = v.integer(owner, "padding_idx", padding_idx, minimum=0)
        pair: tuple[int, int] | None = None
        if depth is not None:
            index, count = _pair(owner, "depth", depth, _DEPTH_PAIR)
            index, count = v.integer(owner, "depth", index, minimum=0), v.integer(owner, "depth", count, minimum=1)
            if index >= count:
                raise ValueError(f"{v.where(owner, 'depth')} must be (layer index, number of layers) with the index "
                                 f"below the number, such as (0, 12); got {v.shown(depth)}")
            pair = (index, count)
        checked = check_shape(shape)
        if math.prod(checked) > MAX_FAN:
            raise ValueError(f"parameter 'shape' must hold at most 2**63 - 1 entries (no tensor has more; its fans "
                             f"would overflow float64 in the formulas), got {_short(math.prod(checked))} entries in "
                             f"a shape of {len(checked)} dimensions")
        return cls(checked, get_layout(layout), lf, padding_idx, pair)

    @property
    def fans(self) -> tuple[int, int]:
        """(fan_in, fan_out): the layer's when given, else the tensor's own in its layout (a zero fan is refused)."""
        if self.layer_fans is not None:
            return self.layer_fans
        fan_in, fan_out = self.layout.fans(self.shape)
        if fan_in == 0 or fan_out == 0:
            raise ValueError(f"a fan-based initializer cannot scale a tensor of shape {self.shape}: "
                             f"its fans are (fan_in={fan_in}, fan_out={fan_out}); every dimension must be > 0")
        return fan_in, fan_out

    @property
    def size(self) -> int:
        """The number of entries."""
        return math.prod(self.shape)
