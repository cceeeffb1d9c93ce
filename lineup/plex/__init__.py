"""Plex as a library source: settings, the import through plexapi, path mapping, DVR refresh.

Nothing here speaks HTTP to our own clients or runs ffmpeg; the device side
(``hdhr_emulator.media_proxy``) plays what this package catalogued.
"""

from lineup.plex.path_map import PathMap
from lineup.plex.secret import Secret
from lineup.plex.settings import PlexSettings

__all__ = ["PathMap", "PlexSettings", "Secret"]
