"""The ``retrovue`` command: argument parsing, wiring settings into a server, terminal output."""
