"""The `smsbridge` command line: exit codes (0 ok, 1 problem, 2 usage), errors that say what to do, no secrets."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from admin.console import Console
from app.version import version

from .conftest import FUNCTION_KEY, PUBLIC_URL, Environment
from .packages import package_zip


def test_usage_errors_exit_2(environment: Environment) -> None:
    assert environment.smsbridge().code == 2
    assert environment.smsbridge("frobnicate").code == 2
    assert environment.smsbridge("import", "--no-such-flag").code == 2
    missing = environment.smsbridge("import", "--zip", str(environment.cwd / "nope.zip"))
    assert missing.code == 2
    assert "cannot read" in missing.err


def test_a_zip_that_is_not_a_solution_is_a_usage_error(environment: Environment) -> None:
    path = environment.write_zip(b"PK not really")

    result = environment.smsbridge("import", "--zip", str(path))

    assert result.code == 2
    assert "is not a solution package" in result.err


def test_managed_flag_with_an_unmanaged_zip_is_refused(environment: Environment) -> None:
    path = environment.write_zip(package_zip())

    result = environment.smsbridge("import", "--zip", str(path), "--managed")

    assert result.code == 2
    assert "drop --managed" in result.err


def test_a_failed_import_exits_1_with_the_import_jobs_message(environment: Environment) -> None:
    unmanaged = environment.write_zip(package_zip(version="1.0.0.0"), "a.zip")
    managed = environment.write_zip(package_zip(version="1.1.0.0", managed=True), "b.zip")
    assert environment.smsbridge("import", "--zip", str(unmanaged)).code == 0

    result = environment.smsbridge("import", "--zip", str(managed))

    assert result.code == 1
    assert "the import of SmsBridge 1.1.0.0 failed: The solution is already installed on this system as an " \
           "unmanaged solution" in result.err
    assert "Uninstall the current solution" in result.err


def test_a_newer_version_is_imported_over_the_installed_one(environment: Environment) -> None:
    first = environment.write_zip(package_zip(version="1.0.0.0"))
    assert environment.smsbridge("import", "--zip", str(first)).code == 0

    result = environment.smsbridge("import", "--zip", str(environment.write_zip(package_zip(version="1.0.1.0"))))

    assert "imported: SmsBridge 1.0.1.0 (unmanaged, was 1.0.0.0)" in result.out
    forced = environment.smsbridge("import", "--zip", str(environment.cwd / "SmsBridge.zip"), "--force")
    assert "imported: SmsBridge 1.0.1.0" in forced.out


def test_import_without_a_zip_builds_the_package_from_solution(environment: Environment) -> None:
    result = environment.smsbridge("import")

    assert result.code == 0, result.text
    dotted = ".".join([*version().split("."), "0", "0", "0"][:4])
    assert f"imported: SmsBridge {dotted} (unmanaged)" in result.out
    assert environment.dataverse.solutions.installed_tables() >= {"smsb_message", "smsb_outbox"}
    assert "building the solution package" in result.err
    assert "100% imported SmsBridge" in result.err  # plain progress lines when stderr is not a terminal
    doctor = environment.smsbridge("doctor")
    assert doctor.line("tables").startswith("OK")
    assert doctor.line("alternate keys").startswith("OK")


def test_register_webhooks_needs_a_function_key_and_never_prints_it(environment: Environment) -> None:
    environment.smsbridge("import", "--zip", str(environment.write_zip(package_zip())))

    missing = environment.smsbridge("register-webhooks")
    from_stdin = environment.smsbridge("register-webhooks", "--function-key", "-",
                                       stdin=io.StringIO(FUNCTION_KEY + "\n"))
    environment.env["SMSB_FUNCTION_KEY"] = FUNCTION_KEY
    from_env = environment.smsbridge("register-webhooks")

    assert missing.code == 2
    assert "--function-key" in missing.err
    assert from_stdin.code == 0
    assert from_env.out.splitlines()[-1] == "changed nothing"
    endpoint = environment.dataverse.store.rows("serviceendpoint")[0]
    assert endpoint["authvalue"] == FUNCTION_KEY
    assert endpoint["url"] == f"{PUBLIC_URL}/api/dataverse/webhook"
    for result in (missing, from_stdin, from_env):
        assert FUNCTION_KEY not in result.text


def test_register_webhooks_before_the_import_says_to_import_and_hides_the_key(environment: Environment) -> None:
    result = environment.smsbridge("register-webhooks", "--function-key", FUNCTION_KEY)

    assert result.code == 1
    assert "import the solution" in result.err
    assert FUNCTION_KEY not in result.text


def test_a_changed_url_updates_the_endpoint(environment: Environment) -> None:
    environment.smsbridge("import", "--zip", str(environment.write_zip(package_zip())))
    environment.smsbridge("register-webhooks", "--function-key", FUNCTION_KEY)

    result = environment.smsbridge("register-webhooks", "--function-key", FUNCTION_KEY,
                                   "--function-url", "https://smsbridge.example.net/")

    assert "updated: service endpoint → https://smsbridge.example.net/api/dataverse/webhook" in result.out


def test_setup_team_before_the_import_says_to_import(environment: Environment) -> None:
    result = environment.smsbridge("setup-team")

    assert result.code == 1
    assert "import the solution first (`smsbridge import`)" in result.err


def test_an_unknown_user_changes_nothing_and_says_what_to_check(environment: Environment) -> None:
    environment.smsbridge("import", "--zip", str(environment.write_zip(package_zip())))

    result = environment.smsbridge("setup-team", "--add-user", "nobody@contoso.example")

    assert result.code == 1
    assert "no Dataverse user has the email address or id 'nobody@contoso.example'" in result.err
    assert not [r for r in environment.dataverse.store.rows("team") if r["name"] == "SMS Bridge - SMS"]


def test_users_are_added_by_id_too(environment: Environment) -> None:
    environment.smsbridge("import", "--zip", str(environment.write_zip(package_zip())))
    user_id = environment.add_user("Sam", "Okafor")

    result = environment.smsbridge("setup-team", "--add-user", user_id, "--no-app-user-role")

    assert "added: member Sam Okafor <sam@contoso.example>" in result.out
    assert "Integration" not in result.out


def test_flags_override_the_environment_and_local_settings_are_read(environment: Environment) -> None:
    url = environment.env.pop("DATAVERSE_URL")
    (environment.cwd / "local.settings.json").write_text(json.dumps({"Values": {"DATAVERSE_URL": "http://127.0.0.1:9"}}))

    via_flag = environment.smsbridge("import", "--zip", str(environment.write_zip(package_zip())),
                                     "--dataverse-url", url)
    (environment.cwd / "local.settings.json").write_text(json.dumps({"Values": {"DATAVERSE_URL": url}}))
    via_file = environment.smsbridge("setup-team")

    assert via_flag.code == 0, via_flag.text
    assert via_file.code == 0, via_file.text


def test_the_progress_bar_draws_on_a_terminal_and_prints_lines_otherwise() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, plain = Terminal(), io.StringIO()
    for err in (tty, plain):
        console = Console(io.StringIO(), err, secrets=["hunter2-secret"])
        console.progress("importing", 0.5)
        console.progress("importing", 0.5)
        console.progress("key hunter2-secret", None)
        console.line("done")

    assert "\r[###############...............]  50.0% importing" in tty.getvalue()
    assert plain.getvalue() == "50% importing\nkey ***\n"


def test_the_console_script_is_installed() -> None:
    script = Path(sys.executable).with_name("smsbridge")
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60,  # noqa: S603
                            check=False)

    assert result.returncode == 0
    for command in ("import", "register-webhooks", "setup-team", "doctor"):
        assert command in result.stdout


def test_an_unreachable_dataverse_fails_at_once_with_what_to_check(environment: Environment) -> None:
    import time

    environment.env["DATAVERSE_URL"] = "http://127.0.0.1:9"  # nothing listens on the discard port
    started = time.monotonic()

    result = environment.smsbridge("setup-team")

    assert result.code == 1
    assert "cannot reach Dataverse" in result.err
    assert "Check DATAVERSE_URL" in result.err
    assert time.monotonic() - started < 10


def test_a_refused_token_says_what_to_check(environment: Environment) -> None:
    environment.dataverse.token = "the-only-good-token"

    result = environment.smsbridge("import", "--zip", str(environment.write_zip(package_zip())))

    assert result.code == 1
    assert "refused the access token (401)" in result.err
    assert "check that the application user exists" in result.err
    assert environment.dataverse.solutions.installed_tables() == frozenset()
