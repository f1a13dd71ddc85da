"""Parity: ``unifiedinit.backends.keras.initializers`` against ``keras.initializers``, in the same run, under
whichever Keras backend this process runs.

Keras's contract, as its source and docstrings state it (keras/src/initializers/):

- the names: every class and alias of ``keras.initializers`` (``HeNormal``, ``he_normal``, ``IdentityInitializer``,
  ``OrthogonalInitializer``, ``normal``, ``uniform``, ``zero``, ``one``), with Keras's constructor arguments,
  defaults and attributes;
- the laws: ``RandomUniform`` U[minval, maxval); ``RandomNormal`` N(mean, stddev^2); ``TruncatedNormal`` N(mean,
  stddev^2) cut at 2 stddev; ``VarianceScaling`` with n = fan_in, fan_out or their mean (Keras's ``compute_fans``:
  the last two axes x receptive field, (n, n) for a vector, (1, 1) for a scalar, the products of ``input_axes`` and
  ``output_axes`` when both are given, at least 1), ``"truncated_normal"`` (also spelt ``"normal"``) with the sample
  std sqrt(scale / n), ``"untruncated_normal"``, ``"uniform"`` on [-sqrt(3 scale / n), sqrt(3 scale / n)]; Glorot,
  He and Lecun as VarianceScaling(1 or 2, fan_avg or fan_in, truncated normal or uniform); ``Orthogonal`` gain x a
  Haar (semi-)orthogonal matrix, the last axis against the rest flattened; ``Identity`` gain x I; ``Constant``,
  ``Zeros``, ``Ones`` cast to any dtype;
- the seeds: an int or None gives the same values on every call (None picks one per instance, from Python's RNG),
  a SeedGenerator advances;
- the checks: ``scale <= 0``, a bad ``mode`` or ``distribution``, a seed that is not an int or SeedGenerator
  (ValueError; a non-string distribution AttributeError, a non-number scale TypeError); Orthogonal under 2-D and
  Identity off 2-D (ValueError);
- ``get_config`` / ``from_config`` / ``get`` / ``serialize`` / ``deserialize``, saved models.

Random ones are compared by a two-sample KS test (``same_law``), determined ones exactly, errors by class; where
unifiedinit differs on purpose, ``unifiedinit.differences`` has the entry and the test checks ours as it says.
"""

from __future__ import annotations

import inspect
import json
import math
import re
import warnings

import numpy as np
import pytest

keras = pytest.importorskip("keras")

import unifiedinit as ui  # noqa: E402
from parity.common import intended, outcome, same_error, same_law  # noqa: E402
from unifiedinit.backends.keras import SpecInitializer  # noqa: E402
from unifiedinit.backends.keras import initializers as O  # noqa: E402

K = keras.initializers
BACKEND = keras.backend.backend()
CLASSES = ("Constant", "Zeros", "Ones", "Identity", "RandomUniform", "RandomNormal", "TruncatedNormal",
           "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform", "LecunNormal",
           "Orthogonal")
RANDOM = CLASSES[4:]
FIXED = ("GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform", "LecunNormal")
TRUNC_STD = 0.87962566103423978


def numpy(x):
    x = keras.ops.convert_to_tensor(x)
    if keras.backend.standardize_dtype(x.dtype) == "bfloat16":
        x = keras.ops.cast(x, "float32")
    return np.asarray(keras.ops.convert_to_numpy(x))


def both(name, **kwargs):
    """(ours, Keras's) built with the same arguments (a seed is given to each, different ones)."""
    ours_kwargs, theirs_kwargs = dict(kwargs), dict(kwargs)
    if name in RANDOM:
        ours_kwargs.setdefault("seed", 1)
        theirs_kwargs.setdefault("seed", 2)
    return getattr(O, name)(**ours_kwargs), getattr(K, name)(**theirs_kwargs)


# ------------------------------------------------------------------------------------------------------- names

def test_every_keras_name_is_here_as_a_subclass_of_keras_class():
    from keras.src.initializers import ALL_OBJECTS_DICT
    assert set(O.ALL_OBJECTS_DICT) == set(ALL_OBJECTS_DICT)
    public = [n for n in dir(K) if not n.startswith("_") and inspect.isclass(getattr(K, n))]
    for name in public + ["get", "serialize", "deserialize"]:
        assert hasattr(O, name), name
    for name in public:
        theirs, ours = getattr(K, name), getattr(O, name)
        if theirs in (K.Initializer, K.STFT):
            assert ours is theirs
            continue
        assert issubclass(ours, theirs) and issubclass(ours, SpecInitializer), name
        assert ours.__name__ == theirs.__name__, name  # aliases are the same class in both
    assert O.he_normal is O.HeNormal and O.IdentityInitializer is O.Identity and O.OrthogonalInitializer is O.Orthogonal


