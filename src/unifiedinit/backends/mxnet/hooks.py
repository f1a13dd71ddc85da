"""MXNet Gluon's native idiom: a registered ``mx.init.Initializer`` (``spec.to_mxnet()``) drawing from MXNet's RNG.

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
"""

# MXNet ships no types (its classes and ``mx`` are untyped):
# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false

from __future__ import annotations

from typing import Any

from ... import _validate as v
from ... import draws as D
from ...convert import refuse_unknown_keywords
from ...layout import LayoutLike, TensorInfo, check_shape, get_layout, vector_fans
from ...portable import portable_option
from ...samplers import draw as sampled
from ...serialize import from_dict
from ...specs import Spec
from .numpy2 import mx
from .ops import MXNetOps

#: MXNet's initializer base class (``mx`` comes from the NumPy 2 import step, so a type checker cannot follow it)
_Initializer: Any = mx.init.Initializer


#: the dtypes ``sample`` makes an MXNet array of: MXNet's, less its bfloat16 (which NumPy, its arrays' dtype type,
#: does not know)
MXNET_DTYPES = ("float16", "float32", "float64", "int8", "uint8", "int32", "int64", "bool")

#: MXNet's own name rules for the global initializer (Initializer.__call__, _legacy_init): suffix -> value
_ZERO_SUFFIXES = ("bias", "beta", "running_mean", "moving_mean", "moving_avg", "moving_inv_var", "min")
_ONE_SUFFIXES = ("gamma", "running_var", "moving_var", "max")


def as_nd(arr: Any) -> Any:
    """An array MXNet hands an initializer, as an NDArray: in Gluon's NumPy mode (``npx.set_np()``) an
    ``mx.np.ndarray``, seen as an NDArray of the same memory (``mx.nd.random``'s ``out=`` takes no other)."""
    return arr.as_nd_ndarray() if isinstance(arr, mx.np.ndarray) else arr


def dtype_name(dtype: Any) -> str:
    """The NumPy name of an MXNet dtype ("float32", ...)."""
    import numpy as np
    return np.dtype(dtype).name


