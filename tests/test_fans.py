"""Fans for every layer kind in the four layouts, against DESIGN.md's table and the frameworks' own code."""

import importlib.util
import math
from typing import Any, cast

import numpy as np
import pytest

import unifiedinit as ui
from conftest import needs

# (layer, layout, shape, fan_in, fan_out); in=6, out=8, groups=2, kernel 3 (x 5 x 2 for 2-D/3-D)
TABLE = [
    ("dense", "torch", (8, 6), 6, 8),
    ("dense", "mxnet", (8, 6), 6, 8),
    ("dense", "keras", (6, 8), 6, 8),
    ("dense", "flax", (6, 8), 6, 8),
    ("conv1d", "torch", (8, 6, 3), 18, 24),
    ("conv1d", "keras", (3, 6, 8), 18, 24),
    ("conv2d", "torch", (8, 6, 3, 5), 90, 120),
    ("conv2d", "mxnet", (8, 6, 3, 5), 90, 120),
    ("conv2d", "keras", (3, 5, 6, 8), 90, 120),
    ("conv2d", "flax", (3, 5, 6, 8), 90, 120),
    ("conv3d", "torch", (8, 6, 3, 5, 2), 180, 240),
    ("conv3d", "flax", (3, 5, 2, 6, 8), 180, 240),
    # grouped conv, groups=2: in/g = 3 on the in axis; fan_out uses all out channels (torch's rule)
    ("grouped", "torch", (8, 3, 3, 5), 45, 120),
    ("grouped", "mxnet", (8, 3, 3, 5), 45, 120),
    ("grouped", "flax", (3, 5, 3, 8), 45, 120),
    # conv transpose, in=6, out=8: layer fans (fan_in = in x RF) in the *_conv_transpose layouts
    ("convT", "torch_conv_transpose", (6, 8, 3, 5), 90, 120),
    ("convT", "mxnet_conv_transpose", (6, 8, 3, 5), 90, 120),
    ("convT", "keras_conv_transpose", (3, 5, 8, 6), 90, 120),
    ("convT", "flax_conv_transpose", (3, 5, 6, 8), 90, 120),
    # ... and torch's own convention (fan_in from storage axis 1 = out/g) through the plain layouts
    ("convT torch-compatible", "torch", (6, 8, 3, 5), 120, 90),
    ("convT torch-compatible, groups=2", "torch", (6, 4, 3, 5), 60, 90),
    ("convT keras-compatible", "keras", (3, 5, 8, 6), 120, 90),
    # embeddings (num=100, dim=16): the vocabulary is the input
    ("embedding", "torch_embedding", (100, 16), 100, 16),
    ("embedding", "keras_embedding", (100, 16), 100, 16),
    ("embedding", "flax_embedding", (100, 16), 100, 16),
    ("embedding", "mxnet_embedding", (100, 16), 100, 16),
    ("embedding torch's own", "torch", (100, 16), 16, 100),
    # Keras depthwise (3, 5, in=6, multiplier=2): fan_in = RF, fan_out = 12 x RF, as torch's grouped conv
    ("depthwise", "keras_depthwise", (3, 5, 6, 2), 15, 180),
    ("depthwise as torch stores it", "torch", (12, 1, 3, 5), 15, 180),
]


@pytest.mark.parametrize("layer,layout,shape,fan_in,fan_out", TABLE, ids=lambda x: str(x))
def test_fans_table(layer, layout, shape, fan_in, fan_out):
    assert ui.fans(shape, layout) == (fan_in, fan_out)


def test_fans_refuse_tensors_under_two_dims():
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        ui.fans((5,), "keras")


def test_unknown_layout_is_refused_with_the_allowed_names():
    with pytest.raises(ValueError, match=r"'layout'.*'torch'.*'keras_depthwise'.*got 'tf'"):
        ui.fans((2, 2), "tf")


def test_custom_layout():
    layout = ui.Layout("channels_first_dense", out_axes=(1,), in_axes=(0,))
    assert ui.fans((6, 8), layout) == (6, 8)


SHAPES = [(8, 6), (8, 6, 3), (8, 6, 3, 5), (8, 3, 3, 5), (6, 4, 3, 5), (8, 6, 3, 5, 2), (100, 16)]


