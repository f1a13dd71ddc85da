"""The family recipes on ports of the families: layers stacked in one module, and configs given as dicts.

A recipe's rules select by path globs, some of which name a layer's index in a sequence (``*blocks/*/attn_out/*``).
A model that stacks its layers in one module (``nnx.vmap``, ``nn.scan``, ``eqx.filter_vmap``) has no index on its
paths (``transformer/blocks/attn_out/kernel``); each such rule has a twin for it, so a stacked layer takes the
same law as the same layer held in a list, with its own depth l. Statistical checks are one-sample KS tests at
``ALPHA`` = 1e-6 against the exact law (a correct library fails the file by chance with probability under 1e-4),
with fixed seeds; the stacked values are also compared exactly with the listed model's, drawn in the same run.

``config=`` as a dict (``config.to_dict()``) reads as the config object: a name the family keeps under another
(Whisper's ``num_hidden_layers``: ``encoder_layers``) or computes (Nemotron-H's, from ``layers_block_type``;
``num_labels``, from ``id2label``).
"""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
import warnings
from typing import Any

import numpy as np
import pytest

import unifiedinit as ui
from unifiedinit.verify import stats

ALPHA = 1e-6

# ----------------------------------------------------------------------------- every indexed glob has a twin

#: (family, the plan, a parameter's path in the family's own model with "{i}" where a sequence's index and its
#: "/" stand, kind, role): the path with "3/" (a list's layer) and with "" (the layers stacked in one module) must
#: take the same law from a rule that names it by path
INDEXED: list[tuple[str, Any, str, str, str]] = [
    ("olmo", lambda: ui.presets.olmo(), "transformer/blocks/{i}attn_out/weight", "dense", "weight"),
    ("olmo", lambda: ui.presets.olmo(), "transformer/blocks/{i}ff_out/weight", "dense", "weight"),
    ("olmo-megatron", lambda: ui.presets.olmo("full_megatron", n_layers=4), "transformer/blocks/{i}ff_out/kernel",
     "dense", "weight"),
    ("switch", lambda: ui.presets.t5(), "encoder/block/1/layer/1/mlp/experts/{i}wo/weight", "dense", "weight"),
    ("rt_detr", lambda: ui.presets.hf(config={"model_type": "rt_detr"}), "model/decoder/bbox_embed/{i}layers/2/weight",
     "dense", "weight"),
    ("d_fine", lambda: ui.presets.hf(config={"model_type": "d_fine"}),
     "model/decoder/lqe_layers/{i}reg_conf/layers/1/weight", "dense", "weight"),
    ("deimv2", lambda: ui.presets.hf(config={"model_type": "deimv2"}), "model/decoder/layers/{i}mlp/up_proj/weight",
     "dense", "weight"),
    ("deformable_detr", lambda: ui.presets.hf(config={"model_type": "deformable_detr"}),
     "model/encoder/layers/{i}self_attn/sampling_offsets/bias", "dense", "bias"),
    ("deformable_detr", lambda: ui.presets.hf(config={"model_type": "deformable_detr"}),
     "model/decoder/layers/{i}encoder_attn/value_proj/weight", "dense", "weight"),
    ("grounding-dino", lambda: ui.presets.hf(config={"model_type": "grounding-dino"}),
     "model/decoder/layers/{i}encoder_attn/attention_weights/weight", "dense", "weight"),
    ("grounding-dino", lambda: ui.presets.hf(config={"model_type": "grounding-dino"}), "bbox_embed/{i}layers/2/bias",
     "dense", "bias"),  # a twin before (its model's own bbox_embed): a control, as groupvit's multi-level glob
    ("mask2former", lambda: ui.presets.hf(config={"model_type": "mask2former"}),
     "model/pixel_level_module/decoder/encoder/layers/{i}self_attn/sampling_offsets/weight", "dense", "weight"),
    ("oneformer", lambda: ui.presets.hf(config={"model_type": "oneformer"}),
     "model/text_mapper/text_encoder/transformer/layers/{i}self_attn/in_proj_weight", "attention", "weight"),
    ("oneformer", lambda: ui.presets.hf(config={"model_type": "oneformer"}),
     "model/text_mapper/text_encoder/transformer/layers/{i}mlp/fc2/weight", "dense", "weight"),
    ("bridgetower", lambda: ui.presets.hf(config={"model_type": "bridgetower_vision_model"}),
     "visual/transformer/resblocks/{i}attn/in_proj_weight", "attention", "weight"),
    ("bridgetower", lambda: ui.presets.hf(config={"model_type": "bridgetower_vision_model"}),
     "visual/transformer/resblocks/{i}mlp/c_proj/weight", "dense", "weight"),
    ("rwkv", lambda: ui.presets.hf(config={"model_type": "rwkv", "hidden_size": 8, "num_hidden_layers": 4}),
     "rwkv/blocks/{i}attention/receptance/weight", "dense", "weight"),
    ("rwkv", lambda: ui.presets.hf(config={"model_type": "rwkv", "hidden_size": 8, "num_hidden_layers": 4}),
     "rwkv/blocks/{i}attention/time_first", "other", "other"),
    ("blt", lambda: ui.presets.hf(config={"model_type": "blt"}),
     "model/local_encoder/cross_attn_layers/{i}k_proj/weight", "dense", "weight"),
    ("data2vec-audio", lambda: ui.presets.hf(config={"model_type": "data2vec-audio"}),
     "data2vec_audio/encoder/pos_conv_embed/layers/{i}conv/bias", "conv", "bias"),
    ("clipseg", lambda: ui.presets.clip(config={"model_type": "clipseg"}), "decoder/layers/{i}self_attn/v_proj/weight",
     "dense", "weight"),
    ("clipseg", lambda: ui.presets.clip(config={"model_type": "clipseg"}), "decoder/layers/{i}mlp/fc2/weight",
     "dense", "weight"),
    ("groupvit", lambda: ui.presets.hf(config={"model_type": "groupvit"}),
     "vision_model/encoder/stages/0/layers/{i}mlp/fc1/weight", "dense", "weight"),
]


