"""``python -m studykit`` is the ``studykit`` command."""

import signal
import sys


def _run() -> int:
    try:
        from .cli import main

        code = main()
    except KeyboardInterrupt:  # Ctrl-C while Python was still loading studykit: nothing was written
        print("studykit: interrupted", file=sys.stderr)
        code = 130
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the command is over: a Ctrl-C now changes nothing
    return code


raise SystemExit(_run())
