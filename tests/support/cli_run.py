"""Run the ``retrovue`` command as a user would, in a subprocess of this interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def retrovue(
    *args: str | Path, data_dir: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("RETROVUE_DATA_DIR", "RETROVUE_DEBUG")}
    return subprocess.run(
        [sys.executable, "-m", "hdhr_emulator", "--data-dir", str(data_dir), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
