"""A credential that never shows itself: not in ``repr``, ``str``, f-strings, logs or tracebacks.

Plex tokens give full access to a user's server (and their Plex account's other servers), so
the value is reachable only through :meth:`Secret.reveal`, called where it goes into a request
header, and :func:`redact` scrubs it from any text that came back from a library (plexapi puts
request URLs and bodies in its exception messages).
"""

from __future__ import annotations

from collections.abc import Iterable

MASK = "[redacted]"


class Secret:
    """Holds a string; compares by value, prints as ``[redacted]``."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> tuple[object, ...]:  # never pickled into a worker by accident
        raise TypeError("a Secret cannot be pickled")


def redact(text: str, secrets: Iterable[Secret]) -> str:
    """``text`` with every occurrence of each secret's value replaced by ``[redacted]``."""
    for secret in secrets:
        value = secret.reveal()
        if value:
            text = text.replace(value, MASK)
    return text
