"""Starts and stops the Azurite queue service from the project's `node_modules` (installed by `make`)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

__all__ = ["Azurite", "AzuriteError", "free_port", "wait_for_port"]

ROOT = Path(__file__).resolve().parent.parent
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


def wait_for_port(host: str, port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
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

    def start(self, timeout: float = 20.0) -> None:
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
            stderr=subprocess.PIPE,
            cwd=ROOT,
        )
        if not wait_for_port(self.host, self.port, timeout):
            self.stop()
            raise AzuriteError(f"Azurite did not open {self.host}:{self.port} within {timeout:.0f} s")

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)
        if process.stderr is not None:
            process.stderr.close()
