"""Real Hugging Face torch architectures, walked and initialized by unifiedinit's torch backend.

Nine models built from config objects (no download): ResNet-50 (the default ``ResNetConfig``), ViT, ConvNeXt,
EfficientNet, MobileNetV2, BERT, GPT-2 (``GPT2LMHeadModel``, head tied to ``wte``), T5 (``lm_head`` and both
``embed_tokens`` tied to ``shared``) and Llama (untied ``lm_head``). The language models have a 32000 x 64
embedding (2,048,000 > 2**20 values), so the large-tensor paths of the backend run on real parameters.

What the file proves, for every model:

1. every preset (torch, flax, keras, mxnet) applies, leaves unmatched exactly the parameters held directly by a
   non-layer module (ViT's ``cls_token``/``position_embeddings``, ConvNeXt's ``layer_scale_parameter``), keeps
   those byte for byte, and writes every other parameter from the law its report says (one-sample KS against the
   exact law, constants exactly);
2. ``presets.torch`` reproduces torch's own default initialization: against a copy of the model on which every
   module that defines ``reset_parameters`` (Linear, Conv2d, Embedding, LayerNorm, BatchNorm2d and their Hugging
   Face subclasses) ran it, parameter by parameter; norms without ``reset_parameters`` (LlamaRMSNorm,
   T5LayerNorm) come out exactly ones, and GPT-2's Conv1D (no ``reset_parameters``) is a Linear's default,
   U(+-1/sqrt(in)) with in = ``weight.shape[0]``, weight and bias. Every tensor is poisoned with NaN first, so a
   parameter the preset skipped cannot pass by keeping Hugging Face's values;
3. the report rows (kind, role, layout, fans, aliases of tied weights, trainability) and ``ui.param_groups``;
4. nothing but parameters and named running statistics change, and a catch-all rule does not touch the
   running statistics at all;
5. a refused plan (a spec that does not fit, a value float32 cannot hold) raises and changes nothing;
6. a seed gives the same tensors on two copies whatever torch's global RNG did, and leaves that RNG alone;
   another seed gives other values;
7. a state_dict is written in place, and with ``module=`` exactly as the module itself.

Statistics: every comparison of random values is a KS test (two-sample ``compare.same_law`` against torch, or
one-sample ``stats.check`` against the exact law) at ``compare.ALPHA`` = 1e-6, on at most ``compare.SAMPLE``
values. The file makes about 1,400 such tests (1,070 one-sample, 310 two-sample), so a correct library fails a
run by chance with probability about 1.4e-3; every seed is fixed (models, references, applies, subsampling),
so a run is repeatable and a pass stays a pass until the code or torch's RNG changes.
"""

from __future__ import annotations

import copy
import math
import warnings

import numpy as np
import pytest

pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
import torch  # noqa: E402
from torch import nn  # noqa: E402

import unifiedinit as ui  # noqa: E402
from unifiedinit.verify import stats  # noqa: E402

from .compare import ALPHA, has_laws, same_law, sample, unchanged  # noqa: E402

transformers.utils.logging.set_verbosity_error()

VOCAB = 32000  # x 64 features: 2,048,000 values, above the backend's 2**20 chunk


def _resnet():
    return transformers.ResNetModel(transformers.ResNetConfig())  # ResNet-50


def _vit():
    return transformers.ViTModel(transformers.ViTConfig(
        hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128, image_size=32,
        patch_size=8))


def _convnext():
    return transformers.ConvNextModel(transformers.ConvNextConfig(depths=[1, 1, 1, 1], hidden_sizes=[16, 32, 64, 128]))


def _efficientnet():
    return transformers.EfficientNetModel(transformers.EfficientNetConfig(
        image_size=64, width_coefficient=0.25, depth_coefficient=0.2))


def _mobilenet_v2():
    return transformers.MobileNetV2Model(transformers.MobileNetV2Config(depth_multiplier=0.35, image_size=64))


def _bert():
    return transformers.BertModel(transformers.BertConfig(
        vocab_size=VOCAB, hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128))


def _gpt2():
    return transformers.GPT2LMHeadModel(transformers.GPT2Config(
        vocab_size=VOCAB, n_embd=64, n_layer=2, n_head=4, n_positions=128, bos_token_id=0, eos_token_id=0))