@mx.init.register
@mx.init.alias("unifiedinit")
class SpecInitializer(_Initializer):
    """A unifiedinit spec as an MXNet initializer (registered as "specinitializer" and "unifiedinit").

    What ``spec.to_mxnet(layout=..., portable=...)`` returns. Values come from ``mx.nd.random`` on each
    parameter's own context, so ``mx.random.seed`` makes them repeatable; every check (the spec against the
    parameter's shape and fans, the dtype against the values) is made before anything is written. Handed to
    ``net.initialize`` as the global initializer, it follows the name rules of MXNet's ``Initializer.__call__``
    (``*bias``/``*beta``/running means get 0, ``*gamma``/running variances get 1, every other name the spec; the
    module docstring says more), which Gluon bypasses for its own global initializers (the README says so); handed
    to one parameter, the spec applies whatever the name. ``dumps()`` gives ``["specinitializer", {"spec": {...},
    "layout": "mxnet"}]`` and ``mx.init.create(dumps)`` rebuilds an equal initializer, spec included.

    A refusal is per array. Gluon's ``net.initialize(init, force_reinit=True)`` goes through the parameters one at
    a time and drops each one's values before it calls the initializer (MXNet's own initializers fare the same), so
    when the spec refuses a parameter, those before it already hold their new values and the refused one holds none
    until it is initialized again. ``ui.Plan(...).apply(net)`` checks every parameter before it writes any and puts
    them all back when a write fails: all or nothing.

    Args:
        spec: a unifiedinit spec, or the plain dict of ``spec.to_dict()`` (as ``dumps()`` holds it).
        layout: a registered layout's name (it is part of ``dumps()``): "mxnet" (default: fans from storage
            position, as MXNet's Xavier), "mxnet_conv_transpose" (a Conv*Transpose layer's fans), "mxnet_embedding"
            (the vocabulary as the input), or any other name in ``ui.LAYOUTS``.
        portable: None (draw with MXNet's RNG), or a ``ui.Portable(seed, key)`` (or its dict): write the portable
            values instead, the same numbers in every framework.

    Raises:
        TypeError: ``spec`` is neither a spec nor a dict; ``layout`` is not a string; ``portable`` is not a
            Portable, a dict or None. When it initializes: random values for an integer dtype.
        ValueError: a spec dict that names no registered spec; an unknown layout name; a keyword other than these
            three (a dumps() string with a misspelt one, ``layuot``); a ``portable`` dict with a key other than
            seed, key, stream. When it initializes: a shape the spec cannot fill, or values the dtype cannot hold.
            When it initializes, either names the parameter, its shape and the spec ("SpecInitializer: cannot
            initialize conv0_weight (shape (2, 2, 3), layout 'mxnet') with Eye(): ...").

    Examples:
        >>> import unifiedinit as ui
        >>> from unifiedinit.backends.mxnet import SpecInitializer, mx
        >>> init = SpecInitializer(ui.Constant(0.5))
        >>> init.dumps()
        '["specinitializer", {"spec": {"type": "Constant", "value": 0.5}, "layout": "mxnet"}]'
        >>> mx.init.create(init.dumps())
        SpecInitializer(Constant(value=0.5), layout='mxnet')
        >>> net = mx.gluon.nn.Dense(3, in_units=2)
        >>> net.initialize(init)
        >>> net.weight.data().asnumpy().tolist(), net.bias.data().asnumpy().tolist()  # the bias: MXNet's zeros
        ([[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]], [0.0, 0.0, 0.0])
    """

    def __init__(self, spec: Spec | dict[str, Any], layout: str = "mxnet", portable: Any = None,
                 **unknown: Any) -> None:
        refuse_unknown_keywords("SpecInitializer", unknown)  # from a dumps() string: named, with the keywords taken
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

    def _apply(self, arr: Any, name: str | None = None) -> None:
        """Fill ``arr``; ``name``: the parameter's, which a refusal then names (Gluon's own message names none)."""
        arr = as_nd(arr)
        shape = tuple(int(s) for s in arr.shape)
        dtype = dtype_name(arr.dtype)
        try:
            draw = self.lower(shape, dtype)
        except (TypeError, ValueError) as err:
            if name is None:
                raise
            raise type(err)(f"SpecInitializer: cannot initialize {name} (shape {shape}, layout {self.layout.name!r}) "
                            f"with {v.shown(self.spec, v.DRAW_SHOWN)}: {err}") from None
        if self.portable is not None:  # the portable values; MXNet's RNG is not used
            layer_fans = vector_fans(shape) if len(shape) < 2 and self.spec.fan_based else None
            arr[:] = mx.nd.array(self.portable.values(self.spec, shape, self.layout, dtype, layer_fans),
                                 ctx=arr.context, dtype=dtype)
            return
        sampled(MXNetOps(arr.context), draw, shape, dtype, out=arr)

    def _init_weight(self, desc: Any, arr: Any) -> None:
        # Gluon calls _init_weight for every parameter without an initializer of its own. When this is the
        # global initializer (net.initialize(init)), MXNet's name rules decide; when it was given to this one
        # parameter (param.initialize(init=...), Parameter(init=...)), the spec applies whatever the name.
        if self._is_global(desc):
            name = str(desc)
            if name.endswith(_ZERO_SUFFIXES):
                arr[:] = 0.0
                return
            if name.endswith(_ONE_SUFFIXES):
                arr[:] = 1.0
                return
        self._apply(arr, str(desc))

    @staticmethod
    def _is_global(desc: Any) -> bool:
        """Whether Gluon calls this as ``net.initialize(init)``'s initializer, for a parameter with no initializer of
        its own: Gluon then hands the global one over as the parameter's ``__init__``, as given: the object itself,
        or the ``dumps()`` string, from which ``mx.init.create`` makes a new object for the global and another for
        the parameter (``_gluon_default`` tells that string from a parameter's own). A parameter's own initializer
        never counts, even one equal to the global (MXNet's ``mx.init.Constant(5)`` given to a bias writes 5 whatever
        the global initializer): the symbol API's ``Module.init_params`` hands a variable's own over as its
        ``dumps()`` string, Gluon a parameter's own as given. (A parameter given the very initializer the net is
        initialized with cannot be told from one given none.)"""
        whole: Any = getattr(desc, "global_init", None)
        if whole is None:  # a plain name (MXNet's legacy call, or ours on one array): no global initializer
            return False
        given: Any = getattr(desc, "attrs", {}).get("__init__")
        return given is whole or (isinstance(given, str) and _gluon_default(given))

    def _init_default(self, desc: Any, arr: Any) -> None:
        """A name MXNet has no rule for (its own initializers raise): the spec."""
        self._apply(arr, str(desc))

    def __repr__(self) -> str:  # MXNet's verbose log shows it: whether the values are portable too
        shown = f", portable={self.portable!r}" if self.portable is not None else ""
        return f"SpecInitializer({self.spec!r}, layout={self.layout.name!r}{shown})"


