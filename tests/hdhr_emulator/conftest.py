"""Fixtures for the discovery and conformance tests, which bind the HDHomeRun port itself."""

from __future__ import annotations

import fcntl
import socket
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hdhr_emulator.device.packets import HDHR_PORT


@pytest.fixture
def port_65001() -> Iterator[int]:
    """Port 65001 on 127.0.0.1, held by this test alone (skips if another program has it)."""
    lock_path = Path(tempfile.gettempdir()) / "retrovue-hdhr-65001.lock"
    with lock_path.open("w") as lock:
        deadline = time.monotonic() + 60
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.skip("another test run held port 65001 for over 60 s")
                time.sleep(0.1)
        try:
            for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                with socket.socket(socket.AF_INET, kind) as probe:
                    if kind == socket.SOCK_STREAM:  # as asyncio's server does: TIME_WAIT is fine
                        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    try:
                        probe.bind(("127.0.0.1", HDHR_PORT))
                    except OSError as exc:
                        pytest.skip(
                            f"port 65001 ({'UDP' if kind == socket.SOCK_DGRAM else 'TCP'}) "
                            f"is busy on 127.0.0.1: {exc.strerror}"
                        )
            yield HDHR_PORT
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
