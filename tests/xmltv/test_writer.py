"""The XMLTV writer: exact output, DTD validity, order, contiguity and hostile text."""

from __future__ import annotations

import dataclasses
import io
import itertools
import logging
import random
import re
from datetime import datetime

import pytest
from lxml import etree

from lineup.models import Airing, ItemKind, MediaItem
from tests.xmltv.builders import (
    BASE,
    NASTY,
    T0,
    back_to_back,
    channel,
    episode,
    filler,
    item,
    movie,
    sample_guide,
    slate,
    xmltv_dtd,
)
from xmltv import channel_id, render_xmltv, write_xmltv
from xmltv.programme import programme_fields

TIME = re.compile(r"^\d{14} \+0000$")
# Characters that must never reach the file: C0 but tab/LF/CR, DEL, C1, U+FFFD/FFFE/FFFF.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd\ufffe\uffff]")


def render_sample(base_url: str | None = BASE) -> bytes:
    channels, airings = sample_guide()
    return render_xmltv(channels, lambda ch: airings[ch.number], base_url=base_url)


def parse(document: bytes) -> etree._Element:
    return etree.fromstring(document)


def to_posix(stamp: str) -> int:
    return int(datetime.strptime(stamp, "%Y%m%d%H%M%S %z").timestamp())


def test_exact_output_of_a_small_guide() -> None:
    pilot = episode(
        "Cheers",
        1,
        1,
        "Give Me a Ring Sometime",
        year=1982,
        summary="Diane meets Sam.",
        genres=("Comedy",),
        icon="https://art.example/c/1.jpg",
    )
    airplane = movie("Airplane!", year=1980, genres=("Comedy",))
    cheers = channel(7, "Cheers", [pilot, airplane], logo="/config/logos/cheers.png")
    airings = back_to_back(7, [(pilot, 1800), (airplane, 5400), (slate("Off Air"), 600)])

    document = render_xmltv([cheers], lambda ch: airings, base_url=BASE + "/")

    assert document.decode("utf-8") == (
        "<?xml version='1.0' encoding='utf-8'?>\n"
        '<!DOCTYPE tv SYSTEM "xmltv.dtd">\n'
        '<tv generator-info-name="retrovue/0.1.0">\n'
        '<channel id="C7.f7c205.retrovue"><display-name>7 Cheers</display-name>'
        "<display-name>7</display-name><display-name>Cheers</display-name>"
        '<icon src="http://192.168.1.20:5004/logos/7.png"/></channel>\n'
        '<programme start="20240101000000 +0000" stop="20240101003000 +0000" '
        'channel="C7.f7c205.retrovue"><title lang="en">Cheers</title>'
        '<sub-title lang="en">Give Me a Ring Sometime</sub-title>'
        '<desc lang="en">Diane meets Sam.</desc><date>1982</date>'
        '<category lang="en">Series</category><category lang="en">Comedy</category>'
        '<icon src="https://art.example/c/1.jpg"/>'
        '<episode-num system="xmltv_ns">0.0.0/1</episode-num>'
        '<episode-num system="onscreen">S01E01</episode-num><previously-shown/></programme>\n'
        '<programme start="20240101003000 +0000" stop="20240101020000 +0000" '
        'channel="C7.f7c205.retrovue"><title lang="en">Airplane!</title><date>1980</date>'
        '<category lang="en">Movie</category><category lang="en">Comedy</category>'
        "<previously-shown/></programme>\n"
        '<programme start="20240101020000 +0000" stop="20240101021000 +0000" '
        'channel="C7.f7c205.retrovue"><title lang="en">Off Air</title></programme>\n'
        "</tv>"
    )


@pytest.mark.parametrize("base_url", [BASE, None], ids=["with-base-url", "without-base-url"])
def test_sample_guide_is_valid_against_the_dtd(base_url: str | None) -> None:
    dtd = xmltv_dtd()
    root = parse(render_sample(base_url))
    assert dtd.validate(root), dtd.error_log.filter_from_errors()


