"""The Plex stand-in is only useful if the real clients accept it: drive it with plexapi,
requests and ffprobe, and check it behaves the way docs/protocol/plex.md says PMS does."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from lxml import etree

from tests.conftest import ClipFactory, require_tool
from tests.support.plex_standin import (
    STANDIN_TOKEN,
    UNAUTHORIZED_BODY,
    BuiltLibrary,
    Episode,
    Part,
    PlexStandin,
    Season,
    Show,
    StandinDevice,
    StandinDvr,
    artwork_colour,
    build_big_library,
)

AUTH = {"X-Plex-Token": STANDIN_TOKEN}


@pytest.fixture
def plexapi_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No user config, and no implicit reloads unless a test turns them back on."""
    monkeypatch.setenv("PLEXAPI_CONFIG_PATH", str(tmp_path / "no-such-plexapi.ini"))
    monkeypatch.setenv("PLEXAPI_PLEXAPI_AUTORELOAD", "false")


@pytest.fixture
def connect(plexapi_env: None) -> Iterator[Any]:
    """``connect(standin, token=...)`` → a PlexServer whose HTTP session is closed afterwards."""
    from plexapi.server import PlexServer

    sessions: list[requests.Session] = []

    def make(standin: PlexStandin, token: str | None = None) -> PlexServer:
        session = requests.Session()
        sessions.append(session)
        return PlexServer(standin.url, token or standin.token, session=session, timeout=10)

    yield make
    for session in sessions:
        session.close()


@pytest.fixture
def plex(plex_standin: PlexStandin, connect: Any) -> Any:
    return connect(plex_standin)


def get(
    standin: PlexStandin,
    path: str,
    params: dict[str, Any] | None = None,
    *,
    headers: dict[str, str] | None = None,
) -> requests.Response:
    """A plain GET, with the token in the header unless ``headers`` says otherwise."""
    return requests.get(
        standin.url + path, headers=AUTH if headers is None else headers, params=params, timeout=10
    )


def xml(response: requests.Response) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "text/xml;charset=utf-8"
    assert response.headers["X-Plex-Protocol"] == "1.0"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return etree.fromstring(response.content)


# --- plexapi against the small library -------------------------------------------------------


def test_connect_makes_one_header_authenticated_request(
    plex_standin: PlexStandin, plex: Any
) -> None:
    assert plex.machineIdentifier == plex_standin.machine_identifier
    assert plex.friendlyName == "standin-pms"
    assert plex.version.startswith("1.41")
    assert [(r.method, r.path) for r in plex_standin.requests] == [("GET", "/")]
    assert plex_standin.requests[0].header("x-plex-token") == STANDIN_TOKEN
    assert plex_standin.requests_with_token_in_url() == []


def test_sections_and_locations(plex: Any) -> None:
    from plexapi.library import MovieSection, ShowSection

    sections = {s.title: s for s in plex.library.sections()}
    assert isinstance(sections["TV Shows"], ShowSection)
    assert isinstance(sections["Movies"], MovieSection)
    assert sections["TV Shows"].key == 2
    assert sections["TV Shows"].locations == ["/data/TV Shows"]
    assert sections["Movies"].locations == ["/data/Movies"]


def test_show_episodes_use_the_five_documented_requests(
    plex_standin: PlexStandin, plex_library: BuiltLibrary, plex: Any
) -> None:
    plex_standin.clear_log()
    episodes = plex.library.section("TV Shows").get("Cheers").episodes()

    assert [e.seasonEpisode for e in episodes] == ["s01e01", "s01e02", "s01e03", "s02e01", "s02e02"]
    first = episodes[0]
    assert (first.title, first.grandparentTitle, first.parentTitle) == (
        "Give Me a Ring Sometime",
        "Cheers",
        "Season 1",
    )
    assert first.duration == 3000
    assert first.originallyAvailableAt.strftime("%Y-%m-%d") == "1982-09-30"
    assert first.contentRating == "TV-PG"
    part = first.media[0].parts[0]
    assert part.file == "/data/TV Shows/Cheers/Season 01/Cheers - S01E01.mp4"
    assert part.key == "/library/parts/3001/1732000000/file.mp4"
    assert part.container == "mp4"
    local = Path(part.file.replace("/data", str(plex_library.root), 1))
    assert local.read_bytes() == plex_library.library.get(1001).part.local_path.read_bytes()
    assert [r.path for r in plex_standin.requests] == [
        "/library",
        "/library/sections",
        "/library/sections/2/all",
        "/library/metadata/100/allLeaves",
    ]
    all_request = plex_standin.requests[2]
    assert all_request.query == {"includeGuids": "1", "limit": "1", "title": "Cheers"}
    assert all_request.header("X-Plex-Container-Size") == "100"
    assert plex_standin.requests_without_header_token() == []


