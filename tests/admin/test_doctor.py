"""`smsbridge doctor` names each kind of problem with a fix, and exits 1 while anything FAILs."""

from __future__ import annotations

import uuid

from azure.storage.queue import QueueServiceClient

from .conftest import FUNCTION_KEY, PUBLIC_URL, Environment
from .packages import package_zip

OUTBOX_STEP = "SMS Bridge: Create of smsb_outbox"


def _step(environment: Environment, name: str) -> dict[str, object]:
    return next(r for r in environment.dataverse.store.rows("sdkmessageprocessingstep") if r["name"] == name)


def test_a_new_environment_fails_on_the_missing_solution_tables_webhook_and_team(environment: Environment) -> None:
    result = environment.smsbridge("doctor")

    assert result.code == 1
    assert result.line("solution SmsBridge").startswith("FAIL  solution SmsBridge: not installed")
    assert "fix: run `smsbridge import`" in result.line("solution SmsBridge")
    assert result.line("tables").startswith("FAIL  tables: 10 of 10 missing")
    assert "register-webhooks" in result.line("webhook")
    assert result.line("application user roles").startswith("WARN")  # System Administrator only
    assert "setup-team" in result.line("team SMS Bridge - SMS")
    assert result.out.splitlines()[-1].startswith("5 failed")


def test_a_missing_step_fails_and_register_webhooks_puts_it_back(working: Environment) -> None:
    step = _step(working, OUTBOX_STEP)
    working.dataverse.store.remove("sdkmessageprocessingstep", str(step["sdkmessageprocessingstepid"]))

    result = working.smsbridge("doctor")

    assert result.code == 1
    assert result.line("webhook steps").startswith(f"FAIL  webhook steps: missing {OUTBOX_STEP}")
    assert "fix: run `smsbridge register-webhooks" in result.line("webhook steps")
    repaired = working.smsbridge("register-webhooks", "--function-key", FUNCTION_KEY)
    assert f"created: step {OUTBOX_STEP}" in repaired.out
    assert working.smsbridge("doctor").code == 0


def test_a_disabled_step_fails_and_register_webhooks_enables_it(working: Environment) -> None:
    step = _step(working, OUTBOX_STEP)
    working.dataverse.store.put("sdkmessageprocessingstep", str(step["sdkmessageprocessingstepid"]),
                                {**step, "statecode": 1, "statuscode": 2})

    result = working.smsbridge("doctor")

    assert result.code == 1
    assert result.line("webhook steps").startswith(f"FAIL  webhook steps: disabled {OUTBOX_STEP}")
    assert "it enables them" in result.line("webhook steps")
    repaired = working.smsbridge("register-webhooks", "--function-key", FUNCTION_KEY)
    assert f"enabled: step {OUTBOX_STEP}" in repaired.out
    assert _step(working, OUTBOX_STEP)["statecode"] == 0
    assert working.smsbridge("doctor").code == 0


def test_an_endpoint_posting_elsewhere_fails(working: Environment) -> None:
    working.env["SMSB_PUBLIC_URL"] = "http://127.0.0.1:7111"

    result = working.smsbridge("doctor")

    assert result.line("webhook:").startswith(
        f"FAIL  webhook: the endpoint posts to {PUBLIC_URL}/api/dataverse/webhook, not http://127.0.0.1:7111/")


def test_an_invalid_configuration_fails_with_its_validation_message(working: Environment) -> None:
    row = working.dataverse.store.rows("smsb_configuration")[0]
    working.dataverse.store.put("smsb_configuration", row["smsb_configurationid"], {
        **row, "smsb_validationstatus": 3, "smsb_validationmessage": "Twilio rejected the Account SID and Auth Token"})

    result = working.smsbridge("doctor")

    assert result.code == 1
    line = result.line("configuration 'Devstack +15005550006'")
    assert line.startswith("FAIL")
    assert "invalid: Twilio rejected the Account SID and Auth Token" in line
    assert "press Validate" in line


def test_a_draft_configuration_warns_to_validate_it(working: Environment) -> None:
    row = working.dataverse.store.rows("smsb_configuration")[0]
    working.dataverse.store.put("smsb_configuration", row["smsb_configurationid"], {**row, "smsb_validationstatus": 1})

    result = working.smsbridge("doctor")

    assert result.code == 0
    assert result.line("configuration").startswith("WARN")


def test_a_number_whose_sms_url_points_elsewhere_fails(working: Environment) -> None:
    working.twilio.configure_number("+15005550006", sms_url="https://old-app.example/sms")

    result = working.smsbridge("doctor")

    assert result.code == 1
    line = result.line("configuration")
    assert f"SMS URL is https://old-app.example/sms, not {PUBLIC_URL}/api/twilio/messages" in line
    assert "Auto-configure" in line


