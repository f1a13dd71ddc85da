"""The comparison report: its JSON covers every spec x framework, its exit code follows the verdicts, options."""

import importlib.util
import json
import subprocess
import sys


import unifiedinit as ui
from unifiedinit.verify import compare as report


def test_compare_json_covers_every_spec_and_passes(tmp_path):
    out = tmp_path / "r.json"
    picture = tmp_path / "c.png"
    proc = subprocess.run([sys.executable, "-m", "unifiedinit", "compare", "--json", str(out), "--picture",
                           str(picture)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-2000:]
    rows = json.loads(out.read_text())
    from unifiedinit.backends import FRAMEWORKS, available
    frameworks = {"reference"} | {f for f in FRAMEWORKS if available(f)}
    assert {(r["spec"], r["framework"]) for r in rows} == {(repr(s), f) for s in ui.examples() for f in frameworks}
    assert all(r["ok"] for r in rows)
    assert all(r["p_vs_reference"] is not None for r in rows if r["framework"] != "reference" and not r["exact"])
    assert "passed, 0 failed" in proc.stdout
    assert "[1/" in proc.stderr  # progress
    if importlib.util.find_spec("matplotlib"):
        assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_compare_fails_on_a_mismatched_sampler(monkeypatch, capsys):
    # a sampler that draws torch's He normal where the spec says Keras's (truncated) one
    def wrong(spec, shape, layout, seed):
        if isinstance(spec, ui.LecunNormal):
            return ui.sample(ui.VarianceScaling(1.0, "fan_in", "normal"), shape, layout=layout, seed=seed)
        return ui.sample(spec, shape, layout=layout, seed=seed + 1)

    def reference(spec, shape, layout, seed):
        return ui.sample(spec, shape, layout=layout, seed=seed)

    monkeypatch.setattr(report, "samplers", lambda progress=None, only=None: {"reference": reference, "wrong": wrong})
    assert report.main(["--spec", "LecunNormal", "--spec", "Normal", "--picture", ""]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "LecunNormal()" in out and "2 failed" in out  # one-sample and two-sample both see it
    assert "two-sample KS against the reference" in out


def test_compare_options_and_errors(capsys):
    assert report.main(["--spec", "Eye", "--layer", "dense", "--frameworks", "reference", "--picture", ""]) == 0
    assert "Eye(gain=1.0)" in capsys.readouterr().out
    assert report.main(["--spec", "XavierUniform", "--shape", "40,30,5", "--frameworks", "reference",
                        "--picture", ""]) == 0
    assert "(40, 30, 5)" in capsys.readouterr().out
    for bad, message in ((["--shape", "7"], "--shape must be"), (["--frameworks", "caffe"], "unknown framework")):
        try:
            report.main(bad)
        except SystemExit as err:
            assert err.code == 2
        assert message in capsys.readouterr().err
    try:
        report.main(["--spec", "Glorot"])
    except SystemExit as err:
        assert err.code == 2
    assert "unknown spec 'Glorot'" in capsys.readouterr().err


def test_cli_help():
    from unifiedinit.cli import main
    assert main(["--help"]) == 0
    assert main(["nope"]) == 2
