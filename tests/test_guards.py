"""The guards of tests/support/guards.py fire: a pytest run in a subprocess, on tests that each
leave one thing behind, must fail each of them with a message naming what was left - and pass
the tests that clean up, or whose leftovers belong to a wider-scoped fixture.

A guard that silently stopped firing would look exactly like a clean suite, hence this test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

INNER_TESTS = """
import asyncio
import socket
import subprocess
import sys
import threading
import time

import pytest

LEFT_OPEN = []  # keeps the leaked sockets referenced: the garbage collector must not close them


def test_thread_left_running():
    threading.Thread(target=threading.Event().wait, args=(30,), name="left-behind",
                     daemon=True).start()


def test_child_left_running():
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)  # left-behind"])


def test_socket_left_open():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    LEFT_OPEN.append(sock)


def test_loop_blocked():
    async def main():
        time.sleep(0.4)  # over the bound in a plain run (100 ms) and in an xdist worker (250 ms)

    asyncio.run(main())


def test_loop_on_a_thread_blocked():
    async def main():
        time.sleep(0.4)

    thread = threading.Thread(target=asyncio.run, args=(main(),))
    thread.start()
    thread.join()


def test_clean():
    async def main():
        await asyncio.sleep(0.2)  # waiting is not blocking

    asyncio.run(main())
    thread = threading.Thread(target=time.sleep, args=(0.01,))
    thread.start()
    thread.join()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))


def test_thread_that_ends_within_the_grace_period():
    threading.Thread(target=time.sleep, args=(0.1,)).start()


@pytest.mark.allow_leak("socket", reason="proves the marker")
def test_allowed_socket_leak():
    LEFT_OPEN.append(socket.socket())


@pytest.fixture(scope="module")
def module_thread():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, name="module-owned")
    thread.start()
    yield thread
    stop.set()
    thread.join()


def test_wider_fixture_started_lazily_by_this_test(module_thread):
    assert module_thread.is_alive()
"""


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Test name -> "passed", or the text of its failure/error, from one inner pytest run."""
    folder = tmp_path_factory.mktemp("guarded")
    (folder / "pytest.ini").write_text("[pytest]\nleak_grace = 0.5\n")
    (folder / "test_inner.py").write_text(INNER_TESTS)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.support.guards",
            "-p",
            "no:cacheprovider",
            "-q",
            "--junitxml",
            "report.xml",
            "test_inner.py",
        ],
        cwd=folder,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    found: dict[str, str] = {}
    for case in ET.parse(folder / "report.xml").getroot().iter("testcase"):
        problems = [
            f"{p.get('message', '')}\n{p.text or ''}" for p in case if p.tag in ("failure", "error")
        ]
        found[case.get("name", "")] = "\n".join(problems) or "passed"
    return found


def test_a_thread_left_running_is_named(outcomes: dict[str, str]) -> None:
    assert (
        "1 thread(s) still running: 'left-behind' (daemon)" in outcomes["test_thread_left_running"]
    )


def test_a_child_left_running_is_named_and_killed(outcomes: dict[str, str]) -> None:
    failure = outcomes["test_child_left_running"]
    assert "1 child process(es) still there" in failure
    line = next(line for line in failure.splitlines() if "# left-behind" in line)
    pid = int(line.split("pid ", 1)[1].split(":", 1)[0])
    deadline = time.monotonic() + 5
    while (
        Path(f"/proc/{pid}/cmdline").exists()
        and b"left-behind" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ):
        assert time.monotonic() < deadline, f"the guard did not kill the leaked child {pid}"
        time.sleep(0.05)


def test_a_socket_left_open_is_counted_and_described(outcomes: dict[str, str]) -> None:
    failure = outcomes["test_socket_left_open"]
    assert "1 socket(s) still open" in failure
    assert "tcp 127.0.0.1:" in failure and "LISTEN" in failure


@pytest.mark.parametrize("name", ["test_loop_blocked", "test_loop_on_a_thread_blocked"])
def test_a_blocked_event_loop_fails(outcomes: dict[str, str], name: str) -> None:
    failure = outcomes[name]
    assert "the event loop was blocked for more than" in failure
    assert "Executing <Task" in failure and "main()" in failure


@pytest.mark.parametrize(
    "name",
    [
        "test_clean",
        "test_thread_that_ends_within_the_grace_period",
        "test_allowed_socket_leak",
        "test_wider_fixture_started_lazily_by_this_test",
    ],
)
def test_what_is_cleaned_up_or_owned_elsewhere_passes(outcomes: dict[str, str], name: str) -> None:
    assert outcomes[name] == "passed"
