"""Real Flax architectures: a linen transformer whose blocks are stacked by ``nn.scan``, an NNX transformer whose
blocks are stacked by ``nnx.vmap``, with embeddings, multi-head attention, RMSNorm and an OptimizedLSTMCell.

What it proves: ``presets.flax`` on these models reproduces Flax's own initialization parameter by parameter
(two-sample KS against a fresh model's values, constants exactly; tests/models/compare.py: each comparison at
1e-6, the file by chance with probability under 1e-4); a stacked kernel's fans are one layer's, not L times
larger; kinds come from the module tree, not from names; keys come from paths, so a sorted tree, a jitted init
and an ``nnx.split``/``nnx.merge`` round trip get the same values; a sharded NNX variable keeps its sharding.
"""

import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

pytest.importorskip("flax")
import flax.linen as nn  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
from flax import nnx  # noqa: E402

import unifiedinit as ui  # noqa: E402
from unifiedinit.verify import stats  # noqa: E402

from .compare import same_law  # noqa: E402

LAYERS, WIDTH, HIDDEN, VOCAB = 4, 64, 256, 1000


class Block(nn.Module):
    @nn.compact
    def __call__(self, x, _):
        h = nn.LayerNorm(name="ln_1")(x)
        x = x + nn.MultiHeadDotProductAttention(num_heads=4, name="attn")(h, h)
        h = nn.Dense(HIDDEN, name="mlp_in")(nn.RMSNorm(name="ln_2")(x))
        return x + nn.Dense(WIDTH, name="mlp_out")(nn.gelu(h)), None


class LinenLM(nn.Module):
    @nn.compact
    def __call__(self, tokens):
        x = nn.Embed(VOCAB, WIDTH, name="wte")(tokens)
        x, _ = nn.scan(Block, variable_axes={"params": 0}, split_rngs={"params": True}, length=LAYERS)(name="h")(x, None)
        return nn.Dense(VOCAB, name="head")(nn.RMSNorm(name="ln_f")(x))


class NnxBlock(nnx.Module):
    def __init__(self, rngs):
        self.norm = nnx.RMSNorm(WIDTH, rngs=rngs)
        self.attn = nnx.MultiHeadAttention(4, WIDTH, decode=False, rngs=rngs)
        self.mlp_in = nnx.Linear(WIDTH, HIDDEN, rngs=rngs)
        self.mlp_out = nnx.Linear(HIDDEN, WIDTH, rngs=rngs)


class NnxLM(nnx.Module):
    def __init__(self, rngs):
        self.embed = nnx.Embed(VOCAB, WIDTH, rngs=rngs)

        @nnx.split_rngs(splits=LAYERS)
        @nnx.vmap(in_axes=(0,), out_axes=0)
        def create(rngs):
            return NnxBlock(rngs)

        self.layers = create(rngs)
        self.norm = nnx.RMSNorm(WIDTH, rngs=rngs)
        self.lstm = nnx.OptimizedLSTMCell(WIDTH, 32, rngs=rngs)


TOKENS = jnp.zeros((2, 8), jnp.int32)


def linen_variables(seed):
    return LinenLM().init(jax.random.key(seed), TOKENS)


def flat(tree):
    return {"/".join(str(getattr(k, "key", k)) for k in path): np.asarray(x)
            for path, x in jax.tree_util.tree_flatten_with_path(tree)[0]}


def nnx_values(model):
    from unifiedinit.apply import records
    return {p.path: np.asarray(var.get_value()) for p, var in records(model)[1]}


# -------------------------------------------------------------------------------------------- reading the tree

