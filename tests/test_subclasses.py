"""A user's subclass of a framework layer keeps that layer's rules: presets select some layers by class name
(``layer="Bilinear"``, ``"*LSTM*"``, ``"Depthwise*"``, ``"LoRA"``), and ``Param.bases`` lets those globs match the
framework classes a layer's class derives from, on every backend.

Each subclass is compared with its framework class in the same run (same report rows but the layer's name, same
values for the same seed); the KS checks against the framework's own initializer are at level 1e-4 (a correct
sampler fails with probability 1e-4), with fixed seeds. Each framework's tests skip without it.
"""

import importlib.util
from typing import Any

import numpy as np
import pytest

import unifiedinit as ui
from unifiedinit.verify import stats

ALPHA = 1e-4


def rows_but_layer(report: Any) -> list[dict[str, Any]]:
    """The report's rows without what a subclass changes: the layer's class name, and the path where Keras names
    the layer after its class (``my_depthwise``); the canonical key stays."""
    return [{k: v for k, v in row.items() if k not in ("layer", "path")} for row in report.rows()]


def test_select_layer_glob_matches_the_framework_bases():
    p = ui.Param("cell/bias", "recurrent", "bias", (16,), layer="Custom", bases=("LSTM", "RNNBase", "Module"))
    assert ui.Select(layer="*LSTM*").matches(p) and ui.Select(layer="Custom").matches(p)
    assert not ui.Select(layer="GRU").matches(p)
    assert not ui.Select(layer="*LSTM*").matches(p._replace(bases=()))  # the class's name alone: no LSTM


# ------------------------------------------------------------------------------------------------ torch

def test_torch_bilinear_subclass_keeps_the_bilinear_rule():
    torch = pytest.importorskip("torch")

    class MyBilinear(torch.nn.Bilinear):
        pass

    torch.manual_seed(0)
    native = np.concatenate([MyBilinear(16, 64, 4).weight.detach().numpy().ravel() for _ in range(4)])
    sub, base = MyBilinear(16, 64, 4), torch.nn.Bilinear(16, 64, 4)
    assert rows_but_layer(ui.inspect(sub, ui.presets.torch)) == rows_but_layer(ui.inspect(base, ui.presets.torch))
    ours = []
    for seed in range(4):
        ui.presets.torch.apply(sub, seed=seed)
        ours.append(sub.weight.detach().numpy().ravel())
    # torch's own reset_parameters of the subclass: U(+-1/sqrt(in1)), not the (out, in1, in2) tensor's fans
    assert stats.ks_2samp(np.concatenate(ours), native)[1] > ALPHA


def test_torch_lstm_subclass_gets_keras_forget_bias():
    torch = pytest.importorskip("torch")

    class Custom(torch.nn.LSTM):
        pass

    sub, base = Custom(5, 4), torch.nn.LSTM(5, 4)
    assert rows_but_layer(ui.presets.keras.apply(sub, seed=0)) == rows_but_layer(ui.presets.keras.apply(base, seed=0))
    for (name, got), (_, want) in zip(sub.named_parameters(), base.named_parameters()):
        assert torch.equal(got, want), name
    np.testing.assert_array_equal(sub.bias_ih_l0.detach().numpy(), np.repeat([0.0, 1, 0, 0], 4))


# ------------------------------------------------------------------------------------------------ Keras

def test_keras_depthwise_subclass_keeps_keras_fans():
    keras = pytest.importorskip("keras")

    class MyDepthwise(keras.layers.DepthwiseConv2D):
        pass

    x = np.zeros((1, 8, 8, 64), "float32")
    keras.utils.set_random_seed(0)
    sub, base = MyDepthwise(3, depth_multiplier=4), keras.layers.DepthwiseConv2D(3, depth_multiplier=4)
    sub(x)
    base(x)
    native = np.asarray(keras.ops.convert_to_numpy(sub.kernel), np.float64).ravel()  # Keras's glorot_uniform
    assert rows_but_layer(ui.inspect(sub, ui.presets.keras)) == rows_but_layer(ui.inspect(base, ui.presets.keras))
    ui.presets.keras.apply(sub, seed=0)
    ours = np.asarray(keras.ops.convert_to_numpy(sub.kernel), np.float64).ravel()
    assert stats.ks_2samp(ours, native)[1] > ALPHA


