"""The whole product on loopback: both emulators, the product seeded into them, and the function app on the local
host in front of Azurite queues. `make run` uses it with the well-known ports; tests and benchmarks use it with
ephemeral ones, so what they exercise is exactly what a developer runs.

`host_processes` adds function hosts, each a process of its own working the same queues (`host_processes.py`);
`dataverse_limits` turns on the Dataverse emulator's service protection from the start.
"""

from __future__ import annotations

import base64
import contextlib
import secrets
import shutil
import tempfile
import uuid
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import function_app
from admin import register_webhooks
from app import runtime
from app.runtime import Runtime
from app.settings import Settings
from devstack.config import QueueSettings, load_host_config
from devstack.dataverse_emulator import DataverseEmulator, RunningServer
from devstack.dataverse_emulator.service_limits import Limits
from devstack.dataverse_site import serve_dataverse_site
from devstack.functions import TriggerKind
from devstack.host import FunctionHost, HostOptions
from devstack.host_processes import HostProcesses
from devstack.paths import ROOT
from devstack.queues import QueueBackend, QueueTriggerWorker
from devstack.seed import SeededProduct, seed_product, wire_twilio_number
from devstack.twilio_emulator import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, DEFAULT_PHONE_NUMBER, TwilioEmulator
from devstack.twilio_emulator import RunningServer as TwilioServer
from devstack.twilio_emulator import serve as serve_twilio

__all__ = ["Sandbox", "SandboxOptions"]


@dataclass
class SandboxOptions:
    storage_connection: str
    host: str = "127.0.0.1"
    functions_port: int = 0
    dataverse_port: int = 0
    twilio_port: int = 0
    function_key: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    run_queues: bool = False
    run_timers: bool = False
    queue_settings: QueueSettings | None = None
    twilio_callback_delay: float = 0.05
    twilio_shuffle_callbacks: bool = False
    twilio_duplicate_callbacks: bool = False
    send_app_notifications: bool = True
    account_sid: str = DEFAULT_ACCOUNT_SID
    auth_token: str = field(default=DEFAULT_AUTH_TOKEN, repr=False)
    number: str = DEFAULT_PHONE_NUMBER
    dataverse_factory: Callable[[], DataverseEmulator] = DataverseEmulator
    # function hosts in processes of their own, besides the sandbox's own host, all on the same queues
    host_processes: int = 0
    host_log_folder: Path | None = None  # where their logs go (default: a temporary folder, removed at stop)
    host_log_level: str = "INFO"
    dataverse_limits: Limits | None = None  # the Dataverse emulator's service protection (off: None)


