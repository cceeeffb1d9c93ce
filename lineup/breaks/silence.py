"""Where a file's audio is silent, found by decoding the audio alone.

The first, cheap half of natural-break detection: decoding a programme's audio costs a few
percent of decoding its picture, and a black-and-silent break needs silence, so only the
moments found here are ever looked at in the picture (:mod:`lineup.breaks.black`).

The decoded audio goes through a small FFmpeg filter graph (gain, down-mix to 16-bit mono, 0.1-s
chunks) so that deciding "silent" is a C-speed byte test per chunk instead of Python arithmetic
per sample: after a gain of ×8, a chunk is silent when every sample's high byte is 0x00 or 0xFF,
i.e. every sample was within -60 dBFS (ffmpeg's ``silencedetect`` default noise floor).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import av
import av.audio.stream
import av.container
import av.filter

from lineup.breaks.runs import Run, join_runs

log = logging.getLogger(__name__)

CHUNK_SECONDS = 0.1  # the resolution of a silent run's edges
_GAIN = 8  # ×8 then |sample| ≤ 256: |sample| ≤ 32 of 32768, -60.2 dBFS
_QUIET_HIGH_BYTES = b"\x00\xff"  # little-endian s16 with |x| ≤ 256 has one of these as high byte
_TIME_BASE = 1_000_000  # av.time_base: container seeks are in microseconds


def silent_runs(
    container: av.container.InputContainer,
    stream: av.audio.stream.AudioStream,
    within: Run,
    start_time: float,
) -> list[Run]:
    """Every silent run of ``stream`` that meets ``within`` (seconds from the file's start).

    ``start_time`` is the container's first timestamp (a file's clock need not start at 0).
    """
    return list(join_runs(_chunks(container, stream, within, start_time)))


def _chunks(
    container: av.container.InputContainer,
    stream: av.audio.stream.AudioStream,
    within: Run,
    start_time: float,
) -> Iterator[tuple[float, float, bool]]:
    """``(start, stop, silent)`` per 0.1-s chunk of audio from ``within.start`` to its stop."""
    rate = stream.codec_context.sample_rate or 48_000
    size = max(1, round(rate * CHUNK_SECONDS))
    graph = _graph(stream, size)
    container.seek(int((start_time + within.start) * _TIME_BASE), backward=True, any_frame=False)
    clock: float | None = None  # seconds from the file's start of the next chunk
    for frame in _decoded(container, stream):
        if clock is None:
            if frame.pts is None or frame.time_base is None:
                continue  # no clock yet; the next frame will have one
            clock = float(frame.pts * frame.time_base) - start_time
        graph.push(frame)
        for chunk in _pulled(graph):
            samples = chunk.samples
            data = bytes(chunk.planes[0])[: 2 * samples]
            stop = clock + samples / rate
            yield clock, stop, not data[1::2].strip(_QUIET_HIGH_BYTES)
            clock = stop
        if clock is not None and clock >= within.stop:
            return


def _decoded(
    container: av.container.InputContainer, stream: av.audio.stream.AudioStream
) -> Iterator[av.AudioFrame]:
    """The stream's frames; a damaged packet is skipped, not the end of the search."""
    for packet in container.demux(stream):
        try:
            yield from packet.decode()
        except av.error.InvalidDataError:
            log.debug("skipping an undecodable audio packet at %s", packet.pts)


def _graph(stream: av.audio.stream.AudioStream, size: int) -> av.filter.Graph:
    graph = av.filter.Graph()
    source = graph.add_abuffer(template=stream)
    gain = graph.add("volume", f"volume={_GAIN}")
    shape = graph.add("aformat", "sample_fmts=s16:channel_layouts=mono")
    chunks = graph.add("asetnsamples", f"n={size}:p=0")
    sink = graph.add("abuffersink")
    source.link_to(gain)
    gain.link_to(shape)
    shape.link_to(chunks)
    chunks.link_to(sink)
    graph.configure()
    return graph


def _pulled(graph: av.filter.Graph) -> Iterator[av.AudioFrame]:
    while True:
        try:
            frame = graph.pull()
        except (av.error.BlockingIOError, av.error.EOFError):
            return
        assert isinstance(frame, av.AudioFrame)
        yield frame
