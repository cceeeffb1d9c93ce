"""Who may do what through the API, in-process: changes from the LAN need the token, reads are
open (unless ``--api-auth all``), this machine's loopback never needs it, and the OpenAPI
document marks exactly the operations the rule guards."""

from __future__ import annotations

import asyncio
import logging

import pytest
from openapi_spec_validator import validate
from quart import Quart

from hdhr_emulator.device.settings import DeviceSettings
from hdhr_emulator.server.api.auth import ApiAuth, AuthScope
from hdhr_emulator.server.app import create_app
from hdhr_emulator.server.live_schedule import LiveSchedule
from tests.support.app_client import AppClient, Reply
from tests.support.device_helpers import IDENTITY

TOKEN = "s3cret-Token_0123456789abcdefghijklmnopqrstuv"
LAN = "192.168.1.20"
FAVORITE = "/api/v1/channels/7/favorite"


def app_with(guide: LiveSchedule, scope: AuthScope = AuthScope.WRITES) -> Quart:
    return create_app(
        guide, None, DeviceSettings(IDENTITY, 8000), api_auth=ApiAuth(lambda: TOKEN, scope)
    )


def run(client: AppClient, path: str, method: str = "GET", **headers: str) -> Reply:
    return asyncio.run(client.request(path, method, **headers))


def assert_refused(reply: Reply) -> None:
    assert reply.status == 401
    assert reply.headers["content-type"].startswith("application/json")
    assert reply.json() == {"error": "missing or wrong API token", "detail": None}
    assert reply.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x", f"{TOKEN}"],
)
def test_a_change_from_the_lan_without_the_right_token_is_refused(
    guide: LiveSchedule, authorization: str | None
) -> None:
    app = app_with(guide)
    lan = AppClient(app, client=LAN)
    headers = {} if authorization is None else {"Authorization": authorization}
    assert_refused(run(lan, FAVORITE, "PUT", **headers))
    assert_refused(run(lan, FAVORITE, "DELETE", **headers))
    assert run(lan, "/api/v1/favorites").json() == {"favorites": []}  # nothing changed


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_a_change_from_the_lan_with_the_token_is_done(guide: LiveSchedule, scheme: str) -> None:
    app = app_with(guide)
    lan = AppClient(app, client=LAN)
    marked = run(lan, FAVORITE, "PUT", Authorization=f"{scheme} {TOKEN}")
    assert (marked.status, marked.body) == (204, b"")
    assert run(lan, "/api/v1/favorites").json() == {"favorites": [7]}
    lineup = run(lan, "/lineup.json").json()
    assert [entry.get("Favorite") for entry in lineup] == [None, 1]  # what lineup.post sets
    assert run(lan, FAVORITE, "DELETE", Authorization=f"{scheme} {TOKEN}").status == 204
    assert run(lan, "/api/v1/favorites").json() == {"favorites": []}


@pytest.mark.parametrize("address", ["127.0.0.1", "127.3.4.5", "::1", "::ffff:127.0.0.1"])
def test_loopback_needs_no_token_even_for_reads_under_all(
    guide: LiveSchedule, address: str
) -> None:
    app = app_with(guide, AuthScope.ALL)
    local = AppClient(app, client=address)
    assert run(local, FAVORITE, "PUT").status == 204
    assert run(local, "/api/v1/favorites").json() == {"favorites": [7]}


@pytest.mark.parametrize("address", ["192.168.1.20", "10.0.0.2", "::ffff:192.168.1.20", "fe80::1"])
def test_other_addresses_are_not_loopback(guide: LiveSchedule, address: str) -> None:
    assert_refused(run(AppClient(app_with(guide), client=address), FAVORITE, "PUT"))


def test_reads_are_open_on_the_lan_by_default(guide: LiveSchedule) -> None:
    lan = AppClient(app_with(guide), client=LAN)
    assert run(lan, "/api/v1/favorites").status == 200
    assert run(lan, "/api/v1/favorites", "HEAD").status == 200
    assert run(lan, "/api/v1/openapi.json").status == 200


def test_all_protects_reads_from_the_lan(guide: LiveSchedule) -> None:
    lan = AppClient(app_with(guide, AuthScope.ALL), client=LAN)
    assert_refused(run(lan, "/api/v1/favorites"))
    assert_refused(run(lan, "/api/v1/favorites", Authorization="Bearer nope"))
    allowed = run(lan, "/api/v1/favorites", Authorization=f"Bearer {TOKEN}")
    assert allowed.json() == {"favorites": []}


