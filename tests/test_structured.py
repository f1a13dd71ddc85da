"""Specs that address parts of one tensor or read its context: ``ui.Rows`` (one slice, an embedding's padding
row), ``ui.Blocks`` (equal blocks along an axis: recurrent gates, fused projections), ``ui.Scaled`` (depth and
width rules), ``ui.Hadamard`` (ZerO), ``ui.Sinusoidal`` (Transformer position tables) and ``ui.S4DReal``
(state-space models)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import unifiedinit as ui
from unifiedinit.verify import stats

ALPHA = 1e-4


def test_blocks_puts_each_part_in_its_block_along_the_output_axis():
    spec = ui.Blocks([ui.Zeros(), ui.Ones(), ui.Constant(2.0), ui.Constant(3.0)])
    np.testing.assert_array_equal(ui.sample(spec, (8,)), np.repeat([0.0, 1, 2, 3], 2))
    torch_layout = ui.sample(spec, (8, 3), layout="torch")  # (out, in): blocks of rows
    keras_layout = ui.sample(spec, (3, 8), layout="keras")  # (in, out): blocks of columns
    np.testing.assert_array_equal(torch_layout, keras_layout.T)
    np.testing.assert_array_equal(ui.sample(ui.Blocks([ui.Zeros(), ui.Ones()], along="in"), (2, 4), layout="torch"),
                                  [[0, 0, 1, 1], [0, 0, 1, 1]])


def test_each_block_is_its_own_tensor():
    # per-gate orthogonal: each (H, H) block of a stacked (4H, H) recurrent kernel is orthogonal
    x = ui.sample(ui.Blocks([ui.Orthogonal()] * 4), (64, 16), layout="torch", seed=1)
    for block in x.reshape(4, 16, 16):
        np.testing.assert_allclose(block @ block.T, np.eye(16), atol=1e-6)
    # a fan-based part sees its block's fans: Xavier on a (3E, E) fused qkv, per (E, E) block
    x = ui.sample(ui.Blocks([ui.XavierUniform()] * 3), (3 * 200, 200), layout="torch", seed=2)
    assert stats.check(x[:200], ui.Uniform(-np.sqrt(6 / 400), np.sqrt(6 / 400)), alpha=ALPHA)


def test_the_law_of_blocks_and_rows():
    spec = ui.Blocks([ui.Normal(0, 1), ui.Uniform(5, 6)])
    assert stats.check(ui.sample(spec, (400, 300), seed=3), spec, shape=(400, 300), alpha=ALPHA)
    spec = ui.Rows(ui.Normal(0, 1), ui.Constant(7.0), index=2)
    x = ui.sample(spec, (50, 40), seed=4)
    assert (x[:, 2] == 7).all() and (x[:, :2] != 7).all()
    assert stats.check(x, spec, shape=(50, 40), alpha=ALPHA)


@pytest.mark.parametrize("make,error", [
    (lambda: ui.Blocks([]), "non-empty list"),
    # bad input on purpose: a string among the parts (pyright sees it too)
    (lambda: ui.Blocks([ui.Zeros(), "ones"]), r"parts\[1\]"),  # pyright: ignore[reportArgumentType]
    (lambda: ui.Blocks([ui.Zeros()], along="sideways"), "'along'"),
    (lambda: ui.Rows(ui.Normal(), ui.Orthogonal()), "'fill' must be an elementwise"),
    (lambda: ui.Rows(ui.Normal(), index=1.5), "'index'"),
])
def test_bad_arguments_are_refused_when_built(make, error):
    with pytest.raises((TypeError, ValueError), match=error):
        make()


def test_a_split_that_does_not_divide_or_a_row_out_of_range_is_refused_before_any_write():
    with pytest.raises(ValueError, match="3 parts must divide the 8 entries"):
        ui.sample(ui.Blocks([ui.Zeros()] * 3), (8, 2))
    with pytest.raises(ValueError, match="row of the 5"):
        ui.sample(ui.Rows(ui.Normal(), index=7), (2, 5), layout="torch")
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Linear(6, 9))
    before = [t.detach().clone() for t in model.parameters()]
    plan = ui.Plan().rule(ui.Normal(), role="weight").rule(ui.Blocks([ui.Zeros()] * 2), role="bias")
    with pytest.raises(ValueError, match=r"1/bias") as err:
        plan.apply(model, seed=0)
    assert "2 parts must divide the 9" in str(err.value)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_keras_lstm_forget_bias_in_every_framework_that_stacks_gates():
    torch = pytest.importorskip("torch")
    lstm = torch.nn.LSTM(3, 5)
    ui.presets.keras.apply(lstm, seed=0)
    np.testing.assert_array_equal(lstm.bias_ih_l0.detach().numpy(), np.repeat([0.0, 1, 0, 0], 5))
    assert not lstm.bias_hh_l0.any()  # one bias in Keras: the forget gate's 1 is counted once
    gru = torch.nn.GRU(3, 5)
    ui.presets.keras.apply(gru, seed=0)
    assert not gru.bias_ih_l0.any() and not gru.bias_hh_l0.any()


def test_keras_lstm_forget_bias_on_flax_per_gate_cells():
    nnx = pytest.importorskip("flax.nnx")
    cell = nnx.LSTMCell(3, 5, rngs=nnx.Rngs(0))
    ui.presets.keras.apply(cell, seed=0)
    assert (np.asarray(cell.hf.bias.get_value()) == 1).all()
    for gate in (cell.hi, cell.hg, cell.ho):
        assert not np.asarray(gate.bias.get_value()).any()


# ------------------------------------------------------------------------- Scaled: rules that read the context

def test_scaled_width_rule_from_the_fans():
    spec = ui.Scaled(ui.Normal(0, 1), "sqrt(base / fan_in)", {"base": 64})
    x = ui.sample(spec, (300, 256), seed=5)  # torch layout: fan_in 256
    assert stats.check(x, ui.Normal(0, np.sqrt(64 / 256)), alpha=ALPHA)
    assert ui.from_json(spec.to_json()) == spec


@pytest.mark.parametrize("factor,error", [
    ("__import__('os')", "may be called"), ("l.real", "Attribute"), ("x + 1", "unknown variable 'x'"),
    ("'a'", "numbers only"), ("1 +", "not an expression"), ("[1][0]", "not allowed"), ("True", "numbers only"),
    # the number of arguments and the size of a number, checked when built too (they raised Python's own
    # TypeError when a plan was applied, or OverflowError when built, naming nothing)
    ("sqrt(fan_in, 2)", r"sqrt\(\) takes 1 argument, got 2"), ("min()", r"min\(\) takes 2 or more arguments"),
    ("max(1)", r"max\(\) takes 2 or more arguments, got 1"), ("log(1, 2, 3)", r"log\(\) takes 1 or 2 arguments"),
    ("1" + "0" * 400, r"past float64's range \(1000.*\(401 characters\)\)"),
])
def test_an_expression_is_checked_when_built(factor, error):
    with pytest.raises(ValueError, match=error):
        ui.Scaled(ui.Normal(), factor)


@pytest.mark.parametrize("make,error", [
    (lambda: ui.Scaled(ui.Orthogonal(), "1"), "elementwise"),
    # bad input on purpose: a number where the annotation says an expression string (pyright sees it too)
    (lambda: ui.Scaled(ui.Normal(), 2.0), "expression string"),  # pyright: ignore[reportArgumentType]
    (lambda: ui.Scaled(ui.Normal(), "l", {"l": 1}), "identifier other than"),
    (lambda: ui.Scaled(ui.Normal(), "c", {"c": "x"}), "map names to numbers"),
    (lambda: ui.Scaled(ui.Normal(), "a", [("a", 1.0), ("a", 2.0)]), "names 'a' more than once"),  # the last won
])
def test_bad_scaled_arguments(make, error):
    with pytest.raises((TypeError, ValueError), match=error):
        make()


@pytest.mark.parametrize("factor", ["0", "-1", "log(0.5) ", "1 / (L - L)", "sqrt((-1) ** 0.5)"])
def test_a_factor_that_is_not_positive_and_finite_is_refused_where_it_is_evaluated(factor):
    with pytest.raises(ValueError, match="Scaled"):
        ui.Scaled(ui.Normal(), factor).lower(ui.TensorInfo.make((4, 4), "torch", depth=(0, 3)))


def test_the_context_of_a_parameter():
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Sequential(
        torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)))
    depths = {p.path: p.depth for p in ui.inspect(model).params}
    # the first sequence on the path decides: positions holding parameters, ranked (the ReLU holds none)
    assert depths["0/weight"] == (0, 2) and depths["2/0/weight"] == (1, 2) and depths["2/1/bias"] == (1, 2)


def _timm_like(torch):
    """timm's layout: ``stages.<s>.blocks.<b>``, where a depth rule wants the block index, not the stage's."""
    model = torch.nn.Module()
    model.stages = torch.nn.ModuleList([torch.nn.Module() for _ in range(2)])
    for stage in model.stages:
        stage.blocks = torch.nn.ModuleList([torch.nn.Linear(300, 200) for _ in range(3)])
    return model


def test_a_rule_takes_its_depth_from_a_named_sequence_and_can_shift_and_size_it():
    torch = pytest.importorskip("torch")
    model = _timm_like(torch)
    plan = ui.Plan().rule(ui.Scaled(ui.Normal(0, 1), "1 / (l + 1)"), role="weight", depth="blocks")
    plan.apply(model, seed=0)
    for stage in model.stages:
        for b, block in enumerate(stage.blocks):
            assert stats.check(block.weight.detach().numpy(), ui.Normal(0, 1 / (b + 1)), alpha=ALPHA)
    # a pipeline stage holding layers 8.. of 32: l shifted, L replaced; the rule survives JSON
    plan = ui.Plan().rule(ui.Scaled(ui.Normal(0, 1), "1 / sqrt(2 * (l + 1) * L)"), role="weight",
                          first_layer=8, num_layers=32)
    assert ui.Plan.from_json(plan.to_json()) == plan
    plan.apply(model, seed=0)
    for s, stage in enumerate(model.stages):  # the first sequence (stages) by default
        assert stats.check(stage.blocks[0].weight.detach().numpy(), ui.Normal(0, (2 * (s + 9) * 32) ** -0.5),
                           alpha=ALPHA)


@pytest.mark.parametrize("options,error", [
    ({"depth": "layers"}, "depth='layers' names no sequence of layers on the path of 'stages/0/blocks/0/weight' "
                          r"\(its sequences: 'stages', 'blocks'\)"),
    ({"first_layer": 2, "num_layers": 3}, "layer index 3 .* is not below the number of layers 3"),
])
def test_a_depth_override_that_does_not_fit_is_refused_before_any_write(options, error):
    torch = pytest.importorskip("torch")
    model = _timm_like(torch)
    before = [t.detach().clone() for t in model.parameters()]
    plan = ui.Plan().rule(ui.Zeros(), role="bias").rule(ui.Scaled(ui.Normal(), "1 / (l + 1)"), role="weight",
                                                        **options)
    with pytest.raises(ValueError, match=error):
        plan.apply(model, seed=0)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


@pytest.mark.parametrize("options,error", [
    ({"depth": ""}, "'depth'"), ({"num_layers": 0}, "'num_layers'"), ({"first_layer": -1}, "'first_layer'"),
])
def test_bad_depth_options_are_refused_when_the_rule_is_built(options, error):
    with pytest.raises((TypeError, ValueError), match=error):
        ui.Plan().rule(ui.Normal(), **options)


def test_each_layer_of_a_scanned_stack_gets_its_own_depth_natively_and_portably():
    """A vmapped/scanned stack has no index on its path: its stacked axis gives l, in every mode, and the portable
    values of layer l are those of the unstacked model's layer l."""
    torch = pytest.importorskip("torch")
    spec = ui.Scaled(ui.Normal(0, 1), "1 / sqrt(2 * (l + 1))")
    holder = torch.nn.Module()
    holder.w = torch.nn.Parameter(torch.empty(4, 200, 150))
    plan = ui.Plan().rule(spec, path="w", stacked=1)
    report = plan.apply(holder, seed=7)
    assert type(report.entries[0].draw).__name__ == "PerLayer"
    for layer in range(4):
        assert stats.check(holder.w[layer].detach().numpy(), ui.Normal(0, (2 * (layer + 1)) ** -0.5), alpha=ALPHA)
    plan.apply(holder, seed=7, portable=True)
    flat = torch.nn.ModuleList([torch.nn.Module() for _ in range(4)])  # the unstacked twin: w/<l>
    for m in flat:
        m.w = torch.nn.Parameter(torch.empty(200, 150))
    twin = ui.Plan().rule(spec, path="*w").apply(flat, seed=7, portable=True)
    assert [e.param.key for e in twin.entries] == [report.entries[0].param.slice_key((i,)) for i in range(4)]
    for layer in range(4):
        assert torch.equal(holder.w[layer], flat[layer].w)
    ui.Plan().rule(ui.Scaled(ui.Normal(0, 1), "1"), path="w", stacked=1).apply(holder, seed=7)  # one draw: no PerLayer


