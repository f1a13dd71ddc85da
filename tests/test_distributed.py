"""Plans on sharded torch models: DTensor placements and FSDP2, with the gloo backend on CPU in spawned processes.

Each scenario runs in 1, 2 and 4 processes (free ports, a timeout). Portable mode: the gathered tensor equals,
bit for bit, the unsharded model's under the same plan and seed, on any mesh and placement. Native mode: seeded,
replicated parameters identical on every rank, shards distinct, the same values again for the same seed.
Meta: a model built with ``empty_init()`` or on ``torch.device("meta")`` and sharded by FSDP2 is materialized on
CPU and drawn once.
"""

from __future__ import annotations

import os
import socket
import sys
import traceback
import warnings
from multiprocessing.process import BaseProcess
from typing import Any, cast

import pytest

torch = pytest.importorskip("torch")
dist = pytest.importorskip("torch.distributed")
if not dist.is_available():  # pragma: no cover
    pytest.skip("torch.distributed is not available", allow_module_level=True)

TIMEOUT = 300  # seconds for one spawned group


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _entry(rank: int, world: int, port: int, scenario: str, errors: str) -> None:
    """One rank: join the group, run the scenario, leave a traceback file on failure."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    torch.set_num_threads(1)
    name = "init_process_group"
    try:
        dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
        try:
            for name in scenario.split("+"):  # "a+b": one group runs both (a spawn costs seconds)
                (SCENARIOS | CRASHES | ON_TWO)[name](rank, world)
        finally:
            dist.destroy_process_group()
    except BaseException:
        with open(os.path.join(errors, f"rank{rank}.txt"), "w") as f:
            f.write(f"in scenario {name}:\n{traceback.format_exc()}")
        raise


def _spawn(scenario: str, world: int, tmp_path, retries: int = 1) -> None:
    """Run ``scenario`` on ``world`` spawned ranks; fail with every rank's traceback. A group where a rank was
    killed by a signal before it could write a traceback (gloo's C++ threads have aborted under two-core load:
    "terminate called without an active exception") is run again once, on a fresh port, with a warning; a
    failure our code raises is never retried."""
    from torch.multiprocessing.spawn import ProcessExitedException, start_processes
    context = start_processes(_entry, args=(world, _free_port(), scenario, str(tmp_path)), nprocs=world,
                              join=False, start_method="spawn")
    assert context is not None  # join=False: the context to wait on
    import time
    deadline = time.monotonic() + TIMEOUT
    try:
        while not context.join(timeout=5):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{scenario} on {world} processes took more than {TIMEOUT} s")
    except Exception as err:
        reports = "".join(f"\n--- {f.name}\n{f.read_text()}" for f in sorted(tmp_path.glob("rank*.txt")))
        # torch does not annotate it: read from its [None] * nprocs placeholder, a checker sees list[None]
        processes = cast("list[BaseProcess]", context.processes)
        for p in processes:
            if p.is_alive():
                p.kill()
        if retries and not reports and isinstance(err, ProcessExitedException) and err.signal_name is not None:
            warnings.warn(f"{scenario} on {world} processes: {err} without a traceback; running it again once")
            again = tmp_path / "again"
            again.mkdir()
            return _spawn(scenario, world, again, retries - 1)
        raise AssertionError(f"{scenario} failed on {world} processes: {err}{reports}") from None


# ------------------------------------------------------------------------------------------------ scenarios

def _model():
    from torch import nn
    torch.manual_seed(0)
    # 1.1 M entries (more than one chunk of 2^20: the shards draw only the chunks they touch), uneven rows (37),
    # a norm, a bias
    return nn.Sequential(nn.Linear(1100, 1000), nn.LayerNorm(1000), nn.ReLU(), nn.Linear(1000, 37))


def _plans():
    import unifiedinit as ui
    structured = ui.Plan(name="structured").rule(ui.Orthogonal(), kind="dense", role="weight") \
        .rule(ui.Zeros(), role="bias").rule(ui.Zeros(), kind="norm").rule(ui.Ones(), kind="norm", role="scale")
    return {"torch": ui.presets.torch, "flax": ui.presets.flax, "structured": structured}


def _gather(model) -> dict:
    from torch.distributed.tensor import DTensor
    return {n: (t.full_tensor() if isinstance(t, DTensor) else t).detach().clone()
            for n, t in model.state_dict().items()}


def _unsharded(plan, seed: int, portable) -> dict:
    ref = _model()
    plan.apply(ref, seed=seed, portable=portable)
    return {n: t.detach().clone() for n, t in ref.state_dict().items()}


def _assert_equal(got: dict, want: dict, what: str) -> None:
    assert got.keys() == want.keys()
    for name in want:
        assert torch.equal(got[name], want[name]), f"{what}: {name} differs from the unsharded model's"


def _placements(rank: int, world: int):
    """Meshes and placements to try: every weight Shard(0), Shard(1) (uneven for 37 rows / 1100 columns on 4
    ranks: 1100 / 4 is even, 1000 / 4 even, 37 is not), Replicate, and on 4 ranks a 2-D mesh."""
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.tensor import Replicate, Shard
    mesh = init_device_mesh("cpu", (world,))
    out = [(mesh, [Shard(0)]), (mesh, [Shard(1)]), (mesh, [Replicate()])]
    if world == 4:
        mesh2 = init_device_mesh("cpu", (2, 2), mesh_dim_names=("dp", "tp"))
        out += [(mesh2, [Shard(0), Shard(1)]), (mesh2, [Replicate(), Shard(0)]), (mesh2, [Shard(1), Replicate()])]
    return out


def _distribute(model, mesh, placements) -> None:
    """Weights by ``placements``, biases and norms replicated (as tensor parallelism leaves them)."""
    from torch import nn
    from torch.distributed.tensor import Replicate, distribute_tensor
    for module in model.modules():
        for name, t in list(module._parameters.items()):
            if t is None:
                continue
            where = placements if t.dim() == 2 else [Replicate()] * mesh.ndim
            module._parameters[name] = nn.Parameter(distribute_tensor(t.detach(), mesh, where))


def portable_dtensor(rank: int, world: int) -> None:
    _portable_dtensor(rank, world, True)


def counter_dtensor(rank: int, world: int) -> None:
    """The counter stream, computed by torch on each shard (its own entries only)."""
    _portable_dtensor(rank, world, "counter")


def _portable_dtensor(rank: int, world: int, stream) -> None:
    from torch.distributed.tensor import DTensor
    for plan_name, plan in _plans().items():
        want = _unsharded(plan, 7, stream)
        for mesh, placements in _placements(rank, world):
            model = _model()
            _distribute(model, mesh, placements)
            report = plan.apply(model, seed=7, portable=stream)
            _assert_equal(_gather(model), want, f"{plan_name} on {placements} ({stream})")
            where = report.placements["0/weight"]
            assert where["global_shape"] == [1000, 1100] and where["invariant"] is True
            weight = model[0].weight
            assert isinstance(weight, DTensor) and where["local_shape"] == list(weight.to_local().shape)
            assert where["placement"] == ", ".join(map(str, placements))


def mixed_and_refused(rank: int, world: int) -> None:
    """A model with DTensor and plain parameters (only the first layer sharded); a structured spec whose whole
    tensor passes whole_limit is refused before anything is written."""
    import unifiedinit as ui
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.tensor import Shard
    mesh = init_device_mesh("cpu", (world,))
    for plan_name, plan in _plans().items():
        want = _unsharded(plan, 8, True)
        model = _model()
        _distribute(model[0], mesh, [Shard(0)])
        plan.apply(model, seed=8, portable=True)
        _assert_equal(_gather(model), want, f"mixed {plan_name}")
    ui.presets.torch.apply(model, seed=8)  # native: the plain tensors alike on every rank
    for name in ("3.weight", "1.weight"):
        parts = [torch.zeros_like(model.state_dict()[name]) for _ in range(world)]
        dist.all_gather(parts, model.state_dict()[name].contiguous())
        assert all(torch.equal(p, parts[0]) for p in parts), name
    before = _gather(model)
    orthogonal = ui.Plan().rule(ui.Normal(0, 1), role="bias").rule(ui.Orthogonal(), kind="dense", role="weight")
    try:
        orthogonal.apply(model, seed=1, whole_limit=1 << 20)
    except ValueError as e:
        assert "'0/weight'" in str(e) and "whole_limit" in str(e), e
    else:
        raise AssertionError("an orthogonal draw over whole_limit was accepted")
    _assert_equal(_gather(model), before, "after a refused call")
    # an elementwise draw computes a block, a small tensor's whole (at most 8 MiB): never refused by whole_limit
    from torch import nn
    small = nn.Linear(8, 6)
    _distribute(small, mesh, [Shard(0)])
    for portable in (False, True, "counter"):
        ui.Plan().rule(ui.Normal(0, 1)).apply(small, seed=1, portable=portable, whole_limit=0)
    # a Partial DTensor (a pending sum) holds no values to set: refused before any parameter is written, the
    # earlier ones in model order included
    from torch.distributed.tensor import DTensor, Partial
    local = torch.ones(37, 1000)
    model[3].weight = nn.Parameter(DTensor.from_local(local, mesh, [Partial()]))
    mine = {n: (t.to_local() if isinstance(t, DTensor) else t).detach().clone() for n, t in model.state_dict().items()}
    for portable in (False, True):
        try:
            ui.presets.torch.apply(model, seed=2, portable=portable)
        except ValueError as e:
            assert "'3/weight'" in str(e) and "Partial" in str(e), e
        else:
            raise AssertionError("a Partial DTensor was initialized")
        for n, t in model.state_dict().items():
            assert torch.equal((t.to_local() if isinstance(t, DTensor) else t).detach(), mine[n]), n


def portable_fsdp2(rank: int, world: int) -> None:
    from torch.distributed.fsdp import fully_shard
    for plan_name, plan in _plans().items():
        for stream in (True, "counter"):
            want = _unsharded(plan, 3, stream)
            model = _model()
            for layer in (model[0], model[3]):
                fully_shard(layer)
            fully_shard(model)
            plan.apply(model, seed=3, portable=stream)
            _assert_equal(_gather(model), want, f"FSDP2 {plan_name} ({stream})")


def _all_locals(t) -> list:
    """Every rank's local tensor of ``t`` (padded shards compared on their common rows)."""
    local = t.to_local().detach().contiguous()
    parts = [torch.zeros_like(local) for _ in range(dist.get_world_size())]
    dist.all_gather(parts, local)
    return parts


