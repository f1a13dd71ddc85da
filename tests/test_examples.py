"""The examples run as a user would copy them: the porting demonstration gives the same logits in PyTorch, Flax NNX
and Keras from one portable plan."""

import importlib.util
import pathlib

import numpy as np
import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None, name
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_one_portable_plan_gives_the_same_transformer_logits_in_every_framework():
    example = load("porting_transformer")
    tokens = np.random.default_rng(1).integers(0, example.VOCAB, (2, 9)).astype(np.int32)
    want = example.torch_logits(tokens, seed=3)
    assert np.abs(want).max() > 0.1 and np.unique(want.round(4)).size > 1000  # not trivially equal
    for framework in ("flax", "keras"):
        if importlib.util.find_spec(framework) is None:
            continue
        got = example.LOGITS[framework](tokens, seed=3)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5, err_msg=framework)  # float32 summation order
    other = example.torch_logits(tokens, seed=4)
    assert np.abs(other - want).max() > 0.01  # the seed matters
    assert max(example.main().values(), default=0.0) < 1e-5


def _installed_only(monkeypatch, names):
    """importlib.util.find_spec as on a machine where of torch, jax, flax and keras only ``names`` are installed."""
    real = importlib.util.find_spec
    hidden = {"torch", "jax", "flax", "keras"} - set(names)

    def find_spec(name, *args):
        if name.split(".")[0] in hidden:
            return None
        return real(name, *args) or (object() if name in names else None)
    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_the_porting_example_without_torch_compares_with_the_first_framework_installed(monkeypatch, capsys):
    """Without torch the example took torch's logits anyway (KeyError 'torch'): the first framework installed is
    the reference, and with none installed it says what to install."""
    example = load("porting_transformer")
    logits = np.arange(24.0).reshape(2, 12)
    monkeypatch.setitem(example.LOGITS, "flax", lambda tokens, seed: logits)
    monkeypatch.setitem(example.LOGITS, "keras", lambda tokens, seed: logits + 0.25)
    _installed_only(monkeypatch, ["jax", "flax", "keras"])
    assert example.main() == {"keras": 0.25}
    assert "keras  vs flax: max |difference| 2.50e-01" in capsys.readouterr().out
    _installed_only(monkeypatch, [])
    with pytest.raises(ModuleNotFoundError, match="at least one of torch, flax .with jax. and keras"):
        example.main()
