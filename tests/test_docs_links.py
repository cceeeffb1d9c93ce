"""Docstrings and comments cite notes that are in this repository, at sections that exist.

Notes outside the repository (a sibling ``shared/`` folder, a wiki) cannot be read by the next
contributor; a citation like ``docs/protocol/hdhomerun.md §4.5`` must lead to a file here with a
heading numbered 4.5.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CODE_FOLDERS = ("lineup", "xmltv", "hdhr_emulator", "tests", "benchmarks")
CITATION = re.compile(r"(docs/[\w./-]+\.md)((?:,? ?§\s?[0-9]+(?:\.[0-9]+)*)*)")
SECTION = re.compile(r"§\s?([0-9]+(?:\.[0-9]+)*)")


def _sources() -> list[Path]:
    return sorted(p for folder in CODE_FOLDERS for p in (ROOT / folder).rglob("*.py"))


def _headings(doc: Path) -> set[str]:
    """Section numbers of ``doc``'s headings: ``### 4.5 Reply`` → ``4.5``."""
    numbers = set()
    for line in doc.read_text(encoding="utf-8").splitlines():
        match = re.match(r"#+\s+([0-9]+(?:\.[0-9]+)*)\.?\s", line)
        if match:
            numbers.add(match[1])
    return numbers


def test_no_code_cites_notes_outside_the_repository() -> None:
    this_file = Path(__file__).resolve()
    offenders = [
        str(p.relative_to(ROOT))
        for p in _sources()
        if p != this_file and "shared/docs" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []


@pytest.mark.parametrize("source", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_cited_docs_and_sections_exist(source: Path) -> None:
    for match in CITATION.finditer(source.read_text(encoding="utf-8")):
        doc = ROOT / match[1]
        assert doc.is_file(), f"{source.name} cites {match[1]}, which is not in the repository"
        missing = set(SECTION.findall(match[2])) - _headings(doc)
        assert not missing, f"{source.name} cites {match[1]} §{', §'.join(sorted(missing))}"
