"""Run a real ``retrovue`` server process on 127.0.0.1 for a test, and stop it by its pid."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class RunningServer:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _wait_ready(server: RunningServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"server exited with {server.process.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(f"{server.base_url}/xmltv.xml", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise AssertionError(f"server not ready after {timeout} s:\n{server.log()}")


def _limit_descriptors(count: int) -> Callable[[], None]:
    def limit() -> None:  # runs in the child between fork and exec
        resource.setrlimit(resource.RLIMIT_NOFILE, (count, count))

    return limit


@contextlib.contextmanager
def running_server(
    *global_args: str | Path,
    data_dir: Path,
    command: tuple[str, ...] = ("serve",),
    ready_timeout: float = 60,
    port: int | None = None,
    discovery: bool = False,
    port_option: bool = True,
    host: str = "127.0.0.1",
    nofile: int | None = None,
) -> Iterator[RunningServer]:
    """Start ``retrovue <global_args> serve --host 127.0.0.1 --port <free>`` and yield it.

    Without ``port_option`` no ``--port`` is passed: ``port`` is where the config's ``[server]``
    table is expected to make the server listen.

    Stops the process it started (SIGTERM to its pid, then SIGKILL) and checks it exited.
    Discovery (UDP/TCP 65001, SSDP, zeroconf) is off unless ``discovery``; tests that turn it on
    pin it to 127.0.0.1 themselves (network rule: loopback only). Another ``host`` only inside a
    private network namespace (:mod:`tests.support.netns`). ``nofile`` sets the server's
    RLIMIT_NOFILE (soft and hard), as ``ulimit -n`` would.
    """
    port = port or free_port()
    log_path = data_dir.parent / f"server-{port}.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    argv = [
        sys.executable,
        "-m",
        "hdhr_emulator",
        "--data-dir",
        str(data_dir),
        *map(str, global_args),
        *command,
        "--host",
        host,
        *(("--port", str(port)) if port_option else ()),
    ]
    if not discovery:
        argv += ["--no-hdhr-discovery", "--no-ssdp", "--no-zeroconf"]
    else:  # port 80 is shared by every test run on this machine: only in a namespace
        argv += ["--discovery-http-port", "0"]
    env = {k: v for k, v in os.environ.items() if k != "RETROVUE_DATA_DIR"}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            preexec_fn=None if nofile is None else _limit_descriptors(nofile),
        )
    server = RunningServer(process, port, log_path)
    try:
        _wait_ready(server, ready_timeout)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
