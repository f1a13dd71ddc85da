"""Deferred torch initialization: ``empty_init()`` and ``plan.apply(..., device=)`` on meta models."""

from __future__ import annotations

import contextlib
import warnings
from typing import Any

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

import unifiedinit as ui  # noqa: E402
from unifiedinit.backends.torch import empty_init  # noqa: E402


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(50, 16)
        self.conv = nn.Conv1d(16, 16, 3)
        self.bn = nn.BatchNorm1d(16)
        self.head = nn.Linear(16, 50, bias=False)
        self.head.weight = self.emb.weight  # tied
        self.register_buffer("table", torch.arange(4.0))


def _state(m):
    return {n: t.detach().clone() for n, t in m.state_dict().items()}


def _equal(a, b):
    assert a.keys() == b.keys()
    for n in a:
        assert torch.equal(a[n], b[n]), n


@pytest.mark.parametrize("portable", [False, True])
def test_built_empty_then_drawn_once_equals_built_normally(portable):
    with empty_init():
        m = Net()
    assert all(p.is_meta for p in m.parameters())
    running_var = m.bn.running_var
    assert running_var is not None and not running_var.is_meta  # buffers stay real
    assert torch.equal(running_var, torch.ones(16))
    assert torch.equal(m.table, torch.arange(4.0))
    report = ui.presets.flax.apply(m, seed=3, portable=portable, device="cpu")
    assert not any(t.is_meta for t in m.state_dict().values())
    assert m.head.weight is m.emb.weight  # still tied
    assert isinstance(m.conv.weight, nn.Parameter) and m.conv.weight.requires_grad
    assert set(report.materialized) == {"emb/weight", "conv/weight", "conv/bias", "bn/weight", "bn/bias"}
    ref = Net()
    ui.presets.flax.apply(ref, seed=3, portable=portable)
    _equal(_state(m), _state(ref))


def test_empty_init_runs_no_default_init_and_restores_registration():
    calls = []
    real = nn.init.kaiming_uniform_

    def spy(t, *a, **k):
        calls.append(t.is_meta)
        return real(t, *a, **k)

    nn.init.kaiming_uniform_ = spy
    try:
        with empty_init():
            nn.Linear(8, 8)
    finally:
        nn.init.kaiming_uniform_ = real
    assert calls == [True]  # Linear's reset_parameters ran on meta: nothing computed
    assert not nn.Linear(2, 2).weight.is_meta  # the patch is gone after the block


def test_a_meta_model_gets_its_statistics_from_torch_and_unknown_buffers_are_named():
    with torch.device("meta"):
        m = Net()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = ui.presets.torch.apply(m, seed=0, device="cpu")
    assert torch.equal(m.bn.running_mean, torch.zeros(16)) and torch.equal(m.bn.running_var, torch.ones(16))
    assert m.bn.num_batches_tracked is not None and int(m.bn.num_batches_tracked) == 0
    assert report.unset_buffers == ("table",)
    assert any("table" in str(w.message) and "uninitialized" in str(w.message) for w in caught)


def test_an_unmatched_meta_parameter_raises_before_anything_is_allocated():
    with empty_init():
        m = Net()
    plan = ui.Plan().rule(ui.Normal(0, 0.02), kind="embedding")
    with pytest.raises(ValueError, match=r"meta parameter\(s\) are set by no rule.*conv/weight"):
        plan.apply(m, seed=0, device="cpu")
    assert all(p.is_meta for p in m.parameters())


