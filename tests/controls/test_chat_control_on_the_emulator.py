"""The chat control's data service against the Dataverse emulator, through the front end's test runner.

Every query and write `DataverseChatService` builds (incremental message reads, templates, Outbox with its
party and file, Regarding, Assign, read marks) must be one the Web API accepts.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from devstack.dataverse_emulator import DataverseEmulator, serve

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.loopback


def test_chat_data_service_reads_and_writes_against_the_emulator() -> None:
    npm = shutil.which("npm")
    assert npm, "npm is needed; run `make setup`"
    assert (ROOT / "node_modules" / "vitest").is_dir(), "node_modules is missing; run `make setup`"
    emulator = DataverseEmulator(token="devstack-token")
    emulator.seed_demo()
    with serve(emulator) as server:
        env = {**os.environ, "SMSB_DATAVERSE_URL": server.api_url, "SMSB_DATAVERSE_TOKEN": "devstack-token",
               "NO_COLOR": "1"}
        run = subprocess.run(  # noqa: S603 - fixed arguments
            [npm, "run", "--silent", "test:emulator", "--", "--project", "chat-control"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False,
        )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert re.search(r"Tests\s+7 passed \(7\)", output), output
