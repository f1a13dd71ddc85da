"""One error catalog: an unusable tensor is refused with the same exception type and the same message in every
backend, before anything is written: the target keeps its values. (The shape, in the framework's axis order,
the layout's name and the parameter named for the dtype are the only words that differ: a hook that writes a
tensor names its 'tensor', an initializer called as init(shape, dtype), Keras's and Flax's, its 'dtype'.)"""

import re
from typing import Any, Callable, cast

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
    # half precision is drawn in float32: the refusal says why (torch's own uniform_ refuses the window), not that a
    # sampler computes in float16
    ("uniform wider than float16", ui.Uniform(-40000.0, 40000.0), (4, 4), "float16", ValueError,
     r"^parameter '(tensor' has|dtype' asks for) dtype float16, which cannot hold the width of Uniform\(low=-40000\.0, "
     r"high=40000\.0\): \[-40000, 40000\] is 80000 wide, more than float16's largest number: torch's own uniform_ "
     r"refuses such a window on a float16 tensor \(to - from must be at most 65504\), and unifiedinit, which draws "
     r"float16 in float32 or wider, refuses it in every framework alike; allowed: a width of at most 65504$"),
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


@pytest.mark.parametrize("text,shown", [
    ("Normal(std=1j)", r"1j \(a complex number\)"), ("Normal(std=-1j)", r"-1j \(a complex number\)"),
    ("Normal(std=b'x')", r"b'x' \(a bytes literal\)"), ("Normal(std=...)", r"\.\.\. \(an Ellipsis\)"),
    ("Normal(std=-'a')", r"-'a' \(a sign on a string; only a real number takes one\)")])
def test_an_expression_names_the_literal_it_refuses(text, shown):
    """A complex number, bytes or an Ellipsis in an expression was refused as "Constant is not allowed" (the Python
    syntax tree's name for any literal; "UnaryOp" for -1j): the literal is named, with what it is."""
    with pytest.raises(ValueError, match=rf"^cannot parse spec: at column 12: {shown} is not allowed \(real numbers, "
                                         r"strings, True/False/None, lists, dicts and registered spec names only\)$"):
        ui.from_expression(text)


def _long_texts() -> list[tuple[str, Any, str, int]]:
    """(case, a call that refuses a long text, a regex its message must match, the long text's length)."""
    long_key = "a" * 5000
    return [
        ("a 5000-digit number", lambda: ui.from_expression("Normal(std=" + "1" * 5000 + ")"),
         r"cannot parse spec 'Normal\(std=1{26}\.\.\.1{36}\)' \(5014 characters\): not an expression \(an integer of "
         r"more than 4300 digits", 5014),
        ("a long expression", lambda: ui.from_expression("Normal(std=(" + "x" * 10000),
         r"cannot parse spec 'Normal\(std=\(x{25}\.\.\.x{37}' \(10014 characters\): not an expression", 10014),
        ("a long unknown name", lambda: ui.from_expression("N" * 10000),
         r"unknown spec 'N{37}\.\.\.N{37}' \(10002 characters\); registered: ", 10002),
        ("a value, not a spec", lambda: ui.from_expression("[" + "1," * 5000 + "]"),
         r"it describes list \[1, 1, [1, ]*\.\.\.[1, ]*1\] \(15000 characters\), not a spec", 15000),
        ("a long keyword", lambda: ui.from_expression(f"Normal({long_key}=1)"),
         r"at column 1: Normal has no parameter 'a{37}\.\.\.a{37}' \(5002 characters\); it takes mean, std", 5002),
        ("a long keyword twice", lambda: ui.from_expression(f"Normal({long_key}=1, {long_key}=2)"),
         r"keyword argument 'a{37}\.\.\.a{37}' \(5002 characters\) repeated", 5002),
        ("a long dict key twice", lambda: ui.from_expression(f"Scaled(Normal(), 'w', {{'{long_key}': 1, "
                                                             f"'{long_key}': 2}})"),
         r"the key 'a{37}\.\.\.a{37}' \(5002 characters\) appears twice in one dict", 5002),
        ("a long JSON type", lambda: ui.from_json('{"type": "' + "N" * 10000 + '"}'),
         r"spec\.type: unknown spec 'N{37}\.\.\.N{37}' \(10002 characters\)", 10002),
        ("a JSON type that is a long list", lambda: ui.from_json('{"type": [' + "1, " * 3000 + "1]}"),
         r"spec\.type: unknown spec \[1, 1, [1, ]*\.\.\.[1, ]*1\] \(9003 characters\)", 9003),
        ("a long JSON key", lambda: ui.from_json('{"type": "Normal", "' + long_key + '": 1}'),
         r"spec\.a{38}\.\.\.a{38} \(5000 characters\): Normal has no parameter 'a{37}\.\.\.a{37}' \(5002 characters\); "
         r"it takes mean, std", 5002),
        ("a long JSON key twice", lambda: ui.from_json(f'{{"type": "Normal", "{long_key}": 1, "{long_key}": 2}}'),
         r"the key 'a{37}\.\.\.a{37}' \(5002 characters\) appears twice in one object", 5002),
        ("a long JSON number that overflows", lambda: ui.from_json('{"type": "Normal", "std": ' + "1" * 5000 + ".0}"),
         r"1{38}\.\.\.1{36}\.0 \(5002 characters\) is not a finite number \(it overflows to infinity\)", 5002),
    ]


