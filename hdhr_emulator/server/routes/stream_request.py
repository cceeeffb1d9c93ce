"""What a stream URL asks for, parsed strictly before any tuner is taken.

Python's ``int()`` and ``float()`` are lenient on purpose (``int("0_1")``, fullwidth digits,
``" 1"``, ``"+1"``, ``float("nan")``), and a lenient tuner answers URLs a real HDHomeRun would
refuse: two spellings of one channel, or a ``?duration=-1`` silently read as "no limit". So the
channel and tuner are ASCII digits only, and a present ``duration`` must be a positive number of
seconds written in ASCII digits (``30`` or ``2.5``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Channel numbers are 1-9999; a few more digits (leading zeros) are harmless, a thousand are not.
_NUMBER = re.compile(r"[0-9]{1,9}")
_SECONDS = re.compile(r"[0-9]{1,9}(\.[0-9]{1,9})?")


@dataclass(frozen=True, slots=True)
class StreamRequest:
    """A well-formed tune: the channel, the tuner asked for (``None``: any) and the seconds
    after which the response ends (``None``: until the client leaves)."""

    channel: int
    tuner: int | None
    duration: float | None


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a stream URL is refused: the HTTP status, the ``X-HDHomeRun-Error`` value when an
    HDHomeRun code fits (``None`` otherwise) and a one-line reason for the log and a header."""

    status: int
    hdhomerun_error: str | None
    reason: str


UNKNOWN_CHANNEL = "801 Unknown Channel"


def _shown(text: str) -> str:
    """The client's text quoted for a header and the log: ASCII only, and short."""
    return ascii(text[:40])


def parse_stream_request(
    number: str, tuner: str | None, duration: str | None, tuner_count: int
) -> StreamRequest | Rejection:
    """Check a stream URL's parts: ``number`` from ``v<number>`` or ``<number>.ts``, ``tuner``
    from ``/tuner<tuner>/`` (``None`` for ``/auto``), ``duration`` the raw query value."""
    if not _NUMBER.fullmatch(number):
        return Rejection(404, UNKNOWN_CHANNEL, f"channel {_shown(number)} is not a channel number")
    tuner_index: int | None = None
    if tuner is not None:
        if not _NUMBER.fullmatch(tuner) or int(tuner) >= tuner_count:
            return Rejection(
                404,
                None,
                f"no tuner {_shown(tuner)}: this device has tuners 0 to {tuner_count - 1}",
            )
        tuner_index = int(tuner)
    seconds: float | None = None
    if duration is not None:
        seconds = float(duration) if _SECONDS.fullmatch(duration) else None
        if not seconds:  # not a number, or zero
            return Rejection(
                400, None, f"duration {_shown(duration)} is not a positive number of seconds"
            )
    return StreamRequest(int(number), tuner_index, seconds)
