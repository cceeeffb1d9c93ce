"""Run a function in a private network namespace with a veth pair: non-loopback peers, safely.

Some behaviour depends on the client being another machine (the media proxy answers loopback
only). The network rule allows traffic only to loopback or inside a namespace the test creates,
so :func:`in_private_network` forks, and the child unshares its network namespace (root only),
brings ``lo`` up and adds a veth pair with :data:`SERVER_ADDRESS` and :data:`PEER_ADDRESS`. A
socket bound to the peer address reaches the server address from a non-loopback source. Every
process the function starts inherits the namespace; the function must stop them itself. The
result (JSON-able) comes back through a pipe; an exception comes back as its traceback.
"""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import traceback
from collections.abc import Callable
from typing import Any

import pytest

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


def require_namespaces() -> None:
    if os.geteuid() != 0:
        pytest.skip("creating a network namespace needs root")


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
