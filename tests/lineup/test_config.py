"""Config loading: the happy path, and every kind of mistake reported as ``file:line: message``."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from lineup.config import ChannelSpec, RetrovueConfig, ServerSettings, load_config
from lineup.errors import ConfigError
from lineup.models import (
    BreakPolicy,
    BreakSource,
    ChannelProfile,
    FillerKind,
    FillerPolicy,
    Order,
    OutputMode,
    Preset,
)
from lineup.plex import PlexSettings, Secret


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A folder holding a config's neighbours: media folders and a logo."""
    for folder in ("tv", "movies", "ads/80s", "tv/Cheers"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    (tmp_path / "logo.png").write_bytes(b"png")
    return tmp_path


def write(site: Path, text: str) -> Path:
    path = site / "retrovue.toml"
    path.write_text(dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def plex_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETROVUE_TEST_PLEX_TOKEN", "t0k3n")


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.path == path
    return str(caught.value)


GOOD = """
    media = ["tv", "movies"]
    data_dir = "state"
    horizon_hours = 48

    [server]
    port = 5004

    [[plex]]
    url = "http://plex:32400"
    token_env = "RETROVUE_TEST_PLEX_TOKEN"

    [[channel]]
    number = 3
    name = "Must See TV"
    shows = ["Cheers", "Frasier"]
    order = "shuffle"
    seed = 7
    logo = "logo.png"
    mode = "copy"
    group = "Sitcoms"

    [channel.filler]
    items = 3
    pad_minutes = 30
    folders = ["ads/80s"]

    [[channel]]
    number = 9
    name = "Movies"
    movies = ["Alien", "Heat (1995)"]
    folders = ["tv/Cheers"]
    filler = { seconds = 90.5 }

    [[channel]]
    number = 10
    name = "Everything"
    movies = true
"""


def test_a_full_config_loads(site: Path) -> None:
    config = load_config(write(site, GOOD))

    assert config.media == (site / "tv", site / "movies")
    assert config.data_dir == site / "state"
    assert config.horizon_hours == 48.0
    assert config.path == site / "retrovue.toml"
    assert config.server == ServerSettings(port=5004)
    assert config.plex == (PlexSettings(url="http://plex:32400", token=Secret("t0k3n")),)
    assert config.channels == (
        ChannelSpec(
            number=3,
            name="Must See TV",
            shows=("Cheers", "Frasier"),
            order=Order.SHUFFLE,
            seed=7,
            filler=FillerPolicy(items=3, pad_minutes=30),
            filler_folders=(site / "ads/80s",),
            logo=site / "logo.png",
            mode=OutputMode.COPY,
            group="Sitcoms",
        ),
        ChannelSpec(
            number=9,
            name="Movies",
            movies=("Alien", "Heat (1995)"),
            folders=(site / "tv/Cheers",),
            filler=FillerPolicy(seconds=90.5),
        ),
        ChannelSpec(number=10, name="Everything", movies=True),
    )


def test_defaults(site: Path) -> None:
    config = load_config(write(site, 'media = ["tv"]\n'))

    assert config == RetrovueConfig(media=(site / "tv",), path=site / "retrovue.toml")
    assert config.horizon_hours == 72.0
    assert config.channels == ()
    assert config.data_dir is None


def test_filler_folders_alone_keep_the_default_break(site: Path) -> None:
    path = write(
        site,
        """
        [[channel]]
        number = 1
        name = "A"
        shows = ["Cheers"]
        [channel.filler]
        folders = ["ads"]
    """,
    )
    (spec,) = load_config(path).channels
    assert spec.filler is None
    assert spec.filler_folders == (site / "ads",)


def test_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    assert error_of(path) == f"{path}: config file not found"


def test_toml_syntax_error_has_the_line(site: Path) -> None:
    path = write(
        site,
        """
        media = ["tv"]

        [[channel]]
        number = 3
        name = "Cheers
    """,
    )
    assert error_of(path) == f"{path}:5: invalid TOML: Illegal character '\\n' (column 15)"


def test_toml_error_at_end_of_file(site: Path) -> None:
    path = write(site, 'media = ["tv"]\nname = """never closed\n')
    assert error_of(path) == f"{path}:2: invalid TOML: Unterminated string (at end of file)"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        pytest.param(
            'media = ["tv"]\nhorizon = 4\n',
            2,
            "unknown key 'horizon' in the top level (did you mean 'horizon_hours'?)",
            id="top-level",
        ),
        pytest.param(
            '[[channel]]\nnumber = 1\nnmae = "A"\nshows = ["x"]\n',
            3,
            "unknown key 'nmae' in [[channel]] (did you mean 'name'?)",
            id="channel",
        ),
        pytest.param(
            '[[channel]]\nnumber = 1\nname = "A"\nshows = ["x"]\ncolour = "red"\n',
            5,
            "unknown key 'colour' in [[channel]]",
            id="no-suggestion",
        ),
        pytest.param(
            '[[channel]]\nnumber = 1\nname = "A"\nshows = ["x"]\n\n[channel.filler]\nitem = 2\n',
            7,
            "unknown key 'item' in [channel.filler] (did you mean 'items'?)",
            id="filler",
        ),
    ],
)
def test_unknown_keys(site: Path, text: str, line: int, message: str) -> None:
    path = write(site, text)
    assert error_of(path) == f"{path}:{line}: {message}"


