"""How fast texts go to Twilio: a token bucket per sender, so that a burst of Outbox rows leaves at the rate Twilio
allows the sender instead of filling Twilio's queue and meeting its 429s.

Twilio sends from a long code at about 1 message segment a second (more for toll-free and short codes, or a
Messaging Service with several senders), queues what is asked faster, and answers 429 (error 20429, "Too Many
Requests") when the account's queue or concurrency limits are reached. The sender is the Messaging Service when the
Configuration names one (its rate is `service_mps`), else the From number (`long_code_mps`).

The bucket is pure state (`Bucket`, `take`, `held_back`); `Pacer` holds one per sender for the process, thread-safe,
and waits. Each process has its own buckets: with several function hosts, give each its share of the sender's rate.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from messaging.rows.configuration import Configuration

__all__ = ["Bucket", "Pacer", "held_back", "sender_key", "take"]


@dataclass(frozen=True)
class Bucket:
    """`tokens` at monotonic time `at`; a negative count is sends already promised a later turn."""

    rate: float  # sends a second
    tokens: float
    at: float
    burst: float = 1.0

    @classmethod
    def full(cls, rate: float, now: float) -> Bucket:
        burst = max(1.0, rate)
        return cls(rate, burst, now, burst)


def take(bucket: Bucket, now: float) -> tuple[Bucket, float]:
    """One send's turn: the bucket after it and the seconds to wait before sending (0: send now). Turns are handed
    out in order, so callers that arrive together leave one rate-interval apart."""
    tokens = min(bucket.burst, bucket.tokens + max(0.0, now - bucket.at) * bucket.rate)
    wait = 0.0 if tokens >= 1.0 else (1.0 - tokens) / bucket.rate
    return replace(bucket, tokens=tokens - 1.0, at=now), wait


def held_back(bucket: Bucket, now: float, seconds: float) -> Bucket:
    """After Twilio answered 429: no turn for `seconds` (its Retry-After, else one interval) from now."""
    tokens = min(bucket.burst, bucket.tokens + max(0.0, now - bucket.at) * bucket.rate)
    return replace(bucket, tokens=min(tokens, 1.0 - max(seconds, 1.0 / bucket.rate) * bucket.rate), at=now)


def sender_key(configuration: Configuration, *, long_code_mps: float, service_mps: float) -> tuple[str, float]:
    """Which bucket a Configuration's sends draw from, and its rate."""
    if configuration.messaging_service_sid:
        return configuration.messaging_service_sid, service_mps
    return configuration.mobile_number or str(configuration.id), long_code_mps


class Pacer:
    """Token buckets per sender for this process."""

    def __init__(self, *, long_code_mps: float = 1.0, service_mps: float = 1.0,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        if long_code_mps <= 0 or service_mps <= 0:
            raise ValueError("a sender's rate must be above zero")
        self._long_code_mps = long_code_mps
        self._service_mps = service_mps
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[str, Bucket] = {}
        self._lock = threading.Lock()

    def key(self, configuration: Configuration) -> tuple[str, float]:
        return sender_key(configuration, long_code_mps=self._long_code_mps, service_mps=self._service_mps)

    def turn(self, configuration: Configuration) -> float:
        """Wait for this sender's next turn; returns the seconds waited."""
        key, rate = self.key(configuration)
        with self._lock:
            now = self._clock()
            bucket, wait = take(self._buckets.get(key) or Bucket.full(rate, now), now)
            self._buckets[key] = bucket
        if wait > 0:
            self._sleep(wait)  # pacing to the sender's rate, not synchronisation
        return wait

    def hold_back(self, configuration: Configuration, seconds: float) -> None:
        key, rate = self.key(configuration)
        with self._lock:
            now = self._clock()
            self._buckets[key] = held_back(self._buckets.get(key) or Bucket.full(rate, now), now, seconds)
