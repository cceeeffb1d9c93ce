"""URL helpers: what counts as fetchable, base URL checks, escaping."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from xmltv.urls import _URL_SAFE, is_web_url, normalise_base_url, quote_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://h", True),
        ("https://h:5004/x", True),
        ("HTTP://H/", True),
        ("http://", False),
        ("http:///path", False),
        ("http:// h", False),
        ("ftp://h/x", False),
        ("//h/x", False),
        ("/config/x.png", False),
        ("", False),
        (None, False),
    ],
)
def test_is_web_url(url: str | None, expected: bool) -> None:
    assert is_web_url(url) is expected


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("http://h:5004", "http://h:5004"),
        ("http://h:5004///", "http://h:5004"),
        (" https://h/sub/ ", "https://h/sub"),
    ],
)
def test_normalise_base_url(base: str, expected: str) -> None:
    assert normalise_base_url(base) == expected


def test_quote_url_fast_path_agrees_with_quote_for_every_character() -> None:
    for char in [chr(c) for c in range(0x80)] + ["é", "😀", "\u202e"]:
        url = f"http://h/{char}"
        assert quote_url(url) == quote(url, safe=_URL_SAFE), repr(char)


def test_quote_url_keeps_existing_escapes() -> None:
    assert quote_url("http://h/a%20b c") == "http://h/a%20b%20c"
