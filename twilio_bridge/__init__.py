"""Twilio edge of SMS Bridge: signatures, webhook parsing, statuses, segments, sending, accounts, media.

Nothing here reads settings or the environment: the caller passes a ``TwilioConfig`` and builds one
``TwilioClients`` per worker, shared by ``MessageSender``, ``TwilioAccounts`` and ``MediaDownloader``.
"""

from twilio_bridge.account import AccountInfo, MessagingService, PhoneNumber, TwilioAccounts
from twilio_bridge.client import DEFAULT_API_BASE_URL, TwilioClients, TwilioConfig, TwilioCredentials
from twilio_bridge.errors import (
    CredentialsInvalid,
    InvalidSignature,
    MalformedWebhook,
    MediaDownloadFailed,
    NumberNotFound,
    SendFailed,
    TwilioApiError,
    TwilioBridgeError,
)
from twilio_bridge.failures import Fate, fate
from twilio_bridge.history import HistoricMessage, MessageHistory
from twilio_bridge.media import DEFAULT_ALLOWED_TYPES, DEFAULT_MAX_BYTES, DownloadedMedia, MediaDownloader
from twilio_bridge.segments import Encoding, SegmentInfo, segment_info
from twilio_bridge.sender import MessageSender, OutgoingMessage, SendResult
from twilio_bridge.signature import (
    HMAC_SHA1,
    HMAC_SHA256,
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    FormInput,
    VerifiedWebhook,
    WebhookRequest,
    form_pairs,
    json_signed_url,
    sign,
    signed_headers,
    verify,
)
from twilio_bridge.statuses import MessageStatus, is_final, is_forward
from twilio_bridge.webhooks import (
    MAX_BODY_LENGTH,
    MAX_MEDIA,
    InboundMessage,
    MediaRef,
    StatusCallback,
    WebhookRoute,
    parse_inbound_message,
    parse_route,
    parse_status_callback,
)

__all__ = [
    "DEFAULT_ALLOWED_TYPES",
    "DEFAULT_API_BASE_URL",
    "DEFAULT_MAX_BYTES",
    "HMAC_SHA1",
    "HMAC_SHA256",
    "MAX_BODY_LENGTH",
    "MAX_MEDIA",
    "SIGNATURE_HEADER",
    "SIGNATURE_SETTINGS_HEADER",
    "AccountInfo",
    "CredentialsInvalid",
    "DownloadedMedia",
    "Encoding",
    "Fate",
    "FormInput",
    "HistoricMessage",
    "InboundMessage",
    "InvalidSignature",
    "MalformedWebhook",
    "MediaDownloadFailed",
    "MediaDownloader",
    "MediaRef",
    "MessageHistory",
    "MessageSender",
    "MessageStatus",
    "MessagingService",
    "NumberNotFound",
    "OutgoingMessage",
    "PhoneNumber",
    "SegmentInfo",
    "SendFailed",
    "SendResult",
    "StatusCallback",
    "TwilioAccounts",
    "TwilioApiError",
    "TwilioBridgeError",
    "TwilioClients",
    "TwilioConfig",
    "TwilioCredentials",
    "VerifiedWebhook",
    "WebhookRequest",
    "WebhookRoute",
    "fate",
    "form_pairs",
    "is_final",
    "is_forward",
    "json_signed_url",
    "parse_inbound_message",
    "parse_route",
    "parse_status_callback",
    "segment_info",
    "sign",
    "signed_headers",
    "verify",
]
