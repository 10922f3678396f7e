"""The chat control's data service against the Dataverse emulator, through the control's own test runner.

Every query and write `DataverseChatService` builds (incremental message reads, templates, Outbox with its
party and file, Regarding, Assign, read marks) must be one the Web API accepts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from devstack.dataverse_emulator import DataverseEmulator, serve

ROOT = Path(__file__).resolve().parents[2]
CONTROLS = ROOT / "solution" / "controls"

pytestmark = pytest.mark.loopback


def test_chat_data_service_reads_and_writes_against_the_emulator() -> None:
    npm = shutil.which("npm")
    assert npm, "npm is needed; run `make setup`"
    assert (CONTROLS / "node_modules").is_dir(), (
        "solution/controls/node_modules is missing; run `npm ci --prefix solution/controls`")
    emulator = DataverseEmulator(token="devstack-token")
    emulator.seed_demo()
    with serve(emulator) as server:
        env = {**os.environ, "SMSB_DATAVERSE_URL": server.api_url, "SMSB_DATAVERSE_TOKEN": "devstack-token"}
        run = subprocess.run(  # noqa: S603 - fixed arguments
            [npm, "--prefix", str(CONTROLS), "run", "--silent", "test:emulator"],
            cwd=CONTROLS, env=env, capture_output=True, text=True, timeout=240, check=False,
        )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "6 passed" in output, output
