"""Where unifiedinit's drop-ins differ from the framework on purpose, and why: one list.

The parity tests (``tests/parity/``) read this list: a case it names is checked to behave as the entry says,
not as the framework does; any other difference fails. The README's table "Where we differ from the framework,
and why" is generated from it (``python -m unifiedinit.differences`` prints it; a test checks the README holds
exactly that table), so the two cannot drift.
"""

from __future__ import annotations

from ._record import Record


class Difference(Record):
    """One intentional difference: in ``framework``'s ``function`` (as the user calls it), ``ours`` where the
    framework does ``theirs``, ``why``, and the ``option`` that gives the framework's behaviour ("" if none)."""

    framework: str
    function: str
    theirs: str
    ours: str
    why: str
    option: str = ""


DIFFERENCES: list[Difference] = [
    Difference("torch", "trunc_normal_(std=0)", "ZeroDivisionError", "ValueError naming 'std' (a RuntimeError too)",
               "a zero std is a bad argument, said before anything is computed"),
    Difference("torch", "uniform_/normal_/trunc_normal_ with NaN or inf arguments", "writes NaN", "ValueError naming the "
               "argument (a RuntimeError too)", "a plan must never write a non-finite value"),
    Difference("torch", "orthogonal_ on float16/bfloat16", "QR in the tensor's dtype (refused on CPU)",
               "QR in float32, rounded once", "half-precision QR is not available on every device"),
    Difference("torch", "trunc_normal_ values", "rejection with full redraws and a host sync per round",
               "inverse CDF in one pass (float64 beyond 4 std), in parts of 2^20 entries on CPU",
               "no host sync, values independent of the thread count; the same law"),
]


def table(differences: list[Difference] | None = None) -> str:
    """The README's table, one row per difference."""
    rows = ["| framework | function | the framework | unifiedinit | why | the framework's behaviour |",
            "|---|---|---|---|---|---|"]
    for d in DIFFERENCES if differences is None else differences:
        rows.append(f"| {d.framework} | `{d.function}` | {d.theirs} | {d.ours} | {d.why} | "
                    f"{('`' + d.option + '`') if d.option else '—'} |")
    return "\n".join(rows)


def find(framework: str, function: str) -> Difference | None:
    """The difference recorded for ``function`` of ``framework``, if any."""
    for d in DIFFERENCES:
        if d.framework == framework and d.function == function:
            return d
    return None


if __name__ == "__main__":  # pragma: no cover
    print(table())
