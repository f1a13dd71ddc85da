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


def test_the_new_rows_of_a_grown_embedding_take_the_old_rows_population_std():
    """The new rows are N(mean, var) of the old rows with their population variance (divided by the row count,
    correction=0, as Hugging Face's mean_resizing divides). With 200 old rows a sample std (correction=1) is only
    sqrt(200/199) = 1.0025 times larger, which the test above cannot see; 5 old rows grown to 50,005 make it
    sqrt(5/4) = 1.118 times larger, far beyond what 400,000 values allow. Standardized by the old rows' mean and
    population std, the new rows are N(0, 1): stats.check fails a correct draw with probability at most
    ALPHA = 1e-4 (its KS and variance tests share it)."""
    torch.manual_seed(0)
    old = nn.Embedding(5, 8)
    model = nn.Embedding(50_005, 8)
    ui.init_missing(model, {"weight": old.weight.detach()}, ui.presets.torch, seed=0)
    rows, new = old.weight.detach().double(), model.weight.detach().double()[5:]
    z = ((new - rows.mean(0)) / rows.std(0, correction=0)).flatten().numpy()
    assert stats.check(z, ui.Normal(0, 1), alpha=ALPHA)


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


def test_a_meta_model_without_a_device_is_refused_rather_than_loaded_into_nothing():
    # a copy into a meta tensor keeps nothing: the report listed it as loaded
    from unifiedinit.backends.torch import empty_init
    with empty_init():
        model = _finetuned()
    with pytest.raises(ValueError, match="the model's tensor 'emb.weight' is on the meta device.*pass device="):
        ui.init_missing(model, _pretrained().state_dict(), ui.presets.hf(), seed=0)
    assert all(t.is_meta for t in model.parameters())


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


class _Tied(nn.Module):
    """An embedding tied to an output head (GPT-2's wte and lm_head): one tensor under two names."""

    def __init__(self, vocab: int) -> None:
        super().__init__()
        self.emb = nn.Embedding(vocab, 8)
        self.body = nn.Linear(8, 8)
        self.head = nn.Linear(8, vocab, bias=False)
        self.head.weight = self.emb.weight


class _Untied(nn.Module):
    """The same embedding's path, no tie."""

    def __init__(self, vocab: int) -> None:
        super().__init__()
        self.emb = nn.Embedding(vocab, 8)
        self.body = nn.Linear(8, 8)


def test_a_tied_grown_embedding_is_drawn_once_from_its_canonical_key():
    """Its new rows depend on the seed and the embedding's canonical key only: not on the order of the
    checkpoint's names, nor on which of the tie's names it holds (they used to be drawn once per name, keyed by
    the checkpoint's name, the last write winning)."""
    torch.manual_seed(0)
    old = _Tied(20).state_dict()
    assert set(old) >= {"emb.weight", "head.weight"}
    checkpoints = {"both": dict(old), "reversed": dict(reversed(list(old.items()))),
                   "emb only": {k: t for k, t in old.items() if k != "head.weight"},
                   "head only": {k: t for k, t in old.items() if k != "emb.weight"}}
    grown = {}
    for label, checkpoint in checkpoints.items():
        model = _Tied(26)
        report = ui.init_missing(model, checkpoint, ui.presets.torch, seed=5)
        assert set(report.resized) == {"emb.weight", "head.weight"} & set(checkpoint), label
        assert model.head.weight is model.emb.weight, label
        assert torch.equal(model.emb.weight[:20], old["emb.weight"]), label
        grown[label] = model.emb.weight.detach()[20:].clone()
    for label, rows in grown.items():
        assert torch.equal(rows, grown["both"]), label
    untied = _Untied(26)  # the same canonical key ("emb/embedding"), the same seed: the same rows
    ui.init_missing(untied, {k: t for k, t in old.items() if k != "head.weight"}, ui.presets.torch, seed=5)
    assert torch.equal(untied.emb.weight.detach()[20:], grown["both"])
    other = _Tied(26)
    ui.init_missing(other, dict(old), ui.presets.torch, seed=6)
    assert not torch.equal(other.emb.weight.detach()[20:], grown["both"])


def test_two_names_of_one_tied_tensor_that_differ_are_refused_before_any_write():
    torch.manual_seed(0)
    old = _Tied(20).state_dict()
    model = _Tied(26)
    before = {n: t.detach().clone() for n, t in model.state_dict().items()}
    for head in (old["head.weight"] + 1, old["head.weight"].double(), torch.zeros(26, 8)):
        checkpoint = dict(old, **{"head.weight": head})
        with pytest.raises(ValueError, match="'emb.weight' and 'head.weight' are one tied tensor of the model"):
            ui.init_missing(model, checkpoint, ui.presets.torch, seed=0)
    for name, t in model.state_dict().items():
        assert torch.equal(t, before[name]), name


def _expanded(model: nn.ModuleDict) -> None:
    model["body"].bias = nn.Parameter(torch.zeros(1).expand(16))


def _quantized() -> dict:
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch deprecates its quantized tensors
        return {"body.weight": torch.quantize_per_tensor(_pretrained().state_dict()["body.weight"], 0.01, 0,
                                                         torch.qint8)}


@pytest.mark.parametrize("case", ["quantized", "expanded"])
def test_a_tensor_copy_would_refuse_is_refused_before_any_write(case):
    """A quantized checkpoint tensor, or a model tensor whose entries share memory (an expand()-ed view): each used
    to raise torch's own error after the plan and part of the copy had written."""
    odd, replaced, error, words = {
        "quantized": (None, _quantized, TypeError, r"checkpoint tensor 'body.weight' is quantized \(torch.qint8\)"),
        "expanded": (_expanded, dict, ValueError, "parameter 'body.bias' is a view whose entries share memory")}[case]
    model = _finetuned()
    if odd is not None:
        odd(model)
    before = {n: t.detach().clone() for n, t in model.state_dict().items()}
    checkpoint = dict(_pretrained().state_dict(), **replaced())
    with pytest.raises(error, match=words):
        ui.init_missing(model, checkpoint, ui.presets.hf(), seed=0)
    for name, t in model.state_dict().items():
        assert torch.equal(t, before[name]), name


