"""Starts and stops the Azurite queue service from the project's `node_modules` (installed by `make`)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable

from devstack.paths import ROOT

__all__ = ["Azurite", "AzuriteError", "free_port", "wait_for_port"]

QUEUE_MAIN = ROOT / "node_modules" / "azurite" / "dist" / "src" / "queue" / "main.js"


class AzuriteError(RuntimeError):
    """Azurite is not installed or did not start."""


def free_port(host: str = "127.0.0.1") -> int:
    return free_ports(1, host)[0]


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """``count`` distinct free ports: every socket stays bound until all are chosen, so the kernel cannot hand out
    the same ephemeral port twice (asking one at a time can, and two services then collide)."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((host, 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def wait_for_port(host: str, port: int, timeout: float, checkpoint: Callable[[], None] = lambda: None) -> bool:
    """True once ``host:port`` accepts connections; ``checkpoint`` may raise to give up early (a stop signal)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        checkpoint()
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


class Azurite:
    """One Azurite queue process. In-memory, so every start is a clean slate."""

    def __init__(self, host: str = "127.0.0.1", port: int = 10001) -> None:
        self.host = host
        self.port = port
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0, checkpoint: Callable[[], None] = lambda: None) -> None:
        node = shutil.which("node")
        if node is None:
            raise AzuriteError("Node.js is not on PATH; install Node 20 to run the devstack")
        if not QUEUE_MAIN.is_file():
            raise AzuriteError(f"Azurite is not installed ({QUEUE_MAIN} missing); run `make setup` or `npm ci`")
        if wait_for_port(self.host, self.port, 0.1):
            raise AzuriteError(f"port {self.port} on {self.host} is already in use; set DEVSTACK_AZURITE_PORT")
        self._process = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell
            [
                node,
                str(QUEUE_MAIN),
                "--queueHost", self.host,
                "--queuePort", str(self.port),
                "--inMemoryPersistence",
                "--skipApiVersionCheck",
                "--disableTelemetry",
                "--silent",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
            # A group of its own, so stop() ends node and anything it started with one killpg, and a terminal's
            # Ctrl-C reaches only the devstack, which then stops Azurite in its turn.
            start_new_session=True,
        )
        if not wait_for_port(self.host, self.port, timeout, checkpoint):
            self.stop()
            raise AzuriteError(f"Azurite did not open {self.host}:{self.port} within {timeout:.0f} s")

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        _signal_group(process, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout)
        # Whatever is left of the group (node's own children too) is killed outright.
        _signal_group(process, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout)


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)