def _t5():
    return transformers.T5ForConditionalGeneration(transformers.T5Config(
        vocab_size=VOCAB, d_model=64, d_ff=128, d_kv=16, num_layers=2, num_heads=4, tie_word_embeddings=True))


def _llama():
    return transformers.LlamaForCausalLM(transformers.LlamaConfig(
        vocab_size=VOCAB, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=128, tie_word_embeddings=False))


BUILD = {"resnet50": _resnet, "vit": _vit, "convnext": _convnext, "efficientnet": _efficientnet,
         "mobilenet_v2": _mobilenet_v2, "bert": _bert, "gpt2": _gpt2, "t5": _t5, "llama": _llama}
MODELS = tuple(BUILD)
CONV_MODELS = ("resnet50", "vit", "convnext", "efficientnet", "mobilenet_v2")
BATCHNORM_MODELS = ("resnet50", "efficientnet", "mobilenet_v2")
LANGUAGE_MODELS = ("bert", "gpt2", "t5", "llama")
#: parameters held directly by a module that is no layer: kind "other", which no preset names
UNMATCHED = {"vit": {"embeddings/cls_token", "embeddings/position_embeddings"},
             "convnext": {f"encoder/stages/{i}/layers/0/layer_scale_parameter" for i in range(4)}}
STATISTICS = ("running_mean", "running_var", "num_batches_tracked")


# ------------------------------------------------------------------------------------------------ helpers

@pytest.fixture(scope="module")
def built():
    """name -> the model, built once per module with torch seeded; tests that write take ``fresh`` copies."""
    cache: dict[str, nn.Module] = {}

    def get(name: str) -> nn.Module:
        if name not in cache:
            torch.manual_seed(0)
            cache[name] = BUILD[name]().eval()
        return cache[name]

    return get


def fresh(built, name: str) -> nn.Module:
    return copy.deepcopy(built(name))  # deepcopy keeps tied tensors tied


