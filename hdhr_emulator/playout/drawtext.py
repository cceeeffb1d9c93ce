"""Text on the picture with ffmpeg's drawtext: a font to draw with, and text made safe for it.

The slate (and the demo's clips) burn titles in; drawtext needs a TrueType file and treats
``:``, ``\\``, ``'`` and ``%`` in its text as syntax.
"""

from __future__ import annotations

import os

_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "C:/Windows/Fonts/arial.ttf",
)


def find_font() -> str | None:
    """A TrueType font for drawtext, or None (then clips carry no text)."""
    return next((f for f in _FONT_CANDIDATES if os.path.exists(f)), None)


def escape_drawtext(text: str) -> str:
    """``text`` for a drawtext ``text='…'`` option inside a filter graph.

    Three parsers read it in turn: the graph (inside quotes everything is literal up to the
    next quote, which cannot be escaped: a quote becomes ’), the filter's option list
    (backslash escapes, ``:`` separates options) and drawtext's own expansion (backslash
    escapes, ``%`` starts an expansion). So a backslash is doubled twice, ``%`` is escaped for
    drawtext and its backslash again for the option list, and ``:`` for the option list.
    """
    return (
        text.replace("'", "\u2019")
        .replace("\\", "\\\\\\\\")
        .replace("%", "\\\\%")
        .replace(":", "\\:")
    )


def escape_filter_path(path: str) -> str:
    """``path`` as a filter option's value inside a filter graph (a ``textfile=`` or a
    ``fontfile=``): escaped for the option list (``\\``, ``'``, ``:``), then the result for the
    graph (``\\``, ``'``, ``[``, ``]``, ``,``, ``;``), so a data dir named anything still works."""
    option = "".join("\\" + c if c in "\\':" else c for c in path)
    return "".join("\\" + c if c in "\\'[],;" else c for c in option)
