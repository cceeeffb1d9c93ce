"""The network/studio of Plex items, through plexapi against the stand-in PMS: a show's studio
reaches its episodes (PMS lists put it on shows only), a movie keeps its own, and a changed
network is re-imported even though Plex does not re-date the episodes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lineup.catalog import Catalog
from lineup.models import ItemKind
from lineup.plex import PlexSettings, Secret
from lineup.plex.importer import import_plex
from tests.support.plex_standin import STANDIN_TOKEN, BuiltLibrary, PlexStandin


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    with Catalog.open(tmp_path / "retrovue.db") as opened:
        yield opened


def studios(catalog: Catalog) -> dict[str, set[str | None]]:
    found: dict[str, set[str | None]] = {}
    for item in catalog.items():
        name = item.show if item.kind == ItemKind.EPISODE else item.title
        found.setdefault(name or "", set()).add(item.studio)
    return found


def test_studio_comes_from_the_show_and_the_movie(
    plex_standin: PlexStandin, plex_library: BuiltLibrary, catalog: Catalog
) -> None:
    settings = PlexSettings(plex_standin.url, Secret(STANDIN_TOKEN))
    import_plex(settings, catalog)
    assert studios(catalog) == {
        "Cheers": {"NBC"},
        "Taxi": {"ABC"},
        "Airplane!": {"Paramount"},
        "Top Secret!": {None},  # PMS leaves the attribute out: no studio, not ""
    }

    plex_library.library.update(110, studio="NBC", touch=False)  # Taxi moved network
    plex_library.library.update(201, studio="  Paramount\tPictures ", touch=False)
    again = import_plex(settings, catalog)
    assert again.updated == 3  # Taxi's two episodes and the movie, though nothing was re-dated
    assert studios(catalog)["Taxi"] == {"NBC"}
    assert studios(catalog)["Top Secret!"] == {"Paramount Pictures"}