def test_a_scanned_flax_stack_gets_each_layers_depth():
    jax = pytest.importorskip("jax")
    nnx = pytest.importorskip("flax.nnx")

    class Block(nnx.Module):
        def __init__(self, rngs):
            self.lin = nnx.Linear(256, 192, rngs=rngs)

    @nnx.vmap(in_axes=0, out_axes=0)
    def make(key):
        return Block(nnx.Rngs(key))

    class Model(nnx.Module):
        def __init__(self):
            self.layers = make(jax.random.split(jax.random.key(0), 3))

    model = Model()
    plan = ui.Plan().rule(ui.Scaled(ui.Normal(0, 1), "1 / (l + 1)"), role="weight").rule(ui.Zeros(), role="bias")
    for portable in (False, True):
        plan.apply(model, seed=3, portable=portable)
        kernel = np.asarray(model.layers.lin.kernel.get_value())
        for layer in range(3):
            assert stats.check(kernel[layer], ui.Normal(0, 1 / (layer + 1)), alpha=ALPHA)


def test_every_layer_of_a_scanned_linen_stage_gets_its_stages_depth():
    """Two ``nn.scan`` stages of three layers in a list of stages: a depth-reading rule with no ``depth=`` takes l
    from the list of stages, so all three layers of stage i are drawn with stage i's factor (the stacked axis of a
    stage that already has a depth is not a depth of its own). Each KS check fails a correct draw with probability
    1e-4; the seed is fixed."""
    jax = pytest.importorskip("jax")
    linen = pytest.importorskip("flax.linen")

    class Block(linen.Module):
        @linen.compact
        def __call__(self, x, _):
            return linen.Dense(64)(x), None

    class Model(linen.Module):
        @linen.compact
        def __call__(self, x):
            for i in range(2):
                stage = linen.scan(Block, variable_axes={"params": 0}, split_rngs={"params": True}, length=3)
                x, _ = stage(name=f"layers_{i}")(x, None)
            return x

    model = Model()
    # the parameters' shapes without compiling the scans (seconds): the plan writes every value it checks
    shapes = jax.eval_shape(model.init, jax.random.key(0), jax.numpy.ones((1, 64)))
    variables = jax.tree_util.tree_map(lambda s: np.zeros(s.shape, s.dtype), shapes)
    plan = ui.Plan().rule(ui.Scaled(ui.Normal(0, 1), "1 / sqrt(l + 1)"), kind="dense", role="weight")
    out, _ = plan.apply(model, params=variables, seed=3, portable=True)  # the depth comes from the plan, as natively
    for stage in range(2):
        kernel = np.asarray(out["params"][f"layers_{stage}"]["Dense_0"]["kernel"])
        for layer in range(3):
            assert stats.check(kernel[layer], ui.Normal(0, (stage + 1) ** -0.5), alpha=ALPHA), (stage, layer)

@pytest.mark.parametrize("head", [False, True])
def test_a_model_that_holds_only_its_stack_keys_each_layer_as_the_unstacked_model(head):
    """A pipeline stage of nothing but its layers: the stack is its ``blocks``, not the model itself, so layer l
    keeps ``blocks/l/...``'s values whether or not an unstacked head sits beside the stack (before, without a head
    the keys read ``l/blocks/...``)."""
    jax = pytest.importorskip("jax")
    nnx = pytest.importorskip("flax.nnx")
    linen = pytest.importorskip("flax.linen")

    class Block(nnx.Module):
        def __init__(self, rngs):
            self.lin = nnx.Linear(16, 16, rngs=rngs)

    @nnx.split_rngs(splits=3)
    @nnx.vmap(in_axes=(0,), out_axes=0)
    def make(rngs):
        return Block(rngs)

    class Stacked(nnx.Module):
        def __init__(self, rngs):
            self.blocks = make(rngs)
            if head:
                self.head = nnx.Linear(16, 4, rngs=rngs)

    class Listed(nnx.Module):
        def __init__(self, rngs):
            self.blocks = nnx.List([Block(rngs) for _ in range(3)])
            if head:
                self.head = nnx.Linear(16, 4, rngs=rngs)

    class LBlock(linen.Module):
        @linen.compact
        def __call__(self, x, _=None):
            return linen.Dense(16)(x), None

    class Scanned(linen.Module):
        @linen.compact
        def __call__(self, x):
            scan = linen.scan(LBlock, variable_axes={"params": 0}, split_rngs={"params": True}, length=3)
            x, _ = scan(name="blocks")(x, None)
            return linen.Dense(4, name="head")(x) if head else x

    class Looped(linen.Module):
        @linen.compact
        def __call__(self, x):
            for i in range(3):
                x, _ = LBlock(name=f"blocks_{i}")(x)
            return linen.Dense(4, name="head")(x) if head else x

    x = jax.numpy.ones((2, 16))
    for portable in (True, "counter"):
        stacked, listed = Stacked(nnx.Rngs(0)), Listed(nnx.Rngs(0))
        report = ui.presets.torch.apply(stacked, seed=0, portable=portable)
        ui.presets.torch.apply(listed, seed=0, portable=portable)
        assert {e.param.key for e in report.entries if "blocks" in e.param.path} == {"blocks/*/lin/weight",
                                                                                    "blocks/*/lin/bias"}
        for i in range(3):
            assert np.array_equal(np.asarray(stacked.blocks.lin.kernel.get_value()[i]),
                                  np.asarray(listed.blocks[i].lin.kernel.get_value())), (portable, i)
        scanned, _ = ui.presets.torch.apply(Scanned().init(jax.random.key(0), x), seed=0, portable=portable)
        looped, _ = ui.presets.torch.apply(Looped().init(jax.random.key(0), x), seed=0, portable=portable)
        for i in range(3):
            assert np.array_equal(np.asarray(scanned["params"]["blocks"]["Dense_0"]["kernel"][i]),
                                  np.asarray(looped["params"][f"blocks_{i}"]["Dense_0"]["kernel"])), (portable, i)