class Quantized(nn.Module):
    """A float layer beside an integer parameter (a quantized weight), which no plan can draw."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(4, 4)
        self.qweight = nn.Parameter(torch.arange(16, dtype=torch.int32).view(4, 4), requires_grad=False)


@pytest.mark.parametrize("build", ["empty_init", "meta"])
def test_a_meta_parameter_the_plan_cannot_see_raises_and_a_checkpoint_fills_it(build):
    with empty_init() if build == "empty_init" else torch.device("meta"):
        m = Quantized()
    with pytest.raises(ValueError, match=r"qweight \(int32: no rule can set it\)"):
        ui.presets.torch.apply(m, seed=0, device="cpu")
    assert all(p.is_meta for p in m.parameters())  # nothing allocated
    source = Quantized()
    report = ui.init_missing(m, {"qweight": source.qweight.detach()}, ui.presets.torch, seed=0, device="cpu")
    assert torch.equal(m.qweight, source.qweight) and set(report.materialized) == {"lin/weight", "lin/bias", "qweight"}


def test_a_skipped_meta_parameter_gets_zeros_for_its_checkpoint():
    """Before, it was given uninitialized memory without a word; now zeros, ready for a plain load_state_dict."""
    with empty_init():
        m = Net()
    report = ui.presets.torch.apply(m, seed=0, device="cpu", skip=["conv.weight", "emb.weight"])
    assert torch.equal(m.conv.weight, torch.zeros(16, 16, 3)) and torch.equal(m.emb.weight, torch.zeros(50, 16))
    assert {"conv/weight", "emb/weight"} <= set(report.materialized)
    assert [p.path for p in report.skipped] == ["emb/weight", "conv/weight"] and m.head.weight is m.emb.weight
    checkpoint = {"conv.weight": torch.full((16, 16, 3), 0.5), "emb.weight": torch.ones(50, 16)}
    m.load_state_dict(checkpoint, strict=False)
    assert torch.equal(m.conv.weight, checkpoint["conv.weight"]) and torch.equal(m.head.weight, torch.ones(50, 16))


def test_init_missing_fills_a_tie_from_whichever_name_the_checkpoint_keeps():
    """A safetensors checkpoint keeps one name of a tied pair, often the second (``head.weight``)."""
    with torch.device("meta"):
        m = Net()
    report = ui.init_missing(m, {"head.weight": torch.ones(50, 16)}, ui.presets.torch, seed=0, device="cpu")
    assert report.loaded == ("head.weight",) and m.head.weight is m.emb.weight
    assert torch.equal(m.emb.weight, torch.ones(50, 16))


def test_a_parameter_subclass_keeps_its_kind_when_torch_swaps_tensors_in_place(monkeypatch):
    """With torch.__future__.set_swap_module_params_on_conversion (as for every DTensor parameter) to_empty
    swaps the new tensor into the same object: what it was is read before."""
    monkeypatch.setattr(torch.__future__, "_swap_module_params_on_conversion", True)
    with empty_init():
        m = Flagged()
    ui.Plan().rule(ui.Normal(0, 0.02)).apply(m, seed=0, device="cpu", skip=["lin.weight"])
    assert type(m.mark) is Marked and getattr(m.mark, "sequence_parallel") and not m.mark.requires_grad
    assert getattr(m.a_log, "_no_weight_decay") and torch.equal(m.lin.weight, torch.zeros(4, 4))


class Marked(nn.Parameter):
    """A Parameter subclass, as parallel libraries define them (no custom constructor arguments known to us)."""


class Flagged(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(4, 4)
        self.a_log = nn.Parameter(torch.zeros(4))
        setattr(self.a_log, "_no_weight_decay", True)  # mamba's marker, read by optimizer setups
        mark = Marked(torch.zeros(4), requires_grad=False)
        setattr(mark, "sequence_parallel", True)
        self.mark = mark
        shared = nn.Parameter(torch.zeros(3, 4))  # one object registered twice: a tie
        self.emb, self.head = nn.Embedding(3, 4), nn.Linear(4, 3, bias=False)
        self.emb.weight = shared
        self.head.weight = shared


@pytest.mark.parametrize("build", ["empty_init", "meta"])
def test_parameter_classes_attributes_and_ties_survive_meta_and_materialization(build):
    with empty_init() if build == "empty_init" else torch.device("meta"):
        m = Flagged()
    for stage in ("built", "materialized"):
        assert type(m.mark) is Marked and getattr(m.mark, "sequence_parallel") and not m.mark.requires_grad, stage
        assert getattr(m.a_log, "_no_weight_decay") and m.a_log.requires_grad, stage
        assert m.emb.weight is m.head.weight, stage
        if stage == "built":
            assert all(p.is_meta for p in m.parameters())
            ui.Plan().rule(ui.Normal(0, 0.02)).apply(m, seed=0, device="cpu")
    assert not any(p.is_meta for p in m.parameters())


def test_a_lazy_module_builds_under_empty_init_and_materializes_on_its_first_call():
    with empty_init():
        m = nn.Sequential(nn.LazyLinear(4), nn.Linear(4, 2))
    assert isinstance(m[0].weight, nn.parameter.UninitializedParameter) and m[1].weight.is_meta
    with pytest.warns(UserWarning, match=r"2 parameter\(s\) of lazy modules are not built yet.*0\.weight, 0\.bias"):
        ui.presets.torch.apply(m, seed=0, device="cpu")
    assert not m[1].weight.is_meta
    assert m[0](torch.ones(1, 3)).shape == (1, 4)  # built on its first call, outside the block: real values


@pytest.mark.parametrize("portable", [True, "counter"])
@pytest.mark.parametrize("build", ["real", "empty_init"])
def test_a_dtype_portable_values_do_not_exist_in_is_refused_before_anything_is_written(portable, build):
    with empty_init() if build == "empty_init" else contextlib.nullcontext():
        m = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 4))
    m[1].weight = nn.Parameter(torch.ones(4, 4, dtype=torch.complex64))
    before = _state(m) if build == "real" else None
    with pytest.raises(ValueError, match=r"'1/weight' is complex64"):
        ui.Plan().rule(ui.Constant(0.5)).apply(m, seed=0, portable=portable, device="cpu")
    if before is None:
        assert m[0].weight.is_meta and m[0].bias.is_meta  # nothing materialized
    else:
        _equal(_state(m), before)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a torch without a usable CUDA device")
def test_a_device_this_torch_cannot_use_is_named():
    with torch.device("meta"):
        m = nn.Linear(2, 2)
    with pytest.raises(ValueError, match="parameter 'device' must be a device this torch can allocate on.*'cuda'"):
        ui.presets.torch.apply(m, seed=0, device="cuda")
    assert m.weight.is_meta
    for bad in (10 ** 400, -1, "cpu:x", 3.5):  # 10**400 gave torch's "Overflow when unpacking long long"
        with pytest.raises(ValueError, match=r"^Plan.apply: parameter 'device' must be a torch device, got "):
            ui.presets.torch.apply(m, seed=0, device=bad)
        assert m.weight.is_meta


@pytest.mark.parametrize("device,error", [("meta", ValueError), ("nowhere", ValueError), (3.5, ValueError)])
def test_a_bad_device_is_refused(device, error):
    m = nn.Linear(2, 2)
    before = m.weight.detach().clone()
    with pytest.raises(error, match="device"):
        ui.presets.torch.apply(m, seed=0, device=device)
    assert torch.equal(m.weight, before)


def test_device_needs_a_module():
    with pytest.raises(TypeError, match="nn.Module"):
        ui.presets.torch.apply(nn.Linear(2, 2).state_dict(), seed=0, device="cpu")


def test_without_device_a_meta_model_is_checked_and_left_on_meta_and_says_so():
    # the report listed every entry as set while nothing was written: a warning says so, naming them
    with empty_init():
        m = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 3), nn.Linear(3, 3))
    with pytest.warns(UserWarning, match=r"Plan.apply: 6 parameter\(s\) are on the meta device, which holds no "
                                         r"values: checked, not written \(0/weight, 0/bias, 1/weight, 1/bias \.\.\.\); "
                                         r"pass device="):
        ui.presets.torch.apply(m, seed=0)
    assert m[0].weight.is_meta
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ui.presets.torch.apply(nn.Linear(3, 3), seed=0)  # nothing on meta: nothing said


def test_the_report_says_where_each_value_lives():
    m = nn.Linear(3, 4)
    report = ui.presets.torch.apply(m, seed=0, portable=True)
    assert report.placements["weight"] == {"global_shape": [4, 3], "local_shape": [4, 3], "placement": "whole",
                                           "device": "cpu", "computed": "block", "invariant": True}
    assert report.to_dict()["entries"][0]["placement"]["placement"] == "whole"


class _Rotary(nn.Module):
    """A module of buffers only (a rotary table), which empty_init() keeps real on the default device."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("inv_freq", 1.0 / 10000 ** (torch.arange(0, 8, 2, dtype=torch.float32) / 8))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_device_takes_every_real_buffer_with_the_model():
    # BatchNorm's statistics moved with their module's meta parameters; a buffer-only module's table stayed behind
    with empty_init():
        model = nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8), _Rotary())
    table = model.get_buffer("2.inv_freq").clone()
    ui.presets.torch.apply(model, seed=0, device="cuda")
    assert {t.device.type for t in model.state_dict().values()} == {"cuda"}
    assert torch.equal(model.get_buffer("2.inv_freq").cpu(), table)