@needs("torch")
@pytest.mark.parametrize("shape", SHAPES)
def test_torch_layout_is_torchs_own_fan_computation(shape):
    import torch
    assert ui.fans(shape, "torch") == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


@needs("keras")
@pytest.mark.parametrize("shape", SHAPES)
def test_keras_layout_is_keras_compute_fans(shape):
    from keras.src.initializers.random_initializers import compute_fans
    shape = tuple(reversed(shape))
    assert ui.fans(shape, "keras") == tuple(int(f) for f in compute_fans(shape))


@needs("jax")
@pytest.mark.parametrize("shape", SHAPES)
def test_flax_layout_is_jax_variance_scaling_fans(shape):
    from jax._src.nn.initializers import _compute_fans
    shape = tuple(reversed(shape))
    assert ui.fans(shape, "flax") == tuple(int(f) for f in _compute_fans(shape, in_axis=-2, out_axis=-1))


@pytest.mark.parametrize("src,dst,shape,perm", [
    ("torch", "keras", (8, 6, 3, 5), (2, 3, 1, 0)),
    ("keras", "torch", (3, 5, 6, 8), (3, 2, 0, 1)),
    ("torch", "flax", (8, 6), (1, 0)),
    ("torch_conv_transpose", "flax_conv_transpose", (6, 8, 3, 5), (2, 3, 0, 1)),
    ("torch_conv_transpose", "keras_conv_transpose", (6, 8, 3, 5), (2, 3, 1, 0)),
])
def test_permutation_moves_weights_between_layouts(src, dst, shape, perm):
    from unifiedinit.layout import permutation
    assert permutation(ui.get_layout(src), ui.get_layout(dst), len(shape)) == perm
    moved = tuple(shape[p] for p in perm)
    assert ui.fans(moved, dst) == ui.fans(shape, src)


def test_a_layout_registered_by_name_is_usable_everywhere_a_name_is():
    from unifiedinit.layout import LAYOUTS
    mine = ui.Layout("test_out_last", (-1,), (0,), canonical="torch")
    try:
        ui.register_layout(mine)
        ui.register_layout(ui.Layout("test_out_last", (-1,), (0,), canonical="torch"))  # the same again: fine
        assert ui.fans((3, 5, 7), "test_out_last") == (3 * 5, 7 * 5)
        with pytest.raises(ValueError, match="a different layout named 'test_out_last'"):
            ui.register_layout(ui.Layout("test_out_last", (0,), (1,)))
        with pytest.raises(ValueError, match="canonical='nope'"):
            ui.register_layout(ui.Layout("test_other", (0,), (1,), canonical="nope"))
    finally:
        LAYOUTS.pop("test_out_last", None)


@pytest.mark.parametrize("make,words", [
    (lambda: ui.TensorInfo.make((4,), layer_fans=(10 ** 400, 10 ** 400)),
     ["'layer_fans'", "[1, 2**63 - 1]", "about 10**400"]),
    (lambda: ui.lower(ui.KaimingUniform(), (4,), layer_fans=(10 ** 400, 10 ** 400)), ["'layer_fans'", "2**63 - 1"]),
    (lambda: ui.lower(ui.VarianceScaling(1.0, "fan_geo_avg"), (4,), layer_fans=(3, 2 ** 63)),
     ["'layer_fans'", "[1, 2**63 - 1]", "3, 9223372036854775808"]),
    (lambda: ui.lower(ui.KaimingUniform(), (10 ** 200, 10 ** 200)), ["'shape'", "2**63 - 1", "about 10**400"]),
])
def test_fans_too_large_for_float64_are_refused_by_name(make, words):
    """A fan past int64 overflowed float64 in the formulas: a bare OverflowError before."""
    with pytest.raises(ValueError) as info:
        make()
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_the_largest_fans_allowed_lower_to_finite_draws():
    from unifiedinit import draws as D
    big = 2 ** 63 - 1
    for mode in ("fan_in", "fan_out", "fan_avg", "fan_geo_avg"):
        draw = ui.lower(ui.VarianceScaling(1.0, mode, "uniform"), (4,), layer_fans=(big, big))
        assert isinstance(draw, D.Uniform) and 0 < draw.high < 1e-9, draw


