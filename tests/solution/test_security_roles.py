"""The product's security roles (solution/app/security.toml) as the Dataverse emulator enforces them for the acting
user (MSCRMCallerID): two teams, each with its own Configuration, see their own chats and no other team's; taking a
chat keeps it in its team's sight; a user turns a texting customer into a lead, an opportunity, a case or an order
and links it to the chat; and the function app, holding only its Integration role, still files and sends texts.

Dataverse's rules these rest on (https://learn.microsoft.com/power-platform/admin/security-roles-privileges): Basic
("User") access reaches the rows the user owns and the rows owned by a team the user belongs to; Append on the row
that gets a lookup and AppendTo on the row it points at.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from werkzeug.test import Client, TestResponse

from devstack.config import QueueSettings
from devstack.dataverse_emulator import DataverseEmulator, Ref
from devstack.dataverse_emulator.access import ACCESS_DENIED, PRIVILEGE_DENIED, SecurityMode
from devstack.sandbox import Sandbox, SandboxOptions

API = "/api/data/v9.2/"


class Response(TestResponse):
    @property
    def json(self) -> Any:
        return self.get_json(silent=True)


class Org:
    """The devstack's demo team (SMS Bridge - SMS: Alex, Priya, Sam) and a second team (Support - SMS: Tara), each
    with a Configuration and a chat its Configuration's team owns, as the function app files one."""

    def __init__(self, emulator: DataverseEmulator) -> None:
        self.emulator = emulator
        self.client = Client(emulator.wsgi_app, response_wrapper=Response)
        demo = emulator.seed_demo()
        self.sales_team = str(demo["team"])
        self.priya, self.sam = demo["users"]["Priya Nair"], demo["users"]["Sam Okafor"]
        self.contact = demo["contacts"]["Avery Park"]
        unit = Ref("businessunit", emulator.business_unit_id)
        self.support_team = emulator.store.insert("team", {"name": "Support - SMS", "teamtype": 0,
                                                           "businessunitid": unit})
        emulator.solutions.grant_team_role(self.support_team, "SMS Bridge User")
        self.tara = emulator.store.insert("systemuser", {"fullname": "Tara Lane", "firstname": "Tara",
                                                         "lastname": "Lane", "businessunitid": unit})
        emulator.solutions.grant_user_role(self.tara, "Basic User")
        emulator.store.insert("teammembership", {"teamid": self.support_team, "systemuserid": self.tara})
        self.outsider = emulator.store.insert("systemuser", {"fullname": "Olly Out", "businessunitid": unit})
        emulator.solutions.grant_user_role(self.outsider, "Basic User")
        self.sales = self.chat("+15005550006", self.sales_team, "+16562185892")
        self.support = self.chat("+15005550007", self.support_team, "+16562185899")

    def call(self, method: str, path: str, user: str | None = None, body: dict[str, Any] | None = None) -> Response:
        headers = {"Authorization": "Bearer test", "Prefer": "return=representation"}
        if user is not None:
            headers["MSCRMCallerID"] = user
        response = self.client.open(API + path, method=method, headers=headers, json=body)
        assert isinstance(response, Response)
        return response

    def create(self, entity_set: str, body: dict[str, Any], user: str | None = None) -> dict[str, Any]:
        response = self.call("POST", entity_set, user, body)
        assert response.status_code == 201, response.get_data(as_text=True)
        created: dict[str, Any] = response.json
        return created

    def chat(self, number: str, team: str, customer: str) -> dict[str, str]:
        """A Configuration for ``team`` and the rows the function app writes for a first text: conversation, session
        and message, all owned by the team (as the application user, no impersonation)."""
        owner = f"/teams({team})"
        configuration = self.create("smsb_configurations", {
            "smsb_name": f"SMS {number}", "smsb_mobilenumber": number, "smsb_assignedteam@odata.bind": owner})
        configuration_id = configuration["smsb_configurationid"]
        conversation = self.create("smsb_conversations", {
            "smsb_name": customer, "smsb_phonenumber": customer, "smsb_state": 1, "ownerid@odata.bind": owner,
            "smsb_configuration@odata.bind": f"/smsb_configurations({configuration_id})"})
        session = self.create("smsb_messagesessions", {
            "subject": f"SMS with {customer}", "ownerid@odata.bind": owner,
            "smsb_conversation@odata.bind": f"/smsb_conversations({conversation['smsb_conversationid']})",
            "smsb_customer_contact@odata.bind": f"/contacts({self.contact})"})
        message = self.create("smsb_messages", {
            "smsb_name": "Hello", "smsb_body": "Hello", "smsb_direction": 1, "ownerid@odata.bind": owner,
            "smsb_session@odata.bind": f"/smsb_messagesessions({session['activityid']})",
            "smsb_conversation@odata.bind": f"/smsb_conversations({conversation['smsb_conversationid']})"})
        return {"configuration": configuration_id, "conversation": conversation["smsb_conversationid"],
                "session": session["activityid"], "message": message["smsb_messageid"]}

    def sees(self, user: str, chat: dict[str, str]) -> dict[str, bool]:
        """Whether ``user`` finds the chat's rows in a query and may retrieve each."""
        seen = {}
        for table, entity_set, key in (("smsb_conversation", "smsb_conversations", "conversation"),
                                       ("smsb_messagesession", "smsb_messagesessions", "session"),
                                       ("smsb_message", "smsb_messages", "message")):
            listed = self.call("GET", f"{entity_set}?$select={'activityid' if key == 'session' else table + 'id'}",
                               user)
            assert listed.status_code == 200, listed.get_data(as_text=True)
            ids = {str(r.get("activityid") or r.get(f"{table}id")) for r in listed.json["value"]}
            retrieved = self.call("GET", f"{entity_set}({chat[key]})", user)
            assert (chat[key] in ids) == (retrieved.status_code == 200), (table, retrieved.status_code)
            if retrieved.status_code != 200:
                assert retrieved.status_code == 403
                assert retrieved.json["error"]["code"] in (ACCESS_DENIED, PRIVILEGE_DENIED)
            seen[key] = chat[key] in ids
        return seen


