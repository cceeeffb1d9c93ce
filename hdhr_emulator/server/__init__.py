"""The adapters: the Quart app and its routes, discovery listeners and the services they use.

The only layer that does network I/O; it turns requests into calls on :mod:`hdhr_emulator.playout`
and :mod:`hdhr_emulator.device` and their answers back into bytes on a socket.
"""
