"""Twilio's error codes in words an admin understands (https://www.twilio.com/docs/api/errors)."""

from __future__ import annotations

__all__ = ["OPTED_OUT_CODE", "describe"]

# The recipient replied STOP: Twilio refuses to send to them from this number until they text START.
OPTED_OUT_CODE = 21610

_CATALOGUE: dict[int, str] = {
    20003: "Twilio rejected the Account SID or auth token",
    20429: "Twilio asked to slow down (too many requests)",
    21211: "The 'To' number is not a valid phone number",
    21408: "Sending to this country or region is not enabled on the Twilio account (Geo Permissions)",
    21606: "The 'From' number does not belong to the Twilio account or cannot send SMS",
    21608: "A trial account can only send to verified numbers",
    21610: "The recipient replied STOP and has unsubscribed from this number",
    21612: "Twilio cannot route a message from this number to that recipient",
    21614: "The 'To' number is not a mobile number that can receive texts",
    21617: "The message is longer than 1600 characters",
    21620: "The media URL is not valid",
    21623: "Too many media files (at most 10)",
    21635: "The 'To' number is a landline",
    30001: "Twilio's queue overflowed; the message was not sent",
    30002: "The Twilio account is suspended",
    30003: "The handset is unreachable (switched off or out of coverage)",
    30004: "The message was blocked (the recipient or their carrier blocks it)",
    30005: "The number is unknown or no longer in service",
    30006: "The number is a landline or its carrier cannot receive texts",
    30007: "The carrier filtered the message as spam",
    30008: "The carrier reported an unknown error",
    30034: "The sending number is not registered for US A2P 10DLC",
}


def describe(code: int | None, message: str | None = None) -> str:
    """`Twilio 30003: The handset is unreachable …`, falling back to Twilio's own text."""
    if code is None:
        return message or "Twilio reported a failure without an error code"
    text = _CATALOGUE.get(code) or message or "see https://www.twilio.com/docs/api/errors/" + str(code)
    return f"Twilio {code}: {text}"
