"""The comparison report (first version: the reference sampler) and its exit code."""

import json
import subprocess
import sys

import numpy as np

import unifiedinit as ui
from unifiedinit import report


def test_compare_json_covers_every_spec_and_passes(tmp_path):
    out = tmp_path / "r.json"
    proc = subprocess.run([sys.executable, "-m", "unifiedinit", "compare", "--json", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-2000:]
    rows = json.loads(out.read_text())
    assert {r["spec"] for r in rows} == {repr(s) for s in ui.examples()}
    assert all(r["ok"] for r in rows)
    assert "passed, 0 failed" in proc.stdout
    assert "[1/" in proc.stderr  # progress


def test_compare_fails_on_a_mismatched_sampler(monkeypatch, capsys):
    # a sampler that draws torch's He normal where the spec says Keras's (truncated) one
    def wrong(spec, shape, seed):
        if isinstance(spec, ui.LecunNormal):
            return ui.sample(ui.VarianceScaling(1.0, "fan_in", "normal"), shape, seed=seed)
        return ui.sample(spec, shape, seed=seed)

    monkeypatch.setattr(report, "samplers", lambda progress=None: {"wrong": wrong})
    assert report.main(["--spec", "LecunNormal", "--spec", "Normal"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "LecunNormal()" in out and "2 failed" in out


def test_compare_options_and_errors(capsys):
    assert report.main(["--spec", "Eye", "--layer", "dense"]) == 0
    assert "Eye()" in capsys.readouterr().out
    try:
        report.main(["--spec", "Glorot"])
    except SystemExit as err:
        assert err.code == 2
    assert "unknown spec 'Glorot'" in capsys.readouterr().err


def test_cli_help():
    from unifiedinit.cli import main
    assert main(["--help"]) == 0
    assert main(["nope"]) == 2
