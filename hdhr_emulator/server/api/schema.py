"""quart-schema, set up for the API: the OpenAPI document at ``/api/v1/openapi.json`` covers the
API's routes only (the HDHomeRun documents are a device's wire format, not this API), with
interactive docs at ``/api/docs`` and the Bearer token as the security scheme."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from quart import Quart
from quart_schema import QuartSchema
from quart_schema.openapi import OpenAPIProvider
from werkzeug.routing import Rule

from hdhr_emulator.version import VERSION

DOCS_PATH = "/api/docs"
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

    def generate_rules(self) -> Iterable[Rule]:
        for rule in super().generate_rules():
            if rule.rule.startswith(self.prefix) and not rule.rule.endswith("/openapi.json"):
                yield rule

    def build_paths(self, rule: Rule) -> tuple[dict[str, Any], dict[str, Any]]:
        paths, components = super().build_paths(rule)
        func = self._app.view_functions[rule.endpoint]
        content_type = getattr(func, MEDIA_TYPE_ATTRIBUTE, None)
        if content_type is not None:
            for operation in (op for methods in paths.values() for op in methods.values()):
                for status, response in operation["responses"].items():
                    content = response.get("content", {})
                    if 200 <= int(status) < 300 and "application/json" in content:
                        content[content_type] = content.pop("application/json")
        return paths, components


def install_schema(app: Quart, prefix: str) -> QuartSchema:
    return QuartSchema(
        app,
        openapi_path=f"{prefix}/openapi.json",
        swagger_ui_path=DOCS_PATH,
        redoc_ui_path=None,
        scalar_ui_path=None,
        info={"title": "Retrovue", "version": VERSION},
        security_schemes={"bearer": {"type": "http", "scheme": "bearer"}},
        openapi_provider_class=_ApiOnly,
    )
