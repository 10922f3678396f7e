from __future__ import annotations

import base64

import pytest

from app.settings import DataverseAuthMode, Settings, SettingsError

KEY = base64.b64encode(bytes(range(32))).decode()
OTHER_KEY = base64.b64encode(bytes(range(1, 33))).decode()


def valid(**overrides: str) -> dict[str, str]:
    env = {
        "DATAVERSE_URL": "https://contoso.crm.dynamics.com",
        "DATAVERSE_TENANT_ID": "tenant",
        "DATAVERSE_CLIENT_ID": "client",
        "DATAVERSE_CLIENT_SECRET": "very-secret-value",
        "SMSB_PUBLIC_URL": "https://smsb.azurewebsites.net/",
        "SMSB_ENCRYPTION_KEY": KEY,
        "AzureWebJobsStorage": "UseDevelopmentStorage=true",
    }
    env.update(overrides)
    return env


def problems_of(env: dict[str, str]) -> tuple[str, ...]:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env)
    return caught.value.problems


def test_valid_settings_are_normalised() -> None:
    settings = Settings.from_env(valid())
    assert settings.public_url == "https://smsb.azurewebsites.net"
    assert settings.encryption_key == bytes(range(32))
    assert settings.dataverse_authority_host == "login.microsoftonline.com"
    assert settings.twilio_api_base_url == "https://api.twilio.com"
    assert settings.dataverse_auth_mode is DataverseAuthMode.CLIENT_SECRET


def test_one_error_lists_every_missing_setting() -> None:
    problems = problems_of({})
    joined = "\n".join(problems)
    for name in ("DATAVERSE_URL", "SMSB_PUBLIC_URL", "SMSB_ENCRYPTION_KEY", "AzureWebJobsStorage"):
        assert name in joined
    assert len(problems) == 4


def test_blank_values_count_as_missing() -> None:
    problems = problems_of(valid(SMSB_PUBLIC_URL="   "))
    assert problems == ("SMSB_PUBLIC_URL is required (the function app's public base URL, "
                        "e.g. https://x.azurewebsites.net)",)


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("DATAVERSE_URL", "contoso.crm.dynamics.com", "absolute http(s) URL"),
        ("DATAVERSE_URL", "http://contoso.crm.dynamics.com", "must use https"),
        ("SMSB_PUBLIC_URL", "https://x.azurewebsites.net/?a=1", "query string"),
        ("TWILIO_API_BASE_URL", "ftp://api.twilio.com", "absolute http(s) URL"),
        ("SMSB_ENCRYPTION_KEY", "not base64!", "must be base64"),
        ("SMSB_ENCRYPTION_KEY", base64.b64encode(b"short").decode(), "32 bytes, got 5"),
        ("SMSB_ENCRYPTION_KEY_PREVIOUS", KEY, "must differ"),
        ("DATAVERSE_AUTHORITY_HOST", "https://login.microsoftonline.us", "host name"),
        ("DATAVERSE_CLIENT_CERTIFICATE_PATH", "/nonexistent/cert.pem", "set only one"),
        ("SMSB_INBOUND_BATCH", "0", "from 1 to 64"),
        ("SMSB_INBOUND_BATCH", "65", "from 1 to 64"),
        ("SMSB_INBOUND_BATCH", "lots", "from 1 to 64"),
        ("SMSB_STATUS_BATCH", "0", "from 1 to 64"),
        ("SMSB_STATUS_BATCH", "65", "from 1 to 64"),
    ],
)
def test_malformed_setting_is_named(name: str, value: str, fragment: str) -> None:
    problems = problems_of(valid(**{name: value}))
    assert any(name in p and fragment in p for p in problems), problems


def test_several_problems_are_reported_together() -> None:
    problems = problems_of(valid(DATAVERSE_URL="nope", SMSB_ENCRYPTION_KEY="short", SMSB_PUBLIC_URL=""))
    assert len(problems) == 3


def test_static_token_is_refused_for_a_real_environment() -> None:
    problems = problems_of(valid(DATAVERSE_TOKEN="eyJhbGciOi.static.token"))
    assert any("DATAVERSE_TOKEN" in p and "loopback" in p for p in problems)


@pytest.mark.parametrize("url", ["http://127.0.0.1:7072", "http://localhost:7072", "http://[::1]:7072"])
def test_static_token_is_accepted_for_loopback_emulators(url: str) -> None:
    settings = Settings.from_env(valid(DATAVERSE_URL=url, DATAVERSE_TOKEN="devstack", SMSB_PUBLIC_URL=url))
    assert settings.dataverse_auth_mode is DataverseAuthMode.STATIC_TOKEN


def test_secret_without_app_registration_ids_is_refused() -> None:
    problems = problems_of(valid(DATAVERSE_TENANT_ID="", DATAVERSE_CLIENT_ID=""))
    assert any("DATAVERSE_TENANT_ID and DATAVERSE_CLIENT_ID are required" in p for p in problems)


def test_certificate_must_exist(tmp_path) -> None:
    cert = tmp_path / "cert.pem"
    problems = problems_of(valid(DATAVERSE_CLIENT_SECRET="", DATAVERSE_CLIENT_CERTIFICATE_PATH=str(cert)))
    assert any("does not name a readable file" in p for p in problems)
    cert.write_text("-----BEGIN PRIVATE KEY-----\n")
    settings = Settings.from_env(valid(DATAVERSE_CLIENT_SECRET="", DATAVERSE_CLIENT_CERTIFICATE_PATH=str(cert)))
    assert settings.dataverse_auth_mode is DataverseAuthMode.CERTIFICATE