def test_seasons_honour_exclude_all_leaves(plex_standin: PlexStandin, plex: Any) -> None:
    show = plex.library.section("TV Shows").get("Cheers")
    assert (show.childCount, show.leafCount) == (2, 5)
    assert [s.index for s in show.seasons()] == [1, 2]
    assert [e.title for e in show.season(2).episodes()] == ["Power Play", "Little Sister Don't Cha"]
    assert "excludeAllLeaves" in plex_standin.requests[-2].query

    with_pseudo = xml(get(plex_standin, "/library/metadata/100/children"))
    assert with_pseudo[0].get("title") == "All episodes"
    assert with_pseudo[0].get("ratingKey") is None
    assert with_pseudo[0].get("key") == "/library/metadata/100/allLeaves"
    assert with_pseudo.get("size") == "3"
    without = xml(get(plex_standin, "/library/metadata/100/children/", {"excludeAllLeaves": 1}))
    assert [d.get("type") for d in without] == ["season", "season"]


def test_episodes_across_a_section_carry_their_ancestors(
    plex_standin: PlexStandin, plex: Any
) -> None:
    episodes = plex.library.section("TV Shows").search(libtype="episode")
    assert [f"{e.grandparentTitle} {e.seasonEpisode}" for e in episodes] == [
        "Cheers s01e01",
        "Cheers s01e02",
        "Cheers s01e03",
        "Cheers s02e01",
        "Cheers s02e02",
        "Taxi s01e01",
        "Taxi s01e02",
    ]
    assert plex_standin.requests[-1].query["type"] == "4"

    video = xml(get(plex_standin, "/library/sections/2/all", {"type": 4}))[0]
    for name in (
        "grandparentTitle",
        "grandparentRatingKey",
        "grandparentKey",
        "grandparentThumb",
        "parentIndex",
        "parentRatingKey",
        "parentTitle",
        "parentKey",
    ):
        assert video.get(name), name
    assert video.tag == "Video" and video.get("type") == "episode"
    assert [el.tag for el in video] == ["Media"]
    assert [el.tag for el in video.find("Media")] == ["Part"]
    assert video.find("Media/Part/Stream") is None  # streams only in full details


def test_full_details_include_streams(plex: Any) -> None:
    episode = plex.fetchItem(1101)
    assert (episode.grandparentTitle, episode.title) == ("Taxi", "Like Father, Like Daughter")
    assert episode.media[0].parts[0].container == "mkv"
    assert [s.codec for s in episode.videoStreams()] == ["h264"]
    assert [(s.codec, s.channels) for s in episode.audioStreams()] == [("aac", 2)]
    show = plex.fetchItem(100)
    assert show.locations == ["/data/TV Shows/Cheers"]
    assert [g.tag for g in show.genres] == ["Comedy", "Sitcom"]
    assert [g.id for g in show.guids] == ["tvdb://77623"]


def test_title_search_is_a_case_insensitive_substring(plex: Any) -> None:
    tv = plex.library.section("TV Shows")
    assert [s.title for s in tv.search(title="cHEE")] == ["Cheers"]
    assert [e.title for e in tv.searchEpisodes(title="power")] == ["Power Play"]
    assert tv.get("Taxi").ratingKey == 110