@pytest.mark.parametrize("case,call,pattern,length", _long_texts(), ids=[c[0] for c in _long_texts()])
def test_a_long_text_is_shown_by_its_ends_and_length(case, call, pattern, length):
    """from_expression and from_json echoed the user's text whole in a refusal (a 5,000-digit number: a
    5,289-character message): it is shown as every message shows a user's value (``_validate.shown`` / ``cut``,
    at 80 characters): its ends, the middle left out, and its length."""
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    assert re.search(pattern, message), message[:1000]
    assert len(message) < 700, (len(message), message[:1000])


def test_a_short_expression_is_still_echoed_whole_and_a_wrong_keyword_is_named():
    # the shortening is for long text only; an unknown keyword reads as from_dict's (it was Python's own
    # "Normal.__init__() got an unexpected keyword argument 'sdt'")
    with pytest.raises(ValueError, match=r"^cannot parse spec 'Normal\(': not an expression"):
        ui.from_expression("Normal(")
    with pytest.raises(ValueError, match=r"^cannot parse spec: at column 1: Normal has no parameter 'sdt'; it takes "
                                         r"mean, std$"):
        ui.from_expression("Normal(sdt=0.02)")


class _MyLayer:
    """A layer class for ``register_layer``'s refusals (never registered)."""


@pytest.mark.parametrize("call,kind,pattern", [
    (lambda: ui.register_layer(_MyLayer, "dense", roles=["w"]), TypeError,  # pyright: ignore[reportArgumentType]
     r"^register_layer: parameter 'roles' must be a dict of the layer's parameter names to their roles, such as "
     r"\{'w': 'weight'\}, or None; got \['w'\] of type list$"),
    (lambda: ui.register_layer(_MyLayer, "dense", roles={1: "weight"}), TypeError,  # pyright: ignore
     r"parameter 'roles' must be keyed by the layer's parameter names \(strings\), .*got the key 1 of type int"),
    (lambda: ui.register_layer(_MyLayer, "dense", layouts=["w"]), TypeError,  # pyright: ignore[reportArgumentType]
     r"parameter 'layouts' must be a dict of the layer's parameter names to their layouts, such as \{'w': 'keras'\}"),
    (lambda: ui.register_layer(_MyLayer, "dense", shapes="w"), TypeError,  # pyright: ignore[reportArgumentType]
     r"parameter 'shapes' must be a dict .* got 'w' of type str"),
    (lambda: ui.register_layer(_MyLayer, "dense", layouts={"w": ["torch"]}), TypeError,  # pyright: ignore
     r"parameter 'layouts\['w'\]' must be a layout name \(ui\.LAYOUTS\), got \['torch'\] of type list"),
    (lambda: ui.register_layer(_MyLayer, ["dense"]), TypeError,  # pyright: ignore[reportArgumentType]
     r"parameter 'kind' must be one of 'dense', .*'other'; got \['dense'\] of type list"),
    (lambda: ui.register_layer(_MyLayer, "dense", roles={"w": ["weight"]}), TypeError,  # pyright: ignore
     r"parameter 'roles\['w'\]' must be one of 'weight', .*; got \['weight'\] of type list"),
    (lambda: ui.register_layer(None, "dense"), TypeError,
     r"^register_layer: parameter 'cls' must be a class or a dotted 'module\.Class' name, got None of type NoneType$"),
])
def test_register_layer_checks_its_arguments_before_registering_anything(call, kind, pattern):
    """A list for ``roles`` raised Python's "dictionary update sequence element #0 has length 1", one for
    ``layouts`` or ``shapes`` an AttributeError, a list ``kind`` "unhashable type", and an int key was registered:
    each is refused by name, and nothing is registered."""
    from unifiedinit import params
    before, generation = dict(params.LAYERS), params.layer_generation()
    with pytest.raises(kind, match=pattern):
        call()
    assert params.LAYERS == before and params.layer_generation() == generation