def test_an_inference_tensor_the_checkpoint_covers_is_refused_before_any_write():
    """A state_dict holding an inference tensor (made under torch.inference_mode()), which torch refuses to write
    outside that mode: refused as plan.apply refuses one it draws (it used to fail half way through the copy);
    under torch.inference_mode() it is written."""
    with torch.inference_mode():
        scale = torch.ones(16)
    state = {n: t for n, t in _finetuned().named_parameters()} | {"norm.scale": scale}
    before = {n: t.detach().clone() for n, t in state.items()}
    checkpoint = dict(_pretrained().state_dict(), **{"norm.scale": torch.full((16,), 2.0)})
    with pytest.raises(ValueError, match="parameter 'norm.scale' is an inference tensor"):
        ui.init_missing(state, checkpoint, ui.presets.hf(), seed=0)
    for name, t in state.items():
        assert torch.equal(t, before[name]), name
    with torch.inference_mode():
        report = ui.init_missing(state, checkpoint, ui.presets.hf(), seed=0)
    assert "norm.scale" in report.loaded and torch.equal(scale, torch.full((16,), 2.0))


class _Tokens(nn.Module):
    """An embedding whose name says nothing of its kind ("tok"): only its module does."""

    def __init__(self, vocab: int) -> None:
        super().__init__()
        self.tok = nn.Embedding(vocab, 8)
        self.out = nn.Linear(8, 2)


def test_a_state_dict_with_its_module_grows_its_embedding_as_the_module_does():
    """module= describes a state_dict's layers (an embedding may grow), as for plan.apply; it used to be refused,
    the kinds read from the names alone."""
    torch.manual_seed(0)
    checkpoint = {"tok.weight": _Tokens(10).state_dict()["tok.weight"]}
    model = _Tokens(12)
    ui.init_missing(model, checkpoint, ui.presets.torch, seed=3)
    module = _Tokens(12)
    report = ui.init_missing(module.state_dict(), checkpoint, ui.presets.torch, seed=3, module=module)
    assert report.resized == {"tok.weight": (10, 12)}
    for name, t in model.state_dict().items():
        assert torch.equal(module.state_dict()[name], t), name


def test_with_a_generator_the_new_rows_are_drawn_from_it_as_the_plan_is():
    """generator= without a seed: the new rows come from it (they used to come from torch's default generator,
    which the call now leaves untouched)."""
    def grown(global_seed: int, seed: int):
        model, checkpoint = _finetuned(), dict(_pretrained().state_dict())
        torch.manual_seed(global_seed)
        state = torch.get_rng_state()
        ui.init_missing(model, checkpoint, ui.presets.hf(), generator=torch.Generator().manual_seed(seed))
        assert torch.equal(torch.get_rng_state(), state)
        emb = model["emb"]
        assert isinstance(emb, nn.Embedding)
        return emb.weight.detach()[200:].clone()
    assert torch.equal(grown(1, 7), grown(2, 7)) and not torch.equal(grown(1, 7), grown(1, 8))


class _Buffered(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.register_buffer("scale_table", torch.arange(4.0))  # the checkpoint fills it
        self.register_buffer("spare", torch.ones(4))  # it does not
        self.head = nn.Linear(4, 2)


def test_a_meta_buffer_the_checkpoint_fills_is_not_reported_unset():
    """A model built under torch.device("meta"): a buffer the checkpoint fills is not said to hold uninitialized
    memory (it used to be, in unset_buffers and a warning); one it does not fill still is."""
    import warnings
    source = _Buffered()
    checkpoint = {k: t for k, t in source.state_dict().items() if k.split(".")[0] in ("fc", "scale_table")}
    checkpoint["scale_table"] = checkpoint["scale_table"] * 3
    with torch.device("meta"):
        model = _Buffered()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = ui.init_missing(model, checkpoint, ui.presets.torch, seed=0, device="cpu")
    assert report.unset_buffers == ("spare",)
    said = [str(w.message) for w in caught if "were on meta" in str(w.message)]
    assert len(said) == 1 and "spare" in said[0] and "scale_table" not in said[0]
    assert torch.equal(model.get_buffer("scale_table"), torch.arange(4.0) * 3)
    assert torch.equal(model.fc.weight, source.fc.weight)
    assert not any(t.is_meta for t in model.state_dict().values())
    # a refused call gives the buffer back as it was, on meta
    with torch.device("meta"):
        refused = _Buffered()
    with pytest.raises(ValueError, match="cannot initialize 'head/bias'"):
        ui.init_missing(refused, checkpoint, ui.Plan().rule(ui.Orthogonal(), role="bias"), seed=0, device="cpu")
    assert refused.get_buffer("scale_table").is_meta and refused.fc.weight.is_meta


def _packed(name: str):
    """torch's dtype ``name`` (one copy_ has no kernel for), or a skip where this torch lacks it."""
    dtype = getattr(torch, name, None)
    if dtype is None:
        pytest.skip(f"this torch has no {name}")
    return dtype


def _snapshot(model: nn.Module) -> dict:
    return {n: t.detach().clone() for n, t in model.state_dict().items()}


def _unchanged(model: nn.Module, before: dict) -> None:
    after = model.state_dict()
    assert set(after) == set(before)
    for name, t in after.items():
        assert torch.equal(t, before[name]), name


@pytest.mark.parametrize("dtype", ["bits8", "bits16", "float4_e2m1fn_x2", "int4", "uint3"])
@pytest.mark.parametrize("name", ["body.weight", "emb.weight"])
def test_a_dtype_torch_cannot_copy_is_refused_before_any_write(dtype, name):
    """A checkpoint tensor of a dtype torch's copy_ has no kernel for (a loaded one, or a grown embedding's rows,
    read as float64): refused, naming it, its dtype and what is allowed, before the plan draws (torch's
    NotImplementedError used to come after the plan had redrawn the head)."""
    dt = _packed(dtype)
    model = _finetuned()
    before = _snapshot(model)
    checkpoint = dict(_pretrained().state_dict())
    held = checkpoint[name]
    wide = torch.int16 if dt.itemsize == 2 else torch.uint8
    checkpoint[name] = torch.zeros(held.shape, dtype=wide).view(dt)
    words = rf"checkpoint tensor '{name}' has dtype {dt}, which torch cannot copy into the model's torch.float" \
            r"(32|64) on cpu .*allowed: a dtype copy_ reads"
    with pytest.raises(TypeError, match=words):
        ui.init_missing(model, checkpoint, ui.presets.hf(), seed=0)
    _unchanged(model, before)


def test_dtypes_torch_copies_are_loaded_as_copy_would_load_them():
    """The check of the dtype refuses none torch copies: half and bfloat16 tensors, a grown float16 embedding."""
    old = _pretrained()
    checkpoint = {n: t.half() if n.startswith("emb") else t.bfloat16() for n, t in old.state_dict().items()}
    model = _finetuned()
    report = ui.init_missing(model, checkpoint, ui.presets.hf(), seed=0)
    assert report.resized == {"emb.weight": (200, 260)}
    for name in report.loaded:
        assert torch.equal(model.state_dict()[name], checkpoint[name].float()), name
    assert torch.equal(model.get_parameter("emb.weight")[:200], checkpoint["emb.weight"].float())


def _square() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 4), nn.Linear(4, 4))


