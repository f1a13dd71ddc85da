"""`unifiedinit defaults`: each installed framework's measured defaults, and its preset reproducing them."""

import argparse
import io
import subprocess
import sys

import numpy as np
import pytest

from unifiedinit.params import Param
from unifiedinit.verify import defaults
from unifiedinit.backends import FRAMEWORKS, available

#: each framework's zoo groups: {framework: {(layer, role): (values, Params)}} (``unifiedinit.verify.zoo.values``)
Groups = dict[str, dict[tuple[str, str], tuple[np.ndarray, list[Param]]]]


@pytest.fixture(scope="module")
def measured() -> tuple[list[defaults.Fit], Groups]:
    """``defaults.measure()`` over every installed framework, run once for the tests that read it (building each
    framework's zoo model takes most of a minute), with the groups of values each zoo model gave, recorded as
    ``measure`` asks ``zoo.values`` for them."""
    groups: Groups = {}
    values = defaults.zoo.values

    def record(framework: str, model: object) -> dict[tuple[str, str], tuple[np.ndarray, list[Param]]]:
        groups[framework] = values(framework, model)
        return groups[framework]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(defaults.zoo, "values", record)
        fits = defaults.measure()
    return fits, groups


def test_every_measured_default_is_reproduced_by_its_frameworks_preset(measured: tuple[list[defaults.Fit], Groups]):
    fits = measured[0]
    frameworks = {f.framework for f in fits}
    assert frameworks == {f for f in FRAMEWORKS if available(f)}
    assert all(f.preset in ("yes", "kept") for f in fits), [f for f in fits if f.preset == "no"]
    # the one default no per-parameter spec can say: Keras's LSTM bias, zeros with the forget block set to one
    assert {(f.framework, f.layer, f.role) for f in fits if f.preset == "kept"} <= {("keras", "lstm", "bias")}
    for f in fits:
        if f.preset == "yes":
            assert f.spec is not None and f.p > 1e-4  # the closest candidate fits too
    # 17 groups everywhere; torch adds its BatchNorm's batch counter and its LSTM's second bias, MXNet that bias;
    # Equinox keeps its BatchNorm's running statistics outside the module (15)
    groups = {"torch": 19, "mxnet": 18, "keras": 17, "flax": 17, "equinox": 15}
    assert {f: sum(x.framework == f for x in fits) for f in frameworks} == {f: groups[f] for f in frameworks}


def test_every_framework_builds_the_same_zoo_model(measured: tuple[list[defaults.Fit], Groups]):
    """The zoo is one model built in each framework (``unifiedinit.verify.zoo``), so each (layer, role) group must
    hold the same number of values under the same layer fans in every installed framework that has the group. A
    Keras conv built for 16 input channels instead of 8 went unseen: Keras drew Glorot's law for its fans (144,
    288), its preset reproduced that, and the defaults table compared Keras's conv with a layer the others do not
    build. Exact comparisons of sizes: no false alarm is possible."""
    groups = measured[1]
    if len(groups) < 2:
        pytest.skip("fewer than two frameworks are installed: nothing to compare")
    seen: dict[tuple[str, str], dict[str, tuple[int, frozenset[tuple[int, int] | None]]]] = {}
    for framework, found in groups.items():
        for key, (x, params) in found.items():
            # Keras's PReLU has a slope per feature by default (7 for its (None, 7) input), the others one shared
            if (framework, *key) != ("keras", "prelu", "slope"):
                seen.setdefault(key, {})[framework] = (x.size, frozenset(p.layer_fans for p in params))
    differ = {key: by for key, by in seen.items() if len(set(by.values())) > 1}
    assert not differ, differ
    assert set(seen) >= {(layer, "weight") for layer in ("conv", "convt", "fc1", "fc2", "lstm")}, sorted(seen)


def test_the_defaults_command_prints_the_table_and_exits_zero():
    proc = subprocess.run([sys.executable, "-m", "unifiedinit", "defaults", "--frameworks", "mxnet"],
                          capture_output=True, text=True, timeout=600)
    if not available("mxnet"):
        pytest.skip("MXNet is not installed")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "closest spec" in proc.stdout and "Uniform(low=-0.07, high=0.07)" in proc.stdout
    assert "0 not reproduced" in proc.stdout


