"""Security roles enforced for the acting user, on every path a read or a write takes (access.py)."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest

from devstack.dataverse_emulator import DataverseEmulator, Ref
from devstack.dataverse_emulator.access import ACCESS_DENIED, PRIVILEGE_DENIED, SecurityMode
from tests.admin.packages import package_zip

from .conftest import Api, Clock, stored

BOUNDARY = "batch_access"


class Org:
    """Two business units under the root; users holding Basic User (contacts they own) and SMS Bridge User."""

    def __init__(self, emulator: DataverseEmulator, api: Api) -> None:
        self.emulator, self.api = emulator, api
        self.west = self.unit("West")
        self.east = self.unit("East")
        self.wes = self.user("Wes", self.west, "Basic User", "SMS Bridge User")
        self.will = self.user("Will", self.west, "Basic User", "SMS Bridge User")
        self.erin = self.user("Erin", self.east, "Basic User", "SMS Bridge User")
        self.basic = self.user("Bo", self.west, "Basic User")
        self.wes_contact = self.contact("Wes's", self.wes)
        self.will_contact = self.contact("Will's", self.will)
        self.erin_contact = self.contact("Erin's", self.erin)

    def unit(self, name: str) -> str:
        return self.emulator.store.insert("businessunit", {
            "name": name, "parentbusinessunitid": Ref("businessunit", self.emulator.business_unit_id)})

    def user(self, name: str, unit: str, *roles: str) -> str:
        user_id = self.emulator.store.insert("systemuser", {
            "fullname": name, "firstname": name, "lastname": "Test", "businessunitid": Ref("businessunit", unit)})
        for role in roles:
            self.emulator.solutions.grant_user_role(user_id, role)
        return user_id

    def contact(self, name: str, owner: str) -> str:
        created = self.api.create("contacts", {"lastname": name, "jobtitle": f"{name} title",
                                               "ownerid@odata.bind": f"/systemusers({owner})"})
        return str(created["contactid"])


@pytest.fixture
def org(emulator: DataverseEmulator, api: Api) -> Org:
    return Org(emulator, api)


def as_user(user: str, **headers: str) -> dict[str, str]:
    return {"MSCRMCallerID": user, **headers}


def names(response: Any) -> set[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return {row["lastname"] for row in response.json["value"]}


# --- reads ---

def test_a_query_returns_only_the_rows_the_user_may_read(api: Api, org: Org) -> None:
    everyone = {"Wes's", "Will's", "Erin's"}
    assert names(api.get("contacts?$select=lastname")) >= everyone  # the application user reads everything
    assert names(api.get("contacts?$select=lastname", headers=as_user(org.wes))) & everyone == {"Wes's", "Will's"}
    assert names(api.get("contacts?$select=lastname", headers=as_user(org.basic))) & everyone == set()
    counted = api.get("contacts?$select=lastname&$count=true&$filter=contains(lastname,'''s')",
                      headers=as_user(org.erin)).json
    assert counted["@odata.count"] == 1
    assert api.get("contacts/$count", headers=as_user(org.erin)).get_data(as_text=True) == "1"


def test_fetchxml_returns_only_readable_rows(api: Api, org: Org) -> None:
    fetch = "<fetch><entity name='contact'><attribute name='lastname'/></entity></fetch>"
    answer = api.get("contacts", query_string={"fetchXml": fetch}, headers=as_user(org.erin))
    assert names(answer) == {"Erin's"}


def test_retrieving_an_unreadable_row_is_403_with_dataverses_codes(api: Api, org: Org) -> None:
    ok = api.get(f"contacts({org.will_contact})?$select=jobtitle", headers=as_user(org.wes))
    assert ok.status_code == 200
    assert ok.json["jobtitle"] == "Will's title"
    beyond = api.get(f"contacts({org.erin_contact})?$select=jobtitle", headers=as_user(org.wes))
    assert beyond.status_code == 403
    assert beyond.json["error"]["code"] == ACCESS_DENIED
    assert beyond.json["error"]["message"] == (f"Principal with id {org.wes} does not have ReadAccess right(s) for "
                                               f"record with id {org.erin_contact} of entity contact.")
    assert "title" not in beyond.get_data(as_text=True)
    no_privilege = api.get(f"contacts({org.wes_contact})", headers=as_user(org.basic))
    assert no_privilege.status_code == 403  # Bo owns no contact and holds read of his own only: not Wes's
    assert no_privilege.json["error"]["code"] == ACCESS_DENIED
    incidents = api.get("incidents", headers=as_user(org.basic))
    assert incidents.status_code == 200
    assert incidents.json["value"] == []
    property_read = api.get(f"contacts({org.erin_contact})/jobtitle", headers=as_user(org.wes))
    assert property_read.status_code == 403


def test_a_user_without_the_privilege_is_told_which_privilege_is_missing(api: Api, org: Org,
                                                                          emulator: DataverseEmulator) -> None:
    incident = api.create("incidents", {"title": "Broken", "ownerid@odata.bind": f"/systemusers({org.basic})"})
    refused = api.get(f"incidents({incident['incidentid']})", headers=as_user(org.basic))
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == PRIVILEGE_DENIED
    message = refused.json["error"]["message"]
    assert message.startswith(f"Principal user (Id={org.basic}, type=8,")
    assert "is missing prvReadincident privilege" in message
    assert message.endswith(f"context.Caller={emulator.user_id}")


def test_expand_leaves_out_what_the_user_may_not_read(api: Api, org: Org) -> None:
    account = api.create("accounts", {"name": "Contoso", "ownerid@odata.bind": f"/systemusers({org.erin})"})
    for contact in (org.wes_contact, org.erin_contact):
        response = api.patch(f"contacts({contact})", json={
            "parentcustomerid_account@odata.bind": f"/accounts({account['accountid']})"}, headers={"If-Match": "*"})
        assert response.status_code == 204
    single = api.get(f"contacts({org.wes_contact})?$select=lastname&$expand=parentcustomerid_account($select=name)",
                     headers=as_user(org.wes))
    assert single.json["parentcustomerid_account"] is None  # Erin's account is out of Wes's reach
    assert api.get(f"contacts({org.erin_contact})?$expand=parentcustomerid_account($select=name)",
                   headers=as_user(org.erin)).json["parentcustomerid_account"]["name"] == "Contoso"
    collection = api.get(f"accounts({account['accountid']})?$select=name"
                         "&$expand=contact_customer_accounts($select=lastname)", headers=as_user(org.erin))
    assert [c["lastname"] for c in collection.json["contact_customer_accounts"]] == ["Erin's"]


def batch_body(*requests: tuple[str, dict[str, str]]) -> bytes:
    parts = []
    for index, (url, headers) in enumerate(requests, 1):
        lines = [f"--{BOUNDARY}", "Content-Type: application/http", "Content-Transfer-Encoding: binary",
                 f"Content-ID: {index}", "", f"GET {url} HTTP/1.1", "Accept: application/json",
                 *(f"{k}: {v}" for k, v in headers.items()), "", ""]
        parts.append("\r\n".join(lines))
    return ("".join(parts) + f"--{BOUNDARY}--\r\n").encode()


def test_batch_parts_are_checked_and_impersonation_applies_to_the_whole_batch(api: Api, org: Org) -> None:
    body = batch_body((f"/api/data/v9.2/contacts({org.will_contact})?$select=lastname", {}),
                      (f"/api/data/v9.2/contacts({org.erin_contact})?$select=jobtitle", {}))
    answer = api.post("$batch", data=body, headers=as_user(
        org.wes, **{"Content-Type": f"multipart/mixed; boundary={BOUNDARY}", "Prefer": "odata.continue-on-error"}))
    text = answer.get_data(as_text=True)
    assert "HTTP/1.1 200" in text
    assert "Will's" in text
    assert "HTTP/1.1 403" in text
    assert ACCESS_DENIED in text
    assert "Erin's title" not in text


def test_impersonation_inside_a_batch_part_is_ignored_as_dataverse_ignores_it(api: Api, org: Org) -> None:
    # Dataverse takes the impersonation header of the $batch request only; on a part or changeset it is ignored
    # (MicrosoftDocs/dynamics-365-customer-engagement issue 531, 2018-2019). The part runs as the batch's caller.
    body = batch_body((f"/api/data/v9.2/contacts({org.erin_contact})?$select=jobtitle", {"MSCRMCallerID": org.wes}))
    answer = api.post("$batch", data=body, headers={"Content-Type": f"multipart/mixed; boundary={BOUNDARY}"})
    assert "Erin's title" in answer.get_data(as_text=True)


# --- writes ---

def test_writes_check_create_write_delete_and_assign(api: Api, org: Org, configuration: dict[str, Any]) -> None:
    created = api.post("contacts", json={"lastname": "New"}, headers=as_user(org.wes))
    assert created.status_code == 403
    assert created.json["error"]["code"] == PRIVILEGE_DENIED
    assert "prvCreatecontact" in created.json["error"]["message"]
    outbox = {"subject": "Hi", "smsb_configuration@odata.bind":
              f"/smsb_configurations({configuration['smsb_configurationid']})"}
    mine = api.post("smsb_outboxes", json=outbox, headers=as_user(org.wes, Prefer="return=representation"))
    assert mine.status_code == 201, mine.get_data(as_text=True)
    outbox_id = mine.json["activityid"]
    # SMS Bridge User writes activities at Basic depth: neither Erin (another unit) nor Will (same unit) may change
    # Wes's Outbox; Wes may, and may give it to Erin
    assert api.patch(f"smsb_outboxes({outbox_id})", json={"subject": "x"},
                     headers=as_user(org.erin, **{"If-Match": "*"})).status_code == 403
    refused = api.patch(f"smsb_outboxes({outbox_id})", json={"subject": "x"},
                        headers=as_user(org.will, **{"If-Match": "*"}))
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == ACCESS_DENIED
    assert api.patch(f"smsb_outboxes({outbox_id})", json={"subject": "y"},
                     headers=as_user(org.wes, **{"If-Match": "*"})).status_code == 204
    assigned = api.patch(f"smsb_outboxes({outbox_id})", json={"ownerid@odata.bind": f"/systemusers({org.erin})"},
                         headers=as_user(org.wes, **{"If-Match": "*"}))
    assert assigned.status_code == 204
    assert stored(api.emulator, "smsb_outbox", outbox_id)["owningbusinessunit"] == Ref("businessunit", org.east)
    deleted = api.delete(f"smsb_outboxes({outbox_id})", headers=as_user(org.erin))
    assert deleted.status_code == 403
    assert "prvDeleteActivity" in deleted.json["error"]["message"]
    assert api.delete(f"smsb_outboxes({outbox_id})").status_code == 204


def test_lookups_need_append_on_the_row_and_append_to_on_the_target(api: Api, org: Org,
                                                                    configuration: dict[str, Any]) -> None:
    # SMS Bridge User links to conversations at Basic depth: its own (and its teams'), not a colleague's
    far = api.create("smsb_conversations", {"smsb_name": "Will's", "smsb_phonenumber": "+16565550100",
                                            "ownerid@odata.bind": f"/systemusers({org.will})"})
    near = api.create("smsb_conversations", {"smsb_name": "Wes's", "smsb_phonenumber": "+16565550101",
                                             "ownerid@odata.bind": f"/systemusers({org.wes})"})
    refused = api.post("smsb_dismissals", json={
        "smsb_name": "d", "smsb_conversation@odata.bind": f"/smsb_conversations({far['smsb_conversationid']})"},
        headers=as_user(org.wes))
    assert refused.status_code == 403
    assert "AppendToAccess" in refused.json["error"]["message"]
    allowed = api.post("smsb_dismissals", json={
        "smsb_name": "d", "smsb_conversation@odata.bind": f"/smsb_conversations({near['smsb_conversationid']})"},
        headers=as_user(org.wes))
    assert allowed.status_code == 204, allowed.get_data(as_text=True)


# --- impersonation and switches ---

def test_whoami_while_impersonating_answers_that_user_and_their_unit(api: Api, org: Org) -> None:
    answer = api.get("WhoAmI", headers=as_user(org.erin)).json
    assert (answer["UserId"], answer["BusinessUnitId"]) == (org.erin, org.east)


def test_impersonating_needs_the_act_on_behalf_privilege(api: Api, org: Org, emulator: DataverseEmulator) -> None:
    admin = emulator.solutions.role_id("System Administrator")
    for link in emulator.store.rows("systemuserroles"):
        if link["systemuserid"] == emulator.user_id and link["roleid"] == admin:
            emulator.store.remove("systemuserroles", link["systemuserroleid"])
    assert api.get("WhoAmI", headers=as_user(org.erin)).status_code == 200  # SMS Bridge Integration carries it
    emulator.solutions.set_privilege("SMS Bridge Integration", "prvActOnBehalfOfAnotherUser", None, None)
    refused = api.get("WhoAmI", headers=as_user(org.erin))
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == PRIVILEGE_DENIED
    assert "is missing prvActOnBehalfOfAnotherUser privilege" in refused.json["error"]["message"]
    assert api.get("WhoAmI").status_code == 200  # acting as itself needs nothing


def test_security_can_be_switched_off_or_on_for_every_request(api: Api, org: Org, emulator: DataverseEmulator) -> None:
    emulator.access.mode = SecurityMode.OFF
    assert api.get(f"contacts({org.erin_contact})", headers=as_user(org.wes)).status_code == 200
    emulator.access.mode = SecurityMode.ALWAYS
    admin = emulator.solutions.role_id("System Administrator")
    for link in emulator.store.rows("systemuserroles"):
        if link["systemuserid"] == emulator.user_id and link["roleid"] == admin:
            emulator.store.remove("systemuserroles", link["systemuserroleid"])
    # SMS Bridge Integration reads contacts everywhere but holds nothing on sales orders
    assert api.get(f"contacts({org.erin_contact})").status_code == 200
    refused = api.post("salesorders", json={"name": "SO-1"})
    assert refused.status_code == 403
    assert "prvCreatesalesorder" in refused.json["error"]["message"]
    assert emulator.store.rows("salesorder") == []


def test_sharing_is_refused_by_name(api: Api) -> None:
    answer = api.post("GrantAccess", json={"Target": {}, "PrincipalAccess": {}})
    assert answer.status_code == 501
    assert "GrantAccess" in answer.json["error"]["message"]
    assert api.post("ModifyAccess", json={}).status_code == 501


def test_retrieve_user_privileges_lists_what_the_roles_give(api: Api, org: Org, emulator: DataverseEmulator) -> None:
    mine = api.get(f"systemusers({emulator.user_id})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()").json
    names = {p["PrivilegeName"] for p in mine["RolePrivileges"]}
    assert "prvActOnBehalfOfAnotherUser" in names
    theirs = api.get(f"systemusers({org.basic})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges").json
    depths = {p["PrivilegeName"].lower(): p["Depth"] for p in theirs["RolePrivileges"]}
    assert depths["prvreadcontact"] == "Basic"
    assert "prvactonbehalfofanotheruser" not in depths


def test_imported_roles_grant_the_privileges_their_package_lists(clock: Clock) -> None:
    emulator = DataverseEmulator(clock=clock, preinstalled=False)
    try:
        api = Api(emulator)
        data = package_zip(privileges={"SMS Bridge User": [("prvReadContact", "Local"), ("prvReadAccount", "Deep")]})
        answer = api.post("ImportSolution", json={"CustomizationFile": base64.b64encode(data).decode(),
                                                  "OverwriteUnmanagedCustomizations": True, "PublishWorkflows": True})
        assert answer.status_code == 204, answer.get_data(as_text=True)
        user = emulator.store.insert("systemuser", {"fullname": "Imp", "businessunitid": Ref(
            "businessunit", emulator.business_unit_id)})
        emulator.solutions.grant_user_role(user, "SMS Bridge User")
        held = {p["PrivilegeName"]: p["Depth"] for p in api.get(
            f"systemusers({user})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges").json["RolePrivileges"]}
        assert held == {"prvReadAccount": "Deep", "prvReadContact": "Local"}
        contact = api.create("contacts", {"lastname": "Visible"})
        assert api.get(f"contacts({contact['contactid']})", headers=as_user(user)).status_code == 200
        assert api.get(f"leads({uuid.uuid4()})", headers=as_user(user)).status_code == 404
    finally:
        emulator.webhooks.stop()
