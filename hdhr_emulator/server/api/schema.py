"""quart-schema, set up for the API: the OpenAPI document at ``/api/v1/openapi.json`` covers the
API's routes only (the HDHomeRun documents are a device's wire format, not this API), with
interactive docs at ``/api/docs`` and the Bearer token as the security scheme.

Which operations need the token is decided by the access rule (:mod:`.auth`), not by each route,
so the document marks them from the same rule: every operation the rule guards carries the
``bearer`` requirement and its 401 answer, and a route added later is marked without doing
anything. A documented 204 has no body (:class:`NoContent`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from pydantic import BaseModel
from quart import Quart
from quart_schema import QuartSchema
from quart_schema.openapi import OpenAPIProvider
from werkzeug.routing import Rule

from hdhr_emulator.server.api.auth import AUTH_CONFIG_KEY, LOOPBACK_ONLY, REFUSED, ApiAuth
from hdhr_emulator.version import VERSION

DOCS_PATH = "/api/docs"
SECURITY_SCHEME = "bearer"
AUTH_RULES = (
    "Reading is open; changes need `Authorization: Bearer TOKEN` (the token `retrovue token` "
    "prints), and with `--api-auth all` reads do too. Requests from the server's own machine "
    "(loopback) never need it."
)
_UNAUTHORIZED = {
    "description": REFUSED + " (requests from this machine's loopback need none)",
    "headers": {"WWW-Authenticate": {"schema": {"type": "string", "example": "Bearer"}}},
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"error": {"type": "string"}, "detail": {}},
                "required": ["error"],
            }
        }
    },
}


class NoContent(BaseModel):
    """Done; no body."""


MEDIA_TYPE_ATTRIBUTE = "_retrovue_media_type"

F = TypeVar("F", bound=Callable[..., Any])


def media_type(content_type: str) -> Callable[[F], F]:
    """Document a route's successful responses as ``content_type`` rather than JSON (an event
    stream, an image): quart-schema describes the body's schema, this names what carries it."""

    def mark(func: F) -> F:
        setattr(func, MEDIA_TYPE_ATTRIBUTE, content_type)
        return func

    return mark


class _ApiOnly(OpenAPIProvider):
    prefix = "/api/v1/"
    _built: dict[str, Any] | None = None

    def schema(self) -> dict[str, Any]:
        """Built once (see :func:`build_schema`): the routes never change after start-up, and
        building walks every model's JSON schema, tens of ms the event loop must not spend
        while channels are paced by it."""
        if self._built is None:
            self._built = super().schema()
        return self._built

    def generate_rules(self) -> Iterable[Rule]:
        for rule in super().generate_rules():
            if rule.rule.startswith(self.prefix) and not rule.rule.endswith("/openapi.json"):
                yield rule

    def build_paths(self, rule: Rule) -> tuple[dict[str, Any], dict[str, Any]]:
        paths, components = super().build_paths(rule)
        content_type = getattr(self._app.view_functions[rule.endpoint], MEDIA_TYPE_ATTRIBUTE, None)
        auth: ApiAuth = self._app.config.get(AUTH_CONFIG_KEY, LOOPBACK_ONLY)
        for operations in paths.values():
            for method, operation in operations.items():
                if content_type is not None:
                    _retype_success(operation, content_type)
                responses = {
                    code: _without_body(response) if str(code) == "204" else response
                    for code, response in operation["responses"].items()
                }
                if auth.guards(method):
                    operation["security"] = [{SECURITY_SCHEME: []}]
                    responses.setdefault(401, _UNAUTHORIZED)
                operation["responses"] = responses
        return paths, components


def _retype_success(operation: dict[str, Any], content_type: str) -> None:
    for status, response in operation["responses"].items():
        content = response.get("content", {})
        if 200 <= int(status) < 300 and "application/json" in content:
            content[content_type] = content.pop("application/json")


def _without_body(response: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in response.items() if key != "content"}


def install_schema(app: Quart, prefix: str) -> QuartSchema:
    return QuartSchema(
        app,
        openapi_path=f"{prefix}/openapi.json",
        swagger_ui_path=DOCS_PATH,
        redoc_ui_path=None,
        scalar_ui_path=None,
        info={"title": "Retrovue", "version": VERSION, "description": AUTH_RULES},
        security_schemes={SECURITY_SCHEME: {"type": "http", "scheme": "bearer"}},
        openapi_provider_class=_ApiOnly,
    )


def build_schema(app: Quart) -> None:
    """Build the OpenAPI document now, once every route is registered (before serving)."""
    app.extensions["QUART_SCHEMA"].openapi_provider.schema()
