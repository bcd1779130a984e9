"""``python -m bot`` is the ``animerec`` command."""

from bot.cli import main

raise SystemExit(main())