@pytest.mark.parametrize("function", ["sample", "portable"])
@pytest.mark.parametrize("option,value,allowed", [
    ("depth", 3, r"a pair of integers \(layer index, number of layers\), such as \(0, 12\), or None; got 3 of type "
                 r"int"),
    ("depth", "ab", r"a pair of integers \(layer index, number of layers\), .*got 'ab' of type str"),
    ("layer_fans", 64, r"a pair of integers \(fan_in, fan_out\), such as \(64, 32\), or None; got 64 of type int")])
def test_the_reference_sampler_refuses_an_option_that_is_no_pair(function, option, value, allowed):
    """``ui.sample(spec, shape, depth=3)`` raised Python's "'int' object is not iterable"."""
    from unifiedinit import reference
    with pytest.raises(TypeError, match=rf"^{function}: parameter '{option}' must be {allowed}$"):
        getattr(reference, function)(ui.Normal(), (3, 4), **{option: value})
    fans: Any = np.array([4, 3])  # an array of two integers is a pair
    assert reference.sample(ui.Normal(), (3,), layer_fans=fans, depth=[0, 2]).shape == (3,)


@pytest.mark.parametrize("option,value,kind,words", [
    ("layer_fans", 3, TypeError, r"a pair of integers \(fan_in, fan_out\), such as \(64, 32\), or None; got 3 of "
                                 r"type int$"),
    ("layer_fans", "ab", TypeError, r"a pair of integers \(fan_in, fan_out\), .*got 'ab' of type str$"),
    ("layer_fans", {64, 32}, TypeError, r"a pair of integers \(fan_in, fan_out\), .*got \{.*\} of type set$"),
    ("layer_fans", (4, 3, 2), ValueError, r"a pair of integers .*got \(4, 3, 2\), which holds more than two entries$"),
    ("layer_fans", [4], ValueError, r"a pair of integers .*got \[4\], which holds 1 entry$"),
    ("depth", 3, TypeError, r"a pair of integers \(layer index, number of layers\), such as \(0, 12\), or None; got "
                            r"3 of type int$"),
    ("depth", (3, 2), ValueError, r"\(layer index, number of layers\) with the index below the number, such as "
                                  r"\(0, 12\); got \(3, 2\)$"),
    # the index equal to the number of layers is one past the last layer (pins ``index >= count``)
    ("depth", (3, 3), ValueError, r"\(layer index, number of layers\) with the index below the number, such as "
                                  r"\(0, 12\); got \(3, 3\)$")])
def test_tensor_info_refuses_an_option_that_is_no_pair_by_name(option, value, kind, words):
    """``TensorInfo.make(shape, layer_fans=3)`` and ``ui.lower(spec, shape, layer_fans=3)`` raised Python's "'int'
    object is not iterable" (only ``ui.sample`` and ``portable`` checked first): ``TensorInfo.make`` checks both
    options once, for every caller, naming the parameter, the value and what is allowed."""
    calls: list[Callable[[], object]] = [lambda: ui.TensorInfo.make((4,), **{option: value})]
    if option == "layer_fans":  # ui.lower takes no depth
        calls.append(lambda: ui.lower(ui.KaimingUniform(), (4,), layer_fans=value))
    for call in calls:
        with pytest.raises(kind, match=rf"^parameter '{option}' must be {words}"):
            call()


def test_tensor_info_reads_an_iterator_of_fans_once():
    """A generator of two fans was read twice (its length, then its entries): "not enough values to unpack"."""
    info = ui.TensorInfo.make((4,), layer_fans=(f for f in (4, 3)),  # pyright: ignore[reportArgumentType]
                              depth=iter([1, 2]))  # pyright: ignore[reportArgumentType] - iterators under test
    assert info.layer_fans == (4, 3) and info.depth == (1, 2)
    fans: Any = (f for f in (4, 3))  # a generator: no Sequence, under test
    spec = ui.KaimingUniform()
    assert ui.lower(spec, (4,), layer_fans=fans) == ui.lower(spec, (4,), layer_fans=(4, 3))


