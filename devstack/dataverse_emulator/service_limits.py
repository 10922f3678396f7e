"""Dataverse's service protection limits as decisions over plain data: which limit a request trips, the
``Retry-After`` it is told, the error it is answered with, and the debugging headers of every answer.

Sources (Microsoft Learn, "Service protection API limits",
https://learn.microsoft.com/power-apps/developer/data-platform/api-limits, the "How to maximize throughput" section
included; source MicrosoftDocs/powerapps-docs ``powerapps-docs/developer/data-platform/api-limits.md``, CC BY 4.0):

* limits are evaluated **per user**: "Each authenticated user is limited independently"; application users are
  limited "in the same way";
* the number of requests and their combined execution time are evaluated over the preceding 300 seconds (a sliding
  window): 6,000 requests (``0x80072322``), 1,200,000 ms (``0x80072321``); the number of concurrent requests, 52,
  trips at once (``0x80072326``); each answered ``429 Too Many Requests`` with ``Retry-After`` in seconds;
* a ``$batch`` is one request towards the request limit ("A batch can contain up to 1,000 operations and avoids the
  number of requests limit. However, you need to be prepared for the execution time limit"): its execution time is
  that of every operation inside it, run one after another;
* ``Retry-After`` "depends on the nature of the operations that were sent in the preceding 5-minute period. The
  more demanding the requests are, the longer it takes for the server to recover", and "if the application continues
  to send such demanding requests, the duration is extended". The emulator tells the time until enough of the
  window has aged out for one more request, and counts a refused request as a request the user made, so a client
  that keeps sending pushes its own wait out; one that waits as told is answered;
* ``x-ms-ratelimit-burst-remaining-xrm-requests`` (requests left) and ``x-ms-ratelimit-time-remaining-xrm-requests``
  (execution seconds left, written ``1,200.00``) are "intended for debugging purposes"; their format is from the
  responses Microsoft prints in "Use PowerShell and Visual Studio Code with the Dataverse Web API" (same repository,
  ``webapi/use-ps-and-vscode-web-api.md``).

Where the documentation gives no figure the emulator chooses, and says so: a concurrency refusal asks for 1 s
(a slot frees as soon as any request in flight ends); the request and execution limits trip exactly at their
figures (the service tolerates some excess before they "take effect"); the ``x-ms-dop-hint`` header is not sent.
Each web server of an environment counts on its own; the emulator is one web server.

Time scale: a benchmark compresses time by ``time_scale`` (a 300-second window lasts 300 / scale real seconds).
Every figure here is in scaled (simulated) time; only ``Retry-After`` is written back in real seconds, with
decimals when the scale is not 1 (Dataverse itself always answers whole seconds).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from .errors import ODataError

__all__ = ["Limit", "Limits", "Refusal", "burst_remaining", "decide", "execution_used", "rate_limit_headers",
           "retry_after_header", "time_remaining"]

BURST_HEADER = "x-ms-ratelimit-burst-remaining-xrm-requests"
TIME_HEADER = "x-ms-ratelimit-time-remaining-xrm-requests"
CONCURRENCY_RETRY_SECONDS = 1


class Limit(Enum):
    """The three limits, by the hexadecimal code the Web API answers with."""

    REQUESTS = "0x80072322"
    EXECUTION_TIME = "0x80072321"
    CONCURRENCY = "0x80072326"


@dataclass(frozen=True)
class Limits:
    """The documented default figures per user and web server, a time scale, and a simulated service time.

    ``operation_ms`` is execution time each operation takes on the emulated server (a single request, or each part
    of a ``$batch``): waited before the answer and charged to the execution-time limit. The in-memory emulator does
    its own work in far less time than a real server, so a benchmark sets it to model one.
    """

    requests: int = 6000
    execution_ms: int = 1_200_000
    concurrent: int = 52
    window_seconds: float = 300.0
    time_scale: float = 1.0
    operation_ms: float = 0.0

    def __post_init__(self) -> None:
        if min(self.requests, self.execution_ms, self.concurrent) < 1 or self.window_seconds <= 0:
            raise ValueError("service protection limits and the window must be positive")
        if self.time_scale <= 0 or self.operation_ms < 0:
            raise ValueError("the time scale must be positive and the operation time not negative")


@dataclass(frozen=True)
class Refusal:
    """A request refused by one limit; ``retry_after`` in simulated seconds, whole as Dataverse writes them."""

    limit: Limit
    retry_after: int

    def error(self, limits: Limits) -> ODataError:
        header = {"Retry-After": retry_after_header(self.retry_after, limits.time_scale)}
        return ODataError(429, self.limit.value, message(self.limit, limits), header)


def message(limit: Limit, limits: Limits) -> str:
    """The documented message, with the limit's figure (the two spaces before "milliseconds" are Microsoft's)."""
    window = f"{limits.window_seconds:g}"
    if limit is Limit.REQUESTS:
        return f"Number of requests exceeded the limit of {limits.requests} over time window of {window} seconds."
    if limit is Limit.EXECUTION_TIME:
        return (f"Combined execution time of incoming requests exceeded limit of {limits.execution_ms:,}  milliseconds"
                f" over time window of {window} seconds. Decrease number of concurrent requests or reduce the"
                " duration of requests and try again later.")
    return f"Number of concurrent requests exceeded the limit of {limits.concurrent}."


def decide(now: float, requests: Sequence[float], executions: Sequence[tuple[float, float]], in_flight: int,
           limits: Limits) -> Refusal | None:
    """Whether a request arriving at ``now`` is refused, and by which limit.

    ``requests``: arrival times of the user's requests inside the window, oldest first (refused ones included);
    ``executions``: (end time, execution ms) of the requests the user ran inside the window, oldest first;
    ``in_flight``: the user's requests being answered now. Concurrency is checked first: it trips at once.
    """
    if in_flight >= limits.concurrent:
        return Refusal(Limit.CONCURRENCY, CONCURRENCY_RETRY_SECONDS)
    if len(requests) >= limits.requests:
        # one more request fits once all but limit - 1 of them have left the window
        frees_at = requests[len(requests) - limits.requests] + limits.window_seconds
        return Refusal(Limit.REQUESTS, _whole_seconds(frees_at - now))
    used = execution_used(executions)
    if used >= limits.execution_ms:
        frees_at = now
        for ended, spent in executions:
            used -= spent
            frees_at = ended + limits.window_seconds
            if used < limits.execution_ms:
                break
        return Refusal(Limit.EXECUTION_TIME, _whole_seconds(frees_at - now))
    return None


def execution_used(executions: Sequence[tuple[float, float]]) -> float:
    return sum(spent for _, spent in executions)


def burst_remaining(requests: Sequence[float], limits: Limits) -> int:
    return max(0, limits.requests - len(requests))


def time_remaining(executions: Sequence[tuple[float, float]], limits: Limits) -> float:
    """Execution seconds left in the window."""
    return max(0.0, (limits.execution_ms - execution_used(executions)) / 1000)


def rate_limit_headers(requests: Sequence[float], executions: Sequence[tuple[float, float]],
                       limits: Limits) -> list[tuple[str, str]]:
    """The two debugging headers, as the service writes them: ``5999`` and ``1,200.00``."""
    return [(BURST_HEADER, str(burst_remaining(requests, limits))),
            (TIME_HEADER, f"{time_remaining(executions, limits):,.2f}")]


def retry_after_header(seconds: int, time_scale: float) -> str:
    """``Retry-After`` in real seconds: whole at scale 1, as the service answers; compressed otherwise."""
    if time_scale == 1:
        return str(seconds)
    return f"{seconds / time_scale:.3f}".rstrip("0").rstrip(".")


def _whole_seconds(seconds: float) -> int:
    # a client told to come back after the window has moved on must find room: round up, never below 1 s
    return max(1, math.ceil(seconds - 1e-9))
