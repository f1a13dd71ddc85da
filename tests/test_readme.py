"""Every ```python block of README.md and docs/*.md runs as written, each in a fresh interpreter from the
repository root (blocks are self-contained: no hidden setup). A block marked ``>>>`` is a doctest: its printed
output is checked. Blocks that need a framework run where it is installed; the skip says which."""

from __future__ import annotations

import doctest
import importlib.util
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
#: an import of a framework in a block: the block runs only where that framework is installed
NEEDS = {"torch": "torch", "keras": "keras", "jax": "jax", "flax": "flax", "equinox": "equinox", "mxnet": "mxnet",
         "transformers": "transformers", "matplotlib": "matplotlib", "scipy": "scipy"}


def blocks() -> list[tuple[str, int, str]]:
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]:
        text = path.read_text()
        for m in FENCE.finditer(text):
            found.append((str(path.relative_to(ROOT)), text.count("\n", 0, m.start()) + 1, m.group(1)))
    return found


def needs(code: str) -> list[str]:
    imported = set(re.findall(r"^\s*(?:import|from)\s+([A-Za-z_][\w]*)", code, re.M))
    imported |= {name for line in re.findall(r"^\s*import\s+(.+)$", code, re.M)
                 for name in re.findall(r"([A-Za-z_]\w*)(?:\s+as\s+\w+)?\s*(?:,|$)", line)}
    return sorted(NEEDS[n] for n in imported if n in NEEDS)


@pytest.mark.parametrize("where,line,code", blocks(), ids=[f"{w}:{n}" for w, n, _ in blocks()])
def test_every_python_block_runs_as_written(where, line, code, tmp_path):
    missing = [m for m in needs(code) if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"{where}:{line} needs {', '.join(missing)}, not installed in this environment")
    if code.lstrip().startswith(">>>"):
        parser = doctest.DocTestParser()
        test = parser.get_doctest(code, {}, f"{where}:{line}", where, line)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        runner.run(test)
        assert runner.failures == 0, f"{where}:{line}: the doctest's output differs"
        return
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=900,
                          env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, f"{where}:{line} failed:\n{code}\n{proc.stderr[-3000:]}"
