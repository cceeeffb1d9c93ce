"""A video's colour: probed at scan from the stream's tags, kept by the catalog, and inferred
from the picture size where the file does not say (SD: BT.601, HD: BT.709, limited range)."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from lineup.catalog import Catalog, FileRecord
from lineup.colour import Colour, decode, encode, source_colour
from lineup.models import ItemKind, MediaInfo
from lineup.naming import ParsedName
from lineup.probe import probe

UNTAGGED = MediaInfo(2.0, "matroska", "h264", 1920, 1080, 25.0)


def _clip(path: Path, size: str, pix_fmt: str, *tags: str) -> Path:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=s={size}:d=0.5",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", pix_fmt, *tags, str(path)],
        check=True, timeout=60,
    )  # fmt: skip
    return path


def test_the_probe_reads_the_streams_colour_tags(tmp_path: Path) -> None:
    pq = ("-color_trc", "smpte2084", "-color_primaries", "bt2020", "-colorspace", "bt2020nc")
    hdr = _clip(tmp_path / "hdr.mkv", "320x180", "yuv420p10le", *pq, "-color_range", "tv")
    info = probe(hdr)
    assert (info.colour_matrix, info.colour_range, info.colour_primaries, info.colour_transfer) == (
        "bt2020nc", "tv", "bt2020", "smpte2084",
    )  # fmt: skip
    assert source_colour(info).is_hdr


def test_a_yuvj_picture_is_full_range_and_untagged_fields_stay_unknown(tmp_path: Path) -> None:
    info = probe(_clip(tmp_path / "phone.mp4", "320x240", "yuvj420p"))
    assert info.colour_range == "pc"
    assert info.colour_matrix is None and info.colour_transfer is None


@pytest.mark.parametrize(
    ("height", "want"),
    [
        (480, Colour("smpte170m", "tv", "smpte170m", "smpte170m")),
        (576, Colour("smpte170m", "tv", "smpte170m", "smpte170m")),
        (720, Colour("bt709", "tv", "bt709", "bt709")),
        (1080, Colour("bt709", "tv", "bt709", "bt709")),
    ],
)
def test_unknown_colour_is_inferred_from_the_picture_height(height: int, want: Colour) -> None:
    assert source_colour(replace(UNTAGGED, height=height)) == want


def test_a_bt2020_matrix_alone_implies_bt2020_primaries() -> None:
    got = source_colour(replace(UNTAGGED, colour_matrix="bt2020nc"))
    assert (got.primaries, got.transfer) == ("bt2020", "bt709")


def test_the_catalog_column_round_trips_and_tolerates_junk() -> None:
    assert decode(encode("bt709", None, "bt709", "smpte2084")) == (
        "bt709",
        None,
        "bt709",
        "smpte2084",
    )
    assert encode(None, None, None, None) is None
    assert decode(None) == decode("junk") == (None, None, None, None)


def test_the_catalog_keeps_the_colour(tmp_path: Path) -> None:
    info = replace(UNTAGGED, colour_matrix="smpte170m", colour_range="pc")
    name = ParsedName(ItemKind.MOVIE, "Home Video", None, None, None)
    with Catalog.open(tmp_path / "retrovue.db") as catalog:
        catalog.apply([FileRecord("/m/home.mp4", 1, 1, name, info=info)])
        (item,) = catalog.items()
    assert item.info == info
