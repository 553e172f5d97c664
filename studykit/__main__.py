"""``python -m studykit`` is the ``studykit`` command."""

from .cli import main

raise SystemExit(main())
