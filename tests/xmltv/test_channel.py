"""The <channel> element and the logo URL shared with the playlist."""

from __future__ import annotations

import pytest
from lxml import etree

from tests.xmltv.builders import BASE, channel
from xmltv import channel_id, logo_url
from xmltv.channel import channel_element, display_names


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Cheers", ("7 Cheers", "7", "Cheers")),
        ("  Cheers\n& Co ", ("7 Cheers & Co", "7", "Cheers & Co")),
        ("7", ("7 7", "7")),
        ("", ("7",)),
        ("\x00", ("7",)),
    ],
)
def test_display_names(name: str, expected: tuple[str, ...]) -> None:
    assert display_names(channel(7, name)) == expected


def test_channel_element_with_logo() -> None:
    element = channel_element(
        channel(7, "Cheers", logo="/config/logos/cheers.png"), channel_id(7), BASE
    )
    assert etree.tostring(element, encoding="unicode") == (
        '<channel id="C7.f7c205.retrovue"><display-name>7 Cheers</display-name>'
        "<display-name>7</display-name><display-name>Cheers</display-name>"
        '<icon src="http://192.168.1.20:5004/logos/7.png"/></channel>\n'
    )


def test_no_icon_without_base_url_or_logo() -> None:
    with_logo = channel_element(channel(7, "Cheers", logo="/l/c.png"), channel_id(7), None)
    without_logo = channel_element(channel(7, "Cheers"), channel_id(7), BASE)
    assert with_logo.find("icon") is None
    assert without_logo.find("icon") is None


@pytest.mark.parametrize(
    ("logo", "url"),
    [
        ("/config/logos/cheers.png", f"{BASE}/logos/7.png"),
        ("C:\\logos\\Cheers.JPG", f"{BASE}/logos/7.JPG"),
        ("https://cdn.example/logo.webp?size=big", f"{BASE}/logos/7.webp"),
        ("/config/logos/cheers", f"{BASE}/logos/7"),
        ("/config/logos/odd.p ng", f"{BASE}/logos/7"),
        (None, None),
        ("", None),
    ],
)
def test_logo_url(logo: str | None, url: str | None) -> None:
    assert logo_url(BASE, channel(7, "Cheers", logo=logo)) == url
