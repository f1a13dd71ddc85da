"""LSUV (Mishkin & Matas 2016): orthonormal weights rescaled layer by layer to a unit output std on a batch."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest


def _torch_net():
    torch = pytest.importorskip("torch")
    from torch import nn
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv1d(3, 16, 3), nn.Tanh(), nn.Flatten(), nn.Linear(16 * 30, 64), nn.ReLU(),
                         nn.Linear(64, 10))


@pytest.mark.parametrize("target", [1.0, 0.5])
def test_every_layer_ends_at_the_target_std_and_the_plan_replays_it(target):
    torch = pytest.importorskip("torch")
    import unifiedinit as ui
    net = _torch_net()
    batch = torch.randn(128, 3, 32, generator=torch.Generator().manual_seed(1)) * 4
    report = ui.lsuv(net, batch, target_std=target, tol=0.01)
    assert report.layers == ["0/weight", "3/weight", "5/weight"]  # forward order
    outputs = {}

    def keep(key):
        def hook(module, inputs, output) -> None:
            outputs[key] = output.detach()
        return hook

    hooks = [m.register_forward_hook(keep(k)) for k, m in (("0/weight", net[0]), ("3/weight", net[3]),
                                                            ("5/weight", net[5]))]
    with torch.no_grad():
        net(batch)
    for h in hooks:
        h.remove()
    for path in report.layers:
        assert abs(float(outputs[path].std()) - target) < 0.01, path
        assert report.iterations[path] <= 10
    assert not net.get_parameter("3.bias").any()
    # replay with no data: Orthogonal(gain) per weight, so every weight has the same singular values again
    fresh = _torch_net()
    report.to_plan().apply(fresh, seed=4)
    for i in (0, 3, 5):
        a, b = net.get_parameter(f"{i}.weight"), fresh.get_parameter(f"{i}.weight")
        sa = torch.linalg.svdvals(a.detach().flatten(1).double())
        sb = torch.linalg.svdvals(b.detach().flatten(1).double())
        assert torch.allclose(sa, sb, rtol=1e-5) and not torch.equal(a, b)


def test_the_default_tol_is_the_documented_0_05():
    """A square bias-free layer on a batch of std 0.93: its orthonormal start keeps the std (an orthogonal matrix
    keeps every row's norm), 0.07 from the target 1. That is within ``tol=0.1``, which leaves the layer there (checked
    in this run), but not within the documented default 0.05, so ``lsuv`` with no ``tol`` rescales it to within
    0.05 of the target."""
    torch = pytest.importorskip("torch")
    import unifiedinit as ui
    net = torch.nn.Sequential(torch.nn.Linear(64, 64, bias=False))
    x = torch.randn(4096, 64, generator=torch.Generator().manual_seed(0))
    x = x / x.std() * 0.93
    stds = []
    for run in (lambda: ui.lsuv(net, x, tol=0.1), lambda: ui.lsuv(net, x)):
        report = run()
        with torch.no_grad():
            stds.append(float(net(x).std()))
        assert stds[-1] == pytest.approx(report.stds["0/weight"], rel=1e-5), stds
    assert 0.05 < abs(stds[0] - 1.0) < 0.1 and abs(stds[1] - 1.0) < 0.05, stds


def test_the_plan_replays_a_torch_result_on_a_keras_port_with_its_module_names():
    """``to_plan`` selects each layer by module path and role: a Keras port whose layers are named as the torch
    model's modules ("0", "3", "5") gets each kernel orthogonal with the torch layer's gain (the same singular
    values, in Keras's (k, in, out) and (in, out) layouts) and zero biases."""
    torch = pytest.importorskip("torch")
    keras = pytest.importorskip("keras")
    import unifiedinit as ui
    net = _torch_net()
    report = ui.lsuv(net, torch.randn(128, 3, 32, generator=torch.Generator().manual_seed(1)) * 4, tol=0.01)
    x = inputs = keras.Input((32, 3))
    for layer in (keras.layers.Conv1D(16, 3, name="0"), keras.layers.Flatten(), keras.layers.Dense(64, name="3"),
                  keras.layers.Dense(10, name="5")):
        x = layer(x)
    port = keras.Model(inputs, x)  # a functional model: its variables' paths are the layers' names
    assert not report.to_plan().apply(port, seed=0).unmatched
    for i in ("0", "3", "5"):
        layer = port.get_layer(i)
        kernel = keras.ops.convert_to_numpy(layer.kernel).astype(np.float64)
        ours = np.linalg.svd(kernel.reshape(-1, kernel.shape[-1]), compute_uv=False)
        theirs = torch.linalg.svdvals(net.get_parameter(f"{i}.weight").detach().flatten(1).double()).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-5)
        assert not keras.ops.convert_to_numpy(layer.bias).any()


def test_lsuv_on_a_flax_nnx_model():
    nnx = pytest.importorskip("flax.nnx")
    import jax.numpy as jnp

    import unifiedinit as ui
    net = nnx.Sequential(nnx.Linear(32, 64, rngs=nnx.Rngs(0)), nnx.tanh, nnx.Linear(64, 10, rngs=nnx.Rngs(0)))
    x = jnp.asarray(np.random.default_rng(0).normal(0, 3, (256, 32)), dtype=jnp.float32)
    report = ui.lsuv(net, x, tol=0.01)
    assert report.layers == ["layers/0/kernel", "layers/2/kernel"]
    assert abs(float(jnp.std(net(x))) - 1.0) < 0.01
    assert all(math.isfinite(g) and g > 0 for g in report.gains.values())


@pytest.mark.parametrize("api", ["parametrizations", "hooks"])
def test_a_weight_normed_torch_layer_takes_its_gain_in_its_magnitude(api):
    """Under a weight norm the layer computes g * v / ||v||: a gain written into ``module.weight`` is lost, so
    LSUV scales g. A spectral-normed layer fixes its own scale: left orthonormal at gain 1, with a warning naming
    it, and the layers after it still reach the target. The plan replays the weight-normed result (its direction
    orthogonal with the gain, g following)."""
    torch = pytest.importorskip("torch")
    from torch import nn

    import unifiedinit as ui
    norm = nn.utils.parametrizations if api == "parametrizations" else nn.utils

    def build():
        torch.manual_seed(0)
        with pytest.warns(FutureWarning) if api == "hooks" else contextlib.nullcontext():
            normed = norm.weight_norm(nn.Linear(16, 32))
        return nn.Sequential(normed, nn.Tanh(), norm.spectral_norm(nn.Linear(32, 32)), nn.ReLU(), nn.Linear(32, 4))

    net, batch = build(), torch.randn(256, 16, generator=torch.Generator().manual_seed(1)) * 3
    with pytest.warns(UserWarning, match=r"lsuv: 1 layer\(s\) compute their weight's scale themselves.*: 2/weight$"):
        report = ui.lsuv(net, batch, target_std=2.0, tol=0.01)
    assert report.layers == ["0/weight", "2/weight", "4/weight"] and report.gains["2/weight"] == 1.0
    net.eval()  # the spectral norm's estimate as it stands, no further power iteration
    with torch.no_grad():
        first, out = net[0](batch), net(batch)
    assert abs(float(first.std()) - 2.0) < 0.01 and abs(float(out.std()) - 2.0) < 0.01
    assert report.gains["0/weight"] != 1.0
    fresh = build()
    report.to_plan().apply(fresh, seed=0)  # lsuv's own seed: the same orthonormal start, the same gains
    with torch.no_grad():
        assert torch.allclose(fresh[0](batch), first, atol=1e-5)


