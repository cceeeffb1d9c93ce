// Small helpers shared by the pages: building elements, and formatting times, sizes, rates.

export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

export function time(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function dayTime(iso) {
  return new Date(iso).toLocaleString([], {
    weekday: "short", hour: "2-digit", minute: "2-digit",
  });
}

export function episodeLabel(programme) {
  return [programme.episode, programme.episode_title].filter(Boolean).join(" · ");
}

export function percentDone(programme, now = Date.now()) {
  const start = Date.parse(programme.start);
  const stop = Date.parse(programme.stop);
  if (!(stop > start)) return 0;
  return Math.max(0, Math.min(100, ((now - start) / (stop - start)) * 100));
}

export function bytes(count) {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = count;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(unit ? 1 : 0)} ${units[unit]}`;
}

export function rate(bps) {
  return bps >= 1e6 ? `${(bps / 1e6).toFixed(1)} Mbit/s` : `${Math.round(bps / 1e3)} kbit/s`;
}

export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

// A button copying `text`: the Clipboard API needs a secure context (https or localhost); a
// console opened at http://192.168.x.y falls back to selecting the text and execCommand.
export function copyButton(text, label = "Copy") {
  const button = h("button", { type: "button", class: "copy", "aria-label": `${label}: ${text}` }, label);
  button.addEventListener("click", async () => {
    let done = false;
    if (window.isSecureContext && navigator.clipboard) {
      try {
        await navigator.clipboard.writeText(text);
        done = true;
      } catch {
        done = false;
      }
    }
    if (!done) {
      const scratch = h("textarea", { readonly: true, class: "scratch" }, text);
      document.body.append(scratch);
      scratch.select();
      done = document.execCommand("copy");
      scratch.remove();
    }
    button.textContent = done ? "Copied" : "Select and copy";
    setTimeout(() => (button.textContent = label), 1500);
  });
  return button;
}

// A read-only value with a copy button, e.g. a URL to paste into a client.
export function copyField(label, value) {
  const id = `copy-${Math.random().toString(36).slice(2, 9)}`;
  return h("div", { class: "copy-field" },
    h("label", { for: id }, label),
    h("input", { id, type: "text", readonly: true, value, spellcheck: "false" }),
    copyButton(value));
}
