"""``smsbridge doctor``: one screen saying what works and, for anything that does not, how to fix it.

Each check is independent and reads only; a check that cannot run because an earlier one failed says so.
"""

from __future__ import annotations

import enum
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from admin.settings import AdminSettings
from admin.solution_import import SOLUTION_NAME
from admin.team import INTEGRATION_ROLE, TEAM_NAME, USER_ROLE, roles_of
from admin.webapi import get_json
from admin.webhooks import ENDPOINT_NAME, WEBHOOK_STEPS
from app.settings import Settings, SettingsError
from app.version import version
from dataverse import DataverseClient, DataverseError, F, NotFound, Row, token_provider_for
from messaging.errors import TokenDecryptionFailed
from messaging.tokens import TokenCipher
from solution.schema import load_schema
from twilio_bridge import TwilioAccounts, TwilioBridgeError, TwilioClients, TwilioConfig, TwilioCredentials

__all__ = ["Check", "Status", "run_doctor"]

QUEUES = ("sms-inbound", "sms-outbound")
_VALID, _INVALID = 2, 3


class Status(enum.Enum):
    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Check:
    status: Status
    title: str
    fix: str = ""


def run_doctor(
    settings: AdminSettings,
    *,
    client_factory: Callable[[], DataverseClient],
    twilio: TwilioClients | None = None,
) -> Iterator[Check]:
    """Yield one :class:`Check` at a time, so the screen fills as the checks run."""
    app_settings: Settings | None = None
    try:
        app_settings = settings.app_settings()
        yield Check(Status.OK, "settings: every function app setting is present and valid")
    except SettingsError as exc:
        yield Check(Status.FAIL, "settings: " + "; ".join(exc.problems),
                    "set them in the function app's configuration, or in local.settings.json here")
    try:
        config = settings.dataverse_config()
    except SettingsError as exc:
        yield Check(Status.FAIL, "Dataverse connection: " + "; ".join(exc.problems),
                    "set DATAVERSE_URL and the credentials, then run doctor again")
        return
    try:
        token_provider_for(config).get_token()
        yield Check(Status.OK, f"token: acquired for {config.org_url}")
    except DataverseError as exc:
        yield Check(Status.FAIL, f"token: none for {config.org_url}: {exc}",
                    "check DATAVERSE_TENANT_ID, DATAVERSE_CLIENT_ID and the secret or certificate of the app "
                    "registration (or the managed identity)")
        return
    client = client_factory()
    try:
        who = client.who_am_i(timeout=10)  # one try: a diagnosis should not wait out the retry budget
        yield Check(Status.OK, f"WhoAmI: application user {who.user_id}")
    except DataverseError as exc:
        yield Check(Status.FAIL, f"WhoAmI: {exc}",
                    "add the app registration as an application user of the environment (Power Platform admin "
                    "center > Environments > Settings > Application users) and give it a security role")
        return
    yield from _solution_checks(client)
    yield from _webhook_checks(client, settings.public_url)
    yield from _role_checks(client, who.user_id)
    yield from _configuration_checks(client, app_settings, twilio)
    yield from _queue_checks(app_settings)


def _guarded(title: str, check: Callable[[], Iterator[Check]]) -> Iterator[Check]:
    try:
        yield from check()
    except DataverseError as exc:
        yield Check(Status.FAIL, f"{title}: could not read it: {exc}", "check the application user's roles")