def _matrix_error(x, n_rows):
    """max |G - I| for the Gram matrix of the short side of ``x`` read as the matrix (its first ``n_rows`` axes
    flattened, the others flattened)."""
    import math

    import numpy as np
    m = np.asarray(x, np.float64).reshape(math.prod(x.shape[:n_rows]), -1)
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    return float(np.abs(gram - np.eye(len(gram))).max())


@needs("keras")
def test_orthogonal_groups_every_output_axis_only_in_a_grouped_layout():
    """Keras's Orthogonal on an EinsumDense (E, heads, head_dim) kernel (multihead_qkv) takes the last axis against
    the rest, (E x heads, head_dim), and so does ui.Orthogonal there (compared with Keras in the same run); Flax's
    kernel of the same shape (flax_multihead_qkv, grouped) is the matrix (E, heads x head_dim)."""
    import keras
    theirs = keras.ops.convert_to_numpy(keras.initializers.Orthogonal(seed=0)((6, 2, 4)))
    assert _matrix_error(theirs, 2) < 1e-5
    keras_like = ui.sample(ui.Orthogonal(), (6, 2, 4), layout="multihead_qkv")
    flax_like = ui.sample(ui.Orthogonal(), (6, 2, 4), layout="flax_multihead_qkv")
    assert _matrix_error(keras_like, 2) < 1e-5 and _matrix_error(flax_like, 1) < 1e-5
    assert ui.fans((6, 2, 4), "flax_multihead_qkv") == ui.fans((6, 2, 4), "multihead_qkv") == (6, 8)
    assert ui.get_layout("flax_multihead_qkv").matrix_rows(3) == (1, 2)
    assert ui.get_layout("multihead_qkv").matrix_rows(3) == (2,)


def test_a_grouped_layout_needs_consecutive_output_axes():
    with pytest.raises(TypeError, match="'grouped' must be True or False, got 1"):
        ui.Layout("g", (1,), (0,), grouped=1)  # pyright: ignore[reportArgumentType] - the bad value under test
    with pytest.raises(ValueError, match=r"'gapped' is grouped, so its output axes must be consecutive; got \(0, 2\)"):
        ui.lower(ui.Orthogonal(), (3, 4, 5), ui.Layout("gapped", (0, 2), (1,), grouped=True))


@pytest.mark.parametrize("layout,shape,words", [
    (ui.Layout("mine", out_axes=(5,), in_axes=(0,)), (3, 4),
     ["layout 'mine'", "out_axes (5,) names axis 5", "shape (3, 4)", "allowed: axes in [-2, 2)"]),
    (ui.Layout("mine", out_axes=(0,), in_axes=(-3,)), (3, 4), ["in_axes (-3,) names axis -3", "[-2, 2)"]),
    (ui.Layout("mine2", out_axes=(-7,), in_axes=(0,), batch_axes=(9,)), (3, 4, 5),
     ["layout 'mine2'", "out_axes (-7,) names axis -7", "shape (3, 4, 5)", "[-3, 3)"]),
    (ui.Layout("mine3", out_axes=(0,), in_axes=(1,), batch_axes=(9,)), (3, 4, 5),
     ["batch_axes (9,) names axis 9", "shape (3, 4, 5)"]),
])
def test_an_axis_the_tensor_does_not_have_is_refused_naming_the_layout_the_axis_and_the_shape(layout, shape, words):
    """Axes were reduced modulo the number of dimensions: out_axes=(5,) on (3, 4) read axis 1 and gave fans (3, 4)
    silently, and batch_axes=(9,) on a 3-D tensor was said to "overlap the out or in axes"."""
    with pytest.raises(ValueError) as info:
        layout.fans(shape)
    for word in words:
        assert word in str(info.value), (word, str(info.value))
    with pytest.raises(ValueError, match="names axis"):
        ui.sample(ui.XavierUniform(), shape, layout=layout, seed=0)
    with pytest.raises(ValueError, match=rf"a tensor with {len(shape)} dimensions does not have"):
        layout.resolve(len(shape))


def test_every_axis_in_range_negative_or_not_counts_from_its_end():
    assert ui.Layout("ends", out_axes=(-2,), in_axes=(1,)).fans((3, 4)) == (4, 3)
    assert ui.Layout("ends", out_axes=(0,), in_axes=(-1,), batch_axes=(-3,)).resolve(4) == ((0,), (3,), (2,))


