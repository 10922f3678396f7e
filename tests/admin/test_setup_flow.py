"""From a new Dataverse environment to a working one with the four commands, and a second run changes nothing."""

from __future__ import annotations

import uuid

from admin import WEBHOOK_STEPS
from admin.doctor import solution_version

from .conftest import FUNCTION_KEY, PUBLIC_URL, Environment


def _writes(environment: Environment) -> list[str]:
    return [f"{r.method} {r.path}" for r in environment.dataverse.requests.records if r.method != "GET"]


def test_new_environment_becomes_a_working_one_and_a_second_run_changes_nothing(environment: Environment) -> None:
    release = solution_version()
    alex = environment.add_user("Alex", "Morgan")
    environment.add_user("Priya", "Nair")

    before = environment.smsbridge("doctor")
    assert before.code == 1
    assert before.line("solution SmsBridge").startswith("FAIL")

    imported = environment.smsbridge("import")  # builds the package from solution/ with the packer
    assert imported.code == 0, imported.text
    assert f"imported: SmsBridge {release} (unmanaged)" in imported.out
    assert "published" in imported.out
    assert environment.dataverse.solutions.publish_count == 1

    hooks = environment.smsbridge("register-webhooks", "--function-key", FUNCTION_KEY)
    assert hooks.code == 0, hooks.text
    assert f"created: service endpoint → {PUBLIC_URL}/api/dataverse/webhook" in hooks.out
    assert hooks.out.count("created: step") == len(WEBHOOK_STEPS)

    team = environment.smsbridge("setup-team", "--add-user", "alex@contoso.example",
                                 "--add-user", "Priya@Contoso.example")
    assert team.code == 0, team.text
    assert "created: team SMS Bridge - SMS" in team.out
    assert "added: role SMS Bridge User of the team" in team.out
    assert "added: member Alex Morgan <alex@contoso.example>" in team.out
    assert "added: role SMS Bridge Integration of the application user" in team.out

    team_row = next(r for r in environment.dataverse.store.rows("team") if r["name"] == "SMS Bridge - SMS")
    assert {m["systemuserid"] for m in environment.dataverse.store.rows("teammembership")
            if m["teamid"] == team_row["teamid"]} >= {alex}
    environment.add_configuration(uuid.UUID(team_row["teamid"]))
    environment.create_queues()

    doctor = environment.smsbridge("doctor")
    assert doctor.code == 0, doctor.out
    checks = [line for line in doctor.out.splitlines()[:-1] if not line.startswith(" ")]
    assert len(checks) >= 10
    assert all(line.startswith("OK") for line in checks), doctor.out
    assert doctor.out.splitlines()[-1] == "everything OK"
    assert f"solution SmsBridge: version {release} (unmanaged)" in doctor.out
    assert "the number's SMS URL points at this app" in doctor.out

    environment.dataverse.requests.clear()
    again = [environment.smsbridge("import"),
             environment.smsbridge("register-webhooks", "--function-key", FUNCTION_KEY),
             environment.smsbridge("setup-team", "--add-user", "alex@contoso.example")]
    assert [r.code for r in again] == [0, 0, 0], [r.text for r in again]
    assert f"unchanged: SmsBridge {release} (unmanaged) is already installed" in again[0].out
    assert again[1].out.splitlines()[-1] == "changed nothing"
    assert again[2].out.splitlines()[-1] == "changed nothing"
    assert "unchanged: member Alex Morgan" in again[2].out
    assert _writes(environment) == []
    assert environment.smsbridge("doctor").code == 0

    for result in (before, imported, hooks, team, doctor, *again):
        assert FUNCTION_KEY not in result.text
