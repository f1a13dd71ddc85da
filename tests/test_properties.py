"""Robustness: hostile plan files are refused with the path of the field, and property-based tests (hypothesis)
over random specs x shapes x layouts x dtypes, for the reference and every installed backend: a call either
succeeds and its sample follows the exact law, or it raises one of the catalog's errors (TypeError, ValueError).

The hypothesis runs are derandomized (a fixed seed), so a run is repeatable; each KS check is at level 1e-4.
"""

import json
import math
from typing import cast

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import unifiedinit as ui
from unifiedinit import draws as D
from unifiedinit.backends import REGISTRY
from unifiedinit.verify import stats

#: every health check: HealthCheck's metaclass iterates them, with an unannotated __iter__ (a checker sees the class)
ALL_HEALTH_CHECKS = cast("list[HealthCheck]", list(HealthCheck))


def window(draw: D.Draw) -> tuple[float, float] | None:
    """(low, high) of a draw that has bounds (a ``low`` and a ``high``: Uniform, TruncatedNormal), else None."""
    low, high = getattr(draw, "low", None), getattr(draw, "high", None)
    return None if low is None or high is None else (low, high)

# ------------------------------------------------------------------------------------------- hostile plan files

HOSTILE_PLANS = [
    ('{"rules": [{"spec": {"type": "os.system"}}]}', "plan.rules[0].spec.type"),
    ('{"rules": [{"spec": {"type": "Normal", "std": 1e999}}]}', "finite"),
    ('{"rules": [{"spec": {"type": "Normal", "std": NaN}}]}', "NaN is not a finite number"),
    ('{"rules": [{"spec": {"type": "Normal", "std": "1"}}]}', "real number"),
    ('{"rules": [{"spec": null, "kind": "dense"}]}', "plan.rules[0].kind: expected a list of words"),
    ('{"rules": [{"spec": null, "kind": ["__import__(\'os\')"]}]}', "'kind' must be one of"),
    ('{"rules": [{"spec": null, "path": ["*"]}]}', "'path' must be a glob string"),
    ('{"rules": [{"spec": null, "quiet": "yes"}]}', "quiet: expected true or false"),
    ('{"rules": [{"spec": null, "eval": "x"}]}', "expected a dict with spec, kind, role"),
    ('{"rules": {}}', "expected {'name': str, 'rules'"),
    ('{"name": 3, "rules": []}', "expected {'name': str, 'rules'"),
    ('{"rules": [' * 5000 + "]" * 5000 + "}", "nested deeper than"),
    ('{"rules": [{"spec": ' + '{"type": "Affine", "base": ' * 60 + '{"type": "Zeros"}' + "}" * 61 + "]}",
     "nested deeper than 32"),
    ("{nope", "not valid JSON"),
    # from a config file a user may not have written: refused with the position of the problem
    ('{"rules": [{"spec": null, "spec": {"type": "Zeros"}}]}', "line 1 column 27 (char 26): the key 'spec' appears twice"),
    ('{"name": "a",\n "rules": [], "name": "b"}', "line 2 column 15 (char 28): the key 'name' appears twice"),
    # the key twice in an inner object is found where it is, though the parser finishes inner objects first
    ('{"rules": [{"spec": {"type": "Mixture", "components": [{"type": "Normal", "type": "Zeros"}], "weights": [1]}}]}',
     "line 1 column 75 (char 74): the key 'type' appears twice"),
    ('{"rules": [{"spec": {"type": "Constant", "value": 1' + "0" * 5000 + '}}]}',
     "line 1 column 51 (char 50): an integer of 5001 digits (at most 100)"),
    (b'{"rules": [], "name": "\xff"}', "not UTF-8: byte 23"),
    ('{"rules": [{"spec": null, "stacked": -1}]}', "plan.rules[0].stacked: expected an integer"),
    ('{"rules": [{"spec": null, "layout": "nchw"}]}', "plan.rules[0].layout: parameter 'layout' must be a Layout"),
    # a falsy kind or role is no list of words: it used to load as "every kind" (a catch-all rule)
    ('{"rules": [{"spec": {"type": "Zeros"}, "kind": "", "role": ["weight"]}]}', "plan.rules[0].kind: expected a list"),
    ('{"rules": [{"spec": {"type": "Zeros"}, "kind": false}]}', "plan.rules[0].kind: expected a list of words"),
    ('{"rules": [{"spec": {"type": "Zeros"}, "role": 0}]}', "plan.rules[0].role: expected a list of words"),
    ('{"rules": [{"spec": {"type": "Zeros"}, "role": {}}]}', "plan.rules[0].role: expected a list of words"),
    ('{"rules": [{"spec": null, "kind": [""]}]}', "plan.rules[0].kind: Select: parameter 'kind'"),
    ('{"rules": [{"spec": null, "fans": "sideways"}]}', "plan.rules[0].fans: Rule: parameter 'fans'"),
    # a refused number is located outside strings: the name "NaN" is not the NaN refused
    ('{"name": "NaN", "rules": [{"spec": {"type": "Normal", "std": NaN}}]}', "line 1 column 62 (char 61): NaN is not"),
    ('{"name": "a \\" 1e999", "rules": [{"spec": {"type": "Normal", "std": 1e999}}]}', "(char 68): 1e999 is not"),
    ('{"rules": [{"spec": {"type": "Scaled", "base": {"type": "Normal"}, "factor": "1e999"}}]}',
     "plan.rules[0].spec.factor: Scaled: parameter 'factor' holds a number past float64's range ('1e999')"),
]


