"""The REST API under ``/api/v1``: JSON in and out, described by one OpenAPI document.

Each concept has its own module that adds its routes to the ``api`` blueprint through a
``register(blueprint, services)`` function; request and response bodies are pydantic models
checked by quart-schema, which also writes ``/api/v1/openapi.json`` from the same types (so the
document cannot drift from the code). Errors leave as ``{"error": ..., "detail": ...}`` with
their status (:mod:`.errors`).
"""

from __future__ import annotations

from quart import Blueprint, Quart

from hdhr_emulator.server.api import errors, override
from hdhr_emulator.server.api.schema import install_schema
from hdhr_emulator.server.api.services import ApiServices

API_PREFIX = "/api/v1"


def register_api(app: Quart, services: ApiServices) -> None:
    """Add the API, its OpenAPI document and its interactive docs to ``app``."""
    install_schema(app, API_PREFIX)
    blueprint = Blueprint("api", __name__, url_prefix=API_PREFIX)
    errors.register(app, blueprint, API_PREFIX)
    # each concept's routes: add a line here per module
    override.register(blueprint, services)
    app.register_blueprint(blueprint)