def test_keras_lstm_cell_subclass_gets_the_forget_bias():
    keras = pytest.importorskip("keras")

    class PeepholeCell(keras.layers.LSTMCell):
        pass

    x = np.zeros((1, 2, 4), "float32")
    sub, base = keras.layers.RNN(PeepholeCell(3)), keras.layers.RNN(keras.layers.LSTMCell(3))
    sub(x)
    base(x)
    native = keras.ops.convert_to_numpy(sub.cell.bias)  # unit_forget_bias=True: the forget gate's block ones
    assert rows_but_layer(ui.presets.keras.apply(sub, seed=0)) == rows_but_layer(ui.presets.keras.apply(base, seed=0))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(sub.cell.bias), native)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(sub.cell.bias), keras.ops.convert_to_numpy(base.cell.bias))


# ------------------------------------------------------------------------------------------------ MXNet

@pytest.mark.skipif(importlib.util.find_spec("mxnet") is None, reason="mxnet is not installed")
def test_mxnet_lstm_subclass_gets_keras_forget_bias():
    from unifiedinit.backends.mxnet import mx

    class Custom(mx.gluon.rnn.LSTM):
        pass

    sub, base = Custom(4, input_size=5), mx.gluon.rnn.LSTM(4, input_size=5)
    sub.initialize()
    base.initialize()
    assert rows_but_layer(ui.presets.keras.apply(sub, seed=0)) == rows_but_layer(ui.presets.keras.apply(base, seed=0))
    got = sub.l0_i2h_bias.data().asnumpy()
    np.testing.assert_array_equal(got, base.l0_i2h_bias.data().asnumpy())
    np.testing.assert_array_equal(got, np.repeat([0.0, 1, 0, 0], 4))


# ---------------------------------------------------------------------------------------------- Equinox

def test_equinox_lstm_cell_subclass_gets_keras_forget_bias():
    eqx = pytest.importorskip("equinox")
    jax = pytest.importorskip("jax")

    class Custom(eqx.nn.LSTMCell):
        pass

    new_sub, sub_report = ui.presets.keras.apply(Custom(5, 4, key=jax.random.key(0)), seed=0)
    new_base, base_report = ui.presets.keras.apply(eqx.nn.LSTMCell(5, 4, key=jax.random.key(0)), seed=0)
    assert rows_but_layer(sub_report) == rows_but_layer(base_report)
    np.testing.assert_array_equal(np.asarray(new_sub.bias), np.asarray(new_base.bias))
    np.testing.assert_array_equal(np.asarray(new_sub.bias), np.repeat([0.0, 1, 0, 0], 4))


# ------------------------------------------------------------------------------------------------- Flax

def test_flax_lora_subclass_matched_as_lora():
    nnx = pytest.importorskip("flax.nnx")

    class MyAdapter(nnx.LoRA):
        pass

    sub, base = MyAdapter(4, 2, 3, rngs=nnx.Rngs(0)), nnx.LoRA(4, 2, 3, rngs=nnx.Rngs(0))
    sub_report, base_report = ui.presets.flax.apply(sub, seed=0), ui.presets.flax.apply(base, seed=0)
    assert rows_but_layer(sub_report) == rows_but_layer(base_report) and not sub_report.unmatched
    for name in ("lora_a", "lora_b"):
        np.testing.assert_array_equal(np.asarray(getattr(sub, name).get_value()),
                                      np.asarray(getattr(base, name).get_value()))


# ------------------------------------------------------------------- a user's class merely NAMED like a framework layer

def test_select_framework_layer_matches_only_framework_classes():
    user = ui.Param("cell/bias", "recurrent", "bias", (16,), layer="MyLSTM", bases=("Module",))
    torch_lstm = user._replace(layer="LSTM", bases=("LSTM", "RNNBase", "Module"))
    sub = user._replace(layer="Custom", bases=("LSTM", "RNNBase", "Module"))
    assert not ui.Select(framework_layer="*LSTM*").matches(user)  # named so, derives from no LSTM
    assert ui.Select(framework_layer="*LSTM*").matches(torch_lstm) and ui.Select(framework_layer="*LSTM*").matches(sub)
    assert ui.Select(layer="*LSTM*").matches(user)  # a layer glob of one's own still reads the class's own name
    assert str(ui.Select(role=("bias",), framework_layer="*LSTM*")) == "role=bias framework_layer=*LSTM*"


