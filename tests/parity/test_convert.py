"""Converters: a framework's initializer -> the spec (``ui.from_keras``, ``from_jax``, ``from_torch_fn``,
``from_mxnet``), checked on every initializer of each framework against the framework's own, in the same run:
the spec, sampled natively in that framework (``spec.to_keras()`` / ``to_flax()`` / ``to_torch()`` /
``to_mxnet()``), follows the same law (two-sample KS at 1e-6), and determined ones give equal values. What has no
spec is refused with a ValueError naming the argument.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import subprocess
import sys
import warnings
from typing import Any

import numpy as np
import pytest

import unifiedinit as ui
from conftest import needs
from parity.common import ALPHA, same_law

SHAPE = (40, 60)
CONV_TORCH = (16, 8, 3, 3)   # (out, in, kh, kw): torch and MXNet
CONV_LAST = (3, 3, 8, 16)    # (kh, kw, in, out): Keras and JAX


def law_or_values(ours, theirs, spec, shape, layout, where):
    """Equal values where the spec is determined on this shape, the same law otherwise."""
    ours, theirs = np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
    assert ours.shape == theirs.shape == tuple(shape), where
    if ui.lower(spec, shape, layout).deterministic:
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7, err_msg=where)
    else:
        same_law(ours, theirs, where)


# ------------------------------------------------------------------------------------------------------- Keras

def keras_cases():
    VS = ui.VarianceScaling
    return [
        ("Zeros", {}, ui.Zeros()), ("Ones", {}, ui.Ones()), ("Constant", {"value": 0.3}, ui.Constant(0.3)),
        ("Identity", {"gain": 2.0}, ui.Eye(2.0)), ("RandomUniform", {"minval": -1.0, "maxval": 2.0}, ui.Uniform(-1, 2)),
        ("RandomUniform", {"minval": 0.5, "maxval": 0.5}, ui.Constant(0.5)),
        ("RandomNormal", {"mean": 0.1, "stddev": 0.5}, ui.Normal(0.1, 0.5)),
        ("RandomNormal", {"mean": 0.1, "stddev": 0.0}, ui.Constant(0.1)),
        ("TruncatedNormal", {"mean": 0.1, "stddev": 0.5}, ui.TruncatedNormal(0.1, 0.5, 0.1 - 1.0, 0.1 + 1.0)),
        ("TruncatedNormal", {}, ui.TruncatedNormal(0.0, 0.05, -0.1, 0.1)),
        ("RandomUniform", {}, ui.Uniform(-0.05, 0.05)), ("RandomNormal", {}, ui.Normal(0.0, 0.05)),
        ("GlorotUniform", {}, VS(1.0, "fan_avg", "uniform")), ("GlorotNormal", {}, VS(1.0, "fan_avg")),
        ("HeUniform", {}, VS(2.0, "fan_in", "uniform")), ("HeNormal", {}, VS(2.0, "fan_in", "truncated_normal")),
        ("LecunUniform", {}, VS(1.0, "fan_in", "uniform")), ("LecunNormal", {}, VS(1.0, "fan_in")),
        ("Orthogonal", {"gain": 1.5}, ui.Orthogonal(1.5)), ("Orthogonal", {"gain": -2.0}, ui.Orthogonal(2.0)),
        ("Orthogonal", {"gain": 0.0}, ui.Zeros()), ("VarianceScaling", {}, VS()),
    ] + [("VarianceScaling", {"scale": 0.7, "mode": mode, "distribution": dist},
          VS(0.7, mode, {"normal": "truncated_normal", "untruncated_normal": "normal"}.get(dist, dist)))
         for mode in ("fan_in", "fan_out", "fan_avg")
         for dist in ("normal", "truncated_normal", "untruncated_normal", "uniform")]


@needs("keras")
@pytest.mark.parametrize("index", range(len(keras_cases())))
def test_from_keras_on_every_keras_initializer(index):
    import keras
    name, kwargs, expected = keras_cases()[index]
    cls = getattr(keras.initializers, name)
    theirs = cls(**kwargs, seed=3) if name not in ("Zeros", "Ones", "Constant", "Identity") else cls(**kwargs)
    spec = ui.from_keras(theirs)
    assert spec == expected, (name, kwargs, spec)
    shapes = [SHAPE] + ([CONV_LAST] if name not in ("Identity",) else [])
    for shape in shapes:
        ours = keras.ops.convert_to_numpy(spec.to_keras(seed=1)(shape))
        law_or_values(ours, keras.ops.convert_to_numpy(theirs(shape)), spec, shape, "keras",
                      f"from_keras({name}({kwargs})) = {spec!r} on {shape}")


@needs("keras")
def test_from_keras_takes_names_configs_classes_drop_ins_and_our_own():
    import keras
    from unifiedinit.backends.keras import initializers as O
    expected = ui.VarianceScaling(2.0, "fan_in", "truncated_normal")
    assert ui.from_keras(keras.initializers.HeNormal(seed=3)) == expected
    assert ui.from_keras("he_normal") == ui.from_keras(keras.initializers.HeNormal) == expected
    assert ui.from_keras(keras.initializers.serialize(keras.initializers.HeNormal(seed=1))) == expected
    assert ui.from_keras(O.HeNormal(seed=3)) == expected
    assert ui.from_keras(keras.initializers.HeNormal(seed=keras.random.SeedGenerator(1))) == expected
    assert ui.from_keras(ui.Mixture([ui.Zeros(), ui.Ones()], [0.5, 0.5]).to_keras()) == \
        ui.Mixture([ui.Zeros(), ui.Ones()], [0.5, 0.5])
    for name in ("Zeros", "Ones", "Identity", "RandomUniform", "RandomNormal", "TruncatedNormal", "VarianceScaling",
                 "Orthogonal", "GlorotNormal"):
        assert ui.from_keras(getattr(O, name)()) == ui.from_keras(getattr(keras.initializers, name)()), name


@needs("keras")
def test_from_keras_refuses_what_has_no_spec():
    import keras

    class Doubled(keras.initializers.RandomNormal):
        def __call__(self, shape, dtype=None):
            return 2 * super().__call__(shape, dtype)

    with pytest.raises(ValueError, match="input_axes"):
        ui.from_keras(keras.initializers.VarianceScaling(input_axes=[0], output_axes=[1, 2]))
    with pytest.raises(ValueError, match="initializer"):
        ui.from_keras(keras.initializers.STFT())
    with pytest.raises(ValueError, match="own __call__"):
        ui.from_keras(Doubled())
    with pytest.raises(ValueError, match="initializer"):
        ui.from_keras(lambda shape, dtype=None: keras.ops.zeros(shape))
    with pytest.raises(ValueError, match="minval"):
        ui.from_keras(keras.initializers.RandomUniform(1.0, 0.0))


# --------------------------------------------------------------------------------------------------------- JAX

def jax_cases():
    VS = ui.VarianceScaling
    return [
        ("zeros", {}, ui.Zeros()), ("ones", {}, ui.Ones()), ("constant", {"value": -0.7}, ui.Constant(-0.7)),
        ("uniform", {}, ui.Uniform(0.0, 0.01)), ("uniform", {"scale": 0.3}, ui.Uniform(0.0, 0.3)),
        ("uniform", {"scale": -0.3}, ui.Uniform(-0.3, 0.0)), ("uniform", {"scale": 0.0}, ui.Zeros()),
        ("normal", {}, ui.Normal(0.0, 0.01)), ("normal", {"stddev": 0.5}, ui.Normal(0.0, 0.5)),
        ("normal", {"stddev": -0.5}, ui.Normal(0.0, 0.5)),
        ("truncated_normal", {}, ui.TruncatedNormal(0.0, 0.01, -0.02, 0.02)),
        ("truncated_normal", {"stddev": 2.0, "lower": -1.0, "upper": 3.0}, ui.TruncatedNormal(0.0, 2.0, -2.0, 6.0)),
        ("truncated_normal", {"stddev": -2.0, "lower": -1.0, "upper": 3.0}, ui.TruncatedNormal(0.0, 2.0, -6.0, 2.0)),
        ("glorot_uniform", {}, VS(1.0, "fan_avg", "uniform")), ("xavier_uniform", {}, VS(1.0, "fan_avg", "uniform")),
        ("glorot_normal", {}, VS(1.0, "fan_avg")), ("xavier_normal", {}, VS(1.0, "fan_avg")),
        ("lecun_uniform", {}, VS(1.0, "fan_in", "uniform")), ("lecun_normal", {}, VS(1.0, "fan_in")),
        ("he_uniform", {}, VS(2.0, "fan_in", "uniform")), ("kaiming_uniform", {}, VS(2.0, "fan_in", "uniform")),
        ("he_normal", {}, VS(2.0, "fan_in")), ("kaiming_normal", {}, VS(2.0, "fan_in")),
        ("orthogonal", {}, ui.Orthogonal()), ("orthogonal", {"scale": 1.5}, ui.Orthogonal(1.5)),
        ("orthogonal", {"scale": -1.5}, ui.Orthogonal(1.5)),
        ("delta_orthogonal", {"scale": 2.0}, ui.DeltaOrthogonal(2.0)),
    ] + [("variance_scaling", {"scale": 0.7, "mode": mode, "distribution": dist}, VS(0.7, mode, dist))
         for mode in ("fan_in", "fan_out", "fan_avg", "fan_geo_avg") for dist in ("truncated_normal", "normal",
                                                                                  "uniform")]


@needs("jax")
@pytest.mark.parametrize("index", range(len(jax_cases())))
def test_from_jax_on_every_jax_initializer(index):
    import jax
    J = jax.nn.initializers
    name, kwargs, expected = jax_cases()[index]
    theirs = getattr(J, name) if name in ("zeros", "ones") else getattr(J, name)(**kwargs)
    spec = ui.from_jax(theirs)
    assert spec == expected, (name, kwargs, spec)
    assert ui.from_jax(name, **kwargs) == spec  # by the factory's name
    if name not in ("zeros", "ones"):
        assert ui.from_jax(getattr(J, name), **kwargs) == spec  # the factory itself
    shape = CONV_LAST  # a kernel, where fans count; one shape, and op by op: compiling would take most of the time
    with jax.disable_jit():
        ours, native = spec.to_flax()(jax.random.key(1), shape), theirs(jax.random.key(2), shape)
    law_or_values(ours, native, spec, shape, "flax", f"from_jax({name}({kwargs})) = {spec!r} on {shape}")


@needs("jax")
def test_from_jax_refuses_what_has_no_spec():
    import jax
    import jax.numpy as jnp
    J = jax.nn.initializers
    for bad, name in ((J.variance_scaling(1.0, "fan_in", "normal", in_axis=0), "in_axis"),
                      (J.variance_scaling(1.0, "fan_in", "normal", out_axis=-2, in_axis=-1), "in_axis"),
                      (J.variance_scaling(1.0, "fan_in", "normal", batch_axis=0), "batch_axis"),
                      (J.orthogonal(column_axis=0), "column_axis"), (J.normal(dtype=jnp.complex64), "dtype"),
                      (J.variance_scaling(-1.0, "fan_in", "normal"), "scale"),
                      # a mode and a distribution outside JAX's types (JAX builds them; from_jax refuses them)
                      (J.variance_scaling(1.0, "fan_sum", "normal"), "mode"),  # pyright: ignore[reportArgumentType]
                      (J.variance_scaling(1.0, "fan_in", "cauchy"),  # pyright: ignore[reportArgumentType]
                       "distribution"),
                      (J.truncated_normal(lower=1.0, upper=-1.0), "lower"),
                      (lambda key, shape, dtype=None: jnp.zeros(shape), "initializer")):
        with pytest.raises(ValueError, match=name):
            ui.from_jax(bad)
    with pytest.raises(ValueError, match="initializer"):
        ui.from_jax("no_such_initializer")
    with pytest.raises(TypeError):
        ui.from_jax(J.normal(0.5), stddev=1.0)  # keywords belong to a factory
    with pytest.raises(TypeError):
        ui.from_jax("zeros", value=1.0)
    spec = ui.KaimingUniform(a=1.0)
    assert ui.from_jax(spec.to_flax()) == spec


@needs("jax")
def test_from_jax_on_our_jax_drop_ins():
    F = pytest.importorskip("unifiedinit.backends.flax.initializers")
    for name, kwargs, expected in jax_cases():
        made = getattr(F, name) if name in ("zeros", "ones") else getattr(F, name)(**kwargs)
        assert ui.from_jax(made) == expected, (name, kwargs)
    for bad, name in ((F.variance_scaling(1.0, "fan_in", "normal", in_axis=0), "in_axis"),
                      (F.orthogonal(column_axis=0), "column_axis")):
        with pytest.raises(ValueError, match=name):
            ui.from_jax(bad)


# ------------------------------------------------------------------------------------------------------- torch

def torch_cases():
    return [
        ("uniform_", {}, ui.Uniform(0.0, 1.0)), ("uniform_", {"a": -2.0, "b": 3.0}, ui.Uniform(-2.0, 3.0)),
        ("uniform_", {"a": 1.0, "b": 1.0}, ui.Constant(1.0)),
        ("normal_", {}, ui.Normal()), ("normal_", {"mean": 0.5, "std": 2.0}, ui.Normal(0.5, 2.0)),
        ("normal_", {"mean": 0.5, "std": 0.0}, ui.Constant(0.5)),
        ("trunc_normal_", {}, ui.TruncatedNormal()),
        ("trunc_normal_", {"mean": 1.0, "std": 0.5, "a": 0.0, "b": 3.0}, ui.TruncatedNormal(1.0, 0.5, 0.0, 3.0)),
        ("constant_", {"val": 0.3}, ui.Constant(0.3)), ("ones_", {}, ui.Ones()), ("zeros_", {}, ui.Zeros()),
        ("eye_", {}, ui.Eye()), ("dirac_", {}, ui.Dirac()), ("dirac_", {"groups": 2}, ui.Dirac(2)),
        ("xavier_uniform_", {}, ui.XavierUniform()), ("xavier_uniform_", {"gain": 2.0}, ui.XavierUniform(2.0)),
        ("xavier_uniform_", {"gain": 0.0}, ui.Zeros()),
        ("xavier_normal_", {}, ui.XavierNormal()), ("xavier_normal_", {"gain": 0.5}, ui.XavierNormal(0.5)),
        ("kaiming_uniform_", {"a": math.sqrt(5)}, ui.KaimingUniform(a=math.sqrt(5))),
        ("kaiming_uniform_", {"mode": "fan_out", "nonlinearity": "relu"}, ui.KaimingUniform(0, "fan_out", "relu")),
        ("kaiming_normal_", {}, ui.KaimingNormal()),
        ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "tanh"}, ui.KaimingNormal(0, "fan_out", "tanh")),
        ("orthogonal_", {}, ui.Orthogonal()), ("orthogonal_", {"gain": 2.0}, ui.Orthogonal(2.0)),
        ("orthogonal_", {"gain": -1.0}, ui.Orthogonal(1.0)),
        ("sparse_", {"sparsity": 0.3, "std": 0.02}, ui.Sparse(0.3, 0.02)), ("sparse_", {"sparsity": 0.1},
                                                                            ui.Sparse(0.1)),
        ("sparse_", {"sparsity": 1.0, "std": 0.02}, ui.Zeros()),  # torch zeroes every row of each column
    ]


@needs("torch")
@pytest.mark.parametrize("index", range(len(torch_cases())))
def test_from_torch_fn_on_every_torch_initializer(index):
    import torch
    name, kwargs, expected = torch_cases()[index]
    fn = getattr(torch.nn.init, name)
    spec = ui.from_torch_fn(fn, **kwargs)
    assert spec == expected, (name, kwargs, spec)
    assert ui.from_torch_fn(functools.partial(fn, **kwargs)) == spec
    shapes = {"eye_": [SHAPE], "sparse_": [SHAPE], "dirac_": [CONV_TORCH]}.get(name, [SHAPE, CONV_TORCH])
    torch.manual_seed(0)
    for shape in shapes:
        ours, theirs = torch.empty(shape), torch.empty(shape)
        spec.to_torch()(ours)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn(theirs, **kwargs)
        law_or_values(ours.numpy(), theirs.numpy(), spec, shape, "torch",
                      f"from_torch_fn({name}, {kwargs}) = {spec!r} on {shape}")


@needs("torch")
def test_from_torch_fn_takes_deprecated_names_and_our_drop_ins():
    import torch
    from unifiedinit.backends.torch import nn_init
    assert ui.from_torch_fn(torch.nn.init.kaiming_uniform, a=1.0) == ui.KaimingUniform(a=1.0)
    assert ui.from_torch_fn(torch.nn.init.uniform, a=-1.0) == ui.Uniform(-1.0, 1.0)
    assert ui.from_torch_fn(nn_init.xavier_normal_, gain=3.0) == ui.XavierNormal(3.0)
    spec = ui.Normal(0.0, 0.02)
    assert ui.from_torch_fn(spec.to_torch()) == spec


@needs("torch")
def test_from_torch_fn_refuses_what_has_no_spec():
    import torch
    init = torch.nn.init
    for call, error, name in (
            (lambda: ui.from_torch_fn(init.uniform_, generator=torch.Generator()), ValueError, "generator"),
            (lambda: ui.from_torch_fn(init.uniform_, a=1.0, b=0.0), ValueError, "'a'"),
            (lambda: ui.from_torch_fn(init.normal_, std=-1.0), ValueError, "std"),
            (lambda: ui.from_torch_fn(init.kaiming_uniform_, mode="fan_avg"), ValueError, "mode"),
            (lambda: ui.from_torch_fn(init.kaiming_normal_, nonlinearity="swish"), ValueError, "nonlinearity"),
            (lambda: ui.from_torch_fn(init.constant_, val=float("nan")), ValueError, "val"),
            (lambda: ui.from_torch_fn(init.sparse_, sparsity=1.5), ValueError, "sparsity"),
            (lambda: ui.from_torch_fn(init.uniform_, c=1.0), TypeError, "c"),
            (lambda: ui.from_torch_fn(init.sparse_), TypeError, "sparsity"),
            (lambda: ui.from_torch_fn(init.calculate_gain), ValueError, "fn"),
            (lambda: ui.from_torch_fn(lambda t: t.zero_()), ValueError, "fn"),
            (lambda: ui.from_torch_fn(functools.partial(init.uniform_, torch.empty(2))), ValueError, "fn")):
        with pytest.raises(error, match=name):
            call()


# ------------------------------------------------------------------------------------------------------- MXNet

def mxnet_cases(mx):
    init, VS = mx.init, ui.VarianceScaling
    return [
        (init.Zero(), ui.Zeros()), (init.One(), ui.Ones()), (init.Constant(0.3), ui.Constant(0.3)),
        (init.Uniform(), ui.Uniform(-0.07, 0.07)), (init.Uniform(0.5), ui.Uniform(-0.5, 0.5)),
        (init.Normal(), ui.Normal(0.0, 0.01)), (init.Normal(2.0), ui.Normal(0.0, 2.0)),
        (init.Xavier(), VS(1.0, "fan_avg", "uniform")),
        (init.MSRAPrelu(), VS(2.0 / (1 + 0.25 ** 2), "fan_avg", "normal")),
        (init.MSRAPrelu("in", 0.0), VS(2.0, "fan_in", "normal")),
        (init.Bilinear(), ui.Bilinear()),
    ] + [(init.Xavier(rnd, factor, 2.5), VS(2.5 / 3 if rnd == "uniform" else 2.5, {"avg": "fan_avg", "in": "fan_in",
                                                                                 "out": "fan_out"}[factor],
                                                   "uniform" if rnd == "uniform" else "normal"))
         for rnd in ("uniform", "gaussian") for factor in ("avg", "in", "out")]


N_MXNET = 17


@needs("mxnet")
@pytest.mark.parametrize("index", range(N_MXNET))
def test_from_mxnet_on_every_mxnet_initializer(index):
    from unifiedinit.backends.mxnet import mx
    cases = mxnet_cases(mx)
    assert len(cases) == N_MXNET
    theirs, expected = cases[index]
    spec = ui.from_mxnet(theirs)
    assert spec == expected, (theirs.dumps(), spec)
    assert ui.from_mxnet(theirs.dumps()) == spec
    shapes = [(4, 4, 4, 4), (8, 3, 5, 6)] if isinstance(spec, ui.Bilinear) else [SHAPE, CONV_TORCH]
    mx.random.seed(0)
    for shape in shapes:
        ours, native = mx.nd.zeros(shape), mx.nd.zeros(shape)
        spec.to_mxnet()(mx.init.InitDesc("fc_weight"), ours)
        theirs(mx.init.InitDesc("fc_weight"), native)
        law_or_values(ours.asnumpy(), native.asnumpy(), spec, shape, "mxnet",
                      f"from_mxnet({theirs.dumps()}) = {spec!r} on {shape}")


def mxnet_orthogonal(rng, shape, rand_type):
    """MXNet 1.9.1's Orthogonal._init_weight, line for line in NumPy (its own hands a NumPy scalar to its C API,
    which NumPy 2 refuses)."""
    nout, nin = shape[0], int(np.prod(shape[1:]))
    tmp = rng.uniform(-1.0, 1.0, (nout, nin)) if rand_type == "uniform" else rng.normal(0.0, 1.0, (nout, nin))
    u, _, v = np.linalg.svd(tmp, full_matrices=False)
    return (u if u.shape == tmp.shape else v).reshape(shape)


@needs("mxnet")
@pytest.mark.parametrize("rand_type", ["uniform", "normal"])
def test_mxnet_orthogonal_is_refused_because_its_law_is_not_haar(rand_type):
    from unifiedinit.backends.mxnet import mx
    from unifiedinit.verify import stats
    with pytest.raises(ValueError, match="rand_type"):
        ui.from_mxnet(mx.init.Orthogonal(rand_type=rand_type))
    rng = np.random.default_rng(0)
    theirs = np.array([mxnet_orthogonal(rng, (3, 3), rand_type)[0, 0] for _ in range(3000)])
    ours = np.array([ui.sample(ui.Orthogonal(), (3, 3), layout="mxnet", seed=s)[0, 0] for s in range(3000)])
    assert stats.ks_2samp(ours, theirs)[1] < ALPHA  # LAPACK's signs: not the Haar law


@needs("mxnet")
def test_from_mxnet_refuses_what_has_no_spec():
    from unifiedinit.backends.mxnet import mx
    init = mx.init
    for bad, name in ((init.LSTMBias(), "initializer"), (init.Uniform(-1.0), "scale"), (init.Normal(-1.0), "sigma"),
                      (init.Xavier(factor_type="sum"), "factor_type"), (init.Xavier(rnd_type="cauchy"), "rnd_type"),
                      (init.Xavier(magnitude=-1), "magnitude"),
                      (init.Mixed([".*"], [init.Zero()]), "initializer"), ('["nonesuch", {}]', "initializer"),
                      ("not json", "initializer")):
        with pytest.raises(ValueError, match=name):
            ui.from_mxnet(bad)
    spec = ui.LecunNormal()
    assert ui.from_mxnet(spec.to_mxnet()) == spec == ui.from_mxnet(spec.to_mxnet().dumps())


def mxnet_same_law(mx, theirs, spec, where):
    """spec.to_mxnet() and the MXNet initializer itself, drawn in the same run: equal values or the same law (KS)."""
    mx.random.seed(0)
    for shape in (SHAPE, CONV_TORCH):
        ours, native = mx.nd.zeros(shape), mx.nd.zeros(shape)
        spec.to_mxnet()(mx.init.InitDesc("fc_weight"), ours)
        theirs(mx.init.InitDesc("fc_weight"), native)
        law_or_values(ours.asnumpy(), native.asnumpy(), spec, shape, "mxnet", f"{where} = {spec!r} on {shape}")


@needs("mxnet")
def test_from_mxnet_refuses_a_subclass_with_its_own_law():
    # the old from_mxnet read the class name from dumps(): a user's Normal was MXNet's Normal
    from unifiedinit.backends.mxnet import mx

    class Normal(mx.init.Normal):  # MXNet's name, its own weights
        def _init_weight(self, name, arr):
            arr[:] = 5.0

    class Xavier(mx.init.Xavier):  # MXNet's weights, its own biases
        def _init_bias(self, name, arr):
            arr[:] = 1.0

    class Picky(mx.init.Uniform):  # its own dispatch
        def __call__(self, desc, arr):
            arr[:] = 2.0

    native = mx.nd.zeros((4, 4))
    Normal(0.02)(mx.init.InitDesc("fc_weight"), native)
    np.testing.assert_array_equal(native.asnumpy(), 5.0)  # not N(0, 0.02)
    patched = mx.init.Normal(0.02)
    patched._init_weight = lambda name, arr: None
    for bad, method in ((Normal(0.02), "_init_weight"), (Xavier(), "_init_bias"), (Picky(), "__call__"),
                        (patched, "set on the object as _init_weight")):
        with pytest.raises(ValueError, match="its law is its own") as info:
            ui.from_mxnet(bad)
        assert f"from_mxnet: parameter 'initializer' is a {type(bad).__name__}" in str(info.value), str(info.value)
        assert method in str(info.value), str(info.value)


@needs("mxnet")
def test_from_mxnet_converts_a_subclass_that_overrides_nothing_as_its_parent():
    from unifiedinit.backends.mxnet import SpecInitializer, mx

    class Wide(mx.init.Xavier):  # its own defaults, MXNet's law
        def __init__(self):
            super().__init__("gaussian", "in", 2.0)

    class Plain(mx.init.Normal):
        pass

    class Ours(SpecInitializer):
        pass

    for theirs, expected in ((Wide(), ui.VarianceScaling(2.0, "fan_in", "normal")), (Plain(0.5), ui.Normal(0.0, 0.5)),
                             (Ours(ui.LecunNormal()), ui.LecunNormal())):
        spec = ui.from_mxnet(theirs)
        assert spec == expected, (type(theirs).__name__, spec)
        mxnet_same_law(mx, theirs, spec, f"from_mxnet({type(theirs).__name__})")


def mxnet_changed_cases(mx):
    """(initializer with attributes set after construction, the spec of its attributes, the spec of its dumps())."""
    init, VS = mx.init, ui.VarianceScaling
    xavier, uniform, normal, constant, msra = init.Xavier(), init.Uniform(), init.Normal(), init.Constant(0.3), \
        init.MSRAPrelu()
    xavier.magnitude, xavier.rnd_type, xavier.factor_type = 6.0, "gaussian", "out"
    uniform.scale, normal.sigma, constant.value = 0.5, 0.25, 1.5
    msra.magnitude, msra.factor_type = 1.0, "in"  # MSRAPrelu draws with Xavier's _init_weight: slope is not read
    return [(xavier, VS(6.0, "fan_out", "normal"), VS(1.0, "fan_avg", "uniform")),
            (uniform, ui.Uniform(-0.5, 0.5), ui.Uniform(-0.07, 0.07)),
            (normal, ui.Normal(0.0, 0.25), ui.Normal(0.0, 0.01)),
            (constant, ui.Constant(1.5), ui.Constant(0.3)),
            (msra, VS(1.0, "fan_in", "normal"), VS(2.0 / (1 + 0.25 ** 2), "fan_avg", "normal"))]


@needs("mxnet")
@pytest.mark.parametrize("index", range(5))
def test_from_mxnet_reads_the_attributes_mxnet_draws_with(index):
    # the old from_mxnet read the construction-time keywords of dumps(); MXNet's _init_weight reads the attributes
    from unifiedinit.backends.mxnet import mx
    theirs, expected, written = mxnet_changed_cases(mx)[index]
    spec = ui.from_mxnet(theirs)
    assert spec == expected, (type(theirs).__name__, spec)
    assert ui.from_mxnet(theirs.dumps()) == written  # a dumps() string is read as written
    mxnet_same_law(mx, theirs, spec, f"from_mxnet({type(theirs).__name__} with its attributes set)")


def mxnet_numpy_cases(mx):
    init, VS, f32 = mx.init, ui.VarianceScaling, np.float32
    msra = init.MSRAPrelu("out", f32(0.5))
    return [(init.Xavier(magnitude=f32(2)), VS(2.0 / 3, "fan_avg", "uniform")),
            (init.Xavier(np.str_("gaussian"), np.str_("in"), np.float64(2.5)), VS(2.5, "fan_in", "normal")),
            (init.Normal(f32(0.5)), ui.Normal(0.0, 0.5)), (init.Uniform(f32(0.25)), ui.Uniform(-0.25, 0.25)),
            (init.Constant(f32(2.5)), ui.Constant(2.5)),
            (msra, VS(float(msra.magnitude), "fan_out", "normal"))]  # 2 / (1 + slope ** 2) in NumPy's float32 rules


@needs("mxnet")
@pytest.mark.parametrize("index", range(6))
def test_from_mxnet_takes_numpy_scalars_as_their_values(index):
    # MXNet draws with these; the old from_mxnet raised json's "Object of type float32 is not JSON serializable"
    from unifiedinit.backends.mxnet import mx
    theirs, expected = mxnet_numpy_cases(mx)[index]
    spec = ui.from_mxnet(theirs)
    assert spec == expected and repr(spec) == repr(expected), (type(theirs).__name__, spec)  # Python values
    mxnet_same_law(mx, theirs, spec, f"from_mxnet({type(theirs).__name__} with NumPy scalars)")


@needs("mxnet")
def test_from_mxnet_names_a_numpy_argument_that_is_not_a_scalar():
    from unifiedinit.backends.mxnet import mx
    for bad, words in ((mx.init.Normal(np.array([0.1, 0.2])), "from_mxnet(normal): parameter 'sigma' must be a real"),
                       (mx.init.Uniform(np.array([0.1, 0.2])), "from_mxnet(uniform): parameter 'scale' must be a real "
                                                               "number (U[-scale, scale]), got [0.1, 0.2]")):
        with pytest.raises(TypeError) as info:
            ui.from_mxnet(bad)
        assert words in str(info.value), str(info.value)


@pytest.mark.parametrize("text,words", [
    ('["unifiedinit", {}]', "from_mxnet(unifiedinit): parameter 'initializer' is a dumps() string without the "
                            "keyword 'spec'"),
    ('["constant", {}]', "without the keyword 'value'"),
    ('["normal", 5]', "not an mx.init dumps() string: expected [name, {keyword: value}]"),
    ('["xavier", []]', "not an mx.init dumps() string"),
    ('[3, {}]', "not an mx.init dumps() string"),
])
def test_from_mxnet_names_a_malformed_dumps_string(text, words):
    # read without MXNet: these raised KeyError or AttributeError
    with pytest.raises(ValueError) as info:
        ui.from_mxnet(text)
    assert words in str(info.value), str(info.value)


#: an integer no float holds: ui.Normal(0, HUGE) says "parameter 'std' must be a finite number, got 1000...000 (401
#: characters)"; the converters raised a bare "OverflowError: int too large to convert to float"
HUGE = 10 ** 400


def _huge_call(framework, case):
    """The conversion ``case`` of ``framework`` with HUGE (or -HUGE) for one number, and the parameter it names."""
    if framework == "torch":
        import torch
        init = torch.nn.init
        return {"normal_": (lambda: ui.from_torch_fn(init.normal_, std=HUGE), "std"),
                "uniform_": (lambda: ui.from_torch_fn(init.uniform_, a=-HUGE), "a"),
                "orthogonal_": (lambda: ui.from_torch_fn(init.orthogonal_, gain=-HUGE), "gain")}[case]
    if framework == "jax":
        return {"variance_scaling": (lambda: ui.from_jax("variance_scaling", scale=HUGE, mode="fan_in",
                                                         distribution="normal"), "scale"),
                "normal": (lambda: ui.from_jax("normal", stddev=HUGE), "stddev"),
                "delta_orthogonal": (lambda: ui.from_jax("delta_orthogonal", scale=-HUGE), "scale")}[case]
    if framework == "keras":
        import keras
        K = keras.initializers
        return {"RandomNormal": (lambda: ui.from_keras(K.RandomNormal(stddev=HUGE)), "stddev"),
                "TruncatedNormal": (lambda: ui.from_keras(K.TruncatedNormal(mean=HUGE)), "mean"),
                "Orthogonal": (lambda: ui.from_keras(K.Orthogonal(gain=-HUGE)), "gain")}[case]
    from unifiedinit.backends.mxnet import mx
    return {"Normal": (lambda: ui.from_mxnet(mx.init.Normal(HUGE)), "sigma"),
            "Uniform": (lambda: ui.from_mxnet(mx.init.Uniform(HUGE)), "scale"),
            "msraprelu": (lambda: ui.from_mxnet(f'["msraprelu", {{"slope": {HUGE}}}]'), "slope")}[case]


@pytest.mark.parametrize("framework,case", [
    ("torch", "normal_"), ("torch", "uniform_"), ("torch", "orthogonal_"),
    ("jax", "variance_scaling"), ("jax", "normal"), ("jax", "delta_orthogonal"),
    ("keras", "RandomNormal"), ("keras", "TruncatedNormal"), ("keras", "Orthogonal"),
    ("mxnet", "Normal"), ("mxnet", "Uniform"), ("mxnet", "msraprelu")])
def test_an_integer_no_float_holds_is_refused_naming_the_parameter(framework, case):
    if importlib.util.find_spec(framework) is None:
        pytest.skip(f"{framework} is not installed")
    call, name = _huge_call(framework, case)
    with pytest.raises(ValueError, match=rf"parameter '{name}' must be a finite number, got -?1000+\.\.\.0+ "
                                         rf"\(40[12] characters\)"):
        call()


@needs("mxnet")
def test_a_msraprelu_slope_whose_square_no_float_holds_is_refused_naming_it():
    # MXNet's magnitude 2 / (1 + slope ** 2): 1e200 ** 2 was a bare "OverflowError: Numerical result out of range"
    for slope in (1e200, -1e200):
        with pytest.raises(ValueError, match=r"from_mxnet\(msraprelu\): parameter 'slope' must satisfy \|slope\| <= "
                                             r"1e154 .*got -?1e\+200"):
            ui.from_mxnet(f'["msraprelu", {{"slope": {slope!r}}}]')
    from unifiedinit.backends.mxnet import mx
    assert ui.from_mxnet('["msraprelu", {"slope": 1e150}]') == ui.from_mxnet(mx.init.MSRAPrelu(slope=1e150))  # MXNet's


# ---------------------------------------------------------------- our own hooks, made with a layout not the default

#: what each refusal says after the parameter: the spec alone would take the default layout's fans
LOST = r"cannot become a spec: a spec holds no (layout|axes), and alone it takes the fans of "


@needs("mxnet")
def test_from_mxnet_refuses_our_initializer_with_a_layout_not_mxnets():
    """to_mxnet(layout="mxnet_conv_transpose"), as an object and as its dumps(), converted to the bare spec, whose
    to_mxnet() takes the "mxnet" layout's fans: a ConvTranspose weight (8, 2, 3, 3) got twice the bound. A
    dumps() with a misspelt keyword ('layuot') was read without it, and mx.init.create failed unnamed."""
    from unifiedinit.backends.mxnet import SpecInitializer, mx

    class Mine(SpecInitializer):  # a subclass that changes nothing: converted as ours, by the same rule
        pass
    spec = ui.KaimingUniform()
    init = spec.to_mxnet(layout="mxnet_conv_transpose")
    shape = (8, 2, 3, 3)
    assert init.lower(shape, "float32") != spec.to_mxnet().lower(shape, "float32")  # what converting would lose
    for given in (init, init.dumps(), mx.init.create(init.dumps()), Mine(spec, layout="mxnet_conv_transpose")):
        with pytest.raises(ValueError, match=r"from_mxnet\(\w+\): parameter 'layout' = 'mxnet_conv_transpose' " + LOST
                           + r"the layout 'mxnet' instead; allowed: 'mxnet' \(the default\); convert a hook made "
                             r"with it, or keep this hook"):
            ui.from_mxnet(given)
    for given in (spec.to_mxnet(), spec.to_mxnet(layout="mxnet").dumps(), Mine(spec),
                  spec.to_mxnet(portable=ui.Portable(1, "k")).dumps()):
        assert ui.from_mxnet(given) == spec
    text = spec.to_mxnet().dumps().replace('"layout"', '"layuot"')
    for read in (ui.from_mxnet, mx.init.create):
        with pytest.raises(ValueError, match=r"parameter 'layuot' is not a SpecInitializer keyword; allowed: spec, "
                                             r"layout, portable"):
            read(text)
    # what mx.init.create refuses in a dumps() string, from_mxnet refuses too, in its own words
    saved = spec.to_mxnet(portable=ui.Portable(1, "k")).dumps()
    for text, error, words in ((saved.replace('"key"', '"kee"'), ValueError, r"parameter 'kee' is not a Portable "
                                                                            r"keyword; allowed: seed, key, stream"),
                               (saved.replace('"mxnet"', '"nosuch"'), ValueError, r"parameter 'layout'"),
                               (saved.replace('"mxnet"', "5"), TypeError, r"parameter 'layout' must be a layout "
                                                                          r"name \(a string")):
        with pytest.raises(error):
            mx.init.create(text)
        with pytest.raises(error, match=r"^from_mxnet\(specinitializer\): " + words):
            ui.from_mxnet(text)


@needs("keras")
def test_from_keras_refuses_our_initializer_with_a_layout_not_keras():
    """A SpecInitializer with layout="keras_conv_transpose" or a ui.Layout of one's own (saved in its config)
    converted to the bare spec, whose to_keras() takes the "keras" layout's fans."""
    import keras
    spec = ui.KaimingUniform()
    for layout, shown in (("keras_conv_transpose", "'keras_conv_transpose'"),
                          (ui.Layout("mine", (0,), (1,)), "a ui.Layout named 'mine'")):
        init = spec.to_keras(seed=1, layout=layout)
        assert init.lower((3, 3, 8, 2), "float32") != spec.to_keras().lower((3, 3, 8, 2), "float32")
        for given in (init, keras.initializers.serialize(init)):
            with pytest.raises(ValueError, match=rf"from_keras\(SpecInitializer\): parameter 'layout' = {shown} "
                                                 + LOST + r"the layout 'keras' instead; allowed: 'keras' \(the "
                                                          r"default\)"):
                ui.from_keras(given)
    assert ui.from_keras(spec.to_keras(seed=1)) == spec
    assert ui.from_keras(keras.initializers.serialize(spec.to_keras(layout="keras"))) == spec


