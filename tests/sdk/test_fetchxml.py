"""``client.query.fetchxml`` against the emulator: columns, filters with the common operators, order, joins, and
paging with Dataverse's paging cookie; each checked against the emulator's rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PowerPlatform.Dataverse.client import DataverseClient
from PowerPlatform.Dataverse.core.errors import HttpError

from devstack.dataverse_emulator import DataverseEmulator, Ref

NOW = datetime.now(UTC)


@pytest.fixture
def crm(emulator: DataverseEmulator) -> dict[str, str]:
    ids = {"contoso": emulator.store.insert("account", {"name": "Contoso", "telephone1": "555-0100"}),
           "fabrikam": emulator.store.insert("account", {"name": "Fabrikam"})}
    people = [("Maria", "Lopez", "contoso", 0, 1), ("Mario", "Rossi", "contoso", 0, 20),
              ("Anna", "Lopez", "fabrikam", 1, 2), ("Olga", "Ivanova", None, 0, 3)]
    for first, last, account, state, days in people:
        ids[first] = emulator.store.insert("contact", {
            "firstname": first, "lastname": last, "fullname": f"{first} {last}", "statecode": state,
            "statuscode": 1 if state == 0 else 2, "createdon": NOW - timedelta(days=days),
            "parentcustomerid": Ref("account", ids[account]) if account else None})
    return ids


def test_attributes_filter_and_order(client: DataverseClient, crm: dict[str, str]) -> None:
    rows = client.query.fetchxml("""
        <fetch>
          <entity name="contact">
            <attribute name="firstname" />
            <attribute name="lastname" />
            <filter type="and">
              <condition attribute="statecode" operator="eq" value="0" />
              <filter type="or">
                <condition attribute="lastname" operator="like" value="lo%" />
                <condition attribute="firstname" operator="in"><value>Olga</value><value>Nobody</value></condition>
              </filter>
            </filter>
            <order attribute="firstname" descending="true" />
          </entity>
        </fetch>""").execute()

    assert [r["firstname"] for r in rows] == ["Olga", "Maria"]
    assert set(rows[0].keys()) >= {"contactid", "firstname", "lastname"}


@pytest.mark.parametrize(("condition", "expected"), [
    ('<condition attribute="createdon" operator="last-x-days" value="5" />', ["Anna", "Maria", "Olga"]),
    ('<condition attribute="createdon" operator="olderthan-x-days" value="10" />', ["Mario"]),
    ('<condition attribute="parentcustomerid" operator="null" />', ["Olga"]),
    ('<condition attribute="firstname" operator="begins-with" value="mar" />', ["Maria", "Mario"]),
    ('<condition attribute="firstname" operator="not-like" value="%a" />', ["Mario"]),
    ('<condition attribute="statecode" operator="ne" value="0" />', ["Anna"]),
    ('<condition attribute="firstname" operator="between"><value>B</value><value>N</value></condition>',
     ["Maria", "Mario"]),
])
def test_condition_operators(client: DataverseClient, crm: dict[str, str], condition: str,
                             expected: list[str]) -> None:
    rows = client.query.fetchxml(f"""
        <fetch><entity name="contact"><attribute name="firstname" />
          <filter>{condition}</filter><order attribute="firstname" />
        </entity></fetch>""").execute()

    assert [r["firstname"] for r in rows] == expected


def test_link_entity_joins_and_returns_aliased_columns(client: DataverseClient, crm: dict[str, str]) -> None:
    rows = client.query.fetchxml("""
        <fetch>
          <entity name="account">
            <attribute name="name" />
            <link-entity name="contact" from="parentcustomerid" to="accountid" alias="c" link-type="inner">
              <attribute name="fullname" />
              <filter><condition attribute="statecode" operator="eq" value="0" /></filter>
              <order attribute="fullname" />
            </link-entity>
          </entity>
        </fetch>""").execute()

    assert [(r["name"], r["c.fullname"]) for r in rows] == [("Contoso", "Maria Lopez"), ("Contoso", "Mario Rossi")]


def test_outer_join_keeps_rows_without_a_match(client: DataverseClient, crm: dict[str, str]) -> None:
    rows = client.query.fetchxml("""
        <fetch>
          <entity name="contact">
            <attribute name="firstname" />
            <order attribute="firstname" />
            <link-entity name="account" from="accountid" to="parentcustomerid" alias="a" link-type="outer">
              <attribute name="name" />
            </link-entity>
            <filter><condition entityname="a" attribute="name" operator="ne" value="Fabrikam" /></filter>
          </entity>
        </fetch>""").execute()

    assert [(r["firstname"], r["a.name"]) for r in rows] == [("Maria", "Contoso"), ("Mario", "Contoso")]


def test_all_attributes_and_top(client: DataverseClient, emulator: DataverseEmulator, crm: dict[str, str]) -> None:
    rows = client.query.fetchxml("""
        <fetch top="1"><entity name="account"><all-attributes /><order attribute="name" /></entity></fetch>
    """).execute()

    assert len(rows) == 1
    assert rows[0]["name"] == "Contoso"
    assert rows[0]["telephone1"] == "555-0100"
    assert rows[0]["accountid"] == crm["contoso"]


def test_paging_follows_the_paging_cookie(
    client: DataverseClient, emulator: DataverseEmulator, crm: dict[str, str]
) -> None:
    for n in range(5):
        emulator.store.insert("account", {"name": f"Paged {n}"})

    pages = list(client.query.fetchxml("""
        <fetch count="2"><entity name="account"><attribute name="name" /><order attribute="name" />
          <filter><condition attribute="name" operator="like" value="Paged%" /></filter>
        </entity></fetch>""").execute_pages())

    assert [[r["name"] for r in page] for page in pages] == [["Paged 0", "Paged 1"], ["Paged 2", "Paged 3"],
                                                           ["Paged 4"]]
    queries = [r.query for r in emulator.requests.records if r.path.endswith("/accounts")]
    assert len(queries) == 3
    assert all("paging-cookie" in q for q in queries[1:])


def test_aggregation_is_refused_by_name(client: DataverseClient, crm: dict[str, str]) -> None:
    with pytest.raises(HttpError) as refused:
        client.query.fetchxml("""
            <fetch aggregate="true"><entity name="contact">
              <attribute name="contactid" alias="n" aggregate="count" />
            </entity></fetch>""").execute()

    assert refused.value.status_code == 501
    assert "aggregation" in str(refused.value)