@pytest.mark.parametrize("family,make,path,kind,role", INDEXED, ids=[f"{x[0]}:{x[2]}" for x in INDEXED])
def test_a_stacked_layer_takes_the_law_of_the_same_layer_in_a_list(family, make, path, kind, role):
    plan = make()
    decided = []
    for index in ("3/", ""):
        p = ui.Param(path.format(i=index), kind, role, (8, 8), layer="Linear", stacked=() if index else (0,))
        assert "//" not in p.path
        i = plan.match(p)
        assert i is not None, (family, p.path)
        decided.append(plan.rules[i])
    listed, stacked = decided
    assert listed.select.path is not None and stacked.select.path is not None, (family, listed, stacked)

    def unplaced(rule):  # the rule but for its path glob: its spec, kind, role and depth options
        return dataclasses.replace(rule, select=dataclasses.replace(rule.select, path=None))
    assert unplaced(stacked) == unplaced(listed), (family, listed, stacked)


def _decider(plan: ui.Plan, p: ui.Param) -> ui.Rule:
    i = plan.match(p)
    assert i is not None, p.path
    return plan.rules[i]


def test_olmos_head_keeps_its_own_law_beside_stacked_blocks():
    plan = ui.presets.olmo(d_model=64)
    head = _decider(plan, ui.Param("transformer/ff_out/kernel", "dense", "weight", (64, 700), layout="flax"))
    block = _decider(plan, ui.Param("transformer/blocks/ff_out/kernel", "dense", "weight", (3, 96, 64),
                                    layout="flax", stacked=(0,)))
    assert head.select.path == "*transformer/ff_out/*" and head.spec == ui.TruncatedNormal(0.0, 0.125, -0.375, 0.375)
    assert block.select.path == "*blocks/ff_out/*"
    assert block.spec == ui.Scaled(ui.TruncatedNormal(0.0, 1.0, -3.0, 3.0), "1 / sqrt(2 * fan_in * (l + 1))")


# ------------------------------------------------------------------------- OLMo's blocks stacked, by formula

D, H, N, VOCAB = 64, 96, 3, 700


def _nnx_blocks(block: Any, n: int, rngs: Any, stacked: bool) -> Any:
    """``n`` blocks in an ``nnx.List``, or stacked in one module by ``nnx.vmap``."""
    from flax import nnx
    if not stacked:
        return nnx.List([block(rngs) for _ in range(n)])

    @nnx.split_rngs(splits=n)
    @nnx.vmap(in_axes=(0,), out_axes=0)
    def make(rngs: Any) -> Any:
        return block(rngs)
    return make(rngs)


def _olmo_nnx(stacked: bool):
    nnx = pytest.importorskip("flax.nnx")

    class Block(nnx.Module):
        def __init__(self, rngs):
            self.att_proj, self.attn_out = nnx.Linear(D, 3 * D, rngs=rngs), nnx.Linear(D, D, rngs=rngs)
            self.ff_proj, self.ff_out = nnx.Linear(D, 2 * H, rngs=rngs), nnx.Linear(H, D, rngs=rngs)

    class Transformer(nnx.Module):
        def __init__(self, rngs):
            self.wte = nnx.Embed(VOCAB, D, rngs=rngs)
            self.blocks = _nnx_blocks(Block, N, rngs, stacked)
            self.ff_out = nnx.Linear(D, VOCAB, rngs=rngs)

    class Olmo(nnx.Module):
        def __init__(self, rngs):
            self.transformer = Transformer(rngs)

    return Olmo(nnx.Rngs(0))


