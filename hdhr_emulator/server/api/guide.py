"""``GET /api/v1/guide``: per channel, the programmes of a window as the XMLTV guide has them.

The airings come from the live schedule exactly as the XMLTV writer reads them
(``airings(..., segments=False)``, the break inside its programme's airing) and are named by
the same :func:`xmltv.programme.programme_fields`, so a console's grid and ``/xmltv.xml`` agree.
"""

from __future__ import annotations

import time

from pydantic import BaseModel, Field
from quart import Blueprint
from quart_schema import validate_querystring, validate_response

from hdhr_emulator.server.api.programmes import Programme, programme
from hdhr_emulator.server.api.services import ApiServices
from hdhr_emulator.server.api.times import iso, parse_time
from xmltv.urls import logo_url, normalise_base_url


class GuideQuery(BaseModel):
    start: str | None = None
    hours: float = Field(3.0, ge=1, le=72)


class GuideChannel(BaseModel):
    number: int
    name: str
    logo_url: str | None
    programmes: list[Programme]


class Guide(BaseModel):
    start: str
    end: str
    channels: list[GuideChannel]


def register(blueprint: Blueprint, services: ApiServices) -> None:
    @blueprint.get("/guide")
    @validate_querystring(GuideQuery)
    @validate_response(Guide, 200)
    async def guide(query_args: GuideQuery) -> Guide:
        """Every channel's programmes from ``start`` (default now) for ``hours`` (1-72)."""
        start = parse_time("start", query_args.start, time.time())
        end = start + query_args.hours * 3600
        schedule = services.live.schedule
        base = normalise_base_url(services.base_url())
        return Guide(
            start=iso(start),
            end=iso(end),
            channels=[
                GuideChannel(
                    number=channel.number,
                    name=channel.name,
                    logo_url=logo_url(base, channel),
                    programmes=[
                        programme(airing)
                        for airing in schedule.airings(channel.number, start, end, segments=False)
                        if airing.stop > airing.start  # the XMLTV writer skips these too
                    ],
                )
                for channel in schedule.channels
            ],
        )
