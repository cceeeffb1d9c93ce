"""Per-test guards: a test fails if it leaves a thread, a child process or a socket behind, or if
an asyncio event loop it ran had one callback that blocked the loop for more than 100 ms
(250 ms in an xdist worker, see :data:`SLOW_CALLBACK`).

Why: Retrovue is a long-running server. A thread, an ffmpeg or a socket that outlives whatever
started it leaks in production too, and a loop blocked for 100 ms stalls every viewer of every
channel. Tests are where both are cheap to see, so every test is checked, not just a few.

Load it as a plugin (``pytest_plugins = ["tests.support.guards"]`` in ``tests/conftest.py``, or
``-p tests.support.guards``): that brings the autouse fixture :func:`_guards`, the marker
``allow_leak`` and the debug event loop policy.

What a test owns
----------------
:func:`_guards` is an autouse *function-scoped* fixture. Pytest sets up every wider-scoped fixture
(session, package, module, class) before any function-scoped one, and autouse fixtures before the
others of their scope; teardown runs in reverse. So the guard's "before" snapshot is taken after
the session and module fixtures this test needs exist - also one created lazily for this very
test, such as a module's ``main_server`` started by its first test - and its "after" snapshot is
taken once every function-scoped fixture of the test has been torn down. Whatever a function
fixture starts and stops is therefore fine; what it starts and does not stop is a leak of that
test. (A hook wrapper around ``pytest_runtest_call`` alone would miss leaks in fixture teardown.)
The one blind spot: a wider-scoped fixture first requested *inside* the test body with
``request.getfixturevalue`` is blamed on that test; mark it ``allow_leak`` with the reason.

A leak is only reported after a grace period (:data:`GRACE`): a thread may be returning, a
killed child may not yet be reaped, a socket may wait for the garbage collector. Child processes
still there after it are killed (SIGKILL, by the pid found as *our* child, never by name), so one
leaking test does not fail every test after it.

Blocked event loops
-------------------
Async code here runs under ``asyncio.run`` called from plain tests (and inside product code on
threads), not under an async test plugin, so the guard hooks the place every such loop comes
from: the event loop policy. Loops it makes run in asyncio debug mode with
``slow_callback_duration`` = 100 ms, and asyncio's own "Executing <handle> took X seconds"
warning becomes a failure of the test. This measures what we care about - how long the loop was
not serving anyone, whatever the cause (a ``time.sleep``, a blocking read, a CPU-bound render) -
and needs no extra dependency. ``blockbuster`` was the alternative: it raises on any blocking
*call* in the loop, however short (every ``open()`` or ``os.stat`` of a cached file), which would
flag calls that cost microseconds, and it misses pure CPU work. Subprocesses (the ``retrovue``
servers the tests start) are not affected: the policy lives in this interpreter only.

A test that cannot avoid one of these yet says so explicitly:
``@pytest.mark.allow_leak("thread", reason="...")`` (kinds: thread, process, socket,
slow_callback; several may be given).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

GRACE = 2.0  # seconds a leak may take to go away by itself (ini option leak_grace overrides)
# seconds one event loop callback may block the loop. The guard measures wall time: with two
# xdist workers (and their ffmpegs) on two cores, a 40 ms step (a fork from the loop) was seen to
# take 200 ms waiting for a core, so under xdist the bound is 250 ms (a read or render blocking
# the loop for a quarter second still fails); `-n 0` runs keep the 100 ms bound.
SLOW_CALLBACK = 0.25 if os.environ.get("PYTEST_XDIST_WORKER") else 0.1

KINDS = ("thread", "process", "socket", "slow_callback")

# Threads that outlive tests by design, by name prefix, each with the reason it may.
IGNORED_THREADS: dict[str, str] = {
    "Dummy-": (
        "not a thread Python started: a native thread (PyAV's decoder threads, say) that called "
        "into Python gets a _DummyThread entry that never leaves threading.enumerate(), even "
        "after the native thread ended; nothing here can join it"
    ),
}

# Child processes that outlive tests by design, by a part of their command line, with the reason.
IGNORED_CHILDREN: dict[str, str] = {
    "from multiprocessing.forkserver import main": (
        "the scanner's process pool uses the forkserver start method; the standard library starts "
        "one forkserver per interpreter on first use and keeps it until the interpreter exits"
    ),
    "from multiprocessing.resource_tracker import main": (
        "started with the forkserver, one per interpreter, until the interpreter exits"
    ),
}

_SLOW_CALLBACK_FORMAT = "Executing %s took %.3f seconds"  # asyncio.base_events._run_once


# -- what exists now -----------------------------------------------------------------------------
@dataclass(frozen=True, order=True)
class Child:
    """A child process of this interpreter; ``started`` (clock ticks after boot) tells apart two
    processes that got the same pid."""

    pid: int
    started: int
    state: str
    command: str

    def describe(self) -> str:
        zombie = " (exited, never waited for)" if self.state == "Z" else ""
        return f"pid {self.pid}{zombie}: {self.command}"


@dataclass(frozen=True)
class Snapshot:
    """The threads, child processes and socket file descriptors of this process at one time."""

    threads: frozenset[threading.Thread]
    children: frozenset[tuple[int, int]]  # (pid, started)
    sockets: frozenset[tuple[int, str]]  # (fd, "socket:[inode]")


def _children() -> dict[tuple[int, int], Child]:
    """This process's children, from every /proc/<pid>/stat: /proc/self/task/*/children would be
    cheaper but needs CONFIG_PROC_CHILDREN, which kernels (this one among them) may lack."""
    me = os.getpid()
    found: dict[tuple[int, int], Child] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat_file:
                stat = stat_file.read().decode(errors="replace")
        except OSError:
            continue  # exited meanwhile
        comm, _, rest = stat[stat.index("(") + 1 :].rpartition(")")
        fields = rest.split()  # fields[0] is field 3 (state) of proc(5)
        if int(fields[1]) != me:
            continue
        pid, started = int(entry.name), int(fields[19])
        found[(pid, started)] = Child(pid, started, fields[0], _command(pid) or f"[{comm}]")
    return found


def _command(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().rstrip(b"\0").replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _sockets() -> frozenset[tuple[int, str]]:
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue  # closed meanwhile (or the fd of the listdir itself)
        if target.startswith("socket:["):
            found.add((int(fd), target))
    return frozenset(found)


def snapshot() -> Snapshot:
    return Snapshot(frozenset(threading.enumerate()), frozenset(_children()), _sockets())


# -- what is new ---------------------------------------------------------------------------------
@dataclass
class Leaks:
    """What exists now and did not at the start of the test (and is not ignored)."""

    threads: list[threading.Thread] = field(default_factory=list)
    children: list[Child] = field(default_factory=list)
    sockets: list[tuple[int, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.threads or self.children or self.sockets)

    def describe(self) -> list[str]:
        lines = []
        if self.threads:
            names = ", ".join(f"{t.name!r}{' (daemon)' if t.daemon else ''}" for t in self.threads)
            lines.append(f"{len(self.threads)} thread(s) still running: {names}")
        if self.children:
            lines.append(f"{len(self.children)} child process(es) still there:")
            lines += [f"  {child.describe()}" for child in self.children]
        if self.sockets:
            lines.append(f"{len(self.sockets)} socket(s) still open:")
            described = _describe_sockets()
            lines += [f"  fd {fd}: {described.get(target, target)}" for fd, target in self.sockets]
        return lines


def _ignored(thread: threading.Thread) -> bool:
    return any(thread.name.startswith(prefix) for prefix in IGNORED_THREADS)


def new_since(before: Snapshot, allowed: set[str]) -> Leaks:
    leaks = Leaks()
    if "thread" not in allowed:
        leaks.threads = sorted(
            (
                t
                for t in threading.enumerate()
                if t not in before.threads and t.is_alive() and not _ignored(t)
            ),
            key=lambda t: t.name,
        )
    if "process" not in allowed:
        leaks.children = sorted(
            child
            for key, child in _children().items()
            if key not in before.children
            and not any(part in child.command for part in IGNORED_CHILDREN)
        )
    if "socket" not in allowed:
        leaks.sockets = sorted(_sockets() - before.sockets)
    return leaks


def wait_for_leaks(before: Snapshot, allowed: set[str], grace: float = GRACE) -> Leaks:
    """What is still new after up to ``grace`` seconds (at once when nothing is)."""
    deadline = time.monotonic() + grace
    collected = False
    delay = 0.005
    while True:
        leaks = new_since(before, allowed)
        if not leaks or time.monotonic() >= deadline:
            return leaks
        if leaks.sockets and not collected:
            gc.collect()  # a dropped, unclosed socket closes here (with its ResourceWarning)
            collected = True
            continue
        for thread in leaks.threads:
            thread.join(max(0.0, min(delay, deadline - time.monotonic())))
        time.sleep(max(0.0, min(delay, deadline - time.monotonic())))
        delay = min(delay * 2, 0.2)


def kill_children(children: list[Child]) -> None:
    """SIGKILL the leaked children that are still the processes the guard saw (pid and start)."""
    for child in children:
        if child.state != "Z" and (child.pid, child.started) in _children():
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGKILL)


_NET_STATES = {"01": "ESTABLISHED", "0A": "LISTEN", "06": "TIME_WAIT", "08": "CLOSE_WAIT"}


def _describe_sockets() -> dict[str, str]:
    """``socket:[inode]`` -> "tcp 127.0.0.1:8000 -> 127.0.0.1:51234 ESTABLISHED" (IPv4 shown;
    others by protocol), from /proc/self/net; what is not found there stays the bare inode."""
    described: dict[str, str] = {}
    for proto in ("tcp", "tcp6", "udp", "udp6", "unix"):
        try:
            with open(f"/proc/self/net/{proto}", encoding="ascii", errors="replace") as table:
                rows = table.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if proto == "unix":
                if len(cols) >= 7:
                    path = cols[7] if len(cols) > 7 else "(unnamed)"
                    described[f"socket:[{cols[6]}]"] = f"unix {path}"
                continue
            if len(cols) < 10:
                continue
            state = _NET_STATES.get(cols[3], cols[3]) if proto.startswith("tcp") else ""
            text = f"{proto} {_address(cols[1])} -> {_address(cols[2])} {state}".rstrip()
            described[f"socket:[{cols[9]}]"] = text
    return described


def _address(hex_address: str) -> str:
    host, _, port = hex_address.partition(":")
    if len(host) == 8:
        host = ".".join(str(b) for b in reversed(bytes.fromhex(host)))
    else:
        host = f"[{host}]"
    return f"{host}:{int(port, 16)}"


# -- blocked event loops -------------------------------------------------------------------------
class SlowCallbacks(logging.Handler):
    """Keeps asyncio's "Executing <handle> took X seconds" records, which debug-mode loops log
    for every callback that ran longer than their ``slow_callback_duration``."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: list[str] = []
        self._lock_seen = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == _SLOW_CALLBACK_FORMAT:
            with self._lock_seen:
                self.seen.append(record.getMessage())

    def take(self) -> list[str]:
        with self._lock_seen:
            seen, self.seen = self.seen, []
        return seen


