"""The playout engine: one ffmpeg per schedule item, spliced into one live MPEG-TS per channel."""
