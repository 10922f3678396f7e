"""`make run` end to end, as a process: the whole stack starts and answers, two stacks on different ports keep
their own state, and Ctrl-C or SIGTERM — once, twice, in a burst, at start-up, while seeding, while stopping —
ends the process and frees every port it held."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from devstack.azurite import free_ports, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
INSTANCES = ROOT / ".devstack" / "instances"
pytestmark = pytest.mark.loopback

# Bounds for a hang, not for speed: a loaded CI machine starts the stack in well under these.
START_BOUND = 120.0
STOP_BOUND = 60.0
READY = "Press Ctrl-C to stop."
STARTING = "starting Azurite queues on"
SEEDING = "seeding the product"
STOPPING = "stopping …"
_CLEAN_ENV = ("DATAVERSE_", "SMSB_", "TWILIO_", "DEVSTACK_")


@dataclass
class RunningStack:
    process: subprocess.Popen[str]
    ports: dict[str, int]
    log_path: Path

    @property
    def settings_file(self) -> Path:
        return INSTANCES / str(self.ports["functions"]) / "settings.json"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8")

    def wait_for(self, text: str, timeout: float = START_BOUND) -> str:
        """The log once ``text`` is in it (the stack prints each phase before it begins)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            log = self.log()
            if text in log:
                return log
            if self.process.poll() is not None:
                pytest.fail(f"the stack exited with {self.process.returncode} before {text!r}:\n{log}")
            time.sleep(0.05)
        pytest.fail(f"the stack never printed {text!r}:\n{self.log()}")

    def signal(self, signum: int, times: int = 1) -> None:
        for _ in range(times):
            os.kill(self.process.pid, signum)

    def assert_stopped(self, *, exit_code: int | None = 0) -> None:
        """The process ends, every port it held is free and its settings file is gone."""
        try:
            code = self.process.wait(STOP_BOUND)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the stack did not stop within {STOP_BOUND:.0f} s:\n{self.log()}")
        if exit_code is not None:
            assert code == exit_code, self.log()
        for name, port in self.ports.items():
            assert not wait_for_port("127.0.0.1", port, 0.2), f"{name} port {port} still open after the stack ended"
        assert not self.settings_file.exists()


@pytest.fixture
def start_stack(tmp_path: Path) -> Iterator[Callable[..., RunningStack]]:
    started: list[RunningStack] = []

    def start(**settings: str) -> RunningStack:
        taken = {port for stack in started for port in stack.ports.values()}
        chosen = free_ports(5)
        while taken & set(chosen):  # another stack of this test holds one of them
            chosen = free_ports(5)
        ports = dict(zip(("functions", "dataverse", "dataverse_tls", "twilio", "azurite"), chosen, strict=True))
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(_CLEAN_ENV)},
            "DEVSTACK_FUNCTIONS_PORT": str(ports["functions"]),
            "DEVSTACK_DATAVERSE_PORT": str(ports["dataverse"]),
            "DEVSTACK_DATAVERSE_TLS_PORT": str(ports["dataverse_tls"]),
            "DEVSTACK_TWILIO_PORT": str(ports["twilio"]),
            "DEVSTACK_AZURITE_PORT": str(ports["azurite"]),
            "DEVSTACK_FUNCTION_KEY": f"e2e-function-key-{len(started)}",
            "PYTHONUNBUFFERED": "1",
            **settings,
        }
        env.pop("AzureWebJobsStorage", None)
        log_path = tmp_path / f"stack-{len(started)}.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "devstack", "run", "--no-timers"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
            )
        stack = RunningStack(process, ports, log_path)
        started.append(stack)
        return stack

    try:
        yield start
    finally:
        for stack in started:
            if stack.process.poll() is None:
                # A test that failed half-way: stop it the way a person would, so its Azurite goes too.
                stack.process.send_signal(signal.SIGTERM)
                try:
                    stack.process.wait(STOP_BOUND)
                except subprocess.TimeoutExpired:
                    stack.process.kill()
                    stack.process.wait(10)
            # The folder's TLS material is kept for the next run on the same ports; these ports were random ones.
            shutil.rmtree(INSTANCES / str(stack.ports["functions"]), ignore_errors=True)