@pytest.mark.parametrize("text,words", HOSTILE_PLANS, ids=[str(t[:40]) for t, _ in HOSTILE_PLANS])
def test_hostile_plan_files_are_refused_clearly(text, words):
    with pytest.raises((ValueError, TypeError)) as info:
        ui.Plan.from_json(text)
    assert words in str(info.value), str(info.value)


def test_every_stacked_count_a_rule_takes_saves_and_loads():
    plan = ui.Plan(name="deep").rule(ui.Normal(std=0.02), path="w", stacked=9)
    assert ui.Plan.from_json(plan.to_json()) == plan


def test_a_plan_dict_with_a_key_that_is_no_string_is_refused_by_name():
    # a YAML or TOML file may give numbers as keys: named as the other unknown keys are, not a TypeError of ours
    with pytest.raises(ValueError, match=r"plan.rules\[0\].1: expected a dict with spec"):
        ui.Plan.from_dict({"name": "p", "rules": [{"spec": None, 1: "x", "z": 2}]})


def test_what_to_json_writes_from_json_reads_and_longer_text_is_refused_when_written(monkeypatch):
    from unifiedinit import serialize
    plan = ui.Plan(name="tables").rule(ui.FromArray(np.linspace(-1, 1, 4096)), path="w")
    text = plan.to_json()
    assert ui.Plan.from_json(text) == plan
    monkeypatch.setattr(serialize, "MAX_JSON_CHARS", len(text) - 1)  # as a plan too long for the reader
    with pytest.raises(ValueError, match=rf"cannot write this plan as JSON: it takes {len(text)} characters"):
        plan.to_json()
    spec = ui.FromArray(np.linspace(-1, 1, 4096))
    monkeypatch.setattr(serialize, "MAX_JSON_CHARS", len(spec.to_json()) - 1)
    with pytest.raises(ValueError, match="cannot write this spec as JSON"):
        spec.to_json()


def test_a_custom_spec_loads_only_where_it_is_registered():
    text = json.dumps({"rules": [{"spec": {"type": "MyInit"}}]})
    with pytest.raises(ValueError, match="unknown spec 'MyInit'"):
        ui.Plan.from_json(text)


# ------------------------------------------------------------------------------------------- random specs

finite = st.floats(-5, 5, allow_nan=False, allow_infinity=False)
positive = st.floats(0.01, 5, allow_nan=False, allow_infinity=False)
modes = st.sampled_from(["fan_in", "fan_out", "fan_avg", "fan_geo_avg"])


@st.composite
def windows(draw):
    low = draw(st.floats(-3, 2.5))
    return low, draw(st.floats(low + 0.1, low + 4))