@pytest.mark.parametrize("fields,error,words", [
    (dict(name=None), TypeError, ["'name' must be a non-empty string", "None"]),
    (dict(name=""), ValueError, ["'name' must be a non-empty string"]),
    (dict(min_ndim="2"), TypeError, ["Layout 'm': parameter 'min_ndim' must be an integer", "'2'"]),
    (dict(min_ndim=-5), ValueError, ["Layout 'm': parameter 'min_ndim' must be an integer >= 0", "-5"]),
    (dict(min_ndim=2.0), TypeError, ["'min_ndim' must be an integer"]),
    (dict(framework=3), TypeError, ["Layout 'm': parameter 'framework' must be a string", "3"]),
    (dict(canonical=3), TypeError, ["Layout 'm': parameter 'canonical' must be a layout's name", "3"]),
    (dict(canonical=""), ValueError, ["'canonical' must be a layout's name"]),
    (dict(flip="no"), TypeError, ["Layout 'm': parameter 'flip' must be True or False", "'no'"]),
    (dict(flip=None), TypeError, ["'flip' must be True or False, got None"]),
    (dict(out_axes="01"), TypeError, ["Layout 'm': parameter 'out_axes' must be an axis (an integer) or a sequence",
                                      "'01'"]),
    (dict(in_axes=(1.5,)), TypeError, ["parameter 'in_axes'", "holds 1.5 of type float"]),
    (dict(batch_axes=(True,)), TypeError, ["parameter 'batch_axes'", "holds True"]),
    (dict(in_axes=None), TypeError, ["parameter 'in_axes' must be an axis", "None"]),
])
def test_a_layout_field_of_the_wrong_kind_is_refused_when_made(fields, error, words):
    """min_ndim="2" was taken (a TypeError later, from a comparison), and flip="no", name=None, framework=3,
    min_ndim=-5 were taken for good: register_layout filed a layout under the key None."""
    given = {"name": "m", "out_axes": (0,), "in_axes": (1,), **fields}
    with pytest.raises(error) as info:
        ui.Layout(**given)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_one_integer_is_taken_as_one_axis_and_numpy_integers_as_ints():
    """Layout("x", -1, 0) raised "'int' object is not iterable"; one axis is one integer, as NumPy's axis=."""
    import numpy as np
    bare = ui.Layout("x", -1, 0)  # pyright: ignore[reportArgumentType] - one int, taken as a 1-tuple
    assert bare == ui.Layout("x", (-1,), (0,)) and bare.fans((3, 4, 5)) == (3 * 4, 5 * 4)
    axes: Any = ([np.int64(-1)], np.array([0]), np.int32(1))  # a list, an array and a NumPy int, typed tuples
    numpy = ui.Layout("x", axes[0], axes[1], batch_axes=axes[2])
    assert numpy == ui.Layout("x", (-1,), (0,), batch_axes=(1,))
    assert all(type(a) is int for a in (*numpy.out_axes, *numpy.in_axes, *numpy.batch_axes))


def test_a_canonical_name_that_is_not_registered_is_refused_by_name_where_it_is_read():
    from unifiedinit.layout import canonical_layout
    with pytest.raises(ValueError, match=r"layout 'm' has canonical='bogus', which is not a registered layout; "
                                         r"allowed: 'torch'"):
        canonical_layout(ui.Layout("m", (0,), (1,), canonical="bogus"))


@pytest.mark.parametrize("shape,layout,words", [
    ((2 ** 64, 2), "torch", ["'shape' must hold at most 2**63 - 1 entries", "36893488147419103232"]),
    ((2 ** 62, 2), "keras", ["'shape' must hold at most 2**63 - 1 entries", "9223372036854775808"]),
    ((0, 2 ** 70), "torch", ["fans (1180591620717411303424, 0)", "allowed: fans of at most 2**63 - 1"]),
])
def test_fans_past_int64_are_refused_as_the_readme_says(shape, layout, words):
    """ui.fans((2**64, 2)) returned (2, 2**64), where the README says fans are at most 2**63 - 1."""
    with pytest.raises(ValueError) as info:
        ui.fans(shape, layout)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_the_largest_fans_allowed_are_returned():
    big = 2 ** 63 - 1
    assert ui.fans((big, 1)) == (1, big) and ui.fans((big, 1), "keras") == (big, 1)


