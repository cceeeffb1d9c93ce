"""Unit tests of the playout pieces (argv, stream plans, the tuner pool, a channel session)."""
