"""``DELETE /api/v1/sessions/{number}``: stop a channel's session now.

Its ffmpeg is stopped and its tuner freed at once; every viewer's response ends cleanly (the
body is finished, not reset), as when the last viewer's linger runs out.
"""

from __future__ import annotations

import logging

from pydantic import BaseModel
from quart import Blueprint, Response
from quart_schema import document_response

from hdhr_emulator.playout.session import ChannelSession
from hdhr_emulator.server.api.channels import channel_number
from hdhr_emulator.server.api.error_body import ErrorBody
from hdhr_emulator.server.api.errors import ApiError
from hdhr_emulator.server.api.services import ApiServices

log = logging.getLogger(__name__)


class Stopped(BaseModel):
    """No content: the session has stopped and its tuner is free."""


def register(blueprint: Blueprint, services: ApiServices) -> None:
    @blueprint.delete("/sessions/<number>")
    @document_response(Stopped, 204)
    @document_response(ErrorBody, 404)
    async def stop_session(number: str) -> Response:
        """Stop a channel's session now (tuner freed, viewers' responses end cleanly)."""
        channel = channel_number(number)
        engine = services.engine
        session = engine.pool.session_for(channel) if engine is not None else None
        if not isinstance(session, ChannelSession) or session.stopped:
            raise ApiError(404, f"channel {channel} is not running")
        log.info("channel %d: stopped through the API (%d viewers)", channel, session.viewer_count)
        await session.async_stop()
        return Response(status=204)
