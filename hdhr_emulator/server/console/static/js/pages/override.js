// Override: put a message, a library item or a file on some or all channels now, for some
// minutes or until ended; the active overrides, each with an End button.

import { api } from "../api.js";
import { debounce, h, time } from "../dom.js";

function overrideItem(override, end) {
  const target = override.target === "all" ? "all channels" : `channels ${override.channels.join(", ")}`;
  const button = h("button", { type: "button", class: "danger", "aria-label": `End override ${override.title}` }, "End");
  button.addEventListener("click", () => end(override, button));
  return h("li", { "data-override": override.id },
    h("strong", {}, override.title),
    override.message && override.message !== override.title ? ` “${override.message}”` : "",
    ` on ${target} · since ${time(override.started)}`,
    override.ends ? ` · until ${time(override.ends)}` : " · until ended", " ", button);
}

export async function mount(root, { events, toast }) {
  const { channels } = await api.get("/api/v1/channels");
  const all = h("input", { type: "checkbox", id: "ov-all", name: "all" });
  const boxes = channels.map((c) => h("label", { class: "check" },
    h("input", { type: "checkbox", name: "channel", value: c.number }), ` ${c.number} ${c.name}`));
  all.addEventListener("change", () => {
    for (const box of root.querySelectorAll("input[name=channel]")) box.disabled = all.checked;
  });
  const kind = (value, label, checked) => h("label", { class: "check" },
    h("input", { type: "radio", name: "kind", value, checked }), ` ${label}`);
  const message = h("textarea", { id: "ov-message", rows: 2, maxlength: 500 });
  const item = h("input", { id: "ov-item", type: "number", min: 1, inputmode: "numeric" });
  const file = h("input", { id: "ov-file", type: "text", spellcheck: "false" });
  const minutes = h("input", { id: "ov-minutes", type: "number", min: 1, step: "any", inputmode: "decimal" });
  const form = h("form", { class: "override-form" },
    h("fieldset", {}, h("legend", {}, "Channels"),
      h("label", { class: "check" }, all, " All channels"), h("div", { class: "checks" }, boxes)),
    h("fieldset", {}, h("legend", {}, "What to show"),
      kind("message", "A message", true), kind("item", "A library item", false), kind("file", "A file", false),
      h("label", { for: "ov-message" }, "Message"), message,
      h("label", { for: "ov-item" }, "Item id"), item,
      h("label", { for: "ov-file" }, "File (inside the media folders)"), file),
    h("label", { for: "ov-minutes" }, "Minutes (empty: until ended)"), minutes,
    h("button", { type: "submit" }, "Start override"));
  const active = h("ul", { class: "overrides", "aria-label": "Active overrides" });
  root.append(h("h1", {}, "Override"), form, h("h2", {}, "Active"), active);

  async function end(override, button) {
    button.disabled = true;
    try {
      await api.del(`/api/v1/override/${override.id}`);
      toast(`Ended ${override.title}`);
    } catch (error) {
      toast(`Could not end it: ${error.message}`, "error");
      button.disabled = false;
    }
    load().catch(() => {});
  }

  async function load() {
    const { overrides } = await api.get("/api/v1/override");
    active.replaceChildren(...(overrides.length ? overrides.map((o) => overrideItem(o, end)) : [h("li", {}, "None")]));
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = [...root.querySelectorAll("input[name=channel]:checked")].map((b) => Number(b.value));
    if (!all.checked && !chosen.length) {
      toast("Choose at least one channel", "error");
      return;
    }
    const what = root.querySelector("input[name=kind]:checked").value;
    const body = { channels: all.checked ? "all" : chosen };
    if (what === "message") body.message = message.value.trim();
    else if (what === "item") body.item = Number(item.value);
    else body.file = file.value.trim();
    if (minutes.value) body.minutes = Number(minutes.value);
    try {
      const started = await api.post("/api/v1/override", body);
      toast(`Override ${started.title} started`);
    } catch (error) {
      toast(`Override not started: ${error.message}`, "error");
    }
    load().catch(() => {});
  });

  const reload = debounce(() => load().catch(() => {}), 200);
  const off = events.on(["override_start", "override_end"], reload);
  await load();
  return off;
}
