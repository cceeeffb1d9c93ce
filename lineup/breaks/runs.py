"""Time runs: stretches of a file (seconds from its start) where something holds throughout."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Run:
    """``[start, stop)`` in seconds from the file's start."""

    start: float
    stop: float

    @property
    def length(self) -> float:
        return self.stop - self.start

    @property
    def middle(self) -> float:
        return (self.start + self.stop) / 2

    def overlap(self, other: Run) -> Run | None:
        """The part of both, or None when they do not meet."""
        start, stop = max(self.start, other.start), min(self.stop, other.stop)
        return Run(start, stop) if stop > start else None


def join_runs(stretches: Iterable[tuple[float, float, bool]]) -> Iterator[Run]:
    """Runs of consecutive ``(start, stop, holds)`` stretches where ``holds`` is true.

    Stretches come in time order, each starting where the one before stopped.
    """
    current: Run | None = None
    for start, stop, holds in stretches:
        if not holds:
            if current is not None:
                yield current
            current = None
        elif current is None:
            current = Run(start, stop)
        else:
            current = Run(current.start, max(current.stop, stop))
    if current is not None:
        yield current