def test_a_checkpoint_tensor_that_shares_memory_with_the_model_gives_its_values_at_the_call():
    """A checkpoint holding the model's own tensors (depth up-scaling: a layer copied into another) gives the
    values they hold at the call, whatever the plan draws and in whatever order the copies go (the plan's new
    draws used to be copied in, and a swap to copy one layer into both)."""
    model = _square()
    at_call = _snapshot(model)
    checkpoint = {"0.weight": model.get_parameter("1.weight").detach()}  # layer 1 is redrawn by the plan
    report = ui.init_missing(model, checkpoint, ui.presets.flax, seed=0)
    assert report.loaded == ("0.weight",)
    assert torch.equal(model.get_parameter("0.weight"), at_call["1.weight"])
    assert not torch.equal(model.get_parameter("1.weight"), at_call["1.weight"])  # the plan did redraw it
    for order in (1, -1):  # a swap, in either order
        model = _square()
        at_call = _snapshot(model)
        p = model.get_parameter
        swap = {"0.weight": p("1.weight").detach(), "1.weight": p("0.weight"), "2.bias": p("2.bias")[:]}
        ui.init_missing(model, dict(list(swap.items())[::order]), ui.presets.flax, seed=0)
        for name, was in (("0.weight", "1.weight"), ("1.weight", "0.weight"), ("2.bias", "2.bias")):
            assert torch.equal(p(name), at_call[was]), (order, name)
    # a grown embedding read from the rows it already has
    model = _finetuned()
    at_call = _snapshot(model)
    ui.init_missing(model, {"emb.weight": model.get_parameter("emb.weight")[:200]}, ui.presets.hf(), seed=0)
    assert torch.equal(model.get_parameter("emb.weight")[:200], at_call["emb.weight"][:200])


def test_only_a_checkpoint_tensor_a_write_would_change_is_cloned():
    """The model's own state_dict as the checkpoint, or a grown embedding's own rows, are read in place (a whole
    model's memory is not copied); a view of a tensor the plan or another copy writes is cloned."""
    from unifiedinit.checkpoint import _at_call
    model = _finetuned()
    own = model.state_dict()
    state = dict(own, **{"head.weight": own["body.weight"][:3], "head.bias": own["norm.bias"][:3].clone()})
    used = {n: False for n in state}
    used["emb.weight"] = True
    state["emb.weight"] = own["emb.weight"][:200]
    read = _at_call(model, own, used, state)
    cloned = {n for n in state if read[n] is not state[n]}
    assert cloned == {"head.weight"}
    assert torch.equal(read["head.weight"], state["head.weight"])
    assert read["head.weight"].data_ptr() != own["body.weight"].data_ptr()


def test_skip_leaves_the_named_tensors_as_they_are_besides_the_checkpoints():
    """skip= names more tensors the plan leaves alone (a head set by hand); a name the checkpoint holds is still
    loaded. The result is plan.apply(skip=those and the checkpoint's) then load_state_dict. It used to fail with
    Python's "got multiple values for keyword argument 'skip'"."""
    old = _pretrained()
    checkpoint = {n: t for n, t in old.state_dict().items() if not n.startswith("emb")}
    model = _finetuned()
    before = _snapshot(model)
    report = ui.init_missing(model, checkpoint, ui.presets.hf(), seed=4, skip=["head.weight", "body/bias"])
    assert {p.path for p in report.skipped} == {"head/weight", "body/weight", "body/bias", "norm/weight", "norm/bias"}
    assert set(report.loaded) == set(checkpoint)
    assert torch.equal(model.get_parameter("head.weight"), before["head.weight"])
    assert torch.equal(model.get_parameter("body.bias"), checkpoint["body.bias"])  # skipped and still loaded
    assert not torch.equal(model.get_parameter("head.bias"), before["head.bias"])
    expected = _finetuned()
    ui.presets.hf().apply(expected, seed=4, skip=["head.weight", "body.bias"] + list(checkpoint))
    expected.load_state_dict(checkpoint, strict=False)
    for name, t in expected.state_dict().items():
        assert torch.equal(model.state_dict()[name], t), name
    refused = _finetuned()
    before = _snapshot(refused)
    for skip, words in (("head.weight", "must be a state_dict, a mapping or an iterable of names, got str"),
                        ([3], "holds names")):
        with pytest.raises(TypeError, match=f"init_missing: parameter 'skip' {words}"):
            ui.init_missing(refused, checkpoint, ui.presets.hf(), seed=4, skip=skip)
    _unchanged(refused, before)


