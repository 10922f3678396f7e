"""`smsbridge reconcile` and `smsbridge replay` on the devstack, with no flags but the command's own."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from admin.cli import run
from devstack.azurite import free_port
from devstack.sandbox import Sandbox
from tests.pipeline.conftest import inbound_params, post_signed, queued

pytestmark = pytest.mark.azurite


def smsbridge(sandbox: Sandbox, *argv: str, cwd: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), environ=dict(sandbox.environ), cwd=cwd, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_reconcile_files_texts_missed_while_the_webhook_pointed_nowhere(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.twilio.configure_number(sandbox.options.number, sms_url=f"http://127.0.0.1:{free_port()}/down")
    missed = [sandbox.twilio.send_inbound("+16562185892", sandbox.options.number, f"while down {i}")
              for i in range(2)]
    code, out, err = smsbridge(sandbox, "reconcile", "--since", "1h", cwd=tmp_path)
    assert code == 0, out + err
    assert "2 text(s) at Twilio, 2 missing, 2 recovered" in out
    assert {m["smsb_sid"] for m in sandbox.rows("smsb_message")} == {m.message_sid for m in missed}
    code, out, _ = smsbridge(sandbox, "reconcile", "--since", "1h", cwd=tmp_path)
    assert "0 missing, 0 recovered" in out
    assert len(sandbox.rows("smsb_message")) == 2


def test_reconcile_refuses_a_duration_it_cannot_read(sandbox: Sandbox, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = smsbridge(sandbox, "reconcile", "--since", "two hours", cwd=tmp_path)
    assert code == 2
    assert "not a duration such as 30m, 2h or 1d" in capsys.readouterr().err  # argparse's usage message


def test_replay_lists_then_moves_poison_messages_back(sandbox: Sandbox, tmp_path: Path) -> None:
    params = inbound_params(sandbox, "+16562185892", "poisoned")
    assert post_signed(sandbox, "/api/twilio/messages", params).status_code == 200
    product = sandbox.product
    assert product is not None
    sandbox.dataverse.store.remove("smsb_configuration", str(product.configuration_id))
    sandbox.app.directory.invalidate()
    sandbox.drain()
    assert queued(sandbox, "sms-inbound-poison") == 1

    code, out, err = smsbridge(sandbox, "replay", "sms-inbound-poison", "--dry-run", cwd=tmp_path)
    assert code == 0, out + err
    assert params["MessageSid"] in out
    assert "ConfigurationNotFound" in out
    assert "would move 1 message(s) back to sms-inbound" in out
    assert queued(sandbox, "sms-inbound-poison") == 1

    code, out, _ = smsbridge(sandbox, "replay", "sms-inbound-poison", cwd=tmp_path)
    assert "moved 1 message(s) back to sms-inbound" in out
    assert queued(sandbox, "sms-inbound-poison") == 0
    assert queued(sandbox, "sms-inbound") == 1
    assert sandbox.options.auth_token not in out
