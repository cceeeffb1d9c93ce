"""A file's integrated loudness (LUFS) and true peak (dBTP), EBU R128, from its audio alone.

Measured once at scan so playout can apply a static gain (no loudness filter with look-ahead on
air). The audio is decoded by PyAV and fed through FFmpeg's own ``ebur128`` filter (no R128 code
of ours): decoding only the audio costs a few percent of the picture, and running in-process in
the scan's worker pool avoids an ffmpeg process per file.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import av
import av.audio.stream
import av.filter

log = logging.getLogger(__name__)

_SILENT_LUFS = -70.0  # ebur128's absolute gate: quieter audio has no integrated loudness


@dataclass(frozen=True, slots=True)
class Loudness:
    """One file's measurement: ``integrated`` LUFS and ``true_peak`` dBTP (None: no audio, or
    audio too quiet to gate, so no gain is ever applied to it)."""

    integrated: float | None
    true_peak: float | None


def measure_loudness(path: str) -> Loudness:
    """Decode ``path``'s first audio stream through ``ebur128``; raises av.FFmpegError (or
    OSError) when the file cannot be read."""
    with av.open(path) as container:
        if not container.streams.audio:
            return Loudness(None, None)
        stream = container.streams.audio[0]
        graph = _graph(stream)
        last: dict[str, str] = {}
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.error.InvalidDataError:
                log.debug("skipping an undecodable audio packet at %s", packet.pts)
                continue
            for frame in frames:
                graph.push(frame)
                last = _drain(graph) or last
        graph.push(None)
        last = _drain(graph) or last
    return _result(last)


def measure_chunk(paths: list[str]) -> list[Loudness | str]:
    """The pool's function: one measurement, or the reason there is none, per path."""
    results: list[Loudness | str] = []
    for path in paths:
        try:
            results.append(measure_loudness(path))
        except (av.FFmpegError, OSError) as exc:
            results.append(str(exc))
        except Exception as exc:  # noqa: BLE001 - one strange file must not abort the scan
            log.warning("unexpected error measuring %s", path, exc_info=True)
            results.append(f"{type(exc).__name__}: {exc}")
    return results


def _graph(stream: av.audio.stream.AudioStream) -> av.filter.Graph:
    graph = av.filter.Graph()
    source = graph.add_abuffer(template=stream)
    meter = graph.add("ebur128", "metadata=1:peak=true")
    sink = graph.add("abuffersink")
    source.link_to(meter)
    meter.link_to(sink)
    graph.configure()
    return graph


def _drain(graph: av.filter.Graph) -> dict[str, str]:
    """The metadata of the last frame pulled (the running measurement), or ``{}``."""
    last: dict[str, str] = {}
    while True:
        try:
            frame = graph.pull()
        except (av.error.BlockingIOError, av.error.EOFError):
            return last
        last = dict(frame.metadata)


def _result(meta: dict[str, str]) -> Loudness:
    integrated = _number(meta.get("lavfi.r128.I"))
    if integrated is not None and integrated <= _SILENT_LUFS:
        integrated = None
    peak = _number(meta.get("lavfi.r128.true_peak"))  # linear, 1.0 = 0 dBFS
    true_peak = round(20 * math.log10(peak), 2) if peak else None
    return Loudness(None if integrated is None else round(integrated, 2), true_peak)


def _number(text: str | None) -> float | None:
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None
