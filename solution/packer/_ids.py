"""Stable component ids: the same name always gives the same GUID, so repeated builds are byte-identical."""

from __future__ import annotations

import uuid

# A fixed namespace for every id the packer derives (uuid5 of the project's URL-like name).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:smsbridge:solution-packer")


def guid(*parts: str) -> str:
    """``uuid5(NAMESPACE, "part1:part2:…")`` in lower case without braces."""
    return str(uuid.uuid5(NAMESPACE, ":".join(parts)))


def braced(*parts: str) -> str:
    """The same id as :func:`guid`, written ``{XXXXXXXX-…}`` as forms and views expect."""
    return "{" + guid(*parts) + "}"


def webresource_id(name: str) -> str:
    """The id of the web resource ``name`` (``smsb_/scripts/smsbridge.js``), braced."""
    return braced("webresource", name)


def role_id(key: str) -> str:
    return braced("role", key)


def profile_id(key: str) -> str:
    return braced("fieldsecurityprofile", key)
