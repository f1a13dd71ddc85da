"""The Equinox backend against Equinox's (and, for a port, torch's) own initialization in the same run."""
import math
from typing import Any

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


def test_an_arrays_own_equinox_storage_is_written_as_it_is_on_a_grouped_conv_transpose():
    # FromArray(w, layout="equinox_conv_transpose") of an Equinox grouped ConvTranspose's own weight is that
    # weight, natively and in both portable streams (after the grouped layouts landed it was regrouped as if it
    # were ungrouped and refused); torch's storage is moved group by group (the same function)
    torch = pytest.importorskip("torch")
    import unifiedinit.backends.equinox  # noqa: F401  (registers Equinox's layouts)
    given = np.asarray(eqx.nn.ConvTranspose2d(4, 6, 3, groups=2, use_bias=False, key=jax.random.key(1)).weight)
    layer = eqx.nn.ConvTranspose2d(4, 6, 3, groups=2, use_bias=False, key=jax.random.key(0))
    twin = torch.nn.ConvTranspose2d(4, 6, 3, groups=2, bias=False)
    x = np.random.default_rng(0).normal(size=(4, 5, 5)).astype(np.float32)
    for portable in (False, True, "counter"):
        plan = ui.Plan().rule(ui.FromArray(given, layout="equinox_conv_transpose"), role="weight")
        new, _ = plan.apply(layer, seed=0, portable=portable)
        np.testing.assert_array_equal(np.asarray(new.weight), given)
        plan = ui.Plan().rule(ui.FromArray(twin.weight.detach().numpy(), layout="torch_conv_transpose"), role="weight")
        new, _ = plan.apply(layer, seed=0, portable=portable)
        np.testing.assert_allclose(np.asarray(new(x)), twin(torch.tensor(x[None]))[0].detach().numpy(), atol=1e-5)


def test_a_grouped_equinox_layout_is_known_by_name_before_any_layer_is_walked():
    # "equinox_conv_transpose_g3" (the layout a walk reports for a 3-group ConvTranspose) resolves by its name, so a
    # saved plan naming it loads in a fresh process; a suffix on a layout of no other canonical one is refused
    code = ("import unifiedinit as ui, unifiedinit.backends.equinox; "
            "layout = ui.get_layout('equinox_conv_transpose_g3'); assert layout.groups == 3, layout; "
            "plan = ui.Plan().rule(ui.Zeros(), layout='equinox_conv_transpose_g3'); "
            "assert ui.Plan.from_dict(plan.to_dict()) == plan\n"
            "try:\n    ui.get_layout('torch_g2')\nexcept ValueError:\n    pass\n"
            "else:\n    raise AssertionError('torch_g2')")
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]


def test_grouped_conv_transpose_tensor_fans_are_torchs_so_he_conv_gives_torchs_law():
    # presets.he_conv (N(0, sqrt(2/n)), n the weight's tensor fan_out) on an Equinox port of torch's
    # ConvTranspose2d(64, 16, 3, groups=4): n was out x RF of Equinox's (out, in/g, *k) storage, a std sqrt(4) under
    # torch's; the grouped layout's tensor fans are its canonical storage's, torch's (in x RF, out/g x RF)
    torch = pytest.importorskip("torch")
    from scipy import stats
    import warnings
    t = torch.nn.ConvTranspose2d(64, 16, 3, groups=4)
    m = eqx.nn.ConvTranspose2d(64, 16, 3, groups=4, key=jax.random.key(0))
    assert ui.get_layout("equinox_conv_transpose_g4").fans(m.weight.shape) == \
        ui.fans(tuple(t.weight.shape), "torch_conv_transpose")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the preset's Linear and BatchNorm rules match nothing here
        ui.presets.he_conv.apply(t, seed=0)
        new, _ = ui.presets.he_conv.apply(m, seed=0)
    std = float(t.weight.std())  # torch's layer under the same preset, in the same run (2,304 values)
    ours = np.asarray(new.weight, dtype=np.float64).ravel()
    # both against the seed's law N(0, 2/n), n = k*k*out/groups = 36: KS p < 1e-4 falsely 1 in 10^4 each
    for values in (ours, t.weight.detach().double().numpy().ravel()):
        assert stats.kstest(values, stats.norm(0, math.sqrt(2 / 36)).cdf).pvalue > 1e-4
    assert abs(ours.std() / std - 1) < 0.1  # two samples of 2,304 normals: the std ratio within 10% (>10 sigma)


