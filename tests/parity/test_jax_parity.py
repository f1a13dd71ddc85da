"""Parity: ``unifiedinit.backends.flax.initializers`` against ``jax.nn.initializers``, in the same run.

JAX's contract, as its source (jax/_src/nn/initializers.py) and its own tests (tests/nn_test.py: shape and
canonicalized dtype for every initializer and dtype, passed when called or bound when built; multi-axis and batch-axis
variance scaling; the 1-D error; no accidental upcasting from a float32 parameter) state it:

- the names and signatures: ``variance_scaling(scale, mode, distribution, in_axis=-2, out_axis=-1, batch_axis=(),
  dtype=None)``, ``glorot_*``/``he_*``/``lecun_*`` (with ``xavier_*``/``kaiming_*`` the same functions) with
  ``(in_axis, out_axis, batch_axis, dtype)``, ``uniform(scale=1e-2)``, ``normal(stddev=1e-2)``,
  ``truncated_normal(stddev=1e-2, dtype, lower=-2.0, upper=2.0)``, ``orthogonal``/``delta_orthogonal(scale=1.0,
  column_axis=-1)``, ``constant(value)``, ``zeros``/``ones``; each initializer ``(key, shape, dtype=<bound>,
  out_sharding=None)``, dtype None meaning the default float (float64 under x64);
- the laws: U[0, scale) x; N(0, stddev^2) (complex: parts at half the variance); stddev x N(0, 1) cut to
  [lower, upper]; variance scale / n with JAX's fans (any rank when the axes are given, overlaps divided), truncated
  normal at 2 sigma with the std corrected, untruncated normal, uniform on +-sqrt(3 var) (complex: a disk, a
  modulus-truncated complex normal, a complex normal); Haar (semi-)orthogonal / unitary matrices, the column axis
  against the rest; delta-orthogonal kernels with the matrix at the centre (k - 1) // 2; constants cast to any dtype;
- the errors: the default in_axis under 2-D and a bad mode or distribution (ValueError), an axis out of range
  (IndexError), a zero-size tensor's fans (ZeroDivisionError); uniform / truncated normal on a non-float dtype and
  normal on a non-inexact one (ValueError); orthogonal under 2-D, delta-orthogonal off 3-5-D or with fan_in > fan_out
  (ValueError); orthogonal and delta-orthogonal with ``out_sharding`` (NotImplementedError);
- ``out_sharding`` as the result's sharding; traceable under ``jit``, ``vmap`` and ``jax_numpy_rank_promotion="raise"``.

Random ones are compared by a two-sample KS test (``same_law``, complex by parts, and by modulus and phase), determined
ones exactly, errors by class; where unifiedinit differs on purpose, ``unifiedinit.differences`` has the entry
(framework "jax") and the test checks ours as it says and theirs as it says.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402
from jax._src.nn.initializers import _compute_fans  # noqa: E402 - JAX's own fans, compared exactly

import unifiedinit as ui  # noqa: E402
from parity.common import intended, outcome, same_error, same_law  # noqa: E402
from unifiedinit.backends.flax import initializers as O  # noqa: E402

JI = jax.nn.initializers
NAMES = ("variance_scaling", "glorot_uniform", "glorot_normal", "xavier_uniform", "xavier_normal", "he_uniform",
         "he_normal", "kaiming_uniform", "kaiming_normal", "lecun_uniform", "lecun_normal", "normal",
         "truncated_normal", "uniform", "orthogonal", "delta_orthogonal", "constant", "zeros", "ones")
FANNED = ("glorot_uniform", "glorot_normal", "xavier_uniform", "xavier_normal", "he_uniform", "he_normal",
          "kaiming_uniform", "kaiming_normal", "lecun_uniform", "lecun_normal")
MODES = ("fan_in", "fan_out", "fan_avg", "fan_geo_avg")
DISTRIBUTIONS = ("truncated_normal", "normal", "uniform")
#: the minimal arguments that build each initializer (zeros and ones are initializers themselves)
MINIMAL = {"variance_scaling": (1.0, "fan_in", "truncated_normal"), "constant": (0.5,)}
#: the shapes most draws share: every new (operation, shape, dtype) is an XLA compilation, the cost of this file
M, C = (192, 96), (3, 3, 16, 128)
#: orthogonal draws: QR is the slow part, so smaller matrices (4608 entries)
Q = (96, 48)


def key(i):
    return jax.random.key(i)


def both(name, *args, **kwargs):
    """(ours, theirs): the initializer ``name`` built with the same arguments from each module."""
    if name in ("zeros", "ones"):
        return getattr(O, name), getattr(JI, name)
    return getattr(O, name)(*args, **kwargs), getattr(JI, name)(*args, **kwargs)


def host(x):
    x = jnp.asarray(x)
    if jnp.issubdtype(x.dtype, jnp.floating) and x.dtype.itemsize < 4:
        x = x.astype(jnp.float32)
    return np.asarray(x)


def compare(ours, theirs, where):
    """Same shape and dtype, and the same law (random) or the same values (determined)."""
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype, \
        f"{where}: {ours.shape} {ours.dtype} against {theirs.shape} {theirs.dtype}"
    a, b = host(ours), host(theirs)
    if b.size == 0:
        return
    same_law(a, b, where)
    if np.iscomplexobj(b) and np.unique(b).size > 1:
        same_law(np.abs(a), np.abs(b), where + " (modulus)")
        if np.all(a != 0) and np.all(b != 0):  # the phase of 0 is the sign of a zero
            same_law(np.angle(a), np.angle(b), where + " (phase)")


def params(fn):
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


def call_both(make, shape, dtype=None, **call):
    """(ours, theirs) as (result, exception) pairs of ``make(module)(key, shape, dtype)``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = outcome(lambda: make(O)(key(1), shape, dtype, **call))
        theirs = outcome(lambda: make(JI)(key(2), shape, dtype, **call))
    return ours, theirs