@pytest.mark.parametrize(
    ("lines", "line", "message"),
    [
        pytest.param(['number = "3"'], 2, "'number' must be an integer, not a string", id="number"),
        pytest.param(["number = true"], 2, "'number' must be an integer, not a boolean", id="bool"),
        pytest.param(["number = 0"], 2, "'number' must be between 1 and 9999, not 0", id="zero"),
        pytest.param(["name = 5"], 3, "'name' must be a string, not an integer", id="name"),
        pytest.param(['name = "  "'], 3, "'name' must not be empty", id="blank-name"),
        pytest.param(
            ['shows = "Cheers"'], 4, "'shows' must be an array of strings, not a string", id="shows"
        ),
        pytest.param(
            ['shows = ["Cheers", 3]'],
            4,
            "'shows' must be an array of strings, but has an integer",
            id="shows-item",
        ),
        pytest.param(
            ["movies = 1"], 5, "'movies' must be an array of strings, not an integer", id="movies"
        ),
        pytest.param(["seed = 1.5"], 5, "'seed' must be an integer, not a number", id="seed"),
        pytest.param(["group = []"], 5, "'group' must be a string, not an array", id="group"),
        pytest.param(['filler = "lots"'], 5, "'filler' must be a table, not a string", id="filler"),
        pytest.param(
            ["filler = { items = -1 }"], 5, "'items' must be between 0 and 1000, not -1", id="items"
        ),
        pytest.param(
            ["filler = { pad_minutes = 1441 }"],
            5,
            "'pad_minutes' must be between 0 and 1440, not 1441",
            id="pad",
        ),
        pytest.param(
            ['filler = { seconds = "60" }'],
            5,
            "'seconds' must be a number, not a string",
            id="seconds",
        ),
    ],
)
def test_wrong_types_and_ranges(site: Path, lines: list[str], line: int, message: str) -> None:
    """A valid channel (header, number, name, shows: lines 1-4) with one line replaced or added."""
    fields = {"number": "number = 1", "name": 'name = "A"', "shows": 'shows = ["Cheers"]'}
    for replacement in lines:
        fields[replacement.split("=")[0].strip()] = replacement
    path = write(site, "[[channel]]\n" + "\n".join(fields.values()) + "\n")
    assert error_of(path) == f"{path}:{line}: {message}"


