// The console's shell: hash routes (#/now, #/guide, #/watch/5, ...), each page a module loaded
// on first visit, one event stream shared by all pages, the API token box and status toasts.

import { onLoopback, setToken, token } from "./api.js";
import { EventHub } from "./events.js";
import { h } from "./dom.js";

const PAGES = {
  now: ["On now", "./pages/now.js"],
  guide: ["Guide", "./pages/guide.js"],
  watch: ["Watch", "./pages/watch.js"],
  tuners: ["Tuners", "./pages/tuners.js"],
  library: ["Library", "./pages/library.js"],
  override: ["Override", "./pages/override.js"],
  connect: ["Connect", "./pages/connect.js"],
};

const liveBadge = document.getElementById("live");
const events = new EventHub("/api/v1/events", (state) => {
  liveBadge.textContent = state === "reconnecting" ? "reconnecting…" : state;
  liveBadge.dataset.state = state;
});

let toastTimer = null;
export function toast(message, kind = "info") {
  const box = document.getElementById("toast");
  box.textContent = message;
  box.dataset.kind = kind;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (box.textContent = ""), 6000);
}

function setUpToken() {
  const input = document.getElementById("token-input");
  input.value = token();
  if (!onLoopback && !token()) document.getElementById("token-box").open = true;
  document.getElementById("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    setToken(input.value.trim());
    toast(input.value.trim() ? "Token saved in this browser" : "Token removed");
    events.close(); // reconnect the event stream with the new token
    events.open();
  });
}

let current = null; // {unmount, section}
let sequence = 0;

async function route() {
  const [name, ...args] = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  const page = name in PAGES ? name : "now";
  const [title, module] = PAGES[page];
  for (const link of document.querySelectorAll("nav a")) {
    if (link.getAttribute("href") === `#/${page}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = `${title} · Retrovue`;
  if (current) current.unmount?.();
  const mine = ++sequence;
  const section = h("section", { "data-page": page, "aria-busy": "true" });
  document.getElementById("main").replaceChildren(section);
  current = { section, unmount: null };
  let unmount = null;
  try {
    const { mount } = await import(module);
    if (mine !== sequence) return;
    unmount = await mount(section, { events, args, toast });
  } catch (error) {
    section.append(h("p", { class: "error", role: "alert" }, `Could not load ${title}: ${error.message}`));
  }
  if (mine !== sequence) {
    unmount?.();
    return;
  }
  current.unmount = unmount;
  section.removeAttribute("aria-busy");
  section.dataset.ready = "1";
}

// Leaving the page (or its going into the back/forward cache) ends its connections: the event
// stream, and the Watch player's stream, which would otherwise keep a tuner and a viewer.
window.addEventListener("pagehide", () => {
  current?.unmount?.();
  if (current) current.unmount = null;
  events.close();
});
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) return;
  events.open();
  route();
});

setUpToken();
window.addEventListener("hashchange", route);
route();