def _cut(std: float) -> ui.TruncatedNormal:
    return ui.TruncatedNormal(0.0, std, -3 * std, 3 * std)


def _check(x, law, what):
    x = np.asarray(x, dtype=np.float64).ravel()
    assert np.abs(x).max() <= law.high * (1 + 1e-6), what
    assert stats.check(x, law, alpha=ALPHA), what


def test_olmos_stacked_blocks_in_nnx_get_each_its_own_depth():
    listed, stacked = _olmo_nnx(False), _olmo_nnx(True)
    plan = ui.presets.olmo("mitchell")
    plan.apply(listed, seed=3, portable=True)
    report = plan.apply(stacked, seed=3, portable=True)
    assert not report.unmatched
    blocks = stacked.transformer.blocks
    for name, fan_in in (("attn_out", D), ("ff_out", H)):
        values = np.asarray(getattr(blocks, name).kernel[...])
        assert values.shape[0] == N
        for layer in range(N):
            _check(values[layer], _cut(1 / math.sqrt(2 * fan_in * (layer + 1))), (name, layer))
            # the same draw as the same block held in a list (the portable stream is keyed by layer)
            np.testing.assert_array_equal(values[layer],
                                          np.asarray(getattr(listed.transformer.blocks[layer], name).kernel[...]))
    for name in ("att_proj", "ff_proj"):
        values = np.asarray(getattr(blocks, name).kernel[...])
        for layer in range(N):
            _check(values[layer], _cut(D ** -0.5), (name, layer))
    _check(stacked.transformer.ff_out.kernel[...], _cut(D ** -0.5), "head")  # the head: not a block's output law


def test_olmos_stacked_blocks_in_equinox_get_each_its_own_depth():
    eqx = pytest.importorskip("equinox")
    jax = pytest.importorskip("jax")

    class Block(eqx.Module):
        attn_out: Any
        ff_out: Any

        def __init__(self, key):
            a, b = jax.random.split(key)
            self.attn_out, self.ff_out = eqx.nn.Linear(D, D, key=a), eqx.nn.Linear(H, D, key=b)

    class Transformer(eqx.Module):
        blocks: Any
        ff_out: Any

        def __init__(self, key):
            self.blocks = eqx.filter_vmap(Block)(jax.random.split(key, N))
            self.ff_out = eqx.nn.Linear(D, VOCAB, key=key)

    class Olmo(eqx.Module):
        transformer: Transformer

        def __init__(self):
            self.transformer = Transformer(jax.random.PRNGKey(0))

    model, report = ui.presets.olmo("mitchell").apply(Olmo(), seed=5, portable=True)
    assert not report.unmatched
    for name, fan_in in (("attn_out", D), ("ff_out", H)):
        values = np.asarray(getattr(model.transformer.blocks, name).weight)
        for layer in range(N):
            _check(values[layer], _cut(1 / math.sqrt(2 * fan_in * (layer + 1))), (name, layer))
    _check(model.transformer.ff_out.weight, _cut(D ** -0.5), "head")


def test_rwkvs_per_layer_tables_reach_stacked_blocks():
    """RWKV's time tables differ per block; stacked, the stacked tensor takes them all, block l at index l: the
    values the listed blocks take (the same plan, the same run); each stacked projection is orthogonal."""
    nnx = pytest.importorskip("flax.nnx")
    jnp = pytest.importorskip("jax.numpy")
    h, depth = 8, 4

    class Attention(nnx.Module):
        def __init__(self, rngs):
            self.key = nnx.Linear(h, h, use_bias=False, rngs=rngs)
            self.time_decay, self.time_first = nnx.Param(jnp.zeros((h,))), nnx.Param(jnp.zeros((h,)))

    class Block(nnx.Module):
        def __init__(self, rngs):
            self.attention = Attention(rngs)

    class Rwkv(nnx.Module):
        def __init__(self, rngs, stacked):
            self.blocks = _nnx_blocks(Block, depth, rngs, stacked)

    plan = ui.presets.hf(config={"model_type": "rwkv", "hidden_size": h, "num_hidden_layers": depth,
                                 "vocab_size": 20})
    listed, stacked = Rwkv(nnx.Rngs(0), False), Rwkv(nnx.Rngs(0), True)
    plan.apply(listed, seed=0)
    report = plan.apply(stacked, seed=0)
    assert not report.unmatched
    for name in ("time_decay", "time_first"):
        got = np.asarray(getattr(stacked.blocks.attention, name)[...])
        want = np.stack([np.asarray(getattr(listed.blocks[i].attention, name)[...]) for i in range(depth)])
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6, err_msg=name)
    decay = np.asarray(stacked.blocks.attention.time_decay[...])
    assert decay[0, 0] == -5 and decay[0, -1] == pytest.approx(3) and not np.allclose(decay[0], decay[-1])
    np.testing.assert_array_equal(np.asarray(stacked.blocks.attention.time_first[...]), 1.0)
    for w in np.asarray(stacked.blocks.attention.key.kernel[...], dtype=np.float64):  # gain sqrt(out / in) = 1
        np.testing.assert_allclose(w @ w.T, np.eye(h), atol=1e-5)


