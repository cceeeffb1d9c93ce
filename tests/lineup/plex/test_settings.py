"""``[[plex]]`` validation: one line pointing at the key, and the token never shown."""

from __future__ import annotations

import os
from pathlib import Path
from textwrap import dedent

import pytest

from lineup.config import load_config
from lineup.errors import ConfigError
from lineup.plex import PathMap, Secret


def write(folder: Path, text: str) -> Path:
    path = folder / "retrovue.toml"
    path.write_text(dedent(text))
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return str(caught.value)


def test_token_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_PLEX", "  s3cret-token \n")
    config = load_config(
        write(
            tmp_path,
            """
        [[plex]]
        url = "http://192.168.1.10:32400/"
        token_env = "MY_PLEX"
        sections = ["TV Shows", "Movies"]
        path_map = { "/data/media" = "/mnt/nas/media" }
        reload_guide = true
    """,
        )
    )
    (plex,) = config.plex
    assert plex.url == "http://192.168.1.10:32400"
    assert plex.token.reveal() == "s3cret-token"
    assert plex.sections == ("TV Shows", "Movies")
    assert plex.path_map == PathMap.from_mapping({"/data/media": "/mnt/nas/media"})
    assert plex.reload_guide is True
    assert "s3cret" not in repr(config) and "s3cret" not in f"{plex.token}"


def test_token_file_must_be_private(tmp_path: Path) -> None:
    token = tmp_path / "plex.token"
    token.write_text("file-token\n")
    os.chmod(token, 0o644)
    path = write(
        tmp_path,
        """
        [[plex]]
        url = "http://plex:32400"
        token_file = "plex.token"
    """,
    )
    assert error_of(path) == (
        f"{path}:4: token file {token} is readable by other users "
        f"(mode 0644): run chmod 600 {token}"
    )
    os.chmod(token, 0o600)
    assert load_config(path).plex[0].token == Secret("file-token")


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        (
            'url = "http://plex:32400"\ntoken_env = "NOPE_NOT_SET"',
            3,
            "environment variable NOPE_NOT_SET is not set (it should hold the Plex token)",
        ),
        ('url = "http://plex:32400"', 1, "[[plex]] needs token_env or token_file (the Plex token)"),
        (
            'url = "http://plex:32400"\ntoken = "abc"',
            3,
            "unknown key 'token' in [[plex]] (put the token in token_env or token_file)",
        ),
        (
            'url = "http://plex:32400/?X-Plex-Token=abc"\ntoken_env = "T"',
            2,
            "'url' must not contain the token: put it in token_env or token_file",
        ),
        (
            'url = "plex:32400"\ntoken_env = "T"',
            2,
            "'url' must be an http(s) address like \"http://192.168.1.10:32400\", not 'plex:32400'",
        ),
        (
            'url = "http://plex:32400"\ntoken_file = "missing.token"',
            3,
            "token file not found: {dir}/missing.token",
        ),
        (
            'url = "http://plex:32400"\ntoken_env = "T"\npath_map = { "/a" = 3 }',
            4,
            '\'path_map\' must be a table of "plex prefix" = "local prefix"',
        ),
        (
            'url = "http://plex:32400"\ntoken_env = "T"\nsections = "TV"',
            4,
            "'sections' must be an array of section names",
        ),
    ],
)
def test_bad_plex_tables_name_the_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, line: int, message: str
) -> None:
    monkeypatch.setenv("T", "tok")
    monkeypatch.delenv("NOPE_NOT_SET", raising=False)
    path = tmp_path / "retrovue.toml"
    path.write_text("[[plex]]\n" + body + "\n")
    assert error_of(path) == f"{path}:{line}: " + message.format(dir=tmp_path)


def test_collections_and_sections_are_channel_content(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            """
        [[channel]]
        number = 4
        name = "Sitcoms"
        collections = ["Sitcoms"]
        sections = [" TV Shows "]
    """,
        )
    )
    assert config.channels[0].collections == ("Sitcoms",)
    assert config.channels[0].sections == ("TV Shows",)


def test_tls_verification_can_be_turned_off_for_lan_addresses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("T", "tok")
    path = write(
        tmp_path,
        """
        [[plex]]
        url = "https://192.168.1.10:32400"
        token_env = "T"
        verify_tls = false
    """,
    )
    assert load_config(path).plex[0].verify_tls is False
    path.write_text(path.read_text().replace("false", '"no"'))
    assert error_of(path) == f"{path}:5: 'verify_tls' must be true or false"


def test_failures_read_as_one_line_without_the_token() -> None:
    import requests

    from lineup.plex.importer import describe_failure
    from lineup.plex.settings import PlexSettings

    settings = PlexSettings("https://192.168.1.10:32400", Secret("sekrit-token"))
    tls = requests.exceptions.SSLError("hostname mismatch for https://x/?X-Plex-Token=sekrit-token")
    assert describe_failure(settings, tls) == (
        "Plex at https://192.168.1.10:32400 has a TLS certificate that was not accepted: use its "
        "*.plex.direct address, or set verify_tls = false"
    )
    other = requests.exceptions.ChunkedEncodingError("boom at ?X-Plex-Token=sekrit-token\nmore")
    assert describe_failure(settings, other) == (
        "Plex at https://192.168.1.10:32400 failed: boom at ?X-Plex-Token=[redacted]"
    )


def test_a_token_at_the_cut_of_a_long_message_is_still_scrubbed() -> None:
    import requests

    from lineup.plex.importer import describe_failure
    from lineup.plex.settings import PlexSettings

    token = "T0KEN-" * 10
    settings = PlexSettings("http://plex:32400", Secret(token))
    message = describe_failure(
        settings, requests.exceptions.ChunkedEncodingError("x" * 190 + token)
    )
    assert "T0KEN" not in message