def test_doctype_and_encoding() -> None:
    tree = etree.ElementTree(parse(render_sample()))
    document = render_sample()
    assert document.startswith(
        b"<?xml version='1.0' encoding='utf-8'?>\n<!DOCTYPE tv SYSTEM \"xmltv.dtd\">\n"
    )
    assert not document.startswith(b"\xef\xbb\xbf")
    assert etree.fromstring(document).getroottree().docinfo.doctype == (
        '<!DOCTYPE tv SYSTEM "xmltv.dtd">'
    )
    assert tree.getroot().tag == "tv"


def test_every_channel_precedes_every_programme() -> None:
    tags = [child.tag for child in parse(render_sample())]
    assert tags == ["channel"] * 3 + ["programme"] * (7 + 4 + 3)


def test_channels_keep_lineup_order_and_ids() -> None:
    root = parse(render_sample())
    assert [c.get("id") for c in root.iter("channel")] == [
        channel_id(1),
        channel_id(10),
        channel_id(7),
    ]
    nasty = root.findall("channel")[1]
    assert [d.text for d in nasty.iter("display-name")] == [f"10 {NASTY}", "10", NASTY]
    assert nasty.find("icon").get("src") == f"{BASE}/logos/10.JPG"


def test_programmes_are_contiguous_and_match_the_airings() -> None:
    channels, airings = sample_guide()
    root = parse(render_sample())
    for ch in channels:
        cid = channel_id(ch.number)
        programmes = [p for p in root.iter("programme") if p.get("channel") == cid]
        spans = [(to_posix(p.get("start")), to_posix(p.get("stop"))) for p in programmes]
        assert spans == [(a.start, a.stop) for a in airings[ch.number]]
        for p in programmes:
            assert TIME.match(p.get("start")) and TIME.match(p.get("stop"))
        for (start, stop), (next_start, _) in itertools.pairwise(spans):
            assert start < stop == next_start


def test_each_programme_says_what_its_item_says() -> None:
    """The reused elements must never carry text over from the previous programme."""
    channels, airings = sample_guide()
    root = parse(render_sample())
    expected = [expected_children(a.programme) for ch in channels for a in airings[ch.number]]
    assert [children(p) for p in root.iter("programme")] == expected


def test_hostile_text_is_escaped_cleaned_and_round_trips() -> None:
    document = render_sample()
    text = document.decode("utf-8")
    assert not FORBIDDEN.search(text)
    assert 'lang=""' not in text and 'src=""' not in text
    root = parse(document)
    nasty = [p for p in root.iter("programme") if p.get("channel") == channel_id(10)][0]
    assert nasty.findtext("title") == NASTY
    assert nasty.findtext("sub-title") == "Title with bell & <tags>"
    assert nasty.findtext("desc") == 'Desc with\nlines & "quotes" 😀'
    assert [c.text for c in nasty.iter("category")] == ["Series", "Comédie"]
    assert nasty.find("icon").get("src") == "http://art.example/a%20b&c.jpg"
    assert 'Tom &amp; Jerry\'s &lt;Best&gt; "Hits" 😀 שלום \u202eevil' in text


def test_no_empty_texts_and_newlines_only_in_desc() -> None:
    root = parse(render_sample())
    for element in root.iter():
        if element.tag in ("tv", "channel", "programme", "icon", "previously-shown"):
            continue
        assert element.text and element.text.strip(), element.tag
        if element.tag != "desc":
            assert "\n" not in element.text and "\r" not in element.text, element.text
        for value in element.attrib.values():
            assert value


def test_every_channel_has_programmes_and_every_programme_a_channel() -> None:
    root = parse(render_sample())
    ids = {c.get("id") for c in root.iter("channel")}
    used = {p.get("channel") for p in root.iter("programme")}
    assert ids == used


def test_without_base_url_there_are_no_channel_icons() -> None:
    root = parse(render_sample(None))
    assert root.find("channel/icon") is None
    assert root.find("programme/icon") is not None  # programme art is absolute already


