"""Microsoft's table reference excerpts (``solution/tables/standard/sources/table-reference``) and their merge.

The excerpts are rows copied from Microsoft's table reference pages (CC-BY-4.0; sources named in each block and in
``sources/SOURCES.md``). These tests check that the files hold together (every block under a named page, every
relationship on a column the Common Data Model defines, both sides of a relationship agreeing, the 2023 pages'
Many-To-One lists naming what the other pages relate to them) and that the generator writes what they say.
"""

from __future__ import annotations

import re
import tomllib

import pytest

from solution import table_reference
from solution.packer._entities import schema_name
from solution.packer._platform import load_platform
from solution.schema import Cascade, ColumnType, load_schema
from solution.standard_tables import (
    SOURCES_DIR,
    STANDARD_DIR,
    TABLES,
    Corpus,
    SourceError,
    generate,
    generate_with_notes,
    table_columns,
)
from solution.table_reference import TableReferenceError, parse

REPOSITORIES = {
    "MicrosoftDocs/powerapps-docs": "powerapps-docs/developer/data-platform/reference/entities/",
    "MicrosoftDocs/dynamics-365-customer-engagement": "ce/developer/entities/",
}


@pytest.fixture(scope="module")
def reference() -> table_reference.TableReference:
    return table_reference.load()


@pytest.fixture(scope="module")
def cdm() -> dict[str, dict[str, tuple[str, tuple[str, ...]]]]:
    """table -> column -> (type, targets) as the Common Data Model alone defines them."""
    corpus = Corpus(SOURCES_DIR)
    return {s.logical_name: {c.name: (c.type, tuple(c.targets)) for c in table_columns(s, corpus)} for s in TABLES}


def test_every_block_sits_under_a_page_named_by_repository_path_and_commit(
    reference: table_reference.TableReference,
) -> None:
    assert len(reference.pages) >= 10
    for page in reference.pages:
        assert page.repository in REPOSITORIES, page
        assert page.path == f"{REPOSITORIES[page.repository]}{page.table}.md"
        assert re.fullmatch(r"[0-9a-f]{40}", page.commit), page
    pages = set(reference.pages)
    assert all(b.page in pages for b in reference.blocks)
    assert all(c.page in pages for c in reference.columns)
    assert {p.table for p in reference.pages} <= {s.logical_name for s in TABLES}


def test_every_relationship_is_on_a_lookup_the_cdm_defines(
    reference: table_reference.TableReference, cdm: dict[str, dict[str, tuple[str, tuple[str, ...]]]],
) -> None:
    generated = set(cdm)
    kept = [r for r in reference.relationships().values()
            if r.referencing_table in generated and r.referenced_table in generated]
    assert len(kept) >= 60
    for rel in kept:
        ctype, _ = cdm[rel.referencing_table].get(rel.referencing_attribute, ("missing", ()))
        assert ctype in ("lookup", "customer", "owner"), (rel.name, rel.referencing_attribute, ctype)


def test_the_two_sides_of_a_relationship_agree_where_both_were_copied(
    reference: table_reference.TableReference,
) -> None:
    both = [r for r in reference.relationships().values() if len(r.pages) > 1]
    assert {"lead_master_lead", "account_originating_lead", "lead_qualifying_opportunity"} <= {r.name for r in both}
    master = reference.relationships()["lead_master_lead"]
    assert (master.referencing_navigation, master.referenced_navigation, master.delete) == (
        "masterid", "lead_master_lead", "RemoveLink")


def test_the_2023_many_to_one_lists_name_what_other_pages_relate_to_the_table(
    reference: table_reference.TableReference,
) -> None:
    listed: dict[tuple[str, str], set[str]] = {}
    for entry in reference.many_to_one_names:
        listed.setdefault((entry.page.repository, entry.page.table), set()).add(entry.name)
    checked = 0
    for block in reference.blocks:
        names = listed.get((block.page.repository, block.referencing_table))
        if block.side == "one_to_many" and names is not None:
            assert block.name in names, f"{block.name} is not in {block.referencing_table}'s Many-To-One list"
            checked += 1
    assert checked >= 10


