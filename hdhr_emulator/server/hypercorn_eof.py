"""Close a connection as soon as its client has gone, not when the keep-alive timer fires.

Hypercorn (0.16-0.18) ignores a client's end of stream between requests: its HTTP/1.1 protocol
only reacts to ``Closed`` while a request is in flight, so an idle connection whose client has
already closed keeps its descriptor until ``keep_alive_timeout``. With the old 30 s timeout, 35
short requests a second (``curl`` in a loop, a dashboard) ran a 1024-descriptor server out of
descriptors. The fix is one line in hypercorn's own terms: when the client closes while no
request is in flight, tell the connection to close, as hypercorn does after a ``Connection:
close`` response. It is applied once, at server start, and only to the class it was written for.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from hypercorn.events import Closed
from hypercorn.protocol.h11 import H11Protocol

log = logging.getLogger(__name__)

_MARK = "_retrovue_closes_on_eof"


def close_connections_on_client_eof() -> bool:
    """Make hypercorn's HTTP/1.1 protocol close an idle connection when its client closes.
    Returns False (and logs why) when this hypercorn does not look like the one it fits."""
    original: Callable[[Any, Any], Awaitable[None]] | None = getattr(H11Protocol, "handle", None)
    if original is None or getattr(original, _MARK, False):
        return original is not None
    if not hasattr(H11Protocol, "_close_stream"):
        log.warning("this hypercorn is unknown: idle connections close after the keep-alive time")
        return False

    async def handle(self: Any, event: Any) -> None:
        await original(self, event)
        if isinstance(event, Closed) and getattr(self, "stream", None) is None:
            await self.send(Closed())  # the connection closes its socket now (idempotent)

    setattr(handle, _MARK, True)
    H11Protocol.handle = handle  # type: ignore[method-assign]
    return True
