import importlib.util

import pytest


def needs(module: str):
    """Skip a test when an optional framework is not installed (CI installs all of them)."""
    return pytest.mark.skipif(importlib.util.find_spec(module) is None, reason=f"{module} is not installed")


def applies(spec, shape, layout="torch") -> bool:
    """Does ``spec`` apply to a weight of ``shape`` stored in ``layout`` in the layer matrices? (Its lowering accepts
    the tensor; FromArray has its own tests.)"""
    import unifiedinit as ui
    if isinstance(spec, ui.FromArray):
        return False
    try:
        ui.lower(spec, shape, layout)
    except (TypeError, ValueError):
        return False
    return True


def applied(plan, model, **options):
    """``plan.apply(model, **options)`` as (the model afterwards, the report) in every framework: in place for
    torch, Keras, NNX and MXNet; a new module for Equinox, whose modules are immutable."""
    out = plan.apply(model, **options)
    return out if isinstance(out, tuple) else (model, out)
