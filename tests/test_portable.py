"""Portable mode: the same (spec, seed, key) gives the same values, bit for bit, in every framework.

All checks here are exact: the expected values are `unifiedinit.sample` in torch's layout with the same seed and
key, moved to each framework's layout by a permutation written out in this file.
"""

import itertools
import math
import re
import warnings
from typing import Any

import numpy as np
import pytest

import unifiedinit as ui
from unifiedinit.backends import FRAMEWORKS as REGISTERED
from unifiedinit.backends import REGISTRY, available
from conftest import applied, applies, needs

P = ui.Portable(seed=7, key="block3/weight")

#: layer -> (torch shape, torch layout, {framework: (its layout, the axes of the torch array in its order)}); a
#: transposed convolution's kernel in Flax and Equinox is also reversed in space (FLIPPED): they slide it unflipped
LAYERS = {
    "Dense": ((24, 30), "torch", {"keras": ("keras", (1, 0)), "flax": ("flax", (1, 0)), "mxnet": ("mxnet", (0, 1)),
                                  "equinox": ("torch", (0, 1))}),
    "Conv2d": ((16, 8, 3, 3), "torch", {"keras": ("keras", (2, 3, 1, 0)), "flax": ("flax", (2, 3, 1, 0)),
                                        "mxnet": ("mxnet", (0, 1, 2, 3)), "equinox": ("torch", (0, 1, 2, 3))}),
    "ConvTranspose2d": ((8, 16, 3, 3), "torch_conv_transpose", {  # torch (in, out, k, k)
        "keras": ("keras_conv_transpose", (2, 3, 1, 0)),          # (k, k, out, in)
        "flax": ("flax_conv_transpose", (2, 3, 0, 1)),            # (k, k, in, out)
        "mxnet": ("mxnet_conv_transpose", (0, 1, 2, 3)),
        "equinox": ("equinox_conv_transpose", (1, 0, 2, 3))}),    # (out, in, k, k)
    "Embedding": ((50, 12), "torch_embedding", {"keras": ("keras_embedding", (0, 1)), "flax": ("flax_embedding", (0, 1)),
                                                "mxnet": ("mxnet_embedding", (0, 1)),
                                                "equinox": ("torch_embedding", (0, 1))}),
}
#: (layer, framework) -> the axes of its own layout along which the torch values run reversed
FLIPPED = {("ConvTranspose2d", "flax"): (0, 1), ("ConvTranspose2d", "equinox"): (2, 3)}
FRAMEWORKS = [f for f in REGISTERED if available(f)]
CASES = [(spec, layer) for spec in ui.examples() for layer in LAYERS
         if applies(spec, *LAYERS[layer][:2]) and not spec.storage_order] + \
        [(spec, "Dense") for spec in ui.examples() if isinstance(spec, ui.FromArray)]


def shape_of(spec, layer):
    return spec.shape if isinstance(spec, ui.FromArray) else LAYERS[layer][0]


def portable_in(framework, spec, layer, dtype="float32"):
    """The framework's native hook (``spec.to_<framework>(portable=...)``, through the backend protocol's
    ``init_array``) on an array of the layer in the framework's own layout; and the axes of the torch array in it."""
    from unifiedinit.backends import get_backend
    torch_shape, torch_layout, others = LAYERS[layer]
    torch_shape = shape_of(spec, layer)
    layout, axes = (torch_layout, (0, 1, 2, 3)[:len(torch_shape)]) if framework == "torch" else others[framework]
    shape = tuple(torch_shape[a] for a in axes)
    backend = get_backend(framework)
    x = backend.array(np.zeros(shape, "float32"), dtype)
    x = backend.init_array(spec, x, layout=layout, portable=P)
    return backend.to_numpy(x).astype("float32"), axes


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("spec,layer", CASES, ids=lambda x: x if isinstance(x, str) else repr(x))
def test_every_hook_gives_the_reference_values_in_its_own_layout(spec, layer, framework):
    torch_shape, torch_layout, _ = LAYERS[layer]
    want = ui.sample(spec, shape_of(spec, layer), layout=torch_layout, seed=P.seed, key=P.key)
    got, axes = portable_in(framework, spec, layer)
    np.testing.assert_array_equal(got, np.flip(np.transpose(want, axes), FLIPPED.get((layer, framework), ())))


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("stream", ["chunks", "counter"])
def test_a_storage_ordered_spec_is_drawn_as_stored_in_every_layout(framework, stream):
    # S4DReal runs along the last axis as stored, whatever the layout: never drawn in torch's layout and moved
    from unifiedinit.backends import get_backend
    backend = get_backend(framework)
    portable = ui.Portable(P.seed, P.key, stream=stream)
    want = np.broadcast_to(np.log(np.arange(1, 5, dtype=np.float64)), (6, 4)).astype("float32")
    for layer in ("Dense", "Conv2d"):
        layout = LAYERS[layer][1] if framework == "torch" else LAYERS[layer][2][framework][0]
        x = backend.init_array(ui.S4DReal(), backend.array(np.zeros((6, 4), "float32"), "float32"), layout=layout,
                               portable=portable)
        np.testing.assert_array_equal(backend.to_numpy(x), want, err_msg=f"{framework} {layout}")


@pytest.mark.parametrize("framework", [f for f in FRAMEWORKS if f != "mxnet"])  # MXNet has no bfloat16
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
def test_low_precision_values_are_the_same_rounding_everywhere(framework, dtype):
    if "jax" in REGISTRY[framework].modules and dtype == "float64":
        pytest.skip("JAX makes float64 only with jax_enable_x64")
    spec = ui.LecunNormal()
    want = ui.sample(spec, (24, 30), layout="torch", seed=P.seed, key=P.key, dtype=dtype).astype("float32")
    got, axes = portable_in(framework, spec, "Dense", dtype)
    np.testing.assert_array_equal(got, np.transpose(want, axes))


def test_values_depend_on_seed_and_key_only_not_on_order():
    a1 = ui.sample(ui.Normal(), (5, 5), seed=1, key="a")
    ui.sample(ui.Normal(), (5, 5), seed=1, key="b")
    assert np.array_equal(ui.sample(ui.Normal(), (5, 5), seed=1, key="a"), a1)
    assert not np.array_equal(ui.sample(ui.Normal(), (5, 5), seed=1, key="b"), a1)
    assert not np.array_equal(ui.sample(ui.Normal(), (5, 5), seed=2, key="a"), a1)


