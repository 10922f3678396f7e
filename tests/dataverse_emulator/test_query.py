"""Queries: $filter, $select, $orderby, $top, $count, $expand, alternate keys and paging."""

from __future__ import annotations

from typing import Any

import pytest

from devstack.dataverse_emulator import DataverseEmulator, Ref

from .conftest import Api, ApiResponse, stored


@pytest.fixture
def contacts(emulator: DataverseEmulator) -> dict[str, str]:
    rows = [
        ("Ada", "Lovelace", "+44 20 7946 0958", "2026-01-05T10:00:00Z", 0),
        ("Grace", "Hopper", "656-218-5892", "2026-02-10T08:00:00Z", 0),
        ("Alan", "Turing", None, "2026-02-11T08:00:00Z", 1),
        ("Katherine", "O'Neil", "(656) 218-5893", "2026-03-01T00:00:00Z", 0),
    ]
    ids: dict[str, str] = {}
    for first, last, phone, modified, state in rows:
        ids[first] = emulator.store.insert(
            "contact",
            {
                "firstname": first,
                "lastname": last,
                "fullname": f"{first} {last}",
                "mobilephone": phone,
                "modifiedon": modified,
                "statecode": state,
                "statuscode": 2 if state else 1,
            },
        )
    return ids


def names(response: ApiResponse) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [r["firstname"] for r in response.json["value"]]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("firstname eq 'Ada'", ["Ada"]),
        ("firstname eq 'ada'", ["Ada"]),  # Dataverse compares text case-insensitively
        ("firstname ne 'Ada'", ["Grace", "Alan", "Katherine"]),
        ("statecode eq 1", ["Alan"]),
        ("modifiedon lt 2026-02-10T08:00:00Z", ["Ada"]),
        ("modifiedon le 2026-02-10T08:00:00Z", ["Ada", "Grace"]),
        ("modifiedon gt 2026-02-10T08:00:00Z", ["Alan", "Katherine"]),
        ("modifiedon ge 2026-03-01", ["Katherine"]),
        ("mobilephone eq null", ["Alan"]),
        ("mobilephone ne null and statecode eq 0", ["Ada", "Grace", "Katherine"]),
        ("firstname eq 'Ada' or firstname eq 'Alan'", ["Ada", "Alan"]),
        ("not (firstname eq 'Ada' or statecode eq 1)", ["Grace", "Katherine"]),
        ("(firstname eq 'Ada' or firstname eq 'Grace') and contains(mobilephone,'656')", ["Grace"]),
        ("contains(mobilephone,'218-58')", ["Grace", "Katherine"]),
        ("startswith(fullname,'a')", ["Ada", "Alan"]),
        ("endswith(lastname,'ing')", ["Alan"]),
        ("lastname eq 'O''Neil'", ["Katherine"]),
    ],
)
def test_filter_expressions(api: Api, contacts: dict[str, str], expression: str, expected: list[str]) -> None:
    assert names(api.get("contacts", query_string={"$filter": expression, "$select": "firstname"})) == expected


def test_filter_on_a_guid_and_on_a_lookup_value(
    api: Api, emulator: DataverseEmulator, contacts: dict[str, str]
) -> None:
    team = emulator.store.insert("team", {"name": "T"})
    emulator.store.insert("contact", {"firstname": "Owned", "ownerid": Ref("team", team)})
    by_id = api.get("contacts", query_string={"$filter": f"contactid eq {contacts['Ada']}", "$select": "firstname"})
    by_owner = api.get("contacts", query_string={"$filter": f"_ownerid_value eq {team}", "$select": "firstname"})
    assert names(by_id) == ["Ada"]
    assert names(by_owner) == ["Owned"]


def test_filter_on_numbers(api: Api, configuration: dict[str, Any], emulator: DataverseEmulator) -> None:
    emulator.store.insert("smsb_configuration", {"smsb_name": "Slow", "smsb_sessiontimeout": 60})
    response = api.get(
        "smsb_configurations", query_string={"$filter": "smsb_sessiontimeout gt 100", "$select": "smsb_name"}
    )
    assert [r["smsb_name"] for r in response.json["value"]] == ["Main"]


def test_comparing_a_guid_column_with_a_string_is_an_error_not_an_empty_result(
    api: Api, contacts: dict[str, str]
) -> None:
    response = api.get("contacts", query_string={"$filter": f"contactid eq '{contacts['Ada']}'"})
    assert response.status_code == 400
    assert "incompatible types" in response.json["error"]["message"]


def test_filter_on_an_unknown_property_names_it(api: Api, contacts: dict[str, str]) -> None:
    response = api.get("contacts", query_string={"$filter": "notacolumn eq 'x'"})
    assert response.status_code == 400
    assert "Could not find a property named 'notacolumn'" in response.json["error"]["message"]