def test_a_token_under_another_key_fails_with_what_to_check(working: Environment) -> None:
    import base64
    import secrets

    working.env["SMSB_ENCRYPTION_KEY"] = base64.b64encode(secrets.token_bytes(32)).decode()

    result = working.smsbridge("doctor")

    assert "cannot be decrypted" in result.line("configuration")
    assert "SMSB_ENCRYPTION_KEY" in result.line("configuration")


def test_alternate_key_indexes_warn_while_building_and_fail_when_failed(working: Environment) -> None:
    solutions = working.dataverse.solutions
    solutions.set_key_status("smsb_recordtype", working.dataverse.schema.table("smsb_recordtype").keys[0].name,
                             "InProgress")
    building = working.smsbridge("doctor")
    solutions.set_key_status("smsb_message", working.dataverse.schema.table("smsb_message").keys[0].name, "Failed")
    failed = working.smsbridge("doctor")

    assert building.code == 0
    assert building.line("alternate keys").startswith("WARN  alternate keys: still building for smsb_recordtype.")
    assert failed.code == 1
    assert failed.line("alternate keys").startswith("FAIL  alternate keys: index failed for smsb_message.")
    assert "ReactivateEntityKey" in failed.line("alternate keys")


def test_a_team_without_its_role_fails(working: Environment) -> None:
    team_id = str(working.team_id())
    for link in working.dataverse.store.rows("teamroles"):
        if link["teamid"] == team_id:
            working.dataverse.store.remove("teamroles", link["teamroleid"])

    result = working.smsbridge("doctor")

    assert result.line("team SMS Bridge - SMS").startswith("FAIL  team SMS Bridge - SMS: lacks the SMS Bridge User")


def test_poison_messages_and_missing_queues_warn(working: Environment) -> None:
    service = QueueServiceClient.from_connection_string(working.env["AzureWebJobsStorage"])
    service.get_queue_client("sms-inbound-poison").send_message("x")

    result = working.smsbridge("doctor")

    assert result.code == 0
    assert result.line("queues: messages that failed").startswith("WARN")
    assert "sms-inbound-poison (1)" in result.out


def test_settings_problems_and_an_unreachable_dataverse_fail(environment: Environment) -> None:
    environment.env.pop("SMSB_ENCRYPTION_KEY")
    environment.env["DATAVERSE_URL"] = "http://127.0.0.1:9"  # nothing listens on the discard port

    result = environment.smsbridge("doctor")

    assert result.code == 1
    assert result.line("settings").startswith("FAIL  settings: SMSB_ENCRYPTION_KEY is required")
    assert result.line("WhoAmI").startswith("FAIL")
    assert "application user" in result.line("WhoAmI")


def test_no_dataverse_url_fails_with_where_to_set_it(environment: Environment) -> None:
    environment.env.pop("DATAVERSE_URL")

    result = environment.smsbridge("doctor")

    assert result.code == 1
    assert "DATAVERSE_URL is required" in result.line("Dataverse connection")


def test_doctor_never_prints_a_secret(working: Environment) -> None:
    working.env["SMSB_FUNCTION_KEY"] = FUNCTION_KEY
    result = working.smsbridge("doctor")

    for secret in (FUNCTION_KEY, working.env["SMSB_ENCRYPTION_KEY"], working.env["DATAVERSE_TOKEN"]):
        assert secret not in result.text
    assert uuid.UUID(result.line("WhoAmI").split()[-1])


def test_an_older_solution_than_this_release_warns_to_upgrade(environment: Environment) -> None:
    environment.smsbridge("import", "--zip", str(environment.write_zip(package_zip(version="0.0.1.0"))))

    result = environment.smsbridge("doctor")

    line = result.line("solution SmsBridge")
    assert line.startswith("WARN  solution SmsBridge: version 0.0.1.0 (unmanaged) is older than this release")
    assert "run `smsbridge import` to upgrade it" in line


def test_an_application_user_that_may_not_impersonate_fails(working: Environment) -> None:
    dataverse = working.dataverse
    admin = dataverse.solutions.role_id("System Administrator")
    for link in dataverse.store.rows("systemuserroles"):
        if link["systemuserid"] == dataverse.user_id and link["roleid"] == admin:
            dataverse.store.remove("systemuserroles", link["systemuserroleid"])
    # the imported SMS Bridge Integration role carries the privilege, as the packer writes it
    assert working.smsbridge("doctor").line("impersonation").startswith(
        "OK    impersonation: the application user holds prvActOnBehalfOfAnotherUser")
    dataverse.solutions.set_privilege("SMS Bridge Integration", "prvActOnBehalfOfAnotherUser", None, None)

    result = working.smsbridge("doctor")

    assert result.code == 1
    line = result.line("impersonation")
    assert line.startswith("FAIL  impersonation: the application user lacks prvActOnBehalfOfAnotherUser")
    assert "Delegate role" in line
