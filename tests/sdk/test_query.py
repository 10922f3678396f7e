"""The SDK's query builder against the emulator: every operator of ``col()``, composition, ordering, paging, counts,
annotations and expand, each checked against the rows the emulator holds."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PowerPlatform.Dataverse.client import DataverseClient
from PowerPlatform.Dataverse.core.errors import HttpError
from PowerPlatform.Dataverse.models import col, raw
from PowerPlatform.Dataverse.models.filters import FilterExpression
from PowerPlatform.Dataverse.models.query_builder import ExpandOption

from devstack.dataverse_emulator import DataverseEmulator, Ref

NOW = datetime.now(UTC)
PEOPLE = [
    # first, last, phone, statecode, days ago created, do not phone
    ("Maria", "Lopez", "+15550100", 0, 0, False),
    ("Mario", "Rossi", "+15550101", 0, 3, True),
    ("Anna", "Lopez", None, 1, 10, False),
    ("Olga", "O'Brien", "+15550103", 0, 40, False),
    ("Zoe", "Adams", "+44 7700 900123", 1, 2, True),
]


@pytest.fixture
def people(emulator: DataverseEmulator) -> dict[str, str]:
    account = emulator.store.insert("account", {"name": "Contoso"})
    ids = {}
    for first, last, phone, state, days, no_phone in PEOPLE:
        ids[first] = emulator.store.insert("contact", {
            "firstname": first, "lastname": last, "fullname": f"{first} {last}", "mobilephone": phone,
            "statecode": state, "statuscode": 1 if state == 0 else 2, "donotphone": no_phone,
            "createdon": NOW - timedelta(days=days, minutes=1),
            "parentcustomerid": Ref("account", account) if last == "Lopez" else None,
        })
    ids["account"] = account
    return ids


def _names(rows: Any) -> list[str]:
    return sorted(r["firstname"] for r in rows)


def _expected(emulator: DataverseEmulator, test: Callable[[dict[str, Any]], bool]) -> list[str]:
    return sorted(r["firstname"] for r in emulator.store.rows("contact") if test(r))


def _casefold(value: Any) -> str:
    return str(value or "").casefold()


OPERATORS: list[tuple[str, FilterExpression, Callable[[dict[str, Any]], bool]]] = [
    ("eq", col("lastname") == "lopez", lambda r: _casefold(r["lastname"]) == "lopez"),
    ("ne", col("lastname") != "Lopez", lambda r: r["lastname"] != "Lopez"),
    ("gt", col("statecode") > 0, lambda r: r["statecode"] > 0),
    ("ge", col("statecode") >= 0, lambda r: r["statecode"] >= 0),
    ("lt", col("statecode") < 1, lambda r: r["statecode"] < 1),
    ("le", col("statecode") <= 0, lambda r: r["statecode"] <= 0),
    ("is_null", col("mobilephone").is_null(), lambda r: r["mobilephone"] is None),
    ("is_not_null", col("mobilephone").is_not_null(), lambda r: r["mobilephone"] is not None),
    ("in_", col("firstname").in_(["Maria", "Zoe", "Nobody"]), lambda r: r["firstname"] in ("Maria", "Zoe")),
    ("in_ on numbers", col("statecode").in_([1]), lambda r: r["statecode"] == 1),
    ("not_in", col("firstname").not_in(["Maria", "Zoe"]), lambda r: r["firstname"] not in ("Maria", "Zoe")),
    ("between", col("createdon").between(NOW - timedelta(days=5), NOW),
     lambda r: NOW - timedelta(days=5) <= r["createdon"] <= NOW),
    ("not_between", col("createdon").not_between(NOW - timedelta(days=5), NOW),
     lambda r: not NOW - timedelta(days=5) <= r["createdon"] <= NOW),
    ("contains", col("fullname").contains("ari"), lambda r: "ari" in _casefold(r["fullname"])),
    ("startswith", col("lastname").startswith("lo"), lambda r: _casefold(r["lastname"]).startswith("lo")),
    ("endswith", col("mobilephone").endswith("0123"), lambda r: _casefold(r["mobilephone"]).endswith("0123")),
    ("like prefix", col("firstname").like("Mar%"), lambda r: r["firstname"].startswith("Mar")),
    ("like suffix", col("firstname").like("%a"), lambda r: r["firstname"].endswith("a")),
    ("like inside", col("firstname").like("%ri%"), lambda r: "ri" in r["firstname"]),
    ("like exact", col("firstname").like("Anna"), lambda r: r["firstname"] == "Anna"),
    ("not_like", col("firstname").not_like("Mar%"), lambda r: not r["firstname"].startswith("Mar")),
    ("quote in a value", col("lastname") == "O'Brien", lambda r: r["lastname"] == "O'Brien"),
    ("boolean", col("donotphone") == True, lambda r: r["donotphone"] is True),  # noqa: E712 - builds OData
    ("date", col("createdon") < NOW - timedelta(days=7), lambda r: r["createdon"] < NOW - timedelta(days=7)),
    ("negation", ~(col("statecode") == 0), lambda r: r["statecode"] != 0),
    ("or", (col("firstname") == "Zoe") | (col("lastname") == "Rossi"),
     lambda r: r["firstname"] == "Zoe" or r["lastname"] == "Rossi"),
    ("nested groups", ((col("lastname") == "Lopez") | (col("lastname") == "Adams")) & ~(col("statecode") == 1),
     lambda r: r["lastname"] in ("Lopez", "Adams") and r["statecode"] != 1),
    ("raw query function", raw("Microsoft.Dynamics.CRM.LastXDays(PropertyName='createdon',PropertyValue=7)"),
     lambda r: r["createdon"] >= (NOW - timedelta(days=7)).replace(hour=0, minute=0, second=0, microsecond=0)),
    ("raw between", raw("Microsoft.Dynamics.CRM.Between(PropertyName='statecode',PropertyValues=[\"1\",\"1\"])"),
     lambda r: r["statecode"] == 1),
]


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(("name", "expression", "test"), OPERATORS, ids=[o[0] for o in OPERATORS])
def test_every_operator_of_the_query_builder_selects_the_rows_dataverse_would(
    client: DataverseClient, emulator: DataverseEmulator, name: str, expression: FilterExpression,
    test: Callable[[dict[str, Any]], bool],
) -> None:
    rows = client.query.builder("contact").select("firstname").where(expression).execute()

    assert _names(rows) == _expected(emulator, test), name


def test_where_clauses_are_and_joined_and_lookups_compare_by_id(
    client: DataverseClient, emulator: DataverseEmulator, people: dict[str, str]
) -> None:
    # a GUID compares as a GUID literal: the SDK writes a uuid.UUID unquoted (a str would be Edm.String, which
    # Dataverse refuses for a lookup)
    rows = (client.query.builder("contact").select("firstname")
            .where(col("_parentcustomerid_value") == uuid.UUID(people["account"]))
            .where(col("statecode") == 0)
            .execute())

    assert _names(rows) == ["Maria"]
    query = next(r.query for r in emulator.requests.records if r.path.endswith("/contacts"))
    assert "_parentcustomerid_value" in query


def test_order_by_several_columns_and_top(client: DataverseClient, people: dict[str, str]) -> None:
    rows = (client.query.builder("contact").select("firstname", "lastname")
            .order_by("lastname").order_by("firstname", descending=True).top(4).execute())

    assert [(r["lastname"], r["firstname"]) for r in rows] == [
        ("Adams", "Zoe"), ("Lopez", "Maria"), ("Lopez", "Anna"), ("O'Brien", "Olga")]


def test_pages_follow_the_next_link_untouched(
    client: DataverseClient, emulator: DataverseEmulator, people: dict[str, str]
) -> None:
    pages = list(client.query.builder("contact").select("firstname").order_by("firstname").page_size(2)
                 .execute_pages())

    assert [len(page) for page in pages] == [2, 2, 1]
    assert [r["firstname"] for page in pages for r in page] == sorted(p[0] for p in PEOPLE)
    follow_ups = [r for r in emulator.requests.records if "$skiptoken" in r.query]
    assert len(follow_ups) == 2
    assert all(r.headers.get("Prefer", "").startswith("odata.maxpagesize=2") for r in follow_ups)


def test_records_list_pages_and_count(client: DataverseClient, people: dict[str, str]) -> None:
    pages = list(client.records.list_pages("contact", select=["firstname"], filter="statecode eq 0", page_size=2))
    counted = client.query.builder("contact").select("firstname").where(col("statecode") == 0).count().execute()

    assert [len(p) for p in pages] == [2, 1]
    assert len(counted) == 3


def test_count_true_returns_the_total_as_dataverse_does(
    client: DataverseClient, server: Any, credential: Any, people: dict[str, str]
) -> None:
    import requests

    token = credential.get_token(f"{server.url}/.default").token
    body = requests.get(f"{server.api_url}contacts", params={"$count": "true", "$select": "firstname", "$top": "1"},
                        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}, timeout=30).json()
    counted = requests.get(f"{server.api_url}contacts/$count", params={"$filter": "statecode eq 1"},
                           headers={"Authorization": f"Bearer {token}"}, timeout=30)

    assert body["@odata.count"] == len(PEOPLE)
    assert len(body["value"]) == 1
    assert counted.text == "2"


def test_formatted_values_and_lookup_annotations(
    client: DataverseClient, emulator: DataverseEmulator, people: dict[str, str]
) -> None:
    formatted = (client.query.builder("contact").select("firstname", "statecode")
                 .where(col("firstname") == "Anna").include_formatted_values().execute())
    annotated = (client.query.builder("contact").select("firstname", "_parentcustomerid_value")
                 .where(col("firstname") == "Maria").include_annotations("*").execute())

    assert formatted[0]["statecode@OData.Community.Display.V1.FormattedValue"] == "Inactive"
    maria = annotated[0]
    assert maria["_parentcustomerid_value"] == people["account"]
    assert maria["_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"] == "account"
    assert maria["_parentcustomerid_value@OData.Community.Display.V1.FormattedValue"] == "Contoso"
    assert (maria["_parentcustomerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty"]
            == "parentcustomerid_account")


def test_expand_single_valued_and_collection_navigation(
    client: DataverseClient, emulator: DataverseEmulator, people: dict[str, str]
) -> None:
    contact = (client.query.builder("contact").select("firstname")
               .where(col("firstname") == "Maria").expand("parentcustomerid_account").execute())
    account = (client.query.builder("account").select("name").where(col("name") == "Contoso")
               .expand(ExpandOption("contact_customer_accounts").select("firstname")
                       .filter("statecode eq 0").order_by("firstname", descending=True).top(5))
               .execute())

    assert contact[0]["parentcustomerid_account"]["name"] == "Contoso"
    children = account[0]["contact_customer_accounts"]
    assert [c["firstname"] for c in children] == ["Maria"]
    assert {c["contactid"] for c in children} == {people["Maria"]}


def test_retrieve_with_select_expand_and_annotations(
    client: DataverseClient, people: dict[str, str]
) -> None:
    record = client.records.retrieve("contact", people["Anna"], select=["firstname", "statecode"],
                                     expand=["parentcustomerid_account"],
                                     include_annotations="OData.Community.Display.V1.FormattedValue")

    assert record is not None
    assert record["statecode@OData.Community.Display.V1.FormattedValue"] == "Inactive"
    assert record["parentcustomerid_account"]["name"] == "Contoso"
    assert client.records.retrieve("contact", "00000000-0000-0000-0000-000000000001") is None


def test_sql_queries_are_refused_by_name_not_answered_with_every_row(
    client: DataverseClient, emulator: DataverseEmulator, people: dict[str, str]
) -> None:
    with pytest.raises(HttpError) as refused:
        client.query.sql("SELECT firstname FROM contact WHERE lastname = 'Lopez'")

    assert refused.value.status_code == 501
    assert "'sql'" in str(refused.value)
    assert emulator.requests.count("GET", "/api/data/v9.2/contacts", 501) == 1


def test_a_query_function_the_emulator_lacks_is_refused_by_name(
    client: DataverseClient, people: dict[str, str]
) -> None:
    with pytest.raises(HttpError) as refused:
        client.query.builder("contact").select("firstname").where(
            raw("Microsoft.Dynamics.CRM.UnderOrEqual(PropertyName='contactid',PropertyValue='x')")).execute()

    assert refused.value.status_code == 501
    assert "Microsoft.Dynamics.CRM.UnderOrEqual" in str(refused.value)
