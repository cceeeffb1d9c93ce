"""``GET /api/v1/status``: the station at a glance, what ``retrovue status`` prints.

Everything is read from the running parts (the tuner pool's sessions, their viewers, the device
identity) at the moment of the request; nothing here changes what plays. The ffmpeg version is
asked once per binary, in a worker thread.
"""

from __future__ import annotations

import asyncio
import time

from pydantic import BaseModel
from quart import Blueprint
from quart_schema import validate_response

from hdhr_emulator.playout.ffmpeg_binary import ffmpeg_version
from hdhr_emulator.playout.session import ChannelSession
from hdhr_emulator.playout.viewer import Viewer
from hdhr_emulator.server.api.override import OverrideOut, override_json
from hdhr_emulator.server.api.programmes import display_title, item_id
from hdhr_emulator.server.api.services import ApiServices
from hdhr_emulator.server.api.times import iso
from hdhr_emulator.version import VERSION
from lineup.errors import UnknownChannelError
from lineup.models import OutputMode


class Tuners(BaseModel):
    total: int
    in_use: int


class OnAirItem(BaseModel):
    id: int | None
    title: str
    kind: str
    offset_s: float


class ViewerStatus(BaseModel):
    address: str
    since: str
    bytes: int
    bitrate_bps: float


class SessionStatus(BaseModel):
    channel: int
    name: str
    tuner: int
    mode: str
    since: str
    item: OnAirItem | None
    ffmpeg_pid: int | None
    restarts: int
    slate_s: float
    viewers: list[ViewerStatus]


class Status(BaseModel):
    version: str
    uptime_s: float
    device_id: str | None
    friendly_name: str | None
    ffmpeg_version: str | None
    tuners: Tuners
    sessions: list[SessionStatus]
    overrides: list[OverrideOut]


def running_sessions(services: ApiServices) -> list[ChannelSession]:
    """The live sessions, by tuner."""
    if services.engine is None:
        return []
    pool = services.engine.pool.sessions()
    return [s for _, s in sorted(pool.items()) if isinstance(s, ChannelSession) and not s.stopped]


def viewer_status(viewer: Viewer) -> ViewerStatus:
    return ViewerStatus(
        address=viewer.address,
        since=iso(viewer.joined_at),
        bytes=viewer.bytes_sent,
        bitrate_bps=round(viewer.bitrate(), 1),
    )


def session_status(session: ChannelSession) -> SessionStatus:
    on_air = session.on_air()
    item = None
    if on_air is not None:
        item = OnAirItem(
            id=item_id(on_air.item),
            title=display_title(on_air.item),
            kind=on_air.item.kind.value,
            offset_s=round(on_air.offset, 3),
        )
    try:
        name = session.channel_name
    except UnknownChannelError:  # the lineup changed under a running session
        name = str(session.channel_number)
    mode = session.mode
    return SessionStatus(
        channel=session.channel_number,
        name=name,
        tuner=session.tuner,
        mode=(mode or OutputMode.TRANSCODE).value,
        since=iso(session.started_at),
        item=item,
        ffmpeg_pid=session.ffmpeg_pid,
        restarts=session.restarts,
        slate_s=round(session.slate_seconds, 3),
        viewers=[viewer_status(v) for v in list(session.viewers)],
    )


def register(blueprint: Blueprint, services: ApiServices) -> None:
    @blueprint.get("/status")
    @validate_response(Status, 200)
    async def status() -> Status:
        """The server, its tuners and every running session with its viewers."""
        engine = services.engine
        version = None
        if engine is not None:
            version = await asyncio.to_thread(ffmpeg_version, engine.settings.ffmpeg)
        sessions = running_sessions(services)
        identity = services.device.identity if services.device is not None else None
        return Status(
            version=VERSION,
            uptime_s=round(time.time() - services.started_at, 3),
            device_id=identity.device_id_hex if identity is not None else None,
            friendly_name=identity.friendly_name if identity is not None else None,
            ffmpeg_version=version,
            tuners=Tuners(
                total=engine.pool.count if engine is not None else 0,
                in_use=len(sessions),
            ),
            sessions=[session_status(s) for s in sessions],
            overrides=[override_json(o) for o in services.overrides.active()]
            if services.overrides is not None
            else [],
        )
