"""The docs: a short README front page, every page in English and Japanese, links that resolve,
each page its own doctest item, and performance tables that are exactly one run's results.

The examples themselves run as doctests (pyproject's --doctest-glob=*.md); this file checks
what holds the pages together.
"""

import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
sys.path.insert(0, str(ROOT / "benchmarks"))

import report  # noqa: E402

ENGLISH = sorted(DOCS.glob("*.md"))
JAPANESE = sorted((DOCS / "ja").glob("*.md"))
PAGES = [ROOT / "README.md", *ENGLISH, *JAPANESE]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def counterpart(page: Path) -> Path:
    """The other language's page: README.md <-> docs/ja/README.md, docs/x.md <-> docs/ja/x.md."""
    if page == ROOT / "README.md":
        return DOCS / "ja" / "README.md"
    if page == DOCS / "ja" / "README.md":
        return ROOT / "README.md"
    return DOCS / page.name if page.parent.name == "ja" else DOCS / "ja" / page.name


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    kept = "".join(c for c in heading.strip().lower()
                   if c in " -_" or unicodedata.category(c)[0] in "LNM")
    return kept.replace(" ", "-")


def test_the_readme_is_a_front_page():
    assert len(text(ROOT / "README.md").splitlines()) <= 250


def test_the_readme_test_command_is_what_ci_runs():
    [command] = re.findall(r"^\| Test \| `([^`]+)` \|$", text(ROOT / "README.md"), re.M)
    [japanese] = re.findall(r"^\| テスト \| `([^`]+)` \|$", text(DOCS / "ja" / "README.md"), re.M)
    last = [line for line in text(ROOT / ".ci" / "run").splitlines() if line.strip()][-1]
    assert command == japanese == last == "pytest"


def test_the_english_and_japanese_pages_pair_up():
    assert [p.name for p in ENGLISH] == sorted(p.name for p in JAPANESE if p.name != "README.md")
    assert "README.md" in [p.name for p in JAPANESE]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_page_links_to_its_other_language(page):
    other = counterpart(page)
    targets = {(page.parent / link.split("#")[0]).resolve() for link in LINK.findall(text(page))}
    assert other.resolve() in targets


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_anchor_resolves(page):
    for link in LINK.findall(text(page)):
        if link.startswith(("http://", "https://")):
            continue
        path, _, anchor = link.partition("#")
        target = (page.parent / path).resolve() if path else page
        assert target.exists(), f"{page.name}: {link}"
        if anchor:
            headings = re.findall(r"^#+ (.+)$", text(target), re.M)
            assert anchor in {slug(h) for h in headings}, f"{page.name}: {link}"


@pytest.mark.parametrize("page", [*ENGLISH, ROOT / "README.md"], ids=lambda p: p.name)
def test_a_japanese_page_has_the_english_pages_sections_and_examples(page):
    english, japanese = text(page), text(counterpart(page))
    for pattern in (r"^## ", r"^```python$", r"^>>> ", r"^!\[", r"^\|---"):
        assert (len(re.findall(pattern, english, re.M))
                == len(re.findall(pattern, japanese, re.M))), pattern


def test_each_page_with_examples_is_its_own_doctest_item():
    listed = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "README.md", "docs"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    items = {line.split("::")[0] for line in listed.splitlines() if "::" in line}
    assert items == {str(p.relative_to(ROOT)) for p in PAGES if ">>> " in text(p)}


def test_a_failing_page_hides_no_other_page(tmp_path):
    (tmp_path / "broken.md").write_text(">>> 1 + 1\n3\n", encoding="utf-8")
    (tmp_path / "fine.md").write_text(">>> 1 + 1\n2\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c",
         str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path), str(tmp_path)],
        capture_output=True, text=True)
    assert result.returncode == 1
    assert "1 failed, 1 passed" in result.stdout


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_performance_tables_are_exactly_what_the_recorded_run_renders(lang):
    results = json.loads(text(ROOT / report.RESULTS))
    page = text(ROOT / report.PAGES[lang])
    written = page[page.index(report.BEGIN) + len(report.BEGIN) + 1:page.index(report.END)]
    assert written == report.block(results, lang)


def test_writing_the_docs_replaces_only_the_marked_block(tmp_path):
    results = json.loads(text(ROOT / report.RESULTS))
    results["memory"]["engines"]["microgradjp"]["bytes"] = 123456.0
    for page in report.PAGES.values():
        (tmp_path / page).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / page).write_text(f"before\n{report.BEGIN}\nold\n{report.END}\nafter\n",
                                     encoding="utf-8")
    (tmp_path / "benchmarks").mkdir()
    report.write_docs(results, root=tmp_path)
    for lang, page in report.PAGES.items():
        written = text(tmp_path / page)
        assert written == (f"before\n{report.BEGIN}\n{report.block(results, lang)}"
                           f"{report.END}\nafter\n")
        assert "| microgradjp | 123,456 |" in written
    assert json.loads(text(tmp_path / report.RESULTS)) == results


def test_a_page_without_its_markers_is_refused_and_left_alone():
    with pytest.raises(ValueError, match="one '<!-- begin"):
        report.replace_block("no markers here\n", "tables\n")
