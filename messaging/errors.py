"""The messaging domain's one exception family."""

from __future__ import annotations

__all__ = [
    "ConfigurationNotFound",
    "MessageNotFiledYet",
    "MessagingError",
    "PermanentFailure",
    "TokenDecryptionFailed",
    "UnhandledEvent",
]


class MessagingError(Exception):
    """Base of every error raised by the messaging domain."""


class ConfigurationNotFound(MessagingError):
    """No active Configuration owns this (AccountSid, number) pair, or the one named no longer exists."""

    @classmethod
    def for_number(cls, account_sid: str, number: str) -> ConfigurationNotFound:
        return cls(f"no active Configuration owns {number} on account {account_sid}")

    @classmethod
    def for_id(cls, configuration_id: object) -> ConfigurationNotFound:
        return cls(f"Configuration {configuration_id} does not exist or is inactive")


class MessageNotFiledYet(MessagingError):
    """No message row has this SID yet; the status callback is retried later (the send may still be recording)."""


class TokenDecryptionFailed(MessagingError):
    """A stored auth token could not be decrypted with the current or previous key (never carries the token)."""


class PermanentFailure(MessagingError):
    """Work that will fail the same way on every retry; recorded in the Error Log instead of retried."""


class UnhandledEvent(MessagingError):
    """A Dataverse webhook for a table or message the product does not handle (a step registered by mistake)."""