def native_dtensor(rank: int, world: int) -> None:
    import unifiedinit as ui
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.tensor import Shard
    mesh = init_device_mesh("cpu", (world,))
    model = _model()
    _distribute(model, mesh, [Shard(0)])
    report = ui.presets.flax.apply(model, seed=5)
    first = _gather(model)
    assert report.placements["0/weight"]["invariant"] is False  # native shards depend on the mesh
    assert report.placements["0/bias"]["invariant"] is True  # replicated
    # replicated parameters (biases, the norm) are the same on every rank, and equal the unsharded draw
    unsharded = _unsharded(ui.presets.flax, 5, False)
    for name in ("1.weight", "1.bias", "3.bias", "0.bias"):
        parts = _all_locals(model.state_dict()[name])
        assert all(torch.equal(p, parts[0]) for p in parts), f"{name} differs between ranks"
        assert torch.equal(first[name], unsharded[name]), name
    # the shards of a weight are distinct draws (1100 x 250 normals: equal only if seeded alike)
    parts = _all_locals(model[0].weight)
    assert all(not torch.equal(parts[i], parts[j]) for i in range(world) for j in range(i)), "shards repeat"
    # the same seed again: the same values; another seed: others
    ui.presets.flax.apply(model, seed=5)
    _assert_equal(_gather(model), first, "native, seed 5 again")
    ui.presets.flax.apply(model, seed=6)
    assert not torch.equal(_gather(model)["0.weight"], first["0.weight"])
    # the law of the gathered weight: LecunNormal's truncated normal, checked against its exact CDF
    from unifiedinit.verify import stats
    draw = ui.LecunNormal().lower(ui.TensorInfo.make((1000, 1100), "torch"))
    _, p = stats.ks_1samp(first["0.weight"].flatten()[::7].numpy(), stats.distribution(draw))
    assert p > stats.ALPHA, f"the gathered native weight is not LecunNormal's law (KS p = {p:.2e})"
    # structured specs are drawn whole, alike on every rank: the gathered matrix is orthogonal, the unsharded
    # model's under the same seed, and the report says so
    plan = ui.Plan(name="orthogonal").rule(ui.Orthogonal(), kind="dense", role="weight")
    _distribute(model := _model(), mesh, [Shard(1)])
    report = plan.apply(model, seed=2)
    w = _gather(model)["0.weight"].double()
    assert torch.allclose(w @ w.T, torch.eye(1000, dtype=torch.float64), atol=1e-5)
    _assert_equal(_gather(model), _unsharded(plan, 2, False), "native orthogonal on Shard(1)")
    assert report.placements["0/weight"]["computed"] == "whole" and report.placements["0/weight"]["invariant"] is True
    _native_structured(mesh)
    _native_unseeded(mesh)


