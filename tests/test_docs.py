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
