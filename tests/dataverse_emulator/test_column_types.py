"""Microsoft's column types through raw HTTP: written, read, filtered, ordered and formatted as Dataverse does.

Formats: money with the currency symbol and two decimals ("$20,000.00" in the Web API query docs,
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/select-columns#formatted-values);
multi-select choices as the values joined by commas and the labels joined by "; "
(https://learn.microsoft.com/power-apps/developer/data-platform/multi-select-picklist).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devstack.dataverse_emulator import DataverseEmulator
from devstack.dataverse_emulator.computed import BASE_CURRENCY_ID, full_name
from solution.schema import parse_schema

from .conftest import Api, Clock

ANNOTATIONS = {"Prefer": 'odata.include-annotations="*"'}
FORMATTED = "@OData.Community.Display.V1.FormattedValue"


def read(api: Api, path: str) -> Any:
    response = api.get(path, headers=ANNOTATIONS)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


# --- money ------------------------------------------------------------------------------------------------------


def test_money_is_written_read_with_its_currency_symbol_and_converted_to_the_base_currency(api: Api) -> None:
    account = api.create("accounts", {"name": "Contoso", "revenue": 20000})
    row = read(api, f"accounts({account['accountid']})?$select=revenue,revenue_base,exchangerate")
    assert row["revenue"] == 20000
    assert row[f"revenue{FORMATTED}"] == "$20,000.00"
    assert row["revenue_base"] == 20000
    assert row["exchangerate"] == 1
    currency = read(api, f"accounts({account['accountid']})?$select=_transactioncurrencyid_value")
    assert currency["_transactioncurrencyid_value"] == BASE_CURRENCY_ID
    assert currency[f"_transactioncurrencyid_value{FORMATTED}"] == "US Dollar"


def test_money_uses_the_records_own_currency_symbol_and_exchange_rate(api: Api) -> None:
    euro = api.create("transactioncurrencies", {"currencyname": "Euro", "isocurrencycode": "EUR",
                                                 "currencysymbol": "€", "exchangerate": 0.5})
    account = api.create("accounts", {"name": "Fabrikam", "revenue": 1234.5,
                                      "transactioncurrencyid@odata.bind":
                                          f"/transactioncurrencies({euro['transactioncurrencyid']})"})
    row = read(api, f"accounts({account['accountid']})?$select=revenue,revenue_base")
    assert row[f"revenue{FORMATTED}"] == "€1,234.50"
    assert row["revenue_base"] == 2469.0


def test_money_rejects_text_and_amounts_out_of_range(api: Api) -> None:
    text = api.post("accounts", json={"name": "A", "revenue": "lots"})
    assert text.status_code == 400
    assert "Cannot convert the literal 'lots' to the expected type 'Edm.Decimal'" in text.json["error"]["message"]
    big = api.post("accounts", json={"name": "A", "revenue": 10**16})
    assert big.status_code == 400
    assert "is outside the valid range" in big.json["error"]["message"]


def test_money_filters_and_orders_as_a_number(api: Api) -> None:
    for name, revenue in (("Small", 10), ("Big", 5000.5), ("Mid", 300)):
        api.create("accounts", {"name": name, "revenue": revenue})
    body = read(api, "accounts?$select=name&$filter=revenue gt 100&$orderby=revenue desc")
    assert [r["name"] for r in body["value"]] == ["Big", "Mid"]


def test_a_base_amount_sent_by_a_client_is_ignored_for_the_computed_one(api: Api) -> None:
    account = api.create("accounts", {"name": "A", "revenue": 50, "revenue_base": 999})
    assert account["revenue_base"] == 50


# --- double -----------------------------------------------------------------------------------------------------


def test_double_is_written_range_checked_filtered_and_formatted(api: Api) -> None:
    contact = api.create("contacts", {"lastname": "Map", "address1_latitude": 47.6396})
    row = read(api, f"contacts({contact['contactid']})?$select=address1_latitude")
    assert row["address1_latitude"] == 47.6396
    assert row[f"address1_latitude{FORMATTED}"] == "47.64"
    out = api.post("contacts", json={"lastname": "X", "address1_latitude": 91})
    assert out.status_code == 400
    assert "Accepted range: -90 to 90" in out.json["error"]["message"]
    assert api.post("contacts", json={"lastname": "X", "address1_latitude": True}).json["error"]["message"].endswith(
        "'Edm.Double'.")
    body = read(api, "contacts?$select=lastname&$filter=address1_latitude ge 47.5 and address1_latitude lt 48")
    assert [r["lastname"] for r in body["value"]] == ["Map"]


# --- full names and entity names --------------------------------------------------------------------------------


def test_a_contact_created_with_first_and_last_name_reads_back_with_its_full_name(api: Api) -> None:
    contact = api.create("contacts", {"firstname": "Maria", "lastname": "Lopez"})
    assert contact["fullname"] == "Maria Lopez"
    api.patch(f"contacts({contact['contactid']})", json={"lastname": "Lopez Garcia"})
    assert read(api, f"contacts({contact['contactid']})?$select=fullname")["fullname"] == "Maria Lopez Garcia"


def test_full_name_sent_by_a_client_is_ignored_for_the_computed_one(api: Api) -> None:
    lead = api.create("leads", {"firstname": "Ada", "lastname": "King", "fullname": "Someone Else",
                                "subject": "Interested"})
    assert lead["fullname"] == "Ada King"


@pytest.mark.parametrize(
    ("convention", "expected"),
    [(0, "Lopez, Maria"), (1, "Maria Lopez"), (2, "Lopez, Maria J."), (3, "Maria J. Lopez"),
     (4, "Lopez, Maria Jose"), (5, "Maria Jose Lopez"), (6, "Lopez Maria"), (7, "LopezMaria")],
)
def test_every_full_name_convention(convention: int, expected: str) -> None:
    assert full_name("Maria", "Jose", "Lopez", convention) == expected


def test_a_polymorphic_lookup_names_its_target_table(api: Api) -> None:
    account = api.create("accounts", {"name": "Contoso"})
    contact = api.create("contacts", {"lastname": "Park",
                                      "parentcustomerid_account@odata.bind": f"/accounts({account['accountid']})"})
    row = read(api, f"contacts({contact['contactid']})?$select=parentcustomeridtype,owneridtype")
    assert row["parentcustomeridtype"] == "account"
    assert row["owneridtype"] == "systemuser"
    body = read(api, "contacts?$select=lastname&$filter=parentcustomeridtype eq 'account'")
    assert [r["lastname"] for r in body["value"]] == ["Park"]


# --- types the standard tables do not carry: a table of our own --------------------------------------------------

TYPED_TABLE = """
[table]
logical_name = "new_sample"
entity_set = "new_samples"
display_name = "Sample"
display_plural = "Samples"
ownership = "organization"
primary_id = "new_sampleid"
primary_name = "new_name"

