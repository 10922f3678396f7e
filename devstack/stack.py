"""`make run`: the whole product on one machine — Azurite, the Dataverse and Twilio emulators, and the function
app on the local host, wired to each other — until Ctrl-C or SIGTERM stops everything it started."""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from types import FrameType

from devstack.azurite import Azurite
from devstack.config import DevstackAddresses
from devstack.dataverse_emulator import RunningServer
from devstack.dataverse_emulator import serve as serve_dataverse
from devstack.host import ROOT
from devstack.sandbox import Sandbox, SandboxOptions
from devstack.tls import local_certificates

__all__ = ["Stack", "main"]

log = logging.getLogger("devstack")

SETTINGS_FILE = ROOT / ".devstack" / "settings.json"
# The local CA and the loopback certificate of the https Dataverse endpoint; clients trust tls/ca.pem.
TLS_FOLDER = ROOT / ".devstack" / "tls"
_SHARED_SETTINGS = ("DATAVERSE_URL", "DATAVERSE_TOKEN", "SMSB_PUBLIC_URL", "SMSB_ENCRYPTION_KEY", "TWILIO_API_BASE_URL",
                    "AzureWebJobsStorage")


@dataclass
class Stack:
    addresses: DevstackAddresses
    env: MutableMapping[str, str] = field(default_factory=lambda: os.environ)
    azurite: Azurite | None = None
    sandbox: Sandbox | None = None
    dataverse_tls: RunningServer | None = None

    def start(self, *, with_timers: bool = True, progress: Callable[[str], None] = print) -> None:
        began = time.monotonic()
        a = self.addresses
        progress(f"starting Azurite queues on {a.host}:{a.azurite_port} …")
        self.azurite = Azurite(a.host, a.azurite_port)
        self.azurite.start()
        progress("starting the Dataverse and Twilio emulators and the function host, seeding the product …")
        # The app reads its settings from the process environment, exactly as it reads app settings in Azure.
        self.sandbox = Sandbox(SandboxOptions(
            storage_connection=a.storage_connection, host=a.host, functions_port=a.functions_port,
            dataverse_port=a.dataverse_port, twilio_port=a.twilio_port, function_key=a.function_key,
            run_queues=True, run_timers=with_timers, twilio_callback_delay=0.5,
        ), environ=self.env)
        self.sandbox.start()
        # The product speaks http on the Dataverse port; Microsoft's SDK (and scripts people write with it) needs
        # https, so the same emulator also listens with the devstack's local certificate.
        self.dataverse_tls = serve_dataverse(self.sandbox.dataverse, host=a.host, port=a.dataverse_tls_port,
                                             ssl_context=local_certificates(TLS_FOLDER).server_context())
        self._write_settings()
        progress(f"ready in {time.monotonic() - began:.1f} s")

    def _write_settings(self) -> None:
        """Leave the settings where `smsbridge` (run from the project folder) finds them while the stack runs."""
        values = {name: self.env[name] for name in _SHARED_SETTINGS if self.env.get(name)}
        values["SMSB_FUNCTION_KEY"] = self.addresses.function_key
        SETTINGS_FILE.parent.mkdir(exist_ok=True)
        SETTINGS_FILE.touch(mode=0o600)
        SETTINGS_FILE.write_text(json.dumps({"IsEncrypted": False, "Values": values}, indent=2), encoding="utf-8")

    def banner(self) -> str:
        a = self.addresses
        lines = [
            "",
            "SMS Bridge devstack is running:",
            f"  function app     {a.functions_url}/api/   (health: {a.functions_url}/api/health)",
            f"  function key     {a.function_key}   (send as ?code= or x-functions-key)",
            f"  Dataverse API    {a.dataverse_url}/api/data/v9.2/",
            f"  ... over https   {a.dataverse_tls_url}/api/data/v9.2/   (for Microsoft's Dataverse SDK:"
            f" REQUESTS_CA_BUNDLE={TLS_FOLDER / 'ca.pem'})",
            f"  in a browser     {a.dataverse_url}/devstack/   (the inbox pane and the chat on each record)",
            f"  Twilio API       {a.twilio_url}",
            f"  Azurite queues   http://{a.host}:{a.azurite_port}/devstoreaccount1",
        ]
        if self.sandbox is not None and self.sandbox.product is not None:
            product = self.sandbox.product
            lines += [
                f"  Twilio number    {product.number} (account {product.account_sid})",
                f"                   SMS webhook → {a.functions_url}/api/twilio/messages",
                "",
                "Text the app from an emulated phone:",
                f"  curl {a.twilio_url}/_devstack/inbound --data-urlencode From=+16562185892 "
                f"--data-urlencode To={product.number} --data-urlencode Body=Hello",
            ]
        if self.sandbox is not None and self.sandbox.host is not None:
            lines.append("functions:")
            lines.extend(self.sandbox.host.describe())
        lines.append("Press Ctrl-C to stop.")
        return "\n".join(lines)

    def stop(self) -> None:
        SETTINGS_FILE.unlink(missing_ok=True)
        components: tuple[tuple[str, Sandbox | RunningServer | Azurite | None], ...] = (
            ("the sandbox", self.sandbox), ("the https Dataverse endpoint", self.dataverse_tls),
            ("Azurite", self.azurite))
        for name, component in components:
            if component is None:
                continue
            try:
                component.stop()
            except Exception:
                log.exception("could not stop %s cleanly", name)
        self.sandbox = None
        self.dataverse_tls = None
        self.azurite = None


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
    stack = Stack(DevstackAddresses.from_env(os.environ))
    try:
        stack.start(with_timers=not args.no_timers)
        print(stack.banner(), flush=True)
        wait_for_signal()
    finally:
        print("stopping …", flush=True)
        stack.stop()
    return 0