class DebugLoopPolicy(asyncio.DefaultEventLoopPolicy):
    """Every new loop (``asyncio.run``, ``asyncio.new_event_loop``, on any thread) runs in debug
    mode and reports callbacks longer than :data:`SLOW_CALLBACK`."""

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        loop = super().new_event_loop()
        loop.set_debug(True)
        loop.slow_callback_duration = SLOW_CALLBACK
        return loop


_slow_callbacks = SlowCallbacks()
_previous_policy: list[asyncio.AbstractEventLoopPolicy] = []


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "leak_grace",
        "seconds a leaked thread, process or socket may take to go away "
        "by itself before the test fails",
        default=str(GRACE),
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "allow_leak(*kinds, reason): this test may leave a thread, process or socket behind, or "
        "block an event loop (kinds: thread, process, socket, slow_callback); say why",
    )
    with warnings.catch_warnings():
        # Policies are deprecated from Python 3.14 (removed in 3.16); by then, a loop_factory.
        warnings.simplefilter("ignore", DeprecationWarning)
        _previous_policy.append(asyncio.get_event_loop_policy())
        asyncio.set_event_loop_policy(DebugLoopPolicy())
    logging.getLogger("asyncio").addHandler(_slow_callbacks)


def pytest_unconfigure(config: pytest.Config) -> None:
    logging.getLogger("asyncio").removeHandler(_slow_callbacks)
    if _previous_policy:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            asyncio.set_event_loop_policy(_previous_policy.pop())