def test_a_flax_nnx_weight_norm_takes_its_gain_in_its_scale():
    """``nnx.WeightNorm`` normalizes its layer's kernel on every call and multiplies it by its scale: LSUV scales
    the scale, and ``to_plan`` says it cannot replay that gain (the scales are no parameters a plan reaches)."""
    nnx = pytest.importorskip("flax.nnx")
    import jax
    import jax.numpy as jnp

    import unifiedinit as ui
    net = nnx.Sequential(nnx.WeightNorm(nnx.Linear(32, 64, rngs=nnx.Rngs(0)), rngs=nnx.Rngs(0)), nnx.tanh,
                         nnx.Linear(64, 10, rngs=nnx.Rngs(0)))
    x = jax.random.normal(jax.random.key(0), (256, 32)) * 3
    report = ui.lsuv(net, x, target_std=2.0, tol=0.01)
    assert report.layers == ["layers/0/layer_instance/kernel", "layers/2/kernel"]
    assert abs(float(jnp.std(net.layers[0](x))) - 2.0) < 0.01 and abs(float(jnp.std(net(x))) - 2.0) < 0.01
    assert report.unreplayable == ["layers/0/layer_instance/kernel"]
    with pytest.warns(UserWarning, match="layers/0/layer_instance/kernel lives in an nnx.WeightNorm's scales"):
        report.to_plan()


@pytest.mark.parametrize("bad", [dict(target_std=0), dict(tol=-1), dict(max_iter=0), dict(target_std=math.nan)])
def test_bad_arguments(bad):
    torch = pytest.importorskip("torch")
    import unifiedinit as ui
    with pytest.raises(ValueError, match="lsuv"):
        ui.lsuv(_torch_net(), torch.zeros(2, 3, 32), **bad)


@pytest.mark.parametrize("bad, error, words", [
    (dict(seed=1.5), TypeError, r"'seed' must be an integer in \[0, 2\*\*64\), got 1.5 of type float"),
    (dict(seed="7"), TypeError, r"'seed' must be an integer in \[0, 2\*\*64\), got '7' of type str"),
    (dict(seed=None), TypeError, r"'seed' must be an integer in \[0, 2\*\*64\), got None of type NoneType"),
    (dict(seed=True), TypeError, r"'seed' must be an integer in \[0, 2\*\*64\), got True of type bool"),
    (dict(seed=2 ** 64), ValueError, r"'seed' must be an integer in \[0, 2\*\*64\), got 18446744073709551616"),
    (dict(seed=-1), ValueError, r"'seed' must be an integer in \[0, 2\*\*64\), got -1"),
    (dict(target_std="1"), TypeError, r"'target_std' must be a real number, got '1' of type str"),
    (dict(tol=None), TypeError, r"'tol' must be a real number, got None"),
    (dict(tol=math.inf), ValueError, r"'tol' must be a finite number, got inf"),
    (dict(max_iter=2.0), TypeError, r"'max_iter' must be an integer, got 2.0 of type float"),
    (dict(max_iter=np.int64(0)), ValueError, r"'max_iter' must be an integer >= 1, got 0")])
def test_every_argument_is_checked_naming_lsuv_before_anything_runs(bad, error, words):
    """``seed`` was never checked (torch's manual_seed complained, or Plan.apply, in its own name); each argument
    is checked before anything runs, naming lsuv's parameter: a wrong kind is a TypeError, a value out of range a
    ValueError, and the model is left as it was (not even its orthonormal start written)."""
    torch = pytest.importorskip("torch")
    import unifiedinit as ui
    net = _torch_net()
    before = [t.detach().clone() for t in net.parameters()]
    with pytest.raises(error, match=rf"^lsuv: parameter {words}"):
        ui.lsuv(net, torch.randn(8, 3, 32), **bad)
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))


def test_numpy_scalars_are_numbers_and_give_what_python_numbers_give():
    """A NumPy scalar (``np.float32(2.0)``, ``np.int64(3)``) is a number: the result is exactly that of the Python
    number it holds, in every argument; the largest seed, 2**64 - 1, is taken too."""
    torch = pytest.importorskip("torch")
    import unifiedinit as ui
    batch = torch.randn(64, 3, 32, generator=torch.Generator().manual_seed(1))

    def run(**options: Any) -> list[Any]:
        net = _torch_net()
        ui.lsuv(net, batch, **options)
        return [t.detach().clone() for t in net.parameters()]

    ours = run(target_std=np.float32(2.0), tol=np.float32(0.05), max_iter=np.int64(3), seed=np.int64(7))
    python = run(target_std=2.0, tol=float(np.float32(0.05)), max_iter=3, seed=7)
    assert all(torch.equal(a, b) for a, b in zip(ours, python))
    assert not all(torch.equal(a, b) for a, b in zip(ours, run(target_std=2.0, tol=0.05, max_iter=3, seed=8)))
    run(seed=2 ** 64 - 1)


@pytest.mark.parametrize("norm", ["weight_norm", "spectral_norm"])
def test_a_failed_call_on_an_old_style_hooked_norm_puts_its_computed_weight_back(norm):
    """``torch.nn.utils.weight_norm`` and ``spectral_norm`` (the hook-based ones) keep the computed weight as a
    plain attribute, set at each forward pass: after a call that fails (the next layer's output is inf) the
    parameters are put back and so is ``module.weight``, computed from them, as it was before the call (it was
    left as computed from LSUV's last rescaled values)."""
    torch = pytest.importorskip("torch")
    from torch import nn

    import unifiedinit as ui

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = getattr(nn.utils, norm)(nn.Linear(8, 16))
            self.b = nn.Linear(16, 4)

        def forward(self, x: Any) -> Any:
            return self.b(self.a(x) * float("inf"))

    torch.manual_seed(0)
    with pytest.warns(FutureWarning) if norm == "weight_norm" else contextlib.nullcontext():
        net = Net()
    net(torch.randn(2, 8))
    weight = net.a.weight.detach().clone()
    before = [t.detach().clone() for t in (*net.parameters(), *net.buffers())]
    with pytest.raises(ValueError, match=r"lsuv: the output of layer 'b/weight' on the batch has std nan"):
        ui.lsuv(net, torch.randn(32, 8))
    assert all(torch.equal(a, b) for a, b in zip(before, (*net.parameters(), *net.buffers())))
    assert torch.equal(net.a.weight, weight)


def test_lsuv_on_a_keras_model():
    keras = pytest.importorskip("keras")
    import unifiedinit as ui
    model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(64, activation="tanh"), keras.layers.Dense(10)])
    x = np.random.default_rng(0).normal(0, 3, (256, 32)).astype("float32")
    report = ui.lsuv(model, x, tol=0.01)
    assert len(report.layers) == 2 and report.layers[0].endswith("kernel")
    assert abs(float(np.std(keras.ops.convert_to_numpy(model(x)))) - 1.0) < 0.01


def _snapshot(model, framework):
    if framework == "torch":
        return [t.detach().clone().numpy() for t in (*model.parameters(), *model.buffers())]
    if framework == "flax":
        import jax
        from flax import nnx
        return [np.asarray(x) for x in jax.tree.leaves(nnx.state(model))]
    return [np.asarray(w) for w in model.get_weights()]


def _small_model(framework) -> Any:
    """16 -> 32 -> BatchNorm (train mode, so a forward pass moves its statistics) -> 1, in ``framework``."""
    if framework == "torch":
        torch = pytest.importorskip("torch")
        torch.manual_seed(0)
        return torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.BatchNorm1d(32), torch.nn.ReLU(),
                                   torch.nn.Linear(32, 1))
    if framework == "flax":
        pytest.importorskip("flax")
        from flax import nnx

        class Net(nnx.Module):
            def __init__(self, rngs):
                self.a, self.norm = nnx.Linear(16, 32, rngs=rngs), nnx.BatchNorm(32, rngs=rngs)
                self.b = nnx.Linear(32, 1, rngs=rngs)

            def __call__(self, x):
                return self.b(nnx.relu(self.norm(self.a(x))))
        return Net(nnx.Rngs(0))
    keras = pytest.importorskip("keras")
    return keras.Sequential([keras.Input((16,)), keras.layers.Dense(32), keras.layers.BatchNormalization(),
                             keras.layers.Dense(1)])


