"""Steering overrides on a real server over its API, and recognising their message card."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from tests.support.server_process import RunningServer
from tests.support.streaming import near

CARD_RGB = (0x7A, 0x10, 0x10)  # playout/slate.py CARD_COLOR


def is_card(rgb: tuple[int, int, int]) -> bool:
    """A picture's corner is the message card's background."""
    return near(rgb, CARD_RGB, tolerance=24)


def call_api(
    server: RunningServer, path: str, method: str = "GET", body: Any = None
) -> tuple[int, Any]:
    """``method /api/v1<path>`` with a JSON body; the status and the JSON reply (also for
    errors; None for an empty body)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{server.base_url}/api/v1{path}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json"} if data else {},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")