def _native_structured(mesh) -> None:
    """A seeded structured draw on a sharded weight is computed whole from the parameter's own stream on every
    rank: the unsharded layer's values, reported invariant; unseeded it is not, and the report says so too."""
    import unifiedinit as ui
    from torch import nn
    from torch.distributed.tensor import Shard, distribute_tensor
    for spec in (ui.Orthogonal(), ui.Sparse(0.5, 0.1)):
        for placement in (Shard(0), Shard(1)):
            plan = ui.Plan().rule(spec, kind="dense", role="weight")
            ref = nn.Linear(16, 24)
            plan.apply(ref, seed=3)
            layer = nn.Linear(16, 24)
            layer.weight = nn.Parameter(distribute_tensor(layer.weight.detach(), mesh, [placement]))
            where = plan.apply(layer, seed=3).placements["weight"]
            what = f"{spec!r} on {placement}"
            assert torch.equal(cast(Any, layer.weight).full_tensor(), ref.weight.detach()), what
            assert where["computed"] == "whole" and where["invariant"] is True, (what, where)
            torch.manual_seed(5)  # alike on every rank
            where = plan.apply(layer).placements["weight"]
            assert where["computed"] == "whole" and where["invariant"] is False, (what, where)


def _native_unseeded(mesh) -> None:
    """Without a seed a shard draws from torch.initial_seed()'s (or generator=''s) derived stream with a generator
    of its own. It drew from the generator a plain parameter drawn before it had left (the global one: every rank
    the same shard), re-seeded the user's generator, and made the plain parameters after it ignore both."""
    import unifiedinit as ui
    from torch import nn
    from torch.distributed.tensor import Replicate, Shard, distribute_tensor

    def model(first: str, placement=None) -> tuple[Any, Any]:
        m: Any = nn.Sequential(nn.Linear(64, 64), nn.Linear(64, 64))
        sharded = m[1] if first == "plain" else m[0]
        sharded.weight = nn.Parameter(distribute_tensor(sharded.weight.detach(), mesh, [placement or Shard(0)]))
        return m, sharded

    for first in ("plain", "dtensor"):
        m, sharded = model(first)
        torch.manual_seed(1234)  # alike on every rank
        ui.presets.torch.apply(m)
        parts = _all_locals(sharded.weight)
        assert all(not torch.equal(parts[i], parts[j]) for i in range(len(parts)) for j in range(i)), first
        again, sharded_again = model(first)
        torch.manual_seed(1234)
        ui.presets.torch.apply(again)
        assert torch.equal(sharded_again.weight.to_local(), sharded.weight.to_local()), f"{first}: not repeated"
        plain = m[0] if first == "plain" else m[1]
        torch.manual_seed(4321)  # the plain parameters follow the global generator, wherever the shard is
        ui.presets.torch.apply(again)
        assert not torch.equal((again[0] if first == "plain" else again[1]).weight, plain.weight), first
    drawn = []
    for seed in (1, 2):
        m, sharded = model("dtensor")
        g = torch.Generator().manual_seed(seed)
        ui.presets.torch.apply(m, generator=g)
        assert g.initial_seed() == seed  # the user's generator is used, never re-seeded
        drawn.append((sharded.weight.full_tensor(), m[1].weight.detach().clone()))
    assert not torch.equal(drawn[0][0], drawn[1][0]) and not torch.equal(drawn[0][1], drawn[1][1])
    m, _ = model("dtensor", Replicate())
    report = ui.presets.torch.apply(m)  # unseeded: a replicated shard is not the unsharded draw, and says so
    assert report.placements["0/weight"]["invariant"] is False


