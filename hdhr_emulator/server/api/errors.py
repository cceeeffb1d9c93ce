"""One error shape for the whole API: ``{"error": "one line", "detail": ...}`` and its status.

A :class:`~lineup.errors.RetrovueError` keeps its own ``http_status``; a body or query that does
not match its schema is a 400 naming the field; an unknown path or method under the API prefix is
a JSON 404/405 rather than Quart's HTML page. Nothing under the prefix ever answers a traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel
from quart import Blueprint, Quart, Response, jsonify, request
from quart_schema import RequestSchemaValidationError
from werkzeug.exceptions import HTTPException

from hdhr_emulator.errors import ApiError
from lineup.errors import RetrovueError

__all__ = ["ApiError", "error_response", "register"]

log = logging.getLogger(__name__)


def error_response(status: int, message: str, detail: Any = None) -> Response:
    response = jsonify({"error": message, "detail": detail})
    response.status_code = status
    return response


def _validation_detail(exc: RequestSchemaValidationError) -> tuple[str, Any]:
    """The first failing field as one line, and every failure as detail."""
    errors = getattr(exc.validation_error, "errors", None)
    if callable(errors):
        found = [
            {"field": ".".join(str(part) for part in e.get("loc", ())), "reason": e.get("msg")}
            for e in errors()
        ]
        if found:
            first = found[0]
            return f"{first['field'] or 'body'}: {first['reason']}", found
    return str(exc.validation_error), None


def register(app: Quart, blueprint: Blueprint, prefix: str) -> None:
    @blueprint.errorhandler(RetrovueError)
    async def _retrovue_error(exc: RetrovueError) -> Response:
        log.info("%s %s: %s", request.method, request.path, exc)
        return error_response(exc.http_status, str(exc), getattr(exc, "detail", None))

    @blueprint.errorhandler(RequestSchemaValidationError)
    async def _invalid(exc: RequestSchemaValidationError) -> Response:
        message, detail = _validation_detail(exc)
        return error_response(400, message, detail)

    @app.errorhandler(HTTPException)
    async def _http_error(exc: HTTPException) -> Response | HTTPException:
        """JSON for anything under the API prefix; other paths keep Quart's own answer."""
        if not request.path.startswith(prefix):
            return exc
        return error_response(exc.code or 500, exc.description or exc.name)


class ErrorBody(BaseModel):
    """Every API error: a one-line reason, and details where there are some."""

    error: str
    detail: Any = None