def _batch(framework, x):
    if framework == "torch":
        import torch
        return torch.from_numpy(x)
    if framework == "flax":
        import jax.numpy as jnp
        return jnp.asarray(x)
    return x


@pytest.mark.parametrize("framework", ["torch", "flax", "keras"])
@pytest.mark.parametrize("trouble", ["wrong width", "NaN in the batch"])
def test_a_failed_call_leaves_every_parameter_and_buffer_as_it_was(framework, trouble):
    import unifiedinit as ui
    model = _small_model(framework)
    if framework == "keras":
        model(np.zeros((4, 16), "float32"))  # built
    before = _snapshot(model, framework)
    x = np.random.default_rng(0).normal(size=(8, 15 if trouble == "wrong width" else 16)).astype("float32")
    if trouble == "NaN in the batch":
        x[3, 5] = np.nan
    # the framework's own shape error for a batch of the wrong width; ours, naming the layer, for NaN outputs
    with pytest.raises(Exception, match=None if trouble == "wrong width" else "lsuv: the output of layer .*NaN"):
        ui.lsuv(model, _batch(framework, x))
    after = _snapshot(model, framework)
    assert len(after) == len(before) and all(np.array_equal(a, b, equal_nan=True) for a, b in zip(before, after))


@pytest.mark.parametrize("framework", ["torch", "flax", "keras"])
def test_a_layer_with_one_output_value_stops_at_std_0_in_every_framework(framework):
    """One example into a layer of one unit: the population std (no n - 1) is 0, not NaN, in every framework, and
    the layer is left orthonormal (gain 1) rather than multiplied by NaN."""
    import unifiedinit as ui
    model = _small_model(framework)
    if framework == "torch":
        model[1].eval()  # BatchNorm in training mode refuses a batch of one
    elif framework == "flax":
        model.norm.use_running_average = True
    report = ui.lsuv(model, _batch(framework, np.random.default_rng(0).normal(size=(1, 16)).astype("float32")))
    last = report.layers[-1]
    assert report.stds[last] == 0.0 and report.gains[last] == 1.0
    assert all(np.isfinite(w).all() for w in _snapshot(model, framework))
    report.to_plan()  # replayable: every gain finite


def _running_statistics(model, framework) -> list[np.ndarray]:
    """The BatchNorm's running mean and variance (and torch's count): state a forward pass in train mode moves."""
    if framework == "torch":
        return [b.detach().clone().numpy() for b in model[1].buffers()]
    if framework == "flax":
        import jax
        from flax import nnx
        return [np.asarray(x) for x in jax.tree.leaves(nnx.state(model, nnx.BatchStat))]
    return [np.asarray(v) for v in model.non_trainable_variables]


@pytest.mark.parametrize("framework", ["torch", "flax", "keras"])
def test_the_measuring_passes_leave_the_running_statistics_as_they_were(framework):
    """LSUV's forward passes measure; a BatchNorm in train mode would otherwise come out with statistics of the
    same batch seen a dozen times (and torch's count at the number of passes)."""
    import unifiedinit as ui
    model = _small_model(framework)
    if framework == "keras":
        model(np.zeros((4, 16), "float32"))  # built
    before = _running_statistics(model, framework)
    assert before, "the model has running statistics"
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(64, 16)).astype("float32")
    report = ui.lsuv(model, _batch(framework, x))
    assert len(report.layers) == 2 and all(report.iterations[k] >= 1 for k in report.layers)
    after = _running_statistics(model, framework)
    assert len(after) == len(before) and all(np.array_equal(a, b) for a, b in zip(before, after))