# -- the guard -----------------------------------------------------------------------------------
def _allowed(item: pytest.Item) -> set[str]:
    allowed: set[str] = set()
    for mark in item.iter_markers("allow_leak"):
        kinds = set(mark.args)
        if not mark.kwargs.get("reason"):
            raise pytest.UsageError(f"{item.nodeid}: allow_leak needs a reason=")
        if not kinds or not kinds <= set(KINDS):
            raise pytest.UsageError(f"{item.nodeid}: allow_leak kinds are {', '.join(KINDS)}")
        allowed |= kinds
    return allowed


@pytest.fixture(autouse=True)
def _guards(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test if it leaves threads, child processes or sockets, or blocks a loop."""
    allowed = _allowed(request.node)
    _slow_callbacks.take()  # what ran before this test is not its doing
    before = snapshot()
    yield
    leaks = wait_for_leaks(before, allowed, float(request.config.getini("leak_grace")))
    slow = [] if "slow_callback" in allowed else _slow_callbacks.take()
    kill_children(leaks.children)
    problems = leaks.describe()
    if slow:
        problems.append(f"the event loop was blocked for more than {SLOW_CALLBACK * 1000:.0f} ms:")
        problems += [f"  {message}" for message in slow]
    if problems:
        pytest.fail(
            "\n".join(["the test left things behind or blocked its event loop:", *problems]),
            pytrace=False,
        )
