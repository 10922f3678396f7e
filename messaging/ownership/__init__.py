"""One owner for a chat (DESIGN 6.6): when a conversation or a session changes owner, however it changed, the
conversation and its open sessions are brought to the same owner, who has the chat follows, and the idle clock
restarts. `rules` decides over plain values; `reader` reads, `processor` runs a change through."""

from messaging.ownership.processor import OwnershipOutcome, OwnershipProcessor

__all__ = ["OwnershipOutcome", "OwnershipProcessor"]