def test_torch_gru_named_like_an_lstm_keeps_keras_gru_bias():
    torch = pytest.importorskip("torch")

    class LSTMStyleGRU(torch.nn.GRU):  # a GRU (three gates) whose name says LSTM
        pass

    sub, base = LSTMStyleGRU(5, 4), torch.nn.GRU(5, 4)
    assert rows_but_layer(ui.presets.keras.apply(sub, seed=0)) == rows_but_layer(ui.presets.keras.apply(base, seed=0))
    for (name, got), (_, want) in zip(sub.named_parameters(), base.named_parameters()):
        assert torch.equal(got, want), name
    np.testing.assert_array_equal(sub.bias_ih_l0.detach().numpy(), np.zeros(12))  # Keras's GRU bias: "zeros"
    assert ui.inspect(torch.nn.LSTM(5, 4)).params[0].bases[0] == "LSTM"  # the framework's own class is in its bases


def test_keras_layer_of_ones_own_named_attention_keeps_its_initializer():
    keras = pytest.importorskip("keras")

    class Attention(keras.layers.Layer):  # the user's own, not keras.layers.Attention
        def build(self, input_shape: Any) -> None:
            self.scale = self.add_weight(shape=(3,), initializer=keras.initializers.Constant(0.5), name="scale")

        def call(self, x: Any) -> Any:
            return x * self.scale

    layer = Attention()
    layer.build((1, 3))
    report = ui.presets.keras.apply(layer, seed=0)
    assert [p.path for p in report.unmatched] == [layer.scale.path] and not report.entries
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer.scale), np.full(3, 0.5, "float32"))
    native = keras.layers.Attention(use_scale=True)  # Keras's own Attention keeps its rule: scale ones
    native.build([(1, 2, 4), (1, 3, 4)])
    assert [repr(e.spec) for e in ui.inspect(native, ui.presets.keras).entries] == ["Ones()"]


def test_nnx_module_of_ones_own_named_lora_is_not_flax_lora():
    pytest.importorskip("flax")
    import jax.numpy as jnp
    from flax import nnx

    class LoRA(nnx.Module):  # the user's own, not nnx.LoRA
        def __init__(self) -> None:
            self.lora_a = nnx.Param(jnp.full((3, 2), 0.5))

    assert [p.path for p in ui.inspect(LoRA(), ui.presets.flax).unmatched] == ["lora_a"]
    native = ui.inspect(nnx.LoRA(3, 2, 4, rngs=nnx.Rngs(0)), ui.presets.flax)  # Flax's own LoRA keeps its rules
    assert [(e.param.path, repr(e.spec)) for e in native.entries] == [
        ("lora_a", "KaimingUniform(a=0.0, mode='fan_in', nonlinearity='leaky_relu')"), ("lora_b", "Zeros()")]


def test_equinox_module_of_ones_own_named_lora_is_not_flax_lora():
    pytest.importorskip("equinox")
    import equinox as eqx
    import jax.numpy as jnp

    class LoRA(eqx.Module):
        lora_a: Any

        def __init__(self) -> None:
            self.lora_a = jnp.zeros((3, 2))

    report = ui.inspect(LoRA(), ui.presets.flax)
    assert [p.path for p in report.unmatched] == ["lora_a"] and not report.entries


def test_lstm_forget_bias_takes_lstm_subclasses_and_not_a_gru_named_like_an_lstm():
    torch = pytest.importorskip("torch")

    class LSTMStyleGRU(torch.nn.GRU):  # three gates, whose name says LSTM
        pass

    class Peephole(torch.nn.LSTM):  # an LSTM of one's own
        pass

    gru, lstm = LSTMStyleGRU(5, 4), Peephole(5, 4)
    before = {name: t.detach().clone() for name, t in gru.named_parameters()}
    ui.presets.lstm_forget_bias(2.0).apply(gru, seed=0)
    ui.presets.lstm_forget_bias(2.0).apply(lstm, seed=0)
    for name, t in gru.named_parameters():  # no rule of it reaches a GRU: torch's own values stay
        assert torch.equal(t, before[name]), name
    want = np.concatenate([np.zeros(4), np.full(4, 2.0), np.zeros(8)])  # gates i, f, g, o
    np.testing.assert_array_equal(lstm.bias_ih_l0.detach().numpy(), want)
    np.testing.assert_array_equal(lstm.bias_hh_l0.detach().numpy(), np.zeros(16))
