"""What the API's routes read and steer, handed to each route module in one value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hdhr_emulator.device.settings import DeviceSettings
from hdhr_emulator.events import EventBus
from hdhr_emulator.playout.engine import PlayoutEngine
from hdhr_emulator.server.api.auth import LOOPBACK_ONLY, ApiAuth
from hdhr_emulator.server.lineup_documents import LineupDocuments
from hdhr_emulator.server.live_schedule import LiveSchedule
from hdhr_emulator.server.overrides import OverrideDesk
from hdhr_emulator.server.rescan import ScanController
from lineup.library_report import LibraryReport


@dataclass(frozen=True, slots=True)
class ApiServices:
    """The server's parts as the API sees them (``engine`` and ``device`` are None only in
    guide-only apps built by tests)."""

    live: LiveSchedule
    scans: ScanController
    events: EventBus
    base_url: Callable[[], str]  # the client's view of our base URL, per request
    started_at: float  # time.time() when the server started: uptime
    engine: PlayoutEngine | None = None
    device: DeviceSettings | None = None
    auth: ApiAuth = LOOPBACK_ONLY  # who may change things (and with --api-auth all, read)
    documents: LineupDocuments | None = None  # the lineup documents and their favourites
    # the catalog's counts and skipped files (blocking; None: guide-only apps and ``play``)
    library: Callable[[], LibraryReport] | None = None
    favorites: Callable[[], frozenset[int]] = frozenset  # channels marked with lineup.post
    overrides: OverrideDesk | None = None  # emergency overrides (None: not on this server)
