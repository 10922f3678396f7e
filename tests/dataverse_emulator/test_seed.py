"""The demo seed: the SMS team with three users and customers whose numbers are stored in many formats."""

from __future__ import annotations

from devstack.dataverse_emulator import DataverseEmulator

from .conftest import Api


def test_demo_seed_adds_the_sms_team_with_three_members(api: Api, emulator: DataverseEmulator) -> None:
    ids = emulator.seed_demo()
    team = api.get(f"teams({ids['team']})?$select=name").json
    assert team["name"] == "SMS Bridge - SMS"
    members = api.get("teammemberships", query_string={"$filter": f"teamid eq {ids['team']}"}).json["value"]
    assert len(members) == 3
    users = {api.get(f"systemusers({m['systemuserid']})?$select=fullname").json["fullname"] for m in members}
    assert users == set(ids["users"])


def test_demo_customers_store_phone_numbers_in_real_world_formats(api: Api, emulator: DataverseEmulator) -> None:
    emulator.seed_demo()
    contacts = api.get("contacts?$select=mobilephone,telephone1,telephone2").json["value"]
    numbers = {v for c in contacts for k, v in c.items() if k in ("mobilephone", "telephone1", "telephone2") and v}
    assert {"+1 (656) 218-5892", "656-218-5893", "6562185894", "001 656 218 5895", "+16562185896"} <= numbers
    assert any(n.startswith("+44") for n in numbers)
    assert any(n.startswith("+91") for n in numbers)
    accounts = api.get("accounts?$select=name,telephone1").json["value"]
    assert len(accounts) >= 3


def test_demo_seed_is_idempotent_and_survives_reset(api: Api, emulator: DataverseEmulator) -> None:
    first = emulator.seed_demo()
    second = emulator.seed_demo()
    assert first == second
    count = len(emulator.store.rows("contact"))
    emulator.reset()
    assert len(emulator.store.rows("contact")) == count
    assert api.get(f"teams({first['team']})").status_code == 200
