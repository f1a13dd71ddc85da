"""MXNet parity: our specs against MXNet's own initializers in the same run.

MXNet's contract, as its initializers define it (mxnet/initializer.py, 1.9.1): ``Uniform(scale)`` is
U(-scale, scale), ``Normal(sigma)`` N(0, sigma^2), ``Constant(value)`` broadcasts a number or an array, ``Zero`` /
``One``, ``Bilinear`` writes the bilinear upsampling kernel, ``Xavier(rnd_type, factor_type, magnitude)`` scales by
storage fans, ``Mixed(patterns, initializers)`` picks an initializer by a regex on the parameter's name. Random laws
are compared by two-sample KS at 1e-6 (tests/parity/common.py), determined values exactly. The ``Mixed`` pattern maps
to a plan whose rules carry path globs (the last matching rule wins, where Mixed takes the first matching pattern).
"""

import numpy as np
import pytest

import unifiedinit as ui
from unifiedinit.backends import available

from .common import same_law

if not available("mxnet"):
    pytest.skip("mxnet is not installed", allow_module_level=True)
from unifiedinit.backends.mxnet import mx  # noqa: E402 - MXNet with NumPy 2's removed aliases supplied

SHAPE = (64, 32, 3, 3)


def theirs(init, shape=SHAPE, name="conv_weight"):
    mx.random.seed(3)
    arr = mx.nd.zeros(shape)
    init._init_weight(mx.init.InitDesc(name), arr)
    return arr.asnumpy()


def ours(spec, shape=SHAPE, layout="mxnet"):
    from unifiedinit.backends import get_backend
    backend = get_backend("mxnet")
    return backend.to_numpy(backend.init_array(spec, backend.array(np.zeros(shape), "float32"), layout=layout, seed=4))


@pytest.mark.parametrize("init,spec", [
    (mx.init.Uniform(0.3), ui.Uniform(-0.3, 0.3)),
    (mx.init.Normal(0.05), ui.Normal(0.0, 0.05)),
    (mx.init.Xavier("uniform", "avg", 3.0), ui.XavierUniform()),
    (mx.init.Xavier("gaussian", "in", 2.0), ui.KaimingNormal()),
    (mx.init.MSRAPrelu("in", 0.25), ui.KaimingNormal(a=0.25)),
], ids=["Uniform", "Normal", "Xavier-uniform-avg-3", "Xavier-gaussian-in-2", "MSRAPrelu"])
def test_random_initializers_draw_the_same_law(init, spec):
    same_law(ours(spec), theirs(init), repr(init))


def test_bilinear_is_mxnets_kernel_exactly():
    for shape in ((2, 3, 4, 4), (1, 1, 5, 5), (3, 2, 6, 3)):
        np.testing.assert_array_equal(ours(ui.Bilinear(), shape), theirs(mx.init.Bilinear(), shape, "up_weight"))


def test_an_array_constant_broadcasts_as_mxnets():
    value = np.arange(3.0)
    np.testing.assert_array_equal(ours(ui.Constant(value), (4, 3)), theirs(mx.init.Constant(mx.nd.array(value)), (4, 3)))
    np.testing.assert_array_equal(ours(ui.Constant(2.5), (4, 3)), theirs(mx.init.Constant(2.5), (4, 3)))
    np.testing.assert_array_equal(ours(ui.Zeros(), (4, 3)), theirs(mx.init.Zero(), (4, 3)))
    np.testing.assert_array_equal(ours(ui.Ones(), (4, 3)), theirs(mx.init.One(), (4, 3)))
    with pytest.raises(ValueError, match="does not broadcast"):
        ours(ui.Constant(np.arange(4.0)), (4, 3))


def test_mixed_patterns_are_a_plan_with_path_globs():
    def net():
        block = mx.gluon.nn.HybridSequential()
        block.add(mx.gluon.nn.Dense(16, in_units=8), mx.gluon.nn.Dense(4, in_units=16))
        block.initialize()
        return block

    a, b = net(), net()
    second = list(a.collect_params())[2]  # the second Dense's weight, by its MXNet name (a per-instance prefix)
    mixed = mx.init.Mixed([second, ".*"], [mx.init.Constant(0.5), mx.init.Uniform(0.1)])
    for param in a.collect_params().values():  # Mixed is called by name, as MXNet's Module API calls it
        data = param.data()
        mixed(mx.init.InitDesc(param.name), data)
    # Mixed takes the first pattern that matches a name; a plan's last matching rule wins: the same choice
    plan = ui.Plan().rule(ui.Uniform(-0.1, 0.1), role="weight").rule(ui.Zeros(), role="bias") \
        .rule(ui.Constant(0.5), path="1/weight")  # (MXNet's name rules give every bias 0)
    plan.apply(b, seed=0)
    from unifiedinit.apply import records
    for (pa, wa), (pb, wb) in zip(records(a)[1], records(b)[1]):
        va, vb = wa[3].data().asnumpy(), wb[3].data().asnumpy()
        if pa.role == "bias" or pa.path == "1/weight":
            np.testing.assert_array_equal(va, vb)
        else:
            assert np.abs(vb).max() <= 0.1 and np.abs(va).max() <= 0.1
            same_law(vb, va, pa.path)


def test_a_shape_our_initializer_refuses_mxnet_refuses_too():
    for spec, init in ((ui.Orthogonal(), None), (ui.Bilinear(), mx.init.Bilinear())):
        with pytest.raises(ValueError):
            ours(spec, (5,))
        if init is not None:
            with pytest.raises(Exception):  # noqa: B017 - MXNet raises its own errors for a 1-D bilinear kernel
                theirs(init, (5,))