def _gluon_default(given: str) -> bool:
    """Whether ``given``, a parameter's ``__init__`` string, is the global initializer Gluon fell back to: MXNet
    1.9's ``Parameter._finish_deferred_init``, which calls the global initializer, holds the parameter's own as
    ``init`` and the global as ``default_init``, the very same object where the parameter has none. Its frame, a few
    calls up, tells this where the arguments cannot: the two strings are equal when the parameter's own initializer
    equals the global one. Called from no such frame (the symbol API's ``Module``), a string is a parameter's own."""
    import inspect
    frame = inspect.currentframe()
    try:
        for _ in range(8):  # here, _is_global, _init_weight, Initializer.__call__, _finish_deferred_init
            if frame is None:
                return False
            if frame.f_code.co_name == "_finish_deferred_init" and \
                    frame.f_globals.get("__name__") == "mxnet.gluon.parameter":
                init, default = frame.f_locals.get("init"), frame.f_locals.get("default_init")
                return given is init and init is default
            frame = frame.f_back
        return False
    finally:
        del frame  # no reference cycle through the frames


def initializer(spec: Spec, layout: LayoutLike = "mxnet", portable: Any = None) -> SpecInitializer:
    """``spec.to_mxnet(layout, portable)``: a ``SpecInitializer`` for ``spec``.

    Args:
        spec: a unifiedinit spec.
        layout: a registered layout's name: "mxnet" (default), "mxnet_conv_transpose", "mxnet_embedding", ...
        portable: None, or a ``ui.Portable(seed, key)`` (or its dict) to write the portable values.

    Returns:
        The registered ``mx.init.Initializer``: hand it to ``net.initialize``, ``param.initialize(init=...)`` or
        ``Parameter(init=...)``.

    Raises:
        TypeError: ``spec`` is not a spec; ``layout`` is not a string (a ``ui.Layout`` is refused: it could not be
            saved in ``dumps()``); ``portable`` is not a Portable, a dict or None.
        ValueError: an unknown layout name.

    Examples:
        >>> import unifiedinit as ui
        >>> from unifiedinit.backends.mxnet import initializer
        >>> initializer(ui.KaimingUniform(), layout="mxnet_conv_transpose")
        SpecInitializer(KaimingUniform(a=0.0, mode='fan_in', nonlinearity='leaky_relu'), layout='mxnet_conv_transpose')
    """
    return SpecInitializer(spec, layout=layout, portable=portable)  # type: ignore[arg-type]


