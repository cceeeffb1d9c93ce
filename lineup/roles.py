"""Break roles: which part each filler item plays in a break, and a channel's pool by role.

A break is composed from roles (a bumper out of the show, commercials, a bumper back in; a
station ID near the top of the hour), so the pool a channel draws from is split by role once.
An item's role comes from its folder (:func:`lineup.naming.filler_kind_of`) or from the
channel's own role folders; an item with none (say, an episode picked by ``folders``) is plain
filler.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from lineup.models import FillerKind, MediaItem

__all__ = ["pool_with_roles", "present_roles", "role_of"]


def role_of(item: MediaItem) -> FillerKind:
    """The item's role in a break (plain filler when its folder names none)."""
    return item.filler_kind or FillerKind.FILLER


def present_roles(pool: Iterable[MediaItem]) -> tuple[FillerKind, ...]:
    """The roles some item of ``pool`` plays, in :class:`FillerKind` order."""
    found = {role_of(item) for item in pool}
    return tuple(role for role in FillerKind if role in found)


def pool_with_roles(
    pool: Sequence[MediaItem],
    role_folders: Sequence[tuple[FillerKind, Sequence[Path]]],
    under: Callable[[Sequence[Path]], Sequence[MediaItem]],
    kinds: Sequence[FillerKind] = (),
) -> tuple[tuple[MediaItem, ...], tuple[FillerKind, ...]]:
    """A channel's break pool and the roles it uses.

    A role with its own folders takes its items from there alone (tagged with that role, so
    a ``bumpers = ["nbc"]`` folder needs no ``Bumpers/`` in its path); the other roles keep
    ``pool``'s. ``kinds`` (when given) keeps only those roles. By path, like every pool.
    """
    overridden = {role for role, _ in role_folders}
    chosen: dict[int, MediaItem] = {
        item.id: item for item in pool if role_of(item) not in overridden
    }
    for role, folders in role_folders:
        for item in under(folders):
            chosen[item.id] = item if item.filler_kind == role else replace(item, filler_kind=role)
    items = sorted(chosen.values(), key=lambda item: (item.path, item.id))
    if kinds:
        items = [item for item in items if role_of(item) in kinds]
    return tuple(items), present_roles(items)
