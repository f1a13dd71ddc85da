"""The comparison report: its JSON covers every spec x framework, its exit code follows the verdicts, options."""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

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
    laid_out = [s for s in ui.examples() if not s.storage_order]  # S4DReal follows no layer layout
    assert {(r["spec"], r["framework"]) for r in rows} == {(repr(s), f) for s in laid_out for f in frameworks}
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
    for bad, message in ((["--shape", "7"], "--shape must be"), (["--frameworks", "caffe"], "unknown framework"),
                         (["--spec", "Glorot"], "unknown spec 'Glorot'"),
                         (["--spec", "Normal(std=-1)"], "'std' must be > 0"),
                         (["--spec", "Eye", "--shape", "3,3,3"],
                          "Eye(gain=1.0) cannot initialize a 3x3x3 weight of shape (3, 3, 3): Eye: needs a tensor with "
                          "exactly 2"),
                         (["--frameworks", ","], "--frameworks ',': no name in it; choose from reference, torch"),
                         # an empty list was read as the default: every sampler ran, exit 0
                         (["--frameworks", ""], "--frameworks '': no name in it; choose from reference, torch"),
                         (["--seed", "-1"], "--seed -1: a seed is an integer in [0, 2**64)"),
                         (["--seed", str(2 ** 64)], "a seed is an integer in [0, 2**64)"),
                         # values float32 cannot hold, and a spec no layer takes: said before the run, with why
                         (["--spec", "Constant(1e39)"], "dtype float32, which cannot hold the values of Constant"),
                         (["--spec", "S4DReal"], "writes its values along the tensor's axes as stored"),
                         # without matplotlib there is no picture at all (said after the run), so no suffix to check
                         *([(["--spec", "Normal", "--picture", "out/p.txt"], "matplotlib writes no 'txt' files")]
                           if importlib.util.find_spec("matplotlib") is not None else [])):
        assert report.main(bad) == 1, bad
        err = capsys.readouterr().err
        assert message in err and err.startswith("unifiedinit compare: ") and err.count("\n") == 1, err


def test_compare_refuses_a_shape_with_an_empty_field(capsys):
    """``--shape 3,,4`` was read as (3, 4) and ran: a size left out is refused, naming the value; spaces around a
    size are still read."""
    options = ["--spec", "Normal", "--frameworks", "reference", "--picture", ""]
    for shape in ("3,,4", "3,4,", ",3,4", "3x,4"):
        assert report.main([*options, "--shape", shape]) == 1, shape
        err = capsys.readouterr().err
        assert err.startswith("unifiedinit compare: --shape must be two or more positive integers") and \
            f"got {shape!r}, which has an empty field" in err and err.count("\n") == 1, err
    assert report.main([*options, "--shape", "3, 4"]) == 0
    assert "reference 3x4  (3, 4)" in capsys.readouterr().out


