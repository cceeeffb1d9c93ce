// On now: every channel with its logo, what is on with progress, what is next, its viewers and
// (while it runs) a live picture from the session's cached keyframe. Re-read on station events;
// progress bars and pictures are refreshed locally every 10 s.

import { api } from "../api.js";
import { debounce, episodeLabel, h, percentDone, time } from "../dom.js";

const REFRESH_MS = 10_000;
const KINDS = ["tune", "untune", "session_start", "session_stop", "item_start",
  "override_start", "override_end"];

function thumbnailUrl(number) {
  return `/api/v1/channels/${number}/thumbnail.jpg?t=${Date.now()}`;
}

function card(channel) {
  const now = channel.now;
  const title = `${channel.number} ${channel.name}`;
  return h("li", { class: "card", "data-channel": channel.number },
    h("div", { class: "card-head" },
      channel.logo_url ? h("img", { class: "logo", src: channel.logo_url, alt: "" }) : null,
      h("h2", {}, title),
      channel.running ? h("span", { class: "badge" }, "on air") : null),
    channel.running
      ? h("img", {
        class: "thumb", src: thumbnailUrl(channel.number), alt: `Live picture of ${channel.name}`,
        width: 160, height: 90, onerror: (event) => (event.target.hidden = true), // stopped since
        onload: (event) => (event.target.hidden = false),
      })
      : null,
    now
      ? h("div", { class: "now" },
        h("p", { class: "title", "data-kind": now.kind }, now.title),
        episodeLabel(now) ? h("p", { class: "episode" }, episodeLabel(now)) : null,
        h("progress", { max: 100, value: percentDone(now).toFixed(1), "aria-label": `Progress of ${now.title}`, "data-start": now.start, "data-stop": now.stop }),
        h("p", { class: "times" }, `${time(now.start)} – ${time(now.stop)}`))
      : h("p", { class: "now" }, "Nothing scheduled"),
    channel.next ? h("p", { class: "next" }, `Next ${time(channel.next.start)}: ${channel.next.title}`) : null,
    h("p", { class: "viewers" }, `${channel.viewers} viewer${channel.viewers === 1 ? "" : "s"}`),
    h("a", { class: "button", href: `#/watch/${channel.number}` }, `Watch ${title}`));
}

export async function mount(root, { events }) {
  const list = h("ul", { class: "cards", "aria-label": "Channels" });
  root.append(h("h1", {}, "On now"), list);
  let channels = [];

  async function load() {
    channels = (await api.get("/api/v1/channels")).channels;
    list.replaceChildren(...channels.map(card));
  }

  function tick() {
    const now = Date.now();
    if (channels.some((c) => c.now && Date.parse(c.now.stop) <= now)) {
      load().catch(() => {});
      return;
    }
    for (const bar of list.querySelectorAll("progress")) {
      bar.value = percentDone({ start: bar.dataset.start, stop: bar.dataset.stop }, now);
    }
    for (const channel of channels.filter((c) => c.running)) {
      const img = list.querySelector(`[data-channel="${channel.number}"] img.thumb`);
      if (img) img.src = thumbnailUrl(channel.number);
    }
  }

  const reload = debounce(() => load().catch(() => {}), 300);
  const off = events.on(KINDS, reload);
  const timer = setInterval(tick, REFRESH_MS);
  await load();
  return () => {
    off();
    clearInterval(timer);
  };
}