@pytest.mark.parametrize("name", CLASSES)
def test_constructor_arguments_and_defaults_are_keras(name):
    def params(cls):
        return [(p.name, p.default, p.kind) for p in inspect.signature(cls.__init__).parameters.values()][1:]
    if name in ("Zeros", "Ones"):
        getattr(O, name)()  # no arguments, as Keras's
        with pytest.raises(TypeError):
            getattr(O, name)(1.0)
        return
    assert params(getattr(O, name)) == params(getattr(K, name))


@pytest.mark.parametrize("name,kwargs", [
    ("Constant", {"value": 0.25}), ("Identity", {"gain": 2.0}), ("RandomUniform", {"minval": -1, "maxval": 2}),
    ("RandomNormal", {"mean": 0.5, "stddev": 2.0}), ("TruncatedNormal", {"mean": -1.0, "stddev": 0.5}),
    ("VarianceScaling", {"scale": 2.0, "mode": "fan_out", "distribution": "NORMAL"}),
    ("VarianceScaling", {"distribution": "untruncated_normal", "input_axes": [0], "output_axes": [1, 2]}),
    ("HeUniform", {}), ("GlorotNormal", {}), ("Orthogonal", {"gain": 1.5})])
def test_attributes_are_keras(name, kwargs):
    ours, theirs = both(name, **kwargs)
    for attr in ("value", "gain", "minval", "maxval", "mean", "stddev", "scale", "mode", "distribution",
                 "input_axes", "output_axes"):
        assert hasattr(ours, attr) == hasattr(theirs, attr), attr
        if hasattr(theirs, attr):
            assert getattr(ours, attr) == getattr(theirs, attr), attr
    if name in RANDOM:
        assert ours.seed == 1 and ours._init_seed == 1
    assert isinstance(ours.spec, ui.Spec)


def test_attributes_changed_after_construction_count_as_in_keras():
    init = O.RandomNormal(0.0, 1.0, seed=3)
    init.stddev = 0.01
    assert np.abs(numpy(init((50, 50)))).max() < 0.01 * 6


# -------------------------------------------------------------------------------------------------------- laws

VS = [("VarianceScaling", {"scale": scale, "mode": mode, "distribution": dist}, shape)
      for i, (mode, dist) in enumerate((m, d) for m in ("fan_in", "fan_out", "fan_avg")
                                       for d in ("truncated_normal", "normal", "untruncated_normal", "uniform"))
      for scale, shape in (((0.5, 2.0)[i % 2], (48, 80)), (1.3, (3, 3, 12, 24)), (2.0, (600,)))]
LAWS = [
    ("RandomUniform", {}, (48, 80)), ("RandomUniform", {"minval": -1.0, "maxval": 3.0}, (3, 3, 12, 24)),
    ("RandomNormal", {}, (48, 80)), ("RandomNormal", {"mean": 0.3, "stddev": 2.0}, (3, 3, 12, 24)),
    ("TruncatedNormal", {}, (48, 80)), ("TruncatedNormal", {"mean": 0.1, "stddev": 0.5}, (3, 3, 12, 24)),
    ("TruncatedNormal", {"mean": 0.0, "stddev": -1.0}, (48, 80)),
    ("VarianceScaling", {"scale": 2.0, "mode": "fan_out", "distribution": "uniform", "input_axes": [0],
                         "output_axes": [1, 2]}, (16, 8, 24)),
    ("VarianceScaling", {"scale": 1.0, "mode": "fan_avg", "input_axes": [0, 1], "output_axes": [2]}, (16, 8, 24)),
] + VS + [(name, {}, shape) for name in FIXED for shape in ((48, 80), (3, 3, 12, 24), (600,))] + [
    ("Orthogonal", {"gain": gain}, shape) for gain, shape in ((1.0, (48, 80)), (2.5, (80, 48)), (-1.5, (48, 80)),
                                                             (1.0, (3, 3, 8, 16)), (0.7, (16, 3, 3, 8)))]


