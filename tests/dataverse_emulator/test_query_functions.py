"""Dataverse's query functions in ``$filter`` (``Microsoft.Dynamics.CRM.In``, date and user functions) and FetchXML
over raw HTTP, judged at the emulator's clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest

from devstack.dataverse_emulator import DataverseEmulator, Ref

from .conftest import Api, Clock


@pytest.fixture
def dated(emulator: DataverseEmulator, clock: Clock) -> dict[str, str]:
    """Contacts created at known moments relative to the clock (2026-03-01 09:30 UTC)."""
    moments = {"now": timedelta(0), "earlier today": timedelta(hours=9), "yesterday": timedelta(days=1),
               "last week": timedelta(days=6), "last month": timedelta(days=35)}
    ids = {}
    for name, ago in moments.items():
        ids[name] = emulator.store.insert("contact", {"lastname": name, "createdon": clock.now - ago})
    ids["mine"] = emulator.store.insert("contact", {"lastname": "mine", "createdon": clock.now - timedelta(days=400),
                                                    "ownerid": Ref("systemuser", emulator.user_id)})
    return ids


def _names(api: Api, filter_text: str) -> list[str]:
    response = api.get("contacts", query_string={"$filter": filter_text, "$select": "lastname"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return sorted(r["lastname"] for r in response.json["value"])


@pytest.mark.usefixtures("dated")
@pytest.mark.parametrize(("function", "expected"), [
    ("Today(PropertyName='createdon')", ["earlier today", "now"]),
    ("Yesterday(PropertyName='createdon')", ["yesterday"]),
    ("LastXDays(PropertyName='createdon',PropertyValue=7)", ["earlier today", "last week", "now", "yesterday"]),
    ("LastXHours(PropertyName='createdon',PropertyValue=10)", ["earlier today", "now"]),
    ("OlderThanXDays(PropertyName='createdon',PropertyValue=30)", ["last month", "mine"]),
    ("On(PropertyName='createdon',PropertyValue='2026-02-28')", ["yesterday"]),
    ("OnOrAfter(PropertyName='createdon',PropertyValue='2026-02-28')", ["earlier today", "now", "yesterday"]),
    ("Between(PropertyName='createdon',PropertyValues=['2026-02-20','2026-02-28T12:00:00Z'])",
     ["last week", "yesterday"]),
    ("In(PropertyName='lastname',PropertyValues=[\"now\",\"mine\"])", ["mine", "now"]),
    ("NotIn(PropertyName='lastname',PropertyValues=['now','mine','last month'])",
     ["earlier today", "last week", "yesterday"]),
    ("EqualUserId(PropertyName='ownerid')", ["mine"]),
])
def test_query_functions(api: Api, function: str, expected: list[str]) -> None:
    assert _names(api, f"Microsoft.Dynamics.CRM.{function}") == expected


@pytest.mark.usefixtures("dated")
def test_query_functions_compose_with_not_and_groups(api: Api) -> None:
    text = ("not Microsoft.Dynamics.CRM.Today(PropertyName='createdon') and "
            "(startswith(lastname,'l') or Microsoft.Dynamics.CRM.In(PropertyName='lastname',PropertyValues=['mine']))")
    assert _names(api, text) == ["last month", "last week", "mine"]


def test_in_on_a_lookup_compares_ids(api: Api, emulator: DataverseEmulator) -> None:
    account = emulator.store.insert("account", {"name": "Contoso"})
    emulator.store.insert("contact", {"lastname": "Linked", "parentcustomerid": Ref("account", account)})
    emulator.store.insert("contact", {"lastname": "Alone"})

    assert _names(api, f"Microsoft.Dynamics.CRM.In(PropertyName='parentcustomerid',PropertyValues=['{account}'])") \
        == ["Linked"]
    assert _names(api, f"Microsoft.Dynamics.CRM.In(PropertyName='_parentcustomerid_value',"
                       f"PropertyValues=['{account.upper()}'])") == ["Linked"]


@pytest.mark.parametrize(("text", "status", "fragment"), [
    ("Microsoft.Dynamics.CRM.LastXDays(PropertyName='lastname',PropertyValue=3)", 400, "date columns"),
    ("Microsoft.Dynamics.CRM.In(PropertyName='nosuchcolumn',PropertyValues=['a'])", 400, "nosuchcolumn"),
    ("Microsoft.Dynamics.CRM.In(PropertyName='statecode',PropertyValues=['open'])", 400, "'open'"),
    ("Microsoft.Dynamics.CRM.In(PropertyName='lastname')", 400, "at least one value"),
    ("Microsoft.Dynamics.CRM.ContainValues(PropertyName='lastname',PropertyValues=['1'])", 501,
     "Microsoft.Dynamics.CRM.ContainValues"),
    ("Microsoft.Dynamics.CRM.In(PropertyName=@p1,PropertyValues=['a'])", 501, "parameter aliases"),
    ("tolower(lastname) eq 'a'", 501, "'tolower'"),
])
def test_bad_or_unknown_functions_are_named(api: Api, text: str, status: int, fragment: str) -> None:
    response = api.get("contacts", query_string={"$filter": text})

    assert response.status_code == status
    assert fragment in response.json["error"]["message"]


def _fetch(api: Api, xml: str, prefer: str | None = None) -> Any:
    headers = {"Prefer": prefer} if prefer else {}
    return api.get(f"contacts?fetchXml={quote(xml)}", headers=headers)


@pytest.mark.usefixtures("dated")
def test_fetchxml_counts_and_says_whether_more_records_follow(api: Api) -> None:
    response = _fetch(api, "<fetch count='2' returntotalrecordcount='true'><entity name='contact'>"
                           "<attribute name='lastname'/><order attribute='lastname'/></entity></fetch>",
                      'odata.include-annotations="*"')

    body = response.json
    assert response.status_code == 200
    assert [r["lastname"] for r in body["value"]] == ["earlier today", "last month"]
    assert body["@Microsoft.Dynamics.CRM.totalrecordcount"] == 6
    assert body["@Microsoft.Dynamics.CRM.morerecords"] is True
    assert body["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"].startswith('<cookie pagenumber="2" pagingcookie="')


@pytest.mark.parametrize(("xml", "status", "fragment"), [
    ("<fetch><entity name='account'/></fetch>", 400, "does not match"),
    ("<fetch top='5' count='2'><entity name='contact'/></fetch>", 400, "'top'"),
    ("<fetch><entity name='contact'><attribute name='nosuch'/></entity></fetch>", 400, "nosuch"),
    ("<fetch><entity name='contact'><attribute name='lastname' groupby='true'/></entity></fetch>", 501,
     "'groupby'"),
    ("<fetch><entity name='contact'><link-entity name='account' from='accountid' to='parentcustomerid'"
     " link-type='exists'/></entity></fetch>", 501, "'exists'"),
    ("<fetch><entity name='contact'><filter><condition attribute='lastname' operator='under' value='x'/>"
     "</filter></entity></fetch>", 501, "'under'"),
    ("<fetch latematerialize='true'><entity name='contact'/></fetch>", 501, "'latematerialize'"),
    ("<fetch><entity name='contact'>", 400, "not well-formed"),
])
def test_fetchxml_errors_name_what_is_wrong(api: Api, xml: str, status: int, fragment: str) -> None:
    response = _fetch(api, xml)

    assert response.status_code == status
    assert fragment in response.json["error"]["message"]
