"""Framework initializers -> specs: ``from_keras``, ``from_jax``, ``from_torch_fn``, ``from_mxnet``.

Each takes an initializer as its framework writes it and returns the spec that draws from the same law (sampled in
that framework's own layout, ``spec.to_keras()`` / ``to_flax()`` / ``to_torch()`` / ``to_mxnet()`` give the
framework's values in law, and the same values where they are determined)::

    ui.from_keras(keras.initializers.HeNormal(seed=3))          # VarianceScaling(2.0, 'fan_in', 'truncated_normal')
    ui.from_jax(jax.nn.initializers.variance_scaling(2.0, "fan_in", "truncated_normal"))   # the same
    ui.from_jax("he_normal")                                    # the same, by the factory's name (keywords: its arguments)
    ui.from_torch_fn(torch.nn.init.kaiming_uniform_, a=math.sqrt(5))   # KaimingUniform(a=2.236..., ...)
    ui.from_mxnet(mx.init.Xavier(factor_type="in", magnitude=2))       # VarianceScaling(0.666..., 'fan_in', 'uniform')

What has no spec is refused with a ValueError that names the argument: a seed or generator is not part of a law
and is dropped (Keras's ``seed``), or refused where the caller may expect it to be kept (torch's ``generator``);
axes that move the fans (Keras's ``input_axes``, JAX's ``in_axis``...) are refused, since a spec holds no axes (give
them to the hook: ``spec.to_flax(in_axis=...)``, ``spec.to_keras(layout=...)``). unifiedinit's own hooks give their
spec back when made with their framework's default axes; one made with others (``to_mxnet(layout=
"mxnet_conv_transpose")``, its ``dumps()``, ``to_keras(layout=ui.Layout(...))``, ``to_flax(in_axis=0)``), or holding
what a spec does not (Flax's ``layer_fans``, torch's ``fans="torch"``, ``bias``, ``generator``), is refused by the
same rule, naming it: the spec alone would take the default layout's fans. A framework is imported only by its own
converter (MXNet through ``unifiedinit.backends.mxnet``).
"""

from __future__ import annotations

import numbers
TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only: no runtime import of typing
    from typing import Any, Callable

from . import _validate as v
from . import specs as S

__all__ = ["from_keras", "from_jax", "from_torch_fn", "from_mxnet"]


def _ours(obj: Any, owner: str, default: str) -> S.Spec | None:
    """The spec of one of unifiedinit's own hooks (``spec.to_keras()``, ``to_flax()``, ``to_torch()``...), whose
    layout must be its framework's ``default`` one (``_default_layout``) and which holds nothing else the spec
    would lose: Flax's ``layer_fans``, torch's ``fans="torch"``, ``bias`` and ``generator`` are refused by name
    (a ``seed`` and a ``portable`` key are dropped, as a framework's seed is: the law is the same)."""
    spec = getattr(obj, "spec", None) if type(obj).__module__.startswith("unifiedinit.") else None
    if not isinstance(spec, S.Spec):
        return None
    where = f"{owner}({type(obj).__name__})"
    _default_layout(where, getattr(obj, "layout", None), default)
    fans = getattr(obj, "layer_fans", None)  # Flax's hook holds the fans it was given; Keras's computes them
    lost = [("layer_fans", fans, "the fans come from it, and a spec holds no fans")] if fans is not None and \
        not callable(fans) else []
    if default == "torch":
        lost += [("fans", obj.fans, "torch's fans of a module's bias, which a spec does not hold")] \
            if getattr(obj, "fans", "layer") != "layer" else []
        lost += [(name, getattr(obj, name), "a spec is a law, and this is no part of it")
                 for name in ("bias", "generator") if getattr(obj, name, None) is not None]
    if lost:
        name, value, why = lost[0]
        raise _refuse(where, name, value, f"{why}; convert a hook made without it, or keep this hook")
    return spec


#: JAX's default axes, as a layout holds them (out, in, batch), and by the names its initializers take them
_JAX_AXES = {"in_axis": (-2,), "out_axis": (-1,), "batch_axis": ()}


def _default_layout(owner: str, layout: Any, default: str) -> None:
    """Refuse a hook of ours whose layout is not its framework's ``default`` one ("keras", "flax", "mxnet", "torch";
    None is the default): a spec holds no layout, so the spec alone would read its fans from the default layout and
    draw from another law (a transposed convolution's fans, JAX's ``in_axis``...). JAX's default axes given as axes
    (``to_flax(in_axis=(-2,))``, the JAX drop-ins) are Flax's layout."""
    if layout is None:
        return
    from .layout import LAYOUTS, get_layout
    chosen = get_layout(layout)

    def axes(x: Any) -> tuple[Any, ...]:  # what the fans come from: a layout of another name may have the same
        return tuple(x.out_axes), tuple(x.in_axes), tuple(x.batch_axes), x.min_ndim, x.grouped

    if axes(chosen) == axes(LAYOUTS[default]):
        return
    keep = "; convert a hook made with {0}, or keep this hook, which keeps {1}".format
    if default == "flax" and type(chosen).__name__ == "JaxAxes":  # to_flax(in_axis=..., ...), a JAX drop-in
        given = {"in_axis": chosen.in_axes, "out_axis": chosen.out_axes, "batch_axis": chosen.batch_axes}
        moved = [name for name in _JAX_AXES if tuple(given[name]) != _JAX_AXES[name]]
        if not moved:
            return
        shown = ", ".join(f"{name}={given[name][0] if len(given[name]) == 1 else tuple(given[name])!r}"
                          for name in moved)
        raise ValueError(f"{owner}: parameter{'s' if len(moved) > 1 else ''} {shown} cannot become a spec: a spec "
                         f"holds no axes, and alone it takes the fans of JAX's default axes instead; allowed: "
                         f"in_axis=-2, out_axis=-1, batch_axis=() (the defaults){keep('them', 'its axes')}")
    value = repr(chosen.name) if LAYOUTS.get(chosen.name) == chosen else f"a ui.Layout named {v.shown(chosen.name)}"
    raise ValueError(f"{owner}: parameter 'layout' = {value} cannot become a spec: a spec holds no layout, and "
                     f"alone it takes the fans of the layout {default!r} instead; allowed: {default!r} (the "
                     f"default){keep('it', 'its layout')}")