# ------------------------------------------------------------------------------------- config= as a dict

transformers = pytest.importorskip("transformers")


def _whisper_config():
    return transformers.WhisperConfig(
        d_model=16, encoder_layers=3, decoder_layers=1, encoder_attention_heads=2, decoder_attention_heads=2,
        encoder_ffn_dim=32, decoder_ffn_dim=32, num_mel_bins=8, max_source_positions=8, vocab_size=50,
        use_weighted_layer_sum=True, pad_token_id=0, bos_token_id=1, eos_token_id=2, decoder_start_token_id=1)


def test_whispers_dict_config_keeps_the_layer_weights_rule():
    config = _whisper_config()
    model = transformers.WhisperForAudioClassification(config)
    want = model.layer_weights.detach().numpy().copy()  # transformers' own init: 1 / (L + 1)
    assert "num_hidden_layers" not in config.to_dict() and config.num_hidden_layers == 3
    plan = ui.presets.hf(config=config.to_dict())
    assert plan.rules == ui.presets.hf(config=config).rules
    with torch_no_grad():
        model.layer_weights.fill_(7.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing unmatched, nothing said
        report = plan.apply(model, seed=0)
    assert "layer_weights" not in [p.path for p in report.unmatched]
    np.testing.assert_array_equal(model.layer_weights.detach().numpy(), want)
    np.testing.assert_array_equal(want, 0.25)


def torch_no_grad():
    import torch
    return torch.no_grad()


def test_nemotron_hs_dict_config_keeps_the_rescaled_output_projection():
    config = transformers.NemotronHConfig(layers_block_type=["mamba", "attention", "mamba"],
                                          rescale_prenorm_residual=True)
    entries = config.to_dict()
    assert "num_hidden_layers" not in entries and config.num_hidden_layers == 3
    plan = ui.presets.hf(config=entries)
    assert plan.rules == ui.presets.hf(config=config).rules
    out = [r for r in plan.rules if r.select.path == "*mixer/out_proj/*"]
    assert out and out[-1].spec == ui.VarianceScaling(1 / 9, "fan_in", "uniform")
    # an older config.json (the pattern and the count) and a list under the alias layer_types
    for entries in ({"hybrid_override_pattern": "M*M", "num_hidden_layers": 3},
                    {"layer_types": ["mamba", "attention", "mamba"], "num_hidden_layers": 12}):
        other = ui.presets.hf(config={"model_type": "nemotron_h", "rescale_prenorm_residual": True, **entries})
        assert [r for r in other.rules if r.select.path == "*mixer/out_proj/*"] == out, entries


def test_num_labels_of_a_dict_config_is_the_length_of_its_id2label():
    config = transformers.RTDetrConfig(num_labels=6)
    assert "num_labels" not in config.to_dict()
    plan = ui.presets.hf(config=config.to_dict())
    assert plan.rules == ui.presets.hf(config=config).rules
    bias = [r.spec for r in plan.rules if r.select.path == "*enc_score_head/*" and r.select.role == ("bias",)]
    p = 1 / 7  # 1 / (num_labels + 1), as transformers computes the prior's bias
    assert bias == [ui.Constant(-math.log((1 - p) / p))]


def test_every_config_class_reads_the_same_as_its_dict():
    """hf(config=cfg) and hf(config=cfg.to_dict()) give the same plan for every config class transformers lists,
    at its defaults with seven labels (before: Whisper, Nemotron-H, the RT-DETRs' and D-FINEs' label count...)."""
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING
    differ, compared = [], 0
    transformers.utils.logging.set_verbosity_error()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kind in sorted(CONFIG_MAPPING.keys()):
            try:
                cls: Any = CONFIG_MAPPING[kind]
                config = cls(num_labels=7)
                own = ui.presets.hf(config=config)
            except Exception:  # a config class its defaults cannot build, or a recipe that refuses them: not ours
                continue
            compared += 1
            if ui.presets.hf(config=config.to_dict()).rules != own.rules:
                differ.append(kind)
    assert compared > 500 and not differ, differ


def test_a_dict_without_model_type_does_not_import_transformers():
    code = ("import sys, unifiedinit as ui\n"
            "ui.presets.hf(config={'initializer_range': 0.1, 'num_hidden_layers': 3})\n"
            "ui.presets.gpt2(config={'n_layer': 4})\n"
            "assert 'transformers' not in sys.modules, 'imported'\n"
            "plan = ui.presets.hf(config={'model_type': 'no_such_family', 'num_hidden_layers': 3})\n"
            "assert plan.rules == ui.presets.hf(config={'num_hidden_layers': 3}).rules\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


# ----------------------------------------------------------------------------- families no check built

_TINY_VIT = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, image_size=32,
                 patch_size=8, num_queries=4, num_blocks=1, num_register_tokens=1)
#: transformers model types with no AutoModel (nor causal-LM) entry, so built by none of the sweeps, whose own
#: _init_weights departs from hf's laws with nothing UNMATCHED (Pix2Struct's Mesh-TF init, EoMT's torch-default
#: layers; SLANet's uniform structure generator is checked now: test_families.SAM_ENCODERS_AND_HEADS)
UNCHECKED = {
    "pix2struct": lambda: transformers.Pix2StructForConditionalGeneration(transformers.Pix2StructConfig(
        text_config=dict(vocab_size=100, hidden_size=32, d_kv=8, d_ff=64, num_layers=2, num_heads=2),
        vision_config=dict(hidden_size=32, patch_embed_hidden_size=32, d_ff=64, d_kv=8, num_hidden_layers=2,
                           num_attention_heads=2, patch_size=4))),
    "eomt": lambda: transformers.EomtForUniversalSegmentation(transformers.EomtConfig(**_TINY_VIT)),
    "eomt_dinov3": lambda: transformers.EomtDinov3ForUniversalSegmentation(transformers.EomtDinov3Config(**_TINY_VIT)),
}
#: swept ones (a base model, causal LMs), and a sub-model a swept one holds (BLIP-2's vision model)
_TINY_LM = dict(vocab_size=100, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2)
CHECKED = {
    "gpt2": lambda: transformers.GPT2LMHeadModel(transformers.GPT2Config(vocab_size=100, n_embd=32, n_layer=2,
                                                                          n_head=2, n_positions=16)),
    "bert": lambda: transformers.BertModel(transformers.BertConfig(**_TINY_LM)),
    "llama": lambda: transformers.LlamaForCausalLM(transformers.LlamaConfig(**_TINY_LM, num_key_value_heads=2)),
    "blip_2_vision_model": lambda: transformers.Blip2VisionModel(transformers.Blip2VisionConfig(
        hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2, image_size=16,
        patch_size=8)),
}
#: the encoder-decoder wrappers (no AutoModel entry of their own): a BERT encoder and a wider BERT decoder, a ViT
#: encoder and a wider GPT-2 decoder (so each wrapper holds its own enc_to_dec_proj, drawn with the decoder's
#: initializer_range, which transformers' get_text_config() finds: each tower has a range of its own)
WRAPPERS = {
    "encoder-decoder": lambda: transformers.EncoderDecoderModel(
        config=transformers.EncoderDecoderConfig.from_encoder_decoder_configs(
            transformers.BertConfig(**_TINY_LM, initializer_range=0.05),
            transformers.BertConfig(**{**_TINY_LM, "hidden_size": 48}, is_decoder=True, add_cross_attention=True,
                                    initializer_range=0.1))),
    "vision-encoder-decoder": lambda: transformers.VisionEncoderDecoderModel(
        config=transformers.VisionEncoderDecoderConfig.from_encoder_decoder_configs(
            transformers.ViTConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                                   image_size=32, patch_size=8, initializer_range=0.05),
            transformers.GPT2Config(n_layer=2, n_embd=48, n_head=2, vocab_size=100, add_cross_attention=True,
                                    initializer_range=0.1))),
}
CHECKED.update(WRAPPERS)


