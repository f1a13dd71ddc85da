"""``ui.fit``: the closest law of each parameter of an existing model, and a plan that draws it again."""

from __future__ import annotations

import numpy as np
import pytest

import unifiedinit as ui
from unifiedinit.verify import stats

ALPHA = 1e-4


def test_a_torch_model_fits_torchs_own_init_and_the_plan_draws_it_again():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.LayerNorm(256), torch.nn.Linear(256, 32))
    found = ui.fit(model)
    rows = {r.path: r for r in found.rows}
    assert rows["0/weight"].spec == ui.KaimingUniform(a=5 ** 0.5) and rows["0/weight"].p > ALPHA
    assert rows["1/weight"].spec == ui.Constant(1.0) and rows["1/bias"].source == "constant"
    copy = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.LayerNorm(256), torch.nn.Linear(256, 32))
    with torch.no_grad():
        for t in copy.parameters():
            t.fill_(float("nan"))
    found.to_plan().apply(copy, seed=1)
    for (name, a), b in zip(model.named_parameters(), copy.parameters()):
        a, b = a.detach().numpy().ravel(), b.detach().numpy().ravel()
        if np.unique(a).size == 1:
            assert np.array_equal(np.unique(a), np.unique(b)), name
        else:
            assert stats.ks_2samp(a, b)[1] > ALPHA, name
    assert "presets.torch" in found.table()


def test_a_law_no_candidate_gives_is_fitted_and_said_so():
    torch = pytest.importorskip("torch")
    layer = torch.nn.Linear(128, 256)
    with torch.no_grad():
        layer.weight.normal_(0.3, 0.05, generator=torch.Generator().manual_seed(0))
    row = next(r for r in ui.fit(layer).rows if r.path == "weight")
    assert row.source == "fitted" and isinstance(row.spec, ui.Normal)
    assert abs(row.spec.mean - 0.3) < 0.01 and abs(row.spec.std - 0.05) < 0.005


def test_a_flax_model_fits_flaxs_own_init():
    nnx = pytest.importorskip("flax.nnx")
    layer = nnx.Linear(256, 128, rngs=nnx.Rngs(0))
    rows = {r.path: r for r in ui.fit(layer).rows}
    assert rows["kernel"].spec == ui.LecunNormal() and rows["kernel"].p > ALPHA
    assert rows["bias"].spec == ui.Constant(0.0)
