"""The ``retrovue`` command as a new user runs it from the README: real processes, real files."""

from __future__ import annotations

import itertools
import re
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from tests.conftest import require_tool
from tests.support.cli_run import retrovue


def test_scan_reports_added_and_skipped_files(tv_library: Path, tmp_path: Path) -> None:
    done = retrovue("--media", tv_library, "scan", data_dir=tmp_path / "data")
    assert done.returncode == 0, done.stderr
    assert "7 added" in done.stdout  # 3 episodes, 2 movies, 2 filler items
    assert re.search(r"2 skipped", done.stdout)
    assert "Cheers - S01E03 - Broken.mp4: " in done.stdout  # no moov atom: "cannot open"
    assert "Taxi 1x02 Not Video.mp4: cannot open" in done.stdout

    again = retrovue("--media", tv_library, "scan", data_dir=tmp_path / "data")
    assert again.returncode == 0, again.stderr
    assert "0 added, 0 updated, 0 removed" in again.stdout


def test_channels_lists_one_channel_per_show_and_movies(tv_library: Path, tmp_path: Path) -> None:
    done = retrovue("--media", tv_library, "channels", data_dir=tmp_path / "data")
    assert done.returncode == 0, done.stderr
    rows = [line.split()[:2] for line in done.stdout.splitlines()[1:]]
    assert rows == [["1", "Cheers"], ["2", "Taxi"], ["3", "Movies"]]
    assert "Cheers S01E0" in done.stdout


