"""The in-process app with a small guide, shared with the API tests (no engine, no ffmpeg)."""

from tests.hdhr_emulator.server.api.conftest import app, client, guide, store

__all__ = ["app", "client", "guide", "store"]