@pytest.mark.parametrize("dtype,low", [("float16", 40000.0), ("bfloat16", 2e38)])
def test_a_half_precision_window_too_wide_is_refused_as_torchs_own_uniform_refuses_it(dtype, low):
    """A window in the dtype's range but wider than its largest number: the refusal said "which a sampler computes
    in float16", untrue (half precision is drawn in float32); it names the width and the true reason, torch's own
    ``uniform_`` on such a tensor (checked here in the same run). bfloat16 had lost the check (torch raised its own
    RuntimeError from inside the hook, and the reference drew values)."""
    if dtype == "bfloat16":
        pytest.importorskip("ml_dtypes")  # NumPy's bfloat16 (absent beside numpy<1.24)
    spec = ui.Uniform(-low, low)
    with pytest.raises(ValueError, match=rf"^parameter 'tensor' has dtype {dtype}, which cannot hold the width of "
                                         rf"Uniform.* wide, more than {dtype}'s largest number: torch's own uniform_ "
                                         rf"refuses such a window on a {dtype} tensor \(to - from must be at most "
                                         rf".*\), and unifiedinit, which draws {dtype} in float32 or wider, refuses it "
                                         rf"in every framework alike; allowed: a width of at most"):
        ui.sample(spec, (4,), dtype=dtype)
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match=r"uniform_ expects to-from <="):
        torch.empty(4, dtype=getattr(torch, dtype)).uniform_(-low, low)
    x = torch.full((4,), 7.0, dtype=getattr(torch, dtype))
    with pytest.raises(ValueError, match=rf"^parameter 'tensor' has dtype {dtype}, which cannot hold the width"):
        spec.to_torch()(x)
    assert bool((x == 7).all())  # refused before anything is written


@pytest.mark.parametrize("framework", ["reference", "torch", "flax", "keras", "mxnet", "equinox"])
@pytest.mark.parametrize("spec", [ui.Normal(0.0, 1000.0), ui.Mixture([ui.Uniform(-60000.0, -59000.0),
                                                                      ui.Uniform(59000.0, 60000.0)], [0.5, 0.5])],
                         ids=["normal", "mixture"])
def test_a_float16_draw_that_computes_no_wide_window_is_drawn(framework, spec):
    """Only a window's sampler computes high - low: N(0, 1000^2) on float16 (its 40 std reach, 80000 wide, fits
    float16's range) and a mixture of two narrow windows far apart were refused as "too wide", where torch's own
    normal_ draws the first (checked in this run)."""
    from unifiedinit.backends import available, get_backend
    if framework == "reference":
        x = ui.sample(spec, (64, 64), dtype="float16", seed=0)
    elif not available(framework):
        pytest.skip(f"{framework} is not installed")
    else:
        x = get_backend(framework).sample(spec, (64, 64), layout="torch", seed=0, dtype="float16")
    x = np.asarray(x, dtype=np.float64)
    assert np.isfinite(x).all() and np.abs(x).max() > 1000.0
    torch = pytest.importorskip("torch")
    assert bool(torch.isfinite(torch.empty(64, 64, dtype=torch.float16).normal_(0.0, 1000.0)).all())


def test_a_window_too_wide_is_refused_at_any_depth_of_composite_draws():
    # a window inside blocks of blocks: torch wrote the layers before it, then failed in uniform_ with a bare
    # RuntimeError, and the reference drew it
    spec = ui.Blocks([ui.Blocks([ui.Uniform(-2e38, 2e38)])])
    with pytest.raises(ValueError, match=r"float32, which cannot hold the width of Blocks"):
        ui.sample(spec, (4, 4), seed=0)
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Linear(4, 4))
    before = {k: t.clone() for k, t in model.state_dict().items()}
    with pytest.raises(ValueError, match="cannot hold the width"):
        ui.Plan().rule(ui.Zeros()).rule(spec, path="1/weight").apply(model, seed=0)
    assert all(torch.equal(before[k], t) for k, t in model.state_dict().items())