def test_a_grouped_layouts_fans_refuse_outputs_that_are_no_multiple_of_its_groups():
    layout = ui.get_layout("equinox_conv_transpose_g4")
    with pytest.raises(ValueError, match="not a multiple of its 4 groups"):
        layout.fans((6, 16, 3, 3))


def test_a_users_norm_in_a_vmapped_block_of_layers_registered_stacked_is_a_norm():
    # eqx.filter_vmap over a block of a registered layer of one's own (ui.register_layer(..., stacked=1)) and a
    # user's norm: the norm's (5, 16) vectors are one layer's (16,) once the stack the registered layer declares is
    # taken off, as in the same block built with eqx.nn.Linear; the stack of the layers around it ignored the
    # registration, so the norm was "other" and presets.equinox left it unmatched
    class MyLin(eqx.Module):
        weight: Any
        bias: Any

        def __init__(self, key):
            self.weight, self.bias = jax.random.normal(key, (16, 8)), jax.numpy.zeros(16)

    class MyNorm(eqx.Module):
        weight: Any
        bias: Any

        def __init__(self, key):
            self.weight, self.bias = jax.random.normal(key, (16,)), jax.random.normal(key, (16,))

    class Block(eqx.Module):
        lin: Any
        norm: MyNorm

        def __init__(self, key, own):
            self.lin = MyLin(key) if own else eqx.nn.Linear(8, 16, key=key)
            self.norm = MyNorm(key)

    ui.register_layer(MyLin, "dense", stacked=1)
    try:
        keys = jax.random.split(jax.random.key(0), 5)
        own, builtin = (eqx.filter_vmap(lambda k, o=o: Block(k, o))(keys) for o in (True, False))
        rows = [{p.path: (p.kind, p.role, p.stacked) for p in ui.inspect(m).params} for m in (own, builtin)]
        assert rows[0] == rows[1], rows
        assert rows[0]["norm/weight"] == ("norm", "scale", (0,)), rows[0]
        new, report = ui.presets.equinox.apply(own, seed=0)
        assert not report.unmatched, report.unmatched
        assert (np.asarray(new.norm.weight) == 1).all() and not np.asarray(new.norm.bias).any()
    finally:
        ui.params.LAYERS.pop(MyLin, None)


def test_a_users_norm_in_a_filter_vmap_stack_has_one_layers_record_as_unstacked():
    # a user's RMSNorm-like class (one (8,) scale) in a block built under eqx.filter_vmap: each of the 3 layers is
    # the unstacked block's norm, whose scale has no layer fans (as an eqx.nn.LayerNorm's, stacked or not); the
    # stacked one's fans were read off its whole (3, 8) array as an (out, in) weight, (8, 3), so a fan-based rule
    # drew it with a fan_in of 3 where the unstacked model has none
    class QKRMSNorm(eqx.Module):
        weight: Any

        def __init__(self):
            self.weight = jax.numpy.ones(8)

    class Block(eqx.Module):
        lin: Any
        norm: QKRMSNorm
        ln: Any

        def __init__(self, key):
            self.lin, self.norm, self.ln = eqx.nn.Linear(8, 8, key=key), QKRMSNorm(), eqx.nn.LayerNorm(8)

    single = {p.path: p for p in ui.inspect(Block(jax.random.key(0))).params}
    stacked = {p.path: p for p in ui.inspect(eqx.filter_vmap(Block)(jax.random.split(jax.random.key(0), 3))).params}
    for path in ("norm/weight", "ln/weight"):
        assert (stacked[path].kind, stacked[path].stacked) == ("norm", (0,)), stacked[path]
        assert stacked[path].layer_fans == single[path].layer_fans, (stacked[path], single[path])
