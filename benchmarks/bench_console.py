"""The web console's first load: ``python -m benchmarks.bench_console``.

Starts a real ``retrovue serve`` on 127.0.0.1 with ``--channels`` channels (the library of
:mod:`benchmarks.bench_api`: one 3-s clip, slots padded to half an hour), opens ``/`` in a fresh
headless Chromium (cold cache, :mod:`tests.support.browser`), waits until the On now page has
mounted, and reads the browser's own performance entries: the requests made and the bytes they
moved (``transferSize``: headers and body as received; ``decodedBodySize``: the bodies). Then
the same for a first visit of Watch (the player library is loaded only there), and for a reload
(every file revalidated: 304s). The event stream stays open, so it is not among the entries;
it is one more request on every load.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.bench_api import write_library
from tests.support.browser import chromium, open_page
from tests.support.server_process import running_server

ENTRIES = """return performance.getEntriesByType('navigation')
  .concat(performance.getEntriesByType('resource'))
  .map(e => ({name: e.name, transfer: e.transferSize, body: e.decodedBodySize}))"""


def summarise(entries: list[dict[str, Any]], base_url: str) -> dict[str, Any]:
    return {
        "requests": len(entries),
        "transfer_bytes": sum(int(e["transfer"]) for e in entries),
        "body_bytes": sum(int(e["body"]) for e in entries),
        "paths": [str(e["name"]).removeprefix(base_url) for e in entries],
    }


def measure(base_url: str, profile: Path) -> dict[str, Any]:
    with chromium(profile) as driver:
        started = time.perf_counter()
        open_page(driver, base_url, "now", timeout=120)
        ready = time.perf_counter() - started
        first = summarise(driver.execute_script(ENTRIES), base_url)
        first["ready_s"] = round(ready, 3)
        driver.execute_script("performance.clearResourceTimings()")
        open_page(driver, base_url, "watch", timeout=60)
        watch = summarise(driver.execute_script(ENTRIES)[1:], base_url)  # [0]: the navigation
        driver.get("about:blank")
        open_page(driver, base_url, "now", timeout=120)
        reload = summarise(driver.execute_script(ENTRIES), base_url)
    return {"first_load": first, "watch_first_visit": watch, "reload": reload}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_console", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--channels", type=int, nargs="+", default=[20, 500])
    args = parser.parse_args(argv)
    results = {}
    for channels in args.channels:
        with tempfile.TemporaryDirectory(prefix="bench-console-") as scratch:
            root = Path(scratch)
            config = write_library(root, channels)
            with running_server(
                "--config", config, data_dir=root / "data", ready_timeout=300
            ) as server:
                results[channels] = measure(server.base_url, root / "chromium")
        for name, run in results[channels].items():
            print(
                f"{channels:4d} channels  {name:18s} {run['requests']:3d} requests  "
                f"{run['transfer_bytes'] / 1000:8.1f} kB transferred  "
                f"{run['body_bytes'] / 1000:8.1f} kB bodies"
                + (f"  ready {run['ready_s']:.2f} s" if "ready_s" in run else "")
            )
    json.dump(results, sys.stderr, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
