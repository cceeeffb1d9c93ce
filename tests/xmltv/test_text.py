"""Text cleaning: nothing XML 1.0 or the validator rejects, newlines only where allowed."""

from __future__ import annotations

import re
import sys

import pytest

from xmltv.text import _IRREGULAR, _strip_invalid, clean_block, clean_line

NASTY = "Tom & Jerry <3 \"quoted\" 'single' 😀 שלום עולם"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Cheers", "Cheers"),
        (NASTY, NASTY),  # markup characters, emoji and RTL are text, not problems
        ("  Two  spaces \t and\ttabs ", "Two spaces and tabs"),
        ("Line one\nLine two\r\nthree\rfour", "Line one Line two three four"),
        ("Null\x00byte\x01and\x08bell", "Nullbyteandbell"),
        ("C1\x80\x9fcontrols\x7f", "C1controls"),
        ("form\x0cfeed\x0bvt\x1cfs\x85nel", "form feed vt fs nel"),
        ("non\ufffechar\uffff and \ufffd", "nonchar and"),
        ("lone \udcff surrogate", "lone surrogate"),
        ("nbsp\u00a0and\u2028line sep", "nbsp and line sep"),
        ("\x00\x01", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_clean_line(raw: str | None, expected: str) -> None:
    assert clean_line(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("One paragraph.", "One paragraph."),
        ("First.\r\nSecond.\rThird.", "First.\nSecond.\nThird."),
        ("  A  line \n\n\n\n  Next\t\tline  \n", "A line\n\nNext line"),
        ("Bad\x00\x1b[0mbytes\x9b here", "Bad[0mbytes here"),
        ("\n\n", ""),
        (None, ""),
    ],
)
def test_clean_block_keeps_line_breaks(raw: str | None, expected: str) -> None:
    assert clean_block(raw) == expected


def test_fast_path_sees_every_kind_of_whitespace() -> None:
    # The shortcut that returns text untouched must notice every character str.split() would
    # split on, or a tab or line separator could slip into a one-line text.
    others = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace() and chr(c) != " "]
    assert others  # sanity
    missed = [hex(ord(c)) for c in others if not _IRREGULAR.match(c)]
    assert missed == []
    for char in others:
        assert clean_line(f"a{char}b") == "a b"


def _slow_clean_line(text: str) -> str:
    return " ".join(_strip_invalid(text).split())


def test_fast_path_agrees_with_the_full_cleaning_for_every_bmp_character() -> None:
    chars = [chr(c) for c in range(0x10000)] + ["😀", "\U0010ffff", "\U000e0001"]
    wrong = [
        hex(ord(c))
        for c in chars
        for text in (f"a{c}b", f"{c}")
        if clean_line(text) != _slow_clean_line(text)
    ]
    assert wrong == []


def _slow_clean_block(text: str) -> str:
    text = _strip_invalid(text).replace("\r\n", "\n").replace("\r", "\n")
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return re.sub("\n{3,}", "\n\n", "\n".join(lines)).strip()


def test_long_ascii_fast_path_agrees_with_the_full_cleaning() -> None:
    # Texts over 64 characters take a byte-level check when plain ASCII: every ASCII character,
    # anywhere in a long text, must be judged as the full cleaning judges it.
    body = "A summary long enough to take the ASCII path, as most summaries are. " * 2
    assert body.isascii() and len(body) > 64
    for code in range(0x80):
        c = chr(code)
        for text in (f"{c}{body}", f"{body[:70]}{c}{body[70:]}", f"{body}{c}", body + c * 3):
            assert clean_line(text) == _slow_clean_line(text), hex(code)
            assert clean_block(text) == _slow_clean_block(text), hex(code)
    clean = body.strip()
    assert clean_line(clean) is clean and clean_block(clean) is clean  # returned untouched
