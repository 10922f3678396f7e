"""The chat on any table, in a browser: a table created through the metadata Web API (taking activities, with a
phone column) gets the chat on its main form from ``smsbridge add-chat``; its record page, drawn from the form the
emulated org now holds, shows the Message UI tab, and a text composed there becomes an Outbox Regarding the record,
which the server sends to the record's number (the table learned from its metadata) in a session Regarding it.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from admin.cli import run
from devstack.browser.pages import team_users
from devstack.dataverse_emulator import Ref
from devstack.sandbox import Sandbox
from tests.e2e.conftest import HANG_SECONDS

pytestmark = [pytest.mark.azurite, pytest.mark.loopback]

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the browser fixture fails first
    expect = None

PHONE = "+16562185899"


def _label(text: str) -> dict[str, Any]:
    return {"LocalizedLabels": [{"Label": text, "LanguageCode": 1033}]}


def _web_api(sandbox: Sandbox, method: str, path: str, body: dict[str, Any] | None = None,
             headers: dict[str, str] | None = None) -> requests.Response:
    assert sandbox.dataverse_server is not None
    response = requests.request(method, sandbox.dataverse_server.api_url + path, json=body, timeout=30,
                                headers={"Authorization": "Bearer devstack", **(headers or {})})
    assert response.ok, response.text
    return response


def _wait(find: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = find()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_add_chat_puts_the_chat_on_a_custom_tables_record_page_and_a_text_is_composed_there(
    sandbox: Sandbox, new_page: Callable[[], Any], tmp_path: Path
) -> None:
    assert sandbox.product is not None
    assert sandbox.dataverse_server is not None
    # An admin makes a table of their own, which takes activities and has a phone column...
    _web_api(sandbox, "POST", "EntityDefinitions", {
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
    for verb in ("Create", "Read", "Write", "Append", "AppendTo"):  # ...lets its users work with it...
        sandbox.dataverse.solutions.set_privilege("Basic User", verb, "new_project", "Global")
    project = _web_api(sandbox, "POST", "new_projects", {"new_name": "Harbour Lights", "new_mobile": PHONE},
                       headers={"Prefer": "return=representation"}).json()["new_projectid"]
    # ...makes it textable (a Record Type naming its phone column)...
    _web_api(sandbox, "POST", "smsb_recordtypes", {
        "smsb_name": "Projects", "smsb_entitylogicalname": "new_project", "smsb_phonefield": "new_mobile",
        "smsb_priorityorder": 3,
        "smsb_configuration@odata.bind": f"/smsb_configurations({sandbox.product.configuration_id})"})
    # ...and puts the chat on its main form.
    out, err = io.StringIO(), io.StringIO()
    code = run(["add-chat", "--table", "new_project"], cwd=tmp_path,
               environ={"DATAVERSE_URL": sandbox.dataverse_server.url, "DATAVERSE_TOKEN": "devstack-emulator-token"},
               stdout=out, stderr=err)
    assert code == 0, out.getvalue() + err.getvalue()
    assert "added: the Message UI tab to the form 'Information' of new_project" in out.getvalue()

    agent = team_users(sandbox.dataverse)[1]
    page = new_page()
    page.goto(f"{sandbox.dataverse_server.api_url.split('/api/')[0]}/devstack/record/new_project/{project}"
              f"?user={agent['id']}&poll=2")
    expect(page.get_by_role("heading", name="Harbour Lights", level=1)).to_be_visible()
    expect(page.locator(".dv-form-name")).to_contain_text("Information")
    page.get_by_role("tab", name="Message UI").click()
    box = page.get_by_role("textbox", name="Type a message")
    expect(box).to_be_visible()
    text = "Your project update is ready."
    box.fill(text)
    send = page.get_by_role("button", name="Send", exact=True)
    expect(send).to_be_enabled()
    send.click()

    outbox = _wait(lambda: next((r for r in sandbox.rows("smsb_outbox") if r.get("smsb_freeform") == text), None),
                   HANG_SECONDS, "the Outbox of the text")
    assert outbox["regardingobjectid"] == Ref("new_project", project)
    assert str(getattr(outbox["smsb_configuration"], "id", outbox["smsb_configuration"])) == str(
        sandbox.product.configuration_id)
    # The server learns the table from its definition and texts the record's number, found through its Record Type.
    sent = _wait(lambda: [m for m in sandbox.twilio.messages if m.direction == "outbound-api" and m.to == PHONE],
                 HANG_SECONDS, "the text at Twilio")
    assert [m.body for m in sent] == [text]
    session = _wait(lambda: next((r for r in sandbox.rows("smsb_messagesession")
                                  if r.get("regardingobjectid") == Ref("new_project", project)), None),
                    HANG_SECONDS, "the session Regarding the project")
    assert session["smsb_phonenumber"] == PHONE
