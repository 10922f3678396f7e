"""Cascade Assign, as Microsoft documents it ("Configure table relationship cascading behavior",
https://learn.microsoft.com/power-apps/developer/data-platform/configure-entity-relationship-cascading-behavior): a
session assigned to someone takes its messages (parental children) and their pictures along, with the new owner's
business unit; rows of a relationship that does not cascade Assign stay; nothing moves when the owner is unchanged;
Active and User Owned follow only the rows they name; each row that follows is an Update of its own."""

from __future__ import annotations

import uuid
from typing import Any

from devstack.dataverse_emulator import DataverseEmulator, Ref

from .conftest import Api, stored
from .test_webhooks import UPDATE, Recorder, register

TEAM_A, TEAM_B = "00000000-0000-0000-0000-00000000aa01", "00000000-0000-0000-0000-00000000bb02"
UNIT_B = "00000000-0000-0000-0000-0000000000b2"
USER = "00000000-0000-0000-0000-0000000000e1"


def chat(emulator: DataverseEmulator) -> dict[str, str]:
    """A conversation with a dismissal, a session with two messages (one with a picture), and another session;
    every row owned by team A. Team B is in business unit B."""
    store = emulator.store
    store.insert("businessunit", {"businessunitid": UNIT_B, "name": "Unit B"})
    store.insert("team", {"teamid": TEAM_A, "name": "Team A", "teamtype": 0})
    store.insert("team", {"teamid": TEAM_B, "name": "Team B", "teamtype": 0,
                          "businessunitid": Ref("businessunit", UNIT_B)})
    store.insert("systemuser", {"systemuserid": USER, "fullname": "Priya Shah"})
    team_a = Ref("team", TEAM_A)
    ids = {name: str(uuid.uuid4()) for name in ("conversation", "session", "other_session", "first", "second",
                                                "picture", "dismissal")}
    store.insert("smsb_conversation", {"smsb_conversationid": ids["conversation"], "smsb_name": "Avery",
                                       "smsb_phonenumber": "+16562185892", "ownerid": team_a})
    store.insert("smsb_dismissal", {"smsb_dismissalid": ids["dismissal"], "ownerid": Ref("systemuser", USER),
                                    "smsb_conversation": Ref("smsb_conversation", ids["conversation"])})
    for session in ("session", "other_session"):
        store.insert("smsb_messagesession", {"activityid": ids[session], "subject": "SMS", "ownerid": team_a,
                                             "smsb_conversation": Ref("smsb_conversation", ids["conversation"])})
    for message in ("first", "second"):
        store.insert("smsb_message", {"smsb_messageid": ids[message], "smsb_name": message, "ownerid": team_a,
                                      "smsb_session": Ref("smsb_messagesession", ids["session"])})
    store.insert("smsb_messagemedia", {"smsb_messagemediaid": ids["picture"], "smsb_name": "cat.jpg",
                                       "ownerid": team_a, "smsb_message": Ref("smsb_message", ids["first"])})
    return ids


def assign(api: Api, entity_set: str, row_id: str, owner: str) -> None:
    response = api.patch(f"{entity_set}({row_id})", json={"ownerid@odata.bind": owner},
                         headers={"If-Match": "*"})
    assert response.status_code == 204, response.get_data(as_text=True)


def owner_of(emulator: DataverseEmulator, table: str, row_id: str) -> Any:
    return stored(emulator, table, row_id)["ownerid"]


def test_a_session_assigned_to_another_team_takes_its_messages_and_their_pictures_along(
    emulator: DataverseEmulator, api: Api
) -> None:
    ids = chat(emulator)

    assign(api, "smsb_messagesessions", ids["session"], f"/teams({TEAM_B})")

    team_b = Ref("team", TEAM_B)
    for table, name in (("smsb_message", "first"), ("smsb_message", "second"), ("smsb_messagemedia", "picture")):
        row = stored(emulator, table, ids[name])
        assert (row["ownerid"], row["owningteam"], row["owninguser"]) == (team_b, team_b, None), name
        assert row["owningbusinessunit"] == Ref("businessunit", UNIT_B), name
    # The conversation and the other session are not the session's children.
    assert owner_of(emulator, "smsb_conversation", ids["conversation"]) == Ref("team", TEAM_A)
    assert owner_of(emulator, "smsb_messagesession", ids["other_session"]) == Ref("team", TEAM_A)


def test_a_conversation_assigned_elsewhere_leaves_its_sessions_and_every_users_dismissal_where_they_are(
    emulator: DataverseEmulator, api: Api
) -> None:
    ids = chat(emulator)

    assign(api, "smsb_conversations", ids["conversation"], f"/teams({TEAM_B})")

    assert owner_of(emulator, "smsb_conversation", ids["conversation"]) == Ref("team", TEAM_B)
    assert owner_of(emulator, "smsb_messagesession", ids["session"]) == Ref("team", TEAM_A)  # referential
    assert owner_of(emulator, "smsb_dismissal", ids["dismissal"]) == Ref("systemuser", USER)  # Assign: NoCascade


def test_nothing_cascades_when_the_owner_does_not_change(emulator: DataverseEmulator, api: Api) -> None:
    ids = chat(emulator)
    emulator.store.update("smsb_message", ids["second"], {"ownerid": Ref("systemuser", USER)}, emulator.clock())

    assign(api, "smsb_messagesessions", ids["session"], f"/teams({TEAM_A})")

    assert owner_of(emulator, "smsb_message", ids["second"]) == Ref("systemuser", USER)


def test_cascade_active_takes_only_the_active_rows_and_user_owned_only_the_previous_owners(
    emulator: DataverseEmulator, api: Api
) -> None:
    ids = chat(emulator)
    emulator.store.update("smsb_message", ids["second"], {"statecode": 1, "statuscode": 2}, emulator.clock())
    cascade = emulator.writer.assign_cascade
    assert cascade is not None

    cascade.cascade_of = lambda relationship: {"Assign": "Active"}
    assign(api, "smsb_messagesessions", ids["session"], f"/systemusers({USER})")
    assert owner_of(emulator, "smsb_message", ids["first"]) == Ref("systemuser", USER)
    assert owner_of(emulator, "smsb_message", ids["second"]) == Ref("team", TEAM_A)  # inactive

    # User Owned: the rows the session's previous owner (the user) owned follow it; the team's do not.
    cascade.cascade_of = lambda relationship: {"Assign": "UserOwned"}
    assign(api, "smsb_messagesessions", ids["session"], f"/teams({TEAM_B})")
    assert owner_of(emulator, "smsb_message", ids["first"]) == Ref("team", TEAM_B)
    assert owner_of(emulator, "smsb_message", ids["second"]) == Ref("team", TEAM_A)


def test_each_row_that_follows_is_an_update_of_its_own(clock: Any) -> None:
    recorder = Recorder()
    emulator = DataverseEmulator(clock=clock, webhook_sender=recorder)
    try:
        api = Api(emulator)
        ids = chat(emulator)
        register(api, "smsb_message", UPDATE, filtering="ownerid")

        assign(api, "smsb_messagesessions", ids["session"], f"/teams({TEAM_B})")

        deliveries = emulator.webhooks.drain()
        assert sorted(d.row_id for d in deliveries) == sorted([ids["first"], ids["second"]])
        assert {d.message for d in deliveries} == {"Update"}
    finally:
        emulator.webhooks.stop()
