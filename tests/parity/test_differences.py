"""The README's table of intentional differences is the list the parity suites read, word for word."""

import pathlib

from unifiedinit import differences

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_holds_exactly_the_generated_table():
    assert differences.readme_block() in README.read_text(encoding="utf-8"), \
        "regenerate it: python -m unifiedinit.differences README.md"


def test_every_difference_says_what_why_and_where():
    seen = set()
    for d in differences.DIFFERENCES:
        assert d.framework and d.function and d.theirs and d.ours and d.why, d
        assert (d.framework, d.function) not in seen, f"listed twice: {d}"
        seen.add((d.framework, d.function))


def test_find_gives_a_difference_of_the_framework_asked_only():
    # each entry under its own framework, and none under another: a parity suite asks find() for its own framework's
    # entries, and must not read another framework's (the same words may one day name a function of two frameworks)
    for d in differences.DIFFERENCES:
        assert differences.find(d.framework, d.function) is d
        for other in {e.framework for e in differences.DIFFERENCES} - {d.framework}:
            assert differences.find(other, d.function) is None, (other, d.function)
    assert differences.find("torch", "no such function") is None