def _real(x: Any) -> bool:
    """Whether ``x`` is a finite real number (not a bool) that a float holds: an integer past float64's range
    (10 ** 400) is not, and is left to the spec, which refuses it naming the parameter."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and v.finite(x)


def _float_held(owner: str, name: str, value: Any) -> None:
    """Refuse an integer that no float holds (10 ** 400), which a check written for floats would meet with a bare
    OverflowError, as ``_validate.real`` refuses it: naming the parameter, the value shortened. Any other value
    passes (for the spec to check)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and not _real(value):
        v.real(owner, name, value)  # raises: "must be a finite number"


def _scaled_orthogonal(owner: str, gain: Any, name: str) -> S.Spec:
    """gain x a Haar matrix: -Q is Haar as Q is, so a negative gain is the law of its absolute value; zero is Zeros."""
    if _real(gain) and gain <= 0:
        return S.Zeros() if gain == 0 else S.Orthogonal(-gain)
    return v.renamed(owner, lambda: S.Orthogonal(gain), {"gain": name})


def _refuse(owner: str, name: str, value: Any, why: str) -> ValueError:
    return ValueError(f"{owner}: parameter '{name}' = {value!r} has no unifiedinit equivalent: {why}")


# ------------------------------------------------------------------------------------------------------ Keras

#: the numbers a Keras initializer holds that ``from_keras`` reads (each checked by ``_float_held`` first)
_KERAS_NUMBERS = ("mean", "stddev", "minval", "maxval", "scale", "gain", "value")


def from_keras(initializer: Any) -> S.Spec:
    """The spec of a Keras initializer: any ``keras.initializers`` instance (a class is instantiated; a name or a
    config dict goes through ``keras.initializers.get``), or one of unifiedinit's (drop-ins and
    ``spec.to_keras()``). The seed is dropped (a spec is a law); ``input_axes``/``output_axes`` are refused.

    ``HeNormal(seed=3)`` -> ``VarianceScaling(2.0, "fan_in", "truncated_normal")``; Keras's ``"untruncated_normal"``
    is unifiedinit's ``"normal"``.

    Args:
        initializer: a ``keras.initializers`` instance or class, its name ("glorot_uniform", "he_normal", ...), or
            its config dict; or one of unifiedinit's Keras initializers.

    Returns:
        The spec of the same law (``spec.to_keras()`` draws it again in Keras).

    Raises:
        ValueError: ``input_axes``/``output_axes`` given, one of ours with a layout other than "keras" (its fans
            would be lost), a subclass with its own ``__call__`` (its law is its own), an initializer with no spec
            (``STFT``), or anything that is not a Keras initializer.

    Examples:
        >>> import keras
        >>> import unifiedinit as ui
        >>> ui.from_keras(keras.initializers.HeNormal(seed=3))
        VarianceScaling(scale=2.0, mode='fan_in', distribution='truncated_normal')
        >>> ui.from_keras("glorot_uniform")
        VarianceScaling(scale=1.0, mode='fan_avg', distribution='uniform')
    """
    import inspect

    import keras

    from .backends.keras import initializers as KI
    if isinstance(initializer, (str, dict)):
        # keras.initializers.get's parameter is unannotated in Keras
        initializer = keras.initializers.get(initializer)  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    elif inspect.isclass(initializer):
        initializer = initializer()
    K = keras.initializers
    if isinstance(initializer, K.VarianceScaling):  # the drop-ins too
        for name in ("input_axes", "output_axes"):
            if getattr(initializer, name, None) is not None:
                raise _refuse(f"from_keras({type(initializer).__name__})", name, getattr(initializer, name),
                              "the fans come from these axes of the tensor and a spec holds no axes; give them as a "
                              "layout: spec.to_keras(layout=unifiedinit.Layout(name, out_axes, in_axes))")
    spec = _ours(initializer, "from_keras", "keras")
    if spec is not None:
        return spec
    rules: tuple[tuple[Any, Callable[[Any], S.Spec]], ...] = (
            (K.VarianceScaling, lambda i: KI._variance_scaling(i.scale, i.mode, i.distribution)),
            (K.RandomUniform, lambda i: KI._uniform(i.minval, i.maxval)),
            (K.RandomNormal, lambda i: KI._location_scale(S.Normal, i.mean, i.stddev)),
            (K.TruncatedNormal, lambda i: KI._location_scale(S.TruncatedNormal, i.mean, i.stddev)),
            (K.Orthogonal, lambda i: KI._orthogonal(i.gain)),
            (K.Identity, lambda i: S.Eye(KI._number(i.gain))),
            (K.Constant, lambda i: S.Constant(KI._number(i.value))),
            (K.Zeros, lambda i: S.Zeros()), (K.Ones, lambda i: S.Ones()))
    for keras_class, rule in rules:
        if isinstance(initializer, keras_class):
            own = next(c for c in type(initializer).__mro__ if "__call__" in vars(c))
            if own.__module__.startswith("keras."):
                for name in _KERAS_NUMBERS:
                    _float_held(keras_class.__name__, name, getattr(initializer, name, None))
                return rule(initializer)
            raise ValueError(f"from_keras: parameter 'initializer' is a {type(initializer).__name__}, a subclass of "
                             f"Keras's {keras_class.__name__} with its own __call__ ({own.__qualname__}); its law is "
                             f"its own, and has no unifiedinit equivalent")
    if isinstance(initializer, K.STFT):
        raise _refuse("from_keras", "initializer", initializer, "STFT's Fourier kernels are not one of the specs")
    raise ValueError(f"from_keras: parameter 'initializer' must be a keras.initializers instance, a name or a config, "
                     f"got {initializer!r}")


