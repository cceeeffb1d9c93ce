"""Turn a media file's path into what it is (episode, movie, filler) using Plex/Jellyfin naming.

Pure: no file-system access, so every rule is a table-driven unit test and the scanner can parse
ten thousand paths in milliseconds. The rules, in the order they are tried:

1. Anything that is not a video file, or sits under a hidden (``.``) folder, is not media.
2. A file under a folder named ``Commercials``, ``Bumpers``, ``IDs``, ``Station IDs`` or
   ``Filler`` (any depth, any case) is FILLER, titled after its prettified file stem; its role
   in a break (:func:`filler_kind_of`) is the deepest such folder's.
3. A file whose name carries an episode code (``S01E02``, ``1x02``, ``S01E01-E02``) is an
   EPISODE. Its show is the folder above ``Season NN`` / ``Specials``, else the folder holding
   the file, else (for a file loose in the root) the part of the name before the code.
4. A numbered file inside a season folder (``Season 02/05 - Title.mkv``) is that episode.
5. ``<Title> (<Year>).<ext>`` or any file inside ``<Title> (<Year>)/`` is a MOVIE.
6. Anything else is not recognised and returns ``None``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

from lineup.models import FillerKind, ItemKind

VIDEO_EXTENSIONS = frozenset(
    {
        ".mp4", ".m4v", ".mkv", ".avi", ".mov", ".ts", ".m2ts",
        ".mpg", ".mpeg", ".wmv", ".webm", ".flv", ".ogv",
    }
)  # fmt: skip
#: filler folders (lower case) and the role in a break of the files under them
FILLER_ROLES = {
    "commercials": FillerKind.COMMERCIAL,
    "bumpers": FillerKind.BUMPER,
    "ids": FillerKind.STATION_ID,
    "station ids": FillerKind.STATION_ID,
    "filler": FillerKind.FILLER,
}
FILLER_FOLDERS = frozenset(FILLER_ROLES)

# S01E02, s1e2, S01.E02, S01 E02 and the multi-episode tails -E03, E03, -03.
_SXXEYY = re.compile(
    r"(?<![a-z0-9])s(?P<season>\d{1,4})[ ._-]?e(?P<episode>\d{1,4})"
    r"(?P<more>(?:[ ._]?-?[ ._]?e\d{1,4}|-\d{1,4}(?![0-9p]))*)(?![0-9])",
    re.IGNORECASE,
)
# 1x02 and 1x02-03 / 1x02-1x03; the bounds keep 1920x1080 from matching.
_NXNN = re.compile(
    r"(?<![a-z0-9])(?P<season>\d{1,2})x(?P<episode>\d{2,3})"
    r"(?P<more>(?:-(?:\d{1,2}x)?\d{2,3})*)(?![0-9a-z])",
    re.IGNORECASE,
)
_MORE_NUMBERS = re.compile(r"\d+")
_SEASON_FOLDER = re.compile(r"^(?:season|series)[ ._-]*(?P<season>\d{1,4})$", re.IGNORECASE)
_SPECIALS_FOLDER = re.compile(r"^specials?$", re.IGNORECASE)
_NXNN_TAIL = re.compile(r"(?:^|-)(?:\d{1,2}x)?(\d{2,3})", re.IGNORECASE)
_LEADING_NUMBER = re.compile(
    r"^(?:e|ep|episode)?[ ._]?(?P<episode>\d{1,3})(?![0-9])", re.IGNORECASE
)
_TITLE_YEAR = re.compile(r"^(?P<title>.*?)[ ._]*[(\[](?P<year>(?:18|19|20)\d{2})[)\]]")
_ID_TAGS = re.compile(r"\s*(?:\{[^}]*\}|\[(?:tvdb|tmdb|imdb)[^\]]*\])", re.IGNORECASE)
_EDGE_SEPARATORS = " -._–—:"
# Release tags end an episode title: "S01E02.Pilot.720p.WEB-DL" is titled "Pilot".
_RELEASE_TAGS = re.compile(
    r"(?<![a-z0-9])(?:\d{3,4}[pi]|[xh]\.?26[45]|hevc|hdtv|web-?dl|web-?rip|blu-?ray|dvd-?rip|"
    r"proper|repack)(?![a-z0-9]).*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ParsedName:
    """What a path says about its file; ``show``/``season``/``episode`` only for episodes."""

    kind: ItemKind
    title: str
    show: str | None = None
    season: int | None = None
    episode: int | None = None
    episode_end: int | None = None  # last episode of a multi-episode file, else None
    year: int | None = None


@dataclass(frozen=True, slots=True)
class _EpisodeCode:
    season: int
    episode: int
    episode_end: int | None
    before: str  # the file stem before the code ("Cheers - ")
    after: str  # and after it (" - Give Me a Ring Sometime")


def is_video_file(name: str) -> bool:
    """Whether ``name`` has one of the video extensions the library considers."""
    return PurePath(name).suffix.lower() in VIDEO_EXTENSIONS


def is_hidden(name: str) -> bool:
    """Dot-files and dot-folders (``.partial-x.mp4``, ``.grab/``) are never media."""
    return name.startswith(".")


def parse_media_path(path: PurePath, root: PurePath) -> ParsedName | None:
    """Classify ``path`` (a file somewhere under ``root``), or return None if no rule applies."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        parts = path.parts[-1:]  # not under root: judge the file on its name alone
    if not parts or not is_video_file(parts[-1]) or any(is_hidden(part) for part in parts):
        return None
    folders = (root.name, *parts[:-1]) if root.name else parts[:-1]
    stem = PurePath(parts[-1]).stem

    if any(folder.lower() in FILLER_FOLDERS for folder in folders):
        return ParsedName(kind=ItemKind.FILLER, title=prettify(stem) or stem)
    return _parse_episode(stem, folders, len(parts) - 1) or _parse_movie(stem, parts[:-1])