[[columns]]
name = "new_name"
type = "string"

[[columns]]
name = "new_colors"
type = "multiselect"
choices = [{ value = 100000000, label = "Red" }, { value = 100000001, label = "Green" },
           { value = 100000002, label = "Blue" }]

[[columns]]
name = "new_picture"
type = "image"

[[columns]]
name = "new_setting"
type = "managedproperty"
"""


@pytest.fixture
def typed(tmp_path: Path, clock: Clock) -> Api:
    (tmp_path / "new_sample.toml").write_text(TYPED_TABLE)
    return Api(DataverseEmulator(parse_schema(tmp_path), clock=clock))


def test_multi_select_choices_are_written_as_values_and_formatted_as_labels(typed: Api) -> None:
    row = typed.create("new_samples", {"new_name": "a", "new_colors": "100000002,100000000"})
    assert row["new_colors"] == "100000000,100000002"
    got = read(typed, f"new_samples({row['new_sampleid']})?$select=new_colors")
    assert got[f"new_colors{FORMATTED}"] == "Red; Blue"
    bad = typed.post("new_samples", json={"new_name": "b", "new_colors": "7"})
    assert bad.status_code == 400
    assert "The value 7 of 'new_colors'" in bad.json["error"]["message"]
    assert typed.post("new_samples", json={"new_name": "b", "new_colors": [1]}).status_code == 400


def test_multi_select_filters_on_the_set_of_values_and_names_containvalues_as_unsupported(typed: Api) -> None:
    typed.create("new_samples", {"new_name": "a", "new_colors": "100000000,100000002"})
    typed.create("new_samples", {"new_name": "b", "new_colors": "100000001"})
    body = read(typed, "new_samples?$select=new_name&$filter=new_colors eq '100000002,100000000'")
    assert [r["new_name"] for r in body["value"]] == ["a"]
    contain = typed.get("new_samples?$filter=Microsoft.Dynamics.CRM.ContainValues(PropertyName='new_colors',"
                        "PropertyValues=['100000001'])")
    assert contain.status_code == 501
    assert "ContainValues" in contain.json["error"]["message"]


@pytest.mark.parametrize(("column", "value"), [("new_picture", "iVBORw0KGgo="), ("new_setting", {"Value": True})])
def test_a_type_the_emulator_cannot_write_answers_501_naming_it(typed: Api, column: str, value: Any) -> None:
    response = typed.post("new_samples", json={"new_name": "a", column: value})
    assert response.status_code == 501
    kind = "image" if column == "new_picture" else "managedproperty"
    assert f"writing columns of type {kind}" in response.json["error"]["message"]


def test_party_list_columns_are_written_through_the_party_collection_not_the_column(api: Api) -> None:
    response = api.post("smsb_outboxes", json={"subject": "s", "allparties": []})
    assert response.status_code == 501
    assert "partylist" in response.json["error"]["message"]
