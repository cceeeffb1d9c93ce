"""Imports stay healthy: every module imports on its own, and imports point only downwards.

Why: an import cycle only shows when the modules are imported in an unlucky order - a test run
imports them in its own order and hides it; a fresh interpreter per module does not. And the
layering of the target layout (issue 9: hdhr_emulator -> xmltv -> lineup; a sans-IO device and
TS core; adapters in server/, wiring in cli/) only holds if something fails the day it breaks.
The directions are read from the source with :mod:`ast`, so an import inside a function or under
``if TYPE_CHECKING:`` counts as much as one at the top: both are a dependency of the module.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("lineup", "xmltv", "hdhr_emulator")


# -- the modules ---------------------------------------------------------------------------------
def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_files(package: str, root: Path = ROOT) -> Iterator[tuple[str, Path]]:
    """(dotted name, path) of every module of ``package`` (a dotted name), packages included."""
    folder = root.joinpath(*package.split("."))
    for path in sorted(folder.rglob("*.py")):
        yield module_name(path, root), path


def importable_modules() -> list[str]:
    """Every module of the product; ``__main__`` is left out: importing it runs the CLI."""
    return [
        name
        for package in PACKAGES
        for name, _ in source_files(package)
        if not name.endswith(".__main__")
    ]


# -- (a) each module imports in a fresh interpreter ----------------------------------------------
# One helper interpreter imports the third-party packages the product uses, then forks a child per
# product module. Each child imports its one module with none of lineup/xmltv/hdhr_emulator loaded
# yet - fresh for everything an import cycle can involve - without paying one to two seconds per
# module for quart, av, lxml and plexapi again. The helper is single-threaded, so forking is safe
# (pytest's own process may have threads, hence the helper).
IMPORTER = r"""
import importlib, json, os, sys, traceback, warnings

modules, preload, out = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
for name in preload:
    try:
        importlib.import_module(name)
    except Exception:
        pass  # the child that needs it fails and says why
failed, running = {}, {}
for index, name in enumerate(modules):
    if len(running) >= (os.cpu_count() or 1):
        pid, status = os.wait()
        if os.waitstatus_to_exitcode(status) != 0:
            failed[running[pid]] = status
        del running[pid]
    pid = os.fork()
    if pid == 0:
        try:
            warnings.simplefilter("error")  # a warning at import time is a defect too
            importlib.import_module(name)
        except BaseException:
            with open(os.path.join(out, f"{index}.txt"), "w") as report:
                report.write(traceback.format_exc())
            os._exit(1)
        os._exit(0)
    running[pid] = name
while running:
    pid, status = os.wait()
    if os.waitstatus_to_exitcode(status) != 0:
        failed[running[pid]] = status
    del running[pid]
print(json.dumps(failed))
"""


def third_party() -> list[str]:
    """The top-level packages outside the product that the product imports."""
    ours = set(PACKAGES) | {"tests", "benchmarks"}
    tops = {
        name.split(".")[0]
        for package in PACKAGES
        for module, path in source_files(package)
        for name in imports_of(path, module)
    }
    return sorted(tops - ours - {"__future__"})


def run_importer(modules: list[str], preload: list[str], root: Path) -> dict[str, str]:
    """Module -> traceback of its import in a fresh interpreter, for the modules that failed."""
    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run(
            [sys.executable, "-c", IMPORTER, json.dumps(modules), json.dumps(preload), out],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            env={**os.environ, "PYTHONPATH": str(root)},
        )
        assert done.returncode == 0, f"the importer failed:\n{done.stderr}"
        failed: dict[str, int] = json.loads(done.stdout)
        reports = {name: Path(out, f"{modules.index(name)}.txt") for name in failed}
        return {
            name: (path.read_text() if path.exists() else f"exit status {failed[name]}")
            for name, path in reports.items()
        }


@pytest.fixture(scope="module")
def import_failures() -> dict[str, str]:
    return run_importer(importable_modules(), third_party(), ROOT)


@pytest.mark.parametrize("module", importable_modules())
def test_module_imports_in_a_fresh_interpreter(
    module: str, import_failures: dict[str, str]
) -> None:
    if module in import_failures:
        pytest.fail(f"import {module} failed:\n{import_failures[module]}", pytrace=False)


def test_the_importer_catches_a_cycle_that_only_one_order_shows(tmp_path: Path) -> None:
    """``b`` imports fine first (it pulls in ``a`` whole); ``a`` first finds ``b`` half-done."""
    (tmp_path / "cyc").mkdir()
    (tmp_path / "cyc/__init__.py").write_text("")
    (tmp_path / "cyc/a.py").write_text("import cyc.b\nA = 1\n")
    (tmp_path / "cyc/b.py").write_text("from cyc.a import A\nB = A + 1\n")
    failures = run_importer(["cyc.b", "cyc.a"], [], tmp_path)
    assert list(failures) == ["cyc.a"]
    assert "partially initialized module 'cyc.a'" in failures["cyc.a"]


# -- (b) imports point downwards -----------------------------------------------------------------
def is_package(dotted: str, root: Path = ROOT) -> bool:
    return (root.joinpath(*dotted.split(".")) / "__init__.py").is_file()


def is_module(dotted: str, root: Path) -> bool:
    path = root.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _resolve(module: str | None, level: int, package: str) -> str:
    """The absolute name of ``from <level dots><module> import ...`` written in ``package``."""
    if level == 0:
        return module or ""
    parts = package.split(".")
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, *([module] if module else [])])


def imports_of(path: Path, module: str, root: Path = ROOT) -> set[str]:
    """Every module that ``path`` (module ``module``) imports,
    anywhere in the file: top level, functions, ``TYPE_CHECKING`` blocks, and calls of
    ``importlib.import_module``/``__import__`` with a literal name.

    ``from a.b import c`` counts as importing ``a.b.c`` when that is a module of ``root`` and as
    importing ``a.b`` otherwise (``c`` is then a name defined in ``a.b``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module, node.level, package)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if alias.name != "*" and is_module(candidate, root) else base)
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and (
                isinstance(node.func, ast.Name)
                and node.func.id == "__import__"
                or isinstance(node.func, ast.Attribute)
                and node.func.attr == "import_module"
            )
        ):
            found.add(node.args[0].value)
    return found


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