def test_inspect_says_in_one_line_where_a_factory_module_has_a_syntax_error(tmp_path, monkeypatch, capsys):
    """A factory's module that is not valid Python gave a traceback: the one line names the file and the line."""
    from unifiedinit.verify import inspect_cli
    name = "report_syntax_error_models"
    (tmp_path / f"{name}.py").write_text("x = 1\ndef build(:\n    pass\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))  # load_factory puts the current folder first
    try:
        assert inspect_cli.main([f"{name}:build", "--plan", "torch"]) == 1
        err = capsys.readouterr().err
        assert err == f"unifiedinit inspect: {name}:build: {tmp_path / f'{name}.py'}, line 2: invalid syntax\n", err
    finally:
        sys.modules.pop(name, None)


def test_compare_takes_expressions_and_json_files(tmp_path, capsys):
    spec = ui.Mixture([ui.Uniform(5, 10), ui.Zeros()], [0.5, 0.5])
    (tmp_path / "s.json").write_text(spec.to_json())
    for given in ("Mixture([Uniform(5, 10), Zeros()], [0.5, 0.5])", str(tmp_path / "s.json")):
        assert report.main(["--spec", given, "--layer", "dense", "--frameworks", "reference", "--picture", ""]) == 0
        assert repr(spec) in capsys.readouterr().out


def test_compare_tables_fit_100_columns_unless_wide(capsys):
    options = ["--spec", "Mixture", "--frameworks", "reference", "--picture", ""]
    assert report.main(options) == 0
    narrow = capsys.readouterr().out
    assert max(map(len, narrow.splitlines())) <= 100
    assert report.main(options + ["--wide"]) == 0
    assert max(map(len, capsys.readouterr().out.splitlines())) > 100


def test_missing_scipy_and_unwritable_outputs_are_one_line_errors_with_the_fix(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    for option in ("--json", "--picture", "--html"):
        assert report.main(["--spec", "Zeros", "--frameworks", "reference", option, str(blocker / "x")]) == 1
        err = capsys.readouterr().err
        assert f"{option} {blocker / 'x'}: cannot" in err and err.count("\n") == 1, err
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "scipy" else real(name, *a))
    assert report.main(["--spec", "Zeros", "--frameworks", "reference", "--picture", ""]) == 1
    assert "pip install 'unifiedinit[stats]'" in capsys.readouterr().err


def test_output_paths_are_tried_before_the_run_and_a_picture_without_a_suffix_is_a_png(tmp_path, capsys):
    """A file name the file system refuses (too long) is found before the run; nothing is left behind by the
    try. ``--picture out/compare`` is written as ``out/compare.png``, the path printed."""
    long_name = tmp_path / ("a" * 300 + ".json")
    assert report.main(["--spec", "Zeros", "--frameworks", "reference", "--picture", "", "--json", str(long_name)]) == 1
    err = capsys.readouterr().err
    assert "cannot write there (File name too long)" in err and err.count("\n") == 1, err
    assert report.main(["--spec", "Zeros", "--frameworks", "reference", "--picture", "",
                        "--json", str(tmp_path / "r.json")]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]
    if importlib.util.find_spec("matplotlib") is not None:
        capsys.readouterr()
        assert report.main(["--spec", "Zeros", "--frameworks", "reference", "--picture", str(tmp_path / "c")]) == 0
        assert f"picture: {tmp_path / 'c.png'}" in capsys.readouterr().err and (tmp_path / "c.png").is_file()


def test_compare_html_is_one_self_contained_file(tmp_path):
    pytest.importorskip("matplotlib")
    page = tmp_path / "r.html"
    assert report.main(["--spec", "Mixture", "--spec", "Zeros", "--frameworks", "reference", "--picture", "",
                        "--html", str(page)]) == 0
    text = page.read_text()
    assert text.count("data:image/png;base64,") == 2 and "<table>" in text and "PASS" in text
    assert "src='http" not in text and "href=" not in text  # nothing to fetch


def test_defaults_with_no_framework_installed_says_how_to_install(monkeypatch, capsys):
    import unifiedinit.backends as backends
    from unifiedinit.verify import defaults
    assert defaults.main(["--frameworks", " , "]) == 1
    assert "--frameworks ' , ': no name in it; choose from torch" in capsys.readouterr().err
    monkeypatch.setattr(backends, "available", lambda name: False)
    assert defaults.main([]) == 1
    err = capsys.readouterr().err
    assert err.startswith("unifiedinit defaults: none of torch") and "pip install 'unifiedinit[torch]'" in err


def test_cli_help_version_and_usage_errors(capsys):
    from unifiedinit.cli import main
    assert main(["--help"]) == 0 and "compare" in capsys.readouterr().out
    assert main(["--version"]) == 0 and capsys.readouterr().out.strip() == f"unifiedinit {ui.__version__}"
    assert main(["compare", "--help"]) == 0 and "--spec SPEC" in capsys.readouterr().out
    for argv in ([], ["nope"], ["compare", "--nope"], ["compare", "--layer", "lstm"]):
        assert main(argv) == 2, argv
        assert "error" in capsys.readouterr().err


def test_reports_and_fits_fit_100_columns_unless_asked_wider():
    torch = pytest.importorskip("torch")
    model = torch.nn.Module()
    model.encoder_with_a_long_name = torch.nn.ModuleList(
        [torch.nn.Sequential(torch.nn.Linear(16, 48), torch.nn.LayerNorm(48)) for _ in range(3)])
    report = ui.inspect(model, ui.presets.torch)
    for text in (str(report), str(ui.fit(model))):
        assert max(map(len, text.splitlines())) <= 100, text
    assert max(map(len, report.table(10 ** 6).splitlines())) > 100
    assert "encoder_with_a_long_name/2/1/weight" in str(report) and "nothing was written" in str(report)


def test_the_largest_seed_samples_in_every_framework_and_jax_keeps_all_64_bits(capsys):
    """JAX with 64-bit types off keeps a seed's low 32 bits and refuses 2**63 and past; the JAX samplers fold the
    high half in (``seed_key``), so 2**64 - 1 samples and 2**32 + 5 is not 5."""
    from unifiedinit.backends import FRAMEWORKS, available
    installed = [f for f in FRAMEWORKS if available(f)]
    assert report.main(["--spec", "Normal", "--frameworks", ",".join(installed), "--seed", str(2 ** 64 - 1),
                        "--picture", ""]) == 0, capsys.readouterr().err
    if available("flax"):
        from unifiedinit.backends.flax import sample
        assert not (sample(ui.Normal(), (8,), seed=2 ** 32 + 5) == sample(ui.Normal(), (8,), seed=5)).all()


def _strict(text):
    """json.loads that refuses what RFC 8259 has not: Infinity, -Infinity, NaN."""
    def refuse(token):
        raise ValueError(f"not JSON: {token}")
    return json.loads(text, parse_constant=refuse)


def test_compare_json_is_strict_json_with_null_for_an_unbounded_support(tmp_path):
    out = tmp_path / "r.json"
    assert report.main(["--spec", "Normal(std=0.02)", "--spec", "Uniform(-1, 1)", "--shape", "16,16",
                        "--frameworks", "reference", "--picture", "", "--json", str(out)]) == 0
    rows = _strict(out.read_text())
    assert {r["spec"]: r["support"] for r in rows} == {"Normal(mean=0.0, std=0.02)": [None, None],
                                                       "Uniform(low=-1.0, high=1.0)": [-1.0, 1.0]}


def test_a_shape_with_a_layer_is_read_in_that_layers_layout(tmp_path):
    """``--layer conv_transpose --shape 64,32,3,3`` is torch's ConvTranspose (in, out, *k): the fans of
    ``--layer conv_transpose`` itself, not those of a Conv of that shape (the layer was ignored)."""
    fans = {}
    for extra in ([], ["--shape", "64,32,3,3"], ["--shape", "64,32,3,3", "--layer", "conv"]):
        out = tmp_path / f"{len(extra)}.json"
        assert report.main(["--spec", "KaimingNormal()", "--frameworks", "reference", "--picture", "", "--layer",
                            "conv_transpose", *extra, "--json", str(out)]) == 0
        fans[len(extra)] = {r["layer"]: (r["fan_in"], r["fan_out"]) for r in json.loads(out.read_text())}
    assert fans[0] == {"conv_transpose": (64 * 9, 32 * 9)}  # a ConvTranspose with 64 inputs and 32 outputs
    assert fans[2] == {"conv_transpose 64x32x3x3": (64 * 9, 32 * 9)}
    assert fans[4] == {"conv_transpose 64x32x3x3": (64 * 9, 32 * 9), "conv 64x32x3x3": (32 * 9, 64 * 9)}


def test_a_picture_name_ending_in_a_dot_is_the_png_matplotlib_writes(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    for given, written in (("c2.", "c2.png"), ("d..", "d.png")):
        assert report.main(["--spec", "Zeros", "--frameworks", "reference", "--picture", str(tmp_path / given)]) == 0
        assert f"picture: {tmp_path / written}\n" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c2.png", "d.png"]


def test_compare_refuses_an_array_spec_of_another_shape_than_the_shape_asked_for(capsys):
    """``FromArray`` takes its own shape on the default layers, but ``--shape 3,3`` asks for a 3x3 weight: a 2x2
    array was sampled in its own shape, labelled 3x3, and passed."""
    array = "FromArray([[1.0, 2.0], [3.0, 4.0]])"
    options = ["--spec", array, "--frameworks", "reference", "--picture", ""]
    for shapes in (["3,3"], ["2,2", "3,3"]):
        assert report.main([*options, *[a for s in shapes for a in ("--shape", s)]]) == 1, shapes
        err = capsys.readouterr().err
        assert err.startswith("unifiedinit compare: FromArray(") and err.count("\n") == 1, err
        assert "cannot initialize a 3x3 weight of shape (3, 3)" in err and "has shape (2, 2)" in err, err
    assert report.main([*options, "--shape", "2,2"]) == 0
    assert "reference 2x2  (2, 2)" in capsys.readouterr().out
    assert report.main([*options, "--layer", "dense"]) == 0  # a default layer: the array's own shape
    assert "reference dense  (2, 2)" in capsys.readouterr().out


def test_inspect_says_in_one_line_a_plan_the_model_refuses(tmp_path, monkeypatch, capsys):
    """A plan rule the model refuses (Dirac on a Linear), or a linen module without its variables, was a
    traceback; and ``--json``'s folder is not made for a command refused."""
    pytest.importorskip("torch")
    from unifiedinit.verify import inspect_cli
    name = "report_refused_models"
    (tmp_path / f"{name}.py").write_text(
        "import torch\n"
        "def build():\n    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))\n"
        "def linen_bare():\n    import flax.linen as nn\n    return nn.Dense(3)\n")
    (tmp_path / "dirac.json").write_text(ui.Plan(name="d").rule(ui.Dirac(), kind="dense", role="weight").to_json())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))  # load_factory puts the current folder first
    cases = [([f"{name}:build", "--plan", "dirac.json"],
              "plan rule 0 (kind=dense role=weight -> Dirac(groups=1)) cannot initialize '0/weight' (Linear")]
    if importlib.util.find_spec("flax") is not None:
        cases.append(([f"{name}:linen_bare", "--plan", "torch"], "a linen module holds no parameters"))
    try:
        for argv, words in cases:
            assert inspect_cli.main([*argv, "--json", "made/x.json"]) == 1, argv
            err = capsys.readouterr().err
            assert err.startswith("unifiedinit inspect: ") and words in err and err.count("\n") == 1, err
            assert not (tmp_path / "made").exists()
    finally:
        sys.modules.pop(name, None)