@pytest.mark.parametrize("kind", sorted(WRAPPERS))
def test_hf_model_reproduces_an_encoder_decoder_wrappers_own_init(kind):
    """hf_model on a wrapper gives every parameter transformers' own law: per parameter, a two-sample KS test of
    six builds each side at alpha 1e-6 (about 40 tests: a false failure about once in 25,000 runs; fixed seeds), or
    the same value where both sides are constant."""
    transformers.utils.logging.set_verbosity_error()
    torch = pytest.importorskip("torch")
    theirs, ours = [], []
    for s in range(6):
        torch.manual_seed(s)
        theirs.append({n: x.detach().numpy().ravel() for n, x in WRAPPERS[kind]().named_parameters()})
        model = WRAPPERS[kind]()
        ui.presets.hf_model(model).apply(model, seed=s)
        ours.append({n: x.detach().numpy().ravel() for n, x in model.named_parameters()})
    assert "enc_to_dec_proj.weight" in ours[0]
    for name in theirs[0]:
        a, b = (np.concatenate([d[name] for d in side]) for side in (theirs, ours))
        if np.ptp(a) == 0 or np.ptp(b) == 0:
            assert np.ptp(a) == np.ptp(b) == 0 and a[0] == b[0], name
        else:
            assert stats.ks_2samp(a, b)[1] > 1e-6, name


