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