@needs("torch")
@pytest.mark.parametrize("shape", [(3, 4), (5, 2, 3)], ids=str)
def test_fan_avg_is_the_mean_of_fans_whose_sum_is_odd(shape):
    """fan_avg = (fan_in + fan_out) / 2, a real number: Xavier's bound sqrt(6 / (fan_in + fan_out)) (torch's
    fans in this run) and VarianceScaling's fan_avg std sqrt(1 / ((fan_in + fan_out) / 2)), where the sum of the
    fans is odd (an integer mean would give a bound of 1.0 instead of 0.9258 on (3, 4))."""
    import torch
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert (fan_in + fan_out) % 2 == 1
    high = cast(Any, ui.lower(ui.XavierUniform(), shape)).high
    assert high == pytest.approx(math.sqrt(6 / (fan_in + fan_out)), rel=1e-15)
    std = cast(Any, ui.lower(ui.VarianceScaling(1.0, "fan_avg", "normal"), shape)).std
    assert std == pytest.approx(math.sqrt(2 / (fan_in + fan_out)), rel=1e-15)


def _registered_dense(framework: str) -> tuple[Any, Any, Any]:
    """A user's dense layer class of ``framework`` whose weight is not named as the framework names one ("w",
    in (64, 512) in the layout registered for it) and whose bias is "b" (512,); (class, layout of "w", a function
    from the class to (model, function reading (w, b) of the model as NumPy arrays))."""
    import numpy as np
    if framework == "torch":
        import torch

        class TorchDense(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.w, self.b = torch.nn.Parameter(torch.zeros(64, 512)), torch.nn.Parameter(torch.zeros(512))
        return TorchDense, "flax", lambda m: (m.w.detach().numpy(), m.b.detach().numpy())
    if framework == "keras":
        import keras

        class KerasDense(keras.layers.Layer):
            def build(self, input_shape: Any) -> None:
                self.w = self.add_weight(name="w", shape=(64, 512))
                self.b = self.add_weight(name="b", shape=(512,))
        return KerasDense, "keras", lambda m: (np.asarray(m.w.numpy()), np.asarray(m.b.numpy()))
    if framework == "nnx":
        import jax.numpy as jnp
        from flax import nnx

        class NnxDense(nnx.Module):
            def __init__(self) -> None:
                self.w, self.b = nnx.Param(jnp.zeros((64, 512))), nnx.Param(jnp.zeros((512,)))
        return NnxDense, "flax", lambda m: (np.asarray(m.w.value), np.asarray(m.b.value))
    if framework == "equinox":
        import equinox as eqx
        import jax.numpy as jnp

        class EqxDense(eqx.Module):
            w: Any
            b: Any

            def __init__(self) -> None:
                self.w, self.b = jnp.zeros((64, 512)), jnp.zeros((512,))
        return EqxDense, "flax", lambda m: (np.asarray(m.w), np.asarray(m.b))
    from unifiedinit.backends.mxnet import mx

    class MxDense(mx.gluon.Block):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.w = self.params.get("w", shape=(512, 64))
            self.b = self.params.get("b", shape=(512,))
    return MxDense, "mxnet", lambda m: (m.w.data().asnumpy(), m.b.data().asnumpy())


@pytest.mark.parametrize("framework,module", [("torch", "torch"), ("keras", "keras"), ("nnx", "flax"),
                                              ("equinox", "equinox"), ("mxnet", "mxnet")])
def test_a_registered_layers_bias_takes_the_fans_of_the_weight_it_registered_under_its_own_name(framework, module):
    """``register_layer(cls, "dense", roles={"w": "weight"})``: the layer's fans, which its bias's fan-based rules
    read, are those of "w", in the layout registered for "w" (Linear(64, 512): fan_in 64), as for a weight the
    framework names "weight" or "kernel", not the bias's own (512, 512): torch's default then bounds the bias by
    1/sqrt(64), not 1/sqrt(512)."""
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed")
    from unifiedinit.verify import stats
    cls, layout, read = _registered_dense(framework)
    ui.register_layer(cls, "dense", roles={"w": "weight", "b": "bias"}, layouts={"w": layout})
    try:
        model = cls()
        if framework == "keras":
            model.build((None, 64))
        elif framework == "mxnet":
            model.initialize()
        report = ui.inspect(model, ui.presets.torch)
        fans = {p.path.rsplit("/", 1)[-1]: p.layer_fans for p in report.params}
        assert fans == {"w": (64, 512), "b": (64, 512)}, fans
        result = ui.presets.torch.apply(model, seed=0)
        model = result[0] if isinstance(result, tuple) else model
        w, b = read(model)
        bound = 1 / math.sqrt(64)  # KaimingUniform(a=sqrt(5)) and torch's bias rule both give U(-1/8, 1/8)
        for values in (w, b):  # each at alpha 1e-4: a false alarm about once in 10,000 runs
            assert stats.check(np.asarray(values, np.float64), ui.Uniform(-bound, bound), alpha=1e-4)
    finally:
        ui.params.LAYERS.pop(cls, None)


def test_a_stacked_registered_layers_bias_takes_one_layers_fans_of_its_registered_weight():
    """``register_layer(cls, "dense", roles={"w": "weight"}, stacked=1)`` on torch: 8 experts of Linear(64, 512)
    stored (8, 64, 512) and a bias (8, 512); each expert's bias reads one expert's fans of "w" (fan_in 64), not
    its own, so torch's default bound is 1/8."""
    torch = pytest.importorskip("torch")

    class Experts(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w, self.b = torch.nn.Parameter(torch.zeros(8, 64, 512)), torch.nn.Parameter(torch.zeros(8, 512))
    ui.register_layer(Experts, "dense", roles={"w": "weight", "b": "bias"}, layouts={"w": "flax"}, stacked=1)
    try:
        report = ui.inspect(Experts(), ui.presets.torch)
        assert {p.path: p.layer_fans for p in report.params} == {"w": (64, 512), "b": (64, 512)}
    finally:
        ui.params.LAYERS.pop(Experts, None)


def test_to_torch_bias_gives_a_conv_transposes_own_default_bias_with_torchs_fans():
    """The README's recipe for torch's default bias, ``to_torch(bias=ui.KaimingUniform(a=sqrt(5)))``, holds for a
    ConvTranspose with ``fans="torch"``: torch reads its fan_in from the output channels (4096 x 1 here: bound
    1/64), where the layer's own fans (input channels, 32: bound 1/sqrt(32)) give a wider bias."""
    torch = pytest.importorskip("torch")
    import numpy as np

    from unifiedinit.verify import stats
    torch.manual_seed(0)
    layer = torch.nn.ConvTranspose2d(32, 4096, 1)
    native = layer.bias.detach().numpy().astype(np.float64)
    layer.apply(ui.Normal().to_torch(bias=ui.KaimingUniform(a=math.sqrt(5)), fans="torch"))
    ours = layer.bias.detach().numpy().astype(np.float64)
    law = ui.Uniform(-1 / 64, 1 / 64)
    for values in (native, ours):  # each at alpha 1e-4: a false alarm about once in 10,000 runs
        assert stats.check(values, law, alpha=1e-4)
    assert not stats.check(ours, ui.Uniform(-1 / math.sqrt(32), 1 / math.sqrt(32)), alpha=1e-4)


@pytest.mark.parametrize("batch", [(1,), (-2,), (0,), (2, -3)], ids=str)
def test_a_batch_axis_that_is_also_an_out_or_in_axis_is_refused(batch):
    """Pins ``Layout._resolve``'s overlap check of the batch axes against the in axes as well as the out axes:
    ``batch_axes=(1,)`` beside ``in_axes=(1,)`` gave fans (4, 3) silently, the axis counted both as an input
    axis and as no axis of one layer; refused in ``fans``, ``resolve`` and a draw, naming the layout and axes."""
    layout = ui.Layout("bad_batch", out_axes=(0,), in_axes=(1,), batch_axes=batch)
    words = f"layout 'bad_batch': batch axes {batch} overlap the out or in axes ((0,), (1,))"
    calls: list[Any] = [lambda: layout.fans((3, 4, 5)), lambda: layout.resolve(3),
                        lambda: ui.sample(ui.XavierUniform(), (3, 4, 5), layout=layout, seed=0)]
    for call in calls:
        with pytest.raises(ValueError) as info:
            call()
        assert words in str(info.value), str(info.value)
    with pytest.raises(ValueError, match=r"for a tensor of shape \(3, 4, 5\)$"):
        layout.fans((3, 4, 5))


def test_a_zero_size_vector_under_a_fan_based_rule_is_left_empty_without_error():
    """Pins ``vector_fans``'s ``max(1, n)``: a plan's fan-based rule on an empty vector (nothing to draw) applies,
    natively and portably, as torch's own ``kaiming_uniform_`` leaves an empty tensor without error (checked in
    the same run); with fans of 0 it was refused ("'layer_fans' must be an integer >= 1, got 0")."""
    torch = pytest.importorskip("torch")
    import warnings

    holder = torch.nn.Module()
    holder.v = torch.nn.Parameter(torch.empty(0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch: "Initializing zero-element tensors is a no-op"
        torch.nn.init.kaiming_uniform_(holder.v.data)
    plan = ui.Plan().rule(ui.KaimingUniform(), path="v")
    for portable in (False, True):
        report = plan.apply(holder, seed=0, portable=portable)
        assert [e.param.path for e in report.entries] == ["v"] and holder.v.shape == (0,)


def test_fan_geo_avg_is_jax_s_geometric_mean_of_the_fans():
    jax = pytest.importorskip("jax")
    from unifiedinit import draws as D
    # JAX's variance_scaling(mode="fan_geo_avg") divides by sqrt(fan_in * fan_out): its uniform values reach the
    # bound sqrt(3 * scale / sqrt(64 * 16)). Of 1024000 draws none within 1e-4 relative of it has probability
    # (1 - 1e-4) ** 1024000 = e**-102; none past it (float32 rounding aside) is certain
    init = jax.nn.initializers.variance_scaling(2.0, "fan_geo_avg", "uniform", in_axis=0, out_axis=1, batch_axis=2)
    top = float(abs(init(jax.random.PRNGKey(0), (64, 16, 1000))).max())
    drawn = ui.lower(ui.VarianceScaling(2.0, "fan_geo_avg", "uniform"), (64, 16), "flax")
    assert isinstance(drawn, D.Uniform)
    bound = drawn.high
    assert bound == pytest.approx(math.sqrt(3 * 2.0 / math.sqrt(64 * 16)), rel=1e-15)
    assert bound * (1 - 1e-4) <= top <= bound * (1 + 1e-6)


@pytest.mark.parametrize("layout", ["torch", "keras", "flax", "torch_conv_transpose", "keras_conv_transpose",
                                    "flax_conv_transpose", "flax_conv_transpose_kernel", "mxnet_channels_last"])
def test_moving_weights_to_their_own_layout_changes_nothing_and_a_round_trip_gives_them_back(layout):
    # a FromArray given in the tensor's own layout is written as it is: no axis permuted, none reversed (a flipped
    # layout, Flax's ConvTranspose, against itself flips nothing); and torch's counterpart and back is the identity
    from unifiedinit.layout import canonical_layout, move
    a = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)
    assert np.array_equal(move(a, layout, layout), a)
    there = move(a, layout, canonical_layout(layout))
    assert np.array_equal(move(there, canonical_layout(layout), layout), a)
    assert np.array_equal(move(there, canonical_layout(layout), canonical_layout(layout)), there)


@pytest.mark.parametrize("name", ["torch_g2", "torch_conv_transpose_g4", "torch_embedding_g2"])
def test_a_groups_suffix_on_a_layout_that_is_its_own_canonical_is_refused_by_name(name):
    # "<layout>_g<k>" holds the groups on the output axis where the canonical layout holds them on the input axis;
    # a layout that is its own canonical has no other storage to move them to, so the name names no layout
    with pytest.raises(ValueError, match=name):
        ui.get_layout(name)
    assert name not in ui.LAYOUTS


@pytest.mark.parametrize("shape", [(-2, 3), (-2, -3), [-2, 3], (np.int64(-2), 3)], ids=repr)
def test_a_negative_size_is_refused_by_name_in_a_tuple_of_ints_as_in_any_sequence(shape):
    # a plain tuple of Python ints takes a short path through check_shape: it must refuse a negative size as the
    # general path does (fans((-2, -3)) gave (-3, -2), and a Xavier bound a bare "math domain error")
    from unifiedinit.layout import check_shape
    for call in (lambda: check_shape(shape), lambda: ui.fans(shape), lambda: ui.TensorInfo.make(shape),
                 lambda: ui.lower(ui.XavierUniform(), shape)):
        with pytest.raises(ValueError, match=r"parameter 'shape' must be an integer >= 0, got -2"):
            call()