def _wrapped_stack_plan() -> Any:
    return (ui.Plan().rule(ui.Normal(0, 1), role="embedding").rule(ui.Normal(0, 0.02), role="weight")
            .rule(ui.Uniform(-0.1, 0.1), role="bias"))


def _torch_wrapped_layers(torch: Any, two: bool) -> tuple[Any, dict[tuple[int, str], Any]]:
    """The unstacked torch twin of the wrapped stacks below: ``embed``, ``encoder.layers.<l>.fc`` (``two``:
    ``encoder.layers.<l>.attn.q`` and ``.mlp``), initialized portably; its weights by layer and name, (in, out)."""
    def layer() -> Any:
        m = torch.nn.Module()
        if two:
            m.attn = torch.nn.Module()
            m.attn.q = torch.nn.Linear(8, 8)
            m.mlp = torch.nn.Linear(8, 8)
        else:
            m.fc = torch.nn.Linear(8, 8)
        return m
    model = torch.nn.Module()
    model.embed = torch.nn.Embedding(10, 8)
    model.encoder = torch.nn.Module()
    model.encoder.layers = torch.nn.ModuleList([layer() for _ in range(3)])
    _wrapped_stack_plan().apply(model, seed=5, portable=True)
    names = ("attn.q", "mlp") if two else ("fc",)
    found = {(i, n): model.encoder.layers[i].get_submodule(n) for i in range(3) for n in names}
    return model, {k: (m.weight.detach().numpy().T, m.bias.detach().numpy()) for k, m in found.items()}


