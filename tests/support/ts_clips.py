"""Helpers for the TS tests: render real per-item MPEG-TS with ffmpeg and read it back with
ffprobe."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hdhr_emulator.cli.clips import ClipSpec
from hdhr_emulator.playout.ts.packets import PACKET_SIZE, encode_pcr, encode_timestamp

# The fixed stream layout every playout item is written in (docs/protocol/playout.md §2).
TS_ARGS = [
    "-f", "mpegts", "-mpegts_start_pid", "256", "-mpegts_pmt_start_pid", "4096",
    "-mpegts_service_id", "1", "-muxdelay", "0", "-muxpreload", "0", "-pcr_period", "40",
]  # fmt: skip
# 25 fps, closed 1-s GOPs with two B-frames (so PTS != DTS), AAC-LC 48 kHz stereo.
ENCODE_ARGS = [
    "-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-g", "25", "-keyint_min", "25",
    "-sc_threshold", "0", "-flags", "+cgop", "-pix_fmt", "yuv420p",
    "-c:a", "aac", "-ar", "48000", "-ac", "2",
]  # fmt: skip

VIDEO_PID, AUDIO_PID = 0x100, 0x101
FRAME = 3600  # 90 kHz ticks per video frame at 25 fps
AAC_FRAME = 1920  # 90 kHz ticks per 1024-sample AAC frame at 48 kHz


def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"{argv[0]} failed: {done.stderr[-2000:]}"
    return done


def render_item(
    ffmpeg: str,
    source: Path,
    out: Path,
    *,
    seconds: float = 2.0,
    seek: float | None = None,
    copyts: bool = False,
    silent: bool = False,
    extra: tuple[str, ...] = (),
) -> bytes:
    """Transcode ``seconds`` of ``source`` into one playout item's TS (as an item process would);
    ``silent`` adds an anullsrc track for a source without audio. Returns the TS bytes."""
    argv = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    if seek is not None:
        argv += ["-ss", str(seek)]
    if copyts:
        argv += ["-copyts"]
    argv += ["-i", str(source)]
    if silent:
        argv += [
            "-f",
            "lavfi",
            "-i",
            "anullsrc=r=48000:cl=stereo",
            "-map",
            "0:v:0",
            "-map",
            "1:a:0",
        ]
    else:
        argv += ["-map", "0:v:0", "-map", "0:a:0"]
    # with -copyts, -t counts from timestamp 0, not from the seek point
    limit = ["-to", str((seek or 0) + seconds)] if copyts else ["-t", str(seconds)]
    argv += [*limit, *ENCODE_ARGS, *TS_ARGS, *extra, str(out)]
    run(argv)
    return out.read_bytes()


@dataclass(frozen=True)
class ProbedPacket:
    stream: str  # "video" or "audio"
    pts: int
    dts: int
    key: bool


def probe_packets(ffprobe: str, path: Path) -> list[ProbedPacket]:
    """Every packet as ffprobe's demuxer sees it (timestamps in its unwrapped 90 kHz ticks)."""
    done = run([
        ffprobe, "-v", "error", "-show_entries", "packet=codec_type,pts,dts,flags",
        "-of", "csv=p=0", str(path),
    ])  # fmt: skip
    packets = []
    for line in done.stdout.splitlines():
        fields = line.split(",")
        if len(fields) >= 4 and fields[0] in ("video", "audio"):
            packets.append(
                ProbedPacket(fields[0], int(fields[1]), int(fields[2]), "K" in fields[3])
            )
    return packets


def remux_warnings(ffmpeg: str, path: Path, *, decode: bool = False) -> str:
    """What ffmpeg complains about when it remuxes (or decodes) ``path``: '' when nothing."""
    codec = [] if decode else ["-c", "copy"]
    done = subprocess.run(
        [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "warning", "-i", str(path), *codec,
         "-f", "null", "-"],
        check=False, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stderr.strip()


@dataclass(frozen=True)
class Items:
    """Three 2-s items as the playout runs them, in airing order, and the folder they live in."""

    folder: Path
    plain: bytes  # a clip with a tone, timestamps from about 0
    silent: bytes  # a clip without audio plus anullsrc, written with +initial_discontinuity
    seeked: bytes  # -ss 0.7 -copyts into a clip: timestamps start at about 0.68 s

    @property
    def all(self) -> list[bytes]:
        return [self.plain, self.silent, self.seeked]


def render_items(ffmpeg: str, clip: Callable[[ClipSpec, str], Path], folder: Path) -> Items:
    """Render the three items (about a second of ffmpeg in all)."""
    tone = clip(ClipSpec(duration=3.0, tone_hz=440), "mp4")
    mute = clip(ClipSpec(duration=3.0, audio=False), "mp4")
    other = clip(ClipSpec(duration=3.0, tone_hz=660), "mp4")
    return Items(
        folder,
        render_item(ffmpeg, tone, folder / "plain.ts"),
        render_item(
            ffmpeg,
            mute,
            folder / "silent.ts",
            silent=True,
            extra=("-mpegts_flags", "+initial_discontinuity"),
        ),
        render_item(ffmpeg, other, folder / "seeked.ts", seek=0.7, copyts=True),
    )


# The first packets ffmpeg 5.1 writes with our muxer options: SDT, PAT, PMT (fixed bytes).
PAT = bytes.fromhex("474000100000b00d0001c100000001f0002ab104b2").ljust(PACKET_SIZE, b"\xff")
PMT = bytes.fromhex(
    "475000100002b01d0001c10000e100f0001be100f0000fe101f0060a04756e6400087de877"
).ljust(PACKET_SIZE, b"\xff")


def pes_packet(
    pid: int,
    pts: int,
    dts: int | None = None,
    *,
    cc: int = 0,
    pcr: int | None = None,
    rai: bool = False,
    discontinuity: bool = False,
) -> bytes:
    """A PUSI packet starting a video PES, with an optional adaptation field carrying a PCR."""
    header = bytes((0x47, 0x40 | (pid >> 8), pid & 0xFF))
    af = b""
    if pcr is not None or rai or discontinuity:
        flags = (
            (0x80 if discontinuity else 0) | (0x40 if rai else 0) | (0x10 if pcr is not None else 0)
        )
        body = bytes((flags,)) + (encode_pcr(pcr) if pcr is not None else b"")
        af = bytes((len(body),)) + body
    pes = b"\x00\x00\x01\xe0\x00\x00\x80"
    if dts is None:
        pes += b"\x80\x05" + encode_timestamp(pts, 0b0010)
    else:
        pes += b"\xc0\x0a" + encode_timestamp(pts, 0b0011) + encode_timestamp(dts, 0b0001)
    afc = 0x30 if af else 0x10
    packet = header + bytes((afc | cc,)) + af + pes
    return packet.ljust(PACKET_SIZE, b"\xaa")
