"""`make run` end to end: the whole stack starts, answers its health check, and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from devstack.azurite import free_ports, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.loopback


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], dict[str, int], Path]]:
    names = ("functions", "dataverse", "dataverse_tls", "twilio", "azurite")
    ports = dict(zip(names, free_ports(len(names)), strict=True))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATAVERSE_", "SMSB_", "TWILIO_"))},
        "DEVSTACK_FUNCTIONS_PORT": str(ports["functions"]),
        "DEVSTACK_DATAVERSE_PORT": str(ports["dataverse"]),
        "DEVSTACK_DATAVERSE_TLS_PORT": str(ports["dataverse_tls"]),
        "DEVSTACK_TWILIO_PORT": str(ports["twilio"]),
        "DEVSTACK_AZURITE_PORT": str(ports["azurite"]),
        "DEVSTACK_FUNCTION_KEY": "e2e-function-key",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("AzureWebJobsStorage", None)
    log_path = tmp_path / "stack.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "devstack", "run", "--no-timers"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
        )
        try:
            yield process, ports, log_path
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(10)


def wait_ready(process: subprocess.Popen[str], log_path: Path, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log_path.read_text()
        if "Press Ctrl-C to stop." in text:
            return text
        if process.poll() is not None:
            pytest.fail(f"the stack exited with {process.returncode}:\n{text}")
        time.sleep(0.1)
    pytest.fail("the stack did not become ready:\n" + log_path.read_text())


def test_make_run_answers_health_and_stops_cleanly(stack) -> None:
    process, ports, log_path = stack
    banner = wait_ready(process, log_path)
    assert "e2e-function-key" in banner
    assert f"http://127.0.0.1:{ports['dataverse']}/api/data/v9.2/" in banner

    response = requests.get(f"http://127.0.0.1:{ports['functions']}/api/health", timeout=10)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) >= {"settings", "queues", "dataverse"}

    who = requests.get(f"http://127.0.0.1:{ports['dataverse']}/api/data/v9.2/WhoAmI",
                       headers={"Authorization": "Bearer devstack-emulator-token"}, timeout=5)
    assert who.status_code == 200
    # the same emulator over https, trusted through the devstack's local CA, for Microsoft's Dataverse SDK
    assert f"https://127.0.0.1:{ports['dataverse_tls']}/api/data/v9.2/" in banner
    secure = requests.get(f"https://127.0.0.1:{ports['dataverse_tls']}/api/data/v9.2/WhoAmI",
                          headers={"Authorization": "Bearer devstack-emulator-token"}, timeout=5,
                          verify=str(ROOT / ".devstack" / "tls" / "ca.pem"))
    assert secure.status_code == 200
    assert secure.json()["UserId"] == who.json()["UserId"]
    account = requests.get(
        f"http://127.0.0.1:{ports['twilio']}/2010-04-01/Accounts/AC11111111111111111111111111111111.json",
        auth=("AC11111111111111111111111111111111", "22222222222222222222222222222222"), timeout=5)
    assert account.status_code == 200

    # A customer texts the devstack number: the message lands in the contact's conversation within seconds.
    texted = requests.post(f"http://127.0.0.1:{ports['twilio']}/_devstack/inbound",
                           data={"From": "+16562185892", "To": "+15005550006", "Body": "Hello from Avery"}, timeout=10)
    assert texted.status_code == 200, texted.text
    dataverse = f"http://127.0.0.1:{ports['dataverse']}/api/data/v9.2"
    headers = {"Authorization": "Bearer devstack-emulator-token"}
    deadline = time.monotonic() + 15
    messages: list[dict[str, object]] = []
    while time.monotonic() < deadline and not messages:
        messages = requests.get(f"{dataverse}/smsb_messages", params={"$filter": "smsb_from eq '+16562185892'"},
                                headers=headers, timeout=5).json()["value"]
        time.sleep(0.2)
    assert [m["smsb_body"] for m in messages] == ["Hello from Avery"]
    conversations = requests.get(f"{dataverse}/smsb_conversations", headers=headers, timeout=5).json()["value"]
    assert [c["smsb_customername"] for c in conversations] == ["Avery Park"]

    # `smsbridge` in the project folder finds the running devstack with no flags, and finds it healthy.
    doctor = subprocess.run(
        [sys.executable, "-m", "admin.cli", "doctor"], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith(("DATAVERSE_", "SMSB_", "TWILIO_"))},
        check=False)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "FAIL" not in doctor.stdout
    assert "e2e-function-key" not in doctor.stdout + doctor.stderr

    process.send_signal(signal.SIGTERM)
    assert process.wait(20) == 0
    for port in ports.values():
        assert not wait_for_port("127.0.0.1", port, 0.2), f"port {port} still open after shutdown"
    assert not (ROOT / ".devstack" / "settings.json").exists()
