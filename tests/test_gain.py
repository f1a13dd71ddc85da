import math

import pytest

import unifiedinit as ui
from unifiedinit import draws as D
from conftest import needs

EXPECTED = {"linear": 1.0, "conv1d": 1.0, "conv2d": 1.0, "conv3d": 1.0, "conv_transpose1d": 1.0,
            "conv_transpose2d": 1.0, "conv_transpose3d": 1.0, "sigmoid": 1.0, "tanh": 5 / 3,
            "relu": math.sqrt(2), "selu": 0.75, "leaky_relu": math.sqrt(2 / (1 + 0.01 ** 2))}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_gain_table(name):
    assert ui.calculate_gain(name) == pytest.approx(EXPECTED[name], rel=1e-15)


@pytest.mark.parametrize("slope", [0.0, 0.2, 1, math.sqrt(5)])
def test_leaky_relu_slope(slope):
    assert ui.calculate_gain("leaky_relu", slope) == pytest.approx(math.sqrt(2 / (1 + slope ** 2)), rel=1e-15)


@needs("torch")
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_gain_matches_torch(name):
    import torch
    assert ui.calculate_gain(name) == pytest.approx(torch.nn.init.calculate_gain(name), rel=1e-15)
    assert ui.calculate_gain(name, 0.3) == pytest.approx(torch.nn.init.calculate_gain(name, 0.3), rel=1e-15)


@pytest.mark.parametrize("args,error", [(("gelu",), ValueError), (("leaky_relu", float("nan")), ValueError),
                                        (("leaky_relu", True), TypeError), ((3,), TypeError)])
def test_gain_errors(args, error):
    with pytest.raises(error, match="calculate_gain: parameter"):
        ui.calculate_gain(*args)


NEGATIVE_SLOPES = [-0.2, -1.0, -1.5, -math.sqrt(5)]


@needs("torch")
@pytest.mark.parametrize("slope", NEGATIVE_SLOPES)
def test_a_negative_leaky_relu_slope_gives_torch_s_gain(slope):
    # the gain squares the slope: -s and s give the same gain (a slope * |slope| would not, and past -1 fails)
    import torch
    assert ui.calculate_gain("leaky_relu", slope) == pytest.approx(torch.nn.init.calculate_gain("leaky_relu", slope),
                                                                   rel=1e-15)
    assert ui.calculate_gain("leaky_relu", slope) == ui.calculate_gain("leaky_relu", -slope)


@needs("torch")
@pytest.mark.parametrize("slope", NEGATIVE_SLOPES)
def test_kaiming_with_a_negative_slope_has_torch_s_bound_and_std(slope):
    """The lowered bound and std are torch's formulas (gain from torch's own calculate_gain), and torch's
    ``kaiming_uniform_`` in the same run keeps its draws within that bound and reaches it: with 102,400 draws
    P(max |x| < bound * (1 - 2e-4)) = (1 - 2e-4) ** 102400 ~ 1.3e-9 (torch's generator seeded: fixed)."""
    import torch
    shape, fan_in = (256, 400), 400
    uniform, normal = ui.lower(ui.KaimingUniform(a=slope), shape), ui.lower(ui.KaimingNormal(a=slope), shape)
    assert isinstance(uniform, D.Uniform) and isinstance(normal, D.Normal) and uniform.low == -uniform.high
    bound, gain = uniform.high, torch.nn.init.calculate_gain("leaky_relu", slope)
    assert bound == pytest.approx(gain * math.sqrt(3.0 / fan_in), rel=1e-15)
    assert normal.mean == 0.0 and normal.std == pytest.approx(gain / math.sqrt(fan_in), rel=1e-15)
    torch.manual_seed(0)
    drawn = torch.nn.init.kaiming_uniform_(torch.empty(shape, dtype=torch.float64), a=slope).abs().max().item()
    assert bound * (1 - 2e-4) <= drawn <= bound


@pytest.mark.parametrize("sign", [-1.0, 1.0])
def test_a_slope_too_large_in_magnitude_is_refused_by_name_whatever_its_sign(sign):
    """Pins ``negative_slope``'s ``abs(slope)``: a huge negative slope is refused with the named ValueError as a huge
    positive one is; checked on the sign alone, -1e200 reached the gain formula and raised a bare OverflowError."""
    with pytest.raises(ValueError, match=r"^calculate_gain: parameter 'param' must be a real number with \|param\| "
                                         r"<= 1e\+150 .*, got -?1e\+200$"):
        ui.calculate_gain("leaky_relu", sign * 1e200)
    for make in (ui.KaimingUniform, ui.KaimingNormal):
        with pytest.raises(ValueError, match=rf"^{make.__name__}: parameter 'a' must be a real number with \|a\| "
                                             r"<= 1e\+150 .*, got -?1e\+160$"):
            ui.sample(make(a=sign * 1e160), (4, 4), seed=0)