def quiet_apply(plan, model, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rules that match nothing in this model
        return plan.apply(model, **options)


def tensor(model: nn.Module, path: str) -> torch.Tensor:
    """The parameter or buffer at ``path`` ("a/b/weight"): a plain lookup, the library's own."""
    from unifiedinit.backends.torch.model import tensor_at
    return tensor_at(model, path)


def values(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy()


def everything(model: nn.Module) -> dict[str, torch.Tensor]:
    """Every tensor: the state_dict (parameters, persistent buffers) and every buffer, non-persistent ones too."""
    out = {f"state:{k}": t for k, t in model.state_dict(keep_vars=True).items()}
    out.update({f"buffer:{k}": t for k, t in model.named_buffers(remove_duplicate=False)})
    return out


def snapshot(model: nn.Module) -> dict[str, np.ndarray]:
    """Every tensor's bytes, so "unchanged" means byte-identical (a -0.0 for a 0.0, a NaN payload, an int)."""
    return {k: np.frombuffer(values(t).tobytes(), dtype=np.uint8) for k, t in everything(model).items()}


def poison(model: nn.Module) -> None:
    """NaN in every floating parameter and running statistic, a wrong count in every batch counter: a tensor the
    plan was to write and did not cannot pass for a written one."""
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(math.nan)
        for name, b in model.named_buffers():
            leaf = name.rsplit(".", 1)[-1]
            if leaf in ("running_mean", "running_var"):
                b.fill_(math.nan)
            elif leaf == "num_batches_tracked":
                b.fill_(12345)


def constructor_laws(model: nn.Module, plan: ui.Plan, laws: dict, where: str) -> None:
    """``plan`` on the poisoned ``model`` leaves nothing unmatched and gives each parameter named in ``laws`` its
    law there (``compare.has_laws``): a constructor's init checked on a stand-in with its module names."""
    poison(model)
    report = plan.apply(model, seed=0)
    assert not report.unmatched, report.unmatched
    has_laws({k: v.detach().numpy() for k, v in model.named_parameters()}, laws, where)


def reproduces(build, plan_for, where: str, statistics: bool = False) -> int:
    """``build()`` under one seed is the reference (its constructor runs the framework's or family's own init); a
    second model, poisoned with NaN, gets ``plan_for(model)``. Every parameter (and with ``statistics`` every
    running statistic: not for Hugging Face's frozen BatchNorm buffers, which no plan writes) must be written,
    equal the reference where that is a constant, and pass the KS test at ALPHA against it elsewhere, except
    where our value is determined (a constant, S4D-Real's ``A_log``, a sinusoidal table):
    there it must equal the reference within 1e-5, which a KS test on a few entries cannot say (RegNet's
    squeeze-excitation biases are four random numbers). Within, not equal: transformers computes such tables in
    float32 with torch's kernels (FSMT's sin(p w) at position 42 is 1.5e-6 off), and torch's float32 ``log`` is not
    correctly rounded on every CPU (with AVX-512, ``log`` of 7 is 1 ulp high), where ours is rounded once from
    float64. A constant we determine is held to 1e-6 relative (zeros exactly): a constant transformers computes
    with torch's float32 kernels (Apertus's xIELU log(expm1(0.8)), Swin V2's log 10) may be an ulp off on another
    CPU. A one-element tensor we draw (the bias of a one-channel output) is compared with a third build under
    another seed: a constant there must be ours exactly,
    a random draw can only be written. Returns how many tensors were compared."""
    torch.manual_seed(0)
    reference = build()
    torch.manual_seed(1)
    model = build()
    poison(model)
    report = plan_for(model).apply(model, seed=3)
    assert not report.unmatched, [p.path for p in report.unmatched]
    determined = {e.param.path.replace("/", ".") for e in report.entries if e.draw and e.draw.deterministic}
    rope = {e.param.path.replace("/", "."): e.draw for e in report.entries if type(e.draw).__name__ == "MixedRoPE"}
    theirs, again = dict(reference.named_parameters()) | dict(reference.named_buffers()), None
    mine = list(model.named_parameters())
    mine += [(n, b) for n, b in model.named_buffers() if statistics and n.endswith(STATISTICS)]
    for name, t in mine:
        label = f"{where}: {name}"
        ours, ref = t.detach().float().numpy(), theirs[name].detach().float().numpy()
        assert not np.isnan(ours).any(), f"{label} was not written"
        if ref.size == 0:  # DINOv3's register tokens without registers: nothing to compare
            continue
        if name in rope:  # one angle per group, shared by its entries: the angles are what is random
            (angles, off), (theirs_angles, theirs_off) = (stats.rope_angles(x, rope[name]) for x in (ours, ref))
            assert off < 1e-5 and theirs_off < 1e-5, f"{label}: {off:.3g} and {theirs_off:.3g} from their angles"
            same_law(angles, theirs_angles, label)
            continue
        if np.all(ref == ref.flat[0]) and name in determined:  # a constant: exact zeros, the rest within 8 ulp
            np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=0, err_msg=label)
        elif ref.size == 1 and name not in determined:  # a one-channel output's bias, or a constant?
            if again is None:
                torch.manual_seed(2)
                other = build()
                again = dict(other.named_parameters()) | dict(other.named_buffers())
            if again[name].item() != ref.item():  # a random draw: one says nothing of a law, written is all
                continue
            assert np.array_equal(ours, ref), label
        elif np.all(ref == ref.flat[0]):
            assert np.array_equal(ours, ref), label
        elif ref.ndim > 1 and ref.shape[-1] > 1 and (rows := np.all(ref == 0, axis=-1)).any():
            # a zero row in a drawn tensor (an embedding's padding row): by chance once in 2^-48 or less
            assert not ours[rows].any(), f"{label}: rows {np.argwhere(rows).tolist()} are zeros in the reference"
            same_law(sample(ours[~rows], 1), sample(ref[~rows], 2), label)
        elif name in determined:
            np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-5, err_msg=label)
        else:
            same_law(sample(ours, 1), sample(ref, 2), label)
    return len(mine)


def keys_of(paths, prefix: str = "state:") -> set[str]:
    return {prefix + p.replace("/", ".") for p in paths}


def parameter_keys(model: nn.Module) -> set[str]:
    """The snapshot keys of every parameter, under each of its names (a tied tensor has several)."""
    return keys_of(n for n, _ in model.named_parameters(remove_duplicate=False))


def statistic_keys(snap: dict) -> set[str]:
    """The snapshot keys of the running statistics (as state_dict entries and as buffers)."""
    return {k for k in snap if k.rsplit(".", 1)[-1] in STATISTICS}


