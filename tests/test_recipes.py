"""Recipes (``ui.presets.fixup``, ``mup``, ``t_fixup``...): their arguments are checked before a plan is built."""

import pytest

import unifiedinit as ui

#: an integer no float holds: fixup's num_branches ** (-1 / (2m - 2)) raised a bare "OverflowError: int too large to
#: convert to float" on it
HUGE = 10 ** 400


@pytest.mark.parametrize("call,name", [
    (lambda n: ui.presets.fixup(n), "num_branches"), (lambda n: ui.presets.fixup(4, m=n), "m"),
    (lambda n: ui.presets.mup(base_width=n), "base_width"), (lambda n: ui.presets.mup(base_width=4, width=n), "width"),
    (lambda n: ui.presets.t_fixup(n, 8), "num_layers"), (lambda n: ui.presets.t_fixup(4, n), "d_model")],
    ids=["fixup-num_branches", "fixup-m", "mup-base_width", "mup-width", "t_fixup-num_layers", "t_fixup-d_model"])
def test_a_count_no_float_holds_exactly_is_refused_naming_it(call, name):
    # a count a recipe scales by must be a whole number a float holds exactly: at most 2 ** 53, as the configs' counts
    for n in (HUGE, 2 ** 53 + 1):
        with pytest.raises(ValueError, match=rf"parameter '{name}' must be an integer <= {2 ** 53}, got "
                                             rf"{str(n)[:20]}"):
            call(n)
    assert isinstance(call(2 ** 53), ui.Plan)
