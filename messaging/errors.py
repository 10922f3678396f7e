"""The messaging domain's one exception family.

`is_transient` says whether the same work may succeed when tried again later (the queue retries it) or will fail
the same way every time (it is recorded in the Error Log at once and kept in the poison queue). Most failures of
the domain are of the second kind, so that is the default.
"""

from __future__ import annotations

__all__ = [
    "ClaimKept",
    "ConfigurationNotFound",
    "InvalidMediaLink",
    "LookupUnavailable",
    "MessageNotFiledYet",
    "MessagingError",
    "OwnersKeptChanging",
    "PermanentFailure",
    "TemplateError",
    "TokenDecryptionFailed",
    "UnhandledEvent",
]


class MessagingError(Exception):
    """Base of every error raised by the messaging domain."""

    is_transient: bool = False


class ConfigurationNotFound(MessagingError):
    """No active Configuration owns this (AccountSid, number) pair, or the one named no longer exists."""

    @classmethod
    def for_number(cls, account_sid: str, number: str) -> ConfigurationNotFound:
        return cls(f"no active Configuration owns {number} on account {account_sid}")

    @classmethod
    def for_id(cls, configuration_id: object) -> ConfigurationNotFound:
        return cls(f"Configuration {configuration_id} does not exist or is inactive")


class ClaimKept(MessagingError):
    """An Outbox claim that sent nothing could not be taken back (its release write failed): the row stays in
    Sending with `attempts` sends counted, and only a job that carries this count may claim it again."""

    is_transient = True

    def __init__(self, outbox_id: object, attempts: int) -> None:
        super().__init__(f"outbox {outbox_id} stays in Sending after claim {attempts}, which sent nothing")
        self.attempts = attempts


class LookupUnavailable(MessagingError):
    """A webhook cannot be looked up now (no Configuration map yet) nor deferred (too many already are): try later."""

    is_transient = True


class MessageNotFiledYet(MessagingError):
    """No message row has this SID yet; the status callback is retried later (the send may still be recording)."""

    is_transient = True


class OwnersKeptChanging(MessagingError):
    """A conversation and its sessions kept changing while their owners were being brought in step: try later."""

    is_transient = True


class TokenDecryptionFailed(MessagingError):
    """A stored auth token could not be decrypted with the current or previous key (never carries the token)."""


class PermanentFailure(MessagingError):
    """Work that will fail the same way on every retry; recorded in the Error Log instead of retried."""


class UnhandledEvent(MessagingError):
    """A Dataverse webhook for a table or message the product does not handle (a step registered by mistake)."""


class TemplateError(MessagingError):
    """A message template or free-form text cannot be filled in: a brace out of place, or a placeholder naming a
    column the record does not have (``column`` says which)."""

    def __init__(self, message: str, *, column: str | None = None) -> None:
        super().__init__(message)
        self.column = column


class InvalidMediaLink(MessagingError):
    """A media link that must not be served: ``reason`` is ``malformed``, ``tampered`` or ``expired``."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"media link {reason}" + (f": {detail}" if detail else ""))
        self.reason = reason