def follows(t: torch.Tensor, draw, where: str) -> None:
    """``t`` holds ``draw``: exactly for a determined draw, else one-sample KS at the shared ALPHA, on a sample of
    an elementwise draw's values and on the whole tensor of a structured one (an embedding's zero padding row,
    an orthogonal matrix), whose structure ``stats.check`` tests where it is."""
    x = values(t)
    verdict = stats.check(x, draw) if draw.deterministic else \
        stats.check(sample(x, 3), draw, alpha=ALPHA) if draw.elementwise else stats.check(x, draw, alpha=ALPHA)
    assert verdict, f"{where}: {verdict}"


def resettable(module: nn.Module) -> bool:
    return callable(getattr(module, "reset_parameters", None))


def torch_reference(model: nn.Module) -> nn.Module:
    """torch's own default initialization of ``model``: ``reset_parameters()`` of every module that defines it.
    A tied tensor belongs to the module that holds it first (its creator; tying points the others at it), so a
    module whose every parameter was reset already (GPT-2's and T5's tied ``lm_head``) is not reset again."""
    torch.manual_seed(1234)
    seen: set[int] = set()
    for module in model.modules():
        own = list(module.parameters(recurse=False))
        if resettable(module) and not (own and all(id(p) in seen for p in own)):
            getattr(module, "reset_parameters")()  # a layer's own method: nn.Module does not declare it
        seen.update(id(p) for p in own)
    return model


def first_trainable(model: nn.Module) -> nn.Module:
    """The first module holding a parameter no other module shares."""
    counts: dict[int, int] = {}
    for _, m in model.named_modules(remove_duplicate=False):
        for p in m.parameters(recurse=False):
            counts[id(p)] = counts.get(id(p), 0) + 1
    for m in model.modules():
        own = list(m.parameters(recurse=False))
        if own and all(counts[id(p)] == 1 for p in own):
            return m
    raise AssertionError("no untied parameter")


# --------------------------------------------------------------------------- 1. every preset applies

@pytest.mark.parametrize("preset", sorted(ui.presets.PRESETS))
@pytest.mark.parametrize("name", MODELS)
def test_every_preset_applies_and_writes_what_its_report_says(built, name, preset):
    model = fresh(built, name)
    poison(model)
    before = snapshot(model)
    report = quiet_apply(ui.presets.PRESETS[preset], model, seed=0)

    assert {p.path for p in report.unmatched} == UNMATCHED.get(name, set())
    assert all(p.kind == "other" for p in report.unmatched)
    # the unmatched parameters, and every buffer that is not a running statistic, are kept byte for byte
    unchanged(before, snapshot(model),
              allowed=(parameter_keys(model) | statistic_keys(before)) - keys_of(UNMATCHED.get(name, ())))
    assert report.entries
    for e in report.entries:
        assert e.spec is not None and e.draw is not None, e.param.path
        follows(tensor(model, e.param.path), e.draw, f"{preset} {e.param.path}")


# ----------------------------------------------------------------- 2. presets.torch is torch's default

@pytest.mark.parametrize("name", MODELS)
def test_presets_torch_reproduces_torch_default_init(built, name):
    reference = torch_reference(fresh(built, name))
    model = fresh(built, name)
    poison(model)
    report = ui.presets.torch.apply(model, seed=0)
    decided = {e.param.path: e for e in report.entries}
    covered: set[int] = set()

    for prefix, module in model.named_modules():
        own = [(n, t) for n, t in module.named_parameters(recurse=False)]
        own += [(n, t) for n, t in module.named_buffers(recurse=False) if n in STATISTICS]
        ref_module = reference.get_submodule(prefix)
        for n, t in own:
            if id(t) in covered:
                continue
            where = f"{name} {prefix}.{n} ({type(module).__name__})"
            if resettable(module):
                same_law(values(t), values(getattr(ref_module, n)), where)
            elif "norm" in type(module).__name__.lower():  # LlamaRMSNorm, T5LayerNorm: 1 (and 0)
                p = decided[f"{prefix}.{n}".replace(".", "/")].param
                assert (p.kind, p.role) == ("norm", "scale" if n == "weight" else "shift"), where
                assert np.array_equal(values(t), np.full(t.shape, 1.0 if n == "weight" else 0.0)), where
            elif type(module).__name__ == "Conv1D":
                continue  # test_gpt2_conv1d_gets_a_linear_default
            else:
                assert f"{prefix}.{n}".replace(".", "/") in UNMATCHED.get(name, ()), where
                assert torch.isnan(t).all(), f"{where}: unmatched but written"
            covered.add(id(t))
    params = {id(p) for p in model.parameters()}
    conv1d = {id(p) for m in model.modules() if type(m).__name__ == "Conv1D" for p in m.parameters()}
    assert params - conv1d <= covered  # every parameter was compared with something


