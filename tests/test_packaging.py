"""What a user installs: one version source, the license, a typed wheel, an sdist whose tests collect."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import pathlib
import subprocess
import sys
import tarfile
import tomllib
import zipfile

import pytest

import unifiedinit as ui

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_the_version_has_one_source():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert ui.__version__ == importlib.metadata.version("unifiedinit") == pyproject["project"]["version"]
    assert "__version__ =" not in (ROOT / "src" / "unifiedinit" / "__init__.py").read_text()
    out = subprocess.run([sys.executable, "-m", "unifiedinit", "--version"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == f"unifiedinit {ui.__version__}"


def test_license_and_changelog():
    assert (ROOT / "LICENSE").read_text().lstrip().startswith("Apache License\n                           Version 2.0")
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"] == "Apache-2.0"
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in changelog and f"## [{ui.__version__}]" in changelog


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    pytest.importorskip("setuptools")
    out = tmp_path_factory.mktemp("dist")
    names = []
    for kind in ("sdist", "wheel"):  # one process each: setuptools keeps state between the two builds
        script = f"import sys; from setuptools import build_meta as b; print('built', b.build_{kind}(sys.argv[1]))"
        proc = subprocess.run([sys.executable, "-c", script, str(out)], cwd=ROOT, capture_output=True, text=True,
                              timeout=600)
        assert proc.returncode == 0, proc.stderr[-2000:]
        names.append(next(line for line in proc.stdout.splitlines() if line.startswith("built ")).split()[1])
    sdist, wheel = names
    return out / sdist, out / wheel


def test_the_wheel_is_typed_and_licensed(built):
    names = zipfile.ZipFile(built[1]).namelist()
    assert "unifiedinit/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert not any(n.startswith("tests/") for n in names)


def test_the_sdists_tests_collect(built, tmp_path):
    with tarfile.open(built[0]) as tar:
        tar.extractall(tmp_path, filter="data")
    tree = next(tmp_path.iterdir())
    for path in ("tests/conftest.py", "tests/models/compare.py", "LICENSE", "CHANGELOG.md", "constraints.txt"):
        assert (tree / path).is_file(), path
    proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                           "tests/test_specs.py", "tests/models/test_families.py"], cwd=tree, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0 and " collected" in proc.stdout, proc.stdout[-2000:] + proc.stderr[-2000:]


USER_CODE = '''
import unifiedinit as ui
spec = ui.Mixture([ui.Uniform(5, 10), ui.Zeros()], [0.5, 0.5])
plan = ui.presets.torch + ui.Plan().rule(ui.Normal(std=0.02), kind="dense", role="weight")
std: float = ui.Normal(0.0, 0.02).std
report = plan.resolve([])
rule: ui.Rule = plan.rules[0]
'''


def test_a_type_checker_sees_the_constructors_and_lazy_names(tmp_path):
    """``@register`` keeps each spec class's type, so an IDE knows ``ui.Normal(mean, std)``; the lazily loaded
    names (plans, presets) are visible to type checkers too."""
    pyright = pytest.importorskip("pyright")
    del pyright
    (tmp_path / "good.py").write_text(USER_CODE)
    (tmp_path / "bad.py").write_text("import unifiedinit as ui\nui.Normal(sdt=0.02)\nui.presets.nothing\n")
    run = [sys.executable, "-m", "pyright", "--pythonpath", sys.executable, "--outputjson"]
    import json
    # in the user's own folder: from this repository's root, pyproject.toml's strict settings would apply
    good = json.loads(subprocess.run(run + ["good.py"], cwd=tmp_path, capture_output=True, text=True,
                                     timeout=600).stdout)
    assert good["summary"]["errorCount"] == 0, good["generalDiagnostics"]
    bad = json.loads(subprocess.run(run + ["bad.py"], cwd=tmp_path, capture_output=True, text=True,
                                    timeout=600).stdout)
    messages = " ".join(d["message"] for d in bad["generalDiagnostics"])
    assert bad["summary"]["errorCount"] == 2 and 'No parameter named "sdt"' in messages and "nothing" in messages


def test_mypy_finds_nothing_in_the_package():
    pytest.importorskip("mypy", reason="the test extra: pip install -e '.[test]'")
    frameworks = [m for m in ("torch", "jax", "flax", "keras", "equinox", "mxnet")
                  if importlib.util.find_spec(m) is not None]
    if len(frameworks) < 5:  # the frameworks' own types are part of the check; the NumPy 1 environment lacks them
        pytest.skip(f"mypy runs where the frameworks are installed (here only {', '.join(frameworks) or 'none'})")
    proc = subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml")], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:]


def _pyright(*args: str) -> tuple[int, list[str]]:
    """(files analyzed, "file:line: message" of every error) of a pyright run in the repository root."""
    import json
    proc = subprocess.run([sys.executable, "-m", "pyright", "--outputjson", "--pythonpath", sys.executable, *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    found = json.loads(proc.stdout)
    errors = [f"{d['file']}:{d['range']['start']['line'] + 1}: {d['message']}" for d in found["generalDiagnostics"]
              if d["severity"] == "error"]
    return found["summary"]["filesAnalyzed"], errors


def test_pyright_finds_nothing_in_the_package():
    """The package in strict mode (pyproject.toml's [tool.pyright]), the tests in basic mode
    (tests/pyrightconfig.json)."""
    pytest.importorskip("pyright", reason="the test extra: pip install -e '.[test]'")
    if importlib.util.find_spec("torch") is None or importlib.util.find_spec("jax") is None:
        pytest.skip("pyright runs where the frameworks are installed (their types are part of the check)")
    analyzed, errors = _pyright()
    tests_analyzed, test_errors = _pyright("-p", str(ROOT / "tests" / "pyrightconfig.json"))
    assert analyzed > 50 and not errors, errors[:20]
    assert tests_analyzed > 30 and not test_errors, test_errors[:20]
