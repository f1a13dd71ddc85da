import importlib.util

import pytest


def needs(module: str):
    """Skip a test when an optional framework is not installed (CI installs all of them)."""
    return pytest.mark.skipif(importlib.util.find_spec(module) is None, reason=f"{module} is not installed")


def applies(spec, shape) -> bool:
    """Does ``spec`` apply to a weight of ``shape`` in the layer matrices? (FromArray has its own tests.)"""
    import unifiedinit as ui
    if isinstance(spec, (ui.Eye, ui.Sparse)):
        return len(shape) == 2
    if isinstance(spec, ui.Dirac):
        return len(shape) in (3, 4, 5)
    return not isinstance(spec, ui.FromArray)


def applied(plan, model, **options):
    """``plan.apply(model, **options)`` as (the model afterwards, the report) in every framework: in place for
    torch, Keras, NNX and MXNet; a new module for Equinox, whose modules are immutable."""
    out = plan.apply(model, **options)
    return out if isinstance(out, tuple) else (model, out)