def test_raw_sort_and_season_listing(plex_standin: PlexStandin) -> None:
    shows = xml(get(plex_standin, "/library/sections/2/all", {"sort": "titleSort:desc"}))
    assert [d.get("title") for d in shows] == ["Taxi", "Cheers"]
    seasons = xml(get(plex_standin, "/library/sections/2/all", {"type": 3}))
    assert [(d.get("parentTitle"), d.get("index")) for d in seasons] == [
        ("Cheers", "1"),
        ("Cheers", "2"),
        ("Taxi", "1"),
    ]
    assert xml(get(plex_standin, "/library/sections/1/all", {"type": 4})).get("totalSize") == "0"


def test_collections_and_their_items(plex: Any) -> None:
    (sitcoms,) = plex.library.section("TV Shows").collections()
    assert (sitcoms.title, sitcoms.subtype, sitcoms.childCount, sitcoms.ratingKey) == (
        "Sitcoms",
        "show",
        2,
        300,
    )
    assert [(i.type, i.title) for i in sitcoms.items()] == [("show", "Cheers"), ("show", "Taxi")]
    (comedies,) = plex.library.section("Movies").collections()
    assert [(i.type, i.title) for i in comedies.items()] == [
        ("movie", "Airplane!"),
        ("movie", "Top Secret!"),
    ]
    assert [c.tag for c in plex.fetchItem(200).collections] == ["Comedies"]


def test_empty_attributes_are_left_out_and_text_is_escaped(
    plex_standin: PlexStandin, plex: Any
) -> None:
    raw = get(plex_standin, "/library/sections/1/all").content
    assert b'summary="A pilot &amp; a &quot;disaster&quot; &lt;comedy&gt;: surely' in raw
    movies = {m.title: m for m in plex.library.section("Movies").all()}
    assert movies["Airplane!"].summary == (
        'A pilot & a "disaster" <comedy>: surely you can\'t be serious.'
    )
    top_secret = movies["Top Secret!"]
    assert "summary" not in top_secret._data.attrib
    assert "contentRating" not in top_secret._data.attrib
    assert "art" not in top_secret._data.attrib
    assert top_secret.summary is None  # autoreload is off: no request, just None
    assert top_secret.media[0].parts[0].file == (
        "/data/Movies/Top Secret! (1984)/Top Secret! (1984).mkv"
    )