def test_a_refused_command_makes_no_output_folder(tmp_path, monkeypatch, capsys):
    """Every output path is checked before any folder is made, and the folders are made only once every argument
    is accepted: ``out/`` (the default ``--picture``) was made before ``--html`` was refused, ``made/`` before
    ``--plan`` was."""
    monkeypatch.chdir(tmp_path)
    too_long = "a" * 300 + ".html"
    refused = [["--json", "new/r.json", "--html", too_long], ["--json", "new/r.json", "--html", f"other/{too_long}"]]
    if sys.platform == "linux":  # a folder that takes no new file, though it looks writable to root
        refused.append(["--json", "new/r.json", "--html", "/proc/x.html"])
    for extra in refused:
        assert report.main(["--spec", "Normal", "--frameworks", "reference", *extra]) == 1, extra
        err = capsys.readouterr().err
        assert err.startswith("unifiedinit compare: --html ") and "cannot" in err and err.count("\n") == 1, err
        assert list(tmp_path.iterdir()) == [], extra  # neither out/ nor new/ nor other/
    from unifiedinit.verify import inspect_cli
    assert inspect_cli.main(["nosuch:build", "--plan", "nosuch", "--json", "made/x.json"]) == 1
    assert "--plan must be a preset" in capsys.readouterr().err and list(tmp_path.iterdir()) == []
    if importlib.util.find_spec("torch") is not None:  # accepted: the folder is made and the JSON written
        assert inspect_cli.main(["unifiedinit.backends.torch.zoo:build", "--plan", "torch", "--json",
                                 "made/x.json"]) == 0
        assert json.loads((tmp_path / "made" / "x.json").read_text())
    assert report.main(["--spec", "Zeros", "--frameworks", "reference", "--picture", "", "--json", "new/r.json"]) == 0
    assert (tmp_path / "new" / "r.json").is_file()


