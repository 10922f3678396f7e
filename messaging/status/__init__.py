"""Delivery status callbacks: a message's status only moves forward (DESIGN 6.3). `rules` decides over plain
values; `processor` reads the message and writes what was decided."""

from messaging.status.processor import StatusOutcome, StatusProcessor
from messaging.status.rules import Refusal, decide, foreign

__all__ = ["Refusal", "StatusOutcome", "StatusProcessor", "decide", "foreign"]
