"""The whole lineup opened from settings: catalog, channel numbers, schedule store, channels.

One object so the CLI and the HTTP app build channels the same way: from ``[[channel]]`` specs
when the config declares any, otherwise automatically (one channel per show, plus Movies).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from lineup.catalog import Catalog
from lineup.channels import auto_lineup, resolve_channels
from lineup.config import DEFAULT_HORIZON_HOURS, RetrovueConfig
from lineup.db_check import check_database
from lineup.errors import ConfigError, ScanError
from lineup.library_report import LibraryReport, library_report
from lineup.models import Channel
from lineup.numbering import ChannelNumbers
from lineup.plex.importer import import_plex
from lineup.rebuild import RebuildReport, rebuild_database
from lineup.scanner import ScanSummary, scan
from lineup.schedule import Schedule, ScheduleStore
from lineup.sqlite_file import Closing

log = logging.getLogger(__name__)

DB_NAME = "retrovue.db"


@dataclass(frozen=True, slots=True)
class StationSettings:
    """Where the library is and where Retrovue keeps its state."""

    data_dir: Path
    media: tuple[Path, ...] = ()
    config: RetrovueConfig | None = None
    horizon_hours: float = DEFAULT_HORIZON_HOURS
    timezone: str | None = None  # --timezone; None: the config's, else the system's

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_NAME


class Station(Closing):
    """Open with :meth:`open`; close (or use as a context manager) to release the database."""

    def __init__(
        self,
        settings: StationSettings,
        catalog: Catalog,
        numbers: ChannelNumbers,
        store: ScheduleStore,
    ):
        self.settings = settings
        self.catalog = catalog
        self.numbers = numbers
        self.store = store
        self.rebuilt: RebuildReport | None = None  # set by open(rebuild=True)
        self.last_scan: float | None = None  # time.time() when scan() last finished
        #: scans look for black-and-silent break points in new programmes (chapters are always
        #: read); the CLI's --no-detect-breaks turns it off
        self.detect_breaks = True
        #: scans measure new files' loudness (for an even level on air); --no-measure-loudness
        self.measure_loudness = True

    @classmethod
    def open(cls, settings: StationSettings, *, rebuild: bool = False) -> Station:
        """Open the station's database, checked first (a damaged one raises CatalogError saying
        how to recover); with ``rebuild`` it is first moved aside and a fresh one keeps what can be
        read of the published schedule and channel numbers (``rebuilt`` says what happened).
        """
        for folder in settings.media:
            if not folder.is_dir():
                where = settings.config.path if settings.config else None
                raise ConfigError(f"media folder not found: {folder}", where)
        report = None
        if rebuild:
            report = rebuild_database(settings.db_path)
        else:
            check_database(settings.db_path)
        catalog = Catalog.open(settings.db_path)
        numbers = ChannelNumbers.open(settings.db_path)
        store = ScheduleStore.open(settings.db_path)
        station = cls(settings, catalog, numbers, store)
        station.rebuilt = report
        return station

    def close(self) -> None:
        self.store.close()
        self.numbers.close()
        self.catalog.close()

    def scan(
        self,
        on_progress: Callable[[int, int], None] | None = None,
        *,
        strict: bool = True,
        on_source: Callable[[str], None] | None = None,
    ) -> ScanSummary:
        """Bring the catalog up to date with the media folders (only changed files are probed)
        and the configured Plex servers (only changed items are rewritten).

        ``strict``: a source that cannot be read raises ScanError (``retrovue scan``);
        otherwise it is logged, listed in ``failures`` and what it had imported stays
        (a server that is starting keeps its channels on the air). ``on_source(label)`` is
        called as each source starts, for progress displays.
        """
        if on_source is not None and self.settings.media:
            on_source("Scanning folders")
        summary = scan(
            self.catalog,
            self.settings.media,
            on_progress,
            detect_breaks=self.detect_breaks,
            on_stage=on_source,
            measure_loudness=self.measure_loudness,
        )
        config = self.settings.config
        for server in config.plex if config is not None else ():
            if on_source is not None:
                on_source(f"Importing Plex {server.url}")
            try:
                summary = summary.with_plex(import_plex(server, self.catalog, on_progress))
            except ScanError as exc:
                if strict:
                    raise
                # the caller tells the user (the CLI prints it; the server logs it)
                log.info("%s; its channels keep the items imported before", exc)
                summary = replace(summary, failures=(*summary.failures, str(exc)))
        self.last_scan = time.time()
        return summary

    def library_report(self) -> LibraryReport:
        """Counts, the last scan and the skipped files (blocking: catalog queries)."""
        return library_report(self.catalog, self.last_scan)

    def channels(self) -> list[Channel]:
        """The lineup as the settings define it, resolved against the current catalog."""
        items = self.catalog.items()
        config = self.settings.config
        if config is not None and config.channels:
            zone = self.settings.timezone or config.timezone or ""
            return resolve_channels(config.channels, items, zone)
        channels = auto_lineup(items, self.numbers)
        if config is not None:  # a config with media and [profile] but no [[channel]]
            channels = [replace(channel, profile=config.profile) for channel in channels]
        return channels

    def schedule(self, now: float | None = None, only: int | None = None) -> Schedule:
        """The schedule of the current lineup (or of channel ``only``), with the guide
        published through the horizon."""
        channels = self.channels()
        if only is not None:
            channels = [channel for channel in channels if channel.number == only]
        schedule = Schedule(self.store, channels, horizon=self.settings.horizon_hours * 3600)
        schedule.publish(time.time() if now is None else now)
        return schedule