def test_a_scanned_linen_model_is_read_from_its_module_tree():
    report = ui.inspect(LinenLM(), ui.presets.flax, params=linen_variables(0), inputs=(TOKENS,))
    rows = {r["path"]: r for r in report.rows()}
    assert not report.unmatched
    assert rows["wte/embedding"]["kind"] == "embedding" and rows["ln_f/scale"]["kind"] == "norm"
    assert rows["h/ln_1/scale"]["kind"] == "norm" and rows["h/ln_2/scale"]["layer"] == "RMSNorm"
    mlp = rows["h/mlp_in/kernel"]
    assert (mlp["kind"], mlp["stacked"], mlp["fans"], mlp["shape"]) == ("dense", [0], f"{WIDTH}/{HIDDEN}",
                                                                        [LAYERS, WIDTH, HIDDEN])
    query = rows["h/attn/query/kernel"]  # Flax's (E, heads, head_dim) projection: its Orthogonal groups both outputs
    assert query["layout"] == "flax_multihead_qkv" and query["stacked"] == [0]
    assert rows["h/mlp_in/kernel"]["key"] == "h/*/mlp_in/weight"  # one key per layer: h/0/..., h/1/...
    assert rows["h/ln_1/scale"]["key"] == "h/*/ln_1/scale"  # GPT-2's ln_1 beside ln_2 is a name, not a list


def test_without_inputs_a_compact_model_is_read_by_names_and_says_so():
    with pytest.warns(UserWarning, match="known by their names only.*inputs="):
        report = ui.inspect(LinenLM(), ui.presets.flax, params=linen_variables(0))
    rows = {r["path"]: r for r in report.rows()}
    assert "(from names)" in rows["h/mlp_in/kernel"]["layer"]


def test_the_module_given_to_apply_is_the_root_of_the_tree():
    embed = nn.Embed(100, 8)
    variables = embed.init(jax.random.key(0), jnp.zeros((2,), jnp.int32))
    new, report = ui.presets.flax.apply(embed, params=variables, seed=0)
    assert not report.unmatched and report.entries[0].param.kind == "embedding"
    same_law(new["params"]["embedding"], variables["params"]["embedding"], "embedding")  # Flax's own, this run


def test_an_nnx_model_stacked_by_vmap_is_read_with_its_layer_axis():
    report = ui.inspect(NnxLM(nnx.Rngs(0)), ui.presets.flax)
    rows = {r["path"]: r for r in report.rows()}
    assert not report.unmatched
    assert rows["layers/mlp_in/kernel"]["stacked"] == [0] and rows["layers/mlp_in/kernel"]["fans"] == f"{WIDTH}/{HIDDEN}"
    assert rows["layers/mlp_in/kernel"]["kind"] == "dense" and rows["layers/norm/scale"]["kind"] == "norm"
    assert rows["layers/mlp_in/kernel"]["key"] == "layers/*/mlp_in/weight"
    assert (rows["lstm/dense_h/kernel"]["role"], rows["lstm/dense_i/kernel"]["role"]) == ("recurrent_weight", "weight")
    assert rows["embed/embedding"]["kind"] == "embedding" and rows["norm/scale"]["stacked"] == []


# ---------------------------------------------------------------------------------- presets.flax = Flax's own

def test_presets_flax_reproduces_linens_own_init_on_a_scanned_transformer():
    native = flat(linen_variables(1))
    ours, report = ui.presets.flax.apply(LinenLM(), params=linen_variables(2), seed=0, inputs=(TOKENS,))
    assert not report.unmatched
    mine = flat(ours)
    assert mine.keys() == native.keys()
    for path in native:
        same_law(mine[path], native[path], path)


class AutoNamedBlock(nn.Module):
    @nn.compact
    def __call__(self, x, _):
        return x + nn.MultiHeadDotProductAttention(num_heads=4)(x), None


class AutoNamedScan(nn.Module):
    @nn.compact
    def __call__(self, x):
        return nn.scan(AutoNamedBlock, variable_axes={"params": 0}, split_rngs={"params": True}, length=LAYERS)()(
            x, None)[0]