def test_write_to_stream_and_path_equal_render(tmp_path) -> None:  # type: ignore[no-untyped-def]
    channels, airings = sample_guide()
    buffer = io.BytesIO()
    write_xmltv(buffer, channels, lambda ch: airings[ch.number], base_url=BASE)
    path = tmp_path / "xmltv.xml"
    write_xmltv(path, channels, lambda ch: airings[ch.number], base_url=BASE)
    assert buffer.getvalue() == path.read_bytes() == render_sample()


def test_generator_name_is_cleaned_and_optional() -> None:
    ch = channel(1, "One")
    airings = back_to_back(1, [(slate(), 60)])
    named = parse(render_xmltv([ch], lambda _: airings, generator="my\ntool/1.0"))
    anonymous = parse(render_xmltv([ch], lambda _: airings, generator=" "))
    assert named.attrib == {"generator-info-name": "my tool/1.0"}
    assert anonymous.attrib == {}


def test_empty_lineup_is_a_well_formed_empty_guide() -> None:
    assert render_xmltv([], lambda ch: []).endswith(
        b'<tv generator-info-name="retrovue/0.1.0">\n</tv>'
    )


def test_zero_length_airings_are_skipped_and_reported(caplog: pytest.LogCaptureFixture) -> None:
    show = movie("Show")
    airings = [
        Airing(1, show, T0, T0 + 600, ()),
        Airing(1, show, T0 + 600, T0 + 600, ()),  # zero-length
        Airing(1, show, T0 + 600, T0 + 500, ()),  # backwards
        Airing(1, show, T0 + 600, T0 + 1200, ()),
    ]
    with caplog.at_level(logging.WARNING, logger="xmltv.writer"):
        root = parse(render_xmltv([channel(1, "One")], lambda _: airings))
    assert [(p.get("start"), p.get("stop")) for p in root.iter("programme")] == [
        ("20240101000000 +0000", "20240101001000 +0000"),
        ("20240101001000 +0000", "20240101002000 +0000"),
    ]
    assert caplog.messages == [
        "channel C1.9bdcf8.retrovue: skipped 2 airings that end before they start or last no time"
    ]


def test_gaps_and_overlaps_are_written_as_given_and_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    show = movie("Show")
    airings = [
        Airing(1, show, T0, T0 + 600, ()),
        Airing(1, show, T0 + 900, T0 + 1200, ()),
        Airing(1, show, T0 + 1100, T0 + 1800, ()),
    ]
    with caplog.at_level(logging.WARNING, logger="xmltv.writer"):
        root = parse(render_xmltv([channel(1, "One")], lambda _: airings))
    assert len(root.findall("programme")) == 3
    assert caplog.messages == ["channel C1.9bdcf8.retrovue: 2 gaps or overlaps between airings"]


def test_channel_without_airings_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="xmltv.writer"):
        render_xmltv([channel(3, "Empty")], lambda ch: [])
    assert caplog.messages == ["channel 3 (C3.528fde.retrovue) has no airings in the guide"]


def test_duplicate_channel_numbers_are_refused() -> None:
    with pytest.raises(ValueError, match="channel number 7 appears twice"):
        render_xmltv([channel(7, "A"), channel(7, "B")], lambda ch: [])


@pytest.mark.parametrize("base_url", ["", "192.168.1.20:5004", "ftp://host", "/relative"])
def test_base_url_must_be_absolute_http(base_url: str) -> None:
    with pytest.raises(ValueError, match="absolute http"):
        render_xmltv([channel(7, "A")], lambda ch: [], base_url=base_url)


def test_equal_items_that_are_different_objects_render_the_same() -> None:
    first = episode("Cheers", 1, 1, "Pilot", summary="S.")
    twin = dataclasses.replace(first)
    assert twin == first and twin is not first
    airings = back_to_back(1, [(first, 1800), (twin, 1800), (first, 1800)])
    root = parse(render_xmltv([channel(1, "One")], lambda _: airings))
    assert len({etree.tostring(p).split(b">", 1)[1] for p in root.iter("programme")}) == 1