def test_no_key_draws_another_keys_chunk():
    """A tensor of more than 2^20 entries is drawn in chunks, chunk i from its own stream. Chunk i of key "w" was
    hashed as the text "w#i", which is also the key "w#i": two tensors held the same numbers (correlation 1). A key
    ending in "#" and digits is hashed with one more "#", so no key is another's chunk; any other key (a "#" inside
    it too) keeps the Philox stream keyed by its text alone (checked against NumPy's Philox here)."""
    from unifiedinit.reference import CHUNK, philox_key
    big = ui.Portable(0, "w").values(ui.Normal(), (2, CHUNK), "torch", "float64")
    for key, shape in (("w#1", (1, CHUNK)), ("w#0", (64, 64))):
        own = ui.Portable(0, key).values(ui.Normal(), shape, "torch", "float64").ravel()
        part = big[1] if key == "w#1" else big[0, :own.size]
        # two independent N(0, 1) samples of n entries: |correlation| > 6 / sqrt(n) has probability < 2e-9
        assert abs(np.corrcoef(part, own)[0, 1]) < 6 / math.sqrt(own.size), key
    for key in ("w", "a#1/weight"):
        small = ui.Portable(0, key).values(ui.Normal(), (8, 8), "torch", "float64")
        philox = np.random.Generator(np.random.Philox(key=philox_key(0, key)))
        np.testing.assert_array_equal(small.ravel(), philox.standard_normal(64))


@pytest.mark.skipif("torch" not in FRAMEWORKS, reason="torch is not installed")
def test_a_portable_plan_does_not_depend_on_what_else_it_initializes():
    from unifiedinit.verify import zoo
    full, biases = zoo.BUILD["torch"](), zoo.BUILD["torch"]()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ui.presets.torch.apply(full, seed=3, portable=True)
        ui.Plan().rule(ui.KaimingUniform(a=5 ** 0.5), kind=("dense", "conv"), role="bias").apply(
            biases, seed=3, portable=True)
    # the same rule for fc1's bias (key "fc1/bias"), with nothing else drawn first, gives the same values
    assert np.array_equal(full.fc1.bias.detach().numpy(), biases.fc1.bias.detach().numpy())
    with pytest.raises(TypeError, match="whole model use ui.Plan"):
        ui.XavierUniform().to_torch(portable=P)(full)


def _portable_zoo(framework, portable=True):
    from unifiedinit.verify import zoo
    from unifiedinit.layout import move
    from unifiedinit.reference import canonical_layout
    model = zoo.BUILD[framework]()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model, report = applied(ui.presets.torch, model, seed=11, portable=portable)
    from unifiedinit.apply import records
    from unifiedinit.backends import get_backend
    handles = {p.path: h for p, h in records(model)[1]}
    out = {}
    for p in report.params:
        x = get_backend(framework).read(handles[p.path]).reshape(p.shape)
        if x.ndim >= 2:
            x = move(x, p.layout, canonical_layout(p.layout))
        out[p.key] = x
    return out


@pytest.mark.skipif("torch" not in FRAMEWORKS, reason="torch is not installed")
@pytest.mark.parametrize("framework", [f for f in FRAMEWORKS if f != "torch"])
@pytest.mark.parametrize("stream", [True, "counter"])  # "counter": torch and JAX compute it on the device
def test_the_same_model_gets_the_same_weights_in_every_framework(framework, stream):
    _same_as_torch(_portable_zoo("torch", stream), _portable_zoo(framework, stream), framework)


def _same_as_torch(ref, got, framework):
    # the same values in the same order (Equinox keeps a conv bias as (out, 1, 1) where torch has (out,))
    same_size = {k for k in got if k in ref and got[k].size == ref[k].size and
                 got[k].squeeze().shape == ref[k].squeeze().shape}
    equal = {k for k in same_size if np.array_equal(got[k].ravel(), ref[k].ravel())}
    differ = same_size - equal
    assert not differ
    # the layers with the same names (emb, conv, bn, convt, fc1, fc2) correspond one to one everywhere; the LSTM
    # too, except in Flax, whose cell keeps one kernel per gate (README: where portable mode holds)
    layers = ("emb", "conv", "bn", "convt", "fc1", "fc2")
    assert {k for k in ref if k.split("/")[0] in layers and k in got} == {k for k in got if k.split("/")[0] in layers}
    assert {k for k in ref if k.split("/")[0] in layers and k in got} <= equal
    assert len(equal) >= 13  # emb 1, conv 2, bn 4, convt 2, fc1 2, fc2 2
    if framework != "flax":
        assert {k for k in ref if k.startswith("lstm/") and k in got} <= equal


@pytest.mark.skipif("torch" not in FRAMEWORKS, reason="torch is not installed")
@pytest.mark.parametrize("framework", [f for f in FRAMEWORKS if f != "torch"])
def test_values_computed_ahead_on_worker_threads_are_the_same_weights(framework, monkeypatch):
    import threading

    from unifiedinit import reference
    from unifiedinit.apply import Ahead
    ref = _portable_zoo("torch")
    monkeypatch.setattr(Ahead, "SMALL", 1)  # every tensor through the workers, even on a one-core machine
    monkeypatch.setattr(reference, "cores", lambda: 3)
    threads: set[int] = set()
    original = ui.Plan.portable_values

    def values(self, entry, seed, index=None, out=None, stream="chunks"):
        threads.add(threading.get_ident())
        return original(self, entry, seed, index, out, stream)

    monkeypatch.setattr(ui.Plan, "portable_values", values)
    got = _portable_zoo(framework)
    assert threads and threading.get_ident() not in threads  # drawn on the workers only
    _same_as_torch(ref, got, framework)


def test_portable_threads_follow_the_cores_the_process_may_use(monkeypatch):
    import os

    from unifiedinit import reference
    from unifiedinit.apply import Ahead
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {3, 5}, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert reference.cores() == 2  # taskset or a container allows two of the machine's 64
    assert Ahead(lambda e: None, []).depth == 3
    monkeypatch.delattr(os, "sched_getaffinity")  # macOS, Windows: the machine's count
    assert reference.cores() == 64
    assert Ahead(lambda e: None, []).depth == 9  # at most 8 workers


def test_values_ahead_come_in_order_with_an_error_where_the_loop_meets_it_and_no_worker_left(monkeypatch):
    import math
    import threading
    from types import SimpleNamespace

    from unifiedinit.apply import Ahead
    sizes = (10, 5000, 70000, 3, 90000, 80000, 100000, 60000, 50000)
    entries = [SimpleNamespace(param=SimpleNamespace(shape=(n,))) for n in sizes]
    small = [e for e in entries if math.prod(e.param.shape) < Ahead.SMALL]
    caller, where = threading.get_ident(), {}

    def compute(e):
        where[id(e)] = threading.get_ident()
        if e is entries[6]:
            raise RuntimeError("entry 6 failed")
        return np.full(e.param.shape, float(entries.index(e)))

    ahead = Ahead(compute, entries, workers=2)
    for i, e in enumerate(entries[:6]):
        got = ahead.take(e)
        assert got.shape == e.param.shape and np.all(got == i)
        assert len(ahead.pending) <= ahead.depth == 3
    with pytest.raises(RuntimeError, match="entry 6 failed"):
        ahead.take(entries[6])
    ahead.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("unifiedinit-portable")]
    assert all(where[id(e)] == caller for e in small)  # a small tensor is not worth a hand-over
    assert all(where[id(e)] != caller for e in entries[:7] if e not in small)
    # a byte budget holds back what would not fit: one value at a time when every one is over it
    monkeypatch.setattr(Ahead, "BUDGET", 1)
    ahead = Ahead(compute, entries[:6], workers=2)
    for i, e in enumerate(entries[:6]):
        assert len(ahead.pending) <= 1
        assert np.all(ahead.take(e) == i)
    ahead.close()