@pytest.fixture
def org() -> Iterator[Org]:
    emulator = DataverseEmulator()
    try:
        yield Org(emulator)
    finally:
        emulator.webhooks.stop()


EVERYTHING = {"conversation": True, "session": True, "message": True}
NOTHING = {"conversation": False, "session": False, "message": False}


def test_each_team_sees_its_own_chats_and_no_other_teams(org: Org) -> None:
    assert org.sees(org.priya, org.sales) == EVERYTHING
    assert org.sees(org.sam, org.sales) == EVERYTHING
    assert org.sees(org.tara, org.sales) == NOTHING
    assert org.sees(org.tara, org.support) == EVERYTHING
    assert org.sees(org.priya, org.support) == NOTHING
    assert org.sees(org.outsider, org.sales) == NOTHING  # no SMS Bridge role at all
    refused = org.call("PATCH", f"smsb_conversations({org.sales['conversation']})", org.tara, {"smsb_state": 3})
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == ACCESS_DENIED


def test_a_taken_chat_stays_in_its_teams_sight_and_a_teammate_may_take_it_over(org: Org) -> None:
    conversation = f"smsb_conversations({org.sales['conversation']})"
    accepted = org.call("PATCH", conversation, org.priya, {
        "smsb_state": 2, "smsb_acceptedby@odata.bind": f"/systemusers({org.priya})"})
    assert accepted.status_code == 200, accepted.get_data(as_text=True)
    assert org.sees(org.sam, org.sales) == EVERYTHING
    assert org.sees(org.tara, org.sales) == NOTHING
    taken = org.call("PATCH", conversation, org.sam, {"smsb_acceptedby@odata.bind": f"/systemusers({org.sam})"})
    assert taken.status_code == 200, taken.get_data(as_text=True)
    assert taken.json["_smsb_acceptedby_value"] == org.sam
    assert taken.json["_ownerid_value"] == org.sales_team
    read = org.call("PATCH", f"smsb_messages({org.sales['message']})", org.sam, {"smsb_readon": "2026-12-01T10:00:00Z"})
    assert read.status_code == 200  # opening the chat marks its texts read
    assert org.call("PATCH", conversation, org.tara, {
        "smsb_acceptedby@odata.bind": f"/systemusers({org.tara})"}).status_code == 403


def test_a_chat_handed_to_another_team_leaves_the_first_teams_sight(org: Org) -> None:
    to_support = {"ownerid@odata.bind": f"/teams({org.support_team})"}
    for path in (f"smsb_messagesessions({org.sales['session']})", f"smsb_conversations({org.sales['conversation']})"):
        handed = org.call("PATCH", path, org.priya, to_support)
        assert handed.status_code == 200, handed.get_data(as_text=True)
    assert org.sees(org.tara, org.sales)["conversation"] is True
    assert org.sees(org.tara, org.sales)["session"] is True
    assert org.sees(org.priya, org.sales)["conversation"] is False
    assert org.sees(org.priya, org.sales)["session"] is False


@pytest.mark.parametrize(("entity_set", "table", "body"), [
    ("leads", "lead", {"subject": "Wants a quote", "lastname": "Park"}),
    ("opportunities", "opportunity", {"name": "Order of 20 chairs"}),
    ("incidents", "incident", {"title": "Broken screen"}),
    ("salesorders", "salesorder", {"name": "SO-20"}),
])
def test_create_record_makes_a_lead_opportunity_case_or_order_the_chats_regarding(
    org: Org, entity_set: str, table: str, body: dict[str, Any],
) -> None:
    customer = {"incident": "customerid_contact", "opportunity": "parentcontactid", "salesorder": "customerid_contact"}
    if table in customer:
        body = {**body, f"{customer[table]}@odata.bind": f"/contacts({org.contact})"}
    refused = org.call("POST", entity_set, org.outsider, body)
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == PRIVILEGE_DENIED
    created = org.create(entity_set, body, user=org.priya)
    record = str(created[f"{table}id"])
    assert created["_ownerid_value"] == org.priya
    edited = org.call("PATCH", f"{entity_set}({record})", org.priya, {"description": "From an SMS chat"})
    assert edited.status_code == 200, edited.get_data(as_text=True)
    regarding = org.call("PATCH", f"smsb_messagesessions({org.sales['session']})", org.priya, {
        f"regardingobjectid_{table}_smsb_messagesession@odata.bind": f"/{entity_set}({record})"})
    assert regarding.status_code == 200, regarding.get_data(as_text=True)
    assert regarding.json["_regardingobjectid_value"] == record
    # Another team's chat is not Priya's to link.
    foreign = org.call("PATCH", f"smsb_messagesessions({org.support['session']})", org.priya, {
        f"regardingobjectid_{table}_smsb_messagesession@odata.bind": f"/{entity_set}({record})"})
    assert foreign.status_code == 403