@pytest.mark.parametrize("two", [False, True])
def test_an_nnx_stack_held_alone_by_a_wrapper_keys_each_layer_as_the_unstacked_model(two):
    """Hugging Face's layout: an ``encoder`` that holds nothing but its ``layers``. Stacked by ``nnx.vmap``, its
    layer l takes ``encoder/layers/l/...``'s key and values (those of an ``nnx.List`` of the layers and of torch's
    ``ModuleList``), a block of one Linear as a block of several (before, the stack was taken to be the
    ``encoder``: ``encoder/*/layers/...``)."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("jax")
    nnx = pytest.importorskip("flax.nnx")

    class Attn(nnx.Module):
        def __init__(self, rngs):
            self.q = nnx.Linear(8, 8, rngs=rngs)

    class Layer(nnx.Module):
        def __init__(self, rngs):
            if two:
                self.attn, self.mlp = Attn(rngs), nnx.Linear(8, 8, rngs=rngs)
            else:
                self.fc = nnx.Linear(8, 8, rngs=rngs)

    @nnx.split_rngs(splits=3)
    @nnx.vmap(in_axes=(0,), out_axes=0)
    def make(rngs):
        return Layer(rngs)

    class Encoder(nnx.Module):
        def __init__(self, rngs, stacked):
            self.layers = make(rngs) if stacked else nnx.List([Layer(rngs) for _ in range(3)])

    class Model(nnx.Module):
        def __init__(self, stacked):
            rngs = nnx.Rngs(0)
            self.embed = nnx.Embed(10, 8, rngs=rngs)
            self.encoder = Encoder(rngs, stacked)

    stacked, listed = Model(True), Model(False)
    report = _wrapped_stack_plan().apply(stacked, seed=5, portable=True)
    _wrapped_stack_plan().apply(listed, seed=5, portable=True)
    names = ("attn/q", "mlp") if two else ("fc",)
    assert {e.param.key for e in report.entries if "kernel" in e.param.path} == \
        {f"encoder/layers/*/{n}/weight" for n in names}
    _, want = _torch_wrapped_layers(torch, two)
    for i in range(3):
        for n in names:
            one, many = stacked.encoder.layers, listed.encoder.layers[i]
            for part in n.split("/"):
                one, many = getattr(one, part), getattr(many, part)
            for got in ((np.asarray(one.kernel.get_value())[i], np.asarray(one.bias.get_value())[i]),
                        (np.asarray(many.kernel.get_value()), np.asarray(many.bias.get_value()))):
                assert np.array_equal(got[0], want[i, n.replace("/", ".")][0]), (i, n)
                assert np.array_equal(got[1], want[i, n.replace("/", ".")][1]), (i, n)
    assert np.array_equal(np.asarray(stacked.embed.embedding.get_value()),
                          np.asarray(listed.embed.embedding.get_value()))


def test_a_linen_scan_held_alone_by_a_wrapper_keys_each_layer_as_the_unstacked_model():
    """``nn.scan`` of the layers inside an ``encoder`` that holds nothing else: layer l gets the values of the
    looped model's ``encoder/layers_l`` and of torch's ``encoder.layers.l`` (before: ``encoder/*/layers/...``)."""
    torch = pytest.importorskip("torch")
    jax = pytest.importorskip("jax")
    linen = pytest.importorskip("flax.linen")

    class Layer(linen.Module):
        @linen.compact
        def __call__(self, x, _=None):
            return linen.Dense(8, name="fc")(x), None

    class Scanned(linen.Module):
        @linen.compact
        def __call__(self, x):
            scan = linen.scan(Layer, variable_axes={"params": 0}, split_rngs={"params": True}, length=3)
            return scan(name="layers")(x, None)[0]

    class Looped(linen.Module):
        @linen.compact
        def __call__(self, x):
            for i in range(3):
                x, _ = Layer(name=f"layers_{i}")(x)
            return x

    def model(encoder: Any) -> Any:
        class Model(linen.Module):
            @linen.compact
            def __call__(self, tokens):
                return encoder(name="encoder")(linen.Embed(10, 8, name="embed")(tokens))
        return Model()

    tokens = jax.numpy.zeros((2,), jax.numpy.int32)
    out = {}
    for name, encoder in (("scanned", Scanned), ("looped", Looped)):
        m = model(encoder)
        variables = m.init(jax.random.key(0), tokens)
        out[name], report = _wrapped_stack_plan().apply(m, params=variables, inputs=(tokens,), seed=5, portable=True)
        if name == "scanned":
            assert {e.param.key for e in report.entries if "kernel" in e.param.path} == {"encoder/layers/*/fc/weight"}
    _, want = _torch_wrapped_layers(torch, False)
    scanned, looped = out["scanned"]["params"]["encoder"], out["looped"]["params"]["encoder"]
    for i in range(3):
        for got in (scanned["layers"]["fc"]["kernel"][i], looped[f"layers_{i}"]["fc"]["kernel"]):
            assert np.array_equal(np.asarray(got), want[i, "fc"][0]), i
        for got in (scanned["layers"]["fc"]["bias"][i], looped[f"layers_{i}"]["fc"]["bias"]):
            assert np.array_equal(np.asarray(got), want[i, "fc"][1]), i


def test_an_equinox_stack_held_alone_by_a_wrapper_keys_each_layer_as_the_unstacked_model():
    """``eqx.filter_vmap`` over a layer's constructor inside an ``encoder`` that holds nothing else: layer l gets
    the values of a list of the layers and of torch's ``encoder.layers.l`` (before: ``encoder/*/layers/...``)."""
    torch = pytest.importorskip("torch")
    jax = pytest.importorskip("jax")
    eqx = pytest.importorskip("equinox")

    class Layer(eqx.Module):
        fc: Any

        def __init__(self, key):
            self.fc = eqx.nn.Linear(8, 8, key=key)

    class Encoder(eqx.Module):
        layers: Any

        def __init__(self, key, stacked):
            keys = jax.random.split(key, 3)
            self.layers = eqx.filter_vmap(Layer)(keys) if stacked else [Layer(k) for k in keys]

    class Model(eqx.Module):
        embed: Any
        encoder: Any

        def __init__(self, stacked):
            key = jax.random.key(0)
            self.embed, self.encoder = eqx.nn.Embedding(10, 8, key=key), Encoder(key, stacked)

    stacked, report = _wrapped_stack_plan().apply(Model(True), seed=5, portable=True)
    listed, _ = _wrapped_stack_plan().apply(Model(False), seed=5, portable=True)
    assert {e.param.key for e in report.entries if e.param.role == "weight"} == {"encoder/layers/*/fc/weight"}
    _, want = _torch_wrapped_layers(torch, False)
    for i in range(3):
        for fc in (jax.tree_util.tree_map(lambda x, i=i: x[i], stacked.encoder.layers.fc), listed.encoder.layers[i].fc):
            assert np.array_equal(np.asarray(fc.weight).T, want[i, "fc"][0]), i
            assert np.array_equal(np.asarray(fc.bias), want[i, "fc"][1]), i


def test_a_stack_of_t5_blocks_is_the_block_not_its_list_of_sublayers():
    """T5's ``block/l/layer/0/...``: a stacked block that holds nothing but its list of sub-layers is the stack
    (``block/*/layer/0``), the list is not, with or without a wrapper around the blocks; a wrapper of a stack of
    blocks of several children and of a stack of one Linear each keys them below itself. Where the paths cannot
    tell (a wrapper of a stacked bare Linear, a stacked block of one module of several, a wrapper of a stacked
    sequence) the readings are the documented ones."""
    from unifiedinit.params import assign_keys

    def keys(*paths: str) -> list[str]:
        params = [ui.Param(path, "dense", "weight", (3, 4, 4), stacked=(0,)) for path in paths]
        return [p.key for p in assign_keys(params + [ui.Param("embed/weight", "embedding", "embedding", (10, 4))])][:-1]

    t5 = ("block/layer/0/q/weight", "block/layer/1/wi/weight")
    assert keys(*t5) == ["block/*/layer/0/q/weight", "block/*/layer/1/wi/weight"]
    assert keys(*("encoder/" + p for p in t5)) == ["encoder/block/*/layer/0/q/weight",
                                                  "encoder/block/*/layer/1/wi/weight"]
    assert keys("encoder/layers/attn/q/weight", "encoder/layers/mlp/weight") == [
        "encoder/layers/*/attn/q/weight", "encoder/layers/*/mlp/weight"]
    assert keys("text/encoder/layers/fc/weight") == ["text/encoder/layers/*/fc/weight"]
    assert keys("layers/fc/weight") == ["layers/*/fc/weight"]
    assert keys("encoder/proj/weight") == ["encoder/*/proj/weight"]  # the readings documented where paths cannot tell
    assert keys("layers/mlp/fc1/weight", "layers/mlp/fc2/weight") == ["layers/mlp/*/fc1/weight",
                                                                      "layers/mlp/*/fc2/weight"]
    assert keys("encoder/layers/0/weight", "encoder/layers/1/weight") == ["encoder/*/layers/0/weight",
                                                                          "encoder/*/layers/1/weight"]


def test_a_part_of_a_structured_spec_that_the_dtype_cannot_hold_is_refused():
    torch = pytest.importorskip("torch")
    emb = torch.nn.Embedding(6, 4, padding_idx=0)
    before = emb.weight.detach().clone()
    for spec in (ui.Rows(ui.Normal(), ui.Constant(1e300), index=0), ui.Blocks([ui.Zeros(), ui.Normal(0, 1e300)])):
        with pytest.raises(ValueError, match="cannot hold"):
            ui.Plan().rule(spec, kind="embedding").apply(emb, seed=0)
    assert torch.equal(emb.weight, before)


# ------------------------------------------------------------------------------------ Hadamard: ZerO's matrices

def _zero_matrix(m, n):
    """The ZerO authors' ZerO_Init_on_matrix, written out: eye(m, n) when m <= n, else
    eye(m, p) @ H_p / 2^(log2(p) / 2) @ eye(p, n) with H_p Sylvester's Hadamard matrix of order p = 2^ceil(log2 m)."""
    if m <= n:
        return np.eye(m, n)
    p = 2 ** math.ceil(math.log2(m))
    h = np.ones((1, 1))
    while len(h) < p:
        h = np.block([[h, h], [h, -h]])
    return np.eye(m, p) @ (h / math.sqrt(p)) @ np.eye(p, n)


@pytest.mark.parametrize("m,n", [(4, 4), (3, 7), (8, 3), (6, 5), (100, 10), (1, 1), (2, 1)])
def test_hadamard_is_zeros_matrix_in_every_layout(m, n):
    expected = _zero_matrix(m, n)
    np.testing.assert_allclose(ui.sample(ui.Hadamard(), (m, n), layout="torch"), expected, atol=1e-7)
    np.testing.assert_allclose(ui.sample(ui.Hadamard(2.0), (n, m), layout="keras"), 2 * expected.T, atol=1e-7)
    if m >= n and m & (m - 1) == 0:  # m = p: orthonormal columns, the layer preserves its input's norm
        x = ui.sample(ui.Hadamard(), (m, n), dtype="float64")
        np.testing.assert_allclose(x.T @ x, np.eye(n), atol=1e-12)
    kernel = ui.sample(ui.Hadamard(), (m, n, 3, 4), layout="torch")  # the matrix at the centre (1, 2)
    np.testing.assert_allclose(kernel[:, :, 1, 2], expected, atol=1e-7)
    assert np.count_nonzero(kernel) == np.count_nonzero(expected)


def test_hadamard_through_torch_and_refused_on_other_shapes():  # other frameworks: test_agreement's examples
    torch = pytest.importorskip("torch")
    from unifiedinit.backends import torch as ui_torch
    w = torch.empty(12, 5)
    ui_torch.init_(w, ui.Hadamard())
    np.testing.assert_allclose(w.numpy(), _zero_matrix(12, 5), atol=1e-7)
    with pytest.raises(ValueError, match="Hadamard: .* 2 dimensions"):
        ui.sample(ui.Hadamard(), (5,))


# --------------------------------------------------------------------- Sinusoidal: Transformer position tables

def _table(n, dim, interleaved, span, base=10000.0):
    """The tables written entry by entry from their definitions, in plain Python."""
    half = (dim + 1) // 2
    rows = []
    for p in range(n):  # frequencies: tensor2tensor's span from 1 to 1 / base, or the paper's base^(-2i/dim)
        angles = [p * (base ** (-i / (dim // 2 - 1)) if span else base ** (-2 * i / dim)) for i in range(half)]
        sines, cosines = [math.sin(a) for a in angles], [math.cos(a) for a in angles[:dim // 2]]
        if interleaved:  # Vaswani et al. 2017, section 3.5: PE(p, 2i) = sin, PE(p, 2i + 1) = cos
            rows.append([(sines if j % 2 == 0 else cosines)[j // 2] for j in range(dim)])
        else:
            rows.append(sines + cosines)
    return np.array(rows)


@pytest.mark.parametrize("interleaved,frequencies", [(False, "span"), (True, "paper"), (False, "paper"),
                                                     (True, "span")])
@pytest.mark.parametrize("n,dim", [(7, 4), (50, 16), (3, 64)])
def test_sinusoidal_follows_its_definition_in_every_layout(n, dim, interleaved, frequencies):
    spec = ui.Sinusoidal(interleaved=interleaved, max_timescale=500.0 if dim == 16 else 10000.0,
                         frequencies=frequencies)
    want = _table(n, dim, interleaved, frequencies == "span", spec.max_timescale)
    for layout in ("torch_embedding", "keras_embedding", "flax_embedding", "mxnet_embedding"):  # (num, dim)
        np.testing.assert_allclose(ui.sample(spec, (n, dim), layout=layout, dtype="float64"), want, rtol=0,
                                   atol=1e-12)
    # a dense weight takes the layer's table: positions on its input axis, in every storage order
    np.testing.assert_array_equal(ui.sample(spec, (dim, n), layout="torch"), ui.sample(spec, (n, dim), layout="flax").T)


@pytest.mark.parametrize("dim", [32, 33])
def test_sinusoidal_matches_the_hugging_face_tables_in_the_same_run(dim):
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from transformers.models.distilbert.modeling_distilbert import _create_sinusoidal_embeddings
    from transformers.models.marian.modeling_marian import MarianSinusoidalPositionalEmbedding
    from transformers.models.whisper.modeling_whisper import sinusoids
    paper = ui.Sinusoidal(interleaved=True, frequencies="paper")  # float64 rounded once: equal, odd dims too
    np.testing.assert_array_equal(ui.sample(paper, (40, dim), layout="torch_embedding"),
                                  _create_sinusoidal_embeddings(40, dim, torch.empty(40, dim)).numpy())
    np.testing.assert_array_equal(ui.sample(ui.Sinusoidal(frequencies="paper"), (40, dim), layout="torch_embedding"),
                                  MarianSinusoidalPositionalEmbedding(40, dim).create_weight().numpy())
    if dim % 2 == 0:  # Whisper computes its angles in float32: at 1500 positions it is off the exact table by 1e-4
        for n, width, atol in ((30, dim, 1e-6), (1500, 384, 2e-4)):
            ours = ui.sample(ui.Sinusoidal(), (n, width), layout="torch_embedding", dtype="float64")
            np.testing.assert_allclose(sinusoids(n, width).numpy(), ours, rtol=0, atol=atol)


ONE: Any = 1  # a number where a bool is asked
ONE_E4: Any = "1e4"  # a number written as a string


@pytest.mark.parametrize("make,error", [
    (lambda: ui.Sinusoidal(interleaved=ONE), TypeError), (lambda: ui.Sinusoidal(max_timescale=1.0), ValueError),
    (lambda: ui.Sinusoidal(max_timescale=ONE_E4), TypeError),
    (lambda: ui.sample(ui.Sinusoidal(), (4, 6, 2)), ValueError),
    (lambda: ui.sample(ui.Sinusoidal(), (10, 5), layout="torch_embedding"), ValueError),  # odd: no halves
    (lambda: ui.sample(ui.Sinusoidal(), (10, 2), layout="torch_embedding"), ValueError),
    (lambda: ui.Sinusoidal(frequencies="t2t"), ValueError),
    (lambda: ui.sample(ui.Sinusoidal(), (10, 8), layout="torch_embedding", dtype="int32"), ValueError),  # no reals
])
def test_bad_sinusoidal_arguments_and_tensors_are_refused(make, error):
    with pytest.raises(error, match="Sinusoidal"):  # the spec is named, with the parameter or the tensor
        make()


# --------------------------------------------------------------------- S4DReal: a state-space model's state matrix

@pytest.mark.parametrize("shape", [(6,), (3, 5), (2, 4, 16), (4, 0)])
def test_s4d_real_is_minus_one_to_n_along_the_last_axis(shape):
    # (4, 0): no entries; log=True raised "math domain error" (the log of a state size of 0), naming nothing
    n = shape[-1]
    a = ui.sample(ui.S4DReal(log=False), shape, dtype="float64")
    a_log = ui.sample(ui.S4DReal(), shape, dtype="float64")
    for index in np.ndindex(*shape[:-1]):  # the same row everywhere: A_k = -(k + 1), stored as log(k + 1)
        assert a[index].tolist() == [-float(k + 1) for k in range(n)]
        np.testing.assert_allclose(a_log[index], [math.log(k + 1) for k in range(n)], rtol=0, atol=1e-15)


def test_s4d_real_is_jambas_own_a_log_in_the_same_run():
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    a = torch.arange(1, 17)[None, :].expand(32, -1)  # Jamba's and Mamba's code: A_log = log(A)
    ours = ui.sample(ui.S4DReal(), (32, 16))
    assert ours.dtype == np.float32 and (ours == np.array([math.log(k + 1) for k in range(16)], dtype=np.float32)).all()
    # torch's float32 log is not correctly rounded on every CPU (with AVX-512, log 7 is 1 ulp high): within 1 ulp
    np.testing.assert_array_max_ulp(ours, torch.log(a).numpy(), maxulp=1)


@pytest.mark.parametrize("make,error", [
    (lambda: ui.S4DReal(log=ONE), TypeError), (lambda: ui.sample(ui.S4DReal(), ()), ValueError),
    (lambda: ui.sample(ui.S4DReal(), (4, 8), dtype="int32"), ValueError),
])
def test_bad_s4d_real_arguments_and_tensors_are_refused(make, error):
    with pytest.raises(error, match="S4DReal"):
        make()


# ------------------------------------------------------------------ MixedRoPE: RoPE-Mixed's rotated frequencies

def _framework_samples():
    from unifiedinit.backends import FRAMEWORKS, available
    return ["reference"] + [f for f in FRAMEWORKS if available(f)]


@pytest.mark.parametrize("framework", _framework_samples())
def test_mixed_rope_is_one_uniform_angle_per_block_and_head_in_every_framework(framework):
    """The tensor the angles make (cos t, -sin t; sin t, cos t at magnitudes 10^(-2k/n)), and the 384 angles of a
    (2, 24 blocks, 16 heads, 32) tensor U[0, 2 pi) by a KS test at ALPHA, drawn natively by each framework."""
    from unifiedinit.backends import get_backend
    from unifiedinit.verify.compare import native
    shape = (2, 24, 16, 32)
    x = ui.sample(ui.MixedRoPE(), shape, seed=5) if framework == "reference" else \
        native(get_backend(framework), ui.MixedRoPE(), shape, seed=5)
    assert x.shape == shape and x.dtype == np.float32
    verdict = stats.check(x, ui.MixedRoPE(), alpha=ALPHA)
    assert verdict, f"{framework}: {verdict}"
    m = 10.0 ** (-np.arange(16) / 16)  # head_dim 64: m_k = 10^(-4k / 64)
    np.testing.assert_allclose(x[0, ..., :16] ** 2 + x[1, ..., :16] ** 2, np.broadcast_to(m ** 2, (24, 16, 16)),
                               rtol=1e-5)
    np.testing.assert_array_equal(x[1, ..., 16:], x[0, ..., :16])
    np.testing.assert_array_equal(x[0, ..., 16:], -x[1, ..., :16])


def test_mixed_rope_is_the_same_bits_in_both_portable_streams_everywhere_and_reads_no_layout():
    """Portable: every framework gives the reference's values (the counter stream's exp and log are our own), and
    a Keras or Flax layout does not move the axes."""
    from unifiedinit.backends import get_backend
    from unifiedinit.reference import portable as reference
    for stream in ("chunks", "counter"):
        portable = ui.Portable(3, "rope/freqs", stream=stream)
        want = reference(ui.MixedRoPE(), (2, 3, 4, 8), seed=3, key="rope/freqs", stream=stream)
        assert stats.check(want, ui.MixedRoPE())
        for framework in _framework_samples()[1:]:
            backend = get_backend(framework)
            for layout in ("torch", "keras", "flax"):
                x = backend.init_array(ui.MixedRoPE(), backend.array(np.zeros((2, 3, 4, 8), "float32"), "float32"),
                                       layout=layout, portable=portable)
                np.testing.assert_array_equal(backend.to_numpy(x), want, err_msg=f"{framework} {stream} {layout}")


def test_a_mixed_rope_dtype_tolerance_is_held_and_a_wrong_structure_fails_the_check():
    x = ui.sample(ui.MixedRoPE(), (2, 12, 6, 32), seed=0, dtype="float16")
    assert stats.check(x, ui.MixedRoPE(), alpha=ALPHA)
    swapped = x.copy()
    swapped[0, ..., 16:] *= -1  # sin where -sin belongs
    assert not stats.check(swapped, ui.MixedRoPE(), alpha=ALPHA)
    assert not stats.check(x, ui.MixedRoPE(temperature=100.0), alpha=ALPHA)  # other magnitudes
    folded = ui.sample(ui.MixedRoPE(), (2, 12, 6, 32), seed=0)
    assert not stats.check(np.abs(folded), ui.MixedRoPE(), alpha=ALPHA)  # every angle in the first quadrant


@pytest.mark.parametrize("make,error,match", [
    (lambda: ui.MixedRoPE(temperature=0.0), ValueError, "'temperature' must be > 0"),
    (lambda: ui.MixedRoPE(temperature=math.inf), ValueError, "'temperature' must be a finite number"),
    # bad input on purpose: a string where a number belongs (pyright sees it too)
    (lambda: ui.MixedRoPE(temperature="10"), TypeError,  # pyright: ignore[reportArgumentType]
     "'temperature' must be a real number"),
    (lambda: ui.sample(ui.MixedRoPE(), (3, 4, 8)), ValueError, r"MixedRoPE: needs a tensor \(2, \.\.\., n\)"),
    (lambda: ui.sample(ui.MixedRoPE(), (2, 4, 7)), ValueError, r"got shape \(2, 4, 7\)"),
    (lambda: ui.sample(ui.MixedRoPE(), (8,)), ValueError, "MixedRoPE"),
])
def test_bad_mixed_rope_arguments_and_tensors_are_refused(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_a_mixed_rope_parameter_is_written_by_a_plan_or_left_as_it_was():
    torch = pytest.importorskip("torch")

    class Rope(torch.nn.Module):
        def __init__(self, shape):
            super().__init__()
            self.freqs = torch.nn.Parameter(torch.full(shape, 7.0))

    plan = ui.Plan().rule(ui.MixedRoPE(), path="freqs")
    good = Rope((2, 3, 4, 8))
    plan.apply(good, seed=0)
    assert stats.check(good.freqs.detach().numpy(), ui.MixedRoPE())
    bad = Rope((2, 3, 4, 7))
    with pytest.raises(ValueError, match=r"MixedRoPE.*\(2, 3, 4, 7\)"):
        plan.apply(bad, seed=0)
    assert bool((bad.freqs == 7.0).all())


# ------------------------------------------------------------------ Equinox ties (eqx.nn.Shared), GRUCell's bias_n

def _eqx_tied(vocab: int, dim: int, get_embedding: bool, bias: bool = False) -> Any:
    """An Embedding and a Linear head tied by ``eqx.nn.Shared``, written either way round (``get`` on the embedding,
    as Equinox's docs write it, or on the head)."""
    jax = pytest.importorskip("jax")
    eqx = pytest.importorskip("equinox")
    k1, k2 = jax.random.split(jax.random.key(0))
    pair = (eqx.nn.Embedding(vocab, dim, key=k1), eqx.nn.Linear(dim, vocab, use_bias=bias, key=k2))
    if get_embedding:
        return eqx.nn.Shared(pair, lambda p: p[1].weight, lambda p: p[0].weight)
    return eqx.nn.Shared(pair, lambda p: p[0].weight, lambda p: p[1].weight)


def _torch_tied(vocab: int, dim: int) -> Any:
    """The torch twin of ``_eqx_tied`` (the same paths: ``pytree.0`` the embedding, ``pytree.1`` the head)."""
    torch = pytest.importorskip("torch")
    module: Any = torch.nn.Module

    class Twin(module):
        def __init__(self) -> None:
            super().__init__()
            self.pytree = torch.nn.ModuleList([torch.nn.Embedding(vocab, dim), torch.nn.Linear(dim, vocab, bias=False)])
            self.pytree[1].weight = self.pytree[0].weight
    return Twin()


@pytest.mark.parametrize("get_embedding", [True, False])
def test_an_equinox_shared_tie_is_owned_as_torchs_whichever_side_is_get(get_embedding):
    # the owner was the get side: get on the head made the tied tensor a dense weight (keyed from the head,
    # drawn as a Linear's); an embedding owns it, as torch's twin gives it, bit for bit in portable mode
    twin = _torch_tied(300, 16)
    theirs = ui.presets.torch.apply(twin, seed=3, portable=True)
    new, ours = ui.presets.torch.apply(_eqx_tied(300, 16, get_embedding), seed=3, portable=True)
    assert [(p.path, p.kind, p.role, p.key, p.aliases) for p in ours.params] == \
        [(p.path.replace(".", "/"), p.kind, p.role, p.key, tuple(a.replace(".", "/") for a in p.aliases))
         for p in theirs.params] == [("pytree/0/weight", "embedding", "embedding", "pytree/0/embedding",
                                      ("pytree/1/weight",))]
    embedding, head = new()
    assert embedding.weight is head.weight
    np.testing.assert_array_equal(np.asarray(embedding.weight), twin.pytree[0].weight.detach().numpy())
    # a path glob on the placeholder's path matches the tied tensor (an alias), as torch's does
    new, report = ui.Plan().rule(ui.Constant(0.5), path="pytree/1/weight").apply(
        _eqx_tied(30, 4, get_embedding), seed=0)
    assert [e.param.path for e in report.entries] == ["pytree/0/weight"]
    np.testing.assert_array_equal(np.asarray(new()[1].weight), np.full((30, 4), 0.5, np.float32))


@pytest.mark.parametrize("get_embedding", [True, False])
def test_skip_naming_an_equinox_placeholder_keeps_the_tied_tensor_and_a_function_leaf_is_refused(get_embedding):
    # skip= took every pytree leaf's name: the placeholder's path was accepted and the tied tensor redrawn, and a
    # function leaf (an MLP's activation, a Shared's where) accepted as a tensor while skipping nothing
    jax = pytest.importorskip("jax")
    eqx = pytest.importorskip("equinox")
    model = _eqx_tied(10, 4, get_embedding, bias=True)
    before = np.asarray(model()[1].weight).copy()
    new, report = ui.presets.torch.apply(model, seed=0, skip=["pytree/1/weight"])  # the head's (tied) weight
    assert [p.path for p in report.skipped] == ["pytree/0/weight"]
    np.testing.assert_array_equal(np.asarray(new()[1].weight), before)
    np.testing.assert_array_equal(np.asarray(new()[0].weight), before)
    assert [e.param.path for e in report.entries] == ["pytree/1/bias"]  # the head's own bias is still drawn
    mlp = eqx.nn.MLP(2, 2, 4, 1, key=jax.random.key(1))
    leaves = [np.asarray(x).copy() for x in jax.tree_util.tree_leaves(eqx.filter(mlp, eqx.is_array))]
    for target, name in ((mlp, "activation"), (model, "where")):
        with pytest.raises(ValueError, match=rf"parameter 'skip' .*name no .*'{name}'.*nothing was written"):
            ui.presets.torch.apply(target, seed=0, skip=[name])
    for x, y in zip(jax.tree_util.tree_leaves(eqx.filter(mlp, eqx.is_array)), leaves):
        np.testing.assert_array_equal(np.asarray(x), y)  # untouched after the refusal


def test_to_equinox_draws_the_bias_of_a_layer_whose_weight_is_a_shared_placeholder():
    # init(layer) gave back a Linear whose weight is an eqx.nn.Shared placeholder unchanged, its bias undrawn
    # although bias= was given; it is drawn with the layer's declared fans, Xavier U(+-sqrt(6 / (20 + 3000)))
    # (exact bound, and KS against that law at ALPHA), the placeholder kept
    jax = pytest.importorskip("jax")
    eqx = pytest.importorskip("equinox")
    ks = jax.random.split(jax.random.key(0), 3)
    shared = eqx.nn.Shared((eqx.nn.Linear(20, 3000, key=ks[0]), eqx.nn.Linear(20, 3000, key=ks[1])),
                           lambda p: p[1].weight, lambda p: p[0].weight)
    placeholder = shared.pytree[1]
    layer = ui.XavierUniform().to_equinox(bias=ui.XavierUniform())(placeholder, ks[2])
    assert type(layer.weight) is type(placeholder.weight) and not eqx.is_array(layer.weight)
    bias = np.asarray(layer.bias)
    bound = math.sqrt(6 / 3020)
    assert np.abs(bias).max() <= bound and not np.array_equal(bias, np.asarray(placeholder.bias))
    assert stats.check(bias, ui.Uniform(-bound, bound), alpha=ALPHA)
    assert ui.XavierUniform().to_equinox()(placeholder, ks[2]) is placeholder  # no bias spec: nothing to draw


def test_to_equinox_draws_a_grouped_conv_bias_behind_a_shared_placeholder_as_the_untied_layers():
    # the fans a grouped conv declares count in_channels / groups (8 / 4 * 3 * 3 = 18, as its weight's shape):
    # with its weight an eqx.nn.Shared placeholder, its bias must be the untied layer's under the same key (exact)
    jax = pytest.importorskip("jax")
    eqx = pytest.importorskip("equinox")
    untied = eqx.nn.Conv2d(8, 16, 3, groups=4, key=jax.random.key(0))
    shared = eqx.nn.Shared((untied, untied), lambda p: p[1].weight, lambda p: p[0].weight)
    init = ui.KaimingUniform(a=math.sqrt(5)).to_equinox(bias=ui.KaimingUniform(a=math.sqrt(5)))
    tied = init(shared.pytree[1], jax.random.key(1))
    assert not eqx.is_array(tied.weight)  # the placeholder is kept
    drawn = np.asarray(init(untied, jax.random.key(1)).bias)
    np.testing.assert_array_equal(np.asarray(tied.bias), drawn)
    assert not np.array_equal(drawn, np.asarray(untied.bias))

def test_an_equinox_grucell_bias_n_has_a_key_of_its_own_and_keeps_each_frameworks_law():
    # bias_n (H,) is b_hn alone; keyed recurrent_bias, as torch's bias_hh (3H,), it took torch's r-gate values
    # bias_hh[:H] in portable mode. Its own key; presets.equinox still draws it U(+-1/sqrt(H)) as Equinox does
    # (KS against Equinox's own draws at ALPHA), presets.torch gives torch's cell U(+-1/sqrt(H)) too
    jax = pytest.importorskip("jax")
    eqx = pytest.importorskip("equinox")
    torch = pytest.importorskip("torch")

    class Holder(eqx.Module):
        rnn: Any  # an eqx.nn.GRUCell
    hidden = 2000
    new, report = ui.presets.torch.apply(Holder(eqx.nn.GRUCell(3, 8, key=jax.random.key(0))), seed=7,
                                         portable=True)
    keys = {e.param.path: e.param.key for e in report.entries}
    assert keys["rnn/bias_n"] == "rnn/recurrent_bias/n" and keys["rnn/bias"] == "rnn/bias"
    twin = torch.nn.Module()
    twin.rnn = torch.nn.GRUCell(3, 8)
    ui.presets.torch.apply(twin, seed=7, portable=True)
    hh = twin.rnn.bias_hh.detach().numpy()
    assert not any(np.array_equal(np.asarray(new.rnn.bias_n), hh[i:i + 8]) for i in (0, 8, 16))
    new, _ = ui.presets.equinox.apply(Holder(eqx.nn.GRUCell(2, hidden, key=jax.random.key(1))), seed=0)
    ours, theirs = np.asarray(new.rnn.bias_n), np.asarray(eqx.nn.GRUCell(2, hidden, key=jax.random.key(2)).bias_n)
    assert np.abs(ours).max() <= 1 / math.sqrt(hidden) and stats.ks_2samp(ours, theirs)[1] > ALPHA
    cell = torch.nn.Module()
    cell.rnn = torch.nn.GRUCell(2, hidden)
    ui.presets.torch.apply(cell, seed=0)
    assert stats.check(cell.rnn.bias_hh.detach().numpy(), ui.Uniform(-1 / math.sqrt(hidden), 1 / math.sqrt(hidden)),
                       alpha=ALPHA)


# ------------------------------------------------------------------ Equinox: layers in other pytree nodes, NamedTuples

def _eqx_in_nodes() -> Any:
    """An Equinox model whose layers sit in pytree nodes that are no tuple, list or dict: a
    ``jax.tree_util.register_dataclass`` dataclass (``box.inner``), Flax's ``FrozenDict`` (``fd.b``, ``fd.a``
    and a bare array ``fd.scale``), and a node of the user's registered without keys (``node``: its children by
    flatten order, as a tuple's)."""
    import dataclasses
    jax = pytest.importorskip("jax")
    eqx = pytest.importorskip("equinox")
    frozen = pytest.importorskip("flax.core").FrozenDict

    @jax.tree_util.register_dataclass
    @dataclasses.dataclass
    class Box:
        inner: Any  # an eqx.nn.Linear

    class Node:
        def __init__(self, *layers: Any) -> None:
            self.layers = layers
    jax.tree_util.register_pytree_node(Node, lambda n: (n.layers, None), lambda _, layers: Node(*layers))

    class Model(eqx.Module):
        box: Any
        fd: Any
        node: Any
        fc: Any

        def __init__(self) -> None:
            k = jax.random.split(jax.random.key(0), 5)
            self.box = Box(eqx.nn.Linear(3, 4, key=k[0]))
            self.fd = frozen({"b": eqx.nn.Linear(4, 5, key=k[1]), "a": eqx.nn.Linear(5, 6, key=k[2]),
                              "scale": jax.numpy.full((6,), 2.0)})
            self.node = Node(eqx.nn.Linear(6, 7, key=k[3]))
            self.fc = eqx.nn.Linear(7, 2, key=k[4])
    return Model()


def _torch_in_nodes() -> Any:
    """The torch twin of ``_eqx_in_nodes``'s layers (the same paths: submodules and a ``ModuleList``)."""
    torch = pytest.importorskip("torch")
    nn = torch.nn
    twin = nn.Module()
    twin.box = nn.Module()
    twin.box.inner = nn.Linear(3, 4)
    twin.fd = nn.ModuleDict({"b": nn.Linear(4, 5), "a": nn.Linear(5, 6)})
    twin.node = nn.ModuleList([nn.Linear(6, 7)])
    twin.fc = nn.Linear(7, 2)
    return twin


def test_equinox_layers_in_a_dataclass_node_a_frozendict_or_a_users_node_are_walked_keyed_as_torchs():
    # the walk went into tuples, lists and dicts only: the layers of a registered dataclass, a FrozenDict or a
    # node of the user's were silently dropped (not drawn, not in the report, not even UNMATCHED). Now each is
    # drawn as its layer, keyed by field name, dict key or child index as torch's twin: bit for bit in portable
    # mode, whatever order the FrozenDict holds its keys in; a bare array there is reported UNMATCHED, untouched
    model = _eqx_in_nodes()
    new, report = ui.presets.torch.apply(model, seed=4, portable=True)
    layers = ["box/inner", "fd/a", "fd/b", "node/0", "fc"]
    assert sorted((p.path, p.kind, p.role) for p in report.params) == \
        sorted([(f"{at}/{role}", "dense", role) for at in layers for role in ("weight", "bias")] +
               [("fd/scale", "other", "other")])
    assert [(p.path, p.kind) for p in report.unmatched] == [("fd/scale", "other")]
    np.testing.assert_array_equal(np.asarray(new.fd["scale"]), np.full((6,), 2.0, np.float32))
    twin = _torch_in_nodes()
    ui.presets.torch.apply(twin, seed=4, portable=True)
    theirs = {name.replace(".", "/"): t.detach().numpy() for name, t in twin.named_parameters()}
    ours = {"box/inner": new.box.inner, "fd/a": new.fd["a"], "fd/b": new.fd["b"], "node/0": new.node.layers[0],
            "fc": new.fc}
    assert sorted(theirs) == sorted(p.path for p in report.params if p.kind == "dense")
    for at, layer in ours.items():
        for role in ("weight", "bias"):
            np.testing.assert_array_equal(np.asarray(getattr(layer, role)), theirs[f"{at}/{role}"], err_msg=at)
    before = np.asarray(model.box.inner.weight)
    assert not np.array_equal(np.asarray(new.box.inner.weight), before)  # drawn, and the model given is unchanged
    np.testing.assert_array_equal(np.asarray(model.box.inner.weight), before)


def test_param_groups_and_skip_reach_equinox_layers_in_other_pytree_nodes():
    # param_groups marked every array of such a node False (no decay on weights), and skip= named them only as
    # "other tensors" while the walk did not draw them; now a weight decays and a bias does not, skip= keeps
    # what it names, and a misspelt name is refused with nothing written
    jax = pytest.importorskip("jax")
    eqx = pytest.importorskip("equinox")
    model = _eqx_in_nodes()
    mask = ui.param_groups(model, no_decay=[ui.Select(role=("bias",))])
    for layer in (mask.box.inner, mask.fd["a"], mask.node.layers[0], mask.fc):
        assert (layer.weight, layer.bias) == (True, False)
    assert mask.fd["scale"] is True  # an array no layer holds is a parameter all the same (kind "other")
    plan = ui.Plan().rule(ui.Zeros(), role=("weight", "bias"))
    new, report = plan.apply(model, seed=0, skip=["box/inner/weight", "fd.a.bias", "node/0/weight"])
    assert sorted(p.path for p in report.skipped) == ["box/inner/weight", "fd/a/bias", "node/0/weight"]
    for kept, old in ((new.box.inner.weight, model.box.inner.weight), (new.fd["a"].bias, model.fd["a"].bias),
                      (new.node.layers[0].weight, model.node.layers[0].weight)):
        np.testing.assert_array_equal(np.asarray(kept), np.asarray(old))
    assert not np.asarray(new.box.inner.bias).any() and not np.asarray(new.fd["a"].weight).any()
    leaves = [np.asarray(x).copy() for x in jax.tree_util.tree_leaves(eqx.filter(model, eqx.is_array))]
    with pytest.raises(ValueError, match=r"parameter 'skip' .*'box/inner/wieght'.*did you mean 'box/inner/weight'"):
        plan.apply(model, seed=0, skip=["box/inner/wieght"])
    for x, y in zip(jax.tree_util.tree_leaves(eqx.filter(model, eqx.is_array)), leaves):
        np.testing.assert_array_equal(np.asarray(x), y)


@pytest.mark.parametrize("name", ["pair/0/weight", "pair/first/weight", "pair.first.weight"])
def test_skip_takes_jaxs_name_of_an_equinox_namedtuple_field_as_the_parameter_it_is(name):
    # the walk keys a NamedTuple's items by position (pair/0/weight, as torch's ModuleList); JAX names the field
    # (pair/first/weight), and skip= took that name for "another tensor no plan writes": nothing was skipped and
    # the tensor asked to be kept was overwritten. Each spelling now skips it; the rest is still drawn
    import typing
    jax = pytest.importorskip("jax")
    eqx = pytest.importorskip("equinox")
    k = jax.random.split(jax.random.key(0), 2)

    class Pair(typing.NamedTuple):
        first: Any  # an eqx.nn.Linear
        second: Any

    class Model(eqx.Module):
        pair: Any

        def __init__(self) -> None:
            self.pair = Pair(eqx.nn.Linear(3, 3, key=k[0]), eqx.nn.Linear(3, 3, key=k[1]))
    model = Model()
    new, report = ui.Plan().rule(ui.Zeros(), role=("weight", "bias")).apply(model, seed=0, skip=[name])
    assert [p.path for p in report.skipped] == ["pair/0/weight"]
    np.testing.assert_array_equal(np.asarray(new.pair.first.weight), np.asarray(model.pair.first.weight))
    assert sorted(e.param.path for e in report.entries) == ["pair/0/bias", "pair/1/bias", "pair/1/weight"]
    assert not any(np.asarray(x).any() for x in (new.pair.first.bias, new.pair.second.weight, new.pair.second.bias))


def test_an_equinox_shared_tie_across_namedtuple_fields_is_one_parameter_as_torchs():
    # eqx.nn.Shared over a NamedTuple: its where/get paths were read with JAX's field names (pytree/head/weight)
    # and never met the walk's positions (pytree/1/weight), so the tie was lost: two parameters, the tied tensor
    # drawn as an embedding and again as a dense weight. One parameter now, owned and drawn as torch's twin's,
    # and skip= by JAX's name of the source keeps it
    import typing
    jax = pytest.importorskip("jax")
    eqx = pytest.importorskip("equinox")
    k1, k2 = jax.random.split(jax.random.key(0))

    class Pair(typing.NamedTuple):
        emb: Any  # an eqx.nn.Embedding
        head: Any  # an eqx.nn.Linear

    def tied() -> Any:
        pair = Pair(eqx.nn.Embedding(300, 16, key=k1), eqx.nn.Linear(16, 300, use_bias=False, key=k2))
        return eqx.nn.Shared(pair, lambda p: p.head.weight, lambda p: p.emb.weight)
    twin = _torch_tied(300, 16)
    ui.presets.torch.apply(twin, seed=3, portable=True)
    new, report = ui.presets.torch.apply(tied(), seed=3, portable=True)
    assert [(p.path, p.kind, p.aliases) for p in report.params] == [("pytree/0/weight", "embedding",
                                                                      ("pytree/1/weight",))]
    embedding, head = new()
    assert embedding.weight is head.weight
    np.testing.assert_array_equal(np.asarray(embedding.weight), twin.pytree[0].weight.detach().numpy())
    model = tied()
    new, report = ui.presets.torch.apply(model, seed=3, skip=["pytree/emb/weight"])
    assert [p.path for p in report.skipped] == ["pytree/0/weight"] and not report.entries
    np.testing.assert_array_equal(np.asarray(new()[1].weight), np.asarray(model()[0].weight))


def test_an_equinox_class_registered_with_stacked_draws_each_layer_with_one_layers_fans_as_torch():
    # ui.register_layer(..., stacked=1) was ignored by the Equinox walk and by to_equinox: the weight (E, out, in)
    # of E experts got the fans of one (E * out, in) tensor, 32768/512 here, so U(+-0.0055) where one expert's
    # Linear(64, 512) draws U(+-1/8). Now a plan reads each expert with one layer's fans (the records the native
    # draw takes too) and draws it bit for bit as the torch backend draws the same class in portable mode; the hook
    # strips the stacked axis too and draws one expert's exact law (KS at ALPHA: a correct sampler fails each check
    # with probability at most 1e-4). Sizes here: 4 experts of Linear(16, 128), whose stacked fans gave
    # U(+-0.0625) where one expert's are U(+-0.25)
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    eqx = pytest.importorskip("equinox")
    torch = pytest.importorskip("torch")

    class Experts(eqx.Module):
        weight: Any
        bias: Any

        def __init__(self, experts: int, fan_in: int, fan_out: int) -> None:
            self.weight = jnp.zeros((experts, fan_out, fan_in))
            self.bias = jnp.zeros((experts, fan_out))

    class TorchExperts(torch.nn.Module):
        def __init__(self, experts: int, fan_in: int, fan_out: int) -> None:
            super().__init__()
            self.weight = torch.nn.Parameter(torch.zeros(experts, fan_out, fan_in))
            self.bias = torch.nn.Parameter(torch.zeros(experts, fan_out))

    ui.register_layer(Experts, "dense", stacked=1)
    ui.register_layer(TorchExperts, "dense", stacked=1)
    twin = TorchExperts(4, 16, 128)
    theirs = ui.presets.torch.apply(twin, seed=3, portable=True)
    new, report = ui.presets.torch.apply(Experts(4, 16, 128), seed=3, portable=True)
    assert [(p.path, p.stacked, p.layer_fans) for p in report.params] == \
        [(p.path, p.stacked, p.layer_fans) for p in theirs.params] == [("weight", (0,), (16, 128)),
                                                                       ("bias", (0,), (16, 128))]
    np.testing.assert_array_equal(np.asarray(new.weight), twin.weight.detach().numpy())
    np.testing.assert_array_equal(np.asarray(new.bias), twin.bias.detach().numpy())
    one_expert = ui.Uniform(-1 / 4, 1 / 4)  # torch's Linear(16, 128): weight and bias U(+-1/sqrt(16))
    hook = ui.KaimingUniform(a=math.sqrt(5)).to_equinox(bias=ui.VarianceScaling(1 / 3, "fan_in", "uniform"))
    drawn = hook(Experts(4, 16, 128), jax.random.key(1))
    for x in (drawn.weight, drawn.bias):
        assert stats.check(np.asarray(x).ravel(), one_expert, alpha=ALPHA)


def test_each_layer_of_a_stack_of_two_axes_gets_its_own_key_in_row_major_order():
    """Pins ``Param.slice_key`` (each ``*`` takes its own axis's index) and ``Param.slices`` (row-major): a weight
    stacked along two axes, (2, 3) layers of a 4x4 matrix, keys its six layers apart, and layer (i, j) holds the
    portable values of ``slice_key((i, j))``. Before, one index filled every ``*`` (layers repeated) or the layers
    were walked column-major (each got another layer's key)."""
    torch = pytest.importorskip("torch")
    from unifiedinit.reference import portable
    holder = torch.nn.Module()
    holder.w = torch.nn.Parameter(torch.empty(2, 3, 4, 4))
    spec = ui.Normal(std=1.0)
    report = ui.Plan().rule(spec, path="w", stacked=2).apply(holder, seed=0, portable=True)
    param = report.entries[0].param
    keys = [param.slice_key(index) for index in param.slices()]
    assert sorted(param.slices()) == param.slices() and len(set(keys)) == len(keys) == 6, keys
    w = holder.w.detach().numpy()
    for i in range(2):
        for j in range(3):
            want = portable(spec, (4, 4), layout=param.layout, seed=0, key=param.slice_key((i, j)))
            np.testing.assert_array_equal(w[i, j], want, err_msg=str((i, j)))


@pytest.mark.parametrize("paths", [("proj/weight",), ("blocks/0/fc/weight", "blocks/1/fc/weight")], ids=str)
def test_a_model_that_holds_nothing_but_a_stack_is_never_taken_for_the_stack_itself(paths):
    """Pins ``_stack_depth``'s search starting below the model: a model whose only parameters are stacked keys them
    as it does beside an unstacked head (``proj/*/weight``, ``blocks/*/0/fc/weight``); taking the model itself
    for the stack gave ``*/proj/weight``."""
    from unifiedinit.params import assign_keys

    def keys(head: bool) -> list[str]:
        params = [ui.Param(path, "dense", "weight", (3, 4, 4), stacked=(0,)) for path in paths]
        extra = [ui.Param("embed/weight", "embedding", "embedding", (10, 4))] if head else []
        return [p.key for p in assign_keys(params + extra)][:len(paths)]

    alone = keys(head=False)
    assert alone == keys(head=True)
    assert all(k.startswith(p.split("/")[0] + "/*/") for k, p in zip(alone, paths)), alone


def test_an_orthogonal_matrix_s_first_entry_is_positive_half_the_time_as_haar_s_is():
    # Haar measure is invariant under flipping the sign of a row, so Q[0, 0] > 0 with probability exactly 1/2; a QR
    # without the signs of diag(R) (LAPACK's Householder R has a diagonal of signs against the column's first entry)
    # gives Q[0, 0] <= 0 in every draw. Over 200 seeds the count is Binomial(200, 1/2) (sd 7.07): outside [50, 150]
    # (7 sd either side) a correct sampler falls with probability below 3e-12
    positive = sum(int(ui.sample(ui.Orthogonal(), (3, 3), seed=s, dtype="float64")[0, 0] > 0) for s in range(200))
    assert 50 <= positive <= 150, positive