def test_filter_on_a_lookup_by_its_column_name_points_to_the_value_property(api: Api) -> None:
    response = api.get("smsb_recordtypes", query_string={"$filter": "smsb_configuration eq null"})
    assert response.status_code == 400
    assert "_smsb_configuration_value" in response.json["error"]["message"]


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        (
            {"$filter": "Microsoft.Dynamics.CRM.Above(PropertyName='contactid',PropertyValue='x')"},
            "Microsoft.Dynamics.CRM.Above",
        ),
        ({"$filter": "firstname in ('a','b')"}, "'in'"),
        ({"$apply": "groupby((firstname))"}, "$apply"),
        ({"sql": "SELECT firstname FROM contact"}, "'sql'"),
        ({"savedQuery": "00000000-0000-0000-0000-000000000000"}, "savedQuery"),
        ({"$filter": "firstname eq @p1", "@p1": "'a'"}, "parameter aliases"),
        ({"fetchXml": "<fetch aggregate='true'><entity name='contact'/></fetch>"}, "aggregation"),
        ({"$filter": "parentcustomerid_account/name eq 'x'"}, "navigation paths"),
    ],
)
def test_unsupported_odata_features_answer_501_naming_the_feature(
    api: Api, query: dict[str, str], fragment: str
) -> None:
    response = api.get("contacts", query_string=query)
    assert response.status_code == 501
    assert fragment in response.json["error"]["message"]
    assert "emulator does not support" in response.json["error"]["message"]


def test_skip_is_refused_as_dataverse_does(api: Api) -> None:
    response = api.get("contacts?$skip=1")
    assert response.status_code == 400
    assert "$skip" in response.json["error"]["message"]


def test_select_returns_only_the_named_columns_plus_the_id_and_etag(api: Api, contacts: dict[str, str]) -> None:
    row = api.get(
        "contacts", query_string={"$select": "firstname,_ownerid_value", "$filter": "firstname eq 'Ada'"}
    ).json["value"][0]
    assert set(row) == {"@odata.etag", "firstname", "_ownerid_value", "contactid"}


def test_select_of_an_unknown_column_is_rejected(api: Api) -> None:
    assert api.get("contacts?$select=notacolumn").status_code == 400


def test_orderby_several_columns_and_directions(api: Api, contacts: dict[str, str]) -> None:
    response = api.get("contacts", query_string={"$select": "firstname", "$orderby": "statecode desc,lastname asc"})
    assert names(response) == ["Alan", "Grace", "Ada", "Katherine"]


def test_orderby_with_nulls_first_ascending(api: Api, contacts: dict[str, str]) -> None:
    assert names(api.get("contacts", query_string={"$select": "firstname", "$orderby": "mobilephone"}))[0] == "Alan"


def test_top_and_count(api: Api, contacts: dict[str, str]) -> None:
    body = api.get(
        "contacts", query_string={"$select": "firstname", "$orderby": "firstname", "$top": "2", "$count": "true"}
    ).json
    assert [r["firstname"] for r in body["value"]] == ["Ada", "Alan"]
    assert body["@odata.count"] == 4


def test_paging_follows_next_links_until_every_row_is_seen(api: Api, emulator: DataverseEmulator) -> None:
    for n in range(7):
        emulator.store.insert("smsb_errorlog", {"smsb_name": f"e{n}"})
    prefer = {"Prefer": "odata.maxpagesize=3"}
    response = api.get("smsb_errorlogs?$select=smsb_name&$orderby=smsb_name", headers=prefer)
    assert response.headers["Preference-Applied"] == "odata.maxpagesize=3"
    seen, pages = [], 0
    while True:
        body = response.json
        seen += [r["smsb_name"] for r in body["value"]]
        pages += 1
        if "@odata.nextLink" not in body:
            break
        assert "$skiptoken=" in body["@odata.nextLink"]
        response = api.get(body["@odata.nextLink"].replace("http://localhost", ""), headers=prefer)
    assert seen == [f"e{n}" for n in range(7)]
    assert pages == 3


def test_a_tampered_skiptoken_is_rejected(api: Api) -> None:
    assert api.get("contacts?$skiptoken=garbage").status_code == 400


def test_expand_a_single_valued_navigation_with_select(api: Api, configuration: dict[str, Any]) -> None:
    rt = api.create(
        "smsb_recordtypes",
        {
            "smsb_name": "c",
            "smsb_configuration@odata.bind": f"/smsb_configurations({configuration['smsb_configurationid']})",
        },
    )
    body = api.get(
        f"smsb_recordtypes({rt['smsb_recordtypeid']})",
        query_string={"$select": "smsb_name", "$expand": "smsb_configuration($select=smsb_mobilenumber)"},
    ).json
    assert body["smsb_configuration"]["smsb_mobilenumber"] == "+15005550006"
    assert body["smsb_configuration"]["smsb_configurationid"] == configuration["smsb_configurationid"]
    assert "smsb_name" not in body["smsb_configuration"]


