"""The browser stand-in's WSGI side, without a browser: pages, the user switch, redirects and served files."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.test import Client

from devstack.browser import handler
from devstack.browser.forms import form_model, form_source
from devstack.browser.pages import team_users
from devstack.dataverse_emulator import DataverseEmulator
from devstack.dataverse_site import dataverse_site


@pytest.fixture
def emulator() -> Iterator[DataverseEmulator]:
    emu = DataverseEmulator()
    emu.seed_demo()
    yield emu
    emu.webhooks.stop()


@pytest.fixture
def client(emulator: DataverseEmulator) -> Client:
    return Client(dataverse_site(emulator))


def test_home_lists_the_team_and_defaults_to_its_first_user(client: Client, emulator: DataverseEmulator) -> None:
    users = team_users(emulator)
    assert len(users) == 3
    page = client.get("/devstack/").get_data(as_text=True)
    assert f'<option value="{users[0]["id"]}" selected>' in page
    assert all(user["name"] in page for user in users)
    assert "Avery Park" in page
    assert "Contoso Pharmaceuticals" in page
    assert f"user={users[0]['id']}" in page  # the pane acts as that user
    switched = client.get(f"/devstack/?user={users[2]['id'].upper()}").get_data(as_text=True)
    assert f'<option value="{users[2]["id"]}" selected>' in switched


def test_a_record_page_hosts_the_chat_with_the_platform_libraries(client: Client, emulator: DataverseEmulator) -> None:
    contact = emulator.seed_demo()["contacts"]["Avery Park"]
    response = client.get(f"/devstack/record/contact/{contact}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for script in ("/devstack/lib/react.js", "/devstack/lib/react-dom.js", "/devstack/lib/fluent.js",
                   "/devstack/control/bundle.js", "/devstack/static/pcf-host.js", "/devstack/static/form-host.js"):
        assert script in page
    assert '"table": "contact"' in page
    assert "Avery Park" in page
    # The chat sits in the subgrid of the form the solution adds to contacts, on its Message UI tab.
    assert 'data-form="Contact - SMS Bridge"' in page
    assert '<button type="button" role="tab" id="dv-tab-message_ui"' in page
    assert 'data-subgrid="TextSMSChatSystem"' in page
    assert '"relatedBy": "_smsb_customer_value"' in page
    assert client.get(f"/devstack/record/contact/{uuid.uuid4()}").status_code == 404
    assert client.get(f"/devstack/record/nosuchtable/{contact}").status_code == 404
    # a table the solution ships no form of shows the org's main form (systemforms); one without forms is 404
    assert 'data-form="Information"' in client.get(f"/devstack/record/systemuser/{emulator.user_id}").get_data(
        as_text=True)
    role = next(r for r in emulator.store.rows("role"))
    assert client.get(f"/devstack/record/role/{role['roleid']}").status_code == 404


def test_the_configuration_page_is_the_configuration_form_the_solution_ships(
    client: Client, emulator: DataverseEmulator
) -> None:
    configuration = emulator.store.insert("smsb_configuration", {"smsb_name": "SMS +15005550006"})
    page = client.get(f"/devstack/record/smsb_configuration/{configuration}").get_data(as_text=True)
    definition = form_model(form_source(), "smsb_configuration")
    assert definition is not None
    tabs = [tab["label"] for tab in definition["tabs"]]
    assert tabs == ["Details", "Record Type", "Message Template"]  # as the manual's screen
    for tab in definition["tabs"]:
        assert f'id="dv-tab-{tab["name"]}"' in page
        for section in tab["sections"]:
            assert f'>{section["label"]}</h2>' in page
            for field in section["fields"]:
                assert f'data-field="{field["name"]}"' in page
    assert '<dd data-header="smsb_lastvalidatedon">' in page
    assert "<dt>Validation Status</dt>" in page
    assert 'data-command="smsb.smsb_configuration.Validate.Button"' in page  # the form's command bar
    assert '<script src="/devstack/webresources/smsb_/scripts/smsbridge.js">' in page  # its library
    assert '"function": "SmsBridge.Forms.Configuration.onLoad"' in page  # and OnLoad handler
    assert 'data-webresource-control="WebResource_smsb_allowcreateto"' in page
    assert '<caption>Active Record Types</caption>' in page  # a subgrid through its view
    assert '<output id="dv-f-smsb_authtoken"' in page  # a secured column is never an input


def test_view_message_opens_the_conversations_form(client: Client, emulator: DataverseEmulator) -> None:
    conversation = str(uuid.uuid4())
    emulator.store.insert("smsb_conversation", {"smsb_conversationid": conversation, "smsb_name": "x"})
    response = client.get(f"/devstack/conversation/{conversation}?user=abc")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/devstack/record/smsb_conversation/{conversation}?user=abc"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert page.index('id="dv-tab-message_ui"') < page.index('id="dv-tab-general"')  # the chat first
    assert 'data-command="smsb.smsb_conversation.Unblock.Button" hidden' in page
    assert client.get(f"/devstack/conversation/{uuid.uuid4()}").status_code == 404


def test_files_are_served_from_their_build_folders_only(client: Client) -> None:
    script = client.get("/devstack/static/shell.js")
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert client.get("/devstack/static/../handler.py").status_code == 404
    assert client.get("/devstack/static/%2e%2e/handler.py").status_code == 404
    assert client.post("/devstack/").status_code == 405


def test_a_missing_build_names_the_make_target(client: Client, emulator: DataverseEmulator,
                                               monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(handler, "CONTROL_OUT", tmp_path / "absent")
    monkeypatch.setattr(handler, "WEB_DIST", tmp_path / "absent")
    page = client.get("/devstack/").get_data(as_text=True)
    assert "make controls" in page
    assert "make frontend" in page
    missing = client.get("/devstack/control/bundle.js")
    assert missing.status_code == 404
    assert "make controls" in missing.get_data(as_text=True)


def test_the_web_api_is_untouched_by_the_stand_in(client: Client, emulator: DataverseEmulator) -> None:
    assert client.get("/api/data/v9.2/WhoAmI").status_code == 401  # still needs its bearer token
    # The shell is composed next to the emulator on one origin, not served by it.
    assert Client(emulator.wsgi_app).get("/devstack/").status_code == 404


def test_a_pages_session_reads_as_its_user_what_the_page_asks_for_without_a_token(
        client: Client, emulator: DataverseEmulator) -> None:
    """An image's file is read with the page's session, as Dataverse's session cookie does in the app."""
    users = team_users(emulator)
    contact = emulator.seed_demo()["contacts"]["Avery Park"]
    path = f"/api/data/v9.2/contacts({contact})?$select=fullname"
    assert client.get(path).status_code == 401  # no page opened: no session
    client.get(f"/devstack/?user={users[1]['id']}")
    answer = client.get(path)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["fullname"] == "Avery Park"
    who = client.get("/api/data/v9.2/WhoAmI").get_json()
    assert who["UserId"] == users[1]["id"]  # the page's user, not the application user
    # a request with a token of its own (the product, the SDK, the pages' fetch calls) is left as it came
    own = client.get("/api/data/v9.2/WhoAmI", headers={"Authorization": "Bearer app"}).get_json()
    assert own["UserId"] != users[1]["id"]
