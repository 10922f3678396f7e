"""Record pages drawn from the forms the emulated org holds (systemforms), without a browser: a table created at run
time shows its main form, with the chat once ``smsbridge add-chat`` put it there; ``?formid=`` picks an org form."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.test import Client

from devstack.dataverse_emulator import DataverseEmulator
from devstack.dataverse_site import dataverse_site
from solution.packer.chat_tab import add_chat_tab
from solution.packer.definitions import ChatTab

API = "/api/data/v9.2/"
HEADERS = {"Authorization": "Bearer devstack"}


def _label(text: str) -> dict[str, Any]:
    return {"LocalizedLabels": [{"Label": text, "LanguageCode": 1033}]}


@pytest.fixture
def emulator() -> Iterator[DataverseEmulator]:
    emu = DataverseEmulator()
    emu.seed_demo()
    yield emu
    emu.webhooks.stop()


@pytest.fixture
def client(emulator: DataverseEmulator) -> Client:
    return Client(dataverse_site(emulator))


def _project(client: Client) -> str:
    """A table made through the metadata API (taking activities, with a phone column) and one of its rows."""
    created = client.post(API + "EntityDefinitions", headers=HEADERS, json={
        "@odata.type": "Microsoft.Dynamics.CRM.EntityMetadata", "SchemaName": "new_Project",
        "DisplayName": _label("Project"), "DisplayCollectionName": _label("Projects"), "OwnershipType": "UserOwned",
        "HasActivities": True, "HasNotes": False, "IsActivity": False,
        "Attributes": [
            {"@odata.type": "Microsoft.Dynamics.CRM.StringAttributeMetadata", "SchemaName": "new_Name",
             "IsPrimaryName": True, "MaxLength": 100, "DisplayName": _label("Name"),
             "RequiredLevel": {"Value": "None"}},
            {"@odata.type": "Microsoft.Dynamics.CRM.StringAttributeMetadata", "SchemaName": "new_Mobile",
             "MaxLength": 40, "FormatName": {"Value": "Phone"}, "DisplayName": _label("Mobile"),
             "RequiredLevel": {"Value": "None"}},
        ]})
    assert created.status_code == 204, created.get_data(as_text=True)
    row = client.post(API + "new_projects", headers={**HEADERS, "Prefer": "return=representation"},
                      json={"new_name": "Harbour Lights", "new_mobile": "+16562185899"})
    assert row.status_code == 201, row.get_data(as_text=True)
    return str(row.get_json()["new_projectid"])


def _boot(page: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="dv-boot">(.*?)</script>', page, re.S)
    assert match, page[:500]
    boot: dict[str, Any] = json.loads(match.group(1).replace("<\\/", "</"))
    return boot


def test_a_table_created_at_run_time_shows_its_main_form_from_the_org(client: Client) -> None:
    project = _project(client)

    response = client.get(f"/devstack/record/new_project/{project}")

    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert 'data-form="Information"' in page
    form = _boot(page)["form"]
    assert [t["label"] for t in form["tabs"]] == ["General"]
    assert [f["name"] for f in form["tabs"][0]["sections"][0]["fields"]] == ["new_name", "new_mobile", "ownerid"]
    assert "/devstack/control/bundle.js" not in page  # no chat on it yet


def test_after_add_chat_the_page_shows_the_message_ui_tab_hosting_the_chat(client: Client,
                                                                           emulator: DataverseEmulator) -> None:
    project = _project(client)
    (form,) = emulator.system_forms.main_forms("new_project")
    chat = ChatTab("new_project", form["name"], "{" + form["formid"] + "}",
                   "new_project_smsb_messagesession_regardingobjectid")
    patched = add_chat_tab(form["formxml"], chat)
    assert patched is not None
    assert client.patch(f"{API}systemforms({form['formid']})", headers=HEADERS,
                        json={"formxml": patched}).status_code == 204
    before = _boot(client.get(f"/devstack/record/new_project/{project}").get_data(as_text=True))["form"]
    assert [t["label"] for t in before["tabs"]] == ["General"]  # patched, not yet published
    publish = "<importexportxml><entities><entity>new_project</entity></entities></importexportxml>"
    assert client.post(f"{API}PublishXml", headers=HEADERS, json={"ParameterXml": publish}).status_code == 204

    page = client.get(f"/devstack/record/new_project/{project}").get_data(as_text=True)

    form_model = _boot(page)["form"]
    assert [t["label"] for t in form_model["tabs"]] == ["General", "Message UI"]
    grid = form_model["tabs"][1]["sections"][0]["subgrid"]
    assert grid["control"] == "TextSMSChatSystem"
    assert grid["table"] == "smsb_messagesession"
    assert grid["relatedBy"] == "_regardingobjectid_value"
    assert grid["parameters"] == {"heightPx": "560", "pollSeconds": "5", "parentTable": "new_project"}
    assert grid["view"] == "All Message Sessions - Internal Purpose"
    assert '<button type="button" role="tab" id="dv-tab-smsb_message_ui"' in page
    assert "/devstack/control/bundle.js" in page


def test_formid_opens_an_org_form_even_where_the_solution_has_a_form(client: Client,
                                                                     emulator: DataverseEmulator) -> None:
    contact = emulator.seed_demo()["contacts"]["Avery Park"]
    standard = "1fed44d1-ae68-4a41-bd2b-f13acac4acfa"

    own = _boot(client.get(f"/devstack/record/contact/{contact}").get_data(as_text=True))["form"]
    org = _boot(client.get(f"/devstack/record/contact/{contact}?formid={{{standard.upper()}}}")
                .get_data(as_text=True))["form"]

    assert own["name"] == "Contact - SMS Bridge"  # the solution's own form first, as before
    assert org["name"] == "Contact"
    # Contact's own form carries the chat tab the solution adds to it, its sessions those of the Customer
    assert [t["label"] for t in org["tabs"]] == ["Summary", "Message UI"]
    assert org["tabs"][1]["sections"][0]["subgrid"]["relatedBy"] == "_smsb_customer_value"
    missing = client.get(f"/devstack/record/contact/{contact}?formid=00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
