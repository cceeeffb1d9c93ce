"""The Plex import against the stand-in PMS: what lands in the catalog and what it costs."""

from __future__ import annotations

from pathlib import Path

import pytest

from lineup.catalog import Catalog
from lineup.channels import resolve_channels
from lineup.config import ChannelSpec
from lineup.errors import ScanError
from lineup.models import ItemKind
from lineup.plex import PlexSettings, Secret
from lineup.plex.dvr import DvrGuideReload
from lineup.plex.importer import import_plex
from tests.support.plex_standin import (
    MACHINE_IDENTIFIER,
    STANDIN_TOKEN,
    BuiltLibrary,
    Episode,
    Part,
    PlexStandin,
    StandinDevice,
    StandinDvr,
    build_big_library,
)


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    with Catalog.open(tmp_path / "retrovue.db") as opened:
        yield opened


def settings_for(
    standin: PlexStandin, token: str = STANDIN_TOKEN, **kwargs: object
) -> PlexSettings:
    return PlexSettings(standin.url, Secret(token), **kwargs)  # type: ignore[arg-type]


def test_import_brings_shows_episodes_and_movies_with_guide_metadata(
    plex_standin: PlexStandin, catalog: Catalog
) -> None:
    summary = import_plex(settings_for(plex_standin), catalog)

    assert (summary.added, summary.updated, summary.removed, summary.skipped) == (9, 0, 0, ())
    assert summary.sections == ("Movies", "TV Shows")
    items = catalog.items()
    episodes = [i for i in items if i.kind == ItemKind.EPISODE]
    assert [(i.show, i.season, i.episode) for i in episodes] == [
        ("Cheers", 1, 1),
        ("Cheers", 1, 2),
        ("Cheers", 1, 3),
        ("Cheers", 2, 1),
        ("Cheers", 2, 2),
        ("Taxi", 1, 1),
        ("Taxi", 1, 2),
    ]
    first = episodes[0]
    assert first.title == "Give Me a Ring Sometime"
    assert first.summary and first.aired and first.year == int(first.aired[:4])
    assert first.genres and first.content_rating
    assert first.section == "TV Shows" and first.collections == ("Sitcoms",)
    assert first.info.duration == pytest.approx(3.0, abs=0.1)
    assert first.icon == f"/artwork/{first.id}"
    assert first.remote is not None and first.remote.part_key.startswith("/library/parts/3001/")
    assert first.remote.file.startswith("/data/TV Shows/Cheers/")
    movies = {i.title: i for i in items if i.kind == ItemKind.MOVIE}
    assert set(movies) == {"Airplane!", "Top Secret!"}
    assert movies["Top Secret!"].summary is None
    assert movies["Airplane!"].collections == ("Comedies",)

    paths = [r.path for r in plex_standin.requests.snapshot()]
    assert len(paths) <= 12, paths  # /, /library, sections, 2 x (collections + members + list) ...
    assert not [p for p in paths if p.startswith("/library/metadata/")], "one request per item"
    assert all(
        r.header("X-Plex-Token") == STANDIN_TOKEN and "X-Plex-Token" not in r.query
        for r in plex_standin.requests.snapshot()
    )


def test_rescan_rewrites_only_what_changed_and_keeps_row_ids(
    plex_standin: PlexStandin, plex_library: BuiltLibrary, catalog: Catalog
) -> None:
    settings = settings_for(plex_standin)
    import_plex(settings, catalog)
    ids = {i.path: i.id for i in catalog.items()}

    again = import_plex(settings, catalog)
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 9)

    library = plex_library.library
    library.update(1001, title="Retitled")
    library.remove(1102)
    library.update(library.show("Taxi"), genres=("Drama",))  # a show-level change
    third = import_plex(settings, catalog)
    assert (third.added, third.updated, third.removed, third.unchanged) == (0, 2, 1, 6)
    items = {i.path: i for i in catalog.items()}
    retitled = next(i for i in items.values() if i.title == "Retitled")
    assert retitled.id == ids[retitled.path]
    assert next(i for i in items.values() if i.show == "Taxi").genres == ("Drama",)
    assert len(items) == 8


def test_paging_gets_everything_even_without_total_size(
    tmp_path: Path, catalog: Catalog, make_clip: object
) -> None:
    clip = make_clip(tmp_path / "clip.mp4", 1.0)  # type: ignore[operator]
    library = build_big_library(clip, shows=3, episodes_per_show=900, movies=1500)
    with PlexStandin(library, omit_total_size=True, require_container_size=True) as standin:
        progress: list[tuple[int, int]] = []
        summary = import_plex(
            settings_for(standin),
            catalog,
            on_progress=lambda done, total: progress.append((done, total)),
        )
        assert summary.added == 3 * 900 + 1500
        assert progress[-1][0] == 4200
        assert summary.requests <= 15
    assert len(catalog.items()) == 4200


def test_bad_token_fails_with_one_line_and_leaves_the_catalog(
    plex_standin: PlexStandin, catalog: Catalog
) -> None:
    import_plex(settings_for(plex_standin), catalog)
    plex_standin.token = "a-new-token-after-revoking"
    with pytest.raises(ScanError) as caught:
        import_plex(settings_for(plex_standin), catalog)
    message = str(caught.value)
    assert message == (
        f"Plex at {plex_standin.url} refused the token (401 Unauthorized): "
        "check token_env / token_file in the config"
    )
    assert STANDIN_TOKEN not in message
    assert len(catalog.items()) == 9


