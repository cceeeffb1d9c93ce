"""The M3U playlist: exact text, and what naive client parsers recover from it."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from tests.xmltv.builders import BASE, NASTY, channel, sample_guide
from xmltv import channel_id, render_m3u, render_xmltv

# Jellyfin's M3uParser: attributes, case-insensitive; the name is after the last comma.
JELLYFIN_ATTR = re.compile(r'([a-z0-9\-_]+)="([^"]+)"', re.IGNORECASE)
CHECKLIST_ATTR = re.compile(r'[a-z0-9_-]+="[^"]+"')


def jellyfin_parse(playlist: str) -> list[dict[str, str]]:
    """Parse the way Jellyfin does: #EXTINF attributes, last-comma name, next line's URL."""
    entries = []
    lines = playlist.split("\n")
    for index, line in enumerate(lines):
        if line.startswith("#EXTINF:"):
            entry = {key.lower(): value for key, value in JELLYFIN_ATTR.findall(line)}
            entry["name"] = line.rsplit(",", 1)[1]
            entry["url"] = lines[index + 1]
            entries.append(entry)
    return entries


def test_exact_playlist() -> None:
    channels = [
        channel(7, "Cheers", logo="/config/logos/cheers.png", group="Sitcoms"),
        channel(12, "Movies"),
    ]
    assert render_m3u(channels, base_url=BASE + "/") == (
        '#EXTM3U url-tvg="http://192.168.1.20:5004/xmltv.xml" '
        'x-tvg-url="http://192.168.1.20:5004/xmltv.xml"\n'
        '#EXTINF:-1 tvg-id="C7.f7c205.retrovue" channel-id="C7.f7c205.retrovue" tvg-chno="7" '
        'channel-number="7" tvg-name="Cheers" tvg-logo="http://192.168.1.20:5004/logos/7.png" '
        'group-title="Sitcoms",Cheers\n'
        "http://192.168.1.20:5004/auto/v7\n"
        '#EXTINF:-1 tvg-id="C12.2e56cc.retrovue" channel-id="C12.2e56cc.retrovue" '
        'tvg-chno="12" channel-number="12" tvg-name="Movies" group-title="Retrovue",Movies\n'
        "http://192.168.1.20:5004/auto/v12\n"
    )


def test_custom_stream_url() -> None:
    playlist = render_m3u(
        [channel(7, "Cheers")],
        base_url=BASE,
        stream_url=lambda ch: f'{BASE}/stream/{ch.number}.ts?x=a b,c"d',
    )
    assert playlist.split("\n")[2] == f"{BASE}/stream/7.ts?x=a%20b%2Cc%22d"


def test_hostile_names_survive_as_one_clean_line() -> None:
    playlist = render_m3u(
        [channel(10, NASTY + ",\n\x00 Part 2", group='"Kids", Family'), channel(11, "\x00 ,")],
        base_url=BASE,
    )
    lines = playlist.split("\n")
    name = "Tom & Jerry's <Best> 'Hits' 😀 שלום \u202eevil Part 2"
    assert lines[1] == (
        '#EXTINF:-1 tvg-id="C10.7b4b55.retrovue" channel-id="C10.7b4b55.retrovue" '
        f'tvg-chno="10" channel-number="10" tvg-name="{name}" '
        f"group-title=\"'Kids' Family\",{name}"
    )
    assert lines[3].endswith('tvg-name="11" group-title="Retrovue",11')


def test_format_rules_hold_for_the_sample_lineup() -> None:
    channels, _ = sample_guide()
    playlist = render_m3u(channels, base_url=BASE)
    raw = playlist.encode("utf-8")
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert "\r" not in playlist and playlist.endswith("\n")
    lines = playlist.rstrip("\n").split("\n")
    assert lines[0] == f'#EXTM3U url-tvg="{BASE}/xmltv.xml" x-tvg-url="{BASE}/xmltv.xml"'
    assert len(lines) == 1 + 2 * len(channels)
    for extinf, url in zip(lines[1::2], lines[2::2], strict=True):
        head, name = extinf.rsplit(",", 1)
        assert head.startswith("#EXTINF:-1 ")
        attrs = head[len("#EXTINF:-1 ") :]
        assert CHECKLIST_ATTR.sub("", attrs).strip() == "", attrs  # nothing but key="value"
        assert name and "," not in name and '"' not in name
        assert url.startswith("http://") and " " not in url


def test_jellyfin_parse_recovers_name_number_id_and_matches_the_guide() -> None:
    channels, airings = sample_guide()
    entries = jellyfin_parse(render_m3u(channels, base_url=BASE))
    guide = etree.fromstring(render_xmltv(channels, lambda ch: airings[ch.number], base_url=BASE))
    guide_channels = {c.get("id"): c for c in guide.iter("channel")}

    assert [(e["name"], e["tvg-chno"], e["tvg-id"]) for e in entries] == [
        ("Cheers", "1", channel_id(1)),
        ("Tom & Jerry's <Best> 'Hits' 😀 שלום \u202eevil", "10", channel_id(10)),
        ("Movies", "7", channel_id(7)),
    ]
    for entry in entries:
        assert entry["channel-id"] == entry["tvg-id"] == entry["tvg-id"].strip()
        assert entry["channel-number"] == entry["tvg-chno"]
        xml_channel = guide_channels[entry["tvg-id"]]  # tvg-id == XMLTV id, exactly
        names = [d.text for d in xml_channel.iter("display-name")]
        numeric = [n for n in names if n.replace(".", "").isdigit()]
        assert numeric[-1] == entry["tvg-chno"]  # Jellyfin's XMLTV channel number
        icon = xml_channel.find("icon")
        assert entry.get("tvg-logo") == (icon.get("src") if icon is not None else None)
    assert [e["group-title"] for e in entries] == ["Sitcoms", "Retrovue", "Retrovue"]


def test_duplicate_numbers_are_refused() -> None:
    with pytest.raises(ValueError, match="channel number 7 appears twice"):
        render_m3u([channel(7, "A"), channel(7, "B")], base_url=BASE)


@pytest.mark.parametrize("base_url", ["", "host:5004", "rtsp://host"])
def test_base_url_must_be_absolute_http(base_url: str) -> None:
    with pytest.raises(ValueError, match="absolute http"):
        render_m3u([], base_url=base_url)


def test_empty_lineup_is_just_the_header() -> None:
    assert render_m3u([], base_url=BASE) == (
        f'#EXTM3U url-tvg="{BASE}/xmltv.xml" x-tvg-url="{BASE}/xmltv.xml"\n'
    )
