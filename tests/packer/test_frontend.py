"""The built front end is wired in: form scripts, web resource controls, ribbon buttons and the chat control.

These tests use the ``full`` package (built web resources and chat control, see conftest); without them the
fixture fails with the command to run.
"""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
import subprocess
import zipfile

import pytest

from solution.packer import build, describe
from solution.packer._assets import AssetError
from solution.packer._customizations import webresource_id
from solution.packer._forms import SUBGRID, WEBRESOURCE
from solution.packer._frontend import PACKAGING_FILE, load_frontend
from solution.packer._sources import wiring
from solution.packer._xml import parse
from solution.packer.definitions import DefinitionError
from solution.packer.validation import validate_customizations, validate_package

CHAT = "smsb_SmsBridge.TextSMSChatSystem"
CHAT_FORMS = {  # (table, form) → relationship of the Message Sessions subgrid the chat control draws
    ("contact", "Contact - SMS Bridge"): "contact_smsb_messagesession_smsb_customer",
    ("account", "Account - SMS Bridge"): "account_smsb_messagesession_smsb_customer",
    ("smsb_conversation", "Conversation"): "smsb_conversation_smsb_messagesession",
    # the chat tab on the standard tables' own main forms (test_chat_tabs.py)
    ("contact", "Contact"): "contact_smsb_messagesession_smsb_customer",
    ("account", "Account"): "account_smsb_messagesession_smsb_customer",
}
SCRIPT = "smsb_/scripts/smsbridge.js"


def _packaging() -> dict:
    return json.loads(PACKAGING_FILE.read_text(encoding="utf-8"))


def _forms(built):
    for entity in built.customizations.iterfind("Entities/Entity"):
        for form in entity.iterfind("FormXml/forms/systemform"):
            yield entity.findtext("Name").lower(), form.find("LocalizedNames/LocalizedName").get("description"), form


def _typeof_in_bundle(bundle: bytes, names: list[str]) -> dict[str, str]:
    """``typeof <name>`` for each dotted name, evaluated by Node in a sandbox that has run the bundle."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: the bundle's exports are checked with Node (apt-get install nodejs)")
    script = """