elementwise = st.one_of(
    st.builds(ui.Constant, finite), st.just(ui.Zeros()), st.just(ui.Ones()),
    st.builds(lambda w: ui.Uniform(*w), windows()),
    st.builds(ui.Normal, finite, positive),
    st.builds(lambda m, s, w: ui.TruncatedNormal(m, s, m + s * w[0], m + s * w[1]), finite, positive, windows()),
    st.builds(ui.VarianceScaling, positive, modes, st.sampled_from(["uniform", "normal", "truncated_normal"])),
    st.builds(ui.XavierUniform, positive), st.builds(ui.XavierNormal, positive),
    st.builds(ui.KaimingUniform, finite, st.sampled_from(["fan_in", "fan_out"])),
    st.builds(ui.KaimingNormal, finite, st.sampled_from(["fan_in", "fan_out"]),
              st.sampled_from(["relu", "leaky_relu", "tanh", "linear"])),
    st.just(ui.LecunUniform()), st.just(ui.LecunNormal()),
)
specs = st.one_of(
    elementwise,
    st.builds(ui.Orthogonal, positive), st.just(ui.Eye()), st.builds(ui.Dirac, st.integers(1, 3)),
    st.builds(ui.Sparse, st.floats(0, 0.9), positive),
    st.builds(lambda a, b: ui.Mixture([a, b], [0.3, 0.7]), elementwise, elementwise),
    st.builds(lambda a, k: ui.Affine(a, k, 0.5), elementwise, st.floats(0.1, 3)),
)
shapes = st.one_of(st.tuples(st.integers(1, 40), st.integers(1, 40)),
                   st.tuples(st.integers(1, 12), st.integers(1, 12), st.integers(1, 3), st.integers(1, 3)),
                   st.tuples(st.integers(0, 5)), st.tuples(st.integers(0, 6), st.integers(0, 6)))
LAYOUTS = ["torch", "torch_conv_transpose", "torch_embedding"]


def backends():
    from unifiedinit.backends import FRAMEWORKS, available
    return [name for name in FRAMEWORKS if available(name)]


def native(framework, spec, shape, layout, seed):
    from unifiedinit.verify import compare as report
    from unifiedinit.backends import get_backend
    return report.native(get_backend(framework), spec, shape, seed, layout)


def _words(err: Exception) -> str:
    """An error's message without its shapes and layout names (the parts a framework says its own way)."""
    import re
    return re.sub(r"layout '[^']*'|\((\d+(, )?)*,?\)", "_", str(err))


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=ALL_HEALTH_CHECKS)
@given(spec=specs, shape=shapes, layout=st.sampled_from(LAYOUTS), seed=st.integers(0, 2 ** 31))
def test_random_specs_either_follow_their_law_or_raise_a_catalog_error(spec, shape, layout, seed):
    # the core decides, once, whether the spec applies to this tensor: every sampler then either draws the law or
    # refuses with the core's own error (same type, same message), never an error of its own (a reshape that
    # fails inside a sampler is a bug, however its message reads)
    try:
        ui.lower(spec, shape, layout=layout)
        refusal = None
    except (TypeError, ValueError) as err:
        refusal = err
    for name in ["reference"] + backends():
        fans = None
        if name == "mxnet" and len(shape) < 2 and spec.fan_based:
            fans = ui.layout.vector_fans(shape)  # MXNet's initializer gives vectors Keras's fan rule
        try:
            if name == "reference":
                x = ui.sample(spec, shape, layout=layout, seed=seed)
            else:
                x = native(name, spec, shape, layout, seed)
        except (TypeError, ValueError) as err:
            assert refusal is not None, f"{name} refused what the core lowers: {type(err).__name__}: {err}"
            # the same words; only the shape (in the framework's axis order) and the layout's name may differ
            assert type(err) is type(refusal) and _words(refusal) in _words(err), f"{name}: {err!r} is not {refusal!r}"
            continue
        assert refusal is None or fans is not None, f"{name} drew what the core refuses: {refusal}"
        x = np.asarray(x)
        assert x.shape == tuple(shape)
        if x.size == 0:
            continue
        verdict = stats.check(x, spec, layout=layout, layer_fans=fans)
        assert verdict, f"{name}: {verdict}"


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=ALL_HEALTH_CHECKS)
@given(spec=elementwise, dtype=st.sampled_from(["float16", "float32", "float64"]))
def test_random_elementwise_specs_keep_dtype_and_support(spec, dtype):
    shape = (30, 20)
    try:
        ui.sample(spec, shape, seed=1, dtype=dtype)
    except ValueError as err:  # a window that holds no number of the dtype is refused, before any draw
        assert "holds no number in the window" in str(err), str(err)
        return
    for name in ["reference"] + backends():
        if name in REGISTRY and "jax" in REGISTRY[name].modules and dtype == "float64":
            continue  # JAX makes float64 only with jax_enable_x64
        if name == "reference":
            x = ui.sample(spec, shape, seed=1, dtype=dtype)
        else:
            from unifiedinit.backends import get_backend
            backend = get_backend(name)
            x = native(name, spec, shape, "torch", 1) if dtype == "float32" else None
            if x is None:
                x = backend.sample(spec, shape, layout=backend.NATIVE_LAYOUT if name in ("torch", "mxnet") else "torch",
                                   seed=1, dtype=dtype)
        assert np.asarray(x).dtype == np.dtype(dtype), f"{name}: {np.asarray(x).dtype} for {dtype}"
        bounds = window(ui.lower(spec, shape))
        if bounds is not None:
            assert bounds[0] <= float(np.min(x)) and float(np.max(x)) <= bounds[1], name


