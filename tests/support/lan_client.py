"""Send HTTP requests from another machine's point of view: a script to run inside a test's
network namespace (``python -m tests.support.lan_client BASE_URL REQUESTS_JSON``).

``REQUESTS_JSON`` is a list of ``[method, path, token or null]``. The script first waits (up to
60 s) until ``BASE_URL`` answers at all (the server may still be starting), then sends each
request in order, with ``Authorization: Bearer TOKEN`` when a token is given, and prints one
JSON list of ``{"status", "headers" (lower-case names), "body"}``, one per request.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from typing import Any


def send(base_url: str, method: str, path: str, token: str | None) -> dict[str, Any]:
    request = urllib.request.Request(base_url + path, method=method)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, body = error.code, error.headers, error.read()
    return {
        "status": status,
        "headers": {name.lower(): value for name, value in headers.items()},
        "body": body.decode("utf-8", "replace"),
    }


def wait_until_up(base_url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            send(base_url, "GET", "/discover.json", None)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise SystemExit(f"{base_url} did not answer")


def main() -> None:
    base_url, requests = sys.argv[1], json.loads(sys.argv[2])
    wait_until_up(base_url, time.monotonic() + 60)
    print(json.dumps([send(base_url, method, path, token) for method, path, token in requests]))


if __name__ == "__main__":
    main()