class _Attention(nn.Module):
    """A layer holding the model's one rotary table beside its own weight."""

    def __init__(self, table: Any) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(8, 8))
        self.register_buffer("inv_freq", table, persistent=False)


class _SharedTable(nn.Module):
    """One rotary table registered in two layers with parameters and in a module of buffers only."""

    def __init__(self) -> None:
        super().__init__()
        table = 1.0 / 10000 ** (torch.arange(0, 8, 2, dtype=torch.float32) / 8)
        self.a, self.b, self.rotary = _Attention(table), _Attention(table), nn.Module()
        self.rotary.register_buffer("inv_freq", table, persistent=False)


@pytest.mark.parametrize("swap", [False, True])
def test_a_real_buffer_several_modules_share_stays_one_tensor(swap, monkeypatch):
    # each module was moved by its own to_empty and its values copied back: one copy of the table per module
    monkeypatch.setattr(torch.__future__, "_swap_module_params_on_conversion", swap)
    with empty_init():
        m: Any = _SharedTable()
    table = m.a.inv_freq.clone()
    assert m.a.inv_freq is m.b.inv_freq is m.rotary.inv_freq
    ui.Plan().rule(ui.Normal(0, 1)).apply(m, seed=0, device="cpu")
    assert m.a.inv_freq is m.b.inv_freq is m.rotary.inv_freq
    assert torch.equal(m.a.inv_freq, table) and not m.a.weight.is_meta