def meta_fsdp2(rank: int, world: int) -> None:
    import unifiedinit as ui
    from torch.distributed.fsdp import fully_shard
    from unifiedinit.backends.torch import empty_init
    want = _unsharded(ui.presets.torch, 11, True)
    for how in ("empty_init", "meta device"):
        if how == "empty_init":
            with empty_init():
                model = _model()
        else:
            with torch.device("meta"):
                model = _model()
        fully_shard(model)
        assert model[0].weight.is_meta
        report = ui.presets.torch.apply(model, seed=11, portable=True, device="cpu")
        assert set(report.materialized) == {"0/weight", "0/bias", "1/weight", "1/bias", "3/weight", "3/bias"}
        assert not any(t.is_meta for t in model.state_dict().values())
        _assert_equal(_gather(model), want, f"FSDP2 built with {how}")


class FlatExperts(torch.nn.Module):
    """Three experts' (40, 30, 3) kernels, each one row of a (3, 3600) weight, as timm's CondConv2d stores its
    experts (registered with ``shapes``, so a spec sees each expert's kernel): the experts' shards are uneven on 2
    and 4 ranks."""

    def __init__(self) -> None:
        super().__init__()
        self.kernel_shape: tuple[int, ...] = (40, 30, 3)
        self.weight = torch.nn.Parameter(torch.zeros(3, 40 * 30 * 3))