class Sandbox:
    """Start with `start()` (or as a context manager); `stop()` ends everything it started."""

    def __init__(self, options: SandboxOptions, environ: MutableMapping[str, str] | None = None) -> None:
        self.options = options
        # The app reads its settings from here, as it reads app settings in Azure.
        self.environ: MutableMapping[str, str] = {} if environ is None else environ
        self.dataverse = options.dataverse_factory()
        self.twilio = TwilioEmulator(options.account_sid, options.auth_token, options.number,
                                     callback_delay=options.twilio_callback_delay,
                                     shuffle_callbacks=options.twilio_shuffle_callbacks,
                                     duplicate_callbacks=options.twilio_duplicate_callbacks)
        self.demo: dict[str, Any] = {}
        self.product: SeededProduct | None = None
        self.host: FunctionHost | None = None
        self.more_hosts: HostProcesses | None = None
        self._own_log_folder: Path | None = None
        self.dataverse_server: RunningServer | None = None
        self.twilio_server: TwilioServer | None = None
        self._runtime_scope: contextlib.AbstractContextManager[None] | None = None
        self._backend: QueueBackend | None = None

    # -- lifecycle ----------------------------------------------------------------------------------------------
    def start(self, checkpoint: Callable[[], None] = lambda: None) -> Sandbox:
        """Start and seed everything; ``checkpoint`` is called between steps and may raise to abandon the start
        (``stop()`` then stops whatever had started)."""
        o = self.options
        if o.dataverse_limits is not None:
            self.dataverse.protection.configure(o.dataverse_limits)
        self.demo = self.dataverse.seed_demo()
        checkpoint()
        self.dataverse_server = serve_dataverse_site(self.dataverse, host=o.host, port=o.dataverse_port)
        self.twilio_server = serve_twilio(self.twilio, host=o.host, port=o.twilio_port)
        checkpoint()
        self.environ.update({
            "AzureWebJobsStorage": o.storage_connection,
            "DATAVERSE_URL": self.dataverse_server.url,
            # The emulator accepts any bearer token; the app accepts a static one only for loopback URLs.
            "DATAVERSE_TOKEN": "devstack-emulator-token",
            "TWILIO_API_BASE_URL": self.twilio_server.url,
        })
        self.environ.setdefault("SMSB_ENCRYPTION_KEY", base64.b64encode(secrets.token_bytes(32)).decode())
        config = load_host_config(ROOT / "host.json")
        if o.queue_settings is not None:
            config = type(config)(route_prefix=config.route_prefix, queues=o.queue_settings)
        self.host = FunctionHost(function_app.app, config, HostOptions(
            host=o.host, port=o.functions_port, function_key=o.function_key,
            run_timers=o.run_timers, run_queues=False,
        ), env=self.environ)
        self.host.start()
        checkpoint()
        self.environ["SMSB_PUBLIC_URL"] = self.host.url
        environ = self.environ
        self._runtime_scope = runtime.use(lambda: Runtime.from_settings(Settings.from_env(environ)))
        self._runtime_scope.__enter__()
        app = self.app
        self.product = seed_product(
            app.dataverse, app.cipher, account_sid=o.account_sid, auth_token=o.auth_token, number=o.number,
            team_id=uuid.UUID(str(self.demo["team"])), public_url=self.host.url,
            send_app_notifications=o.send_app_notifications,
        )
        checkpoint()
        wire_twilio_number(app.twilio, account_sid=o.account_sid, auth_token=o.auth_token, number=o.number,
                           public_url=self.host.url)
        # Dataverse tells the function app about new Outbox rows and Configuration changes, as in production.
        register_webhooks(app.dataverse, self.host.url, o.function_key)
        # A running app has its Configuration map loaded; the first webhook of a test should not find it cold.
        app.directory.refresh()
        checkpoint()
        if o.run_queues:
            self.host.options.run_queues = True
            self.host.start_queue_workers()
        if o.host_processes:
            folder = o.host_log_folder
            if folder is None:
                self._own_log_folder = folder = Path(tempfile.mkdtemp(prefix="smsb-hosts-"))
            settings = {name: value for name, value in self.environ.items() if isinstance(value, str)}
            # numbered after the sandbox's own host when it works the queues too
            self.more_hosts = HostProcesses(o.host_processes, {**settings, "DEVSTACK_FUNCTION_KEY": o.function_key},
                                            log_folder=folder, queue_settings=config.queues, host=o.host,
                                            log_level=o.host_log_level, first_number=2 if o.run_queues else 1)
            self.more_hosts.start(checkpoint)
        return self

    def stop(self) -> None:
        if self.more_hosts is not None:  # first: they work against everything else here
            self.more_hosts.stop()
        if self._own_log_folder is not None:
            shutil.rmtree(self._own_log_folder, ignore_errors=True)
            self._own_log_folder = None
        if self.host is not None:
            self.host.stop()
            self.host = None
        if self._backend is not None:
            self._backend.close()
            self._backend = None
        if self._runtime_scope is not None:
            self._runtime_scope.__exit__(None, None, None)
            self._runtime_scope = None
        for server in (self.twilio_server, self.dataverse_server):
            if server is not None:
                server.stop()
        self.twilio_server = self.dataverse_server = None
        self.twilio.close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- using it -----------------------------------------------------------------------------------------------
    @property
    def app(self) -> Runtime:
        return runtime.current()

    @property
    def url(self) -> str:
        if self.host is None:
            raise RuntimeError("the sandbox is not running")
        return self.host.url

    def queues(self) -> QueueBackend:
        if self._backend is None:
            self._backend = QueueBackend(self.options.storage_connection)
        return self._backend

    def queue_worker(self, queue: str = "sms-inbound") -> QueueTriggerWorker:
        """A worker for one queue, driven by the caller (`poll_once`) instead of a thread."""
        if self.host is None:
            raise RuntimeError("the sandbox is not running")
        spec = next(f for f in self.host.of_kind(TriggerKind.QUEUE) if f.queue_name == queue)
        return QueueTriggerWorker(spec, self.queues(), self.host.config.queues)

    def drain(self, queue: str = "sms-inbound", rounds: int = 1000) -> int:
        """Process the queue until it is empty; returns how many messages were handled."""
        worker = self.queue_worker(queue)
        handled = 0
        for _ in range(rounds):
            batch = worker.poll_once()
            if batch == 0:
                break
            handled += batch
        return handled

    def rows(self, table: str, **equals: Any) -> list[dict[str, Any]]:
        """Rows of a table in the Dataverse emulator whose columns equal the given values."""
        return [row for row in self.dataverse.store.rows(table)
                if all(row.get(k) == v for k, v in equals.items())]

