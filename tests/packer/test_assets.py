"""Built web resources and PCF controls travel when they exist, and nothing is added when they do not."""

from __future__ import annotations

import dataclasses
import io
import zipfile

import pytest

from solution.packer import build, describe
from solution.packer._assets import AssetError, find_controls, find_webresources
from solution.packer._xml import parse
from solution.packer.validation import validate_package

MANIFEST = b"""<?xml version="1.0" encoding="UTF-8"?>
<manifest><control namespace="SmsBridge" constructor="TextSMSChatSystem" version="1.0.0" control-type="virtual">
<data-set name="sessions"/><property name="parentTable" of-type="SingleLine.Text" usage="input"/>
<resources><code path="bundle.js" order="1"/></resources></control></manifest>"""


def test_missing_folders_give_no_assets(tmp_path):
    assert find_webresources(tmp_path / "absent") == ()
    assert find_controls(tmp_path / "absent") == ()


def test_web_resources_are_named_by_their_path_and_typed_by_extension(tmp_path):
    (tmp_path / "smsb_" / "pane").mkdir(parents=True)
    (tmp_path / "smsb_" / "pane" / "inbox.html").write_text("<html></html>")
    (tmp_path / "smsb_" / "pane" / "inbox.js").write_text("var a;")
    (tmp_path / "smsb_" / "pane" / "inbox.js.map").write_text("{}")
    found = find_webresources(tmp_path)
    assert [(w.name, w.type) for w in found] == [("smsb_/pane/inbox.html", 1), ("smsb_/pane/inbox.js", 3)]


def test_web_resources_outside_the_prefix_folder_or_of_unknown_type_are_refused(tmp_path):
    (tmp_path / "inbox.html").write_text("<html></html>")
    with pytest.raises(AssetError, match="smsb_/"):
        find_webresources(tmp_path)
    other = tmp_path / "other"
    (other / "smsb_").mkdir(parents=True)
    (other / "smsb_" / "data.bin").write_bytes(b"\0")
    with pytest.raises(AssetError, match="no web resource type"):
        find_webresources(other)


def test_the_same_web_resource_from_two_folders_is_refused(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder / "smsb_").mkdir(parents=True)
        (tmp_path / folder / "smsb_" / "x.js").write_text(folder)
    with pytest.raises(AssetError, match="built twice"):
        find_webresources(tmp_path / "a", tmp_path / "b")


def test_a_built_control_and_web_resources_are_packaged(tmp_path, built):
    control_dir = tmp_path / "controls" / "TextSMSChatSystem"
    (control_dir / "strings").mkdir(parents=True)
    (control_dir / "ControlManifest.xml").write_bytes(MANIFEST)
    (control_dir / "bundle.js").write_text("/* bundle */")
    (control_dir / "strings" / "TextSMSChatSystem.1033.resx").write_text("<root/>")
    (tmp_path / "web" / "smsb_").mkdir(parents=True)
    (tmp_path / "web" / "smsb_" / "tools.js").write_text("var SmsBridge = {};")
    sources = dataclasses.replace(
        built.sources,
        webresources=find_webresources(tmp_path / "web"),
        controls=find_controls(tmp_path / "controls"),
    )
    data = build(sources=sources)
    summary = describe(data)
    assert summary.custom_controls == ("smsb_SmsBridge.TextSMSChatSystem",)
    assert summary.web_resources == ("smsb_/tools.js",)
    assert (66, "smsb_SmsBridge.TextSMSChatSystem") in summary.root_components
    assert (61, "smsb_/tools.js") in summary.root_components
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        folder = "Controls/smsb_SmsBridge.TextSMSChatSystem/"
        assert archive.read(folder + "bundle.js") == b"/* bundle */"
        assert archive.read(folder + "ControlManifest.xml") == MANIFEST
        assert folder + "strings/TextSMSChatSystem.1033.resx" in archive.namelist()
        custom = parse(archive.read("customizations.xml"))
        file_name = custom.findtext("WebResources/WebResource/FileName")
        assert archive.read(file_name.lstrip("/")) == b"var SmsBridge = {};"
        assert custom.findtext("CustomControls/CustomControl/FileName") == f"/{folder}ControlManifest.xml"
        types = archive.read("[Content_Types].xml").decode()
        assert 'Extension="js"' in types
        assert 'Extension="resx"' in types
        assert f'PartName="{file_name}"' in types
    assert validate_package(data) == []
    assert build(sources=sources) == data


def test_a_control_manifest_without_namespace_is_refused(tmp_path):
    (tmp_path / "Broken").mkdir()
    (tmp_path / "Broken" / "ControlManifest.xml").write_text("<manifest><control constructor='X'/></manifest>")
    with pytest.raises(AssetError, match="namespace"):
        find_controls(tmp_path)
