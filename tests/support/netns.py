"""Private network namespaces for tests that need real, non-loopback addresses (root only).

:func:`veth_pair` makes two namespaces, each held by a ``sleep`` started under ``unshare -n``,
joined by a veth pair: ``server`` gets :data:`SERVER_IP` on ``rv0``, ``client`` gets
:data:`CLIENT_IP` on ``rv1`` and a default route through it, so a broadcast to
255.255.255.255 leaves the client like on a LAN and reaches the server over the veth. Commands
run inside with :func:`in_namespace` (``nsenter -n``). No packet can leave the namespaces: they
have no other interface. The holders are stopped by their pid, which removes both namespaces
and the pair with them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

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
