"""Channel-layout conversion for the channel's audio (issue #13, "Audio").

Why explicit: swresample's defaults already follow ITU-R BS.775 for 5.1/7.1 → stereo
(centre and surrounds at -3 dB, 0.707; LFE dropped). Naming the levels here pins the matrix
against ffmpeg default changes. The matrix is deliberately not normalised
(``rematrix_maxval``): normalising would lower dialogue by a further 7.7 dB on every 5.1 item;
the samples stay float until the AAC encoder.
Mono sources are centred: the single channel goes to both stereo channels equally.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

CENTER_MIX_LEVEL = 0.707
"""ITU-R BS.775 centre → left/right coefficient (-3 dB)."""

SURROUND_MIX_LEVEL = 0.707
"""ITU-R BS.775 surround (back/side) → left/right coefficient (-3 dB)."""

LFE_MIX_LEVEL = 0.0
"""BS.775 drops LFE from the stereo downmix."""


def resample_options() -> str:
    """The ``aresample`` options that set the downmix matrix (appended after the rate)."""
    return f"clev={CENTER_MIX_LEVEL}:slev={SURROUND_MIX_LEVEL}:lfe_mix_level={LFE_MIX_LEVEL}"