def test_plex_down_fails_with_one_line(plex_standin: PlexStandin, catalog: Catalog) -> None:
    import_plex(settings_for(plex_standin), catalog)
    with plex_standin.down(), pytest.raises(ScanError) as caught:
        import_plex(settings_for(plex_standin, timeout=3), catalog)
    assert str(caught.value) == (
        f"cannot reach Plex at {plex_standin.url} (is it running, and is the url right?)"
    )
    assert len(catalog.items()) == 9
    assert import_plex(settings_for(plex_standin), catalog).unchanged == 9  # back: recovered


def test_chosen_sections_only_and_unknown_section_named(
    plex_standin: PlexStandin, catalog: Catalog
) -> None:
    summary = import_plex(settings_for(plex_standin, sections=("tv shows",)), catalog)
    assert summary.added == 7
    assert {i.kind for i in catalog.items()} == {ItemKind.EPISODE}
    with pytest.raises(
        ScanError,
        match=r"no show or movie section called 'Music' "
        r"\(sections: 'Movies', 'TV Shows'\)",
    ):
        import_plex(settings_for(plex_standin, sections=("Music",)), catalog)


def test_collections_and_sections_make_channels(
    plex_standin: PlexStandin, catalog: Catalog
) -> None:
    import_plex(settings_for(plex_standin), catalog)
    specs = [
        ChannelSpec(number=1, name="Sitcoms", collections=("sitcoms",)),
        ChannelSpec(number=2, name="Films", sections=("Movies",)),
        ChannelSpec(number=3, name="Cheers", shows=("Cheers",)),
    ]
    sitcoms, films, cheers = resolve_channels(specs, catalog.items())
    assert [i.show for i in sitcoms.programmes[:4]] == ["Cheers", "Taxi", "Cheers", "Taxi"]
    assert len(sitcoms.programmes) == 7
    assert sorted(i.title for i in films.programmes) == ["Airplane!", "Top Secret!"]
    assert len(cheers.programmes) == 5


def test_dvr_reload_asks_only_the_dvr_using_this_tuner(
    plex_library: BuiltLibrary, caplog: pytest.LogCaptureFixture
) -> None:
    ours = StandinDvr(
        key=7, devices=[StandinDevice(uri="http://127.0.0.1:5004", device_id="105A3C4F")]
    )
    theirs = StandinDvr(
        key=8, devices=[StandinDevice(uri="http://127.0.0.1:5005", device_id="1234ABCD")]
    )
    with PlexStandin(plex_library.library, dvrs=[ours, theirs]) as standin:
        assert DvrGuideReload(settings_for(standin), "105A3C4F")() == ["7"]
        assert standin.reloaded_dvrs == [7]
        standin.token = "revoked"
        assert DvrGuideReload(settings_for(standin), "105A3C4F")() == []  # logged, not raised
    assert "refused the token (401 Unauthorized)" in caplog.text
    # The kept record holds the error, whose traceback holds the 401 response and so its pooled
    # socket: urllib3 2 closes idle pooled sockets only when their pool is collected, not on
    # Session.close(). Production handlers drop records; here the socket would outlive the test.
    caplog.clear()


def test_a_new_url_for_the_same_server_keeps_every_item_and_id(
    plex_standin: PlexStandin, plex_library: BuiltLibrary, catalog: Catalog
) -> None:
    """Items are keyed by Plex's machineIdentifier: moving Plex to another address must not
    orphan the catalog (or the published guide, which holds the items)."""
    import_plex(settings_for(plex_standin), catalog)
    ids = {item.path: item.id for item in catalog.items()}
    with PlexStandin(plex_library.library) as moved:  # same server, new port
        summary = import_plex(settings_for(moved), catalog)
    assert (summary.added, summary.removed, summary.unchanged) == (0, 0, 9)
    assert {item.path: item.id for item in catalog.items()} == ids
    assert catalog.server_ids() == {
        plex_standin.url: MACHINE_IDENTIFIER,
        moved.url: MACHINE_IDENTIFIER,
    }


def test_a_multi_episode_file_airs_once_as_a_range(
    plex_standin: PlexStandin, plex_library: BuiltLibrary, catalog: Catalog
) -> None:
    """Plex lists S01E03-E04 in one file as two episodes of the same file."""
    library = plex_library.library
    third = library.get(1003)
    part = Part(id=3009, file=third.part.file, local_path=third.part.local_path)
    library.add_episode(
        101,
        Episode(
            rating_key=1009, index=4, title="Tortelli Part 2", part=part, duration=third.duration
        ),
    )
    summary = import_plex(settings_for(plex_standin), catalog)
    assert summary.added == 9
    (merged,) = [i for i in catalog.items() if i.show == "Cheers" and i.episode == 3]
    assert (merged.season, merged.episode, merged.episode_end) == (1, 3, 4)
    assert not [i for i in catalog.items() if i.show == "Cheers" and i.episode == 4]
