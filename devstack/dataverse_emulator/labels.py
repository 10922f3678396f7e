"""Dataverse's ``Label`` complex type: the display texts of table, column, option and key definitions.

A label carries ``LocalizedLabels`` (one per language) and ``UserLocalizedLabel`` (the caller's language); the
emulated org has one language, English (LCID 1033), as in the examples of "Query table definitions using the
Web API" (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api). When
a label is written, only ``LocalizedLabels`` counts ("Create and update table definitions using the Web API");
the English text is kept, else the first one given.
"""

from __future__ import annotations

import uuid
from typing import Any

from . import errors

__all__ = ["LANGUAGE", "label", "label_text"]

LANGUAGE = 1033
_NAMESPACE = uuid.UUID("3c51a7e0-5d2b-4f4e-8a77-0c6f0e9d2b11")


def label(text: str | None, owner: str) -> dict[str, Any]:
    """The Label of ``text``; ``owner`` names what it labels, so its MetadataId stays the same between reads."""
    if not text:
        return {"LocalizedLabels": [], "UserLocalizedLabel": None}
    localized = {"Label": text, "LanguageCode": LANGUAGE, "IsManaged": False,
                 "MetadataId": str(uuid.uuid5(_NAMESPACE, f"{owner}:{LANGUAGE}")), "HasChanged": None}
    return {"LocalizedLabels": [localized], "UserLocalizedLabel": dict(localized)}


def label_text(value: Any, what: str) -> str | None:
    """The text of a Label in a request body (None when absent or empty); ``what`` names it in errors."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise errors.payload_error("EntityDefinitions", f"'{what}' must be a Label object with LocalizedLabels.")
    localized = value.get("LocalizedLabels") or []
    if not isinstance(localized, list) or not all(isinstance(item, dict) for item in localized):
        raise errors.payload_error("EntityDefinitions", f"'{what}.LocalizedLabels' must be an array of objects.")
    texts = [(item.get("LanguageCode"), item.get("Label")) for item in localized]
    english = [text for code, text in texts if code == LANGUAGE and isinstance(text, str) and text]
    others = [text for _, text in texts if isinstance(text, str) and text]
    found = english or others
    return found[0] if found else None