def test_a_bare_abstract_tree_of_scanned_attention_gets_flaxs_own_init():
    """The README's large-model route, jax.eval_shape's tree without the module: attention projections known by
    their names only (query/key/value/out under MultiHeadDotProductAttention_0) took the layer axis of the scan
    for an axis of the kernel, silently: query std 0.031 where Flax draws 0.125 (fan_in x 16)."""
    x = jnp.ones((2, 8, WIDTH))
    abstract = jax.eval_shape(AutoNamedScan().init, jax.random.key(0), x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Flax's own names: nothing is guessed, nothing to warn about
        ours, report = ui.presets.flax.apply(abstract, seed=0)
    assert not report.unmatched
    rows = {r["path"]: r for r in report.rows()}
    query, out = rows["ScanAutoNamedBlock_0/MultiHeadDotProductAttention_0/query/kernel"], \
        rows["ScanAutoNamedBlock_0/MultiHeadDotProductAttention_0/out/kernel"]
    assert (query["stacked"], query["fans"], out["stacked"], out["fans"]) == ([0], f"{WIDTH}/{WIDTH}", [0],
                                                                              f"{WIDTH}/{WIDTH}")
    native, mine = flat(AutoNamedScan().init(jax.random.key(1), x)), flat(ours)
    assert mine.keys() == native.keys()
    for path in native:
        same_law(mine[path], native[path], path)


def test_presets_flax_reproduces_nnx_own_init_on_a_vmapped_transformer():
    native = nnx_values(NnxLM(nnx.Rngs(1)))
    model = NnxLM(nnx.Rngs(2))
    report = ui.presets.flax.apply(model, seed=0)
    assert not report.unmatched
    mine = nnx_values(model)
    for path in native:
        same_law(mine[path], native[path], path)


class Upsampler(nnx.Module):
    """Both of Flax's transposed convolutions, 64 -> 16 channels: ``transpose_kernel=False`` stores (3, 3, in,
    out), ``True`` the forward convolution's kernel (3, 3, out, in), whose fans Flax takes by position."""

    def __init__(self, rngs):
        self.up = nnx.ConvTranspose(64, 16, (3, 3), rngs=rngs)
        self.up_t = nnx.ConvTranspose(64, 16, (3, 3), transpose_kernel=True, rngs=rngs)


def test_presets_flax_reproduces_flax_own_init_on_both_transposed_convolutions():
    native = nnx_values(Upsampler(nnx.Rngs(1)))
    model = Upsampler(nnx.Rngs(2))
    report = ui.presets.flax.apply(model, seed=0)
    for path in native:
        same_law(nnx_values(model)[path], native[path], path)
    kernel = {p.path: p for p in report.params}["up_t/kernel"]
    assert (kernel.shape, kernel.info().fans) == ((3, 3, 16, 64), (576, 144))  # the layer's own: in = 64


def test_presets_torch_gives_a_transpose_kernel_the_law_of_torchs_own_conv_transpose():
    torch = pytest.importorskip("torch")
    model = Upsampler(nnx.Rngs(2))
    ui.presets.torch.apply(model, seed=0)
    theirs = torch.nn.ConvTranspose2d(64, 16, 3).weight.detach().numpy()  # torch's own, in the same run
    for path in ("up/kernel", "up_t/kernel"):
        same_law(nnx_values(model)[path], theirs, path)


def test_a_stacked_kernel_has_one_layers_fans_not_l_times_more():
    model = NnxLM(nnx.Rngs(0))
    ui.Plan().rule(ui.LecunNormal(), kind="dense", role="weight").apply(model, seed=4)
    kernel = np.asarray(model.layers.mlp_in.kernel.get_value())
    assert kernel.shape == (LAYERS, WIDTH, HIDDEN)
    verdict = stats.check(kernel, ui.LecunNormal(), layout="flax", shape=(WIDTH, HIDDEN))
    assert verdict, str(verdict)  # std 1/sqrt(64), where fans taken over the stack would give 1/sqrt(4 x 64 x ...)
    assert not np.array_equal(kernel[0], kernel[1])  # every layer its own draw
    ortho = ui.Plan().rule(ui.Orthogonal(), kind="dense", role="weight", path="layers/mlp_out/*")
    ortho.apply(model, seed=1)
    w = np.asarray(model.layers.mlp_out.kernel.get_value())  # (L, 256, 64): each layer orthogonal on its own
    for layer in w:
        np.testing.assert_allclose(layer.T @ layer, np.eye(WIDTH), atol=1e-5)


def test_a_rule_can_declare_stacked_layers_the_backend_cannot_see():
    params = {"blocks": {"w": jnp.zeros((3, 16, 32))}}  # a bare tree: three (16, 32) kernels stacked by hand
    plan = ui.Plan().rule(ui.LecunUniform(), path="blocks/w", stacked=1)
    new, report = plan.apply(params, seed=0)
    assert report.entries[0].param.stacked == (0,)
    w = np.asarray(new["blocks"]["w"])
    assert np.abs(w).max() <= np.sqrt(3 / 16) and np.abs(w).max() > 0.9 * np.sqrt(3 / 16)


# --------------------------------------------------------------------------------------------- keys from paths

def test_a_sorted_or_jitted_tree_gets_the_same_values_as_the_eager_one():
    module = LinenLM()
    eager = linen_variables(0)
    resorted = jax.tree_util.tree_map(lambda x: x, eager)  # JAX returns dicts with sorted keys
    jitted = jax.jit(module.init)(jax.random.key(0), TOKENS)
    for portable in (False, True):
        outs = [flat(ui.presets.flax.apply(module, params=tree, seed=5, portable=portable, inputs=(TOKENS,))[0])
                for tree in (eager, resorted, jitted)]
        for path in outs[0]:
            assert np.array_equal(outs[0][path], outs[1][path]) and np.array_equal(outs[0][path], outs[2][path]), path


def test_nnx_split_and_merge_keep_the_values():
    model = NnxLM(nnx.Rngs(0))
    graphdef, state = nnx.split(model)
    again = nnx.merge(graphdef, state)
    for portable in (False, True):
        ui.presets.flax.apply(model, seed=9, portable=portable)
        ui.presets.flax.apply(again, seed=9, portable=portable)
        a, b = nnx_values(model), nnx_values(again)
        assert all(np.array_equal(a[k], b[k]) for k in a)


def test_a_stacked_layer_gets_the_portable_values_of_the_same_unstacked_layer():
    stacked = NnxLM(nnx.Rngs(0))
    ui.presets.flax.apply(stacked, seed=2, portable=True)

    class Unstacked(nnx.Module):
        def __init__(self, rngs):
            self.layers = nnx.List([NnxBlock(rngs) for _ in range(LAYERS)])

    unstacked = Unstacked(nnx.Rngs(0))
    ui.presets.flax.apply(unstacked, seed=2, portable=True)
    for i in range(LAYERS):
        np.testing.assert_array_equal(np.asarray(stacked.layers.mlp_in.kernel.get_value()[i]),
                                      np.asarray(unstacked.layers[i].mlp_in.kernel.get_value()))


# ----------------------------------------------------------------------------------------------------- sharding

SHARDED = textwrap.dedent("""
    import jax, numpy as np
    from flax import nnx
    from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
    import unifiedinit as ui
    mesh = Mesh(np.array(jax.devices()).reshape(2, 2), ("data", "model"))
    layer = nnx.Linear(64, 128, rngs=nnx.Rngs(0))
    sharding = NamedSharding(mesh, P(None, "model"))
    layer.kernel.set_value(jax.device_put(layer.kernel.get_value(), sharding))
    ui.presets.torch.apply(layer, seed=0)
    kernel = layer.kernel.get_value()
    assert kernel.sharding == sharding, kernel.sharding
    assert abs(float(kernel.max())) <= 64 ** -0.5
    print("ok")
""")


def test_a_sharded_nnx_variable_keeps_its_sharding():
    env = {"XLA_FLAGS": "--xla_force_host_platform_device_count=4", "JAX_PLATFORMS": "cpu"}
    import os
    proc = subprocess.run([sys.executable, "-c", SHARDED], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env})
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stderr[-2000:]


