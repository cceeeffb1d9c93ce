"""``/`` and ``/console/...`` in-process: browsers get the console page, every tuner client
keeps getting device.xml at ``/``, and the console's files are served from the package."""

from __future__ import annotations

import asyncio
import configparser
import re
from pathlib import Path

import pytest
from lxml import etree

from hdhr_emulator.device import documents as api
from hdhr_emulator.server.console import STATIC_DIR
from hdhr_emulator.server.console.negotiation import wants_html
from tests.support.app_client import AppClient

# What real browsers send for a page (Chromium/Edge, Firefox, Safari).
BROWSER_ACCEPTS = [
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
]
# What tuner clients send at ``/``: nothing (Plex), ffmpeg's ``*/*``, JSON or XML clients.
CLIENT_ACCEPTS: list[str | None] = [
    None,
    "*/*",
    "application/json",
    "application/xml",
    "text/xml, */*",
    "text/*",
    "text/html;q=0",
]


@pytest.mark.parametrize("accept", BROWSER_ACCEPTS)
def test_browsers_want_html(accept: str) -> None:
    assert wants_html(accept)


@pytest.mark.parametrize("accept", CLIENT_ACCEPTS)
def test_tuner_clients_do_not(accept: str | None) -> None:
    assert not wants_html(accept)


def test_a_malformed_quality_is_no_preference() -> None:
    assert not wants_html("text/html;q=high")
    assert wants_html("application/xhtml+xml; q=0.5")


def test_a_browser_gets_the_console_at_root(client: AppClient) -> None:
    reply = asyncio.run(client.request("/", Accept=BROWSER_ACCEPTS[0]))

    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/html")
    assert "Accept" in reply.headers["vary"]
    page = reply.body.decode()
    assert '<script type="module" src="/console/js/main.js">' in page
    assert page == (STATIC_DIR / "index.html").read_text()


@pytest.mark.parametrize("accept", CLIENT_ACCEPTS)
def test_tuner_clients_keep_device_xml_at_root(client: AppClient, accept: str | None) -> None:
    headers = {} if accept is None else {"Accept": accept}

    async def both() -> tuple[bytes, bytes, str, str]:
        root = await client.request("/", **headers)
        device = await client.request("/device.xml", **headers)
        assert root.status == device.status == 200
        return root.body, device.body, root.headers["content-type"], root.headers["vary"]

    root, device, content_type, vary = asyncio.run(both())
    assert root == device
    assert content_type == api.XML_TYPE and "Accept" in vary
    assert etree.fromstring(root).tag == "{urn:schemas-upnp-org:device-1-0}root"


def test_head_at_root_answers_like_get(client: AppClient) -> None:
    async def heads() -> tuple[int, int]:
        page = await client.request("/", method="HEAD", Accept=BROWSER_ACCEPTS[1])
        xml = await client.request("/", method="HEAD")
        assert page.headers["content-type"].startswith("text/html")
        assert xml.headers["content-type"] == api.XML_TYPE
        return page.status, xml.status

    assert asyncio.run(heads()) == (200, 200)


def _referenced_files(static: Path) -> set[str]:
    """Every ``/console/...`` file the page and its modules name, imports included."""
    names = set(re.findall(r'"/console/([^"]+)"', (static / "index.html").read_text()))
    for script in static.glob("js/**/*.js"):
        text = script.read_text()
        names.update(re.findall(r'"/console/([^"]+)"', text))
        for target in re.findall(r'"(\.\.?/[^"]+\.js)"', text):  # imports, lazy pages
            names.add(str((script.parent / target).resolve().relative_to(static)))
    return names


def test_every_file_the_console_names_is_served(client: AppClient) -> None:
    names = _referenced_files(STATIC_DIR)
    assert {"style.css", "js/main.js", "js/pages/watch.js", "vendor/mpegts.js"} <= names

    async def fetch_all() -> dict[str, tuple[int, str, str]]:
        found = {}
        for name in sorted(names):
            reply = await client.request(f"/console/{name}")
            found[name] = (
                reply.status,
                reply.headers.get("content-type", ""),
                reply.headers.get("cache-control", ""),
            )
            assert reply.body == (STATIC_DIR / name).read_bytes(), name
        return found

    for name, (status, content_type, cache) in asyncio.run(fetch_all()).items():
        assert status == 200, name
        assert cache == "no-cache", name
        if name.endswith(".js"):  # module scripts are refused with any other type
            assert "javascript" in content_type, (name, content_type)


def test_vendored_player_names_its_version_and_licence() -> None:
    head = (STATIC_DIR / "vendor/mpegts.js").read_text()[:400]
    assert "mpegts.js 1.8.2" in head and "Apache-2.0" in head
    assert "github.com/xqq/mpegts.js" in head
    assert "Apache License" in (STATIC_DIR / "vendor/mpegts.js.LICENSE").read_text()


@pytest.mark.parametrize(
    "path", ["/console/../app.py", "/console/%2e%2e/__init__.py", "/console/nothing.js"]
)
def test_nothing_outside_the_static_folder_is_served(client: AppClient, path: str) -> None:
    reply = asyncio.run(client.request(path))
    assert reply.status == 404
    assert b"STATIC_DIR" not in reply.body


def test_every_static_file_ships_in_the_package() -> None:
    """setup.cfg's package_data globs cover each file (a pip install has no source tree);
    checked by hand with ``pip wheel . --no-deps`` and listing the wheel."""
    parser = configparser.ConfigParser()
    parser.read(Path(__file__).parents[4] / "setup.cfg")
    globs = parser["options.package_data"]["hdhr_emulator.server.console"].split()
    package = STATIC_DIR.parent
    files = [p for p in STATIC_DIR.rglob("*") if p.is_file()]
    assert len(files) > 10
    for path in files:
        assert any(path.relative_to(package).match(g) for g in globs), path


def test_a_reload_revalidates_with_the_etag(client: AppClient) -> None:
    async def twice() -> tuple[int, int, bytes]:
        first = await client.request("/console/js/main.js")
        again = await client.request("/console/js/main.js", If_None_Match=first.headers["etag"])
        return first.status, again.status, again.body

    assert asyncio.run(twice()) == (200, 304, b"")