def layout_of(init: O.Initializer) -> ui.layout.Layout:
    """The layout a fan-based initializer reads its fans in (``Initializer.layout`` is None for the others)."""
    assert init.layout is not None, init
    return init.layout


def same_outcome(make, shape, dtype=None, where="", **call):
    (ours, our_err), (theirs, their_err) = call_both(make, shape, dtype, **call)
    if their_err is not None:
        same_error(our_err, their_err, where)
        return None, None
    assert our_err is None, f"{where}: we raised {our_err!r} where JAX returns"
    compare(ours, theirs, where)
    return ours, theirs


# ----------------------------------------------------------------------------------------- names, signatures

def test_every_name_with_jax_signature_defaults_and_aliases():
    assert set(O.__all__) == set(NAMES)
    for name in NAMES:
        ours, theirs = getattr(O, name), getattr(JI, name)
        assert params(ours) == params(theirs), name
        assert ours.__doc__ and "jax" in ours.__doc__.lower() or "variance_scaling" in ours.__doc__, name
    for alias, of in (("xavier_uniform", "glorot_uniform"), ("xavier_normal", "glorot_normal"),
                      ("kaiming_uniform", "he_uniform"), ("kaiming_normal", "he_normal")):
        assert (getattr(O, alias) is getattr(O, of)) == (getattr(JI, alias) is getattr(JI, of))