def test_gpt2_conv1d_gets_a_linear_default(built):
    """Conv1D has no reset_parameters: presets.torch gives it what nn.Linear(in, out) would have, transposed."""
    model = fresh(built, "gpt2")
    poison(model)
    ui.presets.torch.apply(model, seed=0)
    layers = [(n, m) for n, m in model.named_modules() if type(m).__name__ == "Conv1D"]
    assert len(layers) == 8  # c_attn, c_proj, mlp.c_fc, mlp.c_proj in 2 blocks
    torch.manual_seed(99)
    for n, m in layers:
        weight, bias = m.get_parameter("weight"), m.get_parameter("bias")
        fan_in, fan_out = weight.shape  # stored (in, out)
        linear = nn.Linear(fan_in, fan_out)  # torch's own default for that layer
        same_law(values(weight), values(linear.weight).T, f"{n}.weight")
        same_law(values(bias), values(linear.bias), f"{n}.bias")
        bound = 1.0 / math.sqrt(fan_in)
        for t in (weight, bias):
            verdict = stats.check(sample(values(t), 4), ui.Uniform(-bound, bound), alpha=ALPHA)
            assert verdict, f"{n}: {verdict}"


def test_embedding_padding_row_is_zero_as_torch_leaves_it(built):
    model = fresh(built, "bert")
    emb = model.get_submodule("embeddings.word_embeddings")
    assert isinstance(emb, nn.Embedding) and emb.padding_idx is not None
    torch_reference(model)
    assert not emb.weight[emb.padding_idx].any()  # torch's own default: the padding row is zero
    poison(model)
    ui.presets.torch.apply(model, seed=0)
    assert not emb.weight[emb.padding_idx].any()
    rest = torch.cat([emb.weight[:emb.padding_idx], emb.weight[emb.padding_idx + 1:]]).detach().flatten()
    assert rest.all() and stats.check(sample(rest.numpy(), 4), ui.Normal(0, 1), alpha=ALPHA)
    poison(model)  # portable mode too, and the same row in a model built without padding is drawn
    ui.presets.torch.apply(model, seed=0, portable=True)
    assert not emb.weight[emb.padding_idx].any() and emb.weight[emb.padding_idx - 1].all()


# ------------------------------------------------------------------------------------ 3. report rows

def test_gpt2_rows_conv1d_is_dense_in_out_and_the_head_is_tied(built, monkeypatch):
    model = fresh(built, "gpt2")
    n: int = getattr(model, "config").n_embd  # Hugging Face's config: an attribute nn.Module does not declare
    report = ui.inspect(model, ui.presets.torch)
    rows = {r["path"]: r for r in report.rows()}
    c_attn = rows["transformer/h/0/attn/c_attn/weight"]
    assert (c_attn["layer"], c_attn["kind"], c_attn["role"]) == ("Conv1D", "dense", "weight")
    assert c_attn["layout"] == "in_out"
    assert c_attn["shape"] == [n, 3 * n] and c_attn["fans"] == f"{n}/{3 * n}"
    conv1d = [p for p in report.params if p.layer == "Conv1D"]
    assert len(conv1d) == 16  # weight and bias of c_attn, c_proj, mlp.c_fc, mlp.c_proj in 2 blocks
    for p in conv1d:
        fans = tuple(tensor(model, p.path.rsplit("/", 1)[0] + "/weight").shape)  # (in, out) as stored
        assert (p.kind, p.layer_fans, p.info().fans) == ("dense", fans, fans), p.path
        assert p.layout == ("in_out" if p.role == "weight" else "torch"), p.path

    assert tensor(model, "lm_head/weight") is tensor(model, "transformer/wte/weight")
    tied = [p for p in report.params if "lm_head/weight" in (p.path,) + p.aliases]
    assert len(tied) == 1
    assert (tied[0].path, tied[0].aliases, tied[0].kind) == ("transformer/wte/weight", ("lm_head/weight",), "embedding")
    assert rows["transformer/wte/weight"]["aliases"] == ["lm_head/weight"] and "lm_head/weight" not in rows

    from unifiedinit.backends.torch import model as backend
    written: list[tuple[str, int]] = []
    native = backend._Target.native

    def counting(self, p, t, draw, stream):
        written.append((p.path, id(t)))
        return native(self, p, t, draw, stream)

    monkeypatch.setattr(backend._Target, "native", counting)
    ui.presets.torch.apply(model, seed=0)
    ids = [i for _, i in written]
    assert len(ids) == len(set(ids)) == len(report.entries)  # every tensor written once, the tied one too
    assert ("transformer/wte/weight", id(tensor(model, "lm_head/weight"))) in written


