"""``python -m devstack dataverse [--host H] [--port P] [--seed demo] [--token T] [--limits [--time-scale S]
[--operation-ms M]]``."""

from __future__ import annotations

import argparse
import os
import threading

from .server import serve
from .service import DataverseEmulator
from .service_limits import Limits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devstack dataverse", description="Serve the Dataverse Web API emulator.")
    parser.add_argument("--host", default=os.environ.get("DEVSTACK_DATAVERSE_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("DEVSTACK_DATAVERSE_PORT", "7072")))
    parser.add_argument("--seed", choices=["none", "demo"], default="none")
    parser.add_argument("--token", default=None, help="accept only this bearer token (default: any)")
    parser.add_argument("--limits", action="store_true",
                        help="enforce Dataverse's service protection limits (Microsoft's documented figures)")
    parser.add_argument("--time-scale", type=float, default=1.0,
                        help="with --limits: compress time (60: the 5-minute window lasts 5 s)")
    parser.add_argument("--operation-ms", type=float, default=0.0,
                        help="with --limits: simulated execution time of each operation")
    args = parser.parse_args(argv)

    limits = Limits(time_scale=args.time_scale, operation_ms=args.operation_ms) if args.limits else None
    emulator = DataverseEmulator(token=args.token, service_protection=limits)
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