def test_a_complex_embedding_that_grew_is_refused_before_any_write():
    """Its rows are read as float64 to draw the new ones: its old rows used to lose their imaginary part."""
    torch.manual_seed(0)
    old = nn.ModuleDict({"emb": nn.Embedding(20, 4, dtype=torch.complex64)})
    model = nn.ModuleDict({"emb": nn.Embedding(26, 4, dtype=torch.complex64), "head": nn.Linear(4, 2)})
    before = _snapshot(model)
    with pytest.raises(TypeError, match=r"'emb.weight' is a complex embedding \(torch.complex64\) that grew"):
        ui.init_missing(model, old.state_dict(), ui.presets.torch, seed=0)
    _unchanged(model, before)


# ------------------------------------------------------------------ skip= names every tensor it means, or is refused


def test_skip_refuses_a_name_of_no_tensor_before_anything_is_written():
    """A typo in skip= used to be passed over silently, and the tensor the user meant to keep was drawn; so was a
    path with the model's name in front. plan.apply, ui.inspect and init_missing refuse it, writing nothing."""
    model = _finetuned()
    before = _snapshot(model)
    for call, owner in ((lambda s: ui.presets.torch.apply(model, seed=0, skip=s), "Plan.apply"),
                        (lambda s: ui.inspect(model, ui.presets.torch, skip=s), "inspect"),
                        (lambda s: ui.init_missing(model, {"body.weight": torch.ones(16, 16)}, ui.presets.torch,
                                                   seed=0, skip=s), "init_missing")):
        with pytest.raises(ValueError, match=rf"^{owner}: parameter 'skip' holds 1 name\(s\) that name no parameter "
                                             r"or other tensor of the model: 'body\.wieght' \(did you mean "
                                             r"'body/weight'\?\)"):
            call(["body.weight", "body.wieght"])
        _unchanged(model, before)


def test_skip_takes_a_state_dict_with_buffers():
    """A state_dict's buffers (running statistics, a model's own buffers, an extra state) are the model's tensors:
    named in skip=, they are no mistake, whether the model is a module or a state_dict."""
    class Extra(nn.Linear):
        def get_extra_state(self):
            return {"x": 1}

        def set_extra_state(self, state):
            pass

    model = nn.Sequential(Extra(4, 4), nn.BatchNorm1d(4))
    model.register_buffer("table", torch.arange(3.0), persistent=True)
    state = model.state_dict()
    assert {"0._extra_state", "table", "1.num_batches_tracked"} <= set(state)
    tensors = {n: t.clone() for n, t in state.items() if isinstance(t, torch.Tensor)}
    before = {n: t.clone() for n, t in tensors.items()}
    report = ui.presets.torch.apply(model, seed=0, skip=state)
    assert {p.path for p in report.skipped} == {"0/weight", "0/bias", "1/weight", "1/bias", "1/running_mean",
                                                "1/running_var", "1/num_batches_tracked"}
    assert all(torch.equal(model.state_dict()[n], t) for n, t in before.items())
    report = ui.init_missing(model, tensors, ui.presets.torch, seed=0, skip=["table", "0.weight"])
    assert set(report.loaded) == set(tensors) and report.entries == []
    assert [p.path for p in ui.presets.torch.apply(tensors, seed=0, skip=tensors).unmatched] == []


def test_skip_takes_a_linen_variables_dict_as_it_is():
    """The checkpoint itself ({"params": ..., "batch_stats": ...}), flatten_dict's keys with or without sep="/":
    each leaf names the parameter or statistic at its path less the collection. Only "params" used to be read."""
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp
    linen = pytest.importorskip("flax.linen")
    from flax.traverse_util import flatten_dict

    class M(linen.Module):
        @linen.compact
        def __call__(self, x):
            return linen.Dense(3)(linen.BatchNorm(use_running_average=True)(linen.Dense(8)(x)))

    ckpt = M().init(jax.random.key(0), jnp.ones((1, 4)))
    every = {"Dense_0/kernel", "Dense_0/bias", "BatchNorm_0/scale", "BatchNorm_0/bias", "BatchNorm_0/mean",
             "BatchNorm_0/var", "Dense_1/kernel", "Dense_1/bias"}
    for skip in (ckpt, list(flatten_dict(ckpt, sep="/")), flatten_dict(ckpt)):
        new, report = ui.presets.flax.apply(ckpt, seed=0, skip=skip)
        assert {p.path for p in report.skipped} == every
        assert all(bool(jnp.array_equal(a, b)) for a, b in zip(jax.tree.leaves(new), jax.tree.leaves(ckpt)))
    new, report = ui.presets.flax.apply(ckpt, seed=0, skip=["params/Dense_0/kernel"])
    assert [p.path for p in report.skipped] == ["Dense_0/kernel"]
    assert bool(jnp.array_equal(new["params"]["Dense_0"]["kernel"], ckpt["params"]["Dense_0"]["kernel"]))
    assert not bool(jnp.array_equal(new["params"]["Dense_1"]["kernel"], ckpt["params"]["Dense_1"]["kernel"]))
    assert {p.path for p in ui.inspect(ckpt, ui.presets.flax, skip=ckpt).skipped} == every
    with pytest.raises(ValueError, match=r"^Plan\.apply: parameter 'skip' holds 1 name\(s\) .*'Dense_O/kernel' "
                                         r"\(did you mean"):
        ui.presets.flax.apply(ckpt, seed=0, skip=["Dense_O/kernel"])