def _gpt2(torch, transformers):
    transformers.utils.logging.set_verbosity_error()
    torch.manual_seed(0)
    config = transformers.GPT2Config(n_embd=32, n_layer=2, n_head=4, vocab_size=100, n_positions=16,
                                     resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
    return transformers.GPT2Model(config).eval()


def test_every_gpt2_conv1d_is_rescaled_reported_and_replayed():
    """GPT-2's dense layers are ``transformers`` ``Conv1D`` modules, not ``nn.Linear``: the orthonormal step sets
    them (kind "dense"), so LSUV rescales each one, by its own output, and reports it; the plan replays them."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    import warnings

    import unifiedinit as ui
    model = _gpt2(torch, transformers)
    conv1d = type(model.h[0].mlp.c_fc)
    expected = [f"{name.replace('.', '/')}/weight" for name, m in model.named_modules() if isinstance(m, conv1d)]
    assert len(expected) == 8  # c_attn, attn's c_proj, c_fc, mlp's c_proj in each of 2 blocks
    ids = torch.randint(0, 100, (8, 16), generator=torch.Generator().manual_seed(1))
    tol = 0.02
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no warning: nothing left unreached, no rule matching nothing
        report = ui.lsuv(model, ids, tol=tol)
    assert report.layers == expected  # every Conv1D, in forward order
    outputs = {}
    hooks = [m.register_forward_hook(lambda mod, i, o, key=f"{name.replace('.', '/')}/weight":
                                     outputs.__setitem__(key, o.detach()))
             for name, m in model.named_modules() if isinstance(m, conv1d)]
    with torch.no_grad():
        model(ids)
    for h in hooks:
        h.remove()
    for path in expected:
        std = float(outputs[path].double().std(correction=0))  # lsuv's std: the population one
        assert abs(std - 1.0) < tol and std == pytest.approx(report.stds[path], rel=1e-6), (path, std)
        assert not model.get_parameter(path.replace("/", ".")[:-len("weight")] + "bias").any()
    # to_plan, with lsuv's own seed, draws the same orthonormal start and multiplies it by the same gains
    fresh = _gpt2(torch, transformers)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        report.to_plan().apply(fresh, seed=0)
    for path in expected:
        name = path.replace("/", ".")
        assert torch.allclose(fresh.get_parameter(name), model.get_parameter(name), rtol=1e-5, atol=1e-7), path


def _keras_convs(keras):
    x = inputs = keras.Input((8, 8, 4))
    for layer in (keras.layers.Conv2D(4, 3, padding="same", name="c1"),
                  keras.layers.DepthwiseConv2D(3, padding="same", name="dw"),
                  keras.layers.SeparableConv2D(6, 3, padding="same", name="sep"),
                  keras.layers.EinsumDense("abcd,de->abce", output_shape=(8, 8, 3), bias_axes="e", name="ein")):
        x = layer(x)
    return keras.Model(inputs, x)


def test_keras_depthwise_separable_and_einsum_layers_are_rescaled_and_replayed():
    """Keras's DepthwiseConv2D, SeparableConv2D and EinsumDense are made orthonormal (kind conv/dense) and each is
    rescaled by its own output; a SeparableConv2D takes its gain in its pointwise kernel, its depthwise kernel
    stays orthonormal at gain 1, and the plan replays both."""
    keras = pytest.importorskip("keras")
    import unifiedinit as ui
    keras.utils.set_random_seed(0)
    model = _keras_convs(keras)
    x = np.random.default_rng(0).normal(0, 2, (16, 8, 8, 4)).astype("float32")
    tol = 0.02
    report = ui.lsuv(model, x, tol=tol)
    assert report.layers == ["c1/kernel", "dw/kernel", "sep/pointwise_kernel", "ein/kernel"]
    assert report.others == {"sep/pointwise_kernel": ["sep/depthwise_kernel"]}
    names = ("c1", "dw", "sep", "ein")
    probe = keras.Model(model.inputs[0], [model.get_layer(n).output for n in names])
    for name, path, out in zip(names, report.layers, probe(x)):
        std = float(np.std(np.asarray(keras.ops.convert_to_numpy(out), dtype=np.float64)))
        assert abs(std - 1.0) < tol and std == pytest.approx(report.stds[path], rel=1e-5), (name, std)
    keras.utils.set_random_seed(1)
    fresh = _keras_convs(keras)
    report.to_plan().apply(fresh, seed=0)  # lsuv's own seed: the same orthonormal start, the same gains
    for ours, theirs in zip(model.weights, fresh.weights):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(theirs), keras.ops.convert_to_numpy(ours),
                                   rtol=1e-5, atol=1e-6, err_msg=ours.path)


def test_a_flax_nnx_linear_general_and_einsum_are_rescaled():
    """``nnx.LinearGeneral`` and ``nnx.Einsum`` are dense layers to a plan: made orthonormal, so rescaled and
    reported too (a MultiHeadAttention's projections are attention, which LSUV leaves as they are, naming them)."""
    nnx = pytest.importorskip("flax.nnx")
    import jax
    import jax.numpy as jnp

    import unifiedinit as ui

    class Net(nnx.Module):
        def __init__(self, rngs):
            self.fc = nnx.Linear(16, 16, rngs=rngs)
            self.attn = nnx.MultiHeadAttention(2, 16, decode=False, rngs=rngs)
            self.gen = nnx.LinearGeneral(16, (2, 8), rngs=rngs)
            self.ein = nnx.Einsum("bthd,hdk->btk", (2, 8, 4), (4,), rngs=rngs)

        def __call__(self, x):
            h = self.fc(x)
            return self.ein(self.gen(self.attn(h, h)))

    net = Net(nnx.Rngs(0))
    query = np.asarray(net.attn.query.kernel.get_value())
    x = jax.random.normal(jax.random.key(1), (4, 8, 16)) * 3
    tol = 0.02
    with pytest.warns(UserWarning, match=r"lsuv: 4 weight\(s\) of layers of kinds LSUV does not set .*: "
                                         r"attn/query/kernel \(attention\), attn/key/kernel \(attention\), "
                                         r"attn/value/kernel \(attention\), attn/out/kernel \(attention\)$"):
        report = ui.lsuv(net, x, tol=tol)
    assert report.layers == ["fc/kernel", "gen/kernel", "ein/kernel"]
    h = net.fc(x)
    for path, out in (("fc/kernel", h), ("gen/kernel", net.gen(net.attn(h, h))), ("ein/kernel", net(x))):
        std = float(jnp.std(out))
        assert abs(std - 1.0) < tol and std == pytest.approx(report.stds[path], rel=1e-5), (path, std)
    assert np.array_equal(query, np.asarray(net.attn.query.kernel.get_value()))


def _unreached_model(framework) -> Any:
    """A model with a dense layer its forward pass never reaches on its own inputs (torch, NNX: an unused layer;
    Keras: a layer inside a nested model, whose output no probe over the outer model's inputs reaches)."""
    if framework == "torch":
        torch = pytest.importorskip("torch")
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.a, self.norm, self.unused = nn.Linear(16, 32), nn.BatchNorm1d(32), nn.Linear(32, 2)

            def forward(self, x):
                return self.norm(self.a(x))
        torch.manual_seed(0)
        return Net()
    if framework == "flax":
        pytest.importorskip("flax")
        from flax import nnx

        class Unused(nnx.Module):
            def __init__(self, rngs):
                self.a, self.norm = nnx.Linear(16, 32, rngs=rngs), nnx.BatchNorm(32, rngs=rngs)
                self.unused = nnx.Linear(32, 2, rngs=rngs)

            def __call__(self, x):
                return self.norm(self.a(x))
        return Unused(nnx.Rngs(0))
    keras = pytest.importorskip("keras")
    inner = keras.Sequential([keras.Input((16,)), keras.layers.Dense(32, name="unused")], name="inner")
    inputs = keras.Input((16,))
    x = keras.layers.BatchNormalization()(keras.layers.Dense(16, name="a")(inputs))
    return keras.Model(inputs, inner(x))


@pytest.mark.parametrize("framework", ["torch", "flax", "keras"])
def test_a_layer_whose_output_cannot_be_measured_is_refused_before_anything_is_written(framework):
    """The orthonormal step would set the layer, and LSUV cannot rescale it: refused, naming it, and every
    parameter and buffer (running statistics included) is as it was."""
    import unifiedinit as ui
    model = _unreached_model(framework)
    before = _snapshot(model, framework)
    x = np.random.default_rng(0).normal(size=(8, 16)).astype("float32")
    with pytest.raises(ValueError, match=r"lsuv: the output of 1 dense/conv layer\(s\) cannot be measured .*unused"):
        ui.lsuv(model, _batch(framework, x))
    after = _snapshot(model, framework)
    assert len(after) == len(before) and all(np.array_equal(a, b) for a, b in zip(before, after))


def _biasless_model(framework) -> Any:
    """Two layers without a bias (conv then dense, or dense then dense), in ``framework``."""
    if framework == "torch":
        torch = pytest.importorskip("torch")
        from torch import nn
        torch.manual_seed(0)
        return nn.Sequential(nn.Conv1d(3, 8, 3, bias=False), nn.BatchNorm1d(8), nn.ReLU(), nn.Flatten(),
                             nn.Linear(8 * 14, 4, bias=False))
    if framework == "flax":
        pytest.importorskip("flax")
        from flax import nnx
        return nnx.Sequential(nnx.Linear(16, 8, use_bias=False, rngs=nnx.Rngs(0)), nnx.relu,
                              nnx.Linear(8, 4, use_bias=False, rngs=nnx.Rngs(0)))
    keras = pytest.importorskip("keras")
    return keras.Sequential([keras.Input((16, 3)), keras.layers.Conv1D(8, 3, use_bias=False), keras.layers.Flatten(),
                             keras.layers.Dense(4, use_bias=False)])


@pytest.mark.parametrize("framework", ["torch", "flax", "keras"])
def test_layers_without_a_bias_give_no_warning_from_lsuv_or_its_plan(framework):
    """LSUV's own rules (the orthonormal start, ``to_plan``'s zero biases) are quiet: a layer without a bias is
    no 'plan rule matched no parameter' warning, neither from ``lsuv`` nor from applying ``to_plan()``."""
    import warnings

    import unifiedinit as ui
    model = _biasless_model(framework)
    shape = (16, 3, 16) if framework == "torch" else (16, 16) if framework == "flax" else (16, 16, 3)
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        report = ui.lsuv(model, _batch(framework, x))
        assert len(report.layers) == 2
        plan = report.to_plan()
        assert all(rule.quiet for rule in plan.rules)
        plan.apply(model, seed=0)


def _keras_pre_activation_stds(activation: str) -> list[float]:
    """LSUV on a Keras Conv1D and Dense with a built-in ``activation``, then each layer's output before that
    activation, computed from its input and kernel (the bias is zero): what LSUV sets to the target."""
    keras = pytest.importorskip("keras")
    import unifiedinit as ui
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((12, 3)), keras.layers.Conv1D(16, 1, activation=activation, name="c"),
                              keras.layers.Flatten(), keras.layers.Dense(32, activation=activation, name="d"),
                              keras.layers.Dense(4, name="e")], name="net")
    x = np.random.default_rng(0).normal(0, 3, (128, 12, 3)).astype("float32")
    report = ui.lsuv(model, x, tol=0.01)
    kernel = {n: np.asarray(keras.ops.convert_to_numpy(model.get_layer(n).kernel), np.float64) for n in "cde"}
    flat = keras.Model(model.inputs[0], model.layers[1].output)  # the Conv1D's activated output, flattened
    conv = x.astype(np.float64) @ kernel["c"][0]  # a kernel of size 1: a matmul over the channels
    dense = np.asarray(keras.ops.convert_to_numpy(flat(x)), np.float64) @ kernel["d"]
    for path, pre in (("net/c/kernel", conv), ("net/d/kernel", dense)):
        assert report.stds[path] == pytest.approx(float(np.std(pre)), rel=1e-5), path
    return [float(np.std(conv)), float(np.std(dense))]


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_a_keras_layer_with_a_built_in_activation_is_measured_before_it(activation):
    """LSUV measures the conv or inner product itself, before the nonlinearity (as a torch ``Linear`` then ``ReLU``
    is measured): a Keras layer's built-in ``activation=`` is not part of what is set to the target. Measured
    after a sigmoid, the gain grew without end (outputs in (0, 1) never reach std 1); after a relu the weights ended
    ~1.7x too large. Checked under this process's Keras backend and, in a subprocess, under the other one."""
    import json
    import os
    import subprocess
    import sys
    keras = pytest.importorskip("keras")
    for std in _keras_pre_activation_stds(activation):
        assert abs(std - 1.0) < 0.01
    other = "jax" if keras.backend.backend() != "jax" else "tensorflow"
    pytest.importorskip(other)
    code = (f"import sys; sys.path.insert(0, {os.path.dirname(__file__)!r}); import keras, test_lsuv; "
            f"assert keras.backend.backend() == {other!r}; import json; "
            f"print(json.dumps(test_lsuv._keras_pre_activation_stds({activation!r})))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "KERAS_BACKEND": other})
    assert proc.returncode == 0, proc.stderr[-2000:]
    for std in json.loads(proc.stdout.strip().splitlines()[-1]):
        assert abs(std - 1.0) < 0.01


def _twice_model(framework) -> Any:
    """A model whose forward pass calls its layer ``a`` twice: a(relu(b(a(x))))."""
    if framework == "torch":
        torch = pytest.importorskip("torch")
        from torch import nn

        class Twice(nn.Module):
            def __init__(self):
                super().__init__()
                self.a, self.b = nn.Linear(16, 16), nn.Linear(16, 16)

            def forward(self, x):
                return self.a(torch.relu(self.b(self.a(x))))
        torch.manual_seed(0)
        return Twice()
    pytest.importorskip("flax")
    from flax import nnx

    class NnxTwice(nnx.Module):
        def __init__(self, rngs):
            self.a, self.b = nnx.Linear(16, 16, rngs=rngs), nnx.Linear(16, 16, rngs=rngs)

        def __call__(self, x):
            return self.a(nnx.relu(self.b(self.a(x))))
    return NnxTwice(nnx.Rngs(0))


@pytest.mark.parametrize("framework", ["torch", "flax"])
def test_a_layer_called_twice_is_refused_before_anything_is_written(framework):
    """A layer called twice in one forward pass has no single output to set (it was placed by its first call and
    measured by its last, oscillating off target): refused naming it, as Keras refuses a layer with several
    nodes, and every parameter is as it was."""
    import unifiedinit as ui
    model = _twice_model(framework)
    before = _snapshot(model, framework)
    x = np.random.default_rng(0).normal(size=(64, 16)).astype("float32")
    with pytest.raises(ValueError, match=r"cannot be measured .*: a/(weight|kernel) \(it has no single output: the "
                                         r"forward pass on the batch calls it 2 times\)"):
        ui.lsuv(model, _batch(framework, x))
    after = _snapshot(model, framework)
    assert len(after) == len(before) and all(np.array_equal(a, b) for a, b in zip(before, after))


def test_an_nnx_layer_whose_class_subclasses_another_layers_is_measured_by_its_own_outermost_output():
    """An ``nnx.Linear`` beside a subclass of it whose ``__call__`` returns ``super().__call__(x) * 3``: both
    classes' ``__call__`` record the layers' outputs, so the subclass's super() call was recorded as a second call
    and the layer refused as "calls it 2 times". It is one call, measured by its outermost output (the layer's
    output as the model uses it, times 3): the model's output std ends within ``tol`` of 1, where the inner output's
    would leave it near 3. A layer that calls itself again through its own class is still refused: that is a
    second call. The batch is fixed, so nothing here is random."""
    nnx = pytest.importorskip("flax.nnx")
    import jax.numpy as jnp

    import unifiedinit as ui

    class Tripled(nnx.Linear):
        def __call__(self, x):
            return super().__call__(x) * 3.0

    class Net(nnx.Module):
        def __init__(self, rngs):
            self.a, self.b = nnx.Linear(16, 32, rngs=rngs), Tripled(32, 8, rngs=rngs)

        def __call__(self, x):
            return self.b(nnx.relu(self.a(x)))

    net = Net(nnx.Rngs(0))
    x = jnp.asarray(np.random.default_rng(0).normal(size=(256, 16)), dtype=jnp.float32)
    report = ui.lsuv(net, x, tol=0.01)
    assert report.layers == ["a/kernel", "b/kernel"] and report.iterations["b/kernel"] >= 2, report
    out = float(np.std(np.asarray(net(x), np.float64)))
    assert abs(out - 1.0) < 0.01 and abs(report.stds["b/kernel"] - out) < 1e-5, (out, report.stds)

    class Again(nnx.Linear):
        def __call__(self, x, again=True):
            y = super().__call__(x)
            return self(y, again=False) if again else y

    class Recursive(nnx.Module):
        def __init__(self, rngs):
            self.a = Again(16, 16, rngs=rngs)

        def __call__(self, x):
            return self.a(x)

    with pytest.raises(ValueError, match=r"a/kernel \(it has no single output: the forward pass on the batch calls "
                                         r"it 2 times\)"):
        ui.lsuv(Recursive(nnx.Rngs(0)), x)


def _two_dense(framework) -> tuple[Any, Callable[[Any, Any], list[float]]]:
    """16 -> 32 -> relu -> 8, and a function giving each dense layer's output std (population) on a batch."""
    if framework == "torch":
        torch = pytest.importorskip("torch")
        from torch import nn
        torch.manual_seed(0)
        net = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 8))

        def torch_stds(model, x):
            with torch.no_grad():
                h = model[0](x)
                return [float(h.double().std(correction=0)), float(model(x).double().std(correction=0))]
        return net, torch_stds
    if framework == "flax":
        pytest.importorskip("flax")
        from flax import nnx
        net = nnx.Sequential(nnx.Linear(16, 32, rngs=nnx.Rngs(0)), nnx.relu, nnx.Linear(32, 8, rngs=nnx.Rngs(1)))
        return net, lambda model, x: [float(np.std(np.asarray(model.layers[0](x), np.float64))),
                                      float(np.std(np.asarray(model(x), np.float64)))]
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    net = keras.Sequential([keras.Input((16,)), keras.layers.Dense(32, name="a"), keras.layers.ReLU(),
                            keras.layers.Dense(8, name="b")])
    probe = keras.Model(net.inputs[0], [net.get_layer("a").output, net.get_layer("b").output])
    return net, lambda model, x: [float(np.std(np.asarray(keras.ops.convert_to_numpy(o), np.float64)))
                                  for o in probe(x)]


