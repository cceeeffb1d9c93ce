"""What one file's look for break points found (a value the catalog stores, free of PyAV)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BreakScan:
    """``points`` are seconds into the file, ascending; ``chapters`` says they are chapter
    marks; ``detected`` says black and silence were looked for (False when detection was off
    or the file has chapters), so a later scan with detection on knows what is left to do."""

    points: tuple[float, ...] = ()
    chapters: bool = False
    detected: bool = False
