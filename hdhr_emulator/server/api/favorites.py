"""Favourite channels through the API: the same favourites ``lineup.post?favorite=`` sets.

``GET /api/v1/favorites`` lists them; ``PUT /api/v1/channels/{number}/favorite`` marks a
channel, ``DELETE`` clears it; both answer 204 (also when nothing changed: the request says what
the state should be, it is not a toggle) and 404 for a channel not in the lineup. They change
state, so from another machine they need the token.
"""

from __future__ import annotations

from pydantic import BaseModel
from quart import Blueprint, Response
from quart_schema import document_response, validate_response

from hdhr_emulator.server.api.errors import ApiError, ErrorBody
from hdhr_emulator.server.api.schema import NoContent
from hdhr_emulator.server.api.services import ApiServices


class Favorites(BaseModel):
    """The favourite channels' numbers, ascending."""

    favorites: list[int]


def register(blueprint: Blueprint, services: ApiServices) -> None:
    documents = services.documents

    def set_favorite(number: int, favorite: bool) -> Response:
        if documents is None or not documents.set_favorite(str(number), favorite):
            raise ApiError(404, f"no channel {number} in the lineup")
        return Response(status=204)

    @blueprint.get("/favorites")
    @validate_response(Favorites, 200)
    async def favorites() -> Favorites:
        """The favourite channels."""
        return Favorites(favorites=sorted(documents.favorites()) if documents is not None else [])

    @blueprint.put("/channels/<int:number>/favorite")
    @document_response(NoContent, 204)
    @document_response(ErrorBody, 404)
    async def mark_favorite(number: int) -> Response:
        """Mark a channel as a favourite.

        The lineup documents (``lineup.json``) show it as one from now on; kept across restarts.
        """
        return set_favorite(number, True)

    @blueprint.delete("/channels/<int:number>/favorite")
    @document_response(NoContent, 204)
    @document_response(ErrorBody, 404)
    async def clear_favorite(number: int) -> Response:
        """Clear a channel's favourite mark."""
        return set_favorite(number, False)
