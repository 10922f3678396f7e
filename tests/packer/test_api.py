"""The API other parts use: build() gives a zip, describe() reads it back; the output is deterministic."""

from __future__ import annotations

import io
import zipfile

import pytest

from solution.packer import PackageError, build, describe, write
from solution.packer._manifest import solution_version
from solution.packer._package import ZIP_FILE_MODE, ZIP_TIMESTAMP


def test_build_gives_a_solution_zip_that_describe_reads(built):
    summary = describe(built.data)
    assert summary.unique_name == "SmsBridge"
    assert summary.publisher == "smsbridge"
    assert summary.publisher_prefix == "smsb"
    assert summary.managed is False
    assert summary.version == solution_version(built.sources.version)
    assert set(summary.tables) == {
        "smsb_configuration", "smsb_recordtype", "smsb_messagetemplate", "smsb_conversation", "smsb_messagesession",
        "smsb_message", "smsb_messagemedia", "smsb_outbox", "smsb_dismissal", "smsb_errorlog",
    }
    assert summary.roles == ("SMS Bridge Administrator", "SMS Bridge User", "SMS Bridge Integration")
    assert summary.field_security_profiles == ("SMS Bridge Auth Token",)
    assert summary.app_modules == ("smsb_SmsBridge",)
    assert "smsb_/help.html" in summary.web_resources
    assert summary.files[:3] == ("[Content_Types].xml", "solution.xml", "customizations.xml")


def test_managed_build_differs_only_in_the_managed_flag():
    unmanaged, managed = build(managed=False), build(managed=True)
    assert describe(managed).managed is True
    assert describe(unmanaged).managed is False
    with zipfile.ZipFile(io.BytesIO(unmanaged)) as a, zipfile.ZipFile(io.BytesIO(managed)) as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            if name != "solution.xml":
                assert a.read(name) == b.read(name), name
        assert a.read("solution.xml").replace(b"<Managed>0</Managed>", b"<Managed>1</Managed>") == b.read(
            "solution.xml"
        )


def test_the_same_sources_give_byte_identical_zips(built):
    assert build(sources=built.sources) == built.data
    assert build() == built.data


def test_zip_entries_carry_fixed_timestamps_and_no_host_attributes(built):
    with zipfile.ZipFile(io.BytesIO(built.data)) as archive:
        for info in archive.infolist():
            assert info.date_time == ZIP_TIMESTAMP
            assert info.external_attr == ZIP_FILE_MODE << 16
            assert info.compress_type == zipfile.ZIP_DEFLATED


def test_write_names_both_zips_after_the_version(tmp_path, built):
    unmanaged, managed = write(tmp_path / "dist", sources=built.sources)
    assert unmanaged.name == f"SmsBridge_{built.sources.version}_unmanaged.zip"
    assert managed.name == f"SmsBridge_{built.sources.version}_managed.zip"
    assert unmanaged.read_bytes() == built.data
    assert describe(managed.read_bytes()).managed is True


def test_version_file_becomes_a_four_part_solution_version():
    assert solution_version("0.1.0") == "0.1.0.0"
    assert solution_version("2.3.4.5") == "2.3.4.5"
    with pytest.raises(ValueError, match="dotted number"):
        solution_version("1.0-beta")


def test_describe_refuses_bytes_that_are_not_a_solution():
    with pytest.raises(PackageError):
        describe(b"not a zip")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(PackageError):
        describe(buffer.getvalue())


def test_command_line_writes_and_checks_both_zips(tmp_path, capsys, built):
    from solution.packer.__main__ import main

    assert main(["--out", str(tmp_path)]) == 0
    version = built.sources.version
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"SmsBridge_{version}_managed.zip",
        f"SmsBridge_{version}_unmanaged.zip",
    ]
    out = capsys.readouterr().out
    assert f"SmsBridge_{version}_unmanaged.zip (unmanaged" in out
    assert f"SmsBridge_{version}_managed.zip (managed" in out
