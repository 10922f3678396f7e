"""More function hosts on the same queues: each a `python -m devstack host` process of its own, as each instance of
a scaled-out function app in Azure is a worker process of its own (its own caches, Dataverse client and queue
workers), all reading the same storage queues and calling the same Dataverse and Twilio.

Each process gets the devstack's app settings (the same application user's token, the same public URL for Twilio
signatures and callback URLs), serves HTTP on a free port of its own, works the queues, and runs no timers: Azure
runs a timer function on one instance at a time, and the devstack's own host runs them. Twilio and Dataverse keep
calling the devstack's own host, as a load balancer in front of one instance would route them.

A process's log goes to a file of its own (`host-<n>.log` in the folder given); on stop, each reports one line per
queue with what its workers did (`host.py`'s `queue totals:` lines), gathered in `HostProcess.totals`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from devstack.config import QueueSettings, host_json_queues
from devstack.host import READY_PREFIX, TOTALS_PREFIX
from devstack.paths import ROOT

__all__ = ["HostProcess", "HostProcesses", "QueueTotals"]

# A host that has not said it serves within this long is stuck (imports on a loaded machine take seconds, not this).
_START_TIMEOUT = 120.0
_STOP_TIMEOUT = 30.0
_TOTALS = re.compile(re.escape(TOTALS_PREFIX) + r"(?P<queue>\S+) processed=(?P<p>\d+) failed=(?P<f>\d+)"
                     r" poisoned=(?P<x>\d+)")


@dataclass(frozen=True)
class QueueTotals:
    """What one host's workers did on one queue: invocations that succeeded, failed (retried), went to poison."""

    queue: str
    processed: int
    failed: int
    poisoned: int


@dataclass
class HostProcess:
    number: int
    process: subprocess.Popen[str]
    log_path: Path
    url: str | None = None
    totals: list[QueueTotals] = field(default_factory=list)
    _ready: threading.Event = field(default_factory=threading.Event)
    _reader: threading.Thread | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read(self, stdout: IO[str]) -> None:
        for raw in stdout:
            line = raw.strip()
            if line.startswith(READY_PREFIX):
                self.url = line[len(READY_PREFIX):].split()[0]
                self._ready.set()
            elif match := _TOTALS.match(line):
                self.totals.append(QueueTotals(match["queue"], int(match["p"]), int(match["f"]), int(match["x"])))
        self._ready.set()  # the process ended: nobody waits for a line that cannot come


class HostProcesses:
    """``count`` function host processes with ``settings`` as their app settings; ``start()``, then ``stop()``."""

    def __init__(self, count: int, settings: Mapping[str, str], *, log_folder: Path,
                 queue_settings: QueueSettings | None = None, host: str = "127.0.0.1", first_number: int = 2,
                 log_level: str = "INFO") -> None:
        self.count = count
        self.settings = dict(settings)
        self.log_folder = log_folder
        self.queue_settings = queue_settings
        self.host = host
        self.first_number = first_number
        self.log_level = log_level
        self.processes: list[HostProcess] = []

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "devstack", "host", "--port", "0", "--no-timers", "--no-local-settings",
                   "--log-level", self.log_level]
        if self.queue_settings is not None:
            command += ["--queues", json.dumps(host_json_queues(self.queue_settings))]
        return command

    def start(self, checkpoint: Callable[[], None] = lambda: None) -> None:
        """Start every process, then wait until each serves; one that ends first fails the start with its log."""
        self.log_folder.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self.settings, "DEVSTACK_HOST": self.host, "PYTHONUNBUFFERED": "1"}
        for number in range(self.first_number, self.first_number + self.count):
            log_path = self.log_folder / f"host-{number}.log"
            with log_path.open("w", encoding="utf-8") as log:
                # the child owns its copy of the log's descriptor; ours closes when this block ends. Same process
                # group: a Ctrl-C in the terminal reaches every host at once, and each stops cleanly.
                process = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell
                    self.command(), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
            host = HostProcess(number, process, log_path)
            host._reader = threading.Thread(target=host._read, args=(process.stdout,), name=f"host-{number}",
                                            daemon=True)
            host._reader.start()
            self.processes.append(host)
        deadline = time.monotonic() + _START_TIMEOUT
        for host in self.processes:
            while not host._ready.wait(0.2):
                checkpoint()
                if time.monotonic() > deadline:
                    raise RuntimeError(f"function host {host.number} did not start; see {host.log_path}")
            if host.url is None:
                raise RuntimeError(f"function host {host.number} ended at start (exit {host.process.poll()}):\n"
                                   + _tail(host.log_path))

    def stop(self) -> None:
        """Ask each process to stop (SIGTERM: it finishes the messages in hand), wait, and read its totals."""
        for host in self.processes:
            if host.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    host.process.send_signal(signal.SIGTERM)
        for host in self.processes:
            try:
                host.process.wait(_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                host.process.kill()
                host.process.wait(_STOP_TIMEOUT)
            if host._reader is not None:
                host._reader.join(_STOP_TIMEOUT)
            if host.process.stdout is not None:
                host.process.stdout.close()

    def totals(self) -> list[QueueTotals]:
        """Every stopped process's queue totals."""
        return [t for host in self.processes for t in host.totals]

    def describe(self) -> list[str]:
        return [f"  host {h.number}: pid {h.pid}, {h.url or 'not serving'}, queues only (log {h.log_path})"
                for h in self.processes]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