@pytest.mark.parametrize("framework", ["torch", "flax", "keras"])
def test_the_reported_std_is_the_one_each_layer_ends_with_and_a_miss_is_named(framework):
    """After ``max_iter`` rescalings the report holds the std the layer has (measured after the last one, not
    before it), and a layer left outside ``tol`` is named in a warning."""
    import warnings

    import unifiedinit as ui
    model, stds = _two_dense(framework)
    x = _batch(framework, np.random.default_rng(0).normal(0, 3, (256, 16)).astype("float32"))
    with pytest.warns(UserWarning, match=r"lsuv: 2 layer\(s\) did not reach std 1.0 within tol 1e-12 after "
                                         r"max_iter=1 rescalings .*: \S+ \(std [0-9.]+\), \S+ \(std [0-9.]+\)$"):
        report = ui.lsuv(model, x, max_iter=1, tol=1e-12)
    for path, std in zip(report.layers, stds(model, x)):
        assert report.stds[path] == pytest.approx(std, rel=1e-5), path
        assert report.iterations[path] == 2  # forward passes: before and after the one rescaling
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # within tol: no warning
        ui.lsuv(model, x, tol=0.01)


@pytest.mark.parametrize("framework", ["torch", "flax", "keras"])
def test_a_batch_with_no_variance_or_no_values_is_refused_and_nothing_is_written(framework):
    """A batch of zeros gives every layer an output of std 0 over many values: no scale reaches the target, so it
    is refused (one output value, std 0, still stops there). An empty batch is refused up front, naming it."""
    import unifiedinit as ui
    model = _small_model(framework)
    if framework == "keras":
        model(np.zeros((4, 16), "float32"))  # built
    before = _snapshot(model, framework)
    with pytest.raises(ValueError, match=r"lsuv: the output of layer '\S+' on the batch has std 0 over its 256 "
                                         r"values .*nothing was changed"):
        ui.lsuv(model, _batch(framework, np.zeros((8, 16), "float32")))
    with pytest.raises(ValueError, match=r"lsuv: parameter 'batch' must hold at least one value .*shape \(0, 16\)"):
        ui.lsuv(model, _batch(framework, np.zeros((0, 16), "float32")))
    after = _snapshot(model, framework)
    assert len(after) == len(before) and all(np.array_equal(a, b) for a, b in zip(before, after))