@pytest.mark.skipif("torch" not in FRAMEWORKS, reason="torch is not installed")
@pytest.mark.parametrize("framework", [f for f in FRAMEWORKS if f != "torch"])
def test_a_failed_portable_draw_stops_the_loop_where_it_failed_and_leaves_no_worker(framework, monkeypatch):
    import threading

    from unifiedinit import reference
    from unifiedinit.apply import Ahead
    from unifiedinit.verify import zoo
    monkeypatch.setattr(Ahead, "SMALL", 1)
    monkeypatch.setattr(reference, "cores", lambda: 3)
    model = zoo.BUILD[framework]()
    original = ui.Plan.portable_values
    report = ui.inspect(model, ui.presets.torch)
    failing = [e.param.path for e in report.entries if e.spec is not None][3]

    def values(self, entry, seed, index=None, out=None, stream="chunks"):
        if entry.param.path == failing:
            raise RuntimeError(f"drawing {failing} failed")
        return original(self, entry, seed, index, out, stream)

    monkeypatch.setattr(ui.Plan, "portable_values", values)
    with warnings.catch_warnings(), pytest.raises(RuntimeError, match=f"drawing {failing} failed"):
        warnings.simplefilter("ignore")
        applied(ui.presets.torch, model, seed=11, portable=True)
    assert not [t for t in threading.enumerate() if t.name.startswith("unifiedinit-portable")]


# ------------------------------------------------------------------------------- the same outputs, four frameworks

def mlp_and_cnn_outputs(framework, x_mlp, x_img):
    """Output of an MLP 20 -> 64 -> relu -> 10 and a CNN conv(3 -> 8, 3x3) -> relu -> mean over space -> dense 10,
    initialized by one portable plan, in ``framework``; inputs come in torch's layout (NCHW)."""
    plan = ui.Plan().rule(ui.KaimingUniform(a=5 ** 0.5), role=("weight", "bias"))
    if framework == "torch":
        import torch
        from torch import nn
        mlp = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 10))
        cnn = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))
        for m in (mlp, cnn):
            plan.apply(m, seed=5, portable=True)
        with torch.no_grad():
            return mlp(torch.from_numpy(x_mlp)).numpy(), cnn(torch.from_numpy(x_img)).numpy()
    if framework == "keras":
        import keras
        from keras import layers
        mlp = keras.Sequential([keras.Input((20,)), layers.Dense(64, activation="relu"), layers.Dense(10)])
        cnn = keras.Sequential([keras.Input((10, 10, 3)), layers.Conv2D(8, 3, activation="relu"),
                                layers.GlobalAveragePooling2D(), layers.Dense(10)])
        for m in (mlp, cnn):
            plan.apply(m, seed=5, portable=True)
        to = keras.ops.convert_to_numpy
        return to(mlp(x_mlp)), to(cnn(np.transpose(x_img, (0, 2, 3, 1))))
    if framework == "mxnet":
        from unifiedinit.backends.mxnet import mx
        nn = mx.gluon.nn
        mlp = nn.Sequential()
        mlp.add(nn.Dense(64, activation="relu", in_units=20), nn.Dense(10, in_units=64))
        cnn = nn.Sequential()
        cnn.add(nn.Conv2D(8, 3, activation="relu", in_channels=3), nn.GlobalAvgPool2D(), nn.Flatten(),
                nn.Dense(10, in_units=8))
        for m in (mlp, cnn):
            m.initialize()
            plan.apply(m, seed=5, portable=True)
        return mlp(mx.nd.array(x_mlp)).asnumpy(), cnn(mx.nd.array(x_img)).asnumpy()
    import jax.numpy as jnp
    from flax import nnx

    # the same structure as the others: portable keys come from paths, a sequence's layers by position
    rngs = nnx.Rngs(0)
    mlp = nnx.Sequential(nnx.Linear(20, 64, rngs=rngs), nnx.relu, nnx.Linear(64, 10, rngs=rngs))
    cnn = nnx.Sequential(nnx.Conv(3, 8, (3, 3), padding="VALID", rngs=rngs), nnx.relu,
                         lambda x: x.mean(axis=(1, 2)), nnx.Linear(8, 10, rngs=rngs))
    for m in (mlp, cnn):
        plan.apply(m, seed=5, portable=True)
    return np.asarray(mlp(jnp.asarray(x_mlp))), np.asarray(cnn(jnp.asarray(np.transpose(x_img, (0, 2, 3, 1)))))


@pytest.mark.skipif("torch" not in FRAMEWORKS, reason="torch is not installed")
@pytest.mark.parametrize("framework", [f for f in FRAMEWORKS if f != "torch"])
def test_one_portable_plan_gives_the_same_outputs_in_every_framework(framework):
    rng = np.random.default_rng(0)
    x_mlp = rng.standard_normal((4, 20)).astype(np.float32)
    x_img = rng.standard_normal((4, 3, 10, 10)).astype(np.float32)
    want = mlp_and_cnn_outputs("torch", x_mlp, x_img)
    got = mlp_and_cnn_outputs(framework, x_mlp, x_img)
    for w, g in zip(want, got):
        assert np.abs(w).max() > 0.01  # not trivially zero
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)  # float32 rounding, summation order


def conv_transpose_outputs(framework, x, transpose_kernel=False):
    """A transposed convolution 3 -> 5 channels, kernel (3, 2), stride 2, the one layer of a sequence (key "0"),
    initialized by one portable plan in ``framework`` ("linen" and "nnx" for Flax's two APIs); ``x`` and the
    output in torch's layout (NCHW). Flax's ``transpose_kernel`` picks its kernel convention."""
    plan = ui.Plan().rule(ui.Normal(), role=("weight", "bias"))
    nhwc = np.transpose(x, (0, 2, 3, 1))
    if framework == "torch":
        import torch
        m = torch.nn.Sequential(torch.nn.ConvTranspose2d(3, 5, (3, 2), stride=2))
        plan.apply(m, seed=5, portable=True)
        with torch.no_grad():
            return m(torch.from_numpy(x)).numpy()
    if framework == "keras":
        import keras
        m = keras.Sequential([keras.Input(nhwc.shape[1:]), keras.layers.Conv2DTranspose(5, (3, 2), strides=2)])
        plan.apply(m, seed=5, portable=True)
        return np.transpose(np.asarray(keras.ops.convert_to_numpy(m(nhwc))), (0, 3, 1, 2))
    if framework == "mxnet":
        from unifiedinit.backends.mxnet import mx
        m = mx.gluon.nn.Sequential()
        m.add(mx.gluon.nn.Conv2DTranspose(5, (3, 2), strides=2, in_channels=3))
        m.initialize()
        plan.apply(m, seed=5, portable=True)
        return m(mx.nd.array(x)).asnumpy()
    import jax
    if framework == "equinox":
        import equinox as eqx
        m = eqx.nn.Sequential([eqx.nn.ConvTranspose2d(3, 5, (3, 2), stride=2, key=jax.random.key(0))])
        m, _ = plan.apply(m, seed=5, portable=True)
        return np.stack([np.asarray(m(xi)) for xi in x])
    if framework == "linen":
        import flax.linen as nn
        linen = nn.Sequential([nn.ConvTranspose(5, (3, 2), strides=(2, 2), padding="VALID",
                                                transpose_kernel=transpose_kernel)])
        variables, _ = plan.apply(linen, params=linen.init(jax.random.key(0), nhwc), inputs=(nhwc,), seed=5,
                                  portable=True)
        out = linen.apply(variables, nhwc)
        assert isinstance(out, jax.Array)
        return np.transpose(np.asarray(out), (0, 3, 1, 2))
    from flax import nnx
    m = nnx.Sequential(nnx.ConvTranspose(3, 5, (3, 2), strides=(2, 2), padding="VALID",
                                         transpose_kernel=transpose_kernel, rngs=nnx.Rngs(0)))
    plan.apply(m, seed=5, portable=True)
    return np.transpose(np.asarray(m(nhwc)), (0, 3, 1, 2))