def test_top_level_types(site: Path) -> None:
    path = write(site, 'media = "tv"\n')
    assert error_of(path) == f"{path}:1: 'media' must be an array of strings, not a string"
    path = write(site, 'media = ["tv"]\nhorizon_hours = 0\n')
    assert error_of(path) == f"{path}:2: 'horizon_hours' must be between 1 and 744, not 0"
    path = write(site, "channel = 5\n")
    assert error_of(path) == f"{path}:1: 'channel' must be an array of tables ([[channel]])"
    path = write(site, '[plex]\nurl = "x"\n')
    assert error_of(path) == f"{path}:1: 'plex' must be an array of tables ([[plex]])"
    path = write(site, "server = 1\n")
    assert error_of(path) == f"{path}:1: 'server' must be a table, not an integer"


def test_server_table(site: Path) -> None:
    config = load_config(
        write(
            site,
            """
        [server]
        host = "127.0.0.1"
        port = 9000
        tuners = 2
        linger = 5
        mode = "copy"
        advertise_url = "http://192.168.1.50:9000"
        friendly_name = "Den TV"
    """,
        )
    )
    assert config.server == ServerSettings(
        host="127.0.0.1",
        port=9000,
        tuners=2,
        linger=5.0,
        mode=OutputMode.COPY,
        advertise_url="http://192.168.1.50:9000",
        friendly_name="Den TV",
    )
    assert load_config(write(site, "")).server == ServerSettings()
    assert load_config(write(site, '[server]\ntuners = "auto"')).server.tuners == "auto"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('port = "x"', "'port' must be an integer, not a string"),
        ("port = 65536", "'port' must be between 1 and 65535, not 65536"),
        ("tuners = 0", "'tuners' must be between 1 and 64, not 0"),
        ("tuners = 99999999999", "'tuners' must be between 1 and 64, not 99999999999"),
        ('tuners = "many"', "'tuners' must be an integer or \"auto\", not 'many'"),
        ("linger = -1", "'linger' must be between 0 and 86400, not -1"),
        ('mode = "cpy"', "unknown mode 'cpy' (did you mean 'copy'?)"),
        ('host = ""', "'host' must not be empty"),
        (
            'advertise_url = "192.168.1.50:8000"',
            "'advertise_url' must be an absolute http(s) URL such as \"http://192.168.1.50:8000\", "
            "not '192.168.1.50:8000'",
        ),
        ("friendly_name = 1", "'friendly_name' must be a string, not an integer"),
        ("prot = 8000", "unknown key 'prot' in [server] (did you mean 'port'?)"),
    ],
)
def test_bad_server_values_point_at_their_line(site: Path, line: str, message: str) -> None:
    path = write(site, f'media = ["tv"]\n\n[server]  # defaults for serve\n\n{line}\n')
    assert error_of(path) == f"{path}:5: {message}"


def test_duplicate_channel_numbers(site: Path) -> None:
    path = write(
        site,
        """
        [[channel]]
        number = 4
        name = "Cheers"
        shows = ["Cheers"]

        [[channel]]
        name = "Taxi"
        shows = ["Taxi"]
        number = 4
    """,
    )
    assert error_of(path) == (
        f"{path}:9: duplicate channel number 4 (already used by 'Cheers' on line 2)"
    )


def test_missing_required_keys_point_at_the_header(site: Path) -> None:
    path = write(
        site,
        """
        [[channel]]
        number = 1
        name = "A"
        shows = ["x"]

        [[channel]]
        number = 2
        shows = ["y"]
    """,
    )
    assert error_of(path) == f"{path}:6: [[channel]] is missing required key 'name'"