@pytest.mark.parametrize("real", [("running_mean", "running_var"), ("num_batches_tracked",)])
def test_a_meta_norm_sets_only_its_meta_statistics_and_the_plan_writes_the_live_ones(real):
    # reset_running_stats() ran for a norm holding any meta buffer: real statistics (assigned, or loaded from an
    # old checkpoint without a count) were reset to 0 and 1 without a word; and a rule for the statistics wrote
    # into the tensors the module held before it was moved
    def build() -> Any:
        with torch.device("meta"):
            m = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
        values = {"running_mean": torch.full((4,), 3.0), "running_var": torch.full((4,), 5.0),
                  "num_batches_tracked": torch.tensor(7)}
        for name in real:
            setattr(m[1], name, values[name])
        return m

    fresh = {"running_mean": torch.zeros(4), "running_var": torch.ones(4), "num_batches_tracked": torch.tensor(0)}
    kept = {"running_mean": torch.full((4,), 3.0), "running_var": torch.full((4,), 5.0),
            "num_batches_tracked": torch.tensor(7)}
    m = build()
    ui.Plan().rule(ui.Normal(0, 0.02)).apply(m, seed=0, device="cpu")  # no rule for the statistics
    for name in fresh:
        assert torch.equal(m[1].get_buffer(name), kept[name] if name in real else fresh[name]), name
    m = build()  # its rules set the statistics, as on a model built normally
    ui.presets.torch.rule(ui.Constant(2.0), role="running_mean").apply(m, seed=0, device="cpu")
    assert torch.equal(m[1].running_mean, torch.full((4,), 2.0))
    assert torch.equal(m[1].running_var, fresh["running_var"])
    assert torch.equal(m[1].num_batches_tracked, fresh["num_batches_tracked"])


def _normed() -> Any:
    from torch.nn.utils.parametrizations import spectral_norm, weight_norm
    return nn.Sequential(weight_norm(nn.Linear(6, 9)), spectral_norm(nn.Linear(9, 7)),
                         torch.nn.utils.spectral_norm(nn.Linear(7, 5)))


@pytest.mark.parametrize("build", ["empty_init", "meta"])
def test_normed_layers_on_meta_are_checked_then_drawn_as_built_normally(build):
    # without device=, a meta spectral norm raised after the writes ("META device type not an accelerator")
    with empty_init() if build == "empty_init" else torch.device("meta"):
        m = _normed()
    with pytest.warns(UserWarning, match="checked, not written"):
        ui.presets.torch.apply(m, seed=2, portable=True)
    assert all(t.is_meta for t in m.parameters())
    ui.presets.torch.apply(m, seed=2, portable=True, device="cpu")
    ref = _normed()
    ui.presets.torch.apply(ref, seed=2, portable=True)
    _equal(_state(m), _state(ref))
    assert torch.equal(m[2].weight, ref[2].weight)


def test_a_norms_own_meta_buffers_besides_its_statistics_are_named_as_unset():
    # reset_running_stats() sets running_mean, running_var and num_batches_tracked only; any other meta buffer
    # of the norm (a subclass's running_max, a quantized BatchNorm's scale and zero_point) was skipped by the
    # reset branch and left uninitialized without a warning and without a name in report.unset_buffers
    import torch.ao.nn.quantized as nnq

    class WithMax(nn.BatchNorm1d):
        def __init__(self, n: int) -> None:
            super().__init__(n)
            self.register_buffer("running_max", torch.full((n,), 7.0))

    with torch.device("meta"):
        m = nn.Sequential(nn.Linear(4, 3), WithMax(3), nnq.BatchNorm2d(3))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = ui.presets.torch.apply(m, seed=0, device="cpu")
    assert report.unset_buffers == ("1/running_max", "2/scale", "2/zero_point")
    assert any("1/running_max, 2/scale, 2/zero_point" in str(w.message) and "uninitialized" in str(w.message)
               for w in caught)
    for bn in (m[1], m[2]):  # the statistics still come from torch's own reset
        assert torch.equal(bn.get_buffer("running_mean"), torch.zeros(3))
        assert torch.equal(bn.get_buffer("running_var"), torch.ones(3))
        assert int(bn.get_buffer("num_batches_tracked")) == 0
    assert not any(t.is_meta for t in m.buffers())
