"""Pin the public surface, so a change to it is a deliberate one."""

from __future__ import annotations

import xmltv


def test_public_api() -> None:
    assert sorted(xmltv.__all__) == [
        "DEFAULT_GENERATOR",
        "channel_id",
        "logo_url",
        "render_m3u",
        "render_xmltv",
        "write_xmltv",
    ]
    for name in xmltv.__all__:
        assert getattr(xmltv, name) is not None
