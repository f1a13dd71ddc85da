"""Deferred torch initialization: ``empty_init()`` and ``plan.apply(..., device=)`` on meta models."""

from __future__ import annotations

import warnings

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


def test_without_device_a_meta_model_is_checked_and_left_on_meta():
    with empty_init():
        m = nn.Linear(3, 3)
    ui.presets.torch.apply(m, seed=0)
    assert m.weight.is_meta


def test_the_report_says_where_each_value_lives():
    m = nn.Linear(3, 4)
    report = ui.presets.torch.apply(m, seed=0, portable=True)
    assert report.placements["weight"] == {"global_shape": [4, 3], "local_shape": [4, 3], "placement": "whole",
                                           "device": "cpu", "computed": "block", "invariant": True}
    assert report.to_dict()["entries"][0]["placement"]["placement"] == "whole"