@pytest.mark.parametrize("how", ["hf_model", "hf(config=)"])
def test_a_config_initializer_range_of_zero_is_transformers_default(how):
    """transformers' base init takes ``config.initializer_range or 0.02``: a config saying 0 (or None) draws
    N(0, 0.02^2), which the presets refused ("'initializer_range' must be > 0"). Per drawn parameter, a two-sample
    KS test of four builds each side at alpha 1e-6 (a false failure about once in 100,000 runs; fixed seeds)."""
    transformers.utils.logging.set_verbosity_error()
    torch = pytest.importorskip("torch")

    def build() -> Any:
        return transformers.LlamaForCausalLM(transformers.LlamaConfig(**_TINY_LM, num_key_value_heads=2,
                                                                      initializer_range=0.0))
    theirs, ours = [], []
    for s in range(4):
        torch.manual_seed(s)
        theirs.append({n: x.detach().numpy().ravel() for n, x in build().named_parameters()})
        model = build()
        plan = ui.presets.hf_model(model) if how == "hf_model" else ui.presets.hf(config=model.config)
        plan.apply(model, seed=s)
        ours.append({n: x.detach().numpy().ravel() for n, x in model.named_parameters()})
    drawn = [n for n in theirs[0] if np.ptp(theirs[0][n]) > 0]
    assert "lm_head.weight" in drawn
    for name in drawn:
        a, b = (np.concatenate([d[name] for d in side]) for side in (theirs, ours))
        assert stats.ks_2samp(a, b)[1] > 1e-6, name
    assert abs(np.std(np.concatenate([d["lm_head.weight"] for d in ours])) - 0.02) < 0.002  # 12,800 draws