IO_MODULES = ("asyncio", "socket", "subprocess", "selectors", "quart", "hypercorn", "httpx")


@dataclass(frozen=True)
class Rule:
    """Modules under ``layer`` import nothing within ``forbidden``, except within ``allowed``."""

    layer: str
    forbidden: tuple[str, ...]
    why: str
    allowed: tuple[str, ...] = ()

    def violations(self, root: Path = ROOT) -> list[str]:
        found = []
        for module, path in source_files(self.layer, root):
            for name in sorted(imports_of(path, module, root)):
                if any(within(name, bad) for bad in self.forbidden) and not any(
                    within(name, ok) for ok in self.allowed
                ):
                    found.append(f"{path.relative_to(root)} imports {name}")
        return found


RULES = (
    Rule(
        "lineup",
        ("xmltv", "hdhr_emulator", "tests"),
        "lineup decides what is on; it knows nothing of guides or the device",
    ),
    Rule("xmltv", ("hdhr_emulator", "tests"), "the guide renderer knows nothing of the device"),
    Rule("hdhr_emulator", ("tests",), "test-only code never ships"),
    Rule(
        "hdhr_emulator.device",
        (*IO_MODULES, "hdhr_emulator.server", "hdhr_emulator.cli", "hdhr_emulator.playout"),
        "the HDHomeRun device is sans-IO: bytes and values in, bytes and values out",
    ),
    Rule(
        "hdhr_emulator.playout.ts",
        (*IO_MODULES, "hdhr_emulator.server", "hdhr_emulator.cli", "hdhr_emulator.playout"),
        "the MPEG-TS core is sans-IO, and below the rest of playout",
        allowed=("hdhr_emulator.playout.ts",),
    ),
    Rule(
        "hdhr_emulator.playout",
        ("hdhr_emulator.server", "hdhr_emulator.cli"),
        "the adapters drive playout, never the reverse",
    ),
    Rule(
        "hdhr_emulator.server",
        ("hdhr_emulator.cli",),
        "the CLI wires the server up, never the reverse",
    ),
    Rule(
        "benchmarks",
        ("tests",),
        "benchmarks share test code only through tests.support",
        allowed=("tests.support",),
    ),
)

# The packages of the target layout (issue 9) that the rules above are written against.
LAYERS = (
    "hdhr_emulator.device",
    "hdhr_emulator.playout.ts",
    "hdhr_emulator.server",
    "hdhr_emulator.cli",
)


@pytest.mark.parametrize("layer", LAYERS)
def test_layer_package_exists(layer: str) -> None:
    if not is_package(layer):
        pytest.fail(
            f"{layer} is not a package: the import rules for it check nothing until it exists",
            pytrace=False,
        )


@pytest.mark.parametrize("rule", RULES, ids=[rule.layer for rule in RULES])
def test_imports_point_downwards(rule: Rule) -> None:
    if not is_package(rule.layer):
        pytest.fail(
            f"{rule.layer} does not exist: a rule about it must not pass by checking nothing",
            pytrace=False,
        )
    violations = rule.violations()
    if violations:
        pytest.fail("\n".join([f"{rule.why}:", *violations]), pytrace=False)


def test_the_checker_sees_every_kind_of_import(tmp_path: Path) -> None:
    """The checker itself, on a small tree: imports in functions, under TYPE_CHECKING, relative,
    of a submodule by ``from``, dynamic, and the allowed exception."""
    files = {
        "top/__init__.py": "",
        "top/low/__init__.py": "",
        "top/low/core.py": "from . import sibling\nfrom .sibling import VALUE\n",
        "top/low/sibling.py": "VALUE = 1\n",
        "top/low/bad.py": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from top.high import app\n"
            "def later():\n    import asyncio\n    from .. import high\n"
            "def dynamic():\n    import importlib\n    importlib.import_module('top.cli')\n"
        ),
        "top/high/__init__.py": "",
        "top/high/app.py": "",
        "top/cli.py": "",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)

    assert imports_of(tmp_path / "top/low/core.py", "top.low.core", tmp_path) == {"top.low.sibling"}
    rule = Rule("top.low", ("asyncio", "top"), "why", allowed=("top.low",))
    assert rule.violations(tmp_path) == [
        "top/low/bad.py imports asyncio",
        "top/low/bad.py imports top.cli",
        "top/low/bad.py imports top.high",
        "top/low/bad.py imports top.high.app",
    ]
