"""The standard tables' relationships and columns as Microsoft's table reference gives them, through raw HTTP.

Source of every fact pinned here: Microsoft's table reference pages (CC-BY-4.0), whose rows are copied under
``solution/tables/standard/sources/table-reference``:
* MicrosoftDocs/powerapps-docs ``powerapps-docs/developer/data-platform/reference/entities/account.md`` at
  09770ae52bc4e33adeeff181ee79ecd690d615f2: ``contact_customer_accounts`` (contact.parentcustomerid -> account,
  collection-valued navigation property ``contact_customer_accounts``, CascadeConfiguration Delete: Cascade);
* the same repository's ``contact.md`` at the same commit: ``contact_customer_contacts`` (Delete: RemoveLink),
  DoNotPhone (Boolean, 1 "Do Not Allow", 0 "Allow") and Description (Memo, MaxLength 2000);
* MicrosoftDocs/dynamics-365-customer-engagement ``ce/developer/entities/salesorder.md`` at
  edd360598644277781348929aeea0ddc51f31c4c: ``order_customer_accounts`` (Delete: Restrict).
"""

from __future__ import annotations

from typing import Any

from .conftest import Api

FORMATTED = "@OData.Community.Display.V1.FormattedValue"
ANNOTATIONS = {"Prefer": 'odata.include-annotations="*"'}


def _account(api: Api, name: str) -> dict[str, Any]:
    return api.create("accounts", {"name": name})


def _contact(api: Api, last: str, parent: str | None = None, *, parent_set: str = "accounts") -> dict[str, Any]:
    body: dict[str, Any] = {"lastname": last}
    if parent is not None:
        nav = "parentcustomerid_account" if parent_set == "accounts" else "parentcustomerid_contact"
        body[f"{nav}@odata.bind"] = f"/{parent_set}({parent})"
    return api.create("contacts", body)


def test_an_accounts_contacts_expand_through_microsofts_collection_navigation_property(api: Api) -> None:
    contoso = _account(api, "Contoso")
    other = _account(api, "Fabrikam")
    maria = _contact(api, "Maria", contoso["accountid"])
    _contact(api, "Elsewhere", other["accountid"])

    response = api.get(f"accounts({contoso['accountid']})?$select=name"
                       "&$expand=contact_customer_accounts($select=lastname)")

    assert response.status_code == 200, response.get_data(as_text=True)
    children = response.json["contact_customer_accounts"]
    assert [(c["contactid"], c["lastname"]) for c in children] == [(maria["contactid"], "Maria")]


def test_the_made_up_collection_name_is_gone(api: Api) -> None:
    contoso = _account(api, "Contoso")

    response = api.get(f"accounts({contoso['accountid']})?$expand=account_contact_parentcustomerid")

    assert response.status_code == 400


def test_deleting_an_account_deletes_its_contacts_as_the_parental_relationship_says(api: Api) -> None:
    contoso = _account(api, "Contoso")
    maria = _contact(api, "Maria", contoso["accountid"])

    assert api.delete(f"accounts({contoso['accountid']})").status_code == 204

    assert api.get(f"contacts({maria['contactid']})").status_code == 404


def test_deleting_a_parent_contact_removes_the_link_from_its_child_contacts(api: Api) -> None:
    parent = _contact(api, "Parent")
    child = _contact(api, "Child", parent["contactid"], parent_set="contacts")

    assert api.delete(f"contacts({parent['contactid']})").status_code == 204

    row = api.get(f"contacts({child['contactid']})?$select=_parentcustomerid_value").json
    assert row["_parentcustomerid_value"] is None


def test_an_account_with_orders_cannot_be_deleted(api: Api) -> None:
    contoso = _account(api, "Contoso")
    bind = f"/accounts({contoso['accountid']})"
    api.create("salesorders", {"name": "Order 1", "customerid_account@odata.bind": bind})

    response = api.delete(f"accounts({contoso['accountid']})")

    assert response.status_code == 400
    assert "order_customer_accounts" in response.json["error"]["message"]
    assert api.get(f"accounts({contoso['accountid']})").status_code == 200