CONV_TRANSPOSE = [(f, False) for f in ("keras", "mxnet", "equinox") if f in FRAMEWORKS] + \
                 [(f, k) for f in ("linen", "nnx") if "flax" in FRAMEWORKS for k in (False, True)]


@pytest.mark.skipif("torch" not in FRAMEWORKS, reason="torch is not installed")
@pytest.mark.parametrize("framework,transpose_kernel", CONV_TRANSPOSE)
def test_a_transposed_convolution_computes_the_same_function_in_every_framework(framework, transpose_kernel):
    # Flax (transpose_kernel=False) and Equinox slide the kernel that torch's ConvTranspose slides flipped: their
    # portable values are torch's reversed in space, so that the layer, not only its storage, is the same
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 7)).astype(np.float32)
    want = conv_transpose_outputs("torch", x)
    got = conv_transpose_outputs(framework, x, transpose_kernel)
    assert got.shape == want.shape == (2, 5, 13, 14) and np.abs(want).max() > 0.1
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)  # float32 rounding, summation order


def test_large_tensors_are_drawn_in_parallel_chunks_and_still_follow_the_law():
    from unifiedinit import reference
    from unifiedinit.verify import stats
    shape = (3, reference.CHUNK)  # three chunks, each its own stream
    x = ui.sample(ui.LecunNormal(), shape, seed=4, key="big", layout="torch")
    assert np.array_equal(x, ui.sample(ui.LecunNormal(), shape, seed=4, key="big", layout="torch"))
    assert not np.array_equal(x[0], x[1])  # chunks are independent streams, not copies
    assert stats.check(x, ui.LecunNormal())


# ------------------------------------------------------------------------- large tensors drawn into their memory

