"""Test-only code shared by the tests and the benchmarks (never imported by product code)."""
