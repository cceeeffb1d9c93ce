""".nfo files: what is read from them, what is refused (broken XML, entity attacks), which file
describes which video, and a real scan that picks up an edited, added or removed .nfo."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from lineup.catalog import Catalog
from lineup.models import ItemKind, MediaItem
from lineup.nfo import NfoInfo, nfo_for, parse_nfo, read_nfo
from lineup.scanner import scan
from tests.conftest import ClipFactory

CHEERS_NFO = """<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>
<!-- written by tinyMediaManager -->
<tvshow>
  <title>Cheers</title>
  <year>1982</year>
  <premiered>1982-09-30</premiered>
  <mpaa>TV-PG</mpaa>
  <genre>Comedy</genre>
  <genre>Sitcom</genre>
  <genre>comedy</genre>
  <studio>NBC</studio>
  <studio>Paramount Television</studio>
</tvshow>
"""

ALIEN_NFO = """<?xml version="1.0" encoding="UTF-8"?>
<movie>
  <title>Alien</title>
  <mpaa>Rated R</mpaa>
  <premiered>1979-05-25</premiered>
  <genre>Horror / Science Fiction</genre>
  <studio>  20th Century
     Fox </studio>
</movie>
https://www.themoviedb.org/movie/348
"""


def test_a_tvshow_nfo_gives_network_genres_year_and_rating() -> None:
    assert parse_nfo(CHEERS_NFO.encode()) == NfoInfo(
        studio="NBC", genres=("Comedy", "Sitcom"), year=1982, content_rating="TV-PG"
    )


def test_a_movie_nfo_with_a_scraper_url_after_it_still_reads() -> None:
    assert parse_nfo(ALIEN_NFO.encode()) == NfoInfo(
        studio="20th Century Fox",
        genres=("Horror", "Science Fiction"),
        year=1979,  # from <premiered>, as <year> is missing
        content_rating="R",
    )


def test_an_nfo_saying_nothing_we_use_is_empty_not_an_error() -> None:
    assert parse_nfo(b"<movie><title>Heat</title><year>n/a</year></movie>") == NfoInfo()


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (b"<tvshow><title>Cheers</tvshow>", "not valid XML"),
        (b"\x00\x01binary junk", "not valid XML"),
        (b"", "not valid XML"),
        (b"<musicvideo><studio>MTV</studio></musicvideo>", "not a tvshow, movie or episode"),
    ],
)
def test_a_broken_nfo_is_one_warning_and_ignored(
    document: bytes, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="lineup.nfo"):
        assert parse_nfo(document, "/tv/Cheers/tvshow.nfo") is None
    assert len(caplog.records) == 1
    assert "/tv/Cheers/tvshow.nfo" in caplog.text and reason in caplog.text


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE tvshow [
  <!ENTITY a "lol">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
  <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
  <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
  <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
  <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
  <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
  <!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]>
<tvshow><studio>&i;</studio><genre>&i;</genre></tvshow>
"""


def test_entity_expansion_is_refused(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="lineup.nfo"):
        assert parse_nfo(BILLION_LAUGHS, "bomb.nfo") is None
    assert "DTD" in caplog.text


def test_an_external_entity_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE movie [<!ENTITY x SYSTEM "file://{secret}">]>'
        "<movie><studio>&x;</studio></movie>"
    ).encode()
    assert parse_nfo(xxe) is None
    # and without the DTD check, the parser itself would not have expanded it: a document
    # that only refers to an undeclared entity reads as an empty studio
    assert parse_nfo(b"<movie><studio>&x;</studio></movie>") is None


def test_read_nfo_refuses_a_huge_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    big = tmp_path / "tvshow.nfo"
    big.write_bytes(b"<tvshow><studio>NBC</studio>" + b" " * (2 << 20) + b"</tvshow>")
    with caplog.at_level(logging.WARNING, logger="lineup.nfo"):
        assert read_nfo(str(big)) is None
    assert "larger than" in caplog.text
    assert read_nfo(str(tmp_path / "missing.nfo")) is None


@pytest.mark.parametrize(
    ("video", "kind", "nfos", "expected"),
    [
        ("/tv/Cheers/Season 01/e1.mkv", ItemKind.EPISODE, ["/tv/Cheers/tvshow.nfo"], 0),
        ("/tv/Cheers/e1.mkv", ItemKind.EPISODE, ["/tv/Cheers/tvshow.nfo"], 0),
        (  # the nearest wins
            "/tv/Cheers/Season 01/e1.mkv",
            ItemKind.EPISODE,
            ["/tv/tvshow.nfo", "/tv/Cheers/Season 01/tvshow.nfo"],
            1,
        ),
        ("/tv/Cheers/Season 01/e1.mkv", ItemKind.EPISODE, ["/tvshow.nfo"], None),  # above root
        ("/m/Alien (1979)/Alien (1979).mkv", ItemKind.MOVIE, ["/m/Alien (1979)/movie.nfo"], 0),
        (
            "/m/Alien (1979).mkv",
            ItemKind.MOVIE,
            ["/m/movie.nfo", "/m/Alien (1979).nfo"],
            1,  # <stem>.nfo before movie.nfo
        ),
        ("/m/Alien (1979).mkv", ItemKind.MOVIE, ["/m/tvshow.nfo"], None),
        ("/m/flat/Alien (1979).mkv", ItemKind.MOVIE, ["/m/flat/movie.nfo"], None),  # shared
        ("/tv/Commercials/ad.mp4", ItemKind.FILLER, ["/tv/Commercials/movie.nfo"], None),
    ],
)
def test_which_nfo_describes_a_video(
    video: str, kind: ItemKind, nfos: list[str], expected: int | None
) -> None:
    root = "/m" if video.startswith("/m/") else "/tv"
    found = nfo_for(video, kind, root, dict.fromkeys(nfos, (1, 1)), shared={"/m/flat"})
    assert found == (None if expected is None else nfos[expected])