def abstract(init, shape, *dtype, **call):
    """The shape and dtype ``init(key, shape, *dtype)`` returns (traced, not compiled), or the exception it raises."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return outcome(lambda: jax.eval_shape(lambda k: init(k, shape, *dtype, **call), key(0)))


@pytest.mark.parametrize("name", [n for n in NAMES if n not in ("zeros", "ones")])
def test_the_initializer_has_jax_signature_with_the_dtype_bound(name):
    for dtype in (None, jnp.bfloat16, jnp.float16, jnp.float32, jnp.float64, jnp.complex64, jnp.complex128):
        ours, theirs = both(name, *MINIMAL.get(name, ()), dtype=dtype)
        assert params(ours) == params(theirs), name
        assert isinstance(ours, JI.Initializer) and ours.__doc__
        shape = (3, 3, 4) if name == "delta_orthogonal" else (4, 5)
        (a, e1), (b, e2) = abstract(ours, shape), abstract(theirs, shape)
        if e2 is not None:
            same_error(e1, e2, f"{name} {dtype}")
            continue
        assert e1 is None, (name, dtype, e1)
        assert a.shape == b.shape and a.dtype == b.dtype == jax.dtypes.canonicalize_dtype(dtype or float), (name, dtype)


def test_the_specs_underneath():
    assert O.lecun_normal().spec == ui.VarianceScaling(1.0, "fan_in", "truncated_normal")
    assert O.he_uniform().spec == ui.VarianceScaling(2.0, "fan_in", "uniform")
    spec = O.glorot_uniform().spec
    assert spec is not None and spec.lower(ui.layout.TensorInfo.make((30, 20), "flax")) == \
        ui.XavierUniform().lower(ui.layout.TensorInfo.make((30, 20), "flax"))
    assert O.truncated_normal(0.5, lower=-1.0, upper=3.0).spec == ui.TruncatedNormal(0.0, 0.5, -0.5, 1.5)
    assert O.uniform(0.3).spec == ui.Uniform(0.0, 0.3) and O.normal(0.2).spec == ui.Normal(0.0, 0.2)
    assert O.orthogonal(1.3).spec == ui.Orthogonal(1.3) and O.delta_orthogonal(2.0).spec == ui.DeltaOrthogonal(2.0)
    assert O.constant(0.7).spec == ui.Constant(0.7) and O.normal(jnp.ones(3)).spec is None


# ------------------------------------------------------------------------------------------------ real laws

LAWS = [  # (name, args, kwargs, shape)
    ("uniform", (), {}, M), ("uniform", (3.0,), {}, M), ("uniform", (-2.0,), {}, M),
    ("normal", (), {}, M), ("normal", (0.7,), {}, M), ("normal", (-0.7,), {}, M),
    ("truncated_normal", (), {}, M), ("truncated_normal", (0.5,), {"lower": -1.0, "upper": 3.0}, M),
    ("truncated_normal", (-0.5,), {"lower": -1.0, "upper": 3.0}, M),
    ("truncated_normal", (1.0,), {"lower": 0.5, "upper": 4.0}, M),
    ("orthogonal", (), {}, Q), ("orthogonal", (1.3,), {}, Q[::-1]), ("orthogonal", (-2.0,), {}, Q),
    ("orthogonal", (), {"column_axis": 1}, (6, 8, 96)),
    ("delta_orthogonal", (), {}, C), ("delta_orthogonal", (2.0,), {"column_axis": 0}, C),
    ("delta_orthogonal", (), {}, (3, 3, 16, 16)),  # square, in = out channels: the common ResNet kernel
] + [(name, (), {}, shape) for name in FANNED for shape in (C, M)] + \
    [("variance_scaling", (1.7, mode, dist), {}, C) for mode in MODES for dist in DISTRIBUTIONS]


def orthonormal(x, name, scale, column_axis=-1):
    """JAX's orthogonal contract: the column axis against the rest flattened is ``scale`` x a matrix with orthonormal
    rows or columns, whichever are fewer (unitary ones for complex dtypes); delta-orthogonal is zero off the centre
    ((k - 1) // 2 of each spatial axis), where it is such an (in, out) matrix."""
    x = np.asarray(x, dtype=np.complex128)
    if name == "delta_orthogonal":
        centre = tuple((k - 1) // 2 for k in x.shape[:-2])
        rest = x.copy()
        rest[centre] = 0
        assert not rest.any(), "delta_orthogonal: not zero off the centre"
        mat = x[centre]
    else:
        mat = np.moveaxis(x, column_axis, -1).reshape(-1, x.shape[column_axis])
    small = mat if mat.shape[0] <= mat.shape[1] else mat.T
    np.testing.assert_allclose(small @ small.conj().T, scale ** 2 * np.eye(small.shape[0]), atol=3e-5 * scale ** 2,
                               err_msg=name)


@pytest.mark.parametrize("name,args,kwargs,shape", LAWS, ids=lambda x: x if isinstance(x, str) else repr(x))
def test_same_law_as_jax(name, args, kwargs, shape):
    ours, theirs = same_outcome(lambda m: getattr(m, name)(*args, **kwargs), shape, where=f"{name}{args}{kwargs}")
    if name in ("orthogonal", "delta_orthogonal"):
        for x in (ours, theirs):
            orthonormal(x, name, args[0] if args else 1.0, kwargs.get("column_axis", -1))


def nonzero_positions(x):
    """The spatial positions of a (*spatial, in, out) kernel that hold a nonzero entry."""
    return [tuple(int(i) for i in p) for p in np.argwhere(np.any(np.asarray(x) != 0, axis=(-2, -1)))]


@pytest.mark.parametrize("shape", [(2, 2, 16, 32), (4, 16, 32), (2, 3, 4, 16, 32)], ids=str)
def test_delta_orthogonal_puts_the_matrix_where_jax_does_on_an_even_kernel(shape):
    """On an even kernel the centre is not symmetric: JAX's delta_orthogonal, in the same run, writes the matrix at
    one spatial position, and ours writes it at the same one ((k - 1) // 2, not k // 2)."""
    ours, theirs = same_outcome(lambda m: m.delta_orthogonal(), shape, where=f"delta_orthogonal {shape}")
    assert nonzero_positions(theirs) == [tuple((k - 1) // 2 for k in shape[:-2])]  # JAX's own, as documented
    assert nonzero_positions(ours) == nonzero_positions(theirs)
    orthonormal(ours, "delta_orthogonal", 1.0)


# ----------------------------------------------------------------------------------------------- fans, axes

AXES = [  # (axes, shape): JAX's own examples (tests/nn_test.py), any rank, negative, tuple, overlapping, repeated
    ({"in_axis": (0, 1), "out_axis": (-2, -1)}, (3, 3, 16, 128)),
    ({"in_axis": 0, "out_axis": (2, 3), "batch_axis": 1}, (3, 3, 16, 128)),
    ({"in_axis": 0, "out_axis": 0}, (18432,)),
    ({"in_axis": -1, "out_axis": -1}, (18432,)),
    ({"out_axis": 0}, M),  # Flax's default_embed_init: in and out overlap at axis 0
    ({"in_axis": 1, "out_axis": 1}, M),
    ({"in_axis": 0, "batch_axis": 0}, M),  # fractional fans
    ({"in_axis": (0, 0), "out_axis": -1}, C),  # a repeated axis counts twice
    ({"in_axis": -3, "out_axis": -1, "batch_axis": (1,)}, C),
    ({"in_axis": -1, "out_axis": -2}, M),  # a kernel stored (out, in)
    ({"in_axis": (), "out_axis": ()}, M),
]


@pytest.mark.parametrize("axes,shape", AXES, ids=repr)
def test_fans_are_jax_own_numbers_and_laws_follow(axes, shape):
    ours = layout_of(O.variance_scaling(1.0, "fan_avg", "uniform", **axes)).fans(shape)
    assert ours == _compute_fans(shape, **axes)  # exactly, floats included
    i = AXES.index((axes, shape))
    mode, dist = MODES[i % 4], DISTRIBUTIONS[i % 3]
    same_outcome(lambda m: m.variance_scaling(1.3, mode, dist, **axes), shape, where=f"{mode} {dist} {axes}")


FAN_GRID = [(shape, axes) for shape in ((5,), (), (4, 5), (2, 3, 4), (2, 3, 4, 5))
            for axes in ({}, {"in_axis": 0}, {"in_axis": 0, "out_axis": 0}, {"in_axis": -1, "out_axis": -1},
                         {"in_axis": 3}, {"in_axis": -5}, {"in_axis": (0, 1), "out_axis": (-1,)},
                         {"in_axis": 1, "out_axis": 2, "batch_axis": 0}, {"in_axis": (-2,)}, {"out_axis": 0},
                         {"in_axis": 2, "out_axis": 2, "batch_axis": (2, 1)})]


def test_fans_and_their_errors_over_ranks_and_axes():
    """JAX's numbers or JAX's exception class, for every rank and axis combination of the grid; where JAX raises,
    the whole initializer raises the same class."""
    for shape, axes in FAN_GRID:
        where = f"{shape} {axes}"
        ours = outcome(lambda: layout_of(O.variance_scaling(1.0, "fan_in", "normal", **axes)).fans(shape))
        theirs = outcome(lambda: _compute_fans(shape, **axes))
        if theirs[1] is not None:
            same_error(ours[1], theirs[1], where)
            (_, e1), (_, e2) = (abstract(m.variance_scaling(2.0, "fan_avg", "normal", **axes), shape) for m in (O, JI))
            same_error(e1, e2, where)
        else:
            assert ours == theirs, where


ZERO_SHAPES = [(0, 4), (0,), (3, 0, 5), (0, 3, 3), (3, 0, 3)]


def same_abstract(make, shape, dtype=None, where="", **call):
    """The same shape and dtype (traced, not compiled), or the same exception class."""
    (a, e1), (b, e2) = abstract(make(O), shape, dtype, **call), abstract(make(JI), shape, dtype, **call)
    if e2 is not None:
        same_error(e1, e2, where)
    else:
        assert e1 is None, f"{where}: we raised {e1!r} where JAX returns"
        assert (a.shape, a.dtype) == (b.shape, b.dtype), f"{where}: {a} against {b}"


@pytest.mark.parametrize("name", NAMES)
def test_zero_size_shapes_as_jax(name):
    for shape in ZERO_SHAPES:
        for kwargs in ({}, {"in_axis": 0, "out_axis": 0}) if name in FANNED else ({},):
            same_abstract(lambda m: getattr(m, name) if name in ("zeros", "ones") else
                          getattr(m, name)(*MINIMAL.get(name, ()), **kwargs), shape, where=f"{name} {kwargs} {shape}")
    if name in ("orthogonal", "delta_orthogonal", "normal", "zeros"):  # the values: zeros, or nothing
        shape = (3, 0, 3)
        ours, theirs = same_outcome(lambda m: getattr(m, name) if name == "zeros" else getattr(m, name)(), shape)
        assert ours is not None and theirs is not None and ours.size == theirs.size == 0


# ------------------------------------------------------------------------------------------------ errors

ERRORS = [  # (builder, shape, dtype): JAX's errors, and the calls it answers
    (lambda m: m.variance_scaling(1.0, "fan_avg", "truncated_normal"), (5,), None),
    (lambda m: m.lecun_normal(), (), None),
    (lambda m: m.he_uniform(), 3, None),
    (lambda m: m.normal(), 3, None),
    (lambda m: m.glorot_normal(in_axis=5), (3, 4), None),
    (lambda m: m.lecun_uniform(in_axis=0, out_axis=0), (), None),
    (lambda m: m.orthogonal(), (3,), None),
    (lambda m: m.orthogonal(column_axis=3), (3, 4, 5), None),
    (lambda m: m.orthogonal(column_axis=-4), (3, 4, 5), None),
    (lambda m: m.orthogonal(column_axis=7), (0, 3), None),
    (lambda m: m.delta_orthogonal(), (3, 3), None),
    (lambda m: m.delta_orthogonal(), (1, 1, 1, 1, 3, 3), None),
    (lambda m: m.delta_orthogonal(), (3, 4, 3), None),
    (lambda m: m.delta_orthogonal(column_axis=2), (3, 2, 3), None),
    (lambda m: m.delta_orthogonal(column_axis=-3), (3, 2, 3), None),
    (lambda m: m.delta_orthogonal(column_axis=1), (3, 2, 3), None),
    (lambda m: m.delta_orthogonal(), (0, 0, 3), None),
    (lambda m: m.uniform(), (3, 3), jnp.complex64),
    (lambda m: m.truncated_normal(), (3, 3), jnp.complex64),
    (lambda m: m.constant(1 + 2j), (3, 3), jnp.float32),
    (lambda m: m.constant(jnp.arange(3.0)), (4, 4), None),
    (lambda m: m.constant(jnp.ones((2, 4, 3))), (4, 3), None),
    (lambda m: m.normal(), (2.0, 3), None),
    (lambda m: m.normal(), None, None),
    (lambda m: m.zeros, (2.0, 3), None),
] + [(lambda m, n=n: getattr(m, n)(*MINIMAL.get(n, ())) if n not in ("zeros", "ones") else getattr(m, n),
      (3, 3, 4), dt) for n in NAMES for dt in (jnp.int32, jnp.bool_, jnp.uint8, jnp.complex64)]


def test_errors_and_edge_calls_as_jax():
    for i, (make, shape, dtype) in enumerate(ERRORS):
        same_abstract(make, shape, dtype, where=f"case {i}: shape {shape} dtype {dtype}")


@pytest.mark.parametrize("name", ["orthogonal", "delta_orthogonal"])
def test_out_sharding_is_not_implemented_for_orthogonal_as_in_jax(name):
    mesh = jax.make_mesh((1,), ("x",))
    sharding = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("x"))
    (_, ours), (_, theirs) = call_both(lambda m: getattr(m, name)(), (3, 3, 4), None, out_sharding=sharding)
    same_error(ours, theirs, name)


# ------------------------------------------------------------------------------------------------- dtypes

HALF = [("uniform", (), jnp.bfloat16), ("normal", (), jnp.bfloat16), ("truncated_normal", (), jnp.bfloat16),
        ("lecun_normal", (), jnp.bfloat16), ("glorot_uniform", (), jnp.bfloat16), ("uniform", (), jnp.float16),
        ("normal", (), jnp.float16), ("variance_scaling", (2.0, "fan_out", "normal"), jnp.float16)]


@pytest.mark.parametrize("name,args,dtype", HALF, ids=lambda x: x if isinstance(x, str) else "")
def test_half_precision_laws(name, args, dtype):
    """The dtype asked for, passed when called or bound when built (JAX's testInitializer and
    testInitializerProvider; every name and dtype: test_the_initializer_has_jax_signature_with_the_dtype_bound).
    Ours is the law drawn in float32 and rounded once, JAX's is drawn with the dtype's bits (a coarser grid; see
    test_half_precision_draws): at this size the two are the same law to KS."""
    same_outcome(lambda m: getattr(m, name)(*args), M, dtype, where=f"{name} in {dtype}")
    ours = getattr(O, name)(*args, dtype=dtype)(key(5), M)
    assert ours.dtype == dtype and ours.shape == M


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.bfloat16, jnp.float16, jnp.int32, jnp.int8, jnp.uint8, jnp.bool_,
                                   jnp.complex64])
def test_constants_in_every_dtype_exactly(dtype):
    cases = [(lambda m: m.zeros, ()), (lambda m: m.ones, ()), (lambda m: m.constant(2.7), ()),
             (lambda m: m.constant(-1.5), ()), (lambda m: m.constant(np.array([[2.7], [-2.2], [0.0]])), ()),
             (lambda m: m.constant(jnp.arange(4.0)), ()), (lambda m: m.constant(np.int64(3)), ()),
             (lambda m: m.constant(True), ())]
    for i, (make, _) in enumerate(cases):
        if dtype == jnp.uint8 and i in (3, 4):
            continue  # negative values on uint8: see test_values_the_dtype_cannot_hold
        ours, theirs = same_outcome(make, (3, 4), dtype, where=f"constant case {i} in {dtype}")
        np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))


