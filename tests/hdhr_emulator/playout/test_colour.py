"""Colour through a real transcode: sources in BT.601 SD, BT.709 HD, full range and HDR (PQ)
are rendered by our own item argv, decoded, and their colours compared with what was encoded.

Each source is a row of flat patches of known RGB, encoded with a given matrix and range and
tagged (or not) as such; the probe reads the tags as a scan would. Decoding our output as BT.709
limited range must give back the original RGB: a wrong matrix shifts saturated patches by tens
of levels, a wrong range lifts black and dims white, well outside the tolerance.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from hdhr_emulator.playout.colour import colour_filter
from hdhr_emulator.playout.ffmpeg_args import transcode_command
from lineup.models import ChannelProfile, ItemKind, MediaItem, Preset
from lineup.probe import probe

FFMPEG, FFPROBE = "ffmpeg", "ffprobe"
PROFILE = ChannelProfile(
    width=640, height=360, fps=25.0, preset=Preset.ULTRAFAST, gop_seconds=1.0,
    video_kbps=4000, audio_kbps=96, audio_channels=2,
)  # fmt: skip
# black, white, red, green, blue, yellow, cyan, magenta at 75 % (colour bars) plus mid grey
PATCHES = [
    (16, 16, 16), (235, 235, 235), (191, 0, 0), (0, 191, 0), (0, 0, 191),
    (191, 191, 0), (0, 191, 191), (191, 0, 191), (128, 128, 128),
]  # fmt: skip
TOLERANCE = 10  # levels per channel: chroma subsampling and x264 at the patch centre


def _bars(path: Path, width: int, height: int, matrix: str, range_: str, tags: list[str]) -> None:
    """A 1-s clip of ``PATCHES`` side by side, converted from RGB with ``matrix``/``range_``."""
    step = width // len(PATCHES)
    inputs: list[str] = []
    for r, g, b in PATCHES:
        inputs += [
            "-f",
            "lavfi",
            "-i",
            f"color=c=0x{r:02x}{g:02x}{b:02x}:s={step}x{height}:d=1,format=rgb24",
        ]
    layout = "".join(f"[{i}:v]" for i in range(len(PATCHES)))
    graph = (
        f"{layout}hstack=inputs={len(PATCHES)},"
        f"scale={width}:{height}:out_color_matrix={matrix}:out_range={range_},"
        # an untagged full-range source is MJPEG-style yuvj; a tagged one (phones) plain yuv
        f"format={'yuvj420p' if range_ == 'pc' and not tags else 'yuv420p'}"
    )
    _run([FFMPEG, "-v", "error", "-y", *inputs, "-filter_complex", graph,
          "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", *tags, str(path)])  # fmt: skip


def _run(argv: list[str]) -> bytes:
    done = subprocess.run(argv, capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    return done.stdout


def _item(path: Path) -> MediaItem:
    return MediaItem(id=1, path=str(path), kind=ItemKind.MOVIE, title="bars", info=probe(path))


def _air(path: Path, tmp_path: Path) -> tuple[Path, MediaItem]:
    """Render the clip as one playout item (our argv, unchanged but for the output file)."""
    item = _item(path)
    argv = transcode_command(FFMPEG, item, PROFILE, 0.0, 1.0)
    out = tmp_path / "aired.ts"
    assert argv[-1] == "pipe:1"
    _run([*argv[:-1], "-y", str(out)])
    return out, item


def _decoded_patches(
    ts: Path, source_width: int, source_height: int
) -> list[tuple[float, float, float]]:
    """Mean RGB at the centre of each patch of the first frame, decoded as BT.709 tv (the
    source fitted into the profile's frame, pillarboxed if narrower)."""
    w, h = PROFILE.width, PROFILE.height
    raw = _run([FFMPEG, "-v", "error", "-i", str(ts), "-frames:v", "1", "-vf",
                "scale=in_color_matrix=bt709:in_range=tv,format=rgb24",
                "-f", "rawvideo", "pipe:1"])  # fmt: skip
    assert len(raw) == w * h * 3
    means = []
    shown = source_width * min(w / source_width, h / source_height)
    left = (w - shown) / 2
    step = shown / len(PATCHES)
    for i in range(len(PATCHES)):
        x0, x1 = int(left + i * step + step * 0.3), int(left + i * step + step * 0.7)
        y0, y1 = h // 2 - 10, h // 2 + 10
        sums = [0, 0, 0]
        for y in range(y0, y1):
            row = raw[(y * w + x0) * 3 : (y * w + x1) * 3]
            for c in range(3):
                sums[c] += sum(row[c::3])
        n = (x1 - x0) * (y1 - y0)
        means.append((sums[0] / n, sums[1] / n, sums[2] / n))
    return means


def _vui(ts: Path) -> dict[str, str]:
    out = _run([FFPROBE, "-v", "error", "-select_streams", "v:0", "-show_entries",
                "stream=color_space,color_range,color_primaries,color_transfer,pix_fmt",
                "-of", "json", str(ts)])  # fmt: skip
    stream: dict[str, str] = json.loads(out)["streams"][0]
    return stream


def _assert_bt709_tv(ts: Path) -> None:
    assert _vui(ts) == {
        "pix_fmt": "yuv420p",
        "color_space": "bt709",
        "color_range": "tv",
        "color_primaries": "bt709",
        "color_transfer": "bt709",
    }


SD_TAGS = ["-colorspace", "smpte170m", "-color_primaries", "smpte170m",
           "-color_trc", "smpte170m", "-color_range", "tv"]  # fmt: skip
HD_TAGS = ["-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709",
           "-color_range", "tv"]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "width", "height", "matrix", "range_", "tags", "converted"),
    [
        ("bt601 sd tagged", 720, 480, "bt601", "tv", SD_TAGS, True),
        ("bt601 sd untagged", 720, 480, "bt601", "tv", [], True),  # inferred from the size
        ("bt709 hd", 1280, 720, "bt709", "tv", HD_TAGS, False),
        ("bt709 hd untagged", 1280, 720, "bt709", "tv", [], False),
        (
            "full range hd",
            1280,
            720,
            "bt709",
            "pc",
            ["-colorspace", "bt709", "-color_range", "pc"],
            True,
        ),
        ("full range jpeg-style sd", 640, 480, "bt601", "pc", [], True),
    ],
)
def test_bars_come_out_in_their_true_colours(
    tmp_path: Path, name: str, width: int, height: int, matrix: str, range_: str,
    tags: list[str], converted: bool,
) -> None:  # fmt: skip
    source = tmp_path / "bars.mp4"
    _bars(source, width, height, matrix, range_, tags)
    ts, item = _air(source, tmp_path)
    _assert_bt709_tv(ts)
    for want, got in zip(PATCHES, _decoded_patches(ts, width, height), strict=True):
        assert all(abs(w - g) <= TOLERANCE for w, g in zip(want, got, strict=True)), (
            f"{name}: patch {want} decoded as {tuple(round(v) for v in got)}"
        )
    # only sources that need it pay for a conversion
    assert bool(colour_filter(item.info)) is converted