def test_random_mix_of_shapes_never_leaks_text_between_programmes() -> None:
    """Property-style: random optional fields, random order; every programme exact, DTD-valid."""
    rng = random.Random(20240101)
    dtd = xmltv_dtd()
    items = [random_item(rng, n) for n in range(60)]
    channels = [channel(n, f"Channel {n}") for n in range(1, 6)]
    schedule = {
        ch.number: back_to_back(
            ch.number, [(rng.choice(items), rng.choice((60, 1800, 3600))) for _ in range(40)]
        )
        for ch in channels
    }
    root = parse(render_xmltv(channels, lambda ch: schedule[ch.number], base_url=BASE))
    assert dtd.validate(root), dtd.error_log.filter_from_errors()
    expected = [expected_children(a.programme) for ch in channels for a in schedule[ch.number]]
    assert [children(p) for p in root.iter("programme")] == expected


# -- helpers -----------------------------------------------------------------------------------


def children(programme: etree._Element) -> list[tuple[str, dict[str, str], str | None]]:
    return [(c.tag, dict(c.attrib), c.text) for c in programme]


def expected_children(media: MediaItem) -> list[tuple[str, dict[str, str], str | None]]:
    """What a programme for ``media`` must contain, spelled out in DTD order."""
    f = programme_fields(media, BASE)
    en = {"lang": "en"}
    result: list[tuple[str, dict[str, str], str | None]] = [("title", en, f.title)]
    if f.sub_title:
        result.append(("sub-title", en, f.sub_title))
    if f.desc:
        result.append(("desc", en, f.desc))
    if f.date:
        result.append(("date", {}, f.date))
    result += [("category", en, c) for c in f.categories]
    if f.icon:
        result.append(("icon", {"src": f.icon}, None))
    if f.xmltv_ns:
        result.append(("episode-num", {"system": "xmltv_ns"}, f.xmltv_ns))
    if f.onscreen:
        result.append(("episode-num", {"system": "onscreen"}, f.onscreen))
    if f.previously_shown:
        result.append(("previously-shown", {}, None))
    if f.rating:
        system, _value = f.rating
        result.append(("rating", {"system": system} if system else {}, None))
    return result


def random_item(rng: random.Random, n: int) -> MediaItem:
    def maybe(value: object) -> object:
        return value if rng.random() < 0.6 else None

    kind = rng.choice(list(ItemKind))
    maker = {
        ItemKind.EPISODE: None,
        ItemKind.MOVIE: movie,
        ItemKind.FILLER: filler,
        ItemKind.SLATE: None,
        ItemKind.OVERRIDE: None,
        ItemKind.CARD: None,
    }[kind]
    fields = {
        "year": maybe(rng.randint(1950, 2020)),
        "summary": maybe(rng.choice(["Plain.", "Two\nlines", " ", "A & B <c>", "x" * 300])),
        "genres": tuple(rng.sample(["Comedy", "Drama", "Kids", "News"], rng.randint(0, 3))),
        "icon": maybe(
            rng.choice([f"http://art.example/{n}.jpg", f"/local/{n}.jpg", f"/artwork/{n}"])
        ),
        "content_rating": maybe(rng.choice(["TV-PG", "pg-13", "gb/15", " "])),
    }
    if kind == ItemKind.EPISODE:
        title = f"Episode {n}" if rng.random() < 0.6 else ""
        season, number = maybe(rng.randint(0, 3)), maybe(rng.randint(1, 12))
        return episode(
            rng.choice(["Cheers", "Taxi", ""]),
            season,
            number,  # type: ignore[arg-type]
            title,
            episode_end=maybe(rng.randint(1, 13)),
            **fields,
        )
    if kind in (ItemKind.SLATE, ItemKind.OVERRIDE, ItemKind.CARD):
        return item(kind, f"{kind.value.title()} {n}", **fields)
    assert maker is not None
    return maker(f"Item {n}", **fields)
