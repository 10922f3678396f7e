"""Each devstack's own folder: settings written whole and private, removed only by their owner; TLS per folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from devstack import instance as instance_module
from devstack.instance import InstanceFolder, write_atomically
from devstack.tls import local_certificates


def test_settings_are_private_name_their_owner_and_leave_no_temporary_file(tmp_path: Path) -> None:
    folder = InstanceFolder.for_port(7171, base=tmp_path)
    folder.write_settings({"DATAVERSE_URL": "http://127.0.0.1:7172"}, {"functions_port": 7171})
    written = json.loads(folder.settings_file.read_text(encoding="utf-8"))
    assert written["Values"] == {"DATAVERSE_URL": "http://127.0.0.1:7172"}
    assert written["Devstack"] == {"pid": os.getpid(), "functions_port": 7171}
    assert folder.settings_file.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in folder.path.iterdir()) == ["settings.json"]
    assert folder.remove_settings() is True
    assert not folder.settings_file.exists()


def test_a_file_another_process_wrote_is_left_alone(tmp_path: Path) -> None:
    other = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                           check=True)
    folder = InstanceFolder.for_port(7071, base=tmp_path)
    folder.path.mkdir(parents=True)
    document = {"Values": {}, "Devstack": {"pid": int(other.stdout), "functions_port": 7071}}
    folder.settings_file.write_text(json.dumps(document), encoding="utf-8")
    assert folder.remove_settings() is False
    assert folder.settings_file.is_file()


def test_two_ports_two_folders(tmp_path: Path) -> None:
    first, second = InstanceFolder.for_port(7071, base=tmp_path), InstanceFolder.for_port(7171, base=tmp_path)
    assert first.settings_file != second.settings_file
    assert first.tls_folder != second.tls_folder


def test_a_failed_write_keeps_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "settings.json"
    write_atomically(target, b"old")

    def broken_replace(_src: str, _dst: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(instance_module.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomically(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]


def test_certificates_are_reused_per_folder_and_remade_when_the_key_does_not_match(tmp_path: Path) -> None:
    first_ca = local_certificates(tmp_path / "a").ca_file.read_bytes()
    assert local_certificates(tmp_path / "a").ca_file.read_bytes() == first_ca
    assert local_certificates(tmp_path / "b").ca_file.read_bytes() != first_ca
    # a key from elsewhere (a run stopped between two renames): the folder is made anew
    (tmp_path / "a" / "server-key.pem").write_bytes((tmp_path / "b" / "server-key.pem").read_bytes())
    remade = local_certificates(tmp_path / "a")
    assert remade.ca_file.read_bytes() != first_ca
    remade.server_context()  # loads: the key matches its certificate