# ------------------------------------------------------------------------------------- windows, by construction

#: windows where rounding to the dtype would leave them: float32(-0.1) < -0.1, and 1 - 1e-7 < x < 1 holds one
#: float32 number (0.99999994) while a draw computed in double rounds to 1.0 half of the time
EDGE_WINDOWS = [(ui.Uniform(-0.1, 0.1), "float32"), (ui.Uniform(1 - 1e-7, 1.0), "float32"),
                (ui.Uniform(0.6, 0.601), "float16"), (ui.TruncatedNormal(0.0, 1.0, 1 - 1e-7, 1.0), "float32"),
                (ui.Affine(ui.Uniform(1 - 1e-7, 1.0), 3.0, -2.0), "float32"),
                (ui.Mixture([ui.Uniform(-0.1, 0.1), ui.Uniform(1 - 1e-7, 1.0)], [0.5, 0.5]), "float32")]


def test_a_window_the_dtype_holds_no_number_of_is_refused():
    with pytest.raises(ValueError, match="float16, which holds no number in the window"):
        ui.sample(ui.Uniform(0.6, 0.60001), (3,), dtype="float16")
    for name in backends():
        from unifiedinit.backends import get_backend
        with pytest.raises(ValueError, match="holds no number in the window"):
            get_backend(name).sample(ui.Uniform(0.6, 0.60001), (3, 3), seed=0, dtype="float16")


@pytest.mark.parametrize("spec,dtype", EDGE_WINDOWS, ids=[f"{s!r}-{d}" for s, d in EDGE_WINDOWS])
def test_a_bounded_spec_never_leaves_its_window_after_rounding(spec, dtype):
    from unifiedinit.backends import get_backend
    draw = ui.lower(spec, (4, 4))
    windows = [w for c in (draw.components if isinstance(draw, D.Mixture) else [draw])
               if (w := window(c)) is not None] or [(3 * (1 - 1e-7) - 2, 3 * 1.0 - 2)]
    low, high = min(w[0] for w in windows), max(w[1] for w in windows)
    for name in ["reference"] + backends():
        if name == "reference":
            x = ui.sample(spec, (200, 500), seed=3, dtype=dtype)
        else:
            backend = get_backend(name)
            x = backend.sample(spec, (200, 500), layout=backend.NATIVE_LAYOUT, seed=3, dtype=dtype)
        x = np.asarray(x, dtype=np.float64).ravel()
        inside = np.zeros(x.shape, bool)
        for lo, hi in windows:
            inside |= (x >= lo) & (x <= hi)
        assert inside.all(), f"{name}: {x[~inside][:5]} outside {windows}"
        if isinstance(draw, D.Uniform):
            assert x.max() < high, f"{name}: the open end {high} was written"
        assert low <= x.min()


# ------------------------------------------------------------------------------------------------ exact moments

@pytest.mark.parametrize("scale,shift", [(-1.0, 0.0), (-2.5, 3.0), (0.5, -1.0)])
def test_the_moments_of_an_affine_map_of_a_skewed_draw_match_numerical_integration(scale, shift):
    """``distribution`` of scale * X + shift for a skewed X (log-uniform on [1, 100]) against the moments integrated
    from X's density by SciPy's quad: a negative scale changes the sign of the odd ones. Nothing here is random."""
    integrate = pytest.importorskip("scipy.integrate")
    low, high = 1.0, 100.0

    def expect(f):
        """E[f(scale * X + shift)], X with density 1 / (x log(high / low)) on [low, high]."""
        density = math.log(high / low)
        return integrate.quad(lambda x: f(scale * x + shift) / (x * density), low, high, epsabs=0.0, epsrel=1e-13)[0]

    mean = expect(lambda y: y)
    std = math.sqrt(expect(lambda y: (y - mean) ** 2))
    law = stats.distribution(D.Affine(D.LogUniform(low, high), scale, shift))
    assert math.isclose(law.mean, mean, rel_tol=1e-12) and math.isclose(law.std, std, rel_tol=1e-12)
    central = [expect(lambda y, k=k: ((y - mean) / std) ** k) for k in range(2, 7)]
    np.testing.assert_allclose(law.moments.central, central, rtol=1e-9)
    np.testing.assert_allclose(law.raw, [expect(lambda y, k=k: y ** k) for k in range(1, 5)], rtol=1e-9)