def smsbridge_doctor(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "admin.cli", "doctor"], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**{k: v for k, v in os.environ.items() if not k.startswith(_CLEAN_ENV)}, **env}, check=False)


def test_make_run_answers_and_two_stacks_keep_their_own_state(start_stack: Callable[..., RunningStack]) -> None:
    first, second = start_stack(), start_stack()
    banner = first.wait_for(READY)
    second.wait_for(READY)
    ports = first.ports
    assert "e2e-function-key-0" in banner
    assert f"http://127.0.0.1:{ports['dataverse']}/api/data/v9.2/" in banner

    response = requests.get(f"http://127.0.0.1:{ports['functions']}/api/health", timeout=10)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) >= {"settings", "queues", "dataverse"}

    who = requests.get(f"http://127.0.0.1:{ports['dataverse']}/api/data/v9.2/WhoAmI",
                       headers={"Authorization": "Bearer devstack-emulator-token"}, timeout=5)
    assert who.status_code == 200
    # the same emulator over https, trusted through this devstack's own local CA (the banner names it)
    assert f"https://127.0.0.1:{ports['dataverse_tls']}/api/data/v9.2/" in banner
    ca = re.search(r"REQUESTS_CA_BUNDLE=(\S+)\)", banner)
    assert ca is not None
    assert Path(ca.group(1)) == INSTANCES / str(ports["functions"]) / "tls" / "ca.pem"
    secure = requests.get(f"https://127.0.0.1:{ports['dataverse_tls']}/api/data/v9.2/WhoAmI",
                          headers={"Authorization": "Bearer devstack-emulator-token"}, timeout=5,
                          verify=ca.group(1))
    assert secure.status_code == 200
    assert secure.json()["UserId"] == who.json()["UserId"]
    # the browser shell shares the Web API's origin, on both endpoints
    shell = requests.get(f"http://127.0.0.1:{ports['dataverse']}/devstack/", timeout=10)
    assert shell.status_code == 200
    assert "text/html" in shell.headers["Content-Type"]
    assert requests.get(f"https://127.0.0.1:{ports['dataverse_tls']}/devstack/", timeout=10,
                        verify=ca.group(1)).status_code == 200
    account = requests.get(
        f"http://127.0.0.1:{ports['twilio']}/2010-04-01/Accounts/AC11111111111111111111111111111111.json",
        auth=("AC11111111111111111111111111111111", "22222222222222222222222222222222"), timeout=5)
    assert account.status_code == 200

    # A customer texts the devstack number: the message lands in the contact's conversation.
    texted = requests.post(f"http://127.0.0.1:{ports['twilio']}/_devstack/inbound",
                           data={"From": "+16562185892", "To": "+15005550006", "Body": "Hello from Avery"}, timeout=10)
    assert texted.status_code == 200, texted.text
    dataverse = f"http://127.0.0.1:{ports['dataverse']}/api/data/v9.2"
    headers = {"Authorization": "Bearer devstack-emulator-token"}
    deadline = time.monotonic() + 60
    messages: list[dict[str, object]] = []
    while time.monotonic() < deadline and not messages:
        messages = requests.get(f"{dataverse}/smsb_messages", params={"$filter": "smsb_from eq '+16562185892'"},
                                headers=headers, timeout=5).json()["value"]
        time.sleep(0.2)
    assert [m["smsb_body"] for m in messages] == ["Hello from Avery"]
    conversations = requests.get(f"{dataverse}/smsb_conversations", headers=headers, timeout=5).json()["value"]
    assert [c["smsb_customername"] for c in conversations] == ["Avery Park"]

    # Each stack wrote its own settings, private to its owner, naming its own URLs.
    for stack in (first, second):
        assert stack.settings_file.stat().st_mode & 0o777 == 0o600
        written = json.loads(stack.settings_file.read_text(encoding="utf-8"))
        assert written["Values"]["SMSB_PUBLIC_URL"] == f"http://127.0.0.1:{stack.ports['functions']}"
        assert written["Devstack"]["pid"] == stack.process.pid

    # `smsbridge` in the project folder finds a running devstack with no flags, says which one of the two it uses,
    # and finds it healthy; DEVSTACK_FUNCTIONS_PORT picks the other.
    doctor = smsbridge_doctor()
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "FAIL" not in doctor.stdout
    lowest = min(first.ports["functions"], second.ports["functions"])
    assert "devstacks are running" in doctor.stderr
    assert f"using the one on port {lowest}" in doctor.stderr
    assert "e2e-function-key" not in doctor.stdout + doctor.stderr
    chosen = smsbridge_doctor(DEVSTACK_FUNCTIONS_PORT=str(ports["functions"]))
    assert chosen.returncode == 0, chosen.stdout + chosen.stderr
    assert f"using the one on port {ports['functions']}" in chosen.stderr

    # The first to stop removes its own files only; the other keeps running and stays reachable.
    first.signal(signal.SIGTERM)
    first.assert_stopped()
    assert second.settings_file.is_file()
    assert requests.get(f"http://127.0.0.1:{second.ports['functions']}/api/health", timeout=10).status_code == 200
    alone = smsbridge_doctor()
    assert alone.returncode == 0, alone.stdout + alone.stderr
    assert "devstacks are running" not in alone.stderr
    second.signal(signal.SIGINT)
    second.assert_stopped()


