"""Channel ids: dotted, opaque, unique per number and identical on every run."""

from __future__ import annotations

import re

import pytest

from xmltv import channel_id

VALIDATOR_ID = re.compile(r"^[-a-zA-Z0-9]+(\.[-a-zA-Z0-9]+)+$")  # tv_validate_file's invalidid
PLEX_MERGE_SHAPE = re.compile(r"^\d+\.[A-Za-z]+$")  # "7.retrovue": Plex merged 1/10 and 2/20


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (1, "C1.9bdcf8.retrovue"),
        (7, "C7.f7c205.retrovue"),
        (10, "C10.7b4b55.retrovue"),
        (999, "C999.30a51f.retrovue"),
    ],
)
def test_id_is_a_fixed_literal(number: int, expected: str) -> None:
    # Literal values: a changed id silently resets Plex's per-channel guide cache.
    assert channel_id(number) == expected


def test_ids_for_1_to_1000_are_valid_unique_and_not_number_dot_word() -> None:
    ids = [channel_id(number) for number in range(1, 1001)]
    assert len(set(ids)) == 1000
    for number, cid in enumerate(ids, start=1):
        assert VALIDATOR_ID.match(cid), cid
        assert not PLEX_MERGE_SHAPE.match(cid), cid
        assert not cid.split(".")[0].isdigit(), cid
        assert cid.startswith(f"C{number}."), cid


def test_no_id_is_a_dotted_prefix_of_another() -> None:
    ids = [channel_id(number) for number in range(1, 1001)]
    heads = {cid.rsplit(".", 1)[0] for cid in ids}  # "C1.9bdcf8" vs "C10.7b4b55"
    assert len(heads) == 1000


def test_stable_across_calls() -> None:
    assert channel_id(42) == channel_id(42)


@pytest.mark.parametrize("number", [0, -1])
def test_rejects_numbers_clients_treat_as_unset(number: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        channel_id(number)


@pytest.mark.parametrize("number", ["7", 7.0, True])
def test_rejects_non_int(number: object) -> None:
    with pytest.raises(TypeError):
        channel_id(number)  # type: ignore[arg-type]
