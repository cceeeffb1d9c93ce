"""The installed Retrovue version (from the package metadata; "0+unknown" from a bare tree)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("retrovue")
except PackageNotFoundError:  # running from a checkout that was never installed
    VERSION = "0+unknown"
