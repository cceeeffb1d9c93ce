"""Even loudness on air: a static gain per item plus a peak limiter, no loudness filters.

The item's integrated loudness was measured once at scan (:mod:`lineup.loudness`), so the
gain to the channel's target is known before the process starts: one ``volume`` (no
look-ahead, no delay before the first byte, no per-viewer work) and an ``alimiter`` at
-2 dBTP that only acts on the peaks a boost would push over. ``loudnorm``/``dynaudnorm`` are
not used: their look-ahead adds seconds to tune-in (docs/protocol/playout.md §4.3).
"""

from __future__ import annotations

import logging

from lineup.models import ChannelProfile, MediaItem

log = logging.getLogger(__name__)

PEAK_CEILING_DB = -2.0  # dBTP the limiter holds the output under
MAX_BOOST_DB = 20.0  # a near-silent item is not turned into amplified noise
MAX_CUT_DB = 40.0


def item_gain(item: MediaItem, profile: ChannelProfile) -> float | None:
    """dB to add to ``item`` to reach the profile's target; None when loudness is off or the
    item was not measured (it airs at unity gain)."""
    if profile.loudness is None or item.loudness is None:
        return None
    gain = profile.loudness - item.loudness
    return max(-MAX_CUT_DB, min(MAX_BOOST_DB, gain))


def loudness_filter(item: MediaItem, profile: ChannelProfile) -> str:
    """The filters (``,volume=…,alimiter=…``, to append to an ``-af`` chain) or ``""``."""
    gain = item_gain(item, profile)
    if gain is None:
        return ""
    limit = 10 ** (PEAK_CEILING_DB / 20)
    # level=0: no auto make-up gain; the limiter only holds peaks down
    return f",volume={gain:.2f}dB,alimiter=limit={limit:.4f}:level=0"
