// Tuners: which channel runs on which tuner, what it airs, who watches at what bit rate, and a
// button that stops a session (its viewers' streams end, the tuner is free). Re-read on events,
// and every 5 s while sessions run (bit rates change without an event).

import { api } from "../api.js";
import { bytes, debounce, duration, h, rate, time } from "../dom.js";

const KINDS = ["tune", "untune", "session_start", "session_stop", "item_start", "restart", "slate"];

function viewerList(viewers) {
  if (!viewers.length) return "lingering (no viewers)";
  return h("ul", { class: "plain" }, viewers.map((v) =>
    h("li", {}, `${v.address} since ${time(v.since)} · ${bytes(v.bytes)} · ${rate(v.bitrate_bps)}`)));
}

export async function mount(root, { events, toast }) {
  const summary = h("p", { class: "summary" });
  const table = h("table", { class: "sessions" },
    h("caption", {}, "Running sessions"),
    h("thead", {}, h("tr", {}, ["Tuner", "Channel", "On air", "Mode", "Since", "ffmpeg", "Restarts", "Slate", "Viewers", ""].map((t) => h("th", { scope: "col" }, t)))));
  const rows = h("tbody");
  table.append(rows);
  root.append(h("h1", {}, "Tuners"), summary, h("div", { class: "table-wrap" }, table));
  let running = 0;

  async function stop(session, button) {
    button.disabled = true;
    try {
      await api.del(`/api/v1/sessions/${session.channel}`);
      toast(`Stopped ${session.channel} ${session.name}`);
    } catch (error) {
      toast(`Could not stop ${session.channel}: ${error.message}`, "error");
      button.disabled = false;
    }
    load().catch(() => {});
  }

  function sessionRow(s) {
    const button = h("button", { type: "button", class: "danger", "aria-label": `Stop channel ${s.channel} ${s.name}` }, "Stop");
    button.addEventListener("click", () => stop(s, button));
    return h("tr", { "data-channel": s.channel },
      h("td", {}, s.tuner), h("td", {}, `${s.channel} ${s.name}`),
      h("td", {}, s.item ? `${s.item.title} (${duration(s.item.offset_s)} in)` : "—"),
      h("td", {}, s.mode), h("td", {}, time(s.since)), h("td", {}, s.ffmpeg_pid ?? "—"),
      h("td", {}, s.restarts), h("td", {}, `${Math.round(s.slate_s)} s`),
      h("td", {}, viewerList(s.viewers)), h("td", {}, button));
  }

  async function load() {
    const status = await api.get("/api/v1/status");
    running = status.sessions.length;
    summary.textContent = `${status.tuners.in_use} of ${status.tuners.total} tuners in use · ${status.friendly_name} ${status.device_id} · version ${status.version}`;
    rows.replaceChildren(...(running ? status.sessions.map(sessionRow)
      : [h("tr", {}, h("td", { colspan: 10 }, "No channel is running. Watch one to start it."))]));
  }

  const reload = debounce(() => load().catch(() => {}), 300);
  const off = events.on(KINDS, reload);
  const timer = setInterval(() => running && reload(), 5000);
  await load();
  return () => {
    off();
    clearInterval(timer);
  };
}