# -------------------------------------------------------------------------------------------------------- JAX

#: jax.nn.initializers' factories: the names from_jax takes, each the function that defines the initializer
_JAX_FACTORIES = ("constant", "uniform", "normal", "truncated_normal", "variance_scaling", "glorot_uniform",
                  "glorot_normal", "xavier_uniform", "xavier_normal", "lecun_uniform", "lecun_normal", "he_uniform",
                  "he_normal", "kaiming_uniform", "kaiming_normal", "orthogonal", "delta_orthogonal")


def from_jax(initializer: Any, **kwargs: Any) -> S.Spec:
    """The spec of a ``jax.nn.initializers`` initializer (Flax's ``nn.initializers`` are the same functions).

    ``initializer`` is what a factory returns (``variance_scaling(2.0, "fan_in", "truncated_normal")``, a closure:
    its defining function and closure values are read), ``zeros`` or ``ones``, a factory itself, or a factory's
    name; ``kwargs`` are the factory's arguments (``from_jax("orthogonal", scale=2.0)``). Non-default axes
    (``in_axis``, ``out_axis``, ``batch_axis``, ``column_axis``) and complex dtypes are refused; the defaults may
    be written as JAX reads them, one axis or a sequence (``in_axis=(-2,)`` is ``in_axis=-2``).

    Args:
        initializer: an initializer a ``jax.nn.initializers`` factory made, ``jax.nn.initializers.zeros`` or
            ``ones``, a factory itself, the name of one ("he_normal", "variance_scaling", "orthogonal", ...,
            "zeros", "ones"), or one of ``unifiedinit.backends.flax.initializers``.
        **kwargs: the factory's arguments, when ``initializer`` is a factory or its name.

    Returns:
        The spec of the same law (``spec.to_flax()`` draws it again in JAX).

    Raises:
        TypeError: keyword arguments with an initializer (rather than its factory), arguments the factory does
            not take, or an axis that is neither an integer nor a sequence of them.
        ValueError: a name that is no factory, non-default axes (ours too: ``spec.to_flax(in_axis=0)``, or a layout
            other than "flax"), a complex dtype, values the spec refuses, or an initializer that no
            ``jax.nn.initializers`` factory made.

    Examples:
        >>> import jax
        >>> import unifiedinit as ui
        >>> ui.from_jax(jax.nn.initializers.variance_scaling(2.0, "fan_in", "truncated_normal"))
        VarianceScaling(scale=2.0, mode='fan_in', distribution='truncated_normal')
        >>> ui.from_jax("orthogonal", scale=2.0)
        Orthogonal(gain=2.0)
    """
    import inspect

    import jax
    import jax.numpy as jnp
    J = jax.nn.initializers
    owner = "from_jax"
    if isinstance(initializer, str):
        if initializer in ("zeros", "ones"):
            if kwargs:
                raise TypeError(f"{owner}: jax.nn.initializers.{initializer} takes no arguments, got "
                                f"{', '.join(kwargs)}")
            return S.Zeros() if initializer == "zeros" else S.Ones()
        if initializer not in _JAX_FACTORIES:
            raise ValueError(f"{owner}: parameter 'initializer' = {initializer!r} is not a jax.nn.initializers "
                             f"factory; allowed: 'zeros', 'ones', {', '.join(map(repr, _JAX_FACTORIES))}")
        initializer = getattr(J, initializer)(**kwargs)
    elif any(initializer is getattr(J, name, None) for name in _JAX_FACTORIES):
        initializer = initializer(**kwargs)  # the factory itself: its initializer, with these arguments
    elif kwargs:
        raise TypeError(f"{owner}: keyword arguments are a factory's ({', '.join(kwargs)}); give the factory or its "
                        f"name, not an initializer it made")
    if getattr(initializer, "__module__", "") == "unifiedinit.backends.flax.initializers":
        return _jax_drop_in(initializer)
    spec = _ours(initializer, owner, "flax")
    if spec is not None:
        return spec
    if initializer is J.zeros:
        return S.Zeros()
    if initializer is J.ones:
        return S.Ones()
    code = getattr(initializer, "__code__", None)
    if code is None or not getattr(initializer, "__module__", "").startswith("jax.") or \
            ".<locals>." not in initializer.__qualname__:
        raise ValueError(f"{owner}: parameter 'initializer' must be a jax.nn.initializers initializer (or a factory's "
                         f"name), got {initializer!r}")
    factory = initializer.__qualname__.split(".<locals>.")[0]
    cells = dict(zip(code.co_freevars, (c.cell_contents for c in initializer.__closure__ or ())))
    dtype = inspect.signature(initializer).parameters.get("dtype")
    if dtype is not None and dtype.default is not None and jnp.issubdtype(dtype.default, jnp.complexfloating):
        raise _refuse(f"{owner}({factory})", "dtype", dtype.default, "the specs draw real numbers")
    where = f"{owner}({factory})"
    if factory == "constant":
        return v.renamed(where, lambda: S.Constant(_jax_value(cells["value"])), {})
    if factory == "uniform":  # U[0, 1) x scale
        scale = _jax_value(cells["scale"])
        if _real(scale) and scale <= 0:
            return S.Zeros() if scale == 0 else S.Uniform(scale, 0.0)
        return v.renamed(where, lambda: S.Uniform(0.0, scale), {"high": "scale"})
    if factory == "normal":  # N(0, 1) x stddev
        stddev = _jax_value(cells["stddev"])
        if _real(stddev) and stddev <= 0:
            return S.Zeros() if stddev == 0 else S.Normal(0.0, -stddev)
        return v.renamed(where, lambda: S.Normal(0.0, stddev), {"std": "stddev"})
    if factory == "truncated_normal":  # N(0, 1) cut to [lower, upper], x stddev
        stddev, lower, upper = (_jax_value(cells[n]) for n in ("stddev", "lower", "upper"))
        if _real(stddev) and stddev == 0:
            return S.Zeros()
        if _real(stddev) and _real(lower) and _real(upper):
            if not lower < upper:
                raise ValueError(f"{where}: parameters 'lower' and 'upper' must satisfy lower < upper, got "
                                 f"lower={lower!r}, upper={upper!r}")
            s = abs(stddev)
            low, high = (lower * s, upper * s) if stddev > 0 else (-upper * s, -lower * s)
            return v.renamed(where, lambda: S.TruncatedNormal(0.0, s, low, high), {"low": "lower", "high": "upper"})
        return v.renamed(where, lambda: S.TruncatedNormal(0.0, stddev, lower, upper),
                        {"std": "stddev", "low": "lower", "high": "upper"})
    if factory == "variance_scaling":
        from .layout import axes_of
        for name, default in _JAX_AXES.items():
            value = cells[name]
            if axes_of(where, name, value) != default:  # JAX reads -2, (-2,) and [-2] alike: one axis or a sequence
                raise _refuse(where, name, value, "the fans come from the axes and a spec holds none; give them to "
                                                  "the hook: spec.to_flax(in_axis=..., out_axis=..., batch_axis=...)")
        scale = _jax_value(cells["scale"])
        if _real(scale) and scale == 0:
            return S.Zeros()
        return v.renamed(where, lambda: S.VarianceScaling(scale, cells["mode"], cells["distribution"]), {})
    if factory in ("orthogonal", "delta_orthogonal"):
        if cells["column_axis"] != -1:
            raise _refuse(where, "column_axis", cells["column_axis"],
                          "the specs' orthogonal axis is the layout's output axis; use spec.to_flax(out_axis=...)")
        scale = _jax_value(cells["scale"])
        if factory == "orthogonal":
            return _scaled_orthogonal(where, scale, "scale")
        if not hasattr(S, "DeltaOrthogonal"):  # pragma: no cover - a spec catalog without it
            raise _refuse(where, "initializer", initializer, "this unifiedinit has no DeltaOrthogonal spec")
        if _real(scale) and scale <= 0:
            return S.Zeros() if scale == 0 else S.DeltaOrthogonal(-scale)
        return v.renamed(where, lambda: S.DeltaOrthogonal(scale), {"gain": "scale"})
    raise ValueError(f"{owner}: parameter 'initializer' is made by jax.nn.initializers.{factory}, which has no "
                     f"unifiedinit equivalent")