def test_skip_takes_an_nnx_state():
    """nnx.state(model, nnx.Param) is a nested State: its leaves name the parameters (none used to)."""
    pytest.importorskip("jax")
    nnx = pytest.importorskip("flax.nnx")

    class N(nnx.Module):
        def __init__(self, rngs):
            self.a = nnx.Linear(4, 4, rngs=rngs)
            self.bn = nnx.BatchNorm(4, rngs=rngs)
            self.drop = nnx.Dropout(0.1, rngs=rngs)

    model = N(nnx.Rngs(0))
    before = np.asarray(model.a.kernel[...]).copy()
    report = ui.presets.flax.apply(model, seed=0, skip=nnx.state(model, nnx.Param))
    assert {p.path for p in report.skipped} == {"a/kernel", "a/bias", "bn/scale", "bn/bias"}
    assert np.array_equal(np.asarray(model.a.kernel[...]), before)
    report = ui.presets.flax.apply(model, seed=0, skip=nnx.state(model))  # the RNG state too: no parameter, no error
    assert {p.path for p in report.skipped} == {"a/kernel", "a/bias", "bn/scale", "bn/bias", "bn/mean", "bn/var"}


def test_skip_takes_gluon_collect_params():
    """collect_params() is keyed by Gluon's own names (dense0_weight): they name their parameters (none used to),
    and so do its structural names (_collect_params_with_prefix, "0.weight")."""
    import importlib.util
    if importlib.util.find_spec("mxnet") is None:
        pytest.skip("mxnet is not installed")
    from unifiedinit.backends.mxnet import mx
    net = mx.gluon.nn.HybridSequential()
    net.add(mx.gluon.nn.Dense(4, in_units=4))
    net.add(mx.gluon.nn.BatchNorm(in_channels=4))
    net.initialize()
    before = net[0].weight.data().asnumpy().copy()
    every = {"0/weight", "0/bias", "1/gamma", "1/beta", "1/running_mean", "1/running_var"}
    report = ui.presets.mxnet.apply(net, seed=0, skip=net.collect_params())
    assert {p.path for p in report.skipped} == every and report.entries == []
    assert np.array_equal(net[0].weight.data().asnumpy(), before)
    weight = str(net[0].weight.name)
    assert [p.path for p in ui.presets.mxnet.apply(net, seed=0, skip=[weight]).skipped] == ["0/weight"]
    with pytest.raises(ValueError, match=r"^Plan\.apply: parameter 'skip' .*'0/wieght'"):
        ui.presets.mxnet.apply(net, seed=0, skip=["0/wieght"])


def test_skip_takes_a_path_that_holds_a_dot():
    """A Keras layer, a linen module or an Equinox dict key named "head.v2": its parameters' paths hold the dot,
    and skip= used to read every "." as "/", so they could never be skipped."""
    import os
    if os.environ.get("KERAS_BACKEND", "jax") == "jax":
        keras = pytest.importorskip("keras")
        inp = keras.Input((4,))
        model = keras.Model(inp, keras.layers.Dense(3, name="head.v2")(inp))
        before = np.array(model.get_layer("head.v2").kernel)
        report = ui.presets.keras.apply(model, seed=0, skip=["head.v2/kernel"])
        assert [p.path for p in report.skipped] == ["head.v2/kernel"]
        assert np.array_equal(np.array(model.get_layer("head.v2").kernel), before)
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp
    linen = pytest.importorskip("flax.linen")

    class L(linen.Module):
        @linen.compact
        def __call__(self, x):
            return linen.Dense(3, name="head.v2")(x)

    tree = L().init(jax.random.key(0), jnp.ones((1, 3)))
    new, report = ui.presets.flax.apply(tree, seed=0, skip=["head.v2/kernel"])
    assert [p.path for p in report.skipped] == ["head.v2/kernel"]
    assert bool(jnp.array_equal(new["params"]["head.v2"]["kernel"], tree["params"]["head.v2"]["kernel"]))
    eqx = pytest.importorskip("equinox")

    class D(eqx.Module):
        heads: dict

    d = D({"head.v2": eqx.nn.Linear(3, 3, key=jax.random.key(0))})
    new, report = ui.presets.equinox.apply(d, seed=0, skip=["heads/head.v2/weight"])
    assert [p.path for p in report.skipped] == ["heads/head.v2/weight"]
    assert bool(jnp.array_equal(new.heads["head.v2"].weight, d.heads["head.v2"].weight))
    with pytest.raises(ValueError, match=r"'layers\[1\]\.weight'"):  # Equinox's own printed path is no name
        ui.presets.equinox.apply(d, seed=0, skip=["layers[1].weight"])


