"""Ask Plex's DVR to re-read our guide after we regenerate it (``reload_guide = true``).

Plex fetches an XMLTV guide on its own schedule (about daily), so a changed lineup can take a day
to show. ``POST /livetv/dvrs/<key>/reloadGuide`` makes it fetch now. Only the DVRs whose tuner is
*this* device are asked: a household's other DVRs (a real HDHomeRun, another emulator) are none
of our business, and reloading them costs Plex a full guide import each.

A DVR lists its tuners as ``<Device>`` elements; ours is recognised by our DeviceID, which Plex
keeps in the device's ``uuid`` (``device://tv.plex.grabbers.hdhomerun/105A3C4F``) and, in some
versions, a ``deviceId`` attribute.
"""

from __future__ import annotations

import logging
from xml.etree.ElementTree import Element

import requests

from lineup.errors import ScanError
from lineup.plex.importer import connect, plex_errors
from lineup.plex.settings import PlexSettings

log = logging.getLogger(__name__)


def dvrs_using(container: Element | None, device_id: str) -> list[str]:
    """Keys of the DVRs in a ``/livetv/dvrs`` document that have ``device_id`` as a tuner."""
    wanted = device_id.strip().upper()
    keys = []
    for dvr in container.iter("Dvr") if container is not None else ():
        for device in dvr.iter("Device"):
            uuid = (device.get("uuid") or "").upper()
            ids = {(device.get("deviceId") or "").upper(), uuid.rsplit("/", 1)[-1]}
            if wanted in ids and dvr.get("key"):
                keys.append(dvr.get("key", ""))
                break
    return keys


class DvrGuideReload:
    """Callable run after each guide refresh; failures are logged, never raised."""

    def __init__(self, settings: PlexSettings, device_id: str):
        self.settings = settings
        self.device_id = device_id

    def __call__(self) -> list[str]:
        """Reload the guide of each DVR using this device; returns their keys."""
        session = requests.Session()
        try:
            server = connect(self.settings, session)
            with plex_errors(self.settings):
                keys = dvrs_using(server.query("/livetv/dvrs"), self.device_id)
                for key in keys:
                    server.query(f"/livetv/dvrs/{key}/reloadGuide", method=session.post)
        except ScanError as exc:
            log.warning("could not ask Plex to reload the guide: %s", exc)
            return []
        finally:
            session.close()
        if keys:
            log.info(
                "asked Plex at %s to reload the guide of DVR %s", self.settings.url, ", ".join(keys)
            )
        else:
            log.info(
                "Plex at %s has no DVR using this tuner (%s); nothing to reload",
                self.settings.url,
                self.device_id,
            )
        return keys
