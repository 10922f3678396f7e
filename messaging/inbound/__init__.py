"""Inbound texts (DESIGN 6.2, 6.6): filed exactly once, the customer matched on first contact, the right people
notified, pictures stored. `rules`, `matching`, `consent`, `notifications` and `pictures` decide over plain values;
`reader` reads, `processor` runs a text through, `media` stores the pictures' files. Under a burst `coalescing`
files texts together: `grouping` decides which and what their one read asks, `group` writes them."""

from messaging.inbound.media import MediaFiles
from messaging.inbound.outcome import InboundOutcome
from messaging.inbound.pictures import REPAIR_AFTER, AwaitingFile, MediaReport
from messaging.inbound.processor import InboundProcessor

__all__ = ["REPAIR_AFTER", "AwaitingFile", "InboundOutcome", "InboundProcessor", "MediaFiles", "MediaReport"]
