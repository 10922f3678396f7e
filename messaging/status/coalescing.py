"""Status callbacks coalesced per worker process: the queue invocations of a burst hand their callbacks to one
`Combiner`, whose leader applies up to `limit` of them together (`status.group`). Each invocation still succeeds or
raises for its own callback only; a callback its group handed back is applied alone, as without coalescing.
"""

from __future__ import annotations

from collections.abc import Sequence

from messaging.combiner import Combiner
from messaging.envelopes import StatusEnvelope
from messaging.status.group import Alone, GroupApplier, Result
from messaging.status.processor import StatusOutcome, StatusProcessor
from messaging.store import Store

__all__ = ["DEFAULT_LIMIT", "StatusCoalescer", "choose"]

# Callbacks per group: a message's change set is at most three operations (the status, the Outbox row, the opt-out),
# far from the 1,000 a `$batch` takes; a bigger group mostly makes the callbacks at its end wait longer.
DEFAULT_LIMIT = 32


def choose(waiting: Sequence[StatusEnvelope], limit: int) -> list[int]:
    """The callbacks to apply together: the first `limit` to arrive (those of one message are merged)."""
    return list(range(min(len(waiting), max(1, limit))))


class StatusCoalescer:
    def __init__(self, processor: StatusProcessor, store: Store, limit: int = DEFAULT_LIMIT) -> None:
        if limit < 2:
            raise ValueError("coalescing needs groups of at least 2 callbacks; without it, apply each alone")
        self._processor = processor
        self._group = GroupApplier(processor, store)
        self._limit = limit
        self._combiner: Combiner[StatusEnvelope, StatusOutcome | Alone] = Combiner(self._flush, self._choose)

    @property
    def limit(self) -> int:
        return self._limit

    def process(self, envelope: StatusEnvelope) -> StatusOutcome:
        """Apply the envelope's callback with whatever others wait now; raises what its own applying raised."""
        result = self._combiner.submit(envelope)
        if isinstance(result, Alone):
            return self._processor.process(result.envelope)
        return result

    def _choose(self, waiting: Sequence[StatusEnvelope]) -> list[int]:
        return choose(waiting, self._limit)

    def _flush(self, envelopes: Sequence[StatusEnvelope]) -> list[Result]:
        return self._group.apply(envelopes)
