// One stream of /api/v1/events for the whole page; pages subscribe to the kinds they show and
// drop their subscription when they unmount.
//
// Read with fetch rather than EventSource: EventSource cannot send a header, and under
// --api-auth all the stream needs the same Bearer token as every other request from another
// machine. The reader does what EventSource would: parses the text/event-stream lines,
// reconnects after a drop (3 s, sending Last-Event-ID so the server can replay what was missed)
// and tells every page "open" after a reconnect so it can re-read its state.

import { authHeaders } from "./api.js";

export const KINDS = [
  "tune", "untune", "session_start", "session_stop", "item_start", "item_failed", "restart",
  "slate", "scan_progress", "scan_done", "override_start", "override_end", "error",
];
const RETRY_MS = 3000;

// Splits a text/event-stream into events: {event, data, id} per blank-line-ended block.
export class EventStreamParser {
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.buffer = "";
    this.reset();
  }

  reset() {
    this.kind = "";
    this.data = [];
    this.id = null;
  }

  push(text) {
    this.buffer += text;
    // a trailing CR may be the first half of a CRLF split across chunks: keep it for later
    const cut = this.buffer.endsWith("\r") ? this.buffer.length - 1 : this.buffer.length;
    const lines = this.buffer.slice(0, cut).split(/\r\n|\r|\n/);
    this.buffer = lines.pop() + this.buffer.slice(cut);
    for (const line of lines) this.line(line);
  }

  line(line) {
    if (line === "") {
      if (this.data.length) this.onEvent({ event: this.kind || "message", data: this.data.join("\n"), id: this.id });
      this.reset();
      return;
    }
    if (line.startsWith(":")) return; // a comment: the server's keep-alive
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") this.kind = value;
    else if (field === "data") this.data.push(value);
    else if (field === "id") this.id = value;
  }
}

export class EventHub {
  constructor(url, onState) {
    this.url = url;
    this.handlers = new Set();
    this.onState = onState;
    this.opened = 0;
    this.lastId = null;
    this.abort = null;
    this.retry = null;
    this.open();
  }

  open() {
    if (this.abort) return;
    const abort = new AbortController();
    this.abort = abort;
    this.read(abort.signal)
      .catch(() => {})
      .finally(() => {
        if (this.abort !== abort) return; // closed on purpose
        this.abort = null;
        this.retry = setTimeout(() => this.open(), RETRY_MS);
      });
  }

  async read(signal) {
    const headers = { Accept: "text/event-stream", ...authHeaders() };
    if (this.lastId !== null) headers["Last-Event-ID"] = this.lastId;
    let response;
    try {
      response = await fetch(this.url, { headers, signal, cache: "no-store" });
    } catch (error) {
      this.onState("reconnecting");
      throw error;
    }
    if (!response.ok) {
      this.onState(response.status === 401 ? "needs the API token" : "reconnecting");
      return;
    }
    this.onState("live");
    if (this.opened++ > 0) this.dispatch("open", null);
    const parser = new EventStreamParser((message) => {
      if (message.id !== null) this.lastId = message.id;
      if (!KINDS.includes(message.event)) return;
      let event = null;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      this.dispatch(message.event, event);
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.push(value);
    }
    this.onState("reconnecting");
  }

  // A page the browser hides or keeps in its back/forward cache must not hold a connection:
  // Chromium allows six per server, and each parked stream would take one.
  close() {
    clearTimeout(this.retry);
    const abort = this.abort;
    this.abort = null;
    abort?.abort();
  }

  on(kinds, handler) {
    const entry = { kinds: new Set(kinds), handler };
    this.handlers.add(entry);
    return () => this.handlers.delete(entry);
  }

  dispatch(kind, event) {
    for (const entry of [...this.handlers]) {
      if (entry.kinds.has(kind) || (kind === "open" && entry.kinds.size)) {
        try {
          entry.handler(event, kind);
        } catch (error) {
          console.warn("event handler failed", error);
        }
      }
    }
  }
}
