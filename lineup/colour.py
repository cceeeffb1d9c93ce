"""A video stream's colour description (matrix, range, primaries, transfer), as FFmpeg names it.

Probed at scan from the codec parameters; what a file leaves unspecified is inferred the way
players do (SD: BT.601, HD: BT.709, limited range), so playout always knows what it converts from.
"""

from __future__ import annotations

from dataclasses import dataclass

from lineup.models import MediaInfo

SD_MAX_LINES = 576  # PAL SD; anything taller is HD and BT.709 by convention

# FFmpeg's AVColorSpace / AVColorRange / AVColorPrimaries / AVColorTransferCharacteristic values
# (what PyAV reports as ints) → the names ffmpeg's filters and -color_* options take.
MATRICES = {
    0: "gbr", 1: "bt709", 4: "fcc", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m",
    9: "bt2020nc", 10: "bt2020c",
}  # fmt: skip
RANGES = {1: "tv", 2: "pc"}
PRIMARIES = {
    1: "bt709", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "film",
    9: "bt2020",
}  # fmt: skip
TRANSFERS = {
    1: "bt709", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "linear",
    13: "iec61966-2-1", 14: "bt2020-10", 15: "bt2020-12", 16: "smpte2084", 18: "arib-std-b67",
}  # fmt: skip
HDR_TRANSFERS = frozenset({"smpte2084", "arib-std-b67"})  # PQ, HLG


@dataclass(frozen=True, slots=True)
class Colour:
    """A fully known colour description (every field one of FFmpeg's names)."""

    matrix: str
    range: str
    primaries: str
    transfer: str

    @property
    def is_hdr(self) -> bool:
        return self.transfer in HDR_TRANSFERS


BT709 = Colour("bt709", "tv", "bt709", "bt709")


def encode(
    matrix: str | None, range_: str | None, primaries: str | None, transfer: str | None
) -> str | None:
    """The catalog's one-column form ``matrix/range/primaries/transfer`` (``-`` for unknown)."""
    parts = (matrix, range_, primaries, transfer)
    if not any(parts):
        return None
    return "/".join(p or "-" for p in parts)


def decode(text: str | None) -> tuple[str | None, str | None, str | None, str | None]:
    """Inverse of :func:`encode`; anything malformed is all unknown (inference takes over)."""
    parts = (text or "").split("/")
    if len(parts) != 4:
        return (None, None, None, None)
    a, b, c, d = (None if p in ("", "-") else p for p in parts)
    return (a, b, c, d)


def source_colour(info: MediaInfo) -> Colour:
    """What ``info``'s video really is: the probed fields, unknown ones inferred from the size."""
    sd = 0 < info.height <= SD_MAX_LINES
    default_matrix = "smpte170m" if sd else "bt709"
    matrix = info.colour_matrix or default_matrix
    if matrix == "bt2020c":  # constant luminance is rare and zimg-only; treat as ncl
        matrix = "bt2020nc"
    primaries = info.colour_primaries or ("bt2020" if matrix == "bt2020nc" else default_matrix)
    transfer = info.colour_transfer or ("smpte170m" if sd else "bt709")
    return Colour(matrix, info.colour_range or "tv", primaries, transfer)
