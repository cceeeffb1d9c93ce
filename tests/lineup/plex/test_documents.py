"""Plex XML → catalog items, on the shapes PMS returns (empty attributes left out)."""

from __future__ import annotations

from xml.etree.ElementTree import fromstring

from lineup.models import ItemKind
from lineup.plex import documents
from lineup.plex.dvr import dvrs_using

SERVER = "5f2c1a9e0b7d"  # the machineIdentifier

SHOWS = fromstring("""<MediaContainer size="1" totalSize="1" offset="0">
  <Directory ratingKey="100" key="/library/metadata/100/children" type="show" title="Cheers"
      contentRating="TV-PG" year="1982" thumb="/library/metadata/100/thumb/17" childCount="2"
      updatedAt="1732000000">
    <Genre tag="Comedy"/><Genre tag="Sitcom"/>
  </Directory>
</MediaContainer>""")

EPISODES = fromstring("""<MediaContainer size="3" totalSize="3" offset="0">
  <Video ratingKey="1001" key="/library/metadata/1001" type="episode" title="Give Me a Ring"
      grandparentRatingKey="100" grandparentTitle="Cheers" parentIndex="1" index="1"
      summary="Diane &amp; Sam." originallyAvailableAt="1982-09-30 20:00:00" duration="1440000"
      updatedAt="1732000001">
    <Media duration="1440000" videoCodec="h264" audioCodec="aac" container="mp4" width="1280"
        height="720" audioChannels="6" videoFrameRate="24p">
      <Part key="/library/parts/3001/17/file.mp4" file="/data/TV/Cheers/S01E01.mp4"
          duration="1440000" container="mp4"/>
    </Media>
  </Video>
  <Video ratingKey="1002" key="/library/metadata/1002" type="episode" title="No media"
      grandparentRatingKey="100" grandparentTitle="Cheers" parentIndex="1" index="2"/>
  <Directory ratingKey="9" type="season" title="not an item"/>
</MediaContainer>""")

MOVIES = fromstring("""<MediaContainer size="1">
  <Video ratingKey="200" key="/library/metadata/200" type="movie" title="Airplane!"
      year="1980" duration="5280000" updatedAt="5">
    <Media duration="5280000" videoCodec="mpeg4" container="avi" width="640" height="480"
        videoFrameRate="NTSC">
      <Part key="/library/parts/3201/1/file.avi" file="D:\\\\Movies\\\\Airplane.avi"/>
    </Media>
    <Genre tag="Comedy"/>
  </Video>
</MediaContainer>""")


def test_episodes_inherit_from_their_show_and_keep_plex_locators() -> None:
    shows = {show.rating_key: show for show in documents.shows(SHOWS)}
    parsed = list(documents.items(EPISODES, SERVER, "TV Shows", shows, {"100": ("Sitcoms",)}))
    assert len(parsed) == 2
    first, missing = parsed
    item = first.item
    assert item is not None
    assert item.path == "plex://5f2c1a9e0b7d/library/metadata/1001"
    assert (item.kind, item.show, item.season, item.episode) == (ItemKind.EPISODE, "Cheers", 1, 1)
    assert item.title == "Give Me a Ring" and item.summary == "Diane & Sam."
    assert item.aired == "1982-09-30" and item.year == 1982
    assert item.genres == ("Comedy", "Sitcom") and item.content_rating == "TV-PG"
    assert item.collections == ("Sitcoms",) and item.section == "TV Shows"
    assert item.info.duration == 1440.0 and item.info.fps == 23.976
    assert item.info.audio_channels == 6
    assert item.remote is not None
    assert item.remote.part_key == "/library/parts/3001/17/file.mp4"
    assert item.remote.file == "/data/TV/Cheers/S01E01.mp4"
    assert item.remote.art_key == "/library/metadata/100/thumb/17"  # the show's poster
    assert item.source == "plex"
    assert missing.item is None and missing.label == "Cheers S01E02"
    assert missing.skip_reason == "Plex has no media file for it"


def test_version_changes_with_anything_kept_even_without_updated_at() -> None:
    shows = {show.rating_key: show for show in documents.shows(SHOWS)}
    before = next(documents.items(EPISODES, SERVER, "TV Shows", shows, {}))
    same = next(documents.items(EPISODES, SERVER, "TV Shows", shows, {}))
    moved = next(documents.items(EPISODES, SERVER, "TV Shows", shows, {"100": ("New",)}))
    assert before.version == same.version != moved.version


def test_movies_without_audio_or_summary() -> None:
    (parsed,) = documents.items(MOVIES, SERVER, "Movies", {}, {})
    item = parsed.item
    assert item is not None and item.kind == ItemKind.MOVIE
    assert item.summary is None and item.info.audio_codec is None
    assert item.info.audio_channels == 0 and item.info.fps == 29.97
    assert item.genres == ("Comedy",) and item.year == 1980


def test_paging_facts_and_sections() -> None:
    assert documents.page_info(EPISODES) == (3, 3)
    assert documents.page_info(MOVIES) == (1, None)
    listing = fromstring("""<MediaContainer>
      <Directory key="1" type="movie" title="Movies"><Location path="/data/Movies"/></Directory>
      <Directory key="2" type="artist" title="Music"/>
      <Directory key="3" type="show" title="TV Shows"/>
    </MediaContainer>""")
    found = documents.sections(listing)
    assert [(s.key, s.title, s.type, s.locations) for s in found] == [
        ("1", "Movies", "movie", ("/data/Movies",)),
        ("3", "TV Shows", "show", ()),
    ]


def test_only_dvrs_using_this_device_are_reloaded() -> None:
    dvrs = fromstring("""<MediaContainer size="2">
      <Dvr key="7" uuid="dvr-a"><Device key="1" uuid="device://tv.plex.grabbers.hdhomerun/105A3C4F"/></Dvr>
      <Dvr key="8" uuid="dvr-b"><Device key="2" uuid="device://tv.plex.grabbers.hdhomerun/10ABCDEF"/></Dvr>
      <Dvr key="9" uuid="dvr-c"><Device key="3" deviceId="105a3c4f"/></Dvr>
    </MediaContainer>""")
    assert dvrs_using(dvrs, "105A3C4F") == ["7", "9"]
    assert dvrs_using(None, "105A3C4F") == []
