"""A damaged catalog stops ``channels`` and ``serve`` with one line naming the file and the way
out, and ``scan --rebuild`` is that way out (issue 10, defect 4). The real CLI throughout."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli_run import retrovue
from tests.support.damage import garble_in_table, smash_header
from tests.support.server_process import free_port

SERVE = ("--host", "127.0.0.1", "--no-hdhr-discovery", "--no-ssdp", "--no-zeroconf")


def one_line_error(stderr: str, db: Path) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert str(db) in lines[0] and "retrovue scan --rebuild" in lines[0], lines[0]
    assert "Traceback" not in stderr
    return lines[0]


def test_damage_stops_channels_and_serve_and_rebuild_recovers(
    tv_library: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    db = data / "retrovue.db"
    assert retrovue("channels", "--media", tv_library, data_dir=data).returncode == 0
    # random letters inside a row: reads still work (silently wrong) and the old code ran on
    garble_in_table(db, "media_items", b"Cheers - S01E01")

    for command in (("channels",), ("serve", "--port", str(free_port()), *SERVE)):
        done = retrovue(*command, "--media", tv_library, data_dir=data, timeout=60)
        assert done.returncode == 1, (command, done.stdout, done.stderr)
        assert "is damaged" in one_line_error(done.stderr, db)

    done = retrovue("scan", "--rebuild", "--media", tv_library, data_dir=data)
    assert done.returncode == 0, done.stderr
    moved = list(data.glob("retrovue.db.damaged-*"))
    assert len(moved) == 1 and str(moved[0]) in done.stderr
    assert "Kept 3 channel number(s) and the published guide of 3 channel(s)." in done.stderr

    done = retrovue("channels", "--media", tv_library, data_dir=data)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 4  # the header and the same three channels


def test_a_smashed_header_gets_the_advice_too(tv_library: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert retrovue("scan", "--media", tv_library, data_dir=data).returncode == 0
    smash_header(data / "retrovue.db")
    done = retrovue("channels", "--no-scan", "--media", tv_library, data_dir=data)
    assert done.returncode == 1
    assert "file is not a database" in one_line_error(done.stderr, data / "retrovue.db")
