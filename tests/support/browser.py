"""A headless Chromium driven by selenium, for tests of the web console as a person uses it.

Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them); missing, the test
skips, or fails under ``RETROVUE_REQUIRE_TOOLS=1`` (:func:`tests.conftest.require_tool`). The
browser is quiet on the network (no background, component or sync traffic: loopback only),
plays media without a gesture, and keeps its console log for :func:`console_errors`.
driver.quit() stops chromedriver and the browser it started; nothing is stopped by name.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.conftest import require_tool

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
)


@contextlib.contextmanager
def chromium(profile: Path, width: int = 1280, height: int = 900) -> Iterator[WebDriver]:
    """A fresh headless Chromium with its profile in ``profile``, quit on exit."""
    binary = require_tool("chromium")
    driver_path = require_tool("chromedriver")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    try:
        yield driver
    finally:
        driver.quit()


# A live picture asked for just as its channel stopped is the API's documented 404; the page
# hides that image. Chromium still logs the failed load, so that one message is not an error.
_STOPPED_THUMBNAIL = re.compile(
    r"/api/v1/channels/\d+/thumbnail\.jpg\S* - Failed to load resource: .* 404"
)


def console_errors(driver: WebDriver) -> list[str]:
    """The browser console's errors since the last call (JS exceptions, failed loads), but for
    a thumbnail of a channel that stopped meanwhile."""
    return [
        e["message"]
        for e in driver.get_log("browser")
        if e["level"] == "SEVERE" and not _STOPPED_THUMBNAIL.search(e["message"])
    ]


def open_page(driver: WebDriver, base_url: str, route: str, timeout: float = 20) -> Any:
    """Load the console at ``#/route`` and wait until that page has mounted; its section."""
    driver.get(f"{base_url}/#/{route}")
    page = route.split("/")[0]
    return wait_until(
        lambda: next(
            iter(driver.find_elements(By.CSS_SELECTOR, f'section[data-page="{page}"][data-ready]')),
            None,
        ),
        timeout,
        f"the {page} page did not finish loading",
    )


def wait_until(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    """The first truthy value of ``predicate`` within ``timeout`` seconds, else fail."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} (after {timeout} s)")
        time.sleep(0.1)


def wait_for_element(root: Any, css: str, what: str, timeout: float = 10) -> Any:
    """The first element under ``root`` matching ``css`` once one appears, else fail."""
    return wait_until(lambda: root.find_elements(By.CSS_SELECTOR, css), timeout, what)[0]
