"""The API's OpenAPI document is valid OpenAPI 3 and lists only the API; unknown API paths are
JSON errors, while the device documents outside the API keep their own answers."""

from __future__ import annotations

import asyncio

from openapi_spec_validator import validate

from tests.support.app_client import AppClient


def test_the_openapi_document_is_valid_and_covers_only_the_api(client: AppClient) -> None:
    reply = asyncio.run(client.request("/api/v1/openapi.json"))
    assert reply.status == 200
    document = reply.json()
    validate(document)
    assert document["openapi"].startswith("3.")
    assert all(path.startswith("/api/v1/") for path in document["paths"]), document["paths"]


def test_unknown_api_paths_are_json_errors_and_device_paths_are_not(client: AppClient) -> None:
    async def scenario() -> None:
        missing = await client.request("/api/v1/no-such-thing")
        assert missing.status == 404
        assert missing.headers["content-type"].startswith("application/json")
        assert set(missing.json()) == {"error", "detail"}
        device = await client.request("/no-such-thing")
        assert device.status == 404
        assert not device.headers["content-type"].startswith("application/json")
        assert (await client.request("/discover.json")).status == 200

    asyncio.run(scenario())


def test_the_interactive_docs_are_served(client: AppClient) -> None:
    reply = asyncio.run(client.request("/api/docs"))
    assert reply.status == 200
    assert b"/api/v1/openapi.json" in reply.body
