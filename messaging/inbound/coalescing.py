"""Inbound texts coalesced per worker process: the queue invocations of a burst hand their texts to one
`Combiner`, whose leader files up to `limit` of them together (`inbound.group`), the groups chosen by
`grouping.choose_group`. Each invocation still succeeds or raises for its own text only, and stores its own
pictures' files after its group is written; a text its group handed back is filed alone, as without coalescing.
"""

from __future__ import annotations

from collections.abc import Sequence

from messaging.combiner import Combiner
from messaging.envelopes import InboundEnvelope
from messaging.inbound.group import GroupFiler, Result
from messaging.inbound.grouping import choose_group
from messaging.inbound.outcome import Alone, Filed, InboundOutcome
from messaging.inbound.processor import InboundProcessor
from messaging.inbound.rules import Text

__all__ = ["DEFAULT_LIMIT", "InboundCoalescer"]

# Texts per write `$batch`: a change set of a first contact with pictures is about a dozen operations, far from
# the 1,000 a `$batch` takes; a bigger group mostly makes the texts at its end wait longer for their answer.
DEFAULT_LIMIT = 32


class InboundCoalescer:
    def __init__(self, processor: InboundProcessor, limit: int = DEFAULT_LIMIT, *, linger: float = 0.0) -> None:
        if limit < 2:
            raise ValueError("coalescing needs groups of at least 2 texts; without it, file each text alone")
        self._processor = processor
        self._group = GroupFiler(processor)
        self._limit = limit
        self._combiner: Combiner[Text, Filed | Alone] = Combiner(self._flush, self._choose, limit=limit,
                                                                 linger=linger)

    @property
    def limit(self) -> int:
        return self._limit

    def process(self, envelope: InboundEnvelope) -> InboundOutcome:
        """File the envelope's text with whatever other texts wait now; raises what its own filing raised."""
        text = self._processor.text_of(envelope)
        result = self._combiner.submit(text)
        if isinstance(result, Alone):
            return self._processor.finish(self._processor.file(result.text))
        return self._processor.finish(result)

    def _choose(self, texts: Sequence[Text]) -> list[int]:
        return choose_group([self._group.waiting(text) for text in texts], self._limit)

    def _flush(self, texts: Sequence[Text]) -> list[Result]:
        return self._group.file(texts)
