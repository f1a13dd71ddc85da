"""One error catalog: an unusable tensor is refused with the same exception type and the same message in every
backend, before anything is written: the target keeps its values. (The shape, in the framework's axis order,
the layout's name and the parameter named for the dtype are the only words that differ: a hook that writes a
tensor names its 'tensor', an initializer called as init(shape, dtype), Keras's and Flax's, its 'dtype'.)"""

import re
from typing import Any, cast

import numpy as np
import pytest

import unifiedinit as ui
from unifiedinit.backends import FRAMEWORKS, available, get_backend
from unifiedinit.layout import get_layout, permutation

#: (case, spec, shape in torch's layout, dtype, expected type, a regex the message must match)
CATALOG = [
    ("integer dtype", ui.Normal(), (4, 4), "int32", TypeError, r"dtype.*int32"),
    ("bool dtype", ui.Uniform(), (4, 4), "bool", TypeError, r"dtype.*bool"),
    ("zero-size dimension", ui.XavierUniform(), (0, 4), "float32", ValueError, r"fan_in=.*every dimension must be > 0"),
    ("fan-based on a vector", ui.XavierUniform(), (5,), "float32", ValueError, r"at least 2 dimensions"),
    ("orthogonal on a vector", ui.Orthogonal(), (5,), "float32", ValueError, r"Orthogonal: needs a tensor with at least 2"),
    ("eye not 2-D", ui.Eye(), (2, 2, 2), "float32", ValueError, r"Eye: needs a tensor with exactly 2 dimensions"),
    ("dirac on a matrix", ui.Dirac(), (4, 4), "float32", ValueError, r"Dirac: needs a tensor with 3, 4 or 5"),
    ("dirac groups", ui.Dirac(groups=3), (4, 4, 3, 3), "float32", ValueError, r"'groups' must divide the output channels \(4\)"),
    ("array of the wrong shape", ui.FromArray([[1.0, 2.0], [3.0, 4.0]]), (3, 3), "float32", ValueError,
     r"FromArray: parameter 'values' has shape \(2, 2\)"),
    # values the dtype cannot hold are refused before the first write, never written as inf
    ("constant beyond float32", ui.Constant(1e300), (4, 4), "float32", ValueError, r"float32, which cannot hold"),
    ("normal beyond float32", ui.Normal(0.0, 1e300), (4, 4), "float32", ValueError, r"float32, which cannot hold"),
    # in range, but too wide: the message says the width is what does not fit
    ("uniform wider than float64", ui.Uniform(-1e308, 1e308), (4, 4), "float64", ValueError,
     r"float64, which cannot hold the width of .* is inf wide.*allowed: a width of at most 1\.79769e\+308"),
    ("uniform wider than float32", ui.Uniform(-2e38, 2e38), (4, 4), "float32", ValueError,
     r"float32, which cannot hold the width of .* is 4e\+38 wide.*allowed: a width of at most 3\.40282e\+38"),
    ("constant beyond float16", ui.Constant(1e5), (4, 4), "float16", ValueError, r"float16, which cannot hold"),
    # an integer or bool tensor takes whole numbers only: 0.5 would be cut to 0 (True in a bool)
    ("a fraction in an integer", ui.Constant(0.5), (4, 4), "int32", ValueError, r"int32.*0\.5 is not a whole number"),
    ("a fraction in a bool", ui.Constant(0.5), (4, 4), "bool", ValueError, r"bool.*0\.5 is not a whole number"),
    ("a fractional eye", ui.Eye(2.5), (4, 4), "int8", ValueError, r"int8.*2\.5 is not a whole number"),
    ("hadamard in an integer", ui.Hadamard(), (4, 4), "int32", ValueError, r"int32.*real numbers"),
]
BACKENDS = [f for f in FRAMEWORKS if available(f)]