def test_a_report_table_checks_its_width():
    """``report.table(width=None)`` raised "unsupported operand type(s) for -: 'NoneType' and 'int'"; a width
    under 20 leaves no room for a column beside the path."""
    report = ui.presets.torch.resolve([ui.Param("fc/weight", "dense", "weight", (3, 4))], warn=False)
    assert isinstance(report, ui.Report)
    for width, kind, got in [(None, TypeError, "None of type NoneType"), (1.5, TypeError, "1.5 of type float"),
                             (True, TypeError, "True of type bool"), (19, ValueError, "19")]:
        with pytest.raises(kind, match=rf"^Report\.table: parameter 'width' must be an integer >= 20 \(the characters "
                                       rf"per line; 10\*\*6 shows every column whole\), got {got}$"):
            report.table(width=width)
    assert report.table(cast(Any, np.int64(20))) == report.table(20) and "fc/weight" in report.table(20)


#: the random drop-ins of jax.nn.initializers, each with a shape it draws
JAX_INITIALIZERS = [("normal", (), (3, 4)), ("uniform", (), (3, 4)), ("truncated_normal", (), (3, 4)),
                    ("glorot_uniform", (), (3, 4)), ("he_normal", (), (3, 4)), ("orthogonal", (), (3, 4)),
                    ("delta_orthogonal", (), (3, 3, 2, 2))]


@pytest.mark.parametrize("name,args,shape", JAX_INITIALIZERS, ids=[c[0] for c in JAX_INITIALIZERS])
def test_a_jax_drop_in_initializer_names_a_key_that_is_no_key(name, args, shape):
    """``initializers.normal()(0, shape)`` raised JAX's "JAX encountered invalid PRNG key data: expected
    key_data.ndim >= 1": the key is refused by name. A typed and a raw key still draw, inside jax.jit too (the
    check reads types and dtypes only), and zeros/ones/constant take any key, as JAX's do (they use none)."""
    jax = pytest.importorskip("jax")
    from unifiedinit.backends.flax import initializers
    owner = {"glorot_uniform": "variance_scaling", "he_normal": "variance_scaling"}.get(name, name)
    init = getattr(initializers, name)(*args)
    for key, kind, got in [(0, TypeError, "got 0 of type int"), (None, TypeError, "got None of type NoneType"),
                           (jax.random.split(jax.random.key(0)), ValueError, r"got an array of shape \(2,\)")]:
        with pytest.raises(kind, match=rf"^{owner}: parameter 'key' must be .*{got}.*; allowed: one JAX random key, "
                                       r"a typed one of shape \(\) \(jax\.random\.key\(seed\)\) or a raw uint32 one"):
            init(key, shape)
    typed = np.asarray(init(jax.random.key(3), shape))
    # the same values traced (to XLA's rounding: jit fuses the arithmetic), from a typed key and a raw one
    np.testing.assert_allclose(np.asarray(jax.jit(lambda k: init(k, shape))(jax.random.key(3))), typed, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(jax.jit(lambda k: init(k, shape))(jax.random.PRNGKey(3))), typed, rtol=1e-5)
    assert np.array_equal(np.asarray(initializers.zeros(0, shape)), np.zeros(shape))  # pyright: ignore


def test_an_equinox_initializer_names_a_key_that_is_no_key():
    """``spec.to_equinox()(layer, 0)`` raised JAX's "invalid PRNG key data" (and a determined spec took any
    key): refused by name for an array and a layer alike; a key made inside jax.jit still draws."""
    jax = pytest.importorskip("jax")
    eqx = pytest.importorskip("equinox")
    import jax.numpy as jnp
    layer = eqx.nn.Linear(3, 2, key=jax.random.key(0))
    for spec in (ui.Normal(), ui.Zeros()):
        init = spec.to_equinox(bias=ui.Zeros())
        for target in (jnp.zeros((2, 3)), layer):
            for key, kind, got in [(0, TypeError, "got 0 of type int"), ("abc", TypeError, "got 'abc' of type str"),
                                   (jax.random.split(jax.random.key(0)), ValueError, r"shape \(2,\)")]:
                with pytest.raises(kind, match=rf"^EquinoxInitializer: parameter 'key' must be .*{got}.*; allowed: "
                                               r"one JAX random key"):
                    init(target, key)
    drawn = ui.Normal().to_equinox()(layer, jax.random.key(5)).weight
    inside = jax.jit(lambda seed: ui.Normal().to_equinox()(layer, jax.random.key(seed)).weight)(5)
    np.testing.assert_allclose(np.asarray(inside), np.asarray(drawn), rtol=1e-5)  # to XLA's rounding under jit