def flattened_fsdp2(rank: int, world: int) -> None:
    """A flattened layer drawn through its view under FSDP2, built with ``empty_init()``: portable values (torch's
    default and an orthogonal kernel per expert) equal the unsharded layer's and the weight keeps its shape."""
    import unifiedinit as ui
    from torch.distributed.fsdp import fully_shard
    from unifiedinit.backends.torch import empty_init
    ui.register_layer(FlatExperts, "conv", stacked=1, shapes={"weight": "kernel_shape"})
    orthogonal = ui.Plan(name="orthogonal").rule(ui.Orthogonal(), kind="conv", role="weight")
    for plan in (ui.presets.torch, orthogonal):
        ref = FlatExperts()
        plan.apply(ref, seed=4, portable=True)
        with empty_init():
            model = FlatExperts()
        fully_shard(model)
        plan.apply(model, seed=4, portable=True, device="cpu")
        got = cast(Any, model.weight).full_tensor().detach()
        assert tuple(got.shape) == (3, 3600) and torch.equal(got, ref.weight.detach()), plan.name
    for expert in got.double().view(3, 40, -1):  # each expert's (40, 90) kernel has orthonormal rows
        assert torch.allclose(expert @ expert.T, torch.eye(40, dtype=torch.float64), atol=1e-5)
    if world > 1:  # sharded inside one expert's output channels: refused by name before anything is written
        import pytest
        from torch.distributed.device_mesh import init_device_mesh
        from torch.distributed.tensor import Shard, distribute_tensor
        odd = FlatExperts()
        odd.kernel_shape = (3, 5, 7)
        odd.weight = torch.nn.Parameter(distribute_tensor(torch.zeros(3, 105), init_device_mesh("cpu", (world,)),
                                                          [Shard(1)]))
        with pytest.raises(ValueError, match=r"'weight' is stored \(3, 105\) and drawn through a \(3, 3, 5, 7\) "
                                             r"view .*\(Shard\(dim=1\)\) does not allow"):
            ui.presets.torch.apply(odd, seed=0)
        assert not cast(Any, odd.weight).to_local().any()


def init_missing_fsdp2(rank: int, world: int) -> None:
    # a checkpoint of the body into an FSDP2 model built on meta: each rank copies its own shard of every loaded
    # tensor, and the plan draws the rest (the head) as the unsharded model's under the same plan and seed
    import unifiedinit as ui
    from torch.distributed.fsdp import fully_shard
    torch.manual_seed(0)
    body = {n: t for n, t in _model().state_dict().items() if not n.startswith("3.")}
    want = _unsharded(ui.presets.torch, 4, True) | body
    with torch.device("meta"):
        model = _model()
    fully_shard(model)
    report = ui.init_missing(model, body, ui.presets.torch, seed=4, portable=True, device="cpu")
    assert set(report.loaded) == set(body) and {e.param.path for e in report.entries} == {"3/weight", "3/bias"}
    _assert_equal(_gather(model), want, "init_missing on FSDP2")


SCENARIOS = {f.__name__: f for f in (portable_dtensor, counter_dtensor, portable_fsdp2, native_dtensor, meta_fsdp2,
                                      mixed_and_refused, init_missing_fsdp2, flattened_fsdp2)}


def _normed() -> Any:
    """A weight norm, a spectral norm and the old hook-based spectral norm, with uneven shapes (9 and 7 rows)."""
    from torch import nn
    from torch.nn.utils.parametrizations import spectral_norm, weight_norm
    torch.manual_seed(0)
    return nn.Sequential(weight_norm(nn.Linear(6, 9)), spectral_norm(nn.Linear(9, 7)),
                         torch.nn.utils.spectral_norm(nn.Linear(7, 5)))


def _normed_by_hand(model, mesh) -> None:
    """The weight norm's direction v on Shard(1) with g replicated (its norm summed across shards would differ),
    the spectral norm's matrix on Shard(0) with its vectors replicated DTensors, the hook-based one's on Shard(1)
    with its vectors plain; biases replicated."""
    from torch import nn
    from torch.distributed.tensor import Replicate, Shard, distribute_tensor
    norm, spectral, hooked = model[0].parametrizations.weight, model[1].parametrizations.weight, model[2]
    for module, name, placement in ((norm, "original1", Shard(1)), (norm, "original0", Replicate()),
                                    (spectral, "original", Shard(0)), (hooked, "weight_orig", Shard(1))) + \
            tuple((layer, "bias", Replicate()) for layer in model):
        module._parameters[name] = nn.Parameter(distribute_tensor(module._parameters[name].detach(), mesh,
                                                                  [placement]))
    for name in ("_u", "_v"):
        spectral[0]._buffers[name] = distribute_tensor(spectral[0]._buffers[name], mesh, [Replicate()])


def _full(t):
    from torch.distributed.tensor import DTensor
    return (t.full_tensor() if isinstance(t, DTensor) else t).detach().clone()


def _locals(model) -> dict:
    from torch.distributed.tensor import DTensor
    return {n: (t.to_local() if isinstance(t, DTensor) else t).detach().clone() for n, t in model.state_dict().items()}