@needs("jax")
def test_from_jax_refuses_our_initializer_with_axes_or_a_layout_not_flaxs():
    """to_flax(in_axis=0, out_axis=1) converted to the bare spec, whose to_flax() reads JAX's default axes; JAX's
    own variance_scaling(in_axis=0) was refused, ours not. JAX's default axes given as axes are Flax's layout."""
    spec = ui.KaimingUniform()
    assert spec.to_flax(in_axis=0, out_axis=1).lower((4, 6, 5)) != spec.to_flax().lower((4, 6, 5))
    for hook, words in ((spec.to_flax(in_axis=0, out_axis=1), r"parameters in_axis=0, out_axis=1 " + LOST +
                         r"JAX's default axes instead; allowed: in_axis=-2, out_axis=-1, batch_axis=\(\) \(the "
                         r"defaults\); convert a hook made with them, or keep this hook, which keeps its axes"),
                        (spec.to_flax(batch_axis=(0,)), r"parameter batch_axis=0 " + LOST),
                        (spec.to_flax(layout="torch"), r"parameter 'layout' = 'torch' " + LOST +
                         r"the layout 'flax' instead; allowed: 'flax' \(the default\)")):
        with pytest.raises(ValueError, match=r"from_jax\(FlaxInitializer\): " + words):
            ui.from_jax(hook)
    for hook in (spec.to_flax(), spec.to_flax(layout="flax"), spec.to_flax(in_axis=(-2,), out_axis=-1),
                 spec.to_flax(layout=ui.Layout("mine", (-1,), (-2,))), spec.to_flax(layout="keras")):  # Flax's
        assert ui.from_jax(hook) == spec                                                       # axes, other names
    hook = spec.to_flax(layer_fans=(100, 7))  # fans given to the hook: U(+-0.245) on (6, 4), the bare spec's U(+-1)
    assert hook.lower((6, 4)) != spec.to_flax().lower((6, 4))
    with pytest.raises(ValueError, match=r"^from_jax\(FlaxInitializer\): parameter 'layer_fans' = \(100, 7\) has no "
                                         r"unifiedinit equivalent: the fans come from it"):
        ui.from_jax(hook)


