"""`make run`: the whole product on one machine — Azurite, the Dataverse and Twilio emulators, and the function
app on the local host, wired to each other — until Ctrl-C or SIGTERM stops everything it started."""

from __future__ import annotations

import base64
import logging
import os
import secrets
import signal
import threading
import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Protocol

from devstack.azurite import Azurite
from devstack.config import DevstackAddresses, load_local_settings
from devstack.host import ROOT, FunctionHost, HostOptions, build_host

__all__ = ["Stack", "devstack_environment", "main"]

log = logging.getLogger("devstack")


class _Stoppable(Protocol):
    def stop(self) -> None: ...


def devstack_environment(addresses: DevstackAddresses) -> dict[str, str]:
    """The app settings that point the function app at the devstack (DESIGN 4.2, 7)."""
    return {
        "AzureWebJobsStorage": addresses.storage_connection,
        "DATAVERSE_URL": addresses.dataverse_url,
        # The emulator accepts any bearer token; the app accepts a static one only for loopback URLs.
        "DATAVERSE_TOKEN": "devstack",
        "SMSB_PUBLIC_URL": addresses.functions_url,
        "SMSB_ENCRYPTION_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "TWILIO_API_BASE_URL": addresses.twilio_url,
    }


@dataclass
class Stack:
    addresses: DevstackAddresses
    root: Path = ROOT
    env: MutableMapping[str, str] = field(default_factory=lambda: os.environ)
    started: list[tuple[str, _Stoppable]] = field(default_factory=list)
    host: FunctionHost | None = None

    def start(self, *, with_timers: bool = True, progress: Callable[[str], None] = print) -> None:
        # Precedence: the environment, then local.settings.json, then the devstack defaults.
        load_local_settings(self.root / "local.settings.json", self.env)
        for key, value in devstack_environment(self.addresses).items():
            self.env.setdefault(key, value)

        began = time.monotonic()
        azurite = Azurite(self.addresses.host, self.addresses.azurite_port)
        progress(f"starting Azurite queues on {self.addresses.host}:{self.addresses.azurite_port} …")
        azurite.start()
        self.started.append(("Azurite", azurite))

        for name, starter in self._emulators():
            progress(f"starting the {name} emulator …")
            self.started.append((name, starter()))

        progress("starting the function host …")
        self.host = build_host(
            root=self.root,
            env=self.env,
            options=HostOptions(
                host=self.addresses.host,
                port=self.addresses.functions_port,
                function_key=self.addresses.function_key,
                run_timers=with_timers,
            ),
        )
        self.host.start()
        self.started.append(("function host", self.host))
        progress(f"ready in {time.monotonic() - began:.1f} s")

    def _emulators(self) -> list[tuple[str, Callable[[], _Stoppable]]]:
        from devstack.dataverse_emulator import DataverseEmulator
        from devstack.dataverse_emulator import serve as serve_dataverse
        from devstack.twilio_emulator import TwilioEmulator
        from devstack.twilio_emulator import serve as serve_twilio

        def dataverse() -> _Stoppable:
            emulator = DataverseEmulator()
            emulator.seed_demo()
            return serve_dataverse(emulator, host=self.addresses.host, port=self.addresses.dataverse_port)

        def twilio() -> _Stoppable:
            return serve_twilio(TwilioEmulator(), host=self.addresses.host, port=self.addresses.twilio_port)

        return [("Dataverse", dataverse), ("Twilio", twilio)]

    def banner(self) -> str:
        a = self.addresses
        lines = [
            "",
            "SMS Bridge devstack is running:",
            f"  function app     {a.functions_url}/api/   (health: {a.functions_url}/api/health)",
            f"  function key     {a.function_key}   (send as ?code= or x-functions-key)",
            f"  Dataverse API    {a.dataverse_url}/api/data/v9.2/",
            f"  Twilio API       {a.twilio_url}",
            f"  Azurite queues   http://{a.host}:{a.azurite_port}/devstoreaccount1",
        ]
        if self.host is not None:
            lines.append("functions:")
            lines.extend(self.host.describe())
        lines.append("Press Ctrl-C to stop.")
        return "\n".join(lines)

    def stop(self) -> None:
        while self.started:
            name, component = self.started.pop()
            try:
                component.stop()
            except Exception:
                log.exception("could not stop %s cleanly", name)


def wait_for_signal() -> None:
    stop = threading.Event()

    def handler(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    stop.wait()


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m devstack run", description=__doc__)
    parser.add_argument("--no-timers", action="store_true", help="do not run timer triggers")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    load_local_settings(ROOT / "local.settings.json", os.environ)
    stack = Stack(DevstackAddresses.from_env(os.environ))
    try:
        stack.start(with_timers=not args.no_timers)
        print(stack.banner(), flush=True)
        wait_for_signal()
    finally:
        print("stopping …", flush=True)
        stack.stop()
    return 0
