"""``/api/v1/override``: put a message, a library item or a media file on air now, list what is
on, end it early. The routes only translate JSON to and from the :class:`OverrideDesk`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field
from quart import Blueprint, Response
from quart_schema import document_response, validate_request, validate_response

from hdhr_emulator.server.api.errors import ApiError
from hdhr_emulator.server.api.services import ApiServices
from hdhr_emulator.server.overrides import Override, OverrideDesk, OverrideRequest


class OverrideBody(BaseModel):
    """Exactly one of ``message``, ``item`` or ``file``; ``minutes`` absent: until ended."""

    channels: Literal["all"] | list[int]
    message: str | None = None
    item: int | None = None
    file: str | None = None
    minutes: float | None = Field(default=None, gt=0)


class OverrideOut(BaseModel):
    id: str
    channels: list[int]
    target: Literal["all"] | list[int]
    message: str | None
    item: int | None
    file: str | None
    title: str
    started: str
    ends: str | None


class OverrideList(BaseModel):
    overrides: list[OverrideOut]


class OverrideRefused(BaseModel):
    """The API's error body, as an override route answers it."""

    error: str
    detail: Any = None


def override_json(override: Override) -> OverrideOut:
    """The API's Override shape (also what ``/api/v1/status`` lists)."""
    return OverrideOut.model_validate(override.as_json())


def register(blueprint: Blueprint, services: ApiServices) -> None:
    def desk() -> OverrideDesk:
        if services.overrides is None:
            raise ApiError(404, "overrides are not available on this server")
        return services.overrides

    @blueprint.post("/override")
    @validate_request(OverrideBody)
    @validate_response(OverrideOut, 201)
    @document_response(OverrideRefused, 400)
    @document_response(OverrideRefused, 404)
    async def start_override(data: OverrideBody) -> tuple[OverrideOut, int]:
        """Put a message card, a library item or a media file on channels now (201)."""
        target: Literal["all"] | tuple[int, ...]
        target = "all" if data.channels == "all" else tuple(data.channels)
        request = OverrideRequest(target, data.message, data.item, data.file, data.minutes)
        return override_json(await desk().start(request)), 201

    @blueprint.get("/override")
    @validate_response(OverrideList, 200)
    async def list_overrides() -> OverrideList:
        """The active overrides, oldest first."""
        return OverrideList(overrides=[override_json(o) for o in desk().active()])

    @blueprint.delete("/override/<override_id>")
    @document_response(OverrideRefused, 404)  # 204 has no body to describe
    async def end_override(override_id: str) -> Response:
        """End an override now: its channels return to their schedule (204; 404 unknown)."""
        await desk().end(override_id)
        return Response(status=204)
