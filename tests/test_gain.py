import math

import pytest

import unifiedinit as ui
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