BIG = (3, (1 << 20) // 2 + 7)  # 1.5 M entries: two whole chunks of 2^20 and a partial third in torch's layout


def _chunk_by_chunk(spec, shape, dtype, seed, key):
    """The reference's definition written out: chunk i of the flat tensor (torch's layout) is ``draw_array`` of
    its own stream (key#i), through the samplers and NumPy's own normal."""
    from unifiedinit import reference
    from unifiedinit.layout import TensorInfo
    draw = spec.lower(TensorInfo.make(shape, "torch"))
    n, c = int(np.prod(shape)), reference.CHUNK
    parts = [reference.draw_array(draw, (min(c, n - s),), reference.generator(seed, f"{key}#{s // c}"), dtype)
             for s in range(0, n, c)]
    return np.concatenate(parts).reshape(shape)


@pytest.mark.parametrize("dtype", ["float32", "float16", pytest.param("bfloat16", marks=needs("ml_dtypes")),
                                   "float64"])
@pytest.mark.parametrize("spec", [ui.Normal(0.1, 0.02), ui.KaimingNormal(), ui.Affine(ui.Normal(0.0, 2.0), -0.5, 1.0),
                                  ui.Uniform(-0.3, 0.2), ui.TruncatedNormal(0.0, 0.02)], ids=repr)
def test_large_values_written_into_an_array_are_the_chunk_by_chunk_definition(spec, dtype):
    from unifiedinit.reference import numpy_dtype, portable
    want = _chunk_by_chunk(spec, BIG, dtype, 5, "w")
    dt = numpy_dtype(dtype)
    out = np.full(BIG, np.nan, dtype=dt)
    got = portable(spec, BIG, seed=5, key="w", dtype=dtype, out=out)
    assert got is out and np.array_equal(out.view(np.uint8), want.view(np.uint8))  # bit for bit, -0.0 included
    assert np.array_equal(portable(spec, BIG, seed=5, key="w", dtype=dtype).view(np.uint8), want.view(np.uint8))
    # one rank's blocks: a run of rows (whole and partial chunks) and a run of columns (not contiguous)
    for index in ((slice(1, 3), slice(None)), (slice(None), slice(1000, 300000))):
        block = want[index]
        out = np.empty(block.shape, dtype=dt)
        assert portable(spec, BIG, seed=5, key="w", dtype=dtype, index=index, out=out) is out
        assert np.array_equal(out.view(np.uint8), np.ascontiguousarray(block).view(np.uint8))
    # a layout that is not torch's: drawn in torch's, moved into out
    out = np.empty(BIG[::-1], dtype=dt)
    portable(spec, BIG[::-1], layout="keras", seed=5, key="w", dtype=dtype, out=out)
    assert np.array_equal(out, want.T)


@pytest.mark.parametrize("out,error,word", [
    (np.empty((3, 4), "float32"), TypeError, "NumPy array"),
    (np.empty((4, 3), "float32"), ValueError, "shape"),
    (np.empty((3, 4), "float64"), ValueError, "float32"),
    (np.empty((4, 3), "float32").T, ValueError, "not C-contiguous"),
])
def test_a_bad_out_is_refused_before_anything_is_written(out, error, word):
    from unifiedinit.reference import portable
    given = out.tolist() if error is TypeError else out
    before = np.array(out, copy=True)
    with pytest.raises(error, match=word):
        portable(ui.Normal(), (3, 4), seed=0, key="k", out=given)
    assert np.array_equal(out, before, equal_nan=True)
    read_only = np.zeros((3, 4), "float32")
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        portable(ui.Normal(), (3, 4), seed=0, key="k", out=read_only)


@pytest.mark.skipif("torch" not in FRAMEWORKS, reason="torch is not installed")
def test_torch_portable_values_go_straight_into_a_cpu_tensor_and_autograd_sees_the_write(monkeypatch):
    import torch

    from unifiedinit.backends.torch import hooks, init_
    from unifiedinit.reference import portable
    spec, p = ui.Normal(0.0, 0.02), ui.Portable(3, "big")
    want = portable(spec, BIG, seed=3, key="big")
    copies = []
    monkeypatch.setattr(hooks, "write_numpy", lambda t, v: copies.append(t) or t)
    w = torch.nn.Parameter(torch.zeros(BIG))
    loss = (w * w).sum()  # saves w for its backward
    version = w._version
    init_(w, spec, portable=p)
    assert not copies and w._version > version and np.array_equal(w.detach().numpy(), want)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()  # the graph saw the old values: refused, as after any in-place write
    # what cannot be viewed as one NumPy block goes through write_numpy: a transposed view, bfloat16
    monkeypatch.undo()
    t = torch.zeros(BIG[::-1]).T
    init_(t, spec, portable=p)
    assert np.array_equal(t.numpy(), want)
    b = init_(torch.zeros(BIG, dtype=torch.bfloat16), spec, portable=p)
    assert np.array_equal(b.float().numpy(), portable(spec, BIG, seed=3, key="big", dtype="bfloat16").astype("float32"))


@pytest.mark.skipif("torch" not in FRAMEWORKS, reason="torch is not installed")
def test_a_portable_torch_plan_draws_into_each_cpu_parameter(monkeypatch):
    import torch

    from unifiedinit.backends.torch import hooks
    model = torch.nn.Sequential(torch.nn.Linear(BIG[1], BIG[0]), torch.nn.Linear(BIG[0], 5))
    copies = []
    write = hooks.write_numpy
    monkeypatch.setattr(hooks, "write_numpy", lambda t, v: copies.append(t) or write(t, v))
    versions = [q._version for q in model.parameters()]
    report = ui.presets.torch.apply(model, seed=2, portable=True)
    assert not copies  # every float32 CPU parameter took its values in place
    assert all(q._version > v for q, v in zip(model.parameters(), versions))
    for e in report.entries:
        got = dict(model.named_parameters())[e.param.path.replace("/", ".")].detach().numpy()
        assert np.array_equal(got, ui.presets.torch.portable_values(e, 2))


@pytest.mark.skipif("torch" not in FRAMEWORKS, reason="torch is not installed")
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_portable_torch_writes_leave_the_storage_resizable(dtype):
    # the values go straight into the tensor's memory, but not through tensor.numpy(), which marks its storage not
    # resizable for good: FSDP frees a parameter's memory with storage.resize_(0) (FSDP2's free_unsharded_param,
    # FSDP1 leaving summon_full_params), which then raised "Trying to resize storage that is not resizable"
    import torch

    from unifiedinit.backends.torch import init_
    from unifiedinit.reference import portable
    spec, p, kind = ui.Normal(0.0, 0.02), ui.Portable(3, "k"), getattr(torch, dtype)
    model = torch.nn.Linear(6, 4).to(kind)
    report = ui.presets.torch.apply(model, seed=2, portable=True)  # the plan's writes (blocks)
    whole = torch.zeros(3, 4, 6, dtype=kind)
    written: list[tuple[torch.Tensor, Any]] = [(dict(model.named_parameters())[e.param.path],
                                                ui.presets.torch.portable_values(e, 2))
               for e in report.entries]
    written.append((init_(whole[1], spec, portable=p), portable(spec, (4, 6), seed=3, key="k", dtype=dtype)))
    assert init_(torch.empty(0, 6, dtype=kind), spec, portable=p).shape == (0, 6)  # no memory to view
    assert not whole[0].any() and not whole[2].any()  # a view's own rows only (its storage offset)
    for t, want in written:
        got = t.detach().clone()
        assert got.dtype == kind and np.array_equal(got.numpy(), want)
        t.untyped_storage().resize_(0)  # raised before


@pytest.mark.skipif("torch" not in FRAMEWORKS, reason="torch is not installed")
def test_portable_torch_writes_run_side_by_side_and_a_failure_is_raised_after_all_have_ended(monkeypatch):
    import threading

    import torch
    model = torch.nn.Sequential(*[torch.nn.Linear(64, 64) for _ in range(6)])
    plan = ui.presets.torch
    threads: set[int] = set()
    original = type(plan).portable_values

    def values(self, entry, seed, index=None, out=None, stream="chunks"):
        threads.add(threading.get_ident())
        if entry.param.path == "3/weight":
            raise RuntimeError("drawing 3/weight failed")
        return original(self, entry, seed, index, out, stream)

    monkeypatch.setattr(type(plan), "portable_values", values)
    with pytest.raises(RuntimeError, match="drawing 3/weight failed"):
        plan.apply(model, seed=1, portable=True)
    assert threading.get_ident() not in threads  # drawn in the pool, not in the caller's thread
    # the call's own workers have ended (another library's pool, left for the garbage collector, may still run)
    assert not (active := [t for t in threading.enumerate() if t.name.startswith("unifiedinit-writes")]), active
    # every other tensor was written before the error came out (nothing left running in the background)
    for name, q in model.named_parameters():
        if name != "3.weight":
            e = next(e for e in plan.resolve([p for p, _ in ui.backends.torch.walk(model)]).entries
                     if e.param.path == name.replace(".", "/"))
            assert np.array_equal(q.detach().numpy(), original(plan, e, 1)), name
    monkeypatch.undo()
    report = plan.apply(model, seed=1, portable=True)  # and in model order in the report, run after run
    assert list(report.placements) == [p.path for p in report.params]


def test_the_host_qr_gives_the_same_float64_bits_whatever_the_blas_thread_count():
    """A portable float64 Orthogonal is a LAPACK QR on the host, whose blocked algorithm rounds differently with the
    BLAS thread count (a (300, 300) Q changed between 1 and 2 OpenBLAS threads): it runs on one thread. Each
    count is set where BLAS reads it, in a fresh process."""
    import hashlib
    import os
    import subprocess
    import sys
    code = ("import hashlib, numpy as np, unifiedinit as ui\n"
            "p = ui.Portable(seed=0, key='w')\n"
            "for shape in [(300, 300), (512, 256)]:\n"
            "    for spec in (ui.Orthogonal(), ui.DeltaOrthogonal()):\n"
            "        s = shape + ((3, 3) if isinstance(spec, ui.DeltaOrthogonal) else ())\n"
            "        v = np.asarray(p.values(spec, s, ui.get_layout('torch'), 'float64', None))\n"
            "        print(hashlib.sha256(v.tobytes()).hexdigest())\n")
    outputs = []
    for threads in ("1", "2", "3"):
        env = dict(os.environ, OPENBLAS_NUM_THREADS=threads, MKL_NUM_THREADS=threads, OMP_NUM_THREADS=threads)
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
        assert run.returncode == 0, run.stderr
        outputs.append(run.stdout)
    assert outputs[0].count("\n") == 4 and outputs[0] == outputs[1] == outputs[2], outputs


def test_an_equinox_layer_at_two_leaves_is_two_copies_whatever_the_array_objects():
    """Equinox's own docs model (one ``eqx.nn.Linear`` at ``linear`` and ``submodel.linear``) is two layers that
    start equal and train apart: each is drawn on its own key, with the same values whether the two leaves are one
    array object or copies (``jax.tree.map(jnp.copy, ...)``, as ``filter_jit`` and serialization leave them). The
    walk tied them by the array object: one draw for both as built, two once copied. Only ``eqx.nn.Shared`` ties:
    one parameter, the head's weight being the embedding's. The expected values are ``ui.sample``'s, exactly."""
    pytest.importorskip("jax")
    pytest.importorskip("equinox")
    import equinox as eqx
    import jax
    import jax.numpy as jnp

    class Sub(eqx.Module):
        linear: eqx.nn.Linear

    class Model(eqx.Module):
        linear: eqx.nn.Linear
        submodel: Sub

        def __init__(self):
            linear = eqx.nn.Linear(4, 4, key=jax.random.key(0))
            self.linear = linear
            self.submodel = Sub(linear)

    model = Model()
    assert model.linear.weight is model.submodel.linear.weight
    plan = ui.Plan().rule(ui.Normal(0.0, 1.0), role="weight").rule(ui.Constant(0.5), role="bias")
    expected = {k: ui.sample(ui.Normal(0.0, 1.0), (4, 4), seed=3, key=k)
                for k in ("linear/weight", "submodel/linear/weight")}
    assert not np.array_equal(expected["linear/weight"], expected["submodel/linear/weight"])  # two keys, two draws
    for given in (model, jax.tree.map(jnp.copy, model)):
        new, report = applied(plan, given, seed=3, portable=True)
        assert sorted((p.path, p.aliases) for p in report.params) == [
            ("linear/bias", ()), ("linear/weight", ()), ("submodel/linear/bias", ()), ("submodel/linear/weight", ())]
        np.testing.assert_array_equal(np.asarray(new.linear.weight), expected["linear/weight"])
        np.testing.assert_array_equal(np.asarray(new.submodel.linear.weight), expected["submodel/linear/weight"])
        # param_groups decides each leaf where it sits: a path names one copy, not the other
        mask = ui.param_groups(given, [ui.Select(path="submodel/linear/weight"), ui.Select(role=("bias",))])
        assert (mask.linear.weight, mask.submodel.linear.weight, mask.linear.bias) == (True, False, False)

    def tied(key):
        k1, k2 = jax.random.split(key)
        emb, head = eqx.nn.Embedding(10, 4, key=k1), eqx.nn.Linear(4, 10, key=k2)
        return eqx.nn.Shared((emb, head), lambda p: p[1].weight, lambda p: p[0].weight)

    shared = ui.Plan().rule(ui.Normal(0.0, 1.0), role="embedding").rule(ui.Constant(0.5), role="bias")
    def copied(tree):  # its arrays copied (a Shared's placeholder is a leaf, no array)
        return jax.tree.map(lambda x: jnp.copy(x) if eqx.is_array(x) else x, tree)

    for given in (tied(jax.random.key(0)), copied(tied(jax.random.key(0)))):
        new, report = applied(shared, given, seed=3, portable=True)
        assert sorted((p.path, p.key) for p in report.params) == [("pytree/0/weight", "pytree/0/embedding"),
                                                                  ("pytree/1/bias", "pytree/1/bias")]
        emb, head = new()
        want = ui.sample(ui.Normal(0.0, 1.0), (10, 4), layout="torch_embedding", seed=3, key="pytree/0/embedding")
        np.testing.assert_array_equal(np.asarray(emb.weight), want)
        np.testing.assert_array_equal(np.asarray(head.weight), want)


# ------------------------------------------------------------------------------- FromArray in portable mode

#: framework -> the rule layout that makes its dense weight's own layout differ from torch's (Keras and Flax store
#: (in, out) already; torch, MXNet and Equinox store (out, in), so a rule with layout="keras" reads it as Keras's)
OWN_LAYOUT = {"torch": "keras", "mxnet": "keras", "equinox": "keras", "flax": None, "keras": None}


def _two_dense(framework):
    """A 4 -> 4 -> 6 stack of two dense layers in ``framework`` (NNX for Flax), and the paths and shapes (as
    stored) of its two weights."""
    if framework == "torch":
        import torch
        model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Linear(4, 6))
    elif framework == "flax":
        from flax import nnx
        rngs = nnx.Rngs(0)
        model = nnx.Sequential(nnx.Linear(4, 4, rngs=rngs), nnx.Linear(4, 6, rngs=rngs))
    elif framework == "keras":
        import keras
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4), keras.layers.Dense(6)])
    elif framework == "mxnet":
        from unifiedinit.backends.mxnet import mx
        model = mx.gluon.nn.Sequential()
        model.add(mx.gluon.nn.Dense(4, in_units=4), mx.gluon.nn.Dense(6, in_units=4))
        model.initialize()
    else:
        import equinox as eqx
        import jax
        k1, k2 = jax.random.split(jax.random.key(0))
        model = eqx.nn.Sequential([eqx.nn.Linear(4, 4, key=k1), eqx.nn.Linear(4, 6, key=k2)])
    weights = [(p.path, p.shape) for p in ui.inspect(model).params if p.role == "weight"]
    assert len(weights) == 2 and weights[0][1] == (4, 4) and sorted(weights[1][1]) == [4, 6]
    return model, weights


