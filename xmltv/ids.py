"""The XMLTV channel id: one stable, dotted, opaque string per channel number.

The same id is the XMLTV ``<channel id>``, the M3U ``tvg-id``/``channel-id`` and (later) the
lineup's guide key, so it lives in its own module and nowhere else.

Why this shape (``C7.1a2b3c.retrovue``) and not something simpler:

* a bare number (``7``) fails ``tv_validate_file`` (ids need at least one dot);
* ``<number>.<word>`` (``7.retrovue``) made Plex merge the guides of channels 1/10 and 2/20, which
  is why Tunarr and ErsatzTV moved to ``C{n}.{checksum}.{domain}``;
* the leading ``C`` keeps the id from starting with a number, the number keeps it unique, and a
  short hash of the number keeps ``C1.`` from reading as a prefix of ``C10.``. The hash depends on
  the number alone, so the id is identical across restarts, machines and Python versions.
"""

from __future__ import annotations

import hashlib

__all__ = ["ID_SUFFIX", "channel_id"]

ID_SUFFIX = "retrovue"


def channel_id(number: int) -> str:
    """Return the guide id of channel ``number`` (``>= 1``), e.g. ``C7.<6 hex digits>.retrovue``.

    Raises ``ValueError`` for numbers below 1: clients treat ``0`` and ``-1`` as "no number".
    """
    if isinstance(number, bool) or not isinstance(number, int):
        raise TypeError(f"channel number must be an int, not {type(number).__name__}")
    if number < 1:
        raise ValueError(f"channel number must be at least 1, not {number}")
    digest = hashlib.blake2b(str(number).encode("ascii"), digest_size=3, person=b"retrovue-ch")
    return f"C{number}.{digest.hexdigest()}.{ID_SUFFIX}"
