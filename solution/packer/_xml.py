"""Small lxml helpers shared by the XML builders."""

from __future__ import annotations

from typing import Any, TypeAlias

# lxml ships no type information and the project installs no stubs for it: the packer's one import of lxml.
from lxml import etree

LANGUAGE = "1033"
XMLSyntaxError: type[Exception] = etree.XMLSyntaxError

Element: TypeAlias = Any  # an lxml element


def sub(parent: Element, tag: str, text: str | int | None = None, **attrs: str) -> Element:
    """Append ``<tag attrs>text</tag>`` to ``parent`` (attributes in the order given)."""
    child: Element = etree.SubElement(parent, tag)
    for key, value in attrs.items():
        child.set(key.rstrip("_"), value)
    if text is not None:
        child.text = str(text)
    return child


def labels(parent: Element, container: str, item: str, text: str) -> Element:
    """``<container><item description="text" languagecode="1033"/></container>``."""
    box = sub(parent, container)
    sub(box, item, description=text, languagecode=LANGUAGE)
    return box


def flag(value: bool) -> str:
    return "1" if value else "0"


def serialize(root: Element) -> bytes:
    """UTF-8 with a declaration, indented, byte-stable for equal trees."""
    etree.indent(root, space="  ")
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    return data


def parse(data: bytes) -> Element:
    """Parse without network access or entity expansion."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False, huge_tree=True)
    return etree.fromstring(data, parser)


__all__ = ["LANGUAGE", "Element", "XMLSyntaxError", "etree", "flag", "labels", "parse", "serialize", "sub"]
