"""An environment registered by an older version has asynchronous Configuration steps, which leave typed auth
tokens in System Jobs: `doctor` names them and `register-webhooks` makes them synchronous."""

from __future__ import annotations

from .conftest import FUNCTION_KEY, Environment

CONFIGURATION_STEP = "SMS Bridge: Update of smsb_configuration"


def test_an_asynchronous_configuration_step_fails_doctor_and_register_webhooks_fixes_it(working: Environment) -> None:
    store = working.dataverse.store
    step = next(r for r in store.rows("sdkmessageprocessingstep") if r["name"] == CONFIGURATION_STEP)
    store.put("sdkmessageprocessingstep", str(step["sdkmessageprocessingstepid"]),
              {**step, "mode": 1, "asyncautodelete": True})

    result = working.smsbridge("doctor")

    assert result.code == 1
    assert result.line("webhook steps").startswith(f"FAIL  webhook steps: wrong execution mode {CONFIGURATION_STEP}")
    repaired = working.smsbridge("register-webhooks", "--function-key", FUNCTION_KEY)
    assert f"updated: step {CONFIGURATION_STEP}" in repaired.out
    fixed = store.get("sdkmessageprocessingstep", str(step["sdkmessageprocessingstepid"]))
    assert fixed is not None
    assert (fixed["mode"], fixed["asyncautodelete"]) == (0, False)
    assert working.smsbridge("doctor").code == 0
