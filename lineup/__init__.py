"""What is on when: library sources, the media catalog, channels and the deterministic schedule.

No HTTP and no ffmpeg processes live here; media is probed in-process with PyAV.
"""
