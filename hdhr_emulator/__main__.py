"""``python -m hdhr_emulator`` is the ``retrovue`` command."""

from hdhr_emulator.cli.main import main

raise SystemExit(main())
