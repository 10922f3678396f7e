"""customizations.xml against Microsoft's 2019 solution schema, vendored in solution/packer/schemas; what the
schema does not know yet is removed before validation only where a real export shows it (fixtures/real_exports)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from solution.packer._xml import etree, parse, serialize
from solution.packer.validation import (
    NEWER_THAN_SCHEMA,
    NEWER_TYPES,
    SCHEMAS_DIR,
    _schema,
    for_2019_schema,
    validate_customizations,
)

REAL_EXPORTS = Path(__file__).resolve().parent / "fixtures" / "real_exports"


def test_customizations_xml_is_valid_against_the_vendored_schema(built):
    assert validate_customizations(built.files["customizations.xml"]) == []


def test_the_validator_reports_what_the_schema_does_not_allow(built):
    doc = parse(built.files["customizations.xml"])
    etree.SubElement(doc.find("Roles/Role"), "Colour").text = "blue"
    doc.find("Entities/Entity/EntityInfo/entity/attributes/attribute/Type").text = "hologram"
    errors = validate_customizations(serialize(doc))
    assert any("Colour" in e for e in errors)
    assert any("hologram" in e for e in errors)


@pytest.mark.parametrize("newer", NEWER_THAN_SCHEMA, ids=lambda n: n.where.rsplit("/", 1)[-1])
def test_each_construct_removed_for_the_2019_schema_is_in_a_real_export(newer):
    holder = newer.where.rsplit("/", 1)[-1]
    real = etree.parse(str(REAL_EXPORTS / newer.seen_in)).getroot()
    holders = list(real.iter(holder))
    assert holders, (newer.seen_in, holder)
    for name in newer.elements:
        assert any(h.find(name) is not None for h in holders), (newer.seen_in, holder, name)
    for name in newer.attributes:
        assert any(name in h.attrib for h in holders), (newer.seen_in, holder, name)


@pytest.mark.parametrize("newer", NEWER_THAN_SCHEMA, ids=lambda n: n.where.rsplit("/", 1)[-1])
def test_each_construct_removed_for_the_2019_schema_is_one_the_package_writes_and_the_schema_refuses(built, newer):
    doc = parse(built.files["customizations.xml"])
    holders = doc.findall(newer.where)
    assert holders
    for name in newer.elements:
        assert all(h.find(name) is not None for h in holders), name  # written wherever it belongs
    for name in newer.attributes:
        assert any(name in h.attrib for h in holders), name
    assert _schema().validate(for_2019_schema(doc)) is True
    assert _schema().validate(for_2019_schema(doc, keep=(newer,))) is False  # the removal is needed


def test_nothing_but_the_listed_constructs_is_adapted(built):
    doc = parse(built.files["customizations.xml"])
    adapted = for_2019_schema(doc)
    by_hand = parse(built.files["customizations.xml"])
    for newer in NEWER_THAN_SCHEMA:
        for holder in by_hand.iterfind(newer.where):
            for child in [c for c in holder if c.tag in newer.elements]:
                holder.remove(child)
            for name in newer.attributes:
                holder.attrib.pop(name, None)
    retyped = by_hand.xpath("//attributes/attribute/Type[text()='file']")
    assert len(retyped) == 2  # smsb_messagemedia.smsb_file, smsb_outbox.smsb_attachment
    for node in retyped:
        node.text = NEWER_TYPES["file"]
    assert serialize(adapted) == serialize(by_hand)
    assert NEWER_TYPES == {"file": "virtual"}


def test_the_file_column_type_is_in_a_real_export():
    real = etree.parse(str(REAL_EXPORTS / "hmcts.file-attribute.xml")).getroot()
    assert [a.findtext("Type") for a in real.iter("attribute")] == ["file"]


def test_the_schema_readme_names_every_construct_validation_removes():
    readme = (SCHEMAS_DIR / "README.md").read_text(encoding="utf-8")
    for newer in NEWER_THAN_SCHEMA:
        for name in (*newer.elements, *newer.attributes):
            assert f"`{name}`" in readme, name


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
