"""Importing unifiedinit imports no framework (checked in a fresh interpreter)."""

import subprocess
import sys

from conftest import needs

FRAMEWORKS = ("torch", "jax", "flax", "tensorflow", "keras", "mxnet", "equinox")


def run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.strip()


def test_import_leaves_every_framework_out():
    out = run("import sys, unifiedinit; print(' '.join(m for m in %r if m in sys.modules) or 'none')" % (FRAMEWORKS,))
    assert out == "none"


def test_import_does_not_even_load_numpy_and_sampling_loads_no_framework():
    out = run("import sys, unifiedinit as ui; a = 'numpy' in sys.modules; ui.sample(ui.XavierUniform(), (3, 4)); "
              "import unifiedinit.verify.stats, unifiedinit.verify.compare; "
              "print(a, ' '.join(m for m in %r if m in sys.modules) or 'none')" % (FRAMEWORKS,))
    assert out == "False none"


def test_missing_framework_names_the_install_line(monkeypatch):
    import importlib.util

    from unifiedinit import backends
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "mxnet" else real(name, *a))
    assert not backends.available("mxnet")
    try:
        backends.get_backend("mxnet")
    except ImportError as err:
        assert "pip install 'unifiedinit[mxnet]'" in str(err)
    else:
        raise AssertionError("expected ImportError")


def test_unknown_backend_name():
    import pytest

    from unifiedinit import backends
    with pytest.raises(ValueError, match="'torch'.*'mxnet'.*got 'caffe'"):
        backends.get_backend("caffe")


@needs("torch")
def test_a_backend_imports_only_its_own_framework():
    out = run("import sys, unifiedinit as ui, torch; ui.XavierUniform().to_torch()(torch.empty(3, 3)); "
              "print(' '.join(m for m in %r if m in sys.modules))" % (FRAMEWORKS,))
    assert out == "torch"


@needs("flax")
def test_the_flax_backend_imports_only_jax_and_flax():
    out = run("import sys, unifiedinit as ui, jax; ui.XavierUniform().to_flax()(jax.random.key(0), (3, 3)); "
              "print(' '.join(m for m in %r if m in sys.modules))" % (FRAMEWORKS,))
    assert set(out.split()) <= {"jax", "flax"} and "jax" in out


@needs("flax")
def test_a_tree_of_jax_arrays_goes_to_the_flax_backend_before_flax_is_imported():
    # a pure-JAX user's variables tree: the Flax backend reads it, importing Flax for it (and nothing else)
    out = run("import sys, jax.numpy as jnp, unifiedinit as ui; before = 'flax' in sys.modules; "
              "tree = {'params': {'Dense_0': {'kernel': jnp.zeros((4, 3)), 'bias': jnp.zeros(3)}}}; "
              "new, report = ui.presets.flax.apply(tree, seed=0); "
              "print(before, [e.param.path for e in report.entries], bool(abs(new['params']['Dense_0']['kernel'])"
              ".sum() > 0), ' '.join(m for m in %r if m in sys.modules))" % (FRAMEWORKS,))
    before, rest = out.split(" ", 1)
    assert before == "False" and rest.startswith("['Dense_0/kernel', 'Dense_0/bias'] True"), out
    assert set(rest.split("] True ")[1].split()) == {"jax", "flax"}, out


@needs("keras")
def test_keras_initializers_register_when_unifiedinit_is_imported_after_keras():
    out = run("import sys, keras, unifiedinit; "
              "print(keras.saving.get_registered_object('unifiedinit>SpecInitializer') is not None, "
              "' '.join(m for m in ('torch', 'jax', 'flax', 'mxnet') if m in sys.modules) or 'none')")
    assert out.splitlines()[-1].startswith("True")


@needs("mxnet")
def test_the_mxnet_backend_imports_only_mxnet():
    out = run("import sys, unifiedinit as ui; ui.XavierUniform().to_mxnet(); "
              "print(' '.join(m for m in %r if m in sys.modules))" % (FRAMEWORKS,))
    assert out == "mxnet"