def attempt(framework, spec, shape, dtype):
    """Apply ``spec`` through the framework's native hook to an array of ``shape`` (torch's layout, moved to the
    framework's own) filled with 7; returns (the exception, the array's values afterwards: hooks that return new
    arrays leave it as the caller keeps it)."""
    backend = get_backend(framework)
    own = shape
    if len(shape) >= 2:
        perm = permutation(get_layout("torch"), get_layout(backend.NATIVE_LAYOUT), len(shape))
        own = tuple(shape[p] for p in perm)
    x = backend.array(np.full(own, 7).astype(dtype), dtype)
    try:
        backend.init_array(spec, x, seed=0)
    except Exception as err:  # noqa: BLE001 - the test inspects whatever comes out
        return err, backend.to_numpy(x)
    return None, backend.to_numpy(x)


def normalized(message):
    """The message without what each framework names its own way: the shape in its axis order, its layout, the
    parameter that holds the dtype."""
    message = re.sub(r"layout '[a-z_]+'", "layout '<layout>'", message)
    message = re.sub(r"parameter '(tensor' has|dtype' asks for) dtype", "parameter '<dtype>' dtype", message)
    return re.sub(r"\(\d+(, \d+)*,?\)", "(<shape>)", message)


@pytest.mark.parametrize("case,spec,shape,dtype,kind,pattern", CATALOG, ids=[c[0] for c in CATALOG])
def test_the_same_mistake_reads_the_same_in_every_backend(case, spec, shape, dtype, kind, pattern):
    messages = {}
    for framework in BACKENDS:
        if framework in ("mxnet", "keras") and case == "fan-based on a vector":
            continue  # MXNet's initializer and Keras's layout give vectors Keras's fan rule (compute_fans')
        err, values = attempt(framework, spec, shape, dtype)
        assert isinstance(err, kind), f"{framework}: {err!r}"
        assert re.search(pattern, str(err)), f"{framework}: {err}"
        assert np.all(values == np.full(1, 7).astype(dtype)), f"{framework} wrote before refusing"  # 7, as dtype
        messages[framework] = normalized(str(err))
    if not messages:
        pytest.skip("no backend installed here applies this case")
    assert len(set(messages.values())) == 1, messages


@pytest.mark.parametrize("dtype,kind,pattern", [
    (None, TypeError, r"parameter 'dtype' must be a dtype or its name \(float16, .*\), got None of type NoneType"),
    (3, TypeError, r"parameter 'dtype' must be a dtype or its name .*got 3 of type int"),
    ("bool", ValueError, r"must be one of float16, bfloat16, float32, float64; or, for a determined spec, int8, .*"
                         r"got 'bool'")])
def test_the_reference_sample_names_what_dtype_it_takes(dtype, kind, pattern):
    # a wrong kind of value is a TypeError; the integer dtypes it takes for a determined spec are named
    with pytest.raises(kind, match=pattern):
        ui.sample(ui.Ones(), (2, 2), dtype=dtype)
    assert ui.sample(ui.Ones(), (2, 2), dtype="int8").dtype == np.int8


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("dtype,kind,pattern", [("floaty", ValueError, r"sample: parameter 'dtype' must be one of "
                                                 r"float16, bfloat16, float32, float64, int8.*bool; got 'floaty'"),
                                                (5, TypeError, r"sample: parameter 'dtype' must be a dtype name")])
def test_a_backend_sample_refuses_a_dtype_that_is_no_dtype_name(framework, dtype, kind, pattern):
    """Each backend's ``sample`` names the parameter, the value and what is allowed (it raised the framework's own
    AttributeError or TypeError: "module 'torch' has no attribute 'floaty'")."""
    if not available(framework):
        pytest.skip(f"{framework} is not installed")
    with pytest.raises(kind, match=pattern):
        get_backend(framework).sample(ui.Normal(), (2, 2), seed=0, dtype=dtype)