def test_torch_dropout_is_drawn_from_the_seed_and_the_global_random_state_is_left_as_it_was():
    """A model in train mode with a dropout: every forward pass draws its masks from ``seed`` on a forked
    generator, so the result does not depend on torch's global random state, which lsuv leaves as it was."""
    torch = pytest.importorskip("torch")
    from torch import nn

    import unifiedinit as ui

    def run(global_seed: int) -> list[Any]:
        torch.manual_seed(1)
        model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Dropout(0.3), nn.Linear(32, 8)).train()
        x = torch.randn(64, 16)
        torch.manual_seed(global_seed)
        state = torch.get_rng_state()
        ui.lsuv(model, x, seed=0)
        assert torch.equal(state, torch.get_rng_state())  # the global generator was not advanced
        return [p.detach().clone() for p in model.parameters()]

    first, second = run(5), run(6)
    assert all(torch.equal(a, b) for a, b in zip(first, second))


def test_an_nnx_dropout_random_state_comes_back_as_it_was():
    """NNX's dropout counts its draws in an ``RngCount``: LSUV's measuring passes put it back (as they put back a
    BatchNorm's statistics), so the model's next call draws the mask it would have drawn without lsuv."""
    nnx = pytest.importorskip("flax.nnx")
    import jax

    import unifiedinit as ui
    model = nnx.Sequential(nnx.Linear(8, 16, rngs=nnx.Rngs(0)), nnx.Dropout(0.5, rngs=nnx.Rngs(dropout=1)),
                           nnx.Linear(16, 4, rngs=nnx.Rngs(2)))
    x = jax.random.normal(jax.random.key(1), (64, 8))
    before = [np.asarray(v) for v in jax.tree.leaves(nnx.state(model, nnx.RngCount))]
    report = ui.lsuv(model, x)
    assert all(report.iterations[k] >= 1 for k in report.layers)
    after = [np.asarray(v) for v in jax.tree.leaves(nnx.state(model, nnx.RngCount))]
    assert len(after) == len(before) and all(np.array_equal(a, b) for a, b in zip(before, after))


def test_a_keras_dropout_seed_generator_is_left_as_it_was():
    """Keras runs LSUV's passes in inference mode, where a dropout draws nothing: its seed generator's state is
    as it was."""
    keras = pytest.importorskip("keras")
    import unifiedinit as ui
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16), keras.layers.Dropout(0.5),
                              keras.layers.Dense(4)])
    states = [v for v in model.variables if "seed_generator" in v.path]
    assert states
    before = [np.asarray(keras.ops.convert_to_numpy(v)) for v in states]
    ui.lsuv(model, np.random.default_rng(0).normal(size=(64, 8)).astype("float32"))
    assert all(np.array_equal(np.asarray(keras.ops.convert_to_numpy(v)), b) for v, b in zip(states, before))


def test_a_flax_linen_module_or_variables_tree_is_not_implemented():
    pytest.importorskip("flax")
    import flax.linen as nn
    import jax
    import jax.numpy as jnp

    import unifiedinit as ui
    module = nn.Dense(3)
    variables = module.init(jax.random.key(0), jnp.ones((2, 4)))
    for model in (module, variables):
        with pytest.raises(NotImplementedError, match="lsuv: torch, Flax NNX and Keras models for now, got a Flax "
                                                      "Linen"):
            ui.lsuv(model, jnp.ones((2, 4)))


def test_torch_gains_do_not_depend_on_the_thread_count():
    """The std is reduced by numpy in float64 on the CPU, in one thread: where the forward pass gives the same
    outputs with 1 thread and 2, the gains (and ``to_plan``) come out the same to the last bit (torch's own float64
    std differed in the last bits). A forward pass whose BLAS or oneDNN splits its sums by thread count still
    differs, and whether it does depends on the CPU (this model's convolutions and matmul do on some): that is the
    model's output, not lsuv's. So the model's own layers run on one thread here, and lsuv's work around them on 1
    or 2."""
    torch = pytest.importorskip("torch")
    from torch import nn

    import unifiedinit as ui
    threads = torch.get_num_threads()

    def one_thread(module: nn.Module, args: Any) -> None:
        module.threads = torch.get_num_threads()  # pyright: ignore[reportAttributeAccessIssue]
        torch.set_num_threads(1)

    def back(module: nn.Module, args: Any, output: Any) -> None:
        torch.set_num_threads(module.threads)  # pyright: ignore[reportAttributeAccessIssue]

    def run(n: int) -> dict[str, float]:
        torch.set_num_threads(n)
        torch.manual_seed(0)
        model = nn.Sequential(nn.Conv2d(3, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.Flatten(),
                              nn.Linear(64 * 12 * 12, 100), nn.ReLU(), nn.Linear(100, 10))
        for layer in model:
            layer.register_forward_pre_hook(one_thread)
            layer.register_forward_hook(back)
        return ui.lsuv(model, torch.randn(64, 3, 16, 16)).gains
    try:
        assert run(1) == run(2)
    finally:
        torch.set_num_threads(threads)


@pytest.mark.parametrize("mode", ["int8", "int4", "float8"])
def test_a_quantized_keras_layer_is_refused_before_anything_is_written(mode):
    """A quantized Dense computes with its own integer kernel (or float8 scales): LSUV used to zero its bias only,
    warn that it "computes its weight's scale itself", report gain 1 and replay Orthogonal(gain=1.0) it never held.
    It is refused, each layer named (one without a bias too, which no record of the plan's selected), and every
    variable keeps its value."""
    keras = pytest.importorskip("keras")
    import unifiedinit as ui
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(32, bias_initializer="ones", name="fc1"),
                              keras.layers.Dense(8, use_bias=False, name="fc2")], name="net")
    model.quantize(mode)
    before = [np.array(keras.ops.convert_to_numpy(v)) for v in model.variables]
    x = np.random.default_rng(0).normal(size=(64, 16)).astype("float32")
    with pytest.raises(ValueError, match=rf"lsuv: 2 dense/conv layer\(s\) are quantized.*net/fc1 \(Dense, "
                                         rf"quantization_mode '{mode}'.*net/fc2 \(Dense, quantization_mode '{mode}'"):
        ui.lsuv(model, x)
    after = [np.array(keras.ops.convert_to_numpy(v)) for v in model.variables]
    assert len(after) == len(before) and all(np.array_equal(a, b) for a, b in zip(after, before))


