"""Position-addressable portable values: any block of a tensor, computed alone, is that block of the whole."""

from __future__ import annotations

import numpy as np
import pytest

import unifiedinit as ui
from unifiedinit.reference import CHUNK, block_of, portable

CASES = [  # (spec, shape, layout): more than one chunk (drawn per chunk), one chunk, structured, permuted layouts
    (ui.KaimingNormal(), (1100, 1000), "torch"),
    (ui.LecunNormal(), (1000, 1100), "keras"),
    (ui.Mixture([ui.Normal(0, 1), ui.Zeros()], [0.3, 0.7]), (3, 3, 130, 1000), "flax"),
    (ui.XavierUniform(), (64, 48), "torch"),
    (ui.Orthogonal(), (300, 200), "torch"),
    (ui.Sparse(0.5), (120, 80), "torch"),
    (ui.Normal(0, 1), (CHUNK + 5,), "torch"),
]


def _random_blocks(shape, n, rng):
    for _ in range(n):
        index = []
        for size in shape:
            a = int(rng.integers(0, size + 1))
            b = int(rng.integers(a, size + 1))
            index.append(slice(a, b))
        yield tuple(index)


@pytest.mark.parametrize("spec,shape,layout", CASES, ids=lambda x: repr(x)[:40])
def test_a_block_computed_alone_is_the_block_of_the_whole(spec, shape, layout):
    whole = portable(spec, shape, layout=layout, seed=9, key="w", dtype="float32")
    rng = np.random.default_rng(0)
    blocks = list(_random_blocks(shape, 6, rng))
    # the shards of a 1-D and of a 2-D split, and an empty block
    blocks += [tuple(slice(None) if i else slice(k * shape[0] // 4, (k + 1) * shape[0] // 4)
                     for i in range(len(shape))) for k in range(4)]
    blocks += [tuple(slice(0, 0) if i == 0 else slice(None) for i in range(len(shape)))]
    for index in blocks:
        part = portable(spec, shape, layout=layout, seed=9, key="w", dtype="float32", index=index)
        assert part.dtype == whole.dtype
        assert np.array_equal(part, whole[index]), index


def test_a_block_of_a_large_tensor_draws_only_the_chunks_it_touches(monkeypatch):
    import unifiedinit.reference as R
    drawn = []
    real = R._chunk
    monkeypatch.setattr(R, "_chunk", lambda draw, n, i, *a: drawn.append(i) or real(draw, n, i, *a))
    rows = 4 * CHUNK // 1024  # 4 chunks of 1024-wide rows
    part = portable(ui.Normal(0, 1), (rows, 1024), seed=1, key="k", index=(slice(0, rows // 4), slice(None)))
    assert part.shape == (rows // 4, 1024) and drawn == [0]


@pytest.mark.parametrize("index,error", [
    ((slice(0, 3),), "one slice per axis"),
    ((slice(0, 3, 2), slice(None)), "step 2"),
    (((2, 1), slice(None)), r"\[2, 1\)"),
    (((0, 9), slice(None)), r"\[0, 9\) of 4"),
])
def test_a_bad_block_is_refused(index, error):
    with pytest.raises(ValueError, match=error):
        block_of((4, 5), index)


def test_a_stacked_parameter_block_by_block():
    plan = ui.Plan().rule(ui.LecunNormal(), role="weight")
    from unifiedinit.params import Param
    p = Param(path="layers/kernel", kind="dense", role="weight", dtype="float32", shape=(3, 16, 8),
              layout="flax", stacked=(0,), layer="Dense")
    report = plan.resolve([p], warn=False)
    entry = report.entries[0]
    whole = plan.portable_values(entry, 4)
    for index in [(slice(1, 3), slice(None), slice(2, 5)), (slice(0, 1), slice(0, 16), slice(0, 8)),
                  (slice(2, 2), slice(None), slice(None))]:
        assert np.array_equal(plan.portable_values(entry, 4, index), whole[index])