def _unchecked_warnings(model: Any) -> list[str]:
    """The warnings that hf_model(model), hf(config=...).apply and inspect with hf() give about a family no check
    built, each call's in turn."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ui.presets.hf_model(model)
        ui.presets.hf(config=model.config).apply(model, seed=0)
        ui.inspect(model, ui.presets.hf())
    return [str(w.message) for w in caught if "was not checked against this plan" in str(w.message)]


@pytest.mark.parametrize("kind", sorted(UNCHECKED))
def test_hf_and_hf_model_warn_on_a_family_no_check_built(kind):
    transformers.utils.logging.set_verbosity_error()
    model = UNCHECKED[kind]()
    assert model.config.model_type == kind
    said = _unchecked_warnings(model)
    assert [m.split(":")[0] for m in said] == ["presets.hf_model", "presets.hf", "presets.hf"], said
    assert all(f"model_type {kind!r}" in m and "_init_weights" in m for m in said), said


@pytest.mark.parametrize("kind", sorted(CHECKED))
def test_a_swept_family_and_its_sub_models_give_no_such_warning(kind):
    transformers.utils.logging.set_verbosity_error()
    model = CHECKED[kind]()
    assert model.config.model_type == kind
    assert _unchecked_warnings(model) == []


# ---------------------------------------- keras_applications' EfficientNet on ports that keep the builders' names

#: EfficientNet's CONV_KERNEL_INITIALIZER (keras.applications' efficientnet.py and efficientnet_v2.py), which the
#: builders give every Conv2D and DepthwiseConv2D kernel, with Keras's fans of the kernel as the builder stores it
_EFFICIENTNET_CONV = ui.VarianceScaling(2.0, "fan_out", "truncated_normal")

#: builder -> its layers (name, the kernel as the builder stores it: (kh, kw, in, out) for a Conv2D, (kh, kw, in,
#: depth_multiplier) for a DepthwiseConv2D, whose Keras fan_out is kh*kw*depth_multiplier; depthwise), as
#: keras.applications builds EfficientNetB0 and EfficientNetV2B0; the plain 1x1 convs are controls
_EFFICIENTNET_LAYERS: dict[str, list[tuple[str, tuple[int, int, int, int], bool]]] = {
    "EfficientNetB0": [("block3a_dwconv", (5, 5, 144, 1), True), ("block3a_expand_conv", (1, 1, 24, 144), False)],
    "EfficientNetV2B0": [("block4a_dwconv2", (3, 3, 192, 1), True), ("block4a_project_conv", (1, 1, 192, 96), False)]}


def _efficientnet_port(framework: str, builder: str) -> dict[str, np.ndarray]:
    """``builder``'s layers ported to ``framework`` under the builder's names, each DepthwiseConv2D as the grouped
    conv it is there (groups = in channels, in x depth_multiplier outputs), drawn by the builder's plan: {name: its
    kernel's values}."""
    layers = _EFFICIENTNET_LAYERS[builder]
    plan = ui.presets.keras_applications(builder)

    def io(shape: tuple[int, int, int, int], depthwise: bool) -> tuple[int, int, int]:  # in, out, groups
        return (shape[2], shape[2] * shape[3], shape[2]) if depthwise else (shape[2], shape[3], 1)

    if framework == "torch":
        torch = pytest.importorskip("torch")
        model = torch.nn.Module()
        for name, shape, depthwise in layers:
            cin, cout, groups = io(shape, depthwise)
            setattr(model, name, torch.nn.Conv2d(cin, cout, shape[:2], groups=groups, bias=False))
        assert not plan.apply(model, seed=0).unmatched
        return {name: getattr(model, name).weight.detach().numpy() for name, _, _ in layers}
    if framework == "nnx":
        nnx = pytest.importorskip("flax.nnx")

        class Port(nnx.Module):
            def __init__(self, rngs: Any):
                for name, shape, depthwise in layers:
                    cin, cout, groups = io(shape, depthwise)
                    setattr(self, name, nnx.Conv(cin, cout, shape[:2], feature_group_count=groups, use_bias=False,
                                                 rngs=rngs))

        port = Port(nnx.Rngs(0))
        assert not plan.apply(port, seed=0).unmatched
        return {name: np.asarray(getattr(port, name).kernel[...]) for name, _, _ in layers}
    eqx = pytest.importorskip("equinox")
    jax = pytest.importorskip("jax")

    class EqxPort(eqx.Module):
        convs: dict[str, Any]

    convs = {name: eqx.nn.Conv2d(*io(shape, depthwise)[:2], shape[:2], groups=io(shape, depthwise)[2],
                                 use_bias=False, key=jax.random.key(i))
             for i, (name, shape, depthwise) in enumerate(layers)}
    ported, report = plan.apply(EqxPort(convs), seed=0)
    assert not report.unmatched
    return {name: np.asarray(ported.convs[name].weight) for name, _, _ in layers}


@pytest.mark.parametrize("builder", sorted(_EFFICIENTNET_LAYERS))
@pytest.mark.parametrize("framework", ["torch", "nnx", "equinox"])
def test_an_efficientnet_plan_gives_a_ports_depthwise_convs_the_builders_law(framework, builder):
    """A port's depthwise conv is a grouped conv, whose own fan_out (in x kh x kw) is in times Keras's (kh x kw): the
    plan gives it the builder's law, one-sample KS (and variance) tested against CONV_KERNEL_INITIALIZER with Keras's
    fans of the builder's kernel shape, at ALPHA = 1e-6 per kernel (the 12 kernels of this test fail a correct
    library by chance with probability under 2e-5). The plan drew them with a std sqrt(in) >= 12 times too small
    (an exact law check rejects that with certainty); the plain convs are controls that held before too."""
    values = _efficientnet_port(framework, builder)
    for name, shape, _ in _EFFICIENTNET_LAYERS[builder]:
        x = values[name]
        assert x.size == math.prod(shape), (name, x.shape)
        verdict = stats.check(x.ravel(), _EFFICIENTNET_CONV, shape=shape, layout="keras", alpha=ALPHA)
        assert verdict, (framework, name, str(verdict))


# ------------------------------------------------------------------------ vision tokens and GPT-2's convs on ports

