"""``GET /api/v1/events``: the station's events as Server-Sent Events, for the web console and
any script (``curl -N``).

Each event is one frame, ``id: N`` / ``event: <kind>`` / ``data: <JSON>``; a comment every
``KEEPALIVE_SECONDS`` keeps proxies and browsers from timing an idle stream out. A listener is
registered on the bus for as long as the response runs: a client that goes away cancels the
body, which leaves the bus at once, so nothing is kept for a closed tab. A client reconnecting
with ``Last-Event-ID`` first gets what it missed of the last ``HISTORY`` events (EventSource
sends the header by itself), then the live stream.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from pydantic import BaseModel
from quart import Blueprint, Response, request
from quart_schema import document_response

from hdhr_emulator.events import BusClosed, EventKind, StationEvent
from hdhr_emulator.server.api.schema import media_type
from hdhr_emulator.server.api.services import ApiServices

log = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 15.0
HISTORY = 256  # recent events kept for clients that reconnect with Last-Event-ID
RETRY_MS = 3000  # how soon EventSource reconnects after the stream ends


class EventMessage(BaseModel):
    """One frame's ``data:`` (its ``event:`` is ``kind``, its ``id:`` is ``id``). The stream is
    ``text/event-stream``, one frame per station event, with a ``: keep-alive`` comment every
    15 s. Kinds: tune, untune, session_start, session_stop, item_start, item_failed, restart,
    slate, scan_progress, scan_done, override_start, override_end, error."""

    id: int
    kind: EventKind
    at: float  # seconds since the epoch (UTC)
    channel: int | None
    data: dict[str, Any]


def frame(event: StationEvent) -> bytes:
    """One SSE frame: a compact one-line JSON ``data:`` (no newline may split it)."""
    data = json.dumps(event.as_json(), separators=(",", ":"))
    return f"id: {event.id}\nevent: {event.kind.value}\ndata: {data}\n\n".encode()


def _last_event_id() -> int | None:
    raw = request.headers.get("Last-Event-ID", "").strip()
    return int(raw) if raw.isdigit() else None


def register(blueprint: Blueprint, services: ApiServices) -> None:
    bus = services.events
    history: collections.deque[StationEvent] = collections.deque(maxlen=HISTORY)
    bus.tap(history.append)

    @blueprint.get("/events")
    @media_type("text/event-stream")
    @document_response(EventMessage, 200)
    async def events() -> Response:
        """The station's events as they happen (Server-Sent Events)

        Tune-ins, sessions, seams, failures, the slate, scans and overrides; reconnecting with
        ``Last-Event-ID`` replays what was missed of the last 256 events.
        """
        since = _last_event_id()

        async def body() -> AsyncIterator[bytes]:
            async with bus.listen() as listener:
                # what was missed, from the history as it is now: anything later reaches the
                # listener, which was registered first (no await in between)
                missed = [e for e in history if since is not None and e.id > since]
                yield f"retry: {RETRY_MS}\n\n".encode()
                for event in missed:
                    yield frame(event)
                dropped = 0
                while True:
                    try:
                        async with asyncio.timeout(KEEPALIVE_SECONDS):  # not wait_for: gh-86296
                            event = await listener.get()
                    except TimeoutError:
                        yield b": keep-alive\n\n"
                        continue
                    except BusClosed:  # the server is stopping: end the response cleanly
                        return
                    if listener.dropped > dropped:  # this client fell behind: say so
                        yield f": dropped {listener.dropped - dropped} events\n\n".encode()
                        dropped = listener.dropped
                    yield frame(event)

        response = Response(
            body(),
            status=200,
            headers={
                "Content-Type": "text/event-stream; charset=utf-8",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",  # a reverse proxy must pass frames on at once
            },
        )
        response.timeout = None
        return response