def test_a_draw_that_carries_a_large_array_is_shown_by_its_ends_and_length():
    """A FromArray of 300 x 300 values beyond float16 on a float16 torch Linear: the refusal names the parameter,
    the dtype and what is allowed, and shows the array's draw by its ends and length (it printed all 90,000
    values: about 990,000 characters); nothing is written."""
    torch = pytest.importorskip("torch")
    model = torch.nn.Linear(300, 300).half()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    plan = ui.Plan().rule(ui.FromArray(np.full((300, 300), 1e6, dtype="float32")), role="weight")
    with pytest.raises(ValueError) as info:
        plan.apply(model, seed=0)
    message = str(info.value)
    assert len(message) < 800, (len(message), message[:2000])
    assert "'weight'" in message
    assert re.search(r"float16, which cannot hold the values of Array\(values=\(1000000\.0, .*\.\.\..*"
                     r"shape=\(300, 300\)\) \(\d+ characters\): they span \[1e\+06, 1e\+06\]; "
                     r"allowed: values within \[-65504, 65504\]", message), message
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


@pytest.mark.parametrize("framework", BACKENDS)
def test_every_backend_shows_a_large_array_by_its_ends(framework):
    # the same refusal through each backend's native hook: short, the same words, the target untouched
    err, values = attempt(framework, ui.FromArray(np.full((64, 64), 1e6)), (64, 64), "float16")
    assert isinstance(err, ValueError), f"{framework}: {err!r}"
    assert len(str(err)) < 800, (framework, len(str(err)))
    assert re.search(r"float16, which cannot hold the values of Array\(.*\(\d+ characters\): they span", str(err))
    assert np.all(values == np.float16(7)), f"{framework} wrote before refusing"


def test_a_short_draw_is_still_shown_whole():
    # the shortening is only for what is too long to read: a short draw prints as before
    with pytest.raises(ValueError, match=r"cannot hold the values of Constant\(value=100000\.0\): they span"):
        ui.sample(ui.Constant(1e5), (2, 2), dtype="float16")
    from unifiedinit import _validate
    assert _validate.shown(10 ** 400).endswith("(401 characters)") and len(_validate.shown(10 ** 400)) < 80
    assert _validate.shown("floaty") == "'floaty'"


#: the refusal of a constant beyond complex64's parts (float32's range), as float32's
COMPLEX64_REFUSED = (r"cannot initialize 'z' .*: parameter 'tensor' has dtype complex64, which cannot hold the values "
                     r"of Constant\(value=1e\+300\): they span \[1e\+300, 1e\+300\]; allowed: values within "
                     r"\[-3\.40282e\+38, 3\.40282e\+38\]")


def test_a_constant_beyond_complex64s_parts_is_refused_by_torch_before_anything_is_written():
    # complex64 holds two float32s: Constant(1e300) raised a bare RuntimeError from torch's full mid-draw (and
    # wrote inf + 0j in JAX); complex128's parts are float64, which hold it
    torch = pytest.importorskip("torch")

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.z = torch.nn.Parameter(torch.full((2, 2), 7 + 1j, dtype=torch.complex64))
            self.w = torch.nn.Parameter(torch.full((2,), 7 + 1j, dtype=torch.complex128))

    model = Model()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(ValueError, match=COMPLEX64_REFUSED):
        ui.Plan().rule(ui.Constant(1e300), path="z").rule(ui.Ones(), path="w").apply(model, seed=0)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    with pytest.raises(ValueError, match=r"parameter 'tensor' has dtype complex64, which cannot hold .*3\.40282e\+38"):
        ui.Constant(-1e39).to_torch()(model.z.data)
    assert torch.equal(model.z.data, before["z"])
    ui.Plan().rule(ui.Constant(1e300), path="w").rule(ui.Constant(3e38), path="z").apply(model, seed=0)
    assert model.w.tolist() == [1e300 + 0j] * 2 and torch.equal(model.z.data, torch.full((2, 2), 3e38 + 0j))


