"""Impersonation as Dataverse does it: `MSCRMCallerID: <systemuserid>` makes a request act as that user."""

from __future__ import annotations

import uuid

from devstack.dataverse_emulator import DataverseEmulator
from devstack.dataverse_emulator.odata import Ref
from tests.dataverse_emulator.conftest import Api, stored


def _user(emulator: DataverseEmulator) -> str:
    ids = emulator.seed_demo()
    return str(next(iter(ids["users"].values())))


def test_whoami_answers_the_impersonated_user(api: Api, emulator: DataverseEmulator) -> None:
    user = _user(emulator)
    assert api.get("WhoAmI").json["UserId"] == emulator.user_id
    answer = api.get("WhoAmI", headers={"MSCRMCallerID": user.upper()}).json
    assert answer["UserId"] == user
    assert answer["BusinessUnitId"] == emulator.business_unit_id


def test_rows_created_as_a_user_are_owned_and_created_by_that_user(api: Api, emulator: DataverseEmulator) -> None:
    user = _user(emulator)
    created = api.post("smsb_dismissals", json={"smsb_name": "x"}, headers={"MSCRMCallerID": f"{{{user}}}"})
    assert created.status_code == 204, created.get_data(as_text=True)
    row_id = created.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")")
    row = stored(emulator, "smsb_dismissal", row_id)
    assert row["ownerid"] == Ref("systemuser", user)
    assert row["createdby"] == Ref("systemuser", user)
    assert row["modifiedby"] == Ref("systemuser", user)
    # An explicit owner still wins, and the next request without the header acts as the integration user again.
    other = api.post("smsb_dismissals", json={"smsb_name": "y"})
    other_id = other.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")")
    assert stored(emulator, "smsb_dismissal", other_id)["ownerid"] == Ref("systemuser", emulator.user_id)


def test_updates_as_a_user_set_modifiedby(api: Api, emulator: DataverseEmulator) -> None:
    user = _user(emulator)
    # the application user files it for the user: a user's own dismissal is what SMS Bridge User may change
    created = api.create("smsb_dismissals", {"smsb_name": "x", "ownerid@odata.bind": f"/systemusers({user})"})
    row_id = created["smsb_dismissalid"]
    response = api.patch(f"smsb_dismissals({row_id})", json={"smsb_name": "z"},
                         headers={"MSCRMCallerID": user, "If-Match": "*"})
    assert response.status_code == 204
    row = stored(emulator, "smsb_dismissal", row_id)
    assert row["modifiedby"] == Ref("systemuser", user)
    assert row["createdby"] == Ref("systemuser", emulator.user_id)


def test_an_unknown_or_malformed_caller_is_refused(api: Api, emulator: DataverseEmulator) -> None:
    unknown = api.get("WhoAmI", headers={"MSCRMCallerID": str(uuid.uuid4())})
    assert unknown.status_code == 404
    assert "MSCRMCallerID" in unknown.json["error"]["message"]
    malformed = api.post("smsb_dismissals", json={"smsb_name": "x"}, headers={"MSCRMCallerID": "alex"})
    assert malformed.status_code == 400
    assert emulator.store.rows("smsb_dismissal") == []
