"""Plans on sharded and abstract JAX trees, on 8 host CPU devices (in a subprocess: XLA's device count is fixed
when JAX starts). Abstract trees (``jax.eval_shape``, ``nnx.eval_shape``) come back as arrays with exactly the
shardings their leaves name; portable values equal the unsharded model's bit for bit; each device holds only its
shard."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import warnings
from typing import Any

import pytest

pytest.importorskip("flax")

SCRIPT = textwrap.dedent("""
    import os, warnings
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=8"
    import jax, jax.numpy as jnp, numpy as np
    from flax import linen as nn, nnx
    from jax.sharding import NamedSharding, PartitionSpec as P
    import unifiedinit as ui
    assert len(jax.devices()) == 8
    mesh = jax.make_mesh((4, 2), ("data", "model"))

    def on_mesh(how, apply, *args, **kw):  # apply(*args, **kw) with the mesh given as mesh= or by jax.set_mesh
        if how == "mesh=":
            return apply(*args, mesh=mesh, **kw)
        with jax.set_mesh(mesh):
            return apply(*args, **kw)

    def same(a, b):
        la, lb = jax.tree.leaves(nn.meta.unbox(a)), jax.tree.leaves(nn.meta.unbox(b))
        return len(la) == len(lb) and all(x.shape == y.shape and bool(jnp.array_equal(x, y)) for x, y in zip(la, lb))

    # --- linen: jax.eval_shape of an init whose kernels are boxed with nn.with_partitioning
    class Mlp(nn.Module):
        @nn.compact
        def __call__(self, x):
            part = lambda names: nn.with_partitioning(nn.initializers.lecun_normal(), names)
            x = nn.Dense(2048, kernel_init=part(("data", "model")))(x)  # 2 M entries: two portable chunks
            x = nn.LayerNorm()(x)
            return nn.Dense(24, kernel_init=part(("model", None)))(x)
    model, x = Mlp(), jnp.ones((2, 1024))
    abstract = jax.eval_shape(model.init, jax.random.key(0), x)
    for portable in (True, "counter", False):
        for how in ("mesh=", "jax.set_mesh"):
            out, report = on_mesh(how, ui.presets.flax.apply, abstract, seed=3, portable=portable)
            kernel = out["params"]["Dense_0"]["kernel"]
            assert isinstance(kernel, nn.Partitioned) and kernel.names == ("data", "model")
            # under jax.set_mesh an unboxed leaf is replicated on the mesh, as Flax's own init and nnx.eval_shape
            # give it; with mesh= alone it stays on one device (the mesh places what the boxes name)
            if how == "jax.set_mesh":
                assert out["params"]["Dense_0"]["bias"].sharding == NamedSharding(mesh, P()), (portable, how)
            assert kernel.value.sharding == NamedSharding(mesh, P("data", "model")), kernel.value.sharding
            assert all(s.data.shape == (256, 1024) for s in kernel.value.addressable_shards)
            assert out["params"]["Dense_1"]["kernel"].value.sharding.spec == P("model", None)
            where = report.placements["Dense_0/kernel"]
            assert where["local_shape"] == [256, 1024] and where["global_shape"] == [1024, 2048]
            assert where["invariant"] is True  # the unsharded values, in every mode (checked just below)
            ref, _ = ui.presets.flax.apply(model.init(jax.random.key(0), x), seed=3, portable=portable)
            assert same(out, ref), (portable, how)
            # portable values are the torch model's too (the same plan and seed)
    # --- plain jax.ShapeDtypeStruct leaves with shardings, and a mesh that does not fit
    sharding = NamedSharding(mesh, P(None, "model"))
    tree = {"params": {"Dense_0": {"kernel": jax.ShapeDtypeStruct((1024, 2048), jnp.float32, sharding=sharding),
                                   "bias": jax.ShapeDtypeStruct((2048,), jnp.float32)}}}
    out, _ = ui.presets.flax.apply(tree, seed=1, portable=True)
    assert out["params"]["Dense_0"]["kernel"].sharding == sharding
    ref = {"params": {"Dense_0": {"kernel": jnp.zeros((1024, 2048)), "bias": jnp.zeros((2048,))}}}
    assert same(out, ui.presets.flax.apply(ref, seed=1, portable=True)[0])
    # the jitted native draw makes each shard on its own device: no device holds the whole kernel
    out, _ = ui.presets.flax.apply(tree, seed=1)
    assert all(s.data.shape == (1024, 1024) for s in out["params"]["Dense_0"]["kernel"].addressable_shards)
    # the counter stream too, and its one jitted function computes each shard where it lives: no collective
    out, _ = ui.presets.flax.apply(tree, seed=1, portable="counter")
    assert same(out, ui.presets.flax.apply(ref, seed=1, portable="counter")[0])
    from unifiedinit.backends.flax.ops import _counter_fn, x64
    with x64():
        fn = _counter_fn((ui.LecunNormal(), "flax", (1024, 2048), "float32", None, None, None), sharding)
        hlo = fn.lower((jnp.uint32(1), jnp.uint32(2)), jnp.uint64(0)).compile().as_text()
    assert not any(c in hlo for c in ("all-gather", "all-to-all", "all-reduce", "collective-permute")), hlo[:2000]
    assert "f32[1024,1024]" in hlo  # the shard's shape: each device computes 1024 x 1024 entries
    # an array on one device that is not the default stays there, concrete or abstract, in every mode (a leaf the
    # preset sets: one it keeps stays put anyway), and the report says so
    third = jax.devices()[3]
    on_third = jax.sharding.SingleDeviceSharding(third)
    for leaf in (jax.device_put(jnp.zeros((64, 32)), third), jax.ShapeDtypeStruct((64, 32), jnp.float32,
                                                                                  sharding=on_third)):
        for portable in (True, "counter", False):
            out, report = ui.presets.flax.apply({"params": {"Dense_0": {"kernel": leaf}}}, seed=1, portable=portable)
            assert out["params"]["Dense_0"]["kernel"].devices() == {third}, (leaf, portable)
            assert report.placements["Dense_0/kernel"]["device"] == str(third), report.placements
            want = ui.presets.flax.apply({"params": {"Dense_0": {"kernel": jnp.zeros((64, 32))}}}, seed=1,
                                         portable=portable)[0]
            assert np.array_equal(np.asarray(out["params"]["Dense_0"]["kernel"]),
                                  np.asarray(want["params"]["Dense_0"]["kernel"])), portable
    # a draw that needs the whole tensor (orthogonal) is computed whole once and laid out: the unsharded values,
    # native too, and the report says so (before: XLA partitioned the QR, 8 s for a (1024, 1024) kernel)
    ortho = ui.Plan().rule(ui.Orthogonal())
    spread_o = NamedSharding(mesh, P("data", "model"))
    tree_o = {"params": {"Dense_0": {"kernel": jax.ShapeDtypeStruct((64, 32), jnp.float32, sharding=spread_o)}}}
    for portable in (False, True):
        out, report = ortho.apply(tree_o, seed=2, portable=portable)
        ref, _ = ortho.apply({"params": {"Dense_0": {"kernel": jnp.zeros((64, 32))}}}, seed=2, portable=portable)
        got = out["params"]["Dense_0"]["kernel"]
        assert got.sharding == spread_o and bool(jnp.array_equal(got, ref["params"]["Dense_0"]["kernel"])), portable
        assert report.placements["Dense_0/kernel"]["computed"] == "whole", report.placements
    # nn.with_logical_partitioning: the logical names mapped by nn.logical_axis_rules, as Flax maps them
    rules = (("embed", "data"), ("mlp", "model"))
    dense = nn.Dense(64, kernel_init=nn.with_logical_partitioning(nn.initializers.lecun_normal(), ("embed", "mlp")))
    with nn.logical_axis_rules(rules):
        logical = jax.eval_shape(dense.init, jax.random.key(0), jnp.ones((8, 32)))
    for portable in (True, "counter", False):
        with jax.set_mesh(mesh), nn.logical_axis_rules(rules):
            out, _ = ui.presets.flax.apply(logical, seed=0, portable=portable)
        assert out["params"]["kernel"].value.sharding == NamedSharding(mesh, P("data", "model")), portable
    # a box that names mesh axes with no mesh anywhere, or an axis the mesh lacks, is named with its parameter
    # (before: one came back on one device without a word, the other was JAX's error naming no parameter)
    named = {"params": {"Dense_0": {"kernel": nn.Partitioned(jax.ShapeDtypeStruct((64, 32), jnp.float32),
                                                             names=("data", "model"))}}}
    lacking = {"params": {"Dense_0": {"kernel": nn.Partitioned(jax.ShapeDtypeStruct((64, 32), jnp.float32),
                                                               names=("data", "tensor"))}}}
    twice = {"params": {"Dense_0": {"kernel": nn.Partitioned(jax.ShapeDtypeStruct((64, 32), jnp.float32),
                                                             names=("data", "data"))}}}  # JAX's DuplicateSpecError
    for tree, extra, words in ((named, {}, "no mesh is given"), (lacking, {"mesh": mesh}, "tensor"),
                               (twice, {"mesh": mesh}, "names the mesh axis 'data' more than once")):
        try:
            ui.presets.flax.apply(tree, seed=0, **extra)
        except ValueError as e:
            assert "'Dense_0/kernel'" in str(e) and words in str(e), e
        else:
            raise AssertionError(f"{words}: accepted")

    # --- NNX: nnx.eval_shape under jax.set_mesh with nnx.with_partitioning
    class Net(nnx.Module):
        def __init__(self, rngs):
            init = nnx.with_partitioning(nnx.initializers.lecun_normal(), ("data", "model"))
            self.a = nnx.Linear(1024, 2048, kernel_init=init, rngs=rngs)
            self.norm = nnx.LayerNorm(2048, rngs=rngs)
            self.b = nnx.Linear(2048, 10, rngs=rngs)
    with jax.set_mesh(mesh):
        for portable in (True, "counter", False):
            net = nnx.eval_shape(lambda: Net(nnx.Rngs(0)))
            ui.presets.flax.apply(net, seed=5, portable=portable)
            kernel = net.a.kernel.get_value()
            assert isinstance(kernel, jax.Array) and kernel.sharding.spec == P("data", "model")
            assert all(s.data.shape == (256, 1024) for s in kernel.addressable_shards)
            ref = Net(nnx.Rngs(0))
            ui.presets.flax.apply(ref, seed=5, portable=portable)
            assert same(nnx.state(net), nnx.state(ref)), portable
    # an abstract mesh with no concrete mesh to put it on is said clearly
    with jax.set_mesh(mesh):
        net = nnx.eval_shape(lambda: Net(nnx.Rngs(0)))
    try:
        ui.presets.flax.apply(net, seed=5)
    except ValueError as e:
        assert "abstract mesh" in str(e) and "jax.set_mesh" in str(e), e
    else:
        raise AssertionError("an abstract mesh outside jax.set_mesh was accepted")
    assert all(isinstance(v, jax.ShapeDtypeStruct) for v in jax.tree.leaves(nnx.state(net)))  # nothing written

    # a sharding that cannot lay out its leaf (37 rows on 4 devices: JAX needs an even split) is refused before
    # any draw, naming the parameter, whether the leaf carries it or a box names it on the mesh passed in
    uneven = {"params": {"Dense_0": {"kernel": jax.ShapeDtypeStruct((64, 32), jnp.float32),
                                     "bias": jax.ShapeDtypeStruct((32,), jnp.float32)},
                         "Dense_1": {"kernel": jax.ShapeDtypeStruct(
                             (37, 64), jnp.float32, sharding=NamedSharding(mesh, P("data", None)))}}}
    boxed = {"params": {"Dense_0": {"kernel": nn.Partitioned(jax.ShapeDtypeStruct((64, 37), jnp.float32),
                                                             names=(None, "model"))}}}
    # a spec naming more axes than the leaf has (JAX's shard_shape reads only as many as the shape has)
    longer = {"params": {"Dense_0": {"kernel": nn.Partitioned(jax.ShapeDtypeStruct((64, 32), jnp.float32),
                                                              names=("data", "model", None))}}}
    for tree, path, extra in ((uneven, "Dense_1/kernel", {}), (boxed, "Dense_0/kernel", {"mesh": mesh}),
                              (longer, "Dense_0/kernel", {"mesh": mesh})):
        for portable in (True, "counter", False):
            try:
                ui.presets.flax.apply(tree, seed=0, portable=portable, **extra)
            except ValueError as e:
                assert repr(path) in str(e) and "cannot be laid out" in str(e) and "mesh" in str(e), e
            else:
                raise AssertionError(f"an indivisible sharding of {path} was accepted")

    # in NNX, where a failed call could leave a module half-written: refused before any variable is set
    class Two(nnx.Module):
        def __init__(self, rngs):
            self.a = nnx.Linear(32, 32, rngs=rngs)
            self.b = nnx.Linear(32, 32, rngs=rngs)
    net = nnx.eval_shape(lambda: Two(nnx.Rngs(0)))
    net.b.kernel.set_metadata("out_sharding", ("data", "model", None))  # resolved on mesh=
    for portable in (True, "counter", False):
        try:
            ui.presets.flax.apply(net, seed=0, portable=portable, mesh=mesh)
        except ValueError as e:
            assert "'b/kernel'" in str(e) and "more than the parameter's 2" in str(e), e
        else:
            raise AssertionError("a spec longer than its kernel was accepted")
        assert all(isinstance(v, jax.ShapeDtypeStruct) for v in jax.tree.leaves(nnx.state(net)))
    # an abstract model's leaves that hold no floats (an RNG stream's key and count, an integer statistic) are
    # named in a warning and in report.unset_buffers, never returned abstract silently
    class Dropping(nnx.Module):
        def __init__(self, rngs):
            self.lin = nnx.Linear(16, 16, rngs=rngs)
            self.drop = nnx.Dropout(0.1, rngs=rngs)
    net = nnx.eval_shape(lambda: Dropping(nnx.Rngs(0)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = ui.presets.flax.apply(net, seed=0)
    assert report.unset_buffers == ("drop/rngs/count", "drop/rngs/key"), report.unset_buffers
    assert any("drop/rngs/count" in str(w.message) for w in caught), [str(w.message) for w in caught]

    # --- Equinox: an abstract module (eqx.filter_eval_shape) whose leaves name shardings comes back with arrays on
    # those shardings, each device holding its shard, and the unsharded concrete module's values
    import equinox as eqx
    abstract = eqx.filter_eval_shape(eqx.nn.MLP, 4, 3, 8, 2, key=jax.random.key(0))
    spread = lambda s: jax.ShapeDtypeStruct(s.shape, s.dtype, sharding=NamedSharding(
        mesh, P(None, "data") if len(s.shape) == 2 else P()))
    abstract = jax.tree.map(lambda s: spread(s) if isinstance(s, jax.ShapeDtypeStruct) else s, abstract)
    concrete = eqx.nn.MLP(4, 3, 8, 2, key=jax.random.key(0))
    for portable in (True, "counter", False):
        out, report = ui.presets.torch.apply(abstract, seed=4, portable=portable)
        ref, _ = ui.presets.torch.apply(concrete, seed=4, portable=portable)
        got, want = jax.tree.leaves(eqx.filter(out, eqx.is_array)), jax.tree.leaves(eqx.filter(ref, eqx.is_array))
        assert len(got) == len(want) == 6 and all(bool(jnp.array_equal(a, b)) for a, b in zip(got, want)), portable
        weight = out.layers[1].weight
        assert weight.sharding.spec == P(None, "data")
        assert all(s.data.shape == (8, 2) for s in weight.addressable_shards)
        assert report.placements["layers/1/weight"]["local_shape"] == [8, 2]
    # built under jax.set_mesh, its leaves are on an abstract mesh: put on the mesh in context or on mesh=
    with jax.set_mesh(mesh):
        on_abstract = eqx.filter_eval_shape(eqx.nn.MLP, 4, 3, 8, 2, key=jax.random.key(0))
    assert isinstance(on_abstract.layers[1].weight.sharding.mesh, jax.sharding.AbstractMesh)
    ref, _ = ui.presets.torch.apply(concrete, seed=4, portable=True)
    for how in ("jax.set_mesh", "mesh="):
        out, _ = on_mesh(how, ui.presets.torch.apply, on_abstract, seed=4, portable=True)
        assert out.layers[1].weight.sharding.mesh == mesh, how
        assert bool(jnp.array_equal(out.layers[1].weight, ref.layers[1].weight)), how
    try:
        ui.presets.torch.apply(on_abstract, seed=4)
    except ValueError as e:
        assert "'layers/0/weight'" in str(e) and "abstract mesh" in str(e), e
    else:
        raise AssertionError("an abstract mesh outside jax.set_mesh was accepted")
    print("ok")
""")


def test_abstract_and_sharded_trees_on_eight_host_devices():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stderr[-4000:]


NATIVE = textwrap.dedent("""
    import os
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=8"
    import jax, jax.numpy as jnp, numpy as np
    import equinox as eqx
    from flax import linen as nn, nnx
    from jax.sharding import NamedSharding, PartitionSpec as P
    import unifiedinit as ui
    assert len(jax.devices()) == 8 and jax.config.jax_threefry_partitionable
    mesh = jax.make_mesh((4, 2), ("data", "model"))
    spread = NamedSharding(mesh, P("data", "model"))

    def differ(a, b):  # how many entries differ in their bits (-0.0 and 0.0 too)
        a, b = np.asarray(nn.meta.unbox(a)), np.asarray(nn.meta.unbox(b))
        assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
        word = {4: np.uint32, 2: np.uint16}[a.dtype.itemsize]
        return int((a.view(word) != b.view(word)).sum())

    specs = {"Normal(0, 0.02)": ui.Normal(0, 0.02), "Uniform(-0.3, 0.7)": ui.Uniform(-0.3, 0.7),
             "KaimingNormal()": ui.KaimingNormal(),
             "TruncatedNormal(0.1, 0.02)": ui.TruncatedNormal(mean=0.1, std=0.02)}
    # a kernel spread over the (4, 2) mesh draws, in native mode, the bits it draws on one device, concrete or
    # abstract, and the report's claim that it does is true (before: an ulp off in up to every float32 entry, the
    # spread one jitted and the other eager, while the report said invariant)
    def tree(leaf):
        return {"params": {"Dense_0": {"kernel": leaf}}}
    for name, spec in specs.items():
        plan = ui.Plan().rule(spec)
        for dtype in (jnp.float32, jnp.bfloat16):
            out, report = plan.apply(tree(jax.ShapeDtypeStruct((64, 32), dtype, sharding=spread)), seed=3)
            kernel = out["params"]["Dense_0"]["kernel"]
            assert kernel.sharding == spread and all(s.data.shape == (16, 16) for s in kernel.addressable_shards)
            assert report.placements["Dense_0/kernel"]["invariant"] is True, report.placements
            for leaf in (jnp.zeros((64, 32), dtype), jax.ShapeDtypeStruct((64, 32), dtype)):
                one = plan.apply(tree(leaf), seed=3)[0]["params"]["Dense_0"]["kernel"]
                assert differ(kernel, one) == 0, (name, dtype.__name__, type(leaf).__name__, differ(kernel, one))

    # a stacked kernel (nn.scan, its layer axis unsharded, boxed names on mesh=): the depth-scaled normal of
    # GPT-2 (one law for every layer), and one scaled by each layer's own depth (a PerLayer draw: computed whole,
    # then laid out)
    class Block(nn.Module):
        @nn.compact
        def __call__(self, h, _=None):
            return nn.Dense(64, kernel_init=nn.with_partitioning(nn.initializers.lecun_normal(),
                                                                 ("data", "model")))(h), None

    class Scanned(nn.Module):
        @nn.compact
        def __call__(self, h):
            return nn.scan(Block, variable_axes={"params": 0}, split_rngs={"params": True}, length=4,
                           metadata_params={nn.PARTITION_NAME: None})(name="layers")(h, None)[0]
    model, x = Scanned(), jnp.ones((2, 64))
    abstract, concrete = jax.eval_shape(model.init, jax.random.key(0), x), model.init(jax.random.key(0), x)
    scaled = ui.Scaled(ui.Normal(0, 0.02), "1 / sqrt(2 * L)")
    per_layer = ui.Scaled(ui.Normal(0, 0.02), "1 / sqrt(2 * (l + 1))")
    stacked = [(name, spec, None) for name, spec in specs.items()] + [
        ("Scaled(Normal(0, 0.02), 1 / sqrt(2 * L))", scaled, None),
        ("Scaled(Normal(0, 0.02), 1 / sqrt(2 * (l + 1))), depth='stack'", per_layer, "stack")]
    for name, spec, depth in stacked:
        plan = ui.Plan().rule(spec, role="weight", depth=depth).rule(ui.Normal(0.1, 0.02), role="bias")
        out, report = plan.apply(model, params=abstract, inputs=x, seed=1, mesh=mesh)
        ref, _ = plan.apply(model, params=concrete, inputs=x, seed=1)
        kernel = out["params"]["layers"]["Dense_0"]["kernel"]
        assert kernel.value.sharding.spec == P(None, "data", "model"), kernel.value.sharding
        entry = next(e for e in report.entries if e.param.path == "layers/Dense_0/kernel")
        assert entry.param.stacked == (0,) and entry.draw.elementwise is (depth is None), (name, entry.draw)
        assert report.placements["layers/Dense_0/kernel"]["invariant"] is True, report.placements
        assert differ(kernel, ref["params"]["layers"]["Dense_0"]["kernel"]) == 0, name

    # NNX (nnx.eval_shape under jax.set_mesh) and Equinox (leaves that name shardings) draw through the same target
    class Net(nnx.Module):
        def __init__(self, rngs, names=("data", "model")):
            init = nnx.with_partitioning(nnx.initializers.lecun_normal(), names) if names else \
                nnx.initializers.lecun_normal()
            self.a = nnx.Linear(64, 32, kernel_init=init, rngs=rngs)
    plan = ui.Plan().rule(ui.Uniform(-0.3, 0.7), role="weight").rule(ui.Normal(0.1, 0.02), role="bias")
    with jax.set_mesh(mesh):
        net = nnx.eval_shape(lambda: Net(nnx.Rngs(0)))
        report = plan.apply(net, seed=2)
    ref = Net(nnx.Rngs(0), names=None)
    plan.apply(ref, seed=2)
    assert net.a.kernel.get_value().sharding.spec == P("data", "model")
    assert report.placements["a/kernel"]["invariant"] is True
    assert differ(net.a.kernel.get_value(), ref.a.kernel.get_value()) == 0
    linear = eqx.nn.Linear(64, 32, key=jax.random.key(0))
    on_mesh = eqx.tree_at(lambda m: m.weight, linear, jax.ShapeDtypeStruct((32, 64), jnp.float32, sharding=spread))
    out, report = plan.apply(on_mesh, seed=2)
    ref, _ = plan.apply(linear, seed=2)
    assert out.weight.sharding == spread and report.placements["weight"]["invariant"] is True
    assert differ(out.weight, ref.weight) == 0 and differ(out.bias, ref.bias) == 0

    # (no check against an outer jax.jit: under jit XLA fuses and rounds the draw its own way, as it does
    # jax.random.uniform itself, jitted or not; the values need not equal the eager ones)

    # no host copy of a spread draw, and a draw's numbers compile nothing new: Scaled by each layer's depth, a
    # new scale on a shape and sharding already drawn runs without one backend compile (before: one per scale)
    compiles = []
    jax.monitoring.register_event_duration_secs_listener(
        lambda event, secs, **kw: compiles.append(event) if event.endswith("backend_compile_duration") else None)
    layer = lambda depth: ui.Plan().rule(ui.Scaled(ui.Uniform(-0.3, 0.7), f"1 / sqrt({depth})"))
    kernels = []
    for depth in (2, 3, 5):
        compiles.clear()
        pair = []
        for leaf in (jax.ShapeDtypeStruct((64, 32), jnp.float32, sharding=spread), jnp.zeros((64, 32))):
            with jax.transfer_guard_device_to_host("disallow"):
                out, report = layer(depth).apply(tree(leaf), seed=4)
            assert report.entries[0].draw.elementwise
            pair.append(out["params"]["Dense_0"]["kernel"])
        assert pair[0].sharding == spread and differ(pair[0], pair[1]) == 0, depth
        assert depth == 2 or compiles == [], (depth, compiles)  # the first depth may compile the shapes' ops
        kernels.append(pair[1])
    assert differ(kernels[0], kernels[1]) > 0 and differ(kernels[1], kernels[2]) > 0  # each scale drew its own
    print("ok")
""")


def test_native_values_do_not_depend_on_sharding():
    """Native mode (jax.random) on a (4, 2) mesh: a spread parameter is drawn op by op as on one device, its random
    numbers made sharded, so it has the single-device bits (flat, stacked by nn.scan, NNX, Equinox), as the report
    says; no host copy is made, and a new constant (a per-layer scale) compiles nothing."""
    pytest.importorskip("equinox")
    proc = subprocess.run([sys.executable, "-c", NATIVE], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stderr[-4000:]


OLD_THREEFRY = textwrap.dedent("""
    import os
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=8"
    import jax
    jax.config.update("jax_threefry_partitionable", False)
    import jax.numpy as jnp, numpy as np
    from jax.sharding import NamedSharding, PartitionSpec as P
    import unifiedinit as ui
    assert len(jax.devices()) == 8
    mesh = jax.make_mesh((4, 2), ("data", "model"))

    def bits(x):
        x = np.asarray(x)
        return x.view({4: np.uint32, 2: np.uint16}[x.dtype.itemsize])

    # the flag takes: the older threefry draws other numbers than the partitionable one
    old = bits(jax.random.normal(jax.random.key(0), (64,)))
    with jax.threefry_partitionable(True):
        assert (old != bits(jax.random.normal(jax.random.key(0), (64,)))).any()
    assert not jax.config.jax_threefry_partitionable

    def tree(leaf):
        return {"params": {"Dense_0": {"kernel": leaf}}}
    # with the older threefry too, a native draw spread over the mesh has the unsharded bits (elementwise ones drawn
    # in their sharding, orthogonal computed whole and laid out), and a tensor held whole depends on no sharding:
    # the report says invariant (before: False for all of them whenever jax_threefry_partitionable was off)
    specs = (ui.LecunNormal(), ui.Uniform(-0.3, 0.7), ui.TruncatedNormal(mean=0.1, std=0.02), ui.Orthogonal())
    shardings = (NamedSharding(mesh, P("data", "model")), NamedSharding(mesh, P(None, "model")),
                 NamedSharding(mesh, P("model", "data")), NamedSharding(mesh, P()))
    for spec in specs:
        plan = ui.Plan().rule(spec)
        for dtype in (jnp.float32, jnp.bfloat16):
            one, report = plan.apply(tree(jnp.zeros((64, 32), dtype)), seed=3)
            where = report.placements["Dense_0/kernel"]
            assert where["placement"] == "whole" and where["invariant"] is True, (spec, where)
            for sharding in shardings:
                out, report = plan.apply(tree(jax.ShapeDtypeStruct((64, 32), dtype, sharding=sharding)), seed=3)
                got = out["params"]["Dense_0"]["kernel"]
                assert got.sharding == sharding, (spec, sharding)
                same = bool((bits(got) == bits(one["params"]["Dense_0"]["kernel"])).all())
                where = report.placements["Dense_0/kernel"]
                assert same and where["invariant"] is True, (spec, dtype, sharding.spec, same, where)
                want = "block" if report.entries[0].draw.elementwise else "whole"
                assert where["computed"] == want and want == ("whole" if spec == ui.Orthogonal() else "block"), where

    # the counter stream computes a spread elementwise draw shard by shard whatever its size (its compiled program
    # holds the shard's shape only), and the report says "block" (before: "whole" for one of at most one chunk,
    # the portable=True rule); a structured draw is computed whole; a tensor held whole is one block
    from unifiedinit.backends.flax.ops import _counter_fn, x64
    spread = NamedSharding(mesh, P("data", "model"))
    with x64():
        fn = _counter_fn((ui.LecunNormal(), "flax", (64, 32), "float32", None, None, None), spread)
        hlo = fn.lower((jnp.uint32(1), jnp.uint32(2)), jnp.uint64(0)).compile().as_text()
    assert "f32[16,16]" in hlo and "f32[64,32]" not in hlo
    for spec, portable, computed in ((ui.LecunNormal(), "counter", "block"), (ui.Orthogonal(), "counter", "whole"),
                                     (ui.LecunNormal(), True, "whole"), (ui.Orthogonal(), True, "whole")):
        plan = ui.Plan().rule(spec)
        _, report = plan.apply(tree(jax.ShapeDtypeStruct((64, 32), jnp.float32, sharding=spread)), seed=1,
                               portable=portable)
        where = report.placements["Dense_0/kernel"]
        assert where["computed"] == computed and where["invariant"] is True, (spec, portable, where)
        assert where["local_shape"] == [16, 16], where
        _, report = plan.apply(tree(jnp.zeros((64, 32))), seed=1, portable=portable)
        where = report.placements["Dense_0/kernel"]
        assert where["computed"] == "block" and where["placement"] == "whole", (spec, portable, where)
    print("ok")
""")


def test_report_says_what_a_spread_draw_computed_and_that_it_is_invariant():
    """With ``jax_threefry_partitionable`` off, spread native draws still have the unsharded bits and the report
    says invariant; the counter stream's small spread tensor is computed per shard and reported as "block"."""
    proc = subprocess.run([sys.executable, "-c", OLD_THREEFRY], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stderr[-4000:]


KERAS = textwrap.dedent("""
    import os
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=8"
    os.environ["KERAS_BACKEND"] = "jax"
    import numpy as np, keras
    from keras import distribution as kd
    import unifiedinit as ui
    devices = kd.list_devices()
    assert len(devices) == 8
    mesh = kd.DeviceMesh((4, 2), ["batch", "model"], devices)
    layouts = kd.LayoutMap(mesh)
    layouts[".*d1.*kernel"] = (None, "model")
    layouts[".*d2.*kernel"] = ("model", None)

    def build():
        return keras.Sequential([keras.Input((1024,)), keras.layers.Dense(2048, name="d1"),
                                 keras.layers.LayerNormalization(name="n"), keras.layers.Dense(10, name="d2")])

    ref = build()
    ui.presets.keras.apply(ref, seed=2, portable="counter")
    counter = ref.get_weights()
    ui.presets.keras.apply(ref, seed=2, portable=True)
    for distribution in (kd.DataParallel(devices=devices),
                         kd.ModelParallel(layout_map=layouts, batch_dim_name="batch")):
        with distribution.scope():
            model = build()
        before = [w.value.sharding for w in model.weights]
        ui.presets.keras.apply(model, seed=2, portable=True)
        assert [w.value.sharding for w in model.weights] == before  # every variable keeps its layout
        assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), ref.get_weights()))
        ui.presets.keras.apply(model, seed=2, portable="counter")  # the counter stream: each shard its block
        assert [w.value.sharding for w in model.weights] == before
        assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), counter))
        ui.presets.keras.apply(model, seed=2)
        first = model.get_weights()
        ui.presets.keras.apply(model, seed=2)
        assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), first))
        assert [w.value.sharding for w in model.weights] == before
    kernel = model.layers[0].kernel.value
    assert all(s.data.shape == (1024, 1024) for s in kernel.addressable_shards)
    print("ok")
""")


def test_keras_distribution_keeps_every_layout_and_portable_values():
    pytest.importorskip("keras")
    proc = subprocess.run([sys.executable, "-c", KERAS], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stderr[-4000:]


KERAS_PLACEMENTS = textwrap.dedent("""
    import os
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=8"
    os.environ["KERAS_BACKEND"] = "jax"
    import numpy as np, keras, jax
    from keras import distribution as kd
    import unifiedinit as ui
    devices = kd.list_devices()
    assert keras.backend.backend() == "jax" and len(devices) == 8
    mesh = kd.DeviceMesh((4, 2), ["batch", "model"], devices)
    layouts = kd.LayoutMap(mesh)
    layouts[".*d1.*kernel"] = (None, "model")
    layouts[".*d2.*kernel"] = ("model", "batch")

    def build():
        return keras.Sequential([keras.Input((64,)), keras.layers.Dense(32, name="d1"),
                                 keras.layers.LayerNormalization(name="n"), keras.layers.Dense(16, name="d2")])

    def bits(weights):
        return [np.asarray(w).view(np.uint32) for w in weights]

    plans = {"preset": ui.presets.keras, "orthogonal": ui.Plan().rule(ui.Orthogonal(), role="weight")
             .rule(ui.TruncatedNormal(mean=0.1, std=0.02))}
    # report.placements under keras.distribution says what the JAX target says of a leaf with the same sharding
    # (shapes, PartitionSpec, mesh), what the write path computed, and that the values are the unsharded ones:
    # before, it was empty
    for name, plan in plans.items():
        for portable in (True, "counter", False):
            alone = build()
            one = plan.apply(alone, seed=4, portable=portable)
            wanted = bits(alone.get_weights())
            assert set(one.placements) == {w.path for w in alone.weights}, (name, portable, one.placements)
            for w in alone.weights:  # a variable held whole, on one device: as the JAX target reports it
                got = one.placements[w.path]
                assert got == {"global_shape": list(w.shape), "local_shape": list(w.shape), "placement": "whole",
                               "device": str(jax.devices()[0]), "computed": "block", "invariant": True}, got
            for distribution in (kd.DataParallel(devices=devices),
                                 kd.ModelParallel(layout_map=layouts, batch_dim_name="batch")):
                with distribution.scope():
                    model = build()
                report = plan.apply(model, seed=4, portable=portable)
                # the values do not depend on the layout, native ones (keras.random, laid out by assign) included
                assert all((a == b).all() for a, b in zip(bits(model.get_weights()), wanted)), (name, portable)
                entries = {e.param.path: e for e in report.entries}
                assert set(report.placements) == {w.path for w in model.weights}, report.placements
                for w in model.weights:
                    sharding = w.value.sharding
                    assert len(sharding.device_set) == 8, sharding
                    leaf = jax.ShapeDtypeStruct(tuple(w.shape), w.value.dtype, sharding=sharding)
                    tree = {"params": {"Dense_0": {"kernel": leaf}}}
                    jax_says = ui.Plan().rule(ui.Zeros()).apply(tree, seed=0)[1].placements["Dense_0/kernel"]
                    got = report.placements[w.path]
                    for key in ("global_shape", "local_shape", "placement", "device"):
                        assert got[key] == jax_says[key], (w.path, key, got, jax_says)
                    # native and portable=True draws are computed whole and laid out by assign; the counter stream
                    # computes an elementwise draw's shards each on its own device
                    block = portable == "counter" and entries[w.path].draw.elementwise
                    assert got["computed"] == ("block" if block else "whole"), (name, portable, w.path, got)
                    assert got["invariant"] is True, got
                kernel = report.placements[model.layers[0].kernel.path]
                if isinstance(distribution, kd.ModelParallel):
                    assert kernel["placement"] == str(jax.sharding.PartitionSpec(None, "model")), kernel
                    assert kernel["local_shape"] == [64, 16] and kernel["global_shape"] == [64, 32], kernel
                    assert report.placements[model.layers[2].kernel.path]["local_shape"] == [16, 4]
                else:  # DataParallel: every variable replicated on its own one-axis mesh of the 8 devices
                    assert kernel["placement"] == str(jax.sharding.PartitionSpec(None, None)), kernel
                mesh_axes = dict(zip(distribution.device_mesh.axis_names, distribution.device_mesh.shape))
                assert kernel["device"] == str(mesh_axes), (kernel, mesh_axes)
    print("ok")
""")


def test_keras_distribution_report_says_where_each_variable_lives():
    """Under ``keras.distribution`` (jax backend), ``report.placements`` names each written variable's shapes,
    ``PartitionSpec`` and mesh as the JAX target does, what was computed (whole, laid out by ``assign``; the counter
    stream's elementwise shards each on their device), and that its values are the unsharded ones (checked)."""
    pytest.importorskip("keras")
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    proc = subprocess.run([sys.executable, "-c", KERAS_PLACEMENTS], capture_output=True, text=True, timeout=600,
                          env=env)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stderr[-4000:]


CONTEXT_MESH = textwrap.dedent("""
    import os
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=8"
    import jax, jax.numpy as jnp, numpy as np
    import equinox as eqx
    from flax import nnx
    from jax.sharding import AxisType, Mesh, NamedSharding, PartitionSpec as P
    import unifiedinit as ui
    assert len(jax.devices()) == 8
    devs = np.array(jax.devices())
    auto, explicit = (AxisType.Auto,) * 2, (AxisType.Explicit,) * 2
    names = ("data", "model")

    def bits(x):
        x = np.asarray(x)
        return x.view({4: np.uint32, 2: np.uint16}[x.dtype.itemsize])

    def tree(leaf):
        return {"params": {"Dense_0": {"kernel": leaf}}}

    # (the parameter's mesh, the mesh in context): the same 8 devices and axis names with other axis types, another
    # shape, the same devices in another order, a mesh on 4 of the 8 devices (before: JAX's own error in native
    # mode, "context mesh ... should match the aval mesh" or "Received incompatible devices for jitted
    # computation", the counter stream too where the devices differ)
    cases = {
        "Auto leaf, Explicit context": (Mesh(devs.reshape(4, 2), names, axis_types=auto),
                                        Mesh(devs.reshape(4, 2), names, axis_types=explicit)),
        "Explicit leaf, Auto context": (Mesh(devs.reshape(4, 2), names, axis_types=explicit),
                                        Mesh(devs.reshape(4, 2), names, axis_types=auto)),
        "other shape": (Mesh(devs.reshape(4, 2), names, axis_types=explicit),
                        Mesh(devs.reshape(2, 4), names, axis_types=explicit)),
        "one-axis context": (Mesh(devs.reshape(4, 2), names, axis_types=auto),
                             Mesh(devs, ("batch",), axis_types=(AxisType.Explicit,))),
        "reordered devices, Explicit": (Mesh(devs[::-1].reshape(4, 2), names, axis_types=explicit),
                                        Mesh(devs.reshape(4, 2), names, axis_types=explicit)),
        "reordered devices, Auto": (Mesh(devs[::-1].reshape(4, 2), names, axis_types=auto),
                                    Mesh(devs.reshape(4, 2), names, axis_types=auto)),
        "4 of 8 devices": (Mesh(devs[:4].reshape(2, 2), names, axis_types=auto),
                           Mesh(devs.reshape(4, 2), names, axis_types=explicit)),
    }
    plans = {"preset": ui.presets.flax, "uniform": ui.Plan().rule(ui.Uniform(-0.3, 0.7)),
             "orthogonal": ui.Plan().rule(ui.Orthogonal())}  # elementwise drawn in its sharding; one drawn whole
    for name, plan in plans.items():
        for portable in (True, "counter", False):
            for dtype in (jnp.float32, jnp.bfloat16) if name == "preset" else (jnp.float32,):
                want = plan.apply(tree(jnp.zeros((64, 32), dtype)), seed=3, portable=portable)[0]
                want = bits(want["params"]["Dense_0"]["kernel"])
                for case, (leaf_mesh, context) in cases.items():
                    sharding = NamedSharding(leaf_mesh, P("data", "model"))
                    leaf = jax.ShapeDtypeStruct((64, 32), dtype, sharding=sharding)
                    alone = plan.apply(tree(leaf), seed=3, portable=portable)[0]["params"]["Dense_0"]["kernel"]
                    with jax.set_mesh(context), jax.transfer_guard_device_to_host("disallow"):
                        out, report = plan.apply(tree(leaf), seed=3, portable=portable)  # no host copy
                    got = out["params"]["Dense_0"]["kernel"]
                    assert got.sharding == sharding, (name, portable, case, got.sharding)
                    shard = sharding.shard_shape((64, 32))
                    assert all(s.data.shape == shard for s in got.addressable_shards), (name, portable, case)
                    assert (bits(got) == want).all() and (bits(alone) == want).all(), (name, portable, case)
                    assert report.placements["Dense_0/kernel"]["invariant"] is True, report.placements

    # a key= laid out on another mesh (made under it), with no mesh in context or under a third one
    mesh_a = Mesh(devs.reshape(4, 2), names)
    mesh_b = Mesh(devs[::-1].reshape(4, 2), names)
    with jax.set_mesh(mesh_a):
        committed = jax.random.key(7)
    assert committed.committed and committed.sharding.mesh == mesh_a
    leaf = jax.ShapeDtypeStruct((64, 32), jnp.float32, sharding=NamedSharding(mesh_b, P("data", "model")))
    want = bits(ui.presets.flax.apply(tree(jnp.zeros((64, 32))), key=jax.random.key(7))[0]["params"]["Dense_0"]
                ["kernel"])
    for context in (None, Mesh(devs.reshape(2, 4), names)):
        if context is None:
            out, _ = ui.presets.flax.apply(tree(leaf), key=committed)
        else:
            with jax.set_mesh(context):
                out, _ = ui.presets.flax.apply(tree(leaf), key=committed)
        got = out["params"]["Dense_0"]["kernel"]
        assert got.sharding == leaf.sharding and (bits(got) == want).all(), context

    # a concrete NNX model on another mesh (other device order) than the one in context: written in every mode,
    # each kernel keeping its sharding, with the values it gets with no mesh in context (before: nothing written,
    # JAX's error, in native and counter modes)
    class Net(nnx.Module):
        def __init__(self, rngs):
            self.a = nnx.Linear(32, 64, rngs=rngs)
            self.b = nnx.Linear(64, 32, kernel_init=nnx.with_partitioning(nnx.initializers.lecun_normal(), names),
                                rngs=rngs)
    for portable in (True, "counter", False):
        with jax.set_mesh(mesh_b):
            net, ref = Net(nnx.Rngs(0)), Net(nnx.Rngs(0))
        sharding = net.b.kernel.get_value().sharding
        assert sharding.mesh == mesh_b and sharding.spec == P("data", "model"), sharding
        ui.presets.flax.apply(ref, seed=1, portable=portable)
        with jax.set_mesh(mesh_a):
            ui.presets.flax.apply(net, seed=1, portable=portable)
        assert net.b.kernel.get_value().sharding == sharding, portable
        got, wanted = jax.tree.leaves(nnx.state(net)), jax.tree.leaves(nnx.state(ref))
        assert len(got) == len(wanted) == 4 and all((bits(x) == bits(y)).all() for x, y in zip(got, wanted))

    # Equinox draws through the same target
    linear = eqx.nn.Linear(64, 32, key=jax.random.key(0))
    on_b = eqx.tree_at(lambda m: m.weight, linear, jax.ShapeDtypeStruct(
        (32, 64), jnp.float32, sharding=NamedSharding(mesh_b, P("data", "model"))))
    for portable in (True, "counter", False):
        ref, _ = ui.presets.torch.apply(linear, seed=2, portable=portable)
        with jax.set_mesh(mesh_a):
            out, _ = ui.presets.torch.apply(on_b, seed=2, portable=portable)
        assert out.weight.sharding == on_b.weight.sharding, portable
        assert (bits(out.weight) == bits(ref.weight)).all() and (bits(out.bias) == bits(ref.bias)).all(), portable
    print("ok")
""")


def test_draws_do_not_depend_on_the_mesh_in_context():
    """A spread parameter whose mesh is not the one ``jax.set_mesh`` put in context (other axis types, shape,
    device order, or devices) is drawn in every mode, each device drawing its shard with no host copy, with the
    values the same plan gives with no mesh in context (linen trees, a key laid out elsewhere, NNX, Equinox)."""
    pytest.importorskip("equinox")
    proc = subprocess.run([sys.executable, "-c", CONTEXT_MESH], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stderr[-4000:]


KERAS_CONTEXT_MESH = textwrap.dedent("""
    import os
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=8"
    os.environ["KERAS_BACKEND"] = "jax"
    import numpy as np, keras, jax
    from jax.sharding import AxisType
    from keras import distribution as kd
    import unifiedinit as ui
    devices = kd.list_devices()
    assert keras.backend.backend() == "jax" and len(devices) == 8
    layouts = kd.LayoutMap(kd.DeviceMesh((4, 2), ["batch", "model"], devices))
    layouts[".*d1.*kernel"] = (None, "model")
    other = jax.make_mesh((2, 4), ("x", "y"), axis_types=(AxisType.Explicit,) * 2)

    def build():
        return keras.Sequential([keras.Input((64,)), keras.layers.Dense(32, name="d1"),
                                 keras.layers.Dense(16, name="d2")])

    def bits(model):
        return [np.asarray(w).view(np.uint32) for w in model.get_weights()]

    # a mesh in context (jax.set_mesh) that is not the model's: every variable keeps its own layout (a ModelParallel
    # model's replicated ones, a plain model's single-device ones) and the values the plan gives with none in
    # context, in every mode (before, native mode left the replicated variables on the context's mesh, and predict
    # failed: "Mesh for all inputs should be equal")
    for portable in (True, "counter", False):
        ref = build()
        ui.presets.keras.apply(ref, seed=5, portable=portable)
        with kd.ModelParallel(layout_map=layouts, batch_dim_name="batch").scope():
            spread = build()
        for model in (spread, build()):
            before = [w.value.sharding for w in model.weights]
            with jax.set_mesh(other):
                ui.presets.keras.apply(model, seed=5, portable=portable)
            after = [w.value.sharding for w in model.weights]
            assert after == before, (portable, [str(s)[:80] for s in after])
            assert all((a == b).all() for a, b in zip(bits(model), bits(ref))), portable
    spread.predict(np.ones((8, 64), "float32"), verbose=0)
    print("ok")
""")


def test_keras_native_draws_keep_layouts_under_another_mesh_in_context():
    """Under ``jax.set_mesh(other)``, a Keras model's variables (a ``keras.distribution`` model's replicated ones,
    a plain model's) keep their own layouts in every mode, with the values drawn with no mesh in context."""
    pytest.importorskip("keras")
    proc = subprocess.run([sys.executable, "-c", KERAS_CONTEXT_MESH], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stderr[-4000:]


WEIGHT_NORM = textwrap.dedent("""
    import os, warnings
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=8"
    import jax, numpy as np, equinox as eqx
    from jax.sharding import AxisType, NamedSharding, PartitionSpec as P
    import unifiedinit as ui
    assert len(jax.devices()) == 8
    mesh = jax.make_mesh((8,), ("model",), axis_types=(AxisType.Auto,))
    explicit = jax.make_mesh((4, 2), ("data", "model"), axis_types=(AxisType.Explicit,) * 2)

    def bits(x):
        return np.asarray(x).view(np.uint32)

    layer = eqx.nn.WeightNorm(eqx.nn.Linear(1024, 16, key=jax.random.key(0)))
    sharded = eqx.tree_at(lambda m: m.layer.weight, layer,
                          jax.device_put(layer.layer.weight, NamedSharding(mesh, P(None, "model"))))
    on5 = eqx.tree_at(lambda m: m.g, sharded, jax.device_put(sharded.g, jax.devices()[5]))
    for portable in (True, "counter", False):
        ref, _ = ui.presets.torch.apply(layer, seed=0, portable=portable)
        # g = ||v|| of a weight spread over 8 devices: the unsharded bits (before, the sum ran shard by shard, some
        # entries an ulp off), g keeping its own placement (before, on the weight's mesh)
        for model in (sharded, on5):
            out, _ = ui.presets.torch.apply(model, seed=0, portable=portable)
            assert (bits(out.layer.weight) == bits(ref.layer.weight)).all(), portable
            assert (bits(out.g) == bits(ref.g)).all(), (portable, np.asarray(out.g - ref.g).ravel())
            assert out.g.sharding == model.g.sharding, (portable, out.g.sharding)
        # under another mesh in context (before: native mode raised JAX's "Received incompatible devices")
        with jax.set_mesh(explicit):
            out, _ = ui.presets.torch.apply(layer, seed=0, portable=portable)
        assert out.g.sharding == layer.g.sharding, (portable, out.g.sharding)
        assert (bits(out.g) == bits(ref.g)).all() and (bits(out.layer.weight) == bits(ref.layer.weight)).all()
    print("ok")
""")


def test_equinox_weight_norm_g_is_the_unsharded_norm_where_g_lives():
    """An Equinox ``WeightNorm``'s g = ||v|| of a weight spread over devices has the unsharded bits and keeps g's
    own placement; under another mesh in context it is computed in every mode."""
    pytest.importorskip("equinox")
    proc = subprocess.run([sys.executable, "-c", WEIGHT_NORM], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stderr[-4000:]


def test_abstract_equinox_weight_norm_g_is_not_reported_unset():
    """An abstract ``WeightNorm`` (``eqx.filter_eval_shape``), alone and in a Sequential: its g gets ||v|| of the
    drawn weight, as the concrete layer's, so it is neither in ``report.unset_buffers`` nor warned about."""
    eqx = pytest.importorskip("equinox")
    import jax
    import numpy as np

    import unifiedinit as ui

    def make(k: jax.Array) -> Any:
        return eqx.nn.Sequential([eqx.nn.Linear(8, 64, key=k), eqx.nn.WeightNorm(eqx.nn.Linear(64, 16, key=k))])

    def alone(k: jax.Array) -> Any:
        return make(k).layers[1]

    for build in (make, alone):
        ref, _ = ui.presets.torch.apply(build(jax.random.key(0)), seed=0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out, report = ui.presets.torch.apply(eqx.filter_eval_shape(build, jax.random.key(0)), seed=0)
        said = [str(w.message) for w in caught if "Plan.apply" in str(w.message)]
        assert report.unset_buffers == () and not said, (report.unset_buffers, said)
        got, want = jax.tree.leaves(eqx.filter(out, eqx.is_array)), jax.tree.leaves(eqx.filter(ref, eqx.is_array))
        assert len(got) == len(want) and all(np.array_equal(a, b) for a, b in zip(got, want)), build