def test_a_constant_beyond_complex64s_parts_is_refused_by_nnx_before_anything_is_written():
    pytest.importorskip("flax")
    import jax
    import jax.numpy as jnp
    from flax import nnx

    class Model(nnx.Module):
        def __init__(self):
            self.z = nnx.Param(jnp.full((2, 2), 7 + 1j, jnp.complex64))

    model = Model()
    with pytest.raises(ValueError, match=COMPLEX64_REFUSED):
        ui.Plan().rule(ui.Constant(1e300), path="z").apply(model, seed=0)
    assert np.array_equal(np.asarray(model.z.get_value()), np.full((2, 2), 7 + 1j, np.complex64))
    with pytest.raises(ValueError, match=r"parameter 'dtype' asks for dtype complex64, which cannot hold .*3\.40282e"):
        ui.Constant(1e300).to_flax()(jax.random.key(0), (2, 2), jnp.complex64)
    ui.Plan().rule(ui.Constant(3e38), path="z").apply(model, seed=0)  # within float32's range: written
    assert np.array_equal(np.asarray(model.z.get_value()), np.full((2, 2), 3e38 + 0j, np.complex64))


def _zero_d_numbers() -> list[tuple[str, Any, Any, Any, float]]:
    """0-d arrays of each installed array library, as (label, a float 0.02 one, an int 2 one, a bool one, the
    float the float one holds)."""
    out: list[tuple[str, Any, Any, Any, float]] = [("numpy", np.array(0.02), np.array(2), np.array(True), 0.02)]
    try:
        import jax.numpy as jnp
        out.append(("jax", jnp.float32(0.02), jnp.int32(2), jnp.array(True), float(np.float32(0.02))))
    except ImportError:
        pass
    try:
        import torch
        out.append(("torch", torch.tensor(0.02), torch.tensor(2), torch.tensor(True), float(np.float32(0.02))))
    except ImportError:
        pass
    return out


@pytest.mark.parametrize("label,real,whole,truth,held", _zero_d_numbers(), ids=[c[0] for c in _zero_d_numbers()])
def test_a_zero_d_array_counts_as_the_number_it_holds_wherever_a_number_is_taken(label, real, whole, truth, held):
    """NumPy scalars were taken where a number is, and 0-d arrays only by Constant: Normal(std=np.array(0.02)),
    presets.hf(jnp.float32(0.02)), Dirac(groups=torch.tensor(2)), a seed or weight_decay were refused as no number.
    They count as the Python number they hold, stored as that number (repr and JSON hold no array); a 0-d array of
    bools or complex numbers is refused as a bool or a complex number is."""
    normal = ui.Normal(std=real)
    assert type(normal.std) is float and normal == ui.Normal(std=held)
    assert repr(normal) == repr(ui.Normal(std=held)) and normal.to_json() == ui.Normal(std=held).to_json()
    assert ui.presets.hf(real) == ui.presets.hf(held)
    dirac = ui.Dirac(groups=whole)
    assert type(dirac.groups) is int and repr(dirac) == "Dirac(groups=2)"
    portable = ui.Portable(seed=whole)
    assert type(portable.seed) is int and portable == ui.Portable(seed=2)
    rule = ui.Rule(ui.Zeros(), stacked=whole)
    assert type(rule.stacked) is int and rule == ui.Rule(ui.Zeros(), stacked=2)
    rows = ui.Rows(ui.Normal(), index=whole)
    assert type(rows.index) is int and repr(rows) == repr(ui.Rows(ui.Normal(), index=2))
    params = [ui.Param("fc/weight", "dense", "weight", (3, 4))]
    plan = ui.Plan().rule(ui.Normal(std=0.5))
    assert np.array_equal(plan.portable_values(plan.resolve(params).entries[0], whole),
                          plan.portable_values(plan.resolve(params).entries[0], 2))
    for bad in (truth, np.array(1 + 2j), np.bool_(True)):
        with pytest.raises(TypeError, match=r"^Normal: parameter 'std' must be a real number, got .* of type"):
            ui.Normal(std=bad)  # pyright: ignore[reportArgumentType]
        with pytest.raises(TypeError, match=r"^Dirac: parameter 'groups' must be an integer, got"):
            ui.Dirac(groups=bad)  # pyright: ignore[reportArgumentType]
        with pytest.raises(TypeError, match=r"^Portable: parameter 'seed' must be an integer in \[0, 2\*\*64\), got"):
            ui.Portable(seed=bad)  # pyright: ignore[reportArgumentType]
    with pytest.raises(TypeError, match=r"^Dirac: parameter 'groups' must be an integer, got"):
        ui.Dirac(groups=real)  # a float one is no integer, as a float is not
    with pytest.raises(TypeError, match=r"^Normal: parameter 'std' must be a real number, got array\(\[0\.02\]\)"):
        # one entry, but not 0-d: an array, refused as before
        ui.Normal(std=np.array([0.02]))  # pyright: ignore[reportArgumentType]
    with pytest.raises(ValueError, match=r"^Normal: parameter 'std' must be > 0"):
        ui.Normal(std=-real)


