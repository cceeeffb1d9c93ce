"""A programme's natural break points, found once at scan time: where mid-roll breaks may cut it.

The file's chapter marks when it has them (reading them costs one open); otherwise the moments
where the picture is black and the sound silent, as broadcast masters leave for the commercials.
Detecting those by decoding the whole picture would cost ~5 CPU-s per media-minute, so it is
done in two steps (``docs/benchmarks.md``, "Break points at scan"): the audio alone is decoded to
find silences (:mod:`~lineup.breaks.silence`), then only the few seconds of video around each
one are decoded to see if the picture is black (:mod:`~lineup.breaks.black`). A break point is
the middle of the black-and-silent run. The first and last minute are ignored: a cold open's
fade or the end credits are not mid-roll breaks.
"""

from __future__ import annotations

from lineup.breaks.result import BreakScan

__all__ = ["BreakScan"]