def _solution_checks(client: DataverseClient) -> Iterator[Check]:
    def run() -> Iterator[Check]:
        row = client.first("solutions", select=["version", "ismanaged", "friendlyname"],
                           filter=F.eq("uniquename", SOLUTION_NAME))
        if row is None:
            yield Check(Status.FAIL, f"solution {SOLUTION_NAME}: not installed", "run `smsbridge import`")
        else:
            kind = "managed" if row.get("ismanaged") else "unmanaged"
            installed, release = str(row.get("version")), solution_version()
            if _numbers(installed) < _numbers(release):
                yield Check(Status.WARN, f"solution {SOLUTION_NAME}: version {installed} ({kind}) is older than this "
                                         f"release ({release})", "run `smsbridge import` to upgrade it")
            else:
                yield Check(Status.OK, f"solution {SOLUTION_NAME}: version {installed} ({kind})")
        tables = [t for t in load_schema().tables if t.is_custom]
        missing: list[str] = []
        key_states: dict[str, list[str]] = {}
        for table in tables:
            try:
                keys = get_json(client, f"EntityDefinitions(LogicalName='{table.logical_name}')/Keys",
                                {"$select": "LogicalName,EntityKeyIndexStatus"})
            except NotFound:
                missing.append(table.logical_name)
                continue
            for key in keys.get("value", []):
                state = str(key.get("EntityKeyIndexStatus"))
                key_states.setdefault(state, []).append(f"{table.logical_name}.{key.get('LogicalName')}")
        if missing:
            yield Check(Status.FAIL, f"tables: {len(missing)} of {len(tables)} missing ({', '.join(missing)})",
                        "run `smsbridge import` (a failed import says why)")
        else:
            yield Check(Status.OK, f"tables: all {len(tables)} product tables present")
        total = sum(len(v) for v in key_states.values())
        failed = key_states.get("Failed", [])
        building = [k for state, ks in key_states.items() if state not in ("Active", "Failed") for k in ks]
        if failed:
            yield Check(Status.FAIL, f"alternate keys: index failed for {', '.join(failed)}",
                        "remove the duplicate rows the index found, then reactivate the key (Power Apps > Tables > "
                        "the table > Keys, or the ReactivateEntityKey action)")
        if building:
            yield Check(Status.WARN, f"alternate keys: still building for {', '.join(building)}",
                        "wait a few minutes after an import, then run doctor again")
        if not failed and not building and total:
            yield Check(Status.OK, f"alternate keys: all {total} indexes Active")

    yield from _guarded("solution", run)


def solution_version() -> str:
    """This release's solution version: VERSION as Dataverse's four-part number (0.1.0 -> 0.1.0.0)."""
    parts = [p for p in re.split(r"[.\-+]", version()) if p.isdigit()][:4]
    return ".".join(parts + ["0"] * (4 - len(parts)))


def _numbers(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text))


def _webhook_checks(client: DataverseClient, public_url: str | None) -> Iterator[Check]:
    def run() -> Iterator[Check]:
        endpoint = client.first("serviceendpoints", select=["serviceendpointid", "url"],
                                filter=F.eq("name", ENDPOINT_NAME) & F.eq("contract", 8))
        fix = "run `smsbridge register-webhooks --function-key <the function app's key>`"
        if endpoint is None:
            yield Check(Status.FAIL, "webhook: no service endpoint points at the function app", fix)
            return
        expected = f"{public_url}/api/dataverse/webhook" if public_url else None
        url = str(endpoint.get("url") or "")
        if expected and url != expected:
            yield Check(Status.FAIL, f"webhook: the endpoint posts to {url}, not {expected}", fix)
        else:
            yield Check(Status.OK, f"webhook: endpoint posts to {url}")
        steps = {str(row.get("name")): row for row in client.query(
            "sdkmessageprocessingsteps", select=["name", "statecode", "mode"],
            filter=F.eq("_eventhandler_value", endpoint.guid("serviceendpointid") or uuid.UUID(int=0)))}
        missing = [s.name for s in WEBHOOK_STEPS if s.name not in steps]
        disabled = [s.name for s in WEBHOOK_STEPS
                    if s.name in steps and steps[s.name].get("statecode") not in (0, None)]
        if missing:
            yield Check(Status.FAIL, f"webhook steps: missing {'; '.join(missing)}", fix)
        # An asynchronous Configuration step would have the platform keep typed auth tokens in System Jobs.
        wrong_mode = [s.name for s in WEBHOOK_STEPS
                      if s.name in steps and steps[s.name].get("mode") not in (s.mode, None)]
        if disabled:
            yield Check(Status.FAIL, f"webhook steps: disabled {'; '.join(disabled)}",
                        "run `smsbridge register-webhooks` (it enables them), or enable them in the Plug-in "
                        "Registration Tool")
        if wrong_mode:
            yield Check(Status.FAIL, f"webhook steps: wrong execution mode {'; '.join(wrong_mode)}",
                        "run `smsbridge register-webhooks` (it sets the mode each step needs)")
        if not missing and not disabled and not wrong_mode:
            yield Check(Status.OK, f"webhook steps: all {len(WEBHOOK_STEPS)} registered and enabled")

    yield from _guarded("webhook", run)


