"""The library through the API: what the catalog holds and why files were skipped, and the
re-scan (the same one ``lineup.post?scan=start`` runs, reported as ``lineup_status.json``
reports it)."""

from __future__ import annotations

import asyncio

from pydantic import BaseModel
from quart import Blueprint
from quart_schema import document_response, validate_response

from hdhr_emulator.device.documents import ScanStatus
from hdhr_emulator.server.api.error_body import ErrorBody
from hdhr_emulator.server.api.errors import ApiError
from hdhr_emulator.server.api.services import ApiServices
from hdhr_emulator.server.api.times import iso_or_none
from lineup.library_report import LibraryCounts, LibraryReport
from lineup.models import ItemKind


class Counts(BaseModel):
    episodes: int
    movies: int
    filler: int
    shows: int
    total: int


class Skipped(BaseModel):
    path: str
    reason: str


class ScanState(BaseModel):
    running: bool
    progress: int
    found: int
    state: str  # "scanning" or "idle"


class Library(BaseModel):
    counts: Counts
    last_scan: str | None
    skipped: list[Skipped]
    scan: ScanState


def scan_state(status: ScanStatus) -> ScanState:
    """``lineup_status.json``'s state in the API's words."""
    return ScanState(
        running=status.in_progress,
        progress=status.progress,
        found=status.found,
        state="scanning" if status.in_progress else "idle",
    )


def _lineup_report(services: ApiServices) -> LibraryReport:
    """Without a catalog (guide-only apps, ``retrovue play``): what the lineup holds."""
    items = {
        item.id: item
        for channel in services.live.schedule.channels
        for item in (*channel.programmes, *channel.filler)
    }.values()
    kinds = [item.kind for item in items]
    shows = {item.show for item in items if item.kind == ItemKind.EPISODE and item.show}
    counts = LibraryCounts(
        episodes=kinds.count(ItemKind.EPISODE),
        movies=kinds.count(ItemKind.MOVIE),
        filler=kinds.count(ItemKind.FILLER),
        shows=len(shows),
    )
    return LibraryReport(counts, None, ())


def register(blueprint: Blueprint, services: ApiServices) -> None:
    @blueprint.get("/library")
    @validate_response(Library, 200)
    async def library() -> Library:
        """Items per kind, the last scan, every skipped file with its reason, the scan state."""
        if services.library is not None:
            report = await asyncio.to_thread(services.library)
        else:
            report = _lineup_report(services)
        counts = report.counts
        return Library(
            counts=Counts(
                episodes=counts.episodes,
                movies=counts.movies,
                filler=counts.filler,
                shows=counts.shows,
                total=counts.total,
            ),
            last_scan=iso_or_none(report.last_scan),
            skipped=[Skipped(path=s.path, reason=s.reason) for s in report.skipped],
            scan=scan_state(services.scans.status()),
        )

    @blueprint.get("/library/scan")
    @validate_response(ScanState, 200)
    async def scan_status() -> ScanState:
        """The re-scan's state: what ``lineup_status.json`` reports."""
        return scan_state(services.scans.status())

    @blueprint.post("/library/scan")
    @validate_response(ScanState, 202)
    @document_response(ErrorBody, 409)
    async def start_scan() -> tuple[ScanState, int]:
        """Start a library re-scan (then a guide refresh); 409 while one is running."""
        if services.scans.status().in_progress:
            raise ApiError(409, "a library scan is already running")
        services.scans.start()
        return scan_state(services.scans.status()), 202