def _jax_drop_in(initializer: Any) -> S.Spec:
    """One of ``unifiedinit.backends.flax.initializers``' (JAX's names, specs underneath): the spec it carries, with
    the axes refused as for JAX's own."""
    name = getattr(initializer, "__name__", "")
    if name in ("zeros", "ones") and getattr(initializer, "spec", None) is None:
        return S.Zeros() if name == "zeros" else S.Ones()
    spec = getattr(initializer, "spec", None)
    where = "from_jax(unifiedinit.backends.flax.initializers)"
    if not isinstance(spec, S.Spec):
        raise _refuse(where, "initializer", initializer, "its law has no spec (an array-valued argument or a complex "
                                                         "value)")
    code, closure = getattr(initializer, "__code__", None), getattr(initializer, "__closure__", None) or ()
    cells = dict(zip(code.co_freevars, (c.cell_contents for c in closure))) if code is not None else {}
    if cells.get("column_axis", -1) != -1:
        raise _refuse(where, "column_axis", cells["column_axis"],
                      "the specs' orthogonal axis is the layout's output axis; use spec.to_flax(out_axis=...)")
    _default_layout(where, getattr(initializer, "layout", None), "flax")
    return spec


def _jax_value(x: Any) -> Any:
    """A closure value as a Python number (a 0-d array too) or nested lists (an array), for the spec to check."""
    if isinstance(x, (bool, numbers.Number, str)) or x is None:
        return x
    if hasattr(x, "shape"):
        import numpy as np
        a = np.asarray(x)
        return a.item() if a.ndim == 0 else a.tolist()
    return x