def keras_bounds(name, kwargs, shape):
    """Where Keras's documentation puts every value, or None (an unbounded law)."""
    if name == "RandomUniform":
        return kwargs.get("minval", -0.05), kwargs.get("maxval", 0.05)
    if name == "TruncatedNormal":
        mean, s = kwargs.get("mean", 0.0), abs(kwargs.get("stddev", 0.05))
        return mean - 2 * s, mean + 2 * s
    if name in FIXED or name == "VarianceScaling":
        init = getattr(K, name)(**kwargs)
        fan_in, fan_out = O.compute_fans(shape, init.input_axes, init.output_axes)
        n = max(1.0, {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[init.mode])
        if init.distribution == "uniform":
            return -math.sqrt(3 * init.scale / n), math.sqrt(3 * init.scale / n)
        if init.distribution == "truncated_normal":
            return -2 * math.sqrt(init.scale / n) / TRUNC_STD, 2 * math.sqrt(init.scale / n) / TRUNC_STD
    return None


@pytest.mark.parametrize("name,kwargs,shape", LAWS, ids=lambda x: repr(x))
def test_the_same_law_as_keras(name, kwargs, shape):
    ours_init, theirs_init = both(name, **kwargs)
    ours, theirs = ours_init(shape), theirs_init(shape)
    assert tuple(ours.shape) == tuple(theirs.shape) == shape
    assert keras.backend.standardize_dtype(ours.dtype) == keras.backend.standardize_dtype(theirs.dtype)
    same_law(numpy(ours), numpy(theirs), f"{name}({kwargs}) on {shape}")
    bounds = keras_bounds(name, kwargs, shape)
    if bounds is not None:
        x = numpy(ours).astype(np.float64)
        assert bounds[0] * (1 + 1e-6) <= x.min() and x.max() <= bounds[1] * (1 + 1e-6), (bounds, x.min(), x.max())
    if name == "Orthogonal":  # the contract itself: gain^2 x I on the smaller side
        m = numpy(ours).astype(np.float64).reshape(-1, shape[-1])
        small = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
        np.testing.assert_allclose(small, kwargs["gain"] ** 2 * np.eye(len(small)), atol=1e-4)


def test_fans_of_scalars_and_vectors_are_keras():
    # a scalar has fans (1, 1): VarianceScaling(3, uniform) draws U[-3, 3]; a vector of n has fans (n, n)
    ours = np.array([numpy(O.VarianceScaling(3.0, distribution="uniform", seed=s)(())) for s in range(250)])
    theirs = np.array([numpy(K.VarianceScaling(3.0, distribution="uniform", seed=s)(())) for s in range(250, 500)])
    assert ours.shape == theirs.shape == (250,)
    same_law(ours, theirs, "VarianceScaling on a scalar")
    assert np.abs(ours).max() <= 3.0 and O.VarianceScaling().tensor_info(()).fans == (1, 1)
    assert O.HeNormal().tensor_info((7,)).fans == (7, 7)


EXACT = [
    ("Constant", {"value": 0.3}, (4, 6), None), ("Constant", {"value": -2}, (3, 3, 2), None),
    ("Constant", {"value": 3.7}, (2, 5), "int32"), ("Constant", {"value": -3.7}, (2, 5), "int64"),
    ("Constant", {"value": 0.5}, (2, 5), "bool"), ("Constant", {"value": 1.5}, (), "float16"),
    ("Constant", {"value": np.float32(0.1)}, (2, 3), None),
    ("Constant", {"value": np.array([1.0, 2.0])}, (3, 2), None),
    ("Zeros", {}, (4, 6), None), ("Zeros", {}, (4,), "int32"), ("Zeros", {}, (2, 2), "bool"),
    ("Ones", {}, (4, 6), "float16"), ("Ones", {}, (3,), "int8"), ("Ones", {}, (), None), ("Ones", {}, (2, 2), "bool"),
    ("Identity", {}, (4, 6), None), ("Identity", {"gain": 2.5}, (6, 4), None), ("Identity", {"gain": -1.0}, (5, 5),
                                                                                 "bfloat16"),
    ("RandomUniform", {"minval": 0.5, "maxval": 0.5}, (4, 6), None),
    ("RandomNormal", {"mean": 1.0, "stddev": 0.0}, (4, 6), None),
    ("TruncatedNormal", {"mean": 2.0, "stddev": 0.0}, (4, 6), None),
    ("Orthogonal", {"gain": 0.0}, (4, 6), None),
]


@pytest.mark.parametrize("name,kwargs,shape,dtype", EXACT, ids=lambda x: repr(x))
def test_determined_values_equal_keras(name, kwargs, shape, dtype):
    ours_init, theirs_init = both(name, **kwargs)
    ours, theirs = ours_init(shape, dtype), theirs_init(shape, dtype)
    assert keras.backend.standardize_dtype(ours.dtype) == keras.backend.standardize_dtype(theirs.dtype)
    np.testing.assert_array_equal(numpy(ours), numpy(theirs))


@pytest.mark.parametrize("name", CLASSES)
@pytest.mark.parametrize("shape", [(0, 5), (3, 0, 4)])
def test_an_empty_tensor_as_keras(name, shape):
    if name == "Identity" and len(shape) != 2:
        return
    ours, theirs = both(name)
    a, b = ours(shape), theirs(shape)
    assert tuple(a.shape) == tuple(b.shape) == shape
    assert keras.backend.standardize_dtype(a.dtype) == keras.backend.standardize_dtype(b.dtype)


# ------------------------------------------------------------------------------------------------------- seeds

@pytest.mark.parametrize("name", ["RandomNormal", "HeUniform", "TruncatedNormal", "Orthogonal"])
def test_seeds_behave_as_keras(name):
    shape = (12, 10)

    def same(a, b):
        return bool(np.array_equal(numpy(a), numpy(b)))

    def pattern(module):
        cls = getattr(module, name)
        fixed, unseeded, other = cls(seed=5), cls(), cls()
        generator = cls(seed=keras.random.SeedGenerator(3))
        keras.utils.set_random_seed(11)
        first = cls()(shape)
        keras.utils.set_random_seed(11)
        again = cls()(shape)
        return {"int seed: same every call": same(fixed(shape), fixed(shape)),
                "int seed: same across instances": same(cls(seed=5)(shape), fixed(shape)),
                "None: same every call": same(unseeded(shape), unseeded(shape)),
                "None: differs across instances": not same(unseeded(shape), other(shape)),
                "SeedGenerator: advances": not same(generator(shape), generator(shape)),
                "None: follows keras.utils.set_random_seed": same(first, again),
                "seed attribute": type(cls(seed=5).seed).__name__}
    assert pattern(O) == pattern(K)


# ------------------------------------------------------------------------------------------------------ errors

CONSTRUCTION_ERRORS = [
    ("VarianceScaling", {"scale": 0}), ("VarianceScaling", {"scale": -1.0}), ("VarianceScaling", {"scale": "a"}),
    ("VarianceScaling", {"mode": "fan_geo_avg"}), ("VarianceScaling", {"mode": None}),
    ("VarianceScaling", {"distribution": "x"}), ("VarianceScaling", {"distribution": 3}),
    ("RandomNormal", {"seed": "x"}), ("RandomUniform", {"seed": 1.5}), ("Orthogonal", {"seed": np.int64(3)}),
    ("HeNormal", {"seed": [1]}), ("TruncatedNormal", {"seed": 2.0}),
]


@pytest.mark.parametrize("name,kwargs", CONSTRUCTION_ERRORS, ids=repr)
def test_bad_arguments_raise_what_keras_raises(name, kwargs):
    ours = outcome(lambda: getattr(O, name)(**kwargs))[1]
    theirs = outcome(lambda: getattr(K, name)(**kwargs))[1]
    same_error(ours, theirs, f"{name}({kwargs})")


CALL_ERRORS = [("Orthogonal", {}, (3,)), ("Orthogonal", {}, (0,)), ("Orthogonal", {}, ()), ("Identity", {}, (3,)),
               ("Identity", {}, (2, 3, 3)), ("Identity", {}, ()),
               ("VarianceScaling", {"input_axes": [5], "output_axes": [0]}, (4, 5, 6))]


@pytest.mark.parametrize("name,kwargs,shape", CALL_ERRORS, ids=repr)
def test_bad_shapes_raise_what_keras_raises(name, kwargs, shape):
    ours_init, theirs_init = both(name, **kwargs)
    same_error(outcome(ours_init, shape)[1], outcome(theirs_init, shape)[1], f"{name}({kwargs}) on {shape}")


# ------------------------------------------------------------------------------- intentional differences

def test_reversed_uniform_bounds_are_refused():
    entry = intended("keras", "RandomUniform(minval > maxval)")
    assert entry is not None
    with pytest.raises(ValueError, match="minval"):
        O.RandomUniform(1.0, 0.0)
    theirs = numpy(K.RandomUniform(1.0, 0.0, seed=1)((100,)))  # no error: a backend-dependent law
    assert theirs.min() >= 0.0 and theirs.max() <= 1.0
    same_law(numpy(O.RandomUniform(0.0, 1.0, seed=1)((2000,))),  # the option the entry gives
             numpy(K.RandomUniform(0.0, 1.0, seed=2)((2000,))), "RandomUniform(maxval, minval)")


@pytest.mark.parametrize("build,name", [
    (lambda m: m.RandomNormal(float("nan")), "RandomNormal: parameter 'mean'"),
    (lambda m: m.RandomNormal(0.0, math.inf), "RandomNormal: parameter 'stddev'"),
    (lambda m: m.TruncatedNormal(stddev=float("nan")), "TruncatedNormal: parameter 'stddev'"),
    (lambda m: m.RandomUniform(-math.inf, 0.0), "RandomUniform: parameter 'minval'"),
    (lambda m: m.VarianceScaling(float("nan")), "VarianceScaling: parameter 'scale'"),
    (lambda m: m.VarianceScaling(math.inf), "VarianceScaling: parameter 'scale'"),
    (lambda m: m.Constant(float("nan")), "Constant: parameter 'value'"),
    (lambda m: m.Identity(math.inf), "Identity: parameter 'gain'"),
    (lambda m: m.Orthogonal(float("nan")), "Orthogonal: parameter 'gain'")])
def test_non_finite_arguments_are_refused(build, name):
    assert intended("keras", "RandomNormal/TruncatedNormal/RandomUniform/VarianceScaling/Constant/Identity/"
                             "Orthogonal with NaN or inf arguments") is not None
    with pytest.raises(ValueError, match="^" + re.escape(name)):  # in the words of the Keras class called
        build(O)
    build(K)  # Keras builds it (and writes NaN or inf)


@pytest.mark.parametrize("build,dtype", [(lambda m: m.Constant(1e300), "float32"),
                                         (lambda m: m.RandomNormal(0.0, 1e300), "float32"),
                                         (lambda m: m.Constant(300), "int8"),
                                         (lambda m: m.RandomUniform(-1e5, 1e5), "float16")])
def test_values_the_dtype_cannot_hold_are_refused(build, dtype):
    assert intended("keras", "values the dtype cannot hold (Constant(1e300) or RandomNormal(stddev=1e300) on float32, "
                             "Constant(300) on int8)") is not None
    with pytest.raises(ValueError, match=dtype):
        build(O)((4, 4), dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs, err = outcome(lambda: numpy(build(K)((4, 4), dtype)))
    assert err is not None or not np.all(np.isfinite(theirs.astype(np.float64))) or \
        theirs.astype(np.float64).max() != 300 or dtype == "float16"


def test_negative_stddev_draws_the_law_of_its_absolute_value():
    ours = numpy(O.RandomNormal(0.5, -2.0, seed=1)((4000,)))
    theirs, err = outcome(lambda: numpy(K.RandomNormal(0.5, -2.0, seed=2)((4000,))))
    if BACKEND == "torch":
        assert intended("keras", "RandomNormal(stddev < 0)") is not None and err is not None
        theirs = numpy(K.RandomNormal(0.5, 2.0, seed=2)((4000,)))
    same_law(ours, theirs, "RandomNormal(0.5, -2.0)")


@pytest.mark.parametrize("name", ["RandomUniform", "RandomNormal", "TruncatedNormal", "HeUniform", "Orthogonal"])
@pytest.mark.parametrize("dtype", ["int32", "bool"])
def test_random_initializers_refuse_integer_dtypes(name, dtype):
    assert intended("keras", "random initializers on an integer or bool dtype") is not None
    ours, theirs = both(name)
    with pytest.raises(TypeError, match=dtype):
        ours((4, 4), dtype)
    error = outcome(theirs, (4, 4), dtype)[1]
    assert error is not None or (BACKEND == "tensorflow" and name == "HeUniform")


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_orthogonal_in_half_precision(dtype):
    assert intended("keras", "Orthogonal on float16/bfloat16") is not None
    x = O.Orthogonal(seed=1)((40, 24), dtype)
    assert keras.backend.standardize_dtype(x.dtype) == dtype
    m = numpy(x).astype(np.float64)
    np.testing.assert_allclose(m.T @ m, np.eye(24), atol=0.05)
    theirs, err = outcome(K.Orthogonal(seed=2), (40, 24), dtype)
    if err is None:  # tensorflow float16
        same_law(m, numpy(theirs), f"Orthogonal in {dtype}")


IDENTITY_CASTS = [(2.0, (3, 4), "int32"), (1.0, (3, 3), "bool"), (2.0, (2, 2), "bool"), (2.5, (2, 2), "int32"),
                  (0.5, (4, 3), "bool"), (0.0, (2, 3), "bool"), (-1.0, (3, 2), "bool"), (-2.5, (3, 3), "int8"),
                  (3.7, (2, 5), "int64"), (0.5, (3, 3), "uint8"), (-0.9, (2, 2), "uint8"), (255.0, (2, 2), "uint8")]


@pytest.mark.parametrize("gain,shape,dtype", IDENTITY_CASTS)
def test_identity_on_integer_and_bool_dtypes(gain, shape, dtype):
    entry = intended("keras", "Identity on an integer or bool dtype")
    assert entry is not None and "cast as Keras casts constants" in entry.ours
    x = O.Identity(gain)(shape, dtype)
    # gain x I cast to the dtype by Keras's own cast, in this run: toward zero, any non-zero gain True (the dtype
    # as this backend gives it: int64 is int32 on jax without x64)
    expected = keras.ops.cast(gain * keras.ops.eye(*shape), dtype)
    assert keras.backend.standardize_dtype(x.dtype) == keras.backend.standardize_dtype(expected.dtype)
    assert keras.backend.standardize_dtype(x.dtype) == dtype or (BACKEND, dtype) == ("jax", "int64")
    assert numpy(x).dtype == numpy(expected).dtype
    np.testing.assert_array_equal(numpy(x), numpy(expected))
    out, err = outcome(K.Identity(gain), shape, dtype)
    assert err is not None or keras.backend.standardize_dtype(out.dtype) != dtype  # Keras: an error or a float matrix


@pytest.mark.parametrize("gain,dtype", [(300.0, "int8"), (-1.0, "uint8"), (2.0 ** 40, "int32")])
def test_identity_refuses_a_gain_the_integer_dtype_cannot_hold(gain, dtype):
    assert intended("keras", "values the dtype cannot hold (Constant(1e300) or RandomNormal(stddev=1e300) on float32, "
                             "Constant(300) on int8)") is not None
    with pytest.raises(ValueError, match=dtype):
        O.Identity(gain)((3, 3), dtype)
    with pytest.raises(ValueError, match=dtype):  # as Constant refuses it
        O.Constant(gain)((3, 3), dtype)


def test_seeds_keras_refuses_on_some_backend_work_here():
    assert intended("keras", "seed outside [0, 2**32) or seed=True") is not None
    for seed in (-1, 2 ** 40, True):
        x = numpy(O.RandomNormal(seed=seed)((30, 30)))
        np.testing.assert_array_equal(x, numpy(O.RandomNormal(seed=seed)((30, 30))))


@pytest.mark.parametrize("shape,error", [((2, -2), ValueError), ((2, 2.5), TypeError)])
def test_malformed_shapes(shape, error):
    assert intended("keras", "a malformed shape (negative or non-integer sizes)") is not None
    with pytest.raises(error, match="shape"):
        O.RandomNormal(seed=1)(shape)
    assert outcome(K.RandomNormal(seed=1), shape)[1] is not None


# ------------------------------------------------------------------------------------------------------ configs

CONFIGS = [("Constant", {"value": 0.25}), ("Constant", {"value": -3}), ("Zeros", {}), ("Ones", {}),
           ("Identity", {"gain": 2.0}), ("RandomUniform", {"minval": -1, "maxval": 2, "seed": 3}),
           ("RandomNormal", {"mean": 0.5, "stddev": 2.0, "seed": 3}), ("TruncatedNormal", {"stddev": 0.2, "seed": 4}),
           ("VarianceScaling", {"scale": 2.0, "mode": "fan_out", "distribution": "normal", "seed": 4}),
           ("VarianceScaling", {"distribution": "untruncated_normal", "input_axes": [0], "output_axes": [1, 2]}),
           ("Orthogonal", {"gain": 1.5, "seed": 2}), ("RandomNormal", {"seed": None})] + \
    [(name, {"seed": 7}) for name in FIXED]


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=repr)
def test_config_has_keras_keys_plus_the_spec_and_round_trips(name, kwargs):
    ours, theirs = getattr(O, name)(**kwargs), getattr(K, name)(**kwargs)
    config, keras_config = ours.get_config(), theirs.get_config()
    json.dumps(config)
    assert intended("keras", "get_config() of every initializer") is not None
    if name == "Identity":
        assert intended("keras", "Identity(gain).get_config()") is not None and keras_config == {}
        keras_config = {"gain": kwargs["gain"]}
    assert set(config) == set(keras_config) | {"spec"}
    assert {k: config[k] for k in keras_config} == keras_config
    assert ui.from_dict(config["spec"]) == ours.spec
    again = type(ours).from_config(config)
    assert type(again) is type(ours) and again.get_config() == config
    assert type(ours).from_config(keras_config).get_config() == config  # Keras's own config is read too
    assert again.clone().get_config() == config
    shape = (4, 5, 6) if "input_axes" in kwargs else (6, 5)
    if name not in RANDOM or isinstance(kwargs.get("seed"), int):
        np.testing.assert_array_equal(numpy(again(shape)), numpy(ours(shape)))


def test_a_spec_that_disagrees_with_the_config_is_refused():
    config = O.HeNormal(seed=1).get_config()
    config["spec"] = ui.LecunNormal().to_dict()
    with pytest.raises(ValueError, match="spec"):
        O.HeNormal.from_config(config)


@pytest.mark.parametrize("name", sorted(O.ALL_OBJECTS_DICT))
def test_get_by_name_as_keras(name):
    (ours, our_error), (theirs, their_error) = outcome(O.get, name), outcome(K.get, name)
    if their_error is not None:  # get("constant"): Keras's Constant.from_config({}) has no value (KeyError)
        same_error(our_error, their_error, name)
        return
    assert type(ours).__name__ == type(theirs).__name__ and isinstance(ours, type(theirs))
    if type(theirs) not in (K.Initializer, K.STFT):
        assert isinstance(ours, SpecInitializer)
        identity = name in ("Identity", "identity", "IdentityInitializer")
        assert ours.get_config() == {**theirs.get_config(), "spec": ours.spec.to_dict(),
                                     **({"gain": 1.0} if identity else {})}


@pytest.mark.parametrize("name,kwargs", CONFIGS[:12], ids=repr)
def test_get_serialize_and_deserialize(name, kwargs):
    theirs = getattr(K, name)(**kwargs)
    from_keras_config = O.get(K.serialize(theirs))  # Keras's own config gives the drop-in of the same name
    assert type(from_keras_config) is getattr(O, name)
    ours = getattr(O, name)(**kwargs)
    for got in (O.get(O.serialize(ours)), O.deserialize(O.serialize(ours)), K.get(O.serialize(ours)),
                K.deserialize(json.loads(json.dumps(O.serialize(ours))))):
        assert type(got) is type(ours) and got.get_config() == ours.get_config()
    assert O.get(ours) is ours and O.get(None) is None
    assert type(O.get(getattr(O, name))) is getattr(O, name)
    fn = lambda shape, dtype=None: keras.ops.ones(shape, dtype)  # noqa: E731
    assert O.get(fn) is fn


@pytest.mark.parametrize("identifier", ["no_such_initializer", 5, {"class_name": "NoSuch", "config": {}}])
def test_get_refuses_what_keras_refuses(identifier):
    same_error(outcome(O.get, identifier)[1], outcome(K.get, identifier)[1], repr(identifier))


def test_get_a_tensor_as_keras():
    values = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(numpy(O.get(values)((2, 3))), numpy(K.get(values)((2, 3))))
    same_error(outcome(O.get(values), (3, 2))[1], outcome(K.get(values), (3, 2))[1], "tensor of the wrong shape")


def test_a_model_saves_and_reloads(tmp_path):
    mine = ui.Layout("mine_in_first", (1,), (0,))
    layers = keras.layers
    model = keras.Sequential([
        keras.Input((12,)),
        layers.Dense(16, kernel_initializer=O.HeNormal(seed=1), bias_initializer=O.Constant(0.1)),
        layers.Dense(8, kernel_initializer=O.Orthogonal(gain=2.0, seed=2), bias_initializer=O.Zeros()),
        layers.Dense(8, kernel_initializer=O.Identity(gain=3.0), bias_initializer="ones"),
        layers.Dense(4, kernel_initializer=ui.LecunUniform().to_keras(seed=3, layout=mine)),
        layers.Dense(4, kernel_initializer=O.VarianceScaling(0.5, "fan_avg", "untruncated_normal", seed=4))])
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    for a, b in zip(model.layers, loaded.layers):
        assert type(a.kernel_initializer) is type(b.kernel_initializer)
        assert a.kernel_initializer.get_config() == b.kernel_initializer.get_config()
        np.testing.assert_array_equal(numpy(a.kernel), numpy(b.kernel))
    assert isinstance(loaded.layers[0].kernel_initializer, O.HeNormal)
    assert loaded.layers[2].kernel_initializer.gain == 3.0
    assert loaded.layers[3].kernel_initializer.layout == mine
    np.testing.assert_array_equal(numpy(model.layers[2].kernel), 3.0 * np.eye(8))


@pytest.mark.parametrize("layout", [ui.Layout("out_first", (0,), (1,)),
                                    ui.Layout("three_d", (2,), (0, 1), batch_axes=(), min_ndim=3),
                                    "keras_conv_transpose"])
def test_a_spec_initializer_with_any_layout_round_trips(layout):
    init = ui.XavierUniform().to_keras(seed=5, layout=layout)
    config = init.get_config()
    json.dumps(config)
    again = SpecInitializer.from_config(json.loads(json.dumps(config)))
    assert again.layout == ui.get_layout(layout) and again.spec == init.spec
    got = K.get(K.serialize(init))
    assert got.layout == ui.get_layout(layout)
    np.testing.assert_array_equal(numpy(got((6, 4, 5))), numpy(init((6, 4, 5))))


def test_a_layout_config_with_an_unknown_field_is_refused():
    # a Layout's fields as a dict (a saved config's form: the docstring allows it, the annotation does not yet)
    layout = {"name": "x", "out_axes": [0], "in_axes": [1], "colour": "red"}
    with pytest.raises(ValueError, match="colour"):
        SpecInitializer(ui.Zeros(), layout=layout)  # pyright: ignore[reportArgumentType]


# ----------------------------------------------------------------------------------- EinsumDense, attention

@pytest.mark.parametrize("equation,output_shape,input_dim", [("ab,bcd->acd", (8, 16), 32),
                                                               ("abc,cd->abd", (None, 24), 40),
                                                               ("abc,cde->abde", (None, 4, 6), 30)])
@pytest.mark.parametrize("name,kwargs", [("VarianceScaling", {"scale": 2.0, "mode": "fan_in",
                                                              "distribution": "uniform"}),
                                         ("VarianceScaling", {"scale": 1.0, "mode": "fan_out"}),
                                         ("GlorotUniform", {})])
def test_einsum_dense_kernel_has_keras_law(equation, output_shape, input_dim, name, kwargs):
    def kernel(init):
        layer = keras.layers.EinsumDense(equation, output_shape=output_shape, kernel_initializer=init)
        layer.build((None,) * (len(equation.split(",")[0]) - 1) + (input_dim,))
        return layer, numpy(layer.kernel)

    ours_init, theirs_init = both(name, **kwargs)
    (layer, ours), (_, theirs) = kernel(ours_init), kernel(theirs_init)
    assert ours.shape == theirs.shape and isinstance(layer.kernel_initializer, type(ours_init))
    same_law(ours, theirs, f"EinsumDense({equation}) with {name}({kwargs})")
    # the fans are the equation's: the uniform bound is Keras's, and our values reach it
    init = getattr(K, name)(**kwargs)
    if init.distribution == "uniform":
        weight = equation.split(",")[1].split("->")[0]
        out_chars = equation.split("->")[1]
        fan_in = math.prod(d for c, d in zip(weight, ours.shape) if c not in out_chars)
        fan_out = math.prod(d for c, d in zip(weight, ours.shape) if c in out_chars)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[init.mode]
        limit = math.sqrt(3 * init.scale / n)
        assert 0.97 * limit < np.abs(ours).max() <= limit * (1 + 1e-6), limit


def test_multi_head_attention_kernels_have_keras_law():
    def kernels(init):
        mha = keras.layers.MultiHeadAttention(num_heads=4, key_dim=16, kernel_initializer=init)
        mha.build((None, 10, 48), (None, 10, 48))
        return [numpy(v) for v in mha.weights if v.path.endswith("kernel")]

    ours, theirs = kernels(O.GlorotUniform(seed=1)), kernels(K.GlorotUniform(seed=2))
    assert len(ours) == len(theirs) == 4
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert a.shape == b.shape
        same_law(a, b, f"MultiHeadAttention kernel {i} {a.shape}")


@pytest.mark.parametrize("name,kwargs,field", [
    ("RandomNormal", {"stddev": 10 ** 400}, "stddev"), ("TruncatedNormal", {"stddev": -10 ** 400}, "stddev"),
    ("TruncatedNormal", {"mean": 10 ** 400}, "mean"), ("RandomUniform", {"minval": 10 ** 400, "maxval": 10 ** 400},
                                                        "minval"), ("Orthogonal", {"gain": -10 ** 400}, "gain")])
def test_a_drop_in_refuses_an_integer_no_float_holds_by_name(name, kwargs, field):
    # a bare OverflowError ("int too large to convert to float") came from the drop-ins' own checks
    from unifiedinit.backends.keras import initializers as drop_ins
    with pytest.raises(ValueError, match=rf"{name}: parameter '{field}' must be a finite number, got -?1000"):
        getattr(drop_ins, name)(**kwargs)
