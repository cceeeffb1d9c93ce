"""The device: HTTP app, discovery, tuners, the FFmpeg playout engine and the ``retrovue`` CLI."""
