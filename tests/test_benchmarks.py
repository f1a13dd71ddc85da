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


@needs("torch")
def test_the_small_layers_section_runs_and_rewrites_only_its_section(tmp_path):
    results = tmp_path / "RESULTS.md"
    results.write_text("# unifiedinit benchmarks\n\n## Before\n\nkept\n\n## GPU (torch and JAX)\n\nkept too\n")
    proc = subprocess.run([sys.executable, str(BENCH), "--section", "small", "--reps", "1", "--out", str(results)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = results.read_text()
    assert "## Plan overhead on many small layers (torch, CPU)" in text and text.count("kept") == 2
    assert "`presets.torch.apply(seed=0)`" in text and "Where a seeded plan's time goes" in text


@needs("torch")
def test_the_gpu_section_runs_on_a_cpu_as_a_smoke_run_and_rewrites_only_its_section(tmp_path):
    # the code a lent GPU runs (benchmarks/gpu.sh) is the code tested here, on small shapes: it cannot rot unseen
    import importlib.util
    results = tmp_path / "RESULTS.md"
    results.write_text("# unifiedinit benchmarks\n\n## Before\n\nkept\n\n## GPU (torch and JAX)\n\nstale rows\n")
    proc = subprocess.run([sys.executable, str(BENCH), "--section", "gpu", "--device", "cpu", "--quick", "--reps", "1",
                           "--out", str(results)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = results.read_text()
    assert "kept" in text and "stale rows" not in text
    for row in ("| TruncatedNormal(std=1, -2, 2) | `normal_` |", "| Mixture (the seeds' three components) |",
                "| LecunUniform | `uniform_` |", "| torch's own trunc_normal_ |", "| plan, seeded |",
                "| portable=\"counter\" (on the device) |", "`empty_init()` then the plan"):
        assert row in text, row
    if importlib.util.find_spec("jax") is not None:
        assert "| JAX's own lecun_normal |" in text and "| portable=\"counter\" Normal(0, 1) (jitted) |" in text