def test_a_restricting_grandchild_refuses_the_whole_delete(api: Api) -> None:
    # deleting the account would delete its contact (parental), whose order restricts it: nothing is deleted
    contoso = _account(api, "Contoso")
    maria = _contact(api, "Maria", contoso["accountid"])
    bind = f"/contacts({maria['contactid']})"
    api.create("salesorders", {"name": "Order 1", "customerid_contact@odata.bind": bind})

    response = api.delete(f"accounts({contoso['accountid']})")

    assert response.status_code == 400
    assert "order_customer_contacts" in response.json["error"]["message"]
    assert api.get(f"contacts({maria['contactid']})").status_code == 200
    assert api.get(f"accounts({contoso['accountid']})").status_code == 200


def test_yes_no_columns_carry_microsofts_labels(api: Api) -> None:
    allowing = api.create("contacts", {"lastname": "Calls ok", "donotphone": False})
    refusing = api.create("contacts", {"lastname": "No calls", "donotphone": True})

    def label(row: dict[str, Any]) -> str:
        body = api.get(f"contacts({row['contactid']})?$select=donotphone", headers=ANNOTATIONS).json
        return str(body[f"donotphone{FORMATTED}"])

    assert label(allowing) == "Allow"
    assert label(refusing) == "Do Not Allow"


def test_the_boolean_options_in_the_metadata_are_microsofts(api: Api) -> None:
    path = ("EntityDefinitions(LogicalName='contact')/Attributes(LogicalName='donotphone')"
            "/Microsoft.Dynamics.CRM.BooleanAttributeMetadata?$expand=OptionSet")
    option_set = api.get(path).json["OptionSet"]

    assert option_set["TrueOption"]["Label"]["UserLocalizedLabel"]["Label"] == "Do Not Allow"
    assert option_set["FalseOption"]["Label"]["UserLocalizedLabel"]["Label"] == "Allow"


def test_a_multiple_lines_of_text_column_is_memo_in_the_metadata(api: Api) -> None:
    body = api.get("EntityDefinitions(LogicalName='contact')/Attributes(LogicalName='description')").json

    assert body["AttributeType"] == "Memo"
    assert body["@odata.type"] == "#Microsoft.Dynamics.CRM.MemoAttributeMetadata"
    assert body["MaxLength"] == 2000


def test_the_relationship_metadata_is_microsofts_from_both_sides(api: Api) -> None:
    one_to_many = api.get("EntityDefinitions(LogicalName='account')/OneToManyRelationships"
                          "(SchemaName='contact_customer_accounts')").json
    many_to_one = api.get("EntityDefinitions(LogicalName='contact')/ManyToOneRelationships"
                          "?$select=SchemaName,ReferencedEntity,ReferencingEntityNavigationPropertyName").json["value"]

    assert one_to_many["ReferencingEntity"] == "contact"
    assert one_to_many["ReferencingAttribute"] == "parentcustomerid"
    assert one_to_many["ReferencedEntityNavigationPropertyName"] == "contact_customer_accounts"
    assert one_to_many["ReferencingEntityNavigationPropertyName"] == "parentcustomerid_account"
    assert one_to_many["CascadeConfiguration"]["Delete"] == "Cascade"
    assert one_to_many["CascadeConfiguration"]["Assign"] == "Cascade"
    by_name = {r["SchemaName"]: r for r in many_to_one}
    assert by_name["contact_customer_accounts"]["ReferencedEntity"] == "account"
    assert by_name["contact_customer_contacts"]["ReferencingEntityNavigationPropertyName"] == "parentcustomerid_contact"


def test_a_bookkeeping_relationship_shows_no_cascade_on_delete(api: Api) -> None:
    # lk_leadbase_createdby: CascadeConfiguration all NoCascade (ce/developer/entities/lead.md, Many-to-One)
    body = api.get("RelationshipDefinitions(SchemaName='lk_leadbase_createdby')"
                   "/Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata").json

    assert (body["ReferencedEntity"], body["ReferencingEntity"], body["ReferencingAttribute"]) == (
        "systemuser", "lead", "createdby")
    assert body["CascadeConfiguration"]["Delete"] == "NoCascade"