def test_a_mixture_takes_its_weights_as_a_one_d_array():
    mixed = ui.Mixture([ui.Zeros(), ui.Ones()], np.array([0.25, 0.75]))  # pyright: ignore[reportArgumentType]
    assert mixed == ui.Mixture([ui.Zeros(), ui.Ones()], [0.25, 0.75]) and type(mixed.weights[0]) is float
    with pytest.raises(ValueError, match=r"^Mixture: parameter 'weights' must be a list of 2 probabilities"):
        ui.Mixture([ui.Zeros(), ui.Ones()], np.array([[0.25, 0.75]]))  # pyright: ignore[reportArgumentType]


def test_a_zero_d_seed_and_weight_decay_are_their_numbers_in_torch():
    torch = pytest.importorskip("torch")
    model = torch.nn.Linear(4, 3)
    groups = ui.param_groups(model, weight_decay=torch.tensor(0.25))
    assert [g["weight_decay"] for g in groups] == [0.25, 0.0] and type(groups[0]["weight_decay"]) is float
    ui.presets.torch.apply(model, seed=np.array(7))
    first = model.weight.detach().clone()
    ui.presets.torch.apply(model, seed=7)
    assert torch.equal(first, model.weight)


def test_a_traced_jax_value_is_still_refused_as_no_number():
    """A value inside jax.jit has no number to read: refused with the usual TypeError, never a tracer error."""
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp
    caught = []

    def build(x):
        with pytest.raises(TypeError, match=r"^Normal: parameter 'std' must be a real number, got .*Tracer") as info:
            ui.Normal(std=x)
        caught.append(info.value)
        return x

    jax.jit(build)(jnp.float32(0.02))
    assert len(caught) == 1


@pytest.mark.parametrize("framework", ["torch", "keras", "flax", "equinox", "mxnet"])
def test_each_backends_sample_takes_the_seeds_ui_sample_takes(framework):
    """torch's sample drew for seed=-1 what 2**64 - 1 draws (torch.manual_seed wraps it) and raised torch's own
    errors for 2**64, 1.5 and a NumPy integer; Keras's and MXNet's took -1 and 2**64. Each takes an integer in
    [0, 2**64), NumPy's too, as ui.sample does."""
    backend = pytest.importorskip(f"unifiedinit.backends.{framework}")
    spec = ui.XavierUniform()
    for seed, kind in cast("list[tuple[Any, type[Exception]]]",
                           [(-1, ValueError), (2 ** 64, ValueError), (1.5, TypeError), (True, TypeError)]):
        with pytest.raises(kind, match=r"parameter 'seed' must be an integer in \[0, 2\*\*64\), got "):
            ui.sample(spec, (3, 4), seed=seed)
        with pytest.raises(kind, match=r"parameter 'seed' must be an integer in \[0, 2\*\*64\), got "):
            backend.sample(spec, (3, 4), seed=seed)
    for seed in cast("list[Any]", [np.int64(7), np.uint64(2 ** 64 - 1)]):
        assert np.array_equal(np.asarray(backend.sample(spec, (3, 4), seed=seed)),
                              np.asarray(backend.sample(spec, (3, 4), seed=int(seed))))
