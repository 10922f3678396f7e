"""The queue messages, parsed once at the edge into frozen values: `sms-inbound` carries verified Twilio webhooks
(`InboundEnvelope`, `StatusEnvelope`) or ones still to verify (`DeferredWebhook`); `sms-outbound` carries jobs that
name a Dataverse row. A message that cannot be read becomes `Unreadable`, never an exception."""

from messaging.envelopes._document import Unreadable
from messaging.envelopes.inbound import (
    DeferredWebhook,
    InboundEnvelope,
    InboundQueueMessage,
    StatusEnvelope,
    read_inbound,
)
from messaging.envelopes.outbound import (
    ConfigurationJob,
    Job,
    OutboundQueueMessage,
    OutboxJob,
    OwnershipJob,
    RecordTypeJob,
    read_outbound,
)

__all__ = [
    "ConfigurationJob",
    "DeferredWebhook",
    "InboundEnvelope",
    "InboundQueueMessage",
    "Job",
    "OutboundQueueMessage",
    "OutboxJob",
    "OwnershipJob",
    "RecordTypeJob",
    "StatusEnvelope",
    "Unreadable",
    "read_inbound",
    "read_outbound",
]
