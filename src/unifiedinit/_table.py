"""Plain-text tables for reports and the command line: aligned columns, cut to a width."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only: no runtime import of typing
    from typing import Iterable, Sequence


def wrap_table(rows: Sequence[Sequence[str]], width: int = 100, right: Iterable[int] = ()) -> str:
    """Aligned columns; a table wider than ``width`` is cut into vertical slices that each fit, every slice
    repeating the first column, and a column too wide to fit beside the first even alone has its longer cells
    cut with "…" (``--wide``: pass a large width to see everything)."""
    right = set(right)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    room = max(12, width - widths[0] - 2)
    if any(w > room for w in widths[1:]):
        rows = [[r[0]] + [c if len(c) <= room else c[:room - 1] + "…" for c in r[1:]] for r in rows]
        widths = [widths[0]] + [min(w, room) for w in widths[1:]]

    def cell(row: Sequence[str], i: int) -> str:
        return row[i].rjust(widths[i]) if i in right else row[i].ljust(widths[i])

    slices: list[list[int]] = []
    for i in range(1, len(widths)):
        if slices and sum(widths[j] + 2 for j in [0, *slices[-1], i]) <= width:
            slices[-1].append(i)
        else:
            slices.append([i])
    if not slices:
        slices = [[]]
    blocks = ["\n".join("  ".join(cell(r, i) for i in [0, *cols]).rstrip() for r in rows) for cols in slices]
    return "\n\n".join(blocks)