def test_every_cascade_value_is_one_dataverse_knows(reference: table_reference.TableReference) -> None:
    for rel in reference.relationships().values():
        assert rel.cascade == () or "Delete" in dict(rel.cascade), rel.name
        assert set(dict(rel.cascade).values()) <= {"Cascade", "NoCascade", "RemoveLink", "Restrict"}, rel.name


def test_every_column_fact_is_a_cdm_column_with_what_its_type_needs(
    reference: table_reference.TableReference, cdm: dict[str, dict[str, tuple[str, tuple[str, ...]]]],
) -> None:
    assert len(reference.columns) >= 90
    for fact in reference.columns:
        assert fact.logical_name in cdm[fact.table], (fact.table, fact.logical_name)
        assert fact.schema_name.lower() == fact.logical_name
        if fact.type == "Boolean":
            assert fact.true_label
            assert fact.false_label
        else:
            assert fact.type in ("Memo", "Lookup"), fact
            assert fact.max_length is not None or fact.targets


def test_the_generated_schema_has_microsofts_names_labels_and_memo_columns() -> None:
    schema = load_schema()
    rel = schema.collection_navigation("account", "contact_customer_accounts")
    assert rel is not None
    assert (rel.referencing_table, rel.referencing_attribute, rel.referencing_navigation) == (
        "contact", "parentcustomerid", "parentcustomerid_account")
    assert rel.cascade is Cascade.PARENTAL
    assert dict(rel.cascade_configuration)["Delete"] == "Cascade"
    orders = schema.collection_navigation("account", "order_customer_accounts")
    assert orders is not None
    assert orders.cascade is Cascade.RESTRICT
    donotphone = schema.table("contact").column("donotphone")
    assert (donotphone.choice_label(True), donotphone.choice_label(False)) == ("Do Not Allow", "Allow")
    description = schema.table("contact").column("description")
    assert (description.type, description.max_length) == (ColumnType.MEMO, 2000)
    # a lookup whose target the page and the CDM disagree on takes the page's: lead.relatedobjectid is a campaign
    # response, which this schema leaves out, so it has no relationship
    assert schema.table("lead").column("relatedobjectid").targets == ("campaignresponse",)
    assert not schema.relationships_from("lead", "relatedobjectid")


def test_the_generator_reports_what_the_reference_overrode() -> None:
    _, notes = generate_with_notes()
    assert ("contact.description: type 'string' in the CDM, 'memo' in the table reference (the reference wins)"
            in notes)
    assert any(n.startswith("lead.relatedobjectid: targets ['activitypointer']") for n in notes)


def test_a_relationship_on_a_column_the_cdm_lacks_is_an_error() -> None:
    text = _excerpt("contact", "#### made_up\n\n|Property|Value|\n|---|---|\n|ReferencedEntity|`account`|\n"
                               "|ReferencedAttribute|`accountid`|\n|ReferencingAttribute|`nosuchcolumn`|\n"
                               "|ReferencingEntityNavigationPropertyName|`nosuchcolumn`|\n",
                    section="Many-to-One relationships")
    with pytest.raises(SourceError, match="nosuchcolumn"):
        generate(reference=parse(text, ""))


def test_a_page_target_the_cdm_lacks_is_added_and_reported() -> None:
    text = _excerpt("account", "#### account_made_up\n\n|Property|Value|\n|---|---|\n|ReferencingEntity|`team`|\n"
                               "|ReferencingAttribute|`regardingobjectid`|\n"
                               "|ReferencedEntityNavigationPropertyName|`account_made_up`|\n",
                    section="One-to-Many relationships")
    files, notes = generate_with_notes(reference=parse(text, ""))
    team = tomllib.loads(files["team.toml"])
    assert {"referencing_attribute": "regardingobjectid", "referenced_table": "account",
            "name": "account_made_up"} in team["relationships"]
    assert not any(n.startswith("team.regardingobjectid") for n in notes)  # account was already a target