def _role_checks(client: DataverseClient, user_id: uuid.UUID) -> Iterator[Check]:
    def run() -> Iterator[Check]:
        roles = sorted(roles_of(client, "systemusers", user_id, "systemuserroles_association").values())
        listed = ", ".join(roles) or "none"
        if INTEGRATION_ROLE in roles:
            yield Check(Status.OK, f"application user roles: {listed}")
        elif "System Administrator" in roles:
            yield Check(Status.WARN, f"application user roles: {listed} (more than it needs)",
                        f"run `smsbridge setup-team` to give it {INTEGRATION_ROLE}, then remove System Administrator")
        else:
            yield Check(Status.FAIL, f"application user roles: {listed}",
                        f"run `smsbridge setup-team` (gives it {INTEGRATION_ROLE}), or assign the role in the Power "
                        "Platform admin center")
        team = client.first("teams", select=["teamid"], filter=F.eq("name", TEAM_NAME))
        if team is None:
            yield Check(Status.FAIL, f"team {TEAM_NAME}: missing", "run `smsbridge setup-team --add-user <email>`")
            return
        team_id = team.guid("teamid") or uuid.UUID(int=0)
        team_roles = roles_of(client, "teams", team_id, "teamroles_association").values()
        members = sum(1 for _ in client.query("teammemberships", select=["systemuserid"],
                                              filter=F.eq("teamid", team_id)))
        if USER_ROLE not in team_roles:
            yield Check(Status.FAIL, f"team {TEAM_NAME}: lacks the {USER_ROLE} role", "run `smsbridge setup-team`")
        elif members == 0:
            yield Check(Status.WARN, f"team {TEAM_NAME}: has no members",
                        "run `smsbridge setup-team --add-user <email>` for each person who answers texts")
        else:
            yield Check(Status.OK, f"team {TEAM_NAME}: {USER_ROLE} role, {members} member(s)")

    yield from _guarded("roles", run)


def _configuration_checks(client: DataverseClient, settings: Settings | None,
                          twilio: TwilioClients | None) -> Iterator[Check]:
    def run() -> Iterator[Check]:
        rows = list(client.query("smsb_configurations", select=[
            "smsb_configurationid", "smsb_name", "smsb_mobilenumber", "smsb_messagingservicesid", "smsb_accountsid",
            "smsb_authtoken", "smsb_validationstatus", "smsb_validationmessage"]))
        if not rows:
            yield Check(Status.WARN, "configurations: none yet",
                        "in the SMS Bridge app create a Configuration (Twilio number and credentials), press Validate")
            return
        for row in rows:
            name = f"configuration '{row.get('smsb_name')}' ({row.get('smsb_mobilenumber')})"
            status = row.get("smsb_validationstatus")
            if status == _INVALID:
                yield Check(Status.FAIL, f"{name}: invalid: {row.get('smsb_validationmessage') or 'no reason given'}",
                            "correct the Account SID, Auth Token or number on the Configuration and press Validate")
                continue
            if status != _VALID:
                yield Check(Status.WARN, f"{name}: not validated yet", "open the Configuration and press Validate")
                continue
            yield _wiring(row, name, settings, twilio)

    yield from _guarded("configurations", run)


