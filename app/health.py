"""Health checks: each one a callable that raises on failure; the report names every failing check."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from app import runtime
from app.logs import RedactionFilter
from app.settings import SettingsError
from app.version import version

__all__ = ["CheckResult", "HealthReport", "check_health", "run_checks"]

CHECK_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str  # "ok" | "failing" | "skipped"
    detail: str | None = None
    duration_ms: int | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if self.duration_ms is not None:
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

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "status": "ok" if self.healthy else "unhealthy",
            "version": version(),
            "checks": {c.name: c.to_json() for c in self.checks},
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


def check_health() -> HealthReport:
    """Settings valid, queue storage reachable, Dataverse reachable."""
    try:
        rt = runtime.current()
    except SettingsError as exc:
        problems = "; ".join(exc.problems)
        return HealthReport(
            (
                CheckResult("settings", "failing", RedactionFilter.scrub(problems)),
                CheckResult("queues", "skipped", "settings invalid"),
                CheckResult("dataverse", "skipped", "settings invalid"),
            )
        )
    def queues() -> None:
        rt.queue_service.get_service_properties(timeout=int(CHECK_TIMEOUT_SECONDS))

    def dataverse() -> None:
        result = rt.dataverse.ping(timeout=CHECK_TIMEOUT_SECONDS - 1)
        if not result.ok:
            raise ConnectionError(result.error or "no answer")

    checks: dict[str, Callable[[], None]] = {"queues": queues, "dataverse": dataverse}
    return HealthReport((CheckResult("settings", "ok"), *run_checks(checks)))