@pytest.mark.parametrize("seed", [0, None])
def test_new_rows_a_float16_embedding_cannot_hold_are_refused_before_any_write(seed):
    """Old float16 rows of std ~29000 (finite in float16) give new rows N(mean, var) that pass 65504 (each entry
    with chance ~0.03, so ~28 of the 960 are expected to): they used to be written as inf after the plan had drawn
    the head. The new rows are drawn and checked before anything is written: refused, naming the embedding, its
    dtype and why, and every tensor of the model is left as it was."""
    model = _finetuned().half()
    before = _snapshot(model)
    checkpoint = {n: t.half() for n, t in _pretrained().state_dict().items()}
    wide = torch.randn(200, 16, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 30000
    checkpoint["emb.weight"] = wide.clamp(-65000, 65000).half()
    assert bool(checkpoint["emb.weight"].isfinite().all())
    torch.manual_seed(0)
    words = (r"init_missing: the grown embedding 'emb.weight' \(200 -> 260 rows, torch.float16\) would hold \d+ "
             r"value\(s\) that are not finite in torch.float16 .*past the largest value torch.float16 holds, 65504\)")
    with pytest.raises(ValueError, match=words):
        ui.init_missing(model, checkpoint, ui.presets.hf(), seed=seed)
    _unchanged(model, before)


def test_new_rows_drawn_from_old_rows_with_nan_are_refused_before_any_write():
    """Old rows holding NaN give a NaN mean, so every new row of that feature would be NaN: refused, naming why."""
    model = _finetuned()
    before = _snapshot(model)
    checkpoint = dict(_pretrained().state_dict())
    checkpoint["emb.weight"] = checkpoint["emb.weight"].clone()
    checkpoint["emb.weight"][3, 5] = float("nan")
    with pytest.raises(ValueError, match=r"grown embedding 'emb.weight' \(200 -> 260 rows, torch.float32\) would "
                                         r"hold 60 value\(s\) .*its old rows hold NaN or inf"):
        ui.init_missing(model, checkpoint, ui.presets.hf(), seed=0)
    _unchanged(model, before)


class _TiedHead(nn.Module):
    def __init__(self, rows: int = 10):
        super().__init__()
        self.embed, self.mid, self.head = nn.Embedding(rows, 4), nn.Linear(4, 4), nn.Linear(4, rows, bias=False)
        self.head.weight = self.embed.weight


@pytest.mark.parametrize("rows", [10, 12])
def test_a_state_dict_holding_a_tied_tensors_names_apart_takes_the_checkpoint_under_each(rows):
    # a state_dict of the module (module=) may hold a tied tensor's names as tensors of their own; the checkpoint
    # holds one of them: every name gets its values (or, grown, the same new rows), as the module's one tensor does
    torch.manual_seed(0)
    ckpt = {"embed.weight": _TiedHead().embed.weight.detach().clone()}
    state = {k: torch.zeros_like(v) for k, v in _TiedHead(rows).state_dict().items()}
    report = ui.init_missing(state, ckpt, ui.presets.torch, seed=0, module=_TiedHead(rows))
    module = _TiedHead(rows)
    ui.init_missing(module, ckpt, ui.presets.torch, seed=0)
    assert torch.equal(state["embed.weight"][:10], ckpt["embed.weight"])
    assert torch.equal(state["head.weight"], state["embed.weight"])
    assert torch.equal(state["embed.weight"], module.embed.weight.detach())
    assert (report.loaded, report.resized) == ((("embed.weight",), {}) if rows == 10 else
                                               ((), {"embed.weight": (10, 12)}))


def test_a_state_dict_whose_tied_names_cannot_hold_one_value_is_refused_before_any_write():
    ckpt = {"embed.weight": _TiedHead().embed.weight.detach().clone()}
    state = {k: torch.zeros_like(v) for k, v in _TiedHead().state_dict().items()}
    state["head.weight"] = state["head.weight"].double()
    before = {k: v.clone() for k, v in state.items()}
    with pytest.raises(ValueError, match="'embed.weight' and 'head.weight' are one tied tensor"):
        ui.init_missing(state, ckpt, ui.presets.torch, seed=0, module=_TiedHead())
    assert all(torch.equal(state[k], before[k]) for k in state)


def _refused_plan_and_nan_rows():
    """The two ways a call without a seed is refused after its grown embedding's new rows are drawn: a plan that
    cannot set a missing parameter (Eye on a bias), and new rows that are not finite (old rows holding NaN)."""
    old = nn.Sequential(nn.Embedding(10, 4))
    checkpoint = dict(old.state_dict())
    nan_rows = {"0.weight": checkpoint["0.weight"].detach().clone()}
    nan_rows["0.weight"][2, 1] = float("nan")
    eye_on_bias = ui.presets.torch.rule(ui.Eye(), path="1/bias")
    return [(checkpoint, eye_on_bias, "Eye"), (nan_rows, ui.presets.torch, "its old rows hold NaN")]


@pytest.mark.parametrize("case", [0, 1], ids=["plan refused", "rows refused"])
@pytest.mark.parametrize("with_generator", [False, True], ids=["global", "generator"])
def test_a_call_refused_after_the_new_rows_are_drawn_leaves_the_generator_as_it_was(case, with_generator):
    """seed=None: the new rows of a grown embedding are drawn from torch's default generator (or generator=)
    before the plan runs; a refused call puts it back, as a refused plan.apply leaves it (it used to be advanced
    by the rows' draw). The next call then draws what it would have drawn without the refused one."""
    checkpoint, plan, words = _refused_plan_and_nan_rows()[case]
    model = nn.Sequential(nn.Embedding(12, 4), nn.Linear(4, 3))
    before = _snapshot(model)
    torch.manual_seed(123)
    generator = torch.Generator().manual_seed(5) if with_generator else None
    options = {"generator": generator} if generator is not None else {}
    rng, state = torch.get_rng_state(), generator.get_state() if generator is not None else None
    with pytest.raises(ValueError, match=words):
        ui.init_missing(model, checkpoint, plan, **options)
    _unchanged(model, before)
    assert torch.equal(torch.get_rng_state(), rng)
    if generator is not None:
        assert state is not None and torch.equal(generator.get_state(), state)
    # a call that is not refused draws (so the refused one had drawn too, before it was refused)
    ui.init_missing(model, {"0.weight": checkpoint["0.weight"].nan_to_num()}, ui.presets.torch, **options)
    moved = generator.get_state() if generator is not None else torch.get_rng_state()
    assert not torch.equal(moved, state if generator is not None else rng)



@pytest.mark.parametrize("built", ["eager", "empty"])
def test_a_new_padding_row_of_a_grown_embedding_keeps_what_the_plan_writes_there(built):
    """A padding row among a grown embedding's new rows gets no gradient, so its first value stays for all of
    training: it used to be drawn from N(mean, var) of the old rows like the other new rows; it now holds what the
    plan writes there (presets.torch: zeros, as torch's own Embedding constructor), while every other new row is
    drawn exactly as it is for an embedding without a padding row. Exact comparisons: nothing here can fail by
    chance."""
    from unifiedinit.backends.torch import empty_init
    torch.manual_seed(0)
    checkpoint = {"0.weight": nn.Embedding(10, 4).weight.detach().clone()}
    options = {"device": "cpu"} if built == "empty" else {}

    def grown(plan, padding_idx):
        with empty_init() if built == "empty" else torch.device("cpu"):
            embedding = nn.Embedding(12, 4, padding_idx=padding_idx)
        report = ui.init_missing(nn.Sequential(embedding), checkpoint, plan, seed=0, **options)
        assert report.resized == {"0.weight": (10, 12)}
        return embedding.weight.detach()

    fresh = nn.Embedding(12, 4, padding_idx=11)  # torch's constructor zeroes the padding row
    assert not fresh.weight[11].any()
    ui.presets.torch.apply(nn.Sequential(fresh), seed=0)
    plain, padded = grown(ui.presets.torch, None), grown(ui.presets.torch, 11)
    assert torch.equal(padded[11], fresh.weight[11].detach()) and not plain[11].eq(0).any()
    assert torch.equal(padded[:11], plain[:11])  # the old rows and the other new row, as without a padding row
    first = grown(ui.presets.torch, 10)  # the padding row is the first new row: the checkpoint's row count
    assert not first[10].any() and torch.equal(first[:10], plain[:10]) and torch.equal(first[11], plain[11])
    # another plan's value there (a constant), whatever it is; the other new rows are still drawn from the old ones
    constant = ui.presets.torch.rule(ui.Constant(0.5), kind="embedding")
    other = grown(constant, 11)
    assert bool(other[11].eq(0.5).all()) and torch.equal(other[:11], plain[:11])
    # a padding row among the old rows is the checkpoint's, as load_state_dict gives it
    assert torch.equal(grown(ui.presets.torch, 3), plain)


class _Versioned(nn.Module):
    """A layer with an extra state (as TransformerEngine's fp8 layers keep one): its state_dict holds it under
    "<module>._extra_state", and load_state_dict gives it to set_extra_state."""

    def __init__(self) -> None:
        super().__init__()
        self.fc, self.state = nn.Linear(4, 4), {"version": 0}

    def get_extra_state(self):
        return dict(self.state)

    def set_extra_state(self, state):
        self.state = state


def test_an_extra_state_goes_to_its_modules_set_extra_state_as_load_state_dict_gives_it():
    """A genuine state_dict (a module with get_extra_state) used to be refused as no state_dict because its
    "0._extra_state" entry is no tensor; it is taken as load_state_dict takes it: set_extra_state gets the object,
    and a module without set_extra_state leaves it unexpected."""
    layer, into, twin_layer = _Versioned(), _Versioned(), _Versioned()
    layer.state = {"version": 3}
    checkpoint = nn.Sequential(layer, nn.Linear(4, 2)).state_dict()
    assert not isinstance(checkpoint["0._extra_state"], torch.Tensor)
    model, twin = (nn.Sequential(x, nn.Linear(4, 2), nn.Linear(2, 2)) for x in (into, twin_layer))
    twin.load_state_dict(checkpoint, strict=False)
    report = ui.init_missing(model, checkpoint, ui.presets.torch, seed=0)
    assert into.state == twin_layer.state == {"version": 3}
    assert report.loaded == tuple(checkpoint) and report.unexpected == ()
    assert torch.equal(into.fc.weight, layer.fc.weight)
    assert [e.param.path for e in report.entries] == ["2/weight", "2/bias"]
    # the model's own state_dict, as the audit tried it
    assert ui.init_missing(model, model.state_dict(), ui.presets.torch, seed=0).loaded == tuple(model.state_dict())
    # no module of that name takes an extra state: unexpected, as torch's strict load says it is
    plain = nn.Sequential(nn.Sequential(nn.Linear(4, 4)), nn.Linear(4, 2))
    renamed = {k.replace("0.fc.", "0.0."): t for k, t in checkpoint.items()}
    with pytest.raises(RuntimeError, match="Unexpected key.*\"0._extra_state\""):
        plain.load_state_dict(renamed)
    assert ui.init_missing(plain, renamed, ui.presets.torch, seed=0).unexpected == ("0._extra_state",)


def test_an_entry_that_is_no_tensor_is_named_before_any_write():
    model = nn.Sequential(nn.Embedding(12, 4), nn.Linear(4, 3))
    before = _snapshot(model)
    checkpoint = {"0.weight": torch.zeros(10, 4), "1.weight": [[0.0] * 4] * 3}
    with pytest.raises(TypeError, match=r"init_missing: parameter 'checkpoint' must be a torch state_dict "
                                        r"\(names -> tensors\); its entry '1\.weight' is list; allowed: tensors"):
        ui.init_missing(model, checkpoint, ui.presets.torch, seed=0)
    _unchanged(model, before)


@pytest.mark.parametrize("options, error, words", [
    ({"strict": True}, TypeError, r"init_missing: parameter 'strict' is not an option for a torch model; its options "
                                  r"are seed=, portable=, skip=, generator="),
    ({"devicee": "cpu"}, TypeError, "init_missing: parameter 'devicee' is not an option"),
    ({"seed": 1.5}, TypeError, r"init_missing: parameter 'seed' must be an integer in \[0, 2\*\*64\) or None, got 1.5"),
    ({"seed": -1}, ValueError, r"init_missing: parameter 'seed' must be an integer in \[0, 2\*\*64\), got -1"),
])
def test_a_wrong_option_is_named_as_init_missings_before_anything_is_drawn(options, error, words):
    """Plan.apply's checks name their caller: init_missing's wrong options and seeds used to be reported as
    Plan.apply's, from the plan.apply call inside it, after the grown embedding's rows were drawn."""
    model = nn.Sequential(nn.Embedding(12, 4), nn.Linear(4, 3))
    before, rng = _snapshot(model), torch.get_rng_state()
    with pytest.raises(error, match=words):
        ui.init_missing(model, {"0.weight": torch.zeros(10, 4)}, ui.presets.torch, **options)
    _unchanged(model, before)
    assert torch.equal(torch.get_rng_state(), rng)


def _lazy_model() -> nn.Sequential:
    """A model whose first layer is lazy (its shape comes at its first call), then two built layers."""
    return nn.Sequential(nn.LazyLinear(3), nn.Linear(3, 2), nn.Linear(2, 2))


def test_a_lazy_layer_the_checkpoint_names_is_built_to_its_shape_as_load_state_dict_builds_it():
    """init_missing failed with torch's "Attempted to use an uninitialized parameter" on a model holding an unbuilt
    lazy layer that the checkpoint names; torch's load_state_dict builds it to the checkpoint's shape."""
    torch.manual_seed(0)
    source = nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2))
    model, by_torch = _lazy_model(), _lazy_model()
    by_torch.load_state_dict(source.state_dict(), strict=False)
    report = ui.init_missing(model, source.state_dict(), ui.presets.torch, seed=0)
    assert report.loaded == ("0.weight", "0.bias", "1.weight", "1.bias")
    assert [e.param.path for e in report.entries if e.spec is not None] == ["2/weight", "2/bias"]
    for name, t in source.state_dict().items():
        assert torch.equal(model.state_dict()[name], t), name
    assert type(model[0].weight) is type(by_torch[0].weight) is nn.Parameter
    model[2].load_state_dict(by_torch[2].state_dict())  # the head aside, it computes as torch's loaded model does
    x = torch.randn(5, 4)
    assert torch.equal(model(x), by_torch(x))


