"""Make metadata text safe for XML 1.0 and for line-based consumers.

Titles and summaries come from file names, NFO files and remote servers, so they can carry bytes
that XML 1.0 forbids (lxml refuses to serialize them), C1 controls (``tv_validate_file`` reports
them as ``badutf8``), lone surrogates from undecodable file names (not encodable as UTF-8) and
stray newlines (XMLTV allows newlines only inside ``desc``).
"""

from __future__ import annotations

import re

__all__ = ["clean_block", "clean_line"]

# Characters outside XML 1.0's Char production or flagged by tv_validate_file: C0 controls except
# tab/LF/CR, DEL and the C1 block, lone surrogates, U+FFFD (a sign of an earlier decoding accident)
# and the non-characters U+FFFE/U+FFFF.
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffd\ufffe\uffff]")

# Controls that separate words (vertical tab, form feed, information separators, NEL) become a
# space rather than vanishing, so "a\x0cb" does not turn into "ab".
_SEPARATORS = re.compile("[\x0b\x0c\x1c-\x1f\x85]")

_BLANK_RUN = re.compile("\n{3,}")

# Any character that makes a text need work: an invalid one, or whitespace other than a plain
# space (every other character for which str.isspace() is true). With none of these and no double
# or edge spaces, which is most metadata, a text is returned as it is. One character class, not an
# alternation: it is several times faster on long summaries.
_IRREGULAR = re.compile(
    "[\x00-\x1f\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
    "\ud800-\udfff\ufffd\ufffe\uffff]"
)


# The only characters of _IRREGULAR below U+0080.
_ASCII_IRREGULAR = bytes([*range(0x20), 0x7F])


def _is_clean(text: str) -> bool:
    """True when cleaning would return ``text`` unchanged (non-empty ``text``).

    Longer plain ASCII text (``isascii`` is a flag test) is clean when deleting its C0 controls
    and DEL removes nothing: a byte-level C loop about twice as fast as ``isprintable`` on a
    summary (slower on a short title, where the copy dominates). Otherwise
    ``str.isprintable()`` is a fast C scan that is false for every character in ``_IRREGULAR``
    except U+FFFD (controls, non-space whitespace, surrogates and non-characters are not
    printable), so it settles the usual case; the regex decides the rest (format characters
    such as U+200F RIGHT-TO-LEFT MARK are not printable but are fine).
    """
    if len(text) > 64 and text.isascii():
        if len(text.encode().translate(None, _ASCII_IRREGULAR)) != len(text):
            return False
    elif text.isprintable():
        if "\ufffd" in text:
            return False
    elif _IRREGULAR.search(text) is not None:
        return False
    return "  " not in text and text[0] != " " and text[-1] != " "


def _strip_invalid(text: str) -> str:
    if _INVALID.search(text) is None:
        return text
    return _INVALID.sub("", _SEPARATORS.sub(" ", text))


def clean_line(text: str | None) -> str:
    """Return ``text`` as one line: invalid characters dropped, whitespace runs (newlines
    included) collapsed to single spaces, ends trimmed. ``None`` gives ``""``."""
    if not text:
        return ""
    if _is_clean(text):
        return text
    return " ".join(_strip_invalid(text).split())


def clean_block(text: str | None) -> str:
    """Return ``text`` as paragraphs for ``desc``: like :func:`clean_line` per line, but line
    breaks survive (normalised to ``\\n``, at most one blank line in a row). ``None`` gives ``""``.
    """
    if not text:
        return ""
    if _is_clean(text):
        return text
    text = _strip_invalid(text).replace("\r\n", "\n").replace("\r", "\n")
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return _BLANK_RUN.sub("\n\n", "\n".join(lines)).strip()