_TOKEN_CONFIGS = {
    "deit": lambda: transformers.DeiTModel(transformers.DeiTConfig(
        hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64, image_size=32, patch_size=8),
        add_pooling_layer=False),
    "yolos": lambda: transformers.YolosModel(transformers.YolosConfig(
        hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64, image_size=[32, 32],
        patch_size=8, num_detection_tokens=4), add_pooling_layer=False),
    "swin": lambda: transformers.SwinModel(transformers.SwinConfig(
        embed_dim=16, depths=[1], num_heads=[2], image_size=32, patch_size=4, use_absolute_embeddings=True),
        add_pooling_layer=False, use_mask_token=True),
    "vit": lambda: transformers.ViTModel(transformers.ViTConfig(
        hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64, image_size=32, patch_size=8),
        add_pooling_layer=False),
}


@pytest.mark.parametrize("family", sorted(_TOKEN_CONFIGS))
def test_a_vit_kins_tokens_on_a_port_take_the_familys_own_init(family):
    """DeiT's, YOLOS's and Swin's embeddings are zeros in transformers, a rule by their class; a port keeps the
    tokens' names, not the class: ``hf_model``'s plan (the ``vit`` recipe) gives them zeros by name, equal to the
    model transformers built in the same run. ViT's own tokens stay truncated N(0, 0.02^2) (one-sample KS at ALPHA)."""
    torch = pytest.importorskip("torch")
    model = _TOKEN_CONFIGS[family]()  # transformers' own init
    own = {name: t.detach().numpy() for name, t in model.embeddings.named_parameters(recurse=False)}
    assert own, family

    class Embeddings(torch.nn.Module):  # the port's own class, the model's names
        def __init__(self):
            super().__init__()
            for name, t in own.items():
                setattr(self, name, torch.nn.Parameter(torch.full(t.shape, math.nan)))

    port = torch.nn.Module()
    port.embeddings = Embeddings()
    report = ui.presets.hf_model(model).apply(port, seed=0)
    assert not report.unmatched, [p.path for p in report.unmatched]
    for name, want in own.items():
        got = getattr(port.embeddings, name).detach().numpy()
        if family == "vit":
            law = ui.TruncatedNormal(0.0, 0.02, -2.0, 2.0)
            assert not np.all(want == 0) and stats.check(got.ravel(), law, alpha=ALPHA), name
        else:
            np.testing.assert_array_equal(want, 0.0)
            np.testing.assert_array_equal(got, want, err_msg=name)


def test_gpt2s_depth_scaled_c_proj_reaches_a_ports_one_by_one_convolutions():
    """OpenAI's GPT-2 (and ports of it) writes ``c_fc`` and ``c_proj`` as 1 x 1 convolutions: ``c_proj`` takes the
    depth-scaled N(0, (0.02 / sqrt(2 n_layer))^2) there too, as transformers' Conv1D layer (one-sample KS at ALPHA
    against both laws: the unscaled one must be rejected, which at 8192 values and a std 4 times too wide never
    happens by chance)."""
    torch = pytest.importorskip("torch")
    config = transformers.GPT2Config(n_layer=8, n_embd=64, n_head=2, vocab_size=50, n_positions=16)
    port = torch.nn.Module()
    port.mlp = torch.nn.ModuleDict({"c_fc": torch.nn.Conv1d(64, 256, 1), "c_proj": torch.nn.Conv1d(256, 32, 1)})
    report = ui.presets.gpt2(config=config).apply(port, seed=0)
    assert not report.unmatched
    x = port.mlp["c_proj"].weight.detach().numpy().ravel()
    assert stats.check(x, ui.Normal(0.0, 0.02 / math.sqrt(16)), alpha=ALPHA)
    assert not stats.check(x, ui.Normal(0.0, 0.02), alpha=ALPHA)
    assert stats.check(port.mlp["c_fc"].weight.detach().numpy().ravel(), ui.Normal(0.0, 0.02), alpha=ALPHA)


def test_a_model_given_as_config_is_refused_naming_its_config():
    """``config=model`` read every hyper-parameter as its default, silently (the model holds none of them)."""
    torch = pytest.importorskip("torch")
    model = transformers.GPT2LMHeadModel(transformers.GPT2Config(n_layer=2, n_embd=32, n_head=2, vocab_size=50,
                                                                 n_positions=16))
    for recipe, given in ((ui.presets.gpt2, model), (ui.presets.hf, model), (ui.presets.hf, torch.nn.Linear(2, 2))):
        with pytest.raises(TypeError, match=rf"presets.{recipe.__name__}: parameter 'config' must be a Hugging Face "
                                            rf"config or a dict, got a model \({type(given).__name__}\): pass its "
                                            r"config \(config=model.config\)"):
            recipe(config=given)
    assert ui.presets.gpt2(config=model.config).rules[-1].spec == ui.Normal(0.0, 0.02 / 2)