def normed_sharded(rank: int, world: int) -> None:
    """Weight and spectral norms (and the hook-based spectral norm) under FSDP2 and sharded by hand: what follows
    a normed weight (g, the power iteration's u and v, the hook's computed weight) is computed from the whole
    weight, so portable values equal the unsharded model's bit for bit (g too, with v on Shard(1)) and native
    values are consistent; a follower that cannot be set is refused before anything is written."""
    import unifiedinit as ui
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard
    from torch.distributed.tensor import DTensor, Partial
    from torch.nn import functional as F
    mesh = init_device_mesh("cpu", (world,))

    def sharded(kind: str) -> Any:
        model = _normed()
        if kind == "fsdp2":
            fully_shard(model)
        else:
            _normed_by_hand(model, mesh)
        return model

    for kind in ("fsdp2", "by hand"):
        for stream in (True, "counter"):
            ref = _normed()
            ui.presets.torch.apply(ref, seed=5, portable=stream)
            model = sharded(kind)
            ui.presets.torch.apply(model, seed=5, portable=stream)
            _assert_equal(_gather(model), {n: t.detach().clone() for n, t in ref.state_dict().items()},
                          f"normed layers, {kind} ({stream})")
            assert torch.equal(_full(model[2].weight), ref[2].weight), f"hooked weight, {kind} ({stream})"
        model = sharded(kind)
        ui.presets.torch.apply(model, seed=5)  # native: the shards differ from the unsharded draws; g, u, v follow
        got = _gather(model)
        v = got["0.parametrizations.weight.original1"]
        assert torch.equal(got["0.parametrizations.weight.original0"], torch.norm_except_dim(v, 2, 0)), kind
        # the power iteration's last step (15 of them at registration), on the whole matrix
        u, matrix = got["1.parametrizations.weight.0._u"], got["1.parametrizations.weight.original"]
        assert torch.equal(got["1.parametrizations.weight.0._v"], F.normalize(torch.mv(matrix.H, u), dim=0)), kind
        # the hook-based norm (no iteration): its computed weight, from the whole tensors
        u, v, matrix = got["2.weight_u"], got["2.weight_v"], got["2.weight_orig"]
        assert torch.equal(_full(model[2].weight), matrix / torch.dot(u, torch.mv(matrix, v))), kind
    # refused before anything is written: a follower with a Partial placement; a weight gathered past whole_limit
    import re
    model = sharded("by hand")
    spectral = model[1].parametrizations.weight[0]
    replicated = spectral._buffers["_u"]
    sharded_v = r"'0/parametrizations/weight/original1' is sharded .*whole_limit=200"
    for options, match in (({}, r"'1/parametrizations/weight/0/_u', which follows .* Partial"),
                           ({"whole_limit": 200}, sharded_v)):
        # the weight norm's direction holds 9 x 6 float32: 216 bytes, gathered whole on every rank
        spectral._buffers["_u"] = DTensor.from_local(torch.ones(7), mesh, [Partial()]) if not options else replicated
        before = _locals(model)
        for stream in (False, True, "counter"):
            try:
                ui.presets.torch.apply(model, seed=5, portable=stream, **options)
            except ValueError as e:
                assert re.search(match, str(e)), e
            else:
                raise AssertionError(f"accepted: {options}, {stream}")
            _assert_equal(_locals(model), before, f"after a refused call ({options}, {stream})")


