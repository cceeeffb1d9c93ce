// One EventSource on /api/v1/events for the whole page; pages subscribe to the kinds they
// show and drop their subscription when they unmount. EventSource reconnects by itself; after
// a reconnect every page gets an "open" event so it can re-read what it may have missed.

export const KINDS = [
  "tune", "untune", "session_start", "session_stop", "item_start", "item_failed", "restart",
  "slate", "scan_progress", "scan_done", "override_start", "override_end", "error",
];

export class EventHub {
  constructor(url, onState) {
    this.handlers = new Set();
    this.onState = onState;
    this.opened = 0;
    this.source = new EventSource(url);
    for (const kind of KINDS) {
      this.source.addEventListener(kind, (message) => {
        let event = null;
        try {
          event = JSON.parse(message.data);
        } catch {
          return;
        }
        this.dispatch(kind, event);
      });
    }
    this.source.onopen = () => {
      this.onState("live");
      if (this.opened++ > 0) this.dispatch("open", null);
    };
    this.source.onerror = () => this.onState("reconnecting");
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