def test_both_sides_disagreeing_is_an_error() -> None:
    one = ("#### contact_customer_accounts\n\n|Property|Value|\n|---|---|\n|ReferencingEntity|`contact`|\n"
           "|ReferencingAttribute|`parentcustomerid`|\n|ReferencedEntityNavigationPropertyName|`x`|\n")
    other = ("#### contact_customer_accounts\n\n|Property|Value|\n|---|---|\n|ReferencedEntity|`account`|\n"
             "|ReferencedAttribute|`accountid`|\n|ReferencingAttribute|`parentcontactid`|\n"
             "|ReferencingEntityNavigationPropertyName|`y`|\n")
    text = (_excerpt("account", one, section="One-to-Many relationships")
            + _excerpt("contact", other, section="Many-to-One relationships"))
    with pytest.raises(TableReferenceError, match="referencing attribute"):
        parse(text, "").relationships()


def test_a_block_missing_a_row_is_an_error_naming_it() -> None:
    text = _excerpt("account", "#### broken\n\n|Property|Value|\n|---|---|\n|ReferencingEntity|`contact`|\n",
                    section="One-to-Many relationships")
    with pytest.raises(TableReferenceError, match="broken has no ReferencingAttribute"):
        parse(text, "")


def test_a_boolean_without_both_labels_is_an_error() -> None:
    text = _excerpt("contact", "### DoNotPhone\n\n|Property|Value|\n|---|---|\n|LogicalName|`donotphone`|\n"
                               "|Type|Boolean|\n|True Label|Do Not Allow|\n", section=None)
    with pytest.raises(TableReferenceError, match="needs both labels"):
        parse("", text)


def test_the_committed_excerpts_are_named_in_sources_md() -> None:
    sources = (STANDARD_DIR / "sources" / "SOURCES.md").read_text(encoding="utf-8")
    for page in table_reference.load().pages:
        file = page.path.rsplit("/", 1)[-1]
        assert page.repository in sources, page
        assert f"{file}`" in sources, page
        assert page.commit in sources, page


def _excerpt(table: str, block: str, *, section: str | None) -> str:
    repository = "MicrosoftDocs/powerapps-docs"
    head = (f"\n## {table}\n\nRepository: {repository}\nPath: {REPOSITORIES[repository]}{table}.md\n"
            f"Commit: {'0' * 40}\n")
    return head + (f"\n### {section}\n\n" if section else "\n") + block


# --- the product's own tables --------------------------------------------------------------------------------------


def test_the_product_tables_system_relationships_have_the_names_real_exports_give_them() -> None:
    """solution/packer/platform.toml holds the names real exports write (tests/packer/test_real_exports.py checks
    it); the schema, and so the emulator's collection-valued navigation properties, must name them the same."""
    schema = load_schema()
    platform = load_platform()
    modelled = {"SystemUser": "systemuser", "Team": "team", "BusinessUnit": "businessunit"}
    compared = 0
    for table in (t for t in schema.tables if t.is_custom):
        user_owned = table.ownership.value == "user"
        for system in platform.relationships(activity=table.is_activity, user_owned=user_owned):
            target = modelled.get(system.referenced)
            if target is None:
                continue  # the owner, mailbox, SLA and activity pointer are not modelled as relationships here
            attribute = system.attribute.lower()
            found = [r for r in schema.relationships_from(table.logical_name, attribute)
                     if r.referenced_table == target]
            assert len(found) == 1, (table.logical_name, attribute)
            expected = system.name.replace("{table}", schema_name(table))
            assert (found[0].name, found[0].referenced_navigation) == (expected, expected)
            assert found[0].referencing_navigation == attribute
            compared += 1
    assert compared >= 30


def test_a_generated_file_round_trips_through_the_loader() -> None:
    text = (STANDARD_DIR / "contact.toml").read_text(encoding="utf-8")
    doc = tomllib.loads(text)
    names = {r["name"] for r in doc["relationships"]}
    assert {"contact_customer_accounts", "contact_customer_contacts", "contact_master_contact"} <= names
    customer = next(r for r in doc["relationships"] if r["name"] == "contact_customer_accounts")
    assert customer["cascade_configuration"] == {"Assign": "Cascade", "Delete": "Cascade", "Merge": "Cascade",
                                                 "Reparent": "Cascade", "Share": "Cascade", "Unshare": "Cascade"}
