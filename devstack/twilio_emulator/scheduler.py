"""A background thread that runs jobs at given times: status callbacks and message lifecycles."""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable

__all__ = ["Scheduler"]

log = logging.getLogger(__name__)

Job = Callable[[], None]


class Scheduler:
    """Runs jobs in due-time order on one daemon thread, started on first use."""

    def __init__(self, name: str = "twilio-emulator-callbacks") -> None:
        self._name = name
        self._heap: list[tuple[float, int, Job]] = []
        self._counter = itertools.count()
        self._cond = threading.Condition()
        self._running = 0
        self._thread: threading.Thread | None = None
        self._stopped = False

    def schedule(self, delay: float, job: Job) -> None:
        with self._cond:
            if self._stopped:
                return
            heapq.heappush(self._heap, (time.monotonic() + max(delay, 0.0), next(self._counter), job))
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def pending(self) -> int:
        with self._cond:
            return len(self._heap) + self._running

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until no job is queued or running; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._heap and not self._running, timeout=timeout)

    def clear(self) -> None:
        with self._cond:
            self._heap.clear()
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._heap.clear()
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopped:
                    if not self._heap:
                        self._cond.wait()
                        continue
                    wait = self._heap[0][0] - time.monotonic()
                    if wait <= 0:
                        break
                    self._cond.wait(timeout=wait)
                if self._stopped:
                    return
                _, _, job = heapq.heappop(self._heap)
                self._running += 1
            try:
                job()
            except Exception:  # one broken job must not stop the callbacks of every other message
                log.exception("scheduled job failed")
            finally:
                with self._cond:
                    self._running -= 1
                    self._cond.notify_all()
