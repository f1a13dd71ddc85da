"""`unifiedinit defaults`: each installed framework's measured defaults, and its preset reproducing them."""

import subprocess
import sys

import pytest

from unifiedinit.verify import defaults
from unifiedinit.backends import FRAMEWORKS, available


def test_every_measured_default_is_reproduced_by_its_frameworks_preset():
    fits = defaults.measure()
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
