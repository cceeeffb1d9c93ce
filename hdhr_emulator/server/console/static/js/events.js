// One EventSource on /api/v1/events for the whole page; pages subscribe to the kinds they
// show and drop their subscription when they unmount. EventSource reconnects by itself; after
// a reconnect every page gets an "open" event so it can re-read what it may have missed.

export const KINDS = [
  "tune", "untune", "session_start", "session_stop", "item_start", "item_failed", "restart",
  "slate", "scan_progress", "scan_done", "override_start", "override_end", "error",
];

export class EventHub {
  constructor(url, onState) {
    this.url = url;
    this.handlers = new Set();
    this.onState = onState;
    this.opened = 0;
    this.source = null;
    this.open();
  }

  open() {
    if (this.source) return;
    const source = new EventSource(this.url);
    for (const kind of KINDS) {
      source.addEventListener(kind, (message) => {
        let event = null;
        try {
          event = JSON.parse(message.data);
        } catch {
          return;
        }
        this.dispatch(kind, event);
      });
    }
    source.onopen = () => {
      this.onState("live");
      if (this.opened++ > 0) this.dispatch("open", null);
    };
    source.onerror = () => this.onState("reconnecting");
    this.source = source;
  }

  // A page the browser hides or keeps in its back/forward cache must not hold a connection:
  // Chromium allows six per server, and each parked stream would take one.
  close() {
    this.source?.close();
    this.source = null;
  }

  on(kinds, handler) {
    const entry = { kinds: new Set(kinds), handler };
    this.handlers.add(entry);
    return () => this.handlers.delete(entry);
  }

  dispatch(kind, event) {
    for (const entry of [...this.handlers]) {
      if (entry.kinds.has(kind) || (kind === "open" && entry.kinds.size)) {
        entry.handler(event, kind);
      }
    }
  }
}
