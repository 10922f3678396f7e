"""`make run`: the whole product on one machine — Azurite, the Dataverse and Twilio emulators, and the function
app on the local host, wired to each other — until Ctrl-C or SIGTERM stops everything it started.

`DEVSTACK_FUNCTION_HOSTS=N` works the queues with N function hosts (the first in this process, the others each in a
process of its own, `host_processes.py`); `DEVSTACK_DATAVERSE_LIMITS=on` makes the Dataverse emulator enforce
Dataverse's service protection (`config.DevstackLoad`).

Stopping is the main thread's job (see shutdown.py): a signal during start-up is seen between two steps, a signal
once running ends the wait, and however many more arrive while it stops, they only set the same flag again.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field

from devstack.azurite import Azurite
from devstack.config import DevstackAddresses, DevstackLoad
from devstack.dataverse_emulator import RunningServer
from devstack.dataverse_site import serve_dataverse_site
from devstack.instance import InstanceFolder
from devstack.sandbox import Sandbox, SandboxOptions
from devstack.shutdown import StopRequested, StopSignals
from devstack.tls import local_certificates

__all__ = ["Stack", "main"]

log = logging.getLogger("devstack")

_SHARED_SETTINGS = ("DATAVERSE_URL", "DATAVERSE_TOKEN", "SMSB_PUBLIC_URL", "SMSB_ENCRYPTION_KEY", "TWILIO_API_BASE_URL",
                    "AzureWebJobsStorage")


@dataclass
class Stack:
    addresses: DevstackAddresses
    env: MutableMapping[str, str] = field(default_factory=lambda: os.environ)
    azurite: Azurite | None = None
    sandbox: Sandbox | None = None
    dataverse_tls: RunningServer | None = None

    @property
    def instance(self) -> InstanceFolder:
        """This devstack's own folder under .devstack/instances (settings.json, tls/)."""
        return InstanceFolder.for_port(self.addresses.functions_port)

    def start(self, *, with_timers: bool = True, progress: Callable[[str], None] = print,
              checkpoint: Callable[[], None] = lambda: None) -> None:
        """Start every part; ``checkpoint`` is called between steps and may raise to abandon the start (the
        caller then calls ``stop()``, which stops whatever had started)."""
        began = time.monotonic()
        a = self.addresses
        load = DevstackLoad.from_env(self.env)
        checkpoint()
        progress(f"starting Azurite queues on {a.host}:{a.azurite_port} …")
        self.azurite = Azurite(a.host, a.azurite_port)
        self.azurite.start(checkpoint=checkpoint)
        checkpoint()
        progress("starting the Dataverse and Twilio emulators and the function host, seeding the product …")
        # The app reads its settings from the process environment, exactly as it reads app settings in Azure.
        self.sandbox = Sandbox(SandboxOptions(
            storage_connection=a.storage_connection, host=a.host, functions_port=a.functions_port,
            dataverse_port=a.dataverse_port, twilio_port=a.twilio_port, function_key=a.function_key,
            run_queues=True, run_timers=with_timers, twilio_callback_delay=0.5,
            host_processes=load.function_hosts - 1, host_log_folder=self.instance.path / "hosts",
            dataverse_limits=load.dataverse_limits,
        ), environ=self.env)
        self.sandbox.start(checkpoint=checkpoint)
        checkpoint()
        # The product speaks http on the Dataverse port; Microsoft's SDK (and scripts people write with it) needs
        # https, so the same emulator (and the browser shell) also listens with the devstack's local certificate.
        self.dataverse_tls = serve_dataverse_site(
            self.sandbox.dataverse, host=a.host, port=a.dataverse_tls_port,
            ssl_context=local_certificates(self.instance.tls_folder).server_context())
        checkpoint()
        self._write_settings()
        progress(f"ready in {time.monotonic() - began:.1f} s")

    def _write_settings(self) -> None:
        """Leave the settings where `smsbridge` (run from the project folder) finds them while the stack runs."""
        values = {name: self.env[name] for name in _SHARED_SETTINGS if self.env.get(name)}
        values["SMSB_FUNCTION_KEY"] = self.addresses.function_key
        a = self.addresses
        self.instance.write_settings(values, {"functions_port": a.functions_port, "functions_url": a.functions_url,
                                              "dataverse_url": a.dataverse_url, "twilio_url": a.twilio_url})

    def banner(self) -> str:
        a = self.addresses
        lines = [
            "",
            "SMS Bridge devstack is running:",
            f"  function app     {a.functions_url}/api/   (health: {a.functions_url}/api/health)",
            f"  function key     {a.function_key}   (send as ?code= or x-functions-key)",
            f"  Dataverse API    {a.dataverse_url}/api/data/v9.2/",
            f"  ... over https   {a.dataverse_tls_url}/api/data/v9.2/   (for Microsoft's Dataverse SDK:"
            f" REQUESTS_CA_BUNDLE={self.instance.tls_folder / 'ca.pem'})",
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
        if self.sandbox is not None and self.sandbox.more_hosts is not None:
            lines.append(f"more function hosts on the same queues ({len(self.sandbox.more_hosts.processes)}):")
            lines.extend(self.sandbox.more_hosts.describe())
        limits = self.sandbox.dataverse.protection.limits if self.sandbox is not None else None
        if limits is not None:
            lines.append(f"Dataverse service protection: on ({limits.requests} requests and {limits.execution_ms:,} ms"
                         f" per {limits.window_seconds:g} s window, {limits.concurrent} in flight; time scale"
                         f" {limits.time_scale:g}); state at {a.dataverse_url}/_devstack/limits")
        lines.append("Press Ctrl-C to stop.")
        return "\n".join(lines)

    def stop(self) -> None:
        self.instance.remove_settings()
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


def main(argv: list[str], signals: StopSignals | None = None) -> int:
    """``signals``: already installed by ``python -m devstack`` before the slow imports, so a Ctrl-C that early is
    seen too; installed here otherwise."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m devstack run", description=__doc__)
    parser.add_argument("--no-timers", action="store_true", help="do not run timer triggers")
    args = parser.parse_args(argv)
    signals = signals or StopSignals.install()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stack = Stack(DevstackAddresses.from_env(os.environ))
    try:
        stack.start(with_timers=not args.no_timers, checkpoint=signals.checkpoint)
        print(stack.banner(), flush=True)
        signals.wait()
    except StopRequested:
        pass
    finally:
        print("stopping …", flush=True)
        stack.stop()
        signals.restore()
    return 0
