"""Small helpers that several layers of the device need, written once.

Nothing here knows about HDHomeRun, ffmpeg or HTTP: writing a file so that readers never see it
half-written, stopping an asyncio task, and spelling a host for a URL or a bind.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:  # asyncio is imported where it is used, so that the sans-IO device layer can
    import asyncio  # use the host helpers without pulling in an event loop

WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})
"""Bind addresses that mean "every interface"."""


def atomic_write(path: Path, data: bytes | Callable[[BinaryIO], object]) -> None:
    """Write ``data`` (bytes, or a function writing to a binary file) to ``path`` atomically.

    The bytes go to a hidden sibling first and are renamed over ``path``, so a reader (or a
    crash) never sees a half-written file. Raises OSError; the partial file is removed.
    """
    partial = path.with_name(f".{path.name}.partial")
    try:
        with open(partial, "wb") as out:
            if isinstance(data, bytes):
                out.write(data)
            else:
                data(out)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


async def cancel_and_wait(task: asyncio.Task[Any] | None) -> None:
    """Cancel ``task`` (if any) and wait until it has finished, swallowing its cancellation.

    Our own cancellation still propagates: if the caller is itself being cancelled while it
    waits, the CancelledError is re-raised rather than swallowed with the task's.
    """
    import asyncio

    if task is None or task.done():
        return
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise


def bracket_host(host: str) -> str:
    """``::1`` → ``[::1]``: an IPv6 address as it must appear in a URL or a hypercorn bind."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def is_ipv6(host: str) -> bool:
    """True for an IPv6 literal (which needs AF_INET6 sockets and brackets in URLs)."""
    return ":" in host


def is_loopback(address: str | None) -> bool:
    """Whether a peer address is this machine's loopback (IPv4, IPv6 or IPv4-mapped IPv6)."""
    try:
        ip = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback
