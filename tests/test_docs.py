"""The documentation site builds with --strict (every page, every README section it includes, the API reference
from the docstrings), and its pages hold what they promise."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    pytest.importorskip("mkdocs", reason="the docs extra: pip install -e '.[docs]'")
    pytest.importorskip("mkdocstrings")
    out = tmp_path_factory.mktemp("site")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


def text(site, page: str) -> str:
    return re.sub(r"<[^>]+>", " ", (site / page / "index.html").read_text())


def test_every_readme_section_is_on_a_page(site):
    readme = (ROOT / "README.md").read_text()
    sections = re.findall(r"<!-- --8<-- \[start:([\w-]+)\] -->", readme)
    included = "".join(p.read_text() for p in (ROOT / "docs").glob("**/*.md"))
    assert sections and all(f'"README.md:{s}"' in included for s in sections), sections
    assert "--8<--" not in text(site, "frameworks/torch")  # included, not shown
    assert "to_torch" in text(site, "frameworks/torch") and "refined by appending rules" in text(site, "plans")


def test_the_api_reference_comes_from_the_docstrings(site):
    specs = text(site, "api/specs")
    for name in ("Normal", "TruncatedNormal", "Mixture", "Scaled", "Hadamard", "register"):
        assert re.search(rf"\b{name}\b", specs), name
    assert "from_expression" in text(site, "api/serialize") and "Plan" in text(site, "api/plans")


def test_every_public_name_has_an_entry_in_the_api_reference(site):
    """Each name of ``unifiedinit.__all__`` and each framework backend's public name is documented in the API
    pages (ui.from_keras and the backends' hooks had no page)."""
    import unifiedinit as ui
    pages = " ".join(text(site, f"api/{p.stem}") for p in (ROOT / "docs" / "api").glob("*.md"))
    missing = [name for name in ui.__all__ if not re.search(rf"\b{re.escape(name)}\b", pages)]
    assert not missing, missing
    backends = text(site, "api/frameworks")
    for name in ("init_", "empty_init", "TorchInitializer", "reinit", "initializers", "SpecInitializer",
                 "EquinoxInitializer"):
        assert re.search(rf"\b{name}\b", backends), name


def test_the_design_notes_name_every_module_of_the_package():
    """docs/design.md's "The layers of the package" lists each module of the package, and only modules that exist
    (convert.py, differences.py, _record.py, _table.py and verify/zoo.py had no line)."""
    design = (ROOT / "docs" / "design.md").read_text()
    listing = re.search(r"^## The layers of the package\n+```\n(.*?)^```", design, re.S | re.M)
    assert listing, "docs/design.md has no listing under 'The layers of the package'"
    block = listing.group(1)
    package = ROOT / "src" / "unifiedinit"
    top = [p.name for p in package.glob("*.py") if p.name != "__init__.py"]
    missing = [name for name in top if not re.search(rf"(?<![\w/]){re.escape(name)}(?!\w)", block)]
    # the verify/ entry: its line and the continuation lines under it
    verify = re.search(r"^  verify/(.*\n(?: {16}.*\n)*)", block, re.M)
    assert verify, "docs/design.md has no verify/ entry"
    missing += [f"verify/{p.stem}" for p in (package / "verify").glob("*.py")
                if p.stem != "__init__" and not re.search(rf"\b{p.stem}\b", verify.group(1))]
    assert not missing, f"docs/design.md does not name {missing}"
    named = set(re.findall(r"(?<![\w/])(\w+\.py)\b", block.split("  backends/")[0]))
    assert named <= set(top), f"docs/design.md names modules that do not exist: {sorted(named - set(top))}"


def test_the_sharded_benchmark_ranges_hold_the_figures_of_results_md():
    """benchmarks/README.md's sharded row gives ranges over runs "(RESULTS.md: ...)" beside them; its native CPU
    range (0.17-0.27x) and wall range (0.33-0.52x) left out RESULTS.md's own 4-rank figures (0.28x and 0.56x)."""
    results = (ROOT / "benchmarks" / "RESULTS.md").read_text()
    row = next(line for line in (ROOT / "benchmarks" / "README.md").read_text().splitlines()
               if line.startswith("| sharded plan per rank"))
    number = r"(\d+\.\d+)"
    measured = {}  # mode: (wall, CPU per rank) on 4 ranks against one rank
    for mode in ("native", "portable"):
        found = re.search(rf"^\| {mode} \| 4 \| [\d.]+ \| \*\*{number}\*\* \| [\d.]+ \| \*\*{number}\*\* \|",
                          results, re.M)
        assert found, f"benchmarks/RESULTS.md has no 4-rank {mode} row"
        measured[mode] = (float(found[1]), float(found[2]))
    cpu = re.search(rf"native {number}–{number}×, portable {number}–{number}×", row)
    wall = re.search(rf"wall time {number}–{number}× / {number}–{number}×", row)
    assert cpu and wall, row
    for mode, (lo, hi) in (("native", cpu.groups()[:2]), ("portable", cpu.groups()[2:])):
        assert float(lo) <= measured[mode][1] <= float(hi), (mode, "CPU", lo, hi, measured[mode])
    for mode, (lo, hi) in (("native", wall.groups()[:2]), ("portable", wall.groups()[2:])):
        assert float(lo) <= measured[mode][0] <= float(hi), (mode, "wall", lo, hi, measured[mode])


def test_lesson_6_quotes_the_portable_ratios_of_results_md():
    """Lesson 6 quotes benchmarks/RESULTS.md's portable/native ratios, and bench.py rewrites that file: the figures
    it states are recomputed from the table, so a new run cannot leave the lesson behind."""
    import json
    table = {}
    for row in re.findall(r"^\| (\w+) \| (\w+) \| [^|]+ \|(?: [^|]+ \|){3} [\d.]+ \| \*\*([\d.]+)\*\* \|",
                          (ROOT / "benchmarks" / "RESULTS.md").read_text(), re.M):
        table[row[0], row[1]] = float(row[2])
    assert {("torch", "gpt2"), ("mxnet", "resnet50"), ("flax", "gpt2")} <= set(table), table
    lesson = json.loads((ROOT / "notebooks" / "06_porting_with_portable_mode.ipynb").read_text())
    text = " ".join("".join(c["source"]) for c in lesson["cells"] if c["cell_type"] == "markdown")
    text = re.sub(r"\s+", " ", text)
    torch_keras = [table[f, m] for f in ("torch", "keras") for m in ("resnet50", "gpt2")]
    assert f"{min(torch_keras):.1f} to {max(torch_keras):.1f} times as long as native draws in torch and Keras" in text
    assert f"{table['flax', 'resnet50']:.2f} times for Flax's ResNet-50" in text
    assert f"MXNet ({table['mxnet', 'resnet50']:.2f} and {table['mxnet', 'gpt2']:.2f} times)" in text
    assert f"Flax's GPT-2 ({table['flax', 'gpt2']:.2f} times)" in text