# ------------------------------------------------------------------------------------------------------ torch

#: torch.nn.init's initializers, by name (the deprecated names without "_" mean the same)
_TORCH = ("uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_", "dirac_", "xavier_uniform_",
          "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "sparse_")


def from_torch_fn(fn: Any, **kwargs: Any) -> S.Spec:
    """The spec of ``fn(tensor, **kwargs)`` for a ``torch.nn.init`` function (or unifiedinit's drop-in of it, or a
    ``functools.partial`` of one with keywords): ``from_torch_fn(nn.init.kaiming_uniform_, a=math.sqrt(5))``.

    Arguments are bound as torch binds them (an unknown keyword is a TypeError); a ``generator`` is refused (it is
    no part of a law: pass it to ``spec.to_torch(generator=...)``). Fans are torch's (``spec.to_torch()``).

    Args:
        fn: a ``torch.nn.init`` initializer (``uniform_``, ``normal_``, ``trunc_normal_``, ``constant_``, ``ones_``,
            ``zeros_``, ``eye_``, ``dirac_``, ``xavier_uniform_``, ``xavier_normal_``, ``kaiming_uniform_``,
            ``kaiming_normal_``, ``orthogonal_``, ``sparse_``, or a deprecated name without "_"), unifiedinit's
            drop-in of one, or a ``functools.partial`` of one with keyword arguments.
        **kwargs: the arguments ``fn`` would take after the tensor.

    Returns:
        The spec of the same law.

    Raises:
        TypeError: an argument ``fn`` does not take, or arguments given with one of unifiedinit's own hooks.
        ValueError: ``fn`` is not one of those initializers, a partial with positional arguments, a
            ``generator``, one of ours with a layout other than "torch" (its fans would be lost), or values the spec
            refuses (named as torch names them).

    Examples:
        >>> import math
        >>> import torch
        >>> import unifiedinit as ui
        >>> ui.from_torch_fn(torch.nn.init.kaiming_uniform_, a=math.sqrt(5))  # torch's default Linear weight
        KaimingUniform(a=2.23606797749979, mode='fan_in', nonlinearity='leaky_relu')
        >>> ui.from_torch_fn(torch.nn.init.normal_, std=0.02)
        Normal(mean=0.0, std=0.02)
    """
    import functools
    import inspect

    import torch
    spec = _ours(fn, "from_torch_fn", "torch")
    if spec is not None:
        if kwargs:
            raise TypeError(f"from_torch_fn: {fn!r} takes no keyword arguments here, got {', '.join(kwargs)}")
        return spec
    if isinstance(fn, functools.partial):
        if fn.args:
            raise ValueError(f"from_torch_fn: parameter 'fn' is a partial with positional arguments {fn.args!r}; "
                             f"give the arguments as keywords")
        kwargs = {**fn.keywords, **kwargs}
        fn = fn.func
    name = getattr(fn, "__name__", "")
    module = getattr(fn, "__module__", "")
    own = module == "unifiedinit.backends.torch.nn_init" and (name in _TORCH or name + "_" in _TORCH)
    if not own and not (getattr(torch.nn.init, name, None) is fn and (name in _TORCH or name + "_" in _TORCH)):
        raise ValueError(f"from_torch_fn: parameter 'fn' must be a torch.nn.init initializer "
                         f"({', '.join(_TORCH)}), got {fn!r}")
    if name not in _TORCH:  # a deprecated alias: the function it forwards to
        name = name + "_"
        fn = getattr(torch.nn.init, name)
    try:
        bound = inspect.signature(fn).bind(None, **kwargs)
    except TypeError as err:
        raise TypeError(f"from_torch_fn({name}): {err}") from None
    bound.apply_defaults()
    args = dict(bound.arguments)
    args.pop(next(iter(inspect.signature(fn).parameters)))  # the tensor
    where = f"from_torch_fn({name})"
    if args.pop("generator", None) is not None:
        raise _refuse(where, "generator", kwargs.get("generator"), "a generator is no part of a law; pass it to "
                                                                   "spec.to_torch(generator=...)")
    return _torch_spec(name, where, args)


def _torch_spec(name: str, where: str, args: dict[str, Any]) -> S.Spec:
    a = args
    if name == "uniform_":
        if _real(a["a"]) and _real(a["b"]):
            if a["a"] == a["b"]:
                return S.Constant(a["a"])
            if a["a"] > a["b"]:
                raise ValueError(f"{where}: parameters 'a' and 'b' must satisfy a <= b, got a={a['a']!r}, "
                                 f"b={a['b']!r}")
        return v.renamed(where, lambda: S.Uniform(a["a"], a["b"]), {"low": "a", "high": "b"})
    if name == "normal_":
        if _real(a["std"]) and a["std"] == 0:
            return S.Constant(a["mean"])
        return v.renamed(where, lambda: S.Normal(a["mean"], a["std"]), {})
    if name == "trunc_normal_":
        if all(isinstance(a[n], float) or _real(a[n]) for n in ("mean", "std", "a", "b")) and a["std"] > 0:
            # what torch's function draws, as our drop-in reads it (a == b fills a; an infinite bound)
            from .backends.torch.nn_init import trunc_normal_spec
            return trunc_normal_spec(where, float(a["mean"]), float(a["std"]), float(a["a"]), float(a["b"]),
                                     cut=False)
        return v.renamed(where, lambda: S.TruncatedNormal(a["mean"], a["std"], a["a"], a["b"]),
                        {"low": "a", "high": "b"})
    if name == "constant_":
        return v.renamed(where, lambda: S.Constant(a["val"]), {"value": "val"})
    if name in ("ones_", "zeros_", "eye_"):
        return {"ones_": S.Ones, "zeros_": S.Zeros, "eye_": S.Eye}[name]()
    if name == "dirac_":
        return v.renamed(where, lambda: S.Dirac(a["groups"]), {})
    if name in ("xavier_uniform_", "xavier_normal_"):
        if _real(a["gain"]) and a["gain"] == 0:  # U(0, 0) or N(0, 0): zeros
            return S.Zeros()
        xavier: Any = S.XavierUniform if name == "xavier_uniform_" else S.XavierNormal
        return v.renamed(where, lambda: xavier(a["gain"]), {})
    if name in ("kaiming_uniform_", "kaiming_normal_"):
        kaiming: Any = S.KaimingUniform if name == "kaiming_uniform_" else S.KaimingNormal
        return v.renamed(where, lambda: kaiming(a["a"], a["mode"], a["nonlinearity"]), {})
    if name == "orthogonal_":
        return _scaled_orthogonal(where, a["gain"], "gain")
    if name == "sparse_":
        if _real(a["std"]) and a["std"] == 0 or _real(a["sparsity"]) and a["sparsity"] == 1:
            return S.Zeros()  # torch zeroes ceil(sparsity * rows) rows of each column: every one at sparsity 1
        return v.renamed(where, lambda: S.Sparse(a["sparsity"], a["std"]), {})
    raise AssertionError(name)  # pragma: no cover - _TORCH lists every name above


# ----------------------------------------------------------------------------------------------------- MXNet

#: the attributes MXNet 1.9's ``_init_weight`` reads, by the class that defines it (MSRAPrelu draws with Xavier's
#: ``_init_weight`` from the ``magnitude`` its ``__init__`` computes from ``slope``, which only ``dumps()`` keeps)
_MXNET_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "constant": ("value",), "uniform": ("scale",), "normal": ("sigma",),
    "xavier": ("rnd_type", "factor_type", "magnitude"), "orthogonal": ("rand_type",)}


