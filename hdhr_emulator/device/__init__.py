"""The HDHomeRun device, sans-IO: identity, the 65001 wire format, SSDP packets and the documents
clients read (discover.json, lineup, status, device.xml). Bytes and values only: no sockets,
no asyncio, no processes; :mod:`hdhr_emulator.server.runner` moves the bytes."""
