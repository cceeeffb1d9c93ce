"""The API token file: made once, owner-only, reused; a rotation is seen by a running server."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from hdhr_emulator.server.api_token import (
    TOKEN_FILE,
    TokenFileError,
    TokenSource,
    load_or_create_token,
    read_token,
    rotate_token,
    token_path,
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_token_is_made_owner_only_and_reused(tmp_path: Path) -> None:
    path = token_path(tmp_path / "data")
    assert path == tmp_path / "data" / TOKEN_FILE
    old_umask = os.umask(0o022)  # a permissive umask must not make it readable
    try:
        token = load_or_create_token(path)
    finally:
        os.umask(old_umask)
    assert mode(path) == 0o600
    assert len(token) == 43 and token.isascii()  # 32 bytes, URL-safe base64 without padding
    assert path.read_text() == token + "\n"
    assert load_or_create_token(path) == token
    assert read_token(path) == token
    assert load_or_create_token(tmp_path / "other") != token  # random, not derived


def test_a_token_file_elsewhere_is_created_with_its_folders(tmp_path: Path) -> None:
    path = token_path(tmp_path / "data", tmp_path / "secrets" / "retrovue" / "token")
    token = load_or_create_token(path)
    assert read_token(path) == token
    assert not (tmp_path / "data").exists()


def test_a_token_written_by_hand_is_used_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("  my-own-token \n")
    path.chmod(0o600)
    assert load_or_create_token(path) == "my-own-token"


def test_a_readable_token_file_is_made_owner_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "token"
    path.write_text("shared-token\n")
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        assert load_or_create_token(path) == "shared-token"
    assert mode(path) == 0o600
    assert "made the API token file" in caplog.text and "shared-token" not in caplog.text


def test_an_empty_token_file_gets_a_new_token(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("\n")
    token = load_or_create_token(path)
    assert token and read_token(path) == token
    assert mode(path) == 0o600


def test_an_unusable_token_path_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "token").mkdir()  # a folder where the file should be
    with pytest.raises(TokenFileError, match="cannot read the API token file"):
        load_or_create_token(tmp_path / "token")
    (tmp_path / "file").write_text("x")
    with pytest.raises(TokenFileError, match="API token file .*/file/token: Not a directory"):
        load_or_create_token(tmp_path / "file" / "token")


def test_rotation_replaces_the_token_and_a_source_follows_it(tmp_path: Path) -> None:
    path = tmp_path / "token"
    source = TokenSource(path)
    first = source.current()
    assert first == read_token(path)
    second = rotate_token(path)
    assert second != first and mode(path) == 0o600
    assert source.current() == second
    assert not list(tmp_path.glob(".*partial"))


def test_a_source_keeps_its_token_when_the_file_goes_away(tmp_path: Path) -> None:
    path = tmp_path / "token"
    source = TokenSource(path)
    token = source.current()
    path.unlink()
    assert source.current() == token
