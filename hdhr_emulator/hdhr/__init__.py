"""The HDHomeRun device surface: identity, HTTP API documents, UDP/TCP 65001, SSDP, zeroconf."""
