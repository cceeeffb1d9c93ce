"""``retrovue status`` as text: a headline, then one row per running channel (tuner, what is on
and how far in, viewers and their bit rate), aligned for a terminal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

HEADERS = ("CH", "NAME", "TUNER", "ON AIR", "OFFSET", "VIEWERS", "BIT RATE")


def duration(seconds: float) -> str:
    """``1:02:03`` or ``2:03``."""
    whole = int(max(0.0, seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def bitrate(bps: float) -> str:
    if bps >= 1e6:
        return f"{bps / 1e6:.1f} Mbit/s"
    return f"{bps / 1e3:.0f} kbit/s"


def _row(session: dict[str, Any]) -> tuple[str, ...]:
    item = session.get("item")
    viewers = session.get("viewers", [])
    return (
        str(session["channel"]),
        session["name"],
        str(session["tuner"]),
        item["title"] if item else "starting",
        duration(item["offset_s"]) if item else "",
        str(len(viewers)),
        bitrate(sum(v["bitrate_bps"] for v in viewers)) if viewers else "",
    )


def _align(rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def render_status(status: dict[str, Any]) -> str:
    """The status document (``GET /api/v1/status``) as lines of text."""
    tuners = status["tuners"]
    head = (
        f"Retrovue {status['version']}"
        + (
            f" ({status['friendly_name']}, DeviceID {status['device_id']})"
            if status.get("device_id")
            else ""
        )
        + f", up {duration(status['uptime_s'])}"
        + (f", ffmpeg {status['ffmpeg_version']}" if status.get("ffmpeg_version") else "")
        + f"; tuners in use: {tuners['in_use']} of {tuners['total']}"
    )
    lines = [head, ""]
    sessions = status.get("sessions", [])
    if sessions:
        lines += _align([HEADERS, *(_row(s) for s in sessions)])
    else:
        lines.append("No channel is running.")
    for override in status.get("overrides", []):
        lines.append(f"override {override.get('id')}: {override.get('title')}")
    return "\n".join(lines)
