"""The real xmltv-util tools agree the guide is clean (skipped where they are not installed).

``tv_validate_file`` checks more than the DTD (ids, times, episode numbers, UTF-8 damage) and
``tv_sort --duplicate-error`` reports overlaps and duplicates on stderr while exiting 0, so its
stderr must be empty.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.xmltv.builders import BASE, DTD, sample_guide
from xmltv import write_xmltv


@pytest.fixture(autouse=True)
def _xmltv_util() -> None:
    """Skip where xmltv-util is absent, except in CI (see tests.conftest.require_tool)."""
    require_tool("tv_validate_file")
    require_tool("tv_sort")


@pytest.fixture(params=[BASE, None], ids=["with-base-url", "without-base-url"])
def guide(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    channels, airings = sample_guide()
    path = tmp_path / "xmltv.xml"
    write_xmltv(path, channels, lambda ch: airings[ch.number], base_url=request.param)
    return path


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)


def test_tv_validate_file_is_clean(guide: Path) -> None:
    result = run("tv_validate_file", "--dtd-file", DTD, str(guide))
    assert (result.returncode, result.stdout, result.stderr) == (0, "Validated ok.\n", "")


def test_tv_sort_reports_nothing(guide: Path, tmp_path: Path) -> None:
    result = run(
        "tv_sort", "--duplicate-error", "--output", str(tmp_path / "sorted.xml"), str(guide)
    )
    assert (result.returncode, result.stderr) == (0, "")


def test_the_tools_do_catch_problems(tmp_path: Path) -> None:
    """Guard against a vacuous pass: the same tools must fail a broken guide."""
    broken = tmp_path / "broken.xml"
    broken.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tv SYSTEM "xmltv.dtd">\n<tv>'
        '<channel id="7.retrovue"><display-name>7</display-name></channel>'
        '<channel id="ch8"><display-name>8</display-name></channel>'
        '<programme start="20240101000000 +0000" stop="20240101010000 +0000" channel="7.retrovue">'
        '<title>A</title><episode-num system="xmltv_ns">-1.4.0/1</episode-num></programme>'
        '<programme start="20240101003000 +0000" stop="20240101013000 +0000" channel="7.retrovue">'
        "<title>B</title></programme></tv>\n",
        encoding="utf-8",
    )
    validated = run("tv_validate_file", "--dtd-file", DTD, str(broken))
    assert validated.returncode == 1
    assert "Invalid channel-id 'ch8'" in validated.stdout
    assert "Invalid episode-number '-1.4.0/1'" in validated.stdout
    sorted_ = run("tv_sort", "--duplicate-error", "--output", str(tmp_path / "s.xml"), str(broken))
    assert "overlapping" in sorted_.stderr
