"""A local Azure Functions host for the v2 Python programming model.

Azure Functions Core Tools cannot be installed everywhere (its installer downloads a binary), so the devstack
hosts the function app itself: it imports `function_app.app`, reads `host.json` and `local.settings.json` (or the
environment), and runs the HTTP triggers on 127.0.0.1:7071, the timer triggers on their schedules and the queue
triggers against Azurite — the same code that runs in Azure, called the way the Python worker calls it.

    python -m devstack host [--port 7071] [--no-timers] [--no-queues] [--queues JSON] [--log-level LEVEL]
                            [--no-local-settings]

`make run` starts more hosts this way when asked for several (`host_processes.py`): each prints one line once it
serves (`function host on <url> …`) and, when stopped, one line per queue with what its workers did
(`queue totals: <queue> processed=N failed=N poisoned=N`).
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import logging
import os
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import azure.functions as func
from werkzeug.serving import BaseWSGIServer, make_server

from devstack.config import HostConfig, load_host_config, load_local_settings, queue_settings
from devstack.functions import FunctionSpec, TriggerKind, index_app
from devstack.http_host import HttpHost
from devstack.invocation import CapturedOut, invoke
from devstack.paths import ROOT
from devstack.queues import QueueBackend, QueueTriggerWorker, deliver_outputs
from devstack.shutdown import StopRequested, StopSignals
from devstack.timers import Clock, TimerRunner, utc_now

__all__ = ["READY_PREFIX", "ROOT", "TOTALS_PREFIX", "FunctionHost", "HostOptions", "load_function_app"]

log = logging.getLogger("devstack.host")

READY_PREFIX = "function host on "
TOTALS_PREFIX = "queue totals: "


def load_function_app(module: str = "function_app") -> func.FunctionApp:
    app = getattr(importlib.import_module(module), "app", None)
    if not isinstance(app, func.FunctionApp):
        raise TypeError(f"{module}.app must be an azure.functions.FunctionApp")
    return app


@dataclass
class HostOptions:
    host: str = "127.0.0.1"
    port: int = 7071
    function_key: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    master_key: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    run_timers: bool = True
    run_queues: bool = True
    clock: Clock = utc_now


class FunctionHost:
    """Runs one FunctionApp: HTTP server, timers and queue pollers; `stop()` ends all of them."""

    def __init__(
        self,
        app: func.FunctionApp,
        config: HostConfig,
        options: HostOptions,
        *,
        env: MutableMapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self.options = options
        self.env = os.environ if env is None else env
        self.functions: list[FunctionSpec] = index_app(app, self.env)
        self._backend: QueueBackend | None = None
        self.http = HttpHost(
            self.functions,
            route_prefix=config.route_prefix,
            function_key=options.function_key,
            master_key=options.master_key,
            deliver=self._deliver,
        )
        self.timers: list[TimerRunner] = []
        self.queue_workers: list[QueueTriggerWorker] = []
        self._server: BaseWSGIServer | None = None
        self._server_thread: threading.Thread | None = None

    # -- queues -------------------------------------------------------------------------------------------------
    def backend(self) -> QueueBackend | None:
        """The queue storage of `AzureWebJobsStorage`, connected on first use."""
        if self._backend is None:
            connection = self.env.get("AzureWebJobsStorage")
            if connection:
                self._backend = QueueBackend(connection)
        return self._backend

    def _deliver(self, spec: FunctionSpec, outputs: dict[str, CapturedOut[Any]]) -> None:
        deliver_outputs(outputs, spec.outputs, self.backend(), self.config.queues.message_encoding)

    # -- lifecycle ----------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the host is not serving")
        return f"http://{self.options.host}:{self._server.server_port}"

    def start(self) -> None:
        self._server = make_server(self.options.host, self.options.port, self.http, threaded=True)
        # A short poll interval lets stop() return at once instead of after werkzeug's default half second.
        server = self._server
        self._server_thread = threading.Thread(target=lambda: server.serve_forever(poll_interval=0.05),
                                               name="http", daemon=True)
        self._server_thread.start()
        if self.options.run_queues:
            self.start_queue_workers()
        if self.options.run_timers:
            for spec in self.of_kind(TriggerKind.TIMER):
                runner = self.timer_runner(spec)
                runner.start()
                self.timers.append(runner)

    def timer_runner(self, spec: FunctionSpec, clock: Clock | None = None) -> TimerRunner:
        """A scheduler for one timer function whose queue outputs are delivered, as the host does after a run."""

        def run(timer_spec: FunctionSpec, request: Any) -> Any:
            result = invoke(timer_spec, request)
            self._deliver(timer_spec, result.outputs)
            return result.value

        return TimerRunner(spec, clock=clock or self.options.clock, call=run)

    def start_queue_workers(self) -> None:
        queue_functions = self.of_kind(TriggerKind.QUEUE)
        if not queue_functions:
            return
        backend = self.backend()
        if backend is None:
            raise RuntimeError("queue-triggered functions need AzureWebJobsStorage to be set")
        for spec in queue_functions:
            worker = QueueTriggerWorker(spec, backend, self.config.queues)
            worker.start()
            self.queue_workers.append(worker)

    def queue_totals(self) -> Iterable[str]:
        """One line per queue worker: what it processed, how many invocations failed, what it gave up to poison."""
        for worker in self.queue_workers:
            t = worker.totals
            yield (f"{TOTALS_PREFIX}{worker.spec.queue_name} processed={t.processed} failed={t.failed}"
                   f" poisoned={t.poisoned}")

    def of_kind(self, kind: TriggerKind) -> list[FunctionSpec]:
        return [f for f in self.functions if f.kind is kind]

    def stop(self) -> None:
        for timer in self.timers:
            timer.stop()
        for worker in self.queue_workers:
            worker.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._server_thread is not None:
            self._server_thread.join(5)
        if self._backend is not None:
            self._backend.close()
            self._backend = None

    def describe(self) -> Iterable[str]:
        base = self.url
        for spec in self.functions:
            if spec.kind is TriggerKind.HTTP:
                methods = ",".join(spec.methods) if spec.methods else "ANY"
                route = f"{self.config.route_prefix}/{spec.route}".strip("/")
                yield f"  {spec.name}: [{methods}] {base}/{route} ({spec.auth_level.value.lower()})"
            elif spec.kind is TriggerKind.TIMER:
                yield f"  {spec.name}: timer {spec.schedule}"
            else:
                yield f"  {spec.name}: queue {spec.queue_name}"


def build_host(
    *,
    root: Path = ROOT,
    options: HostOptions,
    env: MutableMapping[str, str] | None = None,
    app_loader: Callable[[], func.FunctionApp] = load_function_app,
    local_settings: bool = True,
    queues: Mapping[str, Any] | None = None,
) -> FunctionHost:
    """The host for ``options``: settings from ``env`` (and ``local.settings.json`` unless ``local_settings`` is
    False), ``host.json`` with ``queues`` (host.json's ``extensions.queues`` names) over its queue settings."""
    environ = os.environ if env is None else env
    if local_settings:
        load_local_settings(root / "local.settings.json", environ)
    config = load_host_config(root / "host.json")
    if queues:
        config = dataclasses.replace(config, queues=queue_settings(queues, config.queues))
    return FunctionHost(app_loader(), config, options, env=environ)


def main(argv: list[str], signals: StopSignals | None = None) -> int:
    """Serve the function app alone: `python -m devstack host [--port 7071] [--no-timers] [--no-queues]`."""
    import argparse

    from devstack.config import DevstackAddresses

    parser = argparse.ArgumentParser(prog="python -m devstack host", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=None, help="0: any free port")
    parser.add_argument("--no-timers", action="store_true")
    parser.add_argument("--no-queues", action="store_true")
    parser.add_argument("--queues", type=json.loads, default=None,
                        help='host.json extensions.queues over the file\'s, e.g. {"maxPollingInterval": "00:00:00.2"}')
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    parser.add_argument("--no-local-settings", action="store_true",
                        help="settings from the environment only, not from local.settings.json")
    args = parser.parse_args(argv)
    signals = signals or StopSignals.install()
    logging.basicConfig(level=getattr(logging, args.log_level),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.no_local_settings:
        load_local_settings(ROOT / "local.settings.json", os.environ)
    addresses = DevstackAddresses.from_env(os.environ)
    options = HostOptions(
        host=addresses.host,
        port=args.port if args.port is not None else addresses.functions_port,
        function_key=addresses.function_key,
        run_timers=not args.no_timers,
        run_queues=not args.no_queues,
    )
    host = build_host(options=options, local_settings=not args.no_local_settings, queues=args.queues)
    try:
        signals.checkpoint()
        host.start()
        print(f"{READY_PREFIX}{host.url} — function key {options.function_key}", flush=True)
        for line in host.describe():
            print(line, flush=True)
        signals.wait()
    except StopRequested:
        pass
    finally:
        host.stop()
        for line in host.queue_totals():
            print(line, flush=True)
        signals.restore()
    return 0
