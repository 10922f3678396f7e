"""Health checks: each one a callable that raises on failure; the report names every failing check.

`GET /api/health` is anonymous (probes and availability tests call it), so it must cost Dataverse nothing an
anonymous caller can multiply and must tell such a caller nothing about the insides: results are kept for
`CACHE_SECONDS` and one run happens at a time; the anonymous answer holds a status per check and nothing else.
What failed and why (which may name internal URLs) goes to the log and to `GET /api/health/details`, which needs
the function key.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, Protocol

from app.logs import RedactionFilter
from app.settings import SettingsError
from app.version import version
from dataverse import DataverseClient

__all__ = ["CACHE_SECONDS", "CheckResult", "HealthMonitor", "HealthReport", "check_health", "run_checks"]

log = logging.getLogger("smsbridge.health")

CHECK_TIMEOUT_SECONDS = 5.0
CACHE_SECONDS = 15.0


class QueueService(Protocol):
    """What the queue check needs of Azure's queue service client."""

    def get_service_properties(self, *, timeout: int) -> Any: ...


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str  # "ok" | "failing" | "skipped"
    detail: str | None = None
    duration_ms: int | None = None

    def to_json(self, details: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {"status": self.status}
        if details and self.detail:
            body["detail"] = self.detail
        if details and self.duration_ms is not None:
            body["ms"] = self.duration_ms
        return body


@dataclass(frozen=True)
class HealthReport:
    checks: tuple[CheckResult, ...]

    @property
    def healthy(self) -> bool:
        return all(c.status != "failing" for c in self.checks)

    @property
    def failing(self) -> list[str]:
        return [c.name for c in self.checks if c.status == "failing"]

    def to_json(self, details: bool = False) -> dict[str, Any]:
        """A status per check; with `details` (function-key callers only) also why each failed and how long."""
        body: dict[str, Any] = {
            "status": "ok" if self.healthy else "unhealthy",
            "version": version(),
            "checks": {c.name: c.to_json(details) for c in self.checks},
        }
        if not self.healthy:
            body["failing"] = self.failing
        return body


def _describe(exc: BaseException) -> str:
    # Details go to whoever calls the probe: keep them short and scrubbed of anything credential-shaped.
    text = str(exc).splitlines()[0] if str(exc) else ""
    return RedactionFilter.scrub(f"{exc.__class__.__name__}: {text}"[:300])


def run_checks(
    checks: Mapping[str, Callable[[], None]], timeout: float = CHECK_TIMEOUT_SECONDS
) -> list[CheckResult]:
    """Run the checks in parallel, each bounded by `timeout` seconds."""
    if not checks:
        return []
    results: list[CheckResult] = []
    pool = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="health")
    started = time.monotonic()
    futures = {name: pool.submit(check) for name, check in checks.items()}
    for name, future in futures.items():
        remaining = max(0.0, timeout - (time.monotonic() - started))
        try:
            future.result(timeout=remaining)
        except FutureTimeout:
            results.append(CheckResult(name, "failing", f"no answer within {timeout:.0f} s"))
            continue
        except Exception as exc:  # noqa: BLE001 - any failure of a dependency is reported, never raised
            results.append(CheckResult(name, "failing", _describe(exc), _ms(started)))
            continue
        results.append(CheckResult(name, "ok", None, _ms(started)))
    # Hung checks keep their thread; they must not keep the probe waiting.
    pool.shutdown(wait=False, cancel_futures=True)
    return results


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


class HealthMonitor:
    """Runs the dependency checks at most once per `ttl` seconds, one run at a time, and logs what failed."""

    def __init__(self, checks: Mapping[str, Callable[[], None]], ttl: float = CACHE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._checks = dict(checks)
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._last: tuple[float, HealthReport] | None = None

    def report(self) -> HealthReport:
        # Callers arriving during a run wait for it (bounded by the check timeout) and share its result.
        with self._lock:
            if self._last is not None and self._clock() - self._last[0] < self._ttl:
                return self._last[1]
            report = HealthReport((CheckResult("settings", "ok"), *run_checks(self._checks)))
            _log_failures(report)
            self._last = (self._clock(), report)
            return report


def _log_failures(report: HealthReport) -> None:
    for check in report.checks:
        if check.status == "failing":
            log.warning("health check %s failing: %s", check.name, check.detail or "no detail")


def dependency_checks(queue_service: Callable[[], QueueService],
                      dataverse: Callable[[], DataverseClient]) -> dict[str, Callable[[], None]]:
    """Queue storage reachable, Dataverse reachable; each client is built when its check first runs."""
    def queues() -> None:
        queue_service().get_service_properties(timeout=int(CHECK_TIMEOUT_SECONDS))

    def dataverse_answers() -> None:
        result = dataverse().ping(timeout=CHECK_TIMEOUT_SECONDS - 1)
        if not result.ok:
            raise ConnectionError(result.error or "no answer")

    return {"queues": queues, "dataverse": dataverse_answers}


def check_health(monitor: Callable[[], HealthMonitor]) -> HealthReport:
    """Settings valid, queue storage reachable, Dataverse reachable (the last two kept for a few seconds).
    `monitor` is this worker's; asking for it raises `SettingsError` while the settings are invalid."""
    try:
        found = monitor()
    except SettingsError as exc:
        problems = "; ".join(exc.problems)
        report = HealthReport(
            (
                CheckResult("settings", "failing", RedactionFilter.scrub(problems)),
                CheckResult("queues", "skipped", "settings invalid"),
                CheckResult("dataverse", "skipped", "settings invalid"),
            )
        )
        _log_failures(report)
        return report
    return found.report()