def test_channel_without_content(site: Path) -> None:
    path = write(
        site,
        """
        media = ["tv"]

        [[channel]]
        number = 2
        name = "Blank"
        group = "x"
    """,
    )
    assert error_of(path) == (
        f"{path}:3: channel 2 ('Blank') has no content: set shows, movies, folders, "
        "collections or sections"
    )


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        pytest.param(
            'media = ["tv", "gone"]\n', 1, "media folder not found: {site}/gone", id="media"
        ),
        pytest.param(
            'media = ["logo.png"]\n',
            1,
            "media folder is not a folder: {site}/logo.png",
            id="media-file",
        ),
        pytest.param(
            '[[channel]]\nnumber = 1\nname = "A"\nfolders = ["tv", "nowhere"]\n',
            4,
            "folder not found: {site}/nowhere",
            id="folders",
        ),
        pytest.param(
            '[[channel]]\nnumber = 1\nname = "A"\nshows = ["x"]\nlogo = "l.png"\n',
            5,
            "logo file not found: {site}/l.png",
            id="logo",
        ),
        pytest.param(
            '[[channel]]\nnumber = 1\nname = "A"\nshows = ["x"]\n[channel.filler]\n'
            'items = 1\nfolders = ["ads/90s"]\n',
            7,
            "filler folder not found: {site}/ads/90s",
            id="filler-folders",
        ),
    ],
)
def test_missing_paths(site: Path, text: str, line: int, message: str) -> None:
    path = write(site, text)
    assert error_of(path) == f"{path}:{line}: " + message.format(site=site)


def test_absolute_and_home_paths(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(site))
    path = write(site, f'media = ["{site / "tv"}", "~/movies"]\n')
    assert load_config(path).media == (site / "tv", site / "movies")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('order = "shufle"', "unknown order 'shufle' (did you mean 'shuffle'?)"),
        ('order = "random"', "unknown order 'random' (expected chronological or shuffle)"),
        ('mode = "fast"', "unknown mode 'fast' (expected transcode or copy or auto)"),
        ('mode = "tanscode"', "unknown mode 'tanscode' (did you mean 'transcode'?)"),
    ],
)
def test_unknown_order_and_mode(site: Path, line: str, message: str) -> None:
    path = write(site, f'[[channel]]\nnumber = 1\nname = "A"\nshows = ["x"]\n{line}\n')
    assert error_of(path) == f"{path}:5: {message}"


def test_filler_items_and_seconds_are_exclusive(site: Path) -> None:
    path = write(
        site,
        """
        [[channel]]
        number = 1
        name = "A"
        shows = ["x"]

        [channel.filler]
        seconds = 60
        pad_minutes = 30
        items = 2
    """,
    )
    assert error_of(path) == (
        f"{path}:7: set either 'items' or 'seconds' in [channel.filler], not both"
    )


def test_errors_in_later_channels_point_at_their_own_lines(site: Path) -> None:
    path = write(
        site,
        '''
        [[channel]]
        number = 1
        name = """A name that mentions
        [[channel]] and mode = "x" on its own lines"""
        shows = [
            "Cheers",  # a comment with ] and [[channel]]
            "Taxi",
        ]

        [channel.filler]
        items = 2

        [[channel]]
        number = 2
        name = "B"
        shows = ["y"]

        [[channel]]
        number = 3
        name = "C"
        shows = ["z"]
        mode = "x"
    ''',
    )
    assert error_of(path) == f"{path}:22: unknown mode 'x' (expected transcode or copy or auto)"


def test_inline_filler_errors_point_at_the_filler_line(site: Path) -> None:
    path = write(
        site,
        '[[channel]]\nnumber = 1\nname = "A"\nshows = ["x"]\n'
        "filler = { items = 2, seconds = 30 }\n",
    )
    assert error_of(path) == (
        f"{path}:5: set either 'items' or 'seconds' in [channel.filler], not both"
    )


def test_error_at_locates_keys_for_later_validators(site: Path) -> None:
    config = load_config(write(site, GOOD))

    error = config.error_at("bad url", "plex", 0, "url")
    assert str(error) == f"{site / 'retrovue.toml'}:9: bad url"
    assert config.error_at("bad port", "server", "port").line == 6
    assert config.error_at("no such key", "server", "host").line == 5  # falls back to [server]


