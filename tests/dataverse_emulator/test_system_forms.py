"""systemforms and PublishXml/PublishAllXml: every table's main form, a change seen once published, the rest 501."""

from __future__ import annotations

from lxml import etree

from devstack.dataverse_emulator import DataverseEmulator

from .conftest import Api
from .test_metadata_writes import bank_account, created, error

CONTACT_FORM = "1fed44d1-ae68-4a41-bd2b-f13acac4acfa"
PUBLISH_CONTACT = "<importexportxml><entities><entity>contact</entity></entities></importexportxml>"


def _main_forms(api: Api, table: str) -> list[dict]:
    response = api.get(f"systemforms?$select=formid,name,formxml&$filter=objecttypecode eq '{table}' and type eq 2")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["value"]


def _tab_names(formxml: str) -> list[str]:
    return [t.get("name") for t in etree.fromstring(formxml.encode()).iterfind("tabs/tab")]


def test_the_standard_tables_main_forms_have_their_real_ids_and_names(api: Api) -> None:
    forms = {t: _main_forms(api, t) for t in ("contact", "account", "lead", "incident")}

    assert {t: [(f["formid"], f["name"]) for f in v] for t, v in forms.items()} == {
        "contact": [(CONTACT_FORM, "Contact")],
        "account": [("8448b78f-8f42-454e-8e2a-f8196b0419af", "Account")],
        "lead": [("e3b6ddb7-8df0-4410-ac7b-fd32e5053d38", "Lead")],
        "incident": [("4a63c8d1-6c1e-48ec-9db4-3e6c7155334c", "Case")],
    }
    form = etree.fromstring(forms["lead"][0]["formxml"].encode())
    assert form.tag == "form"
    assert [c.get("datafieldname") for c in form.iterfind(".//cell/control")][:1] == ["fullname"]
    assert "telephone1" in {c.get("datafieldname") for c in form.iterfind(".//cell/control")}


def test_a_table_created_through_the_metadata_api_gets_a_main_form_named_information(api: Api) -> None:
    created(api.post("EntityDefinitions", json=bank_account()))

    (form,) = _main_forms(api, "new_bankaccount")

    assert form["name"] == "Information"
    cells = [c.get("datafieldname") for c in etree.fromstring(form["formxml"].encode()).iterfind(".//cell/control")]
    assert cells == ["new_accountname", "ownerid"]
    one = api.get(f"systemforms({form['formid']})?$select=name,objecttypecode,type,formactivationstate").json
    assert (one["name"], one["objecttypecode"], one["type"], one["formactivationstate"]) == (
        "Information", "new_bankaccount", 2, 1)
    assert api.delete("EntityDefinitions(LogicalName='new_bankaccount')").status_code == 204
    assert _main_forms(api, "new_bankaccount") == []


def test_a_changed_form_is_seen_once_publishxml_publishes_its_table(api: Api, emulator: DataverseEmulator) -> None:
    (form,) = _main_forms(api, "lead")
    root = etree.fromstring(form["formxml"].encode())
    etree.SubElement(root.find("tabs"), "tab", name="extra").append(etree.fromstring("<columns/>"))
    changed = etree.tostring(root, encoding="unicode")

    patched = api.patch(f"systemforms({form['formid']})", json={"formxml": changed})
    assert patched.status_code == 204, patched.get_data(as_text=True)
    assert _tab_names(_main_forms(api, "lead")[0]["formxml"]) == ["SUMMARY_TAB"]  # published: not yet

    other = api.post("PublishXml", json={"ParameterXml": PUBLISH_CONTACT})
    assert other.status_code == 204
    assert _tab_names(_main_forms(api, "lead")[0]["formxml"]) == ["SUMMARY_TAB"]  # another table was published

    published = api.post("PublishXml", json={
        "ParameterXml": "<importexportxml><entities><entity>lead</entity></entities></importexportxml>"})
    assert published.status_code == 204
    assert _tab_names(_main_forms(api, "lead")[0]["formxml"]) == ["SUMMARY_TAB", "extra"]
    assert emulator.solutions.publish_count == 2


def test_publishallxml_publishes_every_form(api: Api) -> None:
    form_id = _main_forms(api, "incident")[0]["formid"]
    assert api.patch(f"systemforms({form_id})", json={"name": "Case (SMS)"}).status_code == 204
    assert api.post("PublishAllXml").status_code == 204
    assert api.get(f"systemforms({form_id})?$select=name").json["name"] == "Case (SMS)"


def test_a_form_switched_off_is_no_longer_an_active_main_form(api: Api) -> None:
    form_id = _main_forms(api, "lead")[0]["formid"]
    assert api.patch(f"systemforms({form_id})", json={"formactivationstate": 0}).status_code == 204
    active = api.get("systemforms?$select=formid&$filter=objecttypecode eq 'lead' and formactivationstate eq 1")
    assert active.json["value"] == []


def test_what_is_not_a_form_is_refused(api: Api) -> None:
    path = f"systemforms({CONTACT_FORM})"
    assert "well-formed" in error(api.patch(path, json={"formxml": "<form><tabs>"}), 400)
    assert "<form>" in error(api.patch(path, json={"formxml": "<systemform/>"}), 400)
    assert "tab" in error(api.patch(path, json={"formxml": "<form><tabs/></form>"}), 400)
    assert "takes a string" in error(api.patch(path, json={"formxml": 7}), 400)
    assert error(api.get("systemforms(00000000-0000-0000-0000-000000000001)"), 404)


def test_what_systemforms_does_not_emulate_answers_501_naming_it(api: Api) -> None:
    path = f"systemforms({CONTACT_FORM})"
    assert "formjson" in error(api.patch(path, json={"formjson": "{}"}), 501)
    assert "creating forms" in error(api.post("systemforms", json={"name": "New"}), 501)
    assert "deleting" in error(api.delete(path), 501)
    assert "$expand" in error(api.get("systemforms?$expand=objecttypecode"), 400)


def test_publishxml_takes_what_its_schema_describes(api: Api) -> None:
    assert "required" in error(api.post("PublishXml", json={}), 400)
    assert "well-formed" in error(api.post("PublishXml", json={"ParameterXml": "<importexportxml>"}), 400)
    assert "schema" in error(api.post("PublishXml", json={"ParameterXml": "<publish/>"}), 400)
    ribbons = "<importexportxml><ribbons><ribbon/></ribbons></importexportxml>"
    assert "ribbons" in error(api.post("PublishXml", json={"ParameterXml": ribbons}), 501)
    unknown = "<importexportxml><entities><entity>new_nothing</entity></entities></importexportxml>"
    assert "new_nothing" in error(api.post("PublishXml", json={"ParameterXml": unknown}), 404)
    assert error(api.get("PublishXml"), 405)


def test_with_the_product_installed_contact_and_account_forms_carry_its_chat_tab(api: Api) -> None:
    for table in ("contact", "account"):
        (form,) = _main_forms(api, table)
        assert _tab_names(form["formxml"]) == ["SUMMARY_TAB", "smsb_message_ui"]
    assert _tab_names(_main_forms(api, "lead")[0]["formxml"]) == ["SUMMARY_TAB"]  # shipped to no optional table


def test_a_new_environment_has_the_plain_forms_until_the_product_is_imported() -> None:
    api = Api(DataverseEmulator(preinstalled=False))
    (form,) = _main_forms(api, "contact")
    assert _tab_names(form["formxml"]) == ["SUMMARY_TAB"]