@pytest.mark.parametrize(("signum", "phase", "times"), [
    (signal.SIGINT, READY, 1),
    (signal.SIGTERM, READY, 2),
    (signal.SIGINT, READY, 10),
    (signal.SIGTERM, STARTING, 1),
    (signal.SIGINT, SEEDING, 2),
    (signal.SIGTERM, SEEDING, 10),
], ids=["ctrl-c-once-when-ready", "sigterm-twice-when-ready", "ctrl-c-burst-when-ready", "sigterm-at-start-up",
        "ctrl-c-twice-while-seeding", "sigterm-burst-while-seeding"])
def test_a_stop_signal_ends_everything_the_stack_started(start_stack: Callable[..., RunningStack], signum: int,
                                                         phase: str, times: int) -> None:
    stack = start_stack()
    stack.wait_for(phase)
    stack.signal(signum, times)
    stack.assert_stopped()
    assert STOPPING in stack.log()
    assert "Traceback" not in stack.log()


def test_signals_during_shutdown_neither_restart_nor_hang_it(start_stack: Callable[..., RunningStack]) -> None:
    stack = start_stack()
    stack.wait_for(READY)
    stack.signal(signal.SIGINT)
    stack.wait_for(STOPPING, STOP_BOUND)
    for signum in (signal.SIGINT, signal.SIGTERM) * 5:
        if stack.process.poll() is not None:
            break
        stack.signal(signum)
    stack.assert_stopped()
    assert stack.log().count(STOPPING) == 1
    assert stack.log().count(READY) == 1


def test_a_signal_before_the_stack_printed_anything_still_ends_it(start_stack: Callable[..., RunningStack]) -> None:
    stack = start_stack()
    stack.signal(signal.SIGINT, 2)
    # So early, Python may not have handed the signals over yet (its own Ctrl-C ends it then): whatever the exit
    # code, the process ends and holds no port.
    stack.assert_stopped(exit_code=None)


def test_make_run_starts_more_function_hosts_and_dataverse_limits_when_asked(
        start_stack: Callable[..., RunningStack]) -> None:
    stack = start_stack(DEVSTACK_FUNCTION_HOSTS="3", DEVSTACK_DATAVERSE_LIMITS="on", DEVSTACK_DATAVERSE_TIME_SCALE="60")
    banner = stack.wait_for(READY)
    pids = [int(pid) for pid in re.findall(r"host \d: pid (\d+)", banner)]
    assert len(pids) == 2, banner
    assert "Dataverse service protection: on" in banner
    assert "time scale 60" in banner
    dataverse = f"http://127.0.0.1:{stack.ports['dataverse']}"
    limits = requests.get(f"{dataverse}/_devstack/limits", timeout=5).json()
    assert limits["enabled"] is True
    assert limits["limits"]["time_scale"] == 60
    who = requests.get(f"{dataverse}/api/data/v9.2/WhoAmI", headers={"Authorization": "Bearer devstack-emulator-token"},
                       timeout=5)
    assert int(who.headers["x-ms-ratelimit-burst-remaining-xrm-requests"]) < 6000
    stack.signal(signal.SIGTERM)
    stack.assert_stopped()
    for pid in pids:  # every host process ended with the stack
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