def test_expand_a_collection_navigation(api: Api, configuration: dict[str, Any]) -> None:
    for entity in ("contact", "account"):
        api.create(
            "smsb_recordtypes",
            {
                "smsb_name": entity,
                "smsb_entitylogicalname": entity,
                "smsb_configuration@odata.bind": f"/smsb_configurations({configuration['smsb_configurationid']})",
            },
        )
    body = api.get(
        f"smsb_configurations({configuration['smsb_configurationid']})",
        query_string={
            "$select": "smsb_name",
            "$expand": "smsb_configuration_smsb_recordtype($select=smsb_name;$orderby=smsb_name)",
        },
    ).json
    assert [r["smsb_name"] for r in body["smsb_configuration_smsb_recordtype"]] == ["account", "contact"]


def test_expand_of_an_unknown_navigation_is_rejected(api: Api, configuration: dict[str, Any]) -> None:
    response = api.get(f"smsb_configurations({configuration['smsb_configurationid']})?$expand=smsb_recordtypes")
    assert response.status_code == 400


def test_alternate_key_addressing_reads_and_upserts(api: Api, configuration: dict[str, Any]) -> None:
    cfg = configuration["smsb_configurationid"]
    key = f"smsb_recordtypes(smsb_configuration={cfg},smsb_entitylogicalname='contact')"
    created = api.patch(key, json={"smsb_name": "Contacts", "smsb_phonefield": "mobilephone"})
    assert created.status_code == 204
    updated = api.patch(key, json={"smsb_phonefield": "telephone1"}, headers={"If-Match": "*"})
    assert updated.status_code == 204
    row = api.get(key + "?$select=smsb_name,smsb_phonefield,_smsb_configuration_value,smsb_entitylogicalname").json
    assert row["smsb_phonefield"] == "telephone1"
    assert row["_smsb_configuration_value"] == cfg
    assert row["smsb_entitylogicalname"] == "contact"
    assert len(api.emulator.store.rows("smsb_recordtype")) == 1


def test_message_sid_key_finds_the_message(api: Api) -> None:
    api.create(
        "smsb_messages", {"smsb_name": "in", "smsb_direction": 1, "smsb_sid": "SM0123456789abcdef0123456789abcdef"}
    )
    row = api.get("smsb_messages(smsb_sid='SM0123456789abcdef0123456789abcdef')?$select=smsb_name").json
    assert row["smsb_name"] == "in"
    assert api.get("smsb_messages(smsb_sid='SMnope')").status_code == 404


def test_a_second_row_with_the_same_key_values_is_refused(api: Api) -> None:
    api.create("smsb_messages", {"smsb_direction": 1, "smsb_sid": "SM1"})
    response = api.post("smsb_messages", json={"smsb_direction": 1, "smsb_sid": "SM1"})
    assert response.status_code == 412
    assert "smsb_message_sid" in response.json["error"]["message"]


def test_a_key_that_is_not_an_alternate_key_is_rejected(api: Api) -> None:
    response = api.get("smsb_messages(smsb_name='x')")
    assert response.status_code == 400
    assert "not an alternate key" in response.json["error"]["message"]


def test_an_alternate_key_upsert_answers_with_the_key_form_of_the_url(api: Api, configuration: dict[str, Any]) -> None:
    # "the OData-EntityId response header uses the key values rather than the GUID" (Upsert docs)
    response = api.patch("smsb_messages(smsb_sid='SM42')", json={"smsb_direction": 1})
    assert response.status_code == 204
    assert response.headers["OData-EntityId"] == "http://localhost/api/data/v9.2/smsb_messages(smsb_sid='SM42')"
    created = api.patch(
        "smsb_messages(smsb_sid='SM43')?$select=smsb_messageid",
        json={"smsb_direction": 1},
        headers={"Prefer": "return=representation"},
    )
    assert created.status_code == 201
    assert stored(api.emulator, "smsb_message", created.json["smsb_messageid"])["smsb_sid"] == "SM43"


def test_count_segment_answers_the_number_as_text(api: Api, contacts: dict[str, str]) -> None:
    assert api.get("contacts/$count").get_data() == b"4"
    assert api.get("contacts/$count", query_string={"$filter": "statecode eq 1"}).get_data() == b"1"


def test_top_is_ignored_when_a_page_size_is_preferred(api: Api, emulator: DataverseEmulator) -> None:
    for n in range(5):
        emulator.store.insert("smsb_errorlog", {"smsb_name": f"e{n}"})
    body = api.get("smsb_errorlogs?$select=smsb_name&$top=1", headers={"Prefer": "odata.maxpagesize=2"}).json
    assert len(body["value"]) == 2
    assert "@odata.nextLink" in body
