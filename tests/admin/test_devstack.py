"""The devstack as `make run` builds it (the Sandbox) is an environment `smsbridge doctor` finds working."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from admin.cli import run
from devstack.sandbox import Sandbox, SandboxOptions


def test_doctor_finds_the_devstack_working_and_setup_commands_change_nothing(azurite: Any, tmp_path: Path) -> None:
    with Sandbox(SandboxOptions(storage_connection=azurite.connection_string)) as sandbox:
        for name in ("sms-inbound", "sms-outbound"):
            sandbox.queues().queue(name)  # the host creates its queues as it starts them
        env = dict(sandbox.environ)

        def smsbridge(*argv: str) -> tuple[int, str]:
            out = io.StringIO()
            code = run(list(argv), environ=env, cwd=tmp_path, stdout=out, stderr=io.StringIO())
            return code, out.getvalue()

        code, doctor = smsbridge("doctor")
        assert code == 0, doctor
        assert [line for line in doctor.splitlines() if line.startswith(("WARN", "FAIL"))] == []
        assert "team SMS Bridge - SMS: SMS Bridge User role, 3 member(s)" in doctor

        writes_before = sandbox.dataverse.requests.count("POST") + sandbox.dataverse.requests.count("PATCH")
        assert smsbridge("import")[1].startswith("unchanged: SmsBridge")
        assert smsbridge("register-webhooks", "--function-key", sandbox.options.function_key)[1].endswith(
            "changed nothing\n")
        assert smsbridge("setup-team")[1].endswith("changed nothing\n")
        assert sandbox.dataverse.requests.count("POST") + sandbox.dataverse.requests.count("PATCH") == writes_before