def filler_kind_of(path: str | PurePath) -> FillerKind | None:
    """The role of a filler file from its folders: the deepest ``Commercials/``, ``Bumpers/``,
    ``IDs/`` or ``Station IDs/``, ``Filler/`` (any case) wins, so ``Filler/Bumpers/x.mp4`` is a
    bumper. None when no folder names a role (a file picked by a channel's filler folders).

    Derived from the path rather than stored: the catalog's paths already hold the answer.
    """
    for folder in reversed(PurePath(path).parts[:-1]):
        role = FILLER_ROLES.get(folder.lower())
        if role is not None:
            return role
    return None


def prettify(text: str) -> str:
    """``coke_ad.1985`` → ``Coke Ad 1985``: separators to spaces, edges trimmed, all-lower titled.

    Dots only count as separators when the name has no spaces, so ``Mr. Smith`` keeps its dot.
    """
    text = _ID_TAGS.sub("", text).replace("_", " ")
    if " " not in text:
        text = text.replace(".", " ")
    text = " ".join(text.split()).strip(_EDGE_SEPARATORS)
    if text and text == text.lower():
        text = " ".join(word[:1].upper() + word[1:] for word in text.split(" "))
    return text


def split_year(name: str) -> tuple[str, int | None]:
    """``Cheers (1982) {tvdb-77623}`` → ``("Cheers", 1982)``; names without a year pass through.

    Whatever follows the year (``- Director's Cut``, ``[1080p]``) is dropped with it.
    """
    name = _ID_TAGS.sub("", name).strip()
    match = _TITLE_YEAR.match(name)
    if match is None:
        return name, None
    return match.group("title").strip(_EDGE_SEPARATORS) or name, int(match.group("year"))


def _find_code(stem: str) -> _EpisodeCode | None:
    for pattern in (_SXXEYY, _NXNN):
        match = pattern.search(stem)
        if match is None:
            continue
        episode = int(match.group("episode"))
        # In 1x02-1x03 the tail repeats the season, which is not an episode number.
        numbers = (_NXNN_TAIL if pattern is _NXNN else _MORE_NUMBERS).findall(match.group("more"))
        tail = [int(n) for n in numbers]
        last = max(tail, default=episode)
        return _EpisodeCode(
            season=int(match.group("season")),
            episode=episode,
            episode_end=last if last > episode else None,
            before=stem[: match.start()],
            after=stem[match.end() :],
        )
    return None


def _season_of(folder: str) -> int | None:
    if _SPECIALS_FOLDER.match(folder.strip()):
        return 0
    match = _SEASON_FOLDER.match(folder.strip())
    return int(match.group("season")) if match else None


def _parse_episode(stem: str, folders: tuple[str, ...], depth: int) -> ParsedName | None:
    """Rules 3 and 4. ``depth`` is how many of ``folders`` lie below the root (the rest is it)."""
    code = _find_code(stem)
    parent = folders[-1] if folders else None
    folder_season = _season_of(parent) if parent is not None else None
    show_folder: str | None = None
    if folder_season is not None:
        show_folder = folders[-2] if len(folders) >= 2 else None
    elif depth >= 1:  # episodes straight inside <Show>/, no season folder
        show_folder = parent

    if code is None:
        if folder_season is None or show_folder is None:
            return None
        number = _LEADING_NUMBER.match(stem)
        if number is None:
            return None
        after = stem[number.end() :]
        code = _EpisodeCode(folder_season, int(number.group("episode")), None, "", after)

    if show_folder is not None:
        show, year = split_year(show_folder)
    else:
        show, year = split_year(prettify(code.before))
    if not show:
        return None
    title = prettify(_RELEASE_TAGS.sub("", code.after)) or f"Episode {code.episode}"
    return ParsedName(
        kind=ItemKind.EPISODE,
        title=title,
        show=show,
        season=code.season,
        episode=code.episode,
        episode_end=code.episode_end,
        year=year,
    )


def _parse_movie(stem: str, folders: tuple[str, ...]) -> ParsedName | None:
    """Rule 5: the year in the file name wins, else the year of the folder holding the file."""
    title, year = split_year(stem)
    if year is None and folders:
        title, year = split_year(folders[-1])
    if year is None:
        return None
    return ParsedName(kind=ItemKind.MOVIE, title=prettify(title) or title, year=year)
