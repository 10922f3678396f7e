"""Check ``customizations.xml`` against Microsoft's 2019 solution schema (vendored in ``schemas/``).

The schema predates file columns. Before validating, :func:`for_2019_schema` rewrites exactly the
constructs listed in ``NEWER_THAN_SCHEMA`` on a copy (file columns are checked as ``virtual`` columns
without ``MaxSizeInKB``); everything else the packer writes must be known to the schema as it is.
"""

from __future__ import annotations

import copy
import functools
import io
import zipfile
from pathlib import Path
from typing import Any

from ._xml import Element, etree, parse

SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas"

# What the packer writes that the 2019 schema does not know, and how validation treats it.
NEWER_THAN_SCHEMA = {
    "attribute Type 'file'": "checked as Type 'virtual'",
    "attribute MaxSizeInKB": "removed before validation",
}


@functools.cache
def _schema() -> Any:
    """The compiled ``CustomizationsSolution.xsd``; its includes resolve next to it, never over the network."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(SCHEMAS_DIR / "CustomizationsSolution.xsd"), parser))


def for_2019_schema(doc: Element) -> Element:
    """A copy of ``doc`` with the ``NEWER_THAN_SCHEMA`` constructs rewritten."""
    doc = copy.deepcopy(doc)
    for attribute in doc.iterfind(".//attributes/attribute"):
        if attribute.findtext("Type") == "file":
            type_node = attribute.find("Type")
            assert type_node is not None  # noqa: S101 - findtext just found it
            type_node.text = "virtual"
            for size in attribute.findall("MaxSizeInKB"):
                attribute.remove(size)
    return doc


def validate_customizations(data: bytes) -> list[str]:
    """``[]`` when valid, else ``"line N: message"`` per schema error."""
    doc = parse(data)
    schema = _schema()
    if schema.validate(for_2019_schema(doc)):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def validate_package(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return validate_customizations(archive.read("customizations.xml"))