def _wiring(row: Row, name: str, settings: Settings | None, twilio: TwilioClients | None) -> Check:
    if settings is None:
        return Check(Status.WARN, f"{name}: valid; Twilio wiring not checked (the settings are invalid)",
                     "fix the settings above")
    if row.get("smsb_messagingservicesid"):
        return Check(Status.OK, f"{name}: valid; sends through Messaging Service {row.get('smsb_messagingservicesid')}"
                                " (its inbound URL is not checked here)")
    expected = f"{settings.public_url}/api/twilio/messages"
    row_id = row.guid("smsb_configurationid") or uuid.UUID(int=0)
    try:
        token = TokenCipher(settings.encryption_key, settings.encryption_key_previous).decrypt(
            str(row.get("smsb_authtoken") or ""), row_id)
    except TokenDecryptionFailed as exc:
        return Check(Status.FAIL, f"{name}: the stored auth token cannot be decrypted ({exc})",
                     "check SMSB_ENCRYPTION_KEY (and _PREVIOUS during rotation), or re-enter the Auth Token")
    clients = twilio or TwilioClients(TwilioConfig(api_base_url=settings.twilio_api_base_url))
    try:
        number = TwilioAccounts(clients).find_number(
            TwilioCredentials(str(row.get("smsb_accountsid")), token), str(row.get("smsb_mobilenumber")))
    except TwilioBridgeError as exc:
        return Check(Status.FAIL, f"{name}: Twilio: {exc}", "check the number and credentials, then press Validate")
    if number.sms_url != expected:
        return Check(Status.FAIL, f"{name}: the number's SMS URL is {number.sms_url or 'empty'}, not {expected}",
                     "press Validate on the Configuration with Auto-configure on, or set the number's "
                     f"'A message comes in' webhook to {expected} (HTTP POST) in the Twilio console")
    return Check(Status.OK, f"{name}: valid; the number's SMS URL points at this app")


def _queue_checks(settings: Settings | None) -> Iterator[Check]:
    if settings is None:
        yield Check(Status.WARN, "queues: not checked (the settings are invalid)", "fix the settings above")
        return
    from azure.core.exceptions import AzureError, ResourceNotFoundError

    from app.runtime import queue_service_for

    try:
        service = queue_service_for(settings)  # the app's own way: connection string or managed identity
    except (ValueError, AzureError, SettingsError) as exc:
        yield Check(Status.FAIL, f"queues: AzureWebJobsStorage is not usable ({type(exc).__name__})",
                    "set AzureWebJobsStorage to the storage account's connection string")
        return
    notes: list[str] = []
    missing: list[str] = []
    poisoned: list[str] = []
    try:
        for name in QUEUES:
            try:
                count = service.get_queue_client(name).get_queue_properties().approximate_message_count
                notes.append(f"{name} ({count} waiting)")
            except ResourceNotFoundError:
                missing.append(name)
            try:
                poison = service.get_queue_client(f"{name}-poison").get_queue_properties().approximate_message_count
                if poison:
                    poisoned.append(f"{name}-poison ({poison})")
            except ResourceNotFoundError:
                pass
    except AzureError as exc:
        yield Check(Status.FAIL, f"queues: storage unreachable ({type(exc).__name__})",
                    "check AzureWebJobsStorage and that the storage account (or Azurite) is running")
        return
    if missing:
        yield Check(Status.WARN, f"queues: {', '.join(missing)} not created yet",
                    "start the function app once; it creates its queues")
    if poisoned:
        yield Check(Status.WARN, f"queues: messages that failed five times in {', '.join(poisoned)}",
                    "read the Error Log table for why, fix it, then move them back or delete them")
    if notes and not missing:
        yield Check(Status.OK, f"queues: reachable: {', '.join(notes)}")