def dtensor_checkpoints(rank: int, world: int) -> None:
    """init_missing with a checkpoint of DTensors: an FSDP2 model's state_dict into an FSDP2 model of the same
    placements loads shard by shard (it used to fail with a bare AssertionError from DTensor's dispatch); into a
    plain model, a DTensor of other placements, or a grown embedding it is refused with a TypeError naming the
    key, before anything is written."""
    import unifiedinit as ui
    from torch import nn
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard
    from torch.distributed.tensor import DTensor, Replicate, distribute_tensor

    def net(seed: int) -> nn.Sequential:
        torch.manual_seed(seed)
        return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 6))

    def sharded(module: nn.Module) -> nn.Module:
        for layer in module.children():
            if any(True for _ in layer.parameters()):
                fully_shard(layer)
        fully_shard(module)
        return module

    def whole(module: nn.Module) -> dict:  # every rank gathers every tensor
        return {n: t.full_tensor() if isinstance(t, DTensor) else t.detach().clone()
                for n, t in module.state_dict().items()}

    def same(got: dict, want: dict) -> None:
        assert set(got) == set(want)
        for name, t in want.items():
            assert torch.equal(got[name], t), name

    # an FSDP2 model's own state_dict (DTensors of the model's placements) of the body, a new head: each rank
    # copies its shard, and the model gathered is the unsharded model given the whole checkpoint, bit for bit
    old = sharded(net(0))
    body = {n: t for n, t in old.state_dict().items() if n.startswith("0.")}
    assert all(isinstance(t, DTensor) for t in body.values())
    full = {n: t.full_tensor() for n, t in body.items()}
    model = sharded(net(1))
    report = ui.init_missing(model, body, ui.presets.torch, seed=4, portable=True)
    reference = net(1)
    ui.init_missing(reference, full, ui.presets.torch, seed=4, portable=True)
    assert set(report.loaded) == set(body) and {e.param.path for e in report.entries} == {"2/weight", "2/bias"}
    same(whole(model), {n: t.detach() for n, t in reference.state_dict().items()})
    # the model's own state_dict: read in place, nothing changes
    before = whole(model)
    ui.init_missing(model, model.state_dict(), ui.presets.torch, seed=5)
    same(whole(model), before)

    # refused by name, before anything is written: a DTensor into a plain tensor, or of other placements
    plain = net(2)
    before = whole(plain)
    with pytest.raises(TypeError, match=r"checkpoint tensor '0.weight' is a DTensor \(placements \(Shard\(dim=0\)\) "
                                        r"on a cpu mesh of ranks \[0, 1\]\) and the model's is a plain tensor; "
                                        r"allowed: .*t.full_tensor\(\)"):
        ui.init_missing(plain, body, ui.presets.torch, seed=0)
    same(whole(plain), before)
    replicated = {n: distribute_tensor(t, init_device_mesh("cpu", (world,)), [Replicate()]) for n, t in full.items()}
    target = sharded(net(3))
    before = whole(target)
    with pytest.raises(TypeError, match=r"'0.weight' is a DTensor \(placements \(Replicate\(\)\) .*and the model's "
                                        r"has placements \(Shard\(dim=0\)\)"):
        ui.init_missing(target, replicated, ui.presets.torch, seed=0)
    same(whole(target), before)
    # a grown embedding's new rows come from all its old rows: its DTensor is refused (its full_tensor() is not)
    torch.manual_seed(6)
    small = sharded(nn.Sequential(nn.Embedding(6, 4)))
    grown = sharded(nn.Sequential(nn.Embedding(8, 4)))
    before = whole(grown)
    with pytest.raises(TypeError, match=r"'0.weight' is a DTensor .* of an embedding that grew \(\(6, 4\) -> "
                                        r"\(8, 4\)\).*t.full_tensor\(\)"):
        ui.init_missing(grown, small.state_dict(), ui.presets.torch, seed=0)
    same(whole(grown), before)
    report = ui.init_missing(grown, {"0.weight": whole(small)["0.weight"]}, ui.presets.torch, seed=0)
    assert report.resized == {"0.weight": (6, 8)}
    assert torch.equal(whole(grown)["0.weight"][:6], whole(small)["0.weight"])


def fsdp_wrappers(rank: int, world: int) -> None:
    """FSDP1 (``FullyShardedDataParallel``: 1-D pieces of a flattened, sharded FlatParameter) and FSDP2 modules
    holding their unsharded parameters (which ``reshard()`` throws away) are refused by name before anything is
    written. Inside ``summon_full_params(writeback=True)``, and once FSDP2's modules are resharded, a portable plan
    gives the unsharded model's values bit for bit, and FSDP2's shards keep storage torch can resize."""
    import unifiedinit as ui
    from torch import nn
    from torch.distributed.fsdp import FSDPModule, fully_shard
    from torch.distributed.fsdp import FullyShardedDataParallel as FSDP

    def net() -> nn.Sequential:
        torch.manual_seed(0)
        return nn.Sequential(nn.Linear(8, 6), nn.ReLU(), nn.Linear(6, 4))

    ref = net()
    ui.presets.flax.apply(ref, seed=9, portable=True)  # not torch's default init: a write not done shows
    want = {n: t.detach().clone() for n, t in ref.named_parameters()}
    fsdp1 = r"Plan.apply: the model is an FSDP1 FullyShardedDataParallel,.*Allowed: .*FSDP2.*before wrapping.*" \
        r"\.summon_full_params\(model, writeback=True\)"
    for orig in (True, False):  # sharded pieces of the layers' shapes, or one FlatParameter of them all
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # FSDP1's deprecation; device_id on a CPU
            model = FSDP(net(), use_orig_params=orig, device_id=torch.device("cpu"))

        def full() -> dict:
            with FSDP.summon_full_params(model):
                return {n: t.detach().clone() for n, t in model.named_parameters()}

        before = full()
        for portable in (False, True):
            with pytest.raises(ValueError, match=fsdp1):
                ui.presets.flax.apply(model, seed=9, portable=portable)
        if not orig:  # the wrapped module handed over without its wrapper: its FlatParameter, by name
            with pytest.raises(ValueError, match=r"parameter '_flat_param' is an FSDP1 FlatParameter.*Allowed"):
                ui.presets.flax.apply(model.module, seed=9, portable=True)
        _assert_equal(full(), before, f"FSDP1 (use_orig_params={orig}) after a refused call")
        with FSDP.summon_full_params(model, writeback=True):  # keyed as the unwrapped model's layers
            ui.presets.flax.apply(model, seed=9, portable=True)
        _assert_equal(full(), want, f"FSDP1 (use_orig_params={orig}) inside summon_full_params")
    # FSDP2 after a forward with reshard_after_forward=False: its modules hold plain, unsharded parameters
    model = net()
    for module in (model[0], model[2], model):
        fully_shard(module, reshard_after_forward=False)
    model(torch.ones(2, 8))
    before = {n: t.detach().clone() for n, t in model.named_parameters()}
    for portable in (False, True):
        with pytest.raises(ValueError, match=r"FSDP2 module '0' \(FSDPLinear\) holds its unsharded parameters.*"
                                             r"nothing was written. Allowed: call reshard\(\) on each module"):
            ui.presets.flax.apply(model, seed=9, portable=portable)
    _assert_equal({n: t.detach().clone() for n, t in model.named_parameters()}, before, "unsharded FSDP2")
    for module in model.modules():
        if isinstance(module, FSDPModule):
            module.reshard()
    # an unshard in flight: waited for, it sets the values it gathered
    handle = cast(Any, model[0]).unshard(async_op=True)
    with pytest.raises(ValueError, match=r"FSDP2 module '0' .* has an unshard in flight .* call wait\(\) on"):
        ui.presets.flax.apply(model, seed=9)
    assert handle is not None
    handle.wait()
    cast(Any, model[0]).reshard()
    ui.presets.flax.apply(model, seed=9, portable=True)
    _assert_equal(_gather(model), want, "FSDP2 resharded")
    for t in model.parameters():  # FSDP2 frees memory by resizing storage: portable writes left it resizable
        storage = cast(Any, t).to_local().untyped_storage()
        storage.resize_(storage.nbytes())