def test_every_preset_applies_to_both_transformers():
    for preset in ui.presets.PRESETS.values():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, report = preset.apply(LinenLM(), params=linen_variables(0), seed=0, inputs=(TOKENS,))
            assert not report.unmatched
            assert not preset.apply(NnxLM(nnx.Rngs(0)), seed=0).unmatched


# ------------------------------------------------------------------------------------- shared modules, recurrent cells

def test_param_groups_finds_a_shared_nnx_modules_bias_under_the_path_nnx_state_files_it():
    """A module reachable twice is one record under its shortest path (b/bias, alias a/fc/bias), while
    nnx.state files its variables under the path it meets first (a/fc/bias): the mask looked up the record's
    path alone, missed, and let the bias decay."""
    class Wrap(nnx.Module):
        def __init__(self, fc):
            self.fc = fc

    class Shared(nnx.Module):
        def __init__(self):
            lin = nnx.Linear(4, 4, rngs=nnx.Rngs(0))
            self.a, self.b = Wrap(lin), lin

    model = Shared()
    assert [(p.path, p.aliases) for p in ui.inspect(model).params if p.role == "bias"] == [("b/bias", ("a/fc/bias",))]
    mask = ui.param_groups(model)
    leaves = {jax.tree_util.keystr(k): v for k, v in jax.tree_util.tree_leaves_with_path(mask)}
    assert leaves == {"['a']['fc']['bias']": False, "['a']['fc']['kernel']": True}