def test_complex_constants_exactly():
    for value in (1.5 - 2j, np.array([1 + 1j, 2.0, -3j]), 0j):
        for dtype in (jnp.complex64,) + (() if isinstance(value, np.ndarray) else (None,)):  # see the differences
            ours, theirs = same_outcome(lambda m: m.constant(value), (2, 3), dtype, where=f"{value} {dtype}")
            if ours is not None:
                np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))


def test_jax_accidental_upcasting_case():
    """A float32 parameter does not make a bfloat16 initializer return float32 (JAX's testAccidentalUpcasting)."""
    p = jnp.array(1.0, dtype=jnp.float32)
    for name in ("uniform", "normal", "truncated_normal"):
        ours, theirs = getattr(O, name)(p, jnp.bfloat16), getattr(JI, name)(p, jnp.bfloat16)
        assert ours(key(0), (4, 4)).dtype == theirs(key(0), (4, 4)).dtype == jnp.bfloat16


X64 = textwrap.dedent("""
    import jax, jax.numpy as jnp, numpy as np, warnings
    warnings.simplefilter("ignore")
    assert jax.config.jax_enable_x64
    from parity.common import outcome, same_error, same_law
    from unifiedinit.backends.flax import initializers as O
    JI = jax.nn.initializers
    minimal = {"variance_scaling": (1.0, "fan_avg", "uniform"), "constant": (0.25,)}

    def build(m, name, **kw):
        return getattr(m, name) if name in ("zeros", "ones") else getattr(m, name)(*minimal.get(name, ()), **kw)

    for name in O.__all__:  # every name and dtype: the dtype returned, or the same error (traced, not compiled)
        shape = (3, 16, 32) if name == "delta_orthogonal" else (64, 48)
        for dtype in (None, jnp.float64, jnp.complex128, "float64 bound", "complex128 bound"):
            if isinstance(dtype, str) and name in ("zeros", "ones"):
                continue
            out = []
            for m in (O, JI):
                init = build(m, name, dtype=dtype.split()[0]) if isinstance(dtype, str) else build(m, name)
                call = (lambda k: init(k, shape)) if isinstance(dtype, str) else (lambda k: init(k, shape, dtype))
                out.append(outcome(lambda: jax.eval_shape(call, jax.random.key(0))))
            (a, e1), (b, e2) = out
            if e2 is not None:
                same_error(e1, e2, f"{name} {dtype}")
                continue
            assert e1 is None and (a.shape, a.dtype) == (b.shape, b.dtype), (name, dtype, a, b, e1)
            want = {None: "float64", "float64 bound": "float64", "complex128 bound": "complex128"}.get(dtype, dtype)
            assert a.dtype == jnp.dtype(want), (name, dtype, a.dtype)
    for name, dtype in (("normal", None), ("lecun_normal", jnp.float64), ("truncated_normal", jnp.float64),
                        ("glorot_normal", jnp.complex128), ("orthogonal", jnp.complex128)):  # and the laws
        ours, theirs = build(O, name)(jax.random.key(1), (192, 96), dtype), \
            build(JI, name)(jax.random.key(2), (192, 96), dtype)
        assert ours.dtype == theirs.dtype
        same_law(np.asarray(ours), np.asarray(theirs), f"{name} {dtype}")
    x = O.constant(0.1 + 0.2j)(jax.random.key(0), (2, 2), jnp.complex128)
    assert np.array_equal(np.asarray(x), np.asarray(JI.constant(0.1 + 0.2j)(jax.random.key(0), (2, 2), jnp.complex128)))
    print("ok")
""")