const vm = require("vm"); const chunks = [];
process.stdin.on("data", (c) => chunks.push(c)).on("end", () => {
  const ctx = vm.createContext({}); vm.runInContext(Buffer.concat(chunks).toString("utf8"), ctx);
  const out = {};
  for (const name of JSON.parse(process.argv[1])) {
    out[name] = vm.runInContext(`(() => { try { return typeof ${name}; } catch (e) { return "error"; } })()`, ctx);
  }
  process.stdout.write(JSON.stringify(out));
});"""
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [node, "-e", script, json.dumps(names)], input=bundle, capture_output=True, timeout=60, check=True
    )
    return json.loads(result.stdout)


def test_the_package_with_everything_in_validates_and_is_deterministic(full):
    assert validate_package(full.data) == []
    summary = describe(full.data)
    assert summary.custom_controls == (CHAT,)
    assert {w["name"] for w in _packaging()["webresources"]} <= set(summary.web_resources)
    assert (50, ":RibbonDiffXml") in summary.root_components
    assert (66, CHAT) in summary.root_components
    assert build(sources=full.sources) == full.data
    managed = build(True, sources=full.sources)
    assert validate_package(managed) == []
    assert build(True, sources=full.sources) == managed


def test_every_form_handler_and_ribbon_function_is_a_function_of_the_bundle(full):
    c = full.customizations
    handlers = c.xpath("//form/events/event/Handlers/Handler/@functionName")
    calls = c.xpath("//RibbonDiffXml//JavaScriptFunction/@FunctionName | //RibbonDiffXml//CustomRule/@FunctionName")
    assert len(handlers) == 3
    assert len(calls) == 9  # 5 buttons, 4 enable rules
    wr = {w.findtext("Name"): w.findtext("FileName") for w in c.iterfind("WebResources/WebResource")}
    bundle = full.files[wr[SCRIPT].lstrip("/")]
    kinds = _typeof_in_bundle(bundle, sorted(set(handlers) | set(calls)))
    assert kinds == {name: "function" for name in kinds}
    assert "SmsBridge.Forms.Configuration.onLoad" in kinds
    assert "SmsBridge.Inbox.initialize" in kinds


def test_every_library_and_web_resource_control_names_a_packed_web_resource(full):
    c = full.customizations
    packed = {w.findtext("Name"): w.findtext("WebResourceId") for w in c.iterfind("WebResources/WebResource")}
    libraries = c.xpath("//formLibraries/Library/@name | //Handler/@libraryName")
    ribbon = c.xpath("//RibbonDiffXml//JavaScriptFunction/@Library | //RibbonDiffXml//CustomRule/@Library")
    assert libraries
    assert ribbon
    assert set(libraries) == {SCRIPT}
    assert {lib.removeprefix("$webresource:") for lib in ribbon} == {SCRIPT}
    assert all(lib.startswith("$webresource:") for lib in ribbon)
    for control in c.xpath(f"//control[@classid='{WEBRESOURCE}']"):
        url = control.findtext("parameters/Url")
        assert url in packed
        assert control.findtext("parameters/WebResourceId") == packed[url]


def test_forms_carry_the_scripts_and_controls_packaging_json_lists(full):
    forms = {(t, n): f for t, n, f in _forms(full)}
    for entry in _packaging()["forms"]:
        form = forms[(entry["table"], entry["form"])]
        assert form.xpath("form/formLibraries/Library/@name") == entry["libraries"]
        handler = form.find("form/events/event[@name='onload']/Handlers/Handler")
        assert handler.get("functionName") == entry["onload"]["function"]
        assert handler.get("passExecutionContext") == "true"
        assert handler.get("enabled") == "true"
        for wanted in entry["webresource_controls"]:
            control = form.find(f".//control[@id='{wanted['id']}']")
            assert control is not None, wanted["id"]
            assert control.get("classid") == WEBRESOURCE
            assert control.findtext("parameters/Url") == wanted["webresource"]
            cell = control.getparent()
            assert cell.get("rowspan") == str(wanted["rows"])
            assert cell.find("labels/label").get("description") == wanted["label"]
            if "section" in wanted:
                assert control.xpath("ancestor::section/@name") == [wanted["section"]]
    scripted = {(t, n) for t, n, f in _forms(full) if f.find("form/formLibraries") is not None}
    assert scripted == {(e["table"], e["form"]) for e in _packaging()["forms"]}


def test_ribbons_match_packaging_json(full):
    c = full.customizations
    spec = _packaging()["ribbons"]
    app = c.find("RibbonDiffXml")
    (loader,) = spec["application"]
    action = app.find("CustomActions/CustomAction")
    assert action.get("Location") == "Mscrm.GlobalTab.Tools.Controls._children"
    rule = app.find(f"RuleDefinitions/EnableRules/EnableRule[@Id='{loader['enable_rule']['id']}']/CustomRule")
    assert rule.get("FunctionName") == "SmsBridge.Inbox.initialize"
    assert rule.get("Default") == "false"
    command = app.find(f"CommandDefinitions/CommandDefinition[@Id='{loader['command']['id']}']")
    assert command.xpath("EnableRules/EnableRule/@Id") == [loader["enable_rule"]["id"]]
    for entry in spec["entity"]:
        ribbon = full.entity(entry["table"]).find("RibbonDiffXml")
        action = ribbon.find(f"CustomActions/CustomAction[@Id='{entry['custom_action']['id']}']")
        assert action.get("Location") == entry["custom_action"]["location"]
        button = action.find("CommandUIDefinition/Button")
        assert button.get("Command") == entry["command"]["id"]
        assert button.get("ModernImage") == entry["button"]["modern_image"]
        label = ribbon.find(f"LocLabels/LocLabel[@Id='{entry['button']['id']}.LabelText']/Titles/Title")
        assert label.get("description") == entry["button"]["label"]
        command = ribbon.find(f"CommandDefinitions/CommandDefinition[@Id='{entry['command']['id']}']")
        js = command.find("Actions/JavaScriptFunction")
        assert js.get("FunctionName") == entry["command"]["action"]["function"]
        assert js.xpath("CrmParameter/@Value") == ["PrimaryControl"]
        for rule_id in entry["command"]["enable_rules"]:
            assert ribbon.find(f"RuleDefinitions/EnableRules/EnableRule[@Id='{rule_id}']/CustomRule") is not None
    tables = {e.findtext("Name").lower() for e in c.iterfind("Entities/Entity") if e.find("RibbonDiffXml") is not None}
    assert tables == {e["table"] for e in spec["entity"]}


def test_the_chat_control_draws_exactly_the_intended_subgrids(full):
    manifest = parse(full.files[f"Controls/{CHAT}/ControlManifest.xml"])
    dataset = manifest.find("control/data-set").get("name")
    bound = {}
    for table, name, form in _forms(full):
        for description in form.iterfind("form/controlDescriptions/controlDescription"):
            grid = form.xpath(f".//control[@uniqueid='{description.get('forControl')}']")
            assert len(grid) == 1
            (grid,) = grid
            assert grid.get("classid") == SUBGRID
            assert description.find("customControl[@id]").get("id") == SUBGRID
            chats = description.findall(f"customControl[@name='{CHAT}']")
            assert sorted(int(x.get("formFactor")) for x in chats) == [0, 1, 2]  # web, tablet, phone
            for chat in chats:
                ds = chat.find("parameters/data-set")
                assert ds.get("name") == dataset
                for key in ("ViewId", "RelationshipName", "TargetEntityType"):
                    assert ds.findtext(key) == grid.findtext(f"parameters/{key}")
                assert chat.findtext("parameters/parentTable") == table
                assert chat.find("parameters/heightPx").get("type") == "Whole.None"
            bound[(table, name)] = (grid.get("id"), grid.findtext("parameters/RelationshipName"))
    assert bound == {k: ("TextSMSChatSystem", rel) for k, rel in CHAT_FORMS.items()}
    assert full.customizations.xpath("CustomControls/CustomControl/Name/text()") == [CHAT]


def test_without_a_built_front_end_nothing_is_wired(full):
    bare = dataclasses.replace(full.sources, webresources=(), controls=())
    data = build(sources=bare)
    assert validate_package(data) == []
    custom = parse(_read(data, "customizations.xml"))
    assert not custom.xpath("//formLibraries | //form/events | //controlDescriptions | //RibbonDiffXml | //@uniqueid")
    assert not custom.xpath(f"//control[@classid='{WEBRESOURCE}']")
    assert (50, ":RibbonDiffXml") not in describe(data).root_components


def test_a_partial_front_end_build_is_refused(full):
    script_only = tuple(w for w in full.sources.webresources if w.name == SCRIPT or w.name.startswith("smsb_/help/"))
    with pytest.raises(AssetError, match=r"tools\.html"):
        build(sources=dataclasses.replace(full.sources, webresources=script_only))


def test_a_web_resource_of_another_type_than_listed_is_refused(full):
    changed = tuple(dataclasses.replace(w, type=1) if w.name == SCRIPT else w for w in full.sources.webresources)
    with pytest.raises(AssetError, match="type 3"):
        build(sources=dataclasses.replace(full.sources, webresources=changed))


def test_wiring_naming_a_missing_form_section_or_library_is_refused(full, tmp_path):
    def load(doc: dict):
        path = tmp_path / "packaging.json"
        path.write_text(json.dumps(doc))
        return dataclasses.replace(full.sources, frontend=load_frontend(path))

    doc = _packaging()
    doc["forms"][0]["webresource_controls"][0]["section"] = "nowhere"
    with pytest.raises(DefinitionError, match="nowhere"):
        wiring(load(doc))
    doc = _packaging()
    doc["forms"][0]["form"] = "No Such Form"
    with pytest.raises(DefinitionError, match="No Such Form"):
        wiring(load(doc))
    doc = _packaging()
    doc["ribbons"]["entity"][0]["command"]["action"]["library"] = "$webresource:smsb_/missing.js"
    with pytest.raises(DefinitionError, match=r"missing\.js"):
        wiring(load(doc))
    doc = _packaging()
    doc["ribbons"]["entity"][0]["command"]["enable_rules"] = ["smsb.Undefined.EnableRule"]
    with pytest.raises(DefinitionError, match="Undefined"):
        wiring(load(doc))
    assert load_frontend(tmp_path / "absent.json").forms == ()


def test_a_control_parameter_the_manifest_lacks_is_refused(full):
    d = full.sources.definitions
    forms = tuple(
        dataclasses.replace(f, tabs=tuple(
            dataclasses.replace(t, sections=tuple(
                dataclasses.replace(s, subgrid=dataclasses.replace(s.subgrid, control_parameters=(("colour", "red"),)))
                if s.subgrid is not None and s.subgrid.control else s
                for s in t.sections))
            for t in f.tabs))
        for f in d.forms
    )
    with pytest.raises(AssetError, match="colour"):
        build(sources=dataclasses.replace(full.sources, definitions=dataclasses.replace(d, forms=forms)))


def test_web_resource_controls_use_the_id_of_the_packed_resource(full):
    ids = {w.name: webresource_id(w) for w in full.sources.webresources}
    for control in full.customizations.xpath(f"//control[@classid='{WEBRESOURCE}']"):
        assert control.findtext("parameters/WebResourceId") == ids[control.findtext("parameters/Url")]


def _read(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


def test_the_schema_checks_the_ribbons_and_form_events(full):
    """RibbonCore/RibbonTypes.xsd and FormXml.xsd apply to what is generated as it is (no exception)."""
    custom = full.files["customizations.xml"]
    assert validate_customizations(custom) == []
    for good, bad in [
        (b'<CrmParameter Value="PrimaryControl"/>', b'<CrmParameter Value="Primary"/>'),
        (b"<TabDisplayRules/>", b""),
        (b'passExecutionContext="true"', b'passExecutionContext="yes"'),
        (b'FunctionName="SmsBridge.Inbox.initialize"', b'FunctionName="SmsBridge.Inbox.initialize()"'),
    ]:
        assert good in custom
        assert validate_customizations(custom.replace(good, bad, 1)), bad