def _torch_cell_values(torch, cell):
    ui.presets.torch.apply(cell, seed=7, portable=True)
    return {"weight": cell.weight_ih.detach().numpy().T, "recurrent_weight": cell.weight_hh.detach().numpy().T,
            "bias": cell.bias_ih.detach().numpy()}


def test_portable_stacked_recurrent_cells_get_their_torch_cells_values():
    """NNX's OptimizedLSTMCell (gates i, f, g, o), GRUCell (r, z, n) and SimpleCell, and linen's SimpleCell, stack
    their gates in one input (dense_i / i) and one hidden (dense_h / h) kernel, in torch's order: keyed as the
    cell's own (weight, recurrent_weight, bias), as torch's LSTMCell/GRUCell/RNNCell and a Keras RNN are, they get
    the torch cell's portable values bit for bit (before, dense_i/weight... had values of their own)."""
    torch = pytest.importorskip("torch")
    n_in, h = 5, 8
    pairs = [(nnx.OptimizedLSTMCell(n_in, h, rngs=nnx.Rngs(0)), torch.nn.LSTMCell(n_in, h)),
             (nnx.GRUCell(n_in, h, rngs=nnx.Rngs(0)), torch.nn.GRUCell(n_in, h)),
             (nnx.SimpleCell(n_in, h, rngs=nnx.Rngs(0)), torch.nn.RNNCell(n_in, h))]
    for cell, theirs in pairs:
        name = type(cell).__name__
        report = ui.presets.torch.apply(cell, seed=7, portable=True)
        assert sorted(e.param.key for e in report.entries) == ["bias", "recurrent_weight", "weight"], name
        values = nnx_values(cell)
        want = _torch_cell_values(torch, theirs)
        bias = "dense_h/bias" if name == "OptimizedLSTMCell" else "dense_i/bias"  # the cell's one bias
        for path, key in (("dense_i/kernel", "weight"), ("dense_h/kernel", "recurrent_weight"), (bias, "bias")):
            assert values[path].shape == want[key].shape and np.array_equal(values[path], want[key]), (name, path)
    linen = nn.SimpleCell(h)
    x = jnp.ones((1, n_in))
    carry = linen.initialize_carry(jax.random.key(0), x.shape)
    variables = linen.init(jax.random.key(0), carry, x)
    new, _ = ui.presets.torch.apply(linen, params=variables, seed=7, portable=True, inputs=(carry, x))
    want = _torch_cell_values(torch, torch.nn.RNNCell(n_in, h))
    got = {"weight": new["params"]["i"]["kernel"], "recurrent_weight": new["params"]["h"]["kernel"],
           "bias": new["params"]["i"]["bias"]}
    for key, x in got.items():
        assert np.array_equal(np.asarray(x), want[key]), ("linen SimpleCell", key)


def test_an_nnx_rnn_is_keyed_as_its_cell_so_it_gets_the_torch_cells_values_at_its_path():
    """nnx.RNN holds its cell as ``cell``: keyed ``rnn/cell/weight``, an RNN under ``rnn`` had values of its own;
    keyed as the RNN itself (as a Keras RNN's cell is), it gets the torch LSTMCell's under ``rnn``."""
    torch = pytest.importorskip("torch")

    class Model(nnx.Module):
        def __init__(self):
            self.rnn = nnx.RNN(nnx.OptimizedLSTMCell(5, 8, rngs=nnx.Rngs(0)))

    model = Model()
    report = ui.presets.torch.apply(model, seed=7, portable=True)
    assert sorted(e.param.key for e in report.entries) == ["rnn/bias", "rnn/recurrent_weight", "rnn/weight"]
    theirs = torch.nn.Module()
    theirs.rnn = torch.nn.LSTMCell(5, 8)
    ui.presets.torch.apply(theirs, seed=7, portable=True)
    values = nnx_values(model)
    want = {"weight": theirs.rnn.weight_ih, "recurrent_weight": theirs.rnn.weight_hh, "bias": theirs.rnn.bias_ih}
    for path, key in (("rnn/cell/dense_i/kernel", "weight"), ("rnn/cell/dense_h/kernel", "recurrent_weight"),
                      ("rnn/cell/dense_h/bias", "bias")):
        x = want[key].detach().numpy()
        assert np.array_equal(values[path], x.T if x.ndim == 2 else x), path