@pytest.mark.parametrize("portable", [None, ui.Portable(0, "w")], ids=["native", "portable"])
@pytest.mark.parametrize("spec", [ui.Zeros(), ui.Constant(0.5), ui.Normal()], ids=repr)
def test_flax_and_equinox_initializers_check_the_key_alike_whatever_the_spec(spec, portable):
    """``spec.to_flax()`` checked ``key`` only where the values are random (``ui.Zeros().to_flax()(0, shape)`` and a
    portable constant took any key) while ``spec.to_equinox()`` checks it always: both refuse a key that is no JAX
    key by name, for a determined spec and with ``portable`` too, with the same words; a JAX key still draws."""
    jax = pytest.importorskip("jax")
    pytest.importorskip("equinox")
    import jax.numpy as jnp
    flax_init, eqx_init = spec.to_flax(portable=portable), spec.to_equinox(portable=portable)
    for key, kind in [(0, TypeError), (None, TypeError), ("abc", TypeError),
                      (jax.random.split(jax.random.key(0)), ValueError)]:
        messages = []
        for owner, call in [("FlaxInitializer", lambda: flax_init(key, (3, 2))),
                            ("EquinoxInitializer", lambda: eqx_init(jnp.zeros((3, 2)), key))]:
            with pytest.raises(kind, match=rf"^{owner}: parameter 'key' must be .*; allowed: one JAX random key") \
                    as info:
                call()
            messages.append(str(info.value).split(": ", 1)[1])
        assert messages[0] == messages[1]
    assert np.asarray(flax_init(jax.random.key(1), (3, 2))).shape == (3, 2)
    assert np.asarray(eqx_init(jnp.zeros((3, 2)), jax.random.key(1))).shape == (3, 2)


@pytest.mark.parametrize("portable", [None, ui.Portable(0, "w")])
def test_a_flax_spec_initializer_names_a_key_that_is_no_key(portable):
    """``spec.to_flax()(0, shape)`` raised JAX's "invalid PRNG key data" (and a portable one took any key): refused
    by name, as the drop-ins refuse it; a key made inside jax.jit still draws."""
    jax = pytest.importorskip("jax")
    init = ui.Normal().to_flax(portable=portable)
    for key, kind, got in [(0, TypeError, "got 0 of type int"), (None, TypeError, "got None of type NoneType"),
                           (jax.random.split(jax.random.key(0)), ValueError, r"shape \(2,\)")]:
        with pytest.raises(kind, match=rf"^FlaxInitializer: parameter 'key' must be .*{got}.*; allowed: one JAX "
                                       r"random key"):
            init(key, (3, 2))
    drawn = np.asarray(init(jax.random.key(5), (3, 2)))
    inside = jax.jit(lambda seed: init(jax.random.key(seed), (3, 2)))(5)
    np.testing.assert_allclose(np.asarray(inside), drawn, rtol=1e-5)  # to XLA's rounding under jit


def test_a_rule_takes_a_numpy_bool_for_quiet_and_stores_a_python_bool():
    """``Rule(..., quiet=np.bool_(True))`` was refused as no bool; a NumPy bool counts as the bool it holds (as a
    NumPy integer counts as its integer elsewhere), stored as a Python bool so repr and JSON read back."""
    rule = ui.Rule(ui.Zeros(), quiet=np.bool_(True))  # pyright: ignore[reportArgumentType]
    assert type(rule.quiet) is bool and rule == ui.Rule(ui.Zeros(), quiet=True)
    plan = ui.Plan().rule(ui.Zeros(), quiet=np.bool_(False))  # pyright: ignore[reportArgumentType]
    assert type(plan.rules[0].quiet) is bool and not plan.rules[0].quiet
    quiet: Any = np.array(True)  # a 0-d bool array counts as its bool too
    assert ui.Plan.from_json(ui.Plan().rule(ui.Zeros(), quiet=quiet).to_json()).rules[0].quiet is True
    for bad in cast("list[Any]", [1, np.int64(1), "yes", np.array([True])]):
        with pytest.raises(TypeError, match=r"^Rule: parameter 'quiet' must be True or False, got .* of type"):
            ui.Rule(ui.Zeros(), quiet=bad)


