"""Scanning real clips into a real catalog: first scan, no-op re-scan, changes, removals, errors."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lineup.break_table import BreakJob
from lineup.breaks import BreakScan
from lineup.catalog import Catalog, FileRecord, SkippedFile
from lineup.errors import ScanError
from lineup.loudness import Loudness
from lineup.models import ItemKind, MediaInfo
from lineup.naming import parse_media_path
from lineup.scanner import ScanSummary, scan
from tests.conftest import ClipFactory

SMALL = {"width": 160, "height": 120}
EP1 = "Cheers/Season 01/Cheers - S01E01 - Give Me a Ring Sometime.mp4"
EP2 = "Cheers/Season 01/Cheers - S01E02 - Sams Women.mkv"
MOVIE = "Movies/Alien (1979)/Alien (1979).mp4"
AD = "Extras/commercials/coke_ad_1985.mp4"
BROKEN = "Cheers/Season 01/Cheers - S01E03.mp4"
INVALID = "invalid data found when processing input"


@pytest.fixture
def library(tmp_path: Path, make_clip: ClipFactory) -> Path:
    """A small real library: 4 playable files, 1 broken one and some things to ignore."""
    root = tmp_path / "media"
    for relative in (EP1, EP2, MOVIE, AD):
        make_clip(root / relative, duration=1.0, **SMALL)
    (root / BROKEN).write_text("not a video at all\n" * 50)
    (root / "Cheers/Season 01/notes.txt").write_text("subtitles go here")
    make_clip(root / "Cheers/Season 01/.Cheers - S01E04.mp4", duration=1.0, **SMALL)  # hidden
    make_clip(root / "Home Videos/birthday.mp4", duration=1.0, **SMALL)  # no naming rule
    return root


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    with Catalog.open(tmp_path / "retrovue.db") as opened:
        yield opened


def by_path(catalog: Catalog, root: Path) -> dict[str, int]:
    return {str(Path(item.path).relative_to(root)): item.id for item in catalog.items()}


def test_first_scan(library: Path, catalog: Catalog) -> None:
    summary = scan(catalog, [library])

    assert (summary.added, summary.updated, summary.removed, summary.unchanged) == (4, 0, 0, 0)
    assert summary.skipped == (SkippedFile(str(library / BROKEN), f"cannot open: {INVALID}"),)
    assert (summary.total_skipped, summary.ignored, summary.probed) == (1, 1, 5)
    items = {str(Path(item.path).relative_to(library)): item for item in catalog.items()}
    assert sorted(items) == sorted([EP1, EP2, MOVIE, AD])
    assert (items[EP1].show, items[EP1].title, items[EP1].kind) == (
        "Cheers", "Give Me a Ring Sometime", ItemKind.EPISODE,
    )  # fmt: skip
    assert items[EP2].info.container == "matroska,webm"
    assert items[AD].kind == ItemKind.FILLER
    assert (items[MOVIE].kind, items[MOVIE].year) == (ItemKind.MOVIE, 1979)
    assert catalog.skipped() == list(summary.skipped)
    assert catalog.shows() == ["Cheers"]


def test_rescan_of_unchanged_files_opens_none(library: Path, catalog: Catalog) -> None:
    scan(catalog, [library])
    before = catalog.items()
    # The probe counter nobody has to mock: overwrite a file with garbage of the same size and
    # put its mtime back. Probing it now would skip it, so it stays playable only if unopened.
    victim = library / EP1
    stat = victim.stat()
    victim.write_bytes(b"\0" * stat.st_size)
    os.utime(victim, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    again = scan(catalog, [library])

    assert again == ScanSummary(unchanged=5, total_skipped=1, ignored=1, seconds=again.seconds)
    assert again.probed == 0
    assert catalog.items() == before  # the garbage file included: it was never opened

    os.utime(victim, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # touch it
    touched = scan(catalog, [library])
    assert touched.probed == 1
    assert touched.skipped == (SkippedFile(str(victim), f"cannot open: {INVALID}"),)
    assert str(victim) not in {item.path for item in catalog.items()}


def test_touched_file_is_updated_in_place(library: Path, catalog: Catalog) -> None:
    scan(catalog, [library])
    ids = by_path(catalog, library)
    path = library / EP2
    later = path.stat().st_mtime_ns + 5_000_000_000
    os.utime(path, ns=(later, later))

    summary = scan(catalog, [library])

    assert (summary.added, summary.updated, summary.unchanged, summary.probed) == (0, 1, 4, 1)
    assert by_path(catalog, library) == ids


def test_replaced_file_keeps_its_row_id(
    library: Path, catalog: Catalog, make_clip: ClipFactory
) -> None:
    scan(catalog, [library])
    old_id = by_path(catalog, library)[EP1]
    make_clip(library / EP1, duration=2.0, width=320, height=240)  # a better copy

    summary = scan(catalog, [library])

    assert summary.updated == 1
    item = catalog.get(old_id)
    assert item is not None
    assert (item.info.width, item.info.duration) == (320, pytest.approx(2.0, abs=0.1))


def test_fixed_file_leaves_the_skipped_list(
    library: Path, catalog: Catalog, make_clip: ClipFactory
) -> None:
    scan(catalog, [library])
    make_clip(library / BROKEN, duration=1.0, **SMALL)

    summary = scan(catalog, [library])

    assert (summary.updated, summary.skipped, summary.total_skipped) == (1, (), 0)
    assert catalog.skipped() == []
    assert [i.episode for i in catalog.items(ItemKind.EPISODE)] == [1, 2, 3]


def test_removed_file_disappears(library: Path, catalog: Catalog) -> None:
    scan(catalog, [library])
    gone_id = by_path(catalog, library)[MOVIE]
    (library / MOVIE).unlink()
    (library / BROKEN).unlink()

    summary = scan(catalog, [library])

    assert (summary.removed, summary.unchanged, summary.total_skipped) == (2, 3, 0)
    assert catalog.get(gone_id) is None
    assert catalog.items(ItemKind.MOVIE) == []
    assert catalog.skipped() == []


def test_only_scanned_roots_lose_files(
    tmp_path: Path, library: Path, catalog: Catalog, make_clip: ClipFactory
) -> None:
    other = make_clip(tmp_path / "media2/Taxi/Season 01/Taxi - S01E01.mp4", duration=1.0, **SMALL)
    scan(catalog, [library, tmp_path / "media2"])
    assert catalog.shows() == ["Cheers", "Taxi"]

    summary = scan(catalog, [library])  # media2 not scanned this time: Taxi stays

    assert (summary.removed, summary.unchanged) == (0, 5)
    assert str(other) in {item.path for item in catalog.items()}


def test_missing_root_fails_before_touching_the_catalog(
    tmp_path: Path, library: Path, catalog: Catalog
) -> None:
    scan(catalog, [library])
    before = catalog.items()
    missing = tmp_path / "unplugged-usb-disk"

    with pytest.raises(ScanError, match=f"^media folder not found: {missing}$"):
        scan(catalog, [library, missing])
    with pytest.raises(ScanError, match="^media folder not found: "):
        scan(catalog, [library / EP1])  # a file is not a folder

    assert catalog.items() == before


def test_progress_reports_each_probe(library: Path, catalog: Catalog) -> None:
    calls: list[tuple[int, int]] = []
    stages: list[str] = []
    report = lambda done, total: calls.append((done, total))  # noqa: E731
    scan(catalog, [library], on_progress=report, on_stage=stages.append)
    # 5 files probed, then the 3 programmes (2 episodes, 1 movie; not the ad) read for breaks,
    # then the 4 playable files measured for loudness
    assert calls == [(n, 5) for n in range(6)] + [(n, 3) for n in range(4)] + [
        (n, 4) for n in range(5)
    ]
    assert stages == ["Finding breaks", "Measuring loudness"]

    calls.clear()
    stages.clear()
    scan(catalog, [library], on_progress=report, on_stage=stages.append)
    assert (calls, stages) == ([(0, 0)], [])


def test_process_pool_gives_the_same_catalog(
    tmp_path: Path, library: Path, catalog: Catalog
) -> None:
    with Catalog.open(tmp_path / "processes.db") as other:
        by_processes = scan(other, [library], workers=2, executor="process")
        assert by_processes.executor == "process"
        threaded = scan(catalog, [library], executor="thread")
        assert threaded.executor == "thread"
        strip = lambda items: [(i.path, i.kind, i.title, i.info) for i in items]  # noqa: E731
        assert strip(other.items()) == strip(catalog.items())
        assert other.skipped() == catalog.skipped()


def test_rescan_of_10000_unchanged_files_is_fast(tmp_path: Path, make_clip: ClipFactory) -> None:
    """The requirement: 10 000 unchanged files re-scan in ≤ 2 s. Seeded without probing (and
    as already looked at for break points and measured for loudness)."""
    clip = make_clip(tmp_path / "clip.mp4", duration=1.0, **SMALL)
    root = tmp_path / "big"
    info = MediaInfo(1.0, "mov,mp4,m4a,3gp,3g2,mj2", "h264", 160, 120, 25.0, "aac", 2)
    records = []
    for n in range(10_000):
        show, episode = divmod(n, 100)
        folder = root / f"Show {show:03d}" / "Season 01"
        path = folder / f"Show {show:03d} - S01E{episode + 1:03d}.mp4"
        if episode == 0:
            path.parent.mkdir(parents=True)
        os.link(clip, path)
        st = path.stat()
        name = parse_media_path(path, root)
        assert name is not None
        records.append(FileRecord(str(path), st.st_size, st.st_mtime_ns, name, info=info))
    with Catalog.open(tmp_path / "big.db") as catalog:
        catalog.apply(records)
        looked = BreakScan(detected=True)
        catalog.breaks.record((BreakJob(r.path, r.size, r.mtime_ns), looked) for r in records)
        level = Loudness(-23.0, -20.0)  # and as measured
        catalog.loudness.record((BreakJob(r.path, r.size, r.mtime_ns), level) for r in records)
        started = time.perf_counter()
        summary = scan(catalog, [root])
        took = time.perf_counter() - started
    assert (summary.unchanged, summary.probed, summary.removed) == (10_000, 0, 0)
    assert summary.breaks.looked == 0
    assert took <= 2.0, f"re-scan of 10 000 unchanged files took {took:.2f} s"