def test_outputs_are_all_checked_first_and_a_failure_removes_the_folders_it_made(tmp_path, monkeypatch):
    """``cli.outputs``: two outputs that are one file (or one inside the other) are refused; a folder that cannot
    be made after others were leaves none of them behind."""
    from unifiedinit import cli
    monkeypatch.chdir(tmp_path)
    for pair in (("r.json", "r.json"), ("new/r.json", "new/r.json/x.html"), ("new/r.json/x.html", "./new/r.json")):
        with pytest.raises(cli.Problem, match="choose separate files"):
            cli.outputs((pair[0], "--json"), (None, "--picture"), (pair[1], "--html"))
        assert list(tmp_path.iterdir()) == []
    real = os.mkdir

    def refuse(path, *args, **kwargs):
        if os.path.basename(path) == "c":
            raise PermissionError(13, "Permission denied", path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", refuse)
    with pytest.raises(cli.Problem, match=r"--html b/c/x.html: cannot make its folder \(Permission denied\)"):
        cli.outputs(("a/r.json", "--json"), ("b/c/x.html", "--html"))
    assert list(tmp_path.iterdir()) == []  # a/ and b/ were made, then removed
    monkeypatch.setattr(os, "mkdir", real)
    cli.outputs(("a/r.json", "--json"), ("b/c/x.html", "--html"))
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == ["a", "b", "b/c"]  # folders only


def test_the_pictures_legend_names_every_panels_entries_once(tmp_path, monkeypatch):
    """The legend was the panel with the most entries, the first of them: a Constant's ("exact atom", "reference"),
    so the grey exact density of the other panels had no entry. It is every panel's entries now (their stems' twin
    axes too), each label once, in the order the panels first show them: the labels each panel draws, here drawn
    again one by one by ``panel``."""
    pytest.importorskip("matplotlib")
    import io

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure
    specs = [ui.Constant(0.5), ui.Normal(0.1, 0.5), ui.Mixture([ui.Uniform(5, 10), ui.Zeros()], [0.5, 0.5])]
    result = report.run(specs, ["dense"], frameworks=["reference"], out=io.StringIO(), progress=io.StringIO())
    shown = []
    save = Figure.savefig

    def keep(self, *args, **kwargs):  # the legend's texts of the figure ``picture`` writes
        shown.append([text.get_text() for legend in self.legends for text in legend.get_texts()])
        return save(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", keep)
    report.picture(result, str(tmp_path / "c.png"))
    wanted = []
    for spec in result.specs:
        fig, ax = plt.subplots()
        report.panel(ax, spec, *result.samples[repr(spec)])
        wanted += [label for axes in fig.axes for label in axes.get_legend_handles_labels()[1]]
        plt.close(fig)
    assert "exact" in wanted and "exact atom" in wanted
    assert shown == [list(dict.fromkeys(wanted))], (shown, wanted)


def test_without_spec_a_shape_a_spec_cannot_take_is_skipped_and_said_a_spec_named_is_refused(tmp_path, capsys):
    """``compare --shape 8,8,3,3`` aborted the whole catalog run at ``Eye`` ("needs a tensor with exactly 2
    dimensions"), and ``--layer conv`` did too. With no ``--spec`` each spec runs on the shapes it can take; one it
    cannot (or a spec that takes no layer of the run) is skipped, said under its table and recorded in the JSON
    with why: the specs ``applicable`` refuses
    (``exact``, as ``--shape`` asks: ``FromArray``'s 2x2 array is not sampled as an 8x8x3x3 weight), with
    ``refusal``'s reason. A spec named with ``--spec`` that cannot take the shape is still refused, before the
    run."""
    out = tmp_path / "r.json"
    options = ["--frameworks", "reference", "--picture", ""]
    assert report.main(["--shape", "8,8,3,3", "--json", str(out), *options]) == 0
    text = capsys.readouterr().out
    records = json.loads(out.read_text())
    skipped = {r["spec"]: r for r in records if "skipped" in r}
    shape = (8, 8, 3, 3)
    refused: dict[str, str] = {}  # the specs this shape cannot take, and why, as compare itself says
    for spec in (s for s in ui.examples() if not s.storage_order and report.applicable(s, shape, exact=True) is None):
        why = report.refusal(spec, shape)
        assert why is not None, spec
        refused[repr(spec)] = why
    assert "Eye(gain=1.0)" in refused and any(name.startswith("FromArray(") for name in refused)
    assert {name: (r["layer"], r["shape"], r["skipped"]) for name, r in skipped.items()} == \
        {name: ("8x8x3x3", list(shape), why) for name, why in refused.items()}
    rows = [r for r in records if "skipped" not in r]
    assert rows and all(r["shape"] == list(shape) and r["spec"] not in refused for r in rows)
    for name, why in refused.items():
        assert f"{name}\n  skipped 8x8x3x3: {why[:40]}" in text, name
    assert f"{len(refused)} skipped" in text
    assert report.main(["--layer", "conv", *options]) == 0  # Eye takes no layer of the run: skipped, said
    assert "Eye(gain=1.0)\n  skipped conv: Eye: needs a tensor with exactly 2 dimensions" in capsys.readouterr().out
    assert report.main(["--spec", "Eye", "--shape", "8,8,3,3", *options]) == 1
    err = capsys.readouterr().err
    assert err == ("unifiedinit compare: Eye(gain=1.0) cannot initialize a 8x8x3x3 weight of shape (8, 8, 3, 3): "
                   f"{refused['Eye(gain=1.0)']}\n"), err


def test_compare_runs_a_spec_given_twice_once_and_says_so(tmp_path, capsys):
    """``--spec Normal --spec Normal`` sampled the spec twice and wrote each of its JSON rows twice. A spec given
    again (by the same words or others that make the same spec) runs once, in the order first given, and a note
    on stderr names the --spec that repeats it."""
    out = tmp_path / "r.json"
    same = repr(report.spec_arg("Normal"))  # the catalog's example, written out: the same spec by other words
    assert report.main(["--spec", "Normal", "--spec", "Zeros", "--spec", same, "--spec", "Normal",
                        "--frameworks", "reference", "--picture", "", "--json", str(out)]) == 0
    rows = json.loads(out.read_text())
    keys = [(r["spec"], r["framework"], r["layer"]) for r in rows]
    assert len(keys) == len(set(keys)) == 4, keys  # two specs x dense and conv, each once
    assert [r["spec"] for r in rows][::2] == [same, "Zeros()"]
    captured = capsys.readouterr()
    assert captured.out.count(f"{same}\n") == 1
    assert captured.err.count("run once") == 2 and f"--spec {same!r} is {same}, as --spec 'Normal': run once" \
        in captured.err, captured.err
