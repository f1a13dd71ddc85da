"""The benchmark script still runs (a smoke run on a small model; it times nothing that a test asserts)."""

import json
import pathlib
import subprocess
import sys

import pytest
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


def _bench():
    """benchmarks/bench.py as a module, to call its functions in this process."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("bench_under_test", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_section_goes_into_a_missing_results_file_and_is_printed_before_any_write(tmp_path, capsys):
    bench = _bench()
    results = tmp_path / "new" / "RESULTS.md"  # neither the file nor its folder exists
    bench.replace_section(str(results), "Small", ["| a | 1 |"])
    assert results.read_text() == "## Small\n\n| a | 1 |\n"
    bench.replace_section(str(results), "Large", ["| b | 2 |"])
    assert results.read_text() == "## Small\n\n| a | 1 |\n\n## Large\n\n| b | 2 |\n"
    capsys.readouterr()
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    with pytest.raises(OSError):  # a file where its folder should be: nothing can be written...
        bench.replace_section(str(blocker / "RESULTS.md"), "Small", ["| measured | 3 |"])
    assert "| measured | 3 |" in capsys.readouterr().out  # ...and what was measured was printed first


def test_without_torch_the_full_run_skips_the_torch_sections_and_writes_the_rest(tmp_path, monkeypatch, capsys):
    """A machine without torch (the MXNet-only environment): the torch sections say why they did not run, the
    other frameworks' cells are written, and no torch code is reached (each stub below raises as torch would)."""
    import types
    bench = _bench()

    def no_torch(*args, **kwargs):
        raise ModuleNotFoundError("No module named 'torch'")
    monkeypatch.setattr(bench, "installed", lambda name: "torch" not in bench.NEEDS.get(name, (name,)), raising=False)
    for name in ("trunc_normal", "large_section", "small_in_child", "small_section", "large_local"):
        monkeypatch.setattr(bench, name, no_torch)
    monkeypatch.setattr(bench, "import_time", lambda reps=7: {"bare_ms": 10.0, "import_ms": 30.0,
                                                              "over_bare_ms": 20.0, "modules": ["json"]})
    monkeypatch.setattr(bench, "device_section", lambda *a, **k: ["Not run: no GPU (stub)."])
    asked_specs = []
    monkeypatch.setattr(bench, "specs_section", lambda reps, fws: asked_specs.append(fws) or ["specs (stub)"])
    cells = []
    seconds = {"seconds": 0.5, "peak_extra_mb": 1.0}

    def run(cmd, **kwargs):  # a cell's child process: its JSON line
        assert "--one" in cmd, cmd
        cells.append(cmd[cmd.index("--one") + 1])
        cell = {"params": 10 ** 6, "native": seconds, "plan": seconds, "portable": seconds, "fill_seconds": 0.01}
        return types.SimpleNamespace(returncode=0, stdout=json.dumps(cell) + "\n", stderr="")
    monkeypatch.setattr(bench, "subprocess", types.SimpleNamespace(run=run))
    results = tmp_path / "new" / "RESULTS.md"
    monkeypatch.setattr(sys, "argv", ["bench.py", "--quick", "--reps", "1", "--frameworks", "torch,mxnet",
                                      "--out", str(results)])
    assert bench.main() == 0
    assert cells == ["mxnet", "mxnet"]  # resnet50 and gpt2, never torch
    assert asked_specs == [["mxnet"]]
    text = results.read_text()
    assert "| mxnet | resnet50 | 1.0 M |" in text and "| mxnet | gpt2 | 1.0 M |" in text
    for title in ("Build and initialize (torch)", "Truncated normal in the torch backend (CPU)",
                  "Plan overhead on many small layers (torch, CPU)", "Large models: meta and sharded (torch, CPU)"):
        section = text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
        assert section.strip() == "Not run: it needs torch, which is not installed.", (title, section)
    assert "torch: not installed, skipped" in capsys.readouterr().err
    monkeypatch.setattr(sys, "argv", ["bench.py", "--section", "small", "--out", str(results)])
    with pytest.raises(SystemExit) as usage:  # a torch section by itself: refused before anything is measured
        bench.main()
    assert usage.value.code == 2
    assert "--section small: it needs torch, which is not installed" in capsys.readouterr().err