def test_t5_shared_embedding_holds_both_embed_tokens_and_the_head(built):
    model = fresh(built, "t5")
    report = ui.inspect(model, ui.presets.torch)
    shared = [p for p in report.params if p.path == "shared/weight"]
    assert len(shared) == 1
    assert set(shared[0].aliases) == {"encoder/embed_tokens/weight", "decoder/embed_tokens/weight", "lm_head/weight"}
    assert shared[0].kind == "embedding" and shared[0].role == "embedding"
    paths = [p.path for p in report.params]
    assert len(paths) == len(set(paths)) == len({id(p) for p in model.parameters()})
    assert not set(shared[0].aliases) & set(paths)


@pytest.mark.parametrize("name,norm", [("llama", "LlamaRMSNorm"), ("t5", "T5LayerNorm"),
                                       ("convnext", "ConvNextLayerNorm"), ("bert", "LayerNorm")])
def test_norms_are_kind_norm_role_scale(built, name, norm):
    model = built(name)
    rows = [r for r in ui.inspect(model).rows() if r["layer"] == norm]
    modules = [m for m in model.modules() if type(m).__name__ == norm]
    assert rows and len(rows) == sum(len(list(m.parameters(recurse=False))) for m in modules)
    for r in rows:
        assert r["kind"] == "norm", r
        assert r["role"] == {"weight": "scale", "bias": "shift"}[r["path"].rsplit("/", 1)[-1]], r


