"""The benchmark script still runs (a smoke run on a small model; it times nothing that a test asserts)."""

import json
import pathlib
import subprocess
import sys

from conftest import needs

BENCH = pathlib.Path(__file__).parent.parent / "benchmarks" / "bench.py"


@needs("torch")
def test_one_benchmark_cell_runs_and_reports_every_mode():
    proc = subprocess.run([sys.executable, str(BENCH), "--quick", "--reps", "1", "--one", "torch", "resnet50"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    cell = json.loads(proc.stdout.strip().splitlines()[-1])
    assert {"native", "plan", "portable", "build_meta_plan", "build_then_apply"} <= set(cell)
    assert cell["params"] > 1_000_000 and all(cell[m]["seconds"] > 0 for m in ("native", "plan", "portable"))