#: the keywords of unifiedinit's MXNet ``SpecInitializer``, as its ``dumps()`` writes them
SPEC_INITIALIZER_KEYWORDS = ("spec", "layout", "portable")

#: MXNet 1.9's initializers that ``from_mxnet`` converts, by the names ``mx.init.create`` knows them by: their class
#: and the keywords its ``__init__`` takes (what its ``dumps()`` writes), so that a string with another keyword is
#: refused as ``mx.init.create`` refuses it, rather than read with the keyword dropped (a misspelt ``sigam``)
_MXNET_KEYWORDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "zero": ("Zero", ()), "zeros": ("Zero", ()), "one": ("One", ()), "ones": ("One", ()),
    "constant": ("Constant", ("value",)), "uniform": ("Uniform", ("scale",)), "normal": ("Normal", ("sigma",)),
    "xavier": ("Xavier", ("rnd_type", "factor_type", "magnitude")),
    "msraprelu": ("MSRAPrelu", ("factor_type", "slope")), "bilinear": ("Bilinear", ())}


def refuse_unknown_keywords(owner: str, kw: dict[str, Any]) -> None:
    """Refuse a keyword that the MXNet ``SpecInitializer`` does not take (a misspelt ``layuot`` in a ``dumps()``
    string, which would otherwise be dropped or fail unnamed), naming it and those it takes."""
    v.keywords(owner, "SpecInitializer", kw, SPEC_INITIALIZER_KEYWORDS, "its dumps()")


def _mxnet_keywords(owner: str, name: str, kw: dict[str, Any]) -> None:
    """Refuse a keyword of a ``dumps()`` string that MXNet's initializer ``name`` does not take, as
    ``mx.init.create`` refuses it: read with it dropped, ``'["normal", {"sigam": 0.5}]'`` would be Normal(0, 0.01)."""
    mxnet_class, taken = _MXNET_KEYWORDS.get(name, ("", None))
    if taken is None:  # ours, or one that no spec draws: refused or checked below
        return
    if kw and not taken:  # _validate.keywords would list no keyword as "allowed: "
        raise ValueError(f"{owner}: parameter {v.shown(min(kw, key=str))} is not a {mxnet_class} keyword; MXNet's "
                         f"{mxnet_class} takes none (its dumps() writes {{}})")
    v.keywords(owner, mxnet_class, kw, taken, "MXNet's dumps()")