# -- a real scan -----------------------------------------------------------------------------

SMALL = {"width": 160, "height": 120, "duration": 1.0}


@pytest.fixture
def library(tmp_path: Path, make_clip: ClipFactory) -> Path:
    root = tmp_path / "media"
    for n in (1, 2):
        make_clip(root / f"TV/Cheers/Season 01/Cheers - S01E0{n}.mp4", **SMALL)
    make_clip(root / "TV/Taxi/Taxi 1x01.mp4", **SMALL)  # no .nfo at all
    make_clip(root / "Movies/Alien (1979)/Alien (1979).mp4", **SMALL)
    make_clip(root / "Movies/Heat (1995).mp4", **SMALL)
    make_clip(root / "Movies/Ronin (1998).mp4", **SMALL)
    (root / "Movies/movie.nfo").write_text("<movie><studio>MGM</studio></movie>")  # whose?
    make_clip(root / "Commercials/cola.mp4", **SMALL)
    (root / "TV/Cheers/tvshow.nfo").write_text(CHEERS_NFO)
    (root / "Movies/Alien (1979)/movie.nfo").write_text(ALIEN_NFO)
    (root / "Movies/Heat (1995).nfo").write_text("<movie><studio>Warner Bros.</studio>")  # broken
    return root


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    with Catalog.open(tmp_path / "retrovue.db") as opened:
        yield opened


def by_name(catalog: Catalog) -> dict[str, MediaItem]:
    return {Path(item.path).name: item for item in catalog.items()}


def test_a_scan_stores_nfo_metadata(
    library: Path, catalog: Catalog, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="lineup.nfo"):
        scan(catalog, [library])
    items = by_name(catalog)
    for name in ("Cheers - S01E01.mp4", "Cheers - S01E02.mp4"):
        episode = items[name]
        assert (episode.studio, episode.genres, episode.year, episode.content_rating) == (
            "NBC", ("Comedy", "Sitcom"), 1982, "TV-PG",
        )  # fmt: skip
    alien = items["Alien (1979).mp4"]
    assert (alien.studio, alien.genres, alien.content_rating) == (
        "20th Century Fox", ("Horror", "Science Fiction"), "R",
    )  # fmt: skip
    assert alien.year == 1979  # the name says it
    heat, taxi, cola = items["Heat (1995).mp4"], items["Taxi 1x01.mp4"], items["cola.mp4"]
    assert (heat.studio, heat.year) == (None, 1995)  # its .nfo is broken: one warning
    assert items["Ronin (1998).mp4"].studio is None  # a movie.nfo among several movies: nobody's
    assert (taxi.studio, taxi.genres, cola.studio) == (None, (), None)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "Heat (1995).nfo" in warnings[0].getMessage()

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="lineup.nfo"):
        scan(catalog, [library])  # nothing changed: the broken file is not read (or warned) again
    assert not caplog.records
    assert by_name(catalog) == items


def test_an_edited_added_or_removed_nfo_is_picked_up_without_reprobing(
    library: Path, catalog: Catalog
) -> None:
    scan(catalog, [library])
    nfo = library / "TV/Cheers/tvshow.nfo"
    before = nfo.stat()
    nfo.write_text(CHEERS_NFO.replace("<studio>NBC</studio>", "<studio>CBS</studio>"))
    os.utime(nfo, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    (library / "TV/Taxi/tvshow.nfo").write_text(
        "<tvshow><studio>ABC</studio><genre>Comedy</genre><year>1978</year></tvshow>"
    )
    (library / "Movies/Alien (1979)/movie.nfo").unlink()

    summary = scan(catalog, [library])

    assert summary.probed == 0  # the videos did not change: only their metadata
    items = by_name(catalog)
    assert {items[f"Cheers - S01E0{n}.mp4"].studio for n in (1, 2)} == {"CBS"}
    taxi = items["Taxi 1x01.mp4"]
    assert (taxi.studio, taxi.genres, taxi.year) == ("ABC", ("Comedy",), 1978)
    alien = items["Alien (1979).mp4"]
    assert (alien.studio, alien.genres, alien.content_rating, alien.year) == (
        None, (), None, 1979,
    )  # fmt: skip


def test_a_reprobed_file_keeps_its_nfo_year(
    library: Path, catalog: Catalog, make_clip: ClipFactory
) -> None:
    scan(catalog, [library])
    episode = library / "TV/Cheers/Season 01/Cheers - S01E01.mp4"
    make_clip(episode, duration=2.0, width=160, height=120)  # a new file: probed again
    assert scan(catalog, [library]).updated == 1
    assert by_name(catalog)["Cheers - S01E01.mp4"].year == 1982