@pytest.mark.parametrize("text,words", [
    ('{"std": 1}', r"spec: a spec's dict names its spec under the key 'type' .* this one has none \(its keys: std\)$"),
    ('{"name": "p", "rules": []}', r"\(its keys: name, rules\); a plan \(its rules\) is read by ui.Plan.from_json"),
    ('{}', r"this one has none \(its keys: none\)"),
])
def test_a_spec_dict_without_its_type_says_the_key_is_missing(text, words):
    # it said "unknown spec None; registered: ..." (a plan's file passed as a spec too)
    with pytest.raises(ValueError, match=words):
        ui.from_json(text)


@pytest.mark.parametrize("make", [lambda x: ui.Constant(x), lambda x: ui.Constant([[1, x]]),
                                  lambda x: ui.FromArray([[x, 1]]), lambda x: ui.from_expression(f"Constant({x})")])
def test_a_whole_number_float64_cannot_hold_is_refused_not_rounded(make):
    """Constant(2**53 + 1) was stored as 2**53 (a float), so an int64 parameter got another number than torch's
    fill_ writes, silently; refused by name. A whole number float64 holds (2**53, 2**60) is taken as it is."""
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=r"must be a number float64 holds exactly, got the whole number "
                                         r"9007199254740993, which it holds as 9007199254740992"):
        make(2 ** 53 + 1)
    with pytest.raises(ValueError, match="got the whole number -9007199254740993"):
        make(np.int64(-2 ** 53 - 1))
    m = torch.nn.Module()
    m.p = torch.nn.Parameter(torch.zeros(2, dtype=torch.int64), requires_grad=False)
    ui.Plan().rule(ui.Constant(2 ** 60)).apply(m, seed=0)
    assert m.p.tolist() == torch.zeros(2, dtype=torch.int64).fill_(2 ** 60).tolist() == [2 ** 60] * 2


@pytest.mark.parametrize("saved, name", [({"seed": 1, "kye": "k"}, "'kye'"), ({"seed": 1, "key": "k", "seeds": 2},
                                                                              "'seeds'"), ({1: 2}, "1")])
def test_a_saved_portable_dict_names_a_key_a_portable_does_not_take(saved, name):
    """A hook's saved ``portable`` dict (a Keras config, an MXNet dumps()) with a misspelt key failed with Python's
    bare "Portable.__init__() got an unexpected keyword argument"; it names the key and the keys taken."""
    from unifiedinit.portable import portable_option
    with pytest.raises(ValueError, match=rf"^Portable: parameter {name} is not a Portable keyword; "
                                         r"allowed: seed, key, stream \(as Portable.to_dict\(\) writes them\)$"):
        portable_option(saved)
    for good in (ui.Portable(1, "k"), ui.Portable(1, "k", "counter")):
        assert portable_option(good.to_dict()) == good


@pytest.mark.parametrize("nested", [False, True])
def test_a_log_whose_base_float32_cannot_hold_is_refused_inside_a_mixture_of_a_mixture_too(nested):
    # Log(U(1, 1e39)) on float32: its base is drawn in float32 first, where 1e39 is inf, so it is refused; a mixture
    # holding that mixture is the same law (weights 0.25, 0.25, 0.5) and is refused alike, not drawn in float64
    inner = ui.Mixture([ui.Log(ui.Uniform(1.0, 1e39)), ui.Zeros()], [0.5, 0.5])
    spec = ui.Mixture([inner, ui.Zeros()], [0.5, 0.5]) if nested else inner
    with pytest.raises(ValueError, match=r"float32, which cannot hold the values of Uniform\(low=1.0, high=1e\+39\)"):
        ui.sample(spec, (64,), dtype="float32")
    assert np.isfinite(ui.sample(spec, (64,), dtype="float64")).all()  # float64 holds it: drawn


@pytest.mark.parametrize("base", [ui.Uniform(0.0, 1.0), ui.Normal(0.0, 1.0)])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_an_affine_map_past_float32_is_refused_whichever_the_sign_of_its_scale(base, sign):
    # 1e39 x U[0, 1) spans [0, 1e39), -1e39 x U[0, 1) spans (-1e39, 0]: float32's largest is 3.4e38 either way, so
    # both are refused by name (the negative one's ends come reversed: read in order they were an empty range, and
    # its values were cut to -3.4e38, a pile at float32's end, where torch's t.uniform_().mul_(-1e39) writes -inf)
    spec = ui.Affine(base, scale=sign * 1e39)
    with pytest.raises(ValueError, match=r"float32, which cannot hold the values of Affine"):
        ui.sample(spec, (8,), dtype="float32")
    assert np.isfinite(ui.sample(spec, (8,), dtype="float64")).all()  # float64 holds it
