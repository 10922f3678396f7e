"""customizations.xml against Microsoft's 2019 solution schema, vendored in solution/packer/schemas."""

from __future__ import annotations

import hashlib

from solution.packer._xml import etree, parse, serialize
from solution.packer.validation import NEWER_THAN_SCHEMA, SCHEMAS_DIR, for_2019_schema, validate_customizations


def test_customizations_xml_is_valid_against_the_vendored_schema(built):
    assert validate_customizations(built.files["customizations.xml"]) == []


def test_the_validator_reports_what_the_schema_does_not_allow(built):
    doc = parse(built.files["customizations.xml"])
    etree.SubElement(doc.find("Roles/Role"), "Colour").text = "blue"
    doc.find("Entities/Entity/EntityInfo/entity/attributes/attribute/Type").text = "hologram"
    errors = validate_customizations(serialize(doc))
    assert any("Colour" in e for e in errors)
    assert any("hologram" in e for e in errors)


def test_only_file_columns_are_adapted_for_the_2019_schema(built):
    doc = parse(built.files["customizations.xml"])
    adapted = for_2019_schema(doc)
    assert len(doc.xpath("//attribute[Type='file']")) == 2  # smsb_messagemedia.smsb_file, smsb_outbox.smsb_attachment
    assert adapted.xpath("//attribute[MaxSizeInKB]") == []
    assert sorted(a.get("PhysicalName") for a in adapted.xpath("//attribute[Type='virtual']")) == [
        "smsb_attachment", "smsb_file",
    ]
    for tree in (doc, adapted):  # everything but the file columns is left as it was
        for attribute in tree.xpath("//attribute[Type='file' or Type='virtual']"):
            attribute.getparent().remove(attribute)
    assert serialize(doc) == serialize(adapted)
    assert set(NEWER_THAN_SCHEMA) == {"attribute Type 'file'", "attribute MaxSizeInKB"}


def test_nothing_the_schema_readme_lists_as_unknown_is_generated(built):
    text = built.files["customizations.xml"].decode()
    for unknown in (
        "<CanvasApps", "<connectionreferences", "<IsRetrieveAuditEnabled", "<IsRetrieveMultipleAuditEnabled",
        "<IsSolutionAware", "<AutoNumberFormat", "<IsSearchable", "<IsFilterable", "<IsRetrievable",
        "<IsLocalizable", "headerdensity=",
    ):
        assert unknown not in text, unknown


# The lxml patches of the vendored schema (schemas/patches.diff), checked the way schemas/selftest.py did.
_WRAPPER = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">
  <xs:include schemaLocation="CustomizationsSolution.xsd"/>
  <xs:element name="t-version" type="VersionType"/>
  <xs:element name="t-formpct" type="FormPercentageType"/>
  <xs:element name="t-qsname" type="FormQueryStringParameterNameAttributeType"/>
</xs:schema>"""


def test_patched_schema_types_accept_and_refuse_as_the_originals_meant():
    schema = etree.XMLSchema(etree.fromstring(_WRAPPER.encode(), base_url=str(SCHEMAS_DIR / "wrapper.xsd")))
    cases = [
        ("t-version", "1.0.0.1", True), ("t-version", "1", False), ("t-version", "1.0.0.0.0", False),
        ("t-formpct", "50%", True), ("t-formpct", "^7%$", False),
        ("t-qsname", "smsb_param", True), ("t-qsname", "CrM_param", False), ("t-qsname", "param", False),
    ]
    for element, content, expected in cases:
        doc = etree.fromstring(f"<{element}>{content}</{element}>".encode())
        assert schema.validate(doc) is expected, (element, content)


def test_vendored_originals_are_kept_beside_the_patched_copies():
    originals = sorted(p.name for p in (SCHEMAS_DIR / "original").glob("*.xsd"))
    patched = sorted(p.name for p in SCHEMAS_DIR.glob("*.xsd"))
    assert originals == patched
    differing = [
        name for name in patched
        if hashlib.sha256((SCHEMAS_DIR / name).read_bytes()).digest()
        != hashlib.sha256((SCHEMAS_DIR / "original" / name).read_bytes()).digest()
    ]
    assert sorted(differing) == ["CustomizationsSolution.xsd", "Fetch.xsd", "FormXml.xsd"]
    assert (SCHEMAS_DIR / "README.md").is_file()
    assert (SCHEMAS_DIR / "patches.diff").is_file()