def test_without_a_token_only_loopback_may_change_things(app: Quart) -> None:
    """An app built without ``api_auth`` (tests, embedding) has no token anyone could send."""
    assert_refused(run(AppClient(app, client=LAN), FAVORITE, "PUT", Authorization="Bearer "))
    assert_refused(run(AppClient(app, client=LAN), FAVORITE, "PUT", Authorization="Bearer None"))
    assert run(AppClient(app), FAVORITE, "PUT").status == 204


def test_the_token_is_read_per_request_so_a_new_one_applies_at_once(guide: LiveSchedule) -> None:
    tokens = ["first-token"]
    app = create_app(
        guide, None, DeviceSettings(IDENTITY, 8000), api_auth=ApiAuth(lambda: tokens[-1])
    )
    lan = AppClient(app, client=LAN)
    assert run(lan, FAVORITE, "PUT", Authorization="Bearer first-token").status == 204
    tokens.append("second-token")
    assert_refused(run(lan, FAVORITE, "PUT", Authorization="Bearer first-token"))
    assert run(lan, FAVORITE, "PUT", Authorization="Bearer second-token").status == 204


def test_unknown_channels_are_a_json_404_once_admitted(guide: LiveSchedule) -> None:
    lan = AppClient(app_with(guide), client=LAN)
    assert_refused(run(lan, "/api/v1/channels/99/favorite", "PUT"))
    missing = run(lan, "/api/v1/channels/99/favorite", "PUT", Authorization=f"Bearer {TOKEN}")
    assert missing.status == 404
    assert missing.json() == {"error": "no channel 99 in the lineup", "detail": None}


def test_refusals_are_logged_with_the_address_never_the_token_once_a_minute(
    guide: LiveSchedule, caplog: pytest.LogCaptureFixture
) -> None:
    app = app_with(guide)
    lan = AppClient(app, client=LAN)
    other = AppClient(app, client="192.168.1.21")
    wrong = TOKEN[:-1] + "X"
    with caplog.at_level(logging.INFO, logger="hdhr_emulator.server.api.auth"):

        async def scenario() -> None:
            for _ in range(5):
                await lan.request(FAVORITE, "PUT", Authorization=f"Bearer {wrong}")
            await other.request(FAVORITE, "DELETE")

        asyncio.run(scenario())
    lines = [r.getMessage() for r in caplog.records if r.name == "hdhr_emulator.server.api.auth"]
    assert lines == [
        f"refused PUT {FAVORITE} from {LAN}: missing or wrong API token",
        f"refused DELETE {FAVORITE} from 192.168.1.21: missing or wrong API token",
    ]
    assert all(r.levelno == logging.WARNING for r in caplog.records if r.name.endswith(".auth"))
    assert not any(wrong in r.getMessage() or TOKEN in r.getMessage() for r in caplog.records)


def operations(document: dict[str, object]) -> dict[tuple[str, str], dict[str, object]]:
    paths = document["paths"]
    assert isinstance(paths, dict)
    return {(path, method): op for path, ops in paths.items() for method, op in ops.items()}


@pytest.mark.parametrize("scope", list(AuthScope))
def test_the_openapi_document_marks_what_the_rule_guards(
    guide: LiveSchedule, scope: AuthScope
) -> None:
    document = run(AppClient(app_with(guide, scope)), "/api/v1/openapi.json").json()
    validate(document)
    assert document["components"]["securitySchemes"] == {
        "bearer": {"type": "http", "scheme": "bearer"}
    }
    ops = operations(document)
    put = ops[("/api/v1/channels/{number}/favorite", "put")]
    delete = ops[("/api/v1/channels/{number}/favorite", "delete")]
    read = ops[("/api/v1/favorites", "get")]
    for changing in (put, delete):
        assert changing["security"] == [{"bearer": []}]
        assert set(changing["responses"]) == {"204", "401", "404"}  # type: ignore[arg-type]
        assert "content" not in changing["responses"]["204"]  # type: ignore[index]
    if scope is AuthScope.ALL:
        assert read["security"] == [{"bearer": []}]
        assert "401" in read["responses"]  # type: ignore[operator]
    else:
        assert "security" not in read
        assert "401" not in read["responses"]  # type: ignore[operator]
