"""Big JSON answers are gzipped for clients that accept it; small ones, refusals and clients
that do not accept gzip get the body as it is."""

from __future__ import annotations

import asyncio
import gzip
import json
from datetime import UTC, datetime

import pytest

from hdhr_emulator.server.api.compression import MIN_BYTES, _accepts_gzip
from tests.support.app_client import AppClient

# three days of two channels (well over MIN_BYTES) from a fixed hour, so both requests match
HOUR = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
BIG = f"/api/v1/guide?start={HOUR:%Y-%m-%dT%H:%M:%SZ}&hours=72"


def test_a_big_answer_is_gzipped_and_unpacks_to_the_same_json(client: AppClient) -> None:
    async def scenario() -> None:
        plain = await client.request(BIG)
        packed = await client.request(BIG, Accept_Encoding="gzip, deflate, br")
        assert plain.status == packed.status == 200
        assert len(plain.body) >= MIN_BYTES, "the test needs an answer worth compressing"
        assert "content-encoding" not in plain.headers
        assert packed.headers["content-encoding"] == "gzip"
        assert "Accept-Encoding" in packed.headers["vary"]
        assert len(packed.body) < len(plain.body) / 4
        assert json.loads(gzip.decompress(packed.body)) == json.loads(plain.body)

    asyncio.run(scenario())


def test_small_answers_and_errors_stay_as_they_are(client: AppClient) -> None:
    async def scenario() -> None:
        small = await client.request("/api/v1/channels/1", Accept_Encoding="gzip")
        assert small.status == 200 and "content-encoding" not in small.headers
        missing = await client.request("/api/v1/channels/99", Accept_Encoding="gzip")
        assert missing.status == 404 and "content-encoding" not in missing.headers

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("gzip", True),
        ("br, GZIP;q=0.5", True),
        ("*", True),
        ("gzip;q=0", False),
        ("identity", False),
        ("", False),
    ],
)
def test_accept_encoding_is_read_as_clients_send_it(header: str, accepted: bool) -> None:
    assert _accepts_gzip(header) is accepted