def _stored(framework, model):
    """Every parameter's values as stored, by path (copies)."""
    from unifiedinit.apply import records
    from unifiedinit.backends import get_backend
    return {p.path: np.array(get_backend(framework).read(h)).reshape(p.shape) for p, h in records(model)[1]}


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_fromarray_without_a_layout_writes_the_values_as_given_in_portable_mode(framework):
    """FromArray(values) with layout=None holds the tensor's own values (its layout: the rule's, else the
    tensor's): portable mode writes them as given, as native mode does, in either stream; never read in torch's
    layout and transposed (a square kernel), nor refused half-way through the model (a non-square one)."""
    for portable, ruled in itertools.product((False, True, "counter"), (1, 2)):  # the square kernel, then both
        model, weights = _two_dense(framework)  # (Keras names each new model's layers anew)
        given = [(np.arange(math.prod(shape), dtype=np.float64).reshape(shape) - 7) / 8 for _, shape in weights]
        assert not np.array_equal(given[0], given[0].T)  # a square kernel: its transpose would differ
        plan = ui.Plan().rule(ui.Constant(0.25), role=("weight", "bias"))
        for (path, _), values in zip(weights[:ruled], given):
            plan = plan.rule(ui.FromArray(values), path=path, layout=OWN_LAYOUT[framework])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model, _ = applied(plan, model, seed=3, portable=portable)
        got = _stored(framework, model)
        for (path, _), values in zip(weights[:ruled], given):
            np.testing.assert_array_equal(got[path], values, err_msg=f"{framework} {path} portable={portable}")


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_constant_array_is_broadcast_along_the_stored_axes_in_portable_mode_too(framework):
    """Constant(array) is broadcast along the tensor's own axes: portable mode wrote it in torch's layout and moved
    it, so a Flax or Keras square kernel got the transpose of what native mode writes, and a row the stored last
    axis takes was refused as not broadcasting to torch's shape."""
    results = []
    for portable in (False, True, "counter"):
        model, weights = _two_dense(framework)
        (first, shape), (second, other) = weights[0], weights[1]
        plan = (ui.Plan().rule(ui.Constant(0.25), role=("weight", "bias"))
                .rule(ui.Constant([[1.0 + i] for i in range(shape[0])]), path=first)       # one value per row
                .rule(ui.Constant([0.5 * j for j in range(other[-1])]), path=second))     # one per column
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model, _ = applied(plan, model, seed=3, portable=portable)
        got = _stored(framework, model)
        np.testing.assert_array_equal(got[first], np.broadcast_to(np.arange(1.0, shape[0] + 1)[:, None], shape))
        np.testing.assert_array_equal(got[second], np.broadcast_to(0.5 * np.arange(other[-1]), other))
        results.append(got)
    for got in results[1:]:  # (Keras names each new model's layers anew: compared in the walk's order)
        assert len(got) == len(results[0])
        for values, native in zip(got.values(), results[0].values()):
            np.testing.assert_array_equal(values, native, err_msg=framework)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_fromarray_in_torchs_layout_gives_the_same_model_in_every_framework(framework):
    """FromArray(values, layout="torch") of torch-layout arrays: every framework's weights are those arrays moved to
    its layout (a Flax or Keras kernel their transpose), natively and in portable mode alike."""
    from unifiedinit.layout import move
    torch_values = [(np.arange(16.0).reshape(4, 4) - 7) / 8, (np.arange(24.0).reshape(6, 4) - 11) / 8]
    for portable in (False, True, "counter"):
        model, weights = _two_dense(framework)
        layouts = {p.path: p.layout for p in ui.inspect(model).params}
        plan = ui.Plan().rule(ui.Constant(0.25), role="bias")
        for (path, _), values in zip(weights, torch_values):
            plan = plan.rule(ui.FromArray(values, layout="torch"), path=path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model, _ = applied(plan, model, seed=3, portable=portable)
        got = _stored(framework, model)
        for (path, _), values in zip(weights, torch_values):
            np.testing.assert_array_equal(got[path], move(values, "torch", layouts[path]),
                                          err_msg=f"{framework} {path} portable={portable}")


class _NotInTorchLayout(ui.Spec):
    """A spec of a user's own that lowers in any layout but torch's, as a stored-layout check cannot see: portable
    values are drawn in torch's layout (``reference.drawn_in``) before they are moved."""

    def lower(self, info):
        if info.layout.name == "torch":
            raise ValueError("_NotInTorchLayout: refuses torch's layout")
        return ui.Constant(0.5).lower(info)


@pytest.mark.parametrize("framework", [f for f in FRAMEWORKS if f in ("torch", "flax", "keras")] +
                         (["torch-meta"] if "torch" in FRAMEWORKS else []))
@pytest.mark.parametrize("stream", [True, "counter"])
def test_a_spec_that_cannot_be_drawn_in_torchs_layout_is_refused_before_anything_is_written(framework, stream):
    """Each portable entry is lowered in the layout it is drawn in before the first write: a failure is refused
    like any plan rule's, naming the rule and the parameter, with every parameter as it was (a model built on meta
    stays on meta), not when the loop reaches it, after the first layer was rewritten."""
    meta = framework == "torch-meta"
    framework = "torch" if meta else framework
    model, weights = _two_dense(framework)
    on_meta = None
    if meta:  # the same model built on meta: written only once every check has passed
        import torch
        from unifiedinit.backends.torch import empty_init
        with empty_init():
            on_meta = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Linear(4, 6))
    path = weights[1][0]
    plan = ui.Plan().rule(ui.Normal(0.0, 1.0), role=("weight", "bias")).rule(
        _NotInTorchLayout(), path=path, layout=OWN_LAYOUT[framework])
    rule = len(plan.rules) - 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        applied(plan, model, seed=0)  # natively: accepted (drawn in the stored layout)
        before = _stored(framework, model)
        refused = rf"^plan rule {rule} \(.*_NotInTorchLayout.*\) cannot initialize '{re.escape(path)}' "
        with pytest.raises(ValueError, match=refused + r".*drawn in layout 'torch'.*refuses torch's layout"):
            plan.apply(model, seed=1, portable=stream)
        with pytest.raises(ValueError, match=refused):
            ui.inspect(model, plan, seed=1, portable=stream)
        if on_meta is not None:
            with pytest.raises(ValueError, match=refused):
                plan.apply(on_meta, seed=1, portable=stream, device="cpu")
            assert {str(p.device) for p in on_meta.parameters()} == {"meta"}
    after = _stored(framework, model)
    assert before.keys() == after.keys()
    for k in before:
        assert before[k].tobytes() == after[k].tobytes(), k


