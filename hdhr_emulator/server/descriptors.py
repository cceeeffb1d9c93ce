"""The process's descriptor budget: raise the soft limit, then split it between connections and
everything else.

Every HTTP connection holds a descriptor, and so do the catalog, media files, ffmpeg's pipes and
the discovery sockets. The common soft limit (1024) is far below the usual hard limit, and a
server that runs out fails ffmpeg opens and media reads along with the accepts. So the soft limit
is raised to the hard one at start, and connections get at most a share of it:

- up to ``soft_cap`` open connections, every request is served;
- past it, new connections are answered ``503`` (and closed) until the count falls;
- at ``hard_cap`` a new connection is closed unanswered: answering needs a descriptor too.

What is above ``hard_cap`` (a quarter of the limit, at most 256) stays for files and processes.
"""

from __future__ import annotations

import logging
import resource
from dataclasses import dataclass

log = logging.getLogger(__name__)

_MAX_RESERVE = 256


@dataclass(frozen=True, slots=True)
class DescriptorLimit:
    """RLIMIT_NOFILE as found at start and as left after raising the soft limit."""

    soft_before: int
    soft: int
    hard: int


@dataclass(frozen=True, slots=True)
class ConnectionBudget:
    """How many connections may be open: served up to ``soft_cap``, answered 503 up to
    ``hard_cap``, closed unanswered past it."""

    soft_cap: int
    hard_cap: int

    @classmethod
    def for_limit(cls, limit: int) -> ConnectionBudget:
        reserve = min(_MAX_RESERVE, limit // 4)
        hard_cap = max(limit - reserve, 2)
        return cls(soft_cap=max(hard_cap * 3 // 4, 1), hard_cap=hard_cap)


def raise_descriptor_limit() -> DescriptorLimit:
    """Raise the soft RLIMIT_NOFILE to the hard limit (unlimited is left as it is) and log both."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = soft
    if hard != resource.RLIM_INFINITY and (soft == resource.RLIM_INFINITY or soft < hard):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            target = hard
        except (ValueError, OSError) as exc:
            log.warning("cannot raise the descriptor limit from %d to %d: %s", soft, hard, exc)
    limit = DescriptorLimit(soft_before=soft, soft=target, hard=hard)
    log.info(
        "descriptor limit: soft %d (was %d), hard %d", limit.soft, limit.soft_before, limit.hard
    )
    return limit
