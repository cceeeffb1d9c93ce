"""Fixtures shared by the schedule's tests."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from lineup.models import MediaItem
from lineup.schedule import ScheduleStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ScheduleStore]:
    """A schedule store over a fresh file."""
    with ScheduleStore.open(tmp_path / "retrovue.db") as opened:
        yield opened


@pytest.fixture
def decoded_keys(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every published item key any store is asked to decode from then on, in order."""
    asked: list[str] = []
    original = ScheduleStore.items

    def spy(self: ScheduleStore, keys: Iterable[str]) -> dict[str, MediaItem]:
        keys = list(keys)
        asked.extend(keys)
        return original(self, keys)

    monkeypatch.setattr(ScheduleStore, "items", spy)
    return asked
