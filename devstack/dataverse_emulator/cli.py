"""``python -m devstack dataverse [--host H] [--port P] [--seed demo] [--token T]``."""

from __future__ import annotations

import argparse
import os
import threading

from .server import serve
from .service import DataverseEmulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devstack dataverse", description="Serve the Dataverse Web API emulator.")
    parser.add_argument("--host", default=os.environ.get("DEVSTACK_DATAVERSE_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("DEVSTACK_DATAVERSE_PORT", "7072")))
    parser.add_argument("--seed", choices=["none", "demo"], default="none")
    parser.add_argument("--token", default=None, help="accept only this bearer token (default: any)")
    args = parser.parse_args(argv)

    emulator = DataverseEmulator(token=args.token)
    if args.seed == "demo":
        emulator.seed_demo()
    server = serve(emulator, host=args.host, port=args.port)
    print(f"Dataverse emulator: {server.api_url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