def test_an_hdr_pq_source_is_tone_mapped_to_sdr_bt709(tmp_path: Path) -> None:
    """A 10-bit BT.2020 PQ clip airs as 8-bit BT.709 with sane levels, not washed out.

    Mid grey in PQ (code 0.5, about 92 nits) tone-maps to a bright SDR grey, not to the code
    value read as if it were SDR gamma (what an unconverted picture shows); black stays black.
    """
    source = tmp_path / "hdr.mkv"
    _run([FFMPEG, "-v", "error", "-y",
          "-f", "lavfi", "-i", "color=c=0x000000:s=320x360:d=1",
          "-f", "lavfi", "-i", "color=c=0x808080:s=320x360:d=1",
          "-filter_complex", "[0:v][1:v]hstack=inputs=2",
          "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le",
          "-color_trc", "smpte2084", "-color_primaries", "bt2020", "-colorspace", "bt2020nc",
          "-color_range", "tv", str(source)])  # fmt: skip
    ts, item = _air(source, tmp_path)
    _assert_bt709_tv(ts)
    luma = _run([FFMPEG, "-v", "error", "-i", str(ts), "-frames:v", "1", "-vf",
                 "extractplanes=y", "-f", "rawvideo", "pipe:1"])  # fmt: skip
    w, h = PROFILE.width, PROFILE.height
    row = luma[(h // 2) * w : (h // 2 + 1) * w]
    black, grey = sum(row[40:120]) / 80, sum(row[520:600]) / 80
    assert black < 24, f"black lifted to {black}"
    # ~92 nits of PQ tone-map to about 150 (Hable, 100-nit reference); left unconverted, the
    # same code reads as a dull 126 with BT.2020 colours on a BT.709 display
    assert 135 < grey < 175, f"mid grey at {grey}"
    assert "tonemap" in colour_filter(item.info)