def _torch_values(model) -> list[Any]:
    """Every value a torch module holds, a quantized module's packed weight and bias included (as floats)."""
    torch = pytest.importorskip("torch")
    out = []
    for value in model.state_dict().values():
        for t in value if isinstance(value, tuple) else (value,):
            if isinstance(t, torch.Tensor):
                out.append((t.dequantize() if t.is_quantized else t).detach().clone())
    return out


@pytest.mark.parametrize("kind", ["dynamic", "static", "reference"])
def test_a_quantized_torch_module_is_refused_before_anything_is_written(kind):
    """torch's quantized Linear keeps its weight packed (no parameter: no record), so LSUV used to leave it out
    silently (an empty report for a model of quantized layers; the float layers alone rescaled beside them), and
    a reference quantized Linear's float weight was rescaled into the clamp of its fixed weight_scale. Each is
    refused, named with its class, and every value (the float layer's, the packed weight) is left as it was."""
    torch = pytest.importorskip("torch")
    from torch import nn

    import unifiedinit as ui
    torch.manual_seed(0)
    if kind == "dynamic":
        import torch.ao.nn.quantized.dynamic as nnqd
        quantized: Any = nnqd.Linear(32, 4)
        name = "torch.ao.nn.quantized.dynamic.Linear"
    elif kind == "static":
        import torch.ao.nn.quantized as nnq
        quantized = nnq.Linear(32, 4)
        name = "torch.ao.nn.quantized.Linear"
    else:
        import torch.ao.nn.quantized.reference as nnqr
        quantized = nnqr.Linear(32, 4, weight_qparams={"qscheme": torch.per_tensor_affine, "dtype": torch.qint8,
                                                       "scale": 0.001, "zero_point": 0})
        name = "torch.ao.nn.quantized.reference.Linear"
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), quantized)
    before = _torch_values(model)
    with pytest.raises(ValueError, match=rf"lsuv: 1 dense/conv layer\(s\) are quantized.*: 2 \({name}: "):
        ui.lsuv(model, torch.randn(64, 16))
    after = _torch_values(model)
    assert len(after) == len(before) > 2 and all(torch.equal(a, b) for a, b in zip(after, before))


def _inplace_mlp(inplace: bool) -> Any:
    """Linear(64, 128) -> ReLU -> Linear(128, 128) -> ReLU -> Linear(128, 10), its ReLUs in place or not."""
    torch = pytest.importorskip("torch")
    from torch import nn
    torch.manual_seed(1)
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(inplace=inplace), nn.Linear(128, 128), nn.ReLU(inplace=inplace),
                         nn.Linear(128, 10))


def test_a_torch_layer_followed_by_an_in_place_op_is_measured_by_its_own_output():
    """``nn.ReLU(inplace=True)`` overwrites the layer's output tensor itself: LSUV kept a reference to it and
    measured the ReLU's result (std 1 reported, 1.70 in fact, the gains 2.41/1.40/0.71 instead of 1.41/1.41/1.21).
    The std is taken when the layer returns, so in place or not gives the same gains and stds, and each layer's
    own output (cloned by an independent hook at that moment) ends within ``tol`` of the target. The forward pass
    is deterministic, so these are exact checks, with no false alarms."""
    torch = pytest.importorskip("torch")
    from torch import nn

    import unifiedinit as ui
    batch = torch.randn(512, 64, generator=torch.Generator().manual_seed(0))
    tol = 0.01
    reports, nets = {}, {}
    for inplace in (False, True):
        nets[inplace] = _inplace_mlp(inplace)
        reports[inplace] = ui.lsuv(nets[inplace], batch, tol=tol, seed=0)
    assert reports[True].gains == reports[False].gains and reports[True].stds == reports[False].stds
    outputs: dict[str, Any] = {}

    def keep(path: str) -> Callable[[nn.Module, Any, Any], None]:
        def hook(module: nn.Module, inputs: Any, output: Any) -> None:
            outputs[path] = output.clone()  # before the in-place ReLU after it overwrites the tensor
        return hook

    for name, module in nets[True].named_modules():
        if isinstance(module, nn.Linear):
            module.register_forward_hook(keep(f"{name}/weight"))
    with torch.no_grad():
        nets[True](batch)
    assert sorted(outputs) == reports[True].layers == ["0/weight", "2/weight", "4/weight"]
    for path, output in outputs.items():
        std = float(output.double().std(correction=0))  # lsuv's std: the population one
        assert abs(std - 1.0) < tol and std == pytest.approx(reports[True].stds[path], rel=1e-6), (path, std)


def test_the_reported_gain_is_the_product_of_every_rescale_of_a_layer_not_homogeneous_in_its_weight():
    """A layer whose output applies tanh is not scaled by its weight's scale: LSUV rescales it several times, and
    its gain is the product of the rescales (the last one alone was reported, and the plan replayed that). The
    weight is orthonormal times the gain, so its singular values are all the reported gain, and the plan replays
    the same weights from the same seed. The forward passes are deterministic: exact checks, no false alarms."""
    torch = pytest.importorskip("torch")
    from torch import nn

    import unifiedinit as ui

    class TanhLinear(nn.Linear):
        def forward(self, input: Any) -> Any:
            return torch.tanh(super().forward(input))

    def model() -> nn.Sequential:
        return nn.Sequential(TanhLinear(32, 64), nn.Linear(64, 16))

    torch.manual_seed(0)
    net = model()
    batch = torch.randn(256, 32, generator=torch.Generator().manual_seed(0))
    report = ui.lsuv(net, batch, target_std=0.5, tol=0.001, seed=3)
    assert report.iterations["0/weight"] >= 3 and abs(report.stds["0/weight"] - 0.5) < 0.001, report
    singular = torch.linalg.svdvals(net.get_parameter("0.weight").detach().double())
    assert torch.allclose(singular, torch.full_like(singular, report.gains["0/weight"]), rtol=1e-6, atol=0.0)
    fresh = model()
    report.to_plan().apply(fresh, seed=3)
    for a, b in zip(net.parameters(), fresh.parameters()):
        assert torch.allclose(a, b, rtol=1e-6, atol=1e-7)


def _tied_model(framework: str, bias: bool) -> tuple[Any, Any, str, str]:
    """16 -> tanh -> 16 -> tanh -> 4 whose second layer's weight is the first's (tied), with or without biases:
    (model, batch, the first layer's weight path, the second's)."""
    x = np.random.default_rng(0).normal(0, 3, (256, 16)).astype("float32")
    if framework == "torch":
        torch = pytest.importorskip("torch")
        from torch import nn
        torch.manual_seed(0)
        net = nn.Sequential(nn.Linear(16, 16, bias=bias), nn.Tanh(), nn.Linear(16, 16, bias=bias), nn.Tanh(),
                            nn.Linear(16, 4))
        net[2].weight = net[0].weight
        return net, torch.from_numpy(x), "0/weight", "2/weight"
    pytest.importorskip("flax")
    import jax.numpy as jnp
    from flax import nnx
    flax_net = nnx.Sequential(nnx.Linear(16, 16, use_bias=bias, rngs=nnx.Rngs(0)), nnx.tanh,
                              nnx.Linear(16, 16, use_bias=bias, rngs=nnx.Rngs(1)), nnx.tanh,
                              nnx.Linear(16, 4, rngs=nnx.Rngs(2)))
    flax_net.layers[2].kernel = flax_net.layers[0].kernel
    return flax_net, jnp.asarray(x), "layers/0/kernel", "layers/2/kernel"