def test_an_empty_or_unknown_framework_list_is_one_line_and_exit_1(capsys):
    # an empty --frameworks was read as the default: every framework measured, exit 0
    for value, words in (("", "--frameworks '': no name in it"), ("caffe", "unknown framework")):
        assert defaults.main(["--frameworks", value]) == 1
        err = capsys.readouterr().err
        assert words in err and err.startswith("unifiedinit defaults: ") and err.count("\n") == 1, err


def test_a_norm_named_module_with_vectors_of_different_lengths_is_not_a_norm():
    """A class named ...Norm holding a weight (8,) and a bias (4,) is no per-feature norm (a norm's scale and shift
    have one length): the torch preset leaves both unmatched, kind "other", and unchanged, where read as a norm they
    were set to ones and zeros. (A Keras port of it is read by the same ``looks_like_norm``; importing Keras's
    backend costs seconds, so it is not repeated here.)"""
    torch = pytest.importorskip("torch")
    import unifiedinit as ui

    class GateNorm(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.weight = torch.nn.Parameter(torch.randn(8, generator=torch.Generator().manual_seed(0)))
            self.bias = torch.nn.Parameter(torch.randn(4, generator=torch.Generator().manual_seed(1)))

    model = torch.nn.Sequential(torch.nn.Linear(4, 8), GateNorm())
    before = {name: p.detach().clone() for name, p in model[1].named_parameters()}
    report = ui.presets.torch.apply(model, seed=0)
    assert [(p.path, p.kind) for p in report.unmatched] == [("1/weight", "other"), ("1/bias", "other")]
    assert [e.param.path for e in report.entries] == ["0/weight", "0/bias"]
    for name, p in model[1].named_parameters():
        assert torch.equal(p, before[name]), name


def _two_layer_lstm(monkeypatch: pytest.MonkeyPatch, bias: list[list[float]]) -> None:
    """Make ``defaults.measure(["torch"])`` measure a two-layer torch LSTM named "lstm" (a zoo layer name) whose
    input biases hold ``bias`` (one list per layer), instead of the whole zoo model: one group of two biases, fast."""
    torch = pytest.importorskip("torch")
    model = torch.nn.ModuleDict({"lstm": torch.nn.LSTM(8, 6, num_layers=2)})
    with torch.no_grad():
        for layer, values in enumerate(bias):
            getattr(model["lstm"], f"bias_ih_l{layer}").copy_(torch.tensor(values))
    monkeypatch.setitem(defaults.zoo.BUILD, "torch", lambda: model)


def test_a_determined_default_is_compared_in_place_not_as_a_set_of_values(monkeypatch):
    """Keras's LSTM bias is zeros with the forget gate's block (the 2nd of i, f, c, o) set to ones. A preset writing
    the ones in the input gate's block holds the same set of values {0, 1}, and was reported "yes"; each parameter is
    now compared in place with what its own rule determines. Exact comparisons: no false alarm is possible."""
    import unifiedinit as ui
    zeros, ones = [0.0] * 6, [1.0] * 6
    _two_layer_lstm(monkeypatch, [zeros + ones + zeros + zeros, zeros + ones + zeros + zeros])
    for parts, verdict in (([ui.Zeros(), ui.Ones(), ui.Zeros(), ui.Zeros()], "yes"),
                           ([ui.Ones(), ui.Zeros(), ui.Zeros(), ui.Zeros()], "no")):
        monkeypatch.setitem(defaults.PRESETS, "torch",
                            ui.presets.torch.rule(ui.Blocks(parts), kind="recurrent", role="bias"))
        bias = next(f for f in defaults.measure(["torch"], progress=io.StringIO()) if f.role == "bias")
        assert (bias.shape, bias.preset) == ((24,), verdict), (parts, bias)
    # a group of several parameters: each is compared with its own rule's values, not all with the first one's
    _two_layer_lstm(monkeypatch, [[0.0] * 24, [1.0] * 24])
    for first, second, verdict in ((ui.Zeros(), ui.Ones(), "yes"), (ui.Ones(), ui.Zeros(), "no")):
        preset = (ui.presets.torch.rule(first, kind="recurrent", path="*bias_ih_l0")
                  .rule(second, kind="recurrent", path="*bias_ih_l1"))
        monkeypatch.setitem(defaults.PRESETS, "torch", preset)
        bias = next(f for f in defaults.measure(["torch"], progress=io.StringIO()) if f.role == "bias")
        assert bias.preset == verdict, (first, second, bias)


def test_a_parameter_no_rule_of_the_preset_matches_is_not_reproduced_and_exits_1(monkeypatch, capsys):
    """A torch preset with no rule for the LSTM's biases (nor, for the second layer, its weights) left them as torch
    made them: that is no reproduction of torch's default, but it was reported "kept" with exit code 0. A rule
    keeping a parameter on purpose (spec None) is still "kept"."""
    import unifiedinit as ui
    _two_layer_lstm(monkeypatch, [[0.0] * 24, [0.0] * 24])
    preset = (ui.Plan(name="torch").rule(ui.KaimingUniform(a=5 ** 0.5), kind="recurrent", role="weight", path="*l0")
              .rule(None, kind="recurrent", role="recurrent_weight"))
    monkeypatch.setitem(defaults.PRESETS, "torch", preset)
    parser = argparse.ArgumentParser()
    defaults.configure(parser)
    assert defaults.execute(parser.parse_args(["--frameworks", "torch", "--wide"])) == 1
    out = capsys.readouterr().out
    verdicts = {line.split()[3]: line.split()[-1] for line in out.splitlines() if line.startswith("torch ")}
    # weight: l0 matched, l1 by nothing; the biases by nothing; the recurrent weights kept by a rule on purpose
    assert verdicts == {"weight": "unmatched", "bias": "unmatched", "recurrent_bias": "unmatched",
                        "recurrent_weight": "kept"}, out
    assert "0 reproduced by their framework's preset, 1 kept (not per-parameter), 3 not reproduced" in out, out


def test_a_preset_rule_with_its_own_layout_is_scored_in_that_layout():
    """presets.keras reads a DepthwiseConv2D kernel in Keras's own layout (``layout="keras"``: Keras's compute_fans
    of the stored (kh, kw, in, multiplier) kernel), not the grouped one the walk gives it; ``_score`` lowered the
    rule's spec with the parameter's own layout, so Keras's default (glorot_uniform, limit sqrt(6 / (fan_in +
    fan_out)) with fan_in = kh*kw*in, fan_out = kh*kw*multiplier) was scored p ~ 1e-131 against its own preset.
    The values are drawn here from Keras's law, its limit computed by Keras's formula: a KS test at 1e-4 with a
    fixed seed (a correct scorer fails it with probability 1e-4)."""
    import unifiedinit as ui
    shape = (3, 3, 64, 4)
    p = Param("model/depthwise_conv2d/kernel", "conv", "weight", shape, layout="keras_depthwise",
              layer="DepthwiseConv2D", bases=("DepthwiseConv2D", "BaseDepthwiseConv", "Layer"))
    i = ui.presets.keras.match(p)
    assert i is not None
    rule = ui.presets.keras.rules[i]
    assert rule.layout == "keras" and rule.spec == ui.XavierUniform()
    limit = (6.0 / (3 * 3 * 64 + 3 * 3 * 4)) ** 0.5
    values = np.random.default_rng(0).uniform(-limit, limit, size=int(np.prod(shape)))
    p_value, law = defaults._score(values, [rule], [p])
    assert p_value > 1e-4, (p_value, law)


def test_missing_scipy_is_one_line_with_the_fix_before_the_json_folder_is_made(tmp_path, monkeypatch, capsys):
    """Without SciPy ``unifiedinit defaults`` made the --json folder, built the models and died with an ImportError
    traceback from the exact laws; ``compare`` says it in one line. Now so does ``defaults``, before anything is
    made or measured."""
    import importlib.util
    installed = [f for f in FRAMEWORKS if available(f)]
    if not installed:
        pytest.skip("no framework installed")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "scipy" else real(name, *a))
    monkeypatch.setattr(defaults, "measure", lambda *a, **k: pytest.fail("measured without SciPy"))
    out = tmp_path / "new" / "d.json"
    assert defaults.main(["--frameworks", installed[0], "--json", str(out)]) == 1
    err = capsys.readouterr().err
    assert err == "unifiedinit defaults: the exact distributions need SciPy: pip install 'unifiedinit[stats]'\n", err
    assert list(tmp_path.iterdir()) == []
