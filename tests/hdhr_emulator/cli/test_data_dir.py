"""The data dir is private: 0700, its files 0600, also when an older version left it open
(issue 10, defect 8). The real CLI runs (scan, then serve) and everything in the dir is stat-ed."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tests.support.cli_run import retrovue
from tests.support.server_process import running_server

NOTICE = "owner-only"  # in the one log line that says permissions were tightened


def open_to_others(data_dir: Path) -> list[str]:
    """Every entry (the dir included) that group or others may read, write or enter."""
    found = []
    for entry in [data_dir, *data_dir.rglob("*")]:
        mode = entry.lstat().st_mode
        if not stat.S_ISLNK(mode) and mode & 0o077:
            found.append(f"{entry.relative_to(data_dir.parent)} {stat.filemode(mode)}")
    return found


def loosen(data_dir: Path) -> None:
    """What an older Retrovue (umask 022, no chmod) left: 755 folders, 644 files."""
    for entry in [data_dir, *data_dir.rglob("*")]:
        entry.chmod(0o755 if entry.is_dir() else 0o644)


def test_a_new_data_dir_is_private(tv_library: Path, tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask, which the child inherits
    try:
        data_dir = tmp_path / "data"
        done = retrovue("scan", "--media", tv_library, data_dir=data_dir)
        assert done.returncode == 0, done.stderr
    finally:
        os.umask(old)
    assert (data_dir / "retrovue.db").is_file()
    assert open_to_others(data_dir) == []
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700


def test_an_open_data_dir_is_closed_once_at_start(tv_library: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert retrovue("scan", "--media", tv_library, data_dir=data_dir).returncode == 0
    (data_dir / "favorites.json").write_text("[]")
    (data_dir / "api_token").write_text("a-token-written-by-hand\n")
    loosen(data_dir)
    assert open_to_others(data_dir)

    old = os.umask(0o022)
    try:
        with running_server("--media", tv_library, data_dir=data_dir) as server:
            assert open_to_others(data_dir) == []
            assert server.log().count(NOTICE) == 1, server.log()
        with running_server("--media", tv_library, data_dir=data_dir) as server:
            assert NOTICE not in server.log()  # nothing left to fix: nothing said
    finally:
        os.umask(old)
    assert open_to_others(data_dir) == []  # and what serve wrote (device.json...) too
    assert stat.S_IMODE((data_dir / "retrovue.db").stat().st_mode) == 0o600
    assert stat.S_IMODE((data_dir / "device.json").stat().st_mode) == 0o600
    assert stat.S_IMODE((data_dir / "api_token").stat().st_mode) == 0o600


def test_files_written_for_the_user_keep_their_umask(tv_library: Path, tmp_path: Path) -> None:
    """The owner-only umask is for the data dir: ``guide -o`` writes for a web server too."""
    old = os.umask(0o022)
    try:
        done = retrovue(
            "guide", "--media", tv_library, "-o", tmp_path / "guide.xml",
            "--m3u", tmp_path / "guide.m3u", data_dir=tmp_path / "data",
        )  # fmt: skip
    finally:
        os.umask(old)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE((tmp_path / "guide.xml").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "guide.m3u").stat().st_mode) == 0o644
    assert open_to_others(tmp_path / "data") == []


def test_the_names_kept_private_are_those_the_server_writes() -> None:
    """data_dir spells the names out (importing their modules would slow every command)."""
    from hdhr_emulator.cli import data_dir
    from hdhr_emulator.server.identity_file import DEVICE_FILE
    from hdhr_emulator.server.lineup_documents import FAVORITES_FILE
    from lineup.station import DB_NAME

    assert {DEVICE_FILE, FAVORITES_FILE} <= data_dir._OWN_NAMES
    assert DB_NAME.startswith(data_dir._OWN_PREFIXES)