@pytest.mark.parametrize("name", BATCHNORM_MODELS)
def test_batchnorm_statistics_have_their_roles(built, name):
    model = built(name)
    rows = [r for r in ui.inspect(model).rows() if r["layer"] == "BatchNorm2d"]
    roles = {"weight": "scale", "bias": "shift", "running_mean": "running_mean", "running_var": "running_var",
             "num_batches_tracked": "batches_tracked"}
    n = sum(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    assert n and len(rows) == 5 * n
    for r in rows:
        leaf = r["path"].rsplit("/", 1)[-1]
        assert (r["kind"], r["role"], r["trainable"]) == ("norm", roles[leaf], leaf in ("weight", "bias")), r


@pytest.mark.parametrize("name", MODELS)
def test_param_groups_hold_a_tied_tensor_once_and_leave_frozen_ones_out(built, name):
    model = fresh(built, name)
    frozen = first_trainable(model)
    for p in frozen.parameters(recurse=False):
        p.requires_grad_(False)
    groups = ui.param_groups(model)
    assert [g["weight_decay"] for g in groups] == [1e-2, 0.0]
    got = [id(t) for g in groups for t in g["params"]]
    assert len(got) == len(set(got))
    assert set(got) == {id(p) for p in model.parameters() if p.requires_grad}
    assert not {id(p) for p in frozen.parameters(recurse=False)} & set(got)
    no_decay = {id(t) for t in groups[1]["params"]}
    report = ui.inspect(model)
    for p in report.params:
        t = tensor(model, p.path)
        assert p.trainable == (isinstance(t, nn.Parameter) and t.requires_grad), p.path
        if p.trainable:
            assert (id(t) in no_decay) == (p.kind in ("norm", "prelu") or p.role == "bias"), p.path


# ---------------------------------------------------- 4. nothing but parameters and running statistics

@pytest.mark.parametrize("name", MODELS)
def test_only_parameters_and_named_statistics_change(built, name):
    model = fresh(built, name)
    with torch.no_grad():  # running statistics as after training, so a write to them shows
        for n, b in model.named_buffers():
            if n.endswith(("running_mean", "running_var")):
                b.uniform_(2.0, 3.0)
            elif n.endswith("num_batches_tracked"):
                b.fill_(7)
    params = parameter_keys(model)
    before = snapshot(model)

    report = ui.Plan().rule(ui.Normal(0, 0.02)).apply(model, seed=0)
    assert all(p.role in ui.plan.STATISTICS for p in report.unmatched)  # listed, not written
    assert len(report.unmatched) == 3 * sum(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    after = snapshot(model)
    unchanged(before, after, allowed=params)  # not even the running statistics
    assert {k for k in params if not np.array_equal(before[k], after[k])} == params  # every parameter written

    ui.presets.torch.apply(model, seed=0)
    statistics = statistic_keys(before)
    unchanged(after, snapshot(model), allowed=params | statistics)
    for n, b in model.named_buffers():
        leaf = n.rsplit(".", 1)[-1]
        if leaf in STATISTICS:
            assert np.array_equal(values(b), np.full(b.shape, 1 if leaf == "running_var" else 0)), n
    assert (name in BATCHNORM_MODELS) == bool(statistics)


# -------------------------------------------------------------------- 5. a refused plan changes nothing

def _refused(name: str, model: nn.Module):
    last = [p for p in ui.inspect(model).unmatched if p.trainable][-1].path  # the last a plan would write
    plans = [(ui.Plan().rule(ui.Zeros()).rule(ui.Constant(1e300), path=last), last)]
    if name in CONV_MODELS:
        first_conv = next(p.path for p in ui.inspect(model).unmatched if p.kind == "conv" and p.role == "weight")
        plans.append((ui.Plan().rule(ui.Normal(0, 0.02)).rule(ui.Eye(), kind="conv"), first_conv))
    return plans


@pytest.mark.parametrize("name", MODELS)
def test_a_refused_plan_changes_nothing(built, name):
    model = fresh(built, name)
    for plan, culprit in _refused(name, model):
        before = snapshot(model)
        rng = torch.get_rng_state()
        with pytest.raises(ValueError) as err:
            plan.apply(model, seed=0)
        assert repr(culprit) in str(err.value)
        unchanged(before, snapshot(model), allowed=set())
        assert torch.equal(rng, torch.get_rng_state())


# ------------------------------------------------------------------------------------------ 6. seeds

@pytest.mark.parametrize("name", MODELS)
def test_a_seed_gives_the_same_tensors_and_another_seed_others(built, name):
    a, b, c = fresh(built, name), fresh(built, name), fresh(built, name)
    poison(b)  # where a model starts does not matter
    torch.manual_seed(1)
    ra = ui.presets.torch.apply(a, seed=0)
    torch.manual_seed(2)
    rng = torch.get_rng_state()
    rb = ui.presets.torch.apply(b, seed=0)
    assert torch.equal(rng, torch.get_rng_state())  # the global RNG is left alone
    rc = ui.presets.torch.apply(c, seed=1)
    assert [e.param.key for e in ra.entries] == [e.param.key for e in rb.entries] == [e.param.key for e in rc.entries]
    for e in ra.entries:
        ta, tb, tc = (tensor(m, e.param.path) for m in (a, b, c))
        assert torch.equal(ta, tb), e.param.path
        assert torch.equal(ta, tc) == e.draw.deterministic, e.param.path


# ------------------------------------------------------------------------------------- 7. state_dict

@pytest.mark.parametrize("name", MODELS)
def test_a_state_dict_is_written_in_place_and_as_its_module(built, name):
    a, b = fresh(built, name), fresh(built, name)
    poison(a)
    poison(b)
    state = a.state_dict()
    ra = ui.presets.torch.apply(state, seed=0, module=a)
    rb = ui.presets.torch.apply(b, seed=0)
    assert [(p.path, p.key, p.aliases) for p in ra.params] == [(p.path, p.key, p.aliases) for p in rb.params]
    assert {p.path for p in ra.unmatched} == UNMATCHED.get(name, set())
    unchanged(snapshot(a), snapshot(b), allowed=set())  # the module itself got the values: in place, and the same
    for e in ra.entries:
        assert not torch.isnan(tensor(a, e.param.path)).any(), e.param.path

    c = fresh(built, name)  # without module=: described from the names, still written in place
    poison(c)
    rc = ui.presets.torch.apply(c.state_dict(), seed=0)
    assert rc.entries and all(p.inferred == "names" for p in rc.params)
    storages = [tensor(c, p.path).data_ptr() for p in rc.params]
    assert len(storages) == len(set(storages))  # a tied tensor is one entry (written once) here too
    for e in rc.entries:
        assert not torch.isnan(tensor(c, e.param.path).float()).any(), e.param.path
