"""Private network namespaces for tests that need real, non-loopback addresses (root only).

The network rule allows traffic only to loopback or inside a namespace the test creates. Two
shapes are offered:

- :func:`veth_pair` makes two namespaces, each held by a ``sleep`` started under ``unshare -n``,
  joined by a veth pair: ``server`` gets :data:`SERVER_IP` on ``rv0``, ``client`` gets
  :data:`CLIENT_IP` on ``rv1`` and a default route through it, so a broadcast to
  255.255.255.255 leaves the client like on a LAN and reaches the server over the veth. Commands
  run inside with :func:`in_namespace` (``nsenter -n``). The holders are stopped by their pid,
  which removes both namespaces and the pair with them.
- :func:`in_private_network` forks, and the child unshares its network namespace, brings ``lo``
  up and adds a veth pair with :data:`SERVER_ADDRESS` and :data:`PEER_ADDRESS`: a socket bound
  to the peer address reaches the server address from a non-loopback source. Every process the
  function starts inherits the namespace; the function must stop them itself. The result
  (JSON-able) comes back through a pipe; an exception comes back as its traceback.

No packet can leave either: the namespaces have no other interface.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import subprocess
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

SERVER_IP = "10.213.77.1"
CLIENT_IP = "10.213.77.2"


@dataclass(frozen=True)
class VethPair:
    server: int  # pid of the process holding the server's namespace
    client: int


def in_namespace(holder: int, argv: Sequence[str]) -> list[str]:
    """``argv`` run inside the network namespace of the process ``holder``."""
    return ["nsenter", "-t", str(holder), "-n", "--", *argv]


def require_namespaces() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root for private network namespaces")
    for tool in ("unshare", "nsenter", "ip"):
        if shutil.which(tool) is None:
            pytest.skip(f"needs {tool}")


def _run(holder: int, *argv: str) -> None:
    subprocess.run(in_namespace(holder, argv), check=True, capture_output=True, timeout=10)


@contextlib.contextmanager
def veth_pair() -> Iterator[VethPair]:
    require_namespaces()
    holders: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(2):
            holders.append(subprocess.Popen(["unshare", "-n", "--", "sleep", "300"]))
        server, client = (holder.pid for holder in holders)
        _wait_for_own_namespace(server)
        _wait_for_own_namespace(client)
        _run(
            server, "ip", "link", "add", "rv0", "type", "veth", "peer", "rv1", "netns", str(client)
        )
        for holder, device, address in ((server, "rv0", SERVER_IP), (client, "rv1", CLIENT_IP)):
            _run(holder, "ip", "link", "set", "lo", "up")
            _run(holder, "ip", "addr", "add", f"{address}/24", "dev", device)
            _run(holder, "ip", "link", "set", device, "up")
        _run(client, "ip", "route", "add", "default", "dev", "rv1")
        yield VethPair(server, client)
    finally:
        for holder in holders:
            holder.kill()
            holder.wait(timeout=10)


def _wait_for_own_namespace(pid: int) -> None:
    """``unshare`` has made the new namespace once the pid runs ``sleep`` (it execs)."""
    ours = os.readlink("/proc/self/ns/net")
    for _ in range(200):
        with contextlib.suppress(FileNotFoundError):
            if os.readlink(f"/proc/{pid}/ns/net") != ours:
                return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} never entered its own network namespace")


CLONE_NEWNET = 0x40000000
SERVER_ADDRESS = "10.231.0.1"
PEER_ADDRESS = "10.231.0.2"
_SETUP = (
    ("ip", "link", "set", "lo", "up"),
    ("ip", "link", "add", "rv0", "type", "veth", "peer", "name", "rv1"),
    ("ip", "addr", "add", f"{SERVER_ADDRESS}/24", "dev", "rv0"),
    ("ip", "addr", "add", f"{PEER_ADDRESS}/24", "dev", "rv1"),
    ("ip", "link", "set", "rv0", "up"),
    ("ip", "link", "set", "rv1", "up"),
)


def _enter_private_network() -> None:
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET) failed")
    for argv in _SETUP:
        subprocess.run(argv, check=True, capture_output=True, timeout=10)


def in_private_network(function: Callable[[], Any]) -> Any:
    """``function()``'s result, computed in a forked child inside a new network namespace."""
    require_namespaces()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 0
        try:
            os.close(read_end)
            _enter_private_network()
            payload = {"result": function()}
        except BaseException:  # noqa: BLE001 - everything goes back to the parent
            payload, code = {"error": traceback.format_exc()}, 1
        with os.fdopen(write_end, "w") as out:
            json.dump(payload, out)
        os._exit(code)
    os.close(write_end)
    try:
        with os.fdopen(read_end) as answer:
            text = answer.read()
    finally:
        os.waitpid(pid, 0)
    payload = json.loads(text or '{"error": "the namespace child died without an answer"}')
    if "error" in payload:
        raise AssertionError("in the private network namespace:\n" + payload["error"])
    return payload["result"]
