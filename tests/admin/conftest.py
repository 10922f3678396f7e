"""A new Dataverse environment (the emulator before any import), the Twilio emulator and Azurite queues, and the
`smsbridge` command run against them exactly as an admin runs it: settings from the environment."""

from __future__ import annotations

import base64
import contextlib
import io
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import ResourceExistsError
from azure.storage.queue import QueueServiceClient

from admin.cli import run
from dataverse import DataverseClient, DataverseConfig
from devstack.dataverse_emulator import DataverseEmulator, RunningServer
from devstack.dataverse_emulator import serve as serve_dataverse
from devstack.seed import seed_product, wire_twilio_number
from devstack.twilio_emulator import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, DEFAULT_PHONE_NUMBER, TwilioEmulator
from devstack.twilio_emulator import serve as serve_twilio
from messaging.tokens import TokenCipher
from twilio_bridge import TwilioClients, TwilioConfig

FUNCTION_KEY = "fk-" + secrets.token_urlsafe(24)
PUBLIC_URL = "http://127.0.0.1:7999"


def function_app_accepts(url: str, headers: dict[str, str], body: bytes) -> int:
    """The function app at PUBLIC_URL, as far as Dataverse's webhook sees it: it takes every event (202). The
    Configuration steps are synchronous, so without an app that answers, saving a Configuration fails."""
    return 202


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err

    def line(self, start: str) -> str:
        """The doctor line (with its fix) that begins with ``start``."""
        lines = self.out.splitlines()
        for i, line in enumerate(lines):
            if line.split(None, 1)[-1].startswith(start) or line.startswith(start):
                fix = lines[i + 1] if i + 1 < len(lines) and lines[i + 1].lstrip().startswith("fix:") else ""
                return f"{line}\n{fix}".strip()
        raise AssertionError(f"no line starting {start!r} in:\n{self.out}")


@dataclass
class Environment:
    dataverse: DataverseEmulator
    dataverse_server: RunningServer
    twilio: TwilioEmulator
    env: dict[str, str]
    cwd: Path

    def smsbridge(self, *argv: str, stdin: Any = None) -> Result:
        out, err = io.StringIO(), io.StringIO()
        code = run(list(argv), environ=self.env, cwd=self.cwd, stdout=out, stderr=err, stdin=stdin)
        return Result(code, out.getvalue(), err.getvalue())

    def write_zip(self, data: bytes, name: str = "SmsBridge.zip") -> Path:
        path = self.cwd / name
        path.write_bytes(data)
        return path

    def add_user(self, first: str, last: str) -> str:
        user_id = str(uuid.uuid4())
        self.dataverse.store.insert("systemuser", {
            "systemuserid": user_id, "firstname": first, "lastname": last, "fullname": f"{first} {last}",
            "internalemailaddress": f"{first.lower()}@contoso.example",
            "domainname": f"{first.lower()}@contoso.example",
            "businessunitid": self.dataverse.business_unit_id})
        return user_id

    def add_configuration(self, team_id: uuid.UUID) -> uuid.UUID:
        """What an admin does in the app: a Configuration for the number, validated, with the number wired."""
        client = DataverseClient.from_config(DataverseConfig(url=self.env["DATAVERSE_URL"], static_token="t"))
        cipher = TokenCipher(base64.b64decode(self.env["SMSB_ENCRYPTION_KEY"]))
        with client:
            product = seed_product(client, cipher, account_sid=DEFAULT_ACCOUNT_SID, auth_token=DEFAULT_AUTH_TOKEN,
                                   number=DEFAULT_PHONE_NUMBER, team_id=team_id, public_url=PUBLIC_URL)
        wire_twilio_number(TwilioClients(TwilioConfig(api_base_url=self.env["TWILIO_API_BASE_URL"])),
                           account_sid=DEFAULT_ACCOUNT_SID, auth_token=DEFAULT_AUTH_TOKEN,
                           number=DEFAULT_PHONE_NUMBER, public_url=PUBLIC_URL)
        return product.configuration_id

    def create_queues(self) -> None:
        """The function app creates its queues when it starts."""
        service = QueueServiceClient.from_connection_string(self.env["AzureWebJobsStorage"])
        for name in ("sms-inbound", "sms-outbound", "sms-inbound-poison"):
            queue = service.get_queue_client(name)
            with contextlib.suppress(ResourceExistsError):
                queue.create_queue()
            queue.clear_messages()

    def team_id(self) -> uuid.UUID:
        team = next(r for r in self.dataverse.store.rows("team") if r["name"] == "SMS Bridge - SMS")
        return uuid.UUID(team["teamid"])


@pytest.fixture
def environment(azurite: Any, tmp_path: Path) -> Iterator[Environment]:
    """A brand-new environment: no SMS Bridge solution, tables, roles, team or webhook yet."""
    dataverse = DataverseEmulator(preinstalled=False, webhook_sender=function_app_accepts)
    twilio = TwilioEmulator()
    with serve_dataverse(dataverse) as dv_server, serve_twilio(twilio) as tw_server:
        env = {
            "DATAVERSE_URL": dv_server.url,
            "DATAVERSE_TOKEN": "devstack-emulator-token",
            "SMSB_PUBLIC_URL": PUBLIC_URL,
            "SMSB_ENCRYPTION_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "AzureWebJobsStorage": azurite.connection_string,
            "TWILIO_API_BASE_URL": tw_server.url,
        }
        yield Environment(dataverse, dv_server, twilio, env, tmp_path)
    twilio.close()


@pytest.fixture
def working(environment: Environment) -> Environment:
    """The environment after the set-up an admin does: doctor is all OK."""
    environment.add_user("Alex", "Morgan")
    for argv in (["import"], ["register-webhooks", "--function-key", FUNCTION_KEY],
                 ["setup-team", "--add-user", "alex@contoso.example"]):
        result = environment.smsbridge(*argv)
        assert result.code == 0, result.text
    environment.add_configuration(environment.team_id())
    environment.create_queues()
    doctor = environment.smsbridge("doctor")
    assert doctor.code == 0, doctor.out
    assert "WARN" not in doctor.out, doctor.out
    return environment