@pytest.mark.parametrize("framework", ["torch", "flax"])
@pytest.mark.parametrize("bias", [True, False])
def test_a_layer_whose_weight_is_another_layers_is_named_as_tied_and_replayed(framework, bias):
    """``net[2].weight = net[0].weight``: layer 2 has no weight of its own. With biases it was reported at gain 1
    with a warning that it computes its scale itself (a parametrization: false), and ``to_plan`` then replayed the
    shared weight at that gain 1, not layer 0's; without biases it was left out with no word. It is named in a
    warning of its own, listed in ``report.tied`` and not in ``layers``; no parametrization is claimed; the plan
    replays layer 0's gain on the shared weight and zeroes layer 2's bias."""
    import warnings

    import unifiedinit as ui
    model, x, owner, alias = _tied_model(framework, bias)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = ui.lsuv(model, x, tol=0.01)
    said = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert len(said) == 1, said
    assert said[0].startswith("lsuv: 1 layer(s) share their weight with another layer (tied weights)")
    assert said[0].endswith(f": {alias} (shares {owner})")
    assert report.tied == {alias: owner} and alias not in report.layers and len(report.layers) == 2
    fresh, _, _, _ = _tied_model(framework, bias)
    fresh_report = report.to_plan().apply(fresh, seed=0)  # lsuv's own seed: the same orthonormal start
    assert not fresh_report.unmatched
    for replayed, ours in zip(_snapshot(fresh, framework), _snapshot(model, framework), strict=True):
        np.testing.assert_allclose(replayed, ours, rtol=1e-5, atol=1e-7)  # Orthogonal(g) vs the same matrix times g


def test_an_nnx_tied_kernel_is_scaled_by_the_output_of_the_layer_it_is_listed_under():
    """NNX's graph meets ``a.x`` (which holds ``b``'s kernel) before ``b``, while the walk lists the kernel under
    ``b``: LSUV used to measure ``a.x``'s output under the name ``b/kernel`` and report ``b/kernel`` twice. The
    kernel is scaled by ``b``'s own output (ending within ``tol`` of the target) and ``a/x`` is named as tied."""
    nnx = pytest.importorskip("flax.nnx")
    import jax
    import jax.numpy as jnp

    import unifiedinit as ui

    class Inner(nnx.Module):
        def __init__(self, rngs):
            self.x = nnx.Linear(16, 16, rngs=rngs)

    class Net(nnx.Module):
        def __init__(self, rngs):
            self.a, self.b = Inner(rngs), nnx.Linear(16, 16, rngs=rngs)
            self.a.x.kernel = self.b.kernel

        def __call__(self, x):
            return self.b(jnp.tanh(self.a.x(x)))

    net = Net(nnx.Rngs(0))
    x = jax.random.normal(jax.random.key(1), (64, 16)) * 3
    tol = 0.01
    with pytest.warns(UserWarning, match=r"share their weight with another layer .*: a/x/kernel \(shares b/kernel\)$"):
        report = ui.lsuv(net, x, tol=tol)
    assert report.layers == ["b/kernel"] and report.tied == {"a/x/kernel": "b/kernel"}
    std = float(np.std(np.asarray(net(x), np.float64)))
    assert abs(std - 1.0) < tol and std == pytest.approx(report.stds["b/kernel"], rel=1e-5)


def _with_transposed_convs(framework: str, conv_first: bool) -> tuple[Any, Any]:
    """A transposed conv after a conv (``conv_first``) or after another transposed conv, named ``up`` where the
    framework names layers, and a batch for it: (model, batch)."""
    x = np.random.default_rng(0).normal(0, 3, (8, 5, 5, 4)).astype("float32")  # channels last
    if framework == "torch":
        torch = pytest.importorskip("torch")
        from torch import nn
        torch.manual_seed(0)
        first = nn.Conv2d(4, 4, 3, padding=1) if conv_first else nn.ConvTranspose2d(4, 4, 3)
        return nn.Sequential(first, nn.ReLU(), nn.ConvTranspose2d(4, 2, 3)), torch.from_numpy(x.transpose(0, 3, 1, 2))
    if framework == "flax":
        pytest.importorskip("flax")
        import jax.numpy as jnp
        from flax import nnx
        rngs = nnx.Rngs(0)
        start = nnx.Conv(4, 4, (3, 3), rngs=rngs) if conv_first else nnx.ConvTranspose(4, 4, (3, 3), rngs=rngs)
        return nnx.Sequential(start, nnx.relu, nnx.ConvTranspose(4, 2, (3, 3), rngs=rngs)), jnp.asarray(x)
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    begin = (keras.layers.Conv2D(4, 3, padding="same", name="c") if conv_first else
             keras.layers.Conv2DTranspose(4, 3, name="c"))
    return keras.Sequential([keras.Input((5, 5, 4)), begin, keras.layers.ReLU(),
                             keras.layers.Conv2DTranspose(2, 3, name="up")], name="net"), x


@pytest.mark.parametrize("framework", ["torch", "flax", "keras"])
def test_transposed_convs_are_named_as_left_out_and_a_model_of_them_alone_is_refused(framework):
    """LSUV sets dense and conv layers only: a transposed conv was left out with no word, and a model of transposed
    convs alone (a DCGAN generator) returned an empty report. The weights left out are named in a warning, and a
    model with no dense or conv layer is refused, naming them, with every value left as it was."""
    import unifiedinit as ui
    model, x = _with_transposed_convs(framework, conv_first=True)
    with pytest.warns(UserWarning, match=r"lsuv: 1 weight\(s\) of layers of kinds LSUV does not set are left as they "
                                         r"are .*not conv_transpose, attention or recurrent layers\): "
                                         r"\S+ \(conv_transpose\)$"):
        report = ui.lsuv(model, x)
    assert len(report.layers) == 1  # the conv
    model, x = _with_transposed_convs(framework, conv_first=False)
    before = _snapshot(model, framework)
    with pytest.raises(ValueError, match=r"^lsuv: parameter 'model' must hold at least one dense or conv layer with "
                                         r"a weight of its own .*, got a \w+ with none; its weights of kinds LSUV "
                                         r"leaves as they are: \S+ \(conv_transpose\), \S+ \(conv_transpose\)\. "
                                         r"Nothing was changed$"):
        ui.lsuv(model, x)
    after = _snapshot(model, framework)
    assert len(after) == len(before) and all(np.array_equal(a, b) for a, b in zip(before, after))


@pytest.mark.parametrize("head", ["linear", "registered"])
def test_a_bias_free_head_tied_to_an_embedding_is_named_as_tied(head):
    """A language model's head ``nn.Linear(d, V, bias=False)`` sharing its embedding's table (``head.weight =
    emb.weight``): the table is the embedding's, which LSUV does not set, and the head has no bias, so it was left
    as it is without a word (with a bias it was named). It is named as tied, as with a bias, and left as it is;
    so is a head of a user's class registered as a dense layer (as GPT-2's Conv1D is), known by its walk's kind."""
    import warnings

    torch = pytest.importorskip("torch")
    nn = torch.nn

    import unifiedinit as ui

    class Head(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.weight = nn.Parameter(torch.zeros(50, 16))

        def forward(self, x: Any) -> Any:
            return x @ self.weight.T

    class LM(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb, self.fc = nn.Embedding(50, 16), nn.Linear(16, 16)
            self.head = nn.Linear(16, 50, bias=False) if head == "linear" else Head()
            self.head.weight = self.emb.weight

        def forward(self, x: Any) -> Any:
            return self.head(torch.relu(self.fc(self.emb(x))))

    torch.manual_seed(0)
    model, x = LM(), torch.randint(0, 50, (64, 8))
    table = model.emb.weight.detach().clone()
    ui.register_layer(Head, "dense", roles={"weight": "weight"})
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            report = ui.lsuv(model, x, seed=0)
    finally:
        ui.params.LAYERS.pop(Head, None)
    said = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert report.tied == {"head/weight": "emb/weight"} and report.layers == ["fc/weight"], report
    assert len(said) == 1 and said[0].endswith(": head/weight (shares emb/weight)"), said
    assert torch.equal(model.emb.weight, table)  # the embedding's table: no dense or conv weight, left as it is
