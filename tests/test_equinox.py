"""The Equinox backend against Equinox's (and, for a port, torch's) own initialization in the same run."""
import math

import pytest

jax = pytest.importorskip("jax")
eqx = pytest.importorskip("equinox")

import numpy as np  # noqa: E402

import unifiedinit as ui  # noqa: E402


def _torch_bias_bound(torch, layer) -> float:
    """torch's own ConvTranspose bias bound, as its reset_parameters computes it: 1/sqrt(fan_in of its weight)."""
    fan_in, _ = torch.nn.init._calculate_fan_in_and_fan_out(layer.weight)
    return 1 / math.sqrt(fan_in)


def test_grouped_conv_transpose_bias_presets_torch_as_torch():
    # presets.torch on an Equinox port of torch's ConvTranspose2d(groups=g): the bias bound is torch's (its weight's
    # torch fan_in, (out/g) x RF), not (out x RF) of Equinox's (out, in/g, *k) weight
    torch = pytest.importorskip("torch")
    t = torch.nn.ConvTranspose2d(8, 64, 3, groups=4)
    m = eqx.nn.ConvTranspose2d(8, 64, 3, groups=4, key=jax.random.key(0))
    new, report = ui.presets.torch.apply(m, seed=0)
    bound = _torch_bias_bound(torch, t)
    [draw] = [e.draw for e in report.entries if e.param.path == "bias"]
    assert (draw.low, draw.high) == pytest.approx((-bound, bound), rel=1e-12)
    b = np.abs(np.asarray(new.bias))
    # U(-bound, bound) on 64 values: max |b| under 0.6 bound has probability 0.6**64 < 1e-14
    assert b.max() <= bound and b.max() > 0.6 * bound


def test_grouped_conv_transpose_presets_equinox_bit_exact():
    # presets.equinox's bound is Equinox's own lim = 1/sqrt(in/g x RF): its uniform draw on the layer's own keys
    # with that bound gives the layer's arrays bit for bit
    key = jax.random.key(3)
    m = eqx.nn.ConvTranspose2d(8, 12, 3, groups=4, key=key)
    _, report = ui.presets.equinox.apply(m, seed=0)
    draws = {e.param.path: e.draw for e in report.entries}
    wkey, bkey = jax.random.split(key)
    for name, k in (("weight", wkey), ("bias", bkey)):
        x = getattr(m, name)
        ours = jax.random.uniform(k, x.shape, x.dtype, minval=draws[name].low, maxval=draws[name].high)
        np.testing.assert_array_equal(np.asarray(ours), np.asarray(x))


def test_grouped_conv_transpose_initializer_bias_fans_as_plan():
    # spec.to_equinox(bias=...) reads a grouped ConvTranspose's fans as a plan does: torch's ConvTranspose bias
    # (U(+-1/sqrt(fan_out)) of the layer, fan_out (out/g) x RF) has torch's bound
    torch = pytest.importorskip("torch")
    t = torch.nn.ConvTranspose2d(8, 64, 3, groups=4)
    m = eqx.nn.ConvTranspose2d(8, 64, 3, groups=4, key=jax.random.key(0))
    spec = ui.VarianceScaling(1 / 3, "fan_out", "uniform")
    new = spec.to_equinox(bias=spec)(m, jax.random.key(1))
    bound = _torch_bias_bound(torch, t)
    b = np.abs(np.asarray(new.bias))
    # U(-bound, bound) on 64 values: max |b| under 0.6 bound has probability 0.6**64 < 1e-14
    assert b.max() <= bound and b.max() > 0.6 * bound


def test_grouped_conv_transpose_from_torch_weight_same_function():
    # torch's grouped ConvTranspose2d weight (in, out/g, k, k) given to the Equinox layer (out, in/g, k, k) through
    # FromArray(layout="torch_conv_transpose"): moved group by group (and flipped), it computes torch's function,
    # and reading it back to torch's layout gives torch's weight bit for bit
    torch = pytest.importorskip("torch")
    from unifiedinit.layout import move
    torch.manual_seed(0)
    t = torch.nn.ConvTranspose2d(4, 6, 3, groups=2, bias=False)
    m = eqx.nn.ConvTranspose2d(4, 6, 3, groups=2, use_bias=False, key=jax.random.key(0))
    w = t.weight.detach().numpy()
    plan = ui.Plan().rule(ui.FromArray(w, layout="torch_conv_transpose"), kind="conv_transpose", role="weight")
    new, report = plan.apply(m, seed=0)
    x = np.random.default_rng(0).normal(size=(1, 4, 5, 5)).astype(np.float32)
    want = t(torch.tensor(x)).detach().numpy()[0]
    np.testing.assert_allclose(np.asarray(new(jax.numpy.asarray(x[0]))), want, rtol=1e-5, atol=1e-5)
    layout = report.entries[0].param.layout
    np.testing.assert_array_equal(move(np.asarray(new.weight), layout, "torch_conv_transpose"), w)


def test_layout_groups_refused_by_name():
    # Layout(groups=...) needs an integer >= 1, and one output and one input axis above 1 (no values are moved
    # group by group otherwise)
    with pytest.raises(ValueError, match="groups"):
        ui.Layout("two_outs", (0, 1), (2,), groups=2)
    with pytest.raises(ValueError, match="groups"):
        ui.Layout("no_groups", (0,), (1,), groups=0)
