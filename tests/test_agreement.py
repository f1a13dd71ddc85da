"""The cross-framework agreement suite: spec x layer (Dense, Conv2d, ConvTranspose2d) x framework.

Each framework samples natively in its own storage layout (a torch ConvTranspose2d weight (in, out, k, k) is
Keras's (k, k, out, in)) and the values are moved back to torch's layout. Then:
- one-sample KS of every sample against the exact CDF of the spec's lowering, with the support checked;
- two-sample KS for every pair of frameworks;
- exact equality for determined specs (constants, eye, dirac, arrays), in every framework.
Every KS check is at level 1e-4: a correct sampler fails one with probability 1e-4. Seeds are fixed.
"""

import functools
import itertools

import numpy as np
import pytest

import unifiedinit as ui
from unifiedinit import draws as D
from unifiedinit.verify import compare as report, stats
from unifiedinit.backends import FRAMEWORKS, available

ALPHA = 1e-4
SAMPLERS = ["reference"] + [f for f in FRAMEWORKS if available(f)]
CASES = [(spec, layer) for spec in ui.examples() for layer in report.LAYERS
         if report.applicable(spec, *report.LAYERS[layer]) is not None]


@functools.lru_cache(maxsize=None)
def _samplers():
    return report.samplers(only=SAMPLERS)


@functools.lru_cache(maxsize=None)
def sample(spec, layer, framework):
    shape, layout = report.LAYERS[layer]
    shape = report.applicable(spec, shape, layout)
    assert shape is not None, (spec, layer)  # CASES holds applicable pairs only
    seed = 1 + SAMPLERS.index(framework)  # independent samples for the two-sample tests
    return _samplers()[framework](spec, shape, layout, seed), shape, layout


def ids(x):
    return repr(x) if isinstance(x, ui.Spec) else str(x)


@pytest.mark.parametrize("framework", SAMPLERS)
@pytest.mark.parametrize("spec,layer", CASES, ids=ids)
def test_every_framework_follows_the_exact_law(spec, layer, framework):
    x, shape, layout = sample(spec, layer, framework)
    assert x.shape == shape
    verdict = stats.check(x, spec, shape=shape, layout=layout)
    assert verdict, f"{framework}: {verdict}"


@pytest.mark.parametrize("pair", list(itertools.combinations(SAMPLERS, 2)), ids="-".join)
@pytest.mark.parametrize("spec,layer", CASES, ids=ids)
def test_every_pair_of_frameworks_agrees(spec, layer, pair):
    (a, shape, layout), (b, _, _) = (sample(spec, layer, f) for f in pair)
    if ui.lower(spec, shape, layout).deterministic:
        np.testing.assert_array_equal(a, b)
    else:
        assert stats.ks_2samp(a, b)[1] > ALPHA


@pytest.mark.parametrize("framework", SAMPLERS)
@pytest.mark.parametrize("floor", [0.003, 0.0047])
def test_a_time_step_floor_is_one_point_mass_in_every_framework(framework, floor):
    """``InverseSoftplus``'s draws below its floor are the law's point mass: the one number the lowering computed
    (rounded to the sample's dtype), never each framework's own log(expm1(floor)), an ulp away for most floors."""
    spec = ui.InverseSoftplus(ui.LogUniform(0.001, 0.1), floor=floor)
    x, shape, layout = sample(spec, "dense", framework)
    draw = ui.lower(spec, shape, layout)
    assert isinstance(draw, D.InverseSoftplus)
    atom = draw.low
    assert np.mean(np.asarray(x) == np.float32(atom)) > 0.2  # P(below the floor) = 0.24 or 0.33
    verdict = stats.check(x, spec, shape=shape, layout=layout)
    assert verdict, f"{framework}: {verdict}"


@pytest.mark.parametrize("framework", SAMPLERS)
@pytest.mark.parametrize("spec", [ui.LogUniform(1e-30, 1e30), ui.LogUniform(1e-37, 1e-35)], ids=repr)
def test_log_uniform_across_float32s_range_in_every_framework(framework, spec):
    """Sixty decades in float32 (e**u - 1 would overflow beyond 88), and a window near float32's smallest normal
    numbers (low e**u - low would be subnormal, which XLA on a CPU flushes to 0): the exact law in every framework."""
    x, shape, layout = sample(spec, "dense", framework)
    verdict = stats.check(x, spec, shape=shape, layout=layout)
    assert verdict, f"{framework}: {verdict}"


def test_the_matrix_covers_every_spec_and_all_three_layers():
    # but S4DReal, written by storage order: each framework's own tests compare it with the reference, layout by
    # layout (test_torch, test_flax, test_keras, test_mxnet)
    assert {repr(s) for s, _ in CASES} == {repr(s) for s in ui.examples() if not s.storage_order}
    assert {layer for _, layer in CASES} == {"dense", "conv", "conv_transpose"}


@pytest.mark.parametrize("framework", SAMPLERS)
def test_delta_orthogonal_is_positive_zero_off_the_centre(framework):
    # an orthogonal matrix times a 0/1 centre mask would leave -0.0 wherever the matrix is negative; JAX's own
    # delta_orthogonal writes +0.0, and a sign bit must not tell the frameworks apart
    spec = next(s for s in ui.examples() if isinstance(s, ui.DeltaOrthogonal))
    x, shape, layout = sample(spec, "conv", framework)
    off = x[np.asarray(x) == 0]
    assert off.size >= x.size // 2  # a 3 x 3 kernel: 8 of every 9 entries are off the centre
    assert not np.signbit(off).any(), f"{framework}: {np.signbit(off).sum()} entries are -0.0"
