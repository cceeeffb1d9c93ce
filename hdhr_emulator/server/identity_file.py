"""The device's identity kept in the data dir (``device.json``), so clients see the same tuner
after a restart; :mod:`hdhr_emulator.device.identity` derives the values, this file keeps them."""

from __future__ import annotations

import json
import logging
import secrets
from pathlib import Path

from hdhr_emulator.device.identity import AUTH_ALPHABET, DeviceIdentity, derive_device_id
from hdhr_emulator.util import atomic_write

log = logging.getLogger(__name__)

DEVICE_FILE = "device.json"


def load_identity(
    data_dir: Path, tuner_count: int, friendly_name: str = "Retrovue"
) -> DeviceIdentity:
    """The identity for this data dir, creating and persisting its seed on first use."""
    path = data_dir / DEVICE_FILE
    state: dict[str, object] = {}
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        pass
    seed = state.get("seed")
    auth = state.get("device_auth")
    if not isinstance(seed, str) or not isinstance(auth, str) or len(auth) != 24:
        seed = secrets.token_hex(16)
        auth = "".join(secrets.choice(AUTH_ALPHABET) for _ in range(24))
    device_id = derive_device_id(seed, tuner_count)
    previous = state.get("tuner_count")
    if isinstance(previous, int) and previous != tuner_count:
        log.warning(
            "the tuner count changed from %d to %d: Retrovue now presents itself as a new "
            "device %08X (clients cache the tuner count per device); remove the old Retrovue "
            "tuner in Plex/Jellyfin and add this one",
            previous,
            tuner_count,
            device_id,
        )
    new_state = {"seed": seed, "device_auth": auth, "tuner_count": tuner_count}
    if new_state != state:
        data_dir.mkdir(parents=True, exist_ok=True)
        atomic_write(path, (json.dumps(new_state, indent=2) + "\n").encode())
    return DeviceIdentity(device_id, auth, friendly_name, tuner_count)
