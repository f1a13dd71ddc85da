"""Checkpoint-aware initialization: ``plan.apply(..., skip=...)`` and ``ui.init_missing``."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

import unifiedinit as ui  # noqa: E402
from unifiedinit.verify import stats  # noqa: E402

ALPHA = 1e-4


def _pretrained(vocab=200):
    torch.manual_seed(0)
    return nn.ModuleDict({"emb": nn.Embedding(vocab, 16), "body": nn.Linear(16, 16), "norm": nn.LayerNorm(16)})


def _finetuned(vocab=260):
    torch.manual_seed(1)
    return nn.ModuleDict({"emb": nn.Embedding(vocab, 16), "body": nn.Linear(16, 16), "norm": nn.LayerNorm(16),
                          "head": nn.Linear(16, 3)})


def test_skip_leaves_what_a_checkpoint_provides():
    model = _finetuned()
    before = {n: t.detach().clone() for n, t in model.state_dict().items()}
    report = ui.presets.flax.apply(model, seed=0, skip=["body.weight", "body.bias", "emb/weight"])
    assert {p.path for p in report.skipped} == {"body/weight", "body/bias", "emb/weight"}
    for name in ("body.weight", "body.bias", "emb.weight"):
        assert torch.equal(model.state_dict()[name], before[name])
    assert not torch.equal(model.get_parameter("head.weight"), before["head.weight"])
    assert {r["path"] for r in report.to_dict()["skipped"]} == {"body/weight", "body/bias", "emb/weight"}
    assert "FROM CHECKPOINT" in str(report)
    with pytest.raises(TypeError, match="'skip'"):
        ui.presets.flax.apply(model, seed=0, skip="body.weight")


def test_init_missing_loads_grows_and_draws_the_rest():
    old = _pretrained()
    model = _finetuned()
    checkpoint = dict(old.state_dict(), **{"extra.weight": torch.zeros(2)})
    report = ui.init_missing(model, checkpoint, ui.presets.hf(0.02), seed=3)
    assert set(report.loaded) == {"body.weight", "body.bias", "norm.weight", "norm.bias"}
    assert report.resized == {"emb.weight": (200, 260)} and report.unexpected == ("extra.weight",)
    for name in report.loaded:
        assert torch.equal(model.state_dict()[name], old.state_dict()[name])
    emb = model.get_parameter("emb.weight").detach()
    old_rows = old.get_parameter("emb.weight").detach()
    assert torch.equal(emb[:200], old_rows)
    # new rows: N(mean, var) of the old rows, feature by feature
    old_rows = old_rows.double()
    z = ((emb[200:].double() - old_rows.mean(0)) / old_rows.std(0, correction=0)).flatten().numpy()
    assert stats.check(z, ui.Normal(0, 1), alpha=ALPHA)
    # the head, which no checkpoint had, is drawn by the plan
    assert stats.check(model.get_parameter("head.weight").detach().numpy().ravel(), ui.Normal(0, 0.02), alpha=ALPHA)
    assert not model.get_parameter("head.bias").any()
    # the same call again gives the same model
    again = _finetuned()
    ui.init_missing(again, checkpoint, ui.presets.hf(0.02), seed=3)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), again.state_dict().values()))


def test_a_checkpoint_that_does_not_fit_is_refused_before_any_write():
    model = _finetuned()
    before = {n: t.detach().clone() for n, t in model.state_dict().items()}
    bad = dict(_pretrained().state_dict())
    bad["body.weight"] = torch.zeros(8, 16)
    with pytest.raises(ValueError, match=r"'body.weight' has shape \(8, 16\), the model's \(16, 16\)"):
        ui.init_missing(model, bad, ui.presets.hf(), seed=0)
    shrunk = dict(_pretrained(300).state_dict())  # a vocabulary cannot shrink
    with pytest.raises(ValueError, match="only an embedding may grow"):
        ui.init_missing(model, shrunk, ui.presets.hf(), seed=0)
    # tensors copy_ cannot read into a dense parameter: refused before the plan draws the head
    for name, odd, words in (("body.weight", lambda t: t.to("meta"), "is on meta"),
                             ("body.weight", lambda t: t.to_sparse(), "is torch.sparse_coo"),
                             ("norm.weight", lambda t: t.to(torch.complex64), "would drop its imaginary part")):
        held = dict(_pretrained().state_dict())
        held[name] = odd(held[name])
        with pytest.raises(TypeError, match=words):
            ui.init_missing(model, held, ui.presets.hf(), seed=0)
    bad_plan = ui.Plan().rule(ui.Orthogonal(), role="bias")  # a missing parameter the plan cannot set
    with pytest.raises(ValueError, match="cannot initialize 'head/bias'"):
        ui.init_missing(model, dict(_pretrained().state_dict()), bad_plan, seed=0)
    for name, t in model.state_dict().items():
        assert torch.equal(t, before[name]), name
    with pytest.raises(TypeError, match="state_dict"):
        ui.init_missing(model, {"body.weight": np.zeros((16, 16))}, ui.presets.hf())


def test_init_missing_on_a_model_built_empty():
    from unifiedinit.backends.torch import empty_init
    with empty_init():
        model = _finetuned()
    old = _pretrained()
    ui.init_missing(model, old.state_dict(), ui.presets.hf(), seed=0, device="cpu")
    assert not any(t.is_meta for t in model.state_dict().values())
    assert torch.equal(model.get_parameter("body.weight"), old.get_parameter("body.weight"))


def test_without_a_seed_the_new_rows_follow_torchs_generator_as_the_plan_does():
    """seed=None draws with torch's default generator: the same manual_seed, the same rows; another, other rows
    (the new rows used to come from stream 0 whatever the global seed)."""
    def grown(global_seed):
        model, checkpoint = _finetuned(), dict(_pretrained().state_dict())  # each sets its own torch seed
        torch.manual_seed(global_seed)
        ui.init_missing(model, checkpoint, ui.presets.hf())
        emb = model["emb"]
        assert isinstance(emb, nn.Embedding)
        return emb.weight.detach()[200:].clone()
    assert torch.equal(grown(3), grown(3)) and not torch.equal(grown(3), grown(4))
