"""Outbox rows sent at most once (DESIGN 6.4), and the MMS media Twilio fetches for them. `rules`, `recipients` (whom
it texts: the To record, the Regarding record, or the customer a Related Record Type reaches), `reads` (what the
claim reads), `gates`, `render_rights`, `templates` and `results` decide over plain values; `reader` reads,
`processor` runs an Outbox through; `group` runs the jobs of a round together (`combiner` gathers them, `grouping`
decides over them, `pacing` keeps each sender to its rate); `media_links` signs the links Twilio fetches pictures by,
`served_media` says how the media route serves them."""

from messaging.outbound.group import CoalescedOutbound, GroupSender
from messaging.outbound.media_links import MediaLinks, media_key
from messaging.outbound.outcome import OutboundOutcome, OutboundResult
from messaging.outbound.pacing import Pacer
from messaging.outbound.processor import OutboundProcessor
from messaging.outbound.results import MAX_SEND_ATTEMPTS

__all__ = ["MAX_SEND_ATTEMPTS", "CoalescedOutbound", "GroupSender", "MediaLinks", "OutboundOutcome",
           "OutboundProcessor", "OutboundResult", "Pacer", "media_key"]