@needs("torch")
def test_from_torch_fn_refuses_our_initializer_with_a_layout_not_torchs():
    """The same rule for torch's hook on a tensor: to_torch(layout="torch_conv_transpose") lost its layout."""
    spec = ui.KaimingUniform()
    with pytest.raises(ValueError, match=r"from_torch_fn\(TorchInitializer\): parameter 'layout' = "
                                         r"'torch_conv_transpose' " + LOST + r"the layout 'torch' instead; allowed: "
                                                                             r"'torch' \(the default\)"):
        ui.from_torch_fn(spec.to_torch(layout="torch_conv_transpose"))
    assert ui.from_torch_fn(spec.to_torch()) == ui.from_torch_fn(spec.to_torch(layout="torch")) == spec
    import torch
    options: dict[str, Any]
    for options, name in (({"fans": "torch"}, "fans"), ({"bias": ui.Zeros()}, "bias"),
                          ({"generator": torch.Generator()}, "generator")):  # what the bare spec would lose
        with pytest.raises(ValueError, match=rf"^from_torch_fn\(TorchInitializer\): parameter '{name}' = .* has no "
                                             r"unifiedinit equivalent"):
            ui.from_torch_fn(spec.to_torch(**options))


# ---------------------------------------------------------------------------------------------------- imports

