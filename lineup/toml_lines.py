"""Line numbers for keys and tables of a TOML document.

``tomllib`` returns plain dicts with no positions, yet a config error is only useful when it
says ``retrovue.toml:12: …``. This is a deliberately tiny line scanner, not a TOML parser: it
knows just enough (headers, dotted keys, strings, comments and multi-line values) to map a
value's path such as ``("channel", 2, "filler", "items")`` back to the line that wrote it. It
runs only after ``tomllib`` has accepted the document, so it can assume the text is valid.
"""

from __future__ import annotations

import re

PathPart = str | int
_BARE_KEY = r"[A-Za-z0-9_-]+"
_KEY = rf"(?:{_BARE_KEY}|\"(?:[^\"\\]|\\.)*\"|'[^']*')"
_DOTTED_KEY = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_ARRAY_HEADER = re.compile(rf"\s*\[\[\s*({_DOTTED_KEY})\s*\]\]")
_TABLE_HEADER = re.compile(rf"\s*\[\s*({_DOTTED_KEY})\s*\]")
_KEY_LINE = re.compile(rf"\s*({_DOTTED_KEY})\s*=")
_KEY_PART = re.compile(_KEY)


def _split_key(dotted: str) -> tuple[str, ...]:
    parts = []
    for match in _KEY_PART.finditer(dotted):
        part = match.group(0)
        if part[0] in "\"'":
            part = part[1:-1]
        parts.append(part)
    return tuple(parts)


class TomlLines:
    """Where each table header and key of a (valid) TOML text sits, by resolved path.

    Array-of-tables entries are addressed by index, exactly like the parsed value:
    ``[[channel]]`` number three is ``("channel", 2)``; its ``[channel.filler]`` sub-table is
    ``("channel", 2, "filler")``; ``items = 4`` inside it is ``("channel", 2, "filler", "items")``.
    """

    def __init__(self, text: str):
        self._lines: dict[tuple[PathPart, ...], int] = {}
        self._scan(text)

    def line(self, *path: PathPart) -> int | None:
        """The line of ``path``, or of its nearest enclosing key or header that has one."""
        probe = tuple(path)
        while probe:
            found = self._lines.get(probe)
            if found is not None:
                return found
            probe = probe[:-1]
        return None

    def _record(self, path: tuple[PathPart, ...], line: int) -> None:
        self._lines.setdefault(path, line)

    def _scan(self, text: str) -> None:
        array_counts: dict[tuple[str, ...], int] = {}
        table: tuple[PathPart, ...] = ()
        depth = 0  # open [ and { of a multi-line value
        in_string: str | None = None  # the delimiter of an open multi-line string
        for number, raw in enumerate(text.splitlines(), start=1):
            if in_string is None and depth == 0:
                header = _ARRAY_HEADER.match(raw)
                if header:
                    table = self._resolve(_split_key(header.group(1)), array_counts, array=True)
                    self._record(table, number)
                    continue
                header = _TABLE_HEADER.match(raw)
                if header:
                    table = self._resolve(_split_key(header.group(1)), array_counts, array=False)
                    self._record(table, number)
                    continue
                key = _KEY_LINE.match(raw)
                if key:
                    parts = _split_key(key.group(1))
                    for end in range(1, len(parts) + 1):
                        self._record(table + parts[:end], number)
                    depth, in_string = _value_state(raw[key.end() :], 0, None)
                continue
            depth, in_string = _value_state(raw, depth, in_string)

    @staticmethod
    def _resolve(
        name: tuple[str, ...], array_counts: dict[tuple[str, ...], int], *, array: bool
    ) -> tuple[PathPart, ...]:
        if array:
            array_counts[name] = array_counts.get(name, 0) + 1
        resolved: list[PathPart] = []
        for end in range(1, len(name) + 1):
            resolved.append(name[end - 1])
            count = array_counts.get(name[:end])
            if count:
                resolved.append(count - 1)
        return tuple(resolved)


def _value_state(text: str, depth: int, in_string: str | None) -> tuple[int, str | None]:
    """Carry bracket depth and open multi-line strings across one line of a value."""
    i = 0
    while i < len(text):
        if in_string is not None:
            if in_string == '"""' and text[i] == "\\":
                i += 2
                continue
            if text.startswith(in_string, i):
                in_string = None
                i += 3
                continue
            i += 1
            continue
        char = text[i]
        if text.startswith('"""', i) or text.startswith("'''", i):
            in_string = text[i : i + 3]
            i += 3
        elif char == '"':
            i += 1
            while i < len(text) and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
        elif char == "'":
            end = text.find("'", i + 1)
            i = len(text) if end < 0 else end + 1
        elif char == "#":
            break
        elif char in "[{":
            depth += 1
            i += 1
        elif char in "]}":
            depth = max(0, depth - 1)
            i += 1
        else:
            i += 1
    return depth, in_string
