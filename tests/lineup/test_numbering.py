"""Channel numbers are handed out once and kept forever."""

from __future__ import annotations

from pathlib import Path

import pytest

from lineup.errors import CatalogError
from lineup.numbering import MOVIES_KEY, ChannelNumbers, show_key


def test_new_keys_are_numbered_from_one_in_the_order_given(tmp_path: Path) -> None:
    with ChannelNumbers.open(tmp_path / "retrovue.db") as numbers:
        assert numbers.assign(["show:taxi", "show:cheers", MOVIES_KEY]) == {
            "show:taxi": 1,
            "show:cheers": 2,
            MOVIES_KEY: 3,
        }


def test_numbers_survive_a_restart_and_never_move(tmp_path: Path) -> None:
    db = tmp_path / "retrovue.db"
    with ChannelNumbers.open(db) as numbers:
        numbers.assign(["show:a", "show:b", "show:c"])

    with ChannelNumbers.open(db) as numbers:
        # b disappeared, d is new: a and c keep theirs, d gets max + 1, not b's number
        assert numbers.assign(["show:a", "show:c", "show:d"]) == {
            "show:a": 1,
            "show:c": 3,
            "show:d": 4,
        }
    with ChannelNumbers.open(db) as numbers:
        # b comes back with its old number; the next new key continues after the highest
        assert numbers.assign(["show:e", "show:b"]) == {"show:e": 5, "show:b": 2}
        assert numbers.all() == {f"show:{k}": n for n, k in enumerate("abcde", start=1)}


def test_show_keys_ignore_case_and_spacing() -> None:
    assert show_key("  The  Office ") == show_key("the office") == "show:the office"
    assert show_key("Cheers") != show_key("Cheers 2")


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "retrovue.db"
    db.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(CatalogError, match=r"channel numbers in .*retrovue\.db"):
        ChannelNumbers.open(db)


def test_automatic_numbers_stop_at_9999(tmp_path: Path) -> None:
    """Issue 10, defect 6: no automatic number beyond what HDHomeRun clients accept."""
    with ChannelNumbers.open(tmp_path / "retrovue.db") as numbers:
        numbers.assign([f"show:{n}" for n in range(9998)])
        assert numbers.assign(["show:last"]) == {"show:last": 9999}
        with pytest.raises(CatalogError, match="9999") as caught:
            numbers.assign(["show:one-too-many"])
        assert "[[channel]]" in str(caught.value)
        assert numbers.assign(["show:last"]) == {"show:last": 9999}  # the failed one left no trace
