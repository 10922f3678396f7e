"""Ctrl-C and SIGTERM for the long-running devstack commands: the handler only records the signal, the main thread
stops what it started.

Why the handler does nothing else: CPython runs a Python signal handler in the main thread between two bytecodes
of whatever the main thread was doing. A handler that takes a lock (``threading.Event.set()`` takes its condition's
lock, ``logging`` takes its handlers' locks) deadlocks when the signal lands while the main thread holds that very
lock — which is what happened when ``make run`` passed Ctrl-C on and the devstack got it twice: the second handler
ran inside the first one's ``Event.set()`` and waited forever for a lock its own thread held, with every port
still open. So the handler sets a flag and nothing more; ``signal.set_wakeup_fd`` makes the C-level handler write
the signal number to a pipe (async-signal-safe), and the main thread sleeps in ``select`` on that pipe. A signal
during start-up is seen at the next ``checkpoint()``; a signal during shutdown only sets the flag again.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
from collections.abc import Callable
from types import FrameType
from typing import Any

__all__ = ["StopRequested", "StopSignals"]

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopRequested(Exception):
    """Raised by ``StopSignals.checkpoint()`` in the main thread once Ctrl-C or SIGTERM has arrived."""


class StopSignals:
    """Owns SIGINT/SIGTERM from ``install()`` until ``restore()``; ``wait()`` returns once either arrives."""

    def __init__(self) -> None:
        self.received = 0
        self.last_signal: int | None = None
        self._read_fd, self._write_fd = os.pipe()
        os.set_blocking(self._read_fd, False)
        os.set_blocking(self._write_fd, False)
        self._previous: dict[int, Callable[[int, FrameType | None], Any] | int | None] = {}
        self._previous_wakeup_fd = -1
        self._installed = False

    @classmethod
    def install(cls) -> StopSignals:
        """Take over SIGINT and SIGTERM (from the main thread, before anything is started)."""
        signals = cls()
        signals._previous_wakeup_fd = signal.set_wakeup_fd(signals._write_fd, warn_on_full_buffer=False)
        for number in STOP_SIGNALS:
            signals._previous[number] = signal.signal(number, signals._handle)
        signals._installed = True
        return signals

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        # A flag and nothing else: see the module docstring for why no lock, no Event, no logging, no I/O here.
        self.received += 1
        self.last_signal = signum

    @property
    def requested(self) -> bool:
        return self.received > 0

    def checkpoint(self) -> None:
        """Raise StopRequested if a stop signal has arrived; start-up calls it between its steps."""
        if self.requested:
            raise StopRequested

    def wait(self, timeout: float | None = None) -> bool:
        """Sleep until a stop signal arrives (True) or ``timeout`` seconds pass (False)."""
        with selectors.DefaultSelector() as selector:
            selector.register(self._read_fd, selectors.EVENT_READ)
            while not self.requested:
                # The wakeup byte is written before the Python-level handler runs: select returns, the handler
                # runs at the next bytecode, and the loop sees the flag. An interrupted select is retried (PEP 475).
                if not selector.select(timeout) and timeout is not None:
                    break
                self._drain()
        return self.requested

    def _drain(self) -> None:
        try:
            while os.read(self._read_fd, 512):
                pass
        except BlockingIOError:
            pass

    def restore(self) -> None:
        """Give the signals back to whoever had them before and close the pipe."""
        if self._installed:
            for number, previous in self._previous.items():
                signal.signal(number, previous if previous is not None else signal.SIG_DFL)
            signal.set_wakeup_fd(self._previous_wakeup_fd)
            self._installed = False
        for fd in (self._read_fd, self._write_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._read_fd = self._write_fd = -1

    def __enter__(self) -> StopSignals:
        return self

    def __exit__(self, *exc: object) -> None:
        self.restore()
