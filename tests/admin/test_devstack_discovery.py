"""Which running devstack `smsbridge` reads its settings from, with no flags."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from admin.settings import devstack_notice, merged_values, running_devstacks


def _devstack(cwd: Path, port: int, pid: int, url: str) -> Path:
    path = cwd / ".devstack" / "instances" / str(port) / "settings.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"IsEncrypted": False, "Values": {"DATAVERSE_URL": url},
                                "Devstack": {"pid": pid, "functions_port": port}}), encoding="utf-8")
    return path


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    return int(done.stdout)


def test_only_devstacks_whose_process_lives_are_found(tmp_path: Path) -> None:
    _devstack(tmp_path, 7171, os.getpid(), "http://127.0.0.1:7172")
    _devstack(tmp_path, 7271, _dead_pid(), "http://127.0.0.1:7272")
    broken = tmp_path / ".devstack" / "instances" / "7371" / "settings.json"
    broken.parent.mkdir(parents=True)
    broken.write_text("{", encoding="utf-8")
    assert [d.functions_port for d in running_devstacks(tmp_path)] == [7171]
    assert merged_values({}, tmp_path, {})["DATAVERSE_URL"] == "http://127.0.0.1:7172"
    assert devstack_notice({}, tmp_path) is None


def test_with_several_the_default_port_wins_and_the_choice_is_said(tmp_path: Path) -> None:
    _devstack(tmp_path, 7071, os.getpid(), "http://127.0.0.1:7072")
    _devstack(tmp_path, 7000, os.getpid(), "http://127.0.0.1:7001")
    assert merged_values({}, tmp_path, {})["DATAVERSE_URL"] == "http://127.0.0.1:7072"
    notice = devstack_notice({}, tmp_path)
    assert notice is not None
    assert "2 devstacks are running (function app ports 7000, 7071): using the one on port 7071" in notice
    chosen = {"DEVSTACK_FUNCTIONS_PORT": "7000"}
    assert merged_values(chosen, tmp_path, {})["DATAVERSE_URL"] == "http://127.0.0.1:7001"
    assert "using the one on port 7000" in (devstack_notice(chosen, tmp_path) or "")


def test_the_environment_and_flags_still_win_over_a_running_devstack(tmp_path: Path) -> None:
    _devstack(tmp_path, 7071, os.getpid(), "http://127.0.0.1:7072")
    assert merged_values({"DATAVERSE_URL": "https://env"}, tmp_path, {})["DATAVERSE_URL"] == "https://env"
    assert merged_values({}, tmp_path, {"DATAVERSE_URL": "https://flag"})["DATAVERSE_URL"] == "https://flag"
