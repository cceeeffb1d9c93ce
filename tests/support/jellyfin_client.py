"""What Jellyfin's "Detect" button does (``HdHomerunHost.DiscoverDevices``), as a script to run
inside a test's network namespace: ``python -m tests.support.jellyfin_client``.

It broadcasts Jellyfin's 20-byte discovery request to 255.255.255.255:65001, takes any reply
longer than 13 bytes whose second byte is 3 (a DISCOVER_RPY), ignores every TLV in it and GETs
``http://<replying address>/discover.json`` - port 80. Then, as Jellyfin does when it lists the
channels, it GETs ``LineupURL`` (or ``BaseURL + "/lineup.json"``) and a HEAD of the first
channel's ``URL``. It retries the broadcast until the server answers (it may still be starting)
and prints one JSON object with what it saw.
"""

from __future__ import annotations

import json
import socket
import sys
import time
import urllib.error
import urllib.request
from typing import Any

REQUEST = bytes.fromhex("00 02 00 0c 01 04 ff ff ff ff 02 04 ff ff ff ff 73 cc 7d 8f")


def discover(deadline: float) -> str:
    """The address of the first tuner that replies to the broadcast."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        sock.bind(("0.0.0.0", 0))
        sock.settimeout(0.5)
        while time.monotonic() < deadline:
            sock.sendto(REQUEST, ("255.255.255.255", 65001))
            try:
                data, (address, _port) = sock.recvfrom(8192)
            except TimeoutError:
                continue
            if len(data) > 13 and data[1] == 3:
                return str(address)
    raise SystemExit("no discovery reply")


def get(url: str, method: str = "GET") -> tuple[int, bytes]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def main(timeout: float) -> dict[str, Any]:
    address = discover(time.monotonic() + timeout)
    status, body = get(f"http://{address}/discover.json")
    result: dict[str, Any] = {"address": address, "discover_status": status}
    if status != 200:
        return result
    model = json.loads(body)
    result["discover"] = model
    lineup_url = model.get("LineupURL") or model["BaseURL"] + "/lineup.json"
    status, body = get(lineup_url)
    result["lineup_status"] = status
    lineup = json.loads(body) if status == 200 else []
    result["lineup"] = lineup
    if lineup:
        result["channel_head_status"] = get(lineup[0]["URL"], "HEAD")[0]
    result["port80_stream_status"] = get(f"http://{address}/auto/v1", "HEAD")[0]
    result["port80_guide_status"] = get(f"http://{address}/xmltv.xml")[0]
    return result


if __name__ == "__main__":
    print(json.dumps(main(float(sys.argv[1]) if len(sys.argv) > 1 else 60.0)))