def test_float64_and_complex128_under_x64_in_a_subprocess():
    env = dict(os.environ, JAX_ENABLE_X64="1", JAX_PLATFORMS="cpu",
               PYTHONPATH=os.pathsep.join([os.path.dirname(os.path.dirname(__file__)),
                                          os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", X64], capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stderr[-3000:]


# -------------------------------------------------------------------------------------------------- complex

COMPLEX = [("normal", (), {}, M), ("normal", (0.7,), {}, M), ("orthogonal", (), {}, Q), ("orthogonal", (1.5,), {}, Q[::-1]),
           ("delta_orthogonal", (), {}, C)] + \
    [("variance_scaling", (1.7, "fan_geo_avg", dist), {}, C) for dist in DISTRIBUTIONS] + \
    [("variance_scaling", (0.8, "fan_out", dist), {"out_axis": 0}, M) for dist in DISTRIBUTIONS] + \
    [(name, (), {}, C) for name in ("glorot_uniform", "he_normal", "lecun_normal")]


@pytest.mark.parametrize("name,args,kwargs,shape", COMPLEX, ids=lambda x: x if isinstance(x, str) else repr(x))
def test_complex_laws_as_jax(name, args, kwargs, shape):
    ours, theirs = same_outcome(lambda m: getattr(m, name)(*args, **kwargs), shape, jnp.complex64,
                                where=f"{name}{args}{kwargs} complex64")
    if name in ("orthogonal", "delta_orthogonal"):  # unitary
        for x in (ours, theirs):
            orthonormal(x, name, args[0] if args else 1.0, kwargs.get("column_axis", -1))


# --------------------------------------------------------------------------------- array-valued parameters

def test_array_valued_parameters_as_jax():
    """An array parameter multiplies as JAX's does: each group of columns with the same parameter has JAX's law."""
    p = np.tile([0.5, 3.0], M[1] // 2)
    low = np.tile([-1.0, 0.5], M[1] // 2)
    cases = [
        (lambda m: m.normal(jnp.asarray(p)), jnp.float32),
        (lambda m: m.normal(p), jnp.complex64),
        (lambda m: m.uniform(jnp.asarray(p)), jnp.float32),
        (lambda m: m.truncated_normal(jnp.asarray(p)), jnp.float32),
        (lambda m: m.truncated_normal(1.0, lower=jnp.asarray(low), upper=2.0), jnp.float32),
        (lambda m: m.variance_scaling(jnp.asarray(p), "fan_in", "truncated_normal"), jnp.float32),
    ]
    for i, (make, dtype) in enumerate(cases):
        (ours, e1), (theirs, e2) = call_both(make, M, dtype)
        assert e1 is None and e2 is None, (i, e1, e2)
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype, i
        for c in (0, 1):
            same_law(host(ours[:, c::2]), host(theirs[:, c::2]), f"case {i} columns {c}::2")
    (ours, _), (theirs, _) = call_both(lambda m: m.orthogonal(jnp.asarray(p[:Q[1]])), Q)
    for c in (0, 1):
        same_law(host(ours[:, c::2]), host(theirs[:, c::2]), f"orthogonal columns {c}::2")
    # a parameter that broadcasts past the shape grows the result, as JAX's
    (ours, _), (theirs, _) = call_both(lambda m: m.normal(jnp.ones((2, 4, 3))), (4, 3))
    assert ours.shape == theirs.shape == (2, 4, 3)
    (ours, _), (theirs, _) = call_both(lambda m: m.delta_orthogonal(jnp.array([1.0, 2.0, 3.0])), (3, 3, 3))
    assert ours.shape == theirs.shape and np.allclose(np.linalg.norm(np.asarray(ours)[1], axis=0), [1, 2, 3], atol=1e-5)


def test_traced_parameters_inside_jit():
    ours = jax.jit(lambda s, k: O.normal(s)(k, M))(2.0, key(1))
    compare(ours, JI.normal(2.0)(key(2), M), "normal")
    ours = jax.jit(lambda s, k: O.variance_scaling(s, "fan_in", "normal")(k, M))(2.0, key(1))
    compare(ours, JI.variance_scaling(2.0, "fan_in", "normal")(key(2), M), "variance_scaling")
    ours = jax.jit(lambda v: O.constant(v)(key(0), (3, 2)))(jnp.arange(2.0))
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(JI.constant(jnp.arange(2.0))(key(0), (3, 2))))


# ------------------------------------------------------------------------------- tracing, rank promotion, sharding

@pytest.mark.parametrize("dtype", [jnp.float32, jnp.complex64])
def test_every_initializer_under_rank_promotion_raise(dtype):
    """JAX's initializers trace under ``jax_numpy_rank_promotion="raise"``; so do ours (the orthogonal ones included,
    whose samplers broadcast the signs of diag(R) against Q)."""
    with jax.numpy_rank_promotion("raise"):
        for name in NAMES:
            shape = (3, 3, 16, 32) if name in ("delta_orthogonal", "variance_scaling") else (32, 16)
            same_abstract(lambda m: getattr(m, name) if name in ("zeros", "ones") else
                          getattr(m, name)(*MINIMAL.get(name, ())), shape, dtype, where=f"{name} {shape}")
        if dtype == jnp.float32:
            same_outcome(lambda m: m.orthogonal(), Q, dtype, where="orthogonal, eager")


def test_jit_and_vmap():
    for name, shape in (("lecun_normal", M), ("orthogonal", Q)):
        init = getattr(O, name)()
        eager, traced = init(key(1), shape), jax.jit(init, static_argnums=(1, 2))(key(1), shape, jnp.float32)
        np.testing.assert_allclose(np.asarray(eager), np.asarray(traced), rtol=1e-5, atol=1e-6, err_msg=name)
    xs = jax.vmap(lambda k: O.he_uniform()(k, (96, 64)))(jax.random.split(key(3), 3))
    ys = jax.vmap(lambda k: JI.he_uniform()(k, (96, 64)))(jax.random.split(key(4), 3))
    assert xs.shape == ys.shape == (3, 96, 64) and not np.allclose(np.asarray(xs[0]), np.asarray(xs[1]))
    compare(xs, ys, "he_uniform under vmap")


def test_out_sharding_as_jax():
    from jax.sharding import NamedSharding, PartitionSpec as P
    mesh = jax.make_mesh((1,), ("x",), axis_types=(jax.sharding.AxisType.Explicit,))
    sharding = NamedSharding(mesh, P("x"))
    for name in ("zeros", "lecun_normal"):
        make = (lambda m: getattr(m, name)(*MINIMAL.get(name, ()))) if name not in ("zeros", "ones") else \
            (lambda m: getattr(m, name))
        (ours, e1), (theirs, e2) = call_both(make, (8, 4), None, out_sharding=sharding)
        assert e1 is None and e2 is None and ours.sharding == theirs.sharding, name
        assert ours.sharding.is_equivalent_to(sharding, 2), name
        (_, e1), (_, e2) = call_both(make, (8, 4), None, out_sharding=P("x"))  # no mesh in context
        same_error(e1, e2, name + " PartitionSpec without a mesh")
        with jax.set_mesh(mesh):
            (ours, e1), (theirs, e2) = call_both(make, (8, 4), None, out_sharding=P("x"))
        assert e1 is None and e2 is None and ours.sharding == theirs.sharding, name


def test_flax_layers_take_them_as_jax_own():
    flax = pytest.importorskip("flax")
    from flax import linen as nn, nnx
    embed = lambda init: np.asarray(nn.Embed(1000, 64, embedding_init=init).init(  # noqa: E731
        key(4), jnp.zeros((1,), jnp.int32))["params"]["embedding"])
    compare(embed(O.variance_scaling(1.0, "fan_in", "normal", out_axis=0)), embed(nn.linear.default_embed_init),
            "Flax's default_embed_init")
    ours = nnx.Linear(300, 256, kernel_init=O.lecun_normal(), bias_init=O.zeros, rngs=nnx.Rngs(0))
    theirs = nnx.Linear(300, 256, rngs=nnx.Rngs(1))
    compare(ours.kernel[...], theirs.kernel[...], "nnx.Linear's default kernel")
    assert ours.bias is not None and theirs.bias is not None
    np.testing.assert_array_equal(np.asarray(ours.bias[...]), np.asarray(theirs.bias[...]))
    assert flax is not None


# ------------------------------------------------------------------------------------- intended differences

#: the DIFFERENCES entries of framework "jax", each checked by a test below (ours as the entry says, theirs too)
ENTRIES = {
    "non-finite": "uniform/normal/truncated_normal/variance_scaling/orthogonal/delta_orthogonal/constant with NaN or "
                  "inf arguments",
    "negative variance": "variance_scaling(scale<0)",
    "empty window": "truncated_normal(lower >= upper)",
    "far window": "truncated_normal with a window more than 37 std from 0",
    "half QR": "orthogonal/delta_orthogonal on float16, bfloat16 or float8",
    "half draws": "random initializers on float16, bfloat16 or float8",
    "cannot hold": "constant(value) or a random initializer whose values the dtype cannot hold (constant(1e300) on "
                   "float32, constant(300) on int8, normal(stddev > 1637) on float16)",
    "negative size": "a negative size in the shape",
    "when built": "variance_scaling (and glorot/he/lecun) with a mode or distribution JAX does not know or an axis that "
                  "is not an integer; constant(value) with a list, None or a string",
    "not a number": "uniform/normal/truncated_normal/variance_scaling/orthogonal/delta_orthogonal with an argument "
                    "that is not a number or an array (a string, None)",
    "complex array": "constant(value) with a complex array on a real dtype",
}


def jax_entry(short):
    entry = intended("jax", ENTRIES[short])
    assert entry is not None, f"no DIFFERENCES entry for jax {ENTRIES[short]!r}"
    return entry


def test_every_jax_difference_is_checked_here():
    from unifiedinit.differences import DIFFERENCES
    assert {d.function for d in DIFFERENCES if d.framework == "jax"} == set(ENTRIES.values())


def test_non_finite_arguments_are_refused_when_built():
    jax_entry("non-finite")
    for build, shape in ((lambda m: m.uniform(np.nan), (4, 4)), (lambda m: m.normal(np.inf), (4, 4)),
                         (lambda m: m.truncated_normal(np.nan), (4, 4)),
                         (lambda m: m.truncated_normal(1.0, lower=np.nan), (4, 4)),
                         (lambda m: m.variance_scaling(np.inf, "fan_in", "normal"), (4, 4)),
                         (lambda m: m.orthogonal(np.nan), (4, 4)), (lambda m: m.delta_orthogonal(np.inf), (3, 4, 4)),
                         (lambda m: m.constant(np.nan), (4, 4)), (lambda m: m.constant(np.inf), (4, 4)),
                         (lambda m: m.normal(jnp.array([1.0, np.nan])), (4, 2))):
        with pytest.raises(ValueError):
            build(O)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            x = np.asarray(build(JI)(key(0), shape))
        assert not np.all(np.isfinite(x))
    # an infinite truncation bound is a one-sided window, not a non-finite value: drawn as JAX draws it
    for lower, upper in ((-np.inf, 0.5), (0.5, np.inf), (-np.inf, np.inf)):
        same_outcome(lambda m: m.truncated_normal(1.0, lower=lower, upper=upper), (20000,), where=f"[{lower}, {upper}]")


def test_a_negative_variance_is_refused():
    jax_entry("negative variance")
    with pytest.raises(ValueError, match="scale"):
        O.variance_scaling(-1.0, "fan_in", "normal")
    assert np.isnan(np.asarray(JI.variance_scaling(-1.0, "fan_in", "normal")(key(0), (3, 3)))).all()


def test_an_empty_or_unreachable_truncation_window_is_refused():
    jax_entry("empty window")
    jax_entry("far window")
    for lower, upper in ((1.0, 1.0), (1.0, 0.0), (50.0, 60.0)):
        with pytest.raises(ValueError):
            O.truncated_normal(1.0, lower=lower, upper=upper)
    np.testing.assert_allclose(np.asarray(JI.truncated_normal(1.0, lower=1.0, upper=1.0)(key(0), (4,))), 1.0,
                               rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(JI.truncated_normal(1.0, lower=1.0, upper=0.0)(key(0), (4,))), 0.0)
    np.testing.assert_allclose(np.asarray(JI.truncated_normal(1.0, lower=50.0, upper=60.0)(key(0), (4,))), 60.0,
                               rtol=1e-6)


@pytest.mark.parametrize("name,shape", [("orthogonal", Q), ("delta_orthogonal", C)])
@pytest.mark.parametrize("dtype", [jnp.float16, jnp.bfloat16, jnp.float8_e4m3fn])
def test_orthogonal_in_half_precision(name, shape, dtype):
    jax_entry("half QR")
    with pytest.raises(NotImplementedError):
        getattr(JI, name)()(key(0), shape, dtype)
    x = getattr(O, name)()(key(0), shape, dtype)
    assert x.dtype == dtype
    mat = np.asarray(x.astype(jnp.float32), dtype=np.float64)
    mat = mat[tuple((k - 1) // 2 for k in shape[:-2])] if name == "delta_orthogonal" else mat.reshape(-1, shape[-1])
    small = mat if mat.shape[0] <= mat.shape[1] else mat.T
    tol = {jnp.float16: 5e-3, jnp.bfloat16: 4e-2, jnp.float8_e4m3fn: 0.3}[dtype]
    np.testing.assert_allclose(small @ small.T, np.eye(small.shape[0]), atol=tol)
    exact = getattr(O, name)()(key(0), shape, jnp.float32).astype(dtype)
    np.testing.assert_array_equal(host(x), host(exact))  # QR in float32, rounded once


def test_half_precision_draws():
    entry = jax_entry("half draws")
    assert "float32" in entry.ours
    theirs = host(JI.uniform(1.0)(key(0), M, jnp.bfloat16))
    ours = host(O.uniform(1.0)(key(0), M, jnp.bfloat16))
    assert np.all(theirs * 128 == np.floor(theirs * 128)) and np.unique(theirs).size <= 128  # the floored grid
    assert np.unique(ours).size > 500  # U[0, 1) rounded once
    assert np.unique(host(JI.normal(1.0)(key(0), M, jnp.bfloat16))).size <= 128
    assert np.unique(host(O.normal(1.0)(key(0), M, jnp.bfloat16))).size > 500
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(host(JI.lecun_normal()(key(0), M, jnp.float8_e4m3fn))).all()
    x = O.lecun_normal()(key(0), M, jnp.float8_e4m3fn)
    assert x.dtype == jnp.float8_e4m3fn
    np.testing.assert_array_equal(host(x), host(O.lecun_normal()(key(0), M, jnp.float32).astype(x.dtype)))


def test_values_the_dtype_cannot_hold():
    jax_entry("cannot hold")
    for make, dtype in ((lambda m: m.constant(1e300), jnp.float32), (lambda m: m.constant(300), jnp.int8),
                        (lambda m: m.constant(-1.5), jnp.uint8), (lambda m: m.normal(2000.0), jnp.float16),
                        (lambda m: m.uniform(1e5), jnp.float16)):
        with pytest.raises(ValueError):
            make(O)(key(0), (4, 4), dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            make(JI)(key(0), (4, 4), dtype)  # JAX writes inf or a converted integer
    assert int(JI.constant(300)(key(0), (1,), jnp.int8)[0]) == 44


def test_a_negative_size_in_the_shape():
    jax_entry("negative size")
    for name in NAMES:
        with pytest.raises(ValueError, match="shape"):
            (getattr(O, name) if name in ("zeros", "ones") else getattr(O, name)(*MINIMAL.get(name, ())))(
                key(0), (3, -3, 4))


def test_bad_arguments_raise_jax_class_when_built():
    jax_entry("when built")
    for make, shape in ((lambda m: m.variance_scaling(1.0, "fan_sum", "normal"), (3, 3)),
                        (lambda m: m.variance_scaling(1.0, "fan_in", "cauchy"), (3, 3)),
                        (lambda m: m.glorot_normal(in_axis="0"), (3, 3)),
                        (lambda m: m.constant([1.0, 2.0]), (3, 2)), (lambda m: m.constant(None), (3, 2)),
                        (lambda m: m.constant("a"), (3, 2))):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = make(JI)  # JAX builds it, and raises when it is called
            _, err = outcome(lambda: theirs(key(0), shape))
        assert err is not None, "JAX raises when it is called"
        with pytest.raises(type(err)):
            make(O)
    jax_entry("not a number")
    for make in (lambda m: m.uniform("a"), lambda m: m.normal(None), lambda m: m.truncated_normal(1.0, lower="a"),
                 lambda m: m.variance_scaling("a", "fan_in", "normal"), lambda m: m.orthogonal(None),
                 lambda m: m.delta_orthogonal("a")):
        with pytest.raises(TypeError):
            make(O)
        _, err = outcome(lambda: make(JI)(key(0), (3, 3, 3)))
        assert isinstance(err, (ValueError, TypeError))


def test_a_complex_array_on_a_real_dtype():
    jax_entry("complex array")
    value = np.array([1 + 2j, 3j])
    with pytest.raises(TypeError):
        O.constant(value)(key(0), (2, 2), jnp.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_array_equal(np.asarray(JI.constant(value)(key(0), (2, 2), jnp.float32)), [[1, 0], [1, 0]])
