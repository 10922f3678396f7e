"""An Outbox's text is filled in with its owner's Dataverse rights, never the application user's.

The attack: a user who may create Outboxes sets To to a contact of another business unit, writes `{jobtitle}` in
the free text and their own phone in Mobile Number. Read with the application user's (global) rights, the contact's
job title would be texted to them; read as the owner, Dataverse refuses and nothing is sent.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from devstack.dataverse_emulator import DataverseEmulator, Ref
from devstack.sandbox import Sandbox
from messaging.names import OutboxStatus
from messaging.outbound import OutboundResult
from messaging.outbound.reader import OutboundReader
from tests.outbound.conftest import job, outbox_row, processor, texts, warm

pytestmark = pytest.mark.azurite

SECRET = "Chief Secret Officer"
ATTACKER_PHONE = "+16565550177"


def _unit(emulator: DataverseEmulator, name: str) -> str:
    return emulator.store.insert("businessunit", {
        "name": name, "parentbusinessunitid": Ref("businessunit", emulator.business_unit_id)})


def _user(emulator: DataverseEmulator, name: str, unit: str, *roles: str) -> str:
    user_id = emulator.store.insert("systemuser", {
        "fullname": name, "firstname": name, "lastname": "Test", "businessunitid": Ref("businessunit", unit),
        "domainname": f"{name.lower()}@contoso.example", "internalemailaddress": f"{name.lower()}@contoso.example"})
    for role in roles:
        emulator.solutions.grant_user_role(user_id, role)
    return user_id


def _contact_of(sandbox: Sandbox, owner: str) -> uuid.UUID:
    """A contact with a job title, owned by `owner` (created by the application user, as an import would)."""
    return sandbox.app.dataverse.create("contacts", {
        "firstname": "Morgan", "lastname": "Vale", "fullname": "Morgan Vale", "mobilephone": "+16562185899",
        "jobtitle": SECRET, "ownerid@odata.bind": f"/systemusers({owner})"})


def _outbox_as(sandbox: Sandbox, user: str, to: uuid.UUID, text: str, **columns: Any) -> uuid.UUID:
    """An Outbox created through the Web API by `user` themselves (impersonated, as their browser would)."""
    product = sandbox.product
    assert product is not None
    outbox_id = uuid.uuid4()
    with sandbox.app.dataverse.operation(caller_id=user):
        sandbox.app.dataverse.create_with_id("smsb_outboxes", "activityid", outbox_id, {
            "subject": "Hello", "smsb_freeform": text,
            "smsb_configuration@odata.bind": f"/smsb_configurations({product.configuration_id})",
            "smsb_outbox_activity_parties": [
                {"participationtypemask": 2, "partyid_contact@odata.bind": f"/contacts({to})"}],
            **columns,
        })
    return outbox_id


def test_an_owner_who_may_not_read_the_contact_gets_a_failed_outbox_and_no_text(sandbox: Sandbox) -> None:
    emulator = sandbox.dataverse
    west, east = _unit(emulator, "West"), _unit(emulator, "East")
    contact = _contact_of(sandbox, _user(emulator, "Wes", west, "Basic User", "SMS Bridge User"))
    riley = _user(emulator, "Riley", east, "Basic User", "SMS Bridge User")  # contact read at Local depth only
    outbox_id = _outbox_as(sandbox, riley, contact, "Title: {jobtitle}", smsb_mobilenumber=ATTACKER_PHONE)
    assert outbox_row(sandbox, outbox_id)["ownerid"] == Ref("systemuser", riley)

    outcome = processor(sandbox).process(job(outbox_id))

    assert outcome.result is OutboundResult.FAILED, outcome.reason
    assert texts(sandbox) == []
    row = outbox_row(sandbox, outbox_id)
    assert row["smsb_sendstatus"] == int(OutboxStatus.FAILED)
    assert "the owner may not read this contact" in row["smsb_failurereason"]
    assert SECRET not in row["smsb_failurereason"]
    assert emulator.store.rows("smsb_message") == []
    # the read was made as the owner, and Dataverse refused it
    reads = [r for r in emulator.requests.records if r.method == "GET" and r.path.endswith(f"contacts({contact})")]
    assert [(r.headers.get("Mscrmcallerid"), r.status) for r in reads] == [(riley, 403)]


def test_an_owner_who_may_read_the_contact_gets_it_filled_in_and_sent(sandbox: Sandbox) -> None:
    emulator = sandbox.dataverse
    west = _unit(emulator, "West")
    contact = _contact_of(sandbox, _user(emulator, "Wes", west, "Basic User", "SMS Bridge User"))
    casey = _user(emulator, "Casey", west, "Basic User", "SMS Bridge User")  # same business unit: Local reaches
    outbox_id = _outbox_as(sandbox, casey, contact, "Hi {firstname}, title: {jobtitle}")

    outcome = processor(sandbox).process(job(outbox_id))

    assert outcome.result is OutboundResult.SENT, outcome.reason
    assert [(t.to, t.body) for t in texts(sandbox)] == [("+16562185899", f"Hi Morgan, title: {SECRET}")]
    reads = [r for r in emulator.requests.records if r.method == "GET" and r.path.endswith(f"contacts({contact})")]
    assert [(r.headers.get("Mscrmcallerid"), r.status) for r in reads] == [(casey, 200)]


def test_deep_read_reaches_a_contact_of_a_unit_below_the_owners(sandbox: Sandbox) -> None:
    emulator = sandbox.dataverse
    west = _unit(emulator, "West")
    contact = _contact_of(sandbox, _user(emulator, "Wes", west, "Basic User"))
    # the root unit's user: Local read does not reach West, Deep does
    jordan = _user(emulator, "Jordan", emulator.business_unit_id, "Basic User", "SMS Bridge User")
    refused = _outbox_as(sandbox, jordan, contact, "{jobtitle}", smsb_mobilenumber=ATTACKER_PHONE)
    assert processor(sandbox).process(job(refused)).result is OutboundResult.FAILED
    emulator.solutions.set_privilege("Basic User", "Read", "contact", "Deep")
    allowed = _outbox_as(sandbox, jordan, contact, "{jobtitle}", smsb_mobilenumber=ATTACKER_PHONE)

    outcome = processor(sandbox).process(job(allowed))

    assert outcome.result is OutboundResult.SENT, outcome.reason
    assert [t.body for t in texts(sandbox)] == [SECRET]


def test_a_team_owned_outbox_is_filled_in_as_the_user_who_created_it(sandbox: Sandbox) -> None:
    emulator = sandbox.dataverse
    west, east = _unit(emulator, "West"), _unit(emulator, "East")
    contact = _contact_of(sandbox, _user(emulator, "Wes", west, "Basic User"))
    riley = _user(emulator, "Riley", east, "Basic User", "SMS Bridge User")
    team = emulator.store.insert("team", {"name": "East desk", "teamtype": 0,
                                          "businessunitid": Ref("businessunit", east)})
    emulator.store.insert("teammembership", {"teamid": team, "systemuserid": riley})
    outbox_id = _outbox_as(sandbox, riley, contact, "{jobtitle}", smsb_mobilenumber=ATTACKER_PHONE,
                           **{"ownerid@odata.bind": f"/teams({team})"})
    assert outbox_row(sandbox, outbox_id)["ownerid"] == Ref("team", team)

    outcome = processor(sandbox).process(job(outbox_id))

    assert outcome.result is OutboundResult.FAILED, outcome.reason
    assert "the user who created this Outbox" in outcome.reason
    assert texts(sandbox) == []


def test_an_outbox_of_the_application_user_reads_as_itself_within_four_round_trips(sandbox: Sandbox) -> None:
    contact = _contact_of(sandbox, sandbox.dataverse.user_id)
    product = sandbox.product
    assert product is not None
    outbox_id = uuid.uuid4()
    sandbox.app.dataverse.create_with_id("smsb_outboxes", "activityid", outbox_id, {
        "subject": "Hello", "smsb_freeform": "{jobtitle}",
        "smsb_configuration@odata.bind": f"/smsb_configurations({product.configuration_id})",
        "smsb_outbox_activity_parties": [
            {"participationtypemask": 2, "partyid_contact@odata.bind": f"/contacts({contact})"}]})
    worker = processor(sandbox)
    warm(sandbox, worker)

    outcome = worker.process(job(outbox_id))

    assert outcome.result is OutboundResult.SENT, outcome.reason
    assert outcome.round_trips <= 4
    assert not any("Mscrmcallerid" in r.headers for r in sandbox.dataverse.requests.records)


def test_the_to_record_is_read_with_the_rights_of_the_user_it_is_read_as(sandbox: Sandbox) -> None:
    emulator = sandbox.dataverse
    west, east = _unit(emulator, "West"), _unit(emulator, "East")
    contact = _contact_of(sandbox, _user(emulator, "Wes", west, "Basic User"))
    riley = uuid.UUID(_user(emulator, "Riley", east, "Basic User", "SMS Bridge User"))
    casey = uuid.UUID(_user(emulator, "Casey", west, "Basic User", "SMS Bridge User"))
    app = sandbox.app
    reader = OutboundReader(app.dataverse, app.store, app.directory, app.customer_tables)
    sent = reader.outbox(_outbox_as(sandbox, str(riley), contact, "{jobtitle}"))
    assert sent is not None
    sender, problem, _ = reader.sender(sent)
    assert sender is not None, problem
    plan, _ = reader.plan(sent, sender)

    refused, _ = reader.read_as(sent, plan, riley)
    allowed, _ = reader.read_as(sent, plan, casey)

    assert refused.row is None
    assert refused.denied is not None
    assert SECRET not in refused.denied.reason
    assert allowed.row is not None
    assert allowed.row.get("jobtitle") == SECRET


def test_without_act_on_behalf_the_outbox_fails_naming_the_application_users_missing_privilege(
        sandbox: Sandbox) -> None:
    emulator = sandbox.dataverse
    west = _unit(emulator, "West")
    contact = _contact_of(sandbox, _user(emulator, "Wes", west, "Basic User"))
    casey = _user(emulator, "Casey", west, "Basic User", "SMS Bridge User")
    outbox_id = _outbox_as(sandbox, casey, contact, "{jobtitle}")
    admin = emulator.solutions.role_id("System Administrator")
    for link in emulator.store.rows("systemuserroles"):
        if link["systemuserid"] == emulator.user_id and link["roleid"] == admin:
            emulator.store.remove("systemuserroles", link["systemuserroleid"])
    emulator.solutions.set_privilege("SMS Bridge Integration", "prvActOnBehalfOfAnotherUser", None, None)

    outcome = processor(sandbox).process(job(outbox_id))

    assert outcome.result is OutboundResult.FAILED
    assert "lacks prvActOnBehalfOfAnotherUser" in outcome.reason
    assert texts(sandbox) == []