def test_profile_defaults_and_per_channel_overrides(site: Path) -> None:
    config = load_config(
        write(
            site,
            """
        [profile]
        resolution = "854x480"
        fps = 25
        video_kbps = 1500

        [[channel]]
        number = 1
        name = "Kids"
        shows = ["Cheers"]
        [channel.profile]
        preset = "ultrafast"
        audio_channels = "mono"
        gop_seconds = 2

        [[channel]]
        number = 2
        name = "Plain"
        movies = true
    """,
        )
    )
    kids, plain = config.channels
    assert config.profile == ChannelProfile(width=854, height=480, fps=25.0, video_kbps=1500)
    assert kids.profile == ChannelProfile(
        width=854,
        height=480,
        fps=25.0,
        video_kbps=1500,
        preset=Preset.ULTRAFAST,
        audio_channels=1,
        gop_seconds=2.0,
    )
    assert plain.profile == config.profile


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('resolution = "1280*720"', 'resolution must look like "1280x720"'),
        ('resolution = "1279x720"', 'resolution must look like "1280x720"'),
        ('preset = "placebo"', "preset"),
        ("gop_seconds = 5", "gop_seconds"),
        ("audio_channels = 6", 'audio_channels must be "stereo" or "mono"'),
        ("bitrate = 3000", "unknown key 'bitrate'"),
    ],
    ids=["resolution-shape", "odd-width", "preset", "gop-too-long", "audio-channels", "unknown"],
)
def test_bad_profile_points_at_its_line(site: Path, line: str, message: str) -> None:
    path = write(
        site,
        f"""
        [[channel]]
        number = 1
        name = "Kids"
        shows = ["Cheers"]
        [channel.profile]
        {line}
    """,
    )
    assert error_of(path).startswith(f"{path}:6: ")
    assert message in error_of(path)


@pytest.mark.parametrize(
    ("number", "message"),
    [
        pytest.param(
            "99999999999999999999",
            "'number' must be between 1 and 9999, not 99999999999999999999",
            id="beyond-sqlite",
        ),
        pytest.param(
            "9223372036854775807",
            "'number' must be between 1 and 9999, not 9223372036854775807",
            id="int64-max",
        ),
        pytest.param("10000", "'number' must be between 1 and 9999, not 10000", id="10000"),
    ],
)
def test_channel_numbers_are_what_hdhomerun_clients_accept(
    site: Path, number: str, message: str
) -> None:
    """Issue 10, defect 6: huge numbers ended in OverflowError (no file:line) or were accepted."""
    path = write(site, f'[[channel]]\nnumber = {number}\nname = "A"\nshows = ["Cheers"]\n')
    assert error_of(path) == f"{path}:2: {message}"


def test_channel_number_9999_is_accepted(site: Path) -> None:
    path = write(site, '[[channel]]\nnumber = 9999\nname = "A"\nshows = ["Cheers"]\n')
    assert load_config(path).channels[0].number == 9999


@pytest.mark.parametrize(
    ("line", "key"),
    [
        pytest.param("shows = []", "shows", id="shows"),
        pytest.param("movies = []", "movies", id="movies"),
        pytest.param("folders = []", "folders", id="folders"),
        pytest.param("collections = []", "collections", id="collections"),
        pytest.param("sections = []", "sections", id="sections"),
    ],
)
def test_empty_selections_are_load_errors(site: Path, line: str, key: str) -> None:
    """Issue 10, defect 6: ``shows = []`` silently made an "off air" channel."""
    path = write(site, f'[[channel]]\nnumber = 1\nname = "A"\n{line}\n')
    assert error_of(path) == (f"{path}:4: '{key}' is empty: name at least one, or remove the key")


def test_empty_filler_folders_are_a_load_error(site: Path) -> None:
    path = write(
        site,
        '[[channel]]\nnumber = 1\nname = "A"\nshows = ["x"]\n[channel.filler]\nfolders = []\n',
    )
    assert error_of(path) == (f"{path}:6: 'folders' is empty: name at least one, or remove the key")


