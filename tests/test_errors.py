"""The one exception tree: every error Retrovue raises on purpose is a RetrovueError leaf that
says when it is raised and carries the exit code and HTTP status its two boundaries use."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import hdhr_emulator.errors
from lineup.errors import RetrovueError


def _leaves() -> list[type[RetrovueError]]:
    for package in ("lineup", "xmltv", "hdhr_emulator"):
        root = importlib.import_module(package)
        for module in pkgutil.walk_packages(root.__path__, f"{package}."):
            if not module.name.endswith("__main__"):
                importlib.import_module(module.name)
    found, todo = [], [RetrovueError]
    while todo:
        for child in todo.pop().__subclasses__():
            if child.__module__.split(".")[0] in ("lineup", "xmltv", "hdhr_emulator"):
                found.append(child)
                todo.append(child)
    return found


LEAVES = _leaves()


def test_the_tree_has_the_documented_leaves() -> None:
    names = {leaf.__name__ for leaf in LEAVES}
    drawn = hdhr_emulator.errors.__doc__ or ""
    assert names, "no RetrovueError subclasses found"
    assert all(name in drawn for name in names), f"not drawn in hdhr_emulator/errors.py: {names}"


@pytest.mark.parametrize("leaf", LEAVES, ids=lambda leaf: leaf.__name__)
def test_each_leaf_says_when_it_is_raised_and_how_it_ends(leaf: type[RetrovueError]) -> None:
    first_line = (leaf.__doc__ or "").strip().splitlines()[0]
    assert first_line.startswith("Raised when"), f"{leaf.__name__}: {first_line!r}"
    assert isinstance(leaf.exit_code, int) and leaf.exit_code in (1, 2)
    assert isinstance(leaf.http_status, int) and 400 <= leaf.http_status < 600
