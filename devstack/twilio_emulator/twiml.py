"""The part of TwiML a messaging webhook answer can use to reply: ``<Message>`` verbs."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

__all__ = ["TwimlMessage", "parse_twiml_messages"]


@dataclass(frozen=True, slots=True)
class TwimlMessage:
    body: str
    to: str | None = None
    from_: str | None = None
    status_callback: str | None = None
    media_urls: tuple[str, ...] = ()


def parse_twiml_messages(document: str) -> list[TwimlMessage]:
    """The ``<Message>`` verbs of a ``<Response>``; an empty or non-TwiML answer has none."""
    if "<Message" not in document:
        return []
    try:
        # The document is the answer of the app under test on loopback, and expat does not fetch
        # external entities; the emulator is never exposed to arbitrary senders.
        root = ET.fromstring(document)  # noqa: S314
    except ET.ParseError:
        return []
    if root.tag != "Response":
        return []
    found = []
    for element in root.iter("Message"):
        body_element = element.find("Body")
        text = body_element.text if body_element is not None else element.text
        body = (text or "").strip()
        found.append(
            TwimlMessage(
                body=body,
                to=element.get("to"),
                from_=element.get("from"),
                status_callback=element.get("statusCallback"),
                media_urls=tuple((m.text or "").strip() for m in element.iter("Media")),
            )
        )
    return found
