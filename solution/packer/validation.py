"""Check ``customizations.xml`` against Microsoft's 2019 solution schema (vendored in ``schemas/``).

The schema predates elements every current export writes. Real exports win: the packer writes them, and
:func:`for_2019_schema` removes exactly the constructs listed in ``NEWER_THAN_SCHEMA`` from a copy before
validating (file columns are checked as ``virtual`` columns). Each entry names the real export in
``tests/packer/fixtures/real_exports`` that carries it; the tests check that each one is in that export, that the
2019 schema indeed refuses it, and that nothing else is adapted.
"""

from __future__ import annotations

import copy
import functools
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._xml import Element, etree, parse

SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas"


@dataclass(frozen=True)
class Newer:
    """Child elements (or XML attributes) the 2019 schema does not know, removed from the elements at ``where``
    before validation."""

    where: str  # path from the ImportExportXml root
    elements: tuple[str, ...]
    seen_in: str  # the fixture (tests/packer/fixtures/real_exports) showing them in a real export
    attributes: tuple[str, ...] = ()


NEWER_THAN_SCHEMA: tuple[Newer, ...] = (
    Newer("Entities/Entity/EntityInfo/entity/attributes/attribute",
          ("AutoNumberFormat", "IsSearchable", "IsFilterable", "IsRetrievable", "IsLocalizable"),
          "industry-apps.appbase_ActionItem.Entity.xml"),
    Newer("Entities/Entity/EntityInfo/entity",
          ("IsRetrieveAuditEnabled", "IsRetrieveMultipleAuditEnabled", "IsMSTeamsIntegrationEnabled",
           "IsSolutionAware"),
          "industry-apps.appbase_ActionItem.Entity.xml"),
    Newer("Entities/Entity/EntityInfo/entity/attributes/attribute/optionset/options/option", (),
          "industry-apps.appbase_ActionItem.Entity.xml", attributes=("IsHidden",)),
    Newer("Roles/Role", (), "nonprofits.Role.xml", attributes=("isinherited",)),
    Newer("EntityRelationships/EntityRelationship", ("CascadeArchive",), "industry-apps.relationships.xml"),
    Newer("AppModules/AppModule", ("OptimizedFor", "statecode", "statuscode", "NavigationType"),
          "industry-apps.AppModule.xml"),
    Newer("AppModuleSiteMaps/AppModuleSiteMap", ("EnableCollapsibleGroups", "ShowHome", "ShowPinned", "ShowRecents"),
          "industry-apps.AppModuleSiteMap.xml"),
    # A differential FormXml (the chat tab on a standard table's own form) marks what it adds.
    Newer("Entities/Entity/FormXml/forms/systemform/form/tabs/tab", (), "nonprofits.contact-form-diff.xml",
          attributes=("solutionaction",)),
    Newer("Entities/Entity/FormXml/forms/systemform/form/controlDescriptions/controlDescription", (),
          "nonprofits.contact-form-diff.xml", attributes=("solutionaction",)),
)
# Column types the schema does not know, checked as the type given (exports: hmcts.file-attribute.xml).
NEWER_TYPES = {"file": "virtual"}


@functools.cache
def _schema() -> Any:
    """The compiled ``CustomizationsSolution.xsd``; its includes resolve next to it, never over the network."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(SCHEMAS_DIR / "CustomizationsSolution.xsd"), parser))


def for_2019_schema(doc: Element, keep: tuple[Newer, ...] = ()) -> Element:
    """A copy of ``doc`` without the ``NEWER_THAN_SCHEMA`` constructs (but ``keep``) and with ``NEWER_TYPES``
    rewritten."""
    doc = copy.deepcopy(doc)
    for newer in NEWER_THAN_SCHEMA:
        if newer in keep:
            continue
        for holder in doc.iterfind(newer.where):
            for child in [c for c in holder if c.tag in newer.elements]:
                holder.remove(child)
            for name in newer.attributes:
                holder.attrib.pop(name, None)
    for type_node in doc.iterfind("Entities/Entity/EntityInfo/entity/attributes/attribute/Type"):
        type_node.text = NEWER_TYPES.get(type_node.text, type_node.text)
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
