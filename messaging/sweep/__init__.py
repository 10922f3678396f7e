"""The sweep (timer, every minute): close ended sessions, release due and lost Outbox rows, settle sends that never
finished, reseal tokens under the previous key. `rules` decides over plain values; `sweeper` reads and writes."""

from messaging.sweep.rules import REQUEUE_AFTER, UNKNOWN_AFTER
from messaging.sweep.sweeper import Sweeper, SweepReport

__all__ = ["REQUEUE_AFTER", "UNKNOWN_AFTER", "SweepReport", "Sweeper"]
