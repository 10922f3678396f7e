"""``smsbridge add-chat``: the chat tab on a table's main form through the Web API, run as an admin runs it against
the emulator (tables made through the metadata API, forms read and patched through systemforms, PublishXml)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from lxml import etree

from admin.cli import run
from devstack.dataverse_emulator import DataverseEmulator, RunningServer
from devstack.dataverse_emulator import serve as serve_dataverse

from .conftest import Result

TOKEN = "devstack-emulator-token"


def _label(text: str) -> dict[str, Any]:
    return {"LocalizedLabels": [{"Label": text, "LanguageCode": 1033}]}


class Org:
    def __init__(self, emulator: DataverseEmulator, server: RunningServer, cwd: Path) -> None:
        self.emulator, self.server, self.cwd = emulator, server, cwd

    def smsbridge(self, *argv: str) -> Result:
        out, err = io.StringIO(), io.StringIO()
        env = {"DATAVERSE_URL": self.server.url, "DATAVERSE_TOKEN": TOKEN}
        code = run(list(argv), environ=env, cwd=self.cwd, stdout=out, stderr=err)
        return Result(code, out.getvalue(), err.getvalue())

    def web_api(self, method: str, path: str, body: dict[str, Any] | None = None) -> requests.Response:
        return requests.request(method, self.server.api_url + path, json=body, timeout=30,
                                headers={"Authorization": f"Bearer {TOKEN}"})

    def create_table(self, schema_name: str, display: str, *, activities: bool) -> str:
        response = self.web_api("POST", "EntityDefinitions", {
            "@odata.type": "Microsoft.Dynamics.CRM.EntityMetadata", "SchemaName": schema_name,
            "DisplayName": _label(display), "DisplayCollectionName": _label(display + "s"),
            "OwnershipType": "UserOwned", "HasActivities": activities, "HasNotes": False, "IsActivity": False,
            "Attributes": [{"@odata.type": "Microsoft.Dynamics.CRM.StringAttributeMetadata",
                            "SchemaName": schema_name.split("_", maxsplit=1)[0] + "_Name", "IsPrimaryName": True,
                            "MaxLength": 100, "DisplayName": _label("Name"), "RequiredLevel": {"Value": "None"}}]})
        assert response.status_code == 204, response.text
        return schema_name.lower()

    def tabs(self, table: str) -> dict[str, list[str]]:
        forms = self.emulator.system_forms.main_forms(table)
        return {f["name"]: [t.get("name") for t in etree.fromstring(f["formxml"].encode()).iterfind("tabs/tab")]
                for f in forms}


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    """An environment with SMS Bridge installed."""
    emulator = DataverseEmulator()
    with serve_dataverse(emulator) as server:
        yield Org(emulator, server, tmp_path)
    emulator.webhooks.stop()


def test_add_chat_puts_the_tab_on_a_new_tables_form_and_a_second_run_changes_nothing(org: Org) -> None:
    table = org.create_table("new_Project", "Project", activities=True)

    first = org.smsbridge("add-chat", "--table", table)

    assert first.code == 0, first.text
    assert first.out.splitlines() == [
        "added: the Message UI tab to the form 'Information' of new_project (Message Sessions by "
        "new_project_smsb_messagesession_regardingobjectid)",
        "published: new_project",
        "done",
    ]
    assert first.err.splitlines() == [  # a progress line per step
        "reading the table new_project",
        "finding the Message Sessions relationship to new_project",
        "reading the main forms of new_project",
        "adding the Message UI tab to the form 'Information'",
        "publishing new_project",
    ]
    assert org.tabs(table) == {"Information": ["general", "smsb_message_ui"]}  # published: what users see
    assert org.emulator.solutions.publish_count == 1

    second = org.smsbridge("add-chat", "--table", table)

    assert second.code == 0, second.text
    assert second.out.splitlines() == ["unchanged: the form 'Information' of new_project has the chat already",
                                       "changed nothing"]
    assert "publishing" not in second.err
    assert org.emulator.solutions.publish_count == 1
    assert org.tabs(table) == {"Information": ["general", "smsb_message_ui"]}


def test_the_chat_on_lead_follows_the_sessions_regarding_and_on_contact_it_is_already_shipped(org: Org) -> None:
    lead = org.smsbridge("add-chat", "--table", "lead")
    assert lead.code == 0, lead.text
    assert "Message Sessions by lead_smsb_messagesession_regardingobjectid" in lead.out
    form = org.emulator.system_forms.main_forms("lead")[0]["formxml"]
    parsed = etree.fromstring(form.encode())
    assert parsed.findtext(".//control[@id='TextSMSChatSystem']/parameters/RelationshipName") == (
        "lead_smsb_messagesession_regardingobjectid")
    chat = parsed.find("controlDescriptions/controlDescription/customControl[@name]")
    assert chat.get("name") == "smsb_SmsBridge.TextSMSChatSystem"
    assert chat.findtext("parameters/parentTable") == "lead"

    contact = org.smsbridge("add-chat", "--table", "contact")
    assert contact.code == 0, contact.text
    assert "unchanged: the form 'Contact' of contact has the chat already" in contact.out


def test_a_table_that_does_not_exist_is_named_with_what_to_give_instead(org: Org) -> None:
    result = org.smsbridge("add-chat", "--table", "new_nothing")
    assert result.code == 1
    assert "no table 'new_nothing' in this environment: give its logical name" in result.err


def test_a_table_without_activities_is_refused_with_how_to_enable_them(org: Org) -> None:
    table = org.create_table("new_Site", "Site", activities=False)

    result = org.smsbridge("add-chat", "--table", table)

    assert result.code == 1
    assert "new_site does not take activities, so a Message Session cannot be Regarding its records" in result.err
    assert "tick 'Creating a new activity'" in result.err
    assert org.tabs(table) == {"Information": ["general"]}


def test_an_activity_table_is_refused(org: Org) -> None:
    result = org.smsbridge("add-chat", "--table", "smsb_outbox")
    assert result.code == 1
    assert "smsb_outbox is an activity table" in result.err


def test_a_table_whose_main_forms_are_all_switched_off_has_no_form_to_take_the_chat(org: Org) -> None:
    table = org.create_table("new_Depot", "Depot", activities=True)
    form_id = org.emulator.system_forms.main_forms(table)[0]["formid"]
    assert org.web_api("PATCH", f"systemforms({form_id})", {"formactivationstate": 0}).status_code == 204

    result = org.smsbridge("add-chat", "--table", table)

    assert result.code == 1
    assert "new_depot has no active main form to put the chat on" in result.err


def test_a_form_that_is_not_there_lists_the_forms_that_are(org: Org) -> None:
    table = org.create_table("new_Store", "Store", activities=True)
    result = org.smsbridge("add-chat", "--table", table, "--form", "Sales")
    assert result.code == 1
    assert "new_store has no main form 'Sales'; its main forms: 'Information'" in result.err

    by_id = org.smsbridge("add-chat", "--table", table, "--form",
                          "{" + org.emulator.system_forms.main_forms(table)[0]["formid"].upper() + "}")
    assert by_id.code == 0, by_id.text
    assert "added: the Message UI tab to the form 'Information' of new_store" in by_id.out