def test_a_linen_rnn_is_keyed_as_its_cell_as_nnx_rnn_is():
    """linen's nn.RNN also holds its cell as ``cell`` (defined in setup): keyed ``rnn/cell/weight`` it had values
    of its own; keyed as the RNN, it gets NNX's RNN's and the torch cell's values under ``rnn``."""
    torch = pytest.importorskip("torch")

    class Model(nn.Module):
        def setup(self):
            self.rnn = nn.RNN(nn.SimpleCell(8))

        def __call__(self, x):
            return self.rnn(x)

    x = jnp.ones((1, 3, 5))
    model = Model()
    new, report = ui.presets.torch.apply(model, params=model.init(jax.random.key(0), x), seed=7, portable=True,
                                         inputs=(x,))
    assert sorted(e.param.key for e in report.entries) == ["rnn/bias", "rnn/recurrent_weight", "rnn/weight"]
    theirs = torch.nn.Module()
    theirs.rnn = torch.nn.RNNCell(5, 8)
    ui.presets.torch.apply(theirs, seed=7, portable=True)
    cell = new["params"]["rnn"]["cell"]
    assert np.array_equal(np.asarray(cell["i"]["kernel"]), theirs.rnn.weight_ih.detach().numpy().T)
    assert np.array_equal(np.asarray(cell["h"]["kernel"]), theirs.rnn.weight_hh.detach().numpy().T)


def test_an_optimized_lstm_cells_forget_bias_is_set_by_the_keras_preset_and_lstm_forget_bias():
    """NNX's OptimizedLSTMCell keeps its one bias (gates i, f, g, o) in dense_h, a Linear: the rules for an LSTM's
    bias by class (``*LSTM*``) missed it, so presets.keras left Keras's forget-gate ones at zero."""
    keras = pytest.importorskip("keras")
    h = 4
    theirs = keras.layers.LSTM(h)
    theirs.build((None, 3, 5))
    cell = nnx.OptimizedLSTMCell(5, h, rngs=nnx.Rngs(0))
    ui.presets.keras.apply(cell, seed=0)
    np.testing.assert_array_equal(nnx_values(cell)["dense_h/bias"], keras.ops.convert_to_numpy(theirs.cell.bias))
    rnn = nnx.RNN(nnx.OptimizedLSTMCell(5, h, rngs=nnx.Rngs(0)))
    ui.presets.lstm_forget_bias(2.0).apply(rnn, seed=0)
    np.testing.assert_array_equal(nnx_values(rnn)["cell/dense_h/bias"], np.repeat([0.0, 2.0, 0.0, 0.0], h))


def test_a_cell_whose_input_and_hidden_sub_layers_both_hold_a_bias_keeps_their_names_in_its_keys():
    # a bare tree (no Flax cell holds two biases): keyed as one cell, the two biases would have one key
    tree = {"SimpleCell_0": {"i": {"kernel": jnp.zeros((5, 8)), "bias": jnp.zeros((8,))},
                             "h": {"kernel": jnp.zeros((8, 8)), "bias": jnp.zeros((8,))}}}
    keys = {e.param.path: e.param.key for e in ui.inspect(tree, ui.presets.torch).entries}
    assert keys == {"SimpleCell_0/i/kernel": "SimpleCell/0/weight", "SimpleCell_0/h/kernel":
                    "SimpleCell/0/recurrent_weight", "SimpleCell_0/i/bias": "SimpleCell/0/i/bias",
                    "SimpleCell_0/h/bias": "SimpleCell/0/h/bias"}
