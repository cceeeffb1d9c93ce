"""Import one Plex server's shows and movies into the catalog, paging through big libraries.

Requests: one ``GET /`` to connect (plexapi), ``/library`` + ``/library/sections``, then per
section a paged list of shows, of every episode (``type=4``: one list for the whole section
rather than one request per show), or of movies, plus the collections and their members.
``PAGE_SIZE`` items per request, so 10 000 episodes cost ~10 requests, not 10 000.

Paging does not trust ``totalSize``: plexapi stops after the first page when a server leaves it
out, silently dropping everything past item 100; we read pages until one comes back short.

Re-scans fetch the same lists (that is how removals are seen) but write only items whose
version changed: Plex's ``updatedAt`` plus a digest of everything we keep, so a show's new
genre or a new collection also counts. A failure (Plex down, token revoked) raises ScanError
with one line and leaves the catalog as it was: channels keep airing what was imported.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from xml.etree.ElementTree import Element

import requests
from plexapi.exceptions import BadRequest, NotFound, Unauthorized
from plexapi.server import PlexServer

from lineup.catalog import Catalog, RemoteRecord, SkippedFile
from lineup.errors import ScanError
from lineup.plex import documents
from lineup.plex.secret import redact
from lineup.plex.settings import PlexSettings

log = logging.getLogger(__name__)

PAGE_SIZE = 1000  # items per list request; PMS serves this size in well under a second
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class PlexSummary:
    """What one import of one server changed, and what it cost."""

    server: str
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: tuple[SkippedFile, ...] = ()
    sections: tuple[str, ...] = ()
    requests: int = 0
    seconds: float = 0.0


@dataclass(slots=True)
class _Counter:
    """Counts the HTTP requests the import makes (the session's response hook)."""

    count: int = 0

    def hook(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        self.count += 1


def connect(settings: PlexSettings, session: requests.Session) -> PlexServer:
    """A plexapi connection (one ``GET /``) over ``session`` (the caller closes it); ScanError
    with one clean line when that fails."""
    session.verify = settings.verify_tls
    with plex_errors(settings):
        return PlexServer(
            settings.url, settings.token.reveal(), session=session, timeout=settings.timeout
        )


@contextlib.contextmanager
def plex_errors(settings: PlexSettings) -> Iterator[None]:
    """Turn what plexapi/requests raise into ScanError, with the token scrubbed from the text."""
    try:
        yield
    except (requests.RequestException, BadRequest, NotFound) as exc:
        raise ScanError(describe_failure(settings, exc)) from None


def describe_failure(settings: PlexSettings, exc: BaseException) -> str:
    """One line saying what went wrong talking to Plex, never containing the token."""
    url = settings.url
    # scrub before cutting to one line: a token cut in half would no longer match
    detail = _first_line(redact(str(exc), [settings.token]))
    if isinstance(exc, Unauthorized):
        text = (
            f"Plex at {url} refused the token (401 Unauthorized): check token_env / "
            "token_file in the config"
        )
    elif isinstance(exc, requests.exceptions.SSLError):
        text = (
            f"Plex at {url} has a TLS certificate that was not accepted: use its "
            "*.plex.direct address, or set verify_tls = false"
        )
    elif isinstance(exc, requests.Timeout):
        text = f"Plex at {url} did not answer within {settings.timeout:g} s"
    elif isinstance(exc, requests.ConnectionError):
        text = f"cannot reach Plex at {url} (is it running, and is the url right?)"
    elif isinstance(exc, NotFound):
        text = f"Plex at {url} answered 404 for {detail}"
    else:
        text = f"Plex at {url} failed: {detail}"
    return redact(text, [settings.token])


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "unknown error"
    return line[:200]


class PlexImport:
    """One import run against one server; see :func:`import_plex`."""

    def __init__(
        self,
        settings: PlexSettings,
        catalog: Catalog,
        on_progress: ProgressCallback | None,
        session: requests.Session,
    ):
        self.settings = settings
        self.catalog = catalog
        self.on_progress = on_progress
        self.counter = _Counter()
        self.session = session
        self.session.hooks["response"].append(self.counter.hook)
        self.server: PlexServer | None = None
        self.server_id = settings.url
        self.items_listed = 0

    def run(self) -> PlexSummary:
        started = time.perf_counter()
        self.server = connect(self.settings, self.session)
        # items are keyed by the server's identity, not its address (see documents.item_path)
        self.server_id = str(self.server.machineIdentifier or self.settings.url)
        with plex_errors(self.settings):
            chosen = self._sections()
            parsed: list[documents.ParsedItem] = []
            for section in chosen:
                parsed.extend(self._section_items(section))
        return self._apply(parsed, chosen, time.perf_counter() - started)

    def _sections(self) -> list[documents.SectionInfo]:
        assert self.server is not None
        self.server.query("/library")  # the owner check plexapi also makes (404 here is fatal)
        available = documents.sections(self.server.query("/library/sections"))
        if not self.settings.sections:
            return available
        by_name = {section.title.casefold(): section for section in available}
        chosen = []
        for name in self.settings.sections:
            section = by_name.get(name.casefold())
            if section is None:
                names = ", ".join(repr(s.title) for s in available) or "none"
                raise ScanError(
                    f"Plex at {self.settings.url} has no show or movie section "
                    f"called {name!r} (sections: {names})"
                )
            chosen.append(section)
        return chosen

    def _section_items(self, section: documents.SectionInfo) -> list[documents.ParsedItem]:
        base = f"/library/sections/{section.key}/all"
        memberships = self._memberships(section)
        shows: dict[str, documents.ShowInfo] = {}
        if section.type == "show":
            for page in self._pages(f"{base}?type={documents.TYPE_SHOW}&includeGuids=1"):
                shows.update((show.rating_key, show) for show in documents.shows(page))
            kind = documents.TYPE_EPISODE
        else:
            kind = documents.TYPE_MOVIE
        found: list[documents.ParsedItem] = []
        for page in self._pages(f"{base}?type={kind}&includeGuids=1", progress=True):
            found.extend(documents.items(page, self.server_id, section.title, shows, memberships))
        found = documents.merge_shared_parts(found)
        log.info("Plex %s: section %r: %d items", self.settings.url, section.title, len(found))
        return found

    def _memberships(self, section: documents.SectionInfo) -> dict[str, tuple[str, ...]]:
        """ratingKey → titles of the collections it is in (a show's apply to its episodes)."""
        members: dict[str, list[str]] = {}
        listing = f"/library/sections/{section.key}/all?type={documents.TYPE_COLLECTION}"
        for page in self._pages(listing):
            for key, title in documents.collections(page):
                for child in self._pages(f"/library/collections/{key}/children"):
                    for member in documents.member_keys(child):
                        members.setdefault(member, []).append(title)
        return {key: tuple(titles) for key, titles in members.items()}

    def _pages(self, path: str, progress: bool = False) -> Iterator[Element]:
        """Every page of a list, until one comes back short (``totalSize`` is not trusted)."""
        assert self.server is not None
        start = 0
        while True:
            headers = {
                "X-Plex-Container-Start": str(start),
                "X-Plex-Container-Size": str(PAGE_SIZE),
            }
            page = self.server.query(path, headers=headers)
            if page is None:  # an empty 200 body
                return
            size, total = documents.page_info(page)
            yield page
            start += size
            if progress:
                self.items_listed += size
                if self.on_progress is not None:
                    left = max(0, (total or start) - start)
                    self.on_progress(self.items_listed, self.items_listed + left)
            if size < PAGE_SIZE or (total is not None and start >= total):
                return

    def _apply(
        self,
        parsed: list[documents.ParsedItem],
        chosen: list[documents.SectionInfo],
        seconds: float,
    ) -> PlexSummary:
        self.catalog.remember_server(self.settings.url, self.server_id)
        known = self.catalog.remote_versions(self.server_id)
        seen: set[str] = set()
        changed: list[RemoteRecord] = []
        skipped: list[SkippedFile] = []
        added = updated = unchanged = 0
        for entry in parsed:
            if entry.item is None:
                skipped.append(SkippedFile(entry.label, entry.skip_reason or "unplayable"))
                continue
            path = entry.item.path
            if path in seen:
                continue
            seen.add(path)
            previous = known.get(path)
            if previous == entry.version:
                unchanged += 1
                continue
            changed.append(RemoteRecord(entry.item, entry.version))
            if previous is None:
                added += 1
            else:
                updated += 1
        removed = [path for path in known if path not in seen]
        self.catalog.apply_remote(changed, removed)
        summary = PlexSummary(
            server=self.settings.url,
            added=added,
            updated=updated,
            removed=len(removed),
            unchanged=unchanged,
            skipped=tuple(skipped),
            sections=tuple(section.title for section in chosen),
            requests=self.counter.count,
            seconds=seconds,
        )
        log.info(
            "Plex %s: %d added, %d updated, %d removed, %d unchanged, %d skipped in %d requests",
            summary.server,
            added,
            updated,
            len(removed),
            unchanged,
            len(skipped),
            summary.requests,
        )
        return summary


def import_plex(
    settings: PlexSettings,
    catalog: Catalog,
    on_progress: ProgressCallback | None = None,
    session: requests.Session | None = None,
) -> PlexSummary:
    """Bring the catalog in line with one Plex server; raises ScanError (catalog untouched)."""
    if session is not None:
        return PlexImport(settings, catalog, on_progress, session).run()
    with requests.Session() as own:
        return PlexImport(settings, catalog, on_progress, own).run()