#: one spawned group on 2 ranks each (``test_normed_layers_sharded``, ``test_dtensor_checkpoints_and_fsdp_wrappers``)
ON_TWO = {f.__name__: f for f in (normed_sharded, dtensor_checkpoints, fsdp_wrappers)}


def crash_once(rank: int, world: int) -> None:
    """Rank 0 dies by a signal, as a C++ abort does, the first time (the marker file the test names is absent)."""
    mark = os.environ["UNIFIEDINIT_CRASH_MARK"]
    if rank == 0 and not os.path.exists(mark):
        open(mark, "w").close()
        os.abort()


def crash_always(rank: int, world: int) -> None:
    os.abort()


def fail(rank: int, world: int) -> None:
    raise AssertionError("a failure of the scenario itself")


#: scenarios that check ``_spawn`` itself
CRASHES = {f.__name__: f for f in (crash_once, crash_always, fail)}


def test_a_rank_killed_before_it_reports_is_run_again_once(tmp_path, monkeypatch):
    monkeypatch.setenv("UNIFIEDINIT_CRASH_MARK", str(tmp_path / "crashed"))
    with pytest.warns(UserWarning, match="SIGABRT"):
        _spawn("crash_once", 1, tmp_path)  # the second run passes
    assert (tmp_path / "crashed").exists()
    for name in ("always", "fail"):
        (tmp_path / name).mkdir()
    with pytest.raises(AssertionError, match="crash_always failed"), pytest.warns(UserWarning):
        _spawn("crash_always", 1, tmp_path / "always")  # killed twice: a failure
    with pytest.raises(AssertionError, match="a failure of the scenario itself"):
        _spawn("fail", 1, tmp_path / "fail")
    assert not (tmp_path / "fail" / "again").exists()  # a failure with a traceback is never run again


@pytest.mark.parametrize("world", [1, 2, 4])
def test_sharded_plans(world, tmp_path):
    """Every scenario on ``world`` ranks, one after the other in one spawned group: a spawn costs each rank a
    fresh interpreter and torch's import, which was most of a scenario's time when each had its own group. A
    failing scenario's traceback names it. native_dtensor needs two ranks (distinct shards; one rank is the
    unsharded case, tested everywhere else); the normed layers, DTensor checkpoints and FSDP wrappers run on two."""
    names = [name for name in SCENARIOS if world > 1 or name != "native_dtensor"]
    _spawn("+".join(names + (list(ON_TWO) if world == 2 else [])), world, tmp_path)


if __name__ == "__main__":  # pragma: no cover - run one scenario by hand: python tests/test_distributed.py NAME N
    import pathlib
    import tempfile
    _spawn(sys.argv[1], int(sys.argv[2]), pathlib.Path(tempfile.mkdtemp()))