@needs("torch")
def test_each_converter_imports_only_its_framework():
    code = ("import sys, unifiedinit as ui; fw = ('torch', 'jax', 'keras', 'tensorflow', 'mxnet'); "
            "ui.from_mxnet('[\"xavier\", {\"magnitude\": 2}]'); print(' '.join(m for m in fw if m in sys.modules) "
            "or 'none'); import torch; ui.from_torch_fn(torch.nn.init.zeros_); "
            "print(' '.join(m for m in fw if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split("\n")[:2] == ["none", "torch"]


@pytest.mark.parametrize("distribution", ["truncated_normal", "normal", "uniform"])
@pytest.mark.parametrize("mode", ["fan_in", "fan_avg"])
def test_from_jax_of_a_zero_variance_scaling_is_zeros_as_jax_writes(mode, distribution):
    # JAX's variance_scaling(0.0, ...) writes zeros (variance 0); its spec is Zeros (VarianceScaling itself takes a
    # scale > 0 only), and it writes what JAX writes
    jax = pytest.importorskip("jax")
    init = jax.nn.initializers.variance_scaling(0.0, mode, distribution)
    theirs = np.asarray(init(jax.random.key(0), (3, 5)))
    assert ui.from_jax(init) == ui.Zeros()
    assert np.array_equal(ui.sample(ui.from_jax(init), (3, 5), layout="flax"), theirs)
    assert ui.from_jax("variance_scaling", scale=0.0, mode=mode, distribution=distribution) == ui.Zeros()


@pytest.mark.parametrize("case", ["orthogonal_", "sparse_", "orthogonal", "delta_orthogonal"])
def test_a_zero_gain_or_std_converts_to_zeros_as_the_framework_writes(case):
    # orthogonal_(gain=0) and sparse_(std=0) write zeros in torch, orthogonal(scale=0) and delta_orthogonal(scale=0)
    # in JAX; the specs with that number take > 0 only, so the conversion is Zeros, whose values are the framework's
    shape = (3, 4, 4)  # delta_orthogonal's (kernel, in, out), in <= out
    if case.endswith("_"):
        torch = pytest.importorskip("torch")
        kwargs: dict[str, Any] = {"gain": 0.0} if case == "orthogonal_" else {"sparsity": 0.5, "std": 0.0}
        spec = ui.from_torch_fn(getattr(torch.nn.init, case), **kwargs)
        theirs = getattr(torch.nn.init, case)(torch.ones(shape[:2]), **kwargs).numpy()
    else:
        jax = pytest.importorskip("jax")
        spec = ui.from_jax(case, scale=0.0)
        theirs = np.asarray(getattr(jax.nn.initializers, case)(scale=0.0)(jax.random.key(0), shape))
    assert spec == ui.Zeros()
    assert np.array_equal(ui.sample(spec, theirs.shape), theirs)


@needs("torch")
@pytest.mark.parametrize("kwargs", [{"a": 3.0, "b": 3.0}, {"mean": 10.0, "std": 2.0, "a": -1.0, "b": -1.0},
                                    {"std": 2.0, "a": -math.inf, "b": math.inf},
                                    {"mean": 1.0, "std": 2.0, "a": -math.inf, "b": 0.5},
                                    {"std": 0.5, "a": -0.5, "b": math.inf}])
def test_from_torch_fn_takes_the_trunc_normal_windows_torch_takes(kwargs):
    """torch's trunc_normal_ fills ``a`` when a == b and draws with an infinite bound (the normal, or the normal
    cut on one side), as our drop-in does; from_torch_fn refused them ("'a' and 'b' must satisfy a < b", "'a' must
    be a finite number"). The spec drawn by to_torch() and torch's own function, in the same run: equal values
    where determined, else the same law (two-sample KS at 1e-6)."""
    import torch
    fn = torch.nn.init.trunc_normal_
    spec = ui.from_torch_fn(fn, **kwargs)
    torch.manual_seed(0)
    ours, theirs = torch.empty(SHAPE), torch.empty(SHAPE)
    spec.to_torch()(ours)
    fn(theirs, **kwargs)
    law_or_values(ours.numpy(), theirs.numpy(), spec, SHAPE, "torch", f"from_torch_fn(trunc_normal_, {kwargs})")