@pytest.mark.parametrize("stream", ["chunks", "counter"])
@pytest.mark.parametrize("layout", ["flax", "keras"])
def test_a_composite_holding_given_values_is_drawn_as_stored(layout, stream):
    """``Blocks`` or ``Rows`` holding a FromArray with layout=None (or S4DReal) follows the storage order as that
    part does: the portable values are the stored layout's, as ``ui.sample`` gives them, never read in torch's."""
    from unifiedinit.reference import portable
    given = (np.arange(24.0).reshape(4, 6) - 11) / 8  # (in, out) as stored: blocks along the output axis
    specs = [ui.Blocks([ui.FromArray(given[:, :3]), ui.FromArray(given[:, 3:])]),
             ui.Rows(ui.FromArray(given), ui.Constant(2.0), index=1), ui.Blocks([ui.S4DReal(), ui.Zeros()])]
    assert all(s.storage_order for s in specs) and not ui.Blocks([ui.Zeros()]).storage_order
    for spec in specs:
        got = portable(spec, (4, 6), layout=layout, seed=2, key="w", stream=stream)
        np.testing.assert_array_equal(got, ui.sample(spec, (4, 6), layout=layout, seed=2, key="w"), err_msg=repr(spec))
    np.testing.assert_array_equal(ui.sample(specs[0], (4, 6), layout=layout), given)


@pytest.mark.parametrize("stream", ["chunks", "counter"])
def test_a_key_holding_a_lone_surrogate_is_refused_when_the_portable_is_made(stream):
    """A str may hold an unpaired surrogate, which UTF-8 cannot encode: the key was taken, and the draw (or, for the
    counter stream, the hook's making) failed later with Python's bare UnicodeEncodeError naming no parameter."""
    with pytest.raises(ValueError, match=r"Portable: parameter 'key' must be text that UTF-8 encodes .* lone "
                                         r"surrogate '\\ud800' at position 4"):
        ui.Portable(0, "enc/\ud800/weight", stream=stream)
    assert ui.Portable(0, "enc/\U0001f600/weight", stream=stream).key == "enc/\U0001f600/weight"  # a paired one


@pytest.mark.parametrize("stream", ["chunks", "counter"])
def test_a_portable_comes_back_from_its_dict(stream):
    """``Portable(**p.to_dict()) == p`` in either stream (the dict is what a saved initializer's config holds)."""
    p = ui.Portable(3, "0/weight/0", stream=stream)
    assert ui.Portable(**p.to_dict()) == p