def test_a_lazy_layer_the_checkpoint_does_not_name_is_left_to_its_first_call_as_plan_apply_leaves_it():
    """init_missing failed with torch's "Can't access the shape of an uninitialized parameter" on a model holding
    an unbuilt lazy layer, even one the checkpoint does not name: plan.apply leaves it, with a warning."""
    torch.manual_seed(0)
    checkpoint = {k: t for k, t in nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2)).state_dict().items()
                  if k.startswith("1.")}
    model, applied = _lazy_model(), _lazy_model()
    lazy = r"Plan\.apply: 2 parameter\(s\) of lazy modules are not built yet, so no rule sets them: 0\.weight, 0\.bias"
    with pytest.warns(UserWarning, match=lazy):
        ui.presets.torch.apply(applied, seed=0)
    with pytest.warns(UserWarning, match=lazy):
        report = ui.init_missing(model, checkpoint, ui.presets.torch, seed=0)
    assert report.loaded == ("1.weight", "1.bias")
    assert isinstance(model[0].weight, nn.parameter.UninitializedParameter)
    for name in ("2.weight", "2.bias"):  # the head is drawn as plan.apply draws it on the same model
        assert torch.equal(model.state_dict()[name], applied.state_dict()[name]), name
    assert model(torch.randn(5, 4)).shape == (5, 2)  # its first call builds it, as torch builds it


