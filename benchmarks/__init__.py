"""Runnable performance checks (``python -m benchmarks.<name>``); not part of the package."""