# --- the function app under its own role ---

FAST_QUEUES = QueueSettings(batch_size=16, max_dequeue_count=5, visibility_timeout=timedelta(0),
                            max_polling_interval=timedelta(milliseconds=200))


def _integration_only() -> DataverseEmulator:
    """An emulator whose application user holds SMS Bridge Integration (and the Basic User every user has), not
    System Administrator: as the app's user in a real environment. The test turns enforcement on for every request
    once the devstack has set the product up (an administrator's work)."""
    emulator = DataverseEmulator()
    admin = emulator.solutions.role_id("System Administrator")
    for link in emulator.store.rows("systemuserroles"):
        if link["systemuserid"] == emulator.user_id and link["roleid"] == admin:
            emulator.store.remove("systemuserroles", link["systemuserroleid"])
    emulator.solutions.grant_user_role(emulator.user_id, "SMS Bridge Integration")
    emulator.solutions.grant_user_role(emulator.user_id, "Basic User")
    return emulator


@pytest.mark.azurite
@pytest.mark.loopback
def test_the_function_app_files_and_sends_texts_with_only_its_integration_role(azurite: Any) -> None:
    sandbox = Sandbox(SandboxOptions(storage_connection=azurite.connection_string, queue_settings=FAST_QUEUES,
                                     dataverse_factory=_integration_only))
    sandbox.start()
    try:
        for name in ("sms-inbound", "sms-inbound-poison", "sms-outbound"):
            sandbox.queues().queue(name).clear_messages()
        assert sandbox.product is not None
        emulator = sandbox.dataverse
        emulator.access.mode = SecurityMode.ALWAYS
        assert emulator.access.principal(emulator.user_id).administrator is False
        team = str(sandbox.demo["team"])
        priya = sandbox.demo["users"]["Priya Nair"]
        sandbox.twilio.send_inbound("+16562185892", sandbox.product.number, "Is my order ready?")
        deadline = time.monotonic() + 30
        while not sandbox.rows("smsb_message") and time.monotonic() < deadline:
            sandbox.drain("sms-inbound")
        conversation = _one(sandbox.rows("smsb_conversation"))
        session = _one(sandbox.rows("smsb_messagesession"))
        for row in (conversation, session, _one(sandbox.rows("smsb_message"))):
            assert row["ownerid"] == Ref("team", team)  # the Configuration's team owns what the app files

        client = Client(emulator.wsgi_app, response_wrapper=Response)
        headers = {"Authorization": "Bearer test", "MSCRMCallerID": priya}
        accepted = client.patch(f"{API}smsb_conversations({conversation['smsb_conversationid']})", headers=headers,
                                json={"smsb_state": 2, "smsb_acceptedby@odata.bind": f"/systemusers({priya})"})
        assert accepted.status_code == 204, accepted.get_data(as_text=True)
        avery = sandbox.demo["contacts"]["Avery Park"]
        outbox = client.post(f"{API}smsb_outboxes", headers=headers, json={
            "subject": "Reply", "smsb_freeform": "Yes, ready for pickup.",
            "smsb_configuration@odata.bind": f"/smsb_configurations({sandbox.product.configuration_id})",
            "smsb_session@odata.bind": f"/smsb_messagesessions({session['activityid']})",
            "smsb_outbox_activity_parties": [{"participationtypemask": 2,
                                              "partyid_contact@odata.bind": f"/contacts({avery})"}]})
        assert outbox.status_code == 204, outbox.get_data(as_text=True)

        def sent() -> list[str]:
            return [m.body for m in sandbox.twilio.messages if m.to == "+16562185892"]

        deadline = time.monotonic() + 30
        while not sent() and time.monotonic() < deadline:
            sandbox.drain("sms-outbound")
        assert sent() == ["Yes, ready for pickup."]
        reply = [r for r in sandbox.rows("smsb_message") if r.get("smsb_direction") == 2]
        assert len(reply) == 1
        assert reply[0]["ownerid"] == Ref("team", team)
        assert emulator.store.get("smsb_conversation", str(conversation["smsb_conversationid"]))[
            "smsb_lastoutboundon"] is not None
    finally:
        sandbox.stop()


def _one(rows: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(rows) == 1, rows
    return rows[0]