def test_a_lazy_layer_built_for_a_refused_call_is_unbuilt_again():
    torch.manual_seed(0)
    source = nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2))
    model = _lazy_model()
    before = {k: t.detach().clone() for k, t in model.state_dict().items() if not k.startswith("0.")}
    bad_plan = ui.Plan().rule(ui.Orthogonal(), role="bias")  # the head's bias: a missing parameter it cannot set
    with pytest.raises(ValueError, match="cannot initialize '2/bias'"):
        ui.init_missing(model, source.state_dict(), bad_plan, seed=0)
    assert all(isinstance(t, nn.parameter.UninitializedParameter) for t in model[0].parameters())
    for name, t in before.items():
        assert torch.equal(model.state_dict()[name], t), name
    assert model(torch.randn(5, 7)).shape == (5, 2)  # still lazy: its first call gives it any input size


def test_a_lazy_modules_unbuilt_tensor_in_the_checkpoint_is_named_before_any_write():
    model = nn.Sequential(nn.Linear(4, 3))
    before = _snapshot(model)
    with pytest.raises(TypeError, match=r"init_missing: checkpoint tensor '0\.weight' is a lazy module's "
                                        r"UninitializedParameter, not built yet, which holds no values"):
        ui.init_missing(model, {"0.weight": nn.LazyLinear(3).weight}, ui.presets.torch, seed=0)
    _unchanged(model, before)


@pytest.mark.parametrize("device", ["cuda", "xpu", "mps", "ipu", "meta", "not-a-device"])
def test_a_device_plan_apply_refuses_is_refused_in_its_words_before_any_copy_is_tried(device):
    """A device this torch cannot allocate on used to fail in the trial copy of the checkpoint: torch's bare
    "AssertionError: Torch not compiled with CUDA enabled", or a TypeError blaming the checkpoint's dtype."""
    def build() -> nn.Sequential:
        return nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 2))
    checkpoint = {k: t for k, t in build().state_dict().items() if k.startswith("0.")}
    with torch.device("meta"):
        model, applied = build(), build()
    try:
        ui.presets.torch.apply(applied, seed=0, device=device)
    except ValueError as e:
        said = str(e)
    else:
        pytest.skip(f"this torch allocates on {device!r}")
    assert said.startswith("Plan.apply: parameter 'device' ")
    with pytest.raises(ValueError) as refused:
        ui.init_missing(model, checkpoint, ui.presets.torch, seed=0, device=device)
    assert str(refused.value) == "init_missing" + said[len("Plan.apply"):]
    assert all(t.is_meta for t in model.state_dict().values())


def test_a_meta_buffer_two_modules_share_stays_one_tensor_holding_the_checkpoints_values():
    """Pins ``_filled_buffers``: a buffer two modules hold (built on meta, filled by ``init_missing`` on "cpu")
    becomes one tensor, so the checkpoint's values under one name reach both, as torch's ``load_state_dict``
    gives them to the same model built on the CPU (checked in the same run); before, each module got its own
    tensor and the name the checkpoint does not list kept zeros."""
    class Shared(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(2, 2), nn.Linear(2, 2)
            table = torch.zeros(3)
            self.a.register_buffer("table", table)
            self.b.register_buffer("table", table)

    checkpoint = {"a.table": torch.arange(3.0) + 1}
    eager = Shared()
    eager.load_state_dict(checkpoint, strict=False)
    with torch.device("meta"):
        model = Shared()
    ui.init_missing(model, checkpoint, ui.presets.torch, seed=0, device="cpu")
    assert model.a.table is model.b.table
    assert eager.a.table is eager.b.table
    for name in ("a.table", "b.table"):
        assert torch.equal(model.get_buffer(name), eager.get_buffer(name)), name
    assert torch.equal(model.b.table, checkpoint["a.table"])