def test_missing_attribute_triggers_one_reload_when_autoreload_is_on(
    plex_standin: PlexStandin, plex: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLEXAPI_PLEXAPI_AUTORELOAD", "true")
    movies = {m.title: m for m in plex.library.section("Movies").all()}
    plex_standin.clear_log()
    assert movies["Airplane!"].summary  # present: no request
    assert plex_standin.request_count() == 0
    assert movies["Top Secret!"].summary is None  # absent: PMS-style reload of the item
    assert [r.path for r in plex_standin.requests] == ["/library/metadata/201"]


def test_artwork_is_a_real_png_and_absent_art_is_absent(
    plex_standin: PlexStandin, plex: Any
) -> None:
    cheers = plex.library.section("TV Shows").get("Cheers")
    response = requests.get(cheers.thumbUrl, timeout=10)  # tokenised URL, as plexapi builds it
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(plex_standin.requests_with_token_in_url()) == 1  # the stand-in notices the leak
    art = get(plex_standin, "/library/metadata/100/art/1732000000")
    assert art.headers["Content-Type"] == "image/png" and art.content != response.content
    assert artwork_colour(100, "thumb") != artwork_colour(110, "thumb")

    taxi = plex.library.section("TV Shows").get("Taxi")
    assert taxi.thumb is None
    assert get(plex_standin, "/library/metadata/110/thumb/1732000000").status_code == 404


# --- paging -----------------------------------------------------------------------------------


@pytest.fixture
def big_standin(make_clip: ClipFactory, tmp_path: Path) -> Iterator[PlexStandin]:
    clip = make_clip(tmp_path / "one.mp4", duration=1.0)
    with PlexStandin(build_big_library(clip, shows=25, episodes_per_show=6, movies=230)) as s:
        yield s


def test_paging_past_100_items(big_standin: PlexStandin, connect: Any) -> None:
    plex = connect(big_standin)
    big_standin.clear_log()
    movies = plex.library.section("Movies").all()
    assert len(movies) == 230
    assert movies[0].title == "Movie 00001" and movies[-1].title == "Movie 00230"
    pages = [r for r in big_standin.requests if r.path == "/library/sections/1/all"]
    assert [r.header("X-Plex-Container-Start") for r in pages] == ["0", "100", "200"]

    episodes = plex.library.section("TV Shows").searchEpisodes()
    assert len(episodes) == 150
    assert episodes[7].grandparentTitle == "Show 00002"
    assert plex.library.section("TV Shows").totalViewSize(libtype="episode") == 150

    count = xml(
        get(
            big_standin,
            "/library/sections/2/all",
            {"type": 4, "X-Plex-Container-Start": 140, "X-Plex-Container-Size": 0},
        )
    )
    assert (count.get("size"), count.get("totalSize"), count.get("offset"), len(count)) == (
        "0",
        "150",
        "140",
        0,
    )
    tail = xml(
        get(
            big_standin,
            "/library/sections/2/all",
            {"type": 4, "limit": 145, "X-Plex-Container-Start": 140, "X-Plex-Container-Size": 10},
        )
    )
    assert (tail.get("size"), tail.get("totalSize")) == ("5", "145")

    (every_tenth,) = plex.library.section("Movies").collections()
    assert len(every_tenth.items()) == 23


def test_without_total_size_plexapi_stops_at_100(big_standin: PlexStandin, connect: Any) -> None:
    big_standin.omit_total_size = True
    assert len(connect(big_standin).library.section("Movies").all()) == 100  # the documented trap


def test_strict_mode_rejects_unpaged_lists(big_standin: PlexStandin, connect: Any) -> None:
    big_standin.require_container_size = True
    assert get(big_standin, "/library/sections/1/all").status_code == 400
    assert len(connect(big_standin).library.section("Movies").all()) == 230


def test_big_library_builds_quickly(tmp_path: Path) -> None:
    started = time.perf_counter()
    library = build_big_library(tmp_path / "clip.mp4", shows=1000, episodes_per_show=10, movies=500)
    with library.lock:
        nodes = library.index().nodes
    assert time.perf_counter() - started < 1.5
    assert len(library.episodes()) == 10_000
    assert len(nodes) == 1000 + 1000 + 10_000 + 500 + 2


# --- authentication, outages, faults ---------------------------------------------------------


def test_unauthorized_like_pms(plex_standin: PlexStandin, connect: Any) -> None:
    from plexapi.exceptions import Unauthorized

    with pytest.raises(Unauthorized):
        connect(plex_standin, token="wrong-token")
    response = get(plex_standin, "/library/sections", headers={})
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "text/html"
    assert response.content == UNAUTHORIZED_BODY
    assert get(plex_standin, "/library/parts/3001/1/file.mp4", headers={}).status_code == 401
    identity = xml(get(plex_standin, "/identity", headers={}))
    assert identity.get("machineIdentifier") == plex_standin.machine_identifier
    assert get(plex_standin, "/library", AUTH, headers={}).status_code == 200  # query token
    assert [r.auth for r in plex_standin.requests_without_header_token()] == [
        "none",
        "none",
        "none",
        "query",
    ]


def test_revoked_token(plex_standin: PlexStandin, plex: Any) -> None:
    from plexapi.exceptions import Unauthorized

    tv = plex.library.section("TV Shows")
    plex_standin.token = "rotated-token"
    with pytest.raises(Unauthorized):
        tv.all()


def test_down_and_back_on_the_same_port(plex_standin: PlexStandin, plex: Any) -> None:
    url = plex_standin.url
    tv = plex.library.section("TV Shows")  # leaves a kept-alive connection in the pool
    with plex_standin.down():
        assert not plex_standin.running
        with pytest.raises(requests.ConnectionError):
            tv.all()
    assert plex_standin.url == url
    assert [s.title for s in tv.all()] == ["Cheers", "Taxi"]


def test_injected_fault(plex_standin: PlexStandin, plex: Any) -> None:
    from plexapi.exceptions import BadRequest

    tv = plex.library.section("TV Shows")
    plex_standin.add_fault("/library/sections/2/all", status=503)
    with pytest.raises(BadRequest):
        tv.all()
    assert len(tv.all()) == 2
    assert plex_standin.errors == []


def test_latency_knob(plex_standin: PlexStandin) -> None:
    plex_standin.latency = 0.2
    started = time.perf_counter()
    assert get(plex_standin, "/identity").status_code == 200
    assert time.perf_counter() - started >= 0.2


# --- parts over HTTP --------------------------------------------------------------------------


def test_part_ranges(plex_standin: PlexStandin, plex_library: BuiltLibrary) -> None:
    data = plex_library.library.get(1001).part.local_path.read_bytes()
    url = plex_standin.part_url(3001)
    assert url.endswith("/library/parts/3001/1732000000/file.mp4")

    whole = requests.get(url, headers=AUTH, timeout=10)
    assert (whole.status_code, whole.content) == (200, data)
    assert whole.headers["Content-Type"] == "video/mp4"
    assert whole.headers["Accept-Ranges"] == "bytes"

    middle = requests.get(url, headers={**AUTH, "Range": "bytes=100-199"}, timeout=10)
    assert middle.status_code == 206
    assert middle.headers["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert middle.content == data[100:200]
    rest = requests.get(url, headers={**AUTH, "Range": "bytes=0-"}, timeout=10)
    assert (rest.status_code, rest.content) == (206, data)
    suffix = requests.get(url, headers={**AUTH, "Range": "bytes=-10"}, timeout=10)
    assert (suffix.status_code, suffix.content) == (206, data[-10:])
    beyond = requests.get(url, headers={**AUTH, "Range": f"bytes={len(data)}-"}, timeout=10)
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{len(data)}"

    head = requests.head(plex_standin.part_url(3101), headers=AUTH, timeout=10)
    assert head.headers["Content-Type"] == "video/x-matroska"
    taxi_file = plex_library.library.get(1101).part.local_path
    assert int(head.headers["Content-Length"]) == taxi_file.stat().st_size
    assert get(plex_standin, "/library/parts/9999/1/file.mp4").status_code == 404


def test_ffprobe_reads_a_part_with_the_token_in_a_header(plex_standin: PlexStandin) -> None:
    ffprobe = require_tool("ffprobe")
    plex_standin.clear_log()
    done = subprocess.run(
        [
            ffprobe,
            "-v",
            "error",
            "-headers",
            f"X-Plex-Token: {STANDIN_TOKEN}\r\n",
            "-show_entries",
            "format=duration:stream=codec_name",
            "-of",
            "json",
            plex_standin.part_url(3004),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    probe = json.loads(done.stdout)
    assert sorted(s["codec_name"] for s in probe["streams"]) == ["aac", "h264"]
    assert float(probe["format"]["duration"]) == pytest.approx(3.0, abs=0.2)
    parts = [r for r in plex_standin.requests if r.path.startswith("/library/parts/3004/")]
    assert parts and all(r.status == 206 and r.auth == "header" for r in parts)
    assert plex_standin.requests_with_token_in_url() == []


def test_ffmpeg_seeks_inside_a_part(plex_standin: PlexStandin, ffmpeg: Any) -> None:
    plex_standin.clear_log()
    subprocess.run(
        [
            ffmpeg.path,
            "-v",
            "error",
            "-headers",
            f"X-Plex-Token: {STANDIN_TOKEN}\r\n",
            "-ss",
            "2",
            "-i",
            plex_standin.part_url(3101),
            "-t",
            "0.5",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    served = [(r.header("Range") or "", r.status) for r in plex_standin.requests]
    assert served[0] == ("bytes=0-", 206)
    assert any(not rng.startswith("bytes=0-") for rng, _ in served[1:])  # it did seek
    assert {status for _, status in served} == {206}


# --- the model changes under a running server -------------------------------------------------


def test_changes_show_up_in_the_next_response(
    plex_standin: PlexStandin, plex: Any, plex_library: BuiltLibrary, tmp_path: Path
) -> None:
    from plexapi.exceptions import NotFound

    library = plex_library.library
    before = plex.fetchItem(1002).updatedAt
    library.update(1002, title="Sam's Women")
    after = plex.fetchItem(1002)
    assert after.title == "Sam's Women" and after.updatedAt > before

    library.remove(1003)
    assert len(plex.fetchItem(100).episodes()) == 4
    with pytest.raises(NotFound):
        plex.fetchItem(1003)

    clip = library.get(1001).part.local_path
    wings = library.add_show(Show(rating_key=120, title="Wings", section_key=2, year=1990))
    season = library.add_season(wings, Season(rating_key=121, index=1))
    library.add_episode(
        season,
        Episode(
            rating_key=1201,
            index=1,
            title="Legacy",
            duration=3000,
            part=Part(
                id=3301, file="/data/TV Shows/Wings/Season 01/Wings - S01E01.mp4", local_path=clip
            ),
        ),
    )
    tv = plex.library.section("TV Shows")
    assert [s.title for s in tv.all()] == ["Cheers", "Taxi", "Wings"]
    assert [e.title for e in tv.get("Wings").episodes()] == ["Legacy"]
    assert [c.childCount for c in tv.collections()] == [2]

    library.remove(110)  # a deleted show leaves its collection too
    assert [i.title for i in tv.collections()[0].items()] == ["Cheers"]
    assert plex_standin.errors == []


def test_mutating_while_serving(plex_standin: PlexStandin, plex_library: BuiltLibrary) -> None:
    library = plex_library.library
    stop = threading.Event()

    def churn() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            library.update(1004, title=f"Power Play {n}")
            removed = library.remove(1005)
            library.add_episode(102, removed)
            time.sleep(0.001)  # let the server threads have the GIL now and then

    worker = threading.Thread(target=churn)
    worker.start()
    try:
        with requests.Session() as session:
            for _ in range(25):
                page = session.get(
                    plex_standin.url + "/library/sections/2/all",
                    params={"type": 4},
                    headers=AUTH,
                    timeout=10,
                )
                assert page.status_code == 200
                assert etree.fromstring(page.content).get("totalSize") in ("6", "7")
    finally:
        stop.set()
        worker.join()
    assert plex_standin.errors == []


def test_duplicate_rating_keys_are_refused(
    plex_standin: PlexStandin, plex_library: BuiltLibrary
) -> None:
    with pytest.raises(ValueError, match="duplicate ratingKey 100"):
        plex_library.library.add_show(Show(rating_key=100, title="Again", section_key=2))
    shows = xml(get(plex_standin, "/library/sections/2/all"))  # still serving the old model
    assert [d.get("title") for d in shows] == ["Cheers", "Taxi"]


# --- Live TV ----------------------------------------------------------------------------------


def test_dvrs_and_reload_guide(plex_standin: PlexStandin, plex: Any) -> None:
    from plexapi.exceptions import NotFound

    plex_standin.add_dvr(
        StandinDvr(
            key=7,
            xmltv_url="http://127.0.0.1:5004/xmltv.xml",
            devices=[
                StandinDevice(
                    uri="http://127.0.0.1:5004", device_id="1A2B3C4D", channels=("101", "102")
                )
            ],
        )
    )
    plex_standin.add_dvr(
        StandinDvr(key=8, devices=[StandinDevice(uri="http://127.0.0.1:5005", device_id="OTHER")])
    )
    root = plex.query("/livetv/dvrs")
    assert [d.get("key") for d in root.findall("Dvr")] == ["7", "8"]
    device = root.find("Dvr/Device")
    assert (device.get("uri"), device.get("deviceId"), device.get("make"), device.get("model")) == (
        "http://127.0.0.1:5004",
        "1A2B3C4D",
        "Silicondust",
        "HDHR5-4US",
    )
    assert [m.get("deviceIdentifier") for m in device.findall("ChannelMapping")] == ["101", "102"]
    assert root.find("Dvr").get("lineup") == (
        "lineup://tv.plex.providers.epg.xmltv/http://127.0.0.1:5004/xmltv.xml#Retrovue"
    )

    plex.query("/livetv/dvrs/7/reloadGuide", method=plex._session.post)
    assert plex_standin.reloaded_dvrs == [7]
    with pytest.raises(NotFound):
        plex.query("/livetv/dvrs/9/reloadGuide", method=plex._session.post)
    assert plex_standin.request_count("/livetv/dvrs") == 3
