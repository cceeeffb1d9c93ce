"""Quart's test client with the addresses a real socket has, for in-process app tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from quart import Quart


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class AppClient:
    """Quart's test client with the ASGI ``client``/``server`` addresses a real socket has."""

    def __init__(
        self, app: Quart, client: str = "127.0.0.1", server: tuple[str, int] = ("127.0.0.1", 8000)
    ):
        self._client = app.test_client()
        self._scope = {"client": (client, 50000), "server": server}

    async def request(
        self, path: str, method: str = "GET", json_body: Any = None, **headers: str
    ) -> Reply:
        response = await self._client.open(
            path,
            method=method,
            headers={k.replace("_", "-"): v for k, v in headers.items()},
            scope_base=self._scope,
            **({"json": json_body} if json_body is not None else {}),
        )
        body = await response.get_data()
        return Reply(
            response.status_code, {k.lower(): v for k, v in response.headers.items()}, body
        )