def _mxnet_object(initializer: Any) -> S.Spec | tuple[str, str, dict[str, Any]]:
    """An ``mx.init.Initializer`` object as (its MXNet class's name, the name of the class whose ``_init_weight`` it
    draws with, the attributes that ``_init_weight`` reads), or the spec of a subclass of unifiedinit's own that
    changes nothing. Refuses a subclass (or an object) with its own way of filling a tensor."""
    import numpy as np

    from .backends.mxnet import SpecInitializer, mx
    obj: object = initializer  # mx comes from the NumPy 2 import step: isinstance would make it unknown
    if not isinstance(initializer, mx.init.Initializer):
        raise ValueError(f"from_mxnet: parameter 'initializer' must be an mx.init.Initializer (or its dumps()), got "
                         f"{initializer!r} (Mixed and Load pick other initializers by name: convert those)")
    cls = type(obj)
    mxnet_class = next(c for c in cls.__mro__ if c.__module__ == "mxnet.initializer")
    # __call__ picks the _init_* method by the parameter's name (_legacy_init for a plain string name)
    names: list[str] = [*dir(cls), *vars(obj)]
    methods = {m for m in names if m in ("__call__", "_legacy_init") or m.startswith("_init_")}
    for method in sorted(methods, key=lambda m: (m != "_init_weight", m)):
        if method in vars(obj):
            own = f"set on the object as {method}"
        else:
            owner = next(c for c in cls.__mro__ if method in vars(c))
            if owner.__module__ == "mxnet.initializer" or owner is SpecInitializer:
                continue
            own = f"{method} ({owner.__module__}.{owner.__qualname__})"
        raise ValueError(f"from_mxnet: parameter 'initializer' is a {cls.__name__}, a subclass of MXNet's "
                         f"{mxnet_class.__name__} with its own {own}; its law is its own, and has no unifiedinit "
                         f"equivalent")
    if isinstance(obj, SpecInitializer):  # a subclass of ours that changes nothing
        spec = getattr(obj, "spec", None)
        if not isinstance(spec, S.Spec):
            raise ValueError(f"from_mxnet: parameter 'initializer' is a {cls.__name__}, a subclass of unifiedinit's "
                             f"SpecInitializer, whose 'spec' is not a spec: {spec!r}")
        _default_layout(f"from_mxnet({cls.__name__})", getattr(obj, "layout", None), "mxnet")
        return spec
    label = mxnet_class.__name__.lower()
    law = next(c for c in cls.__mro__ if "_init_weight" in vars(c)).__name__.lower()
    kw: dict[str, Any] = {}
    for name in _MXNET_ATTRIBUTES.get(law, ()):
        if not hasattr(obj, name):
            raise ValueError(f"from_mxnet({label}): parameter 'initializer' has no attribute {name!r}, which MXNet's "
                             f"_init_weight reads")
        value: Any = getattr(obj, name)
        asnumpy: Any = getattr(value, "asnumpy", None)
        if asnumpy is not None:  # an NDArray (Constant's value): its values, as dumps() writes them
            value = asnumpy()
        read: Any = value  # a copy that the isinstance below leaves Any to the type checker
        if isinstance(value, (np.generic, np.ndarray)):  # NumPy scalars (and arrays) as their Python values
            read = np.asarray(read).tolist()
        kw[name] = read
    return label, law, kw


