"""Consent keywords: Twilio's `OptOutType` when present, else its default single-word keywords (any case)."""

from __future__ import annotations

import enum

__all__ = ["ConsentChange", "classify"]


class ConsentChange(enum.Enum):
    OPT_OUT = "STOP"
    OPT_IN = "START"
    HELP = "HELP"


_DEFAULT_KEYWORDS: dict[str, ConsentChange] = {
    **dict.fromkeys(
        ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"), ConsentChange.OPT_OUT
    ),
    **dict.fromkeys(("START", "YES", "UNSTOP"), ConsentChange.OPT_IN),
    **dict.fromkeys(("HELP", "INFO"), ConsentChange.HELP),
}


def classify(body: str, opt_out_type: str | None = None) -> ConsentChange | None:
    """What this inbound message does to consent, if anything.

    With Advanced Opt-Out, Twilio says so in `OptOutType` (custom keywords included) and that is authoritative.
    Without it, only a message that is exactly one default keyword counts: "STOP please" does not opt out,
    exactly as Twilio itself behaves.
    """
    if opt_out_type:
        try:
            return ConsentChange(opt_out_type.strip().upper())
        except ValueError:
            return None
    word = body.strip().upper()
    return _DEFAULT_KEYWORDS.get(word)