@needs("keras")
@pytest.mark.parametrize("stream", ["chunks", "counter"])
def test_a_keras_initializer_rebuilt_from_its_config_keeps_its_portable_stream(stream):
    """A Keras SpecInitializer rebuilt by ``from_config(get_config())`` draws the saved one's values, which are
    the Portable's own; the other stream's values differ (checked, so a stream dropped from the config fails)."""
    import keras
    from unifiedinit.backends import keras as K
    p, spec = ui.Portable(3, "0/weight/0", stream=stream), ui.Normal(std=0.02)
    init = spec.to_keras(portable=p, layout="keras")
    again = K.SpecInitializer.from_config(init.get_config())
    drawn, redrawn = (np.asarray(keras.ops.convert_to_numpy(i((4, 3)))) for i in (init, again))
    np.testing.assert_array_equal(redrawn, drawn)
    np.testing.assert_array_equal(drawn, p.values(spec, (4, 3), "keras"))
    other = ui.Portable(3, "0/weight/0", stream="counter" if stream == "chunks" else "chunks")
    assert not np.array_equal(drawn, other.values(spec, (4, 3), "keras"))


def test_the_key_functions_refuse_a_lone_surrogate_by_name():
    from unifiedinit.counter import counter_key
    from unifiedinit.reference import philox_key
    for make in (counter_key, philox_key):
        with pytest.raises(ValueError, match="parameter 'key' must be text that UTF-8 encodes"):
            make(0, "\udfff")
    with pytest.raises(ValueError, match="parameter 'key' must be text that UTF-8 encodes"):
        ui.sample(ui.Normal(), (2, 2), key="w\ud800")


@pytest.mark.parametrize("stream", ["chunks", "counter"])
@pytest.mark.parametrize("shape,fans,other", [((30,), (20, 30), (80, 30)), ((24, 30), (100, 24), (400, 24))])
def test_portable_values_read_the_layer_fans_they_are_given(shape, fans, other, stream):
    """``Portable.values(..., layer_fans=)`` draws with those fans, not the tensor's own (a bias has none; a weight
    read with another layer's fans): the reference's values with the same fans, exactly, and a fan_in four times
    as large halves the bound, so every float64 value is exactly half (the same uniforms, scaled by 2**-1)."""
    from unifiedinit.reference import portable
    spec, p = ui.KaimingUniform(a=5 ** 0.5), ui.Portable(seed=3, key="fc/bias", stream=stream)
    got = p.values(spec, shape, "torch", layer_fans=fans)
    want = portable(spec, shape, layout="torch", seed=3, key="fc/bias", layer_fans=fans, stream=stream)
    np.testing.assert_array_equal(got, want)
    wide, narrow = (p.values(spec, shape, "torch", "float64", layer_fans=f) for f in (other, fans))
    assert np.abs(narrow).max() < 1 / math.sqrt(fans[0])
    np.testing.assert_array_equal(2 * wide, narrow)
    if len(shape) == 2:  # the weight's own fans (30, 24) give other values
        assert not np.array_equal(p.values(spec, shape, "torch", "float64"), narrow)


@pytest.mark.parametrize("stream", ["chunks", "counter"])
@pytest.mark.parametrize("block", [((0, 1), (0, 4), (0, 2), (0, 5)), ((1, 3), (2, 4), (0, 2), (1, 4)),
                                   ((2, 3), (0, 1), (1, 2), (0, 5))], ids=str)
def test_a_block_of_a_flipped_layout_cut_along_a_kernel_axis_is_the_whole_tensors_block(block, stream):
    """Pins ``reference.drawn_block``'s mirroring: a Flax ConvTranspose kernel (kh, kw, in, out) is drawn in torch's
    layout with its kernel axes reversed, so a block cut along a kernel axis is the mirrored block of the drawn
    array; unmirrored, ``index=`` gave another block's values (the whole tensor's own block is the reference)."""
    from unifiedinit.reference import portable
    shape, spec = (3, 4, 2, 5), ui.Normal()
    whole = portable(spec, shape, layout="flax_conv_transpose", seed=0, key="w", stream=stream)
    part = portable(spec, shape, layout="flax_conv_transpose", seed=0, key="w", stream=stream, index=block)
    np.testing.assert_array_equal(part, whole[tuple(slice(a, b) for a, b in block)])


@pytest.mark.parametrize("stream", ["chunks", "counter"])
def test_a_portables_dict_names_its_stream_only_when_it_is_not_the_default(stream):
    """Pins ``Portable.to_dict``: ``{"seed", "key"}`` alone for the default stream (a saved initializer's config
    stays what it was before streams existed), ``"stream"`` added for another; either reads back as the same."""
    p = ui.Portable(0, "k", stream=stream)
    default = ui.Portable(0, "k").stream
    assert p.to_dict() == {"seed": 0, "key": "k", **({} if stream == default else {"stream": stream})}
    assert ui.Portable(**p.to_dict()) == p




@pytest.mark.parametrize("stream", ["chunks", "counter"])
def test_grouped_equinox_conv_transpose_portable_is_torchs_function(stream):
    # portable values on Equinox's grouped ConvTranspose2d (out, in/g, k, k) are torch's ConvTranspose2d(groups=g)
    # weight (in, out/g, k, k) moved group by group and flipped: bit-equal after that move, the same outputs
    torch = pytest.importorskip("torch")
    jax = pytest.importorskip("jax")
    eqx = pytest.importorskip("equinox")
    t = torch.nn.ConvTranspose2d(4, 6, 3, groups=2)
    m = eqx.nn.ConvTranspose2d(4, 6, 3, groups=2, key=jax.random.key(0))
    plan = ui.Plan().rule(ui.KaimingUniform(), kind="conv_transpose", role="weight") \
        .rule(ui.Normal(0.0, 1.0), kind="conv_transpose", role="bias")
    plan.apply(t, seed=0, portable=stream)
    new, report = plan.apply(m, seed=0, portable=stream)
    w = t.weight.detach().numpy()
    want = np.concatenate([w[2 * j:2 * j + 2].transpose(1, 0, 2, 3)[:, :, ::-1, ::-1] for j in range(2)])
    np.testing.assert_array_equal(np.asarray(new.weight), want)
    x = np.random.default_rng(0).normal(size=(1, 4, 5, 5)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(new(jax.numpy.asarray(x[0]))), t(torch.tensor(x)).detach().numpy()[0],
                               rtol=1e-5, atol=1e-5)


def test_grouped_equinox_conv_transpose_portable_block_is_whole_cut():
    # a block of a grouped Equinox ConvTranspose weight (a shard) holds the whole tensor's values there
    from unifiedinit.reference import portable
    pytest.importorskip("equinox")
    layout = ui.Layout("test_eqx_convt_g2", (0,), (1,), framework="equinox", canonical="torch_conv_transpose",
                       flip=True, groups=2)
    whole = portable(ui.Normal(0.0, 1.0), (6, 2, 3, 3), layout=layout, seed=0, key="w")
    block = (slice(2, 5), slice(0, 2), slice(0, 3), slice(1, 3))
    part = portable(ui.Normal(0.0, 1.0), (6, 2, 3, 3), layout=layout, seed=0, key="w", index=block)
    np.testing.assert_array_equal(part, whole[block])
    torch_w = portable(ui.Normal(0.0, 1.0), (4, 3, 3, 3), layout="torch_conv_transpose", seed=0, key="w")
    np.testing.assert_array_equal(ui.layout.move(whole, layout, "torch_conv_transpose"), torch_w)