def test_breaks_cards_and_roles_load(site: Path) -> None:
    (site / "ads" / "bumpers").mkdir()
    (site / "ads" / "ids").mkdir()
    path = write(
        site,
        """
        [[channel]]
        number = 4
        name = "Retro Weeknights"
        shows = ["Cheers"]
        breaks = "detected"
        breaks_per_half_hour = 3
        break_seconds = 90
        up_next = false

        [channel.filler]
        kinds = ["commercials", "bumpers", "ids"]
        bumpers = ["ads/bumpers"]
        ids = ["ads/ids"]
        id_window_minutes = 2.5
    """,
    )
    (spec,) = load_config(path).channels
    assert spec.breaks == BreakPolicy(BreakSource.DETECTED, per_half_hour=3, seconds=90.0)
    assert spec.up_next is False
    assert spec.filler_kinds == (FillerKind.COMMERCIAL, FillerKind.BUMPER, FillerKind.STATION_ID)
    assert spec.role_folders == (
        (FillerKind.BUMPER, (site / "ads" / "bumpers",)),
        (FillerKind.STATION_ID, (site / "ads" / "ids",)),
    )
    assert spec.id_window_minutes == 2.5
    assert spec.filler is None  # roles alone keep the default break length


def test_breaks_and_cards_default_on(site: Path) -> None:
    path = write(site, '[[channel]]\nnumber = 1\nname = "A"\nshows = ["Cheers"]\n')
    (spec,) = load_config(path).channels
    assert spec.breaks == BreakPolicy(BreakSource.CHAPTERS, per_half_hour=2, seconds=120.0)
    assert spec.up_next is True
    assert spec.filler_kinds == ()
    assert spec.role_folders == ()
    assert spec.id_window_minutes == 5.0


@pytest.mark.parametrize(
    ("extra", "line", "message"),
    [
        pytest.param(
            'breaks = "chapter"',
            5,
            "unknown breaks 'chapter' (did you mean 'chapters'?)",
            id="breaks",
        ),
        pytest.param(
            "breaks_per_half_hour = 7",
            5,
            "'breaks_per_half_hour' must be between 0 and 6, not 7",
            id="per-half-hour",
        ),
        pytest.param(
            "breaks_per_half_hour = 1.5",
            5,
            "'breaks_per_half_hour' must be an integer, not a number",
            id="per-half-hour-type",
        ),
        pytest.param(
            "break_seconds = -1",
            5,
            "'break_seconds' must be between 0 and 1800, not -1",
            id="break-seconds",
        ),
        pytest.param(
            'up_next = "yes"', 5, "'up_next' must be true or false, not a string", id="up-next"
        ),
        pytest.param(
            '[channel.filler]\nkinds = ["commercial"]',
            6,
            "unknown filler kind 'commercial' (did you mean 'commercials'?)",
            id="kind",
        ),
        pytest.param(
            "[channel.filler]\nkinds = []",
            6,
            "'kinds' is empty: name at least one, or remove the key",
            id="kinds-empty",
        ),
        pytest.param(
            '[channel.filler]\nbumpers = ["nowhere"]',
            6,
            "bumpers folder not found: {site}/nowhere",
            id="bumper-folder",
        ),
        pytest.param(
            "[channel.filler]\nid_window_minutes = 31",
            6,
            "'id_window_minutes' must be between 0 and 30, not 31",
            id="id-window",
        ),
        pytest.param(
            "[channel.filler]\nid = []",
            6,
            "unknown key 'id' in [channel.filler] (did you mean 'ids'?)",
            id="unknown-filler-key",
        ),
    ],
)
def test_bad_break_settings_point_at_their_line(
    site: Path, extra: str, line: int, message: str
) -> None:
    path = write(site, f'[[channel]]\nnumber = 1\nname = "A"\nshows = ["Cheers"]\n{extra}\n')
    assert error_of(path) == f"{path}:{line}: {message.format(site=site)}"
