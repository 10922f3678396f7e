"""Custom activities: parties written inline, Regarding per target table, the activitypointer view."""

from __future__ import annotations

from devstack.dataverse_emulator import DataverseEmulator

from .conftest import Api


def test_activity_parties_are_created_inline_and_read_back_with_expand(api: Api, emulator: DataverseEmulator) -> None:
    contact = emulator.store.insert("contact", {"fullname": "Ada Lovelace", "mobilephone": "+447700900123"})
    outbox = api.create(
        "smsb_outboxes",
        {
            "subject": "Reminder",
            "smsb_outbox_activity_parties": [
                {"partyid_contact@odata.bind": f"/contacts({contact})", "participationtypemask": 2},
                {"partyid_systemuser@odata.bind": f"/systemusers({emulator.user_id})", "participationtypemask": 1},
            ],
        },
    )
    body = api.get(
        f"smsb_outboxes({outbox['activityid']})",
        query_string={
            "$select": "subject",
            "$expand": "smsb_outbox_activity_parties($select=participationtypemask,_partyid_value)",
        },
        headers={"Prefer": 'odata.include-annotations="*"'},
    ).json
    parties = {p["participationtypemask"]: p for p in body["smsb_outbox_activity_parties"]}
    assert parties[2]["_partyid_value"] == contact
    assert parties[2]["_partyid_value@Microsoft.Dynamics.CRM.lookuplogicalname"] == "contact"
    assert parties[2]["_partyid_value@OData.Community.Display.V1.FormattedValue"] == "Ada Lovelace"
    assert parties[1]["_partyid_value"] == emulator.user_id


def test_an_unresolved_number_is_kept_as_the_address_used(api: Api) -> None:
    outbox = api.create(
        "smsb_outboxes",
        {
            "subject": "To a number",
            "smsb_outbox_activity_parties": [{"addressused": "+16562185892", "participationtypemask": 2}],
        },
    )
    parties = api.get(f"smsb_outboxes({outbox['activityid']})?$expand=smsb_outbox_activity_parties").json[
        "smsb_outbox_activity_parties"
    ]
    assert [(p["addressused"], p["_partyid_value"]) for p in parties] == [("+16562185892", None)]


def test_a_party_with_an_unknown_navigation_property_is_rejected(api: Api, emulator: DataverseEmulator) -> None:
    contact = emulator.store.insert("contact", {"fullname": "Ada"})
    response = api.post(
        "smsb_outboxes",
        json={
            "subject": "x",
            "smsb_outbox_activity_parties": [
                {"partyid_contacts@odata.bind": f"/contacts({contact})", "participationtypemask": 2}
            ],
        },
    )
    assert response.status_code == 400
    assert "partyid_contacts" in response.json["error"]["message"]
    assert emulator.store.rows("smsb_outbox") == []


def test_updating_parties_replaces_them(api: Api, emulator: DataverseEmulator) -> None:
    first = emulator.store.insert("contact", {"fullname": "First"})
    second = emulator.store.insert("contact", {"fullname": "Second"})
    outbox = api.create(
        "smsb_outboxes",
        {
            "subject": "x",
            "smsb_outbox_activity_parties": [
                {"partyid_contact@odata.bind": f"/contacts({first})", "participationtypemask": 2}
            ],
        },
    )
    api.patch(
        f"smsb_outboxes({outbox['activityid']})",
        json={
            "smsb_outbox_activity_parties": [
                {"partyid_contact@odata.bind": f"/contacts({second})", "participationtypemask": 2}
            ]
        },
    )
    parties = [p for p in emulator.store.rows("activityparty")]
    assert [p["partyid"].id for p in parties] == [second]


def test_regarding_binds_through_the_per_target_navigation_property(api: Api, emulator: DataverseEmulator) -> None:
    contact = emulator.store.insert("contact", {"fullname": "Ada"})
    long_form = api.create(
        "smsb_messagesessions",
        {"subject": "chat", "regardingobjectid_contact_smsb_messagesession@odata.bind": f"/contacts({contact})"},
    )
    short_form = api.create(
        "smsb_messagesessions", {"subject": "chat", "regardingobjectid_contact@odata.bind": f"/contacts({contact})"}
    )
    wrong_target = api.post(
        "smsb_messagesessions",
        json={"subject": "chat", "regardingobjectid_account@odata.bind": f"/contacts({contact})"},
    )
    assert long_form["_regardingobjectid_value"] == contact
    assert short_form["_regardingobjectid_value"] == contact
    assert wrong_target.status_code == 400


def test_customer_lookup_binds_per_table(api: Api, emulator: DataverseEmulator) -> None:
    account = emulator.store.insert("account", {"name": "Contoso"})
    session = api.create(
        "smsb_messagesessions", {"subject": "chat", "smsb_customer_account@odata.bind": f"/accounts({account})"}
    )
    body = api.get(
        f"smsb_messagesessions({session['activityid']})?$select=_smsb_customer_value",
        headers={"Prefer": 'odata.include-annotations="Microsoft.Dynamics.CRM.lookuplogicalname"'},
    ).json
    assert body["_smsb_customer_value"] == account
    assert body["_smsb_customer_value@Microsoft.Dynamics.CRM.lookuplogicalname"] == "account"


def test_activities_are_listed_as_activitypointers_with_their_type(api: Api) -> None:
    api.create("smsb_outboxes", {"subject": "send"})
    api.create("smsb_messagesessions", {"subject": "chat"})
    body = api.get("activitypointers?$select=subject,activitytypecode&$orderby=subject").json
    assert [(r["subject"], r["activitytypecode"]) for r in body["value"]] == [
        ("chat", "smsb_messagesession"),
        ("send", "smsb_outbox"),
    ]


def test_activities_start_open(api: Api) -> None:
    session = api.create(
        "smsb_messagesessions",
        {"subject": "chat", "actualstart": "2026-03-01T00:00:00Z", "scheduledend": "2026-03-02T00:00:00Z"},
    )
    assert (session["statecode"], session["statuscode"]) == (0, 1)
    assert session["scheduledend"] == "2026-03-02T00:00:00Z"