def test_channel_numbers_survive_a_removed_show(tv_library: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert retrovue("--media", tv_library, "channels", data_dir=data).returncode == 0
    for episode in (tv_library / "TV/Cheers/Season 01").iterdir():
        episode.unlink()
    done = retrovue("--media", tv_library, "channels", data_dir=data)
    rows = [line.split()[:2] for line in done.stdout.splitlines()[1:]]
    assert rows == [["2", "Taxi"], ["3", "Movies"]]


def test_guide_file_is_valid_xmltv_and_matches_the_m3u(tv_library: Path, tmp_path: Path) -> None:
    out, m3u = tmp_path / "guide.xml", tmp_path / "channels.m3u"
    done = retrovue(
        "--media",
        tv_library,
        "guide",
        "-o",
        out,
        "--hours",
        "6",
        "--m3u",
        m3u,
        "--base-url",
        "http://192.0.2.1:8000",
        data_dir=tmp_path / "data",
    )
    assert done.returncode == 0, done.stderr
    tree = etree.parse(str(out))
    ids = [c.get("id") for c in tree.iterfind("channel")]
    assert len(ids) == 3
    playlist_ids = re.findall(r'tvg-id="([^"]+)"', m3u.read_text())
    assert playlist_ids == ids
    for cid in ids:
        programmes = tree.findall(f"programme[@channel='{cid}']")
        assert programmes, cid
        for before, after in itertools.pairwise(programmes):
            assert before.get("stop") == after.get("start")
    validator = require_tool("tv_validate_file")
    checked = subprocess.run(
        [validator, "--dtd-file", "/usr/share/xmltv/xmltv.dtd", str(out)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_channels_and_guide_fall_back_to_the_demo_library_like_serve(tmp_path: Path) -> None:
    data = tmp_path / "data"
    done = retrovue("channels", data_dir=data, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = [line.split()[0] for line in done.stdout.splitlines()[1:]]
    assert rows == ["1", "2", "3"] and "Test Pattern Theatre" in done.stdout
    assert "using the demo library in" in done.stderr

    done = retrovue("guide", "--hours", "2", data_dir=data)
    assert done.returncode == 0, done.stderr
    names = [
        channel.findtext("display-name")
        for channel in etree.fromstring(done.stdout.encode()).iterfind("channel")
    ]
    assert names == ["1 Test Pattern Theatre", "2 Tone Patrol", "3 Movies"]


def test_guide_files_for_localhost_warn_that_other_machines_cannot_reach_it(
    tv_library: Path, tmp_path: Path
) -> None:
    data, out, m3u = tmp_path / "data", tmp_path / "guide.xml", tmp_path / "channels.m3u"
    for written in (("-o", out), ("--m3u", m3u)):
        done = retrovue("--media", tv_library, "guide", "--hours", "2", *written, data_dir=data)
        assert done.returncode == 0, done.stderr
        warnings = [line for line in done.stderr.splitlines() if "warning" in line]
        assert len(warnings) == 1, done.stderr
        assert warnings[0].startswith("warning: ") and "http://localhost:8000" in warnings[0]
        assert "--base-url" in warnings[0]
    assert "http://localhost:8000/auto/v1" in m3u.read_text()

    for args in (("--m3u", m3u, "--base-url", "http://192.0.2.1:8000"), ()):  # or to stdout
        done = retrovue("--media", tv_library, "guide", "--hours", "2", *args, data_dir=data)
        assert done.returncode == 0 and "warning" not in done.stderr, done.stderr


def test_guide_to_stdout_is_the_same_document(tv_library: Path, tmp_path: Path) -> None:
    done = retrovue("--media", tv_library, "guide", "--hours", "2", data_dir=tmp_path / "data")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("<?xml")
    assert etree.fromstring(done.stdout.encode()).tag == "tv"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--media", "/nonexistent/tv", "channels"), "media folder not found: /nonexistent/tv"),
        (("scan",), "no media: pass --media DIR"),
        (("--media", ".", "guide", "--hours", "0"), "--hours must be positive"),
        (("--media", ".", "guide", "--base-url", "ftp://x"), "base URL must be"),
        (("--config", "/nonexistent/retrovue.toml", "channels"), "/nonexistent/retrovue.toml"),
    ],
    ids=["missing-media", "no-media", "bad-hours", "bad-base-url", "missing-config"],
)
def test_bad_input_is_one_line_and_exit_2(
    args: tuple[str, ...], message: str, tmp_path: Path
) -> None:
    done = retrovue(*args, data_dir=tmp_path / "data")
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_config_error_names_file_and_line(tv_library: Path, tmp_path: Path) -> None:
    config = tmp_path / "retrovue.toml"
    config.write_text(f'media = ["{tv_library}"]\n\n[[channel]]\nnumber = 7\nnmae = "Cheers"\n')
    done = retrovue("--config", config, "channels", data_dir=tmp_path / "data")
    assert done.returncode == 2
    assert done.stderr.startswith(f"retrovue: error: {config}:5: ")
    assert "nmae" in done.stderr and "name" in done.stderr


def test_unknown_command_is_a_usage_error(tmp_path: Path) -> None:
    done = retrovue("frobnicate", data_dir=tmp_path / "data")
    assert done.returncode == 2
    assert "invalid choice" in done.stderr


def test_config_channels_are_used_instead_of_auto_lineup(tv_library: Path, tmp_path: Path) -> None:
    config = tmp_path / "retrovue.toml"
    config.write_text(
        'media = ["media"]\n\n'
        '[[channel]]\nnumber = 42\nname = "Sitcoms"\nshows = ["Cheers", "Taxi"]\n'
        "[channel.filler]\nitems = 1\npad_minutes = 30\n"
    )
    done = retrovue("--config", config, "channels", data_dir=tmp_path / "data")
    assert done.returncode == 0, done.stderr
    rows = [line.split()[:2] for line in done.stdout.splitlines()[1:]]
    assert rows == [["42", "Sitcoms"]]


def test_unusable_ffmpeg_fails_at_start_with_what_to_do(tv_library: Path, tmp_path: Path) -> None:
    fake = tmp_path / "ffmpeg"
    fake.write_text("#!/bin/sh\nexit 3\n")
    fake.chmod(0o755)
    done = retrovue(
        "--media", tv_library, "--ffmpeg", fake, "serve", "--port", "1", data_dir=tmp_path / "data"
    )
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"retrovue: error: ffmpeg at {fake} failed its version check (exit 3); "
        "fix --ffmpeg / RETROVUE_FFMPEG"
    )
