"""The REST API under ``/api/v1``: JSON in and out, described by one OpenAPI document.

Each concept has its own module that adds its routes to the ``api`` blueprint through a
``register(blueprint, services)`` function; request and response bodies are pydantic models
checked by quart-schema, which also writes ``/api/v1/openapi.json`` from the same types (so the
document cannot drift from the code). Errors leave as ``{"error": ..., "detail": ...}`` with
their status (:mod:`.errors`).
"""

from __future__ import annotations

from quart import Blueprint, Quart

from hdhr_emulator.server.api import (
    auth,
    channels,
    compression,
    errors,
    events,
    favorites,
    guide,
    library,
    override,
    sessions,
    status,
)
from hdhr_emulator.server.api.schema import build_schema, install_schema
from hdhr_emulator.server.api.services import ApiServices

API_PREFIX = "/api/v1"


def register_api(app: Quart, services: ApiServices) -> None:
    """Add the API, its OpenAPI document and its interactive docs to ``app``."""
    install_schema(app, API_PREFIX)
    blueprint = Blueprint("api", __name__, url_prefix=API_PREFIX)
    errors.register(app, blueprint, API_PREFIX)
    auth.register(blueprint, services.auth)  # first: it guards every route below
    # each concept's routes: add a line here per module
    status.register(blueprint, services)
    channels.register(blueprint, services)
    guide.register(blueprint, services)
    library.register(blueprint, services)
    sessions.register(blueprint, services)
    favorites.register(blueprint, services)
    events.register(blueprint, services)
    override.register(blueprint, services)
    compression.register(blueprint)
    app.register_blueprint(blueprint)
    build_schema(app)
