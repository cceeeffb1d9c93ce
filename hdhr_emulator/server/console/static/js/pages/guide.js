// Guide: channels × time, the programmes exactly as /api/v1/guide (and so /xmltv.xml) has
// them, 6 hours at a time, loaded further as the grid scrolls right, up to 3 days ahead.
// A line marks now; a programme's button opens its details.

import { api } from "../api.js";
import { dayTime, episodeLabel, h, time } from "../dom.js";

const PX_PER_MINUTE = 4;
const CHUNK_HOURS = 6;
const MAX_HOURS = 72;
const MINUTE = 60_000;

function px(ms) {
  return (ms / MINUTE) * PX_PER_MINUTE;
}

export async function mount(root) {
  const start = Math.floor(Date.now() / (30 * MINUTE)) * 30 * MINUTE;
  let loadedHours = 0;
  let loading = null;
  const rows = new Map(); // number -> track element
  const seen = new Set();

  const dialog = h("dialog", { class: "details", "aria-labelledby": "details-title" });
  const scroller = h("div", {
    class: "guide-scroll", tabindex: "0", "aria-label": "Programme guide",
    "data-start": new Date(start).toISOString().replace(".000Z", "Z"),
  });
  const ruler = h("div", { class: "ruler", "aria-hidden": "true" });
  const body = h("div", { class: "guide-body" });
  const nowLine = h("div", { class: "now-line", "aria-hidden": "true" });
  const later = h("button", { type: "button" }, "Later →");
  const toNow = h("button", { type: "button" }, "Now");
  scroller.append(h("div", { class: "ruler-row" }, h("div", { class: "corner" }, "Channel"), ruler), body);
  body.append(nowLine);
  root.append(
    h("div", { class: "toolbar" }, h("h1", {}, "Guide"), toNow, later),
    scroller,
    dialog,
  );

  function showDetails(channel, programme) {
    const episode = episodeLabel(programme);
    dialog.replaceChildren(
      h("h2", { id: "details-title" }, programme.title),
      episode ? h("p", {}, episode) : null,
      h("p", {}, `${channel.number} ${channel.name} · ${dayTime(programme.start)} – ${time(programme.stop)} · ${programme.kind}`),
      programme.description ? h("p", { class: "description" }, programme.description) : null,
      h("form", { method: "dialog", class: "actions" },
        h("a", { class: "button", href: `#/watch/${channel.number}` }, "Watch this channel"),
        h("button", { type: "submit", autofocus: true }, "Close")),
    );
    dialog.showModal();
  }

  function row(channel) {
    let track = rows.get(channel.number);
    if (track) return track;
    track = h("div", { class: "track" });
    body.append(h("div", { class: "guide-row", "data-channel": channel.number },
      h("div", { class: "chan", title: channel.name },
        channel.logo_url ? h("img", { src: channel.logo_url, alt: "" }) : null,
        h("span", {}, `${channel.number} ${channel.name}`)),
      track));
    rows.set(channel.number, track);
    return track;
  }

  function place(channel, programme) {
    const key = `${channel.number}|${programme.start}`;
    if (seen.has(key)) return;
    seen.add(key);
    const from = Math.max(Date.parse(programme.start), start);
    const to = Date.parse(programme.stop);
    if (to <= from) return;
    const button = h("button", {
      type: "button", class: "programme", "data-kind": programme.kind,
      "data-channel": channel.number, "data-start": programme.start, "data-title": programme.title,
      style: `left:${px(from - start)}px;width:${Math.max(px(to - from) - 2, 2)}px`,
      title: `${time(programme.start)} ${programme.title}`,
    }, h("span", { class: "p-title" }, programme.title), h("span", { class: "p-time" }, [time(programme.start), programme.episode].filter(Boolean).join(" · ")));
    button.addEventListener("click", () => showDetails(channel, programme));
    row(channel).append(button);
  }

  function drawRuler(hours) {
    ruler.replaceChildren();
    for (let t = start; t < start + hours * 60 * MINUTE; t += 30 * MINUTE) {
      ruler.append(h("span", { style: `left:${px(t - start)}px` }, time(new Date(t).toISOString())));
    }
    const width = `${px(hours * 60 * MINUTE)}px`;
    ruler.style.width = width;
    for (const track of rows.values()) track.style.width = width;
  }

  function moveNowLine() {
    nowLine.style.left = `calc(var(--chan-width) + ${px(Date.now() - start)}px)`;
  }

  async function loadMore() {
    if (loading || loadedHours >= MAX_HOURS) return loading;
    const from = new Date(start + loadedHours * 60 * MINUTE).toISOString();
    loading = (async () => {
      const guide = await api.get(`/api/v1/guide?start=${encodeURIComponent(from)}&hours=${CHUNK_HOURS}`);
      for (const channel of guide.channels) {
        row(channel);
        for (const programme of channel.programmes) place(channel, programme);
      }
      loadedHours += CHUNK_HOURS;
      drawRuler(loadedHours);
      later.disabled = loadedHours >= MAX_HOURS && scroller.scrollLeft + scroller.clientWidth >= scroller.scrollWidth;
    })();
    try {
      await loading;
    } finally {
      loading = null;
    }
  }

  function nearEnd() {
    return scroller.scrollLeft + scroller.clientWidth > scroller.scrollWidth - 800;
  }

  scroller.addEventListener("scroll", () => {
    if (nearEnd()) loadMore().catch(() => {});
  });
  later.addEventListener("click", async () => {
    if (nearEnd()) await loadMore();
    scroller.scrollBy({ left: px(3 * 60 * MINUTE), behavior: "smooth" });
  });
  toNow.addEventListener("click", () => {
    scroller.scrollTo({ left: Math.max(0, px(Date.now() - start) - 100), behavior: "smooth" });
  });

  await loadMore();
  moveNowLine();
  const timer = setInterval(moveNowLine, 30_000);
  return () => clearInterval(timer);
}
