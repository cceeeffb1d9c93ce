"""quart-schema, set up for the API: the OpenAPI document at ``/api/v1/openapi.json`` covers the
API's routes only (the HDHomeRun documents are a device's wire format, not this API), with
interactive docs at ``/api/docs`` and the Bearer token as the security scheme."""

from __future__ import annotations

from collections.abc import Iterable

from quart import Quart
from quart_schema import QuartSchema
from quart_schema.openapi import OpenAPIProvider
from werkzeug.routing import Rule

from hdhr_emulator.version import VERSION

DOCS_PATH = "/api/docs"


class _ApiOnly(OpenAPIProvider):
    prefix = "/api/v1/"

    def generate_rules(self) -> Iterable[Rule]:
        for rule in super().generate_rules():
            if rule.rule.startswith(self.prefix) and not rule.rule.endswith("/openapi.json"):
                yield rule


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
