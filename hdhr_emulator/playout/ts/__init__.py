"""Sans-IO MPEG-TS: packet fields, splicing items into one timeline, pacing and tune-in cache.

Pure functions and classes over bytes; no asyncio, no processes. The playout session moves the
bytes (docs/protocol/playout.md §8)::

    ffmpeg stdout ─▶ PacketBuffer ─▶ Splicer ─▶ Pacer ─▶ viewers
                      whole packets   one timeline   real time   └▶ GopCache (joiners)

Modules: :mod:`~hdhr_emulator.playout.ts.packets` (header, PES timestamp, PCR and PSI fields),
:mod:`~hdhr_emulator.playout.ts.buffer`, :mod:`~hdhr_emulator.playout.ts.splicer`,
:mod:`~hdhr_emulator.playout.ts.pacer`,
:mod:`~hdhr_emulator.playout.ts.gop`, :mod:`~hdhr_emulator.playout.ts.pes_gate`; the checker
tests use is :mod:`tests.support.ts_analysis`.
"""

from __future__ import annotations

from hdhr_emulator.playout.ts.buffer import PacketBuffer
from hdhr_emulator.playout.ts.gop import GopCache
from hdhr_emulator.playout.ts.pacer import Pacer
from hdhr_emulator.playout.ts.packets import CHUNK, PACKET_SIZE, PTS_HZ
from hdhr_emulator.playout.ts.pes_gate import PesGate
from hdhr_emulator.playout.ts.splicer import Splicer

__all__ = [
    "CHUNK",
    "PACKET_SIZE",
    "PTS_HZ",
    "GopCache",
    "Pacer",
    "PacketBuffer",
    "PesGate",
    "Splicer",
]