def from_mxnet(initializer: Any) -> S.Spec:
    """The spec of an ``mx.init.Initializer`` for the weights it initializes (MXNet's name rules give biases zeros
    and norm scales ones whatever the initializer). An object is read from the attributes MXNet's ``_init_weight``
    reads when it draws (``Xavier.magnitude``, ``Normal.sigma``..., so a changed attribute counts and a NumPy scalar
    is taken as its value); a ``dumps()`` JSON string is read as written. A subclass that overrides none of the
    methods through which MXNet fills a tensor (``_init_weight``, ``_init_bias``, ``__call__``...) converts as its
    MXNet class; one that overrides any has a law of its own, and is refused. ``Orthogonal`` is refused: MXNet takes
    the singular vectors of a uniform or normal matrix, whose law is not Haar (LAPACK fixes their signs), and no spec
    draws it; ``LSTMBias``, ``FusedRNN``, ``Mixed`` and ``Load`` describe no single law.

    Args:
        initializer: an ``mx.init.Initializer`` (``Zero``, ``One``, ``Constant``, ``Uniform``, ``Normal``, ``Xavier``,
            ``MSRAPrelu``, ``Bilinear``, a subclass of one that overrides none of their methods, or unifiedinit's
            ``spec.to_mxnet()``), or the JSON string its ``dumps()`` writes.

    Returns:
        The spec of the same law.

    Raises:
        ValueError: a string that is not a ``dumps()`` string or holds a keyword its MXNet initializer does not
            take (``mx.init.create`` refuses it: ``'["normal", {"sigam": 0.5}]'``), an object that is not an
            ``mx.init.Initializer``, a subclass with its own ``_init_weight``, ``__call__``... (its law is its
            own), an initializer with no single law (``Orthogonal``, ``LSTMBias``, ``Mixed``...), values the spec
            refuses (each named), or one of ours (or its ``dumps()``) with a layout other than "mxnet" (its fans
            would be lost) or a keyword its ``dumps()`` does not write.

    Examples:
        >>> import unifiedinit as ui
        >>> from unifiedinit.backends.mxnet import mx  # MXNet 1.9, importable under NumPy 2 too
        >>> ui.from_mxnet(mx.init.Xavier(factor_type="in", magnitude=2))
        VarianceScaling(scale=0.6666666666666666, mode='fan_in', distribution='uniform')
        >>> ui.from_mxnet('["normal", {"sigma": 0.02}]')  # a dumps() string: no MXNet needed
        Normal(mean=0.0, std=0.02)
    """
    import json
    owner = "from_mxnet"
    if isinstance(initializer, str):
        try:
            name, kw = json.loads(initializer)
        except (ValueError, TypeError):
            raise ValueError(f"{owner}: parameter 'initializer' is a string but not an mx.init dumps() string: "
                             f"{initializer!r}") from None
        read: Any = kw  # checked on a copy, so that kw's values stay Any to the type checker
        if not isinstance(name, str) or not isinstance(read, dict):  # dumps() writes [name, {keyword: value}]
            raise ValueError(f"{owner}: parameter 'initializer' is not an mx.init dumps() string: expected "
                             f"[name, {{keyword: value}}], got {v.shown(initializer)}")
        name = label = name.lower()
        _mxnet_keywords(f"{owner}({label})", name, kw)
    else:
        spec = _ours(initializer, owner, "mxnet")
        if spec is not None:
            return spec
        found = _mxnet_object(initializer)
        if isinstance(found, S.Spec):
            return found
        label, name, kw = found
    where = f"{owner}({label})"
    required = {"constant": "value", "specinitializer": "spec", "unifiedinit": "spec"}.get(name)
    if required is not None and required not in kw:  # a string's (an object's are its attributes)
        raise ValueError(f"{where}: parameter 'initializer' is a dumps() string without the keyword {required!r}: "
                         f"{v.shown(initializer)}")
    if name in ("zero", "zeros"):
        return S.Zeros()
    if name in ("one", "ones"):
        return S.Ones()
    if name == "constant":
        return v.renamed(where, lambda: S.Constant(kw["value"]), {})
    if name == "uniform":
        scale = kw.get("scale", 0.07)
        checked: Any = scale  # a copy for the isinstance, so that scale stays Any to the type checkers
        if not isinstance(checked, numbers.Real) or isinstance(checked, bool):  # before -scale, which fails unnamed
            raise TypeError(f"{where}: parameter 'scale' must be a real number (U[-scale, scale]), got "
                            f"{v.shown(scale)} of type {type(scale).__name__}")
        v.real(where, "scale", scale)  # scale itself: U(-inf, inf) would be refused naming -inf, as its 'low'
        if scale <= 0:
            if scale == 0:
                return S.Zeros()
            raise ValueError(f"{where}: parameter 'scale' must be >= 0 (U[-scale, scale]), got {scale!r}")
        return v.renamed(where, lambda: S.Uniform(-scale, scale), {"high": "scale", "low": "scale"})
    if name == "normal":
        sigma = kw.get("sigma", 0.01)
        if _real(sigma) and sigma == 0:
            return S.Zeros()
        return v.renamed(where, lambda: S.Normal(0.0, sigma), {"std": "sigma"})
    if name in ("xavier", "msraprelu"):
        factor_type = kw.get("factor_type", "avg")
        modes = {"avg": "fan_avg", "in": "fan_in", "out": "fan_out"}
        if factor_type not in modes:
            raise ValueError(f"{where}: parameter 'factor_type' must be one of 'avg', 'in', 'out'; got {factor_type!r}")
        if name == "msraprelu":
            slope = kw.get("slope", 0.25)
            if not _real(slope):
                raise ValueError(f"{where}: parameter 'slope' must be a finite number, got {v.shown(slope)}")
            if abs(slope) > 1e154:  # MXNet's 2 / (1 + slope ** 2): the square past float64's range
                raise ValueError(f"{where}: parameter 'slope' must satisfy |slope| <= 1e154 (MXNet's magnitude "
                                 f"2 / (1 + slope ** 2) squares it), got {v.shown(slope)}")
            rnd_type, magnitude = "gaussian", 2.0 / (1 + slope ** 2)
        else:
            rnd_type, magnitude = kw.get("rnd_type", "uniform"), kw.get("magnitude", 3)
        if rnd_type not in ("uniform", "gaussian"):
            raise ValueError(f"{where}: parameter 'rnd_type' must be 'uniform' or 'gaussian'; got {rnd_type!r}")
        if _real(magnitude) and magnitude <= 0:
            if magnitude == 0:
                return S.Zeros()
            raise ValueError(f"{where}: parameter 'magnitude' must be >= 0, got {magnitude!r}")
        # uniform: U[-c, c], c = sqrt(magnitude / factor): var = magnitude / (3 factor); gaussian: N(0, c^2)
        scale = magnitude / 3.0 if rnd_type == "uniform" and _real(magnitude) else magnitude
        return v.renamed(where, lambda: S.VarianceScaling(scale, modes[factor_type],
                                                         "uniform" if rnd_type == "uniform" else "normal"),
                        {"scale": "magnitude"})
    if name == "bilinear" and hasattr(S, "Bilinear"):
        return S.Bilinear()
    if name in ("specinitializer", "unifiedinit"):
        from .serialize import from_dict
        from .portable import portable_option
        refuse_unknown_keywords(where, kw)
        layout = kw.get("layout")
        if layout is not None and not isinstance(layout, str):
            raise TypeError(f"{where}: parameter 'layout' must be a layout name (a string, as dumps() writes it), "
                            f"got {v.shown(layout)}")  # SpecInitializer's own TypeError, owned
        try:
            _default_layout(where, layout, "mxnet")
            portable_option(kw.get("portable"))  # checked as mx.init.create checks it: the law is the same
        except (TypeError, ValueError) as err:
            raise type(err)(f"{where}: {str(err).removeprefix(where + ': ').removeprefix('Portable: ')}") from None
        return from_dict(kw["spec"])
    if name == "orthogonal":
        raise _refuse(where, "rand_type", kw.get("rand_type", "uniform"),
                      "MXNet's Orthogonal takes the singular vectors of a random matrix, whose law is not Haar "
                      "(LAPACK's SVD fixes their signs, and a uniform matrix's are not rotation invariant); "
                      "unifiedinit.Orthogonal(scale) is the Haar law")
    raise _refuse(owner, "initializer", initializer if not isinstance(initializer, str) else name,
                  f"MXNet's {name!r} initializer is not one law for a tensor")
