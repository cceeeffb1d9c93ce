"""Colour conversion to the channel's output space: BT.709, limited range, 8-bit 4:2:0.

Most files already are BT.709 limited range and get no filter at all (no CPU cost). Others get
one ``zscale`` (zimg) at the head of the video chain, before scaling and padding, so the black
bars that ``pad`` adds are never converted: BT.601 or full-range pictures get the right matrix
and range; BT.2020 ones the primaries too; HDR (PQ, HLG) is tone-mapped to SDR (``tonemap``,
Hable) instead of airing washed out. The encoder then tags the H.264 VUI as BT.709/tv, so a
player never has to guess.
"""

from __future__ import annotations

from lineup.colour import BT709, Colour, source_colour
from lineup.models import MediaInfo

# what x264 writes into the VUI: the output is BT.709 limited range whatever the source was
OUTPUT_TAG_ARGS = (
    "-colorspace",
    "bt709",
    "-color_primaries",
    "bt709",
    "-color_trc",
    "bt709",
    "-color_range",
    "tv",
)
_WIDE_PRIMARIES = frozenset({"bt2020"})  # far enough from BT.709 to need a gamut conversion
_HDR_PEAK_NITS = 100  # nominal peak luminance zscale maps PQ/HLG to before tone-mapping


def colour_filter(info: MediaInfo | None) -> str:
    """Filters (comma-joined, or ``""``) that bring ``info``'s pictures to BT.709 limited range.

    ``None`` (a generated clip) and BT.709 limited-range SDR sources need none. BT.601 primaries
    are close enough to BT.709 that broadcast practice converts only the matrix, which also
    keeps the conversion cheap (no linear-light pass).
    """
    if info is None:
        return ""
    src = source_colour(info)
    if src.is_hdr:
        return _tonemap(src)
    if src.primaries in _WIDE_PRIMARIES:
        return _convert(src, primaries=True)
    if src.matrix == BT709.matrix and src.range == BT709.range:
        return ""
    return _convert(src, primaries=False)


def _convert(src: Colour, *, primaries: bool) -> str:
    args = f"zscale=min={src.matrix}:rin={src.range}:m=bt709:r=tv"
    if primaries:
        args += f":pin={src.primaries}:tin={src.transfer}:p=bt709:t=bt709"
    return args


def _tonemap(src: Colour) -> str:
    """PQ/HLG → linear light → BT.709 primaries → Hable tone curve → BT.709 gamma, tv range."""
    return (
        f"zscale=min={src.matrix}:rin={src.range}:pin={src.primaries}:tin={src.transfer}"
        f":t=linear:npl={_HDR_PEAK_NITS},format=gbrpf32le,zscale=p=bt709,"
        "tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv"
    )