def sample(spec: Spec, shape: tuple[int, ...], *, layout: LayoutLike = "mxnet", seed: int = 0,
           dtype: str = "float32") -> Any:
    """Sample ``spec`` natively with MXNet for one tensor of ``shape`` and return it as a NumPy array.

    The values are those ``SpecInitializer`` writes into a new ``mx.nd`` array of ``shape`` and ``dtype`` (on the
    CPU) after ``mx.random.seed(seed)``, as a parameter named "weight": the hook the comparison report and the
    cross-framework tests use. MXNet cannot hold an empty array: a shape with a 0 is checked as any other and
    comes back as zeros; the scalar shape ``()`` is drawn as a 0-d array in MXNet's NumPy shape mode, which holds
    one (its legacy shapes read ``()`` as unknown).

    Args:
        spec: a unifiedinit spec.
        shape: the tensor's shape, a tuple of non-negative ints (NumPy integers too).
        layout: a registered layout's name or a ``ui.Layout`` (its name is used); default "mxnet".
        seed: the seed given to ``mx.random.seed``, an integer in [0, 2**64) (a NumPy integer too; this sets
            MXNet's global RNG).
        dtype: a NumPy dtype name MXNet holds (``MXNET_DTYPES``): "float32" (default), "float64", "float16", or
            "int8", "uint8", "int32", "int64" or "bool" for a determined spec.

    Returns:
        A NumPy array of ``shape`` and ``dtype``.

    Raises:
        TypeError: ``spec`` is not a spec; a random spec with an integer dtype; a ``seed`` that is no integer;
            ``shape`` is not a sequence of ints (a size 2.5); ``dtype`` is not a string.
        ValueError: a ``seed`` outside [0, 2**64); a negative size; an unknown layout or ``dtype`` name, or one MXNet
            cannot hold ("bfloat16", "int16", ...); a shape the spec cannot fill; values the dtype cannot hold.

    Examples:
        >>> import unifiedinit as ui
        >>> from unifiedinit.backends.mxnet import sample
        >>> sample(ui.Eye(), (2, 3)).tolist()
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
        >>> x = sample(ui.Normal(0.0, 0.02), (4, 3), seed=1)
        >>> x.shape, x.dtype.name
        ((4, 3), 'float32')
        >>> bool((x == sample(ui.Normal(0.0, 0.02), (4, 3), seed=1)).all())  # the same seed, the same values
        True
    """
    seed = v.given_seed("sample", seed)
    dtype = v.dtype_name("sample", "dtype", dtype)
    if dtype not in MXNET_DTYPES:  # bfloat16, int16, uint16...: MXNet (or NumPy, its array type) cannot hold them
        raise ValueError(f"sample: parameter 'dtype' must be a dtype MXNet holds ({', '.join(MXNET_DTYPES)}); "
                         f"got {dtype!r}")
    import numpy as np
    shape = check_shape(shape)  # int() would truncate a size of 2.5, and MXNet's message for -1 names nothing
    name: Any = getattr(layout, "name", layout)
    init = SpecInitializer(spec, layout=name)
    if 0 in shape:  # MXNet's NDArrays read a 0 as "unknown" and cannot hold an empty tensor: nothing to draw
        init.lower(shape, dtype)  # but the same checks as anywhere else
        return np.zeros(shape, dtype=dtype)
    mx.random.seed(seed)
    # a scalar: only NumPy shape mode holds a 0-d NDArray (a shape already in that mode is left in it)
    with mx.util.np_shape(shape == () or mx.util.is_np_shape()):
        arr = mx.nd.zeros(shape, dtype=dtype)
        init._apply(arr)
        return np.asarray(arr.asnumpy())


# ------------------------------------------------------------------------- one array, for the conformance suite

def array(values: Any, dtype: str) -> Any:
    """An ``mx.nd`` array of ``values`` (a NumPy array) in ``dtype``."""
    return mx.nd.array(values, dtype=dtype)


def to_numpy(x: Any) -> Any:
    """An ``mx.nd`` array as a NumPy array."""
    return x.asnumpy()


def init_array(spec: Spec, x: Any, *, layout: LayoutLike | None = None, seed: int = 0, portable: Any = None) -> Any:
    """The native hook on one array stored in ``layout`` (default MXNet's): in place (the global RNG seeded with
    ``seed``)."""
    mx.random.seed(seed)
    where: Any = getattr(layout, "name", layout)
    SpecInitializer(spec, layout=where or "mxnet", portable=portable)._apply(x)
    return x
