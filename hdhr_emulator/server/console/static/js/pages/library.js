// Library: counts, the last scan, files skipped with their reasons, and a scan button whose
// progress arrives as scan_progress events.

import { api } from "../api.js";
import { dayTime, h } from "../dom.js";

function scanText(scan) {
  return scan.running ? `Scanning… ${scan.progress}% (${scan.found} found)` : `Idle (${scan.state})`;
}

export async function mount(root, { events, toast }) {
  const counts = h("dl", { class: "counts" });
  const last = h("p");
  const bar = h("progress", { max: 100, value: 0, "aria-label": "Scan progress" });
  const state = h("p", { class: "scan-state", role: "status" });
  const button = h("button", { type: "button" }, "Scan the library now");
  const skipped = h("div");
  root.append(h("h1", {}, "Library"), counts, last,
    h("div", { class: "toolbar" }, button, bar), state, h("h2", {}, "Skipped files"), skipped);

  function showScan(scan) {
    bar.value = scan.progress;
    state.textContent = scanText(scan);
    button.disabled = scan.running;
  }

  async function load() {
    const library = await api.get("/api/v1/library");
    const c = library.counts;
    counts.replaceChildren(...[["Episodes", c.episodes], ["Shows", c.shows], ["Movies", c.movies],
      ["Filler", c.filler], ["Total", c.total]].flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
    last.textContent = library.last_scan ? `Last scan: ${dayTime(library.last_scan)}` : "Not scanned yet";
    showScan(library.scan);
    skipped.replaceChildren(library.skipped.length
      ? h("div", { class: "table-wrap" }, h("table", {},
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "File"), h("th", { scope: "col" }, "Reason"))),
        h("tbody", {}, library.skipped.map((s) => h("tr", {}, h("td", { class: "path" }, s.path), h("td", {}, s.reason))))))
      : h("p", {}, "None"));
    return library;
  }

  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      showScan(await api.post("/api/v1/library/scan"));
    } catch (error) {
      toast(`Scan not started: ${error.message}`, "error");
      button.disabled = false;
    }
  });
  const offProgress = events.on(["scan_progress"], (event) => {
    const { done = 0, total = 0, state: name = "scanning" } = event.data;
    showScan({ running: true, progress: total ? Math.round((done / total) * 100) : 0, found: done, state: name });
  });
  // The scan state keeps "running" for a moment after scan_done (lineup_status.json shows a
  // scan for at least 1.5 s, for Plex): re-read until it settles, at most 10 times.
  let settle = null;
  const afterScan = async (tries = 10) => {
    clearTimeout(settle);
    const library = await load();
    if (library.scan.running && tries > 1) settle = setTimeout(() => afterScan(tries - 1).catch(() => {}), 1000);
  };
  const offDone = events.on(["scan_done", "open"], () => afterScan().catch(() => {}));
  await load();
  return () => {
    offProgress();
    offDone();
    clearTimeout(settle);
  };
}
