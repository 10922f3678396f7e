"""``TwilioEmulator``: the account holder (``core.py``, handlers per resource) with its HTTP face (``api.py``)."""

from __future__ import annotations

from devstack.twilio_emulator.api import EmulatorApp
from devstack.twilio_emulator.core import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, DEFAULT_PHONE_NUMBER, EmulatorCore
from devstack.twilio_emulator.messages import MAGIC_FROM, MAGIC_TO
from devstack.twilio_emulator.phone import DEFAULT_BASE_URL, InboundResult
from devstack.twilio_emulator.resources import InboundMedia
from devstack.twilio_emulator.store import CdnRequest, Outcome

__all__ = [
    "DEFAULT_ACCOUNT_SID",
    "DEFAULT_AUTH_TOKEN",
    "DEFAULT_BASE_URL",
    "DEFAULT_PHONE_NUMBER",
    "MAGIC_FROM",
    "MAGIC_TO",
    "CdnRequest",
    "InboundMedia",
    "InboundResult",
    "Outcome",
    "TwilioEmulator",
]


class TwilioEmulator(EmulatorCore):
    """An in-memory Twilio account holder and its WSGI app. See the package docstring for the whole API."""

    wsgi_app: EmulatorApp

    def _attach(self) -> None:
        self.wsgi_app = EmulatorApp(self)
