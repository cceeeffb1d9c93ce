"""A file's chapter marks as break points: where a disc or broadcast rip says its acts begin."""

from __future__ import annotations

from fractions import Fraction

import av.container


def chapter_starts(container: av.container.InputContainer, duration: float) -> tuple[float, ...]:
    """The start of every chapter after the first, in seconds, ascending, inside the programme.

    The first chapter starts the programme, so it is not a break; a mark at or beyond the end
    (some muxers write a closing chapter there) is not one either.
    """
    marks = sorted(
        float(start * time_base)
        for chapter in container.chapters()
        if isinstance(start := chapter.get("start"), int)
        and isinstance(time_base := chapter.get("time_base"), Fraction)
    )
    return tuple(sorted({round(mark, 3) for mark in marks[1:] if 0 < mark < duration}))