def test_without_secret_or_certificate_managed_identity_is_used() -> None:
    settings = Settings.from_env(valid(DATAVERSE_CLIENT_SECRET="", DATAVERSE_TENANT_ID="", DATAVERSE_CLIENT_ID=""))
    assert settings.dataverse_auth_mode is DataverseAuthMode.MANAGED_IDENTITY


def test_previous_key_for_rotation_is_decoded() -> None:
    settings = Settings.from_env(valid(SMSB_ENCRYPTION_KEY_PREVIOUS=OTHER_KEY))
    assert settings.encryption_key_previous == bytes(range(1, 33))


def test_repr_and_errors_never_show_secrets() -> None:
    settings = Settings.from_env(valid(SMSB_ENCRYPTION_KEY_PREVIOUS=OTHER_KEY))
    text = repr(settings)
    for secret in ("very-secret-value", KEY, OTHER_KEY, "UseDevelopmentStorage"):
        assert secret not in text
    problems = problems_of(valid(DATAVERSE_TOKEN="super-secret-token-value"))
    assert "super-secret-token-value" not in "\n".join(problems)


def test_secret_values_lists_what_logs_must_scrub() -> None:
    settings = Settings.from_env(valid(SMSB_ENCRYPTION_KEY_PREVIOUS=OTHER_KEY))
    assert set(settings.secret_values()) == {KEY, OTHER_KEY, "very-secret-value"}


def test_identity_based_storage_needs_only_the_account_name() -> None:
    env = valid()
    del env["AzureWebJobsStorage"]
    settings = Settings.from_env({**env, "AzureWebJobsStorage__accountName": "smsbstore"})
    assert settings.storage_connection is None
    assert settings.storage_queue_uri == "https://smsbstore.queue.core.windows.net"
    sovereign = Settings.from_env({**env, "AzureWebJobsStorage__queueServiceUri":
                                   "https://smsbstore.queue.core.usgovcloudapi.net/",
                                   "AzureWebJobsStorage__clientId": "11111111-2222-3333-4444-555555555555"})
    assert sovereign.storage_queue_uri == "https://smsbstore.queue.core.usgovcloudapi.net"
    assert sovereign.storage_client_id == "11111111-2222-3333-4444-555555555555"


def test_identity_based_queue_client_points_at_the_account_endpoint() -> None:
    from app.runtime import queue_service_for

    env = valid()
    del env["AzureWebJobsStorage"]
    client = queue_service_for(Settings.from_env({**env, "AzureWebJobsStorage__accountName": "smsbstore"}))
    assert client.url.startswith("https://smsbstore.queue.core.windows.net")
    assert client.credential is not None


def test_inbound_texts_are_coalesced_by_default_and_one_turns_it_off() -> None:
    assert Settings.from_env(valid()).inbound_batch == 32
    assert Settings.from_env(valid(SMSB_INBOUND_BATCH="1")).inbound_batch == 1
    assert Settings.from_env(valid(SMSB_INBOUND_BATCH=" 8 ")).inbound_batch == 8


def test_status_callbacks_are_coalesced_by_default_and_one_turns_it_off() -> None:
    assert Settings.from_env(valid()).status_batch == 32
    assert Settings.from_env(valid(SMSB_STATUS_BATCH="1")).status_batch == 1
    assert Settings.from_env(valid(SMSB_STATUS_BATCH="16", SMSB_INBOUND_BATCH="1")).status_batch == 16


def test_outbound_coalescing_and_send_rates_default_and_can_be_set() -> None:
    defaults = Settings.from_env(valid())
    assert (defaults.outbound_batch, defaults.outbound_linger, defaults.twilio_mps,
            defaults.messaging_service_mps) == (50, 0.5, 1.0, 1.0)
    tuned = Settings.from_env(valid(SMSB_OUTBOUND_BATCH="1", SMSB_OUTBOUND_LINGER_MS="0", SMSB_TWILIO_MPS="0.5",
                                    SMSB_MESSAGING_SERVICE_MPS="30"))
    assert (tuned.outbound_batch, tuned.outbound_linger, tuned.twilio_mps,
            tuned.messaging_service_mps) == (1, 0.0, 0.5, 30.0)


def test_a_busy_process_lingers_briefly_for_more_texts_unless_told_not_to() -> None:
    assert Settings.from_env(valid()).inbound_linger == 0.1
    assert Settings.from_env(valid(SMSB_INBOUND_LINGER_MS="250")).inbound_linger == 0.25
    assert Settings.from_env(valid(SMSB_INBOUND_LINGER_MS="0")).inbound_linger == 0.0


@pytest.mark.parametrize(("name", "value"), [("SMSB_OUTBOUND_BATCH", "0"), ("SMSB_OUTBOUND_BATCH", "2.5"),
                                             ("SMSB_TWILIO_MPS", "-1"), ("SMSB_MESSAGING_SERVICE_MPS", "fast"),
                                             ("SMSB_OUTBOUND_LINGER_MS", "-5"), ("SMSB_INBOUND_LINGER_MS", "soon")])
def test_a_coalescing_setting_that_is_not_a_positive_number_is_named(name: str, value: str) -> None:
    assert any(name in problem for problem in problems_of(valid(**{name: value})))
