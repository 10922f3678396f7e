"""`python -m devstack <command>`: the local stack and each of its parts.

    run         everything: Azurite, both emulators and the function host (what `make run` starts)
    host        only the function host (settings from the environment or local.settings.json)
    dataverse   only the Dataverse Web API emulator   (--port 7072 [--seed demo])
    twilio      only the Twilio API emulator          (--port 7073)
"""

from __future__ import annotations

import sys
from collections.abc import Callable


def _host(argv: list[str]) -> int:
    # Ctrl-C and SIGTERM are taken over before the slow imports (the function app and its dependencies), so a
    # signal that early is seen by the command's first checkpoint too.
    from devstack.shutdown import StopSignals

    signals = StopSignals.install()
    from devstack.host import main

    return main(argv, signals)


def _run(argv: list[str]) -> int:
    from devstack.shutdown import StopSignals

    signals = StopSignals.install()
    from devstack.stack import main

    return main(argv, signals)


def _dataverse(argv: list[str]) -> int:
    from devstack.dataverse_emulator.cli import main

    return main(argv)


def _twilio(argv: list[str]) -> int:
    from devstack.twilio_emulator.cli import main

    return main(argv)


COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "run": _run,
    "host": _host,
    "dataverse": _dataverse,
    "twilio": _twilio,
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
