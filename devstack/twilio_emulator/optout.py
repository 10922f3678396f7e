"""Twilio's default opt-out keywords (long codes and toll-free numbers).

A keyword counts only when it is the whole message (case-insensitive, surrounding blanks and
punctuation ignored): "STOP PLEASE" is an ordinary message.
"""

from __future__ import annotations

__all__ = ["HELP_WORDS", "START_WORDS", "STOP_WORDS", "opt_out_type"]

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
START_WORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})


def opt_out_type(body: str) -> str | None:
    """``"STOP"``, ``"START"``, ``"HELP"`` or None for an ordinary message."""
    word = body.strip().strip(".!").upper()
    if word in STOP_WORDS:
        return "STOP"
    if word in START_WORDS:
        return "START"
    if word in HELP_WORDS:
        return "HELP"
    return None
